#include "ipvs/model.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

namespace tandem::ipvs {
namespace {

std::string protocol_name(std::uint16_t p) {
  switch (p) {
    case IPPROTO_TCP: return "TCP";
    case IPPROTO_UDP: return "UDP";
    case IPPROTO_SCTP: return "SCTP";
  }
  return "proto " + std::to_string(p);
}

}  // namespace

std::string_view to_string(Forwarding f) {
  switch (f) {
    case Forwarding::masq: return "nat";
    case Forwarding::local: return "local";
    case Forwarding::tunnel: return "tun";
    case Forwarding::droute: return "dr";
  }
  return "?";
}

std::string ServiceKey::str() const {
  if (is_fwmark()) return "FWM " + std::to_string(fwmark) + (af == AF_INET6 ? " (IPv6)" : "");
  return protocol_name(protocol) + " " + config::endpoint_text(address, port);
}

std::string DestKey::str() const { return config::endpoint_text(address, port); }

bool Destination::same_settings(const Destination& o) const {
  return key == o.key && forwarding == o.forwarding && tunnel_type == o.tunnel_type &&
         tunnel_port == o.tunnel_port && tunnel_flags == o.tunnel_flags && weight == o.weight &&
         upper_threshold == o.upper_threshold && lower_threshold == o.lower_threshold;
}

std::string describe(const Operation& op) {
  return std::visit(
      [](const auto& o) -> std::string {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, NewService> || std::is_same_v<T, SetService>) {
          std::string verb = std::is_same_v<T, NewService> ? "NEW" : "SET";
          return verb + " service " + o.service.key.str() + " scheduler " + o.service.scheduler;
        } else if constexpr (std::is_same_v<T, DelService>) {
          return "DEL service " + o.key.str();
        } else if constexpr (std::is_same_v<T, NewDest> || std::is_same_v<T, SetDest>) {
          std::string verb = std::is_same_v<T, NewDest> ? "NEW" : "SET";
          return verb + " dest " + o.dest.key.str() + " " + std::string(to_string(o.dest.forwarding)) + " weight " +
                 std::to_string(o.dest.weight) + " in " + o.service.str();
        } else {
          return "DEL dest " + o.dest.str() + " in " + o.service.str();
        }
      },
      op);
}

std::string describe(const Timeouts& t) {
  std::string out;
  auto add = [&](const char* name, std::uint32_t seconds) {
    if (seconds == 0) return;
    out += (out.empty() ? "" : " ") + std::string(name) + " " + std::to_string(seconds) + "s";
  };
  add("tcp", t.tcp);
  add("tcpfin", t.tcp_fin);
  add("udp", t.udp);
  return out.empty() ? "none" : out;
}

}  // namespace tandem::ipvs
