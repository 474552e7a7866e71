// Inside the keepalived importer: what its two halves share (keepalived.cpp:
// VRRP and the cluster; keepalived_services.cpp: virtual_server blocks), the
// located diagnostics and keepalived's value rules.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/duration.hpp"
#include "config/legacy/import.hpp"
#include "config/legacy/keepalived_reader.hpp"

namespace tandem::config::legacy::keepalived {

struct Context {
  ImportResult result;
  void warn(const Statement& s, std::string m) {
    result.warnings.push_back(diagnostic_at(s.file, s.line, std::move(m)));
  }
  void error(const Statement& s, std::string m) {
    result.errors.push_back(diagnostic_at(s.file, s.line, std::move(m)));
  }
  static Source source(const Statement& s) { return Source{s.file, s.line, s.text}; }
  // keepalived logs an unknown keyword and goes on; so does the importer.
  void unknown(const Statement& s, const std::string& where) {
    warn(s, "\"" + comment_safe(s.keyword) + "\" is not a keepalived keyword in " + where +
                " (keepalived ignores it too); nothing is carried over");
  }
  // A keyword that is known but not carried over: `why` says why and what
  // to do instead.
  void dropped(const Statement& s, const std::string& why) {
    warn(s, comment_safe(s.keyword) + " is not carried over: " + why);
  }
};

// The statement's keyword and words, as written, for messages.
std::string statement_text(const Statement& s);

// Exactly `n` words after the keyword, else an error naming `usage`.
bool want_args(Context& cx, const Statement& s, std::size_t n, const std::string& usage);
// An unsigned integer in [min, max] (decimal, as keepalived's
// read_unsigned_strvec reads it).
std::optional<std::int64_t> integer(Context& cx, const Statement& s, std::size_t index, std::int64_t min,
                                    std::int64_t max);
// Seconds, with up to 6 decimals (keepalived's read_decimal_unsigned_strvec),
// as milliseconds; at least `min`.
std::optional<Duration> seconds(Context& cx, const Statement& s, std::size_t index, Duration min = Duration(1));
// keepalived splits a script's command line on blanks, with '...' and "..."
// keeping blanks; the words become tandem's argv. Empty when it is empty.
std::vector<std::string> command_words(const std::string& line);

// What the VRRP half tells the services half.
struct ServiceFacts {
  // The failover groups ([[group]] names) in order; empty: the default group.
  std::vector<std::string> groups;
  std::vector<std::vector<IpAddress>> group_vips;  // each group's VIP addresses
};

// The virtual_server blocks (and virtual_server_group, reported) as
// [[virtual_server]] tables.
void write_services(Context& cx, const std::vector<const Statement*>& blocks, const ServiceFacts& facts,
                    TomlWriter& out);

}  // namespace tandem::config::legacy::keepalived
