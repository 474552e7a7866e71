// Fuzz target for the escapes of send/receive strings. Each input is one
// configured string. Beyond not crashing: a decode error points inside the
// input at a backslash, and encoding arbitrary bytes gives printable text
// that decodes back to them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "health/escapes.hpp"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::health;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto decoded = decode_escapes(text);
  require(decoded.value.has_value() == decoded.error.empty());
  if (decoded.value) {
    require(decoded.value->size() <= text.size());
  } else {
    require(decoded.position < text.size() && text[decoded.position] == '\\');
  }
  const auto encoded = encode_escapes(text);
  for (const char c : encoded) require(c >= 0x20 && c < 0x7f && c != '"');
  const auto back = decode_escapes(encoded);
  require(back.value && *back.value == text);
  return 0;
}
