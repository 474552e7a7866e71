// `tandemctl import ldirectord` (config/legacy/ldirectord): golden files.
// Each case is tests/data/import/ldirectord/NAME.in with the expected
// NAME.toml (absent when the import fails) and NAME.err, the expected stderr
// lines. Every complete golden .toml must pass config::parse_config, as
// tandemd --check-config checks it (but for the authkeys file).
// To regenerate after an intended change (then review every diff):
//   TANDEM_UPDATE_GOLDEN=1 tandem_unit_tests --gtest_filter='ImportLdirectord*'
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/legacy/import.hpp"
#include "unit/import_golden.hpp"
#include "config/legacy/ldirectord.hpp"

namespace tandem::config::legacy {
namespace {


const std::filesystem::path kDir = std::filesystem::path(TANDEM_TEST_DATA) / "import" / "ldirectord";

enum class Facts { cluster, none, services_only };

struct Case {
  const char* name;
  const char* description;
  Facts facts = Facts::cluster;
  int exit_code = 3;
};

const std::vector<Case> kCases = {
    {"duplicate_reals", "the same destination twice in a virtual (also after gate ignores the ports): the first "
                        "is kept"},
    {"request_blanks", "request paths with blanks and a tab, for the virtual and for one real, become %XX"},
    {"url_request", "request= as a whole URL gives the Host header unless virtualhost= does; a virtualhost with "
                    "blanks is an error", Facts::cluster, 1},
    {"lab", "the vm lab's file: globals as defaults, an http negotiate check with request and receive, wlc"},
    {"globals", "every global directive: timeouts, interval, failurecount, fallback with a method, quiescent=no as "
                "defaults; mail, logging, reload, supervision, maintenance and cleanstop reported; a per-virtual "
                "checkinterval with fork=yes and a per-virtual negotiatetimeout"},
    {"checks", "each checktype (connect, connect on UDP with ops, ping, external, external-perl, off, on, combined) and "
               "each negotiate service (https with HEAD, virtualhost and receive strings it cannot match, simpletcp, smtp by port, mysql with login, "
               "dns by port, an absolute http:// request), request/receive where a check uses none"},
    {"reals", "real= with A->B and the old A-B range, gate ports forced to the virtual's, masq port mapping, "
              "weight 0, per-real request/receive (comma and space, an empty receive), l:/u: thresholds, mixed methods, persistence "
              "with a netmask"},
    {"fwmark_v6", "a firewall mark with protocol=fwm, checkport, sh with schedflags; a virtual6 with real6, fallback6, "
                  "persistence with a prefix length"},
    {"services_only", "--services-only writes the virtual servers without [node], [cluster] and [[link]]",
     Facts::services_only},
    {"missing_facts", "without --node, --peer and --peer-address each missing fact is an error naming its flag",
     Facts::none, 1},
    {"unterminated", "a blank line ends a virtual section, so the indented lines after it are errors; an indent of "
                     "2 spaces", Facts::cluster, 1},
    {"bad_address", "an IPv4 address out of range, IPv6 under virtual=, a host name, an unknown forward method, l: above u:, a "
                    "missing one, an unknown port name", Facts::cluster, 1},
    {"unknown", "an INI section header, the deprecated timeout= and connecttimeout=, unknown directives, a guide's "
                "... line", Facts::cluster, 1},
    {"binary", "binary garbage is refused at its first line", Facts::cluster, 1},
    {"empty", "an empty file has nothing to import", Facts::cluster, 1},
    {"trailing_comment", "a trailing # comment is part of a global value (an error), and is cut off inside a "
                         "virtual, also inside a quoted request", Facts::cluster, 1},
    {"duplicate", "the same virtual twice, one block after the other without a separator",
     Facts::cluster, 1},
    {"bad_values", "a virtual's receive=, a per-real receive and a simpletcp receive that are not regular "
                   "expressions tandem can read; a netmask= that is not ones, then zeros", Facts::cluster, 1},
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

TEST(ImportLdirectordTest, GoldenFiles) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.name) + ": " + c.description);
    const std::string name = std::string(c.name) + ".in";
    const ImportResult r = import_ldirectord(name, map_reader({{name, golden::input(kDir, c.name)}}), options_for(c.facts));
    golden::check(kDir, c.name, {c.exit_code, c.facts == Facts::cluster}, r);
  }
}

TEST(ImportLdirectordTest, EveryGoldenInputIsInTheTable) {
  std::vector<std::string> names;
  for (const auto& c : kCases) names.emplace_back(c.name);
  golden::check_listed(kDir, names);
}

TEST(ImportLdirectordTest, AMissingFileIsAnError) {
  const ImportResult r = import_ldirectord("/etc/ha.d/ldirectord.cf", map_reader({}), options_for(Facts::cluster));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(import_messages(r).front(), "/etc/ha.d/ldirectord.cf: error: no such file");
  EXPECT_TRUE(r.toml.empty());
}

TEST(ImportLdirectordTest, TheServicesOfAGroupNameIt) {
  // As the heartbeat importer calls it for `ldirectord::www.cf` on a
  // haresources line: the virtual servers belong to that line's group.
  TomlWriter out;
  ImportResult r;
  ASSERT_TRUE(write_ldirectord_services("quiescent=yes\nvirtual=5\n\tprotocol=fwm\n\treal=10.0.0.11 gate\n"
                                        "\tchecktype=on\n",
                                        "www.cf", LdirectordContext{"web"}, out, r));
  EXPECT_TRUE(r.errors.empty());
  EXPECT_NE(out.text().find("fwmark = 5\ngroup = \"web\"\n"), std::string::npos) << out.text();
}

}  // namespace
}  // namespace tandem::config::legacy
