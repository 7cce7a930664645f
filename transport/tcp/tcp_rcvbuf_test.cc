// The receive ring: in-order data across the ring's and the sequence
// space's wrap, old and out-of-window data cut, held ranges merged and
// reported most recent first, the bound on ranges; and a randomized run
// against a model (segments cut, reordered and duplicated at random, read
// in random chunks) that must give back the stream byte for byte.
#include "tern/tcp_rcvbuf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "tern/err.h"
#include "tern/tcp_seq.h"

// Found by argument lookup: the global namespace, the struct's.
static bool operator==(const tern_tcp_sack_block &a,
                       const tern_tcp_sack_block &b) {
  return a.left == b.left && a.right == b.right;
}

static void PrintTo(const tern_tcp_sack_block &b, std::ostream *os) {
  *os << "[" << b.left << ", " << b.right << ")";
}

namespace {

using Bytes = std::vector<uint8_t>;

Bytes Stream(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; i++)
    b[i] = (uint8_t)(i * 7 + i / 251);
  return b;
}

struct Rb {
  explicit Rb(uint32_t cap, uint32_t irs) : ring(cap) {
    EXPECT_EQ(tern_tcp_rcvbuf_init(&rb, ring.data(), cap, irs), 0);
  }
  int Put(uint32_t seq, const Bytes &s, size_t from, size_t len) {
    return tern_tcp_rcvbuf_put(&rb, seq, s.data() + from, len);
  }
  Bytes Read(size_t n) {
    Bytes out(n);
    out.resize(tern_tcp_rcvbuf_read(&rb, out.data(), n));
    return out;
  }
  std::vector<tern_tcp_sack_block> Sack() {
    tern_tcp_sack_block b[TERN_TCP_RCVBUF_RANGES];
    unsigned n = tern_tcp_rcvbuf_sack(&rb, b, TERN_TCP_RCVBUF_RANGES);
    return std::vector<tern_tcp_sack_block>(b, b + n);
  }
  Bytes ring;
  tern_tcp_rcvbuf rb;
};

TEST(TcpRcvbuf, InitRefusals) {
  tern_tcp_rcvbuf rb;
  uint8_t ring[4];
  EXPECT_EQ(tern_tcp_rcvbuf_init(&rb, nullptr, 4, 0), TERN_EINVAL);
  EXPECT_EQ(tern_tcp_rcvbuf_init(&rb, ring, 0, 0), TERN_EINVAL);
  EXPECT_EQ(tern_tcp_rcvbuf_init(&rb, ring, TERN_TCP_RCVBUF_MAX + 1, 0),
            TERN_EINVAL);
  EXPECT_EQ(tern_tcp_rcvbuf_init(&rb, ring, 4, 0xffffffffu), 0);
  EXPECT_EQ(rb.rcv_nxt, 0u);  // after the SYN, across the wrap
  EXPECT_EQ(tern_tcp_rcvbuf_window(&rb), 4u);
}

TEST(TcpRcvbuf, EmptyCallsTakeNullBuffers) {
  Rb r(10, 0);
  EXPECT_EQ(tern_tcp_rcvbuf_read(&r.rb, nullptr, 0), 0u);
  EXPECT_EQ(tern_tcp_rcvbuf_read(&r.rb, nullptr, 5), 0u);  // nothing unread
  EXPECT_EQ(tern_tcp_rcvbuf_put(&r.rb, 1, nullptr, 0), 0);
  EXPECT_EQ(tern_tcp_rcvbuf_sack(&r.rb, nullptr, 0), 0u);
  EXPECT_EQ(tern_tcp_rcvbuf_sack(&r.rb, nullptr, 3), 0u);  // nothing held
}

TEST(TcpRcvbuf, InOrderAcrossBothWraps) {
  const uint32_t irs = 0xffffffe0u;  // RCV.NXT 0xffffffe1
  Rb r(100, irs);
  Bytes s = Stream(1000);
  uint32_t seq = irs + 1;
  Bytes got;
  for (size_t at = 0; at < s.size(); at += 30) {
    size_t n = std::min<size_t>(30, s.size() - at);
    EXPECT_EQ(r.Put(seq, s, at, n), (int)n);
    seq += (uint32_t)n;
    EXPECT_EQ(r.rb.rcv_nxt, seq);
    EXPECT_EQ(tern_tcp_rcvbuf_window(&r.rb), 100u - n);
    Bytes chunk = r.Read(1000);
    got.insert(got.end(), chunk.begin(), chunk.end());
    EXPECT_EQ(tern_tcp_rcvbuf_window(&r.rb), 100u);
  }
  EXPECT_EQ(got, s);
}

