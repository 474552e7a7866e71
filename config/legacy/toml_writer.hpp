// A small emitter of tandem.toml text for the importers (`tandemctl import`):
// tables, `key = value` lines and comments, each item optionally carrying the
// legacy source line it came from as `# FILE:LINE TEXT`. Pure: it builds a
// string and knows nothing of tandem's keys; config::parse_config checks
// what it writes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/duration.hpp"

namespace tandem::config::legacy {

// Where an item came from: a line of a legacy file, or an option
// (file "--peer", line 0). `text` is the source line as read.
struct Source {
  std::string file;
  int line = 0;  // 1-based; 0: no line (an option or a default)
  std::string text;
};

// "FILE:LINE TEXT" (or "FILE TEXT" without a line): the text trimmed, with
// control characters and bytes that are not UTF-8 shown as \xHH, and
// shortened to about `max_text` bytes with "...". Safe inside a TOML comment.
std::string source_comment(const Source& source, std::size_t max_text = 80);

// A TOML basic string: "..." with \" \\ \b \t \n \f \r and \uXXXX for the
// other control characters; UTF-8 is kept, and a byte that is not part of
// valid UTF-8 becomes U+FFFD (TOML text must be UTF-8).
std::string toml_string(std::string_view text);
// A key: bare when it is [A-Za-z0-9_-]+, else a quoted basic string.
std::string toml_key(std::string_view key);
// A duration as tandem writes it: "300s" for whole seconds, else "200ms".
std::string toml_duration(Duration d);
// Whether the text is well-formed UTF-8 without control characters but tab,
// so that toml_string() keeps it as it is (importers check the names they
// take from legacy files with it: TOML text must be UTF-8).
bool is_plain_utf8(std::string_view text);
// Comment text made safe: control characters (but tab) and bytes that are
// not UTF-8 become \xHH.
std::string comment_safe(std::string_view text);

class TomlWriter {
 public:
  // "# text"; each line of a multi-line text becomes its own comment line.
  // It stays with what it follows (a blank line before the next table goes
  // after it), unless it comes between source() lines and their table.
  void comment(std::string_view text);
  // "# FILE:LINE TEXT", a comment line before the table it describes: the
  // blank line before that table goes before it.
  void source(const Source& source);
  void blank();

  // "[name]" / "[[name]]" (a dotted name such as "virtual_server.real" is
  // written as given; each part must be a bare key). A blank line is put
  // before a table unless the text is empty or ends with one. With
  // `trailing`, its source follows on the same line.
  void table(std::string_view name, const Source* trailing = nullptr);
  void array_table(std::string_view name, const Source* trailing = nullptr);

  // `key = value` lines, with an optional trailing source comment.
  void string(std::string_view key, std::string_view value, const Source* trailing = nullptr);
  void integer(std::string_view key, std::int64_t value, const Source* trailing = nullptr);
  void boolean(std::string_view key, bool value, const Source* trailing = nullptr);
  void duration(std::string_view key, Duration value, const Source* trailing = nullptr);
  void strings(std::string_view key, const std::vector<std::string>& values, const Source* trailing = nullptr);

  const std::string& text() const { return out_; }

 private:
  void line(std::string text, const Source* trailing);
  void separate();
  std::string out_;
  std::optional<std::size_t> preface_;  // where the source() lines before the next item start
};

}  // namespace tandem::config::legacy
