// `tandemctl import keepalived`: keepalived.conf's VRRP side (vrrp_instance,
// vrrp_sync_group, vrrp_script, global_defs) as [node], [cluster], [[link]],
// [[track]] and the VIPs of the default group or of one [[group]] per
// instance (or sync group); keepalived_services.cpp does virtual_server.
//
// Who is preferred follows VRRP's election, as keepalived runs it
// (vrrp/vrrp.c): the higher priority wins, and it takes the VIPs back
// (auto_failback) unless it has nopreempt. keepalived clears nopreempt and
// preempt_delay with state MASTER or priority 255. The peer's priority is
// in the peer's file: with --peer-config both are compared; without it, an
// instance in state MASTER (or priority 255) is taken as the preferred one
// and a BACKUP one as the peer's, which is said as a warning.
#include "config/legacy/keepalived.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "config/address.hpp"
#include "config/config.hpp"
#include "config/legacy/keepalived_values.hpp"
#include "config/names.hpp"

namespace tandem::config::legacy {
namespace {

using keepalived::Context;
using keepalived::Statement;

constexpr int kDefaultPriority = 100;
constexpr Duration kDefaultAdvert{1000};

struct VipOut {
  IpPrefix prefix;
  std::string iface, label;
  Source source;
};

struct TrackRef {
  std::string name;  // the vrrp_script's, or the interface's
  bool script = false;
  std::optional<int> weight;  // given on the track_* line
  const Statement* at = nullptr;
};

struct Instance {
  const Statement* block = nullptr;
  std::string name;
  std::string iface;
  const Statement* iface_st = nullptr;
  bool master = false;
  const Statement* state_st = nullptr;
  int priority = kDefaultPriority;
  const Statement* priority_st = nullptr;
  Duration advert = kDefaultAdvert;
  const Statement* advert_st = nullptr;
  const Statement* nopreempt = nullptr;
  const Statement* preempt_delay = nullptr;
  std::optional<int> vrid;
  std::vector<std::pair<IpAddress, const Statement*>> peers;
  std::vector<VipOut> vips;
  std::vector<TrackRef> tracks;
  const Statement* sync_iface = nullptr;  // lvs_sync_daemon_interface
  std::string group;                      // the tandem group it is in
  // keepalived clears nopreempt with state MASTER or priority 255.
  bool preempts() const { return !nopreempt || master || priority == 255; }
};

struct Script {
  const Statement* block = nullptr;
  std::string name;
  std::vector<std::string> command;
  Duration interval{1000}, timeout{0};
  int rise = 1, fall = 1, weight = 0;
  bool used = false;
};

struct GroupOut {
  std::string name;
  std::vector<const Instance*> instances;
  std::string preferred;  // empty: none
  bool failback = true;
  Source source, preferred_src;
};

// An instance of the peer's file, as far as the election needs it.
struct PeerInstance {
  int priority = kDefaultPriority;
  bool master = false, nopreempt = false;
  std::optional<int> vrid;
  bool preempts() const { return !nopreempt || master || priority == 255; }
};

std::string quoted(const std::string& s) { return "\"" + comment_safe(s) + "\""; }

class Importer {
 public:
  Importer(const std::string& path, const FileReader& files, const ImportOptions& o)
      : path_(path), files_(files), o_(o) {}

  ImportResult run() {
    auto read = keepalived::read_keepalived(path_, files_);
    auto rename = [&](Diagnostics& ds) {
      if (o_.input_name.empty()) return;
      for (auto& d : ds)
        if (d.file == path_) d.file = o_.input_name;
    };
    cx_.result.errors = std::move(read.errors);
    cx_.result.warnings = std::move(read.warnings);
    statements_ = std::move(read.statements);
    if (!o_.input_name.empty()) rename_statements(statements_);
    if (!cx_.result.errors.empty()) {
      rename(cx_.result.errors);
      rename(cx_.result.warnings);
      return std::move(cx_.result);
    }
    file_ = o_.input_name.empty() ? path_ : o_.input_name;
    if (!read.any_text) {
      cx_.result.errors.push_back(diagnostic_at(file_, 0, "the file holds no keepalived configuration (it is empty, "
                                                          "or only comments)"));
      return std::move(cx_.result);
    }
    top_level();
    if (!o_.services_only) {
      check_names();
      read_peer_config();
    }
    write();
    if (cx_.result.errors.empty()) check_output(out_.text(), o_.services_only, file_, cx_.result);
    if (cx_.result.errors.empty()) cx_.result.toml = out_.text();
    else cx_.result.toml.clear();
    return std::move(cx_.result);
  }

 private:
  void rename_statements(std::vector<Statement>& ss) {
    for (auto& s : ss) {
      if (s.file == path_) s.file = o_.input_name;
      rename_statements(s.children);
    }
  }

  // ---- reading ----

  void top_level() {
    for (const Statement& s : statements_) {
      const std::string& w = s.keyword;
      if (w == "global_defs") global_defs(s);
      else if (w == "vrrp_instance") instance(s);
      else if (w == "vrrp_sync_group") sync_groups_.push_back(&s);
      else if (w == "vrrp_script") script(s);
      else if (w == "virtual_server" || w == "virtual_server_group") services_.push_back(&s);
      else if (w == "static_ipaddress" || w == "static_routes" || w == "static_rules")
        cx_.dropped(s, "these addresses and routes do not move between the directors: put them in the system's "
                       "network configuration (/etc/network/interfaces or systemd-networkd)");
      else if (w == "vrrp_track_process" || w == "track_file" || w == "vrrp_track_file" || w == "track_bfd" ||
               w == "bfd_instance")
        cx_.dropped(s, "tandem's [[track]]s are ping, interface and script: a type = \"script\" track with a "
                       "command that tests the same thing replaces it");
      else if (w == "garp_group" || w == "linkbeat_use_polling" || w == "net_namespace" || w == "use_pid_dir" ||
               w == "instance")
        cx_.dropped(s, "tandem has no use for it (it runs one instance per director; in a namespace, start it "
                       "there with NetworkNamespacePath=)");
      else cx_.unknown(s, "the top level");
    }
    for (const Statement* g : sync_groups_) sync_group(*g);
  }