// The unread bytes in place: each view is the first contiguous run (it
// stops at the ring's end), consuming frees exactly what it is told and
// the window grows as a read's would; the views give back the stream.
TEST(TcpRcvbuf, PeekAndConsumeInPlaceAcrossTheWrap) {
  Rb r(100, 0xffffffe0u);
  uint32_t len = 1;
  EXPECT_EQ(tern_tcp_rcvbuf_peek(&r.rb, &len), r.ring.data());
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(tern_tcp_rcvbuf_consume(&r.rb, 0), 0);
  EXPECT_EQ(tern_tcp_rcvbuf_consume(&r.rb, 1), TERN_ERANGE);
  Bytes s = Stream(1000), got;
  uint32_t seq = 0xffffffe1u;
  size_t put = 0, views_cut = 0;
  while (got.size() < s.size()) {
    size_t n = std::min<size_t>(tern_tcp_rcvbuf_window(&r.rb), s.size() - put);
    n = std::min<size_t>(n, 37);
    EXPECT_EQ(r.Put(seq, s, put, n), (int)n);
    seq += (uint32_t)n;
    put += n;
    const uint8_t *p = tern_tcp_rcvbuf_peek(&r.rb, &len);
    ASSERT_GT(len, 0u);
    ASSERT_GE(p, r.ring.data());
    ASSERT_LE(p + len, r.ring.data() + r.ring.size()) << "past the ring";
    ASSERT_LE(len, r.rb.unread);
    views_cut += len < r.rb.unread;
    EXPECT_EQ(tern_tcp_rcvbuf_consume(&r.rb, r.rb.unread + 1), TERN_ERANGE);
    // Take about half of the view, so the views straddle the ring's end.
    uint32_t take = len / 2 + 1;
    got.insert(got.end(), p, p + take);
    uint32_t window = tern_tcp_rcvbuf_window(&r.rb);
    ASSERT_EQ(tern_tcp_rcvbuf_consume(&r.rb, take), 0);
    EXPECT_EQ(tern_tcp_rcvbuf_window(&r.rb), window + take);
  }
  EXPECT_EQ(got, s);
  EXPECT_GT(views_cut, 0u) << "some views stopped at the ring's end";
}

TEST(TcpRcvbuf, OldDataAndDataPastTheWindowAreCut) {
  Rb r(50, 999);  // RCV.NXT 1000, window [1000, 1050)
  Bytes s = Stream(200);
  EXPECT_EQ(r.Put(1000, s, 0, 20), 20);
  EXPECT_EQ(r.Put(990, s, 0, 20), 0);  // all old
  // 10 old bytes, then 15 new: only the new are taken.
  EXPECT_EQ(r.Put(1010, s, 10, 25), 15);
  EXPECT_EQ(r.rb.rcv_nxt, 1035u);
  // The window is now [1035, 1050): 40 bytes offered, 15 taken.
  EXPECT_EQ(r.Put(1035, s, 35, 40), 15);
  EXPECT_EQ(tern_tcp_rcvbuf_window(&r.rb), 0u);
  EXPECT_EQ(r.Put(1050, s, 50, 10), 0);  // a closed window
  EXPECT_EQ(r.Read(100), Bytes(s.begin(), s.begin() + 50));
  // Far outside either way: nothing.
  EXPECT_EQ(r.Put(1050 + 0x80000000u, s, 0, 10), 0);
  EXPECT_EQ(r.Put(1050 + 50, s, 0, 10), 0);
  EXPECT_EQ(r.rb.nranges, 0u);
}

TEST(TcpRcvbuf, HeldRangesJoinAndAreReportedMostRecentFirst) {
  Rb r(1000, 0);  // RCV.NXT 1
  Bytes s = Stream(1000);
  auto put = [&](uint32_t from, uint32_t to) {
    return r.Put(1 + from, s, from, to - from);
  };
  EXPECT_EQ(put(100, 200), 0);
  EXPECT_EQ(put(300, 400), 0);
  EXPECT_EQ(put(500, 600), 0);
  std::vector<tern_tcp_sack_block> want = {{501, 601}, {301, 401}, {101, 201}};
  EXPECT_EQ(r.Sack(), want);
  EXPECT_EQ(tern_tcp_rcvbuf_window(&r.rb), 1000u);  // nothing readable yet
  // Touching the first joins it; it moves to the front.
  EXPECT_EQ(put(200, 250), 0);
  want = {{101, 251}, {501, 601}, {301, 401}};
  EXPECT_EQ(r.Sack(), want);
  // Bridging two joins both.
  EXPECT_EQ(put(240, 310), 0);
  want = {{101, 401}, {501, 601}};
  EXPECT_EQ(r.Sack(), want);
  // A duplicate inside a range changes nothing but the order.
  EXPECT_EQ(put(520, 530), 0);
  want = {{501, 601}, {101, 401}};
  EXPECT_EQ(r.Sack(), want);
  // The hole at RCV.NXT filled: the first range becomes readable.
  EXPECT_EQ(put(0, 100), 400);
  EXPECT_EQ(r.rb.rcv_nxt, 401u);
  want = {{501, 601}};
  EXPECT_EQ(r.Sack(), want);
  EXPECT_EQ(put(400, 500), 200);
  EXPECT_TRUE(r.Sack().empty());
  EXPECT_EQ(r.Read(1000), Bytes(s.begin(), s.begin() + 600));
  // sack() with a smaller max gives the most recent ones.
  put(700, 710);
  put(800, 810);
  tern_tcp_sack_block one[1];
  ASSERT_EQ(tern_tcp_rcvbuf_sack(&r.rb, one, 1), 1u);
  EXPECT_EQ(one[0].left, 801u);
}

