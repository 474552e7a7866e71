#include "unit/import_golden.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

#include "config/config.hpp"

namespace tandem::config::legacy::golden {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string input(const std::filesystem::path& dir, const std::string& name) {
  const auto path = dir / (name + ".in");
  EXPECT_TRUE(std::filesystem::exists(path)) << path;
  return read(path);
}

void check(const std::filesystem::path& dir, const std::string& name, const Expect& expect, const ImportResult& r) {
  const std::string err = joined(import_messages(r));
  const auto toml_path = dir / (name + ".toml");
  const auto err_path = dir / (name + ".err");
  if (std::getenv("TANDEM_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(err_path, std::ios::binary) << err;
    if (r.toml.empty())
      std::filesystem::remove(toml_path);
    else
      std::ofstream(toml_path, std::ios::binary) << r.toml;
  }
  EXPECT_EQ(import_exit_code(r), expect.exit_code) << err;
  EXPECT_EQ(err, read(err_path));
  if (expect.exit_code == 1) {
    EXPECT_TRUE(r.toml.empty());
    EXPECT_FALSE(std::filesystem::exists(toml_path)) << toml_path << " should not exist for a failing case";
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(toml_path)) << toml_path;
  const std::string expected = read(toml_path);
  EXPECT_EQ(r.toml, expected);
  if (!expect.complete) return;
  // Checked as the peer would be, so a wrong [node] name cannot hide.
  const auto parsed = parse_config(expected, toml_path.string(), ParseOptions{"not-the-node"});
  EXPECT_TRUE(parsed.config.has_value());
  for (const auto& e : parsed.errors) ADD_FAILURE() << e.format();
}

void check_listed(const std::filesystem::path& dir, const std::vector<std::string>& names) {
  const std::set<std::string> listed(names.begin(), names.end());
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".in") {
      EXPECT_TRUE(listed.count(e.path().stem().string())) << e.path();
    }
  }
}

}  // namespace tandem::config::legacy::golden
