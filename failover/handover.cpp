#include "failover/handover.hpp"

#include <algorithm>

#include "failover/heartbeat_codec.hpp"

namespace tandem::failover {

Handover Handover::begin(HandoverClock::time_point now, config::Duration interval, config::Duration deadtime,
                         config::Duration forward_stage) {
  Handover h;
  h.patience = std::max(2 * deadtime, 10 * interval);
  h.give_up = now + h.patience + forward_stage;
  h.stage_since = now;
  if (forward_stage.count() > 0)
    h.stage = handover::Prepare{};
  else
    h.stage = handover::Relinquish{};
  return h;
}

std::string Handover::stage_took(HandoverClock::time_point now) {
  const auto took = std::chrono::duration_cast<config::Duration>(now - stage_since);
  stage_since = now;
  return config::format_duration(took);
}

Handover::Step Handover::advance(bool peer_staged, HandoverClock::time_point now, const std::string& peer) {
  Step step;
  if (in<handover::Prepare>() && peer_staged) {
    stage = handover::Forward{};
    step.start_forwarding = true;
    step.log = "handover: " + peer + " holds the VIPs unannounced after " + stage_took(now) +
               "; forwarding new connections to it";
  } else if (auto* f = std::get_if<handover::Forward>(&stage); f && f->until && now >= *f->until) {
    stage = handover::Relinquish{};
    step.ask_peer = true;
    step.log = "handover: forwarded for " + stage_took(now) + "; asking " + peer + " to take over";
  }
  return step;
}

std::optional<std::string> Handover::forward_applied(HandoverClock::time_point now, config::Duration forward_stage) {
  auto* f = std::get_if<handover::Forward>(&stage);
  if (!f || f->until) return std::nullopt;
  f->until = now + forward_stage;
  give_up = std::max(give_up, *f->until + patience);
  const std::string took = stage_took(now);
  return "handover: new connections go to it for " + config::format_duration(forward_stage) +
         " (the table forwards after " + took + ")";
}

std::string Handover::done(HandoverClock::time_point now, const std::string& peer) {
  return "handover: " + peer + " took over and our VIPs drained after " + stage_took(now);
}

std::uint16_t Handover::flags() const { return in<handover::Relinquish>() ? flag::relinquish : flag::prepare; }

HandoverClock::time_point Handover::next_deadline() const {
  auto d = give_up;
  if (auto* f = std::get_if<handover::Forward>(&stage); f && f->until) d = std::min(d, *f->until);
  return d;
}

std::string Handover::describe(const std::string& peer) const {
  if (in<handover::Prepare>()) return "handing over: waiting for " + peer + " to hold the VIPs unannounced";
  if (in<handover::Forward>()) return "handing over: forwarding new connections to " + peer;
  return "handing over: waiting for " + peer + " to take over";
}

}  // namespace tandem::failover
