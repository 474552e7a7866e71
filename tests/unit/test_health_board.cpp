// The health board: verdicts per real server, the log lines of transitions
// (once each), the healthy matrix, carrying state across a reload, and the
// status report built from it.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "daemon/status_report.hpp"
#include "health/board.hpp"
#include "ipvs/desired.hpp"

namespace tandem::health {
namespace {

using namespace std::chrono_literals;

config::RealServer real(const char* address, std::uint16_t port, int weight = 1) {
  config::RealServer r;
  r.address = *config::IpAddress::parse(address);
  r.port = port;
  r.weight = weight;
  return r;
}

config::VirtualServer web(config::Check::Type type = config::Check::Type::http) {
  config::VirtualServer vs;
  vs.address = config::Endpoint{*config::IpAddress::parse("10.0.0.100"), 80};
  vs.family = AF_INET;
  config::Check check;
  check.type = type;
  check.rise = 2;
  check.fall = 3;
  check.receive = "Working";
  if (type != config::Check::Type::http) check.receive.clear();
  vs.check = check;
  vs.reals = {real("10.0.0.11", 80), real("10.0.0.12", 80, 5)};
  return vs;
}

const WallTime at{std::chrono::seconds(1'800'000'000)};

ProbeResult fail(const char* why = "connect: connection refused") { return ProbeResult{false, 1500us, why}; }
ProbeResult pass() { return ProbeResult{true, 1200us, "HTTP/1.1 200 OK"}; }

HealthBoard make(const std::vector<config::VirtualServer>& servers) {
  auto built = HealthBoard::make(servers);
  EXPECT_TRUE(built.errors.empty());
  return std::move(built.board);
}

TEST(HealthBoardTest, OneEntryPerRealWithItsCompiledCheck) {
  config::VirtualServer plain = web();
  plain.check.reset();
  const HealthBoard b = make({web(), plain});
  ASSERT_EQ(b.entries().size(), 4u);
  EXPECT_EQ(b.entries()[0].name, "real 10.0.0.11:80 of TCP 10.0.0.100:80");
  ASSERT_TRUE(b.entries()[0].spec);
  EXPECT_EQ(b.entries()[0].spec->type, ProbeType::http);
  EXPECT_EQ(b.entries()[0].spec->request, "GET / HTTP/1.1\r\nHost: 10.0.0.11\r\nUser-Agent: tandem\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(b.entries()[0].check, "http");
  EXPECT_FALSE(b.entries()[2].spec);  // no check: never probed, always up
  EXPECT_EQ(b.entries()[2].check, "");
  EXPECT_EQ(b.index_of(1, 1), 3u);
  EXPECT_FALSE(b.index_of(2, 0));
  EXPECT_EQ(b.healthy(), (std::vector<std::vector<bool>>{{true, true}, {true, true}}));
  EXPECT_EQ(b.healthy_count(), 4u);
}

TEST(HealthBoardTest, CheckChangesSayWhatAReloadDoesToTheChecks) {
  const HealthBoard old = make({web()});
  EXPECT_TRUE(make({web()}).check_changes(old).empty()) << "the same file";
  auto next = web();
  next.reals.push_back(real("10.0.0.13", 80));  // new
  next.reals.erase(next.reals.begin());         // 10.0.0.11 goes
  next.reals[0].weight = 9;                     // a weight is not a check
  auto rise = next;
  rise.check->rise = 5;  // every check changes
  EXPECT_EQ(make({next}).check_changes(old),
            (std::vector<std::string>{"health: new http check of real 10.0.0.13:80 of TCP 10.0.0.100:80",
                                      "health: no more http check of real 10.0.0.11:80 of TCP 10.0.0.100:80"}));
  EXPECT_EQ(make({rise}).check_changes(old),
            (std::vector<std::string>{"health: changed http check of real 10.0.0.12:80 of TCP 10.0.0.100:80",
                                      "health: new http check of real 10.0.0.13:80 of TCP 10.0.0.100:80",
                                      "health: no more http check of real 10.0.0.11:80 of TCP 10.0.0.100:80"}));
  // Type none is no check, before or after.
  EXPECT_EQ(make({web(config::Check::Type::none)}).check_changes(old).size(), 2u);
  EXPECT_TRUE(make({web(config::Check::Type::none)}).check_changes(make({web(config::Check::Type::none)})).empty());
}

TEST(HealthBoardTest, TypeNoneIsNotProbed) {
  const HealthBoard b = make({web(config::Check::Type::none)});
  EXPECT_FALSE(b.entries()[0].spec);
  EXPECT_EQ(b.entries()[0].check, "none");
}

TEST(HealthBoardTest, FallThenRiseLogOnceEach) {
  HealthBoard b = make({web()});
  EXPECT_TRUE(b.record(0, fail(), at).empty());
  EXPECT_TRUE(b.record(0, fail(), at).empty());
  const auto down = b.record(0, fail(), at + 1s);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0],
            "real 10.0.0.11:80 of TCP 10.0.0.100:80 is down after 3 failed checks: connect: connection refused; "
            "weight 0");
  EXPECT_EQ(b.entries()[0].last_change, at + 1s);
  EXPECT_TRUE(b.record(0, fail(), at + 2s).empty());  // still down: nothing more
  EXPECT_EQ(b.healthy(), (std::vector<std::vector<bool>>{{false, true}}));
  EXPECT_TRUE(b.record(0, pass(), at + 3s).empty());
  const auto up = b.record(0, pass(), at + 4s);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0],
            "real 10.0.0.11:80 of TCP 10.0.0.100:80 is up after 2 successful checks (HTTP/1.1 200 OK, 1.2 ms); "
            "configured weight back");
  EXPECT_EQ(b.entries()[0].probes, 6u);
  EXPECT_EQ(b.entries()[0].failed, 4u);
  EXPECT_EQ(b.entries()[0].last_at, at + 4s);
  EXPECT_EQ(b.entries()[0].last, pass());
}

TEST(HealthBoardTest, TheLastServerDownBringsTheFallbackAndTheFirstBackRemovesIt) {
  config::VirtualServer vs = web();
  vs.fallback = config::Endpoint{*config::IpAddress::parse("127.0.0.1"), 8080};
  vs.on_failure = config::OnFailure::remove;
  HealthBoard b = make({vs});
  for (int i = 0; i < 3; ++i) b.record(0, fail(), at);
  std::vector<std::string> last;
  for (int i = 0; i < 3; ++i) last = b.record(1, fail("timeout after 500ms (connect)"), at);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0],
            "real 10.0.0.12:80 of TCP 10.0.0.100:80 is down after 3 failed checks: timeout after 500ms (connect); "
            "removed from IPVS");
  EXPECT_EQ(last[1], "no real server of TCP 10.0.0.100:80 is healthy; fallback 127.0.0.1:8080 added");
  // The table: both reals out, the fallback in.
  const auto table = ipvs::desired_table({vs}, b.healthy());
  ASSERT_EQ(table.size(), 1u);
  ASSERT_EQ(table[0].dests.size(), 1u);
  EXPECT_EQ(table[0].dests[0].key.str(), "127.0.0.1:8080");
  b.record(1, pass(), at);
  const auto back = b.record(1, pass(), at);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1], "TCP 10.0.0.100:80 has a healthy real server again; fallback 127.0.0.1:8080 removed");
}

