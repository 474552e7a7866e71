// How late the event loops run (tandemctl status --json "loops"): samples
// kept for a sliding window, summarised as p50/p99/max. Pure: times are
// passed in.
#pragma once
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>

namespace tandem::daemon {

using StatsClock = std::chrono::steady_clock;

struct Summary {
  std::size_t samples = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  friend bool operator==(const Summary&, const Summary&) = default;
};

// Values (milliseconds) with the time they were taken; those older than
// `span` are dropped. At most `cap` are kept (the oldest go first).
class SampleWindow {
 public:
  explicit SampleWindow(StatsClock::duration span = std::chrono::minutes(1), std::size_t cap = 20000)
      : span_(span), cap_(cap) {}
  void add(StatsClock::time_point at, double value_ms);
  // Nearest-rank percentiles of the samples within span before `now`.
  Summary summary(StatsClock::time_point now) const;
  void clear() { samples_.clear(); }

 private:
  void expire(StatsClock::time_point now);
  StatsClock::duration span_;
  std::size_t cap_;
  std::deque<std::pair<StatsClock::time_point, double>> samples_;
};

// The intervals between events (heartbeats sent): each event after the
// first adds the time since the one before it.
class IntervalWindow {
 public:
  explicit IntervalWindow(StatsClock::duration span = std::chrono::minutes(1)) : window_(span) {}
  void event(StatsClock::time_point at);
  // The next event starts a new series (the sender was stopped on purpose).
  void restart() { last_.reset(); }
  Summary summary(StatsClock::time_point now) const { return window_.summary(now); }

 private:
  SampleWindow window_;
  std::optional<StatsClock::time_point> last_;
};

}  // namespace tandem::daemon
