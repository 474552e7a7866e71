#include "ipvs/maintenance.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>

#include "config/digest.hpp"
#include "config/ipvs_parse.hpp"
#include "ipvs/desired.hpp"
#include "ipvs/table_keeper.hpp"

namespace tandem::ipvs {
namespace {

constexpr std::string_view kHeader = "tandem-maintenance 1";

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::optional<std::int64_t> parse_ms(std::string_view w) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
  if (ec != std::errc() || end != w.data() + w.size() || v < 0) return std::nullopt;
  return v;
}

// Who set it: 1..64 of [A-Za-z0-9_.@-] (a user name and a node name).
bool valid_by(std::string_view by) {
  if (by.empty() || by.size() > 64) return false;
  return std::all_of(by.begin(), by.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '@' || c == '-';
  });
}

auto entry_order(const AdminEntry& a, const AdminEntry& b) {
  if (a.service != b.service) return a.service < b.service;
  return a.dest < b.dest;
}

std::string protocol_prefix(const config::VirtualServer& vs) {
  return std::string(config::name_of(vs.protocol)) + ":";
}

}  // namespace

std::string_view to_string(AdminMode m) {
  switch (m) {
    case AdminMode::none: return "none";
    case AdminMode::drain: return "drain";
    case AdminMode::disable: return "disable";
  }
  return "none";
}

std::optional<AdminMode> admin_mode_from(std::string_view word) {
  if (word == "drain") return AdminMode::drain;
  if (word == "disable") return AdminMode::disable;
  if (word == "enable") return AdminMode::none;
  return std::nullopt;
}

namespace {
std::string_view mode_word(AdminMode m) { return m == AdminMode::none ? "enable" : to_string(m); }

// Enables older than kEnabledKeptMs before the stamp go, then the oldest
// enables while there are too many.
void forget_old_enables(AdminState& s) {
  std::erase_if(s.entries, [&](const AdminEntry& e) {
    return e.mode == AdminMode::none && e.at_ms < s.stamp_ms - kEnabledKeptMs;
  });
  while (s.entries.size() > kMaxAdminEntries) {
    auto oldest = s.entries.end();
    for (auto it = s.entries.begin(); it != s.entries.end(); ++it)
      if (it->mode == AdminMode::none && (oldest == s.entries.end() || it->at_ms < oldest->at_ms)) oldest = it;
    if (oldest == s.entries.end()) break;
    s.entries.erase(oldest);
  }
}
}  // namespace

std::string format_admin_state(const AdminState& s) {
  std::string out(kHeader);
  out += "\nstamp " + std::to_string(s.stamp_ms) + "\n";
  for (const auto& e : s.entries) {
    out += std::string(mode_word(e.mode)) + " " + format_service_key(e.service) + " " + e.dest.address.str() + " " +
           std::to_string(e.dest.port) + " " + std::to_string(e.at_ms) + " " + e.by + "\n";
  }
  return out;
}

