// Parsing and validating tandem.toml (SPEC "Configuration (TOML)").
#include <gtest/gtest.h>

#include "config_support.hpp"

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/names.hpp"

namespace tandem::config {
namespace {

using namespace std::chrono_literals;

const ParseOptions kOptions{"d1"};

// The smallest valid file when the node name comes from the host name.
const std::string kCluster = "[cluster]\npeer = \"d2\"\n";
const std::string kLink = "[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n";

// A case's text is the start of a file; [cluster] and [[link]] are appended
// after it when the case does not write them itself, so the line numbers in
// the case are the lines of its own text.
std::string complete(const std::string& head) {
  std::string text = head;
  if (!text.empty() && text.back() != '\n') text += '\n';
  if (head.find("[cluster]") == std::string::npos) text += kCluster;
  if (head.find("link") == std::string::npos) text += kLink;
  return text;
}

using tandem::testing::all_errors;

TEST(ConfigTest, MinimalFileGetsTheDefaults) {
  const auto r = parse_config(kCluster + kLink, "tandem.toml", kOptions);
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_TRUE(r.errors.empty());
  const Config& c = *r.config;
  EXPECT_EQ(c.path, "tandem.toml");
  EXPECT_EQ(c.node.name, "d1");  // from ParseOptions
  EXPECT_EQ(c.node.priority, 100);
  EXPECT_EQ(c.node.realtime_priority, 0);
  EXPECT_FALSE(c.node.lock_memory);
  EXPECT_EQ(c.cluster.peer, "d2");
  EXPECT_EQ(c.cluster.preferred, "");
  EXPECT_FALSE(c.cluster.auto_failback);
  EXPECT_EQ(c.cluster.interval, 200ms);
  EXPECT_EQ(c.cluster.deadtime, 1s);
  EXPECT_EQ(c.cluster.warntime, 600ms);
  EXPECT_EQ(c.cluster.initdead, 3s);
  EXPECT_EQ(c.cluster.port, 694);
  EXPECT_EQ(c.cluster.authkeys, "/etc/tandem/authkeys");
  ASSERT_EQ(c.links.size(), 1u);
  EXPECT_EQ(c.links[0].name, "public");
  EXPECT_EQ(c.links[0].interface, "eth0");
  EXPECT_EQ(c.links[0].peer, IpAddress::parse("10.0.0.2"));
  EXPECT_FALSE(c.links[0].group);
  EXPECT_TRUE(c.vips.empty());
  EXPECT_EQ(c.garp.count, 5);
  EXPECT_EQ(c.garp.interval, 200ms);
  EXPECT_EQ(c.garp.refresh, 0ms);
}

TEST(ConfigTest, ReadsEveryKey) {
  const std::string text = R"(
[node]
name = "lb-a"
priority = 250
realtime_priority = 50
lock_memory = true

[cluster]
peer = "lb-b"
preferred = "lb-b"
auto_failback = true
interval = "100ms"
deadtime = "1.5s"
warntime = "500ms"
initdead = "1m"
port = 1694
authkeys = "/etc/tandem/keys"

[[link]]
name = "public"
interface = "eth0"
group = "239.0.0.1"

[[link]]
name = "private"
interface = "eth1"
peer = "fd00::2"

[[vip]]
address = "10.0.0.100/24"
interface = "eth0"
label = "eth0:web"

[[vip]]
address = "2001:db8::100/64"
interface = "eth0"

[garp]
count = 0
interval = "50ms"
refresh = "30s"
)";
  const auto r = parse_config(text, "full.toml", kOptions);
  ASSERT_TRUE(r.config) << all_errors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.node.name, "lb-a");
  EXPECT_EQ(c.node.priority, 250);
  EXPECT_EQ(c.node.realtime_priority, 50);
  EXPECT_TRUE(c.node.lock_memory);
  EXPECT_EQ(c.cluster.peer, "lb-b");
  EXPECT_EQ(c.cluster.preferred, "lb-b");
  EXPECT_TRUE(c.cluster.auto_failback);
  EXPECT_EQ(c.cluster.interval, 100ms);
  EXPECT_EQ(c.cluster.deadtime, 1500ms);
  EXPECT_EQ(c.cluster.warntime, 500ms);
  EXPECT_EQ(c.cluster.initdead, 1min);
  EXPECT_EQ(c.cluster.port, 1694);
  EXPECT_EQ(c.cluster.authkeys, "/etc/tandem/keys");
  ASSERT_EQ(c.links.size(), 2u);
  EXPECT_EQ(c.links[0].name, "public");
  EXPECT_EQ(c.links[0].group, IpAddress::parse("239.0.0.1"));
  EXPECT_FALSE(c.links[0].peer);
  EXPECT_EQ(c.links[1].name, "private");
  EXPECT_EQ(c.links[1].interface, "eth1");
  EXPECT_EQ(c.links[1].peer, IpAddress::parse("fd00::2"));
  ASSERT_EQ(c.vips.size(), 2u);
  EXPECT_EQ(c.vips[0].address, IpPrefix::parse("10.0.0.100/24"));
  EXPECT_EQ(c.vips[0].interface, "eth0");
  EXPECT_EQ(c.vips[0].label, "eth0:web");
  EXPECT_EQ(c.vips[1].address, IpPrefix::parse("2001:db8::100/64"));
  EXPECT_EQ(c.vips[1].label, "");
  EXPECT_EQ(c.garp.count, 0);
  EXPECT_EQ(c.garp.interval, 50ms);
  EXPECT_EQ(c.garp.refresh, 30s);
}

