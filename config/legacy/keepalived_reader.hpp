// The reader of keepalived.conf (keepalived.conf(5)): words separated by
// blanks, `"..."` quoted words, `{ }` blocks (also on one line, as in
// `unicast_peer { 10.0.0.2 }`), `!` and `#` comments, and `include PATTERN`
// (a shell glob, relative to the including file's directory) spliced in
// where it stands, through the FileReader. Pure: it sees only what the
// reader returns. Problems are located errors (FILE:LINE).
#pragma once
#include <string>
#include <vector>

#include "config/legacy/import.hpp"

namespace tandem::config::legacy::keepalived {

inline constexpr int kMaxIncludeDepth = 8;

// One statement: its keyword and the words after it on its line, and the
// statements of its block when it opens one.
struct Statement {
  std::string file;
  int line = 0;
  std::string text;  // the source line, for comments
  std::string keyword;
  std::vector<std::string> args;
  bool block = false;
  std::vector<Statement> children;
};

struct ReadResult {
  std::vector<Statement> statements;  // the top level
  Diagnostics errors;
  Diagnostics warnings;
  bool any_text = false;  // some statement (not only comments and blanks)
};

// Reads `path` and what it includes.
ReadResult read_keepalived(const std::string& path, const FileReader& files);

}  // namespace tandem::config::legacy::keepalived
