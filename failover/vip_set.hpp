// The VIPs of this node and which of them it holds: carries out the state
// machine's VIP actions through an AddressManager and keeps the held state
// that `tandemctl status` shows. Runs on the io_context thread.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "failover/address_manager.hpp"

namespace tandem::failover {

class VipSet {
 public:
  using LogSink = std::function<void(int priority, const std::string& message)>;

  VipSet(AddressManager& addresses, std::vector<config::Vip> vips, LogSink log);

  // Removes the ones the interface carries although we own nothing yet
  // (left over from a crash); they are not counted as held.
  void remove_stale(const std::vector<config::Vip>& vips);
  // Adds every VIP; on any failure returns the reasons joined with "; "
  // (the ones that worked stay added and held until released).
  OpError acquire(const std::vector<config::Vip>& vips);
  void release(const std::vector<config::Vip>& vips);
  void announce(const std::vector<config::Vip>& vips);

  // A reload: the new list; held state carries over for unchanged VIPs.
  void reconfigure(std::vector<config::Vip> vips);

  const std::vector<config::Vip>& vips() const { return vips_; }
  const std::vector<bool>& held() const { return held_; }  // parallel to vips()

 private:
  void mark(const config::Vip& vip, bool held);

  AddressManager& addresses_;
  std::vector<config::Vip> vips_;
  std::vector<bool> held_;
  LogSink log_;
};

}  // namespace tandem::failover
