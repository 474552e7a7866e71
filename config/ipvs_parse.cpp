#include "config/ipvs_parse.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

#include "config/check_parse.hpp"
#include "config/names.hpp"

namespace tandem::config::detail {
namespace {

constexpr std::array<Choice<int>, 2> kFamilies = {{{"ipv4", AF_INET}, {"ipv6", AF_INET6}}};
constexpr std::array<Choice<Protocol>, 3> kProtocols = {
    {{"tcp", Protocol::tcp}, {"udp", Protocol::udp}, {"sctp", Protocol::sctp}}};
constexpr std::array<Choice<ForwardingMethod>, 3> kForwardings = {
    {{"nat", ForwardingMethod::nat}, {"dr", ForwardingMethod::dr}, {"tun", ForwardingMethod::tun}}};
constexpr std::array<Choice<TunnelType>, 3> kTunnelTypes = {
    {{"ipip", TunnelType::ipip}, {"gue", TunnelType::gue}, {"gre", TunnelType::gre}}};
constexpr std::array<Choice<OnFailure>, 2> kOnFailures = {
    {{"quiesce", OnFailure::quiesce}, {"remove", OnFailure::remove}}};

constexpr std::int64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();

std::string_view family_name(int family) { return family == AF_INET6 ? "IPv6" : "IPv4"; }

}  // namespace

EndpointText split_endpoint(std::string_view text) {
  EndpointText out;
  std::string_view host = text;
  std::string_view port;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      out.problem = quoted(text) + " has no closing \"]\"";
      return out;
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        out.problem = quoted(text) + " must be written \"[ADDRESS]:PORT\"";
        return out;
      }
      port = rest.substr(1);
      has_port = true;
    }
    const auto address = IpAddress::parse(host);
    if (!address || !address->is_v6()) {
      out.problem = address ? "brackets are for IPv6 addresses; write " +
                                  quoted(std::string(host) + (has_port ? ":" + std::string(port) : ""))
                            : quoted(host) + " is not an IPv6 address";
      return out;
    }
    out.address = address;
  } else if (auto whole = IpAddress::parse(text)) {
    out.address = whole;  // no port
    return out;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      out.problem = quoted(text) + " is not an IPv4 or IPv6 address";
      return out;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    has_port = true;
    if (host.find(':') != std::string_view::npos) {
      out.problem = quoted(text) +
                    " is not an address; an IPv6 address with a port is written "
                    "\"[2001:db8::1]:80\"";
      return out;
    }
    out.address = IpAddress::parse(host);
    if (!out.address) {
      out.problem = quoted(host) + " is not an IPv4 or IPv6 address";
      return out;
    }
  }
  if (has_port) {
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      out.address.reset();
      out.problem = "port " + quoted(port) + " is not a number 0..65535";
      return out;
    }
    std::uint32_t value = 0;
    for (char c : port) value = value * 10 + static_cast<std::uint32_t>(c - '0');
    out.port = value;
  }
  return out;
}

namespace {

// An address and the port written with it, if any.
struct EndpointSpec {
  IpAddress address;
  std::optional<std::uint16_t> port;
};

// What the virtual server a real (or fallback) belongs to is known to be;
// anything unknown had an error of its own and is not checked against.
struct ServiceFacts {
  std::string name;                            // "TCP 10.0.0.100:80"
  int family = 0;                              // 0: unknown
  std::uint16_t port = 0;                      // valid when family != 0
  std::optional<ForwardingMethod> forwarding;  // unknown when in error
  std::optional<TunnelType> tunnel_type;
  std::optional<std::uint16_t> tunnel_port;  // unknown when in error; 0 = unset
};

class IpvsReader {
 public:
  explicit IpvsReader(TomlReader& reader) : r_(reader) {}

