// ipvs::reconcile and ipvs::desired_table: table-driven cases, each with a
// one-line description, comparing the exact operation list; and the same for
// the connection timeouts (reconcile_timeouts).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <functional>

#include "ipvs/desired.hpp"
#include "ipvs/reconcile.hpp"

using namespace tandem;
using namespace tandem::ipvs;
using namespace std::chrono_literals;

namespace {

ServiceKey tcp(const char* addr, std::uint16_t port) {
  ServiceKey k;
  k.address = *config::IpAddress::parse(addr);
  k.af = k.address.family;
  k.protocol = IPPROTO_TCP;
  k.port = port;
  return k;
}

ServiceKey fwm(std::uint32_t mark, int af = AF_INET) {
  ServiceKey k;
  k.af = af;
  k.fwmark = mark;
  return k;
}

Service svc(ServiceKey key, const char* sched = "wlc") {
  Service s;
  s.key = key;
  s.scheduler = sched;
  s.netmask = key.af == AF_INET6 ? 128 : 0xffffffffu;
  return s;
}

Destination dst(const char* addr, std::uint16_t port, std::int32_t weight = 1, Forwarding f = Forwarding::droute) {
  Destination d;
  d.key.address = *config::IpAddress::parse(addr);
  d.key.port = port;
  d.weight = weight;
  d.forwarding = f;
  return d;
}

std::vector<std::string> described(const std::vector<Operation>& ops) {
  std::vector<std::string> out;
  for (const auto& op : ops) out.push_back(describe(op));
  return out;
}

// The base both sides start from: one DR service with two reals, plus a
// service somebody else created by hand.
Table base() {
  return {
      {svc(tcp("10.0.0.100", 80)), {dst("10.0.0.11", 80), dst("10.0.0.12", 80)}},
  };
}

ServiceEntry foreign() { return {svc(tcp("10.0.0.200", 443), "rr"), {dst("10.0.0.21", 443)}}; }

struct Case {
  const char* description;
  std::function<void(Table& desired, Table& observed, std::set<ServiceKey>& created)> setup;
  std::vector<std::string> expect;
};

std::vector<Case> cases() {
  return {
      {"identical tables: nothing to do", [](Table&, Table&, std::set<ServiceKey>&) {}, {}},
      {"empty kernel: the service, then its dests",
       [](Table&, Table& o, std::set<ServiceKey>&) { o.clear(); },
       {"NEW service TCP 10.0.0.100:80 scheduler wlc", "NEW dest 10.0.0.11:80 dr weight 1 in TCP 10.0.0.100:80",
        "NEW dest 10.0.0.12:80 dr weight 1 in TCP 10.0.0.100:80"}},
      {"a real added: one NEW dest",
       [](Table& d, Table&, std::set<ServiceKey>&) { d[0].dests.push_back(dst("10.0.0.13", 80)); },
       {"NEW dest 10.0.0.13:80 dr weight 1 in TCP 10.0.0.100:80"}},
      {"a real removed: one DEL dest",
       [](Table& d, Table&, std::set<ServiceKey>&) { d[0].dests.pop_back(); },
       {"DEL dest 10.0.0.12:80 in TCP 10.0.0.100:80"}},
      {"a weight change is a SET, not a delete and add",
       [](Table& d, Table&, std::set<ServiceKey>&) { d[0].dests[1].weight = 5; },
       {"SET dest 10.0.0.12:80 dr weight 5 in TCP 10.0.0.100:80"}},
      {"quiesce: weight 0 is a SET",
       [](Table& d, Table&, std::set<ServiceKey>&) { d[0].dests[0].weight = 0; },
       {"SET dest 10.0.0.11:80 dr weight 0 in TCP 10.0.0.100:80"}},
      {"a threshold change is a SET",
       [](Table& d, Table&, std::set<ServiceKey>&) { d[0].dests[0].upper_threshold = 100; },
       {"SET dest 10.0.0.11:80 dr weight 1 in TCP 10.0.0.100:80"}},
      {"a forwarding change is a SET",
       [](Table& d, Table&, std::set<ServiceKey>&) { d[0].dests[0].forwarding = Forwarding::tunnel; },
       {"SET dest 10.0.0.11:80 tun weight 1 in TCP 10.0.0.100:80"}},
      {"a scheduler change is one SET service, dests untouched",
       [](Table& d, Table&, std::set<ServiceKey>&) { d[0].service.scheduler = "rr"; },
       {"SET service TCP 10.0.0.100:80 scheduler rr"}},
      {"persistence switched on is a SET service",
       [](Table& d, Table&, std::set<ServiceKey>&) {
         d[0].service.flags |= svc_flag::persistent;
         d[0].service.timeout = 120;
       },
       {"SET service TCP 10.0.0.100:80 scheduler wlc"}},
      {"the kernel's internal HASHED flag is not a difference",
       [](Table&, Table& o, std::set<ServiceKey>&) { o[0].service.flags |= svc_flag::hashed; }, {}},
      {"connection counters are not a difference",
       [](Table&, Table& o, std::set<ServiceKey>&) { o[0].dests[0].stats.active_conns = 42; }, {}},
      {"the kernel reports LOCALNODE for a local address: no churn",
       [](Table&, Table& o, std::set<ServiceKey>&) { o[0].dests[0].forwarding = Forwarding::local; }, {}},
      {"tunnel settings of a DR dest mean nothing",
       [](Table&, Table& o, std::set<ServiceKey>&) { o[0].dests[0].tunnel_port = 6080; }, {}},
      {"a GUE port change on a tunnel dest is a SET",
       [](Table& d, Table& o, std::set<ServiceKey>&) {
         for (Table* t : {&d, &o}) {
           (*t)[0].dests[0].forwarding = Forwarding::tunnel;
           (*t)[0].dests[0].tunnel_type = TunnelType::gue;
           (*t)[0].dests[0].tunnel_port = 6080;
         }
         d[0].dests[0].tunnel_port = 6081;
       },
       {"SET dest 10.0.0.11:80 tun weight 1 in TCP 10.0.0.100:80"}},
      {"a foreign service is left alone",
       [](Table&, Table& o, std::set<ServiceKey>&) { o.push_back(foreign()); }, {}},
      {"a foreign dest inside an owned service is removed",
       [](Table&, Table& o, std::set<ServiceKey>&) { o[0].dests.push_back(dst("10.0.0.99", 80)); },
       {"DEL dest 10.0.0.99:80 in TCP 10.0.0.100:80"}},
      {"a service tandem created and no longer wants is deleted",
       [](Table& d, Table& o, std::set<ServiceKey>& c) {
         o.push_back(foreign());
         c.insert(foreign().service.key);
         (void)d;
       },
       {"DEL service TCP 10.0.0.200:443"}},
      {"a dropped service that tandem did not create stays",
       [](Table& d, Table&, std::set<ServiceKey>&) { d.clear(); }, {}},
      {"fwmark service added with its dests",
       [](Table& d, Table&, std::set<ServiceKey>&) {
         d.push_back({svc(fwm(7), "rr"), {dst("10.0.0.11", 0), dst("10.0.0.12", 0)}});
       },
       {"NEW service FWM 7 scheduler rr", "NEW dest 10.0.0.11:0 dr weight 1 in FWM 7",
        "NEW dest 10.0.0.12:0 dr weight 1 in FWM 7"}},
      {"fwmark 7 over IPv4 and IPv6 are different services",
       [](Table& d, Table& o, std::set<ServiceKey>&) {
         o.push_back({svc(fwm(7), "rr"), {}});
         d.push_back({svc(fwm(7), "rr"), {}});
         d.push_back({svc(fwm(7, AF_INET6), "rr"), {dst("2001:db8::11", 0)}});
       },
       {"NEW service FWM 7 (IPv6) scheduler rr", "NEW dest [2001:db8::11]:0 dr weight 1 in FWM 7 (IPv6)"}},
      {"IPv6 service: weight change and a new dest",
       [](Table& d, Table& o, std::set<ServiceKey>&) {
         ServiceEntry v6{svc(tcp("2001:db8::100", 80)), {dst("2001:db8::11", 80)}};
         o.push_back(v6);
         v6.dests[0].weight = 3;
         v6.dests.push_back(dst("2001:db8::12", 80));
         d.push_back(v6);
       },
       {"NEW dest [2001:db8::12]:80 dr weight 1 in TCP [2001:db8::100]:80",
        "SET dest [2001:db8::11]:80 dr weight 3 in TCP [2001:db8::100]:80"}},
      {"a reload adding one real and changing one weight: exactly those two",
       [](Table& d, Table&, std::set<ServiceKey>&) {
         d[0].dests[0].weight = 2;
         d[0].dests.push_back(dst("10.0.0.13", 80));
       },
       {"NEW dest 10.0.0.13:80 dr weight 1 in TCP 10.0.0.100:80",
        "SET dest 10.0.0.11:80 dr weight 2 in TCP 10.0.0.100:80"}},
      {"traffic moving to other dests: the new one first, the removal last (never none available)",
       [](Table& d, Table&, std::set<ServiceKey>&) {
         d[0].dests.erase(d[0].dests.begin());
         d[0].dests[0].weight = 0;
         d[0].dests.push_back(dst("10.0.0.2", 80));
       },
       {"NEW dest 10.0.0.2:80 dr weight 1 in TCP 10.0.0.100:80",
        "SET dest 10.0.0.12:80 dr weight 0 in TCP 10.0.0.100:80",
        "DEL dest 10.0.0.11:80 in TCP 10.0.0.100:80"}},
  };
}

}  // namespace

