/* IPV6CP (RFC 5072): the interface identifiers of the two ends, beside
 * IPCP on the same automaton. Linked only by programs that call
 * tern_ppp_use_ipv6cp. */
#include <string.h>

#include "link/ppp/ppp_internal.h"
#include "tern/err.h"

/* A fresh identifier: not zero, not the one we compare with (RFC 5072
 * 4.1). */
static void fresh_ifid(tern_ppp *p, uint8_t out[8], const uint8_t *avoid) {
  static const uint8_t zero[8] = {0};
  do {
    if (tern_rng_fill(&p->rng, out, 8) != 0) {
      out[7]++; /* the RNG failed: still different from before */
    }
  } while (memcmp(out, zero, 8) == 0 || memcmp(out, avoid, 8) == 0);
}

/* Our request: the interface identifier (10 bytes). */
_Static_assert(2 + 8 <= TERN__PPP_OPTS_MAX,
               "IPV6CP's add writes more than TERN__PPP_OPTS_MAX: raise it");

static uint8_t *add(tern_ppp *p, uint8_t *o) {
  if (!(p->cp[TERN__PPP_CP_IPV6CP].rejected & (1u << TERN_IPV6CP_IFID))) {
    o = tern_ppp_opt_put(o, TERN_IPV6CP_IFID, p->ifid, 8);
  }
  return o;
}

static int opt(tern_ppp *p, uint8_t type, uint8_t *val, uint8_t *len,
               int mode) {
  static const uint8_t zero[8] = {0};
  if (type != TERN_IPV6CP_IFID || *len != 8) {
    return TERN_PPP_CONF_REJ;
  }
  if (memcmp(val, zero, 8) == 0 || memcmp(val, p->ifid, 8) == 0) {
    /* The peer has none, or ours: suggest another (RFC 5072 4.1). */
    if (mode == WRITE_NAK) {
      fresh_ifid(p, val, p->ifid);
    }
    return TERN_PPP_CONF_NAK;
  }
  if (mode == APPLY) {
    memcpy(p->peer_ifid, val, 8);
  }
  return TERN_PPP_CONF_ACK;
}

static void nak(tern_ppp *p, const tern_ppp_opt *o, bool rej) {
  static const uint8_t zero[8] = {0};
  /* The peer's suggestion: ours now (a Reject is recorded by the core). */
  if (o->type == TERN_IPV6CP_IFID && !rej && o->len == 8 &&
      memcmp(o->val, zero, 8) != 0 && memcmp(o->val, p->peer_ifid, 8) != 0) {
    memcpy(p->ifid, o->val, 8);
  }
}

static void up(tern_ppp *p) {
  p->up |= TERN__PPP_UP_V6;
  tern__ppp_link_changed(p);
}

static void down(tern_ppp *p) {
  tern__ppp_ncp_down(p, TERN__PPP_UP_V6);
}

static void finished(tern_ppp *p, uint8_t why) {
  tern__ppp_ncp_finished(p, &p->cp[TERN__PPP_CP_IPCP], why);
}

static void reset(tern_ppp *p) {
  memset(p->peer_ifid, 0, 8);
}

static const tern__ppp_cp_ops ipv6cp_ops = {
    TERN_PPP_PROTO_IPV6CP, add, opt, nak, up, down, finished, reset,
};

int tern_ppp_use_ipv6cp(tern_ppp *ppp) {
  static const uint8_t zero[8] = {0};
  if (ppp->cfg.mru < TERN_PPP_MIN_MRU_V6) {
    return TERN_EINVAL; /* IPv6 needs 1280 both ways */
  }
  ppp->min_mru = TERN_PPP_MIN_MRU_V6;
  fresh_ifid(ppp, ppp->ifid, zero);
  if (ppp->cp[TERN__PPP_CP_IPV6CP].ops == NULL) {
    ppp->cp[TERN__PPP_CP_IPV6CP].ops = &ipv6cp_ops;
    tern__ppp_start_ncp(ppp, &ppp->cp[TERN__PPP_CP_IPV6CP]);
  }
  return 0;
}

bool tern_ppp_get_ipv6(const tern_ppp *ppp, uint8_t local[8], uint8_t peer[8]) {
  if (!(ppp->up & TERN__PPP_UP_V6)) {
    return false;
  }
  memcpy(local, ppp->ifid, 8);
  memcpy(peer, ppp->peer_ifid, 8);
  return true;
}
