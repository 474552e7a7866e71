// What a reload changes: diff_config on table-driven cases, each an edit of
// one base configuration.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "builders.hpp"
#include "daemon/config_diff.hpp"

using namespace tandem;
using namespace tandem::daemon;
using namespace std::chrono_literals;

namespace {

using tandem::testing::make_link;
using tandem::testing::make_vip;

config::Config base() { return tandem::testing::pair_config(); }

std::vector<std::string> names(const std::vector<config::Vip>& vips) {
  std::vector<std::string> out;
  for (const auto& v : vips) out.push_back(v.address.str() + " " + v.interface + " " + v.label);
  return out;
}

struct Expect {
  std::vector<std::string> refused;
  std::vector<std::size_t> links_to_reopen;
  std::vector<std::string> links_closed;
  std::vector<std::string> vips_added;    // "ADDRESS INTERFACE LABEL"
  std::vector<std::string> vips_removed;
  bool authkeys_path_changed = false;
  bool election_changed = false;
  bool realtime_changed = false;
};

struct Case {
  const char* description;
  std::function<void(config::Config&)> edit;
  Expect expect;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"no change: nothing to do", [](config::Config&) {}, {}},
      {"only the file's path differs: nothing to do",
       [](config::Config& c) { c.path = "/tmp/copy.toml"; }, {}},
      {"node name changed: refused, a rename needs a restart",
       [](config::Config& c) { c.node.name = "d3"; },
       {.refused = {"node.name changed from \"d1\" to \"d3\"; restart tandemd to rename a node"}}},
      {"peer changed: refused, a new peer needs a restart",
       [](config::Config& c) { c.cluster.peer = "d9"; },
       {.refused = {"cluster.peer changed from \"d2\" to \"d9\"; restart tandemd to change the peer"}}},
      {"node and peer swapped: both refused",
       [](config::Config& c) { std::swap(c.node.name, c.cluster.peer); },
       {.refused = {"node.name changed from \"d1\" to \"d2\"; restart tandemd to rename a node",
                    "cluster.peer changed from \"d2\" to \"d1\"; restart tandemd to change the peer"}}},
      {"one link's interface changed: only that link is reopened",
       [](config::Config& c) { c.links[1].interface = "eth2"; },
       {.links_to_reopen = {1}, .links_closed = {"private"}}},
      {"one link's peer address changed: only that link is reopened",
       [](config::Config& c) { c.links[0].peer = config::IpAddress::parse("10.0.0.3"); },
       {.links_to_reopen = {0}, .links_closed = {"public"}}},
      {"a link turned from unicast to multicast: reopened",
       [](config::Config& c) {
         c.links[0].peer.reset();
         c.links[0].group = config::IpAddress::parse("239.0.0.1");
       },
       {.links_to_reopen = {0}, .links_closed = {"public"}}},
      {"a link renamed: reopened",
       [](config::Config& c) { c.links[1].name = "crossover"; },
       {.links_to_reopen = {1}, .links_closed = {"private"}}},
      {"port changed: every link is reopened",
       [](config::Config& c) { c.cluster.port = 695; },
       {.links_to_reopen = {0, 1}, .links_closed = {"public", "private"}}},
      {"port and one interface changed: every link reopened once",
       [](config::Config& c) {
         c.cluster.port = 695;
         c.links[0].interface = "eth5";
       },
       {.links_to_reopen = {0, 1}, .links_closed = {"public", "private"}}},
      {"a link added: only the new one is opened",
       [](config::Config& c) { c.links.push_back(make_link("backup", "eth3", "172.16.0.2")); },
       {.links_to_reopen = {2}}},
      {"links reordered: nothing reopened",
       [](config::Config& c) { std::swap(c.links[0], c.links[1]); }, {}},
      {"a link removed: nothing to open, the old link is closed",
       [](config::Config& c) { c.links.pop_back(); }, {.links_closed = {"private"}}},
      {"a VIP added",
       [](config::Config& c) { c.vips.push_back(make_vip("10.0.0.101/24")); },
       {.vips_added = {"10.0.0.101/24 eth0 "}}},
      {"a VIP removed",
       [](config::Config& c) { c.vips.erase(c.vips.begin()); },
       {.vips_removed = {"10.0.0.100/24 eth0 eth0:vip"}}},
      {"a VIP's prefix length changed: the old one removed, the new one added",
       [](config::Config& c) { c.vips[0].address.length = 25; },
       {.vips_added = {"10.0.0.100/25 eth0 eth0:vip"}, .vips_removed = {"10.0.0.100/24 eth0 eth0:vip"}}},
      {"a VIP moved to another interface: removed and added",
       [](config::Config& c) { c.vips[1].interface = "eth1"; },
       {.vips_added = {"2001:db8::100/64 eth1 "}, .vips_removed = {"2001:db8::100/64 eth0 "}}},
      {"a VIP's label changed: removed and added",
       [](config::Config& c) { c.vips[0].label = "eth0:web"; },
       {.vips_added = {"10.0.0.100/24 eth0 eth0:web"}, .vips_removed = {"10.0.0.100/24 eth0 eth0:vip"}}},
      {"VIPs reordered: nothing to do",
       [](config::Config& c) { std::swap(c.vips[0], c.vips[1]); }, {}},
      {"all VIPs removed",
       [](config::Config& c) { c.vips.clear(); },
       {.vips_removed = {"10.0.0.100/24 eth0 eth0:vip", "2001:db8::100/64 eth0 "}}},
      {"priority changed: election", [](config::Config& c) { c.node.priority = 50; },
       {.election_changed = true}},
      {"preferred changed: election", [](config::Config& c) { c.cluster.preferred = "d2"; },
       {.election_changed = true}},
      {"preferred cleared: election", [](config::Config& c) { c.cluster.preferred.clear(); },
       {.election_changed = true}},
      {"auto_failback turned on: election", [](config::Config& c) { c.cluster.auto_failback = true; },
       {.election_changed = true}},
      {"interval changed: timing", [](config::Config& c) { c.cluster.interval = 100ms; },
       {.election_changed = true}},
      {"deadtime changed: timing", [](config::Config& c) { c.cluster.deadtime = 2s; },
       {.election_changed = true}},
      {"warntime changed: timing", [](config::Config& c) { c.cluster.warntime = 500ms; },
       {.election_changed = true}},
      {"initdead changed: timing", [](config::Config& c) { c.cluster.initdead = 10s; },
       {.election_changed = true}},
      {"garp count changed", [](config::Config& c) { c.garp.count = 1; }, {.election_changed = true}},
      {"garp interval changed", [](config::Config& c) { c.garp.interval = 50ms; },
       {.election_changed = true}},
      {"garp refresh turned on", [](config::Config& c) { c.garp.refresh = 30s; },
       {.election_changed = true}},
      {"realtime priority turned on: scheduling only",
       [](config::Config& c) { c.node.realtime_priority = 50; }, {.realtime_changed = true}},
      {"memory locking turned on: scheduling only", [](config::Config& c) { c.node.lock_memory = true; },
       {.realtime_changed = true}},
      {"authkeys path changed: new keys, nothing else",
       [](config::Config& c) { c.cluster.authkeys = "/etc/tandem/authkeys.new"; },
       {.authkeys_path_changed = true}},
      {"several changes at once",
       [](config::Config& c) {
         c.node.priority = 200;
         c.cluster.authkeys = "/etc/tandem/keys";
         c.links[1].interface = "bond0";
         c.vips.push_back(make_vip("10.0.0.102/24"));
       },
       {.links_to_reopen = {1},
        .links_closed = {"private"},
        .vips_added = {"10.0.0.102/24 eth0 "},
        .authkeys_path_changed = true,
        .election_changed = true}},
  };
  return all;
}

}  // namespace

