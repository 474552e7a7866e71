// The probe schedule on a manual clock: cadence, warmup, the concurrency
// bound, skipping a round while a probe still runs, no catch-up bursts.
#include <gtest/gtest.h>

#include "health/schedule.hpp"

namespace tandem::health {
namespace {

using namespace std::chrono_literals;
const SteadyTime t0{std::chrono::seconds(1000)};

TEST(ProbeScheduleTest, WarmupIsAFractionOfTheInterval) {
  EXPECT_EQ(warmup_delay(1000ms, 0.0), 0ms);
  EXPECT_EQ(warmup_delay(1000ms, 0.25), 250ms);
  EXPECT_EQ(warmup_delay(1000ms, 0.9999), 999ms);
  EXPECT_EQ(warmup_delay(1000ms, 1.5), 1000ms);
  EXPECT_EQ(warmup_delay(1000ms, -1.0), 0ms);
}

TEST(ProbeScheduleTest, WakeupsAlignToTicks) {
  EXPECT_EQ(align_up(t0, 10ms), t0);
  EXPECT_EQ(align_up(t0 + 1ns, 10ms), t0 + 10ms);
  EXPECT_EQ(align_up(t0 + 9999us, 10ms), t0 + 10ms);
  EXPECT_EQ(align_up(t0 + 10ms, 10ms), t0 + 10ms);
  EXPECT_EQ(align_up(t0 + 3ms, 0ms), t0 + 3ms);
}

TEST(ProbeScheduleTest, NothingToDoWithoutEntries) {
  ProbeSchedule s(4);
  EXPECT_FALSE(s.next_deadline());
  EXPECT_TRUE(s.take_due(t0).empty());
}

TEST(ProbeScheduleTest, EachEntryKeepsItsCadence) {
  ProbeSchedule s(10);
  const auto a = s.add(1000ms, t0 + 100ms);
  const auto b = s.add(500ms, t0 + 300ms);
  EXPECT_EQ(s.next_deadline(), t0 + 100ms);
  EXPECT_TRUE(s.take_due(t0 + 99ms).empty());
  EXPECT_EQ(s.take_due(t0 + 100ms), std::vector<std::size_t>{a});
  EXPECT_EQ(s.next_deadline(), t0 + 300ms);
  s.finished(a);
  // Taken 20 ms late: the next is still due on the original cadence.
  EXPECT_EQ(s.take_due(t0 + 320ms), std::vector<std::size_t>{b});
  s.finished(b);
  EXPECT_EQ(s.next_deadline(), t0 + 800ms);
  EXPECT_EQ(s.take_due(t0 + 800ms), std::vector<std::size_t>{b});
  s.finished(b);
  EXPECT_EQ(s.next_deadline(), t0 + 1100ms);
  EXPECT_EQ(s.take_due(t0 + 1100ms), std::vector<std::size_t>{a});
}

TEST(ProbeScheduleTest, TheBoundHoldsAndAFinishedProbeFreesASlot) {
  ProbeSchedule s(2);
  for (int i = 0; i < 5; ++i) s.add(1000ms, t0);
  const auto first = s.take_due(t0);
  EXPECT_EQ(first, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(s.in_flight(), 2u);
  EXPECT_FALSE(s.next_deadline());  // full: only a result can start more
  EXPECT_TRUE(s.take_due(t0 + 1ms).empty());
  s.finished(0);
  EXPECT_EQ(s.next_deadline(), t0);
  EXPECT_EQ(s.take_due(t0 + 5ms), std::vector<std::size_t>{2});
  s.finished(1);
  s.finished(2);
  EXPECT_EQ(s.take_due(t0 + 10ms), (std::vector<std::size_t>{3, 4}));
  // finished() twice or for an idle entry changes nothing.
  s.finished(0);
  EXPECT_EQ(s.in_flight(), 2u);
}

TEST(ProbeScheduleTest, AProbeStillRunningSkipsItsNextRound) {
  ProbeSchedule s(10);
  const auto a = s.add(100ms, t0);
  EXPECT_EQ(s.take_due(t0), std::vector<std::size_t>{a});
  EXPECT_TRUE(s.take_due(t0 + 100ms).empty());  // still running
  EXPECT_TRUE(s.running(a));
  s.finished(a);
  EXPECT_EQ(s.next_deadline(), t0 + 200ms);
  EXPECT_EQ(s.take_due(t0 + 200ms), std::vector<std::size_t>{a});
}

TEST(ProbeScheduleTest, FallingBehindDoesNotBurst) {
  ProbeSchedule s(10);
  const auto a = s.add(100ms, t0);
  EXPECT_EQ(s.take_due(t0), std::vector<std::size_t>{a});
  s.finished(a);
  // The loop stalled for a second: one probe now, the next an interval on.
  EXPECT_EQ(s.take_due(t0 + 1000ms), std::vector<std::size_t>{a});
  s.finished(a);
  EXPECT_EQ(s.next_deadline(), t0 + 1100ms);
  EXPECT_TRUE(s.take_due(t0 + 1050ms).empty());
}

TEST(ProbeScheduleTest, ThousandsOfEntriesSpreadByTheirWarmup) {
  ProbeSchedule s(1024);
  const int n = 2000;
  for (int i = 0; i < n; ++i) s.add(1000ms, t0 + warmup_delay(1000ms, double(i) / n));
  // Over one interval each entry is due exactly once, about 2 per ms.
  std::size_t taken = 0, most = 0;
  for (int ms = 0; ms < 1000; ++ms) {
    const auto due = s.take_due(t0 + std::chrono::milliseconds(ms));
    for (auto id : due) s.finished(id);
    taken += due.size();
    most = std::max(most, due.size());
  }
  EXPECT_EQ(taken, std::size_t(n));
  EXPECT_LE(most, 2u);
}

}  // namespace
TEST(ProbeScheduleTest, AnEntryAddedRunningHoldsASlotUntilItFinishes) {
  ProbeSchedule s(1);
  const SteadyTime t0{};
  const auto kept = s.add(std::chrono::milliseconds(1000), t0 + std::chrono::milliseconds(500), /*running=*/true);
  s.add(std::chrono::milliseconds(1000), t0);
  EXPECT_EQ(s.in_flight(), 1u);
  EXPECT_TRUE(s.take_due(t0).empty());  // the one slot is taken by the kept probe
  s.finished(kept);
  EXPECT_EQ(s.take_due(t0), (std::vector<std::size_t>{1}));
  EXPECT_EQ(s.due(1), t0 + std::chrono::milliseconds(1000));
}

}  // namespace tandem::health

namespace tandem::health {
namespace {

using namespace std::chrono_literals;

TEST(AdmissionLimitTest, HalvesOnALateWakeupAndClimbsBackOnTime) {
  AdmissionLimit a(1024, 32, 100ms, 16);
  EXPECT_EQ(a.limit(), 1024u);
  EXPECT_FALSE(a.held_back());
  EXPECT_EQ(a.observe(5ms), 1024u) << "never above the ceiling";
  EXPECT_EQ(a.observe(150ms), 512u);
  EXPECT_TRUE(a.held_back());
  EXPECT_EQ(a.observe(2s), 256u);
  EXPECT_EQ(a.observe(100ms), 272u) << "exactly `late` is on time";
  for (int i = 0; i < 10; ++i) a.observe(300ms);
  EXPECT_EQ(a.limit(), 32u) << "never below the floor";
  for (int i = 0; i < 100; ++i) a.observe(0ms);
  EXPECT_EQ(a.limit(), 1024u);
  EXPECT_FALSE(a.held_back());
}

TEST(AdmissionLimitTest, AFloorAboveTheCeilingIsTheCeiling) {
  AdmissionLimit a(8, 32);
  EXPECT_EQ(a.observe(1s), 8u);
}

TEST(ProbeScheduleTest, ALowerLimitHoldsNewProbesBackUntilEnoughFinish) {
  ProbeSchedule s(10);
  for (int i = 0; i < 6; ++i) s.add(1000ms, t0);
  EXPECT_EQ(s.take_due(t0).size(), 6u);
  s.set_max_in_flight(4);
  EXPECT_EQ(s.max_in_flight(), 4u);
  EXPECT_FALSE(s.next_deadline()) << "6 running, limit 4: nothing may start";
  for (std::size_t id = 0; id < 3; ++id) s.finished(id);
  ASSERT_TRUE(s.next_deadline());
  const auto due = s.take_due(t0 + 1000ms);
  EXPECT_EQ(due.size(), 1u) << "3 still running, room for 1";
  s.set_max_in_flight(0);
  EXPECT_EQ(s.max_in_flight(), 1u);
}

}  // namespace
}  // namespace tandem::health
