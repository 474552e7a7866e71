// Names and derived values of the IPVS part of the configuration: no TOML
// here, so anything that shows or programs virtual servers can use them.
#include <sys/socket.h>

#include <array>

#include "config/config.hpp"

namespace tandem::config {
namespace {

constexpr std::array<std::string_view, 13> kSchedulers = {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
                                                          "sh", "sed", "nq", "fo",  "ovf",  "mh"};
constexpr std::array<std::string_view, 5> kSchedulerFlags = {"sh-fallback", "sh-port", "mh-fallback",
                                                             "mh-port", "ops"};

}  // namespace

std::string_view name_of(Protocol p) {
  switch (p) {
    case Protocol::tcp: return "tcp";
    case Protocol::udp: return "udp";
    case Protocol::sctp: return "sctp";
  }
  return "?";
}

std::string_view name_of(ForwardingMethod f) {
  switch (f) {
    case ForwardingMethod::nat: return "nat";
    case ForwardingMethod::dr: return "dr";
    case ForwardingMethod::tun: return "tun";
  }
  return "?";
}

std::string_view name_of(TunnelType t) {
  switch (t) {
    case TunnelType::ipip: return "ipip";
    case TunnelType::gue: return "gue";
    case TunnelType::gre: return "gre";
  }
  return "?";
}

std::string_view name_of(OnFailure o) {
  switch (o) {
    case OnFailure::quiesce: return "quiesce";
    case OnFailure::remove: return "remove";
  }
  return "?";
}

std::string_view name_of(Check::Type t) {
  switch (t) {
    case Check::Type::tcp: return "tcp";
    case Check::Type::send_expect: return "send-expect";
    case Check::Type::http: return "http";
    case Check::Type::https: return "https";
    case Check::Type::external: return "external";
    case Check::Type::udp: return "udp";
    case Check::Type::none: return "none";
  }
  return "?";
}

std::span<const std::string_view> ipvs_schedulers() { return kSchedulers; }
std::span<const std::string_view> ipvs_scheduler_flags() { return kSchedulerFlags; }

ForwardingMethod forwarding_of(const VirtualServer& vs, const RealServer& real) {
  return real.forwarding.value_or(vs.forwarding);
}

TunnelType tunnel_type_of(const VirtualServer& vs, const RealServer& real) {
  return real.tunnel_type.value_or(vs.tunnel_type);
}

std::uint16_t tunnel_port_of(const VirtualServer& vs, const RealServer& real) {
  return real.tunnel_port.value_or(vs.tunnel_port);
}

std::optional<Check> check_of(const VirtualServer& vs, const RealServer& real) {
  if (!vs.check) return std::nullopt;
  Check check = *vs.check;
  if (check.port == 0) check.port = real.port;
  if (const auto& o = real.check) {
    if (o->request) check.request = *o->request;
    if (o->receive) check.receive = *o->receive;
    if (o->send) check.send = *o->send;
    if (o->port) check.port = *o->port;
    if (o->virtualhost) check.virtualhost = *o->virtualhost;
  }
  return check;
}

const Group* group_of(const Config& cfg, const VirtualServer& vs) {
  for (const auto& g : cfg.groups)
    if (g.name == vs.group) return &g;
  return nullptr;
}

std::string describe(const VirtualServer& vs) {
  if (!vs.address) return "FWM " + std::to_string(vs.fwmark) + (vs.family == AF_INET6 ? " (IPv6)" : "");
  std::string protocol(name_of(vs.protocol));
  for (char& c : protocol) c = static_cast<char>(c - 'a' + 'A');
  return protocol + " " + endpoint_text(vs.address->address, vs.address->port);
}

}  // namespace tandem::config
