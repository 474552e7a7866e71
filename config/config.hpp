// The immutable configuration value (SPEC "Configuration (TOML)").
// Parsing yields a Config or a list of located errors; there is no global
// config object. A reload parses a new value and diffs it against the old.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.hpp"
#include "config/duration.hpp"
#include "config/error.hpp"

namespace tandem::config {

struct NodeSection {
  std::string name;  // default: the host name
  int priority = 100;  // 0..65535; higher wins an election
  friend bool operator==(const NodeSection&, const NodeSection&) = default;
};

struct ClusterSection {
  std::string peer;       // the other director's node name (required)
  std::string preferred;  // owner when both are healthy; default: none
  bool auto_failback = false;
  Duration interval{200};
  Duration deadtime{1000};
  Duration warntime{600};
  Duration initdead{3000};
  std::uint16_t port = 694;
  std::string authkeys = "/etc/tandem/authkeys";
  friend bool operator==(const ClusterSection&, const ClusterSection&) = default;
};

struct Link {
  std::string name;
  std::string interface;
  std::optional<IpAddress> peer;   // unicast destination, or
  std::optional<IpAddress> group;  // multicast group (exactly one of the two)
  friend bool operator==(const Link&, const Link&) = default;
};

struct Vip {
  IpPrefix address;
  std::string interface;
  std::string label;  // optional, IPv4 only, at most 15 characters
  friend bool operator==(const Vip&, const Vip&) = default;
  friend auto operator<=>(const Vip&, const Vip&) = default;
};

struct GarpSection {
  int count = 5;
  Duration interval{200};
  Duration refresh{0};  // 0 = never re-announce while active
  friend bool operator==(const GarpSection&, const GarpSection&) = default;
};

struct Config {
  std::string path;  // the file it was read from
  NodeSection node;
  ClusterSection cluster;
  std::vector<Link> links;
  std::vector<Vip> vips;
  GarpSection garp;
  friend bool operator==(const Config&, const Config&) = default;
};

struct ParseOptions {
  std::string default_node_name;  // the host name, used when [node] name is absent
};

struct ConfigResult {
  std::optional<Config> config;  // set only when errors is empty
  Diagnostics errors;
  Diagnostics warnings;
};

// Parses TOML text; `path` is used in diagnostics and recorded in Config.
ConfigResult parse_config(std::string_view text, const std::string& path,
                          const ParseOptions& options);
// Reads the file, then parse_config. A missing file is a "FILE: error:".
ConfigResult load_config(const std::string& path, const ParseOptions& options);

}  // namespace tandem::config
