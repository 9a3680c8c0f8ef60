#pragma once
// HDR (PQ / HLG) pictures to 8-bit SDR BT.709 RGB for stills: linearise, convert BT.2020
// primaries to BT.709, tone-map with Hable's curve (as ffmpeg's `tonemap=hable:desat=0`), and
// re-encode with the BT.709 transfer. Nominal SDR white is 100 nits.
#include "codecs/frame.h"

namespace shotchain::codecs {

// True when the frame's transfer characteristic is PQ (SMPTE ST 2084) or HLG (ARIB STD-B67).
bool is_hdr(const Frame& frame);

// An RGB24 frame (BT.709 primaries and transfer) of the same size; pts kept.
Frame tonemap_to_sdr_rgb24(const Frame& hdr);

} // namespace shotchain::codecs
