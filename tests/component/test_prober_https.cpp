// The https prober against a TLS test server with a self-signed
// certificate made at test start, and against servers that break the
// handshake.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "probe_servers.hpp"

namespace tandem::component {
namespace {

using health::ProbeResult;
using health::ProbeType;

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";

class HttpsProbeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cert_ = new SelfSigned(make_self_signed()); }
  static void TearDownTestSuite() {
    delete cert_;
    cert_ = nullptr;
  }

  // Trusts the test certificate through OpenSSL's SSL_CERT_FILE; read when
  // a Prober makes its verifying context, i.e. at its first verified probe.
  void trust_test_certificate() {
    const auto file = dir_.path() / "ca.pem";
    std::ofstream(file) << cert_->cert_pem;
    ::setenv("SSL_CERT_FILE", file.c_str(), 1);
  }
  void TearDown() override { ::unsetenv("SSL_CERT_FILE"); }

  health::ProbeSpec https(std::uint16_t port, bool verify = false, std::string server_name = "",
                          const char* address = "127.0.0.1", std::chrono::milliseconds timeout = 2000ms) {
    auto spec = make_spec(ProbeType::https, address, port, timeout);
    spec.request = http_request();
    spec.verify_tls = verify;
    spec.server_name = std::move(server_name);
    return spec;
  }

  static SelfSigned* cert_;
  TempDir dir_;
  asio::io_context io;
  health::Prober prober{io};
};

SelfSigned* HttpsProbeTest::cert_ = nullptr;

TEST_F(HttpsProbeTest, UpWithoutVerification) {
  TlsServer server(io, *cert_, kOk);
  const ProbeResult r = run_probe(io, prober, https(server.port()));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "HTTP/1.1 200 OK");
  EXPECT_EQ(server.last_server_name(), "");  // no SNI for an address
}

TEST_F(HttpsProbeTest, SendsTheServerName) {
  TlsServer server(io, *cert_, kOk);
  const ProbeResult r = run_probe(io, prober, https(server.port(), false, "www.example.com"));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(server.last_server_name(), "www.example.com");
}

TEST_F(HttpsProbeTest, UpOverIpv6) {
  TlsServer server(io, *cert_, kOk, "::1");
  const ProbeResult r = run_probe(io, prober, https(server.port(), false, "", "::1"));
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(HttpsProbeTest, VerificationRefusesASelfSignedCertificate) {
  TlsServer server(io, *cert_, kOk);
  const ProbeResult r = run_probe(io, prober, https(server.port(), true, "localhost"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "tls handshake: certificate verify failed: self-signed certificate");
}

TEST_F(HttpsProbeTest, VerificationAcceptsATrustedCertificateAndName) {
  trust_test_certificate();
  TlsServer server(io, *cert_, kOk);
  const ProbeResult r = run_probe(io, prober, https(server.port(), true, "localhost"));
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(HttpsProbeTest, VerificationChecksTheAddressWithoutAName) {
  trust_test_certificate();
  TlsServer server(io, *cert_, kOk);
  const ProbeResult r = run_probe(io, prober, https(server.port(), true));
  EXPECT_TRUE(r.ok) << r.detail;  // the certificate names IP:127.0.0.1
}

TEST_F(HttpsProbeTest, VerificationRefusesAnotherName) {
  trust_test_certificate();
  TlsServer server(io, *cert_, kOk);
  const ProbeResult r = run_probe(io, prober, https(server.port(), true, "www.example.com"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "tls handshake: certificate verify failed: hostname mismatch");
}

TEST_F(HttpsProbeTest, StatusAndBodyAreCheckedAsForHttp) {
  TlsServer server(io, *cert_, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nbusy\n");
  auto spec = https(server.port());
  spec.expect = regex("^ok");
  const ProbeResult r = run_probe(io, prober, spec);
  EXPECT_EQ(r.detail, "expect mismatch: got \"busy\"");
}

// A plain HTTP server answers the ClientHello with a 400 and closes.
TEST_F(HttpsProbeTest, PlainHttpServerFailsTheHandshake) {
  TcpServer server(io, banner("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
  const ProbeResult r = run_probe(io, prober, https(server.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("tls handshake: ")) << r.detail;
}

TEST_F(HttpsProbeTest, GarbageFailsTheHandshake) {
  TcpServer server(io, banner(std::string(64, '\x7f') + "\r\n"));
  const ProbeResult r = run_probe(io, prober, https(server.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("tls handshake: ")) << r.detail;
}

TEST_F(HttpsProbeTest, CloseDuringTheHandshake) {
  TcpServer server(io, hang_up());
  const ProbeResult r = run_probe(io, prober, https(server.port()));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.detail.starts_with("tls handshake: ")) << r.detail;
}

TEST_F(HttpsProbeTest, SilentServerTimesOutInTheHandshake) {
  TcpServer server(io, silent());
  const auto timeout = 300ms;
  const ProbeResult r = run_probe(io, prober, https(server.port(), false, "", "127.0.0.1", timeout));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 300ms (tls handshake)");
  EXPECT_GE(r.latency, timeout);
  EXPECT_LE(r.latency, timeout + kTimeoutSlack);
}

TEST_F(HttpsProbeTest, Refused) {
  const ProbeResult r = run_probe(io, prober, https(closed_tcp_port()));
  EXPECT_EQ(r.detail, "connect: connection refused");
}

}  // namespace
}  // namespace tandem::component
