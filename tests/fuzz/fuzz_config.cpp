// Fuzz target for tandem.toml: TOML parsing, validation and diagnostics
// (SPEC "Configuration (TOML)"). Each input is one whole file. Beyond not
// crashing, it checks the contract: a Config comes back exactly when there
// are no errors, every diagnostic names the file, and an accepted Config
// holds what validation promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace {

using namespace tandem::config;

void require(bool condition) {
  if (!condition) std::abort();
}

void check_duration(Duration d) {
  require(d.count() >= 0);
  const auto again = parse_duration(format_duration(d));
  require(again.value && *again.value == d);
}

void check_accepted(const Config& c) {
  require(!c.node.name.empty() && c.node.name.size() <= 64);
  require(c.node.priority >= 0 && c.node.priority <= 65535);
  require(!c.cluster.peer.empty() && c.cluster.peer != c.node.name);
  require(c.cluster.preferred.empty() || c.cluster.preferred == c.node.name ||
          c.cluster.preferred == c.cluster.peer);
  require(c.cluster.interval.count() > 0);
  require(c.cluster.deadtime > 2 * c.cluster.interval);
  require(c.cluster.warntime < c.cluster.deadtime);
  require(c.cluster.initdead >= c.cluster.deadtime);
  require(c.cluster.port != 0);
  for (Duration d : {c.cluster.interval, c.cluster.deadtime, c.cluster.warntime, c.cluster.initdead,
                     c.garp.interval, c.garp.refresh})
    check_duration(d);
  require(!c.links.empty());
  for (const auto& link : c.links) {
    require(!link.name.empty() && !link.interface.empty());
    require(link.peer.has_value() != link.group.has_value());
    if (link.peer) require(!link.peer->is_multicast());
    if (link.group) require(link.group->is_multicast());
  }
  for (const auto& vip : c.vips) {
    require(!vip.interface.empty());
    require(vip.address.length >= 0 && vip.address.length <= (vip.address.address.is_v4() ? 32 : 128));
    require(IpPrefix::parse(vip.address.str()) == vip.address);
    if (!vip.label.empty()) require(vip.address.address.is_v4() && vip.label.size() <= 15);
  }
  require(c.garp.count >= 0 && c.garp.count <= 100);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string path = "fuzz.toml";
  const auto result = parse_config(text, path, ParseOptions{"d1"});
  require(result.config.has_value() == result.errors.empty());
  for (const auto& e : result.errors) {
    require(e.file == path && !e.message.empty());
    require(e.line >= 0 && e.column >= 0);
    require(e.format().compare(0, path.size(), path) == 0);
  }
  if (result.config) {
    require(result.config->path == path);
    check_accepted(*result.config);
  }
  return 0;
}
