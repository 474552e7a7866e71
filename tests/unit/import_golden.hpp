// The golden-file harness the `tandemctl import` tests share. A case is
// DIR/NAME.in with the expected DIR/NAME.toml (absent when the import fails)
// and DIR/NAME.err, the expected stderr lines. A complete golden .toml must
// pass config::parse_config, as tandemd --check-config checks it (but for the
// authkeys file). TANDEM_UPDATE_GOLDEN=1 rewrites the expected files from the
// importer's output: review every diff, the golden files are the spec.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/legacy/import.hpp"

namespace tandem::config::legacy::golden {

std::string read(const std::filesystem::path& p);

// The lines, each ended by a newline, as stderr shows them.
std::string joined(const std::vector<std::string>& lines);

// DIR/NAME.in, with a test failure when it does not exist.
std::string input(const std::filesystem::path& dir, const std::string& name);

struct Expect {
  int exit_code = 3;
  // The output holds [node], [cluster] and [[link]], so it is checked as a
  // whole tandem.toml.
  bool complete = true;
};

// Compares r with DIR/NAME.toml and DIR/NAME.err (or rewrites them).
void check(const std::filesystem::path& dir, const std::string& name, const Expect& expect, const ImportResult& r);

// Every DIR/*.in is one of names, so no case sits there untested.
void check_listed(const std::filesystem::path& dir, const std::vector<std::string>& names);

}  // namespace tandem::config::legacy::golden
