// Heartbeat codec, HMAC and replay protection (SPEC "Behaviour that users rely
// on"; docs/heartbeat-format.md).
#include <gtest/gtest.h>

#include "builders.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "failover/heartbeat_codec.hpp"

namespace tandem::failover {
namespace {

using Bytes = std::vector<std::uint8_t>;
using config::AuthKey;
using config::AuthKeys;
using config::HmacAlgorithm;

using tandem::testing::from_hex;

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::size_t tag_size(HmacAlgorithm a) {
  switch (a) {
    case HmacAlgorithm::sha256: return 32;
    case HmacAlgorithm::sha512: return 64;
    case HmacAlgorithm::sha1: return 20;
    case HmacAlgorithm::md5: return 16;
  }
  return 0;
}

// ---------------------------------------------------------------- RFC 4231

struct HmacVector {
  const char* description;
  Bytes key;
  Bytes data;
  const char* sha256;
  const char* sha512;
};

std::vector<HmacVector> rfc4231_vectors() {
  return {
      {"test case 1: 20-byte key of 0x0b, 'Hi There'", Bytes(20, 0x0b), bytes_of("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
       "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
      {"test case 2: key shorter than the output ('Jefe')", bytes_of("Jefe"),
       bytes_of("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
       "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
      {"test case 3: 20 x 0xaa key, 50 x 0xdd data", Bytes(20, 0xaa), Bytes(50, 0xdd),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
       "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
       "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
      {"test case 4: 25-byte key 0x01..0x19, 50 x 0xcd data",
       from_hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
       "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
       "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
      {"test case 7: 131-byte key and data larger than the block size", Bytes(131, 0xaa),
       bytes_of("This is a test using a larger than block-size key and a larger than "
                "block-size data. The key needs to be hashed before being used by the HMAC "
                "algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
       "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
       "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
  };
}

TEST(Hmac, Rfc4231Sha256) {
  for (const auto& v : rfc4231_vectors()) {
    std::string key(v.key.begin(), v.key.end());
    EXPECT_EQ(hmac(HmacAlgorithm::sha256, key, v.data), from_hex(v.sha256)) << v.description;
  }
}

TEST(Hmac, Rfc4231Sha512) {
  for (const auto& v : rfc4231_vectors()) {
    std::string key(v.key.begin(), v.key.end());
    EXPECT_EQ(hmac(HmacAlgorithm::sha512, key, v.data), from_hex(v.sha512)) << v.description;
  }
}

TEST(Hmac, DigestLengths) {
  const Bytes data = bytes_of("x");
  for (auto a : {HmacAlgorithm::sha256, HmacAlgorithm::sha512, HmacAlgorithm::sha1,
                 HmacAlgorithm::md5})
    EXPECT_EQ(hmac(a, "k", data).size(), tag_size(a)) << config::to_string(a);
  EXPECT_EQ(hmac(HmacAlgorithm::sha256, "", {}).size(), 32u) << "empty key and data";
}

// ------------------------------------------------------------- fixed encode

// The example of docs/heartbeat-format.md, in `version`. From version 3 on
// it has one group, "default", with the header's role and flags.
Heartbeat example_heartbeat(std::uint8_t version) {
  Heartbeat hb;
  hb.version = version;
  hb.node = "d1";
  hb.generation = 0x0102030405060708;
  hb.sequence = 42;
  hb.ack_generation = 0x1122334455667788;
  hb.role = Role::active;
  hb.priority = 100;
  hb.flags = flag::takeover;
  if (version >= 3) hb.groups = {{"default", hb.role, hb.flags}};
  return hb;
}
const AuthKey kExampleKey{3, HmacAlgorithm::sha256, "tandem-test-secret"};

TEST(HeartbeatCodec, EncodeFixedPacket) {
  const Heartbeat hb = example_heartbeat(1);  // what a version 1 peer is answered in
  const AuthKey& key = kExampleKey;

  const Bytes p = encode_heartbeat(hb, key);
  ASSERT_EQ(p.size(), 36u + 2u + 32u);

  // Header, field by field (docs/heartbeat-format.md).
  EXPECT_EQ(Bytes(p.begin(), p.begin() + 4), bytes_of("TNDM")) << "magic";
  EXPECT_EQ(p[4], 1) << "version";
  EXPECT_EQ(p[5], 0x00) << "flags, high byte";
  EXPECT_EQ(p[6], 0x02) << "flags, low byte (takeover)";
  EXPECT_EQ(p[7], 3) << "key id";
  EXPECT_EQ(p[8], 2) << "role active";
  EXPECT_EQ(p[9], 0x00) << "priority, high byte";
  EXPECT_EQ(p[10], 100) << "priority, low byte";
  EXPECT_EQ(Bytes(p.begin() + 11, p.begin() + 19), from_hex("0102030405060708")) << "generation";
  EXPECT_EQ(Bytes(p.begin() + 19, p.begin() + 27), from_hex("000000000000002a")) << "sequence";
  EXPECT_EQ(Bytes(p.begin() + 27, p.begin() + 35), from_hex("1122334455667788"))
      << "ack generation";
  EXPECT_EQ(p[35], 2) << "name length";
  EXPECT_EQ(p[36], 'd');
  EXPECT_EQ(p[37], '1');

  // The tag is HMAC-SHA256("tandem-test-secret", bytes 0..37), computed
  // independently with `openssl dgst -sha256 -mac HMAC`.
  const Bytes expected = from_hex(
      "544e444d" "01" "0002" "03" "02" "0064"
      "0102030405060708" "000000000000002a" "1122334455667788"
      "02" "6431"
      "92b76fe72e9e30f90b3b8e3b6f1005904d6fa077668fb553772a3114f5f1f89d");
  EXPECT_EQ(p, expected);

  const AuthKeys keys{3, {key}};
  auto decoded = decode_heartbeat(p, keys);
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded));
  EXPECT_EQ(std::get<Heartbeat>(decoded), hb);
}

TEST(HeartbeatCodec, EncodeFixedPacketVersion2) {
  Heartbeat hb = example_heartbeat(2);
  hb.flags = flag::takeover | flag::no_carrier | flag::hold_off;
  hb.fitness = 7;
  const AuthKey& key = kExampleKey;
  const Bytes p = encode_heartbeat(hb, key);
  // HMAC-SHA256 computed independently with `openssl dgst -sha256 -mac HMAC`.
  const Bytes expected = from_hex(
      "544e444d" "02" "0062" "03" "02" "0064"
      "0102030405060708" "000000000000002a" "1122334455667788"
      "0007" "02" "6431"
      "049ffa5d7cc249ab5e3062a73d54081952556a7cbae6d95dba7648c187a6727b");
  EXPECT_EQ(p, expected);
  auto decoded = decode_heartbeat(p, AuthKeys{3, {key}});
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded));
  EXPECT_EQ(std::get<Heartbeat>(decoded), hb);
}

TEST(HeartbeatCodec, EncodeFixedPacketVersion3) {
  Heartbeat hb = example_heartbeat(3);
  hb.digest = {0x0102030405060708, 0x1112131415161718, 0x2122232425262728};
  hb.groups = {{"web", Role::active, flag::takeover}, {"mail", Role::backup, 0}};
  const AuthKey& key = kExampleKey;
  const Bytes p = encode_heartbeat(hb, key);
  ASSERT_EQ(p.size(), 62u + 2u + 1u + (4u + 3u) + (4u + 4u) + 32u);

  // The version 3 fields, field by field (docs/heartbeat-format.md).
  EXPECT_EQ(p[4], 3) << "version";
  EXPECT_EQ(p[8], 2) << "header role: the first group's (active)";
  EXPECT_EQ(Bytes(p.begin() + 35, p.begin() + 37), from_hex("0000")) << "fitness";
  EXPECT_EQ(Bytes(p.begin() + 37, p.begin() + 45), from_hex("0102030405060708"))
      << "digest: groups";
  EXPECT_EQ(Bytes(p.begin() + 45, p.begin() + 53), from_hex("1112131415161718"))
      << "digest: virtual servers";
  EXPECT_EQ(Bytes(p.begin() + 53, p.begin() + 61), from_hex("2122232425262728"))
      << "digest: tracks";
  EXPECT_EQ(p[61], 2) << "name length";
  EXPECT_EQ(p[64], 2) << "group count";

  // HMAC-SHA256 computed independently with `openssl dgst -sha256 -mac HMAC`.
  const Bytes expected = from_hex(
      "544e444d" "03" "0002" "03" "02" "0064"
      "0102030405060708" "000000000000002a" "1122334455667788"
      "0000"
      "0102030405060708" "1112131415161718" "2122232425262728"
      "02" "6431"
      "02"
      "03" "776562" "02" "0002"
      "04" "6d61696c" "01" "0000"
      "fb5c45b7a507ff11ec4b38256eb6e82f42c9fba0807bdb45378595f3856813f4");
  EXPECT_EQ(p, expected);
  auto decoded = decode_heartbeat(p, AuthKeys{3, {key}});
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded));
  EXPECT_EQ(std::get<Heartbeat>(decoded), hb);
}

TEST(HeartbeatCodec, EncodeFixedPacketVersion4) {
  EXPECT_EQ(Heartbeat{}.version, 4) << "the default";
  Heartbeat hb = example_heartbeat(4);
  hb.digest = {0x0102030405060708, 0x1112131415161718, 0x2122232425262728};
  hb.groups = {{"web", Role::active, flag::takeover}};
  hb.maintenance_stamp = 0x0000019af0000001;
  hb.maintenance_digest = 0xa1a2a3a4a5a6a7a8;
  hb.maintenance = MaintenanceChunk{1, 3, "hello"};
  const Bytes p = encode_heartbeat(hb, kExampleKey);
  ASSERT_EQ(p.size(), 131u);
  // HMAC-SHA256 computed independently (Python's hmac module).
  const Bytes expected = from_hex(
      "544e444d" "04" "0002" "03" "02" "0064"
      "0102030405060708" "000000000000002a" "1122334455667788"
      "0000"
      "0102030405060708" "1112131415161718" "2122232425262728"
      "02" "6431"
      "01"
      "03" "776562" "02" "0002"
      "0000019af0000001" "a1a2a3a4a5a6a7a8"   // maintenance stamp, digest
      "0003" "0001" "0005" "68656c6c6f"       // piece count, index, length, bytes
      "f95b38b4f01dc96b1febfd0fc0778f0ab8d2f39bdfcd164483d944f9eaa9bedf");
  EXPECT_EQ(p, expected);
  auto decoded = decode_heartbeat(p, AuthKeys{3, {kExampleKey}});
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded));
  EXPECT_EQ(std::get<Heartbeat>(decoded), hb);

  // Without a piece: the count is 0 and nothing follows.
  hb.maintenance.reset();
  const Bytes q = encode_heartbeat(hb, kExampleKey);
  EXPECT_EQ(q.size(), 131u - 4u - 5u);
  auto again = decode_heartbeat(q, AuthKeys{3, {kExampleKey}});
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(again));
  EXPECT_EQ(std::get<Heartbeat>(again), hb);
}

TEST(HeartbeatCodec, Version4BadMaintenancePiecesAreRejected) {
  // Encoded by hand past the encoder's own checks: count, index, length.
  Heartbeat hb = example_heartbeat(4);
  hb.maintenance = MaintenanceChunk{0, 1, "x"};
  const Bytes good = encode_heartbeat(hb, kExampleKey);
  const std::size_t at = good.size() - 32 - 1 - 6;  // the piece's count
  auto with = [&](std::uint16_t count, std::uint16_t index, std::uint16_t length) {
    Bytes b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(at));
    for (std::uint16_t v : {count, index, length}) {
      b.push_back(static_cast<std::uint8_t>(v >> 8));
      b.push_back(static_cast<std::uint8_t>(v));
    }
    b.push_back('x');
    b.insert(b.end(), good.end() - 32, good.end());
    return b;
  };
  ASSERT_EQ(with(1, 0, 1), good) << "the hand-made packet has the encoder's layout";
  EXPECT_EQ(std::get<Reject>(decode_heartbeat(with(1, 1, 1), AuthKeys{3, {kExampleKey}})), Reject::malformed)
      << "index not below count";
  EXPECT_EQ(std::get<Reject>(decode_heartbeat(with(1, 0, 0), AuthKeys{3, {kExampleKey}})), Reject::malformed)
      << "empty piece";
  EXPECT_EQ(std::get<Reject>(decode_heartbeat(with(1, 0, 401), AuthKeys{3, {kExampleKey}})), Reject::malformed)
      << "piece longer than 400 bytes";
  EXPECT_EQ(std::get<Reject>(decode_heartbeat(with(1, 0, 300), AuthKeys{3, {kExampleKey}})), Reject::truncated)
      << "length beyond the packet";
  Bytes short_packet(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(at - 4));
  EXPECT_EQ(std::get<Reject>(decode_heartbeat(short_packet, AuthKeys{3, {kExampleKey}})), Reject::truncated)
      << "cut inside the maintenance fields";
  EXPECT_THROW(encode_heartbeat([&] { Heartbeat h = hb; h.maintenance = MaintenanceChunk{2, 2, "x"}; return h; }(),
                                kExampleKey),
               std::invalid_argument);
  EXPECT_THROW(encode_heartbeat([&] { Heartbeat h = hb; h.maintenance = MaintenanceChunk{0, 1, std::string(401, 'x')}; return h; }(),
                                kExampleKey),
               std::invalid_argument);
}

