// ARP parse/emit against the who-has/is-at exchange in
// /work/shared/captures/arp_icmp.pcap (frames 1 and 2, Linux 6.18).
#include "tern/arp_wire.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tern/ethernet_wire.h"

namespace {

// Frame 1: who has 192.0.2.2? tell 192.0.2.1 (broadcast).
const uint8_t kArpRequest[42] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0a, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
};
// Frame 2: 192.0.2.2 is at 02:00:00:00:00:0b (unicast).
const uint8_t kArpReply[42] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0b, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xc0, 0x00, 0x02, 0x02, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00, 0x02, 0x01,
};

const tern_mac_addr kMacA = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
const tern_mac_addr kMacB = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};
const tern_mac_addr kZero = {{0, 0, 0, 0, 0, 0}};
const tern_ipv4_addr kIpA = {{192, 0, 2, 1}};
const tern_ipv4_addr kIpB = {{192, 0, 2, 2}};

bool MacEq(const tern_mac_addr &a, const tern_mac_addr &b) {
  return memcmp(a.b, b.b, 6) == 0;
}
bool IpEq(const tern_ipv4_addr &a, const tern_ipv4_addr &b) {
  return memcmp(a.b, b.b, 4) == 0;
}

// Parses a whole captured frame: Ethernet header, then ARP.
void ParseFrame(const uint8_t *f, size_t n, tern_eth_repr *eth,
                tern_arp_repr *arp) {
  ASSERT_EQ(tern_eth_repr_parse(eth, f, n), 0);
  ASSERT_EQ(eth->ethertype, TERN_ETHERTYPE_ARP);
  ASSERT_EQ(tern_arp_repr_parse(arp, f + TERN_ETH_HEADER_LEN,
                                n - TERN_ETH_HEADER_LEN),
            0);
}

// Emits an Ethernet header and an ARP packet into a 42-byte frame.
std::vector<uint8_t> EmitFrame(const tern_eth_repr &eth,
                               const tern_arp_repr &arp) {
  std::vector<uint8_t> f(TERN_ETH_HEADER_LEN + TERN_ARP_LEN);
  EXPECT_EQ(tern_eth_repr_emit(&eth, f.data(), f.size()), TERN_ETH_HEADER_LEN);
  EXPECT_EQ(
      tern_arp_repr_emit(&arp, f.data() + TERN_ETH_HEADER_LEN, TERN_ARP_LEN),
      TERN_ARP_LEN);
  return f;
}

TEST(ArpWire, ParsesCapturedRequest) {
  tern_eth_repr eth;
  tern_arp_repr arp;
  ParseFrame(kArpRequest, sizeof kArpRequest, &eth, &arp);
  EXPECT_TRUE(MacEq(eth.dst, tern_mac_broadcast()));
  EXPECT_TRUE(MacEq(eth.src, kMacA));
  EXPECT_EQ(arp.op, TERN_ARP_OP_REQUEST);
  EXPECT_TRUE(MacEq(arp.sha, kMacA));
  EXPECT_TRUE(IpEq(arp.spa, kIpA));
  EXPECT_TRUE(MacEq(arp.tha, kZero));
  EXPECT_TRUE(IpEq(arp.tpa, kIpB));
  const uint8_t *p = kArpRequest + TERN_ETH_HEADER_LEN;
  EXPECT_EQ(tern_arp_op(p), TERN_ARP_OP_REQUEST);
  EXPECT_EQ(0, memcmp(tern_arp_sha(p), kMacA.b, 6));
  EXPECT_EQ(0, memcmp(tern_arp_spa(p), kIpA.b, 4));
  EXPECT_EQ(0, memcmp(tern_arp_tha(p), kZero.b, 6));
  EXPECT_EQ(0, memcmp(tern_arp_tpa(p), kIpB.b, 4));
}

