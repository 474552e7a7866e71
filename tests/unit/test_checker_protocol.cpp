#include <gtest/gtest.h>

#include "daemon/checker_protocol.hpp"

namespace tandem::daemon::checker {
namespace {

std::vector<Message> samples() {
  return {Configure{7, "/etc/tandem/tandem.toml", "[node]\nname = \"d1\"\n"},
          Configured{7, false, "line 3: bad\nline 9: worse"},
          SetSync{true},
          SetSync{true, true},
          Forward{true},
          Forward{true, "web"},
          ForwardApplied{false, "mail"},
          Ping{1ull << 40},
          Pong{3, 12345},
          Snapshot{2000, 1999, 123456789012ull, "virtual servers:\n", "\"virtual_servers\":[]"},
          Stop{},
          Publish{"tandem_peer_alive 1\n", "<section>d1</section>", "1700000000000\trole\tinit -> active\n"},
          Resolve{9, "10.0.0.100:80", "10.0.0.11"},
          Resolved{9, true, "", "tcp 10.0.0.100 80", "10.0.0.11 80", true, 0, 3, 4, 1, 1200},
          Resolved{10, false, "no real server 10.0.0.13 in TCP 10.0.0.100:80", "", "", false, -1, 0, 0, 0, 0},
          SetMaintenance{"tandem-maintenance 1\nstamp 0\n"},
          Plan{11, "/etc/tandem/tandem.toml", "[cluster]\n"},
          Planned{11, true, "ipvs: NEW dest 10.0.0.13:80 dr weight 1 in TCP 10.0.0.100:80\n"}};
}

TEST(CheckerProtocol, EveryMessageSurvivesARoundTrip) {
  for (const auto& m : samples()) {
    auto bytes = encode(m);
    auto d = decode(bytes);
    ASSERT_TRUE(d.error.empty()) << name(m) << ": " << d.error;
    ASSERT_TRUE(d.message) << name(m);
    EXPECT_EQ(*d.message, m) << name(m);
    EXPECT_EQ(d.consumed, bytes.size());
  }
}

TEST(CheckerProtocol, FramesAreReadOneAfterAnotherFromAStream) {
  std::vector<std::uint8_t> stream;
  for (const auto& m : samples()) {
    auto b = encode(m);
    stream.insert(stream.end(), b.begin(), b.end());
  }
  std::span<const std::uint8_t> rest(stream);
  std::size_t n = 0;
  while (!rest.empty()) {
    auto d = decode(rest);
    ASSERT_TRUE(d.message);
    EXPECT_EQ(*d.message, samples()[n]);
    rest = rest.subspan(d.consumed);
    ++n;
  }
  EXPECT_EQ(n, samples().size());
}

TEST(CheckerProtocol, APartialFrameWaitsForMore) {
  auto bytes = encode(Configure{1, "p", "some text"});
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    auto d = decode(std::span<const std::uint8_t>(bytes).first(cut));
    EXPECT_FALSE(d.message) << cut;
    EXPECT_TRUE(d.error.empty()) << cut << ": " << d.error;
    EXPECT_EQ(d.consumed, 0u);
  }
}

TEST(CheckerProtocol, BadFramesAreErrors) {
  auto bytes = encode(Ping{1});
  auto with = [&](std::size_t at, std::uint8_t v) {
    auto b = bytes;
    b[at] = v;
    return decode(b);
  };
  EXPECT_NE(with(4, kVersion - 1).error.find("protocol version " + std::to_string(kVersion - 1)),
            std::string::npos);  // an older version
  EXPECT_NE(with(4, kVersion + 1).error.find("protocol version " + std::to_string(kVersion + 1)),
            std::string::npos);  // a newer one
  EXPECT_NE(with(5, 0).error.find("unknown message type 0"), std::string::npos);
  EXPECT_NE(with(5, 200).error.find("unknown message type 200"), std::string::npos);
  // A length the message does not fill, or overfills.
  auto shorter = bytes;
  shorter.pop_back();
  shorter[3] = static_cast<std::uint8_t>(shorter[3] - 1);
  EXPECT_EQ(decode(shorter).error, "malformed Ping message");
  auto longer = bytes;
  longer.push_back(0);
  longer[3] = static_cast<std::uint8_t>(longer[3] + 1);
  EXPECT_EQ(decode(longer).error, "malformed Ping message");
  // A boolean is 0 or 1.
  auto b = encode(SetSync{true, false});
  b.back() = 2;
  EXPECT_EQ(decode(b).error, "malformed SetSync message");
  // A string longer than its frame.
  auto c = encode(Configure{1, "ab", ""});
  c[4 + 2 + 8 + 3] = 0x7f;
  EXPECT_EQ(decode(c).error, "malformed Configure message");
}

TEST(CheckerProtocol, LengthsOutOfRangeAreErrorsBeforeAnyWait) {
  std::vector<std::uint8_t> huge = {0xff, 0xff, 0xff, 0xff};
  EXPECT_NE(decode(huge).error.find("out of range"), std::string::npos);
  std::vector<std::uint8_t> tiny = {0, 0, 0, 1, kVersion};
  EXPECT_NE(decode(tiny).error.find("out of range"), std::string::npos);
}

}  // namespace
}  // namespace tandem::daemon::checker
