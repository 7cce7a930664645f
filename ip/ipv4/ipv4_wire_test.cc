// IPv4 header check/parse/emit against captured datagrams.
#include "tern/ipv4_wire.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "capture_vectors.h"

namespace {

using Bytes = std::vector<uint8_t>;

Bytes B(const uint8_t *p, size_t n) {
  return Bytes(p, p + n);
}

// An RFC 1071 checksum written independently of //ip/checksum, to fix up
// the headers the tests mutate.
void FixChecksum(Bytes &d) {
  size_t hlen = (size_t)(d[0] & 0x0f) * 4;
  d[10] = d[11] = 0;
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < hlen && i + 1 < d.size(); i += 2) {
    s += (uint32_t)(d[i] << 8 | d[i + 1]);
  }
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  d[10] = (uint8_t)(~s >> 8);
  d[11] = (uint8_t)~s;
}

void SetTotalLen(Bytes &d, uint16_t v) {
  d[2] = (uint8_t)(v >> 8);
  d[3] = (uint8_t)v;
}

const tern_ipv4_addr kA = {{192, 0, 2, 1}};
const tern_ipv4_addr kB = {{192, 0, 2, 2}};

bool Eq(const tern_ipv4_addr &a, const tern_ipv4_addr &b) {
  return memcmp(a.b, b.b, 4) == 0;
}

TEST(Ipv4Wire, ParsesEchoRequestFields) {
  tern_ipv4_repr r;
  ASSERT_EQ(tern_ipv4_repr_parse(&r, kEchoRequest, sizeof kEchoRequest), 0);
  EXPECT_TRUE(Eq(r.src, kA));
  EXPECT_TRUE(Eq(r.dst, kB));
  EXPECT_EQ(r.protocol, TERN_IP_PROTO_ICMP);
  EXPECT_EQ(r.ttl, 64);
  EXPECT_EQ(r.tos, 0);
  EXPECT_TRUE(r.dont_frag);
  EXPECT_EQ(r.ident, 0x440a);
  EXPECT_EQ(r.header_len, 20);
  EXPECT_EQ(r.payload_len, 64);
  // The accessors agree.
  EXPECT_EQ(tern_ipv4_header_len(kEchoRequest), 20u);
  EXPECT_EQ(tern_ipv4_total_len(kEchoRequest), 84);
  EXPECT_EQ(tern_ipv4_ident(kEchoRequest), 0x440a);
  EXPECT_TRUE(tern_ipv4_dont_frag(kEchoRequest));
  EXPECT_FALSE(tern_ipv4_is_fragment(kEchoRequest));
  EXPECT_EQ(tern_ipv4_ttl(kEchoRequest), 64);
  EXPECT_EQ(tern_ipv4_protocol(kEchoRequest), TERN_IP_PROTO_ICMP);
  EXPECT_EQ(0, memcmp(tern_ipv4_src(kEchoRequest), kA.b, 4));
  EXPECT_EQ(0, memcmp(tern_ipv4_dst(kEchoRequest), kB.b, 4));
  EXPECT_EQ(tern_ipv4_payload(kEchoRequest), kEchoRequest + 20);
  EXPECT_EQ(tern_ipv4_payload_len(kEchoRequest), 64u);
}

TEST(Ipv4Wire, ParsesReplyAndPortUnreachableFields) {
  tern_ipv4_repr r;
  ASSERT_EQ(tern_ipv4_repr_parse(&r, kEchoReply, sizeof kEchoReply), 0);
  EXPECT_TRUE(Eq(r.src, kB));
  EXPECT_TRUE(Eq(r.dst, kA));
  EXPECT_FALSE(r.dont_frag);
  EXPECT_EQ(r.ident, 0x4be4);
  ASSERT_EQ(tern_ipv4_repr_parse(&r, kPortUnreachable, sizeof kPortUnreachable),
            0);
  EXPECT_EQ(r.tos, 0xc0);  // Linux marks ICMP errors as internetwork control
  EXPECT_EQ(r.ident, 0x1259);
  EXPECT_EQ(r.payload_len, 51);
  ASSERT_EQ(tern_ipv4_repr_parse(&r, kUdpToClosedPort, sizeof kUdpToClosedPort),
            0);
  EXPECT_EQ(r.protocol, TERN_IP_PROTO_UDP);
  EXPECT_EQ(r.payload_len, 23);  // odd total length (43)
}

