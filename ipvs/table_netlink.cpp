// IpvsTable over an IPVS generic netlink socket (libnl-genl-3 for the socket
// and the family lookup; messages from ipvs/messages_netlink.cpp). Replies are
// read from the socket directly so that every NLMSG_ERROR keeps the kernel's
// errno (libnl folds ESRCH and ENOENT into one code) and is matched to its
// request by sequence number. Single-threaded: one instance per thread.
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <functional>
#include <system_error>

#include "ipvs/ipvs_table.hpp"
#include "ipvs/messages.hpp"

namespace tandem::ipvs {
namespace {

constexpr const char* kMissing = "IPVS is not available in this kernel (load ip_vs)";

// Socket sizing. The kernel answers each request from inside sendmsg(), so
// the ACKs of everything sent but not yet read sit in our receive queue, each
// charged at its skb's true size (under 1 KiB for an ACK; 2 KiB assumed).
constexpr int kWantReceiveBuffer = 8 << 20;  // bytes; capped by rmem_max without CAP_NET_ADMIN
constexpr int kWantSendBuffer = 1 << 20;     // bytes
constexpr std::size_t kAckCharge = 2048;     // bytes of receive buffer per outstanding ACK
constexpr std::size_t kMinWindow = 16;       // requests
constexpr std::size_t kMaxDatagram = 64 << 10;  // bytes of requests per sendmsg()
constexpr int kReceiveTimeoutSeconds = 10;
constexpr std::size_t kAckSlots = 64;          // datagrams per recvmmsg()
constexpr std::size_t kAckSlotSize = 4096;     // an ACK is 36 bytes (NETLINK_CAP_ACK)
constexpr std::size_t kDumpBufferSize = 64 << 10;  // the kernel caps dump skbs at 32 KiB

std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

struct SockFree {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
using Sock = std::unique_ptr<nl_sock, SockFree>;

// `/sbin/modprobe ip_vs`, run once and waited for; its outcome shows in the
// second family lookup.
void load_ip_vs() {
  char arg0[] = "modprobe", arg1[] = "ip_vs";
  char* argv[] = {arg0, arg1, nullptr};
  char env0[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {env0, nullptr};
  const pid_t pid = fork();
  if (pid < 0) return;
  if (pid == 0) {
    execve("/sbin/modprobe", argv, envp);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string daemon_text(const SyncDaemon& d) {
  return std::string(d.state == SyncState::master ? "master" : "backup") + " sync daemon on " + d.interface +
         " syncid " + std::to_string(d.syncid);
}

class NetlinkTable final : public IpvsTable {
 public:
  NetlinkTable(Sock sock, int family)
      : sock_(std::move(sock)), fd_(nl_socket_get_fd(sock_.get())), family_(family),
        seq_(static_cast<std::uint32_t>(std::time(nullptr))), dump_buffer_(kDumpBufferSize),
        ack_buffers_(kAckSlots * kAckSlotSize) {
    nl_socket_set_buffer_size(sock_.get(), kWantReceiveBuffer, kWantSendBuffer);
    // With CAP_NET_ADMIN the caps of rmem_max/wmem_max do not apply.
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &kWantReceiveBuffer, sizeof kWantReceiveBuffer);
    setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &kWantSendBuffer, sizeof kWantSendBuffer);
    int one = 1;
    setsockopt(fd_, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);  // errors without the request echoed
    timeval timeout{kReceiveTimeoutSeconds, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

    int rcvbuf = 0, sndbuf = 0;
    socklen_t len = sizeof rcvbuf;
    getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);
    len = sizeof sndbuf;
    getsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len);
    window_ = std::max(kMinWindow, static_cast<std::size_t>(std::max(rcvbuf, 0)) / kAckCharge);
    max_datagram_ = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(sndbuf, 0)) / 2, 4096, kMaxDatagram);
  }

  std::variant<Table, std::string> dump() override {
    for (int attempt = 0;; ++attempt) {
      bool interrupted = false;
      auto table = dump_once(interrupted);
      if (!interrupted || attempt == 2 || table.index() == 1) return table;
    }
  }

  ApplyResult apply(const std::vector<Operation>& ops) override;

