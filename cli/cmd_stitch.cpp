// shotchain stitch CLIP... -o OUT.mov|.mp4: argument parsing and printing only; the work is
// the stitch stage (stages/stitch/stitch.h).
#include <csignal>
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/json_text.h"
#include "common/error.h"
#include "stages/stage.h"
#include "stages/stitch/stitch.h"

namespace shotchain::cli {
namespace {

struct StitchArgs {
  std::vector<std::string> clips;
  std::string output;
  std::string codec = "auto";
  std::string fps = "25";
  std::string size;
  std::string fit = "pad";
  bool dedupe = false;
  std::string timeline;
  std::string qc;
  std::string contact_sheet;
};

CancelToken* g_cancel = nullptr;
extern "C" void on_signal(int) {
  if (g_cancel) g_cancel->request();
}

} // namespace

void add_stitch_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<StitchArgs>();
  auto* sub = root.add_subcommand("stitch", "Conform and concatenate clips into one sequence");
  sub->add_option("clips", args->clips, "Input clips, in order")->required(false);
  sub->add_option("-o,--output", args->output, "Output sequence (.mov or .mp4)");
  sub->add_option("--codec", args->codec, "auto|copy|h264|prores|prores_hq|prores_4444");
  sub->add_option("--fps", args->fps, "Sequence frame rate (default 25)");
  sub->add_option("--size", args->size, "WxH (default: the first clip's displayed size)");
  sub->add_option("--fit", args->fit, "pad|crop|stretch (default pad)");
  sub->add_flag("--dedupe-joins", args->dedupe,
                "Drop a clip's first frame when it repeats "
                "the previous clip's last (measured)");
  sub->add_option("--timeline", args->timeline, "Comma list of otio,fcpxml,edl");
  sub->add_option("--qc", args->qc, "QC report (JSON)");
  sub->add_option("--contact-sheet", args->contact_sheet, "Contact sheet (PNG)");
  sub->callback([args, &global, &action] {
    action = [args, &global]() -> int {
      using namespace stitch;
      if (args->clips.empty()) throw Error(Failure::bad_input, "stitch: no clips given");
      if (args->output.empty()) throw Error(Failure::bad_input, "stitch: -o OUT is required");
      Options o;
      o.output = args->output;
      o.codec = parse_codec(args->codec);
      o.fps = parse_fps(args->fps);
      if (!args->size.empty()) o.size = parse_size(args->size);
      o.fit = parse_fit(args->fit);
      o.dedupe_joins = args->dedupe;
      if (!args->timeline.empty()) o.timelines = parse_timelines(args->timeline);
      o.qc_json = args->qc;
      o.contact_sheet = args->contact_sheet;
      std::vector<Clip> clips;
      for (const auto& c : args->clips) clips.push_back({c, "", {}});

      CancelToken cancel;
      g_cancel = &cancel;
      auto old_int = std::signal(SIGINT, on_signal);
      auto old_term = std::signal(SIGTERM, on_signal);
      o.cancel = &cancel;
      const bool json = global.json;
      const int verbosity = global.verbosity;
      o.progress = [json, verbosity](const Progress& p) {
        if (json)
          std::printf(
              "{\"event\":\"progress\",\"stage\":\"stitch\",\"phase\":\"%s\",\"clip\":%zu,"
              "\"clips\":%zu,\"frames\":%lld}\n",
              p.phase.c_str(), p.clip_index + 1, p.clip_count,
              static_cast<long long>(p.frames_done));
        else if (verbosity >= 2)
          std::fprintf(stderr, "stitch: %s clip %zu/%zu, %lld frames\n", p.phase.c_str(),
                       p.clip_index + 1, p.clip_count, static_cast<long long>(p.frames_done));
      };
      Result r;
      try {
        r = stitch::stitch(clips, o);
      } catch (...) {
        std::signal(SIGINT, old_int);
        std::signal(SIGTERM, old_term);
        g_cancel = nullptr;
        throw;
      }
      std::signal(SIGINT, old_int);
      std::signal(SIGTERM, old_term);
      g_cancel = nullptr;

      int dropped = 0;
      for (const auto& j : r.joins) dropped += j.dropped ? 1 : 0;
      if (json) {
        std::string files;
        for (const auto& p : r.written)
          files += (files.empty() ? "\"" : ",\"") + json_escape(p.string()) + "\"";
        std::printf(
            "{\"event\":\"done\",\"stage\":\"stitch\",\"output\":\"%s\",\"frames\":%lld,"
            "\"duration\":%.3f,\"codec\":\"%s\",\"copied\":%s,\"dropped_join_frames\":%d,"
            "\"written\":[%s]}\n",
            json_escape(o.output.string()).c_str(), static_cast<long long>(r.frames), r.duration,
            r.video_codec.c_str(), r.stream_copied ? "true" : "false", dropped, files.c_str());
      } else if (verbosity >= 1) {
        std::printf("%s: %lld frames, %.3f s, %dx%d %s%s, %zu clips, %d join frame%s dropped\n",
                    o.output.string().c_str(), static_cast<long long>(r.frames), r.duration,
                    r.size.width, r.size.height, r.video_codec.c_str(),
                    r.stream_copied ? " (stream copy)" : "", r.clips.size(), dropped,
                    dropped == 1 ? "" : "s");
        for (std::size_t i = 1; i < r.written.size(); ++i)
          std::printf("  wrote %s\n", r.written[i].string().c_str());
      }
      return 0;
    };
  });
}

} // namespace shotchain::cli
