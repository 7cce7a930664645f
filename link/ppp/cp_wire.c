#include "tern/cp_wire.h"

#include <string.h>

#include "tern/bytes.h"

int tern_ppp_cp_parse(const uint8_t *p, size_t n, tern_ppp_cp *cp) {
  if (n < TERN_PPP_CP_HDR) {
    return -1;
  }
  unsigned len = tern_be16(p + 2);
  if (len < TERN_PPP_CP_HDR || len > n) {
    return -1;
  }
  cp->code = p[0];
  cp->id = p[1];
  cp->len = (uint16_t)len;
  cp->data = p + TERN_PPP_CP_HDR;
  cp->data_len = len - TERN_PPP_CP_HDR;
  return 0;
}

void tern_ppp_cp_put(uint8_t *p, unsigned code, unsigned id, size_t len) {
  p[0] = (uint8_t)code;
  p[1] = (uint8_t)id;
  tern_put_be16(p + 2, (unsigned)len);
}

int tern_ppp_opt_next(const uint8_t *data, size_t len, size_t *off,
                      tern_ppp_opt *opt) {
  size_t o = *off;
  if (o >= len) {
    return 0;
  }
  if (len - o < 2 || data[o + 1] < 2 || data[o + 1] > len - o) {
    return -1;
  }
  opt->type = data[o];
  opt->len = (uint8_t)(data[o + 1] - 2);
  opt->val = data + o + 2;
  *off = o + data[o + 1];
  return 1;
}

int tern_ppp_opts_check(const uint8_t *data, size_t len) {
  size_t off = 0;
  tern_ppp_opt opt;
  int r;
  while ((r = tern_ppp_opt_next(data, len, &off, &opt)) > 0) {
  }
  return r;
}

uint8_t *tern_ppp_opt_put(uint8_t *p, unsigned type, const void *val,
                          size_t vlen) {
  p[0] = (uint8_t)type;
  p[1] = (uint8_t)(2 + vlen);
  if (vlen > 0) {
    memmove(p + 2, val, vlen);
  }
  return p + 2 + vlen;
}
