// Status report values shared by the metrics and status page tests.
#pragma once
#include <optional>
#include <string>

#include "daemon/status_report.hpp"

namespace tandem::testing {

// A real server in the kernel at weight `weight` (configured 5), checked by
// http, `probes` of which `failed` failed, the last one `last`.
inline daemon::DestStatus make_dest(const char* address, int weight, const char* state, std::uint64_t probes,
                                    std::uint64_t failed, std::optional<health::ProbeResult> last = std::nullopt) {
  daemon::DestStatus d;
  d.address = address;
  d.weight = weight;
  d.configured_weight = 5;
  d.in_kernel = true;
  d.health = daemon::DestHealth{state, "http", std::move(last), "", "", "", probes, failed};
  return d;
}

}  // namespace tandem::testing
