#include "stages/frame_extract.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "codecs/av_error.h"
#include "codecs/decoder.h"
#include "codecs/image_file.h"
#include "codecs/input_file.h"
#include "codecs/video_conform.h"
#include "common/cpu_time.h"

namespace shotchain::stages {

using codecs::Frame;
using codecs::InputFile;
using codecs::Packet;
using codecs::Rational;
using codecs::VideoDecoder;

namespace {

constexpr Rational kMicro{1, 1000000};

[[noreturn]] void bad(const std::string& file, const std::string& what) {
  codecs::throw_file(Failure::bad_input, file, what);
}

// Everything one extraction needs about the open source.
struct Source {
  InputFile in;
  int v;
  Rational tb;
  int64_t start_tb; // container start in the stream's time base
  explicit Source(const std::filesystem::path& path)
      : in(path), v(in.require_video_stream(false)), tb(in.time_base(v)) {
    start_tb = codecs::rescale(in.start_time_us(), kMicro, tb);
  }
  Rational frame_rate() const {
    const AVStream* st = in.stream(v);
    if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0)
      return {st->avg_frame_rate.num, st->avg_frame_rate.den};
    if (st->r_frame_rate.num > 0 && st->r_frame_rate.den > 0)
      return {st->r_frame_rate.num, st->r_frame_rate.den};
    return {25, 1};
  }
  double seconds(int64_t pts) const {
    return static_cast<double>(pts - start_tb) * tb.num / tb.den;
  }
  // ffmpeg's input seek: by container time; 3/23 s earlier when B-frames may need it.
  void seek_like_ffmpeg(int64_t container_us) {
    int64_t ts = container_us;
    if (!in.seeks_by_pts() && in.has_reordered_frames()) ts -= 3 * 1000000 / 23;
    in.try_seek(-1, ts);
  }
};

// Decodes `packets` (demux order) until the frame with pts `target` comes out. Frames no
// other frame refers to are skipped for every packet but the target's.
std::optional<Frame> decode_until(VideoDecoder& dec, std::vector<Packet>& packets, int64_t target,
                                  int& sent) {
  Frame f;
  for (auto& p : packets) {
    dec.set_skip_nonref(p.pts() != target);
    dec.send(&p);
    ++sent;
    while (dec.receive(f))
      if (f.pts() == target) return f;
  }
  dec.set_skip_nonref(false);
  dec.send(nullptr);
  while (dec.receive(f))
    if (f.pts() == target) return f;
  return std::nullopt;
}

int64_t time_us(Source& s, const TimeSpec& t) {
  int64_t us = t.microseconds;
  if (t.frames >= 0) {
    Rational fps = s.frame_rate();
    if (t.frames >= (fps.num + fps.den - 1) / fps.den)
      bad(s.in.path(), "timecode " + t.text + ": frame number past the frame rate");
    us += codecs::rescale(t.frames, fps.inverse(), kMicro);
  }
  return us;
}

void check_not_past_end(Source& s, int64_t us, const std::string& text) {
  const int64_t dur = s.in.duration_us();
  if (dur > 0 && us >= dur) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(dur) / 1e6);
    bad(s.in.path(), "time " + text + " is past the end (duration " + buf + " s)");
  }
}

// Slow, always-correct path: decode from the current position and return the first frame
// whose pts satisfies `accept`.
template <typename Accept>
std::optional<Frame> decode_first(Source& s, VideoDecoder& dec, Accept accept, int& sent) {
  Frame f;
  Packet pkt;
  for (;;) {
    while (dec.receive(f))
      if (accept(f)) return f;
    if (dec.drained()) return std::nullopt;
    if (s.in.read(pkt)) {
      if (pkt.stream_index() != s.v) continue;
      dec.send(&pkt);
      ++sent;
    } else {
      dec.send(nullptr);
      while (dec.receive(f))
        if (accept(f)) return f;
      return std::nullopt;
    }
  }
}

