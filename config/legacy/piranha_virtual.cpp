// lvs.cf's virtual and server blocks (LEGACY-FORMATS 5.3, 5.4) as
// [[virtual_server]] tables with their [[vip]]s, and nanny's check
// (send/expect, send_program, timeout, reentry) as a [virtual_server.check].
#include <algorithm>
#include <array>
#include <cstdio>
#include <regex>

#include "config/legacy/piranha_keys.hpp"
#include "config/names.hpp"

namespace tandem::config::legacy::piranha {
namespace {

constexpr std::array<std::string_view, 8> kSchedulers = {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh"};
constexpr std::size_t kMaxSendExpect = 255;  // piranha's buffers, quotes included
constexpr int kMaxRise = 100;                // tandem's limit

// nanny's convert_str: \n \r \t \\ \' \" become the characters; any other
// backslash stays as it is.
std::string nanny_unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char n = s[i + 1];
      const char* map = nullptr;
      switch (n) {
        case 'n': map = "\n"; break;
        case 'r': map = "\r"; break;
        case 't': map = "\t"; break;
        case '\\': map = "\\"; break;
        case '\'': map = "'"; break;
        case '"': map = "\""; break;
        default: break;
      }
      if (map) {
        out += map;
        ++i;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// The bytes as tandem's send and prefix receive write them (\r \n \t \\ \xHH).
std::string tandem_escape(std::string_view raw) {
  std::string out;
  for (char ch : raw) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\\') out += "\\\\";
    else if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else out += ch;
  }
  return out;
}

struct Seen {
  std::string key;
  int line;
};

class VirtualImporter {
 public:
  VirtualImporter(Context& cx, const Globals& g, std::vector<VipSpec>& vips, TomlWriter& out)
      : cx_(cx), g_(g), vips_(vips), out_(out) {}
  void virtual_block(const Block& b);
  void failover_block(const Block& b);

 private:
  struct Real {
    IpAddress ip;
    std::uint16_t port = 0;
    std::int64_t weight = 1;
    Source source;
    std::vector<Source> more;
  };
  void check(const Block& b, const Keys& k, std::uint16_t vport, bool udp, bool fwmark);
  std::optional<Real> server(const Block& s, std::uint16_t vport);
  std::string where(const Block& b) const { return b.kind + " " + comment_safe(b.name) + " (line " + std::to_string(b.line) + ")"; }

  Context& cx_;
  const Globals& g_;
  std::vector<VipSpec>& vips_;
  TomlWriter& out_;
  std::vector<Seen> seen_;
};

void VirtualImporter::failover_block(const Block& b) {
  Keys k(cx_, b.entries, Scope::failover, where(b));
  cx_.warn(b.line, "failover " + comment_safe(b.name) +
                       " (a piranha fos service: nanny watches it, start_cmd/stop_cmd run it) is not carried over: "
                       "tandem moves VIPs and IPVS services; run the service as a [[resource]] with command = "
                       "[\"/path/of/script\", ...] (called with start, stop and status where the VIPs are)");
}

std::optional<VirtualImporter::Real> VirtualImporter::server(const Block& s, std::uint16_t vport) {
  const std::size_t errors = cx_.result.errors.size();
  Keys k(cx_, s.entries, Scope::server, where(s));
  for (const Block& nested : s.blocks) (void)nested;  // the reader reported them
  Real r;
  r.source = cx_.source(s);
  const Entry* address = k.get("address");
  if (!address) {
    cx_.error(s.line, "server " + comment_safe(s.name) + " has no address = IP");
  } else if (auto ip = ipv4(cx_, *address)) {
    r.ip = *ip;
    r.more.push_back(cx_.source(*address));
  }
  if (const Entry* w = k.get("weight"))
    if (auto v = integer(cx_, *w, 65535)) {
      r.weight = static_cast<std::int64_t>(*v);
      r.more.push_back(cx_.source(*w));
    }
  r.port = vport;
  const Entry* p = k.get("port");
  if (p)
    if (auto v = port(cx_, *p)) {
      if (g_.forwarding == ForwardingMethod::nat) {
        r.port = *v;
        r.more.push_back(cx_.source(*p));
      } else if (*v != vport) {
        cx_.warn(p->line, "port = " + value_text(*p) + " is not carried over: with network = " +
                              (g_.forwarding == ForwardingMethod::dr ? "direct" : "tunnel") +
                              " the traffic goes to the virtual port " + std::to_string(vport) +
                              " (port mapping needs network = nat)");
      }
    }
  std::optional<bool> active = false;
  const Entry* a = k.get("active");
  if (a) active = boolean(cx_, *a);
  if (cx_.result.errors.size() != errors || !active) return std::nullopt;
  if (!*active) {
    cx_.warn(a ? a->line : s.line,
             "server " + comment_safe(s.name) + " is left out: " +
                 (a ? std::string("active = 0") : std::string("it has no active = 1 (piranha's default is 0)")) +
                 ", so lvsd never added it; set active = 1 and import again if it should serve");
    return std::nullopt;
  }
  return r;
}

void VirtualImporter::virtual_block(const Block& b) {
  const std::size_t errors = cx_.result.errors.size();
  Keys k(cx_, b.entries, Scope::virtual_block, where(b));
  const std::string name = comment_safe(b.name);
  const Entry* active_e = k.get("active");
  std::optional<bool> active = false;
  if (active_e) active = boolean(cx_, *active_e);
  if (active && !*active) {
    for (const Block& s : b.blocks) Keys(cx_, s.entries, Scope::server, where(s));
    cx_.warn(active_e ? active_e->line : b.line,
             "virtual " + name + " is left out: " +
                 (active_e ? std::string("active = 0") : std::string("it has no active = 1 (piranha's default is 0)")) +
                 ", so pulse never ran it; set active = 1 and import again if it should run");
    return;
  }

  // The service.
  bool udp = false;
  const Entry* proto = k.get("protocol");
  if (proto) {
    if (proto->values[0].text == "udp") udp = true;
    else if (proto->values[0].text != "tcp")
      cx_.error(proto->line, "protocol = " + value_text(*proto) + ": tcp or udp");
  }
  std::uint16_t vport = 80;
  const Entry* port_e = k.get("port");
  if (port_e)
    if (auto v = port(cx_, *port_e)) vport = *v;
  std::uint64_t fwmark = 0;
  const Entry* fwmark_e = k.get("fwmark");
  if (fwmark_e)
    if (auto v = integer(cx_, *fwmark_e, 0xffffffffu)) fwmark = *v;
  std::optional<IpAddress> vip_ip;
  const Entry* address = k.get("address");
  if (address) {
    vip_ip = ipv4(cx_, *address, 0);
    const std::string& dev = address->values[1].text;
    const std::string iface = dev.substr(0, dev.find(':'));
    if (auto problem = interface_problem(iface)) {
      cx_.error(address->line, "address = " + value_text(*address) + ": the interface " + *problem);
      vip_ip.reset();
    } else if (!is_plain_utf8(dev) || dev.size() > 15 || dev.ends_with(":")) {
      cx_.error(address->line, "address = " + value_text(*address) + ": \"" + comment_safe(dev) +
                                   "\" is not an interface or alias such as eth0:1 (at most 15 characters)");
      vip_ip.reset();
    }
    const Entry* mask = k.get("vip_nmask");
    if (!mask) {
      cx_.error(address->line, "virtual " + name + ": the VIP's netmask is not in lvs.cf: add vip_nmask = "
                                                   "255.255.255.0 (yours) to the block, and import again");
    } else if (auto len = netmask(cx_, *mask); len && vip_ip) {
      VipSpec v{IpPrefix{*vip_ip, *len}, iface, dev.find(':') == std::string::npos ? "" : dev,
                {cx_.source(*address), cx_.source(*mask)}, "the address of virtual " + name};
      add_vip(cx_, vips_, std::move(v), address->line);
    }
  } else if (const Entry* mask = k.get("vip_nmask")) {
    cx_.warn(mask->line, "vip_nmask without address is not carried over: it is the netmask of the address line");
  }
  if (!address && !fwmark)
    cx_.error(b.line, "virtual " + name + " has no address = IP DEV:N (and no fwmark): the importer cannot tell "
                                          "its service; add the address, or set active = 0 to leave it out");

  std::string scheduler = "wlc";
  const Entry* sched = k.get("scheduler");
  if (sched) {
    scheduler = sched->values[0].text;
    if (std::find(kSchedulers.begin(), kSchedulers.end(), scheduler) == kSchedulers.end())
      cx_.error(sched->line, "scheduler = " + value_text(*sched) +
                                 ": piranha knows rr, wrr, lc, wlc, lblc, lblcr, dh and sh (pulse rejects others)");
  }
  std::uint64_t persistent = 0;
  const Entry* pers = k.get("persistent");
  if (pers)
    if (auto v = integer(cx_, *pers, 2678400)) persistent = *v;
  std::optional<int> pmask;
  const Entry* pmask_e = k.get("pmask");
  if (pmask_e) {
    pmask = netmask(cx_, *pmask_e);
    if (pmask && !persistent)
      cx_.warn(pmask_e->line, "pmask without persistent is not carried over: it is the netmask of persistence, "
                              "which is off");
  }
  std::optional<IpAddress> sorry;
  const Entry* sorry_e = k.get("sorry_server");
  if (sorry_e) sorry = ipv4(cx_, *sorry_e);
  bool quiesce = false;
  const Entry* quiesce_e = k.get("quiesce_server");
  if (quiesce_e)
    if (auto v = boolean(cx_, *quiesce_e)) quiesce = *v;
  if (const Entry* lm = k.get("load_monitor")) {
    const std::string& t = lm->values[0].text;
    if (t == "uptime" || t == "rup" || t == "ruptime")
      cx_.warn(lm->line, "load_monitor = " + t + " is not carried over: tandem keeps the weights as written "
                                                  "(it does not poll the real servers' load); drop it, or use a "
                                                  "least-connection scheduler such as wlc");
    else if (t != "none")
      cx_.error(lm->line, "load_monitor = " + value_text(*lm) + ": uptime, rup, ruptime or none");
  }
  if (const Entry* cm = k.get("client_monitor"))
    cx_.warn(cm->line, "client_monitor is not carried over: tandem runs the health checks itself (the "
                       "[virtual_server.check] below); an own checker becomes type = \"external\"");
  for (const char* key : {"master", "dirs"})
    if (const Entry* e = k.get(key))
      cx_.warn(e->line, std::string(key) + " is parsed but unused by piranha, and not carried over: remove it");

  std::vector<Real> reals;
  for (const Block& s : b.blocks)
    if (s.kind == "server")
      if (auto r = server(s, vport)) reals.push_back(std::move(*r));

  // The same service twice is refused (tandem would refuse the output).
  const std::string key = fwmark ? "fwmark " + std::to_string(fwmark)
                                 : std::string(udp ? "UDP " : "TCP ") + (vip_ip ? endpoint_text(*vip_ip, vport) : "");
  if (fwmark || vip_ip) {
    for (const Seen& s : seen_)
      if (s.key == key) {
        cx_.error(b.line, "virtual " + name + " is the same service (" + key + ") as the virtual at line " +
                              std::to_string(s.line) + ": merge them");
        return;
      }
    seen_.push_back({key, b.line});
  }
  if (cx_.result.errors.size() != errors) {
    check(b, k, vport, udp, fwmark != 0);  // its errors too
    return;
  }

  const Source block = cx_.source(b);
  out_.array_table("virtual_server", &block);
  if (fwmark) {
    const Source src = cx_.source(*fwmark_e);
    out_.integer("fwmark", static_cast<std::int64_t>(fwmark), &src);
    if (address) out_.comment("the address is the VIP only: " + source_comment(cx_.source(*address)));
    if (udp) out_.string("protocol", "udp");
  } else {
    const Source port_src = port_e ? cx_.source(*port_e) : cx_.piranha_default("port 80");
    out_.string("address", endpoint_text(*vip_ip, vport), &port_src);
    out_.comment(source_comment(cx_.source(*address)));
    const Source proto_src = proto ? cx_.source(*proto) : cx_.piranha_default("protocol tcp");
    out_.string("protocol", udp ? "udp" : "tcp", &proto_src);
  }
  const Source sched_src = sched ? cx_.source(*sched) : cx_.piranha_default("scheduler wlc");
  out_.string("scheduler", scheduler, &sched_src);
  out_.string("forwarding", name_of(g_.forwarding), &g_.forwarding_source);
  if (persistent) {
    const Source src = cx_.source(*pers);
    out_.duration("persistence", Duration(static_cast<std::int64_t>(persistent) * 1000), &src);
    if (pmask && *pmask != 32) {
      const Source msrc = cx_.source(*pmask_e);
      const std::uint32_t m = *pmask == 0 ? 0 : 0xffffffffu << (32 - *pmask);
      out_.string("persistence_netmask",
                  std::to_string(m >> 24) + "." + std::to_string((m >> 16) & 0xff) + "." +
                      std::to_string((m >> 8) & 0xff) + "." + std::to_string(m & 0xff),
                  &msrc);
    }
  }
  if (sorry) {
    const Source src = cx_.source(*sorry_e);
    const bool with_port = !fwmark || g_.forwarding == ForwardingMethod::nat;
    out_.string("fallback", with_port ? endpoint_text(*sorry, vport) : sorry->str(), &src);
  }
  if (quiesce_e) {
    const Source src = cx_.source(*quiesce_e);
    out_.string("on_failure", quiesce ? "quiesce" : "remove", &src);
    if (quiesce)
      out_.comment("nanny -q sets a failed real's weight to 0 (what piranha's code does; Red Hat's manual describes "
                   "quiesce_server as a connection-table reset instead)");
  } else {
    const Source src = cx_.piranha_default("quiesce_server 0");
    out_.string("on_failure", "remove", &src);
  }
  check(b, k, vport, udp, fwmark != 0);
  if (reals.empty())
    cx_.warn(b.line, "virtual " + name + " has no active server: the virtual server is imported without real "
                                         "servers (add [[virtual_server.real]] tables)");
  for (const Real& r : reals) {
    out_.array_table("virtual_server.real", &r.source);
    const bool nat = g_.forwarding == ForwardingMethod::nat;
    out_.string("address", nat && r.port ? endpoint_text(r.ip, r.port) : r.ip.str(), &r.more.front());
    for (std::size_t i = 1; i < r.more.size(); ++i)
      if (r.more[i].text.rfind("port", 0) == 0) out_.comment(source_comment(r.more[i]));
    const Source* wsrc = nullptr;
    for (const auto& m : r.more)
      if (m.text.rfind("weight", 0) == 0) wsrc = &m;
    const Source wdef = cx_.piranha_default("weight 1");
    out_.integer("weight", r.weight, wsrc ? wsrc : &wdef);
  }
}

void VirtualImporter::check(const Block& b, const Keys& k, std::uint16_t vport, bool udp, bool fwmark) {
  const std::size_t errors = cx_.result.errors.size();
  const std::string name = comment_safe(b.name);
  const Entry* send = k.get("send");
  const Entry* expect = k.get("expect");
  const Entry* program = k.get("send_program");
  const Entry* regex_e = k.get("use_regex");
  const Entry* timeout_e = k.get("timeout");
  const Entry* reentry_e = k.get("reentry");
  bool use_regex = false;
  if (regex_e)
    if (auto v = boolean(cx_, *regex_e)) use_regex = *v;
  for (const Entry* e : {send, expect})
    if (e && e->values[0].text.size() + (e->values[0].quoted ? 2 : 0) > kMaxSendExpect)
      cx_.error(e->line, e->key + " is longer than piranha's " + std::to_string(kMaxSendExpect) + " characters");
  std::int64_t timeout = 10;
  if (timeout_e)
    if (auto v = integer(cx_, *timeout_e, 3600)) {
      if (*v == 0) cx_.error(timeout_e->line, "timeout = 0: give the seconds to wait for an answer (at least 1)");
      timeout = static_cast<std::int64_t>(*v);
    }
  std::int64_t reentry = 180;
  if (reentry_e)
    if (auto v = integer(cx_, *reentry_e, 86400)) reentry = static_cast<std::int64_t>(*v);

  // What to write.
  std::string type = "tcp";
  std::optional<std::string> send_out, receive_out;
  std::optional<bool> regex_out;
  Source send_src, receive_src, match_src;
  std::string receive_comment;
  std::vector<std::string> command;
  if (program) {
    type = "external";
    if (send) cx_.warn(send->line, "send is not carried over: nanny ignores it when send_program is set");
    if (use_regex) cx_.warn(regex_e->line, "use_regex is not carried over: nanny ignores it with send_program");
    const std::string& text = program->values[0].text;
    bool empty_piece = false;
    std::size_t begin = 0;
    while (begin <= text.size()) {
      std::size_t end = text.find(' ', begin);
      if (end == std::string::npos) end = text.size();
      std::string piece = text.substr(begin, end - begin), arg;
      begin = end + 1;
      if (piece.empty()) {
        empty_piece = true;
        continue;
      }
      for (std::size_t i = 0; i < piece.size(); ++i) {
        if (piece[i] == '%' && i + 1 < piece.size() && (piece[i + 1] == 'h' || piece[i + 1] == 'p')) {
          arg += piece.substr(i, 2);
          ++i;
        } else if (piece[i] == '%') {
          arg += "%%";  // nanny passes any other % as it is
        } else {
          arg += piece[i];
        }
      }
      command.push_back(arg);
    }
    if (empty_piece)
      cx_.warn(program->line, "send_program has several blanks in a row: nanny passes empty arguments there; "
                              "tandem's command leaves them out");
    if (command.empty() || command[0][0] != '/')
      cx_.error(program->line, "send_program = " + value_text(*program) +
                                   ": tandem runs an external check by its absolute path: write the full path of "
                                   "the program");
    else if (!is_plain_utf8(text))
      cx_.error(program->line, "send_program is not UTF-8 text");
    if (expect)
      cx_.warn(expect->line, "expect is not carried over: nanny compares send_program's output with it, and tandem's "
                             "external check counts exit status 0 as up: make the program exit 0 when its output is " +
                                 value_text(*expect) + " (a small wrapper script), and non-zero otherwise");
  } else {
    std::optional<std::string> s, e;
    if (send) {
      s = nanny_unescape(send->values[0].text);
      send_src = cx_.source(*send);
    } else if (vport == 80 && !fwmark) {
      s = "GET / HTTP/1.0\r\n\r\n";
      send_src = cx_.piranha_default("send \"GET / HTTP/1.0\\r\\n\\r\\n\" (port 80)");
    }
    if (expect) {
      e = nanny_unescape(expect->values[0].text);
      receive_src = cx_.source(*expect);
    } else if (vport == 80 && !fwmark) {
      e = "HTTP";
      receive_src = cx_.piranha_default("expect \"HTTP\" (port 80)");
    }
    if (s && s->empty()) s.reset();
    if (e && e->empty()) e.reset();
    match_src = regex_e ? cx_.source(*regex_e) : cx_.piranha_default("use_regex 0");
    if (udp) {
      if (!s) {
        cx_.warn(b.line, "virtual " + name + " (UDP) has no send: tandem's udp check needs the datagram to send, so "
                                             "it gets no check and every real counts as healthy; add a "
                                             "[virtual_server.check] type = \"udp\" with send and receive");
        type.clear();
      } else {
        type = "udp";
      }
    } else if (s && !e) {
      cx_.warn(send ? send->line : b.line, "send without expect is not carried over: nanny writes it and reads nothing back; "
                           "tandem's tcp check only connects (add expect to check a reply)");
      s.reset();
    } else if (e) {
      type = "send-expect";
    }
    if (!type.empty() && type != "tcp") {
      if (s) send_out = tandem_escape(*s);
      if (!e || *e == "*") {
        receive_out = ".*";
        regex_out = true;
        receive_comment = e ? "expect \"*\": any reply" : "any reply (nanny reads one byte)";
      } else if (use_regex) {
        receive_out = *e;
        regex_out = true;
        try {
          std::regex re(*e, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
          cx_.error(expect ? expect->line : b.line, "expect = " + (expect ? value_text(*expect) : *e) +
                                      ": with use_regex = 1 it is a regular expression, and this one is not valid "
                                      "for tandem (ECMAScript); fix it, or set use_regex = 0 for a prefix");
        }
      } else {
        receive_out = tandem_escape(*e);
        regex_out = false;
      }
      for (const auto* text : {&s, &e})
        if (*text && !is_plain_utf8(tandem_escape(**text)))
          cx_.error(b.line, "virtual " + name + ": send or expect is not UTF-8 text");
    }
  }
  if (cx_.result.errors.size() != errors || type.empty()) return;

  out_.table("virtual_server.check");
  const Source tsrc = program ? cx_.source(*program)
                              : (send_out || receive_out) ? (receive_out ? receive_src : send_src)
                                                          : Source{"no send/expect:", 0, "nanny connects only"};
  out_.string("type", type, &tsrc);
  if (!command.empty()) out_.strings("command", command, &tsrc);
  if (send_out) out_.string("send", *send_out, &send_src);
  if (receive_out) {
    if (receive_comment.empty()) out_.string("receive", *receive_out, &receive_src);
    else {
      const Source c{"", 0, receive_comment};
      out_.string("receive", *receive_out, expect ? &receive_src : &c);
    }
    out_.string("receive_match", *regex_out ? "regex" : "prefix", &match_src);
  }
  if (fwmark) {
    const Source psrc = k.get("port") ? cx_.source(*k.get("port")) : cx_.piranha_default("port 80");
    out_.integer("port", vport, &psrc);
  }
  const Source tosrc = timeout_e ? cx_.source(*timeout_e) : cx_.piranha_default("timeout 10");
  out_.comment("lvs.cf has no check interval: interval = timeout, the shortest tandem allows");
  out_.duration("interval", Duration(timeout * 1000));
  out_.duration("timeout", Duration(timeout * 1000), &tosrc);
  const Source fall{"nanny marks a real down at its first failed check", 0, ""};
  out_.integer("fall", 1, &fall);
  std::int64_t rise = std::max<std::int64_t>(1, (reentry + timeout - 1) / timeout);
  const Source rsrc = reentry_e ? cx_.source(*reentry_e) : cx_.piranha_default("reentry 180");
  if (rise > kMaxRise) {
    cx_.warn(reentry_e ? reentry_e->line : b.line,
             "reentry = " + std::to_string(reentry) + " would be " + std::to_string(rise) + " checks of " +
                 std::to_string(timeout) + "s; tandem's rise is at most " + std::to_string(kMaxRise) +
                 ": rise = 100 (a real comes back after " + std::to_string(kMaxRise * timeout) +
                 "s); raise the interval to keep the longer wait");
    rise = kMaxRise;
  }
  out_.comment("reentry " + std::to_string(reentry) + "s: rise = reentry / interval");
  out_.integer("rise", rise, &rsrc);
}

}  // namespace

void import_virtuals(Context& cx, const File& file, const Globals& globals, std::vector<VipSpec>& vips,
                     TomlWriter& out) {
  VirtualImporter v(cx, globals, vips, out);
  for (const Block& b : file.blocks) {
    if (b.kind == "virtual") v.virtual_block(b);
    else if (b.kind == "failover") v.failover_block(b);
  }
}

}  // namespace tandem::config::legacy::piranha
