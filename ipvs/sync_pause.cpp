#include "ipvs/sync_pause.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tandem::ipvs {
namespace {

// "3\t50\n" -> "3 50": the words, one space between.
std::string normalized(const std::string& text) {
  std::istringstream in(text);
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

}  // namespace

bool is_paused_threshold(const std::string& text) { return normalized(text) == kPausedThreshold; }

static std::optional<std::string> read_sysctl(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return "read " + path + ": " + std::strerror(errno);
  std::ostringstream text;
  text << in.rdbuf();
  out = normalized(text.str());
  if (out.empty()) return "read " + path + ": empty";
  return std::nullopt;
}

static std::optional<std::string> write_sysctl(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  if (!out) return "write " + path + ": " + std::strerror(errno);
  out << value << "\n";
  out.flush();
  if (!out) return "write " + path + " (" + value + "): " + std::strerror(errno);
  return std::nullopt;
}

SysctlSet set_sysctl(const std::string& path, const std::string& value) {
  SysctlSet r;
  if ((r.error = read_sysctl(path, r.was))) return r;
  if (r.was == normalized(value)) return r;
  r.error = write_sysctl(path, value);
  r.changed = !r.error;
  return r;
}

std::optional<std::string> SyncPause::read(std::string& out) const { return read_sysctl(path_, out); }

std::optional<std::string> SyncPause::write(const std::string& value) const { return write_sysctl(path_, value); }

std::optional<std::string> SyncPause::pause() {
  if (saved_) return std::nullopt;
  std::string current;
  if (auto err = read(current)) return err;
  if (auto err = write(kPausedThreshold)) return err;
  saved_ = is_paused_threshold(current) ? std::string(kDefaultThreshold) : current;
  return std::nullopt;
}

std::optional<std::string> SyncPause::resume() {
  if (!saved_) return std::nullopt;
  auto err = write(*saved_);
  if (!err) saved_.reset();
  return err;
}

bool SyncPause::recover_leftover(std::string* error) {
  std::string current;
  if (auto err = read(current)) {
    if (error) *error = *err;
    return false;
  }
  if (!is_paused_threshold(current)) return false;
  if (auto err = write(kDefaultThreshold)) {
    if (error) *error = *err;
    return false;
  }
  return true;
}

}  // namespace tandem::ipvs
