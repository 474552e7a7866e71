// Failover groups in tandem.toml ([[group]], [[group.vip]], virtual_server
// `group`), the form without them (the group "default"), every bad input
// with its located error, and the configuration digest.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/digest.hpp"
#include "config_support.hpp"

namespace tandem::config {
namespace {

using testing::expect_one_error;

const std::string kBase =
    "[cluster]\npeer = \"d2\"\n[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n";
// Line numbers below count from the text after kBase: kBase is 6 lines.
constexpr int kL = 6;

// A [[group]] with one VIP: 5 lines.
std::string group(const std::string& name, const std::string& address) {
  return "[[group]]\nname = \"" + name + "\"\n[[group.vip]]\naddress = \"" + address + "\"\ninterface = \"eth0\"\n";
}

Config parse_ok(const std::string& text) {
  auto r = parse_config(text, "t.toml", testing::kParseOptions);
  EXPECT_TRUE(r.config) << testing::all_errors(r);
  return r.config ? *r.config : Config{};
}

TEST(ConfigGroup, OldFormIsTheGroupDefault) {
  const Config c = parse_ok(R"([cluster]
peer = "d2"
preferred = "d2"
auto_failback = true
[[link]]
name = "public"
interface = "eth0"
peer = "10.0.0.2"
[[vip]]
address = "10.0.0.100/24"
interface = "eth0"
label = "eth0:vip"
[[vip]]
address = "2001:db8::100/64"
interface = "eth1"
[[virtual_server]]
address = "10.0.0.100:80"
[[virtual_server]]
address = "10.0.0.9:80"
group = "default"
[[virtual_server]]
fwmark = 7
)");
  EXPECT_FALSE(c.named_groups);
  ASSERT_EQ(c.groups.size(), 1u);
  const Group& g = c.groups[0];
  EXPECT_EQ(g.name, "default");
  EXPECT_EQ(g.preferred, "d2");
  EXPECT_TRUE(g.auto_failback);
  EXPECT_EQ(g.vips, c.vips);
  ASSERT_EQ(c.vips.size(), 2u);
  EXPECT_EQ(c.vips[0].label, "eth0:vip");
  EXPECT_EQ(c.cluster.preferred, "d2");
  EXPECT_TRUE(c.cluster.auto_failback);
  ASSERT_EQ(c.virtual_servers.size(), 3u);
  for (const auto& vs : c.virtual_servers) {
    EXPECT_EQ(vs.group, "default") << describe(vs);
    EXPECT_EQ(group_of(c, vs), &c.groups[0]) << describe(vs);
  }
}

TEST(ConfigGroup, OldFormWithoutVipsOrPreferred) {
  const Config c = parse_ok(kBase);
  ASSERT_EQ(c.groups.size(), 1u);
  EXPECT_EQ(c.groups[0], (Group{"default", "", false, {}}));
  EXPECT_FALSE(c.named_groups);
}

TEST(ConfigGroup, TwoGroupsWithTheirServices) {
  const Config c = parse_ok(kBase + R"([[group]]
name = "web"
preferred = "d1"
auto_failback = true
[[group.vip]]
address = "10.0.0.100/24"
interface = "eth0"
label = "eth0:web"
[[group.vip]]
address = "2001:db8::100/64"
interface = "eth0"

[[group]]
name = "mail"
preferred = "d2"
[[group.vip]]
address = "10.0.0.200/24"
interface = "eth1"

[[virtual_server]]
address = "10.0.0.100:80"
[[virtual_server]]
address = "[2001:db8::100]:443"
[[virtual_server]]
address = "10.0.0.200:25"
group = "mail"
[[virtual_server]]
address = "10.0.0.9:80"
group = "mail"
[[virtual_server]]
fwmark = 7
group = "web"
)");
  EXPECT_TRUE(c.named_groups);
  ASSERT_EQ(c.groups.size(), 2u);
  const Group& web = c.groups[0];
  const Group& mail = c.groups[1];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.preferred, "d1");
  EXPECT_TRUE(web.auto_failback);
  ASSERT_EQ(web.vips.size(), 2u);
  EXPECT_EQ(web.vips[0].address.str(), "10.0.0.100/24");
  EXPECT_EQ(web.vips[0].label, "eth0:web");
  EXPECT_EQ(web.vips[1].address.str(), "2001:db8::100/64");
  EXPECT_EQ(mail.name, "mail");
  EXPECT_EQ(mail.preferred, "d2");
  EXPECT_FALSE(mail.auto_failback);
  ASSERT_EQ(mail.vips.size(), 1u);
  EXPECT_EQ(mail.vips[0].interface, "eth1");
  // Every group's VIPs, in file order.
  ASSERT_EQ(c.vips.size(), 3u);
  EXPECT_EQ(c.vips[0], web.vips[0]);
  EXPECT_EQ(c.vips[1], web.vips[1]);
  EXPECT_EQ(c.vips[2], mail.vips[0]);
  // [cluster] holds no group setting in this form.
  EXPECT_EQ(c.cluster.preferred, "");

