// Logging to stderr with syslog priority prefixes ("<5>..."), which journald
// reads (SPEC "Logs"). Single-threaded: called from the io_context thread
// of each process.
#pragma once
#include <optional>
#include <string_view>

namespace tandem::daemon {

enum LogPriority { log_err = 3, log_warning = 4, log_notice = 5, log_info = 6, log_debug = 7 };

std::optional<int> parse_log_level(std::string_view name);  // err warning notice info debug
void set_log_level(int max_priority);
bool log_enabled(int priority);
int log_level();
void log(int priority, std::string_view message);
// Put before every message of this process ("checker: " in the checker).
void set_log_prefix(std::string_view prefix);

}  // namespace tandem::daemon
