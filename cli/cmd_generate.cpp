// shotchain generate: one image-to-video clip. The reference comes from --image, --image-url or
// a frame of --from-video; everything local is checked before anything is uploaded or paid
// for; progress goes to stderr (or one JSON event per line on stdout with --json).
// Backend: atlas when an API key is set (ATLASCLOUD_API_KEY or --api-key-file), otherwise the
// offline preview backend (said on stderr); --backend atlas without a key is a usage error.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <random>

#include "cli/command.h"
#include "cli/progress_sink.h"
#include "common/error.h"
#include "pipeline/backends.h"
#include "pipeline/balance_check.h"
#include "remote/url.h"
#include "stages/frame_extract.h"
#include "stages/generate_atlas.h"
#include "stages/reference_check.h"

namespace shotchain::cli {
namespace {

CancelToken* g_generate_cancel = nullptr;

extern "C" void on_generate_signal(int) {
  if (!g_generate_cancel) return;
  if (g_generate_cancel->requested()) _exit(130);
  g_generate_cancel->request();
}

struct GenerateArgs {
  std::string image, image_url, from_video, at, end_image, prompt, model, fit, output;
  bool last = false;
  bool prompt_expansion = false;
  int duration = 6;
  double deadline = 1200;
};

// A scratch folder removed on every exit path.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("shotchain-generate-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void check_args(const GenerateArgs& a) {
  int sources = !a.image.empty() + !a.image_url.empty() + !a.from_video.empty();
  if (sources != 1)
    throw Error(Failure::bad_input,
                "generate: give exactly one of --image, --image-url or --from-video");
  if (!a.from_video.empty() && a.at.empty() == !a.last)
    throw Error(Failure::bad_input, "--from-video: give exactly one of --at TIME or --last");
  if (a.from_video.empty() && (!a.at.empty() || a.last))
    throw Error(Failure::bad_input, "--at/--last: only with --from-video");
  std::filesystem::path out(a.output);
  std::string ext = out.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext != ".mp4") throw Error(Failure::bad_input, "-o " + a.output + ": must end in .mp4");
  std::error_code ec;
  if (out.has_parent_path() && !std::filesystem::is_directory(out.parent_path(), ec))
    throw Error(Failure::bad_input, "-o " + a.output + ": the folder does not exist");
  if (std::filesystem::is_directory(out, ec))
    throw Error(Failure::bad_input, "-o " + a.output + ": is a folder");
  for (const auto& in : {a.image, a.from_video, a.end_image})
    if (!in.empty() && std::filesystem::exists(in, ec) && std::filesystem::exists(out, ec) &&
        std::filesystem::equivalent(in, out, ec))
      throw Error(Failure::bad_input, "-o " + a.output + ": would overwrite an input");
  stages::check_prompt(a.prompt);
  stages::check_duration(a.duration);
  stages::check_model_id(a.model);
  if (a.deadline <= 0) throw Error(Failure::bad_input, "--deadline: must be positive");
  if (!a.image_url.empty())
    if (auto why = remote::url_policy_violation(a.image_url); !why.empty())
      throw Error(Failure::bad_input, "--image-url: " + why);
}