std::variant<AdminState, std::string> parse_admin_state(std::string_view text) {
  AdminState s;
  std::size_t number = 0;
  bool header = false, stamp = false;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) return "line " + std::to_string(number + 1) + ": no newline at the end";
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++number;
    const std::string at = "line " + std::to_string(number) + ": ";
    if (!header) {
      if (line != kHeader) return at + "not a tandem maintenance state (\"" + std::string(kHeader) + "\" expected)";
      header = true;
      continue;
    }
    const auto w = words(line);
    if (!stamp) {
      std::optional<std::int64_t> ms;
      if (w.size() != 2 || w[0] != "stamp" || !(ms = parse_ms(w[1]))) return at + "\"stamp MILLISECONDS\" expected";
      s.stamp_ms = *ms;
      stamp = true;
      continue;
    }
    // MODE SERVICE(3 words) ADDRESS PORT AT BY
    if (w.size() != 8) return at + "\"MODE SERVICE ADDRESS PORT WHEN BY\" expected";
    AdminEntry e;
    const auto mode = admin_mode_from(w[0]);
    if (!mode) return at + "unknown mode \"" + std::string(w[0]) + "\"";
    e.mode = *mode;
    const auto service = parse_service_key(std::string(w[1]) + " " + std::string(w[2]) + " " + std::string(w[3]));
    if (!service) return at + "bad service";
    e.service = *service;
    const auto address = config::IpAddress::parse(w[4]);
    const auto port = parse_ms(w[5]);
    if (!address || !port || *port > 65535) return at + "bad destination";
    e.dest.address = *address;
    e.dest.port = static_cast<std::uint16_t>(*port);
    const auto when = parse_ms(w[6]);
    if (!when) return at + "bad time";
    e.at_ms = *when;
    if (!valid_by(w[7])) return at + "bad name of who set it";
    e.by = std::string(w[7]);
    if (!s.entries.empty() && !entry_order(s.entries.back(), e))
      return at + "out of order or repeated (" + describe_admin_target(e.service, e.dest) + ")";
    if (s.entries.size() >= 2 * kMaxAdminEntries)
      return at + "more than " + std::to_string(2 * kMaxAdminEntries) + " real servers";
    s.entries.push_back(std::move(e));
  }
  if (!header) return std::string("empty");
  if (!stamp) return std::string("no stamp line");
  return s;
}

std::uint64_t admin_digest(const AdminState& s) { return config::short_sha256(format_admin_state(s)); }

AdminState merge_admin(const AdminState& a, const AdminState& b) {
  AdminState out;
  out.stamp_ms = std::max(a.stamp_ms, b.stamp_ms);
  auto later = [](const AdminEntry& x, const AdminEntry& y) {
    if (x.at_ms != y.at_ms) return x.at_ms > y.at_ms;
    if (x.mode != y.mode) return x.mode > y.mode;
    return x.by > y.by;
  };
  std::size_t i = 0, j = 0;
  while (i < a.entries.size() || j < b.entries.size()) {
    if (j == b.entries.size() || (i < a.entries.size() && entry_order(a.entries[i], b.entries[j]))) {
      out.entries.push_back(a.entries[i++]);
    } else if (i == a.entries.size() || entry_order(b.entries[j], a.entries[i])) {
      out.entries.push_back(b.entries[j++]);
    } else {
      out.entries.push_back(later(b.entries[j], a.entries[i]) ? b.entries[j] : a.entries[i]);
      ++i;
      ++j;
    }
  }
  forget_old_enables(out);
  return out;
}

std::size_t admin_count(const AdminState& s) {
  return static_cast<std::size_t>(
      std::count_if(s.entries.begin(), s.entries.end(), [](const AdminEntry& e) { return e.mode != AdminMode::none; }));
}

const AdminEntry* find_admin(const AdminState& s, const ServiceKey& service, const DestKey& dest) {
  for (const auto& e : s.entries)
    if (e.service == service && e.dest == dest) return &e;
  return nullptr;
}

std::variant<AdminState, std::string> set_admin(const AdminState& s, const ServiceKey& service, const DestKey& dest,
                                                AdminMode mode, const std::string& by, std::int64_t at_ms) {
  AdminState out = s;
  auto it = std::find_if(out.entries.begin(), out.entries.end(),
                         [&](const AdminEntry& e) { return e.service == service && e.dest == dest; });
  const std::int64_t stamp = std::max(at_ms, s.stamp_ms + 1);
  if (it != out.entries.end()) {
    if (it->mode == mode) return out;
    it->mode = mode;
    it->by = by;
    it->at_ms = stamp;
  } else {
    if (mode == AdminMode::none) return out;
    if (admin_count(out) >= kMaxAdminEntries)
      return "at most " + std::to_string(kMaxAdminEntries) +
             " real servers can be in maintenance at once; enable one first";
    out.entries.push_back(AdminEntry{service, dest, mode, by, stamp});
    std::sort(out.entries.begin(), out.entries.end(), entry_order);
  }
  out.stamp_ms = stamp;
  forget_old_enables(out);
  return out;
}

