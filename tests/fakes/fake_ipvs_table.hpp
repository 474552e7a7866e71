// Recording fake of ipvs::IpvsTable over an in-memory table that answers as
// the kernel does (ip_vs_ctl.c, checked in the vm tier): EEXIST for NEW of an
// existing service or dest, ESRCH for a missing service, ENOENT for a missing
// dest or an unknown scheduler, ERANGE for a negative weight or a lower
// threshold above the upper one, EINVAL for a dest of another family that is
// not tunnelled. Tests assert on `table`, `daemons_running` and the counters.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <system_error>

#include "ipvs/ipvs_table.hpp"

namespace tandem::testing {

class FakeIpvsTable final : public ipvs::IpvsTable {
 public:
  // The kernel's table, in the order services and dests were added.
  ipvs::Table table;
  // Running sync daemons, as daemons() reports them (kernel defaults filled in).
  std::vector<ipvs::SyncDaemon> daemons_running;

  int dump_calls = 0;
  int apply_calls = 0;
  std::size_t operations_seen = 0;  // over all apply() calls

  // dump() / daemons() fail with this reason when set.
  std::optional<std::string> fail_dump;
  std::optional<std::string> fail_daemons;
  // An operation whose describe() text is a key fails with that errno and
  // changes nothing; so does one for which fail_when returns nonzero.
  std::map<std::string, int> fail;
  std::function<int(const ipvs::Operation&)> fail_when;
  // Schedulers this "kernel" has modules for.
  std::set<std::string> schedulers = {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
                                      "sh", "sed", "nq", "fo", "ovf", "mh", "twos"};

  std::variant<ipvs::Table, std::string> dump() override {
    ++dump_calls;
    if (fail_dump) return *fail_dump;
    ipvs::Table sorted = table;  // sorted by key, as the real dump is
    for (auto& e : sorted)
      std::sort(e.dests.begin(), e.dests.end(),
                [](const ipvs::Destination& a, const ipvs::Destination& b) { return a.key < b.key; });
    std::sort(sorted.begin(), sorted.end(), [](const ipvs::ServiceEntry& a, const ipvs::ServiceEntry& b) {
      return a.service.key < b.service.key;
    });
    return sorted;
  }

  ipvs::ApplyResult apply(const std::vector<ipvs::Operation>& ops) override {
    ++apply_calls;
    operations_seen += ops.size();
    ipvs::ApplyResult result;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      int err = 0;
      if (auto it = fail.find(ipvs::describe(ops[i])); it != fail.end()) err = it->second;
      if (!err && fail_when) err = fail_when(ops[i]);
      if (!err) err = std::visit([this](const auto& op) { return apply_one(op); }, ops[i]);
      if (err)
        result.failures.push_back(
            {i, err, ipvs::describe(ops[i]) + ": " + std::error_code(err, std::generic_category()).message()});
    }
    return result;
  }

  std::variant<std::vector<ipvs::SyncDaemon>, std::string> daemons() override {
    if (fail_daemons) return *fail_daemons;
    return daemons_running;
  }

  std::optional<std::string> start_daemon(const ipvs::SyncDaemon& d) override {
    if (running(d.state)) return "starting the " + state_name(d.state) + " sync daemon: File exists";
    ipvs::SyncDaemon shown = d;
    if (!shown.group) shown.group = config::IpAddress::parse("224.0.0.81");
    if (!shown.port) shown.port = 8848;
    if (!shown.ttl) shown.ttl = 1;
    if (!shown.maxlen) shown.maxlen = 1472;  // MTU 1500 less the IPv4 and UDP headers
    daemons_running.push_back(shown);
    return std::nullopt;
  }

  std::optional<std::string> stop_daemon(ipvs::SyncState state) override {
    if (!running(state)) return "stopping the " + state_name(state) + " sync daemon: No such process";
    std::erase_if(daemons_running, [&](const ipvs::SyncDaemon& d) { return d.state == state; });
    return std::nullopt;
  }

