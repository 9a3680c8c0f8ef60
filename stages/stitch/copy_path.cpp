// The copy path of the stitch stage: video packets copied as they are, rebased so timestamps
// rise strictly with no gap or overlap at joins; audio (when any clip has some) decoded and
// encoded into one exact-length track, since clips' audio never ends exactly on their last
// frame. Nothing is decoded for the video except the contact sheet's three pictures per clip
// (for intra-only codecs such as ProRes just those three packets).
#include <algorithm>
#include <optional>

#include "codecs/decoder.h"
#include "codecs/input_file.h"
#include "codecs/output_file.h"
#include "stages/stitch/audio_track.h"
#include "stages/stitch/parts.h"

namespace shotchain::stitch {
using codecs::Frame;
using codecs::InputFile;
using codecs::Packet;

namespace {

// The picture positions the contact sheet shows of a clip of `total` frames.
bool is_thumb_position(int64_t k, int64_t total) { return k == 0 || k == total / 2; }

// Intra-only clips: the kept packets (first, middle, last) decoded on their own.
Thumbs decode_thumb_packets(InputFile& in, const ClipInfo& c, std::vector<Packet>& kept) {
  codecs::VideoDecoder dec(in, c.video_stream);
  std::vector<Frame> got;
  Frame f;
  for (const auto& p : kept) {
    dec.send(&p);
    while (dec.receive(f))
      got.push_back(codecs::thumbnail(f, kThumbWidth, thumb_height(c.display)));
  }
  dec.send(nullptr);
  while (dec.receive(f)) got.push_back(codecs::thumbnail(f, kThumbWidth, thumb_height(c.display)));
  Thumbs t;
  if (!got.empty()) {
    t.first = got.front().clone();
    t.middle = got[got.size() / 2].clone();
    t.last = got.back().clone();
  }
  return t;
}

// Other codecs: every picture decoded (a frame may need the ones before it).
Thumbs decode_thumbs(const ClipInfo& c, int64_t total) {
  InputFile in(c.path);
  codecs::VideoDecoder dec(in, c.video_stream);
  Frame f;
  int64_t k = 0;
  Thumbs t;
  const int th = thumb_height(c.display);
  while (dec.next(in, f)) {
    if (k == 0) t.first = codecs::thumbnail(f, kThumbWidth, th);
    if (k == total / 2) t.middle = codecs::thumbnail(f, kThumbWidth, th);
    if (k == total - 1) t.last = codecs::thumbnail(f, kThumbWidth, th);
    ++k;
  }
  return t;
}

} // namespace

namespace {

// One copy run: the clips' video packets in order into one output, rebased.
class CopyRun {
 public:
  CopyRun(const std::vector<ClipInfo>& clips, const Options& o, Result& r, SheetWriter* sheet,
          const Sink& sink)
      : clips_(clips),
        r_(r),
        sheet_(sheet),
        sink_(sink),
        container_(*codecs::container_for_path(o.output.string())),
        out_(o.output, output_options(o)),
        has_audio_(any_audio(clips)),
        tb_(clips[0].facts.time_base),
        dur_(std::max<int64_t>(1,
                               codecs::rescale(1, codecs::Rational{o.fps.den, o.fps.num}, tb_))) {}

  void run(const std::vector<Clip>& input) {
    for (std::size_t i = 0; i < clips_.size(); ++i) {
      const ClipInfo& c = clips_[i];
      ClipReport rep = report_for(input[i], c);
      rep.record_in = done_;
      rep.conform_actions.push_back("stream copy");
      if (has_audio_)
        rep.conform_actions.push_back(c.audio_stream >= 0 ? "audio encoded" : "silence for audio");
      Thumbs thumbs;
      try {
        thumbs = copy_clip(c, rep);
      } catch (...) {
        rethrow_for_clip(c.tag);
      }
      rep.frames_out = rep.frames_in;
      const int64_t frames_in = rep.frames_in;
      r_.clips.push_back(std::move(rep));
      if (sheet_ && !c.facts.intra_only) thumbs = decode_thumbs(c, frames_in);
      if (sheet_) sheet_->add(r_.clips.back(), thumbs);
    }
    sink_.check_cancel();
    if (audio_) audio_->finish();
    out_.commit();
    report();
  }

