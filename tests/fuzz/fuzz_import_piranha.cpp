// Fuzz target for `tandemctl import piranha` (config/legacy/piranha): each
// input is one lvs.cf. Beyond not crashing, it checks the contract: TOML
// comes back exactly when there are no errors, every diagnostic names the
// input, what is written passes config::parse_config (as a complete file for
// the primary and for the backup, and with --services-only), and the
// importer never needs its last-resort check of its own output.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/legacy/import.hpp"
#include "config/legacy/piranha.hpp"

namespace {

using namespace tandem::config;
using namespace tandem::config::legacy;

void require(bool condition) {
  if (!condition) std::abort();
}

void check(const ImportResult& r, const std::string& path, bool services_only) {
  require(r.toml.empty() == !r.errors.empty());
  for (const auto* list : {&r.errors, &r.warnings})
    for (const auto& d : *list) {
      require(d.file == path && !d.message.empty() && d.line >= 0 && d.column == 0);
      require(d.format("warning").compare(0, path.size(), path) == 0);
      require(d.message.rfind("the imported configuration would fail", 0) != 0);
    }
  if (r.toml.empty()) return;
  std::string text = r.toml;
  if (services_only)
    text += "\n[node]\nname = \"a\"\n[cluster]\npeer = \"b\"\n[[link]]\nname = \"l\"\ninterface = \"lo\"\npeer = \"127.0.0.2\"\n";
  const auto parsed = parse_config(text, "out.toml", ParseOptions{"a"});
  require(parsed.config.has_value() && parsed.errors.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string path = "lvs.cf";
  // The seed corpus's directors: 10.77.0.1/10.78.0.1 and 10.77.0.2/10.78.0.2.
  ImportOptions primary;
  primary.node = "d1";
  primary.peer = "d2";
  primary.peer_addresses = {{"eth0", "10.77.0.2"}, {"eth1", "10.78.0.2"}};
  check(import_piranha(text, path, primary), path, false);
  ImportOptions backup;
  backup.node = "d2";
  backup.peer = "d1";
  backup.peer_addresses = {{"eth0", "10.77.0.1"}};
  check(import_piranha(text, path, backup), path, false);
  ImportOptions services;
  services.services_only = true;
  check(import_piranha(text, path, services), path, true);
  return 0;
}
