#include "tern/at_parser.h"

#include <string.h>

/* States: in a line (at its start when len is 0), discarding the rest of a
 * dropped line, inside a +IPD payload, inside a +CIPRECVDATA payload,
 * skipping the payload of a header too long (IPD_TOO_LONG). */
enum { ST_LINE, ST_DISCARD, ST_PAYLOAD, ST_RD_PAYLOAD, ST_SKIP };

/* parse_hdr's verdicts: malformed before its stream is known (the link
 * did not parse, or not the mode's form), malformed after (its length),
 * a sender not taken after a length that parsed, well formed. */
enum { HDR_UNKNOWN, HDR_BAD, HDR_SENDER, HDR_OK };

/* flags */
#define F_AFTER_PROMPT 0x01 /* skip one space: ESP-AT may send "> " */
#define F_IPD_HDR 0x02      /* the line began "+IPD,": ':' ends it */
#define F_QUOTED 0x04       /* inside "..." in a header */
#define F_RD_COLON 0x08     /* "+CIPRECVDATA:": the 1st (or 3rd) ',' ends it */
#define F_RD_COMMA 0x10     /* "+CIPRECVDATA,": ':' ends it */
#define F_HDR (F_IPD_HDR | F_RD_COLON | F_RD_COMMA)

#define IPD_PREFIX "+IPD,"
#define IPD_PREFIX_LEN 5
#define RD_PREFIX "+CIPRECVDATA"
#define RD_PREFIX_LEN 13 /* with the ':' or ',' after it */

int tern_at_parser_init(tern_at_parser *p, uint8_t *buf, size_t cap,
                        uint32_t ipd_max, unsigned links) {
  if (p == NULL || buf == NULL || cap < TERN_AT_LINE_MIN ||
      ipd_max - 1u >= TERN_AT_IPD_LEN_MAX || links > TERN_AT_MAX_LINKS) {
    return TERN_EINVAL;
  }
  memset(p, 0, sizeof *p);
  p->buf = buf;
  p->cap = cap;
  p->ipd_max = ipd_max;
  p->links = (uint8_t)links;
  p->state = ST_LINE;
  return 0;
}

void tern_at_parser_reset(tern_at_parser *p) {
  p->state = ST_LINE;
  p->len = 0;
  p->flags = 0;
  p->left = 0;
}

int tern_at_parser_in_payload(const tern_at_parser *p) {
  return p->state >= ST_PAYLOAD || (p->flags & F_HDR) != 0;
}

void tern_at_parser_recvdata_remote(tern_at_parser *p, int on) {
  p->rd_remote = on != 0;
}

/* Text of n bytes equal to the NUL-terminated lit. */
static int is(const uint8_t *s, size_t n, const char *lit) {
  size_t l = strlen(lit);
  return n == l && memcmp(s, lit, l) == 0;
}

static int starts(const uint8_t *s, size_t n, const char *lit) {
  size_t l = strlen(lit);
  return n >= l && memcmp(s, lit, l) == 0;
}

/* Decimal digits only (1..10 of them), value <= max. */
static int parse_dec(const uint8_t *s, size_t n, uint32_t max, uint32_t *out) {
  if (n == 0 || n > 10) {
    return 0;
  }
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return 0;
    }
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v > max) {
    return 0;
  }
  *out = (uint32_t)v;
  return 1;
}

