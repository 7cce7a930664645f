// The TCP wire format against segments Linux sent (capture_vectors.h): each
// parsed to its fields and emitted back byte for byte, from fields written
// out by hand and from the parse; the data segments rebuilt with their data;
// every malformed header and option refused or ignored, and counted.
#include "tern/tcp_wire.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "transport/tcp/capture_vectors.h"

namespace {

using Bytes = std::vector<uint8_t>;

template <size_t N>
Bytes B(const uint8_t (&a)[N]) {
  return Bytes(a, a + N);
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

const tern_ip_addr kClient = V4(192, 0, 2, 1);
const tern_ip_addr kServer = V4(192, 0, 2, 2);

// The capture script's data.txt: the line repeated.
Bytes DataTxt(size_t from, size_t len) {
  const std::string line =
      "The quick brown fox jumps over the lazy dog 0123456789\n";
  Bytes d;
  for (size_t i = from; i < from + len; i++)
    d.push_back((uint8_t)line[i % line.size()]);
  return d;
}

Bytes Concat(Bytes a, const Bytes &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Captured {
  const char *name;
  Bytes seg;
  tern_ip_addr src, dst;
};

std::vector<Captured> All() {
  return {
      {"syn", B(kSyn), kClient, kServer},
      {"syn-ack", B(kSynAck), kServer, kClient},
      {"ack", B(kAck), kClient, kServer},
      {"data 1", Concat(B(kData1Header), DataTxt(0, 1448)), kClient, kServer},
      {"data 24", Concat(B(kData24Header), DataTxt(15928, 456)), kClient,
       kServer},
      {"fin", B(kFin), kClient, kServer},
      {"fin-ack", B(kFinAck), kServer, kClient},
      {"syn closed", B(kSynClosed), kClient, kServer},
      {"rst-ack", B(kRstAck), kServer, kClient},
      {"sack", B(kSack1), kServer, kClient},
      {"sack update", B(kSackUpdate), kServer, kClient},
  };
}

tern_tcp_repr Parse(const Bytes &seg, const tern_ip_addr &src,
                    const tern_ip_addr &dst, int want = 0) {
  tern_tcp_repr r;
  memset(&r, 0xa5, sizeof r);
  EXPECT_EQ(tern_tcp_repr_parse(&r, seg.data(), seg.size(), &src, &dst), want);
  return r;
}

Bytes Emit(const tern_tcp_repr &r, const tern_ip_addr &src,
           const tern_ip_addr &dst) {
  Bytes out(TERN_TCP_MAX_HEADER_LEN + r.payload_len + 16, 0xee);
  int n = tern_tcp_repr_emit(&r, &src, &dst, out.data(), out.size());
  EXPECT_GT(n, 0);
  out.resize(n > 0 ? (size_t)n : 0);
  return out;
}

TEST(TcpWire, EveryCapturedSegmentVerifies) {
  for (const Captured &c : All()) {
    EXPECT_EQ(tern_tcp_check(c.seg.data(), c.seg.size(), &c.src, &c.dst),
              (int)tern_tcp_header_len(c.seg.data()))
        << c.name;
    // The other direction's pseudo-header is the same sum (addresses
    // swapped add the same words), so a wrong address is needed instead.
    tern_ip_addr other = V4(192, 0, 2, 3);
    EXPECT_EQ(tern_tcp_check(c.seg.data(), c.seg.size(), &c.src, &other),
              TERN_TCP_DROP_CHECKSUM)
        << c.name;
  }
}

TEST(TcpWire, ParsesTheSynsOptions) {
  tern_tcp_repr r = Parse(B(kSyn), kClient, kServer);
  EXPECT_EQ(r.src_port, 34698);
  EXPECT_EQ(r.dst_port, 5001);
  EXPECT_EQ(r.seq, 0x2f581fe3u);
  EXPECT_EQ(r.ack, 0u);
  EXPECT_EQ(r.flags, TERN_TCP_SYN);
  EXPECT_EQ(r.window, 64240);
  EXPECT_EQ(r.urgent, 0);
  EXPECT_EQ(r.opts.present, TERN_TCP_HAS_MSS | TERN_TCP_HAS_SACK_PERM |
                                TERN_TCP_HAS_TIMESTAMP | TERN_TCP_HAS_WSCALE);
  EXPECT_EQ(r.opts.ignored, 0);
  EXPECT_EQ(r.opts.mss, 1460);
  EXPECT_EQ(r.opts.wscale, 10);
  EXPECT_EQ(r.opts.ts_val, 100736049u);
  EXPECT_EQ(r.opts.ts_ecr, 0u);
  EXPECT_EQ(r.payload_len, 0u);
}

TEST(TcpWire, ParsesSackBlocks) {
  tern_tcp_repr r = Parse(B(kSack1), kServer, kClient);
  EXPECT_EQ(r.flags, TERN_TCP_ACK);
  EXPECT_EQ(r.opts.present, TERN_TCP_HAS_TIMESTAMP | TERN_TCP_HAS_SACK);
  ASSERT_EQ(r.opts.sack_count, 1);
  // tshark's relative ACK 15929 and block 16385..17833: the block starts
  // 456 bytes (one lost segment) after the ACK and holds one of 1448.
  EXPECT_EQ(r.ack, 0x89715c52u);
  EXPECT_EQ(r.opts.sack[0].left, 0x89715c52u + 16385 - 15929);
  EXPECT_EQ(r.opts.sack[0].right, 0x89715c52u + 17833 - 15929);
  EXPECT_EQ(r.opts.ts_val, 2955712995u);
  EXPECT_EQ(r.opts.ts_ecr, 4102051265u);
}

TEST(TcpWire, ParsesTheDataAndItsPayload) {
  Bytes seg = Concat(B(kData1Header), DataTxt(0, 1448));
  tern_tcp_repr r = Parse(seg, kClient, kServer);
  EXPECT_EQ(r.payload, seg.data() + 32);
  EXPECT_EQ(r.payload_len, 1448u);
  EXPECT_EQ(r.flags, TERN_TCP_ACK);
  EXPECT_EQ(r.window, 63);  // scaled by 1024: tshark's 64512
  EXPECT_EQ(memcmp(r.payload, "The quick brown fox", 19), 0);
}

// Every captured segment from fields alone, set by hand where it helps to
// see what each byte is, from its parse otherwise.
TEST(TcpWire, EmitsTheSynLinuxSent) {
  tern_tcp_repr r = {};
  r.src_port = 34698;
  r.dst_port = 5001;
  r.seq = 0x2f581fe3u;
  r.flags = TERN_TCP_SYN;
  r.window = 64240;
  r.opts.present = TERN_TCP_HAS_MSS | TERN_TCP_HAS_SACK_PERM |
                   TERN_TCP_HAS_TIMESTAMP | TERN_TCP_HAS_WSCALE;
  r.opts.mss = 1460;
  r.opts.wscale = 10;
  r.opts.ts_val = 100736049u;
  EXPECT_EQ(Emit(r, kClient, kServer), B(kSyn));
}

// The README's example: the reset answering a SYN to a closed port, built
// from the SYN's parse (RFC 9293 3.10.7.1: SEQ 0, ACK SEG.SEQ + SEG.LEN).
TEST(TcpWire, EmitsTheRstAckLinuxSent) {
  tern_tcp_repr r = Parse(B(kSynClosed), kClient, kServer);
  tern_tcp_repr rst = {};
  rst.src_port = r.dst_port;
  rst.dst_port = r.src_port;
  rst.ack = r.seq + tern_tcp_seg_len(r.flags, r.payload_len);
  rst.flags = TERN_TCP_RST | TERN_TCP_ACK;
  EXPECT_EQ(Emit(rst, kServer, kClient), B(kRstAck));
}

TEST(TcpWire, EmitsTheSackLinuxSent) {
  tern_tcp_repr r = {};
  r.src_port = 5001;
  r.dst_port = 34718;
  r.seq = 0x8b46bf3du;
  r.ack = 0x89715c52u;
  r.flags = TERN_TCP_ACK;
  r.window = 71;
  r.opts.present = TERN_TCP_HAS_TIMESTAMP | TERN_TCP_HAS_SACK;
  r.opts.ts_val = 2955712995u;
  r.opts.ts_ecr = 4102051265u;
  r.opts.sack_count = 1;
  r.opts.sack[0] = {0x89715e1au, 0x897163c2u};
  EXPECT_EQ(Emit(r, kServer, kClient), B(kSack1));
}

TEST(TcpWire, EmitsEveryCapturedSegmentFromItsParse) {
  for (const Captured &c : All()) {
    tern_tcp_repr r = Parse(c.seg, c.src, c.dst);
    // From a separate buffer (the data copied behind the header)...
    EXPECT_EQ(Emit(r, c.src, c.dst), c.seg) << c.name;
    // ...and in place (the data already where it goes, left alone).
    Bytes inplace = c.seg;
    memset(inplace.data(), 0, tern_tcp_header_len(c.seg.data()));
    r.payload = inplace.data() + tern_tcp_header_len(c.seg.data());
    EXPECT_EQ(
        tern_tcp_repr_emit(&r, &c.src, &c.dst, inplace.data(), inplace.size()),
        (int)c.seg.size())
        << c.name;
    EXPECT_EQ(inplace, c.seg) << c.name;
  }
}

#if TERN_CONFIG_IPV6  // IPv6 by nature: not in the IPv4-only build
TEST(TcpWire, OverIpv6) {
  const tern_ip_addr a = V6("2001:db8::1"), b = V6("2001:db8::2");
  Bytes seg = B(kV6Segment);
  tern_tcp_repr r = Parse(seg, a, b);
  EXPECT_EQ(r.seq, 0x01020304u);
  EXPECT_EQ(r.ack, 0xfffffff0u);
  EXPECT_EQ(r.flags, TERN_TCP_PSH | TERN_TCP_ACK);
  EXPECT_EQ(r.opts.present, TERN_TCP_HAS_TIMESTAMP);
  EXPECT_EQ(r.opts.ts_val, 1u);
  EXPECT_EQ(r.opts.ts_ecr, 2u);
  ASSERT_EQ(r.payload_len, 11u);
  EXPECT_EQ(Emit(r, a, b), seg);
  // Not over IPv4 addresses, nor other IPv6 ones.
  EXPECT_EQ(tern_tcp_check(seg.data(), seg.size(), &kClient, &kServer),
            TERN_TCP_DROP_CHECKSUM);
  const tern_ip_addr c = V6("2001:db8::3");
  EXPECT_EQ(tern_tcp_check(seg.data(), seg.size(), &a, &c),
            TERN_TCP_DROP_CHECKSUM);
}
#endif

TEST(TcpWire, AFlippedBitAnywhereIsRefused) {
  for (const Captured &c : All()) {
    for (size_t i = 0; i < c.seg.size(); i += (i < 64 ? 1 : 97)) {
      for (int bit = 0; bit < 8; bit++) {
        Bytes bad = c.seg;
        bad[i] ^= (uint8_t)(1 << bit);
        tern_tcp_repr r;
        int rc =
            tern_tcp_repr_parse(&r, bad.data(), bad.size(), &c.src, &c.dst);
        EXPECT_LT(rc, 0) << c.name << " byte " << i << " bit " << bit;
      }
    }
  }
}

TEST(TcpWire, EveryPrefixIsRefused) {
  Bytes seg = B(kSynAck);
  for (size_t n = 0; n < seg.size(); n++) {
    int rc = tern_tcp_check(seg.data(), n, &kServer, &kClient);
    if (n < 20) {
      EXPECT_EQ(rc, TERN_TCP_DROP_TRUNCATED) << n;
    } else {
      EXPECT_EQ(rc, TERN_TCP_DROP_DATA_OFFSET) << n;  // 40-byte header
    }
  }
}

// A segment from client to server with these option bytes (padded with
// EOL to a multiple of 4) and flags, its checksum right; doff_words, when
// given, is written as the data offset instead of the true one.
Bytes WithOptions(const Bytes &opts, uint8_t flags, int doff_words = -1) {
  Bytes o = opts;
  while (o.size() % 4 != 0)
    o.push_back(0);
  Bytes seg = {0x87, 0x8a, 0x13, 0x89,  0,    0, 0, 1, 0, 0,
               0,    2,    0,    flags, 0x10, 0, 0, 0, 0, 0};
  size_t words = doff_words >= 0 ? (size_t)doff_words : 5 + o.size() / 4;
  seg[12] = (uint8_t)(words << 4);
  seg = Concat(seg, o);
  seg[16] = seg[17] = 0;
  uint16_t sum = tern_tcp_sum(seg.data(), seg.size(), &kClient, &kServer);
  seg[16] = (uint8_t)(sum >> 8);
  seg[17] = (uint8_t)sum;
  return seg;
}

int ParseRc(const Bytes &seg, tern_tcp_repr *r) {
  return tern_tcp_repr_parse(r, seg.data(), seg.size(), &kClient, &kServer);
}

TEST(TcpWire, DataOffsetBelowFiveOrPastTheSegment) {
  tern_tcp_repr r;
  for (int words = 0; words < 5; words++) {
    EXPECT_EQ(ParseRc(WithOptions({}, TERN_TCP_ACK, words), &r),
              TERN_TCP_DROP_DATA_OFFSET)
        << words;
  }
  EXPECT_EQ(ParseRc(WithOptions({1, 1, 1, 1}, TERN_TCP_ACK, 7), &r),
            TERN_TCP_DROP_DATA_OFFSET);
  EXPECT_EQ(ParseRc(WithOptions({1, 1, 1, 1}, TERN_TCP_ACK, 15), &r),
            TERN_TCP_DROP_DATA_OFFSET);
  EXPECT_EQ(ParseRc(WithOptions({1, 1, 1, 1}, TERN_TCP_ACK, 6), &r), 0);
}

TEST(TcpWire, OptionListsThatCannotBeWalkedDropTheSegment) {
  const Bytes cases[] = {
      {2, 0, 5, 0xb4},            // length 0 (would loop forever)
      {2, 1, 5, 0xb4},            // length 1
      {30, 0},                    // an unknown kind with length 0
      {1, 1, 1, 2},               // a kind with no length byte
      {8, 10, 0, 0},              // timestamps running past the header
      {1, 1, 5, 10, 0, 0, 0, 1},  // SACK past the header
      {1, 1, 1, 30, 0xff},        // unknown kind past the header (8 bytes)
  };
  for (const Bytes &o : cases) {
    tern_tcp_repr r;
    EXPECT_EQ(ParseRc(WithOptions(o, TERN_TCP_SYN), &r),
              TERN_TCP_DROP_OPTION_LENGTH)
        << (int)o[0] << " " << (int)o[1];
  }
}

struct Ignored {
  const char *name;
  Bytes opts;
  uint8_t flags;
  uint8_t present;  // what is still taken
  uint8_t ignored;  // 1 << anomaly
};

TEST(TcpWire, BadOptionsAreIgnoredAndReported) {
  const uint8_t syn = TERN_TCP_SYN, ack = TERN_TCP_ACK;
  const auto bit = [](int a) { return (uint8_t)(1u << a); };
  const Ignored cases[] = {
      {"mss length 3",
       {2, 3, 5, 1, 1, 1},
       syn,
       0,
       bit(TERN_TCP_OPT_BAD_LENGTH)},
      {"mss length 5",
       {2, 5, 5, 0xb4, 0},
       syn,
       0,
       bit(TERN_TCP_OPT_BAD_LENGTH)},
      {"wscale length 4", {3, 4, 7, 0}, syn, 0, bit(TERN_TCP_OPT_BAD_LENGTH)},
      {"sack-perm length 3", {4, 3, 0}, syn, 0, bit(TERN_TCP_OPT_BAD_LENGTH)},
      {"timestamps length 8",
       {8, 8, 0, 0, 0, 1, 0, 0},
       ack,
       0,
       bit(TERN_TCP_OPT_BAD_LENGTH)},
      {"sack length 2", {5, 2}, ack, 0, bit(TERN_TCP_OPT_BAD_LENGTH)},
      {"sack length 9",
       {5, 9, 0, 0, 0, 1, 0, 0, 0},
       ack,
       0,
       bit(TERN_TCP_OPT_BAD_LENGTH)},
      {"mss without syn", {2, 4, 5, 0xb4}, ack, 0, bit(TERN_TCP_OPT_NOT_SYN)},
      {"wscale without syn", {1, 3, 3, 7}, ack, 0, bit(TERN_TCP_OPT_NOT_SYN)},
      {"sack-perm without syn",
       {1, 1, 4, 2},
       ack,
       0,
       bit(TERN_TCP_OPT_NOT_SYN)},
      {"two mss",
       {2, 4, 5, 0xb4, 2, 4, 0, 1},
       syn,
       TERN_TCP_HAS_MSS,
       bit(TERN_TCP_OPT_DUPLICATE)},
      {"two wscales",
       {1, 3, 3, 7, 1, 3, 3, 2},
       syn,
       TERN_TCP_HAS_WSCALE,
       bit(TERN_TCP_OPT_DUPLICATE)},
      {"sack left == right",
       {1, 1, 5, 10, 0, 0, 0, 9, 0, 0, 0, 9},
       ack,
       0,
       bit(TERN_TCP_OPT_BAD_SACK)},
      {"sack left after right",
       {5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0, 8},
       ack,
       0,
       bit(TERN_TCP_OPT_BAD_SACK)},
      {"unknown kind, then mss",
       {30, 4, 1, 2, 2, 4, 5, 0xb4},
       syn,
       TERN_TCP_HAS_MSS,
       bit(TERN_TCP_OPT_UNKNOWN)},
      {"wscale 15",
       {1, 3, 3, 15},
       syn,
       TERN_TCP_HAS_WSCALE,
       bit(TERN_TCP_OPT_WSCALE_CLAMPED)},
      {"wscale 255",
       {1, 3, 3, 255},
       syn,
       TERN_TCP_HAS_WSCALE,
       bit(TERN_TCP_OPT_WSCALE_CLAMPED)},
      {"after eol", {0, 2, 0, 0, 2, 4}, syn, 0, 0},
      // RFC 7323 Appendix A's layout is read at once (tcp_options.c); a
      // second copy after it is still a duplicate, and what follows it
      // is still walked.
      {"two timestamps, the first after two nops",
       {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 8, 10, 0, 0, 0, 3, 0, 0, 0, 4},
       ack,
       TERN_TCP_HAS_TIMESTAMP,
       bit(TERN_TCP_OPT_DUPLICATE)},
      {"two nops and timestamps, then mss",
       {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 2, 4, 5, 0xb4},
       ack,
       TERN_TCP_HAS_TIMESTAMP,
       bit(TERN_TCP_OPT_NOT_SYN)},
      {"two nops and timestamps of length 8",
       {1, 1, 8, 8, 0, 0, 0, 1, 0, 0, 1, 1},
       ack,
       0,
       bit(TERN_TCP_OPT_BAD_LENGTH)},
  };
  tern_tcp_rx_stats stats = {};
  unsigned want[TERN_TCP_OPT_ANOMALY_COUNT] = {};
  for (const Ignored &c : cases) {
    tern_tcp_repr r;
    int rc = ParseRc(WithOptions(c.opts, c.flags), &r);
    ASSERT_EQ(rc, 0) << c.name;
    EXPECT_EQ(r.opts.present, c.present) << c.name;
    EXPECT_EQ(r.opts.ignored, c.ignored) << c.name;
    tern_tcp_rx_count(&stats, rc, &r.opts);
    for (int a = 0; a < TERN_TCP_OPT_ANOMALY_COUNT; a++)
      want[a] += (c.ignored >> a) & 1;
  }
  EXPECT_EQ(stats.accepted, sizeof cases / sizeof cases[0]);
  for (int a = 0; a < TERN_TCP_OPT_ANOMALY_COUNT; a++)
    EXPECT_EQ(stats.option[a], want[a]) << tern_tcp_opt_anomaly_name(a);
}

TEST(TcpWire, TheFirstCopyCountsAndTheClampIsFourteen) {
  tern_tcp_repr r;
  ASSERT_EQ(ParseRc(WithOptions({2, 4, 5, 0xb4, 2, 4, 0, 1}, TERN_TCP_SYN), &r),
            0);
  EXPECT_EQ(r.opts.mss, 1460);
  ASSERT_EQ(ParseRc(WithOptions({1, 3, 3, 15}, TERN_TCP_SYN), &r), 0);
  EXPECT_EQ(r.opts.wscale, 14);
  ASSERT_EQ(ParseRc(WithOptions({1, 3, 3, 14}, TERN_TCP_SYN), &r), 0);
  EXPECT_EQ(r.opts.wscale, 14);
  EXPECT_EQ(r.opts.ignored, 0);
}

TEST(TcpWire, SackBlocksAcrossTheWrapAndFourOfThem) {
  tern_tcp_repr r;
  // [0xfffffff0, 0x10) is one block across the wrap: left before right.
  ASSERT_EQ(
      ParseRc(WithOptions({1, 1, 5, 10, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10},
                          TERN_TCP_ACK),
              &r),
      0);
  EXPECT_EQ(r.opts.ignored, 0);
  ASSERT_EQ(r.opts.sack_count, 1);
  EXPECT_EQ(r.opts.sack[0].left, 0xfffffff0u);
  EXPECT_EQ(r.opts.sack[0].right, 0x10u);
  Bytes four = {1, 1, 5, 34};
  for (uint8_t i = 0; i < 8; i++)
    four = Concat(four, {0, 0, 1, (uint8_t)(i * 16)});
  ASSERT_EQ(ParseRc(WithOptions(four, TERN_TCP_ACK), &r), 0);
  ASSERT_EQ(r.opts.sack_count, 4);
  EXPECT_EQ(r.opts.sack[3].left, 0x160u);
  EXPECT_EQ(r.opts.sack[3].right, 0x170u);
  // Emitted back in the same layout.
  Bytes out = Emit(r, kClient, kServer);
  ASSERT_EQ(out.size(), 20u + four.size());
  EXPECT_EQ(Bytes(out.begin() + 20, out.end()), four);
}

TEST(TcpWire, TimestampsAfterTwoNopsThenSackBlocks) {
  // What every segment of a bulk transfer with timestamps and SACK
  // carries, read by the shortcut for the first 12 bytes and the walk for
  // the rest: the same values either way.
  tern_tcp_repr r;
  const Bytes opts = {1,    1,    8,    10,   0x11, 0x22, 0x33, 0x44,
                      0x55, 0x66, 0x77, 0x88, 1,    1,    5,    10,
                      0,    0,    0,    0x20, 0,    0,    0,    0x30};
  ASSERT_EQ(ParseRc(WithOptions(opts, TERN_TCP_ACK), &r), 0);
  EXPECT_EQ(r.opts.present, TERN_TCP_HAS_TIMESTAMP | TERN_TCP_HAS_SACK);
  EXPECT_EQ(r.opts.ignored, 0);
  EXPECT_EQ(r.opts.ts_val, 0x11223344u);
  EXPECT_EQ(r.opts.ts_ecr, 0x55667788u);
  ASSERT_EQ(r.opts.sack_count, 1);
  EXPECT_EQ(r.opts.sack[0].left, 0x20u);
  EXPECT_EQ(r.opts.sack[0].right, 0x30u);
  // The same timestamps without the NOPs in front, walked: the same.
  tern_tcp_repr w;
  ASSERT_EQ(ParseRc(WithOptions({8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                 0x77, 0x88, 0, 0},
                                TERN_TCP_ACK),
                    &w),
            0);
  EXPECT_EQ(w.opts.present, TERN_TCP_HAS_TIMESTAMP);
  EXPECT_EQ(w.opts.ts_val, r.opts.ts_val);
  EXPECT_EQ(w.opts.ts_ecr, r.opts.ts_ecr);
}

TEST(TcpWire, OptionsThatCannotBeEmitted) {
  tern_tcp_opts o = {};
  o.present = TERN_TCP_HAS_WSCALE;
  o.wscale = 15;
  EXPECT_EQ(tern_tcp_options_len(&o), TERN_EINVAL);
  o.wscale = 14;
  EXPECT_EQ(tern_tcp_options_len(&o), 4);
  o.present = TERN_TCP_HAS_SACK;
  o.sack_count = 0;
  EXPECT_EQ(tern_tcp_options_len(&o), TERN_EINVAL);
  o.sack_count = 5;
  EXPECT_EQ(tern_tcp_options_len(&o), TERN_EINVAL);
  o.sack_count = 4;
  EXPECT_EQ(tern_tcp_options_len(&o), 36);
  o.present |= TERN_TCP_HAS_TIMESTAMP;  // 12 + 36 > 40
  EXPECT_EQ(tern_tcp_options_len(&o), TERN_EINVAL);
  uint8_t buf[64];
  memset(buf, 0x77, sizeof buf);
  EXPECT_EQ(tern_tcp_options_emit(&o, buf), TERN_EINVAL);
  EXPECT_EQ(buf[0], 0x77);  // nothing written
  o.sack_count = 3;         // 12 + 28 = 40: the most there is room for
  EXPECT_EQ(tern_tcp_options_len(&o), 40);
  EXPECT_EQ(tern_tcp_options_emit(&o, buf), 40);
  // Without timestamps, SACK-permitted gets two NOPs of its own.
  o = {};
  o.present = TERN_TCP_HAS_SACK_PERM;
  EXPECT_EQ(tern_tcp_options_emit(&o, buf), 4);
  EXPECT_EQ(Bytes(buf, buf + 4), (Bytes{1, 1, 4, 2}));
}

TEST(TcpWire, EmitErrors) {
  tern_tcp_repr r = Parse(B(kSyn), kClient, kServer);
  uint8_t buf[40];
  EXPECT_EQ(tern_tcp_repr_emit(&r, &kClient, &kServer, buf, 39), TERN_ENOSPC);
  EXPECT_EQ(tern_tcp_repr_emit(&r, &kClient, &kServer, buf, 40), 40);
  r.opts.wscale = 15;
  EXPECT_EQ(tern_tcp_repr_emit(&r, &kClient, &kServer, buf, 40), TERN_EINVAL);
  r = Parse(B(kAck), kClient, kServer);
  static uint8_t big[70000];
  r.payload = big + 1000;
  r.payload_len = 65535 - 20 - 32 + 1;
  EXPECT_EQ(tern_tcp_repr_emit(&r, &kClient, &kServer, big, sizeof big),
            TERN_EMSGSIZE);
  r.payload_len--;
  EXPECT_EQ(tern_tcp_repr_emit(&r, &kClient, &kServer, big, sizeof big),
            65535 - 20);
}

TEST(TcpWire, EveryDropIsCountedOnce) {
  tern_tcp_rx_stats s = {};
  tern_tcp_repr r;
  Bytes ok = B(kAck);
  Bytes bad_sum = ok;
  bad_sum[16] ^= 1;
  tern_tcp_rx_count(&s, ParseRc(ok, &r), &r.opts);
  tern_tcp_rx_count(&s, ParseRc(Bytes(ok.begin(), ok.begin() + 10), &r), NULL);
  tern_tcp_rx_count(&s, ParseRc(WithOptions({}, 0, 4), &r), NULL);
  tern_tcp_rx_count(&s, ParseRc(bad_sum, &r), NULL);
  tern_tcp_rx_count(&s, ParseRc(WithOptions({2, 0}, TERN_TCP_SYN), &r), NULL);
  EXPECT_EQ(s.accepted, 1u);
  EXPECT_EQ(s.drop[0], 0u);
  EXPECT_EQ(s.drop[-TERN_TCP_DROP_TRUNCATED], 1u);
  EXPECT_EQ(s.drop[-TERN_TCP_DROP_DATA_OFFSET], 1u);
  EXPECT_EQ(s.drop[-TERN_TCP_DROP_CHECKSUM], 1u);
  EXPECT_EQ(s.drop[-TERN_TCP_DROP_OPTION_LENGTH], 1u);
}

// Port 0 is no port (RFC 6335 6): a segment from it or to it is dropped
// (until the `tcp30` branch it parsed, and a listener answered a SYN from
// port 0), counted as TERN_TCP_DROP_PORT.
TEST(TcpWire, PortZeroIsDropped) {
  tern_tcp_rx_stats s = {};
  tern_tcp_repr r;
  auto with_port = [](int at, uint8_t low) {
    Bytes seg = WithOptions({}, TERN_TCP_SYN);
    seg[at] = 0;
    seg[at + 1] = low;
    seg[16] = seg[17] = 0;
    uint16_t sum = tern_tcp_sum(seg.data(), seg.size(), &kClient, &kServer);
    seg[16] = (uint8_t)(sum >> 8);
    seg[17] = (uint8_t)sum;
    return seg;
  };
  for (int at : {0, 2}) {
    int rc = ParseRc(with_port(at, 0), &r);
    EXPECT_EQ(rc, TERN_TCP_DROP_PORT) << at;
    tern_tcp_rx_count(&s, rc, NULL);
    EXPECT_EQ(ParseRc(with_port(at, 1), &r), 0) << at;  // port 1 is a port
  }
  EXPECT_EQ(s.drop[-TERN_TCP_DROP_PORT], 2u);
  EXPECT_STREQ(tern_tcp_drop_name(TERN_TCP_DROP_PORT), "port 0");
}

// SEG.LEN of the captured segments, checked against the next sequence
// number each side used (tshark's relative numbers).
TEST(TcpWire, SegLenCountsSynAndFin) {
  const struct {
    Bytes seg;
    tern_ip_addr src, dst;
    uint32_t len;
  } cases[] = {
      {B(kSyn), kClient, kServer, 1},     // Seq=0, then 1
      {B(kSynAck), kServer, kClient, 1},  // Seq=0, then 1
      {B(kAck), kClient, kServer, 0},     // Seq=1, the data's Seq=1
      {Concat(B(kData1Header), DataTxt(0, 1448)), kClient, kServer, 1448},
      {B(kFin), kClient, kServer, 1},  // Seq=40961, ACKed as 40962
      {B(kRstAck), kServer, kClient, 0},
  };
  for (const auto &c : cases) {
    tern_tcp_repr r = Parse(c.seg, c.src, c.dst);
    EXPECT_EQ(tern_tcp_seg_len(r.flags, r.payload_len), c.len);
  }
  // The FIN's sequence number plus its SEG.LEN is what the server's
  // FIN-ACK acknowledges.
  tern_tcp_repr fin = Parse(B(kFin), kClient, kServer);
  tern_tcp_repr fin_ack = Parse(B(kFinAck), kServer, kClient);
  EXPECT_EQ(fin.seq + tern_tcp_seg_len(fin.flags, 0), fin_ack.ack);
  // The SYN's and the SYN-ACK's likewise.
  tern_tcp_repr syn = Parse(B(kSyn), kClient, kServer);
  tern_tcp_repr syn_ack = Parse(B(kSynAck), kServer, kClient);
  EXPECT_EQ(syn.seq + tern_tcp_seg_len(syn.flags, 0), syn_ack.ack);
  EXPECT_EQ(tern_tcp_seg_len(TERN_TCP_SYN | TERN_TCP_FIN, 10), 12u);
}

// Linux's handshake of tcp_linux.pcap: both SYNs carry everything.
TEST(TcpWire, NegotiatesWhatBothSynsOffered) {
  tern_tcp_repr syn = Parse(B(kSyn), kClient, kServer);
  tern_tcp_repr syn_ack = Parse(B(kSynAck), kServer, kClient);
  tern_tcp_negotiated n;
  tern_tcp_negotiate(&syn.opts, &syn_ack.opts, TERN_IP_V4, 0, &n);
  EXPECT_EQ(n.mss, 1460);
  EXPECT_EQ(n.snd_shift, 10);
  EXPECT_EQ(n.rcv_shift, 10);
  EXPECT_TRUE(n.sack);
  EXPECT_TRUE(n.timestamps);
  // Scaled by the shift the SYN-ACK gave: the client's first ACK offers
  // 63 << 10 = 64512 bytes, tshark's figure.
  tern_tcp_repr ack = Parse(B(kAck), kClient, kServer);
  EXPECT_EQ((uint32_t)ack.window << n.rcv_shift, 64512u);
  // Our MSS caps theirs.
  tern_tcp_negotiate(&syn.opts, &syn_ack.opts, TERN_IP_V4, 536, &n);
  EXPECT_EQ(n.mss, 536);
  // A peer with no options: the family's default MSS, nothing scaled.
  tern_tcp_opts none = {};
  tern_tcp_negotiate(&syn.opts, &none, TERN_IP_V4, 0, &n);
  EXPECT_EQ(n.mss, TERN_TCP_DEFAULT_MSS4);
  EXPECT_EQ(n.snd_shift + n.rcv_shift + n.sack + n.timestamps, 0);
  tern_tcp_negotiate(&syn.opts, &none, TERN_IP_V6, 0, &n);
  EXPECT_EQ(n.mss, TERN_TCP_DEFAULT_MSS6);
  // A peer announcing an MSS of 0 or 1 is sent segments of the least MSS,
  // never empty or one-byte ones.
  for (uint16_t tiny : {0, 1, 47}) {
    tern_tcp_opts small = {};
    small.present = TERN_TCP_HAS_MSS;
    small.mss = tiny;
    tern_tcp_negotiate(&syn.opts, &small, TERN_IP_V4, 0, &n);
    EXPECT_EQ(n.mss, TERN_TCP_MIN_MSS) << tiny;
  }
  // Window scale from one side only: neither shift applies (RFC 7323 2.2).
  tern_tcp_opts ws_only = {};
  ws_only.present = TERN_TCP_HAS_WSCALE;
  ws_only.wscale = 7;
  tern_tcp_opts ours = syn.opts;
  ours.present &= (uint8_t)~TERN_TCP_HAS_WSCALE;
  tern_tcp_negotiate(&ours, &ws_only, TERN_IP_V4, 0, &n);
  EXPECT_EQ(n.snd_shift, 0);
  EXPECT_EQ(n.rcv_shift, 0);
}

// Linux's SYN-ACK rebuilt: what the server would offer, answering the SYN.
TEST(TcpWire, SynAckOffersOnlyWhatTheSynCarried) {
  tern_tcp_repr syn = Parse(B(kSyn), kClient, kServer);
  tern_tcp_repr want = Parse(B(kSynAck), kServer, kClient);  // its fields
  tern_tcp_opts all = want.opts;
  all.ts_ecr = 0;  // filled from the SYN
  tern_tcp_repr reply = want;
  tern_tcp_synack_opts(&all, &syn.opts, &reply.opts);
  EXPECT_EQ(Emit(reply, kServer, kClient), B(kSynAck));
  // A SYN with nothing but MSS gets nothing but MSS back.
  tern_tcp_opts mss_only = {};
  mss_only.present = TERN_TCP_HAS_MSS;
  mss_only.mss = 1000;
  tern_tcp_opts out;
  tern_tcp_synack_opts(&all, &mss_only, &out);
  EXPECT_EQ(out.present, TERN_TCP_HAS_MSS);
  EXPECT_EQ(out.mss, 1460);
  // MSS is sent even to a SYN without one.
  tern_tcp_opts none = {};
  tern_tcp_synack_opts(&all, &none, &out);
  EXPECT_EQ(out.present, TERN_TCP_HAS_MSS);
}

TEST(TcpWire, MssForMtu) {
  EXPECT_EQ(tern_tcp_mss_for_mtu(1500, TERN_IP_V4), 1460);
  EXPECT_EQ(tern_tcp_mss_for_mtu(1500, TERN_IP_V6), 1440);
  EXPECT_EQ(tern_tcp_mss_for_mtu(576, TERN_IP_V4), TERN_TCP_DEFAULT_MSS4);
  EXPECT_EQ(tern_tcp_mss_for_mtu(1280, TERN_IP_V6), TERN_TCP_DEFAULT_MSS6 + 0);
  EXPECT_EQ(tern_tcp_mss_for_mtu(40, TERN_IP_V4), 0);
  EXPECT_EQ(tern_tcp_mss_for_mtu(100000, TERN_IP_V4), 0xffff);
}

TEST(TcpWire, Names) {
  for (int r = 0; r > -TERN_TCP_DROP_COUNT; r--)
    EXPECT_STRNE(tern_tcp_drop_name(r), "unknown") << r;
  EXPECT_STREQ(tern_tcp_drop_name(-TERN_TCP_DROP_COUNT), "unknown");
  for (int a = 0; a < TERN_TCP_OPT_ANOMALY_COUNT; a++)
    EXPECT_STRNE(tern_tcp_opt_anomaly_name(a), "unknown") << a;
  EXPECT_STREQ(tern_tcp_opt_anomaly_name(TERN_TCP_OPT_ANOMALY_COUNT),
               "unknown");
}

}  // namespace
