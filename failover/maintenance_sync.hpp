// How the two directors agree on the real server maintenance state
// (ipvs/maintenance.hpp) over their heartbeats (version 4,
// docs/heartbeat-format.md). Every heartbeat carries the stamp and digest
// of the sender's state. While the peer's differ, each heartbeat also
// carries the next piece of its text; the receiver puts the pieces
// together, checks them against the digest and merges the state into its
// own (ipvs::merge_admin), which then crosses back if it differs from the
// sender's. Authenticated and replay-protected as heartbeats are. Pure: no
// clocks, no I/O.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "failover/heartbeat_codec.hpp"

namespace tandem::failover {

// The stamp and digest of a state.
struct MaintenanceVersion {
  std::uint64_t stamp = 0;   // Unix ms of the last change; 0: never changed
  std::uint64_t digest = 0;  // config::short_sha256 of the text
  friend bool operator==(const MaintenanceVersion&, const MaintenanceVersion&) = default;
};

// The sending side: this node's state and what the peer last said of its own.
class MaintenanceSender {
 public:
  void set_own(std::string text, MaintenanceVersion version);
  // From the peer's last accepted version 4 heartbeat.
  void peer_has(MaintenanceVersion version);
  // Fills the heartbeat's maintenance fields: the version always, and the
  // next piece while the peer's differs.
  void fill(Heartbeat& hb);
  const MaintenanceVersion& own() const { return own_; }

 private:
  std::string text_;
  MaintenanceVersion own_;
  std::optional<MaintenanceVersion> peer_;
  std::size_t next_piece_ = 0;
};

// The receiving side: the pieces of the peer's state.
class MaintenanceAssembly {
 public:
  // A piece of the state `version`; the whole text once every piece of it
  // has come and it matches the digest. Pieces of another version start
  // over.
  std::optional<std::string> add(MaintenanceVersion version, const MaintenanceChunk& piece);

 private:
  MaintenanceVersion version_;
  std::uint16_t count_ = 0;
  std::vector<std::optional<std::string>> pieces_;
  std::size_t have_ = 0;
};

}  // namespace tandem::failover