TEST(HeartbeatCodec, Version3DecodeFillsDigestAndGroups) {
  Heartbeat hb = example_heartbeat(3);
  hb.fitness = 12;
  hb.digest = {1, 0xffffffffffffffff, 0x8000000000000000};
  hb.groups = {{"web", Role::active, flag::takeover | flag::no_carrier},
               {"mail", Role::standby, flag::hold_off},
               {"db", Role::fault, 0}};
  const AuthKey& key = kExampleKey;
  auto decoded = decode_heartbeat(encode_heartbeat(hb, key), AuthKeys{3, {key}});
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded));
  const Heartbeat& back = std::get<Heartbeat>(decoded);
  EXPECT_EQ(back.version, 3);
  EXPECT_EQ(back.fitness, 12);
  EXPECT_EQ(back.digest, hb.digest);
  EXPECT_EQ(back.groups, hb.groups) << "every entry, in the order sent";
  EXPECT_EQ(back, hb);
}

TEST(HeartbeatCodec, HeaderRoleAndFlagsAreTheCallersNotDerivedFromTheGroups) {
  Heartbeat hb = example_heartbeat(3);
  hb.role = Role::backup;
  hb.flags = flag::leaving;
  hb.groups = {{"web", Role::active, flag::takeover}};
  const Bytes p = encode_heartbeat(hb, kExampleKey);
  EXPECT_EQ(p[8], 1) << "header role as given (backup)";
  EXPECT_EQ(Bytes(p.begin() + 5, p.begin() + 7), from_hex("0004")) << "header flags as given";
  auto decoded = decode_heartbeat(p, AuthKeys{3, {kExampleKey}});
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded));
  EXPECT_EQ(std::get<Heartbeat>(decoded), hb);
}

