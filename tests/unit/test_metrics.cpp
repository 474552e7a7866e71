// /metrics rendering (daemon/metrics.hpp): every family from a fixed
// status, in a well-formed text exposition, with escaped labels.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "daemon/metrics.hpp"
#include "status_builders.hpp"

namespace tandem::daemon {
namespace {

StatusReport engine_report() {
  StatusReport r;
  r.node = "d1";
  r.peer_name = "d2";
  r.peer_alive = true;
  GroupStatus web;
  web.name = "web";
  web.role = failover::Role::active;
  web.since_seconds = 12.5;
  web.peer_role = failover::Role::backup;
  GroupStatus mail;
  mail.name = "mail";
  mail.role = failover::Role::backup;
  r.groups = {web, mail};
  r.links = {LinkStatus{"public", "eth0", "10.0.0.2", true, true, 120.0},
             LinkStatus{"private", "eth1", "192.168.77.2", false, true, std::nullopt}};
  r.vips = {VipStatus{"10.0.0.100/24", "eth0", "eth0:web", true}, VipStatus{"10.0.0.200/24", "eth0", "", false}};
  r.heartbeats.sent = 1000;
  r.heartbeats.send_errors = 2;
  r.heartbeats.accepted = 990;
  r.heartbeats.rejected[static_cast<std::size_t>(failover::Reject::replayed)] = 3;
  r.fitness = 2;
  r.carrier = true;
  r.tracks = {TrackStatus{"gateway", "ping 10.0.0.254", 1, true, "reply", 0.4, ""}};
  r.resources = {ResourceStatus{"varnish", "web", "running", "", ""}};
  r.digest = "abc";
  r.peer_digest = "abc";
  EngineStatus e;
  e.loop_lag = Summary{60, 0.1, 0.9, 1.5};
  e.heartbeat_interval = Summary{300, 200, 201, 203.5};
  r.engine = e;
  CheckerStatus c;
  c.pid = 42;
  c.restarts = 1;
  c.loop_lag = Summary{60, 0.2, 3, 7};
  r.checker = c;
  return r;
}

StatusReport checker_report() {
  StatusReport r;
  VirtualServerStatus vs;
  vs.service = "TCP 10.0.0.100:80";
  vs.in_kernel = true;
  DestStatus up = testing::make_dest("10.0.0.11:80", 5, "up", 10, 1);
  up.active_conns = 7;
  up.inactive_conns = 2;
  up.persistent_conns = 1;
  DestStatus down = up;
  down.address = "10.0.0.12:80";
  down.weight = 0;
  down.health = DestHealth{"down", "http", std::nullopt, "", "", "", 10, 10};
  down.maintenance = "drain";
  down.maintenance_by = "root@d1";
  vs.dests = {up, down};
  r.virtual_servers = {vs};
  r.reals = 2;
  return r;
}

// The families of a text, in order, and a check that it is well formed:
// HELP then TYPE once per family, then only that family's samples.
std::vector<std::string> families(const std::string& text) {
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? (-?[0-9.e+-]+|\+Inf|NaN))");
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::string current, current_type;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      current = m[1];
      EXPECT_TRUE(seen.insert(current).second) << "family twice: " << current;
      out.push_back(current);
      std::string next;
      EXPECT_TRUE(std::getline(in, next) && std::regex_match(next, m, type) && m[1] == current) << next;
      current_type = m[2];
      continue;
    }
    EXPECT_TRUE(std::regex_match(line, m, sample)) << "not a sample: " << line;
    const std::string name = m[1];
    bool ok = name == current;
    if (current_type == "histogram")
      ok = name == current + "_bucket" || name == current + "_sum" || name == current + "_count";
    if (current_type == "summary") ok = name == current || name == current + "_sum" || name == current + "_count";
    EXPECT_TRUE(ok) << name << " under family " << current;
  }
  return out;
}

