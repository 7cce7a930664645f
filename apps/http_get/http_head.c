#include "tern/http_head.h"

#include <string.h>

#include "tern/err.h"

_Static_assert(TERN_HTTP_LINE_MAX >= 16 && TERN_HTTP_LINE_MAX <= 65534,
               "TERN_HTTP_LINE_MAX must be 16..65534: a status line needs 12");
/* The count of lines is 16 bits: at 65,535 it would wrap before passing
 * the limit, and nothing would be refused. */
_Static_assert(TERN_HTTP_HEADERS_MAX >= 0 && TERN_HTTP_HEADERS_MAX <= 65534,
               "TERN_HTTP_HEADERS_MAX must be 0..65534: the line count "
               "(tern_http_head.headers) is 16 bits");

enum { ST_STATUS = 0, ST_HEADERS = 1, ST_DONE = 2 };

void tern_http_head_init(tern_http_head *h) {
  memset(h, 0, sizeof *h);
}

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* RFC 9110 5.6.2: tchar. */
static int is_tchar(char c) {
  if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    return 1;
  }
  return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* name[0..n) equals want (lower case) ignoring case. */
static int name_is(const char *name, size_t n, const char *want) {
  if (n != strlen(want)) {
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    if (lower(name[i]) != want[i]) {
      return 0;
    }
  }
  return 1;
}

/* "HTTP/1.D SP DDD [SP reason]" (RFC 9112 4; a missing SP before an empty
 * reason is taken, as many clients do). */
static int parse_status(tern_http_head *h, const char *l, size_t n) {
  if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || !is_digit(l[7]) ||
      l[8] != ' ' || !is_digit(l[9]) || !is_digit(l[10]) || !is_digit(l[11]) ||
      (n > 12 && l[12] != ' ')) {
    return TERN_EPROTO;
  }
  unsigned code = (unsigned)(l[9] - '0') * 100u +
                  (unsigned)(l[10] - '0') * 10u + (unsigned)(l[11] - '0');
  if (code < 100 || code > 599) {
    return TERN_EPROTO;
  }
  h->minor = (uint8_t)(l[7] - '0');
  h->status = (uint16_t)code;
  return 0;
}

static int parse_length(tern_http_head *h, const char *v, size_t n) {
  if (n == 0) {
    return TERN_EPROTO;
  }
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit(v[i])) {
      return TERN_EPROTO;
    }
    uint64_t d = (uint64_t)(v[i] - '0');
    if (x > (UINT64_C(0x7fffffffffffffff) - d) / 10) {
      return TERN_EPROTO; /* past 2^63 - 1 */
    }
    x = x * 10 + d;
  }
  if (h->has_length && h->content_length != x) {
    return TERN_EPROTO; /* RFC 9112 6.3 item 5 */
  }
  h->has_length = 1;
  h->content_length = x;
  return 0;
}

/* "name: OWS value OWS" */
static int parse_header(tern_http_head *h, const char *l, size_t n) {
  if (l[0] == ' ' || l[0] == '\t') {
    return TERN_EPROTO; /* obs-fold */
  }
  size_t c = 0;
  while (c < n && is_tchar(l[c])) {
    c++;
  }
  if (c == 0 || c == n || l[c] != ':') {
    return TERN_EPROTO;
  }
  size_t b = c + 1, e = n;
  while (b < e && (l[b] == ' ' || l[b] == '\t')) {
    b++;
  }
  while (e > b && (l[e - 1] == ' ' || l[e - 1] == '\t')) {
    e--;
  }
  if (name_is(l, c, "content-length")) {
    return parse_length(h, l + b, e - b);
  }
  if (name_is(l, c, "transfer-encoding")) {
    return TERN_EPROTO;
  }
  return 0;
}

/* The blank line: the head ends, or an interim response's does. */
static int end_head(tern_http_head *h) {
  if (h->status < 200) {
    /* An interim head counts as a line, so that a server sending them
     * without end is refused as one sending header lines would be. */
    if (++h->headers > TERN_HTTP_HEADERS_MAX) {
      return TERN_EMSGSIZE;
    }
    h->state = ST_STATUS; /* RFC 9110 15.2: skip it, the final one follows */
    h->has_length = 0;
    h->content_length = 0;
    return 0;
  }
  h->state = ST_DONE;
  if (h->status == 204 || h->status == 304) {
    h->body = TERN_HTTP_BODY_NONE;
  } else if (h->has_length) {
    h->body = TERN_HTTP_BODY_LENGTH;
  } else {
    h->body = TERN_HTTP_BODY_CLOSE;
  }
  return 1;
}

static int end_line(tern_http_head *h) {
  size_t n = h->len;
  h->len = 0;
  if (n > 0 && h->line[n - 1] == '\r') {
    n--;
  }
  if (n > TERN_HTTP_LINE_MAX) {
    return TERN_EMSGSIZE;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)h->line[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return TERN_EPROTO; /* a CR not before the LF, NUL, ... */
    }
  }
  if (h->state == ST_STATUS) {
    h->state = ST_HEADERS;
    return parse_status(h, h->line, n);
  }
  if (n == 0) {
    return end_head(h);
  }
  if (++h->headers > TERN_HTTP_HEADERS_MAX) {
    return TERN_EMSGSIZE;
  }
  return parse_header(h, h->line, n);
}

int tern_http_head_feed(tern_http_head *h, const uint8_t *data, size_t len,
                        size_t *used) {
  if (h == NULL || used == NULL || (data == NULL && len > 0)) {
    return TERN_EINVAL;
  }
  *used = 0;
  if (h->err != 0) {
    return h->err;
  }
  if (h->state == ST_DONE) {
    return 1;
  }
  for (size_t i = 0; i < len; i++) {
    char c = (char)data[i];
    int r = 0;
    if (c == '\n') {
      r = end_line(h);
    } else if (h->len == sizeof h->line) {
      r = TERN_EMSGSIZE; /* room for TERN_HTTP_LINE_MAX bytes and a CR */
    } else {
      h->line[h->len++] = c;
    }
    if (r != 0) {
      *used = i + 1;
      if (r < 0) {
        h->err = (int16_t)r;
      }
      return r;
    }
  }
  *used = len;
  return 0;
}
