// Join measurement: does clip N+1 start on the frame clip N ended on? Luma PSNR of clip N's
// last frame against clip N+1's first and second frames, decided by dedupe.h. In copy mode
// the pictures are decoded as they are (copy needs identical shapes, so no conforming).
#include "codecs/decoder.h"
#include "codecs/frame_compare.h"
#include "codecs/input_file.h"
#include "stages/stitch/dedupe.h"
#include "stages/stitch/parts.h"

namespace shotchain::stitch {
using codecs::Frame;
using codecs::InputFile;

Frame decode_last_frame(const ClipInfo& clip) {
  InputFile in(clip.path);
  codecs::VideoDecoder dec(in, clip.video_stream);
  const auto& f = clip.facts;
  if (f.duration > 0)
    in.seek(clip.video_stream, (f.start == codecs::kNoTimestamp ? 0 : f.start) + f.duration);
  Frame frame, last;
  while (dec.next(in, frame)) last = frame.clone();
  if (last.empty()) {
    // The seek overshot (no keyframe index): decode from the start.
    InputFile again(clip.path);
    codecs::VideoDecoder d2(again, clip.video_stream);
    while (d2.next(again, frame)) last = frame.clone();
  }
  return last;
}

std::pair<Frame, Frame> decode_first_two(const ClipInfo& clip) {
  InputFile in(clip.path);
  codecs::VideoDecoder dec(in, clip.video_stream);
  Frame a, b;
  if (dec.next(in, a)) dec.next(in, b);
  return {a.clone(), b.empty() ? Frame() : b.clone()};
}

JoinReport measure_join(std::size_t index, const Frame& last, const Frame& first,
                        const Frame& second) {
  JoinReport j;
  j.index = index;
  j.measured = true;
  j.psnr_first = codecs::luma_psnr(last, first);
  std::optional<double> s;
  if (!second.empty()) {
    j.psnr_second = codecs::luma_psnr(last, second);
    s = j.psnr_second;
  }
  if (!s) {
    j.dropped = false;
    j.reason = "single-frame clip kept";
    return j;
  }
  auto d = decide_join(j.psnr_first, s);
  j.dropped = d.drop;
  j.reason = d.reason;
  return j;
}

std::vector<JoinReport> measure_copy_joins(const std::vector<ClipInfo>& clips, const Sink& sink,
                                           std::string& why) {
  std::vector<JoinReport> joins;
  sink.report(0, 0, "measure");
  Frame last;
  for (std::size_t i = 0; i + 1 < clips.size() && why.empty(); ++i) {
    sink.check_cancel();
    try {
      if (last.empty()) last = decode_last_frame(clips[i]);
    } catch (...) {
      rethrow_for_clip(clips[i].tag);
    }
    std::pair<Frame, Frame> next;
    try {
      next = decode_first_two(clips[i + 1]);
    } catch (...) {
      rethrow_for_clip(clips[i + 1].tag);
    }
    if (last.empty() || next.first.empty()) break;
    auto j = measure_join(i, last, next.first, next.second);
    if (j.dropped) why = "join after clip " + std::to_string(i + 1) + " drops a frame";
    joins.push_back(j);
    last = Frame();
    if (clips.size() > i + 2) last = decode_last_frame(clips[i + 1]);
  }
  return joins;
}

} // namespace shotchain::stitch
