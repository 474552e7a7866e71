// The lexical readers of heartbeat's files (LEGACY-FORMATS 1.1, 1.2, 3.1,
// 3.2, 3.3): what heartbeat's parse_config, cl_get_msec, ResourceManager's
// sed pipeline and the IPaddr wrappers make of the text, nothing more.
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "config/legacy/heartbeat.hpp"

namespace tandem::config::legacy::heartbeat {
namespace {

constexpr std::string_view kDelims = ", \t\n\r\f";  // heartbeat's DELIMS
constexpr std::string_view kWhitespace = " \t\f\v";

std::string_view trim(std::string_view s, std::string_view set = kWhitespace) {
  const auto b = s.find_first_not_of(set);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(set);
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(std::string_view s, std::string_view delims) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = s.find_first_not_of(delims, i);
    if (b == std::string_view::npos) break;
    auto e = s.find_first_of(delims, b);
    if (e == std::string_view::npos) e = s.size();
    out.emplace_back(s.substr(b, e - b));
    i = e;
  }
  return out;
}

// The physical lines of the text, without their LF.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Whether `s` is text: UTF-8 without control characters but tab, form feed
// and vertical tab.
bool is_text(std::string_view s) {
  std::string copy(s);
  std::replace_if(copy.begin(), copy.end(), [](char c) { return c == '\f' || c == '\v'; }, ' ');
  return is_plain_utf8(copy);
}

void not_text(const std::string& path, int line, std::string_view s, Diagnostics& errors) {
  const bool cr = s.find('\r') != std::string_view::npos;
  errors.push_back(diagnostic_at(
      path, line,
      cr ? "a carriage return (the file has DOS line ends): heartbeat would read it as part of the line; "
           "convert the file with dos2unix"
         : "binary data or bytes that are not UTF-8 (\"" + comment_safe(s.substr(0, 40)) +
               "\"): this is not a text file"));
}

}  // namespace

std::vector<CfLine> read_ha_cf(std::string_view text, const std::string& path, Diagnostics& errors) {
  std::vector<CfLine> out;
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const int number = int(i) + 1;
    std::string_view l = lines[i];
    // `#` anywhere ends the line, and so does a CR (heartbeat cuts at the
    // first CR or LF).
    l = l.substr(0, std::min(l.find('#'), l.find('\r')));
    l = trim(l);
    if (l.empty()) continue;
    if (!is_text(l)) {
      not_text(path, number, l, errors);
      continue;
    }
    CfLine c;
    c.line = number;
    c.text = std::string(trim(lines[i], " \t\r\f\v"));
    const auto end = l.find_first_of(kWhitespace);
    c.directive = std::string(l.substr(0, end));
    const std::string_view rest = end == std::string_view::npos ? std::string_view{} : trim(l.substr(end));
    c.rest = std::string(rest);
    c.args = split(rest, kDelims);
    out.push_back(std::move(c));
  }
  return out;
}

long long time_ms(std::string_view text) {
  text = trim(text);
  std::size_t n = 0;
  while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.')) ++n;
  if (n == 0 || n > 20) return -1;
  const std::string number(text.substr(0, n));
  // atof: the longest prefix that is a number ("1.2.3" is 1.2).
  const double value = std::atof(number.c_str());
  std::string unit(trim(text.substr(n)));
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  double ms;
  if (unit.empty())
    ms = value * 1000.0;
  else if (unit.starts_with("ms"))
    ms = value;
  else if (unit.starts_with("us"))
    ms = value / 1000.0;
  else
    return -1;
  if (!(ms >= 0) || ms > 1e12) return -1;
  return static_cast<long long>(std::llround(ms));
}

std::vector<ResourceLine> read_haresources(std::string_view text, const std::string& path, Diagnostics& errors) {
  std::vector<ResourceLine> out;
  const auto lines = lines_of(text);
  std::string logical;
  int first = 0;
  bool bad = false;
  auto finish = [&] {
    const std::vector<std::string> fields = split(logical, " \t");
    if (!fields.empty() && !bad) {
      ResourceLine r;
      r.line = first;
      r.node = fields[0];
      std::transform(r.node.begin(), r.node.end(), r.node.begin(),
                     [](unsigned char c) { return char(std::tolower(c)); });
      r.resources.assign(fields.begin() + 1, fields.end());
      for (const auto& f : fields) r.text += (r.text.empty() ? "" : " ") + f;
      out.push_back(std::move(r));
    }
    logical.clear();
    first = 0;
    bad = false;
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const int number = int(i) + 1;
    // 1. s%#.*%%, before the continuations are joined.
    std::string_view l = lines[i];
    l = l.substr(0, l.find('#'));
    if (!is_text(l)) {
      not_text(path, number, l, errors);
      bad = true;
    }
    if (first == 0) first = number;
    // 2. a line ending in `\` is joined with the next, without a space.
    if (!l.empty() && l.back() == '\\' && i + 1 < lines.size()) {
      logical += l.substr(0, l.size() - 1);
      continue;
    }
    // (a `\` on the last line stays: sed's N has no next line to join)
    logical += l;
    finish();
  }
  return out;
}

ResourceSpec resource_spec(std::string_view field) {
  ResourceSpec r;
  const std::string f(field);
  if (::fnmatch("[0-9]*.[0-9]*.[0-9]*.[0-9]*", f.c_str(), 0) == 0) {
    r.name = "IPaddr";
    r.args.push_back(f);
    return r;
  }
  std::size_t start = 0;
  bool name = true;
  for (;;) {
    const auto sep = field.find("::", start);
    const std::string part(field.substr(start, sep == std::string_view::npos ? std::string_view::npos : sep - start));
    if (name)
      r.name = part;
    else
      r.args.push_back(part);
    name = false;
    if (sep == std::string_view::npos) break;
    start = sep + 2;
  }
  return r;
}

IpArgument ip_argument(std::string_view arg) {
  IpArgument a;
  const auto slash = arg.find('/');
  a.ip = std::string(arg.substr(0, slash));
  if (slash == std::string_view::npos) return a;
  std::string_view rest = arg.substr(slash);
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);  // s%^IP/*%%
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const auto sep = rest.find('/', start);
    fields.emplace_back(rest.substr(start, sep == std::string_view::npos ? std::string_view::npos : sep - start));
    if (sep == std::string_view::npos) break;
    start = sep + 1;
  }
  a.netmask = fields[0];
  if (fields.size() >= 2) {
    const std::string& third = fields[1];
    if (!third.empty() && std::isdigit(static_cast<unsigned char>(third[0]))) {
      a.broadcast = third;
    } else {
      const auto colon = third.find(':');
      a.interface = third.substr(0, colon);
      if (colon != std::string::npos) a.label = third;
      if (fields.size() >= 3) a.broadcast = fields[2];
    }
  }
  return a;
}

}  // namespace tandem::config::legacy::heartbeat
