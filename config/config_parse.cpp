// TOML -> Config (SPEC "Configuration (TOML)"). Every problem is collected,
// located at the key or value it concerns, and reported together; nothing
// stops at the first error. [[virtual_server]] and [sync] are read by ipvs_parse.cpp,
// the failover groups with their VIPs and resources by group_parse.cpp,
// typed values by toml_reader.cpp; only these files include toml++.
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>

#include "config/check_parse.hpp"
#include "config/config.hpp"
#include "config/group_parse.hpp"
#include "config/ipvs_parse.hpp"
#include "config/track_parse.hpp"
#include "config/names.hpp"
#include "config/text_file.hpp"
#include "config/toml_reader.hpp"

namespace tandem::config::detail {
namespace {

constexpr std::size_t kMaxConfigBytes = 1024 * 1024;
constexpr std::int64_t kMaxGarpCount = 100;

// toml++ says "Error while parsing table header: expected ']', saw '\n'".
std::string syntax_message(std::string_view description) {
  constexpr std::string_view prefix = "Error while parsing ";
  if (description.substr(0, prefix.size()) == prefix)
    return "TOML syntax error in " + std::string(description.substr(prefix.size()));
  return "TOML syntax error: " + std::string(description);
}

constexpr std::array<std::string_view, 4> kNodeKeys = {"name", "priority", "realtime_priority", "lock_memory"};
constexpr std::array<std::string_view, 9> kClusterKeys = {
    "peer", "preferred", "auto_failback", "interval", "deadtime",
    "warntime", "initdead", "port", "authkeys"};
constexpr std::array<std::string_view, 4> kLinkKeys = {"name", "interface", "peer", "group"};
constexpr std::array<std::string_view, 3> kGarpKeys = {"count", "interval", "refresh"};
constexpr std::array<std::string_view, 2> kNotifyKeys = {"command", "timeout"};
constexpr std::array<std::string_view, 1> kMetricsKeys = {"listen"};
constexpr std::array<std::string_view, 3> kIpvsKeys = {"tcp_timeout", "tcpfin_timeout", "udp_timeout"};
constexpr std::array<std::string_view, 13> kSections = {"node",  "cluster", "link",  "vip",            "resource",
                                                        "group", "garp",    "track", "virtual_server", "sync",
                                                        "notify", "metrics", "ipvs"};
constexpr Duration kMaxNotifyTimeout = std::chrono::hours(1);

class ConfigParser : TomlReader {
 public:
  ConfigParser(const std::string& path, const ParseOptions& options)
      : TomlReader(path), path_(path), options_(options) {}

  ConfigResult run(std::string_view text) {
    Config config;
    config.path = path_;
    try {
      // Not const: the `group` of each [[virtual_server]] is taken out of its
      // table before the IPVS reader reads the rest (take_service_groups).
      toml::table root = toml::parse(text, std::string_view(path_));
      read(root, config);
    } catch (const toml::parse_error& e) {
      clear_errors();
      error(at(e.source()), syntax_message(e.description()));
    }
    ConfigResult result;
    result.errors = take_errors();
    if (!result.errors.empty()) return result;
    result.config = std::move(config);
    return result;
  }

 private:
  void read(toml::table& root, Config& config) {
    check_top_level(root);
    const bool node_name_ok = read_node(Scope{section_table(root, "node"), "node"}, config.node);
    const auto groups = group_tables(*this, root);
    const PairNames pair = read_cluster(Scope{section_table(root, "cluster"), "cluster"},
                                        node_name_ok ? &config.node.name : nullptr, !groups.empty(),
                                        config.cluster);
    read_links(root, config.links);
    read_groups(*this, root, groups, pair, config);
    read_garp(Scope{section_table(root, "garp"), "garp"}, config.garp);
    read_tracks(*this, root, config.tracks);
    const auto service_groups = take_service_groups(*this, root);
    read_virtual_servers(*this, root, config.virtual_servers);
    assign_service_groups(*this, service_groups, config);
    const Scope sync_scope{section_table(root, "sync"), "sync"};
    read_sync(*this, sync_scope, config.sync);
    check_sync_families(sync_scope, config);
    read_notify(Scope{section_table(root, "notify"), "notify"}, config.notify);
    read_metrics(Scope{section_table(root, "metrics"), "metrics"}, config.metrics);
    read_ipvs(Scope{section_table(root, "ipvs"), "ipvs"}, config.ipvs);
  }

