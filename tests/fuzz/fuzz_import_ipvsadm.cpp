// Fuzz target for `tandemctl import ipvsadm` (config/legacy/ipvsadm): each
// input is one ipvsadm-save dump or script. It checks
// import_contract.hpp's contract on every import.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "import_contract.hpp"
#include "config/legacy/import.hpp"
#include "config/legacy/ipvsadm.hpp"

using namespace tandem::config::legacy;
using tandem::config::legacy::fuzz::check_contract;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string path = "rules";
  ImportOptions complete;
  complete.node = "d1";
  complete.peer = "d2";
  complete.peer_addresses = {{"eth1", "192.168.77.2"}};
  check_contract(import_ipvsadm(text, path, complete), {path}, false);
  ImportOptions services;
  services.services_only = true;
  check_contract(import_ipvsadm(text, path, services), {path}, true);
  return 0;
}
