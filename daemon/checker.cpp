#include "daemon/checker.hpp"

#include <signal.h>

#include <algorithm>
#include <ctime>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "config/config.hpp"
#include "daemon/checker_channel.hpp"
#include "daemon/health_checker.hpp"
#include "daemon/http_listener.hpp"
#include "daemon/ipvs_driver.hpp"
#include "daemon/log.hpp"
#include "daemon/loop_lag.hpp"
#include "daemon/metrics.hpp"
#include "daemon/status_page.hpp"
#include "daemon/status_report.hpp"
#include "ipvs/desired.hpp"
#include "ipvs/maintenance.hpp"
#include "ipvs/memory_table.hpp"
#include "ipvs/table_keeper.hpp"

namespace tandem::daemon {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// A snapshot goes out at most this often when something changed, and at
// least every second (the last probe of each server moves on). Rendering
// one (megabytes for 8,000 destinations) may take a tenth of the checker's
// loop at most: after a render that took d, the next waits at least
// snapshot_share x d.
constexpr auto snapshot_tick = 100ms;
constexpr auto snapshot_refresh = 1s;
constexpr int snapshot_share = 10;

std::variant<std::unique_ptr<ipvs::IpvsTable>, std::string> open_memory_table() {
  return std::unique_ptr<ipvs::IpvsTable>(std::make_unique<ipvs::MemoryTable>());
}

class Checker {
 public:
  Checker(asio::io_context& io, const CheckerOptions& options)
      : io_(io),
        options_(options),
        channel_(std::make_shared<CheckerChannel>(
            io, options.fd, [this](checker::Message m) { on_message(std::move(m)); },
            [this](const std::string& why) { on_closed(why); })),
        health_(io, [this] { on_health_changed(); }),
        ipvs_(io, options.ipvs_in_memory ? "" : (std::filesystem::path(options.state_dir) / "ipvs-created").string(),
              options.ipvs_in_memory ? IpvsDriver::OpenTable(open_memory_table) : IpvsDriver::OpenTable(ipvs::open_netlink_table),
              [this] { dirty_ = true; }),
        lag_(io),
        snapshot_timer_(io),
        http_(io, [this](const std::string& target) { return serve(target); }) {}

  // After the loop: a parse still running ends (it only posts to the loop).
  void finish() {
    if (worker_.joinable()) worker_.join();
    if (plan_worker_.joinable()) plan_worker_.join();
  }

  void start() {
    channel_->start();
    lag_.start();
    tick();
  }

 private:
  void on_message(checker::Message m) {
    std::visit(
        [&](auto& msg) {
          using M = std::decay_t<decltype(msg)>;
          if constexpr (std::is_same_v<M, checker::Configure>) {
            configure(std::move(msg));
          } else if constexpr (std::is_same_v<M, checker::SetSync>) {
            ipvs_.set_sync_role(msg.master, msg.both);
          } else if constexpr (std::is_same_v<M, checker::Forward>) {
            ipvs_.forward_to_peer(msg.on, msg.group, health_.board());
            send_snapshot();
            channel_->send(checker::ForwardApplied{msg.on, msg.group});
          } else if constexpr (std::is_same_v<M, checker::Ping>) {
            channel_->send(checker::Pong{msg.id, static_cast<std::uint64_t>(lag_.take_max_ms() * 1000)});
          } else if constexpr (std::is_same_v<M, checker::Publish>) {
            engine_metrics_ = std::move(msg.metrics);
            engine_page_ = std::move(msg.page);
            engine_events_ = std::move(msg.events);
          } else if constexpr (std::is_same_v<M, checker::SetMaintenance>) {
            set_maintenance(msg.text);
          } else if constexpr (std::is_same_v<M, checker::Plan>) {
            plan(std::move(msg));
          } else if constexpr (std::is_same_v<M, checker::Resolve>) {
            channel_->send(resolve(msg));
          } else if constexpr (std::is_same_v<M, checker::Stop>) {
            ipvs_.stop_sync();
            log(log_info, "stopped");
            stop();
          } else {
            log(log_warning, std::string("unexpected ") + checker::name(m) + " message from the engine");
          }
        },
        m);
  }

