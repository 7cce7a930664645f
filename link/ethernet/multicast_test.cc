// How received frames were addressed (pkt->link_cast) and the multicast
// filter: groups joined through the netdev's mcast op (IPv4 and IPv6
// groups mapped to their MACs, RFC 1112 6.4 and RFC 2464 7), counted per
// MAC, kept in the caller's tern_eth_group storage and passed to the lower
// device once per MAC (the memory netdev counts joins minus leaves).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "link/ethernet/ethernet_testing.h"
#include "tern/ethernet.h"
#include "tern/memnetdev.h"

namespace tern_eth_test {
namespace {

const uint8_t kMdns[4] = {224, 0, 0, 251};
const uint8_t kMdnsMac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};

// kEchoRequestFrame sent to another destination MAC (derived: the
// captures hold no IPv4 multicast).
Bytes EchoTo(const uint8_t mac[6]) {
  Bytes f = kEchoRequestFrame;
  std::memcpy(f.data(), mac, 6);
  return f;
}

class McastTest : public EthTest {
 protected:
  int Join(const uint8_t *group, size_t len) {
    return tern_netdev_mcast(&ip_, group, len, true);
  }
  int Leave(const uint8_t *group, size_t len) {
    return tern_netdev_mcast(&ip_, group, len, false);
  }
  // Joins minus leaves the lower device saw.
  int LowerGroups() {
    return pair_.b.mcast_groups;
  }
  tern_eth_group groups_[4];
};

TEST_F(McastTest, LinkCastSaysHowEachFrameWasAddressed) {
  StartWithIp();
  ASSERT_EQ(tern_eth_set_groups(&eth_, groups_, 4), 0);
  ASSERT_EQ(Join(kMdns, 4), 0);
  const uint8_t other_group[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfc};
  Inject(kEchoRequestFrame);
  Inject(EchoTo(kBcast));
  Inject(EchoTo(kMdnsMac));
  Inject(EchoTo(other_group));  // not joined: dropped
  std::vector<uint8_t> casts;
  std::vector<Bytes> up = RecvAll(&casts);
  ASSERT_EQ(up.size(), 3u);
  EXPECT_EQ(casts, (std::vector<uint8_t>{TERN_PKT_LINK_UNICAST,
                                         TERN_PKT_LINK_BROADCAST,
                                         TERN_PKT_LINK_MULTICAST}));
  for (const Bytes &b : up) {
    EXPECT_EQ(b, Tail(kEchoRequestFrame, 14));
  }
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_MULTICAST], 1u);

#if TERN_CONFIG_IPV6  // an IPv4-only build refuses the NDP cache
  // IPv6: the captured solicitation to ff02::1:ff00:1 once that group is
  // joined; the router solicitation to ff02::2 (not joined) dropped.
  AttachNdp();
  ASSERT_EQ(Join(kSolicitedNode1, 16), 0);
  Inject(kSolicitFrame);
  Bytes rs(kSolicitFrame);  // ipv6_ndp_slaac.pcap frame 12's addresses
  const uint8_t all_routers_mac[6] = {0x33, 0x33, 0, 0, 0, 0x02};
  std::memcpy(rs.data(), all_routers_mac, 6);
  Inject(rs);
  casts.clear();
  up = RecvAll(&casts);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0], Tail(kSolicitFrame, 14));
  EXPECT_EQ(casts[0], TERN_PKT_LINK_MULTICAST);
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_MULTICAST], 2u);
#endif
}

TEST_F(McastTest, ArpInABroadcastIsStillAnswered) {
  // The filter is for IP groups: broadcast is always received.
  StartWithIp();
  ASSERT_EQ(tern_eth_set_groups(&eth_, groups_, 4), 0);
  Inject(kArpRequestForUs);
  RecvAll();
  std::vector<Bytes> w = Wire();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], kArpReplyFromUs);
}

