// The engine shell (daemon::Director) on fakes with a manual clock: the
// heartbeat links are FakeHeartbeatLinks, the VIPs a FakeAddressManager, the
// service manager a RecordingNotifier, the checker is played over a
// socketpair (FakeCheckers), and EngineClock only moves when the test
// advances it. The control socket is real (in a temporary directory).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "daemon/director.hpp"
#include "daemon/engine_clock.hpp"
#include "failover/heartbeat_codec.hpp"
#include "fakes/fake_address_manager.hpp"
#include "fakes/fake_carrier.hpp"
#include "fakes/fake_checker.hpp"
#include "fakes/fake_heartbeat_link.hpp"
#include "fakes/recording_notifier.hpp"

namespace tandem::daemon {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using failover::Role;

const config::AuthKeys kKeys{1, {config::AuthKey{1, config::HmacAlgorithm::sha256, "director-test-key"}}};
const config::Vip kVip{config::IpPrefix::parse("10.0.0.100/24").value(), "eth0", ""};
const config::Vip kAdded{config::IpPrefix::parse("10.0.0.101/24").value(), "eth0", ""};
const std::string kAddedToml = "[[vip]]\naddress = \"10.0.0.101/24\"\ninterface = \"eth0\"\n";

// A request on the control socket, sent from a thread so that the loop
// under test can run meanwhile; the whole reply once `done`.
struct Asked {
  std::thread client;
  std::string reply;
  std::atomic<bool> done{false};

  Asked(std::string path, std::string line) {
    client = std::thread([this, path = std::move(path), line = std::move(line)] {
      int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string req = line + "\n";
        (void)!::write(fd, req.data(), req.size());
        char buf[65536];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) reply.append(buf, std::size_t(n));
      } else {
        reply = "connect failed";
      }
      ::close(fd);
      done = true;
    });
  }
  ~Asked() {
    if (client.joinable()) client.join();
  }
  std::string take() {
    client.join();
    return reply;
  }
};

class DirectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineClock::set_manual(std::chrono::steady_clock::now());
    char tmpl[] = "/tmp/tandem-director-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string keys = dir_ + "/authkeys";
    {
      std::ofstream k(keys);
      k << "auth 1\n1 sha256 director-test-key\n";
    }
    ::chmod(keys.c_str(), 0600);
  }

  void TearDown() override {
    director_.reset();
    EngineClock::set_real();
    std::filesystem::remove_all(dir_);
  }

  std::string config_text(const std::string& extra = "") const {
    return "[node]\nname = \"d1\"\npriority = 100\n"
           "[cluster]\npeer = \"d2\"\ninterval = \"100ms\"\ndeadtime = \"500ms\"\nwarntime = \"300ms\"\n"
           "initdead = \"1s\"\nauthkeys = \"" +
           dir_ +
           "/authkeys\"\n"
           "[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n"
           "[[vip]]\naddress = \"10.0.0.100/24\"\ninterface = \"eth0\"\n" +
           extra;
  }
  std::string config_path() const { return dir_ + "/tandem.toml"; }
  std::string socket_path() const { return dir_ + "/tandemd.sock"; }

  void write_config(const std::string& text) {
    std::ofstream f(config_path());
    f << text;
  }

  // Builds and starts the engine on `text` (written to the config path).
  void start(const std::string& text, bool links_open = true) {
    write_config(text);
    auto parsed = config::parse_config(text, config_path(), {"d1"});
    ASSERT_TRUE(parsed.config) << (parsed.errors.empty() ? "" : parsed.errors[0].format());
    auto addresses = std::make_unique<testing::FakeAddressManager>();
    addresses_ = addresses.get();
    auto notifier = std::make_unique<testing::RecordingNotifier>();
    notifier->watchdog_usec = watchdog_usec_;
    notifier_ = notifier.get();
    DirectorAdapters adapters{std::move(addresses), std::move(notifier), checkers_.spawner(), checkers_.reaper(),
                              checkers_.killer()};
    adapters.make_link = links_.maker();
    auto carrier = std::make_unique<testing::FakeCarrier>();
    carrier_ = carrier.get();
    adapters.carrier = std::move(carrier);
    adapters.checker_timings = CheckerTimings{.ping_every = 100ms,
                                              .stall_after = 1s,
                                              .busy_stall_after = 3s,
                                              .first_backoff = 100ms,
                                              .max_backoff = 1s,
                                              .stable_after = 30s};
    director_ = std::make_unique<Director>(io_, DirectorOptions{config_path(), socket_path(), "d1"},
                                           std::move(*parsed.config), text, kKeys, std::move(adapters));
    auto err = director_->start();
    ASSERT_FALSE(err) << *err;
    // The checker answers on the loop; then the links open.
    if (links_open) settle([&] { return links_.made > 0 && links_["public"].is_open(); });
  }

  // Runs what is ready on the loop, without moving the clock, until `done`
  // (or for up to `limit` of real time: threads, the control socket).
  template <class F>
  bool settle(F done, std::chrono::milliseconds limit = 3s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      io_.restart();
      io_.poll();
      if (done()) return true;
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(200us);
    }
  }
  // Runs the loop until nothing more is ready. With the manual clock a
  // timer is looked at every 100 µs of real time (EngineWaitTraits), so
  // the loop counts as idle only after two quiet rounds 150 µs apart.
  void poll() {
    io_.restart();
    for (int idle = 0; idle < 2;) {
      if (io_.poll() > 0) {
        idle = 0;
      } else {
        ++idle;
        std::this_thread::sleep_for(150us);
      }
    }
  }

  // Moves the clock by `d` in steps of `step`, running the loop after each;
  // `each` runs after every step (a peer sending, say).
  template <class F>
  void advance(EngineClock::duration d, F each, EngineClock::duration step = 5ms) {
    for (EngineClock::duration done{}; done < d; done += step) {
      EngineClock::advance(step);
      poll();
      each();
    }
  }
  void advance(EngineClock::duration d) {
    advance(d, [] {});
  }
  // Advances until `done`, at most `limit`; how long it took.
  template <class F>
  std::optional<EngineClock::duration> advance_until(F done, EngineClock::duration limit,
                                                     EngineClock::duration step = 5ms) {
    for (EngineClock::duration t{}; t <= limit; t += step) {
      if (done()) return t;
      EngineClock::advance(step);
      poll();
    }
    return std::nullopt;
  }

  // What d1 sent last on the link, decoded.
  std::optional<failover::Heartbeat> last_sent() {
    auto& sent = links_["public"].sent;
    if (sent.empty()) return std::nullopt;
    auto d = failover::decode_heartbeat(sent.back(), kKeys);
    if (auto* hb = std::get_if<failover::Heartbeat>(&d)) return *hb;
    return std::nullopt;
  }

  // The peer d2 sends one heartbeat, acknowledging d1's generation.
  void peer_sends(Role role, std::uint16_t flags = 0, bool wake = true,
                  std::optional<EngineClock::time_point> arrived = std::nullopt, std::uint8_t version = 2) {
    failover::Heartbeat hb;
    hb.version = version;
    hb.node = "d2";
    hb.generation = peer_generation_;
    hb.sequence = ++peer_sequence_;
    hb.ack_generation = last_sent() ? last_sent()->generation : 0;
    hb.role = role;
    hb.priority = 100;
    hb.flags = flags;
    links_["public"].deliver(failover::encode_heartbeat(hb, kKeys.send_key()), arrived.value_or(EngineClock::now()),
                             wake);
  }
  // A peer that sends every interval (100 ms) as `role`.
  auto peer_every_interval(Role role) {
    return [this, role, next = EngineClock::now()]() mutable {
      if (EngineClock::now() < next) return;
      peer_sends(role);
      next += 100ms;
    };
  }

  bool holds_vip() const { return addresses_->held.count(kVip) > 0; }
  Role role_sent() { return last_sent() ? last_sent()->role : Role::init; }

  std::unique_ptr<Asked> ask_async(const std::string& line) { return std::make_unique<Asked>(socket_path(), line); }
  // One request line on the control socket; the whole reply.
  std::string ask(const std::string& line) {
    auto a = ask_async(line);
    settle([&] { return a->done.load(); }, 10s);
    return a->take();
  }

  std::string dir_;
  asio::io_context io_;
  testing::FakeCheckers checkers_{io_};
  testing::FakeLinks links_;
  testing::FakeAddressManager* addresses_ = nullptr;
  testing::RecordingNotifier* notifier_ = nullptr;
  testing::FakeCarrier* carrier_ = nullptr;
  std::optional<std::chrono::microseconds> watchdog_usec_;
  std::unique_ptr<Director> director_;
  std::uint64_t peer_generation_ = 7777;
  std::uint64_t peer_sequence_ = 0;
};

