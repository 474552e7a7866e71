// The active side of a planned handover (tandemctl standby, SIGTERM), a
// sub-machine of the peer state machine: its stages are a variant, each
// with what it needs. Staged (forward_stage > 0): Prepare until the peer
// holds the VIPs unannounced, Forward (new connections go to the peer) for
// forward_stage from when the table forwards, then Relinquish (the peer is
// asked to take over). Unstaged: Relinquish at once. Given up at give_up.
// Pure.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "config/config.hpp"

namespace tandem::failover {

using HandoverClock = std::chrono::steady_clock;

namespace handover {
struct Prepare {
  friend bool operator==(const Prepare&, const Prepare&) = default;
};
struct Forward {
  // When the peer is asked to take over: forward_stage after ForwardApplied.
  std::optional<HandoverClock::time_point> until;
  friend bool operator==(const Forward&, const Forward&) = default;
};
struct Relinquish {
  friend bool operator==(const Relinquish&, const Relinquish&) = default;
};
using Stage = std::variant<Prepare, Forward, Relinquish>;
}  // namespace handover

struct Handover {
  HandoverClock::time_point give_up;      // cancelled if the peer has not taken over by then
  HandoverClock::time_point stage_since;  // when the current stage began (logs)
  handover::Stage stage;
  // How long the peer gets to stage, and again to take over once the
  // forwarding stage is over.
  config::Duration patience{0};
  friend bool operator==(const Handover&, const Handover&) = default;

  // Begins one: long enough for the peer to notice (two deadtimes, at
  // least ten intervals) plus the forwarding stage.
  static Handover begin(HandoverClock::time_point now, config::Duration interval, config::Duration deadtime,
                        config::Duration forward_stage);

  template <class S>
  bool in() const {
    return std::holds_alternative<S>(stage);
  }
  // What to do after advance(): the logs to write, and whether forwarding
  // starts now or the peer is to be asked at once.
  struct Step {
    bool start_forwarding = false;
    bool ask_peer = false;
    std::optional<std::string> log;
  };
  // The peer's view and the time move the stage on.
  Step advance(bool peer_staged, HandoverClock::time_point now, const std::string& peer);
  // The table forwards (ForwardApplied): the forwarding stage's clock
  // starts, and give_up moves to `patience` after its end (the checker may
  // have taken a while).
  std::optional<std::string> forward_applied(HandoverClock::time_point now, config::Duration forward_stage);
  // The peer took over and our VIPs drained: the log line of the last stage.
  std::string done(HandoverClock::time_point now, const std::string& peer);
  // The heartbeat flags it sets (flag::prepare, flag::relinquish).
  std::uint16_t flags() const;
  // The next time it may move by itself.
  HandoverClock::time_point next_deadline() const;
  // For status: "handing over: forwarding new connections to d2".
  std::string describe(const std::string& peer) const;

 private:
  std::string stage_took(HandoverClock::time_point now);
};

}  // namespace tandem::failover
