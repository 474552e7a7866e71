// ICMP echo (RFC 792) and ICMPv6 echo (RFC 4443) for ping tracks: the
// requests the pinger sends and the replies it reads from its raw sockets.
// Pure.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tandem::failover {

// An echo request: type 8 (IPv4) or 128 (IPv6), code 0, `id`, `sequence`
// and `payload`. The IPv4 checksum is filled in; the kernel computes the
// ICMPv6 one (it covers the pseudo-header).
std::vector<std::uint8_t> echo_request(int family, std::uint16_t id, std::uint16_t sequence,
                                       std::span<const std::uint8_t> payload);

struct EchoReply {
  std::uint16_t id = 0;
  std::uint16_t sequence = 0;
  friend bool operator==(const EchoReply&, const EchoReply&) = default;
};

// An echo reply as a raw socket reads it: for IPv4 with its IP header
// (which must say ICMP, and whose length fields must fit), for IPv6 the
// ICMPv6 message alone. Anything else (other ICMP types, truncated or
// inconsistent packets, a bad IPv4 checksum) is nullopt.
std::optional<EchoReply> parse_echo_reply(int family, std::span<const std::uint8_t> packet);

// The Internet checksum (RFC 1071) of `data`.
std::uint16_t internet_checksum(std::span<const std::uint8_t> data);

}  // namespace tandem::failover
