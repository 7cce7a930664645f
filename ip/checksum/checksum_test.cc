#include "tern/checksum.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace {

// The definition, byte by byte: big-endian 16-bit words, an odd last byte
// padded with zero, summed with end-around carries.
uint32_t RefSum(const uint8_t *p, size_t len) {
  uint64_t s = 0;
  for (size_t i = 0; i < len; i++)
    s += (i % 2 == 0) ? (uint32_t)p[i] << 8 : p[i];
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (uint32_t)s;
}

uint16_t RefChecksum(const uint8_t *p, size_t len) {
  return (uint16_t)~RefSum(p, len);
}

// Storage aligned to 16 so that an offset is an exact start alignment.
struct Aligned {
  alignas(16) uint8_t bytes[2048];
};

// RFC 1071 section 3's example: the sum of these bytes is ddf2.
TEST(Checksum, Rfc1071Example) {
  const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(tern_checksum(data, sizeof data), (uint16_t)~0xddf2);
}

// A well-known worked example, 192.168.0.1 -> 192.168.0.199, UDP:
// checksum b861 in bytes 10-11; it verifies to 0.
TEST(Checksum, VerifiesAnIpv4Header) {
  uint8_t hdr[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(tern_checksum(hdr, sizeof hdr), 0);
  hdr[10] = hdr[11] = 0;
  EXPECT_EQ(tern_checksum(hdr, sizeof hdr), 0xb861);
}

TEST(Checksum, PiecesEqualTheWhole) {
  std::vector<uint8_t> data(1001);
  for (size_t i = 0; i < data.size(); i++)
    data[i] = (uint8_t)(i * 7 + 3);
  uint16_t whole = tern_checksum(data.data(), data.size());
  tern_csum s = tern_checksum_add(0, data.data(), 100);
  s = tern_checksum_add(s, data.data() + 100, 900);
  s = tern_checksum_add(s, data.data() + 1000, 1);
  EXPECT_EQ(tern_checksum_finish(s), whole);
}

TEST(Checksum, CopyMatchesAndCopies) {
  std::vector<uint8_t> src(333), dst(333);
  for (size_t i = 0; i < src.size(); i++)
    src[i] = (uint8_t)(i ^ 0x5a);
  tern_csum s = tern_checksum_copy(0, dst.data(), src.data(), src.size());
  EXPECT_EQ(src, dst);
  EXPECT_EQ(tern_checksum_finish(s), tern_checksum(src.data(), src.size()));
}

TEST(Checksum, OddLengthPadsWithZero) {
  const uint8_t a[] = {0x12, 0x34, 0x56};
  const uint8_t b[] = {0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(tern_checksum(a, 3), tern_checksum(b, 4));
}

TEST(Checksum, EmptyAndAllOnes) {
  EXPECT_EQ(tern_checksum(nullptr, 0), 0xffff);
  std::vector<uint8_t> ff(4096, 0xff);
  EXPECT_EQ(tern_checksum(ff.data(), ff.size()), 0);
}

// Every length 0..300 at every start alignment 0..7, random contents,
// against the byte-by-byte definition.
TEST(Checksum, MatchesReferenceAtEveryLengthAndAlignment) {
  std::mt19937 rng(1071);
  Aligned buf;
  for (size_t align = 0; align < 8; align++) {
    for (size_t len = 0; len <= 300; len++) {
      for (int round = 0; round < 4; round++) {
        uint8_t *p = buf.bytes + align;
        for (size_t i = 0; i < len; i++)
          p[i] = (uint8_t)rng();
        ASSERT_EQ(tern_checksum(p, len), RefChecksum(p, len))
            << "align " << align << " len " << len;
      }
    }
  }
}

// Header-sized pieces (whole 32-bit words, up to 64 bytes, which the fast
// implementation sums apart: checksum.c, header_sum) and the lengths just
// past them, at every start alignment, with the byte values that stress
// the fold: all ones, all zeros, one high byte, a single 1.
TEST(Checksum, HeaderSizedPiecesAtEveryAlignment) {
  std::mt19937 rng(791);
  Aligned buf;
  for (size_t align = 0; align < 8; align++) {
    for (size_t len = 4; len <= 72; len += 2) {
      uint8_t *p = buf.bytes + align;
      for (int pattern = 0; pattern < 6; pattern++) {
        for (size_t i = 0; i < len; i++) {
          uint8_t v = pattern == 0   ? 0xff
                      : pattern == 1 ? 0x00
                      : pattern == 2 ? (i == 0 ? 0x80 : 0x00)
                      : pattern == 3 ? (i + 1 == len ? 0x01 : 0x00)
                      : pattern == 4 ? (i == len / 2 ? 0x00 : 0xff)
                                     : (uint8_t)rng();
          p[i] = v;
        }
        ASSERT_EQ(tern_checksum(p, len), RefChecksum(p, len))
            << "align " << align << " len " << len << " pattern " << pattern;
      }
    }
  }
}

// The fold (checksum.c, fold64 and tern_checksum_finish) for 32-bit
// inputs: a 4-byte piece is one native 32-bit word, which the fast
// implementation folds as it is (64 -> 32 has nothing to do; 32 -> 16
// gets the word), so its checksum compared with the byte-wise definition
// checks the fold of that word. Values spread over all of 2^32 (a prime
// stride, so every residue of the halves' sum occurs) and those where
// the halves' sum crosses 0xffff and 0x10000, or where a half is 0 or
// 0xffff. checksum_fold_exhaustive_test (manual) takes every value.
#ifndef TERN_CHECKSUM_EXHAUSTIVE
#define TERN_CHECKSUM_EXHAUSTIVE 0
#endif
TEST(Checksum, FoldOfEvery32BitWord) {
  const uint64_t stride = TERN_CHECKSUM_EXHAUSTIVE ? 1 : 4099;
  Aligned buf;
  uint64_t checked = 0;
  auto good = [&](uint32_t v, size_t align) {
    uint8_t *p = buf.bytes + align;
    std::memcpy(p, &v, 4);
    checked++;
    return tern_checksum(p, 4) == RefChecksum(p, 4);
  };
  for (uint64_t v = 0; v <= 0xffffffffu; v += stride) {
    ASSERT_TRUE(good((uint32_t)v, 0)) << std::hex << v;
  }
  for (uint32_t hi = 0; hi <= 0xffff; hi++) {
    for (uint32_t lo : {0xfffeu - hi, 0xffffu - hi, (0x10000u - hi) & 0xffffu,
                        0u, 1u, 0xfffeu, 0xffffu}) {
      uint32_t v = hi << 16 | (lo & 0xffffu);
      ASSERT_TRUE(good(v, 0)) << std::hex << v;
      ASSERT_TRUE(good(v, 3)) << std::hex << v << " at an odd address";
    }
  }
  EXPECT_GT(checked, 1000000u);
}

// The 64 -> 32 step: 16 bytes at an 8-aligned address are two 64-bit
// words on a 64-bit host (sum_even), so the folded value is any 64-bit
// sum with its carry; random words and words built to carry at the
// 32-bit boundary, against the definition.
TEST(Checksum, FoldOf64BitSums) {
  std::mt19937_64 rng(1624);
  Aligned buf;
  const uint64_t edges[] = {0,
                            1,
                            0xffffffffu,
                            0x100000000u,
                            0xffffffff00000000u,
                            0xffffffffffffffffu,
                            0x00000001ffffffffu,
                            0xfffffffe00000001u,
                            0x0000ffff0000ffffu,
                            0xffff0000ffff0000u};
  for (uint64_t a : edges) {
    for (uint64_t b : edges) {
      std::memcpy(buf.bytes, &a, 8);
      std::memcpy(buf.bytes + 8, &b, 8);
      ASSERT_EQ(tern_checksum(buf.bytes, 16), RefChecksum(buf.bytes, 16))
          << std::hex << a << " " << b;
    }
  }
  for (int i = 0; i < 200000; i++) {
    uint64_t w[2] = {rng(), rng()};
    if (i % 3 == 1) {
      w[1] = ~w[0] + (uint64_t)(i % 5);  // a sum near 2^64
    }
    std::memcpy(buf.bytes, w, 16);
    ASSERT_EQ(tern_checksum(buf.bytes, 16), RefChecksum(buf.bytes, 16))
        << std::hex << w[0] << " " << w[1];
  }
}

// Carries: long runs of 0xff (each word adds 0xffff) and of 0xfe/0x01
// patterns at odd and even starts, long enough to wrap a 32-bit sum many
// times over.
TEST(Checksum, LongBuffersCarryCorrectly) {
  std::vector<uint8_t> big((1 << 20) + 16);
  std::mt19937 rng(7);
  for (int fill : {0xff, 0xfe, -1}) {
    for (size_t i = 0; i < big.size(); i++)
      big[i] = fill < 0 ? (uint8_t)(0xf0 | (rng() & 0x0f)) : (uint8_t)fill;
    for (size_t off : {0, 1, 2, 3, 5}) {
      size_t len = big.size() - 16 + off;
      EXPECT_EQ(tern_checksum(big.data() + off, len),
                RefChecksum(big.data() + off, len))
          << fill << " " << off;
    }
  }
}

// Pieces: every piece but the last has an even length (checksum.h), and
// may start at any address. Random splits, random alignments.
TEST(Checksum, PiecesAtAnyAddressEqualTheWhole) {
  std::mt19937 rng(768);
  Aligned src, piece;
  for (int round = 0; round < 3000; round++) {
    size_t len = rng() % 600;
    for (size_t i = 0; i < len; i++)
      src.bytes[i] = (uint8_t)rng();
    uint16_t whole = RefChecksum(src.bytes, len);
    tern_csum s = 0;
    size_t pos = 0;
    while (pos < len) {
      size_t n = rng() % 70;
      if (pos + n >= len)
        n = len - pos;  // the last piece: any length
      else
        n &= ~(size_t)1;  // the others: even
      // Each piece is copied to a random alignment first, so odd and even
      // starting addresses are both exercised.
      size_t align = rng() % 8;
      memcpy(piece.bytes + align, src.bytes + pos, n);
      s = tern_checksum_add(s, piece.bytes + align, n);
      pos += n;
    }
    ASSERT_EQ(tern_checksum_finish(s), whole) << "round " << round;
  }
}

// tern_checksum_add against the definition from a running sum, not 0:
// the pieces at most 64 bytes in whole 32-bit words that the fast
// implementation sums apart (checksum.c, header_sum: a TCP header without
// data after the pseudo-header's sum) and every length around them, at
// every start alignment, from sums at the fold's edges (0, the two
// zeros of one's complement 0xffff and 0x1fffe, a sum about to carry out
// of 32 bits) and random ones, with the byte values that stress the fold.
// The finished value keeps the sum's one distinction, zero or not.
TEST(Checksum, AddFromAnySumMatchesReferenceForShortPieces) {
  std::mt19937 rng(9293);
  Aligned buf;
  auto ref = [](uint32_t start, const uint8_t *p, size_t len) {
    uint64_t s = (uint64_t)start + RefSum(p, len);
    while (s >> 16)
      s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
  };
  const uint32_t edges[] = {0,           1,          0xfffe,      0xffff,
                            0x10000,     0x1fffe,    0xfffeffffu, 0xffff0000u,
                            0xfffffffeu, 0xffffffffu};
  for (size_t align = 0; align < 8; align++) {
    for (size_t len = 0; len <= 72; len++) {
      uint8_t *p = buf.bytes + align;
      for (int pattern = 0; pattern < 5; pattern++) {
        for (size_t i = 0; i < len; i++) {
          p[i] = pattern == 0   ? 0xff
                 : pattern == 1 ? 0x00
                 : pattern == 2 ? (i == 0 ? 0xff : 0x00)
                 : pattern == 3 ? (i + 1 == len ? 0x01 : 0xff)
                                : (uint8_t)rng();
        }
        for (int k = 0; k < 14; k++) {
          uint32_t start = k < 10 ? edges[k] : (uint32_t)rng();
          ASSERT_EQ(tern_checksum_finish(tern_checksum_add(start, p, len)),
                    ref(start, p, len))
              << "align " << align << " len " << len << " pattern " << pattern
              << " start " << std::hex << start;
        }
      }
    }
  }
}

TEST(Checksum, OddAddressEvenLengthPiece) {
  // 0x0102 + 0x0304 + 0x0506 = 0x090c, so the checksum is ~0x090c.
  Aligned buf;
  const uint8_t words[] = {1, 2, 3, 4, 5, 6};
  memcpy(buf.bytes + 1, words, 2);
  memcpy(buf.bytes + 4, words + 2, 4);
  tern_csum s = tern_checksum_add(0, buf.bytes + 1, 2);  // odd address
  s = tern_checksum_add(s, buf.bytes + 4, 4);            // even address
  EXPECT_EQ(tern_checksum_finish(s), (uint16_t)~0x090c);
}

// The fused copy: every source and destination alignment, lengths around
// the unrolled loop's sizes, exact bytes copied and nothing written around.
TEST(Checksum, CopyAtEveryAlignment) {
  std::mt19937 rng(1624);
  Aligned src, dst;
  const size_t lens[] = {0,  1,  2,  3,  7,   8,   9,   15,  16,  31,  32,
                         33, 63, 64, 65, 127, 128, 129, 255, 300, 1025};
  for (size_t sa = 0; sa < 8; sa++) {
    for (size_t da = 0; da < 8; da++) {
      for (size_t len : lens) {
        for (size_t i = 0; i < len; i++)
          src.bytes[sa + i] = (uint8_t)rng();
        memset(dst.bytes, 0xa5, sizeof dst.bytes);
        tern_csum s =
            tern_checksum_copy(7, dst.bytes + da, src.bytes + sa, len);
        ASSERT_EQ(memcmp(dst.bytes + da, src.bytes + sa, len), 0)
            << sa << " " << da << " " << len;
        for (size_t i = 0; i < da; i++)
          ASSERT_EQ(dst.bytes[i], 0xa5);
        for (size_t i = da + len; i < sizeof dst.bytes; i++)
          ASSERT_EQ(dst.bytes[i], 0xa5);
        ASSERT_EQ(
            tern_checksum_finish(s),
            tern_checksum_finish(tern_checksum_add(7, src.bytes + sa, len)));
        ASSERT_EQ(tern_checksum_finish(tern_checksum_copy(0, dst.bytes + da,
                                                          src.bytes + sa, len)),
                  RefChecksum(src.bytes + sa, len));
      }
    }
  }
}

TEST(Checksum, CopyInPiecesEqualsTheWhole) {
  std::vector<uint8_t> src(999), dst(999);
  for (size_t i = 0; i < src.size(); i++)
    src[i] = (uint8_t)(i * 31 + 1);
  tern_csum s = tern_checksum_copy(0, dst.data(), src.data(), 14);
  s = tern_checksum_copy(s, dst.data() + 14, src.data() + 14, 501 - 1);
  s = tern_checksum_copy(s, dst.data() + 514, src.data() + 514, 999 - 514);
  EXPECT_EQ(src, dst);
  EXPECT_EQ(tern_checksum_finish(s), RefChecksum(src.data(), src.size()));
}

// Captured by tcpdump in udp_echo.pcap (frame 1): 192.0.2.1:40000 ->
// 192.0.2.2:7, "hello, echo\n", UDP checksum a8a4 computed by Linux.
const uint8_t kUdpEcho12[40] = {
    0x45, 0x00, 0x00, 0x28, 0xff, 0x0a, 0x40, 0x00, 0x40, 0x11,
    0xb7, 0xb6, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02,
    0x9c, 0x40, 0x00, 0x07, 0x00, 0x14, 0xa8, 0xa4, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x65, 0x63, 0x68, 0x6f, 0x0a,
};

// udp_echo.pcap frame 10: 192.0.2.1:40001 -> 192.0.2.2:9999 with a 15-byte
// payload, so the UDP length (23) is odd and the last byte is padded.
const uint8_t kUdpOdd15[43] = {
    0x45, 0x00, 0x00, 0x2b, 0x20, 0x5d, 0x40, 0x00, 0x40, 0x11, 0x96,
    0x61, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x9c, 0x41,
    0x27, 0x0f, 0x00, 0x17, 0x2f, 0x26, 0x61, 0x6e, 0x79, 0x6f, 0x6e,
    0x65, 0x20, 0x6f, 0x6e, 0x20, 0x39, 0x39, 0x39, 0x39, 0x3f,
};

// arp_icmp.pcap frame 3: ping's echo request, 56 bytes of data.
const uint8_t kIcmpEcho56[84] = {
    0x45, 0x00, 0x00, 0x54, 0x44, 0x0a, 0x40, 0x00, 0x40, 0x01, 0x72, 0x9b,
    0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x08, 0x00, 0xd8, 0x08,
    0x07, 0xbf, 0x00, 0x01, 0x02, 0x74, 0x07, 0x6b, 0x00, 0x00, 0x00, 0x00,
    0x44, 0x85, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13,
    0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b,
    0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

// ipv6_ndp_slaac.pcap frame 19: ping -6 2001:db8:1::ff:fe00:a ->
// 2001:db8:1::1, ICMPv6 echo request (checksum 5a64, pseudo-header).
const uint8_t kIcmp6Echo[104] = {
    0x60, 0x0a, 0xdf, 0x30, 0x00, 0x40, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x0a,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0x5a, 0x64, 0x09, 0x35, 0x00, 0x01,
    0x23, 0x74, 0x07, 0x6b, 0x00, 0x00, 0x00, 0x00, 0xd4, 0xb9, 0x03, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
    0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

// A UDP datagram (header + data) with the IPv4 pseudo-header sum, placed at
// the given alignment: what the receive path computes.
uint16_t VerifyUdp4(const uint8_t *ip, size_t ip_len, size_t align) {
  Aligned buf;
  memcpy(buf.bytes + align, ip, ip_len);
  const uint8_t *p = buf.bytes + align;
  size_t ihl = (size_t)(p[0] & 0x0f) * 4;
  uint16_t udp_len = (uint16_t)(p[ihl + 4] << 8 | p[ihl + 5]);
  tern_csum s = tern_checksum_pseudo_v4(p + 12, p + 16, p[9], udp_len);
  s = tern_checksum_add(s, p + ihl, udp_len);
  return tern_checksum_finish(s);
}

TEST(Checksum, CapturedUdpDatagramsVerify) {
  for (size_t align = 0; align < 8; align++) {
    EXPECT_EQ(tern_checksum(kUdpEcho12 + 0, 20), 0);  // the IPv4 header
    EXPECT_EQ(VerifyUdp4(kUdpEcho12, sizeof kUdpEcho12, align), 0) << align;
    EXPECT_EQ(VerifyUdp4(kUdpOdd15, sizeof kUdpOdd15, align), 0) << align;
  }
  // One bit flipped in the payload must not verify.
  uint8_t bad[sizeof kUdpOdd15];
  memcpy(bad, kUdpOdd15, sizeof bad);
  bad[sizeof bad - 1] ^= 0x01;
  EXPECT_NE(VerifyUdp4(bad, sizeof bad, 0), 0);
}

TEST(Checksum, CapturedUdpChecksumIsReproduced) {
  // The send path: checksum field zeroed, header and payload as pieces.
  uint8_t d[sizeof kUdpEcho12];
  memcpy(d, kUdpEcho12, sizeof d);
  d[26] = d[27] = 0;
  tern_csum s = tern_checksum_pseudo_v4(d + 12, d + 16, 17, 20);
  s = tern_checksum_add(s, d + 20, 8);
  s = tern_checksum_add(s, d + 28, 12);
  EXPECT_EQ(tern_checksum_finish(s), 0xa8a4);
}

TEST(Checksum, CapturedIcmpEchoVerifies) {
  EXPECT_EQ(tern_checksum(kIcmpEcho56, 20), 0);  // the IPv4 header
  EXPECT_EQ(tern_checksum(kIcmpEcho56 + 20, sizeof kIcmpEcho56 - 20), 0);
  uint8_t d[sizeof kIcmpEcho56 - 20];
  memcpy(d, kIcmpEcho56 + 20, sizeof d);
  d[2] = d[3] = 0;
  EXPECT_EQ(tern_checksum(d, sizeof d), 0xd808);
}

TEST(Checksum, CapturedIcmpv6EchoVerifies) {
  const uint8_t *ip = kIcmp6Echo;
  uint32_t plen = (uint32_t)(ip[4] << 8 | ip[5]);
  ASSERT_EQ(plen, sizeof kIcmp6Echo - 40);
  tern_csum s = tern_checksum_pseudo_v6(ip + 8, ip + 24, 58, plen);
  s = tern_checksum_add(s, ip + 40, plen);
  EXPECT_EQ(tern_checksum_finish(s), 0);
}

// The family-neutral pseudo-header sum is each family's.
TEST(Checksum, PseudoOfEitherFamily) {
  const uint8_t *ip = kIcmp6Echo;
  uint32_t plen = (uint32_t)(ip[4] << 8 | ip[5]);
  EXPECT_EQ(
      tern_checksum_finish(tern_checksum_add(
          tern_checksum_pseudo(ip + 8, ip + 24, 16, 58, plen), ip + 40, plen)),
      0);
  const uint8_t *p = kUdpEcho12;
  EXPECT_EQ(tern_checksum_finish(tern_checksum_add(
                tern_checksum_pseudo(p + 12, p + 16, 4, 17, 20), p + 20, 20)),
            0);
  EXPECT_EQ(tern_checksum_pseudo(p + 12, p + 16, 4, 17, 20),
            tern_checksum_pseudo_v4(p + 12, p + 16, 17, 20));
  EXPECT_EQ(tern_checksum_pseudo(ip + 8, ip + 24, 16, 58, 0x12345),
            tern_checksum_pseudo_v6(ip + 8, ip + 24, 58, 0x12345));
}

// The pseudo-header sums against the definition: the pseudo-header laid out
// as bytes (RFC 768's for IPv4: source, destination, zero, protocol,
// 16-bit length; RFC 8200 8.1's for IPv6: source, destination, 32-bit
// length, three zeros, next header) summed byte by byte. Random addresses,
// all-ones ones (the most carries) and the largest lengths; each sum also
// continued with data at an odd address, as a transport continues it.
TEST(Checksum, PseudoMatchesTheLaidOutHeader) {
  std::mt19937 rng(7);
  Aligned buf;
  for (int round = 0; round < 2000; round++) {
    const bool v6 = round % 2 == 1;
    const size_t alen = v6 ? 16 : 4;
    uint8_t src[16], dst[16];
    for (size_t i = 0; i < alen; i++) {
      src[i] = round < 4 ? 0xff : (uint8_t)rng();
      dst[i] = round < 4 ? 0xff : (uint8_t)rng();
    }
    const uint8_t proto = round < 4 ? 0xff : (uint8_t)rng();
    uint32_t len = round < 4 ? 0xffffffffu : (uint32_t)rng();
    if (!v6) {
      len &= 0xffff;
    }
    std::vector<uint8_t> ph(src, src + alen);
    ph.insert(ph.end(), dst, dst + alen);
    if (v6) {
      for (int k = 3; k >= 0; k--) {
        ph.push_back((uint8_t)(len >> (8 * k)));
      }
      ph.push_back(0);
      ph.push_back(0);
      ph.push_back(0);
      ph.push_back(proto);
    } else {
      ph.push_back(0);
      ph.push_back(proto);
      ph.push_back((uint8_t)(len >> 8));
      ph.push_back((uint8_t)len);
    }
    tern_csum s = tern_checksum_pseudo(src, dst, alen, proto, len);
    ASSERT_EQ(tern_checksum_finish(s), RefChecksum(ph.data(), ph.size()))
        << "round " << round;
    const size_t n = rng() % 100;
    uint8_t *data = buf.bytes + 1;
    for (size_t i = 0; i < n; i++) {
      data[i] = (uint8_t)rng();
    }
    ph.insert(ph.end(), data, data + n);
    EXPECT_EQ(tern_checksum_finish(tern_checksum_add(s, data, n)),
              RefChecksum(ph.data(), ph.size()))
        << "round " << round;
    if (!v6) {
      EXPECT_EQ(tern_checksum_pseudo_v4(src, dst, proto, (uint16_t)len), s);
    } else {
      EXPECT_EQ(tern_checksum_pseudo_v6(src, dst, proto, len), s);
    }
  }
}

}  // namespace
