// The heartbeat importer (LEGACY-FORMATS 1-3): ha.cf's timings, media,
// nodes, failback and ping nodes become [cluster], [[link]] and [[track]];
// each haresources line becomes a failover group (one line: the default
// group) with its VIPs and resources; authkeys is checked the way heartbeat
// and tandemd read it and named by [cluster] authkeys. Every directive that
// is not carried over is a warning saying what to do instead; every fact the
// files do not hold is an error naming the flag that supplies it.
#include "config/legacy/heartbeat.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "config/address.hpp"
#include "config/authkeys.hpp"
#include "config/legacy/ldirectord.hpp"
#include "config/names.hpp"

namespace tandem::config::legacy {
namespace {

using heartbeat::CfLine;
using heartbeat::ResourceLine;

constexpr std::string_view kSha256Command =
    "(umask 077; printf 'auth 1\\n1 sha256 %s\\n' \"$(openssl rand -hex 32)\" > /etc/tandem/authkeys)";

// ha.cf's directives (heartbeat 3.0.5 Directives[], WLdirectives, media).
constexpr std::string_view kKnown[] = {
    "node", "keepalive", "deadtime", "warntime", "initdead", "deadping", "udpport", "bcast", "ucast", "mcast",
    "mcast6", "serial", "baud", "ping", "ping6", "hbaping", "ping_group", "auto_failback", "nice_failback",
    "hopfudge", "watchdog", "logfacility", "logfile", "debugfile", "use_logd", "conn_logd_time", "debug",
    "respawn", "failfast", "apiauth", "stonith", "stonith_host", "crm", "pacemaker", "autojoin", "uuidfrom",
    "hbgenmethod", "realtime", "rtprio", "msgfmt", "cluster", "compression", "compression_threshold",
    "traditional_compression", "coredumps", "coreroot", "env", "max_rexmit_delay", "log_badpack",
    "syslogmsgfmt", "memreserve", "record_config_changes", "record_pengine_inputs", "enable_config_writes",
    "quorum_server", "use_apphbd", "normalpoll", "udp"};

std::optional<bool> boolean(std::string_view s) {
  std::string v(s);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (v == "true" || v == "on" || v == "yes" || v == "y" || v == "1") return true;
  if (v == "false" || v == "off" || v == "no" || v == "n" || v == "0") return false;
  return std::nullopt;
}

std::optional<long> number(std::string_view s, long min, long max) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < min || v > max) return std::nullopt;
  return v;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

std::string quoted(std::string_view s) { return "\"" + comment_safe(s) + "\""; }

bool plain_name(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

std::string plain_of(std::string_view s, std::size_t max) { return plain_name_of(s, max, "resource"); }
std::string unique(std::string base, std::set<std::string>& used) { return unique_name(std::move(base), used); }

struct Timing {
  long long ms = -1;  // -1: not given
  const CfLine* line = nullptr;
};

struct Medium {
  enum Kind { bcast, ucast, mcast } kind = bcast;
  std::string interface;
  std::optional<IpAddress> address;  // ucast: a peer, mcast: the group
  long port = 0;                     // the effective port
  const CfLine* line = nullptr;
};

struct Ping {
  std::string name;
  std::vector<IpAddress> addresses;
  bool group = false;
  const CfLine* line = nullptr;
};

struct VipOut {
  IpPrefix address;
  std::string interface, label;
  Source source;
};

struct ResourceOut {
  std::string name, agent;
  std::vector<std::string> args;
  Source source;
};

struct LdirectordOut {
  std::string path;
  std::string text;
  Source source;  // the haresources field that starts ldirectord
};

struct GroupOut {
  std::string name;
  std::string key;  // the first resource, which names the group in heartbeat
  std::string preferred;
  Source source;
  std::vector<VipOut> vips;
  std::vector<ResourceOut> resources;
  std::vector<LdirectordOut> ldirectord;
};

class Importer {
 public:
  Importer(const std::string& dir, const FileReader& files, const ImportOptions& options)
      : files_(files), o_(options) {
    std::string d = dir.empty() ? "." : dir;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    dir_ = d;
    cf_ = join("ha.cf");
    res_ = join("haresources");
    keys_ = join("authkeys");
  }

  ImportResult run() {
    if (o_.services_only) {
      error(dir_, 0,
            "--services-only does not apply to heartbeat's directory: for the virtual servers alone, run "
            "tandemctl import ldirectord --services-only on the ldirectord.cf");
      return std::move(r_);
    }
    const auto cf = read(cf_);
    const auto res = read(res_);
    const auto keys = read(keys_);
    if (cf) read_cf(*cf);
    if (keys) read_keys(*keys);
    decide_nodes();
    if (res) read_resources(*res);
    if (!r_.errors.empty()) return std::move(r_);
    write();
    if (!r_.errors.empty()) return std::move(r_);
    check_output(out_.text(), false, cf_, r_);
    if (r_.errors.empty()) r_.toml = out_.text();
    return std::move(r_);
  }

 private:
  std::string join(const std::string& name) const { return dir_ == "/" ? "/" + name : dir_ + "/" + name; }

  void warn(const std::string& file, int line, std::string m) {
    r_.warnings.push_back(diagnostic_at(file, line, std::move(m)));
  }
  void error(const std::string& file, int line, std::string m) {
    r_.errors.push_back(diagnostic_at(file, line, std::move(m)));
  }
  void warn(const CfLine& l, std::string m) { warn(cf_, l.line, std::move(m)); }
  void error(const CfLine& l, std::string m) { error(cf_, l.line, std::move(m)); }
  Source src(const CfLine& l) const { return Source{cf_, l.line, l.text}; }

  std::optional<std::string> read(const std::string& path) {
    const InputFile f = files_.read(path);
    if (!f.found) {
      error(path, 0, f.error.empty() ? "No such file or directory (heartbeat's directory holds ha.cf, haresources "
                                       "and authkeys)"
                                     : f.error);
      return std::nullopt;
    }
    if (path == keys_) keys_mode_ = f.mode;
    return f.text;
  }

  // ---- ha.cf ----

  void read_cf(const std::string& text) {
    cf_lines_ = heartbeat::read_ha_cf(text, cf_, r_.errors);
    if (cf_lines_.empty() && r_.errors.empty())
      error(cf_, 0, "holds no directive (heartbeat would not start: it needs a node and a medium)");
    for (const auto& l : cf_lines_) directive(l);
    if (udpport_line_ && !media_before_udpport_.empty())
      warn(*udpport_line_, "udpport comes after the media on line" +
                               std::string(media_before_udpport_.size() > 1 ? "s " : " ") + lines_list() +
                               ": heartbeat uses the port it had when each was read (" +
                               std::to_string(media_.empty() ? 694 : media_.front().port) +
                               " for the first), and so does this import; put udpport before the media");
  }

  std::string lines_list() const {
    std::string s;
    for (int n : media_before_udpport_) s += (s.empty() ? "" : ", ") + std::to_string(n);
    return s;
  }

  void time(const CfLine& l, Timing& t) {
    if (l.args.empty()) {
      error(l, l.directive + " needs a time, e.g. \"" + l.directive + " 2\" (seconds) or \"" + l.directive +
                   " 500ms\"");
      return;
    }
    for (const auto& a : l.args) {  // each token is one call: the last wins
      const long long ms = heartbeat::time_ms(a);
      if (ms < 0) {
        error(l, l.directive + " " + quoted(a) + " is not a time: a number of seconds (\"2\", \"1.5\") or of "
                                                 "milliseconds (\"500ms\"); heartbeat takes no other unit, not "
                                                 "even \"s\"");
        return;
      }
      t.ms = ms;
      t.line = &l;
    }
  }

  void directive(const CfLine& l) {
    const std::string& d = l.directive;
    if (d == "keepalive") return time(l, keepalive_);
    if (d == "deadtime") return time(l, deadtime_);
    if (d == "warntime") return time(l, warntime_);
    if (d == "initdead") return time(l, initdead_);
    if (d == "deadping") return time(l, deadping_);
    if (d == "udpport") {
      for (const auto& a : l.args) {
        const auto port = number(a, 1, 65535);
        if (!port) return error(l, "udpport " + quoted(a) + " is not a port (1 to 65535)");
        udpport_ = *port;
      }
      if (l.args.empty()) return error(l, "udpport needs a port, e.g. \"udpport 694\"");
      if (media_before_udpport_.empty())
        for (const auto& m : media_)
          if (m.kind != Medium::mcast) media_before_udpport_.push_back(m.line->line);
      if (!udpport_line_ || !media_before_udpport_.empty()) udpport_line_ = &l;
      return;
    }
    if (d == "node") {
      if (l.args.empty()) return error(l, "node needs a node name");
      for (const auto& a : l.args) {
        const std::string name = lower(a);
        if (auto problem = node_name_problem(name)) return error(l, "node " + quoted(a) + ": a node name " + *problem);
        if (std::none_of(nodes_.begin(), nodes_.end(), [&](const auto& n) { return n.first == name; }))
          nodes_.emplace_back(name, &l);
      }
      return;
    }
    if (d == "bcast" || d == "udp") {
      if (l.args.empty()) return error(l, d + " needs an interface, e.g. \"bcast eth1\"");
      for (const auto& a : l.args) {
        if (auto problem = interface_problem(a)) return error(l, d + " " + quoted(a) + ": the interface " + *problem);
        if (!bcast_port_) bcast_port_ = udpport_;  // bcast caches the port on its first line
        add_medium(Medium{Medium::bcast, a, std::nullopt, *bcast_port_, &l});
      }
      return;
    }
    if (d == "ucast") {
      const auto words = split_blanks(l.rest);
      if (words.size() < 2) return error(l, "ucast needs an interface and the peer's address: \"ucast eth1 192.168.77.2\"");
      if (auto problem = interface_problem(words[0]))
        return error(l, "ucast " + quoted(words[0]) + ": the interface " + *problem);
      const auto ip = IpAddress::parse(words[1]);
      if (!ip) return error(l, "ucast " + quoted(words[1]) + " is not an IPv4 or IPv6 address");
      if (ip->is_multicast())
        return error(l, "ucast " + ip->str() + " is a multicast address: write \"mcast " + words[0] + " " +
                            ip->str() + " PORT 1 0\"");
      if (words.size() > 2) warn(l, "ucast: the text after the address is ignored, as heartbeat 3 ignores it");
      add_medium(Medium{Medium::ucast, words[0], ip, udpport_, &l});
      return;
    }
    if (d == "mcast" || d == "mcast6") {
      const auto words = split_blanks(l.rest);
      if (words.size() < 5)
        return error(l, d + " needs five fields: INTERFACE GROUP PORT TTL LOOP, e.g. \"" + d + " eth1 " +
                            (d == "mcast" ? "239.0.0.1" : "ff02::1:2") + " 694 1 0\"");
      if (auto problem = interface_problem(words[0]))
        return error(l, d + " " + quoted(words[0]) + ": the interface " + *problem);
      const auto ip = IpAddress::parse(words[1]);
      if (!ip || !ip->is_multicast() || ip->is_v6() != (d == "mcast6"))
        return error(l, d + " " + quoted(words[1]) + " is not an IPv" + (d == "mcast" ? "4" : "6") +
                            " multicast group");
      const auto port = number(words[2], 1, 65535);
      if (!port) return error(l, d + ": the port " + quoted(words[2]) + " is not 1 to 65535");
      const auto ttl = number(words[3], 1, 255);
      if (!ttl) return error(l, d + ": the ttl " + quoted(words[3]) + " is not 1 to 255");
      const auto loop = number(words[4], 0, 1);
      if (!loop) return error(l, d + ": loop " + quoted(words[4]) + " is not 0 or 1");
      if (*ttl != 1 || *loop != 0)
        warn(l, d + ": ttl " + words[3] + " and loop " + words[4] +
                    " are not carried over: tandem's heartbeats go to the group on the link itself");
      add_medium(Medium{Medium::mcast, words[0], ip, *port, &l});
      return;
    }
    if (d == "auto_failback") {
      if (l.args.size() != 1) return error(l, "auto_failback takes one value: on, off or legacy");
      if (l.args[0] == "legacy") {
        auto_failback_ = true;
        legacy_ = true;
      } else if (auto b = boolean(l.args[0])) {
        auto_failback_ = *b;
        legacy_ = false;
      } else {
        return error(l, "auto_failback " + quoted(l.args[0]) + ": expected on, off or legacy");
      }
      failback_line_ = &l;
      return;
    }
    if (d == "nice_failback") {
      const auto b = l.args.size() == 1 ? boolean(l.args[0]) : std::nullopt;
      if (!b) return error(l, "nice_failback takes on or off");
      auto_failback_ = !*b;  // on = auto_failback off; off = legacy
      legacy_ = !*b;
      failback_line_ = &l;
      warn(l, std::string("nice_failback is obsolete: it means auto_failback ") + (*b ? "off" : "legacy") +
                  ", and is imported as such; write auto_failback in ha.cf, or [cluster] auto_failback in tandem.toml");
      return;
    }
    if (d == "ping" || d == "ping6") {
      if (l.args.empty()) return error(l, d + " needs an address");
      for (const auto& a : l.args) {
        const auto ip = IpAddress::parse(a);
        if (!ip || ip->is_v6() != (d == "ping6"))
          return error(l, d + " " + quoted(a) + " is not an IPv" + (d == "ping" ? "4" : "6") +
                              " address: tandem's [[track]] pings an address, write it instead of a name");
        pings_.push_back(Ping{"ping-" + ip->str(), {*ip}, false, &l});
      }
      return;
    }
    if (d == "ping_group") {
      const auto words = split_blanks(l.rest);
      if (words.size() < 2) return error(l, "ping_group needs a name and at least one address");
      Ping p{words[0], {}, true, &l};
      if (words[0].size() > 60 || !is_plain_utf8(words[0]))
        return error(l, "ping_group " + quoted(words[0]) + ": the name must be UTF-8 of at most 60 bytes");
      for (std::size_t i = 1; i < words.size(); ++i) {
        const auto ip = IpAddress::parse(words[i]);
        if (!ip) return error(l, "ping_group " + words[0] + ": " + quoted(words[i]) + " is not an IP address");
        p.addresses.push_back(*ip);
      }
      pings_.push_back(std::move(p));
      return;
    }
    if (d == "crm" || d == "pacemaker") {
      const std::string v = l.args.empty() ? "" : lower(l.args[0]);
      const auto b = boolean(v);
      if (b && !*b) {
        warn(l, d + " " + l.args[0] + ": heartbeat runs haresources itself (v1 mode), as tandem does; nothing to carry over");
        return;
      }
      if (!b && v != "respawn" && v != "manual" && v != "minimal" && v != "valgrind")
        return error(l, d + " " + quoted(v) + ": expected on, off, respawn or manual");
      crm_ = &l;
      return;
    }
    if (d == "respawn" || d == "failfast") {
      if (l.rest.find("ipfail") != std::string::npos) {
        warn(l, d + " of ipfail is not carried over: tandem's [[track]] tables (made from ping and ping_group) do "
                    "its work, moving the VIPs to the director that reaches more of them");
        return;
      }
      warn(l, d + " " + l.rest + " is not carried over: tandem runs no clients; run the program as a systemd "
                                 "service (BindsTo=tandem.service), or as a [[resource]] if it must follow the VIPs");
      return;
    }
    if (d == "stonith" || d == "stonith_host") {
      warn(l, d + " is not carried over: tandem does not fence. What guards against split brain instead: the "
                  "peer is declared dead only when every [[link]] is silent (give it two links on separate NICs), "
                  "a [[track]] keeps a director that lost its uplink from taking the VIPs, and after a partition "
                  "heals the loser releases at once; keep the fencing device for manual use");
      return;
    }
    if (d == "logfacility" || d == "logfile" || d == "debugfile" || d == "use_logd" || d == "conn_logd_time" ||
        d == "debug" || d == "syslogmsgfmt" || d == "log_badpack") {
      warn(l, d + " is not carried over: tandemd logs to stderr with syslog priorities, which journald stores "
                  "(journalctl -u tandem); to change the facility or forward to syslog, set SyslogFacility= in "
                  "tandem.service or configure journald's ForwardToSyslog=, and use tandemd --log-level for debug");
      return;
    }
    if (d == "watchdog") {
      warn(l, "watchdog is not carried over: tandemd feeds systemd's watchdog instead (WatchdogSec= in tandem.service)");
      return;
    }
    if (d == "realtime" || d == "rtprio") {
      warn(l, d + " is not carried over: set [node] realtime_priority (and lock_memory) in tandem.toml for a "
                  "real-time HA engine");
      return;
    }
    if (d == "serial" || d == "baud") {
      warn(l, d + " is not carried over: tandem has no serial links; a second network [[link]] on its own NIC "
                  "does their job");
      return;
    }
    if (d == "hbaping") {
      warn(l, "hbaping is not carried over: tandem's tracks ping IP addresses or watch an interface "
              "(type = \"interface\"), or run a script (type = \"script\")");
      return;
    }
    if (d == "apiauth") {
      warn(l, "apiauth is not carried over: tandem has no client API; tandemctl talks to tandemd over its control "
              "socket (root only)");
      return;
    }
    if (d == "autojoin") {
      warn(l, "autojoin is not carried over: tandem runs a fixed pair, [node] name and [cluster] peer");
      return;
    }
    if (std::find(std::begin(kKnown), std::end(kKnown), d) != std::end(kKnown)) {
      warn(l, d + " is not carried over: tandem has no counterpart to it (heartbeat's own machinery)");
      return;
    }
    const std::string_view best = closest_match(d, std::span<const std::string_view>(kKnown));
    error(l, "unknown directive " + quoted(d) + ": heartbeat would not start (\"Illegal directive\")" +
                 (best.empty() ? "" : "; did you mean \"" + std::string(best) + "\"?"));
  }

  static std::vector<std::string> split_blanks(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
      const auto b = s.find_first_not_of(" \t\f\v", i);
      if (b == std::string_view::npos) break;
      auto e = s.find_first_of(" \t\f\v", b);
      if (e == std::string_view::npos) e = s.size();
      out.emplace_back(s.substr(b, e - b));
      i = e;
    }
    return out;
  }

  void add_medium(Medium m) { media_.push_back(std::move(m)); }

  // ---- authkeys (heartbeat's parse_authfile, then tandem's reader) ----

  void read_keys(const std::string& text) {
    if (keys_mode_ >= 0 && (keys_mode_ & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", keys_mode_ & 07777);
      warn(keys_, 0, std::string("mode ") + mode + " is readable by group or others: heartbeat and tandemd refuse "
                                                   "it; chmod 600 " + keys_);
    }
    std::set<int> bad_lines;
    int auth = -1, auth_line = 0;
    std::set<int> defined_before_auth;
    int number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string_view l(text.data() + start, end - start);
      start = end + 1;
      ++number;
      while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
      while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
      if (l.empty() || l.front() == '#') continue;
      const auto words = split_blanks(l);
      if (l.front() == 'a') {
        // sscanf("auth %d"): "auth", any blanks, a number.
        std::string_view n = l.starts_with("auth") ? l.substr(4) : std::string_view{};
        while (!n.empty() && (n.front() == ' ' || n.front() == '\t')) n.remove_prefix(1);
        if (!number_prefix(n)) {
          bad_lines.insert(number);
          error(keys_, number, "expected \"auth N\", N the number of the key to send with");
          continue;
        }
        auth = to_int(n);
        auth_line = number;
        if (defined_before_auth.count(auth))
          warn(keys_, number, "auth " + std::to_string(auth) + " comes after key " + std::to_string(auth) +
                                  "'s line: heartbeat binds the key when it reads it and would say \"Auth Key [" +
                                  std::to_string(auth) + "] not found\"; tandemd accepts either order, but put "
                                  "the auth line first while heartbeat still reads the file");
        continue;
      }
      if (words.size() < 2 || !number_prefix(words[0])) {
        bad_lines.insert(number);
        error(keys_, number, "expected \"N METHOD KEY\" (e.g. \"1 sha256 SECRET\") or \"auth N\"");
        continue;
      }
      const int id = to_int(words[0]);
      defined_before_auth.insert(id);
      const std::string method = lower(words[1]);
      if (method == "crc") {
        bad_lines.insert(number);
        error(keys_, number,
              "key " + std::to_string(id) + " is crc, which is no authentication: tandem refuses it. Make a "
              "sha256 key, the same on both directors: " + std::string(kSha256Command) +
                  ", then name it in [cluster] authkeys");
      } else if (method == "md5" || method == "sha1") {
        if (words.size() < 3) continue;  // tandem's reader says it has no secret
        warn(keys_, number,
             "key " + std::to_string(id) + " is " + method + ": tandem accepts it, but rotate it to sha256 "
             "without downtime: add \"N sha256 SECRET\" on both directors, switch \"auth\" to N on both, then "
             "remove key " + std::to_string(id));
      }
    }
    (void)auth_line;
    // What tandemd itself will say of the file, which it reads as it is.
    const auto parsed = parse_authkeys(text, keys_);
    for (const auto& e : parsed.errors)
      if (!bad_lines.count(e.line)) error(keys_, e.line, "tandemd would refuse this file: " + e.message);
  }

  static int to_int(std::string_view s) {  // the number at the start, clamped
    const std::string t(s.substr(0, 12));
    return int(std::clamp(std::strtol(t.c_str(), nullptr, 10), -1000000L, 1000000L));
  }

  static bool number_prefix(std::string_view s) {  // sscanf %d
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
  }

  // ---- nodes ----

  void decide_nodes() {
    if (!r_.errors.empty()) return;
    const std::string via = o_.node_from_hostname ? "this host's name " : "--node ";
    if (o_.node.empty()) {
      error(cf_, 0, "this director's node name is needed: give --node NAME (one of the node lines' names)");
      return;
    }
    node_ = lower(o_.node);
    if (auto problem = node_name_problem(node_); problem || !is_plain_utf8(node_)) {
      error(cf_, 0, via + quoted(o_.node) + ": a node name " + (problem ? *problem : "must be UTF-8"));
      return;
    }
    std::vector<std::string> others;
    bool listed = false;
    std::string names;
    for (const auto& [name, line] : nodes_) {
      names += (names.empty() ? "" : ", ") + name;
      if (name == node_)
        listed = true;
      else
        others.push_back(name);
    }
    if (!nodes_.empty() && !listed) {
      error(cf_, 0, via + quoted(o_.node) + " is not a node of ha.cf (" + names +
                        "): give --node NAME to say which director this file is for");
      return;
    }
    if (!o_.peer.empty()) {
      const std::string p = lower(o_.peer);
      if (!others.empty() && std::find(others.begin(), others.end(), p) == others.end()) {
        error(cf_, 0, "--peer " + quoted(o_.peer) + " is not another node of ha.cf (" + names + ")");
        return;
      }
      if (auto problem = node_name_problem(p); problem || !is_plain_utf8(p) || p == node_) {
        error(cf_, 0, "--peer " + quoted(o_.peer) + ": " + (p == node_ ? "is this director's own name" : "a node name " + (problem ? *problem : std::string("must be UTF-8"))));
        return;
      }
      peer_ = p;
      peer_source_ = Source{"--peer", 0, o_.peer};
      return;
    }
    if (others.size() == 1) {
      peer_ = others[0];
      for (const auto& [name, line] : nodes_)
        if (name == peer_) peer_source_ = src(*line);
      return;
    }
    if (others.empty()) {
      error(cf_, 0, "the other director's node name is needed: ha.cf " +
                        std::string(nodes_.empty() ? "has no node line" : "names only " + node_) +
                        "; give --peer NAME");
      return;
    }
    error(cf_, 0, "ha.cf names " + std::to_string(nodes_.size()) + " nodes (" + names +
                      "): tandem runs a pair; give --peer NAME to pick the other director");
  }

  // ---- haresources ----

  void read_resources(const std::string& text) {
    const auto lines = heartbeat::read_haresources(text, res_, r_.errors);
    if (crm_) {
      error(cf_, crm_->line, crm_->directive + " " + crm_->rest +
                                 ": heartbeat ignores haresources in this mode and the resources live in "
                                 "Pacemaker's CIB, which tandemctl import does not read; write tandem.toml's "
                                 "[[vip]] and [[resource]] from the CIB by hand, or import a haresources of v1 mode");
      return;
    }
    if (lines.empty() && r_.errors.empty())
      warn(res_, 0, "holds no resource group: the configuration has no VIP; add [[vip]] tables for the addresses "
                    "the directors should carry");
    std::set<std::string> group_names, resource_names;
    std::set<std::string> keys;
    for (const auto& l : lines) {
      GroupOut g;
      g.source = Source{res_, l.line, l.text};
      if (l.resources.empty()) {
        error(res_, l.line, "the line names node " + quoted(l.node) + " but no resource");
        continue;
      }
      if (!keys.insert(l.resources[0]).second)
        error(res_, l.line, "the group's first resource " + quoted(l.resources[0]) +
                                " also starts another line: heartbeat needs it unique (it names the group)");
      if (!peer_.empty() && l.node != node_ && l.node != peer_) {
        error(res_, l.line, "the preferred node " + quoted(l.node) + " is neither " + node_ + " nor " + peer_ +
                                " (the node lines of ha.cf)");
        continue;
      }
      g.preferred = l.node;
      g.key = l.resources[0];
      bool resource_seen = false;
      for (const auto& field : l.resources) {
        const auto spec = heartbeat::resource_spec(field);
        if (spec.name == "IPaddr" || spec.name == "IPaddr2") {
          if (resource_seen)
            warn(res_, l.line, field + ": heartbeat starts it after the resources before it; tandem adds every "
                                       "VIP of a group first, then starts its resources in order");
          vip(l, field, spec, g);
        } else if (spec.name == "ldirectord") {
          ldirectord(l, field, spec, g);
        } else {
          resource_seen = true;
          resource(l, field, spec, g, resource_names);
        }
      }
      groups_.push_back(std::move(g));
    }
    if (groups_.size() > 1)
      for (const auto& g : groups_)
        if (g.vips.empty())
          error(res_, g.source.line, "this group holds no address: tandem's failover groups are VIPs and what "
                                     "follows them; add the address of the group, or move its resources to "
                                     "another line");
    // Group names: the default group for one line, else from each line's key.
    if (groups_.size() > 1)
      for (auto& g : groups_) {
        const auto spec = heartbeat::resource_spec(g.key);
        const bool ip = (spec.name == "IPaddr" || spec.name == "IPaddr2") && spec.args.size() == 1;
        g.name = unique(plain_of(ip ? heartbeat::ip_argument(spec.args[0]).ip : spec.name, 28), group_names);
      }
  }

  void vip(const ResourceLine& l, const std::string& field, const heartbeat::ResourceSpec& spec, GroupOut& g) {
    if (spec.args.size() != 1) {
      error(res_, l.line, field + ": " + spec.name + " takes one argument, IP[/NETMASK[/IFACE[:LABEL]][/BROADCAST]]");
      return;
    }
    const auto a = heartbeat::ip_argument(spec.args[0]);
    const auto ip = IpAddress::parse(a.ip);
    if (!ip) {
      error(res_, l.line, field + ": " + quoted(a.ip) + " is not an IP address");
      return;
    }
    int length = -1;
    std::string iface = a.interface, label = a.label;
    const int bits = ip->is_v4() ? 32 : 128;
    if (!a.netmask.empty()) {
      if (const auto n = number(a.netmask, 0, bits)) {
        length = int(*n);
      } else if (const auto mask = IpAddress::parse(a.netmask); mask && mask->is_v4() && ip->is_v4()) {
        if (spec.name == "IPaddr2") {
          error(res_, l.line, field + ": IPaddr2 takes the netmask as a prefix length (/24), not " + a.netmask);
          return;
        }
        std::uint32_t m = (std::uint32_t(mask->bytes[0]) << 24) | (std::uint32_t(mask->bytes[1]) << 16) |
                          (std::uint32_t(mask->bytes[2]) << 8) | mask->bytes[3];
        int n = 0;
        while (n < 32 && (m & (0x80000000u >> n))) ++n;
        if (n < 32 && (m << n) != 0) {
          error(res_, l.line, field + ": the netmask " + a.netmask + " is not contiguous");
          return;
        }
        length = n;
      } else {
        error(res_, l.line, field + ": the netmask " + quoted(a.netmask) + " is not a prefix length (0 to " +
                                std::to_string(bits) + ")" + (ip->is_v4() ? " or a dotted netmask" : ""));
        return;
      }
    }
    Source source{res_, l.line, field};
    if (length < 0 || iface.empty()) {
      const auto it = o_.vip_prefixes.find(ip->str());
      if (it == o_.vip_prefixes.end()) {
        error(res_, l.line, field + ": the VIP's " +
                                std::string(length < 0 && iface.empty() ? "prefix length and interface are"
                                            : length < 0               ? "prefix length is"
                                                                       : "interface is") +
                                " not given (heartbeat takes them from the route to it, which an import cannot "
                                "see): give --vip-prefix " + ip->str() + "=PREFIX/IFACE, e.g. --vip-prefix " +
                                ip->str() + (ip->is_v4() ? "=24/eth0" : "=64/eth0"));
        return;
      }
      const std::string& v = it->second;
      const auto slash = v.find('/');
      const auto n = number(v.substr(0, slash), 0, bits);
      const std::string flag_iface = slash == std::string::npos ? "" : v.substr(slash + 1);
      const auto colon = flag_iface.find(':');
      if (!n || flag_iface.empty() || interface_problem(flag_iface.substr(0, colon))) {
        error(res_, l.line, "--vip-prefix " + ip->str() + "=" + comment_safe(v) + ": expected PREFIX/IFACE, e.g. " +
                                (ip->is_v4() ? "24/eth0" : "64/eth0"));
        return;
      }
      if (length < 0) length = int(*n);
      if (iface.empty()) {
        iface = flag_iface.substr(0, colon);
        if (colon != std::string::npos) label = flag_iface;
      }
      source = Source{"--vip-prefix", 0, ip->str() + "=" + v};
      used_vip_prefixes_.insert(ip->str());
    }
    if (auto problem = interface_problem(iface)) {
      error(res_, l.line, field + ": the interface " + quoted(iface) + " " + *problem);
      return;
    }
    if (!label.empty()) {
      if (ip->is_v6()) {
        error(res_, l.line, field + ": a label is for IPv4 addresses only");
        return;
      }
      if (label.size() > kMaxInterfaceName || !is_plain_utf8(label)) {
        error(res_, l.line, field + ": the label " + quoted(label) + " is longer than 15 characters");
        return;
      }
    }
    IpPrefix prefix;
    prefix.address = *ip;
    prefix.length = length;
    if (!a.broadcast.empty()) {
      const auto b = IpAddress::parse(a.broadcast);
      bool highest = false;
      if (b && b->is_v4() && ip->is_v4()) {
        std::uint32_t addr = 0, bc = 0;
        for (int i = 0; i < 4; ++i) {
          addr = (addr << 8) | ip->bytes[i];
          bc = (bc << 8) | b->bytes[i];
        }
        const std::uint32_t host = length >= 32 ? 0 : (0xffffffffu >> length);
        highest = bc == (addr | host);
      }
      if (!highest)
        warn(res_, l.line, field + ": the broadcast " + comment_safe(a.broadcast) +
                               " is not carried over: tandem adds the VIP with its subnet's highest address as "
                               "broadcast");
    }
    for (const auto& other : groups_)
      for (const auto& v : other.vips)
        if (v.address.address == *ip) {
          error(res_, l.line, field + ": the VIP " + ip->str() + " is already in the group of line " +
                                  std::to_string(other.source.line));
          return;
        }
    for (const auto& v : g.vips)
      if (v.address.address == *ip) {
        error(res_, l.line, field + ": the VIP " + ip->str() + " is listed twice");
        return;
      }
    g.vips.push_back(VipOut{prefix, iface, label, source});
  }

  void resource(const ResourceLine& l, const std::string& field, const heartbeat::ResourceSpec& spec, GroupOut& g,
                std::set<std::string>& names) {
    if (!plain_name(spec.name, 64)) {
      error(res_, l.line, quoted(field) + ": the resource script name " + quoted(spec.name) +
                              " must be a file name in /etc/ha.d/resource.d or /etc/init.d (1 to 64 of A-Z, a-z, "
                              "0-9, _ . -)");
      return;
    }
    for (const auto& a : spec.args)
      if (!is_plain_utf8(a)) {
        error(res_, l.line, quoted(field) + ": an argument is not UTF-8 text");
        return;
      }
    g.resources.push_back(ResourceOut{unique(spec.name.substr(0, 60), names), spec.name, spec.args, Source{res_, l.line, field}});
  }

  // ldirectord's lookup (ld_init): an absolute FILE as it is, a relative one
  // in /etc/ha.d, then /etc/ha.d/conf, here DIR and DIR/conf. An absolute
  // FILE under /etc/ha.d/ is read under DIR when DIR is a copy elsewhere.
  void ldirectord(const ResourceLine& l, const std::string& field, const heartbeat::ResourceSpec& spec, GroupOut& g) {
    if (spec.args.size() > 1) {
      error(res_, l.line, "ldirectord takes at most one argument, its configuration file");
      return;
    }
    const std::string name = spec.args.empty() || spec.args[0].empty() ? "ldirectord.cf" : spec.args[0];
    std::vector<std::string> paths;
    if (name[0] == '/') {
      if (name.starts_with("/etc/ha.d/") && dir_ != "/etc/ha.d") paths.push_back(join(name.substr(10)));
      paths.push_back(name);
    } else {
      paths = {join(name), join("conf/" + name)};
    }
    for (const auto& path : paths) {
      const InputFile f = files_.read(path);
      if (!f.found && f.error.empty()) continue;
      if (!f.found) {
        error(path, 0, f.error);
        return;
      }
      const auto first = ldirectord_lines_.emplace(path, l.line);
      if (!first.second) {
        error(res_, l.line, "ldirectord" + (spec.args.empty() ? std::string() : "::" + name) + ": " + path +
                                " is also started at line " + std::to_string(first.first->second) +
                                ": its virtual servers can belong to one group only");
        return;
      }
      g.ldirectord.push_back(LdirectordOut{path, f.text, Source{res_, l.line, field}});
      return;
    }
    std::string tried;
    for (const auto& p : paths) tried += (tried.empty() ? "" : ", ") + p;
    error(res_, l.line, "ldirectord" + (spec.args.empty() ? std::string() : "::" + name) +
                            ": its configuration file is not there (looked for " + tried +
                            ", as ldirectord does); ldirectord::FILE names another");
  }

  // ---- output ----

  void write() {
    for (const auto& [addr, v] : o_.vip_prefixes)
      if (!used_vip_prefixes_.count(addr))
        error(res_, 0, "--vip-prefix " + addr + "=" + comment_safe(v) + ": haresources has no bare VIP " + addr);
    const std::string host_note = o_.node_from_hostname ? " (this host's name; --node picks another)" : "";
    out_.comment("tandem.toml imported from heartbeat's " + comment_safe(dir_) + " (tandemctl import heartbeat)");
    out_.comment("for node " + node_ + host_note + "; the other director's file differs in [node] name, "
                 "[cluster] peer and the links' peer addresses");
    out_.table("node");
    const Source node_src = node_source();
    out_.string("name", node_, &node_src);

    out_.table("cluster");
    out_.string("peer", peer_, &peer_source_);
    const bool default_group = groups_.size() <= 1;
    Source failback = failback_line_ ? src(*failback_line_) : Source{cf_, 0, "(no auto_failback: heartbeat's default, legacy)"};
    if (!failback_line_)
      warn(cf_, 0, "no auto_failback: heartbeat's default is legacy (fail back to the preferred node), imported as "
                   "auto_failback = true; write auto_failback on or off in ha.cf, or set it in tandem.toml");
    else if (legacy_ && failback_line_->directive == "auto_failback")
      warn(*failback_line_, "auto_failback legacy (old-style failback) is imported as auto_failback = true: the "
                            "preferred node takes its resources back when it returns");
    if (default_group) {
      if (!groups_.empty()) out_.string("preferred", groups_[0].preferred, &groups_[0].source);
      out_.boolean("auto_failback", auto_failback_, &failback);
    }
    write_timing();
    out_.integer("port", cluster_port(), cluster_port_source());
    const Source keys_src{keys_, 0, "(tandemd reads heartbeat's authkeys as it is; it must stay mode 600)"};
    out_.string("authkeys", keys_, &keys_src);
    write_links_out();
    write_tracks();
    if (default_group) {
      if (!groups_.empty()) {
        for (const auto& v : groups_[0].vips) write_vip("vip", v);
        for (const auto& res : groups_[0].resources) write_resource("resource", res);
      }
    } else {
      for (const auto& g : groups_) {
        out_.source(g.source);
        out_.array_table("group");
        out_.string("name", g.name);
        out_.string("preferred", g.preferred);
        out_.boolean("auto_failback", auto_failback_, &failback);
        for (const auto& v : g.vips) write_vip("group.vip", v);
        for (const auto& res : g.resources) write_resource("group.resource", res);
      }
    }
    // The virtual servers of each ldirectord.cf, in its line's group (none
    // written for the default group); their diagnostics name that file.
    for (const auto& g : groups_)
      for (const auto& ld : g.ldirectord) {
        out_.source(Source{ld.source.file, ld.source.line, ld.source.text + ": the virtual servers of " + ld.path});
        write_ldirectord_services(ld.text, ld.path, LdirectordContext{default_group ? std::string() : g.name}, out_,
                                  r_);
      }
  }

  Source node_source() const {
    if (o_.node_from_hostname) return Source{"this host's name (no --node given)", 0, ""};
    return Source{"--node", 0, o_.node};
  }

  Source timing_source(const Timing& t, const std::string& what) const {
    if (t.line) return src(*t.line);
    return Source{cf_, 0, "(no " + what + ": heartbeat's default)"};
  }

  void write_timing() {
    const long long keepalive = keepalive_.ms >= 0 ? keepalive_.ms : 1000;
    const long long deadtime = deadtime_.ms >= 0 ? deadtime_.ms : 30000;
    const long long warntime = warntime_.ms >= 0 ? warntime_.ms : deadtime / 2;
    long long initdead = initdead_.ms;
    if (initdead < 0) initdead = deadtime > 10000 ? deadtime : deadtime < 6000 ? 12000 : 2 * deadtime;
    auto at = [&](const Timing& t) { return t.line ? t.line->line : 0; };
    if (keepalive <= 0) error(cf_, at(keepalive_), "keepalive must be more than 0 ms");
    if (deadtime <= 2 * keepalive)
      error(cf_, at(deadtime_) ? at(deadtime_) : at(keepalive_),
            "deadtime (" + std::to_string(deadtime) + " ms) must exceed 2 x keepalive (" + std::to_string(keepalive) +
                " ms): heartbeat refuses to start, and so would tandemd");
    if (warntime <= 0 || warntime >= deadtime)
      error(cf_, at(warntime_) ? at(warntime_) : at(deadtime_),
            "warntime (" + std::to_string(warntime) + " ms) must be more than 0 and less than deadtime (" +
                std::to_string(deadtime) + " ms)");
    if (initdead < deadtime)
      error(cf_, at(initdead_) ? at(initdead_) : at(deadtime_),
            "initdead (" + std::to_string(initdead) + " ms) must be at least deadtime (" + std::to_string(deadtime) +
                " ms): heartbeat refuses to start");
    const Source k = timing_source(keepalive_, "keepalive"), d = timing_source(deadtime_, "deadtime"),
                 w = timing_source(warntime_, "warntime"), i = timing_source(initdead_, "initdead");
    out_.duration("interval", Duration(keepalive), &k);
    out_.duration("deadtime", Duration(deadtime), &d);
    out_.duration("warntime", Duration(warntime), &w);
    out_.duration("initdead", Duration(initdead), &i);
    if (deadping_.line && pings_.empty())
      warn(*deadping_.line, "deadping is not carried over: ha.cf has no ping node");
    interval_ = keepalive;
    deadping_ms_ = deadping_.ms >= 0 ? deadping_.ms : deadtime;
  }

  long cluster_port() const {
    for (const auto& m : media_)
      if (m.kind != Medium::mcast) return m.port;
    return media_.empty() ? udpport_ : media_.front().port;
  }
  const Source* cluster_port_source() {
    port_source_ = udpport_line_ ? src(*udpport_line_) : Source{cf_, 0, "(no udpport: heartbeat's default, 694)"};
    return &port_source_;
  }

  void write_links_out() {
    std::set<std::string> names;
    std::set<std::string> used_flags;
    const long port = cluster_port();
    auto link = [&](const std::string& iface, const char* key, const IpAddress& addr, const Source& s) {
      out_.source(s);
      out_.array_table("link");
      out_.string("name", unique(iface, names));
      out_.string("interface", iface);
      out_.string(key, addr.str());
    };
    std::set<std::string> done;  // interfaces whose unicast link is written
    for (const auto& m : media_) {
      if (m.port != port)
        warn(*m.line, "this medium's port is " + std::to_string(m.port) + ", but tandem uses one port for every "
                          "link ([cluster] port = " + std::to_string(port) + ")");
      if (m.kind == Medium::mcast) {
        link(m.interface, "group", *m.address, src(*m.line));
        continue;
      }
      if (!done.insert(m.interface).second) continue;
      const auto flag = o_.peer_addresses.find(m.interface);
      if (flag != o_.peer_addresses.end()) {
        used_flags.insert(m.interface);
        const auto ip = IpAddress::parse(flag->second);
        if (!ip || ip->is_multicast()) {
          error(cf_, m.line->line, "--peer-address " + m.interface + "=" + comment_safe(flag->second) +
                                       ": not a unicast IPv4 or IPv6 address");
          continue;
        }
        link(m.interface, "peer", *ip, Source{"--peer-address", 0, m.interface + "=" + flag->second});
        continue;
      }
      if (m.kind == Medium::bcast) {
        error(cf_, m.line->line,
              m.line->directive + " " + m.interface + ": tandem sends unicast heartbeats to the peer's address on " +
                  m.interface + ", which ha.cf does not hold: give --peer-address " + m.interface + "=ADDR");
        continue;
      }
      std::vector<const Medium*> ucasts;
      for (const auto& u : media_)
        if (u.kind == Medium::ucast && u.interface == m.interface) {
          if (std::none_of(ucasts.begin(), ucasts.end(), [&](const Medium* x) { return *x->address == *u.address; }))
            ucasts.push_back(&u);
        }
      const bool has_bcast = std::any_of(media_.begin(), media_.end(), [&](const Medium& u) {
        return u.kind == Medium::bcast && u.interface == m.interface;
      });
      if (has_bcast) {
        error(cf_, m.line->line, "bcast and ucast on " + m.interface + ": give --peer-address " + m.interface +
                                     "=ADDR for the peer's address on it");
        continue;
      }
      if (ucasts.size() == 1) {
        link(m.interface, "peer", *ucasts[0]->address, src(*ucasts[0]->line));
        continue;
      }
      // Both directors' addresses, as in a file shared by both: whose is
      // whose is not written down. The ucast lines are taken to follow the
      // node lines' order.
      std::size_t peer_index = nodes_.size();
      for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].first == peer_) peer_index = i;
      if (ucasts.size() != 2 || nodes_.size() != 2 || peer_index >= 2) {
        error(cf_, m.line->line, "ucast " + m.interface + " lists " + std::to_string(ucasts.size()) +
                                     " addresses: give --peer-address " + m.interface +
                                     "=ADDR for the peer's address on it");
        continue;
      }
      const Medium* chosen = ucasts[peer_index];
      warn(*ucasts[1]->line, "ucast " + m.interface + " lists two addresses, " + ucasts[0]->address->str() + " and " +
                                 ucasts[1]->address->str() + ", and ha.cf does not say whose is whose: " +
                                 chosen->address->str() + " is taken as " + peer_ +
                                 "'s, as the ucast lines follow the node lines' order (" + nodes_[0].first + ", " +
                                 nodes_[1].first + "); if that is wrong, give --peer-address " + m.interface + "=ADDR");
      link(m.interface, "peer", *chosen->address, src(*chosen->line));
    }
    for (const auto& [iface, addr] : o_.peer_addresses) {
      if (used_flags.count(iface)) continue;
      if (media_.empty()) {
        const auto ip = IpAddress::parse(addr);
        if (auto problem = interface_problem(iface); problem || !ip || ip->is_multicast()) {
          error(cf_, 0, "--peer-address " + comment_safe(iface) + "=" + comment_safe(addr) +
                            ": expected IFACE=ADDR, a unicast address on a valid interface");
          continue;
        }
        link(iface, "peer", *ip, Source{"--peer-address", 0, iface + "=" + addr});
        continue;
      }
      error(cf_, 0, "--peer-address " + comment_safe(iface) + "=" + comment_safe(addr) +
                        ": ha.cf has no bcast or ucast on " + comment_safe(iface));
    }
    if (media_.empty() && o_.peer_addresses.empty())
      error(cf_, 0, "ha.cf has no bcast, mcast or ucast line (heartbeat would not start): at least one [[link]] is "
                    "needed; give --peer-address IFACE=ADDR, the local interface and the peer's address on it");
  }

  void write_tracks() {
    std::set<std::string> names;
    long long fall = interval_ > 0 ? (deadping_ms_ + interval_ - 1) / interval_ : 1;
    fall = std::clamp<long long>(fall, 1, 100);
    for (const auto& p : pings_) {
      out_.source(src(*p.line));
      out_.array_table("track");
      out_.string("name", unique(p.name, names));
      out_.string("type", "ping");
      if (p.group) {
        std::vector<std::string> addrs;
        for (const auto& a : p.addresses) addrs.push_back(a.str());
        out_.strings("group", addrs);
      } else {
        out_.string("address", p.addresses[0].str());
      }
      const Source d = deadping_.line ? src(*deadping_.line)
                                      : Source{cf_, 0, "(fall: deadping, by default deadtime, over keepalive)"};
      out_.duration("interval", Duration(interval_));
      out_.duration("timeout", Duration(interval_));
      out_.integer("fall", fall, &d);
    }
  }

  void write_vip(const char* table, const VipOut& v) {
    out_.source(v.source);
    out_.array_table(table);
    out_.string("address", v.address.str());
    out_.string("interface", v.interface);
    if (!v.label.empty()) out_.string("label", v.label);
  }

  void write_resource(const char* table, const ResourceOut& r) {
    out_.source(r.source);
    out_.array_table(table);
    out_.string("name", r.name);
    out_.string("agent", r.agent);
    out_.strings("args", r.args);
  }

  const FileReader& files_;
  const ImportOptions& o_;
  ImportResult r_;
  TomlWriter out_;
  std::string dir_, cf_, res_, keys_;
  int keys_mode_ = -1;

  std::vector<CfLine> cf_lines_;
  Timing keepalive_, deadtime_, warntime_, initdead_, deadping_;
  long udpport_ = 694;
  const CfLine* udpport_line_ = nullptr;
  std::optional<long> bcast_port_;
  std::vector<int> media_before_udpport_;
  std::vector<Medium> media_;
  std::vector<std::pair<std::string, const CfLine*>> nodes_;
  bool auto_failback_ = true;
  bool legacy_ = true;
  const CfLine* failback_line_ = nullptr;
  std::vector<Ping> pings_;
  const CfLine* crm_ = nullptr;

  std::string node_, peer_;
  Source peer_source_;
  Source port_source_;
  std::vector<GroupOut> groups_;
  std::set<std::string> used_vip_prefixes_;
  std::map<std::string, int> ldirectord_lines_;  // ldirectord.cf path -> the haresources line starting it
  long long interval_ = 1000, deadping_ms_ = 30000;
};

}  // namespace

ImportResult import_heartbeat(const std::string& dir, const FileReader& files, const ImportOptions& options) {
  return Importer(dir, files, options).run();
}

}  // namespace tandem::config::legacy
