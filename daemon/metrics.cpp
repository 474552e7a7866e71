#include "daemon/metrics.hpp"

#include <charconv>
#include <cmath>

#include "failover/heartbeat_codec.hpp"
#include "failover/role.hpp"

#ifndef TANDEM_VERSION
#define TANDEM_VERSION "unknown"
#endif

namespace tandem::daemon {
namespace {

constexpr failover::Role kRoles[] = {failover::Role::init, failover::Role::backup, failover::Role::active,
                                     failover::Role::standby, failover::Role::fault};
constexpr std::string_view kResourceStates[] = {"stopped", "starting", "running", "stopping", "failed"};

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  // Whole numbers (counters, weights) print without an exponent.
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
    out.append(buf, end);
    return;
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

std::string group_label(const std::string& name) { return name.empty() ? "default" : name; }

double seconds(double ms) { return ms / 1000; }

}  // namespace

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char c : help) {  // HELP escapes backslash and newline only
    if (c == '\\') out_ += "\\\\";
    else if (c == '\n') out_ += "\\n";
    else out_ += c;
  }
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void MetricsText::sample(std::string_view name, std::initializer_list<Label> labels, double value) {
  out_ += name;
  if (labels.size()) {
    out_ += '{';
    bool first = true;
    for (const auto& l : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += l.name;
      out_ += "=\"";
      append_escaped(out_, l.value);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  append_number(out_, value);
  out_ += '\n';
}

std::string render_engine_metrics(const StatusReport& r, const EngineCounters& counters) {
  MetricsText m;
  m.family("tandem_build_info", "gauge", "The tandemd version, always 1.");
  m.sample("tandem_build_info", {{"version", TANDEM_VERSION}, {"node", r.node}}, 1);

  m.family("tandem_role", "gauge", "This node's role in each failover group: 1 for the role it holds, 0 for the others.");
  for (const auto& g : r.groups)
    for (auto role : kRoles)
      m.sample("tandem_role", {{"group", group_label(g.name)}, {"role", failover::to_string(role)}},
               g.role == role ? 1 : 0);
  m.family("tandem_role_duration_seconds", "gauge", "How long each group has held its current role here.");
  for (const auto& g : r.groups) m.sample("tandem_role_duration_seconds", {{"group", group_label(g.name)}}, g.since_seconds);
  m.family("tandem_role_changes_total", "counter", "Role changes of each failover group on this node since tandemd started.");
  for (const auto& g : r.groups) {
    const auto it = counters.role_changes.find(group_label(g.name));
    m.sample("tandem_role_changes_total", {{"group", group_label(g.name)}},
             it == counters.role_changes.end() ? 0 : double(it->second));
  }
  m.family("tandem_peer_role", "gauge", "The peer's role in each group as its heartbeats say: 1 for the role it holds (none while it is not heard).");
  for (const auto& g : r.groups)
    for (auto role : kRoles)
      m.sample("tandem_peer_role", {{"group", group_label(g.name)}, {"role", failover::to_string(role)}},
               g.peer_role == role ? 1 : 0);

  m.family("tandem_peer_alive", "gauge", "1 while authenticated heartbeats arrive from the peer within deadtime.");
  m.sample("tandem_peer_alive", {{"peer", r.peer_name}}, r.peer_alive ? 1 : 0);
  m.family("tandem_link_up", "gauge", "1 while the peer is heard on the link.");
  for (const auto& l : r.links) m.sample("tandem_link_up", {{"link", l.name}, {"interface", l.interface}}, l.up ? 1 : 0);
  m.family("tandem_link_last_heard_seconds", "gauge", "Seconds since the last authenticated heartbeat on the link (absent before the first).");
  for (const auto& l : r.links)
    if (l.last_heard_ms) m.sample("tandem_link_last_heard_seconds", {{"link", l.name}}, seconds(*l.last_heard_ms));

  m.family("tandem_heartbeats_sent_total", "counter", "Heartbeats sent, on all links.");
  m.sample("tandem_heartbeats_sent_total", double(r.heartbeats.sent));
  m.family("tandem_heartbeat_send_errors_total", "counter", "Heartbeats the kernel refused to send.");
  m.sample("tandem_heartbeat_send_errors_total", double(r.heartbeats.send_errors));
  m.family("tandem_heartbeats_accepted_total", "counter", "Heartbeats received that passed authentication and the replay checks.");
  m.sample("tandem_heartbeats_accepted_total", double(r.heartbeats.accepted));
  m.family("tandem_heartbeats_rejected_total", "counter", "Heartbeats received and dropped, by reason.");
  for (std::size_t i = 0; i < failover::reject_reason_count; ++i)
    m.sample("tandem_heartbeats_rejected_total", {{"reason", failover::to_string(static_cast<failover::Reject>(i))}},
             double(r.heartbeats.rejected[i]));

  m.family("tandem_vip_held", "gauge", "1 while this node holds the VIP on its interface.");
  for (const auto& v : r.vips)
    m.sample("tandem_vip_held", {{"address", v.address}, {"interface", v.interface}}, v.held ? 1 : 0);

  m.family("tandem_fitness", "gauge", "This node's fitness to serve: the weights of its tracks that are up (carrier and [[track]]).");
  m.sample("tandem_fitness", r.fitness);
  m.family("tandem_carrier_up", "gauge", "1 while every interface the VIPs and links use has carrier.");
  m.sample("tandem_carrier_up", r.carrier ? 1 : 0);
  m.family("tandem_track_up", "gauge", "1 while the [[track]] is up.");
  for (const auto& t : r.tracks) m.sample("tandem_track_up", {{"track", t.name}}, t.up ? 1 : 0);
  m.family("tandem_resource_state", "gauge", "Each [[resource]]'s state here: 1 for the state it is in, 0 for the others.");
  for (const auto& res : r.resources)
    for (auto state : kResourceStates)
      m.sample("tandem_resource_state", {{"group", group_label(res.group)}, {"resource", res.name}, {"state", state}},
               res.state == state ? 1 : 0);

  m.family("tandem_config_matches_peer", "gauge", "1 when the peer's configuration digest equals ours, 0 when it differs (absent before the peer says).");
  if (r.peer_digest) m.sample("tandem_config_matches_peer", r.config_differs.empty() && *r.peer_digest == r.digest ? 1 : 0);

  m.family("tandem_event_loop_lag_seconds", "gauge", "The largest lateness of a process's event loop in the last minute.");
  if (r.engine) m.sample("tandem_event_loop_lag_seconds", {{"process", "engine"}}, seconds(r.engine->loop_lag.max_ms));
  if (r.checker && r.checker->pid) m.sample("tandem_event_loop_lag_seconds", {{"process", "checker"}}, seconds(r.checker->loop_lag.max_ms));
  m.family("tandem_heartbeat_interval_seconds", "gauge", "The interval between heartbeats sent, over the last minute: p50, p99 and max.");
  if (r.engine && r.engine->heartbeat_interval.samples) {
    m.sample("tandem_heartbeat_interval_seconds", {{"stat", "p50"}}, seconds(r.engine->heartbeat_interval.p50_ms));
    m.sample("tandem_heartbeat_interval_seconds", {{"stat", "p99"}}, seconds(r.engine->heartbeat_interval.p99_ms));
    m.sample("tandem_heartbeat_interval_seconds", {{"stat", "max"}}, seconds(r.engine->heartbeat_interval.max_ms));
  }
  m.family("tandem_checker_restarts_total", "counter", "Times the checker process was restarted since tandemd started.");
  m.sample("tandem_checker_restarts_total", r.checker ? double(r.checker->restarts) : 0);
  return std::move(m.text());
}

std::string render_checker_metrics(const StatusReport& r, const health::HealthBoard& board,
                                   const ipvs::KeeperCounters* keeper) {
  MetricsText m;
  m.text().reserve(256 + r.reals * 900);
  m.family("tandem_virtual_server_in_kernel", "gauge", "1 while the virtual server is in the kernel's IPVS table.");
  for (const auto& vs : r.virtual_servers)
    m.sample("tandem_virtual_server_in_kernel", {{"virtual_server", vs.service}}, vs.in_kernel ? 1 : 0);

  // One family at a time over every destination, as the format requires.
  auto each_dest = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    m.family(name, type, help);
    for (const auto& vs : r.virtual_servers)
      for (const auto& d : vs.dests)
        if (auto v = value(d)) m.sample(name, {{"virtual_server", vs.service}, {"real", d.address}}, *v);
  };
  using V = std::optional<double>;
  each_dest("tandem_real_server_healthy", "gauge",
            "1 while the real server passes its health check (or has none), 0 while it fails it.",
            [](const DestStatus& d) -> V {
              if (!d.health) return std::nullopt;
              return d.health->state == "down" ? 0 : 1;
            });
  each_dest("tandem_real_server_weight", "gauge", "The real server's weight in the kernel's table now.",
            [](const DestStatus& d) -> V { return d.in_kernel ? V(d.weight) : std::nullopt; });
  each_dest("tandem_real_server_configured_weight", "gauge", "The real server's weight in the configuration.",
            [](const DestStatus& d) -> V { return d.health ? V(d.configured_weight) : std::nullopt; });
  each_dest("tandem_real_server_maintenance", "gauge",
            "tandemctl maintenance of the real server: 0 in service, 1 drained, 2 disabled.",
            [](const DestStatus& d) -> V {
              if (!d.health) return std::nullopt;
              return d.maintenance == "drain" ? 1 : d.maintenance == "disable" ? 2 : 0;
            });
  each_dest("tandem_real_server_active_connections", "gauge",
            "Active connections to the real server, from the kernel (as of the last full read).",
            [](const DestStatus& d) -> V { return d.in_kernel ? V(d.active_conns) : std::nullopt; });
  each_dest("tandem_real_server_inactive_connections", "gauge",
            "Inactive connections to the real server, from the kernel (as of the last full read).",
            [](const DestStatus& d) -> V { return d.in_kernel ? V(d.inactive_conns) : std::nullopt; });
  each_dest("tandem_real_server_persistent_connections", "gauge",
            "Persistence templates pointing at the real server, from the kernel (as of the last full read).",
            [](const DestStatus& d) -> V { return d.in_kernel ? V(d.persistent_conns) : std::nullopt; });

  m.family("tandem_probes_total", "counter", "Health probes of the real server, by result.");
  for (const auto& vs : r.virtual_servers)
    for (const auto& d : vs.dests) {
      if (!d.health || d.health->check.empty()) continue;
      m.sample("tandem_probes_total", {{"virtual_server", vs.service}, {"real", d.address}, {"result", "ok"}},
               double(d.health->probes - d.health->failed));
      m.sample("tandem_probes_total", {{"virtual_server", vs.service}, {"real", d.address}, {"result", "failed"}},
               double(d.health->failed));
    }

  m.family("tandem_probe_duration_seconds", "histogram", "How long health probes took, by check type.");
  for (const auto& [type, h] : board.latency()) {
    std::uint64_t cumulative = 0;
    char le[32];
    for (std::size_t i = 0; i < h.bounds.size(); ++i) {
      cumulative += h.buckets[i];
      auto [end, ec] = std::to_chars(le, le + sizeof le, h.bounds[i]);
      m.sample("tandem_probe_duration_seconds_bucket", {{"type", type}, {"le", std::string_view(le, end - le)}},
               double(cumulative));
    }
    m.sample("tandem_probe_duration_seconds_bucket", {{"type", type}, {"le", "+Inf"}}, double(h.count));
    m.sample("tandem_probe_duration_seconds_sum", {{"type", type}}, h.sum);
    m.sample("tandem_probe_duration_seconds_count", {{"type", type}}, double(h.count));
  }

  if (keeper) {
    m.family("tandem_ipvs_operations_total", "counter", "IPVS table operations applied through generic netlink, by kind.");
    for (std::size_t i = 0; i < keeper->kinds; ++i)
      m.sample("tandem_ipvs_operations_total", {{"operation", ipvs::operation_kind(i)}}, double(keeper->applied[i]));
    m.sample("tandem_ipvs_operations_total", {{"operation", "set_timeouts"}}, double(keeper->timeouts_applied));
    m.family("tandem_ipvs_operation_errors_total", "counter", "IPVS table operations the kernel refused, by kind.");
    for (std::size_t i = 0; i < keeper->kinds; ++i)
      m.sample("tandem_ipvs_operation_errors_total", {{"operation", ipvs::operation_kind(i)}}, double(keeper->failed[i]));
    m.sample("tandem_ipvs_operation_errors_total", {{"operation", "set_timeouts"}}, double(keeper->timeouts_failed));
    m.family("tandem_ipvs_dump_errors_total", "counter", "Full reads of the kernel's IPVS table that failed.");
    m.sample("tandem_ipvs_dump_errors_total", double(keeper->dump_errors));
    m.family("tandem_ipvs_reconcile_duration_seconds", "summary", "Full reconcile passes: reading the kernel's table and applying the difference.");
    m.sample("tandem_ipvs_reconcile_duration_seconds_sum", keeper->full_seconds_sum);
    m.sample("tandem_ipvs_reconcile_duration_seconds_count", double(keeper->full_passes));
    m.family("tandem_ipvs_last_reconcile_duration_seconds", "gauge", "How long the last full reconcile pass took.");
    m.sample("tandem_ipvs_last_reconcile_duration_seconds", keeper->last_full_seconds);
  }
  return std::move(m.text());
}

}  // namespace tandem::daemon
