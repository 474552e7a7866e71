// heartbeat's authkeys file (SPEC "Configuration (TOML)", REFERENCE "authkeys").
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/authkeys.hpp"

namespace tandem::config {
namespace {

std::string all_diagnostics(const AuthKeysResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += "\n  " + e.format();
  for (const auto& w : r.warnings) out += "\n  " + w.format("warning");
  return out;
}

TEST(AuthkeysTest, ParsesHeartbeatSyntax) {
  const std::string text =
      "# keys for d1/d2\n"
      "\n"
      "auth 2\n"
      "1 sha256 old-secret\n"
      "   # indented comment\n"
      "2\tsha512\tnew-secret\n";
  const auto r = parse_authkeys(text, "authkeys");
  ASSERT_TRUE(r.keys) << all_diagnostics(r);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.keys->send_id, 2);
  ASSERT_EQ(r.keys->keys.size(), 2u);
  EXPECT_EQ(r.keys->keys[0], (AuthKey{1, HmacAlgorithm::sha256, "old-secret"}));
  EXPECT_EQ(r.keys->keys[1], (AuthKey{2, HmacAlgorithm::sha512, "new-secret"}));
  EXPECT_EQ(r.keys->send_key().secret, "new-secret");
  ASSERT_NE(r.keys->find(1), nullptr);
  EXPECT_EQ(r.keys->find(1)->secret, "old-secret");
  EXPECT_EQ(r.keys->find(3), nullptr);
}

struct GoodAuthkeys {
  const char* description;
  std::string text;
  int send_id;
  std::size_t keys;
  std::size_t warnings;
};

TEST(AuthkeysTest, AcceptsVariations) {
  const std::vector<GoodAuthkeys> cases = {
      {"auth after the keys", "1 sha256 s\nauth 1\n", 1, 1, 0},
      {"no final newline", "auth 1\n1 sha256 s", 1, 1, 0},
      {"CRLF line ends", "auth 1\r\n1 sha256 s\r\n", 1, 1, 0},
      {"key 15", "auth 15\n15 sha256 s\n", 15, 1, 0},
      {"leading zero in the key number", "auth 01\n01 sha256 s\n", 1, 1, 0},
      {"upper-case algorithm", "auth 1\n1 SHA256 s\n", 1, 1, 0},
      {"sha1 is weak", "auth 1\n1 sha1 s\n", 1, 1, 1},
      {"md5 is weak", "auth 1\n1 md5 s\n", 1, 1, 1},
      {"unused weak key still warns", "auth 1\n1 sha256 s\n2 md5 t\n3 sha1 u\n", 1, 3, 2},
      {"secret with punctuation", "auth 1\n1 sha256 a#b$c=d\n", 1, 1, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto r = parse_authkeys(c.text, "authkeys");
    ASSERT_TRUE(r.keys) << all_diagnostics(r);
    EXPECT_EQ(r.keys->send_id, c.send_id);
    EXPECT_EQ(r.keys->keys.size(), c.keys);
    EXPECT_EQ(r.warnings.size(), c.warnings) << all_diagnostics(r);
  }
}

TEST(AuthkeysTest, WeakAlgorithmWarningIsLocated) {
  const auto r = parse_authkeys("auth 1\n1 sha1 secret\n", "authkeys");
  ASSERT_TRUE(r.keys);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].format("warning"),
            "authkeys:2:3: warning: key 1 uses sha1, which is weak; use sha256 or sha512");
  EXPECT_EQ(r.keys->send_key().algorithm, HmacAlgorithm::sha1);
}

struct BadAuthkeys {
  const char* description;
  std::string text;
  int line;
  int column;
  const char* message;  // a part of the one expected error
};

