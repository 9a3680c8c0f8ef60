// The real service's behaviours (issue 9), each a switch of the fake, end to end through
// `shotchain generate` and through `shotchain run` (three shots in flight): the exit code, the
// number of generate calls and jobs created (never more calls than the plan), and the output.
// TearDown checks that the API key reaches no byte printed or written.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>

#include "tests/cli/fake_service_cli.h"

using namespace shotchain::test;
using namespace std::chrono_literals;

namespace {

class RealServiceCli : public FakeServiceCli {
 protected:
  void SetUp() override {
    FakeServiceCli::SetUp();
    ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1", "-vf", "negate",
            (dir / "end.png").string()});
  }

  RunResult generate(const std::string& out = "out.mp4", std::vector<std::string> extra = {}) {
    std::vector<std::string> a{"generate",
                               "--image",
                               (dir / "ref.png").string(),
                               "--prompt",
                               "a slow dolly forward",
                               "-o",
                               (dir / out).string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return shotchain(a);
  }

  // Three independent shots (run at once) and, with `end`, an end frame on the first.
  std::string write_job(bool end = false, bool qc = false) {
    std::string text = R"({
  "output": { "path": "out/seq.mp4", "codec": "h264", "timeline": ["otio"], "qc": )" +
                       std::string(qc ? "true" : "false") + R"(,
              "contact_sheet": false },
  "shots": [
    { "id": "x", "reference": { "image": "ref.png" }, "prompt": "shot x moves")" +
                       std::string(end ? R"(, "end_image": "end.png")" : "") + R"( },
    { "id": "y", "reference": { "image": "ref.png" }, "prompt": "shot y moves" },
    { "id": "z", "reference": { "image": "ref.png" }, "prompt": "shot z moves" }
  ]
})";
    auto p = dir / "job.json";
    std::ofstream(p) << text;
    return p.string();
  }

  RunResult run_job(bool end = false) {
    return shotchain({"run", write_job(end), "--concurrency", "3"});
  }

  bool exists(const std::string& rel) { return std::filesystem::exists(dir / rel); }

  void TearDown() override {
    FakeServiceCli::TearDown();
    EXPECT_EQ(fake.calls_with_authorization_to_public(), 0) << "catalogue/schema need no key";
  }
};

} // namespace

TEST_F(RealServiceCli, EveryIdKeyIsReadAndNeverResubmitted) {
  for (auto [key, where] : std::vector<std::pair<std::string, std::string>>{
           {"prediction_id", "data"}, {"request_id", "top"}, {"predictionId", "data.data"}}) {
    fake.reset();
    fake.set_id_key(key, where);
    auto r = generate("g-" + key + ".mp4");
    EXPECT_EQ(r.exit_code, 0) << key << ": " << r.err;
    EXPECT_EQ(fake.generate_calls(), 1) << key;
    EXPECT_EQ(fake.jobs_created(), 1) << key;
    EXPECT_TRUE(exists("g-" + key + ".mp4"));
  }
  fake.reset();
  fake.set_id_key("request_id", "data.data");
  auto r = run_job();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3);
  EXPECT_EQ(fake.jobs_created(), 3);
  EXPECT_TRUE(exists("out/seq.mp4"));
  EXPECT_EQ(fake.last_user_agent().rfind("shotchain/", 0), 0u) << fake.last_user_agent();
}

TEST_F(RealServiceCli, EveryOutputKeyIsRead) {
  for (std::string form : {"output_list", "output"}) {
    fake.reset();
    fake.set_output_key(form);
    auto r = generate("o-" + form + ".mp4");
    EXPECT_EQ(r.exit_code, 0) << form << ": " << r.err;
    EXPECT_EQ(fake.generate_calls(), 1);
    EXPECT_TRUE(exists("o-" + form + ".mp4"));
  }
  fake.reset();
  fake.set_output_key("output");
  auto r = run_job();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3);
  EXPECT_TRUE(exists("out/seq.mp4"));
}

TEST_F(RealServiceCli, WarmUp404KeepsPolling) {
  fake.set_warmup_404(3);
  auto r = generate();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.jobs_created(), 1);
  EXPECT_TRUE(exists("out.mp4"));
  fake.reset();
  fake.set_warmup_404(3);
  r = run_job();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3);
  EXPECT_TRUE(exists("out/seq.mp4"));
}

