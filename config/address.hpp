// IP addresses and prefixes as plain values, parsed and printed without any
// networking library so that pure code can use them.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::config {

struct IpAddress {
  int family = 0;                     // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4

  static std::optional<IpAddress> parse(std::string_view text);
  std::string str() const;
  bool is_v4() const;
  bool is_v6() const;
  bool is_multicast() const;
  std::size_t size() const { return is_v4() ? 4 : 16; }
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// A dotted IPv4 netmask ("255.255.255.0"): its prefix length 0..32, or
// nullopt for text that is not one (not IPv4, or ones after a zero).
std::optional<int> ipv4_netmask_length(std::string_view text);

// "10.0.0.11:80", "[2001:db8::11]:80".
std::string endpoint_text(const IpAddress& address, std::uint16_t port);

struct IpPrefix {
  IpAddress address;
  int length = 0;  // prefix length in bits

  // "10.0.0.100/24", "2001:db8::1/64"; the length is required.
  static std::optional<IpPrefix> parse(std::string_view text);
  std::string str() const;
  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
  friend auto operator<=>(const IpPrefix&, const IpPrefix&) = default;
};

}  // namespace tandem::config
