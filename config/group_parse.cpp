#include "config/group_parse.hpp"

#include <algorithm>

#include "config/check_parse.hpp"
#include "config/names.hpp"

namespace tandem::config {

std::string_view name_of(Resource::OnStartFailure f) {
  switch (f) {
    case Resource::OnStartFailure::hand_over: return "hand-over";
    case Resource::OnStartFailure::ignore: return "ignore";
  }
  return "?";
}

}  // namespace tandem::config

namespace tandem::config::detail {
namespace {

constexpr std::size_t kMaxLabel = kMaxInterfaceName;  // Linux labels share IFNAMSIZ
constexpr std::string_view kDefaultGroup = "default";
constexpr std::size_t kMaxResourceName = 64;  // resource names and agent file names
constexpr Duration kMaxResourceTimeout = std::chrono::hours(1);

constexpr std::array<Choice<Resource::OnStartFailure>, 2> kOnStartFailure = {
    {{"hand-over", Resource::OnStartFailure::hand_over}, {"ignore", Resource::OnStartFailure::ignore}}};

// 1..`max` bytes of [A-Za-z0-9_.-]: group and resource names, agents.
bool plain_name_ok(std::string_view name, std::size_t max) {
  if (name.empty() || name.size() > max) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

bool group_name_ok(std::string_view name) { return plain_name_ok(name, kMaxGroupName); }

// An agent is a file in /etc/ha.d/resource.d or /etc/init.d: no path.
bool agent_ok(std::string_view agent) {
  return plain_name_ok(agent, kMaxResourceName) && agent != "." && agent != "..";
}

// "\"web\", \"mail\" and \"db\"".
std::string every_one_of(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += quoted(names[i]);
  }
  return out;
}

class GroupReader {
 public:
  GroupReader(TomlReader& r, const PairNames& pair) : r_(r), pair_(pair) {}

  // One [[vip]] or [[group.vip]]; an address may be listed once in all
  // groups together.
  Vip read_vip(const Scope& s) {
    r_.check_keys(s, kVipKeys);
    Vip vip;
    const auto address = r_.prefix_field(s, "address");
    if (!address.node) r_.required(s, "address", ", e.g. address = \"10.0.0.100/24\"");
    if (address.value) {
      vip.address = *address.value;
      if (auto [it, fresh] = first_line_.emplace(vip.address.address, address.where().line); !fresh)
        r_.error(address.where(), "vip " + vip.address.address.str() + " is listed twice (first on line " +
                                      std::to_string(it->second) + ")");
    }
    const auto interface = r_.string_field(s, "interface");
    if (!interface.node)
      r_.required(s, "interface", ": the network interface that holds the VIP, e.g. \"eth0\"");
    else if (interface.value) {
      vip.interface = *interface.value;
      if (auto problem = interface_problem(vip.interface))
        r_.error(interface.where(), s.key("interface") + " " + *problem);
    }
    const auto label = r_.string_field(s, "label");
    if (label.value) {
      vip.label = *label.value;
      check_label(s, label, vip, interface.value.has_value() && !interface_problem(vip.interface));
    }
    return vip;
  }

  void read_vips(const toml::table& parent, std::string_view name, std::vector<Vip>& out) {
    for (const auto* table : r_.section_array(parent, "vip", name))
      out.push_back(read_vip(Scope{table, name, true}));
  }

  // One [[resource]] or [[group.resource]]; a name may be used once in the
  // whole file.
  Resource read_resource(const Scope& s) {
    r_.check_keys(s, kResourceKeys);
    Resource res;
    const auto name = r_.string_field(s, "name");
    if (!name.node) {
      r_.required(s, "name", ": every resource needs a unique name, e.g. name = \"ldirectord\"");
    } else if (name.value) {
      res.name = *name.value;
      if (!plain_name_ok(res.name, kMaxResourceName))
        r_.error(name.where(), s.key("name") + " " + quoted(res.name) + " must be 1 to " +
                                   std::to_string(kMaxResourceName) +
                                   " characters of A-Z, a-z, 0-9, \"_\", \".\" and \"-\"");
      else if (auto [it, fresh] = first_resource_.emplace(res.name, name.where().line); !fresh)
        r_.error(name.where(), "resource name " + quoted(res.name) + " is used twice (first on line " +
                                   std::to_string(it->second) + ")");
    }
    read_program(s, res);
    read_timeout(s, "start_timeout", res.start_timeout);
    read_timeout(s, "stop_timeout", res.stop_timeout);
    if (auto f = r_.choice_field(s, "on_start_failure", kOnStartFailure); f.value) res.on_start_failure = *f.value;
    if (auto v = r_.bool_field(s, "exclusive"); v.value) res.exclusive = *v.value;
    return res;
  }

