// The Prober's contract: `done` exactly once and never inside start(),
// cancel_all() and destruction with probes in flight, many probes at once.
#include <gtest/gtest.h>

#include "probe_servers.hpp"

namespace tandem::component {
namespace {

using health::ProbeResult;
using health::ProbeType;

health::ProbeSpec http(std::uint16_t port, std::chrono::milliseconds timeout = 2000ms) {
  auto spec = make_spec(ProbeType::http, "127.0.0.1", port, timeout);
  spec.request = http_request();
  return spec;
}

health::ProbeSpec sleeper() {
  auto spec = make_spec(ProbeType::external, "127.0.0.1", 0, 5000ms);
  spec.argv = {"/bin/sleep", "30"};
  return spec;
}

// One probe of every kind that stays in flight for seconds.
std::vector<health::ProbeSpec> slow_probes(std::uint16_t silent_port, std::uint16_t udp_port) {
  auto send_expect = make_spec(ProbeType::send_expect, "127.0.0.1", silent_port, 5000ms);
  send_expect.send = "PING\n";
  send_expect.expect = regex("PONG");
  auto https = make_spec(ProbeType::https, "127.0.0.1", silent_port, 5000ms);
  https.request = http_request();
  auto udp = make_spec(ProbeType::udp, "127.0.0.1", udp_port, 5000ms);
  udp.send = "PING";
  udp.expect = prefix("PONG");
  return {send_expect, http(silent_port, 5000ms), https, udp, sleeper()};
}

std::vector<std::string> no_reply(std::string_view) { return {}; }

class ProberLifecycleTest : public ::testing::Test {
 protected:
  asio::io_context io;
  health::Prober prober{io};
};

TEST_F(ProberLifecycleTest, NoneIsUpButNotInsideStart) {
  int calls = 0;
  ProbeResult result;
  prober.start(make_spec(ProbeType::none, "127.0.0.1", 0), [&](ProbeResult r) {
    ++calls;
    result = std::move(r);
  });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(prober.in_flight(), 1u);
  io.run_for(1s);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.detail, "no check");
  EXPECT_EQ(prober.in_flight(), 0u);
}

TEST_F(ProberLifecycleTest, DoneIsCalledOnceAndNeverInsideStart) {
  TcpServer server(io, http_reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  int calls = 0;
  for (int i = 0; i < 3; ++i) {
    prober.start(make_spec(ProbeType::tcp, "127.0.0.1", closed_tcp_port()), [&](ProbeResult) { ++calls; });
    prober.start(http(server.port()), [&](ProbeResult) { ++calls; });
  }
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(prober.in_flight(), 6u);
  io.run_for(1500ms);
  EXPECT_EQ(calls, 6);
  EXPECT_EQ(prober.in_flight(), 0u);
}

TEST_F(ProberLifecycleTest, CancelAllAbandonsEveryKind) {
  TcpServer server(io, silent());
  UdpServer quiet(io, no_reply);
  int calls = 0;
  for (const auto& spec : slow_probes(server.port(), quiet.port())) prober.start(spec, [&](ProbeResult) { ++calls; });
  io.run_for(200ms);  // all of them are waiting now
  EXPECT_EQ(prober.in_flight(), 5u);
  prober.cancel_all();
  EXPECT_EQ(prober.in_flight(), 0u);
  io.restart();
  io.run_for(500ms);
  EXPECT_EQ(calls, 0);

  // The Prober keeps working afterwards.
  const ProbeResult r = run_probe(io, prober, make_spec(ProbeType::tcp, "127.0.0.1", server.port()));
  EXPECT_TRUE(r.ok) << r.detail;
}

// Abandoned before their first step, the probes open and spawn nothing:
// the io_context runs out of work at once instead of waiting for a child.
TEST_F(ProberLifecycleTest, CancelAllBeforeTheProbesRun) {
  int calls = 0;
  prober.start(make_spec(ProbeType::none, "127.0.0.1", 0), [&](ProbeResult) { ++calls; });
  prober.start(sleeper(), [&](ProbeResult) { ++calls; });
  prober.start(make_spec(ProbeType::tcp, "127.0.0.1", closed_tcp_port()), [&](ProbeResult) { ++calls; });
  prober.cancel_all();
  const auto before = std::chrono::steady_clock::now();
  io.run_for(10s);
  EXPECT_TRUE(io.stopped());
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  EXPECT_EQ(calls, 0);
}

TEST_F(ProberLifecycleTest, ExceptionFromDoneLeavesRun) {
  prober.start(make_spec(ProbeType::none, "127.0.0.1", 0), [](ProbeResult) { throw std::runtime_error("caller bug"); });
  EXPECT_THROW(io.run_for(1s), std::runtime_error);
  EXPECT_EQ(prober.in_flight(), 0u);
}

TEST_F(ProberLifecycleTest, CancelAllFromInsideDone) {
  TcpServer server(io, silent());
  int calls = 0;
  prober.start(make_spec(ProbeType::none, "127.0.0.1", 0), [&](ProbeResult) {
    ++calls;
    prober.cancel_all();
  });
  prober.start(http(server.port(), 300ms), [&](ProbeResult) { ++calls; });
  io.run_for(800ms);
  EXPECT_EQ(calls, 1);
}

TEST_F(ProberLifecycleTest, DestroyedWithProbesInFlight) {
  TcpServer server(io, silent());
  UdpServer quiet(io, no_reply);
  int calls = 0;
  auto own = std::make_unique<health::Prober>(io);
  for (const auto& spec : slow_probes(server.port(), quiet.port())) own->start(spec, [&](ProbeResult) { ++calls; });
  io.run_for(200ms);
  own.reset();
  io.restart();
  io.run_for(500ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(ProberLifecycleTest, DestroyedBeforeTheProbesRun) {
  TcpServer server(io, silent());
  UdpServer quiet(io, no_reply);
  int calls = 0;
  auto own = std::make_unique<health::Prober>(io);
  for (const auto& spec : slow_probes(server.port(), quiet.port())) own->start(spec, [&](ProbeResult) { ++calls; });
  own.reset();
  io.run_for(300ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(ProberLifecycleTest, DestroyedFromInsideDone) {
  TcpServer server(io, silent());
  int calls = 0;
  auto own = std::make_unique<health::Prober>(io);
  own->start(make_spec(ProbeType::none, "127.0.0.1", 0), [&](ProbeResult) {
    ++calls;
    own.reset();
  });
  own->start(http(server.port(), 300ms), [&](ProbeResult) { ++calls; });
  io.run_for(800ms);
  EXPECT_EQ(calls, 1);
}

// The io_context goes away with the coroutines still suspended in it.
TEST(ProberTeardownTest, IoContextDestroyedAfterTheProber) {
  asio::io_context io;
  TcpServer server(io, silent());
  UdpServer quiet(io, no_reply);
  {
    health::Prober prober(io);
    for (const auto& spec : slow_probes(server.port(), quiet.port())) prober.start(spec, [](ProbeResult) { FAIL(); });
    io.run_for(200ms);
  }
}

// The other order: the io_context first, its coroutines destroyed with the
// child process still running; the Prober is destroyed with nothing left.
TEST(ProberTeardownTest, IoContextDestroyedBeforeTheProber) {
  std::optional<health::Prober> prober;
  TempDir dir;
  const auto pid_file = dir.path() / "pid";
  std::optional<int> pid;
  {
    asio::io_context io;
    prober.emplace(io);
    auto spec = sleeper();
    spec.argv = {"/bin/sh", "-c", "echo $$ > " + pid_file.string() + "; exec sleep 30"};
    prober->start(spec, [](ProbeResult) { FAIL(); });
    pid = wait_for_pid_file(io, pid_file);
  }
  ASSERT_TRUE(pid);
  EXPECT_FALSE(process_running(*pid));
  EXPECT_EQ(prober->in_flight(), 0u);
  prober.reset();
}

TEST_F(ProberLifecycleTest, ManyHttpProbesAtOnce) {
  TcpServer server(io, http_reply("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"));
  const std::vector<health::ProbeSpec> specs(500, http(server.port(), 10s));
  const auto results = run_probes(io, prober, specs);
  int ok = 0;
  for (const auto& r : results) ok += r.ok;
  EXPECT_EQ(ok, 500) << results.front().detail;
  EXPECT_EQ(server.accepted(), 500);
}

TEST_F(ProberLifecycleTest, ManyHttpsProbesAtOnce) {
  const SelfSigned cert = make_self_signed();
  TlsServer server(io, cert, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
  auto spec = make_spec(ProbeType::https, "127.0.0.1", server.port(), 10s);
  spec.request = http_request();
  const auto results = run_probes(io, prober, std::vector<health::ProbeSpec>(100, spec));
  int ok = 0;
  for (const auto& r : results) ok += r.ok;
  EXPECT_EQ(ok, 100) << results.front().detail;
}

}  // namespace
}  // namespace tandem::component
