// The Ethernet adapter over a memory netdev pair: the adapter is end B
// (02:00:00:00:00:0b, 192.0.2.2, like vB in the captures) and the test
// plays the peer on end A (02:00:00:00:00:0a, 192.0.2.1), writing and
// reading whole frames. Golden frames come from
// /work/shared/captures/arp_icmp.pcap and dhcp_dora.pcap (Linux 6.18).
#include "tern/ethernet.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "executor/test_waker.h"
#include "link/ethernet/example.h"
#include "tern/arp_wire.h"
#include "tern/executor.h"
#include "tern/memnetdev.h"
#include "tern/sim.h"
#include "tern/timer.h"

namespace {

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

const uint8_t kMacA[6] = {0x02, 0, 0, 0, 0, 0x0a};
const uint8_t kMacB[6] = {0x02, 0, 0, 0, 0, 0x0b};
const uint8_t kIpPeer[4] = {192, 0, 2, 1};
const uint8_t kIpUs[4] = {192, 0, 2, 2};

Bytes Tail(const Bytes &f, size_t from) {
  return Bytes(f.begin() + from, f.end());
}

// An ARP packet in a frame, built field by field (RFC 826 layout).
Bytes ArpFrame(const uint8_t dst[6], const uint8_t src[6], uint16_t op,
               const uint8_t sha[6], const uint8_t spa[4], const uint8_t tha[6],
               const uint8_t tpa[4]) {
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

const uint8_t kBcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const uint8_t kZeroMac[6] = {0, 0, 0, 0, 0, 0};

// Who has ip? tell 192.0.2.2 -- what we must send (the form of
// kArpRequestFor103).
Bytes OurRequest(const uint8_t ip[4]) {
  return ArpFrame(kBcast, kMacB, 1, kMacB, kIpUs, kZeroMac, ip);
}

// The peer (mac, ip) answering our request.
Bytes PeerReply(const uint8_t mac[6], const uint8_t ip[4]) {
  return ArpFrame(kMacB, mac, 2, mac, ip, kMacB, kIpUs);
}

// Our RFC 5227 announcement of ip.
Bytes Announcement(const uint8_t ip[4]) {
  return ArpFrame(kBcast, kMacB, 1, kMacB, ip, kZeroMac, ip);
}

class EthTest : public ::testing::Test {
 protected:
  static constexpr size_t kWireBufs = 40;
  static constexpr size_t kBufSize = 1600;
  static constexpr size_t kArpBufs = 6;

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
    tern_cx cx = rxw_.Cx();
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
    tern_cx cx = peerw_.Cx();
    int err = 1;
    ASSERT_EQ(tern_netdev_poll_send(&peer_, &cx, p, &err), TERN_READY);
    ASSERT_EQ(err, 0);
  }

  // Every frame the peer can read now.
  std::vector<Bytes> Wire() {
    std::vector<Bytes> out;
    tern_cx cx = peerw_.Cx();
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
    tern_cx cx = rxw_.Cx();
    return tern_netdev_poll_recv(&ip_, &cx, p, err);
  }

  // Polls receive until it is PENDING without yielding; returns the IPv4
  // packets handed up.
  std::vector<Bytes> RecvAll() {
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
      tern_pkt_free(p);
    }
    return out;
  }

  // An IPv4 packet for the adapter, with room for its header.
  tern_pkt *IpPacket(const Bytes &bytes, const uint8_t next_hop[4],
                     size_t headroom = 14) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&wire_pool_);
    EXPECT_NE(p, nullptr);
    EXPECT_EQ(tern_pkt_reserve(p, headroom), 0);
    uint8_t *d = tern_pkt_put(p, bytes.size());
    EXPECT_NE(d, nullptr);
    memcpy(d, bytes.data(), bytes.size());
    memcpy(p->next_hop, next_hop, 4);
    return p;
  }

  // Sends a packet that must be taken (READY); returns *err.
  int Send(tern_pkt *p) {
    tern_cx cx = txw_.Cx();
    int err = 1;
    EXPECT_EQ(tern_netdev_poll_send(&ip_, &cx, p, &err), TERN_READY);
    return err;
  }

  void SetIp(const uint8_t ip[4]) {
    tern_netdev_set_ipv4(&ip_, ip);
  }

  // Moves virtual time and fires the timers, as the run loop would.
  void Advance(uint32_t ms) {
    tern_sim_advance(ms);
    tern_timers_fire(tern_now());
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
    ASSERT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), ip)), 0);
    std::vector<Bytes> w = Wire();
    ASSERT_EQ(w.size(), 1u);
    ASSERT_EQ(w[0], OurRequest(ip));
    Inject(PeerReply(mac, ip));
    EXPECT_TRUE(RecvAll().empty());
    w = Wire();
    ASSERT_EQ(w.size(), 1u);  // the held packet
    EXPECT_EQ(Bytes(w[0].begin(), w[0].begin() + 6), Bytes(mac, mac + 6));
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
  tern_eth_neighbour nb_[8];
  bool started_ = false;
  CountingWaker rxw_, txw_, peerw_;
};