TEST_F(RealServiceCli, A2xxWithoutIdIsNeverResent) {
  // Every submit answers 2xx without an id; the history does not echo inputs. Each lost id is
  // found (the entry no other submit of the run claimed) or the run stops: never a resend.
  fake.set_id_key("");
  fake.set_history_mode("blind");
  auto r = run_job();
  EXPECT_EQ(fake.generate_calls(), 3) << "never more calls than the plan";
  EXPECT_EQ(fake.jobs_created(), 3);
  if (r.exit_code == 0) {
    EXPECT_TRUE(exists("out/seq.mp4"));
  } else {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("shotchain adopt " + (dir / "job.json").string()), std::string::npos)
        << r.err;
  }
  // Through `generate`: a history that echoes inputs finds the one job.
  fake.reset();
  fake.set_id_key("");
  r = generate();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.jobs_created(), 1);
  EXPECT_TRUE(exists("out.mp4"));
  // A 2xx without an id and no job in a readable history: still not resent.
  fake.reset();
  fake.set_id_key("");
  fake.set_history_mode("blind");
  fake.inject(Route::history, Fault::http(200).with_body("{\"code\":200,\"data\":[]}"));
  r = generate("none.mp4");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_NE(r.err.find("not resent"), std::string::npos) << r.err;
}

TEST_F(RealServiceCli, AbsentHistoryStopsWithTheAdoptCommandAndAdoptFinishesIt) {
  fake.set_history_mode("absent");
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset_after_create));
  auto r = generate();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.jobs_created(), 1);
  EXPECT_NE(r.err.find("shotchain prediction PREDICTION_ID -o"), std::string::npos) << r.err;
  EXPECT_FALSE(exists("out.mp4"));

  fake.reset();
  fake.set_history_mode("absent");
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset_after_create));
  std::string job = write_job();
  r = shotchain({"run", job, "--concurrency", "3"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3) << "never more calls than the plan";
  EXPECT_EQ(fake.jobs_created(), 3);
  auto pos = r.err.find("shotchain adopt " + job + " ");
  ASSERT_NE(pos, std::string::npos) << r.err;
  // Which shot lost its answer: the one named in the command.
  std::string shot = r.err.substr(pos + std::string("shotchain adopt " + job + " ").size(), 1);
  // The job the lost submit created: the one no shot journalled.
  std::string lost;
  for (const auto& id : fake.job_ids()) {
    bool journalled = false;
    for (auto& e : std::filesystem::recursive_directory_iterator(dir / "job.state"))
      if (e.is_regular_file() && read_file(e.path()).find("\"" + id + "\"") != std::string::npos)
        journalled = true;
    if (!journalled) lost = id;
  }
  ASSERT_FALSE(lost.empty());
  r = shotchain({"adopt", job, shot, lost});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = shotchain({"run", job, "--concurrency", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3) << "the adopted job was not submitted again";
  EXPECT_EQ(fake.jobs_created(), 3);
  EXPECT_TRUE(exists("out/seq.mp4"));
  // A wrong target is a usage error.
  r = shotchain({"adopt", job, "nope", lost});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(RealServiceCli, BlindHistoryWithShotsInFlightNeverPaysTwice) {
  // All three submits create their job and time out together: a blind history shows three
  // entries that could each be any of them. Nothing is resent; every shot names the command.
  fake.set_history_mode("blind");
  fake.set_hang_time(2500ms);
  fake.inject(Route::generate, Fault::of(Fault::Kind::hang).creating_job().repeat(3));
  auto r = run_job();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3) << "never more calls than the plan";
  EXPECT_EQ(fake.jobs_created(), 3);
  EXPECT_NE(r.err.find("shotchain adopt " + (dir / "job.json").string()), std::string::npos)
      << r.err;
  for (const auto& id : fake.job_ids()) EXPECT_NE(r.err.find(id), std::string::npos) << r.err;
  EXPECT_FALSE(exists("out/seq.mp4"));
  // A lost answer with nothing else in flight and one blind entry is adopted.
  fake.reset();
  fake.set_history_mode("blind");
  fake.inject(Route::generate, Fault::of(Fault::Kind::reset_after_create));
  r = generate();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_TRUE(exists("out.mp4"));
}

TEST_F(RealServiceCli, ExpiredUploadsAreUploadedAgain) {
  auto r = generate("a.mp4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.calls(Route::upload), 1);
  fake.expire_uploads(); // the cached URL now answers 404
  r = generate("b.mp4");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.calls(Route::upload), 2) << "the dead cached URL was replaced";
  EXPECT_EQ(fake.generate_calls(), 2);
  EXPECT_EQ(fake.jobs_created(), 2);
  EXPECT_TRUE(exists("b.mp4"));

  // The service cannot fetch an image the check still saw alive: upload again, submit once more
  // (the refusal created no job).
  fake.reset();
  fake.inject(Route::generate, Fault::http(400, "image could not be fetched from the URL"));
  r = generate("c.mp4");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 2);
  EXPECT_EQ(fake.jobs_created(), 1);
  // One for the dead cache entry (the fake was reset), one after the refusal.
  EXPECT_EQ(fake.calls(Route::upload), 2);
  EXPECT_TRUE(exists("c.mp4"));
  fake.reset();
  fake.inject(Route::generate, Fault::http(400, "image could not be fetched").repeat(2));
  r = generate("d.mp4");
  EXPECT_EQ(r.exit_code, 3) << "refused twice: stop";
  EXPECT_EQ(fake.generate_calls(), 2);
  EXPECT_EQ(fake.jobs_created(), 0);

  // A run refused after its uploads, resumed once every journalled URL has expired.
  fake.reset();
  fake.inject(Route::generate, Fault::http(422, "temporarily refused").repeat(3));
  r = run_job();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(fake.jobs_created(), 0);
  int uploads = fake.calls(Route::upload);
  EXPECT_GE(uploads, 1);
  fake.expire_uploads();
  r = run_job();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(fake.calls(Route::upload), uploads);
  EXPECT_EQ(fake.generate_calls(), 6);
  EXPECT_EQ(fake.jobs_created(), 3);
  EXPECT_TRUE(exists("out/seq.mp4"));
}

