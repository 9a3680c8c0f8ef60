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

void run_copy(const std::vector<Clip>& input, const std::vector<ClipInfo>& clips, const Options& o,
              Result& r, SheetWriter* sheet, const Sink& sink) {
  const auto container = *codecs::container_for_path(o.output.string());
  codecs::OutputFile out(o.output, output_options(o));
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
    Thumbs thumbs;
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
      // Intra-only clips: the contact sheet's packets are kept and decoded alone.
      const bool keep_thumbs = sheet && c.facts.intra_only;
      std::vector<Packet> kept;
      Packet last_pkt;
      int64_t kept_last = -1;
      Packet pkt;
      int64_t start = c.facts.start;
      int64_t max_rel = -1;
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
      if (keep_thumbs) {
        if (kept_last != rep.frames_in - 1) kept.push_back(std::move(last_pkt));
        thumbs = decode_thumb_packets(in, c, kept);
      }
      offset += max_rel + dur;
      if (clip_audio) clip_audio->finish();
      if (audio) audio->release(AudioTrack::sample_at(offset, tb), true);
    } catch (...) {
      rethrow_for_clip(c.tag);
    }
    rep.frames_out = rep.frames_in;
    const int64_t frames_in = rep.frames_in;
    r.clips.push_back(std::move(rep));
    if (sheet && !c.facts.intra_only) thumbs = decode_thumbs(c, frames_in);
    if (sheet) sheet->add(r.clips.back(), thumbs);
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

} // namespace shotchain::stitch
