// The address manager: adds and removes VIPs and announces them. The netlink
// and packet-socket implementation is failover/address_manager_netlink.cpp;
// a recording fake is tests/fakes/fake_address_manager.hpp.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace tandem::failover {

// nullopt on success, otherwise the reason ("add 10.0.0.100/24 on eth0: No such device").
using OpError = std::optional<std::string>;

class AddressManager {
 public:
  virtual ~AddressManager() = default;
  // Adds the address (IPv6 with IFA_F_NODAD, IPv4 with its label). Already
  // present counts as success.
  virtual OpError add(const config::Vip& vip) = 0;
  // Removes it; not present counts as success (so does an interface that
  // does not exist). Other instances of the same address on the interface
  // (another prefix length or label, left by an older configuration) are
  // removed too, so that holds() is false afterwards.
  virtual OpError remove(const config::Vip& vip) = 0;
  // Whether the interface currently carries this address (any prefix length).
  // False when the interface does not exist or cannot be queried.
  virtual bool holds(const config::Vip& vip) = 0;
  // Sends one gratuitous ARP (IPv4) or unsolicited NA (IPv6) on the interface.
  // Never blocks: a full transmit queue is reported as an error.
  virtual OpError announce(const config::Vip& vip) = 0;
};

// One NETLINK_ROUTE socket plus one packet socket per announcing interface,
// all used from the calling thread only. Throws std::runtime_error when the
// netlink socket cannot be opened (a startup error).
std::unique_ptr<AddressManager> make_netlink_address_manager();

// Interface state as the link monitor needs it: IFF_UP and IFF_RUNNING
// (carrier). An unknown interface is reported as not usable.
struct InterfaceState {
  bool exists = false;
  bool up = false;
  bool running = false;
  bool usable() const { return exists && up && running; }
};
InterfaceState query_interface(const std::string& name);

}  // namespace tandem::failover
