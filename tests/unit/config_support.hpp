// Shared checks of the config parser tests.
#pragma once
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "config/config.hpp"

namespace tandem::testing {

inline const config::ParseOptions kParseOptions{"d1"};

inline std::string all_errors(const config::ConfigResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += "\n  " + e.format();
  return out;
}

// The smallest file a section's tests add to: a peer and one link (6 lines).
inline const std::string kPairBase =
    "[cluster]\npeer = \"d2\"\n[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n";
inline constexpr int kPairBaseLines = 6;

// `text` parsed, expecting no error (then the configuration; else an empty one).
inline config::Config parse_ok(const std::string& text) {
  auto r = config::parse_config(text, "t.toml", kParseOptions);
  EXPECT_TRUE(r.config) << all_errors(r);
  return r.config ? *r.config : config::Config{};
}

// A gtest parameter name from a case's description: what is not a letter
// or digit becomes '_'.
template <class Case>
std::string case_name(const ::testing::TestParamInfo<Case>& i) {
  std::string n;
  for (const char* p = i.param.what; *p; ++p) n += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
  return n;
}

// The file `text` (read as t.toml) has exactly one error, at line:column,
// whose message contains `message`.
inline void expect_one_error(const std::string& text, int line, int column, const std::string& message) {
  const auto r = config::parse_config(text, "t.toml", kParseOptions);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 1u) << "in:\n" << text << all_errors(r);
  const config::Diagnostic& e = r.errors[0];
  EXPECT_EQ(e.file, "t.toml");
  EXPECT_EQ(e.line, line) << e.format();
  EXPECT_EQ(e.column, column) << e.format();
  EXPECT_NE(e.message.find(message), std::string::npos) << e.format();
}

// A bad input appended to a test file's base text: exactly one error, at
// line:column counted from the start of `text`, whose message contains
// `message`.
struct BadAfterBase {
  const char* what;
  std::string text;
  int line, column;
  const char* message;
};

}  // namespace tandem::testing