  // The parse and the health board of a new configuration are built on a
  // thread (36,000 lines take seconds in an emulated guest), so the loop
  // goes on probing and answering the engine's pings meanwhile; the result
  // is applied on the loop. The engine sends one Configure at a time.
  struct Prepared {
    checker::Configure request;
    std::unique_ptr<config::Config> next;
    std::optional<health::HealthBoard> board;
    std::string why;  // set: refused
  };

  // The parse and the board of `text` (on a worker thread).
  std::shared_ptr<Prepared> prepare(const std::string& text, const std::string& path) const {
    auto p = std::make_shared<Prepared>();
    auto parsed = config::parse_config(text, path, {options_.hostname});
    if (!parsed.config) {
      for (const auto& e : parsed.errors) p->why += e.format("error") + "\n";
    } else {
      p->next = std::make_unique<config::Config>(std::move(*parsed.config));
      auto prepared = HealthChecker::prepare(p->next->virtual_servers);
      if (auto* errors = std::get_if<std::vector<std::string>>(&prepared))
        for (const auto& e : *errors) p->why += "health check of " + e + "\n";
      else
        p->board = std::move(std::get<health::HealthBoard>(prepared));
    }
    return p;
  }

  void configure(checker::Configure m) {
    if (worker_.joinable()) worker_.join();
    worker_ = std::thread([this, m = std::move(m)]() mutable {
      auto p = prepare(m.text, m.path);
      m.text.clear();
      p->request = std::move(m);
      asio::post(io_, [this, p] { apply_configuration(std::move(*p)); });
    });
  }

  // tandemctl reload --dry-run: what apply_configuration would log now.
  void plan(checker::Plan m) {
    if (plan_worker_.joinable()) plan_worker_.join();
    plan_worker_ = std::thread([this, m = std::move(m)] {
      auto p = prepare(m.text, m.path);
      asio::post(io_, [this, p, id = m.id] {
        if (plan_worker_.joinable()) plan_worker_.join();
        if (stopped_) return;
        checker::Planned out{id, false, ""};
        out.message = p->why;
        if (p->why.empty() && !cfg_) out.message = "the checker is starting; try again";
        if (!out.message.empty()) {
          while (!out.message.empty() && out.message.back() == '\n') out.message.pop_back();
          channel_->send(out);
          return;
        }
        health::HealthBoard& board = *p->board;
        std::vector<std::string> lines = board.check_changes(health_.board());
        board.carry_over(health_.board());
        for (auto& l : ipvs_.plan(*p->next, board, ipvs::admin_modes(p->next->virtual_servers, admin_)))
          lines.push_back(std::move(l));
        out.ok = true;
        for (const auto& l : lines) out.message += l + "\n";
        channel_->send(out);
      });
    });
  }

  void apply_configuration(Prepared p) {
    if (worker_.joinable()) worker_.join();
    if (stopped_) return;
    const std::uint64_t id = p.request.id;
    auto fail = [&](std::string why) {
      while (!why.empty() && why.back() == '\n') why.pop_back();
      channel_->send(checker::Configured{id, false, why});
    };
    if (!p.why.empty()) return fail(p.why);
    if (auto err = ipvs_.prepare(*p.next)) return fail(*err);
    // [metrics]: bound before anything changes, so a port in use refuses
    // the configuration and the old listener stays.
    if (p.next->metrics) {
      if (auto err = http_.listen(p.next->metrics->listen)) return fail(*err);
    } else {
      http_.close();
      engine_metrics_.clear();
    }
    // A replacement checker takes the health the kernel shows.
    if (!cfg_ && options_.restarted) ipvs_.inherit_health(*p.next, *p.board);
    // What a reload does to the checks, as tandemctl reload --dry-run says.
    if (cfg_)
      for (const auto& line : p.board->check_changes(health_.board())) log(log_info, line);
    health_.start(std::move(*p.board));
    std::unique_ptr<config::Config> next = std::move(p.next);
    std::swap(cfg_, next);
    ipvs_.set_admin(ipvs::admin_modes(cfg_->virtual_servers, admin_));
    auto err = ipvs_.configure(*cfg_, health_.board());
    send_snapshot();
    if (err && !next) {
      // The first configuration: the table must be there before the
      // engine starts the state machine.
      channel_->send(checker::Configured{id, false, *err});
      return;
    }
    if (err) log(log_err, *err);
    channel_->send(checker::Configured{id, true, ""});
  }

