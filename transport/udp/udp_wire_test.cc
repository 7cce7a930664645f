// UDP check/parse/emit against /work/shared/captures/udp_echo.pcap: Linux
// kernel sockets at 192.0.2.1 (port 40000/40001) and socat's echo at
// 192.0.2.2:7 (and a Python echo on 7007). Each array is the IPv4 payload.
// Over IPv6 (no capture has a UDP datagram over IPv6): datagrams built with
// scapy 2.5 and their checksums checked with a separate RFC 1071 sum in
// Python over the RFC 8200 8.1 pseudo-header.
#include "tern/udp_wire.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

Bytes B(const uint8_t *p, size_t n) {
  return Bytes(p, p + n);
}

tern_ip_addr V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  tern_ip_addr r = {};
  r.family = TERN_IP_V4;
  r.u.v4 = tern_ipv4(a, b, c, d);
  return r;
}

#if TERN_CONFIG_IPV6  // IPv6 by nature: not in the IPv4-only build
tern_ip_addr V6(const char *text) {
  tern_ip_addr r = {};
  r.family = TERN_IP_V6;
  EXPECT_EQ(tern_ipv6_parse(&r.u.v6, text, strlen(text)), 0) << text;
  return r;
}
#endif

const tern_ip_addr kA = V4(192, 0, 2, 1);
const tern_ip_addr kB = V4(192, 0, 2, 2);

// Frame 1: 40000 -> 7, "hello, echo\n"; frame 2: the echo.
const uint8_t kHello[20] = {
    0x9c, 0x40, 0x00, 0x07, 0x00, 0x14, 0xa8, 0xa4, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x65, 0x63, 0x68, 0x6f, 0x0a,
};
const uint8_t kHelloEcho[20] = {
    0x00, 0x07, 0x9c, 0x40, 0x00, 0x14, 0xa8, 0xa4, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x65, 0x63, 0x68, 0x6f, 0x0a,
};
// Frame 3: an empty datagram to 7 (socat never answers it).
const uint8_t kEmptyTo7[8] = {
    0x9c, 0x40, 0x00, 0x07, 0x00, 0x08, 0xdf, 0x92,
};
// Frames 6 and 7: 18 bytes of "A" (as socat got them) and the echo.
const uint8_t kAs[26] = {
    0x9c, 0x40, 0x00, 0x07, 0x00, 0x1a, 0x94, 0x23, 0x41,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
};
const uint8_t kAsEcho[26] = {
    0x00, 0x07, 0x9c, 0x40, 0x00, 0x1a, 0x94, 0x23, 0x41,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
};
// Frames 8 and 9: empty datagram to 7007 and its empty echo.
const uint8_t kEmptyTo7007[8] = {
    0x9c, 0x40, 0x1b, 0x5f, 0x00, 0x08, 0xc4, 0x3a,
};
const uint8_t kEmptyFrom7007[8] = {
    0x1b, 0x5f, 0x9c, 0x40, 0x00, 0x08, 0xc4, 0x3a,
};
// Frame 10: 40001 -> 9999 (closed), "anyone on 9999?", odd length.
const uint8_t kToClosedPort[23] = {
    0x9c, 0x41, 0x27, 0x0f, 0x00, 0x17, 0x2f, 0x26, 0x61, 0x6e, 0x79, 0x6f,
    0x6e, 0x65, 0x20, 0x6f, 0x6e, 0x20, 0x39, 0x39, 0x39, 0x39, 0x3f,
};

// Frame 4 (1472 payload bytes, IP length 1500): the payload is
// (3 + 7 * i) mod 256, checked against the capture when this was written;
// the header below is copied from it.
const uint8_t kBigHeader[8] = {0x9c, 0x40, 0x00, 0x07, 0x05, 0xc8, 0xe7, 0x02};
Bytes BigDatagram() {
  Bytes d(kBigHeader, kBigHeader + 8);
  for (size_t i = 0; i < 1472; i++)
    d.push_back((uint8_t)(3 + 7 * i));
  return d;
}

struct Captured {
  Bytes d;
  tern_ip_addr src, dst;
  uint16_t sport, dport;
  size_t payload_len;
};

