#include "ipvs/handover_topology.hpp"

#include <algorithm>

namespace tandem::ipvs {

std::optional<config::IpAddress> handover_peer_address(const config::Config& cfg, int family) {
  for (const auto& link : cfg.links) {
    if (!link.peer || link.peer->family != family) continue;
    bool on_vip_lan = std::any_of(cfg.vips.begin(), cfg.vips.end(), [&](const config::Vip& v) {
      return v.interface == link.interface && v.address.address.family == family;
    });
    if (on_vip_lan) return link.peer;
  }
  return std::nullopt;
}

bool forwards_on_handover(const config::Config& cfg, const config::VirtualServer& vs) {
  // The peer must own the service's address once staged: a VIP. (A fwmark
  // service's addresses are not known here.)
  if (vs.reals.empty() || !vs.address) return false;
  bool on_vip = std::any_of(cfg.vips.begin(), cfg.vips.end(),
                            [&](const config::Vip& v) { return v.address.address == vs.address->address; });
  if (!on_vip) return false;
  bool all_dr = std::all_of(vs.reals.begin(), vs.reals.end(), [&](const config::RealServer& r) {
    return r.forwarding.value_or(vs.forwarding) == config::ForwardingMethod::dr;
  });
  return all_dr && handover_peer_address(cfg, vs.family).has_value();
}

config::Duration handover_forward_stage(const config::Config& cfg, const std::string* group) {
  bool any = std::any_of(cfg.virtual_servers.begin(), cfg.virtual_servers.end(), [&](const config::VirtualServer& vs) {
    return (!group || vs.group == *group) && forwards_on_handover(cfg, vs);
  });
  if (!any) return config::Duration(0);
  return cfg.sync ? config::Duration(3000) : config::Duration(200);
}

std::vector<config::Duration> handover_forward_stages(const config::Config& cfg) {
  std::vector<config::Duration> out;
  for (const auto& g : cfg.groups) out.push_back(handover_forward_stage(cfg, &g.name));
  return out;
}

Handover handover_targets(const config::Config& cfg, const std::set<std::string>* groups) {
  Handover targets;
  for (const auto& vs : cfg.virtual_servers) {
    const bool handed = !groups || groups->count(vs.group) > 0;
    targets.push_back(handed && forwards_on_handover(cfg, vs) ? handover_peer_address(cfg, vs.family) : std::nullopt);
  }
  return targets;
}

}  // namespace tandem::ipvs