Admin admin_modes(const std::vector<config::VirtualServer>& servers, const AdminState& s) {
  Admin out;
  if (s.entries.empty()) return out;
  out.resize(servers.size());
  for (std::size_t v = 0; v < servers.size(); ++v) {
    const ServiceKey key = service_key(servers[v]);
    out[v].assign(servers[v].reals.size(), AdminMode::none);
    for (std::size_t r = 0; r < servers[v].reals.size(); ++r)
      if (const AdminEntry* e = find_admin(s, key, destination_of(servers[v], servers[v].reals[r]).key))
        out[v][r] = e->mode;  // none for an enable
  }
  return out;
}

std::variant<RealRef, std::string> find_real(const std::vector<config::VirtualServer>& servers, std::string_view vs,
                                             std::string_view real) {
  // The virtual server.
  std::vector<std::size_t> matches;
  const std::string vs_text(vs);
  if (vs.substr(0, 7) == "fwmark:") {
    std::uint32_t mark = 0;
    auto [end, ec] = std::from_chars(vs.data() + 7, vs.data() + vs.size(), mark);
    if (ec != std::errc() || end != vs.data() + vs.size() || mark == 0)
      return "\"" + vs_text + "\" is not a virtual server: write fwmark:N";
    for (std::size_t v = 0; v < servers.size(); ++v)
      if (servers[v].fwmark == mark) matches.push_back(v);
  } else {
    std::string_view endpoint = vs;
    std::optional<config::Protocol> protocol;
    for (auto p : {config::Protocol::tcp, config::Protocol::udp, config::Protocol::sctp}) {
      const std::string prefix = std::string(config::name_of(p)) + ":";
      if (vs.substr(0, prefix.size()) == prefix) {
        protocol = p;
        endpoint = vs.substr(prefix.size());
      }
    }
    const auto split = config::detail::split_endpoint(endpoint);
    if (!split.problem.empty() || !split.address || !split.port || *split.port > 65535)
      return "\"" + vs_text + "\" is not a virtual server: write ADDRESS:PORT, [IPV6]:PORT, udp:ADDRESS:PORT or fwmark:N";
    for (std::size_t v = 0; v < servers.size(); ++v) {
      const auto& s = servers[v];
      if (s.address && s.address->address == *split.address && s.address->port == *split.port &&
          (!protocol || s.protocol == *protocol))
        matches.push_back(v);
    }
  }
  if (matches.empty()) return "no virtual server " + vs_text + " in the configuration";
  if (matches.size() > 1) {
    const auto& a = servers[matches[0]];
    if (a.fwmark) return "fwmark " + std::to_string(a.fwmark) + " is both an IPv4 and an IPv6 service";
    return vs_text + " is more than one virtual server: write " + protocol_prefix(a) + vs_text + " or " +
           protocol_prefix(servers[matches[1]]) + vs_text;
  }
  const std::size_t v = matches.front();
  const auto& server = servers[v];
  // The real server.
  const std::string real_text(real);
  const auto split = config::detail::split_endpoint(real);
  if (!split.problem.empty() || !split.address || (split.port && *split.port > 65535))
    return "\"" + real_text + "\" is not a real server: write ADDRESS or ADDRESS:PORT ([IPV6]:PORT)";
  std::vector<std::size_t> reals;
  for (std::size_t r = 0; r < server.reals.size(); ++r) {
    const DestKey key = destination_of(server, server.reals[r]).key;
    if (key.address == *split.address && (!split.port || key.port == *split.port)) reals.push_back(r);
  }
  const std::string vs_name = service_key(server).str();
  if (reals.empty()) return "no real server " + real_text + " in " + vs_name;
  if (reals.size() > 1) return real_text + " is more than one real server of " + vs_name + ": give the port";
  return RealRef{v, reals.front()};
}

std::string describe_admin_target(const ServiceKey& service, const DestKey& dest) {
  std::string vs;
  if (service.is_fwmark()) {
    vs = "fwmark:" + std::to_string(service.fwmark);
  } else {
    const std::string key = format_service_key(service);  // "tcp 10.0.0.100 80"
    vs = key.substr(0, key.find(' ')) + ":" + config::endpoint_text(service.address, service.port);
  }
  return vs + " " + dest.str();
}

}  // namespace tandem::ipvs
