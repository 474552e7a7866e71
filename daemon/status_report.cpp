#include "daemon/status_report.hpp"

#include <cstdio>
#include <ctime>
#include <map>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "daemon/json.hpp"
#include "ipvs/desired.hpp"

namespace tandem::daemon {
namespace {

std::string format_time(std::chrono::system_clock::time_point t, bool utc, const char* fmt) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (utc)
    gmtime_r(&tt, &tm);
  else
    localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

// An empty text as JSON null.
std::optional<std::string_view> or_null(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

struct Since {
  std::string utc;
  std::string local;
  double seconds = 0;
};
Since since_of(failover::TimePoint since, failover::TimePoint steady_now, std::chrono::system_clock::time_point wall_now) {
  using namespace std::chrono;
  const auto wall = wall_now - duration_cast<system_clock::duration>(steady_now - since);
  return Since{format_time(wall, true, "%Y-%m-%dT%H:%M:%SZ"), format_time(wall, false, "%H:%M:%S"),
               duration<double>(steady_now - since).count()};
}

std::string vips_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " VIP" : " VIPs"); }

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

}  // namespace

std::string age(double ms) {
  char buf[32];
  if (ms < 1000)
    std::snprintf(buf, sizeof buf, "%.0fms", ms);
  else
    std::snprintf(buf, sizeof buf, "%.1fs", ms / 1000);
  return buf;
}


StatusReport make_report(const failover::PeerState& s, const config::Config& cfg,
                         const std::vector<bool>& vip_held, const HeartbeatCounters& counters,
                         std::uint64_t generation, std::uint64_t peer_generation,
                         failover::TimePoint steady_now, std::chrono::system_clock::time_point wall_now) {
  using namespace std::chrono;
  StatusReport r;
  r.node = s.params.own_name;
  r.role = s.role;
  const Since since = since_of(s.since, steady_now, wall_now);
  r.since_utc = since.utc;
  r.since_local = since.local;
  r.since_seconds = since.seconds;
  r.reason = s.reason;
  r.handover = handover_text(s);
  r.priority = s.params.priority;
  r.preferred = s.params.preferred;
  r.auto_failback = s.params.auto_failback;
  r.generation = generation;
  r.peer_name = s.params.peer_name;
  r.peer_alive = s.peer.alive;
  if (s.peer.alive) r.peer_role = s.peer.role;
  r.peer_priority = s.peer.priority;
  r.peer_generation = peer_generation;
  r.fitness = s.own.value;
  r.carrier = s.own.carrier;
  r.unfit = s.own.why;
  if (s.peer.alive && s.peer.version >= 2) {
    r.peer_fitness = s.peer.fitness;
    r.peer_carrier = s.peer.carrier;
  }
  for (std::size_t i = 0; i < s.links.size(); ++i) {
    LinkStatus l;
    l.name = s.links[i].name;
    if (i < cfg.links.size() && cfg.links[i].name == l.name) {
      l.interface = cfg.links[i].interface;
      if (cfg.links[i].peer) l.peer = cfg.links[i].peer->str();
      if (cfg.links[i].group) l.peer = cfg.links[i].group->str();
    }
    l.up = s.links[i].up;
    l.local_up = s.links[i].local_up;
    if (s.links[i].last_heard)
      l.last_heard_ms = duration<double, std::milli>(steady_now - *s.links[i].last_heard).count();
    r.links.push_back(std::move(l));
  }
  for (std::size_t i = 0; i < cfg.vips.size(); ++i) {
    VipStatus v;
    v.address = cfg.vips[i].address.str();
    v.interface = cfg.vips[i].interface;
    v.label = cfg.vips[i].label;
    v.held = i < vip_held.size() && vip_held[i];
    r.vips.push_back(std::move(v));
  }
  r.heartbeats = counters;
  return r;
}


