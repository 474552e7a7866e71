// `tandemctl import keepalived [FILE]` (keepalived.conf(5), default
// /etc/keepalived/keepalived.conf, following `include`): vrrp_instance,
// vrrp_sync_group, vrrp_script and lvs_sync_daemon become [cluster],
// [[link]], [[vip]] or [[group]]s, [[track]] and [sync]; virtual_server with
// its real_servers and their checkers become [[virtual_server]] tables.
// keepalived.conf is per director: --node names this one, --peer the other
// (keepalived's files do not hold it). docs/import/keepalived.md has the
// directive table.
#pragma once
#include <string>

#include "config/legacy/import.hpp"

namespace tandem::config::legacy {

// Reads `path` and what it includes through `files`. Diagnostics name the
// files as given (options.input_name replaces the first one's name).
ImportResult import_keepalived(const std::string& path, const FileReader& files, const ImportOptions& options);

}  // namespace tandem::config::legacy
