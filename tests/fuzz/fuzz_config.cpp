// Fuzz target for tandem.toml: TOML parsing, validation and diagnostics
// (SPEC "Configuration (TOML)"), virtual servers, health checks and [sync]
// included. Each input is one whole file. Beyond not crashing, it checks the
// contract: a Config comes back exactly when there are no errors, every
// diagnostic names the file, and an accepted Config holds what validation
// promises.
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "config/config.hpp"

namespace {

using namespace tandem::config;

void require(bool condition) {
  if (!condition) std::abort();
}

void check_duration(Duration d) {
  require(d.count() >= 0);
  const auto again = parse_duration(format_duration(d));
  require(again.value && *again.value == d);
}

bool contains(std::span<const std::string_view> names, const std::string& name) {
  for (auto n : names)
    if (n == name) return true;
  return false;
}

// What validation promises about an accepted health check.
void check_health_check(const Check& check) {
  if (check.type == Check::Type::none) {
    require(check == Check{.type = Check::Type::none});
    return;
  }
  require(check.interval.count() > 0 && check.timeout.count() > 0 && check.timeout <= check.interval);
  check_duration(check.interval);
  check_duration(check.timeout);
  require(check.rise >= 1 && check.rise <= 100 && check.fall >= 1 && check.fall <= 100);
  require(check.max_response >= 1 && check.max_response <= 1048576);
  require(!check.request.empty() && check.request.front() == '/');
  require(check.method == "GET" || check.method == "HEAD");
  require(!check.expect_status.empty());
  const bool sends = check.type == Check::Type::send_expect || check.type == Check::Type::udp;
  if (sends) require(!check.receive.empty());
  if (!sends) require(check.send.empty());
  if (check.type == Check::Type::external)
    require(!check.command.empty() && !check.command[0].empty() && check.command[0].front() == '/');
  else
    require(check.command.empty());
  if (check.type != Check::Type::https) require(!check.verify_tls);
  if (check.method == "HEAD") require(check.receive.empty());
}

// What validation promises about each accepted virtual server and its reals.
void check_virtual_servers(const Config& c) {
  std::set<std::tuple<Protocol, IpAddress, std::uint16_t>> services;
  std::set<std::pair<std::uint32_t, int>> fwmarks;
  for (const auto& vs : c.virtual_servers) {
    require(vs.address.has_value() != (vs.fwmark != 0));
    require(vs.family == AF_INET || vs.family == AF_INET6);
    if (vs.address) {
      require(vs.address->address.family == vs.family);
      require(vs.address->port != 0 || vs.persistence.count() > 0);
      require(services.emplace(vs.protocol, vs.address->address, vs.address->port).second);
    } else {
      require(fwmarks.emplace(vs.fwmark, vs.family).second);
    }
    const std::uint16_t vport = vs.address ? vs.address->port : 0;
    if (vs.check) check_health_check(*vs.check);
    require(contains(ipvs_schedulers(), vs.scheduler));
    std::set<std::string> flags;
    for (const auto& f : vs.scheduler_flags) {
      require(contains(ipvs_scheduler_flags(), f) && flags.insert(f).second);
      if (f == "ops") require(vs.protocol == Protocol::udp);
      if (f != "ops") require(vs.scheduler == f.substr(0, 2));
    }
    check_duration(vs.persistence);
    require(vs.persistence.count() % 1000 == 0);
    if (vs.family == AF_INET6) {
      require(vs.persistence_netmask >= 1 && vs.persistence_netmask <= 128);
    } else {
      const std::uint32_t host_bits = ~vs.persistence_netmask;
      require(vs.persistence_netmask != 0 && (host_bits & (host_bits + 1)) == 0);
    }
    require((vs.tunnel_type == TunnelType::gue) == (vs.tunnel_port != 0));
    if (vs.fallback) {
      require(vs.fallback->port != 0 || vport == 0);
      if (vs.fallback->address.family != vs.family) require(vs.forwarding == ForwardingMethod::tun);
    }
    std::set<std::pair<IpAddress, std::uint16_t>> dests;
    for (const auto& real : vs.reals) {
      const ForwardingMethod method = forwarding_of(vs, real);
      require(real.weight >= 0 && real.weight <= 65535);
      if (real.upper_threshold > 0) require(real.lower_threshold <= real.upper_threshold);
      if (real.address.family != vs.family) require(method == ForwardingMethod::tun);
      if (method == ForwardingMethod::nat)
        require(real.port != 0);
      else
        require(real.port == vport);
      if (real.tunnel_type || real.tunnel_port) require(method == ForwardingMethod::tun);
      if (method == ForwardingMethod::tun && tunnel_type_of(vs, real) == TunnelType::gue)
        require(tunnel_port_of(vs, real) != 0);
      require(dests.emplace(real.address, real.port).second);
      if (real.check) require(vs.check.has_value());
      if (const auto effective = check_of(vs, real)) {
        check_health_check(*effective);
        const bool probes = effective->type != Check::Type::none && effective->type != Check::Type::external;
        if (probes) require(effective->port != 0);
      }
    }
  }
}

void check_accepted(const Config& c) {
  require(!c.node.name.empty() && c.node.name.size() <= 64);
  require(c.node.priority >= 0 && c.node.priority <= 65535);
  require(!c.cluster.peer.empty() && c.cluster.peer != c.node.name);
  require(c.cluster.preferred.empty() || c.cluster.preferred == c.node.name ||
          c.cluster.preferred == c.cluster.peer);
  require(c.cluster.interval.count() > 0);
  require(c.cluster.deadtime > 2 * c.cluster.interval);
  require(c.cluster.warntime < c.cluster.deadtime);
  require(c.cluster.initdead >= c.cluster.deadtime);
  require(c.cluster.port != 0);
  for (Duration d : {c.cluster.interval, c.cluster.deadtime, c.cluster.warntime, c.cluster.initdead,
                     c.garp.interval, c.garp.refresh})
    check_duration(d);
  require(!c.links.empty());
  for (const auto& link : c.links) {
    require(!link.name.empty() && !link.interface.empty());
    require(link.peer.has_value() != link.group.has_value());
    if (link.peer) require(!link.peer->is_multicast());
    if (link.group) require(link.group->is_multicast());
  }
  for (const auto& vip : c.vips) {
    require(!vip.interface.empty());
    require(vip.address.length >= 0 && vip.address.length <= (vip.address.address.is_v4() ? 32 : 128));
    require(IpPrefix::parse(vip.address.str()) == vip.address);
    if (!vip.label.empty()) require(vip.address.address.is_v4() && vip.label.size() <= 15);
  }
  require(c.garp.count >= 0 && c.garp.count <= 100);
  check_virtual_servers(c);
  if (c.sync) {
    require(!c.sync->interface.empty() && c.sync->interface.size() <= 15);
    require(c.sync->syncid <= 255);
    if (c.sync->group) require(c.sync->group->is_multicast());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string path = "fuzz.toml";
  const auto result = parse_config(text, path, ParseOptions{"d1"});
  require(result.config.has_value() == result.errors.empty());
  for (const auto& e : result.errors) {
    require(e.file == path && !e.message.empty());
    require(e.line >= 0 && e.column >= 0);
    require(e.format().compare(0, path.size(), path) == 0);
  }
  if (result.config) {
    require(result.config->path == path);
    check_accepted(*result.config);
  }
  return 0;
}
