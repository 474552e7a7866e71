// The resources of a group ([[resource]], heartbeat's haresources): what
// the peer state machine knows of them and the order it runs them in.
// Started left to right once the group's VIPs are added and announced, each
// after the previous one succeeded; stopped right to left before the VIPs
// are removed; one script at a time. An exclusive resource does not start
// while the peer says one of its own may run (flag::exclusive_held). The
// shell runs the scripts and reports each end (ResourceDone). Pure.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::failover {

struct ResourceParams {
  std::string name;
  bool exclusive = true;
  bool hand_over = true;  // on_start_failure = "hand-over"
  friend bool operator==(const ResourceParams&, const ResourceParams&) = default;
};

enum class ResourceState : std::uint8_t { stopped, starting, running, stopping, failed };
std::string_view to_string(ResourceState);

struct ResourceView {
  ResourceState state = ResourceState::stopped;
  std::chrono::steady_clock::time_point since{};
  std::string failure;  // the last failure's reason; empty before any
  bool failed_start = false;  // failed: it did not start (else it did not stop cleanly)
  friend bool operator==(const ResourceView&, const ResourceView&) = default;
};

// What to run next, given the resources' states and whether they are
// wanted running. `blocked` (an exclusive resource whose peer may run its
// own) holds back that one and every one after it.
struct ResourceStep {
  enum class Kind { none, start, stop } kind = Kind::none;
  std::size_t index = 0;
  bool waiting_for_peer = false;  // the next start waits for the peer's exclusive resources
};
ResourceStep next_resource_step(const std::vector<ResourceParams>& params, const std::vector<ResourceView>& views,
                                bool want_running, bool peer_holds_exclusive);

// A script runs (starting or stopping).
bool resource_busy(const std::vector<ResourceView>& views);
// Something may be running (starting, running or stopping).
bool resources_up(const std::vector<ResourceView>& views);
// An exclusive one may be running (for flag::exclusive_held).
bool exclusive_up(const std::vector<ResourceParams>& params, const std::vector<ResourceView>& views);
// The views of `next` taken over from `old` by name (a reload); new ones stopped.
std::vector<ResourceView> remap_resources(const std::vector<ResourceParams>& old_params,
                                          const std::vector<ResourceView>& old_views,
                                          const std::vector<ResourceParams>& next);

}  // namespace tandem::failover
