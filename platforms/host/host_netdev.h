/* TAP and TUN devices: Linux virtual interfaces as tern_netdev drivers.
 *
 * A TAP device carries Ethernet frames (TERN_MEDIUM_ETHERNET, so it is a
 * tern/hal_eth.h Ethernet MAC); a TUN device carries IP packets
 * (TERN_MEDIUM_IP), for a point-to-point link. Either way the other end is
 * the Linux kernel's own network stack, behind an interface (tap0, tun0)
 * that `ip` configures.
 *
 *   TERN_PKT_POOL_DEFINE(rx_pool, 8, 1514);
 *   static tern_host_netdev tap;
 *   tern_host_netdev_config cfg = TERN_HOST_NETDEV_CONFIG_INIT;
 *   cfg.ifname = "tern0";
 *   cfg.rx_pool = &rx_pool;
 *   int err = tern_host_tap_open(&tap, &cfg);   // or tern_host_tun_open
 *   tern_netdev dev = tern_host_netdev_get(&tap);
 *   // ip link set tern0 up; ip addr add 192.0.2.1/24 dev tern0
 *   ... tern_netdev_poll_recv(&dev, cx, &pkt, &err) ...
 *   tern_host_netdev_close(&tap);
 *
 * The driver opens /dev/net/tun with IFF_NO_PI (no packet-information
 * prefix), non-blocking, and registers it with the host port
 * (tern/host_port.h), so link //platforms/host:port and run the executor
 * on it. Creating an interface needs CAP_NET_ADMIN in the current network
 * namespace. The driver does not configure the interface: bringing it up
 * and giving it addresses and routes is the application's (or the test's)
 * job, with `ip`. The interface exists while the device is open (it is
 * not made persistent) and vanishes on close.
 *
 * Receive: each poll_recv reads one frame into a packet taken with
 * tern_pkt_pool_try_alloc from the caller's pool, at headroom 0. With no
 * buffer free the frame is read into a small stack buffer and dropped
 * (rx_drop_nobuf), so the kernel's queue keeps moving; a frame longer than
 * the buffer is dropped (rx_drop_too_long), a TAP frame shorter than an
 * Ethernet header or an empty TUN packet as malformed.
 *
 * Send: poll_send writes the packet in one write(2) and frees it. When the
 * kernel's queue is full (EAGAIN) it waits for the descriptor to become
 * writable and returns PENDING; the caller keeps the packet. Errors:
 * TERN_EMSGSIZE (longer than the MTU), TERN_ENETDOWN (the kernel's side
 * of the interface is down: `ip link set tap0 down`), TERN_ECLOSED (the
 * device was closed or the interface deleted), TERN_EINVAL (the kernel
 * refused the packet: a TAP frame shorter than 14 bytes, a TUN packet
 * whose first nibble is neither 4 nor 6), TERN_EIO (anything else); the
 * device has freed the packet.
 *
 * Link state: info.flags has TERN_NETDEV_UP while the descriptor is
 * attached, from open until tern_host_netdev_close or until the kernel
 * says the interface is gone (EBADFD: it was deleted); then poll_event
 * reports TERN_NETDEV_EV_LINK once and waiting tasks are woken to meet
 * TERN_ECLOSED. Whether the kernel's side has brought its interface up is
 * the peer's business, as a cable's far end is: while it has not, sends
 * fail with TERN_ENETDOWN and nothing arrives.
 *
 * Multicast: a TAP gets every frame the interface does, so its mcast op
 * only checks that the group is a 6-byte group MAC (TERN_EINVAL else) and
 * counts joins (a leave with none counted is TERN_ENOENT; which group is
 * not tracked). A TUN has no mcast op (every packet routed to it comes).
 * Neither has set_addr: they need no addresses of ours.
 *
 * Heap-free: the device is caller storage; the receive pool is the
 * caller's. One task per direction (tern/netdev.h). */
#ifndef TERN_HOST_NETDEV_H
#define TERN_HOST_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/host_port.h"
#include "tern/netdev.h"
#include "tern/pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest interface name, with its NUL (Linux's IFNAMSIZ). */
#define TERN_HOST_IFNAMSIZ 16

