// Fuzz target for the authkeys file (heartbeat syntax). Each input is one
// whole file. Beyond not crashing, it checks the contract: keys come back
// exactly when there are no errors, and accepted keys are usable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/authkeys.hpp"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::config;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string path = "authkeys";
  const auto result = parse_authkeys(text, path);
  require(result.keys.has_value() == result.errors.empty());
  for (const auto& d : result.errors) require(d.file == path && !d.message.empty() && !d.format().empty());
  for (const auto& d : result.warnings) require(d.file == path && d.line > 0);
  if (result.keys) {
    const AuthKeys& keys = *result.keys;
    require(keys.send_id >= 1 && keys.send_id <= 15);
    require(keys.send_key().id == keys.send_id);
    for (std::size_t i = 0; i < keys.keys.size(); ++i) {
      const AuthKey& k = keys.keys[i];
      require(k.id >= 1 && k.id <= 15 && !k.secret.empty());
      require(k.secret.find_first_of(" \t\r\n") == std::string::npos);
      require(keys.find(k.id) == &k);  // ids are unique
      require(!to_string(k.algorithm).empty());
    }
  }
  return 0;
}
