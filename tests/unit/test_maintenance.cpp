// Real server maintenance (ipvs/maintenance.hpp): the text form and every
// bad input, the changes, what drained and disabled servers get in the
// desired table, what tandemctl's names resolve to, and how two directors
// agree on the state over heartbeats (failover/maintenance_sync.hpp).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "config/digest.hpp"
#include "failover/maintenance_sync.hpp"
#include "ipvs/desired.hpp"
#include "ipvs/maintenance.hpp"
#include "ipvs/table_keeper.hpp"
#include "tests/unit/config_support.hpp"

namespace tandem::ipvs {
namespace {

const std::string kServers =
    "[cluster]\npeer = \"d2\"\n[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n"
    "[[virtual_server]]\naddress = \"10.0.0.100:80\"\n"
    "[[virtual_server.real]]\naddress = \"10.0.0.11\"\n"
    "[[virtual_server.real]]\naddress = \"10.0.0.12\"\n"
    "[[virtual_server]]\naddress = \"10.0.0.100:53\"\nprotocol = \"udp\"\n"
    "[[virtual_server.real]]\naddress = \"10.0.0.11\"\n"
    "[[virtual_server]]\naddress = \"10.0.0.100:53\"\nprotocol = \"tcp\"\nforwarding = \"nat\"\n"
    "[[virtual_server.real]]\naddress = \"10.0.0.11:5353\"\n"
    "[[virtual_server.real]]\naddress = \"10.0.0.11:5354\"\n"
    "[[virtual_server]]\naddress = \"[2001:db8::100]:443\"\nfallback = \"[2001:db8::99]:443\"\n"
    "[[virtual_server.real]]\naddress = \"2001:db8::11\"\n"
    "[[virtual_server]]\nfwmark = 7\n"
    "[[virtual_server.real]]\naddress = \"10.0.0.21\"\n";

std::vector<config::VirtualServer> servers() {
  auto r = config::parse_config(kServers, "t.toml", testing::kParseOptions);
  EXPECT_TRUE(r.config) << testing::all_errors(r);
  return r.config ? r.config->virtual_servers : std::vector<config::VirtualServer>{};
}

DestKey dest(const char* address, std::uint16_t port) { return DestKey{*config::IpAddress::parse(address), port}; }

AdminState example_state() {
  const auto vs = servers();
  AdminState s;
  s = std::get<AdminState>(set_admin(s, service_key(vs[0]), dest("10.0.0.11", 80), AdminMode::drain, "root@d1", 1000));
  s = std::get<AdminState>(
      set_admin(s, service_key(vs[3]), dest("2001:db8::11", 443), AdminMode::disable, "alice@d2", 2000));
  return s;
}

TEST(Maintenance, TextFormRoundTrips) {
  const AdminState s = example_state();
  const std::string text = format_admin_state(s);
  EXPECT_EQ(text,
            "tandem-maintenance 1\n"
            "stamp 2000\n"
            "drain tcp 10.0.0.100 80 10.0.0.11 80 1000 root@d1\n"
            "disable tcp 2001:db8::100 443 2001:db8::11 443 2000 alice@d2\n");
  auto back = parse_admin_state(text);
  ASSERT_TRUE(std::holds_alternative<AdminState>(back)) << std::get<std::string>(back);
  EXPECT_EQ(std::get<AdminState>(back), s);
  auto empty = parse_admin_state(format_admin_state(AdminState{}));
  ASSERT_TRUE(std::holds_alternative<AdminState>(empty));
  EXPECT_EQ(std::get<AdminState>(empty), AdminState{});
}

TEST(Maintenance, BadTextIsRefusedWithItsLine) {
  struct Case {
    const char* what;
    std::string text;
    const char* message;
  };
  const std::string head = "tandem-maintenance 1\nstamp 5\n";
  const std::string line = "drain tcp 10.0.0.100 80 10.0.0.11 80 5 root@d1\n";
  std::string too_many = head;
  for (int i = 0; i <= 512; ++i)
    too_many += "drain tcp 10.0.0.100 80 10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) +
                " 80 5 root@d1\n";
  const Case cases[] = {
      {"empty", "", "empty"},
      {"another file", "hello\n", "line 1: not a tandem maintenance state"},
      {"a later format", "tandem-maintenance 2\nstamp 1\n", "line 1: not a tandem"},
      {"no stamp", "tandem-maintenance 1\n", "no stamp line"},
      {"bad stamp", "tandem-maintenance 1\nstamp -1\n", "line 2: \"stamp MILLISECONDS\""},
      {"stamp with junk", "tandem-maintenance 1\nstamp 12x\n", "line 2: \"stamp MILLISECONDS\""},
      {"no final newline", head + "drain tcp 10.0.0.100 80 10.0.0.11 80 5 root@d1", "line 3: no newline"},
      {"short line", head + "drain tcp 10.0.0.100 80\n", "line 3: \"MODE SERVICE"},
      {"unknown mode", head + "pause tcp 10.0.0.100 80 10.0.0.11 80 5 root@d1\n", "line 3: unknown mode"},
      {"mode none", head + "none tcp 10.0.0.100 80 10.0.0.11 80 5 root@d1\n", "line 3: unknown mode"},
      {"bad service", head + "drain icmp 10.0.0.100 80 10.0.0.11 80 5 root@d1\n", "line 3: bad service"},
      {"bad address", head + "drain tcp 10.0.0.100 80 10.0.0.311 80 5 root@d1\n", "line 3: bad destination"},
      {"bad port", head + "drain tcp 10.0.0.100 80 10.0.0.11 65536 5 root@d1\n", "line 3: bad destination"},
      {"bad time", head + "drain tcp 10.0.0.100 80 10.0.0.11 80 soon root@d1\n", "line 3: bad time"},
      {"bad name", head + "drain tcp 10.0.0.100 80 10.0.0.11 80 5 root;rm\n", "line 3: bad name"},
      {"repeated", head + line + line, "line 4: out of order or repeated"},
      {"out of order", head + "drain tcp 10.0.0.100 80 10.0.0.12 80 5 root@d1\n" + line, "line 4: out of order"},
      {"too many", too_many, "line 515: more than 512"},
  };
  for (const auto& c : cases) {
    auto r = parse_admin_state(c.text);
    ASSERT_TRUE(std::holds_alternative<std::string>(r)) << c.what;
    EXPECT_NE(std::get<std::string>(r).find(c.message), std::string::npos) << c.what << ": " << std::get<std::string>(r);
  }
}

TEST(Maintenance, ChangesAreStampedAndLimited) {
  const auto vs = servers();
  const ServiceKey web = service_key(vs[0]);
  AdminState s;
  auto a = std::get<AdminState>(set_admin(s, web, dest("10.0.0.12", 80), AdminMode::drain, "root@d1", 100));
  EXPECT_EQ(a.stamp_ms, 100);
  // The same mode again changes nothing, not even the stamp.
  EXPECT_EQ(std::get<AdminState>(set_admin(a, web, dest("10.0.0.12", 80), AdminMode::drain, "bob@d2", 200)), a);
  // A clock behind the last stamp still moves it forward.
  auto b = std::get<AdminState>(set_admin(a, web, dest("10.0.0.11", 80), AdminMode::disable, "root@d1", 50));
  EXPECT_EQ(b.stamp_ms, 101);
  ASSERT_EQ(b.entries.size(), 2u);
  EXPECT_EQ(b.entries[0].dest, dest("10.0.0.11", 80)) << "kept sorted";
  auto c = std::get<AdminState>(set_admin(b, web, dest("10.0.0.11", 80), AdminMode::none, "root@d1", 300));
  EXPECT_EQ(admin_count(c), 1u);
  ASSERT_EQ(c.entries.size(), 2u) << "the enable is remembered, for the merge with the peer";
  EXPECT_EQ(c.entries[0].mode, AdminMode::none);
  EXPECT_EQ(c.stamp_ms, 300);
  EXPECT_EQ(format_admin_state(c),
            "tandem-maintenance 1\nstamp 300\n"
            "enable tcp 10.0.0.100 80 10.0.0.11 80 300 root@d1\n"
            "drain tcp 10.0.0.100 80 10.0.0.12 80 100 root@d1\n");
  // Enabling a server never in maintenance changes nothing.
  EXPECT_EQ(std::get<AdminState>(set_admin(c, web, dest("10.0.0.13", 80), AdminMode::none, "root@d1", 400)), c);
  // Enabling what is in service changes nothing.
  EXPECT_EQ(std::get<AdminState>(set_admin(c, web, dest("10.0.0.11", 80), AdminMode::none, "root@d1", 400)), c);

  AdminState full;
  for (std::size_t i = 0; i < kMaxAdminEntries; ++i)
    full = std::get<AdminState>(set_admin(full, web, dest("10.0.1.1", static_cast<std::uint16_t>(i + 1)),
                                          AdminMode::drain, "root@d1", 1));
  auto refused = set_admin(full, web, dest("10.0.2.1", 80), AdminMode::drain, "root@d1", 1);
  ASSERT_TRUE(std::holds_alternative<std::string>(refused));
  EXPECT_NE(std::get<std::string>(refused).find("at most 256"), std::string::npos);
}

TEST(Maintenance, ChangesOnBothDirectorsAreMergedServerByServer) {
  const auto vs = servers();
  const ServiceKey web = service_key(vs[0]);
  AdminState base = std::get<AdminState>(set_admin({}, web, dest("10.0.0.11", 80), AdminMode::drain, "root@d1", 100));
  // At about the same time: d1 enables .11, d2 disables .12.
  const AdminState on_d1 = std::get<AdminState>(set_admin(base, web, dest("10.0.0.11", 80), AdminMode::none, "root@d1", 200));
  const AdminState on_d2 =
      std::get<AdminState>(set_admin(base, web, dest("10.0.0.12", 80), AdminMode::disable, "bob@d2", 201));
  const AdminState m = merge_admin(on_d1, on_d2);
  EXPECT_EQ(m, merge_admin(on_d2, on_d1)) << "the same on both sides";
  EXPECT_EQ(m.stamp_ms, 201);
  ASSERT_EQ(m.entries.size(), 2u);
  EXPECT_EQ(m.entries[0].mode, AdminMode::none) << "d1's enable is kept";
  EXPECT_EQ(m.entries[1].mode, AdminMode::disable) << "and d2's disable";
  EXPECT_EQ(merge_admin(m, on_d1), m) << "merging what is already in changes nothing";
  EXPECT_EQ(merge_admin(m, m), m);

  // One server changed on both: the later change wins.
  const AdminState later =
      std::get<AdminState>(set_admin(base, web, dest("10.0.0.11", 80), AdminMode::disable, "bob@d2", 300));
  EXPECT_EQ(find_admin(merge_admin(on_d1, later), web, dest("10.0.0.11", 80))->mode, AdminMode::disable);
  EXPECT_EQ(find_admin(merge_admin(later, on_d1), web, dest("10.0.0.11", 80))->mode, AdminMode::disable);
  // Changes at the same millisecond: decided alike on both sides.
  AdminState x = base, y = base;
  x.entries[0].at_ms = y.entries[0].at_ms = 500;
  x.entries[0].mode = AdminMode::disable;
  y.entries[0].by = "zed@d2";
  EXPECT_EQ(merge_admin(x, y), merge_admin(y, x));

  // An enable is forgotten a day after it was made, counted from the newest change.
  AdminState old = on_d1;
  old = std::get<AdminState>(set_admin(old, web, dest("10.0.0.12", 80), AdminMode::drain, "root@d1",
                                       200 + kEnabledKeptMs + 1));
  EXPECT_EQ(old.entries.size(), 1u);
  EXPECT_EQ(find_admin(old, web, dest("10.0.0.11", 80)), nullptr);
}

TEST(Maintenance, DrainedServersGetWeightZeroAndDisabledOnesAreLeftOut) {
  const auto vs = servers();
  const AdminState s = example_state();
  const Admin admin = admin_modes(vs, s);
  ASSERT_EQ(admin.size(), vs.size());
  EXPECT_EQ(admin[0], (std::vector<AdminMode>{AdminMode::drain, AdminMode::none}));
  EXPECT_EQ(admin[3], (std::vector<AdminMode>{AdminMode::disable}));
  EXPECT_TRUE(admin_modes(vs, AdminState{}).empty()) << "nothing to look up without entries";

  const Table t = desired_table(vs, {}, {}, admin);
  ASSERT_EQ(t.size(), vs.size());
  ASSERT_EQ(t[0].dests.size(), 2u);
  EXPECT_EQ(t[0].dests[0].key, dest("10.0.0.11", 80));
  EXPECT_EQ(t[0].dests[0].weight, 0) << "drained: kept, no new connections";
  EXPECT_EQ(t[0].dests[1].weight, 1);
  // The IPv6 service's only real server is disabled: out, and the fallback
  // takes over as when none is healthy.
  ASSERT_EQ(t[3].dests.size(), 1u);
  EXPECT_EQ(t[3].dests[0].key, dest("2001:db8::99", 443));

  // A drained server stays at 0 while healthy and while down; on_failure
  // "remove" does not take a drained one out.
  Health down(vs.size());
  down[0] = {false, true};
  const Table t2 = desired_table(vs, down, {}, admin);
  ASSERT_EQ(t2[0].dests.size(), 2u);
  EXPECT_EQ(t2[0].dests[0].weight, 0);

  // During a staged handover a disabled server stays out.
  Handover handover(vs.size());
  handover[3] = *config::IpAddress::parse("2001:db8::2");
  const Table t3 = desired_table(vs, {}, handover, admin);
  ASSERT_EQ(t3[3].dests.size(), 1u);
  EXPECT_EQ(t3[3].dests[0].key.address.str(), "2001:db8::2");
}

TEST(Maintenance, TandemctlNamesResolve) {
  const auto vs = servers();
  struct Case {
    const char* what;
    const char* vs;
    const char* real;
    std::size_t v, r;  // expected, or
    const char* error;
  };
  const Case cases[] = {
      {"address and port", "10.0.0.100:80", "10.0.0.12", 0, 1, nullptr},
      {"real with its port", "10.0.0.100:80", "10.0.0.12:80", 0, 1, nullptr},
      {"protocol prefix", "udp:10.0.0.100:53", "10.0.0.11", 1, 0, nullptr},
      {"two protocols on one endpoint", "10.0.0.100:53", "10.0.0.11", 0, 0, "is more than one virtual server"},
      {"two ports of one address", "tcp:10.0.0.100:53", "10.0.0.11", 0, 0, "give the port"},
      {"one of two ports", "tcp:10.0.0.100:53", "10.0.0.11:5354", 2, 1, nullptr},
      {"IPv6 in brackets", "[2001:db8::100]:443", "[2001:db8::11]:443", 3, 0, nullptr},
      {"IPv6 real without port", "[2001:db8::100]:443", "2001:db8::11", 3, 0, nullptr},
      {"fwmark", "fwmark:7", "10.0.0.21", 4, 0, nullptr},
      {"unknown fwmark", "fwmark:8", "10.0.0.21", 0, 0, "no virtual server fwmark:8"},
      {"bad fwmark", "fwmark:x", "10.0.0.21", 0, 0, "write fwmark:N"},
      {"no port", "10.0.0.100", "10.0.0.11", 0, 0, "is not a virtual server"},
      {"not an address", "web", "10.0.0.11", 0, 0, "is not a virtual server"},
      {"unknown virtual server", "10.0.0.101:80", "10.0.0.11", 0, 0, "no virtual server 10.0.0.101:80"},
      {"unknown real server", "10.0.0.100:80", "10.0.0.13", 0, 0, "no real server 10.0.0.13 in TCP 10.0.0.100:80"},
      {"wrong port of a real", "10.0.0.100:80", "10.0.0.11:81", 0, 0, "no real server"},
      {"bad real", "10.0.0.100:80", "10.0.0.11:x", 0, 0, "is not a real server"},
  };
  for (const auto& c : cases) {
    auto r = find_real(vs, c.vs, c.real);
    if (c.error) {
      ASSERT_TRUE(std::holds_alternative<std::string>(r)) << c.what;
      EXPECT_NE(std::get<std::string>(r).find(c.error), std::string::npos) << c.what << ": " << std::get<std::string>(r);
    } else {
      ASSERT_TRUE(std::holds_alternative<RealRef>(r)) << c.what << ": " << std::get<std::string>(r);
      EXPECT_EQ(std::get<RealRef>(r).vs, c.v) << c.what;
      EXPECT_EQ(std::get<RealRef>(r).real, c.r) << c.what;
    }
  }
  EXPECT_EQ(describe_admin_target(service_key(vs[3]), dest("2001:db8::11", 443)),
            "tcp:[2001:db8::100]:443 [2001:db8::11]:443");
  EXPECT_EQ(describe_admin_target(service_key(vs[4]), dest("10.0.0.21", 0)), "fwmark:7 10.0.0.21:0");
}

// ---- the heartbeat exchange ----

using failover::Heartbeat;
using failover::MaintenanceAssembly;
using failover::MaintenanceSender;
using failover::MaintenanceVersion;

MaintenanceVersion version_of(const AdminState& s) {
  return {static_cast<std::uint64_t>(s.stamp_ms), admin_digest(s)};
}

TEST(MaintenanceSync, TheNewerStateCrossesInPiecesAndOnlyWhileItDiffers) {
  // A state of several pieces: 40 entries of about 60 bytes.
  const auto vs = servers();
  AdminState big;
  for (int i = 0; i < 40; ++i)
    big = std::get<AdminState>(set_admin(big, service_key(vs[0]), dest("10.0.3.1", static_cast<std::uint16_t>(i + 1)),
                                         AdminMode::drain, "root@d1", 5000 + i));
  const std::string text = format_admin_state(big);
  ASSERT_GT(text.size(), 2 * failover::max_maintenance_chunk);

  MaintenanceSender d1;
  d1.set_own(text, version_of(big));
  MaintenanceSender d2;
  d2.set_own(format_admin_state(AdminState{}), version_of(AdminState{}));
  MaintenanceAssembly at_d2;

  Heartbeat hb;
  d1.fill(hb);
  EXPECT_FALSE(hb.maintenance) << "nothing before the peer said what it has";
  EXPECT_EQ(hb.maintenance_stamp, static_cast<std::uint64_t>(big.stamp_ms));

  Heartbeat from_d2;
  d2.fill(from_d2);
  d1.peer_has({from_d2.maintenance_stamp, from_d2.maintenance_digest});
  std::optional<std::string> got;
  int heartbeats = 0;
  while (!got && heartbeats < 100) {
    Heartbeat h;
    d1.fill(h);
    ASSERT_TRUE(h.maintenance) << "pieces while the peer's differs";
    // d2 sends its own meanwhile: each merges the other's.
    d2.peer_has({h.maintenance_stamp, h.maintenance_digest});
    Heartbeat back;
    d2.fill(back);
    EXPECT_TRUE(back.maintenance);
    got = at_d2.add({h.maintenance_stamp, h.maintenance_digest}, *h.maintenance);
    ++heartbeats;
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(heartbeats, static_cast<int>((text.size() + failover::max_maintenance_chunk - 1) /
                                         failover::max_maintenance_chunk));
  EXPECT_EQ(*got, text);
  // Once d2 has it and says so, d1 sends no more pieces.
  d1.peer_has(version_of(big));
  Heartbeat after;
  d1.fill(after);
  EXPECT_FALSE(after.maintenance);
}

TEST(MaintenanceSync, PiecesOfAnotherStateOrAWrongDigestAreNotPutTogether) {
  MaintenanceAssembly a;
  const std::string text = "tandem-maintenance 1\nstamp 9\n";
  const MaintenanceVersion v{9, config::short_sha256(text)};
  // Two pieces of one state, with a piece of another state between them.
  EXPECT_FALSE(a.add(v, {0, 2, text.substr(0, 10)}));
  EXPECT_FALSE(a.add({10, 1}, {0, 2, "zzzzzzzzzz"}));
  EXPECT_FALSE(a.add(v, {1, 2, text.substr(10)})) << "the other state's piece started over";
  auto done = a.add(v, {0, 2, text.substr(0, 10)});
  ASSERT_TRUE(done);
  EXPECT_EQ(*done, text);
  // Every piece there but the text does not match the digest.
  MaintenanceAssembly b;
  EXPECT_FALSE(b.add({9, 1}, {0, 1, text}));
  EXPECT_FALSE(b.add(v, {3, 2, "x"})) << "index not below count";
}

}  // namespace
}  // namespace tandem::ipvs
