// The TCP-based probes: tcp (connect only), send-expect, http and https.
// One coroutine per probe; the deadline (prober.cpp) closes the socket, and
// every step checks run.stopped() when it resumes.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "health/escapes.hpp"
#include "health/http_response.hpp"
#include "health/prober_run.hpp"

namespace tandem::health::detail {

namespace {

using asio::ip::tcp;
constexpr std::size_t kReadChunk = 4096;

// Why a TLS handshake failed: the verification result when the chain or
// the name was refused, OpenSSL's reason otherwise.
std::string handshake_error(const boost::system::error_code& ec, SSL* ssl) {
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    const long result = SSL_get_verify_result(ssl);
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(result);
  }
  return error_text(ec);
}

// SNI with the configured name; when verifying, the certificate must carry
// that name, or the server's address when no name is configured.
void configure_tls(SSL* ssl, const ProbeSpec& spec) {
  if (!spec.server_name.empty()) SSL_set_tlsext_host_name(ssl, spec.server_name.c_str());
  if (!spec.verify_tls) return;
  if (!spec.server_name.empty()) {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set1_host(ssl, spec.server_name.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip(SSL_get0_param(ssl), spec.address.bytes.data(), spec.address.size());
  }
}

// The end of the stream: a clean close, or a TLS peer that closed without
// close_notify, which HTTP servers routinely do after Connection: close.
bool end_of_stream(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

// send-expect after the send: reads until the matcher accepts what arrived
// so far, the peer closes, max_response bytes arrived, or the deadline.
template <typename Stream>
asio::awaitable<ProbeResult> expect_reply(ProbeRun& run, Stream& stream) {
  const Matcher& expect = *run.spec.expect;
  std::string received;
  std::array<char, kReadChunk> chunk;
  run.stage = "waiting for the response";
  run.reading = true;
  for (;;) {
    const std::size_t room = run.spec.max_response - received.size();
    if (room == 0) co_return failed(expect.match(received).reason);
    boost::system::error_code ec;
    const std::size_t n = co_await stream.async_read_some(asio::buffer(chunk.data(), std::min(room, chunk.size())),
                                                          asio::redirect_error(asio::use_awaitable, ec));
    received.append(chunk.data(), n);
    run.bytes_read = received.size();
    // As in http_reply: what arrived before the deadline counts.
    MatchResult m = expect.match(received);
    if (m.matched) co_return passed("got " + quote_first_line(received));
    if (run.stopped()) co_return run.timeout_result(received.empty() ? std::string() : m.reason);
    if (ec && !end_of_stream(ec)) co_return failed("receive: " + error_text(ec));
    if (ec) co_return failed(std::move(m.reason));
    // A prefix that already differs cannot match later.
    if (expect.mode() == MatchMode::prefix) {
      const std::string_view want = expect.pattern();
      const std::size_t common = std::min(want.size(), received.size());
      if (want.substr(0, common) != std::string_view(received).substr(0, common))
        co_return failed(std::move(m.reason));
    }
  }
}

// http(s) after the request: feeds the response parser until it completes,
// fails, or max_response bytes are exceeded.
template <typename Stream>
asio::awaitable<ProbeResult> http_reply(ProbeRun& run, Stream& stream) {
  const ProbeSpec& spec = run.spec;
  HttpResponseParser parser(spec.head);
  std::array<char, kReadChunk> chunk;
  std::size_t total = 0;
  run.stage = "waiting for the response";
  run.reading = true;
  ParseStatus status = ParseStatus::need_more;
  while (status == ParseStatus::need_more) {
    // One byte past the limit tells "exactly max_response" from "more".
    const std::size_t room = spec.max_response + 1 - total;
    boost::system::error_code ec;
    const std::size_t n = co_await stream.async_read_some(asio::buffer(chunk.data(), std::min(room, chunk.size())),
                                                          asio::redirect_error(asio::use_awaitable, ec));
    total += n;
    run.bytes_read = total;
    // Bytes a read returned arrived before the deadline closed the socket:
    // they count even when this loop resumes after the deadline (a busy
    // loop must not fail a server that answered in time).
    if (n > 0) status = parser.feed(std::string_view(chunk.data(), n));
    if (status == ParseStatus::need_more) {
      if (run.stopped()) co_return run.timeout_result();
      if (total > spec.max_response)
        co_return failed("response larger than " + std::to_string(spec.max_response) + " bytes");
      if (end_of_stream(ec))
        status = parser.finish();
      else if (ec)
        co_return failed("receive: " + error_text(ec));
    }
  }
  if (status == ParseStatus::error) co_return failed(parser.error());
  const HttpResponse& response = parser.response();
  if (!spec.status.matches(response.status))
    co_return failed("status " + std::to_string(response.status) + " not in " + spec.status.to_string() +
                     ": got " + quote_first_line(response.status_line()));
  if (spec.expect) {
    MatchResult m = spec.expect->match(response.body);
    if (!m.matched) co_return failed(std::move(m.reason));
  }
  co_return passed(encode_escapes(response.status_line()));
}

// After the connection (and the TLS handshake): send, then read the reply.
template <typename Stream>
asio::awaitable<ProbeResult> exchange(ProbeRun& run, Stream& stream) {
  const ProbeSpec& spec = run.spec;
  const bool http = spec.type == ProbeType::http || spec.type == ProbeType::https;
  const std::string& out = http ? spec.request : spec.send;
  if (!out.empty()) {
    run.stage = http ? "sending the request" : "sending";
    boost::system::error_code ec;
    co_await asio::async_write(stream, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
    if (run.stopped()) co_return run.timeout_result();
    if (ec) co_return failed("send: " + error_text(ec));
  }
  if (http) co_return co_await http_reply(run, stream);
  if (!spec.expect)
    co_return passed(out.empty() ? std::string("connected") : "connected, sent " + std::to_string(out.size()) + " bytes");
  co_return co_await expect_reply(run, stream);
}

}  // namespace

asio::awaitable<ProbeResult> run_stream(ProbeRun& run) {
  const ProbeSpec& spec = run.spec;
  const auto address = to_address(spec.address);
  if (!address) co_return failed("no address to probe");
  const tcp::endpoint endpoint(*address, spec.port);

  tcp::socket* socket = nullptr;
  if (spec.type == ProbeType::https) {
    run.tls.emplace(run.core->io, run.core->tls_context(spec.verify_tls));
    socket = &run.tls->next_layer();
  } else {
    run.tcp.emplace(run.core->io);
    socket = &*run.tcp;
  }
  boost::system::error_code ec;
  socket->open(endpoint.protocol(), ec);
  if (ec) co_return failed("socket: " + error_text(ec));
  run.stage = "connect";
  co_await socket->async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (run.stopped()) co_return run.timeout_result();
  if (ec) co_return failed("connect: " + error_text(ec));
  // Close with a reset: no TIME_WAIT left behind per probe.
  socket->set_option(asio::socket_base::linger(true, 0), ec);
  if (spec.type == ProbeType::tcp) co_return passed("connected");

  if (spec.type != ProbeType::https) co_return co_await exchange(run, *run.tcp);

  SSL* ssl = run.tls->native_handle();
  configure_tls(ssl, spec);
  run.stage = "tls handshake";
  co_await run.tls->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (run.stopped()) co_return run.timeout_result();
  if (ec) co_return failed("tls handshake: " + handshake_error(ec, ssl));
  co_return co_await exchange(run, *run.tls);
}

}  // namespace tandem::health::detail
