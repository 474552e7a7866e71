#include "daemon/engine_clock.hpp"

#include <algorithm>
#include <atomic>

namespace tandem::daemon {
namespace {
std::atomic<bool> manual_{false};
std::atomic<EngineClock::rep> manual_now_{0};
}  // namespace

EngineClock::time_point EngineClock::now() noexcept {
  if (!manual_.load(std::memory_order_acquire)) return std::chrono::steady_clock::now();
  return time_point(duration(manual_now_.load(std::memory_order_acquire)));
}

void EngineClock::set_manual(time_point start) noexcept {
  manual_now_.store(start.time_since_epoch().count(), std::memory_order_release);
  manual_.store(true, std::memory_order_release);
}

void EngineClock::advance(duration d) noexcept { manual_now_.fetch_add(d.count(), std::memory_order_acq_rel); }

void EngineClock::set_real() noexcept { manual_.store(false, std::memory_order_release); }

bool EngineClock::manual() noexcept { return manual_.load(std::memory_order_acquire); }

EngineClock::duration EngineWaitTraits::to_wait_duration(const EngineClock::duration& d) {
  if (!EngineClock::manual()) return d;
  return std::min<EngineClock::duration>(d, std::chrono::microseconds(100));
}

EngineClock::duration EngineWaitTraits::to_wait_duration(const EngineClock::time_point& t) {
  const auto now = EngineClock::now();
  if (t <= now) return EngineClock::duration::zero();
  return to_wait_duration(t - now);
}

}  // namespace tandem::daemon
