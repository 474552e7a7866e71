// `tandemctl import ipvsadm`: ipvsadm-save / `ipvsadm -S [-n]` output, or a
// shell script of ipvsadm command lines (LEGACY-FORMATS 6), turned into
// tandem.toml [[virtual_server]] tables. ipvsadm rules hold no cluster facts
// ([node], [cluster], [[link]]): the options supply them, each missing one is
// an error naming its flag, or `services_only` writes the IPVS part alone.
// Every virtual server gets a warning that it has no health check.
#pragma once
#include <string>
#include <string_view>

#include "config/legacy/import.hpp"

namespace tandem::config::legacy {

// `path` names the input in diagnostics and source comments (unless
// options.input_name is set).
ImportResult import_ipvsadm(std::string_view text, const std::string& path, const ImportOptions& options);

}  // namespace tandem::config::legacy
