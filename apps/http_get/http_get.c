#include "tern/http_get.h"

#include <string.h>

#include "tern/err.h"

/* off and len index buf as uint16_t. */
_Static_assert(
    TERN_HTTP_GET_BUF <= 65535,
    "TERN_HTTP_GET_BUF must be at most 65535: off and len are 16-bit");

enum {
  ST_CONNECT = 0,
  ST_SEND,
  ST_HEAD,
  ST_BODY,
  ST_DONE,
  ST_FAILED,
};

/* No space, no control byte: nothing the request's framing could be
 * confused by (RFC 9112 3.2, 5); no '#': a fragment is never sent (RFC
 * 9110 4.2.4), nor is it part of an authority. */
static int clean(const char *s) {
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= 0x20 || c == 0x7f || c == '#') {
      return 0;
    }
  }
  return 1;
}

static int append(tern_http_get *g, const char *s) {
  size_t n = strlen(s);
  if (n > sizeof g->buf - g->len) {
    return TERN_ENOSPC;
  }
  memcpy(g->buf + g->len, s, n);
  g->len = (uint16_t)(g->len + n);
  return 0;
}

int tern_http_get_start(tern_http_get *g, tern_net *net,
                        const tern_endpoint *server, const char *host,
                        const char *path) {
  if (g == NULL || net == NULL || server == NULL || host == NULL ||
      path == NULL || path[0] != '/' || host[0] == '\0' || !clean(host) ||
      !clean(path)) {
    return TERN_EINVAL;
  }
  memset(g, 0, sizeof *g);
  tern_http_head_init(&g->head);
  int err = append(g, "GET ");
  const char *parts[] = {path, " HTTP/1.0\r\nHost: ", host,
                         "\r\nConnection: close\r\n\r\n"};
  for (size_t i = 0; err == 0 && i < sizeof parts / sizeof parts[0]; i++) {
    err = append(g, parts[i]);
  }
  if (err != 0) {
    return err;
  }
  err = tern_socket_open(net, TERN_SOCK_STREAM, &g->sock);
  if (err != 0) {
    g->sock = NULL;
    return err;
  }
  err = tern_socket_connect(g->sock, server);
  if (err != 0) {
    tern_socket_abort(g->sock);
    g->sock = NULL;
    return err;
  }
  g->state = ST_CONNECT;
  return 0;
}

static tern_poll fail(tern_http_get *g, int err, int *out) {
  g->state = ST_FAILED;
  g->err = err;
  *out = err;
  return TERN_READY;
}

tern_poll tern_http_get_poll_head(tern_http_get *g, tern_cx *cx, int *err) {
  if (g->state == ST_FAILED) {
    *err = g->err;
    return TERN_READY;
  }
  if (g->sock == NULL) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  tern_stream io = tern_socket_stream(g->sock);
  for (;;) {
    if (g->state == ST_CONNECT) {
      int e = 0;
      if (tern_socket_poll_connect(g->sock, cx, &e) == TERN_PENDING) {
        return TERN_PENDING;
      }
      if (e != 0) {
        return fail(g, e, err);
      }
      g->state = ST_SEND;
    } else if (g->state == ST_SEND) {
      while (g->off < g->len) {
        ptrdiff_t n = 0;
        if (tern_stream_poll_write(&io, cx, g->buf + g->off,
                                   (size_t)(g->len - g->off),
                                   &n) == TERN_PENDING) {
          return TERN_PENDING;
        }
        if (n < 0) {
          return fail(g, (int)n, err);
        }
        g->off = (uint16_t)(g->off + n);
      }
      g->state = ST_HEAD;
      g->off = 0;
      g->len = 0;
    } else if (g->state == ST_HEAD) {
      ptrdiff_t n = 0;
      if (tern_stream_poll_read(&io, cx, g->buf, sizeof g->buf, &n) ==
          TERN_PENDING) {
        return TERN_PENDING;
      }
      if (n <= 0) {
        return fail(g, n < 0 ? (int)n : TERN_EPROTO, err);
      }
      size_t used = 0;
      int r = tern_http_head_feed(&g->head, g->buf, (size_t)n, &used);
      if (r < 0) {
        return fail(g, r, err);
      }
      if (r == 1) {
        g->off = (uint16_t)used;
        g->len = (uint16_t)n;
        g->left = g->head.content_length;
        g->state = g->head.body == TERN_HTTP_BODY_NONE ? ST_DONE : ST_BODY;
        *err = 0;
        return TERN_READY;
      }
    } else {
      *err = 0; /* the head is in already */
      return TERN_READY;
    }
  }
}

tern_poll tern_http_get_poll_read(tern_http_get *g, tern_cx *cx, void *buf,
                                  size_t cap, ptrdiff_t *n) {
  if (g->state == ST_DONE) {
    *n = 0;
    return TERN_READY;
  }
  if (g->state == ST_FAILED) {
    *n = g->err;
    return TERN_READY;
  }
  if (g->state != ST_BODY || g->sock == NULL || buf == NULL || cap == 0) {
    *n = TERN_EINVAL;
    return TERN_READY;
  }
  int by_length = g->head.body == TERN_HTTP_BODY_LENGTH;
  if (by_length && g->left == 0) {
    g->state = ST_DONE;
    *n = 0;
    return TERN_READY;
  }
  size_t want = cap;
  if (by_length && g->left < want) {
    want = (size_t)g->left;
  }
  if (want > PTRDIFF_MAX) {
    want = PTRDIFF_MAX;
  }
  ptrdiff_t got = 0;
  if (g->off < g->len) {
    size_t k = (size_t)(g->len - g->off);
    if (k > want) {
      k = want;
    }
    memcpy(buf, g->buf + g->off, k);
    g->off = (uint16_t)(g->off + k);
    got = (ptrdiff_t)k;
  } else {
    tern_stream io = tern_socket_stream(g->sock);
    if (tern_stream_poll_read(&io, cx, buf, want, &got) == TERN_PENDING) {
      return TERN_PENDING;
    }
    if (got < 0) {
      g->state = ST_FAILED;
      g->err = (int)got;
      *n = got;
      return TERN_READY;
    }
    if (got == 0) {
      if (by_length) {
        g->state = ST_FAILED; /* closed before Content-Length bytes */
        g->err = TERN_EPROTO;
        *n = TERN_EPROTO;
      } else {
        g->state = ST_DONE;
        *n = 0;
      }
      return TERN_READY;
    }
  }
  if (by_length) {
    g->left -= (uint64_t)got;
  }
  g->received += (uint64_t)got;
  *n = got;
  return TERN_READY;
}

tern_poll tern_http_get_poll_close(tern_http_get *g, tern_cx *cx, int *err) {
  if (g->sock == NULL) {
    *err = 0;
    return TERN_READY;
  }
  if (tern_socket_poll_close(g->sock, cx, err) == TERN_PENDING) {
    return TERN_PENDING;
  }
  g->sock = NULL;
  return TERN_READY;
}

void tern_http_get_abort(tern_http_get *g) {
  if (g->sock != NULL) {
    tern_socket_abort(g->sock);
    g->sock = NULL;
  }
}
