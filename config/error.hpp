// Located configuration problems (SPEC: every error names file, line, column).
#pragma once
#include <string>
#include <vector>

namespace tandem::config {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when no position applies
  int column = 0;  // 1-based; 0 when no position applies
  std::string message;

  // "FILE:LINE:COL: error: MESSAGE" or "FILE: error: MESSAGE" when line == 0.
  // `severity` is "error" or "warning".
  std::string format(const char* severity = "error") const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace tandem::config
