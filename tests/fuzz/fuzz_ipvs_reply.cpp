// Fuzz target: the IPVS generic netlink reply decoders (ipvs/messages.hpp),
// which read datagrams from the kernel. The input is one datagram. Whatever
// decodes must survive a round trip through the request encoder.
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ipvs/messages.hpp"

using namespace tandem::ipvs;

namespace {

void check_service(std::span<const std::uint8_t> bytes) {
  auto s = wire::parse_service(bytes);
  if (s.index() != 0) return;
  const Service& first = std::get<0>(s);
  auto again = wire::parse_service(wire::encode_request(NewService{first}, 0x1c, 1));
  if (again.index() != 0 || std::get<0>(again) != first) std::abort();
}

void check_dest(std::span<const std::uint8_t> bytes, int service_af) {
  auto d = wire::parse_dest(bytes, service_af);
  if (d.index() != 0) return;
  const Destination& first = std::get<0>(d);
  ServiceKey key;
  key.af = service_af;
  key.fwmark = 1;
  auto again = wire::parse_dest(wire::encode_request(NewDest{key, first}, 0x1c, 1), service_af);
  if (again.index() != 0 || !std::get<0>(again).same_settings(first)) std::abort();
}

void check_timeouts(std::span<const std::uint8_t> bytes) {
  auto t = wire::parse_timeouts(bytes);
  if (t.index() != 0) return;
  auto again = wire::parse_timeouts(wire::encode_set_config(std::get<0>(t), 0x1c, 1));
  if (again.index() != 0 || std::get<0>(again) != std::get<0>(t)) std::abort();
}

void check_daemon(std::span<const std::uint8_t> bytes) {
  auto d = wire::parse_daemon(bytes);
  if (d.index() != 0) return;
  auto again = wire::parse_daemon(wire::encode_new_daemon(std::get<0>(d), 0x1c, 1));
  if (again.index() != 0 || std::get<0>(again) != std::get<0>(d)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> datagram(data, size);
  // The decoders take single messages; feed them the raw input too, so
  // inconsistent outer lengths reach them.
  check_service(datagram);
  check_dest(datagram, AF_INET);
  check_daemon(datagram);
  check_timeouts(datagram);
  auto split = wire::split_datagram(datagram);
  if (split.index() != 0) return 0;
  for (const auto& m : std::get<0>(split)) {
    (void)wire::parse_status(m);
    check_service(m.bytes);
    check_dest(m.bytes, AF_INET);
    check_dest(m.bytes, AF_INET6);
    check_daemon(m.bytes);
    check_timeouts(m.bytes);
  }
  return 0;
}
