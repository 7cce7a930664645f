#include "tern/slip_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "link/slip/slip_test_vectors.h"

namespace {

using tern_slip_test::B;
using tern_slip_test::Bytes;
using tern_slip_test::kFrameRx;
using tern_slip_test::kFrameTx;
using tern_slip_test::kPeerTx;
using tern_slip_test::kSlirpRx;

// Decodes a whole stream, feeding it in chunks of the given size (0: all
// at once); returns the frames delivered.
std::vector<Bytes> DecodeAll(tern_slip_decoder *dec, const Bytes &in,
                             size_t chunk = 0) {
  std::vector<Bytes> frames;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t n = in.size() - pos;
    if (chunk != 0 && n > chunk)
      n = chunk;
    // Each chunk may hold several frames: feed until it is consumed.
    size_t off = 0;
    while (off < n) {
      size_t frame_len = 99;
      size_t used = tern_slip_decoder_feed(dec, in.data() + pos + off, n - off,
                                           &frame_len);
      EXPECT_GE(used, 1u);
      EXPECT_LE(used, n - off);
      off += used;
      if (frame_len > 0) {
        const uint8_t *f = tern_slip_decoder_frame(dec);
        frames.emplace_back(f, f + frame_len);
      } else {
        EXPECT_EQ(off, n);  // no frame: everything consumed
      }
    }
    pos += n;
  }
  return frames;
}

Bytes Encode(const Bytes &pkt) {
  Bytes out(TERN_SLIP_ENCODED_MAX(pkt.size()));
  int n = tern_slip_encode(out.data(), out.size(), pkt.data(), pkt.size());
  EXPECT_GE(n, 0);
  out.resize(n < 0 ? 0 : (size_t)n);
  return out;
}

bool StatsEqual(const tern_slip_stats &a, const tern_slip_stats &b) {
  return a.frames == b.frames && a.bytes == b.bytes && a.empty == b.empty &&
         a.oversize == b.oversize && a.bad_escape == b.bad_escape;
}

TEST(SlipDecode, SlirpStream) {
  uint8_t buf[1500];
  tern_slip_decoder dec;
  tern_slip_decoder_init(&dec, buf, sizeof buf);
  auto frames = DecodeAll(&dec, B(kSlirpRx, sizeof kSlirpRx));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], B(kFrameRx, sizeof kFrameRx));
  EXPECT_EQ(dec.stats.frames, 1u);
  EXPECT_EQ(dec.stats.bytes, sizeof kFrameRx);
  EXPECT_EQ(dec.stats.empty, 0u);
  EXPECT_EQ(dec.stats.oversize + dec.stats.bad_escape, 0u);
}

TEST(SlipDecode, PeerStream) {
  uint8_t buf[1500];
  tern_slip_decoder dec;
  tern_slip_decoder_init(&dec, buf, sizeof buf);
  auto frames = DecodeAll(&dec, B(kPeerTx, sizeof kPeerTx));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], B(kFrameTx, sizeof kFrameTx));
  EXPECT_EQ(dec.stats.empty, 1u);  // the leading END
}

TEST(SlipEncode, MatchesThePeersBytes) {
  EXPECT_EQ(Encode(B(kFrameTx, sizeof kFrameTx)), B(kPeerTx, sizeof kPeerTx));
}

TEST(SlipEncode, MatchesSlirpPlusALeadingEnd) {
  // slirp sends no leading END; we do (RFC 1055's advice). The rest is
  // byte for byte what slirp sent.
  Bytes want = {TERN_SLIP_END};
  want.insert(want.end(), kSlirpRx, kSlirpRx + sizeof kSlirpRx);
  EXPECT_EQ(Encode(B(kFrameRx, sizeof kFrameRx)), want);
  EXPECT_EQ(tern_slip_encoded_len(kFrameRx, sizeof kFrameRx), want.size());
}

TEST(SlipEncode, EmptyPacketAndSpecials) {
  EXPECT_EQ(Encode({}), (Bytes{0xc0, 0xc0}));
  EXPECT_EQ(Encode({0xc0, 0xdb, 0xdc, 0xdd}),
            (Bytes{0xc0, 0xdb, 0xdc, 0xdb, 0xdd, 0xdc, 0xdd, 0xc0}));
}

