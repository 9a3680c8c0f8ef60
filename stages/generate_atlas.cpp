#include "stages/generate_atlas.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "common/error.h"
#include "common/sha256.h"
#include "remote/url.h"
#include "stages/generate_verify.h"
#include "stages/reference_check.h"

namespace shotchain::stages {
namespace {

std::function<bool()> cancel_probe(const StageContext& context) {
  const CancelToken* token = context.cancel;
  return [token] { return token && token->requested(); };
}

std::string who(const GenerationRequest& r) {
  if (r.shot_id.empty()) return "generate";
  std::string s = "shot \"" + r.shot_id + "\"";
  if (r.segments > 1)
    s += " segment " + std::to_string(r.segment + 1) + "/" + std::to_string(r.segments);
  return s;
}

} // namespace

AtlasBackendOptions atlas_options(const std::string& api_base_flag, const std::string& api_key,
                                  remote::LogSink log, double deadline_seconds) {
  AtlasBackendOptions o;
  std::string base = api_base_flag;
  if (base.empty())
    if (const char* env = std::getenv("ATLASCLOUD_API_BASE"); env && *env) base = env;
  if (!base.empty()) o.client.api_base = base;
  o.client.api_key = api_key;
  o.client.log = log;
  o.download.log = log;
  if (deadline_seconds > 0)
    o.client.poll.deadline =
        std::chrono::milliseconds(static_cast<std::int64_t>(deadline_seconds * 1000.0));
  o.upload_cache = default_upload_cache_path();
  o.cache_dir = default_cache_dir();
  o.poll_memory = default_poll_memory_path();
  apply_tuning_from_environment(o);
  return o;
}

void apply_tuning_from_environment(AtlasBackendOptions& o) {
  const char* env = std::getenv("SHOTCHAIN_ATLAS_TUNING");
  if (!env || !*env) return;
  std::string text = env;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    std::string item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos)
      throw Error(Failure::bad_input, "SHOTCHAIN_ATLAS_TUNING: '" + item + "' is not name=ms");
    std::string name = item.substr(0, eq);
    char* end = nullptr;
    long long v = std::strtoll(item.c_str() + eq + 1, &end, 10);
    if (!end || *end != '\0' || v < 0)
      throw Error(Failure::bad_input, "SHOTCHAIN_ATLAS_TUNING: '" + item + "' is not name=ms");
    std::chrono::milliseconds ms(v);
    if (name == "connect_ms") {
      o.client.api_timeouts.connect = o.client.upload_timeouts.connect = ms;
      o.download.timeouts.connect = ms;
    } else if (name == "api_total_ms") {
      o.client.api_timeouts.total = ms;
    } else if (name == "stall_ms") {
      o.client.upload_timeouts.stall = o.download.timeouts.stall = ms;
    } else if (name == "retry_base_ms") {
      o.client.retry.base = o.download.retry.base = ms;
    } else if (name == "retry_cap_ms") {
      o.client.retry.cap = o.download.retry.cap = ms;
    } else if (name == "retry_after_cap_ms") {
      o.client.retry.retry_after_cap = o.download.retry.retry_after_cap = ms;
    } else if (name == "poll_initial_ms") {
      o.client.poll.initial = ms;
    } else if (name == "poll_max_ms") {
      o.client.poll.max = ms;
    } else if (name == "retry_seed") {
      o.client.retry.seed = o.download.retry.seed = static_cast<std::uint64_t>(v);
    } else {
      throw Error(Failure::bad_input, "SHOTCHAIN_ATLAS_TUNING: unknown setting '" + name + "'");
    }
  }
}

std::filesystem::path default_upload_cache_path() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "shotchain" / "uploads.json";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".cache" / "shotchain" / "uploads.json";
  return {};
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

AtlasBackend::AtlasBackend(AtlasBackendOptions options)
    : options_(std::move(options)),
      cache_(std::make_shared<UploadCache>(options_.upload_cache)),
      catalogue_(std::make_shared<ModelCatalogue>(options_.cache_dir)),
      polls_(std::make_shared<PollMemory>(options_.poll_memory)) {
  options_.download.secret = options_.client.api_key;
  if (!options_.download.log) options_.download.log = options_.client.log;
  remote::AtlasClient check(options_.client); // validates base URL and key now
  (void)check;
}

