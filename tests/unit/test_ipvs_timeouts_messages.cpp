// The connection timeout messages of ipvs/messages.hpp (IPVS_CMD_SET_CONFIG,
// IPVS_CMD_GET_CONFIG and the kernel's reply), byte for byte, and the
// replies the parser refuses. Layout as in test_ipvs_messages.cpp: x86-64,
// host order little-endian; the timeouts are top-level u32 attributes
// IPVS_CMD_ATTR_TIMEOUT_TCP (4), _TCP_FIN (5) and _UDP (6), in seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "builders.hpp"
#include "ipvs/messages.hpp"

namespace tandem::ipvs {
namespace {

using tandem::testing::from_hex;
using wire::Bytes;

constexpr int kFamily = 0x1c;
constexpr std::uint32_t kSeq = 0x11223344;  // "44332211" on the wire

std::string hex(const Bytes& b) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i && i % 4 == 0) out += ' ';
    out += digits[b[i] >> 4];
    out += digits[b[i] & 15];
  }
  return out;
}

TEST(IpvsTimeoutMessages, SetConfigSendsAllThree) {
  EXPECT_EQ(hex(wire::encode_set_config(Timeouts{900, 120, 300}, kFamily, kSeq)),
            hex(from_hex("2c000000 1c00 0500 44332211 00000000"  // len 44, REQUEST|ACK
                         "0c 01 0000"                            // cmd SET_CONFIG (12), version 1
                         "0800 0400 84030000"                    // TIMEOUT_TCP 900
                         "0800 0500 78000000"                    // TIMEOUT_TCP_FIN 120
                         "0800 0600 2c010000")));                // TIMEOUT_UDP 300
}

TEST(IpvsTimeoutMessages, SetConfigSendsZeroForUnchanged) {
  // As ipvsadm --set 0 60 0: the kernel keeps a timeout given as 0.
  EXPECT_EQ(hex(wire::encode_set_config(Timeouts{0, 60, 0}, kFamily, kSeq)),
            hex(from_hex("2c000000 1c00 0500 44332211 00000000"
                         "0c 01 0000"
                         "0800 0400 00000000"
                         "0800 0500 3c000000"     // 60
                         "0800 0600 00000000")));
}

TEST(IpvsTimeoutMessages, GetConfigIsAnEmptyRequestWithAck) {
  EXPECT_EQ(hex(wire::encode_get_config(kFamily, kSeq)),
            hex(from_hex("14000000 1c00 0500 44332211 00000000"  // len 20, REQUEST|ACK
                         "0d 01 0000")));                        // cmd GET_CONFIG (13)
}

// The kernel's answer to GET_CONFIG (ip_vs_genl_get_cmd): cmd SET_CONFIG,
// no flags, our port id, the three timeouts (the TCP pair only with
// CONFIG_IP_VS_PROTO_TCP, UDP only with CONFIG_IP_VS_PROTO_UDP).
const char* const kKernelReply =
    "2c000000 1c00 0000 44332211 92100000"  // len 44, pid 4242
    "0c 01 0000"
    "0800 0400 84030000"
    "0800 0500 78000000"
    "0800 0600 2c010000";

TEST(IpvsTimeoutMessages, ParsesTheKernelsReply) {
  auto t = wire::parse_timeouts(from_hex(kKernelReply));
  ASSERT_EQ(t.index(), 0u) << std::get<1>(t);
  EXPECT_EQ(std::get<0>(t), (Timeouts{900, 120, 300}));
}