int run_generate(const GenerateArgs& a, const GlobalOptions& global) {
  check_args(a);
  pipeline::BackendChoice choice{global.backend,   global.api_base, global.api_key_file,
                                 global.verbosity, nullptr,         {}};
  std::string key = global.backend == "preview" ? "" : pipeline::find_api_key(choice);
  std::string backend =
      global.backend.empty() ? (key.empty() ? "preview" : "atlas") : global.backend;
  if (backend == "atlas" && key.empty())
    throw Error(Failure::bad_input,
                "--backend atlas: no API key (set ATLASCLOUD_API_KEY or --api-key-file)");
  if (backend == "preview" && !a.image_url.empty())
    throw Error(Failure::bad_input,
                "--image-url: needs the atlas backend (set ATLASCLOUD_API_KEY); the preview "
                "backend works from local images");

  std::unique_ptr<ProgressSink> sink = make_progress_sink(global, false);
  CancelToken cancel;
  StageContext context;
  context.sink = sink.get();
  context.cancel = &cancel;
  ScratchDir scratch;
  context.work_dir = scratch.path();
  context.shot_id = std::filesystem::path(a.output).stem().string();

  // The reference and end image, ready for the service (converted/fitted PNG when needed).
  stages::ReferenceFit fit = a.fit == "pad"    ? stages::ReferenceFit::pad
                             : a.fit == "crop" ? stages::ReferenceFit::crop
                                               : stages::ReferenceFit::none;
  GenerationRequest request;
  request.model = a.model;
  request.prompt = a.prompt;
  request.duration = a.duration;
  request.prompt_expansion = a.prompt_expansion;
  request.output = a.output;
  if (!a.image.empty()) {
    request.reference_image =
        stages::prepare_reference(a.image, fit, scratch.path() / "ref", "--image " + a.image);
  } else if (!a.from_video.empty()) {
    stages::FrameRequest fr;
    if (a.last) {
      fr.kind = stages::FrameRequest::Kind::last;
    } else {
      auto t = stages::parse_time(a.at);
      if (!t) throw Error(Failure::bad_input, "--at " + a.at + ": not a TIME");
      fr.kind = stages::FrameRequest::Kind::at;
      fr.time = *t;
    }
    auto frame_png = scratch.path() / "frame.png";
    stages::extract_frame_to_image(a.from_video, fr, frame_png);
    request.reference_image = stages::prepare_reference(frame_png, fit, scratch.path() / "ref",
                                                        "--from-video " + a.from_video);
  }
  if (!a.end_image.empty()) {
    if (a.image.empty() && a.from_video.empty() && a.image_url.empty())
      throw Error(Failure::bad_input, "--end-image: needs a first image");
    request.end_image = stages::prepare_reference(a.end_image, fit, scratch.path() / "end",
                                                  "--end-image " + a.end_image);
  }

  g_generate_cancel = &cancel;
  struct sigaction sa {};
  struct sigaction old_int {
  }, old_term{};
  sa.sa_handler = on_generate_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  struct Restore {
    struct sigaction* i;
    struct sigaction* t;
    ~Restore() {
      sigaction(SIGINT, i, nullptr);
      sigaction(SIGTERM, t, nullptr);
      g_generate_cancel = nullptr;
    }
  } restore{&old_int, &old_term};

  GenerationResult result;
  if (backend == "preview") {
    std::fprintf(stderr,
                 "shotchain: no API key: using the offline preview backend (a local zoom/pan "
                 "clip, not the service)\n");
    auto b = pipeline::make_backend(choice);
    b->preflight(request);
    result = b->generate(request, {}, {}, context);
  } else {
    remote::LogSink log;
    if (global.verbosity >= 2)
      log = [](const std::string& line) { std::fprintf(stderr, "shotchain: %s\n", line.c_str()); };
    stages::AtlasBackend atlas(stages::atlas_options(global.api_base, key, log, a.deadline));
    GenerationHooks hooks;
    hooks.on_prediction_id = [&](const std::string& id) {
      context.report(
          ProgressEvent::Kind::log, "generate",
          "prediction " + id + " (fetch it later with `shotchain prediction " + id + " -o FILE`)");
    };
    // Nothing is uploaded or spent when the balance cannot cover the run.
    pipeline::check_balance({pipeline::PaidRuns{a.model, a.duration, 1}}, atlas, sink.get());
    if (!a.image_url.empty()) {
      std::string end_url;
      if (!request.end_image.empty()) end_url = atlas.upload_image(request.end_image, context);
      result = atlas.generate_from_urls(request, a.image_url, end_url, {}, hooks, context);
    } else {
      atlas.preflight(request);
      result = atlas.generate(request, {}, hooks, context);
    }
  }
  if (global.json) {
    ProgressEvent done;
    done.kind = ProgressEvent::Kind::finished;
    done.stage = "generate";
    done.message = result.file.string() + ": " + std::to_string(result.frames) + " frames" +
                   (result.prediction_id.empty() ? "" : ", prediction " + result.prediction_id);
    sink->on_event(done);
  } else if (global.verbosity > 0) {
    std::printf("%s: %d frames, %dx%d%s\n", result.file.string().c_str(), result.frames,
                result.width, result.height,
                result.prediction_id.empty()
                    ? " (preview)"
                    : (" (prediction " + result.prediction_id + ")").c_str());
  }
  return 0;
}

} // namespace

void add_generate_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<GenerateArgs>();
  args->model = remote::kDefaultModel;
  auto* sub = root.add_subcommand("generate", "Generate one image-to-video clip");
  sub->add_option("--image", args->image, "Reference image (first frame)");
  sub->add_option("--image-url", args->image_url, "Reference image already at an https URL");
  sub->add_option("--from-video", args->from_video, "Take the reference frame from a video");
  sub->add_option("--at", args->at, "TIME of the frame in --from-video");
  sub->add_flag("--last", args->last, "The last frame of --from-video");
  sub->add_option("--prompt", args->prompt, "What happens (at most 2000 characters)")->required();
  sub->add_option("--end-image", args->end_image, "Optional last frame");
  sub->add_option("--duration", args->duration, "6 or 10 seconds");
  sub->add_option("--model", args->model, "Model id (default minimax/hailuo-02/standard)");
  sub->add_flag("--prompt-expansion", args->prompt_expansion, "Let the service expand the prompt");
  sub->add_option("--fit", args->fit, "pad or crop an out-of-range reference")
      ->check(CLI::IsMember({"pad", "crop"}));
  sub->add_option("--deadline", args->deadline, "Seconds to wait for the job (default 1200)");
  sub->add_option("-o,--output", args->output, "Output .mp4")->required();
  sub->callback([args, &global, &action] {
    action = [args, &global]() -> int { return run_generate(*args, global); };
  });
}

} // namespace shotchain::cli
