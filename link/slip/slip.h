/* SLIP (RFC 1055) as a link adapter: a tern_stream of bytes below (a UART,
 * a pty, a TCP connection, a memory stream), a tern_netdev of IP packets
 * above (medium TERN_MEDIUM_IP, headroom 0).
 *
 *   static tern_slip slip;
 *   static uint8_t slip_tx[64];
 *   TERN_PKT_POOL_DEFINE(rx_pool, 4, 1500);
 *   tern_slip_init(&slip, uart, &rx_pool, slip_tx, sizeof slip_tx, 1500);
 *   tern_netdev dev = tern_slip_netdev(&slip);
 *
 * Receive: bytes are read from the stream in small chunks into the
 * adapter's read buffer (TERN_SLIP_RX_CHUNK bytes) and decoded straight
 * into a packet from the pool (tern_pkt_pool_try_alloc), which is handed
 * up as it is: the data starts at the IP version byte, headroom 0. A frame
 * that arrives while the pool is empty is skipped up to its END and
 * counted (rx_drop_nobuf), so the stream never stalls. Frames longer than
 * the MTU and bad escapes are dropped and counted.
 *
 * Send: poll_send takes one packet at a time. Once it returns READY the
 * adapter owns the packet: it encodes it piece by piece into the transmit
 * buffer, writes each piece to the stream and frees the packet when the
 * last byte is encoded. A poll_send while the previous packet is still
 * being encoded returns PENDING until it is. The remaining bytes of an
 * accepted packet are written by later polls of the adapter: poll_send,
 * poll_recv (so a runner that keeps a receive outstanding, as the IP
 * runner does, drains them) or tern_slip_poll_flush. Every frame starts
 * with END, as RFC 1055 recommends, to end any line noise. A packet over
 * the MTU is freed with TERN_EMSGSIZE, an empty one (no IP packet) with
 * TERN_EINVAL.
 *
 * Link state: the link is up (TERN_NETDEV_UP in info.flags) while the
 * stream is open. End of stream or a stream error closes the adapter for
 * good: poll_recv returns READY with TERN_ECLOSED from then on, poll_send
 * frees the packet and fails with TERN_ECLOSED, packets the adapter held
 * go back to their pools, info loses TERN_NETDEV_UP and poll_event
 * reports TERN_NETDEV_EV_LINK once. A point-to-point link has no
 * addresses to resolve and no multicast filter: set_addr and mcast are
 * NULL (tern/netdev.h's wrappers answer 0).
 *
 * One task per direction (as for every netdev); the adapter is not
 * interrupt-safe (the stream below takes care of interrupts). */
#ifndef TERN_SLIP_H
#define TERN_SLIP_H

#include <stddef.h>
#include <stdint.h>

#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/poll.h"
#include "tern/slip_codec.h"
#include "tern/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 1055's MTU ("1006 bytes, the Berkeley UNIX SLIP driver"), used when
 * tern_slip_init is given mtu 0. */
#define TERN_SLIP_DEFAULT_MTU 1006

/* The least MTU tern_slip_init takes: every IPv4 link carries 68 bytes
 * (RFC 791), which the netdev contract promises the IP layer. */
#define TERN_SLIP_MIN_MTU TERN_NETDEV_MIN_IP_MTU

/* Bytes the adapter reads from the stream at a time (its read buffer). */
#define TERN_SLIP_RX_CHUNK 32

/* Received bytes one poll_recv decodes at most before it wakes itself and
 * returns PENDING, so a fast line (or one full of garbage) cannot keep the
 * executor from running other tasks. A completed frame returns at once. */
#define TERN_SLIP_RX_BUDGET 512

/* The adapter: caller storage, set up by tern_slip_init. Fields are
 * private. */