remote::AtlasClient AtlasBackend::client(const StageContext& context,
                                         const std::string& model) const {
  remote::AtlasConfig c = options_.client;
  if (!model.empty() && c.poll_learner) c.poll_learner = polls_->learner_for(model);
  if (context.cancel) c.cancelled = cancel_probe(context);
  return remote::AtlasClient(c);
}

void AtlasBackend::preflight(const GenerationRequest& r) {
  const std::string w = who(r);
  const std::string model = r.model.empty() ? std::string(remote::kDefaultModel) : r.model;
  check_model_id(model);
  check_prompt(r.prompt);
  check_duration(r.duration);
  check_against_schema(model_facts(model).schema, w, r.prompt, r.duration, !r.end_image.empty(),
                       r.prompt_expansion);
  if (!r.reference_image.empty())
    check_reference_image(r.reference_image, w + ": reference " + r.reference_image.string());
  if (!r.end_image.empty()) {
    // A chained segment's reference (k > 0) does not exist before its predecessor is made.
    if (r.reference_image.empty() && r.segment == 0)
      throw Error(Failure::bad_input, w + ": an end image needs a first image");
    check_reference_image(r.end_image, w + ": end image " + r.end_image.string());
  }
  // The output is checked when known (the pipeline's plan-time pre-flight has none yet).
  auto parent = r.output.parent_path();
  std::error_code ec;
  if (!r.output.empty() && !parent.empty() && !std::filesystem::is_directory(parent, ec))
    throw Error(Failure::bad_input, r.output.string() + ": the folder does not exist");
}

ModelFacts AtlasBackend::model_facts(const std::string& model) {
  return catalogue_->facts(remote::AtlasClient(options_.client), model);
}

std::string AtlasBackend::upload_image(const std::filesystem::path& image, StageContext& context,
                                       bool fresh) {
  auto facts = check_reference_image(image, image.string());
  std::string name = image.filename().string();
  std::string hash = sha256_file(image);
  const std::string& base = options_.client.api_base;
  auto c = client(context);
  if (!fresh) {
    if (auto hit = cache_->find(base, hash, name)) {
      if (c.url_alive(*hit)) {
        context.report(ProgressEvent::Kind::log, "upload",
                       name + ": already uploaded (content hash " + hash.substr(0, 12) + ")");
        return *hit;
      }
      context.report(ProgressEvent::Kind::log, "upload",
                     name + ": the cached upload has expired; uploading it again");
    }
  }
  cache_->forget(base, hash, name);
  context.report(ProgressEvent::Kind::progress, "upload", "uploading " + name);
  auto up = c.upload(image, name, facts.content_type);
  cache_->store(base, hash, name, up.download_url);
  return up.download_url;
}

GenerationResult AtlasBackend::generate(const GenerationRequest& r, const GenerationResume& resume,
                                        const GenerationHooks& hooks, StageContext& context) {
  // A journalled job needs no references any more.
  if (!resume.prediction_id.empty() || !resume.output_url.empty())
    return generate_from_urls(r, resume.upload_url, {}, resume, hooks, context);
  preflight(r);
  if (r.reference_image.empty()) throw Error(Failure::bad_input, who(r) + ": no reference image");
  std::string image_url = resume.upload_url;
  if (!image_url.empty() && !client(context).url_alive(image_url)) {
    context.report(ProgressEvent::Kind::log, "upload",
                   r.reference_image.filename().string() +
                       ": the journalled upload has expired; uploading it again");
    image_url.clear();
  }
  auto upload_all = [&](bool fresh) {
    if (image_url.empty() || fresh) {
      context.report(ProgressEvent::Kind::started, "upload", r.reference_image.filename().string());
      image_url = upload_image(r.reference_image, context, fresh);
      if (hooks.on_upload) hooks.on_upload(image_url);
    }
  };
  upload_all(false);
  std::string end_url;
  if (!r.end_image.empty()) end_url = upload_image(r.end_image, context);
  try {
    return generate_from_urls(r, image_url, end_url, resume, hooks, context);
  } catch (const remote::ImageUnreachable& e) {
    // The refusal created no job: upload again (the storage URL died) and submit once more.
    context.report(ProgressEvent::Kind::log, "upload",
                   std::string(e.what()) + "; uploading again and submitting once more");
    upload_all(true);
    if (!r.end_image.empty()) end_url = upload_image(r.end_image, context, true);
    GenerationResume again = resume;
    again.intent_time.clear();
    again.upload_url = image_url;
    return generate_from_urls(r, image_url, end_url, again, hooks, context);
  }
}

