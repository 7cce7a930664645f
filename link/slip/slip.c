#include "tern/slip.h"

#include <string.h>

#include "tern/err.h"

/* ---- shared ---- */

/* The adapter's own waker, the one the stream holds for the write side:
 * whoever may be writing (a sender, the receiver) gets another go. */
static void tx_room(void *ctx) {
  tern_slip *s = ctx;
  tern_waker_slot_wake(&s->tx_waiter);
  tern_waker_slot_wake(&s->rx_waiter);
}

/* Gives back every packet the adapter holds and forgets buffered bytes. */
static void release(tern_slip *s) {
  tern_pkt_free(s->rx_pkt); /* NULL is a no-op */
  s->rx_pkt = NULL;
  tern_slip_decoder_reset(&s->dec);
  tern_slip_decoder_set_buffer(&s->dec, NULL, 0);
  if (s->tx_pos != s->tx_len) {
    /* Bytes not written: a packet accepted (counted in tx_packets) is
     * lost. A packet being encoded always has bytes here (pump_bytes
     * returns with none only once tx_pkt is NULL), but while it has not
     * started they are the tail of the one before (freed once encoded,
     * before its last bytes were written), and both are lost. */
    s->stats.tx_drop_down += 1u + !tern_slip_encoder_started(&s->enc);
  }
  tern_pkt_free(s->tx_pkt);
  s->tx_pkt = NULL;
  s->tx_pos = 0;
  s->tx_len = 0;
  s->rx_pos = 0;
  s->rx_len = 0;
}

/* End of stream (err 0) or a stream error: the adapter is done. */
static void close_adapter(tern_slip *s, int err) {
  if (s->closed) {
    return;
  }
  s->closed = 1;
  s->stream_err = err;
  if (s->rx_pkt != NULL && tern_slip_decoder_in_frame(&s->dec)) {
    s->rx_truncated++; /* a frame was cut short */
  }
  release(s);
  /* The link is gone for good: the layer above hears of it once. */
  s->events |= TERN_NETDEV_EV_LINK;
  tern_waker_slot_wake(&s->tx_waiter);
  tern_waker_slot_wake(&s->rx_waiter);
  tern_waker_slot_wake(&s->ev_waiter);
}

int tern_slip_init(tern_slip *slip, tern_stream stream, tern_pkt_pool *pkt_pool,
                   uint8_t *tx_buf, size_t tx_buf_size, size_t mtu) {
  if (slip == NULL || pkt_pool == NULL || tx_buf == NULL || tx_buf_size == 0 ||
      stream.ops == NULL) {
    return TERN_EINVAL;
  }
  if (mtu == 0) {
    mtu = TERN_SLIP_DEFAULT_MTU;
  }
  if (mtu < TERN_SLIP_MIN_MTU || mtu > TERN_PKT_MAX_BUF ||
      pkt_pool->buf_size < mtu) {
    return TERN_EINVAL;
  }
  memset(slip, 0, sizeof *slip);
  slip->stream = stream;
  slip->pool = pkt_pool;
  slip->mtu = (uint16_t)mtu;
  tern_slip_decoder_init(&slip->dec, NULL, 0);
  slip->tx_buf = tx_buf;
  slip->tx_cap = tx_buf_size;
  return 0;
}

/* ---- send ---- */

/* Moves accepted bytes towards the stream: encodes the packet in flight
 * into the transmit buffer, a bufferful at a time, and writes it. READY
 * once everything accepted has been written (*err 0) or the adapter closed
 * (*err TERN_ECLOSED); PENDING when the stream has no room, with the
 * adapter's waker held by the stream and cx's waker stored in `waiter`. */
