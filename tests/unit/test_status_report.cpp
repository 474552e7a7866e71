// What `tandemctl status` and systemd's STATUS= line show, built from a
// hand-made peer state at fixed times (SPEC "Command line", "systemd";
// docs/control-protocol.md for the JSON).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "builders.hpp"
#include "daemon/status_report.hpp"

using namespace tandem;
using namespace tandem::daemon;
using namespace std::chrono_literals;
using failover::Role;

namespace {

// 2026-11-22T12:01:07Z
constexpr std::time_t kSinceEpoch = 1795348867;

// pair_config() with the private link on multicast.
config::Config make_config() {
  config::Config c = tandem::testing::pair_config();
  c.links[1].peer.reset();
  c.links[1].group = config::IpAddress::parse("239.0.0.1");
  return c;
}

// Sets TZ for the test and puts the old value back afterwards, so local
// time formatting does not depend on the machine.
class StatusReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* tz = std::getenv("TZ")) saved_tz_ = tz;
    set_tz("UTC");
  }
  void TearDown() override {
    if (saved_tz_)
      setenv("TZ", saved_tz_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }
  static void set_tz(const char* tz) {
    setenv("TZ", tz, 1);
    tzset();
  }

  // Active since 12.3 s ago; the peer d2 is a live backup heard 40 ms ago
  // on the public link; the private link was never heard and its interface
  // is down.
  failover::PeerState active_state() const {
    auto s = failover::initial_state(failover::PeerParams::from(cfg), steady_now - 60s);
    s.role = Role::active;
    s.since = steady_now - 12300ms;
    s.reason = "peer d2 silent on all links for more than deadtime 1s";
    s.peer.ever_heard = true;
    s.peer.alive = true;
    s.peer.role = Role::backup;
    s.peer.priority = 90;
    s.peer.last_heard = steady_now - 40ms;
    s.links[0].up = true;
    s.links[0].last_heard = steady_now - 40ms;
    s.links[1].up = false;
    s.links[1].local_up = false;
    return s;
  }

  HeartbeatCounters counters() const {
    HeartbeatCounters c;
    c.sent = 120;
    c.accepted = 118;
    c.rejected[static_cast<std::size_t>(failover::Reject::bad_hmac)] = 1;
    c.rejected[static_cast<std::size_t>(failover::Reject::replayed)] = 2;
    return c;
  }

  StatusReport report(const failover::PeerState& s, std::vector<bool> held = {true, false},
                      HeartbeatCounters c = {}) const {
    return make_report(s, cfg, held, c, kGeneration, kPeerGeneration, steady_now, wall_now);
  }

  static constexpr std::uint64_t kGeneration = 1795348800000000001ull;
  static constexpr std::uint64_t kPeerGeneration = 1795348801000000002ull;
  config::Config cfg = make_config();
  failover::TimePoint steady_now = failover::TimePoint{} + 5000s;
  std::chrono::system_clock::time_point wall_now =
      std::chrono::system_clock::from_time_t(kSinceEpoch) + 12300ms;

 private:
  std::optional<std::string> saved_tz_;
};

// TCP 10.0.0.100:80 with no destinations.
ipvs::ServiceEntry web_service() {
  ipvs::ServiceEntry e;
  e.service.key.af = AF_INET;
  e.service.key.protocol = IPPROTO_TCP;
  e.service.key.address = *config::IpAddress::parse("10.0.0.100");
  e.service.key.port = 80;
  return e;
}

}  // namespace

