// IPVS generic netlink messages (ipvs/messages.hpp; linux/ip_vs.h),
// compared byte for byte with hand-written netlink.
//
// Layout of every message (x86-64, so host order is little-endian):
//   nlmsghdr    len u32 | type u16 (the family id) | flags u16 | seq u32 | pid u32
//   genlmsghdr  cmd u8 | version u8 (1) | reserved u16
//   attributes  len u16 (header + payload, without padding) | type u16 |
//               payload | zero padding to a multiple of 4
// Nested attributes carry NLA_F_NESTED (0x8000) in their type, as libnl puts
// them: 0x8001 IPVS_CMD_ATTR_SERVICE, 0x8002 _DEST, 0x8003 _DAEMON. Kernel
// replies nest without that flag.
// Flags: NLM_F_REQUEST 0x1, NLM_F_MULTI 0x2, NLM_F_ACK 0x4, NLM_F_DUMP 0x300.
// Byte order: addresses, service/dest ports, the tunnel port and the IPv4
// netmask are network order; everything else, the sync daemon's port
// included, is host order.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "builders.hpp"
#include "ipvs/messages.hpp"

namespace tandem::ipvs {
namespace {

using tandem::testing::from_hex;
using wire::Bytes;

constexpr int kFamily = 0x1c;               // the id genl_ctrl_resolve("IPVS") might return
constexpr std::uint32_t kSeq = 0x11223344;  // "44332211" on the wire

config::IpAddress ip(const char* text) { return *config::IpAddress::parse(text); }

ServiceKey tcp(const char* address, std::uint16_t port, std::uint16_t protocol = IPPROTO_TCP) {
  ServiceKey k;
  k.address = ip(address);
  k.af = k.address.family;
  k.protocol = protocol;
  k.port = port;
  return k;
}

ServiceKey fwmark(std::uint32_t mark, int af = AF_INET) {
  ServiceKey k;
  k.af = af;
  k.fwmark = mark;
  return k;
}

Service service(ServiceKey key, const char* scheduler, std::uint32_t flags = 0, std::uint32_t timeout = 0,
                std::uint32_t netmask = 0) {
  Service s;
  s.key = key;
  s.scheduler = scheduler;
  s.flags = flags;
  s.timeout = timeout;
  s.netmask = netmask ? netmask : (key.af == AF_INET6 ? 128 : 0xffffffff);
  return s;
}

Destination dest(const char* address, std::uint16_t port, Forwarding f, std::int32_t weight) {
  Destination d;
  d.key.address = ip(address);
  d.key.port = port;
  d.forwarding = f;
  d.weight = weight;
  return d;
}

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

// ------------------------------------------------------------------ encoding

struct EncodeCase {
  const char* description;
  std::function<Bytes()> encode;
  const char* expected;
};

std::vector<EncodeCase> encode_cases() {
  return {
      {"NEW service TCP 10.0.0.100:80 wlc, no persistence",
       [] { return wire::encode_request(NewService{service(tcp("10.0.0.100", 80), "wlc")}, kFamily, kSeq); },
       // nlmsghdr: len 92, type 0x1c, flags REQUEST|ACK, seq, pid 0
       "5c000000 1c00 0500 44332211 00000000"
       // genlmsghdr: cmd NEW_SERVICE (1), version 1
       "01 01 0000"
       // IPVS_CMD_ATTR_SERVICE, nested, len 72
       "4800 0180"
       "0600 0100 0200 0000"            // SVC_ATTR_AF (1) u16 AF_INET, 2 bytes padding
       "0600 0200 0600 0000"            // SVC_ATTR_PROTOCOL (2) u16 IPPROTO_TCP
       "0800 0300 0a000064"             // SVC_ATTR_ADDR (3) 4 bytes 10.0.0.100
       "0600 0400 0050 0000"            // SVC_ATTR_PORT (4) be16 80
       "0800 0600 776c6300"             // SVC_ATTR_SCHED_NAME (6) "wlc\0"
       "0c00 0700 00000000 ffffffff"    // SVC_ATTR_FLAGS (7) {flags 0, mask ~0}
       "0800 0800 00000000"             // SVC_ATTR_TIMEOUT (8) u32 0
       "0800 0900 ffffffff"},           // SVC_ATTR_NETMASK (9) be32 255.255.255.255

      {"SET service: sh with sh-fallback and sh-port, persistent 300 s, /24 netmask",
       [] {
         return wire::encode_request(
             SetService{service(tcp("10.0.0.100", 80), "sh",
                                svc_flag::persistent | svc_flag::sched1 | svc_flag::sched2, 300, 0xffffff00)},
             kFamily, kSeq);
       },
       "5c000000 1c00 0500 44332211 00000000"
       "02 01 0000"                     // cmd SET_SERVICE (2)
       "4800 0180"
       "0600 0100 0200 0000"
       "0600 0200 0600 0000"
       "0800 0300 0a000064"
       "0600 0400 0050 0000"
       "0700 0600 736800 00"            // SCHED_NAME "sh\0" (len 7) + 1 byte padding
       "0c00 0700 19000000 ffffffff"    // FLAGS 0x19 = PERSISTENT|SCHED1|SCHED2, mask ~0
       "0800 0800 2c010000"             // TIMEOUT 300
       "0800 0900 ffffff00"},           // NETMASK be32 255.255.255.0 (model: 0xffffff00)

      {"SET service never sends the kernel's HASHED flag",
       [] {
         return wire::encode_request(
             SetService{service(tcp("10.0.0.100", 80), "wlc", svc_flag::hashed | svc_flag::onepacket)}, kFamily,
             kSeq);
       },
       "5c000000 1c00 0500 44332211 00000000"
       "02 01 0000"
       "4800 0180"
       "0600 0100 0200 0000"
       "0600 0200 0600 0000"
       "0800 0300 0a000064"
       "0600 0400 0050 0000"
       "0800 0600 776c6300"
       "0c00 0700 04000000 ffffffff"    // ONEPACKET only
       "0800 0800 00000000"
       "0800 0900 ffffffff"},

      {"DEL service UDP 10.0.0.100:53 sends the key only",
       [] { return wire::encode_request(DelService{tcp("10.0.0.100", 53, IPPROTO_UDP)}, kFamily, kSeq); },
       "38000000 1c00 0500 44332211 00000000"  // len 56
       "03 01 0000"                     // cmd DEL_SERVICE (3)
       "2400 0180"                      // SERVICE, len 36
       "0600 0100 0200 0000"            // AF_INET
       "0600 0200 1100 0000"            // IPPROTO_UDP (17)
       "0800 0300 0a000064"
       "0600 0400 0035 0000"},          // be16 53

      {"NEW service IPv6 TCP [2001:db8::100]:443 rr: 16-byte address, netmask is a prefix length",
       [] { return wire::encode_request(NewService{service(tcp("2001:db8::100", 443), "rr")}, kFamily, kSeq); },
       "68000000 1c00 0500 44332211 00000000"  // len 104
       "01 01 0000"
       "5400 0180"                      // SERVICE, len 84
       "0600 0100 0a00 0000"            // AF_INET6 (10)
       "0600 0200 0600 0000"
       "1400 0300 20010db8 00000000 00000000 00000100"  // ADDR, 16 bytes
       "0600 0400 01bb 0000"            // be16 443
       "0700 0600 727200 00"            // "rr\0"
       "0c00 0700 00000000 ffffffff"
       "0800 0800 00000000"
       "0800 0900 80000000"},           // NETMASK 128 in host order, not a mask

      {"NEW service fwmark 7 (IPv4): no protocol, address or port",
       [] { return wire::encode_request(NewService{service(fwmark(7), "wlc")}, kFamily, kSeq); },
       "4c000000 1c00 0500 44332211 00000000"  // len 76
       "01 01 0000"
       "3800 0180"                      // SERVICE, len 56
       "0600 0100 0200 0000"
       "0800 0500 07000000"             // SVC_ATTR_FWMARK (5) u32 7
       "0800 0600 776c6300"
       "0c00 0700 00000000 ffffffff"
       "0800 0800 00000000"
       "0800 0900 ffffffff"},

      {"DEL service fwmark 7 (IPv6)",
       [] { return wire::encode_request(DelService{fwmark(7, AF_INET6)}, kFamily, kSeq); },
       "28000000 1c00 0500 44332211 00000000"  // len 40
       "03 01 0000"
       "1400 0180"                      // SERVICE, len 20
       "0600 0100 0a00 0000"
       "0800 0500 07000000"},

      {"NEW dest 10.0.0.11:80 dr weight 1 in TCP 10.0.0.100:80",
       [] {
         return wire::encode_request(NewDest{tcp("10.0.0.100", 80), dest("10.0.0.11", 80, Forwarding::droute, 1)},
                                     kFamily, kSeq);
       },
       "8c000000 1c00 0500 44332211 00000000"  // len 140
       "05 01 0000"                     // cmd NEW_DEST (5)
       "2400 0180"                      // SERVICE key, len 36
       "0600 0100 0200 0000"
       "0600 0200 0600 0000"
       "0800 0300 0a000064"
       "0600 0400 0050 0000"
       "5400 0280"                      // IPVS_CMD_ATTR_DEST, nested, len 84
       "0800 0100 0a00000b"             // DEST_ATTR_ADDR (1) 10.0.0.11
       "0600 0200 0050 0000"            // DEST_ATTR_PORT (2) be16 80
       "0800 0300 03000000"             // DEST_ATTR_FWD_METHOD (3) DROUTE
       "0800 0400 01000000"             // DEST_ATTR_WEIGHT (4) 1
       "0800 0500 00000000"             // DEST_ATTR_U_THRESH (5)
       "0800 0600 00000000"             // DEST_ATTR_L_THRESH (6)
       "0600 0b00 0200 0000"            // DEST_ATTR_ADDR_FAMILY (11) AF_INET
       "0500 0d00 00 000000"            // DEST_ATTR_TUN_TYPE (13) u8 IPIP, 3 bytes padding
       "0600 0e00 0000 0000"            // DEST_ATTR_TUN_PORT (14) be16 0
       "0600 0f00 0000 0000"},          // DEST_ATTR_TUN_FLAGS (15) u16 0

      {"SET dest 10.0.0.12:8080 nat weight 5 with thresholds 100/10",
       [] {
         auto d = dest("10.0.0.12", 8080, Forwarding::masq, 5);
         d.upper_threshold = 100;
         d.lower_threshold = 10;
         return wire::encode_request(SetDest{tcp("10.0.0.100", 80), d}, kFamily, kSeq);
       },
       "8c000000 1c00 0500 44332211 00000000"
       "06 01 0000"                     // cmd SET_DEST (6)
       "2400 0180"
       "0600 0100 0200 0000"
       "0600 0200 0600 0000"
       "0800 0300 0a000064"
       "0600 0400 0050 0000"
       "5400 0280"
       "0800 0100 0a00000c"
       "0600 0200 1f90 0000"            // be16 8080
       "0800 0300 00000000"             // MASQ
       "0800 0400 05000000"
       "0800 0500 64000000"             // 100
       "0800 0600 0a000000"             // 10
       "0600 0b00 0200 0000"
       "0500 0d00 00 000000"
       "0600 0e00 0000 0000"
       "0600 0f00 0000 0000"},

      {"DEL dest 10.0.0.11:80: address, port and family only",
       [] {
         return wire::encode_request(DelDest{tcp("10.0.0.100", 80), DestKey{ip("10.0.0.11"), 80}}, kFamily, kSeq);
       },
       "54000000 1c00 0500 44332211 00000000"  // len 84
       "07 01 0000"                     // cmd DEL_DEST (7)
       "2400 0180"
       "0600 0100 0200 0000"
       "0600 0200 0600 0000"
       "0800 0300 0a000064"
       "0600 0400 0050 0000"
       "1c00 0280"                      // DEST, len 28
       "0800 0100 0a00000b"
       "0600 0200 0050 0000"
       "0600 0b00 0200 0000"},

      {"NEW dest: IPv4 GUE tunnel dest (port 6080, checksum) in an IPv6 service",
       [] {
         auto d = dest("192.0.2.11", 80, Forwarding::tunnel, 2);
         d.tunnel_type = TunnelType::gue;
         d.tunnel_port = 6080;
         d.tunnel_flags = 1;  // IP_VS_TUNNEL_ENCAP_FLAG_CSUM
         return wire::encode_request(NewDest{tcp("2001:db8::100", 80), d}, kFamily, kSeq);
       },
       "98000000 1c00 0500 44332211 00000000"  // len 152
       "05 01 0000"
       "3000 0180"                      // SERVICE key, len 48
       "0600 0100 0a00 0000"            // AF_INET6
       "0600 0200 0600 0000"
       "1400 0300 20010db8 00000000 00000000 00000100"
       "0600 0400 0050 0000"
       "5400 0280"
       "0800 0100 c000020b"             // 192.0.2.11
       "0600 0200 0050 0000"
       "0800 0300 02000000"             // TUNNEL
       "0800 0400 02000000"
       "0800 0500 00000000"
       "0800 0600 00000000"
       "0600 0b00 0200 0000"            // the dest's own family: AF_INET
       "0500 0d00 01 000000"            // GUE
       "0600 0e00 17c0 0000"            // be16 6080
       "0600 0f00 0100 0000"},          // CSUM

      {"DEL dest of another family sends its family",
       [] {
         return wire::encode_request(DelDest{tcp("2001:db8::100", 80), DestKey{ip("192.0.2.11"), 80}}, kFamily,
                                     kSeq);
       },
       "60000000 1c00 0500 44332211 00000000"  // len 96
       "07 01 0000"
       "3000 0180"
       "0600 0100 0a00 0000"
       "0600 0200 0600 0000"
       "1400 0300 20010db8 00000000 00000000 00000100"
       "0600 0400 0050 0000"
       "1c00 0280"
       "0800 0100 c000020b"
       "0600 0200 0050 0000"
       "0600 0b00 0200 0000"},

      {"GET_SERVICE dump: no attributes",
       [] { return wire::encode_get_services(kFamily, kSeq); },
       "14000000 1c00 0103 44332211 00000000"  // len 20, flags REQUEST|DUMP
       "04 01 0000"},                   // cmd GET_SERVICE (4)

      {"GET_DEST dump of TCP 10.0.0.100:80 names the service",
       [] { return wire::encode_get_dests(tcp("10.0.0.100", 80), kFamily, kSeq); },
       "38000000 1c00 0103 44332211 00000000"
       "08 01 0000"                     // cmd GET_DEST (8)
       "2400 0180"
       "0600 0100 0200 0000"
       "0600 0200 0600 0000"
       "0800 0300 0a000064"
       "0600 0400 0050 0000"},

      {"GET_DEST dump of fwmark 9",
       [] { return wire::encode_get_dests(fwmark(9), kFamily, 1); },
       "28000000 1c00 0103 01000000 00000000"  // seq 1
       "08 01 0000"
       "1400 0180"
       "0600 0100 0200 0000"
       "0800 0500 09000000"},

      {"GET_DAEMON dump",
       [] { return wire::encode_get_daemons(kFamily, kSeq); },
       "14000000 1c00 0103 44332211 00000000"
       "0b 01 0000"},                   // cmd GET_DAEMON (11)

      {"GET_INFO with an ACK (the barrier request)",
       [] { return wire::encode_get_info(kFamily, kSeq); },
       "14000000 1c00 0500 44332211 00000000"
       "0f 01 0000"},                   // cmd GET_INFO (15)

      {"NEW_DAEMON master on eth0 syncid 7 with the kernel's defaults",
       [] {
         SyncDaemon d;
         d.state = SyncState::master;
         d.interface = "eth0";
         d.syncid = 7;
         return wire::encode_new_daemon(d, kFamily, kSeq);
       },
       "34000000 1c00 0500 44332211 00000000"  // len 52
       "09 01 0000"                     // cmd NEW_DAEMON (9)
       "2000 0380"                      // IPVS_CMD_ATTR_DAEMON, nested, len 32
       "0800 0100 01000000"             // DAEMON_ATTR_STATE (1) MASTER
       "0900 0200 65746830 00 000000"   // DAEMON_ATTR_MCAST_IFN (2) "eth0\0" + 3 bytes padding
       "0800 0300 07000000"},           // DAEMON_ATTR_SYNC_ID (3)

      {"NEW_DAEMON backup with maxlen, IPv4 group, port (host order) and ttl",
       [] {
         SyncDaemon d;
         d.state = SyncState::backup;
         d.interface = "eth1";
         d.syncid = 9;
         d.maxlen = 1400;
         d.group = ip("239.1.1.1");
         d.port = 8849;
         d.ttl = 2;
         return wire::encode_new_daemon(d, kFamily, kSeq);
       },
       "54000000 1c00 0500 44332211 00000000"  // len 84
       "09 01 0000"
       "4000 0380"                      // DAEMON, len 64
       "0800 0100 02000000"             // BACKUP
       "0900 0200 65746831 00 000000"   // "eth1\0"
       "0800 0300 09000000"
       "0600 0400 7805 0000"            // DAEMON_ATTR_SYNC_MAXLEN (4) u16 1400
       "0800 0500 ef010101"             // DAEMON_ATTR_MCAST_GROUP (5) 239.1.1.1
       "0600 0700 9122 0000"            // DAEMON_ATTR_MCAST_PORT (7) u16 8849, host order
       "0500 0800 02 000000"},          // DAEMON_ATTR_MCAST_TTL (8) u8 2

      {"NEW_DAEMON with an IPv6 group",
       [] {
         SyncDaemon d;
         d.state = SyncState::master;
         d.interface = "eth0";
         d.syncid = 1;
         d.group = ip("ff02::81");
         return wire::encode_new_daemon(d, kFamily, kSeq);
       },
       "48000000 1c00 0500 44332211 00000000"  // len 72
       "09 01 0000"
       "3400 0380"                      // DAEMON, len 52
       "0800 0100 01000000"
       "0900 0200 65746830 00 000000"
       "0800 0300 01000000"
       "1400 0600 ff020000 00000000 00000000 00000081"},  // DAEMON_ATTR_MCAST_GROUP6 (6)

      {"DEL_DAEMON backup: the state only",
       [] { return wire::encode_del_daemon(SyncState::backup, kFamily, kSeq); },
       "20000000 1c00 0500 44332211 00000000"  // len 32
       "0a 01 0000"                     // cmd DEL_DAEMON (10)
       "0c00 0380"
       "0800 0100 02000000"},
  };
}

TEST(IpvsMessages, EncodeByteForByte) {
  for (const auto& c : encode_cases()) {
    EXPECT_EQ(hex(c.encode()), hex(from_hex(c.expected))) << c.description;
  }
}

// ------------------------------------------------------------------ replies
// Kernel replies written by hand. Small builders compute the lengths so that
// the malformed variants below stay readable; the first replies are also
// spelled out in full hex.

Bytes le16(std::uint16_t v) { return {std::uint8_t(v), std::uint8_t(v >> 8)}; }
Bytes le32(std::uint32_t v) { return {std::uint8_t(v), std::uint8_t(v >> 8), std::uint8_t(v >> 16), std::uint8_t(v >> 24)}; }
Bytes le64(std::uint64_t v) {
  Bytes b = le32(std::uint32_t(v));
  Bytes hi = le32(std::uint32_t(v >> 32));
  b.insert(b.end(), hi.begin(), hi.end());
  return b;
}
Bytes be16(std::uint16_t v) { return {std::uint8_t(v >> 8), std::uint8_t(v)}; }
Bytes u8(std::uint8_t v) { return {v}; }
Bytes str(const std::string& s) { return Bytes(s.c_str(), s.c_str() + s.size() + 1); }
Bytes addr16(const char* text) {
  auto a = ip(text);
  return Bytes(a.bytes.begin(), a.bytes.end());  // IPv4 in the first 4 bytes, as in union nf_inet_addr
}

// One attribute: header, payload, zero padding.
Bytes attr(std::uint16_t type, const Bytes& payload) {
  Bytes out = le16(std::uint16_t(4 + payload.size()));
  Bytes t = le16(type);
  out.insert(out.end(), t.begin(), t.end());
  out.insert(out.end(), payload.begin(), payload.end());
  out.resize((out.size() + 3) & ~std::size_t(3));
  return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
// A reply as the kernel sends it: NLM_F_MULTI, cmd NEW_*, version 1.
Bytes reply(std::uint8_t cmd, const Bytes& attrs, std::uint16_t flags = 0x2, std::uint32_t seq = kSeq) {
  Bytes out = cat({le32(std::uint32_t(20 + attrs.size())), le16(kFamily), le16(flags), le32(seq), le32(4242),
                   Bytes{cmd, 1, 0, 0}, attrs});
  return out;
}

// The service attributes of a kernel dump entry for TCP 10.0.0.100:80.
Bytes service_attrs(const Bytes& flags_attr, const Bytes& extra = {}) {
  return cat({attr(1, le16(AF_INET)), attr(2, le16(IPPROTO_TCP)), attr(3, addr16("10.0.0.100")),
              attr(4, be16(80)), attr(6, str("wlc")), flags_attr, attr(8, le32(300)),
              attr(9, {0xff, 0xff, 0xff, 0xff}), extra});
}
Bytes flags(std::uint32_t f, std::uint32_t mask = 0xffffffff) { return attr(7, cat({le32(f), le32(mask)})); }

TEST(IpvsMessages, ParseServiceFromKernelDumpHex) {
  // A GET_SERVICE dump entry as the kernel sends it, with 16-byte address,
  // HASHED set, and STATS/STATS64 nests (not part of the model).
  const Bytes msg = from_hex(
      "98000000 1c00 0200 44332211 92100000"  // len 152, NLM_F_MULTI, pid 4242
      "01 01 0000"                            // cmd NEW_SERVICE
      "8400 0100"                             // SERVICE (no NLA_F_NESTED), len 132
      "0600 0100 0200 0000"                   // AF_INET
      "0600 0200 0600 0000"                   // TCP
      "1400 0300 0a000064 00000000 00000000 00000000"  // ADDR: 16 bytes, IPv4 first
      "0600 0400 0050 0000"                   // port 80
      "0800 0600 776c6300"                    // "wlc"
      "0c00 0700 03000000 ffffffff"           // flags PERSISTENT|HASHED
      "0800 0800 2c010000"                    // timeout 300
      "0800 0900 ffffffff"                    // netmask
      "1400 0a00"                             // SVC_ATTR_STATS (10), len 20
      "0800 0100 05000000"                    //   CONNS u32 5
      "0800 0600 00000000"                    //   CPS u32 0
      "1c00 0c00"                             // SVC_ATTR_STATS64 (12), len 28
      "0c00 0100 05000000 00000000"           //   CONNS u64 5
      "0c00 0400 00100000 00000000");         //   INBYTES u64 4096
  auto s = wire::parse_service(msg);
  ASSERT_EQ(s.index(), 0u) << std::get<1>(s);
  EXPECT_EQ(std::get<0>(s), service(tcp("10.0.0.100", 80), "wlc", svc_flag::persistent, 300));
}

TEST(IpvsMessages, ParseDestFromKernelDumpHex) {
  const Bytes msg = from_hex(
      "cc000000 1c00 0200 44332211 92100000"  // len 204
      "05 01 0000"                            // cmd NEW_DEST
      "b800 0200"                             // DEST, len 184
      "1400 0100 0a00000b 00000000 00000000 00000000"  // ADDR 10.0.0.11 in 16 bytes
      "0600 0200 0050 0000"                   // port 80
      "0800 0300 03000000"                    // DROUTE
      "0800 0400 05000000"                    // weight 5
      "0500 0d00 00 000000"                   // TUN_TYPE
      "0600 0e00 0000 0000"                   // TUN_PORT
      "0600 0f00 0000 0000"                   // TUN_FLAGS
      "0800 0500 00000000"                    // U_THRESH
      "0800 0600 00000000"                    // L_THRESH
      "0800 0700 03000000"                    // ACTIVE_CONNS 3
      "0800 0800 04000000"                    // INACT_CONNS 4
      "0800 0900 01000000"                    // PERSIST_CONNS 1
      "0600 0b00 0200 0000"                   // ADDR_FAMILY AF_INET
      "4000 0c00"                             // STATS64 (12), len 64
      "0c00 0100 2a000000 00000000"           //   CONNS 42
      "0c00 0200 64000000 00000000"           //   INPKTS 100
      "0c00 0300 00000000 00000000"           //   OUTPKTS 0
      "0c00 0400 00000000 01000000"           //   INBYTES 2^32
      "0c00 0500 07000000 00000000");         //   OUTBYTES 7
  auto d = wire::parse_dest(msg, AF_INET);
  ASSERT_EQ(d.index(), 0u) << std::get<1>(d);
  const auto& got = std::get<0>(d);
  auto want = dest("10.0.0.11", 80, Forwarding::droute, 5);
  EXPECT_TRUE(got.same_settings(want));
  EXPECT_EQ(got.stats.active_conns, 3u);
  EXPECT_EQ(got.stats.inactive_conns, 4u);
  EXPECT_EQ(got.stats.persistent_conns, 1u);
  EXPECT_EQ(got.stats.connections, 42u);
  EXPECT_EQ(got.stats.in_packets, 100u);
  EXPECT_EQ(got.stats.in_bytes, 1ull << 32);
  EXPECT_EQ(got.stats.out_bytes, 7u);
}

struct ServiceReplyCase {
  const char* description;
  Bytes message;
  Service expected;
};

TEST(IpvsMessages, ParseServiceReplies) {
  const std::vector<ServiceReplyCase> cases = {
      {"HASHED is masked off, other flags kept", reply(1, attr(1, service_attrs(flags(0x2 | 0x4 | 0x8)))),
       service(tcp("10.0.0.100", 80), "wlc", svc_flag::onepacket | svc_flag::sched1, 300)},
      {"flags outside the mask are ignored", reply(1, attr(1, service_attrs(flags(0x5, 0x4)))),
       service(tcp("10.0.0.100", 80), "wlc", svc_flag::onepacket, 300)},
      {"a 4-byte IPv4 address (as requests carry it)",
       reply(1, attr(1, cat({attr(1, le16(AF_INET)), attr(2, le16(IPPROTO_UDP)), attr(3, {10, 0, 0, 100}),
                             attr(4, be16(53)), attr(6, str("rr")), flags(0), attr(8, le32(0)),
                             attr(9, {0xff, 0xff, 0xff, 0x00})}))),
       service(tcp("10.0.0.100", 53, IPPROTO_UDP), "rr", 0, 0, 0xffffff00)},
      {"IPv6 with a prefix-length netmask and PE_NAME",
       reply(1, attr(1, cat({attr(1, le16(AF_INET6)), attr(2, le16(IPPROTO_TCP)), attr(3, addr16("2001:db8::100")),
                             attr(4, be16(443)), attr(6, str("mh")), attr(11, str("sip")), flags(0x3 | 0x10),
                             attr(8, le32(60)), attr(9, le32(64))}))),
       service(tcp("2001:db8::100", 443), "mh", svc_flag::persistent | svc_flag::sched2, 60, 64)},
      {"fwmark service (IPv4)",
       reply(1, attr(1, cat({attr(1, le16(AF_INET)), attr(5, le32(7)), attr(6, str("wlc")), flags(0x2),
                             attr(8, le32(0)), attr(9, {0xff, 0xff, 0xff, 0xff})}))),
       service(fwmark(7), "wlc")},
      {"fwmark service (IPv6)",
       reply(1, attr(1, cat({attr(1, le16(AF_INET6)), attr(5, le32(7)), attr(6, str("sed")), flags(0x2),
                             attr(8, le32(0)), attr(9, le32(128))}))),
       service(fwmark(7, AF_INET6), "sed")},
      {"unknown attributes beyond the known ones are skipped",
       reply(1, cat({attr(1, service_attrs(flags(0x2), attr(40, le32(1)))), attr(30, le32(9))})),
       service(tcp("10.0.0.100", 80), "wlc", 0, 300)},
  };
  for (const auto& c : cases) {
    auto s = wire::parse_service(c.message);
    ASSERT_EQ(s.index(), 0u) << c.description << ": " << std::get<1>(s);
    EXPECT_EQ(std::get<0>(s), c.expected) << c.description;
  }
}

// The dest attributes of a kernel dump entry: addr 10.0.0.11:80, DR, weight 1.
Bytes dest_attrs(const Bytes& extra = {}, const Bytes& address = addr16("10.0.0.11")) {
  return cat({attr(1, address), attr(2, be16(80)), attr(3, le32(3)), attr(4, le32(1)), attr(5, le32(0)),
              attr(6, le32(0)), extra});
}

struct DestReplyCase {
  const char* description;
  Bytes message;
  int service_af;
  Destination expected;  // compared with same_settings, and the conn counters
};

TEST(IpvsMessages, ParseDestReplies) {
  auto with_stats = [](Destination d, std::uint32_t active, std::uint32_t inactive, std::uint64_t conns,
                       std::uint64_t in_bytes) {
    d.stats.active_conns = active;
    d.stats.inactive_conns = inactive;
    d.stats.connections = conns;
    d.stats.in_bytes = in_bytes;
    return d;
  };
  auto gue = dest("192.0.2.11", 80, Forwarding::tunnel, 2);
  gue.tunnel_type = TunnelType::gue;
  gue.tunnel_port = 6080;
  gue.tunnel_flags = 1;
  const std::vector<DestReplyCase> cases = {
      {"no ADDR_FAMILY (kernels before 4.2): the service's family",
       reply(5, attr(2, dest_attrs())), AF_INET, dest("10.0.0.11", 80, Forwarding::droute, 1)},
      {"old STATS only: u32 counts, u64 bytes with a PAD attribute",
       reply(5, attr(2, dest_attrs(cat({attr(7, le32(2)), attr(8, le32(9)),
                                        attr(10, cat({attr(1, le32(11)), attr(11, {}), attr(4, le64(5000))}))})))),
       AF_INET, with_stats(dest("10.0.0.11", 80, Forwarding::droute, 1), 2, 9, 11, 5000)},
      {"STATS64 wins over STATS",
       reply(5, attr(2, dest_attrs(cat({attr(10, attr(1, le32(11))), attr(12, attr(1, le64(12)))})))), AF_INET,
       with_stats(dest("10.0.0.11", 80, Forwarding::droute, 1), 0, 0, 12, 0)},
      {"IPv4 GUE tunnel dest in an IPv6 service",
       reply(5, attr(2, cat({attr(1, addr16("192.0.2.11")), attr(2, be16(80)), attr(3, le32(2)), attr(4, le32(2)),
                             attr(5, le32(0)), attr(6, le32(0)), attr(11, le16(AF_INET)), attr(13, u8(1)),
                             attr(14, be16(6080)), attr(15, le16(1))}))),
       AF_INET6, gue},
      {"IPv6 dest with a port of its own (masq) and flags above the forwarding bits",
       reply(5, attr(2, cat({attr(1, addr16("2001:db8::11")), attr(2, be16(8080)), attr(3, le32(0x10000)),
                             attr(4, le32(0)), attr(5, le32(50)), attr(6, le32(5)), attr(11, le16(AF_INET6))}))),
       AF_INET6,
       [] {
         auto d = dest("2001:db8::11", 8080, Forwarding::masq, 0);
         d.upper_threshold = 50;
         d.lower_threshold = 5;
         return d;
       }()},
      {"a negative weight read back as such", reply(5, attr(2, cat({attr(1, addr16("10.0.0.11")), attr(2, be16(80)),
                                                                     attr(3, le32(1)), attr(4, le32(0xffffffff)),
                                                                     attr(5, le32(0)), attr(6, le32(0))}))),
       AF_INET, dest("10.0.0.11", 80, Forwarding::local, -1)},
  };
  for (const auto& c : cases) {
    auto d = wire::parse_dest(c.message, c.service_af);
    ASSERT_EQ(d.index(), 0u) << c.description << ": " << std::get<1>(d);
    const auto& got = std::get<0>(d);
    EXPECT_TRUE(got.same_settings(c.expected)) << c.description << ": " << describe(NewDest{{}, got});
    EXPECT_EQ(got.stats, c.expected.stats) << c.description;
  }
}

TEST(IpvsMessages, ParseDaemonReplies) {
  // A GET_DAEMON dump entry: the kernel fills in every default.
  const Bytes msg = from_hex(
      "54000000 1c00 0200 44332211 92100000"  // len 84
      "09 01 0000"                            // cmd NEW_DAEMON
      "4000 0300"                             // DAEMON, len 64
      "0800 0100 01000000"                    // MASTER
      "0900 0200 65746830 00 000000"          // "eth0"
      "0800 0300 07000000"                    // syncid 7
      "0600 0400 c405 0000"                   // maxlen 1476
      "0600 0700 9022 0000"                   // port 8848, host order
      "0500 0800 01 000000"                   // ttl 1
      "0800 0500 e0000051");                  // group 224.0.0.81
  auto d = wire::parse_daemon(msg);
  ASSERT_EQ(d.index(), 0u) << std::get<1>(d);
  SyncDaemon want;
  want.state = SyncState::master;
  want.interface = "eth0";
  want.syncid = 7;
  want.maxlen = 1476;
  want.port = 8848;
  want.ttl = 1;
  want.group = ip("224.0.0.81");
  EXPECT_EQ(std::get<0>(d), want);

  // A backup with an IPv6 group and its own port.
  auto v6 = wire::parse_daemon(reply(9, attr(3, cat({attr(1, le32(2)), attr(2, str("eth1")), attr(3, le32(9)),
                                                     attr(7, le16(8850)), attr(6, addr16("ff02::81"))}))));
  ASSERT_EQ(v6.index(), 0u) << std::get<1>(v6);
  EXPECT_EQ(std::get<0>(v6).state, SyncState::backup);
  EXPECT_EQ(std::get<0>(v6).port, 8850);
  EXPECT_EQ(std::get<0>(v6).group, ip("ff02::81"));
}

// ------------------------------------------------------------------ malformed

struct MalformedCase {
  const char* description;
  Bytes message;
  const char* error_contains;
};

Bytes truncate(Bytes b, std::size_t n) {
  b.resize(n);
  return b;
}

TEST(IpvsMessages, MalformedServiceRepliesAreRefused) {
  const Bytes good = reply(1, attr(1, service_attrs(flags(0x2))));
  Bytes bad_outer_len = good;
  bad_outer_len[0] += 4;
  Bytes nest_overruns = good;
  nest_overruns[20] += 8;  // the SERVICE nest claims 8 bytes more than the message has
  Bytes attr_overruns = good;
  attr_overruns[24] = 0x60;  // the AF attribute claims 96 bytes of its 80-byte nest
  const std::vector<MalformedCase> cases = {
      {"empty input", {}, "too short"},
      {"header only", truncate(good, 16), "too short"},
      {"cut in the middle of an attribute", truncate(good, 50), "does not match"},
      {"length field longer than the bytes", bad_outer_len, "does not match"},
      {"nest longer than the message", nest_overruns, "truncated"},
      {"attribute longer than its nest", attr_overruns, "truncated"},
      {"trailing bytes inside the nest",
       reply(1, attr(1, cat({service_attrs(flags(0)), Bytes{1, 2, 3, 4, 5, 6}}))), "truncated"},
      {"AF of 4 bytes", reply(1, attr(1, cat({attr(1, le32(AF_INET)), attr(5, le32(1)), attr(6, str("rr")),
                                              flags(0), attr(8, le32(0)), attr(9, le32(0))}))),
       "invalid attribute"},
      {"port of 1 byte", reply(1, attr(1, cat({attr(1, le16(AF_INET)), attr(2, le16(6)), attr(3, {10, 0, 0, 1}),
                                               attr(4, u8(80)), attr(6, str("rr")), flags(0), attr(8, le32(0)),
                                               attr(9, le32(0))}))),
       "invalid attribute"},
      {"flags of 4 bytes", reply(1, attr(1, service_attrs(attr(7, le32(0))))), "invalid attribute"},
      {"scheduler without its NUL",
       reply(1, attr(1, cat({attr(1, le16(AF_INET)), attr(5, le32(1)), attr(6, {'w', 'l', 'c'}), flags(0),
                             attr(8, le32(0)), attr(9, le32(0))}))),
       "invalid attribute"},
      {"scheduler longer than the kernel allows",
       reply(1, attr(1, cat({attr(1, le16(AF_INET)), attr(5, le32(1)), attr(6, str("a-very-long-scheduler")),
                             flags(0), attr(8, le32(0)), attr(9, le32(0))}))),
       "invalid attribute"},
      {"IPv6 service with a 4-byte address",
       reply(1, attr(1, cat({attr(1, le16(AF_INET6)), attr(2, le16(6)), attr(3, {10, 0, 0, 1}), attr(4, be16(80)),
                             attr(6, str("rr")), flags(0), attr(8, le32(0)), attr(9, le32(0))}))),
       "address too short"},
      {"no address family", reply(1, attr(1, cat({attr(5, le32(1)), attr(6, str("rr")), flags(0),
                                                  attr(8, le32(0)), attr(9, le32(0))}))),
       "no address family"},
      {"unknown address family", reply(1, attr(1, cat({attr(1, le16(7)), attr(5, le32(1)), attr(6, str("rr")),
                                                       flags(0), attr(8, le32(0)), attr(9, le32(0))}))),
       "unknown address family"},
      {"neither fwmark nor address", reply(1, attr(1, cat({attr(1, le16(AF_INET)), attr(6, str("rr")), flags(0),
                                                           attr(8, le32(0)), attr(9, le32(0))}))),
       "neither a fwmark"},
      {"no scheduler", reply(1, attr(1, cat({attr(1, le16(AF_INET)), attr(5, le32(1)), flags(0), attr(8, le32(0)),
                                             attr(9, le32(0))}))),
       "missing scheduler"},
      {"no SERVICE nest", reply(1, attr(2, dest_attrs())), "no IPVS_CMD_ATTR_SERVICE"},
      {"a dest entry is not a service", reply(5, attr(1, service_attrs(flags(0)))), "unexpected command 5"},
  };
  for (const auto& c : cases) {
    auto s = wire::parse_service(c.message);
    ASSERT_EQ(s.index(), 1u) << c.description;
    EXPECT_NE(std::get<1>(s).find(c.error_contains), std::string::npos)
        << c.description << ": " << std::get<1>(s);
  }
}

TEST(IpvsMessages, MalformedDestRepliesAreRefused) {
  const std::vector<MalformedCase> cases = {
      {"forwarding method 4 (bypass)",
       reply(5, attr(2, cat({attr(1, addr16("10.0.0.11")), attr(2, be16(80)), attr(3, le32(4)), attr(4, le32(1)),
                             attr(5, le32(0)), attr(6, le32(0))}))),
       "unknown forwarding method 4"},
      {"tunnel type 3", reply(5, attr(2, dest_attrs(attr(13, u8(3))))), "unknown tunnel type 3"},
      {"tunnel type of 2 bytes", reply(5, attr(2, dest_attrs(attr(13, le16(1))))), "invalid attribute"},
      {"no weight", reply(5, attr(2, cat({attr(1, addr16("10.0.0.11")), attr(2, be16(80)), attr(3, le32(3)),
                                          attr(5, le32(0)), attr(6, le32(0))}))),
       "missing attribute 4"},
      {"no address", reply(5, attr(2, cat({attr(2, be16(80)), attr(3, le32(3)), attr(4, le32(1)), attr(5, le32(0)),
                                           attr(6, le32(0))}))),
       "missing attribute 1"},
      {"address of 3 bytes", reply(5, attr(2, dest_attrs({}, {10, 0, 0}))), "invalid attribute"},
      {"address of 17 bytes", reply(5, attr(2, dest_attrs({}, Bytes(17, 1)))), "invalid attribute"},
      {"IPv6 family with an IPv4-sized address", reply(5, attr(2, dest_attrs(attr(11, le16(AF_INET6)), {10, 0, 0, 11}))),
       "address too short"},
      {"unknown address family", reply(5, attr(2, dest_attrs(attr(11, le16(3))))), "unknown address family 3"},
      {"stats counter of 2 bytes", reply(5, attr(2, dest_attrs(attr(12, attr(1, le16(1)))))), "invalid attribute"},
      {"stats counter of 6 bytes", reply(5, attr(2, dest_attrs(attr(12, attr(1, Bytes(6, 0)))))),
       "neither 4 nor 8"},
      {"truncated stats nest", reply(5, attr(2, dest_attrs(attr(12, Bytes{0x0c, 0, 1, 0, 1, 0})))), "truncated"},
      {"no DEST nest", reply(5, attr(1, service_attrs(flags(0)))), "no IPVS_CMD_ATTR_DEST"},
  };
  for (const auto& c : cases) {
    auto d = wire::parse_dest(c.message, AF_INET);
    ASSERT_EQ(d.index(), 1u) << c.description;
    EXPECT_NE(std::get<1>(d).find(c.error_contains), std::string::npos)
        << c.description << ": " << std::get<1>(d);
  }
}

TEST(IpvsMessages, MalformedDaemonRepliesAreRefused) {
  const std::vector<MalformedCase> cases = {
      {"state 0", reply(9, attr(3, cat({attr(1, le32(0)), attr(2, str("eth0")), attr(3, le32(1))}))),
       "unknown state 0"},
      {"no interface", reply(9, attr(3, cat({attr(1, le32(1)), attr(3, le32(1))}))), "missing"},
      {"interface longer than IFNAMSIZ",
       reply(9, attr(3, cat({attr(1, le32(1)), attr(2, str("an-interface-name-too-long")), attr(3, le32(1))}))),
       "invalid attribute"},
      {"IPv6 group of 4 bytes",
       reply(9, attr(3, cat({attr(1, le32(1)), attr(2, str("eth0")), attr(3, le32(1)), attr(6, le32(1))}))),
       "invalid attribute"},
      {"a service entry is not a daemon", reply(1, attr(3, attr(1, le32(1)))), "unexpected command 1"},
  };
  for (const auto& c : cases) {
    auto d = wire::parse_daemon(c.message);
    ASSERT_EQ(d.index(), 1u) << c.description;
    EXPECT_NE(std::get<1>(d).find(c.error_contains), std::string::npos)
        << c.description << ": " << std::get<1>(d);
  }
}

// ------------------------------------------------------------------ datagrams

TEST(IpvsMessages, SplitDatagramAndStatus) {
  // ACK for seq 7, then an error ESRCH for seq 8 (NETLINK_CAP_ACK: the
  // request's header only), then NLMSG_DONE, in one datagram.
  const Bytes datagram = from_hex(
      "24000000 0200 0001 07000000 92100000"  // NLMSG_ERROR (2), len 36, NLM_F_CAPPED (0x100)
      "00000000"                              // error 0: an ACK
      "8c000000 1c00 0500 07000000 00000000"  //   the request's header
      "24000000 0200 0001 08000000 92100000"
      "fdffffff"                              // -3: ESRCH
      "8c000000 1c00 0500 08000000 00000000"
      "14000000 0300 0200 09000000 92100000"  // NLMSG_DONE (3), NLM_F_MULTI
      "00000000");
  auto split = wire::split_datagram(datagram);
  ASSERT_EQ(split.index(), 0u) << std::get<1>(split);
  const auto& msgs = std::get<0>(split);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].seq, 7u);
  EXPECT_EQ(msgs[1].seq, 8u);
  EXPECT_EQ(msgs[2].type, 3);
  EXPECT_EQ(msgs[0].pid, 4242u);
  EXPECT_EQ(std::get<0>(wire::parse_status(msgs[0])), 0);
  EXPECT_EQ(std::get<0>(wire::parse_status(msgs[1])), ESRCH);
  EXPECT_EQ(std::get<0>(wire::parse_status(msgs[2])), 0);