static tern_poll pump_bytes(tern_slip *s, tern_cx *cx, tern_waker_slot *waiter,
                            int *err) {
  for (;;) {
    if (s->closed) {
      *err = TERN_ECLOSED;
      return TERN_READY;
    }
    if (s->tx_pos == s->tx_len) {
      if (s->tx_pkt == NULL) {
        *err = 0;
        return TERN_READY;
      }
      s->tx_pos = 0;
      s->tx_len = tern_slip_encoder_fill(&s->enc, s->tx_buf, s->tx_cap);
      if (tern_slip_encoder_done(&s->enc)) {
        /* Every byte is in tx_buf: the packet is no longer needed, and the
         * next one may be accepted. */
        tern_pkt_free(s->tx_pkt);
        s->tx_pkt = NULL;
        tern_waker_slot_wake(&s->tx_waiter);
      }
      continue;
    }
    tern_cx own = tern_cx_make((tern_waker){tx_room, s}, cx->timers);
    ptrdiff_t n;
    /* Registered before the write: the stream's interrupt may call tx_room
     * as soon as the write has stored its waker, before we return. */
    tern_waker_slot_register(waiter, cx);
    if (tern_stream_poll_write(&s->stream, &own, s->tx_buf + s->tx_pos,
                               s->tx_len - s->tx_pos, &n) == TERN_PENDING) {
      return TERN_PENDING;
    }
    if (n <= 0) {
      close_adapter(s, n < 0 ? (int)n : TERN_EIO);
      continue;
    }
    s->tx_pos += (size_t)n;
  }
}

/* pump_bytes registers cx before each write (the stream's interrupt may
 * call tx_room as soon as the write has stored it); once nothing is left
 * to wait for, the registration is withdrawn so no stale waker is kept. */
static tern_poll pump(tern_slip *s, tern_cx *cx, tern_waker_slot *waiter,
                      int *err) {
  tern_poll r = pump_bytes(s, cx, waiter, err);
  if (r == TERN_READY) {
    tern_waker_slot_clear(waiter);
  }
  return r;
}