TEST_F(DirectorTest, OpensTheLinksOnlyOnceTheCheckerHasConfiguredThenSendsEveryInterval) {
  checkers_.new_answer_configure = false;
  start(config_text(), false);
  ASSERT_TRUE(settle([&] { return !checkers_.played.empty() && !checkers_.last().got.empty(); }));
  EXPECT_EQ(links_["public"].opened, 0) << "links wait for the checker's first Configured";
  EXPECT_FALSE(std::filesystem::exists(socket_path()));
  auto conf = checkers_.last().all<checker::Configure>();
  ASSERT_EQ(conf.size(), 1u);
  EXPECT_EQ(conf[0].text, config_text());
  checkers_.last().send(checker::Configured{conf[0].id, true, ""});
  ASSERT_TRUE(settle([&] { return links_["public"].is_open(); }));
  EXPECT_TRUE(std::filesystem::exists(socket_path()));

  const auto before = links_["public"].sent.size();
  advance(1s);
  const auto sent = links_["public"].sent.size() - before;
  EXPECT_GE(sent, 9u);
  EXPECT_LE(sent, 11u);
}

TEST_F(DirectorTest, AloneItTakesTheVipsAfterInitdeadAndTellsTheServiceManager) {
  start(config_text());
  EXPECT_FALSE(holds_vip());
  EXPECT_EQ(notifier_->readies, 0);
  auto took = advance_until([&] { return holds_vip(); }, 3s);
  ASSERT_TRUE(took);
  EXPECT_GE(*took, 1s);  // initdead
  EXPECT_LE(*took, 1100ms);
  EXPECT_GE(addresses_->announcements[kVip], 1);
  EXPECT_EQ(notifier_->readies, 1);
  ASSERT_FALSE(notifier_->statuses.empty());
  EXPECT_NE(notifier_->statuses.back().find("active"), std::string::npos) << notifier_->statuses.back();
  advance(200ms);
  EXPECT_EQ(role_sent(), Role::active);
  const auto sync = checkers_.last().all<checker::SetSync>();
  ASSERT_FALSE(sync.empty());
  EXPECT_TRUE(sync.back().master);
}

TEST_F(DirectorTest, StaysBackupWhileThePeerIsActiveAndTakesOverOneDeadtimeAfterItsLastHeartbeat) {
  start(config_text());
  advance(5s, peer_every_interval(Role::active));
  EXPECT_FALSE(holds_vip());
  EXPECT_EQ(role_sent(), Role::backup);
  // The peer falls silent.
  const auto last = EngineClock::now();
  peer_sends(Role::active);
  auto took = advance_until([&] { return holds_vip(); }, 2s);
  ASSERT_TRUE(took);
  const auto since_last = EngineClock::now() - last;
  EXPECT_GE(since_last, 500ms);
  EXPECT_LE(since_last, 520ms);
}

