#pragma once
// An owning, reusable compressed packet.
#include "codecs/handles.h"
#include "codecs/types.h"

namespace shotchain::codecs {

class Packet {
 public:
  Packet();
  // Moving leaves the source a valid empty packet (it can be read into again).
  Packet(Packet&& other);
  Packet& operator=(Packet&& other);
  Packet(const Packet&) = delete;
  Packet& operator=(const Packet&) = delete;
  int stream_index() const { return p_->stream_index; }
  int64_t pts() const { return p_->pts; } // kNoTimestamp when unknown
  int64_t dts() const { return p_->dts; }
  int64_t duration() const { return p_->duration; }
  bool is_key() const { return (p_->flags & AV_PKT_FLAG_KEY) != 0; }
  int size() const { return p_->size; }
  // Rescales pts/dts/duration between time bases.
  void rescale(Rational from, Rational to);
  void unref() { av_packet_unref(p_.get()); }
  // A new reference to the same data (cheap; for queueing packets).
  Packet ref() const;

  AVPacket* av() { return p_.get(); }
  const AVPacket* av() const { return p_.get(); }

 private:
  PacketPtr p_;
};

} // namespace shotchain::codecs
