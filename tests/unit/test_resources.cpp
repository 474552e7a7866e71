// Resources ([[resource]]) in the state machine, on a manual clock with
// two simulated nodes (groups_sim.hpp): the order on takeover, release,
// planned handover and failover; the exclusive handshake, so that a
// resource never runs on both; start failures with "hand-over" and
// "ignore"; a failed stop; crash leftovers at start; role changes (what
// [notify] sees) in order. A table of cases, one line each.
#include "groups_sim.hpp"

using namespace tandem::testing::groups_sim;

namespace {

// The form without [[group]]: one group with the VIP and fs (exclusive),
// db (exclusive) and web (not exclusive), in that order; d1 preferred.
GroupsParams with_resources(const std::string& self, bool db_hand_over = true) {
  PeerParams p = group(self, "", "d1", "10.0.0.100/24");
  p.resources = {ResourceParams{"fs", true, true}, ResourceParams{"db", true, db_hand_over},
                 ResourceParams{"web", false, true}};
  GroupsParams gp;
  gp.groups = {p};
  return gp;
}

// The journal's lines of one node, as "start fs", "started fs", ...
std::vector<std::string> lines(const Sim& sim, int node, std::size_t from = 0) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < sim.journal().size(); ++i)
    if (sim.journal()[i].node == node) out.push_back(sim.journal()[i].what + " " + sim.journal()[i].name);
  return out;
}

const std::vector<std::string> started_in_order = {"start fs", "started fs", "start db", "started db", "start web",
                                                   "started web"};
const std::vector<std::string> stopped_in_order = {"stop web", "stopped web", "stop db", "stopped db", "stop fs",
                                                   "stopped fs"};

// The position of the first action of type A on a node from `from`, or -1.
template <class A>
int first(const Node& n, std::size_t from = 0) {
  for (std::size_t i = from; i < n.actions.size(); ++i)
    if (std::holds_alternative<A>(n.actions[i])) return int(i);
  return -1;
}

void settle_resources(Sim& sim) {
  sim.start_both();
  sim.run_for(2s);
  ASSERT_EQ(sim.role(0, "default"), Role::active);
  ASSERT_EQ(sim.role(1, "default"), Role::backup);
  ASSERT_EQ(lines(sim, 0), started_in_order);
  sim.reset_min_holders();
}

struct Case {
  const char* description;
  std::function<GroupsParams(const std::string&)> params;
  std::function<void(Sim&)> run;
};

GroupsParams plain(const std::string& n) { return with_resources(n); }
GroupsParams db_ignores(const std::string& n) { return with_resources(n, false); }