TEST(HeartbeatCodec, Versions1And2CarryNeitherDigestNorGroups) {
  for (std::uint8_t version : {1, 2}) {
    Heartbeat hb = example_heartbeat(version);
    hb.digest = {1, 2, 3};
    hb.groups = {{"web", Role::active, flag::takeover}};
    const Bytes p = encode_heartbeat(hb, kExampleKey);
    EXPECT_EQ(p, encode_heartbeat(example_heartbeat(version), kExampleKey))
        << "version " << int(version) << ": the same bytes as without them";
    auto decoded = decode_heartbeat(p, AuthKeys{3, {kExampleKey}});
    ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded));
    const Heartbeat& back = std::get<Heartbeat>(decoded);
    EXPECT_EQ(back.digest, config::ConfigDigest{}) << "version " << int(version);
    EXPECT_TRUE(back.groups.empty()) << "version " << int(version);
  }
}

TEST(HeartbeatCodec, EncodeRejectsBadGroups) {
  const AuthKey& key = kExampleKey;
  Heartbeat hb = example_heartbeat(3);
  hb.groups.clear();
  EXPECT_THROW(encode_heartbeat(hb, key), std::invalid_argument) << "no group";
  for (std::size_t i = 0; i < 17; ++i) hb.groups.push_back({"g" + std::to_string(i), Role::backup, 0});
  EXPECT_THROW(encode_heartbeat(hb, key), std::invalid_argument) << "17 groups";
  hb.groups.pop_back();
  EXPECT_NO_THROW(encode_heartbeat(hb, key)) << "16 groups";
  hb.groups = {{"", Role::active, 0}};
  EXPECT_THROW(encode_heartbeat(hb, key), std::invalid_argument) << "empty group name";
  hb.groups = {{std::string(33, 'g'), Role::active, 0}};
  EXPECT_THROW(encode_heartbeat(hb, key), std::invalid_argument) << "33-byte group name";
  hb.groups = {{std::string(32, 'g'), Role::active, 0}};
  EXPECT_NO_THROW(encode_heartbeat(hb, key)) << "32-byte group name";
}

TEST(HeartbeatCodec, RoundTripSixteenGroupsAndTheSizeBound) {
  // The largest packet: a 64-byte node name, 16 groups with 32-byte names,
  // HMAC-SHA512 (docs/heartbeat-format.md, "Size").
  const AuthKey key{4, HmacAlgorithm::sha512, "big"};
  Heartbeat hb = example_heartbeat(3);
  hb.node = std::string(64, 'n');
  hb.flags = flag::known;
  hb.fitness = 0xffff;
  hb.digest = {0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff};
  hb.groups.clear();
  for (std::size_t i = 0; i < max_heartbeat_groups; ++i) {
    std::string name(32, 'g');
    name[0] = static_cast<char>('a' + i);
    hb.groups.push_back({name, static_cast<Role>(i % 5), static_cast<std::uint16_t>(flag::known >> (i % 7))});
  }
  hb.role = hb.groups[0].role;
  hb.flags = hb.groups[0].flags;
  const Bytes p = encode_heartbeat(hb, key);
  EXPECT_EQ(p.size(), 767u) << "62 + 64 + 1 + 16 * (4 + 32) + 64";
  EXPECT_LT(p.size() + 40 + 8, 1280u) << "fits the IPv6 minimum MTU with the IPv6 and UDP headers";
  auto decoded = decode_heartbeat(p, AuthKeys{4, {key}});
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded)) << to_string(std::get<Reject>(decoded));
  EXPECT_EQ(std::get<Heartbeat>(decoded), hb);
}

TEST(HeartbeatCodec, Version1CarriesNeitherFitnessNorTheVersion2Flags) {
  Heartbeat hb;
  hb.node = "d1";
  hb.generation = 5;
  hb.version = 1;
  hb.fitness = 9;
  hb.flags = flag::takeover | flag::no_carrier | flag::hold_off;
  const AuthKey key{1, HmacAlgorithm::sha256, "s"};
  const Bytes p = encode_heartbeat(hb, key);
  EXPECT_EQ(p.size(), 36u + 2u + 32u);
  auto decoded = decode_heartbeat(p, AuthKeys{1, {key}});
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded));
  const auto& back = std::get<Heartbeat>(decoded);
  EXPECT_EQ(back.version, 1);
  EXPECT_EQ(back.fitness, 0);
  EXPECT_EQ(back.flags, flag::takeover);
}

