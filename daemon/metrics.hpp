// /metrics in the Prometheus text format (version 0.0.4), SPEC "[metrics]".
// Pure: rendered from a status report and counters. The engine renders its
// families (role, peer, links, heartbeats, VIPs, tracks, resources, loops)
// and hands the text to the checker once a second; the checker serves the
// scrape and renders the per-real-server families itself, so a scrape of
// 2,000 real servers never runs on the engine's loop.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "daemon/status_report.hpp"
#include "health/board.hpp"
#include "ipvs/table_keeper.hpp"

namespace tandem::daemon {

// Appends samples in the text format: a family's HELP and TYPE lines once,
// then its samples, label values escaped.
class MetricsText {
 public:
  struct Label {
    std::string_view name;
    std::string_view value;
  };
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  std::string& text() { return out_; }

 private:
  std::string out_;
};

// What the engine counts for the metrics beyond the status report.
struct EngineCounters {
  std::map<std::string, std::uint64_t> role_changes;  // by group ("default" without [[group]])
};

// The engine's families: `r` is a report with its loops (Director::report(true)).
std::string render_engine_metrics(const StatusReport& r, const EngineCounters& counters);

// The checker's families: `r` holds the virtual servers with the kernel's
// view and the health (add_ipvs, add_health); `keeper` is null without IPVS.
std::string render_checker_metrics(const StatusReport& r, const health::HealthBoard& board,
                                   const ipvs::KeeperCounters* keeper);

// The content type of a scrape.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace tandem::daemon
