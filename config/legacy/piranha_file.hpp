// The reader of piranha's lvs.cf (LEGACY-FORMATS 5.1, `lvsconfig.c`):
// lines of `key = value...` and `virtual|server|failover NAME {` blocks,
// with piranha's lexical rules kept exactly (whole-line comments only,
// tokens split on blanks, `=` its own token, quotes on one line, the `{` on
// the opener's line). It knows the structure, not the keys: the importer
// (piranha.cpp) checks the keys and their values. Pure.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/error.hpp"

namespace tandem::config::legacy::piranha {

struct Token {
  std::string text;  // without its quotes
  bool quoted = false;
};

// `key = value...` (the values may be none: `key =`).
struct Entry {
  int line = 0;
  std::string key;
  std::vector<Token> values;
  std::string text;  // the line as read, for source comments
};

// `KIND NAME {` ... `}`: kind "virtual" or "failover" at the top level,
// "server" inside a virtual.
struct Block {
  int line = 0;
  std::string kind;
  std::string name;
  std::string text;
  std::vector<Entry> entries;
  std::vector<Block> blocks;
};

struct File {
  std::vector<Entry> entries;  // the global keys, in file order
  std::vector<Block> blocks;
  Diagnostics errors;          // located; the structure read so far is kept
};

// `path` names the input in the errors.
File read_lvs_cf(std::string_view text, const std::string& path);

// Piranha's integers (strtol with base 0): decimal, 0x hex, leading-0 octal
// ("08" is not a number). No sign. Empty when not a number or above `max`.
std::optional<std::uint64_t> parse_integer(std::string_view text, std::uint64_t max);

}  // namespace tandem::config::legacy::piranha