TEST(Reconcile, Cases) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.description);
    Table desired = base(), observed = base();
    std::set<ServiceKey> created;
    c.setup(desired, observed, created);
    auto ops = reconcile(desired, observed, created);
    EXPECT_EQ(described(ops), c.expect);
    // Applying the operations to the observed table reaches a fixed point.
    Table after = apply_to(observed, ops);
    EXPECT_TRUE(reconcile(desired, after, created).empty());
  }
}

TEST(Reconcile, ApplyToKeepsCountersOfUnchangedDests) {
  Table observed = base();
  observed[0].dests[0].stats.active_conns = 7;
  Table desired = base();
  desired[0].dests[0].weight = 4;
  Table after = apply_to(observed, reconcile(desired, observed, {}));
  EXPECT_EQ(after[0].dests[0].weight, 4);
  EXPECT_EQ(after[0].dests[0].stats.active_conns, 7u);
}

TEST(Reconcile, NeverFlushes) {
  // Even a completely different desired table deletes nothing it does not own.
  Table observed = base();
  observed.push_back(foreign());
  Table desired = {{svc(tcp("10.0.0.150", 25)), {dst("10.0.0.31", 25)}}};
  auto ops = reconcile(desired, observed, {});
  for (const auto& op : ops) EXPECT_FALSE(std::holds_alternative<DelService>(op)) << describe(op);
}