std::string AtlasBackend::adopt_hint(const GenerationRequest& r,
                                     const remote::UnconfirmedSubmit& e) const {
  const auto& ids = e.candidates();
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
  std::string id = ids.size() == 1 ? ids.front() : "PREDICTION_ID";
  std::string hint = ids.empty() ? "; look for it in the console or with `shotchain history`"
                                 : "; candidates: " + list;
  if (!options_.job_file.empty() && !r.shot_id.empty()) {
    std::string target = r.shot_id;
    if (r.segments > 1) target += "/" + std::to_string(r.segment + 1);
    hint += "; attach the right one with `shotchain adopt " + options_.job_file + " " + target +
            " " + id + "` (the journal keeps the intent)";
  } else {
    hint += "; fetch the right one with `shotchain prediction " + id + " -o " +
            (r.output.empty() ? std::string("OUT.mp4") : r.output.string()) + "`";
  }
  return hint;
}

// Submits (or adopts a journalled or lost submit) and waits for the job; returns the output URL.
std::string AtlasBackend::submit_and_await(const GenerationRequest& r, remote::GenerateRequest& g,
                                           const GenerationResume& resume,
                                           const GenerationHooks& hooks, StageContext& context,
                                           std::string& id) {
  const std::string w = who(r);
  auto c = client(context, g.model);
  std::optional<std::chrono::steady_clock::time_point> submitted_at;
  if (id.empty()) {
    check_model_id(g.model);
    check_prompt(g.prompt);
    check_duration(g.duration);
    if (g.image.empty()) throw Error(Failure::bad_input, w + ": no reference image");
    if (auto why = remote::url_policy_violation(g.image); !why.empty())
      throw Error(Failure::bad_input, w + ": --image-url: " + why);
    if (!g.end_image.empty())
      if (auto why = remote::url_policy_violation(g.end_image); !why.empty())
        throw Error(Failure::bad_input, w + ": end image URL: " + why);
    ModelFacts facts = model_facts(g.model);
    if (!facts.from_service && !builtin_noted_.exchange(true))
      context.report(ProgressEvent::Kind::log, "generate",
                     "model " + g.model + ": using " + facts.note);
    check_against_schema(facts.schema, w, g.prompt, g.duration, !g.end_image.empty(),
                         g.prompt_expansion);
    if (auto name = facts.schema.end_frame_field(); !name.empty()) g.end_image_field = name;
    for (const auto& f : facts.schema.fields) g.declared_fields.push_back(f.name);
    try {
      // A crash between the intent and the answer: the job may exist already.
      if (!resume.intent_time.empty()) {
        if (auto ms = remote::parse_timestamp_ms(resume.intent_time)) {
          auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms));
          auto found = c.find_in_history(g, when);
          std::vector<std::string> ids;
          for (const auto& p : found.candidates) ids.push_back(p.id);
          if (found.candidates.size() == 1) {
            id = found.candidates.front().id;
            context.report(ProgressEvent::Kind::log, "generate",
                           "adopted " + id + " from the history (journalled intent " +
                               resume.intent_time + ")");
          } else if (!found.readable || !found.candidates.empty()) {
            throw remote::UnconfirmedSubmit(
                w + ": a submit journalled at " + resume.intent_time +
                    " may have created a paid job and " +
                    (found.readable
                         ? std::to_string(ids.size()) + " jobs could be it"
                         : "the history could not be read (" + found.why_unreadable + ")") +
                    "; it was not resent",
                ids);
          }
        }
      }
      if (id.empty()) {
        context.check_cancel(w);
        context.report(ProgressEvent::Kind::started, "generate", "submitting " + g.model);
        auto sub = c.generate(g, [&](const remote::Intent& intent) {
          if (hooks.on_intent) hooks.on_intent(iso8601_utc(intent.time));
        });
        id = sub.prediction.id;
        submitted_at = std::chrono::steady_clock::now();
        if (sub.outcome == remote::SubmitOutcome::adopted)
          context.report(ProgressEvent::Kind::log, "generate",
                         "the submit's answer was lost; adopted " + id + " from the history");
      }
    } catch (const remote::UnconfirmedSubmit& e) {
      throw remote::UnconfirmedSubmit(w + ": " + e.what() + adopt_hint(r, e), e.candidates());
    }
    if (hooks.on_prediction_id) hooks.on_prediction_id(id);
  }
  context.report(ProgressEvent::Kind::progress, "generate", "prediction " + id, -1, "submitted");
  std::string last;
  auto done = c.await(
      id,
      [&](const remote::Prediction& p) {
        if (p.status == last) return;
        last = p.status;
        if (hooks.on_status) hooks.on_status(p.status);
        context.report(ProgressEvent::Kind::progress, "generate", "prediction " + id, -1, p.status);
      },
      submitted_at);
  polls_->remember(g.model);
  return done.outputs.front();
}

