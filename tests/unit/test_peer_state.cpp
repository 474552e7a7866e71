// The peer state machine on a manual clock. A small simulator runs two
// machines against each other over two lossless links with 1 ms latency,
// carrying out their actions the way the daemon does.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>

#include "builders.hpp"
#include "failover/peer_state.hpp"
#include "two_node_wire.hpp"

using namespace tandem::failover;
using namespace std::chrono_literals;
using tandem::config::Vip;

namespace {

Vip vip(const char* text) { return tandem::testing::make_vip(text); }

PeerParams params(const std::string& self, const std::string& peer) {
  PeerParams p;
  p.own_name = self;
  p.peer_name = peer;
  p.preferred = "d1";
  p.interval = 100ms;
  p.deadtime = 400ms;
  p.warntime = 250ms;
  p.initdead = 1000ms;
  p.link_names = {"public", "private"};
  p.vips = {vip("10.0.0.100/24")};
  p.garp.count = 3;
  p.garp.interval = 200ms;
  return p;
}

struct Node {
  PeerState state;
  TimePoint deadline{};
  bool powered = true;
  bool holds = false;
  bool exited = false;
  std::uint64_t sequence = 0;
  int announcements = 0;
  std::vector<std::string> logs;
  std::vector<Action> actions;
  std::vector<std::string> replies;
};

class Sim : public tandem::testing::TwoNodeWire<Sim> {
 public:
  Sim(PeerParams a, PeerParams b) {
    node_[0].state = initial_state(std::move(a), now_);
    node_[1].state = initial_state(std::move(b), now_);
  }

  Node& node(int i) { return node_[i]; }
  Role role(int i) const { return node_[i].state.role; }
  int holders() const { return int(node_[0].holds && node_[0].powered) + int(node_[1].holds && node_[1].powered); }

  void start(int i) { deliver(i, Start{}); }
  void start_both() {
    start(0);
    start(1);
  }

  void deliver(int i, const Event& e) {
    Node& n = node_[i];
    if (!n.powered || n.exited) return;
    Step st = step(n.state, e, now_);
    n.state = std::move(st.state);
    n.deadline = st.deadline;
    EXPECT_GT(n.deadline, now_ - 1ns) << "deadline in the past";
    for (auto& a : st.actions) {
      n.actions.push_back(a);
      if (std::holds_alternative<AcquireVips>(a)) n.holds = true;
      // A reload may release some VIPs while the node stays active.
      if (std::holds_alternative<ReleaseVips>(a)) n.holds = n.state.role == Role::active;
      if (std::holds_alternative<AnnounceVips>(a)) ++n.announcements;
      if (auto* l = std::get_if<Log>(&a)) n.logs.push_back(l->message);
      if (auto* r = std::get_if<AdminReply>(&a)) replies_.push_back(std::string(r->ok ? "ok: " : "error: ") + r->message);
      if (std::holds_alternative<Exit>(a)) n.exited = true;
      if (std::holds_alternative<SendHeartbeat>(a)) send(i);
    }
    min_holders_ = std::min(min_holders_, holders());
    // The checker applies the forwarding at once and says so.
    for (auto& a : st.actions)
      if (auto* f = std::get_if<ForwardToPeer>(&a)) deliver(i, ForwardApplied{f->on});
  }

  void send(int from) {
    Node& n = node_[from];
    Heartbeat hb;
    hb.node = n.state.params.own_name;
    hb.generation = 1;
    hb.sequence = ++n.sequence;
    hb.role = n.state.role;
    hb.priority = n.state.params.priority;
    hb.flags = n.state.heartbeat_flags();
    hb.version = version_[from];
    hb.fitness = static_cast<std::uint16_t>(std::max(0, n.state.own.value));
    if (version_[from] < 2) hb.flags &= flag::known_v1, hb.fitness = 0;  // as the codec sends it
    if (muted_[from]) return;
    put(from, hb);
  }

  bool running(int i) const { return node_[i].powered && !node_[i].exited; }
  TimePoint deadline(int i) const { return node_[i].deadline; }

  void power_off(int i) { node_[i].powered = false; }
  void power_on(int i, PeerParams p) {
    node_[i] = Node{};
    node_[i].state = initial_state(std::move(p), now_);
    deliver(i, Start{});
  }
  // The heartbeat version node `i` speaks (1: no fitness, no carrier flag).
  void set_version(int i, std::uint8_t v) { version_[i] = v; }
  void fitness(int i, bool carrier, int value, std::string why = "") {
    deliver(i, FitnessChanged{Fitness{carrier, value, std::move(why)}});
  }
  // One direction lost: nothing `from` sends arrives (the other way works).
  void mute(int from, bool muted) { muted_[from] = muted; }
  int min_holders() const { return min_holders_; }
  void reset_min_holders() { min_holders_ = holders(); }
  const std::vector<std::string>& replies() const { return replies_; }