void add_ipvs(StatusReport& r, const ipvs::Table& desired, const ipvs::Table* kernel, const std::string& error) {
  r.ipvs_error = error;
  // Looked up by key: a snapshot of 2,000 services must not compare each
  // with every other.
  std::map<ipvs::ServiceKey, const ipvs::ServiceEntry*> in_kernel;
  if (kernel)
    for (const auto& e : *kernel) in_kernel[e.service.key] = &e;
  for (const auto& want : desired) {
    VirtualServerStatus v;
    v.service = want.service.key.str();
    v.scheduler = want.service.scheduler;
    const auto found = in_kernel.find(want.service.key);
    const ipvs::ServiceEntry* have = found == in_kernel.end() ? nullptr : found->second;
    v.in_kernel = have != nullptr;
    if (have) v.scheduler = have->service.scheduler;
    for (const auto& d : want.dests) {
      DestStatus ds;
      ds.address = d.key.str();
      ds.forwarding = std::string(ipvs::to_string(d.forwarding));
      ds.configured_weight = d.weight;
      if (have) {
        for (const auto& k : have->dests) {
          if (!(k.key == d.key)) continue;
          ds.in_kernel = true;
          ds.forwarding = std::string(ipvs::to_string(k.forwarding));
          ds.weight = k.weight;
          ds.active_conns = k.stats.active_conns;
          ds.inactive_conns = k.stats.inactive_conns;
          ds.persistent_conns = k.stats.persistent_conns;
        }
      }
      v.dests.push_back(std::move(ds));
    }
    r.virtual_servers.push_back(std::move(v));
  }
}

void add_timeouts(StatusReport& r, const ipvs::Timeouts& configured, const std::optional<ipvs::Timeouts>& kernel) {
  r.timeouts_configured = configured;
  r.timeouts_kernel = kernel;
}

void add_health(StatusReport& r, const std::vector<config::VirtualServer>& servers,
                const health::HealthBoard& board) {
  r.reals = board.entries().size();
  r.reals_healthy = board.healthy_count();
  std::unordered_map<std::string_view, VirtualServerStatus*> by_service;
  for (auto& s : r.virtual_servers) by_service[s.service] = &s;
  for (std::size_t v = 0; v < servers.size(); ++v) {
    const auto& vs = servers[v];
    const std::string service = ipvs::service_key(vs).str();
    const auto found = by_service.find(service);
    if (found == by_service.end()) continue;  // only the health counts without the table
    VirtualServerStatus* status = found->second;
    std::vector<bool> configured(status->dests.size(), false);
    for (std::size_t i = 0; i < vs.reals.size(); ++i) {
      const auto index = board.index_of(v, i);
      if (!index) continue;
      const health::RealHealth& e = board.entries()[*index];
      const ipvs::Destination want = ipvs::destination_of(vs, vs.reals[i]);
      const std::string address = want.key.str();
      std::size_t at = 0;
      while (at < status->dests.size() && status->dests[at].address != address) ++at;
      if (at == status->dests.size()) {  // removed while down
        DestStatus d;
        d.address = address;
        d.forwarding = std::string(ipvs::to_string(want.forwarding));
        d.configured_weight = want.weight;
        status->dests.push_back(std::move(d));
        configured.push_back(false);
      }
      configured[at] = true;
      status->dests[at].configured_weight = want.weight;  // the table's is 0 while quiesced
      DestHealth h;
      h.state = !e.spec ? "unchecked" : std::string(health::to_string(e.state.health));
      h.check = e.check;
      h.last = e.last;
      if (e.last_at) h.last_at = format_time(*e.last_at, true, "%Y-%m-%dT%H:%M:%SZ");
      if (e.last_change) {
        h.last_change = format_time(*e.last_change, true, "%Y-%m-%dT%H:%M:%SZ");
        h.last_change_local = format_time(*e.last_change, false, "%H:%M:%S");
      }
      h.probes = e.probes;
      h.failed = e.failed;
      status->dests[at].health = std::move(h);
    }
    if (vs.fallback) {
      const std::string fallback = ipvs::DestKey{vs.fallback->address, vs.fallback->port}.str();
      for (std::size_t i = 0; i < status->dests.size(); ++i)
        if (!configured[i] && status->dests[i].address == fallback) status->dests[i].fallback = true;
    }
  }
}

