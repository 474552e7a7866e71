#include "failover/peer_state.hpp"

#include <algorithm>
#include <set>

namespace tandem::failover {
namespace {

constexpr auto epsilon = std::chrono::nanoseconds(1);

std::string ms(Duration d) { return config::format_duration(d); }

std::string ms(Clock::duration d) {
  return config::format_duration(std::chrono::duration_cast<Duration>(d));
}

// Collects actions while the machine evaluates one event.
struct Builder {
  PeerState& s;
  TimePoint now;
  std::vector<Action> actions;

  // A line about this machine's group ("group web: role backup -> active: ...").
  void log(int priority, std::string message) {
    if (!s.params.group.empty()) message = "group " + s.params.group + ": " + message;
    actions.push_back(Log{priority, std::move(message)});
  }
  // A line about the node (links, the peer's liveness, fitness): written by
  // one machine of the node's groups.
  void node_log(int priority, std::string message) {
    if (s.params.node_logs) actions.push_back(Log{priority, std::move(message)});
  }

  void set_role(Role to, std::string reason) {
    if (to == s.role) return;
    Role from = s.role;
    s.role = to;
    s.since = now;
    s.reason = reason;
    actions.push_back(RoleChanged{from, to, reason});
    actions.push_back(SendHeartbeat{});  // the peer learns every role change at once
    log(to == Role::fault ? 3 : 5,
        std::string("role ") + std::string(to_string(from)) + " -> " + std::string(to_string(to)) +
            ": " + reason);
  }

  void start_burst() {
    if (s.params.vips.empty() || s.params.garp.count <= 0) {
      s.garp_remaining = 0;
      s.next_garp = s.params.garp.refresh.count() > 0 && !s.params.vips.empty()
                        ? std::optional<TimePoint>(now + s.params.garp.refresh)
                        : std::nullopt;
      return;
    }
    actions.push_back(AnnounceVips{s.params.vips});
    s.garp_remaining = s.params.garp.count - 1;
    schedule_next_garp();
  }

  void schedule_next_garp() {
    if (s.garp_remaining > 0)
      s.next_garp = now + s.params.garp.interval;
    else if (s.params.garp.refresh.count() > 0)
      s.next_garp = now + s.params.garp.refresh;
    else
      s.next_garp.reset();
  }

  void forward(bool on) {
    if (s.forwarding == on) return;
    s.forwarding = on;
    actions.push_back(ForwardToPeer{on});
  }

  // A planned handover: in stages when forward_stage is set, else the peer
  // is asked to take over at once.
  void start_handover() {
    s.handover = Handover::begin(now, s.params.interval, s.params.deadtime, s.params.forward_stage);
    s.next_send = now;  // tell the peer at once
  }

  void end_handover(bool stop_forwarding = true) {
    s.handover.reset();
    s.fitness_handover = false;
    s.requested_handover = false;
    if (stop_forwarding) forward(false);
  }

  // The taker's side of a staged handover: the VIPs without announcement.
  void stage(bool on, const std::string& why) {
    if (s.staged == on) return;
    s.staged = on;
    if (on) {
      actions.push_back(AcquireVips{s.params.vips});
      log(5, "handover: VIPs added without announcement (" + why + ")");
    } else {
      actions.push_back(ReleaseVips{s.params.vips});
      log(5, "handover: unannounced VIPs removed (" + why + ")");
    }
    actions.push_back(SendHeartbeat{});
  }

  // Takeover order (SPEC): add VIPs, announce, start the sync daemon as
  // master, then tell the peer.
  void become_active(std::string reason, bool on_purpose) {
    set_role(Role::active, std::move(reason));
    s.takeover = on_purpose;
    // Its resources are retried: the ones that failed to start count as
    // stopped, and a release under way is called off (the VIPs stay).
    s.releasing = false;
    s.resource_failure = false;
    s.resource_failure_reported = false;
    s.request_until.reset();
    for (auto& r : s.resources)
      if (r.state == ResourceState::failed && r.failed_start) r.state = ResourceState::stopped;
    end_handover();
    s.staged = false;  // the VIPs are added again below (already there: no change)
    actions.push_back(AcquireVips{s.params.vips});
    start_burst();
    actions.push_back(SetSyncRole{true});
    actions.push_back(SendHeartbeat{});
  }

  // A deferred release once the resources stopped: the sync daemon and the VIPs.
  void finish_release() {
    s.releasing = false;
    log(6, "resources stopped; releasing the VIPs");
    actions.push_back(SetSyncRole{false});
    actions.push_back(ReleaseVips{s.params.vips});
    forward(false);  // after the VIPs (release_to)
    actions.push_back(SendHeartbeat{});
  }

