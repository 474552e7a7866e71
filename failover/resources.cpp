#include "failover/resources.hpp"

#include <algorithm>

namespace tandem::failover {

std::string_view to_string(ResourceState s) {
  switch (s) {
    case ResourceState::stopped: return "stopped";
    case ResourceState::starting: return "starting";
    case ResourceState::running: return "running";
    case ResourceState::stopping: return "stopping";
    case ResourceState::failed: return "failed";
  }
  return "stopped";
}

ResourceStep next_resource_step(const std::vector<ResourceParams>& params, const std::vector<ResourceView>& views,
                                bool want_running, bool peer_holds_exclusive) {
  ResourceStep step;
  const std::size_t n = std::min(params.size(), views.size());
  if (resource_busy(views)) return step;  // one script at a time
  if (want_running) {
    for (std::size_t i = 0; i < n; ++i) {
      const ResourceState st = views[i].state;
      if (st == ResourceState::running) continue;
      // One that failed to start is not retried until the group is taken
      // again (on_start_failure = "ignore": the next ones start); one that
      // did not stop cleanly is started again.
      if (st == ResourceState::failed && views[i].failed_start) continue;
      if (params[i].exclusive && peer_holds_exclusive) {
        step.waiting_for_peer = true;
        return step;
      }
      step.kind = ResourceStep::Kind::start;
      step.index = i;
      return step;
    }
    return step;
  }
  for (std::size_t i = n; i-- > 0;) {
    if (views[i].state == ResourceState::running) {
      step.kind = ResourceStep::Kind::stop;
      step.index = i;
      return step;
    }
  }
  return step;
}

bool resource_busy(const std::vector<ResourceView>& views) {
  return std::any_of(views.begin(), views.end(), [](const ResourceView& v) {
    return v.state == ResourceState::starting || v.state == ResourceState::stopping;
  });
}

bool resources_up(const std::vector<ResourceView>& views) {
  return std::any_of(views.begin(), views.end(), [](const ResourceView& v) {
    return v.state == ResourceState::starting || v.state == ResourceState::running ||
           v.state == ResourceState::stopping;
  });
}

bool exclusive_up(const std::vector<ResourceParams>& params, const std::vector<ResourceView>& views) {
  for (std::size_t i = 0; i < params.size() && i < views.size(); ++i)
    if (params[i].exclusive && views[i].state != ResourceState::stopped && views[i].state != ResourceState::failed)
      return true;
  return false;
}

std::vector<ResourceView> remap_resources(const std::vector<ResourceParams>& old_params,
                                          const std::vector<ResourceView>& old_views,
                                          const std::vector<ResourceParams>& next) {
  std::vector<ResourceView> out(next.size());
  for (std::size_t j = 0; j < next.size(); ++j)
    for (std::size_t i = 0; i < old_params.size() && i < old_views.size(); ++i)
      if (old_params[i].name == next[j].name) out[j] = old_views[i];
  return out;
}

}  // namespace tandem::failover