TEST(ConfigTest, InlineTablesAreTables) {
  const std::string text =
      "node = { name = \"d1\", priority = 7 }\n"
      "cluster = { peer = \"d2\" }\n"
      "link = [ { name = \"a\", interface = \"eth0\", peer = \"10.0.0.2\" } ]\n";
  const auto r = parse_config(text, "inline.toml", kOptions);
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->node.priority, 7);
  ASSERT_EQ(r.config->links.size(), 1u);
}

TEST(ConfigTest, SameTextGivesEqualValues) {
  const auto a = parse_config(kCluster + kLink, "a.toml", kOptions);
  const auto b = parse_config(kCluster + kLink, "a.toml", kOptions);
  ASSERT_TRUE(a.config && b.config);
  EXPECT_EQ(*a.config, *b.config);
  const auto c = parse_config("[node]\npriority = 1\n" + kCluster + kLink, "a.toml", kOptions);
  ASSERT_TRUE(c.config);
  EXPECT_NE(*a.config, *c.config);
}

struct BadConfig {
  const char* description;
  std::string head;  // see complete()
  int line;
  int column;
  const char* message;  // a part of the one expected error
};

TEST(ConfigTest, EachMistakeIsOneLocatedError) {
  const std::vector<BadConfig> cases = {
      // [node]
      {"priority of the wrong type", "[node]\npriority = \"high\"", 2, 12,
       "node.priority must be an integer, not a string"},
      {"priority above 65535", "[node]\npriority = 70000", 2, 12,
       "node.priority 70000 is out of range 0..65535"},
      {"negative priority", "[node]\npriority = -1", 2, 12, "out of range 0..65535"},
      {"realtime priority above 99", "[node]\nrealtime_priority = 100", 2, 21,
       "node.realtime_priority 100 is out of range 0..99"},
      {"realtime priority of the wrong type", "[node]\nrealtime_priority = \"high\"", 2, 21,
       "node.realtime_priority must be an integer"},
      {"lock_memory of the wrong type", "[node]\nlock_memory = \"yes\"", 2, 15,
       "node.lock_memory must be true or false"},
      {"empty node name", "[node]\nname = \"\"", 2, 8, "node.name is empty"},
      {"node name with a space", "[node]\nname = \"d 1\"", 2, 8, "whitespace"},
      {"node name over 64 bytes", "[node]\nname = \"" + std::string(65, 'n') + "\"", 2, 8,
       "longer than 64 bytes"},
      {"node name of the wrong type", "[node]\nname = 1", 2, 8, "node.name must be a string"},
      {"misspelt key", "[node]\nprority = 1", 2, 1,
       "unknown key \"prority\" in [node]; did you mean \"priority\"?"},
      {"[node] written as an array", "[[node]]\nname = \"d1\"", 1, 1,
       "node must be a single table: write [node], not [[node]]"},
      {"node as a plain value", "node = \"d1\"", 1, 8, "node must be a table ([node]), not a string"},
      // structure
      {"unknown table", "[nodes]\nname = \"d1\"", 1, 2, "unknown table [nodes]; did you mean [node]?"},
      {"unknown array of tables", "[[vips]]\naddress = \"10.0.0.1/32\"", 1, 3,
       "unknown table [[vips]]; did you mean [[vip]]?"},
      {"unknown sub-table of a virtual server",
       "[[virtual_server]]\naddress = \"10.0.0.100:80\"\n[virtual_server.checks]\ntype = \"http\"", 3, 17,
       "unknown table [virtual_server.checks]; the tables in [[virtual_server]] are [virtual_server.check] and "
       "[[virtual_server.real]]"},
      {"key before any table", "priority = 5", 1, 1,
       "unknown key \"priority\" outside any table; it belongs in [node]"},
      {"key known in two sections", "interval = \"1s\"", 1, 1, "it belongs in [cluster] or [garp]"},
      {"unknown top-level key", "colour = \"blue\"", 1, 1, "settings go in [node], [cluster]"},
      {"sub-table of a section", "[cluster.extra]\nx = 1", 1, 10,
       "unknown table [cluster.extra]; [cluster] has no sub-tables"},
      // [cluster]
      {"bare integer duration", "[cluster]\npeer = \"d2\"\ninterval = 200", 3, 12,
       "cluster.interval: duration needs a unit, e.g. \"200ms\""},
      {"bare float duration", "[cluster]\npeer = \"d2\"\ndeadtime = 1.5", 3, 12,
       "cluster.deadtime: duration needs a unit, e.g. \"200ms\""},
      {"unknown unit", "[cluster]\npeer = \"d2\"\ninterval = \"2sec\"", 3, 12,
       "cluster.interval: \"2sec\" has an unknown unit \"sec\""},
      {"string without a unit", "[cluster]\npeer = \"d2\"\ninterval = \"200\"", 3, 12,
       "cluster.interval: \"200\" has no unit"},
      {"negative duration", "[cluster]\npeer = \"d2\"\ninitdead = \"-3s\"", 3, 12, "is negative"},
      {"sub-millisecond duration", "[cluster]\npeer = \"d2\"\ninterval = \"200.5ms\"", 3, 12,
       "sub-millisecond"},
      {"duration of the wrong type", "[cluster]\npeer = \"d2\"\ninterval = true", 3, 12,
       "cluster.interval must be a duration such as \"200ms\", not a boolean"},
      {"zero interval", "[cluster]\npeer = \"d2\"\ninterval = \"0s\"", 3, 12,
       "cluster.interval must be greater than 0s"},
      {"deadtime not above 2 x interval",
       "[cluster]\npeer = \"d2\"\ndeadtime = \"400ms\"\nwarntime = \"300ms\"", 3, 12,
       "cluster.deadtime 400ms must exceed 2 x interval (2 x 200ms = 400ms)"},
      {"interval too long for the default deadtime", "[cluster]\npeer = \"d2\"\ninterval = \"500ms\"",
       3, 12, "cluster.deadtime 1s must exceed 2 x interval (2 x 500ms = 1s)"},
      {"warntime not below deadtime", "[cluster]\npeer = \"d2\"\nwarntime = \"1s\"", 3, 12,
       "cluster.warntime 1s must be less than deadtime 1s"},
      {"initdead below deadtime", "[cluster]\npeer = \"d2\"\ninitdead = \"500ms\"", 3, 12,
       "cluster.initdead 500ms must be at least deadtime 1s"},
      {"port zero", "[cluster]\npeer = \"d2\"\nport = 0", 3, 8, "cluster.port 0 is out of range 1..65535"},
      {"port too large", "[cluster]\npeer = \"d2\"\nport = 65536", 3, 8, "out of range 1..65535"},
      {"port as a string", "[cluster]\npeer = \"d2\"\nport = \"694\"", 3, 8,
       "cluster.port must be an integer, not a string"},
      {"auto_failback as a word", "[cluster]\npeer = \"d2\"\nauto_failback = \"yes\"", 3, 17,
       "cluster.auto_failback must be true or false, not a string"},
      {"peer missing", "[cluster]\npreferred = \"d1\"", 1, 1, "cluster.peer is required"},
      {"peer is this node", "[cluster]\npeer = \"d1\"", 2, 8, "cluster.peer \"d1\" is this node's own name"},
      {"peer name with a space", "[cluster]\npeer = \"d 2\"", 2, 8, "cluster.peer contains whitespace"},
      {"preferred names a third node", "[cluster]\npeer = \"d2\"\npreferred = \"d3\"", 3, 13,
       "cluster.preferred \"d3\" must be this node (\"d1\") or the peer (\"d2\")"},
      {"empty authkeys path", "[cluster]\npeer = \"d2\"\nauthkeys = \"\"", 3, 12, "cluster.authkeys is empty"},
      {"ha.cf word used as a key", "[cluster]\npeer = \"d2\"\nkeepalive = \"1s\"", 3, 1,
       "unknown key \"keepalive\" in [cluster]"},
      // [[link]]
      {"link without a name", "[[link]]\ninterface = \"eth0\"\npeer = \"10.0.0.2\"", 1, 1,
       "link.name is required"},
      {"link with an empty name", "[[link]]\nname = \"\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"", 2, 8,
       "link.name is empty"},
      {"two links with one name",
       kLink + "[[link]]\nname = \"public\"\ninterface = \"eth1\"\npeer = \"10.1.0.2\"", 6, 8,
       "link name \"public\" is used twice (first on line 2)"},
      {"link without an interface", "[[link]]\nname = \"public\"\npeer = \"10.0.0.2\"", 1, 1,
       "link.interface is required"},
      {"empty interface", "[[link]]\nname = \"a\"\ninterface = \"\"\npeer = \"10.0.0.2\"", 3, 13,
       "link.interface is empty"},
      {"interface name too long", "[[link]]\nname = \"a\"\ninterface = \"eth0123456789abc\"\npeer = \"10.0.0.2\"",
       3, 13, "longer than 15 characters"},
      {"interface name with a slash", "[[link]]\nname = \"a\"\ninterface = \"eth/0\"\npeer = \"10.0.0.2\"",
       3, 13, "not allowed in interface names"},
      {"both peer and group",
       "[[link]]\nname = \"a\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\ngroup = \"239.0.0.1\"", 5, 9,
       "set peer (unicast) or group (multicast), not both"},
      {"neither peer nor group", "[[link]]\nname = \"a\"\ninterface = \"eth0\"", 1, 1,
       "link needs a destination"},
      {"unicast group", "[[link]]\nname = \"a\"\ninterface = \"eth0\"\ngroup = \"10.0.0.2\"", 4, 9,
       "link.group 10.0.0.2 is not a multicast address"},
      {"multicast peer", "[[link]]\nname = \"a\"\ninterface = \"eth0\"\npeer = \"239.0.0.1\"", 4, 8,
       "link.peer 239.0.0.1 is a multicast address; write group = \"239.0.0.1\""},
      {"peer given as a host name", "[[link]]\nname = \"a\"\ninterface = \"eth0\"\npeer = \"d2\"", 4, 8,
       "link.peer: \"d2\" is not an IPv4 or IPv6 address"},
      {"peer of the wrong type", "[[link]]\nname = \"a\"\ninterface = \"eth0\"\npeer = 10", 4, 8,
       "link.peer must be an IP address string, not an integer"},
      {"misspelt link key",
       "[[link]]\nname = \"a\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\nintreface = \"eth1\"", 5, 1,
       "unknown key \"intreface\" in [[link]]; did you mean \"interface\"?"},
      {"empty link array", "link = []", 1, 8, "at least one [[link]] is required"},
      {"link array of numbers", "link = [1]", 1, 9, "each link must be a table, not an integer"},
      {"[link] instead of [[link]]", "[link]\nname = \"a\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"", 1, 1,
       "link must be an array of tables: write [[link]], not [link]"},
      // [[vip]]
      {"VIP without a prefix length", "[[vip]]\naddress = \"10.0.0.100\"\ninterface = \"eth0\"", 2, 11,
       "vip.address: \"10.0.0.100\" needs a prefix length, e.g. \"10.0.0.100/32\""},
      {"IPv6 VIP without a prefix length", "[[vip]]\naddress = \"2001:db8::1\"\ninterface = \"eth0\"", 2, 11,
       "e.g. \"2001:db8::1/128\""},
      {"IPv4 prefix above 32", "[[vip]]\naddress = \"10.0.0.100/33\"\ninterface = \"eth0\"", 2, 11,
       "vip.address: prefix length \"33\" must be a number 0..32 for IPv4"},
      {"IPv6 prefix above 128", "[[vip]]\naddress = \"2001:db8::1/129\"\ninterface = \"eth0\"", 2, 11,
       "must be a number 0..128 for IPv6"},
      {"prefix length not a number", "[[vip]]\naddress = \"10.0.0.1/abc\"\ninterface = \"eth0\"", 2, 11,
       "prefix length \"abc\""},
      {"VIP address not an address", "[[vip]]\naddress = \"10.0.0.300/24\"\ninterface = \"eth0\"", 2, 11,
       "vip.address: \"10.0.0.300\" is not an IPv4 or IPv6 address"},
      {"VIP address missing", "[[vip]]\ninterface = \"eth0\"", 1, 1, "vip.address is required"},
      {"VIP address of the wrong type", "[[vip]]\naddress = 10\ninterface = \"eth0\"", 2, 11,
       "vip.address must be an address with a prefix length"},
      {"VIP without an interface", "[[vip]]\naddress = \"10.0.0.100/24\"", 1, 1, "vip.interface is required"},
      {"VIP with an empty interface", "[[vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"\"", 3, 13,
       "vip.interface is empty"},
      {"label on an IPv6 VIP",
       "[[vip]]\naddress = \"2001:db8::1/64\"\ninterface = \"eth0\"\nlabel = \"eth0:v6\"", 4, 9,
       "vip.label is for IPv4 addresses only"},
      {"label over 15 characters",
       "[[vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\nlabel = \"eth0:abcdefghijk\"", 4, 9,
       "vip.label \"eth0:abcdefghijk\" is longer than 15 characters"},
      {"label for another interface",
       "[[vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\nlabel = \"eth1:vip\"", 4, 9,
       "vip.label \"eth1:vip\" must start with the interface name \"eth0\""},
      {"empty label", "[[vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\nlabel = \"\"", 4, 9,
       "vip.label is empty"},
      {"the same VIP twice",
       "[[vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\n"
       "[[vip]]\naddress = \"10.0.0.100/32\"\ninterface = \"eth1\"",
       5, 11, "vip 10.0.0.100 is listed twice (first on line 2)"},
      {"[vip] instead of [[vip]]", "[vip]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"", 1, 1,
       "vip must be an array of tables: write [[vip]], not [vip]"},
      // [garp]
      {"garp count above 100", "[garp]\ncount = 101", 2, 9, "garp.count 101 is out of range 0..100"},
      {"garp count with a fraction", "[garp]\ncount = 1.5", 2, 9,
       "garp.count must be an integer, not a number with a fraction"},
      {"garp refresh as a number", "[garp]\nrefresh = 0", 2, 11, "garp.refresh: duration needs a unit"},
      {"misspelt garp key", "[garp]\nintervall = \"200ms\"", 2, 1,
       "unknown key \"intervall\" in [garp]; did you mean \"interval\"?"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    tandem::testing::expect_one_error(complete(c.head), c.line, c.column, c.message);
  }
}

TEST(ConfigTest, FileLevelProblemsHaveNoPosition) {
  {
    SCOPED_TRACE("no [[link]] at all");
    const auto r = parse_config(kCluster, "t.toml", kOptions);
    ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
    EXPECT_EQ(r.errors[0].format(),
              "t.toml: error: at least one [[link]] is required: the links heartbeats travel on");
  }
  {
    SCOPED_TRACE("no [cluster] at all");
    const auto r = parse_config(kLink, "t.toml", kOptions);
    ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
    EXPECT_EQ(r.errors[0].line, 0);
    EXPECT_NE(r.errors[0].message.find("cluster.peer is required"), std::string::npos);
  }
  {
    SCOPED_TRACE("no node name and no host name");
    const auto r = parse_config(kCluster + kLink, "t.toml", ParseOptions{""});
    ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
    EXPECT_EQ(r.errors[0].line, 0);
    EXPECT_NE(r.errors[0].message.find("node.name is not set"), std::string::npos);
  }
}

TEST(ConfigTest, SyntaxErrorIsOneLocatedError) {
  const std::vector<BadConfig> cases = {
      {"unclosed table header", "[node\nname = \"d1\"\n", 1, 0, ""},
      {"value missing", "[node]\nname =\n", 2, 0, ""},
      {"key defined twice", "[node]\nname = \"d1\"\nname = \"d2\"\n", 3, 0, ""},
      {"unterminated string", "[cluster]\npeer = \"d2\n", 2, 0, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto r = parse_config(c.head, "t.toml", kOptions);
    EXPECT_FALSE(r.config);
    ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
    EXPECT_EQ(r.errors[0].line, c.line) << r.errors[0].format();
    EXPECT_GT(r.errors[0].column, 0);
    EXPECT_EQ(r.errors[0].message.rfind("TOML syntax error", 0), 0u) << r.errors[0].format();
  }
}

TEST(ConfigTest, CollectsEveryErrorInFileOrder) {
  const std::string text =
      "[node]\n"                     // 1
      "priority = \"high\"\n"        // 2
      "[cluster]\n"                  // 3
      "peer = \"d1\"\n"              // 4
      "interval = 200\n"             // 5
      "port = 0\n"                   // 6
      "[[vip]]\n"                    // 7
      "address = \"10.0.0.1\"\n"     // 8
      "interface = \"eth0\"\n"       // 9
      "[garp]\n"                     // 10
      "count = -1\n";                // 11
  const auto r = parse_config(text, "t.toml", kOptions);
  EXPECT_FALSE(r.config);
  std::vector<std::string> lines;
  for (const auto& e : r.errors) lines.push_back(e.format());
  const std::vector<std::string> expected = {
      "t.toml:2:12: error: node.priority must be an integer, not a string",
      "t.toml:4:8: error: cluster.peer \"d1\" is this node's own name; set it to the other director's name",
      "t.toml:5:12: error: cluster.interval: duration needs a unit, e.g. \"200ms\"",
      "t.toml:6:8: error: cluster.port 0 is out of range 1..65535",
      "t.toml:8:11: error: vip.address: \"10.0.0.1\" needs a prefix length, e.g. \"10.0.0.1/32\"",
      "t.toml:11:9: error: garp.count -1 is out of range 0..100",
      "t.toml: error: at least one [[link]] is required: the links heartbeats travel on",
  };
  EXPECT_EQ(lines, expected);
}

TEST(ConfigTest, ThreeMistakesFileReportsAllThree) {
  const std::string path = TANDEM_TEST_DATA "/three_mistakes.toml";
  const auto r = load_config(path, kOptions);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 3u) << all_errors(r);
  struct Expected {
    const char* description;
    int line;
    int column;
    const char* message;
  };
  const Expected expected[] = {
      {"unknown key, at the key", 4, 1, "unknown key \"prority\" in [node]; did you mean \"priority\"?"},
      {"bare-number duration, at the value", 8, 12, "cluster.interval: duration needs a unit, e.g. \"200ms\""},
      {"bad address, at the value", 13, 8, "link.peer: \"10.0.0.256\" is not an IPv4 or IPv6 address"},
  };
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(expected[i].description);
    EXPECT_EQ(r.errors[i].file, path);
    EXPECT_EQ(r.errors[i].line, expected[i].line);
    EXPECT_EQ(r.errors[i].column, expected[i].column);
    EXPECT_EQ(r.errors[i].message, expected[i].message);
    EXPECT_EQ(r.errors[i].format(), path + ":" + std::to_string(expected[i].line) + ":" +
                                        std::to_string(expected[i].column) + ": error: " +
                                        expected[i].message);
  }
}

