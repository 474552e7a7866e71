// Failover groups (active/active): one peer state machine per group, run
// side by side on the node's one shell. Each group has its own role,
// election, failback, handover and split-brain heal (failover/peer_state);
// peer liveness, links, fitness and carrier are the node's, and every
// group's machine sees the same events for them. One heartbeat carries
// every group's role and flags (version 3, docs/heartbeat-format.md) and
// the configuration digest, which is compared with the peer's.
//
// Pure, like failover::step: events in, actions out, one deadline. The
// form without [[group]] is one machine with an empty group name, whose
// actions pass through unchanged.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/digest.hpp"
#include "failover/peer_state.hpp"

namespace tandem::failover {

struct GroupsParams {
  bool named = false;              // [[group]]s, or the one group "default"
  std::vector<PeerParams> groups;  // never empty; names unique
  config::ConfigDigest digest;     // of the whole configuration (config/digest.hpp)

  // `forward_stages`: each group's PeerParams::forward_stage, in
  // cfg.groups order (ipvs::handover_forward_stage of its virtual servers);
  // missing ones are 0.
  static GroupsParams from(const config::Config& cfg, const std::vector<Duration>& forward_stages);
  friend bool operator==(const GroupsParams&, const GroupsParams&) = default;
};

struct GroupsState {
  bool named = false;
  std::vector<PeerState> groups;  // params.group is the name ("" when !named)
  config::ConfigDigest digest;
  // The peer's digest from its last version 3 heartbeat; unset before one,
  // or while it speaks an older version.
  std::optional<config::ConfigDigest> peer_digest;
  std::uint8_t peer_version = 0;  // of its last heartbeat; 0 before any
  std::vector<std::string> differs;  // config::digest_differences, as last logged
  std::optional<SetSyncRole> sync;   // the sync role last asked for

  // The node's view (links, peer liveness, fitness): the first machine's.
  const PeerState& node() const { return groups.front(); }
  const PeerState* find(const std::string& name) const;
  // The group's name as the wire and status give it ("default" when !named).
  static std::string name_of(const PeerState& g);
  bool holds_any() const;
  // Our heartbeat's role, flags and group list (version 3), and what a
  // version 1 or 2 peer is told instead: active if any group is, with that
  // group's flags; else the first group's.
  void fill(Heartbeat& hb) const;
};

struct GroupsStep {
  GroupsState state;
  std::vector<Action> actions;
  TimePoint deadline;
};

GroupsState initial_groups(const GroupsParams& params, TimePoint now);
GroupsStep step_groups(GroupsState state, const Event& event, TimePoint now);

// The sync daemon a node runs for its groups' roles: master while it is
// active for any group, else backup; with [[group]]s the backup daemon
// runs beside the master (both).
SetSyncRole sync_role_of(const GroupsState& s);

}  // namespace tandem::failover
