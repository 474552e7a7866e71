#include "failover/role.hpp"

namespace tandem::failover {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::init: return "init";
    case Role::backup: return "backup";
    case Role::active: return "active";
    case Role::standby: return "standby";
    case Role::fault: return "fault";
  }
  return "unknown";
}

std::optional<Role> role_from_wire(std::uint8_t value) {
  switch (value) {
    case static_cast<std::uint8_t>(Role::init): return Role::init;
    case static_cast<std::uint8_t>(Role::backup): return Role::backup;
    case static_cast<std::uint8_t>(Role::active): return Role::active;
    case static_cast<std::uint8_t>(Role::standby): return Role::standby;
    case static_cast<std::uint8_t>(Role::fault): return Role::fault;
    default: return std::nullopt;
  }
}

}  // namespace tandem::failover
