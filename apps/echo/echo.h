/* The echo application: a UDP echo server (RFC 862, port 7) on tern's IPv4
 * stack, the same code on the host (TAP, TUN, SLIP over a pty) and on the
 * boards (Ethernet on the MPS2 AN385, SLIP on the micro:bit's UART). The
 * platform's main() opens its device, builds the link layers and calls
 * tern_echo_start; ICMP echo (ping) is answered by the stack itself.
 *
 * An echo server is a reflector, so it refuses what would make it one in
 * an attack, as inetd's built-in services do: datagrams that came to a
 * broadcast or multicast address (at the IP or the link layer: one
 * spoofed broadcast would make every node answer one victim), and
 * datagrams from the ports of the other reflecting services (echo,
 * daytime, qotd, chargen, time) or port 0: two such servers would
 * otherwise bounce one spoofed datagram between them for ever. */
#ifndef TERN_APPS_ECHO_H
#define TERN_APPS_ECHO_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/co.h"
#include "tern/executor.h"
#include "tern/ip.h"
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
  uint32_t refused;     /* not answered: to a broadcast, or from a
                           reflecting service's port */
} tern_echo_stats;

/* Everything the application needs, in one caller-owned struct. */
typedef struct tern_echo_app {
  tern_ip_stack ip;
  tern_ipv4_layer v4;
  tern_ip_iface iface;
  tern_udp_layer udp;
  struct {
    tern_task task;
  } runner;
  struct {
    tern_task task;
    tern_co co;
    tern_udp_sock sock;
    tern_udp_msg msg;
    int n;
    int err;
    uint8_t ring[TERN_ECHO_RING_SIZE];
    uint8_t buf[TERN_ECHO_BUF_SIZE];
  } server;
  tern_echo_stats stats;
} tern_echo_app;

/* Whether the echo server answers a datagram that came as msg describes:
 * not to a broadcast or multicast, and not from port 0 or a reflecting
 * service's port (7 echo, 13 daytime, 17 qotd, 19 chargen, 37 time). */
bool tern_echo_would_answer(const tern_udp_msg *msg);

/* Sets up the IPv4 stack on dev (medium IP: SLIP, TUN or the Ethernet
 * adapter) with the given address, prefix and gateway (NULL: none), binds
 * UDP port 7 and spawns the stack's runner task and the echo task on ex.
 * app may be any storage: it is cleared first.
 * Packets are sent from pool; identifiers (ports, IP ids) come from rng.
 * Returns 0 or a negative tern_err. */
int tern_echo_start(tern_echo_app *app, tern_executor *ex, tern_pkt_pool *pool,
                    const tern_rng *rng, tern_netdev dev,
                    const tern_ipv4_addr *addr, uint8_t prefix_len,
                    const tern_ipv4_addr *gateway);

#ifdef __cplusplus
}
#endif

#endif /* TERN_APPS_ECHO_H */
