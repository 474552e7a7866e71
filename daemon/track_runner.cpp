#include "daemon/track_runner.hpp"

#include <algorithm>
#include <set>

#include "daemon/log.hpp"

namespace tandem::daemon {
namespace asio = boost::asio;

TrackRunner::TrackRunner(asio::io_context& io, CarrierSource* carrier, Changed changed)
    : io_(io), carrier_(carrier), changed_(std::move(changed)), pinger_(io), prober_(io) {
  if (carrier_) carrier_->on_change([this](const std::string& interface, bool) { on_carrier(interface); });
}

TrackRunner::~TrackRunner() { stop(); }

void TrackRunner::stop() {
  if (stopped_) return;
  stopped_ = true;
  ++epoch_;
  for (auto& t : timers_) t->cancel();
  pinger_.cancel_all();
  prober_.cancel_all();
}

void TrackRunner::configure(std::vector<config::Track> tracks, std::vector<std::string> vip_interfaces) {
  ++epoch_;
  for (auto& t : timers_) t->cancel();
  pinger_.cancel_all();
  prober_.cancel_all();
  std::vector<failover::TrackState> states(tracks.size());
  for (std::size_t i = 0; i < tracks.size(); ++i)
    for (std::size_t j = 0; j < tracks_.size(); ++j)
      if (tracks_[j] == tracks[i]) states[i] = states_[j];
  tracks_ = std::move(tracks);
  states_ = std::move(states);
  std::sort(vip_interfaces.begin(), vip_interfaces.end());
  vip_interfaces.erase(std::unique(vip_interfaces.begin(), vip_interfaces.end()), vip_interfaces.end());
  vip_interfaces_ = std::move(vip_interfaces);
  if (carrier_) {
    std::set<std::string> watched(vip_interfaces_.begin(), vip_interfaces_.end());
    for (const auto& t : tracks_)
      if (t.type == config::Track::Type::interface) watched.insert(t.interface);
    carrier_->watch({watched.begin(), watched.end()});
  }
  timers_.clear();
  for (std::size_t i = 0; i < tracks_.size(); ++i) {
    timers_.push_back(std::make_unique<EngineTimer>(io_));
    // Spread over the first interval, like the health checks.
    arm(i, tracks_[i].interval * std::int64_t(i) / std::int64_t(tracks_.size() + 1));
  }
  fitness_ = failover::fitness_of(tracks_, states_, no_carrier());
}

std::vector<std::string> TrackRunner::no_carrier() const {
  std::vector<std::string> out;
  if (!carrier_) return out;
  for (const auto& i : vip_interfaces_)
    if (!carrier_->carrier(i)) out.push_back(i);
  return out;
}

void TrackRunner::arm(std::size_t i, EngineClock::duration after) {
  timers_[i]->expires_after(after);
  timers_[i]->async_wait([this, i, epoch = epoch_](boost::system::error_code ec) {
    if (ec || epoch != epoch_ || stopped_) return;
    run(i);
  });
}

void TrackRunner::run(std::size_t i) {
  const config::Track& t = tracks_[i];
  const std::uint64_t epoch = epoch_;
  arm(i, t.interval);  // the next one, whatever this one takes (its timeout is at most the interval)
  switch (t.type) {
    case config::Track::Type::interface: {
      const bool up = !carrier_ || carrier_->carrier(t.interface);
      result(i, epoch, up, up ? "carrier" : "no carrier", std::nullopt);
      return;
    }
    case config::Track::Type::script: {
      health::ProbeSpec spec;
      spec.type = health::ProbeType::external;
      spec.argv = t.command;
      spec.timeout = t.timeout;
      spec.interval = t.interval;
      prober_.start(spec, [this, i, epoch](health::ProbeResult r) {
        result(i, epoch, r.ok, r.detail, std::chrono::duration<double, std::milli>(r.latency).count());
      });
      return;
    }
    case config::Track::Type::ping: {
      // A group is up while any member answers: the first reply settles
      // the round, or the last failure.
      struct Round {
        std::size_t left;
        bool settled = false;
        std::string last_error;
      };
      auto round = std::make_shared<Round>(Round{t.addresses.size()});
      for (const auto& a : t.addresses) {
        pinger_.ping(a, t.interface, t.timeout, [this, i, epoch, round, a, group = t.group](Pinger::Result r) {
          if (round->settled) return;
          --round->left;
          if (r.ok) {
            round->settled = true;
            return result(i, epoch, true, group ? a.str() + ": " + r.detail : r.detail, r.latency_ms);
          }
          round->last_error = group ? a.str() + ": " + r.detail : r.detail;
          if (round->left == 0) {
            round->settled = true;
            result(i, epoch, false, (group ? "no member answered; " : "") + round->last_error, std::nullopt);
          }
        });
      }
      return;
    }
  }
}

void TrackRunner::result(std::size_t i, std::uint64_t epoch, bool ok, std::string detail,
                         std::optional<double> latency_ms) {
  if (epoch != epoch_ || stopped_ || i >= tracks_.size()) return;
  if (auto line = failover::record(states_[i], tracks_[i], ok, std::move(detail), latency_ms, EngineClock::now()))
    log(ok ? log_notice : log_warning, *line);
  recompute();
}

void TrackRunner::on_carrier(const std::string& interface) {
  if (stopped_) return;
  // An interface track reads the new carrier at once (one sample).
  for (std::size_t i = 0; i < tracks_.size(); ++i)
    if (tracks_[i].type == config::Track::Type::interface && tracks_[i].interface == interface) {
      const bool up = carrier_->carrier(interface);
      if (auto line = failover::record(states_[i], tracks_[i], up, up ? "carrier" : "no carrier", std::nullopt,
                                       EngineClock::now()))
        log(up ? log_notice : log_warning, *line);
    }
  recompute();
}

void TrackRunner::recompute() {
  auto next = failover::fitness_of(tracks_, states_, no_carrier());
  if (next == fitness_) return;
  fitness_ = std::move(next);
  if (changed_) changed_(fitness_);
}

}  // namespace tandem::daemon
