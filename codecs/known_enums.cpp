#include "codecs/known_enums.h"

#include <cstring>

namespace shotchain::codecs {
namespace {

// The field's bits read as an int (never as the enum type); out of [0, count) it becomes
// `unspecified`.
template <class Enum>
void known_or(Enum& field, int count, Enum unspecified) {
  static_assert(sizeof(Enum) == sizeof(int), "FFmpeg's enums are int-sized");
  int value = 0;
  std::memcpy(&value, &field, sizeof value);
  if (value < 0 || value >= count) field = unspecified;
}

template <class Fields>
void clean_colour(Fields* f) {
  known_or(f->color_primaries, AVCOL_PRI_NB, AVCOL_PRI_UNSPECIFIED);
  known_or(f->color_trc, AVCOL_TRC_NB, AVCOL_TRC_UNSPECIFIED);
  known_or(f->color_range, AVCOL_RANGE_NB, AVCOL_RANGE_UNSPECIFIED);
  known_or(f->chroma_location, AVCHROMA_LOC_NB, AVCHROMA_LOC_UNSPECIFIED);
}

} // namespace

void clean_enum_fields(AVCodecParameters* par) {
  clean_colour(par);
  known_or(par->color_space, AVCOL_SPC_NB, AVCOL_SPC_UNSPECIFIED);
  known_or(par->field_order, static_cast<int>(AV_FIELD_BB) + 1, AV_FIELD_UNKNOWN);
}

void clean_enum_fields(AVFrame* frame) {
  clean_colour(frame);
  known_or(frame->colorspace, AVCOL_SPC_NB, AVCOL_SPC_UNSPECIFIED);
  known_or(frame->pict_type, static_cast<int>(AV_PICTURE_TYPE_BI) + 1, AV_PICTURE_TYPE_NONE);
}

} // namespace shotchain::codecs