 private:
  Node node_[2];
  bool muted_[2] = {false, false};
  std::uint8_t version_[2] = {2, 2};
  int min_holders_ = 2;
  std::vector<std::string> replies_;
};

bool any_log(const Node& n, const std::string& needle) {
  return std::any_of(n.logs.begin(), n.logs.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

int count_actions_acquire(const Node& n) {
  return int(std::count_if(n.actions.begin(), n.actions.end(),
                           [](const Action& a) { return std::holds_alternative<AcquireVips>(a); }));
}

}  // namespace

TEST(PeerState, BothStartExactlyOneActiveThePreferred) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(500ms);  // well inside initdead: decided by election, not by timeout
  EXPECT_EQ(sim.role(0), Role::active);
  EXPECT_EQ(sim.role(1), Role::backup);
  EXPECT_EQ(sim.holders(), 1);
  sim.run_for(5s);
  EXPECT_EQ(sim.role(0), Role::active);
  EXPECT_EQ(sim.role(1), Role::backup);
  EXPECT_EQ(count_actions_acquire(sim.node(0)), 1) << "no flapping";
  EXPECT_EQ(sim.node(0).announcements, 3) << "garp count";
}

TEST(PeerState, StartRemovesStaleVipsFirst) {
  PeerState s = initial_state(params("d1", "d2"), TimePoint{});
  Step st = step(s, Start{}, TimePoint{});
  ASSERT_FALSE(st.actions.empty());
  auto it = std::find_if(st.actions.begin(), st.actions.end(),
                         [](const Action& a) { return std::holds_alternative<RemoveStaleVips>(a); });
  ASSERT_NE(it, st.actions.end());
  EXPECT_EQ(std::get<RemoveStaleVips>(*it).vips.size(), 1u);
  EXPECT_EQ(st.state.role, Role::init);
}

TEST(PeerState, AloneBecomesActiveAfterInitdead) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.power_off(1);
  sim.start(0);
  sim.run_for(990ms);
  EXPECT_EQ(sim.role(0), Role::init);
  sim.run_for(20ms);
  EXPECT_EQ(sim.role(0), Role::active);
  EXPECT_TRUE(any_log(sim.node(0), "within initdead"));
}

TEST(PeerState, TieBrokenByPriorityThenName) {
  auto a = params("d1", "d2"), b = params("d2", "d1");
  a.preferred = b.preferred = "";
  b.priority = 150;
  EXPECT_FALSE(wins_election(a, 150));
  EXPECT_TRUE(wins_election(b, 100));
  a.priority = 150;
  EXPECT_TRUE(wins_election(a, 150));   // d1 < d2
  EXPECT_FALSE(wins_election(params("d2", "d1"), 100)) << "preferred d1 beats d2";
  Sim sim(a, b);
  sim.start_both();
  sim.run_for(2s);
  EXPECT_EQ(sim.role(0), Role::active);
  EXPECT_EQ(sim.role(1), Role::backup);
}

TEST(PeerState, PeerDiesBackupTakesOverWithinDeadtime) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  ASSERT_EQ(sim.role(0), Role::active);
  sim.power_off(0);
  auto took = sim.run_until([&] { return sim.role(1) == Role::active; }, 2s);
  ASSERT_TRUE(took);
  // deadtime 400 ms after the last heartbeat, which was up to one interval ago.
  EXPECT_LE(*took, 400ms + 1ms + 1ns);
  EXPECT_GE(*took, 300ms);
  EXPECT_TRUE(sim.node(1).holds);
  EXPECT_TRUE(any_log(sim.node(1), "dead: silent on all links"));
}

TEST(PeerState, PeerReturnsWithoutAutoFailbackStaysBackup) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  sim.power_off(0);
  sim.run_for(1s);
  ASSERT_EQ(sim.role(1), Role::active);
  sim.power_on(0, params("d1", "d2"));
  sim.reset_min_holders();
  sim.run_for(3s);
  EXPECT_EQ(sim.role(0), Role::backup) << "the holder keeps the VIPs";
  EXPECT_EQ(sim.role(1), Role::active);
  EXPECT_EQ(sim.min_holders(), 1);
}

TEST(PeerState, PeerReturnsWithAutoFailbackTakesBackMakeBeforeBreak) {
  auto a = params("d1", "d2"), b = params("d2", "d1");
  a.auto_failback = b.auto_failback = true;
  Sim sim(a, b);
  sim.start_both();
  sim.run_for(2s);
  sim.power_off(0);
  sim.run_for(1s);
  ASSERT_EQ(sim.role(1), Role::active);
  sim.power_on(0, a);
  sim.reset_min_holders();
  auto back = sim.run_until([&] { return sim.role(0) == Role::active && sim.role(1) == Role::backup; }, 3s);
  ASSERT_TRUE(back);
  EXPECT_LT(*back, 500ms) << "failback happens as soon as the peer is heard";
  EXPECT_EQ(sim.min_holders(), 1) << "the VIPs were never unheld";
  sim.run_for(2s);
  EXPECT_EQ(sim.role(0), Role::active);
  EXPECT_EQ(sim.role(1), Role::backup);
}

TEST(PeerState, OneLinkLostWarnsButNoFailover) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  sim.set_link(1, false);
  sim.run_for(2s);
  EXPECT_EQ(sim.role(0), Role::active);
  EXPECT_EQ(sim.role(1), Role::backup);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(sim.node(i).state.peer.alive);
    EXPECT_TRUE(sim.node(i).state.links[0].up);
    EXPECT_FALSE(sim.node(i).state.links[1].up);
    EXPECT_TRUE(any_log(sim.node(i), "link private: no heartbeat"));
  }
  sim.set_link(1, true);
  sim.run_for(500ms);
  EXPECT_TRUE(sim.node(1).state.links[1].up);
  EXPECT_TRUE(any_log(sim.node(1), "link private: heartbeats from d1 restored"));
}

TEST(PeerState, AllLinksLostThenHealExactlyOneActiveWithinThreeIntervals) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  sim.set_link(0, false);
  sim.set_link(1, false);
  sim.run_for(1s);
  EXPECT_EQ(sim.role(0), Role::active);
  EXPECT_EQ(sim.role(1), Role::active) << "a partition leaves both active";
  int announced_before = sim.node(0).announcements;
  sim.set_link(0, true);
  sim.set_link(1, true);
  auto healed = sim.run_until([&] { return sim.holders() == 1; }, 1s);
  ASSERT_TRUE(healed);
  EXPECT_LE(*healed, 300ms);
  EXPECT_EQ(sim.role(0), Role::active) << "d1 is preferred";
  EXPECT_EQ(sim.role(1), Role::backup);
  sim.run_for(50ms);
  EXPECT_GT(sim.node(0).announcements, announced_before) << "winner re-announces";
}