  // The kernel refuses to run the sync daemon while any destination has
  // another address family than its service (NEW_DAEMON gives EINVAL), and
  // refuses such a destination while a sync daemon runs.
  void check_sync_families(const Scope& sync_scope, const Config& config) {
    if (!config.sync) return;
    for (const auto& vs : config.virtual_servers) {
      for (const auto& real : vs.reals) {
        // Only tun may mix families; any other mix was reported already.
        if (real.address.family == vs.family || forwarding_of(vs, real) != ForwardingMethod::tun) continue;
        error(sync_scope.where(), "[sync] cannot be used with real server " + real.address.str() +
                                      " of another address family than its virtual server " + describe(vs) +
                                      ": the kernel's sync daemon does not support mixed-family destinations");
        return;
      }
    }
  }

  // ---- structure -------------------------------------------------------

  void check_top_level(const toml::table& root) {
    for (auto&& [key, value] : root) {
      const std::string_view k = key.str();
      if (std::find(kSections.begin(), kSections.end(), k) != kSections.end()) continue;
      if (value.is_table()) {
        error(at(key.source()), "unknown table [" + std::string(k) + "]" +
                                    suggestion(k, kSections, "[", "]"));
      } else if (is_array_of_tables(value)) {
        error(at(key.source()), "unknown table [[" + std::string(k) + "]]" +
                                    suggestion(k, kSections, "[[", "]]"));
      } else {
        error(at(key.source()), "unknown key " + quoted(k) + " outside any table" + home_of(k));
      }
    }
  }

  // "; it belongs in [cluster]" for a key written before any table header.
  static std::string home_of(std::string_view key) {
    const std::pair<std::string_view, Keys> homes[] = {
        {"[node]", kNodeKeys}, {"[cluster]", kClusterKeys}, {"[[link]]", kLinkKeys},
        {"[[vip]]", kVipKeys}, {"[[resource]]", kResourceKeys}, {"[[group]]", kGroupKeys}, {"[garp]", kGarpKeys},
        {"[[track]]", kTrackKeys}, {"[[virtual_server]]", kVirtualServerKeys},
        {"[[virtual_server.real]]", kRealKeys}, {"[sync]", kSyncKeys}, {"[notify]", kNotifyKeys},
        {"[metrics]", kMetricsKeys}, {"[ipvs]", kIpvsKeys}};
    std::string where;
    for (const auto& [section, keys] : homes) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
      where += where.empty() ? "" : " or ";
      where += section;
    }
    if (where.empty())
      return "; settings go in [node], [cluster], [[link]], [[vip]], [[resource]], [[group]], [garp], [[track]], "
             "[[virtual_server]], [sync], [notify], [metrics] or [ipvs]";
    return "; it belongs in " + where;
  }

  // ---- sections ----------------------------------------------------------

  // Returns whether node.name is usable, so [cluster] can be checked against it.
  bool read_node(const Scope& s, NodeSection& node) {
    check_keys(s, kNodeKeys);
    if (auto priority = integer_field(s, "priority", 0, 65535); priority.value)
      node.priority = static_cast<int>(*priority.value);
    if (auto rt = integer_field(s, "realtime_priority", 0, 99); rt.value)
      node.realtime_priority = static_cast<int>(*rt.value);
    if (auto lock = bool_field(s, "lock_memory"); lock.value) node.lock_memory = *lock.value;
    const auto name = string_field(s, "name");
    if (name.bad()) return false;
    if (name.value) {
      node.name = *name.value;
      if (auto problem = node_name_problem(node.name)) {
        error(name.where(), "node.name " + *problem);
        return false;
      }
      return true;
    }
    node.name = options_.default_node_name;
    if (auto problem = node_name_problem(node.name)) {
      error({}, "node.name is not set and the host name " + quoted(node.name) + " " + *problem +
                    "; set name in [node]");
      return false;
    }
    return true;
  }

