// Real server maintenance (tandemctl drain|disable|enable): which real
// servers an operator took out of service, by whom and when. Both directors
// hold the same state: it is kept in a file beside ipvs-created and carried
// to the peer in heartbeats (failover/maintenance_sync.hpp), where the two
// are merged server by server, the later change winning, so changes made
// on both directors at once are all kept. Pure: the text form (the file
// and the wire), the changes, the merge, and what it does to the desired
// table (ipvs/desired.hpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "ipvs/model.hpp"

namespace tandem::ipvs {

// none: in service, subject to its health check. drain: weight 0, so no
// new connections while the established ones finish. disable: out of the
// table (its connections end).
enum class AdminMode : std::uint8_t { none, drain, disable };
std::string_view to_string(AdminMode m);  // "none", "drain", "disable"
std::optional<AdminMode> admin_mode_from(std::string_view word);

struct AdminEntry {
  ServiceKey service;
  DestKey dest;
  // none: enabled again (kept for a day, so that the merge with a peer
  // that has not heard of it yet does not bring the old mode back).
  AdminMode mode = AdminMode::drain;
  std::string by;                     // "root@d1": who set it, on which director
  std::int64_t at_ms = 0;             // when, Unix time in milliseconds
  friend bool operator==(const AdminEntry&, const AdminEntry&) = default;
};

struct AdminState {
  // When the last change was made (Unix ms); 0: never changed.
  std::int64_t stamp_ms = 0;
  std::vector<AdminEntry> entries;  // sorted by (service, dest), each pair once
  friend bool operator==(const AdminState&, const AdminState&) = default;
};

// At most this many real servers are in maintenance at once, enabled ones
// still remembered included (the state crosses to the peer in heartbeat
// pieces: a few kilobytes).
inline constexpr std::size_t kMaxAdminEntries = 256;
// How long an enable is remembered (milliseconds before the newest change).
inline constexpr std::int64_t kEnabledKeptMs = 24LL * 3600 * 1000;

// The text form, the same in the file and on the wire:
//   tandem-maintenance 1
//   stamp 1765100000123
//   drain tcp 10.0.0.100 80 10.0.0.11 80 1765100000123 root@d1
// (mode: drain, disable or enable; service as ipvs-created writes it,
// destination address and port, when, by whom).
std::string format_admin_state(const AdminState& s);
// The state, or why the text is not one ("line 3: ...").
std::variant<AdminState, std::string> parse_admin_state(std::string_view text);
// The digest the heartbeats compare (first 8 bytes of SHA-256 of the text).
std::uint64_t admin_digest(const AdminState& s);
// Both directors' changes: per real server the later one (on the same
// time, the higher mode, then the greater name), stamped with the later
// stamp; enables older than kEnabledKeptMs before it are forgotten, and
// beyond kMaxAdminEntries the oldest enables. The same on both sides:
// merge(a, b) == merge(b, a).
AdminState merge_admin(const AdminState& a, const AdminState& b);

// Sets the mode of one real server (none: enabled); the new state is
// stamped `at_ms` (at least one more than the old stamp). Why not: the
// limit reached. Nothing changes when the mode is already the one asked
// for, or when enabling a server that was never in maintenance.
std::variant<AdminState, std::string> set_admin(const AdminState& s, const ServiceKey& service, const DestKey& dest,
                                                AdminMode mode, const std::string& by, std::int64_t at_ms);
// The entry of one real server (its mode may be none), or null.
const AdminEntry* find_admin(const AdminState& s, const ServiceKey& service, const DestKey& dest);
// The entries in maintenance (mode not none).
std::size_t admin_count(const AdminState& s);

// admin[v][r]: the mode of real server r of virtual server v (desired_table).
using Admin = std::vector<std::vector<AdminMode>>;
Admin admin_modes(const std::vector<config::VirtualServer>& servers, const AdminState& s);

// What `tandemctl drain VS REAL` names, against the configuration:
//   VS   ADDR:PORT, [V6ADDR]:PORT, PROTO:ADDR:PORT (tcp, udp, sctp), fwmark:N
//   REAL ADDR, ADDR:PORT, [V6ADDR]:PORT (the port may be left out when the
//        address is there once)
struct RealRef {
  std::size_t vs = 0;
  std::size_t real = 0;
};
std::variant<RealRef, std::string> find_real(const std::vector<config::VirtualServer>& servers, std::string_view vs,
                                             std::string_view real);
// The entry's service and destination as tandemctl names them
// ("tcp:10.0.0.100:80 10.0.0.11:80").
std::string describe_admin_target(const ServiceKey& service, const DestKey& dest);

}  // namespace tandem::ipvs
