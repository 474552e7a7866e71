// Internals of the probers, shared by prober.cpp (the Prober, the deadline,
// the delivery of verdicts) and the files with one kind of probe each:
// prober_stream.cpp (tcp, send-expect, http, https), prober_udp.cpp and
// prober_external.cpp. Only prober*.cpp include this header; it pulls Asio
// and OpenSSL in.
//
// Executor contract: everything here runs on the io_context thread that runs
// the Prober's io_context; nothing is locked.
#pragma once
#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <queue>
#include <unordered_set>
#include <vector>

#include "health/prober.hpp"
#include "health/prober_child.hpp"

namespace tandem::health::detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct ProbeRun;

// The deadlines are swept on ticks of this length: a probe times out at
// most one tick after its timeout, and the sweep costs one timer wakeup per
// tick however many probes run, instead of a timer (and clock reads) each.
inline constexpr std::chrono::milliseconds kDeadlineTick{10};

// The state a Prober shares with its running coroutines. They hold it by
// shared_ptr, so it outlives the Prober while they are pending.
struct ProberCore : std::enable_shared_from_this<ProberCore> {
  explicit ProberCore(asio::io_context& context) : io(context) {}

  // The client context for https checks, one per verification mode, made on
  // first use and shared by every probe (OpenSSL counts its references).
  asio::ssl::context& tls_context(bool verify);

  // Expires `run` once its deadline has passed, unless it ended before.
  void watch(const std::shared_ptr<ProbeRun>& run, Clock::time_point deadline);

  asio::io_context& io;
  std::unordered_set<ProbeRun*> running;  // verdict still owed
  std::optional<asio::ssl::context> tls_no_verify;
  std::optional<asio::ssl::context> tls_verify;

 private:
  struct Deadline {
    Clock::time_point at;
    std::weak_ptr<ProbeRun> run;  // expired once the probe ended
    bool operator>(const Deadline& other) const { return at > other.at; }
  };
  void arm_sweep();
  void sweep();

  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<Deadline>> deadlines_;
  // Owned by its pending wait's handler, not by the core: the core may
  // outlive the io_context (a Prober destroyed after it), and a timer must
  // not; the io_context destroys the handler, and the timer with it.
  std::weak_ptr<asio::steady_timer> sweep_timer_;
  std::optional<Clock::time_point> sweep_at_;
};

// One probe: its spec and the I/O it has open. The coroutine holds it by
// shared_ptr; the deadline sweep by weak_ptr.
struct ProbeRun : std::enable_shared_from_this<ProbeRun> {
  ProbeRun(std::shared_ptr<ProberCore> core, const ProbeSpec& spec, Prober::Done done, Clock::time_point started);
  ~ProbeRun();
  ProbeRun(const ProbeRun&) = delete;
  ProbeRun& operator=(const ProbeRun&) = delete;

  // Timed out or abandoned: the I/O is closed, stop at the next step.
  bool stopped() const { return timed_out || abandoned; }
  // The deadline passed: closes the sockets, kills the child's group.
  void expire();
  // cancel_all(): as expire(), and the child is reaped at once; `done` is
  // never called.
  void abandon();
  // Closes whatever sockets are open.
  void close_sockets();

  // `timeout after 500ms (connect)`; `detail`, when given, follows a colon.
  ProbeResult timeout_result(std::string_view detail = {}) const;

  std::shared_ptr<ProberCore> core;
  ProbeSpec spec;
  Prober::Done done;
  Clock::time_point started;
  bool timed_out = false;
  bool abandoned = false;

  // Progress, for the timeout reason: the step waited for and, while
  // reading, the bytes received so far.
  const char* stage = "connect";
  bool reading = false;
  std::size_t bytes_read = 0;

  // At most one of these is open, depending on spec.type.
  std::optional<asio::ip::tcp::socket> tcp;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket>> tls;
  std::optional<asio::ip::udp::socket> udp;
  std::shared_ptr<ChildProcess> child;  // external: the running check
};

// One coroutine per kind of probe. Each returns the verdict without the
// latency (the driver measures it); once timed_out, the verdict is the
// timeout, and once abandoned, it is dropped.
asio::awaitable<ProbeResult> run_stream(ProbeRun& run);    // tcp, send_expect, http, https
asio::awaitable<ProbeResult> run_udp(ProbeRun& run);
asio::awaitable<ProbeResult> run_external(ProbeRun& run);

// Helpers shared by the kinds of probes.
ProbeResult passed(std::string detail);
ProbeResult failed(std::string detail);
// "connection refused", "no route to host", "connection closed by the
// server": an error code for a reason, in lower case.
std::string error_text(const boost::system::error_code& ec);
// The endpoint of the real server, or nothing for an address without a family.
std::optional<asio::ip::address> to_address(const config::IpAddress& address);

}  // namespace tandem::health::detail
