#include "failover/groups.hpp"

#include <algorithm>

namespace tandem::failover {
namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

std::string group_names(const GroupsState& s) {
  std::vector<std::string> names;
  for (const auto& g : s.groups) names.push_back(GroupsState::name_of(g));
  return join(names, ", ");
}

// What the machines of one step said, merged into the node's one answer.
struct Merge {
  GroupsState& s;
  TimePoint now;
  std::vector<Action> out;
  bool heartbeat = false;
  std::optional<std::size_t> sync_at;  // where the first SetSyncRole went
  std::optional<std::size_t> reply_at;  // where the first AdminReply goes
  std::size_t exits = 0;
  std::vector<std::pair<std::string, AdminReply>> replies;

  void log(int priority, std::string message) { out.push_back(Log{priority, std::move(message)}); }

  void run(std::size_t i, const Event& event) {
    Step st = step(std::move(s.groups[i]), event, now);
    s.groups[i] = std::move(st.state);
    for (auto& a : st.actions) {
      if (std::holds_alternative<SendHeartbeat>(a)) {
        heartbeat = true;
      } else if (std::holds_alternative<SetSyncRole>(a)) {
        // Replaced below by the node's role: the first one keeps its place
        // in the order (after the VIPs and their announcement, before the
        // VIPs are released).
        if (!sync_at) {
          sync_at = out.size();
          out.push_back(a);
        }
      } else if (std::holds_alternative<Exit>(a)) {
        ++exits;
      } else if (auto* r = std::get_if<AdminReply>(&a)) {
        if (!reply_at) reply_at = out.size();
        replies.emplace_back(GroupsState::name_of(s.groups[i]), std::move(*r));
      } else {
        out.push_back(std::move(a));
      }
    }
  }

  void run_all(const Event& event) {
    for (std::size_t i = 0; i < s.groups.size(); ++i) run(i, event);
  }

