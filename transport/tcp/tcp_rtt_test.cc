// The retransmission timeout (RFC 6298): the first sample, the smoothing
// against the formulas in real numbers, the clamps, backoff and the
// sample after it.
#include "tern/tcp_rtt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace {

TEST(TcpRtt, BeforeAnySampleTheRtoIsOneSecond) {
  tern_tcp_rtt t;
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 200, TERN_TCP_RTO_MAX_DEFAULT);
  EXPECT_EQ(t.rto, 1000u);
  EXPECT_EQ(tern_tcp_rtt_srtt(&t), 0u);
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 1500, TERN_TCP_RTO_MAX_DEFAULT);
  EXPECT_EQ(t.rto, 1500u);  // the minimum rules
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 200, 800);
  EXPECT_EQ(t.rto, 800u);  // and the maximum
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 900, 800);
  EXPECT_EQ(t.rto, 800u);  // a minimum above the maximum: the maximum
  tern_tcp_rtt_sample(&t, 1, 900, 800);
  EXPECT_EQ(t.rto, 800u);
}

// RFC 6298 5.7: initialized again after a handshake whose SYN was sent
// again, 3 s within the bounds, from above or below; the next sample is
// the first again.
TEST(TcpRtt, InitializedAgainAfterASynTimeout) {
  tern_tcp_rtt t;
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 200, TERN_TCP_RTO_MAX_DEFAULT);
  tern_tcp_rtt_backoff(&t, TERN_TCP_RTO_MAX_DEFAULT);
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_AFTER_SYN_TIMEOUT, 200,
                    TERN_TCP_RTO_MAX_DEFAULT);
  EXPECT_EQ(t.rto, 3000u);  // from 2 s
  tern_tcp_rtt_backoff(&t, TERN_TCP_RTO_MAX_DEFAULT);
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_AFTER_SYN_TIMEOUT, 200,
                    TERN_TCP_RTO_MAX_DEFAULT);
  EXPECT_EQ(t.rto, 3000u);  // from 6 s
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_AFTER_SYN_TIMEOUT, 200, 2500);
  EXPECT_EQ(t.rto, 2500u);  // the maximum rules
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_AFTER_SYN_TIMEOUT, 4000,
                    TERN_TCP_RTO_MAX_DEFAULT);
  EXPECT_EQ(t.rto, 4000u);  // and the minimum
  tern_tcp_rtt_sample(&t, 100, 1, TERN_TCP_RTO_MAX_DEFAULT);
  EXPECT_EQ(t.rto, 300u);  // a first sample: SRTT 100, RTTVAR 50
}

TEST(TcpRtt, FirstAndSecondSample) {
  tern_tcp_rtt t;
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 1, TERN_TCP_RTO_MAX_DEFAULT);
  tern_tcp_rtt_sample(&t, 100, 1, TERN_TCP_RTO_MAX_DEFAULT);
  // SRTT 100, RTTVAR 50: RTO = 100 + 4 * 50.
  EXPECT_EQ(tern_tcp_rtt_srtt(&t), 100u);
  EXPECT_EQ(t.rttvar4, 200u);
  EXPECT_EQ(t.rto, 300u);
  tern_tcp_rtt_sample(&t, 100, 1, TERN_TCP_RTO_MAX_DEFAULT);
  // RTTVAR = 3/4 * 50 + 0 = 37.5; SRTT stays 100: RTO = 100 + 150.
  EXPECT_EQ(t.rttvar4, 150u);
  EXPECT_EQ(tern_tcp_rtt_srtt(&t), 100u);
  EXPECT_EQ(t.rto, 250u);
  tern_tcp_rtt_sample(&t, 180, 1, TERN_TCP_RTO_MAX_DEFAULT);
  // RTTVAR = 3/4 * 37.5 + 80 / 4 = 48.125; SRTT = 7/8 * 100 + 180 / 8 = 110.
  // 4 * 48.125 = 192.5: kept as 193 (150 - 150 / 4 truncated + 80).
  EXPECT_EQ(t.rttvar4, 193u);
  EXPECT_EQ(tern_tcp_rtt_srtt(&t), 110u);
  EXPECT_EQ(t.rto, 110u + 193u);
}

