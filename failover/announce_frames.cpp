// GARP and unsolicited NA frames (REFERENCE "Addresses, GARP, NA"; RFC 5227
// section 3 for the ARP announcement, RFC 4861 sections 4.4 and 7.2.6 for the
// neighbour advertisement).
#include "failover/announce_frames.hpp"

#include <stdexcept>

#include "failover/big_endian.hpp"

namespace tandem::failover {

namespace {

constexpr std::uint16_t ethertype_arp = 0x0806;
constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_ipv6 = 0x86dd;
constexpr std::uint8_t next_header_icmpv6 = 58;
constexpr std::uint8_t icmpv6_neighbor_advertisement = 136;
constexpr std::uint32_t na_flag_override = 0x20000000;
constexpr std::uint8_t nd_option_target_lladdr = 2;

constexpr Mac broadcast_mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr Mac all_nodes_mac{0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
constexpr std::array<std::uint8_t, 16> all_nodes_ip{0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                    0,    0,    0, 0, 0, 0, 0, 1};

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) { put_be(out, v); }
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) { put_be(out, v); }

template <std::size_t N>
void put_bytes(std::vector<std::uint8_t>& out, const std::array<std::uint8_t, N>& bytes,
               std::size_t count = N) {
  out.insert(out.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(count));
}

void put_ethernet(std::vector<std::uint8_t>& out, const Mac& dst, const Mac& src,
                  std::uint16_t ethertype) {
  put_bytes(out, dst);
  put_bytes(out, src);
  put_u16(out, ethertype);
}

// One's-complement sum of 16-bit big-endian words, not yet folded.
std::uint32_t ones_sum(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<std::uint32_t>((p[i] << 8) | p[i + 1]);
  if (n % 2 != 0) sum += static_cast<std::uint32_t>(p[n - 1] << 8);
  return sum;
}

std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace

std::vector<std::uint8_t> build_gratuitous_arp(const Mac& mac, const config::IpAddress& vip) {
  if (!vip.is_v4()) throw std::invalid_argument("gratuitous ARP needs an IPv4 address");
  std::vector<std::uint8_t> out;
  out.reserve(42);
  put_ethernet(out, broadcast_mac, mac, ethertype_arp);
  put_u16(out, 1);               // hardware type: Ethernet
  put_u16(out, ethertype_ipv4);  // protocol type
  out.push_back(6);              // hardware address length
  out.push_back(4);              // protocol address length
  put_u16(out, 1);               // operation: request
  put_bytes(out, mac);           // sender hardware address
  put_bytes(out, vip.bytes, 4);  // sender protocol address
  put_bytes(out, Mac{});         // target hardware address: unknown
  put_bytes(out, vip.bytes, 4);  // target protocol address
  return out;
}

std::vector<std::uint8_t> build_unsolicited_na(const Mac& mac, const config::IpAddress& vip) {
  if (!vip.is_v6()) throw std::invalid_argument("neighbour advertisement needs an IPv6 address");
  constexpr std::size_t ethernet_size = 14;
  constexpr std::size_t ipv6_size = 40;
  constexpr std::size_t icmp_size = 4 + 4 + 16 + 8;  // header, flags, target, option

  std::vector<std::uint8_t> out;
  out.reserve(ethernet_size + ipv6_size + icmp_size);
  put_ethernet(out, all_nodes_mac, mac, ethertype_ipv6);

  put_u32(out, 0x60000000);  // version 6, traffic class 0, flow label 0
  put_u16(out, static_cast<std::uint16_t>(icmp_size));
  out.push_back(next_header_icmpv6);
  out.push_back(255);  // hop limit: receivers drop ND packets with anything else
  put_bytes(out, vip.bytes);
  put_bytes(out, all_nodes_ip);

  const std::size_t icmp_at = out.size();
  out.push_back(icmpv6_neighbor_advertisement);
  out.push_back(0);  // code
  put_u16(out, 0);   // checksum, filled in below
  put_u32(out, na_flag_override);
  put_bytes(out, vip.bytes);
  out.push_back(nd_option_target_lladdr);
  out.push_back(1);  // option length in units of 8 bytes
  put_bytes(out, mac);

  // Pseudo-header (RFC 8200 section 8.1): source, destination, upper-layer
  // length (32 bits), three zero bytes, next header.
  std::uint32_t sum = ones_sum(vip.bytes.data(), 16);
  sum = ones_sum(all_nodes_ip.data(), 16, sum);
  sum += static_cast<std::uint32_t>(icmp_size);
  sum += next_header_icmpv6;
  sum = ones_sum(out.data() + icmp_at, icmp_size, sum);
  const std::uint16_t checksum = fold(sum);
  out[icmp_at + 2] = static_cast<std::uint8_t>(checksum >> 8);
  out[icmp_at + 3] = static_cast<std::uint8_t>(checksum);
  return out;
}

}  // namespace tandem::failover
