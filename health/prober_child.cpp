// The child process of an external check, a resource script or a notify
// hook: posix_spawn, the pidfd, the group kill and the capture of the first
// lines of output.
#include "health/prober_child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tandem::health {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kDrainPerWake = 64 * 1024;  // bytes read per wake-up at most

}  // namespace

std::string errno_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

Spawned ChildProcess::spawn(asio::io_context& io, const ChildSpec& spec) {
  Spawned out;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    out.failed_call = "pipe";
    out.cause = errno_text(errno);
    return out;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  // Asio opens its sockets without close-on-exec; the child gets none of them.
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
  args.reserve(spec.argv.size() + 1);
  for (const std::string& arg : spec.argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  env.reserve(spec.env.size() + 1);
  for (const std::string& var : spec.env) env.push_back(const_cast<char*>(var.c_str()));
  env.push_back(nullptr);

  pid_t pid = -1;
  const int err = ::posix_spawn(&pid, spec.argv[0].c_str(), &actions, &attr, args.data(), env.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (err != 0) {
    ::close(pipe_fds[0]);
    out.failed_call = "spawn";
    out.cause = errno_text(err);
    return out;
  }
  const int output = pipe_fds[0];
  ::fcntl(output, F_SETFL, ::fcntl(output, F_GETFL) | O_NONBLOCK);
  // The child is not reaped yet, so its pid cannot name another process.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    const int open_err = errno;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    ::close(output);
    out.failed_call = "pidfd_open";
    out.cause = errno_text(open_err);
    return out;
  }
  out.child = std::make_shared<ChildProcess>(io, pid, pidfd, output, spec.max_lines, spec.max_bytes);
  return out;
}

ChildProcess::ChildProcess(asio::io_context& io, pid_t child, int pidfd, int output_fd, std::size_t max_lines,
                           std::size_t max_bytes)
    : pid(child), exited(io, pidfd), output(io, output_fd), max_lines_(std::max<std::size_t>(max_lines, 1)),
      max_bytes_(max_bytes) {}

ChildProcess::~ChildProcess() {
  if (reaped) return;
  kill_group();
  reap_blocking();
}

void ChildProcess::watch_output(std::function<void()> at_end) {
  output.async_wait(asio::posix::descriptor_base::wait_read,
                    [weak = weak_from_this(), at_end = std::move(at_end)](boost::system::error_code ec) mutable {
                      if (ec) return;  // closed
                      auto child = weak.lock();
                      if (!child || !child->output.is_open()) return;
                      if (child->drain_output()) {
                        child->watch_output(std::move(at_end));
                      } else if (at_end) {
                        child.reset();
                        at_end();
                      }
                    });
}

void ChildProcess::kill_group() {
  if (reaped) return;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);  // in case it left its group
}

bool ChildProcess::has_exited() const {
  if (reaped) return true;
  siginfo_t info{};
  int r;
  while ((r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT)) < 0 && errno == EINTR) {
  }
  if (r < 0) return true;  // ECHILD: reaped behind our back
  return info.si_pid != 0;
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

void ChildProcess::kill_and_reap() {
  kill_group();
  reap_blocking();
  boost::system::error_code ignored;
  exited.close(ignored);
  output.close(ignored);
}

bool ChildProcess::drain_output() {
  if (!output.is_open()) return false;
  char buffer[4096];
  std::size_t budget = kDrainPerWake;
  while (budget > 0) {
    const ssize_t n = ::read(output.native_handle(), buffer, sizeof buffer);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    for (ssize_t i = 0; i < n && !full_; ++i) {
      if (buffer[i] == '\n') {
        if (++lines_ == max_lines_ || kept_.size() == max_bytes_)
          full_ = true;
        else
          kept_ += '\n';
      } else if (kept_.size() == max_bytes_) {
        full_ = true;
      } else {
        kept_ += buffer[i];
      }
    }
    budget -= std::min(budget, static_cast<std::size_t>(n));
  }
  return true;
}

std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
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

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::sigabbrev_np(sig);
    return name ? std::string("killed by SIG") + name : "killed by signal " + std::to_string(sig);
  }
  return "exit status unknown";
}

}  // namespace tandem::health
