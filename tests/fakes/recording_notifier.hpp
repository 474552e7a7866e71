// Recording fake of daemon::ServiceNotifier: what the engine told the
// service manager.
#pragma once
#include <string>
#include <vector>

#include "daemon/service_notifier.hpp"

namespace tandem::testing {

class RecordingNotifier final : public daemon::ServiceNotifier {
 public:
  int readies = 0;
  int reloadings = 0;
  int stoppings = 0;
  int watchdogs = 0;
  std::vector<std::string> statuses;
  // WATCHDOG_USEC as the service manager would set it; none by default.
  std::optional<std::chrono::microseconds> watchdog_usec;

  void ready() override { ++readies; }
  void status(const std::string& line) override { statuses.push_back(line); }
  void reloading() override { ++reloadings; }
  void stopping() override { ++stoppings; }
  void watchdog() override { ++watchdogs; }
  std::optional<std::chrono::microseconds> watchdog_interval() const override { return watchdog_usec; }
};

}  // namespace tandem::testing
