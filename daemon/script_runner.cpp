// The script runner: one child process per script (health/prober_child.hpp),
// its exit and its timeout awaited on the io_context; the argv and the
// environment of resource scripts and notify hooks; the queue of hooks.
#include "daemon/script_runner.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <optional>

#include "config/duration.hpp"
#include "daemon/log.hpp"
#include "health/prober_child.hpp"

namespace tandem::daemon {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct ScriptRunner::Impl : std::enable_shared_from_this<ScriptRunner::Impl> {
  struct Job {
    explicit Job(asio::io_context& io) : timer(io) {}
    ScriptJob job;
    Done done;
    Clock::time_point started;
    std::shared_ptr<health::ChildProcess> child;  // null: it could not be started
    asio::steady_timer timer;                     // the timeout
    bool timed_out = false;
  };

  explicit Impl(asio::io_context& context) : io(context) {}

  // The pidfd of job `id` turned readable (or its wait failed).
  void exited(std::uint64_t id, const boost::system::error_code& ec);
  // The timeout of job `id` passed: its group is killed, exited() follows.
  void expire(std::uint64_t id);
  // Forgets job `id` and hands `result` to its `done`; nothing once
  // kill_all() dropped it.
  void finish(std::uint64_t id, ScriptResult result);

  asio::io_context& io;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, std::unique_ptr<Job>> jobs;  // `done` still owed
  // Scripts that exited while something they left running (a daemon they
  // started) still holds their stdout: the pipe is drained until that
  // closes, so the leftover never dies of SIGPIPE. Output is discarded.
  std::map<health::ChildProcess*, std::shared_ptr<health::ChildProcess>> lingering;
};

namespace {

// The kept output for ScriptResult::output: each line without a final \r,
// control bytes escaped, without the newline at the end.
std::string output_text(std::string_view kept) {
  std::string out;
  bool first = true;
  while (!kept.empty()) {
    const std::size_t end = kept.find('\n');
    std::string_view line = kept.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (!first) out += '\n';
    first = false;
    out += health::printable(line);
    if (end == std::string_view::npos) break;
    kept.remove_prefix(end + 1);
  }
  return out;
}

std::string spawn_failure(const std::string& program, const health::Spawned& spawned) {
  std::string text = "cannot run " + program + ": ";
  if (spawned.failed_call != "spawn") text += spawned.failed_call + ": ";
  return text + spawned.cause;
}

}  // namespace

ScriptRunner::ScriptRunner(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}

ScriptRunner::~ScriptRunner() { kill_all(); }

std::uint64_t ScriptRunner::run(ScriptJob job, Done done) {
  Impl& impl = *impl_;
  const std::uint64_t id = ++impl.next_id;
  auto entry = std::make_unique<Impl::Job>(impl.io);
  entry->done = std::move(done);
  entry->started = Clock::now();
  std::string failure;
  if (job.argv.empty() || job.argv[0].empty()) {
    failure = "cannot run: no command";
  } else {
    health::Spawned spawned =
        health::ChildProcess::spawn(impl.io, health::ChildSpec{job.argv, job.env, kMaxOutputLines, kMaxOutputBytes});
    if (spawned.child)
      entry->child = std::move(spawned.child);
    else
      failure = spawn_failure(job.argv[0], spawned);
  }
  entry->job = std::move(job);
  Impl::Job& started = *entry;
  impl.jobs.emplace(id, std::move(entry));

  const std::weak_ptr<Impl> weak = impl_;
  if (!failure.empty()) {
    ScriptResult result;
    result.reason = std::move(failure);
    asio::post(impl.io, [weak, id, result = std::move(result)]() mutable {
      if (auto core = weak.lock()) core->finish(id, std::move(result));
    });
    return id;
  }
  health::ChildProcess& child = *started.child;
  child.watch_output([weak, raw = &child] {
    if (auto core = weak.lock()) core->lingering.erase(raw);
  });
  child.exited.async_wait(asio::posix::descriptor_base::wait_read, [weak, id](boost::system::error_code ec) {
    if (auto core = weak.lock()) core->exited(id, ec);
  });
  started.timer.expires_after(started.job.timeout);
  started.timer.async_wait([weak, id](boost::system::error_code ec) {
    if (ec) return;
    if (auto core = weak.lock()) core->expire(id);
  });
  return id;
}

void ScriptRunner::kill_all() {
  std::map<std::uint64_t, std::unique_ptr<Impl::Job>> jobs;
  jobs.swap(impl_->jobs);
  for (auto& [id, job] : jobs)
    if (job->child) job->child->kill_and_reap();
}

std::size_t ScriptRunner::running() const { return impl_->jobs.size(); }

void ScriptRunner::Impl::expire(std::uint64_t id) {
  const auto it = jobs.find(id);
  if (it == jobs.end() || !it->second->child) return;
  it->second->timed_out = true;
  it->second->child->kill_group();
}

void ScriptRunner::Impl::exited(std::uint64_t id, const boost::system::error_code& ec) {
  const auto it = jobs.find(id);
  if (it == jobs.end()) return;
  Job& job = *it->second;
  std::shared_ptr<health::ChildProcess> child = job.child;
  if (!ec && !child->has_exited()) {
    // Woken without an exit: epoll may report a readiness that was meant
    // for the descriptor this pidfd's number had before (another script's
    // pipe, closed in the same turn of the loop). Wait again.
    std::weak_ptr<Impl> weak = shared_from_this();
    child->exited.async_wait(asio::posix::descriptor_base::wait_read, [weak, id](boost::system::error_code e) {
      if (auto core = weak.lock()) core->exited(id, e);
    });
    return;
  }
  job.timer.cancel();
  // A script killed at its timeout takes its group along; one that exited
  // leaves what it started running.
  if (job.timed_out || ec) child->kill_group();
  const bool pipe_open = child->drain_output();
  const std::optional<int> status = child->try_reap();
  if (!child->reaped) {  // the wait failed: end it here
    child->kill_group();
    child->reap_blocking();
  }
  boost::system::error_code ignored;
  child->exited.close(ignored);
  if (pipe_open && !job.timed_out && !ec)
    lingering.emplace(child.get(), child);
  else
    child->output.close(ignored);

  ScriptResult result;
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - job.started);
  result.output = output_text(child->kept());
  const std::string first_line = result.output.substr(0, result.output.find('\n'));
  auto with_output = [&first_line](std::string text) {
    if (!first_line.empty()) text += ": " + first_line;
    return text;
  };
  if (job.timed_out) {
    result.timed_out = true;
    result.reason = with_output("killed after the timeout of " + config::format_duration(job.job.timeout));
  } else if (ec) {
    result.reason = "waiting for " + job.job.argv[0] + ": " + ec.message();
  } else if (!status) {
    result.reason = "exit status unknown: the process was reaped elsewhere";
  } else {
    if (WIFEXITED(*status)) result.exit_status = WEXITSTATUS(*status);
    result.ok = result.exit_status == 0;
    result.reason = with_output(health::describe_wait_status(*status));
  }
  finish(id, std::move(result));
}