TEST_F(EthTest, InitRefusesWhatItCannotDrive) {
  Start();
  tern_eth other;
  tern_memnetdev_pair ip_pair;
  tern_memnetdev_config ipc = TERN_MEMNETDEV_CONFIG_IP;
  tern_memnetdev_init(&ip_pair, &ipc);
  // Not Ethernet.
  EXPECT_EQ(
      tern_eth_init(&other, tern_memnetdev_a(&ip_pair), &arp_pool_, nb_, 4),
      TERN_EINVAL);
  // No neighbour storage.
  EXPECT_EQ(tern_eth_init(&other, tern_memnetdev_a(&pair_), &arp_pool_, nb_, 0),
            TERN_EINVAL);
  EXPECT_EQ(
      tern_eth_init(&other, tern_memnetdev_a(&pair_), &arp_pool_, nullptr, 4),
      TERN_EINVAL);
  EXPECT_EQ(tern_eth_init(&other, tern_memnetdev_a(&pair_), nullptr, nb_, 4),
            TERN_EINVAL);
  // Pool buffers too small for an ARP frame.
  alignas(16) uint8_t small_store[TERN_PKT_POOL_STORAGE_SIZE(2, 40)];
  tern_pkt_pool small;
  ASSERT_EQ(tern_pkt_pool_init(&small, small_store, sizeof small_store, 40), 2);
  EXPECT_EQ(tern_eth_init(&other, tern_memnetdev_a(&pair_), &small, nb_, 4),
            TERN_EINVAL);
}

TEST_F(EthTest, InfoIsTheLowerDevicesMinusTheHeader) {
  Start(16, 4, /*lower_headroom=*/4);
  tern_netdev_info info = tern_netdev_get_info(&ip_);
  EXPECT_EQ(info.medium, TERN_MEDIUM_IP);
  EXPECT_EQ(info.mtu, 1500);
  EXPECT_EQ(info.headroom, 18);
  EXPECT_EQ(info.tailroom, 0);
  EXPECT_EQ(0, memcmp(info.mac, kMacB, 6));
  EXPECT_NE(tern_netdev_get_stats(&ip_), nullptr);
}

TEST_F(EthTest, AnswersCapturedRequestByteForByte) {
  StartWithIp();
  Inject(kArpRequestForUs);
  EXPECT_TRUE(RecvAll().empty());
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpReplyFromUs);
  EXPECT_EQ(Stats().rx_arp, 1u);
  EXPECT_EQ(Stats().arp_tx_fail, 0u);

  // RFC 826: the requester was added, so a packet to it goes straight out
  // (the captured echo reply, byte for byte) with no request first.
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), kIpPeer)), 0);
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kEchoReplyFrame);
  EXPECT_EQ(Stats().net.tx_packets, 1u);
}

TEST_F(EthTest, AnswersSecondCapturedRequest) {
  StartWithIp();
  Inject(kArpRequestFrom103);
  EXPECT_TRUE(RecvAll().empty());
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpReplyTo103);
}

TEST_F(EthTest, AnswersWithLowerHeadroom) {
  // The reply reuses the request's buffer: the headroom the lower device
  // left in front of the received frame is there again when it goes out.
  StartWithIp(16, 4, /*lower_headroom=*/8);
  Inject(kArpRequestForUs);
  RecvAll();
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpReplyFromUs);
  EXPECT_EQ(Stats().arp_tx_fail, 0u);
}

TEST_F(EthTest, NoAnswersWithoutAnAddress) {
  Start();
  Inject(kArpRequestForUs);
  EXPECT_TRUE(RecvAll().empty());
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(Stats().rx_arp, 1u);
}

