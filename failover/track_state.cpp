#include "failover/track_state.hpp"

namespace tandem::failover {

std::string describe(const config::Track& t) {
  switch (t.type) {
    case config::Track::Type::ping: {
      std::string out = t.group ? "ping any of " : "ping ";
      for (std::size_t i = 0; i < t.addresses.size(); ++i) out += (i ? ", " : "") + t.addresses[i].str();
      if (!t.interface.empty()) out += " from " + t.interface;
      return out;
    }
    case config::Track::Type::interface: return "carrier of " + t.interface;
    case config::Track::Type::script: return "script " + (t.command.empty() ? std::string() : t.command[0]);
  }
  return "?";
}

std::optional<std::string> record(TrackState& s, const config::Track& t, bool ok, std::string detail,
                                  std::optional<double> latency_ms, TimePoint now) {
  s.last = std::move(detail);
  s.latency_ms = latency_ms;
  s.last_at = now;
  const std::string name = "track " + t.name + " (" + describe(t) + ")";
  if (s.up) {
    s.successes = 0;
    if (ok) {
      s.failures = 0;
      return std::nullopt;
    }
    if (++s.failures < t.fall) return std::nullopt;
    s.up = false;
    s.failures = 0;
    s.since = now;
    s.change = "down after " + std::to_string(t.fall) + " failure" + (t.fall == 1 ? "" : "s");
    return name + " " + s.change + ": " + s.last;
  }
  s.failures = 0;
  if (!ok) {
    s.successes = 0;
    return std::nullopt;
  }
  if (++s.successes < t.rise) return std::nullopt;
  s.up = true;
  s.successes = 0;
  s.since = now;
  s.change = "up after " + std::to_string(t.rise) + " success" + (t.rise == 1 ? "" : "es");
  return name + " " + s.change;
}

Fitness fitness_of(const std::vector<config::Track>& tracks, const std::vector<TrackState>& states,
                   const std::vector<std::string>& no_carrier) {
  Fitness f;
  f.carrier = no_carrier.empty();
  std::string why;
  for (const auto& i : no_carrier) why += (why.empty() ? "no carrier on " : ", ") + i;
  for (std::size_t i = 0; i < tracks.size() && i < states.size(); ++i) {
    if (states[i].up) {
      f.value += tracks[i].weight;
      continue;
    }
    if (!why.empty()) why += "; ";
    why += "track " + tracks[i].name + " (" + describe(tracks[i]) + ") " +
           (states[i].change.empty() ? std::string("down") : states[i].change);
  }
  f.why = std::move(why);
  return f;
}

}  // namespace tandem::failover