  // An address with an optional port. For a virtual server (`service`) the
  // port is required and may be 0; otherwise it may be left out, and 0 is
  // not a port.
  Field<EndpointSpec> endpoint_field(const Scope& scope, std::string_view key, bool service) {
    Field<EndpointSpec> f{scope.find(key)};
    if (!f.node) return f;
    const std::string name = scope.key(key);
    const auto* s = f.node->as_string();
    if (!s) {
      r_.type_error(scope, key, *f.node,
                    service ? "an address with a port, e.g. \"10.0.0.100:80\""
                            : "an address with an optional port, e.g. \"10.0.0.11:80\"");
      return f;
    }
    const std::string_view text = s->get();
    const EndpointText parsed = split_endpoint(text);
    if (!parsed.address) {
      r_.error(f.where(), name + ": " + parsed.problem);
      return f;
    }
    if (!parsed.port) {
      if (service) {
        const std::string example =
            parsed.address->is_v6() ? "[" + parsed.address->str() + "]:80" : parsed.address->str() + ":80";
        r_.error(f.where(), name + ": " + quoted(text) + " needs a port, e.g. " + quoted(example));
        return f;
      }
      f.value = EndpointSpec{*parsed.address, std::nullopt};
      return f;
    }
    const std::uint32_t min = service ? 0 : 1;
    if (*parsed.port < min || *parsed.port > 65535) {
      r_.error(f.where(), name + " port " + std::to_string(*parsed.port) + " is out of range " +
                              std::to_string(min) + "..65535" +
                              (service ? "" : "; leave the port out to use the virtual server's"));
      return f;
    }
    f.value = EndpointSpec{*parsed.address, static_cast<std::uint16_t>(*parsed.port)};
    return f;
  }

  using ServiceKeyV = std::tuple<Protocol, IpAddress, std::uint16_t>;
  using FwmarkKey = std::pair<std::uint32_t, int>;

  void read_virtual_servers(const toml::table& root, std::vector<VirtualServer>& out) {
    std::map<ServiceKeyV, int> first_service;  // (protocol, address, port) -> line
    std::map<FwmarkKey, int> first_fwmark;     // (fwmark, family) -> line
    for (const auto* table : r_.section_array(root, "virtual_server")) {
      VirtualServer vs;
      read_virtual_server(Scope{table, "virtual_server", true}, vs, first_service, first_fwmark);
      out.push_back(std::move(vs));
    }
  }