  // The index of the named group; "default" names the one group of the
  // form without [[group]].
  std::optional<std::size_t> find(const std::string& name) const {
    for (std::size_t i = 0; i < s.groups.size(); ++i)
      if (GroupsState::name_of(s.groups[i]) == name) return i;
    return std::nullopt;
  }
};

// The peer's heartbeat as one group's machine sees it: the group's own
// entry of a version 3 packet (a group the peer does not have: fault, it
// cannot serve it, so we hold it and never hand it over); an older
// version's role and flags apply to every group.
Heartbeat for_group(const Heartbeat& hb, const std::string& name) {
  Heartbeat g = hb;
  g.groups.clear();
  if (hb.version < 3) return g;
  auto it = std::find_if(hb.groups.begin(), hb.groups.end(), [&](const GroupRole& r) { return r.name == name; });
  if (it != hb.groups.end()) {
    g.role = it->role;
    g.flags = it->flags;
  } else {
    g.role = Role::fault;
    g.flags = hb.flags & flag::no_carrier;
  }
  return g;
}

void compare_digests(Merge& m) {
  GroupsState& s = m.s;
  const std::string& peer = s.node().params.peer_name;
  std::vector<std::string> differs;
  if (s.peer_digest) differs = config::digest_differences(s.digest, *s.peer_digest);
  if (differs == s.differs) return;
  if (differs.empty())
    m.log(5, "configuration matches " + peer + "'s again");
  else
    m.log(4, "configuration differs from " + peer + "'s: " + join(differs, ", ") + " (digest here " +
                 config::format_digest(s.digest) + ", on " + peer + " " + config::format_digest(*s.peer_digest) + ")");
  s.differs = std::move(differs);
}

void heard(Merge& m, const HeartbeatIn& in) {
  GroupsState& s = m.s;
  const Heartbeat& hb = in.heartbeat;
  if (hb.version != s.peer_version) {
    if (hb.version < 3)
      m.log(4, "peer " + s.node().params.peer_name + " speaks heartbeat version " + std::to_string(hb.version) +
                   (s.named ? ": it knows no failover groups (its one role counts for each), and its" : ": its") +
                   " configuration cannot be compared with ours");
    s.peer_version = hb.version;
  }
  if (hb.version >= 3)
    s.peer_digest = hb.digest;
  else
    s.peer_digest.reset();
  compare_digests(m);
  for (std::size_t i = 0; i < s.groups.size(); ++i)
    m.run(i, HeartbeatIn{in.link, for_group(hb, GroupsState::name_of(s.groups[i])), in.arrived});
}

// tandemctl standby/takeover [GROUP]. For every group at once, nothing
// moves unless every group can: the refusals of the machines are the
// node's (the peer is not alive or in fault; we are in fault).
template <class Admin>
void admin(Merge& m, const Admin& ev) {
  GroupsState& s = m.s;
  constexpr bool standby = std::is_same_v<Admin, AdminStandby>;
  if (!ev.group.empty()) {
    auto i = m.find(ev.group);
    if (!i) {
      m.replies.emplace_back("", AdminReply{false, "no group " + ev.group + " (groups: " + group_names(s) + ")"});
      return;
    }
    return m.run(*i, ev);
  }
  for (const auto& g : s.groups) {
    if (g.shutting_down) break;  // each machine says so
    const bool refuses = standby ? g.role == Role::active && !g.handover &&
                                       (!g.peer.alive || g.peer.role == Role::fault)
                                 : g.role == Role::fault;
    if (!refuses || s.groups.size() == 1) continue;
    Step probe = step(g, ev, m.now);  // its words, not its actions
    for (const auto& a : probe.actions)
      if (auto* r = std::get_if<AdminReply>(&a))
        m.replies.emplace_back(GroupsState::name_of(g), AdminReply{false, r->message + "; no group moved"});
    return;
  }
  m.run_all(ev);
}

void reconfigure(Merge& m, const GroupsParams& p) {
  GroupsState& s = m.s;
  const PeerState node = s.node();  // links and fitness for new groups
  std::vector<PeerState> kept;
  std::vector<std::optional<std::size_t>> was(p.groups.size());
  for (std::size_t j = 0; j < p.groups.size(); ++j)
    for (std::size_t i = 0; i < s.groups.size(); ++i)
      if (s.groups[i].params.group == p.groups[j].group) was[j] = i;
  // Removed groups give their VIPs up first, so a VIP that moves to another
  // group is added again after.
  for (std::size_t i = 0; i < s.groups.size(); ++i) {
    if (std::any_of(was.begin(), was.end(), [&](const auto& w) { return w == i; })) continue;
    PeerState& g = s.groups[i];
    const std::string name = GroupsState::name_of(g);
    if (g.forwarding) m.out.push_back(ForwardToPeer{false, g.params.group});
    if (g.holds_vips()) {
      m.out.push_back(ReleaseVips{g.params.vips});
      m.log(5, "group " + name + " removed from the configuration; its VIPs released");
    } else {
      m.log(5, "group " + name + " removed from the configuration");
    }
  }
  std::vector<PeerState> next;
  for (std::size_t j = 0; j < p.groups.size(); ++j) {
    PeerParams params = p.groups[j];
    params.node_logs = j == 0;
    if (was[j]) {
      next.push_back(std::move(s.groups[*was[j]]));
    } else {
      // A new group listens for the peer's word on it before deciding, as
      // at a start; the links and fitness are the node's.
      PeerState g = initial_state(params, m.now);
      g.links = node.links;
      g.own = node.own;
      g.peer.version = node.peer.version;
      g.peer.priority = node.peer.priority;
      g.peer.fitness = node.peer.fitness;
      g.peer.carrier = node.peer.carrier;
      next.push_back(std::move(g));
      m.log(5, "group " + GroupsState::name_of(next.back()) + " added; listening for " + params.peer_name);
    }
  }
  s.groups = std::move(next);
  s.named = p.named;
  s.digest = p.digest;
  for (std::size_t j = 0; j < p.groups.size(); ++j) {
    PeerParams params = p.groups[j];
    params.node_logs = j == 0;
    if (was[j])
      m.run(j, Reconfigure{std::move(params)});
    else
      m.run(j, Tick{});
  }
  compare_digests(m);
}

AdminReply merged_reply(const std::vector<std::pair<std::string, AdminReply>>& replies) {
  if (replies.size() == 1) return replies.front().second;
  AdminReply r;
  std::vector<std::string> parts;
  for (const auto& [name, reply] : replies) {
    r.ok = r.ok && reply.ok;
    parts.push_back(name.empty() ? reply.message : name + ": " + reply.message);
  }
  r.message = join(parts, "; ");
  return r;
}

}  // namespace

GroupsParams GroupsParams::from(const config::Config& cfg, const std::vector<Duration>& forward_stages) {
  GroupsParams p;
  p.named = cfg.named_groups;
  p.digest = config::digest_of(cfg);
  for (std::size_t i = 0; i < cfg.groups.size(); ++i) {
    p.groups.push_back(PeerParams::from_group(cfg, cfg.groups[i], i < forward_stages.size() ? forward_stages[i] : Duration(0)));
    p.groups.back().node_logs = i == 0;
  }
  if (p.groups.empty()) p.groups.push_back(PeerParams::from(cfg));  // a Config not made by the parser
  return p;
}

