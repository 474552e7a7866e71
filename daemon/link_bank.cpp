#include "daemon/link_bank.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "daemon/engine_clock.hpp"
#include "daemon/log.hpp"
#include "failover/address_manager.hpp"

namespace tandem::daemon {
namespace asio = boost::asio;

namespace {
// Whenever one link has something to read, every link is read: the peer
// is judged on the newest heartbeat of all (see LinkBank::drain).
asio::awaitable<void> run_link(std::shared_ptr<HeartbeatLink> link, std::function<void()> on_readable) {
  for (;;) {
    const bool readable = co_await link->wait_readable();
    if (!readable) co_return;
    on_readable();
  }
}
}  // namespace

LinkBank::LinkBank(asio::io_context& io, const config::Config& cfg, std::uint64_t generation, Sink sink,
                   MakeLink make_link)
    : io_(io),
      make_link_(std::move(make_link)),
      own_name_(cfg.node.name),
      peer_name_(cfg.cluster.peer),
      port_(cfg.cluster.port),
      generation_(generation),
      sink_(std::move(sink)) {
  for (const auto& l : cfg.links) slots_.push_back(make_slot(l));
}

LinkBank::~LinkBank() { close_all(); }

std::unique_ptr<LinkBank::Slot> LinkBank::make_slot(const config::Link& link) {
  return std::unique_ptr<Slot>(new Slot{make_link_(io_, link, port_),
                                        failover::HeartbeatReceiver(own_name_, peer_name_, generation_)});
}

void LinkBank::open_all() {
  for (auto& s : slots_) open(*s);
}

void LinkBank::open(Slot& slot) {
  if (auto err = slot.link->open()) {
    if (!slot.open_failing) log(log_warning, *err + "; retrying every interval");
    slot.open_failing = true;
    return;
  }
  slot.open_failing = false;
  const config::Link& l = slot.link->link();
  log(log_info, "link " + l.name + " open on " + l.interface + " to " + (l.peer ? l.peer->str() : l.group->str()) +
                    " port " + std::to_string(port_));
  asio::co_spawn(io_,
                 run_link(slot.link,
                          [this] {
                            for (auto& ev : drain()) sink_(std::move(ev));
                          }),
                 asio::detached);
}

std::size_t LinkBank::reconfigure(const config::Config& cfg, const std::vector<std::optional<std::size_t>>& kept) {
  std::vector<std::unique_ptr<Slot>> old = std::move(slots_);
  slots_.clear();
  own_name_ = cfg.node.name;
  peer_name_ = cfg.cluster.peer;
  port_ = cfg.cluster.port;
  std::vector<std::size_t> to_open;
  for (std::size_t i = 0; i < cfg.links.size(); ++i) {
    const auto from = i < kept.size() ? kept[i] : std::nullopt;
    if (from && *from < old.size() && old[*from]) {
      slots_.push_back(std::move(old[*from]));
    } else {
      slots_.push_back(make_slot(cfg.links[i]));
      to_open.push_back(i);
    }
  }
  for (auto& s : old) {
    if (!s) continue;
    for (std::size_t i = 0; i < retired_.rejected.size(); ++i) retired_.rejected[i] += s->receiver.rejected()[i];
    retired_.accepted += s->receiver.accepted();
    s->link->close();
  }
  for (auto i : to_open) open(*slots_[i]);
  return to_open.size();
}

void LinkBank::close_all() {
  for (auto& s : slots_) s->link->close();
}

std::optional<failover::Event> LinkBank::receive(const HeartbeatLink* link, std::span<const std::uint8_t> packet,
                                                 HeartbeatLink::Arrival arrived) {
  std::size_t index = 0;
  while (index < slots_.size() && slots_[index]->link.get() != link) ++index;
  if (index == slots_.size()) return std::nullopt;  // closed by a reload meanwhile
  Slot& slot = *slots_[index];
  auto result = slot.receiver.receive(packet, keys_);
  if (auto v = slot.receiver.peer_version()) peer_version_ = *v;
  if (auto* reason = std::get_if<failover::Reject>(&result)) {
    const std::string what = "link " + slot.link->link().name + ": dropped heartbeat: " +
                             std::string(failover::to_string(*reason));
    // Our own multicast echoes and the first packets of a new peer
    // generation (before it acknowledges ours) are expected.
    if (*reason == failover::Reject::own_packet || *reason == failover::Reject::unverified_generation) {
      log(log_debug, what);
      return std::nullopt;
    }
    auto i = static_cast<std::size_t>(*reason);
    auto now = EngineClock::now();
    ++slot.unreported[i];
    if (!slot.warned_at[i] || now - *slot.warned_at[i] >= std::chrono::minutes(1)) {
      log(log_warning, what + " (" + std::to_string(slot.unreported[i]) +
                           (slot.warned_at[i] ? " in the last minute)" : ")") +
                           (*reason == failover::Reject::bad_hmac || *reason == failover::Reject::unknown_key
                                ? "; check that both nodes use the same authkeys"
                                : ""));
      slot.warned_at[i] = now;
      slot.unreported[i] = 0;
    } else {
      log(log_debug, what);
    }
    return std::nullopt;
  }
  return failover::HeartbeatIn{index, std::get<failover::Heartbeat>(std::move(result)), arrived};
}

std::vector<failover::Event> LinkBank::drain() {
  // Every datagram goes through its link's receiver (replay guard,
  // counters); of the accepted ones only the newest of each link is an
  // event: it supersedes the ones before it. Newest first, so that a link
  // silent for a while is not judged before a recent one is seen.
  std::vector<failover::HeartbeatIn> newest;
  for (auto& s : slots_) {
    if (!s->link->is_open()) continue;
    std::optional<failover::HeartbeatIn> latest;
    s->link->drain([&, link = s->link.get()](std::span<const std::uint8_t> packet, HeartbeatLink::Arrival arrived) {
      if (auto ev = receive(link, packet, arrived)) latest = std::get<failover::HeartbeatIn>(std::move(*ev));
    });
    if (latest) newest.push_back(std::move(*latest));
  }
  std::sort(newest.begin(), newest.end(),
            [](const failover::HeartbeatIn& a, const failover::HeartbeatIn& b) { return a.arrived > b.arrived; });
  return std::vector<failover::Event>(std::make_move_iterator(newest.begin()), std::make_move_iterator(newest.end()));
}

std::vector<failover::Event> LinkBank::send(failover::Heartbeat hb) {
  std::vector<failover::Event> events;
  hb.ack_generation = ack_generation();
  const config::AuthKey& key = keys_.send_key();
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = *slots_[i];
    const auto iface = failover::query_interface(slot.link->link().interface);
    if (!slot.link->is_open() && iface.exists) open(slot);
    const bool usable = iface.usable() && slot.link->is_open();
    if (usable != slot.local_up) {
      slot.local_up = usable;
      events.push_back(failover::LinkLocal{i, usable});
    }
    if (!slot.link->is_open()) continue;
    hb.sequence = ++sequence_;  // one stream per link: every datagram has its own number
    auto packet = failover::encode_heartbeat(hb, key);
    if (auto err = slot.link->send(packet)) {
      ++send_errors_;
      if (!slot.send_failing) log(log_warning, *err);
      slot.send_failing = true;
    } else {
      ++sent_;
      if (slot.send_failing) log(log_notice, "link " + slot.link->link().name + ": sending again");
      slot.send_failing = false;
    }
  }
  return events;
}

HeartbeatCounters LinkBank::counters() const {
  HeartbeatCounters c = retired_;
  c.sent = sent_;
  c.send_errors = send_errors_;
  for (const auto& s : slots_) {
    c.accepted += s->receiver.accepted();
    for (std::size_t i = 0; i < c.rejected.size(); ++i) c.rejected[i] += s->receiver.rejected()[i];
  }
  return c;
}

std::uint64_t LinkBank::peer_generation() const {
  std::uint64_t g = 0;
  for (const auto& s : slots_) g = std::max(g, s->receiver.guard().peer_generation());
  return g;
}

std::uint64_t LinkBank::ack_generation() const {
  std::uint64_t g = 0;
  for (const auto& s : slots_) g = std::max(g, s->receiver.guard().ack_generation());
  return g;
}

}  // namespace tandem::daemon
