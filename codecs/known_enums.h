#pragma once
// FFmpeg's demuxers and decoders store whatever number a file carries in enum fields (an
// MPEG-4 header gave 205 as colour primaries), and loading an unlisted value as the enum type
// is undefined behaviour in C++. Every stream's parameters and every decoded frame pass here
// before anything reads them: an unknown value becomes "unspecified".
extern "C" {
#include <libavcodec/codec_par.h>
#include <libavutil/frame.h>
}

namespace shotchain::codecs {

void clean_enum_fields(AVCodecParameters* par);
void clean_enum_fields(AVFrame* frame);

} // namespace shotchain::codecs
