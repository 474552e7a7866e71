// Recording fake of failover::AddressManager. Tests assert on its state (the
// VIPs held, announcements per VIP), not on the order of calls.
#pragma once
#include <map>
#include <set>
#include <string>

#include "failover/address_manager.hpp"

namespace tandem::testing {

class FakeAddressManager final : public failover::AddressManager {
 public:
  // Addresses currently "on" their interfaces, as add/remove left them.
  std::set<config::Vip> held;
  // Announcements sent per VIP since construction (or reset_announcements).
  std::map<config::Vip, int> announcements;
  // add() of these VIPs fails with the given reason and changes nothing.
  std::map<config::Vip, std::string> fail_add;
  // remove() of these VIPs fails with the given reason and changes nothing.
  std::map<config::Vip, std::string> fail_remove;
  // announce() of these VIPs fails with the given reason and is not counted.
  std::map<config::Vip, std::string> fail_announce;

  failover::OpError add(const config::Vip& vip) override {
    if (auto it = fail_add.find(vip); it != fail_add.end()) return it->second;
    held.insert(vip);
    return std::nullopt;
  }

  // Like the real one, removes every held instance of the address on the
  // interface, whatever its prefix length or label.
  failover::OpError remove(const config::Vip& vip) override {
    if (auto it = fail_remove.find(vip); it != fail_remove.end()) return it->second;
    std::erase_if(held, [&](const config::Vip& h) { return same_address(h, vip); });
    return std::nullopt;
  }

  bool holds(const config::Vip& vip) override {
    for (const auto& h : held) {
      if (same_address(h, vip)) return true;
    }
    return false;
  }

  failover::OpError announce(const config::Vip& vip) override {
    if (auto it = fail_announce.find(vip); it != fail_announce.end()) return it->second;
    ++announcements[vip];
    return std::nullopt;
  }

  int announced(const config::Vip& vip) const {
    auto it = announcements.find(vip);
    return it == announcements.end() ? 0 : it->second;
  }
  int total_announcements() const {
    int total = 0;
    for (const auto& [vip, count] : announcements) total += count;
    return total;
  }
  void reset_announcements() { announcements.clear(); }

  // Puts an address in place as if it had been left by an earlier run.
  void preload(const config::Vip& vip) { held.insert(vip); }

 private:
  static bool same_address(const config::Vip& a, const config::Vip& b) {
    return a.interface == b.interface && a.address.address == b.address.address;
  }
};

}  // namespace tandem::testing