TEST(ConfigDiff, Table) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.description);
    const config::Config old_cfg = base();
    config::Config new_cfg = base();
    c.edit(new_cfg);
    const ConfigDiff d = diff_config(old_cfg, new_cfg);
    EXPECT_EQ(d.refused, c.expect.refused);
    EXPECT_EQ(d.links_to_reopen, c.expect.links_to_reopen);
    // Every new link is either kept from an old one or opened.
    ASSERT_EQ(d.links_kept.size(), new_cfg.links.size());
    for (std::size_t i = 0; i < new_cfg.links.size(); ++i) {
      const bool opened = std::find(d.links_to_reopen.begin(), d.links_to_reopen.end(), i) != d.links_to_reopen.end();
      EXPECT_EQ(!d.links_kept[i].has_value(), opened) << i;
      if (d.links_kept[i]) {
        EXPECT_TRUE(old_cfg.links[*d.links_kept[i]] == new_cfg.links[i]) << i;
      }
    }
    EXPECT_EQ(d.links_closed, c.expect.links_closed);
    EXPECT_EQ(names(d.vips_added), c.expect.vips_added);
    EXPECT_EQ(names(d.vips_removed), c.expect.vips_removed);
    EXPECT_EQ(d.authkeys_path_changed, c.expect.authkeys_path_changed);
    EXPECT_EQ(d.election_changed, c.expect.election_changed);
    EXPECT_EQ(d.realtime_changed, c.expect.realtime_changed);
    const bool nothing = c.expect.refused.empty() && c.expect.links_to_reopen.empty() &&
                         c.expect.links_closed.empty() &&
                         c.expect.vips_added.empty() && c.expect.vips_removed.empty() &&
                         !c.expect.authkeys_path_changed && !c.expect.election_changed &&
                         !c.expect.realtime_changed;
    EXPECT_EQ(d.empty(), nothing);
  }
}

