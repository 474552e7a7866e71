// IPVS generic netlink messages with libnl: requests built with nla_put,
// replies checked with nla_parse policies before anything is read.
#include "ipvs/messages.hpp"

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace tandem::ipvs::wire {
namespace {

static_assert(cmd::new_service == IPVS_CMD_NEW_SERVICE && cmd::get_dest == IPVS_CMD_GET_DEST &&
              cmd::get_daemon == IPVS_CMD_GET_DAEMON && cmd::set_config == IPVS_CMD_SET_CONFIG &&
              cmd::get_config == IPVS_CMD_GET_CONFIG && cmd::get_info == IPVS_CMD_GET_INFO);
static_assert(kVersion == IPVS_GENL_VERSION);
static_assert(svc_flag::hashed == IP_VS_SVC_F_HASHED);

// ------------------------------------------------------------------ encoding

struct MsgFree {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};

// One request under construction. Requests are a few hundred bytes at most,
// far below the page-sized buffer nlmsg_alloc() gives, so a failed put is a
// bug, not an input error.
class Request {
 public:
  Request(int family_id, std::uint16_t flags, std::uint8_t command, std::uint32_t seq)
      : msg_(nlmsg_alloc()) {
    if (!msg_ || !genlmsg_put(msg_.get(), 0, seq, family_id, 0, flags, command, kVersion))
      throw std::bad_alloc();
  }

  nlattr* begin_nest(int type) {
    nlattr* n = nla_nest_start(msg_.get(), type);
    if (!n) fail();
    return n;
  }
  void end_nest(nlattr* n) {
    if (nla_nest_end(msg_.get(), n) < 0) fail();
  }
  void put(int type, const void* data, std::size_t size) {
    if (nla_put(msg_.get(), type, static_cast<int>(size), data) < 0) fail();
  }
  void u8(int type, std::uint8_t v) { put(type, &v, sizeof v); }
  void u16(int type, std::uint16_t v) { put(type, &v, sizeof v); }
  void u32(int type, std::uint32_t v) { put(type, &v, sizeof v); }
  void string(int type, const std::string& s) { put(type, s.c_str(), s.size() + 1); }

  Bytes finish() const {
    const nlmsghdr* h = nlmsg_hdr(msg_.get());
    const auto* p = reinterpret_cast<const std::uint8_t*>(h);
    return Bytes(p, p + h->nlmsg_len);
  }

 private:
  [[noreturn]] static void fail() { throw std::length_error("IPVS request does not fit its buffer"); }
  std::unique_ptr<nl_msg, MsgFree> msg_;
};

constexpr std::uint16_t kAckFlags = NLM_F_REQUEST | NLM_F_ACK;
constexpr std::uint16_t kDumpFlags = NLM_F_REQUEST | NLM_F_DUMP;

// The address as the kernel's union nf_inet_addr wants it: 4 bytes for IPv4
// (the kernel zero-fills the rest), 16 for IPv6.
void put_address(Request& r, int type, const config::IpAddress& a) {
  r.put(type, a.bytes.data(), a.is_v6() ? 16 : 4);
}

void put_service_key(Request& r, const ServiceKey& k) {
  r.u16(IPVS_SVC_ATTR_AF, static_cast<std::uint16_t>(k.af));
  if (k.is_fwmark()) {
    r.u32(IPVS_SVC_ATTR_FWMARK, k.fwmark);
    return;
  }
  r.u16(IPVS_SVC_ATTR_PROTOCOL, k.protocol);
  put_address(r, IPVS_SVC_ATTR_ADDR, k.address);
  r.u16(IPVS_SVC_ATTR_PORT, htons(k.port));
}

void put_service(Request& r, const Service& s, bool full) {
  nlattr* nest = r.begin_nest(IPVS_CMD_ATTR_SERVICE);
  put_service_key(r, s.key);
  if (full) {
    r.string(IPVS_SVC_ATTR_SCHED_NAME, s.scheduler);
    // mask ~0: the kernel replaces every flag with ours (and keeps HASHED itself).
    ip_vs_flags flags{s.flags & ~svc_flag::hashed, ~0u};
    r.put(IPVS_SVC_ATTR_FLAGS, &flags, sizeof flags);
    r.u32(IPVS_SVC_ATTR_TIMEOUT, s.timeout);
    // IPv4: a __be32 mask; IPv6: the prefix length as a plain number.
    r.u32(IPVS_SVC_ATTR_NETMASK, s.key.af == AF_INET6 ? s.netmask : htonl(s.netmask));
  }
  r.end_nest(nest);
}

void put_service_key_nest(Request& r, const ServiceKey& k) {
  nlattr* nest = r.begin_nest(IPVS_CMD_ATTR_SERVICE);
  put_service_key(r, k);
  r.end_nest(nest);
}

void put_dest_key(Request& r, const DestKey& k) {
  put_address(r, IPVS_DEST_ATTR_ADDR, k.address);
  r.u16(IPVS_DEST_ATTR_PORT, htons(k.port));
}

void put_dest(Request& r, const Destination& d) {
  nlattr* nest = r.begin_nest(IPVS_CMD_ATTR_DEST);
  put_dest_key(r, d.key);
  r.u32(IPVS_DEST_ATTR_FWD_METHOD, static_cast<std::uint32_t>(d.forwarding));
  r.u32(IPVS_DEST_ATTR_WEIGHT, static_cast<std::uint32_t>(d.weight));
  r.u32(IPVS_DEST_ATTR_U_THRESH, d.upper_threshold);
  r.u32(IPVS_DEST_ATTR_L_THRESH, d.lower_threshold);
  r.u16(IPVS_DEST_ATTR_ADDR_FAMILY, static_cast<std::uint16_t>(d.key.address.family));
  // Absent tunnel attributes mean 0, so they are always sent (SET included).
  r.u8(IPVS_DEST_ATTR_TUN_TYPE, static_cast<std::uint8_t>(d.tunnel_type));
  r.u16(IPVS_DEST_ATTR_TUN_PORT, htons(d.tunnel_port));
  r.u16(IPVS_DEST_ATTR_TUN_FLAGS, d.tunnel_flags);
  r.end_nest(nest);
}

void put_dest_key_nest(Request& r, const DestKey& k) {
  nlattr* nest = r.begin_nest(IPVS_CMD_ATTR_DEST);
  put_dest_key(r, k);
  // Without the family the kernel would look the dest up in the service's.
  r.u16(IPVS_DEST_ATTR_ADDR_FAMILY, static_cast<std::uint16_t>(k.address.family));
  r.end_nest(nest);
}

// ------------------------------------------------------------------ decoding

// A copy of one message in 4-byte aligned storage, so that libnl can read
// headers and attributes in place whatever the caller's alignment.
class AlignedMessage {
 public:
  explicit AlignedMessage(std::span<const std::uint8_t> bytes) : words_((bytes.size() + 3) / 4) {
    if (!bytes.empty()) std::memcpy(words_.data(), bytes.data(), bytes.size());
    size_ = bytes.size();
  }
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(words_.data()); }
  std::size_t size() const { return size_; }

 private:
  std::vector<std::uint32_t> words_;
  std::size_t size_ = 0;
};

// libnl's nla_parse stops quietly at bytes that are not a whole attribute;
// here they make the message invalid.
bool attributes_tile(const nlattr* head, int len) {
  int rem = len;
  const nlattr* a = head;
  for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
  }
  // After the last attribute only its missing alignment padding may remain.
  return rem <= 0 && rem > -NLA_ALIGNTO;
}

