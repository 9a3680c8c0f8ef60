#pragma once
// Every limit that bounds the work one media file can cause, in one place (the README's
// "Media limits" lists them). A file over a limit is refused as bad input (exit 2) with a
// message naming the limit; InputOptions takes its defaults from here.
#include <cstdint>

namespace shotchain::codecs {

// Pixels per picture (8192x8192): checked against the stream parameters at open, and by the
// decoders for every frame (a stream may change size midway). A frame of this size is
// decoded, converted and written within the per-operation deadline (tests/codecs).
inline constexpr std::int64_t kMaxPixels = 8192LL * 8192;
// Container duration: longer files are refused at open (a hostile header can claim years).
inline constexpr std::int64_t kMaxDurationSeconds = 24 * 3600;
// Frames a video stream may declare: more is refused at open (24 h at 120 fps).
inline constexpr std::int64_t kMaxFrameCount = 24LL * 3600 * 120;
// Budget for each demuxer operation (open, read, seek): the interrupt callback stops I/O
// that runs longer, so a file cannot hang the process.
inline constexpr double kOperationDeadlineSeconds = 60;
// Bytes and media time the demuxer may read to find the streams.
inline constexpr std::int64_t kProbeBytes = 5'000'000;
inline constexpr std::int64_t kAnalyzeMicroseconds = 5'000'000;

} // namespace shotchain::codecs