void add_groups(StatusReport& r, const failover::GroupsState& state, const config::Config& cfg,
                const std::vector<bool>& vip_held, failover::TimePoint steady_now,
                std::chrono::system_clock::time_point wall_now) {
  r.named_groups = state.named;
  bool any_active = false;
  for (const auto& g : state.groups) {
    GroupStatus gs;
    gs.name = failover::GroupsState::name_of(g);
    gs.role = g.role;
    any_active = any_active || g.role == failover::Role::active;
    const Since since = since_of(g.since, steady_now, wall_now);
    gs.since_utc = since.utc;
    gs.since_local = since.local;
    gs.since_seconds = since.seconds;
    gs.reason = g.reason;
    gs.handover = handover_text(g);
    gs.preferred = g.params.preferred;
    gs.auto_failback = g.params.auto_failback;
    gs.vips = g.params.vips.size();
    for (const auto& v : g.params.vips)
      for (std::size_t i = 0; i < cfg.vips.size() && i < vip_held.size(); ++i)
        if (cfg.vips[i] == v && vip_held[i]) ++gs.vips_held;
    if (g.peer.alive) gs.peer_role = g.peer.role;
    for (std::size_t i = 0; i < g.params.resources.size() && i < g.resources.size(); ++i) {
      ResourceStatus rs;
      rs.name = g.params.resources[i].name;
      rs.group = gs.name;
      rs.state = std::string(failover::to_string(g.resources[i].state));
      rs.since_utc = since_of(g.resources[i].since, steady_now, wall_now).utc;
      rs.failure = g.resources[i].failure;
      r.resources.push_back(std::move(rs));
    }
    r.groups.push_back(std::move(gs));
  }
  if (state.named && any_active) r.role = failover::Role::active;
  r.digest = config::format_digest(state.digest);
  if (state.peer_digest) r.peer_digest = config::format_digest(*state.peer_digest);
  r.config_differs = state.differs;
}

std::optional<std::string> handover_text(const failover::PeerState& s) {
  using failover::Handover;
  const std::string& peer = s.params.peer_name;
  if (s.staged && s.role != failover::Role::active) return "VIPs held unannounced for " + peer + "'s handover";
  if (s.handover) return s.handover->describe(peer);
  return std::nullopt;
}

void add_tracks(StatusReport& r, const std::vector<config::Track>& tracks,
                const std::vector<failover::TrackState>& states, failover::TimePoint steady_now,
                std::chrono::system_clock::time_point wall_now) {
  using namespace std::chrono;
  for (std::size_t i = 0; i < tracks.size() && i < states.size(); ++i) {
    TrackStatus t;
    t.name = tracks[i].name;
    t.what = failover::describe(tracks[i]);
    t.weight = tracks[i].weight;
    t.up = states[i].up;
    t.last = states[i].last;
    t.latency_ms = states[i].latency_ms;
    if (states[i].since)
      t.since_utc = format_time(wall_now - duration_cast<system_clock::duration>(steady_now - *states[i].since), true,
                                "%Y-%m-%dT%H:%M:%SZ");
    r.tracks.push_back(std::move(t));
  }
}

namespace {

// "3/3 resources running"; empty without resources.
std::string resources_text(const StatusReport& r) {
  if (r.resources.empty()) return {};
  std::size_t running = 0;
  for (const auto& x : r.resources) running += x.state == "running";
  return std::to_string(running) + "/" + std::to_string(r.resources.size()) + " resource" +
         (r.resources.size() == 1 ? "" : "s") + " running";
}

// "configuration differs from d2's (virtual servers)"
std::string mismatch_text(const StatusReport& r) {
  return "configuration differs from " + r.peer_name + "'s (" + join(r.config_differs, ", ") + ")";
}

// With failover groups: "active for web (1 VIP), backup for mail; peer d2
// up; 4/4 real servers healthy".
std::string groups_status_line(const StatusReport& r) {
  std::vector<std::string> roles;
  for (const auto& g : r.groups) {
    std::string part = std::string(failover::to_string(g.role)) + " for " + g.name;
    if (g.vips_held > 0) part += " (" + vips_text(g.vips_held) + ")";
    if (g.handover) part += " (" + *g.handover + ")";
    roles.push_back(std::move(part));
  }
  std::string line = join(roles, ", ") + "; peer " + r.peer_name + (r.peer_alive ? " up" : " dead");
  std::size_t down = 0;
  for (const auto& l : r.links) down += !l.up;
  if (r.peer_alive && down > 0) line += ", " + std::to_string(down) + " link" + (down == 1 ? "" : "s") + " down";
  if (r.reals > 0)
    line += "; " + std::to_string(r.reals_healthy) + "/" + std::to_string(r.reals) + " real server" +
            (r.reals == 1 ? "" : "s") + " healthy";
  if (auto res = resources_text(r); !res.empty()) line += "; " + res;
  if (!r.unfit.empty()) line += "; " + r.unfit;
  if (!r.config_differs.empty()) line += "; " + mismatch_text(r);
  return line;
}

}  // namespace