TEST(PeerState, StandbyHandsOverMakeBeforeBreak) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  sim.reset_min_holders();
  sim.deliver(0, AdminStandby{});
  ASSERT_FALSE(sim.replies().empty());
  EXPECT_EQ(sim.replies().back(), "ok: handing over to d2");
  auto moved = sim.run_until([&] { return sim.role(0) == Role::standby && sim.role(1) == Role::active; }, 2s);
  ASSERT_TRUE(moved);
  // A few packet latencies plus the 100 ms overlap (min(interval, 100 ms)).
  EXPECT_GE(*moved, 100ms);
  EXPECT_LE(*moved, 110ms) << "not heartbeat intervals";
  EXPECT_EQ(sim.min_holders(), 1);
  // Standby does not take back, even though d1 is preferred.
  sim.run_for(3s);
  EXPECT_EQ(sim.role(0), Role::standby);
  EXPECT_EQ(sim.role(1), Role::active);
  // ...but it does take over when the active node dies.
  sim.power_off(1);
  EXPECT_TRUE(sim.run_until([&] { return sim.role(0) == Role::active; }, 1s));
}

TEST(PeerState, StandbyRefusedWithoutLivePeer) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.power_off(1);
  sim.start(0);
  sim.run_for(2s);
  ASSERT_EQ(sim.role(0), Role::active);
  sim.deliver(0, AdminStandby{});
  EXPECT_EQ(sim.replies().back(), "error: peer d2 is not alive; refusing to leave no active director");
  EXPECT_EQ(sim.role(0), Role::active);
}

TEST(PeerState, TakeoverMakeBeforeBreak) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  sim.reset_min_holders();
  sim.deliver(1, AdminTakeover{});
  EXPECT_EQ(sim.replies().back(), "ok: active");
  EXPECT_EQ(sim.role(1), Role::active);
  auto moved = sim.run_until([&] { return sim.role(0) == Role::backup; }, 1s);
  ASSERT_TRUE(moved);
  EXPECT_GE(*moved, 100ms) << "overlap so requests in flight complete";
  EXPECT_LE(*moved, 105ms);
  EXPECT_EQ(sim.min_holders(), 1);
  sim.run_for(3s);
  EXPECT_EQ(sim.role(1), Role::active) << "without auto_failback the takeover sticks";
  EXPECT_EQ(sim.role(0), Role::backup);
  EXPECT_FALSE(sim.node(1).state.takeover) << "flag cleared once the peer yielded";
}

TEST(PeerState, ReloadChangesVipsWhileActive) {
  PeerParams p = params("d1", "d2");
  PeerState s = initial_state(p, TimePoint{});
  TimePoint t{};
  s = step(s, Start{}, t).state;
  t += 1100ms;
  s = step(s, Tick{}, t).state;
  ASSERT_EQ(s.role, Role::active);
  PeerParams q = p;
  q.vips = {vip("10.0.0.100/24"), vip("10.0.0.101/24")};
  q.vips.erase(q.vips.begin());
  q.vips.push_back(vip("2001:db8::100/64"));
  Step st = step(s, Reconfigure{q}, t);
  std::vector<std::string> released, acquired, announced;
  for (auto& a : st.actions) {
    if (auto* r = std::get_if<ReleaseVips>(&a))
      for (auto& v : r->vips) released.push_back(v.address.str());
    if (auto* r = std::get_if<AcquireVips>(&a))
      for (auto& v : r->vips) acquired.push_back(v.address.str());
    if (auto* r = std::get_if<AnnounceVips>(&a))
      for (auto& v : r->vips) announced.push_back(v.address.str());
  }
  EXPECT_EQ(released, (std::vector<std::string>{"10.0.0.100/24"}));
  EXPECT_EQ(acquired, (std::vector<std::string>{"10.0.0.101/24", "2001:db8::100/64"}));
  EXPECT_EQ(announced, acquired);
  EXPECT_EQ(st.state.role, Role::active);

  // A backup adds nothing on reload.
  PeerState b = initial_state(p, t);
  b.role = Role::backup;
  Step sb = step(b, Reconfigure{q}, t);
  for (auto& a : sb.actions) {
    EXPECT_FALSE(std::holds_alternative<AcquireVips>(a));
    EXPECT_FALSE(std::holds_alternative<ReleaseVips>(a));
  }
}

TEST(PeerState, ReloadKeepsLinkHistoryByName) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(1s);
  auto p = params("d1", "d2");
  p.link_names = {"private", "backup"};
  sim.deliver(0, Reconfigure{p});
  const auto& links = sim.node(0).state.links;
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].name, "private");
  EXPECT_TRUE(links[0].last_heard.has_value());
  EXPECT_FALSE(links[1].last_heard.has_value());
}

TEST(PeerState, ShutdownHandsOverThenExits) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  sim.reset_min_holders();
  sim.deliver(0, Shutdown{});
  auto done = sim.run_until([&] { return sim.node(0).exited; }, 2s);
  ASSERT_TRUE(done);
  EXPECT_LE(*done, 110ms);
  EXPECT_FALSE(sim.node(0).holds);
  EXPECT_EQ(sim.role(1), Role::active);
  EXPECT_EQ(sim.min_holders(), 1);
}

TEST(PeerState, ShutdownOfBackupIsSeenAtOnce) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  sim.deliver(1, Shutdown{});
  EXPECT_TRUE(sim.node(1).exited);
  sim.run_for(5ms);
  EXPECT_FALSE(sim.node(0).state.peer.alive) << "the leaving flag ends the peer at once";
  EXPECT_EQ(sim.role(0), Role::active);
}

TEST(PeerState, AloneShutdownReleasesAndExits) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.power_off(1);
  sim.start(0);
  sim.run_for(2s);
  sim.deliver(0, Shutdown{});
  EXPECT_TRUE(sim.node(0).exited);
  EXPECT_FALSE(sim.node(0).holds);
}

