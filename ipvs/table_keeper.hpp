// Keeps the kernel's IPVS table in step with the desired one (SPEC "The IPVS
// table is reconciled, never flushed"), its connection timeouts with [ipvs],
// and the sync daemon in step with the node's role. Works through the IpvsTable interface; remembers which
// services it created in a small state file so that a reload which drops a
// virtual server, or a restart, can still remove what tandem made.
// Runs on the io_context thread.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ipvs/ipvs_table.hpp"
#include "ipvs/model.hpp"

namespace tandem::ipvs {

// What the keeper did since it started (the metrics): operations by kind,
// in Operation's order (new/set/del service, new/set/del dest).
struct KeeperCounters {
  static constexpr std::size_t kinds = std::variant_size_v<Operation>;
  std::array<std::uint64_t, kinds> applied{};
  std::array<std::uint64_t, kinds> failed{};
  std::uint64_t full_passes = 0;      // dumps that succeeded
  std::uint64_t dump_errors = 0;      // dumps (or reads of the timeouts) that failed
  std::uint64_t timeouts_applied = 0;  // SET_CONFIG of the connection timeouts
  std::uint64_t timeouts_failed = 0;   // SET_CONFIG the kernel refused
  double full_seconds_sum = 0;        // dump + apply of the full passes
  double last_full_seconds = 0;
};
// "new_service", "set_service", ... for KeeperCounters' kinds.
std::string_view operation_kind(std::size_t index);

class TableKeeper {
 public:
  using LogSink = std::function<void(int priority, const std::string& message)>;

  // `state_path`: where the created services are recorded ("" = memory only).
  TableKeeper(IpvsTable& table, std::string state_path, LogSink log);

  void set_desired(Table desired) { desired_ = std::move(desired); }
  const Table& desired() const { return desired_; }
  // The connection timeouts wanted, seconds; 0 leaves the kernel's value as
  // it is (a key absent from [ipvs], also after a reload removed it). Both
  // passes below apply them, a full one after reading the kernel's.
  void set_desired_timeouts(Timeouts wanted) { desired_timeouts_ = wanted; }
  const Timeouts& desired_timeouts() const { return desired_timeouts_; }
  // The kernel's timeouts as the last pass read them, with what was set
  // since; nullopt while none are wanted or they could not be read.
  const std::optional<Timeouts>& observed_timeouts() const { return observed_timeouts_; }

  // Dumps the kernel table, then applies the difference (start, reload,
  // periodic drift repair). The reason on failure to dump; failed operations
  // are logged and retried on the next pass.
  std::optional<std::string> reconcile_full();
  // Applies the difference against what the last pass left, without a dump
  // (a reload or a health change: one SET for one weight). Drift made by
  // hand since the last full pass is left to the next one.
  void reconcile_cached();
  // The kernel table as of the last full pass, with every operation applied
  // since (status): serving it costs no dump, so a status request never
  // waits for 2,000 services to be read back. Connection counters and
  // drift made by hand are as old as that pass (last_dump()).
  const Table& observed() const { return observed_; }
  // When the last full pass read the kernel table; nullopt before the first.
  std::optional<std::chrono::steady_clock::time_point> last_dump() const { return last_dump_; }
  // Why the last full pass could not read the kernel table; empty when it could.
  const std::string& dump_error() const { return dump_error_; }

  // The sync daemon: master while active, backup otherwise; nullopt settings
  // = no sync daemon wanted (one we started is stopped).
  // `both`: the backup daemon runs beside the master (failover groups
  // active on both nodes).
  std::optional<std::string> set_sync(const std::optional<SyncDaemon>& settings, bool master, bool both = false);
  // Stops the sync daemons this keeper started (at exit).
  void stop_sync();

  const std::set<ServiceKey>& created() const { return created_; }
  std::size_t operations_applied() const { return applied_; }
  const KeeperCounters& counters() const { return counters_; }

 private:
  void apply(const std::vector<Operation>& ops);
  // `read`: ask the kernel first (else only when nothing is known yet).
  void reconcile_timeouts(bool read);
  void load_state();
  void save_state();

  IpvsTable& table_;
  std::string state_path_;
  LogSink log_;
  Table desired_;
  Table observed_;
  std::optional<std::chrono::steady_clock::time_point> last_dump_;
  std::string dump_error_;
  Timeouts desired_timeouts_;
  std::optional<Timeouts> observed_timeouts_;
  Timeouts warned_unreported_;  // wanted timeouts the kernel does not report, already logged
  std::set<ServiceKey> created_;
  std::set<SyncState> started_daemons_;
  std::size_t applied_ = 0;
  KeeperCounters counters_;
};

// "SET timeouts tcp 900s (was 7200s) udp 60s (was 300s)": a SET_CONFIG as
// the keeper logs it (and a reload plan prints it).
std::string describe_timeouts_set(const Timeouts& set, const Timeouts& was);

// The state file's line format, exposed for tests: "tcp 10.0.0.100 80",
// "udp 2001:db8::1 53", "fwmark 7 ipv4".
std::string format_service_key(const ServiceKey& key);
std::optional<ServiceKey> parse_service_key(const std::string& line);

}  // namespace tandem::ipvs
