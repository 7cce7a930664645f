// EtherType demultiplexing and IPv6: IPv6 frames are dropped until an IPv6
// layer attaches its NDP neighbour cache (tern_eth_attach_ndp), then handed
// up; IPv6 packets are sent with their 16-byte next hop resolved in that
// cache (NDP's solicitations and confirmations are played by FakeNdp) or,
// for a multicast next hop, mapped to 33:33:xx:xx:xx:xx. Frames are from
// /work/shared/captures/ipv6_ndp_slaac.pcap, where Linux at 02:..:0b is
// fe80::ff:fe00:b and its peer at 02:..:0a is fe80::ff:fe00:a.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

#include "link/ethernet/ethernet_testing.h"
#include "tern/ethernet.h"
#include "tern/neighbour.h"

namespace tern_eth_test {
namespace {

TEST_F(EthTest, Ipv6IsDroppedWithoutAnIpv6Layer) {
  StartWithIp();
  Inject(kEcho6RequestFrame);
  EXPECT_TRUE(RecvAll().empty());
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_ETHERTYPE], 1u);
  EXPECT_EQ(Stats().net.rx_packets, 0u);
  // Nor can IPv6 be sent: no cache to resolve its next hop in.
  EXPECT_EQ(Send(Ip6Packet(Tail(kEcho6ReplyFrame, 14), kLinkLocalPeer)),
            TERN_EAFNOSUPPORT);
  EXPECT_EQ(Stats().tx_drop_family, 1u);
  EXPECT_EQ(Stats().net.tx_packets, 0u);
  EXPECT_TRUE(Wire().empty());
}

// Everything from here to AttachNdpTakesOnlyA16ByteCache attaches the NDP
// cache, which an IPv4-only build refuses (ndp_attach_test).
#if TERN_CONFIG_IPV6
std::array<uint8_t, 16> A16(const uint8_t *a) {
  std::array<uint8_t, 16> r;
  std::memcpy(r.data(), a, 16);
  return r;
}

TEST_F(EthTest, Ipv6IsHandedUpOnceNdpIsAttached) {
  StartWithIp();
  AttachNdp();
  Inject(kEcho6RequestFrame);
  std::vector<uint8_t> casts;
  std::vector<Bytes> up = RecvAll(&casts);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0], Tail(kEcho6RequestFrame, 14));
  EXPECT_EQ(casts[0], TERN_PKT_LINK_UNICAST);
  EXPECT_EQ(Stats().net.rx_packets, 1u);
  EXPECT_EQ(Stats().net.rx_bytes, kEcho6RequestFrame.size() - 14);
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_ETHERTYPE], 0u);
  // Receiving solicits nothing: learning neighbours is NDP's business.
  EXPECT_TRUE(ndp_.solicited.empty());
  // IPv4 and ARP are handled as before.
  Inject(kEchoRequestFrame);
  EXPECT_EQ(RecvAll().size(), 1u);
  Inject(kArpRequestForUs);
  EXPECT_TRUE(RecvAll().empty());
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpReplyFromUs);
}

TEST_F(EthTest, Ipv6NextHopIsResolvedThroughTheNdpCache) {
  StartWithIp();
  AttachNdp();
  Bytes reply = Tail(kEcho6ReplyFrame, 14);
  EXPECT_EQ(Send(Ip6Packet(reply, kLinkLocalPeer)), 0);  // held
  EXPECT_EQ(Stats().net.tx_packets, 1u);
  // NDP was asked (once) for fe80::ff:fe00:a; no ARP request went out.
  ASSERT_EQ(ndp_.solicited.size(), 1u);
  EXPECT_EQ(ndp_.solicited[0], A16(kLinkLocalPeer));
  EXPECT_TRUE(Wire().empty());
  // Its retries run from the adapter's timer, as ARP's do.
  RecvAll();
  rxw_.Take();
  Advance(1000);
  EXPECT_GT(rxw_.Take(), 0);
  RecvAll();
  EXPECT_EQ(ndp_.solicited.size(), 2u);
  // The advertisement arrives (NDP input confirms the neighbour); the
  // adapter's next poll sends the held packet: Linux's frame, byte for
  // byte, EtherType 0x86dd.
  ASSERT_TRUE(tern_neigh_confirm(&ndp_.cache, kLinkLocalPeer, kMacA, tern_now(),
                                 false));
  EXPECT_TRUE(RecvAll().empty());
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kEcho6ReplyFrame);
  // Resolved: the next one goes at once.
  EXPECT_EQ(Send(Ip6Packet(reply, kLinkLocalPeer)), 0);
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kEcho6ReplyFrame);
  EXPECT_EQ(ndp_.solicited.size(), 2u);
  EXPECT_EQ(Stats().net.tx_packets, 2u);
  EXPECT_EQ(Stats().held_drop_failed, 0u);
}

