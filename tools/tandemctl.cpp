// tandemctl: the control client (SPEC "Command line"), and `tandemctl
// import`, which turns legacy files into tandem.toml. Exit codes: 0 ok,
// 1 error (message on stderr), 2 usage; import also 3 (written, with
// warnings).
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <thread>
#include <string>
#include <string_view>
#include <vector>

#include "config/legacy/heartbeat.hpp"
#include "config/legacy/import.hpp"
#include "config/legacy/ldirectord.hpp"
#include "config/legacy/ipvsadm.hpp"
#include "config/legacy/keepalived.hpp"
#include "config/legacy/piranha.hpp"
#include "config/duration.hpp"
#include "config/text_file.hpp"
#include "daemon/control_client.hpp"
#include "daemon/control_protocol.hpp"

namespace {

const char* usage =
    "usage: tandemctl [--socket PATH] COMMAND\n"
    "commands:\n"
    "  status [--json]   role, peer, links, VIPs and heartbeat counters\n"
    "  standby [GROUP]   hand the VIPs (of one failover group) to the peer\n"
    "  takeover [GROUP]  take the VIPs (of one failover group) from the peer\n"
    "  reload [--dry-run] re-read the configuration (same as SIGHUP); --dry-run: print the VIP,\n"
    "                    IPVS and check changes it would make, and apply nothing\n"
    "  drain VS REAL [--timeout T]\n"
    "                    weight 0 for real server REAL of virtual server VS on both directors, then wait\n"
    "                    until its active and persistent connections are gone (or T passed; 0: do not wait)\n"
    "  disable VS REAL   take REAL out of VS's table on both directors\n"
    "  enable VS REAL    put REAL back in service (subject to its health check)\n"
    "                    VS: ADDRESS:PORT, [IPV6]:PORT, udp:ADDRESS:PORT or fwmark:N; REAL: ADDRESS[:PORT]\n"
    "  import FORMAT ... write a tandem.toml made from legacy files:\n"
    "    import heartbeat [DIR] [--node NAME] [--peer-address IFACE=ADDR]... [--vip-prefix ADDR=PREFIX/IFACE]...\n"
    "                   [-o FILE]\n"
    "                    ha.cf, haresources, authkeys and ldirectord.cf of DIR (default /etc/ha.d)\n"
    "    import ipvsadm [FILE|-] [--node NAME] [--peer NAME] [--peer-address IFACE=ADDR]...\n"
    "                   [--services-only] [-o FILE]\n"
    "                    ipvsadm-save -n output or a script of ipvsadm lines (default: stdin)\n"
    "    import keepalived [FILE] [--node NAME] --peer NAME [--peer-config PEER.conf] [--peer-address IFACE=ADDR]...\n"
    "                   [--services-only] [-o FILE]\n"
    "                    keepalived.conf (default /etc/keepalived/keepalived.conf) with its includes; PEER.conf:\n"
    "                    the other director's, to compare priorities\n"
    "    import ldirectord FILE [--node NAME] [--peer NAME] [--peer-address IFACE=ADDR]...\n"
    "                   [--services-only] [-o FILE]\n"
    "                    an ldirectord.cf (- for stdin)\n"
    "    import piranha [FILE] --node NAME --peer NAME --peer-address IFACE=ADDR...\n"
    "                   [--services-only] [-o FILE]\n"
    "                    lvs.cf (default /etc/sysconfig/ha/lvs.cf); ADDR: the other director's addresses in it\n"
    "    TOML on stdout (or -o FILE), FILE:LINE: warning/error: lines on stderr;\n"
    "    exit 0 converted, 3 written with warnings, 1 errors (nothing written)\n";

int fail_usage(const std::string& why) {
  std::fprintf(stderr, "tandemctl: %s\n%s", why.c_str(), usage);
  return 2;
}

// ---- tandemctl import ----

using tandem::config::legacy::ImportOptions;
using tandem::config::legacy::ImportResult;

using tandem::config::legacy::FileReader;
using tandem::config::legacy::InputFile;

// An importer reads its input `path` (a file, or a directory for heartbeat)
// and what it names through the reader; "<stdin>" is standard input.
using Importer = ImportResult (*)(const std::string& path, const FileReader& files, const ImportOptions&);
struct Format {
  const char* name;
  Importer import;
  const char* default_input;  // nullptr: standard input
  bool needs_input = false;   // FILE must be given (- for standard input)
};

ImportResult import_ipvsadm_file(const std::string& path, const FileReader& files, const ImportOptions& options) {
  const InputFile f = files.read(path);
  if (!f.found) {
    ImportResult r;
    r.errors.push_back(tandem::config::legacy::diagnostic_at(path, 0, f.error.empty() ? "No such file or directory" : f.error));
    return r;
  }
  return tandem::config::legacy::import_ipvsadm(f.text, path, options);
}

ImportResult import_piranha_file(const std::string& path, const FileReader& files, const ImportOptions& options) {
  const InputFile f = files.read(path);
  if (!f.found) {
    ImportResult r;
    r.errors.push_back(tandem::config::legacy::diagnostic_at(path, 0, f.error.empty() ? "No such file or directory" : f.error));
    return r;
  }
  return tandem::config::legacy::import_piranha(f.text, path, options);
}

// heartbeat's directory, made absolute: [cluster] authkeys names the file in it.
ImportResult import_heartbeat_dir(const std::string& path, const FileReader& files, const ImportOptions& options) {
  std::string dir = path;
  if (!dir.empty() && dir[0] != '/') {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd)) dir = std::string(cwd) + "/" + dir;
  }
  return tandem::config::legacy::import_heartbeat(dir, files, options);
}

