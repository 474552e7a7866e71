#include "daemon/director.hpp"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <filesystem>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/config_diff.hpp"
#include "daemon/log.hpp"
#include "daemon/realtime.hpp"
#include "ipvs/desired.hpp"

namespace tandem::daemon {
namespace asio = boost::asio;
using failover::Clock;

namespace {

std::uint64_t new_generation() {
  // The start time in nanoseconds: it changes every start and grows across
  // restarts (docs/heartbeat-format.md, "Replay protection").
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

asio::awaitable<void> run_link(std::shared_ptr<HeartbeatLink> link, HeartbeatLink::Handler handler) {
  co_await link->receive_loop(std::move(handler));
}

std::string join(const config::Diagnostics& ds, const char* severity) {
  std::string out;
  for (const auto& d : ds) out += d.format(severity) + "\n";
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out;
}

}  // namespace

Director::Director(asio::io_context& io, DirectorOptions options, config::Config cfg, config::AuthKeys keys,
                   std::unique_ptr<failover::AddressManager> addresses, std::unique_ptr<ServiceNotifier> notifier)
    : io_(io),
      options_(std::move(options)),
      cfg_(std::move(cfg)),
      keys_(std::move(keys)),
      addresses_(std::move(addresses)),
      notifier_(std::move(notifier)),
      control_(io, options_.socket_path, [this](Command c) { return on_command(c); }),
      timer_(io),
      watchdog_timer_(io),
      signals_(io, SIGTERM, SIGINT, SIGHUP),
      generation_(new_generation()),
      vips_(*addresses_, cfg_.vips, [](int priority, const std::string& message) { log(priority, message); }),
      reconcile_timer_(io),
      health_(std::make_unique<HealthChecker>(io, [this] { on_health_changed(); })) {
  state_ = failover::initial_state(failover::PeerParams::from(cfg_), Clock::now());
  for (const auto& l : cfg_.links) links_.push_back(make_slot(l));
}

Director::~Director() { stop_everything(); }

std::unique_ptr<Director::LinkSlot> Director::make_slot(const config::Link& link) {
  auto slot = std::unique_ptr<LinkSlot>(new LinkSlot{
      std::make_shared<HeartbeatLink>(io_, link, cfg_.cluster.port),
      failover::HeartbeatReceiver(cfg_.node.name, cfg_.cluster.peer, generation_)});
  return slot;
}

// How often the whole kernel table is read back and drift repaired.
constexpr auto ipvs_reconcile_period = std::chrono::seconds(5);

// At start (and when a reload brings the first virtual server) the kernel
// table is read in full; a later reload applies the difference against what
// the last pass saw, without reading 2,000 services back.
std::optional<std::string> Director::configure_ipvs() {
  const bool wanted = !cfg_.virtual_servers.empty() || cfg_.sync.has_value();
  const bool fresh = !keeper_;
  if (wanted && !ipvs_table_) {
    auto opened = ipvs::open_netlink_table();
    if (auto* err = std::get_if<std::string>(&opened)) return *err;
    ipvs_table_ = std::move(std::get<std::unique_ptr<ipvs::IpvsTable>>(opened));
  }
  if (wanted && !keeper_ && cfg_.sync) {
    std::string error;
    if (sync_pause_.recover_leftover(&error))
      log(log_notice, "ipvs: the sync threshold was left paused by an earlier run; set back to " +
                          std::string(ipvs::kDefaultThreshold));
    else if (!error.empty())
      log(log_warning, "ipvs: " + error);
  }
  if (wanted && !keeper_) {
    std::filesystem::path state = std::filesystem::path(options_.socket_path).parent_path() / "ipvs-created";
    keeper_ = std::make_unique<ipvs::TableKeeper>(
        *ipvs_table_, state.string(), [](int priority, const std::string& message) { log(priority, message); });
  }
  if (!keeper_) return std::nullopt;
  keeper_->set_desired(desired_ipvs());
  if (!fresh) {
    keeper_->reconcile_cached();
    return std::nullopt;
  }
  if (auto err = keeper_->reconcile_full()) return "IPVS: " + *err;
  return std::nullopt;
}

ipvs::Table Director::desired_ipvs() const {
  ipvs::Handover handover;
  if (forwarding_to_peer_)
    for (const auto& vs : cfg_.virtual_servers)
      handover.push_back(failover::forwards_on_handover(cfg_, vs)
                             ? failover::handover_peer_address(cfg_, vs.family)
                             : std::nullopt);
  return ipvs::desired_table(cfg_.virtual_servers, health_->board().healthy(), handover);
}

// Transitions are applied once per turn of the loop: the results that
// completed together (a switch failing takes many servers at once) cost one
// table derivation and one batch of netlink operations, not one each.
void Director::on_health_changed() {
  if (health_apply_pending_) return;
  health_apply_pending_ = true;
  asio::post(io_, [this] {
    health_apply_pending_ = false;
    if (stopped_) return;
    if (keeper_) {
      keeper_->set_desired(desired_ipvs());
      keeper_->reconcile_cached();
    }
    update_status();
  });
}

void Director::reconcile_ipvs() {
  if (!keeper_ || stopped_) return;
  if (auto err = keeper_->reconcile_full()) log(log_err, "IPVS: " + *err);
}

void Director::schedule_reconcile() {
  if (!keeper_ || stopped_) return;
  reconcile_timer_.expires_after(ipvs_reconcile_period);
  reconcile_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    reconcile_ipvs();
    schedule_reconcile();
  });
}