std::string status_line(const StatusReport& r) {
  if (r.named_groups) return groups_status_line(r);
  std::string line = std::string(failover::to_string(r.role)) + " since " + r.since_local + ", peer " +
                     r.peer_name + " " +
                     (r.peer_role ? std::string(failover::to_string(*r.peer_role)) : std::string("dead"));
  std::size_t held = 0;
  for (const auto& v : r.vips) held += v.held;
  line += ", " + std::to_string(held) + (held == 1 ? " VIP" : " VIPs");
  std::size_t down = 0;
  for (const auto& l : r.links) down += !l.up;
  if (r.peer_alive && down > 0) line += ", " + std::to_string(down) + " link" + (down == 1 ? "" : "s") + " down";
  if (r.handover) line += ", " + *r.handover;
  if (r.reals > 0)
    line += ", " + std::to_string(r.reals_healthy) + "/" + std::to_string(r.reals) + " real server" +
            (r.reals == 1 ? "" : "s") + " healthy";
  // Why a node does not serve: "backup since 12:01:07, ..., track gateway
  // (ping 10.0.0.254) down after 2 failures".
  if (auto res = resources_text(r); !res.empty()) line += ", " + res;
  if (r.role != failover::Role::active && !r.unfit.empty()) line += ", " + r.unfit;
  if (!r.config_differs.empty()) line += ", " + mismatch_text(r);
  return line;
}