const PeerState* GroupsState::find(const std::string& name) const {
  for (const auto& g : groups)
    if (name_of(g) == name) return &g;
  return nullptr;
}

std::string GroupsState::name_of(const PeerState& g) { return g.params.group.empty() ? "default" : g.params.group; }

bool GroupsState::holds_any() const {
  return std::any_of(groups.begin(), groups.end(), [](const PeerState& g) { return g.holds_vips(); });
}

void GroupsState::fill(Heartbeat& hb) const {
  hb.groups.clear();
  for (const auto& g : groups) hb.groups.push_back(GroupRole{name_of(g), g.role, g.heartbeat_flags()});
  hb.digest = digest;
  std::size_t head = 0;
  if (hb.version < 3)
    for (std::size_t i = 0; i < groups.size(); ++i)
      if (groups[i].role == Role::active) {
        head = i;
        break;
      }
  hb.role = hb.groups[head].role;
  hb.flags = hb.groups[head].flags;
  hb.fitness = static_cast<std::uint16_t>(std::clamp(node().own.value, 0, 65535));
}

SetSyncRole sync_role_of(const GroupsState& s) {
  const bool active = std::any_of(s.groups.begin(), s.groups.end(), [](const PeerState& g) { return g.role == Role::active; });
  SetSyncRole r;
  r.master = active;
  // With [[group]]s the backup daemon always runs, beside the master while
  // any group is active here: a takeover of the peer's last group stops no
  // daemon, and the peer's connections keep coming whatever it holds.
  r.both = active && s.named;
  return r;
}

GroupsState initial_groups(const GroupsParams& params, TimePoint now) {
  GroupsState s;
  s.named = params.named;
  s.digest = params.digest;
  for (std::size_t i = 0; i < params.groups.size(); ++i) {
    PeerParams p = params.groups[i];
    p.node_logs = i == 0;
    s.groups.push_back(initial_state(std::move(p), now));
  }
  return s;
}

GroupsStep step_groups(GroupsState state, const Event& event, TimePoint now) {
  Merge m{state, now};
  std::visit(
      [&](const auto& ev) {
        using E = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<E, HeartbeatIn>) {
          heard(m, ev);
        } else if constexpr (std::is_same_v<E, AdminStandby> || std::is_same_v<E, AdminTakeover>) {
          admin(m, ev);
        } else if constexpr (std::is_same_v<E, ForwardApplied> || std::is_same_v<E, AcquireFailed> ||
                             std::is_same_v<E, ResourceDone> || std::is_same_v<E, ResourcesChecked>) {
          if (ev.group.empty())
            m.run_all(ev);
          else if (auto i = m.find(ev.group))
            m.run(*i, ev);
        } else if constexpr (std::is_same_v<E, ReconfigureGroups>) {
          if (ev.params) reconfigure(m, *ev.params);
        } else {
          m.run_all(ev);
        }
      },
      event);

  // The node's sync daemons follow its groups' roles.
  const SetSyncRole sync = sync_role_of(state);
  const bool sync_changed = !state.sync || state.sync->master != sync.master || state.sync->both != sync.both;
  if (m.sync_at) {
    if (sync_changed || std::holds_alternative<Start>(event))
      m.out[*m.sync_at] = sync;
    else
      m.out.erase(m.out.begin() + static_cast<std::ptrdiff_t>(*m.sync_at));
    if (!(sync_changed || std::holds_alternative<Start>(event)) && m.reply_at && *m.reply_at > *m.sync_at) --*m.reply_at;
    state.sync = sync;
  } else if (sync_changed && state.sync) {
    m.out.push_back(sync);
    state.sync = sync;
  }

  if (!m.replies.empty()) {
    const std::size_t at = std::min(m.reply_at.value_or(m.out.size()), m.out.size());
    m.out.insert(m.out.begin() + static_cast<std::ptrdiff_t>(at), merged_reply(m.replies));
  }
  // One heartbeat for every group, and every group's next one from now.
  if (m.heartbeat) {
    m.out.push_back(SendHeartbeat{});
    for (auto& g : state.groups) g.next_send = now + g.params.interval;
  }
  if (m.exits > 0 && m.exits == state.groups.size()) m.out.push_back(Exit{});

  TimePoint deadline = TimePoint::max();
  for (const auto& g : state.groups) deadline = std::min(deadline, deadline_of(g, now));
  return GroupsStep{std::move(state), std::move(m.out), deadline};
}

}  // namespace tandem::failover
