// The event loop of the state machine simulators (test_peer_state.cpp,
// test_groups.cpp): two nodes on a manual clock, heartbeats over two
// lossless links with 1 ms latency, and a Tick for each node at its
// deadline, all in time order. The simulator (CRTP) says whether a node
// runs, its deadline, and how it takes an event.
#pragma once
#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>

#include "failover/peer_state.hpp"

namespace tandem::testing {

template <class Sim>
class TwoNodeWire {
 public:
  using Clock = failover::Clock;
  using TimePoint = failover::TimePoint;

  TimePoint now() const { return now_; }

  // Runs both nodes until `d` from now.
  void run_for(Clock::duration d) {
    Sim& sim = static_cast<Sim&>(*this);
    const TimePoint until = now_ + d;
    for (int guard = 0; guard < 400000; ++guard) {
      TimePoint next = until;
      for (auto& p : wire_) next = std::min(next, p.at);
      for (int i = 0; i < 2; ++i)
        if (sim.running(i)) next = std::min(next, sim.deadline(i));
      if (next > until) break;
      now_ = std::max(now_, next);
      auto it = std::find_if(wire_.begin(), wire_.end(), [&](const Packet& p) { return p.at <= now_; });
      if (it != wire_.end()) {
        Packet p = *it;
        wire_.erase(it);
        if (link_ok_[p.link]) sim.deliver(p.to, failover::HeartbeatIn{p.link, p.hb});
        continue;
      }
      for (int i = 0; i < 2; ++i)
        if (sim.running(i) && sim.deadline(i) <= now_) sim.deliver(i, failover::Tick{});
      if (next == until && now_ == until) break;
    }
    now_ = until;
  }

  // Runs until pred() holds; returns the time it took, or nullopt.
  template <class Pred>
  std::optional<Clock::duration> run_until(Pred pred, Clock::duration limit) {
    const TimePoint begin = now_;
    while (now_ - begin < limit) {
      if (pred()) return now_ - begin;
      run_for(std::chrono::milliseconds(1));
    }
    return pred() ? std::optional<Clock::duration>(now_ - begin) : std::nullopt;
  }

  void set_link(std::size_t l, bool ok) { link_ok_[l] = ok; }

 protected:
  // A heartbeat from `from` on every link that works.
  void put(int from, const failover::Heartbeat& hb) {
    for (std::size_t l = 0; l < 2; ++l)
      if (link_ok_[l]) wire_.push_back(Packet{now_ + std::chrono::milliseconds(1), 1 - from, l, hb});
  }

  TimePoint now_{std::chrono::seconds(1000)};

 private:
  struct Packet {
    TimePoint at;
    int to;
    std::size_t link;
    failover::Heartbeat hb;
  };
  bool link_ok_[2] = {true, true};
  std::deque<Packet> wire_;
};

}  // namespace tandem::testing
