// Fake of daemon::CarrierSource: the test sets each interface's carrier and
// the engine is told as the kernel would tell it.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "daemon/carrier_monitor.hpp"

namespace tandem::testing {

class FakeCarrier final : public daemon::CarrierSource {
 public:
  // Interfaces not set here have carrier.
  std::map<std::string, bool> carrier_of;
  std::vector<std::string> watched;

  void set(const std::string& interface, bool carrier) {
    carrier_of[interface] = carrier;
    if (changed_) changed_(interface, carrier);
  }
  void watch(std::vector<std::string> names) override { watched = std::move(names); }
  bool carrier(const std::string& name) const override {
    auto it = carrier_of.find(name);
    return it == carrier_of.end() || it->second;
  }
  void on_change(Changed changed) override { changed_ = std::move(changed); }

 private:
  Changed changed_;
};

}  // namespace tandem::testing
