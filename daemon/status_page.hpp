// The status page at / on the [metrics] listener: read-only HTML that
// refreshes itself, with no script, readable on a phone. Pure. The engine
// renders its part (this node and its peer, groups, links, VIPs, tracks,
// resources) once a second and hands it to the checker, which serves the
// page with its own part (every virtual server and its real servers) and
// the last events of both.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "daemon/event_log.hpp"
#include "daemon/status_report.hpp"

namespace tandem::daemon {

// `r`: a report with its loops and groups (Director::report(true)).
std::string render_engine_page_part(const StatusReport& r);

// The whole page: `engine_part` as the engine last sent it (empty before
// the first), `r` with the virtual servers (add_ipvs, add_health), the
// events newest first, and the time it is rendered ("12:01:07").
std::string render_status_page(std::string_view engine_part, const StatusReport& r,
                               const std::vector<PageEvent>& events, std::string_view now_local,
                               int refresh_seconds = 2);

// Text as HTML (& < > " ').
std::string html_escape(std::string_view text);

}  // namespace tandem::daemon
