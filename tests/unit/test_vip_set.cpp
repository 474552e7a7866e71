// VipSet against the recording fake address manager: held state, stale
// removal at start, partial acquire failures, reloads.
#include <gtest/gtest.h>

#include "failover/vip_set.hpp"
#include "builders.hpp"
#include "fakes/fake_address_manager.hpp"

using namespace tandem;
using tandem::testing::FakeAddressManager;

namespace {

config::Vip vip(const char* prefix, const char* iface = "eth0", const char* label = "") {
  return tandem::testing::make_vip(prefix, iface, label);
}

struct Logged {
  std::vector<std::pair<int, std::string>> lines;
  failover::VipSet::LogSink sink() {
    return [this](int p, const std::string& m) { lines.emplace_back(p, m); };
  }
  bool has(int priority, const std::string& needle) const {
    for (const auto& [p, m] : lines)
      if (p == priority && m.find(needle) != std::string::npos) return true;
    return false;
  }
};

}  // namespace

TEST(VipSet, AcquireAndReleaseTrackHeldState) {
  FakeAddressManager fake;
  Logged log;
  auto a = vip("10.0.0.100/24", "eth0", "eth0:vip"), b = vip("2001:db8::100/64");
  failover::VipSet set(fake, {a, b}, log.sink());
  EXPECT_EQ(set.held(), (std::vector<bool>{false, false}));
  EXPECT_FALSE(set.acquire({a, b}).has_value());
  EXPECT_EQ(set.held(), (std::vector<bool>{true, true}));
  EXPECT_EQ(fake.held, (std::set<config::Vip>{a, b}));
  set.announce({a, b});
  EXPECT_EQ(fake.announced(a), 1);
  EXPECT_EQ(fake.announced(b), 1);
  set.release({a, b});
  EXPECT_EQ(set.held(), (std::vector<bool>{false, false}));
  EXPECT_TRUE(fake.held.empty());
  EXPECT_TRUE(log.has(6, "added VIP 10.0.0.100/24 on eth0"));
  EXPECT_TRUE(log.has(6, "removed VIP 2001:db8::100/64 on eth0"));
}

TEST(VipSet, RemoveStaleOnlyTouchesWhatTheInterfaceCarries) {
  FakeAddressManager fake;
  Logged log;
  auto a = vip("10.0.0.100/24"), b = vip("10.0.0.101/24");
  fake.preload(vip("10.0.0.100/32"));  // left at another prefix length by an older config
  failover::VipSet set(fake, {a, b}, log.sink());
  set.remove_stale({a, b});
  EXPECT_TRUE(fake.held.empty());
  EXPECT_TRUE(log.has(5, "removed stale VIP 10.0.0.100/24 on eth0"));
  EXPECT_FALSE(log.has(5, "10.0.0.101")) << "absent VIPs are not reported";
  EXPECT_EQ(set.held(), (std::vector<bool>{false, false}));
}

TEST(VipSet, PartialAcquireFailureReportsEveryReason) {
  FakeAddressManager fake;
  Logged log;
  auto a = vip("10.0.0.100/24"), b = vip("10.0.0.101/24", "eth9"), c = vip("10.0.0.102/24", "eth8");
  fake.fail_add[b] = "add 10.0.0.101/24 on eth9: no such interface \"eth9\"";
  fake.fail_add[c] = "add 10.0.0.102/24 on eth8: no such interface \"eth8\"";
  failover::VipSet set(fake, {a, b, c}, log.sink());
  auto err = set.acquire({a, b, c});
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err,
            "add 10.0.0.101/24 on eth9: no such interface \"eth9\"; add 10.0.0.102/24 on eth8: no such "
            "interface \"eth8\"");
  EXPECT_EQ(set.held(), (std::vector<bool>{true, false, false}));
  EXPECT_TRUE(log.has(3, "could not add VIPs"));
  // The state machine answers with a full release, which cleans up.
  set.release({a, b, c});
  EXPECT_TRUE(fake.held.empty());
}

TEST(VipSet, FailedRemoveKeepsHeld) {
  FakeAddressManager fake;
  Logged log;
  auto a = vip("10.0.0.100/24");
  failover::VipSet set(fake, {a}, log.sink());
  set.acquire({a});
  fake.fail_remove[a] = "remove 10.0.0.100/24 on eth0: Operation not permitted";
  set.release({a});
  EXPECT_EQ(set.held(), (std::vector<bool>{true}));
  EXPECT_TRUE(log.has(3, "could not remove VIP: remove 10.0.0.100/24 on eth0: Operation not permitted"));
}

TEST(VipSet, FailedAnnounceIsAWarning) {
  FakeAddressManager fake;
  Logged log;
  auto a = vip("10.0.0.100/24");
  fake.fail_announce[a] = "announce 10.0.0.100/24 on eth0: send: Network is down";
  failover::VipSet set(fake, {a}, log.sink());
  set.announce({a});
  EXPECT_EQ(fake.total_announcements(), 0);
  EXPECT_TRUE(log.has(4, "Network is down"));
}

TEST(VipSet, ReconfigureCarriesHeldStateByIdentity) {
  FakeAddressManager fake;
  Logged log;
  auto a = vip("10.0.0.100/24"), b = vip("10.0.0.101/24"), c = vip("10.0.0.102/24");
  failover::VipSet set(fake, {a, b}, log.sink());
  set.acquire({a, b});
  set.reconfigure({c, b});
  EXPECT_EQ(set.held(), (std::vector<bool>{false, true}));
  // What the state machine then asks for on the active node:
  set.release({a});
  set.acquire({c});
  EXPECT_EQ(set.held(), (std::vector<bool>{true, true}));
  EXPECT_EQ(fake.held, (std::set<config::Vip>{b, c}));
}
