// The TCP-based probers (tcp, send-expect, http) against test servers on
// loopback: answers, refusals, silence, slow trickles, wrong replies.
#include <gtest/gtest.h>

#include "health/status_codes.hpp"
#include "probe_servers.hpp"

namespace tandem::component {
namespace {

using health::ProbeResult;
using health::ProbeType;

void expect_on_time(const ProbeResult& r, std::chrono::milliseconds timeout) {
  EXPECT_GE(r.latency, timeout) << r.detail;
  EXPECT_LE(r.latency, timeout + kTimeoutSlack) << r.detail;
}

class StreamProbeTest : public ::testing::Test {
 protected:
  asio::io_context io;
  health::Prober prober{io};
};

// --- tcp ------------------------------------------------------------------

TEST_F(StreamProbeTest, TcpConnects) {
  TcpServer server(io, silent());
  const ProbeResult r = run_probe(io, prober, make_spec(ProbeType::tcp, "127.0.0.1", server.port()));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.detail, "connected");
  EXPECT_GT(r.latency.count(), 0);
  EXPECT_LT(r.latency, 1s);
}

TEST_F(StreamProbeTest, TcpConnectsOverIpv6) {
  TcpServer server(io, silent(), "::1");
  const ProbeResult r = run_probe(io, prober, make_spec(ProbeType::tcp, "::1", server.port()));
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(StreamProbeTest, TcpRefused) {
  const ProbeResult r = run_probe(io, prober, make_spec(ProbeType::tcp, "127.0.0.1", closed_tcp_port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "connect: connection refused");
}

TEST_F(StreamProbeTest, TcpRefusedOverIpv6) {
  const ProbeResult r = run_probe(io, prober, make_spec(ProbeType::tcp, "::1", closed_tcp_port("::1")));
  EXPECT_EQ(r.detail, "connect: connection refused");
}

// A listener whose accept queue is full drops further SYNs: the connect
// hangs until the deadline.
TEST_F(StreamProbeTest, TcpConnectTimesOut) {
  tcp::acceptor full(io, tcp::v4());
  full.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  full.listen(0);
  std::vector<tcp::socket> fillers;
  for (int i = 0; i < 3; ++i) {
    fillers.emplace_back(io);
    fillers.back().async_connect(full.local_endpoint(), [](boost::system::error_code) {});
  }
  io.run_for(100ms);
  const auto timeout = 300ms;
  const ProbeResult r = run_probe(io, prober, make_spec(ProbeType::tcp, "127.0.0.1", full.local_endpoint().port(), timeout));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 300ms (connect)");
  expect_on_time(r, timeout);
}

// --- send-expect --------------------------------------------------------------

health::ProbeSpec send_expect(std::uint16_t port, std::string send, std::optional<health::Matcher> expect,
                              std::chrono::milliseconds timeout = 2000ms) {
  auto spec = make_spec(ProbeType::send_expect, "127.0.0.1", port, timeout);
  spec.send = std::move(send);
  spec.expect = std::move(expect);
  return spec;
}

TEST_F(StreamProbeTest, SendExpectMatches) {
  TcpServer server(io, line_reply("PONG ok\r\n", false));
  const ProbeResult r = run_probe(io, prober, send_expect(server.port(), "PING\r\n", regex("^PONG")));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "got \"PONG ok\"");
  EXPECT_LT(r.latency, 1s);  // matched while the server keeps the connection
}

TEST_F(StreamProbeTest, SendExpectMatchesABannerWithNothingToSend) {
  TcpServer server(io, banner("220 mail.example ESMTP\r\n"));
  const ProbeResult r = run_probe(io, prober, send_expect(server.port(), "", prefix("220 ")));
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(StreamProbeTest, SendExpectWithoutExpectPassesAfterTheSend) {
  TcpServer server(io, silent());
  const ProbeResult r = run_probe(io, prober, send_expect(server.port(), "hello\n", std::nullopt));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.detail, "connected, sent 6 bytes");
}

TEST_F(StreamProbeTest, SendExpectRegexMismatchAtClose) {
  TcpServer server(io, line_reply("ERR busy\r\nmore\r\n", true));
  const ProbeResult r = run_probe(io, prober, send_expect(server.port(), "PING\r\n", regex("PONG")));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "expect mismatch: got \"ERR busy\"");
}

TEST_F(StreamProbeTest, SendExpectPrefixMismatchFailsWithoutWaiting) {
  TcpServer server(io, line_reply("ERR\r\n", false));
  const ProbeResult r = run_probe(io, prober, send_expect(server.port(), "PING\n", prefix("PONG"), 2000ms));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "expect mismatch: got \"ERR\"");
  EXPECT_LT(r.latency, 1s);
}

TEST_F(StreamProbeTest, SendExpectNoDataAtClose) {
  TcpServer server(io, hang_up());
  const ProbeResult r = run_probe(io, prober, send_expect(server.port(), "", regex("x")));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "expect mismatch: got no data");
}

TEST_F(StreamProbeTest, SendExpectStopsAtMaxResponse) {
  TcpServer server(io, banner(std::string(100, 'x')));
  auto spec = send_expect(server.port(), "", regex("y"));
  spec.max_response = 10;
  const ProbeResult r = run_probe(io, prober, spec);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "expect mismatch: got \"xxxxxxxxxx\"");
  EXPECT_LT(r.latency, 1s);
}

TEST_F(StreamProbeTest, SendExpectSilentServerTimesOut) {
  TcpServer server(io, silent());
  const auto timeout = 300ms;
  const ProbeResult r = run_probe(io, prober, send_expect(server.port(), "PING\n", regex("PONG"), timeout));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 300ms (waiting for the response)");
  expect_on_time(r, timeout);
}