TEST_F(StatusReportTest, ReportCarriesStateConfigAndTimes) {
  auto r = report(active_state(), {true, false}, counters());
  EXPECT_EQ(r.node, "d1");
  EXPECT_EQ(r.role, Role::active);
  EXPECT_EQ(r.since_utc, "2026-11-22T12:01:07Z");
  EXPECT_EQ(r.since_local, "12:01:07");
  EXPECT_DOUBLE_EQ(r.since_seconds, 12.3);
  EXPECT_EQ(r.priority, 100);
  EXPECT_EQ(r.preferred, "d1");
  EXPECT_FALSE(r.auto_failback);
  EXPECT_EQ(r.generation, kGeneration);
  EXPECT_EQ(r.peer_name, "d2");
  EXPECT_TRUE(r.peer_alive);
  EXPECT_EQ(r.peer_role, Role::backup);
  EXPECT_EQ(r.peer_priority, 90);
  EXPECT_EQ(r.peer_generation, kPeerGeneration);

  ASSERT_EQ(r.links.size(), 2u);
  EXPECT_EQ(r.links[0].name, "public");
  EXPECT_EQ(r.links[0].interface, "eth0");
  EXPECT_EQ(r.links[0].peer, "10.0.0.2");
  EXPECT_TRUE(r.links[0].up);
  EXPECT_TRUE(r.links[0].local_up);
  EXPECT_EQ(r.links[0].last_heard_ms, 40.0);
  EXPECT_EQ(r.links[1].name, "private");
  EXPECT_EQ(r.links[1].interface, "eth1");
  EXPECT_EQ(r.links[1].peer, "239.0.0.1");  // multicast: the group
  EXPECT_FALSE(r.links[1].up);
  EXPECT_FALSE(r.links[1].local_up);
  EXPECT_EQ(r.links[1].last_heard_ms, std::nullopt);

  ASSERT_EQ(r.vips.size(), 2u);
  EXPECT_EQ(r.vips[0].address, "10.0.0.100/24");
  EXPECT_EQ(r.vips[0].label, "eth0:vip");
  EXPECT_TRUE(r.vips[0].held);
  EXPECT_EQ(r.vips[1].address, "2001:db8::100/64");
  EXPECT_FALSE(r.vips[1].held);
  EXPECT_EQ(r.heartbeats.sent, 120u);
  EXPECT_EQ(r.heartbeats.accepted, 118u);
}

TEST_F(StatusReportTest, LocalTimeFollowsTheTimeZone) {
  set_tz("<+02>-2");  // two hours east of UTC, no daylight saving
  auto r = report(active_state());
  EXPECT_EQ(r.since_local, "14:01:07");
  EXPECT_EQ(r.since_utc, "2026-11-22T12:01:07Z");
  EXPECT_EQ(status_line(r).rfind("active since 14:01:07,", 0), 0u) << status_line(r);
}

TEST_F(StatusReportTest, MissingVipHeldEntriesCountAsNotHeld) {
  auto r = report(active_state(), {});
  ASSERT_EQ(r.vips.size(), 2u);
  EXPECT_FALSE(r.vips[0].held);
  EXPECT_FALSE(r.vips[1].held);
}

TEST_F(StatusReportTest, StatusLineActiveWithLivePeer) {
  auto s = active_state();
  s.links[1].up = true;
  s.links[1].local_up = true;
  s.links[1].last_heard = steady_now - 10ms;
  EXPECT_EQ(status_line(report(s)), "active since 12:01:07, peer d2 backup, 1 VIP");
}

TEST_F(StatusReportTest, StatusLineCountsVipsAndDownLinks) {
  auto s = active_state();
  EXPECT_EQ(status_line(report(s)), "active since 12:01:07, peer d2 backup, 1 VIP, 1 link down");
  EXPECT_EQ(status_line(report(s, {true, true})),
            "active since 12:01:07, peer d2 backup, 2 VIPs, 1 link down");
  s.links[0].up = false;
  EXPECT_EQ(status_line(report(s, {true, true})),
            "active since 12:01:07, peer d2 backup, 2 VIPs, 2 links down");
}

TEST_F(StatusReportTest, StatusLineShowsAHandover) {
  auto s = active_state();
  s.handover = failover::Handover{steady_now + 3s, steady_now, failover::handover::Forward{}};
  EXPECT_EQ(status_line(report(s)),
            "active since 12:01:07, peer d2 backup, 1 VIP, 1 link down, handing over: forwarding new connections to d2");
  s.handover->stage = failover::handover::Prepare{};
  EXPECT_EQ(*report(s).handover, "handing over: waiting for d2 to hold the VIPs unannounced");
  s.handover->stage = failover::handover::Relinquish{};
  EXPECT_EQ(*report(s).handover, "handing over: waiting for d2 to take over");
  EXPECT_NE(render_json(report(s)).find("\"handover\":\"handing over: waiting for d2 to take over\""),
            std::string::npos);
  EXPECT_NE(render_text(report(s)).find("\n  handing over: waiting for d2 to take over\n"), std::string::npos);
  s.handover.reset();
  EXPECT_FALSE(report(s).handover);
  s.role = Role::backup;
  s.staged = true;
  EXPECT_EQ(*report(s).handover, "VIPs held unannounced for d2's handover");
}