TEST_F(DirectorTest, AHeartbeatWaitingInTheSocketCountsByItsArrivalBeforeADeadline) {
  start(config_text());
  advance(3s, peer_every_interval(Role::active));
  // The last heartbeat the loop was told about...
  peer_sends(Role::active);
  poll();
  // ... and one that reached the socket 300 ms later while the loop was
  // busy: nothing woke the loop for it.
  advance(300ms);
  const auto arrived = EngineClock::now();
  peer_sends(Role::active, 0, /*wake=*/false, arrived);
  // The deadline of the first one passes: the engine reads the socket
  // before judging, and the peer lives on.
  advance(300ms);
  EXPECT_FALSE(holds_vip());
  EXPECT_EQ(links_["public"].waiting(), 0u);
  // One deadtime after the late one's arrival, the peer is dead.
  auto took = advance_until([&] { return holds_vip(); }, 1s);
  ASSERT_TRUE(took);
  EXPECT_GE(EngineClock::now() - arrived, 500ms);
  EXPECT_LE(EngineClock::now() - arrived, 520ms);
}

TEST_F(DirectorTest, ACheckerThatDiesIsRestartedWhileTheVipAndTheHeartbeatsStay) {
  start(config_text());
  ASSERT_TRUE(advance_until([&] { return holds_vip(); }, 3s));
  advance(1500ms);  // past the takeover's announcements
  const auto before = links_["public"].sent.size();
  const int announced = addresses_->announcements[kVip];
  checkers_.last().crash();
  advance(1s);
  EXPECT_TRUE(holds_vip());
  EXPECT_EQ(addresses_->announcements[kVip], announced) << "no new takeover";
  EXPECT_GE(links_["public"].sent.size() - before, 9u);
  ASSERT_EQ(checkers_.played.size(), 2u);
  auto& second = checkers_.last();
  EXPECT_TRUE(second.restarted);
  auto conf = second.all<checker::Configure>();
  ASSERT_EQ(conf.size(), 1u);
  EXPECT_EQ(conf[0].text, config_text());
  ASSERT_FALSE(second.all<checker::SetSync>().empty());
  EXPECT_TRUE(second.all<checker::SetSync>().back().master);
  const auto status = ask("status-json");
  EXPECT_EQ(status.rfind("ok\n", 0), 0u) << status;
  EXPECT_NE(status.find("\"restarts\":1"), std::string::npos) << status;
  EXPECT_NE(status.find("\"role\":\"active\""), std::string::npos);
}

TEST_F(DirectorTest, AStalledCheckerIsKilledAndStatusStillAnswers) {
  start(config_text());
  ASSERT_TRUE(advance_until([&] { return holds_vip(); }, 3s));
  checkers_.last().answer_pings = false;
  const auto status = ask("status-json");  // nothing waits for the checker
  EXPECT_EQ(status.rfind("ok\n", 0), 0u) << status;
  auto took = advance_until([&] { return checkers_.played.size() == 2; }, 3s);
  ASSERT_TRUE(took);
  EXPECT_GE(*took, 1s);  // stall_after
  EXPECT_LE(*took, 1300ms);
  EXPECT_TRUE(checkers_.played[0]->killed);
  EXPECT_TRUE(holds_vip());
}

TEST_F(DirectorTest, TheWatchdogIsFedOnlyWhileACheckerAnswers) {
  watchdog_usec_ = 2s;
  start(config_text());
  advance(10s);
  EXPECT_GE(notifier_->watchdogs, 9);
  EXPECT_LE(notifier_->watchdogs, 11);
  // From now on no checker answers: each is killed after its stall bound
  // and the next one stays silent too.
  checkers_.new_answer_pings = false;
  checkers_.last().answer_pings = false;
  const int fed = notifier_->watchdogs;
  advance(60s, [] {}, 10ms);
  const int fed_in_minute = notifier_->watchdogs - fed;
  EXPECT_GE(fed_in_minute, 44);  // while the last answer is under 45 s old
  EXPECT_LE(fed_in_minute, 46);
  const int then = notifier_->watchdogs;
  advance(10s, [] {}, 10ms);
  EXPECT_EQ(notifier_->watchdogs, then);
  EXPECT_GT(checkers_.played.size(), 3u);
  EXPECT_TRUE(holds_vip()) << "a dead checker does not move the VIP";
}

