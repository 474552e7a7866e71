// One ipvsadm command line, split into its command and options as ipvsadm
// 1.29-1.31 reads them with popt (LEGACY-FORMATS 6.2): short options may be
// bundled (-At, -Sn) and take their value attached or as the next word; long
// options take --name=VALUE or --name VALUE; -p's timeout is optional.
// Only the syntax: values are checked by the importer (ipvsadm.cpp).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::config::legacy::ipvsadm {

enum class Verb {
  add_service,     // -A
  edit_service,    // -E
  delete_service,  // -D
  add_real,        // -a
  edit_real,       // -e
  delete_real,     // -d
  clear,           // -C
  zero,            // -Z
  set_timeouts,    // --set TCP TCPFIN UDP
  start_daemon,    // --start-daemon master|backup
  stop_daemon,     // --stop-daemon master|backup
  list,            // -L, -l (and a bare "ipvsadm")
  save,            // -S
  restore,         // -R
  help,            // -h
  version,         // -v
};

struct Option {
  std::string name;     // the long name, e.g. "tcp-service", "gatewaying"
  std::string written;  // as written: "-t", "--tcp-service"
  std::optional<std::string> value;
};

struct Command {
  Verb verb = Verb::list;
  std::string verb_written;  // "-A", "--add-service"; empty for a bare ipvsadm
  std::vector<Option> options;         // in order, without the command
  std::vector<std::string> arguments;  // words that are no option's value
  const Option* find(std::string_view name) const;
};

struct CommandParse {
  std::optional<Command> command;
  std::string error;  // why the words are not an ipvsadm command line
};

// `words` are the words after "ipvsadm" (or a whole ipvsadm-save line).
CommandParse parse_command(const std::vector<std::string>& words);

}  // namespace tandem::config::legacy::ipvsadm
