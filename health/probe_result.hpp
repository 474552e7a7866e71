// What a prober returns (STYLE "Health verdicts are separate from probing"):
// whether the check passed, how long the exchange took, and a human-readable
// reason for status output, such as `connect: connection refused` or
// `expect mismatch: got "HTTP/1.1 503 Service Unavailable"`.
#pragma once
#include <chrono>
#include <string>

namespace tandem::health {

struct ProbeResult {
  bool ok = false;
  std::chrono::microseconds latency{0};
  std::string detail;

  friend bool operator==(const ProbeResult&, const ProbeResult&) = default;
};

}  // namespace tandem::health
