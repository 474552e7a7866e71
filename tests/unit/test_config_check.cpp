// [virtual_server.check] and the per-real overrides [virtual_server.real.check]
// in tandem.toml (SPEC "Configuration (TOML)", REFERENCE ldirectord.cf and
// lvs.cf).
#include <gtest/gtest.h>

#include "config_support.hpp"

#include <string>
#include <vector>

#include "config/check_parse.hpp"
#include "config/config.hpp"

namespace tandem::config {
namespace {

using namespace std::chrono_literals;
using Type = Check::Type;

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

// The one virtual server of `head`.
VirtualServer parse_vs(const std::string& head) {
  const Config c = parse_ok(head);
  EXPECT_EQ(c.virtual_servers.size(), 1u);
  return c.virtual_servers.empty() ? VirtualServer{} : c.virtual_servers[0];
}

const std::string kWeb = "[[virtual_server]]\naddress = \"10.0.0.100:80\"\n";  // lines 1-2
// A check table at line 3; its keys start on line 4.
std::string check(const std::string& lines) { return kWeb + "[virtual_server.check]\n" + lines; }
const std::string kReal = "\n[[virtual_server.real]]\naddress = \"10.0.0.11\"\n";

TEST(ConfigCheckTest, NoCheckMeansNone) {
  const VirtualServer v = parse_vs(kWeb + kReal);
  EXPECT_FALSE(v.check);
  ASSERT_EQ(v.reals.size(), 1u);
  EXPECT_FALSE(v.reals[0].check);
  EXPECT_FALSE(check_of(v, v.reals[0]));
}

// A configuration with a check is a plain one: no warning.
TEST(ConfigCheckTest, ACheckGivesNoWarning) {
  const auto with = parse_config(complete(check("type = \"tcp\"\n") + kReal), "t.toml", kOptions);
  ASSERT_TRUE(with.config) << all_errors(with);
  EXPECT_TRUE(with.warnings.empty());
}

TEST(ConfigCheckTest, EmptyTableIsATcpCheckWithDefaults) {
  const VirtualServer v = parse_vs(check("") + kReal);
  ASSERT_TRUE(v.check);
  const Check& c = *v.check;
  EXPECT_EQ(c, Check{});
  EXPECT_EQ(c.type, Type::tcp);
  EXPECT_EQ(c.interval, 1s);
  EXPECT_EQ(c.timeout, 500ms);
  EXPECT_EQ(c.rise, 2);
  EXPECT_EQ(c.fall, 2);
  EXPECT_EQ(c.send, "");
  EXPECT_EQ(c.receive, "");
  EXPECT_TRUE(c.receive_regex);
  EXPECT_EQ(c.request, "/");
  EXPECT_EQ(c.method, "GET");
  EXPECT_EQ(c.virtualhost, "");
  EXPECT_EQ(c.expect_status, (std::vector<std::string>{"2xx"}));
  EXPECT_FALSE(c.verify_tls);
  EXPECT_TRUE(c.command.empty());
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(c.max_response, 65536u);
  EXPECT_FALSE(v.reals[0].check);
  const auto effective = check_of(v, v.reals[0]);
  ASSERT_TRUE(effective);
  EXPECT_EQ(effective->port, 80);  // the real's
}

TEST(ConfigCheckTest, SpecExampleBlock) {
  const VirtualServer v = parse_vs(R"([[virtual_server]]
address = "10.0.0.100:80"        # or "[2001:db8::100]:80", or fwmark = 7
protocol = "tcp"                 # tcp | udp | sctp
scheduler = "wlc"
forwarding = "dr"
persistence = "0s"
fallback = "127.0.0.1:80"
on_failure = "quiesce"

[virtual_server.check]
type = "http"                    # tcp | send-expect | http | https | external | none
interval = "1s"
timeout = "500ms"
rise = 2                         # consecutive successes to come back
fall = 2                         # consecutive failures to go down
request = "/index.html"          # http(s); send = "..." for send-expect
receive = "Working Fine"         # regex matched against the response body / reply
virtualhost = "www.example.com"  # Host header, optional
# command = ["/usr/lib/tandem/check-db", "%h", "%p"]   for external; exit 0 = up

[[virtual_server.real]]
address = "10.0.0.11:80"
weight = 1                       # forwarding / check overrides allowed per real
)");
  ASSERT_TRUE(v.check);
  Check expected;
  expected.type = Type::http;
  expected.request = "/index.html";
  expected.receive = "Working Fine";
  expected.virtualhost = "www.example.com";
  EXPECT_EQ(*v.check, expected);
}

TEST(ConfigCheckTest, ReadsEveryKeyOfEachType) {
  const Config c = parse_ok(R"([[virtual_server]]
address = "10.0.0.100:443"
[virtual_server.check]
type = "https"
interval = "5s"
timeout = "5s"
rise = 1
fall = 100
port = 8443
max_response = 1048576
receive = "^OK$"
receive_match = "regex"
request = "/health?full=1"
method = "GET"
virtualhost = "www.example.com:8443"
status = ["200", "301-302", "4xx"]
verify_certificate = true

[[virtual_server]]
address = "10.0.0.100:80"
[virtual_server.check]
type = "http"
method = "HEAD"
status = ["204"]

[[virtual_server]]
address = "10.0.0.100:25"
[virtual_server.check]
type = "send-expect"
send = 'HELO tandem\r\n\x00'
receive = '220 \x41\\'
receive_match = "prefix"
max_response = 1

[[virtual_server]]
address = "10.0.0.100:53"
protocol = "udp"
[virtual_server.check]
type = "udp"
send = "\u0000\u0001ping"
receive = "pong\\d+"
timeout = "200ms"

[[virtual_server]]
address = "10.0.0.100:3306"
[virtual_server.check]
type = "external"
command = ["/usr/lib/tandem/check-db", "%h", "%p", "--vip=%v", "100%%", ""]
port = 3307
interval = "10s"
timeout = "9s"

[[virtual_server]]
address = "10.0.0.100:22"
[virtual_server.check]
type = "none"

[[virtual_server]]
address = "10.0.0.100:23"
[virtual_server.check]
type = "tcp"
interval = "250ms"
timeout = "250ms"
)");
  ASSERT_EQ(c.virtual_servers.size(), 7u);
  const auto& https = *c.virtual_servers[0].check;
  EXPECT_EQ(https.type, Type::https);
  EXPECT_EQ(https.interval, 5s);
  EXPECT_EQ(https.timeout, 5s);
  EXPECT_EQ(https.rise, 1);
  EXPECT_EQ(https.fall, 100);
  EXPECT_EQ(https.port, 8443);
  EXPECT_EQ(https.max_response, 1048576u);
  EXPECT_EQ(https.receive, "^OK$");
  EXPECT_TRUE(https.receive_regex);
  EXPECT_EQ(https.request, "/health?full=1");
  EXPECT_EQ(https.virtualhost, "www.example.com:8443");
  EXPECT_EQ(https.expect_status, (std::vector<std::string>{"200", "301-302", "4xx"}));
  EXPECT_TRUE(https.verify_tls);

  const auto& head = *c.virtual_servers[1].check;
  EXPECT_EQ(head.type, Type::http);
  EXPECT_EQ(head.method, "HEAD");
  EXPECT_EQ(head.expect_status, (std::vector<std::string>{"204"}));

  const auto& smtp = *c.virtual_servers[2].check;
  EXPECT_EQ(smtp.type, Type::send_expect);
  EXPECT_EQ(smtp.send, "HELO tandem\\r\\n\\x00");  // kept as written
  EXPECT_EQ(smtp.receive, "220 \\x41\\\\");
  EXPECT_FALSE(smtp.receive_regex);
  EXPECT_EQ(smtp.max_response, 1u);

  const auto& dns = *c.virtual_servers[3].check;
  EXPECT_EQ(dns.type, Type::udp);
  EXPECT_EQ(dns.send, std::string("\0\1ping", 6));
  EXPECT_EQ(dns.receive, "pong\\d+");
  EXPECT_EQ(dns.timeout, 200ms);

  const auto& db = *c.virtual_servers[4].check;
  EXPECT_EQ(db.type, Type::external);
  EXPECT_EQ(db.command,
            (std::vector<std::string>{"/usr/lib/tandem/check-db", "%h", "%p", "--vip=%v", "100%%", ""}));
  EXPECT_EQ(db.port, 3307);
  EXPECT_EQ(db.interval, 10s);

  EXPECT_EQ(c.virtual_servers[5].check->type, Type::none);
  EXPECT_EQ(c.virtual_servers[6].check->interval, 250ms);
  EXPECT_EQ(c.virtual_servers[6].check->timeout, 250ms);
}

TEST(ConfigCheckTest, PerRealOverridesInBothForms) {
  const std::string head = R"([[virtual_server]]
address = "10.0.0.100:80"
[virtual_server.check]
type = "http"
request = "/index.html"
receive = "Working Fine"

[[virtual_server.real]]
address = "10.0.0.11"
[virtual_server.real.check]
request = "/alive"
receive = "OK"
port = 8080
virtualhost = "a.example.com"

[[virtual_server.real]]
address = "10.0.0.12"
check = { request = "/alive", receive = "OK", port = 8080, virtualhost = "a.example.com" }

[[virtual_server.real]]
address = "10.0.0.13"
)";
  const VirtualServer v = parse_vs(head);
  ASSERT_EQ(v.reals.size(), 3u);
  CheckOverride expected;
  expected.request = "/alive";
  expected.receive = "OK";
  expected.port = 8080;
  expected.virtualhost = "a.example.com";
  EXPECT_EQ(v.reals[0].check, expected);
  EXPECT_EQ(v.reals[1].check, expected);
  EXPECT_FALSE(v.reals[2].check);

