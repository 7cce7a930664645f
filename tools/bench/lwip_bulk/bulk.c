/* lwIP 2.1.3's counterpart of tern's transport/tcp/bench/tcp_bulk_bench.c,
 * for tools/bench/lwip_bulk.sh: BYTES (default 16 MB) one way over TCP
 * between two interfaces of one lwIP instance (lwIP's state is global, so
 * "two stacks in one process" is two netifs of one stack; each packet
 * leaves by the interface that owns its source address). NO_SYS=1, the
 * raw TCP API, on a virtual clock that jumps to the next timeout when
 * nothing moves.
 *
 * The memory link: a netif's output copies the packet into a pool pbuf
 * (lwIP keeps the one it sent for retransmission, and the receiving
 * side's input changes the pbuf it is given, so the link cannot pass it
 * by reference as tern's memory netdev passes its packets) and queues it
 * for the other interface; the main loop hands queued packets to
 * ip4_input. That copy is the link's, not lwIP's: it is the function
 * link_output, which lwip_bulk.sh reports apart.
 *
 * The application, as tern's: the sender writes from a 64 KB pattern with
 * TCP_WRITE_FLAG_COPY (lwIP copies into its buffers, as tern copies into
 * its send ring); the receiver copies what it is handed into a 16 KB
 * buffer (as tern's read copies out of its ring), then tcp_recved and
 * pbuf_free. --verify checks every byte.
 *
 * With --zero-copy, lwIP's own zero-copy paths, the counterpart of tern's
 * tcp_bulk_bench --zero-copy: the sender calls tcp_write without
 * TCP_WRITE_FLAG_COPY, so lwIP's segments refer to the static pattern
 * (PBUF_ROM pbufs: the pattern never changes, so it stays valid until
 * acknowledged) and nothing is copied into lwIP's heap; the receiver reads
 * each pbuf's payload where it lies (counting it, and with --verify
 * checking it) with no pbuf_copy_partial into a buffer, then tcp_recved
 * and pbuf_free.
 *
 *   bulk [BYTES] [--verify] [--zero-copy]
 *
 * Exits 0 when the receiver got exactly BYTES and end of stream. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#define RING 65536
#define CHUNK 16384
#define PORT 5001
#define QUEUE 256

static uint32_t now_ms;

u32_t sys_now(void) {
  return now_ms;
}

static uint64_t rng_state = 1;

uint32_t bench_rand(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return (uint32_t)(z ^ (z >> 31));
}

/* ---- The memory link ---------------------------------------------------- */

typedef struct queue {
  struct pbuf *p[QUEUE];
  unsigned head, len;
} queue;

static struct netif na, nb;
static queue to_a, to_b;
static unsigned link_drops;
static unsigned sent_ab, sent_ba; /* packets A -> B (data), B -> A (ACKs) */

struct netif *bench_route(const struct ip4_addr *src,
                          const struct ip4_addr *dest) {
  (void)dest;
  if (ip4_addr_cmp(src, netif_ip4_addr(&na))) {
    return &na;
  }
  if (ip4_addr_cmp(src, netif_ip4_addr(&nb))) {
    return &nb;
  }
  return NULL;
}

__attribute__((noinline)) static err_t link_output(struct netif *netif,
                                                   struct pbuf *p,
                                                   const ip4_addr_t *next) {
  (void)next;
  queue *q = netif == &na ? &to_b : &to_a;
  struct pbuf *copy = pbuf_alloc(PBUF_RAW, p->tot_len, PBUF_POOL);
  if (q->len == QUEUE || copy == NULL || pbuf_copy(copy, p) != ERR_OK) {
    if (copy != NULL) {
      pbuf_free(copy);
    }
    link_drops++;
    return ERR_OK; /* lost on the wire: TCP retransmits */
  }
  q->p[(q->head + q->len) % QUEUE] = copy;
  q->len++;
  if (q == &to_b) {
    sent_ab++;
  } else {
    sent_ba++;
  }
  return ERR_OK;
}

static err_t link_init(struct netif *netif) {
  netif->output = link_output;
  netif->mtu = 1500;
  netif->flags = NETIF_FLAG_LINK_UP;
  return ERR_OK;
}

/* Hands every queued packet to its interface, both ways, until both
 * queues are empty. Returns how many were delivered. */
static unsigned drain(void) {
  unsigned n = 0;
  for (;;) {
    queue *q = to_b.len != 0 ? &to_b : to_a.len != 0 ? &to_a : NULL;
    if (q == NULL) {
      return n;
    }
    struct pbuf *p = q->p[q->head];
    q->head = (q->head + 1) % QUEUE;
    q->len--;
    struct netif *in = q == &to_b ? &nb : &na;
    if (in->input(p, in) != ERR_OK) {
      pbuf_free(p);
    }
    n++;
  }
}

/* ---- The application ------------------------------------------------------
 */

static uint8_t pattern[RING];
static uint8_t buf[CHUNK];
static struct tcp_pcb *sender;
static size_t total, written, got, bad;
static int connected, closed, eof, verify, zero_copy, err_seen;

