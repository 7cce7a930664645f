/* Name resolution in firmware: the MPS2 AN385 (Cortex-M3) in QEMU, its
 * LAN9118 Ethernet, ARP, IPv4 192.0.2.35/24, UDP and TCP under the tern
 * socket backend, and the stub resolver (tern/dns.h) asking the DNS
 * server at 192.0.2.2. It resolves the names in `names` below one after
 * the other, prints each answer on the UART, then exits 0 (semihosting):
 *
 *   resolve: peer.test A 198.51.100.7
 *   resolve: nothing.test A error NXDOMAIN
 *
 * One line per address, or one "error" line with the reason (NXDOMAIN, no
 * data, timed out, ...). The last line before the exit counts the
 * resolver's queries. tests/mps2_resolve_test.sh puts the NIC on a TAP
 * device in a private network namespace where dnsmasq answers. */
#include "tern/board.h"
#include "tern/co.h"
#include "tern/dns.h"
#include "tern/ethernet.h"
#include "tern/executor.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/mps2_an385/lan9118.h"
#include "tern/mps2_an385/rng.h"
#include "tern/socket_tern.h"
#include "tern/tcp.h"
#include "tern/udp.h"

/* What to ask, in order: an address, an IPv6 address, an answer too long
 * for UDP (TC, then TCP), a name that does not exist. */
static const struct {
  const char *name;
  unsigned qtype;
} names[] = {
    {"peer.test", TERN_DNS_TYPE_A},
    {"peer.test", TERN_DNS_TYPE_AAAA},
    {"many.test", TERN_DNS_TYPE_A},
    {"nothing.test", TERN_DNS_TYPE_A},
};
#define NNAMES (sizeof names / sizeof names[0])
#define MAX_ADDRS 64

TERN_PKT_POOL_DEFINE(pool, 16, 1536);

static tern_executor ex;
static tern_lan9118 nic;
static tern_eth eth;
static tern_neighbour4 neighbours[8];
static tern_mps2_rng mps2_rng;
static tern_rng rng;
static tern_ip_stack ip;
static tern_ipv4_layer v4;
static tern_ip_iface iface;
static tern_udp_layer udp;
static tern_tcp_layer tcp;
static tern_task ip_task, tcp_task;

/* Sockets: two (a datagram socket, and a stream socket for the TCP
 * fallback), one connection. */
static tern_socket_tern_sock socks[2];
static tern_tcp_conn conns[1];
static uint8_t tcp_bufs[1 * (512 + 2048)];
static uint8_t udp_bufs[2 * 1024];
static tern_socket_tern sockets;

static tern_endpoint server; /* 192.0.2.2:53 */
static tern_dns_resolver res;
static uint8_t answer[2048];

typedef struct {
  tern_task task;
  tern_co co;
  unsigned i;
  int n;
  tern_ip_addr addrs[MAX_ADDRS];
} resolve_state;

static resolve_state st;

