#pragma once
// A labelled corpus for the scene detectors, made with the ffmpeg CLI: shots from different
// lavfi sources (and from similar ones: the same pattern with its hue turned), joined by hard
// cuts, dissolves and fades through black (xfade), with flashes (a few overexposed frames),
// fast pans and short shots, in 720p and 1080p at 25 and 29.97 fps, H.264 with B-frames.
// Each file's truth is known from how it was built.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/run.h"

namespace shotchain::test::scenes_corpus {

enum class Join { hard, dissolve, fade_black };

struct Shot {
  std::string source; // a key of source_filter()
  int frames = 0;
  int flash_at = -1, flash_frames = 0; // overexposed frames inside the shot
};

struct Spec {
  std::string name;
  int width = 1280, height = 720;
  bool ntsc = false; // 29.97 (30000/1001) instead of 25
  std::vector<Shot> shots;
  std::vector<std::pair<Join, int>> joins; // before shots[1..]: kind and length in frames
};

// A cut the detector must report: a hard cut at `first` (+-1), or a gradual transition
// covering frames first..last (a cut anywhere inside, +-1).
struct Transition {
  int64_t first = 0, last = 0;
  bool gradual = false;
};

struct File {
  std::filesystem::path path;
  std::vector<Transition> truth;
  std::vector<std::pair<int64_t, int64_t>> flashes; // frame ranges that are not cuts
  int64_t frames = 0;
};

inline std::string source_filter(const std::string& key, int w, int h, const std::string& rate) {
  const std::string size = std::to_string(w) + "x" + std::to_string(h);
  const std::string quarter = std::to_string(w / 4) + "x" + std::to_string(h / 4);
  const std::string half = std::to_string(w / 2) + "x" + std::to_string(h / 2);
  const std::string up = ",scale=" + std::to_string(w) + ":" + std::to_string(h);
  if (key == "bars") return "testsrc2=s=" + size + ":r=" + rate;
  if (key == "bars_hue") // similar: the same moving pattern, other colours
    return "testsrc2=s=" + size + ":r=" + rate + ",hue=h=150:s=1.2";
  if (key == "life")
    return "life=s=" + quarter + ":r=" + rate +
           ":mold=10:ratio=0.2:seed=7:life_color=#c8ff40:death_color=#503010" + up;
  if (key == "grad1")
    return "gradients=s=" + half + ":r=" + rate + ":c0=#d02020:c1=#2020d0:seed=1:speed=0.03" + up;
  if (key == "grad2") // similar to grad1: the same kind of picture
    return "gradients=s=" + half + ":r=" + rate + ":c0=#e0a000:c1=#10a060:seed=2:speed=0.03" + up;
  if (key == "cells")
    return "cellauto=s=" + quarter + ":r=" + rate + ":rule=30:seed=3" + up +
           ",format=yuv420p,lutyuv=u=150:v=90";
  if (key == "pan") // a fast pan: one picture width per second across a wide test card
    return "testsrc=s=" + std::to_string(w * 4) + "x" + std::to_string(h) + ":r=" + rate +
           ",crop=" + std::to_string(w) + ":" + std::to_string(h) + ":x='t*" + std::to_string(w) +
           "':y=0";
  return "color=c=gray:s=" + size + ":r=" + rate;
}

// Files are made once per build folder (ctest runs each test in its own process) and found
// again by a hash of everything that makes them; written under a temporary name, then renamed,
// so tests running side by side never read half a file.
inline std::filesystem::path cache_dir() {
  auto dir = std::filesystem::path(SHOTCHAIN_BINARY_DIR) / "test-media" / "scenes";
  std::filesystem::create_directories(dir);
  return dir;
}

inline File make(const Spec& spec) {
  const std::filesystem::path dir = cache_dir();
  const std::string rate = spec.ntsc ? "30000/1001" : "25";
  const std::string tb = spec.ntsc ? "1001/30000" : "1/25";
  const double fps = spec.ntsc ? 30000.0 / 1001.0 : 25.0;
  File f;
  std::string graph;
  int64_t len = 0;
  for (size_t k = 0; k < spec.shots.size(); ++k) {
    const Shot& s = spec.shots[k];
    graph += source_filter(s.source, spec.width, spec.height, rate) +
             ",format=yuv420p,setsar=1,trim=end_frame=" + std::to_string(s.frames) +
             ",setpts=PTS-STARTPTS,settb=" + tb;
    if (s.flash_frames > 0)
      graph += ",lutyuv=y='min(255,val*2+120)':u=128:v=128:enable='between(n," +
               std::to_string(s.flash_at) + "," + std::to_string(s.flash_at + s.flash_frames - 1) +
               ")'";
    graph += "[s" + std::to_string(k) + "];";
    int64_t shot_start = len;
    if (k == 0) {
      len = s.frames;
    } else {
      const auto [join, d] = spec.joins[k - 1];
      const std::string a = k == 1 ? "[s0]" : "[c" + std::to_string(k - 1) + "]";
      const std::string b = "[s" + std::to_string(k) + "]";
      if (join == Join::hard) {
        graph += a + b + "concat=n=2:v=1:a=0,settb=" + tb;
        f.truth.push_back({len, len, false});
        len += s.frames;
      } else {
        char offset[64];
        std::snprintf(offset, sizeof offset, "%.6f", static_cast<double>(len - d) / fps);
        char dur[64];
        std::snprintf(dur, sizeof dur, "%.6f", d / fps);
        graph += a + b + "xfade=transition=" + (join == Join::dissolve ? "fade" : "fadeblack") +
                 ":duration=" + dur + ":offset=" + offset;
        if (d >= s.frames || d >= len)
          ADD_FAILURE() << spec.name << ": transition longer than a shot";
        f.truth.push_back({len - d, len - 1, true});
        shot_start = len - d;
        len += s.frames - d;
      }
      graph += "[c" + std::to_string(k) + "];";
    }
    if (s.flash_frames > 0)
      f.flashes.push_back({shot_start + s.flash_at, shot_start + s.flash_at + s.flash_frames - 1});
  }
  graph.pop_back(); // the last ';'
  const std::string last =
      spec.shots.size() == 1 ? "[s0]" : "[c" + std::to_string(spec.shots.size() - 1) + "]";
  const std::vector<std::string> encode{"-map",      last,  "-c:v",     "libx264", "-preset",
                                        "ultrafast", "-bf", "3",        "-g",      "60",
                                        "-crf",      "23",  "-pix_fmt", "yuv420p"};
  std::string key = graph;
  for (const auto& a : encode) key += " " + a;
  char hash[32];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(key));
  f.path = dir / (spec.name + "-" + hash + ".mp4");
  if (!std::filesystem::exists(f.path)) {
    const auto part = dir / (spec.name + "-" + hash + "." + std::to_string(getpid()) + ".mp4");
    std::vector<std::string> args{"-filter_complex", graph};
    args.insert(args.end(), encode.begin(), encode.end());
    args.push_back(part.string());
    ffmpeg(args);
    std::filesystem::rename(part, f.path);
  }
  f.frames = len;
  return f;
}

