// The udp prober against a UDP responder on loopback.
#include <gtest/gtest.h>

#include "probe_servers.hpp"

namespace tandem::component {
namespace {

using health::ProbeResult;
using health::ProbeType;

class UdpProbeTest : public ::testing::Test {
 protected:
  health::ProbeSpec ping(std::uint16_t port, std::chrono::milliseconds timeout = 2000ms,
                         const char* address = "127.0.0.1") {
    auto spec = make_spec(ProbeType::udp, address, port, timeout);
    spec.send = "PING";
    spec.expect = prefix("PONG");
    return spec;
  }

  asio::io_context io;
  health::Prober prober{io};
};

std::vector<std::string> pong(std::string_view request) {
  if (request == "PING") return {"PONG 1"};
  return {};
}

TEST_F(UdpProbeTest, ReplyMatches) {
  UdpServer server(io, pong);
  const ProbeResult r = run_probe(io, prober, ping(server.port()));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "got \"PONG 1\"");
  EXPECT_LT(r.latency, 1s);
}

TEST_F(UdpProbeTest, ReplyMatchesOverIpv6) {
  UdpServer server(io, pong, "::1");
  const ProbeResult r = run_probe(io, prober, ping(server.port(), 2000ms, "::1"));
  EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(UdpProbeTest, WrongRepliesAreSkipped) {
  UdpServer server(io, [](std::string_view) { return std::vector<std::string>{"NOPE", "PONG 2"}; });
  const ProbeResult r = run_probe(io, prober, ping(server.port()));
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "got \"PONG 2\"");
}

TEST_F(UdpProbeTest, WrongReplyFailsAtTheTimeout) {
  UdpServer server(io, [](std::string_view) { return std::vector<std::string>{"NOPE"}; });
  const auto timeout = 300ms;
  const ProbeResult r = run_probe(io, prober, ping(server.port(), timeout));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 300ms (waiting for a reply): expect mismatch: got \"NOPE\"");
  EXPECT_GE(r.latency, timeout);
  EXPECT_LE(r.latency, timeout + kTimeoutSlack);
}

TEST_F(UdpProbeTest, NoReplyFailsAtTheTimeout) {
  UdpServer server(io, [](std::string_view) { return std::vector<std::string>{}; });
  const auto timeout = 300ms;
  const ProbeResult r = run_probe(io, prober, ping(server.port(), timeout));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "timeout after 300ms (waiting for a reply)");
  EXPECT_GE(r.latency, timeout);
  EXPECT_LE(r.latency, timeout + kTimeoutSlack);
}

// ICMP port unreachable on loopback comes back as ECONNREFUSED.
TEST_F(UdpProbeTest, NothingListeningIsRefused) {
  const ProbeResult r = run_probe(io, prober, ping(closed_udp_port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "udp: connection refused");
  EXPECT_LT(r.latency, 1s);
}

TEST_F(UdpProbeTest, NothingListeningIsRefusedOverIpv6) {
  const ProbeResult r = run_probe(io, prober, ping(closed_udp_port("::1"), 2000ms, "::1"));
  EXPECT_EQ(r.detail, "udp: connection refused");
}

}  // namespace
}  // namespace tandem::component
