// Inside the piranha importer: the keys lvs.cf knows in each scope
// (LEGACY-FORMATS 5.2-5.4), with piranha's value rules, and what the two
// halves of the importer (piranha.cpp: globals and cluster; piranha_virtual.cpp:
// virtual and server blocks) share.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.hpp"
#include "config/config.hpp"
#include "config/legacy/import.hpp"
#include "config/legacy/piranha_file.hpp"

namespace tandem::config::legacy::piranha {

enum class Scope { global, virtual_block, failover, server };

struct Context {
  std::string file;
  ImportResult result;
  void warn(int line, std::string m) { result.warnings.push_back(diagnostic_at(file, line, std::move(m))); }
  void error(int line, std::string m) { result.errors.push_back(diagnostic_at(file, line, std::move(m))); }
  Source source(const Entry& e) const { return Source{file, e.line, e.text}; }
  Source source(const Block& b) const { return Source{file, b.line, b.text}; }
  // A default of piranha's, for a key the file leaves out.
  Source piranha_default(const std::string& text) const { return Source{"piranha's default:", 0, text}; }
};

// The keys of one scope. An unknown key is an error (pulse rejects the whole
// file: BADCOMMAND), as is a wrong number of values (CHECK_ARGS). A key
// given twice: the last one counts, as in pulse, and the earlier one is
// reported.
class Keys {
 public:
  Keys(Context& cx, const std::vector<Entry>& entries, Scope scope, const std::string& where);
  const Entry* get(std::string_view key) const;
  // The keys present, in file order (each once, the one that counts).
  const std::vector<const Entry*>& all() const { return kept_; }

 private:
  std::vector<const Entry*> kept_;
};

// Values (each reports its own error at the entry's line).
std::optional<std::uint64_t> integer(Context& cx, const Entry& e, std::uint64_t max);
std::optional<bool> boolean(Context& cx, const Entry& e);
// An IPv4 address; a host name is refused (the importer resolves none).
std::optional<IpAddress> ipv4(Context& cx, const Entry& e, std::size_t index = 0);
// A dotted netmask, as its prefix length.
std::optional<int> netmask(Context& cx, const Entry& e);
// A port number, or one of the common /etc/services names.
std::optional<std::uint16_t> port(Context& cx, const Entry& e);
// The value as written (quotes dropped), for messages.
std::string value_text(const Entry& e);

// What the virtual blocks need from the globals.
struct Globals {
  ForwardingMethod forwarding = ForwardingMethod::nat;
  Source forwarding_source;
};

struct VipSpec {
  IpPrefix prefix;
  std::string interface, label;
  std::vector<Source> sources;  // the address line first
  std::string comment;
};

// Reads every virtual and failover block: the VIPs they need (added to
// `vips`, one per address) and the [[virtual_server]] tables (into `out`).
void import_virtuals(Context& cx, const File& file, const Globals& globals, std::vector<VipSpec>& vips,
                     TomlWriter& out);

// Adds `vip` unless the address is there already (then the sources are
// merged; a different prefix or interface is an error).
void add_vip(Context& cx, std::vector<VipSpec>& vips, VipSpec vip, int line);

}  // namespace tandem::config::legacy::piranha
