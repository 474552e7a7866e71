// The engine's end of the checker (daemon/checker.hpp): starts the child,
// forwards it the configuration, the sync role and the handover's
// forwarding, keeps its last Snapshot for status, pings it, and restarts it
// with a backoff when it exits or stops answering. The kernel table is never
// flushed, so a checker restart changes no weight and no VIP.
#pragma once
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "daemon/checker_channel.hpp"
#include "daemon/checker_protocol.hpp"
#include "daemon/engine_clock.hpp"
#include "daemon/loop_stats.hpp"

namespace tandem::daemon {

struct SpawnedChecker {
  long pid = 0;
  int fd = -1;  // the engine's end of the socketpair
};
// Starts a checker process; `restarted` = it replaces one that ended.
using SpawnChecker = std::function<std::variant<SpawnedChecker, std::string>(bool restarted)>;
// Reaps a checker that ended (or kills and reaps one that hangs): how it
// ended, in words ("exited with status 1", "killed by signal 9").
using ReapChecker = std::function<std::string(long pid)>;
using KillChecker = std::function<void(long pid)>;

// fork + execve of this binary as `tandemd --checker 3 ...`, with `extra`
// arguments (--ipvs-in-memory).
SpawnChecker make_process_spawner(std::string state_dir, std::string hostname, std::vector<std::string> extra = {});
std::string reap_process(long pid);
void kill_process(long pid);

struct CheckerTimings {
  std::chrono::milliseconds ping_every{250};
  std::chrono::milliseconds stall_after{10000};  // no answer this long: killed and restarted
  // ... while a configuration is being applied (a full read of a large
  // table, in an emulated guest, can hold its loop for seconds).
  std::chrono::milliseconds busy_stall_after{30000};
  std::chrono::milliseconds first_backoff{100};  // then doubled up to max_backoff
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::milliseconds stable_after{30000};  // a checker that ran this long resets the backoff
};

class CheckerLink {
 public:
  struct Events {
    std::function<void(const checker::Configured&)> configured;
    std::function<void(bool on, const std::string& group)> forward_applied;
  };

  CheckerLink(boost::asio::io_context& io, SpawnChecker spawn, ReapChecker reap, KillChecker kill, Events events,
              CheckerTimings timings = {});
  ~CheckerLink();

  // Starts the checker with the configuration `text` (read from `path`);
  // the answer comes as events.configured with the returned id.
  std::variant<std::uint64_t, std::string> start(std::string path, std::string text);
  // A reload: the checker parses `text` and applies it, or refuses it.
  // Once it has applied it, a restarted checker gets it too.
  std::uint64_t configure(std::string text);
  void set_sync(bool master, bool both = false);
  // One failover group's forwarding (empty: every virtual server's).
  void forward(bool on, const std::string& group = {});
  // The engine's part of /metrics and the status page (dropped while no
  // checker runs: the next publish comes within a second).
  void publish(checker::Publish m);
  // The real server maintenance state (ipvs/maintenance.hpp's text): sent
  // now, and to a restarted checker before its configuration.
  void set_maintenance(std::string text);
  // Asks the checker which real server `vs` and `real` name; `done` gets
  // its answer, or a refusal when the checker ends before it answers.
  using Resolved = std::function<void(const checker::Resolved&)>;
  void resolve(std::string vs, std::string real, Resolved done);
  // What a reload to `text` (read from `path`) would change on the
  // checker's side (Plan); `done` gets the answer, or a refusal when the
  // checker ends first.
  using Planned = std::function<void(const checker::Planned&)>;
  void plan(std::string path, std::string text, Planned done);
  // Sends Stop and calls `done` when the checker has exited, or after
  // `wait` (then it is killed). No restart after this.
  void stop(std::chrono::milliseconds wait, std::function<void()> done);

  std::optional<long> pid() const;
  std::uint64_t restarts() const { return restarts_; }
  // The wait before the next restart (the last one used).
  std::chrono::milliseconds backoff() const { return backoff_; }
  const std::string& last_exit() const { return last_exit_; }
  // Time since the checker last answered a ping; nullopt before the first answer.
  std::optional<std::chrono::steady_clock::duration> since_answer() const;
  // Time since any checker (this one or one before it) last answered, or
  // since start: what the watchdog goes by.
  std::chrono::steady_clock::duration since_any_answer() const { return EngineClock::now() - any_answer_at_; }
  Summary loop_lag() const { return lag_.summary(StatsClock::now()); }
  // Shared, so that a status reply splices it in without a copy.
  const std::shared_ptr<const checker::Snapshot>& snapshot() const { return snapshot_; }
  std::optional<std::chrono::steady_clock::time_point> snapshot_at() const { return snapshot_at_; }

 private:
  std::optional<std::string> spawn(bool restarted);
  void on_message(checker::Message m);
  void on_closed(const std::string& why);
  void ping();
  void respawn();
  void send(const checker::Message& m);
  void commit(const std::string& text);
  std::string running_text() const;

  boost::asio::io_context& io_;
  SpawnChecker spawn_;
  ReapChecker reap_;
  KillChecker kill_;
  Events events_;
  CheckerTimings timings_;
  std::shared_ptr<CheckerChannel> channel_;
  long pid_ = 0;
  std::string path_;
  int running_fd_ = -1;  // a memfd with the configuration the checker runs
  std::optional<std::pair<std::uint64_t, std::string>> pending_;  // Configure in flight
  std::uint64_t next_id_ = 1;
  std::uint64_t ping_id_ = 0;
  bool configuring_ = false;  // a Configure is unanswered
  bool master_ = false;
  bool both_ = false;
  bool sync_set_ = false;
  std::set<std::string> forwarding_;  // the groups forwarding
  std::string maintenance_;
  std::map<std::uint64_t, Resolved> resolving_;
  std::map<std::uint64_t, Planned> planning_;
  bool stopping_ = false;
  std::function<void()> stopped_;
  std::uint64_t restarts_ = 0;
  std::string last_exit_;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point started_at_{};
  std::optional<std::chrono::steady_clock::time_point> answered_at_;
  std::chrono::steady_clock::time_point any_answer_at_{};
  std::chrono::steady_clock::time_point asked_at_{};
  SampleWindow lag_;
  std::shared_ptr<const checker::Snapshot> snapshot_;
  std::optional<std::chrono::steady_clock::time_point> snapshot_at_;
  EngineTimer ping_timer_;
  EngineTimer restart_timer_;
  EngineTimer stop_timer_;
};

}  // namespace tandem::daemon
