// The contract every `tandemctl import` fuzz target checks beyond not
// crashing: TOML comes back exactly when there are no errors, every
// diagnostic names one of the inputs with a message and FILE:LINE, the
// importer never needs its last-resort check of its own output, and what it
// writes passes config::parse_config (a --services-only output once the
// cluster tables a user adds are appended).
#pragma once

#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/legacy/import.hpp"

namespace tandem::config::legacy::fuzz {

inline void require(bool condition) {
  if (!condition) std::abort();
}

inline bool one_of(const std::string& file, std::initializer_list<std::string_view> inputs) {
  for (const auto input : inputs)
    if (file == input) return true;
  return false;
}

inline void check_contract(const ImportResult& r, std::initializer_list<std::string_view> inputs, bool services_only) {
  require(r.toml.empty() == !r.errors.empty());
  for (const auto* list : {&r.errors, &r.warnings})
    for (const auto& d : *list) {
      require(one_of(d.file, inputs) && !d.message.empty() && d.line >= 0 && d.column == 0);
      require(d.format("warning").compare(0, d.file.size(), d.file) == 0);
      require(d.message.rfind("the imported configuration would fail", 0) != 0);
    }
  if (r.toml.empty()) return;
  std::string text = r.toml;
  if (services_only)
    text += "\n[node]\nname = \"a\"\n[cluster]\npeer = \"b\"\n[[link]]\nname = \"l\"\ninterface = \"lo\"\npeer = \"127.0.0.2\"\n";
  const auto parsed = parse_config(text, "out.toml", ParseOptions{"a"});
  require(parsed.config.has_value() && parsed.errors.empty());
}

}  // namespace tandem::config::legacy::fuzz
