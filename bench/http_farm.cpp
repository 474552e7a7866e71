// A farm of minimal HTTP servers for the health-check benchmark
// (bench/health_vm.py): one epoll loop listening on many ports of one
// address, each port standing for one real server.
//
//   http_farm [--address 127.0.0.1] [--first-port 20000] [--count 2000]
//             [--fail PORTS] [--closed PORTS] [--body TEXT] [--backlog N]
//
// Every request (read up to the end of its header) gets
//
//   HTTP/1.1 200 OK
//   Content-Type: text/plain
//   Content-Length: N
//   Connection: close
//
//   Working Fine (port P)
//
// and the connection is closed. Ports listed in --fail answer "503 Service
// Unavailable" instead; ports in --closed are not listened on (connections
// are refused). PORTS is a comma-separated list of ports and ranges, such
// as "20005,20100-20199".
//
// Prints "ready" on stdout once every port listens. On SIGUSR1 it prints one
// line of counters and resets the per-port ones:
//
//   stats requests=R accepted=A errors=E open=O ports=K min=N max=M
//
// requests, accepted (connections) and errors (connections closed without a
// complete request: reset, timeout, oversized header) count since start;
// open is the connections open now; ports is how many listening ports
// answered at least one request since the previous stats line, and min/max
// the fewest and most requests one listening port answered in that time.
// SIGTERM or SIGINT prints a last stats line and exits 0.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t kMaxHeader = 8192;     // bytes of request header read at most
constexpr std::int64_t kIdleTimeoutMs = 10000;  // a connection without a full request this long is dropped

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "http_farm: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "http_farm: %s\n"
               "usage: http_farm [--address A] [--first-port P] [--count N] [--fail PORTS] [--closed PORTS]\n"
               "                 [--body TEXT] [--backlog N]\n",
               msg);
  std::exit(2);
}

long parse_number(std::string_view text, long lo, long hi, const char* what) {
  long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi)
    usage((std::string("bad ") + what + ": " + std::string(text)).c_str());
  return v;
}

// "20005,20100-20199" -> the ports, as a membership table.
void parse_ports(std::string_view text, std::vector<bool>& set) {
  set.assign(65536, false);
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    auto dash = item.find('-');
    long a = parse_number(item.substr(0, dash), 1, 65535, "port");
    long b = dash == std::string_view::npos ? a : parse_number(item.substr(dash + 1), 1, 65535, "port");
    if (b < a) usage("bad port range");
    for (long p = a; p <= b; ++p) set[static_cast<std::size_t>(p)] = true;
  }
}

std::int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The complete response of one port, built once.
std::string make_response(bool ok, const std::string& body_text, int port) {
  std::string body = ok ? body_text + " (port " + std::to_string(port) + ")\n" : "Service Unavailable\n";
  std::string r = ok ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 503 Service Unavailable\r\n";
  r += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
       "\r\nConnection: close\r\n\r\n" + body;
  return r;
}

// Finds the end of an HTTP header ("\r\n\r\n", or "\n\n" from a lax client)
// in buf, looking only at the bytes from `from` on (minus 3 for a split).
bool header_complete(const std::string& buf, std::size_t from) {
  std::size_t start = from > 3 ? from - 3 : 0;
  std::string_view v(buf);
  v.remove_prefix(start);
  return v.find("\r\n\r\n") != std::string_view::npos || v.find("\n\n") != std::string_view::npos;
}

struct Listener {
  int fd = -1;
  int port = 0;
  std::string response;
  std::uint32_t hits = 0;  // requests answered since the last stats line
};

struct Conn {
  bool open = false;
  bool writing = false;           // the response is being written (EPOLLOUT)
  std::uint32_t listener = 0;     // index into the listeners
  std::size_t sent = 0;           // bytes of the response written
  std::int64_t since_ms = 0;      // when it was accepted
  std::string buf;                // the request header so far
};

// epoll data: the kind in the upper half, an index or fd in the lower one.
constexpr std::uint64_t kListener = 1ull << 32;
constexpr std::uint64_t kConn = 2ull << 32;
constexpr std::uint64_t kSignal = 3ull << 32;

class Farm {
 public:
  Farm(std::vector<Listener> listeners, int ep) : listeners_(std::move(listeners)), ep_(ep) {}

