// ICMPv4 check/parse/emit against the ping and port-unreachable captures.
#include "tern/icmpv4_wire.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "capture_vectors.h"
#include "tern/ipv4_wire.h"

namespace {

using Bytes = std::vector<uint8_t>;

Bytes B(const uint8_t *p, size_t n) {
  return Bytes(p, p + n);
}

// The ICMP message inside a captured datagram (20-byte headers only).
Bytes Icmp(const uint8_t *d, size_t n) {
  return Bytes(d + 20, d + n);
}

TEST(Icmpv4Wire, ParsesEchoRequest) {
  Bytes m = Icmp(kEchoRequest, sizeof kEchoRequest);
  tern_icmpv4_repr r;
  ASSERT_EQ(tern_icmpv4_repr_parse(&r, m.data(), m.size()), 0);
  EXPECT_EQ(r.type, TERN_ICMPV4_ECHO_REQUEST);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.ident, 0x07bf);
  EXPECT_EQ(r.seq, 1);
  EXPECT_EQ(r.data, m.data() + 8);
  ASSERT_EQ(r.data_len, 56u);
  // iputils: 8-byte timestamp... then 0x10, 0x11, ... 0x37.
  for (size_t i = 16; i < 56; i++) {
    EXPECT_EQ(r.data[i], i) << i;
  }
  EXPECT_EQ(tern_icmpv4_type(m.data()), TERN_ICMPV4_ECHO_REQUEST);
  EXPECT_EQ(tern_icmpv4_code(m.data()), 0);
  EXPECT_EQ(tern_icmpv4_echo_ident(m.data()), 0x07bf);
  EXPECT_EQ(tern_icmpv4_echo_seq(m.data()), 1);
}

TEST(Icmpv4Wire, EveryCapturedMessageEmitsByteForByte) {
  const Bytes all[] = {
      Icmp(kEchoRequest, sizeof kEchoRequest),
      Icmp(kEchoReply, sizeof kEchoReply),
      Icmp(kEmptyEchoRequest, sizeof kEmptyEchoRequest),
      Icmp(kEmptyEchoReply, sizeof kEmptyEchoReply),
      Icmp(kPortUnreachable, sizeof kPortUnreachable),
  };
  for (const Bytes &m : all) {
    tern_icmpv4_repr r;
    ASSERT_EQ(tern_icmpv4_repr_parse(&r, m.data(), m.size()), 0);
    Bytes out(m.size() + 4, 0xee);
    ASSERT_EQ(tern_icmpv4_repr_emit(&r, out.data(), out.size()), (int)m.size());
    out.resize(m.size());
    EXPECT_EQ(out, m);
  }
}

TEST(Icmpv4Wire, EchoReplyBuiltInPlaceMatchesLinux) {
  for (auto [req, rep, n] :
       {std::tuple{kEchoRequest, kEchoReply, sizeof kEchoRequest},
        std::tuple{kEmptyEchoRequest, kEmptyEchoReply,
                   sizeof kEmptyEchoRequest}}) {
    Bytes m = Icmp(req, n);
    tern_icmpv4_repr r;
    ASSERT_EQ(tern_icmpv4_repr_parse(&r, m.data(), m.size()), 0);
    r.type = TERN_ICMPV4_ECHO_REPLY;  // data stays where it is
    ASSERT_EQ(tern_icmpv4_repr_emit(&r, m.data(), m.size()), (int)m.size());
    EXPECT_EQ(m, Icmp(rep, n));
  }
}

TEST(Icmpv4Wire, EchoReplyFromSeparateData) {
  Bytes req = Icmp(kEchoRequest, sizeof kEchoRequest);
  tern_icmpv4_repr r;
  ASSERT_EQ(tern_icmpv4_repr_parse(&r, req.data(), req.size()), 0);
  r.type = TERN_ICMPV4_ECHO_REPLY;
  Bytes out(req.size());
  ASSERT_EQ(tern_icmpv4_repr_emit(&r, out.data(), out.size()), (int)out.size());
  EXPECT_EQ(out, Icmp(kEchoReply, sizeof kEchoReply));
}