const Format kFormats[] = {
    {"heartbeat", import_heartbeat_dir, "/etc/ha.d"},
    {"ipvsadm", import_ipvsadm_file, nullptr},
    {"keepalived", tandem::config::legacy::import_keepalived, "/etc/keepalived/keepalived.conf"},
    {"ldirectord", tandem::config::legacy::import_ldirectord, nullptr, true},
    {"piranha", import_piranha_file, "/etc/sysconfig/ha/lvs.cf"},
};
constexpr std::size_t kMaxImportInput = 16 * 1024 * 1024;  // bytes

std::string known_formats() {
  std::string out;
  for (const auto& f : kFormats) out += std::string(out.empty() ? "" : ", ") + f.name;
  return out;
}

// The file system as the importers see it: regular files of at most 16 MiB,
// and "<stdin>" as the text read from standard input before.
FileReader file_system_reader(std::string stdin_text) {
  FileReader r;
  r.read = [stdin_text = std::move(stdin_text)](const std::string& path) {
    InputFile f;
    if (path == "<stdin>") {
      f.found = true;
      f.text = stdin_text;
      return f;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return f;
    auto file = tandem::config::read_text_file(path, kMaxImportInput);
    if (!file.ok) {
      f.error = file.error;
      return f;
    }
    f.found = true;
    f.text = std::move(file.text);
    f.mode = int(st.st_mode & 07777);
    return f;
  };
  r.glob = [](const std::string& pattern) {
    std::vector<std::string> out;
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
      for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    ::globfree(&g);
    return out;  // glob(3) sorts
  };
  return r;
}

bool read_stdin(std::string& out, std::string& error) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, std::size_t(n));
      if (out.size() > kMaxImportInput) {
        error = "more than 16 MiB";
        return false;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::strerror(errno);
      return false;
    }
    return true;
  }
}

// Writes `text` to `path` atomically (a temporary file in the same
// directory, renamed over it), mode 0644. Returns the reason on failure.
std::string write_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return std::strerror(errno);
  std::string why;
  std::size_t done = 0;
  while (done < text.size() && why.empty()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) why = std::strerror(errno);
    else done += std::size_t(n);
  }
  if (why.empty() && ::fchmod(fd, 0644) != 0) why = std::strerror(errno);
  if (why.empty() && ::fsync(fd) != 0) why = std::strerror(errno);
  if (::close(fd) != 0 && why.empty()) why = std::strerror(errno);
  if (why.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) why = std::strerror(errno);
  if (!why.empty()) ::unlink(tmp.c_str());
  return why;
}

