// The ipvsadm importer (LEGACY-FORMATS 6): reads the rules line by line into
// the table they build, the way ipvsadm and the kernel would, then writes it
// as tandem.toml. Semantics kept from ipvsadm 1.29-1.31:
//  - -E and -e send every attribute, so what the line leaves out goes back
//    to ipvsadm's default (scheduler wlc, no persistence, weight 1, -g);
//  - a real's missing port is the service's; -g and -i force the virtual
//    port on an address service;
//  - -p without a timeout is 360 s (IPVS_SVC_PERSISTENT_TIMEOUT; the man page
//    says 300);
//  - -D, -d and -C remove what came before them, as a restore would.
#include "config/legacy/ipvsadm.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <span>
#include <charconv>
#include <optional>
#include <set>

#include "config/address.hpp"
#include "config/config.hpp"
#include "config/legacy/ipvsadm_command.hpp"
#include "config/names.hpp"

namespace tandem::config::legacy {
namespace {

using ipvsadm::Command;
using ipvsadm::Verb;

constexpr std::uint32_t kDefaultPersistence = 360;  // seconds, ipvsadm's code
constexpr std::uint64_t kMaxPersistence = 2678400;  // ipvsadm's MAX_TIMEOUT (31 days)

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> number(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v > max) return std::nullopt;
  return v;
}

bool is_dash(std::string_view w) {  // U+2013 EN DASH, U+2014 EM DASH, U+2212 MINUS SIGN
  return w.starts_with("\xE2\x80\x93") || w.starts_with("\xE2\x80\x94") || w.starts_with("\xE2\x88\x92");
}

bool is_program(std::string_view w) {
  // "ipvsadm", or an absolute path to it (/sbin/ipvsadm, /usr/sbin/ipvsadm).
  return w == "ipvsadm" || (w.starts_with("/") && w.ends_with("/ipvsadm") && w.find('=') == std::string_view::npos);
}

bool is_program_variable(std::string_view w) {
  if (!w.starts_with("$")) return false;
  std::string upper(w);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper == "$IPVSADM" || upper == "${IPVSADM}";
}

// ---- addresses as ipvsadm prints and reads them ----

struct HostPort {
  std::optional<IpAddress> ip;
  std::optional<std::uint16_t> port;  // absent: not written
  std::string error;
};

std::string host_problem(std::string_view host, std::string_view what) {
  const std::string quoted = "\"" + std::string(host) + "\"";
  if (host.empty()) return what.empty() ? "no address" : "no address before the port (an unset shell variable?)";
  if (host.find('$') != std::string_view::npos)
    return quoted + " is a shell variable: the importer does not run the script; write its value";
  if (std::all_of(host.begin(), host.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return quoted + " is not an address";
  bool letter = false, name_chars = true;
  for (char c : host) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) letter = true;
    else if (!((c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) name_chars = false;
  }
  if (letter && name_chars)
    return quoted +
           " is a host name: the importer does not resolve names; write the address, or take the dump with "
           "ipvsadm-save -n (ipvsadm -S -n)";
  return quoted + " is not an IPv4 or IPv6 address";
}

// "10.0.0.1:80", "10.0.0.1", "[2001:db8::1]:80", "[2001:db8::1]", "2001:db8::1".
HostPort parse_host_port(std::string_view text) {
  HostPort r;
  std::string_view host = text, port;
  bool has_port = false;
  if (text.starts_with("[")) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return {std::nullopt, std::nullopt, "\"" + std::string(text) + "\" lacks its ]"};
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return {std::nullopt, std::nullopt, "\"" + std::string(text) + "\": expected :PORT after ]"};
      port = rest.substr(1);
      has_port = true;
    }
    auto ip = IpAddress::parse(host);
    if (!ip || !ip->is_v6()) return {std::nullopt, std::nullopt, "\"" + std::string(host) + "\" is not an IPv6 address"};
    r.ip = ip;
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    auto ip = IpAddress::parse(text);  // IPv6 without brackets: no port
    if (!ip || !ip->is_v6()) return {std::nullopt, std::nullopt, "\"" + std::string(text) + "\" is not an IPv6 address"};
    r.ip = ip;
  } else {
    const std::size_t colon = text.find(':');
    if (colon != std::string_view::npos) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      has_port = true;
    }
    auto ip = IpAddress::parse(host);
    if (!ip || !ip->is_v4()) return {std::nullopt, std::nullopt, host_problem(host, has_port ? "port" : "")};
    r.ip = ip;
  }
  if (has_port) {
    const auto p = number(port, 65535);
    if (!p) {
      const bool name = std::any_of(port.begin(), port.end(), [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                        }) &&
                        std::all_of(port.begin(), port.end(), [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                 c == '-' || c == '_';
                        });
      if (name)
        return {std::nullopt, std::nullopt,
                "\"" + std::string(port) +
                    "\" is a service name: the importer does not look up /etc/services; write the port number, or "
                    "take the dump with ipvsadm-save -n (ipvsadm -S -n)"};
      return {std::nullopt, std::nullopt, "\"" + std::string(port) + "\" is not a port (0..65535)"};
    }
    r.port = static_cast<std::uint16_t>(*p);
  }
  return r;
}

// ---- the table the rules build ----

