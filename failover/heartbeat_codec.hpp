// The heartbeat wire format and its authentication (SPEC "Behaviour that users
// rely on"). Pure code: no sockets, no clocks. See docs/heartbeat-format.md.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "config/authkeys.hpp"
#include "config/digest.hpp"
#include "failover/role.hpp"

namespace tandem::failover {

// Flags carried in every heartbeat.
namespace flag {
constexpr std::uint16_t relinquish = 0x0001;  // active sender wants the peer to take over
constexpr std::uint16_t takeover = 0x0002;    // sender became active on purpose (admin/failback)
constexpr std::uint16_t leaving = 0x0004;     // sender is shutting down and holds nothing
constexpr std::uint16_t prepare = 0x0008;     // active sender hands over in stages: peer, add the VIPs silently
constexpr std::uint16_t staged = 0x0010;      // sender holds the VIPs silently, ready to take over
// Version 2 (docs/heartbeat-format.md):
constexpr std::uint16_t no_carrier = 0x0020;  // an interface of the sender's VIPs has no carrier
constexpr std::uint16_t hold_off = 0x0040;    // sender gave the VIPs up for fitness: do not hand them back yet
constexpr std::uint16_t known_v1 = relinquish | takeover | leaving | prepare | staged;
constexpr std::uint16_t known = known_v1 | no_carrier | hold_off;
// Version 3 (per group):
constexpr std::uint16_t exclusive_held = 0x0080;  // an exclusive resource of the group may run on the sender
constexpr std::uint16_t handover_wanted = 0x0100;  // the sender asks the active peer to hand the group over (tandemctl takeover)
constexpr std::uint16_t known_v3 = known | exclusive_held | handover_wanted;
}  // namespace flag

// Version 3: one failover group's role and flags (config::Group).
struct GroupRole {
  std::string name;  // 1..32 bytes
  Role role = Role::init;
  std::uint16_t flags = 0;
  friend bool operator==(const GroupRole&, const GroupRole&) = default;
};
inline constexpr std::size_t max_heartbeat_groups = 16;

// Version 4: one piece of the sender's real server maintenance state (the
// text of ipvs/maintenance.hpp, cut into pieces of at most
// max_maintenance_chunk bytes): piece `index` of `count`.
struct MaintenanceChunk {
  std::uint16_t index = 0;
  std::uint16_t count = 0;
  std::string bytes;  // 1..max_maintenance_chunk
  friend bool operator==(const MaintenanceChunk&, const MaintenanceChunk&) = default;
};
inline constexpr std::size_t max_maintenance_chunk = 400;

struct Heartbeat {
  std::string node;                 // sender's node name, 1..64 bytes
  std::uint64_t generation = 0;     // changes every start of the sender
  std::uint64_t sequence = 0;       // increases with every packet of a generation
  std::uint64_t ack_generation = 0; // the receiver's generation as the sender last heard it (0: none)
  Role role = Role::init;
  std::uint16_t priority = 0;
  std::uint16_t flags = 0;
  // Version 2: the sender's fitness ([[track]]). A version 1 packet has
  // none (0) and only the version 1 flags; a peer that speaks version 1 is
  // answered in version 1.
  std::uint8_t version = 4;
  std::uint16_t fitness = 0;
  // Version 3: the configuration digest, and every group's role and flags
  // (1..16 entries; `role` and `flags` above are the first entry's). A
  // version 1 or 2 packet has none: its role and flags apply to every group.
  config::ConfigDigest digest;
  std::vector<GroupRole> groups;
  // Version 4: the stamp (Unix ms) and digest of the sender's maintenance
  // state, and, while the peer's differs, one piece of it.
  std::uint64_t maintenance_stamp = 0;
  std::uint64_t maintenance_digest = 0;
  std::optional<MaintenanceChunk> maintenance;
  friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

// Why a packet was dropped. Every reason is counted (status --json).
enum class Reject : std::uint8_t {
  truncated,             // shorter than its header/name/tag says
  bad_magic,             // not a tandem packet
  bad_version,           // unsupported protocol version
  malformed,             // bad field value (role, name length, flags, trailing bytes)
  unknown_key,           // key id not in authkeys
  bad_hmac,              // tag does not verify
  unknown_node,          // sender is not our configured peer
  own_packet,            // our own name (multicast loop, reflection)
  old_generation,        // generation older than the peer's current one
  unverified_generation, // new generation that does not yet acknowledge ours
  replayed,              // sequence not above the last accepted one
};
inline constexpr std::size_t reject_reason_count = 11;
std::string_view to_string(Reject);

// Encodes and signs with `key` (its id goes into the packet), in hb.version.
// Versions 3 and 4 need 1..16 groups with names of 1..32 bytes; the header's
// role and flags are hb.role and hb.flags as given. Versions 1 and 2 ignore
// digest and groups, versions 1 to 3 the maintenance fields. Throws std::invalid_argument for what cannot be encoded.
std::vector<std::uint8_t> encode_heartbeat(const Heartbeat& hb, const config::AuthKey& key);

// Parses and verifies the HMAC against the key named in the packet.
std::variant<Heartbeat, Reject> decode_heartbeat(std::span<const std::uint8_t> packet,
                                                 const config::AuthKeys& keys);

// HMAC(key, data) with the algorithm's digest; exposed for the RFC 4231 tests.
std::vector<std::uint8_t> hmac(config::HmacAlgorithm algorithm, std::string_view key,
                               std::span<const std::uint8_t> data);

// Replay protection for one peer. A generation is accepted only once a packet
// of it acknowledges our own generation (so packets recorded before our start
// are useless), never when it is older than the current one, and within a
// generation the sequence must strictly increase. Generation 0 means "none"
// on the wire, so own_generation must be nonzero.
class ReplayGuard {
 public:
  explicit ReplayGuard(std::uint64_t own_generation) : own_generation_(own_generation) {}
  // Call only for packets whose HMAC verified. Returns the reject reason, or
  // nothing when accepted (and then records generation/sequence).
  std::optional<Reject> admit(const Heartbeat& hb);
  // What we put in ack_generation: the newest authenticated peer generation.
  std::uint64_t ack_generation() const { return seen_generation_; }
  std::uint64_t peer_generation() const { return verified_generation_; }
  std::uint64_t own_generation() const { return own_generation_; }

