/* Bulk transfer between two tern stacks in one process: IP core + IPv4 +
 * TCP on each, joined by a memory netdev pair of IP packets
 * (executor/io:testing; MTU 1500, queues of 64, packets move by
 * ownership, nothing lost), on the sim port's virtual time. Stack A
 * connects to B's listener and writes BYTES (default 16 MB) from a
 * 64 KB buffer; B reads until end of stream into a 16 KB buffer. Both
 * connections have 64 KB rings, so each side offers a 64 KB window
 * (window scale 1); checksums are computed and checked as always.
 *
 *   tcp_bulk_bench [BYTES] [--verify] [--zero-copy]
 *
 * Without --verify the reader only counts bytes, so that what callgrind
 * counts is the stacks (bench_callgrind.sh); with it, every byte read is
 * checked against the pattern written (bulk_test). With --zero-copy the
 * application uses the rings in place (tern_tcp_poll_reserve and commit,
 * tern_tcp_poll_peek and consume) instead of poll_write and poll_read: A
 * copies the pattern straight into its send ring's free run, B counts
 * (and with --verify checks) the bytes where they lie in its receive ring
 * and consumes them; no 16 KB buffer. Exits 0 when B read exactly BYTES
 * and saw end of stream, 1 otherwise. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/co.h"
#include "tern/executor.h"
#include "tern/hal_rng.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/memnetdev.h"
#include "tern/sim.h"
#include "tern/tcp.h"

#define PKTS 64
#define PKT_SIZE 1600 /* room for MSS 1460 beside the largest header */
#define RING 65536
#define CHUNK 16384
#define PORT 5001

typedef struct node {
  uint8_t pool_storage[TERN_PKT_POOL_STORAGE_SIZE(PKTS, PKT_SIZE)]
      __attribute__((aligned(8)));
  tern_pkt_pool pool;
  tern_ip_stack ip;
  tern_ipv4_layer v4;
  tern_ip_iface iface;
  tern_tcp_layer tcp;
  tern_task ip_task, tcp_task;
  uint64_t rng_state;
  tern_rng rng;
  tern_tcp_listener lst;
  tern_tcp_conn conn;
  uint8_t tx[RING], rx[RING];
} node;

static tern_executor ex;
static tern_memnetdev_pair wire;
static node a, b;

/* The application: A's writer, B's reader. */
static struct {
  tern_task task;
  tern_co co;
  size_t total, done, len;
  ptrdiff_t n;
  int err;
  int zero_copy;
  uint8_t *room; /* zero-copy: the send ring's free run */
} writer;

static struct {
  tern_task task;
  tern_co co;
  tern_waiter waiter; /* in accept */
  tern_tcp_conn *conn;
  size_t done, bad;
  ptrdiff_t n;
  int eof;
  int verify;
  int zero_copy;
  const uint8_t *view; /* zero-copy: the receive ring's unread run */
  uint8_t buf[CHUNK];
} reader;

static uint8_t pattern[RING];

static uint8_t pattern_at(size_t i) {
  return (uint8_t)(i * 7u + (i >> 8) * 3u);
}

/* A splitmix64 sequence: the stacks' ISNs, ports and keys. */
static int rng_fill(void *self, void *buf, size_t len) {
  uint64_t *s = self;
  uint8_t *p = buf;
  for (size_t i = 0; i < len; i++) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    p[i] = (uint8_t)(z ^ (z >> 31));
  }
  return 0;
}

static tern_poll ip_run(tern_task *t, tern_cx *cx) {
  node *n = TERN_CONTAINER_OF(t, node, ip_task);
  return tern_ip_stack_poll_run(&n->ip, cx);
}

static tern_poll tcp_run(tern_task *t, tern_cx *cx) {
  node *n = TERN_CONTAINER_OF(t, node, tcp_task);
  return tern_tcp_poll_run(&n->tcp, cx);
}

static int start_node(node *n, tern_netdev dev, uint8_t last) {
  if (tern_pkt_pool_init(&n->pool, n->pool_storage, sizeof n->pool_storage,
                         PKT_SIZE) <= 0) {
    return -1;
  }
  n->rng_state = last;
  n->rng = (tern_rng){rng_fill, &n->rng_state};
  tern_ipv4_addr addr = tern_ipv4(192, 0, 2, last);
  if (tern_ip_stack_init(&n->ip, &n->pool, &n->rng) != 0 ||
      tern_ipv4_init(&n->v4, &n->ip) != 0 ||
      tern_ip_iface_add(&n->ip, &n->iface, dev) != 0 ||
      tern_ipv4_set_addr(&n->iface, &addr, 24, NULL) != 0 ||
      tern_tcp_init(&n->tcp, &n->ip, NULL) != 0 ||
      tern_tcp_conn_init(&n->conn, &n->tcp, n->tx, RING, n->rx, RING) != 0) {
    return -1;
  }
  tern_task_init(&n->ip_task, ip_run);
  tern_task_init(&n->tcp_task, tcp_run);
  if (tern_spawn(&ex, &n->ip_task) != 0 || tern_spawn(&ex, &n->tcp_task) != 0) {
    return -1;
  }
  return 0;
}

