#include "daemon/loop_stats.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tandem::daemon {

void SampleWindow::add(StatsClock::time_point at, double value_ms) {
  samples_.emplace_back(at, value_ms);
  while (samples_.size() > cap_) samples_.pop_front();
  expire(at);
}

void SampleWindow::expire(StatsClock::time_point now) {
  while (!samples_.empty() && now - samples_.front().first > span_) samples_.pop_front();
}

Summary SampleWindow::summary(StatsClock::time_point now) const {
  std::vector<double> v;
  v.reserve(samples_.size());
  for (const auto& [at, value] : samples_)
    if (now - at <= span_) v.push_back(value);
  Summary s;
  s.samples = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto rank = [&](double p) {
    auto i = static_cast<std::size_t>(std::ceil(p * double(v.size())));
    return v[std::clamp<std::size_t>(i, 1, v.size()) - 1];
  };
  s.p50_ms = rank(0.50);
  s.p99_ms = rank(0.99);
  s.max_ms = v.back();
  return s;
}

void IntervalWindow::event(StatsClock::time_point at) {
  if (last_) window_.add(at, std::chrono::duration<double, std::milli>(at - *last_).count());
  last_ = at;
}

}  // namespace tandem::daemon
