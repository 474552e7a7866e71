// The external probe: runs the configured program with posix_spawn (argv as
// configured, never through a shell) in a process group of its own, with an
// empty environment but PATH, stdin from /dev/null, stdout and stderr into a
// pipe. Its exit is awaited through a pidfd, so the thread never blocks. At
// the deadline the whole group is killed and the check is down.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "config/duration.hpp"
#include "health/prober_run.hpp"

namespace tandem::health::detail {

namespace {

constexpr std::size_t kDrainPerWake = 64 * 1024;  // bytes read per wake-up at most
constexpr char kPath[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

std::string errno_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

struct Spawned {
  pid_t pid = -1;
  int pidfd = -1;
  int output = -1;  // read end of the stdout+stderr pipe, non-blocking
  std::string error;
};

Spawned spawn_check(const std::vector<std::string>& argv) {
  Spawned out;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    out.error = "pipe: " + errno_text(errno);
    return out;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  // Asio opens its sockets without close-on-exec; the check gets none of them.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attr, &signals);
  sigfillset(&signals);
  posix_spawnattr_setsigdefault(&attr, &signals);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  char* env[] = {const_cast<char*>(kPath), nullptr};

  const int err = ::posix_spawn(&out.pid, argv[0].c_str(), &actions, &attr, args.data(), env);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (err != 0) {
    ::close(pipe_fds[0]);
    out.error = "spawn " + argv[0] + ": " + errno_text(err);
    return out;
  }
  out.output = pipe_fds[0];
  ::fcntl(out.output, F_SETFL, ::fcntl(out.output, F_GETFL) | O_NONBLOCK);
  // The child is not reaped yet, so its pid cannot name another process.
  out.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, out.pid, 0));
  if (out.pidfd < 0) {
    const int open_err = errno;
    ::kill(-out.pid, SIGKILL);
    ::kill(out.pid, SIGKILL);
    while (::waitpid(out.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    ::close(out.output);
    out.error = "pidfd_open: " + errno_text(open_err);
  }
  return out;
}

// The first output line for a reason: printable ASCII kept, other bytes as \xHH.
std::string printable(std::string_view line) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '\t') {
      out += ' ';
    } else if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

// Keeps the pipe drained while the check runs, so a chatty check never
// blocks on a full pipe.
void watch_output(std::weak_ptr<ProbeRun> weak) {
  auto run = weak.lock();
  if (!run || !run->child) return;
  run->child->output.async_wait(asio::posix::descriptor_base::wait_read,
                                [weak = std::move(weak)](boost::system::error_code ec) {
                                  if (ec) return;
                                  auto run = weak.lock();
                                  if (!run || !run->child || run->stopped()) return;
                                  if (run->child->drain_output()) watch_output(weak);
                                });
}

}  // namespace

ChildProcess::ChildProcess(asio::io_context& io, pid_t child, int pidfd, int output_fd)
    : pid(child), exited(io, pidfd), output(io, output_fd) {}

ChildProcess::~ChildProcess() {
  if (reaped) return;
  kill_group();
  reap_blocking();
}

void ChildProcess::kill_group() {
  if (reaped) return;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);  // in case it left its group
}

std::optional<int> ChildProcess::try_reap() {
  if (reaped) return std::nullopt;
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r == 0) return std::nullopt;
  reaped = true;  // or ECHILD: someone reaped it behind our back
  if (r < 0) return std::nullopt;
  return status;
}

void ChildProcess::reap_blocking() {
  if (reaped) return;
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  reaped = true;
}

bool ChildProcess::drain_output() {
  char buffer[4096];
  std::size_t budget = kDrainPerWake;
  while (budget > 0) {
    const ssize_t n = ::read(output.native_handle(), buffer, sizeof buffer);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    for (ssize_t i = 0; i < n && !line_done; ++i) {
      if (buffer[i] == '\n' || first_line.size() == kMaxLine)
        line_done = true;
      else
        first_line += buffer[i];
    }
    budget -= std::min(budget, static_cast<std::size_t>(n));
  }
  return true;
}

asio::awaitable<ProbeResult> run_external(ProbeRun& run) {
  const std::vector<std::string>& argv = run.spec.argv;
  if (argv.empty() || argv[0].empty()) co_return failed("no command to run");
  run.stage = "running the command";
  Spawned spawned = spawn_check(argv);
  if (!spawned.error.empty()) co_return failed(std::move(spawned.error));
  run.child = std::make_unique<ChildProcess>(run.core->io, spawned.pid, spawned.pidfd, spawned.output);
  ChildProcess& child = *run.child;
  watch_output(run.weak_from_this());

  boost::system::error_code ec;
  co_await child.exited.async_wait(asio::posix::descriptor_base::wait_read,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (run.abandoned) co_return failed("cancelled");
  // The child has exited, or died of the deadline's SIGKILL. A check leaves
  // nothing running behind it: the rest of its group goes too.
  child.kill_group();
  child.drain_output();
  std::optional<int> status = child.try_reap();
  if (!child.reaped) child.reap_blocking();  // woken without an exit: already killed above
  boost::system::error_code ignored;
  child.exited.close(ignored);
  child.output.close(ignored);

  std::string line = printable(child.first_line.ends_with('\r')
                                   ? std::string_view(child.first_line).substr(0, child.first_line.size() - 1)
                                   : std::string_view(child.first_line));
  auto with_output = [&line](std::string text) {
    if (!line.empty()) text += ": " + line;
    return text;
  };
  if (run.timed_out)
    co_return failed(with_output("timeout after " + config::format_duration(run.spec.timeout) + ": killed"));
  if (ec) co_return failed("waiting for " + argv[0] + ": " + error_text(ec));
  if (!status) co_return failed("exit status unknown: the process was reaped elsewhere");
  if (WIFEXITED(*status)) {
    const int code = WEXITSTATUS(*status);
    std::string text = with_output("exit status " + std::to_string(code));
    co_return code == 0 ? passed(std::move(text)) : failed(std::move(text));
  }
  if (WIFSIGNALED(*status)) {
    const int sig = WTERMSIG(*status);
    const char* name = ::sigabbrev_np(sig);
    co_return failed(with_output(name ? std::string("killed by SIG") + name : "killed by signal " + std::to_string(sig)));
  }
  co_return failed(with_output("exit status unknown"));
}

}  // namespace tandem::health::detail
