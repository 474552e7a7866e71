// HTTP/1.x for the http(s) checks: an incremental response parser fed with
// the bytes as they arrive, and the request a check sends.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tandem::health {

struct HttpLimits {
  std::size_t max_header_bytes = 16 * 1024;  // status line + headers, and again for trailers
  std::size_t max_headers = 100;             // header lines, and again for trailer lines
  std::size_t max_body_kept = 64 * 1024;     // body bytes kept for matching; the rest is counted
  std::size_t max_chunk_line = 1024;         // a chunk-size line with its extensions
};

struct HttpResponse {
  int version_minor = 0;  // HTTP/1.<minor>
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;   // names as received
  std::vector<std::pair<std::string, std::string>> trailers;  // chunked only
  std::string body;             // the first max_body_kept bytes, decoded
  std::uint64_t body_bytes = 0; // all decoded body bytes seen

  // The first header with this name, compared case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const;
  // The status line as received, for messages: "HTTP/1.1 503 Service Unavailable".
  std::string status_line() const;
};

enum class ParseStatus { need_more, complete, error };

class HttpResponseParser {
 public:
  // For a HEAD request the response has no body, whatever its headers say.
  explicit HttpResponseParser(bool head_request = false, HttpLimits limits = {});

  // Consumes `bytes`. Bytes after a complete response are ignored.
  ParseStatus feed(std::string_view bytes);
  // The peer closed the connection: completes a body delimited by the close,
  // anything else unfinished is an error.
  ParseStatus finish();

  ParseStatus status() const { return status_; }
  // Why parsing failed, e.g. "truncated body: got 10 of 20 bytes".
  const std::string& error() const { return error_; }
  // Filled as parsing goes; complete once status() is complete.
  const HttpResponse& response() const { return response_; }

 private:
  enum class Stage { status_line, headers, body_length, body_close, chunk_size, chunk_data, chunk_end, trailers, done };

  ParseStatus fail(std::string reason);
  // Takes one line from `bytes` into line_, advancing `bytes`; true when the
  // line is whole (without its CR LF in line_).
  bool take_line(std::string_view& bytes);
  void keep_body(std::string_view bytes);
  bool on_status_line();
  bool on_header_line(std::vector<std::pair<std::string, std::string>>& into, std::size_t& count);
  bool start_body();
  bool on_chunk_size_line();

  bool head_request_;
  HttpLimits limits_;
  ParseStatus status_ = ParseStatus::need_more;
  Stage stage_ = Stage::status_line;
  std::string error_;
  HttpResponse response_;
  std::string line_;
  std::size_t line_limit_ = 0;     // bytes the current line may still take
  std::size_t block_bytes_ = 0;    // bytes of the header (or trailer) block so far
  std::size_t block_lines_ = 0;
  std::uint64_t remaining_ = 0;    // of the body or of the current chunk
  std::uint64_t expected_ = 0;     // Content-Length
  bool any_input_ = false;
};

enum class HttpMethod { get, head };

struct HttpRequestBuild {
  std::optional<std::string> bytes;  // set exactly when error is empty
  std::string error;
};

// "GET /path HTTP/1.1" with Host, "User-Agent: tandem" and
// "Connection: close". The path must start with '/' and, like the host,
// contain no spaces or control bytes.
HttpRequestBuild build_http_request(HttpMethod method, std::string_view path, std::string_view host);

// The Host header for a server without a virtualhost: the address, in
// brackets when IPv6, with ":port" unless it is the scheme's default (80,
// or 443 with tls).
std::string host_header(std::string_view address, std::uint16_t port, bool tls);

}  // namespace tandem::health
