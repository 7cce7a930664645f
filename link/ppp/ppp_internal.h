/* What link/ppp's optional parts (CHAP) use of the link. Not public. */
#ifndef TERN_PPP_INTERNAL_H
#define TERN_PPP_INTERNAL_H

#include <stdbool.h>

#include "tern/ppp.h"

enum {
  TERN__PPP_AUTH_PAP = 1,
  TERN__PPP_AUTH_CHAP = 2,
};

/* Queues the control packet built in pkt (its data from the code on, len
 * bytes) with this code, id and length. Takes pkt. */
void tern__ppp_ctl_send(tern_ppp *p, tern_pkt *pkt, uint16_t proto,
                        unsigned code, unsigned id, size_t len);

/* The peer accepted (network phase) or refused (LCP ends) us. */
void tern__ppp_auth_done(tern_ppp *p, bool ok);

#endif /* TERN_PPP_INTERNAL_H */
