#include "failover/icmp.hpp"

#include <sys/socket.h>

namespace tandem::failover {
namespace {

constexpr std::uint8_t echo_request_v4 = 8, echo_reply_v4 = 0;
constexpr std::uint8_t echo_request_v6 = 128, echo_reply_v6 = 129;
constexpr std::size_t icmp_header = 8;

std::uint16_t get16(std::span<const std::uint8_t> p, std::size_t at) {
  return static_cast<std::uint16_t>(p[at] << 8 | p[at + 1]);
}

}  // namespace

std::uint16_t internet_checksum(std::span<const std::uint8_t> data) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += get16(data, i);
  if (i < data.size()) sum += static_cast<std::uint32_t>(data[i]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::vector<std::uint8_t> echo_request(int family, std::uint16_t id, std::uint16_t sequence,
                                       std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> out;
  out.reserve(icmp_header + payload.size());
  out.push_back(family == AF_INET6 ? echo_request_v6 : echo_request_v4);
  out.push_back(0);  // code
  out.push_back(0);  // checksum, below
  out.push_back(0);
  out.push_back(static_cast<std::uint8_t>(id >> 8));
  out.push_back(static_cast<std::uint8_t>(id));
  out.push_back(static_cast<std::uint8_t>(sequence >> 8));
  out.push_back(static_cast<std::uint8_t>(sequence));
  out.insert(out.end(), payload.begin(), payload.end());
  if (family != AF_INET6) {
    const std::uint16_t sum = internet_checksum(out);
    out[2] = static_cast<std::uint8_t>(sum >> 8);
    out[3] = static_cast<std::uint8_t>(sum);
  }
  return out;
}

std::optional<EchoReply> parse_echo_reply(int family, std::span<const std::uint8_t> packet) {
  std::span<const std::uint8_t> icmp = packet;
  if (family == AF_INET) {
    if (packet.size() < 20) return std::nullopt;
    if ((packet[0] >> 4) != 4) return std::nullopt;
    const std::size_t ihl = std::size_t(packet[0] & 0x0f) * 4;
    if (ihl < 20 || packet.size() < ihl) return std::nullopt;
    const std::size_t total = get16(packet, 2);
    if (total < ihl || total > packet.size()) return std::nullopt;
    if (packet[9] != 1) return std::nullopt;  // not ICMP
    icmp = packet.subspan(ihl, total - ihl);
    if (icmp.size() < icmp_header) return std::nullopt;
    if (internet_checksum(icmp) != 0) return std::nullopt;
    if (icmp[0] != echo_reply_v4 || icmp[1] != 0) return std::nullopt;
  } else if (family == AF_INET6) {
    if (icmp.size() < icmp_header) return std::nullopt;
    if (icmp[0] != echo_reply_v6 || icmp[1] != 0) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return EchoReply{get16(icmp, 4), get16(icmp, 6)};
}

}  // namespace tandem::failover
