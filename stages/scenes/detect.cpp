#include "stages/scenes/detect.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "codecs/av_error.h"
#include "common/cpu_time.h"
#include "common/error.h"

namespace shotchain::scenes {
namespace {

// A change whose "before" picture comes back this close (relative to the change) is a flash.
constexpr double kFlashReturn = 0.5;
// Pictures closer than this (mean luma difference) are not a transition's two ends.
constexpr double kBlendMinChange = 8;
// The part of a histogram-change run within this of its peak is the transition itself.
constexpr double kProminence = 0.25;
// Ups and downs of the histogram change smaller than this are noise.
constexpr double kNoise = 0.03;
// A frame this close to the blend of its neighbours (blend_error) is inside a dissolve/fade.
constexpr double kBlendMax = 0.25;
// Gradual transitions last at most this long (seconds); a longer change is motion.
constexpr double kLongestTransition = 1.6;

double mean_around(const std::vector<float>& c, int64_t i, int window) {
  double sum = 0;
  int n = 0;
  const int64_t count = static_cast<int64_t>(c.size());
  for (int64_t j = std::max<int64_t>(1, i - window); j <= std::min(count - 1, i + window); ++j)
    if (j != i) {
      sum += c[static_cast<size_t>(j)];
      ++n;
    }
  return n ? sum / n : 0;
}

// True when the picture before the change at `i` is seen again within kFlashFrames frames
// after it, or the picture after it was already seen within kFlashFrames frames before it.
bool is_flash(const FrameSignals& s, int64_t i) {
  const double c = s.change[0][static_cast<size_t>(i)];
  const int64_t n = s.frames();
  for (int m = 1; m <= kFlashFrames; ++m) {
    const auto& lag = s.change[static_cast<size_t>(m)]; // distance to the frame m+1 earlier
    if (i + m < n && lag[static_cast<size_t>(i + m)] < kFlashReturn * c) return true;
    if (i - 1 - m >= 0 && lag[static_cast<size_t>(i)] < kFlashReturn * c) return true;
  }
  return false;
}

std::vector<Cut> hard_cuts(const FrameSignals& s, const DetectOptions& o, double threshold) {
  std::vector<Cut> cuts;
  const auto& c = s.change[0];
  const int64_t n = s.frames();
  for (int64_t i = 1; i < n; ++i) {
    const double v = c[static_cast<size_t>(i)];
    // A cut is one frame's change: of two neighbouring peaks only the larger counts.
    if ((i > 1 && c[static_cast<size_t>(i - 1)] > v) ||
        (i + 1 < n && c[static_cast<size_t>(i + 1)] >= v))
      continue;
    bool hit = false;
    if (o.detector == DetectorKind::content) {
      hit = v >= threshold;
    } else {
      const double around = mean_around(c, i, o.window);
      hit = v >= o.min_content && (around <= 0 || v / around >= threshold);
    }
    if (hit && !is_flash(s, i)) cuts.push_back({i, v, CutKind::hard});
  }
  return cuts;
}

// Gradual transitions. g[i], the histogram change over kGradualLag frames, rises over a
// transition of D frames and falls kGradualLag frames after it: a bump about D + kGradualLag
// long. A hard cut makes a bump too (already found); a flash makes two short ones; motion
// that reveals other colours (a pan) makes a long, flat rise. So: take the highest unclaimed
// value, its core is the run around it within kProminence of it; a core shorter than
// kFlashFrames is a flash, one longer than any transition is motion; the cut is where the
// picture is most nearly the blend of the pictures kGradualLag / 2 before and after it (a
// dissolve or fade is linear in time), or, without such a frame (a dissolve into a moving
// shot), the core's middle moved back by kGradualLag / 2.
std::vector<Cut> gradual_cuts(const FrameSignals& s, const DetectOptions& o,
                              const std::vector<Cut>& hard, int64_t longest) {
  std::vector<Cut> cuts;
  const auto& g = s.gradual;
  const int64_t n = s.frames();
  auto at = [&](int64_t i) { return static_cast<double>(g[static_cast<size_t>(i)]); };
  std::vector<bool> claimed(static_cast<size_t>(n), false);
  for (;;) {
    int64_t top = -1;
    for (int64_t i = kGradualLag; i < n; ++i)
      if (!claimed[static_cast<size_t>(i)] && at(i) >= o.gradual_threshold &&
          (top < 0 || at(i) > at(top)))
        top = i;
    if (top < 0) break;
    const double floor = std::max(o.gradual_threshold, at(top) - kProminence);
    int64_t c0 = top, c1 = top;
    auto free_above = [&](int64_t i) { return !claimed[static_cast<size_t>(i)] && at(i) >= floor; };
    while (c0 - 1 >= kGradualLag && free_above(c0 - 1)) --c0;
    while (c1 + 1 < n && free_above(c1 + 1)) ++c1;
    // The bump's flanks belong to it too: claimed down to where the values rise again.
    int64_t f0 = c0, f1 = c1;
    while (f0 - 1 >= kGradualLag && !claimed[static_cast<size_t>(f0 - 1)] &&
           at(f0 - 1) >= o.gradual_threshold && at(f0 - 1) <= at(f0) + kNoise)
      --f0;
    while (f1 + 1 < n && !claimed[static_cast<size_t>(f1 + 1)] &&
           at(f1 + 1) >= o.gradual_threshold && at(f1 + 1) <= at(f1) + kNoise)
      ++f1;
    for (int64_t i = f0; i <= f1; ++i) claimed[static_cast<size_t>(i)] = true;
    // A core cut short by a bump claimed before (rather than by a fall below its floor) is
    // that bump's shoulder, not a peak of its own.
    const bool shoulder =
        (c0 - 1 >= kGradualLag && claimed[static_cast<size_t>(c0 - 1)] && at(c0 - 1) >= floor) ||
        (c1 + 1 < n && claimed[static_cast<size_t>(c1 + 1)] && at(c1 + 1) >= floor);
    const int64_t core = c1 - c0 + 1;
    if (shoulder || core <= kFlashFrames || core > longest + kGradualLag) continue;
    // blend[i] is about frame i - kGradualLag / 2.
    int64_t best = -1;
    for (int64_t i = c0; i <= std::min(n - 1, c1 + kGradualLag / 2); ++i)
      if (best < 0 || s.blend[static_cast<size_t>(i)] < s.blend[static_cast<size_t>(best)])
        best = i;
    const int64_t cut = best >= 0 && s.blend[static_cast<size_t>(best)] <= kBlendMax
                            ? best - kGradualLag / 2
                            : (c0 + c1 - kGradualLag + 1) / 2;
    const int64_t middle = std::max<int64_t>(1, cut);
    // A hard cut inside the bump (its own bump spans the kGradualLag frames after it, and
    // the quick half of a fade can look like one) is this transition; so is a gradual cut
    // found already within kGradualLag frames.
    const bool explained =
        std::any_of(hard.begin(), hard.end(),
                    [&](const Cut& h) { return h.frame >= c0 - kGradualLag && h.frame <= c1; }) ||
        std::any_of(cuts.begin(), cuts.end(),
                    [&](const Cut& c) { return std::abs(c.frame - middle) <= kGradualLag; });
    if (!explained) cuts.push_back({middle, at(top) * 255, CutKind::gradual});
  }
  return cuts;
}

std::vector<Cut> fade_cuts(const FrameSignals& s, double threshold) {
  std::vector<Cut> cuts;
  const auto& l = s.mean_luma;
  const int64_t n = s.frames();
  int64_t i = 0;
  while (i < n) {
    if (l[static_cast<size_t>(i)] >= threshold) {
      ++i;
      continue;
    }
    const int64_t a = i;
    while (i < n && l[static_cast<size_t>(i)] < threshold) ++i;
    if (a > 0 && i < n)
      cuts.push_back({(a + i) / 2, l[static_cast<size_t>((a + i) / 2)], CutKind::fade});
  }
  return cuts;
}

} // namespace

std::optional<DetectorKind> parse_detector(const std::string& text) {
  if (text == "content") return DetectorKind::content;
  if (text == "adaptive") return DetectorKind::adaptive;
  if (text == "threshold") return DetectorKind::threshold;
  return std::nullopt;
}

const char* to_string(DetectorKind kind) {
  switch (kind) {
    case DetectorKind::content:
      return "content";
    case DetectorKind::adaptive:
      return "adaptive";
    case DetectorKind::threshold:
      return "threshold";
  }
  return "?";
}

const char* to_string(CutKind kind) {
  switch (kind) {
    case CutKind::hard:
      return "hard";
    case CutKind::gradual:
      return "gradual";
    case CutKind::fade:
      return "fade";
  }
  return "?";
}

double default_threshold(DetectorKind kind) {
  switch (kind) {
    case DetectorKind::content:
      return 40; // the middle of the range that scores F1 1.0 on the test corpus (35..50)
    case DetectorKind::adaptive:
      return 4;
    case DetectorKind::threshold:
      return 12;
  }
  return 0;
}

int64_t MinSceneLength::resolve(codecs::Rational rate) const {
  if (frames >= 0) return frames;
  if (!time) return 0;
  const double seconds = time->seconds_at(rate.num, rate.den);
  return static_cast<int64_t>(std::llround(seconds * rate.to_double()));
}

std::optional<MinSceneLength> parse_min_scene_length(const std::string& text) {
  MinSceneLength m;
  int64_t frames = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), frames);
  if (!text.empty() && r.ec == std::errc{} && r.ptr == text.data() + text.size() && frames >= 0 &&
      text.find_first_not_of("0123456789") == std::string::npos) {
    m.frames = frames;
    return m;
  }
  m.time = parse_time(text);
  if (!m.time) return std::nullopt;
  return m;
}

