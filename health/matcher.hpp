// Expect matching for send-expect replies and HTTP bodies: `receive` as a
// regex (std::regex ECMAScript, unanchored search, compiled once), or as an
// exact prefix, as piranha's nanny compared replies without use_regex.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

namespace tandem::health {

enum class MatchMode { regex, prefix };

// The regex is searched in at most this many leading bytes of the received
// data. libstdc++'s std::regex recurses once per character a repetition
// consumes, so an unbounded subject can overflow the stack; 8 KiB keeps the
// depth well inside a default thread stack, even under ASan.
inline constexpr std::size_t kMaxRegexSubject = 8 * 1024;

struct MatchResult {
  bool matched = false;
  std::string reason;  // empty when matched
};

class Matcher;
struct MatcherBuild;

class Matcher {
 public:
  // An invalid regex yields the error, e.g. `invalid receive regex "(": ...`.
  static MatcherBuild compile(std::string pattern, MatchMode mode = MatchMode::regex);

  MatchResult match(std::string_view received) const;

  const std::string& pattern() const { return pattern_; }
  MatchMode mode() const { return mode_; }

 private:
  Matcher(std::string pattern, MatchMode mode, std::shared_ptr<const std::regex> regex)
      : pattern_(std::move(pattern)), mode_(mode), regex_(std::move(regex)) {}

  std::string pattern_;
  MatchMode mode_;
  std::shared_ptr<const std::regex> regex_;  // shared: compiled once, cheap to copy
};

struct MatcherBuild {
  std::optional<Matcher> matcher;  // set exactly when error is empty
  std::string error;
};

// The first line of `received` (up to CR or LF), cut to `max_chars` bytes with
// "..." appended when cut, with non-printable bytes escaped, between double
// quotes: `"HTTP/1.1 503 Service Unavailable"`. Empty data gives `""`.
std::string quote_first_line(std::string_view received, std::size_t max_chars = 80);

}  // namespace tandem::health
