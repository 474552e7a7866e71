// The script runner of resources and notify hooks (daemon/script_runner.hpp)
// with real /bin/sh scripts written to a temporary directory: exit statuses
// and output, the kill of the whole group at the timeout, the exact argv
// and environment, the agent lookup, kill_all, and the queue of hooks.
#include "daemon/script_runner.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "daemon/log.hpp"
#include "probe_servers.hpp"

namespace tandem::component {
namespace {

using daemon::NotifyQueue;
using daemon::ScriptJob;
using daemon::ScriptResult;
using daemon::ScriptRunner;

class ScriptRunnerTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

  // Writes "#!/bin/sh" and `body` to `name` with `mode`; returns its path.
  std::string script(const std::string& name, const std::string& body, mode_t mode = 0755) const {
    const std::string file = path(name);
    {
      std::ofstream out(file, std::ios::trunc);
      out << "#!/bin/sh\n" << body << "\n";
    }
    ::chmod(file.c_str(), mode);
    return file;
  }

  std::string slurp(const std::string& name) const {
    std::ifstream in(path(name));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Runs `io` until `done()` holds or `limit` passes.
  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds limit = 20s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < until) {
      io.restart();
      io.run_for(10ms);
    }
    return done();
  }

  ScriptResult run_one(ScriptJob job) {
    std::optional<ScriptResult> result;
    runner.run(std::move(job), [&](ScriptResult r) { result = std::move(r); });
    if (!run_until([&] { return result.has_value(); })) {
      ScriptResult none;
      none.reason = "(no result)";
      return none;
    }
    return *result;
  }

  static ScriptJob job(std::vector<std::string> argv, std::chrono::milliseconds timeout = 5s) {
    return ScriptJob{std::move(argv), {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, timeout};
  }

  // Waits up to 3 s for `pid` to be gone: a killed grandchild is reaped by
  // whoever inherits it, not by the runner.
  static bool gone_soon(int pid) {
    for (int i = 0; i < 300 && process_running(pid); ++i) std::this_thread::sleep_for(10ms);
    return !process_running(pid);
  }

  TempDir dir_;
  asio::io_context io;
  ScriptRunner runner{io};
};

TEST_F(ScriptRunnerTest, ExitZeroIsOk) {
  const ScriptResult r = run_one(job({script("ok", "exit 0")}));
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.reason, "exit status 0");
  EXPECT_EQ(r.output, "");
}

TEST_F(ScriptRunnerTest, TwoLinesAndExitOneGiveTheFirstLineInTheReasonAndBothInTheOutput) {
  const ScriptResult r = run_one(job({script("fail", "echo 'cannot mount /srv'; echo 'second line' >&2; exit 1")}));
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.reason, "exit status 1: cannot mount /srv");
  EXPECT_EQ(r.output, "cannot mount /srv\nsecond line");
}

TEST_F(ScriptRunnerTest, OutputKeepsFiveLines) {
  const ScriptResult r = run_one(job({script("seq", "for i in 1 2 3 4 5 6 7 8 9; do echo line $i; done; exit 3")}));
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.output, "line 1\nline 2\nline 3\nline 4\nline 5");
  EXPECT_EQ(r.reason, "exit status 3: line 1");
}

TEST_F(ScriptRunnerTest, OutputKeeps512BytesAndALongOutputIsDrained) {
  // 600 characters on the first line, then 1 MB more: the script must never
  // block on the pipe.
  const ScriptResult r = run_one(job({script("long", "printf '%0600d\\n' 0; head -c 1000000 /dev/zero; exit 0")}));
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.output, std::string(512, '0'));
}

TEST_F(ScriptRunnerTest, ControlBytesAreEscaped) {
  const ScriptResult r = run_one(job({script("ctl", "printf 'a\\033[31mb\\r\\nnext\\n'; exit 2")}));
  EXPECT_EQ(r.reason, "exit status 2: a\\x1b[31mb");
  EXPECT_EQ(r.output, "a\\x1b[31mb\nnext");
}

TEST_F(ScriptRunnerTest, KilledBySignal) {
  const ScriptResult r = run_one(job({script("term", "kill -TERM $$")}));
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, -1);
  EXPECT_EQ(r.reason, "killed by SIGTERM");
}

