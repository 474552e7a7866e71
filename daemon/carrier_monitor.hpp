// The carrier of network interfaces, learned from rtnetlink link
// notifications (RTNLGRP_LINK) as they happen, not by polling: a lost
// carrier is known within milliseconds. Runs on the engine's io_context.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace tandem::daemon {

class CarrierSource {
 public:
  using Changed = std::function<void(const std::string& interface, bool carrier)>;
  virtual ~CarrierSource() = default;
  // Watches `names` from now on (the set replaces the last one) and reads
  // their state at once.
  virtual void watch(std::vector<std::string> names) = 0;
  // Whether a watched interface is up with carrier; false when it does not
  // exist.
  virtual bool carrier(const std::string& name) const = 0;
  // Called on the loop whenever a watched interface's carrier changes.
  virtual void on_change(Changed changed) = 0;
};

// The real one; the reason when rtnetlink cannot be opened.
std::unique_ptr<CarrierSource> make_netlink_carrier(boost::asio::io_context& io, std::string* error);

}  // namespace tandem::daemon
