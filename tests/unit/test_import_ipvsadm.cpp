// `tandemctl import ipvsadm` (config/legacy/ipvsadm): golden files. Each
// case is tests/data/import/ipvsadm/NAME.in with the expected NAME.toml
// (absent when the import fails) and NAME.err, the expected stderr lines.
// Every complete golden .toml must pass config::parse_config, as tandemd
// --check-config checks it (but for the authkeys file).
// To regenerate after an intended change: TANDEM_UPDATE_GOLDEN=1.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/legacy/import.hpp"
#include "unit/import_golden.hpp"
#include "config/legacy/ipvsadm.hpp"

namespace tandem::config::legacy {
namespace {

using golden::joined;

const std::filesystem::path kDir = std::filesystem::path(TANDEM_TEST_DATA) / "import" / "ipvsadm";

enum class Facts { cluster, none, services_only };

struct Case {
  const char* name;
  const char* description;
  Facts facts = Facts::cluster;
  int exit_code = 3;
};

const std::vector<Case> kCases = {
    {"save_n", "ipvsadm-save -n: TCP, UDP, SCTP and fwmark services, persistence with netmasks, dr/nat/tun reals, "
               "gue, scheduler flags, IPv6 and an IPv6 fwmark"},
    {"script", "a script: /sbin/ipvsadm lines, comments, continuation, -E/-e edits, thresholds, -p without a "
               "timeout, bundled options, --set, sync daemons and other shell lines"},
    {"services_only", "--services-only writes the virtual servers without [node], [cluster] and [[link]]",
     Facts::services_only},
    {"missing_facts", "without --node, --peer and --peer-address each missing fact is an error naming its flag",
     Facts::none, 1},
    {"unknown_option", "an unknown short option and an unknown long option", Facts::cluster, 1},
    {"bad_address", "a bad IPv4 address, an unclosed IPv6 bracket, a port out of range, an empty host",
     Facts::cluster, 1},
    {"real_before_service", "a real server before its -A line", Facts::cluster, 1},
    {"duplicate_service", "the same service added twice", Facts::cluster, 1},
    {"hostnames", "ipvsadm -S without -n: host names and service names are not resolved", Facts::cluster, 1},
    {"binary", "binary garbage is refused at its first line", Facts::cluster, 1},
    {"empty", "an empty file has nothing to import", Facts::cluster, 1},
    {"truncated", "a last line cut off before -r's value", Facts::cluster, 1},
    {"pasted", "a blog paste: an en dash, a synproxy (-j) and a FULLNAT (-b) option of patched forks, a shell "
               "variable",
     Facts::cluster, 1},
};

ImportOptions options_for(Facts facts) {
  ImportOptions o;
  if (facts == Facts::cluster) {
    o.node = "d1";
    o.peer = "d2";
    o.peer_addresses = {{"eth1", "192.168.77.2"}};
  }
  o.services_only = facts == Facts::services_only;
  return o;
}

TEST(ImportIpvsadmTest, GoldenFiles) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.name) + ": " + c.description);
    const std::string name = std::string(c.name) + ".in";
    const ImportResult r = import_ipvsadm(golden::input(kDir, c.name), name, options_for(c.facts));
    golden::check(kDir, c.name, {c.exit_code, c.facts == Facts::cluster}, r);
  }
}

TEST(ImportIpvsadmTest, EveryGoldenInputIsInTheTable) {
  std::vector<std::string> names;
  for (const auto& c : kCases) names.emplace_back(c.name);
  golden::check_listed(kDir, names);
}

TEST(ImportIpvsadmTest, ExitCodes) {
  ImportResult r;
  EXPECT_EQ(import_exit_code(r), 0);
  r.warnings.push_back({"f", 1, 0, "w"});
  EXPECT_EQ(import_exit_code(r), 3);
  r.errors.push_back({"f", 0, 0, "e"});
  EXPECT_EQ(import_exit_code(r), 1);
  // Line order, those without a line last; FILE:LINE without a column.
  r.warnings.push_back({"f", 0, 0, "w0"});
  r.errors.push_back({"f", 2, 0, "e2"});
  EXPECT_EQ(import_messages(r), (std::vector<std::string>{"f:1: warning: w", "f:2: error: e2", "f: warning: w0",
                                                          "f: error: e"}));
}

