// Reading a whole configuration file, with the reason when it cannot be read.
#pragma once
#include <cstddef>
#include <string>
#include <sys/types.h>

namespace tandem::config {

struct TextFile {
  bool ok = false;
  std::string text;
  mode_t mode = 0;     // st_mode of the opened file
  std::string error;  // why it could not be read, e.g. "No such file or directory"
};

// Opens a regular file and reads at most `max_bytes` of it; a larger file is
// an error rather than silently truncated.
TextFile read_text_file(const std::string& path, std::size_t max_bytes);

}  // namespace tandem::config
