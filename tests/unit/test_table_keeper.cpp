// TableKeeper against the fake kernel table: start, drift repair, cached
// health changes without dumps, ownership across restarts, the connection
// timeouts, the sync daemon.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fakes/fake_ipvs_table.hpp"
#include "ipvs/desired.hpp"
#include "ipvs/table_keeper.hpp"

using namespace tandem;
using namespace tandem::ipvs;
using tandem::testing::FakeIpvsTable;

namespace {

config::VirtualServer web(const char* vip, std::initializer_list<const char*> reals) {
  config::VirtualServer vs;
  vs.address = config::Endpoint{*config::IpAddress::parse(vip), 80};
  vs.family = AF_INET;
  for (const char* r : reals) {
    config::RealServer real;
    real.address = *config::IpAddress::parse(r);
    vs.reals.push_back(real);
  }
  return vs;
}

bool running(const FakeIpvsTable& k, SyncState s) {
  return std::any_of(k.daemons_running.begin(), k.daemons_running.end(),
                     [&](const SyncDaemon& d) { return d.state == s; });
}

class TableKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tandem-keeper-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    state_ = (dir_ / "ipvs-created").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  TableKeeper make(FakeIpvsTable& t) {
    return TableKeeper(t, state_, [this](int p, const std::string& m) { logs_.emplace_back(p, m); });
  }
  int count_logs(const std::string& needle) const {
    int n = 0;
    for (const auto& [p, m] : logs_) n += m.find(needle) != std::string::npos;
    return n;
  }
  std::filesystem::path dir_;
  std::string state_;
  std::vector<std::pair<int, std::string>> logs_;
};

}  // namespace

TEST_F(TableKeeperTest, StartLoadsTheTableAndRecordsWhatItCreated) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  keeper.set_desired(desired_table({web("10.0.0.100", {"10.0.0.11", "10.0.0.12"})}));
  ASSERT_FALSE(keeper.reconcile_full().has_value());
  ASSERT_EQ(kernel.table.size(), 1u);
  EXPECT_EQ(kernel.table[0].dests.size(), 2u);
  EXPECT_EQ(kernel.apply_calls, 1) << "one batch";
  EXPECT_EQ(keeper.operations_applied(), 3u);
  std::ifstream in(state_);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "tcp 10.0.0.100 80");
  EXPECT_EQ(count_logs("ipvs: NEW dest 10.0.0.11:80"), 1);
}

TEST_F(TableKeeperTest, DriftIsRepairedOnTheNextFullPass) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  keeper.set_desired(desired_table({web("10.0.0.100", {"10.0.0.11", "10.0.0.12"})}));
  keeper.reconcile_full();
  kernel.table[0].dests.erase(kernel.table[0].dests.begin());  // ipvsadm -d
  kernel.table[0].dests[0].weight = 5;                          // ipvsadm -e -w 5
  keeper.reconcile_full();
  ASSERT_EQ(kernel.table[0].dests.size(), 2u);
  for (const auto& d : kernel.table[0].dests) EXPECT_EQ(d.weight, 1) << d.key.str();
}

TEST_F(TableKeeperTest, HealthChangeIsOneSetWithoutADump) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  auto vs = web("10.0.0.100", {"10.0.0.11", "10.0.0.12"});
  keeper.set_desired(desired_table({vs}));
  keeper.reconcile_full();
  int dumps = kernel.dump_calls;
  std::size_t ops = kernel.operations_seen;
  keeper.set_desired(desired_table({vs}, {{true, false}}));
  keeper.reconcile_cached();
  EXPECT_EQ(kernel.dump_calls, dumps);
  EXPECT_EQ(kernel.operations_seen - ops, 1u);
  EXPECT_EQ(kernel.find(service_key(vs), DestKey{*config::IpAddress::parse("10.0.0.12"), 80})->weight, 0);
}