TEST(Metrics, EngineFamiliesAreWellFormedAndComplete) {
  EngineCounters counters;
  counters.role_changes["web"] = 3;
  const std::string text = render_engine_metrics(engine_report(), counters);
  const auto names = families(text);
  const std::vector<std::string> expected = {
      "tandem_build_info", "tandem_role", "tandem_role_duration_seconds", "tandem_role_changes_total",
      "tandem_peer_role", "tandem_peer_alive", "tandem_link_up", "tandem_link_last_heard_seconds",
      "tandem_heartbeats_sent_total", "tandem_heartbeat_send_errors_total", "tandem_heartbeats_accepted_total",
      "tandem_heartbeats_rejected_total", "tandem_vip_held", "tandem_fitness", "tandem_carrier_up",
      "tandem_track_up", "tandem_resource_state", "tandem_config_matches_peer", "tandem_event_loop_lag_seconds",
      "tandem_heartbeat_interval_seconds", "tandem_checker_restarts_total"};
  EXPECT_EQ(names, expected);
  for (const char* line : {
           "tandem_role{group=\"web\",role=\"active\"} 1\n",
           "tandem_role{group=\"web\",role=\"backup\"} 0\n",
           "tandem_role{group=\"mail\",role=\"backup\"} 1\n",
           "tandem_role_changes_total{group=\"web\"} 3\n",
           "tandem_role_changes_total{group=\"mail\"} 0\n",
           "tandem_role_duration_seconds{group=\"web\"} 12.5\n",
           "tandem_peer_role{group=\"web\",role=\"backup\"} 1\n",
           "tandem_peer_alive{peer=\"d2\"} 1\n",
           "tandem_link_up{link=\"public\",interface=\"eth0\"} 1\n",
           "tandem_link_up{link=\"private\",interface=\"eth1\"} 0\n",
           "tandem_link_last_heard_seconds{link=\"public\"} 0.12\n",
           "tandem_heartbeats_sent_total 1000\n",
           "tandem_heartbeat_send_errors_total 2\n",
           "tandem_heartbeats_accepted_total 990\n",
           "tandem_heartbeats_rejected_total{reason=\"replayed\"} 3\n",
           "tandem_heartbeats_rejected_total{reason=\"bad_hmac\"} 0\n",
           "tandem_vip_held{address=\"10.0.0.100/24\",interface=\"eth0\"} 1\n",
           "tandem_vip_held{address=\"10.0.0.200/24\",interface=\"eth0\"} 0\n",
           "tandem_fitness 2\n",
           "tandem_track_up{track=\"gateway\"} 1\n",
           "tandem_resource_state{group=\"web\",resource=\"varnish\",state=\"running\"} 1\n",
           "tandem_resource_state{group=\"web\",resource=\"varnish\",state=\"failed\"} 0\n",
           "tandem_config_matches_peer 1\n",
           "tandem_event_loop_lag_seconds{process=\"engine\"} 0.0015\n",
           "tandem_event_loop_lag_seconds{process=\"checker\"} 0.007\n",
           "tandem_heartbeat_interval_seconds{stat=\"max\"} 0.2035\n",
           "tandem_checker_restarts_total 1\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << line << "in:\n" << text;
  EXPECT_NE(text.find("tandem_build_info{version=\""), std::string::npos);
  // The link never heard has no last-heard sample.
  EXPECT_EQ(text.find("tandem_link_last_heard_seconds{link=\"private\"}"), std::string::npos);
}

TEST(Metrics, ThePeerRoleIsAllZeroWhileThePeerIsNotHeard) {
  StatusReport r = engine_report();
  r.groups[0].peer_role.reset();
  const std::string text = render_engine_metrics(r, {});
  EXPECT_EQ(text.find("tandem_peer_role{group=\"web\",role=\"backup\"} 1"), std::string::npos);
  EXPECT_NE(text.find("tandem_peer_role{group=\"web\",role=\"backup\"} 0"), std::string::npos);
}

TEST(Metrics, CheckerFamiliesAreWellFormedAndComplete) {
  config::VirtualServer vs;
  vs.address = config::Endpoint{*config::IpAddress::parse("10.0.0.100"), 80};
  vs.family = 2;
  vs.check = config::Check{};
  config::RealServer real;
  real.address = *config::IpAddress::parse("10.0.0.11");
  real.port = 80;
  vs.reals = {real};
  auto board = health::HealthBoard::make({vs});
  board.board.record(0, health::ProbeResult{true, std::chrono::microseconds(3000), "ok"}, {});
  board.board.record(0, health::ProbeResult{false, std::chrono::microseconds(7000000), "timeout"}, {});
  ipvs::KeeperCounters keeper;
  keeper.applied[0] = 2;  // new_service
  keeper.applied[3] = 4;  // new_dest
  keeper.failed[4] = 1;   // set_dest
  keeper.timeouts_applied = 3;
  keeper.timeouts_failed = 1;
  keeper.full_passes = 10;
  keeper.full_seconds_sum = 0.25;
  keeper.last_full_seconds = 0.02;
  const std::string text = render_checker_metrics(checker_report(), board.board, &keeper);
  const std::vector<std::string> expected = {
      "tandem_virtual_server_in_kernel", "tandem_real_server_healthy", "tandem_real_server_weight",
      "tandem_real_server_configured_weight", "tandem_real_server_maintenance", "tandem_real_server_active_connections",
      "tandem_real_server_inactive_connections", "tandem_real_server_persistent_connections", "tandem_probes_total",
      "tandem_probe_duration_seconds", "tandem_ipvs_operations_total", "tandem_ipvs_operation_errors_total",
      "tandem_ipvs_dump_errors_total", "tandem_ipvs_reconcile_duration_seconds",
      "tandem_ipvs_last_reconcile_duration_seconds"};
  EXPECT_EQ(families(text), expected);
  const std::string vsl = "virtual_server=\"TCP 10.0.0.100:80\"";
  for (const std::string line : {
           "tandem_virtual_server_in_kernel{" + vsl + "} 1\n",
           "tandem_real_server_healthy{" + vsl + ",real=\"10.0.0.11:80\"} 1\n",
           "tandem_real_server_healthy{" + vsl + ",real=\"10.0.0.12:80\"} 0\n",
           "tandem_real_server_weight{" + vsl + ",real=\"10.0.0.12:80\"} 0\n",
           "tandem_real_server_maintenance{" + vsl + ",real=\"10.0.0.11:80\"} 0\n",
           "tandem_real_server_maintenance{" + vsl + ",real=\"10.0.0.12:80\"} 1\n",
           "tandem_real_server_active_connections{" + vsl + ",real=\"10.0.0.11:80\"} 7\n",
           "tandem_real_server_inactive_connections{" + vsl + ",real=\"10.0.0.11:80\"} 2\n",
           "tandem_real_server_persistent_connections{" + vsl + ",real=\"10.0.0.11:80\"} 1\n",
           "tandem_probes_total{" + vsl + ",real=\"10.0.0.11:80\",result=\"ok\"} 9\n",
           "tandem_probes_total{" + vsl + ",real=\"10.0.0.12:80\",result=\"failed\"} 10\n",
           std::string("tandem_probe_duration_seconds_bucket{type=\"tcp\",le=\"0.0025\"} 0\n"),
           std::string("tandem_probe_duration_seconds_bucket{type=\"tcp\",le=\"0.005\"} 1\n"),
           std::string("tandem_probe_duration_seconds_bucket{type=\"tcp\",le=\"5\"} 1\n"),
           std::string("tandem_probe_duration_seconds_bucket{type=\"tcp\",le=\"+Inf\"} 2\n"),
           std::string("tandem_probe_duration_seconds_sum{type=\"tcp\"} 7.003\n"),
           std::string("tandem_probe_duration_seconds_count{type=\"tcp\"} 2\n"),
           std::string("tandem_ipvs_operations_total{operation=\"new_service\"} 2\n"),
           std::string("tandem_ipvs_operations_total{operation=\"new_dest\"} 4\n"),
           std::string("tandem_ipvs_operation_errors_total{operation=\"set_dest\"} 1\n"),
           std::string("tandem_ipvs_operations_total{operation=\"set_timeouts\"} 3\n"),
           std::string("tandem_ipvs_operation_errors_total{operation=\"set_timeouts\"} 1\n"),
           std::string("tandem_ipvs_reconcile_duration_seconds_count 10\n"),
           std::string("tandem_ipvs_reconcile_duration_seconds_sum 0.25\n"),
       })
    EXPECT_NE(text.find(line), std::string::npos) << line << "in:\n" << text;
}

TEST(Metrics, WithoutIpvsTheKeeperFamiliesAreLeftOut) {
  const std::string text = render_checker_metrics(StatusReport{}, health::HealthBoard{}, nullptr);
  EXPECT_EQ(text.find("tandem_ipvs_"), std::string::npos);
  families(text);
}

TEST(Metrics, LabelValuesAreEscaped) {
  MetricsText m;
  m.family("x", "gauge", "a \\ help\nline");
  m.sample("x", {{"l", "a\"b\\c\nd"}}, 1.5);
  EXPECT_EQ(m.text(), "# HELP x a \\\\ help\\nline\n# TYPE x gauge\nx{l=\"a\\\"b\\\\c\\nd\"} 1.5\n");
}

}  // namespace
}  // namespace tandem::daemon