  struct Case {
    const char* description;
    const char* hex;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"trailing bytes shorter than a header", "14000000 0300 0200 09000000 00000000 00000000 0102", false},
      {"message longer than the datagram", "30000000 0300 0200 09000000 00000000 00000000", false},
      {"message shorter than its header", "08000000 0300 0200 09000000 00000000", false},
      {"empty datagram", "", true},
  };
  for (const auto& c : cases) {
    const Bytes bytes = from_hex(c.hex);
    EXPECT_EQ(wire::split_datagram(bytes).index() == 0, c.ok) << c.description;
  }
}

TEST(IpvsMessages, StatusCodes) {
  struct Case {
    const char* description;
    const char* hex;
    int expected;  // errno, or -1 for a refused message
  };
  const std::vector<Case> cases = {
      {"ENOENT", "24000000 0200 0001 01000000 00000000 feffffff 8c000000 1c00 0500 01000000 00000000", ENOENT},
      {"EEXIST", "24000000 0200 0001 01000000 00000000 efffffff 8c000000 1c00 0500 01000000 00000000", EEXIST},
      {"ERANGE", "24000000 0200 0001 01000000 00000000 deffffff 8c000000 1c00 0500 01000000 00000000", ERANGE},
      {"DONE without payload (old kernels)", "10000000 0300 0200 01000000 00000000", 0},
      {"DONE with a failed dump", "14000000 0300 0200 01000000 00000000 f3ffffff", EACCES},
      {"error message cut before its code", "12000000 0200 0000 01000000 00000000 0000", -1},
      {"positive error code", "14000000 0200 0000 01000000 00000000 05000000", -1},
      {"not a status message", "14000000 1c00 0000 01000000 00000000 00000000", -1},
  };
  for (const auto& c : cases) {
    const Bytes datagram = from_hex(c.hex);
    auto split = wire::split_datagram(datagram);
    ASSERT_EQ(split.index(), 0u) << c.description;
    ASSERT_EQ(std::get<0>(split).size(), 1u) << c.description;
    auto s = wire::parse_status(std::get<0>(split)[0]);
    if (c.expected < 0) {
      EXPECT_EQ(s.index(), 1u) << c.description;
    } else {
      ASSERT_EQ(s.index(), 0u) << c.description << ": " << std::get<1>(s);
      EXPECT_EQ(std::get<0>(s), c.expected) << c.description;
    }
  }
}