/* "0x" and 1..8 hex digits. */
static int parse_hex(const uint8_t *s, size_t n, uint32_t *out) {
  if (n < 3 || n > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
    return 0;
  }
  uint32_t v = 0;
  for (size_t i = 2; i < n; i++) {
    uint8_t c = s[i];
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = (uint32_t)(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = (uint32_t)(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = (uint32_t)(c - 'A' + 10);
    } else {
      return 0;
    }
    v = v << 4 | d;
  }
  *out = v;
  return 1;
}

/* Fixed lines with no argument but the link events' link. */
static const struct {
  const char *text;
  uint8_t kind;
  uint8_t value;
} fixed[] = {
    {"OK", TERN_AT_EV_OK, 0},
    {"ERROR", TERN_AT_EV_ERROR, 0},
    {"FAIL", TERN_AT_EV_FAIL, 0},
    {"SEND OK", TERN_AT_EV_SEND_OK, 0},
    {"SEND FAIL", TERN_AT_EV_SEND_FAIL, 0},
    {"ready", TERN_AT_EV_READY, 0},
    {"ALREADY CONNECTED", TERN_AT_EV_ALREADY, 0},
    {"ALREADY CONNECT", TERN_AT_EV_ALREADY, 0},
    {"WIFI CONNECTED", TERN_AT_EV_WIFI, TERN_AT_WIFI_CONNECTED},
    {"WIFI GOT IP", TERN_AT_EV_WIFI, TERN_AT_WIFI_GOT_IP},
    {"WIFI DISCONNECT", TERN_AT_EV_WIFI, TERN_AT_WIFI_DISCONNECT},
    /* The link events: "<link>," in front in multi-link mode. */
    {"CONNECT", TERN_AT_EV_CONNECT, 0},
    {"CLOSED", TERN_AT_EV_CLOSED, 0},
    {"CONNECT FAIL", TERN_AT_EV_CONNECT_FAIL, 0},
};

static int link_kind(uint8_t kind) {
  return kind >= TERN_AT_EV_CONNECT && kind <= TERN_AT_EV_CONNECT_FAIL;
}

/* Classifies the complete line in p->buf (len > 0). Returns 1 with *ev
 * filled, or 0 when the line was dropped (counted here). */
static int finish_line(tern_at_parser *p, tern_at_event *ev) {
  const uint8_t *s = p->buf;
  size_t n = p->len;
  /* A link event's "<link>," (digits and a comma), skipped for them. */
  size_t d = 0;
  while (d < n && s[d] >= '0' && s[d] <= '9') {
    d++;
  }
  size_t skip = d > 0 && d < n && s[d] == ',' ? d + 1 : 0;
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    int lk = link_kind(fixed[i].kind);
    size_t o = lk ? skip : 0;
    if (!is(s + o, n - o, fixed[i].text)) {
      continue;
    }
    if (lk) {
      /* "CONNECT" in single-link mode, "<link>,CONNECT" in multi-link
       * mode; the other mode's form is dropped, so a link is always in
       * range. */
      uint32_t link = TERN_AT_NO_LINK;
      if ((skip != 0) != (p->links != 0) ||
          (skip != 0 && !parse_dec(s, d, (uint32_t)p->links - 1, &link))) {
        p->stats.bad_number++;
        return 0;
      }
      ev->link = (uint8_t)link;
    }
    ev->kind = fixed[i].kind;
    ev->value = fixed[i].value;
    p->stats.lines++;
    return 1;
  }
  if (starts(s, n, "busy ")) {
    ev->kind = TERN_AT_EV_BUSY;
    ev->value = n > 5 ? s[5] : 0;
    p->stats.lines++;
    return 1;
  }
  if (starts(s, n, "ERR CODE:")) {
    if (!parse_hex(s + 9, n - 9, &ev->value)) {
      p->stats.bad_number++;
      return 0;
    }
    ev->kind = TERN_AT_EV_ERR_CODE;
    p->stats.lines++;
    return 1;
  }
  if (starts(s, n, "Recv ") && n > 11 && is(s + n - 6, 6, " bytes")) {
    if (!parse_dec(s + 5, n - 11, UINT32_MAX, &ev->value)) {
      p->stats.bad_number++;
      return 0;
    }
    ev->kind = TERN_AT_EV_RECV;
    p->stats.lines++;
    return 1;
  }
  /* An echoed command: "AT", "ATE0", "AT+...". Not "AT version:..." (what
   * AT+GMR answers). */
  int echo = is(s, n, "AT") || starts(s, n, "AT+") || starts(s, n, "ATE");
  ev->kind = echo ? TERN_AT_EV_ECHO : TERN_AT_EV_LINE;
  ev->data = s;
  ev->len = n;
  p->stats.lines++;
  if (ev->kind == TERN_AT_EV_LINE) {
    p->stats.other++;
  }
  return 1;
}

/* Parses the header in p->buf after its first off bytes ("+IPD," or
 * "+CIPRECVDATA:" or ","; without the byte that ended it):
 * [link,]len[,ip,port], the link there when numbered, the ip quoted or not,
 * len at most max. Fills *ev's link (once it parsed), value (once the
 * length parsed) and remote; returns HDR_OK, HDR_SENDER when only the
 * sender did not parse, or HDR_BAD / HDR_UNKNOWN when it is malformed
 * after / before the link parsed (none to parse: at once). */
