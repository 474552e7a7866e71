// What `tandemctl status` shows and what systemd's STATUS= line says
// (SPEC "Command line", "systemd"). Pure: built from the peer state and
// counters with the times passed in.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "failover/heartbeat_codec.hpp"
#include "failover/groups.hpp"
#include "failover/track_state.hpp"
#include "health/board.hpp"
#include "daemon/loop_stats.hpp"
#include "ipvs/maintenance.hpp"
#include "ipvs/model.hpp"

namespace tandem::daemon {

struct LinkStatus {
  std::string name;
  std::string interface;
  std::string peer;  // unicast peer or multicast group
  bool up = false;
  bool local_up = true;
  std::optional<double> last_heard_ms;
};

struct VipStatus {
  std::string address;
  std::string interface;
  std::string label;
  bool held = false;
};

struct HeartbeatCounters {
  std::uint64_t sent = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t accepted = 0;
  std::array<std::uint64_t, failover::reject_reason_count> rejected{};
};

// A destination as the kernel reports it, with what the config wants.
// A configured real server's health checks.
struct DestHealth {
  std::string state;  // "up", "down"; "unchecked" when it has no check (or type "none")
  std::string check;  // the check type ("http"); empty without a check
  std::optional<health::ProbeResult> last;
  std::string last_at;      // "2026-11-22T12:01:07Z"; empty before the first probe
  std::string last_change;  // empty while it never changed
  std::string last_change_local;  // "12:01:07"
  std::uint64_t probes = 0;
  std::uint64_t failed = 0;
};

struct DestStatus {
  std::string address;     // "10.0.0.11:80"
  std::string forwarding;  // nat, dr, tun, local
  int weight = 0;          // in the kernel now
  int configured_weight = 0;
  bool in_kernel = false;
  std::uint32_t active_conns = 0;
  std::uint32_t inactive_conns = 0;
  std::uint32_t persistent_conns = 0;
  std::optional<DestHealth> health;  // configured real servers
  bool fallback = false;             // the virtual server's fallback, in use
  // tandemctl drain|disable (ipvs/maintenance.hpp): "drain" or "disable";
  // empty: in service. Who set it and when (UTC and local time).
  std::string maintenance;
  std::string maintenance_by;
  std::string maintenance_at;
  std::string maintenance_at_local;
};

struct VirtualServerStatus {
  std::string service;  // "TCP 10.0.0.100:80", "FWM 7"
  std::string scheduler;
  bool in_kernel = false;
  std::vector<DestStatus> dests;
};

// The two processes (tandemctl status --json "engine" and "checker").
struct EngineStatus {
  Summary loop_lag;            // the engine loop's lateness, last minute
  Summary heartbeat_interval;  // between heartbeats sent, last minute
  double interval_ms = 0;      // the configured interval
};
struct CheckerStatus {
  std::optional<long> pid;        // nullopt while it is being restarted
  std::uint64_t restarts = 0;     // since tandemd started
  std::string last_exit;          // why the last one ended ("killed by signal 9"); empty before any
  std::optional<double> answered_ms;  // since its last answer to a ping
  Summary loop_lag;               // its loop's lateness, as it reports it
  std::optional<double> snapshot_age_ms;
};
// The checker's part of the report as it rendered it (daemon/checker.hpp):
// replaces virtual_servers, ipvs_error and the timeouts when set.
// Views into text that `owner` keeps alive (the checker's last Snapshot:
// megabytes for 8,000 destinations, spliced into the reply uncopied).
struct CheckerSection {
  std::shared_ptr<const void> owner;
  std::string_view text;  // render_virtual_servers_text
  std::string_view json;  // render_virtual_servers_json
};

// One [[track]] as status shows it.
struct TrackStatus {
  std::string name;
  std::string what;  // "ping 10.0.0.254"
  int weight = 1;
  bool up = true;
  std::string last;  // the last result; empty before the first
  std::optional<double> latency_ms;
  std::string since_utc;  // of the current state; empty: since start
};

// One [[resource]] on this node.
struct ResourceStatus {
  std::string name;
  std::string group;
  std::string state;      // stopped, starting, running, stopping, failed
  std::string since_utc;  // of the current state
  std::string failure;    // the last failure's reason; empty before any
};

// One failover group's role on this node.
struct GroupStatus {
  std::string name;
  failover::Role role = failover::Role::init;
  std::string since_utc;
  std::string since_local;
  double since_seconds = 0;
  std::string reason;
  std::optional<std::string> handover;
  std::string preferred;
  bool auto_failback = false;
  std::size_t vips = 0;
  std::size_t vips_held = 0;
  std::optional<failover::Role> peer_role;  // while the peer is alive
};

struct StatusReport {
  std::string node;
  failover::Role role = failover::Role::init;
  std::string since_utc;    // "2026-11-22T12:01:07Z"
  std::string since_local;  // "12:01:07"
  double since_seconds = 0;
  std::string reason;
  // A planned handover in progress, in words ("forwarding new connections
  // to d2", "VIPs held unannounced for d1"); empty when there is none.
  std::optional<std::string> handover;
  int priority = 0;
  std::string preferred;
  bool auto_failback = false;
  std::uint64_t generation = 0;
  std::string peer_name;
  bool peer_alive = false;
  std::optional<failover::Role> peer_role;
  int peer_priority = 0;
  std::uint64_t peer_generation = 0;
  std::vector<LinkStatus> links;
  std::vector<VipStatus> vips;
  HeartbeatCounters heartbeats;
  std::vector<VirtualServerStatus> virtual_servers;
  std::string ipvs_error;  // why the kernel table could not be read
  // The [ipvs] connection timeouts, seconds (add_timeouts): what the file
  // sets (0: a key left out; all 0: no [ipvs], nothing shown) and the
  // kernel's as of the last pass (nullopt: not read).
  ipvs::Timeouts timeouts_configured;
  std::optional<ipvs::Timeouts> timeouts_kernel;
  // Age of the kernel view in virtual_servers (the last full pass), in
  // milliseconds; nullopt without IPVS or before the first pass.
  std::optional<double> ipvs_age_ms;
  std::size_t reals = 0;          // configured real servers
  std::size_t reals_healthy = 0;  // of those, healthy (or unchecked)
  std::optional<CheckerSection> checker_section;
  std::optional<EngineStatus> engine;
  std::optional<CheckerStatus> checker;
  // Loop lag or heartbeat delays above warntime/2 in the last minute (add_loops).
  std::vector<std::string> warnings;
  // Connectivity: our fitness and carrier, and the peer's as it says
  // (nullopt: it does not say, a version 1 peer).
  int fitness = 0;
  bool carrier = true;
  std::string unfit;  // what is down ("track gateway (ping 10.0.0.254) down after 2 failures")
  std::optional<int> peer_fitness;
  std::optional<bool> peer_carrier;
  std::vector<TrackStatus> tracks;
  // Failover groups (add_groups): every group, "default" in the form
  // without [[group]]; `role` above is then active if any group is.
  bool named_groups = false;
  std::vector<GroupStatus> groups;
  // The configuration digests (config/digest.hpp): ours, the peer's
  // (nullopt before its first version 3 heartbeat), and what differs.
  std::string digest;
  std::optional<std::string> peer_digest;
  std::vector<std::string> config_differs;
  // Every group's resources, in order (add_groups).
  std::vector<ResourceStatus> resources;
};

// The tracks' state (after make_report).
void add_tracks(StatusReport& r, const std::vector<config::Track>& tracks,
                const std::vector<failover::TrackState>& states, failover::TimePoint steady_now,
                std::chrono::system_clock::time_point wall_now);

// Wall-clock times are given as seconds since the epoch so the report stays
// a pure function; `steady_now` and `wall_now` are the same instant.
StatusReport make_report(const failover::PeerState& state, const config::Config& cfg,
                         const std::vector<bool>& vip_held, const HeartbeatCounters& counters,
                         std::uint64_t generation, std::uint64_t peer_generation,
                         failover::TimePoint steady_now, std::chrono::system_clock::time_point wall_now);

// Fills groups and the digests, after make_report (of state.node()).
void add_groups(StatusReport& r, const failover::GroupsState& state, const config::Config& cfg,
                const std::vector<bool>& vip_held, failover::TimePoint steady_now,
                std::chrono::system_clock::time_point wall_now);

// Fills virtual_servers: every desired service with its destinations as the
// kernel reports them (weight, connection counters), plus desired ones the
// kernel lacks; or ipvs_error.
void add_ipvs(StatusReport& r, const ipvs::Table& desired, const ipvs::Table* kernel, const std::string& error);
// The connection timeouts [ipvs] sets and the kernel's.
void add_timeouts(StatusReport& r, const ipvs::Timeouts& configured, const std::optional<ipvs::Timeouts>& kernel);
// The real servers' health (after add_ipvs): counts for the status line, and
// per real server its state and last probe. A real that on_failure =
// "remove" took out of the table is listed with weight 0; the fallback, when
// in the table, is marked.
void add_health(StatusReport& r, const std::vector<config::VirtualServer>& servers,
                const health::HealthBoard& board);

// After add_health: marks the real servers in maintenance with who set it
// and when.
void add_maintenance(StatusReport& r, const ipvs::AdminState& state);

// Fills engine, checker and warnings: a loop lag, or a heartbeat interval
// beyond the configured one by more than warntime/2, is warned about.
void add_loops(StatusReport& r, EngineStatus engine, std::optional<CheckerStatus> checker, double warntime_ms);

// The virtual servers' section alone, as the checker renders it for
// CheckerSection: the text lines, and the JSON fields ("virtual_servers":
// [...], "ipvs_error" and "ipvs_timeouts" when set, without braces).
std::string render_virtual_servers_text(const StatusReport& r);
std::string render_virtual_servers_json(const StatusReport& r);

// "850ms", "3.2s": a duration in milliseconds as status shows it.
std::string age(double ms);

// "active since 12:01:07, peer d2 backup, 1 VIP"
std::string status_line(const StatusReport& r);
// StatusReport::handover of a state.
std::optional<std::string> handover_text(const failover::PeerState& s);
std::string render_text(const StatusReport& r);
std::string render_json(const StatusReport& r);

}  // namespace tandem::daemon
