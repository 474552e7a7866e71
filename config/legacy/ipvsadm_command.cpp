#include "config/legacy/ipvsadm_command.hpp"

#include <array>

namespace tandem::config::legacy::ipvsadm {
namespace {

enum class Arg { none, required, optional };

struct Spec {
  char short_name;  // 0: long only
  std::string_view long_name;
  Arg arg;
  std::optional<Verb> verb;  // set for the commands
  // Options of one group exclude each other (ipvsadm's set_option):
  // "service" for -t/-u/-f/--sctp-service, "forward" for -g/-i/-m.
  std::string_view group = {};
};

// ipvsadm.c's option table (1.31), plus the patched forks' options so they
// are named when rejected.
constexpr std::array kSpecs = {
    Spec{'A', "add-service", Arg::none, Verb::add_service},
    Spec{'E', "edit-service", Arg::none, Verb::edit_service},
    Spec{'D', "delete-service", Arg::none, Verb::delete_service},
    Spec{'C', "clear", Arg::none, Verb::clear},
    Spec{'R', "restore", Arg::none, Verb::restore},
    Spec{'S', "save", Arg::none, Verb::save},
    Spec{'a', "add-server", Arg::none, Verb::add_real},
    Spec{'e', "edit-server", Arg::none, Verb::edit_real},
    Spec{'d', "delete-server", Arg::none, Verb::delete_real},
    Spec{'L', "list", Arg::none, Verb::list},
    Spec{'l', "list", Arg::none, Verb::list},
    Spec{'Z', "zero", Arg::none, Verb::zero},
    Spec{0, "set", Arg::none, Verb::set_timeouts},
    Spec{0, "start-daemon", Arg::required, Verb::start_daemon},
    Spec{0, "stop-daemon", Arg::required, Verb::stop_daemon},
    Spec{'h', "help", Arg::none, Verb::help},
    Spec{'v', "version", Arg::none, Verb::version},
    Spec{'t', "tcp-service", Arg::required, std::nullopt, "service"},
    Spec{'u', "udp-service", Arg::required, std::nullopt, "service"},
    Spec{0, "sctp-service", Arg::required, std::nullopt, "service"},
    Spec{'f', "fwmark-service", Arg::required, std::nullopt, "service"},
    Spec{'s', "scheduler", Arg::required, std::nullopt},
    Spec{'p', "persistent", Arg::optional, std::nullopt},
    Spec{'M', "netmask", Arg::required, std::nullopt},
    Spec{'r', "real-server", Arg::required, std::nullopt},
    Spec{'g', "gatewaying", Arg::none, std::nullopt, "forward"},
    Spec{'i', "ipip", Arg::none, std::nullopt, "forward"},
    Spec{'m', "masquerading", Arg::none, std::nullopt, "forward"},
    Spec{'w', "weight", Arg::required, std::nullopt},
    Spec{'x', "u-threshold", Arg::required, std::nullopt},
    Spec{'y', "l-threshold", Arg::required, std::nullopt},
    Spec{'n', "numeric", Arg::none, std::nullopt},
    Spec{'c', "connection", Arg::none, std::nullopt},
    Spec{'6', "ipv6", Arg::none, std::nullopt},
    Spec{'o', "ops", Arg::none, std::nullopt},
    Spec{'b', "sched-flags", Arg::required, std::nullopt},
    Spec{0, "pe", Arg::required, std::nullopt},
    Spec{0, "tun-type", Arg::required, std::nullopt},
    Spec{0, "tun-port", Arg::required, std::nullopt},
    Spec{0, "tun-nocsum", Arg::none, std::nullopt, "csum"},
    Spec{0, "tun-csum", Arg::none, std::nullopt, "csum"},
    Spec{0, "tun-remcsum", Arg::none, std::nullopt, "csum"},
    Spec{0, "mcast-interface", Arg::required, std::nullopt},
    Spec{0, "syncid", Arg::required, std::nullopt},
    Spec{0, "mcast-group", Arg::required, std::nullopt},
    Spec{0, "mcast-port", Arg::required, std::nullopt},
    Spec{0, "mcast-ttl", Arg::required, std::nullopt},
    Spec{0, "sync-maxlen", Arg::required, std::nullopt},
    Spec{0, "timeout", Arg::none, std::nullopt},
    Spec{0, "daemon", Arg::none, std::nullopt},
    Spec{0, "stats", Arg::none, std::nullopt},
    Spec{0, "rate", Arg::none, std::nullopt},
    Spec{0, "thresholds", Arg::none, std::nullopt},
    Spec{0, "persistent-conn", Arg::none, std::nullopt},
    Spec{0, "nosort", Arg::none, std::nullopt},
    Spec{0, "sort", Arg::none, std::nullopt},
    Spec{0, "exact", Arg::none, std::nullopt},
    // Patched forks (Alibaba LVS, DPVS): FULLNAT local addresses, synproxy.
    Spec{'P', "add-laddr", Arg::none, std::nullopt, "fork"},
    Spec{'Q', "del-laddr", Arg::none, std::nullopt, "fork"},
    Spec{'G', "get-laddr", Arg::none, std::nullopt, "fork"},
    Spec{'z', "laddr", Arg::required, std::nullopt, "fork"},
    Spec{'F', "ifname", Arg::required, std::nullopt, "fork"},
    Spec{'j', "synproxy", Arg::required, std::nullopt, "fork"},
};

const Spec* by_short(char c) {
  for (const auto& s : kSpecs)
    if (s.short_name == c) return &s;
  return nullptr;
}

const Spec* by_long(std::string_view name) {
  for (const auto& s : kSpecs)
    if (s.long_name == name) return &s;
  return nullptr;
}

struct Builder {
  Command cmd;
  bool have_verb = false;
  std::vector<std::string_view> groups;
  std::string error;

