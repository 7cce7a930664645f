#include "tern/hdlc.h"

#include <string.h>

/* Both FCSs are reflected CRCs (bits least significant first). FCS-16,
 * on every frame, is computed a nibble at a time from the table of its
 * polynomial's 16 residues (32 bytes of flash instead of the 512 of RFC
 * 1662's 256-entry table, and half the loop steps of a bit at a time).
 * FCS-32 is never negotiated by the link (README.md): it goes a bit at a
 * time with its polynomial (reflected 0xedb88320), no table. README.md
 * has the figures. */
static const uint16_t fcs16_nibble[16] = {
    0x0000, 0x1081, 0x2102, 0x3183, 0x4204, 0x5285, 0x6306, 0x7387,
    0x8408, 0x9489, 0xa50a, 0xb58b, 0xc60c, 0xd68d, 0xe70e, 0xf78f,
};

static uint32_t fcs16_step(uint32_t fcs, uint8_t b) {
  fcs ^= b;
  for (int i = 0; i < 2; i++) {
    fcs = (fcs >> 4) ^ fcs16_nibble[fcs & 0xf];
  }
  return fcs;
}

static uint32_t fcs32_step(uint32_t fcs, uint8_t b) {
  fcs ^= b;
  for (int i = 0; i < 8; i++) {
    fcs = (fcs & 1u) ? (fcs >> 1) ^ 0xedb88320u : fcs >> 1;
  }
  return fcs;
}

const tern_ppp_fcs tern_ppp_hdlc_fcs16 = {fcs16_step, TERN_PPP_FCS16_INIT,
                                          TERN_PPP_FCS16_GOOD, 2};
const tern_ppp_fcs tern_ppp_hdlc_fcs32 = {fcs32_step, TERN_PPP_FCS32_INIT,
                                          TERN_PPP_FCS32_GOOD, 4};

uint16_t tern_ppp_fcs16(uint16_t fcs, const uint8_t *p, size_t n) {
  uint32_t f = fcs;
  for (size_t i = 0; i < n; i++) {
    f = fcs16_step(f, p[i]);
  }
  return (uint16_t)f;
}

uint32_t tern_ppp_fcs32(uint32_t fcs, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    fcs = fcs32_step(fcs, p[i]);
  }
  return fcs;
}

/* ---- decoder ---- */

static void start_frame(tern_ppp_hdlc_decoder *d) {
  d->len = 0;
  d->esc = 0;
  d->skip = 0;
  d->fcs = d->fcs_kind->init;
}

void tern_ppp_hdlc_decoder_init(tern_ppp_hdlc_decoder *d, uint8_t *buf,
                                size_t cap) {
  memset(d, 0, sizeof *d);
  tern_ppp_hdlc_decoder_set_buffer(d, buf, cap);
  tern_ppp_hdlc_decoder_config(d, 0xffffffffu, TERN_PPP_FCS16);
}

void tern_ppp_hdlc_decoder_set_buffer(tern_ppp_hdlc_decoder *d, uint8_t *buf,
                                      size_t cap) {
  d->buf = buf;
  d->cap = (uint16_t)(cap > 0xffff ? 0xffff : cap);
}

void tern_ppp_hdlc_decoder_config(tern_ppp_hdlc_decoder *d, uint32_t accm,
                                  const tern_ppp_fcs *fcs) {
  d->accm = accm;
  d->fcs_kind = fcs;
  if (!tern_ppp_hdlc_decoder_in_frame(d)) {
    d->fcs = fcs->init; /* the next frame's (a zeroed decoder's first) */
  }
}

void tern_ppp_hdlc_decoder_skip(tern_ppp_hdlc_decoder *d) {
  d->skip = 1;
}

bool tern_ppp_hdlc_decoder_in_frame(const tern_ppp_hdlc_decoder *d) {
  return d->len > 0 || d->esc || d->skip;
}

/* A flag ended the frame in progress: 1..n bytes of it delivered (its
 * length returned) or it is dropped and counted (0). */
static size_t end_frame(tern_ppp_hdlc_decoder *d) {
  size_t out = 0;
  if (d->skip) {
    /* too long (counted when it began) or skipped by the caller */
  } else if (d->esc) {
    d->stats.aborted++; /* 7D 7E (RFC 1662 section 4.2) */
  } else if (d->len == 0) {
    /* empty (between frames) */
  } else if (d->len < d->fcs_kind->len + 2u) {
    d->stats.too_short++; /* under 4 octets, FCS-32 6 (RFC 1662 4.3) */
  } else if (d->fcs != d->fcs_kind->good) {
    d->stats.bad_fcs++;
  } else {
    d->stats.frames++;
    out = (size_t)d->len - d->fcs_kind->len;
  }
  start_frame(d);
  return out;
}