// ---- desired_table ------------------------------------------------------

namespace {

config::VirtualServer vs_dr() {
  config::VirtualServer vs;
  vs.address = config::Endpoint{*config::IpAddress::parse("10.0.0.100"), 80};
  vs.family = AF_INET;
  vs.scheduler = "wlc";
  for (const char* a : {"10.0.0.11", "10.0.0.12"}) {
    config::RealServer r;
    r.address = *config::IpAddress::parse(a);
    r.weight = 3;
    vs.reals.push_back(r);
  }
  return vs;
}

}  // namespace

TEST(DesiredTable, FromConfig) {
  auto vs = vs_dr();
  vs.persistence = 120s;
  vs.scheduler_flags = {"sh-port"};
  vs.reals[1].forwarding = config::ForwardingMethod::tun;
  vs.reals[1].tunnel_type = config::TunnelType::gue;
  vs.reals[1].tunnel_port = 6080;
  vs.reals[1].upper_threshold = 500;
  Table t = desired_table({vs});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].service.key.str(), "TCP 10.0.0.100:80");
  EXPECT_EQ(t[0].service.flags, svc_flag::persistent | svc_flag::sched2);
  EXPECT_EQ(t[0].service.timeout, 120u);
  EXPECT_EQ(t[0].service.netmask, 0xffffffffu);
  ASSERT_EQ(t[0].dests.size(), 2u);
  EXPECT_EQ(t[0].dests[0].key.str(), "10.0.0.11:80") << "the real takes the virtual port";
  EXPECT_EQ(t[0].dests[0].forwarding, Forwarding::droute);
  EXPECT_EQ(t[0].dests[0].weight, 3);
  EXPECT_EQ(t[0].dests[1].forwarding, Forwarding::tunnel);
  EXPECT_EQ(t[0].dests[1].tunnel_type, TunnelType::gue);
  EXPECT_EQ(t[0].dests[1].tunnel_port, 6080);
  EXPECT_EQ(t[0].dests[1].upper_threshold, 500u);
}

