// The peer state machine (SPEC "Behaviour that users rely on": election,
// takeover and release order). A pure function of (state, event, now): it
// does no I/O and never reads a clock. The shell delivers authenticated
// heartbeats, admin commands, local link state and timer ticks, carries out
// the returned actions in order, and arms one timer for `deadline`.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "failover/handover.hpp"
#include "failover/heartbeat_codec.hpp"
#include "failover/resources.hpp"
#include "failover/role.hpp"

namespace tandem::failover {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using config::Duration;  // milliseconds

// Everything the machine needs from the configuration.
struct PeerParams {
  // The failover group this machine decides for (failover/groups.hpp);
  // empty in the form without [[group]]. Its log lines start with
  // "group NAME: ", and its actions name it.
  std::string group;
  // Whether this machine writes the node's own log lines (links, peer
  // liveness, fitness): one machine of a node's groups does.
  bool node_logs = true;
  std::string own_name;
  std::uint16_t priority = 100;
  std::string peer_name;
  std::string preferred;  // empty: no preferred node
  bool auto_failback = false;
  Duration interval{200};
  Duration deadtime{1000};
  Duration warntime{600};
  Duration initdead{3000};
  std::vector<std::string> link_names;  // index = link id used in events
  std::vector<config::Vip> vips;
  std::vector<ResourceParams> resources;  // the group's [[resource]]s, in order
  config::GarpSection garp;
  // Planned handover in stages (0: off). The peer first adds the VIPs
  // without announcing them; we then forward our new connections to it for
  // this long (ForwardToPeer) before it announces, so connections opened
  // through us either end or reach the peer's connection table first.
  Duration forward_stage{0};
  // A node that gave the VIPs up for fitness does not take them back for
  // fitness this long (the slowest track's fall x interval plus deadtime).
  Duration fitness_hold{0};
  // The peer must be fitter this long before a handover for fitness (the
  // slowest track's interval): both nodes losing the same gateway notice it
  // up to an interval apart, and then nothing moves.
  Duration fitness_settle{0};

  // `forward_stage`: ipvs::handover_forward_stage(cfg), the IPVS topology's
  // part (ipvs/handover_topology.hpp).
  static PeerParams from(const config::Config& cfg, Duration forward_stage = Duration(0));
  // For one of cfg.groups (its name, preferred node, auto_failback, VIPs).
  static PeerParams from_group(const config::Config& cfg, const config::Group& group,
                               Duration forward_stage = Duration(0));
  friend bool operator==(const PeerParams&, const PeerParams&) = default;
};

struct LinkView {
  std::string name;
  std::optional<TimePoint> last_heard;  // last authenticated heartbeat on this link
  bool up = false;        // heard within warntime
  bool reported = false;  // a "silent" warning was logged for the current outage
  bool local_up = true;   // the local interface is up with carrier
};

// What this node can serve with ([[track]], the carrier of its VIPs'
// interfaces), as the shell measures it.
struct Fitness {
  bool carrier = true;  // every interface that carries a VIP has carrier
  int value = 0;        // the sum of the weights of the tracks that are up
  std::string why;      // what is down, for the logs ("track gateway (ping 10.0.0.254) down after 2 failures")
  friend bool operator==(const Fitness&, const Fitness&) = default;
};

struct PeerView {
  bool ever_heard = false;  // since our start
  bool alive = false;       // heard on some link within deadtime, and not leaving
  bool leaving = false;     // its last heartbeat said it is shutting down
  Role role = Role::init;   // meaningful while alive
  std::uint16_t priority = 0;
  std::uint16_t flags = 0;
  std::optional<TimePoint> last_heard;  // newest over all links
  std::uint8_t version = 2;             // of its heartbeats; 1: fitness and carrier unknown
  int fitness = 0;
  bool carrier = true;
};

struct PeerState {
  PeerParams params;
  Role role = Role::init;
  TimePoint started{};
  TimePoint since{};
  std::string reason;          // why we entered the current role
  std::vector<LinkView> links;
  PeerView peer;
  bool takeover = false;       // active on purpose (admin/failback); cleared once the peer yields
  std::optional<Handover> handover;           // handing the VIPs over (failover/handover.hpp)
  std::optional<TimePoint> drain_until;       // planned handover: release at this time
  bool forwarding = false;                    // ForwardToPeer{true} is in effect
  bool staged = false;                        // not active, yet holding the VIPs silently
  bool stage_failed = false;                  // adding them failed: not again in this handover
  bool shutting_down = false;  // SIGTERM received: hand over, release, then exit
  std::optional<TimePoint> fault_until;       // retry leaving fault at this time
  Fitness own;                                // ours, from FitnessChanged
  // Set when we gave the VIPs up for fitness: until then the peer is asked
  // (flag::hold_off) not to hand them back for fitness, unless it gets
  // worse than `hold_peer_fitness` (or loses carrier).
  std::optional<TimePoint> hold_until;
  int hold_peer_fitness = 0;
  std::optional<TimePoint> peer_fitter_since;  // the peer could serve better since then
  bool fitness_handover = false;               // the handover under way is for fitness
  bool requested_handover = false;             // the handover under way is the peer's takeover request
  // tandemctl takeover while the peer is active with a staged handover
  // possible: we ask it (flag::handover_wanted) to hand over in stages,
  // until this time.
  std::optional<TimePoint> request_until;
  // The group's resources (failover/resources.hpp), as params.resources.
  std::vector<ResourceView> resources;
  bool resources_checked = true;  // false from Start until ResourcesChecked (crash leftovers stopped)
  // No longer active, yet holding the VIPs until the resources stopped
  // (release order: resources right to left, then the VIPs).
  bool releasing = false;
  // A resource with on_start_failure = "hand-over" failed to start: the
  // others stop, and the group goes to the peer if it can serve. Cleared
  // when the group is taken again.
  bool resource_failure = false;
  bool resource_failure_reported = false;
  bool waiting_reported = false;  // "waiting for PEER's exclusive resources" logged
  TimePoint next_send{};       // next periodic heartbeat
  int garp_remaining = 0;      // announcements left in the current burst
  std::optional<TimePoint> next_garp;

