// shotchain convert SRC -o OUT.mov|.mp4 [--codec copy|h264|prores|prores_hq|prores_4444]
//                   [--fps R] [--size WxH] [--fit pad|crop|stretch] [--crf N] [--no-audio]:
// argument parsing and printing only; the work is stages/convert_media.
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/json_text.h"
#include "common/error.h"
#include "stages/convert_media.h"

namespace shotchain::cli {
namespace {

struct ConvertArgs {
  std::string src;
  std::string output;
  std::string codec;
  std::string fps;
  std::string size;
  std::string fit = "pad";
  int crf = 18;
  bool no_audio = false;
};

std::atomic<bool> g_cancel{false};
extern "C" void on_convert_signal(int) { g_cancel = true; }

} // namespace

void add_convert_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<ConvertArgs>();
  auto* sub = root.add_subcommand("convert", "Convert a clip to an editor-ready MOV or MP4");
  sub->add_option("src", args->src, "Source video")->required();
  sub->add_option("-o,--output", args->output, "Output (.mov or .mp4)")->required();
  sub->add_option("--codec", args->codec,
                  "copy|h264|prores|prores_hq|prores_4444 (default: prores_hq for .mov, h264 "
                  "for .mp4)");
  sub->add_option("--fps", args->fps, "Constant output frame rate (25, 29.97, 30000/1001)");
  sub->add_option("--size", args->size, "Output size WxH (default: the source's displayed size)");
  sub->add_option("--fit", args->fit, "pad|crop|stretch when the aspect differs (pad)");
  sub->add_option("--crf", args->crf, "H.264 quality, 0-51 (18)");
  sub->add_flag("--no-audio", args->no_audio, "Drop the audio");

  sub->callback([args, &global, &action] {
    const bool json = global.json;
    const int verbosity = global.verbosity;
    action = [args, json, verbosity]() -> int {
      stages::ConvertOptions o;
      o.codec = args->codec;
      if (!args->fps.empty()) {
        o.fps = codecs::parse_rate(args->fps);
        if (!o.fps) throw Error(Failure::bad_input, "--fps " + args->fps + ": not a frame rate");
      }
      if (!args->size.empty()) {
        o.size = codecs::parse_size(args->size);
        if (!o.size) throw Error(Failure::bad_input, "--size " + args->size + ": expected WxH");
      }
      auto fit = codecs::parse_fit(args->fit);
      if (!fit)
        throw Error(Failure::bad_input, "--fit " + args->fit + ": use pad, crop or stretch");
      o.fit = *fit;
      o.crf = args->crf;
      o.audio = !args->no_audio;
      o.cancel = &g_cancel;
      std::signal(SIGINT, on_convert_signal);
      std::signal(SIGTERM, on_convert_signal);
      int last_pct = -1;
      if (json || verbosity > 1) {
        o.progress = [json, &last_pct](double f) {
          const int pct = static_cast<int>(f * 100);
          if (pct / 10 == last_pct / 10) return;
          last_pct = pct;
          if (json)
            std::printf("{\"event\":\"progress\",\"fraction\":%.2f}\n", f);
          else
            std::fprintf(stderr, "convert: %d%%\n", pct);
          std::fflush(stdout);
        };
      }
      auto r = stages::convert(args->src, args->output, o);
      if (json) {
        std::printf(
            "{\"event\":\"converted\",\"source\":\"%s\",\"output\":\"%s\",\"video_codec\":\"%s\","
            "\"frames\":%lld,\"duration\":%.6f,\"audio_codec\":\"%s\",\"timecode\":\"%s\"}\n",
            json_escape(args->src).c_str(), json_escape(args->output).c_str(),
            r.video_codec.c_str(), static_cast<long long>(r.video_frames), r.duration,
            r.audio_codec.c_str(), json_escape(r.timecode).c_str());
      } else if (verbosity > 0) {
        std::printf("%s: %s, %lld frames, %.3f s%s%s\n", args->output.c_str(),
                    r.video_codec.c_str(), static_cast<long long>(r.video_frames), r.duration,
                    r.audio ? (", audio " + r.audio_codec).c_str() : "",
                    r.timecode.empty() ? "" : (", timecode " + r.timecode).c_str());
      }
      return 0;
    };
  });
}

} // namespace shotchain::cli
