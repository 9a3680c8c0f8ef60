#pragma once
// The Atlas generation backend (public header): one segment per call, as the pipeline and
// `shotchain generate` run it. Steps, each reported to the journal through GenerationHooks
// before going on:
//   pre-flight (reference/end image, prompt, duration, model, output folder: nothing spent yet)
//   -> upload (cached by content hash; on_upload) -> submit (on_intent before the POST; the
//   money rule in remote::AtlasClient; on_prediction_id) -> await (poll with backoff to a
//   deadline; on_status) -> on_output_url -> download (.part, resume, size cap) -> verify
//   (decodes, has video; its rate, frame count and size are recorded, never a reason to throw
//   a paid clip away) -> rename into place.
// Before the first submit the model's catalogue entry and schema are read (stages/
// generate_catalogue.h): the end frame goes under the declared name, only declared fields are
// sent, and what the schema would refuse is refused locally (exit 2).
// Uploads expire: a cached or journalled upload URL is checked (HEAD, no key) before a submit
// uses it and uploaded again when dead; a submit refused because the service could not fetch
// an image uploads it again and submits once more (the refusal created no job).
// Resume: a journalled output_url skips to the download; a prediction_id is awaited without
// submitting again; an intent_time without an id is first looked up in /model/history (the
// answer may have been lost in a crash) and only submitted when a readable history shows no
// job that could be it. A submit that cannot be confirmed stops (exit 1) naming the candidate
// ids and the `shotchain adopt` command.
// No curl or RapidJSON type appears here.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "remote/atlas.h"
#include "remote/download.h"
#include "stages/generate_catalogue.h"
#include "stages/generate_upload_cache.h"
#include "stages/poll_memory.h"
#include "stages/stage.h"

namespace shotchain::stages {

struct AtlasBackendOptions {
  remote::AtlasConfig client;         // base URL, key, timeouts, retries, polling deadline
  remote::DownloadOptions download;   // size cap, stall limit, redirects
  std::filesystem::path upload_cache; // persisted cache file; "" keeps it in memory
  std::filesystem::path cache_dir;    // catalogue and schema cache; "" keeps nothing
  std::string job_file; // the job spec being run ("" for `generate`): named in adopt hints
  std::filesystem::path poll_memory; // job durations per model (poll_memory.h); "": in memory
};

// The options the command uses: base URL from `api_base_flag`, else env ATLASCLOUD_API_BASE,
// else the service; the given key; the upload cache at default_upload_cache_path(); `log`
// (may be empty) receives -v lines (redacted). `deadline_seconds` <= 0 keeps 20 minutes.
AtlasBackendOptions atlas_options(const std::string& api_base_flag, const std::string& api_key,
                                  remote::LogSink log, double deadline_seconds = 0);

// Test and tuning knob: SHOTCHAIN_ATLAS_TUNING="api_total_ms=500,poll_initial_ms=20,..."
// (connect_ms, api_total_ms, stall_ms, retry_base_ms, retry_cap_ms, retry_after_cap_ms,
// poll_initial_ms, poll_max_ms, retry_seed) overrides the matching durations. Throws bad_input
// on an unknown name. atlas_options() applies it.
void apply_tuning_from_environment(AtlasBackendOptions& options);

// $XDG_CACHE_HOME/shotchain/uploads.json, else ~/.cache/shotchain/uploads.json, else "".
std::filesystem::path default_upload_cache_path();

// ISO 8601 UTC with milliseconds ("2026-11-27T15:36:25.123Z"), as journals store intent times.
std::string iso8601_utc(std::chrono::system_clock::time_point t);

class AtlasBackend final : public GenerationBackend {
 public:
  explicit AtlasBackend(AtlasBackendOptions options); // throws bad_input for a bad base/key
  std::string name() const override { return "atlas"; }
  bool paid() const override { return true; }
  // Reference/end image when given (must already be PNG/JPEG: see prepare_reference; empty
  // for a chained segment at plan time), prompt, duration, model id, output folder when
  // given. Throws Error(bad_input).
  void preflight(const GenerationRequest& request) override;
  GenerationResult generate(const GenerationRequest& request, const GenerationResume& resume,
                            const GenerationHooks& hooks, StageContext& context) override;

  // The same with the references already at URLs (`--image-url`): no upload. `end_image_url`
  // may be empty. request.reference_image / end_image are ignored.
  GenerationResult generate_from_urls(const GenerationRequest& request,
                                      const std::string& image_url,
                                      const std::string& end_image_url,
                                      const GenerationResume& resume, const GenerationHooks& hooks,
                                      StageContext& context);

  // Downloads and verifies the output of a finished prediction into `output`
  // (`expected_frames` 0: 150 or 250). Throws refused when it is not finished well.
  GenerationResult fetch(const std::string& prediction_id, const std::filesystem::path& output,
                         int expected_frames, StageContext& context);

  // Downloads `url` to `output` through a .part file, verifies (with `verify` when given,
  // else verify_clip), renames. Returns frames; with `last_frame`, also saves the verified
  // clip's last frame there.
  GenerationResult download_verified(const std::string& url, const std::filesystem::path& output,
                                     int expected_frames, StageContext& context,
                                     const std::filesystem::path& last_frame = {},
                                     const decltype(GenerationHooks::verify)& verify = {});

  // Uploads (or finds in the cache, alive) one image; returns its URL. `fresh`: never the cache.
  std::string upload_image(const std::filesystem::path& image, StageContext& context,
                           bool fresh = false);

  // The catalogue's entry and schema of `model` (cached; the built-in table when offline).
  ModelFacts model_facts(const std::string& model);
  ModelCatalogue& catalogue() { return *catalogue_; }

  // A client bound to `context`'s cancellation; with `model`, polling as that model's jobs
  // taught (this run's and earlier runs').
  remote::AtlasClient client(const StageContext& context, const std::string& model = {}) const;
  const AtlasBackendOptions& options() const { return options_; }

 private:
  std::string submit_and_await(const GenerationRequest& r, remote::GenerateRequest& g,
                               const GenerationResume& resume, const GenerationHooks& hooks,
                               StageContext& context, std::string& id);
  std::string adopt_hint(const GenerationRequest& r, const remote::UnconfirmedSubmit& e) const;

  AtlasBackendOptions options_;
  std::shared_ptr<UploadCache> cache_;
  std::shared_ptr<ModelCatalogue> catalogue_;
  std::atomic<bool> builtin_noted_{false};
  std::shared_ptr<PollMemory> polls_;
};

} // namespace shotchain::stages
