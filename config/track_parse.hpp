// [[track]] (tandem.toml(5) "[[track]]"): read with the same located errors
// as the rest of the file. Internal to config/.
#pragma once
#include <array>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/toml_reader.hpp"

namespace tandem::config::detail {

inline constexpr std::array<std::string_view, 11> kTrackKeys = {
    "name", "type", "interval", "timeout", "rise", "fall", "weight", "address", "group", "interface", "command"};

void read_tracks(TomlReader& reader, const toml::table& root, std::vector<Track>& out);

}  // namespace tandem::config::detail