TEST(SlipEncode, NoSpaceWritesNothing) {
  size_t need = sizeof kPeerTx;
  Bytes out(need, 0xa5);
  EXPECT_EQ(tern_slip_encode(out.data(), need - 1, kFrameTx, sizeof kFrameTx),
            TERN_ENOSPC);
  EXPECT_EQ(out, Bytes(need, 0xa5));
  EXPECT_EQ(tern_slip_encode(out.data(), 0, kFrameTx, 0), TERN_ENOSPC);
  EXPECT_EQ(tern_slip_encode(out.data(), need, kFrameTx, sizeof kFrameTx),
            (int)need);
  EXPECT_EQ(tern_slip_encode(nullptr, 0, nullptr, SIZE_MAX / 2), TERN_EMSGSIZE);
}

// Streaming through a small buffer gives the same bytes as one encode, and
// each fill is full until the last.
TEST(SlipEncode, IncrementalEqualsWhole) {
  Bytes pkt = B(kFrameTx, sizeof kFrameTx);
  pkt.push_back(0xc0);  // an escape pair split at the very end, too
  Bytes whole = Encode(pkt);
  for (size_t cap = 1; cap <= 9; cap++) {
    tern_slip_encoder enc;
    tern_slip_encoder_start(&enc, pkt.data(), pkt.size());
    Bytes got;
    uint8_t uart[9];
    for (;;) {
      size_t n = tern_slip_encoder_fill(&enc, uart, cap);
      got.insert(got.end(), uart, uart + n);
      if (n < cap)
        break;
      ASSERT_LE(got.size(), whole.size()) << cap;
    }
    EXPECT_TRUE(tern_slip_encoder_done(&enc));
    EXPECT_EQ(tern_slip_encoder_fill(&enc, uart, cap), 0u);
    EXPECT_EQ(got, whole) << "cap " << cap;
  }
}

TEST(SlipEncode, DoneOnlyAfterTheTrailingEnd) {
  const uint8_t pkt[] = {0x01, 0xdb};
  tern_slip_encoder enc;
  tern_slip_encoder_start(&enc, pkt, sizeof pkt);
  uint8_t out[8];
  EXPECT_EQ(tern_slip_encoder_fill(&enc, out, 4), 4u);  // c0 01 db dd
  EXPECT_FALSE(tern_slip_encoder_done(&enc));
  EXPECT_EQ(tern_slip_encoder_fill(&enc, out, 0), 0u);
  EXPECT_FALSE(tern_slip_encoder_done(&enc));
  EXPECT_EQ(tern_slip_encoder_fill(&enc, out, 8), 1u);
  EXPECT_EQ(out[0], 0xc0);
  EXPECT_TRUE(tern_slip_encoder_done(&enc));
}

// Both captured streams, noise and bad frames between them: byte at a
// time, in odd chunks and all at once give the same frames and stats.
TEST(SlipDecode, ChunkingDoesNotMatter) {
  Bytes in = B(kPeerTx, sizeof kPeerTx);
  Bytes bad = {0x11, 0xdb, 0x41, 0x22, 0xc0, 0xc0, 0xc0, 0x33, 0xdb, 0xc0};
  in.insert(in.end(), bad.begin(), bad.end());
  in.insert(in.end(), kSlirpRx, kSlirpRx + sizeof kSlirpRx);
  in.insert(in.end(), kPeerTx, kPeerTx + sizeof kPeerTx);
  in.push_back(0x44);  // a frame that never ends
  std::vector<Bytes> want;
  tern_slip_stats want_stats{};
  for (size_t chunk : {0, 1, 2, 3, 7, 64}) {
    uint8_t buf[100];
    tern_slip_decoder dec;
    tern_slip_decoder_init(&dec, buf, sizeof buf);
    auto frames = DecodeAll(&dec, in, chunk);
    if (chunk == 0) {
      want = frames;
      want_stats = dec.stats;
      ASSERT_EQ(frames.size(), 3u);
      EXPECT_EQ(frames[0], B(kFrameTx, sizeof kFrameTx));
      EXPECT_EQ(frames[1], B(kFrameRx, sizeof kFrameRx));
      EXPECT_EQ(frames[2], B(kFrameTx, sizeof kFrameTx));
      EXPECT_EQ(dec.stats.bad_escape, 2u);  // db 41, db c0
      EXPECT_EQ(dec.stats.empty, 4u);       // leading c0 x2, c0 c0 x2
      continue;
    }
    EXPECT_EQ(frames, want) << chunk;
    EXPECT_TRUE(StatsEqual(dec.stats, want_stats)) << chunk;
  }
}