TEST(HeartbeatCodec, Version2FlagsInAVersion1PacketAreMalformed) {
  // A version 1 packet (name length at 35) with the no_carrier bit set by
  // hand, and a correct tag: refused for the flag, not for the tag.
  const AuthKey key{1, HmacAlgorithm::sha256, "s"};
  Heartbeat hb;
  hb.node = "d1";
  hb.generation = 5;
  hb.version = 1;
  Bytes p = encode_heartbeat(hb, key);
  p[6] |= flag::no_carrier;
  p.resize(p.size() - 32);
  const Bytes tag = hmac(HmacAlgorithm::sha256, "s", p);
  p.insert(p.end(), tag.begin(), tag.end());
  auto decoded = decode_heartbeat(p, AuthKeys{1, {key}});
  ASSERT_TRUE(std::holds_alternative<Reject>(decoded));
  EXPECT_EQ(std::get<Reject>(decoded), Reject::malformed);
}

TEST(HeartbeatCodec, UnknownVersionsAreRefused) {
  const AuthKey key{1, HmacAlgorithm::sha256, "s"};
  Heartbeat hb;
  hb.node = "d1";
  hb.generation = 5;
  hb.groups = {{"default", hb.role, hb.flags}};
  Bytes p = encode_heartbeat(hb, key);
  for (std::uint8_t v : {0, 5, 255}) {
    p[4] = v;
    auto decoded = decode_heartbeat(p, AuthKeys{1, {key}});
    ASSERT_TRUE(std::holds_alternative<Reject>(decoded));
    EXPECT_EQ(std::get<Reject>(decoded), Reject::bad_version);
  }
  hb.version = 5;
  EXPECT_THROW(encode_heartbeat(hb, key), std::invalid_argument);
}

TEST(HeartbeatCodec, EncodeRejectsBadName) {
  const AuthKey key{1, HmacAlgorithm::sha256, "s"};
  Heartbeat hb;
  hb.generation = 1;
  hb.groups = {{"default", hb.role, hb.flags}};
  EXPECT_THROW(encode_heartbeat(hb, key), std::invalid_argument) << "empty name";
  hb.node = std::string(65, 'n');
  EXPECT_THROW(encode_heartbeat(hb, key), std::invalid_argument) << "65-byte name";
  hb.node = std::string(64, 'n');
  EXPECT_NO_THROW(encode_heartbeat(hb, key)) << "64-byte name";
}

// --------------------------------------------------------------- round trips

TEST(HeartbeatCodec, RoundTripEveryAlgorithm) {
  for (auto a : {HmacAlgorithm::sha256, HmacAlgorithm::sha512, HmacAlgorithm::sha1,
                 HmacAlgorithm::md5}) {
    const AuthKey key{7, a, "secret-" + std::string(config::to_string(a))};
    const AuthKeys keys{7, {AuthKey{1, HmacAlgorithm::sha256, "other"}, key}};
    for (const char* name : {"a", "director-1.example.net",
                             "0123456789012345678901234567890123456789012345678901234567890123"}) {
      for (std::uint8_t version : {2, 3}) {
        Heartbeat hb;
        hb.version = version;
        hb.node = name;
        hb.generation = 0xfedcba9876543210;
        hb.sequence = 0xffffffffffffffff;
        hb.ack_generation = 0;
        hb.role = Role::standby;
        hb.priority = 0xffff;
        hb.flags = flag::known;
        if (version == 3) {
          hb.digest = {0xfedcba9876543210, 1, 0};
          hb.groups = {{"default", hb.role, hb.flags}};
        }
        const Bytes p = encode_heartbeat(hb, key);
        // Version 3: 24 digest bytes, the group count and one 11-byte entry more.
        EXPECT_EQ(p.size(), (version == 2 ? 38 : 38 + 24 + 1 + 11) + hb.node.size() + tag_size(a));
        auto decoded = decode_heartbeat(p, keys);
        ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded))
            << config::to_string(a) << " " << name << " version " << int(version) << ": "
            << to_string(std::get<Reject>(decoded));
        EXPECT_EQ(std::get<Heartbeat>(decoded), hb);
      }
    }
  }
}

TEST(HeartbeatCodec, RoundTripEveryRole) {
  const AuthKey key{1, HmacAlgorithm::sha256, "s"};
  const AuthKeys keys{1, {key}};
  for (Role r : {Role::init, Role::backup, Role::active, Role::standby, Role::fault}) {
    Heartbeat hb;
    hb.node = "n";
    hb.generation = 9;
    hb.role = r;
    hb.groups = {{"default", r, 0}, {"other", r, 0}};
    auto decoded = decode_heartbeat(encode_heartbeat(hb, key), keys);
    ASSERT_TRUE(std::holds_alternative<Heartbeat>(decoded)) << to_string(r);
    EXPECT_EQ(std::get<Heartbeat>(decoded).role, r);
    EXPECT_EQ(std::get<Heartbeat>(decoded).groups, hb.groups) << to_string(r);
  }
}

TEST(HeartbeatCodec, TruncatedAtEveryLength) {
  for (auto a : {HmacAlgorithm::sha256, HmacAlgorithm::sha512, HmacAlgorithm::sha1,
                 HmacAlgorithm::md5}) {
    const AuthKey key{2, a, "k"};
    const AuthKeys keys{2, {key}};
    for (std::uint8_t version : {1, 2, 3}) {
      Heartbeat hb;
      hb.version = version;
      hb.node = "d2";
      hb.generation = 5;
      // Version 3: a cut anywhere in the group list too.
      hb.groups = {{"web", Role::active, 0}, {"mail", Role::backup, flag::hold_off}};
      const Bytes p = encode_heartbeat(hb, key);
      for (std::size_t n = 0; n < p.size(); ++n) {
        auto decoded = decode_heartbeat(std::span(p.data(), n), keys);
        ASSERT_TRUE(std::holds_alternative<Reject>(decoded)) << n;
        EXPECT_EQ(std::get<Reject>(decoded), Reject::truncated)
            << config::to_string(a) << " version " << int(version) << " length " << n
            << " gave " << to_string(std::get<Reject>(decoded));
      }
    }
  }
}

