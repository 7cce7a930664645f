// The SACK scoreboard and RFC 6675 recovery, step by step with an SMSS of
// 1000 bytes; segment k of a flight starting at 1 is [1 + 1000k, 1001 +
// 1000k). The figures are worked out by hand from RFC 6675's definitions
// (IsLost: more than 2 SMSS SACKed above, or 3 ranges; SetPipe: unSACKed
// octets not lost, plus those retransmitted).
#include "tern/tcp_sack.h"

#include <gtest/gtest.h>

#include <random>

#include "tcp_sack_model.h"
#include "tern/tcp_cc.h"

namespace {

constexpr uint16_t kMss = 1000;

tern_tcp_sack_block B(uint32_t l, uint32_t r) {
  return {l, r};
}

uint32_t Update(tern_tcp_scoreboard *sb, uint32_t una, uint32_t nxt,
                std::initializer_list<tern_tcp_sack_block> blocks) {
  return tern_tcp_sack_update(sb, una, nxt, blocks.begin(),
                              (unsigned)blocks.size());
}

// The state a connection adds for SACK recovery (no pointers: the same
// on the 32-bit targets, where size_sack.c asserts it too).
TEST(TcpSack, StateSize) {
  EXPECT_EQ(sizeof(tern_tcp_scoreboard), 44u);
  EXPECT_EQ(sizeof(tern_tcp_cc), 20u);
}

TEST(TcpSack, UpdateMergesAndRefuses) {
  tern_tcp_scoreboard sb;
  tern_tcp_sack_init(&sb);
  const uint32_t una = 1000, nxt = 11000;
  EXPECT_EQ(Update(&sb, una, nxt, {B(2000, 3000)}), 1000u);
  EXPECT_EQ(Update(&sb, una, nxt, {B(2500, 4000)}), 1000u);  // 3000..4000
  EXPECT_EQ(Update(&sb, una, nxt, {B(4000, 5000)}), 1000u);  // touches
  ASSERT_EQ(sb.count, 1);
  EXPECT_EQ(sb.range[0].left, 2000u);
  EXPECT_EQ(sb.range[0].right, 5000u);
  // The same block again (the first block of every later ACK): nothing new.
  EXPECT_EQ(Update(&sb, una, nxt, {B(2000, 5000)}), 0u);
  // Below SND.UNA (a D-SACK too), past SND.NXT, empty, reversed,
  // straddling SND.UNA, 2^31 away: refused whole.
  EXPECT_EQ(
      Update(&sb, una, nxt, {B(500, 900), B(10000, 12000), B(3000, 3000)}), 0u);
  EXPECT_EQ(Update(&sb, una, nxt,
                   {B(5000, 4000), B(900, 1500), B(una + 0x80000000u, 7)}),
            0u);
  EXPECT_EQ(sb.invalid, 6u);
  EXPECT_EQ(sb.count, 1);
  // Up to SND.NXT exactly is fine; a block bridging two ranges merges all.
  EXPECT_EQ(Update(&sb, una, nxt, {B(10000, 11000), B(6000, 7000)}), 2000u);
  EXPECT_EQ(sb.count, 3);
  EXPECT_EQ(Update(&sb, una, nxt, {B(4500, 6500)}), 1000u);  // 5000..6000
  ASSERT_EQ(sb.count, 2);
  EXPECT_EQ(sb.range[0].left, 2000u);
  EXPECT_EQ(sb.range[0].right, 7000u);
  EXPECT_EQ(tern_tcp_sack_sacked_bytes(&sb), 6000u);
  EXPECT_EQ(sb.forgotten, 0u);
}

TEST(TcpSack, FullScoreboardForgetsTheHighestRange) {
  tern_tcp_scoreboard sb;
  tern_tcp_sack_init(&sb);
  const uint32_t una = 1, nxt = 20001;
  EXPECT_EQ(
      Update(&sb, una, nxt,
             {B(2001, 3001), B(4001, 5001), B(6001, 7001), B(10001, 11001)}),
      4000u);
  // A fifth range below the highest: the highest goes.
  EXPECT_EQ(Update(&sb, una, nxt, {B(8001, 9001)}), 1000u);
  EXPECT_EQ(sb.forgotten, 1u);
  ASSERT_EQ(sb.count, 4);
  EXPECT_EQ(sb.range[3].left, 8001u);
  EXPECT_FALSE(tern_tcp_sack_is_sacked(&sb, 10001));
  // A fifth above all of them: itself forgotten, nothing newly known.
  EXPECT_EQ(Update(&sb, una, nxt, {B(15001, 16001)}), 0u);
  EXPECT_EQ(sb.forgotten, 2u);
  EXPECT_FALSE(tern_tcp_sack_is_sacked(&sb, 15001));
  // Joining is still possible when full.
  EXPECT_EQ(Update(&sb, una, nxt, {B(3001, 4001)}), 1000u);
  EXPECT_EQ(sb.count, 3);
  EXPECT_EQ(sb.forgotten, 2u);
}

TEST(TcpSack, CumulativeAckPrunes) {
  tern_tcp_scoreboard sb;
  tern_tcp_sack_init(&sb);
  EXPECT_EQ(Update(&sb, 1, 10001, {B(2001, 3001), B(4001, 6001)}), 3000u);
  EXPECT_EQ(Update(&sb, 2501, 10001, {}), 0u);  // cuts the first range
  ASSERT_EQ(sb.count, 2);
  EXPECT_EQ(sb.range[0].left, 2501u);
  EXPECT_EQ(Update(&sb, 4001, 10001, {}), 0u);  // drops it
  ASSERT_EQ(sb.count, 1);
  EXPECT_EQ(sb.range[0].left, 4001u);
  EXPECT_EQ(Update(&sb, 6001, 10001, {}), 0u);
  EXPECT_EQ(sb.count, 0);
}

TEST(TcpSack, AcrossTheWrap) {
  tern_tcp_scoreboard sb;
  tern_tcp_sack_init(&sb);
  const uint32_t una = 0xFFFFF000u, nxt = una + 10000;
  EXPECT_EQ(Update(&sb, una, nxt, {B(0xFFFFFC00u, 0x400)}), 2048u);
  EXPECT_TRUE(tern_tcp_sack_is_sacked(&sb, 0xFFFFFFFFu));
  EXPECT_TRUE(tern_tcp_sack_is_sacked(&sb, 0));
  EXPECT_FALSE(tern_tcp_sack_is_sacked(&sb, 0x400));
  EXPECT_FALSE(tern_tcp_sack_is_sacked(&sb, 0xFFFFFBFFu));
  EXPECT_EQ(Update(&sb, una, nxt, {B(0x400, 0x800)}), 1024u);  // touches
  EXPECT_EQ(sb.count, 1);
  // 0xFFFFF000 .. 0xFFFFFC00 unSACKed (3072), 3072 SACKed above: lost.
  EXPECT_TRUE(tern_tcp_sack_is_lost(&sb, una, kMss));
  // Pipe: the hole below (lost) 0, the hole above: nxt - 0x800.
  sb.high_rxt = una;  // nothing retransmitted
  EXPECT_EQ(tern_tcp_sack_pipe(&sb, una, nxt, kMss), nxt - 0x800u);
  EXPECT_EQ(Update(&sb, 0x100, nxt, {}), 0u);
  EXPECT_EQ(sb.range[0].left, 0x100u);
}

// Segments 2, 4 and 6 of ten SACKed: three ranges.
TEST(TcpSack, IsLostAndPipe) {
  tern_tcp_scoreboard sb;
  tern_tcp_sack_init(&sb);
  const uint32_t una = 1, nxt = 10001;
  EXPECT_EQ(
      Update(&sb, una, nxt, {B(6001, 7001), B(4001, 5001), B(2001, 3001)}),
      3000u);
  // Below segment 2: three ranges above, lost. Segment 3: two ranges,
  // 2000 bytes (not more than 2 SMSS): not lost.
  EXPECT_TRUE(tern_tcp_sack_is_lost(&sb, 1, kMss));
  EXPECT_TRUE(tern_tcp_sack_is_lost(&sb, 1001, kMss));
  EXPECT_FALSE(tern_tcp_sack_is_lost(&sb, 3001, kMss));
  EXPECT_FALSE(tern_tcp_sack_is_lost(&sb, 9001, kMss));
  // Holes: [1,2001) lost; [3001,4001), [5001,6001), [7001,10001) not:
  // 1000 + 1000 + 3000.
  EXPECT_EQ(tern_tcp_sack_pipe(&sb, una, nxt, kMss), 5000u);
  // Segment 0 retransmitted: counted again.
  sb.high_rxt = 1001;
  EXPECT_EQ(tern_tcp_sack_pipe(&sb, una, nxt, kMss), 6000u);
  // A HighRxt left by an old recovery outside the window counts nothing.
  sb.high_rxt = una + 0x90000000u;
  EXPECT_EQ(tern_tcp_sack_pipe(&sb, una, nxt, kMss), 5000u);
  // Bytes decide too: one range of 2001 bytes makes the hole below lost.
  tern_tcp_sack_init(&sb);
  Update(&sb, una, nxt, {B(2001, 4001)});
  EXPECT_FALSE(tern_tcp_sack_is_lost(&sb, 1, kMss));
  Update(&sb, una, nxt, {B(4001, 4002)});
  EXPECT_TRUE(tern_tcp_sack_is_lost(&sb, 1, kMss));
  EXPECT_EQ(tern_tcp_sack_pipe(&sb, una, nxt, kMss), 10000u - 2001u - 2000u);
}

// NextSeg's four rules over the three-range board above, in the order a
// recovery would use them.
TEST(TcpSack, NextSegRules) {
  tern_tcp_scoreboard sb;
  tern_tcp_sack_init(&sb);
  const uint32_t una = 1, nxt = 10001;
  Update(&sb, una, nxt, {B(2001, 3001), B(4001, 5001), B(6001, 7001)});
  sb.high_rxt = una;
  sb.rescue_rxt = una;
  tern_tcp_cc cc;
  tern_tcp_cc_init(&cc, kMss, 0);
  cc.recover = nxt - 1;
  tern_tcp_sack_seg seg;
  // Rule 1: segment 0, then segment 1 (lost, below the highest SACK).
  ASSERT_EQ(tern_tcp_sack_next_seg(&sb, una, nxt, kMss, true, &seg),
            TERN_TCP_SACK_LOST);
  EXPECT_EQ(seg.seq, 1u);
  EXPECT_EQ(seg.len, 1000u);
  tern_tcp_sack_sent(&sb, &cc, &seg);
  EXPECT_EQ(sb.high_rxt, 1001u);
  ASSERT_EQ(tern_tcp_sack_next_seg(&sb, una, nxt, kMss, true, &seg),
            TERN_TCP_SACK_LOST);
  EXPECT_EQ(seg.seq, 1001u);
  tern_tcp_sack_sent(&sb, &cc, &seg);
  // Segment 3 is not lost: new data first (rule 2)...
  ASSERT_EQ(tern_tcp_sack_next_seg(&sb, una, nxt, kMss, true, &seg),
            TERN_TCP_SACK_NEW);
  EXPECT_EQ(seg.seq, nxt);
  EXPECT_EQ(seg.len, 1000u);
  // ...and with none, rule 3: segments 3 and 5.
  ASSERT_EQ(tern_tcp_sack_next_seg(&sb, una, nxt, kMss, false, &seg),
            TERN_TCP_SACK_UNSURE);
  EXPECT_EQ(seg.seq, 3001u);
  tern_tcp_sack_sent(&sb, &cc, &seg);
  ASSERT_EQ(tern_tcp_sack_next_seg(&sb, una, nxt, kMss, false, &seg),
            TERN_TCP_SACK_UNSURE);
  EXPECT_EQ(seg.seq, 5001u);
  tern_tcp_sack_sent(&sb, &cc, &seg);
  EXPECT_EQ(sb.high_rxt, 6001u);
  // No hole left below the highest SACK. Rule 4 needs HighACK > RescueRxt.
  EXPECT_EQ(tern_tcp_sack_next_seg(&sb, una, nxt, kMss, false, &seg),
            TERN_TCP_SACK_NONE);
  sb.rescue_rxt = 0;
  ASSERT_EQ(tern_tcp_sack_next_seg(&sb, una, nxt, kMss, false, &seg),
            TERN_TCP_SACK_RESCUE);
  EXPECT_EQ(seg.seq, 9001u);  // ends at the highest unSACKed octet
  EXPECT_EQ(seg.len, 1000u);
  tern_tcp_sack_sent(&sb, &cc, &seg);
  EXPECT_EQ(sb.rescue_rxt, nxt);  // RecoveryPoint + 1
  EXPECT_EQ(sb.high_rxt, 6001u);  // not moved by the rescue
  EXPECT_EQ(tern_tcp_sack_next_seg(&sb, una, nxt, kMss, false, &seg),
            TERN_TCP_SACK_NONE);
}

TEST(TcpSack, RescueEndsBelowASackAtSndNxt) {
  tern_tcp_scoreboard sb;
  tern_tcp_sack_init(&sb);
  Update(&sb, 1, 5001, {B(4501, 5001)});
  sb.high_rxt = 4501;  // all of the hole retransmitted
  tern_tcp_sack_seg seg;
  ASSERT_EQ(tern_tcp_sack_next_seg(&sb, 1, 5001, kMss, false, &seg),
            TERN_TCP_SACK_RESCUE);
  EXPECT_EQ(seg.seq, 3501u);
  EXPECT_EQ(seg.len, 1000u);
  // A short hole: the rescue is what there is.
  Update(&sb, 4001, 5001, {});
  sb.rescue_rxt = 0;
  ASSERT_EQ(tern_tcp_sack_next_seg(&sb, 4001, 5001, kMss, false, &seg),
            TERN_TCP_SACK_RESCUE);
  EXPECT_EQ(seg.seq, 4001u);
  EXPECT_EQ(seg.len, 500u);
}

struct Conn {
  tern_tcp_cc cc;
  tern_tcp_scoreboard sb;
  uint32_t una = 1, nxt = 1;
  tern_tcp_sack_seg first;

