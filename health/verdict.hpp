// Rise/fall hysteresis: `fall` consecutive failed probes take a real server
// down, `rise` consecutive successful ones bring it back (SPEC
// [virtual_server.check]). Pure: the probe loop feeds results in and acts on
// the transitions.
//
// A server starts up, with both counts at zero, as ldirectord and keepalived
// start theirs: a configured server takes traffic at once, and one that is in
// fact dead is quiesced after `fall` probes. Starting down would make every
// start and reload drop the whole service for `rise` intervals.
#pragma once
#include <cstdint>
#include <string_view>

namespace tandem::health {

enum class Health { up, down };

std::string_view to_string(Health health);

struct Thresholds {
  std::uint32_t rise = 2;  // consecutive successes to come back; 0 counts as 1
  std::uint32_t fall = 2;  // consecutive failures to go down; 0 counts as 1
};

// The counts are consecutive: a success clears `failures`, a failure clears
// `successes`. They saturate instead of wrapping.
struct HealthState {
  Health health = Health::up;
  std::uint32_t successes = 0;
  std::uint32_t failures = 0;

  friend bool operator==(const HealthState&, const HealthState&) = default;
};

struct VerdictStep {
  HealthState state;
  bool transitioned = false;  // health differs from the state passed in
};

VerdictStep apply_probe(const HealthState& state, bool ok, const Thresholds& thresholds);

}  // namespace tandem::health
