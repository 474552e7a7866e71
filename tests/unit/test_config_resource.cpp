// Resources ([[resource]] of the group "default", [[group.resource]]) and
// the role-change hook [notify] in tandem.toml: what is read, every bad
// input with its located error, and what the configuration digest covers.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/digest.hpp"
#include "config_support.hpp"

namespace tandem::config {
namespace {

using namespace std::chrono_literals;
using testing::expect_one_error;

const std::string kBase =
    "[cluster]\npeer = \"d2\"\n[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n";
// Line numbers below count from the text after kBase: kBase is 6 lines.
constexpr int kL = 6;

// A [[group]] with one VIP: 5 lines.
std::string group(const std::string& name, const std::string& address) {
  return "[[group]]\nname = \"" + name + "\"\n[[group.vip]]\naddress = \"" + address + "\"\ninterface = \"eth0\"\n";
}

// A resource run by an agent: 3 lines.
std::string agent_resource(const std::string& table, const std::string& name, const std::string& agent) {
  return "[[" + table + "]]\nname = \"" + name + "\"\nagent = \"" + agent + "\"\n";
}

Config parse_ok(const std::string& text) {
  auto r = parse_config(text, "t.toml", testing::kParseOptions);
  EXPECT_TRUE(r.config) << testing::all_errors(r);
  return r.config ? *r.config : Config{};
}

TEST(ConfigResource, TopLevelResourcesAreTheGroupDefaultsInFileOrder) {
  const Config c = parse_ok(kBase + R"([[vip]]
address = "10.0.0.100/24"
interface = "eth0"

[[resource]]
name = "web-cache"
agent = "varnish"
args = ["eth0", "--fast"]
start_timeout = "45s"
stop_timeout = "1m"
on_start_failure = "ignore"
exclusive = false

[[resource]]
name = "mailer"
command = ["/usr/local/sbin/mailer-ctl", "--quiet"]

[[resource]]
name = "ldirectord"
agent = "ldirectord"
)");
  EXPECT_FALSE(c.named_groups);
  ASSERT_EQ(c.groups.size(), 1u);
  const auto& rs = c.groups[0].resources;
  ASSERT_EQ(rs.size(), 3u);

  const Resource& cache = rs[0];
  EXPECT_EQ(cache.name, "web-cache");
  EXPECT_EQ(cache.agent, "varnish");
  EXPECT_TRUE(cache.command.empty());
  EXPECT_EQ(cache.args, (std::vector<std::string>{"eth0", "--fast"}));
  EXPECT_EQ(cache.start_timeout, 45s);
  EXPECT_EQ(cache.stop_timeout, 60s);
  EXPECT_EQ(cache.on_start_failure, Resource::OnStartFailure::ignore);
  EXPECT_FALSE(cache.exclusive);

  const Resource& mailer = rs[1];
  EXPECT_EQ(mailer.name, "mailer");
  EXPECT_EQ(mailer.command, (std::vector<std::string>{"/usr/local/sbin/mailer-ctl", "--quiet"}));
  EXPECT_EQ(mailer.agent, "");
  EXPECT_TRUE(mailer.args.empty());

  EXPECT_EQ(rs[2].name, "ldirectord");
}

TEST(ConfigResource, Defaults) {
  const Config c = parse_ok(kBase + agent_resource("resource", "cache", "varnish"));
  ASSERT_EQ(c.groups[0].resources.size(), 1u);
  const Resource& r = c.groups[0].resources[0];
  Resource expected;
  expected.name = "cache";
  expected.agent = "varnish";
  EXPECT_EQ(r, expected);
  EXPECT_EQ(r.start_timeout, 30s);
  EXPECT_EQ(r.stop_timeout, 30s);
  EXPECT_EQ(r.on_start_failure, Resource::OnStartFailure::hand_over);
  EXPECT_TRUE(r.exclusive);
  EXPECT_TRUE(r.args.empty());
  EXPECT_TRUE(r.command.empty());
}

TEST(ConfigResource, NoResourcesAndNoNotify) {
  const Config c = parse_ok(kBase);
  EXPECT_TRUE(c.groups[0].resources.empty());
  EXPECT_FALSE(c.notify);
}

TEST(ConfigResource, GroupResourcesBelongToTheirGroupInFileOrder) {
  const Config c = parse_ok(kBase + group("web", "10.0.0.100/24") +
                            agent_resource("group.resource", "cache", "varnish") +
                            "[[group.resource]]\nname = \"stats\"\ncommand = [\"/usr/local/sbin/stats\"]\n"
                            "on_start_failure = \"hand-over\"\nexclusive = true\n" +
                            group("mail", "10.0.0.200/24") + agent_resource("group.resource", "postfix", "postfix") +
                            group("db", "10.0.0.250/24"));
  ASSERT_EQ(c.groups.size(), 3u);
  const auto& web = c.groups[0].resources;
  ASSERT_EQ(web.size(), 2u);
  EXPECT_EQ(web[0].name, "cache");
  EXPECT_EQ(web[0].agent, "varnish");
  EXPECT_EQ(web[1].name, "stats");
  EXPECT_EQ(web[1].command, std::vector<std::string>{"/usr/local/sbin/stats"});
  EXPECT_EQ(web[1].on_start_failure, Resource::OnStartFailure::hand_over);
  ASSERT_EQ(c.groups[1].resources.size(), 1u);
  EXPECT_EQ(c.groups[1].resources[0].name, "postfix");
  EXPECT_TRUE(c.groups[2].resources.empty());
}

TEST(ConfigResource, TheLimitsAreAccepted) {
  const std::string name(64, 'n');
  const std::string agent = "A-z_0.9" + std::string(57, 'a');
  const Config c = parse_ok(kBase + "[[resource]]\nname = \"" + name + "\"\nagent = \"" + agent +
                            "\"\nargs = []\nstart_timeout = \"1h\"\nstop_timeout = \"1ms\"\n");
  const Resource& r = c.groups[0].resources[0];
  EXPECT_EQ(r.name, name);
  EXPECT_EQ(r.agent, agent);
  EXPECT_EQ(r.start_timeout, 1h);
  EXPECT_EQ(r.stop_timeout, 1ms);
}

// heartbeat's guides: haresources `plate 192.168.0.148 ldirectord`, as
// written in examples/tandem.toml.
TEST(ConfigResource, TheHaresourcesLineOfTheGuides) {
  const Config c = parse_ok(R"([node]
name = "plate"
[cluster]
peer = "spoon"
preferred = "plate"
[[link]]
name = "public"
interface = "eth0"
peer = "192.168.0.2"
[[vip]]
address = "192.168.0.148/24"
interface = "eth0"
[[resource]]
name = "ldirectord"
agent = "ldirectord"
)");
  const Group& g = c.groups[0];
  EXPECT_EQ(g.preferred, "plate");
  ASSERT_EQ(g.vips.size(), 1u);
  EXPECT_EQ(g.vips[0].address.str(), "192.168.0.148/24");
  ASSERT_EQ(g.resources.size(), 1u);
  EXPECT_EQ(g.resources[0].agent, "ldirectord");
  EXPECT_TRUE(g.resources[0].args.empty());
}

TEST(ConfigResource, ExampleFileHasAResourceAndNotify) {
  const auto r = load_config(TANDEM_TEST_DATA "/../../examples/tandem.toml", ParseOptions{"some-host"});
  ASSERT_TRUE(r.config) << testing::all_errors(r);
  ASSERT_FALSE(r.config->groups[0].resources.empty());
  EXPECT_TRUE(r.config->notify);
}

TEST(ConfigResource, NamesOfOnStartFailure) {
  EXPECT_EQ(name_of(Resource::OnStartFailure::hand_over), "hand-over");
  EXPECT_EQ(name_of(Resource::OnStartFailure::ignore), "ignore");
}

// ---- bad input ---------------------------------------------------------

using Bad = testing::BadAfterBase;

class ConfigResourceBad : public ::testing::TestWithParam<Bad> {};

TEST_P(ConfigResourceBad, IsRefusedAtItsPlace) {
  const Bad& b = GetParam();
  expect_one_error(kBase + b.text, kL + b.line, b.column, b.message);
}

// [[resource]] and name = "r": 2 lines, then `rest`.
std::string res(const std::string& rest) { return "[[resource]]\nname = \"r\"\n" + rest; }

const std::string kWeb = group("web", "10.0.0.100/24");  // 5 lines

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigResourceBad,
    ::testing::Values(
        // The two forms.
        Bad{"resource before a group", agent_resource("resource", "cache", "varnish") + kWeb, 1, 1,
            "[[resource]] cannot be used with [[group]]: write [[group.resource]] in its group"},
        Bad{"resources after a group, the first is pointed at",
            kWeb + agent_resource("resource", "a", "x") + agent_resource("resource", "b", "y"), 6, 1,
            "[[resource]] cannot be used with [[group]]"},
        Bad{"group.resource before any group", agent_resource("group.resource", "cache", "varnish"), 1, 1,
            "[[group.resource]] must follow a [[group]]"},
        Bad{"resource as a single table", "[resource]\nname = \"r\"\nagent = \"x\"\n", 1, 1,
            "resource must be an array of tables: write [[resource]], not [resource]"},
        Bad{"group.resource not a table",
            "[[group]]\nname = \"web\"\nresource = 1\n[[group.vip]]\naddress = \"10.0.0.100/24\"\n"
            "interface = \"eth0\"\n",
            3, 12, "group.resource must be an array of tables ([[group.resource]]), not an integer"},
        Bad{"misspelt table", "[[resources]]\nname = \"r\"\n", 1, 3,
            "unknown table [[resources]]; did you mean [[resource]]?"},
        // name
        Bad{"no name", "[[resource]]\nagent = \"varnish\"\n", 1, 1,
            "resource.name is required: every resource needs a unique name"},
        Bad{"no name in a group", kWeb + "[[group.resource]]\nagent = \"varnish\"\n", 6, 1,
            "group.resource.name is required"},
        Bad{"name not a string", "[[resource]]\nname = 3\nagent = \"x\"\n", 2, 8, "resource.name must be a string"},
        Bad{"empty name", agent_resource("resource", "", "x"), 2, 8,
            "resource.name \"\" must be 1 to 64 characters of A-Z, a-z, 0-9, \"_\", \".\" and \"-\""},
        Bad{"name with a slash", agent_resource("resource", "a/b", "x"), 2, 8,
            "resource.name \"a/b\" must be 1 to 64 characters"},
        Bad{"name with a space", agent_resource("resource", "a b", "x"), 2, 8, "must be 1 to 64 characters"},
        Bad{"name too long", agent_resource("resource", std::string(65, 'n'), "x"), 2, 8,
            "must be 1 to 64 characters"},
        Bad{"name twice", agent_resource("resource", "cache", "x") + agent_resource("resource", "cache", "y"), 5, 8,
            "resource name \"cache\" is used twice (first on line 8)"},
        Bad{"name twice in two groups",
            kWeb + agent_resource("group.resource", "cache", "x") + group("mail", "10.0.0.200/24") +
                agent_resource("group.resource", "cache", "y"),
            15, 8, "resource name \"cache\" is used twice (first on line 13)"},
        // command and agent
        Bad{"neither command nor agent", res(""), 1, 1,
            "[[resource]] needs command = [\"/path/of/program\", ...] or agent = \"NAME\""},
        Bad{"neither in a group", kWeb + "[[group.resource]]\nname = \"r\"\n", 6, 1,
            "[[group.resource]] needs command = "},
        Bad{"both command and agent", res("command = [\"/usr/sbin/x\"]\nagent = \"x\"\n"), 4, 9,
            "resource.agent cannot be used with command"},
        Bad{"command empty", res("command = []\n"), 3, 11, "resource.command is empty"},
        Bad{"command not an array", res("command = \"/usr/sbin/x\"\n"), 3, 11,
            "resource.command must be an array of strings"},
        Bad{"command relative", res("command = [\"x-ctl\", \"a\"]\n"), 3, 12,
            "resource.command: the program \"x-ctl\" must be an absolute path"},
        Bad{"command argument not a string", res("command = [\"/usr/sbin/x\", 1]\n"), 3, 27,
            "resource.command: each argument must be a string, not an integer"},
        Bad{"group command relative", kWeb + "[[group.resource]]\nname = \"r\"\ncommand = [\"x\"]\n", 8, 12,
            "group.resource.command: the program \"x\" must be an absolute path"},
        Bad{"args with command", res("command = [\"/usr/sbin/x\"]\nargs = [\"a\"]\n"), 4, 8,
            "resource.args is only for agent"},
        Bad{"args not an array", res("agent = \"x\"\nargs = \"a\"\n"), 4, 8,
            "resource.args must be an array of strings"},
        Bad{"args element not a string", res("agent = \"x\"\nargs = [\"a\", true]\n"), 4, 14,
            "resource.args: each argument must be a string, not a boolean"},
        Bad{"agent not a string", res("agent = [\"x\"]\n"), 3, 9, "resource.agent must be a string"},
        Bad{"agent a path", res("agent = \"/etc/init.d/x\"\n"), 3, 9,
            "resource.agent \"/etc/init.d/x\" must be a file name of 1 to 64 characters"},
        Bad{"agent up a directory", res("agent = \"../x\"\n"), 3, 9, "resource.agent \"../x\" must be a file name"},
        Bad{"agent dot", res("agent = \".\"\n"), 3, 9, "not \".\" or \"..\""},
        Bad{"agent dot dot", res("agent = \"..\"\n"), 3, 9, "resource.agent \"..\" must be a file name"},
        Bad{"agent empty", res("agent = \"\"\n"), 3, 9, "resource.agent \"\" must be a file name"},
        Bad{"agent too long", res("agent = \"" + std::string(65, 'a') + "\"\n"), 3, 9,
            "must be a file name of 1 to 64"},
        Bad{"agent with a space", res("agent = \"x y\"\n"), 3, 9, "must be a file name"},
        // timeouts
        Bad{"start_timeout 0s", res("agent = \"x\"\nstart_timeout = \"0s\"\n"), 4, 17,
            "resource.start_timeout must be longer than 0s"},
        Bad{"start_timeout over an hour", res("agent = \"x\"\nstart_timeout = \"61m\"\n"), 4, 17,
            "resource.start_timeout 61m must be at most 1h"},
        Bad{"stop_timeout without a unit", res("agent = \"x\"\nstop_timeout = 30\n"), 4, 16,
            "resource.stop_timeout: duration needs a unit"},
        Bad{"stop_timeout 0s", res("agent = \"x\"\nstop_timeout = \"0ms\"\n"), 4, 16,
            "resource.stop_timeout must be longer than 0s"},
        Bad{"stop_timeout two hours", res("agent = \"x\"\nstop_timeout = \"2h\"\n"), 4, 16,
            "resource.stop_timeout 2h must be at most 1h"},
        Bad{"stop_timeout not a duration", res("agent = \"x\"\nstop_timeout = \"soon\"\n"), 4, 16,
            "resource.stop_timeout: "},
        Bad{"group start_timeout 0s",
            kWeb + "[[group.resource]]\nname = \"r\"\nagent = \"x\"\nstart_timeout = \"0s\"\n", 9, 17,
            "group.resource.start_timeout must be longer than 0s"},
        // on_start_failure, exclusive
        Bad{"on_start_failure misspelt", res("agent = \"x\"\non_start_failure = \"handover\"\n"), 4, 20,
            "resource.on_start_failure \"handover\" must be \"hand-over\" or \"ignore\"; did you mean \"hand-over\"?"},
        Bad{"on_start_failure unknown", res("agent = \"x\"\non_start_failure = \"restart\"\n"), 4, 20,
            "resource.on_start_failure \"restart\" must be \"hand-over\" or \"ignore\""},
        Bad{"on_start_failure not a string", res("agent = \"x\"\non_start_failure = false\n"), 4, 20,
            "resource.on_start_failure must be one of \"hand-over\" or \"ignore\", not a boolean"},
        Bad{"exclusive not a boolean", res("agent = \"x\"\nexclusive = \"yes\"\n"), 4, 13,
            "resource.exclusive must be true or false"},
        // unknown keys
        Bad{"misspelt key", res("agent = \"x\"\nexclusiv = true\n"), 4, 1,
            "unknown key \"exclusiv\" in [[resource]]; did you mean \"exclusive\"?"},
        Bad{"misspelt key in a group",
            kWeb + "[[group.resource]]\nname = \"r\"\nagent = \"x\"\nstop_timout = \"1s\"\n", 9, 1,
            "unknown key \"stop_timout\" in [[group.resource]]; did you mean \"stop_timeout\"?"},
        Bad{"sub-table", res("agent = \"x\"\n[resource.env]\nA = \"1\"\n"), 4, 11,
            "unknown table [resource.env]; [[resource]] has no sub-tables"},
        Bad{"unknown table in a group", kWeb + "[group.resources]\n", 6, 8,
            "unknown table [group.resources]; the tables in [[group]] are [[group.vip]] and [[group.resource]]"}),
    testing::case_name<Bad>);

TEST(ConfigResource, KeysOutsideAnyTableAreShownTheirHome) {
  expect_one_error("start_timeout = \"1s\"\n" + kBase, 1, 1,
                   "unknown key \"start_timeout\" outside any table; it belongs in [[resource]]");
  expect_one_error("on_start_failure = \"ignore\"\n" + kBase, 1, 1, "it belongs in [[resource]]");
  expect_one_error("command = [\"/bin/true\"]\n" + kBase, 1, 1,
                   "it belongs in [[resource]] or [[track]] or [notify]");
  expect_one_error("colour = 1\n" + kBase, 1, 1,
                   "settings go in [node], [cluster], [[link]], [[vip]], [[resource]], [[group]], [garp], [[track]], "
                   "[[virtual_server]], [sync], [notify], [metrics] or [ipvs]");
}

// ---- [notify] ----------------------------------------------------------

TEST(ConfigNotify, ReadsCommandAndTimeout) {
  const Config c = parse_ok(kBase + "[notify]\ncommand = [\"/usr/local/sbin/tandem-notify\", \"--mail\"]\n"
                                    "timeout = \"2.5s\"\n");
  ASSERT_TRUE(c.notify);
  EXPECT_EQ(c.notify->command, (std::vector<std::string>{"/usr/local/sbin/tandem-notify", "--mail"}));
  EXPECT_EQ(c.notify->timeout, 2500ms);
}

TEST(ConfigNotify, TimeoutDefaultsToTenSeconds) {
  const Config c = parse_ok(kBase + "[notify]\ncommand = [\"/usr/bin/logger\", \"-t\", \"tandem\"]\n");
  ASSERT_TRUE(c.notify);
  EXPECT_EQ(c.notify->timeout, 10s);
  EXPECT_EQ(c.notify->command.size(), 3u);
}

TEST(ConfigNotify, AnHourIsTheLongestTimeout) {
  const Config c = parse_ok(kBase + "[notify]\ncommand = [\"/bin/true\"]\ntimeout = \"60m\"\n");
  EXPECT_EQ(c.notify->timeout, 1h);
}

class ConfigNotifyBad : public ::testing::TestWithParam<Bad> {};

TEST_P(ConfigNotifyBad, IsRefusedAtItsPlace) {
  const Bad& b = GetParam();
  expect_one_error(kBase + b.text, kL + b.line, b.column, b.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigNotifyBad,
    ::testing::Values(
        Bad{"no command", "[notify]\ntimeout = \"1s\"\n", 1, 1,
            "notify.command is required: the program and its arguments"},
        Bad{"empty table", "[notify]\n", 1, 1, "notify.command is required"},
        Bad{"command empty", "[notify]\ncommand = []\n", 2, 11, "notify.command is empty"},
        Bad{"command relative", "[notify]\ncommand = [\"tandem-notify\"]\n", 2, 12,
            "notify.command: the program \"tandem-notify\" must be an absolute path"},
        Bad{"command a string", "[notify]\ncommand = \"/usr/sbin/x\"\n", 2, 11,
            "notify.command must be an array of strings"},
        Bad{"command argument not a string", "[notify]\ncommand = [\"/usr/sbin/x\", 2]\n", 2, 27,
            "notify.command: each argument must be a string, not an integer"},
        Bad{"timeout 0s", "[notify]\ncommand = [\"/bin/true\"]\ntimeout = \"0s\"\n", 3, 11,
            "notify.timeout must be longer than 0s"},
        Bad{"timeout over an hour", "[notify]\ncommand = [\"/bin/true\"]\ntimeout = \"3601s\"\n", 3, 11,
            "notify.timeout 3601s must be at most 1h"},
        Bad{"timeout without a unit", "[notify]\ncommand = [\"/bin/true\"]\ntimeout = 10\n", 3, 11,
            "notify.timeout: duration needs a unit"},
        Bad{"misspelt key", "[notify]\ncommand = [\"/bin/true\"]\ntimout = \"1s\"\n", 3, 1,
            "unknown key \"timout\" in [notify]; did you mean \"timeout\"?"},
        Bad{"args is not a notify key", "[notify]\ncommand = [\"/bin/true\"]\nargs = []\n", 3, 1,
            "unknown key \"args\" in [notify]"},
        Bad{"sub-table", "[notify]\ncommand = [\"/bin/true\"]\n[notify.env]\n", 3, 9,
            "unknown table [notify.env]; [notify] has no sub-tables"},
        Bad{"array of tables", "[[notify]]\ncommand = [\"/bin/true\"]\n", 1, 1,
            "notify must be a single table: write [notify], not [[notify]]"},
        Bad{"not a table", "[node]\nnotify = 1\n", 2, 1, "unknown key \"notify\" in [node]"},
        Bad{"misspelt table", "[notfy]\ncommand = [\"/bin/true\"]\n", 1, 2,
            "unknown table [notfy]; did you mean [notify]?"}),
    testing::case_name<Bad>);

// ---- digest ------------------------------------------------------------

// A pair's file with two groups; `web_resources` and `mail_resources` are
// appended to each group, `tail` to the file.
std::string pair_file(const std::string& web_resources, const std::string& mail_resources = "",
                      const std::string& tail = "") {
  return kBase + group("web", "10.0.0.100/24") + web_resources + group("mail", "10.0.0.200/24") + mail_resources +
         "[[virtual_server]]\naddress = \"10.0.0.100:80\"\n[[virtual_server.real]]\naddress = \"10.0.1.11\"\n"
         "[[track]]\nname = \"gateway\"\ntype = \"ping\"\naddress = \"10.0.0.254\"\n" +
         tail;
}

ConfigDigest digest_of_text(const std::string& text) {
  const auto r = parse_config(text, "t.toml", testing::kParseOptions);
  EXPECT_TRUE(r.config) << text << testing::all_errors(r);
  return r.config ? digest_of(*r.config) : ConfigDigest{};
}

const std::string kCache = agent_resource("group.resource", "cache", "varnish");
const std::string kStats = "[[group.resource]]\nname = \"stats\"\ncommand = [\"/usr/local/sbin/stats\"]\n";

TEST(ConfigResourceDigest, EachResourceChangeShowsInTheGroupsPart) {
  const ConfigDigest base = digest_of_text(pair_file(kCache + kStats));
  struct Case {
    const char* what;
    std::string text;
  };
  const Case cases[] = {
      {"a resource added", pair_file(kCache + kStats, agent_resource("group.resource", "postfix", "postfix"))},
      {"a resource removed", pair_file(kCache)},
      {"the order changed", pair_file(kStats + kCache)},
      {"a resource moved to another group", pair_file(kStats, kCache)},
      {"a name changed", pair_file(agent_resource("group.resource", "cache2", "varnish") + kStats)},
      {"an agent changed", pair_file(agent_resource("group.resource", "cache", "squid") + kStats)},
      {"args added", pair_file(kCache + "args = [\"eth0\"]\n" + kStats)},
      {"a command argument added",
       pair_file(kCache + "[[group.resource]]\nname = \"stats\"\ncommand = [\"/usr/local/sbin/stats\", \"-v\"]\n")},
      {"start_timeout changed", pair_file(kCache + "start_timeout = \"31s\"\n" + kStats)},
      {"stop_timeout changed", pair_file(kCache + "stop_timeout = \"10s\"\n" + kStats)},
      {"on_start_failure changed", pair_file(kCache + "on_start_failure = \"ignore\"\n" + kStats)},
      {"exclusive changed", pair_file(kCache + "exclusive = false\n" + kStats)},
  };
  for (const Case& c : cases) {
    const ConfigDigest changed = digest_of_text(c.text);
    EXPECT_EQ(digest_differences(base, changed), std::vector<std::string>{"groups and VIPs"}) << c.what;
  }
}

TEST(ConfigResourceDigest, DefaultsWrittenOutGiveTheSameDigest) {
  EXPECT_EQ(digest_of_text(pair_file(kCache)),
            digest_of_text(pair_file(kCache + "start_timeout = \"30s\"\nstop_timeout = \"30000ms\"\n"
                                              "on_start_failure = \"hand-over\"\nexclusive = true\nargs = []\n")));
}

TEST(ConfigResourceDigest, NotifyIsLeftOut) {
  const ConfigDigest without = digest_of_text(pair_file(kCache));
  const ConfigDigest with = digest_of_text(pair_file(kCache, "", "[notify]\ncommand = [\"/usr/local/sbin/a\"]\n"));
  const ConfigDigest other = digest_of_text(
      pair_file(kCache, "", "[notify]\ncommand = [\"/usr/local/sbin/b\", \"-x\"]\ntimeout = \"1m\"\n"));
  EXPECT_EQ(without, with);
  EXPECT_EQ(with, other);
}

TEST(ConfigResourceDigest, TheOldFormIsTheGroupDefault) {
  const std::string link = "[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n";
  const std::string old_form = "[cluster]\npeer = \"d2\"\n" + link +
                               "[[vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\n" +
                               agent_resource("resource", "cache", "varnish");
  const std::string named = "[cluster]\npeer = \"d2\"\n" + link + group("default", "10.0.0.100/24") +
                            agent_resource("group.resource", "cache", "varnish");
  EXPECT_EQ(digest_of_text(old_form), digest_of_text(named));
}

}  // namespace
}  // namespace tandem::config
