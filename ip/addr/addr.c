#include "tern/addr.h"

#include <string.h>

bool tern_ipv4_eq(const tern_ipv4_addr *a, const tern_ipv4_addr *b) {
  return memcmp(a->b, b->b, sizeof a->b) == 0;
}

bool tern_ipv6_eq(const tern_ipv6_addr *a, const tern_ipv6_addr *b) {
  return memcmp(a->b, b->b, sizeof a->b) == 0;
}

bool tern_ipv4_same_subnet(const tern_ipv4_addr *a, const tern_ipv4_addr *b,
                           unsigned prefix_len) {
  if (prefix_len > 32) {
    prefix_len = 32;
  }
  uint32_t x = ((uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 |
                (uint32_t)a->b[2] << 8 | a->b[3]);
  uint32_t y = ((uint32_t)b->b[0] << 24 | (uint32_t)b->b[1] << 16 |
                (uint32_t)b->b[2] << 8 | b->b[3]);
  uint32_t mask = prefix_len == 0 ? 0 : 0xffffffffu << (32 - prefix_len);
  return ((x ^ y) & mask) == 0;
}

int tern_endpoint_remote_check(const tern_endpoint *e) {
  if (e == NULL || e->port == 0) {
    return TERN_EINVAL;
  }
  int rc = tern_ip_family_check(e->addr.family);
  if (rc != 0) {
    return rc;
  }
  return tern_ip_addr_is_unspecified(&e->addr) ? TERN_EINVAL : 0;
}

int tern_endpoint_local_check(const tern_endpoint *e) {
  if (e == NULL) {
    return TERN_EINVAL;
  }
  return e->addr.family == TERN_IP_NONE ? 0
                                        : tern_ip_family_check(e->addr.family);
}

int tern_ipv4_parse(tern_ipv4_addr *out, const char *s, size_t len) {
  tern_ipv4_addr r;
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= len || s[i] != '.') {
        return TERN_EINVAL;
      }
      i++;
    }
    size_t start = i;
    unsigned v = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
      v = v * 10 + (unsigned)(s[i] - '0');
      i++;
    }
    size_t digits = i - start;
    if (digits == 0 || v > 255 || (digits > 1 && s[start] == '0')) {
      return TERN_EINVAL;
    }
    r.b[part] = (uint8_t)v;
  }
  if (i != len) {
    return TERN_EINVAL;
  }
  *out = r;
  return 0;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int tern_ipv6_parse(tern_ipv6_addr *out, const char *s, size_t len) {
  uint8_t b[16];
  int n = 0;    /* bytes filled so far */
  int gap = -1; /* byte index of the "::", if any */
  size_t i = 0;

  if (len >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (len >= 1 && s[0] == ':') {
    return TERN_EINVAL; /* a lone leading colon */
  }
  while (i < len) {
    if (n == 16) {
      return TERN_EINVAL;
    }
    /* One group: up to four hex digits, or a dotted IPv4 tail. */
    size_t start = i;
    unsigned v = 0;
    while (i < len && hex_value(s[i]) >= 0 && i - start < 4) {
      v = v << 4 | (unsigned)hex_value(s[i]);
      i++;
    }
    if (i < len && s[i] == '.') {
      /* The IPv4 tail ends the text and needs two groups of room. */
      tern_ipv4_addr v4;
      if (n > 12 || tern_ipv4_parse(&v4, s + start, len - start) != 0) {
        return TERN_EINVAL;
      }
      memcpy(b + n, v4.b, 4);
      n += 4;
      i = len;
      break;
    }
    if (i == start) {
      return TERN_EINVAL; /* empty group, or a non-hex character */
    }
    b[n++] = (uint8_t)(v >> 8);
    b[n++] = (uint8_t)v;
    if (i == len) {
      break;
    }
    if (s[i] != ':') {
      return TERN_EINVAL; /* a fifth digit or a stray character */
    }
    i++;
    if (i < len && s[i] == ':') {
      if (gap >= 0) {
        return TERN_EINVAL; /* two "::" */
      }
      gap = n;
      i++;
    } else if (i == len) {
      return TERN_EINVAL; /* a trailing single colon */
    }
  }
  if (gap < 0) {
    if (n != 16) {
      return TERN_EINVAL;
    }
  } else {
    if (n > 14) {
      return TERN_EINVAL; /* "::" must stand for at least one group */
    }
    int tail = n - gap;
    memmove(b + 16 - tail, b + gap, (size_t)tail);
    memset(b + gap, 0, (size_t)(16 - n));
  }
  memcpy(out->b, b, 16);
  return 0;
}

int tern_ip_parse(tern_ip_addr *out, const char *s, size_t len) {
  tern_ip_addr r;
  memset(&r, 0, sizeof r);
  if (memchr(s, ':', len) != NULL) {
#if TERN_CONFIG_IPV6
    if (tern_ipv6_parse(&r.u.v6, s, len) != 0) {
      return TERN_EINVAL;
    }
    r.family = TERN_IP_V6;
#else
    return TERN_EAFNOSUPPORT; /* IPv6 text, or no address */
#endif
  } else {
    if (tern_ipv4_parse(&r.u.v4, s, len) != 0) {
      return TERN_EINVAL;
    }
    r.family = TERN_IP_V4;
  }
  *out = r;
  return 0;
}

/* A decimal number of 1..5 digits, at most max. */
static int parse_dec(uint32_t *out, const char *s, size_t len, uint32_t max) {
  if (len == 0 || len > 5) {
    return TERN_EINVAL;
  }
  uint32_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return TERN_EINVAL;
    }
    v = v * 10 + (uint32_t)(s[i] - '0');
  }
  if (v > max) {
    return TERN_EINVAL;
  }
  *out = v;
  return 0;
}

