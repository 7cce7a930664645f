// Sequence-number arithmetic at the wrap edges (RFC 9293 3.4, 3.10.7.4).
#include "tern/tcp_seq.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace {

TEST(TcpSeq, ComparesAcrossTheWrap) {
  EXPECT_TRUE(tern_seq_lt(0xffffffffu, 0));
  EXPECT_TRUE(tern_seq_lt(0xfffffff0u, 0x10));
  EXPECT_FALSE(tern_seq_lt(0x10, 0xfffffff0u));
  EXPECT_TRUE(tern_seq_gt(0, 0xffffffffu));
  EXPECT_TRUE(tern_seq_le(0xffffffffu, 0xffffffffu));
  EXPECT_TRUE(tern_seq_ge(5, 5));
  EXPECT_FALSE(tern_seq_lt(5, 5));
  EXPECT_FALSE(tern_seq_gt(5, 5));
  // The largest distance with an order: 2^31 - 1 either way.
  EXPECT_TRUE(tern_seq_lt(0, 0x7fffffffu));
  EXPECT_TRUE(tern_seq_gt(0, 0x80000001u));
  EXPECT_TRUE(tern_seq_lt(0x80000000u, 0xffffffffu));
  EXPECT_TRUE(tern_seq_lt(0xfffffffeu, 0x7ffffffdu));
}

TEST(TcpSeq, MaxAndMinFollowTheWrap) {
  EXPECT_EQ(tern_seq_max(0xfffffff0u, 0x10), 0x10u);
  EXPECT_EQ(tern_seq_min(0xfffffff0u, 0x10), 0xfffffff0u);
  EXPECT_EQ(tern_seq_max(3, 7), 7u);
  EXPECT_EQ(tern_seq_min(3, 7), 3u);
}

TEST(TcpSeq, WindowIsHalfOpenAcrossTheWrap) {
  const uint32_t lo = 0xfffffff0u;
  EXPECT_TRUE(tern_seq_in_window(lo, lo, 0x20));
  EXPECT_TRUE(tern_seq_in_window(0xffffffffu, lo, 0x20));
  EXPECT_TRUE(tern_seq_in_window(0, lo, 0x20));
  EXPECT_TRUE(tern_seq_in_window(0x0f, lo, 0x20));
  EXPECT_FALSE(tern_seq_in_window(0x10, lo, 0x20));  // lo + len
  EXPECT_FALSE(tern_seq_in_window(lo - 1, lo, 0x20));
  EXPECT_FALSE(tern_seq_in_window(lo, lo, 0));  // an empty window
}

TEST(TcpSeq, AckRangeIsUnaExclusiveNxtInclusive) {
  const uint32_t una = 0xfffffffeu, nxt = 2;
  EXPECT_FALSE(tern_seq_after_upto(una, una, nxt));  // nothing new
  EXPECT_TRUE(tern_seq_after_upto(0xffffffffu, una, nxt));
  EXPECT_TRUE(tern_seq_after_upto(0, una, nxt));
  EXPECT_TRUE(tern_seq_after_upto(nxt, una, nxt));
  EXPECT_FALSE(tern_seq_after_upto(nxt + 1, una, nxt));  // not yet sent
  EXPECT_FALSE(tern_seq_after_upto(una - 1, una, nxt));  // old
  EXPECT_FALSE(tern_seq_after_upto(5, 5, 5));            // nothing in flight
}

