#include "ipvs/memory_table.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <system_error>

#include "ipvs/reconcile.hpp"

namespace tandem::ipvs {

std::variant<Table, std::string> MemoryTable::dump() {
  Table sorted = table;  // sorted by key, as the real dump is
  for (auto& e : sorted)
    std::sort(e.dests.begin(), e.dests.end(), [](const Destination& a, const Destination& b) { return a.key < b.key; });
  std::sort(sorted.begin(), sorted.end(),
            [](const ServiceEntry& a, const ServiceEntry& b) { return a.service.key < b.service.key; });
  return sorted;
}

ApplyResult MemoryTable::apply(const std::vector<Operation>& ops) {
  ApplyResult result;
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (int err = apply_one(ops[i]))
      result.failures.push_back(
          {i, err, describe(ops[i]) + ": " + std::error_code(err, std::generic_category()).message()});
  return result;
}

int MemoryTable::apply_one(const Operation& op) {
  return std::visit([this](const auto& o) { return apply_one(o); }, op);
}

std::optional<std::string> MemoryTable::set_timeouts(const Timeouts& t) {
  constexpr std::uint32_t kMaxSeconds = std::numeric_limits<int>::max() / 250;  // INT_MAX / HZ
  if (t.tcp > kMaxSeconds || t.tcp_fin > kMaxSeconds || t.udp > kMaxSeconds)
    return "setting the IPVS timeouts (" + describe(t) +
           "): " + std::error_code(EINVAL, std::generic_category()).message();
  timeouts = apply_to(timeouts, t);  // 0: unchanged
  return std::nullopt;
}

std::optional<std::string> MemoryTable::start_daemon(const SyncDaemon& d) {
  if (running(d.state)) return "starting the " + state_name(d.state) + " sync daemon: File exists";
  SyncDaemon shown = d;
  if (!shown.group) shown.group = config::IpAddress::parse("224.0.0.81");
  if (!shown.port) shown.port = 8848;
  if (!shown.ttl) shown.ttl = 1;
  if (!shown.maxlen) shown.maxlen = 1472;  // MTU 1500 less the IPv4 and UDP headers
  daemons_running.push_back(shown);
  return std::nullopt;
}

std::optional<std::string> MemoryTable::stop_daemon(SyncState state) {
  if (!running(state)) return "stopping the " + state_name(state) + " sync daemon: No such process";
  std::erase_if(daemons_running, [&](const SyncDaemon& d) { return d.state == state; });
  return std::nullopt;
}

const ServiceEntry* MemoryTable::find(const ServiceKey& key) const {
  auto it = std::find_if(table.begin(), table.end(), [&](const ServiceEntry& e) { return e.service.key == key; });
  return it == table.end() ? nullptr : &*it;
}

const Destination* MemoryTable::find(const ServiceKey& service, const DestKey& dest) const {
  const auto* e = find(service);
  if (!e) return nullptr;
  auto it = std::find_if(e->dests.begin(), e->dests.end(), [&](const Destination& d) { return d.key == dest; });
  return it == e->dests.end() ? nullptr : &*it;
}

std::string MemoryTable::state_name(SyncState s) { return s == SyncState::master ? "master" : "backup"; }
bool MemoryTable::running(SyncState s) const {
  return std::any_of(daemons_running.begin(), daemons_running.end(), [&](const SyncDaemon& d) { return d.state == s; });
}

int MemoryTable::check_service(const Service& s) const {
  if (!schedulers.count(s.scheduler)) return ENOENT;
  if (s.key.af == AF_INET6 && (s.netmask < 1 || s.netmask > 128)) return EINVAL;
  return 0;
}
int MemoryTable::check_dest(const ServiceKey& service, const Destination& d) {
  if (d.key.address.family != service.af && d.forwarding != Forwarding::tunnel) return EINVAL;
  if (d.weight < 0) return ERANGE;
  if (d.lower_threshold > d.upper_threshold) return ERANGE;
  return 0;
}
Destination* MemoryTable::dest_in(ServiceEntry& e, const DestKey& key) {
  auto it = std::find_if(e.dests.begin(), e.dests.end(), [&](const Destination& d) { return d.key == key; });
  return it == e.dests.end() ? nullptr : &*it;
}

int MemoryTable::apply_one(const NewService& op) {
  if (entry(op.service.key)) return EEXIST;
  if (int err = check_service(op.service)) return err;
  table.push_back({op.service, {}});
  return 0;
}
int MemoryTable::apply_one(const SetService& op) {
  auto* e = entry(op.service.key);
  if (!e) return ESRCH;
  if (int err = check_service(op.service)) return err;
  e->service = op.service;
  return 0;
}
int MemoryTable::apply_one(const DelService& op) {
  if (!entry(op.key)) return ESRCH;
  std::erase_if(table, [&](const ServiceEntry& e) { return e.service.key == op.key; });
  return 0;
}
int MemoryTable::apply_one(const NewDest& op) {
  auto* e = entry(op.service);
  if (!e) return ESRCH;
  if (int err = check_dest(op.service, op.dest)) return err;
  if (dest_in(*e, op.dest.key)) return EEXIST;
  Destination d = op.dest;
  d.stats = {};
  e->dests.push_back(d);
  return 0;
}
int MemoryTable::apply_one(const SetDest& op) {
  auto* e = entry(op.service);
  if (!e) return ESRCH;
  if (int err = check_dest(op.service, op.dest)) return err;
  auto* d = dest_in(*e, op.dest.key);
  if (!d) return ENOENT;
  const DestStats kept = d->stats;  // a SET keeps the connection counters
  *d = op.dest;
  d->stats = kept;
  return 0;
}
int MemoryTable::apply_one(const DelDest& op) {
  auto* e = entry(op.service);
  if (!e) return ESRCH;
  if (!dest_in(*e, op.dest)) return ENOENT;
  std::erase_if(e->dests, [&](const Destination& d) { return d.key == op.dest; });
  return 0;
}

}  // namespace tandem::ipvs