TEST_F(StreamProbeTest, SendExpectTrickleTimesOut) {
  TcpServer server(io, trickle("abc", 50ms));
  const auto timeout = 300ms;
  const ProbeResult r = run_probe(io, prober, send_expect(server.port(), "", regex("PONG"), timeout));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("timeout after 300ms (reading the response: ")) << r.detail;
  EXPECT_NE(r.detail.find("so far): expect mismatch: got \"abc"), std::string::npos) << r.detail;
  expect_on_time(r, timeout);
}

// --- http -----------------------------------------------------------------------

health::ProbeSpec http(std::uint16_t port, std::chrono::milliseconds timeout = 2000ms, bool head = false,
                       const char* address = "127.0.0.1") {
  auto spec = make_spec(ProbeType::http, address, port, timeout);
  spec.request = http_request(head);
  spec.head = head;
  return spec;
}

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nall is well\n";

TEST_F(StreamProbeTest, HttpGet) {
  TcpServer server(io, http_reply(kOk));
  const ProbeResult r = run_probe(io, prober, http(server.port()));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "HTTP/1.1 200 OK");
}

TEST_F(StreamProbeTest, HttpGetOverIpv6) {
  TcpServer server(io, http_reply(kOk), "::1");
  const ProbeResult r = run_probe(io, prober, http(server.port(), 2000ms, false, "::1"));
  EXPECT_TRUE(r.ok) << r.detail;
}

// The headers announce a body HEAD does not get; the server keeps the
// connection open, so only the parser's HEAD mode ends the wait.
TEST_F(StreamProbeTest, HttpHead) {
  TcpServer server(io, http_reply("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", false));
  const ProbeResult r = run_probe(io, prober, http(server.port(), 2000ms, true));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_LT(r.latency, 1s);
}

TEST_F(StreamProbeTest, HttpChunkedBodyMatches) {
  TcpServer server(io, http_reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",
                                  false));
  auto spec = http(server.port());
  spec.expect = regex("hello world");
  const ProbeResult r = run_probe(io, prober, spec);
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(StreamProbeTest, HttpBodyDelimitedByTheClose) {
  TcpServer server(io, http_reply("HTTP/1.0 200 OK\r\n\r\nstatus: green\n", true));
  auto spec = http(server.port());
  spec.expect = prefix("status: green");
  const ProbeResult r = run_probe(io, prober, spec);
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(StreamProbeTest, HttpWrongBody) {
  TcpServer server(io, http_reply("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\nmaintenance\nyes"));
  auto spec = http(server.port());
  spec.expect = regex("^all is well$");
  const ProbeResult r = run_probe(io, prober, spec);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "expect mismatch: got \"maintenance\"");
}

TEST_F(StreamProbeTest, Http503) {
  TcpServer server(io, http_reply("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"));
  const ProbeResult r = run_probe(io, prober, http(server.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "status 503 not in 2xx: got \"HTTP/1.1 503 Service Unavailable\"");
}

TEST_F(StreamProbeTest, HttpStatusListAccepts503) {
  TcpServer server(io, http_reply("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"));
  auto spec = http(server.port());
  spec.status = health::parse_status_spec("200,503").value.value();
  const ProbeResult r = run_probe(io, prober, spec);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "HTTP/1.1 503 Service Unavailable");
}

TEST_F(StreamProbeTest, HttpResponseLargerThanTheLimit) {
  TcpServer server(io, http_reply("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'x'), false));
  auto spec = http(server.port());
  spec.max_response = 100;
  const ProbeResult r = run_probe(io, prober, spec);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "response larger than 100 bytes");
}

TEST_F(StreamProbeTest, HttpNotHttp) {
  TcpServer server(io, http_reply("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
  const ProbeResult r = run_probe(io, prober, http(server.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("no status line: got \"SSH-")) << r.detail;
}

TEST_F(StreamProbeTest, HttpClosedWithoutResponse) {
  TcpServer server(io, hang_up());
  const ProbeResult r = run_probe(io, prober, http(server.port()));
  EXPECT_FALSE(r.ok);
  // Depending on timing the close arrives before or after the request.
  EXPECT_TRUE(r.detail == "connection closed before any response" ||
              r.detail == "send: connection reset by peer" || r.detail == "receive: connection reset by peer")
      << r.detail;
}

TEST_F(StreamProbeTest, HttpRefused) {
  const ProbeResult r = run_probe(io, prober, http(closed_tcp_port()));
  EXPECT_EQ(r.detail, "connect: connection refused");
}

TEST_F(StreamProbeTest, HttpSilentServerTimesOut) {
  TcpServer server(io, silent());
  const auto timeout = 300ms;
  const ProbeResult r = run_probe(io, prober, http(server.port(), timeout));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 300ms (waiting for the response)");
  expect_on_time(r, timeout);
}

// One byte every 50 ms forever: each read succeeds, the deadline still holds.
TEST_F(StreamProbeTest, HttpTrickleTimesOut) {
  TcpServer server(io, trickle("HTTP/1.1 200 OK\r\nX-Slow: ", 50ms));
  const auto timeout = 300ms;
  const ProbeResult r = run_probe(io, prober, http(server.port(), timeout));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("timeout after 300ms (reading the response: ")) << r.detail;
  EXPECT_TRUE(r.detail.ends_with(" bytes so far)")) << r.detail;
  expect_on_time(r, timeout);
}

}  // namespace
}  // namespace tandem::component