// Policies for nla_parse: fixed-size types get an exact size (libnl checks
// only a minimum for them unless maxlen is given).
template <int Max>
using Policy = std::array<nla_policy, Max + 1>;
constexpr nla_policy exact(std::uint16_t type, std::uint16_t size) { return {type, size, size}; }
constexpr nla_policy nested() { return {NLA_NESTED, 0, 0}; }
constexpr nla_policy nul_string(std::uint16_t max_with_nul) { return {NLA_STRING, 0, max_with_nul}; }
constexpr nla_policy blob(std::uint16_t min, std::uint16_t max) { return {NLA_UNSPEC, min, max}; }

// The generic netlink header and the top-level attributes of a message.
Decoded<int> parse_top(AlignedMessage& m, nlattr** tb, std::uint8_t want_cmd, const char* what) {
  if (m.size() < NLMSG_HDRLEN + GENL_HDRLEN) return std::string(what) + ": message too short";
  nlmsghdr* h = m.header();
  if (h->nlmsg_len != m.size()) return std::string(what) + ": length field does not match the message";
  if (!genlmsg_valid_hdr(h, 0)) return std::string(what) + ": no generic netlink header";
  auto* g = static_cast<genlmsghdr*>(nlmsg_data(h));
  if (g->cmd != want_cmd)
    return std::string(what) + ": unexpected command " + std::to_string(g->cmd);
  if (!attributes_tile(genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0)))
    return std::string(what) + ": truncated attribute";
  static const Policy<IPVS_CMD_ATTR_MAX> policy = [] {
    Policy<IPVS_CMD_ATTR_MAX> p{};
    p[IPVS_CMD_ATTR_SERVICE] = nested();
    p[IPVS_CMD_ATTR_DEST] = nested();
    p[IPVS_CMD_ATTR_DAEMON] = nested();
    p[IPVS_CMD_ATTR_TIMEOUT_TCP] = exact(NLA_U32, 4);
    p[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] = exact(NLA_U32, 4);
    p[IPVS_CMD_ATTR_TIMEOUT_UDP] = exact(NLA_U32, 4);
    return p;
  }();
  if (int err = genlmsg_parse(h, 0, tb, IPVS_CMD_ATTR_MAX, policy.data()); err < 0)
    return std::string(what) + ": " + nl_geterror(err);
  return 0;
}

