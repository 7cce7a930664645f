/* The LAN9118 driver in QEMU against slirp (-nic user,model=lan9118):
 *
 *  1. ARP: broadcast "who has 10.0.2.2? tell 10.0.2.15" (built here byte
 *     by byte) and wait for the reply from slirp's gateway, whose MAC is
 *     52:55:0a:00:02:02. ARP requests for 10.0.2.15 are answered.
 *  2. ICMP: send an echo request to 10.0.2.2 and wait for the echo reply
 *     with the same id, sequence and payload, both checksums valid.
 *  3. No buffer: with the only receive packet held, two more ARP replies
 *     arrive; the driver reads the second out of the FIFO, drops it and
 *     counts rx_drop_nobuf, and poll_recv stays PENDING.
 * Before each request the task polls the receiver (PENDING: the RX
 * interrupt is unmasked), so the answer wakes it through the LAN9118
 * interrupt; the interrupts handled are counted and checked. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tern/board.h"
#include "tern/checksum.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/mps2_an385/lan9118.h"
#include "tern/timer.h"
#include "test_log.h"

static const uint8_t our_mac[6] = {0x02, 0x74, 0x65, 0x72, 0x6e, 0x01};
static const uint8_t our_ip[4] = {10, 0, 2, 15};
static const uint8_t gw_ip[4] = {10, 0, 2, 2};
static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const char ping_payload[] = "tern lan9118 ping, 32 bytes long";
enum { PING_ID = 0x7465, PING_SEQ = 1, PAYLOAD_LEN = sizeof ping_payload - 1 };

TERN_PKT_POOL_DEFINE(rx_pool, 1, 1514);
TERN_PKT_POOL_DEFINE(tx_pool, 2, 1514);

static tern_lan9118 eth;
static tern_netdev dev;

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static void print_mac(const char *s, const uint8_t *mac, const char *rest) {
  static const char hex[] = "0123456789abcdef";
  char text[18];
  for (int i = 0; i < 6; i++) {
    text[3 * i] = hex[mac[i] >> 4];
    text[3 * i + 1] = hex[mac[i] & 15];
    text[3 * i + 2] = ':';
  }
  tern_board_console_puts(s);
  tern_board_console_write(text, 17);
  tern_board_console_puts(rest);
}

/* An Ethernet header in a new packet from tx_pool, `headroom` bytes into
 * its buffer; returns where the payload goes. */
static uint8_t *frame(tern_pkt **out, size_t headroom, const uint8_t dst[6],
                      uint16_t type, size_t payload) {
  tern_pkt *p = tern_pkt_pool_try_alloc(&tx_pool);
  if (p == NULL) {
    return NULL;
  }
  tern_pkt_reserve(p, headroom);
  uint8_t *f = tern_pkt_put(p, 14 + payload);
  memcpy(f, dst, 6);
  memcpy(f + 6, our_mac, 6);
  put16(f + 12, type);
  *out = p;
  return f + 14;
}

/* ARP (RFC 826) over Ethernet for IPv4: 28 bytes. */
static tern_pkt *arp(uint16_t op, const uint8_t dst_mac[6],
                     const uint8_t target_mac[6], const uint8_t target_ip[4]) {
  tern_pkt *p = NULL;
  uint8_t *a = frame(&p, 0, dst_mac, 0x0806, 28);
  if (a == NULL) {
    return NULL;
  }
  put16(a, 1);          /* hardware: Ethernet */
  put16(a + 2, 0x0800); /* protocol: IPv4 */
  a[4] = 6;
  a[5] = 4;
  put16(a + 6, op);
  memcpy(a + 8, our_mac, 6);
  memcpy(a + 14, our_ip, 4);
  memcpy(a + 18, target_mac, 6);
  memcpy(a + 24, target_ip, 4);
  return p;
}

/* IPv4 (RFC 791) + ICMP echo request (RFC 792). The frame starts 2 bytes
 * into a word (as it would behind 2 bytes of headroom for an aligned IP
 * header), so the driver's TX data start offset is exercised. */
static tern_pkt *echo_request(const uint8_t gw_mac[6]) {
  tern_pkt *p = NULL;
  uint8_t *ip = frame(&p, 2, gw_mac, 0x0800, 20 + 8 + PAYLOAD_LEN);
  if (ip == NULL) {
    return NULL;
  }
  memset(ip, 0, 20);
  ip[0] = 0x45;
  put16(ip + 2, 20 + 8 + PAYLOAD_LEN);
  put16(ip + 4, 0x1234);
  ip[8] = 64;
  ip[9] = 1;
  memcpy(ip + 12, our_ip, 4);
  memcpy(ip + 16, gw_ip, 4);
  put16(ip + 10, tern_checksum(ip, 20));
  uint8_t *icmp = ip + 20;
  icmp[0] = 8;
  icmp[1] = 0;
  put16(icmp + 2, 0);
  put16(icmp + 4, PING_ID);
  put16(icmp + 6, PING_SEQ);
  memcpy(icmp + 8, ping_payload, PAYLOAD_LEN);
  put16(icmp + 2, tern_checksum(icmp, 8 + PAYLOAD_LEN));
  return p;
}

