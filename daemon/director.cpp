#include "daemon/director.hpp"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/log.hpp"
#include "daemon/status_page.hpp"
#include "daemon/realtime.hpp"
#include "ipvs/handover_topology.hpp"

namespace tandem::daemon {
namespace asio = boost::asio;
using Clock = EngineClock;

namespace {

std::uint64_t new_generation() {
  // The start time in nanoseconds: it changes every start and grows across
  // restarts (docs/heartbeat-format.md, "Replay protection").
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

std::string join(const config::Diagnostics& ds, const char* severity) {
  std::string out;
  for (const auto& d : ds) out += d.format(severity) + "\n";
  return out;
}

// The engine keeps what the state machine and status need; the virtual
// servers (2,000 of them, with every real server) live in the checker.
config::Config without_virtual_servers(config::Config cfg) {
  cfg.virtual_servers.clear();
  cfg.virtual_servers.shrink_to_fit();
  return cfg;
}

std::vector<std::string> vip_interfaces(const config::Config& cfg) {
  std::vector<std::string> out;
  for (const auto& v : cfg.vips) out.push_back(v.interface);
  return out;
}

// ", group(s) added: db; removed: mail; changed: web"
std::string groups_summary(const ConfigDiff& d) {
  std::string out;
  auto list = [&](const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    out += std::string(out.empty() ? ", group(s) " : "; ") + what + ": ";
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  };
  list("added", d.groups_added);
  list("removed", d.groups_removed);
  list("changed", d.groups_changed);
  return out;
}

// The checker answers pings every 250 ms; the watchdog is fed only while
// it answered within this (longer than the stall bounds of CheckerLink, so
// a checker being replaced does not stop it).
constexpr auto checker_answer_window = std::chrono::seconds(45);

}  // namespace

// What the reload thread read and parsed.
struct Director::Parsed {
  std::string text;
  config::ConfigResult config;
  std::optional<config::AuthKeysResult> keys;
  failover::GroupsParams params;
};

namespace {

// Reads and parses `path` (on a reload or plan thread).
void parse_file(Director::Parsed& p, const std::string& path, const std::string& hostname) {
  auto loaded = config::load_config_text(path, {hostname});
  p.text = std::move(loaded.text);
  p.config = std::move(loaded.result);
  if (p.config.config) {
    p.keys = config::load_authkeys(p.config.config->cluster.authkeys);
    p.params = failover::GroupsParams::from(*p.config.config, ipvs::handover_forward_stages(*p.config.config));
    // Freed here, not on the engine's loop (thousands of objects).
    *p.config.config = without_virtual_servers(std::move(*p.config.config));
  }
}

// The engine's part of a reload, one line each: what the log says when it
// is applied and what tandemctl reload --dry-run prints.
std::vector<std::string> reload_lines(const ConfigDiff& d, const config::Config& next, bool tracks_changed) {
  std::vector<std::string> out;
  for (const auto& v : d.vips_added) out.push_back("reload: VIP " + v.address.str() + " on " + v.interface + " added");
  for (const auto& v : d.vips_removed)
    out.push_back("reload: VIP " + v.address.str() + " on " + v.interface + " removed");
  for (std::size_t i = 0; i < next.links.size(); ++i)
    if (i >= d.links_kept.size() || !d.links_kept[i]) out.push_back("reload: link " + next.links[i].name + " opened");
  for (const auto& name : d.links_closed) out.push_back("reload: link " + name + " closed");
  for (const auto& g : d.groups_added) out.push_back("reload: group " + g + " added");
  for (const auto& g : d.groups_removed) out.push_back("reload: group " + g + " removed");
  for (const auto& g : d.groups_changed) out.push_back("reload: group " + g + " changed");
  if (d.election_changed) out.push_back("reload: timing/election settings changed");
  if (d.realtime_changed) out.push_back("reload: scheduling/memory locking changed");
  if (d.authkeys_path_changed) out.push_back("reload: authkeys file changed");
  if (tracks_changed) out.push_back("reload: tracks changed");
  return out;
}

}  // namespace

Director::Director(asio::io_context& io, DirectorOptions options, config::Config cfg, std::string config_text,
                   config::AuthKeys keys, DirectorAdapters adapters)
    : io_(io),
      options_(std::move(options)),
      params_(failover::GroupsParams::from(cfg, ipvs::handover_forward_stages(cfg))),
      cfg_(without_virtual_servers(std::move(cfg))),
      addresses_(std::move(adapters.addresses)),
      notifier_(std::move(adapters.notifier)),
      control_(io, options_.socket_path, [this](Request c, Respond r) { on_command(std::move(c), std::move(r)); }),
      timer_(io),
      watchdog_timer_(io),
      publish_timer_(io),
      signals_(io, SIGTERM, SIGINT, SIGHUP),
      generation_(new_generation()),
      links_(io, cfg_, generation_, [this](failover::Event e) { handle(std::move(e)); }, std::move(adapters.make_link)),
      vips_(*addresses_, cfg_.vips, [](int priority, const std::string& message) { log(priority, message); }),
      checker_(io, std::move(adapters.spawn_checker), std::move(adapters.reap_checker),
               std::move(adapters.kill_checker),
               CheckerLink::Events{[this](const checker::Configured& c) {
                                     if (!started_ && c.id == start_id_)
                                       finish_start(c);
                                     else if (reload_ && c.id == reload_->id)
                                       on_reload_configured(c);
                                   },
                                   [this](bool on, const std::string& group) {
                                     handle(failover::ForwardApplied{on, group});
                                   }},
               adapters.checker_timings),
      carrier_(std::move(adapters.carrier)),
      tracks_(io, carrier_.get(), [this](const failover::Fitness& f) { handle(failover::FitnessChanged{f}); }),
      resources_(io, options_.resource_dirs, [this](failover::Event e) { handle(std::move(e)); },
                 [](int priority, const std::string& message) { log(priority, message); }),
      notify_(io, [](int priority, std::string message) { log(priority, message); }),
      lag_(io),
      config_text_(std::move(config_text)) {
  links_.set_keys(std::move(keys));
  state_ = failover::initial_groups(params_, Clock::now());
  tracks_.configure(cfg_.tracks, vip_interfaces(cfg_));
  for (auto& g : state_.groups) g.own = tracks_.fitness();
  resources_.configure(cfg_);
  load_maintenance();
}

Director::~Director() {
  stop_everything();
  if (reload_thread_.joinable()) reload_thread_.join();
  if (plan_thread_.joinable()) plan_thread_.join();
}

std::optional<std::string> Director::start() {
  // Both directors check the real servers and program the IPVS table (hot
  // standby) before anything else: the checker does, and says when.
  auto id = checker_.start(options_.config_path, std::move(config_text_));
  config_text_.clear();
  if (auto* err = std::get_if<std::string>(&id)) return *err;
  start_id_ = std::get<std::uint64_t>(id);
  lag_.start();
  watch_signals();
  return std::nullopt;
}

void Director::finish_start(const checker::Configured& c) {
  if (!c.ok) return fail(c.message);
  if (auto err = control_.start()) return fail(*err);
  started_ = true;
  links_.open_all();
  if (auto interval = notifier_->watchdog_interval()) {
    log(log_info, "watchdog enabled: pinging every " + std::to_string(interval->count() / 2000) + "ms");
    watchdog_tick();
  }
  publish_tick();
  log(log_notice, "tandemd started: node " + cfg_.node.name + ", config " + options_.config_path + ", " +
                      std::to_string(cfg_.links.size()) + " link(s), " + std::to_string(cfg_.vips.size()) +
                      " VIP(s), generation " + std::to_string(generation_));
  handle(failover::Start{});
}

void Director::fail(const std::string& why) {
  log(log_err, why);
  exit_code_ = 1;
  stop_everything();
}

void Director::handle(failover::Event event) {
  if (stopped_ || !started_) return;
  pending_.push_back(std::move(event));
  if (processing_) return;
  processing_ = true;
  failover::TimePoint deadline = Clock::now();
  while (!pending_.empty() && !stopped_) {
    failover::Event ev = std::move(pending_.front());
    pending_.pop_front();
    if (const auto* in = std::get_if<failover::HeartbeatIn>(&ev)) peer_maintenance(in->heartbeat);
    failover::GroupsStep st = failover::step_groups(std::move(state_), ev, Clock::now());
    state_ = std::move(st.state);
    deadline = st.deadline;
    for (const auto& a : st.actions) {
      if (stopped_) break;
      apply(a);
    }
  }
  processing_ = false;
  if (stopped_) return;
  arm_timer(deadline);
  update_status();
}

void Director::arm_timer(failover::TimePoint deadline) {
  timer_.expires_at(deadline);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    // Whatever waits in the sockets counts before a deadline is judged: a
    // busy moment of ours does not make the peer look dead.
    for (auto& e : links_.drain()) handle(std::move(e));
    handle(failover::Tick{});
  });
}

