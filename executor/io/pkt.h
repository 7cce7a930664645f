/* Packet buffers: one contiguous buffer per packet, taken from a pool the
 * caller provides, with headroom in front so each layer on the way down
 * prepends its header in place and each layer on the way up strips its
 * header without copying.
 *
 *   buffer:  [ headroom | data (len bytes) | tailroom ]
 *            ^ start    ^ tern_pkt_data()
 *
 * Every operation that moves an edge is bounds-checked: when it would leave
 * the buffer it returns NULL (or an error) and leaves the packet unchanged.
 *
 * Ownership: a packet has exactly one owner at a time. Whoever holds it may
 * read and write its bytes and use its `next` link (to queue it); handing it
 * to another layer (tern_netdev send/receive) hands over ownership; the
 * last owner frees it with tern_pkt_free().
 *
 * Interrupt safety: the pool's free list and waiter queue are guarded by the
 * port's critical section, so tern_pkt_pool_try_alloc() and tern_pkt_free()
 * may be called from interrupt handlers (a receive ISR, a transmit-done
 * ISR). The packet edge operations are not locked: only the owner touches
 * a packet. */
#ifndef TERN_PKT_H
#define TERN_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/poll.h"
#include "tern/waitq.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tern_pkt_pool;

/* How a received packet was addressed at the link layer: tern_pkt.link_cast.
 * The device that parsed the link header sets it (the Ethernet adapter);
 * point-to-point links have no link addresses and leave it unicast. The IP
 * layer uses it for RFC 1122 3.3.6 (a unicast datagram in a link broadcast
 * is dropped) and 3.2.2 (no ICMP error about a link broadcast). */
typedef enum tern_pkt_link_cast {
  TERN_PKT_LINK_UNICAST = 0,   /* to our own link address, or no addresses */
  TERN_PKT_LINK_BROADCAST = 1, /* to the link's broadcast address */
  TERN_PKT_LINK_MULTICAST = 2, /* to a link group address we joined */
  TERN_PKT_LINK_LOOPBACK = 3,  /* looped back by the IP layer, never sent
                                  (no device sets it) */
} tern_pkt_link_cast;

/* The per-packet header, stored just in front of its buffer: 16 bytes on a
 * 32-bit target (24 on a 64-bit host). The buffer's capacity lives in the
 * pool, not here. Read it through the accessors below; the fields are
 * public only so the accessors can be inline. */
typedef struct tern_pkt {
  struct tern_pkt *next;      /* free for the owner's queues */
  struct tern_pkt_pool *pool; /* where tern_pkt_free() returns it */
  uint16_t head;              /* offset of the first data byte */
  uint16_t len;               /* bytes of data */
  uint8_t link_cast;          /* a tern_pkt_link_cast; 0 from the pool */
} tern_pkt;

/* Largest buffer a pool may hand out: offsets are 16-bit, a slot (header
 * and buffer) must fit in 16 bits, and head == 0xffff marks a free
 * packet. */
#define TERN_PKT_MAX_BUF 0xff00u

/* Pool statistics. Counters wrap at 2^32. */
typedef struct tern_pkt_pool_stats {
  uint32_t allocs;    /* packets handed out */
  uint32_t frees;     /* packets returned */
  uint32_t failures;  /* try_alloc found no free packet */
  uint32_t waits;     /* poll_alloc had to wait for a free packet */
  uint32_t bad_frees; /* tern_pkt_free of a packet already free (ignored) */
  uint16_t low_water; /* fewest free packets there have ever been */
} tern_pkt_pool_stats;

/* A fixed set of equal-sized packets over caller storage. Define one with
 * TERN_PKT_POOL_DEFINE or set one up with tern_pkt_pool_init. Packets are
 * carved from the storage on first use, so a statically initialised pool
 * needs no init call. */
typedef struct tern_pkt_pool {
  uint8_t *storage;    /* count slots of `stride` bytes */
  tern_pkt *free_list; /* freed packets, LIFO */
  uint16_t stride;     /* bytes per slot: header + buffer, aligned */
  uint16_t buf_size;   /* capacity of each packet's buffer */
  uint16_t count;      /* packets in the pool */
  uint16_t carved;     /* slots handed out at least once */
  uint16_t nfree;      /* packets free now */
  uint16_t reserved;   /* free packets promised to woken waiters */
  uint16_t rx_reserve; /* free packets poll_alloc leaves for try_alloc */
  tern_waitq waiters;  /* tasks waiting in poll_alloc, FIFO */
  tern_pkt_pool_stats stats;
} tern_pkt_pool;

/* Bytes one slot takes for buffers of buf_size bytes: the header and the
 * buffer, rounded up so the next header is aligned. */
#define TERN_PKT_STRIDE(buf_size)                                        \
  ((sizeof(tern_pkt) + (size_t)(buf_size) + __alignof__(tern_pkt) - 1) & \
   ~(size_t)(__alignof__(tern_pkt) - 1))