Decoded<int> parse_nest(nlattr* nest, int max, const nla_policy* policy, nlattr** tb, const char* what) {
  if (!attributes_tile(static_cast<const nlattr*>(nla_data(nest)), nla_len(nest)))
    return std::string(what) + ": truncated attribute";
  if (int err = nla_parse_nested(tb, max, nest, policy); err < 0)
    return std::string(what) + ": invalid attribute (" + nl_geterror(err) + ")";
  return 0;
}

std::uint16_t get_u16(const nlattr* a) { return nla_get_u16(const_cast<nlattr*>(a)); }
std::uint32_t get_u32(const nlattr* a) { return nla_get_u32(const_cast<nlattr*>(a)); }

bool valid_af(int af) { return af == AF_INET || af == AF_INET6; }

// 4 or 16 bytes; an IPv4 address is the first 4 of the kernel's 16.
Decoded<config::IpAddress> get_address(const nlattr* a, int af, const char* what) {
  const std::size_t need = af == AF_INET6 ? 16 : 4;
  if (static_cast<std::size_t>(nla_len(a)) < need)
    return std::string(what) + ": address too short for its family";
  config::IpAddress out;
  out.family = af;
  std::memcpy(out.bytes.data(), nla_data(a), need);
  return out;
}

// The counters of IPVS_*_ATTR_STATS (u32 counts, u64 bytes) or STATS64 (all u64).
Decoded<int> read_stats(nlattr* nest, DestStats& s) {
  static const Policy<IPVS_STATS_ATTR_MAX> policy = [] {
    Policy<IPVS_STATS_ATTR_MAX> p{};
    p[IPVS_STATS_ATTR_CONNS] = blob(4, 8);
    p[IPVS_STATS_ATTR_INPKTS] = blob(4, 8);
    p[IPVS_STATS_ATTR_OUTPKTS] = blob(4, 8);
    p[IPVS_STATS_ATTR_INBYTES] = blob(4, 8);
    p[IPVS_STATS_ATTR_OUTBYTES] = blob(4, 8);
    return p;
  }();
  nlattr* tb[IPVS_STATS_ATTR_MAX + 1] = {};
  if (auto r = parse_nest(nest, IPVS_STATS_ATTR_MAX, policy.data(), tb, "stats"); r.index() == 1) return r;
  auto value = [&](int type, std::uint64_t& out) -> bool {
    if (!tb[type]) return true;
    if (nla_len(tb[type]) == 8) {
      out = nla_get_u64(tb[type]);
    } else if (nla_len(tb[type]) == 4) {
      out = get_u32(tb[type]);
    } else {
      return false;
    }
    return true;
  };
  if (!value(IPVS_STATS_ATTR_CONNS, s.connections) || !value(IPVS_STATS_ATTR_INPKTS, s.in_packets) ||
      !value(IPVS_STATS_ATTR_OUTPKTS, s.out_packets) || !value(IPVS_STATS_ATTR_INBYTES, s.in_bytes) ||
      !value(IPVS_STATS_ATTR_OUTBYTES, s.out_bytes))
    return std::string("stats: counter neither 4 nor 8 bytes");
  return 0;
}

