/* The echo application: a UDP echo server (RFC 862, port 7) on tern's IPv4
 * stack, the same code on the host (TAP, TUN, SLIP over a pty) and on the
 * boards (Ethernet on the MPS2 AN385, SLIP on the micro:bit's UART). The
 * platform's main() opens its device, builds the link layers and calls
 * tern_echo_start; ICMP echo (ping) is answered by the stack itself. */
#ifndef TERN_APPS_ECHO_H
#define TERN_APPS_ECHO_H

#include <stdint.h>

#include "tern/co.h"
#include "tern/executor.h"
#include "tern/ipv4.h"
#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/udp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_ECHO_PORT 7

/* Receive ring and datagram buffer; boards with little RAM shrink them. */
#ifndef TERN_ECHO_RING_SIZE
#define TERN_ECHO_RING_SIZE 4096
#endif
#ifndef TERN_ECHO_BUF_SIZE
#define TERN_ECHO_BUF_SIZE 1472 /* the largest UDP payload on Ethernet */
#endif

typedef struct tern_echo_stats {
  uint32_t echoed;      /* datagrams sent back */
  uint32_t send_errors; /* send_to failed (no route, too big) */
  uint32_t truncated;   /* longer than the buffer: echoed cut */
} tern_echo_stats;

/* Everything the application needs, in one caller-owned struct. */
typedef struct tern_echo_app {
  tern_ipv4_stack ip;
  tern_ipv4_iface iface;
  tern_udp_layer udp;
  struct {
    tern_task task;
  } runner;
  struct {
    tern_task task;
    tern_co co;
    tern_udp_sock sock;
    tern_endpoint from;
    int n;
    int err;
    uint8_t ring[TERN_ECHO_RING_SIZE];
    uint8_t buf[TERN_ECHO_BUF_SIZE];
  } server;
  tern_echo_stats stats;
} tern_echo_app;

/* Sets up the IPv4 stack on dev (medium IP: SLIP, TUN or the Ethernet
 * adapter) with the given address, prefix and gateway (NULL: none), binds
 * UDP port 7 and spawns the stack's runner task and the echo task on ex.
 * Packets are sent from pool. Returns 0 or a negative tern_err. */
int tern_echo_start(tern_echo_app *app, tern_executor *ex, tern_pkt_pool *pool,
                    tern_netdev dev, const tern_ipv4_addr *addr,
                    uint8_t prefix_len, const tern_ipv4_addr *gateway);

#ifdef __cplusplus
}
#endif

#endif /* TERN_APPS_ECHO_H */
