#include "daemon/pinger.hpp"

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <random>

#include "daemon/engine_clock.hpp"
#include "failover/icmp.hpp"

namespace tandem::daemon {
namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

namespace {
std::string errno_text(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  return buf;
}
}  // namespace

struct Pinger::Impl : std::enable_shared_from_this<Impl> {
  struct Socket {
    int family = 0;
    std::unique_ptr<asio::posix::stream_descriptor> fd;
  };
  struct Pending {
    Done done;
    config::IpAddress to;
    Steady::time_point sent;
    std::shared_ptr<EngineTimer> timer;
  };

  explicit Impl(asio::io_context& io) : io(io), id(static_cast<std::uint16_t>(std::random_device{}())) {}

  asio::io_context& io;
  std::uint16_t id;
  std::uint16_t sequence = 0;
  std::map<std::pair<int, std::string>, Socket> sockets;
  std::map<std::uint16_t, Pending> pending;

  Socket* socket_for(int family, const std::string& interface, std::string* error) {
    auto key = std::make_pair(family, interface);
    if (auto it = sockets.find(key); it != sockets.end()) return &it->second;
    const int fd = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                            family == AF_INET6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
    if (fd < 0) {
      *error = errno_text("raw ICMP socket", errno);
      return nullptr;
    }
    if (family == AF_INET6) {
      icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
      ::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    }
    if (!interface.empty() &&
        ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), socklen_t(interface.size())) != 0) {
      *error = errno_text(("bind to " + interface).c_str(), errno);
      ::close(fd);
      return nullptr;
    }
    Socket s{family, std::make_unique<asio::posix::stream_descriptor>(io, fd)};
    auto [it, _] = sockets.emplace(key, std::move(s));
    receive(it->second);
    return &it->second;
  }

  void receive(Socket& s) {
    s.fd->async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = weak_from_this(), sock = &s](boost::system::error_code ec) {
                       auto me = self.lock();
                       if (!me || ec) return;
                       me->read_all(*sock);
                       me->receive(*sock);
                     });
  }

  void read_all(Socket& s) {
    std::array<std::uint8_t, 2048> buf;
    for (;;) {
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(s.fd->native_handle(), buf.data(), buf.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) return;  // EAGAIN: all read
      auto reply = failover::parse_echo_reply(s.family, std::span<const std::uint8_t>(buf.data(), std::size_t(n)));
      if (!reply || reply->id != id) continue;  // another process's ping, or not a reply
      auto it = pending.find(reply->sequence);
      if (it == pending.end() || !same_address(it->second.to, from)) continue;
      Pending p = std::move(it->second);
      pending.erase(it);
      p.timer->cancel();
      const double ms = std::chrono::duration<double, std::milli>(Steady::now() - p.sent).count();
      p.done(Result{true, "reply in " + ms_text(ms), ms});
    }
  }

  static bool same_address(const config::IpAddress& a, const sockaddr_storage& from) {
    if (from.ss_family == AF_INET && a.family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&from);
      return std::memcmp(&in->sin_addr, a.bytes.data(), 4) == 0;
    }
    if (from.ss_family == AF_INET6 && a.family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&from);
      return std::memcmp(&in6->sin6_addr, a.bytes.data(), 16) == 0;
    }
    return false;
  }

  void fail_later(Done done, std::string why) {
    asio::post(io, [done = std::move(done), why = std::move(why)] { done(Result{false, why, std::nullopt}); });
  }

  void ping(const config::IpAddress& to, const std::string& interface, std::chrono::milliseconds timeout, Done done) {
    std::string error;
    Socket* s = socket_for(to.family, interface, &error);
    if (!s) return fail_later(std::move(done), error);
    std::uint16_t seq = ++sequence;
    while (pending.count(seq)) seq = ++sequence;
    static constexpr std::array<std::uint8_t, 16> payload{'t', 'a', 'n', 'd', 'e', 'm', '-', 't',
                                                          'r', 'a', 'c', 'k', '-', 'p', 'i', 'n'};
    const auto packet = failover::echo_request(to.family, id, seq, payload);
    sockaddr_storage dest{};
    socklen_t dest_len = 0;
    if (to.family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&dest);
      in->sin_family = AF_INET;
      std::memcpy(&in->sin_addr, to.bytes.data(), 4);
      dest_len = sizeof(sockaddr_in);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&dest);
      in6->sin6_family = AF_INET6;
      std::memcpy(&in6->sin6_addr, to.bytes.data(), 16);
      dest_len = sizeof(sockaddr_in6);
    }
    const auto sent = Steady::now();
    if (::sendto(s->fd->native_handle(), packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&dest),
                 dest_len) < 0)
      return fail_later(std::move(done), errno_text("sendto", errno));
    auto timer = std::make_shared<EngineTimer>(io);
    timer->expires_after(timeout);
    timer->async_wait([self = weak_from_this(), seq, timeout](boost::system::error_code ec) {
      auto me = self.lock();
      if (!me || ec) return;
      auto it = me->pending.find(seq);
      if (it == me->pending.end()) return;
      Pending p = std::move(it->second);
      me->pending.erase(it);
      p.done(Result{false, "timeout after " + config::format_duration(timeout), std::nullopt});
    });
    pending.emplace(seq, Pending{std::move(done), to, sent, std::move(timer)});
  }

  void cancel_all() {
    for (auto& [seq, p] : pending) p.timer->cancel();
    pending.clear();
  }
};

Pinger::Pinger(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}
Pinger::~Pinger() {
  impl_->cancel_all();
  for (auto& [key, s] : impl_->sockets) s.fd->cancel();
}
void Pinger::ping(const config::IpAddress& to, const std::string& interface, std::chrono::milliseconds timeout,
                  Done done) {
  impl_->ping(to, interface, timeout, std::move(done));
}
void Pinger::cancel_all() { impl_->cancel_all(); }

}  // namespace tandem::daemon