  void read_virtual_server(const Scope& s, VirtualServer& vs, std::map<ServiceKeyV, int>& first_service,
                           std::map<FwmarkKey, int>& first_fwmark) {
    r_.check_keys(s, kVirtualServerKeys,
                  "; the tables in [[virtual_server]] are [virtual_server.check] and [[virtual_server.real]]");
    const auto address = endpoint_field(s, "address", true);
    const auto fwmark = r_.integer_field(s, "fwmark", 1, kMaxU32);
    const auto family = r_.choice_field(s, "family", kFamilies);
    const auto protocol = r_.choice_field(s, "protocol", kProtocols);
    const auto forwarding = r_.choice_field(s, "forwarding", kForwardings);
    const auto tunnel_type = r_.choice_field(s, "tunnel_type", kTunnelTypes);
    const auto tunnel_port = r_.integer_field(s, "tunnel_port", 1, 65535);
    const auto on_failure = r_.choice_field(s, "on_failure", kOnFailures);
    if (protocol.value) vs.protocol = *protocol.value;
    if (forwarding.value) vs.forwarding = *forwarding.value;
    if (tunnel_type.value) vs.tunnel_type = *tunnel_type.value;
    if (tunnel_port.value) vs.tunnel_port = static_cast<std::uint16_t>(*tunnel_port.value);
    if (on_failure.value) vs.on_failure = *on_failure.value;

    // Which service this is: address or fwmark, exactly one.
    bool identity_known = false;
    if (address.node && fwmark.node) {
      r_.error(fwmark.where(), "virtual_server has both address and fwmark; set one of the two");
    } else if (!address.node && !fwmark.node) {
      r_.error(s.where(),
               "virtual_server needs address = \"ADDRESS:PORT\" (e.g. \"10.0.0.100:80\") or "
               "fwmark = MARK");
    } else if (address.value) {
      vs.address = Endpoint{address.value->address, *address.value->port};
      vs.family = address.value->address.family;
      identity_known = true;
      if (family.node && !family.bad())
        r_.error(family.where(), "virtual_server.family is only for fwmark services; the address " +
                                     vs.address->address.str() + " is " +
                                     std::string(family_name(vs.family)));
    } else if (fwmark.value) {
      vs.fwmark = static_cast<std::uint32_t>(*fwmark.value);
      if (!family.bad()) {
        vs.family = family.value.value_or(AF_INET);
        identity_known = true;
      }
    }

    const auto persistence = r_.duration_field(s, "persistence");
    bool persistence_ok = !persistence.bad();
    if (persistence.value) {
      const auto ms = persistence.value->count();
      if (ms % 1000 != 0) {
        r_.error(persistence.where(), "virtual_server.persistence " + format_duration(*persistence.value) +
                                          " must be whole seconds");
        persistence_ok = false;
      } else if (ms / 1000 > kMaxU32) {
        r_.error(persistence.where(), "virtual_server.persistence " + format_duration(*persistence.value) +
                                          " is longer than " + std::to_string(kMaxU32) + "s");
        persistence_ok = false;
      } else {
        vs.persistence = *persistence.value;
      }
    }
    const bool persistent = vs.persistence.count() > 0;
    if (vs.address && vs.address->port == 0 && persistence_ok && !persistent)
      r_.error(address.where(),
               "virtual_server.address port 0 (every port) is only for persistent "
               "services; give the service's port or set persistence");

    vs.persistence_netmask = vs.family == AF_INET6 ? 128 : 0xffffffffu;
    if (const toml::node* netmask = s.find("persistence_netmask"); netmask && identity_known)
      read_persistence_netmask(*netmask, vs, persistence_ok);

    const auto scheduler = r_.string_field(s, "scheduler");
    bool scheduler_ok = !scheduler.bad();
    if (scheduler.value) {
      const auto known = ipvs_schedulers();
      if (std::find(known.begin(), known.end(), *scheduler.value) != known.end()) {
        vs.scheduler = *scheduler.value;
      } else {
        scheduler_ok = false;
        r_.error(scheduler.where(), "virtual_server.scheduler " + quoted(*scheduler.value) +
                                        " is not an IPVS scheduler; use one of " + one_of(known) +
                                        suggestion(*scheduler.value, known));
      }
    }
    read_scheduler_flags(s, vs, scheduler_ok, !protocol.bad());

    ServiceFacts facts;
    facts.name = describe(vs);
    if (identity_known) {
      facts.family = vs.family;
      facts.port = vs.address ? vs.address->port : 0;
    }
    if (!forwarding.bad()) facts.forwarding = vs.forwarding;
    if (!tunnel_type.bad()) facts.tunnel_type = vs.tunnel_type;
    if (!tunnel_port.bad()) facts.tunnel_port = vs.tunnel_port;

    const auto fallback = endpoint_field(s, "fallback", false);
    if (fallback.value) vs.fallback = check_fallback(fallback, facts);

    const CheckFacts check = read_check(r_, s, vs.check);

    bool real_uses_tun = false;
    std::map<std::pair<IpAddress, std::uint16_t>, int> first_real;  // (address, port) -> line
    for (const auto* table : r_.section_array(*s.table, "real", "virtual_server.real")) {
      RealServer real;
      read_real(Scope{table, "virtual_server.real", true}, facts, check, first_real, real);
      real_uses_tun = real_uses_tun || real.forwarding == ForwardingMethod::tun;
      vs.reals.push_back(std::move(real));
    }

    check_vs_tunnel(tunnel_type, tunnel_port, vs, !forwarding.bad(), real_uses_tun);

    // Two virtual servers for one kernel service.
    if (identity_known && vs.address && !protocol.bad()) {
      const ServiceKeyV key{vs.protocol, vs.address->address, vs.address->port};
      if (auto [it, fresh] = first_service.emplace(key, address.where().line); !fresh)
        r_.error(address.where(), "virtual_server " + facts.name + " is defined twice (first on line " +
                                      std::to_string(it->second) + ")");
    } else if (identity_known && !vs.address) {
      if (auto [it, fresh] = first_fwmark.emplace(FwmarkKey{vs.fwmark, vs.family}, fwmark.where().line);
          !fresh)
        r_.error(fwmark.where(), "virtual_server " + facts.name + " is defined twice (first on line " +
                                     std::to_string(it->second) + ")");
    }
  }

