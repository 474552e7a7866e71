#include <gtest/gtest.h>
#include <netinet/in.h>

#include "builders.hpp"
#include "config/config.hpp"
#include "ipvs/desired.hpp"
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

// examples/lab-active-active: web (10.77.0.100, preferred d1) and mail
// (10.77.0.101, preferred d2), each with its DR virtual server. d2 holds both
// and hands web back: only web's service forwards to d1, mail's table stays
// exactly as without a handover, and the targets line up with the virtual
// servers whatever their order in the file.
TEST(HandoverTopology, AGroupsHandoverForwardsOnlyItsOwnServices) {
  const std::string dir = TANDEM_TEST_DATA "/../../examples/lab-active-active/";
  auto loaded = tandem::config::load_config(dir + "d2.toml", tandem::config::ParseOptions{"some-host"});
  ASSERT_TRUE(loaded.config);
  auto cfg = *loaded.config;
  ASSERT_EQ(cfg.virtual_servers.size(), 2u);
  for (int order = 0; order < 2; ++order) {
    SCOPED_TRACE(order ? "mail's virtual server first" : "as in the file");
    if (order) std::swap(cfg.virtual_servers[0], cfg.virtual_servers[1]);
    const std::size_t web = cfg.virtual_servers[0].group == "web" ? 0 : 1, mail = 1 - web;
    const std::set<std::string> only_web{"web"};
    const Handover targets = handover_targets(cfg, &only_web);
    ASSERT_EQ(targets.size(), 2u);
    ASSERT_TRUE(targets[web]);
    EXPECT_EQ(targets[web]->str(), "10.77.0.1") << "d1's address on the VIPs' LAN";
    EXPECT_FALSE(targets[mail]) << "mail stays with d2's real servers";
    EXPECT_EQ(handover_forward_stage(cfg, &cfg.groups[0].name), 3000ms) << "[sync]";
    const Table plain = desired_table(cfg.virtual_servers);
    const Table staged = desired_table(cfg.virtual_servers, {}, targets);
    ASSERT_EQ(plain.size(), 2u);
    ASSERT_EQ(staged.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
      const bool is_web = staged[i].service.key == service_key(cfg.virtual_servers[web]);
      if (!is_web) {
        EXPECT_EQ(staged[i].service, plain[i].service);
        EXPECT_EQ(staged[i].dests, plain[i].dests) << "mail's destinations must not change";
        continue;
      }
      // web: the real servers at weight 0 (their connections stay), d1 added.
      ASSERT_EQ(staged[i].dests.size(), plain[i].dests.size() + 1);
      int to_peer = 0;
      for (const auto& d : staged[i].dests) {
        if (d.key.address.str() == "10.77.0.1") {
          ++to_peer;
          EXPECT_EQ(d.weight, 1);
          EXPECT_EQ(d.forwarding, Forwarding::droute);
        } else {
          EXPECT_EQ(d.weight, 0) << d.key.str();
        }
      }
      EXPECT_EQ(to_peer, 1);
    }
  }
}

}  // namespace
}  // namespace tandem::ipvs
