#include "codecs/frame.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <cmath>
#include <new>

namespace shotchain::codecs {

Frame::Frame() : f_(av_frame_alloc()) {
  if (!f_) throw std::bad_alloc();
}

Frame::Frame(Frame&& other) : f_(av_frame_alloc()), tb_(other.tb_) {
  if (!f_) throw std::bad_alloc();
  f_.swap(other.f_);
}

Frame& Frame::operator=(Frame&& other) {
  if (this != &other) {
    av_frame_unref(f_.get());
    av_frame_move_ref(f_.get(), other.f_.get());
    tb_ = other.tb_;
  }
  return *this;
}

Frame Frame::video(int width, int height, int pixel_format) {
  Frame fr;
  fr.f_->width = width;
  fr.f_->height = height;
  fr.f_->format = pixel_format;
  if (av_frame_get_buffer(fr.f_.get(), 0) < 0) throw std::bad_alloc();
  return fr;
}

Frame Frame::audio(int samples, int sample_rate, int channels, int sample_format) {
  Frame fr;
  fr.f_->nb_samples = samples;
  fr.f_->sample_rate = sample_rate;
  fr.f_->format = sample_format;
  av_channel_layout_default(&fr.f_->ch_layout, channels);
  if (av_frame_get_buffer(fr.f_.get(), 0) < 0) throw std::bad_alloc();
  fr.tb_ = {1, sample_rate};
  return fr;
}

std::string Frame::pixel_format_name() const {
  const char* n = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f_->format));
  return n ? n : "none";
}

double Frame::seconds() const {
  if (f_->pts == AV_NOPTS_VALUE || !tb_.den) return std::nan("");
  return static_cast<double>(f_->pts) * tb_.num / tb_.den;
}

Frame Frame::clone() const {
  Frame out;
  if (empty()) return out;
  out.f_->format = f_->format;
  out.f_->width = f_->width;
  out.f_->height = f_->height;
  out.f_->nb_samples = f_->nb_samples;
  if (av_channel_layout_copy(&out.f_->ch_layout, &f_->ch_layout) < 0) throw std::bad_alloc();
  if (av_frame_get_buffer(out.f_.get(), 0) < 0) throw std::bad_alloc();
  if (av_frame_copy(out.f_.get(), f_.get()) < 0) throw std::bad_alloc();
  if (av_frame_copy_props(out.f_.get(), f_.get()) < 0) throw std::bad_alloc();
  out.tb_ = tb_;
  return out;
}

Frame Frame::ref() const {
  Frame out;
  if (!empty() && av_frame_ref(out.f_.get(), f_.get()) < 0) throw std::bad_alloc();
  out.tb_ = tb_;
  return out;
}

} // namespace shotchain::codecs
