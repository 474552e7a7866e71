// `tandemctl import ldirectord` (LEGACY-FORMATS 4): the reader of
// ldirectord.cf's global and virtual sections, as ldirectord's read_config
// reads them, and their mapping to tandem.toml [[virtual_server]] tables.
#include "config/legacy/ldirectord.hpp"

#include "config/check_parse.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sys/socket.h>

#include "config/address.hpp"
#include "config/config.hpp"

namespace tandem::config::legacy {
namespace {

// ---- lexical helpers ----

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> number(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

bool is_key_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// "key = value" / "key=value": the key (lowercase letters, digits) and the
// value, trimmed; nullopt when the text is not of that shape.
std::optional<std::pair<std::string, std::string>> key_value(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_key_char(text[i])) ++i;
  if (i == 0) return std::nullopt;
  std::string key(text.substr(0, i));
  std::string_view rest = text.substr(i);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  if (rest.empty() || rest.front() != '=') return std::nullopt;
  rest.remove_prefix(1);
  return std::make_pair(std::move(key), std::string(trim(rest)));
}

// A value that must be in double quotes (request, receive, ...): its text.
std::optional<std::string> quoted_value(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::nullopt;
  return std::string(v.substr(1, v.size() - 2));
}
// A value that may be quoted (checkcommand, virtualhost, ...).
std::string maybe_quoted(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return std::string(v.substr(1, v.size() - 2));
  return std::string(v);
}

// The port numbers of the service names seen in real files (getservbyname
// is not called: importers are pure).
std::optional<std::uint16_t> service_port(std::string_view name) {
  static const std::map<std::string_view, std::uint16_t> kPorts = {
      {"ftp", 21},    {"ssh", 22},     {"smtp", 25},   {"domain", 53},   {"http", 80},    {"www", 80},
      {"pop3", 110},  {"nntp", 119},   {"imap", 143},  {"imap2", 143},   {"ldap", 389},   {"https", 443},
      {"submission", 587}, {"ldaps", 636}, {"imaps", 993}, {"pop3s", 995}, {"ms-sql-s", 1433},
      {"radius", 1812}, {"mysql", 3306}, {"sip", 5060}, {"postgresql", 5432}, {"http-alt", 8080},
      {"squid", 3128}, {"webcache", 8080}};
  auto it = kPorts.find(name);
  if (it == kPorts.end()) return std::nullopt;
  return it->second;
}

// ---- the model, as read ----

struct Directive {
  int line = 0;
  std::string text;   // the line as read, for the source comment
  std::string value;  // trimmed
};

struct LdReal {
  Directive src;
  IpAddress ip;
  std::uint16_t port = 0;
  bool port_given = false;
  ForwardingMethod forwarding = ForwardingMethod::dr;
  int weight = 1;
  std::optional<std::string> request, receive;
  std::uint32_t lower = 0, upper = 0;
};

struct LdVirtual {
  Directive src;
  bool v6 = false;
  std::uint32_t fwmark = 0;
  IpAddress ip;
  std::uint16_t port = 0;
  std::vector<LdReal> reals;
  std::map<std::string, Directive> keys;  // the other directives, by name
};

// The global directives ldirectord knows, and whether tandem carries them
// over (the others are reported).
constexpr std::array<std::string_view, 13> kGlobalMapped = {
    "checktimeout", "negotiatetimeout", "checkinterval", "failurecount", "quiescent", "fallback", "fallback6",
    "checkcount",   "fork",             "logfile",       "supervised",   "autoreload", "callback"};
constexpr std::array<std::string_view, 11> kGlobalReported = {
    "emailalert", "emailalertfreq", "emailalertstatus", "emailalertfrom", "smtp",       "execute",
    "readdquiescent", "cleanstop",  "maintenancedir",   "fallbackcommand", "monitorfile"};
constexpr std::array<std::string_view, 37> kVirtualKeys = {
    "real",        "service",     "checktype",       "checkcommand", "checkport",   "request",
    "receive",     "httpmethod",  "virtualhost",     "login",        "passwd",      "database",
    "secret",      "scheduler",   "persistent",      "schedflags",   "netmask",     "protocol",
    "ops",         "monitorfile", "servicename",     "comment",      "checktimeout", "negotiatetimeout",
    "checkinterval", "checkcount", "failurecount",   "fallback",     "fallback6",   "fallbackcommand",
    "quiescent",   "emailalert",  "emailalertfreq",  "emailalertstatus", "smtp",    "cleanstop",
    "real6"};

template <std::size_t N>
bool among(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class Reader {
 public:
  Reader(std::string file, ImportResult& result) : file_(std::move(file)), result_(result) {}

  void read(std::string_view text);
  std::map<std::string, Directive> globals;
  std::vector<LdVirtual> virtuals;
  bool any_line = false;

 private:
  void warn(int line, std::string m) { result_.warnings.push_back(diagnostic_at(file_, line, std::move(m))); }
  void error(int line, std::string m) { result_.errors.push_back(diagnostic_at(file_, line, std::move(m))); }
  void global(int line, std::string_view raw);
  void begin_virtual(int line, std::string_view raw, const std::string& key, const std::string& value);
  void in_virtual(int line, std::string_view raw, std::string_view body);
  void real(LdVirtual& v, const Directive& d);
  std::optional<IpAddress> address(int line, std::string_view text, bool v6, const std::string& what);

  std::string file_;
  ImportResult& result_;
  bool in_block_ = false;
  bool after_blank_ = false;  // a blank line ended the last block
};

std::optional<IpAddress> Reader::address(int line, std::string_view text, bool v6, const std::string& what) {
  std::string_view t = text;
  if (v6) {
    if (t.size() < 2 || t.front() != '[' || t.back() != ']') {
      error(line, what + " \"" + comment_safe(text) + "\": an IPv6 address is written in brackets, [2001:db8::1]");
      return std::nullopt;
    }
    t = t.substr(1, t.size() - 2);
  } else if (!t.empty() && t.front() == '[') {
    error(line, what + " \"" + comment_safe(text) + "\": an IPv6 address belongs in a virtual6 section (real6, "
                       "fallback6), as ldirectord requires");
    return std::nullopt;
  }
  auto ip = IpAddress::parse(t);
  if (!ip || ip->is_v6() != v6) {
    const bool name = !t.empty() && std::any_of(t.begin(), t.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
    error(line, what + " \"" + comment_safe(text) + "\" is not an " + (v6 ? "IPv6" : "IPv4") + " address" +
                    (name && !v6 ? ": host names are not resolved by the importer, write the address" : ""));
    return std::nullopt;
  }
  return ip;
}

void Reader::read(std::string_view text) {
  int line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    std::string_view raw = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line;
    if (raw.find('\0') != std::string_view::npos || !is_plain_utf8(raw)) {
      error(line, "binary data or text that is not UTF-8: this is not an ldirectord.cf");
      return;
    }
    std::string_view body = trim(raw);
    if (body.empty()) {
      if (in_block_) after_blank_ = true;
      in_block_ = false;
      continue;
    }
    if (body.front() == '#') continue;  // a comment line, in any section
    any_line = true;
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    std::size_t columns = 0;  // tabs count 4, as ldirectord expands them
    for (char c : raw) {
      if (c == ' ') ++columns;
      else if (c == '\t') columns += 4;
      else break;
    }
    if (indented && columns < 4) {
      error(line, "indented by fewer than 4 spaces: ldirectord reads a virtual section's lines only when they are "
                  "indented by 4 or more (a tab counts 4)");
      in_block_ = false;
      continue;
    }
    if (indented) {
      if (!in_block_) {
        error(line, after_blank_ ? "an indented line after a blank line: in ldirectord.cf a blank line ends the "
                                   "virtual section, so this directive belongs to none (remove the blank line)"
                                 : "an indented line outside a virtual section (ldirectord: \"Unknown command\")");
        continue;
      }
      in_virtual(line, raw, body);
      continue;
    }
    in_block_ = false;
    after_blank_ = false;
    global(line, raw);
  }
}

void Reader::global(int line, std::string_view raw) {
  const auto kv = key_value(raw);
  if (!kv) {
    if (!raw.empty() && raw.front() == '[')
      error(line, "\"" + comment_safe(trim(raw)) + "\": INI section headers are not ldirectord.cf syntax (they "
                  "come from a third-party config writer); write virtual= sections");
    else
      error(line, "\"" + comment_safe(trim(raw)) + "\": not a directive (ldirectord: \"Unknown command\")");
    return;
  }
  const auto& [key, value] = *kv;
  if (key == "virtual" || key == "virtual6") {
    begin_virtual(line, raw, key, value);
    return;
  }
  if (key == "timeout" || key == "connecttimeout") {
    error(line, key + "= is deprecated and refused by ldirectord; write checktimeout= (seconds)");
    return;
  }
  if (!among(kGlobalMapped, key) && !among(kGlobalReported, key)) {
    error(line, "unknown directive " + key + "= (ldirectord: \"Unknown command\")");
    return;
  }
  if (globals.count(key)) warn(line, key + "= given again: the last one counts, as in ldirectord");
  globals[key] = Directive{line, std::string(trim(raw)), value};
}

void Reader::begin_virtual(int line, std::string_view raw, const std::string& key, const std::string& value) {
  in_block_ = true;
  after_blank_ = false;
  LdVirtual v;
  v.src = Directive{line, std::string(trim(raw)), value};
  v.v6 = key == "virtual6";
  bool ok = true;
  if (!v.v6 && number(value, 0xffffffffu)) {
    v.fwmark = static_cast<std::uint32_t>(*number(value, 0xffffffffu));
    if (v.fwmark == 0) {
      error(line, "virtual=0: a firewall mark is an integer greater than 0");
      ok = false;
    }
  } else {
    const auto colon = value.rfind(':');
    if (colon == std::string::npos || (v.v6 && value.back() == ']')) {
      error(line, key + "=" + comment_safe(value) + ": expected " +
                      (v.v6 ? "[IPv6]:PORT" : "IPv4:PORT or a firewall mark"));
      ok = false;
    } else {
      const std::string host = value.substr(0, colon), port = value.substr(colon + 1);
      if (auto ip = address(line, host, v.v6, key)) v.ip = *ip; else ok = false;
      if (auto p = number(port, 65535); p && *p > 0)
        v.port = static_cast<std::uint16_t>(*p);
      else if (auto named = service_port(port))
        v.port = *named;
      else {
        error(line, key + "=" + comment_safe(value) + ": the port \"" + comment_safe(port) +
                        "\" is not a number from 1 to 65535 nor a service name the importer knows; write the number");
        ok = false;
      }
    }
  }
  if (ok) {
    for (const auto& other : virtuals)
      if (other.v6 == v.v6 && other.fwmark == v.fwmark && other.ip == v.ip && other.port == v.port) {
        error(line, "the virtual " + value + " is already defined at line " + std::to_string(other.src.line) +
                        " (ldirectord refuses a duplicate)");
        ok = false;
      }
  }
  virtuals.push_back(std::move(v));
  if (!ok) virtuals.back().src.line = -line;  // kept for its block, never written
}

void Reader::in_virtual(int line, std::string_view raw, std::string_view body) {
  LdVirtual& v = virtuals.back();
  // ldirectord strips a trailing comment inside a virtual section, also
  // inside a quoted string.
  std::string_view stripped = body;
  if (auto hash = stripped.find('#'); hash != std::string_view::npos) stripped = trim(stripped.substr(0, hash));
  if (stripped.empty()) return;
  const auto kv = key_value(stripped);
  if (!kv) {
    error(line, "\"" + comment_safe(stripped) + "\": not a directive of a virtual section");
    return;
  }
  Directive d{line, std::string(trim(raw)), kv->second};
  const std::string& key = kv->first;
  if (key == "timeout" || key == "connecttimeout") {
    error(line, key + "= is deprecated and refused by ldirectord; write checktimeout= (seconds)");
    return;
  }
  if (!among(kVirtualKeys, key)) {
    error(line, "unknown directive " + key + "= in a virtual section (ldirectord refuses it)");
    return;
  }
  if (key == "real" || key == "real6") {
    if ((key == "real6") != v.v6) {
      error(line, key + "= in a " + (v.v6 ? "virtual6" : "virtual") + " section: use " + (v.v6 ? "real6=" : "real="));
      return;
    }
    real(v, d);
    return;
  }
  if (v.keys.count(key)) warn(line, key + "= given again in this virtual: the last one counts");
  v.keys[key] = std::move(d);
}

// real=ADDR[->ADDR2][:PORT] gate|masq|ipip [WEIGHT] ["REQUEST", "RECEIVE"] [l:LOW] [u:HIGH]
void Reader::real(LdVirtual& v, const Directive& d) {
  std::string_view rest = d.value;
  auto word = [&]() {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    std::size_t n = 0;
    while (n < rest.size() && rest[n] != ' ' && rest[n] != '\t') ++n;
    std::string_view w = rest.substr(0, n);
    rest.remove_prefix(n);
    return w;
  };
  const std::string_view where = word();
  LdReal r;
  r.src = d;
  // The address part, with an optional range and port.
  std::string_view addr = where, port;
  if (v.v6) {
    const auto close = where.find(']');
    if (close != std::string_view::npos && close + 1 < where.size() && where[close + 1] == ':') {
      addr = where.substr(0, close + 1);
      port = where.substr(close + 2);
    }
  } else if (auto colon = where.rfind(':'); colon != std::string_view::npos) {
    addr = where.substr(0, colon);
    port = where.substr(colon + 1);
  }
  std::string_view last;
  if (auto arrow = addr.find("->"); arrow != std::string_view::npos) {
    last = addr.substr(arrow + 2);
    addr = addr.substr(0, arrow);
  } else if (auto dash = addr.find('-'); !v.v6 && dash != std::string_view::npos) {
    last = addr.substr(dash + 1);
    addr = addr.substr(0, dash);
    warn(d.line, "the range " + std::string(where) + " uses the hyphen form of 2000-2002; ldirectord now writes "
                 "A->B (imported as the same range)");
  }
  const auto first_ip = address(d.line, addr, v.v6, "real");
  if (!first_ip) return;
  std::optional<IpAddress> last_ip = first_ip;
  if (!last.empty()) {
    if (v.v6) {
      error(d.line, "real6 ranges are not supported by ldirectord");
      return;
    }
    last_ip = address(d.line, last, false, "the end of the range");
    if (!last_ip) return;
  }
  if (!port.empty()) {
    if (auto p = number(port, 65535))
      r.port = static_cast<std::uint16_t>(*p);
    else if (auto named = service_port(port))
      r.port = *named;
    else {
      error(d.line, "real's port \"" + comment_safe(port) + "\" is not a number from 0 to 65535 nor a known "
                    "service name");
      return;
    }
    r.port_given = true;
  }
  const std::string_view method = word();
  if (method == "gate")
    r.forwarding = ForwardingMethod::dr;
  else if (method == "masq")
    r.forwarding = ForwardingMethod::nat;
  else if (method == "ipip")
    r.forwarding = ForwardingMethod::tun;
  else {
    error(d.line, "real " + std::string(where) + ": the forward method must be gate, masq or ipip" +
                      (method.empty() ? " (it is missing)" : ", not \"" + comment_safe(method) + "\""));
    return;
  }
  // The rest: weight, "request", "receive", l:N, u:N in that order.
  while (true) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t' || rest.front() == ',')) rest.remove_prefix(1);
    if (rest.empty()) break;
    if (rest.front() == '"') {
      std::string strings[2];
      for (int i = 0; i < 2; ++i) {
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t' || rest.front() == ',')) rest.remove_prefix(1);
        if (rest.empty() || rest.front() != '"') {
          error(d.line, "real " + std::string(where) + ": a per-real request needs its receive string, both in double "
                        "quotes: \"/check.html\", \"OK\"");
          return;
        }
        const auto close = rest.find('"', 1);
        if (close == std::string_view::npos) {
          error(d.line, "real " + std::string(where) + ": unterminated quoted string");
          return;
        }
        strings[i] = std::string(rest.substr(1, close - 1));
        rest.remove_prefix(close + 1);
      }
      r.request = strings[0];
      r.receive = strings[1];
      continue;
    }
    const std::string_view w = word();
    if (w.size() > 2 && (w.substr(0, 2) == "l:" || w.substr(0, 2) == "u:")) {
      const auto n = number(w.substr(2), 0xffffffffu);
      if (!n) {
        error(d.line, "real " + std::string(where) + ": threshold \"" + comment_safe(w) + "\" is not a number");
        return;
      }
      (w[0] == 'l' ? r.lower : r.upper) = static_cast<std::uint32_t>(*n);
    } else if (auto n = number(w, 65535)) {
      r.weight = static_cast<int>(*n);
    } else {
      error(d.line, "real " + std::string(where) + ": \"" + comment_safe(w) + "\" is left over (ldirectord refuses "
                    "it); expected a weight, \"request\", \"receive\", l:N or u:N");
      return;
    }
  }
  if (r.upper && r.lower > r.upper) {
    error(d.line, "real " + std::string(where) + ": l:" + std::to_string(r.lower) + " is above u:" +
                      std::to_string(r.upper) + "; the lower connection threshold must not exceed the upper one");
    return;
  }
  // The range, expanded.
  std::uint32_t a = 0, b = 0;
  if (!v.v6) {
    for (int i = 0; i < 4; ++i) {
      a = (a << 8) | first_ip->bytes[static_cast<std::size_t>(i)];
      b = (b << 8) | last_ip->bytes[static_cast<std::size_t>(i)];
    }
    if (b < a) {
      error(d.line, "real " + std::string(where) + ": the range ends before it starts");
      return;
    }
    if (b - a >= 1024) {
      error(d.line, "real " + std::string(where) + ": a range of " + std::to_string(b - a + 1) +
                        " addresses; the importer expands at most 1024");
      return;
    }
  }
  for (std::uint32_t x = a;; ++x) {
    LdReal one = r;
    one.ip = *first_ip;
    if (!v.v6)
      for (int i = 0; i < 4; ++i) one.ip.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(x >> (24 - 8 * i));
    v.reals.push_back(std::move(one));
    if (v.v6 || x == b) break;
  }
}

// ---- the mapping ----

struct Timing {
  std::optional<Directive> interval, checktimeout, negotiatetimeout, failurecount, quiescent, fallback;
};

class Mapper {
 public:
  Mapper(std::string file, const Reader& in, const LdirectordContext& ctx, TomlWriter& out, ImportResult& result)
      : file_(std::move(file)), in_(in), ctx_(ctx), out_(out), result_(result) {}
  void run();

