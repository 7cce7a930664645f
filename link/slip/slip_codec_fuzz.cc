// Fuzz target for the SLIP decoder. The first two input bytes choose the
// frame buffer's size (0..2047); the rest is the received byte stream.
// Properties: the decoder never writes past the buffer (it is allocated at
// exactly that size, so ASan sees any overrun); feeding byte by byte gives
// the same frames and statistics as feeding everything at once; every
// decoded frame re-encodes and decodes back to itself.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/slip_codec.h"

static uint8_t *Alloc(size_t n) {
  uint8_t *p = static_cast<uint8_t *>(malloc(n == 0 ? 1 : n));
  if (p == nullptr) {
    abort();
  }
  return p;
}

static bool StatsEqual(const tern_slip_stats &a, const tern_slip_stats &b) {
  return a.frames == b.frames && a.bytes == b.bytes && a.empty == b.empty &&
         a.oversize == b.oversize && a.bad_escape == b.bad_escape;
}

// Re-encodes a frame and decodes it with a fresh decoder of exactly the
// frame's size: it must come back whole, once.
static void CheckRoundTrip(const uint8_t *frame, size_t len) {
  uint8_t *enc = Alloc(TERN_SLIP_ENCODED_MAX(len));
  int n = tern_slip_encode(enc, TERN_SLIP_ENCODED_MAX(len), frame, len);
  if (n < 0 || (size_t)n != tern_slip_encoded_len(frame, len)) {
    abort();
  }
  uint8_t *buf = Alloc(len);
  tern_slip_decoder dec;
  tern_slip_decoder_init(&dec, buf, len);
  size_t frame_len = 0;
  size_t used = tern_slip_decoder_feed(&dec, enc, (size_t)n, &frame_len);
  if (used != (size_t)n || frame_len != len || memcmp(buf, frame, len) != 0 ||
      dec.stats.frames != 1 || dec.stats.oversize != 0 ||
      dec.stats.bad_escape != 0) {
    abort();
  }
  free(buf);
  free(enc);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) {
    return 0;
  }
  size_t cap = ((size_t)data[0] << 8 | data[1]) % 2048;
  data += 2;
  size -= 2;

  uint8_t *whole_buf = Alloc(cap);
  uint8_t *byte_buf = Alloc(cap);
  tern_slip_decoder whole, bytewise;
  tern_slip_decoder_init(&whole, cap ? whole_buf : nullptr, cap);
  tern_slip_decoder_init(&bytewise, cap ? byte_buf : nullptr, cap);

  size_t pos = 0;  // next byte for the byte-at-a-time decoder
  size_t off = 0;
  while (off < size) {
    size_t frame_len = 0;
    size_t used =
        tern_slip_decoder_feed(&whole, data + off, size - off, &frame_len);
    if (used == 0 || used > size - off || frame_len > cap) {
      abort();
    }
    off += used;
    if (frame_len == 0) {
      if (off != size) {
        abort();
      }
      break;
    }
    // The byte-at-a-time decoder must deliver the same frame at the same
    // input byte.
    size_t b_len = 0;
    while (pos < off && b_len == 0) {
      if (tern_slip_decoder_feed(&bytewise, data + pos, 1, &b_len) != 1) {
        abort();
      }
      pos++;
    }
    if (pos != off || b_len != frame_len ||
        memcmp(byte_buf, whole_buf, frame_len) != 0) {
      abort();
    }
    CheckRoundTrip(tern_slip_decoder_frame(&whole), frame_len);
  }
  while (pos < size) {
    size_t b_len = 0;
    tern_slip_decoder_feed(&bytewise, data + pos, 1, &b_len);
    if (b_len != 0) {
      abort();
    }
    pos++;
  }
  if (!StatsEqual(whole.stats, bytewise.stats)) {
    abort();
  }
  free(whole_buf);
  free(byte_buf);
  return 0;
}
