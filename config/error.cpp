#include "config/error.hpp"

namespace tandem::config {

std::string Diagnostic::format(const char* severity) const {
  std::string out = file;
  if (line > 0) {
    out += ':';
    out += std::to_string(line);
    if (column > 0) {
      out += ':';
      out += std::to_string(column);
    }
  }
  out += ": ";
  out += severity;
  out += ": ";
  out += message;
  return out;
}

}  // namespace tandem::config