  void global_defs(const Statement& g) {
    for (const Statement& s : g.children) {
      const std::string& w = s.keyword;
      if (w == "router_id") {
        if (!s.args.empty() && o_.node != s.args[0] && !o_.services_only)
          cx_.warn(s, "router_id " + comment_safe(s.args[0]) + " is not the node name " + quoted(o_.node) +
                          ": tandem's [node] name comes from --node (or the host name), and must be what the "
                          "peer's [cluster] peer says");
      } else if (w == "lvs_sync_daemon") {
        lvs_sync_ = &s;
      } else if (w == "notification_email" || w == "notification_email_from" || w == "smtp_server" ||
                 w == "smtp_connect_timeout" || w == "smtp_helo_name" || w == "smtp_alert" ||
                 w == "smtp_alert_vrrp" || w == "smtp_alert_checker" || w == "email_faults") {
        cx_.dropped(s, "tandem sends no mail: it logs role and health changes to the journal with their "
                       "priorities, and runs [notify] command on every role change");
      } else if (w == "enable_script_security" || w == "script_user") {
        cx_.dropped(s, "tandem runs its track and check commands with execve, as root within the unit's "
                       "capabilities; keep the scripts owned by root and not writable by others");
      } else if (w.starts_with("vrrp_garp_") || w.starts_with("vrrp_gna_") || w == "vrrp_lower_prio_no_advert" ||
                 w == "vrrp_higher_prio_send_advert") {
        garp_globals_.push_back(&s);
      } else if (w.starts_with("vrrp_") || w.starts_with("lvs_") || w.starts_with("checker_") ||
                 w.starts_with("bfd_") || w.starts_with("snmp_") || w.starts_with("enable_") ||
                 w.starts_with("notify_fifo") || w == "max_auto_priority" || w == "default_interface" ||
                 w == "dynamic_interfaces" || w == "process_names" || w == "no_email_faults" ||
                 w == "script_security" || w == "startup_script" || w == "shutdown_script" ||
                 w == "lvs_id" || w == "linkbeat_use_polling" || w == "umask" || w == "nftables" ||
                 w == "iptables" || w.ends_with("_process_name") || w.ends_with("_rt_priority") ||
                 w.ends_with("_priority") || w.ends_with("_no_swap") || w.ends_with("_rlimit_rtime")) {
        if (w == "vrrp_mcast_group4" || w == "vrrp_mcast_group6")
          cx_.dropped(s, "tandem sends its heartbeats unicast to the peer's address on each [[link]]");
        else if (w.ends_with("_rt_priority") || w.ends_with("_no_swap"))
          cx_.dropped(s, "tandem's [node] realtime_priority and lock_memory do this for its HA engine");
        else
          cx_.dropped(s, "a keepalived process setting that tandem has no equivalent for");
      } else {
        cx_.unknown(s, "global_defs");
      }
    }
  }

  std::optional<int> weight_of(const Statement& s, std::size_t i) {
    // "weight N" after the name; N may be negative (-254..254).
    if (s.args.size() <= i) return std::nullopt;
    if (s.args[i] != "weight" || s.args.size() != i + 2) {
      cx_.warn(s, "\"" + keepalived::statement_text(s) + "\": only weight N is carried over after the name");
      return std::nullopt;
    }
    std::string n = s.args[i + 1];
    const bool negative = !n.empty() && n[0] == '-';
    if (negative || (!n.empty() && n[0] == '+')) n = n.substr(1);
    Statement t = s;
    t.keyword = "weight";
    t.args = {n};
    auto v = keepalived::integer(cx_, t, 0, 0, 254);
    if (!v) return std::nullopt;
    return static_cast<int>(negative ? -*v : *v);
  }

  void instance(const Statement& b) {
    Instance in;
    in.block = &b;
    if (b.args.size() != 1) {
      cx_.error(b, "vrrp_instance needs one name, e.g. vrrp_instance VI_1 {");
      return;
    }
    in.name = b.args[0];
    for (const auto& other : instances_)
      if (other.name == in.name) {
        cx_.error(b, "vrrp_instance " + quoted(in.name) + " is given twice");
        return;
      }
    for (const Statement& s : b.children) {
      const std::string& w = s.keyword;
      if (w == "state") {
        if (keepalived::want_args(cx_, s, 1, "MASTER or BACKUP")) {
          if (s.args[0] == "MASTER") in.master = true;
          else if (s.args[0] != "BACKUP") cx_.error(s, "state " + comment_safe(s.args[0]) + ": MASTER or BACKUP");
          in.state_st = &s;
        }
      } else if (w == "interface") {
        if (keepalived::want_args(cx_, s, 1, "interface needs one interface name")) {
          if (auto problem = interface_problem(s.args[0])) cx_.error(s, "interface " + *problem);
          in.iface = s.args[0];
          in.iface_st = &s;
        }
      } else if (w == "priority") {
        if (auto v = keepalived::integer(cx_, s, 0, 1, 255)) {
          in.priority = static_cast<int>(*v);
          in.priority_st = &s;
        }
      } else if (w == "advert_int") {
        if (auto v = keepalived::seconds(cx_, s, 0, Duration(10))) {
          in.advert = *v;
          in.advert_st = &s;
        }
      } else if (w == "virtual_router_id") {
        if (auto v = keepalived::integer(cx_, s, 0, 1, 255)) in.vrid = static_cast<int>(*v);
      } else if (w == "nopreempt") {
        in.nopreempt = &s;
      } else if (w == "preempt") {
        // keepalived's default
      } else if (w == "preempt_delay") {
        in.preempt_delay = &s;
      } else if (w == "unicast_peer") {
        for (const Statement& p : s.children) {
          const auto ip = IpAddress::parse(p.keyword);
          if (!ip || ip->is_multicast()) {
            cx_.error(p, "unicast_peer " + comment_safe(p.keyword) + " is not a unicast IPv4 or IPv6 address");
            continue;
          }
          if (!p.args.empty())
            cx_.warn(p, "\"" + keepalived::statement_text(p) + "\": only the address is carried over");
          in.peers.emplace_back(*ip, &p);
        }
      } else if (w == "unicast_src_ip" || w == "mcast_src_ip") {
        // this director's own address: tandem's links send from the interface's
      } else if (w == "virtual_ipaddress" || w == "virtual_ipaddress_excluded") {
        for (const Statement& a : s.children) vip(in, a);
      } else if (w == "authentication") {
        cx_.dropped(s, "tandem authenticates every heartbeat with an HMAC key from [cluster] authkeys (mode 0600, "
                       "the same on both directors) and rejects replays; make a new key, do not reuse the VRRP "
                       "password: " + new_authkeys_command());
      } else if (w == "track_interface") {
        for (const Statement& t : s.children) {
          if (auto problem = interface_problem(t.keyword)) {
            cx_.error(t, "track_interface " + comment_safe(t.keyword) + ": the interface " + *problem);
            continue;
          }
          in.tracks.push_back(TrackRef{t.keyword, false, weight_of(t, 0), &t});
        }
      } else if (w == "track_script") {
        for (const Statement& t : s.children) in.tracks.push_back(TrackRef{t.keyword, true, weight_of(t, 0), &t});
      } else if (w == "notify_master" || w == "notify_backup" || w == "notify_fault" || w == "notify_stop" ||
                 w == "notify" || w == "notify_master_rx_lower_pri" || w == "notify_deleted") {
        notify(s);
      } else if (w == "garp_master_delay" || w == "garp_master_repeat" || w == "garp_master_refresh" ||
                 w == "garp_master_refresh_repeat" || w == "garp_lower_prio_delay" || w == "garp_lower_prio_repeat" ||
                 w == "garp_interval" || w == "gna_interval") {
        garp_.push_back(&s);
      } else if (w == "lvs_sync_daemon_interface") {
        in.sync_iface = &s;
      } else if (w == "smtp_alert") {
        cx_.dropped(s, "tandem sends no mail; role changes are in the journal and run [notify] command");
      } else if (w == "virtual_routes" || w == "virtual_rules") {
        cx_.dropped(s, "tandem moves addresses, not routes: add and remove them with a [[resource]] whose command "
                       "is a script called with start and stop");
      } else if (w == "use_vmac" || w == "vmac_xmit_base") {
        cx_.dropped(s, "tandem announces the VIPs with gratuitous ARP / unsolicited NA from the interface's own "
                       "MAC address; there is no virtual MAC");
      } else if (w == "dont_track_primary" || w == "track_process" || w == "track_file" || w == "track_bfd" ||
                 w == "skip_check_adv_addr" || w == "strict_mode" || w == "version" || w == "accept" ||
                 w == "no_accept" || w == "native_ipv6" || w == "debug" || w == "linkbeat_use_polling" ||
                 w == "check_unicast_src" || w == "unicast_ttl" || w == "kernel_rx_buf_size" ||
                 w == "promote_secondaries" || w == "down_timer_adverts" || w == "lower_prio_no_advert" ||
                 w == "higher_prio_send_advert" || w == "old_unicast_checksum" || w == "unicast_fault_no_peer" ||
                 w == "mcast_group" || w == "send_garp_on_startup") {
        cx_.dropped(s, "a VRRP protocol setting; tandem's heartbeats are its own protocol (UDP, [cluster] port)");
      } else {
        cx_.unknown(s, "vrrp_instance");
      }
    }
    if (!in.iface_st) cx_.error(b, "vrrp_instance " + quoted(in.name) + " has no interface (keepalived refuses it)");
    const bool any_vip = std::any_of(b.children.begin(), b.children.end(), [](const Statement& s) {
      return s.keyword.starts_with("virtual_ipaddress") && !s.children.empty();
    });
    if (!any_vip)
      cx_.warn(b, "vrrp_instance " + quoted(in.name) + " has no virtual_ipaddress: its group holds no VIP");
    instances_.push_back(std::move(in));
  }