static int parse_hdr(tern_at_parser *p, tern_at_event *ev, size_t off,
                     int numbered, uint32_t max) {
  const uint8_t *s = p->buf + off;
  size_t n = p->len - off;
  /* Split at commas outside quotes: at most 4 fields. */
  size_t start[4], flen[4];
  unsigned nf = 0;
  size_t b = 0;
  int quoted = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] == '"') {
      quoted = !quoted;
      continue;
    }
    if (i == n || (s[i] == ',' && !quoted)) {
      if (nf == 4) {
        return HDR_UNKNOWN;
      }
      start[nf] = b;
      flen[nf] = i - b;
      nf++;
      b = i + 1;
    }
  }
  /* Fields: len or len,ip,port, after the link when numbered. */
  unsigned f = numbered ? 1 : 0;
  uint32_t link = TERN_AT_NO_LINK;
  if ((nf != f + 1 && nf != f + 3) ||
      (numbered &&
       !parse_dec(s + start[0], flen[0], (uint32_t)p->links - 1, &link))) {
    return HDR_UNKNOWN;
  }
  /* The stream is known from here: a field that does not parse is said. */
  ev->link = (uint8_t)link;
  uint32_t len;
  if (!parse_dec(s + start[f], flen[f], max, &len)) {
    return HDR_BAD;
  }
  ev->value = len;
  if (nf == f + 3) {
    const uint8_t *ip = s + start[f + 1];
    size_t iplen = flen[f + 1];
    if (iplen >= 2 && ip[0] == '"' && ip[iplen - 1] == '"') {
      ip++;
      iplen -= 2;
    }
    /* The port first: tern_ip_parse writes the address only once it
     * parsed, so a sender not taken leaves ev->remote clear. Port 0
     * included: a UDP peer may send from it (RFC 768). */
    uint32_t port;
    if (!parse_dec(s + start[f + 2], flen[f + 2], 65535, &port) || port == 0 ||
        tern_ip_parse(&ev->remote.addr, (const char *)ip, iplen) != 0) {
      return HDR_SENDER;
    }
    ev->remote.port = (uint16_t)port;
    ev->remote.scope = 0;
    ev->has_remote = 1;
  }
  return HDR_OK;
}

static void clear_event(tern_at_event *ev) {
  memset(ev, 0, sizeof *ev);
  ev->link = TERN_AT_NO_LINK;
}

/* Drops the line in progress and discards to the end of it. */
static void discard(tern_at_parser *p) {
  p->state = ST_DISCARD;
  p->len = 0;
  p->flags = 0;
  p->left = 0;
}

/* A header dropped as malformed (r: parse_hdr's verdict): counted, and
 * said when its stream is known (HDR_BAD or HDR_SENDER, or any
 * +CIPRECVDATA: rd). Returns whether *ev is an event. */
static int bad_hdr(tern_at_parser *p, tern_at_event *ev, int r, int rd) {
  p->stats.bad_ipd++;
  if (r != HDR_UNKNOWN || rd) {
    ev->kind = TERN_AT_EV_IPD_BAD; /* parse_hdr wrote no address */
    return 1;
  }
  return 0; /* nothing written: *ev is still clear */
}

/* A header ends (*ev its event) and its payload of ev->value bytes
 * follows, read in state st. */
static void frame(tern_at_parser *p, const tern_at_event *ev, uint8_t st) {
  p->len = 0;
  p->flags = 0;
  p->ipd_link = ev->link;
  p->left = ev->value;
  p->state = p->left == 0 ? ST_LINE : st;
}

/* A "+CIPRECVDATA:<len>," header that should name the sender (rd_remote)
 * and is dropped after its length parsed (f: its flags; a line end, a
 * control byte or the buffer's end in it): the bytes after that comma, and
 * the one that ended them, may be payload (a modem that sends no sender
 * after all), so the rest of the payload is skipped, never read as lines.
 * Returns 1 with *ev the IPD_BAD (value: the bytes to skip), or 0 when the
 * length is not known (the line is dropped as before). */
static int rd_cut(tern_at_parser *p, tern_at_event *ev, uint8_t f) {
  const uint8_t *s = p->buf + RD_PREFIX_LEN;
  size_t n = p->len - RD_PREFIX_LEN;
  /* A comma after nothing but digits is outside quotes: the one that
   * ended the length (p->left counted it). */
  const uint8_t *c = (f & F_RD_COLON) ? memchr(s, ',', n) : NULL;
  uint32_t len, used;
  if (c == NULL || !parse_dec(s, (size_t)(c - s), TERN_AT_IPD_LEN_MAX, &len)) {
    return 0;
  }
  used = (uint32_t)(s + n - c);
  bad_hdr(p, ev, HDR_BAD, 1);
  ev->value = len > used ? len - used : 0;
  frame(p, ev, ST_SKIP);
  return 1;
}

