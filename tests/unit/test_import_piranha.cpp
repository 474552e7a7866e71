// `tandemctl import piranha` (config/legacy/piranha): golden files. Each
// case is tests/data/import/piranha/NAME.in with the expected NAME.toml
// (absent when the import fails) and NAME.err, the expected stderr lines.
// Every complete golden .toml must pass config::parse_config, as tandemd
// --check-config checks it (but for the authkeys file).
// To regenerate after an intended change: TANDEM_UPDATE_GOLDEN=1.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/legacy/import.hpp"
#include "unit/import_golden.hpp"
#include "config/legacy/piranha.hpp"
#include "config/legacy/piranha_file.hpp"

namespace tandem::config::legacy {
namespace {

using golden::joined;
using golden::read;

const std::filesystem::path kDir = std::filesystem::path(TANDEM_TEST_DATA) / "import" / "piranha";

using Peers = std::map<std::string, std::string>;
const Peers kLabPrimary = {{"eth0", "10.77.0.2"}, {"eth1", "10.78.0.2"}};

struct Case {
  const char* name;
  const char* description;
  Peers peers;
  int exit_code = 3;
  bool services_only = false;
  const char* node = "d1";
  const char* peer = "d2";
};

const std::vector<Case> kCases = {
    {"nat_primary", "the vm lab's NAT pair on the primary: primary/backup and _private as links, heartbeat_port, "
                    "keepalive, deadtime, nat_router, a send/expect prefix check, timeout, reentry, quiesce_server",
     kLabPrimary},
    {"nat_backup", "the same file on the backup: the links go to the primary's addresses, preferred is the peer",
     {{"eth0", "10.77.0.1"}, {"eth1", "10.78.0.1"}}, 3, false, "d2", "d1"},
    {"direct", "network direct: port names, hex and octal numbers, persistent with pmask, sorry_server, use_regex, "
               "send_program with %h and %p, fwmark, a UDP virtual with expect \"*\", syncdaemon, weights, "
               "active = 0 virtuals and servers left out",
     {{"eth0", "192.168.10.2"}}},
    {"tunnel_globals", "network tunnel and every global key that is not carried over, a failover block, reentry "
                       "beyond tandem's rise",
     {{"eth0", "10.1.0.2"}, {"eth1", "10.2.0.2"}}},
    {"quirks", "CRLF, trailing blanks, two spaces after =, blank lines in blocks, keys given twice, send = \"\" and "
               "expect = \"\", a block with nothing in it",
     {{"eth0", "10.4.0.2"}}},
    {"fragment", "a file that is only a virtual block: the links come from --peer-address, port 80's default "
                 "expect",
     {{"eth1", "10.6.0.2"}}},
    {"services_only", "--services-only writes the virtual servers alone", {}, 3, true},
    {"missing_facts", "without --peer-address the error names the flag and both directors' addresses", {}, 1},
    {"wrong_peer", "--peer-address with an address not in lvs.cf, and one of each director", 
     {{"eth0", "10.77.0.2"}, {"eth1", "10.78.0.1"}, {"eth2", "10.79.0.9"}}, 1},
    {"single_node", "backup = 0.0.0.0 and backup_active = 0: the peer comes from --peer-address",
     {{"eth0", "10.77.0.2"}}},
    {"unterminated", "a virtual block and its server without their }", {{"eth0", "10.7.0.2"}}, 1},
    {"bad_addresses", "a host name, an address out of range, nat_router and address without the device, a "
                      "non-contiguous netmask, a sorry server with a port, an IPv6 real, a bad interface",
     kLabPrimary, 1},
    {"unknown_keys", "keys piranha does not know, and keys in the wrong block", {{"eth0", "10.10.0.2"}}, 1},
    {"lexical", "key=value without blanks, a trailing comment, 08, yes, an unquoted send_program, { on the next "
                "line, an unclosed quote, a stray }",
     {{"eth0", "10.11.0.2"}}, 1},
    {"binary", "binary garbage is refused at its first line", {{"eth0", "10.12.0.2"}}, 1},
    {"empty", "an empty file has nothing to import", {{"eth0", "10.0.0.2"}}, 1},
    {"keepalived", "a keepalived.conf saved as lvs.cf is refused, naming the importer to use", kLabPrimary, 1},
    {"facts", "facts tandem needs: the netmasks of nat_router and a VIP, a deadtime too short for tandem, an "
              "unknown scheduler and protocol, the same service twice",
     {{"eth0", "10.14.0.2"}, {"eth1", "10.15.0.2"}}, 1},
};

TEST(ImportPiranhaTest, GoldenFiles) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.name) + ": " + c.description);
    const std::string name = std::string(c.name) + ".in";
    ImportOptions o;
    if (!c.services_only) {
      o.node = c.node;
      o.peer = c.peer;
      o.peer_addresses = c.peers;
    }
    o.services_only = c.services_only;
    const ImportResult r = import_piranha(golden::input(kDir, c.name), name, o);
    golden::check(kDir, c.name, {c.exit_code, !c.services_only}, r);
  }
}