TEST_F(EthTest, RequestForSomeoneElseIsNotAnswered) {
  StartWithIp();
  const uint8_t other[4] = {192, 0, 2, 77};
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, kIpPeer, kZeroMac, other));
  RecvAll();
  EXPECT_TRUE(Wire().empty());
  // Nor was the sender added (RFC 826 adds only when we are the target):
  // a packet to it needs a request.
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), kIpPeer)), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], OurRequest(kIpPeer));
}

TEST_F(EthTest, UnknownNeighbourIsResolvedAndHeldPacketsSent) {
  StartWithIp();
  Bytes ip_bytes = Tail(kEchoReplyFrame, 14);
  EXPECT_EQ(Send(IpPacket(ip_bytes, kIpPeer)), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], OurRequest(kIpPeer));
  // A second packet to the same neighbour is held too, with no second
  // request (at most one per second, RFC 1122 2.3.2.1).
  Bytes second = ip_bytes;
  second[5] = 0x99;  // the IP id, to tell them apart
  EXPECT_EQ(Send(IpPacket(second, kIpPeer)), 0);
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(Stats().net.tx_packets, 2u);  // accepted (held)

  Inject(PeerReply(kMacA, kIpPeer));
  EXPECT_TRUE(RecvAll().empty());
  w = Wire();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], kEchoReplyFrame);  // the captured frame, byte for byte
  Bytes second_frame = kEchoReplyFrame;
  second_frame[14 + 5] = 0x99;
  EXPECT_EQ(w[1], second_frame);
  EXPECT_EQ(Stats().rx_arp, 1u);

  // Resolved now: the next one goes straight out.
  EXPECT_EQ(Send(IpPacket(ip_bytes, kIpPeer)), 0);
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kEchoReplyFrame);
  EXPECT_EQ(Stats().net.tx_packets, 3u);
  EXPECT_EQ(Stats().held_drop_failed + Stats().held_drop_overflow, 0u);
}

TEST_F(EthTest, ResolutionFailsAfterThreeRequestsOneSecondApart) {
  StartWithIp();
  const uint8_t ip103[4] = {192, 0, 2, 103};
  Bytes ip_bytes = Tail(kEchoReplyFrame, 14);
  EXPECT_EQ(Send(IpPacket(ip_bytes, ip103)), 0);
  EXPECT_EQ(Send(IpPacket(ip_bytes, ip103)), 0);
  RecvAll();  // the receive task is now waiting, its waker with the timer
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpRequestFor103);  // Linux's request, byte for byte

  // Nothing arrives: the timer wakes the receive task, which retries.
  rxw_.Take();
  Advance(999);
  EXPECT_EQ(rxw_.Take(), 0);
  Advance(1);
  EXPECT_GT(rxw_.Take(), 0);
  RecvAll();
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpRequestFor103);

  Advance(1000);
  EXPECT_GT(rxw_.Take(), 0);
  RecvAll();
  EXPECT_EQ(Wire().size(), 1u);

  // One more second without an answer: both held packets are dropped.
  Advance(1000);
  EXPECT_GT(rxw_.Take(), 0);
  RecvAll();
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(Stats().resolve_failures, 1u);
  EXPECT_EQ(Stats().held_drop_failed, 2u);
  EXPECT_EQ(tern_pkt_pool_available(&wire_pool_), wire_pool_.count);
  // And nothing is armed any more.
  tern_time next;
  EXPECT_FALSE(tern_timers_next(&next));

  // A late answer adds nothing (we were not its target).
  Inject(ArpFrame(kMacB, kMacA, 2, kMacA, ip103, kZeroMac, kIpPeer));
  RecvAll();
  EXPECT_TRUE(Wire().empty());
  // A new packet starts afresh.
  EXPECT_EQ(Send(IpPacket(ip_bytes, ip103)), 0);
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpRequestFor103);
}

// The same failure driven by the executor alone: a task polls receive and
// the run loop's virtual-time sleeps are all that move the clock.
struct RecvTask {
  tern_task task;
  tern_netdev dev;
  tern_eth *eth;
};

tern_poll RecvTaskPoll(tern_task *t, tern_cx *cx) {
  RecvTask *s = TERN_CONTAINER_OF(t, RecvTask, task);
  for (;;) {
    if (tern_eth_get_stats(s->eth)->resolve_failures > 0) {
      return TERN_READY;
    }
    tern_pkt *p;
    int err;
    if (tern_netdev_poll_recv(&s->dev, cx, &p, &err) == TERN_PENDING) {
      // The poll may have just given up on the neighbour.
      return tern_eth_get_stats(s->eth)->resolve_failures > 0 ? TERN_READY
                                                              : TERN_PENDING;
    }
    if (err != 0) {
      return TERN_READY;
    }
    tern_pkt_free(p);
  }
}