TEST_F(StatusReportTest, StatusLineDeadPeer) {
  auto s = active_state();
  s.peer.alive = false;
  s.peer.role = Role::active;  // stale: must not be shown
  s.links[0].up = false;
  // With the peer dead, "links down" would say nothing new.
  EXPECT_EQ(status_line(report(s, {true, true})), "active since 12:01:07, peer d2 dead, 2 VIPs");
}

TEST_F(StatusReportTest, StatusLineBackupHoldsNothing) {
  auto s = active_state();
  s.role = Role::backup;
  s.peer.role = Role::active;
  s.links[1].up = true;
  EXPECT_EQ(status_line(report(s, {false, false})), "backup since 12:01:07, peer d2 active, 0 VIPs");
}

TEST_F(StatusReportTest, StatusLineFaultWithEveryLinkDown) {
  auto s = active_state();
  s.role = Role::fault;
  s.peer.alive = false;
  s.links[0].up = false;
  s.links[0].local_up = false;
  EXPECT_EQ(status_line(report(s, {false, false})), "fault since 12:01:07, peer d2 dead, 0 VIPs");
}

TEST_F(StatusReportTest, StatusLineRightAfterStart) {
  auto s = failover::initial_state(failover::PeerParams::from(cfg), steady_now - 1500ms);
  EXPECT_EQ(s.role, Role::init);
  auto r = report(s, {false, false});
  EXPECT_EQ(r.since_local, "12:01:17");  // 12.3 s - 1.5 s after the fixed instant, truncated
  EXPECT_EQ(status_line(r), "init since 12:01:17, peer d2 dead, 0 VIPs");
}

TEST_F(StatusReportTest, RenderText) {
  auto text = render_text(report(active_state(), {true, false}, counters()));
  EXPECT_EQ(text,
            "node d1: active since 12:01:07 (12.3s): peer d2 silent on all links for more than deadtime 1s\n"
            "peer d2: backup\n"
            "  link public (eth0 -> 10.0.0.2): up, heard 40ms ago\n"
            "  link private (eth1 -> 239.0.0.1): down, never heard, local interface down\n"
            "VIPs:\n"
            "  10.0.0.100/24 on eth0 (eth0:vip): held\n"
            "  2001:db8::100/64 on eth0: not held\n"
            "heartbeats: sent 120, accepted 118, rejected 3 (bad_hmac 1, replayed 2)\n");
}

TEST_F(StatusReportTest, RenderTextDeadPeerNoVipsSendErrors) {
  cfg.vips.clear();
  auto s = active_state();
  s.role = Role::backup;
  s.since = steady_now - 250ms;
  s.reason = "d1 wins";
  s.peer.alive = false;
  s.links[0].up = false;
  s.links[0].last_heard = steady_now - 2500ms;
  HeartbeatCounters c;
  c.sent = 7;
  c.send_errors = 3;
  auto text = render_text(report(s, {}, c));
  EXPECT_EQ(text,
            "node d1: backup since 12:01:19 (250ms): d1 wins\n"
            "peer d2: dead\n"
            "  link public (eth0 -> 10.0.0.2): down, heard 2.5s ago\n"
            "  link private (eth1 -> 239.0.0.1): down, never heard, local interface down\n"
            "VIPs: none\n"
            "heartbeats: sent 7, accepted 0, rejected 0, send errors 3\n");
}

