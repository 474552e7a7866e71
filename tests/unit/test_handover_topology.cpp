#include <gtest/gtest.h>
#include <netinet/in.h>

#include "builders.hpp"
#include "ipvs/handover_topology.hpp"

namespace tandem::ipvs {
namespace {

using namespace std::chrono_literals;

TEST(HandoverTopology, TheStageAndTargetsFromTheConfiguration) {
  auto cfg = tandem::testing::pair_config();
  EXPECT_EQ(handover_forward_stage(cfg), 0ms) << "no virtual server";
  tandem::config::VirtualServer vs;
  vs.address = tandem::config::Endpoint{*tandem::config::IpAddress::parse("10.0.0.100"), 80};
  vs.family = AF_INET;
  tandem::config::RealServer real;
  real.address = *tandem::config::IpAddress::parse("10.0.0.11");
  vs.reals = {real};
  cfg.virtual_servers = {vs};
  // The peer's address on the VIP's LAN (the public link on eth0), not the private link's.
  EXPECT_EQ(handover_peer_address(cfg, AF_INET)->str(), "10.0.0.2");
  EXPECT_FALSE(handover_peer_address(cfg, AF_INET6)) << "no IPv6 link";
  EXPECT_TRUE(forwards_on_handover(cfg, cfg.virtual_servers[0]));
  ASSERT_EQ(handover_targets(cfg).size(), 1u);
  EXPECT_EQ(handover_targets(cfg)[0]->str(), "10.0.0.2");
  EXPECT_EQ(handover_forward_stage(cfg), 200ms) << "without [sync]: short connections end";
  cfg.sync = tandem::config::SyncSection{};
  EXPECT_EQ(handover_forward_stage(cfg), 3000ms) << "with [sync]: the kernel's sync buffer is sent";
  // NAT cannot be forwarded to the peer; neither can a mixed service.
  cfg.virtual_servers[0].reals.push_back(real);
  cfg.virtual_servers[0].reals[1].forwarding = tandem::config::ForwardingMethod::nat;
  EXPECT_FALSE(forwards_on_handover(cfg, cfg.virtual_servers[0]));
  EXPECT_EQ(handover_forward_stage(cfg), 0ms);
  // The service's address must be a VIP (the peer holds it once staged).
  cfg.virtual_servers[0].reals.pop_back();
  EXPECT_TRUE(forwards_on_handover(cfg, cfg.virtual_servers[0]));
  cfg.virtual_servers[0].address->address = *tandem::config::IpAddress::parse("10.0.0.200");
  EXPECT_FALSE(forwards_on_handover(cfg, cfg.virtual_servers[0]));
  cfg.virtual_servers[0].address.reset();
  cfg.virtual_servers[0].fwmark = 7;
  EXPECT_FALSE(forwards_on_handover(cfg, cfg.virtual_servers[0])) << "a fwmark service's addresses are unknown";
  cfg.virtual_servers[0].fwmark = 0;
  cfg.virtual_servers[0].address = tandem::config::Endpoint{*tandem::config::IpAddress::parse("10.0.0.100"), 80};
  // No unicast peer on the VIP's interface: nowhere to forward to.
  cfg.links[0].interface = "eth2";
  EXPECT_FALSE(handover_peer_address(cfg, AF_INET));
  EXPECT_EQ(handover_forward_stage(cfg), 0ms);
}

}  // namespace
}  // namespace tandem::ipvs
