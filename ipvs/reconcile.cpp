#include "ipvs/reconcile.hpp"

#include <algorithm>
#include <map>

namespace tandem::ipvs {
namespace {

const ServiceEntry* find_service(const Table& t, const ServiceKey& key) {
  auto it = std::find_if(t.begin(), t.end(), [&](const ServiceEntry& e) { return e.service.key == key; });
  return it == t.end() ? nullptr : &*it;
}

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
  std::vector<Operation> ops;
  // Owned services nobody wants any more go first (their dests go with them).
  for (const auto& have : observed) {
    const ServiceKey& key = have.service.key;
    if (!find_service(desired, key) && created.count(key)) ops.push_back(DelService{key});
  }
  for (const auto& want : desired) {
    const ServiceKey& key = want.service.key;
    const ServiceEntry* have = find_service(observed, key);
    if (!have) {
      ops.push_back(NewService{want.service});
      for (const auto& d : want.dests) ops.push_back(NewDest{key, d});
      continue;
    }
    if (!service_matches(want.service, have->service)) ops.push_back(SetService{want.service});
    for (const auto& d : have->dests)
      if (!find_dest(want.dests, d.key)) ops.push_back(DelDest{key, d.key});
    for (const auto& d : want.dests) {
      const Destination* hd = find_dest(have->dests, d.key);
      if (!hd)
        ops.push_back(NewDest{key, d});
      else if (!dest_matches(d, *hd))
        ops.push_back(SetDest{key, d});
    }
  }
  return ops;
}

Table apply_to(Table table, const std::vector<Operation>& ops) {
  auto service = [&](const ServiceKey& key) -> ServiceEntry* {
    auto it = std::find_if(table.begin(), table.end(), [&](const ServiceEntry& e) { return e.service.key == key; });
    return it == table.end() ? nullptr : &*it;
  };
  for (const auto& op : ops) {
    std::visit(
        [&](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, NewService>) {
            if (!service(o.service.key)) table.push_back(ServiceEntry{o.service, {}});
          } else if constexpr (std::is_same_v<T, SetService>) {
            if (auto* s = service(o.service.key)) s->service = o.service;
          } else if constexpr (std::is_same_v<T, DelService>) {
            std::erase_if(table, [&](const ServiceEntry& e) { return e.service.key == o.key; });
          } else if constexpr (std::is_same_v<T, NewDest> || std::is_same_v<T, SetDest>) {
            if (auto* s = service(o.service)) {
              auto it = std::find_if(s->dests.begin(), s->dests.end(),
                                     [&](const Destination& d) { return d.key == o.dest.key; });
              if (it == s->dests.end()) {
                s->dests.push_back(o.dest);
              } else {
                DestStats stats = it->stats;
                *it = o.dest;
                it->stats = stats;
              }
            }
          } else if constexpr (std::is_same_v<T, DelDest>) {
            if (auto* s = service(o.service))
              std::erase_if(s->dests, [&](const Destination& d) { return d.key == o.dest; });
          }
        },
        op);
  }
  return table;
}

}  // namespace tandem::ipvs
