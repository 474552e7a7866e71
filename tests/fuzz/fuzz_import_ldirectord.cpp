// Fuzz target for `tandemctl import ldirectord` (config/legacy/ldirectord):
// each input is one ldirectord.cf. It checks
// import_contract.hpp's contract on every import.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "import_contract.hpp"
#include "config/legacy/import.hpp"
#include "config/legacy/ldirectord.hpp"

using namespace tandem::config::legacy;
using tandem::config::legacy::fuzz::check_contract;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string path = "ldirectord.cf";
  const FileReader files = map_reader({{path, text}});
  ImportOptions complete;
  complete.node = "d1";
  complete.peer = "d2";
  complete.peer_addresses = {{"eth1", "192.168.77.2"}};
  check_contract(import_ldirectord(path, files, complete), {path}, false);
  ImportOptions services;
  services.services_only = true;
  check_contract(import_ldirectord(path, files, services), {path}, true);
  return 0;
}
