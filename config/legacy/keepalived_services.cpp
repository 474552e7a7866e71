// keepalived.conf's virtual_server blocks (keepalived.conf(5), LVS
// CONFIGURATION) as [[virtual_server]] tables: the service, its real
// servers, and their checkers (HTTP_GET, SSL_GET, TCP_CHECK, MISC_CHECK,
// UDP_CHECK) as one [virtual_server.check] with per-real overrides. The
// defaults are keepalived's own (check/check_data.c validate_check_config):
// lb_algo wlc, lb_kind NAT, protocol UDP when none is given, delay_loop 60 s,
// connect_timeout 5 s, one retry.
#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include "config/address.hpp"
#include "config/check_parse.hpp"
#include "config/config.hpp"
#include "config/legacy/keepalived_values.hpp"
#include "config/names.hpp"

namespace tandem::config::legacy::keepalived {

std::string statement_text(const Statement& s) {
  std::string out = s.keyword;
  for (const auto& a : s.args) out += " " + a;
  return comment_safe(out);
}

bool want_args(Context& cx, const Statement& s, std::size_t n, const std::string& usage) {
  if (s.args.size() == n) return true;
  cx.error(s, "\"" + statement_text(s) + "\": " + usage);
  return false;
}

std::optional<std::int64_t> integer(Context& cx, const Statement& s, std::size_t index, std::int64_t min,
                                    std::int64_t max) {
  if (index >= s.args.size()) {
    cx.error(s, comment_safe(s.keyword) + " needs a number (" + std::to_string(min) + ".." + std::to_string(max) + ")");
    return std::nullopt;
  }
  const std::string& t = s.args[index];
  std::int64_t v = 0;
  bool ok = !t.empty() && t.size() <= 12 && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (ok) v = std::stoll(t);
  if (!ok || v < min || v > max) {
    cx.error(s, comment_safe(s.keyword) + " " + comment_safe(t) + ": a whole number " + std::to_string(min) + ".." +
                    std::to_string(max) + " is needed");
    return std::nullopt;
  }
  return v;
}

std::optional<Duration> seconds(Context& cx, const Statement& s, std::size_t index, Duration min) {
  const std::string t = index < s.args.size() ? s.args[index] : std::string();
  auto bad = [&] {
    cx.error(s, comment_safe(s.keyword) + " " + comment_safe(t) +
                    ": seconds are needed, e.g. 1 or 0.5 (at least " + format_duration(min) + ")");
    return std::nullopt;
  };
  const std::size_t dot = t.find('.');
  const std::string whole = t.substr(0, dot), frac = dot == std::string::npos ? "" : t.substr(dot + 1);
  auto digits = [](const std::string& d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (t.empty() || !digits(whole) || !digits(frac) || whole.size() > 7 || frac.size() > 6 ||
      (whole.empty() && frac.empty()) || (dot != std::string::npos && frac.empty()))
    return bad();
  std::int64_t ms = whole.empty() ? 0 : std::stoll(whole) * 1000;
  const std::string f3 = (frac + "000").substr(0, 3);
  ms += std::stoll(f3);
  if (frac.size() > 3 && std::stoll(frac.substr(3)) != 0) {
    cx.error(s, comment_safe(s.keyword) + " " + comment_safe(t) + ": tandem counts time in milliseconds");
    return std::nullopt;
  }
  if (Duration(ms) < min) return bad();
  return Duration(ms);
}

std::vector<std::string> command_words(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote) quote = 0;
      else word += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) out.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(word);
  return out;
}

namespace {

constexpr Duration kDefaultDelayLoop{60000};  // KEEPALIVED_DEFAULT_DELAY
constexpr Duration kDefaultConnectTimeout{5000};
constexpr std::uint32_t kDefaultPersistence = 360;  // IPVS_SVC_PERSISTENT_TIMEOUT

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  return s;
}

// IP:PORT, or the address alone for port 0 (a fwmark service's real
// servers, which tandem writes without a port).
std::string endpoint(const IpAddress& ip, std::uint16_t port) {
  if (port == 0) return ip.str();
  return ip.is_v6() ? "[" + ip.str() + "]:" + std::to_string(port) : ip.str() + ":" + std::to_string(port);
}

// The bytes of a hex string (UDP_CHECK payload, require_reply), written as
// tandem's send/receive escapes (\xHH).
std::optional<std::string> hex_escapes(const std::string& hex) {
  if (hex.empty() || hex.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (!std::isxdigit(static_cast<unsigned char>(hex[i])) || !std::isxdigit(static_cast<unsigned char>(hex[i + 1])))
      return std::nullopt;
    out += "\\x" + upper(hex.substr(i, 2));
  }
  return out;
}

