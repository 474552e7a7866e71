// `tandemctl import heartbeat` (config/legacy/heartbeat): golden files. Each
// case is a directory tests/data/import/heartbeat/CASE/ holding heartbeat's
// files (ha.cf, haresources, authkeys, maybe ldirectord.cf or conf/...), read
// as /etc/ha.d, with the expected output expected.toml (absent when the
// import fails) and expected.err, the expected stderr lines. Every golden
// .toml must pass config::parse_config, as tandemd --check-config checks it
// (but for the authkeys file). To regenerate after an intended change:
// TANDEM_UPDATE_GOLDEN=1, then review every changed golden by eye.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/legacy/heartbeat.hpp"
#include "config/legacy/import.hpp"

namespace tandem::config::legacy {
namespace {

namespace fs = std::filesystem;
const fs::path kDir = fs::path(TANDEM_TEST_DATA) / "import" / "heartbeat";
const fs::path kLab = fs::path(TANDEM_TEST_DATA) / "import" / "lab" / "heartbeat";

struct Case {
  const char* name;
  const char* description;
  int exit_code = 3;
  std::string node = "d1";
  std::map<std::string, std::string> peer_addresses = {};
  std::map<std::string, std::string> vip_prefixes = {};
  std::string peer = "";
};

const std::vector<Case> kCases = {
    {"guide", "the heartbeat guide's pair: bcast given --peer-address, a bare VIP given --vip-prefix, a Filesystem "
              "and an init script, keepalive/deadtime/warntime/initdead in seconds",
     3, "d1", {{"eth1", "192.168.77.2"}}, {{"192.168.0.148", "24/eth0"}}},
    {"guide_ldirectord", "the guide's `plate 192.168.0.148 ldirectord`: DIR/ldirectord.cf's virtual server with an "
                         "http negotiate check (request, receive, virtualhost, httpmethod), a fallback and quiescent, "
                         "in the default group",
     3, "plate", {{"eth1", "192.168.0.2"}}, {{"192.168.0.148", "24/eth0"}}},
    {"timing_ms", "ms suffixes on keepalive, warntime and deadtime next to a unitless initdead, a 1.5 s deadping "
                  "for the ping tracks, udpport before the media",
     0},
    {"media", "ucast on two links (one address each), mcast with its own port, a non-default udpport before the "
              "media, IPaddr2 with a label and the subnet's broadcast, mcast6 and ping6",
     0},
    {"udpport_late", "udpport after bcast and ucast: the media keep the port they were read with, with a warning",
     3, "d1", {{"eth1", "192.168.77.2"}}},
    {"shared_ucast", "one file for both nodes: each interface lists both directors' ucast addresses", 3, "d2"},
    {"groups", "two haresources lines become two [[group]]s, one preferred by each node, a continuation line, a "
               "comment after a trailing backslash, a resource before a VIP, IPaddr with a dotted netmask",
     3},
    {"failback_on", "auto_failback on, the host name picks the node, upper-case node names, a ping_group, tabs "
                    "and a UTF-8 comment",
     0, "D2"},
    {"failback_legacy", "auto_failback legacy and nice_failback, an IPaddr with //8 and a broadcast that differs",
     3},
    {"reported", "respawn of ipfail and of another client, logfacility, crm off, stonith_host, watchdog, serial, "
                 "apiauth and rarely seen directives are each reported",
     3},
    {"authkeys_md5", "md5 and sha1 keys are accepted with the rotation hint, auth after its key", 3},
    {"authkeys_crc", "a crc key is refused with the command to make a sha256 key", 1},
    {"authkeys_bad", "no auth line, a key 0, text after a key, a garbled line", 1},
    {"crm_on", "crm on: haresources is not used by heartbeat, the CIB is not read", 1},
    {"bcast_no_peer", "bcast without --peer-address is an error naming the flag", 1},
    {"bare_vip", "a bare address without --vip-prefix, and an IPaddr without an interface", 1},
    {"bad_addresses", "bad ucast, mcast, ping and VIP addresses, a placeholder interface, a prefix out of range", 1},
    {"unknown_directive", "the typo undport, a directive heartbeat never had, keepalive 2s (no unit but ms)", 1},
    {"bad_times", "deadtime not above 2 x keepalive, warntime above deadtime, initdead below deadtime", 1},
    {"node_unknown", "--node names no node of ha.cf, a third node, haresources prefers a stranger", 1, "lvs9"},
    {"three_nodes", "ha.cf lists three nodes: tandem runs a pair", 1},
    {"binary", "binary garbage in ha.cf and haresources, a CRLF line", 1},
    {"empty", "empty ha.cf, haresources and authkeys", 1},
    {"missing", "no ha.cf, haresources or authkeys at all", 1},
    {"resources", "NAME::ARG::ARG resources with / , @ + = . in arguments, the same script twice", 0},
    {"ldirectord_missing", "haresources starts ldirectord, whose ldirectord.cf is in neither place ldirectord looks "
                           "(the guide's conf/ldirector.cf)",
     1},
    {"ldirectord_groups", "two groups each starting ldirectord: ldirectord::www.cf found in DIR/conf, an absolute "
                          "/etc/ha.d path; the virtual servers carry their line's group",
     3},
    {"ldirectord_bad", "errors in the ldirectord.cf (a bad address, an unknown forwarding method) "
                       "keep its name and line",
     1},
    {"ldirectord_twice", "the same ldirectord.cf started by two lines (ldirectord and ldirectord::ldirectord.cf); "
                         "ldirectord with two arguments",
     1},
    {"bad_resource", "a path as a resource script, the same VIP in two groups", 1},
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The case directory as /etc/ha.d (expected.* left out).
std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename().string().starts_with("expected.")) continue;
    files["/etc/ha.d/" + fs::relative(e.path(), dir).generic_string()] = read(e.path());
  }
  return files;
}

