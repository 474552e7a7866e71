#include "config/legacy/toml_writer.hpp"

#include <cstdio>

namespace tandem::config::legacy {
namespace {

// The length of the well-formed UTF-8 sequence at text[i] that is not a
// control character (1..4), or 0 (RFC 3629: no overlongs, no surrogates).
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(k) < 0x80 || b(k) > 0xbf) return 0;
  if (n == 2 && c == 0xc2 && b(1) < 0xa0) return 0;  // C1 controls U+0080..U+009F
  return n;
}

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", c);
  return buf;
}

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

bool is_plain_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\t') {
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7f) return false;
    const std::size_t n = utf8_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string comment_safe(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\t') {
      out += '\t';
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7f) {
      out += hex_byte(c);
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(text, i);
    if (n == 0) {
      out += hex_byte(c);
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string source_comment(const Source& source, std::size_t max_text) {
  std::string out = comment_safe(source.file);
  if (source.line > 0) out += ":" + std::to_string(source.line);
  std::string_view text = trim(source.text);
  bool shortened = false;
  if (text.size() > max_text) {
    std::size_t cut = max_text;
    // Do not split a UTF-8 sequence.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
    text = trim(text.substr(0, cut));
    shortened = true;
  }
  if (!text.empty()) out += " " + comment_safe(text) + (shortened ? "..." : "");
  return out;
}

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", c);
      out += buf;
      ++i;
      continue;
    }
    std::size_t n = utf8_length(text, i);
    if (n == 0 && c == 0xc2 && i + 1 < text.size()) {
      // A C1 control (U+0080..U+009F) is valid UTF-8 but written escaped.
      const unsigned char c2 = static_cast<unsigned char>(text[i + 1]);
      if (c2 >= 0x80 && c2 <= 0x9f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04X", c2);
        out += buf;
        i += 2;
        continue;
      }
    }
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  out += '"';
  return out;
}

std::string toml_key(std::string_view key) { return is_bare_key(key) ? std::string(key) : toml_string(key); }

std::string toml_duration(Duration d) {
  const auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

void TomlWriter::line(std::string text, const Source* trailing) {
  if (trailing) text += "  # " + source_comment(*trailing);
  out_ += text;
  out_ += '\n';
  preface_.reset();
}

void TomlWriter::separate() {
  // The source comments written just before a table stay with it: the blank
  // line goes before them. Other comments stay with what they follow.
  const std::size_t at = preface_.value_or(out_.size());
  if (at == 0) return;
  if (at >= 2 && out_[at - 1] == '\n' && out_[at - 2] == '\n') return;
  out_.insert(at, "\n");
}

void TomlWriter::comment(std::string_view text) {
  std::size_t begin = 0;
  for (;;) {
    const std::size_t end = text.find('\n', begin);
    const std::string_view one = text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
    out_ += one.empty() ? "#" : "# " + comment_safe(one);
    out_ += '\n';
    if (end == std::string_view::npos) break;
    begin = end + 1;
  }
}

void TomlWriter::source(const Source& source) {
  if (!preface_) preface_ = out_.size();
  out_ += "# " + source_comment(source) + "\n";
}

void TomlWriter::blank() {
  if (!out_.empty() && !out_.ends_with("\n\n")) out_ += '\n';
  preface_.reset();
}

void TomlWriter::table(std::string_view name, const Source* trailing) {
  separate();
  line("[" + std::string(name) + "]", trailing);
}

void TomlWriter::array_table(std::string_view name, const Source* trailing) {
  separate();
  line("[[" + std::string(name) + "]]", trailing);
}

void TomlWriter::string(std::string_view key, std::string_view value, const Source* trailing) {
  line(toml_key(key) + " = " + toml_string(value), trailing);
}

void TomlWriter::integer(std::string_view key, std::int64_t value, const Source* trailing) {
  line(toml_key(key) + " = " + std::to_string(value), trailing);
}

void TomlWriter::boolean(std::string_view key, bool value, const Source* trailing) {
  line(toml_key(key) + " = " + (value ? "true" : "false"), trailing);
}

void TomlWriter::duration(std::string_view key, Duration value, const Source* trailing) {
  line(toml_key(key) + " = " + toml_string(toml_duration(value)), trailing);
}

void TomlWriter::strings(std::string_view key, const std::vector<std::string>& values, const Source* trailing) {
  std::string text = toml_key(key) + " = [";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + toml_string(values[i]);
  line(text + "]", trailing);
}

}  // namespace tandem::config::legacy
