// Ethernet II header parse/emit, against frames from
// /work/shared/captures/arp_icmp.pcap (Linux veth, no FCS, no padding).
#include "tern/ethernet_wire.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

// arp_icmp.pcap frame 3: 02:00:00:00:00:0a -> 02:00:00:00:00:0b, IPv4,
// ICMP echo request (first 34 bytes: Ethernet + IPv4 header).
const uint8_t kIpv4Frame[34] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0x44, 0x0a, 0x40, 0x00, 0x40, 0x01,
    0x72, 0x9b, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02,
};

const tern_mac_addr kMacA = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
const tern_mac_addr kMacB = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};

TEST(EthernetWire, ParsesCapturedFrame) {
  tern_eth_repr r;
  ASSERT_EQ(tern_eth_repr_parse(&r, kIpv4Frame, sizeof kIpv4Frame), 0);
  EXPECT_EQ(0, memcmp(r.dst.b, kMacB.b, 6));
  EXPECT_EQ(0, memcmp(r.src.b, kMacA.b, 6));
  EXPECT_EQ(r.ethertype, TERN_ETHERTYPE_IPV4);
  EXPECT_EQ(tern_eth_ethertype(kIpv4Frame), TERN_ETHERTYPE_IPV4);
  EXPECT_EQ(tern_eth_dst(kIpv4Frame), kIpv4Frame);
  EXPECT_EQ(tern_eth_src(kIpv4Frame), kIpv4Frame + 6);
}

TEST(EthernetWire, EmitsCapturedHeader) {
  tern_eth_repr r;
  ASSERT_EQ(tern_eth_repr_parse(&r, kIpv4Frame, sizeof kIpv4Frame), 0);
  uint8_t out[TERN_ETH_HEADER_LEN + 1];
  memset(out, 0xee, sizeof out);
  ASSERT_EQ(tern_eth_repr_emit(&r, out, sizeof out), TERN_ETH_HEADER_LEN);
  EXPECT_EQ(0, memcmp(out, kIpv4Frame, TERN_ETH_HEADER_LEN));
  EXPECT_EQ(out[TERN_ETH_HEADER_LEN], 0xee);  // nothing past the header
}

TEST(EthernetWire, HeaderOnlyFrameIsAccepted) {
  EXPECT_EQ(tern_eth_check(kIpv4Frame, TERN_ETH_HEADER_LEN), 0);
}

TEST(EthernetWire, EveryShorterPrefixIsTruncated) {
  for (size_t n = 0; n < TERN_ETH_HEADER_LEN; n++) {
    std::vector<uint8_t> v(kIpv4Frame, kIpv4Frame + n);  // exact size for ASan
    tern_eth_repr r;
    memset(&r, 0x5a, sizeof r);
    EXPECT_EQ(tern_eth_repr_parse(&r, v.data(), n), TERN_ETH_DROP_TRUNCATED)
        << n;
    EXPECT_EQ(r.ethertype, 0x5a5a) << "repr touched on failure";
  }
}

TEST(EthernetWire, Ieee8023LengthFieldIsNotEthernetII) {
  uint8_t f[TERN_ETH_HEADER_LEN];
  memcpy(f, kIpv4Frame, sizeof f);
  const uint16_t types[] = {0x0000, 0x002e, 0x05dc, 0x05ff};
  for (uint16_t t : types) {
    f[12] = (uint8_t)(t >> 8);
    f[13] = (uint8_t)t;
    EXPECT_EQ(tern_eth_check(f, sizeof f), TERN_ETH_DROP_NOT_ETHERNET_II) << t;
  }
  f[12] = 0x06;
  f[13] = 0x00;
  EXPECT_EQ(tern_eth_check(f, sizeof f), 0);  // 0x0600 is the first type
}

TEST(EthernetWire, VlanTagsAreDropped) {
  uint8_t f[18];
  memcpy(f, kIpv4Frame, TERN_ETH_HEADER_LEN);
  const uint16_t types[] = {0x8100, 0x88a8, 0x9100};
  for (uint16_t t : types) {
    f[12] = (uint8_t)(t >> 8);
    f[13] = (uint8_t)t;
    EXPECT_EQ(tern_eth_check(f, sizeof f), TERN_ETH_DROP_VLAN) << t;
  }
}

