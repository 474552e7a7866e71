// The IPVS table as a domain-level interface: dump what the kernel has and
// apply operations. Implemented with libnl-genl-3 in ipvs/table_netlink.cpp;
// a recording fake is tests/fakes/fake_ipvs_table.hpp. One instance per
// thread (it owns a netlink socket).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ipvs/model.hpp"

namespace tandem::ipvs {

struct OpFailure {
  std::size_t index = 0;  // into the operations passed to apply()
  int error = 0;          // the kernel's errno (positive), e.g. EEXIST, ESRCH, ENOENT
  std::string message;    // "NEW dest 10.0.0.11:80 in TCP 10.0.0.100:80: No such process"
};

struct ApplyResult {
  std::vector<OpFailure> failures;  // empty when every operation succeeded
  bool ok() const { return failures.empty(); }
};

class IpvsTable {
 public:
  virtual ~IpvsTable() = default;
  // Every service with its destinations (HASHED masked off, stats filled in),
  // services and dests each sorted by key, or the reason it could not be read.
  virtual std::variant<Table, std::string> dump() = 0;
  // Sends all operations before collecting the acknowledgements; the ones
  // that failed are reported with the kernel's errno. Operations are applied
  // in order; a failure does not stop the ones after it.
  virtual ApplyResult apply(const std::vector<Operation>& ops) = 0;

  // The connection timeouts (ipvsadm --set): the kernel's, or the reason
  // they could not be read; and setting them, 0 leaving one unchanged (the
  // reason on failure, with the kernel's errno in words).
  virtual std::variant<Timeouts, std::string> get_timeouts() = 0;
  virtual std::optional<std::string> set_timeouts(const Timeouts& t) = 0;

  virtual std::variant<std::vector<SyncDaemon>, std::string> daemons() = 0;
  virtual std::optional<std::string> start_daemon(const SyncDaemon& d) = 0;
  virtual std::optional<std::string> stop_daemon(SyncState state) = 0;
};

// Resolves the "IPVS" generic netlink family; if it is missing, runs
// `modprobe ip_vs` once (execve, no shell) and retries, then fails with
// "IPVS is not available in this kernel (load ip_vs)".
std::variant<std::unique_ptr<IpvsTable>, std::string> open_netlink_table();

}  // namespace tandem::ipvs
