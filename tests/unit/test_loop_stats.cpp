#include <gtest/gtest.h>

#include "daemon/loop_stats.hpp"

namespace tandem::daemon {
namespace {

using namespace std::chrono_literals;

TEST(LoopStats, IntervalsBetweenEventsAreSummarised) {
  IntervalWindow w;
  StatsClock::time_point t{};
  for (int i = 0; i < 1000; ++i) {
    t += (i == 500 ? 40ms : 10ms);
    w.event(t);
  }
  auto s = w.summary(t);
  EXPECT_EQ(s.samples, 999u);  // the first event only starts the series
  EXPECT_DOUBLE_EQ(s.p50_ms, 10);
  EXPECT_DOUBLE_EQ(s.p99_ms, 10);
  EXPECT_DOUBLE_EQ(s.max_ms, 40);
}

TEST(LoopStats, OldSamplesLeaveTheWindow) {
  SampleWindow w(1min);
  StatsClock::time_point t{};
  w.add(t, 500);
  w.add(t + 30s, 1);
  EXPECT_DOUBLE_EQ(w.summary(t + 30s).max_ms, 500);
  EXPECT_DOUBLE_EQ(w.summary(t + 61s).max_ms, 1);
  EXPECT_EQ(w.summary(t + 2min).samples, 0u);
}

TEST(LoopStats, PercentilesAreNearestRank) {
  SampleWindow w;
  StatsClock::time_point t{};
  for (int i = 1; i <= 1000; ++i) w.add(t, i);
  auto s = w.summary(t);
  EXPECT_DOUBLE_EQ(s.p50_ms, 500);
  EXPECT_DOUBLE_EQ(s.p99_ms, 990);
  EXPECT_DOUBLE_EQ(s.max_ms, 1000);
}

TEST(LoopStats, ARestartDoesNotCountThePause) {
  IntervalWindow w;
  StatsClock::time_point t{};
  w.event(t);
  w.event(t + 10ms);
  w.restart();
  w.event(t + 5s);
  w.event(t + 5s + 10ms);
  EXPECT_DOUBLE_EQ(w.summary(t + 5s + 10ms).max_ms, 10);
}

TEST(LoopStats, TheCapDropsTheOldest) {
  SampleWindow w(1min, 3);
  StatsClock::time_point t{};
  for (double v : {9.0, 1.0, 2.0, 3.0}) w.add(t, v);
  auto s = w.summary(t);
  EXPECT_EQ(s.samples, 3u);
  EXPECT_DOUBLE_EQ(s.max_ms, 3);
}

}  // namespace
}  // namespace tandem::daemon
