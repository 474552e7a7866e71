// ipvs::SyncPause on a file standing in for net.ipv4.vs.sync_threshold.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ipvs/sync_pause.hpp"

using namespace tandem::ipvs;

namespace {

class SyncPauseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tandem-sync-pause-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "sync_threshold").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void put(const std::string& text) { std::ofstream(path_) << text; }
  std::string get() const {
    std::ifstream in(path_);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::filesystem::path dir_;
  std::string path_;
};

}  // namespace

TEST_F(SyncPauseTest, PausesAndRestoresTheOperatorsValue) {
  put("5\t100\n");  // as the kernel prints it
  SyncPause p(path_);
  EXPECT_FALSE(p.pause());
  EXPECT_TRUE(p.paused());
  EXPECT_EQ(get(), "2147483647 0\n");
  EXPECT_FALSE(p.pause()) << "a second pause changes nothing";
  EXPECT_EQ(get(), "2147483647 0\n");
  EXPECT_FALSE(p.resume());
  EXPECT_FALSE(p.paused());
  EXPECT_EQ(get(), "5 100\n");
  EXPECT_FALSE(p.resume()) << "nothing to restore";
  EXPECT_EQ(get(), "5 100\n");
}

TEST_F(SyncPauseTest, ALeftoverPauseIsUndoneAtStart) {
  put("2147483647\t0\n");
  SyncPause p(path_);
  std::string error;
  EXPECT_TRUE(p.recover_leftover(&error));
  EXPECT_EQ(error, "");
  EXPECT_EQ(get(), "3 50\n");
  EXPECT_FALSE(p.recover_leftover()) << "the operator's own value is left alone";
  put("7 60\n");
  EXPECT_FALSE(p.recover_leftover());
  EXPECT_EQ(get(), "7 60\n");
  // Pausing over a leftover pause restores the kernel default, not the pause.
  put("2147483647 0\n");
  EXPECT_FALSE(p.pause());
  EXPECT_FALSE(p.resume());
  EXPECT_EQ(get(), "3 50\n");
}

TEST_F(SyncPauseTest, MissingFileIsAnError) {
  SyncPause p((dir_ / "no-such-dir" / "sync_threshold").string());
  auto err = p.pause();
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("no-such-dir/sync_threshold"), std::string::npos) << *err;
  EXPECT_FALSE(p.paused()) << "nothing was changed, so nothing to restore";
  std::string error;
  EXPECT_FALSE(p.recover_leftover(&error));
  EXPECT_NE(error.find("read"), std::string::npos);
}

TEST(SyncPauseText, RecognisesThePausedValue) {
  EXPECT_TRUE(is_paused_threshold("2147483647\t0\n"));
  EXPECT_TRUE(is_paused_threshold(" 2147483647 0 "));
  EXPECT_FALSE(is_paused_threshold("3\t50\n"));
  EXPECT_FALSE(is_paused_threshold("2147483647"));
  EXPECT_FALSE(is_paused_threshold(""));
}

// set_sysctl, as tandemd sets net.ipv4.vs.expire_nodest_conn to 1.
TEST_F(SyncPauseTest, SetSysctlWritesOnlyWhenTheValueDiffers) {
  put("0\n");
  auto r = set_sysctl(path_, "1");
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.was, "0");
  EXPECT_EQ(get(), "1\n");

  put("1\n");
  r = set_sysctl(path_, "1");
  EXPECT_FALSE(r.error);
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(r.was, "1");
}

TEST_F(SyncPauseTest, SetSysctlReportsAMissingFile) {
  const auto r = set_sysctl((dir_ / "expire_nodest_conn").string(), "1");
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("expire_nodest_conn"), std::string::npos);
  EXPECT_FALSE(r.changed);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "expire_nodest_conn"));
}
