// Fuzz target for `tandemctl import heartbeat` (config/legacy/heartbeat):
// each input is heartbeat's directory as one text, its files separated by
// lines "====": ha.cf, haresources, authkeys, then ldirectord.cf (a missing
// part is a missing file). Beyond not crashing, it checks the contract: TOML
// comes back exactly when there are no errors, every diagnostic names one of
// the files (import_contract.hpp).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "import_contract.hpp"
#include "config/legacy/heartbeat.hpp"
#include "config/legacy/import.hpp"

using namespace tandem::config::legacy;
using tandem::config::legacy::fuzz::check_contract;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const char* const kNames[] = {"ha.cf", "haresources", "authkeys", "ldirectord.cf"};
  std::map<std::string, std::string> files;
  for (const char* name : kNames) {
    if (text.empty()) break;
    const auto sep = text.find("\n====\n");
    files[std::string("/etc/ha.d/") + name] = std::string(text.substr(0, sep));
    text = sep == std::string_view::npos ? std::string_view{} : text.substr(sep + 6);
  }
  ImportOptions o;
  o.node = "d1";
  o.peer_addresses = {{"eth1", "192.168.77.2"}};
  o.vip_prefixes = {{"10.0.0.100", "24/eth0"}};
  check_contract(import_heartbeat("/etc/ha.d", map_reader(files), o),
                 {"/etc/ha.d/ha.cf", "/etc/ha.d/haresources", "/etc/ha.d/authkeys", "/etc/ha.d/ldirectord.cf"},
                 false);
  return 0;
}
