// [[virtual_server]], [[virtual_server.real]] and [sync] (SPEC
// "Configuration (TOML)", REFERENCE "IPVS generic netlink"): read with the
// same located errors as the rest of the file. Internal to config/.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/toml_reader.hpp"

namespace tandem::config::detail {

// `group` is read (and taken out) by config/group_parse before the rest;
// it is listed so a misspelt key is told about it.
inline constexpr std::array<std::string_view, 16> kVirtualServerKeys = {
    "address",    "fwmark",      "family",      "protocol",    "scheduler",           "scheduler_flags",
    "forwarding", "tunnel_type", "tunnel_port", "persistence", "persistence_netmask", "fallback",
    "on_failure", "real",        "check",       "group"};
inline constexpr std::array<std::string_view, 8> kRealKeys = {
    "address",     "weight",          "forwarding",      "tunnel_type",
    "tunnel_port", "upper_threshold", "lower_threshold", "check"};
inline constexpr std::array<std::string_view, 6> kSyncKeys = {"interface", "syncid", "group",
                                                              "port",      "maxlen", "ttl"};

// "10.0.0.11:80", "10.0.0.11", "[2001:db8::11]:80", "[2001:db8::11]" or
// "2001:db8::11", split into an address and the port if one is written.
struct EndpointText {
  std::optional<IpAddress> address;
  std::optional<std::uint32_t> port;  // 0..99999: the caller checks the range
  std::string problem;                // set when the text is neither
};
EndpointText split_endpoint(std::string_view text);

// Every [[virtual_server]] of `root`, each with its [[virtual_server.real]]s.
void read_virtual_servers(TomlReader& reader, const toml::table& root, std::vector<VirtualServer>& out);
// [sync]; `out` stays empty when the table is absent.
void read_sync(TomlReader& reader, const Scope& scope, std::optional<SyncSection>& out);

}  // namespace tandem::config::detail
