// Placeholders in the argv of an `external` check: `%h` the real server's
// address, `%p` the port checked, `%v` the virtual address, `%%` a literal
// percent sign. The argv runs with execve, never through a shell, so values
// are substituted as whole bytes with no quoting.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace tandem::health {

struct PlaceholderValues {
  std::string real_address;     // %h
  std::string port;             // %p
  std::string virtual_address;  // %v
};

// For config validation: the first problem in `argv` (an empty command, an
// empty program, an unknown `%x`, a lone `%` at the end of an argument), or
// nothing when every argument is well formed.
std::optional<std::string> check_placeholders(const std::vector<std::string>& argv);

struct Substitution {
  std::optional<std::vector<std::string>> argv;  // set exactly when error is empty
  std::string error;
};

Substitution substitute_placeholders(const std::vector<std::string>& argv,
                                     const PlaceholderValues& values);

}  // namespace tandem::health