// RFC 9293 3.10.7.4's table, each row at the wrap.
TEST(TcpSeq, AcceptabilityTable) {
  const uint32_t nxt = 0xfffffffcu;
  // Zero length, zero window: only RCV.NXT.
  EXPECT_TRUE(tern_seq_acceptable(nxt, 0, nxt, 0));
  EXPECT_FALSE(tern_seq_acceptable(nxt + 1, 0, nxt, 0));
  EXPECT_FALSE(tern_seq_acceptable(nxt - 1, 0, nxt, 0));
  // Zero length, open window [nxt, nxt + 8).
  EXPECT_TRUE(tern_seq_acceptable(nxt, 0, nxt, 8));
  EXPECT_TRUE(tern_seq_acceptable(3, 0, nxt, 8));
  EXPECT_FALSE(tern_seq_acceptable(4, 0, nxt, 8));
  EXPECT_FALSE(tern_seq_acceptable(nxt - 1, 0, nxt, 8));
  // Data, zero window: never.
  EXPECT_FALSE(tern_seq_acceptable(nxt, 1, nxt, 0));
  // Data, open window: first or last byte inside.
  EXPECT_TRUE(tern_seq_acceptable(nxt, 100, nxt, 8));       // starts inside
  EXPECT_TRUE(tern_seq_acceptable(nxt - 10, 11, nxt, 8));   // ends at nxt
  EXPECT_FALSE(tern_seq_acceptable(nxt - 10, 10, nxt, 8));  // ends before
  EXPECT_TRUE(tern_seq_acceptable(3, 5, nxt, 8));           // last window byte
  EXPECT_FALSE(tern_seq_acceptable(4, 5, nxt, 8));          // after it
}

// RFC 5961 3.2's three outcomes for a RST, at the wrap.
TEST(TcpSeq, RstVerdicts) {
  const uint32_t nxt = 0xfffffff8u, wnd = 16;
  EXPECT_EQ(tern_seq_rst_check(nxt, nxt, wnd), TERN_SEQ_RST_RESET);
  EXPECT_EQ(tern_seq_rst_check(nxt + 1, nxt, wnd), TERN_SEQ_RST_CHALLENGE);
  EXPECT_EQ(tern_seq_rst_check(7, nxt, wnd), TERN_SEQ_RST_CHALLENGE);  // last
  EXPECT_EQ(tern_seq_rst_check(8, nxt, wnd), TERN_SEQ_RST_DROP);  // past it
  EXPECT_EQ(tern_seq_rst_check(nxt - 1, nxt, wnd), TERN_SEQ_RST_DROP);
  // A closed window: only RCV.NXT itself resets; nothing is challenged.
  EXPECT_EQ(tern_seq_rst_check(nxt, nxt, 0), TERN_SEQ_RST_RESET);
  EXPECT_EQ(tern_seq_rst_check(nxt + 1, nxt, 0), TERN_SEQ_RST_DROP);
}

// RFC 5961 5.2's ACK range [SND.UNA - MAX.SND.WND, SND.NXT], at the wrap.
TEST(TcpSeq, AckAcceptableRange) {
  const uint32_t una = 0x10, nxt = 0x30, max_wnd = 0x40;
  // Lower edge: una - max_wnd = 0xffffffd0.
  EXPECT_TRUE(tern_seq_ack_acceptable(0xffffffd0u, una, nxt, max_wnd));
  EXPECT_FALSE(tern_seq_ack_acceptable(0xffffffcfu, una, nxt, max_wnd));
  EXPECT_TRUE(tern_seq_ack_acceptable(0, una, nxt, max_wnd));
  EXPECT_TRUE(tern_seq_ack_acceptable(una, una, nxt, max_wnd));
  EXPECT_TRUE(tern_seq_ack_acceptable(nxt, una, nxt, max_wnd));  // all sent
  EXPECT_FALSE(tern_seq_ack_acceptable(nxt + 1, una, nxt, max_wnd));
  EXPECT_FALSE(tern_seq_ack_acceptable(0x80000000u, una, nxt, max_wnd));
  // Nothing in flight, the peer never opened a window: only SND.UNA.
  EXPECT_TRUE(tern_seq_ack_acceptable(una, una, una, 0));
  EXPECT_FALSE(tern_seq_ack_acceptable(una - 1, una, una, 0));
  EXPECT_FALSE(tern_seq_ack_acceptable(una + 1, una, una, 0));
}

}  // namespace
