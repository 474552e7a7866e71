#include "probe_servers.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "health/http_response.hpp"

namespace tandem::component {

namespace {

using boost::system::error_code;
constexpr auto kAwait = asio::use_awaitable;

template <typename Stream>
asio::awaitable<void> read_until_gone(Stream& s) {
  char buffer[1024];
  error_code ec;
  while (!ec) co_await s.async_read_some(asio::buffer(buffer), asio::redirect_error(kAwait, ec));
}

template <typename Stream>
asio::awaitable<bool> read_until_text(Stream& s, std::string_view delimiter) {
  std::string got;
  error_code ec;
  co_await asio::async_read_until(s, asio::dynamic_buffer(got), delimiter, asio::redirect_error(kAwait, ec));
  co_return !ec;
}

template <typename Stream>
void close_for_sending(Stream& s) {
  error_code ignored;
  s.lowest_layer().shutdown(tcp::socket::shutdown_send, ignored);
}

template <typename Stream>
asio::awaitable<void> answer(Stream& s, std::string delimiter, std::string reply, bool close) {
  if (!co_await read_until_text(s, delimiter)) co_return;
  error_code ec;
  co_await asio::async_write(s, asio::buffer(reply), asio::redirect_error(kAwait, ec));
  if (ec) co_return;
  if (close) close_for_sending(s);
  co_await read_until_gone(s);
}

asio::awaitable<void> answer_on(tcp::socket s, std::string delimiter, std::string reply, bool close) {
  co_await answer(s, std::move(delimiter), std::move(reply), close);
}

asio::awaitable<void> write_then_hold(tcp::socket s, std::string text) {
  error_code ec;
  co_await asio::async_write(s, asio::buffer(text), asio::redirect_error(kAwait, ec));
  if (!ec) co_await read_until_gone(s);
}

asio::awaitable<void> hold(tcp::socket s) { co_await read_until_gone(s); }

asio::awaitable<void> drip(tcp::socket s, std::string text, std::chrono::milliseconds interval) {
  asio::steady_timer timer(s.get_executor());
  error_code ec;
  for (std::size_t i = 0; !ec; ++i) {
    co_await asio::async_write(s, asio::buffer(&text[i % text.size()], 1), asio::redirect_error(kAwait, ec));
    if (ec) break;
    timer.expires_after(interval);
    co_await timer.async_wait(asio::redirect_error(kAwait, ec));
  }
}

asio::awaitable<void> close_now(tcp::socket s) {
  error_code ignored;
  s.close(ignored);
  co_return;
}

tcp::acceptor listen_on(asio::io_context& io, const char* address) {
  const tcp::endpoint endpoint(asio::ip::make_address(address), 0);
  tcp::acceptor acceptor(io, endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
  return acceptor;
}

}  // namespace

StreamHandler http_reply(std::string response, bool close) {
  return [response = std::move(response), close](tcp::socket s) { return answer_on(std::move(s), "\r\n\r\n", response, close); };
}

StreamHandler line_reply(std::string reply, bool close) {
  return [reply = std::move(reply), close](tcp::socket s) { return answer_on(std::move(s), "\n", reply, close); };
}

StreamHandler banner(std::string text) {
  return [text = std::move(text)](tcp::socket s) { return write_then_hold(std::move(s), text); };
}

StreamHandler silent() {
  return [](tcp::socket s) { return hold(std::move(s)); };
}

StreamHandler trickle(std::string text, std::chrono::milliseconds interval) {
  return [text = std::move(text), interval](tcp::socket s) { return drip(std::move(s), text, interval); };
}

StreamHandler hang_up() {
  return [](tcp::socket s) { return close_now(std::move(s)); };
}

// --- TcpServer ---------------------------------------------------------

struct TcpServer::State {
  tcp::acceptor acceptor;
  StreamHandler handler;
  int accepted = 0;
};

namespace {

// The connection's coroutine keeps the state, and so the handler it runs,
// alive.
asio::awaitable<void> serve_tcp(std::shared_ptr<TcpServer::State> state, tcp::socket s) {
  co_await state->handler(std::move(s));
}

asio::awaitable<void> accept_tcp(std::shared_ptr<TcpServer::State> state) {
  for (;;) {
    error_code ec;
    tcp::socket s = co_await state->acceptor.async_accept(asio::redirect_error(kAwait, ec));
    if (!state->acceptor.is_open()) co_return;
    if (ec) continue;
    ++state->accepted;
    asio::co_spawn(state->acceptor.get_executor(), serve_tcp(state, std::move(s)), asio::detached);
  }
}

}  // namespace

TcpServer::TcpServer(asio::io_context& io, StreamHandler handler, const char* address)
    : state_(std::make_shared<State>(State{listen_on(io, address), std::move(handler)})),
      port_(state_->acceptor.local_endpoint().port()) {
  asio::co_spawn(io, accept_tcp(state_), asio::detached);
}

TcpServer::~TcpServer() {
  error_code ignored;
  state_->acceptor.close(ignored);
}

int TcpServer::accepted() const { return state_->accepted; }

// --- certificates and TlsServer ------------------------------------------

SelfSigned make_self_signed() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (!key || !cert) throw std::runtime_error("openssl: cannot make a key");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  if (!san) throw std::runtime_error("openssl: cannot make the subjectAltName");
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  if (X509_sign(cert, key, EVP_sha256()) == 0) throw std::runtime_error("openssl: cannot sign");