  ASSERT_EQ(c.virtual_servers.size(), 5u);
  const std::vector<std::string> expected = {"web", "web", "mail", "mail", "web"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const VirtualServer& vs = c.virtual_servers[i];
    EXPECT_EQ(vs.group, expected[i]) << describe(vs);
    const Group* g = group_of(c, vs);
    ASSERT_NE(g, nullptr) << describe(vs);
    EXPECT_EQ(g->name, expected[i]);
  }
  VirtualServer stray;
  stray.group = "db";
  EXPECT_EQ(group_of(c, stray), nullptr);
}

TEST(ConfigGroup, TheOnlyGroupTakesEveryService) {
  const Config c = parse_ok(kBase + group("web", "10.0.0.100/24") +
                            "[[virtual_server]]\naddress = \"10.0.0.9:80\"\n[[virtual_server]]\nfwmark = 7\n");
  ASSERT_EQ(c.virtual_servers.size(), 2u);
  EXPECT_EQ(c.virtual_servers[0].group, "web");
  EXPECT_EQ(c.virtual_servers[1].group, "web");
}

TEST(ConfigGroup, AVipMatchesWhateverItsPrefixLength) {
  const Config c = parse_ok(kBase + group("web", "10.0.0.100/24") + group("mail", "10.0.0.200/32") +
                            "[[virtual_server]]\naddress = \"10.0.0.200:25\"\n");
  EXPECT_EQ(c.virtual_servers[0].group, "mail");
}

TEST(ConfigGroup, AGroupMayBeCalledDefault) {
  const Config c = parse_ok(kBase + group("default", "10.0.0.100/24"));
  EXPECT_TRUE(c.named_groups);
  EXPECT_EQ(c.groups[0].name, "default");
}

TEST(ConfigGroup, SixteenGroupsAreFine) {
  std::string text = kBase;
  for (int i = 0; i < 16; ++i) text += group("g" + std::to_string(i), "10.0.1." + std::to_string(i + 1) + "/24");
  EXPECT_EQ(parse_ok(text).groups.size(), 16u);
}

// ---- bad input ---------------------------------------------------------

using Bad = testing::BadAfterBase;

class ConfigGroupBad : public ::testing::TestWithParam<Bad> {};

TEST_P(ConfigGroupBad, IsRefusedAtItsPlace) {
  const Bad& b = GetParam();
  expect_one_error(kBase + b.text, kL + b.line, b.column, b.message);
}

const std::string kTwoGroups = group("web", "10.0.0.100/24") + group("mail", "10.0.0.200/24");  // 10 lines

std::string many_groups(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += group("g" + std::to_string(i), "10.0.1." + std::to_string(i + 1) + "/24");
  return text;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigGroupBad,
    ::testing::Values(
        Bad{"vip before group",
            "[[vip]]\naddress = \"10.0.0.1/24\"\ninterface = \"eth0\"\n" + group("web", "10.0.0.100/24"),
            1, 1, "[[vip]] cannot be used with [[group]]"},
        Bad{"vip after group",
            group("web", "10.0.0.100/24") + "[[vip]]\naddress = \"10.0.0.1/24\"\ninterface = \"eth0\"\n"
                                            "[[vip]]\naddress = \"10.0.0.2/24\"\ninterface = \"eth0\"\n",
            6, 1, "[[vip]] cannot be used with [[group]]: write each VIP as a [[group.vip]]"},
        Bad{"no name", "[[group]]\n[[group.vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\n", 1, 1,
            "group.name is required"},
        Bad{"name twice", group("web", "10.0.0.100/24") + group("web", "10.0.0.200/24"), 7, 8,
            "group name \"web\" is used twice (first on line 8)"},
        Bad{"name with a space", group("we b", "10.0.0.100/24"), 2, 8,
            "group.name \"we b\" must be 1 to 32 characters of A-Z, a-z, 0-9"},
        Bad{"empty name", group("", "10.0.0.100/24"), 2, 8, "group.name \"\" must be 1 to 32 characters"},
        Bad{"name too long", group(std::string(33, 'a'), "10.0.0.100/24"), 2, 8, "must be 1 to 32 characters"},
        Bad{"name not a string",
            "[[group]]\nname = 3\n[[group.vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\n",
            2, 8, "group.name must be a string"},
        Bad{"seventeen groups", many_groups(17), 16 * 5 + 1, 1, "at most 16 [[group]]s are allowed"},
        Bad{"group without a VIP", "[[group]]\nname = \"web\"\npreferred = \"d1\"\n" + group("mail", "10.0.0.200/24"),
            1, 1, "group web has no [[group.vip]]"},
        Bad{"VIP in two groups", group("web", "10.0.0.100/24") + group("mail", "10.0.0.100/32"), 9, 11,
            "vip 10.0.0.100 is listed twice (first on line 10)"},
        Bad{"VIP twice in a group",
            group("web", "10.0.0.100/24") + "[[group.vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth1\"\n", 7, 11,
            "vip 10.0.0.100 is listed twice"},
        Bad{"VIP without an interface", "[[group]]\nname = \"web\"\n[[group.vip]]\naddress = \"10.0.0.100/24\"\n", 3, 1,
            "group.vip.interface is required"},
        Bad{"VIP with a bad address",
            "[[group]]\nname = \"web\"\n[[group.vip]]\naddress = \"10.0.0.100\"\ninterface = \"eth0\"\n", 4, 11,
            "group.vip.address: \"10.0.0.100\" needs a prefix length"},
        Bad{"VIP label of another interface",
            "[[group]]\nname = \"web\"\n[[group.vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\n"
            "label = \"eth1:web\"\n",
            6, 9, "group.vip.label \"eth1:web\" must start with the interface name \"eth0\""},
        Bad{"unknown key in a VIP",
            "[[group]]\nname = \"web\"\n[[group.vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\n"
            "lable = \"x\"\n",
            6, 1, "unknown key \"lable\" in [[group.vip]]; did you mean \"label\"?"},
        Bad{"unknown key in a group",
            "[[group]]\nname = \"web\"\nprefered = \"d1\"\n[[group.vip]]\naddress = \"10.0.0.100/24\"\n"
            "interface = \"eth0\"\n",
            3, 1, "unknown key \"prefered\" in [[group]]; did you mean \"preferred\"?"},
        Bad{"preferred not a node",
            "[[group]]\nname = \"web\"\npreferred = \"d3\"\n[[group.vip]]\naddress = \"10.0.0.100/24\"\n"
            "interface = \"eth0\"\n",
            3, 13, "group.preferred \"d3\" must be this node (\"d1\") or the peer (\"d2\")"},
        Bad{"auto_failback not a boolean",
            "[[group]]\nname = \"web\"\nauto_failback = \"yes\"\n[[group.vip]]\naddress = \"10.0.0.100/24\"\n"
            "interface = \"eth0\"\n",
            3, 17, "group.auto_failback must be true or false"},
        Bad{"a group.resource without command or agent",
            group("web", "10.0.0.100/24") + "[[group.resource]]\nname = \"cache\"\n", 6, 1,
            "[[group.resource]] needs command = [\"/path/of/program\", ...] or agent = \"NAME\""},
        Bad{"group.vip before any group", "[[group.vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\n", 1, 1,
            "[[group.vip]] must follow a [[group]]"},
        Bad{"unknown group", kTwoGroups + "[[virtual_server]]\naddress = \"10.0.0.9:80\"\ngroup = \"wbe\"\n", 13, 9,
            "virtual_server.group \"wbe\" is not a group; the groups are \"web\" and \"mail\"; did you mean \"web\"?"},
        Bad{"group not a string", kTwoGroups + "[[virtual_server]]\nfwmark = 7\ngroup = 1\n", 13, 9,
            "virtual_server.group must be a string"},
        Bad{"conflicting group",
            kTwoGroups + "[[virtual_server]]\naddress = \"10.0.0.100:80\"\ngroup = \"mail\"\n", 13, 9,
            "virtual server TCP 10.0.0.100:80 is on VIP 10.0.0.100 of group \"web\", not of group \"mail\""},
        Bad{"service on no VIP", kTwoGroups + "[[virtual_server]]\naddress = \"10.0.0.9:80\"\n", 12, 11,
            "virtual server TCP 10.0.0.9:80 is on no group's VIP: set group = \"web\" or \"mail\""},
        Bad{"fwmark without group", kTwoGroups + "[[virtual_server]]\nfwmark = 7\n", 11, 1,
            "virtual_server.group is required for FWM 7 when there are 2 groups"},
        Bad{"old form, another group", "[[virtual_server]]\nfwmark = 7\ngroup = \"web\"\n", 3, 9,
            "virtual_server.group \"web\" is not a group; without [[group]] the only group is \"default\""}),
    [](const ::testing::TestParamInfo<Bad>& i) {
      std::string n;
      for (const char* p = i.param.what; *p; ++p) n += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
      return n;
    });

// [cluster] preferred and auto_failback belong to the form without [[group]].
TEST(ConfigGroup, ClusterPreferredDoesNotMixWithGroups) {
  const std::string link = "[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n";
  expect_one_error("[cluster]\npeer = \"d2\"\npreferred = \"d1\"\n" + link + group("web", "10.0.0.100/24"), 3, 13,
                   "cluster.preferred cannot be used with [[group]]: set preferred in each group");
  expect_one_error("[cluster]\npeer = \"d2\"\nauto_failback = true\n" + link + group("web", "10.0.0.100/24"), 3, 17,
                   "cluster.auto_failback cannot be used with [[group]]: set auto_failback in each group");
}

// ---- digest ------------------------------------------------------------

// One director's file of a pair, with the node-specific parts filled in.
struct NodeFile {
  std::string name = "d1", peer = "d2", vip_interface = "eth0", link_interface = "eth1",
              link_peer = "192.168.77.2", track_interface = "eth0", priority = "100", deadtime = "1s";
};

std::string pair_file(const NodeFile& n, const std::string& extra_group = "", const std::string& extra_real = "",
                      const std::string& web_preferred = "d1", const std::string& weight = "10") {
  return "[node]\nname = \"" + n.name + "\"\npriority = " + n.priority + "\n" +
         "[cluster]\npeer = \"" + n.peer + "\"\ndeadtime = \"" + n.deadtime + "\"\n" +
         "[[link]]\nname = \"private\"\ninterface = \"" + n.link_interface + "\"\npeer = \"" + n.link_peer + "\"\n" +
         "[garp]\ncount = 3\n" +
         "[[group]]\nname = \"web\"\npreferred = \"" + web_preferred + "\"\n" +
         "[[group.vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"" + n.vip_interface + "\"\n" +
         "[[group]]\nname = \"mail\"\npreferred = \"d2\"\n" +
         "[[group.vip]]\naddress = \"10.0.0.200/24\"\ninterface = \"" + n.vip_interface + "\"\n" + extra_group +
         "[[track]]\nname = \"gateway\"\ntype = \"ping\"\naddress = \"10.0.0.254\"\ninterface = \"" +
         n.track_interface + "\"\nweight = " + weight + "\n" +
         "[[virtual_server]]\naddress = \"10.0.0.100:80\"\n[virtual_server.check]\ntype = \"http\"\n"
         "[[virtual_server.real]]\naddress = \"10.0.1.11\"\n" + extra_real +
         "[[virtual_server]]\nfwmark = 7\ngroup = \"mail\"\n";
}

ConfigDigest digest_of_text(const std::string& text) {
  const auto r = parse_config(text, "t.toml", testing::kParseOptions);
  EXPECT_TRUE(r.config) << text << testing::all_errors(r);
  return r.config ? digest_of(*r.config) : ConfigDigest{};
}

TEST(ConfigDigest, TheSameFileGivesTheSameDigest) {
  EXPECT_EQ(digest_of_text(pair_file({})), digest_of_text(pair_file({})));
}

TEST(ConfigDigest, TheTwoDirectorsOfAPairAgree) {
  NodeFile d2;
  d2.name = "d2";
  d2.peer = "d1";
  d2.vip_interface = "ens3";
  d2.link_interface = "ens4";
  d2.link_peer = "192.168.77.1";
  d2.track_interface = "ens3";
  d2.priority = "50";
  d2.deadtime = "2s";
  const ConfigDigest a = digest_of_text(pair_file({}));
  const ConfigDigest b = digest_of_text(pair_file(d2));
  EXPECT_EQ(a, b);
  EXPECT_TRUE(digest_differences(a, b).empty());
}

TEST(ConfigDigest, EachChangeShowsInItsPart) {
  const ConfigDigest base = digest_of_text(pair_file({}));
  struct Case {
    const char* what;
    std::string text;
    std::vector<std::string> differs;
  };
  const Case cases[] = {
      {"a real server added", pair_file({}, "", "[[virtual_server.real]]\naddress = \"10.0.1.12\"\n"),
       {"virtual servers"}},
      {"a VIP added", pair_file({}, "[[group.vip]]\naddress = \"10.0.0.201/24\"\ninterface = \"eth0\"\n"),
       {"groups and VIPs"}},
      {"a group's preferred node changed", pair_file({}, "", "", "d2"), {"groups and VIPs"}},
      {"a track's weight changed", pair_file({}, "", "", "d1", "20"), {"tracks"}},
  };
  for (const Case& c : cases) {
    const ConfigDigest changed = digest_of_text(c.text);
    EXPECT_EQ(digest_differences(base, changed), c.differs) << c.what;
    EXPECT_EQ(digest_differences(changed, base), c.differs) << c.what;
  }
}

TEST(ConfigDigest, AServiceMovedToAnotherGroupChangesTheVirtualServers) {
  std::string moved = pair_file({});
  const std::string from = "fwmark = 7\ngroup = \"mail\"\n";
  moved.replace(moved.find(from), from.size(), "fwmark = 7\ngroup = \"web\"\n");
  EXPECT_EQ(digest_differences(digest_of_text(pair_file({})), digest_of_text(moved)),
            std::vector<std::string>{"virtual servers"});
}

TEST(ConfigDigest, TheOldFormIsTheGroupDefault) {
  const std::string old_form =
      "[cluster]\npeer = \"d2\"\npreferred = \"d1\"\nauto_failback = true\n"
      "[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n"
      "[[vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\n"
      "[[virtual_server]]\naddress = \"10.0.0.100:80\"\n";
  const std::string named =
      "[cluster]\npeer = \"d2\"\n[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n"
      "[[group]]\nname = \"default\"\npreferred = \"d1\"\nauto_failback = true\n"
      "[[group.vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\n"
      "[[virtual_server]]\naddress = \"10.0.0.100:80\"\n";
  EXPECT_EQ(digest_of_text(old_form), digest_of_text(named));
}

TEST(ConfigDigest, DifferencesAreListedInOrder) {
  const ConfigDigest a{1, 2, 3};
  EXPECT_TRUE(digest_differences(a, a).empty());
  EXPECT_EQ(digest_differences(a, ConfigDigest{9, 9, 9}),
            (std::vector<std::string>{"groups and VIPs", "virtual servers", "tracks"}));
  EXPECT_EQ(digest_differences(a, ConfigDigest{1, 9, 3}), std::vector<std::string>{"virtual servers"});
  EXPECT_EQ(digest_differences(a, ConfigDigest{9, 2, 9}), (std::vector<std::string>{"groups and VIPs", "tracks"}));
}

TEST(ConfigDigest, FormatIsThreeHexValues) {
  EXPECT_EQ(format_digest(ConfigDigest{0x0123456789abcdefULL, 1, 0xffffffffffffffffULL}),
            "0123456789abcdef/0000000000000001/ffffffffffffffff");
  EXPECT_EQ(format_digest(ConfigDigest{}), "0000000000000000/0000000000000000/0000000000000000");
}

// The canonical text of no tracks is "6:tracks,1:0," (the part's name, then
// the count, each as LENGTH:BYTES,), and the value the first 8 bytes of its
// SHA-256, big-endian.
TEST(ConfigDigest, IsTheStartOfSha256BigEndian) {
  const Config c = parse_ok(kBase);
  EXPECT_EQ(digest_of(c).tracks, 0xfe8261eda0064849ULL);
}

TEST(ConfigGroup, TheActiveActiveLabIsValidAndBothDirectorsAgree) {
  const std::string dir = TANDEM_TEST_DATA "/../../examples/lab-active-active/";
  const auto d1 = load_config(dir + "d1.toml", ParseOptions{"some-host"});
  const auto d2 = load_config(dir + "d2.toml", ParseOptions{"some-host"});
  ASSERT_TRUE(d1.config);
  ASSERT_TRUE(d2.config);
  const Config& c = *d1.config;
  EXPECT_TRUE(c.named_groups);
  ASSERT_EQ(c.groups.size(), 2u);
  EXPECT_EQ(c.groups[0].name, "web");
  EXPECT_EQ(c.groups[0].preferred, "d1");
  EXPECT_EQ(c.groups[1].name, "mail");
  EXPECT_EQ(c.groups[1].preferred, "d2");
  ASSERT_EQ(c.virtual_servers.size(), 2u);
  EXPECT_EQ(c.virtual_servers[0].group, "web");
  EXPECT_EQ(c.virtual_servers[1].group, "mail");
  EXPECT_EQ(digest_of(c), digest_of(*d2.config)) << "the two files must not differ in what both share";
}

}  // namespace
}  // namespace tandem::config
