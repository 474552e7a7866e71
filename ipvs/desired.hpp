// What the IPVS table should hold, from the configuration and the health of
// every real server (SPEC "Behaviour": quiesce or remove on failure, fallback
// while none is healthy). Pure.
#pragma once
#include <cstdint>
#include <optional>
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
// handover[v], when set: virtual server v's new connections go to this
// address by direct routing (the peer director during a staged handover):
// every real server gets weight 0, so its established connections stay,
// and the address is added with weight 1. Missing entries: no handover.
using Handover = std::vector<std::optional<config::IpAddress>>;

// admin[v][r] (ipvs/maintenance.hpp): a drained real server has weight 0
// and a disabled one is left out, whatever its health; neither counts as
// healthy for the fallback. Missing entries: in service.
enum class AdminMode : std::uint8_t;
using Admin = std::vector<std::vector<AdminMode>>;

Table desired_table(const std::vector<config::VirtualServer>& servers, const Health& healthy = {},
                    const Handover& handover = {}, const Admin& admin = {});

// The health the kernel table shows, for a checker that starts while the
// table is already programmed (a restarted checker): a real server whose
// destination has weight 0 although its configured weight is not, or which
// is missing from a service that is there (on_failure = "remove"), counts
// as unhealthy. Missing services and other weights count as healthy.
Health health_in_kernel(const std::vector<config::VirtualServer>& servers, const Table& kernel);

// The connection timeouts [ipvs] asks for, in seconds; 0 where a key is
// absent (the kernel's value is left as it is).
Timeouts timeouts_of(const config::IpvsSection& ipvs);

// The sync daemon settings of [sync] (the state is set by the role).
SyncDaemon sync_daemon_of(const config::SyncSection& sync);

}  // namespace tandem::ipvs
