// Fuzz target for the HDLC-like deframer. Byte 0 chooses the frame
// buffer's size (0..255, allocated at exactly that size so ASan sees an
// overrun), byte 1 the FCS size and a receive ACCM; the rest is decoded
// twice: all at once and byte by byte. Both runs must give the same
// frames and counters; every frame must be 2..size - FCS bytes (RFC 1662
// 4.3: 4 octets at least with FCS-16, 6 with FCS-32) and must
// re-encode and decode back to itself.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "tern/hdlc.h"

namespace {

using Bytes = std::vector<uint8_t>;

void Check(bool ok) {
  if (!ok) {
    abort();
  }
}

std::vector<Bytes> Run(const uint8_t *in, size_t n, size_t cap,
                       const tern_ppp_fcs *fcs, uint32_t accm, size_t chunk,
                       tern_ppp_hdlc_stats *st) {
  uint8_t *buf = cap > 0 ? (uint8_t *)malloc(cap) : nullptr;
  tern_ppp_hdlc_decoder d;
  tern_ppp_hdlc_decoder_init(&d, buf, cap);
  tern_ppp_hdlc_decoder_config(&d, accm, fcs);
  std::vector<Bytes> out;
  size_t off = 0;
  while (off < n) {
    size_t piece = chunk < n - off ? chunk : n - off;
    size_t frame_len;
    size_t used = tern_ppp_hdlc_feed(&d, in + off, piece, &frame_len);
    if (frame_len > 0) {
      Check(frame_len >= 2 && frame_len + fcs->len <= cap);
      out.emplace_back(buf, buf + frame_len);
    } else if (used == 0) {
      Check(buf == nullptr);
      off++;  // no buffer: the frame is skipped byte by byte here
      continue;
    }
    off += used;
  }
  *st = d.stats;
  free(buf);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) {
    return 0;
  }
  size_t cap = data[0];
  const tern_ppp_fcs *fcs = (data[1] & 1) ? TERN_PPP_FCS32 : TERN_PPP_FCS16;
  uint32_t accm = (data[1] & 2) ? 0xffffffffu : (data[1] & 4) ? 0 : 0x000a0000u;
  const uint8_t *in = data + 2;
  size_t n = size - 2;
  tern_ppp_hdlc_stats a, b;
  auto whole = Run(in, n, cap, fcs, accm, n, &a);
  auto bytes = Run(in, n, cap, fcs, accm, 1, &b);
  if (cap > 0) {
    Check(whole == bytes);
    Check(memcmp(&a, &b, sizeof a) == 0);
  }
  for (const Bytes &f : whole) {
    Check(!f.empty());
    tern_ppp_hdlc_encoder e;
    tern_ppp_hdlc_encoder_start(&e, f.data(), f.size(), accm, fcs);
    Bytes enc(TERN_PPP_HDLC_ENCODED_MAX(f.size(), fcs->len));
    size_t len = tern_ppp_hdlc_encoder_fill(&e, enc.data(), enc.size());
    Check(tern_ppp_hdlc_encoder_done(&e));
    tern_ppp_hdlc_stats s;
    auto again = Run(enc.data(), len, cap, fcs, accm, len, &s);
    Check(again.size() == 1 && again[0] == f);
  }
  return 0;
}