void Director::apply(const failover::Action& action) {
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, failover::RemoveStaleVips>) {
          vips_.remove_stale(a.vips);
        } else if constexpr (std::is_same_v<A, failover::AcquireVips>) {
          if (auto err = vips_.acquire(a.vips)) pending_.push_back(failover::AcquireFailed{*err, a.group});
        } else if constexpr (std::is_same_v<A, failover::ReleaseVips>) {
          vips_.release(a.vips);
        } else if constexpr (std::is_same_v<A, failover::AnnounceVips>) {
          vips_.announce(a.vips);
        } else if constexpr (std::is_same_v<A, failover::SendHeartbeat>) {
          send_heartbeats();
        } else if constexpr (std::is_same_v<A, failover::SetSyncRole>) {
          checker_.set_sync(a.master, a.both);
        } else if constexpr (std::is_same_v<A, failover::ForwardToPeer>) {
          // Asynchronous: the stage starts from ForwardApplied.
          checker_.forward(a.on, a.group);
        } else if constexpr (std::is_same_v<A, failover::Log>) {
          log(a.priority, a.message);
        } else if constexpr (std::is_same_v<A, failover::StartResource>) {
          resources_.start(a, role_of(a.group), cfg_.cluster.peer);
        } else if constexpr (std::is_same_v<A, failover::StopResource>) {
          resources_.stop(a, role_of(a.group), cfg_.cluster.peer);
        } else if constexpr (std::is_same_v<A, failover::CheckResources>) {
          resources_.check(a, cfg_.cluster.peer);
        } else if constexpr (std::is_same_v<A, failover::RoleChanged>) {
          ++counters_.role_changes[a.group.empty() ? "default" : a.group];
          events_.push(PageEvent{std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count(),
                                 "role",
                                 (a.group.empty() ? std::string() : "group " + a.group + ": ") +
                                     std::string(failover::to_string(a.from)) + " -> " +
                                     std::string(failover::to_string(a.to)) + ": " + a.reason});
          notify_role_change(a);
          if (!ready_sent_ && a.to != failover::Role::init) {
            ready_sent_ = true;
            update_status();
            notifier_->ready();
          }
        } else if constexpr (std::is_same_v<A, failover::AdminReply>) {
          admin_reply_ = Reply{a.ok, a.message};
        } else if constexpr (std::is_same_v<A, failover::Exit>) {
          log(log_notice, "stopped");
          stop_everything();
        }
      },
      action);
}

