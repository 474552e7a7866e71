#include "health/matcher.hpp"

#include "health/escapes.hpp"

namespace tandem::health {

MatcherBuild Matcher::compile(std::string pattern, MatchMode mode) {
  MatcherBuild build;
  if (mode == MatchMode::prefix) {
    build.matcher = Matcher(std::move(pattern), mode, nullptr);
    return build;
  }
  try {
    auto regex = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
    build.matcher = Matcher(std::move(pattern), mode, std::move(regex));
  } catch (const std::regex_error& e) {
    build.error = "invalid receive regex \"" + encode_escapes(pattern) + "\": " + e.what();
  }
  return build;
}

MatchResult Matcher::match(std::string_view received) const {
  bool matched = false;
  if (mode_ == MatchMode::prefix) {
    matched = received.substr(0, pattern_.size()) == pattern_;
  } else {
    const std::string_view subject = received.substr(0, kMaxRegexSubject);
    try {
      matched = std::regex_search(subject.begin(), subject.end(), *regex_);
    } catch (const std::regex_error& e) {
      // error_complexity / error_stack: report it rather than take the
      // probe loop down.
      return {false, std::string("expect regex failed: ") + e.what()};
    }
  }
  if (matched) return {true, {}};
  if (received.empty()) return {false, "expect mismatch: got no data"};
  return {false, "expect mismatch: got " + quote_first_line(received)};
}

std::string quote_first_line(std::string_view received, std::size_t max_chars) {
  std::string_view line = received.substr(0, received.find_first_of("\r\n"));
  const bool cut = line.size() > max_chars;
  if (cut) line = line.substr(0, max_chars);
  return "\"" + encode_escapes(line) + (cut ? "...\"" : "\"");
}

}  // namespace tandem::health
