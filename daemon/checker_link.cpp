#include "daemon/checker_link.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/log.hpp"
#include "daemon/realtime.hpp"

namespace tandem::daemon {
namespace asio = boost::asio;
using Steady = EngineClock;

namespace {
const char* level_name(int level) {
  switch (level) {
    case log_err: return "err";
    case log_warning: return "warning";
    case log_notice: return "notice";
    case log_debug: return "debug";
    default: return "info";
  }
}
}  // namespace

SpawnChecker make_process_spawner(std::string state_dir, std::string hostname, std::vector<std::string> extra) {
  return [state_dir = std::move(state_dir), hostname = std::move(hostname), extra = std::move(extra)](
             bool restarted) -> std::variant<SpawnedChecker, std::string> {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return std::string("checker: socketpair: ") + std::strerror(errno);
    // Everything the child needs is built before fork: after it, only
    // async-signal-safe calls until execv.
    std::vector<std::string> args = {"tandemd",     "--checker",  "3",       "--state-dir",
                                     state_dir,     "--hostname", hostname, "--log-level",
                                     level_name(log_level())};
    if (restarted) args.push_back("--restarted");
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int e = errno;
      ::close(sv[0]);
      ::close(sv[1]);
      return std::string("checker: fork: ") + std::strerror(e);
    }
    if (pid == 0) {
      run_at_normal_priority();
      if (sv[1] == 3)
        ::fcntl(3, F_SETFD, 0);
      else if (::dup2(sv[1], 3) < 0)
        ::_exit(127);
      ::close_range(4, ~0u, 0);
      ::execv("/proc/self/exe", argv.data());
      ::_exit(127);
    }
    ::close(sv[1]);
    return SpawnedChecker{pid, sv[0]};
  };
}

