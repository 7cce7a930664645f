// For the client's tests and its fuzz target (no GoogleTest here): the
// device the client runs on, over a memory netdev's end, with the events
// a test raises (an address conflict, as the Ethernet adapter reports
// one) and a MAC; and the IPv4 + UDP datagram a server's message arrives
// in.
#ifndef TERN_DHCPV4_TESTING_H
#define TERN_DHCPV4_TESTING_H

#include <stdint.h>
#include <string.h>

#include <vector>

#include "tern/addr.h"
#include "tern/checksum.h"
#include "tern/memnetdev.h"
#include "tern/netdev.h"

namespace tern_test {

// An IPv4 + UDP datagram around a DHCP message (UDP checksum 0: none).
inline std::vector<uint8_t> Datagram(tern_ipv4_addr src, tern_ipv4_addr dst,
                                     const std::vector<uint8_t> &msg,
                                     uint16_t sport = 67, uint16_t dport = 68) {
  size_t total = 28 + msg.size();
  std::vector<uint8_t> d = {
      0x45, 0, uint8_t(total >> 8), uint8_t(total), 0, 1, 0, 0, 64, 17, 0, 0};
  d.insert(d.end(), src.b, src.b + 4);
  d.insert(d.end(), dst.b, dst.b + 4);
  uint16_t c = tern_checksum(d.data(), 20);
  d[10] = uint8_t(c >> 8);
  d[11] = uint8_t(c);
  size_t ulen = 8 + msg.size();
  const uint8_t u[8] = {uint8_t(sport >> 8),
                        uint8_t(sport),
                        uint8_t(dport >> 8),
                        uint8_t(dport),
                        uint8_t(ulen >> 8),
                        uint8_t(ulen),
                        0,
                        0};
  d.insert(d.end(), u, u + 8);
  d.insert(d.end(), msg.begin(), msg.end());
  return d;
}

// A device over another (a memory netdev's end A) that reports `mac` as
// its address, as the Ethernet adapter does, and the events Raise is
// given besides the inner device's (link changes); with next_hop, the
// adapter's TERN_NETDEV_NEXT_HOP too (the IP layer then takes only a
// gateway it can resolve).
struct EventDev {
  tern_netdev inner;
  tern_netdev_ops ops = {};
  uint8_t mac[6];
  bool next_hop = false;  // claim TERN_NETDEV_NEXT_HOP, as Ethernet does
  uint32_t pending = 0;
  tern_waker_slot waiter = {};
  EventDev(tern_netdev in, const uint8_t m[6]) : inner(in) {
    memcpy(mac, m, 6);
    ops.poll_recv = [](void *s, tern_cx *cx, tern_pkt **p, int *e) {
      return tern_netdev_poll_recv(&static_cast<EventDev *>(s)->inner, cx, p,
                                   e);
    };
    ops.poll_send = [](void *s, tern_cx *cx, tern_pkt *p, int *e) {
      return tern_netdev_poll_send(&static_cast<EventDev *>(s)->inner, cx, p,
                                   e);
    };
    ops.get_info = [](void *s, tern_netdev_info *i) {
      auto *d = static_cast<EventDev *>(s);
      *i = tern_netdev_get_info(&d->inner);
      memcpy(i->mac, d->mac, 6);
      if (d->next_hop) {
        i->flags |= TERN_NETDEV_NEXT_HOP;
        i->headroom = uint16_t(i->headroom + TERN_PKT_NEXT_HOP4_LEN);
      }
    };
    ops.poll_event = [](void *s, tern_cx *cx, uint32_t *ev) {
      auto *d = static_cast<EventDev *>(s);
      uint32_t inner_ev = 0;
      if (tern_netdev_poll_event(&d->inner, cx, &inner_ev) == TERN_READY) {
        d->pending |= inner_ev;
      }
      if (d->pending != 0) {
        *ev = d->pending;
        d->pending = 0;
        return TERN_READY;
      }
      tern_waker_slot_register(&d->waiter, cx);
      return TERN_PENDING;
    };
    ops.set_addr = [](void *s, const uint8_t *a, size_t len) {
      return tern_netdev_set_addr(&static_cast<EventDev *>(s)->inner, a, len);
    };
  }
  EventDev(const EventDev &) = delete;
  void Raise(uint32_t ev) {
    pending |= ev;
    tern_waker_slot_wake(&waiter);
  }
  tern_netdev Dev() {
    return tern_netdev{&ops, this};
  }
};

}  // namespace tern_test

#endif  // TERN_DHCPV4_TESTING_H
