// Reading tandem.toml with toml++ (SPEC "Configuration (TOML)"): positions,
// typed fields and the located errors they produce, shared by the section
// readers (config_parse.cpp, ipvs_parse.cpp). Internal to config/: only
// these files include toml++.
#pragma once
#include <toml++/toml.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace tandem::config::detail {

struct Position {
  int line = 0;  // 0: no position
  int column = 0;
};

Position at(const toml::source_region& region);
std::string quoted(std::string_view text);
std::string_view type_name(toml::node_type type);  // "an integer"
bool is_array_of_tables(const toml::node& node);
// "; did you mean "priority"?" for a near miss, otherwise nothing.
std::string suggestion(std::string_view key, std::span<const std::string_view> known,
                       std::string_view before = "\"", std::string_view after = "\"");
// "a, b or c", each name between `quote`s.
std::string one_of(std::span<const std::string_view> names, std::string_view quote = "");

template <class T>
struct Field {
  const toml::node* node = nullptr;  // null when the key is absent
  std::optional<T> value;            // set when present and valid
  bool bad() const { return node != nullptr && !value; }
  Position where() const { return node ? at(node->source()) : Position{}; }
};

// One TOML table being read, named as in messages ("cluster", "link",
// "virtual_server.real"); `array` for those written [[name]].
struct Scope {
  const toml::table* table = nullptr;  // null when the section is absent
  std::string_view name;
  bool array = false;
  Position where() const { return table ? at(table->source()) : Position{}; }
  std::string key(std::string_view k) const { return std::string(name) + "." + std::string(k); }
  const toml::node* find(std::string_view k) const { return table ? table->get(k) : nullptr; }
  std::string label() const {  // "[cluster]", "[[link]]"
    return array ? "[[" + std::string(name) + "]]" : "[" + std::string(name) + "]";
  }
};

using Keys = std::span<const std::string_view>;

// A string key with a fixed set of values ("tcp", "udp", "sctp").
template <class E>
struct Choice {
  std::string_view name;
  E value;
};

// Collects the located errors of one file, and reads typed values from its
// tables: a value of the wrong type or out of range is reported at the value
// and leaves the field without one.
class TomlReader {
 public:
  explicit TomlReader(const std::string& path) : path_(path) {}

  void error(Position p, std::string message);
  // Every error so far, in file order (those without a position last).
  Diagnostics take_errors();
  void clear_errors() { errors_.clear(); }

  // ---- structure ----
  // Unknown keys and sub-tables of `scope`, each an error at its key.
  // `sub_tables` ends the message for an unknown sub-table; by default
  // "; [name] has no sub-tables".
  void check_keys(const Scope& scope, Keys known, std::string_view sub_tables = {});
  // A [name] table in `parent`: absent is fine, anything but a table is not.
  const toml::table* section_table(const toml::table& parent, std::string_view name);
  // A [[name]] array in `parent`: each element a table. `label` is its name
  // in messages when that is not `name` ("virtual_server.real").
  std::vector<const toml::table*> section_array(const toml::table& parent, std::string_view name,
                                                std::string_view label = {});

  // ---- typed values ----
  void type_error(const Scope& scope, std::string_view key, const toml::node& node,
                  std::string_view expected);
  void required(const Scope& scope, std::string_view key, std::string_view what);
  Field<std::string> string_field(const Scope& scope, std::string_view key);
  Field<std::int64_t> integer_field(const Scope& scope, std::string_view key, std::int64_t min,
                                    std::int64_t max);
  Field<bool> bool_field(const Scope& scope, std::string_view key);
  Field<Duration> duration_field(const Scope& scope, std::string_view key);
  // The same, and "0s" is an error ("must be longer than 0s").
  Field<Duration> positive_duration_field(const Scope& scope, std::string_view key);
  Field<IpAddress> address_field(const Scope& scope, std::string_view key);
  Field<IpPrefix> prefix_field(const Scope& scope, std::string_view key);

  // A string that must be one of `choices`.
  template <class E, std::size_t N>
  Field<E> choice_field(const Scope& scope, std::string_view key, const std::array<Choice<E>, N>& choices) {
    Field<E> f{scope.find(key)};
    std::array<std::string_view, N> names;
    for (std::size_t i = 0; i < N; ++i) names[i] = choices[i].name;
    if (!f.node) return f;
    const auto* s = f.node->as_string();
    if (!s) {
      type_error(scope, key, *f.node, "one of " + one_of(names, "\""));
      return f;
    }
    for (const auto& choice : choices)
      if (choice.name == s->get()) f.value = choice.value;
    if (!f.value)
      error(f.where(), scope.key(key) + " " + quoted(s->get()) + " must be " + one_of(names, "\"") +
                           suggestion(s->get(), names));
    return f;
  }

 private:
  const std::string& path_;
  Diagnostics errors_;
};

}  // namespace tandem::config::detail