TEST(HeartbeatCodec, RejectNames) {
  const std::vector<std::pair<Reject, std::string_view>> names{
      {Reject::truncated, "truncated"},
      {Reject::bad_magic, "bad_magic"},
      {Reject::bad_version, "bad_version"},
      {Reject::malformed, "malformed"},
      {Reject::unknown_key, "unknown_key"},
      {Reject::bad_hmac, "bad_hmac"},
      {Reject::unknown_node, "unknown_node"},
      {Reject::own_packet, "own_packet"},
      {Reject::old_generation, "old_generation"},
      {Reject::unverified_generation, "unverified_generation"},
      {Reject::replayed, "replayed"},
  };
  ASSERT_EQ(names.size(), reject_reason_count);
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(names[i].first), i);
    EXPECT_EQ(to_string(names[i].first), names[i].second);
  }
}

TEST(HeartbeatCodec, RoleNamesAndWireValues) {
  EXPECT_EQ(to_string(Role::init), "init");
  EXPECT_EQ(to_string(Role::backup), "backup");
  EXPECT_EQ(to_string(Role::active), "active");
  EXPECT_EQ(to_string(Role::standby), "standby");
  EXPECT_EQ(to_string(Role::fault), "fault");
  for (int v = 0; v < 256; ++v) {
    auto r = role_from_wire(static_cast<std::uint8_t>(v));
    EXPECT_EQ(r.has_value(), v <= 4) << v;
    if (r) {
      EXPECT_EQ(static_cast<int>(*r), v);
    }
  }
}

// ------------------------------------------------------ every reject reason

constexpr std::uint64_t own_gen = 1000;
constexpr std::uint64_t peer_gen = 500;

const AuthKeys& test_keys() {
  static const AuthKeys keys{1,
                             {AuthKey{1, HmacAlgorithm::sha256, "alpha"},
                              AuthKey{2, HmacAlgorithm::sha512, "beta"}}};
  return keys;
}
const AuthKey& key1() { return test_keys().keys[0]; }

Heartbeat peer(std::uint64_t generation, std::uint64_t sequence, std::uint64_t ack = own_gen) {
  Heartbeat hb;
  hb.node = "d2";
  hb.generation = generation;
  hb.sequence = sequence;
  hb.ack_generation = ack;
  hb.role = Role::active;
  hb.priority = 100;
  hb.version = 1;  // the byte offsets of the reject cases below are version 1's
  return hb;
}

// The signed part of a packet (everything before the tag).
Bytes body(const Heartbeat& hb, const AuthKey& key = key1()) {
  Bytes p = encode_heartbeat(hb, key);
  p.resize(p.size() - tag_size(key.algorithm));
  return p;
}

Bytes sign(Bytes b, const AuthKey& key = key1()) {
  const Bytes tag = hmac(key.algorithm, key.secret, b);
  b.insert(b.end(), tag.begin(), tag.end());
  return b;
}

Bytes packet(const Heartbeat& hb) { return encode_heartbeat(hb, key1()); }

// Re-signs after changing one header byte, so only that field is wrong.
Bytes with_byte(std::size_t at, std::uint8_t value) {
  Bytes b = body(peer(peer_gen, 1));
  b[at] = value;
  return sign(b);
}

Bytes with_name_length(std::size_t length) {
  Bytes b = body(peer(peer_gen, 1));
  b.resize(35);
  b.push_back(static_cast<std::uint8_t>(length));
  b.insert(b.end(), length, 'x');
  return sign(b);
}

// Version 3: the peer with two groups, and its bytes up to the group list.
Heartbeat peer_v3(std::uint64_t generation, std::uint64_t sequence, std::uint64_t ack = own_gen) {
  Heartbeat hb = peer(generation, sequence, ack);
  hb.version = 3;
  hb.digest = {0x0a, 0x0b, 0x0c};
  hb.groups = {{"web", hb.role, hb.flags}, {"mail", Role::backup, 0}};
  return hb;
}
constexpr std::size_t v3_group_list_at = 62 + 2;  // the header and "d2"

// One group entry as on the wire: name length, name, role, flags.
Bytes entry(const std::string& name, std::uint8_t role = 2, std::uint16_t flags = 0) {
  Bytes e{static_cast<std::uint8_t>(name.size())};
  for (char c : name) e.push_back(static_cast<std::uint8_t>(c));
  e.push_back(role);
  e.push_back(static_cast<std::uint8_t>(flags >> 8));
  e.push_back(static_cast<std::uint8_t>(flags));
  return e;
}

// A signed version 3 packet with `count` and the given entries as its group
// list, so only the group list is wrong.
Bytes with_groups(std::uint8_t count, const std::vector<Bytes>& entries) {
  Bytes b = body(peer_v3(peer_gen, 1));
  b.resize(v3_group_list_at);
  b.push_back(count);
  for (const Bytes& e : entries) b.insert(b.end(), e.begin(), e.end());
  return sign(b);
}
// The same without a tag.
Bytes with_groups_unsigned(std::uint8_t count, const std::vector<Bytes>& entries) {
  Bytes p = with_groups(count, entries);
  p.resize(p.size() - tag_size(key1().algorithm));
  return p;
}

// The first `n` bytes of a version 3 packet (no tag).
Bytes v3_cut_at(std::size_t n) {
  Bytes b = body(peer_v3(peer_gen, 1));
  b.resize(n);
  return b;
}

struct RejectCase {
  const char* description;
  std::vector<Heartbeat> before;  // accepted first, to set up the replay guard
  std::function<Bytes()> make;
  Reject expected;
};