TEST(SlipDecode, TruncatedFrameWaitsForItsEnd) {
  uint8_t buf[1500];
  tern_slip_decoder dec;
  tern_slip_decoder_init(&dec, buf, sizeof buf);
  size_t frame_len = 99;
  // Up to and including the last ESC, so it dangles at the chunk's end.
  size_t esc = sizeof kSlirpRx - 1;
  while (kSlirpRx[esc] != 0xdb)
    esc--;
  EXPECT_EQ(tern_slip_decoder_feed(&dec, kSlirpRx, esc + 1, &frame_len),
            esc + 1);
  EXPECT_EQ(frame_len, 0u);
  // The rest but the END: still nothing.
  size_t rest = sizeof kSlirpRx - 1 - (esc + 1);
  EXPECT_EQ(tern_slip_decoder_feed(&dec, kSlirpRx + esc + 1, rest, &frame_len),
            rest);
  EXPECT_EQ(frame_len, 0u);
  EXPECT_EQ(dec.stats.frames, 0u);
  const uint8_t end = 0xc0;
  EXPECT_EQ(tern_slip_decoder_feed(&dec, &end, 1, &frame_len), 1u);
  EXPECT_EQ(frame_len, sizeof kFrameRx);
  EXPECT_EQ(B(buf, frame_len), B(kFrameRx, sizeof kFrameRx));
  EXPECT_EQ(dec.stats.frames, 1u);
}

TEST(SlipDecode, FeedStopsAfterEachFrame) {
  uint8_t buf[64];
  tern_slip_decoder dec;
  tern_slip_decoder_init(&dec, buf, sizeof buf);
  const uint8_t in[] = {0xc0, 0x01, 0x02, 0xc0, 0xc0, 0x03, 0xc0, 0x04};
  size_t frame_len;
  EXPECT_EQ(tern_slip_decoder_feed(&dec, in, sizeof in, &frame_len), 4u);
  EXPECT_EQ(B(buf, frame_len), (Bytes{0x01, 0x02}));
  EXPECT_EQ(tern_slip_decoder_feed(&dec, in + 4, 4, &frame_len), 3u);
  EXPECT_EQ(B(buf, frame_len), (Bytes{0x03}));
  EXPECT_EQ(tern_slip_decoder_feed(&dec, in + 7, 1, &frame_len), 1u);
  EXPECT_EQ(frame_len, 0u);
  EXPECT_EQ(dec.stats.empty, 2u);
}

TEST(SlipDecode, OversizeIsDroppedAndResyncs) {
  // A buffer one byte short of the frame, with guard bytes around it.
  uint8_t mem[sizeof kFrameRx + 8];
  memset(mem, 0xa5, sizeof mem);
  tern_slip_decoder dec;
  tern_slip_decoder_init(&dec, mem + 4, sizeof kFrameRx - 1);
  Bytes in = B(kSlirpRx, sizeof kSlirpRx);
  const uint8_t small[] = {0x45, 0xdb, 0xdc, 0x00, 0xc0};
  in.insert(in.end(), small, small + sizeof small);
  auto frames = DecodeAll(&dec, in);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Bytes{0x45, 0xc0, 0x00}));
  EXPECT_EQ(dec.stats.oversize, 1u);
  EXPECT_EQ(dec.stats.frames, 1u);
  for (size_t i = 0; i < 4; i++)
    EXPECT_EQ(mem[i], 0xa5) << i;
  for (size_t i = 4 + sizeof kFrameRx - 1; i < sizeof mem; i++)
    EXPECT_EQ(mem[i], 0xa5) << i;
  // Exactly the capacity fits.
  tern_slip_decoder_init(&dec, mem + 4, sizeof kFrameRx);
  frames = DecodeAll(&dec, B(kSlirpRx, sizeof kSlirpRx));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], B(kFrameRx, sizeof kFrameRx));
}

TEST(SlipDecode, NoBufferDropsEverything) {
  tern_slip_decoder dec;
  tern_slip_decoder_init(&dec, nullptr, 0);
  auto frames = DecodeAll(&dec, B(kPeerTx, sizeof kPeerTx));
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(dec.stats.oversize, 1u);
}

TEST(SlipDecode, BadEscapesAreDroppedAndCounted) {
  uint8_t buf[64];
  tern_slip_decoder dec;
  tern_slip_decoder_init(&dec, buf, sizeof buf);
  // ESC + 'A' drops the frame up to the next END; ESC + END drops it and
  // the END ends it; the frames around survive.
  const uint8_t in[] = {0x01, 0xc0, 0x02, 0xdb, 0x41, 0x03, 0xdb, 0xdc,
                        0xc0, 0x04, 0xdb, 0xc0, 0x05, 0xdb, 0xdd, 0xc0};
  auto frames = DecodeAll(&dec, B(in, sizeof in));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], (Bytes{0x01}));
  EXPECT_EQ(frames[1], (Bytes{0x05, 0xdb}));
  EXPECT_EQ(dec.stats.bad_escape, 2u);
  EXPECT_EQ(dec.stats.frames, 2u);
  EXPECT_EQ(dec.stats.bytes, 3u);
  EXPECT_EQ(dec.stats.empty, 0u);
}