TEST(DesiredTable, FwmarkAndIpv6) {
  config::VirtualServer mark;
  mark.fwmark = 7;
  mark.family = AF_INET6;
  mark.scheduler = "rr";
  config::RealServer r;
  r.address = *config::IpAddress::parse("2001:db8::11");
  mark.reals.push_back(r);
  Table t = desired_table({mark});
  EXPECT_EQ(t[0].service.key.str(), "FWM 7 (IPv6)");
  EXPECT_EQ(t[0].service.key.protocol, 0);
  EXPECT_EQ(t[0].service.netmask, 128u);
  EXPECT_EQ(t[0].dests[0].key.str(), "[2001:db8::11]:0");
}

TEST(DesiredTable, QuiesceRemoveAndFallback) {
  auto vs = vs_dr();
  vs.fallback = config::Endpoint{*config::IpAddress::parse("127.0.0.1"), 8080};
  // One down: quiesced to weight 0, no fallback.
  Table t = desired_table({vs}, {{true, false}});
  ASSERT_EQ(t[0].dests.size(), 2u);
  EXPECT_EQ(t[0].dests[1].weight, 0);
  // All down: both quiesced and the fallback added (NAT: another port).
  t = desired_table({vs}, {{false, false}});
  ASSERT_EQ(t[0].dests.size(), 3u);
  EXPECT_EQ(t[0].dests[2].key.str(), "127.0.0.1:8080");
  EXPECT_EQ(t[0].dests[2].forwarding, Forwarding::masq);
  EXPECT_EQ(t[0].dests[2].weight, 1);
  // on_failure = remove: the failing ones disappear.
  vs.on_failure = config::OnFailure::remove;
  t = desired_table({vs}, {{false, true}});
  ASSERT_EQ(t[0].dests.size(), 1u);
  EXPECT_EQ(t[0].dests[0].key.str(), "10.0.0.12:80");
  t = desired_table({vs}, {{false, false}});
  ASSERT_EQ(t[0].dests.size(), 1u);
  EXPECT_EQ(t[0].dests[0].key.str(), "127.0.0.1:8080");
}

TEST(DesiredTable, HandoverSendsNewConnectionsToThePeer) {
  auto vs = vs_dr();
  auto other = vs_dr();
  other.address->port = 443;
  Handover handover{*config::IpAddress::parse("10.0.0.2"), std::nullopt};
  Table t = desired_table({vs, other}, {{true, false}}, handover);
  ASSERT_EQ(t.size(), 2u);
  ASSERT_EQ(t[0].dests.size(), 3u);
  EXPECT_EQ(t[0].dests[0].weight, 0) << "established connections stay, new ones do not come";
  EXPECT_EQ(t[0].dests[1].weight, 0);
  EXPECT_EQ(t[0].dests[2].key.str(), "10.0.0.2:80");
  EXPECT_EQ(t[0].dests[2].forwarding, Forwarding::droute);
  EXPECT_EQ(t[0].dests[2].weight, 1);
  // A service without a handover address is as without the handover.
  EXPECT_EQ(t[1].dests, desired_table({other})[0].dests);
  // The reconcile from the normal table to the handover one: two weight
  // changes and one new destination, nothing removed; and back.
  auto back = reconcile(desired_table({vs}), {t[0]}, {});
  auto to_handover = reconcile({t[0]}, desired_table({vs}), {});
  int adds = 0, edits = 0, dels = 0;
  for (const auto& op : to_handover) {
    adds += std::holds_alternative<NewDest>(op);
    edits += std::holds_alternative<SetDest>(op);
    dels += std::holds_alternative<DelDest>(op);
  }
  EXPECT_EQ(adds, 1);
  EXPECT_EQ(edits, 2);
  EXPECT_EQ(dels, 0);
  EXPECT_EQ(back.size(), 3u) << "back: the peer removed, the weights restored";
}

