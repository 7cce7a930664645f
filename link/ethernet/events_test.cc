// What the adapter reports to the IP layer: its info (flags, MTU,
// headroom) and its events, the lower device's passed up (link, info) and
// its own (ARP conflicts, RFC 5227 section 2.4), and what a link going
// down and coming up does to held packets, the caches and announcements.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "link/ethernet/ethernet_testing.h"
#include "tern/ethernet.h"
#include "tern/memnetdev.h"

namespace tern_eth_test {
namespace {

TEST_F(EthTest, InfoFlagsFollowTheLowerDeviceAndHeadroomGrowsWithNdp) {
  Start(16, 4, /*lower_headroom=*/4);
  tern_netdev_info info = tern_netdev_get_info(&ip_);
  EXPECT_EQ(info.flags, TERN_NETDEV_UP | TERN_NETDEV_NEXT_HOP);
  EXPECT_EQ(info.headroom, 4 + 14 + 4);
  // UP is the lower device's as it is now, before any event is polled;
  // NEXT_HOP is always there.
  tern_memnetdev_set_up(&pair_, false);
  info = tern_netdev_get_info(&ip_);
  EXPECT_EQ(info.flags, TERN_NETDEV_NEXT_HOP);
  tern_memnetdev_set_up(&pair_, true);
  info = tern_netdev_get_info(&ip_);
  EXPECT_EQ(info.flags, TERN_NETDEV_UP | TERN_NETDEV_NEXT_HOP);
  EXPECT_EQ(info.mtu, 1500);
#if TERN_CONFIG_IPV6  // an IPv4-only build refuses the NDP cache
  // Room for a 16-byte next hop once IPv6 may be sent.
  AttachNdp();
  info = tern_netdev_get_info(&ip_);
  EXPECT_EQ(info.headroom, 4 + 14 + 16);
#endif
  EXPECT_EQ(info.medium, TERN_MEDIUM_IP);
}

TEST_F(EthTest, ArpConflictIsReportedOncePerEventPoll) {
  StartWithIp();
  const Bytes conflict =
      ArpFrame(kBcast, kMacA, 1, kMacA, kIpUs, kZeroMac, kIpUs);
  EXPECT_EQ(Events(), 0u);  // PENDING: the event task waits
  evw_.Take();
  Inject(conflict);
  RecvAll();
  EXPECT_GT(evw_.Take(), 0);  // and is woken
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_ADDR_CONFLICT));
  EXPECT_EQ(Events(), 0u);
  // Two more before the next poll: reported once.
  Inject(conflict);
  Inject(ArpFrame(kMacB, kMacA, 2, kMacA, kIpUs, kMacB, kIpUs));
  RecvAll();
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_ADDR_CONFLICT));
  EXPECT_EQ(Events(), 0u);
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_ARP_CONFLICT], 3u);
  // Not answered, and the address is not withdrawn: the layer above
  // decides. A request for us is still answered.
  EXPECT_TRUE(Wire().empty());
  Inject(kArpRequestForUs);
  RecvAll();
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpReplyFromUs);
  EXPECT_EQ(Events(), 0u);
}

TEST_F(EthTest, NoConflictWithoutAnAddress) {
  // Without an address ours is 0.0.0.0, as is the sender of another
  // station's RFC 5227 probe: that is no conflict, nor is anything else.
  Start();
  const uint8_t zero[4] = {0, 0, 0, 0};
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, zero, kZeroMac, kIpUs));
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, kIpUs, kZeroMac, kIpUs));
  RecvAll();
  EXPECT_EQ(Events(), 0u);
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_ARP_CONFLICT], 0u);
}

TEST_F(EthTest, ProbeSendsAnRfc5227ProbeAndWatchesTheAddress) {
  Start();
  const uint8_t zero[4] = {0, 0, 0, 0};
  const uint8_t ip103[4] = {192, 0, 2, 103};
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 103);
  ASSERT_EQ(tern_eth_probe(&eth_, &a), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);  // who-has 192.0.2.103 tell 0.0.0.0
  EXPECT_EQ(w[0], ArpFrame(kBcast, kMacB, 1, kMacB, zero, kZeroMac, ip103));
  // Someone asking for it, or another address's owner: no conflict.
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, kIpPeer, kZeroMac, ip103));
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, zero, kZeroMac, kIpPeer));
  RecvAll();
  EXPECT_EQ(Events(), 0u);
  // Its owner answering the probe.
  Inject(ArpFrame(kMacB, kMacA, 2, kMacA, ip103, kMacB, zero));
  RecvAll();
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_ADDR_CONFLICT));
  // Another station probing it at the same time.
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, zero, kZeroMac, ip103));
  RecvAll();
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_ADDR_CONFLICT));
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_ARP_CONFLICT], 2u);
  // Our own probe looped back is not one.
  Inject(w[0]);
  RecvAll();
  EXPECT_EQ(Events(), 0u);
  // 0.0.0.0 stops watching, and sends nothing.
  tern_ipv4_addr none = tern_ipv4(0, 0, 0, 0);
  ASSERT_EQ(tern_eth_probe(&eth_, &none), 0);
  EXPECT_TRUE(Wire().empty());
  Inject(ArpFrame(kMacB, kMacA, 2, kMacA, ip103, kMacB, zero));
  RecvAll();
  EXPECT_EQ(Events(), 0u);
  EXPECT_EQ(tern_eth_probe(&eth_, nullptr), TERN_EINVAL);
}