TEST_F(EthTest, TimerDrivesRetriesUnderTheExecutor) {
  StartWithIp();
  const uint8_t ip103[4] = {192, 0, 2, 103};
  tern_time t0 = tern_now();
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), ip103)), 0);
  tern_executor ex;
  tern_executor_init(&ex);
  RecvTask rt = {};
  tern_task_init(&rt.task, RecvTaskPoll);
  rt.dev = ip_;
  rt.eth = &eth_;
  tern_block_on(&ex, &rt.task);
  EXPECT_EQ(tern_now() - t0, 3000u);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 3u);
  for (const Bytes &f : w) {
    EXPECT_EQ(f, kArpRequestFor103);
  }
  EXPECT_EQ(Stats().held_drop_failed, 1u);
}

TEST_F(EthTest, OldestEntryIsEvictedWhenFull) {
  StartWithIp(16, /*n_nb=*/2);
  const uint8_t mac3[6] = {0x02, 0, 0, 0, 0, 0x03};
  const uint8_t ip3[4] = {192, 0, 2, 3};
  const uint8_t mac4[6] = {0x02, 0, 0, 0, 0, 0x04};
  const uint8_t ip4[4] = {192, 0, 2, 4};
  Resolve(kMacA, kIpPeer);
  Advance(10);
  Resolve(mac3, ip3);
  Advance(10);
  Resolve(mac4, ip4);  // evicts 192.0.2.1, confirmed first
  // 192.0.2.3 is still known...
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), ip3)), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(Bytes(w[0].begin(), w[0].begin() + 6), Bytes(mac3, mac3 + 6));
  // ...192.0.2.1 must be asked for again.
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), kIpPeer)), 0);
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], OurRequest(kIpPeer));
}

TEST_F(EthTest, CacheFullOfResolvingEntriesRefusesNewNeighbours) {
  StartWithIp(16, /*n_nb=*/1);
  const uint8_t ip3[4] = {192, 0, 2, 3};
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), kIpPeer)), 0);
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), ip3)), TERN_ENOMEM);
  EXPECT_EQ(Stats().tx_drop_cache_full, 1u);
  EXPECT_EQ(Wire().size(), 1u);  // only the first request
}

TEST_F(EthTest, ReachableEntriesExpire) {
  StartWithIp();
  Resolve(kMacA, kIpPeer);
  RecvAll();
  // Refreshed half way by any ARP from the neighbour (here a request for
  // someone else: RFC 826 merges the sender anyway).
  Advance(150000);
  const uint8_t other[4] = {192, 0, 2, 77};
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, kIpPeer, kZeroMac, other));
  RecvAll();
  Advance(299999);
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), kIpPeer)), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kEchoReplyFrame);
  RecvAll();
  rxw_.Take();
  Advance(1);  // 300 s after the refresh
  EXPECT_GT(rxw_.Take(), 0);
  RecvAll();
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), kIpPeer)), 0);
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], OurRequest(kIpPeer));
}

TEST_F(EthTest, GratuitousArpOnAddressChange) {
  Start();
  SetIp(kIpUs);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], Announcement(kIpUs));
  RecvAll();
  rxw_.Take();
  Advance(1999);
  EXPECT_EQ(rxw_.Take(), 0);
  Advance(1);
  EXPECT_GT(rxw_.Take(), 0);
  RecvAll();
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], Announcement(kIpUs));
  Advance(10000);
  RecvAll();
  EXPECT_TRUE(Wire().empty());

  // The same address again: nothing. A new one: announced. Zero: nothing.
  SetIp(kIpUs);
  EXPECT_TRUE(Wire().empty());
  const uint8_t ip9[4] = {192, 0, 2, 9};
  SetIp(ip9);
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], Announcement(ip9));
  const uint8_t zero[4] = {0, 0, 0, 0};
  SetIp(zero);
  Advance(10000);
  RecvAll();
  EXPECT_TRUE(Wire().empty());
}

