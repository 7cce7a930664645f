/* Not a product: lwIP 2.1.3's counterpart of tern's Ethernet size firmware
 * (apps/echo/size_stack.c with TERN_SIZE_ETHERNET), for
 * tools/bench/lwip_size.sh. An Ethernet netif over a dummy driver (the
 * micro:bit has no Ethernet; tern's firmware uses a memory netdev), the
 * address 192.0.2.15/24, a UDP echo on port 7 with a raw-API udp_pcb, and
 * ping answered by the stack. NO_SYS=1: one main loop.
 *
 * With TERN_BENCH_TCP=1 (lwip_size.sh --tcp) it is the counterpart of
 * transport/tcp/bench/size_stack_tcp.c: the same with a TCP echo on port
 * 7 beside the UDP one, written with lwIP's raw TCP API.
 *
 * Like tern's firmware it runs from reset on the micro:bit's memory map
 * (tern's platforms/microbit/linker.ld), with its own minimal vector table
 * and reset code instead of tern's startup library. Nothing here is
 * counted in lwIP's protocol group; the driver, the application and the
 * port are the firmware's, as size_stack.c, apps/echo and tern's port are
 * outside tern's. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

/* ---- The port: critical sections, the clock, the RNG -------------------- */

/* Interrupts masked around buffer allocation (SYS_LIGHTWEIGHT_PROT), as
 * tern_port_critical_enter/_exit do. */
sys_prot_t sys_arch_protect(void) {
  uint32_t primask;
  __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
  return primask;
}

void sys_arch_unprotect(sys_prot_t pval) {
  __asm__ volatile("msr primask, %0" ::"r"(pval) : "memory");
}

/* Milliseconds from a SysTick interrupt (the board's clock is not set up:
 * what it costs is the firmware's, not the stack's). */
static volatile uint32_t now_ms;

void bench_systick_handler(void) {
  now_ms++;
}

u32_t sys_now(void) {
  return now_ms;
}

/* A constant, as tern's size firmware's RNG (fixed_fill). */
uint32_t bench_rand(void) {
  return 0x5a5a5a5au;
}

/* ---- The dummy Ethernet driver -------------------------------------------
 * Frames of up to 600 bytes (tern's memory netdev: MTU 600), one frame
 * each way. "Hardware" (nothing, here) would fill rx_frame and set rx_len,
 * and flip wire_link_up. */
#define FRAME_MAX 600

static uint8_t rx_frame[FRAME_MAX];
static volatile uint16_t rx_len;
static uint8_t tx_frame[FRAME_MAX];
static volatile uint16_t tx_len;
static volatile bool wire_link_up = true;

static err_t dummy_linkoutput(struct netif *netif, struct pbuf *p) {
  (void)netif;
  if (p->tot_len > FRAME_MAX || tx_len != 0) {
    return ERR_IF; /* too long, or the previous frame is still going */
  }
  tx_len = pbuf_copy_partial(p, tx_frame, p->tot_len, 0);
  return ERR_OK;
}

static err_t dummy_init(struct netif *netif) {
  static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
  netif->name[0] = 'e';
  netif->name[1] = '0';
  netif->output = etharp_output;
  netif->linkoutput = dummy_linkoutput;
  netif->mtu = FRAME_MAX - SIZEOF_ETH_HDR;
  netif->hwaddr_len = ETH_HWADDR_LEN;
  memcpy(netif->hwaddr, mac, sizeof mac);
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  return ERR_OK;
}

/* Received frames up the stack, and link changes. */
static void dummy_poll(struct netif *netif) {
  if (wire_link_up != netif_is_link_up(netif)) {
    if (wire_link_up) {
      netif_set_link_up(netif);
    } else {
      netif_set_link_down(netif);
    }
  }
  uint16_t len = rx_len;
  if (len == 0) {
    return;
  }
  struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
  if (p != NULL) {
    pbuf_take(p, rx_frame, len);
    if (netif->input(p, netif) != ERR_OK) {
      pbuf_free(p);
    }
  }
  rx_len = 0;
}