std::vector<Captured> All() {
  return {
      {B(kHello, sizeof kHello), kA, kB, 40000, 7, 12},
      {B(kHelloEcho, sizeof kHelloEcho), kB, kA, 7, 40000, 12},
      {B(kEmptyTo7, sizeof kEmptyTo7), kA, kB, 40000, 7, 0},
      {B(kAs, sizeof kAs), kA, kB, 40000, 7, 18},
      {B(kAsEcho, sizeof kAsEcho), kB, kA, 7, 40000, 18},
      {B(kEmptyTo7007, sizeof kEmptyTo7007), kA, kB, 40000, 7007, 0},
      {B(kEmptyFrom7007, sizeof kEmptyFrom7007), kB, kA, 7007, 40000, 0},
      {B(kToClosedPort, sizeof kToClosedPort), kA, kB, 40001, 9999, 15},
      {BigDatagram(), kA, kB, 40000, 7, 1472},
  };
}

TEST(UdpWire, ParsesEveryCapturedDatagram) {
  for (const Captured &c : All()) {
    tern_udp_repr r;
    ASSERT_EQ(tern_udp_repr_parse(&r, c.d.data(), c.d.size(), &c.src, &c.dst),
              0);
    EXPECT_EQ(r.src_port, c.sport);
    EXPECT_EQ(r.dst_port, c.dport);
    EXPECT_EQ(r.payload, c.d.data() + 8);
    EXPECT_EQ(r.payload_len, c.payload_len);
    EXPECT_EQ(tern_udp_src_port(c.d.data()), c.sport);
    EXPECT_EQ(tern_udp_dst_port(c.d.data()), c.dport);
    EXPECT_EQ(tern_udp_length(c.d.data()), c.payload_len + 8);
  }
  tern_udp_repr r;
  ASSERT_EQ(tern_udp_repr_parse(&r, kHello, sizeof kHello, &kA, &kB), 0);
  EXPECT_EQ(Bytes(r.payload, r.payload + r.payload_len),
            B((const uint8_t *)"hello, echo\n", 12));
}

TEST(UdpWire, EveryCapturedDatagramEmitsByteForByte) {
  for (const Captured &c : All()) {
    tern_udp_repr r;
    ASSERT_EQ(tern_udp_repr_parse(&r, c.d.data(), c.d.size(), &c.src, &c.dst),
              0);
    // From a separate buffer (the one-pass copy and checksum) ...
    Bytes out(c.d.size());
    ASSERT_EQ(tern_udp_repr_emit(&r, &c.src, &c.dst, out.data(), out.size()),
              (int)c.d.size());
    EXPECT_EQ(out, c.d);
    // ... and in place, the payload already behind the header.
    Bytes in_place = c.d;
    memset(in_place.data(), 0, 8);
    r.payload = in_place.data() + 8;
    ASSERT_EQ(tern_udp_repr_emit(&r, &c.src, &c.dst, in_place.data(),
                                 in_place.size()),
              (int)c.d.size());
    EXPECT_EQ(in_place, c.d);
  }
}

// The header alone over a payload already in place (what the sockets
// call): every capture, over a header of garbage, and the computed zero
// sent as all ones.
TEST(UdpWire, HeaderInPlaceIsTheCapture) {
  for (const Captured &c : All()) {
    Bytes d = c.d;
    memset(d.data(), 0xa5, 8);
    tern_udp_emit_header(d.data(), c.sport, c.dport, d.size(), &c.src, &c.dst);
    EXPECT_EQ(d, c.d);
  }
  uint8_t zero[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0xdf, 0x8e};
  tern_udp_emit_header(zero, 40000, 7, sizeof zero, &kA, &kB);
  EXPECT_EQ(zero[6], 0xff);
  EXPECT_EQ(zero[7], 0xff);
}

TEST(UdpWire, EchoMatchesSocat) {
  // Answer kAs the way socat did: ports swapped, same payload.
  tern_udp_repr r;
  ASSERT_EQ(tern_udp_repr_parse(&r, kAs, sizeof kAs, &kA, &kB), 0);
  tern_udp_repr echo = {r.dst_port, r.src_port, r.payload, r.payload_len};
  uint8_t out[sizeof kAsEcho];
  ASSERT_EQ(tern_udp_repr_emit(&echo, &kB, &kA, out, sizeof out),
            (int)sizeof out);
  EXPECT_EQ(B(out, sizeof out), B(kAsEcho, sizeof kAsEcho));
}

