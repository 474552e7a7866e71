#include "daemon/config_diff.hpp"

#include <algorithm>

namespace tandem::daemon {

bool ConfigDiff::empty() const {
  return refused.empty() && links_to_reopen.empty() && links_closed.empty() && vips_added.empty() &&
         vips_removed.empty() && groups_added.empty() && groups_removed.empty() && groups_changed.empty() &&
         !authkeys_path_changed && !election_changed && !realtime_changed;
}

ConfigDiff diff_config(const config::Config& a, const config::Config& b) {
  ConfigDiff d;
  if (a.node.name != b.node.name)
    d.refused.push_back("node.name changed from \"" + a.node.name + "\" to \"" + b.node.name +
                        "\"; restart tandemd to rename a node");
  if (a.cluster.peer != b.cluster.peer)
    d.refused.push_back("cluster.peer changed from \"" + a.cluster.peer + "\" to \"" + b.cluster.peer +
                        "\"; restart tandemd to change the peer");
  std::vector<bool> taken(a.links.size(), false);
  for (std::size_t i = 0; i < b.links.size(); ++i) {
    std::optional<std::size_t> kept;
    for (std::size_t j = 0; j < a.links.size() && !kept && a.cluster.port == b.cluster.port; ++j)
      if (!taken[j] && a.links[j] == b.links[i]) kept = j;
    if (kept)
      taken[*kept] = true;
    else
      d.links_to_reopen.push_back(i);
    d.links_kept.push_back(kept);
  }
  for (const auto& l : a.links)
    if (std::find(b.links.begin(), b.links.end(), l) == b.links.end() || a.cluster.port != b.cluster.port)
      d.links_closed.push_back(l.name);
  for (const auto& v : b.vips)
    if (std::find(a.vips.begin(), a.vips.end(), v) == a.vips.end()) d.vips_added.push_back(v);
  for (const auto& v : a.vips)
    if (std::find(b.vips.begin(), b.vips.end(), v) == b.vips.end()) d.vips_removed.push_back(v);
  auto find = [](const config::Config& c, const std::string& name) -> const config::Group* {
    for (const auto& g : c.groups)
      if (g.name == name) return &g;
    return nullptr;
  };
  for (const auto& g : b.groups) {
    const config::Group* old = find(a, g.name);
    if (!old)
      d.groups_added.push_back(g.name);
    else if (!(*old == g))
      d.groups_changed.push_back(g.name);
  }
  for (const auto& g : a.groups)
    if (!find(b, g.name)) d.groups_removed.push_back(g.name);
  d.authkeys_path_changed = a.cluster.authkeys != b.cluster.authkeys;
  d.election_changed = a.node.priority != b.node.priority ||
                       a.cluster.preferred != b.cluster.preferred ||
                       a.cluster.auto_failback != b.cluster.auto_failback ||
                       a.cluster.interval != b.cluster.interval || a.cluster.deadtime != b.cluster.deadtime ||
                       a.cluster.warntime != b.cluster.warntime || a.cluster.initdead != b.cluster.initdead ||
                       !(a.garp == b.garp);
  d.realtime_changed =
      a.node.realtime_priority != b.node.realtime_priority || a.node.lock_memory != b.node.lock_memory;
  return d;
}

}  // namespace tandem::daemon