 private:
  // A request path as an HTTP request line can carry it: blanks and control
  // characters (which ldirectord would send as they are, breaking the
  // request line) become %XX, with a warning.
  std::string encoded_path(const std::string& path, int line) {
    std::string out;
    for (char ch : path) {
      const unsigned char c = static_cast<unsigned char>(ch);
      if (c <= 0x20 || c == 0x7f) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      } else {
        out += ch;
      }
    }
    if (out != path)
      warn(line, "the request path " + comment_safe(path) + " holds blanks or control characters, which break an "
                 "HTTP request line: they are written as %XX (" + comment_safe(out) + ")");
    return out;
  }
  void warn(int line, std::string m) { result_.warnings.push_back(diagnostic_at(file_, line, std::move(m))); }
  void error(int line, std::string m) { result_.errors.push_back(diagnostic_at(file_, line, std::move(m))); }
  Source source(const Directive& d) const { return Source{file_, d.line, d.text}; }
  const Directive* setting(const LdVirtual& v, const std::string& key) const;
  std::optional<std::uint64_t> seconds(const Directive& d, std::uint64_t max = 86400);
  void report_globals();
  void write_virtual(const LdVirtual& v);
  // The check's tandem type ("" after an error).
  std::string write_check(const LdVirtual& v, const std::string& service, bool udp, std::uint16_t port);
  // An http(s) check with httpmethod=HEAD: no body to match receive on.
  bool head_check(const LdVirtual& v) const {
    const Directive* m = setting(v, "httpmethod");
    return m && m->value == "HEAD";
  }