/* Storage for count packets of buf_size bytes. */
#define TERN_PKT_POOL_STORAGE_SIZE(count, buf_size) \
  ((size_t)(count)*TERN_PKT_STRIDE(buf_size))

#ifdef __cplusplus
#define TERN__PKT_STATIC_ASSERT(c, msg) static_assert(c, msg)
#else
#define TERN__PKT_STATIC_ASSERT(c, msg) _Static_assert(c, msg)
#endif

/* Defines `name`, a static tern_pkt_pool of `count` packets with
 * `buf_size`-byte buffers, and its static storage. Use at file scope (or
 * in a function for a pool private to it); hand others a pointer to it:
 *
 *   TERN_PKT_POOL_DEFINE(tx_pool, 4, 1536);
 *   ... tern_pkt_pool_poll_alloc(&tx_pool, cx, &s->waiter, &s->pkt) ...
 *
 * The pool is usable at once; no init call. */
#define TERN_PKT_POOL_DEFINE(name, count, buf_size)                           \
  TERN__PKT_STATIC_ASSERT((buf_size) > 0 && (buf_size) <= TERN_PKT_MAX_BUF,   \
                          "TERN_PKT_POOL_DEFINE: buf_size must be 1..65280"); \
  TERN__PKT_STATIC_ASSERT((count) > 0 && (count) <= 0xffff,                   \
                          "TERN_PKT_POOL_DEFINE: count must be 1..65535");    \
  static uint8_t name##_storage[TERN_PKT_POOL_STORAGE_SIZE(count, buf_size)]  \
      __attribute__((aligned(__alignof__(tern_pkt))));                        \
  static tern_pkt_pool name = {name##_storage,                                \
                               NULL,                                          \
                               (uint16_t)TERN_PKT_STRIDE(buf_size),           \
                               (uint16_t)(buf_size),                          \
                               (uint16_t)(count),                             \
                               0,                                             \
                               (uint16_t)(count),                             \
                               0,                                             \
                               0,                                             \
                               TERN_WAITQ_INIT,                               \
                               {0, 0, 0, 0, 0, (uint16_t)(count)}}

/* Sets up a pool over `storage` (aligned for tern_pkt, e.g. from
 * TERN_PKT_POOL_STORAGE_SIZE) with as many buf_size-byte packets as fit,
 * up to 65535. Returns the number of packets, or TERN_EINVAL when pool or
 * storage is NULL, buf_size is 0 or above TERN_PKT_MAX_BUF, storage is
 * misaligned, or not even one packet fits. Do not call it while packets are out
 * or tasks wait. */
int tern_pkt_pool_init(tern_pkt_pool *pool, void *storage, size_t storage_size,
                       size_t buf_size);

/* Allocates a packet, waiting while the pool is exhausted: READY with an
 * empty packet in *out (headroom 0, len 0, next NULL), or PENDING with the
 * caller queued on `waiter` (storage in the caller's state, initialised
 * with TERN_WAITER_INIT) and its waker registered. Each freed packet wakes
 * one waiter, first come first served, and is kept for that waiter until
 * it polls again, so a newcomer cannot take it. A waiter that stops
 * polling before READY must call tern_pkt_pool_cancel_alloc(). */
tern_poll tern_pkt_pool_poll_alloc(tern_pkt_pool *pool, tern_cx *cx,
                                   tern_waiter *waiter, tern_pkt **out);

/* Withdraws a waiter from poll_alloc. If a freed packet had been kept for
 * it, the packet goes to the next waiter. A no-op for an idle waiter. */
void tern_pkt_pool_cancel_alloc(tern_pkt_pool *pool, tern_waiter *waiter);

/* Keeps the last n free packets of the pool for tern_pkt_pool_try_alloc:
 * poll_alloc waits while n or fewer are free (not counting those kept for
 * woken waiters). Receive paths take packets with try_alloc and senders
 * with poll_alloc, so a burst of sends cannot leave the receivers nothing
 * (a sender waiting for an acknowledgement it can no longer receive would
 * wait for ever). 0, the default, keeps none. n is capped at count - 1, so
 * a sender can always get a packet in the end. */
void tern_pkt_pool_set_rx_reserve(tern_pkt_pool *pool, uint16_t n);

/* Allocates a packet without waiting, for receive paths (including
 * interrupt handlers) that drop rather than wait: an empty packet, or NULL
 * (counted in stats.failures) when none is free. Packets kept for woken
 * waiters are not available here. */
tern_pkt *tern_pkt_pool_try_alloc(tern_pkt_pool *pool);

/* Allocates a packet without waiting, for a sender that sends now or
 * leaves it to a task that can wait (TCP's ACK from its input path): an
 * empty packet when poll_alloc would hand one out at once, beyond the
 * receive reserve and the packets kept for woken waiters; else NULL, not
 * counted as a failure. Task context. */
tern_pkt *tern_pkt_pool_try_alloc_tx(tern_pkt_pool *pool);

/* Returns a packet to its pool and wakes the longest waiter, if any.
 * NULL is a no-op; freeing a packet that is already free is ignored and
 * counted in stats.bad_frees. The caller must own the packet and must not
 * touch it afterwards. */
