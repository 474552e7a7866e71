// tandemd: wiring only (SPEC "Command line").
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "config/authkeys.hpp"
#include "config/config.hpp"
#include "daemon/checker.hpp"
#include "daemon/control_client.hpp"
#include "daemon/director.hpp"
#include "daemon/log.hpp"
#include "daemon/realtime.hpp"

namespace {

const char* usage =
    "usage: tandemd [-c FILE] [--socket PATH] [--check-config [--plan]] [--log-level LEVEL]\n"
    "  -c, --config FILE   configuration (default /etc/tandem/tandem.toml)\n"
    "  --socket PATH       control socket (default /run/tandem/tandemd.sock)\n"
    "  --check-config      validate the configuration and the authkeys file, then exit\n"
    "  --plan              with --check-config: ask the running tandemd (--socket) what a reload\n"
    "                      to FILE would change (VIPs, IPVS, checks); nothing is applied\n"
    "  --log-level LEVEL   err, warning, notice, info (default) or debug\n"
    "  --ipvs-in-memory    keep the IPVS table in memory, not in the kernel (testing)\n"
    "  --resource-d DIR    where [[resource]] agents are looked up first (default /etc/ha.d/resource.d)\n"
    "  --init-d DIR        and then (default /etc/init.d)\n";

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

// --check-config prints plain FILE:LINE:COL lines for a person; a starting
// daemon logs them with priority prefixes for journald.
bool check_only = false;
bool plan_only = false;  // --check-config --plan
// Health checks and the IPVS logic against a table in memory, for a kernel
// without IPVS (testing, benchmarks): nothing reaches the kernel's table.
bool ipvs_in_memory = false;

void print(const tandem::config::Diagnostics& ds, const char* severity) {
  for (const auto& d : ds) {
    if (check_only)
      std::fprintf(stderr, "%s\n", d.format(severity).c_str());
    else
      tandem::daemon::log(severity[0] == 'e' ? tandem::daemon::log_err : tandem::daemon::log_warning,
                          d.format(severity));
  }
}

int run(const tandem::daemon::DirectorOptions& opts);

}  // namespace

int main(int argc, char** argv) {
  using namespace tandem;
  daemon::keep_freed_memory();
  daemon::DirectorOptions opts{"/etc/tandem/tandem.toml", "/run/tandem/tandemd.sock", hostname()};
  // The checker child (daemon/checker.hpp) is this binary started with
  // --checker FD by the engine; not for people.
  std::optional<daemon::CheckerOptions> checker;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tandemd: %s needs a value\n%s", a.c_str(), usage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-c" || a == "--config")
      opts.config_path = value();
    else if (a == "--socket")
      opts.socket_path = value();
    else if (a == "--check-config")
      check_only = true;
    else if (a == "--plan")
      plan_only = true;
    else if (a == "--checker") {
      checker.emplace();
      checker->fd = std::atoi(value());
    } else if (a == "--state-dir" && checker)
      checker->state_dir = value();
    else if (a == "--hostname" && checker)
      checker->hostname = value();
    else if (a == "--restarted" && checker)
      checker->restarted = true;
    else if (a == "--resource-d")
      opts.resource_dirs.resource_d = value();
    else if (a == "--init-d")
      opts.resource_dirs.init_d = value();
    else if (a == "--ipvs-in-memory") {
      ipvs_in_memory = true;
      if (checker) checker->ipvs_in_memory = true;
    }
    else if (a == "--log-level") {
      auto level = daemon::parse_log_level(value());
      if (!level) {
        std::fprintf(stderr, "tandemd: unknown log level \"%s\"\n%s", argv[i], usage);
        return 2;
      }
      daemon::set_log_level(*level);
    } else if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "tandemd: unknown argument \"%s\"\n%s", a.c_str(), usage);
      return 2;
    }
  }

  if (plan_only && !check_only) {
    std::fprintf(stderr, "tandemd: --plan goes with --check-config\n%s", usage);
    return 2;
  }
  try {
    if (checker) return daemon::run_checker(*checker);
    return run(opts);
  } catch (const std::exception& e) {
    daemon::log(daemon::log_err, std::string("tandemd: ") + e.what());
    return 1;
  }
}