  std::string file_;
  const Reader& in_;
  const LdirectordContext& ctx_;
  TomlWriter& out_;
  ImportResult& result_;
};

const Directive* Mapper::setting(const LdVirtual& v, const std::string& key) const {
  if (auto it = v.keys.find(key); it != v.keys.end()) return &it->second;
  if (auto it = in_.globals.find(key); it != in_.globals.end()) return &it->second;
  return nullptr;
}

std::optional<std::uint64_t> Mapper::seconds(const Directive& d, std::uint64_t max) {
  auto n = number(d.value, max);
  if (!n || *n == 0) {
    error(d.line, "\"" + comment_safe(d.value) + "\" is not a whole number of seconds from 1 to " + std::to_string(max) +
                      (d.value.find('#') != std::string::npos ? " (a trailing # comment is not stripped in the global "
                                                                "section)"
                                                              : ""));
    return std::nullopt;
  }
  return n;
}

void Mapper::report_globals() {
  const std::map<std::string, std::string> advice = {
      {"emailalert", "tandem sends no mail; run a notify hook ([notify] command) or alert from its metrics"},
      {"emailalertfreq", "tandem sends no mail"},
      {"emailalertstatus", "tandem sends no mail"},
      {"emailalertfrom", "tandem sends no mail"},
      {"smtp", "tandem sends no mail"},
      {"execute", "tandem runs one configuration; import the other file separately and merge its virtual servers"},
      {"readdquiescent", "tandem never removes a quiesced real server on its own; nothing to do"},
      {"cleanstop", "tandemd leaves the IPVS table in place when it stops (the peer keeps its own copy)"},
      {"maintenancedir", "set the real server's weight to 0 and reload to take it out"},
      {"fallbackcommand", "tandem runs no command when every real server is down; use fallback (a sorry server)"},
      {"monitorfile", "each probe result is in tandemctl status and the log"},
      {"logfile", "tandemd logs to the journal (or syslog)"},
      {"supervised", "tandemd runs under systemd (Type=notify)"},
      {"fork", "tandemd's checker runs every check concurrently"},
      {"autoreload", "run tandemctl reload (or systemctl reload tandem) after editing tandem.toml"},
      {"callback", "run tandemctl reload after editing tandem.toml"},
      {"checkcount", "a ping check is not imported; the count has no equivalent"},
  };
  for (const auto& [key, d] : in_.globals) {
    auto it = advice.find(key);
    if (it == advice.end()) continue;
    warn(d.line, key + "= is not carried over: " + it->second);
  }
}

void Mapper::run() {
  report_globals();
  for (const auto& v : in_.virtuals)
    if (v.src.line > 0) write_virtual(v);
}

// The check ldirectord runs, as a tandem check: the service from
// service= (else from the port), the checktype.
std::string Mapper::write_check(const LdVirtual& v, const std::string& service, bool udp, std::uint16_t port) {
  const Directive* ct = setting(v, "checktype");
  std::string checktype = ct ? ct->value : "negotiate";
  const Source* ct_src = nullptr;
  Source cts;
  if (ct || v.keys.count("service")) {
    cts = source(ct ? *ct : v.keys.at("service"));
    ct_src = &cts;
  }
  if (number(checktype, 1000)) {
    warn(ct->line, "checktype=" + checktype + " (combined: connect checks between negotiate checks): tandem runs "
                   "the negotiate check every interval");
    checktype = "negotiate";
  }
  const Directive* interval = setting(v, "checkinterval");
  if (interval && v.keys.count("checkinterval") && !(in_.globals.count("fork") && in_.globals.at("fork").value == "yes")) {
    warn(interval->line, "a per-virtual checkinterval works only with fork = yes in ldirectord, which ignores it "
                         "here; the global value is imported");
    interval = in_.globals.count("checkinterval") ? &in_.globals.at("checkinterval") : nullptr;
  }
  std::uint64_t interval_s = 10;
  if (interval)
    if (auto n = seconds(*interval)) interval_s = *n;
  const bool negotiate = checktype == "negotiate";
  const Directive* own = setting(v, negotiate ? "negotiatetimeout" : "checktimeout");
  const Directive* other = setting(v, negotiate ? "checktimeout" : "negotiatetimeout");
  const Directive* timeout = own ? own : other;
  std::uint64_t timeout_s = negotiate ? 30 : 5;
  if (timeout)
    if (auto n = seconds(*timeout)) timeout_s = *n;
  std::uint64_t fall = 1;
  const Directive* failurecount = setting(v, "failurecount");
  if (failurecount)
    if (auto n = seconds(*failurecount, 100)) fall = *n;

  std::string type;
  std::vector<std::string> command;
  std::string send, receive;
  bool receive_regex = true;
  const Directive* request = setting(v, "request");
  const Directive* receive_d = setting(v, "receive");
  auto quoted_of = [&](const Directive* d) -> std::optional<std::string> {
    if (!d) return std::nullopt;
    auto q = quoted_value(d->value);
    if (!q) error(d->line, "the value must be in double quotes, as ldirectord requires: " + comment_safe(d->text));
    return q;
  };
  const auto request_text = quoted_of(request);
  const auto receive_text = quoted_of(receive_d);

  if (checktype == "off" || checktype == "on") {
    type = "none";
    if (checktype == "off")
      warn(ct->line, "checktype=off: ldirectord puts no real server of this virtual in the table; the real servers "
                     "are imported with weight 0, so the service stays out of use until you set their weights");
  } else if (checktype == "connect") {
    type = udp ? "none" : "tcp";
    if (udp)
      warn(ct->line, "checktype=connect on a UDP virtual is a ping in ldirectord; tandem has no ICMP check for real "
                     "servers: imported as type \"none\" (every real counts as healthy); add a type = \"udp\" check "
                     "with send and receive, or an external one");
  } else if (checktype == "ping") {
    type = "external";
    command = {"/bin/ping", "-n", "-q", "-c", "1", "-W", std::to_string(std::max<std::uint64_t>(1, timeout_s)), "%h"};
  } else if (checktype == "external" || checktype == "external-perl") {
    const Directive* cc = setting(v, "checkcommand");
    const std::string path = cc ? maybe_quoted(cc->value) : "/bin/true";
    if (path.empty() || path.front() != '/') {
      error(cc ? cc->line : v.src.line, "checkcommand \"" + comment_safe(path) + "\" must be an absolute path: "
                                        "tandem runs it without a shell");
      return "";
    }
    type = "external";
    if (checktype == "external-perl") command.push_back("/usr/bin/perl");
    command.push_back(literal_argument(path));
    // ldirectord calls it as PATH VIP|fwmark VPORT RIP RPORT.
    command.push_back(v.fwmark ? std::to_string(v.fwmark) : "%v");
    command.push_back(std::to_string(v.port));
    command.push_back("%h");
    command.push_back("%p");
    if (!cc) warn(v.src.line, "checktype=" + checktype + " without checkcommand: ldirectord runs /bin/true, so every "
                              "real counts as up (imported as is)");
  } else if (checktype == "negotiate") {
    if (service == "http" || service == "https" || service == "http_proxy") {
      type = service == "https" ? "https" : "http";
      if (service == "http_proxy")
        warn(v.src.line, "service=http_proxy: imported as an http check of the request's path; tandem does not "
                         "check through a proxy");
    } else if (service == "none") {
      type = "none";
      warn(v.src.line, "service=none (also the default on a port ldirectord has no check for): ldirectord's "
                       "negotiate check then always reports up; imported as type \"none\": add a check");
    } else if (service == "simpletcp") {
      type = "send-expect";
      if (request_text) {
        for (char c : *request_text) send += c;
      }
      if (receive_text) receive = *receive_text;
    } else if (service == "smtp" || service == "ftp" || service == "pop" || service == "imap" ||
               service == "nntp" || service == "submission") {
      type = "send-expect";
      receive = service == "pop" ? "+OK" : service == "imap" ? "* OK" : service == "nntp" ? "20" : "220";
      receive_regex = false;
      warn(v.src.line, "service=" + service + ": imported as a check of the server's greeting (\"" + receive +
                           "\"); ldirectord's check also logs in or sends a command, which tandem does not");
    } else if (udp) {
      type = "none";
      warn(v.src.line, "service=" + service + " on UDP: tandem has no such check; imported as type \"none\" "
                       "(every real counts as healthy): add a type = \"udp\" check with send and receive");
    } else {
      type = "tcp";
      warn(v.src.line, "service=" + service + ": tandem has no " + service + " check; imported as a TCP connect "
                       "check, or write an external check that runs a client");
    }
  } else {
    error(ct->line, "checktype=" + comment_safe(checktype) + " is not one of connect, negotiate, ping, off, on, "
                    "external, external-perl or a number");
    return "";
  }
  if (receive_text && !receive_text->empty() && receive_regex &&
      (type == "http" || type == "https" || type == "send-expect")) {
    if (auto problem = detail::receive_problem(*receive_text, true)) {
      error(receive_d->line, "receive=" + comment_safe(*problem) + " (ldirectord's receive is a Perl regex; tandem "
                             "reads it as an ECMAScript one)");
      return "";
    }
  }
  for (const char* key : {"login", "passwd", "database", "secret"})
    if (const Directive* d = setting(v, key))
      warn(d->line, std::string(key) + "= is not carried over: tandem's checks do not log in (" + type + " check)");

  out_.table("virtual_server.check", ct_src);
  out_.string("type", type);
  if (type != "none") {
    if (interval) {
      Source s = source(*interval);
      out_.duration("interval", Duration(static_cast<std::int64_t>(interval_s) * 1000), &s);
    } else {
      out_.duration("interval", Duration(10000));
      out_.comment("ldirectord's default checkinterval (10 s)");
    }
    std::uint64_t bounded = timeout_s;
    if (timeout_s > interval_s) {
      bounded = interval_s;
      warn(timeout ? timeout->line : v.src.line,
           "the check timeout " + std::to_string(timeout_s) + " s" + (timeout ? "" : " (ldirectord's default)") +
               " is longer than the interval " + std::to_string(interval_s) +
               " s; tandem bounds a check by its interval: timeout = " + std::to_string(interval_s) + " s");
    }
    if (timeout) {
      Source s = source(*timeout);
      out_.duration("timeout", Duration(static_cast<std::int64_t>(bounded) * 1000), &s);
    } else {
      out_.duration("timeout", Duration(static_cast<std::int64_t>(bounded) * 1000));
      out_.comment(std::string("ldirectord's default ") + (negotiate ? "negotiatetimeout (30 s)" : "checktimeout (5 s)") +
                   (bounded < timeout_s ? ", bounded by the interval" : ""));
    }
    out_.integer("rise", 1);
    if (failurecount) {
      Source s = source(*failurecount);
      out_.integer("fall", static_cast<std::int64_t>(fall), &s);
    } else {
      out_.integer("fall", 1);
    }
    if (port) {
      const Directive* cp = setting(v, "checkport");
      Source s = source(*cp);
      out_.integer("port", port, &s);
    }
  }
  if (type == "http" || type == "https") {
    if (request_text) {
      std::string path = *request_text;
      if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) {
        const auto slash = path.find('/', path.find("//") + 2);
        const std::string host = path.substr(path.find("//") + 2, slash == std::string::npos ? std::string::npos
                                                                                               : slash - path.find("//") - 2);
        path = slash == std::string::npos ? "/" : path.substr(slash);
        Source s = source(*request);
        // ldirectord's Host header: virtualhost= when given, else the URL's.
        if (const Directive* vh = setting(v, "virtualhost"))
          warn(vh->line, "virtualhost=" + comment_safe(vh->value) + " replaces the host " + comment_safe(host) +
                             " of request=, as in ldirectord's Host header");
        else if (!host.empty() && !detail::header_text_problem(host))
          out_.string("virtualhost", host, &s);
      } else if (path.empty() || path.front() != '/') {
        path = "/" + path;
      }
      Source s = source(*request);
      out_.string("request", encoded_path(path, request->line), &s);
    }
    if (receive_text && !receive_text->empty()) {
      if (head_check(v)) {
        warn(receive_d->line, "receive= is not carried over with httpmethod=HEAD: tandem matches receive on the "
                              "body, and a HEAD reply has none, so the check passes on the status alone; set "
                              "httpmethod=GET to keep it");
      } else {
        Source s = source(*receive_d);
        out_.string("receive", *receive_text, &s);
      }
    }
    if (const Directive* m = setting(v, "httpmethod")) {
      if (m->value != "GET" && m->value != "HEAD") {
        error(m->line, "httpmethod=" + comment_safe(m->value) + ": GET or HEAD");
      } else {
        Source s = source(*m);
        out_.string("method", m->value, &s);
      }
    }
    if (const Directive* vh = setting(v, "virtualhost")) {
      Source s = source(*vh);
      const std::string host = maybe_quoted(vh->value);
      if (auto problem = detail::header_text_problem(host))
        error(vh->line, "virtualhost=" + comment_safe(vh->value) + ": the Host header " + comment_safe(*problem) +
                            "; give a host name such as www.example.com");
      else
        out_.string("virtualhost", host, &s);
    }
  } else if (type == "send-expect") {
    if (!send.empty()) {
      std::string escaped;
      for (std::size_t i = 0; i < send.size(); ++i) {
        if (send[i] == '\\' && i + 1 < send.size() && send[i + 1] == 'n') {
          escaped += "\\n";
          ++i;
        } else if (send[i] == '\\') {
          escaped += "\\\\";
        } else {
          escaped += send[i];
        }
      }
      Source s = source(*request);
      out_.string("send", escaped, &s);
    }
    if (receive.empty()) receive = ".";
    out_.string("receive", receive);
    if (!receive_regex) out_.string("receive_match", "prefix");
  } else if (type == "external") {
    out_.strings("command", command);
  }
  if (!(type == "http" || type == "https")) {
    for (const Directive* d : {setting(v, "httpmethod"), setting(v, "virtualhost")})
      if (d) warn(d->line, "not carried over: it applies to http and https checks only, and this is " + type);
    if (type != "send-expect") {
      if (request) warn(request->line, "request= is not carried over: the " + type + " check sends nothing");
      if (receive_d) warn(receive_d->line, "receive= is not carried over: the " + type + " check reads nothing");
    }
  }
  return type;
}