void ScriptRunner::Impl::finish(std::uint64_t id, ScriptResult result) {
  const auto it = jobs.find(id);
  if (it == jobs.end()) return;
  Done done = std::move(it->second->done);
  jobs.erase(it);
  if (done) done(std::move(result));
}

std::variant<std::vector<std::string>, std::string> resource_argv(const config::Resource& r, std::string_view op,
                                                                 const ResourceDirs& dirs) {
  if (!r.command.empty()) {
    std::vector<std::string> argv = r.command;
    argv.emplace_back(op);
    return argv;
  }
  if (r.agent.empty()) return "resource " + r.name + " has neither a command nor an agent";
  if (r.agent.find('/') != std::string::npos || r.agent == "." || r.agent == "..")
    return "agent " + r.agent + ": not a file name";
  auto executable = [](const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
  };
  const std::string in_resource_d = dirs.resource_d + "/" + r.agent;
  if (executable(in_resource_d)) {
    std::vector<std::string> argv{in_resource_d};
    argv.insert(argv.end(), r.args.begin(), r.args.end());
    argv.emplace_back(op);
    return argv;
  }
  const std::string in_init_d = dirs.init_d + "/" + r.agent;
  if (executable(in_init_d)) return std::vector<std::string>{in_init_d, std::string(op)};
  return "agent " + r.agent + ": neither " + in_resource_d + " nor " + in_init_d + " is an executable file";
}

std::vector<std::string> script_env(const std::vector<std::pair<std::string_view, std::string_view>>& vars) {
  std::vector<std::string> env{health::kChildPath};
  for (const auto& [name, value] : vars) {
    std::string var(name);
    var += '=';
    for (const char c : value)
      if (c != '\0') var += c;
    env.push_back(std::move(var));
  }
  return env;
}

std::vector<std::string> resource_env(std::string_view role, std::string_view peer, std::string_view reason,
                                      std::string_view group, std::string_view resource) {
  return script_env({{"TANDEM_ROLE", role},
                     {"TANDEM_PEER", peer},
                     {"TANDEM_REASON", reason},
                     {"TANDEM_GROUP", group},
                     {"TANDEM_RESOURCE", resource}});
}

std::vector<std::string> notify_env(std::string_view new_role, std::string_view old_role, std::string_view reason,
                                    std::string_view group, std::string_view peer) {
  return script_env({{"TANDEM_ROLE", new_role},
                     {"TANDEM_OLD_ROLE", old_role},
                     {"TANDEM_PEER", peer},
                     {"TANDEM_REASON", reason},
                     {"TANDEM_GROUP", group}});
}

std::vector<std::string> notify_argv(const std::vector<std::string>& command, std::string_view new_role,
                                     std::string_view old_role, std::string_view reason) {
  std::vector<std::string> argv = command;
  argv.emplace_back(new_role);
  argv.emplace_back(old_role);
  argv.emplace_back(reason);
  return argv;
}

NotifyQueue::NotifyQueue(asio::io_context& io, Log log) : runner_(io), log_(std::move(log)) {}

NotifyQueue::~NotifyQueue() { kill_all(); }

void NotifyQueue::push(ScriptJob job) {
  queue_.push_back(std::move(job));
  if (!running_) start_next();
}

void NotifyQueue::kill_all() {
  queue_.clear();
  runner_.kill_all();
  running_ = false;
}

std::size_t NotifyQueue::pending() const { return queue_.size() + (running_ ? 1 : 0); }

void NotifyQueue::start_next() {
  if (queue_.empty()) return;
  ScriptJob job = std::move(queue_.front());
  queue_.pop_front();
  running_ = true;
  std::vector<std::string> argv = job.argv;
  runner_.run(std::move(job), [this, argv = std::move(argv)](ScriptResult result) { finished(argv, std::move(result)); });
}

void NotifyQueue::finished(const std::vector<std::string>& argv, ScriptResult result) {
  running_ = false;
  std::string message = "notify:";
  for (const std::string& arg : argv) message += " " + health::printable(arg);
  message += ": " + result.reason;
  start_next();
  if (log_) log_(result.ok ? log_info : log_warning, std::move(message));
}

}  // namespace tandem::daemon
