#include "tern/slip_codec.h"

#include <limits.h>
#include <string.h>

enum { ENC_LEAD, ENC_BODY, ENC_TRAIL, ENC_DONE };
_Static_assert(ENC_LEAD == 0,
               "tern_slip_encoder_started (slip_codec.h) tests stage 0");
enum { DEC_FRAME, DEC_ESC, DEC_DISCARD };

size_t tern_slip_encoded_len(const uint8_t *pkt, size_t len) {
  size_t n = len + 2;
  for (size_t i = 0; i < len; i++) {
    if (pkt[i] == TERN_SLIP_END || pkt[i] == TERN_SLIP_ESC) {
      n++;
    }
  }
  return n;
}

int tern_slip_encode(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len) {
  if (len > ((size_t)INT_MAX - 2) / 2) {
    return TERN_EMSGSIZE;
  }
  size_t need = tern_slip_encoded_len(pkt, len);
  if (need > cap) {
    return TERN_ENOSPC;
  }
  tern_slip_encoder enc;
  tern_slip_encoder_start(&enc, pkt, len);
  return (int)tern_slip_encoder_fill(&enc, out, need);
}

void tern_slip_encoder_start(tern_slip_encoder *enc, const uint8_t *pkt,
                             size_t len) {
  enc->pkt = pkt;
  enc->len = len;
  enc->pos = 0;
  enc->stage = ENC_LEAD;
  enc->pending = 0;
}

size_t tern_slip_encoder_fill(tern_slip_encoder *enc, uint8_t *out,
                              size_t cap) {
  size_t n = 0;
  while (n < cap) {
    if (enc->pending != 0) {
      out[n++] = enc->pending;
      enc->pending = 0;
      continue;
    }
    switch (enc->stage) {
      case ENC_LEAD:
        out[n++] = TERN_SLIP_END;
        enc->stage = ENC_BODY;
        break;
      case ENC_BODY:
        /* The common case, plain bytes, without leaving this loop. */
        while (n < cap && enc->pos < enc->len) {
          uint8_t b = enc->pkt[enc->pos++];
          if (b == TERN_SLIP_END) {
            out[n++] = TERN_SLIP_ESC;
            enc->pending = TERN_SLIP_ESC_END;
            break;
          }
          if (b == TERN_SLIP_ESC) {
            out[n++] = TERN_SLIP_ESC;
            enc->pending = TERN_SLIP_ESC_ESC;
            break;
          }
          out[n++] = b;
        }
        if (enc->pending == 0 && enc->pos == enc->len) {
          enc->stage = ENC_TRAIL;
        }
        break;
      case ENC_TRAIL:
        out[n++] = TERN_SLIP_END;
        enc->stage = ENC_DONE;
        break;
      default: return n;
    }
  }
  return n;
}

bool tern_slip_encoder_done(const tern_slip_encoder *enc) {
  return enc->stage == ENC_DONE;
}

void tern_slip_decoder_init(tern_slip_decoder *dec, uint8_t *buf, size_t cap) {
  dec->buf = buf;
  dec->cap = buf != NULL ? cap : 0;
  dec->len = 0;
  dec->state = DEC_FRAME;
  memset(&dec->stats, 0, sizeof dec->stats);
}

void tern_slip_decoder_set_buffer(tern_slip_decoder *dec, uint8_t *buf,
                                  size_t cap) {
  if (buf == NULL) {
    cap = 0;
  }
  if (dec->state != DEC_DISCARD && dec->len > 0) {
    if (dec->len <= cap) {
      memmove(buf, dec->buf, dec->len);
    } else {
      dec->stats.oversize++;
      dec->state = DEC_DISCARD;
      dec->len = 0;
    }
  }
  dec->buf = buf;
  dec->cap = cap;
}

bool tern_slip_decoder_in_frame(const tern_slip_decoder *dec) {
  return dec->state == DEC_ESC || (dec->state == DEC_FRAME && dec->len > 0);
}

void tern_slip_decoder_reset(tern_slip_decoder *dec) {
  dec->len = 0;
  dec->state = DEC_FRAME;
}

/* Appends a decoded byte, or starts discarding when the frame is too big. */
static void put(tern_slip_decoder *dec, uint8_t b) {
  if (dec->len < dec->cap) {
    dec->buf[dec->len++] = b;
    dec->state = DEC_FRAME;
  } else {
    dec->stats.oversize++;
    dec->state = DEC_DISCARD;
    dec->len = 0;
  }
}

size_t tern_slip_decoder_feed(tern_slip_decoder *dec, const uint8_t *in,
                              size_t len, size_t *frame_len) {
  *frame_len = 0;
  for (size_t i = 0; i < len; i++) {
    uint8_t b = in[i];
    switch (dec->state) {
      case DEC_FRAME:
        if (b == TERN_SLIP_END) {
          if (dec->len == 0) {
            dec->stats.empty++;
            break;
          }
          *frame_len = dec->len;
          dec->stats.frames++;
          dec->stats.bytes += (uint32_t)dec->len;
          dec->len = 0;
          return i + 1;
        }
        if (b == TERN_SLIP_ESC) {
          dec->state = DEC_ESC;
        } else {
          put(dec, b);
        }
        break;
      case DEC_ESC:
        if (b == TERN_SLIP_ESC_END) {
          put(dec, TERN_SLIP_END);
        } else if (b == TERN_SLIP_ESC_ESC) {
          put(dec, TERN_SLIP_ESC);
        } else {
          /* RFC 1055 leaves this undefined: drop the frame. An END still
           * ends it, so the next frame starts clean. */
          dec->stats.bad_escape++;
          dec->len = 0;
          dec->state = b == TERN_SLIP_END ? DEC_FRAME : DEC_DISCARD;
        }
        break;
      default: /* DEC_DISCARD */
        if (b == TERN_SLIP_END) {
          dec->state = DEC_FRAME;
        }
        break;
    }
  }
  return len;
}