 private:
  // Copies clip `c`'s packets (and feeds its audio); the contact sheet's pictures of an
  // intra-only clip come from the kept packets.
  Thumbs copy_clip(const ClipInfo& c, ClipReport& rep) {
    // Probed already: the clips after the first (whose parameters define the output stream)
    // are opened without decoding their first pictures again, unless their audio is needed.
    codecs::InputOptions io;
    io.stream_info = vs_ < 0 || c.audio_stream >= 0;
    InputFile in(c.path, io);
    if (vs_ < 0) vs_ = out_.add_copy_stream(in, c.video_stream);
    if (has_audio_ && !audio_) audio_.emplace(out_, container_);
    std::optional<ClipAudio> clip_audio;
    if (audio_) {
      audio_->begin_clip(c.audio_stream >= 0);
      if (c.audio_stream >= 0) clip_audio.emplace(in, c.audio_stream, *audio_);
      if (c.facts.start != codecs::kNoTimestamp) audio_->video_starts(c.facts.start, tb_);
    }
    const bool keep_thumbs = sheet_ && c.facts.intra_only;
    std::vector<Packet> kept;
    Packet last_pkt, pkt;
    int64_t kept_last = -1;
    start_ = c.facts.start;
    max_rel_ = -1;
    while (in.read(pkt)) {
      if (clip_audio && pkt.stream_index() == clip_audio->stream()) {
        clip_audio->send(pkt);
        continue;
      }
      if (pkt.stream_index() != c.video_stream) continue;
      if (keep_thumbs) {
        if (is_thumb_position(rep.frames_in, c.est_frames)) {
          kept.push_back(pkt.ref());
          kept_last = rep.frames_in;
        }
        last_pkt = pkt.ref();
      }
      write_video(pkt);
      ++rep.frames_in;
      if (done_ % 50 == 0) {
        sink_.check_cancel();
        sink_.report(r_.clips.size(), done_, "copy");
      }
    }
    if (rep.frames_in == 0) throw Error(Failure::bad_input, "has no video frames");
    offset_ += max_rel_ + dur_;
    if (clip_audio) clip_audio->finish();
    if (audio_) audio_->release(AudioTrack::sample_at(offset_, tb_), true);
    if (!keep_thumbs) return {};
    if (kept_last != rep.frames_in - 1) kept.push_back(std::move(last_pkt));
    return decode_thumb_packets(in, c, kept);
  }

  // One video packet, rebased so timestamps rise strictly with no gap or overlap at joins.
  void write_video(Packet& pkt) {
    int64_t pts = pkt.pts() != codecs::kNoTimestamp ? pkt.pts() : pkt.dts();
    int64_t dts = pkt.dts() != codecs::kNoTimestamp ? pkt.dts() : pts;
    if (pts == codecs::kNoTimestamp) throw Error(Failure::bad_input, "packet without timestamps");
    if (start_ == codecs::kNoTimestamp) {
      start_ = pts;
      if (audio_) audio_->video_starts(start_, tb_);
    }
    const int64_t rel = pts - start_;
    int64_t new_pts = offset_ + rel;
    int64_t new_dts = offset_ + (dts - start_);
    if (new_dts <= last_dts_) new_dts = last_dts_ + 1;
    if (new_dts > new_pts) new_pts = new_dts;
    codecs::set_packet_timing(pkt, new_pts, new_dts, dur_);
    out_.write(pkt, vs_, tb_);
    last_dts_ = new_dts;
    if (audio_) audio_->release(AudioTrack::sample_at(new_dts, tb_), false);
    all_pts_.push_back(new_pts);
    max_rel_ = std::max(max_rel_, rel);
    ++done_;
  }

  void report() {
    r_.has_audio = has_audio_;
    if (audio_) r_.audio_duration = static_cast<double>(audio_->written()) / AudioTrack::kRate;
    std::sort(all_pts_.begin(), all_pts_.end());
    r_.timestamps_increasing =
        std::adjacent_find(all_pts_.begin(), all_pts_.end(),
                           [](int64_t a, int64_t b) { return b <= a; }) == all_pts_.end();
    r_.constant_rate = std::adjacent_find(all_pts_.begin(), all_pts_.end(),
                                          [this](int64_t a, int64_t b) { return b - a != dur_; }) ==
                       all_pts_.end();
    r_.frames = done_;
    r_.stream_copied = true;
    r_.video_codec = clips_[0].facts.codec;
    r_.size = {clips_[0].display.width, clips_[0].display.height};
  }

  const std::vector<ClipInfo>& clips_;
  Result& r_;
  SheetWriter* sheet_;
  const Sink& sink_;
  const codecs::Container container_;
  codecs::OutputFile out_;
  int vs_ = -1;
  // Video packets are copied; audio (when any clip has some) is decoded and encoded into the
  // one exact-length track, since clips' audio never ends exactly on their last frame.
  const bool has_audio_;
  std::optional<AudioTrack> audio_;
  const codecs::Rational tb_;
  const int64_t dur_;
  int64_t offset_ = 0, last_dts_ = INT64_MIN, done_ = 0;
  int64_t start_ = codecs::kNoTimestamp, max_rel_ = -1; // the current clip's
  std::vector<int64_t> all_pts_;
};

} // namespace

void run_copy(const std::vector<Clip>& input, const std::vector<ClipInfo>& clips, const Options& o,
              Result& r, SheetWriter* sheet, const Sink& sink) {
  CopyRun(clips, o, r, sheet, sink).run(input);
}

} // namespace shotchain::stitch