std::string Director::role_of(const std::string& group) const {
  for (const auto& g : state_.groups)
    if (g.params.group == group) return std::string(failover::to_string(g.role));
  return "init";
}

// [notify]: the hook sees every role change, in order (NotifyQueue).
void Director::notify_role_change(const failover::RoleChanged& change) {
  if (!cfg_.notify) return;
  const std::string to(failover::to_string(change.to));
  const std::string from(failover::to_string(change.from));
  ScriptJob job;
  job.argv = notify_argv(cfg_.notify->command, to, from, change.reason);
  job.env = notify_env(to, from, change.reason, change.group.empty() ? "default" : change.group, cfg_.cluster.peer);
  job.timeout = cfg_.notify->timeout;
  notify_.push(std::move(job));
}

std::vector<std::string> Director::resources_in_use(const config::Config& next) const {
  std::vector<std::string> out;
  for (const auto& g : state_.groups) {
    const std::string name = failover::GroupsState::name_of(g);
    const config::Group* old_group = nullptr;
    for (const auto& c : cfg_.groups)
      if (c.name == name) old_group = &c;
    const config::Group* new_group = nullptr;
    for (const auto& c : next.groups)
      if (c.name == name) new_group = &c;
    if (!old_group) continue;
    for (std::size_t i = 0; i < g.resources.size() && i < old_group->resources.size(); ++i) {
      const auto st = g.resources[i].state;
      if (st == failover::ResourceState::stopped || st == failover::ResourceState::failed) continue;
      const config::Resource& r = old_group->resources[i];
      bool kept = false;
      if (new_group)
        for (const auto& n : new_group->resources) kept = kept || n == r;
      if (!kept)
        out.push_back("resource " + r.name + " of group " + name + " is " + std::string(failover::to_string(st)) +
                      " here; hand its group over (tandemctl standby " + name +
                      ") before removing or changing it");
    }
  }
  return out;
}