TEST(SlipDecode, SetBufferCarriesAFrameInProgress) {
  uint8_t a[8], b[8], tiny[1];
  tern_slip_decoder dec;
  tern_slip_decoder_init(&dec, a, sizeof a);
  const uint8_t part1[] = {0xc0, 0x01, 0x02};
  const uint8_t part2[] = {0x03, 0xc0};
  size_t frame_len;
  tern_slip_decoder_feed(&dec, part1, sizeof part1, &frame_len);
  tern_slip_decoder_set_buffer(&dec, b, sizeof b);
  EXPECT_EQ(tern_slip_decoder_feed(&dec, part2, sizeof part2, &frame_len), 2u);
  EXPECT_EQ(B(b, frame_len), (Bytes{0x01, 0x02, 0x03}));
  // A partial frame that does not fit the new buffer is dropped.
  tern_slip_decoder_feed(&dec, part1, sizeof part1, &frame_len);
  tern_slip_decoder_set_buffer(&dec, tiny, sizeof tiny);
  tern_slip_decoder_feed(&dec, part2, sizeof part2, &frame_len);
  EXPECT_EQ(frame_len, 0u);
  EXPECT_EQ(dec.stats.oversize, 1u);
  const uint8_t next[] = {0x09, 0xc0};
  tern_slip_decoder_feed(&dec, next, sizeof next, &frame_len);
  EXPECT_EQ(B(tiny, frame_len), (Bytes{0x09}));
}

// Random packets heavy in END/ESC bytes survive encode -> decode, in a
// stream of many frames fed in random chunks.
TEST(SlipCodec, RandomRoundTrip) {
  std::mt19937 rng(1055);
  const uint8_t specials[] = {0xc0, 0xdb, 0xdc, 0xdd};
  std::vector<Bytes> pkts;
  Bytes stream;
  for (int i = 0; i < 300; i++) {
    Bytes p(1 + rng() % 300);
    for (auto &b : p)
      b = (rng() % 3 == 0) ? specials[rng() % 4] : (uint8_t)rng();
    Bytes e = Encode(p);
    EXPECT_EQ(e.size(), tern_slip_encoded_len(p.data(), p.size()));
    stream.insert(stream.end(), e.begin(), e.end());
    pkts.push_back(p);
  }
  uint8_t buf[300];
  tern_slip_decoder dec;
  tern_slip_decoder_init(&dec, buf, sizeof buf);
  auto frames = DecodeAll(&dec, stream, 1 + rng() % 50);
  EXPECT_EQ(frames, pkts);
  EXPECT_EQ(dec.stats.empty, 300u);  // each frame's leading END
}

// The example in README.md, compiled and run here.
static int delivered;
static void handle_packet(const uint8_t *pkt, size_t len) {
  (void)pkt;
  delivered += (int)len;
}

// README-BEGIN
static uint8_t rx_frame[1500];  // the largest packet accepted (MRU)
static tern_slip_decoder rx;

void on_uart_bytes(const uint8_t *in, size_t n) {
  while (n > 0) {
    size_t frame_len;
    size_t used = tern_slip_decoder_feed(&rx, in, n, &frame_len);
    in += used;
    n -= used;
    if (frame_len > 0) {
      handle_packet(tern_slip_decoder_frame(&rx), frame_len);
    }
  }
}

// Sending through a 16-byte UART FIFO, a piece at a time.
size_t send_some(tern_slip_encoder *tx, uint8_t fifo[16]) {
  return tern_slip_encoder_fill(tx, fifo, 16);  // 0 once the frame is out
}
// README-END

TEST(SlipCodec, ReadmeExample) {
  tern_slip_decoder_init(&rx, rx_frame, sizeof rx_frame);
  on_uart_bytes(kSlirpRx, sizeof kSlirpRx);
  EXPECT_EQ(delivered, (int)sizeof kFrameRx);
  tern_slip_encoder tx;
  tern_slip_encoder_start(&tx, kFrameTx, sizeof kFrameTx);
  uint8_t fifo[16];
  Bytes wire;
  for (size_t n; (n = send_some(&tx, fifo)) > 0;)
    wire.insert(wire.end(), fifo, fifo + n);
  EXPECT_EQ(wire, B(kPeerTx, sizeof kPeerTx));
}

}  // namespace
