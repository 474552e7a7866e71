// Durations in the configuration are strings with a unit (SPEC: "150ms", "2s").
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::config {

using Duration = std::chrono::milliseconds;

// Accepts "<number><unit>" with unit us, ms, s, m or h; the number may have a
// fraction ("1.5s"). Sub-millisecond remainders are rejected. Returns the
// reason on failure.
struct DurationParse {
  std::optional<Duration> value;
  std::string error;
};
DurationParse parse_duration(std::string_view text);

// "1.5s", "200ms", "0s": the shortest exact form, for logs and status.
std::string format_duration(Duration d);

}  // namespace tandem::config