  void accept_all(std::uint32_t index) {
    Listener& l = listeners_[index];
    for (;;) {
      int fd = accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
        if (errno == EMFILE || errno == ENFILE) {
          // Out of descriptors: leave the rest in the backlog until some close.
          std::fprintf(stderr, "http_farm: accept: %s\n", std::strerror(errno));
          return;
        }
        die("accept4");
      }
      ++accepted_;
      if (static_cast<std::size_t>(fd) >= conns_.size()) conns_.resize(static_cast<std::size_t>(fd) * 2 + 64);
      Conn& c = conns_[static_cast<std::size_t>(fd)];
      c.open = true;
      c.writing = false;
      c.listener = index;
      c.sent = 0;
      c.since_ms = now_ms();
      c.buf.clear();
      ++open_;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.u64 = kConn | static_cast<std::uint32_t>(fd);
      if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl(conn)");
      // Most clients send the request at once: try to answer right away.
      on_readable(fd);
    }
  }

  void on_event(int fd, std::uint32_t events) {
    if (static_cast<std::size_t>(fd) >= conns_.size() || !conns_[static_cast<std::size_t>(fd)].open) return;
    Conn& c = conns_[static_cast<std::size_t>(fd)];
    if (c.writing) {
      if (events & (EPOLLERR | EPOLLHUP)) return close_conn(fd, false);
      return write_response(fd);
    }
    on_readable(fd);
  }

  void on_readable(int fd) {
    Conn& c = conns_[static_cast<std::size_t>(fd)];
    char chunk[2048];
    for (;;) {
      ssize_t n = read(fd, chunk, sizeof chunk);
      if (n > 0) {
        std::size_t before = c.buf.size();
        c.buf.append(chunk, static_cast<std::size_t>(n));
        if (header_complete(c.buf, before)) {
          ++requests_;
          ++listeners_[c.listener].hits;
          c.writing = true;
          return write_response(fd);
        }
        if (c.buf.size() > kMaxHeader) return close_conn(fd, false);
        continue;
      }
      if (n == 0) return close_conn(fd, false);  // closed before a full request
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return close_conn(fd, false);
    }
  }

  void write_response(int fd) {
    Conn& c = conns_[static_cast<std::size_t>(fd)];
    const std::string& r = listeners_[c.listener].response;
    while (c.sent < r.size()) {
      ssize_t n = send(fd, r.data() + c.sent, r.size() - c.sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.u64 = kConn | static_cast<std::uint32_t>(fd);
        if (epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &ev) < 0) die("epoll_ctl(mod)");
        return;
      }
      return close_conn(fd, false);
    }
    close_conn(fd, true);
  }

  void close_conn(int fd, bool answered) {
    Conn& c = conns_[static_cast<std::size_t>(fd)];
    if (!answered) ++errors_;
    c.open = false;
    c.buf.clear();
    --open_;
    close(fd);  // also removes it from the epoll set
  }

  // Drops connections that never sent a full request (every few seconds).
  void expire(std::int64_t now) {
    if (now - last_expire_ms_ < 1000) return;
    last_expire_ms_ = now;
    for (std::size_t fd = 0; fd < conns_.size(); ++fd)
      if (conns_[fd].open && !conns_[fd].writing && now - conns_[fd].since_ms > kIdleTimeoutMs)
        close_conn(static_cast<int>(fd), false);
  }

  void print_stats() {
    std::uint32_t lo = UINT32_MAX, hi = 0;
    std::size_t hit_ports = 0;
    for (auto& l : listeners_) {
      if (l.fd < 0) continue;
      lo = std::min(lo, l.hits);
      hi = std::max(hi, l.hits);
      if (l.hits > 0) ++hit_ports;
      l.hits = 0;
    }
    if (lo == UINT32_MAX) lo = 0;
    std::printf("stats requests=%llu accepted=%llu errors=%llu open=%ld ports=%zu min=%u max=%u\n",
                static_cast<unsigned long long>(requests_), static_cast<unsigned long long>(accepted_),
                static_cast<unsigned long long>(errors_), open_, hit_ports, lo, hi);
    std::fflush(stdout);
  }

 private:
  std::vector<Listener> listeners_;
  std::vector<Conn> conns_;
  int ep_;
  std::uint64_t requests_ = 0, accepted_ = 0, errors_ = 0;
  long open_ = 0;
  std::int64_t last_expire_ms_ = 0;
};

