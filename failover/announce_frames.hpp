// Gratuitous ARP and unsolicited neighbour advertisement frames (REFERENCE
// "Addresses, GARP, NA"). Pure byte builders; the packet socket lives in
// failover/address_manager_netlink.cpp.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "config/address.hpp"

namespace tandem::failover {

using Mac = std::array<std::uint8_t, 6>;

// Ethernet frame (42 bytes): broadcast destination, ARP request with
// sender MAC = mac, sender IP = target IP = vip. Precondition: vip is IPv4.
std::vector<std::uint8_t> build_gratuitous_arp(const Mac& mac, const config::IpAddress& vip);

// Ethernet frame: 33:33:00:00:00:01 destination, IPv6 from vip to ff02::1,
// hop limit 255, ICMPv6 type 136 with the Override flag, target = vip and
// option 2 (target link-layer address = mac); checksum filled in.
// Precondition: vip is IPv6.
std::vector<std::uint8_t> build_unsolicited_na(const Mac& mac, const config::IpAddress& vip);

}  // namespace tandem::failover
