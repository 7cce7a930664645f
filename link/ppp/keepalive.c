/* The LCP keepalive: an Echo-Request every period while LCP is opened;
 * after echo_fails unanswered in a row the peer counts as dead (a
 * Code-Reject of our echo stops it instead: ppp.c clears p->echo). Linked
 * only by programs that call tern_ppp_use_keepalive (the link answers the
 * peer's Echo-Requests and counts its Echo-Replies without it). */
#include "link/ppp/ppp_internal.h"
#include "tern/bytes.h"

/* LCP is opened (the count starts afresh), or the period is over: one
 * more echo, or the peer is gone. Then the next echo is one period away
 * (none with a period of 0). */
static void echo_tick(tern_ppp *p, bool opened) {
  if (opened) {
    p->echo_out = 0;
  } else if (p->echo_out >= p->echo_fails) {
    tern__ppp_peer_dead(p);
    return;
  } else {
    tern_pkt *pkt;
    uint8_t *d = tern__ppp_ctl_begin(p, &pkt);
    if (d != NULL) {
      /* Only an echo sent can go unanswered: one lost to an empty pool
       * (counted in ctl_nobuf) is no sign of a dead peer. */
      p->echo_out++;
      p->ppp_stats.echo_sent++;
      tern_put_be32(d, p->magic);
      /* Code, identifier, length and our magic number: 8 bytes. */
      tern__ppp_ctl_send(p, pkt, TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REQ,
                         ++p->echo_id, 8);
    }
  }
  p->echo.on = p->echo_ms != 0;
  p->echo.at = tern_now() + p->echo_ms;
}

void tern_ppp_use_keepalive(tern_ppp *ppp, uint16_t echo_ms,
                            uint8_t echo_fails) {
  ppp->echo_tick = echo_tick;
  ppp->echo_fails = echo_fails ? echo_fails : 3;
  ppp->echo_ms = echo_ms; /* armed each time LCP is opened */
}
