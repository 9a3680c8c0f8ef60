// The stitch stage: preflight (bad input named by clip and position), then either stream copy
// (every clip matches) or conform + encode once, with join dedupe by measurement, one audio
// track of exact length, and the side files (timelines, QC report, contact sheet).
#include "stages/stitch/stitch.h"

#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "codecs/decoder.h"
#include "codecs/frame_compare.h"
#include "codecs/image_file.h"
#include "codecs/input_file.h"
#include "codecs/output_file.h"
#include "codecs/stitch_support.h"
#include "codecs/video_conform.h"
#include "codecs/video_encoder.h"
#include "common/cpu_time.h"
#include "stages/stitch/audio_track.h"
#include "stages/stitch/contact_sheet.h"
#include "stages/stitch/dedupe.h"
#include "stages/stitch/qc.h"
#include "stages/stitch/timeline_inputs.h"
#include "stages/timeline/timeline.h"

namespace shotchain::stitch {
namespace {
namespace fs = std::filesystem;
using codecs::Frame;
using codecs::InputFile;
using codecs::Packet;

// Between clips, hand freed decoder/packet memory back to the system so the peak does not
// creep up with the number of clips (glibc keeps freed large blocks otherwise).
void release_free_memory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

struct ClipInfo {
  fs::path path;
  std::string tag; // "clip 2 of 5 (path)"
  int video_stream = -1;
  int audio_stream = -1;
  int rotation = 0;
  codecs::Size display;
  codecs::VideoStreamFacts facts;
  int64_t est_frames = 0;
  std::string timecode; // the clip's own start timecode ("" when it has none)
  timeline::Media media;
};

std::string tag_for(std::size_t i, std::size_t n, const fs::path& p) {
  return "clip " + std::to_string(i + 1) + " of " + std::to_string(n) + " (" + p.string() + ")";
}

// Rethrows anything from opening/reading a clip as bad input naming the clip and position.
[[noreturn]] void rethrow_for_clip(const std::string& tag) {
  try {
    throw;
  } catch (const Error& e) {
    if (e.failure() == Failure::interrupted) throw;
    throw Error(e.failure() == Failure::runtime ? Failure::bad_input : e.failure(), e.code(),
                tag + ": " + e.what());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(Failure::bad_input, tag + ": " + e.what());
  }
}

// Whether the sequence gets an audio track: when any clip has audio.
bool any_audio(const std::vector<ClipInfo>& clips) {
  return std::any_of(clips.begin(), clips.end(),
                     [](const ClipInfo& c) { return c.audio_stream >= 0; });
}

// What the reports say of a clip whatever happens to it.
ClipReport report_for(const Clip& clip, const ClipInfo& info) {
  ClipReport rep;
  rep.path = clip.path;
  rep.label = clip.label;
  rep.metadata = clip.metadata;
  rep.source_size = {info.facts.width, info.facts.height};
  rep.rotation = info.rotation;
  rep.source_fps = info.facts.avg_frame_rate;
  rep.has_audio = info.audio_stream >= 0;
  if (codecs::timecode_frame(info.timecode, {info.media.rate.num, info.media.rate.den}))
    rep.source_timecode = info.timecode;
  rep.media = info.media;
  return rep;
}

ClipInfo probe_clip(const Clip& clip, std::size_t i, std::size_t n) {
  ClipInfo info;
  info.path = clip.path;
  info.tag = tag_for(i, n, clip.path);
  try {
    codecs::check_readable_file(clip.path);
    InputFile in(clip.path);
    info.video_stream = in.require_video_stream(false);
    info.audio_stream = in.audio_stream();
    info.rotation = in.rotation(info.video_stream);
    info.facts = codecs::video_facts(in, info.video_stream);
    info.display = codecs::rotated_size(info.facts.width, info.facts.height, info.rotation);
    if (info.facts.width <= 0 || info.facts.height <= 0)
      throw Error(Failure::bad_input, "video stream has no picture size");
    info.timecode = in.timecode();
    info.est_frames = info.facts.frames;
    if (info.est_frames <= 0 && info.facts.avg_frame_rate.valid() && in.duration_us() > 0)
      info.est_frames =
          codecs::rescale(in.duration_us(), {1, 1000000}, info.facts.avg_frame_rate.inverse());
    // A clip must hold at least one video packet with data.
    Packet pkt;
    bool found = false;
    for (int k = 0; k < 100000 && in.read(pkt); ++k)
      if (pkt.stream_index() == info.video_stream && pkt.size() > 0) {
        found = true;
        break;
      }
    if (!found) throw Error(Failure::bad_input, "has no video frames");
    codecs::AudioStreamFacts audio;
    if (info.audio_stream >= 0) audio = codecs::audio_facts(in, info.audio_stream);
    info.media = describe_media(clip.path, info.facts, info.display, info.timecode,
                                info.audio_stream >= 0 ? &audio : nullptr, in.duration_us());
  } catch (...) {
    rethrow_for_clip(info.tag);
  }
  return info;
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

void check_writable_folder(const fs::path& file, const std::string& what) {
  fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(Failure::bad_input, what + " " + file.string() + ": folder does not exist");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw Error(Failure::bad_input, what + " " + file.string() + ": folder is not writable");
  if (fs::is_directory(file, ec))
    throw Error(Failure::bad_input, what + " " + file.string() + ": is a directory");
}

fs::path side_path(const fs::path& output, const char* ext) {
  fs::path p = output;
  p.replace_extension(ext);
  return p;
}

// The files written besides the sequence must not clobber an input either.
std::vector<std::pair<fs::path, std::string>> outputs_of(const Options& o) {
  std::vector<std::pair<fs::path, std::string>> outs{{o.output, "output"}};
  if (o.timelines.otio) outs.push_back({side_path(o.output, ".otio"), "timeline"});
  if (o.timelines.fcpxml) outs.push_back({side_path(o.output, ".fcpxml"), "timeline"});
  if (o.timelines.edl) outs.push_back({side_path(o.output, ".edl"), "timeline"});
  if (!o.qc_json.empty()) outs.push_back({o.qc_json, "QC report"});
  if (!o.contact_sheet.empty()) outs.push_back({o.contact_sheet, "contact sheet"});
  return outs;
}

codecs::VideoCodec encode_codec(Codec c, codecs::Container container) {
  if (auto encoder = encoder_of(c)) return *encoder;
  return container == codecs::Container::mov ? codecs::VideoCodec::prores_hq
                                             : codecs::VideoCodec::h264;
}

// Why the clips cannot be stream-copied back to back ("" when they can).
std::string copy_blocker(const std::vector<ClipInfo>& clips, const Options& o,
                         codecs::Container container) {
  const auto& f0 = clips[0].facts;
  if (f0.extradata.empty()) return "clip 1 has no codec header (not from MP4/MOV/MKV)";
  if (f0.codec != "h264" && f0.codec != "hevc" && f0.codec != "prores")
    return "codec " + f0.codec + " is not copied";
  if (f0.codec == "prores" && container != codecs::Container::mov)
    return "ProRes is copied into MOV only";
  codecs::Rational want{o.fps.num, o.fps.den};
  if (!(f0.avg_frame_rate == want)) return "clip 1's rate is not " + want.to_string();
  if (o.size &&
      (o.size->width != clips[0].display.width || o.size->height != clips[0].display.height))
    return "--size differs from the clips";
  if (clips[0].rotation != 0) return "clip 1 is rotated";
  for (std::size_t i = 0; i < clips.size(); ++i) {
    if (i > 0 && !clips[i].facts.can_copy_to(f0)) return clips[i].tag + " differs from clip 1";
    if (clips[i].rotation != 0) return clips[i].tag + " is rotated";
  }
  return "";
}

struct Sink {
  const Options& options;
  std::size_t clip_count;
  int64_t frames_total;
  void report(std::size_t clip, int64_t done, const char* phase) const {
    if (options.progress) options.progress({clip, clip_count, done, frames_total, phase});
  }
  void check_cancel() const {
    if (options.cancel) options.cancel->throw_if_requested("stitch " + options.output.string());
  }
};

// Per-clip pictures for the contact sheet: first, middle, last (small RGB copies).
struct Thumbs {
  Frame first, middle, last;
};
constexpr int kThumbWidth = 240;

int thumb_height(codecs::Size s) {
  int h = static_cast<int>(std::lround(static_cast<double>(kThumbWidth) * s.height / s.width));
  return std::max(2, h & ~1);
}

// ---------------------------------------------------------------------------------------
// Join measurement outside the encode path (copy mode): clip N's last frame, clip N+1's first
// two frames, decoded as they are (copy needs identical shapes, so no conforming).

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

// ---------------------------------------------------------------------------------------
// Stream copy.

void run_copy(const std::vector<Clip>& input, const std::vector<ClipInfo>& clips, const Options& o,
              Result& r, std::vector<Thumbs>* thumbs, const Sink& sink) {
  const auto container = *codecs::container_for_path(o.output.string());
  codecs::OutputOptions oo;
  oo.faststart = container == codecs::Container::mp4;
  oo.timecode = start_timecode(o.fps);
  oo.metadata = o.container_metadata;
  codecs::OutputFile out(o.output, oo);
  int vs = -1;
  // Video packets are copied; audio (when any clip has some) is decoded and encoded into the
  // one exact-length track, since clips' audio never ends exactly on their last frame.
  const bool has_audio = any_audio(clips);
  std::optional<AudioTrack> audio;
  codecs::Rational tb = clips[0].facts.time_base;
  const codecs::Rational frame_tb{o.fps.den, o.fps.num};
  const int64_t dur = std::max<int64_t>(1, codecs::rescale(1, frame_tb, tb));
  int64_t offset = 0;
  int64_t last_dts = INT64_MIN;
  std::vector<int64_t> all_pts;
  int64_t done = 0;
  for (std::size_t i = 0; i < clips.size(); ++i) {
    const auto& c = clips[i];
    ClipReport rep = report_for(input[i], c);
    rep.record_in = done;
    rep.conform_actions.push_back("stream copy");
    if (has_audio)
      rep.conform_actions.push_back(c.audio_stream >= 0 ? "audio encoded" : "silence for audio");
    try {
      // Probed already: the clips after the first (whose parameters define the output stream)
      // are opened without decoding their first pictures again, unless their audio is needed.
      codecs::InputOptions io;
      io.stream_info = vs < 0 || c.audio_stream >= 0;
      InputFile in(c.path, io);
      if (vs < 0) vs = out.add_copy_stream(in, c.video_stream);
      if (has_audio && !audio) audio.emplace(out, container);
      std::optional<ClipAudio> clip_audio;
      if (audio) {
        audio->begin_clip(c.audio_stream >= 0);
        if (c.audio_stream >= 0) clip_audio.emplace(in, c.audio_stream, *audio);
        if (c.facts.start != codecs::kNoTimestamp) audio->video_starts(c.facts.start, tb);
      }
      Packet pkt;
      int64_t start = c.facts.start;
      int64_t max_rel = -1;
      while (in.read(pkt)) {
        if (clip_audio && pkt.stream_index() == clip_audio->stream()) {
          clip_audio->send(pkt);
          continue;
        }
        if (pkt.stream_index() != c.video_stream) continue;
        int64_t pts = pkt.pts() != codecs::kNoTimestamp ? pkt.pts() : pkt.dts();
        int64_t dts = pkt.dts() != codecs::kNoTimestamp ? pkt.dts() : pts;
        if (pts == codecs::kNoTimestamp)
          throw Error(Failure::bad_input, "packet without timestamps");
        if (start == codecs::kNoTimestamp) {
          start = pts;
          if (audio) audio->video_starts(start, tb);
        }
        const int64_t rel = pts - start;
        int64_t new_pts = offset + rel;
        int64_t new_dts = offset + (dts - start);
        if (new_dts <= last_dts) new_dts = last_dts + 1;
        if (new_dts > new_pts) new_pts = new_dts;
        codecs::set_packet_timing(pkt, new_pts, new_dts, dur);
        out.write(pkt, vs, tb);
        last_dts = new_dts;
        if (audio) audio->release(AudioTrack::sample_at(new_dts, tb), false);
        all_pts.push_back(new_pts);
        max_rel = std::max(max_rel, rel);
        ++rep.frames_in;
        ++done;
        if (done % 50 == 0) {
          sink.check_cancel();
          sink.report(i, done, "copy");
        }
      }
      if (rep.frames_in == 0) throw Error(Failure::bad_input, "has no video frames");
      offset += max_rel + dur;
      if (clip_audio) clip_audio->finish();
      if (audio) audio->release(AudioTrack::sample_at(offset, tb), true);
    } catch (...) {
      rethrow_for_clip(c.tag);
    }
    rep.frames_out = rep.frames_in;
    r.clips.push_back(std::move(rep));
    if (thumbs) {
      // The copy path decodes nothing; the contact sheet needs its three pictures.
      InputFile in(c.path);
      codecs::VideoDecoder dec(in, c.video_stream);
      Frame f;
      int64_t k = 0, total = r.clips.back().frames_in;
      Thumbs t;
      const int th = thumb_height(c.display);
      while (dec.next(in, f)) {
        if (k == 0) t.first = codecs::thumbnail(f, kThumbWidth, th);
        if (k == total / 2) t.middle = codecs::thumbnail(f, kThumbWidth, th);
        if (k == total - 1) t.last = codecs::thumbnail(f, kThumbWidth, th);
        ++k;
      }
      thumbs->push_back(std::move(t));
    }
  }
  sink.check_cancel();
  if (audio) audio->finish();
  out.commit();
  r.has_audio = has_audio;
  if (audio) r.audio_duration = static_cast<double>(audio->written()) / AudioTrack::kRate;
  std::sort(all_pts.begin(), all_pts.end());
  r.timestamps_increasing =
      std::adjacent_find(all_pts.begin(), all_pts.end(),
                         [](int64_t a, int64_t b) { return b <= a; }) == all_pts.end();
  r.constant_rate = std::adjacent_find(all_pts.begin(), all_pts.end(), [dur](int64_t a, int64_t b) {
                      return b - a != dur;
                    }) == all_pts.end();
  r.frames = done;
  r.stream_copied = true;
  r.video_codec = clips[0].facts.codec;
  r.size = {clips[0].display.width, clips[0].display.height};
}

// ---------------------------------------------------------------------------------------
// Conform + encode.

class EncodeRun {
 public:
  EncodeRun(const std::vector<Clip>& input, const std::vector<ClipInfo>& clips, const Options& o,
            Result& r, std::vector<Thumbs>* thumbs, const Sink& sink)
      : input_(input), clips_(clips), o_(o), r_(r), thumbs_(thumbs), sink_(sink) {}

  void run() {
    const auto container = *codecs::container_for_path(o_.output.string());
    codecs::OutputOptions oo;
    oo.faststart = container == codecs::Container::mp4;
    oo.timecode = start_timecode(o_.fps);
    oo.metadata = o_.container_metadata;
    codecs::OutputFile out(o_.output, oo);
    out_ = &out;

    size_ = o_.size ? codecs::Size{o_.size->width, o_.size->height}
                    : codecs::Size{clips_[0].display.width & ~1, clips_[0].display.height & ~1};
    codecs::VideoEncoderSettings vs;
    vs.codec = encode_codec(o_.codec, container);
    vs.width = size_.width;
    vs.height = size_.height;
    vs.frame_rate = {o_.fps.num, o_.fps.den};
    vs.global_header = out.needs_global_header();
    if (vs.codec == codecs::VideoCodec::h264) vs.gop = std::max(1, 2 * o_.fps.num / o_.fps.den);
    codecs::VideoEncoder venc(vs);
    venc_ = &venc;
    vstream_ = out.add_video_stream(venc);
    out_tb_ = venc.time_base();

    std::optional<AudioTrack> audio;
    if (any_audio(clips_)) audio_ = &audio.emplace(out, container);

    for (std::size_t i = 0; i < clips_.size(); ++i) {
      try {
        run_clip(i);
      } catch (...) {
        rethrow_for_clip(clips_[i].tag);
      }
      release_free_memory();
    }
    sink_.check_cancel();
    out.encode(venc, vstream_, nullptr);
    if (audio_) audio_->finish();
    out.commit();

    r_.stream_copied = false;
    r_.video_codec = vs.codec == codecs::VideoCodec::h264 ? "h264" : "prores";
    r_.size = {size_.width, size_.height};
    r_.frames = seq_frames_;
    r_.constant_rate = true;         // every frame is written with pts n at 1/fps
    r_.timestamps_increasing = true; // pts 0, 1, 2, ... by construction
    r_.has_audio = audio_ != nullptr;
    if (audio_) r_.audio_duration = static_cast<double>(audio_->written()) / AudioTrack::kRate;
  }

 private:
  void emit(Frame& f) {
    f.set_pts(seq_frames_);
    out_->encode(*venc_, vstream_, &f);
    ++seq_frames_;
    ++next_slot_;
    ++clip_out_;
    if (audio_) audio_->release(AudioTrack::sample_at(seq_frames_, out_tb_), false);
    if (seq_frames_ % 25 == 0) {
      sink_.check_cancel();
      sink_.report(clip_index_, seq_frames_, "encode");
    }
  }

  // A conformed picture enters the clip's timeline (after the join decision).
  void feed(Frame c) {
    if (!t0_known_) {
      t0_known_ = true;
      t0_pts_ = c.pts();
      if (audio_) audio_->video_starts(t0_pts_, vtb_);
    }
    const int64_t idx = std::min(codecs::rescale(c.pts() - t0_pts_, vtb_, out_tb_),
                                 dropped_ ? cap_dropped_ : cap_kept_);
    if (have_pending_) {
      while (next_slot_ < idx) emit(pending_);
    }
    if (thumbs_) {
      if (fed_ == 0) thumbs_->back().first = codecs::thumbnail(c, kThumbWidth, thumb_h_);
      if (fed_ == mid_) thumbs_->back().middle = codecs::thumbnail(c, kThumbWidth, thumb_h_);
    }
    ++fed_;
    prev_pts_ = last_pts_;
    last_pts_ = c.pts();
    last_dur_ = codecs::frame_duration(c);
    pending_ = std::move(c);
    have_pending_ = true;
  }

  void on_picture(Frame& decoded) {
    ++frames_in_;
    if (decoded.pts() == codecs::kNoTimestamp)
      decoded.set_pts(last_src_pts_ == codecs::kNoTimestamp ? 0 : last_src_pts_ + default_dur_);
    last_src_pts_ = decoded.pts();
    Frame c = conformer_->convert(decoded);
    c.set_pts(decoded.pts());
    if (!decided_) {
      if (hold0_.empty()) {
        hold0_ = std::move(c);
        return;
      }
      JoinReport j = measure_join(clip_index_ - 1, prev_last_, hold0_, c);
      decided_ = true;
      dropped_ = j.dropped;
      r_.joins.back() = j;
      if (!dropped_) feed(std::move(hold0_));
      hold0_ = Frame();
      feed(std::move(c));
      return;
    }
    feed(std::move(c));
  }

  void run_clip(std::size_t i) {
    const ClipInfo& c = clips_[i];
    clip_index_ = i;
    sink_.report(i, seq_frames_, "encode");
    InputFile in(c.path);
    codecs::VideoDecoder vdec(in, c.video_stream);
    vtb_ = vdec.time_base();
    default_dur_ =
        c.facts.avg_frame_rate.valid()
            ? std::max<int64_t>(1, codecs::rescale(1, c.facts.avg_frame_rate.inverse(), vtb_))
            : std::max<int64_t>(1, codecs::rescale(1, out_tb_, vtb_));
    std::optional<ClipAudio> clip_audio;
    if (audio_ && c.audio_stream >= 0) clip_audio.emplace(in, c.audio_stream, *audio_);
    codecs::ConformSettings cs;
    cs.width = size_.width;
    cs.height = size_.height;
    cs.fit = o_.fit;
    cs.pixel_format = venc_->pixel_format();
    cs.rotation = c.rotation;
    // One conformer for the whole run (its settings change per clip): its output pictures
    // are reused from clip to clip instead of being freed and allocated again at every join.
    if (conformer_)
      conformer_->reconfigure(cs);
    else
      conformer_ = &conformer_store_.emplace(cs);

    // Per-clip state.
    ClipReport rep = report_for(input_[i], c);
    // Record lengths round down in the clip's own frames, so no timeline passes its media.
    cap_kept_ = record_frames_cap(rep.media, 0, o_.fps);
    cap_dropped_ = record_frames_cap(rep.media, 1, o_.fps);
    rep.record_in = seq_frames_;
    if (c.rotation) rep.conform_actions.push_back("rotate " + std::to_string(c.rotation));
    if (!(c.display == size_))
      rep.conform_actions.push_back("scale " + std::to_string(c.display.width) + "x" +
                                    std::to_string(c.display.height) + "->" +
                                    std::to_string(size_.width) + "x" +
                                    std::to_string(size_.height) + " " + to_string(o_.fit));
    if (!(c.facts.avg_frame_rate == codecs::Rational{o_.fps.num, o_.fps.den}))
      rep.conform_actions.push_back("rate " + c.facts.avg_frame_rate.to_string() + "->" +
                                    std::to_string(o_.fps.num) + "/" + std::to_string(o_.fps.den) +
                                    " by timestamp");
    rep.conform_actions.push_back(std::string("encode ") + r_.video_codec);
    if (audio_ && c.audio_stream < 0) rep.conform_actions.push_back("silence for audio");

    frames_in_ = 0;
    clip_out_ = 0;
    next_slot_ = 0;
    fed_ = 0;
    have_pending_ = false;
    pending_ = Frame();
    hold0_ = Frame();
    t0_known_ = false;
    t0_pts_ = 0;
    last_pts_ = prev_pts_ = last_src_pts_ = codecs::kNoTimestamp;
    last_dur_ = 0;
    dropped_ = false;
    decided_ = !(o_.dedupe_joins && i > 0 && !prev_last_.empty());
    if (i > 0) {
      JoinReport j;
      j.index = i - 1;
      j.reason = o_.dedupe_joins ? "not measured" : "dedupe off";
      r_.joins.push_back(j);
    }
    if (audio_) audio_->begin_clip(c.audio_stream >= 0);
    if (thumbs_) {
      thumbs_->emplace_back();
      thumb_h_ = thumb_height(size_);
      mid_ = std::max<int64_t>(0, c.est_frames / 2);
    }

    Packet pkt;
    Frame frame;
    while (in.read(pkt)) {
      if (pkt.stream_index() == c.video_stream) {
        vdec.send(&pkt);
        while (vdec.receive(frame)) on_picture(frame);
      } else if (clip_audio && pkt.stream_index() == clip_audio->stream()) {
        clip_audio->send(pkt);
      }
    }
    vdec.send(nullptr);
    while (vdec.receive(frame)) on_picture(frame);
    if (clip_audio) clip_audio->finish();

    if (frames_in_ == 0) throw Error(Failure::bad_input, "has no decodable video frames");
    if (!decided_) { // a one-frame clip: nothing to compare the second frame with
      JoinReport j = measure_join(i - 1, prev_last_, hold0_, Frame());
      r_.joins.back() = j;
      decided_ = true;
      feed(std::move(hold0_));
      hold0_ = Frame();
    }
    // The clip's end: its last frame lasts its own duration; slots cover the clip's span.
    int64_t dur = last_dur_ > 0 ? last_dur_
                  : (prev_pts_ != codecs::kNoTimestamp && last_pts_ > prev_pts_)
                      ? last_pts_ - prev_pts_
                      : default_dur_;
    int64_t n = std::min(codecs::rescale(last_pts_ + dur - t0_pts_, vtb_, out_tb_),
                         dropped_ ? cap_dropped_ : cap_kept_);
    n = std::max<int64_t>(n, clip_out_ == 0 ? 1 : 0);
    while (next_slot_ < n) emit(pending_);
    if (audio_) audio_->release(AudioTrack::sample_at(seq_frames_, out_tb_), true);

    if (thumbs_) {
      thumbs_->back().last = codecs::thumbnail(pending_, kThumbWidth, thumb_h_);
      if (thumbs_->back().middle.empty()) thumbs_->back().middle = thumbs_->back().last.clone();
    }
    if (o_.dedupe_joins) prev_last_ = std::move(pending_);
    pending_ = Frame();
    have_pending_ = false;

    rep.frames_in = frames_in_;
    rep.frames_out = clip_out_;
    rep.dropped_first = dropped_ ? 1 : 0;
    if (dropped_) rep.conform_actions.push_back("drop first frame (duplicate of previous last)");
    r_.clips.push_back(std::move(rep));
  }

  const std::vector<Clip>& input_;
  const std::vector<ClipInfo>& clips_;
  const Options& o_;
  Result& r_;
  std::vector<Thumbs>* thumbs_;
  const Sink& sink_;

  codecs::OutputFile* out_ = nullptr;
  codecs::VideoEncoder* venc_ = nullptr;
  AudioTrack* audio_ = nullptr;
  std::optional<codecs::VideoConformer> conformer_store_;
  codecs::VideoConformer* conformer_ = nullptr;
  int vstream_ = -1;
  codecs::Rational out_tb_{1, 25};
  codecs::Size size_;
  int64_t seq_frames_ = 0;
  Frame prev_last_;

  // per clip
  std::size_t clip_index_ = 0;
  codecs::Rational vtb_{1, 1};
  int64_t default_dur_ = 1;
  int64_t frames_in_ = 0, clip_out_ = 0, next_slot_ = 0, fed_ = 0, mid_ = 0;
  int thumb_h_ = 0;
  Frame pending_, hold0_;
  bool have_pending_ = false, decided_ = true, dropped_ = false;
  bool t0_known_ = false;
  int64_t t0_pts_ = 0, last_pts_ = 0, prev_pts_ = 0, last_src_pts_ = 0, last_dur_ = 0;
  int64_t cap_kept_ = 0, cap_dropped_ = 0; // record_frames_cap from source frame 0 or 1
};

} // namespace

Result stitch(const std::vector<Clip>& input, const Options& options) {
  MediaCpuScope media_cpu;
  Options o = options;
  if (input.empty()) throw Error(Failure::bad_input, "stitch: no clips given");
  if (o.output.empty()) throw Error(Failure::bad_input, "stitch: no output given (-o)");
  const auto container = codecs::container_for_path(o.output.string());
  if (!container)
    throw Error(Failure::bad_input, o.output.string() + ": output must end in .mov or .mp4");
  if (*container == codecs::Container::mp4 && encoder_of(o.codec) &&
      codecs::is_prores(*encoder_of(o.codec)))
    throw Error(Failure::bad_input, o.output.string() +
                                        ": ProRes goes into .mov, not .mp4 (--codec " +
                                        to_string(o.codec) + ")");
  if (!o.contact_sheet.empty() && o.contact_sheet.extension() != ".png")
    throw Error(Failure::bad_input, o.contact_sheet.string() + ": contact sheet must be a .png");
  const auto outs = outputs_of(o);
  for (const auto& [path, what] : outs) check_writable_folder(path, what);
  for (std::size_t i = 0; i < input.size(); ++i)
    for (const auto& [path, what] : outs)
      if (same_file(path, input[i].path))
        throw Error(Failure::bad_input, what + " " + path.string() + " is also input " +
                                            tag_for(i, input.size(), input[i].path));
  for (std::size_t a = 0; a < outs.size(); ++a)
    for (std::size_t b = a + 1; b < outs.size(); ++b)
      if (same_file(outs[a].first, outs[b].first))
        throw Error(Failure::bad_input, outs[a].first.string() + ": written twice (" +
                                            outs[a].second + ", " + outs[b].second + ")");

  std::vector<Clip> clips_in = input;
  for (auto& c : clips_in)
    if (c.label.empty()) c.label = c.path.filename().string();

  Sink sink{o, input.size(), 0};
  std::vector<ClipInfo> clips;
  clips.reserve(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    sink.check_cancel();
    sink.report(i, 0, "probe");
    clips.push_back(probe_clip(clips_in[i], i, input.size()));
    sink.frames_total += clips.back().est_frames;
  }

  Result r;
  r.fps = o.fps;
  std::vector<Thumbs> thumbs;
  std::vector<Thumbs>* tp = o.contact_sheet.empty() ? nullptr : &thumbs;

  bool copy = false;
  std::vector<JoinReport> copy_joins;
  if (o.codec == Codec::copy || o.codec == Codec::automatic) {
    std::string why = copy_blocker(clips, o, *container);
    if (why.empty() && o.dedupe_joins && clips.size() > 1) {
      // Measure every join on the decoded pictures; a drop needs re-encoding.
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
        copy_joins.push_back(j);
        last = Frame();
        if (clips.size() > i + 2) last = decode_last_frame(clips[i + 1]);
      }
    }
    if (why.empty()) {
      copy = true;
    } else if (o.codec == Codec::copy) {
      throw Error(Failure::bad_input, "--codec copy: cannot stream-copy: " + why);
    }
  }