void Director::apply_sync_role() {
  if (!keeper_) return;
  std::optional<ipvs::SyncDaemon> settings;
  if (cfg_.sync) settings = ipvs::sync_daemon_of(*cfg_.sync);
  if (auto err = keeper_->set_sync(settings, sync_master_)) log(log_err, "IPVS " + *err);
}

std::optional<std::string> Director::start() {
  // Both directors check the real servers and program the IPVS table (hot
  // standby) before anything else. Every real server starts healthy.
  auto board = HealthChecker::prepare(cfg_.virtual_servers);
  if (auto* errors = std::get_if<std::vector<std::string>>(&board)) return "health checks: " + join_lines(*errors);
  health_->start(std::move(std::get<health::HealthBoard>(board)));
  if (auto err = configure_ipvs()) return err;
  schedule_reconcile();
  if (auto err = control_.start()) return err;
  for (std::size_t i = 0; i < links_.size(); ++i) open_link(*links_[i], i);
  watch_signals();
  if (auto interval = notifier_->watchdog_interval()) {
    log(log_info, "watchdog enabled: pinging every " + std::to_string(interval->count() / 2000) + "ms");
    watchdog_tick();
  }
  log(log_notice, "tandemd started: node " + cfg_.node.name + ", config " + options_.config_path + ", " +
                      std::to_string(cfg_.links.size()) + " link(s), " + std::to_string(cfg_.vips.size()) +
                      " VIP(s), generation " + std::to_string(generation_));
  handle(failover::Start{});
  return std::nullopt;
}

// A link that cannot be opened is reported to the state machine as locally
// down by send_heartbeats(), which also retries the open every interval.
void Director::open_link(LinkSlot& slot, [[maybe_unused]] std::size_t index) {
  if (auto err = slot.link->open()) {
    if (!slot.open_failing) log(log_warning, *err + "; retrying every interval");
    slot.open_failing = true;
    return;
  }
  slot.open_failing = false;
  log(log_info, "link " + slot.link->link().name + " open on " + slot.link->link().interface + " to " +
                    (slot.link->link().peer ? slot.link->link().peer->str() : slot.link->link().group->str()) +
                    " port " + std::to_string(cfg_.cluster.port));
  asio::co_spawn(io_,
                 run_link(slot.link, [this, link = slot.link.get()](std::span<const std::uint8_t> packet) {
                   for (std::size_t i = 0; i < links_.size(); ++i)
                     if (links_[i]->link.get() == link) on_packet(i, packet);
                 }),
                 asio::detached);
}