TEST_F(StatusReportTest, RenderJsonExact) {
  StatusReport r = report(active_state(), {true, false}, counters());
  failover::GroupsState groups;
  groups.groups = {active_state()};
  groups.digest = config::ConfigDigest{1, 2, 0xfedcba9876543210ull};
  groups.peer_digest = config::ConfigDigest{1, 3, 0xfedcba9876543210ull};
  groups.differs = {"virtual servers"};
  add_groups(r, groups, cfg, {true, false}, steady_now, wall_now);
  auto json = render_json(r);
  EXPECT_EQ(json,
            "{\"node\":\"d1\",\"role\":\"active\",\"since\":\"2026-11-22T12:01:07Z\",\"since_seconds\":12.300,"
            "\"reason\":\"peer d2 silent on all links for more than deadtime 1s\",\"handover\":null,\"priority\":100,"
            "\"preferred\":\"d1\",\"auto_failback\":false,\"generation\":1795348800000000001,"
            "\"status_line\":\"active since 12:01:07, peer d2 backup, 1 VIP, 1 link down, configuration differs "
            "from d2's (virtual servers)\","
            "\"peer\":{\"name\":\"d2\",\"alive\":true,\"role\":\"backup\",\"priority\":90,"
            "\"generation\":1795348801000000002,\"links\":["
            "{\"name\":\"public\",\"interface\":\"eth0\",\"peer\":\"10.0.0.2\",\"up\":true,"
            "\"local_up\":true,\"last_heard_ms\":40.000},"
            "{\"name\":\"private\",\"interface\":\"eth1\",\"peer\":\"239.0.0.1\",\"up\":false,"
            "\"local_up\":false,\"last_heard_ms\":null}]},"
            "\"vips\":[{\"address\":\"10.0.0.100/24\",\"interface\":\"eth0\",\"label\":\"eth0:vip\",\"held\":true},"
            "{\"address\":\"2001:db8::100/64\",\"interface\":\"eth0\",\"label\":\"\",\"held\":false}],"
            "\"heartbeats\":{\"sent\":120,\"send_errors\":0,\"accepted\":118,\"rejected\":{"
            "\"truncated\":0,\"bad_magic\":0,\"bad_version\":0,\"malformed\":0,\"unknown_key\":0,"
            "\"bad_hmac\":1,\"unknown_node\":0,\"own_packet\":0,\"old_generation\":0,"
            "\"unverified_generation\":0,\"replayed\":2}},\"virtual_servers\":[],"
      "\"fitness\":0,\"carrier\":true,\"unfit\":\"\",\"peer_fitness\":0,\"peer_carrier\":true,\"tracks\":[],"
      "\"groups\":[{\"name\":\"default\",\"role\":\"active\",\"since\":\"2026-11-22T12:01:07Z\",\"since_seconds\":12.300,"
      "\"reason\":\"peer d2 silent on all links for more than deadtime 1s\",\"handover\":null,\"preferred\":\"d1\","
      "\"auto_failback\":false,\"vips\":2,\"vips_held\":1,\"peer_role\":\"backup\"}],\"resources\":[],"
      "\"config\":{\"digest\":\"0000000000000001/0000000000000002/fedcba9876543210\","
      "\"peer_digest\":\"0000000000000001/0000000000000003/fedcba9876543210\",\"match\":false,"
      "\"differs\":[\"virtual servers\"]}}\n");
}

TEST_F(StatusReportTest, RenderJsonHasEveryDocumentedField) {
  // The field names of the example in docs/control-protocol.md.
  std::ifstream doc(TANDEM_TEST_DATA "/../../docs/control-protocol.md");
  ASSERT_TRUE(doc) << "docs/control-protocol.md not found";
  std::stringstream text;
  text << doc.rdbuf();
  std::string md = text.str();
  auto start = md.find("```json");
  ASSERT_NE(start, std::string::npos);
  auto end = md.find("```", start + 7);
  ASSERT_NE(end, std::string::npos);
  std::string example = md.substr(start, end - start);
  std::set<std::string> documented;
  std::regex key_re("\"([a-z_]+)\"\\s*:");
  for (std::sregex_iterator it(example.begin(), example.end(), key_re), e; it != e; ++it)
    documented.insert((*it)[1].str());
  ASSERT_GE(documented.size(), 35u) << "the example in the doc was not found whole";

  StatusReport r = report(active_state(), {true, false}, counters());
  ipvs::Destination d;
  d.key.address = *config::IpAddress::parse("10.0.0.11");
  d.key.port = 80;
  ipvs::ServiceEntry e = web_service();
  e.dests = {d};
  ipvs::Table table = {e};
  add_ipvs(r, table, &table, "");
  config::VirtualServer vs;
  vs.address = config::Endpoint{*config::IpAddress::parse("10.0.0.100"), 80};
  vs.family = AF_INET;
  vs.check = config::Check{};
  config::RealServer real;
  real.address = d.key.address;
  real.port = 80;
  vs.reals = {real};
  auto board = health::HealthBoard::make({vs});
  board.board.record(0, health::ProbeResult{true, std::chrono::microseconds(900), "connected"},
                     std::chrono::system_clock::now());
  add_health(r, {vs}, board.board);
  r.ipvs_age_ms = 2310.5;
  CheckerStatus c;
  c.pid = 4242;
  c.answered_ms = 112;
  c.snapshot_age_ms = 310;
  add_loops(r, EngineStatus{}, c, 600);
  config::Track gateway;
  gateway.name = "gateway";
  gateway.addresses = {*config::IpAddress::parse("10.0.0.254")};
  failover::TrackState up;
  failover::record(up, gateway, true, "reply in 0.4 ms", 0.41, failover::TimePoint{});
  add_tracks(r, {gateway}, {up}, failover::TimePoint{}, std::chrono::system_clock::now());
  failover::GroupsState groups;
  groups.groups = {active_state()};
  groups.groups[0].params.resources = {failover::ResourceParams{"ldirectord"}};
  groups.groups[0].resources = {failover::ResourceView{failover::ResourceState::running}};
  add_groups(r, groups, cfg, {true, false}, steady_now, wall_now);
  auto json = render_json(r);
  for (const auto& name : documented) EXPECT_NE(json.find("\"" + name + "\":"), std::string::npos) << name;
}