  if (copy) {
    run_copy(clips_in, clips, o, r, tp, sink);
    for (std::size_t i = 0; i + 1 < clips.size(); ++i) {
      JoinReport j;
      if (i < copy_joins.size()) {
        j = copy_joins[i];
      } else {
        j.index = i;
        j.reason = o.dedupe_joins ? "not measured" : "dedupe off";
      }
      r.joins.push_back(j);
    }
  } else {
    r.video_codec =
        encode_codec(o.codec, *container) == codecs::VideoCodec::h264 ? "h264" : "prores";
    EncodeRun run(clips_in, clips, o, r, tp, sink);
    run.run();
  }
  r.duration = static_cast<double>(r.frames) * o.fps.den / o.fps.num;
  r.written.push_back(o.output);

  // Side files. If one fails, the sequence stays (it is complete); the error says which.
  sink.report(clips.size() ? clips.size() - 1 : 0, r.frames, "outputs");
  const timeline::Sequence seq = sequence_of(r, o);
  if (o.timelines.otio) {
    auto p = side_path(o.output, ".otio");
    timeline::write_text_file(p, timeline::to_otio(seq));
    r.written.push_back(p);
  }
  if (o.timelines.fcpxml) {
    auto p = side_path(o.output, ".fcpxml");
    timeline::write_text_file(p, timeline::to_fcpxml(seq));
    r.written.push_back(p);
  }
  if (o.timelines.edl) {
    auto p = side_path(o.output, ".edl");
    timeline::write_text_file(p, timeline::to_edl(seq));
    r.written.push_back(p);
  }
  if (tp) {
    std::vector<ContactRow> rows;
    for (std::size_t i = 0; i < thumbs.size() && i < r.clips.size(); ++i)
      rows.push_back({r.clips[i].label,
                      timeline::timecode(seq.start() + r.clips[i].record_in, seq.rate),
                      &thumbs[i].first, &thumbs[i].middle, &thumbs[i].last});
    write_contact_sheet(o.contact_sheet, rows);
    r.written.push_back(o.contact_sheet);
  }
  if (!o.qc_json.empty()) {
    r.written.push_back(o.qc_json);
    timeline::write_text_file(o.qc_json, qc_report_json(r));
  }
  return r;
}

} // namespace shotchain::stitch
