// The external prober: exit statuses, output in the reason, the minimal
// environment, and killing the whole process group at the deadline and on
// cancellation. The tests run /bin/sh where they need a script; the
// product never does.
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <thread>

#include "probe_servers.hpp"

namespace tandem::component {
namespace {

using health::ProbeResult;
using health::ProbeType;

class ExternalProbeTest : public ::testing::Test {
 protected:
  static health::ProbeSpec command(std::vector<std::string> argv, std::chrono::milliseconds timeout = 5000ms) {
    auto spec = make_spec(ProbeType::external, "127.0.0.1", 0, timeout);
    spec.argv = std::move(argv);
    return spec;
  }
  static health::ProbeSpec shell(const std::string& script, std::chrono::milliseconds timeout = 5000ms) {
    return command({"/bin/sh", "-c", script}, timeout);
  }
  std::string file(const char* name) const { return (dir_.path() / name).string(); }

  // Waits up to 3 s for `pid` to be gone: a killed grandchild is reaped by
  // whoever inherits it, not by the prober.
  static bool gone_soon(int pid) {
    for (int i = 0; i < 300 && process_running(pid); ++i) std::this_thread::sleep_for(10ms);
    return !process_running(pid);
  }

  TempDir dir_;
  asio::io_context io;
  health::Prober prober{io};
};

TEST_F(ExternalProbeTest, ExitZeroIsUp) {
  const ProbeResult r = run_probe(io, prober, command({"/bin/true"}));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "exit status 0");
}

TEST_F(ExternalProbeTest, ExitOneIsDownWithTheFirstOutputLine) {
  const ProbeResult r = run_probe(io, prober, shell("echo 'backend down: 3 errors'; echo second line; exit 1"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "exit status 1: backend down: 3 errors");
}

TEST_F(ExternalProbeTest, StderrIsCapturedToo) {
  const ProbeResult r = run_probe(io, prober, shell("echo 'no route' >&2; exit 2"));
  EXPECT_EQ(r.detail, "exit status 2: no route");
}

TEST_F(ExternalProbeTest, ArgumentsAreNotInterpretedByAShell) {
  const ProbeResult r = run_probe(io, prober, command({"/bin/echo", "$HOME; exit 1"}));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.detail, "exit status 0: $HOME; exit 1");
}

TEST_F(ExternalProbeTest, EnvironmentHoldsOnlyPath) {
  ::setenv("TANDEM_COMPONENT_SECRET", "leak", 1);
  const ProbeResult r = run_probe(io, prober, shell("env | grep -v '^PWD=' | grep -v '^SHLVL=' | grep -v '^_=' | sort | tr '\\n' ' '"));
  ::unsetenv("TANDEM_COMPONENT_SECRET");
  EXPECT_EQ(r.detail, "exit status 0: PATH=/usr/sbin:/usr/bin:/sbin:/bin ");
}

TEST_F(ExternalProbeTest, StdinIsDevNull) {
  const ProbeResult r = run_probe(io, prober, shell("if read line; then echo got input; else echo eof; fi"), 2000ms);
  EXPECT_EQ(r.detail, "exit status 0: eof");
}

TEST_F(ExternalProbeTest, LongOutputIsDrainedAndTheLineCut) {
  // 300 characters on the first line, then 1 MB more: the child must never
  // block on the pipe.
  const ProbeResult r = run_probe(io, prober, shell("printf '%0300d\\n' 0; head -c 1000000 /dev/zero; exit 3"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "exit status 3: " + std::string(200, '0'));
}

TEST_F(ExternalProbeTest, ControlBytesAreEscaped) {
  const ProbeResult r = run_probe(io, prober, shell("printf 'a\\033[31mb\\r\\n'; exit 1"));
  EXPECT_EQ(r.detail, "exit status 1: a\\x1b[31mb");
}

TEST_F(ExternalProbeTest, KilledBySignalIsDown) {
  const ProbeResult r = run_probe(io, prober, shell("kill -TERM $$"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "killed by SIGTERM");
}

TEST_F(ExternalProbeTest, MissingProgramIsDown) {
  const ProbeResult r = run_probe(io, prober, command({"/nonexistent/tandem-check", "x"}));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "spawn /nonexistent/tandem-check: no such file or directory");
}

TEST_F(ExternalProbeTest, EmptyCommandIsDown) {
  const ProbeResult r = run_probe(io, prober, command({}));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "no command to run");
}

TEST_F(ExternalProbeTest, HangIsKilledAtTheTimeout) {
  const auto timeout = 300ms;
  const ProbeResult r = run_probe(io, prober, shell("echo $$ > " + file("pid") + "; exec sleep 30", timeout));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 300ms: killed");
  EXPECT_GE(r.latency, timeout);
  EXPECT_LE(r.latency, timeout + kTimeoutSlack);
  const auto pid = wait_for_pid_file(io, file("pid"), 500ms);
  ASSERT_TRUE(pid);
  // The prober reaped it before reporting.
  EXPECT_FALSE(process_running(*pid));
  EXPECT_EQ(::kill(*pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(ExternalProbeTest, HangKeepsItsOutputInTheReason) {
  const ProbeResult r = run_probe(io, prober, shell("echo connecting; exec sleep 30", 300ms));
  EXPECT_EQ(r.detail, "timeout after 300ms: killed: connecting");
}

TEST_F(ExternalProbeTest, GrandchildrenDieWithTheGroup) {
  const ProbeResult r =
      run_probe(io, prober, shell("sleep 30 & echo $! > " + file("grandchild") + "; wait", 300ms));
  EXPECT_EQ(r.detail, "timeout after 300ms: killed");
  const auto pid = wait_for_pid_file(io, file("grandchild"), 500ms);
  ASSERT_TRUE(pid);
  EXPECT_TRUE(gone_soon(*pid));
}

TEST_F(ExternalProbeTest, LeftoversOfAFinishedCheckAreKilled) {
  const ProbeResult r =
      run_probe(io, prober, shell("sleep 30 >/dev/null 2>&1 & echo $! > " + file("leftover") + "; exit 0"));
  EXPECT_TRUE(r.ok) << r.detail;
  const auto pid = wait_for_pid_file(io, file("leftover"), 500ms);
  ASSERT_TRUE(pid);
  EXPECT_TRUE(gone_soon(*pid));
}

TEST_F(ExternalProbeTest, CancelAllKillsAndReaps) {
  int calls = 0;
  prober.start(shell("echo $$ > " + file("pid") + "; sleep 30 & wait"), [&](ProbeResult) { ++calls; });
  const auto pid = wait_for_pid_file(io, file("pid"));
  ASSERT_TRUE(pid);
  prober.cancel_all();
  EXPECT_EQ(prober.in_flight(), 0u);
  EXPECT_FALSE(process_running(*pid));  // reaped by cancel_all itself
  io.restart();
  io.run_for(300ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(ExternalProbeTest, DestroyingTheProberKillsAndReaps) {
  int calls = 0;
  auto own = std::make_unique<health::Prober>(io);
  own->start(shell("echo $$ > " + file("pid") + "; exec sleep 30"), [&](ProbeResult) { ++calls; });
  const auto pid = wait_for_pid_file(io, file("pid"));
  ASSERT_TRUE(pid);
  own.reset();
  EXPECT_FALSE(process_running(*pid));
  io.restart();
  io.run_for(200ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(ExternalProbeTest, ManyAtOnce) {
  std::vector<health::ProbeSpec> specs;
  for (int i = 0; i < 40; ++i) specs.push_back(shell("echo run " + std::to_string(i) + "; exit " + std::to_string(i % 2)));
  const auto results = run_probes(io, prober, specs);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(results[i].ok, i % 2 == 0);
    EXPECT_EQ(results[i].detail, "exit status " + std::to_string(i % 2) + ": run " + std::to_string(i));
  }
}

}  // namespace
}  // namespace tandem::component
