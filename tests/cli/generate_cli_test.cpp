// The real `shotchain generate / prediction / history` against the in-process fake service:
// exit codes per DESIGN.md, at most one paid job per logical job, and the API key absent from
// every byte printed or written.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/cli/fake_service_cli.h"

using namespace shotchain::test;
using namespace std::chrono_literals;

namespace {

class GenerateCli : public FakeServiceCli {
 protected:
  GenerateCli() { extra_env["SHOTCHAIN_PREVIEW_HEIGHT"] = "240"; }

  std::vector<std::string> gen(const std::string& out = "out.mp4",
                               const std::string& prompt = "a slow dolly forward") {
    return {"generate", "--image", (dir / "ref.png").string(), "--prompt",
            prompt,     "-o",      (dir / out).string()};
  }

  int frames(const std::string& file) {
    auto json = ffprobe_json(
        {"-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames"},
        file);
    auto pos = json.find("\"nb_read_frames\": \"");
    if (pos == std::string::npos) return -1;
    return std::atoi(json.c_str() + pos + 19);
  }
};

} // namespace

TEST_F(GenerateCli, GeneratesAVerifiedClip) {
  // The base URL as a flag (the env var is dropped), the key from the environment.
  auto e = env();
  e["ATLASCLOUD_API_BASE"] = "";
  auto args = gen();
  args.insert(args.begin(), {"--api-base", fake.base_url()});
  auto r = run_shotchain(args, e);
  runs.push_back(r);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(frames((dir / "out.mp4").string()), 150);
  EXPECT_EQ(ffprobe_value((dir / "out.mp4").string(), "v:0", "stream=r_frame_rate"), "25/1");
  EXPECT_NE(r.out.find("prediction " + fake.job_ids().at(0)), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("completed"), std::string::npos) << "service state on stderr: " << r.err;
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(list_dir(dir.path()).find(".part"), std::string::npos) << list_dir(dir.path());
}