TEST(AuthkeysTest, EachMistakeIsOneLocatedError) {
  const std::vector<BadAuthkeys> cases = {
      {"crc is refused", "auth 1\n1 crc\n", 2, 3, "crc is not authentication; use sha256"},
      {"crc with a secret is refused too", "auth 1\n1 crc x\n", 2, 3, "crc is not authentication"},
      {"unknown algorithm", "auth 1\n1 sha3 s\n", 2, 3, "key 1 has an unknown algorithm; use sha256 or sha512"},
      {"missing secret", "auth 1\n1 sha256\n", 2, 3, "key 1 has no secret"},
      {"missing algorithm", "auth 1\n1\n", 2, 1, "key 1 needs an algorithm and a secret"},
      {"secret with a space", "auth 1\n1 sha256 two words\n", 2, 14,
       "the secret is one word without spaces"},
      {"key number 0", "auth 1\n1 sha256 a\n0 sha256 s\n", 3, 1, "key number 0 is out of range 1..15"},
      {"key number 16", "auth 1\n1 sha256 a\n16 sha256 s\n", 3, 1, "key number 16 is out of range 1..15"},
      {"duplicate key", "auth 1\n1 sha256 a\n1 sha512 b\n", 3, 1, "key 1 is defined twice (first on line 2)"},
      {"auth names an undefined key", "auth 3\n1 sha256 a\n", 1, 6, "auth 3 names a key that is not defined"},
      {"auth without a number", "auth\n1 sha256 a\n", 1, 1, "auth needs the number of the key"},
      {"auth with a word", "auth one\n1 sha256 a\n", 1, 6, "auth: the key number must be 1..15"},
      {"auth out of range", "auth 16\n1 sha256 a\n", 1, 6, "auth: key number 16 must be 1..15"},
      {"auth with extra text", "auth 1 2\n1 sha256 a\n", 1, 8, "unexpected text after \"auth N\""},
      {"two auth lines", "auth 1\n1 sha256 a\n2 sha256 b\nauth 2\n", 4, 1,
       "more than one auth line (the first is on line 1)"},
      {"a line that is neither", "auth 1\n1 sha256 a\nsecret\n", 3, 1,
       "expected \"auth N\" or \"N ALGORITHM SECRET\""},
      {"indented bad line keeps its column", "auth 1\n1 sha256 a\n   key sha256 b\n", 3, 4, "expected"},
      {"no auth line", "1 sha256 a\n", 0, 0, "no \"auth N\" line"},
      {"empty file", "", 0, 0, "no \"auth N\" line"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    const auto r = parse_authkeys(c.text, "authkeys");
    EXPECT_FALSE(r.keys);
    ASSERT_EQ(r.errors.size(), 1u) << all_diagnostics(r);
    EXPECT_EQ(r.errors[0].file, "authkeys");
    EXPECT_EQ(r.errors[0].line, c.line) << r.errors[0].format();
    EXPECT_EQ(r.errors[0].column, c.column) << r.errors[0].format();
    EXPECT_NE(r.errors[0].message.find(c.message), std::string::npos) << r.errors[0].format();
  }
}

TEST(AuthkeysTest, CollectsEveryErrorInFileOrder) {
  const std::string text =
      "auth 9\n"           // 9 is never defined
      "1 crc\n"
      "2 md5\n"            // no secret (and weak)
      "2 sha256 x\n"       // duplicate
      "20 sha256 y\n";     // out of range
  const auto r = parse_authkeys(text, "keys");
  EXPECT_FALSE(r.keys);
  std::vector<std::string> lines;
  for (const auto& e : r.errors) lines.push_back(e.format());
  const std::vector<std::string> expected = {
      "keys:1:6: error: auth 9 names a key that is not defined",
      "keys:2:3: error: crc is not authentication; use sha256",
      "keys:3:3: error: key 2 has no secret; write \"N md5 SECRET\"",
      "keys:4:1: error: key 2 is defined twice (first on line 3)",
      "keys:5:1: error: key number 20 is out of range 1..15",
  };
  EXPECT_EQ(lines, expected);
}

TEST(AuthkeysTest, AuthNamingARefusedKeyIsReportedOnce) {
  const auto r = parse_authkeys("auth 1\n1 crc\n", "authkeys");
  ASSERT_EQ(r.errors.size(), 1u) << all_diagnostics(r);
  EXPECT_NE(r.errors[0].message.find("crc"), std::string::npos);
}

TEST(AuthkeysTest, MessagesNeverQuoteTheSecret) {
  const std::vector<std::string> texts = {
      "auth 1\n1 sha256 hunter2 extra\n",
      "auth 1\n1 hunter2\n",
      "auth 1\nhunter2\n",
      "auth hunter2\n",
  };
  for (const auto& t : texts) {
    const auto r = parse_authkeys(t, "authkeys");
    ASSERT_FALSE(r.errors.empty()) << t;
    for (const auto& e : r.errors) EXPECT_EQ(e.message.find("hunter2"), std::string::npos) << e.message;
  }
}

TEST(AuthkeysTest, AlgorithmNames) {
  EXPECT_EQ(to_string(HmacAlgorithm::sha256), "sha256");
  EXPECT_EQ(to_string(HmacAlgorithm::sha512), "sha512");
  EXPECT_EQ(to_string(HmacAlgorithm::sha1), "sha1");
  EXPECT_EQ(to_string(HmacAlgorithm::md5), "md5");
}

TEST(AuthkeysTest, SendKeyOfAnUnvalidatedValueThrows) {
  AuthKeys keys;
  keys.send_id = 4;
  EXPECT_THROW(keys.send_key(), std::logic_error);
}

TEST(AuthkeysTest, ExampleFileParses) {
  std::ifstream in(TANDEM_TEST_DATA "/../../examples/authkeys");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  const auto r = parse_authkeys(text.str(), "examples/authkeys");
  ASSERT_TRUE(r.keys) << all_diagnostics(r);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.keys->send_key().algorithm, HmacAlgorithm::sha256);
}