  void read_resources(const toml::table& parent, std::string_view name, std::vector<Resource>& out) {
    for (const auto* table : r_.section_array(parent, "resource", name))
      out.push_back(read_resource(Scope{table, name, true}));
  }

  Group read_group(const Scope& s, std::size_t index) {
    r_.check_keys(s, kGroupKeys, "; the tables in [[group]] are [[group.vip]] and [[group.resource]]");
    Group g;
    if (index == kMaxGroups)
      r_.error(s.where(), "at most " + std::to_string(kMaxGroups) + " [[group]]s are allowed; this is group " +
                              std::to_string(index + 1));
    const auto name = r_.string_field(s, "name");
    if (!name.node) {
      r_.required(s, "name", ": every [[group]] needs a unique name, e.g. name = \"web\"");
    } else if (name.value) {
      g.name = *name.value;
      if (!group_name_ok(g.name))
        r_.error(name.where(), "group.name " + quoted(g.name) + " must be 1 to " + std::to_string(kMaxGroupName) +
                                   " characters of A-Z, a-z, 0-9, \"_\", \".\" and \"-\"");
      else if (auto [it, fresh] = first_name_.emplace(g.name, name.where().line); !fresh)
        r_.error(name.where(), "group name " + quoted(g.name) + " is used twice (first on line " +
                                   std::to_string(it->second) + ")");
    }
    const auto preferred = r_.string_field(s, "preferred");
    if (preferred.value) {
      g.preferred = *preferred.value;
      check_preferred(r_, s, preferred, pair_);
    }
    if (auto v = r_.bool_field(s, "auto_failback"); v.value) g.auto_failback = *v.value;
    read_vips(*s.table, "group.vip", g.vips);
    read_resources(*s.table, "group.resource", g.resources);
    if (g.vips.empty() && !s.find("vip"))
      r_.error(s.where(), (name.value ? "group " + g.name : std::string("this group")) +
                              " has no [[group.vip]]: a group is the VIPs that fail over together");
    return g;
  }

 private:
  // Exactly one of `command` (argv) and `agent` (with its optional `args`).
  void read_program(const Scope& s, Resource& res) {
    const toml::node* command = s.find("command");
    const auto agent = r_.string_field(s, "agent");
    const toml::node* args = s.find("args");
    if (command && agent.node) {
      r_.error(agent.where(), s.key("agent") + " cannot be used with command: run a program of your own "
                                                "(command = [argv]) or an agent (agent = \"NAME\"), not both");
      return;
    }
    if (!command && !agent.node) {
      r_.error(s.where(), s.label() + " needs command = [\"/path/of/program\", ...] or agent = \"NAME\" "
                                      "(a script in /etc/ha.d/resource.d or /etc/init.d)");
      return;
    }
    if (command) {
      read_argv(r_, s, "command", "[\"/usr/local/sbin/web-cache\"]", false, res.command);
      if (args)
        r_.error(at(args->source()), s.key("args") + " is only for agent; with command, write the arguments "
                                                      "in command itself");
      return;
    }
    if (!agent.value) return;  // not a string: reported
    if (!agent_ok(*agent.value))
      r_.error(agent.where(), s.key("agent") + " " + quoted(*agent.value) + " must be a file name of 1 to " +
                                  std::to_string(kMaxResourceName) +
                                  " characters of A-Z, a-z, 0-9, \"_\", \".\" and \"-\", not \".\" or \"..\" "
                                  "(it is looked up in /etc/ha.d/resource.d, then /etc/init.d)");
    else
      res.agent = *agent.value;
    read_args(s, res.args);
  }

