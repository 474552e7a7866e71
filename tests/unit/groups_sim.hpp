// The simulator of test_groups.cpp and test_resources.cpp: two nodes, each
// running one GroupsState (failover/groups.hpp), over two lossless links
// with 1 ms latency (two_node_wire.hpp), carrying out the actions as the
// daemon does. Resource scripts take `script` (default: 50 ms, exit 0) and
// end in ResourceDone; every start and stop is written to a shared log, so
// a test can check that an exclusive resource never ran on both nodes.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "builders.hpp"
#include "failover/groups.hpp"
#include "two_node_wire.hpp"

namespace tandem::testing::groups_sim {

using namespace tandem::failover;
using namespace std::chrono_literals;
using tandem::config::ConfigDigest;

constexpr auto interval = 100ms;
constexpr auto deadtime = 400ms;

inline PeerParams group(const std::string& self, const std::string& name, const std::string& preferred, const char* vip,
                 bool failback = false) {
  PeerParams p;
  p.group = name;
  p.own_name = self;
  p.peer_name = self == "d1" ? "d2" : "d1";
  p.preferred = preferred;
  p.auto_failback = failback;
  p.interval = interval;
  p.deadtime = deadtime;
  p.warntime = 250ms;
  p.initdead = 1000ms;
  p.link_names = {"public", "private"};
  p.vips = {tandem::testing::make_vip(vip)};
  p.garp.count = 3;
  p.garp.interval = 200ms;
  return p;
}

// web prefers d1 (10.0.0.100), mail prefers d2 (10.0.0.101).
inline GroupsParams pair(const std::string& self, bool web_failback = true, bool mail_failback = true) {
  GroupsParams p;
  p.named = true;
  p.groups = {group(self, "web", "d1", "10.0.0.100/24", web_failback),
              group(self, "mail", "d2", "10.0.0.101/24", mail_failback)};
  p.digest = ConfigDigest{1, 2, 3};
  return p;
}

inline const std::string web_vip = "10.0.0.100/24";
inline const std::string mail_vip = "10.0.0.101/24";

struct Node {
  GroupsState state;
  GroupsParams params;
  TimePoint deadline{};
  bool powered = true;
  bool exited = false;
  std::uint64_t sequence = 0;
  std::set<std::string> held;
  std::map<std::string, int> announced;
  std::vector<std::string> logs;
  std::vector<std::string> replies;
  std::vector<Action> actions;
  std::optional<SetSyncRole> sync;
  int heartbeats = 0;
  // Resource scripts under way: their end, due at `at`.
  struct Pending {
    TimePoint at;
    Event done;
  };
  std::vector<Pending> pending;
  std::set<std::string> running;    // resources whose start began and whose stop has not ended
  std::set<std::string> leftovers;  // running at Start (a crash left them): CheckResources stops them
  std::vector<std::string> roles;   // "GROUP: FROM -> TO", from RoleChanged
};

// How a resource script goes (Sim::script).
struct Script {
  Clock::duration took = 50ms;
  bool ok = true;
  std::string reason = "exit status 1: failed";
};

// One line of the shared log of resource scripts.
struct Entry {
  TimePoint at;
  int node;
  std::string what;  // "start", "started", "start failed", "stop", "stopped", "leftover stopped"
  std::string name;
};

class Sim : public tandem::testing::TwoNodeWire<Sim> {
 public:
  Sim(GroupsParams a, GroupsParams b) {
    reset(0, std::move(a));
    reset(1, std::move(b));
  }

  Node& node(int i) { return node_[i]; }
  Role role(int i, const std::string& g) const { return node_[i].state.find(g)->role; }
  bool holds(int i, const std::string& vip) const { return node_[i].powered && node_[i].held.count(vip) > 0; }
  int holders(const std::string& vip) const { return int(holds(0, vip)) + int(holds(1, vip)); }
  int min_holders(const std::string& vip) const { return min_holders_.count(vip) ? min_holders_.at(vip) : 2; }
  void reset_min_holders() { min_holders_.clear(); }

  void start_both() {
    deliver(0, Start{});
    deliver(1, Start{});
  }