ExtractedFrame at_time(Source& s, int64_t us, const std::string& text, int& sent) {
  check_not_past_end(s, us, text);
  const int64_t container_us = s.in.start_time_us() + us;
  const int64_t R = codecs::rescale(container_us, kMicro, s.tb);
  s.seek_like_ffmpeg(container_us);
  VideoDecoder dec(s.in, s.v);

  // Read packets until the target (the first frame in display order at or after R) is known:
  // once a packet's dts passes the candidate's pts, no later packet can show earlier.
  std::vector<Packet> queue;
  std::optional<int64_t> cand;
  bool usable = true;
  Packet pkt;
  while (s.in.read(pkt)) {
    if (pkt.stream_index() != s.v) continue;
    if (pkt.pts() == codecs::kNoTimestamp || pkt.dts() == codecs::kNoTimestamp ||
        queue.size() > 4000) {
      usable = false;
      queue.push_back(pkt.ref());
      break;
    }
    queue.push_back(pkt.ref());
    if (!(pkt.av()->flags & AV_PKT_FLAG_DISCARD) && pkt.pts() >= R && (!cand || pkt.pts() < *cand))
      cand = pkt.pts();
    if (cand && pkt.dts() > *cand) break;
  }
  if (usable && cand) {
    if (auto f = decode_until(dec, queue, *cand, sent)) {
      ExtractedFrame out{std::move(*f), s.in.rotation(s.v), s.seconds(*cand), -1};
      return out;
    }
  }
  // Fallback: decode from the same seek point and take the first frame at or after R.
  queue.clear();
  s.seek_like_ffmpeg(container_us);
  dec.flush();
  dec.set_skip_nonref(false);
  auto f = decode_first(
      s, dec, [&](const Frame& fr) { return fr.pts() != codecs::kNoTimestamp && fr.pts() >= R; },
      sent);
  if (!f) bad(s.in.path(), "time " + text + " is past the end");
  const int64_t pts = f->pts();
  return ExtractedFrame{std::move(*f), s.in.rotation(s.v), s.seconds(pts), -1};
}

ExtractedFrame first_frame(Source& s, int& sent) {
  VideoDecoder dec(s.in, s.v);
  auto f = decode_first(
      s, dec, [](const Frame&) { return true; }, sent);
  if (!f) bad(s.in.path(), "no video frame could be decoded");
  const int64_t pts = f->pts();
  return ExtractedFrame{std::move(*f), s.in.rotation(s.v),
                        pts == codecs::kNoTimestamp ? 0.0 : s.seconds(pts), 0};
}

ExtractedFrame nth_frame(Source& s, int64_t n, int& sent) {
  // Count frames from the index (demuxing only, no decoding).
  std::vector<int64_t> pts;
  bool have_pts = true;
  Packet pkt;
  while (s.in.read(pkt)) {
    if (pkt.stream_index() != s.v || (pkt.av()->flags & AV_PKT_FLAG_DISCARD)) continue;
    if (pkt.pts() == codecs::kNoTimestamp) have_pts = false;
    pts.push_back(pkt.pts());
  }
  if (n >= static_cast<int64_t>(pts.size()))
    bad(s.in.path(), "frame " + std::to_string(n) + " is past the end (the video has " +
                         std::to_string(pts.size()) + " frames)");
  if (have_pts) {
    std::sort(pts.begin(), pts.end());
    const int64_t target = pts[static_cast<size_t>(n)];
    int64_t seek_ts = target;
    if (!s.in.seeks_by_pts() && s.in.has_reordered_frames())
      seek_ts -= codecs::rescale(3 * 1000000 / 23, kMicro, s.tb);
    if (s.in.try_seek(s.v, seek_ts)) {
      VideoDecoder dec(s.in, s.v);
      std::vector<Packet> queue;
      while (s.in.read(pkt)) {
        if (pkt.stream_index() != s.v) continue;
        queue.push_back(pkt.ref());
        if (pkt.dts() != codecs::kNoTimestamp && pkt.dts() > target) break;
        if (queue.size() > 4000) break;
      }
      if (auto f = decode_until(dec, queue, target, sent))
        return ExtractedFrame{std::move(*f), s.in.rotation(s.v), s.seconds(target), n};
    }
  }
  // Fallback: decode from the start and count.
  s.in.try_seek(-1, s.in.start_time_us());
  VideoDecoder dec(s.in, s.v);
  int64_t i = 0;
  auto f = decode_first(
      s, dec, [&](const Frame&) { return i++ == n; }, sent);
  if (!f) bad(s.in.path(), "frame " + std::to_string(n) + " is past the end");
  const int64_t p = f->pts();
  return ExtractedFrame{std::move(*f), s.in.rotation(s.v),
                        p == codecs::kNoTimestamp ? 0.0 : s.seconds(p), n};
}

