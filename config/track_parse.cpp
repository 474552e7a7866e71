#include "config/track_parse.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "config/check_parse.hpp"
#include "config/names.hpp"

namespace tandem::config {

std::string_view name_of(Track::Type t) {
  switch (t) {
    case Track::Type::ping: return "ping";
    case Track::Type::interface: return "interface";
    case Track::Type::script: return "script";
  }
  return "?";
}

namespace detail {
namespace {

constexpr std::array<Choice<Track::Type>, 3> kTypes = {
    {{"ping", Track::Type::ping}, {"interface", Track::Type::interface}, {"script", Track::Type::script}}};

// The keys only some types take.
bool applies(std::string_view key, Track::Type t) {
  if (key == "address" || key == "group") return t == Track::Type::ping;
  if (key == "command") return t == Track::Type::script;
  if (key == "timeout") return t != Track::Type::interface;
  return true;
}

class TrackReader {
 public:
  explicit TrackReader(TomlReader& r) : r_(r) {}

  std::optional<Track> read(const Scope& s, std::map<std::string, int>& names) {
    r_.check_keys(s, kTrackKeys);
    Track t;
    bool ok = true;
    const auto name = r_.string_field(s, "name");
    if (!name.node) {
      r_.required(s, "name", ": every [[track]] needs a unique name, e.g. name = \"gateway\"");
      ok = false;
    } else if (name.value) {
      t.name = *name.value;
      if (t.name.empty() || t.name.size() > 64) {
        r_.error(name.where(), "track.name must be 1 to 64 characters");
        ok = false;
      } else if (auto [it, fresh] = names.emplace(t.name, name.where().line); !fresh) {
        r_.error(name.where(), "track name " + quoted(t.name) + " is used twice (first on line " +
                                   std::to_string(it->second) + ")");
        ok = false;
      }
    } else {
      ok = false;
    }
    const auto type = r_.choice_field(s, "type", kTypes);
    if (!type.node) {
      r_.required(s, "type", ": \"ping\", \"interface\" or \"script\"");
      return std::nullopt;
    }
    if (!type.value) return std::nullopt;
    t.type = *type.value;
    for (auto key : kTrackKeys) {
      const toml::node* n = s.find(key);
      if (n && !applies(key, t.type))
        r_.error(at(n->source()), s.key(key) + " does not apply to type = " + quoted(name_of(t.type)) +
                                      (key == "timeout" ? ": an interface track reads the carrier the kernel "
                                                          "reports, it does not wait for an answer"
                                                        : ""));
    }
    ok = read_timing(s, t) && ok;
    if (auto w = r_.integer_field(s, "weight", 1, 1000); w.value)
      t.weight = static_cast<int>(*w.value);
    else if (w.bad())
      ok = false;
    switch (t.type) {
      case Track::Type::ping: ok = read_ping(s, t) && ok; break;
      case Track::Type::interface: ok = read_interface(s, t, true) && ok; break;
      case Track::Type::script: ok = read_script(s, t) && ok; break;
    }
    if (!ok) return std::nullopt;
    return t;
  }

 private:
  bool read_timing(const Scope& s, Track& t) {
    bool ok = true;
    Field<Duration> interval, timeout;
    if (applies("interval", t.type)) interval = r_.positive_duration_field(s, "interval");
    if (applies("timeout", t.type)) timeout = r_.positive_duration_field(s, "timeout");
    if (interval.value) t.interval = *interval.value;
    if (timeout.value) t.timeout = *timeout.value;
    if (!timeout.node) t.timeout = std::min(t.timeout, t.interval);  // the default never exceeds the interval
    if (interval.bad() || timeout.bad()) ok = false;
    if (ok && t.timeout > t.interval) {
      r_.error(timeout.node ? timeout.where() : interval.where(),
               "track.timeout " + format_duration(t.timeout) + " must not exceed interval " +
                   format_duration(t.interval));
      ok = false;
    }
    if (auto rise = r_.integer_field(s, "rise", 1, 100); rise.value)
      t.rise = static_cast<int>(*rise.value);
    else if (rise.bad())
      ok = false;
    if (auto fall = r_.integer_field(s, "fall", 1, 100); fall.value)
      t.fall = static_cast<int>(*fall.value);
    else if (fall.bad())
      ok = false;
    return ok;
  }

  bool read_ping(const Scope& s, Track& t) {
    const toml::node* group = s.find("group");
    const auto address = r_.address_field(s, "address");
    if (address.node && group) {
      r_.error(at(group->source()), "track.group and track.address are exclusive: ping one address, or any of a group");
      return false;
    }
    if (!address.node && !group) {
      r_.required(s, "address", " (or group = [...]): the address to ping, e.g. the gateway \"10.0.0.254\"");
      return false;
    }
    bool ok = true;
    if (address.node) {
      if (!address.value) return false;
      t.addresses.push_back(*address.value);
    } else {
      t.group = true;
      const auto* array = group->as_array();
      if (!array || array->empty()) {
        r_.error(at(group->source()), "track.group must be a non-empty array of addresses, e.g. "
                                      "[\"10.0.0.254\", \"10.0.0.253\"]");
        return false;
      }
      for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& e = *array->get(i);
        const auto* text = e.as_string();
        auto parsed = text ? IpAddress::parse(text->get()) : std::nullopt;
        if (!parsed) {
          r_.error(at(e.source()), "track.group: " +
                                       (text ? quoted(text->get()) + " is not an IPv4 or IPv6 address"
                                             : "each member must be an address string, not " +
                                                   std::string(type_name(e.type()))));
          ok = false;
          continue;
        }
        t.addresses.push_back(*parsed);
      }
    }
    return read_interface(s, t, false) && ok;
  }

  bool read_interface(const Scope& s, Track& t, bool required) {
    const auto interface = r_.string_field(s, "interface");
    if (!interface.node) {
      if (required) r_.required(s, "interface", ": the interface whose carrier is watched, e.g. \"eth2\"");
      return !required;
    }
    if (!interface.value) return false;
    if (auto problem = interface_problem(*interface.value)) {
      r_.error(interface.where(), "track.interface " + *problem);
      return false;
    }
    t.interface = *interface.value;
    return true;
  }

  bool read_script(const Scope& s, Track& t) {
    if (!s.find("command")) {
      r_.required(s, "command", ": the program and its arguments, e.g. [\"/usr/lib/tandem/check-uplink\"]");
      return false;
    }
    read_argv(r_, s, "command", "[\"/usr/lib/tandem/check-uplink\"]", false, t.command);
    return !t.command.empty();
  }

  TomlReader& r_;
};

}  // namespace

void read_tracks(TomlReader& reader, const toml::table& root, std::vector<Track>& out) {
  std::map<std::string, int> names;
  TrackReader tracks(reader);
  for (const auto* table : reader.section_array(root, "track")) {
    if (auto t = tracks.read(Scope{table, "track", true}, names)) out.push_back(std::move(*t));
  }
}

}  // namespace detail
}  // namespace tandem::config