  std::variant<std::vector<SyncDaemon>, std::string> daemons() override {
    std::vector<SyncDaemon> out;
    bool interrupted = false;
    const std::uint32_t seq = seq_++;
    auto err = run_dump(wire::encode_get_daemons(family_, seq), seq, interrupted,
                        [&](std::span<const std::uint8_t> m) -> std::optional<std::string> {
                          auto d = wire::parse_daemon(m);
                          if (d.index() == 1) return std::get<1>(d);
                          out.push_back(std::get<0>(d));
                          return std::nullopt;
                        });
    if (err) return "reading the sync daemons: " + *err;
    return out;
  }

  std::variant<Timeouts, std::string> get_timeouts() override {
    const std::uint32_t seq = seq_++;
    std::optional<wire::Decoded<Timeouts>> reply;
    auto r = transact(wire::encode_get_config(family_, seq), seq, [&](const wire::Message& m) {
      if (!reply) reply = wire::parse_timeouts(m.bytes);
    });
    if (r.index() == 1) return "reading the IPVS timeouts: " + std::get<1>(r);
    if (int err = std::get<0>(r)) return "reading the IPVS timeouts: " + errno_text(err);
    if (!reply) return std::string("reading the IPVS timeouts: the kernel acknowledged without a reply");
    if (reply->index() == 1) return "reading the IPVS timeouts: " + std::get<1>(*reply);
    return std::get<0>(*reply);
  }

  std::optional<std::string> set_timeouts(const Timeouts& t) override {
    const std::uint32_t seq = seq_++;
    auto r = transact(wire::encode_set_config(t, family_, seq), seq);
    if (r.index() == 1) return "setting the IPVS timeouts (" + describe(t) + "): " + std::get<1>(r);
    if (int err = std::get<0>(r)) return "setting the IPVS timeouts (" + describe(t) + "): " + errno_text(err);
    return std::nullopt;
  }

  std::optional<std::string> start_daemon(const SyncDaemon& d) override {
    const std::uint32_t seq = seq_++;
    auto r = transact(wire::encode_new_daemon(d, family_, seq), seq);
    if (r.index() == 1) return "starting the " + daemon_text(d) + ": " + std::get<1>(r);
    if (int err = std::get<0>(r)) return "starting the " + daemon_text(d) + ": " + errno_text(err);
    return std::nullopt;
  }

  std::optional<std::string> stop_daemon(SyncState state) override {
    const std::uint32_t seq = seq_++;
    const std::string what = state == SyncState::master ? "master" : "backup";
    auto r = transact(wire::encode_del_daemon(state, family_, seq), seq);
    if (r.index() == 1) return "stopping the " + what + " sync daemon: " + std::get<1>(r);
    if (int err = std::get<0>(r)) return "stopping the " + what + " sync daemon: " + errno_text(err);
    return std::nullopt;
  }

 private:
  using MessageHandler = std::function<void(const wire::Message&)>;