template <class T>
Decoded<T> error_of(const Decoded<int>& r) {
  return std::get<std::string>(r);
}

}  // namespace

// ------------------------------------------------------------------ requests

Bytes encode_request(const Operation& op, int family_id, std::uint32_t seq) {
  return std::visit(
      [&](const auto& o) -> Bytes {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, NewService> || std::is_same_v<T, SetService>) {
          Request r(family_id, kAckFlags, std::is_same_v<T, NewService> ? cmd::new_service : cmd::set_service,
                    seq);
          put_service(r, o.service, true);
          return r.finish();
        } else if constexpr (std::is_same_v<T, DelService>) {
          Request r(family_id, kAckFlags, cmd::del_service, seq);
          put_service_key_nest(r, o.key);
          return r.finish();
        } else if constexpr (std::is_same_v<T, NewDest> || std::is_same_v<T, SetDest>) {
          Request r(family_id, kAckFlags, std::is_same_v<T, NewDest> ? cmd::new_dest : cmd::set_dest, seq);
          put_service_key_nest(r, o.service);
          put_dest(r, o.dest);
          return r.finish();
        } else {
          Request r(family_id, kAckFlags, cmd::del_dest, seq);
          put_service_key_nest(r, o.service);
          put_dest_key_nest(r, o.dest);
          return r.finish();
        }
      },
      op);
}

Bytes encode_get_services(int family_id, std::uint32_t seq) {
  return Request(family_id, kDumpFlags, cmd::get_service, seq).finish();
}

Bytes encode_get_dests(const ServiceKey& service, int family_id, std::uint32_t seq) {
  Request r(family_id, kDumpFlags, cmd::get_dest, seq);
  put_service_key_nest(r, service);
  return r.finish();
}

Bytes encode_get_daemons(int family_id, std::uint32_t seq) {
  return Request(family_id, kDumpFlags, cmd::get_daemon, seq).finish();
}

Bytes encode_get_info(int family_id, std::uint32_t seq) {
  return Request(family_id, kAckFlags, cmd::get_info, seq).finish();
}

Bytes encode_set_config(const Timeouts& t, int family_id, std::uint32_t seq) {
  Request r(family_id, kAckFlags, cmd::set_config, seq);
  r.u32(IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp);
  r.u32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcp_fin);
  r.u32(IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp);
  return r.finish();
}

Bytes encode_get_config(int family_id, std::uint32_t seq) {
  return Request(family_id, kAckFlags, cmd::get_config, seq).finish();
}

Bytes encode_new_daemon(const SyncDaemon& d, int family_id, std::uint32_t seq) {
  Request r(family_id, kAckFlags, cmd::new_daemon, seq);
  nlattr* nest = r.begin_nest(IPVS_CMD_ATTR_DAEMON);
  r.u32(IPVS_DAEMON_ATTR_STATE, static_cast<std::uint32_t>(d.state));
  r.string(IPVS_DAEMON_ATTR_MCAST_IFN, d.interface);
  r.u32(IPVS_DAEMON_ATTR_SYNC_ID, d.syncid);
  if (d.maxlen) r.u16(IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.maxlen);
  if (d.group && d.group->is_v4()) r.put(IPVS_DAEMON_ATTR_MCAST_GROUP, d.group->bytes.data(), 4);
  if (d.group && d.group->is_v6()) r.put(IPVS_DAEMON_ATTR_MCAST_GROUP6, d.group->bytes.data(), 16);
  if (d.port) r.u16(IPVS_DAEMON_ATTR_MCAST_PORT, d.port);  // host order, unlike the other ports
  if (d.ttl) r.u8(IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl);
  r.end_nest(nest);
  return r.finish();
}