  // `args`: an array of strings (possibly empty), given to the agent before
  // start, stop or status.
  void read_args(const Scope& s, std::vector<std::string>& out) {
    const toml::node* node = s.find("args");
    if (!node) return;
    const auto* array = node->as_array();
    if (!array) {
      r_.type_error(s, "args", *node, "an array of strings, the agent's arguments, e.g. [\"eth0\"]");
      return;
    }
    const std::string name = s.key("args");
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const auto* text = element.as_string();
      if (!text) {
        r_.error(at(element.source()),
                 name + ": each argument must be a string, not " + std::string(type_name(element.type())));
        continue;
      }
      if (text->get().find('\0') != std::string::npos) {
        r_.error(at(element.source()), name + ": an argument cannot contain a NUL character");
        continue;
      }
      out.push_back(text->get());
    }
  }

  // start_timeout, stop_timeout: more than 0s, at most 1h.
  void read_timeout(const Scope& s, std::string_view key, Duration& out) {
    const auto f = r_.positive_duration_field(s, key);
    if (!f.value) return;
    if (*f.value > kMaxResourceTimeout) {
      r_.error(f.where(), s.key(key) + " " + format_duration(*f.value) + " must be at most " +
                              format_duration(kMaxResourceTimeout));
      return;
    }
    out = *f.value;
  }

  // Address labels: IPv4 only, at most 15 characters, and (like Linux
  // requires) starting with the interface name, e.g. "eth0:vip".
  void check_label(const Scope& s, const Field<std::string>& label, const Vip& vip, bool interface_ok) {
    const std::string key = s.key("label");
    if (vip.address.address.is_v6()) {
      r_.error(label.where(), key + " is for IPv4 addresses only; remove it from " + vip.address.str());
      return;
    }
    if (vip.label.empty()) {
      r_.error(label.where(), key + " is empty; remove it or write e.g. \"" +
                                  (interface_ok ? vip.interface : std::string("eth0")) + ":vip\"");
      return;
    }
    if (vip.label.size() > kMaxLabel) {
      r_.error(label.where(),
               key + " " + quoted(vip.label) + " is longer than " + std::to_string(kMaxLabel) + " characters");
      return;
    }
    if (interface_ok && vip.label.compare(0, vip.interface.size(), vip.interface) != 0)
      r_.error(label.where(), key + " " + quoted(vip.label) + " must start with the interface name " +
                                  quoted(vip.interface) + ", e.g. \"" + vip.interface + ":vip\"");
  }

  TomlReader& r_;
  const PairNames& pair_;
  std::map<IpAddress, int> first_line_;      // VIP address -> line of its first [[vip]]
  std::map<std::string, int> first_name_;    // group name -> line it was first named on
  std::map<std::string, int> first_resource_;  // resource name -> line it was first named on, in any group
};

const Group* find_group(const Config& config, std::string_view name) {
  for (const auto& g : config.groups)
    if (g.name == name) return &g;
  return nullptr;
}

// The group with a VIP at `address`, whatever its prefix length.
const Group* group_at(const Config& config, const IpAddress& address) {
  for (const auto& g : config.groups)
    for (const auto& vip : g.vips)
      if (vip.address.address == address) return &g;
  return nullptr;
}

}  // namespace

void check_preferred(TomlReader& reader, const Scope& scope, const Field<std::string>& preferred,
                     const PairNames& pair) {
  if (!preferred.value || !pair.node || !pair.peer) return;
  if (*preferred.value == *pair.node || *preferred.value == *pair.peer) return;
  reader.error(preferred.where(), scope.key("preferred") + " " + quoted(*preferred.value) +
                                      " must be this node (" + quoted(*pair.node) + ") or the peer (" +
                                      quoted(*pair.peer) + ")");
}

std::vector<const toml::table*> group_tables(TomlReader& reader, const toml::table& root) {
  return reader.section_array(root, "group");
}

