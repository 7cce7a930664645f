/* tern_netdev: an asynchronous packet device, the interface between a
 * layer that moves packets (an Ethernet MAC, TAP/TUN, SLIP or PPP over a
 * stream, the Ethernet adapter) and the layer above it (Ethernet/ARP, IP).
 *
 * Packets are tern_pkt buffers (tern/pkt.h) and ownership moves with them:
 *  - poll_recv READY with *pkt set: the packet is the caller's now (it
 *    frees it or hands it on). The data starts at the device's own
 *    header: an Ethernet frame's destination address, an IP packet's
 *    version byte.
 *  - poll_send READY: the device owns the packet, whatever *err says. With
 *    *err == 0 it was queued or sent and the device frees it when done;
 *    with *err < 0 (too long, device closed or failed) the device has
 *    already freed it. Either way the caller must not touch it again.
 *  - poll_send PENDING (the device has no room): the caller still owns the
 *    packet and polls again with it (or frees it, or sends another).
 *
 * The usual contract holds: PENDING has registered cx's waker and done
 * nothing else. One task per direction: a device keeps one waker for
 * receiving and one for sending.
 *
 * A layer that builds a packet for a device reserves info.headroom bytes
 * in front of its payload (tern_pkt_reserve) so the device can push its
 * own headers without copying, and sends at most info.mtu bytes. */
#ifndef TERN_NETDEV_H
#define TERN_NETDEV_H

#include <stdint.h>

#include "tern/pkt.h"
#include "tern/poll.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a device's packets are. */
typedef enum tern_medium {
  TERN_MEDIUM_ETHERNET = 1, /* Ethernet II frames, from the destination
                               address to the end of the payload, no FCS */
  TERN_MEDIUM_IP = 2,       /* IPv4 or IPv6 packets (told apart by the
                               version nibble) */
} tern_medium;

/* A device's fixed facts. */
typedef struct tern_netdev_info {
  /* Largest packet, in tern_pkt bytes, the device sends and receives: for
   * Ethernet the frame without FCS (1514 for a 1500-byte IP MTU), for IP
   * the IP packet (1500 on Ethernet, 1500 default for PPP, 1006 SLIP). */
  uint16_t mtu;
  /* Bytes the device needs free in front of a packet given to poll_send,
   * for its own headers and those of the devices below it. */
  uint16_t headroom;
  /* Bytes the device needs free after the data (a software FCS, padding
   * to a minimum frame size); 0 for most. */
  uint16_t tailroom;
  uint8_t medium; /* a tern_medium */
  /* The station address when the device is or sits on Ethernet (a MAC, or
   * the Ethernet adapter above one, which reports its MAC); all zero for
   * point-to-point links. */
  uint8_t mac[6];
} tern_netdev_info;

/* Traffic counters, kept by each device and read with tern_netdev_stats.
 * Counters wrap at 2^32. */
typedef struct tern_netdev_stats {
  uint32_t rx_packets; /* handed up by poll_recv */
  uint32_t rx_bytes;
  uint32_t tx_packets; /* accepted by poll_send with *err == 0 */
  uint32_t tx_bytes;
  /* Received packets dropped, by reason: */
  uint32_t rx_drop_nobuf;     /* no packet buffer was free */
  uint32_t rx_drop_too_long;  /* longer than the MTU or the buffer */
  uint32_t rx_drop_malformed; /* bad framing, bad FCS or checksum, runt */
  uint32_t rx_drop_overrun;   /* the receive queue or hardware was full */
  /* Packets given to poll_send and dropped (freed), by reason: */
  uint32_t tx_drop_too_long; /* longer than the MTU: TERN_EMSGSIZE */
  uint32_t tx_drop_no_room;  /* not enough headroom/tailroom: TERN_ENOSPC */
  uint32_t tx_drop_down;     /* device closed or link down: TERN_ECLOSED */
  uint32_t tx_drop_error;    /* the hardware failed: TERN_EIO */
} tern_netdev_stats;

/* What an implementation provides. self is the device's self pointer. */
typedef struct tern_netdev_ops {
  /* READY: *err == 0 and *pkt a received packet the caller now owns, or
   * *err < 0 (e.g. TERN_ECLOSED) and *pkt NULL. */
  tern_poll (*poll_recv)(void *self, tern_cx *cx, tern_pkt **pkt, int *err);
  /* READY: the device owns pkt; *err is 0 (accepted) or a negative
   * tern_err (the device freed it). PENDING: the caller still owns it. */
  tern_poll (*poll_send)(void *self, tern_cx *cx, tern_pkt *pkt, int *err);
  /* Fills *info. The values may change over the device's life (PPP
   * negotiates its MTU); ask again after the link comes up. */
  void (*get_info)(void *self, tern_netdev_info *info);
  /* The device's counters, or NULL if it keeps none. */
  const tern_netdev_stats *(*get_stats)(void *self);
  /* Optional (may be NULL): the IP layer tells the device the interface's
   * IPv4 address when it is set or changes (Ethernet answers ARP for it
   * and announces it with a gratuitous ARP); all zero means none. */
  void (*set_ipv4)(void *self, const uint8_t addr[4]);
} tern_netdev_ops;

/* A device: an implementation's ops and its self pointer. Copy it freely;
 * the object it points at is the implementation's (caller storage). */
typedef struct tern_netdev {
  const tern_netdev_ops *ops;
  void *self;
} tern_netdev;

/* Receives a packet; see tern_netdev_ops.poll_recv. */
static inline tern_poll tern_netdev_poll_recv(const tern_netdev *d, tern_cx *cx,
                                              tern_pkt **pkt, int *err) {
  return d->ops->poll_recv(d->self, cx, pkt, err);
}

/* Sends a packet; see tern_netdev_ops.poll_send and the ownership rules
 * above. */
static inline tern_poll tern_netdev_poll_send(const tern_netdev *d, tern_cx *cx,
                                              tern_pkt *pkt, int *err) {
  return d->ops->poll_send(d->self, cx, pkt, err);
}

/* The device's MTU, headroom, medium and address. */
static inline tern_netdev_info tern_netdev_get_info(const tern_netdev *d) {
  tern_netdev_info info;
  d->ops->get_info(d->self, &info);
  return info;
}

/* The device's counters, or NULL if it keeps none. */
static inline const tern_netdev_stats *tern_netdev_get_stats(
    const tern_netdev *d) {
  return d->ops->get_stats != NULL ? d->ops->get_stats(d->self) : NULL;
}

/* Tells the device its IPv4 address, if it wants to know. */
static inline void tern_netdev_set_ipv4(const tern_netdev *d,
                                        const uint8_t addr[4]) {
  if (d->ops->set_ipv4 != NULL) {
    d->ops->set_ipv4(d->self, addr);
  }
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_NETDEV_H */
