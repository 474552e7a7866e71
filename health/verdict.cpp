#include "health/verdict.hpp"

#include <algorithm>
#include <limits>

namespace tandem::health {

std::string_view to_string(Health health) {
  return health == Health::up ? "up" : "down";
}

namespace {

std::uint32_t bump(std::uint32_t count) {
  return count == std::numeric_limits<std::uint32_t>::max() ? count : count + 1;
}

}  // namespace

VerdictStep apply_probe(const HealthState& state, bool ok, const Thresholds& thresholds) {
  const std::uint32_t rise = std::max<std::uint32_t>(thresholds.rise, 1);
  const std::uint32_t fall = std::max<std::uint32_t>(thresholds.fall, 1);
  VerdictStep step{state, false};
  HealthState& next = step.state;
  if (ok) {
    next.successes = bump(next.successes);
    next.failures = 0;
    if (next.health == Health::down && next.successes >= rise) next.health = Health::up;
  } else {
    next.failures = bump(next.failures);
    next.successes = 0;
    if (next.health == Health::up && next.failures >= fall) next.health = Health::down;
  }
  step.transitioned = next.health != state.health;
  return step;
}

}  // namespace tandem::health