struct ServiceKey {
  Protocol protocol = Protocol::tcp;  // address services
  IpAddress ip;
  std::uint16_t port = 0;
  std::uint32_t fwmark = 0;  // fwmark services
  int family = AF_INET;
  friend bool operator==(const ServiceKey& a, const ServiceKey& b) {
    if (a.fwmark || b.fwmark) return a.fwmark == b.fwmark && a.family == b.family;
    return a.protocol == b.protocol && a.ip == b.ip && a.port == b.port;
  }
};

std::string describe(const ServiceKey& k) {
  if (k.fwmark) return "FWM " + std::to_string(k.fwmark) + (k.family == AF_INET6 ? " (IPv6)" : "");
  const char* proto = k.protocol == Protocol::tcp ? "TCP" : k.protocol == Protocol::udp ? "UDP" : "SCTP";
  return std::string(proto) + " " + endpoint_text(k.ip, k.port);
}

struct Real {
  IpAddress ip;
  std::uint16_t port = 0;  // the port ipvsadm gives the kernel
  ForwardingMethod forwarding = ForwardingMethod::dr;
  std::uint64_t weight = 1;
  std::uint64_t upper = 0, lower = 0;
  TunnelType tunnel = TunnelType::ipip;
  std::uint16_t tunnel_port = 0;
  int line = 0;
  std::vector<Source> sources;
};

struct Service {
  ServiceKey key;
  std::string scheduler = "wlc";
  std::vector<std::string> flags;  // tandem's names
  std::uint64_t persistence = 0;   // seconds; 0: not persistent
  std::uint32_t netmask = 0;       // IPv4 mask (host order) or IPv6 prefix; 0: default
  int line = 0;
  std::vector<Source> sources;
  std::vector<Real> reals;
};

struct Sync {
  std::string interface;
  std::uint64_t syncid = 0;
  std::optional<IpAddress> group;
  std::uint64_t port = 0, ttl = 0, maxlen = 0;
  std::vector<Source> sources;
  int line = 0;
  bool operator==(const Sync& o) const {
    return interface == o.interface && syncid == o.syncid && group == o.group && port == o.port && ttl == o.ttl &&
           maxlen == o.maxlen;
  }
};

struct LogicalLine {
  int number = 0;  // of its first physical line
  std::string text;
};

std::string names_list(std::span<const std::string_view> names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : " ") + std::string(n);
  return out;
}

// ipvsadm --set TCP TCPFIN UDP as [ipvs] keys: " as tcp_timeout = "900s", ..."
// (0 leaves a timeout unchanged: no key); in words when they are not three
// numbers.
std::string timeout_keys(const std::vector<std::string>& args) {
  const std::string in_words = " as tcp_timeout, tcpfin_timeout and udp_timeout (whole seconds, 1s or more)";
  constexpr std::string_view keys[] = {"tcp_timeout", "tcpfin_timeout", "udp_timeout"};
  if (args.size() != std::size(keys)) return in_words;
  const auto max =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(kMaxIpvsTimeout).count());
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto v = number(args[i], max);
    if (!v) return in_words;
    if (*v) out += (out.empty() ? " as " : ", ") + std::string(keys[i]) + " = \"" + std::to_string(*v) + "s\"";
  }
  return out.empty() ? " (all three are 0 here, which changes nothing)" : out;
}

class Importer {
 public:
  Importer(std::string file, const ImportOptions& options) : file_(std::move(file)), options_(options) {}
  void read(std::string_view text);
  ImportResult finish();

 private:
  void line(const LogicalLine& l);
  void comment(const LogicalLine& l, std::string_view body);
  void command(const LogicalLine& l, const Command& cmd);
  bool allowed(const LogicalLine& l, const Command& cmd, std::initializer_list<std::string_view> names);
  std::optional<ServiceKey> service_key(const LogicalLine& l, const Command& cmd);
  void service(const LogicalLine& l, const Command& cmd, bool edit);
  void real(const LogicalLine& l, const Command& cmd, bool edit);
  void delete_service(const LogicalLine& l, const Command& cmd);
  void delete_real(const LogicalLine& l, const Command& cmd);
  void clear(const LogicalLine& l);
  void sync(const LogicalLine& l, const Command& cmd);
  void write(TomlWriter& out) const;
  Service* find(const ServiceKey& k);

  void warn(int line, std::string m) { result_.warnings.push_back(diagnostic_at(file_, line, std::move(m))); }
  void error(int line, std::string m) { result_.errors.push_back(diagnostic_at(file_, line, std::move(m))); }
  Source source(const LogicalLine& l) const { return Source{file_, l.number, l.text}; }

  std::string file_;
  const ImportOptions& options_;
  ImportResult result_;
  std::vector<Service> services_;
  std::vector<ServiceKey> broken_;  // services whose line had errors: their reals are not reported again
  std::optional<Sync> sync_;
  bool warned_variable_ = false;
  bool any_line_ = false;
};

Service* Importer::find(const ServiceKey& k) {
  for (auto& s : services_)
    if (s.key == k) return &s;
  return nullptr;
}

void Importer::read(std::string_view text) {
  // Binary input is refused as a whole, at its first line with a NUL or a
  // control character other than tab, CR, LF and form feed.
  int number = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') ++number;
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f') || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02X", c);
      error(number, std::string("binary data (byte ") + buf +
                        "): this is not an ipvsadm-save dump or a script of ipvsadm lines");
      return;
    }
  }
  LogicalLine pending;
  number = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view physical = text.substr(begin, end - begin);
    begin = end + 1;
    ++number;
    if (physical.ends_with("\r")) physical.remove_suffix(1);
    if (pending.number == 0) pending.number = number;
    const bool continued = physical.ends_with("\\") && !trim(physical).starts_with("#");
    if (continued) physical.remove_suffix(1);
    pending.text += pending.text.empty() ? physical : trim(physical);
    if (continued && begin < text.size()) {
      pending.text = std::string(trim(pending.text)) + ' ';
      continue;
    }
    if (continued) warn(pending.number, "the last line ends with \\ (a continuation with nothing after it)");
    line(pending);
    pending = {};
  }
}

