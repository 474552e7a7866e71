// Tracks' rise/fall hysteresis and the fitness they add up to.
#include <gtest/gtest.h>

#include "failover/track_state.hpp"

namespace tandem::failover {
namespace {

using namespace std::chrono_literals;

config::Track gateway() {
  config::Track t;
  t.name = "gateway";
  t.type = config::Track::Type::ping;
  t.addresses = {config::IpAddress::parse("10.0.0.254").value()};
  t.rise = 2;
  t.fall = 3;
  t.weight = 5;
  return t;
}

TEST(TrackState, DownOnlyAfterFallFailuresInARowUpAfterRiseSuccesses) {
  const auto t = gateway();
  TrackState s;
  const TimePoint t0{};
  EXPECT_TRUE(s.up) << "up until it failed";
  EXPECT_FALSE(record(s, t, false, "timeout after 1s", std::nullopt, t0));
  EXPECT_FALSE(record(s, t, false, "timeout after 1s", std::nullopt, t0 + 1s));
  EXPECT_FALSE(record(s, t, true, "reply in 1.0 ms", 1.0, t0 + 2s)) << "a success resets the count";
  EXPECT_FALSE(record(s, t, false, "timeout after 1s", std::nullopt, t0 + 3s));
  EXPECT_FALSE(record(s, t, false, "timeout after 1s", std::nullopt, t0 + 4s));
  auto line = record(s, t, false, "timeout after 1s", std::nullopt, t0 + 5s);
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "track gateway (ping 10.0.0.254) down after 3 failures: timeout after 1s");
  EXPECT_FALSE(s.up);
  EXPECT_EQ(s.since, t0 + 5s);
  EXPECT_FALSE(record(s, t, true, "reply in 2.0 ms", 2.0, t0 + 6s));
  EXPECT_FALSE(record(s, t, false, "timeout after 1s", std::nullopt, t0 + 7s)) << "a failure resets the count";
  EXPECT_FALSE(record(s, t, true, "reply in 2.0 ms", 2.0, t0 + 8s));
  line = record(s, t, true, "reply in 2.0 ms", 2.0, t0 + 9s);
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "track gateway (ping 10.0.0.254) up after 2 successes");
  EXPECT_TRUE(s.up);
  EXPECT_EQ(s.latency_ms, 2.0);
  EXPECT_EQ(s.last, "reply in 2.0 ms");
}

TEST(TrackState, FitnessIsTheSumOfTheWeightsUpAndSaysWhatIsDown) {
  config::Track nat;
  nat.name = "nat";
  nat.type = config::Track::Type::interface;
  nat.interface = "eth2";
  nat.fall = 1;
  const std::vector<config::Track> tracks{gateway(), nat};
  std::vector<TrackState> states(2);
  auto f = fitness_of(tracks, states, {});
  EXPECT_TRUE(f.carrier);
  EXPECT_EQ(f.value, 6);
  EXPECT_EQ(f.why, "");
  record(states[1], nat, false, "no carrier", std::nullopt, TimePoint{});
  f = fitness_of(tracks, states, {"eth0"});
  EXPECT_FALSE(f.carrier);
  EXPECT_EQ(f.value, 5);
  EXPECT_EQ(f.why, "no carrier on eth0; track nat (carrier of eth2) down after 1 failure");
}

TEST(TrackState, Descriptions) {
  config::Track g = gateway();
  g.group = true;
  g.addresses.push_back(config::IpAddress::parse("2001:db8::1").value());
  g.interface = "eth0";
  EXPECT_EQ(describe(g), "ping any of 10.0.0.254, 2001:db8::1 from eth0");
  config::Track s;
  s.type = config::Track::Type::script;
  s.command = {"/usr/lib/tandem/check-uplink", "-q"};
  EXPECT_EQ(describe(s), "script /usr/lib/tandem/check-uplink");
}

}  // namespace
}  // namespace tandem::failover
