#include "health/placeholders.hpp"

#include "health/escapes.hpp"

namespace tandem::health {

namespace {

// Expands one argument; `values` may be null to only validate.
std::optional<std::string> expand(const std::string& arg, std::size_t index,
                                  const PlaceholderValues* values, std::string* out) {
  for (std::size_t i = 0; i < arg.size(); ++i) {
    if (arg[i] != '%') {
      if (out) out->push_back(arg[i]);
      continue;
    }
    const std::string where = " in argument " + std::to_string(index) + " at offset " + std::to_string(i);
    if (i + 1 == arg.size()) return "lone % at the end" + where + " (write %% for a percent sign)";
    const char c = arg[++i];
    const std::string* value = nullptr;
    switch (c) {
      case '%': if (out) out->push_back('%'); continue;
      case 'h': if (values) value = &values->real_address; break;
      case 'p': if (values) value = &values->port; break;
      case 'v': if (values) value = &values->virtual_address; break;
      default:
        return "unknown placeholder %" + encode_escapes(std::string_view(&c, 1)) + where +
               " (known: %h, %p, %v, %%)";
    }
    if (out && value) *out += *value;
  }
  return std::nullopt;
}

std::optional<std::string> check_command(const std::vector<std::string>& argv) {
  if (argv.empty()) return "empty command";
  if (argv.front().empty()) return "empty program name in the command";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_placeholders(const std::vector<std::string>& argv) {
  if (auto error = check_command(argv)) return error;
  for (std::size_t i = 0; i < argv.size(); ++i)
    if (auto error = expand(argv[i], i, nullptr, nullptr)) return error;
  return std::nullopt;
}

Substitution substitute_placeholders(const std::vector<std::string>& argv,
                                     const PlaceholderValues& values) {
  Substitution result;
  if (auto error = check_command(argv)) {
    result.error = std::move(*error);
    return result;
  }
  std::vector<std::string> out;
  out.reserve(argv.size());
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string arg;
    if (auto error = expand(argv[i], i, &values, &arg)) {
      result.error = std::move(*error);
      return result;
    }
    out.push_back(std::move(arg));
  }
  result.argv = std::move(out);
  return result;
}

}  // namespace tandem::health
