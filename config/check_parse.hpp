// [virtual_server.check] and the per-real overrides [virtual_server.real.check]
// (SPEC "Configuration (TOML)", REFERENCE ldirectord.cf and lvs.cf): read
// with the same located errors as the rest of the file. Internal to config/.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/toml_reader.hpp"

namespace tandem::config::detail {

// What is wrong with the escapes of `text` (\r \n \t \\ \xHH are allowed),
// and the byte offset of the offending backslash.
struct TextProblem {
  std::size_t offset = 0;
  std::string message;
};
std::optional<TextProblem> escape_problem(std::string_view text);
// What is wrong with the placeholders of one external command argument
// (%h %p %v %% are allowed).
std::optional<TextProblem> placeholder_problem(std::string_view text);

// What a real's check override needs to know of its virtual server.
struct CheckFacts {
  bool present = false;               // the virtual server has a check (possibly in error)
  std::optional<Check::Type> type;    // unknown when in error
  std::optional<bool> receive_regex;  // unknown when in error
  bool has_port = false;              // the check sets a port of its own
  bool head = false;                  // method = "HEAD": no body to match
};

// The "check" of a [[virtual_server]] (`vs` is its scope); `out` stays empty
// when there is none.
CheckFacts read_check(TomlReader& reader, const Scope& vs, std::optional<Check>& out);
// The "check" of a [[virtual_server.real]] (`real` is its scope), checked
// against its virtual server's check. `real_port` is the port the real is
// given (0: none), `real_name` names it in messages; a probe needs a port.
void read_check_override(TomlReader& reader, const Scope& real, const CheckFacts& vs, std::uint16_t real_port,
                         bool real_port_known, const std::string& real_name,
                         std::optional<CheckOverride>& out);

// An argv written as an array of strings (`key` of `s`): the program's
// absolute path first, no NUL; %h %p %v %% checked when `placeholders`.
// `out` is set only when all of it is valid.
void read_argv(TomlReader& reader, const Scope& s, std::string_view key, std::string_view example, bool placeholders,
               std::vector<std::string>& out);

// What is wrong with text that goes into an HTTP request line or header
// (a request path, a virtualhost): empty, or a blank or control character.
std::optional<std::string> header_text_problem(std::string_view text);

// What is wrong with a status as [virtual_server.check] status takes it:
// "2xx", "200" or "200-299".
std::optional<std::string> status_problem(std::string_view text);

// What is wrong with a check's receive pattern, as tandemd reads it: empty,
// longer than it takes, or (when `regex`) not an ECMAScript regular
// expression. The text follows "receive ..." in a message.
std::optional<std::string> receive_problem(std::string_view text, bool regex);

}  // namespace tandem::config::detail