/* ---- The application: UDP echo on port 7 ----------------------------------
 * The same refusals as tern_echo_would_answer (apps/echo/echo.c): nothing
 * sent to a broadcast or multicast address, and no answer to the ports of
 * the other small services (a reflector loop, issue 8 4.2). */
static bool would_answer(u16_t src_port) {
  const ip4_addr_t *dst = ip4_current_dest_addr();
  if (ip4_addr_isbroadcast(dst, ip_current_input_netif()) ||
      ip4_addr_ismulticast(dst)) {
    return false;
  }
  switch (src_port) {
    case 0:
    case 7:
    case 13:
    case 17:
    case 19:
    case 37: return false;
    default: return true;
  }
}

static void echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
                      const ip_addr_t *addr, u16_t port) {
  (void)arg;
  if (would_answer(port)) {
    udp_sendto(pcb, p, addr, port);
  }
  pbuf_free(p);
}

/* ---- The application: TCP echo on port 7 (TERN_BENCH_TCP) -----------------
 * What size_stack_tcp.c's server does: every byte read is written back,
 * our FIN goes after the peer's once all of it is written, and an error
 * aborts the connection (a reset). lwIP calls the application from its
 * input path and timers. A received pbuf chain is held until tcp_write
 * has copied all of it into lwIP's send buffer, and its bytes are given
 * back to the receive window (tcp_recved) only as they are copied: a peer
 * that does not read fills our send buffer, then our window, as tern's
 * server stops reading while its write waits. Connections are served side
 * by side, one slot each (lwIP's pool has as many pcbs as tern's listener
 * has slots); tern's server serves one at a time and the second waits
 * accepted. */
#if TERN_BENCH_TCP
struct conn {
  struct tcp_pcb *pcb; /* NULL: the slot is free */
  struct pbuf *held;   /* read and not yet all written */
  bool peer_closed;    /* the peer's FIN came */
};

static struct conn conns[MEMP_NUM_TCP_PCB];

static void conn_forget(struct conn *c) {
  if (c->held != NULL) {
    pbuf_free(c->held);
  }
  c->held = NULL;
  c->pcb = NULL;
  c->peer_closed = false;
}

/* lwIP has freed the pcb (reset, timeout, or our own tcp_abort). */
static void conn_err(void *arg, err_t err) {
  (void)err;
  conn_forget(arg);
}

/* A reset to the peer; lwIP frees the pcb and calls conn_err, which frees
 * the slot. The callback that called this must return ERR_ABRT. */
static err_t conn_abort(struct conn *c) {
  tcp_abort(c->pcb);
  return ERR_ABRT;
}

/* Writes what is held as far as lwIP's send buffer takes it, and closes
 * once the peer has and everything is written. Called on data, on each
 * ACK that frees send buffer, and from the poll timer (for a write that
 * found lwIP's heap or segments short with nothing in flight). */
static err_t conn_flush(struct conn *c) {
  struct tcp_pcb *pcb = c->pcb;
  bool wrote = false;
  while (c->held != NULL) {
    struct pbuf *q = c->held;
    u16_t n = LWIP_MIN(q->len, tcp_sndbuf(pcb));
    if (n == 0) {
      break;
    }
    err_t err = tcp_write(pcb, q->payload, n, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM) {
      break; /* again on the next ACK or poll */
    }
    if (err != ERR_OK) {
      return conn_abort(c);
    }
    wrote = true;
    tcp_recved(pcb, n);
    if (n < q->len) {
      pbuf_remove_header(q, n);
      break;
    }
    /* Drop the first pbuf, keep the rest of the chain. */
    c->held = q->next;
    if (c->held != NULL) {
      pbuf_ref(c->held);
    }
    pbuf_free(q);
  }
  if (c->held == NULL && c->peer_closed) {
    /* The pcb is lwIP's from here (freed after LAST-ACK): no callback
     * comes to this slot again. */
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
    tcp_err(pcb, NULL);
    conn_forget(c);
    if (tcp_close(pcb) != ERR_OK) {
      tcp_abort(pcb);
      return ERR_ABRT;
    }
    return ERR_OK;
  }
  if (wrote) {
    tcp_output(pcb);
  }
  return ERR_OK;
}