TEST(ConfigTest, ExampleFileIsValid) {
  const std::string path = TANDEM_TEST_DATA "/../../examples/tandem.toml";
  const auto r = load_config(path, ParseOptions{"some-host"});
  ASSERT_TRUE(r.config) << all_errors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.path, path);
  EXPECT_EQ(c.node.name, "d1");
  EXPECT_EQ(c.cluster.peer, "d2");
  EXPECT_EQ(c.cluster.preferred, "d1");
  EXPECT_EQ(c.links.size(), 2u);
  EXPECT_FALSE(c.vips.empty());
}

TEST(ConfigTest, MissingFileIsAnUnlocatedError) {
  const auto r = load_config("/nonexistent/tandem.toml", kOptions);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].format(),
            "/nonexistent/tandem.toml: error: cannot read configuration: No such file or directory");
}

TEST(ConfigTest, DirectoryIsNotAConfigFile) {
  const auto r = load_config(TANDEM_TEST_DATA, kOptions);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("not a regular file"), std::string::npos);
}

struct NameCase {
  const char* description;
  std::string name;
  bool node_ok;
  bool interface_ok;
};

TEST(ConfigNamesTest, NodeAndInterfaceRules) {
  const std::vector<NameCase> cases = {
      {"short name", "d1", true, true},
      {"dotted host name", "d1.example.com", true, true},
      {"VLAN interface", "eth0.100", true, true},
      {"empty", "", false, false},
      {"with a space", "d 1", false, false},
      {"with a tab", "d\t1", false, false},
      {"with DEL", "d\x7f", false, false},
      {"15 characters", std::string(15, 'e'), true, true},
      {"16 characters", std::string(16, 'e'), true, false},
      {"64 bytes", std::string(64, 'n'), true, false},
      {"65 bytes", std::string(65, 'n'), false, false},
      {"a colon (alias syntax)", "eth0:1", true, false},
      {"a slash", "eth/0", true, false},
      {"dot", ".", true, false},
      {"dot dot", "..", true, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    EXPECT_EQ(!node_name_problem(c.name), c.node_ok);
    EXPECT_EQ(!interface_problem(c.name), c.interface_ok);
  }
}

TEST(ConfigNamesTest, SuggestsOnlyNearMisses) {
  const std::vector<std::string_view> keys = {"interval", "deadtime", "warntime", "initdead"};
  EXPECT_EQ(closest_match("intervall", keys), "interval");
  EXPECT_EQ(closest_match("deadtim", keys), "deadtime");
  EXPECT_EQ(closest_match("warn_time", keys), "warntime");
  EXPECT_EQ(closest_match("keepalive", keys), "");
  EXPECT_EQ(closest_match(std::string(100, 'x'), keys), "");
}

}  // namespace
}  // namespace tandem::config