  // IPv4: a dotted mask; IPv6: a prefix length. Only with persistence.
  void read_persistence_netmask(const toml::node& node, VirtualServer& vs, bool persistence_ok) {
    const Position where = at(node.source());
    const std::string name = "virtual_server.persistence_netmask";
    if (vs.family == AF_INET6) {
      const auto* i = node.as_integer();
      if (!i) {
        r_.error(where, name + " must be a prefix length 1..128 for an IPv6 service, not " +
                            std::string(type_name(node.type())));
        return;
      }
      if (i->get() < 1 || i->get() > 128) {
        r_.error(where, name + " " + std::to_string(i->get()) + " is out of range 1..128");
        return;
      }
      vs.persistence_netmask = static_cast<std::uint32_t>(i->get());
    } else {
      const auto* text = node.as_string();
      if (!text) {
        r_.error(where, name + " must be a dotted mask such as \"255.255.255.0\" for an IPv4 service, not " +
                            std::string(type_name(node.type())));
        return;
      }
      if (!IpAddress::parse(text->get()) || !IpAddress::parse(text->get())->is_v4()) {
        r_.error(where,
                 name + ": " + quoted(text->get()) + " is not an IPv4 netmask such as \"255.255.255.0\"");
        return;
      }
      const auto length = ipv4_netmask_length(text->get());
      if (!length || *length == 0) {
        r_.error(where, name + " " + quoted(text->get()) +
                            " is not a netmask: it needs one or more leading ones, then only zeros, e.g. "
                            "\"255.255.255.0\"");
        return;
      }
      vs.persistence_netmask = *length == 32 ? 0xffffffffu : ~(0xffffffffu >> *length);
    }
    if (persistence_ok && vs.persistence.count() == 0)
      r_.error(where, name + " applies only to persistent services; set persistence as well");
  }

  void read_scheduler_flags(const Scope& s, VirtualServer& vs, bool scheduler_ok, bool protocol_ok) {
    const toml::node* node = s.find("scheduler_flags");
    if (!node) return;
    const auto* array = node->as_array();
    if (!array) {
      r_.type_error(s, "scheduler_flags", *node, "an array of strings, e.g. [\"sh-port\"]");
      return;
    }
    const std::string name = "virtual_server.scheduler_flags";
    const auto known = ipvs_scheduler_flags();
    for (const auto& element : *array) {
      const Position where = at(element.source());
      const auto* text = element.as_string();
      if (!text) {
        r_.error(where, name + ": each flag must be a string, not " + std::string(type_name(element.type())));
        continue;
      }
      const std::string& flag = text->get();
      if (std::find(known.begin(), known.end(), flag) == known.end()) {
        r_.error(where, name + ": " + quoted(flag) + " is not a scheduler flag; use " + one_of(known, "\"") +
                            suggestion(flag, known));
        continue;
      }
      if (std::find(vs.scheduler_flags.begin(), vs.scheduler_flags.end(), flag) != vs.scheduler_flags.end()) {
        r_.error(where, name + ": " + quoted(flag) + " is listed twice");
        continue;
      }
      const std::string_view prefix = std::string_view(flag).substr(0, 3);  // "sh-", "mh-", "ops"
      if ((prefix == "sh-" || prefix == "mh-") && scheduler_ok && vs.scheduler != flag.substr(0, 2)) {
        r_.error(where, name + ": " + quoted(flag) + " is only for scheduler = \"" + flag.substr(0, 2) +
                            "\", not " + quoted(vs.scheduler));
        continue;
      }
      if (flag == "ops" && protocol_ok && vs.protocol != Protocol::udp) {
        r_.error(where, name + ": \"ops\" (one-packet scheduling) is only for protocol = \"udp\", not " +
                            quoted(name_of(vs.protocol)));
        continue;
      }
      vs.scheduler_flags.push_back(flag);
    }
  }