static tern_poll write_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  TERN_CO_BEGIN(&writer.co);
  TERN_CO_AWAIT(&writer.co, tern_tcp_poll_connect(&a.conn, cx, &writer.err));
  if (writer.err != 0) {
    TERN_CO_RETURN(&writer.co);
  }
  while (writer.zero_copy && writer.done < writer.total) {
    TERN_CO_AWAIT(&writer.co,
                  tern_tcp_poll_reserve(&a.conn, cx, &writer.room, &writer.n));
    if (writer.n < 0) {
      writer.err = (int)writer.n;
      TERN_CO_RETURN(&writer.co);
    }
    writer.len = RING - writer.done % RING;
    if (writer.len > writer.total - writer.done) {
      writer.len = writer.total - writer.done;
    }
    if (writer.len > (size_t)writer.n) {
      writer.len = (size_t)writer.n;
    }
    memcpy(writer.room, pattern + writer.done % RING, writer.len);
    writer.err = tern_tcp_commit(&a.conn, writer.len);
    if (writer.err != 0) {
      TERN_CO_RETURN(&writer.co);
    }
    writer.done += writer.len;
  }
  while (writer.done < writer.total) {
    writer.len = RING - writer.done % RING;
    if (writer.len > writer.total - writer.done) {
      writer.len = writer.total - writer.done;
    }
    TERN_CO_AWAIT(&writer.co,
                  tern_tcp_poll_write(&a.conn, cx, pattern + writer.done % RING,
                                      writer.len, &writer.n));
    if (writer.n < 0) {
      writer.err = (int)writer.n;
      TERN_CO_RETURN(&writer.co);
    }
    writer.done += (size_t)writer.n;
  }
  TERN_CO_AWAIT(&writer.co, tern_tcp_poll_close(&a.conn, cx, &writer.err));
  TERN_CO_END(&writer.co);
}

static tern_poll read_poll(tern_task *t, tern_cx *cx) {
  (void)t;
  TERN_CO_BEGIN(&reader.co);
  TERN_CO_AWAIT(&reader.co,
                tern_tcp_poll_accept(&b.lst, cx, &reader.waiter, &reader.conn));
  while (reader.zero_copy) {
    TERN_CO_AWAIT(&reader.co,
                  tern_tcp_poll_peek(reader.conn, cx, &reader.view, &reader.n));
    if (reader.n <= 0) {
      reader.eof = reader.n == 0;
      TERN_CO_RETURN(&reader.co);
    }
    if (reader.verify) {
      for (ptrdiff_t i = 0; i < reader.n; i++) {
        reader.bad += reader.view[i] != pattern_at(reader.done + (size_t)i);
      }
    }
    reader.done += (size_t)reader.n;
    if (tern_tcp_consume(reader.conn, (size_t)reader.n) != 0) {
      TERN_CO_RETURN(&reader.co);
    }
  }
  for (;;) {
    TERN_CO_AWAIT(&reader.co, tern_tcp_poll_read(reader.conn, cx, reader.buf,
                                                 sizeof reader.buf, &reader.n));
    if (reader.n <= 0) {
      reader.eof = reader.n == 0;
      break;
    }
    if (reader.verify) {
      for (ptrdiff_t i = 0; i < reader.n; i++) {
        reader.bad += reader.buf[i] != pattern_at(reader.done + (size_t)i);
      }
    }
    reader.done += (size_t)reader.n;
  }
  TERN_CO_END(&reader.co);
}

/* Everything after setup: the handshake, the transfer and the close.
 * bench_callgrind.sh counts this function's instructions apart. */
__attribute__((noinline)) void bench_transfer(void) {
  tern_executor_run(&ex, &reader.task);
  tern_executor_run(&ex, &writer.task);
}

int main(int argc, char **argv) {
  size_t total = (size_t)16 << 20;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--verify") == 0) {
      reader.verify = 1;
    } else if (strcmp(argv[i], "--zero-copy") == 0) {
      reader.zero_copy = writer.zero_copy = 1;
    } else {
      total = (size_t)strtoull(argv[i], NULL, 0);
    }
  }
  for (size_t i = 0; i < RING; i++) {
    pattern[i] = pattern_at(i);
  }
  tern_sim_set_time(0x10000);
  tern_executor_init(&ex);
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  cfg.queue_len = PKTS;
  tern_memnetdev_init(&wire, &cfg);
  if (start_node(&a, tern_memnetdev_a(&wire), 1) != 0 ||
      start_node(&b, tern_memnetdev_b(&wire), 2) != 0) {
    fprintf(stderr, "setup failed\n");
    return 1;
  }
  tern_endpoint local = {.port = PORT};
  tern_endpoint server = {.addr = {.family = TERN_IP_V4}, .port = PORT};
  server.addr.u.v4 = tern_ipv4(192, 0, 2, 2);
  if (tern_tcp_listen(&b.tcp, &b.lst, &local, &b.conn, 1) != 0 ||
      tern_tcp_connect(&a.conn, &server) != 0) {
    fprintf(stderr, "listen or connect failed\n");
    return 1;
  }
  writer.total = total;
  tern_task_init(&writer.task, write_poll);
  tern_task_init(&reader.task, read_poll);
  tern_spawn(&ex, &writer.task);
  tern_spawn(&ex, &reader.task);
  bench_transfer();
  /* B sends no data: its segments are the SYN-ACK, its ACKs and its FIN;
   * A's are the SYN, the data, its FIN and the ACK of B's FIN. */
  uint32_t segs_a = a.tcp.stats.segs_sent, segs_b = b.tcp.stats.segs_sent;
  uint32_t rtx = a.tcp.stats.retransmits + b.tcp.stats.retransmits;
  printf(
      "bytes %zu of %zu, eof %d, bad %zu, segments %u (A->B %u, B->A %u), "
      "retransmits %u, mss %u, window shift %u, writer err %d (%s)\n",
      reader.done, total, reader.eof, reader.bad, segs_a + segs_b, segs_a,
      segs_b, rtx, a.conn.mss, (unsigned)b.conn.rcv_shift, writer.err,
      writer.zero_copy ? "zero-copy" : "poll_read/poll_write");
  return reader.done == total && reader.eof && reader.bad == 0 &&
                 writer.err == 0
             ? 0
             : 1;
}
