// lvs.cf's keys per scope and piranha's value rules (LEGACY-FORMATS 5.1-5.4).
#include "config/legacy/piranha_keys.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace tandem::config::legacy::piranha {
namespace {

constexpr unsigned bit(Scope s) { return 1u << static_cast<unsigned>(s); }
constexpr unsigned kGlobal = bit(Scope::global);
constexpr unsigned kVirtual = bit(Scope::virtual_block);
constexpr unsigned kFailover = bit(Scope::failover);
constexpr unsigned kServer = bit(Scope::server);
constexpr unsigned kService = kVirtual | kFailover;

struct KeySpec {
  std::string_view name;
  unsigned scopes;
  int values;  // exact count; -1: one or more
};

constexpr std::array<KeySpec, 54> kKeys = {{
    // 5.2 global
    {"serial_no", kGlobal, 1}, {"service", kGlobal, 1}, {"primary", kGlobal, 1}, {"primary_private", kGlobal, 1},
    {"primary_shared", kGlobal, 1}, {"backup", kGlobal, 1}, {"backup_private", kGlobal, 1},
    {"backup_shared", kGlobal, 1}, {"backup_active", kGlobal, 1}, {"heartbeat", kGlobal, 1},
    {"heartbeat_port", kGlobal, 1}, {"keepalive", kGlobal, 1}, {"deadtime", kGlobal, 1}, {"network", kGlobal, 1},
    {"nat_router", kGlobal, 2}, {"nat_nmask", kGlobal, 1}, {"monitor_links", kGlobal, 1},
    {"syncdaemon", kGlobal, 1}, {"syncd_iface", kGlobal, 1}, {"syncd_id", kGlobal, 1},
    {"tcp_timeout", kGlobal, 1}, {"tcpfin_timeout", kGlobal, 1}, {"udp_timeout", kGlobal, 1},
    {"active_cmd", kGlobal, 1}, {"inactive_cmd", kGlobal, 1}, {"rsh_command", kGlobal, 1},
    {"reservation_conflict_action", kGlobal, 1}, {"hard_shutdown", kGlobal, 1}, {"debug_level", kGlobal, 1},
    {"ipvsadm", kGlobal, 1}, {"sync", kGlobal, 1},
    // 5.3 virtual (and failover)
    {"active", kService | kServer, 1}, {"address", kService, 2}, {"vip_nmask", kService, 1},
    {"port", kService | kServer, 1}, {"protocol", kService, 1}, {"fwmark", kVirtual, 1},
    {"scheduler", kVirtual, 1}, {"persistent", kVirtual, 1}, {"pmask", kVirtual, 1},
    {"sorry_server", kVirtual, 1}, {"send", kService, 1}, {"expect", kService, 1}, {"use_regex", kService, 1},
    {"send_program", kService, 1}, {"timeout", kService, 1}, {"reentry", kService, 1},
    {"quiesce_server", kVirtual, 1}, {"load_monitor", kVirtual, 1}, {"client_monitor", kService, 1},
    {"start_cmd", kFailover, 1}, {"stop_cmd", kFailover, 1}, {"master", kService, 1}, {"dirs", kService, -1},
}};
// 5.4 server: `address` takes one value there.
constexpr KeySpec kServerAddress = {"address", kServer, 1};
constexpr KeySpec kServerWeight = {"weight", kServer, 1};

const KeySpec* find_key(std::string_view name, Scope scope) {
  if (scope == Scope::server && name == "address") return &kServerAddress;
  if (scope == Scope::server && name == "weight") return &kServerWeight;
  for (const auto& k : kKeys)
    if (k.name == name && (k.scopes & bit(scope))) return &k;
  return nullptr;
}

const char* scope_name(Scope s) {
  switch (s) {
    case Scope::global: return "the global section";
    case Scope::virtual_block: return "a virtual block";
    case Scope::failover: return "a failover block";
    case Scope::server: return "a server block";
  }
  return "";
}

struct ServiceName {
  std::string_view name;
  std::uint16_t port;
};
// The /etc/services names seen in lvs.cf files (the importer reads no
// system file).
constexpr std::array<ServiceName, 18> kServices = {{
    {"ftp", 21},    {"ssh", 22},    {"telnet", 23},  {"smtp", 25},    {"domain", 53},   {"http", 80},
    {"www", 80},    {"pop3", 110},  {"ntp", 123},    {"imap", 143},   {"imap2", 143},   {"snmp", 161},
    {"ldap", 389},  {"https", 443}, {"imaps", 993},  {"pop3s", 995},  {"mysql", 3306},  {"http-alt", 8080},
}};

}  // namespace

