// tandemctl: the control client (SPEC "Command line"). Exit codes: 0 ok,
// 1 error (message on stderr), 2 usage.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "daemon/control_protocol.hpp"

namespace {

const char* usage =
    "usage: tandemctl [--socket PATH] COMMAND\n"
    "commands:\n"
    "  status [--json]   role, peer, links, VIPs and heartbeat counters\n"
    "  standby [GROUP]   hand the VIPs (of one failover group) to the peer\n"
    "  takeover [GROUP]  take the VIPs (of one failover group) from the peer\n"
    "  reload            re-read the configuration (same as SIGHUP)\n";

int fail_usage(const std::string& why) {
  std::fprintf(stderr, "tandemctl: %s\n%s", why.c_str(), usage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tandem::daemon;
  std::string socket_path = "/run/tandem/tandemd.sock";
  std::string verb;
  std::string group;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--socket") {
      if (i + 1 >= argc) return fail_usage("--socket needs a path");
      socket_path = argv[++i];
    } else if (a == "--json") {
      json = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return 0;
    } else if (verb.empty() && !a.empty() && a[0] != '-') {
      verb = a;
    } else if ((verb == "standby" || verb == "takeover") && group.empty() && !a.empty() && a[0] != '-') {
      group = a;
    } else {
      return fail_usage("unexpected argument \"" + a + "\"");
    }
  }
  if (verb.empty()) return fail_usage("no command given");
  Command cmd;
  if (verb == "status")
    cmd = json ? Command::status_json : Command::status;
  else if (auto c = parse_command(verb); c && verb != "status-json" && !json)
    cmd = *c;
  else
    return fail_usage(json ? "--json goes with status" : "unknown command \"" + verb + "\"");

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    std::fprintf(stderr, "tandemctl: socket path too long: %s\n", socket_path.c_str());
    return 1;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "tandemctl: cannot reach tandemd at %s: %s\n", socket_path.c_str(), std::strerror(errno));
    return 1;
  }
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const Request req{cmd, group};
  if (!group.empty() && !parse_request(request_line(req)))
    return fail_usage("bad group name \"" + group + "\": 1 to 32 of A-Z a-z 0-9 _ . -");
  std::string request = request_line(req) + "\n";
  if (::write(fd, request.data(), request.size()) != ssize_t(request.size())) {
    std::fprintf(stderr, "tandemctl: write: %s\n", std::strerror(errno));
    return 1;
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, std::size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::fprintf(stderr, "tandemctl: read: %s\n", std::strerror(errno));
      return 1;
    }
    break;
  }
  ::close(fd);
  Reply r = parse_reply(text);
  if (!r.ok) {
    std::fprintf(stderr, "tandemctl: %s%s", r.body.c_str(), r.body.empty() || r.body.back() != '\n' ? "\n" : "");
    return 1;
  }
  std::fwrite(r.body.data(), 1, r.body.size(), stdout);
  return 0;
}
