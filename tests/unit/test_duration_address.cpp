// Durations with units, IP addresses and prefixes, and the diagnostic format
// (SPEC "Configuration (TOML)").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/address.hpp"
#include "config/duration.hpp"
#include "config/error.hpp"

namespace tandem::config {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------- durations

struct GoodDuration {
  const char* description;
  const char* text;
  Duration expected;
};

TEST(DurationTest, AcceptsNumbersWithUnits) {
  const std::vector<GoodDuration> cases = {
      {"milliseconds", "200ms", 200ms},
      {"seconds", "2s", 2s},
      {"minutes", "1m", 1min},
      {"hours", "1h", 1h},
      {"microseconds that make whole milliseconds", "1000us", 1ms},
      {"zero needs a unit too", "0s", 0ms},
      {"a fraction of a second", "1.5s", 1500ms},
      {"a fraction below one", "0.25s", 250ms},
      {"a fraction of a minute", "0.5m", 30s},
      {"a fraction of an hour", "1.25h", 75min},
      {"trailing zeros in the fraction", "1.500s", 1500ms},
      {"leading zeros", "007ms", 7ms},
      {"a millisecond fraction that is whole", "2.0ms", 2ms},
      {"a long but exact fraction", "0.001000000000000000000s", 1ms},
      {"a large value", "8760h", 8760h},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto parsed = parse_duration(c.text);
    ASSERT_TRUE(parsed.value) << c.text << ": " << parsed.error;
    EXPECT_EQ(*parsed.value, c.expected) << c.text;
    EXPECT_TRUE(parsed.error.empty());
  }
}

struct BadDuration {
  const char* description;
  const char* text;
  const char* message_part;
};

TEST(DurationTest, RejectsWithAReason) {
  const std::vector<BadDuration> cases = {
      {"empty", "", "empty duration"},
      {"a bare number", "200", "has no unit"},
      {"a bare zero", "0", "has no unit"},
      {"negative", "-1s", "negative"},
      {"a plus sign", "+1s", "not a duration"},
      {"a unit alone", "ms", "not a duration"},
      {"an unknown unit", "2sec", "unknown unit \"sec\""},
      {"an upper-case unit", "2S", "unknown unit \"S\""},
      {"days are not a unit", "1d", "unknown unit \"d\""},
      {"a space between number and unit", "200 ms", "must not contain spaces"},
      {"a trailing space", "200ms ", "must not contain spaces"},
      {"a fraction without digits", "1.s", "digits after the decimal point"},
      {"a fraction without a whole part", ".5s", "not a duration"},
      {"an exponent", "1e3ms", "unknown unit"},
      {"two units", "1s500ms", "unknown unit"},
      {"a sub-millisecond fraction", "1.5ms", "sub-millisecond"},
      {"microseconds that leave a remainder", "1500us", "sub-millisecond"},
      {"a tiny fraction of a second", "1.0005s", "sub-millisecond"},
      {"a very long fraction", "0.0000000000000000000001s", "sub-millisecond"},
      {"too large", "99999999999999999h", "too large"},
      {"just too large for nanoseconds", "9223372036855ms", "too large"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto parsed = parse_duration(c.text);
    EXPECT_FALSE(parsed.value) << c.text;
    EXPECT_NE(parsed.error.find(c.message_part), std::string::npos)
        << c.text << " gave: " << parsed.error;
  }
}

TEST(DurationTest, LargestAcceptedValueFitsNanoseconds) {
  const auto parsed = parse_duration("9223372036854ms");
  ASSERT_TRUE(parsed.value) << parsed.error;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(*parsed.value);
  EXPECT_GT(ns.count(), 0);
}

struct FormattedDuration {
  const char* description;
  Duration value;
  const char* expected;
};

TEST(DurationTest, FormatsTheShortestExactForm) {
  const std::vector<FormattedDuration> cases = {
      {"zero", 0ms, "0s"},
      {"below a second", 200ms, "200ms"},
      {"one millisecond", 1ms, "1ms"},
      {"whole seconds", 2s, "2s"},
      {"seconds with a fraction", 1500ms, "1.5s"},
      {"a fraction with a leading zero", 1001ms, "1.001s"},
      {"a fraction of two digits", 1250ms, "1.25s"},
      {"whole minutes", 2min, "2m"},
      {"minutes that are not whole stay seconds", 90s, "90s"},
      {"whole hours", 3h, "3h"},
      {"negative", -1500ms, "-1.5s"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    EXPECT_EQ(format_duration(c.value), c.expected);
  }
}

TEST(DurationTest, FormatAndParseRoundTrip) {
  for (long ms : {0L, 1L, 7L, 200L, 999L, 1000L, 1001L, 1500L, 59999L, 60000L, 90000L,
                  3599999L, 3600000L, 86400000L, 123456789L}) {
    const Duration d{ms};
    const auto parsed = parse_duration(format_duration(d));
    ASSERT_TRUE(parsed.value) << format_duration(d) << ": " << parsed.error;
    EXPECT_EQ(*parsed.value, d) << format_duration(d);
  }
}

// ---------------------------------------------------------------- addresses

struct AddressCase {
  const char* description;
  std::string text;
  bool valid;
  int family;
  const char* printed;  // str() of a valid address
};

TEST(AddressTest, ParsesIpv4AndIpv6) {
  const std::vector<AddressCase> cases = {
      {"IPv4", "10.0.0.2", true, 4, "10.0.0.2"},
      {"IPv4 zero", "0.0.0.0", true, 4, "0.0.0.0"},
      {"IPv6 compressed", "2001:db8::1", true, 6, "2001:db8::1"},
      {"IPv6 written long is printed short", "2001:0db8:0000:0000:0000:0000:0000:0001", true, 6,
       "2001:db8::1"},
      {"IPv6 loopback", "::1", true, 6, "::1"},
      {"IPv4-mapped IPv6", "::ffff:10.0.0.1", true, 6, "::ffff:10.0.0.1"},
      {"empty", "", false, 0, ""},
      {"an octet above 255", "10.0.0.256", false, 0, ""},
      {"three octets", "10.0.0", false, 0, ""},
      {"a prefix is not an address", "10.0.0.1/24", false, 0, ""},
      {"a leading space", " 10.0.0.1", false, 0, ""},
      {"a trailing space", "10.0.0.1 ", false, 0, ""},
      {"a host name", "d2", false, 0, ""},
      {"a bad IPv6 digit", "2001:db8::g", false, 0, ""},
      {"an IPv6 zone", "fe80::1%eth0", false, 0, ""},
      {"an embedded NUL", std::string("10.0.0.1\0junk", 13), false, 0, ""},
      {"far too long", std::string(100, '1'), false, 0, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto a = IpAddress::parse(c.text);
    ASSERT_EQ(a.has_value(), c.valid);
    if (!a) continue;
    EXPECT_EQ(a->is_v4(), c.family == 4);
    EXPECT_EQ(a->is_v6(), c.family == 6);
    EXPECT_EQ(a->size(), c.family == 4 ? 4u : 16u);
    EXPECT_EQ(a->str(), c.printed);
  }
}

TEST(AddressTest, BytesAreInNetworkOrder) {
  const auto a = IpAddress::parse("10.1.2.3");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes[0], 10);
  EXPECT_EQ(a->bytes[1], 1);
  EXPECT_EQ(a->bytes[2], 2);
  EXPECT_EQ(a->bytes[3], 3);
  EXPECT_EQ(a->bytes[4], 0);
}

struct MulticastCase {
  const char* description;
  const char* text;
  bool multicast;
};

TEST(AddressTest, RecognisesMulticast) {
  const std::vector<MulticastCase> cases = {
      {"first IPv4 multicast", "224.0.0.0", true},
      {"administratively scoped", "239.0.0.1", true},
      {"last IPv4 multicast", "239.255.255.255", true},
      {"just below the range", "223.255.255.255", false},
      {"class E is not multicast", "240.0.0.1", false},
      {"unicast IPv4", "10.0.0.2", false},
      {"IPv6 all nodes", "ff02::1", true},
      {"IPv6 global multicast", "ff0e::1234", true},
      {"IPv6 link-local unicast", "fe80::1", false},
      {"IPv6 documentation", "2001:db8::1", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto a = IpAddress::parse(c.text);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->is_multicast(), c.multicast);
  }
}

TEST(AddressTest, OrdersAndComparesByValue) {
  EXPECT_EQ(IpAddress::parse("10.0.0.1"), IpAddress::parse("10.0.0.1"));
  EXPECT_NE(IpAddress::parse("10.0.0.1"), IpAddress::parse("10.0.0.2"));
  EXPECT_LT(*IpAddress::parse("10.0.0.1"), *IpAddress::parse("10.0.0.2"));
  EXPECT_EQ(IpAddress{}.str(), "");
  EXPECT_FALSE(IpAddress{}.is_multicast());
}

struct PrefixCase {
  const char* description;
  const char* text;
  bool valid;
  int length;
};

TEST(AddressTest, ParsesPrefixes) {
  const std::vector<PrefixCase> cases = {
      {"IPv4 /24", "10.0.0.100/24", true, 24},
      {"IPv4 /32", "10.0.0.100/32", true, 32},
      {"IPv4 /0", "0.0.0.0/0", true, 0},
      {"IPv6 /64", "2001:db8::100/64", true, 64},
      {"IPv6 /128", "2001:db8::100/128", true, 128},
      {"leading zero in the length", "10.0.0.1/08", true, 8},
      {"no length", "10.0.0.100", false, 0},
      {"empty length", "10.0.0.100/", false, 0},
      {"IPv4 /33", "10.0.0.100/33", false, 0},
      {"IPv6 /129", "2001:db8::1/129", false, 0},
      {"negative length", "10.0.0.1/-1", false, 0},
      {"plus sign", "10.0.0.1/+8", false, 0},
      {"length with a space", "10.0.0.1/ 8", false, 0},
      {"two slashes", "10.0.0.1/24/1", false, 0},
      {"netmask instead of a length", "10.0.0.1/255.255.255.0", false, 0},
      {"bad address", "10.0.0.300/24", false, 0},
      {"just a slash", "/24", false, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto p = IpPrefix::parse(c.text);
    ASSERT_EQ(p.has_value(), c.valid) << c.text;
    if (p) {
      EXPECT_EQ(p->length, c.length);
    }
  }
}

TEST(AddressTest, PrefixPrintsAddressAndLength) {
  EXPECT_EQ(IpPrefix::parse("10.0.0.100/24")->str(), "10.0.0.100/24");
  EXPECT_EQ(IpPrefix::parse("2001:0db8::0100/64")->str(), "2001:db8::100/64");
}

// ---------------------------------------------------------------- diagnostics

struct FormatCase {
  const char* description;
  Diagnostic diagnostic;
  const char* severity;
  const char* expected;
};

TEST(ConfigDiagnosticTest, FormatsLikeACompiler) {
  const std::vector<FormatCase> cases = {
      {"line and column", {"tandem.toml", 8, 12, "bad"}, "error", "tandem.toml:8:12: error: bad"},
      {"no position", {"tandem.toml", 0, 0, "missing"}, "error", "tandem.toml: error: missing"},
      {"a line without a column", {"authkeys", 3, 0, "weak"}, "warning", "authkeys:3: warning: weak"},
      {"warning severity", {"authkeys", 2, 3, "weak"}, "warning", "authkeys:2:3: warning: weak"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    EXPECT_EQ(c.diagnostic.format(c.severity), c.expected);
  }
  EXPECT_EQ((Diagnostic{"f", 1, 2, "m"}.format()), "f:1:2: error: m");
}

}  // namespace
}  // namespace tandem::config