  // Release order: the reverse; the peer hears about it at once.
  void release_to(Role to, std::string reason) {
    bool was_active = s.role == Role::active;
    set_role(to, std::move(reason));
    s.takeover = false;
    // A staged handover's forwarding of new connections to the peer ends
    // only once the VIPs are gone: while this node holds them, a client
    // that has not yet heard the peer's announcement still reaches it, and
    // a connection it scheduled to its own real servers then (with the
    // sync of new connections still paused) would reach the peer next,
    // which has no entry for it, and be reset.
    end_handover(false);
    s.drain_until.reset();
    s.garp_remaining = 0;
    s.next_garp.reset();
    if ((was_active || s.releasing) && resources_up(s.resources)) {
      // The resources stop first, right to left (drive_resources); the
      // sync daemon and the VIPs go after them (finish_release).
      s.releasing = true;
    } else if (was_active || s.releasing) {
      s.releasing = false;
      actions.push_back(SetSyncRole{false});
      actions.push_back(ReleaseVips{s.params.vips});
    } else if (s.staged) {
      s.staged = false;
      actions.push_back(ReleaseVips{s.params.vips});
    }
    if (!s.releasing) forward(false);  // else finish_release, after the VIPs
    actions.push_back(SendHeartbeat{});
  }
};

// A staged handover whose peer no longer holds the VIPs unannounced, yet
// is alive and has not taken over (it went to fault, could not add them,
// restarted): new connections must not go on being forwarded to it.
bool staging_lost(const PeerState& s) {
  return s.handover && s.forwarding && s.peer.alive && !(s.peer.flags & flag::staged) &&
         s.peer.role != Role::active;
}

// Gives up a handover and stays active: the table as configured again and
// the VIPs announced anew (a staged peer may have answered for them).
void cancel_handover(Builder& b, const std::string& why) {
  b.end_handover();
  b.log(4, "handover cancelled: " + why + "; staying active");
  b.start_burst();
  b.actions.push_back(SendHeartbeat{});
}

// A planned handover keeps our VIPs for a short overlap after the peer has
// announced itself, so requests already on their way to us complete
// (make-before-break). True once the overlap is over.
bool drained(Builder& b) {
  if (!b.s.drain_until) {
    b.s.drain_until = b.now + std::min<Duration>(b.s.params.interval, Duration(100));
    return false;
  }
  return b.now >= *b.s.drain_until;
}

// The active side of a planned handover moves on (failover/handover.hpp).
void advance_handover(Builder& b) {
  PeerState& s = b.s;
  if (!s.handover) return;
  auto step = s.handover->advance(s.peer.alive && (s.peer.flags & flag::staged), b.now, s.params.peer_name);
  if (step.start_forwarding) b.forward(true);
  if (step.ask_peer) s.next_send = b.now;
  if (step.log) b.log(5, *step.log);
}

// The shutdown and the active branch alike: while handing over, true when
// nothing is to be decided yet (the handover runs on, or the peer took over
// and our VIPs drain); false when it is over or was cancelled.
bool handing_over(Builder& b, bool shutting_down) {
  PeerState& s = b.s;
  if (!s.handover) return false;
  const auto& p = s.params;
  const bool alive = s.peer.alive;
  if (s.fitness_handover && !shutting_down && !(alive && s.peer.role == Role::active) &&
      fitter(s) != Fitter::peer) {
    s.hold_until.reset();
    cancel_handover(b, p.peer_name + " can no longer serve better");
    return false;
  }
  advance_handover(b);
  if (alive && s.peer.role == Role::active) {
    if (!drained(b)) return true;
    b.log(5, s.handover->done(b.now, p.peer_name));
    // Handed over for fitness, the node stays a candidate (backup); on
    // request it stays out of the way (standby).
    // Handed over because the peer asked, it stays a candidate too.
    const bool for_fitness = s.fitness_handover && !shutting_down;
    const bool asked = s.requested_handover && !shutting_down;
    b.release_to(for_fitness || asked ? Role::backup : Role::standby,
                 shutting_down ? "shutting down; " + p.peer_name + " took over"
                               : "handed over to " + p.peer_name +
                                     (for_fitness ? " (fitness)" : asked ? " (its takeover)" : ""));
    return true;
  }
  if (staging_lost(s))
    cancel_handover(b, p.peer_name + (shutting_down ? "" : " is " + std::string(to_string(s.peer.role)) + " and") +
                           " no longer holds the VIPs unannounced");
  else if (!alive || b.now >= s.handover->give_up) {
    if (shutting_down) return false;  // leave all the same
    cancel_handover(b, p.peer_name + (alive ? " did not take over in time" : " is not alive"));
  }
  return shutting_down && s.handover.has_value();
}

bool all_links_locally_down(const PeerState& s) {
  if (s.links.empty()) return false;
  return std::all_of(s.links.begin(), s.links.end(), [](const LinkView& l) { return !l.local_up; });
}

// Link and peer liveness from the last-heard times.
void update_liveness(Builder& b) {
  PeerState& s = b.s;
  const auto now = b.now;
  for (auto& link : s.links) {
    bool up = link.last_heard && now - *link.last_heard <= s.params.warntime;
    if (up && !link.up) {
      if (link.reported) b.node_log(5, "link " + link.name + ": heartbeats from " + s.params.peer_name + " restored");
      link.reported = false;
    } else if (!up && !link.reported) {
      if (link.last_heard) {
        b.node_log(4, "link " + link.name + ": no heartbeat from " + s.params.peer_name + " for " +
                     ms(now - *link.last_heard) + " (warntime " + ms(s.params.warntime) + ")");
        link.reported = true;
      } else if (now - s.started > s.params.initdead) {
        b.node_log(4, "link " + link.name + ": no heartbeat from " + s.params.peer_name + " since start");
        link.reported = true;
      }
    }
    link.up = up;
  }

  bool was_alive = s.peer.alive;
  bool heard_recently = s.peer.last_heard && now - *s.peer.last_heard <= s.params.deadtime;
  s.peer.alive = heard_recently && !s.peer.leaving;
  if (was_alive && !s.peer.alive) {
    if (s.peer.leaving)
      b.node_log(5, "peer " + s.params.peer_name + " is shutting down");
    else
      b.node_log(4, "peer " + s.params.peer_name + " dead: silent on all links for " +
                   ms(now - *s.peer.last_heard) + " (deadtime " + ms(s.params.deadtime) + ")");
  } else if (!was_alive && s.peer.alive) {
    b.node_log(5, "peer " + s.params.peer_name + " alive" +
                      (s.params.group.empty() ? ", role " + std::string(to_string(s.peer.role)) : ""));
  }
}

// Whether we may conclude the peer is gone (as opposed to not heard yet).
bool peer_gone(const PeerState& s, TimePoint now) {
  if (s.peer.alive) return false;
  if (s.peer.ever_heard) return true;
  return now - s.started > s.params.initdead;
}

std::string gone_reason(const PeerState& s) {
  if (s.peer.leaving) return "peer " + s.params.peer_name + " left";
  if (!s.peer.ever_heard)
    return "no heartbeat from " + s.params.peer_name + " within initdead " + ms(s.params.initdead);
  return "peer " + s.params.peer_name + " silent on all links for more than deadtime " +
         ms(s.params.deadtime);
}

std::string election_reason(const PeerState& s, bool won) {
  const auto& p = s.params;
  const std::string& winner = won ? p.own_name : p.peer_name;
  std::string why;
  if (!p.preferred.empty() && (p.preferred == p.own_name || p.preferred == p.peer_name))
    why = "preferred node";
  else if (p.priority != s.peer.priority)
    why = "higher priority";
  else
    why = "lower node name";
  return winner + " wins the election (" + why + ")";
}

// Why one of the two serves better, for the logs: "track gateway (ping
// 10.0.0.254) down after 2 failures; d2 fitness 1 > 0".
std::string fitness_reason(const PeerState& s, bool peer_better) {
  const auto& p = s.params;
  const std::string& better = peer_better ? p.peer_name : p.own_name;
  const std::string& worse = peer_better ? p.own_name : p.peer_name;
  const bool better_carrier = peer_better ? s.peer.carrier : s.own.carrier;
  const bool worse_carrier = peer_better ? s.own.carrier : s.peer.carrier;
  if (better_carrier && !worse_carrier)  // our own words already name the interface ("no carrier on eth0")
    return peer_better && !s.own.why.empty() ? s.own.why : worse + " has no carrier on a VIP interface";
  std::string why = peer_better && !s.own.why.empty() ? s.own.why + "; " : "";
  const int hi = peer_better ? s.peer.fitness : s.own.value;
  const int lo = peer_better ? s.own.value : s.peer.fitness;
  return why + better + " fitness " + std::to_string(hi) + " > " + std::to_string(lo);
}

// The hold-down after we gave the VIPs up for fitness ends at its time, or
// as soon as the peer gets worse than it was then.
void update_hold(PeerState& s, TimePoint now) {
  if (!s.hold_until) return;
  const bool peer_worse = s.peer.alive && (!s.peer.carrier || s.peer.fitness < s.hold_peer_fitness);
  if (now >= *s.hold_until || peer_worse) s.hold_until.reset();
}

// The active node's own reasons to give the VIPs to a peer that can serve
// better: at once when a VIP interface lost carrier (the VIPs serve nobody
// here; a standby peer takes them too, as from a faulty node),
// make-before-break to a backup whose fitness is higher and that is not
// holding off. True when it started.
bool hand_over_for_fitness(Builder& b) {
  PeerState& s = b.s;
  const auto& p = s.params;
  if (!s.peer.alive || fitter(s) != Fitter::peer) return false;
  if (s.peer.role != Role::backup && !(s.peer.role == Role::standby && !s.own.carrier)) return false;
  const std::string why = fitness_reason(s, true);
  if (!s.own.carrier) {
    b.log(5, p.own_name + " hands over to " + p.peer_name + ": " + why);
    b.release_to(Role::backup, "no carrier on a VIP interface; " + p.peer_name + " takes over");
    return true;
  }
  if (s.peer.flags & flag::hold_off) return false;
  if (!s.peer_fitter_since || b.now - *s.peer_fitter_since < p.fitness_settle) return false;
  b.log(5, p.own_name + " hands over to " + p.peer_name + ": " + why);
  b.start_handover();
  s.fitness_handover = true;
  s.hold_until = b.now + p.fitness_hold;
  s.hold_peer_fitness = s.peer.fitness;
  return true;
}

// The role rules (SPEC "Election"), applied after every event.
void decide(Builder& b) {
  PeerState& s = b.s;
  const auto now = b.now;
  const auto& p = s.params;
  const bool alive = s.peer.alive;
  const Role peer_role = s.peer.role;

  if (s.shutting_down) {
    // Wait for the peer to take over (make-before-break), then leave.
    if (s.role == Role::active && handing_over(b, true)) {
      if (s.role == Role::active) return;  // still handing over, or draining
    } else if (s.role == Role::active) {
      b.release_to(Role::standby, "shutting down");
    } else if (s.staged)
      b.release_to(s.role, "shutting down");
    else
      b.actions.push_back(SendHeartbeat{});
    return;  // Exit once the resources and the VIPs are gone (step)
  }

  if (all_links_locally_down(s)) {
    if (s.role != Role::fault) {
      if (s.role == Role::active || s.staged)
        b.release_to(Role::fault, "every heartbeat link is down locally");
      else
        b.set_role(Role::fault, "every heartbeat link is down locally");
    }
    s.fault_until.reset();
    return;
  }

  if (s.request_until && (s.role == Role::active || !s.peer.alive || now >= *s.request_until)) {
    if (s.role != Role::active && s.peer.alive)
      b.log(4, p.peer_name + " did not hand the VIPs over in time; takeover request withdrawn");
    s.request_until.reset();
  }
  update_hold(s, now);
  const Fitter better = fitter(s);
  if (better != Fitter::peer || !alive)
    s.peer_fitter_since.reset();
  else if (!s.peer_fitter_since)
    s.peer_fitter_since = now;

  switch (s.role) {
    case Role::fault:
      if (!s.fault_until || now >= *s.fault_until) {
        // Start over as after a restart: listen for the peer before deciding,
        // so a node whose links come back does not grab the VIPs blindly.
        s.fault_until.reset();
        s.started = now;
        s.peer = PeerView{};
        b.set_role(Role::init, "leaving fault; listening for " + p.peer_name);
      }
      return;

    case Role::init:
      if (alive) {
        if (peer_role == Role::active)
          b.set_role(Role::backup, p.peer_name + " is active");
        else if ((peer_role == Role::fault || peer_role == Role::standby) && s.own.carrier)
          b.become_active(p.peer_name + " is " + std::string(to_string(peer_role)), false);
        else if (better == Fitter::us)
          b.become_active(fitness_reason(s, false), false);
        else if (better == Fitter::peer)
          b.set_role(Role::backup, fitness_reason(s, true));
        else if (wins_election(p, s.peer.priority))
          b.become_active(election_reason(s, true), false);
        else
          b.set_role(Role::backup, election_reason(s, false));
      } else if (peer_gone(s, now)) {
        // Alone, a node serves whatever its fitness, but not without carrier.
        if (s.own.carrier)
          b.become_active(gone_reason(s), false);
        else
          b.set_role(Role::backup, gone_reason(s) + "; cannot serve: no carrier on a VIP interface");
      }
      return;

    case Role::backup:
    case Role::standby:
      if (!alive) {
        if (peer_gone(s, now) && s.own.carrier) b.become_active(gone_reason(s), false);
        return;
      }
      if (peer_role == Role::active) {
        if (s.own.carrier && !s.peer.carrier) {
          // Its VIPs serve nobody; it hands over too when it hears us.
          b.become_active(p.peer_name + " has no carrier on a VIP interface", true);
        } else if (s.peer.flags & flag::relinquish) {
          b.become_active(p.peer_name + " hands over", true);
        } else if (s.peer.flags & flag::prepare) {
          if (!s.stage_failed) b.stage(true, p.peer_name + " hands over in stages");
        } else {
          s.stage_failed = false;
          b.stage(false, p.peer_name + " stays active");
          if (s.role == Role::backup && p.auto_failback && p.preferred == p.own_name &&
              p.preferred != p.peer_name && s.own.carrier && better != Fitter::peer)
            b.become_active("auto_failback: the preferred node takes the VIPs back", true);
        }
        return;
      }
      // Nobody holds the VIPs. A standby node leaves them to a backup or
      // starting peer, and takes them only from a faulty or standby one.
      if (peer_role == Role::fault && s.own.carrier)
        b.become_active(p.peer_name + " is in fault", false);
      else if (s.own.carrier && !s.peer.carrier)  // even when standby: as from a faulty node
        b.become_active(p.peer_name + " has no carrier on a VIP interface", false);
      else if (better == Fitter::us && (s.role == Role::backup || peer_role == Role::standby))
        b.become_active(fitness_reason(s, false), false);
      else if (better == Fitter::peer)
        ;  // the peer takes them
      else if (s.role == Role::backup && peer_role == Role::standby)
        b.become_active(p.peer_name + " is standby", false);
      else if ((s.role == Role::backup || peer_role == Role::standby) && wins_election(p, s.peer.priority))
        b.become_active(election_reason(s, true), false);
      if (s.role != Role::active) b.stage(false, p.peer_name + " is " + std::string(to_string(peer_role)));
      return;

    case Role::active:
      if (handing_over(b, false)) return;
      if (!alive) {
        s.drain_until.reset();
        return;
      }
      if (peer_role == Role::active) {
        bool peer_on_purpose = s.peer.flags & flag::takeover;
        if (peer_on_purpose && !s.takeover) {
          if (drained(b)) b.release_to(Role::backup, p.peer_name + " took over");
        } else if (peer_on_purpose == s.takeover && !(s.peer.flags & flag::relinquish) && better == Fitter::peer) {
          b.release_to(Role::backup, "both active; " + fitness_reason(s, true));
        } else if (better == Fitter::same && peer_on_purpose == s.takeover && !wins_election(p, s.peer.priority)) {
          b.release_to(Role::backup, "both active; " + election_reason(s, false));
        }
        return;
      }
      if (s.takeover) s.takeover = false;  // the peer yielded
      s.drain_until.reset();
      if ((s.peer.flags & flag::handover_wanted) && !s.handover &&
          (peer_role == Role::backup || peer_role == Role::standby)) {
        b.log(5, p.peer_name + " asks for the VIPs (tandemctl takeover): handing over");
        b.start_handover();
        s.requested_handover = true;
        return;
      }
      hand_over_for_fitness(b);
      return;
  }
}

// The group's resources move on (failover/resources.hpp): the next start
// (active) or stop (not active, or a start failed with "hand-over"), and
// once every one is stopped, a deferred release of the VIPs or the
// handover after a failed start.
void drive_resources(Builder& b) {
  PeerState& s = b.s;
  const auto& p = s.params;
  if (p.resources.empty() || !s.resources_checked) {
    if (s.releasing && !resources_up(s.resources)) b.finish_release();
    return;
  }
  const bool want = s.role == Role::active && !s.resource_failure;
  // Heard within deadtime, even while it says it is leaving.
  const bool heard = s.peer.last_heard && b.now - *s.peer.last_heard <= p.deadtime;
  const bool peer_exclusive = heard && (s.peer.flags & flag::exclusive_held);
  const ResourceStep next = next_resource_step(p.resources, s.resources, want, peer_exclusive);
  auto begin = [&](ResourceState state, const char* verb) {
    ResourceView& v = s.resources[next.index];
    v.state = state;
    v.since = b.now;
    b.log(6, "resource " + p.resources[next.index].name + ": " + verb);
    b.actions.push_back(SendHeartbeat{});  // flag::exclusive_held may change
  };
  if (next.kind == ResourceStep::Kind::start) {
    s.waiting_reported = false;
    begin(ResourceState::starting, "starting");
    b.actions.push_back(StartResource{p.group, next.index, s.reason});
    return;
  }
  if (next.kind == ResourceStep::Kind::stop) {
    begin(ResourceState::stopping, "stopping");
    b.actions.push_back(StopResource{p.group, next.index, s.reason});
    return;
  }
  if (next.waiting_for_peer && !s.waiting_reported) {
    s.waiting_reported = true;
    b.log(5, "waiting for " + p.peer_name + " to stop its exclusive resources");
  }
  if (resource_busy(s.resources) || resources_up(s.resources)) return;
  if (s.releasing) {
    b.finish_release();  // every resource stopped: now the VIPs
    return;
  }
  if (s.role == Role::active && s.resource_failure && !s.handover && !s.resource_failure_reported) {
    s.resource_failure_reported = true;
    std::string which;
    for (std::size_t i = 0; i < s.resources.size(); ++i)
      if (s.resources[i].state == ResourceState::failed && s.resources[i].failed_start) which = p.resources[i].name;
    if (s.peer.alive && s.peer.role == Role::backup && s.peer.carrier) {
      b.log(4, "resource " + which + " failed to start: handing over to " + p.peer_name);
      b.start_handover();
    } else {
      b.log(3, "resource " + which + " failed to start and " + p.peer_name +
                   " cannot serve: keeping the VIPs without the group's resources");
    }
  }
}

void reset_links(PeerState& s, const std::vector<std::string>& names) {
  std::vector<LinkView> links;
  for (const auto& name : names) {
    auto old = std::find_if(s.links.begin(), s.links.end(), [&](const LinkView& l) { return l.name == name; });
    if (old != s.links.end())
      links.push_back(*old);
    else
      links.push_back(LinkView{name});
  }
  s.links = std::move(links);
}

// The earliest future time at which something may change. Times already
// passed have been acted on by this step, so only future ones count.
TimePoint next_deadline_of(const PeerState& s, TimePoint now) {
  TimePoint d = s.next_send;
  auto consider = [&](TimePoint t) {
    if (t > now) d = std::min(d, t);
  };
  if (s.next_garp) consider(*s.next_garp);
  for (const auto& l : s.links)
    if (l.up && l.last_heard) consider(*l.last_heard + s.params.warntime + epsilon);
  if (!s.peer.ever_heard) consider(s.started + s.params.initdead + epsilon);
  if (s.peer.alive && s.peer.last_heard) consider(*s.peer.last_heard + s.params.deadtime + epsilon);
  if (s.handover) consider(s.handover->next_deadline());
  if (s.drain_until) consider(*s.drain_until);
  if (s.fault_until) consider(*s.fault_until);
  if (s.peer_fitter_since) consider(*s.peer_fitter_since + s.params.fitness_settle);
  if (s.request_until) consider(*s.request_until);
  return d;
}

std::vector<config::Vip> minus(const std::vector<config::Vip>& a, const std::vector<config::Vip>& b) {
  std::set<config::Vip> bs(b.begin(), b.end());
  std::vector<config::Vip> out;
  for (const auto& v : a)
    if (!bs.count(v)) out.push_back(v);
  return out;
}

}  // namespace

TimePoint deadline_of(const PeerState& s, TimePoint now) { return next_deadline_of(s, now); }

PeerParams PeerParams::from(const config::Config& cfg, Duration forward_stage) {
  PeerParams p;
  p.own_name = cfg.node.name;
  p.priority = static_cast<std::uint16_t>(cfg.node.priority);
  p.peer_name = cfg.cluster.peer;
  p.preferred = cfg.cluster.preferred;
  p.auto_failback = cfg.cluster.auto_failback;
  p.interval = cfg.cluster.interval;
  p.deadtime = cfg.cluster.deadtime;
  p.warntime = cfg.cluster.warntime;
  p.initdead = cfg.cluster.initdead;
  for (const auto& l : cfg.links) p.link_names.push_back(l.name);
  p.vips = cfg.vips;
  p.garp = cfg.garp;
  p.forward_stage = forward_stage;
  Duration slowest{0};
  for (const auto& t : cfg.tracks) slowest = std::max(slowest, Duration(t.fall * t.interval.count()));
  p.fitness_hold = cfg.tracks.empty() ? Duration(0) : slowest + p.deadtime;
  for (const auto& t : cfg.tracks) p.fitness_settle = std::max(p.fitness_settle, t.interval);
  return p;
}

PeerParams PeerParams::from_group(const config::Config& cfg, const config::Group& group, Duration forward_stage) {
  PeerParams p = from(cfg, forward_stage);
  p.group = cfg.named_groups ? group.name : std::string();
  p.preferred = group.preferred;
  p.auto_failback = group.auto_failback;
  p.vips = group.vips;
  for (const auto& r : group.resources)
    p.resources.push_back(ResourceParams{r.name, r.exclusive,
                                         r.on_start_failure == config::Resource::OnStartFailure::hand_over});
  return p;
}

std::uint16_t PeerState::heartbeat_flags() const {
  std::uint16_t f = 0;
  if (handover) f |= handover->flags();
  if (staged && role != Role::active) f |= flag::staged;
  if (request_until && role != Role::active) f |= flag::handover_wanted;
  if (exclusive_up(params.resources, resources) ||
      (!resources_checked && std::any_of(params.resources.begin(), params.resources.end(),
                                         [](const ResourceParams& r) { return r.exclusive; })))
    f |= flag::exclusive_held;
  if (takeover && role == Role::active) f |= flag::takeover;
  // Leaving: shutting down and holding nothing (its resources stopped and
  // its VIPs gone).
  if (shutting_down && role != Role::active && !releasing && !resources_up(resources)) f |= flag::leaving;
  if (!own.carrier) f |= flag::no_carrier;
  if (hold_until) f |= flag::hold_off;
  return f;
}

Fitter fitter(const PeerState& s) {
  if (s.peer.version < 2) return Fitter::same;
  if (s.own.carrier != s.peer.carrier) return s.own.carrier ? Fitter::us : Fitter::peer;
  if (s.own.value != s.peer.fitness) return s.own.value > s.peer.fitness ? Fitter::us : Fitter::peer;
  return Fitter::same;
}

bool wins_election(const PeerParams& p, std::uint16_t peer_priority) {
  bool own_pref = !p.preferred.empty() && p.preferred == p.own_name;
  bool peer_pref = !p.preferred.empty() && p.preferred == p.peer_name;
  if (own_pref != peer_pref) return own_pref;
  if (p.priority != peer_priority) return p.priority > peer_priority;
  return p.own_name < p.peer_name;
}

PeerState initial_state(PeerParams params, TimePoint now) {
  PeerState s;
  s.started = now;
  s.since = now;
  s.next_send = now;
  s.reason = "starting";
  reset_links(s, params.link_names);
  s.resources.resize(params.resources.size());
  for (auto& r : s.resources) r.since = now;
  s.params = std::move(params);
  return s;
}

Step step(PeerState state, const Event& event, TimePoint now) {
  Builder b{state, now, {}};
  PeerState& s = state;

  std::visit(
      [&](const auto& ev) {
        using E = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<E, Start>) {
          b.node_log(6, "starting as " + s.params.own_name + ", peer " + s.params.peer_name + ", initdead " +
                       ms(s.params.initdead));
          if (!s.params.vips.empty()) b.actions.push_back(RemoveStaleVips{s.params.vips});
          b.actions.push_back(SetSyncRole{false});
          if (!s.params.resources.empty()) {
            // Crash leftovers: whatever the last run left running stops
            // before anything starts here (and the peer holds its
            // exclusive ones back meanwhile).
            s.resources_checked = false;
            b.actions.push_back(CheckResources{s.params.group});
          }
        } else if constexpr (std::is_same_v<E, ResourcesChecked>) {
          if (!s.resources_checked) {
            s.resources_checked = true;
            for (const auto& name : ev.stopped) b.log(4, "resource " + name + " was running at start; stopped it");
          }
        } else if constexpr (std::is_same_v<E, ResourceDone>) {
          std::size_t index = ev.index;
          if (!ev.name.empty() && (index >= s.params.resources.size() || s.params.resources[index].name != ev.name))
            for (std::size_t i = 0; i < s.params.resources.size(); ++i)
              if (s.params.resources[i].name == ev.name) index = i;
          if (index < s.resources.size() && index < s.params.resources.size() &&
              (ev.name.empty() || s.params.resources[index].name == ev.name)) {
            ResourceView& v = s.resources[index];
            const std::string& name = s.params.resources[index].name;
            const ResourceState expected = ev.start ? ResourceState::starting : ResourceState::stopping;
            if (v.state == expected) {
              v.since = now;
              if (ev.ok) {
                v.state = ev.start ? ResourceState::running : ResourceState::stopped;
                b.log(6, "resource " + name + (ev.start ? ": running" : ": stopped"));
              } else {
                v.state = ResourceState::failed;
                v.failed_start = ev.start;
                v.failure = ev.reason;
                if (ev.start) {
                  const bool hand_over = s.params.resources[index].hand_over;
                  b.log(3, "resource " + name + ": start failed: " + ev.reason +
                               (hand_over ? "; stopping the group's resources" : " (on_start_failure = ignore)"));
                  if (hand_over) s.resource_failure = true;
                } else {
                  b.log(3, "resource " + name + ": stop failed: " + ev.reason + "; counted as stopped");
                }
              }
              b.actions.push_back(SendHeartbeat{});
            }
          }
        } else if constexpr (std::is_same_v<E, Tick>) {
          // evaluation below
        } else if constexpr (std::is_same_v<E, HeartbeatIn>) {
          // Heard when it arrived (never later than now, never before the
          // last one), on this link and for the peer.
          const TimePoint arrived = std::min(ev.arrived.value_or(now), now);
          auto later = [&](const std::optional<TimePoint>& was) { return was ? std::max(*was, arrived) : arrived; };
          if (ev.link < s.links.size()) s.links[ev.link].last_heard = later(s.links[ev.link].last_heard);
          const bool was_alive = s.peer.alive;
          const Role previous = s.peer.role;
          s.peer.ever_heard = true;
          s.peer.last_heard = later(s.peer.last_heard);
          s.peer.role = ev.heartbeat.role;
          s.peer.priority = ev.heartbeat.priority;
          s.peer.flags = ev.heartbeat.flags;
          s.peer.leaving = ev.heartbeat.flags & flag::leaving;
          s.peer.version = ev.heartbeat.version;
          s.peer.fitness = ev.heartbeat.fitness;
          s.peer.carrier = !(ev.heartbeat.flags & flag::no_carrier);
          // The peer released after both were active, or comes back from a
          // partition or restart during which it may have announced itself:
          // make sure the LAN points at us again.
          if (s.role == Role::active && ev.heartbeat.role != Role::active && !s.shutting_down &&
              (!was_alive || previous == Role::active)) {
            b.log(5, "peer " + s.params.peer_name + " released the VIPs; announcing again");
            b.start_burst();
          }
        } else if constexpr (std::is_same_v<E, ForwardApplied>) {
          // The forwarding stage runs from when the table forwards, however
          // long the checker took to get there.
          if (ev.on && s.handover && s.forwarding)
            if (auto line = s.handover->forward_applied(now, s.params.forward_stage)) b.log(5, *line);
        } else if constexpr (std::is_same_v<E, FitnessChanged>) {
          const Fitness was = s.own;
          s.own = ev.fitness;
          if (was.carrier != s.own.carrier || was.value != s.own.value) {
            b.node_log(s.own.carrier && s.own.value >= was.value ? 5 : 4,
                  "fitness " + std::to_string(was.value) + " -> " + std::to_string(s.own.value) +
                      (s.own.carrier ? "" : ", no carrier") + (s.own.why.empty() ? "" : ": " + s.own.why));
            b.actions.push_back(SendHeartbeat{});  // the peer learns it at once, over any link that works
          }
        } else if constexpr (std::is_same_v<E, LinkLocal>) {
          if (ev.link < s.links.size() && s.links[ev.link].local_up != ev.up) {
            s.links[ev.link].local_up = ev.up;
            b.node_log(ev.up ? 5 : 4, "link " + s.links[ev.link].name + ": local interface " +
                                     (ev.up ? "up" : "down"));
          }
        } else if constexpr (std::is_same_v<E, AdminStandby>) {
          if (s.shutting_down) {
            b.actions.push_back(AdminReply{false, "shutting down"});
          } else if (s.role == Role::active && s.handover) {
            b.actions.push_back(AdminReply{true, "already handing over to " + s.params.peer_name});
          } else if (s.role == Role::active) {
            if (!s.peer.alive || s.peer.role == Role::fault) {
              b.actions.push_back(AdminReply{
                  false, "peer " + s.params.peer_name + " is " +
                             (s.peer.alive ? "in fault" : "not alive") +
                             "; refusing to leave no active director"});
            } else {
              b.start_handover();
              b.log(5, "standby requested: handing the VIPs over to " + s.params.peer_name);
              b.actions.push_back(AdminReply{true, "handing over to " + s.params.peer_name});
            }
          } else if (s.role == Role::backup) {
            b.set_role(Role::standby, "standby requested by the administrator");
            b.actions.push_back(SendHeartbeat{});
            b.actions.push_back(AdminReply{true, "standby; not holding the VIPs"});
          } else {
            b.actions.push_back(AdminReply{true, std::string("already ") + std::string(to_string(s.role))});
          }
        } else if constexpr (std::is_same_v<E, AdminTakeover>) {
          if (s.shutting_down) {
            b.actions.push_back(AdminReply{false, "shutting down"});
          } else if (s.role == Role::active) {
            b.actions.push_back(AdminReply{true, "already active"});
          } else if (s.role == Role::fault) {
            b.actions.push_back(AdminReply{false, "in fault: " + s.reason});
          } else if (s.peer.alive && s.peer.role == Role::active && s.params.forward_stage.count() > 0 &&
                     s.peer.version >= 3) {
            // Make-before-break without a failed request: the holder hands
            // over in stages (as for its own standby), forwarding its new
            // connections to us before we announce the VIPs.
            const Handover h = Handover::begin(now, s.params.interval, s.params.deadtime, s.params.forward_stage);
            s.request_until = h.give_up + h.patience;
            s.next_send = now;
            b.log(5, "takeover requested: asking " + s.params.peer_name + " to hand the VIPs over in stages");
            b.actions.push_back(AdminReply{true, "asking " + s.params.peer_name + " to hand over"});
          } else {
            b.become_active("takeover requested by the administrator", true);
            b.actions.push_back(AdminReply{true, "active"});
          }
        } else if constexpr (std::is_same_v<E, Reconfigure>) {
          PeerParams old = s.params;
          s.params = ev.params;
          reset_links(s, s.params.link_names);
          s.resources = remap_resources(old.resources, s.resources, s.params.resources);
          if (s.role == Role::active || s.staged) {
            auto added = minus(s.params.vips, old.vips);
            auto removed = minus(old.vips, s.params.vips);
            if (!removed.empty()) b.actions.push_back(ReleaseVips{removed});
            if (!added.empty()) {
              b.actions.push_back(AcquireVips{added});
              if (s.role == Role::active) b.actions.push_back(AnnounceVips{added});  // staged: still silent
            }
          }
          if (s.params.interval != old.interval) s.next_send = now;
          if (s.params.garp != old.garp && s.role == Role::active) b.s.next_garp = now + s.params.garp.interval;
        } else if constexpr (std::is_same_v<E, AcquireFailed>) {
          if (s.role == Role::active) {
            b.release_to(Role::fault, "could not add the VIPs: " + ev.reason);
            s.fault_until = now + std::max(s.params.initdead, s.params.deadtime);
          } else if (s.staged) {
            s.stage_failed = true;
            b.stage(false, "could not add the VIPs: " + ev.reason);
          }
        } else if constexpr (std::is_same_v<E, Shutdown>) {
          if (!s.shutting_down) {
            s.shutting_down = true;
            b.node_log(5, "shutting down");
            if (s.role == Role::active && s.handover) {
              b.log(5, "handing the VIPs over to " + s.params.peer_name + " before leaving (under way)");
            } else if (s.role == Role::active && s.peer.alive &&
                       (s.peer.role == Role::backup || s.peer.role == Role::standby)) {
              b.start_handover();
              b.log(5, "handing the VIPs over to " + s.params.peer_name + " before leaving");
            }
          }
        }
      },
      event);

