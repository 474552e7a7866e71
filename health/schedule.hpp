// When each real server is probed (issue "Scheduling"): every `interval`,
// the first time after a random warmup so the checks of many servers do not
// fire in lockstep, with at most `max_in_flight` probes running at once.
// Pure: the shell owns the one timer and the random numbers, and asks the
// schedule what is due.
#pragma once
#include <chrono>
#include <cstddef>
#include <optional>
#include <queue>
#include <vector>

namespace tandem::health {

using SteadyTime = std::chrono::steady_clock::time_point;

// The first delay of a check: `fraction` (a uniform random number in
// [0, 1)) of its interval.
std::chrono::milliseconds warmup_delay(std::chrono::milliseconds interval, double fraction);

// `at` rounded up to a multiple of `tick` (of the clock's epoch). The shell
// wakes on these ticks only, starting every probe due by then together: a
// few thousand servers cost a hundred wakeups a second, not one per probe.
SteadyTime align_up(SteadyTime at, std::chrono::milliseconds tick);

// How many probes may run at once, from how late the checker's loop wakes:
// an overloaded loop starts fewer probes (the checks fall behind their
// intervals) rather than queueing so much work that it stops answering the
// engine. Halved on a wakeup later than `late`, raised by `step` on each
// wakeup on time, between `floor` and `ceiling`.
class AdmissionLimit {
 public:
  explicit AdmissionLimit(std::size_t ceiling, std::size_t floor = 32,
                          std::chrono::milliseconds late = std::chrono::milliseconds(100), std::size_t step = 16);
  // One wakeup that came `lateness` after its time; the limit after it.
  std::size_t observe(std::chrono::nanoseconds lateness);
  std::size_t limit() const { return limit_; }
  bool held_back() const { return limit_ < ceiling_; }

 private:
  std::size_t ceiling_;
  std::size_t floor_;
  std::chrono::nanoseconds late_;
  std::size_t step_;
  std::size_t limit_;
};

class ProbeSchedule {
 public:
  explicit ProbeSchedule(std::size_t max_in_flight);

  // Adds an entry (ids are 0, 1, 2... in the order added) first due at
  // `first_due`, then every `interval` after that. `running`: its probe,
  // started under an earlier schedule, is still in flight (a reload kept it).
  std::size_t add(std::chrono::milliseconds interval, SteadyTime first_due, bool running = false);

  // The entries due at `now` that may start, marked running. An entry taken
  // late keeps its cadence; one that fell a whole interval behind (the limit
  // held it back) is next due one interval from now, so it never bursts.
  // An entry whose previous probe is still running is skipped that round.
  std::vector<std::size_t> take_due(SteadyTime now);
  // Its probe ended; frees its slot.
  void finished(std::size_t id);

  // When take_due next has something to give: the earliest due time, or
  // nullopt when nothing can start before a running probe finishes (or
  // there are no entries).
  std::optional<SteadyTime> next_deadline() const;

  // A lower or higher limit from now on (AdmissionLimit); probes already
  // running go on.
  void set_max_in_flight(std::size_t n) { max_in_flight_ = n < 1 ? 1 : n; }
  std::size_t max_in_flight() const { return max_in_flight_; }

  std::size_t size() const { return entries_.size(); }
  std::size_t in_flight() const { return in_flight_; }
  bool running(std::size_t id) const { return entries_.at(id).running; }
  SteadyTime due(std::size_t id) const { return entries_.at(id).due; }

 private:
  struct Entry {
    std::chrono::milliseconds interval;
    SteadyTime due;
    bool running = false;
  };
  struct Due {
    SteadyTime at;
    std::size_t id;
    bool operator>(const Due& other) const { return at != other.at ? at > other.at : id > other.id; }
  };

  std::size_t max_in_flight_;
  std::size_t in_flight_ = 0;
  std::vector<Entry> entries_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> queue_;
};

}  // namespace tandem::health
