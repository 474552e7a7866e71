// What every importer of `tandemctl import` shares (heartbeat, ldirectord,
// piranha, keepalived, ipvsadm): the options that supply facts a legacy file
// does not hold, and the result: tandem.toml text plus located warnings and
// errors, printed as "FILE:LINE: warning: ..." / "FILE:LINE: error: ...".
// Importers are pure: they read text, never the file system, DNS or the clock.
#pragma once
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/error.hpp"
#include "config/legacy/toml_writer.hpp"

namespace tandem::config::legacy {

struct ImportOptions {
  // This director's node name (--node); empty: not known, an error where the
  // output needs it. `node_from_hostname`: it is the host name, taken because
  // --node was not given (said in the output's comment).
  std::string node;
  bool node_from_hostname = false;
  // The peer's node name (--peer), for formats that do not hold it.
  std::string peer;
  // --peer-address IFACE=ADDR: the peer's address on each heartbeat link.
  std::map<std::string, std::string> peer_addresses;
  // --vip-prefix ADDR=PREFIX/IFACE: the prefix length and interface of a VIP
  // that the files give as a bare address (heartbeat's haresources).
  std::map<std::string, std::string> vip_prefixes;
  // The name of the input in comments and diagnostics; empty: the path.
  std::string input_name;
  // --services-only: write only what the format holds about IPVS
  // ([[virtual_server]], [sync]), to paste into an existing tandem.toml;
  // no [node], [cluster] or [[link]] is needed then.
  bool services_only = false;
  // --peer-config FILE: the other director's file, for formats written per
  // director (keepalived.conf), so that both outputs agree on what the pair
  // shares (which node is preferred, failback). Empty: not given.
  std::string peer_config;
};

struct ImportResult {
  std::string toml;  // empty when there are errors
  Diagnostics warnings;
  Diagnostics errors;
};

// The files an importer reads besides its first input: heartbeat's
// directory (ha.cf, haresources, authkeys), the ldirectord.cf that
// haresources names, keepalived's `include`. The shell (tandemctl) reads the
// file system; tests and fuzz targets pass a map_reader. Importers stay pure:
// they see only what the reader returns.
struct InputFile {
  bool found = false;  // false: does not exist (error then empty)
  std::string text;
  std::string error;  // a read error other than "does not exist" (found stays false)
  int mode = -1;      // the permission bits when the reader can tell (stat), else -1
};
struct FileReader {
  std::function<InputFile(const std::string& path)> read;
  // The paths matching a shell glob pattern (`*`, `?`, `[...]`), sorted; a
  // pattern without those characters matches itself when the file exists.
  std::function<std::vector<std::string>(const std::string& pattern)> glob;
};
// A reader over an in-memory set of files (path -> text); glob matches the
// map's keys with fnmatch(3) (FNM_PATHNAME).
FileReader map_reader(std::map<std::string, std::string> files);

// 1 when there are errors (nothing is written), 3 when a configuration was
// written with warnings, else 0.
int import_exit_code(const ImportResult& result);

// Every diagnostic as one stderr line ("FILE:LINE: warning: MESSAGE"),
// grouped by file in the order the files first appear, in line order within
// a file, those without a line last; warnings and errors interleaved.
std::vector<std::string> import_messages(const ImportResult& result);

// ---- helpers for the importers ----

// The [A-Za-z0-9_.-] characters of `s` (others become '-'), at most `max`
// bytes, as tandem's group, resource and track names take them; `fallback`
// when nothing is left.
std::string plain_name_of(std::string_view s, std::size_t max, std::string_view fallback);

// A check command's argument taken as it is: each % doubled, so that
// tandem's placeholders (%h %p %v) do not read it.
std::string literal_argument(std::string_view s);
// `base`, or `base-2`, `base-3`... : the first not in `used`, which it joins.
std::string unique_name(std::string base, std::set<std::string>& used);

// A diagnostic at a line of the input (column 0, so it prints as
// "FILE:LINE: ..."); line 0 for the file as a whole.
Diagnostic diagnostic_at(const std::string& file, int line, std::string message);

// The facts a complete tandem.toml needs when a format holds none of them
// (ipvsadm): this director's name (--node), the peer's (--peer) and at least
// one link (--peer-address IFACE=ADDR). Adds one error per missing or bad
// fact, naming the flag that supplies it; `why` ends each message, e.g.
// "ipvsadm rules hold no cluster facts". Returns whether all are there.
bool check_cluster_options(const ImportOptions& options, const std::string& file, const std::string& why,
                           ImportResult& result);
// `[node]` with name = options.node, its source the option (or "this host's
// name").
void write_node(TomlWriter& out, const ImportOptions& options);
// `peer = options.peer` inside the [cluster] table the caller opened.
void write_peer(TomlWriter& out, const ImportOptions& options);
// One [[link]] per --peer-address, named after its interface.
void write_links(TomlWriter& out, const ImportOptions& options);

// The shell command that makes /etc/tandem/authkeys with a fresh sha256 key
// (for the warnings of formats that hold no heartbeat key).
std::string new_authkeys_command();

// The head of a tandem.toml made from a format that holds no cluster facts
// (ipvsadm rules, ldirectord.cf): its header comments and, unless
// options.services_only, [node], [cluster] peer and [[link]] from the
// options, with the warning that the authkeys file must be made. `what`
// names the input kind as its sentences start ("ipvsadm rules hold",
// "ldirectord.cf holds": `what` + " " + `holds`), `format` the importer.
void write_services_head(TomlWriter& out, const ImportOptions& options, const std::string& file,
                         const std::string& what, const std::string& holds, const std::string& format,
                         ImportResult& result);

// Checks the finished text with config::parse_config, as tandemd
// --check-config does (without reading the authkeys file). With
// `services_only`, a stub [cluster] and [[link]] are appended for the check.
// Each problem becomes an error naming the output line: an importer must
// never write a file tandemd would refuse.
void check_output(const std::string& toml, bool services_only, const std::string& file, ImportResult& result);

}  // namespace tandem::config::legacy
