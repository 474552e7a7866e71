// The incremental HTTP/1.x response parser and the request builder
// (health/http_response).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "health/http_response.hpp"

namespace tandem::health {
namespace {

struct Outcome {
  ParseStatus status;
  std::string error;
  int code = 0;
  std::string body;
};

// Feeds `input` in pieces of `step` bytes (0: all at once), then closes if
// `close` and the parser still wants more.
Outcome parse(const std::string& input, std::size_t step = 0, bool close = true, bool head = false,
              HttpLimits limits = {}) {
  HttpResponseParser parser(head, limits);
  if (step == 0) step = input.size() + 1;
  for (std::size_t i = 0; i < input.size(); i += step) parser.feed(std::string_view(input).substr(i, step));
  if (close) parser.finish();
  return {parser.status(), parser.error(), parser.response().status, parser.response().body};
}

struct Case {
  const char* description;
  std::string input;
  ParseStatus status;
  const char* error_or_body;  // the error, or the body when complete
  bool close = true;
  bool head = false;
};

const std::string kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;name=value\r\nhello\r\n"
    "1A\r\n abcdefghijklmnopqrstuvwxy\r\n"
    "0\r\nX-Trailer: yes\r\n\r\n";

TEST(HealthHttpResponseTest, Table) {
  using enum ParseStatus;
  const std::vector<Case> cases = {
      {"Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", complete, "hello", false},
      {"Content-Length completes without the close", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", complete, "hi", false},
      {"bytes after the body are ignored", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiTHERE", complete, "hi", false},
      {"body until the close", "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of it", complete, "all of it"},
      {"until close is not complete before the close", "HTTP/1.0 200 OK\r\n\r\nsome", need_more, "some", false},
      {"chunked with extensions and trailers", kChunked, complete, "hello abcdefghijklmnopqrstuvwxy", false},
      {"bare LF line endings", "HTTP/1.1 200 OK\nContent-Length: 1\n\nx", complete, "x", false},
      {"no reason phrase", "HTTP/1.1 204\r\n\r\n", complete, "", false},
      {"204 has no body", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", complete, "", false},
      {"HEAD has no body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", complete, "", false, true},
      {"interim 100 Continue is skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz", complete, "z", false},
      {"same Content-Length twice", "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\nContent-length: 1\r\n\r\nq", complete, "q", false},
      {"Transfer-Encoding wins over Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", complete, "a", false},
      {"non-chunked coding reads to the close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", complete, "zz"},
      {"folded header line", "HTTP/1.1 200 OK\r\nX: a\r\n  b\r\nContent-Length: 0\r\n\r\n", complete, "", false},
      // malformed
      {"nothing at all", "", error, "connection closed before any response"},
      {"no status line", "SSH-2.0-OpenSSH_9.2\r\n", error, "no status line: got \"SSH-2.0-OpenSSH_9.2\"", false},
      {"no status line, caught early", "hello", error, "no status line: got \"hello\"", false},
      {"an empty first line", "\r\nHTTP/1.1 200 OK\r\n", error, "no status line: got \"\"", false},
      {"bad version", "HTTP/x.1 200 OK\r\n", error, "bad version in status line: \"HTTP/x.1 200 OK\"", false},
      {"HTTP/2 refused", "HTTP/2.0 200 OK\r\n", error, "unsupported version HTTP/2.0 in status line: \"HTTP/2.0 200 OK\"", false},
      {"bad status code", "HTTP/1.1 20x OK\r\n", error, "bad status code in status line: \"HTTP/1.1 20x OK\"", false},
      {"status code out of range", "HTTP/1.1 600 Odd\r\n", error, "bad status code in status line: \"HTTP/1.1 600 Odd\"", false},
      {"four-digit status", "HTTP/1.1 2000 OK\r\n", error, "bad status code in status line: \"HTTP/1.1 2000 OK\"", false},
      {"closed in the status line", "HTTP/1.1 20", error, "connection closed in the status line: got \"HTTP/1.1 20\""},
      {"closed in the headers", "HTTP/1.1 200 OK\r\nServer: x\r\n", error, "connection closed in the headers"},
      {"malformed header", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", error, "malformed header line: \"no colon here\"", false},
      {"space before the colon", "HTTP/1.1 200 OK\r\nName : v\r\n\r\n", error, "malformed header line: \"Name : v\"", false},
      {"fold without a header", "HTTP/1.1 200 OK\r\n folded\r\n\r\n", error, "malformed header line: \" folded\"", false},
      {"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789", error, "truncated body: got 10 of 20 bytes"},
      {"bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", error, "bad Content-Length \"1x\"", false},
      {"negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", error, "bad Content-Length \"-1\"", false},
      {"huge Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", error, "bad Content-Length \"99999999999999999999\"", false},
      {"conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", error, "conflicting Content-Length values", false},
      {"chunked not last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", error, "chunked is not the final transfer coding", false},
      {"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", error, "bad chunk size \"zz\"", false},
      {"empty chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", error, "bad chunk size \"\"", false},
      {"0x prefix is not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n", error, "bad chunk size \"0x5\"", false},
      {"chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", error, "bad chunk size: too large", false},
      {"chunk data longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", error, "missing CRLF after chunk data", false},
      {"chunked body cut short", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", error, "truncated chunked body: closed after 2 bytes"},
      {"closed before the last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n", error, "truncated chunked body: closed after 1 bytes"},
      {"closed in the trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n", error, "connection closed in the trailers"},
      {"chunk line too long", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(2000, 'e'), error, "chunk size line exceeds 1024 bytes", false},
      {"huge headers", "HTTP/1.1 200 OK\r\nX: " + std::string(17000, 'a'), error, "status line and headers exceed 16384 bytes", false},
      {"huge status line", "HTTP/1.1 200 " + std::string(17000, 'a'), error, "status line and headers exceed 16384 bytes", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
      SCOPED_TRACE("step " + std::to_string(step));
      const auto got = parse(c.input, step, c.close, c.head);
      EXPECT_EQ(got.status, c.status) << got.error;
      const std::string expected = c.error_or_body;
      if (c.status == ParseStatus::error && expected.rfind("no status line", 0) == 0 && step != 0) {
        // Fails fast, so it quotes what had arrived: a prefix of the line.
        const std::string quoted = got.error.substr(0, got.error.size() - 1);
        EXPECT_EQ(expected.rfind(quoted, 0), 0u) << got.error;
      } else if (c.status == ParseStatus::error) {
        EXPECT_EQ(got.error, c.error_or_body);
      } else {
        EXPECT_EQ(got.body, c.error_or_body);
        EXPECT_EQ(got.error, "");
      }
    }
  }
}

TEST(HealthHttpResponseTest, TooManyHeaders) {
  std::string input = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 100; ++i) input += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(parse(input + "Content-Length: 0\r\n\r\n").error, "too many header lines (more than 100)");
  EXPECT_EQ(parse(input + "\r\n").status, ParseStatus::complete);
}

TEST(HealthHttpResponseTest, ChunkedSplitAtEveryByteBoundary) {
  for (std::size_t cut = 0; cut <= kChunked.size(); ++cut) {
    for (std::size_t cut2 = cut; cut2 <= kChunked.size(); cut2 += 3) {
      HttpResponseParser parser;
      parser.feed(std::string_view(kChunked).substr(0, cut));
      parser.feed(std::string_view(kChunked).substr(cut, cut2 - cut));
      const auto status = parser.feed(std::string_view(kChunked).substr(cut2));
      ASSERT_EQ(status, ParseStatus::complete) << "cuts at " << cut << ", " << cut2 << ": " << parser.error();
      EXPECT_EQ(parser.response().body, "hello abcdefghijklmnopqrstuvwxy");
      ASSERT_EQ(parser.response().trailers.size(), 1u);
      EXPECT_EQ(parser.response().trailers[0].second, "yes");
    }
  }
}

TEST(HealthHttpResponseTest, HeadersAndStatusLine) {
  HttpResponseParser parser;
  parser.feed("HTTP/1.1 503 Service Unavailable\r\ncontent-TYPE:  text/plain \r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(parser.status(), ParseStatus::complete);
  const auto& r = parser.response();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.version_minor, 1);
  EXPECT_EQ(r.reason, "Service Unavailable");
  EXPECT_EQ(r.status_line(), "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(r.header("retry-after"), "5");
  EXPECT_FALSE(r.header("Server"));
  EXPECT_EQ(parser.finish(), ParseStatus::complete) << "a close after completion changes nothing";
}

TEST(HealthHttpResponseTest, BodyBeyondTheCapIsCountedNotKept) {
  HttpLimits limits;
  limits.max_body_kept = 10;
  const std::string body(1000, 'b');
  const std::string input = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + body;
  for (std::size_t step : {1u, 9u, 1000u}) {
    HttpResponseParser parser(false, limits);
    for (std::size_t i = 0; i < input.size(); i += step) parser.feed(std::string_view(input).substr(i, step));
    ASSERT_EQ(parser.status(), ParseStatus::complete);
    EXPECT_EQ(parser.response().body, std::string(10, 'b'));
    EXPECT_EQ(parser.response().body_bytes, 1000u);
  }
}

TEST(HealthHttpResponseTest, ErrorsAreSticky) {
  HttpResponseParser parser;
  EXPECT_EQ(parser.feed("nope"), ParseStatus::error);
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\n\r\n"), ParseStatus::error);
  EXPECT_EQ(parser.finish(), ParseStatus::error);
  EXPECT_EQ(parser.error(), "no status line: got \"nope\"");
}

TEST(HealthHttpRequestTest, Builds) {
  const auto get = build_http_request(HttpMethod::get, "/index.html", "www.example.com");
  ASSERT_TRUE(get.bytes) << get.error;
  EXPECT_EQ(*get.bytes,
            "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: tandem\r\nConnection: close\r\n\r\n");
  const auto head = build_http_request(HttpMethod::head, "/", "10.0.0.1:8080");
  ASSERT_TRUE(head.bytes);
  EXPECT_EQ(head.bytes->rfind("HEAD / HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n", 0), 0u);
}

TEST(HealthHttpRequestTest, RefusesInjection) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"index.html", "h"}, {"/a b", "h"}, {"/\r\nX: y", "h"}, {"", "h"}, {"/", ""}, {"/", "h\r\nX: y"}, {"/", "a b"},
  };
  for (const auto& [path, host] : cases) {
    SCOPED_TRACE(std::string(path) + " | " + host);
    const auto built = build_http_request(HttpMethod::get, path, host);
    EXPECT_FALSE(built.bytes);
    EXPECT_FALSE(built.error.empty());
  }
}

TEST(HealthHttpRequestTest, HostHeader) {
  EXPECT_EQ(host_header("10.0.0.1", 80, false), "10.0.0.1");
  EXPECT_EQ(host_header("10.0.0.1", 8080, false), "10.0.0.1:8080");
  EXPECT_EQ(host_header("10.0.0.1", 443, true), "10.0.0.1");
  EXPECT_EQ(host_header("10.0.0.1", 80, true), "10.0.0.1:80");
  EXPECT_EQ(host_header("2001:db8::1", 80, false), "[2001:db8::1]");
  EXPECT_EQ(host_header("2001:db8::1", 8443, true), "[2001:db8::1]:8443");
}

}  // namespace
}  // namespace tandem::health
