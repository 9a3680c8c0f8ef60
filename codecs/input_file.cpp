#include "codecs/input_file.h"

extern "C" {
#include <libavutil/display.h>
}

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <system_error>

#include "codecs/av_error.h"
#include "codecs/known_enums.h"

namespace shotchain::codecs {

struct InputFile::Interrupt {
  std::chrono::steady_clock::time_point deadline;
  const std::atomic<bool>* cancel = nullptr;
  bool timed_out = false;
  static int callback(void* opaque) {
    auto* self = static_cast<Interrupt*>(opaque);
    if (self->cancel && self->cancel->load()) return 1;
    if (std::chrono::steady_clock::now() > self->deadline) {
      self->timed_out = true;
      return 1;
    }
    return 0;
  }
};

namespace {
// Demuxers an untrusted file may be read with. Deliberately absent: hls, concat, image2
// (file patterns), and everything that follows references to other files or URLs.
constexpr const char* kDemuxers =
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,png_pipe,jpeg_pipe,bmp_pipe,tiff_pipe,"
    "webp_pipe,gif";
constexpr const char* kImageDemuxers[] = {"png_pipe",  "jpeg_pipe", "bmp_pipe",
                                          "tiff_pipe", "webp_pipe", "gif"};
// FFmpeg's probe gives a still named .jpg (or .bmp, .tif, .webp) to the image2 demuxer by its
// extension, and image2 is refused by the whitelist. Still images are recognised here by
// their signature instead, so a JPEG reference opens with jpeg_pipe whatever its name.
const AVInputFormat* still_image_demuxer(const std::string& path) {
  unsigned char head[16] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(head), sizeof head);
  if (in.gcount() < static_cast<std::streamsize>(sizeof head)) return nullptr;
  const char* name = nullptr;
  if (head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
    name = "jpeg_pipe";
  else if (std::memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0)
    name = "png_pipe";
  else if (std::memcmp(head, "RIFF", 4) == 0 && std::memcmp(head + 8, "WEBP", 4) == 0)
    name = "webp_pipe";
  else if (std::memcmp(head, "II*\0", 4) == 0 || std::memcmp(head, "MM\0*", 4) == 0)
    name = "tiff_pipe";
  else if (head[0] == 'B' && head[1] == 'M')
    name = "bmp_pipe";
  return name ? av_find_input_format(name) : nullptr;
}

} // namespace

void check_readable_file(const std::filesystem::path& path) {
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  const std::string name = path.string();
  if (ec || !std::filesystem::exists(st)) throw_file(Failure::bad_input, name, "no such file");
  if (std::filesystem::is_directory(st)) throw_file(Failure::bad_input, name, "is a directory");
  if (!std::filesystem::is_regular_file(st))
    throw_file(Failure::bad_input, name, "not a regular file");
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw_file(Failure::bad_input, name, "cannot read: " + ec.message());
  if (size == 0) throw_file(Failure::bad_input, name, "empty file (0 bytes)");
}

InputFile::InputFile(const std::filesystem::path& path, const InputOptions& options)
    : path_(path.string()), options_(options), interrupt_(std::make_unique<Interrupt>()) {
  init_ffmpeg_logging();
  check_readable_file(path);
  reset_deadline(options_.deadline_seconds);
  interrupt_->cancel = options_.cancel;

  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) throw std::bad_alloc();
  raw->interrupt_callback.callback = &Interrupt::callback;
  raw->interrupt_callback.opaque = interrupt_.get();
  raw->max_analyze_duration = options_.analyze_us;
  raw->probesize = options_.probe_bytes;
  raw->format_probesize = 1 << 20;

