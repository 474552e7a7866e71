// Fuzz target for the maintenance state (ipvs/maintenance.hpp): the file
// beside ipvs-created and the text that crosses to the peer in heartbeat
// pieces. Beyond not crashing, it checks the contract: a state that parses
// prints back to the same text, the merge is the same both ways round and
// idempotent, and the heartbeat pieces put together give the text again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "config/digest.hpp"
#include "failover/maintenance_sync.hpp"
#include "ipvs/maintenance.hpp"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Two states in one input, split at the first "=====\n".
  const auto cut = text.find("=====\n");
  const std::string_view first = text.substr(0, cut);
  const auto a = ipvs::parse_admin_state(first);
  if (auto* why = std::get_if<std::string>(&a)) {
    require(!why->empty());
    return 0;
  }
  const auto& s = std::get<ipvs::AdminState>(a);
  const std::string printed = ipvs::format_admin_state(s);
  require(printed == first);
  require(s.entries.size() <= 2 * ipvs::kMaxAdminEntries);

  // The pieces a sender makes give the text back at the receiver.
  failover::MaintenanceSender sender;
  const failover::MaintenanceVersion version{static_cast<std::uint64_t>(s.stamp_ms), ipvs::admin_digest(s)};
  require(version.digest == config::short_sha256(printed));
  sender.set_own(printed, version);
  sender.peer_has({0, 0});
  failover::MaintenanceAssembly assembly;
  std::optional<std::string> got;
  for (int i = 0; i < 200 && !got; ++i) {
    failover::Heartbeat hb;
    sender.fill(hb);
    require(hb.maintenance.has_value());
    require(hb.maintenance->bytes.size() <= failover::max_maintenance_chunk);
    got = assembly.add(version, *hb.maintenance);
  }
  require(got && *got == printed);

  if (cut == std::string_view::npos) return 0;
  const auto b = ipvs::parse_admin_state(text.substr(cut + 6));
  if (!std::holds_alternative<ipvs::AdminState>(b)) return 0;
  const auto& t = std::get<ipvs::AdminState>(b);
  const ipvs::AdminState m = ipvs::merge_admin(s, t);
  require(m == ipvs::merge_admin(t, s));
  require(ipvs::merge_admin(m, m) == m);
  require(m.entries.size() <= std::max<std::size_t>(ipvs::kMaxAdminEntries, s.entries.size() + t.entries.size()));
  auto again = ipvs::parse_admin_state(ipvs::format_admin_state(m));
  require(std::holds_alternative<ipvs::AdminState>(again) && std::get<ipvs::AdminState>(again) == m);
  return 0;
}