TEST(HealthBoardTest, WithoutAFallbackTheLastServerDownSaysSo) {
  HealthBoard b = make({web()});
  for (int i = 0; i < 3; ++i) b.record(0, fail(), at);
  std::vector<std::string> last;
  for (int i = 0; i < 3; ++i) last = b.record(1, fail(), at);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[1], "no real server of TCP 10.0.0.100:80 is healthy; it has no fallback");
}

TEST(HealthBoardTest, AReloadKeepsTheStateOfUnchangedChecksOnly) {
  HealthBoard old = make({web()});
  for (int i = 0; i < 3; ++i) {
    old.record(0, fail(), at);
    old.record(1, fail(), at);
  }
  config::VirtualServer next = web();
  next.reals[1].check = config::CheckOverride{};
  next.reals[1].check->request = "/health";  // its check changed
  next.reals.push_back(real("10.0.0.13", 80));  // a new real
  HealthBoard b = make({next});
  // Only the unchanged check is the same (its schedule is kept by a reload).
  EXPECT_EQ(b.same_checks(old), (std::vector<std::optional<std::size_t>>{0, std::nullopt, std::nullopt}));
  b.carry_over(old);
  EXPECT_EQ(b.entries()[0].state.health, Health::down);
  EXPECT_EQ(b.entries()[0].probes, 3u);
  EXPECT_EQ(b.entries()[1].state.health, Health::up);
  EXPECT_EQ(b.entries()[1].probes, 0u);
  EXPECT_EQ(b.entries()[2].state.health, Health::up);
  // A real moved to another virtual server starts afresh too.
  config::VirtualServer other = web();
  other.address->port = 8080;
  HealthBoard moved = make({other});
  EXPECT_FALSE(moved.same_checks(old)[0]);
  moved.carry_over(old);
  EXPECT_EQ(moved.entries()[0].state.health, Health::up);
}

