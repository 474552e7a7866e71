// Test servers for the prober component tests: TCP, TLS and UDP servers on
// loopback (ephemeral ports), each an Asio coroutine on the test's own
// io_context, with canned behaviours (answer, stay silent, trickle), plus
// an in-process self-signed certificate and the helpers that run probes.
#pragma once
#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "health/prober.hpp"

namespace tandem::component {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using namespace std::chrono_literals;

// How late a verdict at the deadline may be: the deadline bounds the whole
// exchange, so it comes at the timeout, not much later. The slack covers a
// loaded 2-core machine and sanitizers (load 7 has been seen to delay a
// wake-up by 450 ms); the test servers never close, so a prober without a
// working deadline would not report at all.
constexpr std::chrono::milliseconds kTimeoutSlack = 1000ms;

// What a server does with one accepted connection.
using StreamHandler = std::function<asio::awaitable<void>(tcp::socket)>;

// Reads the request head (up to an empty line), writes `response`, then
// closes (`close`) or keeps the connection open until the client leaves.
StreamHandler http_reply(std::string response, bool close = true);
// Reads one line, writes `reply`, then closes or keeps the connection.
StreamHandler line_reply(std::string reply, bool close = true);
// Writes `banner` on accept, then keeps the connection open.
StreamHandler banner(std::string text);
// Reads whatever comes and never answers.
StreamHandler silent();
// Writes `text` one byte every `interval`, cycling, until the client leaves.
StreamHandler trickle(std::string text, std::chrono::milliseconds interval);
// Closes the connection as soon as it is accepted.
StreamHandler hang_up();

// A TCP server on `address` (loopback), port chosen by the kernel. Stops
// accepting when destroyed; the connections it serves end on their own or
// with the io_context.
class TcpServer {
 public:
  TcpServer(asio::io_context& io, StreamHandler handler, const char* address = "127.0.0.1");
  ~TcpServer();
  std::uint16_t port() const { return port_; }
  int accepted() const;  // connections accepted so far

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::uint16_t port_ = 0;
};

// A self-signed certificate for CN "localhost" with the subject alternative
// names DNS:localhost, IP:127.0.0.1 and IP:::1; an EC P-256 key. PEM text.
struct SelfSigned {
  std::string cert_pem;
  std::string key_pem;
};
SelfSigned make_self_signed();

// A TLS server answering one HTTP request per connection with `response`
// (http_reply's behaviour behind a TLS handshake). Records the SNI name of
// the last handshake.
class TlsServer {
 public:
  TlsServer(asio::io_context& io, const SelfSigned& cert, std::string response, const char* address = "127.0.0.1");
  ~TlsServer();
  std::uint16_t port() const { return port_; }
  std::string last_server_name() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::uint16_t port_ = 0;
};

// A UDP server: for each datagram, sends back what `reply` returns (any
// number of datagrams, none to stay silent).
using DatagramReply = std::function<std::vector<std::string>(std::string_view)>;
class UdpServer {
 public:
  UdpServer(asio::io_context& io, DatagramReply reply, const char* address = "127.0.0.1");
  ~UdpServer();
  std::uint16_t port() const { return port_; }

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::uint16_t port_ = 0;
};

// A port with nothing listening on it: bound, read back, closed.
std::uint16_t closed_tcp_port(const char* address = "127.0.0.1");
std::uint16_t closed_udp_port(const char* address = "127.0.0.1");

// A ProbeSpec with the fields every type uses.
health::ProbeSpec make_spec(health::ProbeType type, const char* address, std::uint16_t port,
                            std::chrono::milliseconds timeout = 2000ms);
health::Matcher regex(std::string pattern);
health::Matcher prefix(std::string bytes);
// "GET / HTTP/1.1" (or HEAD) with Host, User-Agent and Connection: close.
std::string http_request(bool head = false, std::string_view path = "/");

// Starts every spec, runs `io` until all are done (at most `limit`), and
// returns the results in the order of `specs`; a probe that never reported
// has detail "(no result)".
std::vector<health::ProbeResult> run_probes(asio::io_context& io, health::Prober& prober,
                                            const std::vector<health::ProbeSpec>& specs,
                                            std::chrono::milliseconds limit = 20s);
health::ProbeResult run_probe(asio::io_context& io, health::Prober& prober, const health::ProbeSpec& spec,
                              std::chrono::milliseconds limit = 20s);

// A fresh directory under the temporary directory, removed when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Whether `pid` still runs: /proc/<pid> exists and is not a zombie.
bool process_running(int pid);
// Waits (up to `limit`) for a file holding a pid, running `io` meanwhile.
std::optional<int> wait_for_pid_file(asio::io_context& io, const std::filesystem::path& file,
                                     std::chrono::milliseconds limit = 5s);

}  // namespace tandem::component