  Dictionary opts;
  opts.set("protocol_whitelist", "file");
  opts.set("format_whitelist", kDemuxers);
  opts.set("enable_drefs", "0");
  // "file:" so that a name containing ':' is never read as another protocol.
  std::string url = "file:" + path_;
  int ret = avformat_open_input(&raw, url.c_str(), still_image_demuxer(path_), opts.out());
  if (ret < 0) {
    // avformat_open_input frees the context on failure.
    if (interrupt_->timed_out) throw_file(Failure::bad_input, path_, "timed out while opening");
    if (ret == AVERROR(ENOENT)) throw_file(Failure::bad_input, path_, "no such file");
    if (ret == AVERROR(EACCES)) throw_file(Failure::bad_input, path_, "permission denied");
    throw_av(Failure::bad_input, ret, path_, "not a supported media file");
  }
  ctx_.reset(raw);
  if (options_.stream_info) {
    ret = avformat_find_stream_info(ctx_.get(), nullptr);
    if (ret < 0) throw_av(Failure::bad_input, ret, path_, "cannot read stream information");
  }
  if (ctx_->nb_streams == 0) throw_file(Failure::bad_input, path_, "no streams");
  // A truncated MP4/MOV whose index (moov) survived: samples point past the end of the file.
  const int64_t file_size = ctx_->pb ? avio_size(ctx_->pb) : -1;
  if (file_size > 0 && format_name().rfind("mov,", 0) == 0) {
    for (unsigned i = 0; i < ctx_->nb_streams; ++i) {
      AVStream* st = ctx_->streams[i];
      const int n = avformat_index_get_entries_count(st);
      if (n <= 0) continue;
      const AVIndexEntry* e = avformat_index_get_entry(st, n - 1);
      if (e && e->pos + e->size > file_size)
        throw_file(Failure::bad_input, path_, "truncated file (media data ends early)");
    }
  }
  for (unsigned i = 0; i < ctx_->nb_streams; ++i) {
    AVCodecParameters* par = ctx_->streams[i]->codecpar;
    clean_enum_fields(par);
    if (par->codec_type == AVMEDIA_TYPE_VIDEO && par->width > 0 && par->height > 0 &&
        static_cast<int64_t>(par->width) * par->height > options_.max_pixels)
      throw_file(Failure::bad_input, path_,
                 "picture too large (" + std::to_string(par->width) + "x" +
                     std::to_string(par->height) + "; the limit is " +
                     std::to_string(options_.max_pixels) + " pixels per picture)");
    if (par->codec_type == AVMEDIA_TYPE_VIDEO && ctx_->streams[i]->nb_frames > kMaxFrameCount)
      throw_file(Failure::bad_input, path_,
                 "too many frames (" + std::to_string(ctx_->streams[i]->nb_frames) +
                     "; the limit is " + std::to_string(kMaxFrameCount) + ")");
  }
  if (ctx_->duration != AV_NOPTS_VALUE && ctx_->duration / AV_TIME_BASE > kMaxDurationSeconds)
    throw_file(Failure::bad_input, path_,
               "too long (" + std::to_string(ctx_->duration / AV_TIME_BASE) + " s; the limit is " +
                   std::to_string(kMaxDurationSeconds) + " s)");
}

InputFile::~InputFile() = default;
InputFile::InputFile(InputFile&&) noexcept = default;
InputFile& InputFile::operator=(InputFile&&) noexcept = default;

void InputFile::reset_deadline(double seconds) {
  interrupt_->timed_out = false;
  interrupt_->deadline = std::chrono::steady_clock::now() +
                         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(seconds));
}

std::string InputFile::format_name() const { return ctx_->iformat ? ctx_->iformat->name : ""; }

bool InputFile::is_image() const {
  const std::string name = format_name();
  for (const char* n : kImageDemuxers)
    if (name == n) return true;
  return false;
}

int InputFile::stream_count() const { return static_cast<int>(ctx_->nb_streams); }

AVStream* InputFile::stream(int index) const {
  if (index < 0 || index >= stream_count()) return nullptr;
  return ctx_->streams[index];
}

int InputFile::video_stream() const {
  int best = -1;
  int64_t best_pixels = -1;
  for (unsigned i = 0; i < ctx_->nb_streams; ++i) {
    const AVStream* st = ctx_->streams[i];
    if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) continue;
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) continue;
    if (st->codecpar->codec_id == AV_CODEC_ID_NONE) continue;
    int64_t px = static_cast<int64_t>(st->codecpar->width) * st->codecpar->height;
    if (best < 0 || (st->disposition & AV_DISPOSITION_DEFAULT && px >= best_pixels) ||
        px > best_pixels) {
      best = static_cast<int>(i);
      best_pixels = px;
    }
  }
  return best;
}