  // The family and port rules of a real server: `f` holds what its address
  // wrote, `forwarding` the method it is reached by. Returns the port the
  // kernel is given, or nothing after an error.
  std::optional<std::uint16_t> check_destination(const std::string& name, const Field<EndpointSpec>& f,
                                                 const ServiceFacts& vs, ForwardingMethod forwarding) {
    const EndpointSpec& spec = *f.value;
    if (spec.address.family != vs.family && forwarding != ForwardingMethod::tun) {
      r_.error(f.where(), name + " " + spec.address.str() + " is " +
                              std::string(family_name(spec.address.family)) + " but the virtual server " +
                              vs.name + " is " + std::string(family_name(vs.family)) +
                              "; mixing address families needs forwarding = \"tun\"");
      return std::nullopt;
    }
    const std::string method(name_of(forwarding));
    if (forwarding == ForwardingMethod::nat) {
      if (!spec.port && vs.port == 0) {
        r_.error(f.where(), name + " " + spec.address.str() + " needs a port: nat forwarding for " + vs.name +
                                ", which has no port of its own, must name the real server's port");
        return std::nullopt;
      }
      return spec.port.value_or(vs.port);
    }
    if (spec.port && *spec.port != vs.port) {
      if (vs.port == 0)
        r_.error(f.where(), name + " port " + std::to_string(*spec.port) + ": " + method +
                                " forwarding for " + vs.name +
                                " keeps each packet's port, so the real server takes no port; "
                                "leave it out, or use forwarding = \"nat\"");
      else
        r_.error(f.where(), name + " port " + std::to_string(*spec.port) + " differs from the virtual port " +
                                std::to_string(vs.port) + "; " + method +
                                " forwarding cannot change the port: "
                                "leave it out, or use forwarding = \"nat\"");
      return std::nullopt;
    }
    return vs.port;
  }

  // The sorry server: the virtual server's family unless it forwards by tun.
  // Its port may differ from the virtual port (it is then reached by nat,
  // which cannot cross address families).
  std::optional<Endpoint> check_fallback(const Field<EndpointSpec>& fallback, const ServiceFacts& vs) {
    const EndpointSpec& spec = *fallback.value;
    const Endpoint out{spec.address, spec.port.value_or(vs.port)};
    if (vs.family == 0 || !vs.forwarding || spec.address.family == vs.family) return out;
    const std::string mixing = "virtual_server.fallback " + spec.address.str() + " is " +
                               std::string(family_name(spec.address.family)) + " but the virtual server " +
                               vs.name + " is " + std::string(family_name(vs.family));
    if (*vs.forwarding != ForwardingMethod::tun)
      r_.error(fallback.where(), mixing + "; mixing address families needs forwarding = \"tun\"");
    else if (out.port != vs.port)
      r_.error(fallback.where(), mixing + ", and its port " + std::to_string(out.port) +
                                     " differs from the virtual port " + std::to_string(vs.port) +
                                     ", which only nat can reach; nat cannot cross address families");
    return out;
  }