TEST_F(TableKeeperTest, ForeignServicesAreLeftAloneAndOwnershipSurvivesARestart) {
  FakeIpvsTable kernel;
  Table foreign = desired_table({web("10.0.0.200", {"10.0.0.21"})});
  kernel.table = foreign;
  {
    auto keeper = make(kernel);
    keeper.set_desired(desired_table({web("10.0.0.100", {"10.0.0.11"}), web("10.0.0.150", {"10.0.0.31"})}));
    keeper.reconcile_full();
  }
  EXPECT_EQ(kernel.table.size(), 3u);
  // A new instance (a restart) whose config dropped 10.0.0.150: it deletes
  // what the earlier one created, and never the foreign service.
  auto keeper = make(kernel);
  keeper.set_desired(desired_table({web("10.0.0.100", {"10.0.0.11"})}));
  keeper.reconcile_full();
  ASSERT_EQ(kernel.table.size(), 2u);
  EXPECT_NE(kernel.find(foreign[0].service.key), nullptr);
  EXPECT_EQ(kernel.find(service_key(web("10.0.0.150", {}))), nullptr);
  // Nothing desired at all: only tandem's own goes.
  keeper.set_desired({});
  keeper.reconcile_full();
  ASSERT_EQ(kernel.table.size(), 1u);
  EXPECT_EQ(kernel.table[0].service.key, foreign[0].service.key);
  EXPECT_TRUE(keeper.created().empty());
}

TEST_F(TableKeeperTest, FailedOperationsAreLoggedAndRetried) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  auto vs = web("10.0.0.100", {"10.0.0.11", "10.0.0.12"});
  kernel.fail["NEW dest 10.0.0.12:80 dr weight 1 in TCP 10.0.0.100:80"] = ENOMEM;
  keeper.set_desired(desired_table({vs}));
  keeper.reconcile_full();
  EXPECT_EQ(kernel.table[0].dests.size(), 1u);
  EXPECT_EQ(count_logs("ipvs: NEW dest 10.0.0.12:80 dr weight 1 in TCP 10.0.0.100:80: Cannot allocate memory"), 1);
  kernel.fail.clear();
  keeper.reconcile_cached();
  EXPECT_EQ(kernel.table[0].dests.size(), 2u) << "the cached view knows it is still missing";
}

TEST_F(TableKeeperTest, DumpFailureIsReported) {
  FakeIpvsTable kernel;
  kernel.fail_dump = "IPVS is not available in this kernel (load ip_vs)";
  auto keeper = make(kernel);
  keeper.set_desired(desired_table({web("10.0.0.100", {"10.0.0.11"})}));
  auto err = keeper.reconcile_full();
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, "IPVS is not available in this kernel (load ip_vs)");
  EXPECT_EQ(kernel.apply_calls, 0);
}

// Status serves observed(): the last full read with every change since
// applied, so it matches the kernel without a dump of its own.
TEST_F(TableKeeperTest, ObservedViewFollowsTheChangesWithoutADump) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  auto vs = web("10.0.0.100", {"10.0.0.11", "10.0.0.12"});
  keeper.set_desired(desired_table({vs}));
  EXPECT_FALSE(keeper.last_dump().has_value());
  keeper.reconcile_full();
  ASSERT_TRUE(keeper.last_dump().has_value());
  EXPECT_EQ(keeper.dump_error(), "");
  const int dumps = kernel.dump_calls;
  keeper.set_desired(desired_table({vs}, {{true, false}}));
  keeper.reconcile_cached();
  EXPECT_EQ(kernel.dump_calls, dumps);
  ASSERT_EQ(keeper.observed().size(), kernel.table.size());
  EXPECT_EQ(keeper.observed()[0].service, kernel.table[0].service);
  EXPECT_EQ(keeper.observed()[0].dests, kernel.table[0].dests);
  kernel.fail_dump = "netlink: Connection refused";
  const auto first = *keeper.last_dump();
  EXPECT_TRUE(keeper.reconcile_full().has_value());
  EXPECT_EQ(keeper.dump_error(), "netlink: Connection refused");
  EXPECT_EQ(*keeper.last_dump(), first);  // the view is the older read, and says so
  kernel.fail_dump.reset();
  keeper.reconcile_full();
  EXPECT_EQ(keeper.dump_error(), "");
}

