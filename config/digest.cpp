// The configuration digest (config/digest.hpp): each part is written as a
// canonical text, every field in a fixed order and as "LENGTH:BYTES," so
// that no two different values give the same text, then hashed with
// SHA-256. Pure: no I/O, no clock.
#include "config/digest.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <string_view>

#include "config/config.hpp"

namespace tandem::config {
namespace {

// The canonical text of one part.
class Canon {
 public:
  explicit Canon(std::string_view part) { text(part); }

  void text(std::string_view s) {
    out_ += std::to_string(s.size());
    out_ += ':';
    out_ += s;
    out_ += ',';
  }
  void number(std::int64_t v) { text(std::to_string(v)); }
  void unsigned_number(std::uint64_t v) { text(std::to_string(v)); }
  void flag(bool b) { text(b ? "1" : "0"); }
  void duration(Duration d) { number(d.count()); }  // milliseconds
  void address(const IpAddress& a) { text(a.str()); }
  // Optional values and lists: a marker or a count first, then the values.
  void present(bool p) { text(p ? "+" : "-"); }
  void count(std::size_t n) { unsigned_number(n); }
  void texts(const std::vector<std::string>& list) {
    count(list.size());
    for (const auto& s : list) text(s);
  }
  void endpoint(const std::optional<Endpoint>& e) {
    present(e.has_value());
    if (!e) return;
    address(e->address);
    unsigned_number(e->port);
  }
  template <class T, class Write>
  void optional(const std::optional<T>& v, Write write) {
    present(v.has_value());
    if (v) write(*v);
  }

  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

std::uint64_t hash(const Canon& canon) { return short_sha256(canon.str()); }

// Every field of a resource: both directors must run the same ones.
void write_resource(Canon& c, const Resource& r) {
  c.text(r.name);
  c.texts(r.command);
  c.text(r.agent);
  c.texts(r.args);
  c.duration(r.start_timeout);
  c.duration(r.stop_timeout);
  c.text(name_of(r.on_start_failure));
  c.flag(r.exclusive);
}

// Names, preferred nodes, auto_failback, each VIP's address, prefix length
// and label (not the interface, which is the node's own), and the
// resources in order. [notify] is node-local and left out.
std::uint64_t digest_groups(const Config& cfg) {
  Canon c("groups");
  c.count(cfg.groups.size());
  for (const auto& g : cfg.groups) {
    c.text(g.name);
    c.text(g.preferred);
    c.flag(g.auto_failback);
    c.count(g.vips.size());
    for (const auto& vip : g.vips) {
      c.address(vip.address.address);
      c.number(vip.address.length);
      c.text(vip.label);
    }
    c.count(g.resources.size());
    for (const auto& r : g.resources) write_resource(c, r);
  }
  return hash(c);
}

void write_check(Canon& c, const Check& check) {
  c.text(name_of(check.type));
  c.duration(check.interval);
  c.duration(check.timeout);
  c.number(check.rise);
  c.number(check.fall);
  c.text(check.send);
  c.text(check.receive);
  c.flag(check.receive_regex);
  c.text(check.request);
  c.text(check.method);
  c.text(check.virtualhost);
  c.texts(check.expect_status);
  c.flag(check.verify_tls);
  c.texts(check.command);
  c.unsigned_number(check.port);
  c.unsigned_number(check.max_response);
}

void write_override(Canon& c, const CheckOverride& o) {
  auto text = [&](const std::string& s) { c.text(s); };
  c.optional(o.request, text);
  c.optional(o.receive, text);
  c.optional(o.send, text);
  c.optional(o.port, [&](std::uint16_t p) { c.unsigned_number(p); });
  c.optional(o.virtualhost, text);
}

void write_real(Canon& c, const RealServer& real) {
  c.address(real.address);
  c.unsigned_number(real.port);
  c.number(real.weight);
  c.optional(real.forwarding, [&](ForwardingMethod f) { c.text(name_of(f)); });
  c.optional(real.tunnel_type, [&](TunnelType t) { c.text(name_of(t)); });
  c.optional(real.tunnel_port, [&](std::uint16_t p) { c.unsigned_number(p); });
  c.unsigned_number(real.upper_threshold);
  c.unsigned_number(real.lower_threshold);
  c.optional(real.check, [&](const CheckOverride& o) { write_override(c, o); });
}

std::uint64_t digest_virtual_servers(const Config& cfg) {
  Canon c("virtual servers");
  c.count(cfg.virtual_servers.size());
  for (const auto& vs : cfg.virtual_servers) {
    c.endpoint(vs.address);
    c.unsigned_number(vs.fwmark);
    c.number(vs.family);
    c.text(name_of(vs.protocol));
    c.text(vs.scheduler);
    c.texts(vs.scheduler_flags);
    c.text(name_of(vs.forwarding));
    c.text(name_of(vs.tunnel_type));
    c.unsigned_number(vs.tunnel_port);
    c.duration(vs.persistence);
    c.unsigned_number(vs.persistence_netmask);
    c.endpoint(vs.fallback);
    c.text(name_of(vs.on_failure));
    c.optional(vs.check, [&](const Check& check) { write_check(c, check); });
    c.count(vs.reals.size());
    for (const auto& real : vs.reals) write_real(c, real);
    c.text(vs.group);
  }
  // [ipvs]: the timeouts of the connections both directors carry (the sync
  // daemon copies them; after a takeover the other's timeouts apply).
  // Written only when one is set, so a file without [ipvs] keeps its digest.
  if (!cfg.ipvs.empty()) {
    c.text("ipvs");
    for (const auto* t : {&cfg.ipvs.tcp_timeout, &cfg.ipvs.tcpfin_timeout, &cfg.ipvs.udp_timeout})
      c.optional(*t, [&](Duration d) { c.duration(d); });
  }
  return hash(c);
}

// Every field but the interface (the node's own).
std::uint64_t digest_tracks(const Config& cfg) {
  Canon c("tracks");
  c.count(cfg.tracks.size());
  for (const auto& t : cfg.tracks) {
    c.text(t.name);
    c.text(name_of(t.type));
    c.duration(t.interval);
    c.duration(t.timeout);
    c.number(t.rise);
    c.number(t.fall);
    c.number(t.weight);
    c.count(t.addresses.size());
    for (const auto& a : t.addresses) c.address(a);
    c.flag(t.group);
    c.texts(t.command);
  }
  return hash(c);
}

}  // namespace

ConfigDigest digest_of(const Config& cfg) {
  return {digest_groups(cfg), digest_virtual_servers(cfg), digest_tracks(cfg)};
}

std::vector<std::string> digest_differences(const ConfigDigest& a, const ConfigDigest& b) {
  std::vector<std::string> out;
  if (a.groups != b.groups) out.emplace_back("groups and VIPs");
  if (a.virtual_servers != b.virtual_servers) out.emplace_back("virtual servers");
  if (a.tracks != b.tracks) out.emplace_back("tracks");
  return out;
}

std::string format_digest(const ConfigDigest& d) {
  std::array<char, 3 * 17> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%016llx/%016llx/%016llx",
                static_cast<unsigned long long>(d.groups), static_cast<unsigned long long>(d.virtual_servers),
                static_cast<unsigned long long>(d.tracks));
  return buffer.data();
}

std::uint64_t short_sha256(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), md.data(), &size, EVP_sha256(), nullptr) != 1 || size < 8)
    return 0;  // OpenSSL without SHA-256: not a configuration problem, and both sides then show 0
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | md[static_cast<std::size_t>(i)];
  return v;
}

}  // namespace tandem::config
