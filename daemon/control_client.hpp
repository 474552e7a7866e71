// The client end of the control socket (docs/control-protocol.md), for
// tandemctl and `tandemd --check-config --plan`: one request, its reply.
// Blocking; waits at most `timeout_s` seconds for the reply.
#pragma once
#include <optional>
#include <string>

#include "daemon/control_protocol.hpp"

namespace tandem::daemon {

// The reply, or nullopt with `why` when tandemd could not be asked.
std::optional<Reply> ask_tandemd(const std::string& socket_path, const Request& request, std::string& why,
                                 int timeout_s = 30);

}  // namespace tandem::daemon
