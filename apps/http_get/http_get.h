/* An HTTP/1.0 GET client over the socket API (tern/socket.h): one request
 * per object, written once and run over any backend (tern's stack, the
 * host OS's sockets, an AT modem): the composition hands it a tern_net.
 *
 *   static tern_http_get g;                     // caller storage, no heap
 *   int err = tern_http_get_start(&g, net, &server, "10.0.0.1:8000", "/f");
 *   // in a task:
 *   TERN_CO_AWAIT(co, tern_http_get_poll_head(&g, cx, &err));
 *   // err 0: g.head.status, g.head.body, g.head.content_length
 *   do {
 *     TERN_CO_AWAIT(co, tern_http_get_poll_read(&g, cx, buf, sizeof buf, &n));
 *     ... n > 0: body bytes; 0: the body ended; < 0: a tern_err ...
 *   } while (n > 0);
 *   TERN_CO_AWAIT(co, tern_http_get_poll_close(&g, cx, &err));
 *
 * The request is "GET path HTTP/1.0" with Host and "Connection: close"
 * (RFC 1945, RFC 9110 7.2). The response head is parsed by tern_http_head
 * (tern/http_head.h: bounded lines, every refusal a negative tern_err);
 * the body is handed out as it arrives, into the caller's buffer, and
 * ends at Content-Length or, without one, at the server's close.
 *
 * Errors: the socket's (TERN_ECONNREFUSED, TERN_ECONNRESET,
 * TERN_ETIMEDOUT, TERN_ENETUNREACH, TERN_ENOMEM: no free socket), the
 * parser's (TERN_EPROTO, TERN_EMSGSIZE), TERN_EPROTO for a connection that
 * ends before the head does or before Content-Length bytes of body,
 * TERN_EINVAL for bad arguments and TERN_ENOSPC for a request longer than
 * TERN_HTTP_GET_BUF. There is no timeout inside: a caller that wants one
 * wraps each poll in tern_with_timeout (tern/timer.h) and calls
 * tern_http_get_abort when it expires, as host_main.c does. */
#ifndef TERN_HTTP_GET_H
#define TERN_HTTP_GET_H

#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/http_head.h"
#include "tern/poll.h"
#include "tern/socket.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes for the request while it is sent, then for what is read of the
 * head (body bytes read with its end are kept there until they are
 * read). */
#ifndef TERN_HTTP_GET_BUF
#define TERN_HTTP_GET_BUF 256
#endif

/* One request. Caller storage; fields are the client's, except head,
 * which is the response's head once poll_head is READY with 0. */
typedef struct tern_http_get {
  tern_socket *sock;   /* NULL: none (closed, aborted, never opened) */
  tern_http_head head; /* the response's status and framing */
  uint64_t left;       /* body bytes still due (TERN_HTTP_BODY_LENGTH) */
  uint64_t received;   /* body bytes handed out */
  int err;             /* what ended it (state FAILED) */
  uint8_t state;
  uint16_t off; /* sending: bytes of buf sent; body: next kept byte */
  uint16_t len; /* bytes in buf */
  uint8_t buf[TERN_HTTP_GET_BUF];
} tern_http_get;

/* Builds the request for path (starting with '/') with the Host header
 * host (the URL's authority, e.g. "10.0.0.1:8000"), opens a stream socket
 * on net and starts connecting to server. Returns 0, TERN_EINVAL (NULL
 * arguments, a path not starting with '/', a space or control byte in
 * host or path, a '#' in either: a fragment is never sent),
 * TERN_ENOSPC (the request does not fit TERN_HTTP_GET_BUF)
 * or the socket's error (nothing is left open then). */
int tern_http_get_start(tern_http_get *g, tern_net *net,
                        const tern_endpoint *server, const char *host,
                        const char *path);

/* Connects, sends the request, reads the response head. READY: *err 0
 * (g->head holds the status and how the body ends) or a negative tern_err
 * (the request failed; close or abort it). */
tern_poll tern_http_get_poll_head(tern_http_get *g, tern_cx *cx, int *err);

/* Reads body bytes into buf (up to cap). READY: *n > 0 bytes, 0 at the
 * body's end (Content-Length reached, or the server closed a body without
 * one), or a negative tern_err (TERN_EPROTO: the server closed before
 * Content-Length bytes; TERN_EINVAL: before poll_head was READY with 0,
 * buf NULL or cap 0, which would read as the body's end).
 * Bytes past Content-Length are never handed out. */
tern_poll tern_http_get_poll_read(tern_http_get *g, tern_cx *cx, void *buf,
                                  size_t cap, ptrdiff_t *n);

/* Closes the connection gracefully (the socket's poll_close) and gives
 * the socket back. READY: *err 0 or the connection's last error. */
tern_poll tern_http_get_poll_close(tern_http_get *g, tern_cx *cx, int *err);

/* Resets the connection and gives the socket back at once. */
void tern_http_get_abort(tern_http_get *g);

#ifdef __cplusplus
}
#endif

#endif /* TERN_HTTP_GET_H */