ExtractedFrame last(Source& s, int& sent) {
  const int64_t end_us = s.in.start_time_us() + s.in.duration_us();
  int64_t back_us = 0;
  for (int attempt = 0; attempt < 4 && s.in.duration_us() > 0; ++attempt) {
    // Seek to the last keyframe at or before (end - back); read every packet from there.
    const int64_t ts = codecs::rescale(end_us - back_us, kMicro, s.tb);
    if (!s.in.try_seek(s.v, ts)) break;
    std::vector<Packet> queue;
    std::optional<int64_t> target;
    Packet pkt;
    bool overflow = false;
    while (s.in.read(pkt)) {
      if (pkt.stream_index() != s.v) continue;
      if (pkt.pts() == codecs::kNoTimestamp || queue.size() > 20000) {
        overflow = true;
        break;
      }
      if (!(pkt.av()->flags & AV_PKT_FLAG_DISCARD) && (!target || pkt.pts() > *target))
        target = pkt.pts();
      queue.push_back(pkt.ref());
    }
    if (overflow) break;
    if (target && !queue.empty() && queue.front().is_key()) {
      VideoDecoder dec(s.in, s.v);
      if (auto f = decode_until(dec, queue, *target, sent))
        return ExtractedFrame{std::move(*f), s.in.rotation(s.v), s.seconds(*target), -1};
    }
    back_us = std::max<int64_t>(1000000, back_us * 4);
  }
  // Fallback: decode everything and keep the frame with the highest pts.
  s.in.try_seek(-1, s.in.start_time_us());
  VideoDecoder dec(s.in, s.v);
  std::optional<Frame> best;
  Frame f;
  auto take = [&](const Frame& fr) {
    if (!best || fr.pts() >= best->pts()) best = fr.ref();
    return false;
  };
  decode_first(s, dec, take, sent);
  if (!best) bad(s.in.path(), "no video frame could be decoded");
  const int64_t p = best->pts();
  return ExtractedFrame{std::move(*best), s.in.rotation(s.v),
                        p == codecs::kNoTimestamp ? 0.0 : s.seconds(p), -1};
}

// Variance of the Laplacian of an 8-bit grey picture: higher is sharper.
double laplacian_variance(const Frame& gray) {
  const AVFrame* g = gray.av();
  const int w = g->width, h = g->height;
  if (w < 3 || h < 3) return 0;
  double sum = 0, sum2 = 0;
  int64_t n = 0;
  for (int y = 1; y < h - 1; ++y) {
    const uint8_t* r0 = g->data[0] + (y - 1) * g->linesize[0];
    const uint8_t* r1 = g->data[0] + y * g->linesize[0];
    const uint8_t* r2 = g->data[0] + (y + 1) * g->linesize[0];
    for (int x = 1; x < w - 1; ++x) {
      const int l = r0[x] + r2[x] + r1[x - 1] + r1[x + 1] - 4 * r1[x];
      sum += l;
      sum2 += static_cast<double>(l) * l;
      ++n;
    }
  }
  const double mean = sum / static_cast<double>(n);
  return sum2 / static_cast<double>(n) - mean * mean;
}

