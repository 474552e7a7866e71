#include "health/status_codes.hpp"

#include <algorithm>

#include "health/escapes.hpp"

namespace tandem::health {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Exactly three digits, 100-599.
std::optional<int> parse_code(std::string_view s) {
  if (s.size() != 3) return std::nullopt;
  int value = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 100 || value > 599) return std::nullopt;
  return value;
}

std::optional<StatusSpec::Range> parse_item(std::string_view item) {
  if (item.size() == 3 && item[0] >= '1' && item[0] <= '5' && (item[1] == 'x' || item[1] == 'X') &&
      (item[2] == 'x' || item[2] == 'X')) {
    const int base = (item[0] - '0') * 100;
    return StatusSpec::Range{base, base + 99};
  }
  const auto dash = item.find('-');
  if (dash == std::string_view::npos) {
    const auto code = parse_code(item);
    if (!code) return std::nullopt;
    return StatusSpec::Range{*code, *code};
  }
  const auto low = parse_code(trim(item.substr(0, dash)));
  const auto high = parse_code(trim(item.substr(dash + 1)));
  if (!low || !high || *low > *high) return std::nullopt;
  return StatusSpec::Range{*low, *high};
}

}  // namespace

bool StatusSpec::matches(int code) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [code](const Range& r) { return code >= r.low && code <= r.high; });
}

std::string StatusSpec::to_string() const {
  std::string out;
  for (const Range& r : ranges_) {
    if (!out.empty()) out += ',';
    if (r.low % 100 == 0 && r.high == r.low + 99) {
      out += std::to_string(r.low / 100) + "xx";
    } else if (r.low == r.high) {
      out += std::to_string(r.low);
    } else {
      out += std::to_string(r.low) + "-" + std::to_string(r.high);
    }
  }
  return out;
}

StatusSpecParse parse_status_spec(std::string_view text) {
  StatusSpecParse result;
  if (trim(text).empty()) {
    result.error = "empty status list";
    return result;
  }
  StatusSpec spec;
  spec.ranges_.clear();
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    const auto range = parse_item(item);
    if (!range) {
      result.error = "bad status \"" + encode_escapes(item) +
                     "\": expected a code 100-599, a range such as 301-302 or a class such as 2xx";
      return result;
    }
    spec.ranges_.push_back(*range);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  result.value = std::move(spec);
  return result;
}

}  // namespace tandem::health