  const auto first = check_of(v, v.reals[0]);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->request, "/alive");
  EXPECT_EQ(first->receive, "OK");
  EXPECT_EQ(first->port, 8080);
  EXPECT_EQ(first->virtualhost, "a.example.com");
  EXPECT_EQ(first->type, Type::http);
  const auto third = check_of(v, v.reals[2]);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->request, "/index.html");
  EXPECT_EQ(third->receive, "Working Fine");
  EXPECT_EQ(third->port, 80);
}

TEST(ConfigCheckTest, SendOverrideAndCheckPort) {
  const VirtualServer v = parse_vs(R"([[virtual_server]]
address = "10.0.0.100:25"
[virtual_server.check]
type = "send-expect"
send = "HELO a\r\n"
receive = "^250"
port = 2525
[[virtual_server.real]]
address = "10.0.0.11"
check = { send = 'EHLO b\r\n' }
[[virtual_server.real]]
address = "10.0.0.12"
)");
  ASSERT_EQ(v.reals.size(), 2u);
  EXPECT_EQ(check_of(v, v.reals[0])->send, "EHLO b\\r\\n");
  EXPECT_EQ(check_of(v, v.reals[0])->port, 2525);  // the check's port, not the real's
  EXPECT_EQ(check_of(v, v.reals[1])->send, "HELO a\r\n");
}