TEST_F(EthTest, Ipv6ResolutionFailureDropsTheHeldPacket) {
  StartWithIp();
  AttachNdp();
  RecvAll();
  EXPECT_EQ(Send(Ip6Packet(Tail(kEcho6ReplyFrame, 14), kLinkLocalPeer)), 0);
  for (int i = 0; i < 3; i++) {
    Advance(1000);
    RecvAll();
  }
  EXPECT_EQ(ndp_.solicited.size(), 3u);
  EXPECT_EQ(Stats().held_drop_failed, 1u);
  EXPECT_TRUE(Wire().empty());
}

// A router's resolution needs no turn among those in progress in the NDP
// cache either (the fake one resolves one at a time): a next hop that is
// not the packet's destination (bytes 24 to 39) is a router's. It was
// refused while another address held the turn.
TEST_F(EthTest, Ipv6RouterResolutionNeedsNoTurn) {
  StartWithIp();
  AttachNdp();
  RecvAll();
  // To the peer on the link: its resolution takes the one turn.
  EXPECT_EQ(Send(Ip6Packet(Tail(kEcho6ReplyFrame, 14), kLinkLocalPeer)), 0);
  // The same packet through a router, fe80::1.
  const uint8_t router[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0,
                              0,    0,    0, 0, 0, 0, 0, 1};
  EXPECT_EQ(Send(Ip6Packet(Tail(kEcho6ReplyFrame, 14), router)), 0);
  ASSERT_EQ(ndp_.solicited.size(), 2u);
  EXPECT_EQ(ndp_.solicited[1], A16(router));
  EXPECT_EQ(Stats().tx_drop_cache_full, 0u);
}

TEST_F(EthTest, Ipv6MulticastNextHopNeedsNoResolution) {
  StartWithIp();
  AttachNdp();
  // radvd's router advertisement to ff02::1: 33:33:00:00:00:01, byte for
  // byte, and nobody solicited.
  EXPECT_EQ(Send(Ip6Packet(Tail(kRouterAdvertFrame, 14), kAllNodes)), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kRouterAdvertFrame);
  EXPECT_TRUE(ndp_.solicited.empty());
  // The unspecified address is no next hop.
  const uint8_t unspecified[16] = {};
  EXPECT_EQ(Send(Ip6Packet(Tail(kEcho6ReplyFrame, 14), unspecified)),
            TERN_EINVAL);
  EXPECT_EQ(Stats().tx_drop_bad_next_hop, 1u);
  EXPECT_TRUE(Wire().empty());
}

#endif  // TERN_CONFIG_IPV6

TEST_F(EthTest, AttachNdpTakesOnlyA16ByteCache) {
  Start();
  EXPECT_EQ(tern_eth_attach_ndp(&eth_, nullptr), TERN_EINVAL);
  tern_neighbour4 entries[4];
  tern_neigh_cache v4;
  const tern_neigh_config cfg = {1000, 30000, 3, 1, {&FakeNdp::Solicit, &ndp_}};
  ASSERT_EQ(tern_neigh_cache_init4(&v4, entries, 4, &cfg), 0);
  EXPECT_EQ(tern_eth_attach_ndp(&eth_, &v4), TERN_EINVAL);
  // Still no IPv6.
  Inject(kEcho6RequestFrame);
  EXPECT_TRUE(RecvAll().empty());
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_ETHERTYPE], 1u);
}

#if TERN_CONFIG_IPV6
TEST_F(EthTest, Ipv4AndIpv6HeldTogetherKeepTheirOrderPerNeighbour) {
  StartWithIp(16, /*n_nb=*/8);
  AttachNdp();
  Bytes v4 = Tail(kEchoReplyFrame, 14);
  Bytes v6 = Tail(kEcho6ReplyFrame, 14);
  EXPECT_EQ(Send(IpPacket(v4, kIpPeer)), 0);
  EXPECT_EQ(Send(Ip6Packet(v6, kLinkLocalPeer)), 0);
  EXPECT_EQ(Send(IpPacket(v4, kIpPeer)), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], OurRequest(kIpPeer));
  // NDP answers first: only the IPv6 packet goes.
  ASSERT_TRUE(tern_neigh_confirm(&ndp_.cache, kLinkLocalPeer, kMacA, tern_now(),
                                 false));
  RecvAll();
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kEcho6ReplyFrame);
  // Then ARP: both IPv4 packets, in order.
  Inject(PeerReply(kMacA, kIpPeer));
  RecvAll();
  w = Wire();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], kEchoReplyFrame);
  EXPECT_EQ(w[1], kEchoReplyFrame);
}

#endif  // TERN_CONFIG_IPV6

}  // namespace
}  // namespace tern_eth_test