TEST(TcpRtt, TheMinimumAndTheGrain) {
  tern_tcp_rtt t;
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 200, TERN_TCP_RTO_MAX_DEFAULT);
  tern_tcp_rtt_sample(&t, 1, 200, TERN_TCP_RTO_MAX_DEFAULT);
  EXPECT_EQ(t.rto, 200u);  // 1 + 2 = 3 ms, raised to the minimum
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 0, TERN_TCP_RTO_MAX_DEFAULT);
  for (int i = 0; i < 100; i++)
    tern_tcp_rtt_sample(
        &t, 0, 0, TERN_TCP_RTO_MAX_DEFAULT);  // as 1 ms; RTTVAR decays to 0
  EXPECT_EQ(tern_tcp_rtt_srtt(&t), 1u);
  EXPECT_GE(t.rto, 2u);  // SRTT + max(G, 4 RTTVAR): never below SRTT + 1
}

TEST(TcpRtt, BackoffDoublesUpToTheMaximum) {
  tern_tcp_rtt t;
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 200, 60000);
  uint32_t want[] = {2000, 4000, 8000, 16000, 32000, 60000, 60000};
  for (uint32_t w : want) {
    tern_tcp_rtt_backoff(&t, 60000);
    EXPECT_EQ(t.rto, w);
  }
  // The next sample computes it afresh.
  tern_tcp_rtt_sample(&t, 50, 200, 60000);
  EXPECT_EQ(t.rto, 200u);  // 50 + 100, raised to the minimum
}

// Restore drops the backoff without a sample: the RTO SRTT and RTTVAR
// give; before any sample it keeps what it has.
TEST(TcpRtt, RestoreDropsTheBackoff) {
  tern_tcp_rtt t;
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 200, 60000);
  tern_tcp_rtt_backoff(&t, 60000);
  tern_tcp_rtt_restore(&t, 200, 60000);
  EXPECT_EQ(t.rto, 2000u);  // no sample: kept
  tern_tcp_rtt_sample(&t, 300, 200, 60000);
  EXPECT_EQ(t.rto, 900u);  // 300 + 4 x 150
  for (int i = 0; i < 4; i++) {
    tern_tcp_rtt_backoff(&t, 60000);
  }
  EXPECT_EQ(t.rto, 14400u);
  tern_tcp_rtt_restore(&t, 200, 60000);
  EXPECT_EQ(t.rto, 900u);
  tern_tcp_rtt_restore(&t, 1000, 60000);
  EXPECT_EQ(t.rto, 1000u);  // clamped
}

// Random samples: the integer version stays within a millisecond or two
// of RFC 6298's formulas computed in real numbers.
TEST(TcpRtt, FollowsTheFormulasInRealNumbers) {
  std::mt19937 rng(7);
  for (int run = 0; run < 50; run++) {
    tern_tcp_rtt t;
    tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 1, 3600000);
    double srtt = 0, rttvar = 0;
    uint32_t base = 1 + rng() % 2000;
    for (int i = 0; i < 300; i++) {
      uint32_t r = base / 2 + rng() % (base + 1);
      r = std::max<uint32_t>(r, 1);
      if (i == 0) {
        srtt = r;
        rttvar = r / 2.0;
      } else {
        rttvar = 0.75 * rttvar + 0.25 * std::fabs(srtt - r);
        srtt = 0.875 * srtt + 0.125 * r;
      }
      tern_tcp_rtt_sample(&t, r, 1, 3600000);
      double rto = srtt + std::max(1.0, 4 * rttvar);
      ASSERT_NEAR(t.srtt8 / 8.0, srtt, 1.0) << run << " " << i;
      ASSERT_NEAR(t.rttvar4 / 4.0, rttvar, 1.0) << run << " " << i;
      ASSERT_NEAR((double)t.rto, rto, 5.0) << run << " " << i;
    }
  }
}

TEST(TcpRtt, HugeSamplesDoNotOverflow) {
  tern_tcp_rtt t;
  tern_tcp_rtt_init(&t, TERN_TCP_RTO_INITIAL, 200, 60000);
  tern_tcp_rtt_sample(&t, 0xffffffffu, 200, 60000);
  EXPECT_EQ(t.rto, 60000u);
  tern_tcp_rtt_sample(&t, 10, 200, 60000);
  EXPECT_EQ(t.rto, 60000u);
  EXPECT_LE(tern_tcp_rtt_srtt(&t), 3600000u);
}

}  // namespace