std::vector<RejectCase> reject_cases() {
  const Heartbeat accepted = peer(peer_gen, 7);
  return {
      {"empty datagram", {}, [] { return Bytes{}; }, Reject::truncated},
      {"only the magic", {}, [] { return bytes_of("TNDM"); }, Reject::truncated},
      {"header cut inside the generation", {},
       [] {
         Bytes p = packet(peer(peer_gen, 1));
         p.resize(15);
         return p;
       },
       Reject::truncated},
      {"name length points past the end of the datagram", {},
       [] {
         Bytes b = body(peer(peer_gen, 1));
         b[35] = 60;  // only 2 name bytes follow
         return b;
       },
       Reject::truncated},
      {"tag one byte short", {},
       [] {
         Bytes p = packet(peer(peer_gen, 1));
         p.pop_back();
         return p;
       },
       Reject::truncated},
      {"tag of md5 size under a sha256 key id", {},
       [] { return sign(body(peer(peer_gen, 1)), AuthKey{1, HmacAlgorithm::md5, "alpha"}); },
       Reject::truncated},
      {"version 3 header cut inside the digest", {}, [] { return v3_cut_at(50); },
       Reject::truncated},
      {"version 3 ends before the group count", {}, [] { return v3_cut_at(v3_group_list_at); },
       Reject::truncated},
      {"version 3 ends after the group count", {},
       [] { return v3_cut_at(v3_group_list_at + 1); }, Reject::truncated},
      {"version 3 ends inside the first entry's name", {},
       [] { return v3_cut_at(v3_group_list_at + 3); }, Reject::truncated},
      {"version 3 ends inside the first entry's flags", {},
       [] { return v3_cut_at(v3_group_list_at + 1 + 6); }, Reject::truncated},
      {"version 3 ends between the entries", {},
       [] { return v3_cut_at(v3_group_list_at + 1 + 7); }, Reject::truncated},
      {"version 3 ends after the last entry (no tag)", {},
       [] { return v3_cut_at(v3_group_list_at + 1 + 7 + 8); }, Reject::truncated},
      {"version 3 tag one byte short", {},
       [] {
         Bytes p = packet(peer_v3(peer_gen, 1));
         p.pop_back();
         return p;
       },
       Reject::truncated},
      {"version 3 group count 3 with 2 entries", {},
       [] { return with_groups_unsigned(3, {entry("web"), entry("mail")}); }, Reject::truncated},
      {"first byte of the magic wrong", {}, [] { return with_byte(0, 'X'); }, Reject::bad_magic},
      {"last byte of the magic wrong", {}, [] { return with_byte(3, 'm'); }, Reject::bad_magic},
      {"two-byte foreign datagram", {}, [] { return bytes_of("TX"); }, Reject::bad_magic},
      {"heartbeat v1 text packet", {}, [] { return bytes_of(">>>\nt=status\n<<<\n"); },
       Reject::bad_magic},
      {"version 0", {}, [] { return with_byte(4, 0); }, Reject::bad_version},
      {"version 5", {}, [] { return with_byte(4, 5); }, Reject::bad_version},
      {"version 2 with an unknown flag bit 0x0080", {},
       [] {
         Heartbeat hb = peer(peer_gen, 1);
         hb.version = 2;
         Bytes b = body(hb);
         b[6] = 0x80;
         return sign(b);
       },
       Reject::malformed},
      {"role 5 (one past fault)", {}, [] { return with_byte(8, 5); }, Reject::malformed},
      {"role 255", {}, [] { return with_byte(8, 255); }, Reject::malformed},
      {"name length 0", {}, [] { return with_name_length(0); }, Reject::malformed},
      {"name length 65", {}, [] { return with_name_length(65); }, Reject::malformed},
      {"name length 255", {}, [] { return with_name_length(255); }, Reject::malformed},
      {"unknown flag bit 0x0020", {}, [] { return with_byte(6, 0x20); }, Reject::malformed},
      {"unknown flag bit 0x8000", {}, [] { return with_byte(5, 0x80); }, Reject::malformed},
      {"generation 0", {},
       [] { return sign(body(peer(0, 1))); }, Reject::malformed},
      {"version 3 with an unknown header flag bit 0x0200", {},
       [] {
         Bytes b = body(peer_v3(peer_gen, 1));
         b[5] = 0x02;
         return sign(b);
       },
       Reject::malformed},
      {"version 3 group count 0", {}, [] { return with_groups(0, {}); }, Reject::malformed},
      {"version 3 group count 17", {},
       [] {
         std::vector<Bytes> entries;
         for (int i = 0; i < 17; ++i) entries.push_back(entry("g" + std::to_string(i)));
         return with_groups(17, entries);
       },
       Reject::malformed},
      {"version 3 group count 255", {}, [] { return with_groups(255, {entry("web")}); },
       Reject::malformed},
      {"version 3 entry name length 0", {},
       [] { return with_groups(1, {entry("")}); }, Reject::malformed},
      {"version 3 entry name length 33", {},
       [] { return with_groups(1, {entry(std::string(33, 'g'))}); }, Reject::malformed},
      {"version 3 second entry name length 255", {},
       [] { return with_groups(2, {entry("web"), Bytes{255}}); }, Reject::malformed},
      {"version 3 entry role 5 (one past fault)", {},
       [] { return with_groups(1, {entry("web", 5)}); }, Reject::malformed},
      {"version 3 second entry role 255", {},
       [] { return with_groups(2, {entry("web"), entry("mail", 255)}); }, Reject::malformed},
      {"version 3 entry with an unknown flag bit 0x0200", {},
       [] { return with_groups(1, {entry("web", 2, 0x0200)}); }, Reject::malformed},
      {"version 3 second entry with an unknown flag bit 0x8000", {},
       [] { return with_groups(2, {entry("web"), entry("mail", 1, 0x8000)}); },
       Reject::malformed},
      {"version 3 two entries with the same name", {},
       [] { return with_groups(2, {entry("web", 2), entry("web", 1)}); }, Reject::malformed},
      {"version 3 same name as the first entry, not adjacent", {},
       [] { return with_groups(3, {entry("web"), entry("mail"), entry("web")}); },
       Reject::malformed},
      {"version 3 one byte between the group list and the tag", {},
       [] {
         Bytes b = body(peer_v3(peer_gen, 1));
         b.push_back(0);
         return sign(b);
       },
       Reject::malformed},
      {"one trailing byte after the tag", {},
       [] {
         Bytes p = packet(peer(peer_gen, 1));
         p.push_back(0);
         return p;
       },
       Reject::malformed},
      {"version 3 one trailing byte after the tag", {},
       [] {
         Bytes p = packet(peer_v3(peer_gen, 1));
         p.push_back(0);
         return p;
       },
       Reject::malformed},
      {"sha512-size tag under a sha256 key id", {},
       [] { return sign(body(peer(peer_gen, 1)), AuthKey{1, HmacAlgorithm::sha512, "alpha"}); },
       Reject::malformed},
      {"key id 3 not in authkeys", {},
       [] { return encode_heartbeat(peer(peer_gen, 1), AuthKey{3, HmacAlgorithm::sha256, "alpha"}); },
       Reject::unknown_key},
      {"key id 0", {},
       [] { return encode_heartbeat(peer(peer_gen, 1), AuthKey{0, HmacAlgorithm::sha256, "alpha"}); },
       Reject::unknown_key},
      {"one bit flipped in the body (sequence)", {},
       [] {
         Bytes p = packet(peer(peer_gen, 1));
         p[26] ^= 0x01;
         return p;
       },
       Reject::bad_hmac},
      {"one bit flipped in the node name", {},
       [] {
         Bytes p = packet(peer(peer_gen, 1));
         p[37] ^= 0x04;
         return p;
       },
       Reject::bad_hmac},
      {"version 3 one bit flipped in the digest", {},
       [] {
         Bytes p = packet(peer_v3(peer_gen, 1));
         p[60] ^= 0x01;
         return p;
       },
       Reject::bad_hmac},
      {"version 3 one bit flipped in a group's role", {},
       [] {
         Bytes p = packet(peer_v3(peer_gen, 1));
         p[v3_group_list_at + 1 + 4] ^= 0x01;  // web: active (2) -> standby (3)
         return p;
       },
       Reject::bad_hmac},
      {"version 3 one bit flipped in a group's name", {},
       [] {
         Bytes p = packet(peer_v3(peer_gen, 1));
         p[v3_group_list_at + 1 + 7 + 1] ^= 0x20;  // "mail" -> "Mail"
         return p;
       },
       Reject::bad_hmac},
      {"one bit flipped in the tag", {},
       [] {
         Bytes p = packet(peer(peer_gen, 1));
         p.back() ^= 0x80;
         return p;
       },
       Reject::bad_hmac},
      {"right key id, wrong secret", {},
       [] { return encode_heartbeat(peer(peer_gen, 1), AuthKey{1, HmacAlgorithm::sha256, "alphA"}); },
       Reject::bad_hmac},
      {"key id 2 (sha512) with the wrong secret", {},
       [] { return encode_heartbeat(peer(peer_gen, 1), AuthKey{2, HmacAlgorithm::sha512, "alpha"}); },
       Reject::bad_hmac},
      {"our own name (multicast loop)", {},
       [] {
         Heartbeat hb = peer(peer_gen, 1);
         hb.node = "d1";
         return packet(hb);
       },
       Reject::own_packet},
      {"a third node", {},
       [] {
         Heartbeat hb = peer(peer_gen, 1);
         hb.node = "d3";
         return packet(hb);
       },
       Reject::unknown_node},
      {"peer name as a prefix", {},
       [] {
         Heartbeat hb = peer(peer_gen, 1);
         hb.node = "d";
         return packet(hb);
       },
       Reject::unknown_node},
      {"generation older than the verified one", {accepted},
       [] { return packet(peer(peer_gen - 1, 100)); }, Reject::old_generation},
      {"first packet does not acknowledge us (ack 0)", {},
       [] { return packet(peer(peer_gen, 1, 0)); }, Reject::unverified_generation},
      {"recorded before our start (acks our previous generation)", {},
       [] { return packet(peer(peer_gen, 1, own_gen - 1)); }, Reject::unverified_generation},
      {"newer generation that does not acknowledge us yet", {accepted},
       [] { return packet(peer(peer_gen + 1, 1, 0)); }, Reject::unverified_generation},
      {"same sequence again", {accepted}, [] { return packet(peer(peer_gen, 7)); },
       Reject::replayed},
      {"lower sequence", {accepted}, [] { return packet(peer(peer_gen, 6)); },
       Reject::replayed},
      {"sequence 0 after 7, acking us", {accepted}, [] { return packet(peer(peer_gen, 0)); },
       Reject::replayed},
  };
}

