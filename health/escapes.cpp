#include "health/escapes.hpp"

namespace tandem::health {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hex_byte(unsigned char u) {
  static constexpr char digits[] = "0123456789abcdef";
  return {digits[u >> 4], digits[u & 0xf]};
}

EscapeDecode failure(std::string message, std::size_t position) {
  EscapeDecode result;
  result.error = std::move(message) + " at offset " + std::to_string(position);
  result.position = position;
  return result;
}

}  // namespace

EscapeDecode decode_escapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (i + 1 == text.size()) return failure("trailing backslash", i);
    const char e = text[i + 1];
    switch (e) {
      case 'r': out.push_back('\r'); ++i; break;
      case 'n': out.push_back('\n'); ++i; break;
      case 't': out.push_back('\t'); ++i; break;
      case '\\': out.push_back('\\'); ++i; break;
      case 'x': {
        const int hi = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        const int lo = i + 3 < text.size() ? hex_value(text[i + 3]) : -1;
        if (hi < 0 || lo < 0) return failure("\\x needs two hex digits", i);
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 3;
        break;
      }
      default: {
        const auto u = static_cast<unsigned char>(e);
        if (u >= 0x20 && u < 0x7f) return failure(std::string("unknown escape \\") + e, i);
        // A control or non-ASCII byte after the backslash: name it by value.
        return failure("unknown escape: backslash before byte 0x" + hex_byte(u), i);
      }
    }
  }
  EscapeDecode result;
  result.value = std::move(out);
  return result;
}

std::string encode_escapes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\r': out += "\\r"; continue;
      case '\n': out += "\\n"; continue;
      case '\t': out += "\\t"; continue;
      case '\\': out += "\\\\"; continue;
      default: break;
    }
    if (u >= 0x20 && u < 0x7f && c != '"') {
      out.push_back(c);
    } else {
      out += "\\x" + hex_byte(u);
    }
  }
  return out;
}

}  // namespace tandem::health
