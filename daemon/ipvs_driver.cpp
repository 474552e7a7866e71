#include "daemon/ipvs_driver.hpp"

#include <filesystem>

#include "daemon/log.hpp"
#include "ipvs/handover_topology.hpp"
#include "ipvs/reconcile.hpp"
#include "ipvs/desired.hpp"

namespace tandem::daemon {

namespace {
bool wants_ipvs(const config::Config& cfg) {
  return !cfg.virtual_servers.empty() || cfg.sync.has_value() || !cfg.ipvs.empty();
}
void log_sink(int priority, const std::string& message) { log(priority, message); }
}  // namespace

IpvsDriver::IpvsDriver(boost::asio::io_context& io, std::string state_path, OpenTable open,
                       std::function<void()> changed, std::string sync_threshold_path,
                       std::chrono::milliseconds period)
    : io_(io),
      state_path_(std::move(state_path)),
      open_(std::move(open)),
      changed_(std::move(changed)),
      reconcile_timer_(io),
      period_(period),
      sync_pause_(sync_threshold_path),
      sysctl_dir_(std::filesystem::path(sync_threshold_path).parent_path().string()) {}

IpvsDriver::~IpvsDriver() { stop(); }

std::optional<std::string> IpvsDriver::prepare(const config::Config& next) {
  if (!wants_ipvs(next) || table_) return std::nullopt;
  auto opened = open_();
  if (auto* err = std::get_if<std::string>(&opened)) return *err;
  table_ = std::move(std::get<std::unique_ptr<ipvs::IpvsTable>>(opened));
  return std::nullopt;
}

void IpvsDriver::inherit_health(const config::Config& cfg, health::HealthBoard& board) {
  if (!table_ || !forwarding_.empty()) return;
  auto kernel = table_->dump();
  if (auto* err = std::get_if<std::string>(&kernel)) {
    log(log_warning, "ipvs: could not read the kernel table to keep its weights: " + *err);
    return;
  }
  board.assume_down(ipvs::health_in_kernel(cfg.virtual_servers, std::get<ipvs::Table>(kernel)));
  if (auto down = board.entries().size() - board.healthy_count())
    log(log_notice, std::to_string(down) + " real server(s) quiesced in the kernel start down");
}

std::optional<std::string> IpvsDriver::configure(const config::Config& cfg, const health::HealthBoard& board) {
  cfg_ = &cfg;
  board_ = &board;
  if (!wants_ipvs(cfg) && !keeper_) return std::nullopt;
  if (!table_) return "IPVS: the table is not open";
  const bool fresh = !keeper_;
  if (fresh) {
    expire_nodest_conn();
    if (cfg.sync) {
      std::string error;
      if (sync_pause_.recover_leftover(&error))
        log(log_notice, "ipvs: the sync threshold was left paused by an earlier run; set back to " +
                            std::string(ipvs::kDefaultThreshold));
      else if (!error.empty())
        log(log_warning, "ipvs: " + error);
    }
    keeper_ = std::make_unique<ipvs::TableKeeper>(*table_, state_path_, log_sink);
  }
  auto err = apply(board, fresh ? Pass::full : Pass::cached);
  // The periodic full pass keeps its cadence across reloads: reloads more
  // frequent than the period must not postpone drift repair for ever.
  if (fresh) schedule_reconcile();
  // At start the state machine sets the role; a reload re-applies it with
  // the new [sync] settings.
  if (!fresh) set_sync_role(sync_master_, sync_both_);
  return err;
}

ipvs::Table IpvsDriver::desired(const config::Config& cfg, const health::HealthBoard& board,
                                const ipvs::Admin& admin) const {
  return ipvs::desired_table(cfg.virtual_servers, board.healthy(),
                             forwarding_.empty()     ? ipvs::Handover{}
                             : forwarding_.count("") ? ipvs::handover_targets(cfg)
                                                     : ipvs::handover_targets(cfg, &forwarding_),
                             admin);
}

std::vector<std::string> IpvsDriver::plan(const config::Config& next, const health::HealthBoard& board,
                                          const ipvs::Admin& admin) const {
  std::vector<std::string> out;
  if (!keeper_) {
    if (wants_ipvs(next))
      out.push_back("ipvs: the kernel table would be opened, read and programmed (" +
                    std::to_string(next.virtual_servers.size()) + " virtual server(s))");
    return out;
  }
  if (const auto& have = keeper_->observed_timeouts())
    if (const auto set = ipvs::reconcile_timeouts(ipvs::timeouts_of(next.ipvs), *have))
      out.push_back("ipvs: " + ipvs::describe_timeouts_set(*set, *have));
  for (const auto& op : ipvs::reconcile(desired(next, board, admin), keeper_->observed(), keeper_->created()))
    out.push_back("ipvs: " + ipvs::describe(op));
  return out;
}

std::optional<std::string> IpvsDriver::apply(const health::HealthBoard& board, Pass pass) {
  if (!keeper_ || !cfg_) return std::nullopt;
  keeper_->set_desired(desired(*cfg_, board, admin_));
  keeper_->set_desired_timeouts(ipvs::timeouts_of(cfg_->ipvs));
  std::optional<std::string> err;
  if (pass == Pass::full) {
    if (auto e = keeper_->reconcile_full()) err = "IPVS: " + *e;
  } else {
    keeper_->reconcile_cached();
  }
  if (changed_) changed_();
  return err;
}

void IpvsDriver::health_changed(const health::HealthBoard& board) {
  board_ = &board;
  apply(board, Pass::cached);
}

void IpvsDriver::admin_changed(const health::HealthBoard& board) {
  board_ = &board;
  if (auto err = apply(board, Pass::full)) log(log_err, *err);
}

void IpvsDriver::expire_nodest_conn() {
  std::error_code ec;
  if (sysctl_dir_.empty() || !std::filesystem::is_directory(sysctl_dir_, ec)) return;  // no IPVS here (in-memory table)
  const auto r = ipvs::set_sysctl(sysctl_dir_ + "/" + ipvs::kExpireNodestConn, "1");
  if (r.error)
    log(log_warning, "ipvs: could not set expire_nodest_conn to 1: " + *r.error +
                         "; a client reusing a port may get a quiesced real server");
  else if (r.changed)
    log(log_info, "ipvs: expire_nodest_conn " + r.was +
                      " -> 1: a new connection never follows an old entry to a quiesced or removed real server");
}

void IpvsDriver::schedule_reconcile() {
  if (!keeper_ || stopped_) return;
  reconcile_timer_.expires_after(period_);
  reconcile_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_ || !board_) return;
    if (auto err = apply(*board_, Pass::full)) log(log_err, *err);
    schedule_reconcile();
  });
}

