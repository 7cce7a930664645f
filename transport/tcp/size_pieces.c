/* Not a product: calls each entry point of the TCP wire library (and the
 * ISN, SYN-cookie, receive-ring, RTO and NewReno functions) on bytes the
 * compiler cannot see through, so that the micro:bit (Cortex-M0) size report
 * shows what they cost: `bazel run
 * //transport/tcp:size_pieces_m0_size` (always -c opt). */
#include <stdint.h>
#include <string.h>

#include "tern/board.h"
#include "tern/tcp_cc.h"
#include "tern/tcp_cookie.h"
#include "tern/tcp_isn.h"
#include "tern/tcp_rcvbuf.h"
#include "tern/tcp_rtt.h"
#include "tern/tcp_wire.h"

static volatile uint8_t input[TERN_TCP_MAX_HEADER_LEN + 64];
static uint8_t segment[sizeof input];
static uint8_t output[sizeof input];
static tern_tcp_rx_stats stats;
static volatile tern_hsiphash_key key;
static uint8_t ring[256];
static tern_tcp_rcvbuf rcv;
static tern_tcp_rtt rtt;
static tern_tcp_cc cc;

int main(void) {
  tern_ip_addr src = {.family = TERN_IP_V4, .u.v4 = {{192, 0, 2, 1}}};
  tern_ip_addr dst = {.family = TERN_IP_V4, .u.v4 = {{192, 0, 2, 2}}};
  for (size_t i = 0; i < sizeof input; i++) {
    segment[i] = input[i];
  }
  tern_tcp_repr r;
  int rc = tern_tcp_repr_parse(&r, segment, sizeof segment, &src, &dst);
  tern_tcp_rx_count(&stats, rc, rc == 0 ? &r.opts : NULL);
  if (rc == 0) {
    rc = tern_tcp_repr_emit(&r, &dst, &src, output, sizeof output);
  }
  tern_board_console_puts(rc < 0 ? tern_tcp_drop_name(rc) : "ok");
  tern_hsiphash_key k = {{key.k[0], key.k[1]}};
  tern_endpoint local = {.addr = dst, .port = 7};
  tern_endpoint remote = {.addr = src, .port = r.src_port};
  output[1] = (uint8_t)tern_tcp_isn(&k, &local, &remote, input[1]);
  uint32_t cookie =
      tern_tcp_cookie_make(&k, &local, &remote, r.seq, r.opts.mss, input[2]);
  uint16_t mss = 0;
  output[2] = (uint8_t)tern_tcp_cookie_check(&k, &local, &remote, r.seq,
                                             cookie ^ input[3], input[4], &mss);
  output[3] = (uint8_t)mss;
  if (tern_tcp_rcvbuf_init(&rcv, ring, sizeof ring, r.seq) == 0) {
    (void)tern_tcp_rcvbuf_put(&rcv, r.seq + input[5], r.payload, r.payload_len);
    tern_tcp_sack_block blocks[3];
    output[4] = (uint8_t)tern_tcp_rcvbuf_sack(&rcv, blocks, 3);
    output[5] = (uint8_t)tern_tcp_rcvbuf_read(&rcv, output + 6, 10);
    uint32_t len;
    output[6] ^= *tern_tcp_rcvbuf_peek(&rcv, &len);
    output[7] = (uint8_t)tern_tcp_rcvbuf_consume(&rcv, len - input[12]);
  }
  tern_tcp_rtt_init(&rtt, TERN_TCP_RTO_INITIAL, input[6], 60000);
  tern_tcp_rtt_sample(&rtt, input[7], input[6], 60000);
  tern_tcp_rtt_backoff(&rtt, 60000);
  output[16] = (uint8_t)rtt.rto;
  tern_tcp_cc_init(&cc, r.opts.mss, r.ack);
  output[17] = (uint8_t)tern_tcp_cc_ack(&cc, r.seq, input[8], input[9]);
  output[18] = (uint8_t)tern_tcp_cc_dupack(&cc, r.seq, r.ack);
  tern_tcp_cc_timeout(&cc, input[10], r.ack, input[11] != 0);
  output[19] = (uint8_t)cc.cwnd;
  tern_board_exit(output[0] + tern_tcp_mss_for_mtu(input[0], TERN_IP_V4));
}