static int parse_port(uint16_t *out, const char *s, size_t len) {
  uint32_t v;
  if (parse_dec(&v, s, len, 65535) != 0) {
    return TERN_EINVAL;
  }
  *out = (uint16_t)v;
  return 0;
}

int tern_endpoint_parse(tern_endpoint *out, const char *s, size_t len) {
  tern_endpoint r;
  memset(&r, 0, sizeof r);
  size_t colon;
  if (len > 0 && s[0] == '[') {
#if TERN_CONFIG_IPV6
    const char *close = memchr(s, ']', len);
    if (close == NULL) {
      return TERN_EINVAL;
    }
    size_t inner = (size_t)(close - s) - 1;
    /* An optional "%N" zone (a scope id, 1..255) after the address. */
    const char *pct = memchr(s + 1, '%', inner);
    size_t alen = pct != NULL ? (size_t)(pct - s) - 1 : inner;
    if (tern_ipv6_parse(&r.addr.u.v6, s + 1, alen) != 0) {
      return TERN_EINVAL;
    }
    if (pct != NULL) {
      uint32_t zone;
      if (parse_dec(&zone, pct + 1, inner - alen - 1, 255) != 0 || zone == 0 ||
          pct[1] == '0') {
        return TERN_EINVAL;
      }
      r.scope = (uint8_t)zone;
    }
    r.addr.family = TERN_IP_V6;
    colon = inner + 2;
    if (colon >= len || s[colon] != ':') {
      return TERN_EINVAL;
    }
#else
    return TERN_EAFNOSUPPORT; /* "[IPv6]:port" */
#endif
  } else {
    const char *c = memchr(s, ':', len);
    if (c == NULL) {
      return TERN_EINVAL;
    }
    colon = (size_t)(c - s);
    if (tern_ipv4_parse(&r.addr.u.v4, s, colon) != 0) {
      return TERN_EINVAL;
    }
    r.addr.family = TERN_IP_V4;
  }
  if (parse_port(&r.port, s + colon + 1, len - colon - 1) != 0) {
    return TERN_EINVAL;
  }
  *out = r;
  return 0;
}