// An address no host can have is not probed (before, a probe went out
// for it and conflicts were watched for): 0/8 (but 0.0.0.0, which stops
// watching), 127/8, 224.0.0.0 and up.
TEST_F(EthTest, ProbeRefusesAddressesNoHostHas) {
  Start();
  const tern_ipv4_addr bad[] = {
      tern_ipv4(0, 1, 2, 3),     tern_ipv4(127, 0, 0, 1),
      tern_ipv4(127, 255, 0, 9), tern_ipv4(224, 0, 0, 1),
      tern_ipv4(240, 0, 0, 1),   tern_ipv4(255, 255, 255, 255)};
  for (const tern_ipv4_addr &a : bad) {
    EXPECT_EQ(tern_eth_probe(&eth_, &a), TERN_EINVAL) << int(a.b[0]);
  }
  EXPECT_TRUE(Wire().empty());
  // Nothing is watched: a station claiming one is no conflict.
  const uint8_t lo[4] = {127, 0, 0, 1};
  const uint8_t zero[4] = {0, 0, 0, 0};
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, zero, kZeroMac, lo));
  RecvAll();
  EXPECT_EQ(Events(), 0u);
  // The edges that are hosts' are probed.
  const tern_ipv4_addr good[] = {tern_ipv4(1, 0, 0, 1),
                                 tern_ipv4(126, 255, 255, 254),
                                 tern_ipv4(223, 255, 255, 254)};
  for (const tern_ipv4_addr &a : good) {
    EXPECT_EQ(tern_eth_probe(&eth_, &a), 0);
    EXPECT_EQ(Wire().size(), 1u);
  }
  tern_ipv4_addr none = tern_ipv4(0, 0, 0, 0);
  EXPECT_EQ(tern_eth_probe(&eth_, &none), 0);
}

// A probe while the lower link is down is refused with TERN_ENETDOWN
// (the state as the lower device reports it now, before any event is
// polled): nothing is handed to the device, nothing counted as a frame
// not sent, no address watched; the caller probes again once the link is
// up. Before, the probe was handed to the device (a driver may well send
// it), refused here and counted in arp_tx_fail, and the address watched.
TEST_F(EthTest, NoProbeWhileTheLinkIsDown) {
  Start();
  const uint8_t ip103[4] = {192, 0, 2, 103};
  const uint8_t zero[4] = {0, 0, 0, 0};
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 103);
  tern_memnetdev_set_up(&pair_, false);
  EXPECT_EQ(tern_eth_probe(&eth_, &a), TERN_ENETDOWN);
  EXPECT_EQ(Stats().arp_tx_fail, 0u);
  EXPECT_EQ(Stats().net.tx_drop_error, 0u);
  EXPECT_EQ(pair_.a.stats.tx_drop_down + pair_.b.stats.tx_drop_down, 0u);
  tern_memnetdev_set_up(&pair_, true);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  RecvAll();
  EXPECT_TRUE(Wire().empty());
  // Not watched: the address's owner is no conflict.
  Inject(ArpFrame(kMacB, kMacA, 2, kMacA, ip103, kMacB, zero));
  RecvAll();
  EXPECT_EQ(Events(), 0u);
  // Up: probed.
  ASSERT_EQ(tern_eth_probe(&eth_, &a), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], ArpFrame(kBcast, kMacB, 1, kMacB, zero, kZeroMac, ip103));
}

TEST_F(EthTest, NoProbeWithAnAddress) {
  StartWithIp();
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 103);
  EXPECT_EQ(tern_eth_probe(&eth_, &a), TERN_EBUSY);
  EXPECT_TRUE(Wire().empty());
  const uint8_t ip103[4] = {192, 0, 2, 103};
  const uint8_t zero[4] = {0, 0, 0, 0};
  Inject(ArpFrame(kMacB, kMacA, 2, kMacA, ip103, kMacB, zero));
  RecvAll();
  EXPECT_EQ(Events(), 0u);
}

// A probe of the adapter's own address is RFC 5227 2.4 (b)'s defence: one
// announcement of it, nothing more later, nothing watched beyond the
// address itself (a DHCP client that keeps its address against one
// conflict). Before, it was TERN_EBUSY and nothing went out.
TEST_F(EthTest, ProbeOfOurAddressSendsOneAnnouncement) {
  StartWithIp();
  tern_ipv4_addr us = tern_ipv4(kIpUs[0], kIpUs[1], kIpUs[2], kIpUs[3]);
  ASSERT_EQ(tern_eth_probe(&eth_, &us), 0);
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], Announcement(kIpUs));
  Advance(10000);
  EXPECT_TRUE(RecvAll().empty());
  EXPECT_TRUE(Wire().empty());
  // Another station claiming it is still a conflict, once per report.
  const uint8_t zero[4] = {0, 0, 0, 0};
  Inject(ArpFrame(kMacB, kMacA, 2, kMacA, kIpUs, kMacB, zero));
  RecvAll();
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_ADDR_CONFLICT));
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_ARP_CONFLICT], 1u);
}

