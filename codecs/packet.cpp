#include "codecs/packet.h"

#include <new>

namespace shotchain::codecs {

Packet::Packet() : p_(av_packet_alloc()) {
  if (!p_) throw std::bad_alloc();
}

Packet::Packet(Packet&& other) : p_(av_packet_alloc()) {
  if (!p_) throw std::bad_alloc();
  p_.swap(other.p_);
}

Packet& Packet::operator=(Packet&& other) {
  if (this != &other) {
    av_packet_unref(p_.get());
    av_packet_move_ref(p_.get(), other.p_.get());
  }
  return *this;
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