static err_t conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
                       err_t err) {
  struct conn *c = arg;
  (void)pcb;
  if (p == NULL) {
    c->peer_closed = true; /* end of stream */
    return conn_flush(c);
  }
  if (err != ERR_OK) {
    pbuf_free(p);
    return conn_abort(c);
  }
  if (c->held == NULL) {
    c->held = p;
  } else {
    pbuf_cat(c->held, p);
  }
  return conn_flush(c);
}

static err_t conn_sent(void *arg, struct tcp_pcb *pcb, u16_t len) {
  (void)pcb;
  (void)len;
  return conn_flush(arg);
}

static err_t conn_poll(void *arg, struct tcp_pcb *pcb) {
  (void)pcb;
  return conn_flush(arg);
}

static err_t conn_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
  (void)arg;
  if (err != ERR_OK || pcb == NULL) {
    return ERR_VAL; /* lwIP could not make the pcb */
  }
  struct conn *c = NULL;
  for (size_t i = 0; i < MEMP_NUM_TCP_PCB && c == NULL; i++) {
    if (conns[i].pcb == NULL) {
      c = &conns[i];
    }
  }
  if (c == NULL) {
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  c->pcb = pcb;
  tcp_arg(pcb, c);
  tcp_recv(pcb, conn_recv);
  tcp_sent(pcb, conn_sent);
  tcp_err(pcb, conn_err);
  tcp_poll(pcb, conn_poll, 4); /* every 2 s (4 of lwIP's 500 ms ticks) */
  return ERR_OK;
}

/* The listener: port 7, a backlog of one (tern's: two slots, one served
 * and one more waiting). */
static bool echo_tcp_start(void) {
  struct tcp_pcb *pcb = tcp_new();
  if (pcb == NULL || tcp_bind(pcb, IP4_ADDR_ANY, 7) != ERR_OK) {
    return false;
  }
  struct tcp_pcb *lst = tcp_listen_with_backlog(pcb, 1);
  if (lst == NULL) {
    tcp_close(pcb);
    return false;
  }
  tcp_accept(lst, conn_accept);
  return true;
}
#endif

static struct netif netif;

int main(void) {
  ip4_addr_t addr, mask, gw;
  IP4_ADDR(&addr, 192, 0, 2, 15);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  ip4_addr_set_zero(&gw); /* no gateway, as the size firmware */
  lwip_init();
  if (netif_add(&netif, &addr, &mask, &gw, NULL, dummy_init, ethernet_input) ==
      NULL) {
    return 1;
  }
  netif_set_default(&netif);
  netif_set_up(&netif);
  struct udp_pcb *pcb = udp_new();
  if (pcb == NULL || udp_bind(pcb, IP4_ADDR_ANY, 7) != ERR_OK) {
    return 1;
  }
  udp_recv(pcb, echo_recv, NULL);
#if TERN_BENCH_TCP
  if (!echo_tcp_start()) {
    return 1;
  }
#endif
  for (;;) {
    dummy_poll(&netif);
#if LWIP_NETIF_LOOPBACK
    netif_poll(&netif);
#endif
    sys_check_timeouts();
    __asm__ volatile("wfi");
  }
}

/* ---- Reset and vectors ----------------------------------------------------
 * The linker script (tern's) gives the .data and .bss bounds and the stack
 * top, and keeps .vectors first in flash. */
extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start,
    __bss_end;

void bench_reset_handler(void) {
  memcpy(&__data_start, &__data_load,
         (size_t)((char *)&__data_end - (char *)&__data_start));
  memset(&__bss_start, 0, (size_t)((char *)&__bss_end - (char *)&__bss_start));
  main();
  for (;;) {
  }
}

static void bench_default_handler(void) {
  for (;;) {
  }
}

typedef void (*bench_handler)(void);

__attribute__((section(".vectors"),
               used)) static const bench_handler vectors[16] = {
    (bench_handler)(uintptr_t)&__stack_top,
    bench_reset_handler,
    bench_default_handler, /* NMI */
    bench_default_handler, /* HardFault */
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    bench_default_handler, /* SVCall */
    0,
    0,
    bench_default_handler, /* PendSV */
    bench_systick_handler,
};
