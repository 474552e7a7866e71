// heartbeat's authkeys file (SPEC, REFERENCE "authkeys"): `auth N` selects
// the key used to send; `N ALGO SECRET` lines define keys accepted on receive.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/error.hpp"

namespace tandem::config {

enum class HmacAlgorithm { sha256, sha512, sha1, md5 };
std::string_view to_string(HmacAlgorithm);

struct AuthKey {
  int id = 0;  // 1..15
  HmacAlgorithm algorithm = HmacAlgorithm::sha256;
  std::string secret;
  friend bool operator==(const AuthKey&, const AuthKey&) = default;
};

struct AuthKeys {
  int send_id = 0;
  std::vector<AuthKey> keys;
  const AuthKey* find(int id) const;
  const AuthKey& send_key() const;  // precondition: validated
  friend bool operator==(const AuthKeys&, const AuthKeys&) = default;
};

struct AuthKeysResult {
  std::optional<AuthKeys> keys;  // set only when errors is empty
  Diagnostics errors;
  Diagnostics warnings;  // sha1/md5 keys
};

// Parses the text: sha256/sha512 keys; sha1/md5 with a warning; crc refused;
// ids 1..15, no duplicates; exactly one `auth N` naming a defined key.
AuthKeysResult parse_authkeys(std::string_view text, const std::string& path);

// Checks the file mode first: readable by group or others is an error
// ("mode 0644 is readable by group or others; chmod 600 FILE"), then parses.
AuthKeysResult load_authkeys(const std::string& path);

}  // namespace tandem::config