TEST_F(StatusReportTest, VirtualServersAsTheKernelReportsThem) {
  StatusReport r = report(active_state(), {true, false}, counters());
  auto dest = [](const char* a, int w) {
    ipvs::Destination d;
    d.key.address = *config::IpAddress::parse(a);
    d.key.port = 80;
    d.weight = w;
    return d;
  };
  ipvs::ServiceEntry want = web_service();
  want.dests = {dest("10.0.0.11", 2), dest("10.0.0.12", 1)};
  ipvs::ServiceEntry have = want;
  have.dests = {dest("10.0.0.11", 5)};
  have.dests[0].forwarding = ipvs::Forwarding::local;
  have.dests[0].stats.active_conns = 3;
  have.dests[0].stats.inactive_conns = 4;
  ipvs::Table desired = {want}, kernel = {have};
  add_ipvs(r, desired, &kernel, "");
  const std::string json = render_json(r);
  const std::string vs = json.substr(json.find("\"virtual_servers\""));
  EXPECT_EQ(vs.substr(0, vs.find(",\"fitness\"")),
            "\"virtual_servers\":[{\"service\":\"TCP 10.0.0.100:80\",\"scheduler\":\"wlc\",\"in_kernel\":true,"
            "\"dests\":[{\"address\":\"10.0.0.11:80\",\"forwarding\":\"local\",\"weight\":5,\"configured_weight\":2,"
            "\"in_kernel\":true,\"active_conns\":3,\"inactive_conns\":4,\"persistent_conns\":0,\"fallback\":false,\"maintenance\":null},"
            "{\"address\":\"10.0.0.12:80\",\"forwarding\":\"dr\",\"weight\":0,\"configured_weight\":1,"
            "\"in_kernel\":false,\"active_conns\":0,\"inactive_conns\":0,\"persistent_conns\":0,\"fallback\":false,\"maintenance\":null}]}]");
  auto text = render_text(r);
  EXPECT_NE(text.find("virtual servers:\n  TCP 10.0.0.100:80 wlc\n"
                      "    -> 10.0.0.11:80 local weight 5, active 3, inactive 4\n"
                      "    -> 10.0.0.12:80 dr weight 0 (not in the kernel), active 0, inactive 0\n"),
            std::string::npos)
      << text;

  StatusReport broken = report(active_state(), {true, false}, counters());
  add_ipvs(broken, desired, nullptr, "IPVS is not available in this kernel (load ip_vs)");
  EXPECT_NE(render_json(broken).find("\"ipvs_error\":\"IPVS is not available in this kernel (load ip_vs)\""),
            std::string::npos);
  EXPECT_NE(render_text(broken).find("(kernel table unavailable: IPVS is not available"), std::string::npos);
  EXPECT_EQ(render_json(broken).find("ipvs_age_ms"), std::string::npos);
  broken.ipvs_age_ms = 1250.5;
  EXPECT_NE(render_json(broken).find(",\"ipvs_age_ms\":1250.500}"), std::string::npos) << render_json(broken);
}

