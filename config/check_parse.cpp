#include "config/check_parse.hpp"

#include <algorithm>
#include <array>
#include <regex>

namespace tandem::config::detail {
namespace {

using Type = Check::Type;

constexpr std::array<Choice<Type>, 7> kTypes = {{{"tcp", Type::tcp},
                                                 {"send-expect", Type::send_expect},
                                                 {"http", Type::http},
                                                 {"https", Type::https},
                                                 {"external", Type::external},
                                                 {"udp", Type::udp},
                                                 {"none", Type::none}}};
constexpr std::array<Choice<bool>, 2> kReceiveMatches = {{{"regex", true}, {"prefix", false}}};
constexpr std::array<Choice<std::string_view>, 2> kMethods = {{{"GET", "GET"}, {"HEAD", "HEAD"}}};

constexpr std::size_t kMaxReceive = 1024;  // bytes; a pattern, not a payload
constexpr std::int64_t kMaxResponse = 1048576;

// The check types a key applies to.
using TypeSet = unsigned;
constexpr TypeSet bit(Type t) { return 1u << static_cast<unsigned>(t); }
constexpr TypeSet kAll = (1u << 7) - 1;
constexpr TypeSet kProbes = kAll & ~bit(Type::none);
constexpr TypeSet kHttp = bit(Type::http) | bit(Type::https);
constexpr TypeSet kSendExpect = bit(Type::send_expect) | bit(Type::udp);
constexpr TypeSet kReceive = kSendExpect | kHttp;
constexpr TypeSet kRead = kReceive;  // those that read a response

struct KeyRule {
  std::string_view key;
  TypeSet types;
};

constexpr std::array<KeyRule, 16> kCheckRules = {{{"type", kAll},
                                                  {"interval", kProbes},
                                                  {"timeout", kProbes},
                                                  {"rise", kProbes},
                                                  {"fall", kProbes},
                                                  {"port", kProbes},
                                                  {"max_response", kRead},
                                                  {"send", kSendExpect},
                                                  {"receive", kReceive},
                                                  {"receive_match", kReceive},
                                                  {"request", kHttp},
                                                  {"method", kHttp},
                                                  {"virtualhost", kHttp},
                                                  {"status", kHttp},
                                                  {"verify_certificate", bit(Type::https)},
                                                  {"command", bit(Type::external)}}};
constexpr std::array<std::string_view, 16> kCheckKeys = {
    "type",    "interval",     "timeout",     "rise",    "fall",
    "port",    "max_response", "send",        "receive", "receive_match",
    "request", "method",       "virtualhost", "status",  "verify_certificate",
    "command"};
constexpr std::array<std::string_view, 5> kOverrideKeys = {"request", "receive", "send", "port",
                                                           "virtualhost"};

// Types that probe a port of the real server.
constexpr TypeSet kNeedsPort = kProbes & ~bit(Type::external);

TypeSet types_of(std::string_view key) {
  for (const auto& rule : kCheckRules)
    if (rule.key == key) return rule.types;
  return kAll;
}

// "http and https", "send-expect, http, https and udp".
std::string type_list(TypeSet types) {
  std::vector<std::string_view> names;
  for (const auto& t : kTypes)
    if (types & bit(t.value)) names.push_back(t.name);
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

// The position of byte `offset` of a string value: exact when the value is
// written on one line with nothing that changes its length (escapes, non-ASCII
// text); otherwise the value's own position.
Position in_string(const toml::node& node, std::string_view value, std::size_t offset) {
  const auto& r = node.source();
  if (r.begin.line == r.end.line && r.end.column > r.begin.column &&
      static_cast<std::size_t>(r.end.column - r.begin.column) == value.size() + 2)
    return {static_cast<int>(r.begin.line), static_cast<int>(r.begin.column + 1 + offset)};
  return at(r);
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// A request path or host name goes into the request as written.

class CheckReader {
 public:
  explicit CheckReader(TomlReader& reader) : r_(reader) {}

  CheckFacts read_check(const Scope& vs, std::optional<Check>& out) {
    CheckFacts facts;
    const toml::node* node = vs.find("check");
    if (!node) return facts;
    facts.present = true;
    const toml::table* table = node->as_table();
    if (!table) {
      if (is_array_of_tables(*node))
        r_.error(at(node->source()),
                 "virtual_server.check must be a single table: write [virtual_server.check], not "
                 "[[virtual_server.check]]");
      else
        r_.error(at(node->source()), "virtual_server.check must be a table ([virtual_server.check]), not " +
                                         std::string(type_name(node->type())));
      return facts;
    }
    const Scope s{table, "virtual_server.check"};
    r_.check_keys(s, kCheckKeys);
    Check c;
    const auto type = r_.choice_field(s, "type", kTypes);
    if (type.value) c.type = *type.value;
    if (!type.bad()) facts.type = c.type;
    const std::string this_check = "; this check is " + quoted(name_of(c.type));
    const auto applies = [&](std::string_view key) {
      return !facts.type || (types_of(key) & bit(*facts.type)) != 0;
    };
    // Keys that do not apply to the type: an error each, and not read further.
    if (facts.type) {
      for (auto&& [key, value] : *table) {
        const std::string_view k = key.str();
        if (std::find(kCheckKeys.begin(), kCheckKeys.end(), k) == kCheckKeys.end() || applies(k)) continue;
        r_.error(at(key.source()),
                 s.key(k) + " applies to " + type_list(types_of(k)) + " checks only" + this_check);
      }
    }

    // Timing.
    Field<Duration> interval, timeout;
    if (applies("interval")) interval = r_.positive_duration_field(s, "interval");
    if (applies("timeout")) timeout = r_.positive_duration_field(s, "timeout");
    if (interval.value) c.interval = *interval.value;
    if (timeout.value) c.timeout = *timeout.value;
    if (!interval.bad() && !timeout.bad() && c.timeout > c.interval) {
      if (timeout.node)
        r_.error(timeout.where(), "virtual_server.check.timeout " + format_duration(c.timeout) +
                                      " must not exceed interval " + format_duration(c.interval) +
                                      (interval.node ? "" : " (the default)"));
      else
        r_.error(interval.where(), "virtual_server.check.interval " + format_duration(c.interval) +
                                       " is shorter than the default timeout " + format_duration(c.timeout) +
                                       "; set a timeout no longer than the interval");
    }
    if (applies("rise"))
      if (auto rise = r_.integer_field(s, "rise", 1, 100); rise.value) c.rise = static_cast<int>(*rise.value);
    if (applies("fall"))
      if (auto fall = r_.integer_field(s, "fall", 1, 100); fall.value) c.fall = static_cast<int>(*fall.value);
    if (applies("port"))
      if (auto port = read_port(s); port) {
        c.port = *port;
        facts.has_port = true;
      }
    if (applies("max_response"))
      if (auto max = r_.integer_field(s, "max_response", 1, kMaxResponse); max.value)
        c.max_response = static_cast<std::size_t>(*max.value);

    // What is sent and what must come back.
    if (applies("send")) {
      if (auto send = read_send(s)) c.send = *send;
      if (facts.type == Type::udp && !s.find("send"))
        r_.required(s, "send", " for a udp check: the datagram to send");
    }
    Field<bool> match;
    if (applies("receive_match")) match = r_.choice_field(s, "receive_match", kReceiveMatches);
    if (match.value) c.receive_regex = *match.value;
    if (!match.bad()) facts.receive_regex = c.receive_regex;
    if (applies("method")) {
      const auto method = r_.choice_field(s, "method", kMethods);
      if (method.value) c.method = std::string(*method.value);
      facts.head = method.value == std::string_view("HEAD");
    }
    if (applies("receive")) {
      if (auto receive = read_receive(s, facts)) c.receive = *receive;
      if ((facts.type == Type::send_expect || facts.type == Type::udp) && !s.find("receive"))
        r_.required(s, "receive",
                    " for a " + std::string(name_of(*facts.type)) +
                        " check: the reply that means up (a regex, or a prefix with "
                        "receive_match = \"prefix\")");
    }

    // HTTP.
    if (applies("request"))
      if (auto request = read_request(s)) c.request = *request;
    if (applies("virtualhost"))
      if (auto host = read_virtualhost(s)) c.virtualhost = *host;
    if (applies("status")) read_status(s, c.expect_status);
    if (applies("verify_certificate"))
      if (auto verify = r_.bool_field(s, "verify_certificate"); verify.value) c.verify_tls = *verify.value;

    // External.
    if (applies("command")) {
      read_command(s, c.command);
      if (facts.type == Type::external && !s.find("command"))
        r_.required(s, "command",
                    " for an external check: the program and its arguments, e.g. "
                    "[\"/usr/lib/tandem/check-db\", \"%h\", \"%p\"]");
    }
    out = std::move(c);
    return facts;
  }

  void read_override(const Scope& real, const CheckFacts& vs, std::uint16_t real_port, bool real_port_known,
                     const std::string& real_name, std::optional<CheckOverride>& out) {
    const toml::node* node = real.find("check");
    bool port_set = false;
    if (node) {
      if (!vs.present) {
        r_.error(at(node->source()),
                 "virtual_server.real.check overrides the virtual server's check, and it has none; add "
                 "[virtual_server.check] first");
        return;
      }
      const toml::table* table = node->as_table();
      if (!table) {
        r_.error(at(node->source()),
                 "virtual_server.real.check must be a table ([virtual_server.real.check] or check = "
                 "{ request = \"/alive\" }), not " +
                     std::string(type_name(node->type())));
        return;
      }
      const Scope s{table, "virtual_server.real.check"};
      r_.check_keys(s, kOverrideKeys);
      const auto applies = [&](std::string_view key) {
        return !vs.type || (types_of(key) & bit(*vs.type)) != 0;
      };
      for (auto&& [key, value] : *table) {
        const std::string_view k = key.str();
        if (std::find(kOverrideKeys.begin(), kOverrideKeys.end(), k) == kOverrideKeys.end() || applies(k))
          continue;
        r_.error(at(key.source()), s.key(k) + " applies to " + type_list(types_of(k)) +
                                       " checks only; this virtual server's check is " +
                                       quoted(name_of(*vs.type)));
      }
      CheckOverride o;
      if (applies("request")) o.request = read_request(s);
      if (applies("receive")) o.receive = read_receive(s, vs);
      if (applies("send")) o.send = read_send(s);
      if (applies("port")) o.port = read_port(s);
      if (applies("virtualhost")) o.virtualhost = read_virtualhost(s);
      port_set = s.find("port") != nullptr;
      out = std::move(o);
    }
    if (vs.type && (kNeedsPort & bit(*vs.type)) && !vs.has_port && !port_set && real_port_known &&
        real_port == 0)
      r_.error(real.where(), real_name +
                                 " has no port to check: its virtual server has none; set port in "
                                 "[virtual_server.check], or in this real server's check");
  }

 private:
  std::optional<std::uint16_t> read_port(const Scope& s) {
    const auto port = r_.integer_field(s, "port", 1, 65535);
    if (!port.value) return std::nullopt;
    return static_cast<std::uint16_t>(*port.value);
  }

  // Reports an escape problem of a string field; true when there is none.
  bool escapes_ok(const Scope& s, std::string_view key, const Field<std::string>& f) {
    const auto problem = escape_problem(*f.value);
    if (!problem) return true;
    r_.error(in_string(*f.node, *f.value, problem->offset), s.key(key) + ": " + problem->message);
    return false;
  }

  std::optional<std::string> read_send(const Scope& s) {
    const auto send = r_.string_field(s, "send");
    if (!send.value || !escapes_ok(s, "send", send)) return std::nullopt;
    return send.value;
  }

  std::optional<std::string> read_receive(const Scope& s, const CheckFacts& facts) {
    const auto receive = r_.string_field(s, "receive");
    if (!receive.value) return std::nullopt;
    const std::string name = s.key("receive");
    const std::string& text = *receive.value;
    if (auto problem = receive_problem(text, false)) {
      r_.error(receive.where(), name + " " + *problem);
      return std::nullopt;
    }
    if (facts.head) {
      r_.error(receive.where(), name +
                                    " is matched on the body, and method = \"HEAD\" gets none; use "
                                    "method = \"GET\"");
      return std::nullopt;
    }
    if (facts.receive_regex && *facts.receive_regex) {  // receive_match in error: not checked further
      if (auto problem = receive_problem(text, true)) {
        r_.error(receive.where(), name + " " + *problem + " (for a plain prefix, set receive_match = \"prefix\")");
        return std::nullopt;
      }
    }
    if (!facts.receive_regex) return receive.value;
    if (!*facts.receive_regex && !escapes_ok(s, "receive", receive)) {
      return std::nullopt;
    }
    return receive.value;
  }

  std::optional<std::string> read_request(const Scope& s) {
    const auto request = r_.string_field(s, "request");
    if (!request.value) return std::nullopt;
    const std::string name = s.key("request");
    if (request.value->empty() || request.value->front() != '/') {
      r_.error(request.where(), name + " " + quoted(*request.value) +
                                    " must be a path starting with \"/\", "
                                    "e.g. \"/index.html\"");
      return std::nullopt;
    }
    if (auto problem = header_text_problem(*request.value)) {
      r_.error(request.where(), name + " " + *problem + "; write %20 for a space");
      return std::nullopt;
    }
    return request.value;
  }

  std::optional<std::string> read_virtualhost(const Scope& s) {
    const auto host = r_.string_field(s, "virtualhost");
    if (!host.value) return std::nullopt;
    if (auto problem = header_text_problem(*host.value)) {
      r_.error(host.where(), s.key("virtualhost") + " " + *problem +
                                 "; give a host name such as \"www.example.com\", or leave it out");
      return std::nullopt;
    }
    return host.value;
  }

  void read_status(const Scope& s, std::vector<std::string>& out) {
    const toml::node* node = s.find("status");
    if (!node) return;
    const auto* array = node->as_array();
    if (!array) {
      r_.type_error(s, "status", *node, "an array of strings, e.g. [\"2xx\"] or [\"200\", \"301-302\"]");
      return;
    }
    const std::string name = s.key("status");
    if (array->empty()) {
      r_.error(at(node->source()), name + " is empty; list at least one status, e.g. [\"2xx\"]");
      return;
    }
    std::vector<std::string> statuses;
    bool ok = true;
    for (const auto& element : *array) {
      const Position where = at(element.source());
      const auto* text = element.as_string();
      if (!text) {
        r_.error(where, name + ": each status must be a string such as \"200\" or \"2xx\", not " +
                            std::string(type_name(element.type())));
        ok = false;
        continue;
      }
      if (auto problem = status_problem(text->get())) {
        r_.error(where, name + ": " + *problem);
        ok = false;
        continue;
      }
      statuses.push_back(text->get());
    }
    if (ok) out = std::move(statuses);
  }

  void read_command(const Scope& s, std::vector<std::string>& out) {
    read_argv(r_, s, "command", "[\"/usr/lib/tandem/check-db\", \"%h\", \"%p\"]", true, out);
  }

  TomlReader& r_;
};

}  // namespace

namespace {
bool status_code(std::string_view text, int& code) {
  if (text.size() != 3 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
  return true;
}

}  // namespace

std::optional<std::string> status_problem(std::string_view text) {
  const std::string shape =
      quoted(text) +
      " is not a status: write a class such as \"2xx\", a code 100..599 such as \"200\", or a range "
      "such as \"200-299\"";
  if (text.size() == 3 && text[1] == 'x' && text[2] == 'x')
    return text[0] >= '1' && text[0] <= '5'
               ? std::nullopt
               : std::optional<std::string>(quoted(text) +
                                            " is not a status "
                                            "class; use 1xx, 2xx, 3xx, 4xx or 5xx");
  int code = 0;
  if (status_code(text, code))
    return code >= 100 && code <= 599
               ? std::nullopt
               : std::optional<std::string>("status " + std::string(text) + " is out of range 100..599");
  const auto dash = text.find('-');
  int low = 0;
  int high = 0;
  if (dash == std::string_view::npos || !status_code(text.substr(0, dash), low) ||
      !status_code(text.substr(dash + 1), high))
    return shape;
  if (low < 100 || high > 599) return "range " + quoted(text) + " is outside 100..599";
  if (low > high)
    return "range " + quoted(text) + " runs backwards; write " +
           quoted(std::to_string(high) + "-" + std::to_string(low));
  return std::nullopt;
}

std::optional<std::string> receive_problem(std::string_view text, bool regex) {
  if (text.empty()) return "is empty, which any reply matches; leave it out or give the text that means up";
  if (text.size() > kMaxReceive)
    return "is " + std::to_string(text.size()) + " bytes; at most " + std::to_string(kMaxReceive);
  if (!regex) return std::nullopt;
  try {
    std::regex re(text.begin(), text.end(), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return quoted(std::string(text)) + " is not a valid regular expression: " + e.what();
  }
  return std::nullopt;
}

std::optional<std::string> header_text_problem(std::string_view text) {
  if (text.empty()) return "is empty";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return "\"" + std::string(text) + "\"" + " contains a space or control character";
  }
  return std::nullopt;
}

void read_argv(TomlReader& reader, const Scope& s, std::string_view key, std::string_view example, bool placeholders,
             std::vector<std::string>& out) {
  const toml::node* node = s.find(key);
  if (!node) return;
  const auto* array = node->as_array();
  const std::string name = s.key(key);
  if (!array) {
    reader.type_error(s, key, *node, "an array of strings, the program and its arguments, e.g. " + std::string(example));
    return;
  }
  if (array->empty()) {
    reader.error(at(node->source()), name + " is empty; give the program's absolute path and its arguments");
    return;
  }
  std::vector<std::string> argv;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const Position where = at(element.source());
    const auto* text = element.as_string();
    if (!text) {
      reader.error(where,
               name + ": each argument must be a string, not " + std::string(type_name(element.type())));
      ok = false;
      continue;
    }
    const std::string& arg = text->get();
    if (arg.find('\0') != std::string::npos) {
      reader.error(where, name + ": an argument cannot contain a NUL character");
      ok = false;
      continue;
    }
    if (i == 0 && (arg.empty() || arg.front() != '/')) {
      reader.error(where, name + ": the program " + quoted(arg) +
                          " must be an absolute path such as \"/usr/lib/tandem/check-db\"; it is run "
                          "directly, without a shell or PATH");
      ok = false;
      continue;
    }
    if (auto problem = placeholders ? placeholder_problem(arg) : std::nullopt) {
      reader.error(in_string(element, arg, problem->offset), name + ": " + problem->message);
      ok = false;
      continue;
    }
    argv.push_back(arg);
  }
  if (ok) out = std::move(argv);
}

std::optional<TextProblem> escape_problem(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') continue;
    if (i + 1 == text.size()) return TextProblem{i, "ends in a lone backslash; write \\\\ for a backslash"};
    const char c = text[i + 1];
    if (c == 'r' || c == 'n' || c == 't' || c == '\\') {
      ++i;
      continue;
    }
    if (c == 'x') {
      if (i + 3 < text.size() && is_hex(text[i + 2]) && is_hex(text[i + 3])) {
        i += 3;
        continue;
      }
      return TextProblem{i, "\\x needs two hex digits, e.g. \\x00"};
    }
    std::string escape = "\\";
    escape += c;
    return TextProblem{i, "unknown escape " + quoted(escape) + "; use \\r, \\n, \\t, \\\\ or \\xHH"};
  }
  return std::nullopt;
}

std::optional<TextProblem> placeholder_problem(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (i + 1 == text.size()) return TextProblem{i, "ends in a lone \"%\"; write %% for a %"};
    const char c = text[i + 1];
    if (c == 'h' || c == 'p' || c == 'v' || c == '%') {
      ++i;
      continue;
    }
    std::string placeholder = "%";
    placeholder += c;
    return TextProblem{i, "unknown placeholder " + quoted(placeholder) +
                              "; use %h (the real server's address), %p (its port), %v (the virtual "
                              "address) or %% (a %)"};
  }
  return std::nullopt;
}

CheckFacts read_check(TomlReader& reader, const Scope& vs, std::optional<Check>& out) {
  return CheckReader(reader).read_check(vs, out);
}

void read_check_override(TomlReader& reader, const Scope& real, const CheckFacts& vs, std::uint16_t real_port,
                         bool real_port_known, const std::string& real_name,
                         std::optional<CheckOverride>& out) {
  CheckReader(reader).read_override(real, vs, real_port, real_port_known, real_name, out);
}

}  // namespace tandem::config::detail