namespace {

void write_virtual_servers(JsonWriter& w, const StatusReport& r) {
  w.key("virtual_servers").begin_array();
  for (const auto& v : r.virtual_servers) {
    w.begin_object();
    w.field("service", v.service);
    w.field("scheduler", v.scheduler);
    w.field("in_kernel", v.in_kernel);
    w.key("dests").begin_array();
    for (const auto& d : v.dests) {
      w.begin_object();
      w.field("address", d.address);
      w.field("forwarding", d.forwarding);
      w.field("weight", d.weight);
      w.field("configured_weight", d.configured_weight);
      w.field("in_kernel", d.in_kernel);
      w.field("active_conns", static_cast<std::uint64_t>(d.active_conns));
      w.field("inactive_conns", static_cast<std::uint64_t>(d.inactive_conns));
      w.field("persistent_conns", static_cast<std::uint64_t>(d.persistent_conns));
      w.field("fallback", d.fallback);
      w.key("maintenance");
      if (d.maintenance.empty()) {
        w.null();
      } else {
        w.begin_object();
        w.field("mode", d.maintenance);
        w.field("by", d.maintenance_by);
        w.field("at", d.maintenance_at);
        w.end_object();
      }
      if (d.health) {
        const DestHealth& h = *d.health;
        w.field("health", h.state);
        w.field("check", or_null(h.check));
        w.key("last_check");
        if (h.last) {
          w.begin_object();
          w.field("ok", h.last->ok);
          w.field("reason", h.last->detail);
          w.field("latency_ms", static_cast<double>(h.last->latency.count()) / 1000.0);
          w.field("at", h.last_at);
          w.end_object();
        } else {
          w.null();
        }
        w.field("last_change", or_null(h.last_change));
        w.field("probes", h.probes);
        w.field("failed_probes", h.failed);
      }
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  if (!r.ipvs_error.empty()) w.field("ipvs_error", r.ipvs_error);
  if (r.timeouts_configured.empty()) return;
  // Seconds; null: a key left out (configured), or not read (kernel).
  auto timeouts = [&](std::string_view key, const ipvs::Timeouts* t) {
    w.key(key);
    if (!t) {
      w.null();
      return;
    }
    w.begin_object();
    const std::pair<std::string_view, std::uint32_t> fields[] = {
        {"tcp_timeout", t->tcp}, {"tcpfin_timeout", t->tcp_fin}, {"udp_timeout", t->udp}};
    for (const auto& [name, seconds] : fields) {
      w.key(name);
      if (seconds)
        w.value(static_cast<std::uint64_t>(seconds));
      else
        w.null();
    }
    w.end_object();
  };
  w.key("ipvs_timeouts").begin_object();
  timeouts("configured", &r.timeouts_configured);
  timeouts("kernel", r.timeouts_kernel ? &*r.timeouts_kernel : nullptr);
  w.end_object();
}

void write_summary(JsonWriter& w, std::string_view key, const Summary& s) {
  w.key(key).begin_object();
  w.field("p50", s.p50_ms);
  w.field("p99", s.p99_ms);
  w.field("max", s.max_ms);
  w.field("samples", static_cast<std::uint64_t>(s.samples));
  w.end_object();
}

void write_loops_json(JsonWriter& w, const StatusReport& r) {
  if (r.engine) {
    w.key("engine").begin_object();
    write_summary(w, "loop_lag_ms", r.engine->loop_lag);
    write_summary(w, "heartbeat_interval_ms", r.engine->heartbeat_interval);
    w.field("interval_ms", r.engine->interval_ms);
    w.end_object();
  }
  if (r.checker) {
    const CheckerStatus& c = *r.checker;
    w.key("checker").begin_object();
    w.key("pid");
    if (c.pid)
      w.value(static_cast<std::int64_t>(*c.pid));
    else
      w.null();
    w.field("restarts", c.restarts);
    w.field("last_exit", or_null(c.last_exit));
    w.field("answered_ms", c.answered_ms);
    write_summary(w, "loop_lag_ms", c.loop_lag);
    w.field("snapshot_age_ms", c.snapshot_age_ms);
    w.end_object();
  }
  if (r.engine || !r.warnings.empty()) {
    w.key("warnings").begin_array();
    for (const auto& warning : r.warnings) w.value(warning);
    w.end_array();
  }
}

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  return buf;
}

void write_loops_text(std::ostream& o, const StatusReport& r) {
  if (r.engine) {
    const EngineStatus& e = *r.engine;
    o << "engine: loop lag p99 " << ms_text(e.loop_lag.p99_ms) << ", max " << ms_text(e.loop_lag.max_ms)
      << "; heartbeats sent every " << ms_text(e.heartbeat_interval.p50_ms) << " (p99 "
      << ms_text(e.heartbeat_interval.p99_ms) << ", max " << ms_text(e.heartbeat_interval.max_ms)
      << ") over the last minute\n";
  }
  if (r.checker) {
    const CheckerStatus& c = *r.checker;
    o << "checker: ";
    if (c.pid)
      o << "pid " << *c.pid;
    else
      o << "restarting";
    o << ", loop lag p99 " << ms_text(c.loop_lag.p99_ms) << ", max " << ms_text(c.loop_lag.max_ms);
    if (c.restarts) o << ", restarted " << c.restarts << " time" << (c.restarts == 1 ? "" : "s");
    if (!c.last_exit.empty()) o << " (last: " << c.last_exit << ")";
    o << "\n";
  }
  for (const auto& warning : r.warnings) o << "warning: " << warning << "\n";
}

}  // namespace

void add_maintenance(StatusReport& r, const ipvs::AdminState& state) {
  if (state.entries.empty()) return;
  std::unordered_map<std::string, VirtualServerStatus*> by_service;
  for (auto& s : r.virtual_servers) by_service[s.service] = &s;
  for (const auto& e : state.entries) {
    if (e.mode == ipvs::AdminMode::none) continue;
    const auto found = by_service.find(e.service.str());
    if (found == by_service.end()) continue;
    const std::string address = e.dest.str();
    for (auto& d : found->second->dests) {
      if (d.address != address) continue;
      const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(e.at_ms));
      d.maintenance = std::string(ipvs::to_string(e.mode));
      d.maintenance_by = e.by;
      d.maintenance_at = format_time(at, true, "%Y-%m-%dT%H:%M:%SZ");
      d.maintenance_at_local = format_time(at, false, "%H:%M:%S");
    }
  }
}