static tern_poll slip_send(void *self, tern_cx *cx, tern_pkt *pkt, int *err) {
  tern_slip *s = self;
  if (s->closed) {
    s->stats.tx_drop_down++;
    tern_pkt_free(pkt);
    *err = TERN_ECLOSED;
    return TERN_READY;
  }
  size_t len = tern_pkt_len(pkt);
  if (len == 0) {
    /* No IP packet: nothing to frame (END END, which the far end drops). */
    tern_pkt_free(pkt);
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  if (len > s->mtu) {
    s->stats.tx_drop_too_long++;
    tern_pkt_free(pkt);
    *err = TERN_EMSGSIZE;
    return TERN_READY;
  }
  int perr;
  tern_poll r = pump(s, cx, &s->tx_waiter, &perr);
  if (s->closed) {
    s->stats.tx_drop_down++;
    tern_pkt_free(pkt);
    *err = TERN_ECLOSED;
    return TERN_READY;
  }
  if (s->tx_pkt != NULL) {
    /* The previous packet is still being encoded (so the pump is PENDING
     * and cx is registered): one packet in flight at a time. */
    return TERN_PENDING;
  }
  s->tx_pkt = pkt;
  tern_slip_encoder_start(&s->enc, tern_pkt_data(pkt), len);
  s->stats.tx_packets++;
  s->stats.tx_bytes += (uint32_t)len;
  if (r == TERN_READY) {
    /* The stream had room: start writing this packet now. Failures show
     * up on the next poll (the packet is accepted either way). */
    (void)pump(s, cx, &s->tx_waiter, &perr);
  }
  *err = 0;
  return TERN_READY;
}

tern_poll tern_slip_poll_flush(tern_slip *slip, tern_cx *cx, int *err) {
  return pump(slip, cx, &slip->tx_waiter, err);
}

/* ---- receive ---- */

/* Hands the decoded frame up in the packet it was decoded into. */
static void deliver(tern_slip *s, size_t len, tern_pkt **pkt) {
  tern_pkt *p = s->rx_pkt;
  s->rx_pkt = NULL;
  tern_slip_decoder_set_buffer(&s->dec, NULL, 0); /* between frames: no copy */
  (void)tern_pkt_put(p, len); /* the bytes are there already; len <= mtu */
  s->stats.rx_packets++;
  s->stats.rx_bytes += (uint32_t)len;
  *pkt = p;
}

static tern_poll slip_recv(void *self, tern_cx *cx, tern_pkt **pkt, int *err) {
  tern_slip *s = self;
  *pkt = NULL;
  if (!s->closed) {
    /* Bytes of an accepted packet may be waiting for room in the stream:
     * the receiver helps write them (see tern_slip.tx_waiter). */
    int perr;
    (void)pump(s, cx, &s->rx_waiter, &perr);
  }
  size_t budget = TERN_SLIP_RX_BUDGET;
  for (;;) {
    if (s->closed) {
      *err = TERN_ECLOSED;
      return TERN_READY;
    }
    if (s->rx_pos == s->rx_len) {
      if (budget == 0) {
        tern_cx_wake_now(cx); /* more may be waiting: let others run first */
        return TERN_PENDING;
      }
      ptrdiff_t n;
      if (tern_stream_poll_read(&s->stream, cx, s->rx_buf, sizeof s->rx_buf,
                                &n) == TERN_PENDING) {
        /* Kept here too: a close the stream does not see (a failed
         * write, tern_slip_shutdown) must wake a receiver waiting on a
         * silent line. */
        tern_waker_slot_register(&s->rx_waiter, cx);
        return TERN_PENDING;
      }
      if (n <= 0) {
        close_adapter(s, (int)n);
        continue;
      }
      s->rx_pos = 0;
      s->rx_len = (uint16_t)n;
    }
    const uint8_t *in = s->rx_buf + s->rx_pos;
    size_t avail = (size_t)(s->rx_len - s->rx_pos);
    size_t used;
    if (s->rx_skip) {
      /* No buffer for this frame: skip to its END. An END always ends a
       * frame in SLIP (even after ESC), so the decoder, which was between
       * frames when the skip began, is between frames again after it. */
      const uint8_t *end = memchr(in, TERN_SLIP_END, avail);
      used = end != NULL ? (size_t)(end - in) + 1 : avail;
      if (end != NULL) {
        s->rx_skip = 0;
      }
    } else if (s->rx_pkt == NULL && in[0] == TERN_SLIP_END) {
      /* Between frames with no buffer: an END (a leading one, or line
       * noise ended) needs no packet. The decoder counts it as empty. */
      size_t frame_len;
      used = tern_slip_decoder_feed(&s->dec, in, 1, &frame_len);
    } else {
      if (s->rx_pkt == NULL) {
        s->rx_pkt = tern_pkt_pool_try_alloc(s->pool);
        if (s->rx_pkt == NULL) {
          s->stats.rx_drop_nobuf++;
          s->rx_skip = 1;
          continue;
        }
        tern_slip_decoder_set_buffer(&s->dec, tern_pkt_data(s->rx_pkt), s->mtu);
      }
      size_t frame_len;
      used = tern_slip_decoder_feed(&s->dec, in, avail, &frame_len);
      if (frame_len > 0) {
        s->rx_pos = (uint16_t)(s->rx_pos + used);
        deliver(s, frame_len, pkt);
        *err = 0;
        return TERN_READY;
      }
    }
    s->rx_pos = (uint16_t)(s->rx_pos + used);
    budget = used < budget ? budget - used : 0;
  }
}

/* ---- the rest of the netdev ---- */

static void slip_info(void *self, tern_netdev_info *info) {
  tern_slip *s = self;
  memset(info, 0, sizeof *info);
  info->mtu = s->mtu;
  info->headroom = 0;
  info->tailroom = 0;
  info->medium = TERN_MEDIUM_IP;
  info->flags = s->closed ? 0 : TERN_NETDEV_UP;
}

static tern_poll slip_event(void *self, tern_cx *cx, uint32_t *events) {
  tern_slip *s = self;
  if (s->events == 0) {
    tern_waker_slot_register(&s->ev_waiter, cx);
    return TERN_PENDING;
  }
  *events = s->events;
  s->events = 0;
  return TERN_READY;
}

static const tern_netdev_stats *slip_stats(void *self) {
  tern_slip *s = self;
  /* The decoder counts what it drops; the netdev view adds them up. */
  s->stats.rx_drop_too_long = s->dec.stats.oversize;
  s->stats.rx_drop_malformed = s->dec.stats.bad_escape + s->rx_truncated;
  return &s->stats;
}

static const tern_netdev_ops slip_ops = {
    .poll_recv = slip_recv,
    .poll_send = slip_send,
    .get_info = slip_info,
    .get_stats = slip_stats,
    .poll_event = slip_event,
    .set_addr = NULL, /* no link addresses on a point-to-point line */
    .mcast = NULL,    /* every packet on the line is for us */
};

tern_netdev tern_slip_netdev(tern_slip *slip) {
  tern_netdev d = {&slip_ops, slip};
  return d;
}

void tern_slip_shutdown(tern_slip *slip) {
  close_adapter(slip, TERN_ECLOSED);
}

const tern_slip_stats *tern_slip_codec_stats(const tern_slip *slip) {
  return &slip->dec.stats;
}
