// `tandemctl import ldirectord FILE` (LEGACY-FORMATS 4): ldirectord.cf's
// virtual, virtual6 and fwmark sections with their real servers and checks,
// turned into tandem.toml [[virtual_server]] tables; its globals are the
// defaults of every virtual. The heartbeat importer writes the virtual
// servers of the ldirectord.cf that haresources starts with
// write_ldirectord_services.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "config/legacy/import.hpp"

namespace tandem::config::legacy {

struct LdirectordContext {
  // The failover group the virtual servers belong to (heartbeat: the group
  // of the haresources line that starts ldirectord); empty: none is written.
  std::string group;
};

// Appends ldirectord.cf's virtual servers to `out` as [[virtual_server]]
// tables (with their real servers and checks), and its warnings and errors
// (located in `path`) to `result`. Returns false when it added errors.
bool write_ldirectord_services(std::string_view text, const std::string& path, const LdirectordContext& context,
                               TomlWriter& out, ImportResult& result);

// The whole file as a tandem.toml: the cluster facts (ldirectord.cf holds
// none) from the options as for ipvsadm, or --services-only.
ImportResult import_ldirectord(const std::string& path, const FileReader& files, const ImportOptions& options);

}  // namespace tandem::config::legacy
