// Fuzz target: the control socket's request line and reply parsers
// (daemon/control_protocol.hpp), which read bytes from a socket.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/control_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto cmd = tandem::daemon::parse_command(text)) {
    // A recognised command names itself again.
    if (tandem::daemon::parse_command(tandem::daemon::command_line(*cmd)) != cmd) std::abort();
  }
  if (auto req = tandem::daemon::parse_request(text)) {
    if (tandem::daemon::parse_request(tandem::daemon::request_line(*req)) != req) std::abort();
  }
  auto reply = tandem::daemon::parse_reply(text);
  // Whatever parsed as ok must survive a round trip.
  if (reply.ok) {
    auto again = tandem::daemon::parse_reply(tandem::daemon::format_reply(reply));
    if (!again.ok || again.body != reply.body) std::abort();
  }
  return 0;
}
