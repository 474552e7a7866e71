#include "config/toml_reader.hpp"

#include <algorithm>
#include <climits>

#include "config/names.hpp"

namespace tandem::config::detail {

Position at(const toml::source_region& region) {
  return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number with a fraction";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

bool is_array_of_tables(const toml::node& node) {
  const auto* array = node.as_array();
  return array != nullptr && !array->empty() && array->is_array_of_tables();
}

std::string suggestion(std::string_view key, std::span<const std::string_view> known, std::string_view before,
                       std::string_view after) {
  const std::string_view best = closest_match(key, known);
  if (best.empty()) return {};
  return "; did you mean " + std::string(before) + std::string(best) + std::string(after) + "?";
}

std::string one_of(std::span<const std::string_view> names, std::string_view quote) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += std::string(quote) + std::string(names[i]) + std::string(quote);
  }
  return out;
}

void TomlReader::error(Position p, std::string message) {
  errors_.push_back({path_, p.line, p.column, std::move(message)});
}

Diagnostics TomlReader::take_errors() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    const int la = a.line == 0 ? INT_MAX : a.line;
    const int lb = b.line == 0 ? INT_MAX : b.line;
    return la != lb ? la < lb : a.column < b.column;
  });
  return std::move(errors_);
}

void TomlReader::check_keys(const Scope& scope, Keys known, std::string_view sub_tables_note) {
  if (!scope.table) return;
  const std::string section = scope.label();
  const std::string sub_tables =
      sub_tables_note.empty() ? "; " + section + " has no sub-tables" : std::string(sub_tables_note);
  for (auto&& [key, value] : *scope.table) {
    const std::string_view k = key.str();
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    if (value.is_table())
      error(at(key.source()), "unknown table [" + scope.key(k) + "]" + sub_tables);
    else if (is_array_of_tables(value))
      error(at(key.source()), "unknown table [[" + scope.key(k) + "]]" + sub_tables);
    else
      error(at(key.source()), "unknown key " + quoted(k) + " in " + section + suggestion(k, known));
  }
}

const toml::table* TomlReader::section_table(const toml::table& parent, std::string_view name) {
  const toml::node* node = parent.get(name);
  if (!node) return nullptr;
  if (const auto* table = node->as_table()) return table;
  const std::string n(name);
  if (is_array_of_tables(*node))
    error(at(node->source()), n + " must be a single table: write [" + n + "], not [[" + n + "]]");
  else
    error(at(node->source()),
          n + " must be a table ([" + n + "]), not " + std::string(type_name(node->type())));
  return nullptr;
}

std::vector<const toml::table*> TomlReader::section_array(const toml::table& parent, std::string_view name,
                                                          std::string_view label) {
  std::vector<const toml::table*> tables;
  const toml::node* node = parent.get(name);
  if (!node) return tables;
  const std::string n(label.empty() ? name : label);
  if (const auto* table = node->as_table()) {
    // [[virtual_server.real]] with no [[virtual_server]] before it makes
    // virtual_server a plain table holding the array.
    for (auto&& [key, value] : *table) {
      if (!is_array_of_tables(value)) continue;
      error(at(node->source()), "[[" + n + "." + std::string(key.str()) + "]] must follow a [[" + n +
                                    "]]; write [[" + n + "]] first");
      return tables;
    }
    error(at(node->source()), n + " must be an array of tables: write [[" + n + "]], not [" + n + "]");
    return tables;
  }
  const auto* array = node->as_array();
  if (!array) {
    error(at(node->source()),
          n + " must be an array of tables ([[" + n + "]]), not " + std::string(type_name(node->type())));
    return tables;
  }
  for (const auto& element : *array) {
    if (const auto* table = element.as_table())
      tables.push_back(table);
    else
      error(at(element.source()),
            "each " + n + " must be a table, not " + std::string(type_name(element.type())));
  }
  return tables;
}

void TomlReader::type_error(const Scope& scope, std::string_view key, const toml::node& node,
                            std::string_view expected) {
  error(at(node.source()), scope.key(key) + " must be " + std::string(expected) + ", not " +
                               std::string(type_name(node.type())));
}