TEST(Icmpv4Wire, ParsesPortUnreachableGenerically) {
  Bytes m = Icmp(kPortUnreachable, sizeof kPortUnreachable);
  tern_icmpv4_repr r;
  ASSERT_EQ(tern_icmpv4_repr_parse(&r, m.data(), m.size()), 0);
  EXPECT_EQ(r.type, TERN_ICMPV4_DEST_UNREACH);
  EXPECT_EQ(r.code, TERN_ICMPV4_PORT_UNREACH);
  EXPECT_EQ(r.ident, 0);
  EXPECT_EQ(r.seq, 0);
  EXPECT_EQ(B(r.data, r.data_len),
            B(kUdpToClosedPort, sizeof kUdpToClosedPort));
  EXPECT_TRUE(tern_icmpv4_is_error(r.type));
  EXPECT_FALSE(tern_icmpv4_is_error(TERN_ICMPV4_ECHO_REQUEST));
  EXPECT_FALSE(tern_icmpv4_is_error(TERN_ICMPV4_ECHO_REPLY));
  EXPECT_FALSE(tern_icmpv4_is_error(13));  // timestamp
}

TEST(Icmpv4Wire, PortUnreachableWithRoomMatchesLinux) {
  // Linux quotes the whole 43-byte datagram; so do we when cap allows.
  uint8_t out[TERN_ICMPV4_ERROR_MAX_LEN];
  int n =
      tern_icmpv4_emit_dest_unreach(TERN_ICMPV4_PORT_UNREACH, kUdpToClosedPort,
                                    sizeof kUdpToClosedPort, out, sizeof out);
  ASSERT_EQ(n, 51);
  EXPECT_EQ(B(out, 51), Icmp(kPortUnreachable, sizeof kPortUnreachable));
  // And the IPv4 header Linux put around it.
  tern_ipv4_repr ip = {};
  ip.src = {{192, 0, 2, 2}};
  ip.dst = {{192, 0, 2, 1}};
  ip.protocol = TERN_IP_PROTO_ICMP;
  ip.ttl = 64;
  ip.tos = 0xc0;
  ip.ident = 0x1259;
  ip.payload_len = (uint16_t)n;
  uint8_t hdr[TERN_IPV4_HEADER_LEN];
  ASSERT_EQ(tern_ipv4_repr_emit(&ip, hdr, sizeof hdr), TERN_IPV4_HEADER_LEN);
  EXPECT_EQ(B(hdr, sizeof hdr), B(kPortUnreachable, TERN_IPV4_HEADER_LEN));
}

TEST(Icmpv4Wire, PortUnreachableMinimalQuote) {
  // Room for the RFC 1122 minimum only: the IP header and 8 bytes (the UDP
  // header). Checksum 0x0a6f computed by hand (Python, RFC 1071).
  uint8_t out[36];
  ASSERT_EQ(
      tern_icmpv4_emit_dest_unreach(TERN_ICMPV4_PORT_UNREACH, kUdpToClosedPort,
                                    sizeof kUdpToClosedPort, out, sizeof out),
      36);
  const uint8_t head[8] = {3, 3, 0x0a, 0x6f, 0, 0, 0, 0};
  EXPECT_EQ(B(out, 8), B(head, 8));
  EXPECT_EQ(B(out + 8, 28), B(kUdpToClosedPort, 28));
  EXPECT_EQ(tern_icmpv4_check(out, sizeof out), 0);
  EXPECT_EQ(
      tern_icmpv4_emit_dest_unreach(TERN_ICMPV4_PORT_UNREACH, kUdpToClosedPort,
                                    sizeof kUdpToClosedPort, out, 35),
      TERN_ENOSPC);
}

