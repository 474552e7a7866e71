// `tandemctl import piranha`: piranha's /etc/sysconfig/ha/lvs.cf (pulse,
// lvsd and nanny; LEGACY-FORMATS 5) turned into tandem.toml. lvs.cf names
// the two directors by address (primary, backup and their _private forms)
// and is the same on both, so the options say which director the output is
// for: --node and --peer give the names, and --peer-address IFACE=ADDR, with
// ADDR the other director's address from the file, gives each link's
// interface and so which side this director is (the backup's addresses:
// this is the primary).
#pragma once
#include <string>
#include <string_view>

#include "config/legacy/import.hpp"

namespace tandem::config::legacy {

// `path` names the input in diagnostics and source comments (unless
// options.input_name is set).
ImportResult import_piranha(std::string_view text, const std::string& path, const ImportOptions& options);

}  // namespace tandem::config::legacy
