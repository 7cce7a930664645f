/* PPP in HDLC-like framing (RFC 1662) as a pure codec: no IO, no buffers
 * of its own.
 *
 *   7E  [FF 03]  protocol(1 or 2)  information  FCS(2 or 4)  7E
 *
 * Between the flags, 7E and 7D are sent as 7D followed by the byte XOR
 * 0x20, and so is every byte below 0x20 whose bit is set in the sender's
 * ACCM (async control character map). The FCS is CRC-16/X.25 (FCS-16) or
 * CRC-32 (FCS-32, RFC 1570), least significant byte first.
 *
 * The decoder is fed chunks of any size and stops after each good frame;
 * the frame it delivers is everything between the flags, unescaped,
 * without the FCS (so it still starts with the address/control field, if
 * the peer sent one: tern_ppp_hdlc_header_parse takes it off). Bad frames
 * are dropped and counted: too short, bad FCS, longer than the buffer, or
 * aborted (7D 7E). Control characters in the receive ACCM that arrive
 * unescaped were inserted by the line (XON/XOFF from a modem) and are
 * dropped (RFC 1662 section 7.1).
 *
 * The encoder writes a frame piece by piece into whatever room the caller
 * has (a transmit buffer, a UART FIFO), escaping per the ACCM it was
 * started with and appending the FCS. */
#ifndef TERN_PPP_HDLC_H
#define TERN_PPP_HDLC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_PPP_FLAG 0x7e
#define TERN_PPP_ESC 0x7d

/* The FCS-16 of a frame whose FCS is appended comes out as this (RFC 1662
 * appendix C.2), and the FCS-32 as TERN_PPP_FCS32_GOOD (C.3). */
#define TERN_PPP_FCS16_INIT 0xffffu
#define TERN_PPP_FCS16_GOOD 0xf0b8u
#define TERN_PPP_FCS32_INIT 0xffffffffu
#define TERN_PPP_FCS32_GOOD 0xdebb20e3u

/* Continues an FCS over n bytes (start from the _INIT value; the FCS sent
 * is the one's complement of the result, least significant byte first). */
uint16_t tern_ppp_fcs16(uint16_t fcs, const uint8_t *p, size_t n);
uint32_t tern_ppp_fcs32(uint32_t fcs, const uint8_t *p, size_t n);

/* An FCS as the codec uses it (RFC 1570's FCS-Alternatives: FCS-16 is
 * the default): the step over one byte, the start value, the residue of
 * a good frame, the size on the wire. The decoder and the encoder take
 * one of these instead of a size so that a program links only the FCSs
 * it names: the link uses FCS-16 alone, and FCS-32's code (138 bytes on
 * Cortex-M0 with its branches in the codec) stays out of it. */
typedef struct tern_ppp_fcs {
  uint32_t (*step)(uint32_t fcs, uint8_t b);
  uint32_t init;
  uint32_t good;
  uint8_t len;
} tern_ppp_fcs;

extern const tern_ppp_fcs tern_ppp_hdlc_fcs16;
extern const tern_ppp_fcs tern_ppp_hdlc_fcs32;
#define TERN_PPP_FCS16 (&tern_ppp_hdlc_fcs16)
#define TERN_PPP_FCS32 (&tern_ppp_hdlc_fcs32)

/* The decoder's counters; they wrap at 2^32. Every frame between flags is
 * counted in exactly one of frames, too_short, bad_fcs, too_long,
 * aborted (empty frames, two flags in a row, are normal and not frames). */
typedef struct tern_ppp_hdlc_stats {
  uint32_t frames;    /* good frames delivered */
  uint32_t too_short; /* fewer bytes than the FCS plus two */
  uint32_t bad_fcs;
  uint32_t too_long;  /* longer than the buffer */
  uint32_t aborted;   /* 7D 7E: the sender aborted the frame */
  uint32_t accm_drop; /* control characters dropped by the receive ACCM */
} tern_ppp_hdlc_stats;

/* The decoder. Caller storage; fields are private but for stats. */
typedef struct tern_ppp_hdlc_decoder {
  uint8_t *buf; /* frame being received, with its FCS; NULL: none */
  uint16_t cap; /* buf's size (not read while buf is NULL) */
  uint16_t len;
  uint32_t fcs;
  uint32_t accm; /* receive ACCM: unescaped 0x00-0x1f with a bit set are
                    dropped */
  const tern_ppp_fcs *fcs_kind; /* TERN_PPP_FCS16 or TERN_PPP_FCS32 */
  uint8_t esc;  /* the last byte was 7D (not followed while skipping) */
  uint8_t skip; /* dropping up to the next flag (too long, or skipped) */
  tern_ppp_hdlc_stats stats;
} tern_ppp_hdlc_decoder;

