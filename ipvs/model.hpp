// The IPVS table as plain values (REFERENCE "IPVS generic netlink"), and the
// operations that change it. No netlink here: ipvs/table_netlink.cpp
// and ipvs/messages_netlink.cpp translate these to and from generic netlink.
#pragma once
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/address.hpp"

namespace tandem::ipvs {

enum class Forwarding : std::uint8_t { masq = 0, local = 1, tunnel = 2, droute = 3 };
std::string_view to_string(Forwarding f);  // nat, local, tun, dr (the config's words)
enum class TunnelType : std::uint8_t { ipip = 0, gue = 1, gre = 2 };

// Service flags we manage (IP_VS_SVC_F_*); HASHED is internal and masked off.
namespace svc_flag {
constexpr std::uint32_t persistent = 0x0001;
constexpr std::uint32_t hashed = 0x0002;
constexpr std::uint32_t onepacket = 0x0004;
constexpr std::uint32_t sched1 = 0x0008;  // sh-fallback / mh-fallback
constexpr std::uint32_t sched2 = 0x0010;  // sh-port / mh-port
constexpr std::uint32_t sched3 = 0x0020;
constexpr std::uint32_t managed = persistent | onepacket | sched1 | sched2 | sched3;
}  // namespace svc_flag

// A service is keyed by (af, protocol, address, port) or by (af, fwmark).
struct ServiceKey {
  int af = 0;                 // AF_INET or AF_INET6
  std::uint16_t protocol = 0; // IPPROTO_TCP/UDP/SCTP; 0 for fwmark services
  config::IpAddress address;  // unset (family 0) for fwmark services
  std::uint16_t port = 0;     // host order
  std::uint32_t fwmark = 0;   // nonzero for fwmark services
  bool is_fwmark() const { return fwmark != 0; }
  std::string str() const;    // "TCP 10.0.0.100:80", "FWM 7 (IPv6)"
  friend bool operator==(const ServiceKey&, const ServiceKey&) = default;
  friend auto operator<=>(const ServiceKey&, const ServiceKey&) = default;
};

struct Service {
  ServiceKey key;
  std::string scheduler = "wlc";
  std::uint32_t flags = 0;    // svc_flag bits, HASHED never set
  std::uint32_t timeout = 0;  // persistence, seconds
  std::uint32_t netmask = 0;  // IPv4: mask in host order (0xffffffff); IPv6: prefix length (128)
  friend bool operator==(const Service&, const Service&) = default;
};

struct DestKey {
  config::IpAddress address;  // its family may differ from the service's (tunnel only)
  std::uint16_t port = 0;     // host order
  std::string str() const;    // "10.0.0.11:80", "[2001:db8::11]:80"
  friend bool operator==(const DestKey&, const DestKey&) = default;
  friend auto operator<=>(const DestKey&, const DestKey&) = default;
};

struct DestStats {  // read from the kernel; never compared or sent
  std::uint32_t active_conns = 0;
  std::uint32_t inactive_conns = 0;
  std::uint32_t persistent_conns = 0;
  // Totals since the dest was added (IPVS_DEST_ATTR_STATS64, else STATS).
  std::uint64_t connections = 0;
  std::uint64_t in_packets = 0;
  std::uint64_t out_packets = 0;
  std::uint64_t in_bytes = 0;
  std::uint64_t out_bytes = 0;
  friend bool operator==(const DestStats&, const DestStats&) = default;
};

struct Destination {
  DestKey key;
  Forwarding forwarding = Forwarding::droute;
  TunnelType tunnel_type = TunnelType::ipip;
  std::uint16_t tunnel_port = 0;   // GUE only, host order
  std::uint16_t tunnel_flags = 0;  // IP_VS_TUNNEL_ENCAP_FLAG_*
  std::int32_t weight = 1;
  std::uint32_t upper_threshold = 0;
  std::uint32_t lower_threshold = 0;
  DestStats stats;
  // Equal in everything the kernel is told (stats excluded).
  bool same_settings(const Destination& other) const;
  friend bool operator==(const Destination&, const Destination&) = default;
};

struct ServiceEntry {
  Service service;
  std::vector<Destination> dests;
};

using Table = std::vector<ServiceEntry>;

// ---- operations (one generic netlink request each) ----------------------
struct NewService { Service service; };
struct SetService { Service service; };
struct DelService { ServiceKey key; };
struct NewDest { ServiceKey service; Destination dest; };
struct SetDest { ServiceKey service; Destination dest; };
struct DelDest { ServiceKey service; DestKey dest; };

using Operation = std::variant<NewService, SetService, DelService, NewDest, SetDest, DelDest>;
std::string describe(const Operation& op);  // "SET dest 10.0.0.11:80 weight 5 in TCP 10.0.0.100:80"

// The connection timeouts (IPVS_CMD_SET_CONFIG / GET_CONFIG; `ipvsadm --set
// TCP TCPFIN UDP`), in seconds. 0 is "none": in a SET, leave the kernel's
// value; in what the kernel reports, a protocol it was built without; in
// what is wanted, not configured.
struct Timeouts {
  std::uint32_t tcp = 0;      // established TCP connections
  std::uint32_t tcp_fin = 0;  // TCP connections after a FIN
  std::uint32_t udp = 0;
  bool empty() const { return tcp == 0 && tcp_fin == 0 && udp == 0; }
  friend bool operator==(const Timeouts&, const Timeouts&) = default;
};
// "tcp 900s tcpfin 120s udp 300s", the ones that are not 0; "none" when all are.
std::string describe(const Timeouts& t);

// The sync daemon (REFERENCE: NEW_DAEMON/DEL_DAEMON).
enum class SyncState : std::uint32_t { master = 1, backup = 2 };
struct SyncDaemon {
  SyncState state = SyncState::backup;
  std::string interface;
  std::uint32_t syncid = 0;
  std::uint16_t maxlen = 0;                 // 0 = kernel default
  std::optional<config::IpAddress> group;   // default 224.0.0.81
  std::uint16_t port = 0;                   // 0 = default 8848, host order
  std::uint8_t ttl = 0;                     // 0 = default 1
  friend bool operator==(const SyncDaemon&, const SyncDaemon&) = default;
};

}  // namespace tandem::ipvs