void Importer::comment(const LogicalLine& l, std::string_view body) {
  body = trim(body.substr(1));
  const std::size_t space = body.find_first_of(" \t");
  const std::string_view first = body.substr(0, space);
  if (is_program(first) || ((first == "-A" || first == "-a" || first == "-E" || first == "-e") && space != std::string_view::npos))
    warn(l.number, "a commented-out ipvsadm rule is not imported");
}

void Importer::line(const LogicalLine& l) {
  const std::string_view t = trim(l.text);
  if (t.empty()) return;
  if (t[0] == '#') return comment(l, t);
  any_line_ = true;
  // Words split at blanks; shell quotes around a whole word are dropped, a
  // word starting with # ends the line, and shell redirections are dropped.
  std::vector<std::string> words;
  std::string cut;  // shell syntax after the command, ignored and reported
  std::size_t i = 0;
  while (i < t.size()) {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
    if (i >= t.size()) break;
    std::size_t j = i;
    while (j < t.size() && t[j] != ' ' && t[j] != '\t') ++j;
    std::string w(t.substr(i, j - i));
    if (w[0] == '#') break;
    if (w == ";" || w == ";;" || w == "&&" || w == "||" || w == "|" || w == "&" || w.ends_with(";")) {
      if (const std::size_t keep = w.find_last_not_of(';'); keep != std::string::npos && w.ends_with(";"))
        words.push_back(w.substr(0, keep + 1));
      cut = std::string(trim(t.substr(i)));
      break;
    }
    const bool redirect = w[0] == '>' || w[0] == '<' || w.starts_with("&>") ||
                          (w.size() > 1 && w[0] >= '0' && w[0] <= '9' && (w[1] == '>' || w[1] == '<'));
    if (redirect) {
      if ((w == ">" || w == "<" || w == ">>" || w == "2>") && j < t.size()) {  // its target word
        while (j < t.size() && (t[j] == ' ' || t[j] == '\t')) ++j;
        while (j < t.size() && t[j] != ' ' && t[j] != '\t') ++j;
      }
      i = j;
      continue;
    }
    if (w.size() >= 2 && (w.front() == '"' || w.front() == '\'') && w.back() == w.front()) w = w.substr(1, w.size() - 2);
    words.push_back(std::move(w));
    i = j;
  }
  if (words.empty()) return;
  std::size_t start = 0;
  if (is_program(words[0])) {
    start = 1;
  } else if (is_program_variable(words[0])) {
    start = 1;
    if (!warned_variable_) warn(l.number, "\"" + words[0] + "\" is taken to be the ipvsadm program");
    warned_variable_ = true;
  } else if (is_dash(words[0])) {
    return error(l.number, "\"" + words[0] +
                               "\" starts with a typographic dash, not \"-\" (copied from a web page?): write it with -");
  } else if (words[0][0] != '-') {
    const bool mentions = l.text.find("ipvsadm") != std::string::npos;
    const bool assignment = words[0].find('=') != std::string::npos && words[0][0] != '=';
    if (assignment)
      return warn(l.number, "a shell variable assignment is ignored: the importer does not run the script or expand "
                            "variables");
    return warn(l.number, mentions ? "a shell line that is not a plain ipvsadm command is ignored; if it changes "
                                     "the IPVS table, write it as an ipvsadm line"
                                   : "not an ipvsadm command: a shell line, ignored");
  }
  const std::vector<std::string> args(words.begin() + static_cast<std::ptrdiff_t>(start), words.end());
  for (const auto& w : args) {
    if (is_dash(w))
      return error(l.number, "\"" + w + "\" starts with a typographic dash, not \"-\" (copied from a web page?): "
                                        "write it with -");
    if (w.find('$') != std::string::npos || w.find('`') != std::string::npos)
      return error(l.number, "\"" + w + "\" holds a shell variable or command: the importer does not run the "
                                        "script; write its value");
  }
  const auto parsed = ipvsadm::parse_command(args);
  if (!parsed.command) return error(l.number, parsed.error);
  if (!cut.empty()) warn(l.number, "the shell syntax after the ipvsadm command is ignored: " + cut);
  command(l, *parsed.command);
}

bool Importer::allowed(const LogicalLine& l, const Command& cmd, std::initializer_list<std::string_view> names) {
  for (const auto& o : cmd.options) {
    if (std::find(names.begin(), names.end(), o.name) != names.end()) continue;
    if (o.name == "sched-flags" && (cmd.verb == Verb::add_real || cmd.verb == Verb::edit_real)) {
      error(l.number, "-b on a real server is the FULLNAT forwarding of a patched ipvsadm (DPVS), which Linux IPVS "
                      "and tandem do not have (upstream -b is --sched-flags, for -A/-E)");
      return false;
    }
    error(l.number, o.written + " does not go with " + cmd.verb_written);
    return false;
  }
  if (!cmd.arguments.empty() && cmd.verb != Verb::set_timeouts) {
    error(l.number, "unexpected \"" + cmd.arguments[0] + "\" (not an option's value)");
    return false;
  }
  return true;
}