  void read_real(const Scope& s, const ServiceFacts& vs, const CheckFacts& check,
                 std::map<std::pair<IpAddress, std::uint16_t>, int>& first_real, RealServer& real) {
    r_.check_keys(s, kRealKeys, "; the only table in [[virtual_server.real]] is [virtual_server.real.check]");
    const auto address = endpoint_field(s, "address", false);
    const auto weight = r_.integer_field(s, "weight", 0, 65535);
    const auto forwarding = r_.choice_field(s, "forwarding", kForwardings);
    const auto tunnel_type = r_.choice_field(s, "tunnel_type", kTunnelTypes);
    const auto tunnel_port = r_.integer_field(s, "tunnel_port", 1, 65535);
    const auto upper = r_.integer_field(s, "upper_threshold", 0, kMaxU32);
    const auto lower = r_.integer_field(s, "lower_threshold", 0, kMaxU32);
    if (weight.value) real.weight = static_cast<int>(*weight.value);
    real.forwarding = forwarding.value;
    real.tunnel_type = tunnel_type.value;
    if (tunnel_port.value) real.tunnel_port = static_cast<std::uint16_t>(*tunnel_port.value);
    if (upper.value) real.upper_threshold = static_cast<std::uint32_t>(*upper.value);
    if (lower.value) real.lower_threshold = static_cast<std::uint32_t>(*lower.value);
    if (upper.value && lower.value && real.upper_threshold > 0 && real.lower_threshold > real.upper_threshold)
      r_.error(lower.where(), "virtual_server.real.lower_threshold " + std::to_string(real.lower_threshold) +
                                  " must not exceed upper_threshold " + std::to_string(real.upper_threshold));

    // The method this real is reached by: its own, else the virtual server's.
    std::optional<ForwardingMethod> method = forwarding.node ? forwarding.value : vs.forwarding;

    if (!address.node) r_.required(s, "address", ", e.g. address = \"10.0.0.11:80\"");
    bool port_known = false;  // real.port is what the kernel is given
    if (address.value) {
      real.address = address.value->address;
      real.port = address.value->port.value_or(vs.port);
      if (vs.family != 0 && method) {
        if (auto port = check_destination("virtual_server.real.address", address, vs, *method)) {
          real.port = *port;
          port_known = true;
          const auto key = std::make_pair(real.address, real.port);
          if (auto [it, fresh] = first_real.emplace(key, address.where().line); !fresh)
            r_.error(address.where(), "real server " + endpoint_text(real.address, real.port) + " of " +
                                          vs.name + " is listed twice (first on line " +
                                          std::to_string(it->second) + ")");
        }
      }
    }

    read_check_override(r_, s, check, real.port, port_known,
                        "virtual_server.real " + (real.port ? endpoint_text(real.address, real.port)
                                                            : real.address.str()),
                        real.check);

    // Tunnel settings: only for tun, and the port only for GUE (which needs one).
    if (!method) return;
    if (*method != ForwardingMethod::tun) {
      for (const auto* f : {&tunnel_type.node, &tunnel_port.node}) {
        if (!*f) continue;
        const bool is_type = f == &tunnel_type.node;
        if (is_type ? tunnel_type.bad() : tunnel_port.bad()) continue;
        r_.error(at((*f)->source()), std::string("virtual_server.real.") +
                                         (is_type ? "tunnel_type" : "tunnel_port") +
                                         " is only for forwarding = \"tun\"; this real server uses " +
                                         std::string(name_of(*method)));
      }
      return;
    }
    if (tunnel_type.bad() || !vs.tunnel_type) return;
    const TunnelType type = tunnel_type.value.value_or(*vs.tunnel_type);
    if (tunnel_port.value && type != TunnelType::gue) {
      r_.error(
          tunnel_port.where(),
          "virtual_server.real.tunnel_port is only for tunnel_type = \"gue\", not " + quoted(name_of(type)));
    } else if (tunnel_type.value == TunnelType::gue && !tunnel_port.node && vs.tunnel_port == 0) {
      r_.error(tunnel_type.where(),
               "virtual_server.real.tunnel_type \"gue\" needs tunnel_port, the UDP port "
               "of the real server's GUE receiver");
    }
  }

