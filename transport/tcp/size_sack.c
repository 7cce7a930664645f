/* Not a product: calls every entry point of the SACK library (and the
 * NewReno functions it builds on) on values the compiler cannot see
 * through, so that the micro:bit (Cortex-M0) size report shows what SACK
 * recovery costs: `bazel run //transport/tcp:size_sack_m0_size` (always
 * -c opt). It also pins the state's size on this 32-bit target. */
#include <stdint.h>

#include "tern/board.h"
#include "tern/tcp_cc.h"
#include "tern/tcp_sack.h"

/* Per connection, on a 32-bit target (issue 9 item 9 caps a connection at
 * 160 bytes without rings): four ranges of 8 bytes, HighRxt, RescueRxt,
 * the count and two counters. */
_Static_assert(sizeof(tern_tcp_scoreboard) == 44,
               "tern_tcp_scoreboard changed size: update RELIABILITY.md");
_Static_assert(sizeof(tern_tcp_cc) == 20,
               "tern_tcp_cc changed size: update RELIABILITY.md");

static volatile uint32_t input[16];
static tern_tcp_cc cc;
static tern_tcp_scoreboard sb;

int main(void) {
  tern_tcp_cc_init(&cc, (uint16_t)input[0], input[1]);
  tern_tcp_sack_init(&sb);
  tern_tcp_sack_block blocks[4];
  for (unsigned i = 0; i < 4; i++) {
    blocks[i].left = input[2 + i];
    blocks[i].right = input[6 + i];
  }
  tern_tcp_sack_ack_info a = {input[10], input[11],          input[12],
                              blocks,    (uint8_t)input[13], input[14] != 0};
  tern_tcp_sack_seg seg;
  uint32_t out = (uint32_t)tern_tcp_sack_ack(&cc, &sb, &a, &seg);
  while (tern_tcp_sack_next(&cc, &sb, input[11], input[12], input[15], &seg)) {
    tern_tcp_sack_sent(&sb, &cc, &seg);
    out += seg.len;
  }
  out += tern_tcp_sack_is_lost(&sb, input[0], 536);
  out += tern_tcp_sack_is_sacked(&sb, input[5]);
  out += tern_tcp_sack_sacked_bytes(&sb);
  out += tern_tcp_sack_pipe(&sb, input[1], input[2], 536);
  out += tern_tcp_sack_next_seg(&sb, input[1], input[2], 536, false, &seg);
  tern_tcp_sack_timeout(&sb, input[6]);
  tern_tcp_cc_timeout(&cc, input[3], input[4], false);
  tern_board_exit((int)(out + cc.cwnd));
}
