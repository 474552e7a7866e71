// The health checks' shell: one timer driven by the pure ProbeSchedule, the
// Prober for the I/O, and the pure HealthBoard for the verdicts. Runs on the
// director's io_context thread; tells the director when the healthy set
// changed so it can re-derive the IPVS table.
#pragma once
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <variant>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "health/board.hpp"
#include "health/prober.hpp"
#include "health/schedule.hpp"
#include "daemon/event_log.hpp"

namespace tandem::daemon {

// Probes running at once, at most. Each holds one socket (or one process
// and one pipe), well inside the descriptor limit tandemd raises at start.
inline constexpr std::size_t kMaxProbesInFlight = 1024;

// Probes start on these ticks (health::align_up): at most 10 ms late, and
// one timer wakeup serves every probe due in the tick.
inline constexpr std::chrono::milliseconds kWakeupTick{10};

class HealthChecker {
 public:
  using Changed = std::function<void()>;

  HealthChecker(boost::asio::io_context& io, Changed changed);
  ~HealthChecker();

  // Builds the board for `servers` without applying it: the reasons a check
  // cannot run, if any (then nothing changes).
  static std::variant<health::HealthBoard, std::vector<std::string>> prepare(
      const std::vector<config::VirtualServer>& servers);
  // Starts checking with `board` (from prepare). A server whose check did
  // not change keeps its state, its cadence and its probe in flight; a new
  // or changed check starts after a random first delay, and the probes of
  // removed ones are ignored when they end.
  void start(health::HealthBoard board);
  void stop();

  const health::HealthBoard& board() const { return board_; }
  // The last health transitions (the status page).
  const EventLog& events() const { return events_; }

 private:
  void arm();
  void admit(std::chrono::steady_clock::duration lateness);
  void run_due();
  // Which schedule entry a probe reports to: reassigned when a reload keeps
  // the check, npos when it removed it.
  using Slot = std::shared_ptr<std::size_t>;
  static constexpr std::size_t gone = static_cast<std::size_t>(-1);
  void on_result(const Slot& slot, health::WallTime started, health::ProbeResult result);

  boost::asio::io_context& io_;
  Changed changed_;
  health::Prober prober_;
  boost::asio::steady_timer timer_;
  health::HealthBoard board_;
  health::ProbeSchedule schedule_{kMaxProbesInFlight};
  health::AdmissionLimit admission_{kMaxProbesInFlight};
  std::optional<std::chrono::steady_clock::time_point> held_back_logged_;
  std::vector<std::size_t> entry_of_;  // schedule id -> board entry
  std::vector<Slot> slots_;            // schedule id -> its slot
  std::optional<std::chrono::steady_clock::time_point> armed_at_;
  std::uint64_t epoch_ = 0;
  std::mt19937_64 random_;
  bool stopped_ = false;
  EventLog events_;
};

}  // namespace tandem::daemon