TEST_F(RealServiceCli, TheSchemaNamesTheEndFrameAndOnlyDeclaredFieldsAreSent) {
  fake.set_catalogue(true, "last_image", /*strict=*/true);
  auto r = generate("out.mp4", {"--end-image", (dir / "end.png").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_NE(fake.last_generate_body().find("\"last_image\":"), std::string::npos)
      << fake.last_generate_body();
  EXPECT_EQ(fake.last_generate_body().find("\"end_image\""), std::string::npos);
  EXPECT_TRUE(exists("out.mp4"));
  fake.reset();
  fake.set_catalogue(true, "last_image", true);
  r = run_job(/*end=*/true);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3);
  EXPECT_TRUE(exists("out/seq.mp4"));

  // A schema without an end frame: refused locally, nothing spent.
  fake.reset();
  fake.set_catalogue(true, "", true);
  std::filesystem::remove_all(dir / "cache"); // the schema is cached for a day
  r = generate("none.mp4", {"--end-image", (dir / "end.png").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("declares no end frame"), std::string::npos) << r.err;
  EXPECT_EQ(fake.generate_calls(), 0);
  EXPECT_EQ(fake.calls(Route::upload), 0);
  std::filesystem::remove_all(dir / "cache"); // the schema is cached for a day
  r = run_job(true);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(fake.generate_calls(), 0);
  EXPECT_EQ(fake.calls(Route::upload), 0);
}

TEST_F(RealServiceCli, ModelsShowsTheCatalogueOrSaysItIsBuiltIn) {
  auto r = shotchain({"models"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("built-in table"), std::string::npos) << r.out;
  fake.set_catalogue(true, "last_image", false, "0.31");
  std::filesystem::remove_all(dir / "cache");
  r = shotchain({"models", "minimax/hailuo-02/standard"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("$0.31"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the service's catalogue"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("last_image"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("one of 6 10"), std::string::npos) << r.out;
  r = shotchain({"--json", "models"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"source\":\"service\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("minimax/hailuo-02/fast"), std::string::npos) << r.out;
  r = shotchain({"models", "no/such-model"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(RealServiceCli, ABalanceThatCannotCoverThePlanStopsBeforeAnything) {
  fake.set_catalogue(true, "end_image", false, "0.23");
  fake.set_balance("0.100000");
  auto r = generate();
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("$0.23"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("$0.10"), std::string::npos) << r.err;
  EXPECT_EQ(fake.calls(Route::upload), 0);
  EXPECT_EQ(fake.generate_calls(), 0);
  r = run_job();
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("$0.69"), std::string::npos) << r.err;
  EXPECT_EQ(fake.calls(Route::upload), 0);
  EXPECT_EQ(fake.generate_calls(), 0);
  // Enough balance: the run goes on.
  fake.set_balance("12.500000");
  r = run_job();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3);
  EXPECT_GE(fake.balance_calls(), 1);
}

TEST_F(RealServiceCli, Http402And403HtmlEachSayWhatToDo) {
  fake.inject(Route::generate, Fault::http(402, "insufficient balance"));
  auto r = generate();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("balance"), std::string::npos) << r.err;
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.jobs_created(), 0);
  fake.reset();
  const std::string html =
      "<!DOCTYPE html><html><head><title>Access denied | error code: 1010</title></head>"
      "<body>Cloudflare</body></html>";
  fake.inject(Route::generate, Fault::http(403).with_body(html).repeat(3));
  r = generate();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("edge blocked"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("<html"), std::string::npos) << r.err;
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_EQ(fake.jobs_created(), 0);
  fake.reset();
  fake.inject(Route::generate, Fault::http(402, "insufficient balance").repeat(3));
  r = run_job();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_LE(fake.generate_calls(), 3);
  EXPECT_EQ(fake.jobs_created(), 0);
  EXPECT_FALSE(exists("out/seq.mp4"));
}

TEST_F(RealServiceCli, A24FpsClipWithAnOddFrameCountIsKept) {
  fake.set_output_bytes(fake_mp4_at(24, 145));
  auto r = shotchain({"-v", "generate", "--image", (dir / "ref.png").string(), "--prompt",
                      "a slow dolly forward", "-o", (dir / "out.mp4").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 1);
  EXPECT_TRUE(exists("out.mp4"));
  EXPECT_NE(r.out.find("145 frames"), std::string::npos) << r.out;
  r = run_job();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 4) << "kept, not generated again";
  ASSERT_TRUE(exists("out/seq.mp4"));
  // Assembly conformed the 24 fps clips to the sequence's 25 fps (ffprobe as the oracle).
  EXPECT_EQ(ffprobe_value((dir / "out/seq.mp4").string(), "v:0", "stream=r_frame_rate"), "25/1");
}

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

TEST_F(RealServiceCli, AClipKeptAsDeliveredIsRecordedInJournalProvenanceAndQc) {
  // Every segment comes at 24 fps with 145 frames: kept, and the difference is written where
  // an editor or an accountant looks, not only in a log line.
  fake.set_output_bytes(fake_mp4_at(24, 145));
  auto r = shotchain({"run", write_job(false, true), "--concurrency", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3);
  const std::string difference = "24.000 fps, 145 frames (expected 25 fps, 150 frames)";
  // The journal's segment record.
  auto journal = parse_json(read_file(dir / "job.state" / "shots" / "x.json"));
  ASSERT_TRUE(journal.IsObject());
  const auto& seg = journal["segments"][0];
  EXPECT_DOUBLE_EQ(seg["fps"].GetDouble(), 24.0);
  EXPECT_EQ(seg["frames"].GetInt(), 145);
  EXPECT_EQ(seg["width"].GetInt(), 576);
  EXPECT_EQ(seg["height"].GetInt(), 324);
  EXPECT_EQ(std::string(seg["difference"].GetString()).rfind(difference, 0), 0u)
      << seg["difference"].GetString();
  // The shot's provenance record.
  auto prov = parse_json(read_file(dir / "out" / "provenance" / "x.json"));
  ASSERT_TRUE(prov.IsObject());
  const auto& pseg = prov["segments"][0];
  EXPECT_DOUBLE_EQ(pseg["fps"].GetDouble(), 24.0);
  EXPECT_EQ(pseg["frames"].GetInt(), 145);
  EXPECT_EQ(std::string(pseg["size"].GetString()), "576x324");
  EXPECT_EQ(std::string(pseg["difference"].GetString()).rfind(difference, 0), 0u);
  // The sequence's QC report: per shot clip (each already conformed to 25 fps, so its
  // source_fps alone would hide it), the delivered segments and their difference.
  auto qc = parse_json(read_file(dir / "out" / "seq.qc.json"));
  ASSERT_TRUE(qc.IsObject());
  ASSERT_EQ(qc["clips"].Size(), 3u);
  for (const auto& clip : qc["clips"].GetArray()) {
    EXPECT_EQ(std::string(clip["source_fps"].GetString()), "25/1") << "existing field kept";
    ASSERT_TRUE(clip["metadata"].HasMember("shotchain.delivered_differences"));
    std::string said = clip["metadata"]["shotchain.delivered_differences"].GetString();
    EXPECT_EQ(said.rfind("segment 1: 576x324 at 24.000 fps, 145 frames, " + difference, 0), 0u)
        << said;
  }
  // A run as asked carries no such field.
  fake.reset();
  std::filesystem::remove_all(dir / "out");
  std::filesystem::remove_all(dir / "job.state");
  r = shotchain({"run", write_job(false, true), "--concurrency", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  qc = parse_json(read_file(dir / "out" / "seq.qc.json"));
  ASSERT_TRUE(qc.IsObject());
  EXPECT_FALSE(qc["clips"][0]["metadata"].HasMember("shotchain.delivered_differences"));
  prov = parse_json(read_file(dir / "out" / "provenance" / "x.json"));
  EXPECT_EQ(std::string(prov["segments"][0]["difference"].GetString()), "");
}

TEST_F(RealServiceCli, TheKeyEchoedByThePeerNeverReachesTheUser) {
  const std::string key = fake.api_key();
  fake.inject(Route::generate,
              Fault::http(400).with_body("{\"code\":400,\"msg\":\"bad request for " + key + "\"}"));
  auto r = shotchain({"-v", "generate", "--image", (dir / "ref.png").string(), "--prompt", "echo",
                      "-o", (dir / "a.mp4").string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  fake.reset();
  fake.inject(Route::generate, Fault::http(302).with_location("https://evil.example/" + key));
  r = shotchain({"-v", "generate", "--image", (dir / "ref.png").string(), "--prompt", "echo", "-o",
                 (dir / "b.mp4").string()});
  EXPECT_NE(r.exit_code, 0);
  fake.reset();
  fake.set_running_state("working-" + key); // an unknown status word, logged once
  r = shotchain({"-v", "generate", "--image", (dir / "ref.png").string(), "--prompt", "echo", "-o",
                 (dir / "c.mp4").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("<redacted>"), std::string::npos) << "the echo was shown, scrubbed";
  // And through a run: journal and progress.
  fake.reset();
  fake.set_running_state("working-" + key);
  r = shotchain({"-v", "run", write_job(), "--concurrency", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // TearDown: the key is in no output and no file (journal included).
}

TEST_F(RealServiceCli, ThePlanIsPricedFromTheCatalogue) {
  fake.set_catalogue(true, "end_image", false, "0.40");
  auto r = shotchain({"run", write_job(), "--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1.20 USD for 3 paid generations (prices from the service's catalogue)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(fake.generate_calls(), 0);
  fake.set_catalogue(false);
  std::filesystem::remove_all(dir / "cache");
  r = shotchain({"run", write_job(), "--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0.69 USD for 3 paid generations (prices from the built-in table"),
            std::string::npos)
      << r.out;
}

TEST_F(RealServiceCli, ResumingDaysLaterReplacesExpiredOutputUrls) {
  // Every job finishes but no clip can be fetched: the run stops with the output URLs
  // journalled. Days later those signed URLs have expired; the resumed run asks each job
  // again for a fresh URL and never submits again.
  fake.inject(Route::storage, Fault::http(404).repeat(-1));
  auto r = run_job();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3);
  EXPECT_EQ(fake.jobs_created(), 3);
  fake.clear_faults();
  fake.expire_outputs();
  r = run_job();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.generate_calls(), 3) << "never submitted again";
  EXPECT_EQ(fake.jobs_created(), 3);
  EXPECT_TRUE(exists("out/seq.mp4"));
  // Through `generate`, the same job fetched later with `prediction -o`.
  auto id = fake.job_ids().at(0);
  fake.expire_outputs();
  r = shotchain({"prediction", id, "-o", (dir / "later.mp4").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(exists("later.mp4"));
}
