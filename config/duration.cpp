#include "config/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>

namespace tandem::config {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t microseconds;
};

constexpr std::array<Unit, 5> kUnits{{
    {"us", 1},
    {"ms", 1'000},
    {"s", 1'000'000},
    {"m", 60'000'000},
    {"h", 3'600'000'000},
}};

// The largest duration accepted, in milliseconds: anything that still fits a
// std::chrono::nanoseconds, so callers may convert without overflow.
constexpr std::int64_t kMaxMilliseconds = std::numeric_limits<std::int64_t>::max() / 1'000'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

DurationParse fail(std::string message) { return {std::nullopt, std::move(message)}; }

}  // namespace

DurationParse parse_duration(std::string_view text) {
  const std::string q = quoted(text);
  if (text.empty()) return fail("empty duration; write a number and a unit, e.g. \"200ms\"");
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      return fail(q + " must not contain spaces; write e.g. \"200ms\"");
  }
  if (text.front() == '-') return fail(q + " is negative; durations must be 0 or more");
  if (!is_digit(text.front()))
    return fail(q + " is not a duration; write a number and a unit, e.g. \"200ms\"");

  std::size_t i = 0;
  std::string_view whole;
  std::string_view fraction;
  while (i < text.size() && is_digit(text[i])) ++i;
  whole = text.substr(0, i);
  if (i < text.size() && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    fraction = text.substr(start, i - start);
    if (fraction.empty()) return fail(q + " needs digits after the decimal point");
  }
  const std::string_view unit_name = text.substr(i);
  if (unit_name.empty())
    return fail(q + " has no unit; write e.g. \"" + std::string(text) + "ms\" (units: us, ms, s, m, h)");

  const Unit* unit = nullptr;
  for (const auto& u : kUnits)
    if (u.name == unit_name) unit = &u;
  if (unit == nullptr)
    return fail(q + " has an unknown unit " + quoted(unit_name) + "; use us, ms, s, m or h");

  // Leading zeros in the whole part and trailing zeros in the fraction carry
  // no value; what remains is bounded so the arithmetic below cannot overflow.
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (whole.size() > 16) return fail(q + " is too large");
  if (fraction.size() > 18) return fail(q + " has a sub-millisecond remainder; durations are whole milliseconds");

  using Wide = unsigned __int128;
  Wide whole_value = 0;
  for (char c : whole) whole_value = whole_value * 10 + static_cast<unsigned>(c - '0');
  Wide fraction_value = 0;
  Wide fraction_scale = 1;
  for (char c : fraction) {
    fraction_value = fraction_value * 10 + static_cast<unsigned>(c - '0');
    fraction_scale *= 10;
  }

  const Wide per_unit = unit->microseconds;
  const Wide fraction_us = fraction_value * per_unit;
  if (fraction_us % fraction_scale != 0)
    return fail(q + " has a sub-millisecond remainder; durations are whole milliseconds");
  const Wide total_us = whole_value * per_unit + fraction_us / fraction_scale;
  if (total_us % 1000 != 0)
    return fail(q + " has a sub-millisecond remainder; durations are whole milliseconds");
  const Wide total_ms = total_us / 1000;
  if (total_ms > static_cast<Wide>(kMaxMilliseconds)) return fail(q + " is too large");
  return {Duration{static_cast<std::int64_t>(total_ms)}, {}};
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string sign;
  std::uint64_t magnitude = 0;
  if (ms < 0) {
    sign = "-";
    magnitude = static_cast<std::uint64_t>(-(ms + 1)) + 1;
  } else {
    magnitude = static_cast<std::uint64_t>(ms);
  }
  if (magnitude % 3'600'000 == 0) return sign + std::to_string(magnitude / 3'600'000) + "h";
  if (magnitude % 60'000 == 0) return sign + std::to_string(magnitude / 60'000) + "m";
  if (magnitude % 1'000 == 0) return sign + std::to_string(magnitude / 1'000) + "s";
  if (magnitude < 1'000) return sign + std::to_string(magnitude) + "ms";
  // Seconds with the fraction, trailing zeros dropped: 1500 -> "1.5s".
  std::string fraction = std::to_string(1'000 + magnitude % 1'000).substr(1);
  while (fraction.back() == '0') fraction.pop_back();
  return sign + std::to_string(magnitude / 1'000) + "." + fraction + "s";
}

}  // namespace tandem::config