// ---------------------------------------------------------------- the file

class AuthkeysFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/tandem-authkeys-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    path_ = dir_ + "/authkeys";
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  void write(const std::string& text, mode_t mode) {
    std::ofstream(path_) << text;
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
  }

  std::string dir_;
  std::string path_;
};

TEST_F(AuthkeysFileTest, LoadsAPrivateFile) {
  for (mode_t mode : {0600, 0400}) {
    write("auth 1\n1 sha256 secret\n", mode);
    const auto r = load_authkeys(path_);
    ASSERT_TRUE(r.keys) << all_diagnostics(r);
    EXPECT_EQ(r.keys->send_key().secret, "secret");
  }
}

struct ModeCase {
  const char* description;
  mode_t mode;
  const char* message;
};

TEST_F(AuthkeysFileTest, RefusesFilesOthersCanReadOrWrite) {
  const std::vector<ModeCase> cases = {
      {"world-readable, the usual default", 0644, "mode 0644 is readable by group or others; chmod 600 "},
      {"group-readable", 0640, "mode 0640 is readable by group or others; chmod 600 "},
      {"other-readable only", 0604, "mode 0604 is readable by group or others; chmod 600 "},
      {"group-writable", 0620, "mode 0620 is writable by group or others; chmod 600 "},
      {"world-writable and readable", 0666, "mode 0666 is readable and writable by group or others"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.description);
    write("auth 1\n1 sha256 secret\n", c.mode);
    const auto r = load_authkeys(path_);
    EXPECT_FALSE(r.keys);
    ASSERT_EQ(r.errors.size(), 1u) << all_diagnostics(r);
    EXPECT_EQ(r.errors[0].line, 0);
    EXPECT_NE(r.errors[0].message.find(c.message), std::string::npos) << r.errors[0].format();
    EXPECT_NE(r.errors[0].message.find(path_), std::string::npos) << r.errors[0].format();
  }
}

TEST_F(AuthkeysFileTest, ErrorsInTheFileNameIt) {
  write("auth 1\n1 crc\n", 0600);
  const auto r = load_authkeys(path_);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].format(), path_ + ":2:3: error: crc is not authentication; use sha256");
}

TEST_F(AuthkeysFileTest, MissingFileIsAnError) {
  const auto r = load_authkeys(path_);
  EXPECT_FALSE(r.keys);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].format(), path_ + ": error: cannot read authkeys: No such file or directory");
}

TEST_F(AuthkeysFileTest, DirectoryIsAnError) {
  ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
  const auto r = load_authkeys(dir_);
  EXPECT_FALSE(r.keys);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("not a regular file"), std::string::npos) << r.errors[0].format();
}

}  // namespace
}  // namespace tandem::config
