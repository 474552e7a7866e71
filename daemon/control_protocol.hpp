// The control socket's request/reply format (docs/control-protocol.md).
// Shared by tandemd and tandemctl.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace tandem::daemon {

enum class Command { status, status_json, standby, takeover, reload, drain, disable, enable, connections, plan };

std::optional<Command> parse_command(std::string_view line);  // without the newline
std::string_view command_line(Command c);

// A request line: a command, and for standby and takeover an optional
// failover group ("standby web"; none: every group); for drain, disable,
// enable and connections a virtual server and a real server as tandemctl
// was given them ("drain 10.0.0.100:80 10.0.0.11").
struct Request {
  Command command = Command::status;
  std::string group;
  std::string vs;
  std::string real;
  // plan: the file to plan a reload from ("plan /etc/tandem/new.toml");
  // empty: the daemon's own (tandemctl reload --dry-run).
  std::string path;
  // Who asked (the control socket's peer, "root"); not on the line.
  std::string client;
  friend bool operator==(const Request&, const Request&) = default;
};
// Whether the command names a real server (drain, disable, enable, connections).
bool names_real_server(Command c);
std::optional<Request> parse_request(std::string_view line);  // without the newline
std::string request_line(const Request& r);

struct Reply {
  bool ok = true;
  std::string body;  // the body for ok, the message for error
};

// "ok\n" + body, or "error: MESSAGE\n".
std::string format_reply(const Reply& r);
// Parses what format_reply made; a reply without a valid first line is an error.
Reply parse_reply(std::string_view text);

}  // namespace tandem::daemon
