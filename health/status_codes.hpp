// The expected HTTP status of an http(s) check: 2xx by default, or a list of
// codes, ranges and classes such as "200,301-302" or "2xx,404".
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::health {

struct StatusSpecParse;
StatusSpecParse parse_status_spec(std::string_view text);

class StatusSpec {
 public:
  struct Range {
    int low;
    int high;  // inclusive
    friend bool operator==(const Range&, const Range&) = default;
  };

  StatusSpec() = default;  // 2xx

  bool matches(int code) const;
  // The canonical form: "2xx", "200,301-302".
  std::string to_string() const;
  const std::vector<Range>& ranges() const { return ranges_; }

  friend bool operator==(const StatusSpec&, const StatusSpec&) = default;

 private:
  friend StatusSpecParse parse_status_spec(std::string_view text);
  std::vector<Range> ranges_{{200, 299}};
};

struct StatusSpecParse {
  std::optional<StatusSpec> value;
  std::string error;
};

// Items separated by commas, spaces around them allowed: a code (100-599), a
// range "301-302" (low <= high) or a class "2xx" (1xx to 5xx).
StatusSpecParse parse_status_spec(std::string_view text);

}  // namespace tandem::health
