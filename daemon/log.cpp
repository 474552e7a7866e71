#include "daemon/log.hpp"

#include <cstdio>
#include <string>

namespace tandem::daemon {
namespace {
int max_priority = log_info;
std::string prefix;
}

std::optional<int> parse_log_level(std::string_view name) {
  if (name == "err" || name == "error") return log_err;
  if (name == "warning" || name == "warn") return log_warning;
  if (name == "notice") return log_notice;
  if (name == "info") return log_info;
  if (name == "debug") return log_debug;
  return std::nullopt;
}

void set_log_level(int p) { max_priority = p; }
void set_log_prefix(std::string_view p) { prefix = p; }
int log_level() { return max_priority; }
bool log_enabled(int priority) { return priority <= max_priority; }

void log(int priority, std::string_view message) {
  if (!log_enabled(priority)) return;
  std::string line = "<" + std::to_string(priority) + ">";
  line += prefix;
  line.append(message);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace tandem::daemon