TEST(EthernetWire, EmitRejectsSmallBufferAndLengthType) {
  tern_eth_repr r = {kMacB, kMacA, TERN_ETHERTYPE_ARP};
  uint8_t out[TERN_ETH_HEADER_LEN];
  EXPECT_EQ(tern_eth_repr_emit(&r, out, TERN_ETH_HEADER_LEN - 1), TERN_ENOSPC);
  r.ethertype = 1500;
  EXPECT_EQ(tern_eth_repr_emit(&r, out, sizeof out), TERN_EINVAL);
}

TEST(EthernetWire, MacHelpers) {
  tern_mac_addr b = tern_mac_broadcast();
  EXPECT_TRUE(tern_mac_is_group(&b));
  EXPECT_FALSE(tern_mac_is_group(&kMacA));
  const tern_mac_addr mcast = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
  EXPECT_TRUE(tern_mac_is_group(&mcast));
}

TEST(EthernetWire, WriteHeaderMatchesCapturedHeaders) {
  // kIpv4Frame's header, and ipv6_ndp_slaac.pcap frame 29's (radvd's RA
  // from 02:00:00:00:00:0b to 33:33:00:00:00:01, EtherType 0x86dd).
  uint8_t out[TERN_ETH_HEADER_LEN + 1];
  memset(out, 0xee, sizeof out);
  tern_eth_write_header(out, kMacB.b, kMacA.b, TERN_ETHERTYPE_IPV4);
  EXPECT_EQ(0, memcmp(out, kIpv4Frame, TERN_ETH_HEADER_LEN));
  EXPECT_EQ(out[TERN_ETH_HEADER_LEN], 0xee);
  const uint8_t ra[TERN_ETH_HEADER_LEN] = {0x33, 0x33, 0x00, 0x00, 0x00,
                                           0x01, 0x02, 0x00, 0x00, 0x00,
                                           0x00, 0x0b, 0x86, 0xdd};
  const uint8_t all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};
  tern_eth_write_header(out, all_nodes, kMacB.b, TERN_ETHERTYPE_IPV6);
  EXPECT_EQ(0, memcmp(out, ra, sizeof ra));
}

TEST(EthernetWire, Ipv4GroupMacs) {
  // RFC 1112 6.4: 01-00-5E and the low 23 bits of the group.
  struct Case {
    uint8_t group[4];
    uint8_t mac[6];
  };
  const Case cases[] = {
      {{224, 0, 0, 1}, {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}},
      {{224, 0, 0, 251}, {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}},
      {{239, 255, 1, 2}, {0x01, 0x00, 0x5e, 0x7f, 0x01, 0x02}},
      {{225, 128, 0, 251}, {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}},
  };
  for (const Case &c : cases) {
    uint8_t mac[6];
    tern_eth_mcast_ipv4(mac, c.group);
    EXPECT_EQ(0, memcmp(mac, c.mac, 6))
        << int(c.group[0]) << "." << int(c.group[1]) << "." << int(c.group[2])
        << "." << int(c.group[3]);
  }
}

TEST(EthernetWire, Ipv6GroupMacs) {
  // RFC 2464 7: 33-33 and the group's last four bytes, as Linux sent
  // them in ipv6_ndp_slaac.pcap (frame 29 to ff02::1, frame 17 to the
  // solicited-node group ff02::1:ff00:1, frame 1 to ff02::16).
  struct Case {
    uint8_t group[16];
    uint8_t mac[6];
  };
  const Case cases[] = {
      {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01},
       {0x33, 0x33, 0x00, 0x00, 0x00, 0x01}},
      {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0x01},
       {0x33, 0x33, 0xff, 0x00, 0x00, 0x01}},
      {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16},
       {0x33, 0x33, 0x00, 0x00, 0x00, 0x16}},
  };
  for (const Case &c : cases) {
    uint8_t mac[6];
    tern_eth_mcast_ipv6(mac, c.group);
    EXPECT_EQ(0, memcmp(mac, c.mac, 6));
  }
}

TEST(EthernetWire, DropNames) {
  EXPECT_STREQ(tern_eth_drop_name(TERN_ETH_DROP_TRUNCATED), "truncated");
  EXPECT_STREQ(tern_eth_drop_name(TERN_ETH_DROP_VLAN), "VLAN tag");
  EXPECT_STREQ(tern_eth_drop_name(TERN_ETH_DROP_NOT_ETHERNET_II),
               "not Ethernet II");
  EXPECT_STREQ(tern_eth_drop_name(-TERN_ETH_DROP_COUNT), "unknown");
}

}  // namespace
