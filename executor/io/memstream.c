#include "tern/memstream.h"

#include <string.h>

#include "tern/err.h"

static void ring_init(tern_memstream_ring *r, uint8_t *buf, size_t cap) {
  r->buf = buf;
  r->cap = cap;
  r->start = 0;
  r->len = 0;
  r->reader.waker.wake = NULL;
  r->reader.waker.ctx = NULL;
  r->writer.waker.wake = NULL;
  r->writer.waker.ctx = NULL;
  r->closed = false;
}

int tern_memstream_init(tern_memstream_pair *pair, uint8_t *ab_buf,
                        size_t ab_cap, uint8_t *ba_buf, size_t ba_cap) {
  if (pair == NULL || ab_buf == NULL || ab_cap == 0 || ba_buf == NULL ||
      ba_cap == 0) {
    return TERN_EINVAL;
  }
  ring_init(&pair->ab, ab_buf, ab_cap);
  ring_init(&pair->ba, ba_buf, ba_cap);
  pair->a.rx = &pair->ba;
  pair->a.tx = &pair->ab;
  pair->a.max_io = 0;
  pair->a.error = 0;
  pair->b.rx = &pair->ab;
  pair->b.tx = &pair->ba;
  pair->b.max_io = 0;
  pair->b.error = 0;
  return 0;
}

static size_t clamp(const tern_memstream_end *e, size_t len) {
  return (e->max_io != 0 && len > e->max_io) ? e->max_io : len;
}

static tern_poll mem_read(void *self, tern_cx *cx, void *buf, size_t len,
                          ptrdiff_t *n) {
  tern_memstream_end *e = self;
  tern_memstream_ring *r = e->rx;
  if (e->error != 0) {
    *n = e->error;
    return TERN_READY;
  }
  if (r->len == 0) {
    if (r->closed) {
      *n = 0;
      return TERN_READY;
    }
    tern_waker_slot_register(&r->reader, cx);
    return TERN_PENDING;
  }
  size_t want = clamp(e, len);
  if (want > r->len) {
    want = r->len;
  }
  /* At most two pieces: up to the end of the storage, then from its
   * start. */
  size_t first = r->cap - r->start;
  if (first > want) {
    first = want;
  }
  memcpy(buf, r->buf + r->start, first);
  memcpy((uint8_t *)buf + first, r->buf, want - first);
  r->start = (r->start + want) % r->cap;
  r->len -= want;
  *n = (ptrdiff_t)want;
  tern_waker_slot_wake(&r->writer); /* room for writing, or flushed */
  return TERN_READY;
}

static tern_poll mem_write(void *self, tern_cx *cx, const void *buf, size_t len,
                           ptrdiff_t *n) {
  tern_memstream_end *e = self;
  tern_memstream_ring *r = e->tx;
  if (e->error != 0) {
    *n = e->error;
    return TERN_READY;
  }
  if (r->closed) {
    *n = TERN_ECLOSED;
    return TERN_READY;
  }
  if (r->len == r->cap) {
    tern_waker_slot_register(&r->writer, cx);
    return TERN_PENDING;
  }
  size_t want = clamp(e, len);
  if (want > r->cap - r->len) {
    want = r->cap - r->len;
  }
  size_t end = (r->start + r->len) % r->cap;
  size_t first = r->cap - end;
  if (first > want) {
    first = want;
  }
  memcpy(r->buf + end, buf, first);
  memcpy(r->buf, (const uint8_t *)buf + first, want - first);
  r->len += want;
  *n = (ptrdiff_t)want;
  tern_waker_slot_wake(&r->reader);
  return TERN_READY;
}

static tern_poll mem_flush(void *self, tern_cx *cx, int *err) {
  tern_memstream_end *e = self;
  tern_memstream_ring *r = e->tx;
  if (e->error != 0) {
    *err = e->error;
    return TERN_READY;
  }
  if (r->len != 0) {
    tern_waker_slot_register(&r->writer, cx);
    return TERN_PENDING;
  }
  *err = 0;
  return TERN_READY;
}

static tern_poll mem_close(void *self, tern_cx *cx, int *err) {
  tern_memstream_end *e = self;
  tern_memstream_ring *r = e->tx;
  if (e->error != 0) {
    *err = e->error;
    return TERN_READY;
  }
  if (!r->closed) {
    /* Bytes already written stay readable before the end of stream, so
     * closing need not wait for the peer to drain them. */
    r->closed = true;
    tern_waker_slot_wake(&r->reader);
  }
  (void)cx;
  *err = 0;
  return TERN_READY;
}

static const tern_stream_ops mem_ops = {mem_read, mem_write, mem_flush,
                                        mem_close};

tern_stream tern_memstream_a(tern_memstream_pair *pair) {
  tern_stream s = {&mem_ops, &pair->a};
  return s;
}

tern_stream tern_memstream_b(tern_memstream_pair *pair) {
  tern_stream s = {&mem_ops, &pair->b};
  return s;
}

void tern_memstream_set_max_io(tern_memstream_end *end, size_t max_io) {
  end->max_io = max_io;
}

int tern_memstream_set_error(tern_memstream_end *end, int err) {
  if (err > 0) {
    return TERN_EINVAL;
  }
  end->error = err;
  tern_waker_slot_wake(&end->rx->reader);
  tern_waker_slot_wake(&end->tx->writer);
  return 0;
}

size_t tern_memstream_pending_ab(const tern_memstream_pair *pair) {
  return pair->ab.len;
}

size_t tern_memstream_pending_ba(const tern_memstream_pair *pair) {
  return pair->ba.len;
}