const Case cases[] = {
    {"taking the group: the VIPs are added and announced, then fs, db, web start left to right, each after the "
     "previous one",
     plain,
     [](Sim& sim) {
       settle_resources(sim);
       const Node& n = sim.node(0);
       const int acquire = first<AcquireVips>(n), announce = first<AnnounceVips>(n), start = first<StartResource>(n);
       EXPECT_TRUE(acquire >= 0 && acquire < announce && announce < start) << acquire << " " << announce << " " << start;
       EXPECT_TRUE(lines(sim, 1).empty()) << "the backup runs nothing";
       const auto& j = sim.journal();
       ASSERT_GE(j.size(), 6u);
       EXPECT_EQ(j[2].at - j[1].at, 0ns) << "db starts as fs's start ends";
       EXPECT_TRUE(n.state.node().heartbeat_flags() & flag::exclusive_held) << "it says so";
       EXPECT_EQ(sim.overlap(), 0ns);
     }},
    {"letting go (standby): web, db, fs stop right to left, then the VIPs are removed; the peer's exclusive ones "
     "start only after",
     plain,
     [](Sim& sim) {
       settle_resources(sim);
       const std::size_t from = sim.journal().size();
       const std::size_t actions = sim.node(0).actions.size();
       sim.deliver(0, AdminStandby{});
       ASSERT_TRUE(sim.run_until([&] { return sim.running_on(1, "web"); }, 5s));
       sim.run_for(500ms);
       EXPECT_EQ(lines(sim, 0, from), stopped_in_order);
       EXPECT_EQ(lines(sim, 1, from), started_in_order);
       const int release = first<ReleaseVips>(sim.node(0), actions);
       ASSERT_GE(release, 0);
       EXPECT_EQ(first<StopResource>(sim.node(0), std::size_t(release)), -1) << "no stop after the VIPs went";
       // d2 started fs after d1's fs had stopped.
       TimePoint d1_fs_stopped{}, d2_fs_start{};
       for (std::size_t i = from; i < sim.journal().size(); ++i) {
         const auto& e = sim.journal()[i];
         if (e.node == 0 && e.what == "stopped" && e.name == "fs") d1_fs_stopped = e.at;
         if (e.node == 1 && e.what == "start" && e.name == "fs") d2_fs_start = e.at;
       }
       EXPECT_GT(d2_fs_start, d1_fs_stopped);
       EXPECT_EQ(sim.overlap(), 0ns) << "an exclusive resource never on both";
       EXPECT_EQ(sim.min_holders(web_vip), 1) << "the VIPs themselves move make-before-break";
     }},
    {"takeover on the backup: the same handshake the other way, never on both", plain,
     [](Sim& sim) {
       settle_resources(sim);
       const std::size_t from = sim.journal().size();
       sim.deliver(1, AdminTakeover{});
       ASSERT_TRUE(sim.run_until([&] { return sim.running_on(1, "web"); }, 5s));
       sim.run_for(500ms);
       EXPECT_EQ(lines(sim, 0, from), stopped_in_order);
       EXPECT_EQ(lines(sim, 1, from), started_in_order);
       EXPECT_EQ(sim.overlap(), 0ns);
     }},
    {"failover on the peer's death: the survivor starts the resources once deadtime has passed", plain,
     [](Sim& sim) {
       settle_resources(sim);
       const TimePoint cut = sim.now();
       sim.power_off(0);
       ASSERT_TRUE(sim.run_until([&] { return sim.running_on(1, "web"); }, 3s));
       sim.run_for(200ms);
       TimePoint first_start{};
       for (const auto& e : sim.journal())
         if (e.node == 1 && e.what == "start" && e.name == "fs") first_start = e.at;
       EXPECT_GE(first_start - cut, deadtime - interval) << "not before the peer is declared dead";
       EXPECT_LE(first_start - cut, deadtime + 2 * interval);
       EXPECT_EQ(lines(sim, 1), started_in_order);
     }},
    {"a start that fails with hand-over: what started stops in reverse, the group goes to the peer, this node stays "
     "standby",
     plain,
     [](Sim& sim) {
       sim.script = [](int node, const std::string& name, bool start) {
         Script s;
         if (node == 0 && name == "db" && start) s.ok = false, s.reason = "exit status 1: no database here";
         return s;
       };
       sim.start_both();
       ASSERT_TRUE(sim.run_until([&] { return sim.running_on(1, "web"); }, 5s));
       sim.run_for(500ms);
       EXPECT_EQ(lines(sim, 0), (std::vector<std::string>{"start fs", "started fs", "start db", "start failed db",
                                                          "stop fs", "stopped fs"}));
       EXPECT_EQ(lines(sim, 1), started_in_order);
       EXPECT_EQ(sim.role(0, "default"), Role::standby);
       EXPECT_EQ(sim.role(1, "default"), Role::active);
       const PeerState& g = sim.node(0).state.node();
       EXPECT_EQ(g.resources[1].state, ResourceState::failed);
       EXPECT_EQ(g.resources[1].failure, "exit status 1: no database here");
       EXPECT_TRUE(any_log(sim.node(0), "resource db failed to start: handing over to d2"));
       EXPECT_EQ(sim.overlap(), 0ns);
     }},
    {"a start that fails with ignore: the next resources start all the same", db_ignores,
     [](Sim& sim) {
       sim.script = [](int node, const std::string& name, bool start) {
         Script s;
         if (node == 0 && name == "db" && start) s.ok = false;
         return s;
       };
       sim.start_both();
       sim.run_for(2s);
       EXPECT_EQ(lines(sim, 0), (std::vector<std::string>{"start fs", "started fs", "start db", "start failed db",
                                                          "start web", "started web"}));
       EXPECT_EQ(sim.role(0, "default"), Role::active);
       EXPECT_TRUE(lines(sim, 1).empty());
     }},
    {"a start that fails with hand-over and no peer to take it: the node keeps the VIPs and says why", plain,
     [](Sim& sim) {
       sim.script = [](int, const std::string& name, bool start) {
         Script s;
         if (name == "db" && start) s.ok = false;
         return s;
       };
       sim.power_off(1);
       sim.start_both();
       sim.run_for(3s);
       EXPECT_EQ(sim.role(0, "default"), Role::active);
       EXPECT_TRUE(sim.holds(0, web_vip));
       EXPECT_FALSE(sim.running_on(0, "fs")) << "the group's resources stopped";
       EXPECT_TRUE(any_log(sim.node(0), "resource db failed to start and d2 cannot serve: keeping the VIPs"));
     }},
    {"a stop that fails (or times out: the shell killed it): counted as stopped, the VIPs are released all the same",
     plain,
     [](Sim& sim) {
       settle_resources(sim);
       sim.script = [](int node, const std::string& name, bool start) {
         Script s;
         if (node == 0 && name == "db" && !start) s.ok = false, s.took = 200ms, s.reason = "killed after the timeout of 200ms";
         return s;
       };
       sim.deliver(0, AdminStandby{});
       ASSERT_TRUE(sim.run_until([&] { return !sim.holds(0, web_vip); }, 5s));
       EXPECT_EQ(lines(sim, 0, 6), (std::vector<std::string>{"stop web", "stopped web", "stop db", "stop failed db",
                                                             "stop fs", "stopped fs"}));
       EXPECT_EQ(sim.node(0).state.node().resources[1].failure, "killed after the timeout of 200ms");
     }},
    {"crash leftovers at start (kill -9, restart): stopped before anything starts; the peer holds its exclusive "
     "ones back meanwhile",
     plain,
     [](Sim& sim) {
       settle_resources(sim);
       sim.kill(0);  // fs, db, web go on running on d1
       // d2 cannot tell a killed daemon from a dead node: it takes over.
       ASSERT_TRUE(sim.run_until([&] { return sim.role(1, "default") == Role::active; }, 3s));
       sim.restart(0);
       ASSERT_TRUE(sim.run_until([&] { return sim.running_on(1, "web"); }, 5s));
       sim.run_for(500ms);
       EXPECT_EQ(lines(sim, 0, 6), (std::vector<std::string>{"leftover stopped db", "leftover stopped fs",
                                                             "leftover stopped web"}));
       EXPECT_TRUE(any_log(sim.node(0), "resource fs was running at start; stopped it"));
       EXPECT_EQ(sim.role(0, "default"), Role::backup);
     }},
    {"shutdown: the resources stop right to left, then the VIPs go, then the node exits; the peer takes over", plain,
     [](Sim& sim) {
       settle_resources(sim);
       sim.deliver(0, Shutdown{});
       ASSERT_TRUE(sim.run_until([&] { return sim.node(0).exited; }, 5s));
       EXPECT_EQ(lines(sim, 0, 6), stopped_in_order);
       EXPECT_TRUE(sim.node(0).held.empty());
       ASSERT_TRUE(sim.run_until([&] { return sim.running_on(1, "web"); }, 5s));
       EXPECT_EQ(sim.overlap(), 0ns);
     }},
    {"a partition: both run them (nothing can be ordered without heartbeats); after the heal the loser stops its own",
     plain,
     [](Sim& sim) {
       settle_resources(sim);
       sim.set_links(false);
       ASSERT_TRUE(sim.run_until([&] { return sim.running_on(1, "web"); }, 3s));
       EXPECT_GT(sim.overlap(), 0ns);
       sim.set_links(true);
       sim.run_for(3s);
       EXPECT_EQ(sim.role(0, "default"), Role::active);
       EXPECT_EQ(sim.role(1, "default"), Role::backup);
       EXPECT_FALSE(sim.running_on(1, "fs") || sim.running_on(1, "db") || sim.running_on(1, "web"));
       EXPECT_TRUE(sim.running_on(0, "fs"));
     }},
    {"role changes, what [notify] is run for, come in order through a start, a standby and a takeover", plain,
     [](Sim& sim) {
       settle_resources(sim);
       sim.deliver(0, AdminStandby{});
       sim.run_for(3s);
       sim.deliver(0, AdminTakeover{});
       sim.run_for(3s);
       EXPECT_EQ(sim.node(0).roles, (std::vector<std::string>{"default: init -> active", "default: active -> standby",
                                                             "default: standby -> active"}));
       EXPECT_EQ(sim.node(1).roles, (std::vector<std::string>{"default: init -> backup", "default: backup -> active",
                                                             "default: active -> backup"}));
     }},
};