/* Sets up a decoder writing frames into buf (cap bytes, FCS included; may
 * be NULL and set later), receive ACCM 0xffffffff (RFC 1662's default
 * until LCP negotiates one), FCS-16. A zeroed decoder (inside a cleared
 * structure) is the same, without a buffer, once
 * tern_ppp_hdlc_decoder_config has set its ACCM and FCS. */
void tern_ppp_hdlc_decoder_init(tern_ppp_hdlc_decoder *d, uint8_t *buf,
                                size_t cap);

/* Sets the buffer frames are received into. Only between frames
 * (tern_ppp_hdlc_decoder_in_frame false), or the frame in progress is
 * lost (it is then dropped as too long if it does not fit). */
void tern_ppp_hdlc_decoder_set_buffer(tern_ppp_hdlc_decoder *d, uint8_t *buf,
                                      size_t cap);

/* Sets the receive ACCM and the FCS (TERN_PPP_FCS16 or _FCS32). */
void tern_ppp_hdlc_decoder_config(tern_ppp_hdlc_decoder *d, uint32_t accm,
                                  const tern_ppp_fcs *fcs);

/* Feeds n bytes. Returns how many were used: it stops just after the flag
 * that ends a good frame, whose length (without the FCS, at least 1) is
 * then in *frame_len and whose bytes are at the start of the buffer until
 * the next feed. *frame_len is 0 when no frame was completed (all n bytes
 * were used). With no buffer, a frame's first byte stops the feed (used
 * 0, frame_len 0): set one and feed again. */
size_t tern_ppp_hdlc_feed(tern_ppp_hdlc_decoder *d, const uint8_t *in, size_t n,
                          size_t *frame_len);

/* Drops the frame that has begun (the caller has no buffer for it: a
 * feed without one stopped at its first byte): the feed skips it to its
 * closing flag and counts nothing. */
void tern_ppp_hdlc_decoder_skip(tern_ppp_hdlc_decoder *d);

/* Whether part of a frame has been received (the input ending now would
 * cut it short). */
bool tern_ppp_hdlc_decoder_in_frame(const tern_ppp_hdlc_decoder *d);

/* The encoder: caller storage. Fields are private. */
typedef struct tern_ppp_hdlc_encoder {
  const uint8_t *data;
  uint16_t len;
  uint16_t pos; /* next byte of data; len..len+fcs_kind->len: the FCS */
  uint32_t fcs;
  uint32_t accm;
  const tern_ppp_fcs *fcs_kind;
  uint8_t phase;   /* 0 opening flag, 1 body, 2 closing flag, 3 done */
  uint8_t pending; /* an escaped byte's second half not yet written, +1 */
} tern_ppp_hdlc_encoder;

/* Starts encoding the frame data[0..len) (address/control, protocol and
 * information; the FCS is added) escaping per accm (bit n set: escape
 * byte n, for n < 32; 7D and 7E always), with the FCS fcs
 * (TERN_PPP_FCS16 or _FCS32).
 * The frame opens and closes with a flag. data must stay in place until
 * the encoder is done. len must be at most 65535. */
void tern_ppp_hdlc_encoder_start(tern_ppp_hdlc_encoder *e, const uint8_t *data,
                                 size_t len, uint32_t accm,
                                 const tern_ppp_fcs *fcs);

/* Writes up to cap encoded bytes to out; returns how many (0 once the frame
 * is out). */
size_t tern_ppp_hdlc_encoder_fill(tern_ppp_hdlc_encoder *e, uint8_t *out,
                                  size_t cap);

/* Whether every byte of the frame has been written by fill. */
static inline bool tern_ppp_hdlc_encoder_done(const tern_ppp_hdlc_encoder *e) {
  return e->phase == 3;
}

/* The worst-case encoded size of a frame of len bytes: each byte and the
 * FCS escaped, two flags. */
#define TERN_PPP_HDLC_ENCODED_MAX(len, fcs_len) (2 * ((len) + (fcs_len)) + 2)

/* Address/control and protocol fields. */

/* Writes the header of a frame of protocol proto into out (4 bytes of
 * room): FF 03 unless acfc, the protocol in one byte if pfc and it fits
 * (a protocol below 0x100: RFC 1661 section 6.5). Returns its length. */
size_t tern_ppp_hdlc_header_put(uint8_t *out, uint16_t proto, bool acfc,
                                bool pfc);

/* Reads a received frame's header: an optional FF 03 (absent: compressed)
 * and a protocol of one byte (odd: compressed) or two (the first even, the
 * second odd: RFC 1661 section 2). Returns the header's length with the
 * protocol in *proto, or -1 (malformed: too short, FF not followed by 03,
 * a protocol number that cannot be one). */
int tern_ppp_hdlc_header_parse(const uint8_t *frame, size_t len,
                               uint16_t *proto);

#ifdef __cplusplus
}
#endif

#endif /* TERN_PPP_HDLC_H */
