// The node's fitness from its [[track]]s and the carrier of its VIP
// interfaces (tandem.toml(5) "[[track]]"). Pure: the shell probes and reads
// the carrier, and hands the results here.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "failover/peer_state.hpp"

namespace tandem::failover {

struct TrackState {
  bool up = true;  // a track counts as up until it has failed `fall` times
  int successes = 0;  // consecutive, while down
  int failures = 0;   // consecutive, while up
  std::string last;   // the last result, in words ("reply in 1.2 ms", "timeout after 1s")
  std::optional<double> latency_ms;
  std::optional<TimePoint> last_at;
  std::optional<TimePoint> since;  // of the current state (nullopt: since start)
  std::string change;              // how it got there: "down after 2 failures"
};

// What the track checks, in words: "ping 10.0.0.254", "ping any of 10.0.0.1,
// 10.0.0.2", "carrier of eth2", "script /usr/lib/tandem/check-uplink".
std::string describe(const config::Track& t);

// Records one result. The line to log when the state changed ("track
// gateway (ping 10.0.0.254) down after 2 failures: timeout after 1s").
std::optional<std::string> record(TrackState& state, const config::Track& track, bool ok, std::string detail,
                                  std::optional<double> latency_ms, TimePoint now);

// The fitness: the sum of the weights of the tracks up; carrier when every
// VIP interface has it (`no_carrier`: the ones that do not); `why` names
// what is down.
Fitness fitness_of(const std::vector<config::Track>& tracks, const std::vector<TrackState>& states,
                   const std::vector<std::string>& no_carrier);

}  // namespace tandem::failover
