// Fuzz target for the keepalived.conf reader (config/legacy/keepalived_reader):
// each input is one keepalived.conf, named k.conf, which may include itself
// (an include loop) or globs that match only it. Beyond not crashing, it
// checks that every diagnostic names that file with a line within it, and
// that every statement has a keyword and a line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/legacy/import.hpp"
#include "config/legacy/keepalived_reader.hpp"

namespace {

using namespace tandem::config::legacy;

void require(bool condition) {
  if (!condition) std::abort();
}

int lines_of(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n + 1;
}

void check(const std::vector<keepalived::Statement>& statements, int lines, int depth) {
  require(depth <= 40);
  for (const auto& s : statements) {
    require(s.file == "k.conf" && s.line >= 1 && s.line <= lines);
    require(s.block || s.children.empty());
    check(s.children, lines, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto r = keepalived::read_keepalived("k.conf", map_reader({{"k.conf", text}}));
  const int lines = lines_of(text);
  for (const auto* list : {&r.errors, &r.warnings})
    for (const auto& d : *list) require(d.file == "k.conf" && !d.message.empty() && d.line >= 0 && d.line <= lines);
  check(r.statements, lines, 0);
  return 0;
}
