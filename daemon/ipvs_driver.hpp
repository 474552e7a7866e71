// The checker's IPVS side: it owns the kernel table, the TableKeeper with
// its full reads, the sync daemon's role and the sync pause of a staged
// handover, and the one place where the desired table (and the [ipvs]
// timeouts) are derived and applied. Opened only when virtual servers,
// [sync] or [ipvs] timeouts are configured.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "health/board.hpp"
#include "ipvs/desired.hpp"
#include "ipvs/ipvs_table.hpp"
#include "ipvs/sync_pause.hpp"
#include "ipvs/table_keeper.hpp"

namespace tandem::daemon {

class IpvsDriver {
 public:
  using OpenTable = std::function<std::variant<std::unique_ptr<ipvs::IpvsTable>, std::string>()>;

  // `state_path`: the keeper's record of the services tandem created.
  // `changed` runs after every pass that changed what status shows.
  // `period`: how often the whole kernel table is read back and drift
  // repaired.
  IpvsDriver(boost::asio::io_context& io, std::string state_path, OpenTable open, std::function<void()> changed,
             std::string sync_threshold_path = ipvs::kSyncThresholdPath,
             std::chrono::milliseconds period = std::chrono::seconds(5));
  ~IpvsDriver();

  // Why `next` cannot run: IPVS is wanted and cannot be opened. Opens it
  // the first time it is wanted.
  std::optional<std::string> prepare(const config::Config& next);
  // A restarted checker, before its first configure: marks the real
  // servers the kernel shows quiesced (or removed) as down in `board`, so
  // the restart changes no weight.
  void inherit_health(const config::Config& cfg, health::HealthBoard& board);
  // Runs `cfg` (after prepare) with `board`'s health: the first time with
  // a full read of the kernel table, later against the last pass. Both
  // must outlive the next configure.
  std::optional<std::string> configure(const config::Config& cfg, const health::HealthBoard& board);
  // The health changed: derive and apply the difference, without a read.
  void health_changed(const health::HealthBoard& board);
  // The maintenance modes of the running configuration's real servers
  // (ipvs::admin_modes), used from the next derivation on.
  void set_admin(ipvs::Admin admin) { admin_ = std::move(admin); }
  // The maintenance state changed: derive and apply it with a full read of
  // the kernel table, so the connections `tandemctl drain` counts down
  // from are fresh.
  void admin_changed(const health::HealthBoard& board);
  void set_sync_role(bool master, bool both = false);
  // The staged handover's forwarding of one failover group's virtual
  // servers (empty: all of them): applied when this returns.
  void forward_to_peer(bool on, const std::string& group, const health::HealthBoard& board);
  // At exit: stops the sync daemons this process started.
  void stop_sync();
  void stop();

  const ipvs::TableKeeper* keeper() const { return keeper_.get(); }
  // What configure(next) with `board` and `admin` would do to the table
  // now, one "ipvs: ..." line per operation as the keeper logs them;
  // nothing is applied.
  std::vector<std::string> plan(const config::Config& next, const health::HealthBoard& board,
                                const ipvs::Admin& admin) const;

 private:
  enum class Pass { cached, full };
  ipvs::Table desired(const config::Config& cfg, const health::HealthBoard& board, const ipvs::Admin& admin) const;
  // The one derive-and-apply.
  std::optional<std::string> apply(const health::HealthBoard& board, Pass pass);
  void schedule_reconcile();
  // net.ipv4.vs.expire_nodest_conn = 1 (ipvs/sync_pause.hpp says why),
  // when this namespace has IPVS's sysctls.
  void expire_nodest_conn();

  boost::asio::io_context& io_;
  std::string state_path_;
  OpenTable open_;
  std::function<void()> changed_;
  const config::Config* cfg_ = nullptr;
  const health::HealthBoard* board_ = nullptr;
  std::unique_ptr<ipvs::IpvsTable> table_;
  std::unique_ptr<ipvs::TableKeeper> keeper_;
  boost::asio::steady_timer reconcile_timer_;
  std::chrono::milliseconds period_;
  ipvs::SyncPause sync_pause_;
  std::string sysctl_dir_;  // where sync_threshold is
  bool sync_master_ = false;
  bool sync_both_ = false;
  std::set<std::string> forwarding_;  // groups handing over; "" all
  ipvs::Admin admin_;
  bool stopped_ = false;
};

}  // namespace tandem::daemon
