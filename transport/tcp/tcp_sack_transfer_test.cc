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

#include <algorithm>
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

// The sender under test: SACK recovery (tern_tcp_sack_*) over tern_tcp_cc.
struct SackSender {
  tern_tcp_cc cc;
  tern_tcp_scoreboard sb;
  uint32_t una, nxt;
  bool repeated = false;

  explicit SackSender(uint32_t iss) : una(iss + 1), nxt(iss + 1) {
    tern_tcp_cc_init(&cc, kMss, iss);
    tern_tcp_sack_init(&sb);
  }
  void Fill(std::deque<Seg> *link, uint32_t avail, Result *res) {
    tern_tcp_sack_seg seg;
    while (tern_tcp_sack_next(&cc, &sb, una, nxt, avail, &seg)) {
      link->push_back({seg.seq, seg.len});
      tern_tcp_sack_sent(&sb, &cc, &seg);
      if (seg.rule == TERN_TCP_SACK_NEW) {
        nxt += seg.len;
        avail -= seg.len;
      } else {
        res->retransmitted += seg.len;
      }
    }
  }
  void Ack(uint32_t ack, const tern_tcp_sack_block *blocks, unsigned nb,
           std::deque<Seg> *link, Result *res) {
    tern_tcp_sack_ack_info a = {una, ack, nxt, blocks, (uint8_t)nb, true};
    tern_tcp_sack_seg seg;
    tern_tcp_cc_action act = tern_tcp_sack_ack(&cc, &sb, &a, &seg);
    if (tern_seq_gt(ack, una)) {
      una = ack;
      repeated = false;
    }
    if (act == TERN_TCP_CC_RETRANSMIT) {
      res->recoveries++;
      link->push_back({seg.seq, seg.len});
      res->retransmitted += seg.len;
    }
    res->invalid = sb.invalid;
  }
  // The timer's segment goes out through Fill.
  void Timeout() {
    tern_tcp_cc_timeout(&cc, nxt - una, nxt, repeated);
    tern_tcp_sack_timeout(&sb, una);
    repeated = true;
  }
};

// For comparison, a NewReno sender on tern_tcp_cc alone: fast retransmit
// and partial ACKs resend the segment at SND.UNA; limited transmit lets
// up to 2 SMSS beyond cwnd go on the first two duplicates (RFC 3042);
// after a timeout it resends from SND.UNA up to the highest sequence
// sent (go-back-N), in slow start.
struct NewRenoSender {
  tern_tcp_cc cc;
  uint32_t una, nxt;  // nxt: one past the highest sequence sent
  uint32_t resend;    // after a timeout: the next octet to resend
  bool repeated = false;

  explicit NewRenoSender(uint32_t iss)
      : una(iss + 1), nxt(iss + 1), resend(iss + 1) {
    tern_tcp_cc_init(&cc, kMss, iss);
  }
  uint32_t Limit() const {
    uint32_t limit = cc.cwnd;
    if (!cc.in_recovery && cc.dupacks > 0 && cc.dupacks < 3)
      limit += cc.dupacks * kMss;
    return limit;
  }
  void Fill(std::deque<Seg> *link, uint32_t avail, Result *res) {
    for (;;) {
      if (tern_seq_lt(resend, nxt)) {
        uint32_t len = std::min<uint32_t>(kMss, nxt - resend);
        if (resend - una + len > Limit())
          return;
        link->push_back({resend, len});
        res->retransmitted += len;
        resend += len;
        continue;
      }
      uint32_t len = std::min<uint32_t>(kMss, avail);
      if (len == 0 || nxt - una + len > Limit())
        return;
      link->push_back({nxt, len});
      nxt += len;
      resend = nxt;
      avail -= len;
    }
  }
  void Ack(uint32_t ack, const tern_tcp_sack_block *, unsigned,
           std::deque<Seg> *link, Result *res) {
    tern_tcp_cc_action act = TERN_TCP_CC_NONE;
    if (tern_seq_gt(ack, una)) {
      uint32_t acked = ack - una;
      una = ack;
      resend = tern_seq_max(resend, una);
      repeated = false;
      act = tern_tcp_cc_ack(&cc, una, acked, nxt - una);
    } else if (ack == una && nxt != una) {
      bool was = cc.in_recovery;
      act = tern_tcp_cc_dupack(&cc, una, nxt);
      if (!was && cc.in_recovery)
        res->recoveries++;
    }
    if (act == TERN_TCP_CC_RETRANSMIT) {
      uint32_t len = std::min<uint32_t>(kMss, nxt - una);
      link->push_back({una, len});
      res->retransmitted += len;
    }
  }
  void Timeout() {
    tern_tcp_cc_timeout(&cc, nxt - una, nxt, repeated);
    repeated = true;
    resend = una;
  }
};