void Director::on_packet(std::size_t index, std::span<const std::uint8_t> packet) {
  LinkSlot& slot = *links_[index];
  auto result = slot.receiver.receive(packet, keys_);
  if (auto* reason = std::get_if<failover::Reject>(&result)) {
    const std::string what = "link " + slot.link->link().name + ": dropped heartbeat: " +
                             std::string(failover::to_string(*reason));
    // Our own multicast echoes and the first packets of a new peer
    // generation (before it acknowledges ours) are expected.
    if (*reason == failover::Reject::own_packet || *reason == failover::Reject::unverified_generation) {
      log(log_debug, what);
      return;
    }
    auto i = static_cast<std::size_t>(*reason);
    auto now = Clock::now();
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
    return;
  }
  handle(failover::HeartbeatIn{index, std::get<failover::Heartbeat>(std::move(result))});
}

void Director::handle(failover::Event event) {
  pending_.push_back(std::move(event));
  if (processing_) return;
  processing_ = true;
  failover::TimePoint deadline = Clock::now();
  while (!pending_.empty() && !stopped_) {
    failover::Event ev = std::move(pending_.front());
    pending_.pop_front();
    failover::Step st = failover::step(std::move(state_), ev, Clock::now());
    state_ = std::move(st.state);
    deadline = st.deadline;
    for (const auto& a : st.actions) {
      if (stopped_) break;
      apply(a);
    }
  }
  processing_ = false;
  if (stopped_) return;
  arm_timer(deadline);
  update_status();
}

void Director::arm_timer(failover::TimePoint deadline) {
  timer_.expires_at(deadline);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) handle(failover::Tick{});
  });
}

void Director::apply(const failover::Action& action) {
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, failover::RemoveStaleVips>) {
          vips_.remove_stale(a.vips);
        } else if constexpr (std::is_same_v<A, failover::AcquireVips>) {
          if (auto err = vips_.acquire(a.vips)) pending_.push_back(failover::AcquireFailed{*err});
        } else if constexpr (std::is_same_v<A, failover::ReleaseVips>) {
          vips_.release(a.vips);
        } else if constexpr (std::is_same_v<A, failover::AnnounceVips>) {
          vips_.announce(a.vips);
        } else if constexpr (std::is_same_v<A, failover::SendHeartbeat>) {
          send_heartbeats();
        } else if constexpr (std::is_same_v<A, failover::SetSyncRole>) {
          sync_master_ = a.master;
          apply_sync_role();
        } else if constexpr (std::is_same_v<A, failover::ForwardToPeer>) {
          forward_to_peer(a.on);
        } else if constexpr (std::is_same_v<A, failover::Log>) {
          log(a.priority, a.message);
        } else if constexpr (std::is_same_v<A, failover::RoleChanged>) {
          if (!ready_sent_ && a.to != failover::Role::init) {
            ready_sent_ = true;
            update_status();
            notifier_->ready();
          }
        } else if constexpr (std::is_same_v<A, failover::AdminReply>) {
          admin_reply_ = Reply{a.ok, a.message};
        } else if constexpr (std::is_same_v<A, failover::Exit>) {
          if (keeper_) keeper_->stop_sync();
          log(log_notice, "stopped");
          stop_everything();
        }
      },
      action);
}

// The staged handover's forwarding (failover::ForwardToPeer). With [sync],
// the sync daemon's copies of new connections pause for as long (see
// ipvs/sync_pause.hpp): their entries here name the peer as destination.
void Director::forward_to_peer(bool on) {
  forwarding_to_peer_ = on;
  if (on && cfg_.sync) {
    if (auto err = sync_pause_.pause()) log(log_warning, "ipvs: could not pause the sync of new connections: " + *err);
  }
  if (keeper_) {
    keeper_->set_desired(desired_ipvs());
    keeper_->reconcile_cached();
  }
  if (!on) {
    if (auto err = sync_pause_.resume()) log(log_err, "ipvs: could not restore the sync threshold: " + *err);
  }
  log(log_info, on ? "ipvs: new connections of direct-routing services go to " + cfg_.cluster.peer
                   : "ipvs: new connections go to the real servers again");
}