void Director::send_heartbeats() {
  sent_intervals_.event(Clock::now());
  failover::Heartbeat hb;
  hb.node = cfg_.node.name;
  hb.generation = generation_;
  hb.priority = static_cast<std::uint16_t>(cfg_.node.priority);
  // A peer that speaks an older version is answered in it (version 1: no
  // fitness; versions 1 and 2: no groups and no configuration digest).
  hb.version = links_.peer_version();
  state_.fill(hb);
  if (hb.version >= 4) admin_sender_.fill(hb);
  for (auto& e : links_.send(std::move(hb))) pending_.push_back(std::move(e));
}

StatusReport Director::report(bool with_loops) const {
  const auto now = Clock::now();
  const auto wall = std::chrono::system_clock::now();
  StatusReport r = make_report(state_.node(), cfg_, vips_.held(), links_.counters(), generation_,
                               links_.peer_generation(), now, wall);
  add_groups(r, state_, cfg_, vips_.held(), now, wall);
  if (const auto& snap = checker_.snapshot()) {
    r.reals = snap->reals;
    r.reals_healthy = snap->reals_healthy;
    // The status line needs only the counts; a status reply gets the
    // checker's rendered part by reference.
    if (with_loops) r.checker_section = CheckerSection{snap, snap->text, snap->json};
    if (snap->dump_at_ns) {
      const auto at = Clock::time_point(std::chrono::nanoseconds(snap->dump_at_ns));
      r.ipvs_age_ms = std::chrono::duration<double, std::milli>(now - at).count();
    }
  }
  if (with_loops) {
    // The tracks' lines only for a status reply, not for every status line.
    add_tracks(r, tracks_.tracks(), tracks_.states(), now, wall);
    EngineStatus e;
    e.loop_lag = lag_.summary();
    e.heartbeat_interval = sent_intervals_.summary(now);
    e.interval_ms = double(cfg_.cluster.interval.count());
    CheckerStatus c;
    c.pid = checker_.pid();
    c.restarts = checker_.restarts();
    c.last_exit = checker_.last_exit();
    if (auto since = checker_.since_answer()) c.answered_ms = std::chrono::duration<double, std::milli>(*since).count();
    c.loop_lag = checker_.loop_lag();
    if (auto at = checker_.snapshot_at()) c.snapshot_age_ms = std::chrono::duration<double, std::milli>(now - *at).count();
    add_loops(r, e, c, double(cfg_.cluster.warntime.count()));
  }
  return r;
}

void Director::update_status() {
  std::string line = status_line(report(false));
  if (line == last_status_line_) return;
  last_status_line_ = line;
  notifier_->status(line);
}

