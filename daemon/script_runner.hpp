// Runs the resource scripts (start, stop, status) and the notify hooks on
// the engine's loop without blocking it: each script is a child process
// (health/prober_child.hpp: no shell, stdin /dev/null, stdout and stderr
// captured, a process group of its own) whose exit is awaited through a
// pidfd; at its timeout the whole group gets SIGKILL. Heartbeats keep
// flowing while a script runs.
//
// Executor contract: everything here runs on the thread of the io_context
// given to the constructor; nothing is locked. Destroy a ScriptRunner or a
// NotifyQueue before that io_context.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tandem::daemon {

struct ScriptJob {
  std::vector<std::string> argv;  // [0] an absolute path, run without a shell
  std::vector<std::string> env;   // "NAME=value": the whole environment
  std::chrono::milliseconds timeout{30000};
};

struct ScriptResult {
  bool ok = false;         // exit status 0 within the timeout
  bool timed_out = false;  // killed (with its group) at the timeout
  int exit_status = -1;    // -1 when killed by a signal or not started
  // The first lines of stdout+stderr: at most 5 lines and 512 bytes as
  // read, without the final newline, control bytes as \xHH.
  std::string output;
  // "exit status 0", "exit status 1: <first output line>", "killed by
  // SIGTERM", "killed after the timeout of 30s[: <first output line>]",
  // "cannot run /x: no such file or directory".
  std::string reason;
  std::chrono::milliseconds took{0};  // from the start to the exit (0 when not started)
};

class ScriptRunner {
 public:
  using Done = std::function<void(ScriptResult)>;
  static constexpr std::size_t kMaxOutputLines = 5;
  static constexpr std::size_t kMaxOutputBytes = 512;

  explicit ScriptRunner(boost::asio::io_context& io);
  // As kill_all().
  ~ScriptRunner();
  ScriptRunner(const ScriptRunner&) = delete;
  ScriptRunner& operator=(const ScriptRunner&) = delete;

  // Starts `job` and returns its id (1, 2, ...). `done` is called exactly
  // once, on the io_context and never from inside run() (a script that
  // cannot be started too), unless kill_all() ran first; then never. A
  // script that exits leaves what it started running (a resource's daemon);
  // one killed at the timeout takes its whole process group along.
  std::uint64_t run(ScriptJob job, Done done);
  // Kills the process group of every running script and reaps it at once;
  // no `done` is called for them, nor for a start that failed and is not
  // reported yet.
  void kill_all();
  // Scripts started whose `done` is still owed.
  std::size_t running() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Where resource agents are looked up (heartbeat's directories).
struct ResourceDirs {
  std::string resource_d = "/etc/ha.d/resource.d";
  std::string init_d = "/etc/init.d";
};

// The argv for operation `op` ("start", "stop", "status") of `r`: its
// `command` followed by op; or, for an `agent`, as heartbeat looks it up:
// RESOURCE_D/AGENT ARGS... op if that is an executable file, else
// INIT_D/AGENT op (the args are not passed to an init script), else the
// reason, naming both paths tried.
std::variant<std::vector<std::string>, std::string> resource_argv(const config::Resource& r, std::string_view op,
                                                                 const ResourceDirs& dirs = {});

// The environment of a script: PATH=/usr/sbin:/usr/bin:/sbin:/bin, then
// NAME=value for each of `vars` in order (a NUL byte in a value is dropped).
std::vector<std::string> script_env(const std::vector<std::pair<std::string_view, std::string_view>>& vars);
// A resource script's: PATH, TANDEM_ROLE, TANDEM_PEER, TANDEM_REASON,
// TANDEM_GROUP, TANDEM_RESOURCE.
std::vector<std::string> resource_env(std::string_view role, std::string_view peer, std::string_view reason,
                                      std::string_view group, std::string_view resource);
// A notify hook's: PATH, TANDEM_ROLE (the new role), TANDEM_OLD_ROLE,
// TANDEM_PEER, TANDEM_REASON, TANDEM_GROUP.
std::vector<std::string> notify_env(std::string_view new_role, std::string_view old_role, std::string_view reason,
                                    std::string_view group, std::string_view peer);
// A notify hook's argv: `command` then NEW OLD REASON.
std::vector<std::string> notify_argv(const std::vector<std::string>& command, std::string_view new_role,
                                     std::string_view old_role, std::string_view reason);

// The notify hooks of role changes, run one at a time in the order queued,
// so that a hook sees the role changes in the order they happened. A hook
// that hangs is killed at its timeout and the next one runs. Each result is
// logged: "notify: /usr/local/sbin/hook active backup peer dead: exit status
// 0" (info), or with the failure (warning).
class NotifyQueue {
 public:
  using Log = std::function<void(int priority, std::string message)>;  // syslog priority

  NotifyQueue(boost::asio::io_context& io, Log log);
  // Kills the running hook; the queued ones never run, nothing is logged.
  ~NotifyQueue();
  NotifyQueue(const NotifyQueue&) = delete;
  NotifyQueue& operator=(const NotifyQueue&) = delete;

  // Runs `job` after the hooks queued before it (at once if none is queued
  // or running, but the result comes later on the io_context).
  void push(ScriptJob job);
  // Drops the queued hooks and kills the running one, logging nothing.
  void kill_all();
  // Hooks queued or running.
  std::size_t pending() const;

 private:
  void start_next();
  void finished(const std::vector<std::string>& argv, ScriptResult result);

  ScriptRunner runner_;
  Log log_;
  std::deque<ScriptJob> queue_;
  bool running_ = false;
};

}  // namespace tandem::daemon