TEST(ConfigDiff, EmptyReportsEachKindOfChange) {
  ConfigDiff d;
  EXPECT_TRUE(d.empty());
  d.refused.push_back("x");
  EXPECT_FALSE(d.empty());
  d = {};
  d.links_to_reopen.push_back(0);
  EXPECT_FALSE(d.empty());
  d = {};
  d.vips_added.push_back(make_vip("10.0.0.1/32"));
  EXPECT_FALSE(d.empty());
  d = {};
  d.vips_removed.push_back(make_vip("10.0.0.1/32"));
  EXPECT_FALSE(d.empty());
  d = {};
  d.authkeys_path_changed = true;
  EXPECT_FALSE(d.empty());
  d = {};
  d.election_changed = true;
  EXPECT_FALSE(d.empty());
  d = {};
  d.realtime_changed = true;
  EXPECT_FALSE(d.empty());
}

TEST(ConfigDiff, ReversedEditSwapsAddedAndRemoved) {
  config::Config a = base();
  config::Config b = base();
  b.vips.push_back(make_vip("10.0.0.101/24"));
  EXPECT_EQ(names(diff_config(a, b).vips_added), std::vector<std::string>{"10.0.0.101/24 eth0 "});
  EXPECT_EQ(names(diff_config(b, a).vips_removed), std::vector<std::string>{"10.0.0.101/24 eth0 "});
  EXPECT_TRUE(diff_config(b, a).vips_added.empty());
}

TEST(ConfigDiff, GroupsAddedRemovedAndChangedByName) {
  auto group = [](const char* name, const char* preferred, const char* vip) {
    config::Group g;
    g.name = name;
    g.preferred = preferred;
    g.vips = {make_vip(vip)};
    return g;
  };
  config::Config a = base();
  a.named_groups = true;
  a.groups = {group("web", "d1", "10.0.0.100/24"), group("mail", "d2", "10.0.0.101/24")};
  config::Config b = a;
  b.groups[0].preferred = "d2";                       // web moves
  b.groups[1] = group("db", "d2", "10.0.0.102/24");  // mail goes, db comes
  const ConfigDiff d = diff_config(a, b);
  EXPECT_EQ(d.groups_added, std::vector<std::string>{"db"});
  EXPECT_EQ(d.groups_removed, std::vector<std::string>{"mail"});
  EXPECT_EQ(d.groups_changed, std::vector<std::string>{"web"});
  EXPECT_FALSE(d.empty());
  EXPECT_TRUE(diff_config(a, a).groups_changed.empty());
  EXPECT_TRUE(diff_config(a, a).empty());
}
