#include "daemon/service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <ctime>

namespace tandem::daemon {
namespace {

std::uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000 + std::uint64_t(ts.tv_nsec) / 1000;
}

class SystemdNotifier final : public ServiceNotifier {
 public:
  SystemdNotifier() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) interval_ = std::chrono::microseconds(usec);
  }
  void ready() override { sd_notify(0, "READY=1"); }
  void status(const std::string& line) override { sd_notify(0, ("STATUS=" + line).c_str()); }
  void reloading() override {
    // MONOTONIC_USEC lets newer service managers match the reload.
    sd_notify(0, ("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec())).c_str());
  }
  void stopping() override { sd_notify(0, "STOPPING=1"); }
  void watchdog() override { sd_notify(0, "WATCHDOG=1"); }
  std::optional<std::chrono::microseconds> watchdog_interval() const override { return interval_; }

 private:
  std::optional<std::chrono::microseconds> interval_;
};

}  // namespace

std::unique_ptr<ServiceNotifier> make_systemd_notifier() { return std::make_unique<SystemdNotifier>(); }

}  // namespace tandem::daemon
