#include "daemon/control_protocol.hpp"

namespace tandem::daemon {

std::optional<Command> parse_command(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line == "status") return Command::status;
  if (line == "status-json") return Command::status_json;
  if (line == "standby") return Command::standby;
  if (line == "takeover") return Command::takeover;
  if (line == "reload") return Command::reload;
  if (line == "drain") return Command::drain;
  if (line == "disable") return Command::disable;
  if (line == "enable") return Command::enable;
  if (line == "connections") return Command::connections;
  if (line == "plan") return Command::plan;
  return std::nullopt;
}

std::string_view command_line(Command c) {
  switch (c) {
    case Command::status: return "status";
    case Command::status_json: return "status-json";
    case Command::standby: return "standby";
    case Command::takeover: return "takeover";
    case Command::reload: return "reload";
    case Command::drain: return "drain";
    case Command::disable: return "disable";
    case Command::enable: return "enable";
    case Command::connections: return "connections";
    case Command::plan: return "plan";
  }
  return "status";
}

bool names_real_server(Command c) {
  return c == Command::drain || c == Command::disable || c == Command::enable || c == Command::connections;
}

namespace {

// A virtual or real server as written: 1..100 printable bytes, no blanks.
bool server_word(std::string_view w) {
  if (w.empty() || w.size() > 100) return false;
  for (char ch : w)
    if (ch <= ' ' || ch > '~') return false;
  return true;
}

}  // namespace

std::optional<Request> parse_request(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  const auto space = line.find(' ');
  if (space == std::string_view::npos) {
    auto c = parse_command(line);
    if (!c || names_real_server(*c)) return std::nullopt;
    Request r;
    r.command = *c;
    return r;
  }
  auto c = parse_command(line.substr(0, space));
  if (c && *c == Command::plan) {
    // An absolute path, up to 4096 bytes, no control characters.
    const std::string_view path = line.substr(space + 1);
    if (path.empty() || path.size() > 4096 || path.front() != '/') return std::nullopt;
    for (char ch : path)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return std::nullopt;
    Request r;
    r.command = *c;
    r.path = std::string(path);
    return r;
  }
  if (c && names_real_server(*c)) {
    const std::string_view rest = line.substr(space + 1);
    const auto blank = rest.find(' ');
    if (blank == std::string_view::npos) return std::nullopt;
    const std::string_view vs = rest.substr(0, blank), real = rest.substr(blank + 1);
    if (!server_word(vs) || !server_word(real)) return std::nullopt;
    Request r;
    r.command = *c;
    r.vs = std::string(vs);
    r.real = std::string(real);
    return r;
  }
  if (!c || (*c != Command::standby && *c != Command::takeover)) return std::nullopt;
  std::string_view group = line.substr(space + 1);
  // A group name as [[group]] allows it: 1..32 of [A-Za-z0-9_.-].
  if (group.empty() || group.size() > 32) return std::nullopt;
  for (char ch : group)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
          ch == '.' || ch == '-'))
      return std::nullopt;
  return Request{*c, std::string(group)};
}

std::string request_line(const Request& r) {
  std::string line(command_line(r.command));
  if (!r.group.empty()) line += " " + r.group;
  if (names_real_server(r.command)) line += " " + r.vs + " " + r.real;
  if (r.command == Command::plan && !r.path.empty()) line += " " + r.path;
  return line;
}

std::string format_reply(const Reply& r) {
  if (r.ok) return "ok\n" + r.body;
  std::string msg = r.body;
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  return "error: " + msg + "\n";
}

Reply parse_reply(std::string_view text) {
  auto nl = text.find('\n');
  std::string_view first = text.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  if (first == "ok") return Reply{true, std::string(rest)};
  if (first.substr(0, 7) == "error: ") {
    std::string msg(first.substr(7));
    if (!rest.empty()) msg += "\n" + std::string(rest);
    return Reply{false, msg};
  }
  return Reply{false, "malformed reply from tandemd"};
}

}  // namespace tandem::daemon
