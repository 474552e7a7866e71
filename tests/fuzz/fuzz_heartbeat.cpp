// Fuzz target for the heartbeat receive path: decode, HMAC check, node check
// and replay guard (docs/heartbeat-format.md). Each input is one datagram.
// A second pass re-signs the input with the key it names, so the fuzzer also
// reaches the checks behind the HMAC.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "failover/heartbeat_codec.hpp"

namespace {

using tandem::config::AuthKey;
using tandem::config::AuthKeys;
using tandem::config::HmacAlgorithm;
using namespace tandem::failover;

constexpr std::uint64_t own_generation = 1000;

const AuthKeys& fuzz_keys() {
  static const AuthKeys keys{1,
                             {AuthKey{1, HmacAlgorithm::sha256, "fuzz-sha256-secret"},
                              AuthKey{2, HmacAlgorithm::md5, "fuzz-md5-secret"}}};
  return keys;
}

void check(bool ok) {
  if (!ok) std::abort();
}

// Invariants for one datagram fed to a fresh receiver.
void exercise(std::span<const std::uint8_t> packet) {
  HeartbeatReceiver rx("d1", "d2", own_generation);
  auto result = rx.receive(packet, fuzz_keys());
  std::uint64_t counted = rx.accepted();
  for (auto n : rx.rejected()) counted += n;
  check(counted == 1);

  if (const Heartbeat* hb = std::get_if<Heartbeat>(&result)) {
    // Decoding is strict, so an accepted packet is in canonical form.
    check(!packet.empty() && packet.size() > 7);
    const AuthKey* key = fuzz_keys().find(packet[7]);
    check(key != nullptr);
    const std::vector<std::uint8_t> again = encode_heartbeat(*hb, *key);
    check(again.size() == packet.size() &&
          std::equal(again.begin(), again.end(), packet.begin()));
    check(hb->ack_generation == own_generation);
    check(rx.guard().peer_generation() == hb->generation);
    // The same datagram twice is a replay.
    auto second = rx.receive(packet, fuzz_keys());
    check(std::holds_alternative<Reject>(second) &&
          std::get<Reject>(second) == Reject::replayed);
  } else {
    check(static_cast<std::size_t>(std::get<Reject>(result)) < reject_reason_count);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  exercise(input);

  // Re-sign, two ways: the version 1 header and name as given, with the
  // tag the named key would produce appended; and every byte but the tag
  // the named key's length implies (any version: mutated group lists
  // reach the checks behind the HMAC).
  constexpr std::size_t header = 36;
  if (size < header) return 0;
  const AuthKey* key = fuzz_keys().find(data[7]);
  if (key == nullptr) return 0;
  const std::size_t body = std::min(size, header + data[35]);
  std::vector<std::uint8_t> signed_packet(data, data + body);
  auto tag = hmac(key->algorithm, key->secret, signed_packet);
  signed_packet.insert(signed_packet.end(), tag.begin(), tag.end());
  exercise(signed_packet);
  const std::size_t tag_size = tag.size();
  if (size > tag_size) {
    std::vector<std::uint8_t> retagged(data, data + (size - tag_size));
    tag = hmac(key->algorithm, key->secret, retagged);
    retagged.insert(retagged.end(), tag.begin(), tag.end());
    exercise(retagged);
  }
  return 0;
}
