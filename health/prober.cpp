// The Prober: starts one coroutine per probe, watches its deadline and hands
// the verdict to `done` unless cancel_all() abandoned the probe first.
#include "health/prober.hpp"

#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <cstring>
#include <exception>

#include "config/duration.hpp"
#include "health/schedule.hpp"
#include "health/prober_run.hpp"

namespace tandem::health {

namespace detail {

asio::ssl::context& ProberCore::tls_context(bool verify) {
  std::optional<asio::ssl::context>& slot = verify ? tls_verify : tls_no_verify;
  if (!slot) {
    slot.emplace(asio::ssl::context::tls_client);
    boost::system::error_code ec;
    if (verify) {
      slot->set_verify_mode(asio::ssl::verify_peer, ec);
      // A store that cannot be loaded leaves it empty: every chain then
      // fails verification, with the reason in the probe's detail.
      slot->set_default_verify_paths(ec);
    } else {
      slot->set_verify_mode(asio::ssl::verify_none, ec);
    }
    // Many probes may wait at once: drop idle read/write buffers.
    SSL_CTX_set_mode(slot->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  }
  return *slot;
}

void ProberCore::watch(const std::shared_ptr<ProbeRun>& run, Clock::time_point deadline) {
  deadlines_.push(Deadline{deadline, run});
  arm_sweep();
}

void ProberCore::arm_sweep() {
  if (deadlines_.empty()) return;
  const Clock::time_point at = align_up(deadlines_.top().at, kDeadlineTick);
  if (sweep_at_ && *sweep_at_ <= at) return;  // the sweep then re-arms
  sweep_at_ = at;
  std::shared_ptr<asio::steady_timer> timer = sweep_timer_.lock();
  if (!timer) {
    timer = std::make_shared<asio::steady_timer>(io);
    sweep_timer_ = timer;
  }
  timer->expires_at(at);  // an earlier wait ends with operation_aborted
  timer->async_wait([timer, weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto core = weak.lock()) core->sweep();
  });
}

void ProberCore::sweep() {
  sweep_at_.reset();
  const Clock::time_point now = Clock::now();
  while (!deadlines_.empty() && deadlines_.top().at <= now) {
    std::shared_ptr<ProbeRun> run = deadlines_.top().run.lock();
    deadlines_.pop();
    if (run && !run->stopped()) run->expire();
  }
  arm_sweep();
}

ProbeRun::ProbeRun(std::shared_ptr<ProberCore> c, const ProbeSpec& s, Prober::Done d, Clock::time_point start)
    : core(std::move(c)), spec(s), done(std::move(d)), started(start) {}

ProbeRun::~ProbeRun() { core->running.erase(this); }

void ProbeRun::close_sockets() {
  boost::system::error_code ignored;
  if (tcp) tcp->close(ignored);
  if (tls) tls->lowest_layer().close(ignored);
  if (udp) udp->close(ignored);
}

void ProbeRun::expire() {
  timed_out = true;
  close_sockets();
  // The child's exit wakes the coroutine, which reaps it.
  if (child) child->kill_group();
}

void ProbeRun::abandon() {
  abandoned = true;
  close_sockets();
  if (child) {
    child->kill_group();
    child->reap_blocking();
    boost::system::error_code ignored;
    child->exited.close(ignored);
    child->output.close(ignored);
  }
}

ProbeResult ProbeRun::timeout_result(std::string_view detail) const {
  std::string text = "timeout after " + config::format_duration(spec.timeout) + " (";
  if (reading && bytes_read > 0)
    text += "reading the response: " + std::to_string(bytes_read) + (bytes_read == 1 ? " byte" : " bytes") + " so far";
  else
    text += stage;
  text += ')';
  if (!detail.empty()) {
    text += ": ";
    text += detail;
  }
  return failed(std::move(text));
}

ProbeResult passed(std::string detail) { return ProbeResult{true, {}, std::move(detail)}; }
ProbeResult failed(std::string detail) { return ProbeResult{false, {}, std::move(detail)}; }

std::string error_text(const boost::system::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return "connection closed by the server";
  std::string text = ec.message();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::optional<asio::ip::address> to_address(const config::IpAddress& a) {
  if (a.is_v4()) {
    asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), a.bytes.data(), b.size());
    return asio::ip::address_v4(b);
  }
  if (a.is_v6()) {
    asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), a.bytes.data(), b.size());
    return asio::ip::address_v6(b);
  }
  return std::nullopt;
}

namespace {

asio::awaitable<ProbeResult> run_probe(ProbeRun& run) {
  switch (run.spec.type) {
    case ProbeType::tcp:
    case ProbeType::send_expect:
    case ProbeType::http:
    case ProbeType::https: co_return co_await run_stream(run);
    case ProbeType::udp: co_return co_await run_udp(run);
    case ProbeType::external: co_return co_await run_external(run);
    case ProbeType::none: co_return passed("no check");
  }
  co_return failed("unknown check type");
}

// co_spawn posts before the first step, so `done` never runs inside start().
// Between two suspensions nothing else runs on the thread: a cancel_all()
// lands either before the first step (nothing is opened or spawned) or while
// an operation is pending (which abandon() closes).
asio::awaitable<void> drive(std::shared_ptr<ProbeRun> run) {
  if (run->abandoned) co_return;
  run->core->watch(run, run->started + run->spec.timeout);
  ProbeResult result;
  try {
    result = co_await run_probe(*run);
  } catch (const std::exception& e) {
    // A bug or resource exhaustion (std::bad_alloc, a failed SSL_CTX_new):
    // still a verdict, so `done` is called once.
    result = failed(std::string("internal error: ") + e.what());
  }
  run->close_sockets();
  if (run->abandoned) co_return;
  run->core->running.erase(run.get());
  result.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - run->started);
  Prober::Done done = std::move(run->done);
  run.reset();  // sockets and child gone before the caller hears of it
  done(std::move(result));
}

// An exception out of `done` is the caller's bug: it leaves io_context::run()
// as it would from any other handler.
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

}  // namespace
}  // namespace detail

struct Prober::Impl : detail::ProberCore {
  using ProberCore::ProberCore;
};

Prober::Prober(boost::asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}

Prober::~Prober() { cancel_all(); }

void Prober::start(const ProbeSpec& spec, Done done) { start(spec, std::move(done), detail::Clock::now()); }

void Prober::start(const ProbeSpec& spec, Done done, std::chrono::steady_clock::time_point now) {
  auto run = std::make_shared<detail::ProbeRun>(impl_, spec, std::move(done), now);
  impl_->running.insert(run.get());
  boost::asio::co_spawn(impl_->io, detail::drive(std::move(run)), detail::rethrow);
}

void Prober::cancel_all() {
  auto running = std::exchange(impl_->running, {});
  for (detail::ProbeRun* run : running) run->abandon();
}

std::size_t Prober::in_flight() const { return impl_->running.size(); }

}  // namespace tandem::health