  auto pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return text;
  };
  SelfSigned out;
  out.cert_pem = pem([cert](BIO* bio) { PEM_write_bio_X509(bio, cert); });
  out.key_pem = pem([key](BIO* bio) { PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

struct TlsServer::State {
  tcp::acceptor acceptor;
  asio::ssl::context context;
  std::string response;
  std::string last_server_name;
};

namespace {

asio::awaitable<void> serve_tls(std::shared_ptr<TlsServer::State> state, tcp::socket s) {
  asio::ssl::stream<tcp::socket> tls(std::move(s), state->context);
  error_code ec;
  co_await tls.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(kAwait, ec));
  if (ec) co_return;
  const char* name = SSL_get_servername(tls.native_handle(), TLSEXT_NAMETYPE_host_name);
  state->last_server_name = name ? name : "";
  co_await answer(tls, "\r\n\r\n", state->response, true);
}

asio::awaitable<void> accept_tls(std::shared_ptr<TlsServer::State> state) {
  for (;;) {
    error_code ec;
    tcp::socket s = co_await state->acceptor.async_accept(asio::redirect_error(kAwait, ec));
    if (!state->acceptor.is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(state->acceptor.get_executor(), serve_tls(state, std::move(s)), asio::detached);
  }
}

asio::ssl::context server_context(const SelfSigned& cert) {
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.use_certificate_chain(asio::buffer(cert.cert_pem));
  context.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
  return context;
}

}  // namespace

TlsServer::TlsServer(asio::io_context& io, const SelfSigned& cert, std::string response, const char* address)
    : state_(std::make_shared<State>(State{listen_on(io, address), server_context(cert), std::move(response), {}})),
      port_(state_->acceptor.local_endpoint().port()) {
  asio::co_spawn(io, accept_tls(state_), asio::detached);
}

TlsServer::~TlsServer() {
  error_code ignored;
  state_->acceptor.close(ignored);
}

std::string TlsServer::last_server_name() const { return state_->last_server_name; }

// --- UdpServer -----------------------------------------------------------

struct UdpServer::State {
  udp::socket socket;
  DatagramReply reply;
};

namespace {

asio::awaitable<void> serve_udp(std::shared_ptr<UdpServer::State> state) {
  std::string buffer(65536, '\0');
  for (;;) {
    udp::endpoint from;
    error_code ec;
    const std::size_t n =
        co_await state->socket.async_receive_from(asio::buffer(buffer), from, asio::redirect_error(kAwait, ec));
    if (!state->socket.is_open()) co_return;
    if (ec) continue;
    for (const std::string& datagram : state->reply(std::string_view(buffer.data(), n))) {
      co_await state->socket.async_send_to(asio::buffer(datagram), from, asio::redirect_error(kAwait, ec));
    }
  }
}

}  // namespace

UdpServer::UdpServer(asio::io_context& io, DatagramReply reply, const char* address)
    : state_(std::make_shared<State>(
          State{udp::socket(io, udp::endpoint(asio::ip::make_address(address), 0)), std::move(reply)})),
      port_(state_->socket.local_endpoint().port()) {
  asio::co_spawn(io, serve_udp(state_), asio::detached);
}

UdpServer::~UdpServer() {
  error_code ignored;
  state_->socket.close(ignored);
}

// --- helpers -----------------------------------------------------------------

std::uint16_t closed_tcp_port(const char* address) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address(address), 0));
  return acceptor.local_endpoint().port();
}

std::uint16_t closed_udp_port(const char* address) {
  asio::io_context io;
  udp::socket socket(io, udp::endpoint(asio::ip::make_address(address), 0));
  return socket.local_endpoint().port();
}

health::ProbeSpec make_spec(health::ProbeType type, const char* address, std::uint16_t port,
                            std::chrono::milliseconds timeout) {
  health::ProbeSpec spec;
  spec.type = type;
  spec.address = config::IpAddress::parse(address).value();
  spec.port = port;
  spec.timeout = timeout;
  return spec;
}

health::Matcher regex(std::string pattern) { return health::Matcher::compile(std::move(pattern)).matcher.value(); }

health::Matcher prefix(std::string bytes) {
  return health::Matcher::compile(std::move(bytes), health::MatchMode::prefix).matcher.value();
}

std::string http_request(bool head, std::string_view path) {
  return health::build_http_request(head ? health::HttpMethod::head : health::HttpMethod::get, path, "localhost")
      .bytes.value();
}

std::vector<health::ProbeResult> run_probes(asio::io_context& io, health::Prober& prober,
                                            const std::vector<health::ProbeSpec>& specs,
                                            std::chrono::milliseconds limit) {
  std::vector<health::ProbeResult> results(specs.size(), health::ProbeResult{false, {}, "(no result)"});
  std::size_t remaining = specs.size();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    prober.start(specs[i], [&, i](health::ProbeResult r) {
      results[i] = std::move(r);
      if (--remaining == 0) io.stop();
    });
  }
  io.restart();
  io.run_for(limit);
  io.restart();
  // The callbacks refer to this frame: none may run after it returns.
  if (remaining > 0) prober.cancel_all();
  return results;
}

health::ProbeResult run_probe(asio::io_context& io, health::Prober& prober, const health::ProbeSpec& spec,
                              std::chrono::milliseconds limit) {
  return run_probes(io, prober, {spec}, limit).front();
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tandem-component-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

bool process_running(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  // "pid (comm) S ...": the state follows the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return false;
  const char state = line[close + 2];
  return state != 'Z' && state != 'X';
}

std::optional<int> wait_for_pid_file(asio::io_context& io, const std::filesystem::path& file,
                                     std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream in(file);
    int pid = 0;
    if (in >> pid && pid > 0) return pid;
    io.restart();
    io.run_for(10ms);
  }
  return std::nullopt;
}

}  // namespace tandem::component