  void vip(Instance& in, const Statement& a) {
    std::string addr = a.keyword;
    const auto slash = addr.find('/');
    const auto ip = IpAddress::parse(addr.substr(0, slash));
    if (!ip) {
      cx_.error(a, "virtual_ipaddress " + comment_safe(addr) + " is not an IPv4 or IPv6 address");
      return;
    }
    // Without a prefix keepalived adds /32 (/128), as ip addr add does.
    const std::string text = slash == std::string::npos ? ip->str() + (ip->is_v4() ? "/32" : "/128") : addr;
    const auto prefix = IpPrefix::parse(text);
    if (!prefix) {
      cx_.error(a, "virtual_ipaddress " + comment_safe(addr) + ": the prefix length is not valid");
      return;
    }
    VipOut v;
    v.prefix = *prefix;
    v.iface = in.iface;
    v.source = Context::source(a);
    for (std::size_t i = 0; i < a.args.size(); ++i) {
      const std::string& k = a.args[i];
      const bool has_value = i + 1 < a.args.size();
      if (k == "dev" && has_value) {
        v.iface = a.args[++i];
        if (auto problem = interface_problem(v.iface)) {
          cx_.error(a, "virtual_ipaddress " + comment_safe(addr) + " dev " + *problem);
          return;
        }
      } else if (k == "label" && has_value) {
        v.label = a.args[++i];
        if (!ip->is_v4()) {
          cx_.warn(a, "label " + comment_safe(v.label) + " is not carried over: labels are IPv4 only");
          v.label.clear();
        } else if (v.label.size() > kMaxInterfaceName || !is_plain_utf8(v.label)) {
          cx_.error(a, "label " + comment_safe(v.label) + ": at most 15 characters");
          return;
        }
      } else if ((k == "brd" || k == "broadcast" || k == "scope" || k == "peer" || k == "preferred_lft" ||
                  k == "valid_lft" || k == "metric" || k == "track_group") && has_value) {
        cx_.warn(a, comment_safe(k) + " " + comment_safe(a.args[i + 1]) + " is not carried over: tandem adds the "
                                                                          "VIP with the kernel's defaults for it");
        ++i;
      } else if (k == "home" || k == "-nodad" || k == "nodad" || k == "noprefixroute" || k == "autojoin" ||
                 k == "no_track" || k == "use_vmac" || k == "mngtmpaddr") {
        cx_.warn(a, comment_safe(k) + " is not carried over: tandem adds the VIP with the kernel's defaults");
      } else {
        cx_.error(a, "virtual_ipaddress " + comment_safe(addr) + ": " + quoted(k) +
                         " is not an option keepalived knows here (dev, label, brd, scope, ...)");
        return;
      }
    }
    if (v.iface.empty()) return;  // the instance's missing interface is reported
    if (!v.label.empty() && v.label.compare(0, v.iface.size(), v.iface) != 0) {
      cx_.error(a, "label " + comment_safe(v.label) + " must start with the interface name " + comment_safe(v.iface) +
                       " (the kernel refuses it otherwise), e.g. label " + comment_safe(v.iface) + ":vip");
      return;
    }
    for (const auto& other : instances_)
      for (const auto& o : other.vips)
        if (o.prefix.address == v.prefix.address) {
          cx_.error(a, "VIP " + v.prefix.address.str() + " is also in vrrp_instance " + quoted(other.name) +
                           ": one address can move with one failover group only");
          return;
        }
    for (const auto& o : in.vips)
      if (o.prefix.address == v.prefix.address) {
        cx_.warn(a, "VIP " + v.prefix.address.str() + " is given twice; the first is kept");
        return;
      }
    in.vips.push_back(std::move(v));
  }

  void notify(const Statement& s) {
    std::string which = s.keyword == "notify" ? "on every state change" : "on " + s.keyword.substr(7);
    cx_.warn(s, comment_safe(s.keyword) + " is not carried over: tandem runs one [notify] command on every role "
                                          "change with NEW-ROLE OLD-ROLE REASON appended (roles active, backup, "
                                          "standby, fault; TANDEM_GROUP in the environment), while keepalived ran "
                                          "this script " + which +
                                          (s.keyword == "notify" ? " with TYPE NAME STATE PRIORITY" : "") +
                                          "; write a wrapper that runs it when NEW-ROLE is the one it is for, and "
                                          "set [notify] command = [\"/path/of/wrapper\"]");
  }