  void deliver(int i, const Event& e) {
    Node& n = node_[i];
    if (!n.powered || n.exited) return;
    if (std::holds_alternative<Tick>(e)) {
      // Scripts that ended by now report first.
      for (;;) {
        auto due = std::find_if(n.pending.begin(), n.pending.end(), [&](const Node::Pending& p) { return p.at <= now_; });
        if (due == n.pending.end()) break;
        Event done = due->done;
        n.pending.erase(due);
        finish(i, done);
        deliver(i, done);
        if (!n.powered || n.exited) return;
      }
    }
    GroupsStep st = step_groups(n.state, e, now_);
    n.state = std::move(st.state);
    n.deadline = st.deadline;
    EXPECT_GT(n.deadline, now_ - 1ns) << "deadline in the past";
    int sends = 0;
    for (auto& a : st.actions) {
      n.actions.push_back(a);
      if (auto* acq = std::get_if<AcquireVips>(&a))
        for (const auto& v : acq->vips) n.held.insert(v.address.str());
      if (auto* rel = std::get_if<ReleaseVips>(&a))
        for (const auto& v : rel->vips) n.held.erase(v.address.str());
      if (auto* ann = std::get_if<AnnounceVips>(&a))
        for (const auto& v : ann->vips) ++n.announced[v.address.str()];
      if (auto* l = std::get_if<Log>(&a)) n.logs.push_back(l->message);
      if (auto* r = std::get_if<AdminReply>(&a)) n.replies.push_back(std::string(r->ok ? "ok: " : "error: ") + r->message);
      if (auto* s = std::get_if<SetSyncRole>(&a)) n.sync = *s;
      if (auto* rc = std::get_if<RoleChanged>(&a))
        n.roles.push_back((rc->group.empty() ? "default" : rc->group) + ": " + std::string(to_string(rc->from)) +
                          " -> " + std::string(to_string(rc->to)));
      if (auto* sr = std::get_if<StartResource>(&a)) begin(i, sr->group, sr->index, true);
      if (auto* sr = std::get_if<StopResource>(&a)) begin(i, sr->group, sr->index, false);
      if (auto* cr = std::get_if<CheckResources>(&a)) {
        ResourcesChecked done{cr->group, {}};
        for (const auto& name : n.leftovers) done.stopped.push_back(name);
        n.pending.push_back(Node::Pending{now_ + 10ms, done});
      }
      if (std::holds_alternative<Exit>(a)) n.exited = true;
      if (std::holds_alternative<SendHeartbeat>(a)) ++sends, send(i);
    }
    EXPECT_LE(sends, 1) << "one heartbeat per step";
    for (const auto& vip : {web_vip, mail_vip}) {
      auto [it, fresh] = min_holders_.emplace(vip, holders(vip));
      if (!fresh) it->second = std::min(it->second, holders(vip));
    }
    for (auto& a : st.actions)
      if (auto* f = std::get_if<ForwardToPeer>(&a)) deliver(i, ForwardApplied{f->on, f->group});
  }

  void send(int from) {
    Node& n = node_[from];
    ++n.heartbeats;
    Heartbeat hb;
    hb.node = n.state.node().params.own_name;
    hb.generation = 1;
    hb.sequence = ++n.sequence;
    hb.priority = 100;
    hb.version = version_[from];
    n.state.fill(hb);
    if (hb.version < 3) hb.groups.clear(), hb.digest = {};  // as the codec sends it
    put(from, hb);
  }

  bool running(int i) const { return node_[i].powered && !node_[i].exited; }
  TimePoint deadline(int i) const {
    TimePoint d = node_[i].deadline;
    for (const auto& p : node_[i].pending) d = std::min(d, p.at);
    return d;
  }

  // How each resource script goes; by default 50 ms and exit 0.
  std::function<Script(int node, const std::string& name, bool start)> script = [](int, const std::string&, bool) {
    return Script{};
  };
  const std::vector<Entry>& journal() const { return journal_; }
  // The longest time an exclusive resource ran on both nodes at once.
  Clock::duration overlap() const { return overlap_; }
  bool running_on(int i, const std::string& name) const { return node_[i].running.count(name) > 0; }