TEST(PeerState, AcquireFailureGoesFaultAndPeerTakesOver) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  ASSERT_EQ(sim.role(0), Role::active);
  sim.deliver(0, AcquireFailed{"add 10.0.0.100/24 on eth0: No such device"});
  EXPECT_EQ(sim.role(0), Role::fault);
  EXPECT_FALSE(sim.node(0).holds);
  EXPECT_TRUE(sim.run_until([&] { return sim.role(1) == Role::active; }, 20ms));
  // After the retry delay it listens again and, seeing d2 active, stays backup.
  sim.run_for(3s);
  EXPECT_EQ(sim.role(0), Role::backup);
  EXPECT_EQ(sim.role(1), Role::active);
}

TEST(PeerState, AllLocalLinksDownIsFaultAndReleases) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  sim.deliver(0, LinkLocal{0, false});
  EXPECT_EQ(sim.role(0), Role::active) << "one link down locally is not a fault";
  sim.deliver(0, LinkLocal{1, false});
  EXPECT_EQ(sim.role(0), Role::fault);
  EXPECT_FALSE(sim.node(0).holds);
  sim.set_link(0, false);
  sim.set_link(1, false);
  EXPECT_TRUE(sim.run_until([&] { return sim.role(1) == Role::active; }, 1s));
  // Links return: d1 listens first and does not grab the VIPs back.
  sim.set_link(0, true);
  sim.set_link(1, true);
  sim.deliver(0, LinkLocal{0, true});
  sim.deliver(0, LinkLocal{1, true});
  EXPECT_EQ(sim.role(0), Role::init);
  sim.reset_min_holders();
  sim.run_for(3s);
  EXPECT_EQ(sim.role(0), Role::backup);
  EXPECT_EQ(sim.role(1), Role::active);
  EXPECT_EQ(sim.holders(), 1);
}

TEST(PeerState, GarpRefreshWhileActive) {
  auto p = params("d1", "d2");
  p.garp.refresh = 1s;
  Sim sim(p, params("d2", "d1"));
  sim.power_off(1);
  sim.start(0);
  sim.run_for(1100ms);
  ASSERT_EQ(sim.role(0), Role::active);
  int after_burst_start = sim.node(0).announcements;
  sim.run_for(400ms + 1ms);
  EXPECT_EQ(sim.node(0).announcements, 3) << "burst of garp.count";
  sim.run_for(3s);
  EXPECT_GE(sim.node(0).announcements - after_burst_start, 4);
}

TEST(PeerState, HeartbeatFlags) {
  PeerState s = initial_state(params("d1", "d2"), TimePoint{});
  EXPECT_EQ(s.heartbeat_flags(), 0);
  s.role = Role::active;
  s.takeover = true;
  EXPECT_EQ(s.heartbeat_flags(), flag::takeover);
  s.handover = Handover{TimePoint{}, TimePoint{}, handover::Relinquish{}};
  EXPECT_EQ(s.heartbeat_flags(), flag::takeover | flag::relinquish);
  s.handover->stage = handover::Prepare{};
  EXPECT_EQ(s.heartbeat_flags(), flag::takeover | flag::prepare);
  s.handover->stage = handover::Forward{};
  EXPECT_EQ(s.heartbeat_flags(), flag::takeover | flag::prepare);
  s = initial_state(params("d1", "d2"), TimePoint{});
  s.shutting_down = true;
  EXPECT_EQ(s.heartbeat_flags(), flag::leaving);
  s = initial_state(params("d2", "d1"), TimePoint{});
  s.role = Role::backup;
  s.staged = true;
  EXPECT_EQ(s.heartbeat_flags(), flag::staged);
}

// ---- staged handover (forward_stage > 0) ----------------------------------

namespace {

PeerParams staged(const std::string& self, const std::string& peer) {
  PeerParams p = params(self, peer);
  p.forward_stage = 500ms;
  return p;
}

}  // namespace

// Two nodes with a 500 ms forwarding stage, settled (d1 active, d2 backup).
class StagedPair : public ::testing::Test {
 protected:
  void SetUp() override {
    sim.start_both();
    sim.run_for(2s);
  }
  // tandemctl standby on d1, then until d1 forwards new connections to d2.
  bool standby_until_forwarding() {
    sim.deliver(0, AdminStandby{});
    return sim.run_until([&] { return sim.node(0).state.forwarding; }, 50ms).has_value();
  }
  Sim sim{staged("d1", "d2"), staged("d2", "d1")};
};

