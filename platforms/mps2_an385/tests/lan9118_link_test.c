/* The LAN9118 driver's link state in QEMU, the link taken down and up by
 * lan9118_link_test.py through QEMU's QMP `set_link` while the firmware
 * waits: QEMU's PHY model clears its link bit and raises the PHY
 * interrupt, which the driver must turn into TERN_NETDEV_EV_LINK.
 *
 *  1. Up at boot, no event. Prints "link: take it down" and waits (10 s at
 *     most) in poll_event.
 *  2. TERN_NETDEV_EV_LINK, reported once; info has no TERN_NETDEV_UP; a
 *     send fails with TERN_ENETDOWN, freed and counted in tx_drop_down.
 *     Prints "link: bring it up" and waits again.
 *  3. TERN_NETDEV_EV_LINK; TERN_NETDEV_UP again; a send is accepted.
 * Each event must come within 3 s of asking (the interrupt woke the
 * task), not when the 10 s timeout polls again. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tern/board.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/mps2_an385/lan9118.h"
#include "tern/port.h"
#include "tern/timer.h"
#include "test_log.h"

static const uint8_t our_mac[6] = {0x02, 0x74, 0x65, 0x72, 0x6e, 0x03};
static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

TERN_PKT_POOL_DEFINE(rx_pool, 2, 1514);
TERN_PKT_POOL_DEFINE(tx_pool, 2, 1514);

static tern_lan9118 eth;
static tern_netdev dev;

/* A broadcast frame of the IEEE 802 local experimental EtherType. */
static tern_pkt *frame(void) {
  tern_pkt *p = tern_pkt_pool_try_alloc(&tx_pool);
  uint8_t *f = p != NULL ? tern_pkt_put(p, 60) : NULL;
  if (f == NULL) {
    tern_pkt_free(p);
    return NULL;
  }
  memset(f, 0, 60);
  memcpy(f, broadcast, 6);
  memcpy(f + 6, our_mac, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  return p;
}

static bool up(void) {
  return (tern_netdev_get_info(&dev).flags & TERN_NETDEV_UP) != 0;
}

typedef struct {
  tern_task task;
  tern_co co;
  tern_timer timer;
  uint32_t events;
  bool expired;
  int err;
  tern_time asked; /* when the script was asked to change the link */
} link_task;

/* The wake must come from the PHY interrupt, not from the timeout that
 * polls again after 10 s: the script changes the link within milliseconds
 * of being asked (3 s leaves room for a loaded machine). */
static void check_prompt(link_task *s, const char *what) {
  uint32_t ms = tern_port_now() - s->asked;
  test_check(ms < 3000, what);
}

static tern_poll run(tern_task *task, tern_cx *cx) {
  link_task *s = TERN_CONTAINER_OF(task, link_task, task);
  TERN_CO_BEGIN(&s->co);
  test_check(up(), "up at boot");
  test_check(tern_netdev_poll_event(&dev, cx, &s->events) == TERN_PENDING,
             "no event at boot");

  s->asked = tern_port_now();
  tern_board_console_puts("link: take it down\r\n");
  TERN_CO_AWAIT(&s->co,
                tern_with_timeout(&s->timer, cx,
                                  tern_netdev_poll_event(&dev, cx, &s->events),
                                  10000, &s->expired));
  test_check(!s->expired && (s->events & TERN_NETDEV_EV_LINK) != 0,
             "EV_LINK when the link went down");
  check_prompt(s, "the PHY interrupt woke the task (down)");
  test_check(tern_netdev_poll_event(&dev, cx, &s->events) == TERN_PENDING,
             "reported once");
  test_check(!up(), "info says down");
  test_check(tern_netdev_poll_send(&dev, cx, frame(), &s->err) == TERN_READY &&
                 s->err == TERN_ENETDOWN,
             "a send while down fails with TERN_ENETDOWN");
  test_check(tern_netdev_get_stats(&dev)->tx_drop_down == 1,
             "counted in tx_drop_down");
  test_check(tern_pkt_pool_available(&tx_pool) == 2, "and freed");
  tern_board_console_puts("link: down, EV_LINK, send TERN_ENETDOWN\r\n");

  s->asked = tern_port_now();
  tern_board_console_puts("link: bring it up\r\n");
  TERN_CO_AWAIT(&s->co,
                tern_with_timeout(&s->timer, cx,
                                  tern_netdev_poll_event(&dev, cx, &s->events),
                                  10000, &s->expired));
  test_check(!s->expired && (s->events & TERN_NETDEV_EV_LINK) != 0,
             "EV_LINK when the link came up");
  check_prompt(s, "the PHY interrupt woke the task (up)");
  test_check(up(), "info says up");
  TERN_CO_AWAIT(&s->co, tern_netdev_poll_send(&dev, cx, frame(), &s->err));
  test_check(s->err == 0, "a send is accepted again");
  tern_board_console_puts("link: up again, EV_LINK, send accepted\r\n");
  TERN_CO_END(&s->co);
}

static tern_executor ex;
static link_task t;

int main(void) {
  tern_board_console_puts("lan9118 link test\r\n");
  int err = tern_lan9118_init(&eth, &rx_pool, our_mac);
  test_check(err == 0, "init");
  if (err != 0) {
    return 1;
  }
  dev = tern_lan9118_netdev(&eth);
  tern_executor_init(&ex);
  tern_task_init(&t.task, run);
  t.timer = (tern_timer)TERN_TIMER_INIT;
  tern_spawn(&ex, &t.task);
  tern_executor_run(&ex, &t.task);
  test_print_u32("interrupts: ", eth.irqs, "\r\n");
  if (test_failures() != 0) {
    test_print_u32("lan9118 link test: ", (uint32_t)test_failures(),
                   " failed\r\n");
    return 1;
  }
  tern_board_console_puts("lan9118 link test: all passed\r\n");
  return 0;
}