// One checker as tandem writes it.
struct CheckOut {
  std::string type;  // tcp http https external udp
  const Statement* at = nullptr;
  Duration interval{kDefaultDelayLoop};
  Duration timeout{kDefaultConnectTimeout};
  int fall = 2;
  std::optional<std::uint16_t> port;
  std::string request;
  std::vector<std::string> status;
  std::string receive;  // regex (http), or \x escapes (udp)
  std::string send;     // udp
  std::string virtualhost;
  std::vector<std::string> command;
  // What must be equal for one [virtual_server.check] to serve two reals.
  bool same_probe(const CheckOut& o) const {
    return type == o.type && interval == o.interval && timeout == o.timeout && fall == o.fall &&
           status == o.status && send == o.send && command == o.command;
  }
};

struct RealOut {
  IpAddress ip;
  std::uint16_t port = 0;
  std::int64_t weight = 1;
  std::optional<std::int64_t> upper, lower;
  std::optional<bool> inhibit;
  std::optional<CheckOut> check;
  Source source;
  const Statement* at = nullptr;
};

class ServiceImporter {
 public:
  ServiceImporter(Context& cx, const ServiceFacts& facts, TomlWriter& out) : cx_(cx), facts_(facts), out_(out) {}

  void virtual_server(const Statement& vs);

 private:
  std::optional<CheckOut> checker(const Statement& c, Duration delay_loop, std::optional<int> vs_retry,
                                  const std::string& vs_virtualhost, std::uint16_t real_port);
  std::optional<RealOut> real_server(const Statement& rs, Duration delay_loop, std::optional<int> vs_retry,
                                     const std::string& vs_virtualhost);
  void write(const Statement& vs, const std::string& address_key, const std::string& address_value,
             std::vector<RealOut>& reals);

  Context& cx_;
  const ServiceFacts& facts_;
  TomlWriter& out_;
  std::set<std::string> services_;
  // What write() needs from virtual_server():
  std::string protocol_ = "udp", scheduler_ = "wlc", forwarding_ = "nat";
  Source protocol_src_, scheduler_src_, forwarding_src_;
  std::uint32_t persistence_ = 0;
  Source persistence_src_;
  std::string granularity_;
  Source granularity_src_;
  std::string fallback_;
  Source fallback_src_;
  bool inhibit_ = false;
  Source inhibit_src_;
  bool fwmark_ = false;
};

