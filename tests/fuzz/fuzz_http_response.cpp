// Fuzz target for the incremental HTTP response parser. The first two bytes
// seed the chunk sizes (and whether the request was HEAD); the rest is the
// response, fed in those chunks and then closed. Beyond not crashing, it
// checks that the outcome does not depend on how the bytes were split.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "health/http_response.hpp"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::health;
  if (size < 2) return 0;
  std::uint32_t seed = (std::uint32_t{data[0]} << 8 | data[1]) * 2654435761u + 1;
  const bool head = (data[0] & 0x80) != 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  HttpLimits limits;
  limits.max_body_kept = 1 + (data[1] & 0x3f) * 16;  // small caps reach the cut-off paths

  HttpResponseParser whole(head, limits);
  whole.feed(input);
  whole.finish();

  HttpResponseParser split(head, limits);
  std::size_t at = 0;
  while (at < input.size()) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    const std::size_t n = 1 + seed % 17;
    const ParseStatus status = split.feed(input.substr(at, n));
    require(status == split.status());
    if (status == ParseStatus::complete) require(split.error().empty());
    at += n;
  }
  split.finish();

  require(whole.status() != ParseStatus::need_more);
  require(split.status() == whole.status());
  require((whole.status() == ParseStatus::error) == !whole.error().empty());
  if (whole.status() == ParseStatus::complete) {
    const HttpResponse& a = whole.response();
    const HttpResponse& b = split.response();
    require(a.status >= 200 && a.status <= 599);
    require(a.status == b.status && a.reason == b.reason && a.headers == b.headers && a.trailers == b.trailers);
    require(a.body == b.body && a.body_bytes == b.body_bytes);
    require(a.body.size() <= limits.max_body_kept && a.body.size() <= a.body_bytes);
    require(a.headers.size() <= limits.max_headers);
  }
  return 0;
}