  void script(const Statement& b) {
    if (b.args.size() != 1) {
      cx_.error(b, "vrrp_script needs one name, e.g. vrrp_script chk_haproxy {");
      return;
    }
    Script sc;
    sc.block = &b;
    sc.name = b.args[0];
    if (scripts_.count(sc.name)) {
      cx_.error(b, "vrrp_script " + quoted(sc.name) + " is given twice");
      return;
    }
    bool timeout_given = false;
    for (const Statement& s : b.children) {
      const std::string& w = s.keyword;
      if (w == "script") {
        if (s.args.empty()) {
          cx_.error(s, "script needs the command line, e.g. script \"/usr/local/bin/check_haproxy\"");
          continue;
        }
        std::string line;
        for (const auto& a : s.args) line += (line.empty() ? "" : " ") + a;
        sc.command = keepalived::command_words(line);
        if (sc.command.empty() || sc.command[0].empty() || sc.command[0][0] != '/')
          cx_.error(s, "script " + quoted(line) + ": tandem runs the command with execve, so it needs an absolute "
                                                  "path (a shell line such as \"killall -0 haproxy\" becomes "
                                                  "[\"/usr/bin/killall\", \"-0\", \"haproxy\"])");
      } else if (w == "interval") {
        if (auto v = keepalived::seconds(cx_, s, 0)) sc.interval = *v;
      } else if (w == "timeout") {
        if (auto v = keepalived::seconds(cx_, s, 0)) {
          sc.timeout = *v;
          timeout_given = true;
        }
      } else if (w == "rise") {
        if (auto v = keepalived::integer(cx_, s, 0, 1, 100)) sc.rise = static_cast<int>(*v);
      } else if (w == "fall") {
        if (auto v = keepalived::integer(cx_, s, 0, 1, 100)) sc.fall = static_cast<int>(*v);
      } else if (w == "weight") {
        if (auto v = weight_of(Statement{s.file, s.line, s.text, "x", {"weight", s.args.empty() ? "" : s.args[0]}}, 0))
          sc.weight = *v;
        if (s.args.size() > 1)
          cx_.warn(s, "\"" + keepalived::statement_text(s) + "\": only the number is carried over (tandem has no "
                                                             "reverse weights)");
      } else if (w == "user") {
        cx_.dropped(s, "tandem runs track commands as its own user (root, within the unit's capabilities)");
      } else if (w == "init_fail") {
        cx_.dropped(s, "a tandem track starts down and is up after rise successes");
      } else {
        cx_.unknown(s, "vrrp_script");
      }
    }
    if (!timeout_given) sc.timeout = sc.interval;
    if (sc.timeout > sc.interval) {
      cx_.warn(b, "vrrp_script " + quoted(sc.name) + ": the timeout " + format_duration(sc.timeout) +
                      " is longer than the interval " + format_duration(sc.interval) +
                      ", which tandem does not allow; it is the interval");
      sc.timeout = sc.interval;
    }
    if (sc.command.empty() && cx_.result.errors.empty()) cx_.error(b, "vrrp_script " + quoted(sc.name) + " has no script");
    scripts_.emplace(sc.name, std::move(sc));
  }

  void sync_group(const Statement& b) {
    if (b.args.size() != 1) {
      cx_.error(b, "vrrp_sync_group needs one name");
      return;
    }
    std::vector<std::string> members;
    for (const Statement& s : b.children) {
      if (s.keyword == "group") {
        for (const Statement& m : s.children) {
          members.push_back(m.keyword);
          for (const auto& a : m.args) members.push_back(a);
        }
        for (const auto& a : s.args) members.push_back(a);
      } else if (s.keyword.starts_with("notify")) {
        notify(s);
      } else if (s.keyword == "smtp_alert" || s.keyword == "global_tracking" || s.keyword == "sync_group_tracking_weight") {
        cx_.dropped(s, "a tandem failover group moves as a whole, with the node's [[track]]s");
      } else if (s.keyword == "track_script" || s.keyword == "track_interface") {
        cx_.warn(s, comment_safe(s.keyword) + " in a vrrp_sync_group is not carried over: track it in the "
                                              "group's instances");
      } else {
        cx_.unknown(s, "vrrp_sync_group");
      }
    }
    const std::string& name = b.args[0];
    for (const auto& m : members) {
      Instance* in = find_instance(m);
      if (!in) {
        cx_.error(b, "vrrp_sync_group " + quoted(name) + " names vrrp_instance " + quoted(m) + ", which is not "
                                                                                             "in the file");
        continue;
      }
      if (!in->group.empty()) {
        cx_.error(b, "vrrp_instance " + quoted(m) + " is in two sync groups (" + in->group + " and " + name + ")");
        continue;
      }
      in->group = name;
    }
  }

  Instance* find_instance(const std::string& name) {
    for (auto& in : instances_)
      if (in.name == name) return &in;
    return nullptr;
  }

  // The tandem groups: one per sync group, then one per instance outside
  // them, in file order; names fitted to tandem's rules.
  void check_names() {
    std::set<std::string> used;
    std::map<std::string, std::string> tandem_name;  // keepalived name -> tandem name
    auto fit = [&](const std::string& n) {
      auto it = tandem_name.find(n);
      if (it != tandem_name.end()) return it->second;
      const std::string t = unique_name(plain_name_of(n, kMaxGroupName - 3, "group"), used);
      tandem_name.emplace(n, t);
      return t;
    };
    for (const auto& in : instances_) {
      const std::string key = in.group.empty() ? "i:" + in.name : "g:" + in.group;
      auto it = std::find_if(groups_.begin(), groups_.end(), [&](const GroupOut& g) { return g.source.text == key; });
      if (it == groups_.end()) {
        GroupOut g;
        g.name = fit(in.group.empty() ? in.name : in.group);
        g.source = Source{"", 0, key};
        groups_.push_back(std::move(g));
        it = groups_.end() - 1;
      }
      it->instances.push_back(&in);
    }
    // A tandem group is the VIPs that move together: a group without any
    // (instances kept for their notify scripts) is left out, unless no
    // group has any (then the first stays).
    const auto holds_vips = [](const GroupOut& g) {
      return std::any_of(g.instances.begin(), g.instances.end(), [](const Instance* i) { return !i->vips.empty(); });
    };
    if (std::any_of(groups_.begin(), groups_.end(), holds_vips)) {
      for (auto it = groups_.begin(); it != groups_.end();) {
        if (!holds_vips(*it)) {
          cx_.warn(*it->instances.front()->block, "vrrp_instance " + quoted(it->instances.front()->name) +
                                                      " holds no VIP, so it is not made a failover group");
          it = groups_.erase(it);
        } else {
          ++it;
        }
      }
    } else {
      // None holds a VIP: the first is the one group, without VIPs.
      for (auto it = groups_.size() > 1 ? groups_.begin() + 1 : groups_.end(); it != groups_.end();) {
        cx_.warn(*it->instances.front()->block, "vrrp_instance " + quoted(it->instances.front()->name) +
                                                    " holds no VIP, and neither does any other: only the first, " +
                                                    quoted(groups_.front().instances.front()->name) +
                                                    ", is carried over");
        it = groups_.erase(it);
      }
    }
    for (auto& g : groups_) {
      const Instance* first = g.instances.front();
      g.source = first->group.empty()
                     ? Context::source(*first->block)
                     : Context::source(**std::find_if(sync_groups_.begin(), sync_groups_.end(), [&](const Statement* s) {
                         return !s->args.empty() && s->args[0] == first->group;
                       }));
    }
    if (groups_.size() > kMaxGroups)
      cx_.error(*instances_[0].block, std::to_string(groups_.size()) + " failover groups (vrrp_instances outside a "
                                      "sync group, and sync groups): tandem allows " + std::to_string(kMaxGroups));
  }

