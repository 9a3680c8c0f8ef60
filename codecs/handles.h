#pragma once
// One owning type per FFmpeg handle (avcpp's avutils.h habit): std::unique_ptr with a deleter,
// all deleters in one place, so no exit path ever frees anything by hand.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <memory>

namespace shotchain::codecs {

struct InputFormatDeleter {
  void operator()(AVFormatContext* p) const noexcept { avformat_close_input(&p); }
};
// An output context owns its AVIO handle when the muxer needs a file.
struct OutputFormatDeleter {
  void operator()(AVFormatContext* p) const noexcept {
    if (!p) return;
    if (p->pb && p->oformat && !(p->oformat->flags & AVFMT_NOFILE)) avio_closep(&p->pb);
    avformat_free_context(p);
  }
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* p) const noexcept { avcodec_free_context(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* p) const noexcept { av_frame_free(&p); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const noexcept { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* p) const noexcept { sws_freeContext(p); }
};
struct SwrDeleter {
  void operator()(SwrContext* p) const noexcept { swr_free(&p); }
};
struct AudioFifoDeleter {
  void operator()(AVAudioFifo* p) const noexcept { av_audio_fifo_free(p); }
};
struct DictionaryDeleter {
  void operator()(AVDictionary* p) const noexcept { av_dict_free(&p); }
};

using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatDeleter>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;

// An AVDictionary used as options: owns whatever the call leaves in it.
class Dictionary {
 public:
  Dictionary() = default;
  ~Dictionary() { av_dict_free(&d_); }
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;
  void set(const char* key, const char* value) { av_dict_set(&d_, key, value, 0); }
  void set(const char* key, long long value) { av_dict_set_int(&d_, key, value, 0); }
  AVDictionary** out() { return &d_; }
  AVDictionary* get() const { return d_; }

 private:
  AVDictionary* d_ = nullptr;
};

} // namespace shotchain::codecs
