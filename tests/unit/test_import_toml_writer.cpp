// config/legacy/toml_writer: the emitter the importers write tandem.toml
// with. What it writes must parse with toml++ back to the same values.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/legacy/toml_writer.hpp"

namespace tandem::config::legacy {
namespace {

using namespace std::chrono_literals;

toml::table parse(const std::string& text) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    ADD_FAILURE() << "does not parse: " << e.description() << "\n" << text;
    return {};
  }
}

TEST(ImportTomlWriterTest, StringEscapes) {
  struct Case {
    const char* description;
    std::string value;
    std::string written;  // toml_string(value)
    std::string parsed;   // what toml++ reads back (U+FFFD for bytes that are not UTF-8)
  };
  const std::vector<Case> cases = {
      {"plain text", "eth0", "\"eth0\"", "eth0"},
      {"empty", "", "\"\"", ""},
      {"double quote", "say \"hi\"", "\"say \\\"hi\\\"\"", "say \"hi\""},
      {"backslash", "C:\\dir\\", "\"C:\\\\dir\\\\\"", "C:\\dir\\"},
      {"the short escapes", "\b\t\n\f\r", "\"\\b\\t\\n\\f\\r\"", "\b\t\n\f\r"},
      {"other control characters as \\u", std::string("a\0b\x1f\x7f", 5), "\"a\\u0000b\\u001F\\u007F\"",
       std::string("a\0b\x1f\x7f", 5)},
      {"UTF-8 kept", "gr\xC3\xBC\xC3\x9F \xE2\x80\x93 \xF0\x9F\x98\x80", "\"gr\xC3\xBC\xC3\x9F \xE2\x80\x93 \xF0\x9F\x98\x80\"",
       "gr\xC3\xBC\xC3\x9F \xE2\x80\x93 \xF0\x9F\x98\x80"},
      {"a C1 control as \\u", "a\xC2\x85z", "\"a\\u0085z\"", "a\xC2\x85z"},
      {"Latin-1 byte becomes U+FFFD", "caf\xE9", "\"caf\xEF\xBF\xBD\"", "caf\xEF\xBF\xBD"},
      {"overlong encoding becomes U+FFFD", "\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\"", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"surrogate becomes U+FFFD", "\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"",
       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"truncated sequence at the end", "ab\xE2\x80", "\"ab\xEF\xBF\xBD\xEF\xBF\xBD\"", "ab\xEF\xBF\xBD\xEF\xBF\xBD"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    EXPECT_EQ(toml_string(c.value), c.written);
    TomlWriter w;
    w.string("k", c.value);
    const auto t = parse(w.text());
    ASSERT_TRUE(t["k"].is_string()) << w.text();
    EXPECT_EQ(t["k"].value<std::string>().value_or("?"), c.parsed);
  }
}

TEST(ImportTomlWriterTest, KeysAreBareOrQuoted) {
  EXPECT_EQ(toml_key("tunnel_port"), "tunnel_port");
  EXPECT_EQ(toml_key("a-b_C9"), "a-b_C9");
  EXPECT_EQ(toml_key("a.b"), "\"a.b\"");
  EXPECT_EQ(toml_key(""), "\"\"");
  EXPECT_EQ(toml_key("sp ace"), "\"sp ace\"");
}

TEST(ImportTomlWriterTest, Durations) {
  EXPECT_EQ(toml_duration(300s), "300s");
  EXPECT_EQ(toml_duration(200ms), "200ms");
  EXPECT_EQ(toml_duration(1500ms), "1500ms");
  EXPECT_EQ(toml_duration(0ms), "0s");
  EXPECT_EQ(toml_duration(3600s), "3600s");
}

TEST(ImportTomlWriterTest, SourceComments) {
  EXPECT_EQ(source_comment({"ha.cf", 12, "  keepalive 2\t"}), "ha.cf:12 keepalive 2");
  EXPECT_EQ(source_comment({"--peer", 0, "d2"}), "--peer d2");
  EXPECT_EQ(source_comment({"rules", 3, ""}), "rules:3");
  EXPECT_EQ(source_comment({"rules", 1, "a\x01" "b\xFF" "c"}), "rules:1 a\\x01b\\xFFc");
  // Shortened on a UTF-8 boundary, with "...".
  const std::string long_text = std::string(78, 'x') + "\xC3\xBC\xC3\xBC" + "tail";
  EXPECT_EQ(source_comment({"f", 1, long_text}), "f:1 " + std::string(78, 'x') + "\xC3\xBC...");
  EXPECT_EQ(source_comment({"f", 1, std::string(200, 'y')}, 10), "f:1 yyyyyyyyyy...");
}

TEST(ImportTomlWriterTest, TablesKeysAndCommentsParseBack) {
  TomlWriter w;
  w.comment("made by a test\nsecond line with a \x01 control");
  const Source node{"ha.cf", 3, "node d1 # the first"};
  w.table("node");
  w.string("name", "d1", &node);
  w.source({"lvs.cf", 7, "virtual web {"});
  w.array_table("virtual_server");
  w.string("address", "10.0.0.100:80");
  w.integer("fwmark_not", -42);
  w.boolean("on", true);
  w.boolean("off", false);
  w.duration("persistence", 300s);
  w.duration("interval", 200ms);
  w.strings("scheduler_flags", {"sh-port", "with \"quote\"", "caf\xE9"});
  w.strings("empty", {});
  w.array_table("virtual_server.real", &node);
  w.integer("weight", 3);
  w.array_table("virtual_server.real");
  w.integer("weight", 0);
  w.table("sync");
  w.string("interface", "eth1");

  const std::string& text = w.text();
  // The table's preceding source comment stays with it, after a blank line.
  EXPECT_NE(text.find("\n\n# lvs.cf:7 virtual web {\n[[virtual_server]]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("name = \"d1\"  # ha.cf:3 node d1 # the first\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# second line with a \\x01 control\n"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("# made by a test\n", 0), 0u) << text;

  const auto t = parse(text);
  EXPECT_EQ(t["node"]["name"].value<std::string>(), "d1");
  const auto* vs = t["virtual_server"].as_array();
  ASSERT_TRUE(vs && vs->size() == 1) << text;
  const auto& v = *vs->get(0)->as_table();
  EXPECT_EQ(v["address"].value<std::string>(), "10.0.0.100:80");
  EXPECT_EQ(v["fwmark_not"].value<std::int64_t>(), -42);
  EXPECT_EQ(v["on"].value<bool>(), true);
  EXPECT_EQ(v["off"].value<bool>(), false);
  EXPECT_EQ(v["persistence"].value<std::string>(), "300s");
  EXPECT_EQ(v["interval"].value<std::string>(), "200ms");
  const auto* flags = v["scheduler_flags"].as_array();
  ASSERT_TRUE(flags && flags->size() == 3);
  EXPECT_EQ(flags->get(1)->value<std::string>(), "with \"quote\"");
  EXPECT_EQ(flags->get(2)->value<std::string>(), "caf\xEF\xBF\xBD");
  EXPECT_TRUE(v["empty"].as_array() && v["empty"].as_array()->empty());
  const auto* reals = v["real"].as_array();
  ASSERT_TRUE(reals && reals->size() == 2);
  EXPECT_EQ(reals->get(1)->as_table()->get("weight")->value<std::int64_t>(), 0);
  EXPECT_EQ(t["sync"]["interface"].value<std::string>(), "eth1");
}

TEST(ImportTomlWriterTest, EveryByteInACommentOrStringParses) {
  // Every single byte, and every pair of a lead byte with a follower, in a
  // source comment and in a string value.
  for (int a = 0; a < 256; ++a)
    for (int b : {0x00, 0x0a, 0x41, 0x80, 0xa0, 0xbf, 0xc0, 0xff}) {
      const std::string bytes{static_cast<char>(a), static_cast<char>(b)};
      const Source at{"f", 2, bytes};
      TomlWriter w;
      w.source({"f", 1, bytes});
      w.table("t", &at);
      w.string("k", bytes, &at);
      try {
        (void)toml::parse(w.text());
      } catch (const toml::parse_error& e) {
        ADD_FAILURE() << "bytes " << a << "," << b << ": " << e.description();
      }
    }
}

}  // namespace
}  // namespace tandem::config::legacy
