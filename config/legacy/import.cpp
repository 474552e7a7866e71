#include "config/legacy/import.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "config/address.hpp"
#include "config/config.hpp"
#include "config/names.hpp"

namespace tandem::config::legacy {

int import_exit_code(const ImportResult& result) {
  if (!result.errors.empty()) return 1;
  if (!result.warnings.empty()) return 3;
  return 0;
}

std::vector<std::string> import_messages(const ImportResult& result) {
  struct Entry {
    const Diagnostic* d;
    const char* severity;
  };
  std::vector<Entry> all;
  for (const auto& w : result.warnings) all.push_back({&w, "warning"});
  for (const auto& e : result.errors) all.push_back({&e, "error"});
  std::vector<std::string> files;  // in order of first appearance
  for (const auto& e : all)
    if (std::find(files.begin(), files.end(), e.d->file) == files.end()) files.push_back(e.d->file);
  auto file_index = [&](const Entry& e) { return std::find(files.begin(), files.end(), e.d->file) - files.begin(); };
  std::stable_sort(all.begin(), all.end(), [&](const Entry& a, const Entry& b) {
    const auto fa = file_index(a), fb = file_index(b);
    if (fa != fb) return fa < fb;
    const int la = a.d->line > 0 ? a.d->line : 1 << 30;
    const int lb = b.d->line > 0 ? b.d->line : 1 << 30;
    return la < lb;
  });
  std::vector<std::string> lines;
  for (const auto& e : all) lines.push_back(e.d->format(e.severity));
  return lines;
}

FileReader map_reader(std::map<std::string, std::string> files) {
  auto shared = std::make_shared<const std::map<std::string, std::string>>(std::move(files));
  FileReader r;
  r.read = [shared](const std::string& path) {
    InputFile f;
    if (auto it = shared->find(path); it != shared->end()) {
      f.found = true;
      f.text = it->second;
    }
    return f;
  };
  r.glob = [shared](const std::string& pattern) {
    std::vector<std::string> out;  // the map is sorted
    for (const auto& [path, text] : *shared)
      if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) out.push_back(path);
    return out;
  };
  return r;
}

std::string plain_name_of(std::string_view s, std::size_t max, std::string_view fallback) {
  std::string out;
  for (char c : s) {
    if (out.size() == max) break;
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ? c : '-';
  }
  return out.empty() ? std::string(fallback) : out;
}

std::string unique_name(std::string base, std::set<std::string>& used) {
  std::string name = base;
  for (int i = 2; !used.insert(name).second; ++i) name = base + "-" + std::to_string(i);
  return name;
}

Diagnostic diagnostic_at(const std::string& file, int line, std::string message) {
  return Diagnostic{file, line, 0, std::move(message)};
}

bool check_cluster_options(const ImportOptions& options, const std::string& file, const std::string& why,
                           ImportResult& result) {
  const std::size_t before = result.errors.size();
  const std::string tail = why.empty() ? "" : "; " + why;
  auto missing = [&](std::string message) { result.errors.push_back(diagnostic_at(file, 0, std::move(message))); };
  if (options.node.empty())
    missing("[node] name: this director's node name is needed: give --node NAME" + tail);
  else if (auto problem = node_name_problem(options.node))
    missing("--node \"" + comment_safe(options.node) + "\": a node name " + *problem);
  else if (!is_plain_utf8(options.node))
    missing("--node \"" + comment_safe(options.node) + "\": a node name must be UTF-8");
  if (options.peer.empty())
    missing("[cluster] peer: the other director's node name is needed: give --peer NAME" + tail);
  else if (auto problem = node_name_problem(options.peer))
    missing("--peer \"" + comment_safe(options.peer) + "\": a node name " + *problem);
  else if (!is_plain_utf8(options.peer))
    missing("--peer \"" + comment_safe(options.peer) + "\": a node name must be UTF-8");
  else if (options.peer == options.node)
    missing("--peer \"" + options.peer + "\" is this director's own name (--node): give the other director's");
  if (options.peer_addresses.empty())
    missing(
        "[[link]]: the peer's heartbeat address is needed: give --peer-address IFACE=ADDR (the local interface and "
        "the peer's address on it), once per link" +
        tail);
  for (const auto& [iface, addr] : options.peer_addresses) {
    if (auto problem = interface_problem(iface))
      missing("--peer-address " + iface + "=" + addr + ": the interface " + *problem);
    else if (!is_plain_utf8(iface))
      missing("--peer-address " + comment_safe(iface) + "=" + addr + ": the interface name must be UTF-8");
    const auto ip = IpAddress::parse(addr);
    if (!ip)
      missing("--peer-address " + iface + "=" + addr + ": \"" + addr + "\" is not an IPv4 or IPv6 address");
    else if (ip->is_multicast())
      missing("--peer-address " + iface + "=" + addr + ": a multicast address is not a peer's address");
  }
  return result.errors.size() == before;
}