TEST(Ipv4Wire, EveryCaptureEmitsItsHeaderByteForByte) {
  const Bytes all[] = {
      B(kEchoRequest, sizeof kEchoRequest),
      B(kEchoReply, sizeof kEchoReply),
      B(kEmptyEchoRequest, sizeof kEmptyEchoRequest),
      B(kEmptyEchoReply, sizeof kEmptyEchoReply),
      B(kUdpToClosedPort, sizeof kUdpToClosedPort),
      B(kPortUnreachable, sizeof kPortUnreachable),
  };
  for (const Bytes &d : all) {
    tern_ipv4_repr r;
    ASSERT_EQ(tern_ipv4_repr_parse(&r, d.data(), d.size()), 0);
    uint8_t out[TERN_IPV4_HEADER_LEN];
    ASSERT_EQ(tern_ipv4_repr_emit(&r, out, sizeof out), TERN_IPV4_HEADER_LEN);
    EXPECT_EQ(B(out, sizeof out), B(d.data(), TERN_IPV4_HEADER_LEN));
  }
}

TEST(Ipv4Wire, EmitsTheKernelsEchoReplyHeaderFromScratch) {
  tern_ipv4_repr r = {};
  r.src = kB;
  r.dst = kA;
  r.protocol = TERN_IP_PROTO_ICMP;
  r.ttl = 64;
  r.ident = 0x4be4;
  r.payload_len = 64;
  uint8_t out[TERN_IPV4_HEADER_LEN];
  ASSERT_EQ(tern_ipv4_repr_emit(&r, out, sizeof out), TERN_IPV4_HEADER_LEN);
  EXPECT_EQ(B(out, sizeof out), B(kEchoReply, TERN_IPV4_HEADER_LEN));
}

// The two steps a sender builds a header with in place (the IPv4 layer
// hashes bytes 9 to 19 in between): every captured header again, over a
// buffer of garbage, and the flow step alone writes only bytes 9 to 19.
TEST(Ipv4Wire, EmitFlowThenFinishIsTheHeader) {
  const Bytes all[] = {
      B(kEchoRequest, sizeof kEchoRequest),
      B(kEchoReply, sizeof kEchoReply),
      B(kUdpToClosedPort, sizeof kUdpToClosedPort),
      B(kPortUnreachable, sizeof kPortUnreachable),
  };
  for (const Bytes &d : all) {
    uint8_t out[TERN_IPV4_HEADER_LEN];
    memset(out, 0xa5, sizeof out);
    tern_ipv4_emit_flow(out, tern_ipv4_src(d.data()), tern_ipv4_dst(d.data()),
                        tern_ipv4_protocol(d.data()));
    Bytes flow(d.begin(), d.begin() + TERN_IPV4_HEADER_LEN);
    flow[10] = flow[11] = 0;
    EXPECT_EQ(B(out + 9, 11), Bytes(flow.begin() + 9, flow.end()));
    EXPECT_EQ(B(out, 9), Bytes(9, 0xa5));
    tern_ipv4_emit_finish(
        out, tern_ipv4_tos(d.data()), tern_ipv4_payload_len(d.data()),
        tern_ipv4_ident(d.data()), tern_ipv4_dont_frag(d.data()),
        tern_ipv4_ttl(d.data()));
    EXPECT_EQ(B(out, sizeof out), B(d.data(), TERN_IPV4_HEADER_LEN));
  }
}

TEST(Ipv4Wire, EthernetPaddingIsNotPayload) {
  // kEmptyEchoReply is 28 bytes; a NIC delivers it padded to 46.
  Bytes d = B(kEmptyEchoReply, sizeof kEmptyEchoReply);
  d.resize(46, 0);
  tern_ipv4_repr r;
  ASSERT_EQ(tern_ipv4_repr_parse(&r, d.data(), d.size()), 0);
  EXPECT_EQ(r.payload_len, 8);
}

