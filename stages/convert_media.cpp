#include "stages/convert_media.h"

extern "C" {
#include <libavutil/rational.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <optional>

#include "codecs/audio_encoder.h"
#include "codecs/audio_resampler.h"
#include "codecs/av_error.h"
#include "codecs/decoder.h"
#include "codecs/input_file.h"
#include "codecs/output_file.h"
#include "codecs/video_conform.h"
#include "codecs/video_encoder.h"
#include "common/cpu_time.h"
#include "stages/frame_extract.h"

namespace shotchain::stages {

using codecs::Frame;
using codecs::Packet;
using codecs::Rational;

namespace {

constexpr Rational kMicro{1, 1000000};

[[noreturn]] void bad(const std::string& file, const std::string& what) {
  codecs::throw_file(Failure::bad_input, file, what);
}

void check_cancel(const ConvertOptions& o, const std::string& file) {
  if (o.cancel && o.cancel->load()) codecs::throw_file(Failure::interrupted, file, "interrupted");
}

// A sane constant rate for a source: its average rate, snapped to common NTSC/film rates.
Rational source_rate(const AVStream* st) {
  AVRational r = st->avg_frame_rate;
  if (r.num <= 0 || r.den <= 0) r = st->r_frame_rate;
  if (r.num <= 0 || r.den <= 0) return {25, 1};
  const double v = av_q2d(r);
  for (AVRational c : {AVRational{24000, 1001}, AVRational{30000, 1001}, AVRational{60000, 1001}})
    if (std::abs(v - av_q2d(c)) < 0.005) return {c.num, c.den};
  const double rounded = std::round(v);
  if (std::abs(v - rounded) < 0.005 && rounded >= 1) return {static_cast<int>(rounded), 1};
  AVRational q = av_d2q(v, 100000);
  return {q.num, q.den};
}

ConvertResult copy_streams(codecs::InputFile& in, const std::filesystem::path& out,
                           const ConvertOptions& o) {
  codecs::OutputOptions oo;
  oo.timecode = in.timecode();
  codecs::OutputFile file(out, oo);
  const int v = in.require_video_stream(false);
  const int a = o.audio ? in.audio_stream() : -1;
  std::vector<int> map(static_cast<size_t>(in.stream_count()), -1);
  map[static_cast<size_t>(v)] = file.add_copy_stream(in, v);
  if (a >= 0) map[static_cast<size_t>(a)] = file.add_copy_stream(in, a);
  const int64_t offset_us = in.start_time_us();
  const double total = static_cast<double>(in.duration_us()) / 1e6;
  ConvertResult res;
  res.video_codec = avcodec_get_name(in.stream(v)->codecpar->codec_id);
  res.audio = a >= 0;
  if (a >= 0) res.audio_codec = avcodec_get_name(in.stream(a)->codecpar->codec_id);
  res.timecode = oo.timecode;
  Packet pkt;
  int64_t last_video_end = 0;
  int64_t n = 0;
  while (in.read(pkt)) {
    const int si = pkt.stream_index();
    if (si < 0 || si >= in.stream_count() || map[static_cast<size_t>(si)] < 0) continue;
    const Rational tb = in.time_base(si);
    const int64_t off = codecs::rescale(offset_us, kMicro, tb);
    if (pkt.av()->pts != AV_NOPTS_VALUE) pkt.av()->pts -= off;
    if (pkt.av()->dts != AV_NOPTS_VALUE) pkt.av()->dts -= off;
    if (si == v) {
      ++n;
      if (pkt.pts() != codecs::kNoTimestamp)
        last_video_end =
            std::max(last_video_end, codecs::rescale(pkt.pts() + pkt.duration(), tb, kMicro));
      if (o.progress && total > 0 && n % 50 == 0)
        o.progress(std::min(1.0, static_cast<double>(last_video_end) / 1e6 / total));
      if (n % 50 == 0) check_cancel(o, in.path());
    }
    file.write(pkt, map[static_cast<size_t>(si)], tb);
  }
  file.commit();
  res.video_frames = n;
  res.duration = static_cast<double>(last_video_end) / 1e6;
  return res;
}

// Turns decoded frames with arbitrary timestamps into a constant-rate sequence (like
// ffmpeg's fps filter, rounding to the nearest output slot): each slot shows the latest
// source frame that started at or before it.
class ConstantRate {
 public:
  ConstantRate(Rational in_tb, Rational out_rate) : in_tb_(in_tb), out_tb_(out_rate.inverse()) {}
  // Calls emit(frame, n) for every output slot the previous frame covers.
  template <typename Emit>
  void push(Frame f, Emit&& emit) {
    if (f.pts() == codecs::kNoTimestamp) f.set_pts(last_in_pts_ + 1);
    if (!first_) first_ = f.pts();
    const int64_t t = codecs::rescale(f.pts() - *first_, in_tb_, out_tb_);
    if (pending_) {
      while (next_ < t) emit(*pending_, next_++);
    }
    last_in_pts_ = f.pts();
    last_duration_ = f.av()->pkt_duration;
    pending_ = std::move(f);
  }
  template <typename Emit>
  void finish(Emit&& emit, int64_t fallback_duration_in_tb) {
    if (!pending_) return;
    const int64_t dur = last_duration_ > 0 ? last_duration_ : fallback_duration_in_tb;
    const int64_t end = codecs::rescale(last_in_pts_ + dur - *first_, in_tb_, out_tb_);
    if (next_ == 0 || next_ < end) {
      do emit(*pending_, next_++);
      while (next_ < end);
    }
    pending_.reset();
  }
  int64_t frames() const { return next_; }

 private:
  Rational in_tb_, out_tb_;
  std::optional<int64_t> first_;
  std::optional<Frame> pending_;
  int64_t last_in_pts_ = 0;
  int64_t last_duration_ = 0;
  int64_t next_ = 0;
};

ConvertResult transcode(codecs::InputFile& in, const std::filesystem::path& out,
                        codecs::VideoCodec vcodec, const ConvertOptions& o) {
  const int v = in.require_video_stream(false);
  const AVStream* vst = in.stream(v);
  const int rotation = in.rotation(v);
  const Rational rate = o.fps ? *o.fps : source_rate(vst);
  codecs::Size size;
  if (o.size) {
    size = *o.size;
  } else {
    size = codecs::rotated_size(vst->codecpar->width, vst->codecpar->height, rotation);
  }
  if (vcodec == codecs::VideoCodec::h264) {
    if (o.size && (size.width % 2 || size.height % 2))
      bad(out.string(), "--size must be even for H.264");
    size.width = std::max(2, size.width & ~1);
    size.height = std::max(2, size.height & ~1);
  }

  const int a = o.audio ? in.audio_stream() : -1;
  const bool prores = codecs::is_prores(vcodec);
  // Audio plan: PCM next to ProRes; AAC copied when the source has AAC, else encoded.
  bool copy_audio = false;
  if (a >= 0 && !prores && in.stream(a)->codecpar->codec_id == AV_CODEC_ID_AAC) copy_audio = true;

  codecs::OutputOptions oo;
  oo.timecode = in.timecode();
  codecs::OutputFile file(out, oo);
  codecs::VideoEncoderSettings vs;
  vs.codec = vcodec;
  vs.width = size.width;
  vs.height = size.height;
  vs.frame_rate = rate;
  vs.crf = o.crf;
  vs.preset = o.preset;
  vs.threads = o.threads;
  vs.global_header = file.needs_global_header();
  codecs::VideoEncoder venc(vs);
  const int vout = file.add_video_stream(venc);

  std::optional<codecs::AudioDecoder> adec;
  std::optional<codecs::AudioResampler> resampler;
  std::optional<codecs::AudioEncoder> aenc;
  int aout = -1;
  ConvertResult res;
  if (a >= 0) {
    if (copy_audio) {
      aout = file.add_copy_stream(in, a);
      res.audio_codec = "aac";
    } else {
      adec.emplace(in, a, 1);
      codecs::AudioEncoderSettings as;
      as.codec = prores ? codecs::AudioCodec::pcm_s16le : codecs::AudioCodec::aac;
      as.sample_rate = adec->sample_rate() > 0 ? adec->sample_rate() : 48000;
      if (!prores && as.sample_rate > 48000) as.sample_rate = 48000;
      as.channels = std::clamp(adec->channels(), 1, 8);
      as.global_header = file.needs_global_header();
      aenc.emplace(as);
      resampler.emplace(codecs::AudioFormat{as.sample_rate, as.channels, aenc->sample_format()});
      aout = file.add_audio_stream(*aenc);
      res.audio_codec = prores ? "pcm_s16le" : "aac";
    }
    res.audio = true;
  }

  codecs::VideoDecoder vdec(in, v, o.threads);
  codecs::ConformSettings cs;
  cs.width = size.width;
  cs.height = size.height;
  cs.fit = o.fit;
  cs.pixel_format = venc.pixel_format();
  cs.rotation = rotation;
  codecs::VideoConformer conform(cs);
  ConstantRate cfr(in.time_base(v), rate);
  auto emit = [&](const Frame& f, int64_t n) {
    Frame pic = conform.convert(f);
    pic.set_pts(n);
    file.encode(venc, vout, &pic);
  };

  const int64_t start_us = in.start_time_us();
  const double total = static_cast<double>(in.duration_us()) / 1e6;
  bool audio_started = false;
  auto feed_audio = [&](const Frame& af) {
    if (!audio_started) {
      audio_started = true;
      // Keep sync when the audio starts after the video: lead with silence.
      if (af.pts() != codecs::kNoTimestamp) {
        const int64_t lead =
            codecs::rescale(af.pts(), af.time_base(), {1, aenc->settings().sample_rate}) -
            codecs::rescale(start_us, kMicro, {1, aenc->settings().sample_rate});
        if (lead > 0 && lead < 10LL * aenc->settings().sample_rate) {
          Frame silence = Frame::audio(static_cast<int>(lead), aenc->settings().sample_rate,
                                       aenc->settings().channels, aenc->sample_format());
          av_samples_set_silence(silence.av()->extended_data, 0, static_cast<int>(lead),
                                 aenc->settings().channels,
                                 static_cast<AVSampleFormat>(aenc->sample_format()));
          file.encode(*aenc, aout, &silence);
        }
      }
    }
    Frame r = resampler->convert(af);
    file.encode(*aenc, aout, &r);
  };

  Packet pkt;
  Frame f;
  int64_t packets = 0;
  while (in.read(pkt)) {
    const int si = pkt.stream_index();
    if (si == v) {
      vdec.send(&pkt);
      while (vdec.receive(f)) cfr.push(std::move(f), emit);
      if (++packets % 25 == 0) {
        check_cancel(o, in.path());
        if (o.progress && total > 0)
          o.progress(std::min(1.0, static_cast<double>(cfr.frames()) / rate.to_double() / total));
      }
    } else if (si == a && a >= 0) {
      if (copy_audio) {
        const Rational tb = in.time_base(a);
        const int64_t off = codecs::rescale(start_us, kMicro, tb);
        if (pkt.av()->pts != AV_NOPTS_VALUE) pkt.av()->pts -= off;
        if (pkt.av()->dts != AV_NOPTS_VALUE) pkt.av()->dts -= off;
        file.write(pkt, aout, tb);
      } else {
        adec->send(&pkt);
        Frame af;
        while (adec->receive(af)) feed_audio(af);
      }
    }
  }
  vdec.send(nullptr);
  while (vdec.receive(f)) cfr.push(std::move(f), emit);
  const Rational vtb = in.time_base(v);
  cfr.finish(emit, codecs::rescale(1, rate.inverse(), vtb));
  if (cfr.frames() == 0) bad(in.path(), "no video frame could be decoded");
  file.encode(venc, vout, nullptr);
  if (adec) {
    adec->send(nullptr);
    Frame af;
    while (adec->receive(af)) feed_audio(af);
    Frame tail = resampler->flush();
    file.encode(*aenc, aout, &tail);
    file.encode(*aenc, aout, nullptr);
  }
  check_cancel(o, in.path());
  file.commit();
  if (o.progress) o.progress(1.0);
  res.video_codec = prores ? "prores" : "h264";
  res.video_frames = cfr.frames();
  res.duration = static_cast<double>(cfr.frames()) / rate.to_double();
  res.timecode = oo.timecode;
  return res;
}

} // namespace

ConvertResult convert(const std::filesystem::path& src, const std::filesystem::path& out,
                      const ConvertOptions& options) {
  MediaCpuScope media_cpu;
  const std::string out_name = out.string();
  const auto container = codecs::container_for_path(out_name);
  if (!container) bad(out_name, "output must end in .mov or .mp4");
  std::string codec = options.codec;
  if (codec.empty()) codec = *container == codecs::Container::mov ? "prores_hq" : "h264";
  std::optional<codecs::VideoCodec> vcodec;
  if (codec != "copy") {
    vcodec = codecs::parse_video_codec(codec);
    if (!vcodec)
      throw Error(Failure::bad_input,
                  "--codec " + codec + ": use copy, h264, prores, prores_hq or prores_4444");
    if (codecs::is_prores(*vcodec) && *container != codecs::Container::mov)
      bad(out_name, "ProRes needs a .mov output");
  } else if (options.fps || options.size) {
    throw Error(Failure::bad_input, "--codec copy cannot change --fps or --size");
  }
  if (options.crf < 0 || options.crf > 51) throw Error(Failure::bad_input, "--crf must be 0-51");
  check_output_differs(src, out);
  std::error_code ec;
  const auto dir = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
  if (!std::filesystem::is_directory(dir, ec)) bad(out_name, "output folder does not exist");

  codecs::InputFile in(src);
  in.require_video_stream(false);
  if (!vcodec) return copy_streams(in, out, options);
  return transcode(in, out, *vcodec, options);
}

} // namespace shotchain::stages