// The reply of a fresh Debian 6.1 kernel in the vm tier (family id 0x20,
// port id 0xbb), captured with a raw netlink socket; a seed of the fuzz
// corpus. The same bytes as kKernelReply but for those two ids.
TEST(IpvsTimeoutMessages, DecodesTheCapturedKernelReply) {
  std::ifstream in(std::string(TANDEM_TEST_DATA) + "/../fuzz/corpus/ipvs_reply/kernel_timeouts", std::ios::binary);
  const Bytes datagram((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto split = wire::split_datagram(datagram);
  ASSERT_EQ(split.index(), 0u);
  ASSERT_EQ(std::get<0>(split).size(), 1u);
  const wire::Message& m = std::get<0>(split)[0];
  EXPECT_EQ(m.type, 0x20);
  EXPECT_EQ(m.flags, 0);
  EXPECT_EQ(m.seq, kSeq);
  auto t = wire::parse_timeouts(m.bytes);
  ASSERT_EQ(t.index(), 0u) << std::get<1>(t);
  EXPECT_EQ(std::get<0>(t), (Timeouts{900, 120, 300}));
  Bytes expected = from_hex(kKernelReply);
  expected[4] = 0x20;   // family id
  expected[12] = 0xbb;  // port id
  expected[13] = 0;
  EXPECT_EQ(hex(datagram), hex(expected));
}

struct GoodCase {
  const char* description;
  const char* message;
  Timeouts expected;
};

TEST(IpvsTimeoutMessages, ParsesReplies) {
  const std::vector<GoodCase> cases = {
      {"a kernel without UDP: no UDP timeout, read as 0",
       "24000000 1c00 0000 44332211 92100000 0c 01 0000 0800 0400 84030000 0800 0500 78000000", {900, 120, 0}},
      {"a kernel without TCP and UDP: nothing, all 0", "14000000 1c00 0000 44332211 92100000 0c 01 0000", {}},
      {"attributes in another order, an unknown one skipped",
       "34000000 1c00 0000 44332211 92100000 0c 01 0000"
       "0800 0600 3c000000 0800 2000 01000000 0800 0500 1e000000 0800 0400 100e0000",
       {3600, 30, 60}},
      {"the largest u32", "1c000000 1c00 0000 44332211 92100000 0c 01 0000 0800 0400 ffffffff",
       {0xffffffffu, 0, 0}},
  };
  for (const auto& c : cases) {
    auto t = wire::parse_timeouts(from_hex(c.message));
    ASSERT_EQ(t.index(), 0u) << c.description << ": " << std::get<1>(t);
    EXPECT_EQ(describe(std::get<0>(t)), describe(c.expected)) << c.description;
  }
}

TEST(IpvsTimeoutMessages, SetConfigParsesBackToItsValues) {
  for (const Timeouts& t : {Timeouts{900, 120, 300}, Timeouts{0, 60, 0}, Timeouts{}, Timeouts{2147483, 1, 1}}) {
    auto back = wire::parse_timeouts(wire::encode_set_config(t, kFamily, 7));
    ASSERT_EQ(back.index(), 0u) << describe(t) << ": " << std::get<1>(back);
    EXPECT_EQ(std::get<0>(back), t) << describe(t);
  }
}

struct BadCase {
  const char* description;
  Bytes message;
  const char* error_contains;
};

Bytes truncate(Bytes b, std::size_t n) {
  b.resize(n);
  return b;
}

TEST(IpvsTimeoutMessages, MalformedRepliesAreRefused) {
  const Bytes good = from_hex(kKernelReply);
  Bytes long_length = good;
  long_length[0] += 4;
  Bytes attr_overruns = good;
  attr_overruns[20] = 0x40;  // TIMEOUT_TCP claims 64 bytes of the 24 left
  const std::vector<BadCase> cases = {
      {"empty input", {}, "timeouts: message too short"},
      {"the netlink header alone", truncate(good, 16), "message too short"},
      {"cut in the middle of an attribute", truncate(good, 30), "length field does not match"},
      {"length field longer than the bytes", long_length, "length field does not match"},
      {"an attribute longer than the message", attr_overruns, "truncated attribute"},
      {"trailing bytes after the last attribute",
       from_hex("26000000 1c00 0000 44332211 92100000 0c 01 0000 0800 0400 84030000 0800 0500 78000000 0102"),
       "truncated attribute"},
      {"a TCP timeout of 2 bytes", from_hex("1c000000 1c00 0000 44332211 92100000 0c 01 0000 0600 0400 8403 0000"),
       "timeouts: "},
      {"a UDP timeout of 8 bytes",
       from_hex("20000000 1c00 0000 44332211 92100000 0c 01 0000 0c00 0600 2c010000 00000000"), "timeouts: "},
      {"a service dump entry is not a timeouts reply",
       from_hex("1c000000 1c00 0200 44332211 92100000 01 01 0000 0800 0400 84030000"), "unexpected command 1"},
      {"the request GET_CONFIG is not its reply", wire::encode_get_config(kFamily, kSeq), "unexpected command 13"},
      {"no generic netlink header", from_hex("14000000 1c00 0000 44332211 92100000 0c 01"), "message too short"},
  };
  for (const auto& c : cases) {
    auto t = wire::parse_timeouts(c.message);
    ASSERT_EQ(t.index(), 1u) << c.description;
    EXPECT_NE(std::get<1>(t).find(c.error_contains), std::string::npos) << c.description << ": " << std::get<1>(t);
  }
}

TEST(IpvsTimeoutMessages, MisalignedInputIsReadSafely) {
  const Bytes msg = from_hex(kKernelReply);
  Bytes shifted(msg.size() + 3);
  std::copy(msg.begin(), msg.end(), shifted.begin() + 3);
  auto t = wire::parse_timeouts(std::span<const std::uint8_t>(shifted).subspan(3));
  ASSERT_EQ(t.index(), 0u) << std::get<1>(t);
  EXPECT_EQ(std::get<0>(t), (Timeouts{900, 120, 300}));
}

}  // namespace
}  // namespace tandem::ipvs