TEST_F(StagedPair, StagedStandbyForwardsThenHandsOver) {
  const std::size_t a0 = sim.node(0).actions.size(), a1 = sim.node(1).actions.size();
  const int announced = sim.node(1).announcements;
  const TimePoint t0 = sim.now();
  sim.deliver(0, AdminStandby{});
  EXPECT_EQ(sim.replies().back(), "ok: handing over to d2");

  // d2 adds the VIPs without announcing them and stays backup.
  ASSERT_TRUE(sim.run_until([&] { return sim.node(1).state.staged; }, 50ms));
  EXPECT_EQ(sim.role(1), Role::backup);
  EXPECT_TRUE(sim.node(1).holds);
  EXPECT_EQ(sim.node(1).announcements, announced) << "no announcement while staged";
  // d1 then forwards new connections to it, still active.
  auto forwarding = sim.run_until([&] { return sim.node(0).state.forwarding; }, 50ms);
  ASSERT_TRUE(forwarding);
  EXPECT_EQ(sim.role(0), Role::active);
  const TimePoint forward_at = sim.now();
  EXPECT_LE(forward_at - t0, 10ms);
  // After forward_stage, d2 takes over and announces; d1 stops forwarding and releases.
  auto moved = sim.run_until([&] { return sim.role(0) == Role::standby && sim.role(1) == Role::active; }, 2s);
  ASSERT_TRUE(moved);
  EXPECT_GE(sim.now() - forward_at, 500ms);
  EXPECT_LE(sim.now() - forward_at, 500ms + 120ms) << "forward stage, then the 100 ms overlap";
  EXPECT_GT(sim.node(1).announcements, announced);
  EXPECT_FALSE(sim.node(0).state.forwarding);
  EXPECT_FALSE(sim.node(1).state.staged);
  EXPECT_FALSE(sim.node(0).holds);
  EXPECT_TRUE(sim.node(1).holds);

  // d1: ForwardToPeer on, and off only after its VIPs went (a client that
  // still reaches d1 meanwhile has its new connections forwarded, never
  // scheduled here with their sync paused).
  std::vector<std::string> kinds;
  for (std::size_t i = a0; i < sim.node(0).actions.size(); ++i) {
    const Action& a = sim.node(0).actions[i];
    if (auto* f = std::get_if<ForwardToPeer>(&a)) kinds.push_back(f->on ? "forward on" : "forward off");
    if (std::holds_alternative<ReleaseVips>(a)) kinds.push_back("release");
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"forward on", "release", "forward off"}));
  // d2: the VIPs once (staged), then the announcement and the sync master.
  int acquires = 0;
  for (std::size_t i = a1; i < sim.node(1).actions.size(); ++i)
    if (std::holds_alternative<AcquireVips>(sim.node(1).actions[i])) ++acquires;
  EXPECT_EQ(acquires, 2) << "staged, then again on becoming active (already there: no change)";
  EXPECT_TRUE(any_log(sim.node(0), "new connections go to it for 500ms"));
}

TEST_F(StagedPair, StagedHandoverCancelledWhenThePeerDies) {
  ASSERT_TRUE(standby_until_forwarding());
  sim.power_off(1);
  auto back = sim.run_until([&] { return !sim.node(0).state.forwarding; }, 1s);
  ASSERT_TRUE(back);
  EXPECT_LE(*back, 400ms + 10ms) << "within deadtime";
  EXPECT_EQ(sim.role(0), Role::active);
  EXPECT_TRUE(sim.node(0).holds);
  EXPECT_TRUE(any_log(sim.node(0), "handover cancelled"));
}

TEST_F(StagedPair, StagedPeerTakesOverWhenTheActiveDies) {
  ASSERT_TRUE(standby_until_forwarding());
  const int announced = sim.node(1).announcements;
  sim.power_off(0);
  ASSERT_TRUE(sim.run_until([&] { return sim.role(1) == Role::active; }, 1s));
  EXPECT_GT(sim.node(1).announcements, announced);
  EXPECT_TRUE(sim.node(1).holds);
}

TEST_F(StagedPair, StagedPeerLetsGoWhenTheHandoverIsCancelled) {
  ASSERT_TRUE(standby_until_forwarding());
  // d1 stops hearing d2 (d2 still hears d1): after deadtime d1 gives the
  // handover up, announces the VIPs again (d2 may have answered for them)
  // and d2, seeing d1 active without `prepare`, removes its unannounced VIPs.
  const int announced = sim.node(0).announcements;
  sim.mute(1, true);
  auto cancelled = sim.run_until([&] { return !sim.node(0).state.forwarding; }, 1s);
  ASSERT_TRUE(cancelled);
  EXPECT_GE(*cancelled, 400ms) << "deadtime";
  EXPECT_GT(sim.node(0).announcements, announced) << "re-announced";
  EXPECT_TRUE(any_log(sim.node(0), "handover cancelled: d2 is not alive"));
  auto released = sim.run_until([&] { return !sim.node(1).state.staged; }, 300ms);
  ASSERT_TRUE(released);
  EXPECT_EQ(sim.role(1), Role::backup);
  EXPECT_FALSE(sim.node(1).holds);
  EXPECT_EQ(sim.role(0), Role::active);
  EXPECT_TRUE(sim.node(0).holds);
}

