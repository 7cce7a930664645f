// A reference model of the SACK scoreboard for tests and the fuzz target:
// one flag per octet of the send window, and RFC 6675's definitions
// evaluated octet by octet (the library walks holes). Test code only.
#ifndef TERN_TCP_SACK_MODEL_H
#define TERN_TCP_SACK_MODEL_H

#include <stdint.h>

#include <string>
#include <vector>

#include "tern/tcp_sack.h"
#include "tern/tcp_seq.h"

namespace sack_model {

// Empty when the scoreboard's ranges are in order, disjoint, not
// touching and inside [una, snd_nxt]; else what is wrong.
inline std::string CheckShape(const tern_tcp_scoreboard &sb, uint32_t una,
                              uint32_t snd_nxt) {
  if (sb.count > TERN_TCP_SACK_RANGES)
    return "count past capacity";
  for (unsigned i = 0; i < sb.count; i++) {
    const tern_tcp_sack_block &r = sb.range[i];
    if (!(r.left - una < r.right - una && r.right - una <= snd_nxt - una))
      return "range " + std::to_string(i) + " empty or outside the window";
    if (i > 0 && !tern_seq_gt(r.left, sb.range[i - 1].right))
      return "range " + std::to_string(i) + " not above the one before";
  }
  return "";
}

// Pipe per RFC 6675 SetPipe(), octet by octet, with IsLost() per octet.
inline uint32_t OctetPipe(const tern_tcp_scoreboard &sb, uint32_t una,
                          uint32_t snd_nxt, uint16_t smss, uint32_t hr) {
  uint32_t pipe = 0;
  for (uint32_t o = una; o != snd_nxt; o++) {
    if (tern_tcp_sack_is_sacked(&sb, o))
      continue;
    if (!tern_tcp_sack_is_lost(&sb, o, smss))
      pipe++;
    if (tern_seq_lt(o, hr))
      pipe++;
  }
  return pipe;
}

// Octets [una, snd_nxt) as flags: set when some accepted block covered it.
struct Window {
  uint32_t una = 0;
  std::vector<uint8_t> sacked;  // index: octet - una

  void Ack(uint32_t ack) {
    uint32_t n = ack - una;
    sacked.erase(sacked.begin(), sacked.begin() + n);
    una = ack;
  }
  void Send(uint32_t len) {
    sacked.resize(sacked.size() + len, 0);
  }
  uint32_t Next() const {
    return una + (uint32_t)sacked.size();
  }
  void Sack(uint32_t left, uint32_t right) {
    for (uint32_t o = left; o != right; o++)
      sacked[o - una] = 1;
  }
};

}  // namespace sack_model

#endif  // TERN_TCP_SACK_MODEL_H
