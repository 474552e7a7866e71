#include "daemon/health_checker.hpp"

#include "daemon/log.hpp"

namespace tandem::daemon {

HealthChecker::HealthChecker(boost::asio::io_context& io, Changed changed)
    : io_(io), changed_(std::move(changed)), prober_(io), timer_(io), random_(std::random_device{}()) {}

HealthChecker::~HealthChecker() { stop(); }

std::variant<health::HealthBoard, std::vector<std::string>> HealthChecker::prepare(
    const std::vector<config::VirtualServer>& servers) {
  auto built = health::HealthBoard::make(servers);
  if (!built.errors.empty()) return std::move(built.errors);
  return std::move(built.board);
}

void HealthChecker::start(health::HealthBoard board) {
  const auto same = board.same_checks(board_);
  board.carry_over(board_);
  // The old schedule entry of each old board entry.
  std::vector<std::optional<std::size_t>> old_id(board_.entries().size());
  for (std::size_t id = 0; id < entry_of_.size(); ++id) old_id[entry_of_[id]] = id;
  const health::ProbeSchedule old_schedule = std::move(schedule_);
  std::vector<Slot> old_slots = std::move(slots_);
  for (auto& slot : old_slots) *slot = gone;
  board_ = std::move(board);
  ++epoch_;
  schedule_ = health::ProbeSchedule(kMaxProbesInFlight);
  entry_of_.clear();
  slots_.clear();
  const auto now = std::chrono::steady_clock::now();
  std::uniform_real_distribution<double> fraction(0.0, 1.0);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < board_.entries().size(); ++i) {
    const auto& e = board_.entries()[i];
    if (!e.spec) continue;
    const auto interval = e.spec->interval;
    const std::size_t id = schedule_.size();
    if (same[i] && old_id[*same[i]]) {
      const std::size_t was = *old_id[*same[i]];
      schedule_.add(interval, old_schedule.due(was), old_schedule.running(was));
      slots_.push_back(old_slots[was]);
      ++kept;
    } else {
      schedule_.add(interval, now + health::warmup_delay(interval, fraction(random_)));
      slots_.push_back(std::make_shared<std::size_t>());
    }
    *slots_.back() = id;
    entry_of_.push_back(i);
  }
  const std::size_t probed = entry_of_.size();
  if (probed)
    log(log_info, "health: checking " + std::to_string(probed) + " real server" + (probed == 1 ? "" : "s") +
                      (kept ? " (" + std::to_string(kept) + " kept, " + std::to_string(probed - kept) + " new or changed)"
                            : ""));
  stopped_ = false;
  armed_at_.reset();
  arm();
}

void HealthChecker::stop() {
  stopped_ = true;
  ++epoch_;
  for (auto& slot : slots_) *slot = gone;
  prober_.cancel_all();
  boost::system::error_code ec;
  timer_.cancel(ec);
}

void HealthChecker::arm() {
  if (stopped_) return;
  const auto due = schedule_.next_deadline();
  if (!due) return;  // nothing to check, or every slot busy: a result re-arms
  const auto next = health::align_up(*due, kWakeupTick);
  if (armed_at_ && *armed_at_ == next) return;
  armed_at_ = next;
  timer_.expires_at(next);
  // How late the wakeup comes is measured from when it could come at the
  // earliest: a probe that is overdue (held back) is due at once.
  const auto expected = std::max(next, std::chrono::steady_clock::now());
  timer_.async_wait([this, epoch = epoch_, expected](boost::system::error_code ec) {
    if (ec || epoch != epoch_) return;
    armed_at_.reset();
    admit(std::chrono::steady_clock::now() - expected);
    run_due();
  });
}

void HealthChecker::admit(std::chrono::steady_clock::duration lateness) {
  const bool was = admission_.held_back();
  schedule_.set_max_in_flight(admission_.observe(lateness));
  if (!admission_.held_back() || was) return;
  const auto now = std::chrono::steady_clock::now();
  if (held_back_logged_ && now - *held_back_logged_ < std::chrono::minutes(1)) return;
  held_back_logged_ = now;
  log(log_warning, "health: the checker's loop woke " +
                       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(lateness).count()) +
                       " ms late; at most " + std::to_string(admission_.limit()) +
                       " probes run at once until it keeps up (checks fall behind their intervals)");
}

void HealthChecker::run_due() {
  if (stopped_) return;
  // One clock read per tick: the probes started now share it, and their
  // results' wall times are derived from it and their latency.
  const auto now = std::chrono::steady_clock::now();
  const auto due = schedule_.take_due(now);
  if (!due.empty()) {
    const auto wall = std::chrono::system_clock::now();
    for (const std::size_t id : due) {
      const auto& spec = *board_.entries()[entry_of_[id]].spec;
      prober_.start(
          spec, [this, slot = slots_[id], wall](health::ProbeResult result) { on_result(slot, wall, std::move(result)); },
          now);
    }
  }
  arm();
}

void HealthChecker::on_result(const Slot& slot, health::WallTime started, health::ProbeResult result) {
  if (stopped_ || *slot == gone) return;
  const std::size_t id = *slot;
  schedule_.finished(id);
  const std::size_t entry = entry_of_[id];
  const auto ended = started + std::chrono::duration_cast<health::WallTime::duration>(result.latency);
  const auto lines = board_.record(entry, result, ended);
  const bool down = board_.entries()[entry].state.health == health::Health::down;
  for (std::size_t i = 0; i < lines.size(); ++i) log(down ? log_warning : log_notice, "health: " + lines[i]);
  if (!lines.empty())
    events_.push(PageEvent{
        std::chrono::duration_cast<std::chrono::milliseconds>(ended.time_since_epoch()).count(), "health", lines[0]});
  if (!lines.empty()) changed_();
  arm();
}

}  // namespace tandem::daemon
