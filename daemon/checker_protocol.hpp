// The messages between the HA engine (tandemd's parent process) and its
// checker child over their socketpair (docs/checker-protocol.md). Pure: a
// message is encoded into one frame, and frames are decoded from the front
// of a byte stream, so a partial read simply waits for more.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace tandem::daemon::checker {

// 2: SetSync.both, Forward.group, ForwardApplied.group; 3: Publish;
// 4: Resolve, Resolved, SetMaintenance, Plan, Planned
inline constexpr std::uint8_t kVersion = 4;
// A frame's body is at most this long; a longer length is a protocol error.
inline constexpr std::uint32_t kMaxBody = 64u << 20;

// engine -> checker: run this configuration (the file's bytes, parsed by
// the checker; `path` for its messages). The first one starts the checks.
struct Configure {
  std::uint64_t id = 0;
  std::string path;
  std::string text;
  friend bool operator==(const Configure&, const Configure&) = default;
};
// checker -> engine: the answer to Configure `id`. When !ok nothing
// changed and `message` says why (one reason per line).
struct Configured {
  std::uint64_t id = 0;
  bool ok = false;
  std::string message;
  friend bool operator==(const Configured&, const Configured&) = default;
};
// engine -> checker: the sync daemon's role (failover::SetSyncRole).
struct SetSync {
  bool master = false;
  bool both = false;  // the backup daemon beside the master (failover groups)
  friend bool operator==(const SetSync&, const SetSync&) = default;
};
// engine -> checker: the staged handover's forwarding (failover::ForwardToPeer).
struct Forward {
  bool on = false;
  std::string group;  // the failover group handing over; empty: every virtual server
  friend bool operator==(const Forward&, const Forward&) = default;
};
// checker -> engine: Forward{on} is in the kernel table.
struct ForwardApplied {
  bool on = false;
  std::string group;
  friend bool operator==(const ForwardApplied&, const ForwardApplied&) = default;
};
// engine -> checker: are you there? Answered with Pong of the same id.
struct Ping {
  std::uint64_t id = 0;
  friend bool operator==(const Ping&, const Ping&) = default;
};
// checker -> engine: its loop lag (the largest since the last Pong), in µs.
struct Pong {
  std::uint64_t id = 0;
  std::uint64_t lag_us = 0;
  friend bool operator==(const Pong&, const Pong&) = default;
};
// checker -> engine: what status shows of the checker, already rendered
// (the engine splices it in without holding per-server state). `dump_at_ns`
// is the CLOCK_MONOTONIC time of the last full kernel read, 0 for none.
struct Snapshot {
  std::uint32_t reals = 0;
  std::uint32_t reals_healthy = 0;
  std::uint64_t dump_at_ns = 0;
  std::string text;  // the "virtual servers:" section of tandemctl status
  std::string json;  // the matching fields of status --json ("k":v,...)
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};
// engine -> checker: the node stops; stop the sync daemons and exit.
struct Stop {
  friend bool operator==(const Stop&, const Stop&) = default;
};
// engine -> checker, once a second while [metrics] is set: the engine's
// part of a scrape and of the status page, already rendered
// (daemon/metrics.hpp, daemon/status_page.hpp), and its last events
// (daemon/event_log.hpp's encoding).
struct Publish {
  std::string metrics;
  std::string page;
  std::string events;
  friend bool operator==(const Publish&, const Publish&) = default;
};

// engine -> checker: which real server `vs` and `real` name (as tandemctl
// drain|disable|enable|connections give them), with its connections.
struct Resolve {
  std::uint64_t id = 0;
  std::string vs;
  std::string real;
  friend bool operator==(const Resolve&, const Resolve&) = default;
};
// checker -> engine: the answer to Resolve `id`. When ok, `service` is the
// service as ipvs-created writes it ("tcp 10.0.0.100 80"), `dest` the
// destination ("10.0.0.11 80"), and the figures are the kernel's as of its
// last full read (`age_ms` ago; in_kernel false: not in the table now).
// When !ok, `message` says why.
struct Resolved {
  std::uint64_t id = 0;
  bool ok = false;
  std::string message;
  std::string service;
  std::string dest;
  bool in_kernel = false;
  std::int32_t weight = 0;
  std::uint32_t active = 0;
  std::uint32_t inactive = 0;
  std::uint32_t persistent = 0;
  std::uint64_t age_ms = 0;
  friend bool operator==(const Resolved&, const Resolved&) = default;
};
// engine -> checker: the maintenance state to apply (ipvs/maintenance.hpp's
// text); sent again to a restarted checker.
struct SetMaintenance {
  std::string text;
  friend bool operator==(const SetMaintenance&, const SetMaintenance&) = default;
};

// engine -> checker: what would Configure{text} change (tandemctl reload
// --dry-run)? Nothing is applied.
struct Plan {
  std::uint64_t id = 0;
  std::string path;
  std::string text;
  friend bool operator==(const Plan&, const Plan&) = default;
};
// checker -> engine: the answer to Plan `id`: when ok, the lines a
// Configure of that text would log now (its IPVS operations and check
// changes), one per line; otherwise why it would be refused.
struct Planned {
  std::uint64_t id = 0;
  bool ok = false;
  std::string message;
  friend bool operator==(const Planned&, const Planned&) = default;
};

using Message = std::variant<Configure, Configured, SetSync, Forward, ForwardApplied, Ping, Pong, Snapshot, Stop,
                             Publish, Resolve, Resolved, SetMaintenance, Plan, Planned>;

// One frame: u32 body length, then the body: u8 version, u8 type, fields.
std::vector<std::uint8_t> encode(const Message& m);

struct Decoded {
  std::optional<Message> message;  // set when a whole frame was read
  std::size_t consumed = 0;        // bytes of `in` that frame took
  std::string error;               // set on a bad frame: the stream is unusable
};
// Decodes the frame at the front of `in`. Neither message nor error: the
// frame is not complete yet.
Decoded decode(std::span<const std::uint8_t> in);

const char* name(const Message& m);

}  // namespace tandem::daemon::checker
