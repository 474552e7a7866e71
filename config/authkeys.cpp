#include "config/authkeys.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "config/text_file.hpp"

namespace tandem::config {
namespace {

// An authkeys file is a few lines; anything this large is not one.
constexpr std::size_t kMaxAuthkeysBytes = 64 * 1024;

struct Token {
  std::string_view text;
  int column = 0;  // 1-based
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<Token> split(std::string_view line) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) break;
    const std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    tokens.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
  }
  return tokens;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Key numbers are 1..15. Returns 0 when the token is not a number in range.
int parse_key_id(std::string_view text) {
  if (text.empty() || text.size() > 4) return 0;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + (c - '0');
  }
  return value >= 1 && value <= 15 ? value : 0;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

// Secrets must never reach a log, so messages quote a token only where it
// cannot be (part of) a secret: key numbers that are plain digits.
std::string describe_key_number(std::string_view text) {
  if (all_digits(text) && text.size() <= 10) return "key number " + std::string(text);
  return "the key number";
}

class AuthkeysParser {
 public:
  explicit AuthkeysParser(const std::string& path) : path_(path) {}

  AuthKeysResult parse(std::string_view text) {
    int line_number = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      ++line_number;
      parse_line(text.substr(pos, end - pos), line_number);
      pos = end + 1;
    }
    finish();
    // File order, as a compiler reports; problems of the whole file come last.
    auto by_position = [](const Diagnostic& a, const Diagnostic& b) {
      const int la = a.line == 0 ? INT_MAX : a.line;
      const int lb = b.line == 0 ? INT_MAX : b.line;
      return la != lb ? la < lb : a.column < b.column;
    };
    std::stable_sort(errors_.begin(), errors_.end(), by_position);
    std::stable_sort(warnings_.begin(), warnings_.end(), by_position);
    AuthKeysResult result;
    if (errors_.empty()) result.keys = keys_;
    result.errors = std::move(errors_);
    result.warnings = std::move(warnings_);
    return result;
  }

 private:
  void error(int line, int column, std::string message) {
    errors_.push_back({path_, line, column, std::move(message)});
  }
  void warning(int line, int column, std::string message) {
    warnings_.push_back({path_, line, column, std::move(message)});
  }

  void parse_line(std::string_view line, int number) {
    const auto tokens = split(line);
    if (tokens.empty() || tokens[0].text.front() == '#') return;
    if (lowercase(tokens[0].text) == "auth")
      parse_auth(tokens, number);
    else if (all_digits(tokens[0].text))
      parse_key(tokens, number);
    else
      error(number, tokens[0].column,
            "expected \"auth N\" or \"N ALGORITHM SECRET\" (e.g. \"1 sha256 SECRET\")");
  }

  void parse_auth(const std::vector<Token>& tokens, int line) {
    if (auth_line_ != 0) {
      error(line, tokens[0].column,
            "more than one auth line (the first is on line " + std::to_string(auth_line_) + ")");
      return;
    }
    auth_line_ = line;
    if (tokens.size() < 2) {
      error(line, tokens[0].column, "auth needs the number of the key to send with, e.g. \"auth 1\"");
      return;
    }
    auth_column_ = tokens[1].column;
    const int id = parse_key_id(tokens[1].text);
    bool ok = true;
    if (id == 0) {
      error(line, tokens[1].column, "auth: " + describe_key_number(tokens[1].text) + " must be 1..15");
      ok = false;
    }
    if (tokens.size() > 2) {
      error(line, tokens[2].column, "unexpected text after \"auth N\"");
      ok = false;
    }
    if (ok) keys_.send_id = id;
  }

