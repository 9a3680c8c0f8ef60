#include "stages/scenes/references.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "codecs/frame.h"
#include "codecs/stitch_support.h"
#include "common/error.h"
#include "stages/frame_extract.h"
#include "stages/scenes/scene_list_io.h"
#include "stages/stitch/contact_sheet.h"

namespace shotchain::scenes {
namespace {

using stages::extract_frame;
using stages::extract_frame_to_image;
using stages::ExtractedFrame;
using stages::FrameRequest;

constexpr int kThumbWidth = 256;

FrameRequest by_index(int64_t n) {
  FrameRequest r;
  r.kind = FrameRequest::Kind::index;
  r.index = n;
  return r;
}

std::string scene_name(size_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "scene-%03zu", index + 1);
  return buf;
}

// The sharpest frame of the scene's middle third, by `frame --best-near` around its middle.
int64_t sharpest_in_middle_third(const SceneList& list, const Scene& scene) {
  const double fps = list.rate.to_double();
  const int64_t len = scene.end - scene.start;
  const double middle = (static_cast<double>(scene.start) + static_cast<double>(len) / 2) / fps;
  FrameRequest r;
  r.kind = FrameRequest::Kind::best_near;
  const int64_t us = std::llround(middle * 1e6);
  r.time = TimeSpec{us, -1, std::to_string(middle)};
  r.window = std::clamp(static_cast<double>(len) / 6 / fps, 0.5 / fps, 60.0);
  const ExtractedFrame f = extract_frame(list.source, r);
  const int64_t n = std::llround(f.seconds * fps);
  return std::clamp<int64_t>(n, scene.start, scene.end - 1);
}

} // namespace

std::optional<Pick> parse_pick(const std::string& text) {
  if (text == "middle") return Pick::middle;
  if (text == "best") return Pick::best;
  if (text == "first") return Pick::first;
  if (text == "last") return Pick::last;
  return std::nullopt;
}

int64_t pick_frame(const SceneList& list, size_t index, Pick pick) {
  const Scene& s = list.scenes.at(index);
  switch (pick) {
    case Pick::first:
      return s.start;
    case Pick::last:
      return s.end - 1;
    case Pick::middle:
      return s.start + (s.end - s.start) / 2;
    case Pick::best:
      return sharpest_in_middle_third(list, s);
  }
  return s.start;
}

std::vector<Reference> pick_references(const SceneList& list, Pick pick,
                                       const CancelToken* cancel) {
  std::vector<Reference> refs;
  for (size_t i = 0; i < list.scenes.size(); ++i) {
    if (cancel) cancel->throw_if_requested(list.source.string());
    Reference r;
    r.scene = static_cast<int>(i + 1);
    r.frame = pick_frame(list, i, pick);
    r.seconds = static_cast<double>(r.frame) * list.rate.den / list.rate.num;
    refs.push_back(r);
  }
  return refs;
}

void check_reference_options(const ReferenceOptions& o) {
  if (o.format != "png" && o.format != "jpg")
    throw Error(Failure::bad_input, "--format " + o.format + ": must be png or jpg");
  if (!o.dir.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(o.dir, ec) && !std::filesystem::is_directory(o.dir, ec))
      throw Error(Failure::bad_input, o.dir.string() + ": not a folder");
    const auto parent =
        o.dir.parent_path().empty() ? std::filesystem::path(".") : o.dir.parent_path();
    if (!std::filesystem::is_directory(parent, ec))
      throw Error(Failure::bad_input, o.dir.string() + ": its parent folder does not exist");
  }
  if (!o.contact_sheet.empty()) {
    if (o.contact_sheet.extension() != ".png")
      throw Error(Failure::bad_input, o.contact_sheet.string() + ": contact sheet must be a .png");
    std::error_code ec;
    const auto parent = o.contact_sheet.parent_path().empty() ? std::filesystem::path(".")
                                                              : o.contact_sheet.parent_path();
    if (!std::filesystem::is_directory(parent, ec))
      throw Error(Failure::bad_input, o.contact_sheet.string() + ": output folder does not exist");
  }
}

std::vector<Reference> write_references(const SceneList& list, const ReferenceOptions& o) {
  check_reference_options(o);
  if (!o.dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directory(o.dir, ec);
    if (ec) throw Error(Failure::runtime, o.dir.string() + ": cannot create: " + ec.message());
  }
  std::vector<Reference> refs = pick_references(list, o.pick, o.cancel);
  std::vector<codecs::Frame> thumbs; // first, reference, last per scene
  const bool sheet = !o.contact_sheet.empty();
  auto thumb = [&](const ExtractedFrame& f) {
    const bool turned = f.rotation == 90 || f.rotation == 270;
    const int w = turned ? f.frame.height() : f.frame.width();
    const int h = turned ? f.frame.width() : f.frame.height();
    const int th =
        std::max(2, static_cast<int>(static_cast<int64_t>(kThumbWidth) * h / std::max(1, w)) & ~1);
    return codecs::thumbnail(f.frame, kThumbWidth, th);
  };
  for (size_t i = 0; i < refs.size(); ++i) {
    if (o.cancel) o.cancel->throw_if_requested(list.source.string());
    Reference& r = refs[i];
    ExtractedFrame picked;
    if (!o.dir.empty()) {
      r.file = o.dir / (scene_name(i) + "." + o.format);
      picked = extract_frame_to_image(list.source, by_index(r.frame), r.file, o.jpeg_quality);
    } else if (sheet) {
      picked = extract_frame(list.source, by_index(r.frame));
    }
    if (sheet) {
      const Scene& s = list.scenes[i];
      thumbs.push_back(r.frame == s.start ? thumb(picked)
                                          : thumb(extract_frame(list.source, by_index(s.start))));
      thumbs.push_back(thumb(picked));
      thumbs.push_back(r.frame == s.end - 1
                           ? thumb(picked)
                           : thumb(extract_frame(list.source, by_index(s.end - 1))));
    }
    if (o.progress) o.progress(i + 1, refs.size());
  }
  if (sheet) {
    std::vector<stitch::ContactRow> rows;
    for (size_t i = 0; i < refs.size(); ++i)
      rows.push_back({"#" + std::to_string(i + 1), source_timecode(list, list.scenes[i].start),
                      &thumbs[3 * i], &thumbs[3 * i + 1], &thumbs[3 * i + 2]});
    stitch::write_contact_sheet(o.contact_sheet, rows);
  }
  return refs;
}

} // namespace shotchain::scenes
