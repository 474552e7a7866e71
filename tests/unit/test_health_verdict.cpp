// Rise/fall hysteresis (health/verdict) and the expect matchers
// (health/matcher).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "health/matcher.hpp"
#include "health/verdict.hpp"

namespace tandem::health {
namespace {

struct Sequence {
  const char* description;
  Thresholds thresholds;
  HealthState start;
  const char* probes;       // '+' success, '-' failure
  const char* health;       // 'u'/'d' after each probe
  const char* transitions;  // 't' where the health changed
};

TEST(HealthVerdictTest, Sequences) {
  const HealthState up{};
  const HealthState down{Health::down, 0, 0};
  const std::vector<Sequence> cases = {
      {"a fresh server starts up and stays up on success", {2, 2}, up, "+++", "uuu", "   "},
      {"fall=2: one failure is not enough", {2, 2}, up, "-+-+", "uuuu", "    "},
      {"fall=2: two consecutive failures take it down", {2, 2}, up, "--", "ud", " t"},
      {"rise=2: one success while down is not enough", {2, 2}, down, "+-+-", "dddd", "    "},
      {"rise=2: two consecutive successes bring it back", {2, 2}, down, "++", "du", " t"},
      {"fall=1 goes down at the first failure", {1, 1}, up, "-+", "du", "tt"},
      {"fall=3 down then rise=2 up", {2, 3}, up, "---+-++", "uuddddu", "  t   t"},
      {"more failures while down change nothing", {2, 2}, up, "-----", "udddd", " t   "},
      {"zero thresholds count as one", {0, 0}, up, "-+", "du", "tt"},
      {"a success between failures resets the count", {2, 3}, up, "--+--+---", "uuuuuuuud", "        t"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    HealthState state = c.start;
    const std::string probes = c.probes;
    for (std::size_t i = 0; i < probes.size(); ++i) {
      const auto step = apply_probe(state, probes[i] == '+', c.thresholds);
      EXPECT_EQ(step.state.health == Health::up ? 'u' : 'd', c.health[i]) << "probe " << i;
      EXPECT_EQ(step.transitioned, c.transitions[i] == 't') << "probe " << i;
      EXPECT_TRUE(step.state.successes == 0 || step.state.failures == 0);
      state = step.state;
    }
  }
}

TEST(HealthVerdictTest, CountsSaturate) {
  HealthState state{Health::down, 0xffffffffu, 0};
  const auto step = apply_probe(state, true, {0xffffffffu, 2});
  EXPECT_EQ(step.state.successes, 0xffffffffu);
  EXPECT_EQ(step.state.health, Health::up);
  EXPECT_EQ(to_string(Health::down), "down");
}

struct MatchCase {
  const char* description;
  MatchMode mode;
  const char* pattern;
  std::string received;
  bool matched;
  const char* reason;
};

TEST(HealthMatcherTest, RegexAndPrefix) {
  const std::vector<MatchCase> cases = {
      {"regex found anywhere (unanchored)", MatchMode::regex, "Working Fine", "<html>Working Fine</html>", true, ""},
      {"regex with classes", MatchMode::regex, "HTTP/1\\.[01] 2\\d\\d", "HTTP/1.1 204 No Content\r\n", true, ""},
      {"anchored regex is honoured", MatchMode::regex, "^OK", "NOT OK", false, "expect mismatch: got \"NOT OK\""},
      {"regex mismatch quotes the first line", MatchMode::regex, "200 OK",
       "HTTP/1.1 503 Service Unavailable\r\nServer: x\r\n\r\n", false,
       "expect mismatch: got \"HTTP/1.1 503 Service Unavailable\""},
      {"nothing received", MatchMode::regex, "x", "", false, "expect mismatch: got no data"},
      {"prefix matches the start", MatchMode::prefix, "+OK", "+OK POP3 ready\r\n", true, ""},
      {"prefix is literal, not a regex", MatchMode::prefix, "a.c", "abc", false, "expect mismatch: got \"abc\""},
      {"prefix elsewhere does not count", MatchMode::prefix, "OK", "+OK", false, "expect mismatch: got \"+OK\""},
      {"prefix longer than the data", MatchMode::prefix, "+OK ready", "+OK", false, "expect mismatch: got \"+OK\""},
      {"empty prefix matches anything", MatchMode::prefix, "", "x", true, ""},
      {"non-printable bytes are escaped", MatchMode::prefix, "X", std::string("a\x01\"\xff", 4), false,
       "expect mismatch: got \"a\\x01\\x22\\xff\""},
      {"a long first line is cut at 80", MatchMode::prefix, "X", std::string(100, 'y'), false, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto build = Matcher::compile(c.pattern, c.mode);
    ASSERT_TRUE(build.matcher) << build.error;
    const auto result = build.matcher->match(c.received);
    EXPECT_EQ(result.matched, c.matched);
    if (std::string(c.reason).empty() && !c.matched) {
      EXPECT_EQ(result.reason, "expect mismatch: got \"" + std::string(80, 'y') + "...\"");
    } else {
      EXPECT_EQ(result.reason, c.reason);
    }
  }
}

TEST(HealthMatcherTest, InvalidRegexIsAnError) {
  for (const char* pattern : {"(", "[a-", "a{2,1}", "*"}) {
    SCOPED_TRACE(pattern);
    const auto build = Matcher::compile(pattern);
    EXPECT_FALSE(build.matcher);
    EXPECT_NE(build.error.find("invalid receive regex"), std::string::npos) << build.error;
  }
  EXPECT_TRUE(Matcher::compile("(", MatchMode::prefix).matcher) << "a prefix is not a regex";
}

TEST(HealthMatcherTest, LargeBodiesDoNotOverflowTheStack) {
  const auto build = Matcher::compile(".*x");
  ASSERT_TRUE(build.matcher);
  const std::string body(64 * 1024, 'a');
  EXPECT_FALSE(build.matcher->match(body).matched);
  EXPECT_TRUE(build.matcher->match("aax" + body).matched);
}

TEST(HealthMatcherTest, CopiesShareTheCompiledRegex) {
  const auto build = Matcher::compile("b+");
  ASSERT_TRUE(build.matcher);
  const Matcher copy = *build.matcher;
  EXPECT_TRUE(copy.match("abbbc").matched);
  EXPECT_EQ(copy.pattern(), "b+");
  EXPECT_EQ(copy.mode(), MatchMode::regex);
}

}  // namespace
}  // namespace tandem::health
