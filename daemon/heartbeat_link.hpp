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
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "config/config.hpp"

namespace tandem::daemon {

// What the link bank needs of a link; UdpHeartbeatLink is the real one,
// tests/fakes/fake_heartbeat_link.hpp a recording fake.
class HeartbeatLink {
 public:
  using Arrival = std::chrono::steady_clock::time_point;
  // A datagram and when it reached the socket (SO_TIMESTAMPNS).
  using Handler = std::function<void(std::span<const std::uint8_t>, Arrival)>;

  virtual ~HeartbeatLink() = default;

  // Opens and binds the socket; the reason on failure.
  virtual std::optional<std::string> open() = 0;
  virtual bool is_open() const = 0;
  virtual void close() = 0;
  virtual const config::Link& link() const = 0;

  // Sends one datagram to the peer or group; the reason on failure.
  virtual std::optional<std::string> send(std::span<const std::uint8_t> packet) = 0;

  // Waits until a datagram can be read; false once the socket is closed.
  virtual boost::asio::awaitable<bool> wait_readable() = 0;
  // Hands every datagram already waiting in the socket to `on_packet`,
  // without blocking (before the peer is declared dead); how many.
  virtual std::size_t drain(const Handler& on_packet) = 0;
};

// Makes the link for one [[link]] of the configuration (on `port`).
using MakeLink =
    std::function<std::shared_ptr<HeartbeatLink>(boost::asio::io_context&, const config::Link&, std::uint16_t port)>;
MakeLink make_udp_link();

class UdpHeartbeatLink final : public HeartbeatLink {
 public:
  UdpHeartbeatLink(boost::asio::io_context& io, config::Link link, std::uint16_t port);
  ~UdpHeartbeatLink() override;

  std::optional<std::string> open() override;
  bool is_open() const override { return socket_.is_open(); }
  void close() override;
  const config::Link& link() const override { return link_; }
  std::optional<std::string> send(std::span<const std::uint8_t> packet) override;
  boost::asio::awaitable<bool> wait_readable() override;
  std::size_t drain(const Handler& on_packet) override;

 private:
  config::Link link_;
  std::uint16_t port_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint destination_;
};

}  // namespace tandem::daemon
