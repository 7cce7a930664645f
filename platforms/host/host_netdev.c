/* TAP and TUN drivers over /dev/net/tun. See tern/host_netdev.h. */
#define _GNU_SOURCE
#include "tern/host_netdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tern/err.h"

#define ETH_HEADER 14u

/* Frames dropped in one poll_recv before it yields to other tasks, so a
 * flood into an exhausted pool cannot hold the run loop. */
#define RX_DROPS_PER_POLL 32

static tern_netdev_stats *dev_stats(tern_host_netdev *dev) {
  return &dev->stats;
}

static int map_open_errno(int e) {
  switch (e) {
    case ENOENT:
    case ENODEV:
    case ENXIO: return TERN_ENOENT;
    case EPERM:
    case EACCES: return TERN_ENOTSUP;
    case EBUSY: return TERN_EBUSY;
    case EINVAL: return TERN_EINVAL;
    case ENOMEM:
    case ENFILE:
    case EMFILE:
    case ENOBUFS: return TERN_ENOMEM;
    default: return TERN_EIO;
  }
}

/* The interface's MTU, asked through a throwaway datagram socket (in the
 * same network namespace as the interface). */
static int query_mtu(tern_host_netdev *dev, uint16_t *mtu) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    dev->os_errno = errno;
    return map_open_errno(errno);
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, dev->ifname, sizeof ifr.ifr_name);
  int r = ioctl(s, SIOCGIFMTU, &ifr);
  int e = errno;
  close(s);
  if (r != 0) {
    dev->os_errno = e;
    return map_open_errno(e);
  }
  if (ifr.ifr_mtu <= 0 || ifr.ifr_mtu > 0xffff) {
    return TERN_ERANGE;
  }
  *mtu = (uint16_t)ifr.ifr_mtu;
  return 0;
}

static int random_mac(tern_host_netdev *dev, uint8_t mac[6]) {
  size_t got = 0;
  while (got < 6) {
    ssize_t n = getrandom(mac + got, 6 - got, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      dev->os_errno = errno;
      return TERN_EIO;
    }
    got += (size_t)n;
  }
  mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02); /* local, unicast */
  return 0;
}