enum kind { OTHER, ARP_REPLY_GW, ARP_REQUEST_US, ECHO_REPLY };

/* What a received frame is; every read is checked against its length. */
static enum kind classify(const tern_pkt *p, uint8_t sender_mac[6]) {
  const uint8_t *f = tern_pkt_data(p);
  size_t len = tern_pkt_len(p);
  if (len < 14) {
    return OTHER;
  }
  uint16_t type = get16(f + 12);
  const uint8_t *b = f + 14;
  len -= 14;
  if (type == 0x0806 && len >= 28 && get16(b) == 1 && get16(b + 2) == 0x0800 &&
      b[4] == 6 && b[5] == 4) {
    memcpy(sender_mac, b + 8, 6);
    if (get16(b + 6) == 2 && memcmp(b + 14, gw_ip, 4) == 0 &&
        memcmp(b + 24, our_ip, 4) == 0 && memcmp(f, our_mac, 6) == 0) {
      return ARP_REPLY_GW;
    }
    if (get16(b + 6) == 1 && memcmp(b + 24, our_ip, 4) == 0) {
      return ARP_REQUEST_US;
    }
    return OTHER;
  }
  if (type == 0x0800 && len >= 20 && b[0] == 0x45 && b[9] == 1 &&
      memcmp(b + 12, gw_ip, 4) == 0 && memcmp(b + 16, our_ip, 4) == 0 &&
      get16(b + 2) == 20 + 8 + PAYLOAD_LEN && len >= 20 + 8 + PAYLOAD_LEN) {
    const uint8_t *icmp = b + 20;
    test_check(tern_checksum(b, 20) == 0, "reply IPv4 checksum");
    test_check(tern_checksum(icmp, 8 + PAYLOAD_LEN) == 0,
               "reply ICMP checksum");
    if (icmp[0] == 0 && icmp[1] == 0 && get16(icmp + 4) == PING_ID &&
        get16(icmp + 6) == PING_SEQ &&
        memcmp(icmp + 8, ping_payload, PAYLOAD_LEN) == 0) {
      return ECHO_REPLY;
    }
  }
  return OTHER;
}

typedef struct {
  tern_task task;
  tern_co co;
  tern_timer timer;
  tern_pkt *pkt;
  tern_pkt *held;
  int err;
  bool expired;
  enum kind want;
  enum kind got;
  uint8_t sender[6];
  uint8_t gw_mac[6];
} eth_task;

/* Receives until a frame of kind s->want arrives (answering ARP requests
 * for our address meanwhile), at most 2 s per frame. */
static tern_poll await_kind(eth_task *s, tern_cx *cx, tern_co *co) {
  TERN_CO_BEGIN(co);
  for (;;) {
    TERN_CO_AWAIT(
        co, tern_with_timeout(&s->timer, cx,
                              tern_netdev_poll_recv(&dev, cx, &s->pkt, &s->err),
                              2000, &s->expired));
    if (s->expired || s->err != 0) {
      test_check(false, "a frame within 2 s");
      s->got = OTHER;
      TERN_CO_RETURN(co);
    }
    s->got = classify(s->pkt, s->sender);
    tern_pkt_free(s->pkt);
    s->pkt = NULL;
    if (s->got == s->want) {
      TERN_CO_RETURN(co);
    }
    if (s->got == ARP_REQUEST_US) {
      test_event("arp-request-answered");
      s->pkt = arp(2, s->sender, s->sender, gw_ip);
      TERN_CO_AWAIT(co, tern_netdev_poll_send(&dev, cx, s->pkt, &s->err));
      s->pkt = NULL;
    }
  }
  TERN_CO_END(co);
}

static tern_co sub_co;

/* Polls the receiver once with nothing to receive: PENDING, which stores
 * this task's waker and unmasks the RX interrupt. slirp answers within
 * the transmit that follows, so the answer then arrives through the
 * interrupt rather than being found by the next poll. */
static void arm_receive(tern_cx *cx) {
  tern_pkt *p = NULL;
  int err = 0;
  if (tern_netdev_poll_recv(&dev, cx, &p, &err) == TERN_READY) {
    tern_pkt_free(p);
    test_check(false, "nothing to receive before a request");
  }
}