std::string reap_process(long pid) {
  int status = 0;
  pid_t got = 0;
  // It closed its end: it is exiting. Give it a moment, then make sure.
  for (int i = 0; i < 50 && (got = ::waitpid(pid_t(pid), &status, WNOHANG)) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (got == 0) {
    ::kill(pid_t(pid), SIGKILL);
    got = ::waitpid(pid_t(pid), &status, 0);
  }
  if (got < 0) return std::string("not reaped: ") + std::strerror(errno);
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  return "ended";
}

void kill_process(long pid) {
  if (pid > 0) ::kill(pid_t(pid), SIGKILL);
}

CheckerLink::CheckerLink(asio::io_context& io, SpawnChecker spawn, ReapChecker reap, KillChecker kill, Events events,
                         CheckerTimings timings)
    : io_(io),
      spawn_(std::move(spawn)),
      reap_(std::move(reap)),
      kill_(std::move(kill)),
      events_(std::move(events)),
      timings_(timings),
      ping_timer_(io),
      restart_timer_(io),
      stop_timer_(io) {}

CheckerLink::~CheckerLink() {
  boost::system::error_code ec;
  ping_timer_.cancel(ec);
  restart_timer_.cancel(ec);
  stop_timer_.cancel(ec);
  if (channel_) {
    channel_->close();
    channel_.reset();
    kill_(pid_);
    reap_(pid_);
  }
  if (running_fd_ >= 0) ::close(running_fd_);
}

std::optional<std::string> CheckerLink::spawn(bool restarted) {
  auto spawned = spawn_(restarted);
  if (auto* err = std::get_if<std::string>(&spawned)) return *err;
  auto s = std::get<SpawnedChecker>(spawned);
  pid_ = s.pid;
  started_at_ = Steady::now();
  asked_at_ = started_at_;
  answered_at_.reset();
  channel_ = std::make_shared<CheckerChannel>(
      io_, s.fd, [this](checker::Message m) { on_message(std::move(m)); },
      [this](const std::string& why) { on_closed(why); });
  channel_->start();
  log(log_info, "checker started: pid " + std::to_string(pid_));
  return std::nullopt;
}

std::variant<std::uint64_t, std::string> CheckerLink::start(std::string path, std::string text) {
  path_ = std::move(path);
  any_answer_at_ = Steady::now();
  if (auto err = spawn(false)) return *err;
  ping();
  if (!maintenance_.empty()) send(checker::SetMaintenance{maintenance_});
  return configure(std::move(text));
}

std::uint64_t CheckerLink::configure(std::string text) {
  const std::uint64_t id = next_id_++;
  send(checker::Configure{id, path_, text});
  configuring_ = true;
  pending_.emplace(id, std::move(text));
  return id;
}

void CheckerLink::set_sync(bool master, bool both) {
  master_ = master;
  both_ = both;
  sync_set_ = true;
  send(checker::SetSync{master, both});
}

void CheckerLink::publish(checker::Publish m) { send(m); }

void CheckerLink::set_maintenance(std::string text) {
  maintenance_ = std::move(text);
  send(checker::SetMaintenance{maintenance_});
}

void CheckerLink::resolve(std::string vs, std::string real, Resolved done) {
  const std::uint64_t id = next_id_++;
  if (!channel_) {
    done(checker::Resolved{id, false, "the checker is being restarted; try again", {}, {}, false, 0, 0, 0, 0, 0});
    return;
  }
  resolving_.emplace(id, std::move(done));
  send(checker::Resolve{id, std::move(vs), std::move(real)});
}

void CheckerLink::forward(bool on, const std::string& group) {
  if (on)
    forwarding_.insert(group);
  else
    forwarding_.erase(group);
  send(checker::Forward{on, group});
}

void CheckerLink::plan(std::string path, std::string text, Planned done) {
  const std::uint64_t id = next_id_++;
  if (!channel_) {
    done(checker::Planned{id, false, "the checker is being restarted; try again"});
    return;
  }
  planning_.emplace(id, std::move(done));
  send(checker::Plan{id, std::move(path), std::move(text)});
}

void CheckerLink::send(const checker::Message& m) {
  if (channel_) channel_->send(m);
}

void CheckerLink::on_message(checker::Message m) {
  const auto now = Steady::now();
  std::visit(
      [&](auto& msg) {
        using M = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<M, checker::Configured>) {
          configuring_ = false;
          if (pending_ && pending_->first == msg.id) {
            if (msg.ok) commit(pending_->second);
            pending_.reset();
            if (events_.configured) events_.configured(msg);
          } else if (msg.id == 0 && !msg.ok) {
            log(log_err, "the restarted checker refused the running configuration: " + msg.message);
          }
        } else if constexpr (std::is_same_v<M, checker::Pong>) {
          answered_at_ = now;
          any_answer_at_ = now;
          lag_.add(now, double(msg.lag_us) / 1000.0);
        } else if constexpr (std::is_same_v<M, checker::Snapshot>) {
          snapshot_ = std::make_shared<const checker::Snapshot>(std::move(msg));
          snapshot_at_ = now;
        } else if constexpr (std::is_same_v<M, checker::Resolved>) {
          if (auto it = resolving_.find(msg.id); it != resolving_.end()) {
            auto done = std::move(it->second);
            resolving_.erase(it);
            done(msg);
          }
        } else if constexpr (std::is_same_v<M, checker::Planned>) {
          if (auto it = planning_.find(msg.id); it != planning_.end()) {
            auto done = std::move(it->second);
            planning_.erase(it);
            done(msg);
          }
        } else if constexpr (std::is_same_v<M, checker::ForwardApplied>) {
          if (msg.on == (forwarding_.count(msg.group) > 0) && events_.forward_applied)
            events_.forward_applied(msg.on, msg.group);
        } else {
          log(log_warning, std::string("unexpected ") + checker::name(m) + " message from the checker");
        }
      },
      m);
}

void CheckerLink::ping() {
  ping_timer_.expires_after(timings_.ping_every);
  ping_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    if (channel_) {
      const auto now = Steady::now();
      const auto last = answered_at_.value_or(started_at_);
      if (now - last > (configuring_ ? timings_.busy_stall_after : timings_.stall_after)) {
        log(log_err, "checker pid " + std::to_string(pid_) + " has not answered for " +
                         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count()) +
                         " ms; killing it");
        kill_(pid_);
      } else {
        send(checker::Ping{++ping_id_});
      }
    }
    ping();
  });
}