TEST(Resources, Cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    Sim sim(c.params("d1"), c.params("d2"));
    c.run(sim);
  }
}

TEST(Resources, NextStepInOrder) {
  const std::vector<ResourceParams> p = {{"fs", true, true}, {"db", true, true}, {"web", false, true}};
  std::vector<ResourceView> v(3);
  auto step = next_resource_step(p, v, true, false);
  EXPECT_EQ(step.kind, ResourceStep::Kind::start);
  EXPECT_EQ(step.index, 0u);
  EXPECT_EQ(next_resource_step(p, v, true, true).kind, ResourceStep::Kind::none) << "exclusive fs waits";
  EXPECT_TRUE(next_resource_step(p, v, true, true).waiting_for_peer);
  v[0].state = ResourceState::starting;
  EXPECT_EQ(next_resource_step(p, v, true, false).kind, ResourceStep::Kind::none) << "one script at a time";
  v[0].state = v[1].state = v[2].state = ResourceState::running;
  step = next_resource_step(p, v, false, false);
  EXPECT_EQ(step.kind, ResourceStep::Kind::stop);
  EXPECT_EQ(step.index, 2u) << "right to left";
  v[1].state = ResourceState::failed;
  v[1].failed_start = true;
  v[2].state = ResourceState::stopped;
  EXPECT_EQ(next_resource_step(p, v, true, false).index, 2u) << "a failed start is skipped";
  EXPECT_TRUE(exclusive_up(p, v)) << "fs runs";
}

}  // namespace