// ------------------------------------------------------------------ round trips

TEST(IpvsMessages, RequestsParseBackToTheirValues) {
  const std::vector<Service> services = {
      service(tcp("10.0.0.100", 80), "wlc"),
      service(tcp("10.0.0.100", 80), "sh", svc_flag::persistent | svc_flag::sched1, 300, 0xffffff00),
      service(tcp("2001:db8::100", 443), "mh", svc_flag::sched2, 0, 64),
      service(fwmark(7), "rr"),
      service(fwmark(7, AF_INET6), "fo"),
  };
  for (const auto& s : services) {
    auto back = wire::parse_service(wire::encode_request(NewService{s}, kFamily, 1));
    ASSERT_EQ(back.index(), 0u) << s.key.str() << ": " << std::get<1>(back);
    EXPECT_EQ(std::get<0>(back), s) << s.key.str();
  }
  auto gue = dest("192.0.2.11", 80, Forwarding::tunnel, 2);
  gue.tunnel_type = TunnelType::gue;
  gue.tunnel_port = 6080;
  for (const auto& d : {dest("10.0.0.11", 80, Forwarding::droute, 1), dest("10.0.0.12", 8080, Forwarding::masq, 0),
                        dest("2001:db8::11", 443, Forwarding::droute, 100), gue}) {
    auto back = wire::parse_dest(wire::encode_request(NewDest{tcp("2001:db8::100", 80), d}, kFamily, 1), AF_INET6);
    ASSERT_EQ(back.index(), 0u) << d.key.str() << ": " << std::get<1>(back);
    EXPECT_TRUE(std::get<0>(back).same_settings(d)) << d.key.str();
  }
  SyncDaemon daemon;
  daemon.state = SyncState::backup;
  daemon.interface = "bond0.100";
  daemon.syncid = 200;
  daemon.port = 9000;
  daemon.group = ip("239.0.0.9");
  auto back = wire::parse_daemon(wire::encode_new_daemon(daemon, kFamily, 1));
  ASSERT_EQ(back.index(), 0u) << std::get<1>(back);
  EXPECT_EQ(std::get<0>(back), daemon);
}