TEST(DesiredTable, HandoverToAPeerThatIsAlsoARealServer) {
  auto vs = vs_dr();
  Table t = desired_table({vs}, {}, Handover{*config::IpAddress::parse("10.0.0.12")});
  ASSERT_EQ(t[0].dests.size(), 2u);
  EXPECT_EQ(t[0].dests[0].weight, 0);
  EXPECT_EQ(t[0].dests[1].key.str(), "10.0.0.12:80");
  EXPECT_EQ(t[0].dests[1].weight, 1) << "never a service with no weight anywhere";
}

TEST(DesiredTable, HandoverLeavesNoFallbackAndKeepsRemovedRealsAtZero) {
  auto vs = vs_dr();
  vs.on_failure = config::OnFailure::remove;
  vs.fallback = config::Endpoint{*config::IpAddress::parse("127.0.0.1"), 8080};
  Table t = desired_table({vs}, {{false, false}}, Handover{*config::IpAddress::parse("10.0.0.2")});
  ASSERT_EQ(t[0].dests.size(), 3u);
  EXPECT_EQ(t[0].dests[0].weight, 0);
  EXPECT_EQ(t[0].dests[1].weight, 0);
  EXPECT_EQ(t[0].dests[2].key.str(), "10.0.0.2:80") << "the peer schedules by its own health view";
}

// ---- the connection timeouts ([ipvs], SET_CONFIG) ----

namespace {
struct TimeoutsCase {
  const char* description;
  Timeouts wanted;    // 0: not configured
  Timeouts observed;  // 0: not reported by the kernel
  std::optional<Timeouts> expect;
};
}  // namespace

TEST(ReconcileTimeouts, Cases) {
  const Timeouts kernel{900, 120, 300};  // a fresh kernel's
  const std::vector<TimeoutsCase> cases = {
      {"nothing configured: nothing set", {}, kernel, std::nullopt},
      {"configured as the kernel has them: nothing set", {900, 120, 300}, kernel, std::nullopt},
      {"all three differ: all three set", {3600, 30, 60}, kernel, Timeouts{3600, 30, 60}},
      {"only tcp configured and different: only tcp, the others 0 (unchanged)", {600, 0, 0}, kernel,
       Timeouts{600, 0, 0}},
      {"tcpfin alone differs: the others are not resent", {900, 60, 300}, kernel, Timeouts{0, 60, 0}},
      {"drift by hand: the configured value comes back", {900, 120, 0}, {30, 120, 300}, Timeouts{900, 0, 0}},
      {"a key removed by a reload: the kernel's value stays", {0, 120, 300}, {7200, 120, 300}, std::nullopt},
      {"udp wanted, the kernel reports none (built without UDP): not set", {900, 120, 60}, {900, 120, 0},
       std::nullopt},
      {"tcp wanted, the kernel reports no TCP: only udp set", {60, 60, 60}, {0, 0, 300}, Timeouts{0, 0, 60}},
      {"the largest configurable value", {2147483, 0, 0}, kernel, Timeouts{2147483, 0, 0}},
  };
  for (const auto& c : cases) {
    const auto got = reconcile_timeouts(c.wanted, c.observed);
    EXPECT_EQ(got.has_value(), c.expect.has_value()) << c.description;
    if (got && c.expect) {
      EXPECT_EQ(describe(*got), describe(*c.expect)) << c.description;
    }
    // Applied, the kernel has what is wanted where it reports a value.
    if (got) {
      const Timeouts after = apply_to(c.observed, *got);
      EXPECT_FALSE(reconcile_timeouts(c.wanted, after).has_value()) << c.description << ": a second pass";
    }
  }
}

TEST(ReconcileTimeouts, DescribeNamesTheSetOnes) {
  EXPECT_EQ(describe(Timeouts{900, 120, 300}), "tcp 900s tcpfin 120s udp 300s");
  EXPECT_EQ(describe(Timeouts{0, 60, 0}), "tcpfin 60s");
  EXPECT_EQ(describe(Timeouts{}), "none");
}

TEST(ReconcileTimeouts, FromTheConfiguration) {
  config::IpvsSection ipvs;
  EXPECT_EQ(timeouts_of(ipvs), Timeouts{});
  ipvs.tcp_timeout = 15min;
  ipvs.udp_timeout = 2147483s;
  EXPECT_EQ(timeouts_of(ipvs), (Timeouts{900, 0, 2147483}));
}