/* How to open a device. Start from TERN_HOST_NETDEV_CONFIG_INIT. */
typedef struct tern_host_netdev_config {
  /* The interface to create or attach to ("tap0"); NULL or "" lets the
   * kernel pick ("tapN" / "tunN"). At most 15 characters; may hold a "%d"
   * for the kernel to fill in. */
  const char *ifname;
  /* Where received packets come from (try_alloc). Required. */
  tern_pkt_pool *rx_pool;
  /* The MTU to report, in tern_pkt bytes (Ethernet frame without FCS for
   * TAP, IP packet for TUN); 0 reads the interface's MTU when opening
   * (1500 for a new interface, so 1514 for TAP) and adds the Ethernet
   * header for TAP. Longer sends fail with TERN_EMSGSIZE. */
  uint16_t mtu;
  /* TAP only: our station address, the source of the frames we send. The
   * interface's own address (what `ip link` shows) is the kernel side's,
   * the peer's, so ours must differ. When use_mac is false a random
   * locally administered unicast address is taken from getrandom(). */
  bool use_mac;
  uint8_t mac[6];
} tern_host_netdev_config;

#define TERN_HOST_NETDEV_CONFIG_INIT \
  {                                  \
    NULL, NULL, 0, false, {          \
      0, 0, 0, 0, 0, 0               \
    }                                \
  }

/* An open TAP or TUN device: caller storage, in place from open to close.
 * Fields are private to the driver. */
typedef struct tern_host_netdev {
  int fd; /* the /dev/net/tun descriptor, -1 when closed */
  tern_host_fd reg;
  tern_pkt_pool *rx_pool;
  tern_netdev_info info;
  tern_netdev_stats stats;
  char ifname[TERN_HOST_IFNAMSIZ]; /* the interface's name, from the kernel */
  tern_waker_slot ev_waker;        /* the task polling poll_event */
  uint32_t mcast_joins;            /* TAP: joins minus leaves */
  uint8_t events;                  /* TERN_NETDEV_EV_* not yet reported */
  int os_errno; /* errno of the last system call that failed, for messages */
} tern_host_netdev;

/* Creates (or attaches to) a TAP interface: Ethernet frames. Returns 0,
 * or
 *   TERN_EINVAL  dev, cfg or cfg->rx_pool is NULL, the name is too long,
 *                cfg->use_mac with a multicast or all-zero address, or the
 *                kernel refused the name;
 *   TERN_ENOENT  there is no /dev/net/tun (no tun module, or a container
 *                without the device);
 *   TERN_ENOTSUP this process may not create interfaces (it needs
 *                CAP_NET_ADMIN: run as root or grant the capability);
 *   TERN_EBUSY   the interface exists and is attached elsewhere, or is of
 *                the other kind (a TUN named so);
 *   TERN_ENOMEM  the kernel or the port ran out of resources;
 *   TERN_EIO     anything else.
 * dev->os_errno keeps the errno behind a failure. */
int tern_host_tap_open(tern_host_netdev *dev,
                       const tern_host_netdev_config *cfg);

/* Creates (or attaches to) a TUN interface: IP packets, for a
 * point-to-point link (`ip addr add A peer B dev tun0`). cfg->use_mac is
 * ignored. Returns as tern_host_tap_open. */
int tern_host_tun_open(tern_host_netdev *dev,
                       const tern_host_netdev_config *cfg);

/* The open device as a tern_netdev. */
tern_netdev tern_host_netdev_get(tern_host_netdev *dev);

/* The interface's name as the kernel made it ("tap0"), NUL-terminated. */
const char *tern_host_netdev_ifname(const tern_host_netdev *dev);

/* Unregisters from the port and closes the descriptor, which removes the
 * interface. Safe to call on a closed device. Returns 0. Tasks waiting in
 * poll_recv or poll_send are woken; afterwards both return TERN_ECLOSED
 * (send frees the packet), info has no TERN_NETDEV_UP and poll_event
 * reports TERN_NETDEV_EV_LINK once. */
int tern_host_netdev_close(tern_host_netdev *dev);

#ifdef __cplusplus
}
#endif

#endif /* TERN_HOST_NETDEV_H */
