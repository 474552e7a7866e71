// The IPVS topology of a staged handover (failover::PeerParams::forward_stage,
// failover::ForwardToPeer): which virtual servers can forward their new
// connections to the peer director, to which address, and for how long.
// Pure; a policy of the table, not of the state machine.
#pragma once
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "ipvs/desired.hpp"

namespace tandem::ipvs {

// The staged handover's forwarding target for services of `family`: the
// peer's unicast address on a heartbeat link whose interface carries a VIP
// (so it is on the LAN the clients reach the VIP on), if there is one.
std::optional<config::IpAddress> handover_peer_address(const config::Config& cfg, int family);
// Whether a virtual server's new connections can be forwarded to the peer
// during a staged handover: its address is a VIP (the peer holds it once
// staged; not a fwmark service), direct routing for every real server, and
// a handover_peer_address of its family.
bool forwards_on_handover(const config::Config& cfg, const config::VirtualServer& vs);
// PeerParams::forward_stage for a configuration: 0 when no virtual server
// forwards on handover; else long enough for the sync daemon to have
// copied the connections opened before forwarding began (3 s: the kernel
// sends a partly filled sync buffer after at most 2 s, checked every
// second), or 200 ms without [sync] (short connections end).
// With `group`, only that failover group's virtual servers count.
config::Duration handover_forward_stage(const config::Config& cfg, const std::string* group = nullptr);
// Each of cfg.groups' forward stage, in order (failover::GroupsParams::from).
std::vector<config::Duration> handover_forward_stages(const config::Config& cfg);
// desired_table's `handover` while forwarding: every virtual server's
// target, or nullopt for the ones that do not forward.
// With `groups`, only the virtual servers of those failover groups forward
// (each group hands over on its own); the others get nullopt.
Handover handover_targets(const config::Config& cfg, const std::set<std::string>* groups = nullptr);

}  // namespace tandem::ipvs
