#include "codecs/media_info.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "codecs/input_file.h"
#include "codecs/video_conform.h"
#include "common/json_write.h"

namespace shotchain::codecs {
namespace {

std::string str_or_empty(const char* s) { return s ? s : ""; }

std::string tag(const AVDictionary* d, const char* key) {
  const AVDictionaryEntry* e = av_dict_get(d, key, nullptr, 0);
  return e ? e->value : "";
}

std::string fourcc(uint32_t tag_value) {
  if (!tag_value) return "";
  char buf[AV_FOURCC_MAX_STRING_SIZE] = {};
  av_fourcc_make_string(buf, tag_value);
  return buf;
}

} // namespace

const StreamInfo* MediaInfo::video() const {
  for (const auto& s : streams)
    if (s.type == "video" && !s.attached_picture) return &s;
  return nullptr;
}

const StreamInfo* MediaInfo::audio() const {
  for (const auto& s : streams)
    if (s.type == "audio") return &s;
  return nullptr;
}

MediaInfo probe(const std::filesystem::path& path) {
  InputFile in(path);
  const AVFormatContext* fc = in.av();
  MediaInfo info;
  info.path = path.string();
  info.container = in.format_name();
  info.container_long = fc->iformat ? str_or_empty(fc->iformat->long_name) : "";
  info.duration = static_cast<double>(in.duration_us()) / AV_TIME_BASE;
  info.start_time = static_cast<double>(in.start_time_us()) / AV_TIME_BASE;
  std::error_code ec;
  info.size_bytes = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  info.bit_rate = fc->bit_rate;
  info.is_image = in.is_image();
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(fc->metadata, "", e, AV_DICT_IGNORE_SUFFIX)))
    info.tags.emplace_back(e->key, e->value);
  info.timecode = tag(fc->metadata, "timecode");

  for (int i = 0; i < in.stream_count(); ++i) {
    const AVStream* st = in.stream(i);
    const AVCodecParameters* par = st->codecpar;
    StreamInfo s;
    s.index = i;
    const char* type = av_get_media_type_string(par->codec_type);
    s.type = type ? type : "unknown";
    s.codec = avcodec_get_name(par->codec_id);
    s.profile = str_or_empty(avcodec_profile_name(par->codec_id, par->profile));
    s.codec_tag = fourcc(par->codec_tag);
    s.bit_rate = par->bit_rate;
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
      s.duration = static_cast<double>(st->duration) * av_q2d(st->time_base);
    s.language = tag(st->metadata, "language");
    s.timecode = tag(st->metadata, "timecode");
    s.vendor = tag(st->metadata, "vendor_id");
    if (info.timecode.empty() && !s.timecode.empty()) info.timecode = s.timecode;
    s.frame_count = st->nb_frames;
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      s.width = par->width;
      s.height = par->height;
      s.rotation = in.rotation(i);
      Size d = rotated_size(par->width, par->height, s.rotation);
      s.display_width = d.width;
      s.display_height = d.height;
      const auto pf = static_cast<AVPixelFormat>(par->format);
      s.pixel_format = str_or_empty(av_get_pix_fmt_name(pf));
      if (const AVPixFmtDescriptor* pd = av_pix_fmt_desc_get(pf)) s.bit_depth = pd->comp[0].depth;
      s.real_frame_rate = {st->r_frame_rate.num, st->r_frame_rate.den};
      s.average_frame_rate = {st->avg_frame_rate.num, st->avg_frame_rate.den};
      if (par->sample_aspect_ratio.num > 0)
        s.sample_aspect_ratio = {par->sample_aspect_ratio.num, par->sample_aspect_ratio.den};
      if (st->r_frame_rate.num > 0 && st->avg_frame_rate.num > 0) {
        const double r = av_q2d(st->r_frame_rate), a = av_q2d(st->avg_frame_rate);
        s.variable_frame_rate = std::fabs(r - a) > 0.01 * r;
      }
      s.color_primaries = str_or_empty(av_color_primaries_name(par->color_primaries));
      s.color_transfer = str_or_empty(av_color_transfer_name(par->color_trc));
      s.color_matrix = str_or_empty(av_color_space_name(par->color_space));
      s.color_range = str_or_empty(av_color_range_name(par->color_range));
      s.attached_picture = (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      s.sample_rate = par->sample_rate;
      s.channels = par->ch_layout.nb_channels;
      char buf[128] = {};
      if (av_channel_layout_describe(&par->ch_layout, buf, sizeof buf) >= 0) s.channel_layout = buf;
      s.sample_format =
          str_or_empty(av_get_sample_fmt_name(static_cast<AVSampleFormat>(par->format)));
    }
    info.streams.push_back(std::move(s));
  }
  // Variable frame rate: look at the spacing of the first timestamps of the main video stream
  // (containers like Matroska report a nominal average rate even when frames are irregular).
  const int v = in.video_stream();
  if (v >= 0 && !info.is_image && in.try_seek(-1, in.start_time_us())) {
    std::vector<int64_t> pts;
    Packet pkt;
    int read = 0;
    while (pts.size() < 240 && read < 2000 && in.read(pkt)) {
      ++read;
      if (pkt.stream_index() == v && pkt.pts() != kNoTimestamp) pts.push_back(pkt.pts());
    }
    std::sort(pts.begin(), pts.end());
    if (pts.size() >= 3) {
      int64_t lo = INT64_MAX, hi = 0;
      for (size_t i = 1; i < pts.size(); ++i) {
        lo = std::min(lo, pts[i] - pts[i - 1]);
        hi = std::max(hi, pts[i] - pts[i - 1]);
      }
      // Allow rounding of one tick and 2% jitter.
      if (hi - lo > 1 && static_cast<double>(hi - lo) > 0.02 * static_cast<double>(lo))
        info.streams[static_cast<size_t>(v)].variable_frame_rate = true;
    }
  }
  return info;
}

