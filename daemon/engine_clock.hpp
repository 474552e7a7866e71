// The engine's clock: std::chrono::steady_clock, or, in tests, a manual time
// that only moves when the test advances it. The engine's state machine,
// link bank and checker link read it, and their timers wait on it, so a
// test drives deadtimes, backoffs and stall bounds without sleeping.
#pragma once
#include <boost/asio/basic_waitable_timer.hpp>
#include <chrono>

namespace tandem::daemon {

struct EngineClock {
  using duration = std::chrono::steady_clock::duration;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::steady_clock::time_point;  // the same points as steady_clock
  static constexpr bool is_steady = true;

  static time_point now() noexcept;

  // Tests: from here on now() is `start` and moves only by advance();
  // set_real() goes back to steady_clock.
  static void set_manual(time_point start) noexcept;
  static void advance(duration d) noexcept;
  static void set_real() noexcept;
  static bool manual() noexcept;
};

// With the manual clock, a timer's wait is cut to 100 µs so that the
// io_context notices an advance soon; with the real one it is the whole wait.
struct EngineWaitTraits {
  static EngineClock::duration to_wait_duration(const EngineClock::duration& d);
  static EngineClock::duration to_wait_duration(const EngineClock::time_point& t);
};

using EngineTimer = boost::asio::basic_waitable_timer<EngineClock, EngineWaitTraits>;

}  // namespace tandem::daemon