ExtractedFrame best_near(Source& s, int64_t us, double window, const std::string& text, int& sent) {
  check_not_past_end(s, us, text);
  if (!(window > 0) || window > 60) bad(s.in.path(), "--window must be between 0 and 60 seconds");
  const int64_t win_us = static_cast<int64_t>(std::llround(window * 1e6));
  const int64_t lo_us = std::max<int64_t>(0, us - win_us), hi_us = us + win_us;
  const int64_t lo = codecs::rescale(s.in.start_time_us() + lo_us, kMicro, s.tb);
  const int64_t hi = codecs::rescale(s.in.start_time_us() + hi_us, kMicro, s.tb);
  s.seek_like_ffmpeg(s.in.start_time_us() + lo_us);
  VideoDecoder dec(s.in, s.v);
  codecs::ConformSettings cs;
  cs.pixel_format = AV_PIX_FMT_GRAY8;
  codecs::VideoConformer to_gray(cs);
  std::optional<Frame> best;
  double best_score = -1;
  bool done = false;
  auto consider = [&](const Frame& fr) {
    if (fr.pts() == codecs::kNoTimestamp || fr.pts() < lo) return false;
    if (fr.pts() > hi) {
      done = true;
      return true; // stop
    }
    const double score = laplacian_variance(to_gray.convert(fr));
    if (score > best_score) {
      best_score = score;
      best = fr.ref();
    }
    return false;
  };
  decode_first(s, dec, consider, sent);
  (void)done;
  if (!best) bad(s.in.path(), "no frame within " + std::to_string(window) + " s of " + text);
  const int64_t p = best->pts();
  return ExtractedFrame{std::move(*best), s.in.rotation(s.v), s.seconds(p), -1};
}

} // namespace

ExtractedFrame extract_frame(const std::filesystem::path& src, const FrameRequest& request) {
  MediaCpuScope media_cpu;
  Source s(src);
  int sent = 0;
  ExtractedFrame r;
  switch (request.kind) {
    case FrameRequest::Kind::at:
      r = at_time(s, time_us(s, request.time), request.time.text, sent);
      break;
    case FrameRequest::Kind::index:
      if (request.index < 0) bad(s.in.path(), "frame number must not be negative");
      r = nth_frame(s, request.index, sent);
      break;
    case FrameRequest::Kind::first:
      r = first_frame(s, sent);
      break;
    case FrameRequest::Kind::last:
      r = last(s, sent);
      break;
    case FrameRequest::Kind::best_near:
      r = best_near(s, time_us(s, request.time), request.window, request.time.text, sent);
      break;
  }
  r.packets_decoded = sent;
  return r;
}

void check_output_differs(const std::filesystem::path& in, const std::filesystem::path& out) {
  std::error_code ec;
  const bool same = std::filesystem::exists(out, ec) && std::filesystem::equivalent(in, out, ec);
  if (same ||
      std::filesystem::weakly_canonical(in, ec) == std::filesystem::weakly_canonical(out, ec))
    codecs::throw_file(Failure::bad_input, out.string(), "output is the same file as the input");
}

ExtractedFrame extract_frame_to_image(const std::filesystem::path& src, const FrameRequest& request,
                                      const std::filesystem::path& out, int jpeg_quality) {
  MediaCpuScope media_cpu;
  check_output_differs(src, out);
  // Check the destination before decoding anything.
  const std::string name = out.string();
  if (!codecs::image_format_for_path(name))
    codecs::throw_file(Failure::bad_input, name, "output must end in .png, .jpg or .jpeg");
  std::error_code ec;
  const auto dir = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
  if (!std::filesystem::is_directory(dir, ec))
    codecs::throw_file(Failure::bad_input, name, "output folder does not exist");
  ExtractedFrame f = extract_frame(src, request);
  codecs::ImageWriteOptions opts;
  opts.jpeg_quality = jpeg_quality;
  opts.rotation = f.rotation;
  codecs::write_image(f.frame, out, opts);
  return f;
}

} // namespace shotchain::stages