void Mapper::write_virtual(const LdVirtual& v) {
  const Source vsrc = source(v.src);
  const std::string name = v.fwmark ? "fwmark " + std::to_string(v.fwmark) : endpoint_text(v.ip, v.port);
  // protocol
  Protocol protocol = Protocol::tcp;
  const Directive* proto = setting(v, "protocol");
  if (v.fwmark) {
    if (!proto || proto->value != "fwm") {
      error(proto ? proto->line : v.src.line, "virtual=" + std::to_string(v.fwmark) +
                                                  " is a firewall mark: ldirectord requires protocol=fwm in it");
      return;
    }
  } else if (proto) {
    if (proto->value == "udp")
      protocol = Protocol::udp;
    else if (proto->value != "tcp") {
      error(proto->line, "protocol=" + comment_safe(proto->value) + ": tcp or udp for " + name +
                             (proto->value == "fwm" ? " (fwm is for a firewall mark)" : ""));
      return;
    }
  } else if (v.port == 53) {
    protocol = Protocol::udp;
  }
  const Directive* service_d = setting(v, "service");
  static const std::map<std::uint16_t, std::string> kDefaultService = {
      {21, "ftp"},    {25, "smtp"},   {53, "dns"},    {80, "http"},   {110, "pop"},   {119, "nntp"},
      {143, "imap"},  {389, "ldap"},  {443, "https"}, {587, "submission"}, {636, "ldaps"}, {993, "imaps"},
      {995, "pops"},  {1521, "oracle"}, {1812, "radius"}, {3128, "http_proxy"}, {3306, "mysql"},
      {5060, "sip"},  {5432, "pgsql"}};
  static const std::set<std::string> kServices = {
      "dns",  "ftp",  "http",       "https", "http_proxy", "imap",   "imaps",  "ldap", "ldaps", "mysql",
      "nntp", "none", "oracle",     "pgsql", "pop",        "pops",   "radius", "sip",  "simpletcp", "smtp",
      "submission"};
  std::string service = "none";
  if (service_d) {
    service = service_d->value;
    if (!kServices.count(service)) {
      error(service_d->line, "service=" + comment_safe(service) + " is not one ldirectord knows (a patched "
                             "ldirectord's?); write one of http, https, simpletcp, none, ... or checktype=external");
      return;
    }
  } else if (!v.fwmark) {
    if (auto it = kDefaultService.find(v.port); it != kDefaultService.end()) service = it->second;
  }

  out_.array_table("virtual_server", &vsrc);
  if (v.fwmark) {
    out_.integer("fwmark", v.fwmark);
    if (v.v6) out_.string("family", "ipv6");
  } else {
    out_.string("address", endpoint_text(v.ip, v.port));
    if (proto) {
      Source s = source(*proto);
      out_.string("protocol", name_of(protocol), &s);
    } else {
      out_.string("protocol", name_of(protocol));
    }
  }
  if (!ctx_.group.empty()) out_.string("group", ctx_.group);
  if (const Directive* s = setting(v, "scheduler")) {
    const auto known = ipvs_schedulers();
    if (std::find(known.begin(), known.end(), s->value) == known.end()) {
      error(s->line, "scheduler=" + comment_safe(s->value) + " is not an IPVS scheduler");
      return;
    }
    Source src = source(*s);
    out_.string("scheduler", s->value, &src);
  } else {
    out_.string("scheduler", "wrr");
    out_.comment("ldirectord's default scheduler");
  }
  std::vector<std::string> flags;
  if (const Directive* f = setting(v, "schedflags")) {
    const auto known = ipvs_scheduler_flags();
    std::string_view rest = f->value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string one(trim(rest.substr(0, comma)));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (one.empty()) continue;
      if (std::find(known.begin(), known.end(), one) == known.end()) {
        error(f->line, "schedflags: \"" + comment_safe(one) + "\" is not a scheduler flag tandem knows");
        return;
      }
      const std::string_view sched = setting(v, "scheduler") ? std::string_view(setting(v, "scheduler")->value) : "wrr";
      if ((one.rfind("sh-", 0) == 0 && sched != "sh") || (one.rfind("mh-", 0) == 0 && sched != "mh")) {
        error(f->line, "schedflags: \"" + one + "\" is only for scheduler " + one.substr(0, 2) + ", not " +
                           std::string(sched));
        return;
      }
      flags.push_back(one);
    }
  }
  if (const Directive* o = setting(v, "ops")) {
    if (o->value == "yes" && protocol != Protocol::udp)
      error(o->line, "ops=yes (one-packet scheduling) is for a UDP virtual, and " + name + " is not one");
    else if (o->value == "yes") flags.push_back("ops");
    else if (o->value != "no") error(o->line, "ops=" + comment_safe(o->value) + ": yes or no");
  }
  if (!flags.empty()) out_.strings("scheduler_flags", flags);
  if (const Directive* p = setting(v, "persistent")) {
    if (auto n = seconds(*p, 2678400)) {
      Source s = source(*p);
      out_.duration("persistence", Duration(static_cast<std::int64_t>(*n) * 1000), &s);
      if (const Directive* m = setting(v, "netmask")) {
        Source ms = source(*m);
        if (v.v6) {
          if (auto len = number(m->value, 128); len && *len > 0)
            out_.integer("persistence_netmask", static_cast<std::int64_t>(*len), &ms);
          else
            error(m->line, "netmask=" + comment_safe(m->value) + ": a prefix length from 1 to 128 in a virtual6");
        } else if (auto len = ipv4_netmask_length(m->value); len && *len > 0) {
          out_.string("persistence_netmask", m->value, &ms);
        } else {
          error(m->line, "netmask=" + comment_safe(m->value) + ": a dotted mask such as 255.255.255.0 (ones, then zeros)");
        }
      }
    }
  } else if (const Directive* m = setting(v, "netmask")) {
    warn(m->line, "netmask= is not carried over: it matters only with persistent=");
  }
  const ForwardingMethod forwarding = v.reals.empty() ? ForwardingMethod::dr : v.reals.front().forwarding;
  if (!v.reals.empty()) out_.string("forwarding", name_of(forwarding));
  // quiescent
  if (const Directive* q = setting(v, "quiescent")) {
    if (q->value != "yes" && q->value != "no") {
      error(q->line, "quiescent=" + comment_safe(q->value) + ": yes or no" +
                         (q->value.find('#') != std::string::npos
                              ? " (a trailing # comment is not stripped in the global section)"
                              : ""));
    } else {
      Source s = source(*q);
      out_.string("on_failure", q->value == "yes" ? "quiesce" : "remove", &s);
    }
  } else {
    out_.string("on_failure", "remove");
    out_.comment("quiescent unset: ldirectord of resource-agents (2009-08 on) removes a failed real server");
    warn(v.src.line, name + ": quiescent is not set, and its default depends on the version: ldirectord of "
                            "resource-agents (2009-08 on) removes a failed real server (imported: on_failure = "
                            "\"remove\"), heartbeat's ldirectord up to 2009-04 set its weight to 0 (write on_failure "
                            "= \"quiesce\" if yours is that old)");
  }
  // fallback
  if (const Directive* f = setting(v, v.v6 ? "fallback6" : "fallback")) {
    std::string_view rest = f->value;
    const auto space = rest.find_first_of(" \t");
    std::string_view where = rest.substr(0, space);
    std::string_view method = space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space));
    std::string_view host = where, port;
    if (v.v6) {
      const auto close = where.find(']');
      if (close != std::string_view::npos && close + 1 < where.size() && where[close + 1] == ':') {
        host = where.substr(0, close + 1);
        port = where.substr(close + 2);
      }
    } else if (auto colon = where.rfind(':'); colon != std::string_view::npos) {
      host = where.substr(0, colon);
      port = where.substr(colon + 1);
    }
    const auto ip = [&]() -> std::optional<IpAddress> {
      std::string_view t = host;
      if (v.v6 && t.size() > 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
      auto parsed = IpAddress::parse(t);
      if (!parsed || parsed->is_v6() != v.v6) return std::nullopt;
      return parsed;
    }();
    std::optional<std::uint16_t> p = v.port;
    if (!port.empty()) {
      if (auto n = number(port, 65535)) p = static_cast<std::uint16_t>(*n);
      else p = service_port(port);
    }
    if (!ip || !p) {
      error(f->line, "fallback \"" + comment_safe(where) + "\": expected ADDRESS[:PORT] (host and service names "
                     "are not resolved by the importer)");
    } else {
      Source s = source(*f);
      out_.string("fallback", endpoint_text(*ip, *p), &s);
      if (!method.empty() && method != "gate" && method != "masq" && method != "ipip")
        error(f->line, "fallback forward method \"" + comment_safe(method) + "\": gate, masq or ipip");
      else if (!method.empty() && method != (forwarding == ForwardingMethod::dr    ? "gate"
                                             : forwarding == ForwardingMethod::nat ? "masq"
                                                                                   : "ipip"))
        warn(f->line, "the fallback's forward method " + std::string(method) + " is not carried over: tandem reaches "
                      "the sorry server the way the virtual server forwards (" + std::string(name_of(forwarding)) +
                      ")");
    }
  }
  for (const char* key : {"fallbackcommand", "emailalert", "emailalertfreq", "emailalertstatus", "smtp", "cleanstop",
                          "monitorfile", "servicename", "comment", "checkcount"}) {
    auto it = v.keys.find(key);
    if (it == v.keys.end()) continue;
    const std::string k = key;
    warn(it->second.line, k + "= is not carried over" +
                              (k == "servicename" || k == "comment" ? " (free text, kept as this comment)"
                               : k == "fallbackcommand"             ? ": tandem runs no command when every real is "
                                                                      "down; use fallback (a sorry server)"
                               : k == "cleanstop"  ? ": tandemd leaves the IPVS table in place when it stops"
                               : k == "checkcount" ? ": a ping check is not counted"
                                                   : ": tandem sends no mail; use a notify hook or the metrics"));
    if (k == "servicename" || k == "comment") out_.comment(k + ": " + comment_safe(it->second.value));
  }
  // check
  std::uint16_t check_port = 0;
  if (const Directive* cp = setting(v, "checkport")) {
    auto n = number(cp->value, 65535);
    if (!n || *n == 0)
      error(cp->line, "checkport=" + comment_safe(cp->value) + ": a port from 1 to 65535");
    else
      check_port = static_cast<std::uint16_t>(*n);
  }
  if (v.fwmark && !check_port && std::any_of(v.reals.begin(), v.reals.end(), [](const LdReal& r) { return !r.port_given || r.port == 0; })) {
    // A fwmark service's reals without a port: the check needs one.
    const Directive* ct = setting(v, "checktype");
    const std::string t = ct ? ct->value : "negotiate";
    if (t != "off" && t != "on" && t != "ping" && !(t == "negotiate" && service == "none"))
      error(v.src.line, "fwmark " + std::to_string(v.fwmark) + ": its real servers have no port, so the check "
                        "needs checkport= (ldirectord checks port 0, which fails)");
  }
  const std::string type = write_check(v, service, protocol == Protocol::udp, check_port);
  if (type.empty()) return;
  // The greeting checks (smtp, pop, ...) read no per-real request or receive, in ldirectord too.
  const bool overrides = type == "http" || type == "https" || (type == "send-expect" && service == "simpletcp");
  const Directive* ct = setting(v, "checktype");
  const bool off = ct && ct->value == "off";
  if (v.reals.empty()) warn(v.src.line, name + " has no real server");
  std::map<std::string, int> written;  // destination -> the line of its real=
  for (const auto& r : v.reals) {
    std::uint16_t port = r.port;
    if (r.forwarding != ForwardingMethod::nat && !v.fwmark && r.port_given && r.port != v.port) {
      warn(r.src.line, "the port " + std::to_string(r.port) + " of real " + r.ip.str() + " is ignored, as ldirectord "
                       "does: with gate and ipip the real's port is the virtual's (" + std::to_string(v.port) + ")");
      port = v.port;
    }
    const bool with_port = r.forwarding == ForwardingMethod::nat && r.port_given && r.port != 0;
    // The same destination twice: ipvsadm refuses the second, so ldirectord
    // ends up with the first.
    const std::string destination = endpoint_text(r.ip, with_port ? port : v.port);
    if (const auto [it, fresh] = written.emplace(destination, r.src.line); !fresh) {
      warn(r.src.line, "real " + destination + " is listed twice in this virtual (first on line " +
                           std::to_string(it->second) + "); the first is kept, as ipvsadm refuses a destination "
                           "twice");
      continue;
    }
    Source s = source(r.src);
    out_.array_table("virtual_server.real", &s);
    out_.string("address", with_port ? endpoint_text(r.ip, port) : r.ip.str());
    out_.integer("weight", off ? 0 : r.weight);
    if (r.forwarding != forwarding) out_.string("forwarding", name_of(r.forwarding));
    if (r.upper) out_.integer("upper_threshold", r.upper);
    if (r.lower) out_.integer("lower_threshold", r.lower);
    if (r.request && !overrides) {
      warn(r.src.line, "the per-real request and receive of " + r.ip.str() + " are not carried over: the " + type +
                           " check uses neither");
    } else if (r.request) {
      out_.table("virtual_server.real.check");
      std::string path = *r.request;
      if (path.empty() || path.front() != '/') path = "/" + path;
      out_.string("request", encoded_path(path, r.src.line));
      if (r.receive->empty()) {
        out_.comment("an empty receive string: any reply is up, as in ldirectord");
      } else if ((type == "http" || type == "https") && head_check(v)) {
        warn(r.src.line, "real " + r.ip.str() + ": its receive string is not carried over with httpmethod=HEAD: "
                         "tandem matches receive on the body, and a HEAD reply has none; set httpmethod=GET to keep it");
      } else if (auto problem = detail::receive_problem(*r.receive, true)) {
        error(r.src.line, "real " + r.ip.str() + ": its receive " + comment_safe(*problem) +
                              " (ldirectord's receive is a Perl regex; tandem reads it as an ECMAScript one)");
      } else {
        out_.string("receive", *r.receive);
      }
    }
  }
}

}  // namespace