void raise_nofile(std::size_t want) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) die("getrlimit");
  if (rl.rlim_cur >= want) return;
  rlimit up = rl;
  up.rlim_cur = want;
  if (up.rlim_max < want) up.rlim_max = want;  // needs CAP_SYS_RESOURCE
  if (setrlimit(RLIMIT_NOFILE, &up) == 0) return;
  rl.rlim_cur = rl.rlim_max;  // as far as the hard limit goes
  setrlimit(RLIMIT_NOFILE, &rl);
  std::fprintf(stderr, "http_farm: open files limited to %llu (wanted %zu)\n",
               static_cast<unsigned long long>(rl.rlim_cur), want);
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1", body = "Working Fine";
  long first_port = 20000, count = 2000, backlog = 1024;
  std::vector<bool> fail(65536, false), closed(65536, false);
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage((std::string("missing value for ") + std::string(a)).c_str());
      return argv[++i];
    };
    if (a == "--address") address = value();
    else if (a == "--first-port") first_port = parse_number(value(), 1, 65535, "--first-port");
    else if (a == "--count") count = parse_number(value(), 1, 65535, "--count");
    else if (a == "--fail") parse_ports(value(), fail);
    else if (a == "--closed") parse_ports(value(), closed);
    else if (a == "--body") body = value();
    else if (a == "--backlog") backlog = parse_number(value(), 1, 65535, "--backlog");
    else if (a == "-h" || a == "--help") usage("an HTTP server on many ports");
    else usage((std::string("unknown option ") + std::string(a)).c_str());
  }
  if (first_port + count - 1 > 65535) usage("ports beyond 65535");

  sockaddr_storage ss{};
  socklen_t sslen = 0;
  int family = AF_INET;
  if (inet_pton(AF_INET, address.c_str(), &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr) == 1) {
    ss.ss_family = AF_INET;
    sslen = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr) == 1) {
    ss.ss_family = AF_INET6;
    family = AF_INET6;
    sslen = sizeof(sockaddr_in6);
  } else {
    usage("bad --address");
  }

  // Listeners, connections in flight (a few per port at most), spare.
  raise_nofile(static_cast<std::size_t>(count) * 4 + 1024);

  // SIGUSR1 (stats) and SIGTERM/SIGINT (stop) through a signalfd.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) < 0) die("sigprocmask");
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) die("signalfd");
  signal(SIGPIPE, SIG_IGN);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  std::vector<Listener> listeners;
  listeners.reserve(static_cast<std::size_t>(count));
  for (long i = 0; i < count; ++i) {
    int port = static_cast<int>(first_port + i);
    Listener l;
    l.port = port;
    l.response = make_response(!fail[static_cast<std::size_t>(port)], body, port);
    if (!closed[static_cast<std::size_t>(port)]) {
      l.fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (l.fd < 0) die("socket");
      int one = 1;
      setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (family == AF_INET)
        reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(static_cast<std::uint16_t>(port));
      else
        reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(static_cast<std::uint16_t>(port));
      if (bind(l.fd, reinterpret_cast<sockaddr*>(&ss), sslen) < 0) {
        std::fprintf(stderr, "http_farm: bind %s port %d: %s\n", address.c_str(), port, std::strerror(errno));
        return 1;
      }
      if (listen(l.fd, static_cast<int>(backlog)) < 0) die("listen");
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = kListener | static_cast<std::uint64_t>(i);
      if (epoll_ctl(ep, EPOLL_CTL_ADD, l.fd, &ev) < 0) die("epoll_ctl(listener)");
    }
    listeners.push_back(std::move(l));
  }
  {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kSignal;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0) die("epoll_ctl(signalfd)");
  }

  Farm farm(std::move(listeners), ep);
  std::printf("ready\n");
  std::fflush(stdout);

  std::vector<epoll_event> events(512);
  for (;;) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1000);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int k = 0; k < n; ++k) {
      std::uint64_t d = events[static_cast<std::size_t>(k)].data.u64;
      std::uint64_t kind = d & ~0xffffffffull;
      auto low = static_cast<std::uint32_t>(d);
      if (kind == kListener) {
        farm.accept_all(low);
      } else if (kind == kConn) {
        farm.on_event(static_cast<int>(low), events[static_cast<std::size_t>(k)].events);
      } else if (kind == kSignal) {
        signalfd_siginfo si{};
        while (read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
          farm.print_stats();
          if (si.ssi_signo != SIGUSR1) return 0;
        }
      }
    }
    farm.expire(now_ms());
  }
}
