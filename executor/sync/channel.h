/* A bounded channel: a FIFO ring of fixed-size elements in caller storage,
 * between any number of senders and receivers. A sender waits while it is
 * full (backpressure), a receiver while it is empty; interrupt handlers
 * use the try_ functions, which never wait.
 *
 *   typedef struct { uint8_t *data; uint16_t len; } frame;
 *   static frame slots[4];  // capacity 4
 *   static tern_channel frames;
 *   tern_channel_init(&frames, slots, sizeof slots, sizeof slots[0]);
 *
 *   // a task, with `tern_waiter waiter` and `int err` in its state:
 *   TERN_CO_AWAIT(&s->co, tern_channel_poll_recv(&frames, cx, &s->waiter,
 *                                                &s->f, &s->err));
 *   if (s->err == TERN_ECLOSED) ...
 *
 *   // an interrupt handler:
 *   if (tern_channel_try_send(&frames, &f) != 0) stats.dropped++;
 *
 * Elements come out in the order they went in. Waiting senders (and
 * waiting receivers) are woken oldest first, one per free slot (element);
 * a sender that is not waiting, or an interrupt handler, can still take a
 * free slot before a woken sender runs, and that sender then waits again.
 *
 * State is guarded by the port's critical section; wakers are called
 * outside it. Each send or receive copies one element with interrupts
 * masked, so keep elements small (a pointer and a length, say). */
#ifndef TERN_CHANNEL_H
#define TERN_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/poll.h"
#include "tern/waitq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 40 bytes on a 32-bit target, plus the caller's element storage; each
 * waiting task brings its own 16-byte tern_waiter. Fields are private. */
typedef struct tern_channel {
  uint8_t *buf;
  size_t elem_size;
  size_t capacity; /* in elements */
  size_t head;     /* index of the oldest element */
  size_t count;    /* elements held */
  uint8_t closed;
  tern_waitq senders;   /* waiting for a free slot */
  tern_waitq receivers; /* waiting for an element */
} tern_channel;

/* Makes an empty, open channel over buf: buf_size bytes holding
 * buf_size / elem_size elements (a remainder is unused). buf must be
 * aligned for the element type and outlive the channel. Returns 0, or
 * TERN_EINVAL when ch or buf is NULL, elem_size is 0, or the buffer holds
 * no element. */
int tern_channel_init(tern_channel *ch, void *buf, size_t buf_size,
                      size_t elem_size);

/* Copies elem_size bytes from elem into the channel. READY with
 * *result = 0 when it did, or *result = TERN_ECLOSED (nothing sent) when
 * the channel is closed. PENDING while it is full, with the caller queued
 * through `waiter` (its own tern_waiter, initialised with TERN_WAITER_INIT,
 * which must stay in place until this returns READY or
 * tern_channel_cancel_send). Keep polling with the same arguments. For
 * tasks. */
tern_poll tern_channel_poll_send(tern_channel *ch, tern_cx *cx,
                                 tern_waiter *waiter, const void *elem,
                                 int *result);

/* Copies the oldest element into out (elem_size bytes). READY with
 * *result = 0 when it did, or *result = TERN_ECLOSED when the channel is
 * closed and drained. PENDING while it is empty and open, queued through
 * `waiter` as for tern_channel_poll_send. For tasks. */
tern_poll tern_channel_poll_recv(tern_channel *ch, tern_cx *cx,
                                 tern_waiter *waiter, void *out, int *result);

/* Sends without waiting: 0, TERN_EAGAIN when full, TERN_ECLOSED when
 * closed. Safe from interrupt handlers. */
int tern_channel_try_send(tern_channel *ch, const void *elem);

/* Receives without waiting: 0, TERN_EAGAIN when empty and open,
 * TERN_ECLOSED when closed and drained. Safe from interrupt handlers. */
int tern_channel_try_recv(tern_channel *ch, void *out);

/* Give up a pending send or receive (a timeout fired, a select chose
 * another branch): the waiter leaves the queue, and if a wake had already
 * chosen it, the wake goes to the next waiter so it is not lost. No-op for
 * a waiter that is not waiting. */
void tern_channel_cancel_send(tern_channel *ch, tern_waiter *waiter);
void tern_channel_cancel_recv(tern_channel *ch, tern_waiter *waiter);

/* Closes the channel and wakes every waiting sender and receiver. Sends
 * then fail with TERN_ECLOSED; receives return the elements still held,
 * then TERN_ECLOSED. Idempotent; safe from interrupt handlers. */
void tern_channel_close(tern_channel *ch);

/* Elements held now, and the capacity. */
size_t tern_channel_len(const tern_channel *ch);
size_t tern_channel_capacity(const tern_channel *ch);

/* Whether tern_channel_close was called. */
bool tern_channel_is_closed(const tern_channel *ch);

#ifdef __cplusplus
}
#endif

#endif /* TERN_CHANNEL_H */