template <typename Sender>
Result Transfer(uint32_t seed, double loss) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution lose(loss);
  Result res;
  const uint32_t iss = (uint32_t)rng();
  Sender snd(iss);
  std::vector<uint8_t> ring(kRing), got;
  tern_tcp_rcvbuf rb;
  if (tern_tcp_rcvbuf_init(&rb, ring.data(), kRing, iss) != 0)
    return res;
  std::deque<Seg> link;
  uint8_t data[kMss];
  for (long step = 0; step < 5000000 && snd.una != iss + 1 + kStream; step++) {
    // The sender fills cwnd (the peer's window is the ring: the
    // receiving application reads everything at once).
    uint32_t inflight = snd.nxt - snd.una;
    uint32_t window = inflight < kRing ? kRing - inflight : 0;
    uint32_t avail = kStream - (snd.nxt - (iss + 1));
    snd.Fill(&link, std::min(avail, window), &res);
    if (link.empty()) {
      // Idle with data outstanding: the retransmission timer fires.
      if (snd.una == snd.nxt)
        return res;  // stuck: not done
      res.timeouts++;
      snd.Timeout();
      continue;
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
    snd.Ack(rb.rcv_nxt, blocks, nb, &link, &res);
  }
  res.done = snd.una == iss + 1 + kStream;
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
    Result r = Transfer<SackSender>(seed, 0.0);
    EXPECT_TRUE(r.done) << seed;
    EXPECT_TRUE(r.exact) << seed;
    EXPECT_EQ(r.retransmitted, 0u) << seed;
    EXPECT_EQ(r.recoveries + r.timeouts, 0u) << seed;
  }
}

struct Totals {
  unsigned recoveries = 0, timeouts = 0, invalid = 0;
  uint64_t retransmitted = 0, dropped = 0;
};

template <typename Sender>
Totals RunSeeds(double loss, const char *name) {
  Totals t;
  for (uint32_t seed = 1; seed <= 20; seed++) {
    Result r = Transfer<Sender>(seed, loss);
    EXPECT_TRUE(r.done) << name << " loss " << loss << " seed " << seed;
    EXPECT_TRUE(r.exact) << name << " loss " << loss << " seed " << seed;
    t.recoveries += r.recoveries;
    t.timeouts += r.timeouts;
    t.retransmitted += r.retransmitted;
    t.dropped += r.dropped;
    t.invalid += r.invalid;
  }
  printf(
      "%-7s loss %.2f: 20 x %u bytes, %llu drops, %u recoveries, %u "
      "timeouts, %llu bytes resent, %u blocks refused\n",
      name, loss, kStream, (unsigned long long)t.dropped, t.recoveries,
      t.timeouts, (unsigned long long)t.retransmitted, t.invalid);
  return t;
}

TEST(TcpSackTransfer, LossyLinks) {
  for (double loss : {0.01, 0.05, 0.10, 0.30}) {
    Totals sack = RunSeeds<SackSender>(loss, "sack");
    Totals reno = RunSeeds<NewRenoSender>(loss, "newreno");
    EXPECT_GT(sack.recoveries, 0u);
    EXPECT_EQ(sack.invalid, 0u);  // the ring's blocks are all valid
    if (loss <= 0.05) {
      EXPECT_GT(sack.recoveries, sack.timeouts) << "loss " << loss;
    }
    // SACK's point: fewer timeouts than NewReno on the same losses.
    EXPECT_LE(sack.timeouts, reno.timeouts) << "loss " << loss;
  }
}

}  // namespace