std::string render_virtual_servers_text(const StatusReport& r) {
  std::ostringstream o;
  if (!r.virtual_servers.empty() || !r.ipvs_error.empty()) o << "virtual servers:\n";
  if (!r.ipvs_error.empty()) o << "  (kernel table unavailable: " << r.ipvs_error << ")\n";
  for (const auto& v : r.virtual_servers) {
    o << "  " << v.service << " " << v.scheduler << (v.in_kernel ? "" : " (not in the kernel)") << "\n";
    for (const auto& d : v.dests) {
      o << "    -> " << d.address << " " << d.forwarding << " weight " << d.weight;
      if (!d.in_kernel) o << " (not in the kernel)";
      o << ", active " << d.active_conns << ", inactive " << d.inactive_conns;
      if (d.persistent_conns) o << ", persistent " << d.persistent_conns;
      if (d.fallback) o << ", fallback";
      if (!d.maintenance.empty())
        o << ", " << (d.maintenance == "drain" ? "draining" : "disabled") << " by " << d.maintenance_by << " since "
          << d.maintenance_at_local;
      if (d.health) {
        const DestHealth& h = *d.health;
        o << ", " << h.state;
        if (!h.last_change_local.empty()) o << " since " << h.last_change_local;
        if (h.last) {
          char latency[32];
          std::snprintf(latency, sizeof latency, "%.1f ms", static_cast<double>(h.last->latency.count()) / 1000.0);
          o << " (" << h.check << ": " << h.last->detail << ", " << latency << ")";
        } else if (!h.check.empty() && h.state != "unchecked") {
          o << " (" << h.check << ": not probed yet)";
        }
      }
      o << "\n";
    }
  }
  if (const ipvs::Timeouts& want = r.timeouts_configured; !want.empty()) {
    const auto* have = r.timeouts_kernel ? &*r.timeouts_kernel : nullptr;
    const bool differs = !have || (want.tcp && want.tcp != have->tcp) ||
                         (want.tcp_fin && want.tcp_fin != have->tcp_fin) || (want.udp && want.udp != have->udp);
    o << "ipvs timeouts: " << (have ? ipvs::describe(*have) : "not read");
    if (differs) o << " (configured: " << ipvs::describe(want) << ")";
    o << "\n";
  }
  return o.str();
}

std::string render_virtual_servers_json(const StatusReport& r) {
  JsonWriter w;
  w.begin_object();
  write_virtual_servers(w, r);
  w.end_object();
  const std::string& s = w.str();
  return s.substr(1, s.size() - 2);
}

void add_loops(StatusReport& r, EngineStatus engine, std::optional<CheckerStatus> checker, double warntime_ms) {
  const double bound = warntime_ms / 2;
  if (engine.loop_lag.max_ms > bound)
    r.warnings.push_back("the engine's loop ran " + ms_text(engine.loop_lag.max_ms) +
                         " late in the last minute (warntime/2 = " + ms_text(bound) + ")");
  if (engine.heartbeat_interval.max_ms > engine.interval_ms + bound)
    r.warnings.push_back("a heartbeat was sent " + ms_text(engine.heartbeat_interval.max_ms - engine.interval_ms) +
                         " late in the last minute (warntime/2 = " + ms_text(bound) + ")");
  if (checker && checker->loop_lag.max_ms > bound)
    r.warnings.push_back("the checker's loop ran " + ms_text(checker->loop_lag.max_ms) +
                         " late in the last minute (warntime/2 = " + ms_text(bound) + ")");
  r.engine = engine;
  r.checker = std::move(checker);
}

