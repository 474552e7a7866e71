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

std::optional<std::string> SyncPause::read(std::string& out) const {
  std::ifstream in(path_);
  if (!in) return "read " + path_ + ": " + std::strerror(errno);
  std::ostringstream text;
  text << in.rdbuf();
  out = normalized(text.str());
  if (out.empty()) return "read " + path_ + ": empty";
  return std::nullopt;
}

std::optional<std::string> SyncPause::write(const std::string& value) const {
  std::ofstream out(path_);
  if (!out) return "write " + path_ + ": " + std::strerror(errno);
  out << value << "\n";
  out.flush();
  if (!out) return "write " + path_ + " (" + value + "): " + std::strerror(errno);
  return std::nullopt;
}

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
