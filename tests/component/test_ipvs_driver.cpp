// The checker's IPVS driver on an in-memory table: the periodic full pass
// keeps its cadence however often the configuration is reloaded, a
// restarted checker keeps the weights it finds, and the [ipvs] timeouts are
// applied at start, on reload and by the periodic pass.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>

#include "daemon/ipvs_driver.hpp"
#include "ipvs/desired.hpp"
#include "tests/fakes/fake_ipvs_table.hpp"

namespace tandem::daemon {
namespace {

using namespace std::chrono_literals;

config::Config one_service() {
  config::Config cfg;
  config::VirtualServer vs;
  vs.address = config::Endpoint{*config::IpAddress::parse("10.0.0.100"), 80};
  vs.family = AF_INET;
  vs.check = config::Check{};
  for (const char* a : {"10.0.0.11", "10.0.0.12"}) {
    config::RealServer r;
    r.address = *config::IpAddress::parse(a);
    r.port = 80;
    vs.reals.push_back(r);
  }
  cfg.virtual_servers = {vs};
  return cfg;
}

struct Driver {
  boost::asio::io_context io;
  testing::FakeIpvsTable* table = nullptr;
  std::unique_ptr<testing::FakeIpvsTable> owned = std::make_unique<testing::FakeIpvsTable>();
  IpvsDriver driver{io, "",
                    [this]() -> std::variant<std::unique_ptr<ipvs::IpvsTable>, std::string> {
                      table = owned.get();
                      return std::unique_ptr<ipvs::IpvsTable>(std::move(owned));
                    },
                    [] {}, "/nonexistent/sync_threshold", 50ms};
};

TEST(IpvsDriver, FrequentReloadsDoNotPostponeTheFullPass) {
  Driver d;
  const config::Config cfg = one_service();
  auto board = health::HealthBoard::make(cfg.virtual_servers).board;
  ASSERT_FALSE(d.driver.prepare(cfg));
  ASSERT_FALSE(d.driver.configure(cfg, board));
  const int first = d.table->dump_calls;
  // A reload every 20 ms for 400 ms, against a 50 ms period.
  for (int i = 0; i < 20; ++i) {
    d.io.restart();
    d.io.run_for(20ms);
    ASSERT_FALSE(d.driver.configure(cfg, board));
  }
  EXPECT_GE(d.table->dump_calls - first, 4) << "the full pass every 50 ms went on";
  d.driver.stop();
}

TEST(IpvsDriver, ARestartedCheckerStartsTheQuiescedServersDown) {
  Driver d;
  const config::Config cfg = one_service();
  auto board = health::HealthBoard::make(cfg.virtual_servers).board;
  ASSERT_FALSE(d.driver.prepare(cfg));
  ASSERT_FALSE(d.driver.configure(cfg, board));
  // An earlier checker quiesced 10.0.0.12.
  auto& dests = d.table->table.at(0).dests;
  auto q = std::find_if(dests.begin(), dests.end(), [](const ipvs::Destination& x) { return x.key.address.str() == "10.0.0.12"; });
  ASSERT_NE(q, dests.end());
  q->weight = 0;

  Driver again;  // the restarted checker, on the same "kernel"
  again.owned = std::make_unique<testing::FakeIpvsTable>(*d.table);
  auto fresh = health::HealthBoard::make(cfg.virtual_servers).board;
  ASSERT_FALSE(again.driver.prepare(cfg));
  again.driver.inherit_health(cfg, fresh);
  EXPECT_EQ(fresh.entries()[0].state.health, health::Health::up);
  EXPECT_EQ(fresh.entries()[1].state.health, health::Health::down);
  ASSERT_FALSE(again.driver.configure(cfg, fresh));
  EXPECT_EQ(again.table->find(ipvs::service_key(cfg.virtual_servers[0]), ipvs::DestKey{*config::IpAddress::parse("10.0.0.12"), 80})->weight, 0)
      << "the restart changed no weight";
  d.driver.stop();
  again.driver.stop();
}

TEST(IpvsDriver, TimeoutsAloneOpenIpvsAndFollowStartReloadAndThePeriod) {
  Driver d;
  config::Config cfg;
  cfg.ipvs.tcp_timeout = 3600s;
  auto board = health::HealthBoard::make(cfg.virtual_servers).board;
  ASSERT_FALSE(d.driver.prepare(cfg));
  ASSERT_NE(d.table, nullptr) << "[ipvs] alone wants IPVS";
  ASSERT_FALSE(d.driver.configure(cfg, board));
  EXPECT_EQ(d.table->timeouts, (ipvs::Timeouts{3600, 120, 300}));
  // A reload: applied at once, without waiting for the period.
  config::Config reloaded = cfg;
  reloaded.ipvs.tcp_timeout = 1800s;
  reloaded.ipvs.udp_timeout = 60s;
  ASSERT_FALSE(d.driver.configure(reloaded, board));
  EXPECT_EQ(d.table->timeouts, (ipvs::Timeouts{1800, 120, 60}));
  // Changed by hand: the periodic full pass puts it back.
  d.table->timeouts.udp = 5;
  d.io.restart();
  d.io.run_for(120ms);
  EXPECT_EQ(d.table->timeouts.udp, 60u);
  d.driver.stop();
}

}  // namespace
}  // namespace tandem::daemon