Bytes encode_del_daemon(SyncState state, int family_id, std::uint32_t seq) {
  Request r(family_id, kAckFlags, cmd::del_daemon, seq);
  nlattr* nest = r.begin_nest(IPVS_CMD_ATTR_DAEMON);
  r.u32(IPVS_DAEMON_ATTR_STATE, static_cast<std::uint32_t>(state));
  r.end_nest(nest);
  return r.finish();
}

// ------------------------------------------------------------------ replies

Decoded<std::vector<Message>> split_datagram(std::span<const std::uint8_t> datagram) {
  std::vector<Message> out;
  std::size_t off = 0;
  while (off < datagram.size()) {
    const std::size_t left = datagram.size() - off;
    if (left < sizeof(nlmsghdr)) return std::string("netlink: trailing bytes shorter than a header");
    nlmsghdr h;
    std::memcpy(&h, datagram.data() + off, sizeof h);
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > left)
      return "netlink: message length " + std::to_string(h.nlmsg_len) + " does not fit the datagram";
    out.push_back({h.nlmsg_type, h.nlmsg_flags, h.nlmsg_seq, h.nlmsg_pid, datagram.subspan(off, h.nlmsg_len)});
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  return out;
}

Decoded<int> parse_status(const Message& m) {
  const auto payload = m.bytes.subspan(std::min<std::size_t>(m.bytes.size(), NLMSG_HDRLEN));
  if (m.type != NLMSG_ERROR && m.type != NLMSG_DONE) return std::string("netlink: not a status message");
  if (m.type == NLMSG_DONE && payload.empty()) return 0;
  if (payload.size() < sizeof(std::int32_t)) return std::string("netlink: status message too short");
  std::int32_t err;
  std::memcpy(&err, payload.data(), sizeof err);
  if (err > 0) return "netlink: positive error code " + std::to_string(err);
  if (err < -4095) return "netlink: error code out of range " + std::to_string(err);
  return -err;
}