  bool add(const Spec& spec, std::string written, std::optional<std::string> value) {
    if (spec.group == "fork") {
      error = written + " is an option of a patched ipvsadm (Alibaba LVS / DPVS: FULLNAT local addresses or "
                        "synproxy), which Linux IPVS and tandem do not have";
      return false;
    }
    if (spec.verb) {
      if (have_verb) {
        error = "more than one command (" + cmd.verb_written + " and " + written + ")";
        return false;
      }
      have_verb = true;
      cmd.verb = *spec.verb;
      cmd.verb_written = written;
      if (value) cmd.options.push_back({std::string(spec.long_name), written, value});
      return true;
    }
    for (const auto& o : cmd.options) {
      const Spec* other = by_long(o.name);
      const bool same_group = !spec.group.empty() && other && other->group == spec.group;
      if (o.name == spec.long_name || same_group) {
        error = "multiple " + o.written + (o.written == written ? "" : "/" + written) + " options";
        return false;
      }
    }
    cmd.options.push_back({std::string(spec.long_name), std::move(written), std::move(value)});
    return true;
  }
};

}  // namespace

const Option* Command::find(std::string_view name) const {
  for (const auto& o : options)
    if (o.name == name) return &o;
  return nullptr;
}

CommandParse parse_command(const std::vector<std::string>& words) {
  Builder b;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    const bool has_next = i + 1 < words.size();
    if (w.size() > 2 && w.compare(0, 2, "--") == 0) {
      const std::size_t eq = w.find('=');
      const std::string name = w.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const Spec* spec = by_long(name);
      if (!spec) return {std::nullopt, "unknown option --" + name};
      const std::string written = "--" + name;
      std::optional<std::string> value;
      if (eq != std::string::npos) {
        if (spec->arg == Arg::none) return {std::nullopt, written + " takes no value"};
        value = w.substr(eq + 1);
      } else if (spec->arg == Arg::required) {
        if (!has_next) return {std::nullopt, written + " needs a value, and the line ends (cut off?)"};
        value = words[++i];
      } else if (spec->arg == Arg::optional && has_next && !words[i + 1].starts_with("-")) {
        value = words[++i];
      }
      if (!b.add(*spec, written, std::move(value))) return {std::nullopt, b.error};
    } else if (w.size() > 1 && w[0] == '-' && w != "--") {
      for (std::size_t k = 1; k < w.size(); ++k) {
        const Spec* spec = by_short(w[k]);
        const std::string written = std::string("-") + w[k];
        if (!spec) {
          const unsigned char c = static_cast<unsigned char>(w[k]);
          if (c < 0x21 || c > 0x7e) return {std::nullopt, "\"" + w + "\" is not an ipvsadm option"};
          return {std::nullopt, "unknown option " + written + (w.size() > 2 ? " (in \"" + w + "\")" : "")};
        }
        std::optional<std::string> value;
        if (spec->long_name == "sched-flags" && k + 1 == w.size() && (!has_next || words[i + 1].starts_with("-")))
          return {std::nullopt, "-b needs the scheduler flags; a bare -b is the FULLNAT forwarding of a patched "
                                "ipvsadm (DPVS), which Linux IPVS and tandem do not have"};
        if (spec->arg != Arg::none) {
          const std::string rest = w.substr(k + 1);
          if (!rest.empty())
            value = rest;
          else if (spec->arg == Arg::required && has_next)
            value = words[++i];
          else if (spec->arg == Arg::required)
            return {std::nullopt, written + " needs a value, and the line ends (cut off?)"};
          else if (has_next && !words[i + 1].starts_with("-"))
            value = words[++i];
          k = w.size();
        }
        if (!b.add(*spec, written, std::move(value))) return {std::nullopt, b.error};
      }
    } else {
      b.cmd.arguments.push_back(w);
    }
  }
  return {std::move(b.cmd), {}};
}

}  // namespace tandem::config::legacy::ipvsadm
