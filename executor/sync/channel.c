#include "tern/channel.h"

#include <string.h>

#include "tern/port.h"

/* Slot i's bytes. Cortex-M0 multiplies in one instruction but has no
 * divide, so ring indices wrap by subtraction, never with %. */
static uint8_t *slot(const tern_channel *ch, size_t i) {
  return ch->buf + i * ch->elem_size;
}

/* In the critical section, with count < capacity. */
static void push(tern_channel *ch, const void *elem) {
  size_t tail = ch->head + ch->count;
  if (tail >= ch->capacity) {
    tail -= ch->capacity;
  }
  memcpy(slot(ch, tail), elem, ch->elem_size);
  ch->count++;
}

/* In the critical section, with count > 0. */
static void pop(tern_channel *ch, void *out) {
  memcpy(out, slot(ch, ch->head), ch->elem_size);
  ch->head++;
  if (ch->head == ch->capacity) {
    ch->head = 0;
  }
  ch->count--;
}

/* In the critical section: queues w (or refreshes its waker). A wake that
 * had chosen w but whose slot or element someone else took first is used
 * up here, and w queues again at the back. */
static void wait_on(tern_waitq *q, tern_waiter *w, tern_cx *cx) {
  if (tern_waitq_poll(q, w, cx) == TERN_READY) {
    (void)tern_waitq_poll(q, w, cx);
  }
}

int tern_channel_init(tern_channel *ch, void *buf, size_t buf_size,
                      size_t elem_size) {
  if (ch == NULL || buf == NULL || elem_size == 0 || buf_size < elem_size) {
    return TERN_EINVAL;
  }
  ch->buf = (uint8_t *)buf;
  ch->elem_size = elem_size;
  ch->capacity = buf_size / elem_size;
  ch->head = 0;
  ch->count = 0;
  ch->closed = 0;
  ch->senders.head = NULL;
  ch->senders.tail = NULL;
  ch->receivers.head = NULL;
  ch->receivers.tail = NULL;
  return 0;
}

tern_poll tern_channel_poll_send(tern_channel *ch, tern_cx *cx,
                                 tern_waiter *waiter, const void *elem,
                                 int *result) {
  tern_irqstate s = tern_port_critical_enter();
  if (ch->closed) {
    (void)tern_waitq_remove(&ch->senders, waiter);
    tern_port_critical_exit(s);
    *result = TERN_ECLOSED;
    return TERN_READY;
  }
  if (ch->count < ch->capacity) {
    push(ch, elem);
    (void)tern_waitq_remove(&ch->senders, waiter);
    tern_port_critical_exit(s);
    tern_waitq_wake_one(&ch->receivers);
    *result = 0;
    return TERN_READY;
  }
  wait_on(&ch->senders, waiter, cx);
  tern_port_critical_exit(s);
  return TERN_PENDING;
}

tern_poll tern_channel_poll_recv(tern_channel *ch, tern_cx *cx,
                                 tern_waiter *waiter, void *out, int *result) {
  tern_irqstate s = tern_port_critical_enter();
  if (ch->count > 0) {
    pop(ch, out);
    (void)tern_waitq_remove(&ch->receivers, waiter);
    tern_port_critical_exit(s);
    tern_waitq_wake_one(&ch->senders);
    *result = 0;
    return TERN_READY;
  }
  if (ch->closed) {
    (void)tern_waitq_remove(&ch->receivers, waiter);
    tern_port_critical_exit(s);
    *result = TERN_ECLOSED;
    return TERN_READY;
  }
  wait_on(&ch->receivers, waiter, cx);
  tern_port_critical_exit(s);
  return TERN_PENDING;
}

int tern_channel_try_send(tern_channel *ch, const void *elem) {
  tern_irqstate s = tern_port_critical_enter();
  if (ch->closed) {
    tern_port_critical_exit(s);
    return TERN_ECLOSED;
  }
  if (ch->count == ch->capacity) {
    tern_port_critical_exit(s);
    return TERN_EAGAIN;
  }
  push(ch, elem);
  tern_port_critical_exit(s);
  tern_waitq_wake_one(&ch->receivers);
  return 0;
}

int tern_channel_try_recv(tern_channel *ch, void *out) {
  tern_irqstate s = tern_port_critical_enter();
  if (ch->count == 0) {
    int r = ch->closed ? TERN_ECLOSED : TERN_EAGAIN;
    tern_port_critical_exit(s);
    return r;
  }
  pop(ch, out);
  tern_port_critical_exit(s);
  tern_waitq_wake_one(&ch->senders);
  return 0;
}

void tern_channel_cancel_send(tern_channel *ch, tern_waiter *waiter) {
  tern_waitq_cancel(&ch->senders, waiter);
}

void tern_channel_cancel_recv(tern_channel *ch, tern_waiter *waiter) {
  tern_waitq_cancel(&ch->receivers, waiter);
}

void tern_channel_close(tern_channel *ch) {
  tern_irqstate s = tern_port_critical_enter();
  ch->closed = 1;
  tern_port_critical_exit(s);
  tern_waitq_wake_all(&ch->senders);
  tern_waitq_wake_all(&ch->receivers);
}

size_t tern_channel_len(const tern_channel *ch) {
  tern_irqstate s = tern_port_critical_enter();
  size_t n = ch->count;
  tern_port_critical_exit(s);
  return n;
}

size_t tern_channel_capacity(const tern_channel *ch) {
  return ch->capacity;
}

bool tern_channel_is_closed(const tern_channel *ch) {
  tern_irqstate s = tern_port_critical_enter();
  bool closed = ch->closed != 0;
  tern_port_critical_exit(s);
  return closed;
}
