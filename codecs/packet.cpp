#include "codecs/packet.h"

#include <new>

namespace shotchain::codecs {

Packet::Packet() : p_(av_packet_alloc()) {
  if (!p_) throw std::bad_alloc();
}

void Packet::rescale(Rational from, Rational to) {
  av_packet_rescale_ts(p_.get(), AVRational{from.num, from.den}, AVRational{to.num, to.den});
}

Packet Packet::ref() const {
  Packet out;
  if (av_packet_ref(out.p_.get(), p_.get()) < 0) throw std::bad_alloc();
  return out;
}

} // namespace shotchain::codecs
