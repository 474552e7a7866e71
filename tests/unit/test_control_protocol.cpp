// The control socket's request and reply lines (docs/control-protocol.md)
// and the JSON writer behind `status --json`.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "daemon/control_protocol.hpp"
#include "daemon/json.hpp"

using namespace tandem::daemon;

// ---- JSON -------------------------------------------------------------------

TEST(Json, QuotesPlainText) {
  EXPECT_EQ(json_quote(""), "\"\"");
  EXPECT_EQ(json_quote("d1"), "\"d1\"");
  EXPECT_EQ(json_quote("peer d2 silent"), "\"peer d2 silent\"");
}

TEST(Json, EscapesQuoteAndBackslash) {
  EXPECT_EQ(json_quote("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(json_quote("C:\\dir\\"), "\"C:\\\\dir\\\\\"");
  EXPECT_EQ(json_quote("\\\""), "\"\\\\\\\"\"");
}

TEST(Json, EscapesControlCharacters) {
  EXPECT_EQ(json_quote("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(json_quote("\r\t"), "\"\\r\\t\"");
  EXPECT_EQ(json_quote(std::string_view("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(json_quote(std::string_view("\x08\x0c", 2)), "\"\\u0008\\u000c\"");
  // NUL inside the view is data, not a terminator.
  EXPECT_EQ(json_quote(std::string_view("a\0b", 3)), "\"a\\u0000b\"");
}

TEST(Json, PassesThroughDelAndUtf8) {
  EXPECT_EQ(json_quote("\x7f"), "\"\x7f\"");
  EXPECT_EQ(json_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(json_quote("/"), "\"/\"");
}

TEST(Json, EmptyContainers) {
  JsonWriter w;
  w.begin_object().end_object();
  EXPECT_EQ(w.str(), "{}");

  JsonWriter a;
  a.begin_array().end_array();
  EXPECT_EQ(a.str(), "[]");
}

TEST(Json, ObjectFieldsAreSeparatedByCommas) {
  JsonWriter w;
  w.begin_object();
  w.field("name", "d1");
  w.field("priority", 100);
  w.field("auto_failback", false);
  w.field("alive", true);
  w.end_object();
  EXPECT_EQ(w.str(), R"({"name":"d1","priority":100,"auto_failback":false,"alive":true})");
}

TEST(Json, NestsObjectsAndArrays) {
  JsonWriter w;
  w.begin_object();
  w.field("a", 1);
  w.key("b").begin_array();
  w.value(1).value("x");
  w.begin_object().end_object();
  w.begin_array().value(2).end_array();
  w.end_array();
  w.key("c").begin_object();
  w.field("d", "e");
  w.key("f").begin_array().end_array();
  w.end_object();
  w.field("g", true);
  w.end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[1,"x",{},[2]],"c":{"d":"e","f":[]},"g":true})");
}

TEST(Json, ArrayOfObjects) {
  JsonWriter w;
  w.begin_array();
  for (int i = 0; i < 3; ++i) {
    w.begin_object();
    w.field("i", i);
    w.end_object();
  }
  w.end_array();
  EXPECT_EQ(w.str(), R"([{"i":0},{"i":1},{"i":2}])");
}

TEST(Json, KeysAreEscaped) {
  JsonWriter w;
  w.begin_object().field("a\"b", "c\nd").end_object();
  EXPECT_EQ(w.str(), R"({"a\"b":"c\nd"})");
}

TEST(Json, MissingOptionalIsNull) {
  JsonWriter w;
  w.begin_object();
  w.field("last_heard_ms", std::optional<double>{});
  w.field("heard", std::optional<double>{40.0});
  w.field("role", std::optional<std::string>{});
  w.field("name", std::optional<std::string>{"d2"});
  w.key("explicit").null();
  w.end_object();
  EXPECT_EQ(w.str(), R"({"last_heard_ms":null,"heard":40.000,"role":null,"name":"d2","explicit":null})");
}

TEST(Json, DoublesHaveThreeDecimals) {
  JsonWriter w;
  w.begin_array();
  w.value(12.3).value(0.0).value(-1.25).value(1234567.5).value(2.0 / 3.0);
  w.end_array();
  EXPECT_EQ(w.str(), "[12.300,0.000,-1.250,1234567.500,0.667]");
}

TEST(Json, NonFiniteDoublesBecomeNull) {
  JsonWriter w;
  w.begin_array();
  w.value(std::numeric_limits<double>::quiet_NaN());
  w.value(std::numeric_limits<double>::infinity());
  w.value(-std::numeric_limits<double>::infinity());
  w.end_array();
  EXPECT_EQ(w.str(), "[null,null,null]");
}

TEST(Json, IntegersAtTheirLimits) {
  JsonWriter w;
  w.begin_array();
  w.value(std::numeric_limits<std::uint64_t>::max());
  w.value(std::numeric_limits<std::int64_t>::min());
  w.value(std::uint64_t{1795348867123456789ull});
  w.value(-7);
  w.end_array();
  EXPECT_EQ(w.str(), "[18446744073709551615,-9223372036854775808,1795348867123456789,-7]");
}

// ---- requests -----------------------------------------------------------------

TEST(ControlProtocol, ParsesEveryCommand) {
  EXPECT_EQ(parse_command("status"), Command::status);
  EXPECT_EQ(parse_command("status-json"), Command::status_json);
  EXPECT_EQ(parse_command("standby"), Command::standby);
  EXPECT_EQ(parse_command("takeover"), Command::takeover);
  EXPECT_EQ(parse_command("reload"), Command::reload);
  EXPECT_EQ(parse_command("drain"), Command::drain);
  EXPECT_EQ(parse_command("disable"), Command::disable);
  EXPECT_EQ(parse_command("enable"), Command::enable);
  EXPECT_EQ(parse_command("connections"), Command::connections);
  EXPECT_EQ(parse_command("plan"), Command::plan);
}

TEST(ControlProtocol, MaintenanceAndPlanRequests) {
  Request drain;
  drain.command = Command::drain;
  drain.vs = "[2001:db8::100]:443";
  drain.real = "10.0.0.11:80";
  EXPECT_EQ(request_line(drain), "drain [2001:db8::100]:443 10.0.0.11:80");
  EXPECT_EQ(parse_request(request_line(drain)), drain);
  Request plan;
  plan.command = Command::plan;
  EXPECT_EQ(parse_request("plan"), plan);
  plan.path = "/etc/tandem/new file.toml";
  EXPECT_EQ(request_line(plan), "plan /etc/tandem/new file.toml");
  EXPECT_EQ(parse_request(request_line(plan)), plan) << "a path may hold blanks";
  const char* bad[] = {
      "drain",                                   // no servers
      "drain 10.0.0.100:80",                     // no real
      "drain 10.0.0.100:80 10.0.0.11 extra",     // a third word
      "enable  10.0.0.11",                       // an empty word
      "connections 10.0.0.100:80 10.0.0.1\x01",  // a control character
      "plan relative/path.toml",                 // not absolute
      "plan /etc/tandem/\ttab",                  // a control character
      "status 10.0.0.100:80 10.0.0.11",          // not a maintenance command
  };
  for (const char* line : bad) EXPECT_EQ(parse_request(line), std::nullopt) << line;
  EXPECT_EQ(parse_request("plan /" + std::string(4096, 'a')), std::nullopt) << "a path longer than 4096 bytes";
}

TEST(ControlProtocol, CommandLineRoundTrips) {
  const Command all[] = {Command::status, Command::status_json, Command::standby, Command::takeover,
                         Command::reload};
  const char* lines[] = {"status", "status-json", "standby", "takeover", "reload"};
  for (std::size_t i = 0; i < std::size(all); ++i) {
    SCOPED_TRACE(lines[i]);
    EXPECT_EQ(command_line(all[i]), lines[i]);
    EXPECT_EQ(parse_command(command_line(all[i])), all[i]);
  }
}

TEST(ControlProtocol, IgnoresTrailingSpacesAndCarriageReturns) {
  EXPECT_EQ(parse_command("status "), Command::status);
  EXPECT_EQ(parse_command("reload\r"), Command::reload);
  EXPECT_EQ(parse_command("standby \r"), Command::standby);
  EXPECT_EQ(parse_command("takeover\r \r  "), Command::takeover);
}

TEST(ControlProtocol, RejectsBadRequests) {
  struct Case {
    const char* description;
    std::string_view line;
  };
  const Case cases[] = {
      {"empty line", ""},
      {"only spaces", "   "},
      {"only a carriage return", "\r"},
      {"unknown word", "restart"},
      {"prefix of a command", "stat"},
      {"command with a suffix", "statusx"},
      {"upper case", "STATUS"},
      {"tandemctl's option, not the protocol's word", "status --json"},
      {"space instead of dash", "status json"},
      {"two commands", "standby takeover"},
      {"trailing tab", "reload\t"},
      {"the newline is the caller's to strip", "status\n"},
      {"embedded NUL", std::string_view("status\0", 7)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    EXPECT_EQ(parse_command(c.line), std::nullopt);
  }
}

// ---- replies ------------------------------------------------------------------

TEST(ControlProtocol, FormatsOkReplies) {
  EXPECT_EQ(format_reply(Reply{true, ""}), "ok\n");
  EXPECT_EQ(format_reply(Reply{true, "active\n"}), "ok\nactive\n");
  EXPECT_EQ(format_reply(Reply{true, "line 1\nline 2\n"}), "ok\nline 1\nline 2\n");
}

TEST(ControlProtocol, FormatsErrorRepliesOnOneLineEnding) {
  EXPECT_EQ(format_reply(Reply{false, "shutting down"}), "error: shutting down\n");
  EXPECT_EQ(format_reply(Reply{false, "shutting down\n"}), "error: shutting down\n");
  EXPECT_EQ(format_reply(Reply{false, "shutting down\n\n\n"}), "error: shutting down\n");
  EXPECT_EQ(format_reply(Reply{false, ""}), "error: \n");
  EXPECT_EQ(format_reply(Reply{false, "reload rejected:\nf:1:2: error: x\n"}),
            "error: reload rejected:\nf:1:2: error: x\n");
}

TEST(ControlProtocol, ParsesReplies) {
  Reply ok = parse_reply("ok\nnode d1: active\n");
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.body, "node d1: active\n");

  Reply bare = parse_reply("ok");
  EXPECT_TRUE(bare.ok);
  EXPECT_EQ(bare.body, "");

  Reply err = parse_reply("error: peer d2 is not alive\n");
  EXPECT_FALSE(err.ok);
  EXPECT_EQ(err.body, "peer d2 is not alive");

  Reply unterminated = parse_reply("error: no newline");
  EXPECT_FALSE(unterminated.ok);
  EXPECT_EQ(unterminated.body, "no newline");

  Reply multi = parse_reply("error: reload rejected:\nf:3:1: error: bad\n");
  EXPECT_FALSE(multi.ok);
  EXPECT_EQ(multi.body, "reload rejected:\nf:3:1: error: bad\n");
}

TEST(ControlProtocol, RepliesRoundTrip) {
  struct Case {
    const char* description;
    Reply reply;
  };
  const Case cases[] = {
      {"ok without a body", {true, ""}},
      {"ok with text", {true, "node d1: active since 12:01:07\n"}},
      {"ok with JSON", {true, "{\"node\":\"d1\"}\n"}},
      {"ok body that looks like an error", {true, "error: not really\n"}},
      {"ok body with blank lines", {true, "\n\nx\n"}},
      {"ok body without a final newline", {true, "x"}},
      {"error on one line", {false, "already active"}},
      {"error with the reload's diagnostics",
       {false, "reload rejected, keeping the running configuration:\n/etc/tandem/tandem.toml:4:1: error: x\n"}},
      {"error with an empty message", {false, ""}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    Reply back = parse_reply(format_reply(c.reply));
    EXPECT_EQ(back.ok, c.reply.ok);
    EXPECT_EQ(back.body, c.reply.body);
  }
}

TEST(ControlProtocol, MalformedRepliesAreErrors) {
  struct Case {
    const char* description;
    std::string_view text;
  };
  const Case cases[] = {
      {"nothing at all (daemon closed early)", ""},
      {"just a newline", "\n"},
      {"unknown status word", "maybe\nbody\n"},
      {"upper case OK", "OK\nbody\n"},
      {"ok with trailing space", "ok \nbody\n"},
      {"ok with CRLF", "ok\r\nbody\n"},
      {"error without the space", "error:x\n"},
      {"error without the colon", "error x\n"},
      {"leading space", " ok\n"},
      {"body first", "body\nok\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    Reply r = parse_reply(c.text);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.body, "malformed reply from tandemd");
  }
}

// ---- requests with a failover group ---------------------------------------

TEST(ControlProtocol, StandbyAndTakeoverNameAGroup) {
  EXPECT_EQ(parse_request("standby"), (Request{Command::standby, ""}));
  EXPECT_EQ(parse_request("standby web"), (Request{Command::standby, "web"}));
  EXPECT_EQ(parse_request("takeover mail-2.a_b\r"), (Request{Command::takeover, "mail-2.a_b"}));
  EXPECT_EQ(parse_request("status-json"), (Request{Command::status_json, ""}));
  for (const Request& r : {Request{Command::standby, "web"}, Request{Command::takeover, ""}, Request{Command::reload, ""}})
    EXPECT_EQ(parse_request(request_line(r)), r) << request_line(r);
  EXPECT_EQ(request_line(Request{Command::takeover, "web"}), "takeover web");
}

TEST(ControlProtocol, RejectsBadGroupRequests) {
  struct Case {
    const char* description;
    std::string_view line;
  };
  const Case cases[] = {
      {"a group on a command without one", "status web"},
      {"a group on reload", "reload web"},
      {"two spaces", "standby  web"},
      {"two groups", "standby web mail"},
      {"a character a group name cannot have", "standby we/b"},
      {"a group name of 33 bytes", "standby 123456789012345678901234567890123"},
      {"unknown command with a group", "restart web"},
      {"embedded NUL", std::string_view("standby w\0b", 11)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    EXPECT_EQ(parse_request(c.line), std::nullopt);
  }
}