typedef struct tern_slip {
  tern_stream stream;
  tern_pkt_pool *pool; /* receive buffers */
  uint16_t mtu;
  uint8_t closed;  /* end of stream or stream error seen */
  uint8_t rx_skip; /* no buffer: skipping the current frame to its END */
  int stream_err;  /* what closed it: 0 (end of stream) or the error */
  /* Receive. */
  tern_slip_decoder dec;
  tern_pkt *rx_pkt;      /* the packet the decoder writes into, or NULL */
  uint16_t rx_pos;       /* next unread byte of rx_buf */
  uint16_t rx_len;       /* bytes in rx_buf */
  uint32_t rx_truncated; /* frames cut short by the end of the stream */
  uint8_t rx_buf[TERN_SLIP_RX_CHUNK];
  /* Send. */
  uint8_t *tx_buf; /* encoded bytes not yet written: [tx_pos, tx_len) */
  size_t tx_cap;
  size_t tx_pos;
  size_t tx_len;
  tern_pkt *tx_pkt; /* the packet being encoded, or NULL */
  tern_slip_encoder enc;
  /* Tasks to wake when the stream has room again: a sender waiting in
   * poll_send or tern_slip_poll_flush, and the receiver (whose poll_recv
   * also writes). The stream itself holds the adapter's own waker, which
   * wakes both, so neither replaces the other. */
  tern_waker_slot tx_waiter;
  tern_waker_slot rx_waiter;
  tern_waker_slot ev_waiter; /* the task polling poll_event */
  uint8_t events;            /* TERN_NETDEV_EV_* not yet reported */
  tern_netdev_stats stats;
} tern_slip;

/* Sets up an adapter over `stream`.
 * - pkt_pool: where received packets come from; its buffers must hold at
 *   least mtu bytes. Give receive its own pool if senders must never
 *   starve it.
 * - tx_buf, tx_buf_size: caller storage for encoded bytes on their way to
 *   the stream (at least 1 byte; 32 to 64 is plenty: a frame is encoded
 *   and written through it a piece at a time).
 * - mtu: the largest IP packet sent and received, 0 for
 *   TERN_SLIP_DEFAULT_MTU (1006). Use 1500 for slirp and Linux's default.
 * Returns 0, or TERN_EINVAL (adapter unusable) when an argument is NULL,
 * tx_buf_size is 0, mtu is below TERN_SLIP_MIN_MTU (68) or above
 * TERN_PKT_MAX_BUF, or the pool's buffers are smaller than mtu. */
int tern_slip_init(tern_slip *slip, tern_stream stream, tern_pkt_pool *pkt_pool,
                   uint8_t *tx_buf, size_t tx_buf_size, size_t mtu);

/* The adapter as a netdev of IP packets (medium TERN_MEDIUM_IP, the MTU
 * given to init, headroom and tailroom 0, TERN_NETDEV_UP until the stream
 * ends or fails). */
tern_netdev tern_slip_netdev(tern_slip *slip);

/* Writes out what the adapter has accepted: READY with *err 0 once every
 * byte of every accepted packet has been handed to the stream (not
 * necessarily flushed out of it: see tern_stream_poll_flush), READY with
 * TERN_ECLOSED if the adapter is closed, or PENDING (cx's waker
 * registered). Needed only when no task keeps a poll_recv going, e.g.
 * before closing a send-only link. */
tern_poll tern_slip_poll_flush(tern_slip *slip, tern_cx *cx, int *err);

/* Closes the adapter without touching the stream: frees the packets it
 * holds (the one being received and the one being sent) and wakes waiting
 * tasks, whose polls then fail with TERN_ECLOSED; the link goes down
 * (TERN_NETDEV_EV_LINK). Call it before the
 * adapter's storage goes away while packets may be held. */
void tern_slip_shutdown(tern_slip *slip);

/* The decoder's counters (frames, bytes, empty frames, oversize frames,
 * bad escapes), next to the netdev counters of tern_netdev_get_stats. */
const tern_slip_stats *tern_slip_codec_stats(const tern_slip *slip);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SLIP_H */