TEST_F(GenerateCli, JsonEventsOnStdout) {
  auto r = shotchain({"--json", "generate", "--image", (dir / "ref.png").string(), "--prompt", "p",
                      "--duration", "10", "-o", (dir / "ten.mp4").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
  EXPECT_GE(n, 3);
  EXPECT_NE(r.out.find("\"completed\""), std::string::npos) << r.out;
  EXPECT_EQ(frames((dir / "ten.mp4").string()), 250);
}

TEST_F(GenerateCli, VerboseLogsAreRedacted) {
  auto r = shotchain({"-v", "generate", "--image", (dir / "ref.png").string(), "--prompt", "p",
                      "-o", (dir / "v.mp4").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Authorization: <redacted>"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("?<redacted>"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("SECRETSIG"), std::string::npos) << "signed URL query logged";
}

TEST_F(GenerateCli, KeyFromFile) {
  std::ofstream(dir / "key.txt") << fake.api_key() << "\n";
  auto args = gen();
  args.insert(args.begin(), {"--api-key-file", (dir / "key.txt").string()});
  auto r = shotchain(args, false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(GenerateCli, BackendAtlasWithoutKeyIsUsageError) {
  auto args = gen();
  args.insert(args.begin(), {"--backend", "atlas"});
  auto r = shotchain(args, false);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("API key"), std::string::npos) << r.err;
  EXPECT_EQ(fake.calls(Route::upload) + fake.generate_calls(), 0);
}

TEST_F(GenerateCli, NoKeyUsesThePreviewBackend) {
  auto r = shotchain(gen("preview.mp4"), false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("preview"), std::string::npos) << r.err;
  EXPECT_EQ(frames((dir / "preview.mp4").string()), 150);
  EXPECT_EQ(fake.calls(Route::upload) + fake.generate_calls(), 0);
}

TEST_F(GenerateCli, LocalChecksExitTwoAndSpendNothing) {
  auto r = shotchain(gen("a.mp4", std::string(2001, 'x')));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("2000"), std::string::npos) << r.err;
  auto d = gen("b.mp4");
  d.insert(d.end(), {"--duration", "8"});
  EXPECT_EQ(shotchain(d).exit_code, 2);
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=1200x400", "-frames:v", "1",
          (dir / "wide.png").string()});
  r = shotchain({"generate", "--image", (dir / "wide.png").string(), "--prompt", "p", "-o",
                 (dir / "c.mp4").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--fit"), std::string::npos) << r.err;
  r = shotchain({"generate", "--prompt", "p", "-o", (dir / "d.mp4").string()});
  EXPECT_EQ(r.exit_code, 2);
  r = shotchain({"generate", "--image", (dir / "ref.png").string(), "--prompt", "p", "-o",
                 (dir / "nofolder" / "e.mp4").string()});
  EXPECT_EQ(r.exit_code, 2);
  r = shotchain({"generate", "--image", (dir / "ref.png").string(), "--prompt", "p", "-o",
                 (dir / "e.mov").string()});
  EXPECT_EQ(r.exit_code, 2);
  r = shotchain({"--api-base", "http://api.example/api/v1", "generate", "--image",
                 (dir / "ref.png").string(), "--prompt", "p", "-o", (dir / "f.mp4").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(fake.calls(Route::upload) + fake.generate_calls(), 0);
  EXPECT_EQ(list_dir(dir.path()).find(".mp4"), std::string::npos) << list_dir(dir.path());
}

TEST_F(GenerateCli, FitPadMakesAWideReferenceValid) {
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=1200x400", "-frames:v", "1",
          (dir / "wide.png").string()});
  auto r = shotchain({"generate", "--image", (dir / "wide.png").string(), "--fit", "pad",
                      "--prompt", "p", "-o", (dir / "w.mp4").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake.uploaded_names().size(), 1u);
  EXPECT_EQ(fake.uploaded_names()[0], "wide.ref.png");
}

TEST_F(GenerateCli, FromVideoLastFrame) {
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=480x320:rate=25", "-frames:v", "20", "-pix_fmt",
          "yuv420p", (dir / "src.mp4").string()});
  auto r = shotchain({"generate", "--from-video", (dir / "src.mp4").string(), "--last", "--prompt",
                      "p", "-o", (dir / "fv.mp4").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.calls(Route::upload), 1);
  r = shotchain({"generate", "--from-video", (dir / "src.mp4").string(), "--prompt", "p", "-o",
                 (dir / "fv2.mp4").string()});
  EXPECT_EQ(r.exit_code, 2) << "needs --at or --last";
}

TEST_F(GenerateCli, ImageUrlSkipsTheUpload) {
  auto r = shotchain({"generate", "--image-url", fake.origin() + "/storage/uploads/x.png",
                      "--prompt", "p", "-o", (dir / "u.mp4").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.calls(Route::upload), 0);
  EXPECT_NE(fake.last_generate_body().find("/storage/uploads/x.png"), std::string::npos);
}

TEST_F(GenerateCli, ServiceRefusalsExitThree) {
  fake.inject(Route::generate, Fault::http(400, "prompt violates the content policy"));
  auto r = shotchain(gen("a.mp4"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("prompt violates the content policy"), std::string::npos) << r.err;
  auto bad = env();
  bad["ATLASCLOUD_API_KEY"] = "sk-not-the-right-one";
  auto r401 = run_shotchain(gen("b.mp4"), bad);
  runs.push_back(r401);
  EXPECT_EQ(r401.exit_code, 3) << r401.err;
  EXPECT_EQ(r401.err.find("sk-not-the-right-one"), std::string::npos);
  EXPECT_EQ(fake.jobs_created(), 0);
  EXPECT_EQ(list_dir(dir.path()).find(".mp4"), std::string::npos);
}

TEST_F(GenerateCli, FailedCanceledTimeoutJobsExitThreeWithReason) {
  for (std::string state : {"failed", "canceled", "timeout"}) {
    fake.set_final_state(state, "because " + state);
    auto r = shotchain(gen(state + ".mp4", "p " + state));
    EXPECT_EQ(r.exit_code, 3) << state << r.err;
    EXPECT_NE(r.err.find("because " + state), std::string::npos) << r.err;
    EXPECT_EQ(fake.generate_calls_for("p " + state), 1);
  }
  fake.set_final_state("failed", "terminal five hundred");
  fake.set_terminal_5xx(true);
  auto r = shotchain(gen("t.mp4", "p t"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("terminal five hundred"), std::string::npos) << r.err;
  EXPECT_EQ(fake.generate_calls_for("p t"), 1);
}

TEST_F(GenerateCli, LostAnswersNeverPayTwice) {
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset_after_create));
  auto r = shotchain(gen("a.mp4", "after"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls_for("after"), 1);
  EXPECT_EQ(fake.jobs_for("after"), 1);
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset));
  r = shotchain(gen("b.mp4", "before"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.jobs_for("before"), 1);
  EXPECT_EQ(fake.generate_calls_for("before"), 2) << "resent once after the history showed none";
  fake.set_hang_time(3000ms);
  fake.inject(Route::generate, Fault::of(Fault::Kind::hang).creating_job());
  r = shotchain(gen("c.mp4", "hang"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls_for("hang"), 1);
  fake.inject(Route::generate, Fault::of(Fault::Kind::bad_json));
  r = shotchain(gen("d.mp4", "json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls_for("json"), 1);
}

TEST_F(GenerateCli, TransientFaultsAreRetried) {
  fake.inject(Route::upload, Fault::http(429, "slow down").with_retry_after("1"));
  fake.inject(Route::prediction, Fault::http(502));
  fake.inject(Route::prediction, Fault::http(503));
  fake.inject(Route::storage, Fault::of(Fault::Kind::truncate));
  fake.inject(Route::storage, Fault::of(Fault::Kind::redirect));
  fake.set_flat_envelope(true);
  auto r = shotchain(gen());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(frames((dir / "out.mp4").string()), 150);
  EXPECT_EQ(fake.calls(Route::upload), 2);
  EXPECT_EQ(fake.other_port_calls(), 1);
  EXPECT_FALSE(fake.range_headers().empty());
}

TEST_F(GenerateCli, OutageAndDeadlineExitOne) {
  fake.inject(Route::upload, Fault::http(500).repeat(-1));
  auto r = shotchain(gen("a.mp4", "outage"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(fake.calls(Route::upload), 3);
  EXPECT_EQ(fake.generate_calls(), 0);
  fake.reset();
  fake.set_final_state("never");
  auto args = gen("b.mp4", "slow");
  args.insert(args.end(), {"--deadline", "0.5"});
  r = shotchain(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  ASSERT_EQ(fake.job_ids().size(), 1u);
  EXPECT_NE(r.err.find("shotchain prediction " + fake.job_ids()[0]), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "b.mp4"));
  // Later, the job finished: fetch it without paying again.
  fake.finish_job(fake.job_ids()[0], "completed");
  r = shotchain({"prediction", fake.job_ids()[0], "-o", (dir / "b.mp4").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(frames((dir / "b.mp4").string()), 150);
  EXPECT_EQ(fake.generate_calls(), 1);
}

TEST_F(GenerateCli, PredictionAndHistory) {
  ASSERT_EQ(shotchain(gen()).exit_code, 0);
  auto id = fake.job_ids().at(0);
  auto r = shotchain({"prediction", id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(id + ": completed"), std::string::npos) << r.out;
  r = shotchain({"--json", "prediction", id});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\"status\":\"completed\""), std::string::npos) << r.out;
  r = shotchain({"prediction", "pred-unknown"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("unknown to this key"), std::string::npos) << r.err;
  r = shotchain({"history"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(id), std::string::npos) << r.out;
  r = shotchain({"history"}, false);
  EXPECT_EQ(r.exit_code, 2);
  fake.set_final_state("failed", "bad luck");
  ASSERT_EQ(shotchain(gen("x.mp4", "second")).exit_code, 3);
  r = shotchain({"prediction", fake.job_ids().at(1), "-o", (dir / "y.mp4").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("bad luck"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "y.mp4"));
}

TEST_F(GenerateCli, JpegReferenceIsUploadedAsIs) {
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1",
          (dir / "still.jpg").string()});
  auto r = shotchain({"generate", "--image", (dir / "still.jpg").string(), "--prompt", "p", "-o",
                      (dir / "j.mp4").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake.uploaded_names().size(), 1u);
  EXPECT_EQ(fake.uploaded_names()[0], "still.jpg");
}
