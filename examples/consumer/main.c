/* The beacon program, the same source for the host and every board: three
 * beacons on the configured port (epoll on the host, the board's timer on
 * a Cortex-M), each frame decoded again with tern's SLIP decoder, checked,
 * and reported on the board's console. Exits 0 when all three came back. */
#include <stddef.h>
#include <stdint.h>

#include "beacon.h"
#include "tern/board.h"
#include "tern/slip_codec.h"

typedef struct {
  tern_slip_decoder dec;
  uint8_t buf[BEACON_PAYLOAD_MAX];
  uint32_t good;
} receiver;

static void put_u32(uint32_t v) {
  char s[11];
  size_t i = sizeof s - 1;
  s[i] = '\0';
  do {
    s[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  tern_board_console_puts(s + i);
}

static void on_frame(void *arg, const uint8_t *frame, size_t len) {
  receiver *r = arg;
  size_t payload_len = 0;
  uint32_t seq = 0;
  tern_slip_decoder_feed(&r->dec, frame, len, &payload_len);
  int ok = payload_len > 0 && beacon_parse(tern_slip_decoder_frame(&r->dec),
                                           payload_len, &seq) == 0;
  tern_board_console_puts("beacon ");
  put_u32(seq);
  tern_board_console_puts(": ");
  put_u32((uint32_t)len);
  tern_board_console_puts(ok ? "-byte frame, checksum ok\r\n"
                             : "-byte frame, BAD\r\n");
  r->good += (uint32_t)ok;
}

int main(void) {
  static tern_executor ex;
  static beacon_task beacon;
  static receiver rx;
  tern_slip_decoder_init(&rx.dec, rx.buf, sizeof rx.buf);
  tern_executor_init(&ex);
  beacon_init(&beacon, 3, on_frame, &rx);
  tern_block_on(&ex, &beacon.task);
  return rx.good == 3 ? 0 : 1;
}