std::optional<CheckOut> ServiceImporter::checker(const Statement& c, Duration delay_loop, std::optional<int> vs_retry,
                                                 const std::string& vs_virtualhost, std::uint16_t real_port) {
  CheckOut k;
  k.at = &c;
  k.interval = delay_loop;
  const std::string kind = c.keyword;
  const bool http = kind == "HTTP_GET" || kind == "SSL_GET";
  const bool misc = kind == "MISC_CHECK";
  k.type = kind == "HTTP_GET" ? "http" : kind == "SSL_GET" ? "https" : kind == "TCP_CHECK" ? "tcp"
           : misc ? "external" : "udp";
  int retry = misc ? 0 : 1;
  if (vs_retry) retry = *vs_retry;
  const std::size_t errors = cx_.result.errors.size();
  bool timeout_given = false;
  k.virtualhost = vs_virtualhost;
  std::string payload, reply;
  const Statement* payload_st = nullptr;
  bool require_reply = false;
  int urls = 0;
  for (const Statement& s : c.children) {
    const std::string& w = s.keyword;
    if (w == "connect_port") {
      if (auto v = integer(cx_, s, 0, 1, 65535); v && *v != real_port) k.port = static_cast<std::uint16_t>(*v);
    } else if (w == "connect_timeout" || (misc && w == "misc_timeout")) {
      if (auto v = seconds(cx_, s, 0)) {
        k.timeout = *v;
        timeout_given = true;
      }
    } else if (w == "retry" || w == "nb_get_retry") {
      if (auto v = integer(cx_, s, 0, 0, 99)) retry = static_cast<int>(*v);
    } else if (w == "delay_loop") {
      if (auto v = seconds(cx_, s, 0)) k.interval = *v;
    } else if (w == "delay_before_retry") {
      cx_.dropped(s, "tandem probes every interval and counts fall failures in a row; keepalived's retries after "
                     "delay_before_retry make a failure take about retry x delay_before_retry, tandem's fall x "
                     "interval");
    } else if (w == "connect_ip" || w == "bindto" || w == "bind_port" || w == "bind_if" || w == "fwmark") {
      cx_.dropped(s, "tandem probes the real server's own address from the director's routing choice");
    } else if (w == "warmup") {
      cx_.dropped(s, "tandem starts every check at once; spread is not needed for its probe loop");
    } else if (w == "alpha") {
      cx_.dropped(s, "a tandem real server starts up and is quiesced after fall failures (see tandemd(8), "
                     "Health checks)");
    } else if (http && w == "url") {
      ++urls;
      if (urls > 1) {
        cx_.warn(s, "a second url is not carried over: tandem checks one request per real server (the first url)");
        continue;
      }
      for (const Statement& u : s.children) {
        if (u.keyword == "path") {
          if (want_args(cx_, u, 1, "path needs the URL path, e.g. path /health")) {
            const std::string& path = u.args[0];
            if (path.empty() || path.front() != '/')
              cx_.error(u, "path " + comment_safe(path) + ": a URL path starting with \"/\", e.g. path /health");
            else if (auto problem = detail::header_text_problem(path))
              cx_.error(u, "path " + comment_safe(*problem) + "; write %20 for a space");
            else
              k.request = path;
          }
        } else if (u.keyword == "status_code") {
          for (const auto& code : u.args) {
            const bool ok = code.size() >= 3 && code.size() <= 7 &&
                            std::all_of(code.begin(), code.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)) || ch == '-'; });
            if (!ok || detail::status_problem(code)) cx_.error(u, "status_code " + comment_safe(code) + ": an HTTP status 100..599 or a range");
            else k.status.push_back(code);
          }
          if (u.args.empty()) cx_.error(u, "status_code needs a status, e.g. status_code 200");
        } else if (u.keyword == "regex") {
          if (want_args(cx_, u, 1, "regex needs one pattern")) {
            if (auto problem = detail::receive_problem(u.args[0], true))
              cx_.error(u, "regex " + comment_safe(*problem) + " (keepalived's regex is a PCRE2 one; tandem reads "
                           "it as an ECMAScript one)");
            else
              k.receive = u.args[0];
          }
        } else if (u.keyword == "digest") {
          cx_.dropped(u, "tandem does not compare an MD5 digest of the page: give receive = a regex that a "
                         "healthy page matches in [virtual_server.check]");
        } else if (u.keyword == "virtualhost") {
          if (want_args(cx_, u, 1, "virtualhost needs a host name")) k.virtualhost = u.args[0];
        } else if (u.keyword == "regex_no_match" || u.keyword == "regex_options" || u.keyword == "regex_stack" ||
                   u.keyword == "regex_min_offset" || u.keyword == "regex_max_offset") {
          cx_.dropped(u, "tandem matches receive as a regex anywhere in the body, with no options");
        } else {
          cx_.unknown(u, "url");
        }
      }
    } else if (http && w == "virtualhost") {
      if (want_args(cx_, s, 1, "virtualhost needs a host name")) k.virtualhost = s.args[0];
    } else if (http && (w == "http_protocol" || w == "enable_sni" || w == "fast_recovery" || w == "tls_compliant")) {
      cx_.dropped(s, "tandem sends HTTP/1.1 with the Host header (and SNI for https) itself");
    } else if (misc && w == "misc_path") {
      if (want_args(cx_, s, 1, "misc_path needs the command line in quotes")) {
        k.command = command_words(s.args[0]);
        if (k.command.empty()) cx_.error(s, "misc_path is empty");
        else if (k.command[0].empty() || k.command[0][0] != '/')
          cx_.error(s, "misc_path " + comment_safe(s.args[0]) +
                           ": tandem runs the command with execve, so it needs an absolute path");
        for (auto& word : k.command) word = literal_argument(word);
      }
    } else if (misc && w == "misc_dynamic") {
      cx_.dropped(s, "tandem reads only up (exit 0) or down from the command; keepalived's exit codes 2..255 that "
                     "set the weight are not read: set the weight in [[virtual_server.real]]");
    } else if (misc && w == "user") {
      cx_.dropped(s, "tandem runs check commands as its own user (root, with the unit's capabilities)");
    } else if (kind == "UDP_CHECK" && w == "payload") {
      if (want_args(cx_, s, 1, "payload needs hex bytes")) {
        payload = s.args[0];
        payload_st = &s;
      }
    } else if (kind == "UDP_CHECK" && w == "require_reply") {
      require_reply = true;
      if (!s.args.empty()) reply = s.args[0];
    } else if (kind == "UDP_CHECK" && w == "min_reply_length") {
      cx_.dropped(s, "tandem matches the reply's start with receive instead");
    } else {
      cx_.unknown(s, kind);
    }
  }
  if (cx_.result.errors.size() != errors) return std::nullopt;
  if (misc && k.command.empty()) {
    cx_.error(c, "MISC_CHECK has no misc_path");
    return std::nullopt;
  }
  if (kind == "UDP_CHECK") {
    const auto send = hex_escapes(payload);
    const auto receive = reply.empty() ? std::optional<std::string>() : hex_escapes(reply);
    if (payload_st && !send) cx_.error(*payload_st, "payload " + comment_safe(payload) + ": hex bytes are needed");
    if (!send || !require_reply || !receive) {
      cx_.warn(c, "UDP_CHECK without payload and require_reply HEX is not carried over: it only notices an ICMP "
                  "port unreachable, while a tandem udp check sends a datagram and needs a reply; give both and "
                  "import again, or write a [virtual_server.check] by hand");
      return std::nullopt;
    }
    k.send = *send;
    k.receive = *receive;
  }
  if (misc && !timeout_given) k.timeout = k.interval;  // keepalived's misc_timeout default
  if (k.timeout > k.interval) {
    cx_.warn(c, comment_safe(kind) + ": the timeout " + format_duration(k.timeout) +
                    " is longer than the check interval (delay_loop) " + format_duration(k.interval) +
                    "; tandem needs timeout <= interval, so it is " + format_duration(k.interval));
    k.timeout = k.interval;
  }
  k.fall = retry + 1;
  return k;
}