  // --- helpers for tests
  const ipvs::ServiceEntry* find(const ipvs::ServiceKey& key) const {
    auto it = std::find_if(table.begin(), table.end(),
                           [&](const ipvs::ServiceEntry& e) { return e.service.key == key; });
    return it == table.end() ? nullptr : &*it;
  }
  const ipvs::Destination* find(const ipvs::ServiceKey& service, const ipvs::DestKey& dest) const {
    const auto* e = find(service);
    if (!e) return nullptr;
    auto it = std::find_if(e->dests.begin(), e->dests.end(), [&](const ipvs::Destination& d) { return d.key == dest; });
    return it == e->dests.end() ? nullptr : &*it;
  }

 private:
  static std::string state_name(ipvs::SyncState s) { return s == ipvs::SyncState::master ? "master" : "backup"; }
  bool running(ipvs::SyncState s) const {
    return std::any_of(daemons_running.begin(), daemons_running.end(),
                       [&](const ipvs::SyncDaemon& d) { return d.state == s; });
  }

  ipvs::ServiceEntry* entry(const ipvs::ServiceKey& key) { return const_cast<ipvs::ServiceEntry*>(find(key)); }

  int check_service(const ipvs::Service& s) const {
    if (!schedulers.count(s.scheduler)) return ENOENT;
    if (s.key.af == AF_INET6 && (s.netmask < 1 || s.netmask > 128)) return EINVAL;
    return 0;
  }
  static int check_dest(const ipvs::ServiceKey& service, const ipvs::Destination& d) {
    if (d.key.address.family != service.af && d.forwarding != ipvs::Forwarding::tunnel) return EINVAL;
    if (d.weight < 0) return ERANGE;
    if (d.lower_threshold > d.upper_threshold) return ERANGE;
    return 0;
  }
  static ipvs::Destination* dest_in(ipvs::ServiceEntry& e, const ipvs::DestKey& key) {
    auto it = std::find_if(e.dests.begin(), e.dests.end(), [&](const ipvs::Destination& d) { return d.key == key; });
    return it == e.dests.end() ? nullptr : &*it;
  }

  int apply_one(const ipvs::NewService& op) {
    if (entry(op.service.key)) return EEXIST;
    if (int err = check_service(op.service)) return err;
    table.push_back({op.service, {}});
    return 0;
  }
  int apply_one(const ipvs::SetService& op) {
    auto* e = entry(op.service.key);
    if (!e) return ESRCH;
    if (int err = check_service(op.service)) return err;
    e->service = op.service;
    return 0;
  }
  int apply_one(const ipvs::DelService& op) {
    if (!entry(op.key)) return ESRCH;
    std::erase_if(table, [&](const ipvs::ServiceEntry& e) { return e.service.key == op.key; });
    return 0;
  }
  int apply_one(const ipvs::NewDest& op) {
    auto* e = entry(op.service);
    if (!e) return ESRCH;
    if (int err = check_dest(op.service, op.dest)) return err;
    if (dest_in(*e, op.dest.key)) return EEXIST;
    ipvs::Destination d = op.dest;
    d.stats = {};
    e->dests.push_back(d);
    return 0;
  }
  int apply_one(const ipvs::SetDest& op) {
    auto* e = entry(op.service);
    if (!e) return ESRCH;
    if (int err = check_dest(op.service, op.dest)) return err;
    auto* d = dest_in(*e, op.dest.key);
    if (!d) return ENOENT;
    const ipvs::DestStats kept = d->stats;  // a SET keeps the connection counters
    *d = op.dest;
    d->stats = kept;
    return 0;
  }
  int apply_one(const ipvs::DelDest& op) {
    auto* e = entry(op.service);
    if (!e) return ESRCH;
    if (!dest_in(*e, op.dest)) return ENOENT;
    std::erase_if(e->dests, [&](const ipvs::Destination& d) { return d.key == op.dest; });
    return 0;
  }
};

}  // namespace tandem::testing