TEST(UdpWire, OverlappingPayloadIsMoved) {
  // Payload 4 bytes before its place: memmove, not the one-pass copy.
  Bytes buf(4 + sizeof kHello);
  memcpy(buf.data() + 4 + 4, kHello + 8, 12);  // at offset 8, i.e. buf+4+4
  Bytes want = B(kHello, sizeof kHello);
  tern_udp_repr r = {40000, 7, buf.data() + 8, 12};
  ASSERT_EQ(tern_udp_repr_emit(&r, &kA, &kB, buf.data() + 4, sizeof kHello),
            (int)sizeof kHello);
  EXPECT_EQ(Bytes(buf.begin() + 4, buf.end()), want);
}

TEST(UdpWire, ZeroChecksumMeansNone) {
  Bytes d = B(kHello, sizeof kHello);
  d[6] = d[7] = 0;
  EXPECT_EQ(tern_udp_check(d.data(), d.size(), &kA, &kB), (int)d.size());
  d[10] ^= 0xff;  // unverifiable, so accepted
  EXPECT_EQ(tern_udp_check(d.data(), d.size(), &kA, &kB), (int)d.size());
}

TEST(UdpWire, ComputedZeroIsSentAsAllOnes) {
  // Payload df 8e makes the sum come out at 0 (found by hand, Python).
  const uint8_t payload[2] = {0xdf, 0x8e};
  tern_udp_repr r = {40000, 7, payload, 2};
  uint8_t out[10];
  ASSERT_EQ(tern_udp_repr_emit(&r, &kA, &kB, out, sizeof out), 10);
  const uint8_t want[10] = {0x9c, 0x40, 0x00, 0x07, 0x00,
                            0x0a, 0xff, 0xff, 0xdf, 0x8e};
  EXPECT_EQ(B(out, 10), B(want, 10));
  EXPECT_EQ(tern_udp_check(out, sizeof out, &kA, &kB), 10);
}

TEST(UdpWire, EveryShortPrefixIsTruncatedOrBadLength) {
  Bytes d = B(kToClosedPort, sizeof kToClosedPort);
  for (size_t n = 0; n < d.size(); n++) {
    Bytes v(d.begin(), d.begin() + (long)n);  // exact size, for ASan
    tern_udp_repr r;
    memset(&r, 0x5a, sizeof r);
    EXPECT_EQ(tern_udp_repr_parse(&r, v.data(), n, &kA, &kB),
              n < 8 ? TERN_UDP_DROP_TRUNCATED : TERN_UDP_DROP_LENGTH)
        << n;
    EXPECT_EQ(r.src_port, 0x5a5a) << "repr touched on failure";
  }
}

TEST(UdpWire, LengthField) {
  Bytes d = B(kHello, sizeof kHello);
  for (uint16_t bad : {0, 1, 7, 21, 65535}) {
    d[4] = (uint8_t)(bad >> 8);
    d[5] = (uint8_t)bad;
    EXPECT_EQ(tern_udp_check(d.data(), d.size(), &kA, &kB),
              TERN_UDP_DROP_LENGTH)
        << bad;
  }
  // Bytes after the length field's end (IP padding) are not the datagram's.
  Bytes padded = B(kEmptyTo7, sizeof kEmptyTo7);
  padded.resize(18, 0xaa);
  tern_udp_repr r;
  ASSERT_EQ(tern_udp_repr_parse(&r, padded.data(), padded.size(), &kA, &kB), 0);
  EXPECT_EQ(r.payload_len, 0u);
}