  // The virtual server's tunnel_type and tunnel_port are defaults for its
  // tun reals: an error when nothing uses tun, and the port is for GUE only.
  void check_vs_tunnel(const Field<TunnelType>& tunnel_type, const Field<std::int64_t>& tunnel_port,
                       const VirtualServer& vs, bool forwarding_ok, bool real_uses_tun) {
    if (!forwarding_ok) return;
    if (vs.forwarding != ForwardingMethod::tun && !real_uses_tun) {
      if (tunnel_type.value)
        r_.error(tunnel_type.where(),
                 "virtual_server.tunnel_type is only for forwarding = \"tun\", and neither "
                 "this virtual server nor any of its real servers uses tun");
      if (tunnel_port.value)
        r_.error(tunnel_port.where(),
                 "virtual_server.tunnel_port is only for forwarding = \"tun\", and neither "
                 "this virtual server nor any of its real servers uses tun");
      return;
    }
    if (tunnel_type.bad()) return;
    if (tunnel_port.value && vs.tunnel_type != TunnelType::gue)
      r_.error(tunnel_port.where(), "virtual_server.tunnel_port is only for tunnel_type = \"gue\", not " +
                                        quoted(name_of(vs.tunnel_type)));
    else if (vs.tunnel_type == TunnelType::gue && !tunnel_port.node)
      r_.error(tunnel_type.where(),
               "virtual_server.tunnel_type \"gue\" needs tunnel_port, the UDP port of the "
               "real servers' GUE receivers");
  }

  void read_sync(const Scope& s, std::optional<SyncSection>& out) {
    if (!s.table) return;
    r_.check_keys(s, kSyncKeys);
    SyncSection sync;
    const auto interface = r_.string_field(s, "interface");
    if (!interface.node)
      r_.required(s, "interface", ": the interface the sync daemon sends and receives on, e.g. \"eth1\"");
    else if (interface.value) {
      sync.interface = *interface.value;
      if (auto problem = interface_problem(sync.interface))
        r_.error(interface.where(), "sync.interface " + *problem);
    }
    const auto syncid = r_.integer_field(s, "syncid", 0, 255);
    if (!syncid.node) r_.required(s, "syncid", ": 0..255, the same on both directors, e.g. syncid = 1");
    if (syncid.value) sync.syncid = static_cast<std::uint32_t>(*syncid.value);
    const auto group = r_.address_field(s, "group");
    if (group.value) {
      sync.group = group.value;
      if (!group.value->is_multicast())
        r_.error(group.where(), "sync.group " + group.value->str() +
                                    " is not a multicast address (224.0.0.0/4 or ff00::/8)");
    }
    if (auto port = r_.integer_field(s, "port", 1, 65535); port.value)
      sync.port = static_cast<std::uint16_t>(*port.value);
    if (auto maxlen = r_.integer_field(s, "maxlen", 1, 65535); maxlen.value)
      sync.maxlen = static_cast<std::uint16_t>(*maxlen.value);
    if (auto ttl = r_.integer_field(s, "ttl", 1, 255); ttl.value)
      sync.ttl = static_cast<std::uint8_t>(*ttl.value);
    out = std::move(sync);
  }

 private:
  TomlReader& r_;
};

}  // namespace

void read_virtual_servers(TomlReader& reader, const toml::table& root, std::vector<VirtualServer>& out) {
  IpvsReader(reader).read_virtual_servers(root, out);
}

void read_sync(TomlReader& reader, const Scope& scope, std::optional<SyncSection>& out) {
  IpvsReader(reader).read_sync(scope, out);
}

}  // namespace tandem::config::detail