TEST(Icmpv4Wire, LongDatagramQuoteStopsAt576) {
  // A 1500-byte UDP datagram built from kUdpToClosedPort's header.
  Bytes d(1500, 0x61);
  memcpy(d.data(), kUdpToClosedPort, 28);
  d[2] = 1500 >> 8;
  d[3] = 1500 & 0xff;
  static uint8_t out[2000];
  int n = tern_icmpv4_emit_dest_unreach(TERN_ICMPV4_PORT_UNREACH, d.data(),
                                        d.size(), out, sizeof out);
  ASSERT_EQ(n, TERN_ICMPV4_ERROR_MAX_LEN);
  EXPECT_EQ(TERN_IPV4_HEADER_LEN + n, 576);
  EXPECT_EQ(tern_icmpv4_check(out, (size_t)n), 0);
  EXPECT_EQ(B(out + 8, (size_t)n - 8), B(d.data(), (size_t)n - 8));
}

TEST(Icmpv4Wire, NoErrorAboutWhatRfc1122Forbids) {
  uint8_t out[TERN_ICMPV4_ERROR_MAX_LEN];
  auto emit = [&](const Bytes &d) {
    return tern_icmpv4_emit_dest_unreach(TERN_ICMPV4_PORT_UNREACH, d.data(),
                                         d.size(), out, sizeof out);
  };
  const Bytes udp = B(kUdpToClosedPort, sizeof kUdpToClosedPort);
  // About an ICMP error.
  EXPECT_EQ(emit(B(kPortUnreachable, sizeof kPortUnreachable)), TERN_EPROTO);
  // About an echo request it is allowed (e.g. protocol unreachable).
  EXPECT_GT(emit(B(kEchoRequest, sizeof kEchoRequest)), 0);
  // About an ICMP message with no type byte.
  Bytes bare = B(kEmptyEchoRequest, 20);
  bare[3] = 20;
  EXPECT_EQ(emit(bare), TERN_EPROTO);
  // About a non-initial fragment (a first fragment is fine).
  Bytes frag = udp;
  frag[7] = 1;
  EXPECT_EQ(emit(frag), TERN_EPROTO);
  frag[7] = 0;
  frag[6] = 0x20;
  EXPECT_GT(emit(frag), 0);
  // To multicast or limited broadcast.
  for (uint8_t first : {224, 239}) {
    Bytes m = udp;
    m[16] = first;
    EXPECT_EQ(emit(m), TERN_EPROTO);
  }
  Bytes bc = udp;
  memset(&bc[16], 0xff, 4);
  EXPECT_EQ(emit(bc), TERN_EPROTO);
  // From an address that is not one host.
  Bytes src = udp;
  memset(&src[12], 0, 4);
  EXPECT_EQ(emit(src), TERN_EPROTO);
  src[12] = 224;
  EXPECT_EQ(emit(src), TERN_EPROTO);
  memset(&src[12], 0xff, 4);
  EXPECT_EQ(emit(src), TERN_EPROTO);
  // A loopback source, which 3.2.2 names too (127/8 never comes from the
  // wire but forged).
  src[12] = 127;
  src[13] = 0;
  src[14] = 0;
  src[15] = 1;
  EXPECT_EQ(emit(src), TERN_EPROTO);
  src[13] = 200;
  EXPECT_EQ(emit(src), TERN_EPROTO);
  // Its neighbours are hosts.
  src[12] = 126;
  EXPECT_GT(emit(src), 0);
  src[12] = 128;
  EXPECT_GT(emit(src), 0);
}

TEST(Icmpv4Wire, DestUnreachRejectsUncheckableDatagram) {
  uint8_t out[TERN_ICMPV4_ERROR_MAX_LEN];
  Bytes d = B(kUdpToClosedPort, sizeof kUdpToClosedPort);
  EXPECT_EQ(tern_icmpv4_emit_dest_unreach(3, d.data(), 19, out, sizeof out),
            TERN_EINVAL);
  EXPECT_EQ(tern_icmpv4_emit_dest_unreach(3, d.data(), 42, out, sizeof out),
            TERN_EINVAL);  // total length 43 > 42
  d[0] = 0x65;
  EXPECT_EQ(
      tern_icmpv4_emit_dest_unreach(3, d.data(), d.size(), out, sizeof out),
      TERN_EINVAL);
  d[0] = 0x44;
  EXPECT_EQ(
      tern_icmpv4_emit_dest_unreach(3, d.data(), d.size(), out, sizeof out),
      TERN_EINVAL);
}

