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

#include <stdbool.h>
#include <stddef.h>
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

/* tern_netdev_info.flags. */
enum {
  /* The link carries packets now: a cable or a negotiated PPP link is up,
   * a TAP device is open. A device that is down fails poll_send with
   * TERN_ENETDOWN and may deliver nothing. */
  TERN_NETDEV_UP = 1u << 0,
  /* The device is an IP device on a multi-access link that resolves each
   * packet's next hop to a link address (the Ethernet adapter): the IP
   * layer writes the next hop at tern_pkt_next_hop() (tern/pkt.h) before
   * poll_send, and info.headroom includes room for it. */
  TERN_NETDEV_NEXT_HOP = 1u << 1,
};

/* The least IP packet every IPv4 link carries (RFC 791: 68 bytes): an IP
 * device's info.mtu is at least this, and a link layer refuses at init a
 * lower device that would leave less. */
#define TERN_NETDEV_MIN_IP_MTU 68

/* A device's current facts. They may change over its life (a link comes
 * up, PPP renegotiates its MTU): a device that changes them reports
 * TERN_NETDEV_EV_LINK or TERN_NETDEV_EV_INFO through poll_event, and the
 * layer above reads them again. */
typedef struct tern_netdev_info {
  /* Largest packet, in tern_pkt bytes, the device sends and receives: for
   * Ethernet the frame without FCS (1514 for a 1500-byte IP MTU), for IP
   * the IP packet (1500 on Ethernet, 1500 default for PPP, 1006 SLIP). */
  uint16_t mtu;
  /* Bytes the device needs free in front of a packet given to poll_send,
   * for its own headers and those of the devices below it (and, with
   * TERN_NETDEV_NEXT_HOP, the next hop at the buffer's front). */
  uint16_t headroom;
  /* Bytes the device needs free after the data (a software FCS, padding
   * to a minimum frame size); 0 for most. */
  uint16_t tailroom;
  uint8_t medium; /* a tern_medium */
  uint8_t flags;  /* TERN_NETDEV_UP, TERN_NETDEV_NEXT_HOP */
  /* The station address when the device is or sits on Ethernet (a MAC, or
   * the Ethernet adapter above one, which reports its MAC); all zero for
   * point-to-point links. */
  uint8_t mac[6];
} tern_netdev_info;

/* Events a device reports through poll_event, as bits. Each is reported
 * once; what it is about is read from the device (get_info) or is the
 * layer's own state. */
enum {
  /* The link went up or down (TERN_NETDEV_UP in info.flags changed, maybe
   * more than once since the last report). */
  TERN_NETDEV_EV_LINK = 1u << 0,
  /* The MTU, headroom or station address changed: read info again. */
  TERN_NETDEV_EV_INFO = 1u << 1,
  /* Another station uses the IPv4 address given with set_addr (ARP saw
   * it: RFC 5227 section 2.4). The address is not withdrawn by the
   * device; the layer above decides (a DHCP client declines it). */
  TERN_NETDEV_EV_ADDR_CONFLICT = 1u << 2,
};

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
  uint32_t tx_drop_down;     /* device closed (TERN_ECLOSED) or link down
                                (TERN_ENETDOWN) */
  uint32_t tx_drop_error;    /* the hardware failed: TERN_EIO */
} tern_netdev_stats;

/* What an implementation provides. self is the device's self pointer. The
 * last four (get_stats on) are optional (NULL). */
typedef struct tern_netdev_ops {
  /* READY: *err == 0 and *pkt a received packet the caller now owns, or
   * *err < 0 (e.g. TERN_ECLOSED) and *pkt NULL. */
  tern_poll (*poll_recv)(void *self, tern_cx *cx, tern_pkt **pkt, int *err);
  /* READY: the device owns pkt; *err is 0 (accepted) or a negative
   * tern_err (the device freed it). PENDING: the caller still owns it. */
  tern_poll (*poll_send)(void *self, tern_cx *cx, tern_pkt *pkt, int *err);
  /* Fills *info with the device's current facts. */
  void (*get_info)(void *self, tern_netdev_info *info);
  /* The device's counters, or NULL if it keeps none. */
  const tern_netdev_stats *(*get_stats)(void *self);
  /* READY with *events the TERN_NETDEV_EV_* bits that happened since the
   * last READY (then cleared), or PENDING with cx's waker kept for the
   * next event. One waker: poll it from the task that drives the device
   * (the IP layer's runner). NULL: the device's facts never change. */
  tern_poll (*poll_event)(void *self, tern_cx *cx, uint32_t *events);
  /* The IP layer tells the device an address of the interface above it:
   * len 4 for its IPv4 address (all zero: none; the Ethernet adapter
   * answers ARP for it and announces it), len 16 for an IPv6 one (the
   * device may ignore it: NDP lives in the IPv6 layer). Returns 0 or
   * TERN_EINVAL (a length the device does not know). NULL: the device
   * needs no addresses (point-to-point links). */
  int (*set_addr)(void *self, const uint8_t *addr, size_t len);
  /* Joins (join true) or leaves a multicast group, so the device delivers
   * what is sent to it. For an IP device the group is an IP address (len
   * 4 or 16); for an Ethernet device a group MAC (len 6). Returns 0,
   * TERN_ENOMEM (its filter is full), TERN_ENOENT (leaving a group not
   * joined), TERN_EINVAL (not a group address) or TERN_EAFNOSUPPORT (a
   * family the build left out: an IPv6 group in an IPv4-only build).
   * Joins are counted: a group joined twice is left after the second
   * leave. NULL: the device delivers every multicast it gets (a
   * point-to-point link) or none. */
  int (*mcast)(void *self, const uint8_t *group, size_t len, bool join);
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

/* The device's MTU, headroom, medium, flags and address. */
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

/* Waits for the device's next events; see tern_netdev_ops.poll_event. A
 * device without events is PENDING for ever and keeps no waker: a task
 * must not wait on it alone. */
static inline tern_poll tern_netdev_poll_event(const tern_netdev *d,
                                               tern_cx *cx, uint32_t *events) {
  if (d->ops->poll_event == NULL) {
    return TERN_PENDING;
  }
  return d->ops->poll_event(d->self, cx, events);
}

/* Tells the device an address of the interface above; 0 when the device
 * needs none. */
static inline int tern_netdev_set_addr(const tern_netdev *d,
                                       const uint8_t *addr, size_t len) {
  return d->ops->set_addr != NULL ? d->ops->set_addr(d->self, addr, len) : 0;
}

/* Joins or leaves a multicast group; 0 when the device has no filter. */
static inline int tern_netdev_mcast(const tern_netdev *d, const uint8_t *group,
                                    size_t len, bool join) {
  return d->ops->mcast != NULL ? d->ops->mcast(d->self, group, len, join) : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_NETDEV_H */