// [ipvs]: the kernel's timeouts, and what the file sets where it differs.
TEST_F(StatusReportTest, IpvsTimeoutsAreShownWhenConfigured) {
  StatusReport none;
  add_timeouts(none, {}, ipvs::Timeouts{900, 120, 300});
  EXPECT_EQ(render_virtual_servers_text(none), "");
  EXPECT_EQ(render_virtual_servers_json(none).find("ipvs_timeouts"), std::string::npos);

  StatusReport same;
  add_timeouts(same, {3600, 0, 60}, ipvs::Timeouts{3600, 120, 60});
  EXPECT_EQ(render_virtual_servers_text(same), "ipvs timeouts: tcp 3600s tcpfin 120s udp 60s\n");
  EXPECT_EQ(render_virtual_servers_json(same),
            "\"virtual_servers\":[],\"ipvs_timeouts\":{"
            "\"configured\":{\"tcp_timeout\":3600,\"tcpfin_timeout\":null,\"udp_timeout\":60},"
            "\"kernel\":{\"tcp_timeout\":3600,\"tcpfin_timeout\":120,\"udp_timeout\":60}}");

  StatusReport refused;
  add_timeouts(refused, {3600, 0, 0}, ipvs::Timeouts{900, 120, 300});
  EXPECT_EQ(render_virtual_servers_text(refused), "ipvs timeouts: tcp 900s tcpfin 120s udp 300s (configured: tcp 3600s)\n");

  StatusReport unread;
  add_timeouts(unread, {0, 30, 0}, std::nullopt);
  EXPECT_EQ(render_virtual_servers_text(unread), "ipvs timeouts: not read (configured: tcpfin 30s)\n");
  EXPECT_NE(render_virtual_servers_json(unread).find("\"kernel\":null}"), std::string::npos);
}

TEST_F(StatusReportTest, RenderJsonRejectCountersAreKeyedByReasonName) {
  HeartbeatCounters c;
  for (std::size_t i = 0; i < c.rejected.size(); ++i) c.rejected[i] = 100 + i;
  auto json = render_json(report(active_state(), {true, false}, c));
  const char* names[] = {"truncated",    "bad_magic",    "bad_version",    "malformed",
                         "unknown_key",  "bad_hmac",     "unknown_node",   "own_packet",
                         "old_generation", "unverified_generation", "replayed"};
  ASSERT_EQ(std::size(names), failover::reject_reason_count);
  for (std::size_t i = 0; i < std::size(names); ++i) {
    const std::string expected = "\"" + std::string(names[i]) + "\":" + std::to_string(100 + i);
    EXPECT_NE(json.find(expected), std::string::npos) << expected;
  }
  EXPECT_EQ(json.find("\"unknown\""), std::string::npos);
}

TEST_F(StatusReportTest, RenderJsonDeadPeerHasNullRole) {
  auto s = active_state();
  s.peer.alive = false;
  auto json = render_json(report(s));
  EXPECT_NE(json.find("\"peer\":{\"name\":\"d2\",\"alive\":false,\"role\":null,\"priority\":90,"),
            std::string::npos)
      << json;
}