  // `node_name` is null when node.name is itself in error. With [[group]]
  // (`named_groups`), preferred and auto_failback are set in each group.
  // Returns the names a `preferred` may take.
  PairNames read_cluster(const Scope& s, const std::string* node_name, bool named_groups,
                         ClusterSection& cluster) {
    check_keys(s, kClusterKeys);
    const auto peer = string_field(s, "peer");
    if (!peer.node) {
      required(s, "peer", ": the other director's node name, e.g. peer = \"d2\" in [cluster]");
    } else if (peer.value) {
      cluster.peer = *peer.value;
      if (auto problem = node_name_problem(cluster.peer))
        error(peer.where(), "cluster.peer " + *problem);
      else if (node_name && cluster.peer == *node_name)
        error(peer.where(), "cluster.peer " + quoted(cluster.peer) +
                                " is this node's own name; set it to the other director's name");
    }
    const PairNames pair{node_name, peer.value ? &cluster.peer : nullptr};
    const auto preferred = string_field(s, "preferred");
    const auto auto_failback = bool_field(s, "auto_failback");
    if (named_groups) {
      for (std::string_view key : {"preferred", "auto_failback"})
        if (const toml::node* n = s.find(key))
          error(at(n->source()), s.key(key) + " cannot be used with [[group]]: set " + std::string(key) +
                                     " in each group");
    } else {
      if (preferred.value) {
        cluster.preferred = *preferred.value;
        check_preferred(*this, s, preferred, pair);
      }
      if (auto_failback.value) cluster.auto_failback = *auto_failback.value;
    }

    const auto interval = duration_field(s, "interval");
    const auto deadtime = duration_field(s, "deadtime");
    const auto warntime = duration_field(s, "warntime");
    const auto initdead = duration_field(s, "initdead");
    if (interval.value) cluster.interval = *interval.value;
    if (deadtime.value) cluster.deadtime = *deadtime.value;
    if (warntime.value) cluster.warntime = *warntime.value;
    if (initdead.value) cluster.initdead = *initdead.value;
    check_timing(s, interval, deadtime, warntime, initdead, cluster);

    if (auto port = integer_field(s, "port", 1, 65535); port.value)
      cluster.port = static_cast<std::uint16_t>(*port.value);
    if (auto authkeys = string_field(s, "authkeys"); authkeys.value) {
      if (authkeys.value->empty())
        error(authkeys.where(), "cluster.authkeys is empty; give the path of the authkeys file");
      else
        cluster.authkeys = *authkeys.value;
    }
    return pair;
  }

  // ha.cf's rules: deadtime must exceed 2 x keepalive; warntime and initdead
  // are measured against deadtime. Unset values take their defaults; a value
  // that is itself wrong has been reported and is not compared.
  void check_timing(const Scope& s, const Field<Duration>& interval, const Field<Duration>& deadtime,
                    const Field<Duration>& warntime, const Field<Duration>& initdead,
                    const ClusterSection& c) {
    if (interval.bad() || deadtime.bad() || warntime.bad() || initdead.bad()) return;
    auto where = [&](const Field<Duration>& f) { return f.node ? f.where() : s.where(); };
    if (c.interval.count() <= 0) {
      error(where(interval), "cluster.interval must be greater than 0s");
      return;
    }
    if (c.deadtime <= 2 * c.interval) {
      error(deadtime.node ? deadtime.where() : where(interval),
            "cluster.deadtime " + format_duration(c.deadtime) + " must exceed 2 x interval (2 x " +
                format_duration(c.interval) + " = " + format_duration(2 * c.interval) + ")");
    }
    if (c.warntime >= c.deadtime) {
      error(warntime.node ? warntime.where() : where(deadtime),
            "cluster.warntime " + format_duration(c.warntime) + " must be less than deadtime " +
                format_duration(c.deadtime));
    }
    if (c.initdead < c.deadtime) {
      error(initdead.node ? initdead.where() : where(deadtime),
            "cluster.initdead " + format_duration(c.initdead) + " must be at least deadtime " +
                format_duration(c.deadtime));
    }
  }

