#include "health/board.hpp"

#include <cstdio>
#include <unordered_map>

namespace tandem::health {

namespace {

// A real server or fallback: without ":0" when it has no port (fwmark).
std::string endpoint(const config::IpAddress& address, std::uint16_t port) {
  if (port) return config::endpoint_text(address, port);
  return address.is_v6() ? "[" + address.str() + "]" : address.str();
}

std::string latency_text(std::chrono::microseconds latency) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(latency.count()) / 1000.0);
  return buf;
}

std::string count_text(std::uint32_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? " check" : " checks");
}

}  // namespace

BoardBuild HealthBoard::make(const std::vector<config::VirtualServer>& servers) {
  BoardBuild out;
  HealthBoard& b = out.board;
  for (std::size_t v = 0; v < servers.size(); ++v) {
    const auto& vs = servers[v];
    Service s;
    s.name = config::describe(vs);
    s.key = s.name;
    if (vs.fallback) s.fallback = endpoint(vs.fallback->address, vs.fallback->port);
    s.on_failure = vs.on_failure;
    s.first = b.entries_.size();
    s.count = vs.reals.size();
    for (std::size_t r = 0; r < vs.reals.size(); ++r) {
      const auto& real = vs.reals[r];
      RealHealth e;
      e.vs = v;
      e.real = r;
      e.name = "real " + endpoint(real.address, real.port) + " of " + s.name;
      const auto check = config::check_of(vs, real);
      if (check) {
        e.check = std::string(config::name_of(check->type));
        e.thresholds = Thresholds{static_cast<std::uint32_t>(check->rise), static_cast<std::uint32_t>(check->fall)};
        if (check->type != config::Check::Type::none) {
          auto built = make_probe_spec(vs, real);
          if (built.spec)
            e.spec = std::move(built.spec);
          else
            out.errors.push_back(e.name + ": " + built.error);
        }
      }
      b.identity_.push_back(s.key + " " + endpoint(real.address, real.port));
      b.checks_.push_back(check);
      b.entries_.push_back(std::move(e));
    }
    b.services_.push_back(std::move(s));
  }
  return out;
}

std::vector<std::optional<std::size_t>> HealthBoard::same_checks(const HealthBoard& old) const {
  std::unordered_map<std::string, std::size_t> by_identity;
  for (std::size_t i = 0; i < old.entries_.size(); ++i) by_identity.emplace(old.identity_[i], i);
  std::vector<std::optional<std::size_t>> same(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    auto it = by_identity.find(identity_[i]);
    if (it != by_identity.end() && old.checks_[it->second] == checks_[i]) same[i] = it->second;
  }
  return same;
}

std::vector<std::string> HealthBoard::check_changes(const HealthBoard& old) const {
  auto probed = [](const std::optional<config::Check>& c) { return c && c->type != config::Check::Type::none; };
  std::unordered_map<std::string, std::size_t> by_identity;
  for (std::size_t i = 0; i < old.entries_.size(); ++i) by_identity.emplace(old.identity_[i], i);
  std::unordered_map<std::string, std::size_t> here;
  for (std::size_t i = 0; i < entries_.size(); ++i) here.emplace(identity_[i], i);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!probed(checks_[i])) continue;
    const auto it = by_identity.find(identity_[i]);
    const bool had = it != by_identity.end() && probed(old.checks_[it->second]);
    if (had && old.checks_[it->second] == checks_[i]) continue;
    out.push_back(std::string("health: ") + (had ? "changed " : "new ") + entries_[i].check + " check of " +
                  entries_[i].name);
  }
  for (std::size_t i = 0; i < old.entries_.size(); ++i) {
    if (!probed(old.checks_[i])) continue;
    const auto it = here.find(old.identity_[i]);
    if (it != here.end() && probed(checks_[it->second])) continue;
    out.push_back("health: no more " + old.entries_[i].check + " check of " + old.entries_[i].name);
  }
  return out;
}