// The IPv4 layer writes an error where the datagram it quotes starts (so
// only the quote needs room): the emitter moves the quote 8 bytes on
// first. The result is the same as from a separate buffer.
TEST(Icmpv4Wire, DestUnreachInPlaceOverTheDatagram) {
  Bytes buf = B(kUdpToClosedPort, sizeof kUdpToClosedPort);
  buf.resize(buf.size() + 8, 0xee);
  ASSERT_EQ(tern_icmpv4_emit_dest_unreach(TERN_ICMPV4_PORT_UNREACH, buf.data(),
                                          sizeof kUdpToClosedPort, buf.data(),
                                          buf.size()),
            51);
  EXPECT_EQ(buf, Icmp(kPortUnreachable, sizeof kPortUnreachable));
  // A long one: the quote stops at 576 bytes, in place too.
  Bytes d(1500, 0x61);
  memcpy(d.data(), kUdpToClosedPort, 28);
  d[2] = 1500 >> 8;
  d[3] = 1500 & 0xff;
  const Bytes orig = d;
  ASSERT_EQ(tern_icmpv4_emit_dest_unreach(TERN_ICMPV4_PORT_UNREACH, d.data(),
                                          d.size(), d.data(),
                                          TERN_ICMPV4_ERROR_MAX_LEN),
            TERN_ICMPV4_ERROR_MAX_LEN);
  EXPECT_EQ(tern_icmpv4_check(d.data(), TERN_ICMPV4_ERROR_MAX_LEN), 0);
  EXPECT_EQ(B(d.data() + 8, TERN_ICMPV4_ERROR_MAX_LEN - 8),
            B(orig.data(), TERN_ICMPV4_ERROR_MAX_LEN - 8));
}

TEST(Icmpv4Wire, QuoteOfTheKernelsPortUnreachable) {
  Bytes m = Icmp(kPortUnreachable, sizeof kPortUnreachable);
  tern_icmpv4_quote q;
  ASSERT_EQ(tern_icmpv4_quote_parse(&q, m.data(), m.size()), 0);
  EXPECT_EQ(B(q.src.b, 4), Bytes({192, 0, 2, 1}));
  EXPECT_EQ(B(q.dst.b, 4), Bytes({192, 0, 2, 2}));
  EXPECT_EQ(q.protocol, TERN_IP_PROTO_UDP);
  EXPECT_EQ(q.total_len, sizeof kUdpToClosedPort);
  EXPECT_EQ(q.payload, m.data() + 28);
  EXPECT_EQ(B(q.payload, q.payload_len), B(kUdpToClosedPort + 20, 23));
  // The next-hop MTU of a "fragmentation needed" is bytes 6-7 (RFC 1191).
  Bytes frag = m;
  frag[1] = TERN_ICMPV4_FRAG_NEEDED;
  frag[6] = 0x05;
  frag[7] = 0x78;
  EXPECT_EQ(tern_icmpv4_next_hop_mtu(frag.data()), 1400);
  EXPECT_EQ(tern_icmpv4_next_hop_mtu(m.data()), 0);
}