static uint8_t pattern_at(size_t i) {
  return (uint8_t)(i * 7u + (i >> 8) * 3u);
}

static void fill(void) {
  if (!connected || closed) {
    return;
  }
  while (written < total) {
    size_t len = RING - written % RING;
    if (len > total - written) {
      len = total - written;
    }
    if (len > tcp_sndbuf(sender)) {
      len = tcp_sndbuf(sender);
    }
    if (len > 0xffff) {
      len = 0xffff; /* tcp_write's length is a u16_t */
    }
    if (len == 0 || tcp_write(sender, pattern + written % RING, (u16_t)len,
                              zero_copy ? 0 : TCP_WRITE_FLAG_COPY) != ERR_OK) {
      break;
    }
    written += len;
  }
  if (written == total) {
    closed = 1;
    tcp_close(sender); /* queues our FIN and sends */
    return;
  }
  tcp_output(sender);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len) {
  (void)arg;
  (void)pcb;
  (void)len;
  fill();
  return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  (void)pcb;
  if (err != ERR_OK) {
    err_seen = err;
    return ERR_OK;
  }
  connected = 1;
  fill();
  return ERR_OK;
}

static void on_error(void *arg, err_t err) {
  (void)arg;
  err_seen = err;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
                     err_t err) {
  (void)arg;
  (void)err;
  if (p == NULL) {
    eof = 1;
    tcp_close(pcb);
    return ERR_OK;
  }
  if (zero_copy) {
    for (const struct pbuf *q = p; q != NULL; q = q->next) {
      const uint8_t *data = q->payload;
      if (verify) {
        for (u16_t i = 0; i < q->len; i++) {
          bad += data[i] != pattern_at(got + i);
        }
      }
      got += q->len;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }
  for (u16_t off = 0; off < p->tot_len;) {
    u16_t n = pbuf_copy_partial(p, buf, sizeof buf, off);
    if (verify) {
      for (u16_t i = 0; i < n; i++) {
        bad += buf[i] != pattern_at(got + i);
      }
    }
    got += n;
    off = (u16_t)(off + n);
  }
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK || pcb == NULL) {
    return ERR_VAL;
  }
  tcp_recv(pcb, on_recv);
  return ERR_OK;
}

/* Everything after setup: the handshake, the transfer and the close.
 * lwip_bulk.sh counts this function's instructions apart. */
__attribute__((noinline)) void bench_transfer(void) {
  while (!eof || to_a.len != 0 || to_b.len != 0) {
    if (drain() == 0) {
      if (err_seen != 0 || now_ms > 600000) {
        return;
      }
      u32_t sleep = sys_timeouts_sleeptime();
      now_ms += sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? 1000 : sleep;
      sys_check_timeouts();
    }
  }
}

int main(int argc, char **argv) {
  total = (size_t)16 << 20;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--verify") == 0) {
      verify = 1;
    } else if (strcmp(argv[i], "--zero-copy") == 0) {
      zero_copy = 1;
    } else {
      total = (size_t)strtoull(argv[i], NULL, 0);
    }
  }
  for (size_t i = 0; i < RING; i++) {
    pattern[i] = pattern_at(i);
  }
  lwip_init();
  ip4_addr_t a, b, mask, gw;
  IP4_ADDR(&a, 192, 0, 2, 1);
  IP4_ADDR(&b, 192, 0, 2, 2);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  ip4_addr_set_zero(&gw);
  if (netif_add(&na, &a, &mask, &gw, NULL, link_init, ip4_input) == NULL ||
      netif_add(&nb, &b, &mask, &gw, NULL, link_init, ip4_input) == NULL) {
    fprintf(stderr, "netif_add failed\n");
    return 1;
  }
  netif_set_up(&na);
  netif_set_up(&nb);

  struct tcp_pcb *l = tcp_new();
  if (l == NULL || tcp_bind(l, &b, PORT) != ERR_OK) {
    fprintf(stderr, "listen failed\n");
    return 1;
  }
  l = tcp_listen(l);
  tcp_accept(l, on_accept);
  sender = tcp_new();
  if (sender == NULL || tcp_bind(sender, &a, 0) != ERR_OK) {
    fprintf(stderr, "bind failed\n");
    return 1;
  }
  tcp_sent(sender, on_sent);
  tcp_err(sender, on_error);
  if (tcp_connect(sender, &b, PORT, on_connected) != ERR_OK) {
    fprintf(stderr, "connect failed\n");
    return 1;
  }
  bench_transfer();
  printf(
      "lwIP: bytes %zu of %zu, eof %d, bad %zu, packets A->B %u, B->A %u, "
      "link drops %u, error %d, virtual ms %u (%s)\n",
      got, total, eof, bad, sent_ab, sent_ba, link_drops, err_seen,
      (unsigned)now_ms, zero_copy ? "zero-copy" : "copying");
  return got == total && eof && bad == 0 ? 0 : 1;
}
