// Failover groups (tandem.toml(5) "[[group]]"): [[group]] with its
// [[group.vip]]s and [[group.resource]]s, or the form without them
// (top-level [[vip]], [[resource]] and [cluster] preferred and
// auto_failback, the one group "default"), and the group of each
// [[virtual_server]]. Read with the same located errors as the rest of
// the file. Internal to config/.
#pragma once
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/toml_reader.hpp"

namespace tandem::config::detail {

inline constexpr std::array<std::string_view, 3> kVipKeys = {"address", "interface", "label"};
inline constexpr std::array<std::string_view, 5> kGroupKeys = {"name", "preferred", "auto_failback", "vip",
                                                               "resource"};
inline constexpr std::array<std::string_view, 8> kResourceKeys = {
    "name", "command", "agent", "args", "start_timeout", "stop_timeout", "on_start_failure", "exclusive"};

// The names `preferred` may take: this node's and the peer's. Null when that
// name is itself in error; then `preferred` is not checked against it.
struct PairNames {
  const std::string* node = nullptr;
  const std::string* peer = nullptr;
};

// cluster.preferred, group.preferred: this node or the peer.
void check_preferred(TomlReader& reader, const Scope& scope, const Field<std::string>& preferred,
                     const PairNames& pair);

// The [[group]] tables of `root`, in file order; empty in the form without
// them.
std::vector<const toml::table*> group_tables(TomlReader& reader, const toml::table& root);

// config.groups, config.vips and config.named_groups, from `groups` (the
// [[group]] tables) or, when there are none, from the top-level [[vip]]s,
// [[resource]]s and config.cluster (already read). Resource names are
// unique in the whole file.
void read_groups(TomlReader& reader, const toml::table& root, const std::vector<const toml::table*>& groups,
                 const PairNames& pair, Config& config);

// The `group` key of one [[virtual_server]], in file order.
struct ServiceGroupKey {
  const toml::table* table = nullptr;  // the [[virtual_server]]
  std::optional<std::string> name;     // set when written as a string
  bool bad = false;                    // written, but not as a string (reported)
  Position where;                      // of the value, when written
};

// Reads and removes `group` from every [[virtual_server]] table of `root`,
// so that the IPVS reader sees only its own keys. One entry per table that
// read_virtual_servers reads, in the same order.
std::vector<ServiceGroupKey> take_service_groups(TomlReader& reader, toml::table& root);

// Sets the group of every virtual server (config.groups read already):
// the group with a VIP at its address, else its `group` key, else the only
// group. `keys` are take_service_groups' for config.virtual_servers.
void assign_service_groups(TomlReader& reader, const std::vector<ServiceGroupKey>& keys, Config& config);

}  // namespace tandem::config::detail
