// `tandemctl import keepalived` (config/legacy/keepalived): golden files.
// Each case is tests/data/import/keepalived/NAME.in with the expected
// NAME.toml (absent when the import fails) and NAME.err. The files beside it
// (NAME.peer: the other director's file for --peer-config; conf.d/ and
// *.inc: what `include` reads) are served by a map reader, so includes
// resolve as on a director. TANDEM_UPDATE_GOLDEN=1 rewrites the expected
// files.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/legacy/import.hpp"
#include "config/digest.hpp"
#include "config/legacy/keepalived.hpp"
#include "config/legacy/keepalived_values.hpp"
#include "unit/import_golden.hpp"

namespace tandem::config::legacy {
namespace {

using golden::joined;
using golden::read;

const std::filesystem::path kDir = std::filesystem::path(TANDEM_TEST_DATA) / "import" / "keepalived";
const std::filesystem::path kLab = std::filesystem::path(TANDEM_TEST_DATA) / "import" / "lab" / "keepalived";

// Every file under `dir`, by its path relative to it.
std::map<std::string, std::string> files_under(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[std::filesystem::relative(e.path(), dir).string()] = read(e.path());
  return files;
}

struct Case {
  const char* name;
  const char* description;
  int exit_code = 3;
  bool peer_config = false;  // NAME.peer as --peer-config
  std::map<std::string, std::string> peers = {};
  bool services_only = false;
  const char* peer = "d2";
};

const std::vector<Case> kCases = {
    {"two_instances", "active/active with the peer's file: two instances become two groups, vrrp_script and "
                      "track_interface with weights, VIP labels and IPv6, notify_*, authentication, "
                      "lvs_sync_daemon with its instance, garp repeat and refresh, HTTP_GET and TCP_CHECK, "
                      "persistence, sorry_server",
     3, true},
    {"two_instances_alone", "the same file without --peer-config: MASTER is taken as preferred, BACKUP as the "
                            "peer's, with warnings"},
    {"sync_group", "a vrrp_sync_group of two instances becomes one group; both BACKUP with nopreempt: the higher "
                   "priority is preferred and does not fail back; two links; lvs_sync_daemon_interface",
     3, true},
    {"checkers", "SSL_GET with two urls, digest, regex, connect_port, per-real overrides, a second checker, "
                 "a real without checker, MISC_CHECK argv and misc_dynamic, UDP_CHECK with and without a reply, "
                 "DNS_CHECK, quorum, alpha, no protocol (UDP), fwmark, virtual_server_group, a service without "
                 "reals"},
    {"includes", "include with a glob and a plain file, relative to the including file; one-line blocks"},
    {"duplicate_reals", "the same real server twice (after DR has made the ports the virtual's): the first is "
                        "kept"},
    {"no_vip_instance", "an instance without VIPs beside one with: it is not made a group"},
    {"no_vip_instances", "two instances, neither with VIPs: the first is the one group, the second is reported"},
    {"multicast", "an instance without unicast_peer needs --peer-address", 1},
    {"multicast_flag", "the same file with --peer-address eth0=10.40.0.2", 3, false, {{"eth0", "10.40.0.2"}}},
    {"unterminated", "an unterminated block is a located error", 1},
    {"binary", "binary garbage is refused at its line", 1},
    {"empty", "an empty file has nothing to import", 1},
    {"unknown", "unknown keywords (keepalived ignores them) and keywords not carried over are warnings"},
    {"bad_values", "bad state, priority, advert_int, addresses, prefix, label, VIP option, two unicast peers, a "
                   "host name, a missing vrrp_script, a relative script, a port name, lb_kind and protocol, an unknown "
                   "lb_algo, a regex tandem cannot read, a port-0 NAT real, gapped and out-of-range granularities, "
                   "lthreshold above uthreshold, status codes out of range or backwards, a url path without /, a label of another interface",
     1},
    {"services_only", "--services-only: lvs_sync_daemon with every option, and the virtual servers", 0, false, {},
     true},
};

TEST(ImportKeepalivedTest, GoldenFiles) {
  const auto files = files_under(kDir);
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.name) + ": " + c.description);
    std::string input = std::string(c.name) + ".in";
    if (!files.count(input)) {
      // A case that reads another case's input with other options.
      const std::string base = std::string(c.name).substr(0, std::string(c.name).rfind('_'));
      input = base + ".in";
    }
    ASSERT_TRUE(files.count(input)) << input;
    ImportOptions o;
    if (!c.services_only) {
      o.node = "d1";
      o.peer = c.peer;
      o.peer_addresses = c.peers;
    }
    if (c.peer_config) o.peer_config = std::string(c.name) + ".peer";
    o.services_only = c.services_only;
    const ImportResult r = import_keepalived(input, map_reader(files), o);
    golden::check(kDir, c.name, {c.exit_code, !c.services_only}, r);
  }
}