void Director::on_command(Request request, Respond respond) {
  const Command command = request.command;
  switch (command) {
    case Command::status:
    case Command::status_json: {
      // Served from the engine's state and the checker's last snapshot:
      // nothing here reads the kernel or waits for the checker.
      StatusReport r = report(true);
      return respond(Reply{true, command == Command::status ? render_text(r) : render_json(r)});
    }
    case Command::standby:
    case Command::takeover: {
      admin_reply_.reset();
      if (command == Command::standby)
        handle(failover::AdminStandby{request.group});
      else
        handle(failover::AdminTakeover{request.group});
      Reply r = admin_reply_.value_or(Reply{false, "no answer from the state machine"});
      log(log_notice, "control: " + request_line(request) + ": " + r.body);
      if (r.ok) r.body += "\n";
      return respond(r);
    }
    case Command::reload: return reload(std::move(respond));
    case Command::plan: return plan(request.path, std::move(respond));
    case Command::drain:
    case Command::disable:
    case Command::enable:
    case Command::connections: return maintain(request, std::move(respond));
  }
  respond(Reply{false, "unknown command"});
}

// A reload reads and parses the file on a thread, checks what would change
// here, then lets the checker parse and apply its part (health checks,
// IPVS); only when it has does the engine apply its own (links, VIPs, keys,
// timings), which cannot fail. Until then the running configuration stays
// in force everywhere.
void Director::reload(Respond respond) {
  if (reload_) {
    // One at a time; a reload asked for meanwhile runs after this one, so
    // it sees the file as it is then.
    reload_waiting_.push_back(std::move(respond));
    return;
  }
  notifier_->reloading();
  log(log_notice, "reloading " + options_.config_path);
  reload_.emplace();
  reload_->respond.push_back(std::move(respond));
  // The last reload's thread ended long ago (it posted its result, which
  // was handled): joined here, not when it posted, where the engine (at
  // real-time priority) would wait for a normal-priority thread to be
  // scheduled again.
  if (reload_thread_.joinable()) reload_thread_.join();
  reload_thread_ = std::thread([this, path = options_.config_path, hostname = options_.hostname] {
    run_at_normal_priority();
    Parsed p;
    parse_file(p, path, hostname);
    asio::post(io_, [this, p = std::move(p)]() mutable { on_reload_parsed(std::move(p)); });
  });
}

void Director::on_reload_parsed(Parsed p) {
  if (stopped_) return;
  for (const auto& w : p.config.warnings) log(log_warning, w.format("warning"));
  auto refuse = [&](const std::string& why) {
    log(log_err, "reload rejected; keeping the running configuration");
    finish_reload(Reply{false, "reload rejected, keeping the running configuration:\n" + why});
  };
  if (!p.config.config) {
    for (const auto& e : p.config.errors) log(log_err, e.format());
    return refuse(join(p.config.errors, "error"));
  }
  for (const auto& w : p.keys->warnings) log(log_warning, w.format("warning"));
  if (!p.keys->keys) {
    for (const auto& e : p.keys->errors) log(log_err, e.format());
    return refuse(join(p.keys->errors, "error"));
  }
  reload_->next = std::move(*p.config.config);  // its virtual servers went on the thread
  reload_->params = std::move(p.params);
  reload_->keys = std::move(*p.keys->keys);
  reload_->diff = diff_config(cfg_, reload_->next);
  for (auto& why : resources_in_use(reload_->next)) reload_->diff.refused.push_back(std::move(why));
  if (!reload_->diff.refused.empty()) {
    std::string why;
    for (const auto& r : reload_->diff.refused) {
      log(log_err, "reload rejected: " + r);
      why += r + "\n";
    }
    return refuse(why);
  }
  reload_->id = checker_.configure(std::move(p.text));
}

