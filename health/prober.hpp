// The probers: the I/O half of the health checks (STYLE "Health verdicts are
// separate from probing"). One Prober runs any number of probes at once on
// the caller's io_context thread, each as a coroutine; no thread per check.
// The coroutine machinery stays in prober.cpp so this header stays light.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "health/probe_result.hpp"
#include "health/probe_spec.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tandem::health {

class Prober {
 public:
  using Done = std::function<void(ProbeResult)>;

  explicit Prober(boost::asio::io_context& io);
  // Cancels what is in flight and kills the process groups of running
  // external checks.
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Starts one probe. `done` is called exactly once, on the io_context
  // thread and never from inside start(), at the latest spec.timeout after
  // the start, plus the 10 ms tick of the deadline sweep and scheduling
  // delay: the timeout bounds connect, TLS handshake, send and receive
  // together.
  void start(const ProbeSpec& spec, Done done);
  // The same with the start time the caller read already (`now`): a batch
  // of probes started together reads the clock once.
  void start(const ProbeSpec& spec, Done done, std::chrono::steady_clock::time_point now);

  // Abandons every probe in flight: their `done` is never called, sockets
  // are closed, external checks' process groups are killed and reaped.
  void cancel_all();

  std::size_t in_flight() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tandem::health
