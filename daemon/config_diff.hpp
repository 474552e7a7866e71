// What a reload changes (SPEC: SIGHUP applies only the difference), worked
// out once and then carried out as it says: refusals, links kept, opened
// and closed, the VIP delta, what else changed. (The checks that changed are
// the checker's part: health::HealthBoard::same_checks.)
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace tandem::daemon {

struct ConfigDiff {
  std::vector<std::string> refused;          // changes that need a restart; the reload is rejected
  std::vector<std::size_t> links_to_reopen;  // indexes into the new config's links
  // For each of the new config's links, the old link it keeps (socket and
  // replay state), or nullopt: opened (the ones in links_to_reopen).
  std::vector<std::optional<std::size_t>> links_kept;
  std::vector<std::string> links_closed;     // names of old links with no identical new one
  std::vector<config::Vip> vips_added;
  std::vector<config::Vip> vips_removed;
  // Failover groups by name ("default" in the form without [[group]]):
  // new ones, dropped ones, and kept ones whose preferred node,
  // auto_failback or VIPs changed.
  std::vector<std::string> groups_added;
  std::vector<std::string> groups_removed;
  std::vector<std::string> groups_changed;
  bool authkeys_path_changed = false;
  bool election_changed = false;  // priority, preferred, auto_failback, timings, garp
  bool realtime_changed = false;  // node.realtime_priority, node.lock_memory
  bool empty() const;
};

ConfigDiff diff_config(const config::Config& old_cfg, const config::Config& new_cfg);

}  // namespace tandem::daemon
