// The checker: tandemd's child process (started by daemon/checker_link.hpp
// as `tandemd --checker FD`). It runs the health checks and the IPVS table
// on its own io_context, so neither ever delays a heartbeat, and tells the
// engine over the socketpair what status needs (Snapshot). It parses the
// configuration the engine hands it (Configure), off the engine's loop.
#pragma once
#include <string>

namespace tandem::daemon {

struct CheckerOptions {
  int fd = -1;            // the socketpair end
  std::string hostname;   // for the configuration's [node] name default
  std::string state_dir;  // where the IPVS keeper records what it created
  bool restarted = false; // a replacement: start from the weights in the kernel
  bool ipvs_in_memory = false;  // an in-memory table instead of the kernel's
};

// Runs until the engine sends Stop or goes away; the exit status.
int run_checker(const CheckerOptions& options);

}  // namespace tandem::daemon