int import_main(int argc, char** argv) {
  if (argc < 3) return fail_usage("import needs a format: " + known_formats());
  const std::string format = argv[2];
  const Format* f = nullptr;
  for (const auto& candidate : kFormats)
    if (format == candidate.name) f = &candidate;
  if (!f) return fail_usage("import: unknown format \"" + format + "\" (known: " + known_formats() + ")");
  ImportOptions options;
  std::string input, output;
  bool have_input = false, have_node = false;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (a == "--node") {
      if (!value(options.node)) return fail_usage("--node needs a name");
      have_node = true;
    } else if (a == "--peer") {
      if (!value(options.peer)) return fail_usage("--peer needs a name");
    } else if (a == "--peer-address") {
      std::string v;
      if (!value(v)) return fail_usage("--peer-address needs IFACE=ADDR");
      const std::size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
        return fail_usage("--peer-address " + v + ": expected IFACE=ADDR, e.g. eth1=192.168.77.2");
      if (!options.peer_addresses.emplace(v.substr(0, eq), v.substr(eq + 1)).second)
        return fail_usage("--peer-address: interface " + v.substr(0, eq) + " given twice");
    } else if (a == "--vip-prefix") {
      std::string v;
      if (!value(v)) return fail_usage("--vip-prefix needs ADDR=PREFIX/IFACE");
      const std::size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
        return fail_usage("--vip-prefix " + v + ": expected ADDR=PREFIX/IFACE, e.g. 10.0.0.100=24/eth0");
      if (!options.vip_prefixes.emplace(v.substr(0, eq), v.substr(eq + 1)).second)
        return fail_usage("--vip-prefix: address " + v.substr(0, eq) + " given twice");
    } else if (a == "--peer-config") {
      if (!value(options.peer_config) || options.peer_config.empty()) return fail_usage("--peer-config needs a file");
    } else if (a == "--services-only") {
      options.services_only = true;
    } else if (a == "-o" || a == "--output") {
      if (!value(output) || output.empty()) return fail_usage("-o needs a file name");
    } else if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return 0;
    } else if (!have_input && (a == "-" || (!a.empty() && a[0] != '-'))) {
      input = a;
      have_input = true;
    } else {
      return fail_usage("import: unexpected argument \"" + a + "\"");
    }
  }
  if (!have_node && !options.services_only) {
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0]) {
      options.node = host;
      options.node_from_hostname = true;
    }
  }
  if (!have_input && f->needs_input) return fail_usage("import " + format + ": give FILE (or - for stdin)");
  std::string stdin_text;
  std::string path = input;
  if (!have_input && f->default_input) {
    path = f->default_input;
  } else if (!have_input || input == "-") {
    if (!have_input && ::isatty(0)) return fail_usage("import " + format + ": give FILE, or - to read stdin");
    path = "<stdin>";
    std::string why;
    if (!read_stdin(stdin_text, why)) {
      std::fprintf(stderr, "tandemctl: stdin: %s\n", why.c_str());
      return 1;
    }
  }
  const ImportResult result = f->import(path, file_system_reader(std::move(stdin_text)), options);
  for (const auto& line : tandem::config::legacy::import_messages(result)) std::fprintf(stderr, "%s\n", line.c_str());
  const int code = tandem::config::legacy::import_exit_code(result);
  if (code == 1) return 1;
  if (output.empty()) {
    std::fwrite(result.toml.data(), 1, result.toml.size(), stdout);
    if (std::fflush(stdout) != 0) {
      std::fprintf(stderr, "tandemctl: stdout: %s\n", std::strerror(errno));
      return 1;
    }
  } else if (const std::string why = write_atomically(output, result.toml); !why.empty()) {
    std::fprintf(stderr, "tandemctl: %s: %s\n", output.c_str(), why.c_str());
    return 1;
  }
  return code;
}

