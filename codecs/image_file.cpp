#include "codecs/image_file.h"

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <system_error>

#include "codecs/av_error.h"
#include "codecs/decoder.h"
#include "codecs/input_file.h"
#include "codecs/tonemap.h"
#include "codecs/video_conform.h"
#include "common/atomic_file.h"

namespace shotchain::codecs {

std::optional<ImageFormat> image_format_for_path(std::string_view path) {
  auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string ext(path.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "png") return ImageFormat::png;
  if (ext == "jpg" || ext == "jpeg") return ImageFormat::jpeg;
  return std::nullopt;
}

namespace {

// Encodes one picture into memory.
std::string encode_picture(const Frame& converted, ImageFormat format, int quality,
                           const std::string& name) {
  const AVCodec* codec =
      avcodec_find_encoder(format == ImageFormat::png ? AV_CODEC_ID_PNG : AV_CODEC_ID_MJPEG);
  if (!codec) throw Error(Failure::runtime, name + ": image encoder not available");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw std::bad_alloc();
  ctx->width = converted.width();
  ctx->height = converted.height();
  ctx->pix_fmt = static_cast<AVPixelFormat>(converted.pixel_format());
  ctx->time_base = AVRational{1, 25};
  ctx->color_range = converted.av()->color_range;
  ctx->colorspace = converted.av()->colorspace;
  ctx->color_primaries = converted.av()->color_primaries;
  ctx->color_trc = converted.av()->color_trc;
  if (format == ImageFormat::jpeg) {
    quality = std::clamp(quality, 1, 100);
    // Map 1..100 onto mjpeg's qscale 31..1 (lower is better).
    const int q = 1 + (100 - quality) * 30 / 99;
    ctx->flags |= AV_CODEC_FLAG_QSCALE;
    ctx->global_quality = FF_QP2LAMBDA * q;
    ctx->qmin = ctx->qmax = q;
  }
  ctx->thread_count = 1;
  check_av(avcodec_open2(ctx.get(), codec, nullptr), Failure::runtime, name,
           "cannot open image encoder");
  Frame f = converted.ref();
  if (format == ImageFormat::jpeg) f.av()->quality = ctx->global_quality;
  f.av()->pts = 0;
  check_av(avcodec_send_frame(ctx.get(), f.av()), Failure::runtime, name, "encode failed");
  check_av(avcodec_send_frame(ctx.get(), nullptr), Failure::runtime, name, "encode failed");
  Packet pkt;
  std::string out;
  while (avcodec_receive_packet(ctx.get(), pkt.av()) >= 0) {
    out.append(reinterpret_cast<const char*>(pkt.av()->data), pkt.av()->size);
    pkt.unref();
  }
  if (out.empty()) throw Error(Failure::runtime, name + ": image encoder produced nothing");
  return out;
}

} // namespace

void write_image(const Frame& frame, const std::filesystem::path& path,
                 const ImageWriteOptions& options) {
  init_ffmpeg_logging();
  const std::string name = path.string();
  auto format = image_format_for_path(name);
  if (!format) throw_file(Failure::bad_input, name, "output must end in .png, .jpg or .jpeg");
  std::filesystem::path dir = path.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir.empty() ? std::filesystem::path(".") : dir, ec))
    throw_file(Failure::bad_input, name, "output folder does not exist");
  if (std::filesystem::is_directory(path, ec))
    throw_file(Failure::bad_input, name, "is a directory");

  ConformSettings cs;
  cs.pixel_format = *format == ImageFormat::png ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUVJ420P;
  cs.rotation = options.rotation;
  if (*format == ImageFormat::jpeg) cs.colorspace = AVCOL_SPC_BT470BG; // JFIF is BT.601
  VideoConformer conformer(cs);
  // HDR (PQ/HLG) is tone-mapped to SDR BT.709 first; everything else converts directly.
  Frame converted =
      is_hdr(frame) ? conformer.convert(tonemap_to_sdr_rgb24(frame)) : conformer.convert(frame);
  write_file_atomic(path, encode_picture(converted, *format, options.jpeg_quality, name));
}

Frame read_image(const std::filesystem::path& path) {
  InputFile in(path);
  VideoDecoder dec(in, in.require_video_stream(true), 1);
  Frame f;
  if (!dec.next(in, f))
    throw_file(Failure::bad_input, path.string(), "no picture could be decoded");
  return f;
}

ImageInfo image_info(const std::filesystem::path& path) {
  InputFile in(path);
  if (!in.is_image()) throw_file(Failure::bad_input, path.string(), "not a still image");
  int v = in.require_video_stream(true);
  const AVCodecParameters* par = in.stream(v)->codecpar;
  return {par->width, par->height, avcodec_get_name(par->codec_id)};
}

void convert_image_to_png(const std::filesystem::path& src, const std::filesystem::path& png_path) {
  write_image(read_image(src), png_path);
}

} // namespace shotchain::codecs