void Director::send_heartbeats() {
  std::uint64_t ack = 0;
  for (const auto& s : links_) ack = std::max(ack, s->receiver.guard().ack_generation());
  failover::Heartbeat hb;
  hb.node = cfg_.node.name;
  hb.generation = generation_;
  hb.ack_generation = ack;
  hb.role = state_.role;
  hb.priority = static_cast<std::uint16_t>(cfg_.node.priority);
  hb.flags = state_.heartbeat_flags();
  const config::AuthKey& key = keys_.send_key();
  for (std::size_t i = 0; i < links_.size(); ++i) {
    LinkSlot& slot = *links_[i];
    const auto iface = failover::query_interface(slot.link->link().interface);
    if (!slot.link->is_open() && iface.exists) open_link(slot, i);
    bool usable = iface.usable() && slot.link->is_open();
    if (usable != slot.local_up) {
      slot.local_up = usable;
      pending_.push_back(failover::LinkLocal{i, usable});
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
}

HeartbeatCounters Director::counters() const {
  HeartbeatCounters c = retired_;
  c.sent = sent_;
  c.send_errors = send_errors_;
  for (const auto& s : links_) {
    c.accepted += s->receiver.accepted();
    for (std::size_t i = 0; i < c.rejected.size(); ++i) c.rejected[i] += s->receiver.rejected()[i];
  }
  return c;
}

StatusReport Director::report() const {
  std::uint64_t peer_generation = 0;
  for (const auto& s : links_) peer_generation = std::max(peer_generation, s->receiver.guard().peer_generation());
  StatusReport r = make_report(state_, cfg_, vips_.held(), counters(), generation_, peer_generation, Clock::now(),
                               std::chrono::system_clock::now());
  r.reals = health_->board().entries().size();
  r.reals_healthy = health_->board().healthy_count();
  return r;
}

void Director::update_status() {
  std::string line = status_line(report());
  if (line == last_status_line_) return;
  last_status_line_ = line;
  notifier_->status(line);
}

Reply Director::on_command(Command command) {
  switch (command) {
    case Command::status:
    case Command::status_json: {
      StatusReport r = report();
      if (keeper_) {
        // The cached kernel view (TableKeeper::observed): no dump here.
        const auto at = keeper_->last_dump();
        std::string error = keeper_->dump_error();
        if (!at && error.empty()) error = "the kernel table has not been read yet";
        add_ipvs(r, keeper_->desired(), at ? &keeper_->observed() : nullptr, error);
        if (at) r.ipvs_age_ms = std::chrono::duration<double, std::milli>(Clock::now() - *at).count();
        add_health(r, cfg_.virtual_servers, health_->board());
      }
      return Reply{true, command == Command::status ? render_text(r) : render_json(r)};
    }
    case Command::standby:
    case Command::takeover: {
      admin_reply_.reset();
      if (command == Command::standby)
        handle(failover::AdminStandby{});
      else
        handle(failover::AdminTakeover{});
      Reply r = admin_reply_.value_or(Reply{false, "no answer from the state machine"});
      log(log_notice, std::string("control: ") + std::string(command_line(command)) + ": " + r.body);
      if (r.ok) r.body += "\n";
      return r;
    }
    case Command::reload: return reload();
  }
  return Reply{false, "unknown command"};
}

Reply Director::reload() {
  notifier_->reloading();
  log(log_notice, "reloading " + options_.config_path);
  auto done = [&](Reply r) {
    notifier_->ready();
    return r;
  };
  auto parsed = config::load_config(options_.config_path, {options_.hostname});
  for (const auto& w : parsed.warnings) log(log_warning, w.format("warning"));
  if (!parsed.config) {
    for (const auto& e : parsed.errors) log(log_err, e.format());
    log(log_err, "reload rejected; keeping the running configuration");
    return done(Reply{false, "reload rejected, keeping the running configuration:\n" + join(parsed.errors, "error")});
  }
  config::Config next = std::move(*parsed.config);
  auto keys = config::load_authkeys(next.cluster.authkeys);
  for (const auto& w : keys.warnings) log(log_warning, w.format("warning"));
  if (!keys.keys) {
    for (const auto& e : keys.errors) log(log_err, e.format());
    log(log_err, "reload rejected; keeping the running configuration");
    return done(Reply{false, "reload rejected, keeping the running configuration:\n" + join(keys.errors, "error")});
  }
  ConfigDiff diff = diff_config(cfg_, next);
  if ((!next.virtual_servers.empty() || next.sync) && !ipvs_table_) {
    // The first virtual server: IPVS must be there before anything changes.
    auto opened = ipvs::open_netlink_table();
    if (auto* err = std::get_if<std::string>(&opened))
      diff.refused.push_back(*err);
    else
      ipvs_table_ = std::move(std::get<std::unique_ptr<ipvs::IpvsTable>>(opened));
  }
  auto board = HealthChecker::prepare(next.virtual_servers);
  if (auto* errors = std::get_if<std::vector<std::string>>(&board))
    for (const auto& e : *errors) diff.refused.push_back("health check of " + e);
  if (!diff.refused.empty()) {
    std::string why;
    for (const auto& r : diff.refused) {
      log(log_err, "reload rejected: " + r);
      why += r + "\n";
    }
    return done(Reply{false, "reload rejected, keeping the running configuration:\n" + why});
  }

  // Links: keep the ones whose settings did not change, with their replay
  // state; open the others; close the ones that are gone.
  std::vector<std::unique_ptr<LinkSlot>> old = std::move(links_);
  links_.clear();
  std::vector<std::size_t> to_open;
  apply_realtime(next.node, &cfg_.node);
  cfg_ = next;
  for (std::size_t i = 0; i < next.links.size(); ++i) {
    bool reopen = std::find(diff.links_to_reopen.begin(), diff.links_to_reopen.end(), i) != diff.links_to_reopen.end();
    auto same = std::find_if(old.begin(), old.end(), [&](const auto& s) {
      return s && s->link->link() == next.links[i];
    });
    if (!reopen && same != old.end()) {
      links_.push_back(std::move(*same));
    } else {
      links_.push_back(make_slot(next.links[i]));
      to_open.push_back(i);
    }
  }
  for (auto& s : old) {
    if (!s) continue;
    for (std::size_t i = 0; i < retired_.rejected.size(); ++i) retired_.rejected[i] += s->receiver.rejected()[i];
    retired_.accepted += s->receiver.accepted();
    s->link->close();
  }
  for (auto i : to_open) open_link(*links_[i], i);

  // The state machine releases removed VIPs and adds new ones.
  vips_.reconfigure(cfg_.vips);
  health_->start(std::move(std::get<health::HealthBoard>(board)));
  if (auto err = configure_ipvs()) log(log_err, *err);
  if (keeper_) {
    schedule_reconcile();
    apply_sync_role();
  }
  keys_ = std::move(*keys.keys);
  handle(failover::Reconfigure{failover::PeerParams::from(cfg_)});

  std::string summary = std::to_string(diff.vips_added.size()) + " VIP(s) added, " +
                        std::to_string(diff.vips_removed.size()) + " removed, " +
                        std::to_string(to_open.size()) + " link(s) opened, " +
                        std::to_string(diff.links_closed.size()) + " closed" +
                        (diff.election_changed ? ", timing/election settings changed" : "") +
                        (diff.realtime_changed ? ", scheduling/memory locking changed" : "");
  log(log_notice, "reloaded " + options_.config_path + ": " + summary);
  update_status();
  return done(Reply{true, "reloaded: " + summary + "\n"});
}

void Director::watch_signals() {
  signals_.async_wait([this](boost::system::error_code ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      reload();
    } else {
      log(log_notice, std::string("received ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT"));
      notifier_->stopping();
      handle(failover::Shutdown{});
    }
    if (!stopped_) watch_signals();
  });
}

void Director::watchdog_tick() {
  auto interval = notifier_->watchdog_interval();
  if (!interval || stopped_) return;
  notifier_->watchdog();
  watchdog_timer_.expires_after(*interval / 2);
  watchdog_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) watchdog_tick();
  });
}

void Director::stop_everything() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ec;
  timer_.cancel(ec);
  watchdog_timer_.cancel(ec);
  reconcile_timer_.cancel(ec);
  health_->stop();
  signals_.cancel(ec);
  control_.stop();
  for (auto& s : links_) s->link->close();
  io_.stop();
}

}  // namespace tandem::daemon
