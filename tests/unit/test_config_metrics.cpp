// [metrics] in tandem.toml: the listener for /metrics and the status page.
// What is read, every bad input with its located error, and that it stays
// out of the configuration digest (it is node-local).
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "config/config.hpp"
#include "config/digest.hpp"
#include "config_support.hpp"

namespace tandem::config {
namespace {

using testing::expect_one_error;

const std::string& kBase = testing::kPairBase;
constexpr int kL = testing::kPairBaseLines;
using testing::parse_ok;

TEST(ConfigMetrics, OffWhenAbsent) { EXPECT_FALSE(parse_ok(kBase).metrics); }

TEST(ConfigMetrics, ReadsAnIpv4Listener) {
  const Config c = parse_ok(kBase + "[metrics]\nlisten = \"127.0.0.1:9694\"\n");
  ASSERT_TRUE(c.metrics);
  EXPECT_EQ(c.metrics->listen.address.str(), "127.0.0.1");
  EXPECT_EQ(c.metrics->listen.port, 9694);
}

TEST(ConfigMetrics, ReadsAnIpv6ListenerAndTheWildcard) {
  const Config v6 = parse_ok(kBase + "[metrics]\nlisten = \"[::1]:9100\"\n");
  ASSERT_TRUE(v6.metrics);
  EXPECT_TRUE(v6.metrics->listen.address.is_v6());
  EXPECT_EQ(v6.metrics->listen.port, 9100);
  const Config any = parse_ok(kBase + "[metrics]\nlisten = \"0.0.0.0:9694\"\n");
  ASSERT_TRUE(any.metrics);
  EXPECT_EQ(any.metrics->listen.address.str(), "0.0.0.0");
}

TEST(ConfigMetrics, IsNotInTheDigest) {
  const auto without = parse_config(kBase, "t.toml", testing::kParseOptions);
  const auto with = parse_config(kBase + "[metrics]\nlisten = \"127.0.0.1:9694\"\n", "t.toml", testing::kParseOptions);
  ASSERT_TRUE(without.config && with.config);
  EXPECT_EQ(digest_of(*without.config), digest_of(*with.config));
}

struct Bad {
  const char* what;
  std::string text;
  int line, column;
  const char* message;
};

class ConfigMetricsBad : public ::testing::TestWithParam<Bad> {};

TEST_P(ConfigMetricsBad, IsRefusedAtItsPlace) {
  const Bad& b = GetParam();
  expect_one_error(kBase + b.text, kL + b.line, b.column, b.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigMetricsBad,
    ::testing::Values(
        Bad{"empty table", "[metrics]\n", 1, 1, "metrics.listen is required: the address and TCP port"},
        Bad{"no port", "[metrics]\nlisten = \"127.0.0.1\"\n", 2, 10, "needs a TCP port 1..65535"},
        Bad{"port 0", "[metrics]\nlisten = \"127.0.0.1:0\"\n", 2, 10, "needs a TCP port 1..65535"},
        Bad{"port too big", "[metrics]\nlisten = \"127.0.0.1:65536\"\n", 2, 10, "needs a TCP port 1..65535"},
        Bad{"port not a number", "[metrics]\nlisten = \"127.0.0.1:http\"\n", 2, 10,
            "port \"http\" is not a number 0..65535"},
        Bad{"host name", "[metrics]\nlisten = \"localhost:9694\"\n", 2, 10,
            "\"localhost\" is not an IPv4 or IPv6 address"},
        Bad{"IPv6 without brackets", "[metrics]\nlisten = \"::1:9694\"\n", 2, 10, "needs a TCP port"},
        Bad{"multicast", "[metrics]\nlisten = \"239.1.1.1:9694\"\n", 2, 10, "is a multicast address"},
        Bad{"a number", "[metrics]\nlisten = 9694\n", 2, 10, "metrics.listen must be a string"},
        Bad{"misspelt key", "[metrics]\nlisten = \"127.0.0.1:9694\"\nlistn = 1\n", 3, 1,
            "unknown key \"listn\" in [metrics]; did you mean \"listen\"?"},
        Bad{"array of tables", "[[metrics]]\nlisten = \"127.0.0.1:9694\"\n", 1, 1,
            "metrics must be a single table: write [metrics], not [[metrics]]"},
        Bad{"misspelt table", "[metric]\nlisten = \"127.0.0.1:9694\"\n", 1, 2,
            "unknown table [metric]; did you mean [metrics]?"}),
    testing::case_name<Bad>);

TEST(ConfigMetrics, AListenKeyOutsideAnyTableIsShownItsHome) {
  expect_one_error("listen = \"127.0.0.1:9694\"\n" + kBase, 1, 1,
                   "unknown key \"listen\" outside any table; it belongs in [metrics]");
}

}  // namespace
}  // namespace tandem::config