std::string render_text(const StatusReport& r) {
  std::ostringstream o;
  o << "node " << r.node << ": " << failover::to_string(r.role) << " since " << r.since_local << " ("
    << age(r.since_seconds * 1000) << "): " << r.reason << "\n";
  if (r.handover) o << "  " << *r.handover << "\n";
  if (r.named_groups) {
    o << "groups:\n";
    for (const auto& g : r.groups) {
      o << "  " << g.name << ": " << failover::to_string(g.role) << " since " << g.since_local << " ("
        << age(g.since_seconds * 1000) << "): " << g.reason << "; " << g.vips_held << "/" << vips_text(g.vips)
        << " held";
      if (!g.preferred.empty()) o << ", preferred " << g.preferred << (g.auto_failback ? " (auto_failback)" : "");
      if (g.peer_role) o << ", peer " << failover::to_string(*g.peer_role);
      o << "\n";
      if (g.handover) o << "    " << *g.handover << "\n";
    }
  }
  o << "peer " << r.peer_name << ": "
    << (!r.peer_alive ? std::string("dead")
        : r.named_groups ? std::string("alive")
                         : std::string(r.peer_role ? failover::to_string(*r.peer_role) : "dead"))
    << "\n";
  for (const auto& l : r.links) {
    o << "  link " << l.name << " (" << l.interface << " -> " << l.peer << "): " << (l.up ? "up" : "down");
    if (l.last_heard_ms)
      o << ", heard " << age(*l.last_heard_ms) << " ago";
    else
      o << ", never heard";
    if (!l.local_up) o << ", local interface down";
    o << "\n";
  }
  o << "VIPs:";
  if (r.vips.empty()) o << " none";
  o << "\n";
  for (const auto& v : r.vips)
    o << "  " << v.address << " on " << v.interface << (v.label.empty() ? "" : " (" + v.label + ")") << ": "
      << (v.held ? "held" : "not held") << "\n";
  std::uint64_t rejected = 0;
  for (auto n : r.heartbeats.rejected) rejected += n;
  o << "heartbeats: sent " << r.heartbeats.sent << ", accepted " << r.heartbeats.accepted << ", rejected "
    << rejected;
  if (rejected) {
    o << " (";
    bool first = true;
    for (std::size_t i = 0; i < r.heartbeats.rejected.size(); ++i) {
      if (!r.heartbeats.rejected[i]) continue;
      o << (first ? "" : ", ") << failover::to_string(static_cast<failover::Reject>(i)) << " "
        << r.heartbeats.rejected[i];
      first = false;
    }
    o << ")";
  }
  if (r.heartbeats.send_errors) o << ", send errors " << r.heartbeats.send_errors;
  o << "\n";
  // Connectivity, when there is something to say: tracks, or a lost carrier.
  if (!r.tracks.empty() || !r.carrier || (r.peer_carrier && !*r.peer_carrier)) {
    o << "fitness " << r.fitness << (r.carrier ? "" : ", no carrier on a VIP interface");
    if (r.peer_fitness)
      o << "; peer " << r.peer_name << " fitness " << *r.peer_fitness
        << (*r.peer_carrier ? "" : ", no carrier on a VIP interface");
    o << "\n";
  }
  for (const auto& t : r.tracks) {
    o << "  track " << t.name << " (" << t.what << ", weight " << t.weight << "): " << (t.up ? "up" : "down");
    if (!t.since_utc.empty()) o << " since " << t.since_utc;
    if (!t.last.empty()) o << ", last: " << t.last;
    o << "\n";
  }
  if (!r.resources.empty()) {
    o << "resources: " << resources_text(r) << "\n";
    for (const auto& x : r.resources) {
      o << "  " << x.name << (r.named_groups ? " (" + x.group + ")" : "") << ": " << x.state << " since "
        << x.since_utc;
      if (!x.failure.empty()) o << "; last failure: " << x.failure;
      o << "\n";
    }
  }
  if (!r.config_differs.empty())
    o << "configuration: " << mismatch_text(r) << ": digest " << r.digest << " here, " << r.peer_digest.value_or("?")
      << " on " << r.peer_name << "\n";
  write_loops_text(o, r);
  if (!r.checker_section) {
    o << render_virtual_servers_text(r);
    return o.str();
  }
  std::string out = o.str();
  out.reserve(out.size() + r.checker_section->text.size());
  out += r.checker_section->text;
  return out;
}

