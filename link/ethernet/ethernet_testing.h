// The bench for the Ethernet adapter's tests: the adapter over end B of a
// memory netdev pair (02:00:00:00:00:0b, 192.0.2.2, like vB in the
// captures) while the test plays the peer on end A (02:00:00:00:00:0a,
// 192.0.2.1), writing and reading whole frames, and the IP layer above,
// sending packets with their next hop at the front of the buffer. Golden
// frames come from /work/shared/captures (Linux 6.18): arp_icmp.pcap,
// dhcp_dora.pcap and ipv6_ndp_slaac.pcap.
#ifndef TERN_LINK_ETHERNET_ETHERNET_TESTING_H
#define TERN_LINK_ETHERNET_ETHERNET_TESTING_H

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

#include "executor/test_waker.h"
#include "tern/ethernet.h"
#include "tern/memnetdev.h"
#include "tern/neighbour.h"
#include "tern/sim.h"
#include "tern/timer.h"

namespace tern_eth_test {

using Bytes = std::vector<uint8_t>;
using tern_test::CountingWaker;

// arp_icmp.pcap frame 1: who has 192.0.2.2? tell 192.0.2.1 (broadcast).
const Bytes kArpRequestForUs = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0a, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
};
// arp_icmp.pcap frame 2: Linux's answer, 192.0.2.2 is at 02:..:0b.
const Bytes kArpReplyFromUs = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0b, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xc0, 0x00, 0x02, 0x02, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x01,
};
// dhcp_dora.pcap frame 9: who has 192.0.2.2? tell 192.0.2.103, from 0a.
const Bytes kArpRequestFrom103 = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0a, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x67, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
};
// dhcp_dora.pcap frame 10: Linux's answer to frame 9.
const Bytes kArpReplyTo103 = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0b, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xc0, 0x00, 0x02, 0x02, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x67,
};
// dhcp_dora.pcap frames 2-4: Linux (02:..:0b, 192.0.2.2) asks who has
// 192.0.2.103, three times one second apart, and gives up.
const Bytes kArpRequestFor103 = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0b, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xc0, 0x00, 0x02, 0x02, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x67,
};
// arp_icmp.pcap frame 7: ICMP echo request 192.0.2.1 -> 192.0.2.2, no data.
const Bytes kEchoRequestFrame = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0a, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x44, 0x0c, 0x40, 0x00,
    0x40, 0x01, 0x72, 0xd1, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02,
    0x02, 0x08, 0x00, 0xf0, 0x3d, 0x07, 0xc1, 0x00, 0x01,
};
// arp_icmp.pcap frame 8: the echo reply 192.0.2.2 -> 192.0.2.1.
const Bytes kEchoReplyFrame = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0b, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x4b, 0xe6, 0x00, 0x00,
    0x40, 0x01, 0xaa, 0xf7, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02,
    0x01, 0x00, 0x00, 0xf8, 0x3d, 0x07, 0xc1, 0x00, 0x01,
};

// ipv6_ndp_slaac.pcap frame 23: ping -6 fe80::ff:fe00:b%vA, the echo
// request from fe80::ff:fe00:a (0a) to us (0b), 56 data bytes.
const Bytes kEcho6RequestFrame = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
    0x86, 0xdd, 0x60, 0x06, 0xcb, 0x38, 0x00, 0x40, 0x3a, 0x40, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00,
    0x00, 0x0a, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xff, 0xfe, 0x00, 0x00, 0x0b, 0x80, 0x00, 0x2d, 0x49, 0x09, 0x3a,
    0x00, 0x01, 0x24, 0x74, 0x07, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x5f, 0x38,
    0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21,
    0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
    0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};
// ipv6_ndp_slaac.pcap frame 24: Linux's echo reply, fe80::ff:fe00:b (0b)
// to fe80::ff:fe00:a (0a).
const Bytes kEcho6ReplyFrame = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
    0x86, 0xdd, 0x60, 0x08, 0xcb, 0xa9, 0x00, 0x40, 0x3a, 0x40, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00,
    0x00, 0x0b, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xff, 0xfe, 0x00, 0x00, 0x0a, 0x81, 0x00, 0x2c, 0x49, 0x09, 0x3a,
    0x00, 0x01, 0x24, 0x74, 0x07, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x5f, 0x38,
    0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21,
    0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
    0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};