TEST(TcpRcvbuf, OneRangeTooManyIsNotKept) {
  Rb r(1000, 0);
  Bytes s = Stream(1000);
  for (uint32_t i = 0; i < TERN_TCP_RCVBUF_RANGES; i++)
    EXPECT_EQ(r.Put(1 + 100 * (i + 1), s, 100 * (i + 1), 10), 0);
  EXPECT_EQ(r.Put(1 + 900, s, 900, 10), TERN_ENOMEM);
  EXPECT_EQ(r.rb.nranges, TERN_TCP_RCVBUF_RANGES);
  // Joining a held range still works when full.
  EXPECT_EQ(r.Put(1 + 110, s, 110, 10), 0);
  EXPECT_EQ(r.rb.ranges[0].right, 121u);
  // Filling from RCV.NXT frees them.
  EXPECT_EQ(r.Put(1, s, 0, 120), 120);
  EXPECT_EQ(r.rb.nranges, TERN_TCP_RCVBUF_RANGES - 1);
  EXPECT_EQ(r.Put(1 + 900, s, 900, 10), 0);
}

// Random segments of a stream, duplicated and reordered, with a window
// that moves as a reader takes random chunks: the bytes read are the
// stream, the ranges keep their invariants, RCV.NXT never passes what was
// sent.
TEST(TcpRcvbuf, RandomArrivalsGiveBackTheStream) {
  uint32_t refused = 0, joined_holes = 0, full = 0;
  for (uint32_t seed = 1; seed <= 200; seed++) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    const uint32_t cap = 64 + rng() % 2000;
    const uint32_t irs = rng();
    Rb r(cap, irs);
    Bytes s = Stream(20000 + rng() % 5000);
    Bytes got;
    const uint32_t base = irs + 1;
    while (got.size() < s.size()) {
      // A segment somewhere from what was read to a little past the
      // window (the sender's view may be stale), sometimes at RCV.NXT.
      uint32_t have = r.rb.rcv_nxt - base;
      uint32_t from =
          (rng() % 4 == 0) ? have : (uint32_t)got.size() + rng() % (cap + 200);
      if (from >= s.size())
        continue;
      uint32_t len = 1 + rng() % 600;
      len = std::min<uint32_t>(len, (uint32_t)s.size() - from);
      uint32_t nxt_before = r.rb.rcv_nxt;
      unsigned held = r.rb.nranges;
      int rc = r.Put(base + from, s, from, len);
      ASSERT_TRUE(rc >= 0 || rc == TERN_ENOMEM);
      refused += rc == TERN_ENOMEM;
      joined_holes += rc > 0 && r.rb.nranges < held;
      full += r.rb.nranges == TERN_TCP_RCVBUF_RANGES;
      EXPECT_EQ(r.rb.rcv_nxt - nxt_before, rc > 0 ? (uint32_t)rc : 0u);
      ASSERT_LE(r.rb.rcv_nxt - base, s.size());
      ASSERT_LE(r.rb.unread, cap);
      // Ranges: non-empty, beyond RCV.NXT without touching it, inside the
      // window, disjoint and not touching each other.
      ASSERT_LE(r.rb.nranges, TERN_TCP_RCVBUF_RANGES);
      uint32_t edge = r.rb.rcv_nxt + tern_tcp_rcvbuf_window(&r.rb);
      for (unsigned i = 0; i < r.rb.nranges; i++) {
        const tern_tcp_sack_block &b = r.rb.ranges[i];
        ASSERT_TRUE(tern_seq_lt(b.left, b.right));
        ASSERT_TRUE(tern_seq_gt(b.left, r.rb.rcv_nxt));
        ASSERT_TRUE(tern_seq_le(b.right, edge));
        for (unsigned j = i + 1; j < r.rb.nranges; j++) {
          const tern_tcp_sack_block &c = r.rb.ranges[j];
          ASSERT_TRUE(tern_seq_lt(b.right, c.left) ||
                      tern_seq_lt(c.right, b.left));
        }
      }
      if (rng() % 3 == 0) {
        Bytes chunk = r.Read(rng() % (cap + 1));
        got.insert(got.end(), chunk.begin(), chunk.end());
      }
    }
    ASSERT_EQ(got, s);
  }
  // The runs went where the test means them to: full tables, refusals,
  // holes filled that released held ranges.
  EXPECT_GT(refused, 20u);  // 54 when written
  EXPECT_GT(full, 200u);    // 589
  EXPECT_GT(joined_holes, 1000u);
}

}  // namespace