void LatencyHistogram::add(double seconds) {
  std::size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i]) ++i;
  ++buckets[i];
  ++count;
  sum += seconds;
}

void HealthBoard::carry_over(const HealthBoard& old) {
  latency_ = old.latency_;
  const auto same = same_checks(old);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!same[i]) continue;
    const RealHealth& was = old.entries_[*same[i]];
    RealHealth& e = entries_[i];
    e.state = was.state;
    e.last = was.last;
    e.last_at = was.last_at;
    e.last_change = was.last_change;
    e.probes = was.probes;
    e.failed = was.failed;
  }
}

void HealthBoard::assume_down(const std::vector<std::vector<bool>>& healthy) {
  for (auto& e : entries_) {
    if (!e.spec || e.vs >= healthy.size() || e.real >= healthy[e.vs].size() || healthy[e.vs][e.real]) continue;
    e.state = HealthState{Health::down, 0, 0};
  }
}

std::size_t HealthBoard::healthy_in(const Service& s) const {
  std::size_t n = 0;
  for (std::size_t i = s.first; i < s.first + s.count; ++i) n += entries_[i].state.health == Health::up;
  return n;
}

std::vector<std::string> HealthBoard::record(std::size_t index, const ProbeResult& result, WallTime at) {
  std::vector<std::string> lines;
  RealHealth& e = entries_.at(index);
  const Service& s = services_.at(e.vs);
  ++e.probes;
  e.failed += !result.ok;
  latency_[e.check].add(std::chrono::duration<double>(result.latency).count());
  e.last = result;
  e.last_at = at;
  const VerdictStep step = apply_probe(e.state, result.ok, e.thresholds);
  e.state = step.state;
  if (!step.transitioned) return lines;
  e.last_change = at;
  if (e.state.health == Health::down) {
    lines.push_back(e.name + " is down after " + count_text(e.state.failures, "failed") + ": " + result.detail +
                    (s.on_failure == config::OnFailure::remove ? "; removed from IPVS" : "; weight 0"));
  } else {
    lines.push_back(e.name + " is up after " + count_text(e.state.successes, "successful") + " (" +
                    (result.detail.empty() ? std::string("ok") : result.detail) + ", " +
                    latency_text(result.latency) + "); configured weight back");
  }
  // Only a transition changes the count, by one: the scan of the virtual
  // server's reals is paid per transition, not per probe.
  const std::size_t healthy_after = healthy_in(s);
  const std::size_t healthy_before = e.state.health == Health::down ? healthy_after + 1 : healthy_after - 1;
  if (s.count > 0 && healthy_before > 0 && healthy_after == 0)
    lines.push_back("no real server of " + s.name + " is healthy" +
                    (s.fallback ? "; fallback " + *s.fallback + " added" : std::string("; it has no fallback")));
  if (s.count > 0 && healthy_before == 0 && healthy_after > 0 && s.fallback)
    lines.push_back(s.name + " has a healthy real server again; fallback " + *s.fallback + " removed");
  return lines;
}

std::vector<std::vector<bool>> HealthBoard::healthy() const {
  std::vector<std::vector<bool>> out;
  out.reserve(services_.size());
  for (const auto& s : services_) {
    std::vector<bool> row(s.count);
    for (std::size_t r = 0; r < s.count; ++r) row[r] = entries_[s.first + r].state.health == Health::up;
    out.push_back(std::move(row));
  }
  return out;
}

std::optional<std::size_t> HealthBoard::index_of(std::size_t vs, std::size_t real) const {
  if (vs >= services_.size() || real >= services_[vs].count) return std::nullopt;
  return services_[vs].first + real;
}

std::size_t HealthBoard::healthy_count() const {
  std::size_t n = 0;
  for (const auto& e : entries_) n += e.state.health == Health::up;
  return n;
}

}  // namespace tandem::health
