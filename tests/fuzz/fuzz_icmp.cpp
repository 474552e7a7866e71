// Fuzz target: ICMP and ICMPv6 echo replies as the pinger reads them from
// its raw sockets (failover/icmp.hpp).
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "failover/icmp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::failover;
  const std::span<const std::uint8_t> in(data, size);
  for (int family : {AF_INET, AF_INET6}) {
    auto r = parse_echo_reply(family, in);
    // A reply is never read from fewer bytes than its header.
    if (r && size < (family == AF_INET ? 28u : 8u)) std::abort();
  }
  return 0;
}
