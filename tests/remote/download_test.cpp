// Downloads against the fake's storage routes: no Authorization, resume with Range after a
// cut, a server that ignores Range, redirects (other port, https-only, at most 3), the size
// cap and a stalled (slow drip) transfer.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/error.h"
#include "remote/atlas.h"
#include "remote/download.h"
#include "tests/remote/remote_test_util.h"
#include "tests/support/temp_dir.h"

using namespace shotchain;
using namespace shotchain::remote;
using namespace shotchain::test;
using namespace std::chrono_literals;

namespace {

class DownloadTest : public ::testing::Test {
 protected:
  FakeAtlas fake;
  LogCapture log;
  TempDir dir;
  std::string url;

  void SetUp() override {
    AtlasClient c(fast_config(fake));
    GenerateRequest r;
    r.prompt = "p";
    r.image = "https://img.example/a.png";
    auto sub = c.generate(r, {});
    url = c.await(sub.prediction.id).outputs.at(0);
  }

  DownloadOptions options() {
    DownloadOptions o;
    o.retry.base = 5ms;
    o.retry.cap = 20ms;
    o.retry.seed = 1;
    o.timeouts.connect = 1000ms;
    o.timeouts.stall = 1000ms;
    o.log = log.sink();
    o.secret = fake.api_key();
    return o;
  }

  void TearDown() override {
    EXPECT_EQ(fake.storage_calls_with_authorization(), 0) << "storage never gets the key";
  }
};

} // namespace

TEST_F(DownloadTest, WholeFileWithoutAuthorization) {
  auto part = dir / "clip.mp4.part";
  auto r = download_to_part(url, part, options());
  EXPECT_TRUE(read_file(part) == fake_mp4(6))
      << read_file(part).size() << " vs " << fake_mp4(6).size();
  EXPECT_EQ(r.bytes, fake_mp4(6).size());
  EXPECT_EQ(r.attempts, 1);
  EXPECT_TRUE(fake.range_headers().empty());
}

TEST_F(DownloadTest, TruncatedTransferResumesWithRange) {
  fake.inject(Route::storage, Fault::of(Fault::Kind::truncate));
  auto part = dir / "clip.mp4.part";
  auto r = download_to_part(url, part, options());
  EXPECT_TRUE(read_file(part) == fake_mp4(6))
      << read_file(part).size() << " vs " << fake_mp4(6).size() << "resumed bytes line up";
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.resumes, 1);
  EXPECT_EQ(r.restarts, 0);
  ASSERT_EQ(fake.range_headers().size(), 1u);
  EXPECT_EQ(fake.range_headers()[0], "bytes=" + std::to_string(fake_mp4(6).size() / 2) + "-");
}

TEST_F(DownloadTest, ServerIgnoringRangeMeansStartingOver) {
  fake.inject(Route::storage, Fault::of(Fault::Kind::truncate));
  fake.inject(Route::storage, Fault::of(Fault::Kind::ignore_range));
  auto part = dir / "clip.mp4.part";
  auto r = download_to_part(url, part, options());
  EXPECT_TRUE(read_file(part) == fake_mp4(6))
      << read_file(part).size() << " vs " << fake_mp4(6).size() << "no duplicated prefix";
  EXPECT_EQ(r.restarts, 1);
  EXPECT_EQ(r.resumes, 0);
}

TEST_F(DownloadTest, ExistingPartIsResumed) {
  auto part = dir / "clip.mp4.part";
  std::ofstream(part, std::ios::binary) << fake_mp4(6).substr(0, 1000);
  auto r = download_to_part(url, part, options());
  EXPECT_TRUE(read_file(part) == fake_mp4(6))
      << read_file(part).size() << " vs " << fake_mp4(6).size();
  EXPECT_EQ(r.resumes, 1);
}

TEST_F(DownloadTest, RedirectToAnotherPortGetsNoAuthorization) {
  fake.inject(Route::storage, Fault::of(Fault::Kind::redirect));
  auto part = dir / "clip.mp4.part";
  auto r = download_to_part(url, part, options());
  EXPECT_TRUE(read_file(part) == fake_mp4(6))
      << read_file(part).size() << " vs " << fake_mp4(6).size();
  EXPECT_EQ(r.redirects, 1);
  EXPECT_EQ(fake.other_port_calls(), 1);
}

TEST_F(DownloadTest, RedirectToPlainHttpElsewhereIsRefused) {
  fake.inject(Route::storage, Fault::http(302).with_location("http://cdn.example/x.mp4"));
  auto part = dir / "clip.mp4.part";
  try {
    download_to_part(url, part, options());
    FAIL() << "followed an http redirect";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("https only"), std::string::npos) << e.what();
  }
}

TEST_F(DownloadTest, AtMostThreeRedirects) {
  fake.inject(Route::storage, Fault::http(302).with_location(url).repeat(-1));
  auto part = dir / "clip.mp4.part";
  try {
    download_to_part(url, part, options());
    FAIL() << "redirect loop followed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than 3 redirects"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fake.calls(Route::storage), 4) << "the first request plus 3 followed redirects";
}

TEST_F(DownloadTest, SizeCapIsEnforcedAndThePartRemoved) {
  auto part = dir / "clip.mp4.part";
  auto o = options();
  o.max_bytes = 1000;
  try {
    download_to_part(url, part, o);
    FAIL() << "size cap ignored";
  } catch (const Error& e) {
    EXPECT_EQ(e.failure(), Failure::runtime);
    EXPECT_NE(std::string(e.what()).find("size cap"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(part));
}

TEST_F(DownloadTest, StalledTransferIsCutAndResumed) {
  fake.set_drip_interval(200ms);
  fake.inject(Route::storage, Fault::of(Fault::Kind::slow_drip));
  auto part = dir / "clip.mp4.part";
  auto r = download_to_part(url, part, options());
  EXPECT_TRUE(read_file(part) == fake_mp4(6))
      << read_file(part).size() << " vs " << fake_mp4(6).size();
  EXPECT_EQ(r.attempts, 2);
  EXPECT_NE(log.all().find("cut"), std::string::npos) << log.all();
}

TEST_F(DownloadTest, MissingOutputIsNotRetried) {
  auto part = dir / "clip.mp4.part";
  try {
    download_to_part(fake.origin() + "/storage/outputs/nope.mp4?sig=SECRET", part, options());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("404"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("SECRET"), std::string::npos) << "query redacted";
  }
  EXPECT_EQ(fake.calls(Route::storage), 1);
}

TEST_F(DownloadTest, PlainHttpToRemoteHostRefused) {
  auto part = dir / "clip.mp4.part";
  EXPECT_THROW(download_to_part("http://cdn.example/a.mp4", part, options()), Error);
  EXPECT_EQ(fake.calls(Route::storage), 0);
}
