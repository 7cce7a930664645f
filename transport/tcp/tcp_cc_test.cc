// NewReno (RFC 5681, RFC 6582, RFC 3042, RFC 3465), event by event with an
// SMSS of 1000 bytes, the figures worked out by hand from the RFCs'
// formulas; recover across the sequence space's wrap.
#include "tern/tcp_cc.h"

#include <gtest/gtest.h>

namespace {

constexpr uint16_t kMss = 1000;

TEST(TcpCc, InitialWindow) {
  EXPECT_EQ(tern_tcp_cc_initial_window(536), 2144u);   // 4 SMSS
  EXPECT_EQ(tern_tcp_cc_initial_window(1095), 4380u);  // 4 SMSS
  EXPECT_EQ(tern_tcp_cc_initial_window(1096), 3288u);  // 3 SMSS
  EXPECT_EQ(tern_tcp_cc_initial_window(1460), 4380u);  // 3 SMSS
  EXPECT_EQ(tern_tcp_cc_initial_window(2190), 6570u);  // 3 SMSS
  EXPECT_EQ(tern_tcp_cc_initial_window(2191), 4382u);  // 2 SMSS
  tern_tcp_cc cc;
  tern_tcp_cc_init(&cc, 1460, 7);
  EXPECT_EQ(cc.cwnd, 4380u);
  EXPECT_EQ(cc.ssthresh, UINT32_MAX);
  EXPECT_EQ(cc.recover, 7u);
}

TEST(TcpCc, SlowStartThenAvoidance) {
  tern_tcp_cc cc;
  tern_tcp_cc_init(&cc, kMss, 0);  // cwnd 4000
  uint32_t una = 1;
  // Slow start: one segment per ACK, however much it acknowledged.
  EXPECT_EQ(tern_tcp_cc_ack(&cc, una += 1000, 1000, 3000), TERN_TCP_CC_NONE);
  EXPECT_EQ(cc.cwnd, 5000u);
  tern_tcp_cc_ack(&cc, una += 3000, 3000, 1000);
  EXPECT_EQ(cc.cwnd, 6000u);  // + SMSS, not + 3000
  tern_tcp_cc_ack(&cc, una += 400, 400, 600);
  EXPECT_EQ(cc.cwnd, 6400u);  // + what was acknowledged, below a segment
  // Avoidance once cwnd reaches ssthresh: one SMSS per cwnd of bytes.
  cc.ssthresh = 6400;
  for (int i = 0; i < 6; i++) {
    tern_tcp_cc_ack(&cc, una += 1000, 1000, 5000);
    EXPECT_EQ(cc.cwnd, 6400u) << i;
  }
  tern_tcp_cc_ack(&cc, una += 1000, 1000, 5000);  // 7000 >= 6400
  EXPECT_EQ(cc.cwnd, 7400u);
  EXPECT_EQ(cc.acked_ca, 600u);
}

// Loss of one segment in a window of ten: limited transmit, fast
// retransmit, inflation, a partial ACK, the full ACK.
TEST(TcpCc, FastRetransmitAndNewRenoRecovery) {
  tern_tcp_cc cc;
  tern_tcp_cc_init(&cc, kMss, 0);
  cc.cwnd = 10000;
  const uint32_t una = 1, nxt = 10001;  // ten segments out
  EXPECT_EQ(tern_tcp_cc_dupack(&cc, una, nxt), TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(tern_tcp_cc_dupack(&cc, una, nxt), TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(cc.cwnd, 10000u);  // limited transmit leaves cwnd alone
  EXPECT_EQ(tern_tcp_cc_dupack(&cc, una, nxt), TERN_TCP_CC_RETRANSMIT);
  EXPECT_EQ(cc.ssthresh, 5000u);  // half of 10000 in flight
  EXPECT_EQ(cc.cwnd, 8000u);      // + 3 SMSS
  EXPECT_EQ(cc.recover, 10000u);  // the highest sequence sent
  EXPECT_TRUE(cc.in_recovery);
  EXPECT_EQ(tern_tcp_cc_dupack(&cc, una, nxt), TERN_TCP_CC_SEND_NEW);
  EXPECT_EQ(cc.cwnd, 9000u);
  // A partial ACK of 2000 (a second hole at 2001): deflate by 2000, add a
  // segment back, resend the hole.
  EXPECT_EQ(tern_tcp_cc_ack(&cc, 2001, 2000, 8000), TERN_TCP_CC_RETRANSMIT);
  EXPECT_EQ(cc.cwnd, 8000u);
  // A partial ACK of less than a segment: no segment added back.
  EXPECT_EQ(tern_tcp_cc_ack(&cc, 2501, 500, 7500), TERN_TCP_CC_RETRANSMIT);
  EXPECT_EQ(cc.cwnd, 7500u);
  EXPECT_TRUE(cc.in_recovery);
  // The full ACK (past recover): cwnd = min(ssthresh, max(flight, SMSS) +
  // SMSS), recovery over.
  EXPECT_EQ(tern_tcp_cc_ack(&cc, 10001, 7500, 0), TERN_TCP_CC_NONE);
  EXPECT_EQ(cc.cwnd, 2000u);  // nothing in flight: SMSS + SMSS
  EXPECT_FALSE(cc.in_recovery);
  EXPECT_EQ(cc.dupacks, 0u);
}

TEST(TcpCc, FullAckCappedBySsthresh) {
  tern_tcp_cc cc;
  tern_tcp_cc_init(&cc, kMss, 0);
  cc.cwnd = 20000;
  tern_tcp_cc_dupack(&cc, 1, 20001);
  tern_tcp_cc_dupack(&cc, 1, 20001);
  ASSERT_EQ(tern_tcp_cc_dupack(&cc, 1, 20001), TERN_TCP_CC_RETRANSMIT);
  EXPECT_EQ(cc.ssthresh, 10000u);
  // New data was sent during recovery: 15000 still out after the full ACK.
  tern_tcp_cc_ack(&cc, 20001, 20000, 15000);
  EXPECT_EQ(cc.cwnd, 10000u);  // min(10000, 16000)
}

TEST(TcpCc, NoSecondFastRetransmitForTheSameWindow) {
  tern_tcp_cc cc;
  tern_tcp_cc_init(&cc, kMss, 0);
  cc.cwnd = 10000;
  // A timeout with 10000 out: recover = 10000.
  tern_tcp_cc_timeout(&cc, 10000, 10001, false);
  EXPECT_EQ(cc.cwnd, 1000u);
  EXPECT_EQ(cc.ssthresh, 5000u);
  // Duplicates of that old window (SND.UNA not past recover) retransmit
  // nothing.
  tern_tcp_cc_ack(&cc, 1001, 1000, 9000);
  for (int i = 0; i < 5; i++)
    EXPECT_NE(tern_tcp_cc_dupack(&cc, 1001, 10001), TERN_TCP_CC_RETRANSMIT);
  EXPECT_FALSE(cc.in_recovery);
  // Once SND.UNA is past recover, three duplicates do.
  tern_tcp_cc_ack(&cc, 10001, 9000, 3000);
  tern_tcp_cc_dupack(&cc, 10001, 13001);
  tern_tcp_cc_dupack(&cc, 10001, 13001);
  EXPECT_EQ(tern_tcp_cc_dupack(&cc, 10001, 13001), TERN_TCP_CC_RETRANSMIT);
}

TEST(TcpCc, TimeoutsAndTheLossWindow) {
  tern_tcp_cc cc;
  tern_tcp_cc_init(&cc, kMss, 0);
  tern_tcp_cc_timeout(&cc, 3000, 3001, false);
  EXPECT_EQ(cc.ssthresh, 2000u);  // at least 2 SMSS
  EXPECT_EQ(cc.cwnd, 1000u);
  tern_tcp_cc_timeout(&cc, 1000, 3001, true);
  EXPECT_EQ(cc.ssthresh, 2000u);  // kept on a repeated timeout
  // A timeout ends a recovery.
  cc.cwnd = 10000;
  tern_tcp_cc_ack(&cc, 3001, 3000, 0);
  for (int i = 0; i < 3; i++)
    tern_tcp_cc_dupack(&cc, 3001, 13001);
  ASSERT_TRUE(cc.in_recovery);
  tern_tcp_cc_timeout(&cc, 10000, 13001, false);
  EXPECT_FALSE(cc.in_recovery);
  EXPECT_EQ(cc.recover, 13000u);
}

// The entry SACK's recovery shares with NewReno's third duplicate ACK:
// ssthresh and cwnd half the flight, at least two segments, recovery up to
// what was sent (RFC 5681 eq. 4, RFC 6675 5 step 4.2, RFC 6582).
TEST(TcpCc, EnterRecoveryHalvesTheFlight) {
  tern_tcp_cc cc;
  tern_tcp_cc_init(&cc, kMss, 0);
  cc.cwnd = 12000;
  cc.acked_ca = 700;
  tern_tcp_cc_enter_recovery(&cc, 1001, 11001);  // 10000 in flight
  EXPECT_EQ(cc.ssthresh, 5000u);
  EXPECT_EQ(cc.cwnd, 5000u);
  EXPECT_EQ(cc.recover, 11000u);
  EXPECT_TRUE(cc.in_recovery);
  EXPECT_EQ(cc.acked_ca, 0u);
  tern_tcp_cc_init(&cc, kMss, 0);
  tern_tcp_cc_enter_recovery(&cc, 1001, 4001);  // 3000: at least 2 SMSS
  EXPECT_EQ(cc.ssthresh, 2000u);
  EXPECT_EQ(cc.cwnd, 2000u);
}

TEST(TcpCc, RecoverAcrossTheWrap) {
  tern_tcp_cc cc;
  const uint32_t iss = 0xffffff00u;
  tern_tcp_cc_init(&cc, kMss, iss);
  cc.cwnd = 5000;
  const uint32_t una = iss + 1, nxt = iss + 1 + 5000;  // nxt has wrapped
  tern_tcp_cc_dupack(&cc, una, nxt);
  tern_tcp_cc_dupack(&cc, una, nxt);
  ASSERT_EQ(tern_tcp_cc_dupack(&cc, una, nxt), TERN_TCP_CC_RETRANSMIT);
  EXPECT_EQ(cc.recover, nxt - 1);
  // An ACK below recover (numerically larger: before the wrap) is partial.
  EXPECT_EQ(tern_tcp_cc_ack(&cc, iss + 1001, 1000, 4000),
            TERN_TCP_CC_RETRANSMIT);
  // Past it (numerically small, after the wrap): full.
  EXPECT_EQ(tern_tcp_cc_ack(&cc, nxt, 4000, 0), TERN_TCP_CC_NONE);
  EXPECT_FALSE(cc.in_recovery);
}

}  // namespace
