// The piranha importer (LEGACY-FORMATS 5): lvs.cf's global keys become
// [node], [cluster], the [[link]]s to the other director, the floating
// gateway [[vip]] (nat_router) and [sync]; piranha_virtual.cpp does the
// virtual blocks. Values pulse would refuse are errors, as pulse rejects the
// whole file; keys tandem has no use for are located warnings.
#include "config/legacy/piranha.hpp"

#include <algorithm>
#include <array>

#include "config/legacy/piranha_keys.hpp"
#include "config/names.hpp"

namespace tandem::config::legacy {
namespace {

using namespace piranha;

constexpr std::array<std::string_view, 7> kKeepalivedWords = {
    "virtual_server", "real_server", "global_defs", "vrrp_instance", "vrrp_sync_group", "vrrp_script", "static_ipaddress"};

// A keepalived.conf saved as lvs.cf (a piranha-GUI fork writes those): its
// first line that starts with a keepalived block keyword.
int keepalived_line(std::string_view text) {
  int number = 1;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(begin, end - begin);
    while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
    for (auto w : kKeepalivedWords)
      if (l.starts_with(w) && (l.size() == w.size() || l[w.size()] == ' ' || l[w.size()] == '\t' || l[w.size()] == '{'))
        return number;
    begin = end + 1;
    ++number;
  }
  return 0;
}

struct Director {
  std::string key;  // "primary", "backup_private", ...
  IpAddress ip;
  const Entry* entry;
};

class Importer {
 public:
  Importer(std::string file, const ImportOptions& options) : options_(options) { cx_.file = std::move(file); }
  ImportResult run(std::string_view text);

 private:
  void globals(const Keys& g);
  void directors(const Keys& g);
  void links_and_role();
  void write_cluster(TomlWriter& out, const Keys& g);
  void write_sync(TomlWriter& out, const Keys& g);