void Director::on_reload_configured(const checker::Configured& c) {
  if (!c.ok) {
    std::string why = c.message;
    std::istringstream lines(why);
    for (std::string line; std::getline(lines, line);) log(log_err, "reload rejected: " + line);
    finish_reload(Reply{false, "reload rejected, keeping the running configuration:\n" + why + "\n"});
    return;
  }
  Reload& rl = *reload_;
  const bool tracks_changed = rl.next.tracks != cfg_.tracks;
  for (const auto& line : reload_lines(rl.diff, rl.next, tracks_changed)) log(log_info, line);
  apply_realtime(rl.next.node, &cfg_.node);
  cfg_ = std::move(rl.next);
  params_ = std::move(rl.params);
  const std::size_t opened = links_.reconfigure(cfg_, rl.diff.links_kept);
  // The state machine releases removed VIPs and adds new ones.
  vips_.reconfigure(cfg_.vips);
  links_.set_keys(std::move(rl.keys));
  resources_.configure(cfg_);
  handle(failover::ReconfigureGroups{std::make_shared<const failover::GroupsParams>(params_)});
  tracks_.configure(cfg_.tracks, vip_interfaces(cfg_));
  handle(failover::FitnessChanged{tracks_.fitness()});
  const ConfigDiff& diff = rl.diff;
  std::string summary = std::to_string(diff.vips_added.size()) + " VIP(s) added, " +
                        std::to_string(diff.vips_removed.size()) + " removed, " + std::to_string(opened) +
                        " link(s) opened, " + std::to_string(diff.links_closed.size()) + " closed" +
                        (diff.election_changed ? ", timing/election settings changed" : "") +
                        (diff.realtime_changed ? ", scheduling/memory locking changed" : "") +
                        (tracks_changed ? ", tracks changed" : "") + groups_summary(diff);
  log(log_notice, "reloaded " + options_.config_path + ": " + summary);
  update_status();
  finish_reload(Reply{true, "reloaded: " + summary + "\n"});
}

void Director::finish_reload(Reply reply) {
  auto respond = std::move(reload_->respond);
  reload_.reset();
  notifier_->ready();
  for (auto& r : respond) r(reply);
  if (!reload_waiting_.empty() && !stopped_) {
    auto waiting = std::move(reload_waiting_);
    reload_waiting_.clear();
    reload(std::move(waiting.front()));
    for (std::size_t i = 1; i < waiting.size(); ++i) reload_->respond.push_back(std::move(waiting[i]));
  }
}

// ---- real server maintenance (ipvs/maintenance.hpp) ----

namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string counts_line(const checker::Resolved& r) {
  return "active " + std::to_string(r.active) + " inactive " + std::to_string(r.inactive) + " persistent " +
         std::to_string(r.persistent) + " weight " + std::to_string(r.in_kernel ? r.weight : -1) + " age_ms " +
         std::to_string(r.age_ms);
}

}  // namespace

void Director::load_maintenance() {
  std::string text;
  if (!options_.state_dir.empty()) {
    const auto path = std::filesystem::path(options_.state_dir) / "maintenance";
    std::ifstream in(path);
    if (in) {
      std::ostringstream all;
      all << in.rdbuf();
      auto parsed = ipvs::parse_admin_state(all.str());
      if (auto* why = std::get_if<std::string>(&parsed)) {
        log(log_err, path.string() + ": " + *why + "; starting with every real server in service");
      } else {
        admin_ = std::move(std::get<ipvs::AdminState>(parsed));
        if (ipvs::admin_count(admin_))
          log(log_notice, "maintenance: " + std::to_string(ipvs::admin_count(admin_)) + " real server(s) kept from " +
                              path.string());
      }
    }
  }
  text = ipvs::format_admin_state(admin_);
  admin_sender_.set_own(text, {static_cast<std::uint64_t>(admin_.stamp_ms), ipvs::admin_digest(admin_)});
  checker_.set_maintenance(std::move(text));
}

