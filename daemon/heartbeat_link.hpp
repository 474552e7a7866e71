// One heartbeat link: a UDP socket bound to the link's interface, sending to
// the peer (unicast) or a group (multicast). Runs on the io_context thread.
#pragma once
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "config/config.hpp"

namespace tandem::daemon {

class HeartbeatLink {
 public:
  using Arrival = std::chrono::steady_clock::time_point;
  // A datagram and when it reached the socket (SO_TIMESTAMPNS).
  using Handler = std::function<void(std::span<const std::uint8_t>, Arrival)>;

  HeartbeatLink(boost::asio::io_context& io, config::Link link, std::uint16_t port);
  ~HeartbeatLink();

  // Opens and binds the socket; the reason on failure.
  std::optional<std::string> open();
  bool is_open() const { return socket_.is_open(); }
  void close();
  const config::Link& link() const { return link_; }

  // Sends one datagram to the peer or group; the reason on failure.
  std::optional<std::string> send(std::span<const std::uint8_t> packet);

  // Waits until a datagram can be read; false once the socket is closed.
  boost::asio::awaitable<bool> wait_readable();
  // Hands every datagram already waiting in the socket to `on_packet`,
  // without blocking (before the peer is declared dead); how many.
  std::size_t drain(const Handler& on_packet);

 private:
  config::Link link_;
  std::uint16_t port_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint destination_;
};

}  // namespace tandem::daemon
