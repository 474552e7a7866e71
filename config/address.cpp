#include "config/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace tandem::config {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton needs a terminated string; an embedded NUL would silently cut
  // the text short, so refuse it outright.
  if (text.empty() || text.size() > INET6_ADDRSTRLEN ||
      text.find('\0') != std::string_view::npos)
    return std::nullopt;
  const std::string copy(text);
  IpAddress a;
  if (inet_pton(AF_INET, copy.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  a.bytes.fill(0);
  if (inet_pton(AF_INET6, copy.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
    return a;
  }
  return std::nullopt;
}

std::string IpAddress::str() const {
  if (family != AF_INET && family != AF_INET6) return {};
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, bytes.data(), buf, sizeof buf) == nullptr) return {};
  return buf;
}

bool IpAddress::is_v4() const { return family == AF_INET; }
bool IpAddress::is_v6() const { return family == AF_INET6; }

bool IpAddress::is_multicast() const {
  if (is_v4()) return (bytes[0] & 0xf0) == 0xe0;  // 224.0.0.0/4
  if (is_v6()) return bytes[0] == 0xff;           // ff00::/8
  return false;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  const auto digits = text.substr(slash + 1);
  // Plain decimal only: no sign, no spaces, at most three digits.
  if (digits.empty() || digits.size() > 3 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int length = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), length);
  const int max = address->is_v4() ? 32 : 128;
  if (length > max) return std::nullopt;
  return IpPrefix{*address, length};
}

std::string IpPrefix::str() const { return address.str() + '/' + std::to_string(length); }

std::string endpoint_text(const IpAddress& address, std::uint16_t port) {
  const std::string a = address.str();
  return (address.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(port);
}

std::optional<int> ipv4_netmask_length(std::string_view text) {
  const auto mask = IpAddress::parse(text);
  if (!mask || !mask->is_v4()) return std::nullopt;
  const std::uint32_t m = (std::uint32_t{mask->bytes[0]} << 24) | (std::uint32_t{mask->bytes[1]} << 16) |
                          (std::uint32_t{mask->bytes[2]} << 8) | std::uint32_t{mask->bytes[3]};
  const std::uint32_t host_bits = ~m;
  if ((host_bits & (host_bits + 1)) != 0) return std::nullopt;  // not ones, then zeros
  int length = 0;
  while (length < 32 && (m & (0x80000000u >> length))) ++length;
  return length;
}

}  // namespace tandem::config