  Conn(uint32_t cwnd, uint32_t flight) {
    tern_tcp_cc_init(&cc, kMss, 0);
    tern_tcp_sack_init(&sb);
    cc.cwnd = cwnd;
    nxt = una + flight;
  }
  tern_tcp_cc_action Ack(uint32_t ack,
                         std::initializer_list<tern_tcp_sack_block> blocks) {
    tern_tcp_sack_ack_info a = {
        una, ack, nxt, blocks.begin(), (uint8_t)blocks.size(), true};
    tern_tcp_cc_action r = tern_tcp_sack_ack(&cc, &sb, &a, &first);
    if (tern_seq_gt(ack, una))
      una = ack;
    return r;
  }
  uint32_t Pipe() const {
    return tern_tcp_sack_pipe(&sb, una, nxt, kMss);
  }
  // Sends what tern_tcp_sack_next allows from `avail` new bytes; returns
  // the segments as "seq+len" pairs.
  std::vector<std::pair<uint32_t, uint32_t>> Send(uint32_t avail) {
    std::vector<std::pair<uint32_t, uint32_t>> out;
    tern_tcp_sack_seg seg;
    while (tern_tcp_sack_next(&cc, &sb, una, nxt, avail, &seg)) {
      out.emplace_back(seg.seq, seg.len);
      tern_tcp_sack_sent(&sb, &cc, &seg);
      if (seg.rule == TERN_TCP_SACK_NEW) {
        nxt += seg.len;
        avail -= seg.len;
      }
      if (out.size() > 100)
        break;
    }
    return out;
  }
};

using Segs = std::vector<std::pair<uint32_t, uint32_t>>;

// Ten segments out, cwnd 10000, segment 0 lost; the receiver SACKs each
// later arrival. Limited transmit, recovery, a partial ACK, the end.
TEST(TcpSack, OneLossRecovery) {
  Conn c(10000, 10000);
  // 1st dup ACK: SACK [1001,2001). Hole [1,1001) not lost (1000 SACKed
  // above); pipe 1000 + 8000 = 9000; room for one new segment.
  EXPECT_EQ(c.Ack(1, {B(1001, 2001)}), TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(c.cc.dupacks, 1);
  EXPECT_EQ(c.Pipe(), 9000u);
  EXPECT_EQ(c.Send(50000), (Segs{{10001, 1000}}));
  EXPECT_EQ(c.cc.cwnd, 10000u);
  // 2nd: 2000 SACKed above, still not lost; pipe 1000 + 8000.
  EXPECT_EQ(c.Ack(1, {B(1001, 3001)}), TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(c.Pipe(), 9000u);
  EXPECT_EQ(c.Send(50000), (Segs{{11001, 1000}}));
  // 3rd: recovery. FlightSize 12000: ssthresh = cwnd = 6000; recover =
  // HighData = 12000; segment 0 resent at once.
  EXPECT_EQ(c.Ack(1, {B(1001, 4001)}), TERN_TCP_CC_RETRANSMIT);
  EXPECT_EQ(c.cc.in_recovery, 1);
  EXPECT_EQ(c.cc.ssthresh, 6000u);
  EXPECT_EQ(c.cc.cwnd, 6000u);
  EXPECT_EQ(c.cc.recover, 12000u);
  EXPECT_EQ(c.first.seq, 1u);
  EXPECT_EQ(c.first.len, 1000u);
  EXPECT_EQ(c.sb.high_rxt, 1001u);
  EXPECT_EQ(c.sb.rescue_rxt, 1001u);
  // Pipe: the lost hole counts once (retransmitted) + [4001,12001).
  EXPECT_EQ(c.Pipe(), 9000u);
  EXPECT_EQ(c.Send(50000), Segs{});
  // Each later SACK takes a segment out of the pipe: 8000, 7000, 6000,
  // then 5000 leaves room for one segment: new data (nothing lost).
  for (uint32_t right = 5001, pipe = 8000; right <= 7001;
       right += 1000, pipe -= 1000) {
    EXPECT_EQ(c.Ack(1, {B(1001, right)}), TERN_TCP_CC_SEND_NEW);
    EXPECT_EQ(c.Pipe(), pipe);
    EXPECT_EQ(c.Send(50000), Segs{});
  }
  EXPECT_EQ(c.Ack(1, {B(1001, 8001)}), TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(c.Pipe(), 5000u);
  EXPECT_EQ(c.Send(50000), (Segs{{12001, 1000}}));
  EXPECT_EQ(c.Pipe(), 6000u);
  EXPECT_EQ(c.cc.cwnd, 6000u);
  // The retransmission arrives: ACK 8001, below recover: partial. The
  // board empties; pipe [8001,13001) = 5000: one more.
  EXPECT_EQ(c.Ack(8001, {}), TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(c.cc.in_recovery, 1);
  EXPECT_EQ(c.sb.count, 0);
  EXPECT_EQ(c.Pipe(), 5000u);
  EXPECT_EQ(c.Send(50000), (Segs{{13001, 1000}}));
  // An ACK past recover ends recovery at cwnd = ssthresh.
  EXPECT_EQ(c.Ack(12001, {}), TERN_TCP_CC_NONE);
  EXPECT_EQ(c.cc.in_recovery, 0);
  EXPECT_EQ(c.cc.cwnd, 6000u);
  EXPECT_EQ(c.cc.dupacks, 0);
  // Congestion avoidance from here (cwnd >= ssthresh): 6000 bytes grow it
  // by one SMSS.
  EXPECT_EQ(c.Ack(14001, {}), TERN_TCP_CC_NONE);
  EXPECT_EQ(c.cc.cwnd, 6000u);
  EXPECT_EQ(c.cc.acked_ca, 2000u);
}

// Two losses in one window, segments 0 and 3 of ten: the SACKs make both
// lost; both go in one recovery without waiting for a partial ACK.
TEST(TcpSack, TwoLossesOneRecovery) {
  Conn c(10000, 10000);
  EXPECT_EQ(c.Ack(1, {B(1001, 2001)}), TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(c.Ack(1, {B(1001, 3001)}), TERN_TCP_CC_SEND_NEW);
  // Segment 4 arrives: a second range. IsLost(1): 3000 SACKed above:
  // recovery at the third duplicate.
  EXPECT_EQ(c.Ack(1, {B(4001, 5001), B(1001, 3001)}), TERN_TCP_CC_RETRANSMIT);
  EXPECT_EQ(c.cc.cwnd, 5000u);  // FlightSize 10000 (nothing sent since)
  EXPECT_EQ(c.first.seq, 1u);
  // Pipe: [1,1001) retransmitted 1000; [3001,4001) not lost 1000;
  // [5001,10001) 5000: 7000.
  EXPECT_EQ(c.Pipe(), 7000u);
  for (uint32_t right = 6001; right <= 8001; right += 1000)
    c.Ack(1, {B(4001, right), B(1001, 3001)});
  // 4000 SACKed above segment 3: lost. Pipe 1000 + 0 + 2000 = 3000: room
  // for two: segment 3 (rule 1), then new data (rule 2).
  EXPECT_TRUE(tern_tcp_sack_is_lost(&c.sb, 3001, kMss));
  EXPECT_EQ(c.Pipe(), 3000u);
  EXPECT_EQ(c.Send(50000), (Segs{{3001, 1000}, {10001, 1000}}));
  EXPECT_EQ(c.sb.high_rxt, 4001u);
  // The first retransmission arrives: partial ACK to 3001.
  EXPECT_EQ(c.Ack(3001, {B(4001, 8001)}), TERN_TCP_CC_SEND_NEW);
  // Pipe: [3001,4001) retransmitted and lost: 1000; [8001,11001) 3000.
  EXPECT_EQ(c.Pipe(), 4000u);
  EXPECT_EQ(c.Send(50000), (Segs{{11001, 1000}}));
  // recover is 10000 (HighData when recovery began): an ACK of 10001
  // ends it, before the segments sent during recovery are acknowledged.
  EXPECT_EQ(c.Ack(10001, {}), TERN_TCP_CC_NONE);
  EXPECT_EQ(c.cc.in_recovery, 0);
  EXPECT_EQ(c.cc.cwnd, 5000u);
}

TEST(TcpSack, NoRecoveryBeforeRecoverIsPassedAfterATimeout) {
  Conn c(10000, 10000);
  tern_tcp_cc_timeout(&c.cc, c.nxt - c.una, c.nxt, false);
  tern_tcp_sack_timeout(&c.sb, c.una);
  EXPECT_EQ(c.cc.cwnd, 1000u);
  EXPECT_EQ(c.cc.ssthresh, 5000u);
  // Go-back-N: the data is sent again from SND.UNA; SACKs of the old
  // flight below recover start no fast retransmit.
  for (uint32_t right = 2001; right <= 6001; right += 1000)
    EXPECT_EQ(c.Ack(1, {B(1001, right)}), TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(c.cc.in_recovery, 0);
  EXPECT_EQ(c.cc.dupacks, 5);
  // The timeout forgot earlier SACKs.
  c.Ack(1, {});
  tern_tcp_sack_timeout(&c.sb, c.una);
  EXPECT_EQ(c.sb.count, 0);
  EXPECT_EQ(c.Pipe(), 10000u);
}

// After a timeout: resend from SND.UNA in slow start, skipping what the
// peer SACKs meanwhile; new data once the old flight is resent.
TEST(TcpSack, ResendAfterTimeoutSkipsSackedData) {
  Conn c(10000, 10000);
  tern_tcp_cc_timeout(&c.cc, c.nxt - c.una, c.nxt, false);
  tern_tcp_sack_timeout(&c.sb, c.una);
  EXPECT_EQ(c.cc.cwnd, 1000u);
  EXPECT_EQ(c.cc.recover, 10000u);
  // One segment of room: the timer's retransmission.
  EXPECT_EQ(c.Send(50000), (Segs{{1, 1000}}));
  // It arrives; the peer holds [2001, 5001): segment 1 is missing. Slow
  // start makes cwnd 2000; nothing resent is in flight (hr = SND.UNA):
  // segment 1, then segment 5 (2,001..5,001 skipped). Pipe is then the
  // 2000 resent and not SACKed.
  EXPECT_EQ(c.Ack(1001, {B(2001, 5001)}), TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(c.cc.cwnd, 2000u);
  EXPECT_EQ(c.cc.in_recovery, 0);  // not before SND.UNA passes recover
  EXPECT_EQ(c.Send(50000), (Segs{{1001, 1000}, {5001, 1000}}));
  EXPECT_EQ(c.sb.high_rxt, 6001u);
  // Segment 1 arrives: ACK 5001, cwnd 3000, segment 5 still in flight:
  // two more.
  EXPECT_EQ(c.Ack(5001, {}), TERN_TCP_CC_NONE);
  EXPECT_EQ(c.cc.cwnd, 3000u);
  EXPECT_EQ(c.Send(50000), (Segs{{6001, 1000}, {7001, 1000}}));
  // All of the old flight acknowledged: past recover, new data under
  // cwnd 4000.
  EXPECT_EQ(c.Ack(10001, {}), TERN_TCP_CC_NONE);
  EXPECT_EQ(c.cc.cwnd, 4000u);
  EXPECT_EQ(c.Send(50000),
            (Segs{{10001, 1000}, {11001, 1000}, {12001, 1000}, {13001, 1000}}));
}

TEST(TcpSack, DuplicatesWithoutSackOption) {
  Conn c(10000, 10000);
  tern_tcp_sack_ack_info a = {1, 1, c.nxt, nullptr, 0, false};
  // Not RFC 5681's duplicate (a window update, say): nothing counted.
  EXPECT_EQ(tern_tcp_sack_ack(&c.cc, &c.sb, &a, &c.first), TERN_TCP_CC_NONE);
  EXPECT_EQ(c.cc.dupacks, 0);
  a.dup_shape = true;
  EXPECT_EQ(tern_tcp_sack_ack(&c.cc, &c.sb, &a, &c.first),
            TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(tern_tcp_sack_ack(&c.cc, &c.sb, &a, &c.first),
            TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(tern_tcp_sack_ack(&c.cc, &c.sb, &a, &c.first),
            TERN_TCP_CC_RETRANSMIT);
  EXPECT_EQ(c.first.len, 1000u);
  // A repeated SACK with nothing new is no duplicate.
  Conn d(10000, 10000);
  d.Ack(1, {B(1001, 2001)});
  EXPECT_EQ(d.Ack(1, {B(1001, 2001)}), TERN_TCP_CC_NONE);
  EXPECT_EQ(d.cc.dupacks, 1);
  // Nor is an ACK with invalid blocks only.
  EXPECT_EQ(d.Ack(1, {B(20001, 30001)}), TERN_TCP_CC_NONE);
  EXPECT_EQ(d.cc.dupacks, 1);
}

TEST(TcpSack, SlowStartOutsideRecoveryIsNewReno) {
  Conn c(4000, 4000);
  EXPECT_EQ(c.Send(50000), Segs{});  // cwnd full
  EXPECT_EQ(c.Ack(1001, {}), TERN_TCP_CC_NONE);
  EXPECT_EQ(c.cc.cwnd, 5000u);
  EXPECT_EQ(c.Send(1500), (Segs{{4001, 1000}, {5001, 500}}));
}

// Random boards against the octet-by-octet model: shape, contents, and
// the hole-walking pipe and NextSeg() equal RFC 6675's per-octet SetPipe()
// and rules 1 to 3, IsLost() counted by the model itself (a model asking
// tern_tcp_sack_is_lost, as pipe and NextSeg do, let a wrong rule pass).
TEST(TcpSack, RandomBoardsAgainstTheModel) {
  std::mt19937 rng(6675);
  unsigned checks = 0, forgot = 0, nextsegs[6] = {};
  for (int run = 0; run < 200; run++) {
    tern_tcp_scoreboard sb;
    tern_tcp_sack_init(&sb);
    sack_model::Window w;
    w.una = (uint32_t)rng();
    w.Send(1 + rng() % 6000);
    uint16_t smss = (uint16_t)(100 + rng() % 1400);
    for (int step = 0; step < 40; step++) {
      uint32_t span = (uint32_t)w.sacked.size();
      unsigned op = rng() % 6;
      if (op == 0 && span > 0) {
        w.Ack(w.una + rng() % (span + 1));
        tern_tcp_sack_update(&sb, w.una, w.Next(), nullptr, 0);
      } else if (op == 1) {
        w.Send(rng() % 2000);
      } else {
        tern_tcp_sack_block b[4];
        unsigned n = 1 + rng() % 4;
        bool valid[4];
        for (unsigned i = 0; i < n; i++) {
          uint32_t l = w.una + (uint32_t)(rng() % (span + 200)) - 100;
          b[i] = {l, l + (uint32_t)(rng() % 3000)};
          valid[i] = b[i].left - w.una < b[i].right - w.una &&
                     b[i].right - w.una <= span;
        }
        uint8_t forgotten = sb.forgotten;
        uint32_t before = tern_tcp_sack_sacked_bytes(&sb);
        uint32_t newly = tern_tcp_sack_update(&sb, w.una, w.Next(), b, n);
        for (unsigned i = 0; i < n; i++)
          if (valid[i])
            w.Sack(b[i].left, b[i].right);
        if (sb.forgotten == forgotten) {
          EXPECT_EQ(tern_tcp_sack_sacked_bytes(&sb), before + newly);
        } else {
          forgot++;
        }
      }
      ASSERT_EQ(sack_model::CheckShape(sb, w.una, w.Next()), "");
      // Every SACKed octet was reported; with nothing forgotten, every
      // reported octet is SACKed.
      for (uint32_t i = 0; i < w.sacked.size(); i++) {
        bool s = tern_tcp_sack_is_sacked(&sb, w.una + i);
        ASSERT_TRUE(!s || w.sacked[i]) << run << " " << step;
        if (sb.forgotten == 0) {
          ASSERT_EQ(s, w.sacked[i] != 0) << run << " " << step;
        }
      }
      sb.high_rxt = w.una + (uint32_t)(rng() % (w.sacked.size() + 1));
      ASSERT_EQ(tern_tcp_sack_pipe(&sb, w.una, w.Next(), smss),
                sack_model::OctetPipe(sb, w.una, w.Next(), smss, sb.high_rxt))
          << run << " " << step;
      // NextSeg asks IsLost of a hole's first octet only: the rule and
      // segment it picks are those of RFC 6675 read octet by octet.
      for (bool new_data : {false, true}) {
        tern_tcp_sack_seg got = {}, want = {};
        tern_tcp_sack_rule m = sack_model::OctetNextSeg(
            sb, w.una, w.Next(), smss, sb.high_rxt, new_data, &want);
        tern_tcp_sack_rule r =
            tern_tcp_sack_next_seg(&sb, w.una, w.Next(), smss, new_data, &got);
        if (m == TERN_TCP_SACK_NONE) {
          ASSERT_TRUE(r == TERN_TCP_SACK_NONE || r == TERN_TCP_SACK_RESCUE)
              << run << " " << step;
          continue;
        }
        ASSERT_EQ(r, m) << run << " " << step << " " << new_data;
        ASSERT_EQ(got.seq, want.seq) << run << " " << step << " " << new_data;
        ASSERT_EQ(got.len, want.len) << run << " " << step << " " << new_data;
        nextsegs[m]++;
      }
      checks++;
    }
  }
  EXPECT_EQ(checks, 8000u);
  EXPECT_GT(forgot, 0u);  // the runs reached a full board
  // Every rule the model knows was reached.
  EXPECT_GT(nextsegs[TERN_TCP_SACK_LOST], 0u);
  EXPECT_GT(nextsegs[TERN_TCP_SACK_NEW], 0u);
  EXPECT_GT(nextsegs[TERN_TCP_SACK_UNSURE], 0u);
}

}  // namespace