namespace {

// Health checks hold a socket (or a process and a pipe) each: the soft
// descriptor limit, 1024 by default, is raised to the hard one (at most
// 65536) so a few thousand real servers fit.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t want = limit.rlim_max == RLIM_INFINITY ? 65536 : std::min<rlim_t>(limit.rlim_max, 65536);
  if (limit.rlim_cur >= want) return;
  limit.rlim_cur = want;
  setrlimit(RLIMIT_NOFILE, &limit);
}

int run(const tandem::daemon::DirectorOptions& opts) {
  using namespace tandem;
  // The file's bytes are kept until the checker has them: it parses the
  // same text, not the file again.
  auto loaded = config::load_config_text(opts.config_path, {opts.hostname});
  std::string text = std::move(loaded.text);
  auto& parsed = loaded.result;
  print(parsed.warnings, "warning");
  print(parsed.errors, "error");
  std::optional<config::AuthKeys> keys;
  bool keys_ok = false;
  if (parsed.config) {
    auto k = config::load_authkeys(parsed.config->cluster.authkeys);
    print(k.warnings, "warning");
    print(k.errors, "error");
    keys_ok = k.keys.has_value();
    keys = std::move(k.keys);
  }
  if (check_only) {
    if (!parsed.config || !keys_ok) return 1;
    std::printf("%s: ok\n", opts.config_path.c_str());
    if (!plan_only) return 0;
    // The running daemon reads the same file and says what a reload would do.
    std::error_code ec;
    daemon::Request request;
    request.command = daemon::Command::plan;
    request.path = std::filesystem::absolute(opts.config_path, ec).lexically_normal().string();
    std::string why;
    const auto reply = daemon::ask_tandemd(opts.socket_path, request, why, 120);
    if (!reply) {
      std::fprintf(stderr, "tandemd: %s\n", why.c_str());
      return 1;
    }
    std::fputs(reply->body.c_str(), reply->ok ? stdout : stderr);
    if (!reply->ok && (reply->body.empty() || reply->body.back() != '\n')) std::fputc('\n', stderr);
    return reply->ok ? 0 : 1;
  }
  if (!parsed.config || !keys_ok) {
    daemon::log(daemon::log_err, "tandemd: not starting: the configuration has errors");
    return 1;
  }

  raise_descriptor_limit();
  daemon::apply_realtime(parsed.config->node, nullptr);
  boost::asio::io_context io;
  const std::string state_dir = std::filesystem::path(opts.socket_path).parent_path().string();
  std::string carrier_error;
  auto carrier = daemon::make_netlink_carrier(io, &carrier_error);
  if (!carrier)
    daemon::log(daemon::log_err, "carrier of the VIP interfaces: " + carrier_error +
                                     "; every interface counts as having carrier");
  daemon::DirectorAdapters adapters{failover::make_netlink_address_manager(),
                                                     daemon::make_systemd_notifier(),
                                                     daemon::make_process_spawner(
                                                         state_dir, opts.hostname,
                                                         ipvs_in_memory ? std::vector<std::string>{"--ipvs-in-memory"}
                                                                        : std::vector<std::string>{}),
                                                     daemon::reap_process, daemon::kill_process};
  adapters.carrier = std::move(carrier);
  daemon::DirectorOptions options = opts;
  options.state_dir = state_dir;
  daemon::Director director(io, options, std::move(*parsed.config), std::move(text), std::move(*keys),
                            std::move(adapters));
  if (auto err = director.start()) {
    daemon::log(daemon::log_err, *err);
    return 1;
  }
  io.run();
  return director.exit_code();
}

}  // namespace
