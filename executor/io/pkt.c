#include "tern/pkt.h"

#include "tern/err.h"
#include "tern/port.h"

/* head value that marks a packet sitting in its pool's free list. */
#define PKT_FREE_MARK 0xffffu

_Static_assert(TERN_PKT_STRIDE(TERN_PKT_MAX_BUF) <= 0xffff,
               "TERN_PKT_MAX_BUF: a slot must fit in a 16-bit stride");

int tern_pkt_pool_init(tern_pkt_pool *pool, void *storage, size_t storage_size,
                       size_t buf_size) {
  if (pool == NULL || buf_size == 0 || buf_size > TERN_PKT_MAX_BUF ||
      storage == NULL || ((uintptr_t)storage % __alignof__(tern_pkt)) != 0) {
    return TERN_EINVAL;
  }
  size_t stride = TERN_PKT_STRIDE(buf_size);
  size_t count = storage_size / stride;
  if (count == 0) {
    return TERN_EINVAL;
  }
  if (count > 0xffff) {
    count = 0xffff;
  }
  pool->storage = (uint8_t *)storage;
  pool->free_list = NULL;
  pool->stride = (uint16_t)stride;
  pool->buf_size = (uint16_t)buf_size;
  pool->count = (uint16_t)count;
  pool->carved = 0;
  pool->nfree = (uint16_t)count;
  pool->reserved = 0;
  pool->rx_reserve = 0;
  pool->waiters = (tern_waitq)TERN_WAITQ_INIT;
  pool->stats = (tern_pkt_pool_stats){0, 0, 0, 0, 0, (uint16_t)count};
  return (int)count;
}

/* Takes a free packet; called in the critical section with nfree > 0. */
static tern_pkt *take(tern_pkt_pool *pool) {
  tern_pkt *p = pool->free_list;
  if (p != NULL) {
    pool->free_list = p->next;
  } else {
    /* Never-used slots come after every freed one. */
    p = (tern_pkt *)(void *)(pool->storage +
                             (size_t)pool->carved * pool->stride);
    pool->carved++;
    p->pool = pool;
  }
  pool->nfree--;
  if (pool->nfree < pool->stats.low_water) {
    pool->stats.low_water = pool->nfree;
  }
  pool->stats.allocs++;
  p->next = NULL;
  p->head = 0;
  p->len = 0;
  p->link_cast = TERN_PKT_LINK_UNICAST;
  return p;
}

/* Hands free packets that no woken waiter has claimed to queued waiters,
 * one waiter per packet. Wakers run outside the critical section. */
static void kick(tern_pkt_pool *pool) {
  for (;;) {
    tern_irqstate s = tern_port_critical_enter();
    if (pool->nfree <= pool->reserved + pool->rx_reserve ||
        tern__waitq_empty_locked(&pool->waiters)) {
      tern_port_critical_exit(s);
      return;
    }
    pool->reserved++;
    tern_port_critical_exit(s);
    if (!tern_waitq_wake_one(&pool->waiters)) {
      /* The waiter cancelled meanwhile: take the promise back and look
       * again. */
      s = tern_port_critical_enter();
      pool->reserved--;
      tern_port_critical_exit(s);
    }
  }
}

tern_poll tern_pkt_pool_poll_alloc(tern_pkt_pool *pool, tern_cx *cx,
                                   tern_waiter *waiter, tern_pkt **out) {
  tern_poll r = TERN_READY;
  tern_irqstate s = tern_port_critical_enter();
  bool fresh = tern_waiter_idle(waiter);
  if (!fresh || pool->nfree <= pool->reserved + pool->rx_reserve) {
    /* Already waiting: READY from the queue means a packet was kept for
     * us; otherwise this refreshes the waker. A fresh waiter starts to
     * wait (PENDING: it is never woken yet). */
    if (fresh) {
      pool->stats.waits++;
    }
    r = tern_waitq_poll(&pool->waiters, waiter, cx);
    if (r == TERN_READY) {
      pool->reserved--;
    }
  }
  if (r == TERN_READY) {
    *out = take(pool);
  }
  tern_port_critical_exit(s);
  return r;
}

void tern_pkt_pool_cancel_alloc(tern_pkt_pool *pool, tern_waiter *waiter) {
  tern_irqstate s = tern_port_critical_enter();
  if (tern_waitq_remove(&pool->waiters, waiter)) {
    /* A packet was kept for this waiter: give the promise back (the wait
     * queue passes nothing on by itself) and let kick() offer the packet
     * to the next waiter. */
    pool->reserved--;
  }
  tern_port_critical_exit(s);
  kick(pool);
}

void tern_pkt_pool_set_rx_reserve(tern_pkt_pool *pool, uint16_t n) {
  tern_irqstate s = tern_port_critical_enter();
  pool->rx_reserve = n < pool->count ? n : (uint16_t)(pool->count - 1);
  tern_port_critical_exit(s);
  kick(pool); /* a smaller reserve may let waiters in */
}

tern_pkt *tern_pkt_pool_try_alloc(tern_pkt_pool *pool) {
  tern_pkt *p = NULL;
  tern_irqstate s = tern_port_critical_enter();
  if (pool->nfree > pool->reserved) {
    p = take(pool);
  } else {
    pool->stats.failures++;
  }
  tern_port_critical_exit(s);
  return p;
}

tern_pkt *tern_pkt_pool_try_alloc_tx(tern_pkt_pool *pool) {
  tern_pkt *p = NULL;
  tern_irqstate s = tern_port_critical_enter();
  /* What is above the promises and the receive reserve: kick() promises
   * such packets to queued waiters, but only after the free that made
   * them has left its section, so an interrupt (or, on the host, another
   * thread) may take one here first. Nothing is lost: the waiter is
   * served by the next free. */
  if (pool->nfree > pool->reserved + pool->rx_reserve) {
    p = take(pool);
  }
  tern_port_critical_exit(s);
  return p;
}

void tern_pkt_free(tern_pkt *pkt) {
  if (pkt == NULL) {
    return;
  }
  tern_pkt_pool *pool = pkt->pool;
  tern_irqstate s = tern_port_critical_enter();
  if (pkt->head == PKT_FREE_MARK) {
    pool->stats.bad_frees++;
    tern_port_critical_exit(s);
    return;
  }
  pkt->head = PKT_FREE_MARK;
  pkt->len = 0;
  pkt->next = pool->free_list;
  pool->free_list = pkt;
  pool->nfree++;
  pool->stats.frees++;
  /* Only a waiter queued now can want this packet: one that queues later
   * finds it free when it looks (tern_pkt_pool_poll_alloc, in the
   * section), so most frees hand nothing on and skip kick(). */
  bool waiting = !tern__waitq_empty_locked(&pool->waiters);
  tern_port_critical_exit(s);
  if (waiting) {
    kick(pool);
  }
}

size_t tern_pkt_pool_available(const tern_pkt_pool *pool) {
  tern_irqstate s = tern_port_critical_enter();
  size_t n = pool->nfree;
  tern_port_critical_exit(s);
  return n;
}

tern_pkt_pool_stats tern_pkt_pool_get_stats(const tern_pkt_pool *pool) {
  tern_irqstate s = tern_port_critical_enter();
  tern_pkt_pool_stats st = pool->stats;
  tern_port_critical_exit(s);
  return st;
}

/* The header size README.md promises for 32-bit targets. */
_Static_assert(sizeof(void *) != 4 || sizeof(tern_pkt) == 16,
               "tern_pkt is 16 bytes on 32-bit targets; update README.md");