void Importer::command(const LogicalLine& l, const Command& cmd) {
  switch (cmd.verb) {
    case Verb::add_service:
    case Verb::edit_service:
      if (allowed(l, cmd, {"tcp-service", "udp-service", "sctp-service", "fwmark-service", "ipv6", "scheduler",
                           "persistent", "netmask", "sched-flags", "ops", "pe"}))
        service(l, cmd, cmd.verb == Verb::edit_service);
      return;
    case Verb::add_real:
    case Verb::edit_real:
      if (allowed(l, cmd, {"tcp-service", "udp-service", "sctp-service", "fwmark-service", "ipv6", "real-server",
                           "gatewaying", "ipip", "masquerading", "weight", "u-threshold", "l-threshold", "tun-type",
                           "tun-port", "tun-nocsum", "tun-csum", "tun-remcsum"}))
        real(l, cmd, cmd.verb == Verb::edit_real);
      return;
    case Verb::delete_service:
      if (allowed(l, cmd, {"tcp-service", "udp-service", "sctp-service", "fwmark-service", "ipv6"}))
        delete_service(l, cmd);
      return;
    case Verb::delete_real:
      if (allowed(l, cmd, {"tcp-service", "udp-service", "sctp-service", "fwmark-service", "ipv6", "real-server"}))
        delete_real(l, cmd);
      return;
    case Verb::clear:
      if (allowed(l, cmd, {})) clear(l);
      return;
    case Verb::start_daemon:
      if (allowed(l, cmd, {"start-daemon", "mcast-interface", "syncid", "mcast-group", "mcast-port", "mcast-ttl",
                           "sync-maxlen"}))
        sync(l, cmd);
      return;
    case Verb::stop_daemon:
      return warn(l.number, "--stop-daemon is not carried over: tandemd starts and stops the sync daemon itself "
                            "([sync])");
    case Verb::set_timeouts:
      return warn(l.number, "--set (the IPVS tcp, tcpfin and udp timeouts) is not carried over: write them in "
                            "[ipvs]" + timeout_keys(cmd.arguments));
    case Verb::zero:
      return warn(l.number, "-Z zeroes the counters: nothing to import");
    case Verb::list:
      return warn(l.number, (cmd.verb_written.empty() ? "ipvsadm" : cmd.verb_written) +
                                " lists the table: nothing to import");
    case Verb::save:
      return warn(l.number, "-S prints the rules: import its output (ipvsadm-save -n > FILE) instead");
    case Verb::restore:
      return warn(l.number, "-R restores rules from its standard input, which is not read here: import that file "
                            "instead");
    case Verb::help:
    case Verb::version:
      return warn(l.number, cmd.verb_written + " changes nothing: nothing to import");
  }
}

std::optional<ServiceKey> Importer::service_key(const LogicalLine& l, const Command& cmd) {
  const ipvsadm::Option* opt = nullptr;
  Protocol protocol = Protocol::tcp;
  for (const char* name : {"tcp-service", "udp-service", "sctp-service", "fwmark-service"})
    if (const auto* o = cmd.find(name)) opt = o;
  if (!opt) {
    error(l.number, cmd.verb_written + " needs a service: -t, -u, --sctp-service or -f");
    return std::nullopt;
  }
  ServiceKey k;
  const bool v6 = cmd.find("ipv6") != nullptr;
  if (opt->name == "fwmark-service") {
    const auto mark = number(*opt->value, 4294967295u);
    if (!mark || *mark == 0) {
      error(l.number, "-f \"" + *opt->value + "\": a firewall mark is a number 1..4294967295");
      return std::nullopt;
    }
    k.fwmark = static_cast<std::uint32_t>(*mark);
    k.family = v6 ? AF_INET6 : AF_INET;
    return k;
  }
  if (opt->name == "udp-service") protocol = Protocol::udp;
  if (opt->name == "sctp-service") protocol = Protocol::sctp;
  if (v6) {
    error(l.number, "-6 is only for -f (an IPv6 fwmark service): an address gives its family itself");
    return std::nullopt;
  }
  const HostPort hp = parse_host_port(*opt->value);
  if (!hp.ip) {
    error(l.number, opt->written + " " + *opt->value + ": " + hp.error);
    return std::nullopt;
  }
  k.protocol = protocol;
  k.ip = *hp.ip;
  k.port = hp.port.value_or(0);
  k.family = hp.ip->family;
  return k;
}


