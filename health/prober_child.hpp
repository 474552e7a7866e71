// A child process run without a shell: the external health check
// (prober_external.cpp) and the daemon's resource scripts and notify hooks
// (daemon/script_runner.cpp). posix_spawn with an argv list and the
// caller's environment, stdin from /dev/null, stdout and stderr into one
// pipe, in a process group of its own; its exit is awaited through a pidfd,
// so the thread never blocks, and SIGKILL goes to the whole group.
//
// The file is named prober*.cpp so that health/CMakeLists.txt builds it into
// tandem_health_sys (the library with I/O), not into the pure tandem_health.
// It pulls Asio in: include it from implementation files only.
//
// Executor contract: a ChildProcess is used on the thread that runs its
// io_context; nothing is locked. It must be destroyed before that io_context.
#pragma once
#include <sys/types.h>

#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::health {

// The PATH every child gets (external checks, resource scripts, hooks).
inline constexpr char kChildPath[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

// What to run and how much of its output to keep.
struct ChildSpec {
  std::vector<std::string> argv;  // [0] a path; never through a shell
  std::vector<std::string> env;   // "NAME=value": the whole environment
  std::size_t max_lines = 1;      // the output kept: the first lines (1..),
  std::size_t max_bytes = 200;    // and at most this many bytes of them
};

class ChildProcess;

// A started child, or what failed: `failed_call` is "pipe", "spawn" (the
// program could not be run) or "pidfd_open", and `cause` the errno in words
// ("no such file or directory").
struct Spawned {
  std::shared_ptr<ChildProcess> child;
  std::string failed_call;
  std::string cause;
};

class ChildProcess : public std::enable_shared_from_this<ChildProcess> {
 public:
  // Starts spec.argv (non-empty, [0] non-empty).
  static Spawned spawn(boost::asio::io_context& io, const ChildSpec& spec);

  ChildProcess(boost::asio::io_context& io, pid_t pid, int pidfd, int output_fd, std::size_t max_lines,
               std::size_t max_bytes);
  // Kills the group and reaps the child if that has not happened yet.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Keeps the pipe drained while the child (or anything that inherited the
  // pipe) runs, so a chatty child never blocks on a full pipe. Ends at end
  // of file, on an error, or when `output` is closed or the ChildProcess
  // gone; `at_end` (optional) is then called, except in the last two cases.
  void watch_output(std::function<void()> at_end = {});
  // SIGKILL to the child and to its process group; a no-op once reaped.
  void kill_group();
  // Non-blocking: the raw wait status, or nothing while it still runs (or
  // when someone else reaped it).
  std::optional<int> try_reap();
  // Whether the child has exited (or is gone), without reaping it: its
  // process group can still be signalled.
  bool has_exited() const;
  // Blocks until the child is gone: for cancellation, after kill_group().
  void reap_blocking();
  // Reads what the pipe holds now without blocking, keeping the first
  // max_lines lines, newlines included but for the one ending line
  // max_lines, and at most max_bytes bytes; discarding the rest. False at
  // end of file.
  bool drain_output();
  // For cancellation: kill_group(), reap_blocking(), and both descriptors
  // closed.
  void kill_and_reap();

  // The output kept so far.
  const std::string& kept() const { return kept_; }

  pid_t pid;
  bool reaped = false;
  boost::asio::posix::stream_descriptor exited;  // the pidfd: readable once it exited
  boost::asio::posix::stream_descriptor output;  // non-blocking read end

 private:
  std::size_t max_lines_;
  std::size_t max_bytes_;
  std::string kept_;
  std::size_t lines_ = 0;  // newlines seen in what was kept
  bool full_ = false;      // kept_ holds all it may
};

// Output for a log line or a reason: printable ASCII kept, a tab as a
// space, other bytes as \xHH.
std::string printable(std::string_view text);
// "exit status 1", "killed by SIGTERM", "exit status unknown": a raw wait
// status in words.
std::string describe_wait_status(int status);
// strerror in lower case: "no such file or directory".
std::string errno_text(int err);

}  // namespace tandem::health