void Director::adopt_maintenance(ipvs::AdminState next, const std::string& why) {
  admin_ = std::move(next);
  std::string text = ipvs::format_admin_state(admin_);
  if (!options_.state_dir.empty()) {
    // A few kilobytes at most, on a tmpfs: written on the loop.
    std::error_code ec;
    std::filesystem::create_directories(options_.state_dir, ec);
    const auto path = std::filesystem::path(options_.state_dir) / "maintenance";
    const auto tmp = path.string() + ".new";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << text;
      if (!out) log(log_err, "maintenance: cannot write " + tmp);
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) log(log_err, "maintenance: cannot replace " + path.string() + ": " + ec.message());
  }
  admin_sender_.set_own(text, {static_cast<std::uint64_t>(admin_.stamp_ms), ipvs::admin_digest(admin_)});
  checker_.set_maintenance(std::move(text));
  log(log_notice, "maintenance: " + why + " (" + std::to_string(ipvs::admin_count(admin_)) +
                      " real server(s) in maintenance)");
  events_.push(PageEvent{unix_ms_now(), "maintenance", why});
}

void Director::peer_maintenance(const failover::Heartbeat& hb) {
  if (hb.version < 4) return;
  const failover::MaintenanceVersion theirs{hb.maintenance_stamp, hb.maintenance_digest};
  admin_sender_.peer_has(theirs);
  if (!hb.maintenance || theirs == admin_sender_.own()) return;
  auto text = admin_assembly_.add(theirs, *hb.maintenance);
  if (!text) return;
  auto parsed = ipvs::parse_admin_state(*text);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    log(log_warning, "maintenance state from " + hb.node + " is unreadable: " + *why);
    return;
  }
  ipvs::AdminState merged = ipvs::merge_admin(admin_, std::get<ipvs::AdminState>(parsed));
  if (merged == admin_) return;
  adopt_maintenance(std::move(merged), "merged the state of " + hb.node);
}

void Director::maintain(const Request& request, Respond respond) {
  checker_.resolve(request.vs, request.real, [this, request, respond](const checker::Resolved& r) {
    if (stopped_) return respond(Reply{false, "tandemd is stopping"});
    if (!r.ok) return respond(Reply{false, r.message});
    const auto service = ipvs::parse_service_key(r.service);
    ipvs::DestKey dest;
    const auto space = r.dest.find(' ');
    const auto address = config::IpAddress::parse(r.dest.substr(0, space));
    if (!service || !address || space == std::string::npos)
      return respond(Reply{false, "the checker named an unreadable server"});
    dest.address = *address;
    dest.port = static_cast<std::uint16_t>(std::stoul(r.dest.substr(space + 1)));
    const std::string target = ipvs::describe_admin_target(*service, dest);
    const ipvs::AdminEntry* entry = ipvs::find_admin(admin_, *service, dest);
    const std::string mode = entry ? std::string(ipvs::to_string(entry->mode)) : "none";
    if (request.command == Command::connections)
      return respond(Reply{true, target + " " + mode + " " + counts_line(r) + "\n"});
    const ipvs::AdminMode want = request.command == Command::drain     ? ipvs::AdminMode::drain
                                 : request.command == Command::disable ? ipvs::AdminMode::disable
                                                                       : ipvs::AdminMode::none;
    const std::string by = (request.client.empty() ? "unknown" : request.client) + "@" + cfg_.node.name;
    auto next = ipvs::set_admin(admin_, *service, dest, want, by, unix_ms_now());
    if (auto* why = std::get_if<std::string>(&next)) return respond(Reply{false, *why});
    auto& state = std::get<ipvs::AdminState>(next);
    const std::string verb(command_line(request.command));
    if (state == admin_) {
      return respond(Reply{true, target + " " + mode + " " + counts_line(r) + "\n"});
    }
    adopt_maintenance(std::move(state), verb + " " + target + " by " + by);
    respond(Reply{true, target + " " + std::string(ipvs::to_string(want)) + " " + counts_line(r) + "\n"});
  });
}