TEST(Ipv4Wire, OptionsAreSkippedAndReported) {
  Bytes d = B(kRouterAlertHeader, sizeof kRouterAlertHeader);
  d.insert(d.end(), kEchoRequest + 20, kEchoRequest + sizeof kEchoRequest);
  tern_ipv4_repr r;
  ASSERT_EQ(tern_ipv4_repr_parse(&r, d.data(), d.size()), 0);
  EXPECT_EQ(r.header_len, 24);
  EXPECT_EQ(r.payload_len, 64);
  EXPECT_EQ(tern_ipv4_payload(d.data()), d.data() + 24);
  EXPECT_EQ(tern_ipv4_payload(d.data())[0], 8);  // the ICMP echo request
  // Re-emitted without the option, it is the captured header again.
  uint8_t out[TERN_IPV4_HEADER_LEN];
  ASSERT_EQ(tern_ipv4_repr_emit(&r, out, sizeof out), TERN_IPV4_HEADER_LEN);
  EXPECT_EQ(B(out, sizeof out), B(kEchoRequest, TERN_IPV4_HEADER_LEN));
  // Cut inside the options: truncated.
  EXPECT_EQ(tern_ipv4_check(d.data(), 22), TERN_IPV4_DROP_TRUNCATED);
}

TEST(Ipv4Wire, EveryPrefixIsTruncated) {
  const Bytes all[] = {
      B(kEchoRequest, sizeof kEchoRequest),
      B(kUdpToClosedPort, sizeof kUdpToClosedPort),
  };
  for (const Bytes &d : all) {
    for (size_t n = 0; n < d.size(); n++) {
      Bytes v(d.begin(), d.begin() + (long)n);  // exact size, for ASan
      tern_ipv4_repr r;
      memset(&r, 0x5a, sizeof r);
      EXPECT_EQ(tern_ipv4_repr_parse(&r, v.data(), n), TERN_IPV4_DROP_TRUNCATED)
          << n;
      EXPECT_EQ(r.ttl, 0x5a) << "repr touched on failure";
    }
  }
}

TEST(Ipv4Wire, OversizedTotalLengthIsTruncated) {
  for (uint16_t total : {85, 1500, 65535}) {
    Bytes d = B(kEchoRequest, sizeof kEchoRequest);
    SetTotalLen(d, total);
    FixChecksum(d);
    EXPECT_EQ(tern_ipv4_check(d.data(), d.size()), TERN_IPV4_DROP_TRUNCATED);
  }
}

TEST(Ipv4Wire, TotalLengthBelowHeaderIsRejected) {
  Bytes d = B(kEchoRequest, sizeof kEchoRequest);
  for (uint16_t total : {0, 1, 19}) {
    SetTotalLen(d, total);
    FixChecksum(d);
    EXPECT_EQ(tern_ipv4_check(d.data(), d.size()), TERN_IPV4_DROP_TOTAL_LENGTH);
  }
  // IHL 15 (60 bytes) in a 28-byte datagram.
  Bytes e = B(kEmptyEchoRequest, sizeof kEmptyEchoRequest);
  e[0] = 0x4f;
  EXPECT_EQ(tern_ipv4_check(e.data(), e.size()), TERN_IPV4_DROP_TOTAL_LENGTH);
  // ... and claiming 60 bytes: now the buffer is too short.
  SetTotalLen(e, 60);
  EXPECT_EQ(tern_ipv4_check(e.data(), e.size()), TERN_IPV4_DROP_TRUNCATED);
}

TEST(Ipv4Wire, BadVersionAndIhl) {
  Bytes d = B(kEchoRequest, sizeof kEchoRequest);
  for (uint8_t v : {0, 5, 6, 15}) {
    d[0] = (uint8_t)(v << 4 | 5);
    FixChecksum(d);
    EXPECT_EQ(tern_ipv4_check(d.data(), d.size()), TERN_IPV4_DROP_VERSION);
  }
  for (uint8_t ihl = 0; ihl < 5; ihl++) {
    d[0] = (uint8_t)(0x40 | ihl);
    EXPECT_EQ(tern_ipv4_check(d.data(), d.size()), TERN_IPV4_DROP_IHL);
  }
}