  void read_peer_config() {
    if (o_.peer_config.empty()) return;
    auto peer = keepalived::read_keepalived(o_.peer_config, files_);
    for (auto& e : peer.errors) cx_.result.errors.push_back(e);
    if (!peer.errors.empty()) return;
    for (const Statement& s : peer.statements) {
      if (s.keyword != "vrrp_instance" || s.args.size() != 1) continue;
      PeerInstance p;
      for (const Statement& c : s.children) {
        if (c.keyword == "priority" && c.args.size() == 1) {
          Context quiet;
          if (auto v = keepalived::integer(quiet, c, 0, 1, 255)) p.priority = static_cast<int>(*v);
          else cx_.error(c, "the peer's priority " + comment_safe(c.args[0]) + ": 1..255");
        } else if (c.keyword == "state" && c.args.size() == 1) {
          p.master = c.args[0] == "MASTER";
        } else if (c.keyword == "nopreempt") {
          p.nopreempt = true;
        } else if (c.keyword == "virtual_router_id" && c.args.size() == 1) {
          Context quiet;
          if (auto v = keepalived::integer(quiet, c, 0, 1, 255)) p.vrid = static_cast<int>(*v);
        }
      }
      peer_instances_.emplace(s.args[0], p);
    }
    for (const auto& in : instances_) {
      auto it = peer_instances_.find(in.name);
      if (it == peer_instances_.end())
        cx_.error(*in.block, "vrrp_instance " + quoted(in.name) + " is not in the peer's file " +
                                 comment_safe(o_.peer_config) + ": the two directors' files must have the same "
                                                                "instances");
      else if (it->second.vrid != in.vrid)
        cx_.warn(*in.block, "vrrp_instance " + quoted(in.name) + " has another virtual_router_id in the peer's file");
    }
    for (const auto& [name, p] : peer_instances_)
      if (!find_instance(name))
        cx_.result.errors.push_back(diagnostic_at(file_, 0, "the peer's file " + comment_safe(o_.peer_config) + " has vrrp_instance " + quoted(name) +
                      ", which this file does not: the two directors' files must have the same instances"));
  }

  // Who is preferred in each group, and whether it takes the VIPs back.
  void elect(GroupOut& g) {
    const Instance& in = *g.instances.front();
    const std::string inst = "vrrp_instance " + quoted(in.name);
    if (in.master && in.nopreempt)
      cx_.warn(*in.nopreempt, "nopreempt with state MASTER: keepalived clears it (\"nopreempt will not work with "
                              "initial state MASTER - clearing\"), so this director takes the VIPs back; "
                              "imported as keepalived runs it");
    if (in.preempt_delay) {
      if (in.master)
        cx_.warn(*in.preempt_delay, "preempt_delay with state MASTER: keepalived clears it; not carried over");
      else
        cx_.dropped(*in.preempt_delay, "tandem has no failback delay: with auto_failback the preferred node takes "
                                       "the VIPs back by a planned switchover (no request lost) once it has joined; "
                                       "for a chosen moment, set auto_failback = false and run tandemctl takeover");
    }
    const Source own = in.priority_st ? Context::source(*in.priority_st)
                                      : Source{in.block->file, in.block->line, "(no priority: keepalived's default, 100)"};
    auto it = o_.peer_config.empty() ? peer_instances_.end() : peer_instances_.find(in.name);
    if (it != peer_instances_.end()) {
      const PeerInstance& p = it->second;
      const std::string both = " (priority " + std::to_string(in.priority) + " here, " + std::to_string(p.priority) +
                               " in the peer's file)";
      if (in.priority > p.priority) {
        g.preferred = o_.node;
        g.failback = in.preempts();
      } else if (p.priority > in.priority) {
        g.preferred = o_.peer;
        g.failback = p.preempts();
      } else {
        g.preferred.clear();
        g.failback = false;
        cx_.warn(*in.block, inst + ": both directors have priority " + std::to_string(in.priority) +
                                ": VRRP then prefers the higher address and neither takes the VIPs back, so the "
                                "group has no preferred node; set preferred if one should be");
      }
      g.preferred_src = Source{own.file, own.line, own.text + " -- the higher priority" + both};
      return;
    }
    if (in.master || in.priority == 255) {
      g.preferred = o_.node;
      g.failback = true;
      g.preferred_src = in.state_st && in.master ? Context::source(*in.state_st) : own;
      if (o_.peer_config.empty() && !o_.services_only && in.priority != 255)
        cx_.warn(in.state_st ? *in.state_st : *in.block,
                 inst + ": state MASTER is taken to mean this director is the preferred one; VRRP elects the higher "
                        "priority, which the peer's file holds: give --peer-config PEER.conf to compare them");
      return;
    }
    g.preferred = o_.peer;
    g.failback = true;
    g.preferred_src = in.state_st ? Context::source(*in.state_st)
                                  : Source{in.block->file, in.block->line, "(no state: keepalived's default, BACKUP)"};
    cx_.warn(in.state_st ? *in.state_st : *in.block,
             inst + ": state BACKUP is taken to mean the peer (" + o_.peer + ") is the preferred director, with a "
                    "state MASTER instance that takes the VIPs back; if both files say BACKUP, the higher priority "
                    "is preferred and nopreempt stops failback: give --peer-config PEER.conf to compare them");
  }

  // ---- output ----

