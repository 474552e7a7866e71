// Heartbeat wire format, versions 1 to 4. The layout is documented byte by
// byte in docs/heartbeat-format.md; the offsets below must stay in step with it.
#include "failover/heartbeat_codec.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include "failover/big_endian.hpp"

namespace tandem::failover {

namespace {

constexpr std::array<std::uint8_t, 4> magic{'T', 'N', 'D', 'M'};
// Offsets of the fixed header (bytes), the same in every version up to 35.
constexpr std::size_t off_version = 4;
constexpr std::size_t off_flags = 5;
constexpr std::size_t off_key_id = 7;
constexpr std::size_t off_role = 8;
constexpr std::size_t off_priority = 9;
constexpr std::size_t off_generation = 11;
constexpr std::size_t off_sequence = 19;
constexpr std::size_t off_ack_generation = 27;
constexpr std::size_t off_fitness = 35;  // versions 2 and 3
constexpr std::size_t off_digest = 37;   // version 3: groups, virtual_servers, tracks (u64 each)

// What differs between the versions: version 2 adds the fitness (u16) at
// 35, moving the name length and the name by two bytes, and two flags;
// version 3 adds the configuration digest (3 x u64) at 37, moving them by
// 24 more, and the group list after the name.
struct Layout {
  std::size_t off_name_length;
  std::size_t header_size;  // everything before the node name
  std::uint16_t known_flags;  // in the header and (version 3) in every entry
  bool has_groups;
  bool has_maintenance = false;  // version 4
};
std::optional<Layout> layout_of(std::uint8_t version) {
  if (version == 1) return Layout{35, 36, flag::known_v1, false};
  if (version == 2) return Layout{37, 38, flag::known, false};
  if (version == 3) return Layout{61, 62, flag::known_v3, true};
  if (version == 4) return Layout{61, 62, flag::known_v3, true, true};
  return std::nullopt;
}

constexpr std::size_t max_name_length = 64;
constexpr std::size_t max_group_name_length = 32;
// A group entry: name length (u8), name, role (u8), flags (u16).
constexpr std::size_t group_entry_overhead = 1 + 1 + 2;

// Version 4 adds, after the group list: stamp (u64), digest (u64), piece
// count (u16; 0: no piece), and with a piece its index (u16) and length
// (u16) and its bytes.
constexpr std::size_t maintenance_fixed = 8 + 8 + 2;
constexpr std::size_t maintenance_piece_overhead = 2 + 2;

// The largest packet (version 4, a 64-byte node name, 16 groups with
// 32-byte names, a 400-byte maintenance piece, HMAC-SHA512):
//   62 (header) + 64 (name) + 1 (group count) + 16 * (4 + 32) (entries)
//   + 18 + 4 + 400 (maintenance) + 64 (tag) = 1189 bytes,
// so with the IPv6 and UDP headers (48 bytes) it fits the IPv6 minimum MTU
// of 1280 and is never fragmented.
constexpr std::size_t max_packet_size = 62 + max_name_length + 1 +
                                        max_heartbeat_groups *
                                            (group_entry_overhead + max_group_name_length) +
                                        maintenance_fixed + maintenance_piece_overhead + max_maintenance_chunk + 64;
static_assert(max_packet_size == 1189);
static_assert(max_packet_size + 48 < 1280, "a heartbeat must fit the IPv6 minimum MTU");

const EVP_MD* digest_of(config::HmacAlgorithm algorithm) {
  switch (algorithm) {
    case config::HmacAlgorithm::sha256: return EVP_sha256();
    case config::HmacAlgorithm::sha512: return EVP_sha512();
    case config::HmacAlgorithm::sha1: return EVP_sha1();
    case config::HmacAlgorithm::md5: return EVP_md5();
  }
  return nullptr;
}

// Tag length in bytes for each algorithm (the digest size).
std::size_t tag_length(config::HmacAlgorithm algorithm) {
  switch (algorithm) {
    case config::HmacAlgorithm::sha256: return 32;
    case config::HmacAlgorithm::sha512: return 64;
    case config::HmacAlgorithm::sha1: return 20;
    case config::HmacAlgorithm::md5: return 16;
  }
  return 0;
}

// Computes the tag into `out` (at least EVP_MAX_MD_SIZE bytes); returns its
// length, or 0 if OpenSSL failed.
std::size_t compute_tag(config::HmacAlgorithm algorithm, std::string_view key,
                        std::span<const std::uint8_t> data, std::uint8_t* out) {
  const EVP_MD* md = digest_of(algorithm);
  if (md == nullptr || key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return 0;
  // A non-null key pointer even for an empty key: HMAC() treats a null key
  // as "reuse the previous one", which a one-shot call does not have.
  static const std::uint8_t empty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&empty) : key.data();
  const std::uint8_t* data_ptr = data.empty() ? &empty : data.data();
  unsigned int length = 0;
  if (HMAC(md, key_ptr, static_cast<int>(key.size()), data_ptr, data.size(), out, &length) ==
      nullptr)
    return 0;
  return length;
}

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) { put_be(out, v); }
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) { put_be(out, v); }
std::uint16_t get_u16(std::span<const std::uint8_t> p, std::size_t at) { return get_be<std::uint16_t>(p, at); }
std::uint64_t get_u64(std::span<const std::uint8_t> p, std::size_t at) { return get_be<std::uint64_t>(p, at); }

}  // namespace

