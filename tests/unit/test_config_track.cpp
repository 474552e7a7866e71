// [[track]] in tandem.toml: what is read, and every bad input with its
// located error.
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "config_support.hpp"

namespace tandem::config {
namespace {

using namespace std::chrono_literals;
using testing::expect_one_error;

const std::string& kBase = testing::kPairBase;

Config parse_ok(const std::string& tracks) {
  auto r = parse_config(kBase + tracks, "t.toml", testing::kParseOptions);
  EXPECT_TRUE(r.config) << testing::all_errors(r);
  return r.config ? *r.config : Config{};
}

// Line numbers below count from the track text: kBase is 6 lines.
constexpr int kL = 6;

TEST(ConfigTrack, ReadsEachType) {
  const Config c = parse_ok(R"([[track]]
name = "gateway"
type = "ping"
address = "10.0.0.254"
interface = "eth0"
interval = "200ms"
timeout = "100ms"
rise = 3
fall = 2
weight = 10

[[track]]
name = "upstreams"
type = "ping"
group = ["10.0.0.253", "2001:db8::1"]

[[track]]
name = "nat-side"
type = "interface"
interface = "eth2"

[[track]]
name = "uplink"
type = "script"
command = ["/usr/lib/tandem/check-uplink", "--quick"]
timeout = "2s"
interval = "5s"
)");
  ASSERT_EQ(c.tracks.size(), 4u);
  const Track& g = c.tracks[0];
  EXPECT_EQ(g.name, "gateway");
  EXPECT_EQ(g.type, Track::Type::ping);
  ASSERT_EQ(g.addresses.size(), 1u);
  EXPECT_EQ(g.addresses[0].str(), "10.0.0.254");
  EXPECT_FALSE(g.group);
  EXPECT_EQ(g.interface, "eth0");
  EXPECT_EQ(g.interval, 200ms);
  EXPECT_EQ(g.timeout, 100ms);
  EXPECT_EQ(g.rise, 3);
  EXPECT_EQ(g.fall, 2);
  EXPECT_EQ(g.weight, 10);
  const Track& u = c.tracks[1];
  EXPECT_TRUE(u.group);
  ASSERT_EQ(u.addresses.size(), 2u);
  EXPECT_EQ(u.addresses[1].str(), "2001:db8::1");
  EXPECT_EQ(u.weight, 1);  // the default
  EXPECT_EQ(u.interval, 1000ms);
  EXPECT_EQ(c.tracks[2].type, Track::Type::interface);
  EXPECT_EQ(c.tracks[2].interface, "eth2");
  EXPECT_EQ(c.tracks[3].command, (std::vector<std::string>{"/usr/lib/tandem/check-uplink", "--quick"}));
  EXPECT_EQ(c.tracks[3].timeout, 2000ms);
}

TEST(ConfigTrack, NoTrackIsFine) { EXPECT_TRUE(parse_ok("").tracks.empty()); }

using Bad = testing::BadAfterBase;

class ConfigTrackBad : public ::testing::TestWithParam<Bad> {};

TEST_P(ConfigTrackBad, IsRefusedAtItsPlace) {
  const Bad& b = GetParam();
  expect_one_error(kBase + b.text, kL + b.line, b.column, b.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigTrackBad,
    ::testing::Values(
        Bad{"no name", "[[track]]\ntype = \"ping\"\naddress = \"10.0.0.1\"\n", 1, 1, "track.name is required"},
        Bad{"name twice", "[[track]]\nname = \"a\"\ntype = \"interface\"\ninterface = \"eth1\"\n"
                          "[[track]]\nname = \"a\"\ntype = \"interface\"\ninterface = \"eth2\"\n",
            6, 8, "used twice (first on line 8)"},
        Bad{"no type", "[[track]]\nname = \"a\"\naddress = \"10.0.0.1\"\n", 1, 1, "track.type is required"},
        Bad{"unknown type", "[[track]]\nname = \"a\"\ntype = \"arping\"\n", 3, 8, "\"ping\", \"interface\" or \"script\""},
        Bad{"unknown key", "[[track]]\nname = \"a\"\ntype = \"interface\"\ninterface = \"eth1\"\nwieght = 2\n", 5, 1,
            "did you mean \"weight\""},
        Bad{"ping without address", "[[track]]\nname = \"a\"\ntype = \"ping\"\n", 1, 1, "track.address is required"},
        Bad{"ping with both", "[[track]]\nname = \"a\"\ntype = \"ping\"\naddress = \"10.0.0.1\"\ngroup = [\"10.0.0.2\"]\n",
            5, 9, "exclusive"},
        Bad{"bad address", "[[track]]\nname = \"a\"\ntype = \"ping\"\naddress = \"10.0.0\"\n", 4, 11, "address"},
        Bad{"empty group", "[[track]]\nname = \"a\"\ntype = \"ping\"\ngroup = []\n", 4, 9, "non-empty array"},
        Bad{"bad group member", "[[track]]\nname = \"a\"\ntype = \"ping\"\ngroup = [\"10.0.0.1\", \"gw\"]\n", 4, 22,
            "\"gw\" is not an IPv4 or IPv6 address"},
        Bad{"zero interval", "[[track]]\nname = \"a\"\ntype = \"ping\"\naddress = \"10.0.0.1\"\ninterval = \"0s\"\n", 5,
            12, "longer than 0s"},
        Bad{"timeout over interval",
            "[[track]]\nname = \"a\"\ntype = \"ping\"\naddress = \"10.0.0.1\"\ninterval = \"1s\"\ntimeout = \"2s\"\n", 6,
            11, "must not exceed interval 1s"},
        Bad{"duration without unit", "[[track]]\nname = \"a\"\ntype = \"ping\"\naddress = \"10.0.0.1\"\ninterval = 5\n",
            5, 12, "interval"},
        Bad{"rise out of range", "[[track]]\nname = \"a\"\ntype = \"ping\"\naddress = \"10.0.0.1\"\nrise = 0\n", 5, 8,
            "rise"},
        Bad{"weight out of range", "[[track]]\nname = \"a\"\ntype = \"ping\"\naddress = \"10.0.0.1\"\nweight = 0\n", 5, 10,
            "weight"},
        Bad{"interface track without interface", "[[track]]\nname = \"a\"\ntype = \"interface\"\n", 1, 1,
            "track.interface is required"},
        Bad{"interface track with a timeout",
            "[[track]]\nname = \"a\"\ntype = \"interface\"\ninterface = \"eth1\"\ntimeout = \"1s\"\n", 5, 11,
            "does not apply to type = \"interface\""},
        Bad{"bad interface name", "[[track]]\nname = \"a\"\ntype = \"interface\"\ninterface = \"a/b\"\n", 4, 13,
            "track.interface"},
        Bad{"script without command", "[[track]]\nname = \"a\"\ntype = \"script\"\n", 1, 1, "track.command is required"},
        Bad{"script with a relative program", "[[track]]\nname = \"a\"\ntype = \"script\"\ncommand = [\"check\"]\n", 4, 12,
            "absolute path"},
        Bad{"script with a string command", "[[track]]\nname = \"a\"\ntype = \"script\"\ncommand = \"/bin/check\"\n", 4,
            11, "an array of strings"},
        Bad{"address on a script", "[[track]]\nname = \"a\"\ntype = \"script\"\ncommand = [\"/bin/true\"]\naddress = \"10.0.0.1\"\n",
            5, 11, "does not apply to type = \"script\""}),
    [](const ::testing::TestParamInfo<Bad>& i) {
      std::string n;
      for (const char* p = i.param.what; *p; ++p) n += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
      return n;
    });

}  // namespace
}  // namespace tandem::config