TEST_F(EthTest, ReceivedIpv4IsHandedUpWithoutTheHeader) {
  StartWithIp();
  Inject(kEchoRequestFrame);
  std::vector<Bytes> up = RecvAll();
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0], Tail(kEchoRequestFrame, 14));
  // Padded to 60 bytes by a NIC: handed up with the padding (the IP layer
  // trims to its total length).
  Bytes padded = kEchoRequestFrame;
  padded.resize(60, 0);
  Inject(padded);
  up = RecvAll();
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].size(), 46u);
  EXPECT_EQ(Stats().net.rx_packets, 2u);
  EXPECT_EQ(tern_netdev_get_stats(&ip_)->rx_packets, 2u);
  // Broadcast IPv4 is ours too.
  Bytes bcast = kEchoRequestFrame;
  memset(bcast.data(), 0xff, 6);
  Inject(bcast);
  EXPECT_EQ(RecvAll().size(), 1u);
}

TEST_F(EthTest, UnwantedFramesAreDroppedAndCounted) {
  StartWithIp(32);
  struct Case {
    Bytes frame;
    int reason;
  };
  Bytes other_host = kEchoRequestFrame;
  other_host[5] = 0x0c;
  Bytes multicast = kEchoRequestFrame;  // 01:00:5e:00:00:fb (mDNS)
  const uint8_t mdns[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
  memcpy(multicast.data(), mdns, 6);
  Bytes truncated(kEchoRequestFrame.begin(), kEchoRequestFrame.begin() + 13);
  Bytes vlan = kEchoRequestFrame;
  vlan[12] = 0x81;
  vlan[13] = 0x00;
  Bytes llc = kEchoRequestFrame;
  llc[12] = 0x00;
  llc[13] = 0x1c;
  Bytes ipv6 = kEchoRequestFrame;
  ipv6[12] = 0x86;
  ipv6[13] = 0xdd;
  ipv6[14] = 0x60;
  Bytes lldp = kEchoRequestFrame;
  lldp[12] = 0x88;
  lldp[13] = 0xcc;
  Bytes bad_src = kEchoRequestFrame;
  bad_src[6] = 0x03;
  Bytes arp_htype = kArpRequestForUs;
  arp_htype[15] = 0x06;  // hardware type 6 (IEEE 802)
  Bytes arp_short(kArpRequestForUs.begin(), kArpRequestForUs.begin() + 41);
  Bytes arp_rarp = kArpRequestForUs;
  arp_rarp[21] = 0x03;
  const uint8_t group[6] = {0x01, 0, 0, 0, 0, 1};
  Bytes arp_group_sender =
      ArpFrame(kBcast, kMacA, 1, group, kIpPeer, kZeroMac, kIpUs);
  Bytes arp_own_sender =
      ArpFrame(kBcast, kMacA, 1, kMacB, kIpPeer, kZeroMac, kIpUs);
  const uint8_t mcast_ip[4] = {224, 0, 0, 1};
  Bytes arp_mcast_spa =
      ArpFrame(kBcast, kMacA, 1, kMacA, mcast_ip, kZeroMac, kIpUs);
  Bytes arp_ptype = kArpRequestForUs;
  arp_ptype[16] = 0x86;  // protocol type 0x86dd
  Bytes arp_hlen = kArpRequestForUs;
  arp_hlen[18] = 8;
  Bytes arp_zero_sender =
      ArpFrame(kBcast, kMacA, 1, kZeroMac, kIpPeer, kZeroMac, kIpUs);
  Bytes arp_conflict =
      ArpFrame(kBcast, kMacA, 1, kMacA, kIpUs, kZeroMac, kIpUs);
  const std::vector<Case> cases = {
      {other_host, TERN_ETH_RX_OTHER_HOST},
      {multicast, TERN_ETH_RX_MULTICAST},
      {truncated, TERN_ETH_RX_TRUNCATED},
      {Bytes(), TERN_ETH_RX_TRUNCATED},
      {vlan, TERN_ETH_RX_ETHERTYPE},
      {llc, TERN_ETH_RX_ETHERTYPE},
      {ipv6, TERN_ETH_RX_ETHERTYPE},
      {lldp, TERN_ETH_RX_ETHERTYPE},
      {bad_src, TERN_ETH_RX_BAD_SOURCE},
      {arp_htype, TERN_ETH_RX_ARP_MALFORMED},
      {arp_ptype, TERN_ETH_RX_ARP_MALFORMED},
      {arp_hlen, TERN_ETH_RX_ARP_MALFORMED},
      {arp_short, TERN_ETH_RX_ARP_MALFORMED},
      {arp_rarp, TERN_ETH_RX_ARP_MALFORMED},
      {arp_group_sender, TERN_ETH_RX_ARP_BAD_SENDER},
      {arp_own_sender, TERN_ETH_RX_ARP_BAD_SENDER},
      {arp_mcast_spa, TERN_ETH_RX_ARP_BAD_SENDER},
      {arp_zero_sender, TERN_ETH_RX_ARP_BAD_SENDER},
      {arp_conflict, TERN_ETH_RX_ARP_CONFLICT},
  };
  uint32_t expected[TERN_ETH_RX_DROP_COUNT] = {};
  for (const Case &c : cases) {
    SCOPED_TRACE(tern_eth_rx_drop_name(c.reason));
    Inject(c.frame);
    EXPECT_TRUE(RecvAll().empty());
    expected[c.reason]++;
    for (int r = 0; r < TERN_ETH_RX_DROP_COUNT; r++) {
      EXPECT_EQ(Stats().rx_drop[r], expected[r]) << tern_eth_rx_drop_name(r);
    }
  }
  EXPECT_TRUE(Wire().empty());  // no answer to any of them
  EXPECT_EQ(Stats().net.rx_packets, 0u);
  EXPECT_EQ(Stats().rx_arp, 0u);
  // None of them got into the cache: 192.0.2.1 still needs a request.
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), kIpPeer)), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], OurRequest(kIpPeer));
}