void tern_pkt_free(tern_pkt *pkt);

/* Packets free now (including those kept for woken waiters). */
size_t tern_pkt_pool_available(const tern_pkt_pool *pool);

/* A copy of the pool's statistics. */
tern_pkt_pool_stats tern_pkt_pool_get_stats(const tern_pkt_pool *pool);

/* ---- packet accessors and edge moves (owner only) ---- */

/* The start of the buffer (the front of the headroom). */
static inline uint8_t *tern__pkt_buf(const tern_pkt *p) {
  return (uint8_t *)(uintptr_t)(p + 1);
}

/* Bytes at the front of the buffer that carry an outgoing IP packet's
 * next hop: 4 for IPv4, 16 for IPv6. */
#define TERN_PKT_NEXT_HOP4_LEN 4
#define TERN_PKT_NEXT_HOP6_LEN 16

/* The next hop of an outgoing IP packet, for a device on a multi-access
 * link that resolves it to a link address (the Ethernet adapter: ARP, and
 * NDP later). It is kept in the first bytes of the buffer, the far end of
 * the headroom, so it costs no header bytes: TERN_PKT_NEXT_HOP4_LEN bytes
 * for an IPv4 packet, TERN_PKT_NEXT_HOP6_LEN for IPv6 (the version nibble
 * of the data says which). The IP layer writes it for a device whose info
 * has TERN_NETDEV_NEXT_HOP (tern/netdev.h); that device counts those bytes
 * in its info.headroom, so the headers pushed in front of the data never
 * reach them. Only the packet's owner reads or writes them. */
static inline uint8_t *tern_pkt_next_hop(const tern_pkt *p) {
  return tern__pkt_buf(p);
}

/* Capacity of the packet's buffer in bytes. */
static inline size_t tern_pkt_capacity(const tern_pkt *p) {
  return p->pool->buf_size;
}

/* The first data byte. */
static inline uint8_t *tern_pkt_data(const tern_pkt *p) {
  return tern__pkt_buf(p) + p->head;
}

/* Bytes of data. */
static inline size_t tern_pkt_len(const tern_pkt *p) {
  return p->len;
}

/* Bytes free in front of the data (room for tern_pkt_push). */
static inline size_t tern_pkt_headroom(const tern_pkt *p) {
  return p->head;
}

/* Bytes free after the data (room for tern_pkt_put). */
static inline size_t tern_pkt_tailroom(const tern_pkt *p) {
  return (size_t)p->pool->buf_size - p->head - p->len;
}

/* Grows the data by n bytes at the front (a layer prepending its header)
 * and returns the new first byte, or NULL with the packet unchanged when
 * the headroom is smaller than n. */
static inline uint8_t *tern_pkt_push(tern_pkt *p, size_t n) {
  if (n > p->head) {
    return NULL;
  }
  p->head = (uint16_t)(p->head - n);
  p->len = (uint16_t)(p->len + n);
  return tern_pkt_data(p);
}

/* Strips n bytes from the front (a layer consuming its header) and returns
 * the new first byte, or NULL with the packet unchanged when the packet
 * holds fewer than n bytes. */
static inline uint8_t *tern_pkt_pull(tern_pkt *p, size_t n) {
  if (n > p->len) {
    return NULL;
  }
  p->head = (uint16_t)(p->head + n);
  p->len = (uint16_t)(p->len - n);
  return tern_pkt_data(p);
}

/* Grows the data by n bytes at the tail and returns the first of them
 * (where to write the appended bytes), or NULL with the packet unchanged
 * when the tailroom is smaller than n. */
static inline uint8_t *tern_pkt_put(tern_pkt *p, size_t n) {
  if (n > tern_pkt_tailroom(p)) {
    return NULL;
  }
  uint8_t *tail = tern_pkt_data(p) + p->len;
  p->len = (uint16_t)(p->len + n);
  return tail;
}

/* Shortens the data to len bytes (dropping trailing padding or a
 * trailer). Returns 0, or TERN_EINVAL with the packet unchanged when len
 * is longer than the data. */
static inline int tern_pkt_trim(tern_pkt *p, size_t len) {
  if (len > p->len) {
    return TERN_EINVAL;
  }
  p->len = (uint16_t)len;
  return 0;
}

/* Sets the headroom of an empty packet to exactly `headroom` bytes, so the
 * layers below can push their headers after the caller has put its
 * payload. Returns 0, TERN_EINVAL if the packet holds data, or TERN_ENOSPC
 * if headroom exceeds the capacity; the packet is unchanged on error. An
 * empty received packet can be reused this way after tern_pkt_trim(p, 0). */
static inline int tern_pkt_reserve(tern_pkt *p, size_t headroom) {
  if (p->len != 0) {
    return TERN_EINVAL;
  }
  if (headroom > tern_pkt_capacity(p)) {
    return TERN_ENOSPC;
  }
  p->head = (uint16_t)headroom;
  return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_PKT_H */