void Director::plan(const std::string& path, Respond respond) {
  if (planning_) return respond(Reply{false, "a reload plan is being made; try again"});
  planning_ = true;
  if (plan_thread_.joinable()) plan_thread_.join();
  const std::string file = path.empty() ? options_.config_path : path;
  plan_thread_ = std::thread([this, file, respond, hostname = options_.hostname] {
    run_at_normal_priority();
    auto p = std::make_shared<Parsed>();
    parse_file(*p, file, hostname);
    asio::post(io_, [this, p, file, respond] {
      planning_ = false;
      if (plan_thread_.joinable()) plan_thread_.join();
      if (stopped_) return respond(Reply{false, "tandemd is stopping"});
      const std::string refused = "a reload of " + file + " would be rejected:\n";
      if (!p->config.config) return respond(Reply{false, refused + join(p->config.errors, "error")});
      if (!p->keys->keys) return respond(Reply{false, refused + join(p->keys->errors, "error")});
      config::Config next = std::move(*p->config.config);
      ConfigDiff diff = diff_config(cfg_, next);
      for (auto& why : resources_in_use(next)) diff.refused.push_back(std::move(why));
      if (!diff.refused.empty()) {
        std::string why;
        for (const auto& r : diff.refused) why += r + "\n";
        return respond(Reply{false, refused + why});
      }
      auto lines = reload_lines(diff, next, next.tracks != cfg_.tracks);
      checker_.plan(file, std::move(p->text), [this, file, lines, respond, refused](const checker::Planned& c) {
        if (!c.ok) return respond(Reply{false, refused + c.message + "\n"});
        std::string body = "a reload of " + file + " would do (nothing is applied):\n";
        for (const auto& l : lines) body += "  " + l + "\n";
        std::size_t n = lines.size();
        std::istringstream checker_lines(c.message);
        for (std::string l; std::getline(checker_lines, l);) {
          body += "  " + l + "\n";
          ++n;
        }
        if (n == 0) body += "  nothing: the running configuration is the same\n";
        log(log_info, "reload plan of " + file + ": " + std::to_string(n) + " change(s)");
        respond(Reply{true, body});
      });
    });
  });
}

void Director::watch_signals() {
  signals_.async_wait([this](boost::system::error_code ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      if (started_) reload([](Reply) {});
    } else {
      log(log_notice, std::string("received ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT"));
      notifier_->stopping();
      if (started_)
        handle(failover::Shutdown{});
      else
        stop_everything();
    }
    if (!stopped_) watch_signals();
  });
}

// WATCHDOG=1 goes out from this timer on the engine's loop, so a stalled
// loop stops it; and only while the checker answers, so a checker that
// cannot be brought back ends in a restart of the service.
void Director::watchdog_tick() {
  auto interval = notifier_->watchdog_interval();
  if (!interval || stopped_) return;
  const auto since = checker_.since_any_answer();
  if (since <= checker_answer_window)
    notifier_->watchdog();
  else
    log(log_err, "watchdog: no checker has answered for " +
                     std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count()) +
                     " s; not feeding the watchdog");
  watchdog_timer_.expires_after(*interval / 2);
  watchdog_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) watchdog_tick();
  });
}

void Director::publish_tick() {
  if (stopped_) return;
  if (cfg_.metrics) {
    const StatusReport r = report(true);
    checker_.publish(checker::Publish{render_engine_metrics(r, counters_), render_engine_page_part(r),
                                      encode_events(events_.items())});
  }
  publish_timer_.expires_after(std::chrono::seconds(1));
  publish_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) publish_tick();
  });
}

void Director::stop_everything() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ec;
  timer_.cancel(ec);
  watchdog_timer_.cancel(ec);
  publish_timer_.cancel(ec);
  signals_.cancel(ec);
  lag_.stop();
  tracks_.stop();
  resources_.kill_all();
  notify_.kill_all();
  control_.stop();
  links_.close_all();
  const Reply stopping{false, "tandemd is stopping"};
  if (reload_)
    for (auto& r : reload_->respond) r(stopping);
  reload_.reset();
  for (auto& r : reload_waiting_) r(stopping);
  reload_waiting_.clear();
  // The checker stops its sync daemons and exits; then the loop ends.
  checker_.stop(std::chrono::seconds(2), [this] { io_.stop(); });
}

}  // namespace tandem::daemon
