/* SLIP framing (RFC 1055), the byte-level part: an encoder that frames one
 * packet (whole, or as much as fits each time for a small UART buffer) and
 * a decoder state machine fed arbitrary chunks of received bytes. No heap,
 * no IO: the netdev adapter over a tern_stream is built on this.
 *
 * On the wire a frame is END, the packet with END and ESC escaped, END:
 *
 *   END (C0) in the packet -> ESC ESC_END (DB DC)
 *   ESC (DB) in the packet -> ESC ESC_ESC (DB DD)
 *
 * The leading END (RFC 1055's recommendation) ends any line noise the
 * receiver collected; receivers ignore the empty frame it makes. */
#ifndef TERN_SLIP_CODEC_H
#define TERN_SLIP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_SLIP_END 0xC0     /* frame delimiter */
#define TERN_SLIP_ESC 0xDB     /* escape */
#define TERN_SLIP_ESC_END 0xDC /* ESC ESC_END stands for a data C0 */
#define TERN_SLIP_ESC_ESC 0xDD /* ESC ESC_ESC stands for a data DB */

/* The most bytes a packet of n bytes can take encoded: every byte escaped,
 * plus both ENDs. Size a transmit buffer with it. */
#define TERN_SLIP_ENCODED_MAX(n) (2 * (size_t)(n) + 2)

/* The exact encoded size of a packet (both ENDs included). */
size_t tern_slip_encoded_len(const uint8_t *pkt, size_t len);

/* Writes END, the escaped packet and END to out. Returns the number of bytes
 * written; TERN_ENOSPC, writing nothing, when they would not fit in cap;
 * TERN_EMSGSIZE when the encoded frame would not be countable in an int. */
int tern_slip_encode(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len);

/* An encoding in progress, for streaming a frame through a buffer smaller
 * than the frame (a UART FIFO or ring): fill it, send it, fill again. The
 * packet must stay in place until the encoder is done. Escape pairs may be
 * split across two fills; the byte stream is the same as tern_slip_encode's.
 * Fields are private. */
typedef struct tern_slip_encoder {
  const uint8_t *pkt;
  size_t len;
  size_t pos;      /* next packet byte to encode */
  uint8_t stage;   /* leading END, body, trailing END, done */
  uint8_t pending; /* second byte of a split escape pair, 0 if none */
} tern_slip_encoder;

/* Starts encoding one packet (len may be 0: an END END frame). */
void tern_slip_encoder_start(tern_slip_encoder *enc, const uint8_t *pkt,
                             size_t len);

/* Encodes as much of the frame as fits in cap bytes at out. Returns the
 * number of bytes written: less than cap only when the frame is finished.
 * Returns 0 once done (or when cap is 0). */
size_t tern_slip_encoder_fill(tern_slip_encoder *enc, uint8_t *out, size_t cap);

/* Whether every byte of the frame, trailing END included, has been
 * written by tern_slip_encoder_fill. */
bool tern_slip_encoder_done(const tern_slip_encoder *enc);

/* Whether tern_slip_encoder_fill has written anything of the frame
 * since tern_slip_encoder_start (its stage is past the leading END, 0). */
static inline bool tern_slip_encoder_started(const tern_slip_encoder *enc) {
  return enc->stage != 0;
}

/* What the decoder saw. Counters wrap. */
typedef struct tern_slip_stats {
  uint32_t frames;     /* complete frames delivered */
  uint32_t bytes;      /* packet bytes in delivered frames */
  uint32_t empty;      /* END END with nothing between: ignored (normal) */
  uint32_t oversize;   /* frames dropped: larger than the frame buffer */
  uint32_t bad_escape; /* frames dropped: ESC followed by a byte other than
                          ESC_END or ESC_ESC (or by END) */
} tern_slip_stats;

/* The receiving state machine. Fields are private except stats; read the
 * frame through tern_slip_decoder_frame. */
typedef struct tern_slip_decoder {
  uint8_t *buf;  /* the caller's frame buffer */
  size_t cap;    /* its size: the largest frame accepted */
  size_t len;    /* bytes of the frame being assembled */
  uint8_t state; /* in a frame, after ESC, discarding to the next END */
  tern_slip_stats stats;
} tern_slip_decoder;

/* Starts a decoder that assembles frames into buf (cap bytes, the largest
 * packet accepted: the link's MRU, 1006 in RFC 1055, often 1500). buf may
 * be NULL with cap 0: every frame is then dropped as oversize. Statistics
 * start at 0. The decoder starts in a frame: bytes before the first END
 * are a frame (RFC 1055 senders need not send a leading END; slirp does
 * not). */
void tern_slip_decoder_init(tern_slip_decoder *dec, uint8_t *buf, size_t cap);

/* Feeds received bytes. Consumes them up to and including the END that
 * completes a non-empty frame, then stops so the frame can be handled:
 * returns the number of bytes of in consumed and sets *frame_len to the
 * frame's length (at least 1; the frame is at tern_slip_decoder_frame and
 * stays valid until the next call that passes bytes). When all len bytes
 * are consumed without completing a frame, returns len with *frame_len 0.
 * Call again with the rest of the input until it is all consumed.
 *
 * Bad input is dropped and counted, never written past the buffer:
 * - a frame longer than cap is dropped (oversize) and the rest of it, up to
 *   the next END, discarded;
 * - ESC followed by anything but ESC_END or ESC_ESC drops the frame
 *   (bad_escape) and the decoder resynchronises at the next END. RFC 1055
 *   leaves this undefined; Linux keeps the byte, we drop because the frame
 *   is corrupt and the IP checksum would only sometimes catch it;
 * - ESC followed by END drops the frame (bad_escape); the END still ends it,
 *   so the next frame is received intact;
 * - a frame with no END yet is kept until the END arrives (truncated input
 *   is never delivered). */
size_t tern_slip_decoder_feed(tern_slip_decoder *dec, const uint8_t *in,
                              size_t len, size_t *frame_len);

/* The frame buffer (the last frame delivered by tern_slip_decoder_feed). */
static inline const uint8_t *tern_slip_decoder_frame(
    const tern_slip_decoder *dec) {
  return dec->buf;
}

/* Switches to another frame buffer (for instance a fresh packet buffer
 * after handing the last one up). Bytes of a frame in progress are copied
 * across when they fit; otherwise that frame is dropped as oversize. */
void tern_slip_decoder_set_buffer(tern_slip_decoder *dec, uint8_t *buf,
                                  size_t cap);

/* Whether the decoder holds part of an unfinished frame (bytes, or a
 * dangling ESC): the input ending now would cut a frame short. False
 * between frames and while discarding a frame already dropped. */
bool tern_slip_decoder_in_frame(const tern_slip_decoder *dec);

/* Forgets any frame in progress without counting it and goes back to the
 * state between frames; statistics and the buffer are kept. */
void tern_slip_decoder_reset(tern_slip_decoder *dec);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SLIP_CODEC_H */