void IpvsDriver::set_sync_role(bool master, bool both) {
  sync_master_ = master;
  sync_both_ = both;
  if (!keeper_ || !cfg_) return;
  std::optional<ipvs::SyncDaemon> settings;
  if (cfg_->sync) settings = ipvs::sync_daemon_of(*cfg_->sync);
  if (auto err = keeper_->set_sync(settings, master, both)) log(log_err, "IPVS " + *err);
}

// With [sync], the sync daemon's copies of new connections pause while
// forwarding (ipvs/sync_pause.hpp): their entries here name the peer.
void IpvsDriver::forward_to_peer(bool on, const std::string& group, const health::HealthBoard& board) {
  const bool was = !forwarding_.empty();
  if (on)
    forwarding_.insert(group);
  else
    forwarding_.erase(group);
  if (!was && on && cfg_ && cfg_->sync) {
    if (auto err = sync_pause_.pause()) log(log_warning, "ipvs: could not pause the sync of new connections: " + *err);
  }
  apply(board, Pass::cached);
  if (was && forwarding_.empty()) {
    if (auto err = sync_pause_.resume()) log(log_err, "ipvs: could not restore the sync threshold: " + *err);
  }
  const std::string of = group.empty() ? "" : " of group " + group;
  if (cfg_)
    log(log_info, on ? "ipvs: new connections of direct-routing services" + of + " go to " + cfg_->cluster.peer
                     : "ipvs: new connections" + of + " go to the real servers again");
}

void IpvsDriver::stop_sync() {
  if (keeper_) keeper_->stop_sync();
}

void IpvsDriver::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  reconcile_timer_.cancel(ec);
}

}  // namespace tandem::daemon
