// The last events the status page lists (role changes, health
// transitions), and their form on the checker socket. Pure.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::daemon {

struct PageEvent {
  std::int64_t unix_ms = 0;  // wall clock
  std::string kind;          // "role", "health"
  std::string text;
  friend bool operator==(const PageEvent&, const PageEvent&) = default;
};

// The newest `cap` events, oldest first.
class EventLog {
 public:
  explicit EventLog(std::size_t cap = 50) : cap_(cap) {}
  void push(PageEvent e);
  const std::deque<PageEvent>& items() const { return items_; }

 private:
  std::size_t cap_;
  std::deque<PageEvent> items_;
};

// One event a line: "UNIX_MS<TAB>KIND<TAB>TEXT" (tabs and newlines in the
// text become spaces). Lines that do not parse are skipped.
std::string encode_events(const std::deque<PageEvent>& events);
std::vector<PageEvent> decode_events(std::string_view text);

// `a` and `b` merged by time, the newest `cap` of them, newest first.
std::vector<PageEvent> newest_events(const std::vector<PageEvent>& a, const std::deque<PageEvent>& b,
                                     std::size_t cap);

}  // namespace tandem::daemon
