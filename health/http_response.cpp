#include "health/http_response.hpp"

#include <algorithm>

#include "health/matcher.hpp"

namespace tandem::health {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 9110 tchar.
bool is_token_char(char c) {
  if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The comma-separated elements of every header named `name`.
std::vector<std::string> list_values(const std::vector<std::pair<std::string, std::string>>& headers,
                                     std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (!iequals(n, name)) continue;
    std::string_view rest = v;
    while (true) {
      const auto comma = rest.find(',');
      out.emplace_back(trim(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

enum class Line { partial, whole, too_long };

}  // namespace

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

std::string HttpResponse::status_line() const {
  std::string line = "HTTP/1." + std::to_string(version_minor) + " " + std::to_string(status);
  if (!reason.empty()) line += " " + reason;
  return line;
}

HttpResponseParser::HttpResponseParser(bool head_request, HttpLimits limits)
    : head_request_(head_request), limits_(limits) {}

ParseStatus HttpResponseParser::fail(std::string reason) {
  status_ = ParseStatus::error;
  error_ = std::move(reason);
  stage_ = Stage::done;
  return status_;
}

void HttpResponseParser::keep_body(std::string_view bytes) {
  response_.body_bytes += bytes.size();
  const std::size_t room = limits_.max_body_kept - std::min(limits_.max_body_kept, response_.body.size());
  response_.body.append(bytes.substr(0, room));
}

ParseStatus HttpResponseParser::feed(std::string_view bytes) {
  if (!bytes.empty()) any_input_ = true;
  // Takes one line into line_ (without CR LF), within `limit` bytes counting
  // the terminator; `raw` gets the bytes the line took.
  std::size_t raw = 0;
  const auto take_line = [&](std::size_t limit) {
    const auto nl = bytes.find('\n');
    const std::size_t part = nl == std::string_view::npos ? bytes.size() : nl + 1;
    if (line_.size() + part > limit) return Line::too_long;
    line_.append(bytes.substr(0, part));
    bytes.remove_prefix(part);
    if (nl == std::string_view::npos) return Line::partial;
    raw = line_.size();
    line_.pop_back();
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    return Line::whole;
  };
  const auto header_room = [&] { return limits_.max_header_bytes - std::min(limits_.max_header_bytes, block_bytes_); };
  const auto too_big = [&](const char* what) {
    return fail(std::string(what) + " exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
  };

  while (!bytes.empty() && status_ == ParseStatus::need_more) {
    switch (stage_) {
      case Stage::status_line: {
        const Line got = take_line(header_room());
        {
          // Fail fast on a peer that does not speak HTTP (an SSH banner, a
          // greeting), without waiting for its line to end.
          std::string seen = line_;
          if (got == Line::too_long) seen += bytes.substr(0, 5);
          const std::size_t n = got == Line::whole ? 5 : std::min<std::size_t>(seen.size(), 5);
          if (seen.compare(0, n, "HTTP/", 0, n) != 0 || seen.size() < n)
            return fail("no status line: got " + quote_first_line(seen));
        }
        if (got == Line::too_long) return too_big("status line and headers");
        if (got == Line::partial) break;
        block_bytes_ += raw;
        if (!on_status_line()) return status_;
        line_.clear();
        stage_ = Stage::headers;
        break;
      }
      case Stage::headers:
      case Stage::trailers: {
        const bool trailers = stage_ == Stage::trailers;
        const Line got = take_line(header_room());
        if (got == Line::too_long) return too_big(trailers ? "trailers" : "status line and headers");
        if (got == Line::partial) break;
        block_bytes_ += raw;
        if (line_.empty()) {
          if (trailers) {
            status_ = ParseStatus::complete;
            stage_ = Stage::done;
          } else if (!start_body()) {
            return status_;
          }
          break;
        }
        if (!on_header_line(trailers ? response_.trailers : response_.headers, block_lines_)) return status_;
        line_.clear();
        break;
      }
      case Stage::body_length:
      case Stage::chunk_data: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size()));
        keep_body(bytes.substr(0, n));
        bytes.remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) {
          if (stage_ == Stage::chunk_data) {
            stage_ = Stage::chunk_end;
          } else {
            status_ = ParseStatus::complete;
            stage_ = Stage::done;
          }
        }
        break;
      }
      case Stage::body_close:
        keep_body(bytes);
        bytes = {};
        break;
      case Stage::chunk_size: {
        const Line got = take_line(limits_.max_chunk_line);
        if (got == Line::too_long)
          return fail("chunk size line exceeds " + std::to_string(limits_.max_chunk_line) + " bytes");
        if (got == Line::partial) break;
        if (!on_chunk_size_line()) return status_;
        line_.clear();
        break;
      }
      case Stage::chunk_end: {
        const Line got = take_line(2);
        if (got == Line::too_long || (got == Line::whole && !line_.empty()))
          return fail("missing CRLF after chunk data");
        if (got == Line::partial) {
          if (line_ != "\r") return fail("missing CRLF after chunk data");
          break;
        }
        line_.clear();
        stage_ = Stage::chunk_size;
        break;
      }
      case Stage::done:
        bytes = {};
        break;
    }
  }
  return status_;
}

bool HttpResponseParser::on_status_line() {
  const std::string_view line = line_;
  // "HTTP/" DIGIT "." DIGIT SP 3DIGIT [SP reason]
  if (line.size() < 8 || !is_digit(line[5]) || line[6] != '.' || !is_digit(line[7]) ||
      (line.size() > 8 && line[8] != ' ')) {
    fail("bad version in status line: " + quote_first_line(line));
    return false;
  }
  if (line[5] != '1') {
    fail("unsupported version " + std::string(line.substr(0, 8)) + " in status line: " + quote_first_line(line));
    return false;
  }
  const std::string_view rest = line.substr(std::min<std::size_t>(line.size(), 9));
  if (rest.size() < 3 || !is_digit(rest[0]) || !is_digit(rest[1]) || !is_digit(rest[2]) ||
      (rest.size() > 3 && rest[3] != ' ') || rest[0] < '1' || rest[0] > '5') {
    fail("bad status code in status line: " + quote_first_line(line));
    return false;
  }
  response_.version_minor = line[7] - '0';
  response_.status = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
  response_.reason = std::string(rest.size() > 4 ? rest.substr(4) : std::string_view());
  return true;
}

bool HttpResponseParser::on_header_line(std::vector<std::pair<std::string, std::string>>& into,
                                        std::size_t& count) {
  const std::string_view line = line_;
  if (line.front() == ' ' || line.front() == '\t') {
    // obs-fold: a continuation of the previous field value (RFC 9112 5.2).
    if (into.empty()) {
      fail("malformed header line: " + quote_first_line(line));
      return false;
    }
    const std::string_view more = trim(line);
    if (!more.empty()) {
      if (!into.back().second.empty()) into.back().second += ' ';
      into.back().second += more;
    }
    return true;
  }
  const auto colon = line.find(':');
  const std::string_view name = line.substr(0, colon);
  if (colon == std::string_view::npos || name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
    fail("malformed header line: " + quote_first_line(line));
    return false;
  }
  if (++count > limits_.max_headers) {
    fail("too many header lines (more than " + std::to_string(limits_.max_headers) + ")");
    return false;
  }
  into.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
  return true;
}

bool HttpResponseParser::start_body() {
  const int status = response_.status;
  if (status >= 100 && status < 200) {
    // An interim response (100 Continue and the like): the real one follows.
    // The header byte and line caps keep counting across them.
    response_ = HttpResponse{};
    stage_ = Stage::status_line;
    return true;
  }
  if (head_request_ || status == 204 || status == 304) {
    status_ = ParseStatus::complete;
    stage_ = Stage::done;
    return true;
  }
  const auto codings = list_values(response_.headers, "Transfer-Encoding");
  if (!codings.empty()) {
    for (std::size_t i = 0; i < codings.size(); ++i) {
      if (!iequals(codings[i], "chunked")) continue;
      if (i + 1 != codings.size()) {
        fail("chunked is not the final transfer coding");
        return false;
      }
      stage_ = Stage::chunk_size;
      block_bytes_ = 0;  // the trailers get a block of their own
      block_lines_ = 0;
      return true;
    }
    stage_ = Stage::body_close;  // RFC 9112 6.3: read until the close
    return true;
  }
  const auto lengths = list_values(response_.headers, "Content-Length");
  if (lengths.empty()) {
    stage_ = Stage::body_close;
    return true;
  }
  std::optional<std::uint64_t> length;
  for (const auto& text : lengths) {
    std::uint64_t value = 0;
    bool ok = !text.empty() && text.size() <= 18 && std::all_of(text.begin(), text.end(), is_digit);
    if (ok)
      for (const char c : text) value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (!ok) {
      fail("bad Content-Length " + quote_first_line(text));
      return false;
    }
    if (length && *length != value) {
      fail("conflicting Content-Length values");
      return false;
    }
    length = value;
  }
  expected_ = remaining_ = *length;
  if (remaining_ == 0) {
    status_ = ParseStatus::complete;
    stage_ = Stage::done;
  } else {
    stage_ = Stage::body_length;
  }
  return true;
}

bool HttpResponseParser::on_chunk_size_line() {
  std::string_view line = line_;
  std::uint64_t size = 0;
  std::size_t digits = 0;
  while (digits < line.size() && hex_value(line[digits]) >= 0) {
    if (size >> 59) {  // a 16th significant digit would overflow (and is absurd anyway)
      fail("bad chunk size: too large");
      return false;
    }
    size = size * 16 + static_cast<std::uint64_t>(hex_value(line[digits]));
    ++digits;
  }
  const std::string_view rest = trim(line.substr(digits));
  if (digits == 0 || (!rest.empty() && rest.front() != ';')) {
    fail("bad chunk size " + quote_first_line(line));
    return false;
  }
  if (size == 0) {
    stage_ = Stage::trailers;
  } else {
    remaining_ = size;
    stage_ = Stage::chunk_data;
  }
  return true;
}

ParseStatus HttpResponseParser::finish() {
  if (status_ != ParseStatus::need_more) return status_;
  switch (stage_) {
    case Stage::status_line:
      if (!any_input_) return fail("connection closed before any response");
      return fail("connection closed in the status line: got " + quote_first_line(line_));
    case Stage::headers:
      return fail("connection closed in the headers");
    case Stage::body_length:
      return fail("truncated body: got " + std::to_string(expected_ - remaining_) + " of " +
                  std::to_string(expected_) + " bytes");
    case Stage::body_close:
      status_ = ParseStatus::complete;
      stage_ = Stage::done;
      return status_;
    case Stage::chunk_size:
    case Stage::chunk_data:
    case Stage::chunk_end:
      return fail("truncated chunked body: closed after " + std::to_string(response_.body_bytes) + " bytes");
    case Stage::trailers:
      return fail("connection closed in the trailers");
    case Stage::done:
      break;
  }
  return status_;
}

namespace {

bool clean(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f;
  });
}

}  // namespace

HttpRequestBuild build_http_request(HttpMethod method, std::string_view path, std::string_view host) {
  HttpRequestBuild build;
  if (path.empty() || path.front() != '/' || !clean(path)) {
    build.error = "bad request path " + quote_first_line(path) + ": it must start with / and contain no spaces or control bytes";
    return build;
  }
  if (host.empty() || !clean(host)) {
    build.error = "bad Host " + quote_first_line(host) + ": it must be non-empty, without spaces or control bytes";
    return build;
  }
  std::string out = method == HttpMethod::head ? "HEAD " : "GET ";
  out += path;
  out += " HTTP/1.1\r\nHost: ";
  out += host;
  out += "\r\nUser-Agent: tandem\r\nConnection: close\r\n\r\n";
  build.bytes = std::move(out);
  return build;
}

std::string host_header(std::string_view address, std::uint16_t port, bool tls) {
  std::string out = address.find(':') != std::string_view::npos ? "[" + std::string(address) + "]" : std::string(address);
  if (port != (tls ? 443 : 80)) out += ":" + std::to_string(port);
  return out;
}

}  // namespace tandem::health