TEST(HeartbeatReceiver, EveryRejectReason) {
  std::array<bool, reject_reason_count> covered{};
  for (const auto& c : reject_cases()) {
    SCOPED_TRACE(c.description);
    HeartbeatReceiver rx("d1", "d2", own_gen);
    for (const Heartbeat& hb : c.before)
      ASSERT_TRUE(std::holds_alternative<Heartbeat>(rx.receive(packet(hb), test_keys())));
    const std::uint64_t accepted_before = rx.accepted();
    const Bytes p = c.make();
    auto result = rx.receive(p, test_keys());
    ASSERT_TRUE(std::holds_alternative<Reject>(result)) << "was accepted";
    EXPECT_EQ(to_string(std::get<Reject>(result)), to_string(c.expected));
    for (std::size_t i = 0; i < reject_reason_count; ++i)
      EXPECT_EQ(rx.rejected()[i], i == static_cast<std::size_t>(c.expected) ? 1u : 0u)
          << "counter " << to_string(static_cast<Reject>(i));
    EXPECT_EQ(rx.accepted(), accepted_before);
    covered[static_cast<std::size_t>(c.expected)] = true;
  }
  for (std::size_t i = 0; i < reject_reason_count; ++i)
    EXPECT_TRUE(covered[i]) << "no case for " << to_string(static_cast<Reject>(i));
}

// ------------------------------------------------------------ accepted paths

TEST(HeartbeatReceiver, LearnsTheVersionOfAnAuthenticatedPacketBeforeItIsVerified) {
  HeartbeatReceiver rx("d1", "d2", own_gen);
  EXPECT_FALSE(rx.peer_version());
  Heartbeat hb = peer(peer_gen, 1, /*ack=*/0);  // a version 1 peer that has not heard us
  auto r = rx.receive(packet(hb), test_keys());
  ASSERT_TRUE(std::holds_alternative<Reject>(r));
  EXPECT_EQ(std::get<Reject>(r), Reject::unverified_generation);
  EXPECT_EQ(rx.peer_version(), 1);
  hb.version = 2;
  hb.sequence = 2;
  rx.receive(packet(hb), test_keys());
  EXPECT_EQ(rx.peer_version(), 2);
  // Nothing is learnt from a packet that does not authenticate.
  Bytes bad = packet(peer(peer_gen, 3));
  bad.back() ^= 1;
  rx.receive(bad, test_keys());
  EXPECT_EQ(rx.peer_version(), 2);
}

TEST(HeartbeatReceiver, AcceptsVersion3WithItsDigestAndGroups) {
  HeartbeatReceiver rx("d1", "d2", own_gen);
  const Heartbeat hb = peer_v3(peer_gen, 1);
  auto r = rx.receive(packet(hb), test_keys());
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(r)) << to_string(std::get<Reject>(r));
  EXPECT_EQ(std::get<Heartbeat>(r), hb);
  EXPECT_EQ(std::get<Heartbeat>(r).digest, (config::ConfigDigest{0x0a, 0x0b, 0x0c}));
  ASSERT_EQ(std::get<Heartbeat>(r).groups.size(), 2u);
  EXPECT_EQ(std::get<Heartbeat>(r).groups[1], (GroupRole{"mail", Role::backup, 0}));
  EXPECT_EQ(rx.peer_version(), 3);
}

