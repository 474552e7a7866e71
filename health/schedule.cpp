#include "health/schedule.hpp"

#include <algorithm>

namespace tandem::health {

std::chrono::milliseconds warmup_delay(std::chrono::milliseconds interval, double fraction) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(interval.count()) * fraction));
  return std::min(delay, interval);
}

SteadyTime align_up(SteadyTime at, std::chrono::milliseconds tick) {
  if (tick.count() <= 0) return at;
  const auto step = std::chrono::duration_cast<SteadyTime::duration>(tick);
  const auto since = at.time_since_epoch();
  const auto rounded = (since + step - SteadyTime::duration(1)) / step * step;
  return SteadyTime(rounded);
}

AdmissionLimit::AdmissionLimit(std::size_t ceiling, std::size_t floor, std::chrono::milliseconds late,
                               std::size_t step)
    : ceiling_(std::max<std::size_t>(ceiling, 1)),
      floor_(std::clamp<std::size_t>(floor, 1, std::max<std::size_t>(ceiling, 1))),
      late_(late),
      step_(std::max<std::size_t>(step, 1)),
      limit_(ceiling_) {}

std::size_t AdmissionLimit::observe(std::chrono::nanoseconds lateness) {
  if (lateness > late_)
    limit_ = std::max(floor_, limit_ / 2);
  else
    limit_ = std::min(ceiling_, limit_ + step_);
  return limit_;
}

ProbeSchedule::ProbeSchedule(std::size_t max_in_flight) : max_in_flight_(std::max<std::size_t>(max_in_flight, 1)) {}

std::size_t ProbeSchedule::add(std::chrono::milliseconds interval, SteadyTime first_due, bool running) {
  const std::size_t id = entries_.size();
  entries_.push_back(Entry{std::max(interval, std::chrono::milliseconds(1)), first_due, running});
  if (running) ++in_flight_;
  queue_.push(Due{first_due, id});
  return id;
}

std::vector<std::size_t> ProbeSchedule::take_due(SteadyTime now) {
  std::vector<std::size_t> out;
  while (!queue_.empty() && in_flight_ < max_in_flight_ && queue_.top().at <= now) {
    const Due due = queue_.top();
    queue_.pop();
    Entry& e = entries_[due.id];
    SteadyTime next = e.due + e.interval;
    if (next <= now) next = now + e.interval;
    e.due = next;
    queue_.push(Due{next, due.id});
    if (e.running) continue;  // still probing from last round: skip this one
    e.running = true;
    ++in_flight_;
    out.push_back(due.id);
  }
  return out;
}

void ProbeSchedule::finished(std::size_t id) {
  Entry& e = entries_.at(id);
  if (!e.running) return;
  e.running = false;
  --in_flight_;
}

std::optional<SteadyTime> ProbeSchedule::next_deadline() const {
  if (queue_.empty() || in_flight_ >= max_in_flight_) return std::nullopt;
  return queue_.top().at;
}

}  // namespace tandem::health