TEST(PeerState, StagedHandoverCancelledWhenThePeerLosesItsStaging) {
  // The peer stays alive but goes to fault (its links locally down but one):
  // forwarding to it stops at once, not after deadtime.
  Sim sim(staged("d1", "d2"), staged("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  sim.deliver(0, AdminStandby{});
  ASSERT_TRUE(sim.run_until([&] { return sim.node(0).state.forwarding; }, 50ms));
  const int announced = sim.node(0).announcements;
  sim.deliver(1, AcquireFailed{"add 10.0.0.100/24 on eth0: no such device"});
  EXPECT_FALSE(sim.node(1).state.staged);
  EXPECT_FALSE(sim.node(1).holds);
  auto cancelled = sim.run_until([&] { return !sim.node(0).state.forwarding; }, 1s);
  ASSERT_TRUE(cancelled);
  EXPECT_LE(*cancelled, 5ms) << "at the next heartbeat, not after deadtime";
  EXPECT_EQ(sim.role(0), Role::active);
  EXPECT_GT(sim.node(0).announcements, announced);
  EXPECT_TRUE(any_log(sim.node(0), "no longer holds the VIPs unannounced"));
  // d2 does not try to stage again for this handover (it would fail again).
  sim.run_for(1s);
  EXPECT_FALSE(sim.node(1).state.staged);
  int acquires = 0;
  for (const auto& a : sim.node(1).actions) acquires += std::holds_alternative<AcquireVips>(a);
  EXPECT_EQ(acquires, 1);
}

TEST_F(StagedPair, ShutdownDuringAStandbyDoesNotRestartTheHandover) {
  ASSERT_TRUE(standby_until_forwarding());
  const auto until = sim.node(0).state.handover->stage;
  sim.run_for(100ms);
  sim.deliver(0, Shutdown{});
  EXPECT_EQ(sim.node(0).state.handover->stage, until);
  EXPECT_TRUE(sim.node(0).state.handover->in<handover::Forward>());
  ASSERT_TRUE(sim.run_until([&] { return sim.node(0).exited; }, 2s));
  EXPECT_EQ(sim.role(1), Role::active);
}

TEST_F(StagedPair, StagedShutdownHandsOverThenExits) {
  sim.deliver(0, Shutdown{});
  ASSERT_TRUE(sim.run_until([&] { return sim.node(0).exited; }, 3s));
  EXPECT_EQ(sim.role(1), Role::active);
  EXPECT_TRUE(any_log(sim.node(0), "new connections go to it"));
  EXPECT_FALSE(sim.node(0).state.forwarding);
}

// SPEC "Takeover order: add VIPs, then send GARP/NA, then start the IPVS sync
// daemon as master. Release order: the reverse."
TEST(PeerState, TakeoverAndReleaseOrder) {
  auto kinds = [](const std::vector<Action>& actions) {
    std::vector<std::string> out;
    for (const auto& a : actions) {
      if (std::holds_alternative<AcquireVips>(a)) out.push_back("acquire");
      if (std::holds_alternative<AnnounceVips>(a)) out.push_back("announce");
      if (auto* r = std::get_if<SetSyncRole>(&a)) out.push_back(r->master ? "sync-master" : "sync-backup");
      if (std::holds_alternative<ReleaseVips>(a)) out.push_back("release");
      if (std::holds_alternative<SendHeartbeat>(a)) out.push_back("heartbeat");
    }
    return out;
  };
  PeerState s = initial_state(params("d1", "d2"), TimePoint{});
  Step st = step(s, Start{}, TimePoint{});
  EXPECT_EQ(kinds(st.actions), (std::vector<std::string>{"sync-backup", "heartbeat"}));
  st = step(st.state, Tick{}, TimePoint{} + 1100ms);
  ASSERT_EQ(st.state.role, Role::active);
  EXPECT_EQ(kinds(st.actions), (std::vector<std::string>{"acquire", "announce", "sync-master", "heartbeat"}));
  st = step(st.state, Shutdown{}, TimePoint{} + 1200ms);
  EXPECT_EQ(kinds(st.actions), (std::vector<std::string>{"sync-backup", "release", "heartbeat"}));
}

TEST_F(StagedPair, StandbyAgainDuringAHandoverChangesNothing) {
  ASSERT_TRUE(standby_until_forwarding());
  const auto until = sim.node(0).state.handover->stage;
  sim.run_for(100ms);
  sim.deliver(0, AdminStandby{});
  EXPECT_EQ(sim.replies().back(), "ok: already handing over to d2");
  EXPECT_EQ(sim.node(0).state.handover->stage, until) << "the stage is not restarted";
  EXPECT_TRUE(sim.node(0).state.handover->in<handover::Forward>());
}

TEST_F(StagedPair, ReloadWhileStagedKeepsTheVipsSilent) {
  sim.deliver(0, AdminStandby{});
  ASSERT_TRUE(sim.run_until([&] { return sim.node(1).state.staged; }, 50ms));
  const std::size_t from = sim.node(1).actions.size();
  const int announced = sim.node(1).announcements;
  PeerParams next = staged("d2", "d1");
  next.vips = {vip("10.0.0.101/24")};
  sim.deliver(1, Reconfigure{next});
  std::vector<std::string> seen;
  for (std::size_t i = from; i < sim.node(1).actions.size(); ++i) {
    const Action& a = sim.node(1).actions[i];
    if (auto* r = std::get_if<ReleaseVips>(&a)) seen.push_back("release " + r->vips.at(0).address.str());
    if (auto* r = std::get_if<AcquireVips>(&a)) seen.push_back("acquire " + r->vips.at(0).address.str());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"release 10.0.0.100/24", "acquire 10.0.0.101/24"}));
  EXPECT_EQ(sim.node(1).announcements, announced);
}

// A backup whose loop was stalled: the heartbeats that waited in its sockets
// count from when they arrived, newest first, so the peer is not declared
// dead; a heartbeat that arrived long ago does not make it look alive.
TEST(PeerState, HeartbeatsCountFromTheirArrival) {
  Sim sim(params("d1", "d2"), params("d2", "d1"));
  sim.start_both();
  sim.run_for(2s);
  ASSERT_EQ(sim.role(0), Role::active);
  ASSERT_EQ(sim.role(1), Role::backup);
  PeerState backup = sim.node(1).state;
  const TimePoint now = sim.now() + 600ms;  // the backup's loop was stalled 600 ms (deadtime 400 ms)
  Heartbeat hb;
  hb.node = "d1";
  hb.generation = 1;
  hb.role = Role::active;
  // Delivered as LinkBank::drain does: the newest (10 ms ago) first.
  Step st = step(backup, HeartbeatIn{0, hb, now - 10ms}, now);
  st = step(st.state, HeartbeatIn{1, hb, now - 550ms}, now);
  st = step(st.state, Tick{}, now);
  EXPECT_EQ(st.state.role, Role::backup);
  EXPECT_TRUE(st.state.peer.alive);
  EXPECT_EQ(st.state.peer.last_heard, now - 10ms);
  EXPECT_EQ(st.state.links[1].last_heard, now - 550ms) << "each link keeps its own arrival";
  EXPECT_FALSE(st.state.links[1].up);
  // Only an old one waited: the peer has been silent for longer than deadtime.
  st = step(backup, HeartbeatIn{0, hb, now - 500ms}, now);
  EXPECT_FALSE(st.state.peer.alive);
  EXPECT_EQ(st.state.role, Role::active);
  // An arrival time from the future is clamped to now.
  st = step(backup, HeartbeatIn{0, hb, now + 5s}, now);
  EXPECT_EQ(st.state.peer.last_heard, now);
}

// ---- connectivity: carrier and fitness in the election ------------------

