// `tandemctl import heartbeat [DIR]` (LEGACY-FORMATS 1-3): heartbeat v1's
// directory (ha.cf, haresources, authkeys, and the ldirectord.cf that
// haresources starts) turned into one tandem.toml. The readers below keep
// heartbeat's own lexical rules (ha.cf: `#` anywhere ends a line, option
// directives split on ", \t"; haresources: comments stripped before `\`
// continuations are joined, the node lowercased; authkeys: heartbeat's
// sscanf rules); import_heartbeat maps what they read.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "config/legacy/import.hpp"

namespace tandem::config::legacy {

namespace heartbeat {

// One directive of ha.cf, as heartbeat's parse_config sees it.
struct CfLine {
  int line = 0;
  std::string text;                // the physical line as read (for source comments)
  std::string directive;           // the first token
  std::vector<std::string> args;   // option directives: the rest split on ", \t\f"
  std::string rest;                // whole-line directives: the rest, trimmed
};
// Lines of ha.cf: from the first `#` or CR on dropped, blank lines skipped.
// A line holding a NUL byte or bytes that are not UTF-8 outside a comment is
// an error (binary garbage), located in `path`.
std::vector<CfLine> read_ha_cf(std::string_view text, const std::string& path, Diagnostics& errors);

// A time of ha.cf (cl_get_msec): NUMBER [ws] [UNIT], no unit = seconds, a
// unit starting with "ms" = milliseconds, "us" = microseconds, rounded to
// the nearest millisecond; -1 when invalid (any other unit, "s" included).
long long time_ms(std::string_view text);

// One logical line of haresources (continuations joined): a resource group.
struct ResourceLine {
  int line = 0;  // its first physical line
  std::string text;                    // the logical line, blanks squeezed
  std::string node;                    // the first field, lowercased
  std::vector<std::string> resources;  // the other fields
};
std::vector<ResourceLine> read_haresources(std::string_view text, const std::string& path, Diagnostics& errors);

// A resource of haresources: NAME::ARG::ARG..., a bare address being
// IPaddr::ADDRESS (heartbeat's glob [0-9]*.[0-9]*.[0-9]*.[0-9]*).
struct ResourceSpec {
  std::string name;
  std::vector<std::string> args;
};
ResourceSpec resource_spec(std::string_view field);

// IPaddr/IPaddr2's argument IP[/NETMASK[/IFACE[:LABEL]][/BROADCAST]], split
// the way their wrappers' sed does (`//` collapses after the address; a
// third field starting with a digit is the broadcast).
struct IpArgument {
  std::string ip, netmask, interface, label, broadcast;
};
IpArgument ip_argument(std::string_view arg);

}  // namespace heartbeat

// Reads DIR/ha.cf, DIR/haresources, DIR/authkeys (and the ldirectord.cf of
// an `ldirectord[::FILE]` resource: FILE when absolute, else DIR/FILE, then
// DIR/conf/FILE, FILE defaulting to ldirectord.cf) through `files`.
// Diagnostics name the files as DIR/NAME. The [cluster] authkeys key names
// DIR/authkeys, which tandemd reads as it is.
ImportResult import_heartbeat(const std::string& dir, const FileReader& files, const ImportOptions& options);

}  // namespace tandem::config::legacy