Decoded<Service> parse_service(std::span<const std::uint8_t> message) {
  AlignedMessage m(message);
  nlattr* top[IPVS_CMD_ATTR_MAX + 1] = {};
  if (auto r = parse_top(m, top, cmd::new_service, "service"); r.index() == 1) return error_of<Service>(r);
  if (!top[IPVS_CMD_ATTR_SERVICE]) return std::string("service: no IPVS_CMD_ATTR_SERVICE");

  static const Policy<IPVS_SVC_ATTR_MAX> policy = [] {
    Policy<IPVS_SVC_ATTR_MAX> p{};
    p[IPVS_SVC_ATTR_AF] = exact(NLA_U16, 2);
    p[IPVS_SVC_ATTR_PROTOCOL] = exact(NLA_U16, 2);
    p[IPVS_SVC_ATTR_ADDR] = blob(4, 16);
    p[IPVS_SVC_ATTR_PORT] = exact(NLA_U16, 2);
    p[IPVS_SVC_ATTR_FWMARK] = exact(NLA_U32, 4);
    p[IPVS_SVC_ATTR_SCHED_NAME] = nul_string(IP_VS_SCHEDNAME_MAXLEN);
    p[IPVS_SVC_ATTR_FLAGS] = blob(sizeof(ip_vs_flags), sizeof(ip_vs_flags));
    p[IPVS_SVC_ATTR_TIMEOUT] = exact(NLA_U32, 4);
    p[IPVS_SVC_ATTR_NETMASK] = exact(NLA_U32, 4);
    p[IPVS_SVC_ATTR_STATS] = nested();
    p[IPVS_SVC_ATTR_PE_NAME] = nul_string(IP_VS_PENAME_MAXLEN);
    p[IPVS_SVC_ATTR_STATS64] = nested();
    return p;
  }();
  nlattr* a[IPVS_SVC_ATTR_MAX + 1] = {};
  if (auto r = parse_nest(top[IPVS_CMD_ATTR_SERVICE], IPVS_SVC_ATTR_MAX, policy.data(), a, "service"); r.index() == 1)
    return error_of<Service>(r);

  Service s;
  if (!a[IPVS_SVC_ATTR_AF]) return std::string("service: no address family");
  s.key.af = get_u16(a[IPVS_SVC_ATTR_AF]);
  if (!valid_af(s.key.af)) return "service: unknown address family " + std::to_string(s.key.af);
  if (a[IPVS_SVC_ATTR_FWMARK] && get_u32(a[IPVS_SVC_ATTR_FWMARK]) != 0) {
    s.key.fwmark = get_u32(a[IPVS_SVC_ATTR_FWMARK]);
  } else {
    if (!a[IPVS_SVC_ATTR_PROTOCOL] || !a[IPVS_SVC_ATTR_ADDR] || !a[IPVS_SVC_ATTR_PORT])
      return std::string("service: neither a fwmark nor protocol, address and port");
    s.key.protocol = get_u16(a[IPVS_SVC_ATTR_PROTOCOL]);
    auto addr = get_address(a[IPVS_SVC_ATTR_ADDR], s.key.af, "service");
    if (addr.index() == 1) return std::get<std::string>(addr);
    s.key.address = std::get<config::IpAddress>(addr);
    s.key.port = ntohs(get_u16(a[IPVS_SVC_ATTR_PORT]));
  }
  if (!a[IPVS_SVC_ATTR_SCHED_NAME] || !a[IPVS_SVC_ATTR_FLAGS] || !a[IPVS_SVC_ATTR_TIMEOUT] ||
      !a[IPVS_SVC_ATTR_NETMASK])
    return std::string("service: missing scheduler, flags, timeout or netmask");
  s.scheduler = nla_get_string(a[IPVS_SVC_ATTR_SCHED_NAME]);
  ip_vs_flags flags;
  std::memcpy(&flags, nla_data(a[IPVS_SVC_ATTR_FLAGS]), sizeof flags);
  s.flags = flags.flags & flags.mask & ~svc_flag::hashed;
  s.timeout = get_u32(a[IPVS_SVC_ATTR_TIMEOUT]);
  const std::uint32_t netmask = get_u32(a[IPVS_SVC_ATTR_NETMASK]);
  s.netmask = s.key.af == AF_INET6 ? netmask : ntohl(netmask);
  return s;
}