  // 0, or the errno of sendmsg(). The kernel handles the requests of one
  // datagram one after the other and answers each on its own.
  int send(std::span<const std::uint8_t> datagram) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    for (;;) {
      const ssize_t n = sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                               sizeof kernel);
      if (n >= 0) return 0;
      if (errno != EINTR) return errno;
    }
  }

  // Waits for at least one datagram (up to the receive timeout; not at all
  // with MSG_DONTWAIT), then takes as many as are queued, up to `slots`, and
  // hands their messages from the kernel to `handle`. 0, or the errno of the
  // receive (ENOBUFS: the queue overflowed and replies were dropped).
  int receive(std::size_t slots, const MessageHandler& handle, int flags = MSG_WAITFORONE) {
    std::uint8_t* base = slots == 1 ? dump_buffer_.data() : ack_buffers_.data();
    const std::size_t size = slots == 1 ? dump_buffer_.size() : kAckSlotSize;
    std::vector<mmsghdr> msgs(slots);
    std::vector<iovec> iov(slots);
    std::vector<sockaddr_nl> from(slots);
    for (std::size_t i = 0; i < slots; ++i) {
      iov[i] = {base + i * size, size};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_nl);
    }
    int got;
    do {
      got = recvmmsg(fd_, msgs.data(), static_cast<unsigned>(slots), flags, nullptr);
    } while (got < 0 && errno == EINTR);
    if (got < 0) return errno;
    for (int i = 0; i < got; ++i) {
      if (from[i].nl_pid != 0) continue;            // only the kernel talks to us
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) continue;  // cannot be one of our replies
      auto split = wire::split_datagram({base + i * size, msgs[i].msg_len});
      if (split.index() == 1) continue;
      for (const auto& m : std::get<0>(split)) handle(m);
    }
    return 0;
  }

  // Sends one request that is answered by an ACK, and maybe a reply before
  // it, which goes to `on_reply` (else it is dropped). The kernel's errno (0
  // for success), or why no answer came.
  std::variant<int, std::string> transact(const wire::Bytes& request, std::uint32_t seq,
                                          const MessageHandler& on_reply = {}) {
    if (int err = send(request)) return "send: " + errno_text(err);
    std::optional<int> status;
    std::string bad;
    while (!status) {
      if (int err = receive(1, [&](const wire::Message& m) {
            if (m.seq != seq) return;
            if (m.type == family_ && on_reply) on_reply(m);
            if (m.type != NLMSG_ERROR) return;
            auto s = wire::parse_status(m);
            if (s.index() == 1) bad = std::get<1>(s), status = EPROTO;
            else status = std::get<0>(s);
          }))
        return "no acknowledgement: " + errno_text(err);
    }
    if (!bad.empty()) return bad;
    return *status;
  }

  // Runs one dump to its NLMSG_DONE, handing every reply message to
  // `on_reply`. Reads the dump to its end even after a bad message, so the
  // socket is clean for the next request.
  std::optional<std::string> run_dump(
      const wire::Bytes& request, std::uint32_t seq, bool& interrupted,
      const std::function<std::optional<std::string>(std::span<const std::uint8_t>)>& on_reply) {
    if (int err = send(request)) return "send: " + errno_text(err);
    bool done = false;
    std::optional<std::string> failure;
    while (!done) {
      int err = receive(1, [&](const wire::Message& m) {
        if (m.seq != seq || done) return;
        if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
        if (m.type == NLMSG_DONE || m.type == NLMSG_ERROR) {
          done = true;
          auto s = wire::parse_status(m);
          if (s.index() == 1) failure = std::get<1>(s);
          else if (std::get<0>(s) != 0 && !failure) failure = errno_text(std::get<0>(s));
        } else if (m.type == family_ && !failure) {
          failure = on_reply(m.bytes);
        }
      });
      if (err) return "no reply: " + errno_text(err);
    }
    return failure;
  }

  std::variant<Table, std::string> dump_once(bool& interrupted) {
    Table table;
    std::uint32_t seq = seq_++;
    auto err = run_dump(wire::encode_get_services(family_, seq), seq, interrupted,
                        [&](std::span<const std::uint8_t> m) -> std::optional<std::string> {
                          auto s = wire::parse_service(m);
                          if (s.index() == 1) return std::get<1>(s);
                          table.push_back({std::get<0>(s), {}});
                          return std::nullopt;
                        });
    if (err) return "dumping the IPVS services: " + *err;
    for (auto& entry : table) {
      const int af = entry.service.key.af;
      seq = seq_++;
      err = run_dump(wire::encode_get_dests(entry.service.key, family_, seq), seq, interrupted,
                     [&](std::span<const std::uint8_t> m) -> std::optional<std::string> {
                       auto d = wire::parse_dest(m, af);
                       if (d.index() == 1) return std::get<1>(d);
                       entry.dests.push_back(std::get<0>(d));
                       return std::nullopt;
                     });
      if (err) return "dumping the dests of " + entry.service.key.str() + ": " + *err;
      std::sort(entry.dests.begin(), entry.dests.end(),
                [](const Destination& a, const Destination& b) { return a.key < b.key; });
    }
    // The kernel lists in hash order; sorted, two dumps of one table compare equal.
    std::sort(table.begin(), table.end(),
              [](const ServiceEntry& a, const ServiceEntry& b) { return a.service.key < b.service.key; });
    return table;
  }

  // After an overrun: reads what is queued, then sends GET_INFO and reads
  // until its ACK. The kernel answers in order, so by then every earlier
  // request has been answered or its answer dropped. Other messages go to
  // `handle`. false if the barrier's ACK never came.
  //
  // An overrun marks the socket congested, and the kernel drops every
  // message for it until a read empties the queue; hence the drain first.
  bool barrier(const MessageHandler& handle) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      for (;;) {
        const int err = receive(kAckSlots, handle, MSG_DONTWAIT);
        if (err == EAGAIN || err == EWOULDBLOCK) break;
        if (err != 0 && err != ENOBUFS) return false;
      }
      const std::uint32_t seq = seq_++;
      if (send(wire::encode_get_info(family_, seq))) return false;
      bool reached = false;
      int err = 0;
      while (!reached && err == 0) {
        err = receive(kAckSlots, [&](const wire::Message& m) {
          if (m.seq == seq) {
            if (m.type == NLMSG_ERROR) reached = true;
            return;
          }
          handle(m);
        });
      }
      if (reached) return true;
      if (err != ENOBUFS) return false;
    }
    return false;
  }

  Sock sock_;
  int fd_;
  int family_;
  std::uint32_t seq_;
  std::size_t window_ = kMinWindow;      // requests in flight at most
  std::size_t max_datagram_ = 4096;      // bytes per sendmsg()
  std::vector<std::uint8_t> dump_buffer_;
  std::vector<std::uint8_t> ack_buffers_;
};

