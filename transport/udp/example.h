/* An application's use of the IP stack with IPv4 and UDP, quoted in
 * README.md (here, in ip/core and in ip/ipv4) and run by example_test.cc:
 * a node with one interface, a runner task and a UDP echo task on port
 * 7. */
#ifndef TERN_UDP_EXAMPLE_H
#define TERN_UDP_EXAMPLE_H

#include <stdint.h>

#include "tern/co.h"
#include "tern/executor.h"
#include "tern/hal_rng.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/udp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The runner task: awaits tern_ip_stack_poll_run forever. */
typedef struct tern_example_runner {
  tern_task task;
  tern_ip_stack *ip;
} tern_example_runner;

/* The echo task: binds port 7, then loops recv_from / send_to. */
typedef struct tern_example_echo {
  tern_task task;
  tern_udp_layer *udp;
  tern_co co;
  tern_udp_sock sock;
  uint8_t ring[2048]; /* the socket's receive ring */
  tern_endpoint from;
  uint8_t buf[1472];
  int n;     /* length of the datagram received */
  int err;   /* the last send's result */
  int fails; /* sends that failed */
} tern_example_echo;

#define TERN_EXAMPLE_PKTS 4
#define TERN_EXAMPLE_PKT_SIZE 1536

/* Everything one network node needs, in one struct of caller storage. */
typedef struct tern_example_node {
  uint8_t pool_storage[TERN_PKT_POOL_STORAGE_SIZE(
      TERN_EXAMPLE_PKTS, TERN_EXAMPLE_PKT_SIZE)] __attribute__((aligned(8)));
  tern_pkt_pool pool;
  tern_ip_stack ip;
  tern_ipv4_layer v4;
  tern_ip_iface iface;
  tern_udp_layer udp;
  tern_example_runner runner;
  tern_example_echo echo;
} tern_example_node;

/* Sets up node over dev (a netdev of IP packets: SLIP, TUN, the Ethernet
 * adapter...) with addr/prefix_len and gateway (NULL: none), identifiers
 * (IP ids, ports) from rng, and spawns its runner and echo tasks on ex.
 * Returns 0 or a negative tern_err. */
int tern_example_node_start(tern_example_node *node, tern_executor *ex,
                            const tern_rng *rng, tern_netdev dev,
                            const tern_ipv4_addr *addr, uint8_t prefix_len,
                            const tern_ipv4_addr *gateway);

#ifdef __cplusplus
}
#endif

#endif /* TERN_UDP_EXAMPLE_H */
