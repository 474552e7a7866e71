// An IPVS table in memory that answers as the kernel does (ip_vs_ctl.c,
// checked in the vm tier): EEXIST for NEW of an existing service or dest,
// ESRCH for a missing service, ENOENT for a missing dest or an unknown
// scheduler, ERANGE for a negative weight or a lower threshold above the
// upper one, EINVAL for a dest of another family that is not tunnelled or
// for a timeout beyond INT_MAX / HZ seconds (HZ 250, Debian's).
// `tandemd --ipvs-in-memory` runs on it (the health checks on a kernel
// without IPVS); tests/fakes/fake_ipvs_table.hpp records calls on top.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "ipvs/ipvs_table.hpp"

namespace tandem::ipvs {

class MemoryTable : public IpvsTable {
 public:
  // The table, in the order services and dests were added.
  Table table;
  // Running sync daemons, as daemons() reports them (kernel defaults filled in).
  std::vector<SyncDaemon> daemons_running;
  // The connection timeouts, seconds; a fresh kernel's: TCP 15 min, after a
  // FIN 2 min, UDP 5 min.
  Timeouts timeouts{900, 120, 300};
  // Schedulers this "kernel" has modules for.
  std::set<std::string> schedulers = {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
                                      "sh", "sed", "nq", "fo", "ovf", "mh", "twos"};

  std::variant<Table, std::string> dump() override;
  ApplyResult apply(const std::vector<Operation>& ops) override;
  std::variant<Timeouts, std::string> get_timeouts() override { return timeouts; }
  std::optional<std::string> set_timeouts(const Timeouts& t) override;
  std::variant<std::vector<SyncDaemon>, std::string> daemons() override { return daemons_running; }
  std::optional<std::string> start_daemon(const SyncDaemon& d) override;
  std::optional<std::string> stop_daemon(SyncState state) override;

  const ServiceEntry* find(const ServiceKey& key) const;
  const Destination* find(const ServiceKey& service, const DestKey& dest) const;

 protected:
  // One operation: 0 or the kernel's errno.
  int apply_one(const Operation& op);

 private:
  static std::string state_name(SyncState s);
  bool running(SyncState s) const;
  ServiceEntry* entry(const ServiceKey& key) { return const_cast<ServiceEntry*>(find(key)); }
  int check_service(const Service& s) const;
  static int check_dest(const ServiceKey& service, const Destination& d);
  static Destination* dest_in(ServiceEntry& e, const DestKey& key);
  int apply_one(const NewService& op);
  int apply_one(const SetService& op);
  int apply_one(const DelService& op);
  int apply_one(const NewDest& op);
  int apply_one(const SetDest& op);
  int apply_one(const DelDest& op);
};

}  // namespace tandem::ipvs