TEST(HealthBoardTest, ARestartedCheckerAssumesTheKernelsQuiescedServersDown) {
  HealthBoard b = make({web(), web()});
  b.assume_down({{true, false}, {}});  // the second vs: missing entries stay up
  EXPECT_EQ(b.entries()[0].state.health, Health::up);
  EXPECT_EQ(b.entries()[1].state.health, Health::down);
  EXPECT_EQ(b.entries()[1].state.successes, 0u);
  EXPECT_EQ(b.healthy_count(), b.entries().size() - 1);
}

TEST(HealthStatusTest, StatusShowsHealthRemovedRealsAndTheFallback) {
  config::VirtualServer vs = web();
  vs.fallback = config::Endpoint{*config::IpAddress::parse("127.0.0.1"), 8080};
  vs.on_failure = config::OnFailure::remove;
  HealthBoard b = make({vs});
  for (int i = 0; i < 3; ++i) {
    b.record(0, fail(), at);
    b.record(1, fail(), at);
  }
  const auto desired = ipvs::desired_table({vs}, b.healthy());
  daemon::StatusReport r;
  daemon::add_ipvs(r, desired, &desired, "");
  daemon::add_health(r, {vs}, b);
  EXPECT_EQ(r.reals, 2u);
  EXPECT_EQ(r.reals_healthy, 0u);
  ASSERT_EQ(r.virtual_servers.size(), 1u);
  const auto& dests = r.virtual_servers[0].dests;
  ASSERT_EQ(dests.size(), 3u);
  EXPECT_EQ(dests[0].address, "127.0.0.1:8080");
  EXPECT_TRUE(dests[0].fallback);
  EXPECT_FALSE(dests[0].health);
  EXPECT_EQ(dests[1].address, "10.0.0.11:80");
  EXPECT_FALSE(dests[1].in_kernel);
  EXPECT_EQ(dests[1].weight, 0);
  EXPECT_EQ(dests[1].configured_weight, 1);
  ASSERT_TRUE(dests[1].health);
  EXPECT_EQ(dests[1].health->state, "down");
  EXPECT_EQ(dests[1].health->check, "http");
  EXPECT_EQ(dests[1].health->last_at, "2027-01-15T08:00:00Z");
  EXPECT_EQ(dests[2].configured_weight, 5);
  const std::string json = daemon::render_json(r);
  EXPECT_NE(json.find(R"("health":"down","check":"http","last_check":{"ok":false,"reason":"connect: connection refused","latency_ms":1.500,"at":"2027-01-15T08:00:00Z"},"last_change":"2027-01-15T08:00:00Z","probes":3,"failed_probes":3)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("address":"127.0.0.1:8080","forwarding":"nat")"), std::string::npos) << json;
  const std::string text = daemon::render_text(r);
  EXPECT_NE(text.find("-> 10.0.0.11:80 dr weight 0 (not in the kernel), active 0, inactive 0, down since "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(http: connect: connection refused, 1.5 ms)"), std::string::npos) << text;
  EXPECT_NE(daemon::status_line(r).find(", 0/2 real servers healthy"), std::string::npos);
}

}  // namespace
}  // namespace tandem::health