  void write() {
    if (o_.services_only) {
      out_.comment("tandem.toml imported from " + comment_safe(file_) + " (keepalived.conf) by tandemctl import "
                                                                      "keepalived.");
      out_.comment("Only the IPVS part (--services-only): paste it into a tandem.toml that has [node], [cluster] "
                   "and [[link]].");
      out_.blank();
      write_sync();
      keepalived::write_services(cx_, services_, keepalived::ServiceFacts{}, out_);
      return;
    }
    if (o_.node.empty()) cx_.result.errors.push_back(diagnostic_at(file_, 0, "this director's name is needed: give "
                                                                             "--node NAME"));
    else if (auto p = node_name_problem(o_.node))
      cx_.result.errors.push_back(diagnostic_at(file_, 0, "--node " + comment_safe(o_.node) + ": the name " + *p));
    if (o_.peer.empty())
      cx_.result.errors.push_back(diagnostic_at(
          file_, 0, "keepalived.conf does not name the other director: give --peer NAME (its [node] name)"));
    else if (auto p = node_name_problem(o_.peer))
      cx_.result.errors.push_back(diagnostic_at(file_, 0, "--peer " + comment_safe(o_.peer) + ": the name " + *p));
    else if (o_.peer == o_.node)
      cx_.result.errors.push_back(diagnostic_at(file_, 0, "--peer is this director's own name"));
    if (instances_.empty()) {
      cx_.result.errors.push_back(diagnostic_at(
          file_, 0, "the file has no vrrp_instance, so nothing says which addresses move between the directors: "
                    "import only its virtual servers with --services-only"));
      TomlWriter scratch;  // their problems are reported all the same
      keepalived::write_services(cx_, services_, keepalived::ServiceFacts{}, scratch);
      return;
    }
    // With errors so far the rest is still read, so that one run reports
    // every problem; the text is dropped.
    for (auto& g : groups_) elect(g);

    const std::string host_note = o_.node_from_hostname ? " (this host's name; --node picks another)" : "";
    out_.comment("tandem.toml imported from keepalived's " + comment_safe(file_) + " (tandemctl import keepalived)");
    out_.comment("for node " + o_.node + host_note + "; import the other director's keepalived.conf there with "
                 "--node " + o_.peer + " --peer " + o_.node);
    out_.comment("Each item names the line it came from; read the warnings before using it.");
    write_node(out_, o_);
    write_priority();
    out_.table("cluster");
    write_peer(out_, o_);
    const bool default_group = groups_.size() == 1;
    if (default_group) write_election(groups_[0]);
    write_timing();
    const Source port{"(tandem's heartbeats are UDP to this port on each link; VRRP was IP protocol 112)", 0, ""};
    out_.integer("port", 694, &port);
    const Source keys{"(make it with: " + new_authkeys_command() + ")", 0, ""};
    out_.string("authkeys", "/etc/tandem/authkeys", &keys);
    cx_.result.warnings.push_back(diagnostic_at(
        file_, 0, "tandem's heartbeats are UDP port 694 between the directors' link addresses (not VRRP, IP protocol "
                  "112): let them through the firewall on both, and make /etc/tandem/authkeys, the same on both: " +
                      new_authkeys_command()));
    write_links();
    write_tracks();
    if (default_group) {
      for (const auto* in : groups_[0].instances)
        for (const auto& v : in->vips) write_vip("vip", v);
    } else {
      for (const auto& g : groups_) {
        out_.source(g.source);
        out_.array_table("group");
        out_.string("name", g.name);
        write_election(g);
        for (const auto* in : g.instances)
          for (const auto& v : in->vips) write_vip("group.vip", v);
      }
    }
    write_garp();
    write_sync();
    keepalived::ServiceFacts facts;
    if (!default_group)
      for (const auto& g : groups_) {
        facts.groups.push_back(g.name);
        auto& addresses = facts.group_vips.emplace_back();
        for (const auto* in : g.instances)
          for (const auto& v : in->vips) addresses.push_back(v.prefix.address);
      }
    keepalived::write_services(cx_, services_, facts, out_);
  }

  void write_priority() {
    int p = instances_.front().priority;
    const bool same = std::all_of(instances_.begin(), instances_.end(), [&](const Instance& i) { return i.priority == p; });
    if (!same) {
      cx_.warn(*instances_.front().block, "the instances have different priorities: tandem's [node] priority is one "
                                          "per director (it breaks ties in an election), so it is left at its "
                                          "default; each group's preferred node says who holds it");
      return;
    }
    const Instance& in = instances_.front();
    const Source s = in.priority_st ? Context::source(*in.priority_st)
                                    : Source{in.block->file, in.block->line, "(no priority: keepalived's default, 100)"};
    out_.integer("priority", p, &s);
  }

  void write_election(const GroupOut& g) {
    if (!g.preferred.empty()) out_.string("preferred", g.preferred, &g.preferred_src);
    const Instance& in = *g.instances.front();
    Source fb;
    if (g.preferred.empty()) fb = Source{in.block->file, in.block->line, "(no preferred node: nothing to fail back to)"};
    else if (g.preferred == o_.node)
      fb = in.nopreempt && !in.master && in.priority != 255 ? Context::source(*in.nopreempt)
           : Source{in.block->file, in.block->line,
                    g.failback ? "(keepalived preempts: the higher priority takes the VIPs back)" : ""};
    else
      fb = Source{in.block->file, in.block->line,
                  o_.peer_config.empty() ? "(the peer is taken to be state MASTER, which keepalived lets preempt)"
                  : g.failback           ? "(the peer's file lets it preempt)"
                                         : "(the peer's file has nopreempt)"};
    out_.boolean("auto_failback", g.failback, &fb);
    for (std::size_t i = 1; i < g.instances.size(); ++i) {
      const Instance& o = *g.instances[i];
      if (o.master != in.master || o.priority != in.priority || o.preempts() != in.preempts())
        cx_.warn(*o.block, "vrrp_instance " + quoted(o.name) + " differs from " + quoted(in.name) +
                               " in state, priority or nopreempt, but they are one sync group: the group follows " +
                               quoted(in.name));
    }
  }

