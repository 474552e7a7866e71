// The planned handover's sub-machine (failover/handover.hpp) on its own.
#include <gtest/gtest.h>

#include "failover/handover.hpp"
#include "failover/heartbeat_codec.hpp"

namespace tandem::failover {
namespace {

using namespace std::chrono_literals;
const HandoverClock::time_point t0{};

TEST(Handover, UnstagedAsksThePeerAtOnce) {
  auto h = Handover::begin(t0, 200ms, 1000ms, 0ms);
  EXPECT_TRUE(h.in<handover::Relinquish>());
  EXPECT_EQ(h.give_up, t0 + 2000ms);  // two deadtimes
  EXPECT_EQ(h.flags(), flag::relinquish);
  EXPECT_EQ(h.describe("d2"), "handing over: waiting for d2 to take over");
  auto step = h.advance(true, t0 + 10ms, "d2");
  EXPECT_FALSE(step.start_forwarding || step.ask_peer || step.log);
}

TEST(Handover, StagedRunsPrepareForwardRelinquish) {
  auto h = Handover::begin(t0, 30ms, 90ms, 3000ms);
  EXPECT_EQ(h.give_up, t0 + 300ms + 3000ms);  // ten intervals beat two deadtimes here
  EXPECT_TRUE(h.in<handover::Prepare>());
  EXPECT_EQ(h.flags(), flag::prepare);
  EXPECT_FALSE(h.advance(false, t0 + 50ms, "d2").start_forwarding) << "the peer has not staged yet";

  auto step = h.advance(true, t0 + 120ms, "d2");
  EXPECT_TRUE(step.start_forwarding);
  EXPECT_EQ(*step.log, "handover: d2 holds the VIPs unannounced after 120ms; forwarding new connections to it");
  EXPECT_TRUE(h.in<handover::Forward>());
  EXPECT_EQ(h.flags(), flag::prepare);
  EXPECT_EQ(h.describe("d2"), "handing over: forwarding new connections to d2");
  // The stage's clock starts when the table forwards, not before.
  EXPECT_FALSE(h.advance(true, t0 + 5000ms, "d2").ask_peer);
  EXPECT_EQ(h.next_deadline(), h.give_up);
  EXPECT_EQ(*h.forward_applied(t0 + 400ms, 3000ms),
            "handover: new connections go to it for 3s (the table forwards after 280ms)");
  EXPECT_FALSE(h.forward_applied(t0 + 500ms, 3000ms)) << "not restarted";
  EXPECT_EQ(h.give_up, t0 + 3400ms + 300ms) << "the peer gets its time after the stage";
  EXPECT_EQ(h.next_deadline(), t0 + 3400ms);
  EXPECT_FALSE(h.advance(true, t0 + 3399ms, "d2").ask_peer);

  step = h.advance(true, t0 + 3400ms, "d2");
  EXPECT_TRUE(step.ask_peer);
  EXPECT_EQ(*step.log, "handover: forwarded for 3s; asking d2 to take over");
  EXPECT_TRUE(h.in<handover::Relinquish>());
  EXPECT_EQ(h.flags(), flag::relinquish);
  EXPECT_EQ(h.next_deadline(), h.give_up);
  EXPECT_EQ(h.done(t0 + 3490ms, "d2"), "handover: d2 took over and our VIPs drained after 90ms");
}

TEST(Handover, ForwardAppliedOutsideTheForwardStageIsIgnored) {
  auto h = Handover::begin(t0, 200ms, 1000ms, 3000ms);
  EXPECT_FALSE(h.forward_applied(t0 + 10ms, 3000ms));
  EXPECT_TRUE(h.in<handover::Prepare>());
}

}  // namespace
}  // namespace tandem::failover
