#include "daemon/heartbeat_link.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

namespace tandem::daemon {
namespace asio = boost::asio;
using asio::ip::udp;

namespace {

asio::ip::address to_asio(const config::IpAddress& a) {
  if (a.is_v4()) {
    asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), a.bytes.data(), 4);
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::memcpy(b.data(), a.bytes.data(), 16);
  return asio::ip::address_v6(b);
}

std::string errno_text(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

}  // namespace

HeartbeatLink::HeartbeatLink(asio::io_context& io, config::Link link, std::uint16_t port)
    : link_(std::move(link)), port_(port), socket_(io) {}

HeartbeatLink::~HeartbeatLink() { close(); }

void HeartbeatLink::close() {
  boost::system::error_code ec;
  socket_.close(ec);
}

std::optional<std::string> HeartbeatLink::open() {
  close();
  const config::IpAddress& target = link_.peer ? *link_.peer : *link_.group;
  const bool v6 = target.is_v6();
  const std::string prefix = "link " + link_.name + " on " + link_.interface + ": ";
  boost::system::error_code ec;
  socket_.open(v6 ? udp::v6() : udp::v4(), ec);
  if (ec) return prefix + "socket: " + ec.message();
  int fd = socket_.native_handle();
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (v6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, link_.interface.c_str(),
                   socklen_t(link_.interface.size() + 1)) != 0) {
    int err = errno;
    close();
    return prefix + errno_text("bind to device", err);
  }
  unsigned ifindex = if_nametoindex(link_.interface.c_str());
  socket_.bind(udp::endpoint(v6 ? udp::v6() : udp::v4(), port_), ec);
  if (ec) {
    close();
    return prefix + "bind to port " + std::to_string(port_) + ": " + ec.message();
  }
  if (link_.group) {
    // Multicast: join on this interface only, send with TTL 1, no loopback.
    if (v6) {
      ipv6_mreq mreq{};
      std::memcpy(&mreq.ipv6mr_multiaddr, link_.group->bytes.data(), 16);
      mreq.ipv6mr_interface = ifindex;
      int hops = 1, loop = 0;
      if (::setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0) {
        int err = errno;
        close();
        return prefix + errno_text("join group", err);
      }
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex);
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof loop);
    } else {
      ip_mreqn mreq{};
      std::memcpy(&mreq.imr_multiaddr, link_.group->bytes.data(), 4);
      mreq.imr_ifindex = int(ifindex);
      unsigned char ttl = 1, loop = 0;
      if (::setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0) {
        int err = errno;
        close();
        return prefix + errno_text("join group", err);
      }
      ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq);
      ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
      ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop);
    }
  }
  destination_ = udp::endpoint(to_asio(target), port_);
  if (v6 && destination_.address().to_v6().is_link_local()) {
    auto a = destination_.address().to_v6();
    a.scope_id(ifindex);
    destination_.address(a);
  }
  return std::nullopt;
}

std::optional<std::string> HeartbeatLink::send(std::span<const std::uint8_t> packet) {
  if (!socket_.is_open()) return "link " + link_.name + " is not open";
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(packet.data(), packet.size()), destination_, 0, ec);
  if (ec) return "link " + link_.name + ": send: " + ec.message();
  return std::nullopt;
}

asio::awaitable<void> HeartbeatLink::receive_loop(Handler on_packet) {
  std::array<std::uint8_t, 2048> buffer{};
  udp::endpoint from;
  while (socket_.is_open()) {
    boost::system::error_code ec;
    std::size_t n = co_await socket_.async_receive_from(asio::buffer(buffer), from,
                                                        asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !socket_.is_open()) co_return;
    if (ec) continue;  // ICMP errors surface here on unicast sockets; keep listening
    on_packet(std::span<const std::uint8_t>(buffer.data(), n));
  }
}

}  // namespace tandem::daemon
