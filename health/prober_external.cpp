// The external probe: runs the configured program (health/prober_child.hpp:
// posix_spawn with argv as configured, never through a shell, in a process
// group of its own) with an empty environment but PATH, stdin from
// /dev/null, stdout and stderr into a pipe. Its exit is awaited through a
// pidfd, so the thread never blocks. At the deadline the whole group is
// killed and the check is down.
#include <sys/wait.h>

#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "config/duration.hpp"
#include "health/prober_run.hpp"

namespace tandem::health::detail {

namespace {

// The first output line, at most this many bytes, goes into the reason.
constexpr std::size_t kMaxLine = 200;

}  // namespace

asio::awaitable<ProbeResult> run_external(ProbeRun& run) {
  const std::vector<std::string>& argv = run.spec.argv;
  if (argv.empty() || argv[0].empty()) co_return failed("no command to run");
  run.stage = "running the command";
  Spawned spawned = ChildProcess::spawn(run.core->io, ChildSpec{argv, {kChildPath}, 1, kMaxLine});
  if (!spawned.child) {
    if (spawned.failed_call == "spawn") co_return failed("spawn " + argv[0] + ": " + spawned.cause);
    co_return failed(spawned.failed_call + ": " + spawned.cause);
  }
  run.child = std::move(spawned.child);
  ChildProcess& child = *run.child;
  child.watch_output();

  boost::system::error_code ec;
  std::optional<int> status;
  for (;;) {
    co_await child.exited.async_wait(asio::posix::descriptor_base::wait_read,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (run.abandoned) co_return failed("cancelled");
    if (ec || run.timed_out || child.has_exited()) break;
    // Woken without an exit (a readiness meant for the descriptor this
    // pidfd's number had before): wait again.
  }
  // The child has exited, or died of the deadline's SIGKILL. A check leaves
  // nothing running behind it: the rest of its group goes too.
  child.kill_group();
  child.drain_output();
  status = child.try_reap();
  if (!child.reaped) child.reap_blocking();  // the wait failed: already killed above
  boost::system::error_code ignored;
  child.exited.close(ignored);
  child.output.close(ignored);

  const std::string& first_line = child.kept();
  std::string line = printable(first_line.ends_with('\r')
                                   ? std::string_view(first_line).substr(0, first_line.size() - 1)
                                   : std::string_view(first_line));
  auto with_output = [&line](std::string text) {
    if (!line.empty()) text += ": " + line;
    return text;
  };
  if (run.timed_out)
    co_return failed(with_output("timeout after " + config::format_duration(run.spec.timeout) + ": killed"));
  if (ec) co_return failed("waiting for " + argv[0] + ": " + error_text(ec));
  if (!status) co_return failed("exit status unknown: the process was reaped elsewhere");
  std::string text = with_output(describe_wait_status(*status));
  co_return WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? passed(std::move(text)) : failed(std::move(text));
}

}  // namespace tandem::health::detail
