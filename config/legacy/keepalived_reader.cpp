#include "config/legacy/keepalived_reader.hpp"

#include <algorithm>
#include <deque>

#include "config/legacy/toml_writer.hpp"

namespace tandem::config::legacy::keepalived {
namespace {

struct Token {
  std::string text;
  bool quoted = false;
  const std::string* file = nullptr;
  int line = 0;
  const std::string* line_text = nullptr;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return path.substr(0, slash + 1);
}

bool has_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

class Lexer {
 public:
  explicit Lexer(const FileReader& files) : files_(files) {}

  // Appends the tokens of `path` (and what it includes) to tokens_.
  void file(const std::string& path, const std::string* from_file, int from_line) {
    const std::string& name = intern(path);
    const InputFile in = files_.read(path);
    if (!in.found) {
      const std::string why = in.error.empty() ? "No such file or directory" : in.error;
      if (from_file)
        error(*from_file, from_line, "include " + comment_safe(path) + ": " + why);
      else
        error(path, 0, why);
      return;
    }
    stack_.push_back(path);
    std::size_t start = 0;
    int line = 0;
    const std::string& text = in.text;
    while (start < text.size()) {
      ++line;
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string raw = text.substr(start, end - start);
      start = end + 1;
      if (!raw.empty() && raw.back() == '\r') raw.pop_back();
      if (!is_plain_utf8(raw)) {
        error(name, line,
              "not text: the line holds control characters or bytes that are not UTF-8 (\"" +
                  comment_safe(raw.substr(0, 40)) + "\"); is this a keepalived.conf?");
        break;
      }
      lines_.push_back(raw);
      words(raw, name, line, lines_.back());
    }
    stack_.pop_back();
  }

  std::vector<Token> tokens;
  Diagnostics errors;
  Diagnostics warnings;

 private:
  const std::string& intern(const std::string& s) {
    for (const auto& n : names_)
      if (n == s) return n;
    names_.push_back(s);
    return names_.back();
  }

  void error(const std::string& file, int line, std::string message) {
    errors.push_back(diagnostic_at(file, line, std::move(message)));
  }

  void words(const std::string& raw, const std::string& file, int line, const std::string& line_text) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < raw.size()) {
      if (is_blank(raw[i])) {
        ++i;
        continue;
      }
      if (raw[i] == '!' || raw[i] == '#') break;  // a comment to the end of the line
      Token t{"", false, &file, line, &line_text};
      if (raw[i] == '{' || raw[i] == '}') {
        t.text = std::string(1, raw[i++]);
      } else if (raw[i] == '"') {
        const auto close = raw.find('"', i + 1);
        if (close == std::string::npos) {
          error(file, line, "a quoted word without its closing '\"'");
          return;
        }
        t.text = raw.substr(i + 1, close - i - 1);
        t.quoted = true;
        i = close + 1;
      } else {
        // keepalived's decomment(): "\#" and "\!" stand for the character
        // itself; an unescaped '#' or '!' ends the word and the line.
        while (i < raw.size() && !is_blank(raw[i]) && raw[i] != '{' && raw[i] != '}' && raw[i] != '"' &&
               raw[i] != '#' && raw[i] != '!') {
          if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '#' || raw[i + 1] == '!')) ++i;
          t.text += raw[i++];
        }
      }
      out.push_back(std::move(t));
    }
    if (!out.empty() && !out[0].quoted && out[0].text == "include") {
      include(out, file, line);
      return;
    }
    for (auto& t : out) tokens.push_back(std::move(t));
  }

  void include(const std::vector<Token>& words, const std::string& file, int line) {
    if (words.size() != 2 || words[1].text == "{" || words[1].text == "}") {
      error(file, line, "include needs one file name or glob pattern, e.g. include /etc/keepalived/conf.d/*.conf");
      return;
    }
    std::string pattern = words[1].text;
    if (pattern.empty() || pattern[0] != '/') pattern = directory_of(file) + pattern;
    if (stack_.size() >= static_cast<std::size_t>(kMaxIncludeDepth)) {
      error(file, line,
            "include " + comment_safe(words[1].text) + ": includes nested more than " +
                std::to_string(kMaxIncludeDepth) + " deep (an include loop?)");
      return;
    }
    std::vector<std::string> paths;
    if (has_glob(pattern)) {
      paths = files_.glob(pattern);
      if (paths.empty()) {
        warnings.push_back(
            diagnostic_at(file, line, "include " + comment_safe(words[1].text) + ": no file matches; nothing included"));
        return;
      }
    } else {
      paths.push_back(pattern);
    }
    for (const auto& p : paths) {
      if (std::find(stack_.begin(), stack_.end(), p) != stack_.end()) {
        error(file, line, "include " + comment_safe(p) + ": an include loop (the file is already being read)");
        continue;
      }
      file_including(p, file, line);
    }
  }

  void file_including(const std::string& p, const std::string& from, int line) { this->file(p, &intern(from), line); }

  const FileReader& files_;
  std::vector<std::string> stack_;
  std::deque<std::string> names_;
  std::deque<std::string> lines_;
};

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, Diagnostics& errors) : t_(tokens), errors_(errors) {}

  std::vector<Statement> top() {
    std::vector<Statement> out;
    while (i_ < t_.size()) {
      if (t_[i_].text == "}" && !t_[i_].quoted) {
        error(t_[i_], "a '}' that closes no block");
        ++i_;
        continue;
      }
      out.push_back(statement(0));
    }
    return out;
  }

 private:
  bool is(std::size_t i, const char* s) const { return i < t_.size() && !t_[i].quoted && t_[i].text == s; }
  void error(const Token& t, std::string message) { errors_.push_back(diagnostic_at(*t.file, t.line, std::move(message))); }

  Statement statement(int depth) {
    const Token& first = t_[i_];
    Statement s;
    s.file = *first.file;
    s.line = first.line;
    s.text = *first.line_text;
    if (first.text == "{" && !first.quoted) {
      s.keyword = "{";
    } else {
      s.keyword = first.text;
      ++i_;
      while (i_ < t_.size() && t_[i_].file == first.file && t_[i_].line == first.line && !is(i_, "{") &&
             !is(i_, "}"))
        s.args.push_back(t_[i_++].text);
    }
    if (is(i_, "{")) {
      const Token& open = t_[i_++];
      s.block = true;
      if (depth >= 32) {
        error(open, "blocks nested more than 32 deep");
        i_ = t_.size();
        return s;
      }
      while (true) {
        if (i_ >= t_.size()) {
          error(open, "the block of \"" + comment_safe(s.keyword) + "\" opened here is not closed (a '}' is missing)");
          break;
        }
        if (is(i_, "}")) {
          ++i_;
          break;
        }
        s.children.push_back(statement(depth + 1));
      }
    }
    return s;
  }

  const std::vector<Token>& t_;
  Diagnostics& errors_;
  std::size_t i_ = 0;
};

}  // namespace

ReadResult read_keepalived(const std::string& path, const FileReader& files) {
  Lexer lexer(files);
  lexer.file(path, nullptr, 0);
  ReadResult r;
  r.any_text = !lexer.tokens.empty();
  r.errors = std::move(lexer.errors);
  r.warnings = std::move(lexer.warnings);
  Parser parser(lexer.tokens, r.errors);
  r.statements = parser.top();
  return r;
}

}  // namespace tandem::config::legacy::keepalived