// ipv6_ndp_slaac.pcap frame 29: radvd's periodic router advertisement
// from fe80::ff:fe00:b (0b) to ff02::1, so to 33:33:00:00:00:01.
const Bytes kRouterAdvertFrame = {
    0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
    0x86, 0xdd, 0x60, 0x02, 0x05, 0x4c, 0x00, 0x58, 0x3a, 0xff, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00,
    0x00, 0x0b, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0x00, 0xec, 0xe5, 0x40, 0x00,
    0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x04,
    0x40, 0xc0, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00, 0x38, 0x40, 0x00, 0x00,
    0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x03, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x05, 0xdc, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b,
};
// ipv6_ndp_slaac.pcap frame 17: a neighbour solicitation from
// 2001:db8:1::ff:fe00:a (0a) for 2001:db8:1::1, our address in that
// capture, to its solicited-node group ff02::1:ff00:1
// (33:33:ff:00:00:01).
const Bytes kSolicitFrame = {
    0x33, 0x33, 0xff, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0a, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xfe, 0x00, 0x00, 0x0a, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x01, 0x87,
    0x00, 0x1d, 0x15, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
};

const uint8_t kMacA[6] = {0x02, 0, 0, 0, 0, 0x0a};
const uint8_t kMacB[6] = {0x02, 0, 0, 0, 0, 0x0b};
const uint8_t kIpPeer[4] = {192, 0, 2, 1};
const uint8_t kIpUs[4] = {192, 0, 2, 2};
const uint8_t kBcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const uint8_t kZeroMac[6] = {0, 0, 0, 0, 0, 0};
// fe80::ff:fe00:a, the peer's link-local address in ipv6_ndp_slaac.pcap.
const uint8_t kLinkLocalPeer[16] = {0xfe, 0x80, 0,    0, 0, 0, 0, 0,
                                    0,    0xff, 0xfe, 0, 0, 0, 0, 0x0a};
// ff02::1, all nodes; ff02::1:ff00:1, the solicited-node group of
// 2001:db8:1::1.
const uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
                               0,    0,    0, 0, 0, 0, 0, 1};
const uint8_t kSolicitedNode1[16] = {0xff, 0x02, 0, 0, 0,    0, 0, 0,
                                     0,    0,    0, 1, 0xff, 0, 0, 1};

inline Bytes Tail(const Bytes &f, size_t from) {
  return Bytes(f.begin() + from, f.end());
}
inline Bytes Head(const Bytes &f, size_t n) {
  return Bytes(f.begin(), f.begin() + n);
}

// An ARP packet in a frame, built field by field (RFC 826 layout).
inline Bytes ArpFrame(const uint8_t dst[6], const uint8_t src[6], uint16_t op,
                      const uint8_t sha[6], const uint8_t spa[4],
                      const uint8_t tha[6], const uint8_t tpa[4]) {
  Bytes f(dst, dst + 6);
  f.insert(f.end(), src, src + 6);
  const uint8_t fixed[] = {0x08, 0x06, 0x00, 0x01, 0x08,
                           0x00, 0x06, 0x04, 0x00, static_cast<uint8_t>(op)};
  f.insert(f.end(), fixed, fixed + sizeof fixed);
  f.insert(f.end(), sha, sha + 6);
  f.insert(f.end(), spa, spa + 4);
  f.insert(f.end(), tha, tha + 6);
  f.insert(f.end(), tpa, tpa + 4);
  return f;
}

// Who has ip? tell 192.0.2.2 -- what we must send (the form of
// kArpRequestFor103).
inline Bytes OurRequest(const uint8_t ip[4]) {
  return ArpFrame(kBcast, kMacB, 1, kMacB, kIpUs, kZeroMac, ip);
}