// The corpus: the cases, small enough to build in a few seconds per file.
inline std::vector<Spec> specs() {
  using J = Join;
  std::vector<Spec> v;
  v.push_back(
      {"hard_720p25",
       1280,
       720,
       false,
       {{"bars", 45},
        {"life", 40},
        {"grad1", 40},
        {"bars_hue", 40},
        {"cells", 35},
        {"grad2", 40},
        {"grad1", 30}},
       {{J::hard, 0}, {J::hard, 0}, {J::hard, 0}, {J::hard, 0}, {J::hard, 0}, {J::hard, 0}}});
  v.push_back({"dissolve_720p2997",
               1280,
               720,
               true,
               {{"bars", 50}, {"grad1", 70}, {"life", 85}, {"bars_hue", 90}, {"cells", 40}},
               {{J::dissolve, 10}, {J::dissolve, 20}, {J::dissolve, 30}, {J::hard, 0}}});
  v.push_back({"fade_720p25",
               1280,
               720,
               false,
               {{"life", 45}, {"bars", 60}, {"grad2", 55}, {"cells", 40}},
               {{J::fade_black, 16}, {J::fade_black, 24}, {J::hard, 0}}});
  v.push_back({"flash_pan_720p25",
               1280,
               720,
               false,
               {{"bars", 60, 20, 2}, {"pan", 75}, {"life", 50, 15, 3}, {"grad1", 40, 12, 1}},
               {{J::hard, 0}, {J::hard, 0}, {J::hard, 0}}});
  v.push_back(
      {"short_720p2997",
       1280,
       720,
       true,
       {{"grad1", 40},
        {"bars", 8},
        {"life", 10},
        {"grad2", 12},
        {"cells", 40},
        {"bars_hue", 9},
        {"grad1", 35}},
       {{J::hard, 0}, {J::hard, 0}, {J::hard, 0}, {J::hard, 0}, {J::hard, 0}, {J::hard, 0}}});
  v.push_back({"mix_1080p25",
               1920,
               1080,
               false,
               {{"bars", 35, 12, 2}, {"grad1", 40}, {"life", 9}, {"bars_hue", 40}, {"cells", 35}},
               {{J::dissolve, 15}, {J::hard, 0}, {J::hard, 0}, {J::fade_black, 20}}});
  v.push_back({"mix_1080p2997",
               1920,
               1080,
               true,
               {{"grad2", 35}, {"grad1", 40}, {"pan", 45}, {"bars", 11}, {"life", 40}},
               {{J::hard, 0}, {J::dissolve, 25}, {J::hard, 0}, {J::hard, 0}}});
  return v;
}

struct Score {
  int true_positives = 0, detected = 0, expected = 0;
  double precision() const { return detected ? double(true_positives) / detected : 1.0; }
  double recall() const { return expected ? double(true_positives) / expected : 1.0; }
  double f1() const {
    const double p = precision(), r = recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
};

// Matches each transition with at most one detected cut (the first free one in its window).
inline Score score(const std::vector<Transition>& truth, const std::vector<int64_t>& cuts) {
  Score s;
  s.detected = static_cast<int>(cuts.size());
  s.expected = static_cast<int>(truth.size());
  std::vector<bool> used(cuts.size(), false);
  for (const auto& t : truth)
    for (size_t i = 0; i < cuts.size(); ++i)
      if (!used[i] && cuts[i] >= t.first - 1 && cuts[i] <= t.last + 1) {
        used[i] = true;
        ++s.true_positives;
        break;
      }
  return s;
}

} // namespace shotchain::test::scenes_corpus