  void read_links(const toml::table& root, std::vector<Link>& links) {
    const auto tables = section_array(root, "link");
    const toml::node* node = root.get("link");
    if (!node) {
      error({}, "at least one [[link]] is required: the links heartbeats travel on");
      return;
    }
    if (tables.empty() && node->is_array() && node->as_array()->empty())
      error(at(node->source()), "at least one [[link]] is required: the links heartbeats travel on");
    std::map<std::string, int> first_line;  // link name -> line it was first named on
    for (const auto* table : tables) {
      const Scope s{table, "link", true};
      check_keys(s, kLinkKeys);
      Link link;
      const auto name = string_field(s, "name");
      if (!name.node) {
        required(s, "name", ": every [[link]] needs a unique name, e.g. name = \"public\"");
      } else if (name.value) {
        link.name = *name.value;
        if (link.name.empty()) {
          error(name.where(), "link.name is empty; give the link a unique name");
        } else if (auto [it, fresh] = first_line.emplace(link.name, name.where().line); !fresh) {
          error(name.where(), "link name " + quoted(link.name) + " is used twice (first on line " +
                                  std::to_string(it->second) + ")");
        }
      }
      const auto interface = string_field(s, "interface");
      if (!interface.node)
        required(s, "interface", ": the network interface the link sends on, e.g. \"eth1\"");
      else if (interface.value) {
        link.interface = *interface.value;
        if (auto problem = interface_problem(link.interface))
          error(interface.where(), "link.interface " + *problem);
      }
      const auto peer = address_field(s, "peer");
      const auto group = address_field(s, "group");
      link.peer = peer.value;
      link.group = group.value;
      if (peer.node && group.node) {
        error(group.where(),
              "link has both peer and group; set peer (unicast) or group (multicast), not both");
      } else if (!peer.node && !group.node) {
        error(s.where(), "link needs a destination: peer = \"ADDRESS\" (unicast) or group = "
                         "\"GROUP\" (multicast)");
      } else if (peer.value && peer.value->is_multicast()) {
        error(peer.where(), "link.peer " + peer.value->str() + " is a multicast address; write group = \"" +
                                peer.value->str() + "\" for multicast");
      } else if (group.value && !group.value->is_multicast()) {
        error(group.where(), "link.group " + group.value->str() +
                                 " is not a multicast address (224.0.0.0/4 or ff00::/8); use peer = "
                                 "\"" + group.value->str() + "\" for unicast");
      }
      links.push_back(std::move(link));
    }
  }

  void read_garp(const Scope& s, GarpSection& garp) {
    check_keys(s, kGarpKeys);
    if (auto count = integer_field(s, "count", 0, kMaxGarpCount); count.value)
      garp.count = static_cast<int>(*count.value);
    if (auto interval = duration_field(s, "interval"); interval.value) garp.interval = *interval.value;
    if (auto refresh = duration_field(s, "refresh"); refresh.value) garp.refresh = *refresh.value;
  }

  // [notify]: the role-change hook. Node-local: not in the digest.
  void read_notify(const Scope& s, std::optional<NotifySection>& out) {
    if (!s.table) return;
    check_keys(s, kNotifyKeys);
    NotifySection notify;
    if (!s.find("command"))
      required(s, "command", ": the program and its arguments, e.g. [\"/usr/local/sbin/tandem-notify\"]; "
                             "it gets NEW-ROLE OLD-ROLE REASON appended");
    else
      read_argv(*this, s, "command", "[\"/usr/local/sbin/tandem-notify\"]", false, notify.command);
    if (auto timeout = positive_duration_field(s, "timeout"); timeout.value) {
      if (*timeout.value > kMaxNotifyTimeout)
        error(timeout.where(), "notify.timeout " + format_duration(*timeout.value) + " must be at most " +
                                   format_duration(kMaxNotifyTimeout));
      else
        notify.timeout = *timeout.value;
    }
    out = std::move(notify);
  }

