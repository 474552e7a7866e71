#include "daemon/heartbeat_link.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>

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

UdpHeartbeatLink::UdpHeartbeatLink(asio::io_context& io, config::Link link, std::uint16_t port)
    : link_(std::move(link)), port_(port), socket_(io) {}

UdpHeartbeatLink::~UdpHeartbeatLink() { close(); }

void UdpHeartbeatLink::close() {
  boost::system::error_code ec;
  socket_.close(ec);
}

std::optional<std::string> UdpHeartbeatLink::open() {
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
  // Arrival times: a heartbeat that waited in the socket while the loop was
  // busy still counts from when it came.
  ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
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

std::optional<std::string> UdpHeartbeatLink::send(std::span<const std::uint8_t> packet) {
  if (!socket_.is_open()) return "link " + link_.name + " is not open";
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(packet.data(), packet.size()), destination_, 0, ec);
  if (ec) return "link " + link_.name + ": send: " + ec.message();
  return std::nullopt;
}

asio::awaitable<bool> UdpHeartbeatLink::wait_readable() {
  if (!socket_.is_open()) co_return false;
  boost::system::error_code ec;
  co_await socket_.async_wait(udp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec && socket_.is_open();
}

namespace {

// A CLOCK_REALTIME kernel timestamp on the steady clock, by the offset
// between the two clocks now; never in the future.
HeartbeatLink::Arrival to_steady(const timespec& ts) {
  const auto steady_now = std::chrono::steady_clock::now();
  const auto wall_now = std::chrono::system_clock::now();
  const auto wall = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(ts.tv_sec) +
                                                                      std::chrono::nanoseconds(ts.tv_nsec)));
  const auto age = wall_now - wall;
  if (age <= std::chrono::system_clock::duration::zero() || age > std::chrono::seconds(10)) return steady_now;
  return steady_now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(age);
}

}  // namespace

std::size_t UdpHeartbeatLink::drain(const Handler& on_packet) {
  std::size_t n = 0;
  std::array<std::uint8_t, 2048> buffer{};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec)) + 64> control{};
  // Bounded: a flood cannot keep the loop here.
  for (int i = 0; i < 256 && socket_.is_open(); ++i) {
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ssize_t got = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      continue;  // ICMP errors surface here on unicast sockets; keep listening
    }
    Arrival arrived = std::chrono::steady_clock::now();
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        arrived = to_steady(ts);
      }
    ++n;
    on_packet(std::span<const std::uint8_t>(buffer.data(), std::size_t(got)), arrived);
  }
  return n;
}

MakeLink make_udp_link() {
  return [](asio::io_context& io, const config::Link& link, std::uint16_t port) -> std::shared_ptr<HeartbeatLink> {
    return std::make_shared<UdpHeartbeatLink>(io, link, port);
  };
}

}  // namespace tandem::daemon
