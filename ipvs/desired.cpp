#include "ipvs/desired.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>

#include "ipvs/maintenance.hpp"

namespace tandem::ipvs {
namespace {

std::uint16_t protocol_number(config::Protocol p) {
  switch (p) {
    case config::Protocol::tcp: return IPPROTO_TCP;
    case config::Protocol::udp: return IPPROTO_UDP;
    case config::Protocol::sctp: return IPPROTO_SCTP;
  }
  return IPPROTO_TCP;
}

Forwarding forwarding_of(config::ForwardingMethod m) {
  switch (m) {
    case config::ForwardingMethod::nat: return Forwarding::masq;
    case config::ForwardingMethod::dr: return Forwarding::droute;
    case config::ForwardingMethod::tun: return Forwarding::tunnel;
  }
  return Forwarding::droute;
}

TunnelType tunnel_of(config::TunnelType t) {
  switch (t) {
    case config::TunnelType::ipip: return TunnelType::ipip;
    case config::TunnelType::gue: return TunnelType::gue;
    case config::TunnelType::gre: return TunnelType::gre;
  }
  return TunnelType::ipip;
}

bool is_healthy(const Health& h, std::size_t v, std::size_t r) {
  return v >= h.size() || r >= h[v].size() || h[v][r];
}

AdminMode mode_of(const Admin& a, std::size_t v, std::size_t r) {
  return v < a.size() && r < a[v].size() ? a[v][r] : AdminMode::none;
}

}  // namespace

ServiceKey service_key(const config::VirtualServer& vs) {
  ServiceKey k;
  k.af = vs.family;
  if (vs.fwmark) {
    k.fwmark = vs.fwmark;
    return k;
  }
  k.protocol = protocol_number(vs.protocol);
  if (vs.address) {
    k.address = vs.address->address;
    k.port = vs.address->port;
  }
  return k;
}

Service service_of(const config::VirtualServer& vs) {
  Service s;
  s.key = service_key(vs);
  s.scheduler = vs.scheduler;
  for (const auto& f : vs.scheduler_flags) {
    if (f == "sh-fallback" || f == "mh-fallback") s.flags |= svc_flag::sched1;
    if (f == "sh-port" || f == "mh-port") s.flags |= svc_flag::sched2;
    if (f == "ops") s.flags |= svc_flag::onepacket;
  }
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(vs.persistence).count();
  if (seconds > 0) {
    s.flags |= svc_flag::persistent;
    s.timeout = static_cast<std::uint32_t>(seconds);
  }
  if (vs.persistence_netmask)
    s.netmask = vs.persistence_netmask;
  else
    s.netmask = vs.family == AF_INET6 ? 128 : 0xffffffffu;
  return s;
}

Destination destination_of(const config::VirtualServer& vs, const config::RealServer& real) {
  Destination d;
  d.key.address = real.address;
  d.key.port = real.port ? real.port : (vs.address ? vs.address->port : 0);
  d.forwarding = forwarding_of(real.forwarding.value_or(vs.forwarding));
  if (d.forwarding == Forwarding::tunnel) {
    d.tunnel_type = tunnel_of(real.tunnel_type.value_or(vs.tunnel_type));
    if (d.tunnel_type == TunnelType::gue) d.tunnel_port = real.tunnel_port.value_or(vs.tunnel_port);
  }
  d.weight = real.weight;
  d.upper_threshold = real.upper_threshold;
  d.lower_threshold = real.lower_threshold;
  return d;
}

Table desired_table(const std::vector<config::VirtualServer>& servers, const Health& healthy,
                    const Handover& handover, const Admin& admin) {
  Table table;
  for (std::size_t v = 0; v < servers.size(); ++v) {
    const auto& vs = servers[v];
    ServiceEntry e{service_of(vs), {}};
    if (v < handover.size() && handover[v]) {
      for (std::size_t r = 0; r < vs.reals.size(); ++r) {
        if (mode_of(admin, v, r) == AdminMode::disable) continue;
        Destination d = destination_of(vs, vs.reals[r]);
        d.weight = 0;
        e.dests.push_back(d);
      }
      Destination peer;
      peer.key.address = *handover[v];
      peer.key.port = vs.address ? vs.address->port : 0;
      peer.forwarding = Forwarding::droute;
      peer.weight = 1;
      auto same = std::find_if(e.dests.begin(), e.dests.end(), [&](const Destination& x) { return x.key == peer.key; });
      if (same == e.dests.end())
        e.dests.push_back(peer);
      else
        *same = peer;  // the peer is also one of the real servers: it takes the new connections all the same
      table.push_back(std::move(e));
      continue;
    }
    bool any_healthy = false;
    for (std::size_t r = 0; r < vs.reals.size(); ++r) {
      Destination d = destination_of(vs, vs.reals[r]);
      const AdminMode mode = mode_of(admin, v, r);
      if (mode == AdminMode::disable) continue;
      if (mode == AdminMode::drain) {
        d.weight = 0;  // no new connections; the established ones finish
      } else if (is_healthy(healthy, v, r)) {
        any_healthy = true;
      } else if (vs.on_failure == config::OnFailure::remove) {
        continue;
      } else {
        d.weight = 0;  // quiesced: no new connections, established ones stay
      }
      e.dests.push_back(d);
    }
    if (!any_healthy && vs.fallback) {
      config::RealServer sorry;
      sorry.address = vs.fallback->address;
      sorry.port = vs.fallback->port;
      Destination d = destination_of(vs, sorry);
      // A sorry server on another port can only be reached by NAT.
      if (vs.address && d.key.port != vs.address->port) d.forwarding = Forwarding::masq;
      if (!std::any_of(e.dests.begin(), e.dests.end(), [&](const Destination& x) { return x.key == d.key; }))
        e.dests.push_back(d);
    }
    table.push_back(std::move(e));
  }
  return table;
}

Health health_in_kernel(const std::vector<config::VirtualServer>& servers, const Table& kernel) {
  Health healthy(servers.size());
  for (std::size_t v = 0; v < servers.size(); ++v) {
    const auto& vs = servers[v];
    healthy[v].assign(vs.reals.size(), true);
    const ServiceKey key = service_key(vs);
    auto entry = std::find_if(kernel.begin(), kernel.end(), [&](const ServiceEntry& e) { return e.service.key == key; });
    if (entry == kernel.end()) continue;
    for (std::size_t r = 0; r < vs.reals.size(); ++r) {
      const Destination want = destination_of(vs, vs.reals[r]);
      auto have = std::find_if(entry->dests.begin(), entry->dests.end(),
                               [&](const Destination& d) { return d.key == want.key; });
      if (have == entry->dests.end())
        healthy[v][r] = vs.on_failure != config::OnFailure::remove;
      else
        healthy[v][r] = !(have->weight == 0 && want.weight > 0);
    }
  }
  return healthy;
}

SyncDaemon sync_daemon_of(const config::SyncSection& sync) {
  SyncDaemon d;
  d.interface = sync.interface;
  d.syncid = sync.syncid;
  d.group = sync.group;
  d.port = sync.port;
  d.maxlen = sync.maxlen;
  d.ttl = sync.ttl;
  return d;
}

Timeouts timeouts_of(const config::IpvsSection& ipvs) {
  // Validation bounds each to 1s..kMaxIpvsTimeout, whole seconds.
  auto seconds = [](const std::optional<config::Duration>& d) {
    return d ? static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(*d).count()) : 0u;
  };
  return {seconds(ipvs.tcp_timeout), seconds(ipvs.tcpfin_timeout), seconds(ipvs.udp_timeout)};
}

}  // namespace tandem::ipvs
