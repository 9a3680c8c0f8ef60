// The encode path of the stitch stage: every clip decoded, conformed (rotation, size by pad,
// crop or stretch, rate by timestamp) and encoded once with one encoder; the duplicated frame
// at a join dropped when measured so (before the first clip too, against `lead_frame`); one
// audio track of exact length.
#include <algorithm>
#include <optional>

#include "codecs/decoder.h"
#include "codecs/image_file.h"
#include "codecs/input_file.h"
#include "codecs/output_file.h"
#include "codecs/video_conform.h"
#include "codecs/video_encoder.h"
#include "stages/stitch/audio_track.h"
#include "stages/stitch/parts.h"

namespace shotchain::stitch {
namespace {
using codecs::Frame;
using codecs::InputFile;
using codecs::Packet;

class EncodeRun {
 public:
  EncodeRun(const std::vector<Clip>& input, const std::vector<ClipInfo>& clips, const Options& o,
            Result& r, SheetWriter* sheet, const Sink& sink)
      : input_(input), clips_(clips), o_(o), r_(r), sheet_(sheet), sink_(sink) {}

  void run() {
    const auto container = *codecs::container_for_path(o_.output.string());
    codecs::OutputFile out(o_.output, output_options(o_));
    out_ = &out;

    size_ = o_.size ? codecs::Size{o_.size->width, o_.size->height}
                    : codecs::Size{clips_[0].display.width & ~1, clips_[0].display.height & ~1};
    codecs::VideoEncoderSettings vs;
    vs.codec = encode_codec(o_.codec, container);
    vs.width = size_.width;
    vs.height = size_.height;
    vs.frame_rate = {o_.fps.num, o_.fps.den};
    vs.global_header = out.needs_global_header();
    vs.threads = o_.threads;
    if (vs.codec == codecs::VideoCodec::h264) vs.gop = std::max(1, 2 * o_.fps.num / o_.fps.den);
    codecs::VideoEncoder venc(vs);
    venc_ = &venc;
    vstream_ = out.add_video_stream(venc);
    out_tb_ = venc.time_base();

    std::optional<AudioTrack> audio;
    if (any_audio(clips_)) audio_ = &audio.emplace(out, container);
    if (o_.dedupe_joins && !o_.decided_joins && !o_.lead_frame.empty())
      prev_last_ = conform_lead_frame();

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
  // The picture before the first clip, in the shape and format of the encoded ones.
  Frame conform_lead_frame() const {
    Frame picture;
    try {
      picture = codecs::read_image(o_.lead_frame);
    } catch (const Error& e) {
      throw Error(e.failure(), e.code(), "lead frame " + o_.lead_frame.string() + ": " + e.what());
    }
    codecs::ConformSettings cs;
    cs.width = size_.width;
    cs.height = size_.height;
    cs.fit = o_.fit;
    cs.pixel_format = venc_->pixel_format();
    codecs::VideoConformer conformer(cs);
    return conformer.convert(picture);
  }

  // Where the join before the current clip is reported.
  JoinReport& join_slot() { return clip_index_ == 0 ? *r_.lead_join : r_.joins.back(); }

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
    if (sheet_) {
      if (fed_ == 0) thumbs_.first = codecs::thumbnail(c, kThumbWidth, thumb_h_);
      if (fed_ == mid_) thumbs_.middle = codecs::thumbnail(c, kThumbWidth, thumb_h_);
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
    if (o_.on_decoded) o_.on_decoded(decoded);
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
      JoinReport j = measure_join(clip_index_ ? clip_index_ - 1 : 0, prev_last_, hold0_, c);
      decided_ = true;
      dropped_ = j.dropped;
      join_slot() = j;
      if (!dropped_) feed(std::move(hold0_));
      hold0_ = Frame();
      feed(std::move(c));
      return;
    }
    feed(std::move(c));
  }

  // What the report says of clip `i` before it is encoded: where it starts, how it is conformed.
  ClipReport clip_report(std::size_t i) const {
    const ClipInfo& c = clips_[i];
    ClipReport rep = report_for(input_[i], c);
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
    return rep;
  }

  // Per-clip state afresh, and the join before clip `i`: joins decided before (the pieces
  // dropped their duplicates themselves) are reported as they are; otherwise measured when
  // dedupe is on (before the first clip too, against the lead frame).
  void begin_clip(std::size_t i) {
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
    decided_ = !(o_.dedupe_joins && !o_.decided_joins && !prev_last_.empty());
    if (i > 0) {
      JoinReport j;
      j.index = i - 1;
      j.reason = o_.dedupe_joins ? "not measured" : "dedupe off";
      if (o_.decided_joins && i - 1 < o_.decided_joins->size()) j = (*o_.decided_joins)[i - 1];
      r_.joins.push_back(j);
    } else if (!decided_) {
      r_.lead_join = JoinReport{};
      r_.lead_join->reason = "not measured";
    }
  }

  void run_clip(std::size_t i) {
    const ClipInfo& c = clips_[i];
    clip_index_ = i;
    sink_.report(i, seq_frames_, "encode");
    InputFile in(c.path);
    // With a thread budget (the pipeline's media pool), clips decode on one thread: frame
    // threads would each hold pictures, and the encoder has the budget's threads.
    codecs::VideoDecoder vdec(in, c.video_stream, o_.threads > 0 ? 1 : 0);
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

    ClipReport rep = clip_report(i);
    // Record lengths round down in the clip's own frames, so no timeline passes its media.
    cap_kept_ = record_frames_cap(rep.media, 0, o_.fps);
    cap_dropped_ = record_frames_cap(rep.media, 1, o_.fps);
    begin_clip(i);
    if (audio_) audio_->begin_clip(c.audio_stream >= 0);
    if (sheet_) {
      thumbs_ = Thumbs{};
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
      JoinReport j = measure_join(i ? i - 1 : 0, prev_last_, hold0_, Frame());
      join_slot() = j;
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

    if (sheet_) {
      thumbs_.last = codecs::thumbnail(pending_, kThumbWidth, thumb_h_);
      if (thumbs_.middle.empty()) thumbs_.middle = thumbs_.last.clone();
    }
    if (o_.dedupe_joins) prev_last_ = std::move(pending_);
    pending_ = Frame();
    have_pending_ = false;

    rep.frames_in = frames_in_;
    rep.frames_out = clip_out_;
    rep.dropped_first = dropped_ ? 1 : 0;
    if (dropped_) rep.conform_actions.push_back("drop first frame (duplicate of previous last)");
    r_.clips.push_back(std::move(rep));
    if (sheet_) {
      sheet_->add(r_.clips.back(), thumbs_);
      thumbs_ = Thumbs{};
    }
  }

  const std::vector<Clip>& input_;
  const std::vector<ClipInfo>& clips_;
  const Options& o_;
  Result& r_;
  SheetWriter* sheet_;
  Thumbs thumbs_; // the current clip's, for the contact sheet
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

void run_encode(const std::vector<Clip>& input, const std::vector<ClipInfo>& clips,
                const Options& o, Result& r, SheetWriter* sheet, const Sink& sink) {
  EncodeRun run(input, clips, o, r, sheet, sink);
  run.run();
}

} // namespace shotchain::stitch