TEST(UdpWire, ChecksumCoversPseudoHeaderHeaderAndPayload) {
  Bytes d = B(kToClosedPort, sizeof kToClosedPort);
  for (size_t i = 0; i < d.size(); i++) {
    if (i == 4 || i == 5)
      continue;  // the length field fails earlier
    Bytes v = d;
    v[i] ^= 0x04;
    EXPECT_EQ(tern_udp_check(v.data(), v.size(), &kA, &kB),
              TERN_UDP_DROP_CHECKSUM)
        << i;
  }
  const tern_ip_addr other = V4(192, 0, 2, 3);
  EXPECT_EQ(tern_udp_check(d.data(), d.size(), &other, &kB),
            TERN_UDP_DROP_CHECKSUM);
  EXPECT_EQ(tern_udp_check(d.data(), d.size(), &kA, &other),
            TERN_UDP_DROP_CHECKSUM);
  // Reversed addresses sum the same: one's complement addition commutes.
  EXPECT_EQ(tern_udp_check(d.data(), d.size(), &kB, &kA), (int)d.size());
}

// ---- over IPv6 ----

#if TERN_CONFIG_IPV6  // IPv6 by nature: not in the IPv4-only build

// 2001:db8:1::ff:fe00:a port 40000 -> 2001:db8:1::1 port 7, "hello, echo\n"
// (the addresses of captures/README.md's IPv6 item), and the answer from
// port 7 to 40001 "anyone on 9999?"; scapy's checksums, 0xd229 and 0x7fb4.
const uint8_t kHello6[20] = {
    0x9c, 0x40, 0x00, 0x07, 0x00, 0x14, 0xd2, 0x29, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x65, 0x63, 0x68, 0x6f, 0x0a,
};
const uint8_t kAnyone6[23] = {
    0x00, 0x07, 0x9c, 0x40, 0x00, 0x17, 0x7f, 0xb4, 0x61, 0x6e, 0x79, 0x6f,
    0x6e, 0x65, 0x20, 0x6f, 0x6e, 0x20, 0x39, 0x39, 0x39, 0x39, 0x3f,
};
// fe80::ff:fe00:a port 546 -> fe80::ff:fe00:b port 547, empty (0x0083).
const uint8_t kEmpty6[8] = {0x02, 0x22, 0x02, 0x23, 0x00, 0x08, 0x00, 0x83};

TEST(UdpWire, Ipv6PseudoHeaderChecksums) {
  const tern_ip_addr a = V6("2001:db8:1::ff:fe00:a");
  const tern_ip_addr b = V6("2001:db8:1::1");
  const tern_ip_addr la = V6("fe80::ff:fe00:a"), lb = V6("fe80::ff:fe00:b");
  struct Case {
    Bytes d;
    tern_ip_addr src, dst;
    uint16_t sport, dport;
  } cases[] = {
      {B(kHello6, sizeof kHello6), a, b, 40000, 7},
      {B(kAnyone6, sizeof kAnyone6), b, a, 7, 40000},  // odd length
      {B(kEmpty6, sizeof kEmpty6), la, lb, 546, 547},
  };
  for (const Case &c : cases) {
    // Verifies, parses, and emits back byte for byte.
    EXPECT_EQ(tern_udp_sum(c.d.data(), c.d.size(), &c.src, &c.dst), 0);
    ASSERT_EQ(tern_udp_check(c.d.data(), c.d.size(), &c.src, &c.dst),
              (int)c.d.size());
    tern_udp_repr r;
    ASSERT_EQ(tern_udp_repr_parse(&r, c.d.data(), c.d.size(), &c.src, &c.dst),
              0);
    EXPECT_EQ(r.src_port, c.sport);
    EXPECT_EQ(r.dst_port, c.dport);
    Bytes out(c.d.size());
    ASSERT_EQ(tern_udp_repr_emit(&r, &c.src, &c.dst, out.data(), out.size()),
              (int)c.d.size());
    EXPECT_EQ(out, c.d);
    // The pseudo-header is IPv6's: the same bytes over IPv4 addresses,
    // or other IPv6 addresses, do not verify.
    EXPECT_EQ(tern_udp_check(c.d.data(), c.d.size(), &kA, &kB),
              TERN_UDP_DROP_CHECKSUM);
    tern_ip_addr other = c.dst;
    other.u.v6.b[15] ^= 1;
    EXPECT_EQ(tern_udp_check(c.d.data(), c.d.size(), &c.src, &other),
              TERN_UDP_DROP_CHECKSUM);
    // Every address byte counts (a sum over 4 bytes would miss these).
    for (size_t i = 0; i < 16; i++) {
      tern_ip_addr s = c.src;
      s.u.v6.b[i] ^= 0x10;
      EXPECT_EQ(tern_udp_check(c.d.data(), c.d.size(), &s, &c.dst),
                TERN_UDP_DROP_CHECKSUM)
          << i;
    }
  }
}