std::string render_json(const StatusReport& r) {
  JsonWriter w;
  w.begin_object();
  w.field("node", r.node);
  w.field("role", failover::to_string(r.role));
  w.field("since", r.since_utc);
  w.field("since_seconds", r.since_seconds);
  w.field("reason", r.reason);
  w.field("handover", r.handover);
  w.field("priority", r.priority);
  w.field("preferred", r.preferred);
  w.field("auto_failback", r.auto_failback);
  w.field("generation", r.generation);
  w.field("status_line", status_line(r));
  w.key("peer").begin_object();
  w.field("name", r.peer_name);
  w.field("alive", r.peer_alive);
  w.key("role");
  if (r.peer_role)
    w.value(failover::to_string(*r.peer_role));
  else
    w.null();
  w.field("priority", r.peer_priority);
  w.field("generation", r.peer_generation);
  w.key("links").begin_array();
  for (const auto& l : r.links) {
    w.begin_object();
    w.field("name", l.name);
    w.field("interface", l.interface);
    w.field("peer", l.peer);
    w.field("up", l.up);
    w.field("local_up", l.local_up);
    w.field("last_heard_ms", l.last_heard_ms);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.key("vips").begin_array();
  for (const auto& v : r.vips) {
    w.begin_object();
    w.field("address", v.address);
    w.field("interface", v.interface);
    w.field("label", v.label);
    w.field("held", v.held);
    w.end_object();
  }
  w.end_array();
  w.key("heartbeats").begin_object();
  w.field("sent", r.heartbeats.sent);
  w.field("send_errors", r.heartbeats.send_errors);
  w.field("accepted", r.heartbeats.accepted);
  w.key("rejected").begin_object();
  for (std::size_t i = 0; i < r.heartbeats.rejected.size(); ++i)
    w.field(failover::to_string(static_cast<failover::Reject>(i)), r.heartbeats.rejected[i]);
  w.end_object();
  w.end_object();
  if (r.checker_section) {
    w.reserve(w.str().size() + r.checker_section->json.size() + 16384);
    w.raw(r.checker_section->json);
  } else {
    write_virtual_servers(w, r);
  }
  w.field("fitness", r.fitness);
  w.field("carrier", r.carrier);
  w.field("unfit", r.unfit);
  w.field("peer_fitness", r.peer_fitness);
  w.field("peer_carrier", r.peer_carrier);
  w.key("tracks").begin_array();
  for (const auto& t : r.tracks) {
    w.begin_object();
    w.field("name", t.name);
    w.field("what", t.what);
    w.field("weight", t.weight);
    w.field("up", t.up);
    w.field("last", t.last);
    w.field("latency_ms", t.latency_ms);
    w.field("since", t.since_utc);
    w.end_object();
  }
  w.end_array();
  w.key("groups").begin_array();
  for (const auto& g : r.groups) {
    w.begin_object();
    w.field("name", g.name);
    w.field("role", failover::to_string(g.role));
    w.field("since", g.since_utc);
    w.field("since_seconds", g.since_seconds);
    w.field("reason", g.reason);
    w.field("handover", g.handover);
    w.field("preferred", g.preferred);
    w.field("auto_failback", g.auto_failback);
    w.field("vips", static_cast<std::uint64_t>(g.vips));
    w.field("vips_held", static_cast<std::uint64_t>(g.vips_held));
    w.key("peer_role");
    if (g.peer_role)
      w.value(failover::to_string(*g.peer_role));
    else
      w.null();
    w.end_object();
  }
  w.end_array();
  w.key("resources").begin_array();
  for (const auto& x : r.resources) {
    w.begin_object();
    w.field("name", x.name);
    w.field("group", x.group);
    w.field("state", x.state);
    w.field("since", x.since_utc);
    w.field("failure", or_null(x.failure));
    w.end_object();
  }
  w.end_array();
  w.key("config").begin_object();
  w.field("digest", r.digest);
  w.key("peer_digest");
  if (r.peer_digest)
    w.value(*r.peer_digest);
  else
    w.null();
  w.key("match");
  if (r.peer_digest)
    w.value(r.config_differs.empty());
  else
    w.null();
  w.key("differs").begin_array();
  for (const auto& d : r.config_differs) w.value(d);
  w.end_array();
  w.end_object();
  write_loops_json(w, r);
  if (r.ipvs_age_ms) w.field("ipvs_age_ms", *r.ipvs_age_ms);
  w.end_object();
  std::string out = w.take();
  out += '\n';
  return out;
}

}  // namespace tandem::daemon
