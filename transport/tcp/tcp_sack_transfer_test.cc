// A sender driven by the SACK module moves a byte stream through a lossy
// FIFO link to a receiver built on the receive ring (tcp_rcvbuf), whose
// ACKs carry the SACK blocks the ring reports (RFC 2018 4: the most
// recent first, three of them). Segments and ACKs are dropped from a
// seeded PRNG. The retransmission timer is modelled as "the link is idle
// and data is outstanding"; after it, tern_tcp_sack_next resends from
// SND.UNA in slow start, skipping what is SACKed since. Checked: every byte
// arrives exact, the transfer ends, a loss-free link retransmits nothing, and
// with loss most holes are repaired by SACK recovery rather than by the timer.
#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <vector>

#include "tern/tcp_cc.h"
#include "tern/tcp_rcvbuf.h"
#include "tern/tcp_sack.h"
#include "tern/tcp_seq.h"

namespace {

constexpr uint16_t kMss = 1000;
constexpr uint32_t kStream = 200000;
constexpr uint32_t kRing = 32768;

uint8_t Byte(uint32_t offset) {
  return (uint8_t)(offset * 7 + offset / 251);
}

struct Seg {
  uint32_t seq, len;
};

struct Result {
  bool done = false;
  bool exact = true;
  unsigned recoveries = 0, timeouts = 0, invalid = 0;
  uint64_t retransmitted = 0, dropped = 0;
};

Result Transfer(uint32_t seed, double loss) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution lose(loss);
  Result res;
  const uint32_t iss = rng();
  tern_tcp_cc cc;
  tern_tcp_scoreboard sb;
  tern_tcp_cc_init(&cc, kMss, iss);
  tern_tcp_sack_init(&sb);
  uint32_t una = iss + 1, nxt = iss + 1;
  std::vector<uint8_t> ring(kRing), got;
  tern_tcp_rcvbuf rb;
  if (tern_tcp_rcvbuf_init(&rb, ring.data(), kRing, iss) != 0)
    return res;
  std::deque<Seg> link;
  bool repeated = false;
  uint8_t data[kMss];
  for (long step = 0; step < 5000000 && una != iss + 1 + kStream; step++) {
    // The sender fills cwnd (the peer's window is the ring: the
    // receiving application reads everything at once).
    tern_tcp_sack_seg seg;
    uint32_t inflight = nxt - una;
    uint32_t window = inflight < kRing ? kRing - inflight : 0;
    uint32_t avail = kStream - (nxt - (iss + 1));
    if (avail > window)
      avail = window;
    while (tern_tcp_sack_next(&cc, &sb, una, nxt, avail, &seg)) {
      link.push_back({seg.seq, seg.len});
      tern_tcp_sack_sent(&sb, &cc, &seg);
      if (seg.rule == TERN_TCP_SACK_NEW) {
        nxt += seg.len;
        avail -= seg.len;
      } else {
        res.retransmitted += seg.len;
      }
    }
    if (link.empty()) {
      // Idle with data outstanding: the retransmission timer fires.
      if (una == nxt)
        return res;  // stuck: not done
      res.timeouts++;
      tern_tcp_cc_timeout(&cc, nxt - una, nxt, repeated);
      tern_tcp_sack_timeout(&sb, una);
      repeated = true;
      continue;  // tern_tcp_sack_next resends from SND.UNA
    }
    Seg s = link.front();
    link.pop_front();
    if (lose(rng)) {
      res.dropped++;
      continue;
    }
    for (uint32_t i = 0; i < s.len; i++)
      data[i] = Byte(s.seq - (iss + 1) + i);
    tern_tcp_rcvbuf_put(&rb, s.seq, data, s.len);
    uint8_t out[4096];
    size_t n;
    while ((n = tern_tcp_rcvbuf_read(&rb, out, sizeof out)) > 0)
      got.insert(got.end(), out, out + n);
    if (lose(rng)) {
      res.dropped++;
      continue;  // the ACK is lost
    }
    tern_tcp_sack_block blocks[3];
    unsigned nb = tern_tcp_rcvbuf_sack(&rb, blocks, 3);
    tern_tcp_sack_ack_info a = {una,    rb.rcv_nxt,  nxt,
                                blocks, (uint8_t)nb, true};
    tern_tcp_cc_action act = tern_tcp_sack_ack(&cc, &sb, &a, &seg);
    if (tern_seq_gt(rb.rcv_nxt, una)) {
      una = rb.rcv_nxt;
      repeated = false;
    }
    if (act == TERN_TCP_CC_RETRANSMIT) {
      res.recoveries++;
      link.push_back({seg.seq, seg.len});
      res.retransmitted += seg.len;
    }
  }
  res.invalid = sb.invalid;
  res.done = una == iss + 1 + kStream;
  if (got.size() != kStream) {
    res.exact = false;
  } else {
    for (uint32_t i = 0; i < kStream; i++)
      if (got[i] != Byte(i)) {
        res.exact = false;
        break;
      }
  }
  return res;
}

TEST(TcpSackTransfer, LossFreeRetransmitsNothing) {
  for (uint32_t seed = 1; seed <= 5; seed++) {
    Result r = Transfer(seed, 0.0);
    EXPECT_TRUE(r.done) << seed;
    EXPECT_TRUE(r.exact) << seed;
    EXPECT_EQ(r.retransmitted, 0u) << seed;
    EXPECT_EQ(r.recoveries + r.timeouts, 0u) << seed;
  }
}

TEST(TcpSackTransfer, LossyLinks) {
  for (double loss : {0.01, 0.05, 0.10, 0.30}) {
    unsigned recoveries = 0, timeouts = 0, invalid = 0;
    uint64_t retransmitted = 0, dropped = 0;
    for (uint32_t seed = 1; seed <= 20; seed++) {
      Result r = Transfer(seed, loss);
      ASSERT_TRUE(r.done) << "loss " << loss << " seed " << seed;
      ASSERT_TRUE(r.exact) << "loss " << loss << " seed " << seed;
      recoveries += r.recoveries;
      timeouts += r.timeouts;
      retransmitted += r.retransmitted;
      dropped += r.dropped;
      invalid += r.invalid;
    }
    printf(
        "loss %.2f: 20 x %u bytes, %llu drops, %u SACK recoveries, %u "
        "timeouts, %llu bytes resent, %u blocks refused\n",
        loss, kStream, (unsigned long long)dropped, recoveries, timeouts,
        (unsigned long long)retransmitted, invalid);
    EXPECT_GT(recoveries, 0u);
    if (loss <= 0.05) {
      EXPECT_GT(recoveries, timeouts) << "loss " << loss;
    }
  }
}

}  // namespace