ApplyResult NetlinkTable::apply(const std::vector<Operation>& ops) {
  ApplyResult result;
  const std::size_t n = ops.size();
  if (n == 0) return result;
  const std::uint32_t base = seq_;
  seq_ += static_cast<std::uint32_t>(n);

  std::vector<bool> answered(n, false);
  std::size_t sent = 0, done = 0;  // done: answered (or given up on) among the sent
  auto settle = [&](std::size_t i, int err, const std::string& why) {
    answered[i] = true;
    ++done;
    if (err != 0) result.failures.push_back({i, err, describe(ops[i]) + ": " + why});
  };
  const MessageHandler on_ack = [&](const wire::Message& m) {
    const std::uint32_t i = m.seq - base;  // wraps for foreign sequence numbers
    if (m.type != NLMSG_ERROR || i >= sent || answered[i]) return;
    auto s = wire::parse_status(m);
    if (s.index() == 1) settle(i, EPROTO, std::get<1>(s));
    else settle(i, std::get<0>(s), errno_text(std::get<0>(s)));
  };

  wire::Bytes datagram;
  datagram.reserve(max_datagram_);
  while (done < n) {
    // Fill the window, many requests per datagram.
    while (sent < n && sent - done < window_) {
      datagram.clear();
      const std::size_t first = sent;
      while (sent < n && sent - done < window_) {
        const wire::Bytes msg = wire::encode_request(ops[sent], family_, base + static_cast<std::uint32_t>(sent));
        if (!datagram.empty() && datagram.size() + msg.size() > max_datagram_) break;
        datagram.insert(datagram.end(), msg.begin(), msg.end());
        datagram.resize(NLMSG_ALIGN(datagram.size()));
        ++sent;
      }
      if (int err = send(datagram)) {
        for (std::size_t i = first; i < sent; ++i) settle(i, err, "not sent: " + errno_text(err));
      }
    }
    if (done == n) break;

    const int err = receive(kAckSlots, on_ack);
    if (err == 0) continue;
    if (err == ENOBUFS && barrier(on_ack)) {
      // ACKs were dropped: the kernel did handle those requests, but whether
      // each succeeded is unknown. A later dump tells.
      for (std::size_t i = 0; i < sent; ++i)
        if (!answered[i]) settle(i, ENOBUFS, "acknowledgement lost (receive buffer overrun)");
      window_ = std::max(kMinWindow, window_ / 2);
      continue;
    }
    for (std::size_t i = 0; i < n; ++i)
      if (!answered[i]) settle(i, err, (i < sent ? "no acknowledgement: " : "not sent: ") + errno_text(err));
  }
  std::sort(result.failures.begin(), result.failures.end(),
            [](const OpFailure& a, const OpFailure& b) { return a.index < b.index; });
  return result;
}

}  // namespace

std::variant<std::unique_ptr<IpvsTable>, std::string> open_netlink_table() {
  Sock sock(nl_socket_alloc());
  if (!sock) return std::string("netlink: out of memory");
  if (int err = nl_connect(sock.get(), NETLINK_GENERIC); err < 0)
    return std::string("netlink: cannot open a generic netlink socket: ") + nl_geterror(err);
  int family = genl_ctrl_resolve(sock.get(), "IPVS");
  if (family == -NLE_OBJ_NOTFOUND) {
    load_ip_vs();
    family = genl_ctrl_resolve(sock.get(), "IPVS");
  }
  if (family == -NLE_OBJ_NOTFOUND) return std::string(kMissing);
  if (family < 0) return std::string("netlink: looking up the IPVS family: ") + nl_geterror(family);
  return std::unique_ptr<IpvsTable>(std::make_unique<NetlinkTable>(std::move(sock), family));
}

}  // namespace tandem::ipvs
