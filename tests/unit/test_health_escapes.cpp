// Escape decoding for send/receive strings (health/escapes), expected status
// specs (health/status_codes) and argv placeholders (health/placeholders).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "health/escapes.hpp"
#include "health/placeholders.hpp"
#include "health/status_codes.hpp"

namespace tandem::health {
namespace {

struct GoodEscape {
  const char* description;
  const char* text;
  std::string expected;
};

TEST(HealthEscapesTest, Decodes) {
  const std::vector<GoodEscape> cases = {
      {"plain text is unchanged", "GET / HTTP/1.0", "GET / HTTP/1.0"},
      {"CR LF", "HEAD / HTTP/1.0\\r\\n\\r\\n", "HEAD / HTTP/1.0\r\n\r\n"},
      {"tab", "a\\tb", "a\tb"},
      {"a backslash", "C:\\\\dir", "C:\\dir"},
      {"hex escape, either case", "\\x41\\x7a\\xFF", std::string("Az\xff", 3)},
      {"hex NUL", "a\\x00b", std::string("a\0b", 3)},
      {"empty", "", ""},
      {"escaped backslash before n", "\\\\n", "\\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto decoded = decode_escapes(c.text);
    ASSERT_TRUE(decoded.value) << decoded.error;
    EXPECT_EQ(*decoded.value, c.expected);
    EXPECT_EQ(decode_escapes(encode_escapes(c.expected)).value, c.expected) << "round trip";
  }
}

struct BadEscape {
  const char* description;
  std::string text;
  std::size_t position;
  const char* error;
};

TEST(HealthEscapesTest, RejectsWithThePosition) {
  const std::vector<BadEscape> cases = {
      {"unknown escape", "ab\\q", 2, "unknown escape \\q at offset 2"},
      {"\\0 is not an escape", "\\0", 0, "unknown escape \\0 at offset 0"},
      {"a quote is not an escape", "x\\\"", 1, "unknown escape \\\" at offset 1"},
      {"trailing backslash", "abc\\", 3, "trailing backslash at offset 3"},
      {"\\x without digits", "\\x", 0, "\\x needs two hex digits at offset 0"},
      {"\\x with one digit", "a\\x4", 1, "\\x needs two hex digits at offset 1"},
      {"\\x with a non-hex digit", "\\x4g", 0, "\\x needs two hex digits at offset 0"},
      {"a control byte after the backslash", "\\\x01", 0, "unknown escape: backslash before byte 0x01 at offset 0"},
      {"the first error wins", "\\n\\z\\", 2, "unknown escape \\z at offset 2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto decoded = decode_escapes(c.text);
    EXPECT_FALSE(decoded.value);
    EXPECT_EQ(decoded.position, c.position);
    EXPECT_EQ(decoded.error, c.error);
  }
}

TEST(HealthEscapesTest, EncodesForDisplay) {
  EXPECT_EQ(encode_escapes(std::string("a\r\n\t\\\"\x7f\x80 b", 10)), "a\\r\\n\\t\\\\\\x22\\x7f\\x80 b");
}

struct GoodSpec {
  const char* description;
  const char* text;
  std::vector<int> accepted;
  std::vector<int> refused;
  const char* canonical;
};

TEST(HealthStatusCodesTest, ParsesAndMatches) {
  EXPECT_TRUE(StatusSpec().matches(200));
  EXPECT_TRUE(StatusSpec().matches(299));
  EXPECT_FALSE(StatusSpec().matches(301));
  EXPECT_EQ(StatusSpec().to_string(), "2xx");
  const std::vector<GoodSpec> cases = {
      {"one code", "200", {200}, {201, 204}, "200"},
      {"a list with a range", "200,301-302", {200, 301, 302}, {201, 300, 303}, "200,301-302"},
      {"a class", "2xx", {200, 250, 299}, {199, 300}, "2xx"},
      {"upper-case class", "3XX", {301}, {200}, "3xx"},
      {"spaces around items", " 200 , 404 ", {200, 404}, {500}, "200,404"},
      {"a class and a code", "2xx,404", {204, 404}, {403}, "2xx,404"},
      {"a one-code range", "503-503", {503}, {502}, "503"},
      {"spaces in a range", "301 - 302", {301, 302}, {303}, "301-302"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto parsed = parse_status_spec(c.text);
    ASSERT_TRUE(parsed.value) << parsed.error;
    for (int code : c.accepted) EXPECT_TRUE(parsed.value->matches(code)) << code;
    for (int code : c.refused) EXPECT_FALSE(parsed.value->matches(code)) << code;
    EXPECT_EQ(parsed.value->to_string(), c.canonical);
  }
}

TEST(HealthStatusCodesTest, RejectsBadSyntax) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"", "empty status list"},
      {"  ", "empty status list"},
      {"20", "bad status \"20\""},
      {"2000", "bad status \"2000\""},
      {"600", "bad status \"600\""},
      {"099", "bad status \"099\""},
      {"6xx", "bad status \"6xx\""},
      {"2x", "bad status \"2x\""},
      {"302-301", "bad status \"302-301\""},
      {"200,", "bad status \"\""},
      {",200", "bad status \"\""},
      {"200;201", "bad status \"200;201\""},
      {"200-", "bad status \"200-\""},
      {"abc", "bad status \"abc\""},
  };
  for (const auto& [text, error] : cases) {
    SCOPED_TRACE(text);
    const auto parsed = parse_status_spec(text);
    EXPECT_FALSE(parsed.value);
    EXPECT_EQ(parsed.error.rfind(error, 0), 0u) << parsed.error;
  }
}

struct PlaceholderCase {
  const char* description;
  std::vector<std::string> argv;
  std::vector<std::string> expected;
};

TEST(HealthPlaceholdersTest, Substitutes) {
  const PlaceholderValues values{"10.0.0.11", "8080", "192.0.2.10"};
  const std::vector<PlaceholderCase> cases = {
      {"no placeholders", {"/bin/check"}, {"/bin/check"}},
      {"each placeholder", {"/bin/check", "%h", "%p", "%v"}, {"/bin/check", "10.0.0.11", "8080", "192.0.2.10"}},
      {"inside an argument", {"c", "--url=http://%h:%p/"}, {"c", "--url=http://10.0.0.11:8080/"}},
      {"a literal percent", {"c", "100%%", "%%h"}, {"c", "100%", "%h"}},
      {"values are not re-expanded", {"c", "%h"}, {"c", "%p"}},
      {"shell metacharacters stay bytes", {"c", "$(%h);"}, {"c", "$(10.0.0.11);"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    PlaceholderValues v = values;
    if (std::string(c.description) == "values are not re-expanded") v.real_address = "%p";
    EXPECT_FALSE(check_placeholders(c.argv));
    const auto result = substitute_placeholders(c.argv, v);
    ASSERT_TRUE(result.argv) << result.error;
    EXPECT_EQ(*result.argv, c.expected);
  }
}

TEST(HealthPlaceholdersTest, RejectsAtValidation) {
  const std::vector<std::pair<std::vector<std::string>, const char*>> cases = {
      {{}, "empty command"},
      {{""}, "empty program name in the command"},
      {{"c", "%x"}, "unknown placeholder %x in argument 1 at offset 0 (known: %h, %p, %v, %%)"},
      {{"c", "%V"}, "unknown placeholder %V in argument 1 at offset 0 (known: %h, %p, %v, %%)"},
      {{"c", "ok", "50%"}, "lone % at the end in argument 2 at offset 2 (write %% for a percent sign)"},
  };
  for (const auto& [argv, error] : cases) {
    SCOPED_TRACE(error);
    EXPECT_EQ(check_placeholders(argv), std::optional<std::string>(error));
    const auto result = substitute_placeholders(argv, {"a", "1", "b"});
    EXPECT_FALSE(result.argv);
    EXPECT_EQ(result.error, error);
  }
}

}  // namespace
}  // namespace tandem::health