TEST(ImportTest, MessagesAreGroupedByFileInOrderOfAppearance) {
  ImportResult r;
  r.warnings.push_back({"haresources", 3, 0, "h3"});
  r.warnings.push_back({"ha.cf", 9, 0, "c9"});
  r.errors.push_back({"haresources", 1, 0, "h1"});
  r.warnings.push_back({"ha.cf", 2, 0, "c2"});
  EXPECT_EQ(import_messages(r), (std::vector<std::string>{"haresources:1: error: h1", "haresources:3: warning: h3",
                                                          "ha.cf:2: warning: c2", "ha.cf:9: warning: c9"}));
}

TEST(ImportTest, MapReaderReadsAndGlobs) {
  const FileReader files = map_reader({{"/etc/k/a.conf", "A"}, {"/etc/k/b.conf", "B"}, {"/etc/k/sub/c.conf", "C"}});
  EXPECT_TRUE(files.read("/etc/k/a.conf").found);
  EXPECT_EQ(files.read("/etc/k/b.conf").text, "B");
  EXPECT_FALSE(files.read("/etc/k/none").found);
  EXPECT_EQ(files.glob("/etc/k/*.conf"), (std::vector<std::string>{"/etc/k/a.conf", "/etc/k/b.conf"}));
  EXPECT_EQ(files.glob("/etc/k/sub/?.conf"), (std::vector<std::string>{"/etc/k/sub/c.conf"}));
  EXPECT_TRUE(files.glob("/etc/x/*").empty());
}

TEST(ImportIpvsadmTest, InputNameAndBadOptions) {
  ImportOptions o = options_for(Facts::cluster);
  o.input_name = "<stdin>";
  o.peer = "d1";
  o.peer_addresses = {{"eth1/x", "192.168.77.2"}, {"eth2", "239.1.1.1"}, {"eth3", "nonsense"}};
  const ImportResult r = import_ipvsadm("-A -t 10.0.0.100:80 -s rr\n", "ignored", o);
  ASSERT_EQ(r.errors.size(), 4u) << joined(import_messages(r));
  for (const auto& e : r.errors) EXPECT_EQ(e.file, "<stdin>");
  EXPECT_NE(r.errors[0].message.find("--peer \"d1\" is this director's own name"), std::string::npos);
  EXPECT_NE(r.errors[1].message.find("eth1/x=192.168.77.2: the interface"), std::string::npos);
  EXPECT_NE(r.errors[2].message.find("multicast"), std::string::npos);
  EXPECT_NE(r.errors[3].message.find("\"nonsense\" is not an IPv4 or IPv6 address"), std::string::npos);
  EXPECT_TRUE(r.toml.empty());
}

TEST(ImportIpvsadmTest, HostNameIsSaidInTheOutput) {
  ImportOptions o = options_for(Facts::cluster);
  o.node = "lvs1";
  o.node_from_hostname = true;
  const ImportResult r = import_ipvsadm("-A -t 10.0.0.100:80 -s rr\n", "rules", o);
  EXPECT_NE(r.toml.find("name = \"lvs1\"  # this host's name (no --node given)\n"), std::string::npos) << r.toml;
}

// --set TCP TCPFIN UDP is told as the [ipvs] keys to write (0: unchanged, no key).
TEST(ImportIpvsadmTest, SetTimeoutsAreToldAsIpvsKeys) {
  const struct {
    const char* description;
    const char* line;
    const char* told;
  } cases[] = {
      {"all three", "--set 900 120 300",
       "write them in [ipvs] as tcp_timeout = \"900s\", tcpfin_timeout = \"120s\", udp_timeout = \"300s\""},
      {"0 leaves one out", "--set 0 60 0", "write them in [ipvs] as tcpfin_timeout = \"60s\""},
      {"all 0", "--set 0 0 0", "write them in [ipvs] (all three are 0 here, which changes nothing)"},
      {"not a number", "--set 900 x 300", "write them in [ipvs] as tcp_timeout, tcpfin_timeout and udp_timeout"},
      {"beyond the kernel's limit", "--set 2147484 0 0",
       "write them in [ipvs] as tcp_timeout, tcpfin_timeout and udp_timeout"},
  };
  for (const auto& c : cases) {
    const std::string text = "-A -t 10.0.0.100:80 -s rr\n" + std::string(c.line) + "\n";
    const ImportResult r = import_ipvsadm(text, "rules", options_for(Facts::cluster));
    const std::string messages = joined(import_messages(r));
    EXPECT_NE(messages.find("rules:2: warning: --set (the IPVS tcp, tcpfin and udp timeouts) is not carried over: " +
                            std::string(c.told)),
              std::string::npos)
        << c.description << ":\n" << messages;
  }
}

}  // namespace
}  // namespace tandem::config::legacy
