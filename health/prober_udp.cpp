// The udp probe: a connected UDP socket sends one datagram and waits for a
// reply that matches. Replies that do not match are ignored, the last one is
// kept for the reason; an ICMP port unreachable arrives as ECONNREFUSED on
// the connected socket.
#include <algorithm>
#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "health/prober_run.hpp"

namespace tandem::health::detail {

namespace {

using asio::ip::udp;
constexpr std::size_t kMaxDatagram = 65535;

std::string udp_error(const char* step, const boost::system::error_code& ec) {
  if (ec == asio::error::connection_refused) return "udp: connection refused";
  return std::string(step) + ": " + error_text(ec);
}

}  // namespace

asio::awaitable<ProbeResult> run_udp(ProbeRun& run) {
  const ProbeSpec& spec = run.spec;
  const auto address = to_address(spec.address);
  if (!address) co_return failed("no address to probe");
  const udp::endpoint endpoint(*address, spec.port);

  run.udp.emplace(run.core->io);
  udp::socket& socket = *run.udp;
  boost::system::error_code ec;
  socket.open(endpoint.protocol(), ec);
  if (!ec) socket.connect(endpoint, ec);
  if (ec) co_return failed(udp_error("connect", ec));

  run.stage = "sending";
  co_await socket.async_send(asio::buffer(spec.send), asio::redirect_error(asio::use_awaitable, ec));
  if (run.stopped()) co_return run.timeout_result();
  if (ec) co_return failed(udp_error("send", ec));

  run.stage = "waiting for a reply";
  std::string datagram(std::clamp<std::size_t>(spec.max_response, 1, kMaxDatagram), '\0');
  std::string last_mismatch;
  for (;;) {
    const std::size_t n =
        co_await socket.async_receive(asio::buffer(datagram), asio::redirect_error(asio::use_awaitable, ec));
    // A datagram received before the deadline counts, even when this
    // resumes after it.
    if (!ec) {
      const std::string_view reply(datagram.data(), n);
      if (!spec.expect) co_return passed("got " + quote_first_line(reply));
      MatchResult m = spec.expect->match(reply);
      if (m.matched) co_return passed("got " + quote_first_line(reply));
      last_mismatch = std::move(m.reason);
    }
    if (run.stopped()) co_return run.timeout_result(last_mismatch);
    if (ec) co_return failed(udp_error("receive", ec));
  }
}

}  // namespace tandem::health::detail