size_t tern_ppp_hdlc_feed(tern_ppp_hdlc_decoder *d, const uint8_t *in, size_t n,
                          size_t *frame_len) {
  *frame_len = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t b = in[i];
    if (b == TERN_PPP_FLAG) {
      size_t got = end_frame(d);
      if (got > 0) {
        *frame_len = got;
        return i + 1;
      }
      continue;
    }
    if (b < 0x20 && ((d->accm >> b) & 1u) != 0) {
      d->stats.accm_drop++; /* inserted by the line: not the peer's */
      continue;
    }
    if (d->skip) {
      continue;
    }
    if (d->buf == NULL) {
      return i; /* a frame begins: the caller sets a buffer */
    }
    if (d->esc) {
      b ^= 0x20;
      d->esc = 0;
    } else if (b == TERN_PPP_ESC) {
      d->esc = 1;
      continue;
    }
    if (d->len == d->cap) {
      d->stats.too_long++;
      d->skip = 1;
      continue;
    }
    d->buf[d->len++] = b;
    d->fcs = d->fcs_kind->step(d->fcs, b);
  }
  return n;
}

/* ---- encoder ---- */

void tern_ppp_hdlc_encoder_start(tern_ppp_hdlc_encoder *e, const uint8_t *data,
                                 size_t len, uint32_t accm,
                                 const tern_ppp_fcs *fcs) {
  memset(e, 0, sizeof *e);
  e->data = data;
  e->len = (uint16_t)len;
  e->accm = accm;
  e->fcs_kind = fcs;
  e->fcs = fcs->init;
}

size_t tern_ppp_hdlc_encoder_fill(tern_ppp_hdlc_encoder *e, uint8_t *out,
                                  size_t cap) {
  size_t k = 0;
  while (k < cap && e->phase != 3) {
    uint8_t b;
    if (e->pending != 0) {
      b = (uint8_t)(e->pending - 1);
      e->pending = 0;
    } else if (e->phase != 1) {
      b = TERN_PPP_FLAG; /* opening (phase 0) or closing (2) */
      e->phase++;
    } else if (e->pos == e->len + e->fcs_kind->len) {
      e->phase = 2;
      continue;
    } else {
      if (e->pos < e->len) {
        b = e->data[e->pos];
        e->fcs = e->fcs_kind->step(e->fcs, b);
      } else {
        /* The FCS, complete now, goes out complemented, least significant
         * byte first. */
        b = (uint8_t)(~e->fcs >> (8 * (e->pos - e->len)));
      }
      e->pos++;
      if (b == TERN_PPP_FLAG || b == TERN_PPP_ESC ||
          (b < 0x20 && ((e->accm >> b) & 1u) != 0)) {
        e->pending = (uint8_t)((b ^ 0x20) + 1);
        b = TERN_PPP_ESC;
      }
    }
    out[k++] = b;
  }
  return k;
}

/* ---- header ---- */

size_t tern_ppp_hdlc_header_put(uint8_t *out, uint16_t proto, bool acfc,
                                bool pfc) {
  size_t n = 0;
  if (!acfc) {
    out[n++] = 0xff;
    out[n++] = 0x03;
  }
  if (!pfc || proto > 0xff) {
    out[n++] = (uint8_t)(proto >> 8);
  }
  out[n++] = (uint8_t)proto;
  return n;
}

int tern_ppp_hdlc_header_parse(const uint8_t *frame, size_t len,
                               uint16_t *proto) {
  const uint8_t *f = frame;
  const uint8_t *end = frame + len;
  if (len >= 2 && f[0] == 0xff) {
    if (f[1] != 0x03) {
      return -1;
    }
    f += 2;
  }
  if (f == end) {
    return -1;
  }
  unsigned v = *f++;
  if ((v & 1) == 0) {
    /* Two bytes (not PFC's one): the low one must be odd. */
    if (f == end || (*f & 1) == 0) {
      return -1;
    }
    v = v << 8 | *f++;
  }
  *proto = (uint16_t)v;
  return (int)(f - frame);
}
