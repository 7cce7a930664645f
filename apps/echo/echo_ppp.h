/* Gives an IPv4 interface over a PPP link the addresses IPCP negotiated:
 * a task that waits for the interface's link events and, each time the
 * link comes up, sets the interface's address (a /32: a point-to-point
 * link has no subnet) with the peer as gateway; when it goes down it takes
 * the address away. The application's side of link/ppp, kept here because
 * link layers do not depend on the IP layer. */
#ifndef TERN_APPS_ECHO_PPP_H
#define TERN_APPS_ECHO_PPP_H

#include "tern/executor.h"
#include "tern/ip.h"
#include "tern/ppp.h"

#ifdef __cplusplus
extern "C" {
#endif

#include <stdbool.h>

typedef struct tern_echo_ppp {
  tern_task task;
  tern_ppp *ppp;
  tern_ip_iface *iface;
  uint32_t ups; /* times the link came up and the address was set */
  /* Called after each change (optional; set it after start). */
  void (*on_change)(struct tern_echo_ppp *g, bool up);
} tern_echo_ppp;

/* Spawns the task on ex for iface, which must sit over ppp's netdev.
 * Returns 0 or a negative tern_err. */
int tern_echo_ppp_start(tern_echo_ppp *g, tern_executor *ex, tern_ppp *ppp,
                        tern_ip_iface *iface);

#ifdef __cplusplus
}
#endif

#endif /* TERN_APPS_ECHO_PPP_H */
