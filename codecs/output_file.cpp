#include "codecs/output_file.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/opt.h>
}

#include <unistd.h>
#include <atomic>
#include <fstream>
#include <random>
#include <system_error>

#include "codecs/av_error.h"

namespace shotchain::codecs {
namespace {

std::filesystem::path temp_name_for(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  std::string name = "." + target.filename().string() + ".part-" + std::to_string(::getpid()) +
                     "-" + std::to_string(counter++) + "-" + std::to_string(rd() % 100000);
  return target.parent_path() / name;
}

uint32_t be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

// Walks the boxes in [begin, end) of `f`; for container boxes on the path to stsd it recurses,
// and in each stsd it rewrites the vendor of ProRes sample entries to 'apl0' (FFmpeg 5.1's
// muxer always writes 'FFMP' there; NLEs read it to decide how to treat the file).
void patch_vendor(std::fstream& f, int64_t begin, int64_t end, int depth) {
  int64_t pos = begin;
  while (pos + 8 <= end && depth < 8) {
    unsigned char h[16];
    f.seekg(pos);
    if (!f.read(reinterpret_cast<char*>(h), 8)) return;
    int64_t size = be32(h);
    int header = 8;
    if (size == 1) {
      if (!f.read(reinterpret_cast<char*>(h + 8), 8)) return;
      size = (int64_t(be32(h + 8)) << 32) | be32(h + 12);
      header = 16;
    } else if (size == 0) {
      size = end - pos;
    }
    if (size < header || pos + size > end) return;
    const std::string type(reinterpret_cast<char*>(h + 4), 4);
    if (type == "moov" || type == "trak" || type == "mdia" || type == "minf" || type == "stbl") {
      patch_vendor(f, pos + header, pos + size, depth + 1);
    } else if (type == "stsd") {
      // full box: version/flags (4), entry count (4), then sample entries.
      int64_t e = pos + header + 8;
      while (e + 24 <= pos + size) {
        unsigned char eh[24];
        f.seekg(e);
        if (!f.read(reinterpret_cast<char*>(eh), 24)) return;
        const int64_t esize = be32(eh);
        const std::string etype(reinterpret_cast<char*>(eh + 4), 4);
        if (esize < 24) return;
        if ((etype == "apch" || etype == "apcn" || etype == "apcs" || etype == "apco" ||
             etype == "ap4h" || etype == "ap4x") &&
            std::string(reinterpret_cast<char*>(eh + 20), 4) == "FFMP") {
          f.seekp(e + 20);
          f.write("apl0", 4);
        }
        e += esize;
      }
    }
    pos += size;
  }
}

} // namespace

OutputFile::OutputFile(const std::filesystem::path& target, const OutputOptions& options)
    : target_(target), options_(options) {
  init_ffmpeg_logging();
  const std::string name = target.string();
  auto c = container_for_path(name);
  if (!c) throw_file(Failure::bad_input, name, "output must end in .mov or .mp4");
  container_ = *c;
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw_file(Failure::bad_input, name, "output folder does not exist");
  if (std::filesystem::is_directory(target, ec))
    throw_file(Failure::bad_input, name, "is a directory");
  temp_ =
      temp_name_for(target.parent_path().empty() ? std::filesystem::path(".") / target : target);

  AVFormatContext* raw = nullptr;
  const char* fmt = container_ == Container::mov ? "mov" : "mp4";
  int ret = avformat_alloc_output_context2(&raw, nullptr, fmt, nullptr);
  if (ret < 0 || !raw) throw_av(Failure::runtime, ret, name, "cannot create muxer");
  ctx_.reset(raw);
}

OutputFile::~OutputFile() {
  if (!committed_) {
    ctx_.reset(); // closes the file first
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

bool OutputFile::needs_global_header() const {
  return (ctx_->oformat->flags & AVFMT_GLOBALHEADER) != 0;
}

int OutputFile::add_video_stream(const VideoEncoder& encoder) {
  AVStream* st = avformat_new_stream(ctx_.get(), nullptr);
  if (!st) throw std::bad_alloc();
  check_av(avcodec_parameters_from_context(st->codecpar, encoder.av()), Failure::runtime,
           target_.string(), "cannot add video stream");
  st->time_base = encoder.av()->time_base;
  st->avg_frame_rate = encoder.av()->framerate;
  st->r_frame_rate = encoder.av()->framerate;
  st->sample_aspect_ratio = AVRational{1, 1};
  // ProRes keeps the encoder's tag (apcn/apch/ap4h name the profile); the others let the
  // muxer choose.
  if (encoder.settings().codec == VideoCodec::h264) st->codecpar->codec_tag = 0;
  encoder_tb_.push_back(encoder.time_base());
  return st->index;
}

int OutputFile::add_audio_stream(const AudioEncoder& encoder) {
  AVStream* st = avformat_new_stream(ctx_.get(), nullptr);
  if (!st) throw std::bad_alloc();
  check_av(avcodec_parameters_from_context(st->codecpar, encoder.av()), Failure::runtime,
           target_.string(), "cannot add audio stream");
  st->time_base = AVRational{1, encoder.av()->sample_rate};
  encoder_tb_.push_back(encoder.time_base());
  return st->index;
}

int OutputFile::add_copy_stream(const InputFile& input, int in_stream) {
  const AVStream* in = input.stream(in_stream);
  if (!in) throw_file(Failure::bad_input, input.path(), "no such stream");
  AVStream* st = avformat_new_stream(ctx_.get(), nullptr);
  if (!st) throw std::bad_alloc();
  check_av(avcodec_parameters_copy(st->codecpar, in->codecpar), Failure::runtime, target_.string(),
           "cannot copy stream parameters");
  // Let the muxer pick a tag valid for this container (e.g. avc1 in MOV and MP4).
  st->codecpar->codec_tag = 0;
  if (avformat_query_codec(ctx_->oformat, st->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1)
    throw_file(Failure::bad_input, input.path(),
               std::string("codec ") + avcodec_get_name(st->codecpar->codec_id) +
                   " cannot be copied into " + target_.filename().string());
  st->time_base = in->time_base;
  st->avg_frame_rate = in->avg_frame_rate;
  st->r_frame_rate = in->r_frame_rate;
  st->sample_aspect_ratio = in->sample_aspect_ratio;
  st->disposition = in->disposition;
  if (const AVDictionaryEntry* lang = av_dict_get(in->metadata, "language", nullptr, 0))
    av_dict_set(&st->metadata, "language", lang->value, 0);
  if (const AVDictionaryEntry* v = av_dict_get(in->metadata, "vendor_id", nullptr, 0))
    av_dict_set(&st->metadata, "vendor_id", v->value, 0);
  size_t size = 0;
  if (const uint8_t* m = av_stream_get_side_data(in, AV_PKT_DATA_DISPLAYMATRIX, &size)) {
    uint8_t* dst = av_stream_new_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, size);
    if (dst) std::copy(m, m + size, dst);
  }
  encoder_tb_.push_back({in->time_base.num, in->time_base.den});
  return st->index;
}

void OutputFile::set_stream_metadata(int stream, const std::string& key, const std::string& value) {
  if (stream < 0 || stream >= static_cast<int>(ctx_->nb_streams)) return;
  av_dict_set(&ctx_->streams[stream]->metadata, key.c_str(), value.c_str(), 0);
}

void OutputFile::set_rotation(int stream, int degrees) {
  if (stream < 0 || stream >= static_cast<int>(ctx_->nb_streams)) return;
  auto* m = reinterpret_cast<int32_t*>(av_stream_new_side_data(
      ctx_->streams[stream], AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t)));
  if (!m) throw std::bad_alloc();
  av_display_rotation_set(m, -static_cast<double>(degrees)); // FFmpeg's angle is anticlockwise
}

void OutputFile::begin() {
  const std::string name = target_.string();
  for (const auto& [k, v] : options_.metadata)
    av_dict_set(&ctx_->metadata, k.c_str(), v.c_str(), 0);
  if (!options_.timecode.empty()) {
    for (unsigned i = 0; i < ctx_->nb_streams; ++i)
      if (ctx_->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO)
        av_dict_set(&ctx_->streams[i]->metadata, "timecode", options_.timecode.c_str(), 0);
  }
  const std::string url = "file:" + temp_.string();
  // The MOV muxer reopens the file by its url to move moov to the front (faststart).
  av_freep(&ctx_->url);
  ctx_->url = av_strdup(url.c_str());
  if (!ctx_->url) throw std::bad_alloc();
  int ret = avio_open2(&ctx_->pb, url.c_str(), AVIO_FLAG_WRITE, nullptr, nullptr);
  if (ret < 0) throw_av(Failure::runtime, ret, name, "cannot create output");
  Dictionary opts;
  if (options_.faststart) opts.set("movflags", "+faststart");
  ret = avformat_write_header(ctx_.get(), opts.out());
  if (ret < 0) throw_av(Failure::runtime, ret, name, "cannot write header");
  header_written_ = true;
}

void OutputFile::write(Packet& pkt, int stream, Rational tb) {
  if (!header_written_) begin();
  AVStream* st = ctx_->streams[stream];
  pkt.av()->stream_index = stream;
  av_packet_rescale_ts(pkt.av(), AVRational{tb.num, tb.den}, st->time_base);
  pkt.av()->pos = -1;
  int ret = av_interleaved_write_frame(ctx_.get(), pkt.av());
  if (ret < 0) throw_av(Failure::runtime, ret, target_.string(), "write failed");
}

void OutputFile::encode(VideoEncoder& encoder, int stream, const Frame* frame) {
  encoder.send(frame);
  Packet pkt;
  while (encoder.receive(pkt)) write(pkt, stream, encoder.time_base());
}

void OutputFile::encode(AudioEncoder& encoder, int stream, const Frame* frame) {
  encoder.send(frame);
  Packet pkt;
  while (encoder.receive(pkt)) write(pkt, stream, encoder.time_base());
}

void OutputFile::commit() {
  const std::string name = target_.string();
  if (!header_written_) begin();
  int ret = av_write_trailer(ctx_.get());
  if (ret < 0) throw_av(Failure::runtime, ret, name, "cannot finish output");
  ret = avio_closep(&ctx_->pb);
  if (ret < 0) throw_av(Failure::runtime, ret, name, "cannot close output");
  if (container_ == Container::mov) {
    bool prores = false;
    for (unsigned i = 0; i < ctx_->nb_streams; ++i)
      prores |= ctx_->streams[i]->codecpar->codec_id == AV_CODEC_ID_PRORES;
    if (prores) {
      std::fstream f(temp_, std::ios::in | std::ios::out | std::ios::binary);
      if (!f) throw_file(Failure::runtime, name, "cannot reopen output");
      f.seekg(0, std::ios::end);
      patch_vendor(f, 0, static_cast<int64_t>(f.tellg()), 0);
      f.flush();
      if (!f) throw_file(Failure::runtime, name, "cannot finish output");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp_, target_, ec);
  if (ec) throw_file(Failure::runtime, name, "cannot rename into place: " + ec.message());
  committed_ = true;
}

} // namespace shotchain::codecs