int InputFile::audio_stream() const {
  int idx = av_find_best_stream(const_cast<AVFormatContext*>(ctx_.get()), AVMEDIA_TYPE_AUDIO, -1,
                                -1, nullptr, 0);
  return idx < 0 ? -1 : idx;
}

int InputFile::require_video_stream(bool allow_image) const {
  if (!allow_image && is_image())
    throw_file(Failure::bad_input, path_, "is a still image, a video is needed");
  int v = video_stream();
  if (v < 0) throw_file(Failure::bad_input, path_, "no video stream");
  return v;
}

Rational InputFile::time_base(int stream_index) const {
  const AVStream* st = stream(stream_index);
  if (!st) return {1, AV_TIME_BASE};
  return {st->time_base.num, st->time_base.den};
}

int64_t InputFile::start_time_us() const {
  return ctx_->start_time == AV_NOPTS_VALUE ? 0 : ctx_->start_time;
}

int64_t InputFile::duration_us() const {
  return ctx_->duration == AV_NOPTS_VALUE || ctx_->duration < 0 ? 0 : ctx_->duration;
}

std::string InputFile::timecode() const {
  if (const AVDictionaryEntry* e = av_dict_get(ctx_->metadata, "timecode", nullptr, 0))
    return e->value;
  for (unsigned i = 0; i < ctx_->nb_streams; ++i)
    if (const AVDictionaryEntry* e =
            av_dict_get(ctx_->streams[i]->metadata, "timecode", nullptr, 0))
      return e->value;
  return "";
}

int InputFile::rotation(int stream_index) const {
  const AVStream* st = stream(stream_index);
  if (!st) return 0;
  const auto* matrix = reinterpret_cast<const int32_t*>(
      av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr));
  if (!matrix) return 0;
  double theta = -av_display_rotation_get(matrix); // clockwise degrees
  if (std::isnan(theta)) return 0;
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  int r = static_cast<int>(std::lround(theta / 90.0)) * 90;
  r %= 360;
  if (r < 0) r += 360;
  return r;
}

bool InputFile::read(Packet& pkt) {
  pkt.unref();
  // The deadline bounds each operation (open, one read), not the whole file: a long
  // conversion is fine, a read that never returns is not.
  reset_deadline(options_.deadline_seconds);
  int ret = av_read_frame(ctx_.get(), pkt.av());
  if (ret == AVERROR_EOF) return false;
  if (ret < 0) {
    if (interrupt_->timed_out) throw_file(Failure::runtime, path_, "timed out while reading");
    if (ret == AVERROR_EXIT) throw_file(Failure::interrupted, path_, "interrupted");
    if (ret == AVERROR_INVALIDDATA) throw_av(Failure::bad_input, ret, path_, "corrupt data");
    // avio reports EOF inside a truncated box as an error on some paths; treat as end.
    if (avio_feof(ctx_->pb)) return false;
    throw_av(Failure::runtime, ret, path_, "read failed");
  }
  return true;
}

void InputFile::seek(int stream_index, int64_t ts) {
  reset_deadline(options_.deadline_seconds);
  int ret = avformat_seek_file(ctx_.get(), stream_index, INT64_MIN, ts, ts, 0);
  if (ret < 0) {
    // Some demuxers only support seeking in one direction; fall back to a backward seek.
    ret = av_seek_frame(ctx_.get(), stream_index, ts, AVSEEK_FLAG_BACKWARD);
  }
  if (ret < 0) throw_av(Failure::runtime, ret, path_, "seek failed");
}

bool InputFile::try_seek(int stream_index, int64_t ts) {
  reset_deadline(options_.deadline_seconds);
  int ret = avformat_seek_file(ctx_.get(), stream_index, INT64_MIN, ts, ts, 0);
  if (ret < 0) ret = av_seek_frame(ctx_.get(), stream_index, ts, AVSEEK_FLAG_BACKWARD);
  return ret >= 0;
}

bool InputFile::seeks_by_pts() const {
  return ctx_->iformat && (ctx_->iformat->flags & AVFMT_SEEK_TO_PTS);
}

bool InputFile::has_reordered_frames() const {
  for (unsigned i = 0; i < ctx_->nb_streams; ++i)
    if (ctx_->streams[i]->codecpar->video_delay) return true;
  return false;
}

void InputFile::seek_us(int64_t us) { seek(-1, us); }

} // namespace shotchain::codecs