TEST_F(TableKeeperTest, TimeoutsAreSetOnStartAndDriftIsRepaired) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  keeper.set_desired_timeouts({3600, 30, 0});  // udp not configured
  ASSERT_FALSE(keeper.reconcile_full().has_value());
  EXPECT_EQ(kernel.timeouts, (Timeouts{3600, 30, 300})) << "udp keeps the kernel's";
  EXPECT_EQ(keeper.observed_timeouts(), kernel.timeouts);
  EXPECT_EQ(keeper.counters().timeouts_applied, 1u);
  EXPECT_EQ(count_logs("ipvs: SET timeouts tcp 3600s (was 900s) tcpfin 30s (was 120s)"), 1);
  // Nothing to do while they match: read, never set.
  keeper.reconcile_full();
  EXPECT_EQ(kernel.set_timeouts_calls, 1);
  EXPECT_EQ(kernel.get_timeouts_calls, 2);
  // ipvsadm --set 60 0 0: the next full pass puts tcp back, and only tcp.
  kernel.timeouts.tcp = 60;
  kernel.timeouts.udp = 45;
  keeper.reconcile_full();
  EXPECT_EQ(kernel.timeouts, (Timeouts{3600, 30, 45}));
  EXPECT_EQ(count_logs("ipvs: SET timeouts tcp 3600s (was 60s)"), 1);
}

TEST_F(TableKeeperTest, WithoutTimeoutsTheKernelsAreNeitherReadNorSet) {
  FakeIpvsTable kernel;
  kernel.timeouts = {7200, 60, 30};
  auto keeper = make(kernel);
  keeper.set_desired(desired_table({web("10.0.0.100", {"10.0.0.11"})}));
  keeper.reconcile_full();
  keeper.reconcile_cached();
  EXPECT_EQ(kernel.get_timeouts_calls, 0);
  EXPECT_EQ(kernel.set_timeouts_calls, 0);
  EXPECT_EQ(kernel.timeouts, (Timeouts{7200, 60, 30}));
  EXPECT_FALSE(keeper.observed_timeouts().has_value());
}

// A reload: the changed value goes out on the cached pass that applies the
// reload, from what the last full pass read; a removed key leaves the
// kernel's value as it is.
TEST_F(TableKeeperTest, ReloadChangesAndRemovedKeysStayAsTheKernelHasThem) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  keeper.set_desired_timeouts({600, 0, 60});
  keeper.reconcile_full();
  ASSERT_EQ(kernel.timeouts, (Timeouts{600, 120, 60}));
  const int reads = kernel.get_timeouts_calls;
  keeper.set_desired_timeouts({1200, 0, 60});  // tcp_timeout changed
  keeper.reconcile_cached();
  EXPECT_EQ(kernel.timeouts, (Timeouts{1200, 120, 60}));
  EXPECT_EQ(kernel.get_timeouts_calls, reads) << "no read on a cached pass";
  keeper.set_desired_timeouts({0, 0, 60});  // tcp_timeout removed
  keeper.reconcile_cached();
  keeper.reconcile_full();
  EXPECT_EQ(kernel.timeouts, (Timeouts{1200, 120, 60})) << "the kernel keeps what it had";
  EXPECT_EQ(kernel.set_timeouts_calls, 2);
  // Every key removed: nothing is read any more; added back, read afresh.
  keeper.set_desired_timeouts({});
  keeper.reconcile_full();
  EXPECT_FALSE(keeper.observed_timeouts().has_value());
  kernel.timeouts.udp = 5;  // by hand, while tandem does not care
  keeper.set_desired_timeouts({0, 0, 60});
  keeper.reconcile_cached();
  EXPECT_EQ(kernel.timeouts.udp, 60u) << "a cached pass with nothing known reads first";
}

TEST_F(TableKeeperTest, RefusedTimeoutsAreLoggedCountedAndRetried) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  keeper.set_desired(desired_table({web("10.0.0.100", {"10.0.0.11"})}));
  keeper.set_desired_timeouts({600, 0, 0});
  kernel.fail_set_timeouts = EINVAL;
  EXPECT_FALSE(keeper.reconcile_full().has_value()) << "the table pass goes on";
  EXPECT_EQ(kernel.table.size(), 1u);
  EXPECT_EQ(kernel.timeouts.tcp, 900u);
  EXPECT_EQ(keeper.counters().timeouts_failed, 1u);
  EXPECT_EQ(count_logs("ipvs: setting the IPVS timeouts (tcp 600s): Invalid argument"), 1);
  keeper.reconcile_cached();  // the cached view knows it is still to do
  EXPECT_EQ(keeper.counters().timeouts_failed, 2u);
  kernel.fail_set_timeouts = 0;
  keeper.reconcile_full();
  EXPECT_EQ(kernel.timeouts.tcp, 600u);
  EXPECT_EQ(keeper.counters().timeouts_applied, 1u);
}