  // The node dies: its daemon and the scripts it ran (power loss).
  void power_off(int i) {
    node_[i].powered = false;
    node_[i].running.clear();
    node_[i].pending.clear();
  }
  // tandemd is killed (-9): what its scripts started keeps running.
  void kill(int i) {
    node_[i].powered = false;
    node_[i].pending.clear();
  }
  // tandemd starts again on a node killed before: its leftovers are found.
  void restart(int i) {
    std::set<std::string> left = node_[i].running;
    GroupsParams p = node_[i].params;
    reset(i, std::move(p));
    node_[i].leftovers = left;
    node_[i].running = left;
    deliver(i, Start{});
  }
  void power_on(int i) {
    GroupsParams p = node_[i].params;
    reset(i, std::move(p));
    deliver(i, Start{});
  }
  void set_links(bool ok) {
    set_link(0, ok);
    set_link(1, ok);
  }
  void set_version(int i, std::uint8_t v) { version_[i] = v; }
  void reload(int i, GroupsParams p) {
    node_[i].params = p;
    deliver(i, ReconfigureGroups{std::make_shared<const GroupsParams>(std::move(p))});
  }

 private:
  void reset(int i, GroupsParams p) {
    node_[i] = Node{};
    node_[i].params = p;
    node_[i].state = initial_groups(p, now_);
  }

  const ResourceParams* resource(int i, const std::string& group, std::size_t index) const {
    const PeerState* g = node_[i].state.find(group.empty() ? "default" : group);
    return g && index < g->params.resources.size() ? &g->params.resources[index] : nullptr;
  }

  // A script starts: logged, and its end scheduled.
  void begin(int i, const std::string& group, std::size_t index, bool start) {
    const ResourceParams* r = resource(i, group, index);
    ASSERT_NE(r, nullptr);
    const Script how = script(i, r->name, start);
    journal_.push_back(Entry{now_, i, start ? "start" : "stop", r->name});
    if (start) {
      node_[i].running.insert(r->name);
      check_overlap();
    }
    node_[i].pending.push_back(
        Node::Pending{now_ + how.took, ResourceDone{group, index, start, how.ok, how.ok ? "" : how.reason, r->name}});
  }

  // A script ended (before the machine hears of it).
  void finish(int i, const Event& done) {
    if (auto* checked = std::get_if<ResourcesChecked>(&done)) {
      for (const auto& name : checked->stopped) {
        node_[i].running.erase(name);
        journal_.push_back(Entry{now_, i, "leftover stopped", name});
      }
      node_[i].leftovers.clear();
      return;
    }
    const auto& d = std::get<ResourceDone>(done);
    if (d.start && d.ok) journal_.push_back(Entry{now_, i, "started", d.name});
    if (d.start && !d.ok) {
      journal_.push_back(Entry{now_, i, "start failed", d.name});
      node_[i].running.erase(d.name);
    }
    if (!d.start) {
      journal_.push_back(Entry{now_, i, d.ok ? "stopped" : "stop failed", d.name});
      node_[i].running.erase(d.name);
    }
    check_overlap();
  }

  // Tracks how long an exclusive resource has run on both nodes at once.
  void check_overlap() {
    bool both = false;
    for (const auto& name : node_[0].running) {
      if (!node_[1].running.count(name) || !node_[0].powered || !node_[1].powered) continue;
      const PeerState& g = node_[0].state.node();
      for (const auto& r : g.params.resources)
        if (r.name == name && r.exclusive) both = true;
    }
    if (both && !overlap_since_) overlap_since_ = now_;
    if (both) overlap_ = std::max(overlap_, now_ - *overlap_since_ + 1ns);
    if (!both) overlap_since_.reset();
  }

  Node node_[2];
  std::uint8_t version_[2] = {3, 3};
  std::map<std::string, int> min_holders_;
  std::vector<Entry> journal_;
  Clock::duration overlap_{0};
  std::optional<TimePoint> overlap_since_;
};

inline bool any_log(const Node& n, const std::string& needle) {
  return std::any_of(n.logs.begin(), n.logs.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}
inline int count_log(const Node& n, const std::string& needle) {
  return int(std::count_if(n.logs.begin(), n.logs.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; }));
}

// d1 active for web, d2 active for mail.
inline void settle(Sim& sim) {
  sim.start_both();
  sim.run_for(2s);
  ASSERT_EQ(sim.role(0, "web"), Role::active);
  ASSERT_EQ(sim.role(0, "mail"), Role::backup);
  ASSERT_EQ(sim.role(1, "web"), Role::backup);
  ASSERT_EQ(sim.role(1, "mail"), Role::active);
  sim.reset_min_holders();
}


}  // namespace tandem::testing::groups_sim