std::optional<RealOut> ServiceImporter::real_server(const Statement& rs, Duration delay_loop,
                                                    std::optional<int> vs_retry, const std::string& vs_virtualhost) {
  RealOut r;
  r.source = Context::source(rs);
  r.at = &rs;
  if (rs.args.empty() || rs.args.size() > 2) {
    cx_.error(rs, "\"" + statement_text(rs) + "\": real_server needs IP PORT");
    return std::nullopt;
  }
  const auto ip = IpAddress::parse(rs.args[0]);
  if (!ip) {
    cx_.error(rs, "real_server " + comment_safe(rs.args[0]) + " is not an IPv4 or IPv6 address (host names are not "
                  "resolved)");
    return std::nullopt;
  }
  r.ip = *ip;
  if (rs.args.size() == 2) {
    Statement port_st = rs;
    port_st.keyword = "real_server port";
    auto p = integer(cx_, port_st, 1, 0, 65535);
    if (!p) return std::nullopt;
    r.port = static_cast<std::uint16_t>(*p);
  }
  const std::size_t errors = cx_.result.errors.size();
  Duration loop = delay_loop;
  std::optional<int> retry = vs_retry;
  std::string vhost = vs_virtualhost;
  for (const Statement& s : rs.children) {
    if (s.keyword == "delay_loop") {
      if (auto v = seconds(cx_, s, 0)) loop = *v;
    } else if (s.keyword == "retry") {
      if (auto v = integer(cx_, s, 0, 0, 99)) retry = static_cast<int>(*v);
    } else if (s.keyword == "virtualhost") {
      if (want_args(cx_, s, 1, "virtualhost needs a host name")) vhost = s.args[0];
    }
  }
  int checkers = 0;
  for (const Statement& s : rs.children) {
    const std::string& w = s.keyword;
    if (w == "weight") {
      if (auto v = integer(cx_, s, 0, 0, 65535)) r.weight = *v;
    } else if (w == "inhibit_on_failure") {
      r.inhibit = true;
    } else if (w == "uthreshold") {
      if (auto v = integer(cx_, s, 0, 0, 0xffffffffll)) r.upper = *v;
    } else if (w == "lthreshold") {
      if (auto v = integer(cx_, s, 0, 0, 0xffffffffll)) r.lower = *v;
    } else if (w == "delay_loop" || w == "retry" || w == "virtualhost") {
      // read above: they are the defaults of this real's checkers
    } else if (w == "HTTP_GET" || w == "SSL_GET" || w == "TCP_CHECK" || w == "MISC_CHECK" || w == "UDP_CHECK") {
      if (++checkers > 1) {
        cx_.warn(s, comment_safe(w) + " is not carried over: tandem runs one check per real server (the first, " +
                        comment_safe(r.check ? r.check->at->keyword : std::string("none")) +
                        "); keepalived needed every checker to pass");
        continue;
      }
      r.check = checker(s, loop, retry, vhost, r.port);
    } else if (w == "SMTP_CHECK" || w == "DNS_CHECK" || w == "PING_CHECK" || w == "FILE_CHECK" ||
               w == "BFD_CHECK") {
      ++checkers;
      cx_.warn(s, comment_safe(w) + " is not carried over: tandem's checks are tcp, http, https, send-expect, "
                                    "udp and external; run the test as an external check (command = [...], "
                                    "exit 0 = up) in [virtual_server.check]");
    } else if (w == "notify_up" || w == "notify_down" || w == "smtp_alert") {
      cx_.dropped(s, "tandem logs every real server's health change (journal) and counts it in tandemctl "
                     "status; it runs no per-server hook");
    } else if (w == "alpha") {
      cx_.dropped(s, "a tandem real server starts up and is quiesced after fall failures");
    } else if (w == "delay_before_retry" || w == "warmup") {
      cx_.dropped(s, "tandem probes every interval; see the check's fall");
    } else if (w == "lb_kind" || w == "lvs_method") {
      cx_.warn(s, comment_safe(w) + " on a real server is not carried over: the virtual server's forwarding is used");
    } else {
      cx_.unknown(s, "real_server");
    }
  }
  if (r.upper && *r.upper && r.lower && *r.lower > *r.upper)
    cx_.error(rs, "lthreshold " + std::to_string(*r.lower) + " is above uthreshold " + std::to_string(*r.upper) +
                        ": the lower connection threshold must not exceed the upper one");
  if (cx_.result.errors.size() != errors) return std::nullopt;
  return r;
}