static int netdev_open(tern_host_netdev *dev,
                       const tern_host_netdev_config *cfg, bool tap) {
  if (dev == NULL) {
    return TERN_EINVAL;
  }
  memset(dev, 0, sizeof *dev);
  dev->fd = -1;
  dev->reg.fd = -1;
  if (cfg == NULL || cfg->rx_pool == NULL) {
    return TERN_EINVAL;
  }
  const char *name = cfg->ifname;
  if (name != NULL && strlen(name) >= TERN_HOST_IFNAMSIZ) {
    return TERN_EINVAL;
  }
  dev->rx_pool = cfg->rx_pool;
  dev->info.medium = tap ? TERN_MEDIUM_ETHERNET : TERN_MEDIUM_IP;
  if (tap) {
    if (cfg->use_mac) {
      const uint8_t *m = cfg->mac;
      if ((m[0] & 1) != 0 || (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0) {
        return TERN_EINVAL;
      }
      memcpy(dev->info.mac, m, 6);
    } else {
      int err = random_mac(dev, dev->info.mac);
      if (err != 0) {
        return err;
      }
    }
  }

  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    dev->os_errno = errno;
    return map_open_errno(errno);
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = (short)((tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
  if (name != NULL) {
    memcpy(ifr.ifr_name, name, strlen(name));
  }
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    dev->os_errno = errno;
    close(fd);
    return map_open_errno(dev->os_errno);
  }
  memcpy(dev->ifname, ifr.ifr_name, TERN_HOST_IFNAMSIZ - 1);
  dev->ifname[TERN_HOST_IFNAMSIZ - 1] = '\0';

  uint16_t mtu = cfg->mtu;
  if (mtu == 0) {
    int err = query_mtu(dev, &mtu);
    if (err != 0) {
      close(fd);
      return err;
    }
    if (tap) {
      mtu = (uint16_t)(mtu > 0xffff - ETH_HEADER ? 0xffff : mtu + ETH_HEADER);
    }
  }
  dev->info.mtu = mtu;
  dev->info.headroom = 0;
  dev->info.tailroom = 0;
  dev->info.flags = TERN_NETDEV_UP; /* attached to the interface */

  int err = tern_host_fd_register(&dev->reg, fd);
  if (err != 0) {
    close(fd);
    return err;
  }
  dev->fd = fd;
  return 0;
}

int tern_host_tap_open(tern_host_netdev *dev,
                       const tern_host_netdev_config *cfg) {
  return netdev_open(dev, cfg, true);
}

int tern_host_tun_open(tern_host_netdev *dev,
                       const tern_host_netdev_config *cfg) {
  return netdev_open(dev, cfg, false);
}

/* Detaches from the interface (closed by the owner, or failed under us):
 * the link is down for good. The device is marked closed first, then tasks
 * waiting for the descriptor are woken before the registration (and the
 * wakers it keeps) goes: a woken task that polls at once meets
 * TERN_ECLOSED rather than storing a waker the unregister would forget. */
static void detach(tern_host_netdev *dev) {
  int fd = dev->fd;
  dev->fd = -1;
  dev->info.flags &= (uint8_t)~TERN_NETDEV_UP;
  dev->events |= TERN_NETDEV_EV_LINK;
  (void)tern_host_fd_wake(&dev->reg);
  (void)tern_host_fd_unregister(&dev->reg);
  close(fd);
  tern_waker_slot_wake(&dev->ev_waker);
}

int tern_host_netdev_close(tern_host_netdev *dev) {
  if (dev == NULL || dev->fd < 0) {
    return 0;
  }
  detach(dev);
  return 0;
}

const char *tern_host_netdev_ifname(const tern_host_netdev *dev) {
  return dev->ifname;
}

/* Reads one frame into pkt (or, with pkt NULL, into a stack buffer to drop
 * it). Returns the frame's length, or -1 with errno set. A frame longer
 * than the packet's buffer spills into the extra byte, so n > capacity
 * tells it was cut short (the kernel discards the rest). */
static ssize_t read_frame(int fd, tern_pkt *pkt) {
  uint8_t spill[64];
  struct iovec iov[2];
  int n_iov = 0;
  if (pkt != NULL) {
    iov[0].iov_base = tern_pkt_data(pkt);
    iov[0].iov_len = tern_pkt_tailroom(pkt);
    n_iov++;
  }
  iov[n_iov].iov_base = spill;
  iov[n_iov].iov_len = pkt != NULL ? 1 : sizeof spill;
  n_iov++;
  ssize_t n;
  do {
    n = readv(fd, iov, n_iov);
  } while (n < 0 && errno == EINTR);
  return n;
}

static tern_poll netdev_poll_recv(void *self, tern_cx *cx, tern_pkt **out,
                                  int *err) {
  tern_host_netdev *dev = self;
  *out = NULL;
  if (dev->fd < 0) {
    *err = TERN_ECLOSED;
    return TERN_READY;
  }
  tern_netdev_stats *st = dev_stats(dev);
  for (int drops = 0;;) {
    tern_pkt *pkt = tern_pkt_pool_try_alloc(dev->rx_pool);
    ssize_t n = read_frame(dev->fd, pkt);
    if (n < 0) {
      int e = errno;
      tern_pkt_free(pkt);
      if (e == EAGAIN || e == EWOULDBLOCK) {
        if (tern_host_fd_poll_readable(&dev->reg, cx) == TERN_PENDING) {
          return TERN_PENDING;
        }
        continue; /* a frame arrived meanwhile */
      }
      dev->os_errno = e;
      if (e == EBADFD || e == EBADF) {
        /* The interface was deleted under us: the device is gone. */
        detach(dev);
        *err = TERN_ECLOSED;
      } else {
        *err = TERN_EIO;
      }
      return TERN_READY;
    }
    size_t len = (size_t)n;
    bool keep = false;
    if (pkt == NULL) {
      st->rx_drop_nobuf++;
    } else if (len > tern_pkt_tailroom(pkt)) {
      st->rx_drop_too_long++;
    } else if (len == 0 ||
               (dev->info.medium == TERN_MEDIUM_ETHERNET && len < ETH_HEADER)) {
      st->rx_drop_malformed++;
    } else {
      keep = true;
    }
    if (keep) {
      (void)tern_pkt_put(pkt, len);
      st->rx_packets++;
      st->rx_bytes += (uint32_t)len;
      *out = pkt;
      *err = 0;
      return TERN_READY;
    }
    tern_pkt_free(pkt);
    if (++drops >= RX_DROPS_PER_POLL) {
      /* Let the other tasks run; come back at once. */
      tern_cx_wake_now(cx);
      return TERN_PENDING;
    }
  }
}

static tern_poll netdev_poll_send(void *self, tern_cx *cx, tern_pkt *pkt,
                                  int *err) {
  tern_host_netdev *dev = self;
  tern_netdev_stats *st = dev_stats(dev);
  if (dev->fd < 0) {
    st->tx_drop_down++;
    tern_pkt_free(pkt);
    *err = TERN_ECLOSED;
    return TERN_READY;
  }
  size_t len = tern_pkt_len(pkt);
  if (len > dev->info.mtu) {
    st->tx_drop_too_long++;
    tern_pkt_free(pkt);
    *err = TERN_EMSGSIZE;
    return TERN_READY;
  }
  for (;;) {
    ssize_t n = write(dev->fd, tern_pkt_data(pkt), len);
    if (n >= 0 && (size_t)n == len) {
      st->tx_packets++;
      st->tx_bytes += (uint32_t)len;
      tern_pkt_free(pkt);
      *err = 0;
      return TERN_READY;
    }
    int e = n < 0 ? errno : EIO; /* a short write does not happen on tun */
    if (e == EINTR) {
      continue;
    }
    if (e == EAGAIN || e == EWOULDBLOCK) {
      if (tern_host_fd_poll_writable(&dev->reg, cx) == TERN_PENDING) {
        return TERN_PENDING; /* the caller keeps the packet */
      }
      continue;
    }
    dev->os_errno = e;
    if (e == EIO) {
      /* The kernel answers EIO while its side of the interface is down
       * (`ip link set tap0 down`): the packet cannot go now, but it may
       * when the interface is brought up again. Our end stays attached,
       * so info keeps TERN_NETDEV_UP (see tern/host_netdev.h). */
      st->tx_drop_down++;
      *err = TERN_ENETDOWN;
    } else if (e == EBADFD || e == EBADF) {
      st->tx_drop_down++;
      detach(dev);
      *err = TERN_ECLOSED;
    } else if (e == EINVAL) {
      st->tx_drop_error++;
      *err = TERN_EINVAL;
    } else {
      st->tx_drop_error++;
      *err = TERN_EIO;
    }
    tern_pkt_free(pkt);
    return TERN_READY;
  }
}

static void netdev_get_info(void *self, tern_netdev_info *info) {
  const tern_host_netdev *dev = self;
  *info = dev->info;
}

static const tern_netdev_stats *netdev_get_stats(void *self) {
  return dev_stats(self);
}

static tern_poll netdev_poll_event(void *self, tern_cx *cx, uint32_t *events) {
  tern_host_netdev *dev = self;
  if (dev->events == 0) {
    tern_waker_slot_register(&dev->ev_waker, cx);
    return TERN_PENDING;
  }
  *events = dev->events;
  dev->events = 0;
  return TERN_READY;
}

/* TAP: the kernel hands the descriptor every frame the interface gets,
 * multicast included (no TUNSETTXFILTER here), so a join has nothing to
 * program: it checks the group and counts. */
static int tap_mcast(void *self, const uint8_t *group, size_t len, bool join) {
  tern_host_netdev *dev = self;
  if (group == NULL || len != 6 || (group[0] & 1) == 0) {
    return TERN_EINVAL;
  }
  if (join) {
    dev->mcast_joins++;
  } else if (dev->mcast_joins == 0) {
    return TERN_ENOENT;
  } else {
    dev->mcast_joins--;
  }
  return 0;
}

/* No set_addr: neither needs our addresses (the Ethernet adapter above a
 * TAP answers ARP; a TUN has no link addresses). A TUN has no mcast
 * either: it gets every IP packet the kernel routes to it. */
static const tern_netdev_ops tap_ops = {
    .poll_recv = netdev_poll_recv,
    .poll_send = netdev_poll_send,
    .get_info = netdev_get_info,
    .get_stats = netdev_get_stats,
    .poll_event = netdev_poll_event,
    .set_addr = NULL,
    .mcast = tap_mcast,
};

static const tern_netdev_ops tun_ops = {
    .poll_recv = netdev_poll_recv,
    .poll_send = netdev_poll_send,
    .get_info = netdev_get_info,
    .get_stats = netdev_get_stats,
    .poll_event = netdev_poll_event,
    .set_addr = NULL,
    .mcast = NULL,
};

tern_netdev tern_host_netdev_get(tern_host_netdev *dev) {
  tern_netdev d;
  d.ops = dev->info.medium == TERN_MEDIUM_ETHERNET ? &tap_ops : &tun_ops;
  d.self = dev;
  return d;
}
