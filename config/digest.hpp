// A digest of what both directors of a pair must agree on: the failover
// groups with their VIPs and resources, the virtual servers with their real
// servers and checks and the [ipvs] timeouts, and the tracks. Heartbeats
// carry it (version 3), so a node whose file differs from its peer's says
// so. Node-specific settings are left out: interface names, [node],
// [[link]], [cluster] timings, [notify] (each node may run its own hook).
// Pure.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::config {

struct Config;

struct ConfigDigest {
  // names, preferred, auto_failback, VIP addresses and labels, and every
  // field of every resource, in order
  std::uint64_t groups = 0;
  // every field of every virtual server and real server, and the [ipvs] timeouts
  std::uint64_t virtual_servers = 0;
  std::uint64_t tracks = 0;           // every field but the interface
  friend bool operator==(const ConfigDigest&, const ConfigDigest&) = default;
};

// The first 8 bytes of SHA-256 over a canonical text of each part.
ConfigDigest digest_of(const Config& cfg);

// The parts that differ ("virtual servers", "tracks"), in that order; empty
// when equal.
// The names are "groups and VIPs", "virtual servers" and "tracks".
std::vector<std::string> digest_differences(const ConfigDigest& a, const ConfigDigest& b);

// The first 8 bytes of SHA-256 of `text`, big-endian.
std::uint64_t short_sha256(std::string_view text);

// "3f2a9c0e11d2b7a4/…/…": the three values in hex, for status.
std::string format_digest(const ConfigDigest& d);

}  // namespace tandem::config
