// Runs the [[track]]s on the engine's loop (ping: daemon/pinger.hpp;
// script: the external prober, execve with a timeout and its process group
// killed; interface: the carrier monitor) and turns their results and the
// carrier of the VIP interfaces into the node's fitness
// (failover/track_state.hpp). Tells `changed` whenever the fitness changes.
#pragma once
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/carrier_monitor.hpp"
#include "daemon/engine_clock.hpp"
#include "daemon/pinger.hpp"
#include "failover/track_state.hpp"
#include "health/prober.hpp"

namespace tandem::daemon {

class TrackRunner {
 public:
  using Changed = std::function<void(const failover::Fitness&)>;

  // `carrier` may be null (rtnetlink could not be opened): every interface
  // then counts as having carrier.
  TrackRunner(boost::asio::io_context& io, CarrierSource* carrier, Changed changed);
  ~TrackRunner();

  // The tracks and the interfaces of the VIPs; a track whose definition did
  // not change keeps its state. Computes the fitness at once (without
  // calling `changed`).
  void configure(std::vector<config::Track> tracks, std::vector<std::string> vip_interfaces);
  void stop();

  const failover::Fitness& fitness() const { return fitness_; }
  const std::vector<config::Track>& tracks() const { return tracks_; }
  const std::vector<failover::TrackState>& states() const { return states_; }
  // The VIP interfaces without carrier.
  std::vector<std::string> no_carrier() const;

 private:
  void arm(std::size_t i, EngineClock::duration after);
  void run(std::size_t i);
  void result(std::size_t i, std::uint64_t epoch, bool ok, std::string detail, std::optional<double> latency_ms);
  void on_carrier(const std::string& interface);
  void recompute();

  boost::asio::io_context& io_;
  CarrierSource* carrier_;
  Changed changed_;
  Pinger pinger_;
  health::Prober prober_;
  std::vector<config::Track> tracks_;
  std::vector<failover::TrackState> states_;
  std::vector<std::unique_ptr<EngineTimer>> timers_;
  std::vector<std::string> vip_interfaces_;
  std::uint64_t epoch_ = 0;  // results of an older configuration are dropped
  bool stopped_ = false;
  failover::Fitness fitness_;
};

}  // namespace tandem::daemon
