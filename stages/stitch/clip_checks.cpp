// Clip checks of the stitch stage: probing each clip (bad input named by clip and position),
// what the reports say of it, and whether clips can be stream-copied back to back.
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cmath>

#include "codecs/input_file.h"
#include "codecs/video_conform.h"
#include "stages/stitch/parts.h"

namespace shotchain::stitch {
namespace fs = std::filesystem;
using codecs::InputFile;
using codecs::Packet;

// Between clips, hand freed decoder/packet memory back to the system so the peak does not
// creep up with the number of clips (glibc keeps freed large blocks otherwise).
void release_free_memory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

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

codecs::VideoCodec encode_codec(Codec c, codecs::Container container) {
  if (auto encoder = encoder_of(c)) return *encoder;
  return container == codecs::Container::mov ? codecs::VideoCodec::prores_hq
                                             : codecs::VideoCodec::h264;
}

// Why the clips cannot be stream-copied back to back ("" when they can).
std::string copy_blocker(const std::vector<ClipInfo>& clips, const Options& o,
                         codecs::Container container) {
  const auto& f0 = clips[0].facts;
  // ProRes frames carry everything a decoder needs; H.264/HEVC need the stream's header.
  if (f0.extradata.empty() && f0.codec != "prores")
    return "clip 1 has no codec header (not from MP4/MOV/MKV)";
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

bool clips_are_in(const std::vector<ClipInfo>& clips, codecs::VideoCodec codec) {
  const char* name = codec == codecs::VideoCodec::h264 ? "h264" : "prores";
  // prores_ks writes these profile names (avcodec_profile_name).
  const char* profile = codec == codecs::VideoCodec::prores        ? "Standard"
                        : codec == codecs::VideoCodec::prores_hq   ? "HQ"
                        : codec == codecs::VideoCodec::prores_4444 ? "4444"
                                                                   : nullptr;
  return std::all_of(clips.begin(), clips.end(), [&](const ClipInfo& c) {
    return c.facts.codec == name && (!profile || c.facts.profile == profile);
  });
}

Size default_size(const fs::path& clip) {
  ClipInfo info = probe_clip({clip, "", {}}, 0, 1);
  return {info.display.width & ~1, info.display.height & ~1};
}

int thumb_height(codecs::Size s) {
  int h = static_cast<int>(std::lround(static_cast<double>(kThumbWidth) * s.height / s.width));
  return std::max(2, h & ~1);
}

} // namespace shotchain::stitch
