/* How the measured application reaches the socket layer, by build:
 *
 *   (default)                the ops table: tern/socket.h's inline wrappers
 *   SOCKETS_BENCH_LINK_TIME  link-time selection: the same operations as
 *                            plain external functions that one backend
 *                            defines (link_tern.c: the tern backend's own
 *                            code, no table), so the linker picks it
 *
 * The application (size_app.c, call_bench.c) is one source built both
 * ways. Not a product: a benchmark (sockets/README.md, "Abstraction
 * choices"). */
#ifndef SOCKETS_BENCH_APP_H
#define SOCKETS_BENCH_APP_H

#include "tern/socket.h"

#ifdef SOCKETS_BENCH_LINK_TIME

#ifdef __cplusplus
extern "C" {
#endif

/* The tern backend's operations under their link-time names
 * (link_tern.c). The first argument is the backend's own object, as the
 * table would pass it. */
int lt_open(tern_net *net, tern_socket_type type, tern_socket **out);
int lt_bind(tern_socket *s, const tern_endpoint *local);
int lt_listen(tern_socket *s, unsigned backlog);
tern_poll lt_poll_accept(tern_socket *s, tern_cx *cx, tern_socket **out,
                         int *err);
int lt_connect(tern_socket *s, const tern_endpoint *remote);
tern_poll lt_poll_connect(tern_socket *s, tern_cx *cx, int *err);
tern_poll lt_poll_send_to(tern_socket *s, tern_cx *cx, const tern_endpoint *dst,
                          const void *data, size_t len, int *err);
tern_poll lt_poll_recv_from(tern_socket *s, tern_cx *cx, tern_endpoint *src,
                            void *buf, size_t cap, int *n);
int lt_endpoint(tern_socket *s, bool peer, tern_endpoint *out);
int lt_set_option(tern_socket *s, tern_socket_option opt, int32_t value);
tern_poll lt_poll_close(tern_socket *s, tern_cx *cx, int *err);
void lt_abort(tern_socket *s);
tern_poll lt_read(void *self, tern_cx *cx, void *buf, size_t len, ptrdiff_t *n);
tern_poll lt_write(void *self, tern_cx *cx, const void *buf, size_t len,
                   ptrdiff_t *n);

#ifdef __cplusplus
}
#endif

/* The same checks tern/socket.h and tern/stream.h make inline. */
static inline int app_open(tern_net *net, tern_socket_type type,
                           tern_socket **out) {
  if (net == NULL || out == NULL) {
    return TERN_EINVAL;
  }
  return lt_open(net, type, out);
}

static inline int app_local(tern_socket *s, tern_endpoint *out) {
  return lt_endpoint(s, false, out);
}

static inline tern_poll app_read(tern_socket *s, tern_cx *cx, void *buf,
                                 size_t len, ptrdiff_t *n) {
  if (len == 0) {
    *n = 0;
    return TERN_READY;
  }
  return lt_read(s, cx, buf, len, n);
}

static inline tern_poll app_write(tern_socket *s, tern_cx *cx, const void *buf,
                                  size_t len, ptrdiff_t *n) {
  if (len == 0) {
    *n = 0;
    return TERN_READY;
  }
  return lt_write(s, cx, buf, len, n);
}

#define APP_OPEN app_open
#define APP_BIND lt_bind
#define APP_LISTEN lt_listen
#define APP_ACCEPT lt_poll_accept
#define APP_CONNECT lt_connect
#define APP_POLL_CONNECT lt_poll_connect
#define APP_SEND_TO lt_poll_send_to
#define APP_RECV_FROM lt_poll_recv_from
#define APP_LOCAL app_local
#define APP_SET_OPTION lt_set_option
#define APP_CLOSE lt_poll_close
#define APP_ABORT lt_abort
#define APP_READ app_read
#define APP_WRITE app_write

#else

static inline tern_poll app_read(tern_socket *s, tern_cx *cx, void *buf,
                                 size_t len, ptrdiff_t *n) {
  tern_stream st = tern_socket_stream(s);
  return tern_stream_poll_read(&st, cx, buf, len, n);
}

static inline tern_poll app_write(tern_socket *s, tern_cx *cx, const void *buf,
                                  size_t len, ptrdiff_t *n) {
  tern_stream st = tern_socket_stream(s);
  return tern_stream_poll_write(&st, cx, buf, len, n);
}

#define APP_OPEN tern_socket_open
#define APP_BIND tern_socket_bind
#define APP_LISTEN tern_socket_listen
#define APP_ACCEPT tern_socket_poll_accept
#define APP_CONNECT tern_socket_connect
#define APP_POLL_CONNECT tern_socket_poll_connect
#define APP_SEND_TO tern_socket_poll_send_to
#define APP_RECV_FROM tern_socket_poll_recv_from
#define APP_LOCAL tern_socket_local
#define APP_SET_OPTION tern_socket_set_option
#define APP_CLOSE tern_socket_poll_close
#define APP_ABORT tern_socket_abort
#define APP_READ app_read
#define APP_WRITE app_write

#endif

#endif /* SOCKETS_BENCH_APP_H */