TEST_F(TableKeeperTest, UnreadableTimeoutsAreLoggedAndNotSet) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  keeper.set_desired_timeouts({600, 0, 0});
  kernel.fail_get_timeouts = "reading the IPVS timeouts: no acknowledgement: Resource temporarily unavailable";
  keeper.reconcile_full();
  EXPECT_EQ(kernel.set_timeouts_calls, 0);
  EXPECT_EQ(keeper.counters().dump_errors, 1u);
  EXPECT_FALSE(keeper.observed_timeouts().has_value());
  EXPECT_EQ(count_logs("ipvs: reading the IPVS timeouts: no acknowledgement"), 1);
  kernel.fail_get_timeouts.reset();
  keeper.reconcile_full();
  EXPECT_EQ(kernel.timeouts.tcp, 600u);
}

TEST_F(TableKeeperTest, ATimeoutTheKernelDoesNotReportIsSaidOnce) {
  FakeIpvsTable kernel;
  kernel.timeouts = {900, 120, 0};  // built without UDP
  auto keeper = make(kernel);
  keeper.set_desired_timeouts({900, 120, 60});
  keeper.reconcile_full();
  keeper.reconcile_full();
  EXPECT_EQ(kernel.set_timeouts_calls, 0);
  EXPECT_EQ(count_logs("ipvs: the kernel reports no udp_timeout"), 1);
}

TEST_F(TableKeeperTest, SyncDaemonFollowsTheRole) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  SyncDaemon settings;
  settings.interface = "eth1";
  settings.syncid = 7;
  ASSERT_FALSE(keeper.set_sync(settings, false).has_value());
  EXPECT_TRUE(running(kernel, SyncState::backup));
  EXPECT_FALSE(running(kernel, SyncState::master));
  // Asking again changes nothing even though the kernel filled in defaults.
  ASSERT_FALSE(keeper.set_sync(settings, false).has_value());
  EXPECT_EQ(kernel.daemons_running.size(), 1u);
  // Takeover: backup stops, master starts.
  ASSERT_FALSE(keeper.set_sync(settings, true).has_value());
  EXPECT_TRUE(running(kernel, SyncState::master));
  EXPECT_FALSE(running(kernel, SyncState::backup));
  // A changed syncid restarts the daemon.
  settings.syncid = 8;
  ASSERT_FALSE(keeper.set_sync(settings, true).has_value());
  ASSERT_EQ(kernel.daemons_running.size(), 1u);
  EXPECT_EQ(kernel.daemons_running[0].syncid, 8u);
  keeper.stop_sync();
  EXPECT_TRUE(kernel.daemons_running.empty());
}

TEST_F(TableKeeperTest, WithoutSyncConfiguredOnlyOwnDaemonsStop) {
  FakeIpvsTable kernel;
  auto keeper = make(kernel);
  SyncDaemon foreign;
  foreign.interface = "eth0";
  foreign.syncid = 1;
  kernel.start_daemon(foreign);  // started by hand
  ASSERT_FALSE(keeper.set_sync(std::nullopt, true).has_value());
  EXPECT_TRUE(running(kernel, SyncState::backup)) << "not ours";
}

TEST(TableKeeperState, KeyLinesRoundTrip) {
  for (const char* line : {"tcp 10.0.0.100 80", "udp 2001:db8::1 53", "sctp 10.0.0.1 0", "fwmark 7 ipv4",
                           "fwmark 4294967295 ipv6"}) {
    auto k = parse_service_key(line);
    ASSERT_TRUE(k.has_value()) << line;
    EXPECT_EQ(format_service_key(*k), line);
  }
  for (const char* bad : {"", "tcp", "tcp 10.0.0.1", "tcp 10.0.0.1 65536", "icmp 10.0.0.1 1", "fwmark 0 ipv4",
                          "fwmark 7 ipx", "tcp 10.0.0.1 80 extra", "tcp nothere 80", "fwmark x ipv4"})
    EXPECT_FALSE(parse_service_key(bad).has_value()) << bad;
}
