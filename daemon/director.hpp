// The director: the thin shell around the peer state machine. It owns the
// heartbeat links, the control socket, the address manager and the service
// notifier, feeds events to failover::step and carries out its actions.
// Everything runs on one io_context thread; there are no locks.
#pragma once
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/authkeys.hpp"
#include "config/config.hpp"
#include "daemon/control_server.hpp"
#include "daemon/health_checker.hpp"
#include "daemon/heartbeat_link.hpp"
#include "daemon/service_notifier.hpp"
#include "daemon/status_report.hpp"
#include "failover/address_manager.hpp"
#include "failover/heartbeat_codec.hpp"
#include "failover/peer_state.hpp"
#include "ipvs/sync_pause.hpp"
#include "failover/vip_set.hpp"
#include "ipvs/ipvs_table.hpp"
#include "ipvs/table_keeper.hpp"

namespace tandem::daemon {

struct DirectorOptions {
  std::string config_path;
  std::string socket_path;
  std::string hostname;
};

class Director {
 public:
  Director(boost::asio::io_context& io, DirectorOptions options, config::Config cfg, config::AuthKeys keys,
           std::unique_ptr<failover::AddressManager> addresses, std::unique_ptr<ServiceNotifier> notifier);
  ~Director();

  // Opens the control socket and the links and starts the state machine.
  // A control socket failure is fatal (returned); a link that cannot be
  // opened yet is retried every interval.
  std::optional<std::string> start();
  int exit_code() const { return exit_code_; }

 private:
  struct LinkSlot {
    std::shared_ptr<HeartbeatLink> link;
    failover::HeartbeatReceiver receiver;
    bool local_up = true;
    bool send_failing = false;
    bool open_failing = false;
    // Rejections are logged at warning at most once a minute per reason.
    std::array<std::optional<failover::TimePoint>, failover::reject_reason_count> warned_at{};
    std::array<std::uint64_t, failover::reject_reason_count> unreported{};
  };

  void handle(failover::Event event);
  void apply(const failover::Action& action);
  void arm_timer(failover::TimePoint deadline);
  void send_heartbeats();
  void open_link(LinkSlot& slot, std::size_t index);
  void on_packet(std::size_t index, std::span<const std::uint8_t> packet);
  Reply on_command(Command command);
  Reply reload();
  StatusReport report() const;
  void update_status();
  void watch_signals();
  void watchdog_tick();
  void stop_everything();
  // IPVS: opened only when virtual servers or [sync] are configured.
  std::optional<std::string> configure_ipvs();
  void reconcile_ipvs();
  void schedule_reconcile();
  void apply_sync_role();
  void forward_to_peer(bool on);
  // The healthy set changed: re-derive the table, apply the difference.
  void on_health_changed();
  ipvs::Table desired_ipvs() const;
  HeartbeatCounters counters() const;
  std::unique_ptr<LinkSlot> make_slot(const config::Link& link);

  boost::asio::io_context& io_;
  DirectorOptions options_;
  config::Config cfg_;
  config::AuthKeys keys_;
  std::unique_ptr<failover::AddressManager> addresses_;
  std::unique_ptr<ServiceNotifier> notifier_;
  ControlServer control_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::signal_set signals_;

  std::uint64_t generation_;
  std::uint64_t sequence_ = 0;
  failover::PeerState state_;
  std::vector<std::unique_ptr<LinkSlot>> links_;
  failover::VipSet vips_;
  std::unique_ptr<ipvs::IpvsTable> ipvs_table_;
  std::unique_ptr<ipvs::TableKeeper> keeper_;
  boost::asio::steady_timer reconcile_timer_;
  std::unique_ptr<HealthChecker> health_;
  bool health_apply_pending_ = false;
  bool sync_master_ = false;
  bool forwarding_to_peer_ = false;  // staged handover: failover::ForwardToPeer
  ipvs::SyncPause sync_pause_;       // ... with [sync]: new connections not synced meanwhile
  HeartbeatCounters retired_;   // counts of links closed by reloads
  std::uint64_t sent_ = 0;
  std::uint64_t send_errors_ = 0;

  std::deque<failover::Event> pending_;
  bool processing_ = false;
  bool ready_sent_ = false;
  bool stopped_ = false;
  int exit_code_ = 0;
  std::optional<Reply> admin_reply_;
  std::string last_status_line_;
};

}  // namespace tandem::daemon
