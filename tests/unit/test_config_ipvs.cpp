// [[virtual_server]], [[virtual_server.real]] and [sync] in tandem.toml
// (SPEC "Configuration (TOML)", REFERENCE "IPVS generic netlink").
#include <gtest/gtest.h>

#include "config_support.hpp"
#include <sys/socket.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/names.hpp"

namespace tandem::config {
namespace {

using namespace std::chrono_literals;

const ParseOptions kOptions{"d1"};

// A case's text is the start of a file; [cluster] and [[link]] follow it, so
// the line numbers in a case are the lines of its own text.
std::string complete(const std::string& head) {
  std::string text = head;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text +=
      "[cluster]\npeer = \"d2\"\n[[link]]\nname = \"public\"\ninterface = \"eth0\"\npeer = \"10.0.0.2\"\n";
  return text;
}

using tandem::testing::all_errors;

Config parse_ok(const std::string& head) {
  const auto r = parse_config(complete(head), "t.toml", kOptions);
  EXPECT_TRUE(r.config) << "in:\n" << complete(head) << all_errors(r);
  return r.config ? *r.config : Config{};
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

// A virtual server head: "[[virtual_server]]" then the given lines.
std::string vs(const std::string& lines) { return "[[virtual_server]]\n" + lines; }
const std::string kWeb = "[[virtual_server]]\naddress = \"10.0.0.100:80\"\n";  // lines 1-2

TEST(ConfigIpvsTest, VirtualServerDefaults) {
  const Config c = parse_ok(kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11\"");
  ASSERT_EQ(c.virtual_servers.size(), 1u);
  const VirtualServer& v = c.virtual_servers[0];
  ASSERT_TRUE(v.address);
  EXPECT_EQ(v.address->address, ip("10.0.0.100"));
  EXPECT_EQ(v.address->port, 80);
  EXPECT_EQ(v.fwmark, 0u);
  EXPECT_EQ(v.family, AF_INET);
  EXPECT_EQ(v.protocol, Protocol::tcp);
  EXPECT_EQ(v.scheduler, "wlc");
  EXPECT_TRUE(v.scheduler_flags.empty());
  EXPECT_EQ(v.forwarding, ForwardingMethod::dr);
  EXPECT_EQ(v.tunnel_type, TunnelType::ipip);
  EXPECT_EQ(v.tunnel_port, 0);
  EXPECT_EQ(v.persistence, 0ms);
  EXPECT_EQ(v.persistence_netmask, 0xffffffffu);
  EXPECT_FALSE(v.fallback);
  EXPECT_EQ(v.on_failure, OnFailure::quiesce);
  ASSERT_EQ(v.reals.size(), 1u);
  const RealServer& r = v.reals[0];
  EXPECT_EQ(r.address, ip("10.0.0.11"));
  EXPECT_EQ(r.port, 80);  // the virtual server's
  EXPECT_EQ(r.weight, 1);
  EXPECT_FALSE(r.forwarding);
  EXPECT_FALSE(r.tunnel_type);
  EXPECT_FALSE(r.tunnel_port);
  EXPECT_EQ(r.upper_threshold, 0u);
  EXPECT_EQ(r.lower_threshold, 0u);
  EXPECT_EQ(forwarding_of(v, r), ForwardingMethod::dr);
  EXPECT_EQ(tunnel_type_of(v, r), TunnelType::ipip);
  EXPECT_EQ(tunnel_port_of(v, r), 0);
  EXPECT_FALSE(c.sync);
}

TEST(ConfigIpvsTest, NoVirtualServersNoSync) {
  const Config c = parse_ok("");
  EXPECT_TRUE(c.virtual_servers.empty());
  EXPECT_FALSE(c.sync);
}

TEST(ConfigIpvsTest, ReadsEveryKey) {
  const Config c = parse_ok(R"(
[[virtual_server]]
address = "10.0.0.100:443"
protocol = "tcp"
scheduler = "sh"
scheduler_flags = ["sh-fallback", "sh-port"]
forwarding = "tun"
tunnel_type = "gue"
tunnel_port = 6080
persistence = "5m"
persistence_netmask = "255.255.255.0"
fallback = "127.0.0.1:8443"
on_failure = "remove"

[[virtual_server.real]]
address = "10.0.0.11"
weight = 3
upper_threshold = 100
lower_threshold = 80

[[virtual_server.real]]
address = "10.0.0.12:443"
forwarding = "tun"
tunnel_type = "gue"
tunnel_port = 7080

[[virtual_server.real]]
address = "2001:db8::13"
tunnel_type = "gre"

[[virtual_server.real]]
address = "10.0.0.14:8443"
forwarding = "nat"
weight = 0

[[virtual_server]]
address = "[2001:db8::100]:53"
protocol = "udp"
scheduler = "mh"
scheduler_flags = ["mh-port", "ops", "mh-fallback"]
persistence = "60s"
persistence_netmask = 64

[[virtual_server.real]]
address = "[2001:db8::11]:53"

[[virtual_server]]
fwmark = 4294967295
family = "ipv6"
protocol = "sctp"
scheduler = "rr"
forwarding = "nat"

[[virtual_server.real]]
address = "[2001:db8::21]:8080"

)");
  ASSERT_EQ(c.virtual_servers.size(), 3u);
  const VirtualServer& a = c.virtual_servers[0];
  EXPECT_EQ(describe(a), "TCP 10.0.0.100:443");
  EXPECT_EQ(a.scheduler, "sh");
  EXPECT_EQ(a.scheduler_flags, (std::vector<std::string>{"sh-fallback", "sh-port"}));
  EXPECT_EQ(a.forwarding, ForwardingMethod::tun);
  EXPECT_EQ(a.tunnel_type, TunnelType::gue);
  EXPECT_EQ(a.tunnel_port, 6080);
  EXPECT_EQ(a.persistence, 300s);
  EXPECT_EQ(a.persistence_netmask, 0xffffff00u);  // host order
  ASSERT_TRUE(a.fallback);
  EXPECT_EQ(a.fallback->address, ip("127.0.0.1"));
  EXPECT_EQ(a.fallback->port, 8443);
  EXPECT_EQ(a.on_failure, OnFailure::remove);
  ASSERT_EQ(a.reals.size(), 4u);
  EXPECT_EQ(a.reals[0].port, 443);
  EXPECT_EQ(a.reals[0].weight, 3);
  EXPECT_EQ(a.reals[0].upper_threshold, 100u);
  EXPECT_EQ(a.reals[0].lower_threshold, 80u);
  EXPECT_EQ(tunnel_port_of(a, a.reals[0]), 6080);
  EXPECT_EQ(a.reals[1].forwarding, ForwardingMethod::tun);
  EXPECT_EQ(a.reals[1].tunnel_type, TunnelType::gue);
  EXPECT_EQ(a.reals[1].tunnel_port, 7080);
  EXPECT_EQ(tunnel_port_of(a, a.reals[1]), 7080);
  EXPECT_EQ(a.reals[2].address, ip("2001:db8::13"));  // IPv6 real of an IPv4 service: tun
  EXPECT_EQ(a.reals[2].port, 443);
  EXPECT_EQ(tunnel_type_of(a, a.reals[2]), TunnelType::gre);
  EXPECT_EQ(a.reals[3].forwarding, ForwardingMethod::nat);
  EXPECT_EQ(a.reals[3].port, 8443);
  EXPECT_EQ(a.reals[3].weight, 0);

  const VirtualServer& b = c.virtual_servers[1];
  EXPECT_EQ(describe(b), "UDP [2001:db8::100]:53");
  EXPECT_EQ(b.family, AF_INET6);
  EXPECT_EQ(b.protocol, Protocol::udp);
  EXPECT_EQ(b.scheduler_flags, (std::vector<std::string>{"mh-port", "ops", "mh-fallback"}));
  EXPECT_EQ(b.persistence, 60s);
  EXPECT_EQ(b.persistence_netmask, 64u);
  ASSERT_EQ(b.reals.size(), 1u);
  EXPECT_EQ(b.reals[0].address, ip("2001:db8::11"));
  EXPECT_EQ(b.reals[0].port, 53);

  const VirtualServer& f = c.virtual_servers[2];
  EXPECT_EQ(describe(f), "FWM 4294967295 (IPv6)");
  EXPECT_FALSE(f.address);
  EXPECT_EQ(f.fwmark, 4294967295u);
  EXPECT_EQ(f.family, AF_INET6);
  EXPECT_EQ(f.protocol, Protocol::sctp);
  EXPECT_EQ(f.persistence_netmask, 128u);
  ASSERT_EQ(f.reals.size(), 1u);
  EXPECT_EQ(f.reals[0].port, 8080);

  // [sync] is read in ReadsEverySyncKey: the kernel cannot run the sync
  // daemon with the mixed-family real above.
  EXPECT_FALSE(c.sync);
}

TEST(ConfigIpvsTest, ReadsEverySyncKey) {
  const Config c = parse_ok(kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11\"\n"
                                   "[sync]\ninterface = \"eth1\"\nsyncid = 255\ngroup = \"239.1.2.3\"\n"
                                   "port = 8849\nmaxlen = 1400\nttl = 3\n");
  ASSERT_TRUE(c.sync);
  EXPECT_EQ(c.sync->interface, "eth1");
  EXPECT_EQ(c.sync->syncid, 255u);
  EXPECT_EQ(c.sync->group, ip("239.1.2.3"));
  EXPECT_EQ(c.sync->port, 8849);
  EXPECT_EQ(c.sync->maxlen, 1400);
  EXPECT_EQ(c.sync->ttl, 3);
}

TEST(ConfigIpvsTest, Ipv6VirtualServer) {
  const Config c =
      parse_ok(vs("address = \"[2001:db8::100]:80\"\n"
                  "[[virtual_server.real]]\naddress = \"2001:db8::11\"\n"
                  "[[virtual_server.real]]\naddress = \"[2001:db8::12]\"\n"
                  "[[virtual_server.real]]\naddress = \"[2001:db8::13]:80\"\n"));
  ASSERT_EQ(c.virtual_servers.size(), 1u);
  const VirtualServer& v = c.virtual_servers[0];
  EXPECT_EQ(v.family, AF_INET6);
  EXPECT_EQ(v.address->address, ip("2001:db8::100"));
  EXPECT_EQ(v.persistence_netmask, 128u);
  ASSERT_EQ(v.reals.size(), 3u);
  for (const auto& r : v.reals) EXPECT_EQ(r.port, 80);
  EXPECT_EQ(v.reals[1].address, ip("2001:db8::12"));
}

TEST(ConfigIpvsTest, FwmarkVirtualServers) {
  const Config c =
      parse_ok(vs("fwmark = 7\n"  // 1-2
                  "[[virtual_server.real]]\naddress = \"10.0.0.11\"\n"
                  "[[virtual_server]]\nfwmark = 7\nfamily = \"ipv6\"\nforwarding = \"nat\"\n"
                  "[[virtual_server.real]]\naddress = \"[2001:db8::11]:8080\"\n"
                  "[[virtual_server]]\nfwmark = 8\nprotocol = \"udp\"\nfamily = \"ipv4\"\n"
                  "scheduler_flags = [\"ops\"]\n"));
  ASSERT_EQ(c.virtual_servers.size(), 3u);
  const VirtualServer& a = c.virtual_servers[0];
  EXPECT_EQ(a.fwmark, 7u);
  EXPECT_EQ(a.family, AF_INET);  // the default
  EXPECT_EQ(describe(a), "FWM 7");
  ASSERT_EQ(a.reals.size(), 1u);
  EXPECT_EQ(a.reals[0].port, 0);  // dr: packets keep their port
  const VirtualServer& b = c.virtual_servers[1];
  EXPECT_EQ(b.fwmark, 7u);
  EXPECT_EQ(b.family, AF_INET6);
  EXPECT_EQ(b.reals[0].port, 8080);
  const VirtualServer& u = c.virtual_servers[2];
  EXPECT_EQ(u.protocol, Protocol::udp);
  EXPECT_EQ(u.scheduler_flags, std::vector<std::string>{"ops"});
  EXPECT_TRUE(u.reals.empty());
}

TEST(ConfigIpvsTest, EverySchedulerIsAccepted) {
  const std::vector<std::string> expected = {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
                                             "sh", "sed", "nq", "fo",  "ovf",  "mh"};
  std::vector<std::string> listed(ipvs_schedulers().begin(), ipvs_schedulers().end());
  EXPECT_EQ(listed, expected);
  for (const auto& name : expected) {
    SCOPED_TRACE(name);
    const Config c = parse_ok(kWeb + "scheduler = \"" + name + "\"\n");
    ASSERT_EQ(c.virtual_servers.size(), 1u);
    EXPECT_EQ(c.virtual_servers[0].scheduler, name);
  }
}

TEST(ConfigIpvsTest, PortlessPersistentService) {
  const Config c =
      parse_ok(vs("address = \"10.0.0.100:0\"\npersistence = \"300s\"\n"
                  "[[virtual_server.real]]\naddress = \"10.0.0.11\"\n"
                  "[[virtual_server.real]]\naddress = \"10.0.0.12:8080\"\nforwarding = \"nat\"\n"));
  const VirtualServer& v = c.virtual_servers.at(0);
  EXPECT_EQ(v.address->port, 0);
  EXPECT_EQ(v.persistence, 300s);
  EXPECT_EQ(v.reals.at(0).port, 0);
  EXPECT_EQ(v.reals.at(1).port, 8080);
}

struct GoodConfig {
  const char* description;
  std::string head;
};

TEST(ConfigIpvsTest, AcceptedVariants) {
  const std::vector<GoodConfig> cases = {
      {"a virtual server with no real servers", kWeb},
      {"no real servers but a fallback", kWeb + "fallback = \"127.0.0.1:80\""},
      {"a virtual address that is not a VIP",
       "[[vip]]\naddress = \"10.0.0.50/24\"\ninterface = \"eth0\"\n" + kWeb},
      {"fwmark with protocol set", vs("fwmark = 1\nprotocol = \"udp\"")},
      {"IPv6 real of an IPv4 service by tun",
       kWeb + "[[virtual_server.real]]\naddress = \"2001:db8::11\"\nforwarding = \"tun\""},
      {"IPv4 real of an IPv6 service, tun from the virtual server",
       vs("address = \"[2001:db8::100]:80\"\nforwarding = \"tun\"\n[[virtual_server.real]]\naddress = "
          "\"10.0.0.11:80\"")},
      {"fallback of another family by tun", kWeb + "forwarding = \"tun\"\nfallback = \"[2001:db8::1]:80\""},
      {"fallback on another port (reached by nat)", kWeb + "fallback = \"127.0.0.1:8080\""},
      {"fallback without a port", kWeb + "fallback = \"10.0.0.99\""},
      {"nat real on another port",
       kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11:8080\"\nforwarding = \"nat\""},
      {"nat from the virtual server, real on another port",
       kWeb + "forwarding = \"nat\"\n[[virtual_server.real]]\naddress = \"10.0.0.11:8080\""},
      {"dr real that repeats the virtual port", kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11:80\""},
      {"one address on two ports of a nat service",
       kWeb + "forwarding = \"nat\"\n[[virtual_server.real]]\naddress = \"10.0.0.11:8080\"\n"
              "[[virtual_server.real]]\naddress = \"10.0.0.11:8081\""},
      {"fwmark dr reals without ports",
       vs("fwmark = 3\n[[virtual_server.real]]\naddress = \"10.0.0.11\"\n[[virtual_server.real]]\n"
          "address = \"10.0.0.12\"")},
      {"fwmark nat reals with ports",
       vs("fwmark = 3\nforwarding = \"nat\"\n[[virtual_server.real]]\naddress = \"10.0.0.11:80\"")},
      {"tunnel_type on a dr service whose real uses tun",
       kWeb +
           "tunnel_type = \"gre\"\n[[virtual_server.real]]\naddress = \"10.0.0.11\"\nforwarding = \"tun\""},
      {"gue with its port on the virtual server",
       kWeb + "forwarding = \"tun\"\ntunnel_type = \"gue\"\ntunnel_port = 6080\n[[virtual_server.real]]\n"
              "address = \"10.0.0.11\""},
      {"gue with its port on the real",
       kWeb +
           "[[virtual_server.real]]\naddress = \"10.0.0.11\"\nforwarding = \"tun\"\ntunnel_type = \"gue\"\n"
           "tunnel_port = 6080"},
      {"a lower threshold without an upper one",
       kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11\"\nlower_threshold = 5"},
      {"equal thresholds",
       kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11\"\nupper_threshold = 5\nlower_threshold = 5"},
      {"largest thresholds and weight",
       kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11\"\nweight = 65535\nupper_threshold = "
              "4294967295\nlower_threshold = 4294967295"},
      {"ops on a UDP service",
       vs("address = \"10.0.0.100:53\"\nprotocol = \"udp\"\nscheduler_flags = [\"ops\"]")},
      {"no scheduler flags", kWeb + "scheduler_flags = []"},
      {"persistence with the widest IPv4 mask",
       kWeb + "persistence = \"1h\"\npersistence_netmask = \"128.0.0.0\""},
      {"persistence with a host mask",
       kWeb + "persistence = \"1s\"\npersistence_netmask = \"255.255.255.255\""},
      {"persistence off explicitly", kWeb + "persistence = \"0s\""},
      {"IPv6 fwmark with a prefix netmask",
       vs("fwmark = 9\nfamily = \"ipv6\"\npersistence = \"30s\"\npersistence_netmask = 1")},
      {"one address, TCP and UDP", kWeb + vs("address = \"10.0.0.100:80\"\nprotocol = \"udp\"")},
      {"one address, two ports", kWeb + vs("address = \"10.0.0.100:443\"")},
      {"one fwmark, IPv4 and IPv6", vs("fwmark = 5\n") + vs("fwmark = 5\nfamily = \"ipv6\"")},
      {"one real in two virtual servers",
       kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11\"\n" +
           vs("address = \"10.0.0.100:443\"\n[[virtual_server.real]]\naddress = \"10.0.0.11\"")},
      {"inline tables",
       "virtual_server = [ { address = \"10.0.0.100:80\", real = [ { address = \"10.0.0.11\" } ] } ]\n"
       "sync = { interface = \"eth1\", syncid = 0 }"},
      {"sync with an IPv6 group", "[sync]\ninterface = \"eth1\"\nsyncid = 1\ngroup = \"ff02::8:81\""},
      {"sync without virtual servers", "[sync]\ninterface = \"bond0.100\"\nsyncid = 0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    parse_ok(c.head);
  }
}

struct BadConfig {
  const char* description;
  std::string head;  // see complete()
  int line;
  int column;
  const char* message;  // a part of the one expected error
};

TEST(ConfigIpvsTest, EachMistakeIsOneLocatedError) {
  const std::string real = "[[virtual_server.real]]\n";
  const std::string fwmark = "[[virtual_server]]\nfwmark = 7\n";                    // lines 1-2
  const std::string v6 = "[[virtual_server]]\naddress = \"[2001:db8::100]:80\"\n";  // lines 1-2
  const std::vector<BadConfig> cases = {
      // which service
      {"neither address nor fwmark", vs("scheduler = \"rr\""), 1, 1,
       "virtual_server needs address = \"ADDRESS:PORT\" (e.g. \"10.0.0.100:80\") or fwmark = MARK"},
      {"both address and fwmark", kWeb + "fwmark = 7", 3, 10,
       "virtual_server has both address and fwmark; set one of the two"},
      {"address without a port", vs("address = \"10.0.0.100\""), 2, 11,
       "virtual_server.address: \"10.0.0.100\" needs a port, e.g. \"10.0.0.100:80\""},
      {"IPv6 address without brackets", vs("address = \"2001:db8::100\""), 2, 11,
       "needs a port, e.g. \"[2001:db8::100]:80\""},
      {"IPv4 address in brackets", vs("address = \"[10.0.0.100]:80\""), 2, 11,
       "virtual_server.address: brackets are for IPv6 addresses; write \"10.0.0.100:80\""},
      {"unclosed bracket", vs("address = \"[2001:db8::100:80\""), 2, 11, "has no closing \"]\""},
      {"text after the bracket", vs("address = \"[2001:db8::100]80\""), 2, 11,
       "must be written \"[ADDRESS]:PORT\""},
      {"not an address", vs("address = \"10.0.0.300:80\""), 2, 11,
       "virtual_server.address: \"10.0.0.300\" is not an IPv4 or IPv6 address"},
      {"a host name", vs("address = \"www.example.com:80\""), 2, 11, "\"www.example.com\" is not an IPv4"},
      {"IPv6 with a port and no brackets", vs("address = \"2001:db8::100::80\""), 2, 11,
       "an IPv6 address with a port is written \"[2001:db8::1]:80\""},
      {"port above 65535", vs("address = \"10.0.0.100:70000\""), 2, 11,
       "virtual_server.address port 70000 is out of range 0..65535"},
      {"port as a name", vs("address = \"10.0.0.100:http\""), 2, 11,
       "port \"http\" is not a number 0..65535"},
      {"empty port", vs("address = \"10.0.0.100:\""), 2, 11, "port \"\" is not a number"},
      {"address of the wrong type", vs("address = 80"), 2, 11,
       "virtual_server.address must be an address with a port, e.g. \"10.0.0.100:80\", not an integer"},
      {"port 0 without persistence", vs("address = \"10.0.0.100:0\""), 2, 11,
       "virtual_server.address port 0 (every port) is only for persistent services"},
      {"port 0 with persistence off", vs("address = \"10.0.0.100:0\"\npersistence = \"0s\""), 2, 11,
       "port 0 (every port) is only for persistent services"},
      {"fwmark 0", vs("fwmark = 0"), 2, 10, "virtual_server.fwmark 0 is out of range 1..4294967295"},
      {"fwmark above 32 bits", vs("fwmark = 4294967296"), 2, 10, "out of range 1..4294967295"},
      {"fwmark as a string", vs("fwmark = \"7\""), 2, 10,
       "virtual_server.fwmark must be an integer, not a string"},
      {"family with an address", kWeb + "family = \"ipv4\"", 3, 10,
       "virtual_server.family is only for fwmark services; the address 10.0.0.100 is IPv4"},
      {"unknown family", fwmark + "family = \"inet6\"", 3, 10,
       "virtual_server.family \"inet6\" must be \"ipv4\" or \"ipv6\""},
      {"family as a number", fwmark + "family = 6", 3, 10,
       "virtual_server.family must be one of \"ipv4\" or \"ipv6\", not an integer"},
      // protocol, scheduler, flags
      {"unknown protocol", kWeb + "protocol = \"tpc\"", 3, 12,
       "virtual_server.protocol \"tpc\" must be \"tcp\", \"udp\" or \"sctp\"; did you mean \"tcp\"?"},
      {"protocol as a number", kWeb + "protocol = 6", 3, 12, "virtual_server.protocol must be one of"},
      {"unknown scheduler", kWeb + "scheduler = \"wcl\"", 3, 13,
       "virtual_server.scheduler \"wcl\" is not an IPVS scheduler; use one of rr, wrr, lc, wlc, lblc, lblcr, "
       "dh, sh, sed, nq, fo, ovf or mh; did you mean \"wlc\"?"},
      {"ipvsadm's long scheduler name", kWeb + "scheduler = \"roundrobin\"", 3, 13,
       "\"roundrobin\" is not an IPVS scheduler"},
      {"scheduler as a number", kWeb + "scheduler = 1", 3, 13, "virtual_server.scheduler must be a string"},
      {"flags as a string", kWeb + "scheduler = \"sh\"\nscheduler_flags = \"sh-port\"", 4, 19,
       "virtual_server.scheduler_flags must be an array of strings"},
      {"flag as a number", kWeb + "scheduler_flags = [1]", 3, 20,
       "virtual_server.scheduler_flags: each flag must be a string, not an integer"},
      {"unknown flag", kWeb + "scheduler = \"sh\"\nscheduler_flags = [\"sh-prot\"]", 4, 20,
       "\"sh-prot\" is not a scheduler flag; use \"sh-fallback\", \"sh-port\", \"mh-fallback\", \"mh-port\" "
       "or "
       "\"ops\"; did you mean \"sh-port\"?"},
      {"sh flag with wlc", kWeb + "scheduler_flags = [\"sh-port\"]", 3, 20,
       "virtual_server.scheduler_flags: \"sh-port\" is only for scheduler = \"sh\", not \"wlc\""},
      {"sh flag with the default scheduler", kWeb + "scheduler_flags = [\"sh-fallback\"]", 3, 20,
       "\"sh-fallback\" is only for scheduler = \"sh\""},
      {"mh flag with sh", kWeb + "scheduler = \"sh\"\nscheduler_flags = [\"sh-port\", \"mh-fallback\"]", 4,
       31, "\"mh-fallback\" is only for scheduler = \"mh\", not \"sh\""},
      {"mh-port with rr", kWeb + "scheduler = \"rr\"\nscheduler_flags = [\"mh-port\"]", 4, 20,
       "\"mh-port\" is only for scheduler = \"mh\", not \"rr\""},
      {"ops with TCP", kWeb + "scheduler_flags = [\"ops\"]", 3, 20,
       "\"ops\" (one-packet scheduling) is only for protocol = \"udp\", not \"tcp\""},
      {"ops with SCTP", kWeb + "protocol = \"sctp\"\nscheduler_flags = [\"ops\"]", 4, 20, "not \"sctp\""},
      {"ops on a fwmark service without protocol", fwmark + "scheduler_flags = [\"ops\"]", 3, 20,
       "only for protocol = \"udp\""},
      {"a flag twice", kWeb + "scheduler = \"sh\"\nscheduler_flags = [\"sh-port\", \"sh-port\"]", 4, 31,
       "\"sh-port\" is listed twice"},
      // forwarding and tunnels
      {"unknown forwarding", kWeb + "forwarding = \"gate\"", 3, 14,
       "virtual_server.forwarding \"gate\" must be \"nat\", \"dr\" or \"tun\""},
      {"ldirectord's masq", kWeb + "forwarding = \"masq\"", 3, 14, "must be \"nat\", \"dr\" or \"tun\""},
      {"unknown tunnel type", kWeb + "forwarding = \"tun\"\ntunnel_type = \"vxlan\"", 4, 15,
       "virtual_server.tunnel_type \"vxlan\" must be \"ipip\", \"gue\" or \"gre\""},
      {"tunnel type without tun", kWeb + "tunnel_type = \"gre\"", 3, 15,
       "virtual_server.tunnel_type is only for forwarding = \"tun\", and neither this virtual server nor any "
       "of its real servers uses tun"},
      {"tunnel port without tun", kWeb + "forwarding = \"nat\"\ntunnel_port = 6080", 4, 15,
       "virtual_server.tunnel_port is only for forwarding = \"tun\""},
      {"tunnel port with ipip", kWeb + "forwarding = \"tun\"\ntunnel_port = 6080", 4, 15,
       "virtual_server.tunnel_port is only for tunnel_type = \"gue\", not \"ipip\""},
      {"tunnel port with gre", kWeb + "forwarding = \"tun\"\ntunnel_type = \"gre\"\ntunnel_port = 6080", 5,
       15, "not \"gre\""},
      {"gue without a tunnel port", kWeb + "forwarding = \"tun\"\ntunnel_type = \"gue\"", 4, 15,
       "virtual_server.tunnel_type \"gue\" needs tunnel_port"},
      {"gue needed by a tun real",
       kWeb + "tunnel_type = \"gue\"\n" + real +
           "address = \"10.0.0.11\"\n"
           "forwarding = \"tun\"",
       3, 15, "virtual_server.tunnel_type \"gue\" needs tunnel_port"},
      {"tunnel port 0", kWeb + "forwarding = \"tun\"\ntunnel_type = \"gue\"\ntunnel_port = 0", 5, 15,
       "virtual_server.tunnel_port 0 is out of range 1..65535"},
      // persistence
      {"persistence as a number", kWeb + "persistence = 300", 3, 15,
       "virtual_server.persistence: duration needs a unit"},
      {"persistence in part seconds", kWeb + "persistence = \"1500ms\"", 3, 15,
       "virtual_server.persistence 1.5s must be whole seconds"},
      {"persistence beyond 32 bits of seconds", kWeb + "persistence = \"1193047h\"", 3, 15,
       "virtual_server.persistence 1193047h is longer than 4294967295s"},
      {"negative persistence", kWeb + "persistence = \"-1s\"", 3, 15, "is negative"},
      {"IPv4 netmask as a prefix length", kWeb + "persistence = \"1m\"\npersistence_netmask = 24", 4, 23,
       "virtual_server.persistence_netmask must be a dotted mask such as \"255.255.255.0\" for an IPv4 "
       "service, not an integer"},
      {"IPv4 netmask with holes", kWeb + "persistence = \"1m\"\npersistence_netmask = \"255.0.255.0\"", 4, 23,
       "virtual_server.persistence_netmask \"255.0.255.0\" is not a netmask"},
      {"IPv4 netmask of zero bits", kWeb + "persistence = \"1m\"\npersistence_netmask = \"0.0.0.0\"", 4, 23,
       "\"0.0.0.0\" is not a netmask"},
      {"IPv4 netmask in CIDR form", kWeb + "persistence = \"1m\"\npersistence_netmask = \"/24\"", 4, 23,
       "virtual_server.persistence_netmask: \"/24\" is not an IPv4 netmask such as \"255.255.255.0\""},
      {"IPv6 mask on an IPv4 service", kWeb + "persistence = \"1m\"\npersistence_netmask = \"ffff::\"", 4, 23,
       "is not an IPv4 netmask"},
      {"IPv6 netmask as a string", v6 + "persistence = \"1m\"\npersistence_netmask = \"ffff:ffff::\"", 4, 23,
       "virtual_server.persistence_netmask must be a prefix length 1..128 for an IPv6 service, not a string"},
      {"IPv6 netmask above 128", v6 + "persistence = \"1m\"\npersistence_netmask = 129", 4, 23,
       "virtual_server.persistence_netmask 129 is out of range 1..128"},
      {"IPv6 netmask of 0", v6 + "persistence = \"1m\"\npersistence_netmask = 0", 4, 23,
       "0 is out of range 1..128"},
      {"IPv6 fwmark netmask as a string",
       fwmark + "family = \"ipv6\"\npersistence = \"1m\"\npersistence_netmask = \"255.255.255.0\"", 5, 23,
       "must be a prefix length 1..128 for an IPv6 service"},
      {"netmask without persistence", kWeb + "persistence_netmask = \"255.255.255.0\"", 3, 23,
       "virtual_server.persistence_netmask applies only to persistent services; set persistence as well"},
      // fallback, on_failure
      {"fallback of another family", kWeb + "fallback = \"[2001:db8::1]:80\"", 3, 12,
       "virtual_server.fallback 2001:db8::1 is IPv6 but the virtual server TCP 10.0.0.100:80 is IPv4; "
       "mixing address families needs forwarding = \"tun\""},
      {"IPv4 fallback of an IPv6 fwmark service", fwmark + "family = \"ipv6\"\nfallback = \"127.0.0.1:80\"",
       4, 12, "the virtual server FWM 7 (IPv6) is IPv6"},
      {"fallback of another family on another port",
       kWeb + "forwarding = \"tun\"\nfallback = \"[2001:db8::1]:8080\"", 4, 12,
       "its port 8080 differs from the virtual port 80, which only nat can reach"},
      {"fallback port 0", kWeb + "fallback = \"127.0.0.1:0\"", 3, 12,
       "virtual_server.fallback port 0 is out of range 1..65535"},
      {"fallback as a host name", kWeb + "fallback = \"localhost:80\"", 3, 12,
       "virtual_server.fallback: \"localhost\" is not an IPv4 or IPv6 address"},
      {"unknown on_failure", kWeb + "on_failure = \"drain\"", 3, 14,
       "virtual_server.on_failure \"drain\" must be \"quiesce\" or \"remove\""},
      {"on_failure as a boolean", kWeb + "on_failure = true", 3, 14,
       "virtual_server.on_failure must be one of \"quiesce\" or \"remove\", not a boolean"},
      // duplicates
      {"one service twice", kWeb + kWeb, 4, 11,
       "virtual_server TCP 10.0.0.100:80 is defined twice (first on line 2)"},
      {"one IPv6 service written two ways", v6 + vs("address = \"[2001:db8:0:0::100]:80\""), 4, 11,
       "virtual_server TCP [2001:db8::100]:80 is defined twice (first on line 2)"},
      {"one UDP service twice",
       vs("address = \"10.0.0.100:53\"\nprotocol = \"udp\"\n") +
           vs("protocol = \"udp\"\naddress = \"10.0.0.100:53\""),
       6, 11, "virtual_server UDP 10.0.0.100:53 is defined twice (first on line 2)"},
      {"one fwmark twice", fwmark + fwmark, 4, 10, "virtual_server FWM 7 is defined twice (first on line 2)"},
      {"one IPv6 fwmark twice", fwmark + "family = \"ipv6\"\n" + fwmark + "family = \"ipv6\"", 5, 10,
       "virtual_server FWM 7 (IPv6) is defined twice (first on line 2)"},
      // structure
      {"misspelt virtual server key", kWeb + "schedular = \"rr\"", 3, 1,
       "unknown key \"schedular\" in [[virtual_server]]; did you mean \"scheduler\"?"},
      {"ldirectord's key", kWeb + "quiescent = true", 3, 1,
       "unknown key \"quiescent\" in [[virtual_server]]"},
      {"an unknown sub-table", kWeb + "[virtual_server.health]\ntype = \"http\"", 3, 17,
       "unknown table [virtual_server.health]; the tables in [[virtual_server]] are [virtual_server.check] "
       "and [[virtual_server.real]]"},
      {"an unknown array of tables", kWeb + "[[virtual_server.reals]]\naddress = \"10.0.0.11\"", 3, 18,
       "unknown table [[virtual_server.reals]]"},
      {"[virtual_server] instead of [[virtual_server]]", "[virtual_server]\naddress = \"10.0.0.100:80\"", 1,
       1, "virtual_server must be an array of tables: write [[virtual_server]], not [virtual_server]"},
      {"[virtual_server.real] instead of [[...]]", kWeb + "[virtual_server.real]\naddress = \"10.0.0.11\"", 3,
       1,
       "virtual_server.real must be an array of tables: write [[virtual_server.real]], not "
       "[virtual_server.real]"},
      {"a real before any virtual server", "[[virtual_server.real]]\naddress = \"10.0.0.11\"", 1, 1,
       "[[virtual_server.real]] must follow a [[virtual_server]]; write [[virtual_server]] first"},
      {"real as a string", kWeb + "real = \"10.0.0.11\"", 3, 8,
       "virtual_server.real must be an array of tables ([[virtual_server.real]]), not a string"},
      {"real as an array of strings", kWeb + "real = [\"10.0.0.11\"]", 3, 9,
       "each virtual_server.real must be a table, not a string"},
      {"virtual server key outside any table", "scheduler = \"rr\"", 1, 1,
       "unknown key \"scheduler\" outside any table; it belongs in [[virtual_server]]"},
      {"real key outside any table", "weight = 1", 1, 1, "it belongs in [[track]] or [[virtual_server.real]]"},
      {"sync key outside any table", "syncid = 1", 1, 1, "it belongs in [sync]"},
      {"misspelt section", "[[virtual_servers]]\naddress = \"10.0.0.100:80\"", 1, 3,
       "unknown table [[virtual_servers]]; did you mean [[virtual_server]]?"},
      // real servers
      {"real without an address", kWeb + real + "weight = 2", 3, 1,
       "virtual_server.real.address is required"},
      {"real address not an address", kWeb + real + "address = \"10.0.0.256\"", 4, 11,
       "virtual_server.real.address: \"10.0.0.256\" is not an IPv4 or IPv6 address"},
      {"real port 0", kWeb + real + "address = \"10.0.0.11:0\"", 4, 11,
       "virtual_server.real.address port 0 is out of range 1..65535; leave the port out to use the virtual "
       "server's"},
      {"real address of the wrong type", kWeb + real + "address = [\"10.0.0.11\"]", 4, 11,
       "virtual_server.real.address must be an address with an optional port, e.g. \"10.0.0.11:80\", not an "
       "array"},
      {"weight above 65535", kWeb + real + "address = \"10.0.0.11\"\nweight = 65536", 5, 10,
       "virtual_server.real.weight 65536 is out of range 0..65535"},
      {"negative weight", kWeb + real + "address = \"10.0.0.11\"\nweight = -1", 5, 10,
       "out of range 0..65535"},
      {"weight as a string", kWeb + real + "address = \"10.0.0.11\"\nweight = \"1\"", 5, 10,
       "virtual_server.real.weight must be an integer, not a string"},
      {"unknown real forwarding", kWeb + real + "address = \"10.0.0.11\"\nforwarding = \"ipip\"", 5, 14,
       "virtual_server.real.forwarding \"ipip\" must be \"nat\", \"dr\" or \"tun\""},
      {"IPv6 real of an IPv4 service", kWeb + real + "address = \"[2001:db8::11]:80\"", 4, 11,
       "virtual_server.real.address 2001:db8::11 is IPv6 but the virtual server TCP 10.0.0.100:80 is IPv4; "
       "mixing address families needs forwarding = \"tun\""},
      {"IPv4 nat real of an IPv6 service",
       v6 + "forwarding = \"nat\"\n" + real + "address = \"10.0.0.11:80\"", 5, 11,
       "10.0.0.11 is IPv4 but the virtual server TCP [2001:db8::100]:80 is IPv6"},
      {"IPv6 real of an IPv4 fwmark service", fwmark + real + "address = \"2001:db8::11\"", 4, 11,
       "2001:db8::11 is IPv6 but the virtual server FWM 7 is IPv4"},
      {"IPv6 real: tun on the service, dr on the real",
       kWeb + "forwarding = \"tun\"\n" + real + "address = \"2001:db8::11\"\nforwarding = \"dr\"", 5, 11,
       "mixing address families needs forwarding = \"tun\""},
      {"dr real on another port", kWeb + real + "address = \"10.0.0.11:8080\"", 4, 11,
       "virtual_server.real.address port 8080 differs from the virtual port 80; dr forwarding cannot change "
       "the port: leave it out, or use forwarding = \"nat\""},
      {"tun real on another port", kWeb + real + "address = \"10.0.0.11:8080\"\nforwarding = \"tun\"", 4, 11,
       "port 8080 differs from the virtual port 80; tun forwarding cannot change the port"},
      {"dr real of a fwmark service with a port", fwmark + real + "address = \"10.0.0.11:80\"", 4, 11,
       "virtual_server.real.address port 80: dr forwarding for FWM 7 keeps each packet's port, so the real "
       "server takes no port"},
      {"dr real of a port-less service with a port",
       vs("address = \"10.0.0.100:0\"\npersistence = \"1h\"\n") + real + "address = \"10.0.0.11:80\"", 5, 11,
       "dr forwarding for TCP 10.0.0.100:0 keeps each packet's port"},
      {"nat real of a fwmark service without a port",
       fwmark + real + "address = \"10.0.0.11\"\nforwarding = \"nat\"", 4, 11,
       "virtual_server.real.address 10.0.0.11 needs a port: nat forwarding for FWM 7, which has no port of "
       "its "
       "own, must name the real server's port"},
      {"nat real of a port-less service without a port",
       vs("address = \"10.0.0.100:0\"\npersistence = \"1h\"\nforwarding = \"nat\"\n") + real +
           "address = \"10.0.0.11\"",
       6, 11, "needs a port: nat forwarding for TCP 10.0.0.100:0"},
      {"one real twice", kWeb + real + "address = \"10.0.0.11\"\n" + real + "address = \"10.0.0.11:80\"", 6,
       11, "real server 10.0.0.11:80 of TCP 10.0.0.100:80 is listed twice (first on line 4)"},
      {"one IPv6 real twice",
       v6 + real + "address = \"2001:db8::11\"\n" + real + "address = \"[2001:db8::11]:80\"", 6, 11,
       "real server [2001:db8::11]:80 of TCP [2001:db8::100]:80 is listed twice (first on line 4)"},
      {"one fwmark real twice",
       fwmark + real + "address = \"10.0.0.11\"\n" + real + "address = \"10.0.0.11\"", 6, 11,
       "real server 10.0.0.11:0 of FWM 7 is listed twice"},
      {"real tunnel type with dr", kWeb + real + "address = \"10.0.0.11\"\ntunnel_type = \"gre\"", 5, 15,
       "virtual_server.real.tunnel_type is only for forwarding = \"tun\"; this real server uses dr"},
      {"real tunnel port with nat",
       kWeb + real + "address = \"10.0.0.11\"\nforwarding = \"nat\"\ntunnel_port = 6080", 6, 15,
       "virtual_server.real.tunnel_port is only for forwarding = \"tun\"; this real server uses nat"},
      {"real tunnel port with ipip",
       kWeb + "forwarding = \"tun\"\n" + real + "address = \"10.0.0.11\"\ntunnel_port = 6080", 6, 15,
       "virtual_server.real.tunnel_port is only for tunnel_type = \"gue\", not \"ipip\""},
      {"real gue without a port",
       kWeb + "forwarding = \"tun\"\n" + real + "address = \"10.0.0.11\"\ntunnel_type = \"gue\"", 6, 15,
       "virtual_server.real.tunnel_type \"gue\" needs tunnel_port"},
      {"unknown real tunnel type",
       kWeb + "forwarding = \"tun\"\n" + real + "address = \"10.0.0.11\"\ntunnel_type = \"geneve\"", 6, 15,
       "virtual_server.real.tunnel_type \"geneve\" must be \"ipip\", \"gue\" or \"gre\""},
      {"real tunnel port above 65535",
       kWeb + "forwarding = \"tun\"\n" + real +
           "address = \"10.0.0.11\"\ntunnel_type = \"gue\"\ntunnel_port = 65536",
       7, 15, "virtual_server.real.tunnel_port 65536 is out of range 1..65535"},
      {"lower threshold above the upper",
       kWeb + real + "address = \"10.0.0.11\"\nupper_threshold = 10\nlower_threshold = 50", 6, 19,
       "virtual_server.real.lower_threshold 50 must not exceed upper_threshold 10"},
      {"negative threshold", kWeb + real + "address = \"10.0.0.11\"\nupper_threshold = -1", 5, 19,
       "virtual_server.real.upper_threshold -1 is out of range 0..4294967295"},
      {"threshold above 32 bits", kWeb + real + "address = \"10.0.0.11\"\nlower_threshold = 4294967296", 5,
       19, "out of range 0..4294967295"},
      {"misspelt real key", kWeb + real + "address = \"10.0.0.11\"\nwieght = 1", 5, 1,
       "unknown key \"wieght\" in [[virtual_server.real]]; did you mean \"weight\"?"},
      {"unknown sub-table of a real",
       kWeb + real + "address = \"10.0.0.11\"\n[virtual_server.real.checks]\ntype = \"tcp\"", 5, 22,
       "unknown table [virtual_server.real.checks]; the only table in [[virtual_server.real]] is "
       "[virtual_server.real.check]"},
      // [sync]
      {"sync without an interface", "[sync]\nsyncid = 1", 1, 1,
       "sync.interface is required: the interface the sync daemon sends and receives on"},
      {"sync without a syncid", "[sync]\ninterface = \"eth1\"", 1, 1, "sync.syncid is required"},
      {"sync with a mixed-family tunnel real (the kernel refuses the daemon)",
       kWeb + "forwarding = \"tun\"\n" + real + "address = \"2001:db8::11\"\n[sync]\ninterface = \"eth1\"\nsyncid = 1",
       6, 1,
       "[sync] cannot be used with real server 2001:db8::11 of another address family than its virtual server "
       "TCP 10.0.0.100:80: the kernel's sync daemon does not support mixed-family destinations"},
      {"sync interface with a colon", "[sync]\ninterface = \"eth1:0\"\nsyncid = 1", 2, 13,
       "sync.interface \"eth1:0\" contains a character not allowed in interface names"},
      {"sync interface too long", "[sync]\ninterface = \"eth0123456789abc\"\nsyncid = 1", 2, 13,
       "longer than 15 characters"},
      {"sync interface empty", "[sync]\ninterface = \"\"\nsyncid = 1", 2, 13, "sync.interface is empty"},
      {"syncid 256", "[sync]\ninterface = \"eth1\"\nsyncid = 256", 3, 10,
       "sync.syncid 256 is out of range 0..255"},
      {"negative syncid", "[sync]\ninterface = \"eth1\"\nsyncid = -1", 3, 10, "out of range 0..255"},
      {"syncid as a string", "[sync]\ninterface = \"eth1\"\nsyncid = \"1\"", 3, 10,
       "sync.syncid must be an integer, not a string"},
      {"unicast sync group", "[sync]\ninterface = \"eth1\"\nsyncid = 1\ngroup = \"10.0.0.1\"", 4, 9,
       "sync.group 10.0.0.1 is not a multicast address (224.0.0.0/4 or ff00::/8)"},
      {"sync group not an address", "[sync]\ninterface = \"eth1\"\nsyncid = 1\ngroup = \"all\"", 4, 9,
       "sync.group: \"all\" is not an IPv4 or IPv6 address"},
      {"sync port 0", "[sync]\ninterface = \"eth1\"\nsyncid = 1\nport = 0", 4, 8,
       "sync.port 0 is out of range 1..65535"},
      {"sync maxlen 0", "[sync]\ninterface = \"eth1\"\nsyncid = 1\nmaxlen = 0", 4, 10,
       "sync.maxlen 0 is out of range 1..65535"},
      {"sync maxlen above 65535", "[sync]\ninterface = \"eth1\"\nsyncid = 1\nmaxlen = 65536", 4, 10,
       "out of range 1..65535"},
      {"sync ttl 0", "[sync]\ninterface = \"eth1\"\nsyncid = 1\nttl = 0", 4, 7,
       "sync.ttl 0 is out of range 1..255"},
      {"sync ttl 256", "[sync]\ninterface = \"eth1\"\nsyncid = 1\nttl = 256", 4, 7, "out of range 1..255"},
      {"misspelt sync key", "[sync]\ninterface = \"eth1\"\nsync_id = 1\nsyncid = 1", 3, 1,
       "unknown key \"sync_id\" in [sync]; did you mean \"syncid\"?"},
      {"sync sub-table", "[sync]\ninterface = \"eth1\"\nsyncid = 1\n[sync.backup]\nx = 1", 4, 7,
       "unknown table [sync.backup]; [sync] has no sub-tables"},
      {"[[sync]] instead of [sync]", "[[sync]]\ninterface = \"eth1\"\nsyncid = 1", 1, 1,
       "sync must be a single table: write [sync], not [[sync]]"},
      {"sync as a value", "sync = 1", 1, 8, "sync must be a table ([sync]), not an integer"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    tandem::testing::expect_one_error(complete(c.head), c.line, c.column, c.message);
  }
}

TEST(ConfigIpvsTest, CollectsEveryErrorInFileOrder) {
  const std::string text =
      "[[virtual_server]]\n"            // 1
      "address = \"10.0.0.100:80\"\n"   // 2
      "scheduler = \"wcl\"\n"           // 3
      "colour = 1\n"                    // 4
      "[[virtual_server.real]]\n"       // 5
      "address = \"2001:db8::11\"\n"    // 6
      "[[virtual_server.real]]\n"       // 7
      "address = \"10.0.0.12:8080\"\n"  // 8
      "weight = 70000\n"                // 9
      "[[virtual_server]]\n"            // 10
      "address = \"10.0.0.100:80\"\n"   // 11
      "[sync]\n"                        // 12
      "interface = \"eth1\"\n"          // 13
      "syncid = 300\n";                 // 14
  const auto r = parse_config(complete(text), "t.toml", kOptions);
  EXPECT_FALSE(r.config);
  std::vector<std::string> lines;
  for (const auto& e : r.errors) lines.push_back(e.format());
  const std::vector<std::string> expected = {
      "t.toml:3:13: error: virtual_server.scheduler \"wcl\" is not an IPVS scheduler; use one of rr, wrr, "
      "lc, "
      "wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf or mh; did you mean \"wlc\"?",
      "t.toml:4:1: error: unknown key \"colour\" in [[virtual_server]]",
      "t.toml:6:11: error: virtual_server.real.address 2001:db8::11 is IPv6 but the virtual server TCP "
      "10.0.0.100:80 is IPv4; mixing address families needs forwarding = \"tun\"",
      "t.toml:8:11: error: virtual_server.real.address port 8080 differs from the virtual port 80; dr "
      "forwarding cannot change the port: leave it out, or use forwarding = \"nat\"",
      "t.toml:9:10: error: virtual_server.real.weight 70000 is out of range 0..65535",
      "t.toml:11:11: error: virtual_server TCP 10.0.0.100:80 is defined twice (first on line 2)",
      "t.toml:14:10: error: sync.syncid 300 is out of range 0..255",
  };
  EXPECT_EQ(lines, expected);
}

TEST(ConfigIpvsTest, CompleteFileIsValid) {
  const std::string path = TANDEM_TEST_DATA "/ipvs_complete.toml";
  const auto r = load_config(path, kOptions);
  ASSERT_TRUE(r.config) << all_errors(r);
  const Config& c = *r.config;
  std::vector<std::string> names;
  for (const auto& v : c.virtual_servers) names.push_back(describe(v));
  EXPECT_EQ(names, (std::vector<std::string>{"TCP 10.0.0.100:80", "TCP 10.0.0.100:443", "UDP 10.0.0.100:53",
                                             "TCP [2001:db8::100]:80", "FWM 7", "FWM 8 (IPv6)",
                                             "TCP 10.0.0.101:0"}));
  const VirtualServer& web = c.virtual_servers[0];
  EXPECT_EQ(web.reals.size(), 2u);
  EXPECT_EQ(web.fallback, (Endpoint{ip("127.0.0.1"), 80}));
  const VirtualServer& tls = c.virtual_servers[1];
  EXPECT_EQ(tls.persistence, 1800s);
  EXPECT_EQ(tls.persistence_netmask, 0xffffff00u);
  ASSERT_TRUE(c.sync);
  EXPECT_EQ(c.sync->interface, "eth1");
  EXPECT_EQ(c.sync->syncid, 7u);
}

TEST(ConfigIpvsTest, ExampleFileHasAVirtualServerAndSync) {
  const std::string path = TANDEM_TEST_DATA "/../../examples/tandem.toml";
  const auto r = load_config(path, ParseOptions{"some-host"});
  ASSERT_TRUE(r.config) << all_errors(r);
  const Config& c = *r.config;
  ASSERT_EQ(c.virtual_servers.size(), 1u);
  const VirtualServer& v = c.virtual_servers[0];
  EXPECT_EQ(describe(v), "TCP 10.0.0.100:80");
  EXPECT_EQ(v.scheduler, "wlc");
  EXPECT_EQ(v.forwarding, ForwardingMethod::dr);
  EXPECT_EQ(v.reals.size(), 2u);
  ASSERT_TRUE(c.sync);
  EXPECT_EQ(c.sync->interface, "eth1");
  EXPECT_EQ(c.ipvs.tcp_timeout, Duration(900s));
  EXPECT_EQ(c.ipvs.tcpfin_timeout, Duration(120s));
  EXPECT_EQ(c.ipvs.udp_timeout, Duration(300s));
}

TEST(ConfigIpvsTest, SameTextGivesEqualValues) {
  const std::string head = kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11\"\n";
  const auto a = parse_config(complete(head), "a.toml", kOptions);
  const auto b = parse_config(complete(kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11:80\"\n"),
                              "a.toml", kOptions);
  const auto c = parse_config(complete(head + "weight = 2\n"), "a.toml", kOptions);
  ASSERT_TRUE(a.config && b.config && c.config);
  EXPECT_EQ(*a.config, *b.config);  // the port is resolved either way
  EXPECT_NE(*a.config, *c.config);
}

TEST(ConfigIpvsTest, Names) {
  EXPECT_EQ(name_of(Protocol::sctp), "sctp");
  EXPECT_EQ(name_of(ForwardingMethod::nat), "nat");
  EXPECT_EQ(name_of(TunnelType::gue), "gue");
  EXPECT_EQ(name_of(OnFailure::remove), "remove");
  EXPECT_EQ(ipvs_scheduler_flags().size(), 5u);
  VirtualServer v;
  v.address = Endpoint{ip("2001:db8::1"), 443};
  v.protocol = Protocol::sctp;
  EXPECT_EQ(describe(v), "SCTP [2001:db8::1]:443");
  RealServer r;
  r.forwarding = ForwardingMethod::tun;
  r.tunnel_port = 9;
  v.tunnel_type = TunnelType::gue;
  EXPECT_EQ(forwarding_of(v, r), ForwardingMethod::tun);
  EXPECT_EQ(tunnel_type_of(v, r), TunnelType::gue);
  EXPECT_EQ(tunnel_port_of(v, r), 9);
}

TEST(ConfigIpvsTest, SwappedLettersAreOneEdit) {
  EXPECT_EQ(closest_match("wcl", ipvs_schedulers()), "wlc");
  EXPECT_EQ(closest_match("lbclr", ipvs_schedulers()), "lblcr");
  EXPECT_EQ(closest_match("sh-prot", ipvs_scheduler_flags()), "sh-port");
  EXPECT_EQ(closest_match("weighted", ipvs_schedulers()), "");
}

}  // namespace
}  // namespace tandem::config