size_t tern_at_parser_feed(tern_at_parser *p, const uint8_t *in, size_t len,
                           tern_at_event *ev) {
  clear_event(ev);
  size_t i = 0;
  while (i < len) {
    if (p->state >= ST_PAYLOAD) {
      size_t n = len - i;
      if (n > p->left) {
        n = p->left;
      }
      p->left -= (uint32_t)n;
      p->stats.ipd_bytes += (uint32_t)n;
      static const uint8_t kinds[] = {TERN_AT_EV_IPD_DATA,
                                      TERN_AT_EV_RECVDATA_DATA,
                                      TERN_AT_EV_TOO_LONG_DATA};
      ev->kind = kinds[p->state - ST_PAYLOAD];
      ev->link = p->ipd_link;
      ev->data = in + i;
      ev->len = n;
      ev->value = p->left;
      if (p->left == 0) {
        p->state = ST_LINE;
      }
      return i + n;
    }
    uint8_t c = in[i++];
    if (c == '\r' || c == '\n') {
      int was_line = p->state == ST_LINE && p->len > 0;
      uint8_t hdr = p->flags & F_HDR;
      p->state = ST_LINE;
      p->flags = 0;
      if (!was_line) {
        p->len = 0;
        continue; /* an empty line, or the end of a dropped one */
      }
      if (rd_cut(p, ev, hdr)) {
        return i;
      }
      if (hdr) {
        /* "+IPD,<link>,<len>" as a line is passive mode's notice (its
         * length not bounded: what the modem holds; a sender, if any, not
         * needed: the fetch's answer names it); any other header cut by a
         * line end is dropped. */
        int rd = hdr != F_IPD_HDR;
        int r =
            rd ? HDR_UNKNOWN
               : parse_hdr(p, ev, IPD_PREFIX_LEN, p->links != 0, UINT32_MAX);
        p->len = 0;
        p->left = 0;
        if (r < HDR_SENDER) {
          if (bad_hdr(p, ev, r, rd)) {
            return i;
          }
          continue;
        }
        ev->kind = TERN_AT_EV_IPD_HELD;
        p->stats.lines++;
        return i;
      }
      int got = finish_line(p, ev);
      p->len = 0;
      if (got) {
        return i;
      }
      continue;
    }
    if (p->state == ST_DISCARD) {
      continue;
    }
    if (p->flags & F_AFTER_PROMPT) {
      p->flags &= (uint8_t)~F_AFTER_PROMPT;
      if (c == ' ') {
        continue;
      }
    }
    if (p->len == 0 && c == '>') {
      ev->kind = TERN_AT_EV_PROMPT;
      p->stats.prompts++;
      p->flags |= F_AFTER_PROMPT;
      return i;
    }
    if (c < 0x20 || c == 0x7F) {
      if (rd_cut(p, ev, p->flags)) {
        return i;
      }
      p->stats.bad_char++;
      discard(p);
      continue;
    }
    if (p->flags & F_HDR) {
      int end = 0;
      if (c == '"') {
        p->flags ^= F_QUOTED;
      } else if (p->flags & F_QUOTED) {
        /* inside quotes: the header's text */
      } else if (c == ':' && !(p->flags & F_RD_COLON)) {
        end = 1;
      } else if (c == ',' && (p->flags & F_RD_COLON)) {
        /* left counts the commas until the payload starts */
        end = ++p->left == (p->rd_remote ? 3u : 1u);
      }
      if (end) {
        int rd = (p->flags & F_IPD_HDR) == 0;
        int r = parse_hdr(p, ev, rd ? RD_PREFIX_LEN : IPD_PREFIX_LEN,
                          !rd && p->links != 0, TERN_AT_IPD_LEN_MAX);
        if (r < HDR_SENDER) {
          /* A length that did not parse cannot be trusted: the bytes
           * after it are read as lines. */
          discard(p);
          if (bad_hdr(p, ev, r, rd)) {
            return i;
          }
          continue;
        }
        /* Its length parsed: its payload is the network's, whatever its
         * length. One over ipd_max, or from a sender not taken (a peer
         * chooses its port), is said (its link's stream has a hole) and
         * skipped byte for byte, never read as lines: a peer could put
         * the modem's words in it. */
        int skip = r == HDR_SENDER || ev->value > p->ipd_max;
        if (r == HDR_SENDER) {
          bad_hdr(p, ev, r, rd);
        } else if (skip) {
          ev->kind = TERN_AT_EV_IPD_TOO_LONG;
          p->stats.ipd_too_long++;
        } else {
          ev->kind = rd ? TERN_AT_EV_RECVDATA : TERN_AT_EV_IPD;
          p->stats.ipd++;
        }
        frame(p, ev, skip ? ST_SKIP : rd ? ST_RD_PAYLOAD : ST_PAYLOAD);
        return i;
      }
    }
    if (p->len == p->cap) {
      if (rd_cut(p, ev, p->flags)) {
        return i;
      }
      p->stats.overlong++;
      discard(p);
      continue;
    }
    p->buf[p->len++] = c;
    if (p->len == IPD_PREFIX_LEN &&
        memcmp(p->buf, IPD_PREFIX, IPD_PREFIX_LEN) == 0) {
      p->flags |= F_IPD_HDR;
    } else if (p->len == RD_PREFIX_LEN && (c == ':' || c == ',') &&
               memcmp(p->buf, RD_PREFIX, RD_PREFIX_LEN - 1) == 0) {
      p->flags |= c == ':' ? F_RD_COLON : F_RD_COMMA;
    }
  }
  return len;
}