GenerationResult AtlasBackend::generate_from_urls(
    const GenerationRequest& r, const std::string& image_url, const std::string& end_image_url,
    const GenerationResume& resume, const GenerationHooks& hooks, StageContext& context) {
  remote::GenerateRequest g;
  g.model = r.model.empty() ? std::string(remote::kDefaultModel) : r.model;
  g.prompt = r.prompt;
  g.image = image_url;
  g.end_image = end_image_url;
  g.duration = r.duration;
  g.prompt_expansion = r.prompt_expansion;

  std::string output_url = resume.output_url;
  std::string id = resume.prediction_id;
  if (!output_url.empty() && !id.empty() && !client(context).url_alive(output_url)) {
    // A journalled output URL expired (signed storage): the job gives a fresh one.
    context.report(ProgressEvent::Kind::log, "download",
                   "the journalled output URL has expired; asking prediction " + id + " again");
    output_url.clear();
  }
  if (output_url.empty()) {
    output_url = submit_and_await(r, g, resume, hooks, context, id);
    if (hooks.on_output_url) hooks.on_output_url(output_url);
  }
  auto fetched = download_verified(output_url, r.output, r.expected_frames(), context, r.last_frame,
                                   hooks.verify);
  fetched.prediction_id = id;
  fetched.upload_url = image_url;
  return fetched;
}

GenerationResult AtlasBackend::download_verified(const std::string& url,
                                                 const std::filesystem::path& output,
                                                 int expected_frames, StageContext& context,
                                                 const std::filesystem::path& last_frame,
                                                 const decltype(GenerationHooks::verify)& verify) {
  auto opts = options_.download;
  if (context.cancel) opts.cancelled = cancel_probe(context);
  auto part = remote::part_path_for(output);
  context.report(ProgressEvent::Kind::started, "download", remote::redact_url(url));
  auto d = remote::download_to_part(url, part, opts);
  context.report(ProgressEvent::Kind::started, "verify", output.filename().string());
  ClipCheck check;
  try {
    check = verify
                ? verify(part, expected_frames, output.string(), last_frame)
                : verify_clip(part, expected_frames, output.string(), opts.cancelled, last_frame);
  } catch (const Error& e) {
    std::error_code ec;
    if (e.failure() != Failure::interrupted) std::filesystem::remove(part, ec);
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(part, output, ec);
  if (ec)
    throw Error(Failure::runtime,
                output.string() + ": cannot move the clip into place: " + ec.message());
  if (!check.difference.empty())
    context.report(ProgressEvent::Kind::log, "verify",
                   output.filename().string() + ": " + check.difference);
  context.report(ProgressEvent::Kind::finished, "verify",
                 output.filename().string() + ": " + std::to_string(check.frames) + " frames, " +
                     std::to_string(d.bytes) + " bytes");
  GenerationResult g;
  g.file = output;
  g.output_url = url;
  g.frames = check.frames;
  g.width = check.width;
  g.height = check.height;
  g.fps = check.fps;
  g.last_frame = last_frame;
  return g;
}

GenerationResult AtlasBackend::fetch(const std::string& prediction_id,
                                     const std::filesystem::path& output, int expected_frames,
                                     StageContext& context) {
  auto c = client(context);
  auto p = c.prediction(prediction_id);
  switch (p.state()) {
    case remote::PredictionState::failed:
      throw Error(Failure::refused, "prediction " + prediction_id + " " + p.status +
                                        (p.error.empty() ? "" : ": " + p.error));
    case remote::PredictionState::running:
      throw Error(Failure::runtime,
                  "prediction " + prediction_id + " is still " + p.status + "; try again later");
    case remote::PredictionState::succeeded:
      break;
  }
  if (p.outputs.empty())
    throw Error(Failure::runtime, "prediction " + prediction_id + ": finished without outputs");
  auto g = download_verified(p.outputs.front(), output, expected_frames, context);
  g.prediction_id = prediction_id;
  return g;
}

} // namespace shotchain::stages