TEST_F(ScriptRunnerTest, HangIsKilledAtTheTimeoutTogetherWithItsGrandchild) {
  const auto timeout = 300ms;
  const std::string hang = script("hang", "sleep 60 &\necho $! > " + path("grandchild") + "\necho $$ > " +
                                              path("pid") + "\nsleep 60");
  const ScriptResult r = run_one(job({hang}, timeout));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_status, -1);
  EXPECT_EQ(r.reason, "killed after the timeout of 300ms");
  EXPECT_GE(r.took, timeout);
  EXPECT_LE(r.took, timeout + kTimeoutSlack);
  const auto pid = wait_for_pid_file(io, path("pid"), 500ms);
  ASSERT_TRUE(pid);
  EXPECT_FALSE(process_running(*pid));  // reaped before the result
  EXPECT_EQ(::kill(*pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  const auto grandchild = wait_for_pid_file(io, path("grandchild"), 500ms);
  ASSERT_TRUE(grandchild);
  EXPECT_TRUE(gone_soon(*grandchild));
}

TEST_F(ScriptRunnerTest, HangKeepsItsOutputInTheReason) {
  const ScriptResult r = run_one(job({script("slow", "echo waiting for the disk\nexec sleep 60")}, 200ms));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.reason, "killed after the timeout of 200ms: waiting for the disk");
  EXPECT_EQ(r.output, "waiting for the disk");
}

TEST_F(ScriptRunnerTest, WhatAFinishedScriptStartedKeepsRunning) {
  // A start script that launches a daemon: the daemon is the resource.
  const ScriptResult r =
      run_one(job({script("start", "sleep 60 >/dev/null 2>&1 &\necho $! > " + path("daemon") + "\nexit 0")}));
  EXPECT_TRUE(r.ok) << r.reason;
  const auto pid = wait_for_pid_file(io, path("daemon"), 500ms);
  ASSERT_TRUE(pid);
  EXPECT_TRUE(process_running(*pid));
  ::kill(*pid, SIGKILL);
}

TEST_F(ScriptRunnerTest, ALeftoverWritingToTheInheritedOutputGetsNoSigpipe) {
  const ScriptResult r =
      run_one(job({script("start", "( sleep 0.3; echo late; echo alive > " + path("alive") + " ) &\nexit 0")}));
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_TRUE(run_until([&] { return slurp("alive") == "alive\n"; }, 5s));
}

TEST_F(ScriptRunnerTest, ArgvAndResourceEnvironmentExactly) {
  ::setenv("TANDEM_COMPONENT_SECRET", "leak", 1);
  const std::string record = script(
      "record", "printf '%s\\n' \"$@\" > " + path("args") + "\ntr '\\0' '\\n' < /proc/$$/environ > " + path("env"));
  const std::vector<std::string> env =
      daemon::resource_env("active", "lvs2", "peer dead", "default", "web");
  const ScriptResult r = run_one(ScriptJob{{record, "start", "two words", "$HOME"}, env, 5s});
  ::unsetenv("TANDEM_COMPONENT_SECRET");
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(slurp("args"), "start\ntwo words\n$HOME\n");
  const std::vector<std::string> expected{
      "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TANDEM_ROLE=active", "TANDEM_PEER=lvs2",
      "TANDEM_REASON=peer dead",            "TANDEM_GROUP=default", "TANDEM_RESOURCE=web"};
  EXPECT_EQ(env, expected);
  std::string lines;
  for (const std::string& var : expected) lines += var + "\n";
  EXPECT_EQ(slurp("env"), lines);
}

TEST_F(ScriptRunnerTest, NotifyArgvAndEnvironmentExactly) {
  const std::string record = script(
      "hook", "printf '%s\\n' \"$@\" > " + path("args") + "\ntr '\\0' '\\n' < /proc/$$/environ > " + path("env"));
  const std::vector<std::string> argv = daemon::notify_argv({record, "--flag"}, "backup", "active", "standby requested");
  EXPECT_EQ(argv, (std::vector<std::string>{record, "--flag", "backup", "active", "standby requested"}));
  const std::vector<std::string> env = daemon::notify_env("backup", "active", "standby requested", "web", "lvs2");
  const ScriptResult r = run_one(ScriptJob{argv, env, 5s});
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(slurp("args"), "--flag\nbackup\nactive\nstandby requested\n");
  EXPECT_EQ(slurp("env"),
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
            "TANDEM_ROLE=backup\n"
            "TANDEM_OLD_ROLE=active\n"
            "TANDEM_PEER=lvs2\n"
            "TANDEM_REASON=standby requested\n"
            "TANDEM_GROUP=web\n");
}

TEST_F(ScriptRunnerTest, MissingProgramCannotRun) {
  const ScriptResult r = run_one(job({"/nonexistent/tandem-script", "start"}));
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, -1);
  EXPECT_EQ(r.reason, "cannot run /nonexistent/tandem-script: no such file or directory");
}