  // tandemctl drain|disable|enable, as the engine keeps it.
  void set_maintenance(const std::string& text) {
    auto parsed = ipvs::parse_admin_state(text);
    if (auto* why = std::get_if<std::string>(&parsed)) {
      log(log_err, "maintenance state from the engine: " + *why);
      return;
    }
    admin_ = std::move(std::get<ipvs::AdminState>(parsed));
    if (!cfg_) return;
    ipvs_.set_admin(ipvs::admin_modes(cfg_->virtual_servers, admin_));
    ipvs_.admin_changed(health_.board());
    dirty_ = true;
  }

  checker::Resolved resolve(const checker::Resolve& m) const {
    checker::Resolved out;
    out.id = m.id;
    if (!cfg_) {
      out.message = "the checker is starting; try again";
      return out;
    }
    auto found = ipvs::find_real(cfg_->virtual_servers, m.vs, m.real);
    if (auto* why = std::get_if<std::string>(&found)) {
      out.message = *why;
      return out;
    }
    const auto ref = std::get<ipvs::RealRef>(found);
    const auto& vs = cfg_->virtual_servers[ref.vs];
    const ipvs::ServiceKey service = ipvs::service_key(vs);
    const ipvs::DestKey dest = ipvs::destination_of(vs, vs.reals[ref.real]).key;
    out.ok = true;
    out.service = ipvs::format_service_key(service);
    out.dest = dest.address.str() + " " + std::to_string(dest.port);
    if (const ipvs::TableKeeper* k = ipvs_.keeper()) {
      if (const auto at = k->last_dump())
        out.age_ms = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - *at).count());
      for (const auto& e : k->observed()) {
        if (!(e.service.key == service)) continue;
        for (const auto& d : e.dests) {
          if (!(d.key == dest)) continue;
          out.in_kernel = true;
          out.weight = d.weight;
          out.active = d.stats.active_conns;
          out.inactive = d.stats.inactive_conns;
          out.persistent = d.stats.persistent_conns;
        }
      }
    }
    return out;
  }

  void on_health_changed() {
    if (health_pending_) return;
    health_pending_ = true;
    // Results that completed together cost one derivation and one batch.
    asio::post(io_, [this] {
      health_pending_ = false;
      if (!stopped_ && cfg_) ipvs_.health_changed(health_.board());
      dirty_ = true;
    });
  }

  void tick() {
    snapshot_timer_.expires_after(snapshot_tick);
    snapshot_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped_) return;
      const auto since = StatsClock::now() - sent_at_;
      const auto gap = std::max<StatsClock::duration>(snapshot_tick, snapshot_share * render_took_);
      if (cfg_ && since >= gap && (dirty_ || since >= std::max<StatsClock::duration>(snapshot_refresh, gap)))
        send_snapshot();
      tick();
    });
  }

  // The virtual servers as status shows them: the kernel's view and the health.
  StatusReport checker_report(std::uint64_t* dump_at_ns) const {
    StatusReport r;
    if (const ipvs::TableKeeper* k = ipvs_.keeper()) {
      const auto at = k->last_dump();
      std::string error = k->dump_error();
      if (!at && error.empty()) error = "the kernel table has not been read yet";
      add_ipvs(r, k->desired(), at ? &k->observed() : nullptr, error);
      add_timeouts(r, k->desired_timeouts(), k->observed_timeouts());
      if (at && dump_at_ns)
        *dump_at_ns = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(at->time_since_epoch()).count());
      add_health(r, cfg_->virtual_servers, health_.board());
      add_maintenance(r, admin_);
    }
    return r;
  }

  void send_snapshot() {
    if (!cfg_) return;
    dirty_ = false;
    sent_at_ = StatsClock::now();
    checker::Snapshot s;
    const StatusReport r = checker_report(&s.dump_at_ns);
    s.reals = static_cast<std::uint32_t>(health_.board().entries().size());
    s.reals_healthy = static_cast<std::uint32_t>(health_.board().healthy_count());
    s.text = render_virtual_servers_text(r);
    s.json = render_virtual_servers_json(r);
    channel_->send(s);
    render_took_ = StatsClock::now() - sent_at_;
  }

  // The [metrics] listener's paths.
  HttpResponse serve(const std::string& target) {
    const std::string path = target.substr(0, target.find('?'));
    if (!cfg_) return HttpResponse{503, "text/plain; charset=utf-8", "starting\n"};
    if (path == "/metrics") {
      const StatusReport r = checker_report(nullptr);
      const ipvs::TableKeeper* k = ipvs_.keeper();
      std::string body = engine_metrics_;
      body += render_checker_metrics(r, health_.board(), k ? &k->counters() : nullptr);
      return HttpResponse{200, std::string(kMetricsContentType), std::move(body)};
    }
    if (path == "/") {
      StatusReport r = checker_report(nullptr);
      r.node = cfg_->node.name;
      const auto events = newest_events(decode_events(engine_events_), health_.events().items(), 50);
      const std::time_t now = std::time(nullptr);
      std::tm tm{};
      localtime_r(&now, &tm);
      char clock[16];
      std::strftime(clock, sizeof clock, "%H:%M:%S", &tm);
      return HttpResponse{200, "text/html; charset=utf-8", render_status_page(engine_page_, r, events, clock)};
    }
    return HttpResponse{404, "text/plain; charset=utf-8", "not found: the status page is /, the metrics /metrics\n"};
  }

  void on_closed(const std::string& why) {
    if (!stopped_) log(log_notice, "the engine went away (" + why + "); exiting");
    stop();
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    health_.stop();
    ipvs_.stop();
    lag_.stop();
    boost::system::error_code ec;
    snapshot_timer_.cancel(ec);
    http_.close();
    channel_->close();
    io_.stop();
  }

  asio::io_context& io_;
  CheckerOptions options_;
  std::shared_ptr<CheckerChannel> channel_;
  HealthChecker health_;
  IpvsDriver ipvs_;
  LoopLag lag_;
  asio::steady_timer snapshot_timer_;
  HttpListener http_;
  std::string engine_metrics_;      // the engine's families, as it last published them
  std::string engine_page_;    // its part of the status page
  std::string engine_events_;  // and its last events
  std::unique_ptr<config::Config> cfg_;
  ipvs::AdminState admin_;
  StatsClock::time_point sent_at_{};
  StatsClock::duration render_took_{};
  bool dirty_ = true;
  bool health_pending_ = false;
  bool stopped_ = false;
  std::thread worker_;
  std::thread plan_worker_;
};

}  // namespace

int run_checker(const CheckerOptions& options) {
  // The engine decides when the checker ends (Stop, or closing the
  // socketpair): a SIGTERM to the service's cgroup, a ^C to the terminal
  // or a SIGHUP must not take the IPVS side away before the engine's
  // shutdown (a staged handover still forwards through it).
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  set_log_prefix("checker: ");
  asio::io_context io;
  Checker checker(io, options);
  checker.start();
  io.run();
  checker.finish();
  return 0;
}

}  // namespace tandem::daemon