struct GoodConfig {
  const char* description;
  std::string head;  // see complete()
};

TEST(ConfigCheckTest, AcceptedVariants) {
  const std::string fwmark = "[[virtual_server]]\nfwmark = 7\n";
  const std::vector<GoodConfig> cases = {
      {"the timeout equal to the interval", check("interval = \"2s\"\ntimeout = \"2s\"")},
      {"a fractional duration", check("interval = \"1.5s\"\ntimeout = \"1.5s\"")},
      {"a regex with its own escapes", check("type = \"http\"\nreceive = \"HTTP/1\\\\.[01] \\\\d+\"")},
      {"a prefix that is no valid regex",
       check("type = \"send-expect\"\nreceive = \"(\"\nreceive_match = \"prefix\"")},
      {"send-expect without send (a banner)", check("type = \"send-expect\"\nreceive = \"^SSH-\"")},
      {"http without receive", check("type = \"http\"\nmethod = \"HEAD\"")},
      {"receive_match on http without receive", check("type = \"http\"\nreceive_match = \"prefix\"")},
      {"status classes, codes and ranges",
       check("type = \"http\"\nstatus = [\"1xx\", \"5xx\", \"100\", \"599\", \"100-599\", \"200-200\"]")},
      {"https without verification", check("type = \"https\"\nverify_certificate = false")},
      {"an inline check", kWeb + "check = { type = \"tcp\", port = 81 }"},
      {"an inline virtual server with inline checks",
       "virtual_server = [ { address = \"10.0.0.100:80\", check = { type = \"http\" }, real = [ { address = "
       "\"10.0.0.11\", check = { request = \"/a\" } } ] } ]"},
      {"a check on a fwmark service with a port", fwmark + "check = { port = 80 }" + kReal},
      {"a fwmark service whose reals give the check port",
       fwmark + "check = { type = \"http\" }" + kReal + "check = { port = 8080 }"},
      {"a fwmark service with nat reals on ports",
       fwmark + "forwarding = \"nat\"\ncheck = { type = \"tcp\" }\n[[virtual_server.real]]\naddress = "
                "\"10.0.0.11:80\""},
      {"an external check on a fwmark service",
       fwmark + "check = { type = \"external\", command = [\"/bin/true\"] }" + kReal},
      {"a none check on a fwmark service", fwmark + "check = { type = \"none\" }" + kReal},
      {"a port override on a none check's neighbour type tcp",
       check("type = \"tcp\"") + kReal + "check = { port = 1 }"},
      {"an external check with a port override",
       check("type = \"external\"\ncommand = [\"/bin/x\", \"%p\"]") + kReal + "check = { port = 9 }"},
      {"the largest port and size", check("port = 65535\ntype = \"http\"\nmax_response = 1048576")},
      {"an empty override", check("type = \"http\"") + kReal + "check = {}"},
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

TEST(ConfigCheckTest, EachMistakeIsOneLocatedError) {
  const std::string fwmark = "[[virtual_server]]\nfwmark = 7\n";  // lines 1-2
  const std::string http = check("type = \"http\"\n");            // type on line 4
  const std::string sendexp = check("type = \"send-expect\"\n");
  const std::string ext = check("type = \"external\"\n");
  // A real at lines 4-5 and its check table at line 6 (keys from line 7).
  const auto real_check = [](const std::string& vs_lines, const std::string& lines) {
    return kWeb + vs_lines +
           "[[virtual_server.real]]\naddress = \"10.0.0.11\"\n[virtual_server.real.check]\n" + lines;
  };
  const std::vector<BadConfig> cases = {
      // shape
      {"check as a value", kWeb + "check = 5", 3, 9,
       "virtual_server.check must be a table ([virtual_server.check]), not an integer"},
      {"[[virtual_server.check]]", kWeb + "[[virtual_server.check]]\ntype = \"tcp\"", 3, 1,
       "virtual_server.check must be a single table: write [virtual_server.check], not "
       "[[virtual_server.check]]"},
      {"misspelt key", check("type = \"http\"\nrecieve = \"x\""), 5, 1,
       "unknown key \"recieve\" in [virtual_server.check]; did you mean \"receive\"?"},
      {"sub-table of the check", check("type = \"tcp\"\n[virtual_server.check.extra]\nx = 1"), 5, 23,
       "unknown table [virtual_server.check.extra]; [virtual_server.check] has no sub-tables"},
      // type
      {"unknown type", check("type = \"htpp\""), 4, 8,
       "virtual_server.check.type \"htpp\" must be \"tcp\", \"send-expect\", \"http\", \"https\", "
       "\"external\", "
       "\"udp\" or \"none\"; did you mean \"http\"?"},
      {"ldirectord's connect", check("type = \"connect\""), 4, 8,
       "virtual_server.check.type \"connect\" must be"},
      {"type as a number", check("type = 1"), 4, 8, "virtual_server.check.type must be one of"},
      // timing
      {"interval without a unit", check("interval = 1"), 4, 12,
       "virtual_server.check.interval: duration needs a unit"},
      {"interval 0", check("interval = \"0s\""), 4, 12,
       "virtual_server.check.interval must be longer than 0s"},
      {"timeout 0", check("timeout = \"0ms\""), 4, 11, "virtual_server.check.timeout must be longer than 0s"},
      {"bad duration", check("timeout = \"fast\""), 4, 11, "virtual_server.check.timeout: "},
      {"timeout above the interval", check("interval = \"1s\"\ntimeout = \"2s\""), 5, 11,
       "virtual_server.check.timeout 2s must not exceed interval 1s"},
      {"timeout above the default interval", check("timeout = \"1500ms\""), 4, 11,
       "virtual_server.check.timeout 1.5s must not exceed interval 1s (the default)"},
      {"interval below the default timeout", check("interval = \"300ms\""), 4, 12,
       "virtual_server.check.interval 300ms is shorter than the default timeout 500ms"},
      {"rise 0", check("rise = 0"), 4, 8, "virtual_server.check.rise 0 is out of range 1..100"},
      {"fall 101", check("fall = 101"), 4, 8, "virtual_server.check.fall 101 is out of range 1..100"},
      {"rise as a string", check("rise = \"2\""), 4, 8,
       "virtual_server.check.rise must be an integer, not a string"},
      // port and size
      {"port 0", check("port = 0"), 4, 8, "virtual_server.check.port 0 is out of range 1..65535"},
      {"port above 65535", check("port = 65536"), 4, 8, "virtual_server.check.port 65536 is out of range"},
      {"max_response 0", http + "max_response = 0", 5, 16,
       "virtual_server.check.max_response 0 is out of range 1..1048576"},
      {"max_response above 1 MiB", http + "max_response = 1048577", 5, 16, "is out of range 1..1048576"},
      // keys that do not apply to the type
      {"request on a tcp check", check("type = \"tcp\"\nrequest = \"/\""), 5, 1,
       "virtual_server.check.request applies to http and https checks only; this check is \"tcp\""},
      {"send on the default tcp check", check("send = \"x\""), 4, 1,
       "virtual_server.check.send applies to send-expect and udp checks only; this check is \"tcp\""},
      {"receive on a tcp check", check("receive = \"x\""), 4, 1,
       "virtual_server.check.receive applies to send-expect, http, https and udp checks only"},
      {"send on an http check", http + "send = \"GET /\"", 5, 1,
       "virtual_server.check.send applies to send-expect"},
      {"command on an http check", http + "command = [\"/bin/true\"]", 5, 1,
       "virtual_server.check.command applies to external checks only; this check is \"http\""},
      {"verify_certificate on http", http + "verify_certificate = true", 5, 1,
       "virtual_server.check.verify_certificate applies to https checks only; this check is \"http\""},
      {"status on send-expect", sendexp + "receive = \"x\"\nstatus = [\"2xx\"]", 6, 1,
       "virtual_server.check.status applies to http and https checks only"},
      {"method on udp", check("type = \"udp\"\nsend = \"x\"\nreceive = \"y\"\nmethod = \"GET\""), 7, 1,
       "virtual_server.check.method applies to http and https checks only; this check is \"udp\""},
      {"virtualhost on external", ext + "command = [\"/bin/true\"]\nvirtualhost = \"a\"", 6, 1,
       "virtual_server.check.virtualhost applies to http and https checks only"},
      {"max_response on external", ext + "command = [\"/bin/true\"]\nmax_response = 10", 6, 1,
       "virtual_server.check.max_response applies to send-expect, http, https and udp checks only"},
      {"receive_match on tcp", check("receive_match = \"prefix\""), 4, 1,
       "virtual_server.check.receive_match applies to send-expect, http, https and udp checks only"},
      {"interval on none", check("type = \"none\"\ninterval = \"1s\""), 5, 1,
       "virtual_server.check.interval applies to tcp, send-expect, http, https, external and udp checks "
       "only; "
       "this check is \"none\""},
      {"port on none", check("type = \"none\"\nport = 80"), 5, 1,
       "virtual_server.check.port applies to tcp,"},
      // required keys
      {"send-expect without receive", sendexp + "send = \"x\"", 3, 1,
       "virtual_server.check.receive is required for a send-expect check"},
      {"udp without send", check("type = \"udp\"\nreceive = \"x\""), 3, 1,
       "virtual_server.check.send is required for a udp check"},
      {"udp without receive", check("type = \"udp\"\nsend = \"x\""), 3, 1,
       "virtual_server.check.receive is required for a udp check"},
      {"external without command", ext, 3, 1,
       "virtual_server.check.command is required for an external check"},
      // escapes in send and a prefix receive
      {"unknown escape in send", sendexp + "send = 'HELO\\q'\nreceive = \"x\"", 5, 13,
       "virtual_server.check.send: unknown escape \"\\q\"; use \\r, \\n, \\t, \\\\ or \\xHH"},
      {"send ending in a backslash", sendexp + "send = 'abc\\'\nreceive = \"x\"", 5, 12,
       "virtual_server.check.send: ends in a lone backslash"},
      {"\\x without hex digits", sendexp + "send = 'a\\xZ1'\nreceive = \"x\"", 5, 10,
       "virtual_server.check.send: \\x needs two hex digits"},
      {"\\x with one hex digit at the end", sendexp + "send = 'a\\x1'\nreceive = \"x\"", 5, 10,
       "\\x needs two hex digits"},
      {"escape after a TOML escape: at the value", sendexp + "send = \"\\t\\\\q\"\nreceive = \"x\"", 5, 8,
       "virtual_server.check.send: unknown escape \"\\q\""},
      {"udp send with an unknown escape", check("type = \"udp\"\nsend = 'a\\0'\nreceive = \"x\""), 5, 10,
       "virtual_server.check.send: unknown escape \"\\0\""},
      {"unknown escape in a prefix receive", sendexp + "receive_match = \"prefix\"\nreceive = 'OK\\z'", 6, 14,
       "virtual_server.check.receive: unknown escape \"\\z\""},
      // receive
      {"invalid regex", http + "receive = \"Working (\"", 5, 11,
       "virtual_server.check.receive \"Working (\" is not a valid regular expression: "},
      {"invalid regex on send-expect", sendexp + "receive = \"[a-\"", 5, 11,
       "is not a valid regular expression"},
      {"empty receive", sendexp + "receive = \"\"", 5, 11, "virtual_server.check.receive is empty"},
      {"receive too long", http + "receive = \"" + std::string(1025, 'a') + "\"", 5, 11,
       "virtual_server.check.receive is 1025 bytes; at most 1024"},
      {"unknown receive_match", http + "receive_match = \"glob\"", 5, 17,
       "virtual_server.check.receive_match \"glob\" must be \"regex\" or \"prefix\""},
      {"receive with HEAD", http + "method = \"HEAD\"\nreceive = \"x\"", 6, 11,
       "virtual_server.check.receive is matched on the body, and method = \"HEAD\" gets none"},
      // http
      {"unknown method", http + "method = \"POST\"", 5, 10,
       "virtual_server.check.method \"POST\" must be \"GET\" or \"HEAD\""},
      {"request without a slash", http + "request = \"index.html\"", 5, 11,
       "virtual_server.check.request \"index.html\" must be a path starting with \"/\""},
      {"request with a space", http + "request = \"/a b\"", 5, 11,
       "virtual_server.check.request \"/a b\" contains a space or control character"},
      {"request with a line break", http + "request = \"/\\r\\nX: y\"", 5, 11, "contains a space or control"},
      {"empty virtualhost", http + "virtualhost = \"\"", 5, 15, "virtual_server.check.virtualhost is empty"},
      {"virtualhost with a line break", http + "virtualhost = \"a\\nb\"", 5, 15,
       "virtual_server.check.virtualhost \"a\nb\" contains a space or control character"},
      {"status not an array", http + "status = \"2xx\"", 5, 10,
       "virtual_server.check.status must be an array of strings"},
      {"empty status", http + "status = []", 5, 10, "virtual_server.check.status is empty"},
      {"status as an integer", http + "status = [200]", 5, 11,
       "virtual_server.check.status: each status must be a string such as \"200\" or \"2xx\", not an "
       "integer"},
      {"status class 6xx", http + "status = [\"2xx\", \"6xx\"]", 5, 18,
       "virtual_server.check.status: \"6xx\" is not a status class"},
      {"status code 600", http + "status = [\"600\"]", 5, 11, "status 600 is out of range 100..599"},
      {"status code 099", http + "status = [\"099\"]", 5, 11, "status 099 is out of range 100..599"},
      {"status range backwards", http + "status = [\"299-200\"]", 5, 11,
       "range \"299-200\" runs backwards; write \"200-299\""},
      {"status range out of bounds", http + "status = [\"200-700\"]", 5, 11, "outside 100..599"},
      {"status as words", http + "status = [\"ok\"]", 5, 11,
       "\"ok\" is not a status: write a class such as \"2xx\""},
      {"status class in capitals", http + "status = [\"2XX\"]", 5, 11, "\"2XX\" is not a status"},
      {"verify_certificate as a string", check("type = \"https\"\nverify_certificate = \"yes\""), 5, 22,
       "virtual_server.check.verify_certificate must be true or false"},
      // external
      {"command as a string", ext + "command = \"/bin/true\"", 5, 11,
       "virtual_server.check.command must be an array of strings"},
      {"empty command", ext + "command = []", 5, 11, "virtual_server.check.command is empty"},
      {"relative program", ext + "command = [\"check-db\", \"%h\"]", 5, 12,
       "virtual_server.check.command: the program \"check-db\" must be an absolute path"},
      {"argument not a string", ext + "command = [\"/bin/x\", 1]", 5, 22,
       "virtual_server.check.command: each argument must be a string, not an integer"},
      {"unknown placeholder", ext + "command = [\"/bin/x\", \"--host=%x\"]", 5, 30,
       "virtual_server.check.command: unknown placeholder \"%x\"; use %h"},
      {"placeholder in the program", ext + "command = [\"/opt/%a/check\"]", 5, 18,
       "unknown placeholder \"%a\""},
      {"lone percent", ext + "command = [\"/bin/x\", \"50%\"]", 5, 25,
       "virtual_server.check.command: ends in a lone \"%\"; write %% for a %"},
      {"NUL in an argument", ext + "command = [\"/bin/x\", \"a\\u0000b\"]", 5, 22,
       "cannot contain a NUL character"},
      // per-real overrides
      {"override without a check",
       kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11\"\ncheck = { request = \"/\" }", 5, 9,
       "virtual_server.real.check overrides the virtual server's check, and it has none"},
      {"override as a value", http + "[[virtual_server.real]]\naddress = \"10.0.0.11\"\ncheck = \"/alive\"",
       7, 9, "virtual_server.real.check must be a table"},
      {"unknown override key", real_check("check = { type = \"http\" }\n", "interval = \"2s\""), 7, 1,
       "unknown key \"interval\" in [virtual_server.real.check]"},
      {"override type", real_check("check = { type = \"http\" }\n", "type = \"tcp\""), 7, 1,
       "unknown key \"type\" in [virtual_server.real.check]"},
      {"sub-table of a real",
       kWeb + "[[virtual_server.real]]\naddress = \"10.0.0.11\"\n[virtual_server.real.opts]\nx = 1", 5, 22,
       "unknown table [virtual_server.real.opts]; the only table in [[virtual_server.real]] is "
       "[virtual_server.real.check]"},
      {"request override on a tcp check", real_check("check = { type = \"tcp\" }\n", "request = \"/alive\""),
       7, 1,
       "virtual_server.real.check.request applies to http and https checks only; this virtual server's check "
       "is \"tcp\""},
      {"send override on an http check", real_check("check = { type = \"http\" }\n", "send = \"x\""), 7, 1,
       "virtual_server.real.check.send applies to send-expect and udp checks only"},
      {"port override on a none check", real_check("check = { type = \"none\" }\n", "port = 80"), 7, 1,
       "virtual_server.real.check.port applies to tcp,"},
      {"inline override of the wrong key",
       http + "[[virtual_server.real]]\naddress = \"10.0.0.11\"\ncheck = { command = [\"/bin/x\"] }", 7, 11,
       "unknown key \"command\" in [virtual_server.real.check]"},
      {"override port 0", real_check("check = { type = \"http\" }\n", "port = 0"), 7, 8,
       "virtual_server.real.check.port 0 is out of range 1..65535"},
      {"override request without a slash", real_check("check = { type = \"http\" }\n", "request = \"alive\""),
       7, 11, "virtual_server.real.check.request \"alive\" must be a path starting with \"/\""},
      {"override virtualhost with a space",
       real_check("check = { type = \"https\" }\n", "virtualhost = \"a b\""), 7, 15,
       "virtual_server.real.check.virtualhost \"a b\" contains a space"},
      {"override receive not a regex", real_check("check = { type = \"http\" }\n", "receive = \"(\""), 7, 11,
       "virtual_server.real.check.receive \"(\" is not a valid regular expression"},
      {"override receive with a bad escape in prefix mode",
       real_check("check = { type = \"send-expect\", receive = \"x\", receive_match = \"prefix\" }\n",
                  "receive = 'a\\q'"),
       7, 13, "virtual_server.real.check.receive: unknown escape \"\\q\""},
      {"override send with a bad escape",
       real_check("check = { type = \"udp\", send = \"a\", receive = \"b\" }\n", "send = 'a\\'"), 7, 10,
       "virtual_server.real.check.send: ends in a lone backslash"},
      {"override receive with HEAD",
       real_check("check = { type = \"http\", method = \"HEAD\" }\n", "receive = \"OK\""), 7, 11,
       "virtual_server.real.check.receive is matched on the body, and method = \"HEAD\" gets none"},
      {"override request as an integer", real_check("check = { type = \"http\" }\n", "request = 1"), 7, 11,
       "virtual_server.real.check.request must be a string, not an integer"},
      // a port to probe
      {"fwmark service with a tcp check and dr reals",
       fwmark + "check = { type = \"tcp\" }\n[[virtual_server.real]]\naddress = \"10.0.0.11\"", 4, 1,
       "virtual_server.real 10.0.0.11 has no port to check: its virtual server has none; set port in "
       "[virtual_server.check], or in this real server's check"},
      {"fwmark service with an http check and an override without port",
       fwmark + "check = { type = \"http\" }\n[[virtual_server.real]]\naddress = \"10.0.0.11\"\ncheck = { "
                "request = \"/a\" }",
       4, 1, "virtual_server.real 10.0.0.11 has no port to check"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    tandem::testing::expect_one_error(complete(c.head), c.line, c.column, c.message);
  }
}

TEST(ConfigCheckTest, CollectsEveryErrorInFileOrder) {
  const std::string text =
      "[[virtual_server]]\n"                       // 1
      "address = \"10.0.0.100:80\"\n"              // 2
      "[virtual_server.check]\n"                   // 3
      "type = \"http\"\n"                          // 4
      "rise = 0\n"                                 // 5
      "send = \"x\"\n"                             // 6
      "status = [\"2xx\", \"7xx\"]\n"              // 7
      "[[virtual_server.real]]\n"                  // 8
      "address = \"10.0.0.11\"\n"                  // 9
      "check = { request = \"x\", colour = 1 }\n"  // 10
      "[[virtual_server]]\n"                       // 11
      "fwmark = 7\n"                               // 12
      "check = { type = \"bogus\" }\n";            // 13
  const auto r = parse_config(complete(text), "t.toml", kOptions);
  EXPECT_FALSE(r.config);
  std::vector<std::string> lines;
  for (const auto& e : r.errors) lines.push_back(e.format());
  const std::vector<std::string> expected = {
      "t.toml:5:8: error: virtual_server.check.rise 0 is out of range 1..100",
      "t.toml:6:1: error: virtual_server.check.send applies to send-expect and udp checks only; this check "
      "is "
      "\"http\"",
      "t.toml:7:18: error: virtual_server.check.status: \"7xx\" is not a status class; use 1xx, 2xx, 3xx, "
      "4xx "
      "or 5xx",
      "t.toml:10:21: error: virtual_server.real.check.request \"x\" must be a path starting with \"/\", e.g. "
      "\"/index.html\"",
      "t.toml:10:26: error: unknown key \"colour\" in [virtual_server.real.check]",
      "t.toml:13:18: error: virtual_server.check.type \"bogus\" must be \"tcp\", \"send-expect\", \"http\", "
      "\"https\", \"external\", \"udp\" or \"none\"",
  };
  EXPECT_EQ(lines, expected);
}

TEST(ConfigCheckTest, ExampleFileHasAnHttpCheck) {
  const std::string path = TANDEM_TEST_DATA "/../../examples/tandem.toml";
  const auto r = load_config(path, ParseOptions{"some-host"});
  ASSERT_TRUE(r.config) << all_errors(r);
  ASSERT_EQ(r.config->virtual_servers.size(), 1u);
  const auto& check = r.config->virtual_servers[0].check;
  ASSERT_TRUE(check);
  EXPECT_EQ(check->type, Type::http);
  EXPECT_EQ(check->request, "/index.html");
  EXPECT_EQ(check->receive, "Working Fine");
}

TEST(ConfigCheckTest, CompleteFileHasChecks) {
  const auto r = load_config(TANDEM_TEST_DATA "/ipvs_complete.toml", kOptions);
  ASSERT_TRUE(r.config) << all_errors(r);
  const auto& web = r.config->virtual_servers[0];
  ASSERT_TRUE(web.check);
  EXPECT_EQ(web.check->type, Type::http);
  ASSERT_GE(web.reals.size(), 2u);
  ASSERT_TRUE(web.reals[1].check);
  EXPECT_EQ(web.reals[1].check->request, "/alive");
}

TEST(ConfigCheckTest, ChecksTakePartInEquality) {
  const std::string head = check("type = \"http\"") + kReal;
  const auto a = parse_config(complete(head), "a.toml", kOptions);
  const auto b = parse_config(complete(head), "a.toml", kOptions);
  const auto c = parse_config(complete(head + "check = { request = \"/b\" }"), "a.toml", kOptions);
  const auto d = parse_config(complete(check("type = \"https\"") + kReal), "a.toml", kOptions);
  ASSERT_TRUE(a.config && b.config && c.config && d.config);
  EXPECT_EQ(*a.config, *b.config);
  EXPECT_NE(*a.config, *c.config);
  EXPECT_NE(*a.config, *d.config);
}

TEST(ConfigCheckTest, TypeNames) {
  EXPECT_EQ(name_of(Type::tcp), "tcp");
  EXPECT_EQ(name_of(Type::send_expect), "send-expect");
  EXPECT_EQ(name_of(Type::http), "http");
  EXPECT_EQ(name_of(Type::https), "https");
  EXPECT_EQ(name_of(Type::external), "external");
  EXPECT_EQ(name_of(Type::udp), "udp");
  EXPECT_EQ(name_of(Type::none), "none");
}

TEST(ConfigCheckTest, EscapeAndPlaceholderRules) {
  using detail::escape_problem;
  using detail::placeholder_problem;
  EXPECT_FALSE(escape_problem(""));
  EXPECT_FALSE(escape_problem("GET / HTTP/1.0\\r\\n\\r\\n"));
  EXPECT_FALSE(escape_problem("\\t\\\\\\x00\\xfF\\xA9"));
  EXPECT_FALSE(escape_problem("\\\\q"));  // an escaped backslash, then q
  EXPECT_EQ(escape_problem("ab\\q")->offset, 2u);
  EXPECT_EQ(escape_problem("\\\\\\")->offset, 2u);
  EXPECT_EQ(escape_problem("\\x")->offset, 0u);
  EXPECT_EQ(escape_problem("\\x0")->offset, 0u);
  EXPECT_EQ(escape_problem("x\\xg0")->offset, 1u);
  EXPECT_FALSE(placeholder_problem(""));
  EXPECT_FALSE(placeholder_problem("%h:%p %v 100%%"));
  EXPECT_EQ(placeholder_problem("%%%")->offset, 2u);
  EXPECT_EQ(placeholder_problem("a%H")->offset, 1u);
}

}  // namespace
}  // namespace tandem::config