TEST(ArpWire, ParsesCapturedReply) {
  tern_eth_repr eth;
  tern_arp_repr arp;
  ParseFrame(kArpReply, sizeof kArpReply, &eth, &arp);
  EXPECT_TRUE(MacEq(eth.dst, kMacA));
  EXPECT_TRUE(MacEq(eth.src, kMacB));
  EXPECT_EQ(arp.op, TERN_ARP_OP_REPLY);
  EXPECT_TRUE(MacEq(arp.sha, kMacB));
  EXPECT_TRUE(IpEq(arp.spa, kIpB));
  EXPECT_TRUE(MacEq(arp.tha, kMacA));
  EXPECT_TRUE(IpEq(arp.tpa, kIpA));
}

TEST(ArpWire, ParsedFramesEmitByteForByte) {
  for (const uint8_t *f : {kArpRequest, kArpReply}) {
    tern_eth_repr eth;
    tern_arp_repr arp;
    ParseFrame(f, 42, &eth, &arp);
    std::vector<uint8_t> out = EmitFrame(eth, arp);
    EXPECT_EQ(out, std::vector<uint8_t>(f, f + 42));
  }
}

TEST(ArpWire, RequestMatchesLinux) {
  tern_arp_repr arp;
  tern_arp_request(&arp, &kMacA, &kIpA, &kIpB);
  tern_eth_repr eth = {tern_mac_broadcast(), kMacA, TERN_ETHERTYPE_ARP};
  EXPECT_EQ(EmitFrame(eth, arp),
            std::vector<uint8_t>(kArpRequest, kArpRequest + 42));
}

TEST(ArpWire, ReplyToCapturedRequestMatchesLinux) {
  tern_eth_repr eth;
  tern_arp_repr req;
  ParseFrame(kArpRequest, sizeof kArpRequest, &eth, &req);
  tern_arp_repr rep;
  tern_arp_reply(&rep, &req, &kMacB);
  tern_eth_repr out_eth = {req.sha, kMacB, TERN_ETHERTYPE_ARP};
  EXPECT_EQ(EmitFrame(out_eth, rep),
            std::vector<uint8_t>(kArpReply, kArpReply + 42));
  // Answering in place gives the same packet.
  tern_arp_reply(&req, &req, &kMacB);
  EXPECT_EQ(EmitFrame(out_eth, req), EmitFrame(out_eth, rep));
}

TEST(ArpWire, ReplyMayBeBuiltOverItsRequest) {
  // The adapter answers in the request's own repr and buffer.
  tern_arp_repr a;
  ASSERT_EQ(
      tern_arp_repr_parse(&a, kArpRequest + TERN_ETH_HEADER_LEN, TERN_ARP_LEN),
      0);
  tern_arp_reply(&a, &a, &kMacB);
  uint8_t buf[TERN_ARP_LEN];
  memcpy(buf, kArpRequest + TERN_ETH_HEADER_LEN, TERN_ARP_LEN);
  ASSERT_EQ(tern_arp_repr_emit(&a, buf, sizeof buf), TERN_ARP_LEN);
  EXPECT_EQ(0, memcmp(buf, kArpReply + TERN_ETH_HEADER_LEN, TERN_ARP_LEN));
}

TEST(ArpWire, InPlaceEmittersBuildLinuxsReplyOverItsRequest) {
  // What the adapter does in the received buffer: the requester's sender
  // fields become the target fields, then ours are written.
  uint8_t buf[TERN_ARP_LEN];
  memcpy(buf, kArpRequest + TERN_ETH_HEADER_LEN, TERN_ARP_LEN);
  tern_arp_write_target(buf, tern_arp_sha(buf), tern_arp_spa(buf));
  tern_arp_write_sender(buf, TERN_ARP_OP_REPLY, kMacB.b, kIpB.b);
  EXPECT_EQ(0, memcmp(buf, kArpReply + TERN_ETH_HEADER_LEN, TERN_ARP_LEN));
  ASSERT_EQ(tern_arp_check(buf, sizeof buf), 0);
  EXPECT_EQ(0, memcmp(tern_arp_tha(buf), kMacA.b, 6));
}