TEST(Ipv4Wire, BadChecksumInAnyHeaderByte) {
  for (size_t i = 0; i < TERN_IPV4_HEADER_LEN; i++) {
    if (i == 0 || i == 2 || i == 3)
      continue;  // those fail earlier checks
    Bytes d = B(kEchoRequest, sizeof kEchoRequest);
    d[i] ^= 0x01;
    EXPECT_EQ(tern_ipv4_check(d.data(), d.size()), TERN_IPV4_DROP_CHECKSUM)
        << i;
  }
  // The payload is not covered: a flipped ICMP byte passes this layer.
  Bytes d = B(kEchoRequest, sizeof kEchoRequest);
  d[40] ^= 0xff;
  EXPECT_EQ(tern_ipv4_check(d.data(), d.size()), 0);
}

TEST(Ipv4Wire, FragmentsPassCheckButNotParse) {
  struct {
    uint8_t b6, b7;
    uint32_t offset;
    bool mf;
  } cases[] = {
      {0x20, 0x00, 0, true},      // first fragment: MF, offset 0
      {0x00, 0xb9, 1480, false},  // last fragment: offset 185*8
      {0x20, 0xb9, 1480, true},   // middle fragment
      {0x60, 0x01, 8, true},      // DF and MF together: still a fragment
  };
  for (const auto &c : cases) {
    Bytes d = B(kEchoRequest, sizeof kEchoRequest);
    d[6] = c.b6;
    d[7] = c.b7;
    FixChecksum(d);
    ASSERT_EQ(tern_ipv4_check(d.data(), d.size()), 0);
    EXPECT_TRUE(tern_ipv4_is_fragment(d.data()));
    EXPECT_EQ(tern_ipv4_more_frags(d.data()), c.mf);
    EXPECT_EQ(tern_ipv4_frag_offset(d.data()), c.offset);
    tern_ipv4_repr r;
    EXPECT_EQ(tern_ipv4_repr_parse(&r, d.data(), d.size()),
              TERN_IPV4_DROP_FRAGMENT);
  }
}

TEST(Ipv4Wire, EmitErrors) {
  tern_ipv4_repr r;
  ASSERT_EQ(tern_ipv4_repr_parse(&r, kEchoRequest, sizeof kEchoRequest), 0);
  uint8_t out[TERN_IPV4_HEADER_LEN];
  EXPECT_EQ(tern_ipv4_repr_emit(&r, out, sizeof out - 1), TERN_ENOSPC);
  r.payload_len = 65515;
  EXPECT_EQ(tern_ipv4_repr_emit(&r, out, sizeof out), TERN_IPV4_HEADER_LEN);
  EXPECT_EQ(out[2], 0xff);
  EXPECT_EQ(out[3], 0xff);
  r.payload_len = 65516;
  EXPECT_EQ(tern_ipv4_repr_emit(&r, out, sizeof out), TERN_EMSGSIZE);
  r.payload_len = 0;
  r.ttl = 0;
  EXPECT_EQ(tern_ipv4_repr_emit(&r, out, sizeof out), TERN_EINVAL);
}

TEST(Ipv4Wire, DropNames) {
  EXPECT_STREQ(tern_ipv4_drop_name(TERN_IPV4_DROP_TRUNCATED), "truncated");
  EXPECT_STREQ(tern_ipv4_drop_name(TERN_IPV4_DROP_VERSION), "version not 4");
  EXPECT_STREQ(tern_ipv4_drop_name(TERN_IPV4_DROP_IHL),
               "header length below 20");
  EXPECT_STREQ(tern_ipv4_drop_name(TERN_IPV4_DROP_TOTAL_LENGTH),
               "total length below header");
  EXPECT_STREQ(tern_ipv4_drop_name(TERN_IPV4_DROP_CHECKSUM), "header checksum");
  EXPECT_STREQ(tern_ipv4_drop_name(TERN_IPV4_DROP_FRAGMENT), "fragment");
  EXPECT_STREQ(tern_ipv4_drop_name(-TERN_IPV4_DROP_COUNT), "unknown");
}

}  // namespace
