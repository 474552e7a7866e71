// Backslash escapes in the `send` and `receive` strings of a check
// ([virtual_server.check]): `\r`, `\n`, `\t`, `\\` and `\xHH`, as
// ldirectord's and nanny's configurations wrote request bytes.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::health {

// Either the decoded bytes, or the reason and the byte offset (from 0) of the
// offending backslash in the input, for a config diagnostic.
struct EscapeDecode {
  std::optional<std::string> value;
  std::string error;
  std::size_t position = 0;
};

// Decodes `\r \n \t \\ \xHH` (two hex digits, either case). Any other escape
// and a trailing backslash are errors.
EscapeDecode decode_escapes(std::string_view text);

// The inverse for display: printable ASCII is kept, `\r \n \t \\` use their
// short forms, and every other byte (including `"`) is `\xHH`, so the result
// can be shown between double quotes and decodes back to `bytes`.
std::string encode_escapes(std::string_view bytes);

}  // namespace tandem::health
