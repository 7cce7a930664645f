/* Examples of the IO interfaces, quoted in README.md and run by
 * example_test.cc, so the documentation cannot drift from the code. */
#ifndef TERN_IO_EXAMPLE_H
#define TERN_IO_EXAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "tern/co.h"
#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/stream.h"
#include "tern/waitq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Echoes a stream back to itself until the end of the stream, then closes
 * it. Zero-initialise, then set io. */
typedef struct tern_example_echo {
  tern_co co;
  tern_stream io;
  uint8_t buf[16];
  ptrdiff_t n;   /* bytes read */
  ptrdiff_t off; /* bytes of buf written back so far */
  ptrdiff_t w;   /* result of the last write */
  int err;       /* 0, or why it stopped */
} tern_example_echo;

tern_poll tern_example_echo_poll(tern_example_echo *s, tern_cx *cx);

/* A toy protocol over a netdev: a 2-byte header (type, length) in front of
 * a payload, sent in a packet from a pool. Zero-initialise (that is
 * TERN_WAITER_INIT for the waiter), then set pool, dev, payload and len. */
#define TERN_EXAMPLE_HDR 2

typedef struct tern_example_send {
  tern_pkt_pool *pool;
  tern_netdev dev;
  const uint8_t *payload;
  uint8_t len;
  tern_co co;
  tern_waiter waiter;
  tern_pkt *pkt;
  int err; /* 0, or why the packet was not sent */
} tern_example_send;

tern_poll tern_example_send_poll(tern_example_send *s, tern_cx *cx);

/* Receives one toy-protocol packet: READY with its payload copied into
 * out (up to cap bytes) and *n its length, or a negative tern_err in *n. */
tern_poll tern_example_recv_poll(const tern_netdev *dev, tern_cx *cx,
                                 uint8_t *out, size_t cap, int *n);

#ifdef __cplusplus
}
#endif

#endif /* TERN_IO_EXAMPLE_H */
