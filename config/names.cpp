#include "config/names.hpp"

#include <algorithm>
#include <vector>

namespace tandem::config {
namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

// Edit distance counting insertions, deletions, substitutions and swaps of
// two adjacent characters ("wcl" is one edit from "wlc"): the optimal string
// alignment distance.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> before(b.size() + 1);  // row i - 2
  std::vector<std::size_t> above(b.size() + 1);   // row i - 1
  std::vector<std::size_t> row(b.size() + 1);     // row i
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    before.swap(above);
    above.swap(row);
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      row[j] = std::min({above[j] + 1, row[j - 1] + 1, above[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        row[j] = std::min(row[j], before[j - 2] + 1);
    }
  }
  return row[b.size()];
}

bool is_space_or_control(unsigned char c) { return c <= 0x20 || c == 0x7f; }

}  // namespace

std::optional<std::string> node_name_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxNodeNameBytes)
    return "is longer than " + std::to_string(kMaxNodeNameBytes) + " bytes";
  if (std::any_of(name.begin(), name.end(), [](unsigned char c) { return is_space_or_control(c); }))
    return "contains whitespace or a control character";
  return std::nullopt;
}

std::optional<std::string> interface_problem(std::string_view name) {
  if (name.empty()) return "is empty; name the network interface, e.g. \"eth0\"";
  if (name.size() > kMaxInterfaceName)
    return quoted(name) + " is longer than " + std::to_string(kMaxInterfaceName) + " characters";
  if (name == "." || name == "..") return quoted(name) + " is not an interface name";
  for (unsigned char c : name)
    if (c == '/' || c == ':' || is_space_or_control(c))
      return quoted(name) + " contains a character not allowed in interface names";
  return std::nullopt;
}

std::string_view closest_match(std::string_view word, std::span<const std::string_view> candidates) {
  constexpr std::size_t kMaxEdits = 2;
  if (word.size() > 64) return {};  // keeps the quadratic distance cheap
  std::string_view best;
  std::size_t best_distance = kMaxEdits + 1;
  for (auto candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace tandem::config