TEST_F(EthTest, ProbeForOurAddressIsAnsweredNotCached) {
  StartWithIp();
  const uint8_t zero[4] = {0, 0, 0, 0};
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, zero, kZeroMac, kIpUs));
  RecvAll();
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  // RFC 5227 2.1.1: the prober learns the address is taken from our reply.
  EXPECT_EQ(w[0], ArpFrame(kMacA, kMacB, 2, kMacB, kIpUs, kMacA, zero));
  // Not cached: once our last announcement's deadline has passed nothing
  // is armed (an entry for 0.0.0.0 would keep the timer for its expiry).
  Advance(2000);
  RecvAll();
  EXPECT_TRUE(Wire().empty());
  tern_time next;
  EXPECT_FALSE(tern_timers_next(&next));
}

TEST_F(EthTest, ConflictIsCountedNotAnswered) {
  StartWithIp();
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, kIpUs, kZeroMac, kIpUs));
  RecvAll();
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_ARP_CONFLICT], 1u);
  EXPECT_EQ(Stats().rx_arp, 0u);
}

TEST_F(EthTest, HeldPacketsAreBounded) {
  StartWithIp();
  const uint8_t ip3[4] = {192, 0, 2, 3};
  Bytes base = Tail(kEchoReplyFrame, 14);
  auto numbered = [&](uint8_t n) {
    Bytes b = base;
    b[5] = n;
    return b;
  };
  // Five to one neighbour: over TERN_ETH_HOLD_MAX (4) the oldest goes.
  for (uint8_t i = 1; i <= 5; i++) {
    EXPECT_EQ(Send(IpPacket(numbered(i), kIpPeer)), 0);
  }
  EXPECT_EQ(Stats().held_drop_overflow, 1u);
  // One to another: the oldest of all (packet 2) goes.
  EXPECT_EQ(Send(IpPacket(numbered(6), ip3)), 0);
  EXPECT_EQ(Stats().held_drop_overflow, 2u);
  EXPECT_EQ(Wire().size(), 2u);  // two requests
  Inject(PeerReply(kMacA, kIpPeer));
  RecvAll();
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0][14 + 5], 3);  // the latest ones, in order
  EXPECT_EQ(w[1][14 + 5], 4);
  EXPECT_EQ(w[2][14 + 5], 5);
}

TEST_F(EthTest, BroadcastAndMulticastNextHopsNeedNoArp) {
  StartWithIp();
  const uint8_t all_ones[4] = {255, 255, 255, 255};
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), all_ones)), 0);
  const uint8_t mdns[4] = {224, 0, 0, 251};
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), mdns)), 0);
  const uint8_t high[4] = {239, 255, 1, 2};  // the 24th bit is not mapped
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), high)), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(Bytes(w[0].begin(), w[0].begin() + 12),
            Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0x0b}));
  EXPECT_EQ(Bytes(w[1].begin(), w[1].begin() + 6),
            Bytes({0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}));
  EXPECT_EQ(Bytes(w[2].begin(), w[2].begin() + 6),
            Bytes({0x01, 0x00, 0x5e, 0x7f, 0x01, 0x02}));
}

