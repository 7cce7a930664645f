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

// Whether each octet of [una, snd_nxt) is SACKed on the scoreboard.
// Index: octet - una.
inline std::vector<uint8_t> OctetSacked(const tern_tcp_scoreboard &sb,
                                        uint32_t una, uint32_t snd_nxt) {
  std::vector<uint8_t> sacked(snd_nxt - una);
  for (uint32_t i = 0; i < sacked.size(); i++)
    sacked[i] = tern_tcp_sack_is_sacked(&sb, una + i);
  return sacked;
}

// IsLost() of each octet per RFC 6675 4, read from the SACKed octets
// alone (OctetSacked; not tern_tcp_sack_is_lost, which Pipe and NextSeg
// ask of a hole's first octet): DupThresh discontiguous SACKed sequences
// above the octet, or more than (DupThresh - 1) * SMSS SACKed octets
// above it. Counted going down, so each octet sees what lies above it.
inline std::vector<uint8_t> OctetLost(const std::vector<uint8_t> &sacked,
                                      uint16_t smss) {
  std::vector<uint8_t> lost(sacked.size());
  unsigned runs = 0;
  uint32_t bytes = 0;
  bool above = false;  // the octet above this one is SACKed
  for (size_t i = sacked.size(); i-- > 0;) {
    lost[i] = runs >= TERN_TCP_DUPTHRESH ||
              bytes > (uint32_t)(TERN_TCP_DUPTHRESH - 1) * smss;
    if (sacked[i]) {
      bytes++;
      runs += above ? 0 : 1;
    }
    above = sacked[i] != 0;
  }
  return lost;
}

// Pipe per RFC 6675 SetPipe(), octet by octet, with IsLost() per octet
// (OctetLost).
inline uint32_t OctetPipe(const tern_tcp_scoreboard &sb, uint32_t una,
                          uint32_t snd_nxt, uint16_t smss, uint32_t hr) {
  std::vector<uint8_t> sacked = OctetSacked(sb, una, snd_nxt);
  std::vector<uint8_t> lost = OctetLost(sacked, smss);
  uint32_t pipe = 0;
  for (uint32_t i = 0; i < sacked.size(); i++) {
    if (sacked[i])
      continue;
    if (!lost[i])
      pipe++;
    if (tern_seq_lt(una + i, hr))
      pipe++;
  }
  return pipe;
}

// NextSeg()'s rules 1 to 3 (RFC 6675 4), octet by octet: S2, the first
// octet not SACKed at or above hr (HighRxt + 1) and below the highest
// SACKed octet, goes by rule 1 when IsLost(S2) (OctetLost), else new
// data goes by rule 2 when there is some, else S2 by rule 3; up to smss
// octets from S2, none SACKed. TERN_TCP_SACK_NONE when there is no S2
// and no new data (rule 4 is not modelled). hr in [una, snd_nxt].
inline tern_tcp_sack_rule OctetNextSeg(const tern_tcp_scoreboard &sb,
                                       uint32_t una, uint32_t snd_nxt,
                                       uint16_t smss, uint32_t hr,
                                       bool new_data, tern_tcp_sack_seg *seg) {
  std::vector<uint8_t> sacked = OctetSacked(sb, una, snd_nxt);
  std::vector<uint8_t> lost = OctetLost(sacked, smss);
  uint32_t top = 0;  // one past the highest SACKed octet
  for (uint32_t i = 0; i < sacked.size(); i++)
    if (sacked[i])
      top = i + 1;
  for (uint32_t i = hr - una; i + 1 < top; i++) {
    if (sacked[i])
      continue;
    uint32_t len = 0;
    while (len < smss && !sacked[i + len])
      len++;
    if (lost[i] || !new_data) {
      seg->seq = una + i;
      seg->len = len;
      return seg->rule = lost[i] ? TERN_TCP_SACK_LOST : TERN_TCP_SACK_UNSURE;
    }
    break;
  }
  if (new_data) {
    seg->seq = snd_nxt;
    seg->len = smss;
    return seg->rule = TERN_TCP_SACK_NEW;
  }
  return TERN_TCP_SACK_NONE;
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