bool write_ldirectord_services(std::string_view text, const std::string& path, const LdirectordContext& context,
                               TomlWriter& out, ImportResult& result) {
  const std::size_t before = result.errors.size();
  Reader in(path, result);
  in.read(text);
  if (result.errors.size() == before && in.virtuals.empty())
    result.errors.push_back(diagnostic_at(path, 0, in.any_line ? "no virtual= or virtual6= section to import"
                                                               : "the file is empty: no virtual service to import"));
  if (result.errors.size() != before) return false;
  Mapper(path, in, context, out, result).run();
  return result.errors.size() == before;
}

ImportResult import_ldirectord(const std::string& path, const FileReader& files, const ImportOptions& options) {
  ImportResult result;
  const std::string name = options.input_name.empty() ? path : options.input_name;
  const InputFile f = files.read(path);
  if (!f.found) {
    result.errors.push_back(diagnostic_at(name, 0, f.error.empty() ? "no such file" : f.error));
    return result;
  }
  TomlWriter services;
  const bool ok = write_ldirectord_services(f.text, name, LdirectordContext{}, services, result);
  if (!options.services_only)
    check_cluster_options(options, name,
                          "ldirectord.cf holds no cluster facts (or give --services-only to write the virtual "
                          "servers alone)",
                          result);
  if (!ok || !result.errors.empty()) return result;
  TomlWriter out;
  write_services_head(out, options, name, "ldirectord.cf", "holds", "ldirectord", result);
  if (!options.services_only) {
    out.comment("The virtual addresses are not made [[vip]]s: ldirectord.cf does not say their interfaces and");
    out.comment("prefixes. Add a [[vip]] (address = \"ADDR/PREFIX\", interface = \"IFACE\") for each one tandem");
    out.comment("should move between the directors.");
  }
  std::string text = out.text() + services.text();
  check_output(text, options.services_only, name, result);
  if (result.errors.empty()) result.toml = std::move(text);
  return result;
}

}  // namespace tandem::config::legacy