Keys::Keys(Context& cx, const std::vector<Entry>& entries, Scope scope, const std::string& where) {
  for (const Entry& e : entries) {
    const KeySpec* spec = find_key(e.key, scope);
    if (!spec) {
      bool elsewhere = false;
      for (Scope s : {Scope::global, Scope::virtual_block, Scope::failover, Scope::server})
        if (s != scope && find_key(e.key, s)) elsewhere = true;
      cx.error(e.line, "\"" + comment_safe(e.key) + "\" " +
                           (elsewhere ? std::string("does not belong in ") + scope_name(scope) + (where.empty() ? "" : " (" + where + ")")
                                      : std::string("is not an lvs.cf key")) +
                           ": pulse rejects the whole file (BADCOMMAND); remove or fix the line");
      continue;
    }
    const int n = static_cast<int>(e.values.size());
    if ((spec->values >= 0 && n != spec->values) || (spec->values < 0 && n == 0)) {
      std::string m = e.key + " takes " +
                      (spec->values == 2 ? std::string("exactly 2 values") : spec->values == 1 ? "one value" : "values") +
                      ", not " + std::to_string(n) + ": pulse rejects the file (" + (n > spec->values ? "EXTRAARGS" : "missing value") + ")";
      if (n > 1 && spec->values == 1) {
        if (e.values[1].text.starts_with("#")) m += "; lvs.cf has no comments after a value: put it on a line of its own";
        else m += "; quote a value with blanks: " + e.key + " = \"...\"";
      }
      cx.error(e.line, m);
      continue;
    }
    const auto old = std::find_if(kept_.begin(), kept_.end(), [&](const Entry* k) { return k->key == e.key; });
    if (old != kept_.end()) {
      cx.warn((*old)->line, e.key + " is given again at line " + std::to_string(e.line) +
                                ", which counts (pulse keeps the last); this one is not carried over: remove it");
      kept_.erase(old);
    }
    kept_.push_back(&e);
  }
}

const Entry* Keys::get(std::string_view key) const {
  for (const Entry* e : kept_)
    if (e->key == key) return e;
  return nullptr;
}

std::string value_text(const Entry& e) {
  std::string out;
  for (const auto& v : e.values) out += (out.empty() ? "" : " ") + (v.quoted ? "\"" + v.text + "\"" : v.text);
  return comment_safe(out);
}

std::optional<std::uint64_t> integer(Context& cx, const Entry& e, std::uint64_t max) {
  const std::string& t = e.values[0].text;
  if (auto v = parse_integer(t, max)) return v;
  std::string why = "\"" + comment_safe(t) + "\" is not a number 0.." + std::to_string(max);
  if (t.size() > 1 && t[0] == '0' && t.find_first_of("89") != std::string::npos && t.find_first_not_of("0123456789") == std::string::npos)
    why += " (piranha reads a leading 0 as octal, so 8 and 9 are not digits: drop the leading 0)";
  cx.error(e.line, e.key + " = " + comment_safe(t) + ": " + why);
  return std::nullopt;
}

std::optional<bool> boolean(Context& cx, const Entry& e) {
  const std::string& t = e.values[0].text;
  if (t == "0") return false;
  if (t == "1") return true;
  cx.error(e.line, e.key + " = " + comment_safe(t) + ": piranha's booleans are 0 or 1 (yes/no is an error)");
  return std::nullopt;
}

std::optional<IpAddress> ipv4(Context& cx, const Entry& e, std::size_t index) {
  const std::string& t = e.values[index].text;
  const auto ip = IpAddress::parse(t);
  if (ip && ip->is_v4()) return ip;
  const bool name = !t.empty() && std::all_of(t.begin(), t.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                             c == '.' || c == '_';
                    }) && std::any_of(t.begin(), t.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                    });
  if (name)
    cx.error(e.line, e.key + " = " + comment_safe(t) +
                         ": a host name; the importer does not resolve names: write its IPv4 address");
  else
    cx.error(e.line, e.key + " = " + comment_safe(t) + ": \"" + comment_safe(t) + "\" is not an IPv4 address");
  return std::nullopt;
}

std::optional<int> netmask(Context& cx, const Entry& e) {
  if (auto length = ipv4_netmask_length(e.values[0].text)) return length;
  cx.error(e.line, e.key + " = " + comment_safe(e.values[0].text) + ": not a netmask such as 255.255.255.0");
  return std::nullopt;
}

std::optional<std::uint16_t> port(Context& cx, const Entry& e) {
  const std::string& t = e.values[0].text;
  if (!t.empty() && t[0] >= '0' && t[0] <= '9') {
    const auto v = integer(cx, e, 65535);
    if (!v) return std::nullopt;
    return static_cast<std::uint16_t>(*v);
  }
  for (const auto& s : kServices)
    if (s.name == t) return s.port;
  cx.error(e.line, e.key + " = " + comment_safe(t) +
                       ": not a port number, nor a service name the importer knows (it does not read "
                       "/etc/services): write the number");
  return std::nullopt;
}

void add_vip(Context& cx, std::vector<VipSpec>& vips, VipSpec vip, int line) {
  for (auto& v : vips) {
    if (v.prefix.address != vip.prefix.address) continue;
    if (v.prefix.length != vip.prefix.length || v.interface != vip.interface) {
      cx.error(line, vip.prefix.address.str() + " is given as " + vip.prefix.str() + " on " + vip.interface +
                         " here, and as " + v.prefix.str() + " on " + v.interface + " at line " +
                         std::to_string(v.sources.front().line) + ": make them the same");
      return;
    }
    for (auto& s : vip.sources) v.sources.push_back(std::move(s));
    return;
  }
  vips.push_back(std::move(vip));
}

}  // namespace tandem::config::legacy::piranha
