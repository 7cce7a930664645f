/* The head of an HTTP/1.x response (RFC 9112 sections 4 and 5): the status
 * line and the header lines, fed in pieces as they arrive, each line held
 * in a bounded buffer inside the parser. It keeps what a client needs to
 * find the body: the status code and how the body ends (RFC 9112 section
 * 6.3). No heap, no callbacks; the parser is caller storage.
 *
 *   tern_http_head h;
 *   tern_http_head_init(&h);
 *   size_t used;
 *   int r = tern_http_head_feed(&h, bytes, n, &used);
 *   // r 0: every byte taken, feed more; r 1: the head ended after
 *   // bytes[used - 1], the rest is body; r < 0: a malformed response.
 *
 * What it refuses (every refusal is final: later feeds return it again):
 *   TERN_EMSGSIZE  a line longer than TERN_HTTP_LINE_MAX bytes (without its
 *                  line end), or more than TERN_HTTP_HEADERS_MAX header
 *                  lines and interim heads together
 *   TERN_EPROTO    a status line that is not "HTTP/1.D DDD[ reason]", a
 *                  control byte in a line (other than a tab), a CR not
 *                  before the LF, a header line without a name and a colon
 *                  (or with white space before the colon, RFC 9112 5.1),
 *                  a folded header line (obs-fold, refused as RFC 9112
 *                  5.2 allows), a Content-Length that is not digits or
 *                  does not fit 63 bits, two Content-Lengths that differ,
 *                  any Transfer-Encoding (the request is HTTP/1.0, so a
 *                  server must not send one: RFC 9112 6.1)
 * A line may end in CRLF or a bare LF (RFC 9112 2.2). Interim responses
 * (1xx) are skipped: the head is the final response's. */
#ifndef TERN_HTTP_HEAD_H
#define TERN_HTTP_HEAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest line kept, line end excluded. Define it before including to
 * change it (every user of one parser must agree). */
#ifndef TERN_HTTP_LINE_MAX
#define TERN_HTTP_LINE_MAX 256
#endif
/* The most header lines in one response head, interim heads included,
 * each interim head counting as one more (so that 1xx heads without end
 * are refused too). 0..65534: the count is 16 bits (checked at compile
 * time). */
#ifndef TERN_HTTP_HEADERS_MAX
#define TERN_HTTP_HEADERS_MAX 64
#endif

/* How the body ends (RFC 9112 6.3). */
typedef enum tern_http_body {
  TERN_HTTP_BODY_NONE = 0,   /* no body: 204, 304 */
  TERN_HTTP_BODY_LENGTH = 1, /* content_length bytes */
  TERN_HTTP_BODY_CLOSE = 2,  /* until the server closes */
} tern_http_body;

/* The parser. Fields are the parser's while it runs; after a feed returned
 * 1, status, minor, body and content_length are the result. */
typedef struct tern_http_head {
  uint64_t content_length;           /* with TERN_HTTP_BODY_LENGTH */
  int16_t err;                       /* the refusal, once one happened */
  uint16_t status;                   /* 100..599 */
  uint8_t minor;                     /* HTTP/1.minor */
  uint8_t state;                     /* status line, header lines, done */
  uint8_t body;                      /* tern_http_body */
  uint8_t has_length;                /* a Content-Length was seen */
  uint16_t headers;                  /* header lines so far */
  uint16_t len;                      /* bytes in line */
  char line[TERN_HTTP_LINE_MAX + 1]; /* and a CR */
} tern_http_head;

/* Makes h ready for a new response. */
void tern_http_head_init(tern_http_head *h);

/* Feeds len bytes of the response. *used is how many were taken: all of
 * them (returns 0: the head goes on), or those up to and including the
 * head's last line end (returns 1: what follows is the body; a feed after
 * that takes nothing and returns 1 again). Returns a negative tern_err for
 * a malformed head (see above; *used then says where it was found) or
 * TERN_EINVAL for NULL arguments. */
int tern_http_head_feed(tern_http_head *h, const uint8_t *data, size_t len,
                        size_t *used);

#ifdef __cplusplus
}
#endif

#endif /* TERN_HTTP_HEAD_H */