  Context cx_;
  const ImportOptions& options_;
  Globals globals_;
  std::vector<VipSpec> vips_;
  std::vector<Director> primary_, backup_;  // the addresses of each side
  bool this_is_primary_ = false;
  bool role_known_ = false;
  struct LinkOut {
    std::string iface;
    IpAddress peer;
    Source from, option;
  };
  std::vector<LinkOut> links_;
  bool sync_ = false;
};

void Importer::globals(const Keys& g) {
  auto warn = [&](const char* key, const std::string& m) {
    if (const Entry* e = g.get(key)) cx_.warn(e->line, m);
  };
  warn("serial_no", "serial_no (the piranha GUI's edit counter) is not carried over: tandem.toml needs none; keep "
                    "the file in version control instead");
  if (const Entry* s = g.get("service")) {
    const std::string& v = s->values[0].text;
    if (v == "fos")
      cx_.warn(s->line, "service = fos: pulse ran the failover blocks, which tandem does not import (see their "
                        "warnings); the virtual blocks are imported as IPVS services");
    else if (v != "lvs")
      cx_.error(s->line, "service = " + value_text(*s) + ": lvs or fos");
  }
  for (const char* key : {"primary_shared", "backup_shared"})
    warn(key, std::string(key) + " is not carried over: tandem has no shared-device heartbeat; the [[link]]s carry "
                                 "the heartbeat (add one per network for redundancy)");
  if (const Entry* e = g.get("backup_active"))
    if (auto v = boolean(cx_, *e); v && !*v)
      cx_.warn(e->line, "backup_active = 0 kept pulse's backup passive; tandem always runs the pair: start tandemd on "
                        "the backup only when it should be able to take over");
  if (const Entry* e = g.get("heartbeat"))
    if (auto v = boolean(cx_, *e); v && !*v)
      cx_.warn(e->line, "heartbeat = 0 turned pulse's heartbeat off; tandem always sends heartbeats on its "
                        "[[link]]s (there is no failover without them)");
  if (const Entry* e = g.get("network")) {
    const std::string& v = e->values[0].text;
    if (v == "nat") globals_.forwarding = ForwardingMethod::nat;
    else if (v == "direct") globals_.forwarding = ForwardingMethod::dr;
    else if (v == "tunnel") globals_.forwarding = ForwardingMethod::tun;
    else cx_.error(e->line, "network = " + value_text(*e) + ": nat, direct or tunnel");
    globals_.forwarding_source = cx_.source(*e);
  } else {
    globals_.forwarding_source = cx_.piranha_default("network nat");
  }
  if (const Entry* e = g.get("nat_router")) {
    const auto ip = ipv4(cx_, *e, 0);
    const std::string& dev = e->values[1].text;
    const std::string iface = dev.substr(0, dev.find(':'));
    const Entry* mask = g.get("nat_nmask");
    if (auto problem = interface_problem(iface)) {
      cx_.error(e->line, "nat_router = " + value_text(*e) + ": the interface " + *problem);
    } else if (!is_plain_utf8(dev) || dev.size() > 15 || dev.ends_with(":")) {
      cx_.error(e->line, "nat_router = " + value_text(*e) + ": \"" + comment_safe(dev) +
                             "\" is not an interface or alias such as eth1:1 (at most 15 characters)");
    } else if (!mask) {
      cx_.error(e->line, "nat_router: the gateway's netmask is not in lvs.cf: add nat_nmask = 255.255.255.0 "
                         "(yours), and import again");
    } else if (auto len = netmask(cx_, *mask); len && ip) {
      add_vip(cx_, vips_,
              VipSpec{IpPrefix{*ip, *len}, iface, dev.find(':') == std::string::npos ? "" : dev,
                      {cx_.source(*e), cx_.source(*mask)},
                      "nat_router: the real servers' gateway, which moves with the VIPs"},
              e->line);
    }
  } else {
    warn("nat_nmask", "nat_nmask without nat_router is not carried over: it is the netmask of nat_router");
  }
  if (const Entry* e = g.get("monitor_links"))
    if (auto v = boolean(cx_, *e); v && *v)
      cx_.warn(e->line, "monitor_links = 1 is not carried over: add a [[track]] type = \"interface\" for each "
                        "interface whose carrier this director needs, so that a lost link hands the VIPs over");
  const Entry* syncd = g.get("syncdaemon");
  if (syncd)
    if (auto v = boolean(cx_, *syncd)) sync_ = *v;
  if (!sync_)
    for (const char* key : {"syncd_iface", "syncd_id"})
      warn(key, std::string(key) + " is not carried over: it applies only with syncdaemon = 1");
  for (const char* key : {"tcp_timeout", "tcpfin_timeout", "udp_timeout"})
    if (const Entry* e = g.get(key))
      if (auto v = integer(cx_, *e, 0xffffffffu); v && *v)
        cx_.warn(e->line, std::string(key) + " is not carried over: write it in [ipvs] as " + key + " = \"" +
                              std::to_string(*v) + "s\"");
  for (const char* key : {"active_cmd", "inactive_cmd"})
    warn(key, std::string(key) + " is not carried over: make it a [notify] command = [\"/path\"] (run on every "
                                 "role change with the new role, the old one and the reason), or a [[resource]] "
                                 "started and stopped with the VIPs");
  warn("rsh_command", "rsh_command is not carried over: tandem does not copy files between the directors or poll "
                      "load over rsh/ssh; install each director's tandem.toml yourself");
  warn("reservation_conflict_action",
       "reservation_conflict_action is not carried over: tandem uses no shared-disk reservations");
  if (const Entry* e = g.get("hard_shutdown")) boolean(cx_, *e);
  warn("hard_shutdown", "hard_shutdown is not carried over: tandem does not fence or power off its peer; against "
                        "split brain give it two [[link]]s on separate networks");
  warn("debug_level", "debug_level is not carried over: tandemd logs its state changes to the journal; tandemctl "
                      "status shows the current state");
  warn("ipvsadm", "ipvsadm is not carried over: tandemd programs IPVS itself (netlink), without the ipvsadm program");
  if (const Entry* e = g.get("sync")) boolean(cx_, *e);
  warn("sync", "sync (piranha's file sync to the backup) is not carried over: install each director's tandem.toml "
               "yourself");
}

void Importer::directors(const Keys& g) {
  for (const char* key : {"primary", "primary_private", "backup", "backup_private"}) {
    const Entry* e = g.get(key);
    if (!e) continue;
    const auto ip = ipv4(cx_, *e);
    if (!ip) continue;
    const bool is_backup = std::string_view(key).starts_with("backup");
    if (ip->str() == "0.0.0.0") {
      if (!is_backup) cx_.error(e->line, std::string(key) + " = 0.0.0.0: give the primary director's address");
      else cx_.warn(e->line, std::string(key) + " = 0.0.0.0 (no backup director) is not carried over: tandem runs a "
                                                "pair, whose peer address comes from --peer-address");
      continue;
    }
    (is_backup ? backup_ : primary_).push_back({key, *ip, e});
  }
}

std::string addresses(const std::vector<Director>& side) {
  std::string out;
  for (const auto& d : side) out += (out.empty() ? "" : " ") + std::string("--peer-address IFACE=") + d.ip.str();
  return out;
}

void Importer::links_and_role() {
  if (primary_.empty() || backup_.empty()) {
    check_cluster_options(options_, cx_.file,
                          "lvs.cf names no " + std::string(primary_.empty() ? "primary" : "backup") +
                              " director, so the links come from --peer-address alone",
                          cx_.result);
    for (const auto& [iface, addr] : options_.peer_addresses)
      if (auto ip = IpAddress::parse(addr))
        links_.push_back({iface, *ip, Source{"--peer-address", 0, iface + "=" + addr}, {}});
    return;
  }
  const std::string how = "lvs.cf names the directors by address but not which one this is, nor the interfaces: "
                          "on the primary give " + addresses(backup_) + ", on the backup " + addresses(primary_) +
                          " (IFACE: this director's interface on that network)";
  if (!check_cluster_options(options_, cx_.file, how, cx_.result)) return;
  int sides = 0;  // bit 1: an address of the backup, bit 2: of the primary
  for (const auto& [iface, addr] : options_.peer_addresses) {
    const auto ip = IpAddress::parse(addr);
    auto match = [&](const std::vector<Director>& side) {
      return std::find_if(side.begin(), side.end(), [&](const Director& d) { return d.ip == *ip; });
    };
    if (auto b = match(backup_); b != backup_.end()) {
      sides |= 1;
      links_.push_back({iface, *ip, cx_.source(*b->entry), Source{"--peer-address", 0, iface + "=" + addr}});
    } else if (auto p = match(primary_); p != primary_.end()) {
      sides |= 2;
      links_.push_back({iface, *ip, cx_.source(*p->entry), Source{"--peer-address", 0, iface + "=" + addr}});
    } else {
      cx_.error(0, "--peer-address " + iface + "=" + addr + ": not an address of a director in lvs.cf; " + how);
    }
  }
  if (sides == 3) {
    cx_.error(0, "--peer-address: some addresses are the primary's and some the backup's; give the other "
                 "director's only: " + how);
    return;
  }
  if (!sides) return;
  this_is_primary_ = sides == 1;
  role_known_ = true;
  for (const Director& d : this_is_primary_ ? backup_ : primary_) {
    const bool given = std::any_of(links_.begin(), links_.end(), [&](const LinkOut& l) { return l.peer == d.ip; });
    if (!given)
      cx_.error(d.entry->line, d.key + " = " + d.ip.str() + " is a heartbeat link to the other director, and lvs.cf "
                                                           "does not say its interface: give --peer-address IFACE=" +
                                   d.ip.str());
  }
  std::sort(links_.begin(), links_.end(), [](const LinkOut& a, const LinkOut& b) { return a.from.line < b.from.line; });
}

void Importer::write_cluster(TomlWriter& out, const Keys& g) {
  write_node(out, options_);
  out.table("cluster");
  write_peer(out, options_);
  if (role_known_) {
    const Director& p = primary_.front();
    const Source src = cx_.source(*p.entry);
    out.string("preferred", this_is_primary_ ? options_.node : options_.peer, &src);
    out.comment(this_is_primary_ ? "lvs.cf's primary is this director (--peer-address gives the backup's addresses)"
                                 : "lvs.cf's primary is the peer (--peer-address gives its addresses)");
  }
  std::int64_t keepalive = 2, deadtime = 5;
  const Entry* ka = g.get("keepalive");
  const Entry* dt = g.get("deadtime");
  if (ka)
    if (auto v = integer(cx_, *ka, 3600)) keepalive = static_cast<std::int64_t>(*v);
  if (dt)
    if (auto v = integer(cx_, *dt, 3600)) deadtime = static_cast<std::int64_t>(*v);
  if (keepalive == 0) cx_.error(ka->line, "keepalive = 0: give the heartbeat period in seconds (at least 1)");
  else if (deadtime <= 2 * keepalive)
    cx_.error(dt ? dt->line : (ka ? ka->line : 0),
              "deadtime " + std::to_string(deadtime) + " must exceed 2 x keepalive (" + std::to_string(keepalive) +
                  ") for tandem, which declares the peer dead only after two lost heartbeats: raise deadtime to " +
                  std::to_string(2 * keepalive + 1));
  const Source ka_src = ka ? cx_.source(*ka) : cx_.piranha_default("keepalive 2");
  const Source dt_src = dt ? cx_.source(*dt) : cx_.piranha_default("deadtime 5");
  out.duration("interval", Duration(keepalive * 1000), &ka_src);
  out.duration("deadtime", Duration(deadtime * 1000), &dt_src);
  out.comment("lvs.cf has no warntime or initdead: warntime is halfway to deadtime, initdead twice deadtime");
  out.duration("warntime", Duration((keepalive + deadtime) * 500));
  out.duration("initdead", Duration(deadtime * 2000));
  const Entry* hp = g.get("heartbeat_port");
  std::int64_t hport = 539;
  if (hp)
    if (auto v = integer(cx_, *hp, 65535)) {
      if (*v == 0) cx_.error(hp->line, "heartbeat_port = 0: a UDP port 1..65535");
      hport = static_cast<std::int64_t>(*v);
    }
  const Source hp_src = hp ? cx_.source(*hp) : cx_.piranha_default("heartbeat_port 539");
  out.integer("port", hport, &hp_src);
  out.comment("lvs.cf holds no heartbeat keys: tandem signs its heartbeats with /etc/tandem/authkeys");
  for (const LinkOut& l : links_) {
    if (l.option.file.empty()) {
      out.array_table("link");
    } else {
      out.array_table("link", &l.from);
    }
    out.string("name", l.iface);
    out.string("interface", l.iface, l.option.file.empty() ? &l.from : &l.option);
    out.string("peer", l.peer.str());
  }
  for (const VipSpec& v : vips_) {
    for (std::size_t i = 1; i < v.sources.size(); ++i) out.source(v.sources[i]);
    out.array_table("vip", &v.sources.front());
    out.comment(v.comment);
    out.string("address", v.prefix.str());
    out.string("interface", v.interface);
    if (!v.label.empty()) out.string("label", v.label);
  }
}

void Importer::write_sync(TomlWriter& out, const Keys& g) {
  const Entry* syncd = g.get("syncdaemon");
  std::string iface = "eth0";
  Source isrc = cx_.piranha_default("syncd_iface eth0");
  if (const Entry* e = g.get("syncd_iface")) {
    iface = e->values[0].text;
    isrc = cx_.source(*e);
    if (auto problem = interface_problem(iface)) return cx_.error(e->line, "syncd_iface: the interface " + *problem);
    if (!is_plain_utf8(iface)) return cx_.error(e->line, "syncd_iface is not UTF-8");
  }
  std::int64_t id = 0;
  Source idsrc = cx_.piranha_default("syncd_id 0");
  if (const Entry* e = g.get("syncd_id")) {
    const auto v = integer(cx_, *e, 255);
    if (!v) return;
    id = static_cast<std::int64_t>(*v);
    idsrc = cx_.source(*e);
  }
  const Source src = cx_.source(*syncd);
  out.table("sync", &src);
  out.comment("tandemd runs the sync daemon as master on the active director and as backup on the other.");
  out.string("interface", iface, &isrc);
  out.integer("syncid", id, &idsrc);
}

ImportResult Importer::run(std::string_view text) {
  if (const int line = keepalived_line(text)) {
    cx_.error(line, "this is keepalived.conf syntax, not lvs.cf (some piranha-GUI forks write keepalived.conf "
                    "under this name): use tandemctl import keepalived FILE");
    return std::move(cx_.result);
  }
  File file = read_lvs_cf(text, cx_.file);
  for (auto& e : file.errors) cx_.result.errors.push_back(std::move(e));
  if (cx_.result.errors.empty() && file.entries.empty() && file.blocks.empty())
    cx_.error(0, "nothing to import: the file holds no lvs.cf keys (it is empty, or only comments)");
  const Keys g(cx_, file.entries, Scope::global, "");
  globals(g);
  if (!options_.services_only) {
    directors(g);
    links_and_role();
  }
  TomlWriter services;
  import_virtuals(cx_, file, globals_, vips_, services);

  TomlWriter out;
  out.comment("tandem.toml imported from " + cx_.file + " (piranha lvs.cf) by tandemctl import piranha.");
  out.comment("Each item names the line it came from; read the warnings before using it.");
  if (options_.services_only)
    out.comment("Only the IPVS part (--services-only): paste it into a tandem.toml that has [node], [cluster], "
                "[[link]] and the [[vip]]s.");
  out.blank();
  if (!options_.services_only) write_cluster(out, g);
  else
    for (const VipSpec& v : vips_)
      cx_.warn(v.sources.front().line, v.prefix.str() + " on " + v.interface +
                                           " is not written (--services-only): the tandem.toml it goes into needs "
                                           "it as a [[vip]]");
  if (sync_) write_sync(out, g);
  if (!cx_.result.errors.empty()) {
    cx_.result.toml.clear();
    return std::move(cx_.result);
  }
  if (!options_.services_only)
    cx_.warn(0, "lvs.cf holds no heartbeat keys (pulse's heartbeat is unsigned): tandemd needs /etc/tandem/authkeys "
                "(mode 0600), the same on both directors, e.g. printf 'auth 1\\n1 sha256 %s\\n' \"$(openssl rand -hex "
                "32)\" > /etc/tandem/authkeys; chmod 600 /etc/tandem/authkeys");
  std::string toml = out.text();
  if (!services.text().empty()) toml += (toml.ends_with("\n\n") ? "" : "\n") + services.text();
  check_output(toml, options_.services_only, cx_.file, cx_.result);
  if (cx_.result.errors.empty()) cx_.result.toml = std::move(toml);
  return std::move(cx_.result);
}

}  // namespace

ImportResult import_piranha(std::string_view text, const std::string& path, const ImportOptions& options) {
  return Importer(options.input_name.empty() ? path : options.input_name, options).run(text);
}

}  // namespace tandem::config::legacy
