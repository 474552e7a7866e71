// IPVS generic netlink messages (linux/ip_vs.h, family "IPVS" version 1, no
// user header), encoded and decoded as plain bytes so that they can be tested
// without a kernel. Only ipvs/messages_netlink.cpp includes libnl.
//
// A request is one complete netlink message exactly as sent:
//   nlmsghdr  len u32 | type u16 (family id) | flags u16 | seq u32 | pid u32 (0)
//   genlmsghdr cmd u8 | version u8 (1) | reserved u16
//   attributes: IPVS_CMD_ATTR_SERVICE / _DEST / _DAEMON, each nested; or the
//               timeouts IPVS_CMD_ATTR_TIMEOUT_TCP / _TCP_FIN / _UDP, u32 each.
// Byte order is the host's except where linux/ip_vs.h says __be (addresses,
// service and dest ports, the tunnel port, the IPv4 netmask).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "ipvs/model.hpp"

namespace tandem::ipvs::wire {

using Bytes = std::vector<std::uint8_t>;
template <class T>
using Decoded = std::variant<T, std::string>;  // the value, or why the bytes were refused

constexpr std::uint8_t kVersion = 1;

// Generic netlink commands (enum in linux/ip_vs.h).
namespace cmd {
constexpr std::uint8_t new_service = 1;
constexpr std::uint8_t set_service = 2;
constexpr std::uint8_t del_service = 3;
constexpr std::uint8_t get_service = 4;
constexpr std::uint8_t new_dest = 5;
constexpr std::uint8_t set_dest = 6;
constexpr std::uint8_t del_dest = 7;
constexpr std::uint8_t get_dest = 8;
constexpr std::uint8_t new_daemon = 9;
constexpr std::uint8_t del_daemon = 10;
constexpr std::uint8_t get_daemon = 11;
constexpr std::uint8_t set_config = 12;
constexpr std::uint8_t get_config = 13;
constexpr std::uint8_t get_info = 15;
}  // namespace cmd

// NEW/SET/DEL service or dest, flags NLM_F_REQUEST|NLM_F_ACK.
Bytes encode_request(const Operation& op, int family_id, std::uint32_t seq);
// Dumps (NLM_F_REQUEST|NLM_F_DUMP, no ACK: a dump ends with NLMSG_DONE).
Bytes encode_get_services(int family_id, std::uint32_t seq);
// The dests of one service; an unknown service gives an empty dump.
Bytes encode_get_dests(const ServiceKey& service, int family_id, std::uint32_t seq);
Bytes encode_get_daemons(int family_id, std::uint32_t seq);
// Sync daemon start and stop, NLM_F_REQUEST|NLM_F_ACK.
Bytes encode_new_daemon(const SyncDaemon& daemon, int family_id, std::uint32_t seq);
Bytes encode_del_daemon(SyncState state, int family_id, std::uint32_t seq);
// The connection timeouts, NLM_F_REQUEST|NLM_F_ACK. SET_CONFIG carries all
// three (seconds), as ipvsadm --set does; the kernel keeps a timeout given
// as 0. GET_CONFIG is answered with one message (cmd SET_CONFIG) and an ACK.
Bytes encode_set_config(const Timeouts& timeouts, int family_id, std::uint32_t seq);
Bytes encode_get_config(int family_id, std::uint32_t seq);
// GET_INFO with NLM_F_ACK: answered with one reply and an ACK. Used as a
// barrier: once its ACK arrives, every earlier request has been answered.
Bytes encode_get_info(int family_id, std::uint32_t seq);

// One netlink message inside a received datagram.
struct Message {
  std::uint16_t type = 0;   // NLMSG_ERROR (2), NLMSG_DONE (3) or the family id
  std::uint16_t flags = 0;
  std::uint32_t seq = 0;
  std::uint32_t pid = 0;
  std::span<const std::uint8_t> bytes;  // the whole message, header included
};

// Splits a datagram into its messages; refuses a datagram whose headers do
// not tile it (a truncated or overlong message). The messages point into
// `datagram`, so a temporary buffer is refused at compile time.
Decoded<std::vector<Message>> split_datagram(std::span<const std::uint8_t> datagram);
Decoded<std::vector<Message>> split_datagram(Bytes&& datagram) = delete;

// NLMSG_ERROR: 0 for an ACK, else the kernel's errno (positive).
// NLMSG_DONE: 0, or the errno of a dump that failed part way.
Decoded<int> parse_status(const Message& m);

// Dump replies (cmd NEW_SERVICE / NEW_DEST / NEW_DAEMON), each one message
// with its header. Also accept the NEW_* requests this file encodes, so that
// parse(encode(x)) == x holds. Addresses may come as 4 or 16 bytes; HASHED is
// masked off; stats come from STATS64 when present, else STATS.
Decoded<Service> parse_service(std::span<const std::uint8_t> message);
// service_af: the family of the dest's service, used when the reply has no
// IPVS_DEST_ATTR_ADDR_FAMILY (kernels before 4.2).
Decoded<Destination> parse_dest(std::span<const std::uint8_t> message, int service_af);
// Reported as the kernel has it: maxlen, port, ttl and group are filled in
// with the kernel's defaults when they were not given at start.
Decoded<SyncDaemon> parse_daemon(std::span<const std::uint8_t> message);
// The reply to GET_CONFIG (cmd SET_CONFIG; also the request
// encode_set_config makes). A timeout the kernel leaves out (built without
// that protocol) is 0.
Decoded<Timeouts> parse_timeouts(std::span<const std::uint8_t> message);

}  // namespace tandem::ipvs::wire
