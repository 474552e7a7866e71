// A minimal JSON writer for status output. No parsing; no dependencies.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::daemon {

std::string json_quote(std::string_view s);

// Builds one JSON value; keys and values are appended in order and commas
// are managed automatically.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
  JsonWriter& value(bool v);
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& null();
  // Appends fields written elsewhere ("k":v,... without braces) into the
  // open object; an empty fragment adds nothing.
  JsonWriter& raw(std::string_view fields);
  template <class T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  template <class T>
  JsonWriter& field(std::string_view k, const std::optional<T>& v) {
    key(k);
    return v ? value(*v) : null();
  }
  const std::string& str() const { return out_; }
  // The text written so far, without a copy; the writer is empty after.
  std::string take() { return std::move(out_); }
  void reserve(std::size_t n) { out_.reserve(n); }

 private:
  void separate();
  std::string out_;
  bool need_comma_ = false;
};

}  // namespace tandem::daemon