std::string_view to_string(Reject reason) {
  switch (reason) {
    case Reject::truncated: return "truncated";
    case Reject::bad_magic: return "bad_magic";
    case Reject::bad_version: return "bad_version";
    case Reject::malformed: return "malformed";
    case Reject::unknown_key: return "unknown_key";
    case Reject::bad_hmac: return "bad_hmac";
    case Reject::unknown_node: return "unknown_node";
    case Reject::own_packet: return "own_packet";
    case Reject::old_generation: return "old_generation";
    case Reject::unverified_generation: return "unverified_generation";
    case Reject::replayed: return "replayed";
  }
  return "unknown";
}

std::vector<std::uint8_t> hmac(config::HmacAlgorithm algorithm, std::string_view key,
                               std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> tag{};
  std::size_t n = compute_tag(algorithm, key, data, tag.data());
  if (n == 0) throw std::runtime_error("HMAC computation failed");
  return {tag.begin(), tag.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::vector<std::uint8_t> encode_heartbeat(const Heartbeat& hb, const config::AuthKey& key) {
  if (hb.node.empty() || hb.node.size() > max_name_length)
    throw std::invalid_argument("heartbeat node name must be 1..64 bytes");
  if (key.id < 0 || key.id > 255) throw std::invalid_argument("key id does not fit in a byte");
  const auto layout = layout_of(hb.version);
  if (!layout) throw std::invalid_argument("heartbeat version must be 1 to 4");
  if (layout->has_groups) {
    if (hb.groups.empty() || hb.groups.size() > max_heartbeat_groups)
      throw std::invalid_argument("a version 3 or 4 heartbeat needs 1..16 groups");
    for (const GroupRole& g : hb.groups)
      if (g.name.empty() || g.name.size() > max_group_name_length)
        throw std::invalid_argument("heartbeat group names must be 1..32 bytes");
  }
  if (layout->has_maintenance && hb.maintenance) {
    const auto& m = *hb.maintenance;
    if (m.count == 0 || m.index >= m.count || m.bytes.empty() || m.bytes.size() > max_maintenance_chunk)
      throw std::invalid_argument("a maintenance piece needs index < count and 1..400 bytes");
  }

  std::vector<std::uint8_t> out;
  out.reserve(max_packet_size);
  out.insert(out.end(), magic.begin(), magic.end());
  out.push_back(hb.version);
  // A version 1 peer would refuse the packet for a flag it does not know.
  put_u16(out, hb.flags & layout->known_flags);
  out.push_back(static_cast<std::uint8_t>(key.id));
  out.push_back(static_cast<std::uint8_t>(hb.role));
  put_u16(out, hb.priority);
  put_u64(out, hb.generation);
  put_u64(out, hb.sequence);
  put_u64(out, hb.ack_generation);
  if (hb.version >= 2) put_u16(out, hb.fitness);
  if (layout->has_groups) {
    put_u64(out, hb.digest.groups);
    put_u64(out, hb.digest.virtual_servers);
    put_u64(out, hb.digest.tracks);
  }
  out.push_back(static_cast<std::uint8_t>(hb.node.size()));
  out.insert(out.end(), hb.node.begin(), hb.node.end());
  if (layout->has_groups) {
    // The header's role and flags are the caller's (the first group's).
    out.push_back(static_cast<std::uint8_t>(hb.groups.size()));
    for (const GroupRole& g : hb.groups) {
      out.push_back(static_cast<std::uint8_t>(g.name.size()));
      out.insert(out.end(), g.name.begin(), g.name.end());
      out.push_back(static_cast<std::uint8_t>(g.role));
      put_u16(out, g.flags & layout->known_flags);
    }
  }
  if (layout->has_maintenance) {
    put_u64(out, hb.maintenance_stamp);
    put_u64(out, hb.maintenance_digest);
    if (!hb.maintenance) {
      put_u16(out, 0);
    } else {
      put_u16(out, hb.maintenance->count);
      put_u16(out, hb.maintenance->index);
      put_u16(out, static_cast<std::uint16_t>(hb.maintenance->bytes.size()));
      out.insert(out.end(), hb.maintenance->bytes.begin(), hb.maintenance->bytes.end());
    }
  }

  std::array<std::uint8_t, EVP_MAX_MD_SIZE> tag{};
  std::size_t n = compute_tag(key.algorithm, key.secret, out, tag.data());
  if (n == 0) throw std::runtime_error("HMAC computation failed");
  out.insert(out.end(), tag.begin(), tag.begin() + static_cast<std::ptrdiff_t>(n));
  return out;
}

std::variant<Heartbeat, Reject> decode_heartbeat(std::span<const std::uint8_t> packet,
                                                 const config::AuthKeys& keys) {
  const std::size_t size = packet.size();

  // Whatever part of the magic is present must match; a correct prefix that
  // stops early is a truncated packet, not a foreign one.
  const std::size_t magic_present = std::min(size, magic.size());
  if (!std::equal(magic.begin(), magic.begin() + static_cast<std::ptrdiff_t>(magic_present),
                  packet.begin()))
    return Reject::bad_magic;
  if (size <= off_version) return Reject::truncated;
  const std::uint8_t version = packet[off_version];
  const auto layout = layout_of(version);
  if (!layout) return Reject::bad_version;
  const std::size_t header_size = layout->header_size;
  if (size < header_size) return Reject::truncated;

  const std::uint16_t flags = get_u16(packet, off_flags);
  if ((flags & ~layout->known_flags) != 0) return Reject::malformed;
  const std::optional<Role> role = role_from_wire(packet[off_role]);
  if (!role) return Reject::malformed;
  const std::uint64_t generation = get_u64(packet, off_generation);
  if (generation == 0) return Reject::malformed;  // 0 means "no generation"
  const std::size_t name_length = packet[layout->off_name_length];
  if (name_length == 0 || name_length > max_name_length) return Reject::malformed;
  std::size_t body_size = header_size + name_length;
  if (size < body_size) return Reject::truncated;

  // Version 3: the group list. Its structure is checked here, like the
  // header's, so that the tag is found; nothing in it is used before the
  // HMAC verifies.
  std::vector<GroupRole> groups;
  if (layout->has_groups) {
    if (size < body_size + 1) return Reject::truncated;
    const std::size_t count = packet[body_size++];
    if (count == 0 || count > max_heartbeat_groups) return Reject::malformed;
    groups.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      if (size < body_size + 1) return Reject::truncated;
      const std::size_t length = packet[body_size];
      if (length == 0 || length > max_group_name_length) return Reject::malformed;
      if (size < body_size + group_entry_overhead + length) return Reject::truncated;
      GroupRole g;
      g.name.assign(reinterpret_cast<const char*>(packet.data() + body_size + 1), length);
      const std::optional<Role> group_role = role_from_wire(packet[body_size + 1 + length]);
      if (!group_role) return Reject::malformed;
      g.role = *group_role;
      g.flags = get_u16(packet, body_size + 2 + length);
      if ((g.flags & ~layout->known_flags) != 0) return Reject::malformed;
      for (const GroupRole& other : groups)
        if (other.name == g.name) return Reject::malformed;
      groups.push_back(std::move(g));
      body_size += group_entry_overhead + length;
    }
  }
  // Version 4: the maintenance fields, checked for structure alike.
  std::uint64_t maintenance_stamp = 0, maintenance_digest = 0;
  std::optional<MaintenanceChunk> piece;
  if (layout->has_maintenance) {
    if (size < body_size + maintenance_fixed) return Reject::truncated;
    maintenance_stamp = get_u64(packet, body_size);
    maintenance_digest = get_u64(packet, body_size + 8);
    const std::uint16_t count = get_u16(packet, body_size + 16);
    body_size += maintenance_fixed;
    if (count != 0) {
      if (size < body_size + maintenance_piece_overhead) return Reject::truncated;
      MaintenanceChunk m;
      m.count = count;
      m.index = get_u16(packet, body_size);
      const std::size_t length = get_u16(packet, body_size + 2);
      body_size += maintenance_piece_overhead;
      if (m.index >= m.count || length == 0 || length > max_maintenance_chunk) return Reject::malformed;
      if (size < body_size + length) return Reject::truncated;
      m.bytes.assign(reinterpret_cast<const char*>(packet.data() + body_size), length);
      body_size += length;
      piece = std::move(m);
    }
  }

  const config::AuthKey* key = keys.find(packet[off_key_id]);
  if (key == nullptr) return Reject::unknown_key;
  const std::size_t expected_tag = tag_length(key->algorithm);
  if (size < body_size + expected_tag) return Reject::truncated;
  if (size > body_size + expected_tag) return Reject::malformed;

  std::array<std::uint8_t, EVP_MAX_MD_SIZE> tag{};
  const std::size_t n = compute_tag(key->algorithm, key->secret, packet.first(body_size), tag.data());
  if (n != expected_tag || CRYPTO_memcmp(tag.data(), packet.data() + body_size, n) != 0)
    return Reject::bad_hmac;

  Heartbeat hb;
  hb.flags = flags;
  hb.role = *role;
  hb.priority = get_u16(packet, off_priority);
  hb.generation = generation;
  hb.sequence = get_u64(packet, off_sequence);
  hb.ack_generation = get_u64(packet, off_ack_generation);
  hb.version = version;
  hb.fitness = version >= 2 ? get_u16(packet, off_fitness) : 0;
  hb.node.assign(reinterpret_cast<const char*>(packet.data() + header_size), name_length);
  if (layout->has_groups) {
    hb.digest.groups = get_u64(packet, off_digest);
    hb.digest.virtual_servers = get_u64(packet, off_digest + 8);
    hb.digest.tracks = get_u64(packet, off_digest + 16);
    hb.groups = std::move(groups);
  }
  hb.maintenance_stamp = maintenance_stamp;
  hb.maintenance_digest = maintenance_digest;
  hb.maintenance = std::move(piece);
  return hb;
}

std::optional<Reject> ReplayGuard::admit(const Heartbeat& hb) {
  if (hb.generation == 0) return Reject::malformed;  // never a real incarnation
  if (verified_generation_ != 0 && hb.generation == verified_generation_) {
    if (hb.sequence <= last_sequence_) return Reject::replayed;
    last_sequence_ = hb.sequence;
    return std::nullopt;
  }
  if (hb.generation < verified_generation_) return Reject::old_generation;

  // A generation newer than the verified one (or the first we hear): echo it
  // back so the peer can prove liveness, but trust it only once it echoes ours.
  seen_generation_ = std::max(seen_generation_, hb.generation);
  if (hb.ack_generation != own_generation_) return Reject::unverified_generation;
  verified_generation_ = hb.generation;
  last_sequence_ = hb.sequence;
  return std::nullopt;
}

HeartbeatReceiver::HeartbeatReceiver(std::string own_name, std::string peer_name,
                                     std::uint64_t own_generation)
    : own_name_(std::move(own_name)), peer_name_(std::move(peer_name)), guard_(own_generation) {}

std::variant<Heartbeat, Reject> HeartbeatReceiver::receive(std::span<const std::uint8_t> packet,
                                                           const config::AuthKeys& keys) {
  auto decoded = decode_heartbeat(packet, keys);
  std::optional<Reject> reason;
  if (const Reject* r = std::get_if<Reject>(&decoded)) {
    reason = *r;
  } else {
    const Heartbeat& hb = std::get<Heartbeat>(decoded);
    if (hb.node == own_name_)
      reason = Reject::own_packet;
    else if (hb.node != peer_name_)
      reason = Reject::unknown_node;
    else {
      peer_version_ = hb.version;
      reason = guard_.admit(hb);
    }
  }
  if (reason) {
    ++rejected_[static_cast<std::size_t>(*reason)];
    return *reason;
  }
  ++accepted_;
  return decoded;
}

}  // namespace tandem::failover
