#include "stages/preview_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>

#include "codecs/decoder.h"
#include "codecs/image_file.h"
#include "codecs/input_file.h"
#include "codecs/media_info.h"
#include "codecs/output_file.h"
#include "codecs/preview_support.h"
#include "codecs/video_conform.h"
#include "codecs/video_encoder.h"
#include "common/cpu_time.h"

namespace shotchain::preview {

PreviewOptions options_from_environment() {
  PreviewOptions o;
  if (const char* h = std::getenv("SHOTCHAIN_PREVIEW_HEIGHT"); h && *h) {
    char* end = nullptr;
    long v = std::strtol(h, &end, 10);
    if (*end || v < 64 || v > kServiceHeight || v % 2)
      throw Error(Failure::bad_input, std::string("SHOTCHAIN_PREVIEW_HEIGHT: \"") + h +
                                          "\" is not an even number from 64 to 768");
    o.height = static_cast<int>(v);
  }
  return o;
}

OutputSize output_size(int width, int height, int out_height) {
  OutputSize s;
  s.height = out_height;
  double w = static_cast<double>(width) * out_height / height;
  s.width = std::max(2, static_cast<int>(std::lround(w / 2.0)) * 2);
  return s;
}

void check_service_image(const std::filesystem::path& image, const std::string& what,
                         int min_short_side) {
  MediaCpuScope media_cpu;
  std::error_code ec;
  auto size = std::filesystem::file_size(image, ec);
  if (ec) throw Error(Failure::bad_input, what + ": cannot read: " + ec.message());
  std::string ext = image.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext != ".png" && ext != ".jpg" && ext != ".jpeg")
    throw Error(Failure::bad_input, what + ": must be a .png, .jpg or .jpeg file");
  if (size > 20u * 1024 * 1024) throw Error(Failure::bad_input, what + ": is over 20 MB");
  codecs::ImageInfo info;
  try {
    info = codecs::image_info(image);
  } catch (const Error& e) {
    throw Error(Failure::bad_input, what + ": not a readable image (" + e.what() + ")");
  }
  if (info.codec != "png" && info.codec != "mjpeg")
    throw Error(Failure::bad_input, what + ": holds " + info.codec + ", not PNG or JPEG data");
  int w = info.width, h = info.height;
  if (std::min(w, h) < min_short_side)
    throw Error(Failure::bad_input, what + ": " + std::to_string(w) + "x" + std::to_string(h) +
                                        " has a short side under " +
                                        std::to_string(min_short_side) +
                                        " px (the service needs more than 300)");
  // Strictly between 2:5 and 5:2: 5*w > 2*h and 2*w < 5*h.
  if (!(5LL * w > 2LL * h && 2LL * w < 5LL * h))
    throw Error(Failure::bad_input, what + ": " + std::to_string(w) + "x" + std::to_string(h) +
                                        " is outside the aspect ratios 2:5 to 5:2");
}

namespace {

// A small deterministic hash (FNV-1a) of the seed picks the direction of the move.
double direction_of(const std::string& seed) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : seed) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<double>(h % 3600) / 3600.0 * 2.0 * std::numbers::pi;
}

} // namespace

PreviewOutput PreviewGenerator::run(const PreviewInput& input, StageContext& context) {
  MediaCpuScope media_cpu;
  if (input.frames < 1) throw Error(Failure::bad_input, "preview: frame count must be positive");
  context.report(ProgressEvent::Kind::started, "generate",
                 "preview: zoom and pan from " + input.reference.filename().string());
  codecs::Frame ref = codecs::read_image(input.reference);
  OutputSize size = output_size(ref.width(), ref.height(), options_.height);

  codecs::ConformSettings cs;
  cs.width = size.width;
  cs.height = size.height;
  cs.fit = codecs::Fit::stretch;
  cs.pixel_format = codecs::encoder_pixel_format(codecs::VideoCodec::h264);
  codecs::VideoConformer conformer(cs);
  codecs::Frame base = conformer.convert(ref);

  codecs::OutputFile out(input.output);
  codecs::VideoEncoderSettings es;
  es.codec = codecs::VideoCodec::h264;
  es.width = size.width;
  es.height = size.height;
  es.frame_rate = {25, 1};
  es.crf = options_.crf;
  es.preset = options_.preset;
  es.threads = 1; // shots already run in parallel
  es.global_header = out.needs_global_header();
  codecs::VideoEncoder encoder(es);
  int stream = out.add_video_stream(encoder);

  const double W = size.width, H = size.height;
  const double theta = direction_of(input.seed);
  const double max_zoom = 0.10; // 10 % closer by the last frame
  for (int i = 0; i < input.frames; ++i) {
    if (i % 10 == 0) {
      context.check_cancel("shot \"" + context.shot_id + "\": preview");
      context.report(ProgressEvent::Kind::progress, "generate", {},
                     static_cast<double>(i) / input.frames);
    }
    double t = input.frames > 1 ? static_cast<double>(i) / (input.frames - 1) : 0.0;
    double e = t * t * (3 - 2 * t); // ease in and out
    double z = 1.0 + max_zoom * e;
    double w = W / z, h = H / z;
    // Pan: the window's centre drifts toward `theta`, staying inside the picture.
    double cx = W / 2 + std::cos(theta) * (W - w) / 2 * 0.8;
    double cy = H / 2 + std::sin(theta) * (H - h) / 2 * 0.8;
    double x = std::clamp(cx - w / 2, 0.0, W - w), y = std::clamp(cy - h / 2, 0.0, H - h);
    codecs::Frame f = i == 0 ? base.clone() : codecs::zoom_window(base, x, y, w, h);
    f.set_pts(i);
    f.set_time_base(encoder.time_base());
    out.encode(encoder, stream, &f);
  }
  out.encode(encoder, stream, nullptr);
  out.commit();
  context.report(ProgressEvent::Kind::progress, "generate", "preview clip written", 1.0);
  return {input.output, input.frames, size.width, size.height};
}

void PreviewBackend::preflight(const GenerationRequest& r) {
  std::string who = "shot \"" + r.shot_id + "\"";
  if (r.duration != 6 && r.duration != 10)
    throw Error(Failure::bad_input,
                who + ": duration " + std::to_string(r.duration) + " is not 6 or 10");
  if (r.prompt.empty()) throw Error(Failure::bad_input, who + ": empty prompt");
  // With a test-only smaller output, chained references are smaller than the service's.
  int min_short = options_.height < kServiceHeight ? 2 : 301;
  if (!r.reference_image.empty())
    check_service_image(r.reference_image, who + ": reference " + r.reference_image.string(),
                        min_short);
  if (!r.end_image.empty())
    check_service_image(r.end_image, who + ": end image " + r.end_image.string(), min_short);
}

GenerationResult PreviewBackend::generate(const GenerationRequest& r, const GenerationResume&,
                                          const GenerationHooks& hooks, StageContext& context) {
  // Nothing is paid for: an interrupted preview is simply made again.
  (void)hooks;
  PreviewInput in;
  in.reference = r.reference_image;
  in.output = r.output;
  in.frames = r.expected_frames();
  in.seed = r.model + "\n" + r.prompt;
  PreviewOutput out = generator_.run(in, context);
  GenerationResult g;
  g.file = out.file;
  g.frames = out.frames;
  g.width = out.width;
  g.height = out.height;
  return g;
}

} // namespace shotchain::preview