TEST(HeartbeatReceiver, GenerationHandshake) {
  HeartbeatReceiver rx("d1", "d2", own_gen);
  EXPECT_EQ(rx.guard().ack_generation(), 0u);

  // The peer has not heard us yet: we learn its generation but do not trust it.
  auto r = rx.receive(packet(peer(peer_gen, 1, 0)), test_keys());
  ASSERT_TRUE(std::holds_alternative<Reject>(r));
  EXPECT_EQ(std::get<Reject>(r), Reject::unverified_generation);
  EXPECT_EQ(rx.guard().ack_generation(), peer_gen) << "we acknowledge what we saw";
  EXPECT_EQ(rx.guard().peer_generation(), 0u);

  // Once it echoes our generation, the generation is verified.
  r = rx.receive(packet(peer(peer_gen, 2)), test_keys());
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(r));
  EXPECT_EQ(std::get<Heartbeat>(r), peer(peer_gen, 2));
  EXPECT_EQ(rx.guard().peer_generation(), peer_gen);

  // Later packets of the same generation only need an increasing sequence.
  r = rx.receive(packet(peer(peer_gen, 3, 0)), test_keys());
  EXPECT_TRUE(std::holds_alternative<Heartbeat>(r));
  r = rx.receive(packet(peer(peer_gen, 10)), test_keys());
  EXPECT_TRUE(std::holds_alternative<Heartbeat>(r));
  EXPECT_EQ(rx.accepted(), 3u);
  EXPECT_EQ(rx.rejected()[static_cast<std::size_t>(Reject::unverified_generation)], 1u);
}

TEST(HeartbeatReceiver, PeerRestartWithNewerGeneration) {
  HeartbeatReceiver rx("d1", "d2", own_gen);
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(rx.receive(packet(peer(peer_gen, 50)), test_keys())));

  // The peer restarts: new generation, sequence from 1, does not know us yet.
  const std::uint64_t restarted = peer_gen + 77;
  auto r = rx.receive(packet(peer(restarted, 1, 0)), test_keys());
  ASSERT_TRUE(std::holds_alternative<Reject>(r));
  EXPECT_EQ(std::get<Reject>(r), Reject::unverified_generation);
  EXPECT_EQ(rx.guard().ack_generation(), restarted);
  EXPECT_EQ(rx.guard().peer_generation(), peer_gen) << "still trusting the old one";

  r = rx.receive(packet(peer(restarted, 2)), test_keys());
  ASSERT_TRUE(std::holds_alternative<Heartbeat>(r));
  EXPECT_EQ(rx.guard().peer_generation(), restarted);

  // Packets of the previous incarnation are now old.
  r = rx.receive(packet(peer(peer_gen, 51)), test_keys());
  ASSERT_TRUE(std::holds_alternative<Reject>(r));
  EXPECT_EQ(std::get<Reject>(r), Reject::old_generation);
  EXPECT_EQ(rx.accepted(), 2u);
}

TEST(HeartbeatReceiver, CountersRise) {
  HeartbeatReceiver rx("d1", "d2", own_gen);
  for (std::uint64_t s = 1; s <= 5; ++s)
    EXPECT_TRUE(std::holds_alternative<Heartbeat>(rx.receive(packet(peer(peer_gen, s)), test_keys())));
  for (int i = 0; i < 3; ++i) rx.receive(packet(peer(peer_gen, 5)), test_keys());
  rx.receive(bytes_of("garbage"), test_keys());
  rx.receive(bytes_of("TNDM"), test_keys());
  rx.receive(bytes_of("TNDM"), test_keys());
  EXPECT_EQ(rx.accepted(), 5u);
  EXPECT_EQ(rx.rejected()[static_cast<std::size_t>(Reject::replayed)], 3u);
  EXPECT_EQ(rx.rejected()[static_cast<std::size_t>(Reject::bad_magic)], 1u);
  EXPECT_EQ(rx.rejected()[static_cast<std::size_t>(Reject::truncated)], 2u);
}

TEST(HeartbeatReceiver, RenamedPeer) {
  HeartbeatReceiver rx("d1", "old", own_gen);
  auto r = rx.receive(packet(peer(peer_gen, 1)), test_keys());
  ASSERT_TRUE(std::holds_alternative<Reject>(r));
  EXPECT_EQ(std::get<Reject>(r), Reject::unknown_node);
  rx.set_peer_name("d2");
  EXPECT_TRUE(std::holds_alternative<Heartbeat>(rx.receive(packet(peer(peer_gen, 2)), test_keys())));
}

TEST(HeartbeatReceiver, KeyRotationAcceptsEveryConfiguredKey) {
  HeartbeatReceiver rx("d1", "d2", own_gen);
  const AuthKey& key2 = test_keys().keys[1];
  EXPECT_TRUE(std::holds_alternative<Heartbeat>(rx.receive(packet(peer(peer_gen, 1)), test_keys())));
  EXPECT_TRUE(std::holds_alternative<Heartbeat>(
      rx.receive(encode_heartbeat(peer(peer_gen, 2), key2), test_keys())));
}

// ---------------------------------------------------------- ReplayGuard only

TEST(ReplayGuard, Semantics) {
  ReplayGuard g(own_gen);
  EXPECT_EQ(g.own_generation(), own_gen);
  EXPECT_EQ(g.admit(peer(10, 1, 0)), Reject::unverified_generation);
  EXPECT_EQ(g.admit(peer(12, 1, 0)), Reject::unverified_generation);
  EXPECT_EQ(g.ack_generation(), 12u);
  EXPECT_EQ(g.admit(peer(11, 1, 0)), Reject::unverified_generation);
  EXPECT_EQ(g.ack_generation(), 12u) << "never goes down";
  EXPECT_EQ(g.admit(peer(12, 5)), std::nullopt);
  EXPECT_EQ(g.peer_generation(), 12u);
  EXPECT_EQ(g.admit(peer(12, 5)), Reject::replayed);
  EXPECT_EQ(g.admit(peer(12, 6)), std::nullopt);
  EXPECT_EQ(g.admit(peer(11, 99)), Reject::old_generation);
  EXPECT_EQ(g.admit(peer(0, 99)), Reject::malformed) << "generation 0 is never admitted";
  EXPECT_EQ(g.admit(peer(13, 1, own_gen + 1)), Reject::unverified_generation);
  EXPECT_EQ(g.ack_generation(), 13u);
  EXPECT_EQ(g.admit(peer(12, 7)), std::nullopt) << "verified generation still current";
}

}  // namespace
}  // namespace tandem::failover