std::vector<Cut> find_cuts(const FrameSignals& s, const DetectOptions& o, codecs::Rational rate) {
  const double threshold = o.threshold >= 0 ? o.threshold : default_threshold(o.detector);
  std::vector<Cut> all;
  if (o.detector == DetectorKind::threshold) {
    all = fade_cuts(s, threshold);
  } else {
    all = hard_cuts(s, o, threshold);
    const int64_t longest = std::llround(kLongestTransition * rate.to_double());
    auto gradual = gradual_cuts(s, o, all, longest);
    all.insert(all.end(), gradual.begin(), gradual.end());
  }
  std::sort(all.begin(), all.end(), [](const Cut& a, const Cut& b) { return a.frame < b.frame; });
  const int64_t min_len = std::max<int64_t>(1, o.min_scene_length.resolve(rate));
  std::vector<Cut> kept;
  int64_t last = 0;
  for (const Cut& c : all)
    if (c.frame - last >= min_len) {
      kept.push_back(c);
      last = c.frame;
    }
  return kept;
}

FrameSignals measure(const std::filesystem::path& source, const DetectOptions& o,
                     codecs::AnalysisSource* info) {
  MediaCpuScope media_cpu;
  codecs::AnalysisReader reader(source, o.analysis_width, o.cancel ? o.cancel->flag() : nullptr);
  if (info) *info = reader.source();
  const codecs::AnalysisSource& src = reader.source();
  int64_t expected = src.frame_count;
  if (expected <= 0 && src.duration > 0)
    expected = static_cast<int64_t>(src.duration * src.rate.to_double());

  FrameSignals s;
  s.change.resize(kFlashFrames + 1);
  // The pictures of the last kLookback frames, reused in turn.
  constexpr size_t kRing = kLookback + 1;
  std::array<FrameFeatures, kRing> ring;
  codecs::SmallPicture picture;
  int64_t i = 0;
  for (; reader.next(picture); ++i) {
    if (o.cancel) o.cancel->throw_if_requested(source.string());
    FrameFeatures& now = ring[static_cast<size_t>(i) % kRing];
    compute_features(picture, now);
    for (int k = 1; k <= kFlashFrames + 1; ++k)
      s.change[static_cast<size_t>(k - 1)].push_back(
          i >= k ? static_cast<float>(
                       content_distance(ring[static_cast<size_t>(i - k) % kRing], now, o.weights))
                 : 0.0f);
    s.gradual.push_back(i >= kGradualLag
                            ? static_cast<float>(histogram_distance(
                                  ring[static_cast<size_t>(i - kGradualLag) % kRing], now))
                            : 0.0f);
    s.blend.push_back(i >= kGradualLag ? static_cast<float>(blend_error(
                                             ring[static_cast<size_t>(i - kGradualLag) % kRing],
                                             ring[static_cast<size_t>(i - kGradualLag / 2) % kRing],
                                             now, kBlendMinChange))
                                       : 1.0f);
    s.mean_luma.push_back(static_cast<float>(now.mean_luma));
    if (o.progress && i % 10 == 0) o.progress(i, expected);
  }
  if (o.cancel) o.cancel->throw_if_requested(source.string());
  if (i == 0)
    codecs::throw_file(Failure::bad_input, source.string(), "no video frame could be decoded");
  if (o.progress) o.progress(i, i);
  return s;
}

SceneList detect_scenes(const std::filesystem::path& source, const DetectOptions& o) {
  codecs::AnalysisSource info;
  const FrameSignals s = measure(source, o, &info);
  SceneList list;
  list.source = source;
  list.rate = info.rate;
  list.frames = s.frames();
  list.width = info.width;
  list.height = info.height;
  list.start_timecode = info.timecode;
  if (!info.timecode.empty())
    list.start_timecode_frame = codecs::timecode_frame(info.timecode, info.rate).value_or(0);
  list.detector = o.detector;
  const auto cuts = find_cuts(s, o, info.rate);
  const double fps = info.rate.to_double();
  int64_t start = 0;
  double score = 0;
  CutKind kind = CutKind::hard;
  auto add = [&](int64_t end) {
    list.scenes.push_back({start, end, static_cast<double>(start) / fps,
                           static_cast<double>(end) / fps, score, kind});
  };
  for (const Cut& c : cuts) {
    add(c.frame);
    start = c.frame;
    score = c.score;
    kind = c.kind;
  }
  add(list.frames);
  return list;
}

} // namespace shotchain::scenes
