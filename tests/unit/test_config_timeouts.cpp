// [ipvs] in tandem.toml: the kernel's connection timeouts (ipvsadm --set).
// What is read, every bad input with its located error, and their place in
// the configuration digest (the virtual servers part, only when set).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "config/config.hpp"
#include "config/digest.hpp"
#include "config_support.hpp"

namespace tandem::config {
namespace {

using namespace std::chrono_literals;
using testing::expect_one_error;

const std::string& kBase = testing::kPairBase;
constexpr int kL = testing::kPairBaseLines;
using testing::parse_ok;

TEST(ConfigTimeouts, AbsentTableLeavesEveryTimeoutUnset) {
  EXPECT_TRUE(parse_ok(kBase).ipvs.empty());
  EXPECT_TRUE(parse_ok(kBase + "[ipvs]\n").ipvs.empty()) << "an empty table is the same";
}

TEST(ConfigTimeouts, ReadsTheThreeTimeouts) {
  const Config c =
      parse_ok(kBase + "[ipvs]\ntcp_timeout = \"900s\"\ntcpfin_timeout = \"2m\"\nudp_timeout = \"300s\"\n");
  EXPECT_EQ(c.ipvs.tcp_timeout, Duration(900s));
  EXPECT_EQ(c.ipvs.tcpfin_timeout, Duration(120s));
  EXPECT_EQ(c.ipvs.udp_timeout, Duration(300s));
}

TEST(ConfigTimeouts, EachKeyIsOptional) {
  const Config c = parse_ok(kBase + "[ipvs]\nudp_timeout = \"1h\"\n");
  EXPECT_FALSE(c.ipvs.tcp_timeout);
  EXPECT_FALSE(c.ipvs.tcpfin_timeout);
  EXPECT_EQ(c.ipvs.udp_timeout, Duration(3600s));
}

TEST(ConfigTimeouts, BoundsAreOneSecondAndTheKernelsLimit) {
  const Config c = parse_ok(kBase + "[ipvs]\ntcp_timeout = \"1s\"\nudp_timeout = \"2147483s\"\n");
  EXPECT_EQ(c.ipvs.tcp_timeout, Duration(1s));
  EXPECT_EQ(c.ipvs.udp_timeout, kMaxIpvsTimeout);
  EXPECT_EQ(c.ipvs.udp_timeout, Duration(std::chrono::seconds(2147483647 / 1000)));
}

// A file without [ipvs] keeps the digest it had, so a pair in the middle of
// an upgrade does not report a difference; with it, a differing timeout is
// a difference in the virtual servers.
TEST(ConfigTimeouts, AreInTheVirtualServersDigestOnlyWhenSet) {
  const ConfigDigest without = digest_of(parse_ok(kBase));
  EXPECT_EQ(digest_of(parse_ok(kBase + "[ipvs]\n")), without);
  const ConfigDigest tcp = digest_of(parse_ok(kBase + "[ipvs]\ntcp_timeout = \"900s\"\n"));
  EXPECT_NE(tcp.virtual_servers, without.virtual_servers);
  EXPECT_EQ(tcp.groups, without.groups);
  EXPECT_EQ(tcp.tracks, without.tracks);
  EXPECT_EQ(digest_differences(tcp, without), (std::vector<std::string>{"virtual servers"}));
  // The same value under another key, or another value: other digests.
  const ConfigDigest udp = digest_of(parse_ok(kBase + "[ipvs]\nudp_timeout = \"900s\"\n"));
  const ConfigDigest longer = digest_of(parse_ok(kBase + "[ipvs]\ntcp_timeout = \"901s\"\n"));
  EXPECT_NE(udp.virtual_servers, tcp.virtual_servers);
  EXPECT_NE(longer.virtual_servers, tcp.virtual_servers);
  EXPECT_EQ(digest_of(parse_ok(kBase + "[ipvs]\ntcp_timeout = \"15m\"\n")), tcp) << "the value, not its spelling";
}

class ConfigTimeoutsBad : public ::testing::TestWithParam<testing::BadAfterBase> {};

TEST_P(ConfigTimeoutsBad, IsRefusedAtItsPlace) {
  const auto& b = GetParam();
  expect_one_error(kBase + b.text, kL + b.line, b.column, b.message);
}

using Bad = testing::BadAfterBase;
INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigTimeoutsBad,
    ::testing::Values(
        Bad{"zero, which the kernel reads as unchanged", "[ipvs]\ntcp_timeout = \"0s\"\n", 2, 15,
            "ipvs.tcp_timeout 0s cannot be set: the kernel reads 0 as \"leave unchanged\"; give at least 1s, or "
            "leave the key out"},
        Bad{"a fraction of a second", "[ipvs]\ntcpfin_timeout = \"1500ms\"\n", 2, 18,
            "ipvs.tcpfin_timeout 1.5s must be whole seconds"},
        Bad{"less than a second", "[ipvs]\nudp_timeout = \"500ms\"\n", 2, 15,
            "ipvs.udp_timeout 500ms must be whole seconds"},
        Bad{"beyond the kernel's limit", "[ipvs]\nudp_timeout = \"2147484s\"\n", 2, 15,
            "ipvs.udp_timeout 2147484s must be at most 2147483s"},
        Bad{"a year", "[ipvs]\ntcp_timeout = \"8760h\"\n", 2, 15, "ipvs.tcp_timeout 8760h must be at most"},
        Bad{"a bare number", "[ipvs]\ntcp_timeout = 900\n", 2, 15,
            "ipvs.tcp_timeout: duration needs a unit"},
        Bad{"a negative duration", "[ipvs]\ntcp_timeout = \"-1s\"\n", 2, 15, "is negative"},
        Bad{"not a duration", "[ipvs]\ntcp_timeout = true\n", 2, 15, "ipvs.tcp_timeout must be a duration"},
        Bad{"ipvsadm's name for the key", "[ipvs]\ntcpfin = \"120s\"\n", 2, 1,
            "unknown key \"tcpfin\" in [ipvs]"},
        Bad{"misspelt key", "[ipvs]\ntcp_timout = \"900s\"\n", 2, 1,
            "unknown key \"tcp_timout\" in [ipvs]; did you mean \"tcp_timeout\"?"},
        Bad{"a sub-table", "[ipvs]\n[ipvs.tcp]\n", 2, 7, "[ipvs] has no sub-tables"},
        Bad{"array of tables", "[[ipvs]]\ntcp_timeout = \"900s\"\n", 1, 1,
            "ipvs must be a single table: write [ipvs], not [[ipvs]]"},
        Bad{"misspelt table", "[ipv]\ntcp_timeout = \"900s\"\n", 1, 2, "unknown table [ipv]; did you mean [ipvs]?"}),
    testing::case_name<Bad>);

TEST(ConfigTimeouts, ATimeoutOutsideAnyTableIsShownItsHome) {
  expect_one_error("udp_timeout = \"300s\"\n" + kBase, 1, 1,
                   "unknown key \"udp_timeout\" outside any table; it belongs in [ipvs]");
}

TEST(ConfigTimeouts, EveryBadTimeoutIsReported) {
  const auto r = parse_config(kBase + "[ipvs]\ntcp_timeout = \"0s\"\ntcpfin_timeout = \"1.5s\"\nudp_timeout = 1\n",
                              "t.toml", testing::kParseOptions);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 3u) << testing::all_errors(r);
  EXPECT_EQ(r.errors[0].line, kL + 2);
  EXPECT_EQ(r.errors[1].line, kL + 3);
  EXPECT_EQ(r.errors[2].line, kL + 4);
}

}  // namespace
}  // namespace tandem::config
