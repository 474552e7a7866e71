// ICMP echo to the ping tracks' addresses from raw sockets on the engine's
// loop: no process per ping. One socket per address family and source
// interface; replies are matched by identifier, sequence and source.
#pragma once
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/address.hpp"
#include "config/duration.hpp"

namespace tandem::daemon {

class Pinger {
 public:
  struct Result {
    bool ok = false;
    std::string detail;  // "reply in 0.4 ms", "timeout after 1s", "sendto: Network is unreachable"
    std::optional<double> latency_ms;
  };
  using Done = std::function<void(Result)>;

  explicit Pinger(boost::asio::io_context& io);
  ~Pinger();
  Pinger(const Pinger&) = delete;
  Pinger& operator=(const Pinger&) = delete;

  // One echo request to `to`, from `interface` when not empty; `done` is
  // called once, on the loop, never from inside ping().
  void ping(const config::IpAddress& to, const std::string& interface, std::chrono::milliseconds timeout, Done done);
  // Abandons every ping in flight; their `done` is not called.
  void cancel_all();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tandem::daemon