TEST_F(EthTest, RefusedPacketsAreFreedWithAnError) {
  StartWithIp();
  // Over the MTU: the adapter leaves the check to the lower device (the IP
  // layer sends nothing longer), which refuses the frame and counts it;
  // the adapter counts the refusal.
  Bytes big(1501, 0x45);
  const uint8_t bcast[4] = {255, 255, 255, 255};
  EXPECT_EQ(Send(IpPacket(big, bcast)), TERN_EMSGSIZE);
  EXPECT_EQ(pair_.b.stats.tx_drop_too_long, 1u);
  EXPECT_EQ(Stats().net.tx_drop_error, 1u);
  EXPECT_EQ(Stats().net.tx_drop_too_long, 0u);
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), kIpPeer, 10)),
            TERN_ENOSPC);
  const uint8_t zero[4] = {0, 0, 0, 0};
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), zero)), TERN_EINVAL);
  EXPECT_EQ(Stats().net.tx_drop_no_room, 1u);
  EXPECT_EQ(Stats().tx_drop_bad_next_hop, 1u);
  EXPECT_EQ(Stats().net.tx_packets, 0u);
  EXPECT_TRUE(Wire().empty());
  // Exactly the MTU goes.
  Bytes max(1500, 0x45);
  const uint8_t all_ones[4] = {255, 255, 255, 255};
  EXPECT_EQ(Send(IpPacket(max, all_ones)), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].size(), 1514u);
}

