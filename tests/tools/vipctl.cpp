// vipctl: drives the netlink address manager by hand or from the netns tier.
//   vipctl add|remove|holds|announce ADDR/LEN IFACE [LABEL]
//   vipctl link IFACE
// Exit codes: 0 ok (holds: held), 1 error (holds: not held), 2 usage.
#include <iostream>
#include <string>
#include <string_view>

#include "config/address.hpp"
#include "config/config.hpp"
#include "failover/address_manager.hpp"

namespace {

int usage() {
  std::cerr << "usage: vipctl add|remove|holds|announce ADDR/LEN IFACE [LABEL]\n"
               "       vipctl link IFACE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tandem;
  if (argc < 2) return usage();
  const std::string_view command = argv[1];

  if (command == "link") {
    if (argc != 3) return usage();
    failover::InterfaceState state = failover::query_interface(argv[2]);
    std::cout << argv[2] << ": exists=" << state.exists << " up=" << state.up
              << " running=" << state.running << " usable=" << state.usable() << "\n";
    return state.exists ? 0 : 1;
  }

  if (argc != 4 && argc != 5) return usage();
  auto prefix = config::IpPrefix::parse(argv[2]);
  if (!prefix) {
    std::cerr << "vipctl: not an address with prefix length: " << argv[2] << "\n";
    return 2;
  }
  config::Vip vip;
  vip.address = *prefix;
  vip.interface = argv[3];
  if (argc == 5) vip.label = argv[4];

  std::unique_ptr<failover::AddressManager> manager;
  try {
    manager = failover::make_netlink_address_manager();
  } catch (const std::exception& e) {
    std::cerr << "vipctl: " << e.what() << "\n";
    return 1;
  }

  if (command == "holds") {
    bool held = manager->holds(vip);
    std::cout << (held ? "held" : "not held") << "\n";
    return held ? 0 : 1;
  }

  failover::OpError error;
  if (command == "add") {
    error = manager->add(vip);
  } else if (command == "remove") {
    error = manager->remove(vip);
  } else if (command == "announce") {
    error = manager->announce(vip);
  } else {
    return usage();
  }
  if (error) {
    std::cerr << "vipctl: " << *error << "\n";
    return 1;
  }
  std::cout << "ok\n";
  return 0;
}
