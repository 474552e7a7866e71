// Failover groups (failover/groups.hpp) on a manual clock: two simulated
// nodes, each running one GroupsState, over two lossless links with 1 ms
// latency, carrying out the actions as the daemon does. The cases are a
// table, one line each; the form without [[group]] is also checked to
// pass the single machine's actions through unchanged.
#include "groups_sim.hpp"

using namespace tandem::testing::groups_sim;

namespace {

struct Case {
  const char* description;
  std::function<GroupsParams(const std::string&)> params;
  std::function<void(Sim&)> run;
};

GroupsParams both_failback(const std::string& n) { return pair(n, true, true); }
GroupsParams no_failback(const std::string& n) { return pair(n, false, false); }
GroupsParams web_failback_only(const std::string& n) { return pair(n, true, false); }
GroupsParams staged_web(const std::string& n) {
  GroupsParams p = pair(n, false, false);
  p.groups[0].forward_stage = 300ms;  // web's virtual servers forward on handover
  return p;
}

const Case cases[] = {
    {"two groups preferring different nodes: each node is active for its own group", both_failback,
     [](Sim& sim) {
       sim.start_both();
       sim.run_for(500ms);  // inside initdead: decided by election
       EXPECT_EQ(sim.role(0, "web"), Role::active);
       EXPECT_EQ(sim.role(0, "mail"), Role::backup);
       EXPECT_EQ(sim.role(1, "web"), Role::backup);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
       EXPECT_TRUE(sim.holds(0, web_vip) && !sim.holds(0, mail_vip));
       EXPECT_TRUE(sim.holds(1, mail_vip) && !sim.holds(1, web_vip));
       sim.run_for(5s);
       EXPECT_EQ(sim.holders(web_vip), 1);
       EXPECT_EQ(sim.holders(mail_vip), 1);
       // Each runs the master sync daemon for its group and the backup for the other's.
       for (int i = 0; i < 2; ++i) {
         ASSERT_TRUE(sim.node(i).sync);
         EXPECT_TRUE(sim.node(i).sync->master);
         EXPECT_TRUE(sim.node(i).sync->both);
       }
       EXPECT_EQ(sim.node(0).announced[web_vip], 3);
       EXPECT_EQ(sim.node(0).announced.count(mail_vip), 0u);
     }},
    {"the peer dies: the survivor holds both groups within deadtime + 2 intervals, announcing each", both_failback,
     [](Sim& sim) {
       settle(sim);
       sim.power_off(0);
       auto took = sim.run_until([&] { return sim.role(1, "web") == Role::active; }, 2s);
       ASSERT_TRUE(took);
       EXPECT_LE(*took, deadtime + 2 * interval);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
       EXPECT_TRUE(sim.holds(1, web_vip) && sim.holds(1, mail_vip));
       EXPECT_GE(sim.node(1).announced[web_vip], 1);
       EXPECT_EQ(sim.min_holders(mail_vip), 1) << "mail never moved";
       ASSERT_TRUE(sim.node(1).sync);
       EXPECT_TRUE(sim.node(1).sync->master);
       EXPECT_TRUE(sim.node(1).sync->both) << "the backup daemon runs on: nothing stops at a takeover";
     }},
    {"the peer returns with auto_failback: its group goes back to it, the other never moves", both_failback,
     [](Sim& sim) {
       settle(sim);
       sim.power_off(0);
       sim.run_for(1s);
       sim.reset_min_holders();
       sim.power_on(0);
       ASSERT_TRUE(sim.run_until([&] { return sim.role(0, "web") == Role::active && sim.role(1, "web") == Role::backup; }, 5s));
       sim.run_for(1s);
       EXPECT_TRUE(sim.holds(0, web_vip) && !sim.holds(1, web_vip));
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
       EXPECT_EQ(sim.role(0, "mail"), Role::backup);
       EXPECT_EQ(sim.min_holders(mail_vip), 1) << "mail stayed put";
       EXPECT_EQ(sim.min_holders(web_vip), 1) << "web moved make-before-break";
     }},
    {"the peer returns without auto_failback: the survivor keeps both groups", no_failback,
     [](Sim& sim) {
       settle(sim);
       sim.power_off(0);
       sim.run_for(1s);
       sim.power_on(0);
       sim.run_for(5s);
       EXPECT_EQ(sim.role(0, "web"), Role::backup);
       EXPECT_EQ(sim.role(0, "mail"), Role::backup);
       EXPECT_EQ(sim.role(1, "web"), Role::active);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
     }},
    {"auto_failback is per group: web comes back to d1, mail stays on d1 when d2 returns", web_failback_only,
     [](Sim& sim) {
       settle(sim);
       sim.power_off(1);
       sim.run_for(1s);
       EXPECT_EQ(sim.role(0, "mail"), Role::active);
       sim.power_on(1);
       sim.run_for(5s);
       EXPECT_EQ(sim.role(0, "mail"), Role::active) << "mail has no auto_failback";
       EXPECT_EQ(sim.role(1, "mail"), Role::backup);
       sim.power_off(0);
       sim.run_for(1s);
       sim.power_on(0);
       sim.run_for(5s);
       EXPECT_EQ(sim.role(0, "web"), Role::active) << "web has auto_failback";
       EXPECT_EQ(sim.role(1, "web"), Role::backup);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
     }},
    {"standby of one group moves only that group", both_failback,
     [](Sim& sim) {
       settle(sim);
       const auto before = sim.node(0).actions.size();
       sim.deliver(0, AdminStandby{"web"});
       ASSERT_TRUE(sim.run_until([&] { return sim.role(1, "web") == Role::active; }, 3s));
       sim.run_for(1s);
       EXPECT_EQ(sim.role(0, "web"), Role::standby);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
       EXPECT_EQ(sim.role(0, "mail"), Role::backup);
       EXPECT_EQ(sim.min_holders(mail_vip), 1);
       EXPECT_EQ(sim.min_holders(web_vip), 1) << "make-before-break";
       for (std::size_t i = before; i < sim.node(0).actions.size(); ++i) {
         if (auto* a = std::get_if<AcquireVips>(&sim.node(0).actions[i])) {
           EXPECT_NE(a->vips.front().address.str(), mail_vip);
         }
       }
       ASSERT_FALSE(sim.node(0).replies.empty());
       EXPECT_EQ(sim.node(0).replies.back(), "ok: handing over to d2");
     }},
    {"standby without a group moves every group the node holds", both_failback,
     [](Sim& sim) {
       settle(sim);
       sim.deliver(0, AdminStandby{});
       ASSERT_TRUE(sim.run_until([&] { return sim.role(1, "web") == Role::active; }, 3s));
       sim.run_for(1s);
       EXPECT_EQ(sim.role(0, "web"), Role::standby);
       EXPECT_EQ(sim.role(0, "mail"), Role::standby);
       EXPECT_EQ(sim.holders(web_vip), 1);
       EXPECT_FALSE(sim.holds(0, web_vip) || sim.holds(0, mail_vip));
       EXPECT_EQ(sim.node(0).replies.back(), "ok: web: handing over to d2; mail: standby; not holding the VIPs");
     }},
    {"standby or takeover of an unknown group is refused and nothing moves", both_failback,
     [](Sim& sim) {
       settle(sim);
       sim.deliver(0, AdminStandby{"db"});
       sim.deliver(1, AdminTakeover{"db"});
       sim.run_for(1s);
       EXPECT_EQ(sim.node(0).replies.back(), "error: no group db (groups: web, mail)");
       EXPECT_EQ(sim.node(1).replies.back(), "error: no group db (groups: web, mail)");
       EXPECT_EQ(sim.role(0, "web"), Role::active);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
     }},
    {"standby of every group is refused as a whole when one cannot move (the peer is dead)", both_failback,
     [](Sim& sim) {
       settle(sim);
       sim.power_off(1);
       sim.run_for(1s);
       sim.deliver(0, AdminStandby{});
       sim.run_for(1s);
       EXPECT_EQ(sim.node(0).replies.back(),
                 "error: peer d2 is not alive; refusing to leave no active director; no group moved");
       EXPECT_EQ(sim.role(0, "web"), Role::active);
       EXPECT_EQ(sim.role(0, "mail"), Role::active);
     }},
    {"takeover of one group takes only that group from the peer (no auto_failback to take it back)", no_failback,
     [](Sim& sim) {
       settle(sim);
       sim.deliver(0, AdminTakeover{"mail"});
       sim.run_for(1s);
       EXPECT_EQ(sim.role(0, "mail"), Role::active);
       EXPECT_EQ(sim.role(1, "mail"), Role::backup);
       EXPECT_EQ(sim.role(1, "web"), Role::backup);
       EXPECT_EQ(sim.min_holders(mail_vip), 1) << "make-before-break";
       EXPECT_EQ(sim.node(0).replies.back(), "ok: active");
     }},
    {"partition heal with both groups claimed on both nodes: each group ends on its preferred node", no_failback,
     [](Sim& sim) {
       settle(sim);
       sim.set_links(false);
       sim.run_for(2s);
       for (int i = 0; i < 2; ++i) {
         EXPECT_EQ(sim.role(i, "web"), Role::active);
         EXPECT_EQ(sim.role(i, "mail"), Role::active);
       }
       sim.reset_min_holders();
       sim.set_links(true);
       sim.run_for(3s);
       EXPECT_EQ(sim.role(0, "web"), Role::active);
       EXPECT_EQ(sim.role(1, "web"), Role::backup);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
       EXPECT_EQ(sim.role(0, "mail"), Role::backup);
       EXPECT_EQ(sim.holders(web_vip), 1);
       EXPECT_EQ(sim.holders(mail_vip), 1);
       EXPECT_EQ(sim.min_holders(web_vip), 1);
       EXPECT_EQ(sim.min_holders(mail_vip), 1);
     }},
    {"a reload that adds a group: it is elected, the others do not move", both_failback,
     [](Sim& sim) {
       settle(sim);
       for (int i = 0; i < 2; ++i) {
         GroupsParams p = pair(i == 0 ? "d1" : "d2");
         p.groups.push_back(group(i == 0 ? "d1" : "d2", "db", "d2", "10.0.0.102/24"));
         sim.reload(i, p);
       }
       sim.run_for(2s);
       EXPECT_EQ(sim.role(1, "db"), Role::active);
       EXPECT_EQ(sim.role(0, "db"), Role::backup);
       EXPECT_EQ(sim.holders("10.0.0.102/24"), 1);
       EXPECT_EQ(sim.min_holders(web_vip), 1);
       EXPECT_EQ(sim.min_holders(mail_vip), 1);
       EXPECT_TRUE(any_log(sim.node(0), "group db added"));
     }},
    {"a group only one node has (reloaded on one node first): that node holds it, the other's groups stay", both_failback,
     [](Sim& sim) {
       settle(sim);
       GroupsParams p = pair("d2");
       p.groups.push_back(group("d2", "db", "d1", "10.0.0.102/24"));  // prefers d1, which does not have it yet
       sim.reload(1, p);
       sim.run_for(2s);
       EXPECT_EQ(sim.role(1, "db"), Role::active) << "d1 cannot serve db";
       EXPECT_TRUE(sim.holds(1, "10.0.0.102/24"));
       EXPECT_EQ(sim.role(0, "web"), Role::active);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
       GroupsParams q = pair("d1");
       q.groups.push_back(group("d1", "db", "d1", "10.0.0.102/24"));
       sim.reload(0, q);  // now d1 has it: d2 keeps it (no takeover without auto_failback's word)
       sim.run_for(2s);
       EXPECT_EQ(sim.holders("10.0.0.102/24"), 1);
       EXPECT_EQ(sim.min_holders(web_vip), 1);
     }},
    {"a reload that removes a group: its VIPs are released, the others do not move", both_failback,
     [](Sim& sim) {
       settle(sim);
       for (int i = 0; i < 2; ++i) {
         GroupsParams p = pair(i == 0 ? "d1" : "d2");
         p.groups.pop_back();  // mail
         sim.reload(i, p);
       }
       sim.run_for(1s);
       EXPECT_EQ(sim.holders(mail_vip), 0);
       EXPECT_EQ(sim.node(1).state.find("mail"), nullptr);
       EXPECT_EQ(sim.role(0, "web"), Role::active);
       EXPECT_EQ(sim.min_holders(web_vip), 1);
       EXPECT_TRUE(any_log(sim.node(1), "group mail removed from the configuration; its VIPs released"));
       ASSERT_TRUE(sim.node(1).sync);
       EXPECT_FALSE(sim.node(1).sync->master) << "no group active any more";
     }},
    {"a reload that moves a group to the other node (new preferred): it moves make-before-break", both_failback,
     [](Sim& sim) {
       settle(sim);
       for (int i = 0; i < 2; ++i) {
         GroupsParams p = pair(i == 0 ? "d1" : "d2");
         p.groups[0].preferred = "d2";
         sim.reload(i, p);
       }
       ASSERT_TRUE(sim.run_until([&] { return sim.role(1, "web") == Role::active && sim.role(0, "web") == Role::backup; }, 5s));
       EXPECT_EQ(sim.min_holders(web_vip), 1);
       EXPECT_EQ(sim.min_holders(mail_vip), 1);
     }},
    {"a reload that moves a VIP from one group to another on the same node", both_failback,
     [](Sim& sim) {
       settle(sim);
       for (int i = 0; i < 2; ++i) {
         GroupsParams p = pair(i == 0 ? "d1" : "d2");
         p.groups[1].vips.push_back(tandem::testing::make_vip("10.0.0.103/24"));  // mail gains .103
         sim.reload(i, p);
       }
       sim.run_for(1s);
       EXPECT_TRUE(sim.holds(1, "10.0.0.103/24"));
       for (int i = 0; i < 2; ++i) {
         GroupsParams p = pair(i == 0 ? "d1" : "d2");
         p.groups[0].vips.push_back(tandem::testing::make_vip("10.0.0.103/24"));  // .103 moves to web
         sim.reload(i, p);
       }
       sim.run_for(1s);
       EXPECT_TRUE(sim.holds(0, "10.0.0.103/24"));
       EXPECT_FALSE(sim.holds(1, "10.0.0.103/24"));
     }},
    {"a peer that speaks version 2 (no groups): its one role applies to every group", both_failback,
     [](Sim& sim) {
       sim.set_version(1, 2);
       sim.node(1).state.groups.pop_back();  // an older node: one group, holding everything or nothing
       sim.start_both();
       sim.run_for(2s);
       EXPECT_TRUE(any_log(sim.node(0), "peer d2 speaks heartbeat version 2"));
       EXPECT_EQ(count_log(sim.node(0), "speaks heartbeat version 2"), 1) << "logged once";
       EXPECT_FALSE(sim.node(0).state.peer_digest);
     }},
    {"a configuration digest that differs is logged once on both nodes within an interval, and cleared", both_failback,
     [](Sim& sim) {
       settle(sim);
       GroupsParams p = pair("d2");
       p.digest.virtual_servers = 99;  // a real server added on d2 only
       sim.reload(1, p);
       sim.run_for(interval + 5ms);
       EXPECT_EQ(sim.node(0).state.differs, std::vector<std::string>{"virtual servers"});
       EXPECT_EQ(sim.node(1).state.differs, std::vector<std::string>{"virtual servers"});
       sim.run_for(2s);
       EXPECT_EQ(count_log(sim.node(0), "configuration differs from d2's: virtual servers"), 1);
       EXPECT_EQ(count_log(sim.node(1), "configuration differs from d1's: virtual servers"), 1);
       sim.reload(1, pair("d2"));  // fixed
       sim.run_for(interval + 5ms);
       EXPECT_TRUE(sim.node(0).state.differs.empty());
       EXPECT_TRUE(sim.node(1).state.differs.empty());
       EXPECT_TRUE(any_log(sim.node(0), "configuration matches d2's again"));
       EXPECT_EQ(sim.role(0, "web"), Role::active) << "a mismatch moves nothing";
     }},
    {"one heartbeat per interval carries every group", both_failback,
     [](Sim& sim) {
       settle(sim);
       const int before = sim.node(0).heartbeats;
       sim.run_for(2s);
       EXPECT_LE(sim.node(0).heartbeats - before, 21);
       EXPECT_GE(sim.node(0).heartbeats - before, 19);
       Heartbeat hb;
       sim.node(0).state.fill(hb);
       ASSERT_EQ(hb.groups.size(), 2u);
       EXPECT_EQ(hb.groups[0], (GroupRole{"web", Role::active, 0}));
       EXPECT_EQ(hb.groups[1], (GroupRole{"mail", Role::backup, 0}));
       EXPECT_EQ(hb.role, Role::active);
       EXPECT_EQ(hb.digest, (ConfigDigest{1, 2, 3}));
     }},
    {"takeover of a group whose virtual servers forward: the holder hands it over in stages, and stays backup",
     staged_web,
     [](Sim& sim) {
       settle(sim);
       sim.deliver(1, AdminTakeover{"web"});
       EXPECT_EQ(sim.node(1).replies.back(), "ok: asking d1 to hand over");
       EXPECT_EQ(sim.role(1, "web"), Role::backup) << "not at once";
       ASSERT_TRUE(sim.run_until([&] { return sim.node(1).state.find("web")->staged; }, 2s)) << "d2 stages web";
       EXPECT_EQ(sim.node(1).announced.count(web_vip), 0u) << "staged: not announced yet";
       ASSERT_TRUE(sim.run_until([&] { return sim.role(1, "web") == Role::active; }, 3s));
       sim.run_for(1s);
       EXPECT_EQ(sim.role(0, "web"), Role::backup) << "asked, not standby: it stays a candidate";
       EXPECT_EQ(count_log(sim.node(0), "group web: d2 asks for the VIPs (tandemctl takeover): handing over"), 1);
       EXPECT_EQ(sim.min_holders(web_vip), 1);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
       EXPECT_FALSE(sim.node(1).state.find("web")->request_until) << "request done";
     }},
    {"a staged standby of one group forwards only that group's connections, then moves it", staged_web,
     [](Sim& sim) {
       settle(sim);
       sim.deliver(0, AdminStandby{"web"});
       ASSERT_TRUE(sim.run_until([&] { return sim.node(1).state.find("web")->staged; }, 2s)) << "d2 stages web";
       EXPECT_FALSE(sim.node(1).state.find("mail")->staged);
       ASSERT_TRUE(sim.run_until([&] { return sim.role(1, "web") == Role::active; }, 3s));
       sim.run_for(1s);
       std::vector<std::string> forwards;
       for (const auto& a : sim.node(0).actions)
         if (auto* f = std::get_if<ForwardToPeer>(&a)) forwards.push_back(std::string(f->on ? "on " : "off ") + f->group);
       EXPECT_EQ(forwards, (std::vector<std::string>{"on web", "off web"}));
       EXPECT_TRUE(any_log(sim.node(0), "group web: handover: new connections go to it for 300ms"));
       EXPECT_EQ(sim.min_holders(web_vip), 1);
       EXPECT_EQ(sim.min_holders(mail_vip), 1);
       EXPECT_EQ(sim.role(0, "web"), Role::standby);
     }},
    {"a reload from the form without [[group]] to two groups: the default group's VIPs go, each group is elected",
     both_failback,
     [](Sim& sim) {
       for (int i = 0; i < 2; ++i) {
         GroupsParams p;
         p.groups = {group(i == 0 ? "d1" : "d2", "", "d1", "10.0.0.100/24")};
         sim.node(i).state = initial_groups(p, sim.now());
       }
       sim.start_both();
       sim.run_for(2s);
       ASSERT_EQ(sim.role(0, "default"), Role::active);
       sim.reload(0, pair("d1"));
       sim.reload(1, pair("d2"));
       sim.run_for(2s);
       EXPECT_EQ(sim.role(0, "web"), Role::active);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
       EXPECT_EQ(sim.holders(web_vip), 1);
       EXPECT_EQ(sim.holders(mail_vip), 1);
       EXPECT_EQ(sim.node(0).state.find("default"), nullptr);
     }},
    {"shutdown hands every held group over, then exits", both_failback,
     [](Sim& sim) {
       settle(sim);
       sim.deliver(0, Shutdown{});
       ASSERT_TRUE(sim.run_until([&] { return sim.node(0).exited; }, 5s));
       EXPECT_EQ(sim.role(1, "web"), Role::active);
       EXPECT_EQ(sim.role(1, "mail"), Role::active);
       EXPECT_TRUE(sim.node(0).held.empty());
       EXPECT_EQ(sim.min_holders(web_vip), 1) << "make-before-break";
     }},
};

TEST(Groups, Cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    Sim sim(c.params("d1"), c.params("d2"));
    c.run(sim);
  }
}

