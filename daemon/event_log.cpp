#include "daemon/event_log.hpp"

#include <algorithm>
#include <charconv>

namespace tandem::daemon {

void EventLog::push(PageEvent e) {
  items_.push_back(std::move(e));
  while (items_.size() > cap_) items_.pop_front();
}

std::string encode_events(const std::deque<PageEvent>& events) {
  std::string out;
  auto clean = [&](std::string_view s) {
    for (char c : s) out += (c == '\t' || c == '\n') ? ' ' : c;
  };
  for (const auto& e : events) {
    out += std::to_string(e.unix_ms);
    out += '\t';
    clean(e.kind);
    out += '\t';
    clean(e.text);
    out += '\n';
  }
  return out;
}

std::vector<PageEvent> decode_events(std::string_view text) {
  std::vector<PageEvent> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    const auto t1 = line.find('\t');
    if (t1 == std::string_view::npos) continue;
    const auto t2 = line.find('\t', t1 + 1);
    if (t2 == std::string_view::npos) continue;
    PageEvent e;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + t1, e.unix_ms);
    if (ec != std::errc() || end != line.data() + t1) continue;
    e.kind = std::string(line.substr(t1 + 1, t2 - t1 - 1));
    e.text = std::string(line.substr(t2 + 1));
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<PageEvent> newest_events(const std::vector<PageEvent>& a, const std::deque<PageEvent>& b,
                                     std::size_t cap) {
  std::vector<PageEvent> all(a.begin(), a.end());
  all.insert(all.end(), b.begin(), b.end());
  std::stable_sort(all.begin(), all.end(), [](const PageEvent& x, const PageEvent& y) { return x.unix_ms > y.unix_ms; });
  if (all.size() > cap) all.resize(cap);
  return all;
}

}  // namespace tandem::daemon
