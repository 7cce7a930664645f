#include "example.h"

#include <string.h>

#include "tern/err.h"

/* [echo] */
tern_poll tern_example_echo_poll(tern_example_echo *s, tern_cx *cx) {
  TERN_CO_BEGIN(&s->co);
  for (;;) {
    TERN_CO_AWAIT(&s->co, tern_stream_poll_read(&s->io, cx, s->buf,
                                                sizeof s->buf, &s->n));
    if (s->n < 0) {
      s->err = (int)s->n; /* the stream failed */
      TERN_CO_RETURN(&s->co);
    }
    if (s->n == 0) {
      break; /* end of stream: the peer closed */
    }
    /* Writes may be partial: loop until every byte read is taken. */
    for (s->off = 0; s->off < s->n; s->off += s->w) {
      TERN_CO_AWAIT(&s->co,
                    tern_stream_poll_write(&s->io, cx, s->buf + s->off,
                                           (size_t)(s->n - s->off), &s->w));
      if (s->w < 0) {
        s->err = (int)s->w;
        TERN_CO_RETURN(&s->co);
      }
    }
  }
  TERN_CO_AWAIT(&s->co, tern_stream_poll_close(&s->io, cx, &s->err));
  TERN_CO_END(&s->co);
}
/* [echo] */

/* [send] */
tern_poll tern_example_send_poll(tern_example_send *s, tern_cx *cx) {
  TERN_CO_BEGIN(&s->co);
  /* Waits while the pool is empty: backpressure, not a drop. */
  TERN_CO_AWAIT(&s->co,
                tern_pkt_pool_poll_alloc(s->pool, cx, &s->waiter, &s->pkt));
  {
    tern_netdev_info info = tern_netdev_get_info(&s->dev);
    /* Room for our header and every header the device will add. */
    if (tern_pkt_reserve(s->pkt, info.headroom + TERN_EXAMPLE_HDR) != 0 ||
        tern_pkt_tailroom(s->pkt) < s->len ||
        TERN_EXAMPLE_HDR + (size_t)s->len > info.mtu) {
      tern_pkt_free(s->pkt);
      s->pkt = NULL;
      s->err = TERN_EMSGSIZE;
      TERN_CO_RETURN(&s->co);
    }
    memcpy(tern_pkt_put(s->pkt, s->len), s->payload, s->len);
    uint8_t *hdr = tern_pkt_push(s->pkt, TERN_EXAMPLE_HDR);
    hdr[0] = 0x01; /* type */
    hdr[1] = s->len;
  }
  TERN_CO_AWAIT(&s->co, tern_netdev_poll_send(&s->dev, cx, s->pkt, &s->err));
  s->pkt = NULL; /* the device owns it now, sent or not */
  TERN_CO_END(&s->co);
}
/* [send] */

/* [recv] */
tern_poll tern_example_recv_poll(const tern_netdev *dev, tern_cx *cx,
                                 uint8_t *out, size_t cap, int *n) {
  for (;;) {
    tern_pkt *p;
    int err;
    if (tern_netdev_poll_recv(dev, cx, &p, &err) == TERN_PENDING) {
      return TERN_PENDING;
    }
    if (err < 0) {
      *n = err;
      return TERN_READY;
    }
    /* The packet is ours: check before every read, free on every path. */
    const uint8_t *hdr = tern_pkt_data(p);
    if (tern_pkt_len(p) < TERN_EXAMPLE_HDR || hdr[0] != 0x01 ||
        hdr[1] > tern_pkt_len(p) - TERN_EXAMPLE_HDR) {
      tern_pkt_free(p); /* malformed: drop it (a real layer counts it) */
      continue;
    }
    size_t len = hdr[1];
    tern_pkt_trim(p, TERN_EXAMPLE_HDR + len); /* drop any padding */
    const uint8_t *payload = tern_pkt_pull(p, TERN_EXAMPLE_HDR);
    if (len > cap) {
      len = cap;
    }
    memcpy(out, payload, len);
    tern_pkt_free(p);
    *n = (int)len;
    return TERN_READY;
  }
}
/* [recv] */