TEST(ImportPiranhaTest, EveryGoldenInputIsInTheTable) {
  std::vector<std::string> names;
  for (const auto& c : kCases) names.emplace_back(c.name);
  golden::check_listed(kDir, names);
}

// The lab's lvs.cf imports on both directors, and the two outputs differ
// only in [node] name, [cluster] peer and the links.
TEST(ImportPiranhaTest, LabFileImportsForBothDirectors) {
  const std::string text =
      read(std::filesystem::path(TANDEM_TEST_DATA) / "import" / "lab" / "piranha" / "lvs.cf");
  ImportOptions d1, d2;
  d1.node = "d1";
  d1.peer = "d2";
  d1.peer_addresses = kLabPrimary;
  d2.node = "d2";
  d2.peer = "d1";
  d2.peer_addresses = {{"eth0", "10.77.0.1"}, {"eth1", "10.78.0.1"}};
  const ImportResult a = import_piranha(text, "x", d1), b = import_piranha(text, "x", d2);
  ASSERT_EQ(import_exit_code(a), 3) << joined(import_messages(a));
  ASSERT_EQ(import_exit_code(b), 3) << joined(import_messages(b));
  const auto ca = parse_config(a.toml, "a", ParseOptions{"x"}), cb = parse_config(b.toml, "b", ParseOptions{"x"});
  ASSERT_TRUE(ca.config && cb.config);
  EXPECT_EQ(ca.config->node.name, "d1");
  EXPECT_EQ(cb.config->node.name, "d2");
  EXPECT_EQ(ca.config->cluster.preferred, "d1");
  EXPECT_EQ(cb.config->cluster.preferred, "d1");
  EXPECT_EQ(ca.config->virtual_servers, cb.config->virtual_servers);
  EXPECT_EQ(ca.config->vips, cb.config->vips);
  ASSERT_EQ(cb.config->links.size(), 2u);
  EXPECT_EQ(cb.config->links[1].peer->str(), "10.78.0.1");
}

TEST(ImportPiranhaTest, IntegersFollowStrtolBaseZero) {
  using piranha::parse_integer;
  EXPECT_EQ(parse_integer("10", 100), 10u);
  EXPECT_EQ(parse_integer("010", 100), 8u);
  EXPECT_EQ(parse_integer("0x10", 100), 16u);
  EXPECT_EQ(parse_integer("0", 100), 0u);
  EXPECT_FALSE(parse_integer("08", 100));
  EXPECT_FALSE(parse_integer("0x", 100));
  EXPECT_FALSE(parse_integer("-1", 100));
  EXPECT_FALSE(parse_integer("101", 100));
  EXPECT_FALSE(parse_integer("99999999999999999999999", ~0ull));
}

TEST(ImportPiranhaTest, ReaderKeepsQuotedBlanksAndBlocks) {
  const auto f = piranha::read_lvs_cf("a = \"x y\" 'z'\r\nvirtual v {\n  server s {\n  }\n}\n", "f");
  ASSERT_TRUE(f.errors.empty());
  ASSERT_EQ(f.entries.size(), 1u);
  ASSERT_EQ(f.entries[0].values.size(), 2u);
  EXPECT_EQ(f.entries[0].values[0].text, "x y");
  EXPECT_TRUE(f.entries[0].values[1].quoted);
  ASSERT_EQ(f.blocks.size(), 1u);
  EXPECT_EQ(f.blocks[0].line, 2);
  ASSERT_EQ(f.blocks[0].blocks.size(), 1u);
  EXPECT_EQ(f.blocks[0].blocks[0].name, "s");
}

}  // namespace
}  // namespace tandem::config::legacy