void Importer::service(const LogicalLine& l, const Command& cmd, bool edit) {
  const auto key = service_key(l, cmd);
  if (!key) return;
  const std::size_t errors_before = result_.errors.size();
  Service s;
  s.key = *key;
  s.line = l.number;
  if (const auto* o = cmd.find("scheduler")) {
    const auto known = ipvs_schedulers();
    if (std::find(known.begin(), known.end(), *o->value) == known.end())
      error(l.number, "unknown scheduler \"" + *o->value + "\" (tandem has: " + names_list(known) + ")");
    s.scheduler = *o->value;
  }
  if (const auto* o = cmd.find("persistent")) {
    if (o->value) {
      const auto t = number(*o->value, kMaxPersistence);
      if (!t || *t == 0)
        error(l.number, o->written + " " + *o->value + ": the timeout is 1..2678400 seconds");
      else
        s.persistence = *t;
    } else {
      s.persistence = kDefaultPersistence;
      warn(l.number, o->written + " without a timeout: persistence = \"360s\", what ipvsadm's code uses "
                                  "(IPVS_SVC_PERSISTENT_TIMEOUT; its man page says 300)");
    }
  }
  if (const auto* o = cmd.find("netmask")) {
    if (s.key.family == AF_INET6) {
      const auto len = number(*o->value, 128);
      if (!len || *len == 0)
        error(l.number, "-M " + *o->value + ": an IPv6 service's netmask is a prefix length 1..128");
      else
        s.netmask = static_cast<std::uint32_t>(*len);
    } else {
      const auto mask = IpAddress::parse(*o->value);
      std::uint32_t m = 0;
      if (mask && mask->is_v4())
        m = (std::uint32_t(mask->bytes[0]) << 24) | (std::uint32_t(mask->bytes[1]) << 16) |
            (std::uint32_t(mask->bytes[2]) << 8) | mask->bytes[3];
      const std::uint32_t host = ~m;
      if (!mask || !mask->is_v4() || m == 0 || (host & (host + 1)) != 0)
        error(l.number, "-M " + *o->value + ": an IPv4 netmask is dotted with leading ones, such as 255.255.255.0" +
                            (mask ? "" : " (ipvsadm would read a bare number as an address)"));
      else
        s.netmask = m;
    }
    if (s.persistence == 0 && !cmd.find("persistent")) {
      warn(l.number, "-M is not carried over: a persistence netmask has no effect without -p");
      s.netmask = 0;
    }
  }
  if (const auto* o = cmd.find("sched-flags")) {
    const bool hashing = s.scheduler == "sh" || s.scheduler == "mh";
    std::string_view rest = *o->value;
    while (!rest.empty() || o->value->empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view f = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      std::string kind;
      if (f == "flag-1" || f == "sh-fallback" || f == "mh-fallback") kind = "fallback";
      else if (f == "flag-2" || f == "sh-port" || f == "mh-port") kind = "port";
      else if (f == "flag-3") kind = "3";
      else {
        error(l.number, "-b \"" + std::string(f) + "\": the scheduler flags are sh-fallback, sh-port, mh-fallback, "
                        "mh-port, flag-1, flag-2 and flag-3");
        break;
      }
      if (kind == "3" || !hashing) {
        warn(l.number, "-b " + std::string(f) + " is not carried over: " +
                           (kind == "3" ? "no IPVS scheduler uses flag-3" : "only the sh and mh schedulers use flags, "
                                                                            "not " + s.scheduler));
      } else {
        const std::string name = s.scheduler + "-" + kind;
        if (std::find(s.flags.begin(), s.flags.end(), name) == s.flags.end()) s.flags.push_back(name);
      }
      if (comma == std::string_view::npos) break;
    }
  }
  if (cmd.find("ops")) {
    if (s.key.protocol != Protocol::udp && !s.key.fwmark)
      error(l.number, "-o (one-packet scheduling) is only for UDP services");
    else
      s.flags.push_back("ops");
    if (s.key.fwmark) s.key.protocol = Protocol::udp;  // tandem's ops needs protocol = "udp"
  }
  if (const auto* o = cmd.find("pe"))
    warn(l.number, "--pe " + o->value.value_or("") + " is not carried over: tandem has no IPVS persistence engines");
  if (!s.key.fwmark && s.key.port == 0 && s.persistence == 0 && !cmd.find("persistent"))
    error(l.number, describe(s.key) + ": port 0 (every port) is only for a persistent service (-p)");
  if (result_.errors.size() != errors_before) {
    broken_.push_back(s.key);
    return;
  }
  Service* old = find(s.key);
  if (!edit) {
    if (old) return error(l.number, describe(s.key) + " is already added at line " + std::to_string(old->line));
    s.sources.push_back(source(l));
    services_.push_back(std::move(s));
    return;
  }
  if (!old) {
    if (std::find(broken_.begin(), broken_.end(), s.key) != broken_.end()) return;
    return error(l.number, "-E: " + describe(s.key) + " is not added before this line (no -A for it)");
  }
  // -E sends every attribute: what the line leaves out is ipvsadm's default.
  if (!cmd.find("scheduler") && old->scheduler != "wlc")
    warn(l.number, "-E without -s sets the scheduler back to wlc (ipvsadm's default; it was " + old->scheduler + ")");
  if (!cmd.find("persistent") && old->persistence)
    warn(l.number, "-E without -p turns persistence off (ipvsadm sends every attribute)");
  s.line = old->line;
  s.sources = std::move(old->sources);
  s.sources.push_back(source(l));
  s.reals = std::move(old->reals);
  *old = std::move(s);
}

