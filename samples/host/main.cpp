// A host program embedding shotchain: it runs a storyboard with its own progress sink and
// inserts its own stage before assembly (an upscale of every shot clip by 3/2, made with the
// library's codecs building blocks), on the offline preview backend.
//
//   shotchain_host JOB.json OUTPUT_DIR STATE_DIR
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>

#include "codecs/decoder.h"
#include "codecs/input_file.h"
#include "codecs/output_file.h"
#include "codecs/video_conform.h"
#include "codecs/video_encoder.h"
#include "common/error.h"
#include "pipeline/job_spec.h"
#include "pipeline/runner.h"
#include "stages/preview_generator.h"

namespace {

// The host's progress sink: one line per finished step, and a count of events per shot.
class HostSink final : public shotchain::ProgressSink {
 public:
  void on_event(const shotchain::ProgressEvent& e) override {
    std::lock_guard lock(mutex_);
    ++events_[e.shot_id];
    if (e.kind == shotchain::ProgressEvent::Kind::finished)
      std::printf("[host] %s %s finished%s%s\n", e.shot_id.empty() ? "job" : e.shot_id.c_str(),
                  e.stage.c_str(), e.message.empty() ? "" : ": ", e.message.c_str());
  }
  void summary() {
    for (const auto& [shot, n] : events_)
      std::printf("[host] events for %s: %d\n", shot.empty() ? "job" : shot.c_str(), n);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> events_;
};

// The host's own stage: every shot clip upscaled by 3/2 (H.264), handed on to assembly.
class Upscale final
    : public shotchain::Stage<shotchain::pipeline::ShotClip, shotchain::pipeline::ShotClip> {
 public:
  std::string name() const override { return "host-upscale"; }
  shotchain::pipeline::ShotClip run(const shotchain::pipeline::ShotClip& in,
                                    shotchain::StageContext& ctx) override {
    using namespace shotchain::codecs;
    InputFile input(in.file);
    VideoDecoder decoder(input);
    int w = decoder.width() * 3 / 2 / 2 * 2, h = decoder.height() * 3 / 2 / 2 * 2;
    auto out_path = ctx.work_dir / (in.shot_id + "-upscaled.mp4");
    OutputFile out(out_path);
    VideoEncoderSettings es;
    es.width = w;
    es.height = h;
    es.preset = "veryfast";
    es.global_header = out.needs_global_header();
    VideoEncoder encoder(es);
    int stream = out.add_video_stream(encoder);
    ConformSettings cs;
    cs.width = w;
    cs.height = h;
    cs.pixel_format = encoder.pixel_format();
    VideoConformer conform(cs);
    Frame frame;
    std::int64_t n = 0;
    while (decoder.next(input, frame)) {
      ctx.check_cancel(name());
      Frame f = conform.convert(frame);
      f.set_pts(n++);
      f.set_time_base(encoder.time_base());
      out.encode(encoder, stream, &f);
    }
    out.encode(encoder, stream, nullptr);
    out.commit();
    auto result = in;
    result.file = out_path;
    result.metadata["host.stage"] = name();
    return result;
  }
};

} // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: shotchain_host JOB.json OUTPUT_DIR STATE_DIR\n");
    return 2;
  }
  try {
    using namespace shotchain;
    pipeline::JobSpec job = pipeline::load_job_spec(argv[1]);
    HostSink sink;
    pipeline::RunOptions options;
    options.backend =
        std::make_shared<preview::PreviewBackend>(preview::options_from_environment());
    options.sink = &sink;
    options.output_dir = argv[2];
    options.state_dir = argv[3];
    options.before_assembly.push_back(std::make_shared<Upscale>());
    pipeline::RunReport report = pipeline::run_job(job, options);
    sink.summary();
    std::printf("[host] sequence %s: %lld frames\n", report.sequence.string().c_str(),
                report.frames);
    return 0;
  } catch (const shotchain::Error& e) {
    std::fprintf(stderr, "shotchain_host: %s\n", e.what());
    return e.exit_code();
  }
}