// The peer (mac, ip) answering our request.
inline Bytes PeerReply(const uint8_t mac[6], const uint8_t ip[4]) {
  return ArpFrame(kMacB, mac, 2, mac, ip, kMacB, kIpUs);
}

// Our RFC 5227 announcement of ip.
inline Bytes Announcement(const uint8_t ip[4]) {
  return ArpFrame(kBcast, kMacB, 1, kMacB, ip, kZeroMac, ip);
}

// What the IPv6 layer's NDP would provide: a neighbour cache of 16-byte
// addresses whose solicitations are recorded (the test answers them with
// tern_neigh_confirm, as NDP input would on a neighbour advertisement).
struct FakeNdp {
  tern_neighbour6 entries[4];
  tern_neigh_cache cache;
  std::vector<std::array<uint8_t, 16>> solicited;

  static int Solicit(void *self, const uint8_t *addr) {
    auto *n = static_cast<FakeNdp *>(self);
    std::array<uint8_t, 16> a;
    std::memcpy(a.data(), addr, 16);
    n->solicited.push_back(a);
    return 0;
  }

  void Init() {
    const tern_neigh_config cfg = {
        1000, 30000, 3, 1, {&FakeNdp::Solicit, this}};
    ASSERT_EQ(tern_neigh_cache_init6(&cache, entries, 4, &cfg), 0);
  }
};

class EthTest : public ::testing::Test {
 protected:
  static constexpr size_t kWireBufs = 40;
  static constexpr size_t kBufSize = 1600;
  static constexpr size_t kArpBufs = 6;
  // What the IP layer reserves in front of a packet: the adapter's
  // headroom (its header and the next hop at the buffer's front).
  static constexpr size_t kHeadroom4 = 14 + 4;
  static constexpr size_t kHeadroom6 = 14 + 16;

  void SetUp() override {
    tern_sim_set_time(1000000);
  }

  // Sets everything up; most tests call Start() with the defaults.
  void Start(uint16_t queue_len = 16, size_t n_nb = 4,
             uint16_t lower_headroom = 0) {
    ASSERT_GT(tern_pkt_pool_init(&wire_pool_, wire_store_, sizeof wire_store_,
                                 kBufSize),
              0);
    ASSERT_EQ(tern_pkt_pool_init(&arp_pool_, arp_store_, sizeof arp_store_, 64),
              static_cast<int>(kArpBufs));
    tern_memnetdev_config mc = TERN_MEMNETDEV_CONFIG_ETHERNET;
    mc.queue_len = queue_len;
    mc.headroom = lower_headroom;
    tern_memnetdev_init(&pair_, &mc);
    peer_ = tern_memnetdev_a(&pair_);
    ASSERT_EQ(
        tern_eth_init(&eth_, tern_memnetdev_b(&pair_), &arp_pool_, nb_, n_nb),
        0);
    started_ = true;
    ip_ = tern_eth_netdev(&eth_);
  }

  void TearDown() override {
    if (!started_) {
      return;
    }
    tern_eth_deinit(&eth_);
    Wire();  // whatever is left on the wire, both ways
    tern_netdev lower = tern_memnetdev_b(&pair_);
    tern_cx cx = rxw_.Cx(&timers_);
    tern_pkt *p;
    int err;
    while (tern_netdev_poll_recv(&lower, &cx, &p, &err) == TERN_READY &&
           err == 0) {
      tern_pkt_free(p);
    }
    // Nothing leaked: every buffer is back in its pool.
    EXPECT_EQ(tern_pkt_pool_available(&wire_pool_), wire_pool_.count);
    EXPECT_EQ(tern_pkt_pool_available(&arp_pool_), arp_pool_.count);
    EXPECT_EQ(tern_pkt_pool_get_stats(&arp_pool_).bad_frees, 0u);
    EXPECT_EQ(tern_pkt_pool_get_stats(&wire_pool_).bad_frees, 0u);
  }