TEST_F(EthTest, LowerLinkDownAndUpArePassedUp) {
  StartWithIp(16, /*n_nb=*/8);  // two resolutions at once
  Resolve(kMacA, kIpPeer);
  const uint8_t ip103[4] = {192, 0, 2, 103};
  EXPECT_EQ(SendEchoReply(ip103), 0);  // held
  EXPECT_EQ(SendEchoReply(ip103), 0);  // held
  EXPECT_EQ(Wire().size(), 1u);        // their request
  EXPECT_EQ(Events(), 0u);

  evw_.Take();
  tern_memnetdev_set_up(&pair_, false);
  EXPECT_GT(evw_.Take(), 0);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  EXPECT_EQ(Events(), 0u);
  // The held packets are dropped and counted.
  EXPECT_EQ(Stats().held_drop_failed, 2u);
  EXPECT_EQ(tern_pkt_pool_available(&wire_pool_), wire_pool_.count);
  // While down the lower device refuses frames.
  const uint8_t all_ones[4] = {255, 255, 255, 255};
  EXPECT_EQ(SendEchoReply(all_ones), TERN_ENETDOWN);
  EXPECT_EQ(Stats().net.tx_drop_error, 1u);

  tern_memnetdev_set_up(&pair_, true);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  // Announcements start again: one now, one 2 s later.
  RecvAll();
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], Announcement(kIpUs));
  rxw_.Take();
  Advance(2000);
  EXPECT_GT(rxw_.Take(), 0);
  RecvAll();
  // 192.0.2.103's resolution was kept, on its schedule: its second
  // request is due too (1 s after the first).
  w = Wire();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], OurRequest(ip103));
  EXPECT_EQ(w[1], Announcement(kIpUs));
  // The link addresses were flushed: the peer is asked for again.
  EXPECT_EQ(SendEchoReply(kIpPeer), 0);
  w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], OurRequest(kIpPeer));
}

// No gratuitous ARP is tried while the link is down (before, an address
// set then was announced into the down link, each frame refused and
// counted in arp_tx_fail, and so were the announcements left when it went
// down): they wait for the link-up, which announces afresh.
TEST_F(EthTest, NoAnnouncementsWhileTheLinkIsDown) {
  Start();
  tern_memnetdev_set_up(&pair_, false);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  SetIp(kIpUs);
  RecvAll();
  Advance(5000);
  RecvAll();
  EXPECT_EQ(Stats().arp_tx_fail, 0u);
  EXPECT_EQ(Stats().net.tx_drop_error, 0u);
  // Up: the two announcements, 2 s apart.
  tern_memnetdev_set_up(&pair_, true);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  RecvAll();
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], Announcement(kIpUs));
  // Down after the first: the second is dropped, not tried.
  tern_memnetdev_set_up(&pair_, false);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  Advance(2000);
  RecvAll();
  Advance(5000);
  RecvAll();
  EXPECT_EQ(Stats().arp_tx_fail, 0u);
  // Up again: both again.
  tern_memnetdev_set_up(&pair_, true);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  for (int i = 0; i < 2; i++) {
    if (i > 0) {
      Advance(2000);
    }
    RecvAll();
    w = Wire();
    ASSERT_EQ(w.size(), 1u) << i;
    EXPECT_EQ(w[0], Announcement(kIpUs));
  }
  Advance(10000);
  RecvAll();
  EXPECT_TRUE(Wire().empty());
  EXPECT_EQ(Stats().arp_tx_fail, 0u);
}

TEST_F(EthTest, LinkUpWithoutAnAddressAnnouncesNothing) {
  Start();
  tern_memnetdev_set_up(&pair_, false);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  tern_memnetdev_set_up(&pair_, true);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  RecvAll();
  Advance(5000);
  RecvAll();
  EXPECT_TRUE(Wire().empty());
}

TEST_F(EthTest, LowerInfoChangeIsPassedUp) {
  Start();
  tern_memnetdev_set_mtu(&pair_, 1414);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_INFO));
  EXPECT_EQ(tern_netdev_get_info(&ip_).mtu, 1400);
  EXPECT_EQ(Events(), 0u);
}

TEST_F(EthTest, LowerEventsAndOurOwnComeTogether) {
  StartWithIp();
  Inject(ArpFrame(kBcast, kMacA, 1, kMacA, kIpUs, kZeroMac, kIpUs));
  RecvAll();
  tern_memnetdev_set_mtu(&pair_, 1414);
  EXPECT_EQ(Events(), static_cast<uint32_t>(TERN_NETDEV_EV_INFO |
                                            TERN_NETDEV_EV_ADDR_CONFLICT));
  EXPECT_EQ(Events(), 0u);
}

}  // namespace
}  // namespace tern_eth_test