TEST_F(DirectorTest, ACheckerThatRefusesTheConfigurationAtStartEndsWithExitCodeOne) {
  checkers_.refuse_marker = "[node]";
  checkers_.refuse_message = "IPVS is not available: Generic netlink family IPVS not found";
  start(config_text(), false);
  ASSERT_TRUE(settle([&] { return io_.stopped(); }));
  EXPECT_EQ(director_->exit_code(), 1);
  EXPECT_EQ(links_["public"].opened, 0);
  EXPECT_FALSE(std::filesystem::exists(socket_path()));
  EXPECT_FALSE(checkers_.last().all<checker::Stop>().empty());
}

TEST_F(DirectorTest, AReloadIsAppliedOnlyOnceTheCheckerHasAppliedIt) {
  start(config_text());
  ASSERT_TRUE(advance_until([&] { return holds_vip(); }, 3s));
  const std::string next = config_text(kAddedToml);
  write_config(next);
  checkers_.last().answer_configure = false;
  auto asked = ask_async("reload");
  ASSERT_TRUE(settle([&] { return checkers_.last().all<checker::Configure>().size() == 2; }));
  const auto conf = checkers_.last().all<checker::Configure>().back();
  EXPECT_EQ(conf.text, next);
  advance(300ms);
  EXPECT_FALSE(addresses_->held.count(kAdded)) << "nothing applied before the checker";
  EXPECT_FALSE(asked->done.load());
  checkers_.last().send(checker::Configured{conf.id, true, ""});
  ASSERT_TRUE(settle([&] { return asked->done.load(); }));
  const auto reply = asked->take();
  EXPECT_EQ(reply.rfind("ok\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("1 VIP(s) added"), std::string::npos) << reply;
  advance(100ms);
  EXPECT_TRUE(addresses_->held.count(kAdded));
  EXPECT_TRUE(holds_vip());
  EXPECT_EQ(notifier_->reloadings, 1);
}

TEST_F(DirectorTest, AReloadTheCheckerRefusesChangesNothing) {
  start(config_text());
  ASSERT_TRUE(advance_until([&] { return holds_vip(); }, 3s));
  checkers_.refuse_marker = "10.0.0.101";
  checkers_.refuse_message = "tandem.toml:12:1: error: no such thing";
  write_config(config_text(kAddedToml));
  const auto reply = ask("reload");
  EXPECT_EQ(reply.rfind("error: ", 0), 0u) << reply;
  EXPECT_NE(reply.find("no such thing"), std::string::npos) << reply;
  advance(200ms);
  EXPECT_EQ(addresses_->held.size(), 1u);
  EXPECT_EQ(checkers_.played.size(), 1u);
}

TEST_F(DirectorTest, AReloadWithErrorsIsRefusedBeforeTheCheckerSeesIt) {
  start(config_text());
  write_config(config_text("[[vip]]\naddress = \"not an address\"\ninterface = \"eth0\"\n"));
  const auto reply = ask("reload");
  EXPECT_EQ(reply.rfind("error: ", 0), 0u) << reply;
  EXPECT_NE(reply.find("tandem.toml:"), std::string::npos) << reply;
  EXPECT_EQ(checkers_.last().all<checker::Configure>().size(), 1u);
}

TEST_F(DirectorTest, ACheckerCrashDuringAReloadRefusesItAndTheNextCheckerRunsTheOldFile) {
  start(config_text());
  ASSERT_TRUE(advance_until([&] { return holds_vip(); }, 3s));
  write_config(config_text(kAddedToml));
  checkers_.last().answer_configure = false;
  auto asked = ask_async("reload");
  ASSERT_TRUE(settle([&] { return checkers_.last().all<checker::Configure>().size() == 2; }));
  checkers_.last().crash();
  advance(300ms);
  const auto reply = asked->take();
  EXPECT_EQ(reply.rfind("error: ", 0), 0u) << reply;
  ASSERT_EQ(checkers_.played.size(), 2u);
  EXPECT_EQ(checkers_.last().all<checker::Configure>().at(0).text, config_text());
  EXPECT_EQ(addresses_->held.size(), 1u);
}

TEST_F(DirectorTest, SigtermReleasesTheVipsSaysSoAndStopsTheChecker) {
  start(config_text());
  ASSERT_TRUE(advance_until([&] { return holds_vip(); }, 3s));
  ::raise(SIGTERM);
  ASSERT_TRUE(advance_until([&] { return io_.stopped(); }, 5s));
  EXPECT_FALSE(holds_vip());
  EXPECT_EQ(notifier_->stoppings, 1);
  ASSERT_TRUE(last_sent());
  EXPECT_TRUE(last_sent()->flags & failover::flag::leaving);
  EXPECT_FALSE(checkers_.last().all<checker::Stop>().empty());
  EXPECT_EQ(director_->exit_code(), 0);
}

TEST_F(DirectorTest, AHolderThatLosesCarrierHandsOverAtOnceAndSaysSoInItsNextHeartbeat) {
  start(config_text());
  advance(3s, peer_every_interval(Role::backup));
  ASSERT_TRUE(holds_vip());
  EXPECT_EQ(carrier_->watched, std::vector<std::string>{"eth0"});
  ASSERT_TRUE(last_sent());
  EXPECT_EQ(last_sent()->version, 2);
  EXPECT_FALSE(last_sent()->flags & failover::flag::no_carrier);
  const auto before = links_["public"].sent.size();
  carrier_->set("eth0", false);
  poll();  // no clock movement: at once
  EXPECT_FALSE(holds_vip()) << "the backup has carrier: it takes over";
  ASSERT_GT(links_["public"].sent.size(), before) << "the peer is told at once";
  EXPECT_TRUE(last_sent()->flags & failover::flag::no_carrier);
  EXPECT_EQ(last_sent()->role, Role::backup);
  const auto status = ask("status-json");
  EXPECT_NE(status.find("\"carrier\":false"), std::string::npos) << status;
}

TEST_F(DirectorTest, AnInterfaceTrackDownLowersTheFitnessItSends) {
  start(config_text("[[track]]\nname = \"nat\"\ntype = \"interface\"\ninterface = \"eth2\"\nweight = 5\n"
                    "fall = 1\nrise = 1\n"));
  advance(1s, peer_every_interval(Role::active));
  ASSERT_TRUE(last_sent());
  EXPECT_EQ(last_sent()->fitness, 5);
  carrier_->set("eth2", false);
  poll();
  EXPECT_EQ(last_sent()->fitness, 0) << "sent at once";
  carrier_->set("eth2", true);
  poll();
  EXPECT_EQ(last_sent()->fitness, 5);
  const auto status = ask("status");
  EXPECT_NE(status.find("track nat (carrier of eth2, weight 5): up"), std::string::npos) << status;
}

TEST_F(DirectorTest, AVersion1PeerIsAnsweredInVersion1) {
  start(config_text());
  advance(300ms);
  ASSERT_TRUE(last_sent());
  EXPECT_EQ(last_sent()->version, 4);
  // A version 1 peer cannot read our version 4 packets, so it does not
  // acknowledge our generation: its packets are refused as unverified, but
  // they tell us the version to speak.
  failover::Heartbeat hb;
  hb.version = 1;
  hb.node = "d2";
  hb.generation = peer_generation_;
  hb.sequence = ++peer_sequence_;
  hb.role = Role::backup;
  hb.priority = 100;
  links_["public"].deliver(failover::encode_heartbeat(hb, kKeys.send_key()), EngineClock::now());
  advance(150ms);
  EXPECT_EQ(last_sent()->version, 1);
  advance(500ms, [&] { peer_sends(Role::backup, 0, true, std::nullopt, 1); });
  EXPECT_EQ(last_sent()->version, 1);
  EXPECT_NE(ask("status-json").find("\"alive\":true"), std::string::npos) << "the handshake completed in version 1";
}

}  // namespace
}  // namespace tandem::daemon
