#include "ipvs/reconcile.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace tandem::ipvs {
namespace {

const Destination* find_dest(const std::vector<Destination>& ds, const DestKey& key) {
  auto it = std::find_if(ds.begin(), ds.end(), [&](const Destination& d) { return d.key == key; });
  return it == ds.end() ? nullptr : &*it;
}

}  // namespace

bool dest_matches(const Destination& want, const Destination& have) {
  Destination normalized = have;
  if (have.forwarding == Forwarding::local) normalized.forwarding = want.forwarding;
  // Tunnel settings mean nothing to the kernel for other methods.
  if (want.forwarding != Forwarding::tunnel) {
    normalized.tunnel_type = want.tunnel_type;
    normalized.tunnel_port = want.tunnel_port;
    normalized.tunnel_flags = want.tunnel_flags;
  }
  return want.same_settings(normalized);
}

bool service_matches(const Service& want, const Service& have) {
  return want.key == have.key && want.scheduler == have.scheduler &&
         (want.flags & svc_flag::managed) == (have.flags & svc_flag::managed) && want.timeout == have.timeout &&
         want.netmask == have.netmask;
}

std::vector<Operation> reconcile(const Table& desired, const Table& observed, const std::set<ServiceKey>& created) {
  // Indexed by key: tables of thousands of services cost O(n log n).
  std::map<ServiceKey, const ServiceEntry*> have_by_key;
  for (const auto& e : observed) have_by_key.emplace(e.service.key, &e);
  std::set<ServiceKey> wanted;
  for (const auto& e : desired) wanted.insert(e.service.key);

  std::vector<Operation> ops;
  // Owned services nobody wants any more go first (their dests go with them).
  for (const auto& have : observed) {
    const ServiceKey& key = have.service.key;
    if (!wanted.count(key) && created.count(key)) ops.push_back(DelService{key});
  }
  for (const auto& want : desired) {
    const ServiceKey& key = want.service.key;
    auto found = have_by_key.find(key);
    if (found == have_by_key.end()) {
      ops.push_back(NewService{want.service});
      for (const auto& d : want.dests) ops.push_back(NewDest{key, d});
      continue;
    }
    const ServiceEntry& have = *found->second;
    if (!service_matches(want.service, have.service)) ops.push_back(SetService{want.service});
    // Make before break: new destinations first, then changed ones, then
    // the removals, so a service whose traffic moves from some destinations
    // to others (a handover, a weight 0 for a new server) never has none
    // available in between, which the kernel would answer with ICMP
    // port unreachable.
    for (const auto& d : want.dests)
      if (!find_dest(have.dests, d.key)) ops.push_back(NewDest{key, d});
    for (const auto& d : want.dests) {
      const Destination* hd = find_dest(have.dests, d.key);
      if (hd && !dest_matches(d, *hd)) ops.push_back(SetDest{key, d});
    }
    for (const auto& d : have.dests)
      if (!find_dest(want.dests, d.key)) ops.push_back(DelDest{key, d.key});
  }
  return ops;
}

std::optional<Timeouts> reconcile_timeouts(const Timeouts& wanted, const Timeouts& observed) {
  auto field = [](std::uint32_t want, std::uint32_t have) { return want != 0 && have != 0 && want != have ? want : 0; };
  const Timeouts set{field(wanted.tcp, observed.tcp), field(wanted.tcp_fin, observed.tcp_fin),
                     field(wanted.udp, observed.udp)};
  if (set.empty()) return std::nullopt;
  return set;
}

Timeouts apply_to(Timeouts observed, const Timeouts& set) {
  if (set.tcp) observed.tcp = set.tcp;
  if (set.tcp_fin) observed.tcp_fin = set.tcp_fin;
  if (set.udp) observed.udp = set.udp;
  return observed;
}

Table apply_to(Table table, const std::vector<Operation>& ops) {
  std::map<ServiceKey, ServiceEntry> by_key;
  for (auto& e : table) {
    ServiceKey key = e.service.key;
    by_key.emplace(std::move(key), std::move(e));
  }
  auto upsert_dest = [](ServiceEntry& s, const Destination& d) {
    auto it = std::find_if(s.dests.begin(), s.dests.end(), [&](const Destination& x) { return x.key == d.key; });
    if (it == s.dests.end()) {
      s.dests.push_back(d);
    } else {
      DestStats stats = it->stats;
      *it = d;
      it->stats = stats;
    }
  };
  for (const auto& op : ops) {
    std::visit(
        [&](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, NewService>) {
            by_key.emplace(o.service.key, ServiceEntry{o.service, {}});
          } else if constexpr (std::is_same_v<T, SetService>) {
            if (auto it = by_key.find(o.service.key); it != by_key.end()) it->second.service = o.service;
          } else if constexpr (std::is_same_v<T, DelService>) {
            by_key.erase(o.key);
          } else if constexpr (std::is_same_v<T, NewDest> || std::is_same_v<T, SetDest>) {
            if (auto it = by_key.find(o.service); it != by_key.end()) upsert_dest(it->second, o.dest);
          } else if constexpr (std::is_same_v<T, DelDest>) {
            if (auto it = by_key.find(o.service); it != by_key.end())
              std::erase_if(it->second.dests, [&](const Destination& d) { return d.key == o.dest; });
          }
        },
        op);
  }
  Table out;
  out.reserve(by_key.size());
  for (auto& [key, entry] : by_key) out.push_back(std::move(entry));
  return out;
}

}  // namespace tandem::ipvs
