// The service notifier: tells the service manager how we are doing
// (SPEC "systemd"). Implemented with sd_notify in service_notifier.cpp.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace tandem::daemon {

class ServiceNotifier {
 public:
  virtual ~ServiceNotifier() = default;
  virtual void ready() = 0;
  virtual void status(const std::string& line) = 0;
  virtual void reloading() = 0;
  virtual void stopping() = 0;
  virtual void watchdog() = 0;
  // Set when the service manager wants WATCHDOG=1 pings (WATCHDOG_USEC).
  virtual std::optional<std::chrono::microseconds> watchdog_interval() const = 0;
};

std::unique_ptr<ServiceNotifier> make_systemd_notifier();

}  // namespace tandem::daemon