void ServiceImporter::virtual_server(const Statement& vs) {
  const std::size_t errors = cx_.result.errors.size();
  protocol_ = "udp";
  scheduler_ = "wlc";
  forwarding_ = "nat";
  protocol_src_ = Source{vs.file, 0, "(no protocol: keepalived's default, UDP)"};
  scheduler_src_ = Source{vs.file, 0, "(no lb_algo: keepalived's default, wlc)"};
  forwarding_src_ = Source{vs.file, 0, "(no lb_kind: keepalived's default, NAT)"};
  persistence_ = 0;
  granularity_.clear();
  fallback_.clear();
  inhibit_ = false;
  fwmark_ = false;

  std::string key, value;
  std::optional<IpAddress> vip;
  std::uint16_t vport = 0;
  if (vs.args.size() == 2 && vs.args[0] == "group") {
    cx_.warn(vs, "virtual_server group " + comment_safe(vs.args[1]) +
                     " is not carried over: tandem has no virtual_server_group; write one [[virtual_server]] per "
                     "address and port of the group (they may share a fwmark: fwmark = N)");
    return;
  }
  if (vs.args.size() == 2 && vs.args[0] == "fwmark") {
    Statement m = vs;
    m.keyword = "virtual_server fwmark";
    auto v = integer(cx_, m, 1, 1, 0xffffffffll);
    if (!v) return;
    key = "fwmark";
    value = std::to_string(*v);
    fwmark_ = true;
  } else if (vs.args.size() == 2 || vs.args.size() == 1) {
    vip = IpAddress::parse(vs.args[0]);
    if (!vip) {
      cx_.error(vs, "virtual_server " + comment_safe(vs.args[0]) +
                        " is not an IPv4 or IPv6 address (host names are not resolved)");
      return;
    }
    if (vs.args.size() == 2) {
      Statement p = vs;
      p.keyword = "virtual_server port";
      auto v = integer(cx_, p, 1, 0, 65535);
      if (!v) return;
      vport = static_cast<std::uint16_t>(*v);
    }
    key = "address";
    value = vip->is_v6() ? "[" + vip->str() + "]:" + std::to_string(vport) : vip->str() + ":" + std::to_string(vport);
  } else {
    cx_.error(vs, "\"" + statement_text(vs) + "\": virtual_server needs IP PORT, fwmark N or group NAME");
    return;
  }

  Duration delay_loop = kDefaultDelayLoop;
  std::optional<int> retry;
  std::string vhost;
  bool protocol_given = false;
  const Statement* quorum = nullptr;
  for (const Statement& s : vs.children) {
    const std::string& w = s.keyword;
    if (w == "delay_loop") {
      if (auto v = seconds(cx_, s, 0)) delay_loop = *v;
    } else if (w == "retry") {
      if (auto v = integer(cx_, s, 0, 0, 99)) retry = static_cast<int>(*v);
    } else if (w == "virtualhost") {
      if (want_args(cx_, s, 1, "virtualhost needs a host name")) vhost = s.args[0];
    } else if (w == "lb_algo" || w == "lvs_sched") {
      if (want_args(cx_, s, 1, "give one IPVS scheduler, e.g. lb_algo wlc")) {
        const auto known = ipvs_schedulers();
        if (std::find(known.begin(), known.end(), s.args[0]) == known.end()) {
          const std::string near(closest_match(s.args[0], known));
          cx_.error(s, comment_safe(w) + " " + comment_safe(s.args[0]) + " is not an IPVS scheduler" +
                           (near.empty() ? "" : " (did you mean " + near + "?)"));
        } else {
          scheduler_ = s.args[0];
          scheduler_src_ = Context::source(s);
        }
      }
    } else if (w == "lb_kind" || w == "lvs_method") {
      if (want_args(cx_, s, 1, "NAT, DR or TUN")) {
        const std::string k = upper(s.args[0]);
        if (k == "NAT") forwarding_ = "nat";
        else if (k == "DR") forwarding_ = "dr";
        else if (k == "TUN") forwarding_ = "tun";
        else cx_.error(s, comment_safe(w) + " " + comment_safe(s.args[0]) + ": NAT, DR or TUN");
        forwarding_src_ = Context::source(s);
      }
    } else if (w == "protocol") {
      if (want_args(cx_, s, 1, "TCP, UDP or SCTP")) {
        const std::string p = upper(s.args[0]);
        if (p == "TCP" || p == "UDP" || p == "SCTP") {
          protocol_ = std::string(p == "TCP" ? "tcp" : p == "UDP" ? "udp" : "sctp");
          protocol_src_ = Context::source(s);
          protocol_given = true;
        } else {
          cx_.error(s, "protocol " + comment_safe(s.args[0]) + ": TCP, UDP or SCTP");
        }
      }
    } else if (w == "persistence_timeout") {
      persistence_src_ = Context::source(s);
      if (s.args.empty()) persistence_ = kDefaultPersistence;
      else if (auto v = integer(cx_, s, 0, 1, 2678400)) persistence_ = static_cast<std::uint32_t>(*v);
    } else if (w == "persistence_granularity") {
      if (want_args(cx_, s, 1, "a netmask (IPv4) or a prefix length (IPv6)")) {
        granularity_ = s.args[0];
        granularity_src_ = Context::source(s);
      }
    } else if (w == "sorry_server") {
      std::optional<IpAddress> ip;
      if (s.args.size() == 2) ip = IpAddress::parse(s.args[0]);
      std::optional<std::int64_t> port;
      if (ip) port = integer(cx_, s, 1, 0, 65535);
      if (!ip) cx_.error(s, "\"" + statement_text(s) + "\": sorry_server needs IP PORT");
      else if (port) {
        fallback_ = endpoint(*ip, static_cast<std::uint16_t>(*port));
        fallback_src_ = Context::source(s);
      }
    } else if (w == "inhibit_on_failure") {
      inhibit_ = true;
      inhibit_src_ = Context::source(s);
    } else if (w == "real_server") {
      // below
    } else if (w == "alpha") {
      cx_.dropped(s, "a tandem real server starts up, taking traffic at once, and is quiesced after fall "
                     "failures; keepalived's alpha started it down");
    } else if (w == "omega") {
      cx_.dropped(s, "tandem leaves the IPVS table as it is on exit (a restart keeps serving)");
    } else if (w == "quorum" || w == "hysteresis" || w == "quorum_up" || w == "quorum_down") {
      if (!quorum) quorum = &s;
      cx_.dropped(s, "tandem has no quorum: a virtual server serves while any real server is up, and the fallback "
                     "(sorry_server) takes over when none is; a director that cannot serve is handled by "
                     "[[track]]s");
    } else if (w == "ha_suspend") {
      cx_.dropped(s, "tandem runs the checks on both directors (hot standby), so the backup's table is ready");
    } else if (w == "sorry_server_inhibit" || w == "sorry_server_lvs_method") {
      cx_.dropped(s, "tandem adds the fallback with the virtual server's forwarding and weight 1 while no real "
                     "server is up");
    } else if (w == "ops" || w == "one_packet") {
      cx_.dropped(s, "tandem does not set IPVS one-packet scheduling");
    } else if (w == "lb_flags" || w == "flag-1" || w == "flag-2" || w == "flag-3" || w == "sh-port" ||
               w == "sh-fallback" || w == "mh-port" || w == "mh-fallback" || w == "lvs_flags") {
      cx_.warn(s, comment_safe(w) + " is not carried over: write scheduler_flags = [\"...\"] in the "
                                    "[[virtual_server]] (sh-port, sh-fallback, mh-port, mh-fallback, flag-1..3)");
    } else if (w == "smtp_alert" || w == "notify_up" || w == "notify_down" || w == "delay_before_retry" ||
               w == "warmup") {
      cx_.dropped(s, "tandem logs health changes to the journal; see tandemd(8)");
    } else if (w == "ip_family") {
      cx_.dropped(s, "the address says the family");
    } else {
      cx_.unknown(s, "virtual_server");
    }
  }
  if (cx_.result.errors.size() != errors) return;
  if (!protocol_given && fwmark_) protocol_ = "tcp";  // a fwmark service has no protocol of its own
  if (!protocol_given && !fwmark_)
    cx_.warn(vs, "virtual_server " + comment_safe(value) + " has no protocol: keepalived's default is UDP, so "
                 "protocol = \"udp\" is written; add protocol TCP to keepalived.conf if it is a TCP service");
  if (vip && vport == 0 && persistence_ == 0) {
    persistence_ = kDefaultPersistence;
    persistence_src_ = Source{vs.file, vs.line, "(port 0: keepalived makes the service persistent, 360 s)"};
  }
  if (!services_.insert(key + "=" + value + "/" + protocol_).second) {
    cx_.error(vs, "virtual_server " + comment_safe(value) + " (" + protocol_ + ") is given twice");
    return;
  }
  std::vector<RealOut> reals;
  for (const Statement& s : vs.children)
    if (s.keyword == "real_server")
      if (auto r = real_server(s, delay_loop, retry, vhost)) reals.push_back(std::move(*r));
  if (cx_.result.errors.size() != errors) return;
  if (reals.empty()) {
    cx_.warn(vs, "virtual_server " + comment_safe(value) + " has no real_server and is left out, as keepalived "
                 "leaves it out");
    return;
  }
  for (auto& r : reals) {
    if (forwarding_ != "nat" && r.port != vport && vip) {
      cx_.warn(*r.at, "real_server port " + std::to_string(r.port) + " is not carried over: with lb_kind " +
                   upper(forwarding_) + " the traffic goes to the virtual port " + std::to_string(vport) +
                   " (port mapping needs NAT)");
      r.port = vport;
    } else if (forwarding_ != "nat" && fwmark_ && r.port != 0) {
      cx_.warn(*r.at, "real_server port " + std::to_string(r.port) + " is not carried over: with lb_kind " +
                          upper(forwarding_) + " a fwmark service keeps each packet's port; the check still probes " +
                          std::to_string(r.port));
      if (r.check && !r.check->port) r.check->port = r.port;
      r.port = 0;
    }
    if (forwarding_ == "nat" && r.port == 0 && (fwmark_ || vport == 0))
      cx_.error(*r.at, "real_server " + r.ip.str() + " has port 0: with lb_kind NAT (" +
                           (forwarding_src_.line ? "line " + std::to_string(forwarding_src_.line) : "keepalived's default") +
                           ") the kernel sends the traffic to the real server's port, so it must be given; "
                           "or use lb_kind DR");
  }
  if (cx_.result.errors.size() != errors) return;
  // The same destination twice: the kernel refuses the second, so
  // keepalived ends up with the first.
  std::vector<RealOut> unique;
  for (auto& r : reals) {
    const auto same = std::find_if(unique.begin(), unique.end(),
                                   [&](const RealOut& o) { return o.ip == r.ip && o.port == r.port; });
    if (same != unique.end()) {
      cx_.warn(*r.at, "real_server " + endpoint(r.ip, r.port) + " is given twice in this virtual_server (first on "
                                                                "line " + std::to_string(same->at->line) +
                          "); the first is kept, as the kernel refuses a destination twice");
      continue;
    }
    unique.push_back(std::move(r));
  }
  write(vs, key, value, unique);
}