void Importer::real(const LogicalLine& l, const Command& cmd, bool edit) {
  const auto key = service_key(l, cmd);
  if (!key) return;
  const std::size_t errors_before = result_.errors.size();
  const ipvsadm::Option* r = cmd.find("real-server");
  if (!r) return error(l.number, cmd.verb_written + " needs -r ADDRESS[:PORT], the real server");
  Service* svc = find(*key);
  if (!svc) {
    if (std::find(broken_.begin(), broken_.end(), *key) != broken_.end()) return;
    return error(l.number, "a real server before its service: " + describe(*key) + " is not added before this line "
                           "(no -A for it)");
  }
  const HostPort hp = parse_host_port(*r->value);
  if (!hp.ip) return error(l.number, r->written + " " + *r->value + ": " + hp.error);
  Real real;
  real.ip = *hp.ip;
  real.line = l.number;
  real.port = hp.port.value_or(svc->key.port);
  if (cmd.find("ipip")) real.forwarding = ForwardingMethod::tun;
  if (cmd.find("masquerading")) real.forwarding = ForwardingMethod::nat;
  const bool tun = real.forwarding == ForwardingMethod::tun;
  if (const auto* o = cmd.find("weight")) {
    const auto w = number(*o->value, 2147483647);
    if (!w)
      error(l.number, o->written + " " + *o->value + ": a weight is 0..2147483647");
    else if (*w > 65535)
      error(l.number, o->written + " " + *o->value + ": tandem's weights are 0..65535; scale the weights of " +
                          describe(svc->key) + " down");
    else
      real.weight = *w;
  }
  for (const char* name : {"u-threshold", "l-threshold"})
    if (const auto* o = cmd.find(name)) {
      const auto v = number(*o->value, 65535);
      if (!v)
        error(l.number, o->written + " " + *o->value + ": a connection threshold is 0..65535");
      else
        (std::string_view(name) == "u-threshold" ? real.upper : real.lower) = *v;
    }
  if (real.upper > 0 && real.lower > real.upper)
    error(l.number, "-y " + std::to_string(real.lower) + " is above -x " + std::to_string(real.upper) +
                        ": tandem needs the lower threshold at most the upper one");
  const auto* tun_type = cmd.find("tun-type");
  const auto* tun_port = cmd.find("tun-port");
  for (const auto* o : {tun_type, tun_port, cmd.find("tun-nocsum"), cmd.find("tun-csum"), cmd.find("tun-remcsum")})
    if (o && !tun) error(l.number, o->written + " is only for -i (tunnel) real servers");
  if (tun_type && tun) {
    if (*tun_type->value == "gue") real.tunnel = TunnelType::gue;
    else if (*tun_type->value == "gre") real.tunnel = TunnelType::gre;
    else if (*tun_type->value != "ipip") error(l.number, "--tun-type " + *tun_type->value + ": ipip, gue or gre");
  }
  if (tun_port && tun) {
    const auto p = number(*tun_port->value, 65535);
    if (!p || *p == 0) error(l.number, "--tun-port " + *tun_port->value + ": a port 1..65535");
    else if (real.tunnel != TunnelType::gue) error(l.number, "--tun-port is only for --tun-type gue");
    else real.tunnel_port = static_cast<std::uint16_t>(*p);
  }
  if (tun && real.tunnel == TunnelType::gue && !tun_port) error(l.number, "--tun-type gue needs --tun-port");
  for (const char* name : {"tun-csum", "tun-remcsum"})
    if (const auto* o = cmd.find(name); o && tun)
      warn(l.number, o->written + " is not carried over: tandem sends tunnels without checksums (--tun-nocsum)");
  if (real.ip.family != svc->key.family && !tun)
    error(l.number, r->written + " " + *r->value + ": a real server of another address family than " +
                        describe(svc->key) + " is only reached by -i (tunnel)");
  if (real.forwarding != ForwardingMethod::nat) {
    if (!svc->key.fwmark) {
      if (hp.port && *hp.port != svc->key.port)
        warn(l.number, "port " + std::to_string(*hp.port) + " of " + *r->value + " is not carried over: with " +
                           (tun ? "-i" : "-g") + " ipvsadm sends the traffic to the virtual port " +
                           std::to_string(svc->key.port));
      real.port = svc->key.port;
    } else {
      if (real.port != 0)
        warn(l.number, "port " + std::to_string(real.port) + " of " + *r->value + " is not carried over: " +
                           (tun ? "-i" : "-g") + " forwarding of a fwmark service keeps the packet's own port");
      real.port = 0;
    }
  } else if (real.port == 0) {
    error(l.number, r->written + " " + *r->value + ": a -m (nat) real server of " + describe(svc->key) +
                        " needs its port: tandem does not keep the client's port for nat");
  }
  if (result_.errors.size() != errors_before) return;
  auto same = [&](const Real& o) { return o.ip == real.ip && o.port == real.port; };
  const auto old = std::find_if(svc->reals.begin(), svc->reals.end(), same);
  const std::string name = endpoint_text(real.ip, real.port);
  if (!edit) {
    if (old != svc->reals.end())
      return error(l.number, "real server " + name + " of " + describe(svc->key) + " is already added at line " +
                                 std::to_string(old->line));
    real.sources.push_back(source(l));
    svc->reals.push_back(std::move(real));
    return;
  }
  if (old == svc->reals.end())
    return error(l.number, "-e: " + describe(svc->key) + " has no real server " + name + " before this line");
  // -e sends every attribute: what the line leaves out is ipvsadm's default.
  if (!cmd.find("weight") && old->weight != 1)
    warn(l.number, "-e without -w sets the weight of " + name + " back to 1 (ipvsadm's default; it was " +
                       std::to_string(old->weight) + ")");
  if (!cmd.find("gatewaying") && !cmd.find("ipip") && !cmd.find("masquerading") &&
      old->forwarding != ForwardingMethod::dr)
    warn(l.number, "-e without -g/-i/-m sets the forwarding of " + name + " back to -g (ipvsadm's default)");
  if (!cmd.find("u-threshold") && old->upper)
    warn(l.number, "-e without -x sets the upper threshold of " + name + " back to 0 (ipvsadm's default; it was " +
                       std::to_string(old->upper) + ")");
  if (!cmd.find("l-threshold") && old->lower)
    warn(l.number, "-e without -y sets the lower threshold of " + name + " back to 0 (ipvsadm's default; it was " +
                       std::to_string(old->lower) + ")");
  real.line = old->line;
  real.sources = std::move(old->sources);
  real.sources.push_back(source(l));
  *old = std::move(real);
}

