// Pausing the sync daemon's copies of new connections during a staged
// handover (tandemd(8), "Planned switchover").
//
// While the active director forwards its new connections to the peer, its
// own IPVS entry for each of them names the peer as the destination. The
// sync daemon would copy that entry to the peer, and the kernel there
// replaces its own entry (which names the real server) by any synced
// active entry with another destination, so the peer would then deliver
// the connection to itself and reset it. Raising the sync threshold out of
// reach for the stage keeps those entries home: a connection is then
// synced only when it changes state to one that is not active, which the
// receiver ignores for a connection it already has with another
// destination. The connections synced before the stage are unaffected.
#pragma once
#include <optional>
#include <string>

namespace tandem::ipvs {

// net.ipv4.vs.sync_threshold of this network namespace.
inline constexpr const char* kSyncThresholdPath = "/proc/sys/net/ipv4/vs/sync_threshold";
// What it is set to during the stage: no packet count reaches the
// threshold, and a period of 0 turns the periodic re-sync off.
inline constexpr const char* kPausedThreshold = "2147483647 0";
// The kernel's default, restored at start when a crashed run left the
// paused value behind.
inline constexpr const char* kDefaultThreshold = "3 50";

// net.ipv4.vs.expire_nodest_conn, beside sync_threshold. tandemd sets it
// to 1 (tandemd(8), "Connection entries"): a new connection (a SYN) whose
// client port matches an entry the table still holds toward a real server
// of weight 0 is then scheduled afresh instead of following the old entry,
// and the entries toward a removed destination are expired soon after its
// removal instead of blackholing their packets. Without it, a client that
// reuses a port gets a quiesced real server (no answer), or, during a
// staged handover, its new connection scheduled to the old holder's own
// real server instead of the peer, with the sync of new connections
// paused: the peer then resets it once the client follows the
// announcement.
inline constexpr const char* kExpireNodestConn = "expire_nodest_conn";

// Writes `value` to the sysctl file `path` unless it already reads so
// (words compared as in is_paused_threshold). `changed` tells whether it
// wrote, `was` what it read; `error` is set when either failed.
struct SysctlSet {
  bool changed = false;
  std::string was;
  std::optional<std::string> error;
};
SysctlSet set_sysctl(const std::string& path, const std::string& value);

// Whether a sysctl value ("2147483647\t0\n") is the paused one.
bool is_paused_threshold(const std::string& text);

class SyncPause {
 public:
  explicit SyncPause(std::string path = kSyncThresholdPath) : path_(std::move(path)) {}

  // Saves the current value and writes the paused one. Error text, or
  // nullopt (also when already paused by this object).
  std::optional<std::string> pause();
  // Writes the saved value back (nothing when not paused).
  std::optional<std::string> resume();
  bool paused() const { return saved_.has_value(); }
  // At start: a paused value left by an earlier run is set back to the
  // kernel's default. True when it did so.
  bool recover_leftover(std::string* error = nullptr);

 private:
  std::optional<std::string> read(std::string& out) const;
  std::optional<std::string> write(const std::string& value) const;

  std::string path_;
  std::optional<std::string> saved_;
};

}  // namespace tandem::ipvs