static tern_poll run(tern_task *task, tern_cx *cx) {
  eth_task *s = TERN_CONTAINER_OF(task, eth_task, task);
  TERN_CO_BEGIN(&s->co);
  /* 1. ARP */
  s->pkt = arp(1, broadcast, (const uint8_t[6]){0}, gw_ip);
  arm_receive(cx);
  TERN_CO_AWAIT(&s->co, tern_netdev_poll_send(&dev, cx, s->pkt, &s->err));
  test_check(s->err == 0, "send ARP request");
  test_event("arp-sent");
  s->want = ARP_REPLY_GW;
  sub_co = 0;
  TERN_CO_AWAIT(&s->co, await_kind(s, cx, &sub_co));
  if (s->got != ARP_REPLY_GW) {
    TERN_CO_RETURN(&s->co);
  }
  memcpy(s->gw_mac, s->sender, 6);
  test_event("arp-reply");
  print_mac("arp: 10.0.2.2 is at ", s->gw_mac, "\r\n");

  /* 2. ICMP echo */
  s->pkt = echo_request(s->gw_mac);
  arm_receive(cx);
  TERN_CO_AWAIT(&s->co, tern_netdev_poll_send(&dev, cx, s->pkt, &s->err));
  test_check(s->err == 0, "send echo request");
  test_event("echo-sent");
  s->want = ECHO_REPLY;
  sub_co = 0;
  TERN_CO_AWAIT(&s->co, await_kind(s, cx, &sub_co));
  if (s->got != ECHO_REPLY) {
    TERN_CO_RETURN(&s->co);
  }
  test_event("echo-reply");
  tern_board_console_puts(
      "icmp: echo reply from 10.0.2.2, id 29797 seq 1, 32 bytes\r\n");

  /* 3. No buffer: two replies, one packet. */
  s->pkt = arp(1, broadcast, (const uint8_t[6]){0}, gw_ip);
  TERN_CO_AWAIT(&s->co, tern_netdev_poll_send(&dev, cx, s->pkt, &s->err));
  s->pkt = arp(1, broadcast, (const uint8_t[6]){0}, gw_ip);
  TERN_CO_AWAIT(&s->co, tern_netdev_poll_send(&dev, cx, s->pkt, &s->err));
  TERN_CO_AWAIT(&s->co, tern_sleep_for(&s->timer, cx, 100));
  TERN_CO_AWAIT(&s->co, tern_netdev_poll_recv(&dev, cx, &s->held, &s->err));
  test_check(s->err == 0 && classify(s->held, s->sender) == ARP_REPLY_GW,
             "first reply received");
  TERN_CO_AWAIT(&s->co, tern_with_timeout(
                            &s->timer, cx,
                            tern_netdev_poll_recv(&dev, cx, &s->pkt, &s->err),
                            100, &s->expired));
  test_check(s->expired, "second reply dropped: no buffer");
  tern_pkt_free(s->held);
  s->held = NULL;
  test_event("nobuf");
  TERN_CO_END(&s->co);
}

static tern_executor ex;
static eth_task t;

int main(void) {
  tern_board_console_puts("lan9118 test\r\n");
  int err = tern_lan9118_init(&eth, &rx_pool, our_mac);
  test_check(err == 0, "init");
  if (err != 0) {
    test_print_u32("lan9118 test: init failed, ", (uint32_t)-err, "\r\n");
    return 1;
  }
  dev = tern_lan9118_netdev(&eth);
  tern_netdev_info info = tern_netdev_get_info(&dev);
  test_check(info.mtu == 1514 && info.medium == TERN_MEDIUM_ETHERNET &&
                 memcmp(info.mac, our_mac, 6) == 0,
             "info");
  test_print_u32("lan9118: id_rev 0x0118 rev ", eth.id_rev & 0xffff, ", ");
  print_mac("mac ", info.mac, "");
  tern_board_console_puts(tern_lan9118_link_up(&eth) ? ", link up\r\n"
                                                     : ", link down\r\n");
  test_check((eth.id_rev >> 16) == 0x0118, "ID_REV says LAN9118");

  tern_executor_init(&ex);
  tern_task_init(&t.task, run);
  t.timer = (tern_timer)TERN_TIMER_INIT;
  tern_spawn(&ex, &t.task);
  tern_executor_run(&ex, &t.task);

  const tern_netdev_stats *st = tern_netdev_get_stats(&dev);
  test_print_order();
  test_print_u32("stats: rx ", st->rx_packets, " packets, ");
  test_print_u32("tx ", st->tx_packets, " packets, ");
  test_print_u32("nobuf ", st->rx_drop_nobuf, ", ");
  test_print_u32("errors ", st->rx_drop_malformed + st->tx_drop_error, "\r\n");
  test_print_u32("interrupts: ", eth.irqs, ", ");
  test_print_u32("sleeps in WFI: ", ex.sleeps, "\r\n");
  test_check(st->rx_drop_nobuf == 1, "one frame dropped for want of a buffer");
  test_check(eth.irqs >= 2, "the receiver was woken by interrupts");
  test_check(ex.sleeps >= 2, "the task slept while waiting");
  if (test_failures() != 0) {
    test_print_u32("lan9118 test: ", (uint32_t)test_failures(), " failed\r\n");
    return 1;
  }
  tern_board_console_puts("lan9118 test: all passed\r\n");
  return 0;
}