  void parse_key(const std::vector<Token>& tokens, int line) {
    const int id = parse_key_id(tokens[0].text);
    bool ok = true;
    if (id == 0) {
      error(line, tokens[0].column, describe_key_number(tokens[0].text) + " is out of range 1..15");
      ok = false;
    } else {
      mentioned_[id] = true;
      if (first_line_[id] != 0) {
        error(line, tokens[0].column,
              "key " + std::to_string(id) + " is defined twice (first on line " +
                  std::to_string(first_line_[id]) + ")");
        ok = false;
      } else {
        first_line_[id] = line;
      }
    }
    const std::string name = id ? "key " + std::to_string(id) : "the key";
    if (tokens.size() < 2) {
      error(line, tokens[0].column,
            name + " needs an algorithm and a secret, e.g. \"" + (id ? std::to_string(id) : "1") +
                " sha256 SECRET\"");
      return;
    }
    const std::string algo = lowercase(tokens[1].text);
    AuthKey key;
    key.id = id;
    if (algo == "sha256") {
      key.algorithm = HmacAlgorithm::sha256;
    } else if (algo == "sha512") {
      key.algorithm = HmacAlgorithm::sha512;
    } else if (algo == "sha1" || algo == "md5") {
      key.algorithm = algo == "sha1" ? HmacAlgorithm::sha1 : HmacAlgorithm::md5;
      if (id != 0)
        warning(line, tokens[1].column,
                name + " uses " + algo + ", which is weak; use sha256 or sha512");
    } else if (algo == "crc") {
      error(line, tokens[1].column, "crc is not authentication; use sha256");
      return;
    } else {
      error(line, tokens[1].column,
            name + " has an unknown algorithm; use sha256 or sha512");
      return;
    }
    if (tokens.size() < 3) {
      error(line, tokens[1].column, name + " has no secret; write \"N " + algo + " SECRET\"");
      return;
    }
    if (tokens.size() > 3) {
      error(line, tokens[3].column,
            "unexpected text after the secret of " + name + "; the secret is one word without spaces");
      return;
    }
    if (!ok) return;
    key.secret = std::string(tokens[2].text);
    keys_.keys.push_back(std::move(key));
  }

  void finish() {
    if (auth_line_ == 0) {
      error(0, 0, "no \"auth N\" line; add one naming the key to send with, e.g. \"auth 1\"");
      return;
    }
    // A key that was written but refused already has its own error.
    if (keys_.send_id != 0 && !mentioned_[keys_.send_id])
      error(auth_line_, auth_column_,
            "auth " + std::to_string(keys_.send_id) + " names a key that is not defined");
  }

  const std::string& path_;
  AuthKeys keys_;
  Diagnostics errors_;
  Diagnostics warnings_;
  int auth_line_ = 0;
  int auth_column_ = 0;
  bool mentioned_[16] = {};
  int first_line_[16] = {};
};

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// heartbeat's rule: the keys must not be readable (or writable) by anyone but
// the owner.
std::optional<std::string> mode_problem(mode_t mode, const std::string& path) {
  const bool readable = (mode & (S_IRGRP | S_IROTH)) != 0;
  const bool writable = (mode & (S_IWGRP | S_IWOTH)) != 0;
  if (!readable && !writable) return std::nullopt;
  const char* what = readable && writable ? "readable and writable"
                     : readable           ? "readable"
                                          : "writable";
  return "mode " + octal_mode(mode) + " is " + what + " by group or others; chmod 600 " + path;
}

AuthKeysResult file_error(const std::string& path, std::string message) {
  AuthKeysResult result;
  result.errors.push_back({path, 0, 0, std::move(message)});
  return result;
}

}  // namespace

std::string_view to_string(HmacAlgorithm a) {
  switch (a) {
    case HmacAlgorithm::sha256: return "sha256";
    case HmacAlgorithm::sha512: return "sha512";
    case HmacAlgorithm::sha1: return "sha1";
    case HmacAlgorithm::md5: return "md5";
  }
  return "unknown";
}

const AuthKey* AuthKeys::find(int id) const {
  for (const auto& k : keys)
    if (k.id == id) return &k;
  return nullptr;
}

const AuthKey& AuthKeys::send_key() const {
  const AuthKey* key = find(send_id);
  if (key == nullptr) throw std::logic_error("authkeys: send key " + std::to_string(send_id) + " is not defined");
  return *key;
}

AuthKeysResult parse_authkeys(std::string_view text, const std::string& path) {
  return AuthkeysParser(path).parse(text);
}

AuthKeysResult load_authkeys(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return file_error(path, "cannot read authkeys: " + std::generic_category().message(errno));
  if (auto problem = mode_problem(st.st_mode, path)) return file_error(path, *problem);
  TextFile file = read_text_file(path, kMaxAuthkeysBytes);
  if (!file.ok) return file_error(path, "cannot read authkeys: " + file.error);
  // Checked again on the file actually read, in case it was replaced.
  if (auto problem = mode_problem(file.mode, path)) return file_error(path, *problem);
  return parse_authkeys(file.text, path);
}

}  // namespace tandem::config