  void write_timing() {
    const Instance* fastest = &instances_.front();
    for (const auto& in : instances_)
      if (in.advert < fastest->advert) fastest = &in;
    for (const auto& in : instances_)
      if (in.advert != fastest->advert && in.advert_st)
        cx_.warn(*in.advert_st, "advert_int differs between instances: tandem sends one heartbeat stream, every " +
                                    format_duration(fastest->advert) + " (the shortest)");
    const Duration advert = fastest->advert;
    // keepalived's master down interval: 3 adverts plus the skew of this
    // director's priority, (256 - priority) / 256 of an advert.
    const Duration skew = Duration(advert.count() * (256 - fastest->priority) / 256);
    const Duration deadtime = 3 * advert + skew;
    const Source a = fastest->advert_st ? Context::source(*fastest->advert_st)
                                        : Source{fastest->block->file, fastest->block->line,
                                                 "(no advert_int: keepalived's default, 1 s)"};
    const Source d{"(keepalived's master down interval: 3 x advert_int + (256 - priority) / 256 x advert_int)", 0, ""};
    out_.duration("interval", advert, &a);
    out_.duration("deadtime", deadtime, &d);
    out_.duration("warntime", 2 * advert);
    const Duration initdead = std::max(deadtime, Duration(3000));
    const Source i{"(tandem's default, at least deadtime: the time to hear the peer after a start)", 0, ""};
    out_.duration("initdead", initdead, &i);
  }

  void write_links() {
    std::vector<std::string> done;
    for (const auto& in : instances_) {
      if (!in.iface_st) continue;  // reported: it has no interface
      if (std::find(done.begin(), done.end(), in.iface) != done.end()) continue;
      done.push_back(in.iface);
      // Every instance on this interface must agree on the peer.
      std::optional<IpAddress> peer;
      const Statement* at = in.iface_st;
      Source src;
      bool reported = false;
      for (const auto& other : instances_) {
        if (other.iface != in.iface) continue;
        if (other.peers.size() > 1) {
          cx_.error(*other.peers[1].second, "unicast_peer lists " + std::to_string(other.peers.size()) +
                                                " addresses: tandem runs a pair of directors, with one peer");
          reported = true;
          break;
        }
        if (other.peers.size() == 1) {
          if (peer && *peer != other.peers[0].first) {
            cx_.error(*other.peers[0].second, "unicast_peer " + other.peers[0].first.str() + " differs from " +
                                                  peer->str() + " given for another instance on " + in.iface);
            return;
          }
          if (!peer) src = Context::source(*other.peers[0].second);
          peer = other.peers[0].first;
        }
      }
      if (reported) continue;
      const auto flag = o_.peer_addresses.find(in.iface);
      if (flag != o_.peer_addresses.end()) {
        const auto ip = IpAddress::parse(flag->second);
        if (!ip || ip->is_multicast()) {
          cx_.result.errors.push_back(diagnostic_at(
              file_, 0, "--peer-address " + in.iface + "=" + comment_safe(flag->second) + ": not a unicast address"));
          continue;
        }
        if (peer && *peer != *ip)
          cx_.warn(*at, "--peer-address " + in.iface + "=" + ip->str() + " replaces unicast_peer " + peer->str());
        peer = ip;
        src = Source{"--peer-address", 0, in.iface + "=" + flag->second};
      }
      if (!peer) {
        cx_.error(*at, "vrrp_instance " + quoted(in.name) + " on " + in.iface + " has no unicast_peer: keepalived "
                       "sent its adverts to the VRRP multicast group, while tandem sends heartbeats to the peer's "
                       "address; give --peer-address " + in.iface + "=ADDR (the other director's address on " +
                       in.iface + ")");
        continue;
      }
      out_.source(src);
      out_.array_table("link");
      out_.string("name", in.iface);
      out_.string("interface", in.iface, in.iface_st ? &links_src(*in.iface_st) : nullptr);
      out_.string("peer", peer->str());
    }
    for (const auto& [iface, addr] : o_.peer_addresses)
      if (std::find(done.begin(), done.end(), iface) == done.end()) {
        if (auto problem = interface_problem(iface)) {
          cx_.result.errors.push_back(diagnostic_at(file_, 0, "--peer-address " + comment_safe(iface) + ": the "
                                                                   "interface " + *problem));
          continue;
        }
        const auto ip = IpAddress::parse(addr);
        if (!ip || ip->is_multicast()) {
          cx_.result.errors.push_back(
              diagnostic_at(file_, 0, "--peer-address " + iface + "=" + comment_safe(addr) + ": not a unicast address"));
          continue;
        }
        // A second link (keepalived has one per instance): tandem's peer is
        // dead only when every link is silent.
        const Source s{"--peer-address", 0, iface + "=" + addr};
        out_.source(s);
        out_.array_table("link");
        out_.string("name", iface);
        out_.string("interface", iface);
        out_.string("peer", ip->str());
      }
  }

  const Source& links_src(const Statement& s) {
    link_sources_.push_back(Context::source(s));
    return link_sources_.back();
  }

  void write_tracks() {
    // Tracks are the node's: one [[track]] per script or interface, however
    // many instances track it. keepalived's weight 0 (the default) puts the
    // instance in FAULT; tandem's nearest is a weight that outweighs every
    // weighted track together.
    struct Out {
      TrackRef ref;
      int weight = 0;  // keepalived's, 0: fault
      std::set<std::string> instances;
    };
    std::vector<Out> tracks;
    for (const auto& in : instances_)
      for (const auto& t : in.tracks) {
        auto it = std::find_if(tracks.begin(), tracks.end(),
                               [&](const Out& o) { return o.ref.name == t.name && o.ref.script == t.script; });
        int w = t.weight.value_or(0);
        if (t.script) {
          auto sc = scripts_.find(t.name);
          if (sc == scripts_.end()) {
            cx_.error(*t.at, "track_script " + quoted(t.name) + ": no vrrp_script " + quoted(t.name) + " in the file");
            continue;
          }
          sc->second.used = true;
          if (!t.weight) w = sc->second.weight;
        }
        if (it == tracks.end()) {
          tracks.push_back(Out{t, w, {in.name}});
        } else {
          it->instances.insert(in.name);
          if (it->weight != w)
            cx_.warn(*t.at, "this track has another weight in vrrp_instance " + quoted(*it->instances.begin()) +
                                "; tandem's tracks are the node's, with one weight: the first is used");
        }
      }
    // Scripts that nothing tracks.
    for (const auto& [name, sc] : scripts_)
      if (!sc.used) cx_.warn(*sc.block, "vrrp_script " + quoted(name) + " is not tracked by any vrrp_instance and "
                                                                        "is not carried over");
    if (tracks.empty()) return;
    int weighted = 0;
    for (const auto& t : tracks) weighted += std::abs(t.weight);
    std::set<std::string> names;
    for (const auto& t : tracks) {
      if (t.instances.size() < instances_.size())
        cx_.warn(*t.ref.at, "tracked by " + std::to_string(t.instances.size()) + " of " +
                                std::to_string(instances_.size()) + " instances: a tandem [[track]] is the node's "
                                "fitness and moves every group when it fails, not only those instances");
      if (t.weight != 0)
        cx_.warn(*t.ref.at, "weight " + std::to_string(t.weight) + ": keepalived moved the VIPs only when the "
                            "changed priority crossed the peer's; tandem moves them whenever the peer's fitness (the "
                            "weights of its tracks that are up) is higher, so this is weight " +
                            std::to_string(std::abs(t.weight)));
      out_.source(Context::source(*t.ref.at));
      out_.array_table("track");
      out_.string("name", unique_name(plain_name_of(t.ref.name, 60, "track"), names));
      const int weight = t.weight != 0 ? std::abs(t.weight) : weighted + 1;
      if (t.ref.script) {
        const Script& sc = scripts_.at(t.ref.name);
        const Source s = Context::source(*sc.block);
        out_.string("type", "script", &s);
        out_.strings("command", sc.command);
        out_.duration("interval", sc.interval);
        out_.duration("timeout", sc.timeout);
        out_.integer("rise", sc.rise);
        out_.integer("fall", sc.fall);
      } else {
        out_.string("type", "interface");
        out_.string("interface", t.ref.name);
      }
      const Source ws{t.weight != 0 ? "(keepalived's weight, as a size)"
                                    : "(keepalived's weight 0: FAULT when down; more than all weighted tracks)",
                      0, ""};
      out_.integer("weight", std::min(weight, 1000), &ws);
    }
  }