void CheckerLink::on_closed(const std::string& why) {
  channel_.reset();
  const std::string how = reap_(pid_);
  const long pid = pid_;
  pid_ = 0;
  if (stopping_) {
    boost::system::error_code ec;
    stop_timer_.cancel(ec);
    if (auto done = std::move(stopped_)) done();
    return;
  }
  ++restarts_;
  last_exit_ = how;
  const auto ran = Steady::now() - started_at_;
  if (ran >= timings_.stable_after || backoff_.count() == 0)
    backoff_ = timings_.first_backoff;
  else
    backoff_ = std::min(2 * backoff_, timings_.max_backoff);
  log(log_err, "checker pid " + std::to_string(pid) + " " + how + " (" + why + "); restarting it in " +
                   std::to_string(backoff_.count()) + " ms");
  for (auto& [id, done] : std::exchange(planning_, {}))
    done(checker::Planned{id, false, "the checker ended (" + how + "); try again"});
  for (auto& [id, done] : std::exchange(resolving_, {}))
    done(checker::Resolved{id, false, "the checker ended (" + how + "); try again", {}, {}, false, 0, 0, 0, 0, 0});
  if (pending_) {
    checker::Configured refused{pending_->first, false, "the checker ended during the reload (" + how + ")"};
    pending_.reset();
    if (events_.configured) events_.configured(refused);
  }
  respawn();
}

// After the backoff: a new checker with the running configuration, the
// sync role and the forwarding as they are now.
void CheckerLink::respawn() {
  restart_timer_.expires_after(backoff_);
  restart_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    if (auto err = spawn(true)) {
      backoff_ = std::min(2 * backoff_, timings_.max_backoff);
      log(log_err, *err + "; trying again in " + std::to_string(backoff_.count()) + " ms");
      respawn();
      return;
    }
    if (!maintenance_.empty()) send(checker::SetMaintenance{maintenance_});
    send(checker::Configure{0, path_, running_text()});
    configuring_ = true;
    if (sync_set_) send(checker::SetSync{master_, both_});
    for (const auto& group : forwarding_) send(checker::Forward{true, group});
  });
}

void CheckerLink::stop(std::chrono::milliseconds wait, std::function<void()> done) {
  stopping_ = true;
  boost::system::error_code ec;
  ping_timer_.cancel(ec);
  restart_timer_.cancel(ec);
  if (!channel_) {
    done();
    return;
  }
  stopped_ = std::move(done);
  send(checker::Stop{});
  stop_timer_.expires_after(wait);
  stop_timer_.async_wait([this](boost::system::error_code e) {
    if (e || !channel_) return;
    log(log_warning, "checker pid " + std::to_string(pid_) + " did not stop; killing it");
    kill_(pid_);
  });
}

std::optional<long> CheckerLink::pid() const {
  if (!channel_) return std::nullopt;
  return pid_;
}

std::optional<Steady::duration> CheckerLink::since_answer() const {
  if (!answered_at_) return std::nullopt;
  return Steady::now() - *answered_at_;
}

// The configuration the checker runs lives in a memfd: the engine's heap
// holds nothing that grows with the number of real servers.
void CheckerLink::commit(const std::string& text) {
  int fd = ::memfd_create("tandem-config", MFD_CLOEXEC);
  if (fd < 0) {
    log(log_err, std::string("checker: memfd_create: ") + std::strerror(errno));
    return;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      log(log_err, std::string("checker: memfd write: ") + std::strerror(errno));
      ::close(fd);
      return;
    }
    done += std::size_t(n);
  }
  if (running_fd_ >= 0) ::close(running_fd_);
  running_fd_ = fd;
}

std::string CheckerLink::running_text() const {
  std::string text;
  struct stat st{};
  if (running_fd_ < 0 || ::fstat(running_fd_, &st) != 0) return text;
  text.resize(std::size_t(st.st_size));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::pread(running_fd_, text.data() + done, text.size() - done, off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += std::size_t(n);
  }
  text.resize(done);
  return text;
}

}  // namespace tandem::daemon
