/* The pcap adapter. See tern/pcap.h. */
#define _GNU_SOURCE
#include "tern/pcap.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "tern/err.h"

/* Fields go out in the host's byte order, as libpcap writes them; readers
 * tell the order from the magic number. */
static void put32(uint8_t *p, uint32_t v) {
  memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v) {
  memcpy(p, &v, 2);
}

static void realtime_clock(void *ctx, uint32_t *sec, uint32_t *usec) {
  (void)ctx;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  *sec = (uint32_t)ts.tv_sec; /* the format's 32 bits: good until 2106 */
  *usec = (uint32_t)(ts.tv_nsec / 1000);
}

/* Writes all of iov, retrying partial writes and EINTR. Returns 0 or -1. */
static int write_all(tern_pcap *cap, struct iovec *iov, int n) {
  while (n > 0) {
    ssize_t w = writev(cap->fd, iov, n);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      cap->os_errno = errno;
      return -1;
    }
    size_t left = (size_t)w;
    while (n > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      iov++;
      n--;
    }
    if (n > 0) {
      iov->iov_base = (uint8_t *)iov->iov_base + left;
      iov->iov_len -= left;
    }
  }
  return 0;
}

static void record(tern_pcap *cap, const uint8_t *data, size_t caplen,
                   size_t len, int is_tx) {
  uint32_t sec = 0, usec = 0;
  cap->clock(cap->clock_ctx, &sec, &usec);
  uint8_t hdr[TERN_PCAP_RECORD_HEADER_LEN];
  put32(hdr, sec);
  put32(hdr + 4, usec);
  put32(hdr + 8, (uint32_t)caplen);
  put32(hdr + 12, (uint32_t)len);
  struct iovec iov[2];
  iov[0].iov_base = hdr;
  iov[0].iov_len = sizeof hdr;
  iov[1].iov_base = (void *)(uintptr_t)data;
  iov[1].iov_len = caplen;
  if (write_all(cap, iov, caplen > 0 ? 2 : 1) != 0) {
    cap->stats.write_errors++;
    return;
  }
  cap->stats.records++;
  if (is_tx) {
    cap->stats.tx_records++;
  } else {
    cap->stats.rx_records++;
  }
}

int tern_pcap_init(tern_pcap *cap, tern_netdev lower, int fd, uint8_t *scratch,
                   size_t scratch_len) {
  if (cap == NULL || fd < 0 || (scratch == NULL && scratch_len != 0)) {
    return TERN_EINVAL;
  }
  memset(cap, 0, sizeof *cap);
  tern_netdev_info info = tern_netdev_get_info(&lower);
  if (info.medium == TERN_MEDIUM_ETHERNET) {
    cap->linktype = TERN_PCAP_LINKTYPE_ETHERNET;
  } else if (info.medium == TERN_MEDIUM_IP) {
    cap->linktype = TERN_PCAP_LINKTYPE_RAW;
  } else {
    return TERN_ENOTSUP;
  }
  cap->lower = lower;
  cap->fd = fd;
  cap->scratch = scratch;
  cap->scratch_len = scratch_len;
  cap->clock = realtime_clock;

  uint8_t hdr[TERN_PCAP_FILE_HEADER_LEN];
  put32(hdr, 0xa1b2c3d4u); /* microsecond timestamps */
  put16(hdr + 4, 2);       /* version 2.4 */
  put16(hdr + 6, 4);
  put32(hdr + 8, 0);  /* thiszone: timestamps are UTC */
  put32(hdr + 12, 0); /* sigfigs */
  put32(hdr + 16, TERN_PCAP_SNAPLEN);
  put32(hdr + 20, cap->linktype);
  struct iovec iov = {hdr, sizeof hdr};
  if (write_all(cap, &iov, 1) != 0) {
    return TERN_EIO;
  }
  return 0;
}

void tern_pcap_set_clock(tern_pcap *cap, tern_pcap_clock_fn clock, void *ctx) {
  cap->clock = clock != NULL ? clock : realtime_clock;
  cap->clock_ctx = clock != NULL ? ctx : NULL;
}

const tern_pcap_stats *tern_pcap_get_stats(const tern_pcap *cap) {
  return &cap->stats;
}

static tern_poll pcap_poll_recv(void *self, tern_cx *cx, tern_pkt **pkt,
                                int *err) {
  tern_pcap *cap = self;
  if (tern_netdev_poll_recv(&cap->lower, cx, pkt, err) == TERN_PENDING) {
    return TERN_PENDING;
  }
  if (*err == 0 && *pkt != NULL) {
    size_t len = tern_pkt_len(*pkt);
    record(cap, tern_pkt_data(*pkt), len, len, 0);
  }
  return TERN_READY;
}

static tern_poll pcap_poll_send(void *self, tern_cx *cx, tern_pkt *pkt,
                                int *err) {
  tern_pcap *cap = self;
  /* Once the device accepts the packet it is the device's (it may be
   * freed before poll_send returns), so keep a copy to record from. */
  size_t len = tern_pkt_len(pkt);
  size_t caplen = len < cap->scratch_len ? len : cap->scratch_len;
  if (caplen > 0) {
    memcpy(cap->scratch, tern_pkt_data(pkt), caplen);
  }
  if (tern_netdev_poll_send(&cap->lower, cx, pkt, err) == TERN_PENDING) {
    return TERN_PENDING;
  }
  if (*err == 0) {
    if (caplen < len) {
      cap->stats.truncated++;
    }
    record(cap, cap->scratch, caplen, len, 1);
  }
  return TERN_READY;
}

static void pcap_get_info(void *self, tern_netdev_info *info) {
  tern_pcap *cap = self;
  *info = tern_netdev_get_info(&cap->lower);
}

static const tern_netdev_stats *pcap_get_stats(void *self) {
  tern_pcap *cap = self;
  return tern_netdev_get_stats(&cap->lower);
}

/* The recorder adds nothing of its own to the device: events, addresses
 * and multicast groups are the lower device's. */
static tern_poll pcap_poll_event(void *self, tern_cx *cx, uint32_t *events) {
  tern_pcap *cap = self;
  return tern_netdev_poll_event(&cap->lower, cx, events);
}

static int pcap_set_addr(void *self, const uint8_t *addr, size_t len) {
  tern_pcap *cap = self;
  return tern_netdev_set_addr(&cap->lower, addr, len);
}

static int pcap_mcast(void *self, const uint8_t *group, size_t len, bool join) {
  tern_pcap *cap = self;
  return tern_netdev_mcast(&cap->lower, group, len, join);
}

static const tern_netdev_ops pcap_ops = {
    .poll_recv = pcap_poll_recv,
    .poll_send = pcap_poll_send,
    .get_info = pcap_get_info,
    .get_stats = pcap_get_stats,
    .poll_event = pcap_poll_event,
    .set_addr = pcap_set_addr,
    .mcast = pcap_mcast,
};

tern_netdev tern_pcap_netdev(tern_pcap *cap) {
  tern_netdev d;
  d.ops = &pcap_ops;
  d.self = cap;
  return d;
}