 private:
  std::uint64_t own_generation_;
  std::uint64_t seen_generation_ = 0;
  std::uint64_t verified_generation_ = 0;
  std::uint64_t last_sequence_ = 0;
};

// Decode + node-name check + replay guard + counters: everything a receiver
// does with a datagram before the state machine sees it.
class HeartbeatReceiver {
 public:
  HeartbeatReceiver(std::string own_name, std::string peer_name, std::uint64_t own_generation);
  std::variant<Heartbeat, Reject> receive(std::span<const std::uint8_t> packet,
                                          const config::AuthKeys& keys);
  const std::array<std::uint64_t, reject_reason_count>& rejected() const { return rejected_; }
  std::uint64_t accepted() const { return accepted_; }
  const ReplayGuard& guard() const { return guard_; }
  void set_peer_name(std::string peer_name) { peer_name_ = std::move(peer_name); }
  // The version of the peer's last authenticated packet, accepted or not
  // (a version 1 peer's packets stay unverified until it hears us in
  // version 1: this is how we learn to answer in it). Unset before any.
  std::optional<std::uint8_t> peer_version() const { return peer_version_; }

 private:
  std::string own_name_;
  std::string peer_name_;
  ReplayGuard guard_;
  std::array<std::uint64_t, reject_reason_count> rejected_{};
  std::uint64_t accepted_ = 0;
  std::optional<std::uint8_t> peer_version_;
};

}  // namespace tandem::failover
