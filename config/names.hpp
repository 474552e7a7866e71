// Rules for the names a configuration gives things (node names, interface
// names), and near-miss suggestions for misspelt keys. Pure functions, shared
// by the TOML reader and anything else that accepts these names.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tandem::config {

inline constexpr std::size_t kMaxNodeNameBytes = 64;
inline constexpr std::size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1, also the label limit

// Node names travel in heartbeats and appear in status output: 1..64 bytes,
// no whitespace or control characters. Returns what is wrong ("is empty").
std::optional<std::string> node_name_problem(std::string_view name);

// The kernel's rules for interface names (dev_valid_name): 1..15 bytes, not
// "." or "..", no '/', ':' or whitespace. Returns what is wrong.
std::optional<std::string> interface_problem(std::string_view name);

// The candidate closest to `word` by edit distance, if it is within two
// edits; empty otherwise.
std::string_view closest_match(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace tandem::config