void Importer::delete_service(const LogicalLine& l, const Command& cmd) {
  const auto key = service_key(l, cmd);
  if (!key) return;
  const auto it = std::find_if(services_.begin(), services_.end(), [&](const Service& s) { return s.key == *key; });
  if (it == services_.end())
    return warn(l.number, "-D " + describe(*key) + ": not added before this line, so nothing to import (tandemd "
                          "leaves services it did not create alone: delete it by hand if it is in the table)");
  warn(l.number, "-D deletes " + describe(*key) + " (added at line " + std::to_string(it->line) +
                     "), so it is not imported");
  services_.erase(it);
}

void Importer::delete_real(const LogicalLine& l, const Command& cmd) {
  const auto key = service_key(l, cmd);
  if (!key) return;
  const ipvsadm::Option* r = cmd.find("real-server");
  if (!r) return error(l.number, "-d needs -r ADDRESS[:PORT], the real server");
  const HostPort hp = parse_host_port(*r->value);
  if (!hp.ip) return error(l.number, r->written + " " + *r->value + ": " + hp.error);
  Service* svc = find(*key);
  if (svc) {
    const auto it = std::find_if(svc->reals.begin(), svc->reals.end(), [&](const Real& o) {
      return o.ip == *hp.ip && (!hp.port || o.port == *hp.port || o.forwarding != ForwardingMethod::nat);
    });
    if (it != svc->reals.end()) {
      warn(l.number, "-d deletes real server " + *r->value + " of " + describe(*key) + " (added at line " +
                         std::to_string(it->line) + "), so it is not imported");
      svc->reals.erase(it);
      return;
    }
  }
  warn(l.number, "-d " + *r->value + ": not added to " + describe(*key) + " before this line, so nothing to import");
}

void Importer::clear(const LogicalLine& l) {
  if (services_.empty())
    return warn(l.number, "-C (clear the table) is not carried over: tandemd leaves services it did not create "
                          "alone, so clear the old rules once (ipvsadm -C) before its first start, and stop loading "
                          "them at boot");
  std::string lines;
  for (const auto& s : services_) lines += (lines.empty() ? "" : ", ") + std::to_string(s.line);
  warn(l.number, "-C clears the " + std::to_string(services_.size()) + " virtual server(s) added before it (line " +
                     lines + "), so they are not imported; if this line is in another branch of the script (such "
                     "as stop), remove it and import again");
  services_.clear();
}

void Importer::sync(const LogicalLine& l, const Command& cmd) {
  const std::string state = cmd.find("start-daemon")->value.value_or("");
  if (state != "master" && state != "backup")
    return error(l.number, "--start-daemon " + state + ": the sync daemon's state is master or backup");
  const std::size_t errors_before = result_.errors.size();
  Sync s;
  s.line = l.number;
  const auto* iface = cmd.find("mcast-interface");
  if (iface) {
    if (auto problem = interface_problem(*iface->value))
      error(l.number, "--mcast-interface " + *iface->value + ": an interface name " + *problem);
    else if (!is_plain_utf8(*iface->value))
      error(l.number, "--mcast-interface " + *iface->value + ": the interface name is not UTF-8");
    s.interface = *iface->value;
  }
  auto integer = [&](const char* name, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
    if (const auto* o = cmd.find(name)) {
      const auto v = number(*o->value, max);
      if (!v || *v < min)
        error(l.number, o->written + " " + *o->value + ": " + std::to_string(min) + ".." + std::to_string(max));
      else
        out = *v;
    }
  };
  integer("syncid", 0, 255, s.syncid);
  integer("mcast-port", 1, 65535, s.port);
  integer("mcast-ttl", 1, 255, s.ttl);
  integer("sync-maxlen", 1, 65535, s.maxlen);
  if (const auto* o = cmd.find("mcast-group")) {
    s.group = IpAddress::parse(*o->value);
    if (!s.group || !s.group->is_multicast())
      error(l.number, "--mcast-group " + *o->value + ": a multicast address, such as 224.0.0.81");
  }
  if (result_.errors.size() != errors_before) return;
  if (!iface)
    return warn(l.number, "--start-daemon without --mcast-interface is not carried over: write [sync] with the "
                          "interface ipvsadm defaults to on this host, e.g. interface = \"eth0\", syncid = " +
                              std::to_string(s.syncid));
  if (sync_ && !(*sync_ == s))
    return warn(l.number, "a second sync daemon with other settings is not carried over: tandem runs one, as "
                          "master or backup as the role needs ([sync] from line " +
                              std::to_string(sync_->line) + ")");
  if (sync_) {
    sync_->sources.push_back(source(l));
    return;
  }
  s.sources.push_back(source(l));
  sync_ = std::move(s);
}

std::string netmask_text(std::uint32_t m) {
  return std::to_string(m >> 24) + "." + std::to_string((m >> 16) & 0xff) + "." + std::to_string((m >> 8) & 0xff) +
         "." + std::to_string(m & 0xff);
}

