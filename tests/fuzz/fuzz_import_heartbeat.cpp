// Fuzz target for `tandemctl import heartbeat` (config/legacy/heartbeat):
// each input is heartbeat's directory as one text, its files separated by
// lines "====": ha.cf, haresources, authkeys, then ldirectord.cf (a missing
// part is a missing file). Beyond not crashing, it checks the contract: TOML
// comes back exactly when there are no errors, every diagnostic names one of
// the files, what is written passes config::parse_config, and the importer
// never needs its last-resort check of its own output.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/legacy/heartbeat.hpp"
#include "config/legacy/import.hpp"

namespace {

using namespace tandem::config;
using namespace tandem::config::legacy;

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

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
  const ImportResult r = import_heartbeat("/etc/ha.d", map_reader(files), o);
  require(r.toml.empty() == !r.errors.empty());
  for (const auto* list : {&r.errors, &r.warnings})
    for (const auto& d : *list) {
      require(d.file.rfind("/etc/ha.d/", 0) == 0 && !d.message.empty() && d.line >= 0 && d.column == 0);
      require(d.message.rfind("the imported configuration would fail", 0) != 0);
    }
  if (!r.toml.empty()) {
    const auto parsed = parse_config(r.toml, "out.toml", ParseOptions{"a"});
    require(parsed.config.has_value() && parsed.errors.empty());
  }
  return 0;
}