TEST_F(McastTest, JoinsAreCountedAndReachTheLowerDeviceOncePerMac) {
  Start();
  // No storage for groups: nothing can be joined.
  EXPECT_EQ(Join(kMdns, 4), TERN_ENOMEM);
  EXPECT_EQ(LowerGroups(), 0);
  ASSERT_EQ(tern_eth_set_groups(&eth_, groups_, 2), 0);

  // Joined twice: the lower device is told once, and the group stays
  // until the second leave.
  EXPECT_EQ(Join(kMdns, 4), 0);
  EXPECT_EQ(LowerGroups(), 1);
  EXPECT_EQ(Join(kMdns, 4), 0);
  EXPECT_EQ(LowerGroups(), 1);
  EXPECT_EQ(Leave(kMdns, 4), 0);
  EXPECT_EQ(LowerGroups(), 1);
  Inject(EchoTo(kMdnsMac));
  EXPECT_EQ(RecvAll().size(), 1u);
  EXPECT_EQ(Leave(kMdns, 4), 0);
  EXPECT_EQ(LowerGroups(), 0);
  Inject(EchoTo(kMdnsMac));
  EXPECT_TRUE(RecvAll().empty());
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_MULTICAST], 1u);
  EXPECT_EQ(Leave(kMdns, 4), TERN_ENOENT);
  EXPECT_EQ(LowerGroups(), 0);

  // Two groups with one MAC (the 23 low bits): one entry, two joins.
  const uint8_t mdns_alias[4] = {225, 128, 0, 251};
  EXPECT_EQ(Join(kMdns, 4), 0);
  EXPECT_EQ(Join(mdns_alias, 4), 0);
  EXPECT_EQ(LowerGroups(), 1);
  EXPECT_EQ(Leave(mdns_alias, 4), 0);
  Inject(EchoTo(kMdnsMac));
  EXPECT_EQ(RecvAll().size(), 1u);

  // The filter holds two MACs: a third is refused, and the lower device
  // is not told of it.
  const uint8_t other[4] = {224, 0, 0, 1};
#if TERN_CONFIG_IPV6
  const uint8_t *second = kAllNodes;  // 33:33:00:00:00:01
  const size_t second_len = 16;
#else
  const uint8_t second[4] = {224, 0, 0, 2};
  const size_t second_len = 4;
#endif
  EXPECT_EQ(Join(second, second_len), 0);
  EXPECT_EQ(LowerGroups(), 2);
  EXPECT_EQ(Join(other, 4), TERN_ENOMEM);
#if TERN_CONFIG_IPV6
  EXPECT_EQ(Join(kSolicitedNode1, 16), TERN_ENOMEM);
#endif
  EXPECT_EQ(LowerGroups(), 2);
  // A leave frees a slot for it.
  EXPECT_EQ(Leave(second, second_len), 0);
  EXPECT_EQ(Join(other, 4), 0);
  EXPECT_EQ(LowerGroups(), 2);

  // Not groups.
  EXPECT_EQ(Join(kIpPeer, 4), TERN_EINVAL);
  EXPECT_EQ(Join(kMdnsMac, 6), TERN_EINVAL);
  EXPECT_EQ(Join(nullptr, 4), TERN_EINVAL);
#if TERN_CONFIG_IPV6
  EXPECT_EQ(Join(kLinkLocalPeer, 16), TERN_EINVAL);
#else
  // An IPv4-only build has no IPv6 layer to join IPv6 groups, and maps
  // none.
  EXPECT_EQ(Join(kAllNodes, 16), TERN_EAFNOSUPPORT);
  EXPECT_EQ(Leave(kAllNodes, 16), TERN_EAFNOSUPPORT);
  EXPECT_EQ(Join(kLinkLocalPeer, 16), TERN_EAFNOSUPPORT);
#endif
  EXPECT_EQ(LowerGroups(), 2);
}

TEST_F(McastTest, SetGroupsChecksItsArguments) {
  Start();
  EXPECT_EQ(tern_eth_set_groups(&eth_, nullptr, 1), TERN_EINVAL);
  EXPECT_EQ(tern_eth_set_groups(&eth_, groups_, 256), TERN_EINVAL);
  EXPECT_EQ(Join(kMdns, 4), TERN_ENOMEM);
}

}  // namespace
}  // namespace tern_eth_test