void ServiceImporter::write(const Statement& vs, const std::string& key, const std::string& value,
                            std::vector<RealOut>& reals) {
  out_.source(Context::source(vs));
  out_.array_table("virtual_server");
  if (key == "fwmark") out_.integer("fwmark", std::stoll(value));
  else out_.string("address", value);
  if (!fwmark_) out_.string("protocol", protocol_, &protocol_src_);
  out_.string("scheduler", scheduler_, &scheduler_src_);
  out_.string("forwarding", forwarding_, &forwarding_src_);
  if (persistence_) {
    out_.duration("persistence", Duration(std::int64_t(persistence_) * 1000), &persistence_src_);
    if (!granularity_.empty()) {
      const bool v6 = value.starts_with("[");
      if (v6) {
        if (std::all_of(granularity_.begin(), granularity_.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            granularity_.size() <= 3 && std::stoll(granularity_) >= 1 && std::stoll(granularity_) <= 128)
          out_.integer("persistence_netmask", std::stoll(granularity_), &granularity_src_);
        else
          cx_.error(vs, "persistence_granularity " + comment_safe(granularity_) +
                            ": a prefix length 1..128 for an IPv6 service");
      } else if (auto len = ipv4_netmask_length(granularity_); len && *len > 0) {
        out_.string("persistence_netmask", granularity_, &granularity_src_);
      } else {
        cx_.error(vs, "persistence_granularity " + comment_safe(granularity_) +
                          ": a netmask such as 255.255.255.0 (ones, then zeros) for an IPv4 service");
      }
    }
  } else if (!granularity_.empty()) {
    cx_.warn(vs, "persistence_granularity is not carried over: the service has no persistence_timeout");
  }
  if (!fallback_.empty()) out_.string("fallback", fallback_, &fallback_src_);
  // keepalived removes a failed real server unless inhibit_on_failure (on
  // the virtual server, or on every real server) keeps it with weight 0.
  const bool all_inhibit =
      std::all_of(reals.begin(), reals.end(), [](const RealOut& r) { return r.inhibit.value_or(false); });
  const bool any_inhibit =
      std::any_of(reals.begin(), reals.end(), [](const RealOut& r) { return r.inhibit.value_or(false); });
  const bool quiesce = inhibit_ || all_inhibit;
  if (!inhibit_ && any_inhibit && !all_inhibit)
    cx_.warn(vs, "inhibit_on_failure is given on some real servers only: tandem's on_failure is per virtual "
                 "server, so failed real servers of this one are removed (on_failure = \"remove\"), as keepalived "
                 "does without it");
  const Source quiesce_src = inhibit_ ? inhibit_src_
                             : all_inhibit ? Source{vs.file, vs.line, "(inhibit_on_failure on every real_server)"}
                                           : Source{vs.file, vs.line, "(no inhibit_on_failure: keepalived removes a "
                                                                      "failed real server)"};
  out_.string("on_failure", quiesce ? "quiesce" : "remove", &quiesce_src);
  if (fwmark_ && facts_.groups.size() > 1) {
    out_.string("group", facts_.groups.front());
    cx_.warn(vs, "virtual_server fwmark " + value + " is put in failover group " + facts_.groups.front() +
                     " (the first): a fwmark service has no VIP that says which group moves it; change group = if "
                     "it belongs to another");
  } else if (const auto at = fwmark_ || vs.args.empty() ? std::nullopt : IpAddress::parse(vs.args[0]);
             at && facts_.groups.size() > 1 &&
             std::none_of(facts_.group_vips.begin(), facts_.group_vips.end(), [&](const std::vector<IpAddress>& g) {
               return std::find(g.begin(), g.end(), *at) != g.end();
             })) {
    out_.string("group", facts_.groups.front());
    cx_.warn(vs, "virtual_server " + value + " is on no vrrp_instance's virtual_ipaddress, so it is put in failover "
                 "group " + facts_.groups.front() + " (the first); change group = if it belongs to another");
  }

  // One check for the virtual server: the first real server's; the others
  // differ at most in what tandem lets a real override.
  const RealOut* first = nullptr;
  for (const auto& r : reals)
    if (r.check) {
      first = &r;
      break;
    }
  if (!first) {
    out_.table("virtual_server.check");
    const Source none{vs.file, vs.line, "(no checker on any real_server: keepalived keeps them all up)"};
    out_.string("type", "none", &none);
    cx_.warn(vs, "virtual_server " + comment_safe(value) + " has no health checker: type = \"none\" is written, "
                 "so every real server stays in; add a checker (TCP_CHECK at least) and import again, or write "
                 "the [virtual_server.check] by hand");
  } else {
    const CheckOut& c = *first->check;
    const Source cs = Context::source(*c.at);
    for (const auto& r : reals)
      if (r.check && !r.check->virtualhost.empty())
        if (auto problem = detail::header_text_problem(r.check->virtualhost))
          cx_.error(*r.check->at, "virtualhost: the Host header " + comment_safe(*problem) +
                                      "; give a host name such as www.example.com");
    out_.table("virtual_server.check");
    out_.string("type", c.type, &cs);
    out_.duration("interval", c.interval);
    out_.duration("timeout", c.timeout);
    out_.integer("rise", 1);
    out_.integer("fall", c.fall);
    if (c.port && first->port != *c.port) out_.integer("port", *c.port);
    if (c.type == "http" || c.type == "https") {
      out_.string("request", c.request.empty() ? "/" : c.request);
      if (!c.status.empty()) out_.strings("status", c.status);
      if (!c.receive.empty()) out_.string("receive", c.receive);
      if (!c.virtualhost.empty()) out_.string("virtualhost", c.virtualhost);
      if (c.type == "https") {
        const Source v{c.at->file, c.at->line, "(SSL_GET does not verify the server's certificate)"};
        out_.boolean("verify_certificate", false, &v);
      }
    } else if (c.type == "udp") {
      out_.string("send", c.send);
      out_.string("receive", c.receive);
      out_.string("receive_match", "prefix");
    } else if (c.type == "external") {
      out_.strings("command", c.command);
    }
  }
  for (const auto& r : reals) {
    out_.source(r.source);
    out_.array_table("virtual_server.real");
    out_.string("address", endpoint(r.ip, r.port));
    out_.integer("weight", r.weight);
    if (r.upper) out_.integer("upper_threshold", *r.upper);
    if (r.lower) out_.integer("lower_threshold", *r.lower);
    if (!first) continue;
    const CheckOut& c0 = *first->check;
    // The port tandem probes without a per-real port: the check's, or the real's own.
    const std::uint16_t vs_port = c0.port && first->port != *c0.port ? *c0.port : 0;
    const std::uint16_t probed = vs_port ? vs_port : r.port;
    const bool needs_port = c0.type != "external";
    auto require_port = [&](std::uint16_t port) {
      if (needs_port && port == 0)
        cx_.error(*r.at, "real_server " + r.ip.str() + " has port 0 and its check no connect_port: tandem's " +
                             c0.type + " check needs a port to probe; give connect_port in " +
                             comment_safe((r.check ? *r.check : c0).at->keyword));
    };
    if (&r == first) {
      require_port(probed);
      continue;
    }
    if (!r.check) {
      cx_.warn(*r.at, "this real_server has no checker, but tandem checks every real server of a virtual server the same "
               "way: it gets the first one's " + c0.at->keyword);
      require_port(probed);
      continue;
    }
    const CheckOut& c = *r.check;
    if (!c.same_probe(c0)) {
      cx_.warn(*c.at, comment_safe(c.at->keyword) + " differs from the first real server's (" +
                          comment_safe(c0.at->keyword) + " at line " + std::to_string(c0.at->line) +
                          ") in its type, timing, status or command: tandem runs one check per virtual server, "
                          "with only request, receive, send, port and virtualhost set per real server; the first "
                          "one's is used");
      require_port(probed);
      continue;
    }
    // What a real may set on its own.
    const auto port = c.port.value_or(r.port);
    require_port(port);
    const bool http = c.type == "http" || c.type == "https";
    const bool differs = port != probed || (http && (c.request != c0.request || c.receive != c0.receive ||
                                                      c.virtualhost != c0.virtualhost));
    if (!differs) continue;
    out_.table("virtual_server.real.check");
    if (port != probed) out_.integer("port", port);
    if (http && c.request != c0.request) out_.string("request", c.request.empty() ? "/" : c.request);
    if (http && c.receive != c0.receive) {
      if (c.receive.empty())
        cx_.warn(*c.at, "this real server's check has no regex while the first one's has: it is checked with the "
                        "first one's receive");
      else out_.string("receive", c.receive);
    }
    if (http && c.virtualhost != c0.virtualhost && !c.virtualhost.empty()) out_.string("virtualhost", c.virtualhost);
  }
}

}  // namespace

void write_services(Context& cx, const std::vector<const Statement*>& blocks, const ServiceFacts& facts,
                    TomlWriter& out) {
  ServiceImporter importer(cx, facts, out);
  for (const Statement* b : blocks) {
    if (b->keyword == "virtual_server_group") {
      cx.warn(*b, "virtual_server_group " + comment_safe(b->args.empty() ? std::string() : b->args[0]) +
                      " is not carried over: tandem has no virtual server groups; write one [[virtual_server]] per "
                      "address and port (its virtual_server group ... block is reported too)");
      continue;
    }
    importer.virtual_server(*b);
  }
}

}  // namespace tandem::config::legacy::keepalived