// What the IPv4 layer calls: the quote check gives the quoted header's
// length and its accessors read the quote in place; the header emitter
// over a quote already in place builds the kernel's port unreachable.
TEST(Icmpv4Wire, QuoteCheckAndHeaderInPlace) {
  Bytes m = Icmp(kPortUnreachable, sizeof kPortUnreachable);
  ASSERT_EQ(tern_icmpv4_quote_check(m.data(), m.size()), 20);
  EXPECT_EQ(B(tern_ipv4_src(m.data() + 8), 4), Bytes({192, 0, 2, 1}));
  EXPECT_EQ(tern_ipv4_protocol(m.data() + 8), TERN_IP_PROTO_UDP);
  for (size_t n = 0; n < 36; n++) {
    EXPECT_EQ(tern_icmpv4_quote_check(m.data(), n), TERN_ICMPV4_DROP_QUOTE);
  }
  Bytes opt = m;
  opt[8] = 0x46;
  EXPECT_EQ(tern_icmpv4_quote_check(opt.data(), 39), TERN_ICMPV4_DROP_QUOTE);
  EXPECT_EQ(tern_icmpv4_quote_check(opt.data(), 40), 24);
  Bytes out(m.size(), 0xa5);
  memcpy(out.data() + 8, kUdpToClosedPort, sizeof kUdpToClosedPort);
  tern_icmpv4_emit_header(out.data(), TERN_ICMPV4_DEST_UNREACH,
                          TERN_ICMPV4_PORT_UNREACH, 0, 0, out.size());
  EXPECT_EQ(out, m);
  // And an echo reply's identifier and sequence number.
  Bytes reply = Icmp(kEchoReply, sizeof kEchoReply);
  Bytes built = reply;
  memset(built.data(), 0xa5, 8);
  tern_icmpv4_emit_header(built.data(), TERN_ICMPV4_ECHO_REPLY, 0,
                          tern_icmpv4_echo_ident(reply.data()),
                          tern_icmpv4_echo_seq(reply.data()), built.size());
  EXPECT_EQ(built, reply);
}

TEST(Icmpv4Wire, QuoteNeedsTheHeaderAndEightBytes) {
  Bytes m = Icmp(kPortUnreachable, sizeof kPortUnreachable);
  tern_icmpv4_quote q;
  // Every message shorter than 8 + 20 + 8 bytes is refused; from there on
  // the quote is long enough (the quoted total length is not checked: a
  // router may cut the quote).
  for (size_t n = 0; n < m.size(); n++) {
    int want = n < 36 ? TERN_ICMPV4_DROP_QUOTE : 0;
    EXPECT_EQ(tern_icmpv4_quote_parse(&q, m.data(), n), want) << n;
    if (want == 0) {
      EXPECT_EQ(q.payload_len, n - 28);
    }
  }
}

TEST(Icmpv4Wire, QuoteOfNoIpv4HeaderIsRefused) {
  const Bytes good = Icmp(kPortUnreachable, sizeof kPortUnreachable);
  tern_icmpv4_quote q;
  // A version that is not 4.
  for (uint8_t v : {0x05, 0x65, 0x35}) {
    Bytes m = good;
    m[8] = v;
    EXPECT_EQ(tern_icmpv4_quote_parse(&q, m.data(), m.size()),
              TERN_ICMPV4_DROP_QUOTE)
        << int(v);
  }
  // IHL below 5.
  for (uint8_t ihl = 0; ihl < 5; ihl++) {
    Bytes m = good;
    m[8] = static_cast<uint8_t>(0x40 | ihl);
    EXPECT_EQ(tern_icmpv4_quote_parse(&q, m.data(), m.size()),
              TERN_ICMPV4_DROP_QUOTE)
        << int(ihl);
  }
  // Options: an IHL of 6 needs 4 more bytes before the 8 of payload.
  Bytes opt = good;
  opt[8] = 0x46;
  EXPECT_EQ(tern_icmpv4_quote_parse(&q, opt.data(), 39),
            TERN_ICMPV4_DROP_QUOTE);
  ASSERT_EQ(tern_icmpv4_quote_parse(&q, opt.data(), 40), 0);
  EXPECT_EQ(q.payload, opt.data() + 32);
  EXPECT_EQ(q.payload_len, 8u);
  // IHL 15 (60 bytes of header) and fewer than 8 bytes after it (the
  // total length says 68).
  Bytes big = good;
  big.resize(8 + 60 + 7, 0);
  big[8] = 0x4f;
  big[10] = 0;
  big[11] = 68;
  EXPECT_EQ(tern_icmpv4_quote_parse(&q, big.data(), big.size()),
            TERN_ICMPV4_DROP_QUOTE);
  big.push_back(0);
  EXPECT_EQ(tern_icmpv4_quote_parse(&q, big.data(), big.size()), 0);
  EXPECT_EQ(q.payload_len, 8u);
  EXPECT_EQ(q.total_len, 68);
}