// ---- the control socket ----

// tandemd's answer to drain|disable|enable|connections:
// "TARGET... MODE active A inactive I persistent P weight W age_ms X".
struct RealCounts {
  std::string target;  // "tcp:10.0.0.100:80 10.0.0.11:80"
  std::string mode;    // none, drain, disable
  long active = 0, inactive = 0, persistent = 0, weight = -1, age_ms = 0;
};
std::optional<RealCounts> parse_counts(const std::string& body) {
  std::vector<std::string> w;
  std::string cur;
  for (char c : body) {
    if (c == ' ' || c == '\n') {
      if (!cur.empty()) w.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) w.push_back(cur);
  if (w.size() != 13) return std::nullopt;
  RealCounts c;
  c.target = w[0] + " " + w[1];
  c.mode = w[2];
  try {
    c.active = std::stol(w[4]);
    c.inactive = std::stol(w[6]);
    c.persistent = std::stol(w[8]);
    c.weight = std::stol(w[10]);
    c.age_ms = std::stol(w[12]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return c;
}

std::string clock_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char out[16];
  std::strftime(out, sizeof out, "%H:%M:%S", &tm);
  return out;
}

// drain|disable|enable VS REAL; drain then follows the connections.
int maintain_main(const std::string& socket_path, tandem::daemon::Request req, std::optional<std::chrono::milliseconds> timeout) {
  using namespace tandem::daemon;
  std::string why;
  // One request and its counts; nullopt once the reason is printed.
  const auto counts_of = [&](const Request& r) -> std::optional<RealCounts> {
    const auto reply = tandem::daemon::ask_tandemd(socket_path, r, why);
    if (!reply) {
      std::fprintf(stderr, "tandemctl: %s\n", why.c_str());
      return std::nullopt;
    }
    if (!reply->ok) {
      std::fprintf(stderr, "tandemctl: %s\n", reply->body.c_str());
      return std::nullopt;
    }
    auto c = parse_counts(reply->body);
    if (!c) std::fprintf(stderr, "tandemctl: unexpected answer from tandemd: %s", reply->body.c_str());
    return c;
  };
  const auto start = std::chrono::steady_clock::now();
  auto counts = counts_of(req);
  if (!counts) return 1;
  if (req.command == Command::disable) {
    std::printf("%s: disabled, out of the table on both directors\n", counts->target.c_str());
    return 0;
  }
  if (req.command == Command::enable) {
    std::printf("%s: enabled, in service again once its health check passes\n", counts->target.c_str());
    return 0;
  }
  std::printf("%s: draining, weight 0 on both directors\n", counts->target.c_str());
  if (timeout && timeout->count() == 0) return 0;
  Request query = req;
  query.command = Command::connections;
  std::optional<std::pair<long, long>> shown;
  // The figures come from the checker's last full read of the kernel
  // table: one made before the drain (older than the time since) is left
  // out; the drain itself starts a new one.
  bool first = true;
  for (;;) {
    if (!first && counts->mode != "drain") {
      std::fprintf(stderr, "tandemctl: %s is no longer draining (%s)\n", counts->target.c_str(), counts->mode.c_str());
      return 1;
    }
    const auto since_drain = std::chrono::steady_clock::now() - start;
    const bool fresh = !first && std::chrono::milliseconds(counts->age_ms) <= since_drain;
    first = false;
    const std::pair<long, long> now{counts->active, counts->persistent};
    if (!fresh) {
      // wait for a read made since the drain
    } else if (!shown || *shown != now) {
      std::printf("%s  active %ld, persistent %ld (inactive %ld; kernel read %.1f s ago)\n", clock_now().c_str(),
                  counts->active, counts->persistent, counts->inactive, double(counts->age_ms) / 1000);
      std::fflush(stdout);
      shown = now;
    }
    const auto waited = std::chrono::steady_clock::now() - start;
    if (fresh && counts->active == 0 && counts->persistent == 0) {
      std::printf("%s: drained, no active or persistent connections left (%.1f s)\n", counts->target.c_str(),
                  std::chrono::duration<double>(waited).count());
      return 0;
    }
    if (timeout && waited >= *timeout) {
      std::fprintf(stderr, "tandemctl: %s: %ld active and %ld persistent connection(s) left after %s; it stays drained\n",
                   counts->target.c_str(), counts->active, counts->persistent,
                   tandem::config::format_duration(*timeout).c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    counts = counts_of(query);
    if (!counts) return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tandem::daemon;
  if (argc >= 2 && std::string_view(argv[1]) == "import") return import_main(argc, argv);
  std::string socket_path = "/run/tandem/tandemd.sock";
  std::string verb;
  std::string group;
  std::vector<std::string> servers;  // VS REAL
  std::optional<std::chrono::milliseconds> timeout;
  bool json = false;
  bool dry_run = false;
  const auto takes_servers = [&] { return verb == "drain" || verb == "disable" || verb == "enable"; };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--socket") {
      if (i + 1 >= argc) return fail_usage("--socket needs a path");
      socket_path = argv[++i];
    } else if (a == "--json") {
      json = true;
    } else if (a == "--dry-run" && verb == "reload") {
      dry_run = true;
    } else if (a == "--timeout" && verb == "drain") {
      if (i + 1 >= argc) return fail_usage("--timeout needs a duration (30s, 5m; 0: do not wait)");
      const std::string t = argv[++i];
      auto d = tandem::config::parse_duration(t);
      if (t == "0") d.value = std::chrono::milliseconds(0);
      if (!d.value) return fail_usage("--timeout \"" + t + "\": write a duration such as 30s or 5m");
      timeout = *d.value;
    } else if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return 0;
    } else if (verb.empty() && !a.empty() && a[0] != '-') {
      verb = a;
    } else if ((verb == "standby" || verb == "takeover") && group.empty() && !a.empty() && a[0] != '-') {
      group = a;
    } else if (takes_servers() && servers.size() < 2 && !a.empty() && a[0] != '-') {
      servers.push_back(a);
    } else {
      return fail_usage("unexpected argument \"" + a + "\"");
    }
  }
  if (verb.empty()) return fail_usage("no command given");
  Command cmd;
  if (verb == "status")
    cmd = json ? Command::status_json : Command::status;
  else if (auto c = parse_command(verb); c && verb != "status-json" && verb != "connections" && verb != "plan" && !json)
    cmd = *c;
  else
    return fail_usage(json ? "--json goes with status" : "unknown command \"" + verb + "\"");

  if (dry_run) cmd = Command::plan;
  Request req{cmd, group};
  if (names_real_server(cmd)) {
    if (servers.size() != 2) return fail_usage(verb + " needs a virtual server and a real server: " + verb + " VS REAL");
    req.vs = servers[0];
    req.real = servers[1];
    if (!parse_request(request_line(req)))
      return fail_usage("bad server name: VS and REAL are 1 to 100 characters without blanks");
    return maintain_main(socket_path, req, timeout);
  }
  if (!group.empty() && !parse_request(request_line(req)))
    return fail_usage("bad group name \"" + group + "\": 1 to 32 of A-Z a-z 0-9 _ . -");
  std::string why;
  auto r = tandem::daemon::ask_tandemd(socket_path, req, why, cmd == Command::plan || cmd == Command::reload ? 120 : 30);
  if (!r) {
    std::fprintf(stderr, "tandemctl: %s\n", why.c_str());
    return 1;
  }
  if (!r->ok) {
    std::fprintf(stderr, "tandemctl: %s%s", r->body.c_str(), r->body.empty() || r->body.back() != '\n' ? "\n" : "");
    return 1;
  }
  std::fwrite(r->body.data(), 1, r->body.size(), stdout);
  return 0;
}
