// Measures how late an io_context runs its handlers: a timer due every
// 100 ms records how far past its deadline it fired (status "loop_lag_ms").
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>

#include "daemon/loop_stats.hpp"

namespace tandem::daemon {

class LoopLag {
 public:
  static constexpr auto period = std::chrono::milliseconds(100);
  explicit LoopLag(boost::asio::io_context& io) : timer_(io) {}
  void start() {
    due_ = StatsClock::now() + period;
    arm();
  }
  void stop() { timer_.cancel(); }
  Summary summary() const { return window_.summary(StatsClock::now()); }
  // The largest lag since the last call (the checker's Pong).
  double take_max_ms() { return std::exchange(max_since_, 0.0); }

 private:
  void arm() {
    timer_.expires_at(due_);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      const auto now = StatsClock::now();
      const double lag = std::chrono::duration<double, std::milli>(now - due_).count();
      window_.add(now, lag);
      max_since_ = std::max(max_since_, lag);
      due_ = std::max(due_ + period, now);  // a long stall is one sample, not a burst
      arm();
    });
  }
  boost::asio::steady_timer timer_;
  StatsClock::time_point due_{};
  SampleWindow window_;
  double max_since_ = 0;
};

}  // namespace tandem::daemon