TEST_F(EthTest, LowerBackpressureLosesNothing) {
  StartWithIp(/*queue_len=*/1);
  // Resolve with a roomy exchange first.
  Inject(kArpRequestForUs);
  RecvAll();
  ASSERT_EQ(Wire().size(), 1u);

  Bytes a = Tail(kEchoReplyFrame, 14);
  Bytes b = a;
  b[5] = 0x42;
  EXPECT_EQ(Send(IpPacket(a, kIpPeer)), 0);  // fills the queue
  tern_pkt *pb = IpPacket(b, kIpPeer);
  tern_cx cx = txw_.Cx();
  int err = 1;
  EXPECT_EQ(tern_netdev_poll_send(&ip_, &cx, pb, &err), TERN_PENDING);
  // Still the caller's and as it was (no header left in front).
  EXPECT_EQ(tern_pkt_len(pb), b.size());
  EXPECT_EQ(tern_pkt_headroom(pb), 14u);
  EXPECT_EQ(Bytes(tern_pkt_data(pb), tern_pkt_data(pb) + b.size()), b);
  txw_.Take();
  std::vector<Bytes> w = Wire();  // the peer takes one: room again
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kEchoReplyFrame);
  EXPECT_GT(txw_.Take(), 0);  // the sender was woken
  EXPECT_EQ(tern_netdev_poll_send(&ip_, &cx, pb, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  Bytes fb = kEchoReplyFrame;
  fb[14 + 5] = 0x42;
  EXPECT_EQ(w[0], fb);
}

TEST_F(EthTest, ReleasedPacketsWaitForRoomInOrder) {
  StartWithIp(/*queue_len=*/1);
  Bytes base = Tail(kEchoReplyFrame, 14);
  for (uint8_t i = 1; i <= 3; i++) {
    Bytes b = base;
    b[5] = i;
    EXPECT_EQ(Send(IpPacket(b, kIpPeer)), 0);
  }
  ASSERT_EQ(Wire().size(), 1u);  // the request
  Inject(PeerReply(kMacA, kIpPeer));
  RecvAll();
  // One fits on the wire at a time; each read wakes the receive task,
  // whose next poll pushes the next one. A packet sent meanwhile waits
  // behind them.
  tern_pkt *late = IpPacket(base, kIpPeer);
  tern_cx cx = txw_.Cx();
  int err = 1;
  EXPECT_EQ(tern_netdev_poll_send(&ip_, &cx, late, &err), TERN_PENDING);
  std::vector<uint8_t> order;
  for (int i = 0; i < 10 && order.size() < 3; i++) {
    rxw_.Take();
    std::vector<Bytes> w = Wire();
    for (const Bytes &f : w) {
      order.push_back(f[14 + 5]);
    }
    if (order.size() < 3) {
      EXPECT_GT(rxw_.Take(), 0);  // room again: the receive task is woken
    }
    RecvAll();
  }
  EXPECT_EQ(order, (std::vector<uint8_t>{1, 2, 3}));
  Wire();
  EXPECT_EQ(tern_netdev_poll_send(&ip_, &cx, late, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  EXPECT_EQ(Wire().size(), 1u);
  EXPECT_EQ(Stats().held_drop_failed, 0u);
}

TEST_F(EthTest, ArpFramesTheLowerCannotTakeAreDroppedAndCounted) {
  StartWithIp(/*queue_len=*/1);
  // Eight requests, one at a time (the wire holds one frame each way);
  // nobody reads the replies meanwhile. ARP frames are never queued in
  // the adapter (the requester asks again), so a stuck device holds no
  // buffers of ours.
  for (int i = 0; i < 8; i++) {
    Inject(kArpRequestForUs);
    RecvAll();
  }
  EXPECT_EQ(Stats().arp_tx_fail, 7u);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpReplyFromUs);
  EXPECT_EQ(Stats().rx_arp, 8u);
  // Room again: the next request is answered.
  Inject(kArpRequestForUs);
  RecvAll();
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpReplyFromUs);
}

TEST_F(EthTest, ReceiveYieldsAfterItsBudget) {
  StartWithIp(32);
  const uint8_t other[4] = {192, 0, 2, 77};
  for (int i = 0; i < 10; i++) {
    Inject(ArpFrame(kBcast, kMacA, 1, kMacA, kIpPeer, kZeroMac, other));
  }
  tern_pkt *p;
  int err;
  rxw_.Take();
  EXPECT_EQ(Recv(&p, &err), TERN_PENDING);
  EXPECT_EQ(Stats().rx_arp, 8u);  // TERN_ETH_RX_BUDGET
  EXPECT_EQ(rxw_.Take(), 1);      // woke itself
  EXPECT_EQ(Recv(&p, &err), TERN_PENDING);
  EXPECT_EQ(Stats().rx_arp, 10u);
  EXPECT_EQ(rxw_.Take(), 0);  // now waiting on the device
}

TEST_F(EthTest, LowerDeviceClosing) {
  StartWithIp();
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), kIpPeer)), 0);  // held
  tern_memnetdev_close(&pair_);
  tern_pkt *p = nullptr;
  int err = 0;
  EXPECT_EQ(Recv(&p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
  EXPECT_EQ(p, nullptr);
  const uint8_t all_ones[4] = {255, 255, 255, 255};
  EXPECT_EQ(Send(IpPacket(Tail(kEchoReplyFrame, 14), all_ones)), TERN_ECLOSED);
  EXPECT_EQ(Stats().net.tx_drop_error, 1u);
}

TEST_F(EthTest, StatsAddUp) {
  StartWithIp();
  Inject(kArpRequestForUs);
  Inject(kEchoRequestFrame);
  Bytes lldp = kEchoRequestFrame;
  lldp[12] = 0x88;
  lldp[13] = 0xcc;
  Inject(lldp);
  RecvAll();
  const tern_eth_stats &s = Stats();
  uint32_t drops = 0;
  for (uint32_t d : s.rx_drop) {
    drops += d;
  }
  EXPECT_EQ(s.net.rx_packets, 1u);
  EXPECT_EQ(s.rx_arp, 1u);
  EXPECT_EQ(drops, 1u);
  EXPECT_EQ(&s.net, tern_netdev_get_stats(&ip_));  // one block, not two
  EXPECT_STREQ(tern_eth_rx_drop_name(TERN_ETH_RX_OTHER_HOST), "other-host");
  EXPECT_STREQ(tern_eth_rx_drop_name(TERN_ETH_RX_ARP_CONFLICT), "arp-conflict");
  EXPECT_STREQ(tern_eth_rx_drop_name(TERN_ETH_RX_DROP_COUNT), "unknown");
  EXPECT_STREQ(tern_eth_rx_drop_name(-1), "unknown");
}

TEST_F(EthTest, ExampleAttachesAndAnnounces) {
  Start();  // for the pools and the wire; the example has its own adapter
  tern_eth_deinit(&eth_);
  tern_netdev dev;
  ASSERT_EQ(tern_eth_example_attach(tern_memnetdev_b(&pair_), &dev), 0);
  tern_netdev_info info = tern_netdev_get_info(&dev);
  EXPECT_EQ(info.medium, TERN_MEDIUM_IP);
  EXPECT_EQ(info.mtu, 1500);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], Announcement(kIpUs));
  tern_eth_example_detach();
}

}  // namespace