TEST(ArpWire, InPlaceEmittersBuildLinuxsRequestOverAnyBytes) {
  // And a request in a buffer from the pool, whatever was in it.
  uint8_t buf[TERN_ARP_LEN];
  memset(buf, 0xa5, sizeof buf);
  tern_arp_write_target(buf, kZero.b, kIpB.b);
  tern_arp_write_sender(buf, TERN_ARP_OP_REQUEST, kMacA.b, kIpA.b);
  EXPECT_EQ(0, memcmp(buf, kArpRequest + TERN_ETH_HEADER_LEN, TERN_ARP_LEN));
  // tern_arp_write is the two of them.
  uint8_t whole[TERN_ARP_LEN];
  tern_arp_write(whole, TERN_ARP_OP_REQUEST, kMacA.b, kIpA.b, kZero.b, kIpB.b);
  EXPECT_EQ(0, memcmp(whole, buf, TERN_ARP_LEN));
}

TEST(ArpWire, RequestWithoutAnAddressIsAProbe) {
  // RFC 5227 2.1.1: sender protocol address all zero.
  tern_arp_repr r;
  const tern_ipv4_addr zero = {{0, 0, 0, 0}};
  tern_arp_request(&r, &kMacB, &zero, &kIpA);
  uint8_t buf[TERN_ARP_LEN];
  ASSERT_EQ(tern_arp_repr_emit(&r, buf, sizeof buf), TERN_ARP_LEN);
  EXPECT_EQ(tern_arp_op(buf), TERN_ARP_OP_REQUEST);
  EXPECT_EQ(0, memcmp(tern_arp_sha(buf), kMacB.b, 6));
  EXPECT_EQ(0, memcmp(tern_arp_spa(buf), zero.b, 4));
  EXPECT_EQ(0, memcmp(tern_arp_tha(buf), kZero.b, 6));
  EXPECT_EQ(0, memcmp(tern_arp_tpa(buf), kIpA.b, 4));
}

TEST(ArpWire, AnnouncementIsRfc5227Form) {
  tern_arp_repr arp;
  tern_arp_announce(&arp, &kMacB, &kIpB);
  uint8_t p[TERN_ARP_LEN];
  ASSERT_EQ(tern_arp_repr_emit(&arp, p, sizeof p), TERN_ARP_LEN);
  const uint8_t want[TERN_ARP_LEN] = {
      0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,  // Ethernet/IPv4, req
      0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 192,  0,     // sha, spa
      2,    2,    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //      tha = 0
      192,  0,    2,    2,                             // tpa = spa
  };
  EXPECT_EQ(0, memcmp(p, want, sizeof want));
}

TEST(ArpWire, PaddedFrameIsAccepted) {
  // What a real NIC delivers: the 42-byte frame padded to 60.
  uint8_t f[TERN_ETH_MIN_FRAME_LEN] = {};
  memcpy(f, kArpReply, sizeof kArpReply);
  tern_arp_repr arp;
  EXPECT_EQ(tern_arp_repr_parse(&arp, f + TERN_ETH_HEADER_LEN,
                                sizeof f - TERN_ETH_HEADER_LEN),
            0);
  EXPECT_TRUE(IpEq(arp.tpa, kIpA));
}

TEST(ArpWire, EveryShorterPrefixIsTruncated) {
  const uint8_t *p = kArpRequest + TERN_ETH_HEADER_LEN;
  for (size_t n = 0; n < TERN_ARP_LEN; n++) {
    std::vector<uint8_t> v(p, p + n);
    tern_arp_repr arp;
    EXPECT_EQ(tern_arp_repr_parse(&arp, v.data(), n), TERN_ARP_DROP_TRUNCATED)
        << n;
  }
}

struct Mutation {
  size_t off;
  uint8_t value;
  int want;
};