void read_groups(TomlReader& reader, const toml::table& root, const std::vector<const toml::table*>& groups,
                 const PairNames& pair, Config& config) {
  GroupReader r(reader, pair);
  if (groups.empty()) {
    r.read_vips(root, "vip", config.vips);
    std::vector<Resource> resources;
    r.read_resources(root, "resource", resources);
    config.groups = {Group{std::string(kDefaultGroup), config.cluster.preferred, config.cluster.auto_failback,
                           config.vips, std::move(resources)}};
    config.named_groups = false;
    return;
  }
  // The two forms do not mix: the VIPs and resources are in the groups.
  for (const auto* vip : reader.section_array(root, "vip")) {
    reader.error(at(vip->source()),
                 "[[vip]] cannot be used with [[group]]: write each VIP as a [[group.vip]] of its group");
    break;
  }
  for (const auto* resource : reader.section_array(root, "resource")) {
    reader.error(at(resource->source()),
                 "[[resource]] cannot be used with [[group]]: write [[group.resource]] in its group");
    break;
  }
  config.named_groups = true;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    config.groups.push_back(r.read_group(Scope{groups[i], "group", true}, i));
    const auto& vips = config.groups.back().vips;
    config.vips.insert(config.vips.end(), vips.begin(), vips.end());
  }
}

std::vector<ServiceGroupKey> take_service_groups(TomlReader& reader, toml::table& root) {
  std::vector<ServiceGroupKey> keys;
  auto* array = root.get_as<toml::array>("virtual_server");
  if (!array) return keys;  // absent, or not an array: the IPVS reader reads no tables
  for (auto& element : *array) {
    auto* table = element.as_table();
    if (!table) continue;
    ServiceGroupKey key{table};
    const Scope s{table, "virtual_server", true};
    const auto group = reader.string_field(s, "group");
    if (group.node) {
      key.name = group.value;
      key.bad = !group.value;
      key.where = group.where();
      table->erase("group");
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

void assign_service_groups(TomlReader& reader, const std::vector<ServiceGroupKey>& keys, Config& config) {
  std::vector<std::string_view> names;
  for (const auto& g : config.groups) names.push_back(g.name);
  const std::string choices = one_of(names, "\"");
  const std::size_t n = std::min(keys.size(), config.virtual_servers.size());
  for (std::size_t i = 0; i < n; ++i) {
    const ServiceGroupKey& key = keys[i];
    VirtualServer& vs = config.virtual_servers[i];
    if (key.bad) continue;
    const Group* written = nullptr;
    if (key.name) {
      written = find_group(config, *key.name);
      if (!written) {
        reader.error(key.where, "virtual_server.group " + quoted(*key.name) + " is not a group; " +
                                    (config.named_groups ? "the groups are " + every_one_of(names)
                                                         : "without [[group]] the only group is " + choices) +
                                    suggestion(*key.name, names));
        continue;
      }
    }
    if (vs.address) {
      if (const Group* owner = group_at(config, vs.address->address)) {
        if (written && written != owner) {
          reader.error(key.where, "virtual server " + describe(vs) + " is on VIP " + vs.address->address.str() +
                                      " of group " + quoted(owner->name) + ", not of group " +
                                      quoted(written->name) + "; remove group or write group = " +
                                      quoted(owner->name));
          continue;
        }
        vs.group = owner->name;
        continue;
      }
    } else if (vs.fwmark == 0) {
      continue;  // neither address nor fwmark: reported by the IPVS reader
    }
    if (written) {
      vs.group = written->name;
    } else if (config.groups.size() == 1) {
      vs.group = config.groups.front().name;
    } else if (vs.address) {
      const toml::node* address = key.table->get("address");
      reader.error(address ? at(address->source()) : at(key.table->source()),
                   "virtual server " + describe(vs) + " is on no group's VIP: set group = " + choices);
    } else {
      reader.error(at(key.table->source()),
                   "virtual_server.group is required for " + describe(vs) + " when there are " +
                       std::to_string(config.groups.size()) +
                       " groups (a fwmark service has no address to find its group by): set group = " + choices);
    }
  }
}

}  // namespace tandem::config::detail
