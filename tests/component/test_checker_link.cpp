// The engine's checker link against a checker played by the test over a
// socketpair: the restart with its backoff, the stall bound, what a new
// checker is told, and a reload cut short by a crash.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <vector>

#include "daemon/checker_channel.hpp"
#include "daemon/checker_link.hpp"
#include "fakes/fake_checker.hpp"

namespace tandem::daemon {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class CheckerLinkTest : public ::testing::Test {
 protected:
  CheckerLinkTest()
      : link_(io_, fakes_.spawner(), fakes_.reaper(), fakes_.killer(),
              CheckerLink::Events{[this](const checker::Configured& c) { configured_.push_back(c); },
                                  [this](bool on, const std::string&) { applied_.push_back(on); }},
              CheckerTimings{.ping_every = 20ms,
                             .stall_after = 200ms,
                             .busy_stall_after = 600ms,
                             .first_backoff = 10ms,
                             .max_backoff = 40ms,
                             .stable_after = 10s}) {
    fakes_.refuse_marker = "bad";
    fakes_.refuse_message = "line 1: bad";
  }

  // Runs the loop until `done` or `limit`.
  template <class F>
  bool run_until(F done, std::chrono::milliseconds limit = 2s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end) {
      io_.restart();
      io_.run_for(5ms);
    }
    return done();
  }

  testing::PlayedChecker& last() { return fakes_.last(); }

  asio::io_context io_;
  testing::FakeCheckers fakes_{io_};
  std::vector<std::shared_ptr<testing::PlayedChecker>>& played_ = fakes_.played;
  std::vector<std::chrono::steady_clock::time_point>& spawned_at_ = fakes_.spawned_at;
  std::vector<long>& reaped_ = fakes_.reaped;
  std::vector<checker::Configured> configured_;
  std::vector<bool> applied_;
  int& fail_spawns_ = fakes_.fail_spawns;
  CheckerLink link_;
};

TEST_F(CheckerLinkTest, StartsTheCheckerWithTheConfiguration) {
  auto id = link_.start("/etc/tandem/tandem.toml", "first");
  ASSERT_TRUE(std::holds_alternative<std::uint64_t>(id));
  ASSERT_TRUE(run_until([&] { return !configured_.empty(); }));
  EXPECT_TRUE(configured_[0].ok);
  EXPECT_EQ(configured_[0].id, std::get<std::uint64_t>(id));
  auto conf = last().all<checker::Configure>();
  ASSERT_EQ(conf.size(), 1u);
  EXPECT_EQ(conf[0].path, "/etc/tandem/tandem.toml");
  EXPECT_EQ(conf[0].text, "first");
  EXPECT_FALSE(last().restarted);
  ASSERT_TRUE(run_until([&] { return link_.since_answer().has_value(); }));
  EXPECT_EQ(link_.pid(), 1000);
  EXPECT_DOUBLE_EQ(link_.loop_lag().max_ms, 1.5);
}

TEST_F(CheckerLinkTest, ARestartedCheckerGetsTheRunningConfigurationRoleAndForwarding) {
  link_.start("/p", "first");
  ASSERT_TRUE(run_until([&] { return configured_.size() == 1; }));
  link_.configure("second");
  ASSERT_TRUE(run_until([&] { return configured_.size() == 2; }));
  link_.configure("bad");  // refused: the checker keeps running "second"
  ASSERT_TRUE(run_until([&] { return configured_.size() == 3; }));
  EXPECT_FALSE(configured_[2].ok);
  link_.set_sync(true);
  link_.forward(true);
  ASSERT_TRUE(run_until([&] { return applied_.size() == 1; }));

  played_[0]->channel->close();  // it dies
  ASSERT_TRUE(run_until([&] { return played_.size() == 2 && !last().all<checker::Forward>().empty(); }));
  EXPECT_EQ(reaped_, std::vector<long>{1000});
  EXPECT_EQ(link_.restarts(), 1u);
  EXPECT_EQ(link_.last_exit(), "exited with status 3");
  EXPECT_TRUE(last().restarted);
  auto conf = last().all<checker::Configure>();
  ASSERT_EQ(conf.size(), 1u);
  EXPECT_EQ(conf[0].text, "second");
  EXPECT_EQ(conf[0].id, 0u);  // not an answer anyone waits for
  auto sync = last().all<checker::SetSync>();
  ASSERT_EQ(sync.size(), 1u);
  EXPECT_TRUE(sync[0].master);
  EXPECT_TRUE(last().all<checker::Forward>()[0].on);
  EXPECT_EQ(configured_.size(), 3u);
}