TEST_F(ScriptRunnerTest, NonExecutableProgramCannotRun) {
  // Without any execute bit, not even root may run it.
  const std::string file = script("plain", "exit 0", 0644);
  const ScriptResult r = run_one(job({file}));
  EXPECT_EQ(r.reason, "cannot run " + file + ": permission denied");
}

TEST_F(ScriptRunnerTest, EmptyCommandCannotRun) {
  const ScriptResult r = run_one(job({}));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "cannot run: no command");
}

TEST_F(ScriptRunnerTest, DoneIsNeverCalledInline) {
  int calls = 0;
  runner.run(job({"/nonexistent/tandem-script"}), [&](ScriptResult) { ++calls; });
  runner.run(job({script("ok", "exit 0")}), [&](ScriptResult) { ++calls; });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(runner.running(), 2u);
  EXPECT_TRUE(run_until([&] { return calls == 2; }));
  EXPECT_EQ(runner.running(), 0u);
}

TEST_F(ScriptRunnerTest, KillAllStopsEverythingAndCallsNothing) {
  int calls = 0;
  runner.run(job({script("a", "echo $$ > " + path("a") + "\nsleep 60 & wait")}), [&](ScriptResult) { ++calls; });
  runner.run(job({script("b", "echo $$ > " + path("b") + "\nexec sleep 60")}), [&](ScriptResult) { ++calls; });
  const auto a = wait_for_pid_file(io, path("a"));
  const auto b = wait_for_pid_file(io, path("b"));
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  // A failed start whose result is posted but not delivered yet.
  runner.run(job({"/nonexistent/tandem-script"}), [&](ScriptResult) { ++calls; });
  EXPECT_EQ(runner.running(), 3u);
  runner.kill_all();
  EXPECT_EQ(runner.running(), 0u);
  EXPECT_FALSE(process_running(*a));  // reaped by kill_all itself
  EXPECT_FALSE(process_running(*b));
  io.restart();
  io.run_for(300ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(ScriptRunnerTest, DestroyingTheRunnerKillsAndCallsNothing) {
  int calls = 0;
  auto own = std::make_unique<ScriptRunner>(io);
  own->run(job({script("b", "echo $$ > " + path("b") + "\nexec sleep 60")}), [&](ScriptResult) { ++calls; });
  const auto pid = wait_for_pid_file(io, path("b"));
  ASSERT_TRUE(pid);
  own.reset();
  EXPECT_FALSE(process_running(*pid));
  io.restart();
  io.run_for(200ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(ScriptRunnerTest, ResourceArgvLooksUpAgentsAsHeartbeatDoes) {
  const std::string resource_d = path("resource.d");
  const std::string init_d = path("init.d");
  std::filesystem::create_directories(resource_d);
  std::filesystem::create_directories(init_d);
  const daemon::ResourceDirs dirs{resource_d, init_d};
  config::Resource agent;
  agent.name = "web";
  agent.agent = "apache";
  agent.args = {"/etc/apache2/apache2.conf", "extra"};

  script("resource.d/apache", "printf '%s\\n' \"$@\" > " + path("args"));
  script("init.d/apache", "exit 0");
  using Argv = std::vector<std::string>;
  auto argv = daemon::resource_argv(agent, "start", dirs);
  ASSERT_TRUE(std::holds_alternative<Argv>(argv)) << std::get<std::string>(argv);
  EXPECT_EQ(std::get<Argv>(argv), (Argv{resource_d + "/apache", "/etc/apache2/apache2.conf", "extra", "start"}));
  const ScriptResult r = run_one(job(std::get<Argv>(argv)));
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(slurp("args"), "/etc/apache2/apache2.conf\nextra\nstart\n");

  // Not executable in resource.d: the init script, without the args.
  ::chmod((resource_d + "/apache").c_str(), 0644);
  argv = daemon::resource_argv(agent, "stop", dirs);
  ASSERT_TRUE(std::holds_alternative<Argv>(argv)) << std::get<std::string>(argv);
  EXPECT_EQ(std::get<Argv>(argv), (Argv{init_d + "/apache", "stop"}));

  // Neither.
  std::filesystem::remove(init_d + "/apache");
  argv = daemon::resource_argv(agent, "status", dirs);
  ASSERT_TRUE(std::holds_alternative<std::string>(argv));
  EXPECT_EQ(std::get<std::string>(argv), "agent apache: neither " + resource_d + "/apache nor " + init_d +
                                             "/apache is an executable file");

  // A directory of that name is not a script either.
  std::filesystem::create_directories(init_d + "/apache");
  EXPECT_TRUE(std::holds_alternative<std::string>(daemon::resource_argv(agent, "status", dirs)));
}

TEST_F(ScriptRunnerTest, ResourceArgvOfACommandAppendsTheOperation) {
  config::Resource command;
  command.name = "db";
  command.command = {"/usr/local/sbin/db-ctl", "--cluster", "main"};
  command.args = {"ignored"};
  const auto argv = daemon::resource_argv(command, "status", {});
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(argv));
  EXPECT_EQ(std::get<std::vector<std::string>>(argv),
            (std::vector<std::string>{"/usr/local/sbin/db-ctl", "--cluster", "main", "status"}));
}

class NotifyQueueTest : public ScriptRunnerTest {
 protected:
  // Appends "start REASON" and "end REASON" to the file "log", a little apart.
  std::string hook() const {
    return script("hook", "echo \"start $3\" >> " + path("log") + "\nsleep 0.1\necho \"end $3\" >> " + path("log") +
                              "\n[ \"$3\" = bad ] && { echo oops; exit 1; }\nexit 0");
  }
  static ScriptJob notify(const std::string& program, const std::string& reason,
                          std::chrono::milliseconds timeout = 5s) {
    return ScriptJob{daemon::notify_argv({program}, "active", "backup", reason),
                     daemon::notify_env("active", "backup", reason, "default", "lvs2"), timeout};
  }

  std::vector<std::pair<int, std::string>> logged;
  NotifyQueue queue{io, [this](int priority, std::string message) { logged.emplace_back(priority, std::move(message)); }};
};

TEST_F(NotifyQueueTest, HooksRunInOrderOneAtATime) {
  const std::string program = hook();
  queue.push(notify(program, "r1"));
  queue.push(notify(program, "bad"));
  queue.push(notify(program, "r3"));
  EXPECT_EQ(queue.pending(), 3u);
  EXPECT_TRUE(logged.empty());
  ASSERT_TRUE(run_until([&] { return queue.pending() == 0; }));
  EXPECT_EQ(slurp("log"), "start r1\nend r1\nstart bad\nend bad\nstart r3\nend r3\n");
  const std::vector<std::pair<int, std::string>> expected{
      {daemon::log_info, "notify: " + program + " active backup r1: exit status 0"},
      {daemon::log_warning, "notify: " + program + " active backup bad: exit status 1: oops"},
      {daemon::log_info, "notify: " + program + " active backup r3: exit status 0"},
  };
  EXPECT_EQ(logged, expected);
}

TEST_F(NotifyQueueTest, AHangingHookIsKilledAtItsTimeoutAndTheNextRuns) {
  const std::string hang = script("hang", "echo $$ > " + path("pid") + "\nsleep 60 &\nwait");
  const std::string program = hook();
  queue.push(notify(hang, "stuck", 300ms));
  queue.push(notify(program, "r2"));
  queue.push(notify("/nonexistent/hook", "r3"));
  ASSERT_TRUE(run_until([&] { return queue.pending() == 0; }));
  EXPECT_EQ(slurp("log"), "start r2\nend r2\n");
  const std::vector<std::pair<int, std::string>> expected{
      {daemon::log_warning, "notify: " + hang + " active backup stuck: killed after the timeout of 300ms"},
      {daemon::log_info, "notify: " + program + " active backup r2: exit status 0"},
      {daemon::log_warning,
       "notify: /nonexistent/hook active backup r3: cannot run /nonexistent/hook: no such file or directory"},
  };
  EXPECT_EQ(logged, expected);
  const auto pid = wait_for_pid_file(io, path("pid"), 500ms);
  ASSERT_TRUE(pid);
  EXPECT_FALSE(process_running(*pid));
}

TEST_F(NotifyQueueTest, KillAllDropsTheQueueAndLogsNothing) {
  const std::string hang = script("hang", "echo $$ > " + path("pid") + "\nexec sleep 60");
  queue.push(notify(hang, "stuck"));
  queue.push(notify(hook(), "r2"));
  const auto pid = wait_for_pid_file(io, path("pid"));
  ASSERT_TRUE(pid);
  queue.kill_all();
  EXPECT_EQ(queue.pending(), 0u);
  EXPECT_FALSE(process_running(*pid));
  io.restart();
  io.run_for(300ms);
  EXPECT_TRUE(logged.empty());
  EXPECT_EQ(slurp("log"), "");
}

}  // namespace
}  // namespace tandem::component