TEST(ArpWire, EachDropReason) {
  const Mutation muts[] = {
      {1, 6, TERN_ARP_DROP_HTYPE},      // IEEE 802 networks
      {0, 1, TERN_ARP_DROP_HTYPE},      // 0x0101
      {2, 0x86, TERN_ARP_DROP_PTYPE},   // 0x8600
      {3, 0x01, TERN_ARP_DROP_PTYPE},   // 0x0801
      {4, 8, TERN_ARP_DROP_ADDR_LEN},   // hlen 8
      {5, 16, TERN_ARP_DROP_ADDR_LEN},  // plen 16
      {7, 3, TERN_ARP_DROP_OP},         // RARP request (RFC 903)
      {7, 8, TERN_ARP_DROP_OP},         // InARP request (RFC 2390)
      {7, 0, TERN_ARP_DROP_OP},        {6, 1, TERN_ARP_DROP_OP},  // 0x0101
  };
  for (const Mutation &m : muts) {
    uint8_t p[TERN_ARP_LEN];
    memcpy(p, kArpRequest + TERN_ETH_HEADER_LEN, sizeof p);
    p[m.off] = m.value;
    EXPECT_EQ(tern_arp_check(p, sizeof p), m.want) << m.off << " " << +m.value;
    EXPECT_FALSE(tern_arp_valid(p, sizeof p)) << m.off << " " << +m.value;
  }
}

// tern_arp_valid is tern_arp_check's verdict: a request, a reply, a padded
// frame and every shorter prefix.
TEST(ArpWire, ValidAgreesWithCheck) {
  const uint8_t *req = kArpRequest + TERN_ETH_HEADER_LEN;
  const uint8_t *rep = kArpReply + TERN_ETH_HEADER_LEN;
  EXPECT_TRUE(tern_arp_valid(req, TERN_ARP_LEN));
  EXPECT_TRUE(tern_arp_valid(rep, TERN_ARP_LEN));
  uint8_t padded[TERN_ETH_MIN_FRAME_LEN - TERN_ETH_HEADER_LEN] = {};
  memcpy(padded, rep, TERN_ARP_LEN);
  EXPECT_TRUE(tern_arp_valid(padded, sizeof padded));
  for (size_t n = 0; n < TERN_ARP_LEN; n++) {
    std::vector<uint8_t> v(req, req + n);
    EXPECT_FALSE(tern_arp_valid(v.data(), n)) << n;
  }
}

// The fixed fields written are the ones checked: Linux's request, built
// over any bytes, starts with them.
TEST(ArpWire, FixedFieldsAreEthernetIpv4) {
  const uint8_t want[6] = {0x00, 0x01, 0x08, 0x00, 0x06, 0x04};
  EXPECT_EQ(0, memcmp(tern_arp_eth_ipv4, want, sizeof want));
  EXPECT_EQ(0, memcmp(kArpRequest + TERN_ETH_HEADER_LEN, want, sizeof want));
}

TEST(ArpWire, EmitErrors) {
  tern_arp_repr arp;
  tern_arp_request(&arp, &kMacA, &kIpA, &kIpB);
  uint8_t p[TERN_ARP_LEN];
  EXPECT_EQ(tern_arp_repr_emit(&arp, p, TERN_ARP_LEN - 1), TERN_ENOSPC);
  arp.op = 3;
  EXPECT_EQ(tern_arp_repr_emit(&arp, p, sizeof p), TERN_EINVAL);
}

TEST(ArpWire, DropNames) {
  EXPECT_STREQ(tern_arp_drop_name(TERN_ARP_DROP_TRUNCATED), "truncated");
  EXPECT_STREQ(tern_arp_drop_name(TERN_ARP_DROP_OP),
               "operation not request/reply");
  EXPECT_STREQ(tern_arp_drop_name(-TERN_ARP_DROP_COUNT), "unknown");
}

}  // namespace