/* Appends text to a bounded buffer; the caller checks the total at the
 * end, so a too-small buffer is detected once. */
typedef struct text_out {
  char *buf;
  size_t cap;
  size_t len;
} text_out;

static void put_char(text_out *t, char c) {
  if (t->len + 1 < t->cap) {
    t->buf[t->len] = c;
  }
  t->len++;
}

static void put_dec(text_out *t, unsigned v) {
  char digits[5];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) {
    put_char(t, digits[--n]);
  }
}

static void put_hex16(text_out *t, unsigned v) {
  static const char hex[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    unsigned d = (v >> shift) & 0xf;
    if (d != 0 || started || shift == 0) {
      put_char(t, hex[d]);
      started = true;
    }
  }
}

static void put_ipv4(text_out *t, const uint8_t b[4]) {
  for (int i = 0; i < 4; i++) {
    if (i > 0) {
      put_char(t, '.');
    }
    put_dec(t, b[i]);
  }
}

static void put_ipv6(text_out *t, const uint8_t b[16]) {
  uint16_t g[8];
  for (int i = 0; i < 8; i++) {
    g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
  }
  /* RFC 5952 4.2: shorten the longest run of two or more zero groups, the
   * first one on a tie. */
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      i++;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) {
      j++;
    }
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  /* RFC 5952 5: IPv4-mapped addresses keep a dotted tail. */
  bool mapped = best == 0 && best_len == 5 && g[5] == 0xffff;
  int groups = mapped ? 6 : 8;
  for (int i = 0; i < groups; i++) {
    if (i == best) {
      put_char(t, ':');
      put_char(t, ':');
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best + best_len) {
      put_char(t, ':');
    }
    put_hex16(t, g[i]);
  }
  if (mapped) {
    put_char(t, ':');
    put_ipv4(t, b + 12);
  }
}

static int finish(text_out *t) {
  if (t->len + 1 > t->cap) {
    if (t->cap > 0) {
      t->buf[0] = '\0';
    }
    return TERN_ENOSPC;
  }
  t->buf[t->len] = '\0';
  return (int)t->len;
}

int tern_ipv4_format(const tern_ipv4_addr *a, char *buf, size_t cap) {
  text_out t = {buf, cap, 0};
  put_ipv4(&t, a->b);
  return finish(&t);
}

int tern_ipv6_format(const tern_ipv6_addr *a, char *buf, size_t cap) {
  text_out t = {buf, cap, 0};
  put_ipv6(&t, a->b);
  return finish(&t);
}

int tern_ip_format(const tern_ip_addr *a, char *buf, size_t cap) {
  switch (a->family) {
    case TERN_IP_V4: return tern_ipv4_format(&a->u.v4, buf, cap);
#if TERN_CONFIG_IPV6
    case TERN_IP_V6: return tern_ipv6_format(&a->u.v6, buf, cap);
#else
    case TERN_IP_V6: return TERN_EAFNOSUPPORT;
#endif
  }
  return TERN_EINVAL;
}

int tern_endpoint_format(const tern_endpoint *e, char *buf, size_t cap) {
  text_out t = {buf, cap, 0};
  switch (e->addr.family) {
    case TERN_IP_V4: put_ipv4(&t, e->addr.u.v4.b); break;
#if TERN_CONFIG_IPV6
    case TERN_IP_V6:
      put_char(&t, '[');
      put_ipv6(&t, e->addr.u.v6.b);
      if (e->scope != 0) {
        put_char(&t, '%');
        put_dec(&t, e->scope);
      }
      put_char(&t, ']');
      break;
#else
    case TERN_IP_V6: return TERN_EAFNOSUPPORT;
#endif
    default: return TERN_EINVAL;
  }
  put_char(&t, ':');
  put_dec(&t, e->port);
  return finish(&t);
}