ImportOptions options_for(const Case& c) {
  ImportOptions o;
  o.node = c.node;
  o.node_from_hostname = c.name == std::string("failback_on");
  o.peer = c.peer;
  o.peer_addresses = c.peer_addresses;
  o.vip_prefixes = c.vip_prefixes;
  return o;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

void expect_valid(const std::string& toml, const std::string& where) {
  const auto parsed = parse_config(toml, where, ParseOptions{"not-a-node"});
  EXPECT_TRUE(parsed.config.has_value()) << where;
  for (const auto& e : parsed.errors) ADD_FAILURE() << e.format();
}

TEST(ImportHeartbeatTest, GoldenFiles) {
  const bool update = std::getenv("TANDEM_UPDATE_GOLDEN") != nullptr;
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.name) + ": " + c.description);
    const fs::path dir = kDir / c.name;
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    const ImportResult r = import_heartbeat("/etc/ha.d", map_reader(files_of(dir)), options_for(c));
    const std::string err = joined(import_messages(r));
    const auto toml_path = dir / "expected.toml";
    const auto err_path = dir / "expected.err";
    if (update) {
      std::ofstream(err_path, std::ios::binary) << err;
      if (r.toml.empty())
        fs::remove(toml_path);
      else
        std::ofstream(toml_path, std::ios::binary) << r.toml;
    }
    EXPECT_EQ(import_exit_code(r), c.exit_code) << err;
    EXPECT_EQ(err, read(err_path));
    if (c.exit_code == 1) {
      EXPECT_TRUE(r.toml.empty());
      EXPECT_FALSE(fs::exists(toml_path)) << toml_path << " should not exist for a failing case";
      continue;
    }
    EXPECT_TRUE(fs::exists(toml_path)) << toml_path;
    if (!fs::exists(toml_path)) continue;
    const std::string golden = read(toml_path);
    EXPECT_EQ(r.toml, golden);
    expect_valid(golden, toml_path.string());
  }
}

TEST(ImportHeartbeatTest, EveryCaseDirectoryIsInTheTable) {
  std::set<std::string> listed;
  for (const auto& c : kCases) listed.insert(c.name);
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.is_directory()) {
      EXPECT_TRUE(listed.count(e.path().filename().string())) << e.path();
    }
  }
}

TEST(ImportHeartbeatTest, AuthkeysReadableByOthersIsReported) {
  auto files = files_of(kDir / "timing_ms");
  FileReader reader = map_reader(files);
  auto plain = reader.read;
  reader.read = [plain](const std::string& path) {
    InputFile f = plain(path);
    if (path == "/etc/ha.d/authkeys") f.mode = 0644;
    return f;
  };
  ImportOptions o;
  o.node = "d1";
  const ImportResult r = import_heartbeat("/etc/ha.d", reader, o);
  const std::string err = joined(import_messages(r));
  EXPECT_NE(err.find("/etc/ha.d/authkeys: warning: mode 0644 is readable by group or others"), std::string::npos)
      << err;
  reader.read = [plain](const std::string& path) {
    InputFile f = plain(path);
    f.mode = 0600;
    return f;
  };
  const std::string quiet = joined(import_messages(import_heartbeat("/etc/ha.d", reader, o)));
  EXPECT_EQ(quiet.find("mode 0"), std::string::npos) << quiet;
}