TEST(UdpWire, Ipv6HeaderInPlace) {
  const tern_ip_addr a = V6("2001:db8:1::ff:fe00:a");
  const tern_ip_addr b = V6("2001:db8:1::1");
  Bytes d6 = B(kHello6, sizeof kHello6);
  memset(d6.data(), 0, 8);
  tern_udp_emit_header(d6.data(), 40000, 7, d6.size(), &a, &b);
  EXPECT_EQ(d6, B(kHello6, sizeof kHello6));
}

TEST(UdpWire, Ipv6ZeroChecksumIsDropped) {
  // RFC 8200 8.1: over IPv6 the checksum is mandatory; a zero is dropped
  // (over IPv4 the same datagram would be accepted unverified).
  const tern_ip_addr a = V6("2001:db8:1::ff:fe00:a");
  const tern_ip_addr b = V6("2001:db8:1::1");
  Bytes d = B(kHello6, sizeof kHello6);
  d[6] = d[7] = 0;
  EXPECT_EQ(tern_udp_check(d.data(), d.size(), &a, &b),
            TERN_UDP_DROP_NO_CHECKSUM);
  tern_udp_repr r;
  memset(&r, 0x5a, sizeof r);
  EXPECT_EQ(tern_udp_repr_parse(&r, d.data(), d.size(), &a, &b),
            TERN_UDP_DROP_NO_CHECKSUM);
  EXPECT_EQ(r.src_port, 0x5a5a) << "repr touched on failure";
  EXPECT_EQ(tern_udp_check(d.data(), d.size(), &kA, &kB), (int)d.size());
  // The length field is checked first.
  d[5] = 7;
  EXPECT_EQ(tern_udp_check(d.data(), d.size(), &a, &b), TERN_UDP_DROP_LENGTH);
}

TEST(UdpWire, Ipv6ComputedZeroIsSentAsAllOnes) {
  // Payload 09 14 makes the IPv6 sum come out at 0 (found with Python):
  // sent as 0xffff, never as the 0 that IPv6 receivers drop.
  const tern_ip_addr a = V6("2001:db8:1::ff:fe00:a");
  const tern_ip_addr b = V6("2001:db8:1::1");
  const uint8_t payload[2] = {0x09, 0x14};
  tern_udp_repr r = {40000, 7, payload, 2};
  uint8_t out[10];
  ASSERT_EQ(tern_udp_repr_emit(&r, &a, &b, out, sizeof out), 10);
  const uint8_t want[10] = {0x9c, 0x40, 0x00, 0x07, 0x00,
                            0x0a, 0xff, 0xff, 0x09, 0x14};
  EXPECT_EQ(B(out, 10), B(want, 10));
  EXPECT_EQ(tern_udp_check(out, sizeof out, &a, &b), 10);
}
#endif  // TERN_CONFIG_IPV6

TEST(UdpWire, EmitErrors) {
  tern_udp_repr r = {1, 2, kHello, 12};
  uint8_t out[20];
  EXPECT_EQ(tern_udp_repr_emit(&r, &kA, &kB, out, 19), TERN_ENOSPC);
  r.payload_len = TERN_UDP_MAX_PAYLOAD + 1;
  EXPECT_EQ(tern_udp_repr_emit(&r, &kA, &kB, out, sizeof out), TERN_EMSGSIZE);
}

TEST(UdpWire, DropNames) {
  EXPECT_STREQ(tern_udp_drop_name(TERN_UDP_DROP_TRUNCATED), "truncated");
  EXPECT_STREQ(tern_udp_drop_name(TERN_UDP_DROP_LENGTH), "length field");
  EXPECT_STREQ(tern_udp_drop_name(TERN_UDP_DROP_CHECKSUM), "checksum");
  EXPECT_STREQ(tern_udp_drop_name(TERN_UDP_DROP_NO_CHECKSUM),
               "no checksum over IPv6");
  EXPECT_STREQ(tern_udp_drop_name(-TERN_UDP_DROP_COUNT), "unknown");
}

}  // namespace
