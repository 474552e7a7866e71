// The fake IPVS table answers as the kernel does (the errnos the vm tier
// sees), so tests built on it mean what they say.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "fakes/fake_ipvs_table.hpp"

namespace tandem::ipvs {
namespace {

using tandem::testing::FakeIpvsTable;

ServiceKey vs(const char* address = "10.0.0.100", std::uint16_t port = 80) {
  ServiceKey k;
  k.address = *config::IpAddress::parse(address);
  k.af = k.address.family;
  k.protocol = IPPROTO_TCP;
  k.port = port;
  return k;
}

Service svc(ServiceKey key = vs(), const char* scheduler = "wlc") {
  Service s;
  s.key = key;
  s.scheduler = scheduler;
  s.netmask = key.af == AF_INET6 ? 128 : 0xffffffff;
  return s;
}

Destination real(const char* address, std::int32_t weight = 1, Forwarding f = Forwarding::droute) {
  Destination d;
  d.key.address = *config::IpAddress::parse(address);
  d.key.port = 80;
  d.weight = weight;
  d.forwarding = f;
  return d;
}

struct Case {
  const char* description;
  std::vector<Operation> ops;
  std::vector<int> errors;  // errno per operation, 0 for success
};

TEST(FakeIpvsTable, AnswersLikeTheKernel) {
  const std::vector<Case> cases = {
      {"NEW of an existing service", {NewService{svc()}, NewService{svc()}}, {0, EEXIST}},
      {"SET and DEL of a missing service", {SetService{svc()}, DelService{vs()}}, {ESRCH, ESRCH}},
      {"unknown scheduler", {NewService{svc(vs(), "nope")}}, {ENOENT}},
      {"dest in a missing service", {NewDest{vs(), real("10.0.0.11")}}, {ESRCH}},
      {"NEW of an existing dest", {NewService{svc()}, NewDest{vs(), real("10.0.0.11")}, NewDest{vs(), real("10.0.0.11")}},
       {0, 0, EEXIST}},
      {"SET and DEL of a missing dest",
       {NewService{svc()}, SetDest{vs(), real("10.0.0.11")}, DelDest{vs(), real("10.0.0.11").key}}, {0, ENOENT, ENOENT}},
      {"negative weight", {NewService{svc()}, NewDest{vs(), real("10.0.0.11", -1)}}, {0, ERANGE}},
      {"IPv4 dest in an IPv6 service needs tun",
       {NewService{svc(vs("2001:db8::100"))}, NewDest{vs("2001:db8::100"), real("10.0.0.11")},
        NewDest{vs("2001:db8::100"), real("10.0.0.11", 1, Forwarding::tunnel)}},
       {0, EINVAL, 0}},
  };
  for (const auto& c : cases) {
    FakeIpvsTable fake;
    auto result = fake.apply(c.ops);
    std::vector<int> got(c.ops.size(), 0);
    for (const auto& f : result.failures) got[f.index] = f.error;
    EXPECT_EQ(got, c.errors) << c.description;
  }
}

TEST(FakeIpvsTable, SetKeepsCountersAndCountsCalls) {
  FakeIpvsTable fake;
  fake.apply({NewService{svc()}, NewDest{vs(), real("10.0.0.11")}});
  fake.table[0].dests[0].stats.active_conns = 7;
  fake.apply({SetDest{vs(), real("10.0.0.11", 5)}});
  const auto* d = fake.find(vs(), real("10.0.0.11").key);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->weight, 5);
  EXPECT_EQ(d->stats.active_conns, 7u);
  EXPECT_EQ(fake.apply_calls, 2);
  EXPECT_EQ(fake.operations_seen, 3u);
  fake.dump();
  EXPECT_EQ(fake.dump_calls, 1);
}

TEST(FakeIpvsTable, FailsChosenOperations) {
  FakeIpvsTable fake;
  const Operation op = NewDest{vs(), real("10.0.0.12")};
  fake.fail[describe(op)] = EPERM;
  auto result = fake.apply({NewService{svc()}, NewDest{vs(), real("10.0.0.11")}, op});
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_EQ(result.failures[0].index, 2u);
  EXPECT_EQ(result.failures[0].error, EPERM);
  EXPECT_EQ(result.failures[0].message,
            "NEW dest 10.0.0.12:80 dr weight 1 in TCP 10.0.0.100:80: Operation not permitted");
  EXPECT_EQ(fake.find(vs())->dests.size(), 1u);
}

TEST(FakeIpvsTable, SyncDaemons) {
  FakeIpvsTable fake;
  SyncDaemon d;
  d.state = SyncState::backup;
  d.interface = "eth1";
  d.syncid = 3;
  EXPECT_EQ(fake.start_daemon(d), std::nullopt);
  EXPECT_NE(fake.start_daemon(d), std::nullopt);  // already running
  EXPECT_NE(fake.stop_daemon(SyncState::master), std::nullopt);
  auto running = std::get<0>(fake.daemons());
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].port, 8848);
  EXPECT_EQ(fake.stop_daemon(SyncState::backup), std::nullopt);
  EXPECT_TRUE(fake.daemons_running.empty());
}

}  // namespace
}  // namespace tandem::ipvs