TEST_F(StatusReportTest, RenderJsonEscapesText) {
  auto s = active_state();
  s.reason = "link \"public\"\tdown\\";
  auto json = render_json(report(s));
  EXPECT_NE(json.find(R"("reason":"link \"public\"\tdown\\",)"), std::string::npos) << json;
}

TEST_F(StatusReportTest, TheCheckersSectionIsSplicedInAsItRenderedIt) {
  // The checker renders its part of a report...
  StatusReport part;
  ipvs::Table t = {web_service()};
  add_ipvs(part, t, &t, "");
  // ... and the engine's report carries it unchanged.
  StatusReport r = report(active_state(), {true, false}, counters());
  auto both = std::make_shared<const std::pair<std::string, std::string>>(render_virtual_servers_text(part),
                                                                          render_virtual_servers_json(part));
  r.checker_section = CheckerSection{both, both->first, both->second};
  StatusReport whole = report(active_state(), {true, false}, counters());
  add_ipvs(whole, t, &t, "");
  EXPECT_EQ(render_json(r), render_json(whole));
  EXPECT_EQ(render_text(r), render_text(whole));
  EXPECT_EQ(render_virtual_servers_json(part).rfind("\"virtual_servers\":[", 0), 0u);
}

TEST_F(StatusReportTest, LoopsAreShownAndLateOnesWarnedAbout) {
  StatusReport r = report(active_state(), {true, false}, counters());
  EngineStatus e;
  e.interval_ms = 200;
  e.loop_lag = Summary{600, 0.1, 0.5, 2.0};
  e.heartbeat_interval = Summary{299, 200.0, 200.5, 201.0};
  CheckerStatus c;
  c.pid = 4242;
  c.answered_ms = 12.5;
  c.loop_lag = Summary{20, 1.0, 5.0, 9.0};
  add_loops(r, e, c, 600);
  EXPECT_TRUE(r.warnings.empty());
  const auto json = render_json(r);
  EXPECT_NE(json.find("\"engine\":{\"loop_lag_ms\":{\"p50\":0.100,\"p99\":0.500,\"max\":2.000,\"samples\":600},"
                      "\"heartbeat_interval_ms\":{\"p50\":200.000,\"p99\":200.500,\"max\":201.000,\"samples\":299},"
                      "\"interval_ms\":200.000}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"checker\":{\"pid\":4242,\"restarts\":0,\"last_exit\":null,\"answered_ms\":12.500,"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"warnings\":[]"), std::string::npos);
  EXPECT_NE(render_text(r).find("engine: loop lag p99 0.5 ms, max 2.0 ms; heartbeats sent every 200.0 ms (p99 "
                                "200.5 ms, max 201.0 ms) over the last minute\nchecker: pid 4242, loop lag p99 5.0 "
                                "ms, max 9.0 ms\n"),
            std::string::npos)
      << render_text(r);

  // Above warntime/2 (300 ms): the engine's lag, a late heartbeat, the checker's lag.
  StatusReport late = report(active_state(), {true, false}, counters());
  e.loop_lag.max_ms = 350;
  e.heartbeat_interval.max_ms = 520;
  c.loop_lag.max_ms = 2000;
  c.pid.reset();
  c.restarts = 2;
  c.last_exit = "killed by signal 9 (Killed)";
  add_loops(late, e, c, 600);
  ASSERT_EQ(late.warnings.size(), 3u);
  EXPECT_EQ(late.warnings[0], "the engine's loop ran 350.0 ms late in the last minute (warntime/2 = 300.0 ms)");
  EXPECT_EQ(late.warnings[1], "a heartbeat was sent 320.0 ms late in the last minute (warntime/2 = 300.0 ms)");
  EXPECT_EQ(late.warnings[2], "the checker's loop ran 2000.0 ms late in the last minute (warntime/2 = 300.0 ms)");
  EXPECT_NE(render_json(late).find("\"pid\":null,\"restarts\":2,\"last_exit\":\"killed by signal 9 (Killed)\""),
            std::string::npos);
  EXPECT_NE(render_text(late).find("checker: restarting, loop lag p99 5.0 ms, max 2000.0 ms, restarted 2 times "
                                   "(last: killed by signal 9 (Killed))\nwarning: the engine's loop ran"),
            std::string::npos)
      << render_text(late);
}

TEST_F(StatusReportTest, StatusLineOfGroupsAndResources) {
  auto web = active_state();
  web.links[1].up = true;
  web.params.group = "web";
  web.params.resources = {failover::ResourceParams{"fs"}, failover::ResourceParams{"db"}};
  web.resources = {failover::ResourceView{failover::ResourceState::running},
                   failover::ResourceView{failover::ResourceState::failed, {}, "exit status 1: no db", true}};
  auto mail = web;
  mail.params.group = "mail";
  mail.role = failover::Role::backup;
  mail.params.vips = {cfg.vips[1]};
  mail.params.resources.clear();
  mail.resources.clear();
  failover::GroupsState groups;
  groups.named = true;
  groups.groups = {web, mail};
  StatusReport r = report(web, {true, false});
  add_groups(r, groups, cfg, {true, false}, steady_now, wall_now);
  EXPECT_EQ(status_line(r), "active for web (1 VIP), backup for mail; peer d2 up; 1/2 resources running");
  const std::string text = render_text(r);
  EXPECT_NE(text.find("resources: 1/2 resources running\n  fs (web): running since "), std::string::npos) << text;
  EXPECT_NE(text.find("  db (web): failed since "), std::string::npos) << text;
  EXPECT_NE(text.find("; last failure: exit status 1: no db\n"), std::string::npos) << text;
  EXPECT_NE(render_json(r).find("{\"name\":\"db\",\"group\":\"web\",\"state\":\"failed\""), std::string::npos);
  // The form without groups: the same count after a comma.
  StatusReport single = report(web, {true, false});
  failover::GroupsState one;
  one.groups = {web};
  one.groups[0].params.group.clear();
  add_groups(single, one, cfg, {true, false}, steady_now, wall_now);
  EXPECT_EQ(status_line(single), "active since 12:01:07, peer d2 backup, 1 VIP, 1/2 resources running");
}