  // The peer puts a frame on the wire.
  void Inject(const Bytes &f) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&wire_pool_);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(tern_pkt_reserve(p, pair_.cfg.headroom), 0);
    uint8_t *d = tern_pkt_put(p, f.size());
    ASSERT_NE(d, nullptr);
    if (!f.empty()) {
      memcpy(d, f.data(), f.size());
    }
    tern_cx cx = peerw_.Cx(&timers_);
    int err = 1;
    ASSERT_EQ(tern_netdev_poll_send(&peer_, &cx, p, &err), TERN_READY);
    ASSERT_EQ(err, 0);
  }

  // Every frame the peer can read now.
  std::vector<Bytes> Wire() {
    std::vector<Bytes> out;
    tern_cx cx = peerw_.Cx(&timers_);
    tern_pkt *p;
    int err;
    while (tern_netdev_poll_recv(&peer_, &cx, &p, &err) == TERN_READY) {
      if (err != 0) {
        break;
      }
      const uint8_t *d = tern_pkt_data(p);
      out.emplace_back(d, d + tern_pkt_len(p));
      tern_pkt_free(p);
    }
    return out;
  }

  // One poll of the adapter's receive side.
  tern_poll Recv(tern_pkt **p, int *err) {
    tern_cx cx = rxw_.Cx(&timers_);
    return tern_netdev_poll_recv(&ip_, &cx, p, err);
  }

  // Polls receive until it is PENDING without yielding; returns the IP
  // packets handed up (and, in casts, the link_cast of each).
  std::vector<Bytes> RecvAll(std::vector<uint8_t> *casts = nullptr) {
    std::vector<Bytes> out;
    for (int i = 0; i < 100; i++) {
      tern_pkt *p = nullptr;
      int err = 1;
      rxw_.Take();
      if (Recv(&p, &err) == TERN_PENDING) {
        if (rxw_.Take() == 0) {
          break;  // nothing more: not a yield
        }
        continue;
      }
      EXPECT_EQ(err, 0);
      if (err != 0) {
        break;
      }
      const uint8_t *d = tern_pkt_data(p);
      out.emplace_back(d, d + tern_pkt_len(p));
      if (casts != nullptr) {
        casts->push_back(p->link_cast);
      }
      tern_pkt_free(p);
    }
    return out;
  }

  // An IP packet for the adapter as the IP layer builds it: `headroom`
  // bytes in front of its data and the next hop (nh_len bytes) at the
  // front of the buffer.
  tern_pkt *Packet(const Bytes &bytes, const uint8_t *nh, size_t nh_len,
                   size_t headroom) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&wire_pool_);
    EXPECT_NE(p, nullptr);
    EXPECT_EQ(tern_pkt_reserve(p, headroom), 0);
    uint8_t *d = tern_pkt_put(p, bytes.size());
    EXPECT_NE(d, nullptr);
    memcpy(d, bytes.data(), bytes.size());
    memcpy(tern_pkt_next_hop(p), nh, nh_len);
    return p;
  }

  // An IPv4 packet with its 4-byte next hop.
  tern_pkt *IpPacket(const Bytes &bytes, const uint8_t next_hop[4],
                     size_t headroom = kHeadroom4) {
    return Packet(bytes, next_hop, 4, headroom);
  }

  // An IPv6 packet with its 16-byte next hop.
  tern_pkt *Ip6Packet(const Bytes &bytes, const uint8_t next_hop[16],
                      size_t headroom = kHeadroom6) {
    return Packet(bytes, next_hop, 16, headroom);
  }

  // Sends a packet that must be taken (READY); returns *err.
  int Send(tern_pkt *p) {
    tern_cx cx = txw_.Cx(&timers_);
    int err = 1;
    EXPECT_EQ(tern_netdev_poll_send(&ip_, &cx, p, &err), TERN_READY);
    return err;
  }

  // The captured echo reply's packet readdressed to ip, on the link: ip
  // is its next hop too.
  int SendEchoReply(const uint8_t ip[4]) {
    return Send(EchoReplyPacket(ip, ip));
  }

  // The same echo reply to dst through the router at next_hop (dst off
  // the link): the adapter tells a router's resolution by a next hop that
  // is not the packet's destination.
  int SendThrough(const uint8_t next_hop[4], const uint8_t dst[4]) {
    return Send(EchoReplyPacket(dst, next_hop));
  }

  // kEchoReplyFrame's IPv4 packet (to kIpPeer) readdressed to dst, its
  // header checksum made right again, with next_hop.
  tern_pkt *EchoReplyPacket(const uint8_t dst[4], const uint8_t next_hop[4]) {
    Bytes b = Tail(kEchoReplyFrame, 14);
    std::memcpy(&b[16], dst, 4);
    b[10] = b[11] = 0;
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2) {
      sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
    b[10] = (uint8_t)(sum >> 8);
    b[11] = (uint8_t)sum;
    return IpPacket(b, next_hop);
  }

  void SetIp(const uint8_t ip[4]) {
    EXPECT_EQ(tern_netdev_set_addr(&ip_, ip, 4), 0);
  }

  // One poll of the adapter's events: the bits, or 0 when PENDING.
  uint32_t Events() {
    tern_cx cx = evw_.Cx(&timers_);
    uint32_t ev = 0;
    if (tern_netdev_poll_event(&ip_, &cx, &ev) == TERN_PENDING) {
      return 0;
    }
    EXPECT_NE(ev, 0u);
    return ev;
  }

  // Moves virtual time and fires the timers, as the run loop would.
  void Advance(uint32_t ms) {
    tern_sim_advance(ms);
    tern_timer_queue_fire(&timers_, tern_now());
  }

  // Our address set and the two announcements it causes (2 s apart)
  // taken off the wire.
  void StartWithIp(uint16_t queue_len = 16, size_t n_nb = 4,
                   uint16_t lower_headroom = 0) {
    Start(queue_len, n_nb, lower_headroom);
    SetIp(kIpUs);
    for (int i = 0; i < 2; i++) {
      if (i > 0) {
        Advance(2000);
        EXPECT_TRUE(RecvAll().empty());
      }
      std::vector<Bytes> w = Wire();
      ASSERT_EQ(w.size(), 1u);
      ASSERT_EQ(w[0], Announcement(kIpUs));
    }
  }

  // Resolves (mac, ip) by sending a packet and answering the request.
  void Resolve(const uint8_t mac[6], const uint8_t ip[4]) {
    ASSERT_EQ(SendEchoReply(ip), 0);
    std::vector<Bytes> w = Wire();
    ASSERT_EQ(w.size(), 1u);
    ASSERT_EQ(w[0], OurRequest(ip));
    Inject(PeerReply(mac, ip));
    EXPECT_TRUE(RecvAll().empty());
    w = Wire();
    ASSERT_EQ(w.size(), 1u);  // the held packet
    EXPECT_EQ(Head(w[0], 6), Bytes(mac, mac + 6));
  }

  // Attaches the fake NDP cache.
  void AttachNdp() {
    ndp_.Init();
    ASSERT_EQ(tern_eth_attach_ndp(&eth_, &ndp_.cache), 0);
  }

  const tern_eth_stats &Stats() {
    return *tern_eth_get_stats(&eth_);
  }

  alignas(16) uint8_t
      wire_store_[TERN_PKT_POOL_STORAGE_SIZE(kWireBufs, kBufSize)];
  alignas(16) uint8_t arp_store_[TERN_PKT_POOL_STORAGE_SIZE(kArpBufs, 64)];
  tern_pkt_pool wire_pool_;
  tern_pkt_pool arp_pool_;
  tern_memnetdev_pair pair_;
  tern_netdev peer_;
  tern_netdev ip_;
  tern_eth eth_;
  tern_neighbour4 nb_[16];
  FakeNdp ndp_;
  bool started_ = false;
  CountingWaker rxw_, txw_, peerw_, evw_;
  // The tasks' executor's timer queue: theirs, so the adapter's timer.
  tern_timer_queue timers_ = TERN_TIMER_QUEUE_INIT;
};

}  // namespace tern_eth_test

#endif  // TERN_LINK_ETHERNET_ETHERNET_TESTING_H