  void write_vip(const char* table, const VipOut& v) {
    out_.source(v.source);
    out_.array_table(table);
    out_.string("address", v.prefix.str());
    out_.string("interface", v.iface);
    if (!v.label.empty()) out_.string("label", v.label);
  }

  void write_garp() {
    // garp_master_repeat (default 5) and garp_master_refresh (0: none) are
    // tandem's count and refresh; the rest is reported.
    std::optional<std::int64_t> count, refresh;
    const Statement *count_st = nullptr, *refresh_st = nullptr;
    auto take = [&](const Statement* s, bool global) {
      const std::string w = global ? s->keyword.substr(5) : s->keyword;  // "vrrp_" dropped
      if (w == "garp_master_repeat") {
        if (auto v = keepalived::integer(cx_, *s, 0, 1, 100)) {
          count = *v;
          count_st = s;
        }
      } else if (w == "garp_master_refresh") {
        if (auto v = keepalived::integer(cx_, *s, 0, 0, 86400)) {
          refresh = *v;
          refresh_st = s;
        }
      } else {
        cx_.dropped(*s, "tandem sends [garp] count announcements [garp] interval apart on takeover, and again "
                        "every [garp] refresh");
      }
    };
    for (const Statement* s : garp_globals_) take(s, true);
    for (const Statement* s : garp_) take(s, false);
    if (!count && !refresh) return;
    out_.table("garp");
    if (count) {
      const Source s = Context::source(*count_st);
      out_.integer("count", *count, &s);
    }
    if (refresh) {
      const Source s = Context::source(*refresh_st);
      out_.duration("refresh", Duration(*refresh * 1000), &s);
    }
  }

  void write_sync() {
    // global_defs lvs_sync_daemon IFACE [INSTANCE] [id N] [maxlen N] [port N]
    // [ttl N] [group ADDR], or the older lvs_sync_daemon_interface IFACE in
    // an instance.
    const Statement* iface_st = lvs_sync_;
    const Instance* owner = nullptr;
    for (const auto& in : instances_)
      if (in.sync_iface) {
        if (!iface_st) iface_st = in.sync_iface;
        owner = &in;
      }
    if (!iface_st) return;
    const Statement& s = *iface_st;
    if (s.args.empty()) {
      cx_.error(s, comment_safe(s.keyword) + " needs the interface the sync daemon uses");
      return;
    }
    if (auto problem = interface_problem(s.args[0])) {
      cx_.error(s, comment_safe(s.keyword) + " " + *problem);
      return;
    }
    std::optional<std::int64_t> id, maxlen, port, ttl;
    std::optional<IpAddress> group;
    std::size_t i = 1;
    if (&s == lvs_sync_ && i < s.args.size() && s.args[i] != "id" && s.args[i] != "maxlen" && s.args[i] != "port" &&
        s.args[i] != "ttl" && s.args[i] != "group") {
      for (const auto& in : instances_)
        if (in.name == s.args[i]) owner = &in;
      if (!owner && !o_.services_only)
        cx_.warn(s, "lvs_sync_daemon names vrrp_instance " + quoted(s.args[i]) + ", which is not in the file");
      ++i;
    }
    for (; i < s.args.size(); ++i) {
      const std::string& k = s.args[i];
      if (i + 1 >= s.args.size()) {
        cx_.error(s, comment_safe(s.keyword) + ": " + quoted(k) + " needs a value");
        return;
      }
      auto num = [&](std::int64_t max) { return keepalived::integer(cx_, s, ++i, 0, max); };
      if (k == "id") id = num(255);
      else if (k == "maxlen") maxlen = num(65535);
      else if (k == "port") port = num(65535);
      else if (k == "ttl") ttl = num(255);
      else if (k == "group") {
        group = IpAddress::parse(s.args[++i]);
        if (!group || !group->is_multicast()) {
          cx_.error(s, "lvs_sync_daemon group " + comment_safe(s.args[i]) + ": a multicast address is needed");
          return;
        }
      } else {
        cx_.error(s, comment_safe(s.keyword) + ": " + quoted(k) + " is not id, maxlen, port, ttl or group");
        return;
      }
    }
    out_.source(Context::source(s));
    out_.table("sync");
    out_.string("interface", s.args[0]);
    if (!id && owner && owner->vrid) {
      const Source d{"(no id: keepalived uses the instance's virtual_router_id)", 0, ""};
      out_.integer("syncid", *owner->vrid, &d);
    } else {
      const Source d{"(no id and no instance: keepalived's default, 0)", 0, ""};
      out_.integer("syncid", id.value_or(0), id ? nullptr : &d);
    }
    if (group) out_.string("group", group->str());
    if (port) out_.integer("port", *port);
    if (maxlen) out_.integer("maxlen", *maxlen);
    if (ttl) out_.integer("ttl", *ttl);
  }

  std::string path_, file_;
  const FileReader& files_;
  const ImportOptions& o_;
  Context cx_;
  TomlWriter out_;
  std::vector<Statement> statements_;
  std::vector<Instance> instances_;
  std::map<std::string, Script> scripts_;
  std::vector<const Statement*> sync_groups_, services_, garp_, garp_globals_;
  std::vector<GroupOut> groups_;
  std::map<std::string, PeerInstance> peer_instances_;
  const Statement* lvs_sync_ = nullptr;
  std::deque<Source> link_sources_;
};

}  // namespace

ImportResult import_keepalived(const std::string& path, const FileReader& files, const ImportOptions& options) {
  return Importer(path, files, options).run();
}

}  // namespace tandem::config::legacy
