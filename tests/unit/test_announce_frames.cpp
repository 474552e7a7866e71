// GARP and unsolicited NA frames, byte for byte (REFERENCE "Addresses, GARP, NA").
#include <gtest/gtest.h>

#include "builders.hpp"
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "failover/announce_frames.hpp"

namespace tandem::failover {
namespace {

using tandem::testing::from_hex;

config::IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  config::IpAddress ip;
  ip.family = AF_INET;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

// 2001:db8::100
config::IpAddress v6_vip() {
  config::IpAddress ip;
  ip.family = AF_INET6;
  ip.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00};
  return ip;
}

const Mac mac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

TEST(AnnounceFrames, GratuitousArpByteForByte) {
  const auto frame = build_gratuitous_arp(mac, v4(10, 0, 0, 100));
  const auto expected = from_hex(
      "ffffffffffff"   // Ethernet destination: broadcast
      "525400123456"   // Ethernet source
      "0806"           // ethertype ARP
      "0001"           // htype Ethernet
      "0800"           // ptype IPv4
      "06" "04"        // hlen, plen
      "0001"           // op request
      "525400123456"   // sender MAC
      "0a000064"       // sender IP = VIP
      "000000000000"   // target MAC
      "0a000064");     // target IP = VIP
  ASSERT_EQ(frame.size(), 42u);
  EXPECT_EQ(frame, expected);
}

TEST(AnnounceFrames, GratuitousArpRejectsIpv6) {
  EXPECT_THROW(build_gratuitous_arp(mac, v6_vip()), std::invalid_argument);
}

TEST(AnnounceFrames, UnsolicitedNaByteForByte) {
  const auto frame = build_unsolicited_na(mac, v6_vip());
  const auto expected = from_hex(
      "333300000001"  // Ethernet destination: all-nodes multicast
      "525400123456"  // Ethernet source
      "86dd"          // ethertype IPv6
      "60000000"      // version 6, traffic class 0, flow label 0
      "0020"          // payload length 32
      "3a"            // next header ICMPv6
      "ff"            // hop limit 255
      "20010db8000000000000000000000100"  // source = VIP
      "ff020000000000000000000000000001"  // destination ff02::1
      "88" "00"       // type 136, code 0
      "7271"          // checksum
      "20000000"      // flags: Override only
      "20010db8000000000000000000000100"  // target = VIP
      "02" "01"       // option: target link-layer address, 8 bytes
      "525400123456");
  ASSERT_EQ(frame.size(), 86u);
  EXPECT_EQ(frame, expected);
}

// Recomputes the ICMPv6 checksum from the frame itself: the one's-complement
// sum over pseudo-header and message, checksum field included, must be 0xffff
// (its complement 0).
TEST(AnnounceFrames, UnsolicitedNaChecksumVerifies) {
  const Mac other{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
  config::IpAddress vip = v6_vip();
  vip.bytes[15] = 0x7f;
  vip.bytes[8] = 0xfe;
  for (const Mac& m : {mac, other}) {
    const auto frame = build_unsolicited_na(m, vip);
    ASSERT_EQ(frame.size(), 86u);
    const std::size_t ip = 14, icmp = 54;
    const std::size_t icmp_len = static_cast<std::size_t>(frame[ip + 4] << 8 | frame[ip + 5]);
    ASSERT_EQ(icmp_len, 32u);
    ASSERT_EQ(frame.size(), icmp + icmp_len);
    std::uint32_t sum = 0;
    auto add_words = [&](std::size_t from, std::size_t n) {
      for (std::size_t i = 0; i < n; i += 2)
        sum += static_cast<std::uint32_t>(frame[from + i] << 8 | frame[from + i + 1]);
    };
    add_words(ip + 8, 32);  // source and destination addresses
    sum += static_cast<std::uint32_t>(icmp_len);
    sum += frame[ip + 6];  // next header
    add_words(icmp, icmp_len);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    EXPECT_EQ(static_cast<std::uint16_t>(~sum), 0) << "checksum does not verify";
    EXPECT_EQ(frame[icmp], 136);
    EXPECT_EQ(frame[ip + 7], 255);
    // Router (0x80) and Solicited (0x40) clear, Override (0x20) set.
    EXPECT_EQ(frame[icmp + 4], 0x20);
    EXPECT_TRUE(std::equal(m.begin(), m.end(), frame.begin() + 80));
    EXPECT_TRUE(std::equal(m.begin(), m.end(), frame.begin() + 6));
  }
}

TEST(AnnounceFrames, UnsolicitedNaRejectsIpv4) {
  EXPECT_THROW(build_unsolicited_na(mac, v4(10, 0, 0, 1)), std::invalid_argument);
}

}  // namespace
}  // namespace tandem::failover
