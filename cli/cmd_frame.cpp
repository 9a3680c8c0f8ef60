// shotchain frame SRC (--at TIME | --frame N | --first | --last | --best-near TIME [--window S])
//                 -o OUT.png|.jpg [--quality Q]: argument parsing and printing only; the work is
// stages/frame_extract.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/json_text.h"
#include "common/error.h"
#include "stages/frame_extract.h"

namespace shotchain::cli {
namespace {

struct FrameArgs {
  std::string src;
  std::string output;
  std::string at;
  int64_t frame = -1;
  bool first = false;
  bool last = false;
  std::string best_near;
  double window = 1.0;
  int quality = 90;
};

stages::TimeSpec time_arg(const std::string& flag, const std::string& text) {
  auto t = stages::parse_time(text);
  if (!t)
    throw Error(Failure::bad_input,
                flag + " " + text + ": not a TIME (12.5, HH:MM:SS.mmm or HH:MM:SS:FF)");
  return *t;
}

} // namespace

void add_frame_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<FrameArgs>();
  auto* sub = root.add_subcommand("frame", "Write one frame of a video as PNG or JPEG");
  sub->add_option("src", args->src, "Source video")->required();
  sub->add_option("-o,--output", args->output, "Output image (.png, .jpg)")->required();
  auto* at = sub->add_option("--at", args->at, "The frame shown at TIME (as ffmpeg -ss TIME)");
  auto* frame = sub->add_option("--frame", args->frame, "The N-th frame (0-based, display order)")
                    ->check(CLI::NonNegativeNumber);
  auto* first = sub->add_flag("--first", args->first, "The first frame");
  auto* last = sub->add_flag("--last", args->last, "The last displayed frame");
  auto* best = sub->add_option("--best-near", args->best_near,
                               "The sharpest frame within --window seconds of TIME");
  sub->add_option("--window", args->window, "Seconds searched each side for --best-near (1)")
      ->check(CLI::Range(0.01, 60.0));
  sub->add_option("--quality", args->quality, "JPEG quality 1-100 (90)")->check(CLI::Range(1, 100));
  for (auto* a : {at, frame, first, last, best})
    for (auto* b : {at, frame, first, last, best})
      if (a != b) a->excludes(b);

  sub->callback([args, &global, &action, at, frame, first, last, best] {
    const int chosen = static_cast<int>(at->count() > 0) + static_cast<int>(frame->count() > 0) +
                       static_cast<int>(first->count() > 0) + static_cast<int>(last->count() > 0) +
                       static_cast<int>(best->count() > 0);
    const bool json = global.json;
    const int verbosity = global.verbosity;
    action = [args, chosen, json, verbosity]() -> int {
      if (chosen != 1)
        throw Error(Failure::bad_input,
                    "frame: choose one of --at, --frame, --first, --last, --best-near");
      stages::FrameRequest req;
      if (!args->at.empty()) {
        req.kind = stages::FrameRequest::Kind::at;
        req.time = time_arg("--at", args->at);
      } else if (args->frame >= 0) {
        req.kind = stages::FrameRequest::Kind::index;
        req.index = args->frame;
      } else if (args->first) {
        req.kind = stages::FrameRequest::Kind::first;
      } else if (args->last) {
        req.kind = stages::FrameRequest::Kind::last;
      } else {
        req.kind = stages::FrameRequest::Kind::best_near;
        req.time = time_arg("--best-near", args->best_near);
        req.window = args->window;
      }
      auto r = stages::extract_frame_to_image(args->src, req, args->output, args->quality);
      const bool rotated = r.rotation == 90 || r.rotation == 270;
      const int w = rotated ? r.frame.height() : r.frame.width();
      const int h = rotated ? r.frame.width() : r.frame.height();
      if (json) {
        std::printf(
            "{\"event\":\"frame\",\"source\":\"%s\",\"output\":\"%s\",\"seconds\":%.6f,"
            "\"width\":%d,\"height\":%d,\"rotation\":%d}\n",
            json_escape(args->src).c_str(), json_escape(args->output).c_str(), r.seconds, w, h,
            r.rotation);
      } else if (verbosity > 0) {
        std::printf("%s: frame at %.3f s, %dx%d\n", args->output.c_str(), r.seconds, w, h);
      }
      return 0;
    };
  });
}

} // namespace shotchain::cli