TEST(ImportKeepalivedTest, EveryGoldenInputIsInTheTable) {
  std::vector<std::string> names;
  for (const auto& c : kCases) names.emplace_back(c.name);
  golden::check_listed(kDir, names);
}

// The lab's two keepalived.conf import, each with the other as
// --peer-config, into configurations that agree on what the pair shares.
TEST(ImportKeepalivedTest, LabFilesImportForBothDirectors) {
  const auto files = files_under(kLab);
  ImportOptions d1, d2;
  d1.node = "d1";
  d1.peer = "d2";
  d1.peer_config = "d2.conf";
  d2.node = "d2";
  d2.peer = "d1";
  d2.peer_config = "d1.conf";
  const ImportResult a = import_keepalived("d1.conf", map_reader(files), d1);
  const ImportResult b = import_keepalived("d2.conf", map_reader(files), d2);
  ASSERT_EQ(import_exit_code(a), 3) << joined(import_messages(a));
  ASSERT_EQ(import_exit_code(b), 3) << joined(import_messages(b));
  const auto ca = parse_config(a.toml, "a", ParseOptions{"x"}), cb = parse_config(b.toml, "b", ParseOptions{"x"});
  ASSERT_TRUE(ca.config && cb.config);
  EXPECT_EQ(ca.config->cluster.preferred, "d1");
  EXPECT_EQ(cb.config->cluster.preferred, "d1");
  EXPECT_TRUE(ca.config->cluster.auto_failback);
  EXPECT_TRUE(cb.config->cluster.auto_failback);
  EXPECT_EQ(ca.config->virtual_servers, cb.config->virtual_servers);
  EXPECT_EQ(ca.config->vips, cb.config->vips);
  EXPECT_EQ(digest_of(*ca.config), digest_of(*cb.config));
  ASSERT_EQ(ca.config->links.size(), 1u);
  EXPECT_EQ(ca.config->links[0].peer->str(), "10.77.0.2");
  EXPECT_EQ(cb.config->links[0].peer->str(), "10.77.0.1");
}

TEST(ImportKeepalivedTest, CommandLinesSplitAsKeepalivedSplitsThem) {
  EXPECT_EQ(keepalived::command_words("/bin/a  b\t'c d' \"e f\"g"),
            (std::vector<std::string>{"/bin/a", "b", "c d", "e fg"}));
  EXPECT_EQ(keepalived::command_words("  "), std::vector<std::string>{});
  EXPECT_EQ(keepalived::command_words("/bin/x ''"), (std::vector<std::string>{"/bin/x", ""}));
}

TEST(ImportKeepalivedTest, MissingNamesAreErrorsNamingTheFlag) {
  const auto files = files_under(kLab);
  ImportOptions o;
  const ImportResult r = import_keepalived("d1.conf", map_reader(files), o);
  ASSERT_EQ(import_exit_code(r), 1);
  const std::string m = joined(import_messages(r));
  EXPECT_NE(m.find("--node NAME"), std::string::npos) << m;
  EXPECT_NE(m.find("--peer NAME"), std::string::npos) << m;
}

}  // namespace
}  // namespace tandem::config::legacy