Field<std::string> TomlReader::string_field(const Scope& scope, std::string_view key) {
  Field<std::string> f{scope.find(key)};
  if (!f.node) return f;
  if (const auto* s = f.node->as_string())
    f.value = s->get();
  else
    type_error(scope, key, *f.node, "a string");
  return f;
}

Field<std::int64_t> TomlReader::integer_field(const Scope& scope, std::string_view key, std::int64_t min,
                                              std::int64_t max) {
  Field<std::int64_t> f{scope.find(key)};
  if (!f.node) return f;
  const auto* i = f.node->as_integer();
  if (!i) {
    type_error(scope, key, *f.node, "an integer");
    return f;
  }
  const std::int64_t v = i->get();
  if (v < min || v > max) {
    error(f.where(), scope.key(key) + " " + std::to_string(v) + " is out of range " + std::to_string(min) +
                         ".." + std::to_string(max));
    return f;
  }
  f.value = v;
  return f;
}

Field<bool> TomlReader::bool_field(const Scope& scope, std::string_view key) {
  Field<bool> f{scope.find(key)};
  if (!f.node) return f;
  if (const auto* b = f.node->as_boolean())
    f.value = b->get();
  else
    type_error(scope, key, *f.node, "true or false");
  return f;
}

Field<Duration> TomlReader::duration_field(const Scope& scope, std::string_view key) {
  Field<Duration> f{scope.find(key)};
  if (!f.node) return f;
  if (f.node->is_integer() || f.node->is_floating_point()) {
    error(f.where(), scope.key(key) + ": duration needs a unit, e.g. \"200ms\"");
    return f;
  }
  const auto* s = f.node->as_string();
  if (!s) {
    type_error(scope, key, *f.node, "a duration such as \"200ms\"");
    return f;
  }
  auto parsed = parse_duration(s->get());
  if (!parsed.value) {
    error(f.where(), scope.key(key) + ": " + parsed.error);
    return f;
  }
  f.value = *parsed.value;
  return f;
}

Field<IpAddress> TomlReader::address_field(const Scope& scope, std::string_view key) {
  Field<IpAddress> f{scope.find(key)};
  if (!f.node) return f;
  const auto* s = f.node->as_string();
  if (!s) {
    type_error(scope, key, *f.node, "an IP address string");
    return f;
  }
  f.value = IpAddress::parse(s->get());
  if (!f.value)
    error(f.where(), scope.key(key) + ": " + quoted(s->get()) + " is not an IPv4 or IPv6 address");
  return f;
}

Field<IpPrefix> TomlReader::prefix_field(const Scope& scope, std::string_view key) {
  Field<IpPrefix> f{scope.find(key)};
  if (!f.node) return f;
  const auto* s = f.node->as_string();
  if (!s) {
    type_error(scope, key, *f.node, "an address with a prefix length, e.g. \"10.0.0.100/24\"");
    return f;
  }
  const std::string_view text = s->get();
  const std::string name = scope.key(key);
  const auto slash = text.find('/');
  const auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) {
    error(f.where(), name + ": " + quoted(text.substr(0, slash)) + " is not an IPv4 or IPv6 address");
    return f;
  }
  const int max = address->is_v4() ? 32 : 128;
  if (slash == std::string_view::npos) {
    error(f.where(), name + ": " + quoted(text) + " needs a prefix length, e.g. \"" + std::string(text) +
                         "/" + std::to_string(max) + "\"");
    return f;
  }
  f.value = IpPrefix::parse(text);
  if (!f.value)
    error(f.where(), name + ": prefix length " + quoted(text.substr(slash + 1)) + " must be a number 0.." +
                         std::to_string(max) + " for " + (address->is_v4() ? "IPv4" : "IPv6"));
  return f;
}

void TomlReader::required(const Scope& scope, std::string_view key, std::string_view what) {
  error(scope.where(), scope.key(key) + " is required" + std::string(what));
}

Field<Duration> TomlReader::positive_duration_field(const Scope& scope, std::string_view key) {
  auto f = duration_field(scope, key);
  if (f.value && f.value->count() == 0) {
    error(f.where(), scope.key(key) + " must be longer than 0s");
    f.value.reset();
  }
  return f;
}

}  // namespace tandem::config::detail
