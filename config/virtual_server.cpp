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

std::string endpoint_text(const IpAddress& address, std::uint16_t port) {
  const std::string a = address.str();
  return (address.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(port);
}

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

std::string describe(const VirtualServer& vs) {
  if (!vs.address) return "FWM " + std::to_string(vs.fwmark) + (vs.family == AF_INET6 ? " (IPv6)" : "");
  std::string protocol(name_of(vs.protocol));
  for (char& c : protocol) c = static_cast<char>(c - 'a' + 'A');
  return protocol + " " + endpoint_text(vs.address->address, vs.address->port);
}

}  // namespace tandem::config