// Datagrams captured from a Debian 6.1 kernel in the vm tier (strace of
// ipvsctl), kept as seeds of the fuzz corpus.
Bytes captured(const char* name) {
  std::ifstream in(std::string(TANDEM_TEST_DATA) + "/../fuzz/corpus/ipvs_reply/" + name, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(IpvsMessages, DecodesCapturedKernelDatagrams) {
  const Bytes services_bytes = captured("kernel_services");  // the messages point into it
  auto services = wire::split_datagram(services_bytes);
  ASSERT_EQ(services.index(), 0u);
  std::vector<Service> got;
  for (const auto& m : std::get<0>(services)) {
    auto s = wire::parse_service(m.bytes);
    ASSERT_EQ(s.index(), 0u) << std::get<1>(s);
    got.push_back(std::get<0>(s));
  }
  std::sort(got.begin(), got.end(), [](const Service& a, const Service& b) { return a.key < b.key; });
  EXPECT_EQ(got, (std::vector<Service>{service(tcp("10.0.0.100", 80), "wlc", svc_flag::persistent, 300),
                                       service(fwmark(8, AF_INET6), "sh", svc_flag::sched1),
                                       service(tcp("2001:db8::100", 443), "mh", svc_flag::sched2)}));

  const Bytes dests_bytes = captured("kernel_dests_v6_mixed");  // the messages point into it
  auto dests = wire::split_datagram(dests_bytes);
  ASSERT_EQ(dests.index(), 0u);
  std::vector<std::string> seen;
  for (const auto& m : std::get<0>(dests)) {
    auto d = wire::parse_dest(m.bytes, AF_INET6);
    ASSERT_EQ(d.index(), 0u) << std::get<1>(d);
    seen.push_back(describe(NewDest{tcp("2001:db8::100", 443), std::get<0>(d)}));
    if (std::get<0>(d).forwarding == Forwarding::tunnel) {
      EXPECT_EQ(std::get<0>(d).tunnel_type, TunnelType::gue);
      EXPECT_EQ(std::get<0>(d).tunnel_port, 6080);
      EXPECT_EQ(std::get<0>(d).tunnel_flags, 1);
    }
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"NEW dest 192.0.2.11:443 tun weight 2 in TCP [2001:db8::100]:443",
                                            "NEW dest [2001:db8::11]:443 dr weight 3 in TCP [2001:db8::100]:443"}));

  const Bytes daemons_bytes = captured("kernel_daemons");  // the messages point into it
  auto daemons = wire::split_datagram(daemons_bytes);
  ASSERT_EQ(daemons.index(), 0u);
  ASSERT_EQ(std::get<0>(daemons).size(), 2u);
  auto master = wire::parse_daemon(std::get<0>(daemons)[0].bytes);
  auto backup = wire::parse_daemon(std::get<0>(daemons)[1].bytes);
  ASSERT_EQ(master.index(), 0u);
  ASSERT_EQ(backup.index(), 0u);
  // What the kernel filled in: maxlen from the MTU, group, port 8848, ttl 1.
  SyncDaemon want;
  want.state = SyncState::master;
  want.interface = "dummy0";
  want.syncid = 7;
  want.maxlen = 1472;
  want.group = ip("224.0.0.81");
  want.port = 8848;
  want.ttl = 1;
  EXPECT_EQ(std::get<0>(master), want);
  EXPECT_EQ(std::get<0>(backup).group, ip("ff02::81"));
  EXPECT_EQ(std::get<0>(backup).maxlen, 1452);
  EXPECT_EQ(std::get<0>(backup).port, 9000);

  const Bytes done_bytes = captured("kernel_done");  // the messages point into it
  auto done = wire::split_datagram(done_bytes);
  ASSERT_EQ(done.index(), 0u);
  ASSERT_EQ(std::get<0>(done).size(), 1u);
  EXPECT_EQ(std::get<0>(wire::parse_status(std::get<0>(done)[0])), 0);
}

TEST(IpvsMessages, MisalignedInputIsReadSafely) {
  // Replies may sit anywhere in a caller's buffer.
  const Bytes msg = reply(1, attr(1, service_attrs(flags(0x2))));
  Bytes shifted(msg.size() + 1);
  std::copy(msg.begin(), msg.end(), shifted.begin() + 1);
  auto s = wire::parse_service(std::span<const std::uint8_t>(shifted).subspan(1));
  ASSERT_EQ(s.index(), 0u) << std::get<1>(s);
  EXPECT_EQ(std::get<0>(s).key, tcp("10.0.0.100", 80));
}

}  // namespace
}  // namespace tandem::ipvs
