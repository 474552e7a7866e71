// ICMP echo requests and the parsing of replies read from raw sockets,
// with bad input of every kind.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "failover/icmp.hpp"

namespace tandem::failover {
namespace {

using Bytes = std::vector<std::uint8_t>;

// An IPv4 packet around `icmp`: 20-byte header, protocol `proto`.
Bytes ipv4(const Bytes& icmp, std::uint8_t proto = 1) {
  Bytes p{0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0, 10, 0, 0, 254, 10, 0, 0, 1};
  const std::size_t total = p.size() + icmp.size();
  p[2] = std::uint8_t(total >> 8);
  p[3] = std::uint8_t(total);
  p.insert(p.end(), icmp.begin(), icmp.end());
  return p;
}

// The request turned into the reply a host sends back (type 0, checksum
// fixed).
Bytes reply_v4(Bytes icmp) {
  icmp[0] = 0;
  icmp[2] = icmp[3] = 0;
  const auto sum = internet_checksum(icmp);
  icmp[2] = std::uint8_t(sum >> 8);
  icmp[3] = std::uint8_t(sum);
  return icmp;
}

TEST(Icmp, RequestV4HasTypeIdSequenceAndAValidChecksum) {
  const Bytes payload{1, 2, 3};
  const Bytes r = echo_request(AF_INET, 0x1234, 7, payload);
  ASSERT_EQ(r.size(), 11u);
  EXPECT_EQ(r[0], 8);
  EXPECT_EQ(r[1], 0);
  EXPECT_EQ(r[4], 0x12);
  EXPECT_EQ(r[5], 0x34);
  EXPECT_EQ(r[7], 7);
  EXPECT_EQ(internet_checksum(r), 0) << "a packet with its checksum sums to zero";
}

TEST(Icmp, RequestV6LeavesTheChecksumToTheKernel) {
  const Bytes r = echo_request(AF_INET6, 1, 2, {});
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(r[0], 128);
  EXPECT_EQ(r[2], 0);
  EXPECT_EQ(r[3], 0);
}

TEST(Icmp, ChecksumOfAnOddLength) {
  // RFC 1071's example words 0001 f203 f4f5 f6f7, sum ddf2, checksum 220d.
  EXPECT_EQ(internet_checksum(Bytes{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}), 0x220d);
  EXPECT_EQ(internet_checksum(Bytes{0xff}), 0x00ff);
}

TEST(Icmp, ParsesRepliesV4AndV6) {
  const Bytes req = echo_request(AF_INET, 0xbeef, 42, Bytes(16, 0xab));
  EXPECT_EQ(parse_echo_reply(AF_INET, ipv4(reply_v4(req))), (EchoReply{0xbeef, 42}));
  Bytes v6 = echo_request(AF_INET6, 9, 10, {});
  v6[0] = 129;
  EXPECT_EQ(parse_echo_reply(AF_INET6, v6), (EchoReply{9, 10}));
}

TEST(Icmp, RefusesAnythingElse) {
  const Bytes good = ipv4(reply_v4(echo_request(AF_INET, 1, 1, Bytes(8, 1))));
  EXPECT_FALSE(parse_echo_reply(AF_INET, {})) << "empty";
  EXPECT_FALSE(parse_echo_reply(AF_INET, Bytes(good.begin(), good.begin() + 19))) << "short IP header";
  for (std::size_t n = 20; n < good.size(); ++n)
    EXPECT_FALSE(parse_echo_reply(AF_INET, Bytes(good.begin(), good.begin() + std::ptrdiff_t(n)))) << "cut at " << n;
  Bytes b = good;
  b[0] = 0x65;  // version 6 in an IPv4 socket
  EXPECT_FALSE(parse_echo_reply(AF_INET, b));
  b = good;
  b[0] = 0x44;  // IHL 16 bytes
  EXPECT_FALSE(parse_echo_reply(AF_INET, b));
  b = good;
  b[0] = 0x4f;  // IHL 60 bytes, longer than the packet's header
  EXPECT_FALSE(parse_echo_reply(AF_INET, b));
  b = good;
  b[3] = 0xff;  // total length beyond the packet
  EXPECT_FALSE(parse_echo_reply(AF_INET, b));
  b = good;
  b[3] = 10;  // total length inside the IP header
  EXPECT_FALSE(parse_echo_reply(AF_INET, b));
  EXPECT_FALSE(parse_echo_reply(AF_INET, ipv4(reply_v4(echo_request(AF_INET, 1, 1, {})), 6))) << "TCP";
  b = good;
  b[20 + 8] ^= 1;  // payload changed: checksum wrong
  EXPECT_FALSE(parse_echo_reply(AF_INET, b));
  EXPECT_FALSE(parse_echo_reply(AF_INET, ipv4(echo_request(AF_INET, 1, 1, {})))) << "a request, not a reply";
  Bytes unreachable = reply_v4(echo_request(AF_INET, 1, 1, {}));
  unreachable[0] = 3;
  unreachable[2] = unreachable[3] = 0;
  const auto sum = internet_checksum(unreachable);
  unreachable[2] = std::uint8_t(sum >> 8);
  unreachable[3] = std::uint8_t(sum);
  EXPECT_FALSE(parse_echo_reply(AF_INET, ipv4(unreachable))) << "destination unreachable";
  EXPECT_FALSE(parse_echo_reply(AF_INET6, Bytes{129, 0, 0, 0, 0, 1, 0})) << "short ICMPv6";
  EXPECT_FALSE(parse_echo_reply(AF_INET6, Bytes{128, 0, 0, 0, 0, 1, 0, 1})) << "ICMPv6 request";
  EXPECT_FALSE(parse_echo_reply(AF_INET6, Bytes{129, 1, 0, 0, 0, 1, 0, 1})) << "code 1";
  EXPECT_FALSE(parse_echo_reply(AF_UNIX, Bytes(16, 0))) << "no such family";
}

}  // namespace
}  // namespace tandem::failover
