// The health of every configured real server (issue "Verdicts" and
// "Status"): probe results go in, transitions with their log lines come out,
// and the healthy matrix that ipvs::desired_table turns into weights.
// Pure: the shell probes, keeps the time and applies the table.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "health/probe_result.hpp"
#include "health/probe_spec.hpp"
#include "health/verdict.hpp"

namespace tandem::health {

using WallTime = std::chrono::system_clock::time_point;

struct RealHealth {
  std::size_t vs = 0;    // index in the configuration's virtual_servers
  std::size_t real = 0;  // index in that virtual server's reals
  std::string name;      // "real 10.0.0.11:80 of TCP 10.0.0.100:80"
  std::optional<ProbeSpec> spec;  // empty: not probed (no check, or type "none")
  std::string check;     // the check type as configured ("http"), empty without a check
  Thresholds thresholds;
  HealthState state;
  std::optional<ProbeResult> last;
  std::optional<WallTime> last_at;      // when the last probe ended
  std::optional<WallTime> last_change;  // when the health last changed
  std::uint64_t probes = 0;
  std::uint64_t failed = 0;
};

// Probe durations of one check type (the metrics' histogram): counts per
// bucket (not cumulative), with upper bounds in seconds.
struct LatencyHistogram {
  static constexpr std::array<double, 12> bounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,   0.25,   0.5,   1,    2.5,   5};
  std::array<std::uint64_t, bounds.size() + 1> buckets{};  // the last: above 5 s
  std::uint64_t count = 0;
  double sum = 0;  // seconds
  void add(double seconds);
  friend bool operator==(const LatencyHistogram&, const LatencyHistogram&) = default;
};

struct BoardBuild;

class HealthBoard {
 public:
  HealthBoard() = default;
  // One entry per real server of `servers`, in order; all start up.
  static BoardBuild make(const std::vector<config::VirtualServer>& servers);

  // Takes over the state of `old`'s entries that are the same check of the
  // same real server of the same virtual server (after a reload), so a
  // reload neither resets a down server to up nor forgets its counts.
  void carry_over(const HealthBoard& old);
  // For each entry, the entry of `old` that is the same check of the same
  // real server of the same virtual server (the ones carry_over takes
  // over), or nullopt: a new or changed check.
  std::vector<std::optional<std::size_t>> same_checks(const HealthBoard& old) const;
  // What a reload from `old` to this board does to the checks, one line
  // each, in this board's order and then the removed ones in `old`'s:
  // "health: new http check of real 10.0.0.13:80 of TCP 10.0.0.100:80",
  // "health: changed ...", "health: no more tcp check of ...". Entries
  // without a check (or type "none") are not checked either way.
  std::vector<std::string> check_changes(const HealthBoard& old) const;

  // Starts the probed entries that healthy[v][r] calls unhealthy as down
  // (ipvs::health_in_kernel, for a restarted checker): they come back
  // after `rise` good probes instead of being trusted at once.
  void assume_down(const std::vector<std::vector<bool>>& healthy);

  // Records one probe result of entry `index`; returns the log lines (empty
  // when the health did not change). A transition also says what happens to
  // the server in IPVS, and to the fallback when the last healthy server
  // goes or the first comes back.
  std::vector<std::string> record(std::size_t index, const ProbeResult& result, WallTime at);

  // healthy[v][r], for ipvs::desired_table.
  std::vector<std::vector<bool>> healthy() const;
  const std::vector<RealHealth>& entries() const { return entries_; }
  std::optional<std::size_t> index_of(std::size_t vs, std::size_t real) const;
  std::size_t healthy_count() const;
  // Probe durations by check type ("http"), since tandemd started.
  const std::map<std::string, LatencyHistogram>& latency() const { return latency_; }

 private:
  struct Service {
    std::string key;  // identifies the virtual server across reloads
    std::string name;
    std::optional<std::string> fallback;
    config::OnFailure on_failure = config::OnFailure::quiesce;
    std::size_t first = 0;  // its entries are [first, first + count)
    std::size_t count = 0;
  };
  std::size_t healthy_in(const Service& s) const;

  std::vector<Service> services_;
  std::vector<RealHealth> entries_;
  // Per entry, for carry_over: the service and real ("TCP 10.0.0.100:80
  // 10.0.0.11:80") and the effective check.
  std::vector<std::string> identity_;
  std::vector<std::optional<config::Check>> checks_;
  std::map<std::string, LatencyHistogram> latency_;
};

struct BoardBuild {
  HealthBoard board;
  std::vector<std::string> errors;  // a real whose check could not be compiled
};

}  // namespace tandem::health