  // Flags to put in outgoing heartbeats.
  std::uint16_t heartbeat_flags() const;
  bool holds_vips() const { return role == Role::active || staged || releasing; }
};

// ---- events -------------------------------------------------------------
struct Start {};                       // once, first
struct Tick {};                        // a deadline passed (or any wakeup)
struct HeartbeatIn {                   // authenticated, from our peer
  std::size_t link = 0;
  Heartbeat heartbeat;
  // When it reached the socket (SO_TIMESTAMPNS); the peer counts as heard
  // then, not when the event is processed. Unset: now.
  std::optional<TimePoint> arrived;
};
struct LinkLocal {                     // local interface state of a link changed
  std::size_t link = 0;
  bool up = true;
};
struct AdminStandby { std::string group; };   // empty: every group
struct AdminTakeover { std::string group; };
struct Reconfigure { PeerParams params; };
struct AcquireFailed { std::string reason; std::string group; };  // of AcquireVips{group}
struct Shutdown {};
struct ForwardApplied { bool on = false; std::string group; };  // the checker carried out ForwardToPeer{on, group}
struct FitnessChanged { Fitness fitness; };  // carrier or tracks changed
// The shell ran StartResource/StopResource{group, index}: `ok` when it
// exited 0 in time; `reason` says why not (its first output line).
struct ResourceDone {
  std::string group;
  std::size_t index = 0;
  bool start = true;
  bool ok = true;
  std::string reason;
  std::string name;  // the resource's; after a reload that moved it, it is found by name
};
// CheckResources{group} is done: every resource whose `status` said
// running was stopped (`stopped` names them).
struct ResourcesChecked {
  std::string group;
  std::vector<std::string> stopped;
};

struct GroupsParams;
// A reload of a node with failover groups (failover/groups.hpp); a single
// machine ignores it.
struct ReconfigureGroups { std::shared_ptr<const GroupsParams> params; };

using Event = std::variant<Start, Tick, HeartbeatIn, LinkLocal, AdminStandby, AdminTakeover,
                           Reconfigure, AcquireFailed, Shutdown, ForwardApplied, FitnessChanged,
                           ReconfigureGroups, ResourceDone, ResourcesChecked>;

// ---- actions, carried out by the shell in order -------------------------
struct RemoveStaleVips { std::vector<config::Vip> vips; };  // at start: crash leftovers
struct AcquireVips { std::vector<config::Vip> vips; std::string group; };  // add; report AcquireFailed{.., group} on error
struct ReleaseVips { std::vector<config::Vip> vips; };      // remove
struct AnnounceVips { std::vector<config::Vip> vips; };     // one GARP/NA each
struct SendHeartbeat {};                                    // on every link, now
// IPVS sync daemon: master while active, else backup; with failover
// groups active on both nodes, master and backup at once (`both`).
struct SetSyncRole { bool master = false; bool both = false; };
// IPVS: new connections to the group's virtual servers go to the peer
// (handover); empty group: every virtual server.
struct ForwardToPeer { bool on = false; std::string group; };
struct Log {
  int priority = 6;  // syslog priority: 3 err, 4 warning, 5 notice, 6 info, 7 debug
  std::string message;
};
struct RoleChanged { Role from; Role to; std::string reason; std::string group; };
struct AdminReply { bool ok = true; std::string message; };  // answer to AdminStandby/AdminTakeover
// Run a resource's `start` or `stop` (params.resources[index]); answer with
// ResourceDone.
struct StartResource { std::string group; std::size_t index = 0; std::string reason; };
struct StopResource { std::string group; std::size_t index = 0; std::string reason; };
// At start: run `status` for each resource, right to left, and `stop` for
// the ones running (crash leftovers); answer with ResourcesChecked.
struct CheckResources { std::string group; };
struct Exit {};                                             // shutdown complete

using Action = std::variant<RemoveStaleVips, AcquireVips, ReleaseVips, AnnounceVips, SendHeartbeat,
                            SetSyncRole, ForwardToPeer, Log, RoleChanged, AdminReply, Exit, StartResource,
                            StopResource, CheckResources>;

struct Step {
  PeerState state;
  std::vector<Action> actions;
  TimePoint deadline;  // deliver Tick at (or after) this time
};

PeerState initial_state(PeerParams params, TimePoint now);
Step step(PeerState state, const Event& event, TimePoint now);
// The deadline step() returns, for a state as it is now.
TimePoint deadline_of(const PeerState& state, TimePoint now);


// Election order (SPEC): the preferred node, then higher priority, then the
// lower node name wins.
bool wins_election(const PeerParams& params, std::uint16_t peer_priority);

// Which of the two can serve the VIPs better, before the election: a node
// with carrier on its VIP interfaces over one without, then the higher
// fitness. A version 1 peer tells neither: `same`.
enum class Fitter { us, peer, same };
Fitter fitter(const PeerState& s);

}  // namespace tandem::failover
