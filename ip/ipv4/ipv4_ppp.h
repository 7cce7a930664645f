/* Gives an IPv4 interface over a PPP link (link/ppp, tern/ppp.h) the
 * addresses IPCP negotiated: a task that waits for the interface's link
 * events and, each time the link comes up, sets the interface's address
 * (a /32: a point-to-point link has no subnet) with the peer as gateway;
 * when the link goes down, or stays up without an address IPCP gave
 * that set_addr takes (IPV6CP alone opened, none given, one refused), it
 * takes the address away. It lives in the IP layer because link layers
 * do not depend on it: link/ppp reports the link going up and down, this
 * reads what IPCP gave and tells IPv4.
 *
 *   static tern_ppp ppp;
 *   static tern_ipv4_ppp glue;
 *   tern_ppp_init(&ppp, stream, &pool, tx, sizeof tx, &cfg, &rng);
 *   tern_ip_iface_add(&ip, &iface, tern_ppp_netdev(&ppp));  (no address)
 *   tern_ipv4_ppp_start(&glue, &ex, &ppp, &iface);
 *
 * The gateway only says the default route goes over the link (on a
 * point-to-point device every datagram goes to the peer whatever its
 * next hop). A peer that gives no address of its own (RFC 1332 lets it),
 * or claims ours as its own (IPCP does not forbid both ends the same
 * address), gets the stand-in pppd and lwIP use, 10.64.64.64, or
 * 10.64.64.65 when 10.64.64.64 is our address (tern_ipv4_set_addr refuses
 * our own address as the gateway).
 *
 * The DNS servers IPCP learnt (RFC 1877, when tern_ppp_config's want_dns
 * asked for them) are in tern_ppp_get_ipv4(glue->ppp) from the time the
 * change callback is called with up true. */
#ifndef TERN_IPV4_PPP_H
#define TERN_IPV4_PPP_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/executor.h"
#include "tern/ip.h"
#include "tern/ppp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_ipv4_ppp {
  tern_task task;
  tern_ppp *ppp;
  tern_ip_iface *iface;
  uint32_t ups; /* times IPCP's address was set on the interface */
  /* tern_ipv4_set_addr's error for the address IPCP gave last (a peer
   * giving us 127.0.0.1 or a broadcast: the interface has none), or 0. */
  int err;
  /* Called after each link event (optional; set it after start): up is
   * whether the interface has IPCP's address now. It is false with the
   * link down, and also with the link up but no IPv4 address: IPCP not
   * opened while IPV6CP is, no address given us (the peer rejected our
   * request for one), or one set_addr refused (err). */
  void (*on_change)(struct tern_ipv4_ppp *g, bool up);
} tern_ipv4_ppp;

/* Spawns the task on ex for iface, which must sit over ppp's netdev and
 * belong to a stack with IPv4 (tern_ipv4_init). g, ppp and iface must
 * outlive the task. Returns 0, TERN_EINVAL for a NULL argument, or
 * tern_spawn's error. */
int tern_ipv4_ppp_start(tern_ipv4_ppp *g, tern_executor *ex, tern_ppp *ppp,
                        tern_ip_iface *iface);

#ifdef __cplusplus
}
#endif

#endif /* TERN_IPV4_PPP_H */