TEST(Groups, SyncRoleFollowsTheGroups) {
  GroupsState s = initial_groups(pair("d1"), TimePoint{});
  EXPECT_FALSE(sync_role_of(s).master);
  s.groups[0].role = Role::active;
  EXPECT_TRUE(sync_role_of(s).master);
  EXPECT_TRUE(sync_role_of(s).both);
  s.groups[1].role = Role::active;
  EXPECT_TRUE(sync_role_of(s).both) << "with [[group]]s the backup daemon always runs";
  s.named = false;
  EXPECT_FALSE(sync_role_of(s).both) << "the form without groups: master or backup, as before";
}

TEST(Groups, AVersion2PeerIsToldTheActiveGroup) {
  GroupsState s = initial_groups(pair("d1"), TimePoint{});
  s.groups[1].role = Role::active;
  Heartbeat hb;
  hb.version = 2;
  s.fill(hb);
  EXPECT_EQ(hb.role, Role::active) << "active if any group is";
  hb.version = 3;
  s.fill(hb);
  EXPECT_EQ(hb.role, Role::init) << "version 3: the first entry";
}

// ---- the form without [[group]] ------------------------------------------

// An action in words, to compare two machines' outputs.
std::string describe(const Action& a) {
  return std::visit(
      [](const auto& x) -> std::string {
        using A = std::decay_t<decltype(x)>;
        auto vips = [](const std::vector<tandem::config::Vip>& vs) {
          std::string out;
          for (const auto& v : vs) out += v.address.str() + " ";
          return out;
        };
        if constexpr (std::is_same_v<A, RemoveStaleVips>) return "remove-stale " + vips(x.vips);
        else if constexpr (std::is_same_v<A, AcquireVips>) return "acquire " + vips(x.vips) + x.group;
        else if constexpr (std::is_same_v<A, ReleaseVips>) return "release " + vips(x.vips);
        else if constexpr (std::is_same_v<A, AnnounceVips>) return "announce " + vips(x.vips);
        else if constexpr (std::is_same_v<A, SendHeartbeat>) return "heartbeat";
        else if constexpr (std::is_same_v<A, SetSyncRole>) return "sync " + std::to_string(x.master) + std::to_string(x.both);
        else if constexpr (std::is_same_v<A, ForwardToPeer>) return "forward " + std::to_string(x.on) + x.group;
        else if constexpr (std::is_same_v<A, Log>) return "log " + x.message;
        else if constexpr (std::is_same_v<A, RoleChanged>) return "role " + std::string(to_string(x.to)) + x.group;
        else if constexpr (std::is_same_v<A, AdminReply>) return "reply " + x.message;
        else return "exit";
      },
      a);
}