// The vm lab's heartbeat directory (ucast on two links, a VIP and
// ldirectord::ldirectord.cf with an http check) imports for both directors,
// and the two outputs differ only in [node] name, [cluster] peer and the
// links' peer addresses.
TEST(ImportHeartbeatTest, LabFilesImportForBothDirectors) {
  ImportOptions d1, d2;
  d1.node = "d1";
  d2.node = "d2";
  const auto files = map_reader(files_of(kLab));
  const ImportResult a = import_heartbeat("/etc/ha.d", files, d1), b = import_heartbeat("/etc/ha.d", files, d2);
  ASSERT_EQ(import_exit_code(a), 3) << joined(import_messages(a));
  ASSERT_EQ(import_exit_code(b), 3) << joined(import_messages(b));
  const auto ca = parse_config(a.toml, "a", ParseOptions{"x"}), cb = parse_config(b.toml, "b", ParseOptions{"x"});
  ASSERT_TRUE(ca.config && cb.config);
  EXPECT_EQ(ca.config->node.name, "d1");
  EXPECT_EQ(cb.config->node.name, "d2");
  EXPECT_EQ(ca.config->cluster.peer, "d2");
  EXPECT_EQ(cb.config->cluster.peer, "d1");
  EXPECT_EQ(ca.config->cluster.preferred, "d1");
  EXPECT_EQ(cb.config->cluster.preferred, "d1");
  ASSERT_EQ(ca.config->virtual_servers.size(), 1u);
  EXPECT_EQ(ca.config->virtual_servers, cb.config->virtual_servers);
  EXPECT_EQ(ca.config->vips, cb.config->vips);
  ASSERT_EQ(ca.config->links.size(), 2u);
  ASSERT_EQ(cb.config->links.size(), 2u);
  EXPECT_EQ(ca.config->links[0].peer->str(), "10.77.0.2");
  EXPECT_EQ(ca.config->links[1].peer->str(), "10.78.0.2");
  EXPECT_EQ(cb.config->links[0].peer->str(), "10.77.0.1");
  EXPECT_EQ(cb.config->links[1].peer->str(), "10.78.0.1");
}

TEST(ImportHeartbeatTest, ServicesOnlyPointsToTheLdirectordImporter) {
  ImportOptions o;
  o.services_only = true;
  const ImportResult r = import_heartbeat("/etc/ha.d", map_reader({}), o);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("tandemctl import ldirectord"), std::string::npos);
}

TEST(ImportHeartbeatTest, HaresourcesLexicalRules) {
  Diagnostics errors;
  const auto lines = heartbeat::read_haresources(
      "  NodeA  a\tb \\\n c\n\n# only a comment\nn2 x # y \\\nz\nn3 p\\", "hr", errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].line, 1);
  EXPECT_EQ(lines[0].node, "nodea");
  EXPECT_EQ(lines[0].resources, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(lines[1].node, "n2");  // the comment ate the backslash: z is a line of its own
  EXPECT_EQ(lines[1].resources, std::vector<std::string>{"x"});
  EXPECT_EQ(lines[2].node, "z");
  EXPECT_EQ(lines[3].resources, std::vector<std::string>{"p\\"});  // nothing to join on the last line
}

TEST(ImportHeartbeatTest, HaCfLexicalRules) {
  Diagnostics errors;
  const auto lines = heartbeat::read_ha_cf("  node a,b\tc # d\n#bcast eth3\nucast eth0 10.0.0.2 x\r\n", "cf", errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].directive, "node");
  EXPECT_EQ(lines[0].args, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(lines[1].line, 3);
  EXPECT_EQ(lines[1].rest, "eth0 10.0.0.2 x");
}

TEST(ImportHeartbeatTest, Times) {
  using heartbeat::time_ms;
  EXPECT_EQ(time_ms("2"), 2000);
  EXPECT_EQ(time_ms("1.5"), 1500);
  EXPECT_EQ(time_ms("200ms"), 200);
  EXPECT_EQ(time_ms("200 msec"), 200);
  EXPECT_EQ(time_ms("200MS"), 200);
  EXPECT_EQ(time_ms("1500us"), 2);
  EXPECT_EQ(time_ms("2s"), -1);
  EXPECT_EQ(time_ms("10sec"), -1);
  EXPECT_EQ(time_ms("ms"), -1);
  EXPECT_EQ(time_ms(""), -1);
}

TEST(ImportHeartbeatTest, IpArguments) {
  using heartbeat::ip_argument;
  auto a = ip_argument("10.0.0.1/24/eth0:1/10.0.0.255");
  EXPECT_EQ(a.ip, "10.0.0.1");
  EXPECT_EQ(a.netmask, "24");
  EXPECT_EQ(a.interface, "eth0");
  EXPECT_EQ(a.label, "eth0:1");
  EXPECT_EQ(a.broadcast, "10.0.0.255");
  a = ip_argument("10.0.0.1//8/eth0");
  EXPECT_EQ(a.netmask, "8");
  EXPECT_EQ(a.interface, "eth0");
  a = ip_argument("10.0.0.1/24/10.0.0.255");
  EXPECT_EQ(a.interface, "");
  EXPECT_EQ(a.broadcast, "10.0.0.255");
  a = ip_argument("10.0.0.1");
  EXPECT_EQ(a.netmask, "");
  const auto r = heartbeat::resource_spec("10.0.0.1/24/eth0");
  EXPECT_EQ(r.name, "IPaddr");
  EXPECT_EQ(r.args, std::vector<std::string>{"10.0.0.1/24/eth0"});
  const auto f = heartbeat::resource_spec("Filesystem::/dev/drbd0::/data::ext4");
  EXPECT_EQ(f.name, "Filesystem");
  EXPECT_EQ(f.args, (std::vector<std::string>{"/dev/drbd0", "/data", "ext4"}));
}

}  // namespace
}  // namespace tandem::config::legacy