Decoded<Destination> parse_dest(std::span<const std::uint8_t> message, int service_af) {
  AlignedMessage m(message);
  nlattr* top[IPVS_CMD_ATTR_MAX + 1] = {};
  if (auto r = parse_top(m, top, cmd::new_dest, "dest"); r.index() == 1) return error_of<Destination>(r);
  if (!top[IPVS_CMD_ATTR_DEST]) return std::string("dest: no IPVS_CMD_ATTR_DEST");

  static const Policy<IPVS_DEST_ATTR_MAX> policy = [] {
    Policy<IPVS_DEST_ATTR_MAX> p{};
    p[IPVS_DEST_ATTR_ADDR] = blob(4, 16);
    p[IPVS_DEST_ATTR_PORT] = exact(NLA_U16, 2);
    p[IPVS_DEST_ATTR_FWD_METHOD] = exact(NLA_U32, 4);
    p[IPVS_DEST_ATTR_WEIGHT] = exact(NLA_U32, 4);
    p[IPVS_DEST_ATTR_U_THRESH] = exact(NLA_U32, 4);
    p[IPVS_DEST_ATTR_L_THRESH] = exact(NLA_U32, 4);
    p[IPVS_DEST_ATTR_ACTIVE_CONNS] = exact(NLA_U32, 4);
    p[IPVS_DEST_ATTR_INACT_CONNS] = exact(NLA_U32, 4);
    p[IPVS_DEST_ATTR_PERSIST_CONNS] = exact(NLA_U32, 4);
    p[IPVS_DEST_ATTR_STATS] = nested();
    p[IPVS_DEST_ATTR_ADDR_FAMILY] = exact(NLA_U16, 2);
    p[IPVS_DEST_ATTR_STATS64] = nested();
    p[IPVS_DEST_ATTR_TUN_TYPE] = exact(NLA_U8, 1);
    p[IPVS_DEST_ATTR_TUN_PORT] = exact(NLA_U16, 2);
    p[IPVS_DEST_ATTR_TUN_FLAGS] = exact(NLA_U16, 2);
    return p;
  }();
  nlattr* a[IPVS_DEST_ATTR_MAX + 1] = {};
  if (auto r = parse_nest(top[IPVS_CMD_ATTR_DEST], IPVS_DEST_ATTR_MAX, policy.data(), a, "dest"); r.index() == 1)
    return error_of<Destination>(r);

  for (int required : {IPVS_DEST_ATTR_ADDR, IPVS_DEST_ATTR_PORT, IPVS_DEST_ATTR_FWD_METHOD, IPVS_DEST_ATTR_WEIGHT,
                       IPVS_DEST_ATTR_U_THRESH, IPVS_DEST_ATTR_L_THRESH})
    if (!a[required]) return "dest: missing attribute " + std::to_string(required);

  Destination d;
  const int af = a[IPVS_DEST_ATTR_ADDR_FAMILY] ? get_u16(a[IPVS_DEST_ATTR_ADDR_FAMILY]) : service_af;
  if (!valid_af(af)) return "dest: unknown address family " + std::to_string(af);
  auto addr = get_address(a[IPVS_DEST_ATTR_ADDR], af, "dest");
  if (addr.index() == 1) return std::get<std::string>(addr);
  d.key.address = std::get<config::IpAddress>(addr);
  d.key.port = ntohs(get_u16(a[IPVS_DEST_ATTR_PORT]));

  const std::uint32_t fwd = get_u32(a[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK;
  if (fwd > IP_VS_CONN_F_DROUTE) return "dest: unknown forwarding method " + std::to_string(fwd);
  d.forwarding = static_cast<Forwarding>(fwd);
  d.weight = static_cast<std::int32_t>(get_u32(a[IPVS_DEST_ATTR_WEIGHT]));
  d.upper_threshold = get_u32(a[IPVS_DEST_ATTR_U_THRESH]);
  d.lower_threshold = get_u32(a[IPVS_DEST_ATTR_L_THRESH]);
  if (a[IPVS_DEST_ATTR_TUN_TYPE]) {
    const std::uint8_t t = nla_get_u8(a[IPVS_DEST_ATTR_TUN_TYPE]);
    if (t >= IP_VS_CONN_F_TUNNEL_TYPE_MAX) return "dest: unknown tunnel type " + std::to_string(t);
    d.tunnel_type = static_cast<TunnelType>(t);
  }
  if (a[IPVS_DEST_ATTR_TUN_PORT]) d.tunnel_port = ntohs(get_u16(a[IPVS_DEST_ATTR_TUN_PORT]));
  if (a[IPVS_DEST_ATTR_TUN_FLAGS]) d.tunnel_flags = get_u16(a[IPVS_DEST_ATTR_TUN_FLAGS]);

  if (a[IPVS_DEST_ATTR_ACTIVE_CONNS]) d.stats.active_conns = get_u32(a[IPVS_DEST_ATTR_ACTIVE_CONNS]);
  if (a[IPVS_DEST_ATTR_INACT_CONNS]) d.stats.inactive_conns = get_u32(a[IPVS_DEST_ATTR_INACT_CONNS]);
  if (a[IPVS_DEST_ATTR_PERSIST_CONNS]) d.stats.persistent_conns = get_u32(a[IPVS_DEST_ATTR_PERSIST_CONNS]);
  if (nlattr* stats = a[IPVS_DEST_ATTR_STATS64] ? a[IPVS_DEST_ATTR_STATS64] : a[IPVS_DEST_ATTR_STATS]) {
    if (auto r = read_stats(stats, d.stats); r.index() == 1) return "dest: " + std::get<std::string>(r);
  }
  return d;
}

Decoded<SyncDaemon> parse_daemon(std::span<const std::uint8_t> message) {
  AlignedMessage m(message);
  nlattr* top[IPVS_CMD_ATTR_MAX + 1] = {};
  if (auto r = parse_top(m, top, cmd::new_daemon, "daemon"); r.index() == 1) return error_of<SyncDaemon>(r);
  if (!top[IPVS_CMD_ATTR_DAEMON]) return std::string("daemon: no IPVS_CMD_ATTR_DAEMON");

  static const Policy<IPVS_DAEMON_ATTR_MAX> policy = [] {
    Policy<IPVS_DAEMON_ATTR_MAX> p{};
    p[IPVS_DAEMON_ATTR_STATE] = exact(NLA_U32, 4);
    p[IPVS_DAEMON_ATTR_MCAST_IFN] = nul_string(IP_VS_IFNAME_MAXLEN);
    p[IPVS_DAEMON_ATTR_SYNC_ID] = exact(NLA_U32, 4);
    p[IPVS_DAEMON_ATTR_SYNC_MAXLEN] = exact(NLA_U16, 2);
    p[IPVS_DAEMON_ATTR_MCAST_GROUP] = exact(NLA_U32, 4);
    p[IPVS_DAEMON_ATTR_MCAST_GROUP6] = blob(16, 16);
    p[IPVS_DAEMON_ATTR_MCAST_PORT] = exact(NLA_U16, 2);
    p[IPVS_DAEMON_ATTR_MCAST_TTL] = exact(NLA_U8, 1);
    return p;
  }();
  nlattr* a[IPVS_DAEMON_ATTR_MAX + 1] = {};
  if (auto r = parse_nest(top[IPVS_CMD_ATTR_DAEMON], IPVS_DAEMON_ATTR_MAX, policy.data(), a, "daemon"); r.index() == 1)
    return error_of<SyncDaemon>(r);
  if (!a[IPVS_DAEMON_ATTR_STATE] || !a[IPVS_DAEMON_ATTR_MCAST_IFN] || !a[IPVS_DAEMON_ATTR_SYNC_ID])
    return std::string("daemon: missing state, interface or syncid");

  SyncDaemon d;
  const std::uint32_t state = get_u32(a[IPVS_DAEMON_ATTR_STATE]);
  if (state != IP_VS_STATE_MASTER && state != IP_VS_STATE_BACKUP)
    return "daemon: unknown state " + std::to_string(state);
  d.state = static_cast<SyncState>(state);
  d.interface = nla_get_string(a[IPVS_DAEMON_ATTR_MCAST_IFN]);
  d.syncid = get_u32(a[IPVS_DAEMON_ATTR_SYNC_ID]);
  if (a[IPVS_DAEMON_ATTR_SYNC_MAXLEN]) d.maxlen = get_u16(a[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
  if (a[IPVS_DAEMON_ATTR_MCAST_GROUP]) {
    config::IpAddress g;
    g.family = AF_INET;
    std::memcpy(g.bytes.data(), nla_data(a[IPVS_DAEMON_ATTR_MCAST_GROUP]), 4);
    d.group = g;
  } else if (a[IPVS_DAEMON_ATTR_MCAST_GROUP6]) {
    config::IpAddress g;
    g.family = AF_INET6;
    std::memcpy(g.bytes.data(), nla_data(a[IPVS_DAEMON_ATTR_MCAST_GROUP6]), 16);
    d.group = g;
  }
  if (a[IPVS_DAEMON_ATTR_MCAST_PORT]) d.port = get_u16(a[IPVS_DAEMON_ATTR_MCAST_PORT]);
  if (a[IPVS_DAEMON_ATTR_MCAST_TTL]) d.ttl = nla_get_u8(a[IPVS_DAEMON_ATTR_MCAST_TTL]);
  return d;
}

Decoded<Timeouts> parse_timeouts(std::span<const std::uint8_t> message) {
  AlignedMessage m(message);
  nlattr* top[IPVS_CMD_ATTR_MAX + 1] = {};
  if (auto r = parse_top(m, top, cmd::set_config, "timeouts"); r.index() == 1) return error_of<Timeouts>(r);
  auto seconds = [&](int type) { return top[type] ? get_u32(top[type]) : 0u; };
  return Timeouts{seconds(IPVS_CMD_ATTR_TIMEOUT_TCP), seconds(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN),
                  seconds(IPVS_CMD_ATTR_TIMEOUT_UDP)};
}

}  // namespace tandem::ipvs::wire