void write_node(TomlWriter& out, const ImportOptions& options) {
  const Source src{options.node_from_hostname ? "this host's name (no --node given)" : "--node", 0,
                   options.node_from_hostname ? "" : options.node};
  out.table("node");
  out.string("name", options.node, &src);
}

void write_peer(TomlWriter& out, const ImportOptions& options) {
  const Source src{"--peer", 0, options.peer};
  out.string("peer", options.peer, &src);
}

void write_links(TomlWriter& out, const ImportOptions& options) {
  for (const auto& [iface, addr] : options.peer_addresses) {
    const Source src{"--peer-address", 0, iface + "=" + addr};
    const auto ip = IpAddress::parse(addr);
    out.array_table("link");
    out.string("name", iface);
    out.string("interface", iface);
    out.string("peer", ip ? ip->str() : addr, &src);
  }
}

std::string new_authkeys_command() {
  return "printf 'auth 1\\n1 sha256 %s\\n' \"$(openssl rand -hex 32)\" > /etc/tandem/authkeys; chmod 600 "
         "/etc/tandem/authkeys";
}

void write_services_head(TomlWriter& out, const ImportOptions& options, const std::string& file,
                         const std::string& what, const std::string& holds, const std::string& format,
                         ImportResult& result) {
  out.comment("tandem.toml imported from " + file + " (" + what + ") by tandemctl import " + format + ".");
  out.comment("Each item names the line it came from; read the warnings before using it.");
  if (options.services_only)
    out.comment("Only the IPVS part (--services-only): paste it into a tandem.toml that has [node], [cluster] and "
                "[[link]].");
  out.blank();
  if (options.services_only) return;
  write_node(out, options);
  out.table("cluster");
  write_peer(out, options);
  out.comment(what + " " + holds + " no heartbeat settings: interval, deadtime, warntime, initdead, port and");
  out.comment("authkeys take tandem's defaults (200ms, 1s, 600ms, 3s, 694, \"/etc/tandem/authkeys\").");
  write_links(out, options);
  result.warnings.push_back(diagnostic_at(
      file, 0,
      what + " " + holds +
          " no heartbeat keys: tandemd needs /etc/tandem/authkeys (mode 0600), the same on both directors, e.g. " +
          new_authkeys_command()));
}

void check_output(const std::string& toml, bool services_only, const std::string& file, ImportResult& result) {
  std::string text = toml;
  if (services_only)
    text +=
        "\n[node]\nname = \"import-check-a\"\n[cluster]\npeer = \"import-check-b\"\n"
        "[[link]]\nname = \"check\"\ninterface = \"lo\"\npeer = \"127.0.0.2\"\n";
  const auto parsed = parse_config(text, "tandem.toml", ParseOptions{"import-check-a"});
  for (const auto& e : parsed.errors)
    result.errors.push_back(diagnostic_at(
        file, 0,
        "the imported configuration would fail tandemd --check-config (" + e.format() +
            "): this is a bug of the importer, please report it with the input"));
}

std::string literal_argument(std::string_view s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}

}  // namespace tandem::config::legacy