  // [metrics]: where /metrics and the status page are served.
  void read_metrics(const Scope& s, std::optional<MetricsSection>& out) {
    if (!s.table) return;
    check_keys(s, kMetricsKeys);
    const auto listen = string_field(s, "listen");
    if (!s.find("listen")) {
      required(s, "listen", ": the address and TCP port to serve on, e.g. \"127.0.0.1:9694\"");
      return;
    }
    if (!listen.value) return;
    const std::string name = s.key("listen");
    const EndpointText parsed = split_endpoint(*listen.value);
    if (!parsed.problem.empty()) {
      error(listen.where(), name + " " + parsed.problem);
      return;
    }
    if (!parsed.port || *parsed.port == 0 || *parsed.port > 65535) {
      error(listen.where(), name + " " + quoted(*listen.value) +
                                " needs a TCP port 1..65535: \"127.0.0.1:9694\", or \"[::1]:9694\" for IPv6");
      return;
    }
    if (parsed.address->is_multicast()) {
      error(listen.where(), name + " " + quoted(*listen.value) + " is a multicast address");
      return;
    }
    out = MetricsSection{Endpoint{*parsed.address, static_cast<std::uint16_t>(*parsed.port)}};
  }

  // [ipvs]: the kernel's connection timeouts (ipvsadm --set).
  void read_ipvs(const Scope& s, IpvsSection& out) {
    if (!s.table) return;
    check_keys(s, kIpvsKeys);
    out.tcp_timeout = ipvs_timeout(s, "tcp_timeout");
    out.tcpfin_timeout = ipvs_timeout(s, "tcpfin_timeout");
    out.udp_timeout = ipvs_timeout(s, "udp_timeout");
  }

  // The kernel keeps these in whole seconds, reads 0 in IPVS_CMD_SET_CONFIG
  // as "unchanged", and refuses more than INT_MAX / HZ seconds.
  std::optional<Duration> ipvs_timeout(const Scope& s, std::string_view key) {
    const auto f = duration_field(s, key);
    if (!f.value) return std::nullopt;
    const std::string name = s.key(key) + " " + format_duration(*f.value);
    if (f.value->count() == 0)
      error(f.where(), name + " cannot be set: the kernel reads 0 as \"leave unchanged\"; give at least 1s, or "
                                  "leave the key out to keep the kernel's value");
    else if (f.value->count() % 1000 != 0)
      error(f.where(), name + " must be whole seconds: the kernel keeps its timeouts in seconds");
    else if (*f.value > kMaxIpvsTimeout)
      error(f.where(), name + " must be at most " + format_duration(kMaxIpvsTimeout) +
                           " (24 days), the most every kernel accepts");
    else
      return f.value;
    return std::nullopt;
  }

  const std::string& path_;
  const ParseOptions& options_;
};

}  // namespace
}  // namespace tandem::config::detail

namespace tandem::config {

ConfigResult parse_config(std::string_view text, const std::string& path, const ParseOptions& options) {
  return detail::ConfigParser(path, options).run(text);
}

ConfigResult load_config(const std::string& path, const ParseOptions& options) {
  return load_config_text(path, options).result;
}

LoadedConfig load_config_text(const std::string& path, const ParseOptions& options) {
  LoadedConfig loaded;
  TextFile file = read_text_file(path, detail::kMaxConfigBytes);
  if (!file.ok) {
    loaded.result.errors.push_back({path, 0, 0, "cannot read configuration: " + file.error});
    return loaded;
  }
  loaded.result = parse_config(file.text, path, options);
  loaded.text = std::move(file.text);
  return loaded;
}

}  // namespace tandem::config