static void puts_u(unsigned v) {
  char b[11];
  unsigned i = sizeof b - 1;
  b[i] = 0;
  do {
    b[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  tern_board_console_puts(b + i);
}

static void fail(const char *what, int err) {
  tern_board_console_puts("resolve: ");
  tern_board_console_puts(what);
  tern_board_console_puts(": ");
  tern_board_console_puts(tern_strerror(err));
  tern_board_console_puts("\r\n");
  tern_board_exit(1);
}

static void print_result(unsigned i, int n, const tern_ip_addr *addrs) {
  const char *type = names[i].qtype == TERN_DNS_TYPE_A ? " A " : " AAAA ";
  if (n <= 0) {
    tern_board_console_puts("resolve: ");
    tern_board_console_puts(names[i].name);
    tern_board_console_puts(type);
    tern_board_console_puts("error ");
    tern_board_console_puts(n == TERN_ENOENT ? "NXDOMAIN" : tern_strerror(n));
    tern_board_console_puts("\r\n");
    return;
  }
  for (int k = 0; k < n; k++) {
    char text[TERN_IPV6_STRLEN];
    if (tern_ip_format(&addrs[k], text, sizeof text) <= 0) {
      text[0] = '?';
      text[1] = 0;
    }
    tern_board_console_puts("resolve: ");
    tern_board_console_puts(names[i].name);
    tern_board_console_puts(type);
    tern_board_console_puts(text);
    tern_board_console_puts("\r\n");
  }
}

static tern_poll resolve_poll(tern_task *t, tern_cx *cx) {
  resolve_state *s = TERN_CONTAINER_OF(t, resolve_state, task);
  TERN_CO_BEGIN(&s->co);
  for (s->i = 0; s->i < NNAMES; s->i++) {
    TERN_CO_AWAIT(&s->co, tern_dns_poll_resolve(&res, cx, names[s->i].name,
                                                names[s->i].qtype, s->addrs,
                                                MAX_ADDRS, &s->n));
    print_result(s->i, s->n, s->addrs);
  }
  tern_board_console_puts("resolve: done, ");
  puts_u(res.stats.queries);
  tern_board_console_puts(" queries, ");
  puts_u(res.stats.tcp);
  tern_board_console_puts(" tcp, ");
  puts_u(res.stats.timeouts);
  tern_board_console_puts(" timeouts\r\n");
  tern_board_exit(0);
  TERN_CO_END(&s->co);
}

static tern_poll ip_run(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_ip_stack_poll_run(&ip, cx);
}

static tern_poll tcp_run(tern_task *t, tern_cx *cx) {
  (void)t;
  return tern_tcp_poll_run(&tcp, cx);
}

static void check(const char *what, int rc) {
  if (rc != 0) {
    fail(what, rc);
  }
}

int main(void) {
  static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x35};
  const tern_ipv4_addr addr = tern_ipv4(192, 0, 2, 35);
  tern_executor_init(&ex);
  check("lan9118", tern_lan9118_init(&nic, &pool, mac));
  check("ethernet",
        tern_eth_init(&eth, tern_lan9118_netdev(&nic), &pool, neighbours,
                      sizeof neighbours / sizeof neighbours[0]));
  /* No entropy hardware on this board: a generator seeded from timing
   * jitter, stirred with the MAC (tern/mps2_an385/rng.h). It picks the
   * queries' IDs and source ports. */
  check("rng", tern_mps2_rng_init(&mps2_rng));
  (void)tern_mps2_rng_stir(&mps2_rng, mac, sizeof mac);
  rng = tern_mps2_rng_get(&mps2_rng);
  check("ip", tern_ip_stack_init(&ip, &pool, &rng));
  check("ipv4", tern_ipv4_init(&v4, &ip));
  check("iface", tern_ip_iface_add(&ip, &iface, tern_eth_netdev(&eth)));
  check("addr", tern_ipv4_set_addr(&iface, &addr, 24, NULL));
  check("udp", tern_udp_init(&udp, &ip));
  check("tcp", tern_tcp_init(&tcp, &ip, NULL));
  const tern_socket_tern_storage storage = {
      socks, 2, conns, 1, tcp_bufs, 512, 2048, udp_bufs, 1024};
  check("sockets", tern_socket_tern_init(&sockets, &tcp, &udp, &storage));
  server.addr.family = TERN_IP_V4;
  server.addr.u.v4 = tern_ipv4(192, 0, 2, 2);
  server.port = TERN_DNS_PORT;
  /* 1 s, then 2 s, then 4 s: the first query can wait for ARP (the
   * kernel may miss the first request from a TAP just attached). */
  const tern_dns_config cfg = {&server, 1, 3, 1000};
  check("resolver",
        tern_dns_resolver_init(&res, tern_socket_tern_net(&sockets), &rng, NULL,
                               &cfg, answer, sizeof answer));
  tern_task_init(&ip_task, ip_run);
  tern_task_init(&tcp_task, tcp_run);
  tern_task_init(&st.task, resolve_poll);
  check("spawn", tern_spawn(&ex, &ip_task));
  check("spawn", tern_spawn(&ex, &tcp_task));
  check("spawn", tern_spawn(&ex, &st.task));
  tern_board_console_puts("resolve: 192.0.2.35 asks 192.0.2.2 (lan9118)\r\n");
  tern_executor_run(&ex, NULL);
  return 0;
}
