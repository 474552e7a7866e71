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
  board.carry_over(board_);
  board_ = std::move(board);
  prober_.cancel_all();
  ++epoch_;
  schedule_ = health::ProbeSchedule(kMaxProbesInFlight);
  entry_of_.clear();
  const auto now = std::chrono::steady_clock::now();
  std::uniform_real_distribution<double> fraction(0.0, 1.0);
  std::size_t probed = 0;
  for (std::size_t i = 0; i < board_.entries().size(); ++i) {
    const auto& e = board_.entries()[i];
    if (!e.spec) continue;
    const auto interval = e.spec->interval;
    schedule_.add(interval, now + health::warmup_delay(interval, fraction(random_)));
    entry_of_.push_back(i);
    ++probed;
  }
  if (probed) log(log_info, "health: checking " + std::to_string(probed) + " real server" + (probed == 1 ? "" : "s"));
  stopped_ = false;
  armed_at_.reset();
  arm();
}

void HealthChecker::stop() {
  stopped_ = true;
  ++epoch_;
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
  timer_.async_wait([this, epoch = epoch_](boost::system::error_code ec) {
    if (ec || epoch != epoch_) return;
    armed_at_.reset();
    run_due();
  });
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
          spec, [this, epoch = epoch_, id, wall](health::ProbeResult result) { on_result(epoch, id, wall, std::move(result)); },
          now);
    }
  }
  arm();
}

void HealthChecker::on_result(std::uint64_t epoch, std::size_t id, health::WallTime started,
                              health::ProbeResult result) {
  if (epoch != epoch_ || stopped_) return;
  schedule_.finished(id);
  const std::size_t entry = entry_of_[id];
  const auto ended = started + std::chrono::duration_cast<health::WallTime::duration>(result.latency);
  const auto lines = board_.record(entry, result, ended);
  const bool down = board_.entries()[entry].state.health == health::Health::down;
  for (std::size_t i = 0; i < lines.size(); ++i) log(down ? log_warning : log_notice, "health: " + lines[i]);
  if (!lines.empty()) changed_();
  arm();
}

}  // namespace tandem::daemon