  update_liveness(b);
  decide(b);
  drive_resources(b);
  // A node shutting down leaves once nothing of its group is held here.
  if (s.shutting_down && s.role != Role::active && !s.holds_vips() && !resources_up(s.resources))
    b.actions.push_back(Exit{});

  // Periodic heartbeat and the announcement schedule.
  if (now >= s.next_send) {
    b.actions.push_back(SendHeartbeat{});
    s.next_send = now + s.params.interval;
  }
  if (s.role == Role::active && s.next_garp && now >= *s.next_garp) {
    b.actions.push_back(AnnounceVips{s.params.vips});
    if (s.garp_remaining > 0) --s.garp_remaining;
    b.schedule_next_garp();
  }

  // One heartbeat per step, after everything else it reports on, but before
  // Exit (nothing follows Exit).
  std::vector<Action> actions;
  bool send = false;
  for (auto& a : b.actions) {
    if (std::holds_alternative<SendHeartbeat>(a)) {
      send = true;
    } else if (std::holds_alternative<Exit>(a)) {
      if (send) actions.push_back(SendHeartbeat{});
      actions.push_back(std::move(a));
      send = false;
      break;
    } else {
      actions.push_back(std::move(a));
    }
  }
  if (send) actions.push_back(SendHeartbeat{});
  if (send) s.next_send = now + s.params.interval;
  // What the shell reports back names the group it came from.
  if (!s.params.group.empty())
    for (auto& a : actions) {
      if (auto* acquire = std::get_if<AcquireVips>(&a)) acquire->group = s.params.group;
      if (auto* fwd = std::get_if<ForwardToPeer>(&a)) fwd->group = s.params.group;
      if (auto* changed = std::get_if<RoleChanged>(&a)) changed->group = s.params.group;
      if (auto* start = std::get_if<StartResource>(&a)) start->group = s.params.group;
      if (auto* stop = std::get_if<StopResource>(&a)) stop->group = s.params.group;
      if (auto* check = std::get_if<CheckResources>(&a)) check->group = s.params.group;
    }

  TimePoint deadline = next_deadline_of(s, now);
  return Step{std::move(state), std::move(actions), deadline};
}

}  // namespace tandem::failover