TEST(Groups, TheFormWithoutGroupsPassesTheMachineThrough) {
  // The one implicit group: the same events give the same actions, in the
  // same order, as failover::step alone.
  PeerParams p = group("d1", "", "d1", "10.0.0.100/24");
  GroupsParams gp;
  gp.groups = {p};
  PeerState single = initial_state(p, TimePoint{});
  GroupsState groups = initial_groups(gp, TimePoint{});
  TimePoint now{};
  std::uint64_t seq = 0;
  auto peer = [&](Role role, std::uint16_t flags) {
    Heartbeat hb;
    hb.node = "d2";
    hb.generation = 1;
    hb.sequence = ++seq;
    hb.role = role;
    hb.flags = flags;
    hb.version = 3;
    hb.groups = {GroupRole{"default", role, flags}};
    return HeartbeatIn{0, hb, now};
  };
  const std::vector<std::pair<Clock::duration, Event>> script = {
      {0ms, Start{}},
      {10ms, peer(Role::init, 0)},
      {20ms, Tick{}},
      {120ms, peer(Role::backup, 0)},
      {200ms, Tick{}},
      {300ms, AdminStandby{}},
      {310ms, peer(Role::backup, 0)},
      {400ms, peer(Role::active, flag::takeover)},
      {450ms, Tick{}},
      {600ms, Tick{}},
      {700ms, AdminTakeover{}},
      {800ms, FitnessChanged{Fitness{false, 0, "no carrier on eth0"}}},
      {900ms, peer(Role::backup, 0)},
      {1000ms, Tick{}},
      {2000ms, Tick{}},
      {2100ms, Shutdown{}},
      {2200ms, peer(Role::active, 0)},
      {2400ms, Tick{}},
  };
  for (const auto& [at, event] : script) {
    now = TimePoint{} + at;
    Event ev = event;
    if (auto* in = std::get_if<HeartbeatIn>(&ev)) in->arrived = now;
    Step a = step(single, ev, now);
    GroupsStep b = step_groups(groups, ev, now);
    single = a.state;
    groups = b.state;
    std::vector<std::string> da, db;
    for (const auto& x : a.actions) da.push_back(describe(x));
    for (const auto& x : b.actions) db.push_back(describe(x));
    EXPECT_EQ(da, db) << "at " << std::chrono::duration_cast<std::chrono::milliseconds>(at).count() << " ms";
    EXPECT_EQ(a.deadline, b.deadline);
    EXPECT_EQ(single.role, groups.node().role);
  }
}

}  // namespace
