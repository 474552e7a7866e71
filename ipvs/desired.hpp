// What the IPVS table should hold, from the configuration and the health of
// every real server (SPEC "Behaviour": quiesce or remove on failure, fallback
// while none is healthy). Pure.
#pragma once
#include <vector>

#include "config/config.hpp"
#include "ipvs/model.hpp"

namespace tandem::ipvs {

// healthy[v][r]: real server r of virtual server v passes its check. Missing
// entries count as healthy.
using Health = std::vector<std::vector<bool>>;

ServiceKey service_key(const config::VirtualServer& vs);
Service service_of(const config::VirtualServer& vs);
Destination destination_of(const config::VirtualServer& vs, const config::RealServer& real);
Table desired_table(const std::vector<config::VirtualServer>& servers, const Health& healthy = {});

// The sync daemon settings of [sync] (the state is set by the role).
SyncDaemon sync_daemon_of(const config::SyncSection& sync);

}  // namespace tandem::ipvs