namespace {

PeerParams tracked(const std::string& self, const std::string& peer) {
  PeerParams p = params(self, peer);
  p.fitness_hold = 1000ms;   // a track's fall x interval + deadtime
  p.fitness_settle = 100ms;  // the track's interval
  return p;
}

// One case of the election with carrier and fitness: d1 (preferred) and d2
// start with fitness 1 and carrier; d1 is active once the pair settles;
// `act` changes things; then `expect` holds after `settle`.
struct ElectionCase {
  const char* description;
  std::function<void(Sim&)> act;
  std::function<void(Sim&)> expect;
  bool auto_failback = false;
};

class Election : public ::testing::TestWithParam<ElectionCase> {};

TEST_P(Election, Case) {
  const ElectionCase& c = GetParam();
  PeerParams a = tracked("d1", "d2"), b = tracked("d2", "d1");
  a.auto_failback = b.auto_failback = c.auto_failback;
  Sim sim(a, b);
  sim.fitness(0, true, 1);
  sim.fitness(1, true, 1);
  sim.start_both();
  sim.run_for(2s);
  ASSERT_EQ(sim.role(0), Role::active);
  ASSERT_EQ(sim.role(1), Role::backup);
  sim.reset_min_holders();
  c.act(sim);
  c.expect(sim);
  if (::testing::Test::HasFailure())
    for (int i = 0; i < 2; ++i)
      for (const auto& l : sim.node(i).logs) std::printf("d%d: %s\n", i + 1, l.c_str());
}

void expect_active(Sim& sim, int active) {
  EXPECT_EQ(sim.role(active), Role::active);
  EXPECT_NE(sim.role(1 - active), Role::active);
  EXPECT_EQ(sim.holders(), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Connectivity, Election,
    ::testing::Values(
        ElectionCase{"carrier lost on the holder: the backup takes over at once, before any deadtime",
                     [](Sim& sim) {
                       sim.fitness(0, false, 1, "no carrier on eth0");
                       auto took = sim.run_until([&] { return sim.role(1) == Role::active; }, 2s);
                       ASSERT_TRUE(took);
                       EXPECT_LE(*took, 10ms);
                       sim.run_for(500ms);
                     },
                     [](Sim& sim) {
                       expect_active(sim, 1);
                       EXPECT_TRUE(any_log(sim.node(0), "d1 hands over to d2: no carrier on eth0"));
                     }},
        ElectionCase{"carrier lost on the holder while the peer is standby: the standby takes them, as from "
                     "a faulty node",
                     [](Sim& sim) {
                       sim.deliver(1, AdminStandby{});
                       sim.run_for(200ms);
                       ASSERT_EQ(sim.role(1), Role::standby);
                       sim.fitness(0, false, 1);
                       auto took = sim.run_until([&] { return sim.role(1) == Role::active; }, 2s);
                       ASSERT_TRUE(took);
                       EXPECT_LE(*took, 10ms);
                       sim.run_for(500ms);
                     },
                     [](Sim& sim) { expect_active(sim, 1); }},
        ElectionCase{"carrier lost on the backup: nothing moves",
                     [](Sim& sim) {
                       sim.fitness(1, false, 1);
                       sim.run_for(3s);
                     },
                     [](Sim& sim) {
                       expect_active(sim, 0);
                       EXPECT_EQ(sim.min_holders(), 1);
                     }},
        ElectionCase{"carrier returns on the node that handed over: no flap without auto_failback",
                     [](Sim& sim) {
                       sim.fitness(0, false, 1);
                       sim.run_for(1s);
                       sim.fitness(0, true, 1);
                       sim.run_for(5s);
                     },
                     [](Sim& sim) { expect_active(sim, 1); }},
        ElectionCase{"carrier returns with auto_failback: the preferred node takes back, make-before-break",
                     [](Sim& sim) {
                       sim.fitness(0, false, 1);
                       sim.run_for(1s);
                       sim.reset_min_holders();
                       sim.fitness(0, true, 1);
                       sim.run_for(5s);
                     },
                     [](Sim& sim) {
                       expect_active(sim, 0);
                       EXPECT_GE(sim.min_holders(), 1);
                     },
                     true},
        ElectionCase{"peer fitness higher: the holder hands over, make-before-break, and says why once",
                     [](Sim& sim) {
                       sim.fitness(0, true, 0, "track gateway (ping 10.0.0.254) down after 2 failures");
                       sim.run_for(3s);
                     },
                     [](Sim& sim) {
                       expect_active(sim, 1);
                       EXPECT_GE(sim.min_holders(), 1) << "never nobody";
                       const auto& logs = sim.node(0).logs;
                       EXPECT_EQ(std::count(logs.begin(), logs.end(),
                                            "d1 hands over to d2: track gateway (ping 10.0.0.254) down after 2 "
                                            "failures; d2 fitness 1 > 0"),
                                 1);
                     }},
        ElectionCase{"peer fitness lower: nothing moves",
                     [](Sim& sim) {
                       sim.fitness(1, true, 0);
                       sim.run_for(3s);
                     },
                     [](Sim& sim) {
                       expect_active(sim, 0);
                       EXPECT_EQ(sim.min_holders(), 1);
                     }},
        ElectionCase{"equal fitness, both higher: today's rules (the preferred node stays)",
                     [](Sim& sim) {
                       sim.fitness(1, true, 5);
                       sim.fitness(0, true, 5);
                       sim.run_for(3s);
                     },
                     [](Sim& sim) { expect_active(sim, 0); }},
        ElectionCase{"both lose the gateway: nothing moves",
                     [](Sim& sim) {
                       sim.fitness(0, true, 0, "track gateway down");
                       sim.fitness(1, true, 0, "track gateway down");
                       sim.run_for(3s);
                     },
                     [](Sim& sim) {
                       expect_active(sim, 0);
                       EXPECT_EQ(sim.min_holders(), 1);
                     }},
        ElectionCase{"peer dead while our fitness is low: we take the VIPs anyway",
                     [](Sim& sim) {
                       sim.fitness(1, true, 0);
                       sim.run_for(500ms);
                       sim.power_off(0);
                       sim.run_for(1s);
                     },
                     [](Sim& sim) { EXPECT_EQ(sim.role(1), Role::active); }},
        ElectionCase{"peer dead while we have no carrier: we do not take them",
                     [](Sim& sim) {
                       sim.fitness(1, false, 1);
                       sim.run_for(500ms);
                       sim.power_off(0);
                       sim.run_for(2s);
                     },
                     [](Sim& sim) {
                       EXPECT_NE(sim.role(1), Role::active);
                       sim.fitness(1, true, 1);  // carrier back: now it serves
                       sim.run_for(100ms);
                       EXPECT_EQ(sim.role(1), Role::active);
                     }},
        ElectionCase{"hold-down: the node that gave up is not handed the VIPs back within the hold",
                     [](Sim& sim) {
                       sim.fitness(0, true, 0);
                       sim.run_until([&] { return sim.role(1) == Role::active && sim.role(0) == Role::backup; }, 3s);
                       sim.fitness(0, true, 2);  // better than d2 now
                       sim.run_for(600ms);
                       EXPECT_EQ(sim.role(1), Role::active) << "within the hold";
                       sim.run_for(3s);
                     },
                     [](Sim& sim) { expect_active(sim, 0); }},
        ElectionCase{"hold-down ends early when the new holder gets worse",
                     [](Sim& sim) {
                       sim.fitness(0, true, 0);
                       sim.run_until([&] { return sim.role(1) == Role::active && sim.role(0) == Role::backup; }, 3s);
                       sim.fitness(0, true, 1);
                       sim.fitness(1, true, 0);  // worse than when d1 gave up
                       auto took = sim.run_until([&] { return sim.role(0) == Role::active; }, 3s);
                       ASSERT_TRUE(took);
                       EXPECT_LT(*took, 600ms) << "not held for the whole second";
                       sim.run_for(1s);
                     },
                     [](Sim& sim) { expect_active(sim, 0); }},
        ElectionCase{"flapping track: fitness toggling every 200 ms moves the VIPs far less often, never to nobody",
                     [](Sim& sim) {
                       int moves = 0;
                       Role was = sim.role(0);
                       for (int i = 0; i < 25; ++i) {
                         sim.fitness(0, true, i % 2 == 0 ? 0 : 2);
                         sim.run_for(200ms);
                         if (sim.role(0) != was) ++moves, was = sim.role(0);
                       }
                       // Each move is one a node may make (the giver is held off
                       // for 1 s; the holder may hand back once the giver is better
                       // again): far fewer than the 25 changes, never nobody.
                       EXPECT_LE(moves, 10) << "5 s of flapping, a hold of 1 s";
                       EXPECT_GE(sim.min_holders(), 1);
                       sim.fitness(0, true, 1);
                       sim.run_for(3s);
                     },
                     [](Sim& sim) { EXPECT_EQ(sim.holders(), 1); }},
        ElectionCase{"a version 1 peer: fitness unknown, today's rules",
                     [](Sim& sim) {
                       sim.set_version(1, 1);
                       sim.run_for(200ms);
                       sim.fitness(0, true, 0);
                       sim.run_for(3s);
                     },
                     [](Sim& sim) { expect_active(sim, 0); }},
        ElectionCase{"both active after a partition: the fitter one stays",
                     [](Sim& sim) {
                       sim.set_link(0, false);
                       sim.set_link(1, false);
                       sim.fitness(0, true, 0);
                       sim.run_for(2s);
                       EXPECT_EQ(sim.holders(), 2);
                       sim.set_link(0, true);
                       sim.set_link(1, true);
                       sim.run_for(1s);
                     },
                     [](Sim& sim) { expect_active(sim, 1); }},
        ElectionCase{"auto_failback waits until the preferred node is as fit",
                     [](Sim& sim) {
                       sim.fitness(0, true, 0);
                       sim.run_for(3s);
                       EXPECT_EQ(sim.role(1), Role::active);
                       sim.run_for(3s);
                       EXPECT_EQ(sim.role(1), Role::active) << "d1 is still less fit";
                       sim.fitness(0, true, 1);
                       sim.run_for(3s);
                     },
                     [](Sim& sim) { expect_active(sim, 0); },
                     true}),
    [](const ::testing::TestParamInfo<ElectionCase>& i) { return "case" + std::to_string(i.index); });

}  // namespace

TEST(PeerState, FitterBeforeTheElection) {
  PeerState s = initial_state(tracked("d1", "d2"), TimePoint{});
  s.own = Fitness{true, 1, ""};
  s.peer.fitness = 1;
  EXPECT_EQ(fitter(s), Fitter::same);
  s.peer.fitness = 2;
  EXPECT_EQ(fitter(s), Fitter::peer);
  s.own.carrier = false;
  s.peer.fitness = 0;
  EXPECT_EQ(fitter(s), Fitter::peer) << "carrier first";
  s.peer.carrier = false;
  EXPECT_EQ(fitter(s), Fitter::us) << "then fitness";
  s.peer.version = 1;
  EXPECT_EQ(fitter(s), Fitter::same) << "a version 1 peer tells neither";
}

TEST(PeerState, HeartbeatFlagsCarryCarrierAndHoldOff) {
  PeerState s = initial_state(tracked("d1", "d2"), TimePoint{});
  EXPECT_EQ(s.heartbeat_flags() & (flag::no_carrier | flag::hold_off), 0);
  s.own.carrier = false;
  s.hold_until = TimePoint{} + 1s;
  EXPECT_EQ(s.heartbeat_flags() & (flag::no_carrier | flag::hold_off), flag::no_carrier | flag::hold_off);
}