TEST_F(CheckerLinkTest, ACheckerThatStopsAnsweringIsKilledAndReplaced) {
  link_.start("/p", "first");
  ASSERT_TRUE(run_until([&] { return link_.since_answer().has_value(); }));
  last().answer_pings = false;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return played_.size() == 2; }));
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 200ms);  // the stall bound
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(reaped_, std::vector<long>{1000});
}

TEST_F(CheckerLinkTest, ACheckerApplyingAConfigurationGetsTheLongerBound) {
  link_.start("/p", "first");
  ASSERT_TRUE(run_until([&] { return configured_.size() == 1; }));
  last().answer_pings = false;
  last().answer_configure = false;
  link_.configure("second");  // it goes quiet while it applies this
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return played_.size() == 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 600ms);
  EXPECT_GE(link_.since_any_answer(), 600ms) << "no checker answered meanwhile";
}

TEST_F(CheckerLinkTest, TheBackoffDoublesUpToItsBound) {
  link_.start("/p", "first");
  ASSERT_TRUE(run_until([&] { return configured_.size() == 1; }));
  std::vector<std::chrono::milliseconds> backoffs;
  for (int i = 0; i < 4; ++i) {
    const std::size_t n = played_.size();
    last().channel->close();
    ASSERT_TRUE(run_until([&] { return played_.size() == n + 1; }));
    backoffs.push_back(link_.backoff());
  }
  EXPECT_EQ(backoffs, (std::vector<std::chrono::milliseconds>{10ms, 20ms, 40ms, 40ms}));
  for (std::size_t i = 1; i < spawned_at_.size(); ++i) EXPECT_GE(spawned_at_[i] - spawned_at_[i - 1], 10ms);
}

TEST_F(CheckerLinkTest, ASpawnThatFailsIsRetried) {
  link_.start("/p", "first");
  ASSERT_TRUE(run_until([&] { return configured_.size() == 1; }));
  fail_spawns_ = 2;
  last().channel->close();
  ASSERT_TRUE(run_until([&] { return played_.size() == 2 && !last().all<checker::Configure>().empty(); }));
  EXPECT_EQ(last().all<checker::Configure>().at(0).text, "first");
}

TEST_F(CheckerLinkTest, AReloadCutShortByACrashIsRefusedAndTheOldConfigurationStays) {
  link_.start("/p", "first");
  ASSERT_TRUE(run_until([&] { return configured_.size() == 1; }));
  last().answer_configure = false;
  const auto id = link_.configure("second");
  ASSERT_TRUE(run_until([&] { return last().all<checker::Configure>().size() == 2; }));
  last().channel->close();
  ASSERT_TRUE(run_until([&] { return configured_.size() == 2 && played_.size() == 2; }));
  EXPECT_EQ(configured_[1].id, id);
  EXPECT_FALSE(configured_[1].ok);
  EXPECT_NE(configured_[1].message.find("ended during the reload"), std::string::npos);
  ASSERT_TRUE(run_until([&] { return !last().all<checker::Configure>().empty(); }));
  EXPECT_EQ(last().all<checker::Configure>()[0].text, "first");
}

TEST_F(CheckerLinkTest, StopWaitsForTheCheckerThenKillsIt) {
  link_.start("/p", "first");
  ASSERT_TRUE(run_until([&] { return configured_.size() == 1; }));
  bool done = false;
  link_.stop(50ms, [&] { done = true; });
  ASSERT_TRUE(run_until([&] { return done; }));
  EXPECT_FALSE(last().all<checker::Stop>().empty());
  EXPECT_EQ(played_.size(), 1u);  // no restart after a stop
  EXPECT_EQ(reaped_, std::vector<long>{1000});
}

}  // namespace
}  // namespace tandem::daemon