/* ---- information lines ---- */

/* The next comma-separated field of s[*off..n), quotes removed (a comma
 * inside quotes is the field's). Returns 0, or -1 at the end or on a
 * quote left open. */
static int info_field(const uint8_t *s, size_t n, size_t *off,
                      const uint8_t **f, size_t *flen) {
  size_t i = *off;
  if (i > n) {
    return -1;
  }
  int quoted = i < n && s[i] == '"';
  if (quoted) {
    size_t j = i + 1;
    while (j < n && s[j] != '"') {
      j++;
    }
    if (j >= n || (j + 1 < n && s[j + 1] != ',')) {
      return -1;
    }
    *f = s + i + 1;
    *flen = j - i - 1;
    *off = j + 2;
    return 0;
  }
  size_t j = i;
  while (j < n && s[j] != ',') {
    j++;
  }
  *f = s + i;
  *flen = j - i;
  *off = j + 1;
  return 0;
}

/* A decimal number of 1 to 5 digits up to max. */
static int info_num(const uint8_t *f, size_t n, uint32_t max, uint32_t *v) {
  if (n == 0 || n > 5) {
    return -1;
  }
  uint32_t x = 0;
  for (size_t i = 0; i < n; i++) {
    if (f[i] < '0' || f[i] > '9') {
      return -1;
    }
    x = x * 10 + (uint32_t)(f[i] - '0');
  }
  if (x > max) {
    return -1;
  }
  *v = x;
  return 0;
}

static int info_prefix(const uint8_t *s, size_t n, const char *p, size_t *off) {
  size_t k = strlen(p);
  if (n < k || memcmp(s, p, k) != 0) {
    return -1;
  }
  *off = k;
  return 0;
}

int tern_at_info_cipstatus(const uint8_t *s, size_t n, unsigned *link,
                           tern_endpoint *remote, uint16_t *local_port) {
  size_t off;
  const uint8_t *f[6];
  size_t fl[6];
  uint32_t l, rp, lp;
  if (s == NULL || link == NULL || remote == NULL || local_port == NULL ||
      info_prefix(s, n, "+CIPSTATUS:", &off) != 0) {
    return TERN_EINVAL;
  }
  for (int i = 0; i < 6; i++) {
    if (info_field(s, n, &off, &f[i], &fl[i]) != 0) {
      return TERN_EINVAL;
    }
  }
  tern_endpoint e;
  memset(&e, 0, sizeof e);
  if (off <= n || info_num(f[0], fl[0], 15, &l) != 0 ||
      info_num(f[3], fl[3], 65535, &rp) != 0 ||
      info_num(f[4], fl[4], 65535, &lp) != 0 ||
      tern_ip_parse(&e.addr, (const char *)f[2], fl[2]) != 0) {
    return TERN_EINVAL;
  }
  e.port = (uint16_t)rp;
  *link = l;
  *remote = e;
  *local_port = (uint16_t)lp;
  return 0;
}

int tern_at_info_staip(const uint8_t *s, size_t n, tern_ip_addr *ip) {
  size_t off;
  const uint8_t *f;
  size_t fl;
  tern_ip_addr a;
  if (s == NULL || ip == NULL ||
      info_prefix(s, n, "+CIFSR:STAIP,", &off) != 0 || off >= n ||
      s[off] != '"' || info_field(s, n, &off, &f, &fl) != 0 || off <= n ||
      tern_ip_parse(&a, (const char *)f, fl) != 0) {
    return TERN_EINVAL;
  }
  *ip = a;
  return 0;
}
