// Small value builders shared by the unit tests.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace tandem::testing {

inline config::Vip make_vip(const char* prefix, const char* interface = "eth0", const char* label = "") {
  config::Vip v;
  v.address = *config::IpPrefix::parse(prefix);
  v.interface = interface;
  v.label = label;
  return v;
}

inline config::Link make_link(const char* name, const char* interface, const char* peer) {
  config::Link l;
  l.name = name;
  l.interface = interface;
  l.peer = config::IpAddress::parse(peer);
  return l;
}

// d1 of the pair d1/d2 (preferred d1) with a public and a private link and
// an IPv4 and an IPv6 VIP, as in SPEC's example.
inline config::Config pair_config() {
  config::Config c;
  c.path = "/etc/tandem/tandem.toml";
  c.node.name = "d1";
  c.node.priority = 100;
  c.cluster.peer = "d2";
  c.cluster.preferred = "d1";
  c.links = {make_link("public", "eth0", "10.0.0.2"), make_link("private", "eth1", "192.168.77.2")};
  c.vips = {make_vip("10.0.0.100/24", "eth0", "eth0:vip"), make_vip("2001:db8::100/64")};
  return c;
}

// "0a 1b\n2c" -> {0x0a, 0x1b, 0x2c}; spaces and newlines are ignored.
inline std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  std::string digits;
  for (char c : hex)
    if (c != ' ' && c != '\n') digits.push_back(c);
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace tandem::testing
