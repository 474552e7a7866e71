// Fuzz target for `tandemctl import piranha` (config/legacy/piranha): each
// input is one lvs.cf. It checks
// import_contract.hpp's contract on every import.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "import_contract.hpp"
#include "config/legacy/import.hpp"
#include "config/legacy/piranha.hpp"

using namespace tandem::config::legacy;
using tandem::config::legacy::fuzz::check_contract;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string path = "lvs.cf";
  // The seed corpus's directors: 10.77.0.1/10.78.0.1 and 10.77.0.2/10.78.0.2.
  ImportOptions primary;
  primary.node = "d1";
  primary.peer = "d2";
  primary.peer_addresses = {{"eth0", "10.77.0.2"}, {"eth1", "10.78.0.2"}};
  check_contract(import_piranha(text, path, primary), {path}, false);
  ImportOptions backup;
  backup.node = "d2";
  backup.peer = "d1";
  backup.peer_addresses = {{"eth0", "10.77.0.1"}};
  check_contract(import_piranha(text, path, backup), {path}, false);
  ImportOptions services;
  services.services_only = true;
  check_contract(import_piranha(text, path, services), {path}, true);
  return 0;
}
