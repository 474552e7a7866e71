// The keepalived.conf reader (config/legacy/keepalived_reader): its lexical
// rules as keepalived.conf(5) and keepalived's parser give them, includes
// through the FileReader, and located errors.
#include <gtest/gtest.h>

#include <string>

#include "config/legacy/import.hpp"
#include "config/legacy/keepalived_reader.hpp"

namespace tandem::config::legacy::keepalived {
namespace {

ReadResult read_one(const std::string& text) { return read_keepalived("k.conf", map_reader({{"k.conf", text}})); }

std::string errors_of(const ReadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.format("error") + "\n";
  return out;
}

TEST(ImportKeepalivedReaderTest, CommentsStartWithBangOrHashAnywhere) {
  const auto r = read_one("! a comment\n# another\nglobal_defs { # here\n  router_id d1 ! trailing\n}\n");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.statements.size(), 1u);
  const auto& g = r.statements[0];
  EXPECT_EQ(g.keyword, "global_defs");
  EXPECT_TRUE(g.block);
  ASSERT_EQ(g.children.size(), 1u);
  EXPECT_EQ(g.children[0].keyword, "router_id");
  EXPECT_EQ(g.children[0].args, std::vector<std::string>{"d1"});
  EXPECT_EQ(g.children[0].line, 4);
  EXPECT_EQ(g.children[0].file, "k.conf");
}

TEST(ImportKeepalivedReaderTest, EscapedCommentCharactersAreKept) {
  const auto r = read_one("notify_master /bin/x\\#1 a\\!b #gone\n");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.statements.size(), 1u);
  EXPECT_EQ(r.statements[0].args, (std::vector<std::string>{"/bin/x#1", "a!b"}));
}

TEST(ImportKeepalivedReaderTest, QuotedWordsKeepBlanksAndCommentCharacters) {
  const auto r = read_one("notify \"/usr/bin/my script\" \"a # b\" x\n");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.statements.size(), 1u);
  EXPECT_EQ(r.statements[0].args, (std::vector<std::string>{"/usr/bin/my script", "a # b", "x"}));
}

TEST(ImportKeepalivedReaderTest, AnUnclosedQuoteIsALocatedError) {
  const auto r = read_one("vrrp_script s {\n  script \"/bin/true\n}\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, 2);
}

TEST(ImportKeepalivedReaderTest, BracesOnTheSameLineTheNextLineOrOneLine) {
  const auto r = read_one("vrrp_instance A\n{\n  unicast_peer { 10.0.0.2 10.0.0.3 }\n  nopreempt\n}\nb{c}\n");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.statements.size(), 2u);
  const auto& a = r.statements[0];
  EXPECT_EQ(a.args, std::vector<std::string>{"A"});
  ASSERT_EQ(a.children.size(), 2u);
  EXPECT_EQ(a.children[0].keyword, "unicast_peer");
  ASSERT_EQ(a.children[0].children.size(), 1u);  // one line: one statement of two words
  EXPECT_EQ(a.children[0].children[0].keyword, "10.0.0.2");
  EXPECT_EQ(a.children[0].children[0].args, std::vector<std::string>{"10.0.0.3"});
  EXPECT_EQ(a.children[1].keyword, "nopreempt");
  EXPECT_FALSE(a.children[1].block);
  EXPECT_EQ(r.statements[1].keyword, "b");
  ASSERT_EQ(r.statements[1].children.size(), 1u);
  EXPECT_EQ(r.statements[1].children[0].keyword, "c");
}

TEST(ImportKeepalivedReaderTest, AnUnterminatedBlockIsAnErrorAtItsOpeningLine) {
  const auto r = read_one("virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.11 80 {\n    weight 1\n");
  ASSERT_EQ(r.errors.size(), 2u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_EQ(r.errors[1].line, 1);
}

TEST(ImportKeepalivedReaderTest, AStrayClosingBraceIsAnError) {
  const auto r = read_one("global_defs {\n}\n}\n");
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, 3);
}

TEST(ImportKeepalivedReaderTest, CrlfAndBlankLines) {
  const auto r = read_one("\r\n  \t\r\nglobal_defs {\r\n router_id x\r\n}\r\n");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.statements.size(), 1u);
  EXPECT_EQ(r.statements[0].children[0].args, std::vector<std::string>{"x"});
}

TEST(ImportKeepalivedReaderTest, EmptyAndCommentOnlyFilesHoldNoText) {
  EXPECT_FALSE(read_one("").any_text);
  EXPECT_FALSE(read_one("! only\n# comments\n\n").any_text);
  EXPECT_TRUE(read_one("global_defs {\n}\n").any_text);
}

TEST(ImportKeepalivedReaderTest, BinaryIsRefusedAtItsLine) {
  const auto r = read_one(std::string("global_defs {\n}\n\x01\xff\xfe", 19));
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, 3);
}

TEST(ImportKeepalivedReaderTest, IncludeIsRelativeToTheIncludingFileAndSplicedInPlace) {
  const auto files = map_reader({{"/etc/keepalived/keepalived.conf", "a\ninclude conf.d/*.conf\nz\n"},
                                 {"/etc/keepalived/conf.d/1.conf", "b\n"},
                                 {"/etc/keepalived/conf.d/2.conf", "include ../more/c.inc\n"},
                                 {"/etc/keepalived/conf.d/../more/c.inc", "c {\n}\n"}});  // the path as the file system is asked
  const auto r = read_keepalived("/etc/keepalived/keepalived.conf", files);
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.statements.size(), 4u);
  EXPECT_EQ(r.statements[0].keyword, "a");
  EXPECT_EQ(r.statements[1].keyword, "b");
  EXPECT_EQ(r.statements[1].file, "/etc/keepalived/conf.d/1.conf");
  EXPECT_EQ(r.statements[2].keyword, "c");
  EXPECT_EQ(r.statements[2].file, "/etc/keepalived/conf.d/../more/c.inc");
  EXPECT_EQ(r.statements[3].keyword, "z");
  EXPECT_EQ(r.statements[3].line, 3);
}

TEST(ImportKeepalivedReaderTest, AGlobThatMatchesNothingIsAWarningAMissingFileAnError) {
  const auto r = read_one("include /none/*.conf\ninclude /none/x.conf\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].line, 1);
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_EQ(r.errors[0].file, "k.conf");
}

TEST(ImportKeepalivedReaderTest, AnIncludeLoopIsAnError) {
  const auto files = map_reader({{"a.conf", "x\ninclude b.conf\n"}, {"b.conf", "include a.conf\ny\n"}});
  const auto r = read_keepalived("a.conf", files);
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].file, "b.conf");
  EXPECT_EQ(r.errors[0].line, 1);
  ASSERT_EQ(r.statements.size(), 2u);  // x, y
}

TEST(ImportKeepalivedReaderTest, IncludeNeedsOneName) {
  const auto r = read_one("include\ninclude a b\n");
  EXPECT_EQ(r.errors.size(), 2u) << errors_of(r);
}

}  // namespace
}  // namespace tandem::config::legacy::keepalived
