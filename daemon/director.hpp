// The director: the HA engine's shell around the peer state machine. It
// feeds failover::step the events of the link bank, the control socket, the
// signals and the checker, and carries out the returned actions: VIPs and
// announcements here, the IPVS side through the checker process
// (daemon/checker_link.hpp). Everything runs on one io_context thread; it
// holds nothing that grows with the number of real servers.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "config/authkeys.hpp"
#include "config/config.hpp"
#include "daemon/checker_link.hpp"
#include "daemon/config_diff.hpp"
#include "daemon/carrier_monitor.hpp"
#include "daemon/control_server.hpp"
#include "daemon/engine_clock.hpp"
#include "daemon/heartbeat_link.hpp"
#include "daemon/link_bank.hpp"
#include "daemon/loop_lag.hpp"
#include "daemon/event_log.hpp"
#include "daemon/metrics.hpp"
#include "daemon/resource_shell.hpp"
#include "daemon/script_runner.hpp"
#include "daemon/service_notifier.hpp"
#include "daemon/status_report.hpp"
#include "daemon/track_runner.hpp"
#include "ipvs/maintenance.hpp"
#include "failover/address_manager.hpp"
#include "failover/groups.hpp"
#include "failover/maintenance_sync.hpp"
#include "failover/vip_set.hpp"

namespace tandem::daemon {

struct DirectorOptions {
  std::string config_path;
  std::string socket_path;
  std::string hostname;
  ResourceDirs resource_dirs;  // where [[resource]] agents are looked up
  // Where the maintenance state file is kept (beside the checker's
  // ipvs-created); empty: not kept.
  std::string state_dir;
};

// The adapters main() chooses: the real ones, or fakes in tests.
struct DirectorAdapters {
  std::unique_ptr<failover::AddressManager> addresses;
  std::unique_ptr<ServiceNotifier> notifier;
  SpawnChecker spawn_checker;
  ReapChecker reap_checker;
  KillChecker kill_checker;
  MakeLink make_link = make_udp_link();
  // The carrier of the VIP and track interfaces; null: every interface
  // counts as having carrier (rtnetlink could not be opened).
  std::unique_ptr<CarrierSource> carrier;
  CheckerTimings checker_timings = {};
};

class Director {
 public:
  struct Parsed;  // what a reload or plan thread hands back

  // `cfg` as parsed from `config_text` (the file's bytes, which the checker
  // parses for itself).
  Director(boost::asio::io_context& io, DirectorOptions options, config::Config cfg, std::string config_text,
           config::AuthKeys keys, DirectorAdapters adapters);
  ~Director();

  // Starts the checker; once it has programmed the table (or found there is
  // none), opens the control socket and the links and starts the state
  // machine. A failure at once is returned; a later one ends the loop with
  // exit_code() 1.
  std::optional<std::string> start();
  int exit_code() const { return exit_code_; }

 private:
  using Respond = std::function<void(Reply)>;
  // A reload whose new file is being read and parsed off the loop, then
  // checked by the checker.
  struct Reload {
    std::uint64_t id = 0;  // the checker's Configure
    config::Config next;   // without its virtual servers
    failover::GroupsParams params;
    config::AuthKeys keys;
    ConfigDiff diff;
    std::vector<Respond> respond;
  };

  void finish_start(const checker::Configured& c);
  void handle(failover::Event event);
  void apply(const failover::Action& action);
  void arm_timer(failover::TimePoint deadline);
  void send_heartbeats();
  void on_command(Request request, Respond respond);
  void reload(Respond respond);
  void on_reload_parsed(Parsed parsed);
  void on_reload_configured(const checker::Configured& c);
  void finish_reload(Reply reply);
  // tandemctl reload --dry-run, tandemd --check-config --plan: what a
  // reload to `path` (empty: the running file) would change, nothing applied.
  void plan(const std::string& path, Respond respond);
  StatusReport report(bool with_loops) const;
  void update_status();
  // The role of a machine's group now ("" names the one group of the form
  // without [[group]]).
  std::string role_of(const std::string& group) const;
  void notify_role_change(const failover::RoleChanged& change);
  // Why a reload cannot change the resources it changes: a running one
  // removed or changed.
  std::vector<std::string> resources_in_use(const config::Config& next) const;
  // tandemctl drain|disable|enable|connections.
  void maintain(const Request& request, Respond respond);
  // Makes `next` the maintenance state: kept in the file, applied by the
  // checker, announced to the peer. `why` for the log.
  void adopt_maintenance(ipvs::AdminState next, const std::string& why);
  void load_maintenance();
  // The maintenance fields of a heartbeat from the peer.
  void peer_maintenance(const failover::Heartbeat& hb);
  void watch_signals();
  void watchdog_tick();
  // [metrics]: the engine's families and status, to the checker that serves them.
  void publish_tick();
  void fail(const std::string& why);
  void stop_everything();

  boost::asio::io_context& io_;
  DirectorOptions options_;
  failover::GroupsParams params_;
  config::Config cfg_;  // without the virtual servers: the checker has them
  std::unique_ptr<failover::AddressManager> addresses_;
  std::unique_ptr<ServiceNotifier> notifier_;
  ControlServer control_;
  EngineTimer timer_;
  EngineTimer watchdog_timer_;
  EngineTimer publish_timer_;
  EngineCounters counters_;
  EventLog events_;  // role changes, for the status page
  boost::asio::signal_set signals_;
  std::uint64_t generation_;
  failover::GroupsState state_;
  LinkBank links_;
  failover::VipSet vips_;
  CheckerLink checker_;
  std::unique_ptr<CarrierSource> carrier_;
  TrackRunner tracks_;
  ResourceShell resources_;
  NotifyQueue notify_;
  LoopLag lag_;
  IntervalWindow sent_intervals_;
  std::string config_text_;  // until the checker has it
  std::uint64_t start_id_ = 0;

  ipvs::AdminState admin_;
  failover::MaintenanceSender admin_sender_;
  failover::MaintenanceAssembly admin_assembly_;

  std::optional<Reload> reload_;
  std::vector<Respond> reload_waiting_;  // reloads asked for while one runs
  std::thread reload_thread_;
  std::thread plan_thread_;
  bool planning_ = false;

  std::deque<failover::Event> pending_;
  bool processing_ = false;
  bool started_ = false;
  bool ready_sent_ = false;
  bool stopped_ = false;
  int exit_code_ = 0;
  std::optional<Reply> admin_reply_;
  std::string last_status_line_;
};

}  // namespace tandem::daemon
