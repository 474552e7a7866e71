// lvs.cf's lexical and block rules (LEGACY-FORMATS 5.1).
#include "config/legacy/piranha_file.hpp"

#include <cstdio>

#include "config/legacy/import.hpp"

namespace tandem::config::legacy::piranha {
namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

struct Line {
  int number = 0;
  std::string_view text;
};

// A line ends at \r or \n (CRLF counts as one line end, so that the line
// numbers are those an editor shows).
std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  int number = 1;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find_first_of("\r\n", begin);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back({number, text.substr(begin, end - begin)});
    ++number;
    if (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ++end;
    begin = end + 1;
  }
  return lines;
}

class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {}

  File read(std::string_view text) {
    if (binary(text)) return std::move(file_);
    for (const Line& l : split_lines(text)) line(l);
    for (auto it = open_.rbegin(); it != open_.rend(); ++it)
      error((*it)->line, (*it)->kind + " " + (*it)->name + " { is not closed: no } before the end of the file");
    return std::move(file_);
  }

 private:
  void error(int line, std::string m) { file_.errors.push_back(diagnostic_at(path_, line, std::move(m))); }

  // Binary input is refused as a whole, at its first line with a NUL or a
  // control character other than tab, CR, LF and form feed.
  bool binary(std::string_view text) {
    int number = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if (c == '\n') ++number;
      if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f') || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%02X", c);
        error(number, std::string("binary data (byte ") + buf + "): this is not an lvs.cf");
        return true;
      }
    }
    return false;
  }

  // Tokens split on blanks; a token starting with " or ' runs to the same
  // quote on the line. False (with an error) on an unclosed quote.
  bool tokens(const Line& l, std::vector<Token>& out) {
    const std::string_view t = l.text;
    std::size_t i = 0;
    while (true) {
      while (i < t.size() && (blank(t[i]) || t[i] == '\f')) ++i;
      if (i >= t.size()) return true;
      if (t[i] == '"' || t[i] == '\'') {
        const char q = t[i];
        const std::size_t close = t.find(q, i + 1);
        if (close == std::string_view::npos) {
          error(l.number, std::string("the quote ") + q + " is not closed on this line (a quoted value must end on "
                                                          "its own line)");
          return false;
        }
        out.push_back({std::string(t.substr(i + 1, close - i - 1)), true});
        i = close + 1;
        if (i < t.size() && !blank(t[i])) {
          error(l.number, "text right after a closing quote: put a blank between tokens");
          return false;
        }
        continue;
      }
      std::size_t j = i;
      while (j < t.size() && !blank(t[j]) && t[j] != '\f') ++j;
      out.push_back({std::string(t.substr(i, j - i)), false});
      i = j;
    }
  }

  Block* current() { return open_.empty() ? nullptr : open_.back(); }

  void line(const Line& l) {
    std::vector<Token> toks;
    std::size_t first = 0;
    while (first < l.text.size() && (blank(l.text[first]) || l.text[first] == '\f')) ++first;
    if (first == l.text.size()) return;
    if (l.text[first] == '#') return;  // whole-line comments only
    if (!tokens(l, toks) || toks.empty()) return;
    const std::string text(l.text.substr(first));
    const Token& head = toks[0];
    if (!head.quoted && head.text == "}") {
      if (toks.size() > 1) error(l.number, "text after } (piranha takes a line starting with } as the block's end)");
      if (open_.empty()) return error(l.number, "} closes no block");
      open_.pop_back();
      return;
    }
    const bool opener_kind = !head.quoted && (head.text == "virtual" || head.text == "server" || head.text == "failover");
    if (opener_kind && !(toks.size() >= 2 && toks[1].text == "=" && !toks[1].quoted)) return opener(l, text, toks);
    if (!head.quoted && head.text == "{")
      return error(l.number, "a { at the start of a line: piranha needs it on the line of its block's name (virtual "
                             "NAME {)");
    if (toks.size() < 2 || toks[1].text != "=" || toks[1].quoted) {
      if (head.text.find('=') != std::string::npos)
        return error(l.number, "\"" + head.text +
                                   "\": piranha needs blanks around = (key = value); without them it rejects the "
                                   "file (EQUALEXPECTED)");
      return error(l.number, "\"" + head.text + "\" is not followed by = (piranha reads key = value lines and "
                                                "virtual/server/failover NAME { blocks)");
    }
    Entry e{l.number, head.text, {toks.begin() + 2, toks.end()}, text};
    if (Block* b = current())
      b->entries.push_back(std::move(e));
    else
      file_.entries.push_back(std::move(e));
  }

  void opener(const Line& l, const std::string& text, const std::vector<Token>& toks) {
    const std::string& kind = toks[0].text;
    if (toks.size() == 1) return error(l.number, kind + " needs a name and { (" + kind + " NAME {)");
    if (toks.size() == 2 || toks[2].text != "{")
      return error(l.number, kind + " " + toks[1].text + ": the { must follow the name on the same line, after a "
                                                         "blank (" + kind + " NAME {)");
    if (toks.size() > 3) return error(l.number, "text after " + kind + " " + toks[1].text + " {");
    Block* parent = current();
    if (kind == "server" && (!parent || parent->kind != "virtual"))
      error(l.number, "server " + toks[1].text + " { outside a virtual block");
    else if (kind != "server" && parent)
      error(l.number, kind + " " + toks[1].text + " { inside " + parent->kind + " " + parent->name +
                          " (line " + std::to_string(parent->line) + "): is a } missing before it?");
    Block b{l.number, kind, toks[1].text, text, {}, {}};
    auto& list = parent ? parent->blocks : file_.blocks;
    list.push_back(std::move(b));
    open_.push_back(&list.back());
  }

  const std::string& path_;
  File file_;
  // The open blocks, outermost first, pointing into file_. A block is added
  // to file_.blocks only when none is open, and to a parent's list only while
  // the parent and its ancestors are the open ones, so no pointer held here
  // ever points into a list that grows.
  std::vector<Block*> open_;
};

}  // namespace

File read_lvs_cf(std::string_view text, const std::string& path) { return Reader(path).read(text); }

std::optional<std::uint64_t> parse_integer(std::string_view text, std::uint64_t max) {
  if (text.empty()) return std::nullopt;
  unsigned base = 10;
  std::string_view digits = text;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    digits = text.substr(2);
  } else if (text.size() > 1 && text[0] == '0') {
    base = 8;
    digits = text.substr(1);
  }
  std::uint64_t v = 0;
  for (char c : digits) {
    unsigned d;
    if (c >= '0' && c <= '9') d = unsigned(c - '0');
    else if (c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = unsigned(c - 'A' + 10);
    else return std::nullopt;
    if (d >= base) return std::nullopt;
    if (v > (max - d) / base) return std::nullopt;
    v = v * base + d;
  }
  return v;
}

}  // namespace tandem::config::legacy::piranha