void Importer::write(TomlWriter& out) const {
  for (const auto& s : services_) {
    for (std::size_t i = 0; i + 1 < s.sources.size(); ++i) out.source(s.sources[i]);
    out.array_table("virtual_server", &s.sources.back());
    if (s.key.fwmark) {
      out.integer("fwmark", s.key.fwmark);
      if (s.key.family == AF_INET6) out.string("family", "ipv6");
      if (s.key.protocol != Protocol::tcp) out.string("protocol", name_of(s.key.protocol));
    } else {
      out.string("address", endpoint_text(s.key.ip, s.key.port));
      out.string("protocol", name_of(s.key.protocol));
    }
    out.string("scheduler", s.scheduler);
    if (!s.flags.empty()) out.strings("scheduler_flags", s.flags);
    if (s.persistence) {
      out.duration("persistence", Duration(static_cast<std::int64_t>(s.persistence) * 1000));
      if (s.key.family == AF_INET6 && s.netmask && s.netmask != 128) out.integer("persistence_netmask", s.netmask);
      if (s.key.family == AF_INET && s.netmask && s.netmask != 0xffffffffu)
        out.string("persistence_netmask", netmask_text(s.netmask));
    }
    const ForwardingMethod forwarding = s.reals.empty() ? ForwardingMethod::dr : s.reals.front().forwarding;
    if (!s.reals.empty()) out.string("forwarding", name_of(forwarding));
    out.comment("No health check: ipvsadm rules have none, so every real server counts as healthy. Add one, e.g.");
    out.comment("[virtual_server.check]");
    out.comment("type = \"tcp\"");
    if (s.key.fwmark || s.key.port == 0) out.comment("port = 80");
    for (const auto& r : s.reals) {
      for (std::size_t i = 0; i + 1 < r.sources.size(); ++i) out.source(r.sources[i]);
      out.array_table("virtual_server.real", &r.sources.back());
      const bool nat = r.forwarding == ForwardingMethod::nat;
      out.string("address", nat ? endpoint_text(r.ip, r.port) : r.ip.str());
      out.integer("weight", static_cast<std::int64_t>(r.weight));
      if (r.forwarding != forwarding) out.string("forwarding", name_of(r.forwarding));
      if (r.forwarding == ForwardingMethod::tun && r.tunnel != TunnelType::ipip)
        out.string("tunnel_type", name_of(r.tunnel));
      if (r.tunnel_port) out.integer("tunnel_port", r.tunnel_port);
      if (r.upper) out.integer("upper_threshold", static_cast<std::int64_t>(r.upper));
      if (r.lower) out.integer("lower_threshold", static_cast<std::int64_t>(r.lower));
    }
  }
  if (sync_) {
    for (std::size_t i = 0; i + 1 < sync_->sources.size(); ++i) out.source(sync_->sources[i]);
    out.table("sync", &sync_->sources.back());
    out.comment("tandemd runs the sync daemon as master on the active director and as backup on the other.");
    out.string("interface", sync_->interface);
    out.integer("syncid", static_cast<std::int64_t>(sync_->syncid));
    if (sync_->group) out.string("group", sync_->group->str());
    if (sync_->port) out.integer("port", static_cast<std::int64_t>(sync_->port));
    if (sync_->maxlen) out.integer("maxlen", static_cast<std::int64_t>(sync_->maxlen));
    if (sync_->ttl) out.integer("ttl", static_cast<std::int64_t>(sync_->ttl));
  }
}

ImportResult Importer::finish() {
  if (result_.errors.empty() && services_.empty() && !sync_)
    error(0, any_line_ ? "no ipvsadm rules to import (no -A line that is kept)"
                       : "no ipvsadm rules: the input is empty (an empty ipvsadm-save output is an empty table)");
  if (!options_.services_only)
    check_cluster_options(options_, file_,
                          "ipvsadm rules hold no cluster facts (or give --services-only to write the virtual "
                          "servers alone)",
                          result_);
  if (!result_.errors.empty()) return std::move(result_);  // nothing is written

  TomlWriter out;
  write_services_head(out, options_, file_, "ipvsadm rules", "hold", "ipvsadm", result_);
  std::set<std::string> vips;
  for (const auto& s : services_) {
    const std::string check_port = s.key.fwmark || s.key.port == 0 ? ", port = 80" : "";
    warn(s.line, describe(s.key) + " has no health check (ipvsadm rules hold none), so every real server counts "
                                   "as healthy: add a [virtual_server.check] after its keys, e.g. type = \"tcp\"" +
                     check_port);
    if (!s.key.fwmark && vips.insert(s.key.ip.str()).second)
      warn(s.line, s.key.ip.str() + " is not made a [[vip]]: ipvsadm rules do not say its interface and prefix; if "
                                    "tandem should move it between the directors, add [[vip]] address = \"" +
                       s.key.ip.str() + (s.key.ip.is_v4() ? "/32" : "/128") + "\", interface = \"eth0\" (yours)");
  }
  write(out);
  check_output(out.text(), options_.services_only, file_, result_);
  if (result_.errors.empty()) result_.toml = out.text();
  return std::move(result_);
}

}  // namespace

ImportResult import_ipvsadm(std::string_view text, const std::string& path, const ImportOptions& options) {
  Importer importer(options.input_name.empty() ? path : options.input_name, options);
  importer.read(text);
  return importer.finish();
}

}  // namespace tandem::config::legacy
