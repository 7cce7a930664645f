#include "tern/ipv4_ppp.h"

#include <string.h>

#include "tern/ipv4.h"

static tern_poll glue_poll(tern_task *t, tern_cx *cx) {
  tern_ipv4_ppp *g = TERN_CONTAINER_OF(t, tern_ipv4_ppp, task);
  for (;;) {
    uint32_t ev;
    if (tern_ip_iface_poll_event(g->iface, cx, &ev) == TERN_PENDING) {
      return TERN_PENDING;
    }
    if ((ev & TERN_NETDEV_EV_LINK) == 0) {
      continue;
    }
    /* An address only while IPCP gave one that set_addr takes: the link
     * is also up while IPV6CP alone is opened (IPCP's address reads all
     * zero then), a peer with none to give rejects our request for one
     * (RFC 1332), and a hostile or broken one may give us an address no
     * host may have (127.0.0.1), which set_addr refuses. Any of these
     * takes away an address set before. */
    bool addressed = false;
    int err = 0;
    if (tern_ip_iface_up(g->iface)) {
      tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(g->ppp);
      tern_ipv4_addr local, peer;
      memcpy(local.b, v4.local, 4);
      memcpy(peer.b, v4.peer, 4);
      /* A peer may give no address of its own (RFC 1332), or claim ours
       * (IPCP does not forbid it), which set_addr refuses as the gateway.
       * The link still carries everything: on a point-to-point device the
       * gateway only says the default route goes there, so take the
       * stand-in pppd and lwIP use, 10.64.64.64 (.65 when that is the
       * address we were given). */
      static const tern_ipv4_addr stand_in = {{10, 64, 64, 64}};
      if (tern_ipv4_is_unspecified(&peer) || memcmp(peer.b, local.b, 4) == 0) {
        peer = stand_in;
        if (memcmp(local.b, stand_in.b, 4) == 0) {
          peer.b[3] = 65;
        }
      }
      if (!tern_ipv4_is_unspecified(&local)) {
        err = tern_ipv4_set_addr(g->iface, &local, 32, &peer);
        addressed = err == 0;
      }
    }
    if (addressed) {
      g->ups++;
    } else {
      (void)tern_ipv4_set_addr(g->iface, NULL, 0, NULL);
    }
    g->err = err;
    if (g->on_change != NULL) {
      g->on_change(g, addressed);
    }
  }
}

int tern_ipv4_ppp_start(tern_ipv4_ppp *g, tern_executor *ex, tern_ppp *ppp,
                        tern_ip_iface *iface) {
  if (g == NULL || ex == NULL || ppp == NULL || iface == NULL) {
    return TERN_EINVAL;
  }
  memset(g, 0, sizeof *g);
  g->ppp = ppp;
  g->iface = iface;
  tern_task_init(&g->task, glue_poll);
  return tern_spawn(ex, &g->task);
}