// The quoted total length must cover the quoted header and 8 bytes (no
// datagram we send is shorter, and the quote holds that much); more than
// the bytes quoted is the usual case (a router quotes a part), and fewer
// is taken too (RFC 4884 pads the quote before its extensions).
TEST(Icmpv4Wire, QuotedTotalLengthBelowHeaderAndEightIsRefused) {
  const Bytes good = Icmp(kPortUnreachable, sizeof kPortUnreachable);
  tern_icmpv4_quote q;
  for (unsigned ihl : {5u, 6u, 15u}) {
    Bytes m = good;
    m.resize(8 + ihl * 4 + 8, 0);
    m[8] = static_cast<uint8_t>(0x40 | ihl);
    for (unsigned total = 0; total < 0x10000u; total++) {
      m[10] = static_cast<uint8_t>(total >> 8);
      m[11] = static_cast<uint8_t>(total);
      int want = total < ihl * 4 + 8 ? TERN_ICMPV4_DROP_QUOTE
                                     : static_cast<int>(ihl * 4);
      ASSERT_EQ(tern_icmpv4_quote_check(m.data(), m.size()), want)
          << ihl << " " << total;
      if (want > 0) {
        ASSERT_EQ(tern_icmpv4_quote_parse(&q, m.data(), m.size()), 0);
        ASSERT_EQ(q.total_len, total);
      } else {
        ASSERT_EQ(tern_icmpv4_quote_parse(&q, m.data(), m.size()), want);
      }
    }
  }
}

TEST(Icmpv4Wire, EveryShortPrefixIsTruncated) {
  Bytes m = Icmp(kEchoRequest, sizeof kEchoRequest);
  for (size_t n = 0; n < TERN_ICMPV4_HEADER_LEN; n++) {
    Bytes v(m.begin(), m.begin() + (long)n);
    tern_icmpv4_repr r;
    EXPECT_EQ(tern_icmpv4_repr_parse(&r, v.data(), n),
              TERN_ICMPV4_DROP_TRUNCATED);
  }
  // Longer prefixes are well formed but their checksum fails.
  for (size_t n = TERN_ICMPV4_HEADER_LEN; n < m.size(); n++) {
    Bytes v(m.begin(), m.begin() + (long)n);
    EXPECT_EQ(tern_icmpv4_check(v.data(), n), TERN_ICMPV4_DROP_CHECKSUM) << n;
  }
}

TEST(Icmpv4Wire, AnyFlippedBitFailsTheChecksum) {
  Bytes m = Icmp(kPortUnreachable, sizeof kPortUnreachable);  // odd length
  for (size_t i = 0; i < m.size(); i++) {
    Bytes v = m;
    v[i] ^= 0x80;
    EXPECT_EQ(tern_icmpv4_check(v.data(), v.size()), TERN_ICMPV4_DROP_CHECKSUM)
        << i;
  }
}

TEST(Icmpv4Wire, EmitErrors) {
  tern_icmpv4_repr r = {TERN_ICMPV4_ECHO_REQUEST, 0, 1, 2, nullptr, 0};
  uint8_t out[8];
  EXPECT_EQ(tern_icmpv4_repr_emit(&r, out, 7), TERN_ENOSPC);
  EXPECT_EQ(tern_icmpv4_repr_emit(&r, out, 8), 8);
  EXPECT_EQ(tern_icmpv4_check(out, 8), 0);
  r.data = out;
  r.data_len = 65535 - 20 - 8 + 1;
  EXPECT_EQ(tern_icmpv4_repr_emit(&r, out, sizeof out), TERN_EMSGSIZE);
}

TEST(Icmpv4Wire, DropNames) {
  EXPECT_STREQ(tern_icmpv4_drop_name(TERN_ICMPV4_DROP_TRUNCATED), "truncated");
  EXPECT_STREQ(tern_icmpv4_drop_name(TERN_ICMPV4_DROP_CHECKSUM), "checksum");
  EXPECT_STREQ(tern_icmpv4_drop_name(TERN_ICMPV4_DROP_QUOTE), "quote");
  EXPECT_STREQ(tern_icmpv4_drop_name(-TERN_ICMPV4_DROP_COUNT), "unknown");
}

}  // namespace
