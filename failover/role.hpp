// Node roles (SPEC "tandemctl status"): init, backup, active, standby, fault.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace tandem::failover {

enum class Role : std::uint8_t { init = 0, backup = 1, active = 2, standby = 3, fault = 4 };

std::string_view to_string(Role);
std::optional<Role> role_from_wire(std::uint8_t);

}  // namespace tandem::failover
