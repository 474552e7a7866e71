#include "failover/vip_set.hpp"

namespace tandem::failover {
namespace {

std::string text(const config::Vip& v) { return v.address.str() + " on " + v.interface; }

}  // namespace

VipSet::VipSet(AddressManager& addresses, std::vector<config::Vip> vips, LogSink log)
    : addresses_(addresses), vips_(std::move(vips)), held_(vips_.size(), false), log_(std::move(log)) {}

void VipSet::mark(const config::Vip& vip, bool held) {
  for (std::size_t i = 0; i < vips_.size(); ++i)
    if (vips_[i] == vip) held_[i] = held;
}

void VipSet::remove_stale(const std::vector<config::Vip>& vips) {
  for (const auto& v : vips) {
    if (!addresses_.holds(v)) continue;
    if (auto err = addresses_.remove(v))
      log_(3, "removing stale VIP: " + *err);
    else
      log_(5, "removed stale VIP " + text(v) + " (left over from an earlier run)");
    mark(v, false);
  }
}

OpError VipSet::acquire(const std::vector<config::Vip>& vips) {
  std::string errors;
  for (const auto& v : vips) {
    if (auto err = addresses_.add(v)) {
      errors += (errors.empty() ? "" : "; ") + *err;
      continue;
    }
    mark(v, true);
    log_(6, "added VIP " + text(v));
  }
  if (errors.empty()) return std::nullopt;
  log_(3, "could not add VIPs: " + errors);
  return errors;
}

void VipSet::release(const std::vector<config::Vip>& vips) {
  for (const auto& v : vips) {
    if (auto err = addresses_.remove(v)) {
      log_(3, "could not remove VIP: " + *err);
      continue;
    }
    mark(v, false);
    log_(6, "removed VIP " + text(v));
  }
}

void VipSet::announce(const std::vector<config::Vip>& vips) {
  for (const auto& v : vips) {
    if (auto err = addresses_.announce(v))
      log_(4, "announce: " + *err);
    else
      log_(7, "announced " + text(v));
  }
}

void VipSet::reconfigure(std::vector<config::Vip> vips) {
  std::vector<bool> held(vips.size(), false);
  for (std::size_t i = 0; i < vips.size(); ++i)
    for (std::size_t j = 0; j < vips_.size(); ++j)
      if (vips[i] == vips_[j]) held[i] = held_[j];
  vips_ = std::move(vips);
  held_ = std::move(held);
}

}  // namespace tandem::failover