std::string to_json(const MediaInfo& info) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&](const char* k, std::string_view v) { json::put_string(w, k, v); };
  auto rate = [&](const char* k, Rational r) {
    w.Key(k);
    w.StartObject();
    w.Key("num");
    w.Int(r.num);
    w.Key("den");
    w.Int(r.den);
    w.Key("value");
    w.Double(r.den ? std::round(r.to_double() * 1e6) / 1e6 : 0.0);
    w.EndObject();
  };
  w.StartObject();
  str("path", info.path);
  str("container", info.container);
  str("container_long", info.container_long);
  w.Key("duration");
  w.Double(info.duration);
  w.Key("start_time");
  w.Double(info.start_time);
  w.Key("size_bytes");
  w.Int64(info.size_bytes);
  w.Key("bit_rate");
  w.Int64(info.bit_rate);
  str("timecode", info.timecode);
  w.Key("is_image");
  w.Bool(info.is_image);
  w.Key("tags");
  w.StartObject();
  for (const auto& [k, v] : info.tags) str(k.c_str(), v);
  w.EndObject();
  w.Key("streams");
  w.StartArray();
  for (const auto& s : info.streams) {
    w.StartObject();
    w.Key("index");
    w.Int(s.index);
    str("type", s.type);
    str("codec", s.codec);
    str("profile", s.profile);
    str("codec_tag", s.codec_tag);
    w.Key("bit_rate");
    w.Int64(s.bit_rate);
    w.Key("duration");
    w.Double(s.duration);
    w.Key("frame_count");
    w.Int64(s.frame_count);
    if (!s.language.empty()) str("language", s.language);
    if (!s.timecode.empty()) str("timecode", s.timecode);
    if (!s.vendor.empty()) str("vendor", s.vendor);
    if (s.type == "video") {
      w.Key("width");
      w.Int(s.width);
      w.Key("height");
      w.Int(s.height);
      w.Key("display_width");
      w.Int(s.display_width);
      w.Key("display_height");
      w.Int(s.display_height);
      w.Key("rotation");
      w.Int(s.rotation);
      str("pixel_format", s.pixel_format);
      w.Key("bit_depth");
      w.Int(s.bit_depth);
      rate("real_frame_rate", s.real_frame_rate);
      rate("average_frame_rate", s.average_frame_rate);
      w.Key("variable_frame_rate");
      w.Bool(s.variable_frame_rate);
      rate("sample_aspect_ratio", s.sample_aspect_ratio);
      str("color_primaries", s.color_primaries);
      str("color_transfer", s.color_transfer);
      str("color_matrix", s.color_matrix);
      str("color_range", s.color_range);
      w.Key("attached_picture");
      w.Bool(s.attached_picture);
    } else if (s.type == "audio") {
      w.Key("sample_rate");
      w.Int(s.sample_rate);
      w.Key("channels");
      w.Int(s.channels);
      str("channel_layout", s.channel_layout);
      str("sample_format", s.sample_format);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

} // namespace shotchain::codecs
