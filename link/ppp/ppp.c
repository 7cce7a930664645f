#include "tern/ppp.h"

#include <string.h>

#include "link/ppp/ppp_internal.h"
#include "tern/bytes.h"
#include "tern/cp_wire.h"
#include "tern/err.h"

/* RFC 1661 section 4.2's states. */
enum {
  S_INITIAL,
  S_STARTING,
  S_CLOSED,
  S_STOPPED,
  S_CLOSING,
  S_STOPPING,
  S_REQ_SENT,
  S_ACK_RCVD,
  S_ACK_SENT,
  S_OPENED,
};

typedef tern__ppp_cp_ops cp_ops;

enum {
  CP_LCP = TERN__PPP_CP_LCP,
  CP_IPCP = TERN__PPP_CP_IPCP,
  CP_IPV6CP = TERN__PPP_CP_IPV6CP,
};

static const cp_ops lcp_ops;
static const cp_ops ipcp_ops;
static void lcp_fail(tern_ppp *p, uint8_t why);
static uint32_t new_magic(tern_ppp *p);

static const cp_ops *ops_of(const tern_ppp_fsm *f) {
  return f->ops;
}

/* The automaton of a control protocol linked (LCP, which frame_in
 * dispatches before asking, for a Protocol-Reject; IPCP; IPV6CP when
 * linked), or NULL. */
static tern_ppp_fsm *cp_of(tern_ppp *p, unsigned proto) {
  for (tern_ppp_fsm *f = p->cp; f < p->cp + 3; f++) {
    if (f->ops != NULL && f->ops->proto == proto) {
      return f;
    }
  }
  return NULL;
}

static bool is_lcp(const tern_ppp *p, const tern_ppp_fsm *f) {
  return f == &p->cp[CP_LCP];
}

/* An option type as a bit of tern_ppp_fsm.rejected: types 0..15 (LCP's,
 * IPCP's and IPV6CP's) on bits 0..15, 128..143 (IPCP's DNS options, 129
 * and 131) on bits 16..31, any other type on none (a type is never
 * folded onto another's bit). */
static uint32_t bit(unsigned type) {
  if (type < 16) {
    return 1u << type;
  }
  return type >= 128 && type < 144 ? 1u << (type - 112) : 0;
}

static void wake_events(tern_ppp *p, uint8_t ev) {
  p->events |= ev;
  tern_waker_slot_wake(&p->ev_waiter);
}

/* ---- control packets out ---- */

/* Frames a control packet (its data is the packet from the code on) and
 * queues it. Control packets are never compressed (LCP's must not be:
 * RFC 1661 sections 6.5, 6.6; the others need not be) and go out with
 * every control character escaped, so they survive a peer whose ACCM we
 * have not learnt. */
static void ctl_queue(tern_ppp *p, tern_pkt *pkt, uint16_t proto) {
  if (p->ctl_len == TERN_PPP_CTL_QUEUE || p->closed) {
    p->ppp_stats.ctl_nobuf++;
    tern_pkt_free(pkt);
    return;
  }
  tern_ppp_hdlc_header_put(tern_pkt_push(pkt, 4), proto, false, false);
  /* At the tail of the queue, linked through the packets' own links. */
  pkt->next = NULL;
  if (p->ctl == NULL) {
    p->ctl = pkt;
  } else {
    p->ctl_tail->next = pkt;
  }
  p->ctl_tail = pkt;
  p->ctl_len++;
}

/* Sends a control packet built in place in pkt (a received one being
 * answered, or a fresh one): code, id, len bytes from the code on. A
 * Code-Reject or Protocol-Reject carries as much of the rejected packet as
 * the peer's MRU allows (RFC 1661 5.6, 5.7), an Echo-Reply as much of the
 * echoed data. Other codes are never cut: an answer to a Configure-Request
 * must carry its options whole (5.2-5.4); it is no longer than the request
 * the peer sent, and a peer takes 1500 bytes whatever its MRU (6.1). What
 * we originate is short. */
void tern__ppp_ctl_send(tern_ppp *p, tern_pkt *pkt, uint16_t proto,
                        unsigned code, unsigned id, size_t len) {
  if (code >= TERN_PPP_CODE_REJ && len > p->peer_mru) {
    len = p->peer_mru;
  }
  tern_ppp_cp_put(tern_pkt_data(pkt), code, id, len);
  (void)tern_pkt_trim(pkt, len);
  ctl_queue(p, pkt, proto);
}

#define ctl_send tern__ppp_ctl_send
#define ctl_begin tern__ppp_ctl_begin

/* Every control packet we originate is built the same way: ctl_begin
 * takes a buffer (NULL when the pool is empty: counted, and the restart
 * timer sends again) and gives where the data after the code, identifier
 * and length goes; the caller writes it; ctl_end sends what lies before
 * `end`. */
uint8_t *tern__ppp_ctl_begin(tern_ppp *p, tern_pkt **pkt) {
  *pkt = tern_pkt_pool_try_alloc(p->pool);
  if (*pkt == NULL) {
    p->ppp_stats.ctl_nobuf++;
    return NULL;
  }
  /* Room for the frame header; the data spans the rest of the buffer
   * until ctl_send trims it to the packet's length. */
  (void)tern_pkt_reserve(*pkt, 4);
  return tern_pkt_put(*pkt, tern_pkt_tailroom(*pkt)) + 4;
}

static void ctl_end(tern_ppp *p, tern_pkt *pkt, uint16_t proto, unsigned code,
                    unsigned id, const uint8_t *end) {
  ctl_send(p, pkt, proto, code, id, (size_t)(end - tern_pkt_data(pkt)));
}

/* ---- the automaton (RFC 1661 section 4) ---- */

/* Its events (section 4.1; RUC and RXR need no transition, RXJ+ one:
 * cp_input makes it). */
enum {
  E_UP,
  E_DOWN,
  E_OPEN,
  E_CLOSE,
  E_TO_P,  /* restart timer expired, counter not spent */
  E_TO_M,  /* ... spent */
  E_RCR_P, /* a Configure-Request we ack */
  E_RCR_M, /* ... we nak or reject */
  E_RCA,
  E_RCN, /* Configure-Nak or -Reject */
  E_RTR,
  E_RTA,
  E_RXJ_M, /* the peer rejected the whole protocol */
  E_COUNT,
};

/* Its actions, run in this order: this-layer-down,
 * initialize-restart-count (to Max-Terminate with str, else
 * Max-Configure), zero-restart-count, send-configure-request,
 * send-terminate-request, send the answer (our Ack/Nak/Reject of the
 * peer's request, or a Terminate-Ack), then this-layer-up or
 * this-layer-finished. */
enum {
  TLD = 1u << 0,
  IRC = 1u << 1,
  ZRC = 1u << 2,
  SCR = 1u << 3,
  STR = 1u << 4,
  SND = 1u << 5,
  TLU = 1u << 6,
  TLF = 1u << 7,
};

/* The table's entries use only these 14 lists of actions (A_NONE aside):
 * an entry is a byte, the list's number above the new state (low 4 bits;
 * K: unchanged). */
enum {
  A_NONE,
  A_TLD,
  A_TLD_IRC_STR,
  A_TLD_ZRC_SND,
  A_TLD_SCR,
  A_TLD_SCR_SND,
  A_IRC_SCR,
  A_IRC_SCR_SND,
  A_IRC_STR,
  A_IRC_TLU,
  A_SCR,
  A_STR,
  A_SND,
  A_IRC_SND_TLU,
  A_TLF,
};

static const uint8_t action_list[] = {
    [A_NONE] = 0,
    [A_TLD] = TLD,
    [A_TLD_IRC_STR] = TLD | IRC | STR,
    [A_TLD_ZRC_SND] = TLD | ZRC | SND,
    [A_TLD_SCR] = TLD | SCR,
    [A_TLD_SCR_SND] = TLD | SCR | SND,
    [A_IRC_SCR] = IRC | SCR,
    [A_IRC_SCR_SND] = IRC | SCR | SND,
    [A_IRC_STR] = IRC | STR,
    [A_IRC_TLU] = IRC | TLU,
    [A_SCR] = SCR,
    [A_STR] = STR,
    [A_SND] = SND,
    [A_IRC_SND_TLU] = IRC | SND | TLU,
    [A_TLF] = TLF,
};

#define DO(list, state) ((list) << 4 | (state))
enum { K = 15 };

/* RFC 1661 section 4.1's state table, a row per event, a column per
 * state (Initial, Starting, Closed, Stopped, Closing, Stopping, Req-Sent,
 * Ack-Rcvd, Ack-Sent, Opened). Events the RFC calls illegal change
 * nothing. Deviations: Open in Stopped negotiates again (what
 * tern_ppp_open wants); and to bound a hostile peer, neither a
 * Configure-Ack nor a Nak or Reject of our request restarts the count
 * (only opening does, by either entry into Opened: the irc the RFC has
 * at RCA in Req-Sent moves there), so Max-Configure bounds the whole
 * negotiation however the peer answers, and a Nak or Reject when the
 * count is spent is taken as TO- (in Req-Sent, Ack-Rcvd and Ack-Sent; in
 * Opened it is RCN, a new negotiation). */
static const uint8_t fsm_table[E_COUNT][10] = {
    /* Up */
    {S_CLOSED, DO(A_IRC_SCR, S_REQ_SENT), K, K, K, K, K, K, K, K},
    /* Down */
    {K, K, S_INITIAL, S_STARTING, S_INITIAL, S_STARTING, S_STARTING, S_STARTING,
     S_STARTING, DO(A_TLD, S_STARTING)},
    /* Open */
    {S_STARTING, K, DO(A_IRC_SCR, S_REQ_SENT), DO(A_IRC_SCR, S_REQ_SENT),
     S_STOPPING, K, K, K, K, K},
    /* Close */
    {K, DO(A_TLF, S_INITIAL), K, S_CLOSED, K, S_CLOSING,
     DO(A_IRC_STR, S_CLOSING), DO(A_IRC_STR, S_CLOSING),
     DO(A_IRC_STR, S_CLOSING), DO(A_TLD_IRC_STR, S_CLOSING)},
    /* TO+ */
    {K, K, K, K, DO(A_STR, K), DO(A_STR, K), DO(A_SCR, K),
     DO(A_SCR, S_REQ_SENT), DO(A_SCR, K), K},
    /* TO- */
    {K, K, K, K, DO(A_TLF, S_CLOSED), DO(A_TLF, S_STOPPED),
     DO(A_TLF, S_STOPPED), DO(A_TLF, S_STOPPED), DO(A_TLF, S_STOPPED), K},
    /* RCR+ */
    {K, K, DO(A_SND, K), DO(A_IRC_SCR_SND, S_ACK_SENT), K, K,
     DO(A_SND, S_ACK_SENT), DO(A_IRC_SND_TLU, S_OPENED), DO(A_SND, K),
     DO(A_TLD_SCR_SND, S_ACK_SENT)},
    /* RCR- */
    {K, K, DO(A_SND, K), DO(A_IRC_SCR_SND, S_REQ_SENT), K, K, DO(A_SND, K),
     DO(A_SND, K), DO(A_SND, S_REQ_SENT), DO(A_TLD_SCR_SND, S_REQ_SENT)},
    /* RCA */
    {K, K, DO(A_SND, K), DO(A_SND, K), K, K, S_ACK_RCVD, DO(A_SCR, S_REQ_SENT),
     DO(A_IRC_TLU, S_OPENED), DO(A_TLD_SCR, S_REQ_SENT)},
    /* RCN */
    {K, K, DO(A_SND, K), DO(A_SND, K), K, K, DO(A_SCR, K),
     DO(A_SCR, S_REQ_SENT), DO(A_SCR, K), DO(A_TLD_SCR, S_REQ_SENT)},
    /* RTR */
    {K, K, DO(A_SND, K), DO(A_SND, K), DO(A_SND, K), DO(A_SND, K),
     DO(A_SND, S_REQ_SENT), DO(A_SND, S_REQ_SENT), DO(A_SND, S_REQ_SENT),
     DO(A_TLD_ZRC_SND, S_STOPPING)},
    /* RTA */
    {K, K, K, K, DO(A_TLF, S_CLOSED), DO(A_TLF, S_STOPPED), K, S_REQ_SENT, K,
     DO(A_TLD_SCR, S_REQ_SENT)},
    /* RXJ- */
    {K, K, DO(A_TLF, K), DO(A_TLF, K), DO(A_TLF, S_CLOSED),
     DO(A_TLF, S_STOPPED), DO(A_TLF, S_STOPPED), DO(A_TLF, S_STOPPED),
     DO(A_TLF, S_STOPPED), DO(A_TLD_IRC_STR, S_STOPPING)},
};

/* An automaton's restart timer. PAP borrows LCP's: it runs only while
 * LCP is opened, when LCP's is idle. */
static void restart_on(tern_ppp *p, tern_ppp_fsm *f) {
  f->timer.on = 1;
  f->timer.at = tern_now() + p->cfg.restart_ms;
}

/* A fresh control packet of our own for ops' protocol: a
 * Configure-Request with the options ops->add writes, or a
 * Terminate-Request. */
static void ctl_build(tern_ppp *p, const cp_ops *ops, bool request,
                      unsigned id) {
  tern_pkt *pkt;
  uint8_t *d = ctl_begin(p, &pkt);
  if (d != NULL) {
    ctl_end(p, pkt, ops->proto, request ? TERN_PPP_CONF_REQ : TERN_PPP_TERM_REQ,
            id, request ? ops->add(p, d) : d);
  }
}

/* Goes through the options of the peer's Configure-Request (n bytes at
 * d), asking each option's handler in `mode`, and keeps in place, in
 * order, the options whose verdict is `keep` (none when keep is -1;
 * every one of an acked request). Returns the worst verdict; *kept: the
 * bytes kept. Handlers rewrite a value (WRITE_NAK) only where their
 * verdict is Nak, so in a Nak the options kept are the rewritten ones. */
static int walk_request(tern_ppp *p, const cp_ops *ops, uint8_t *d, size_t n,
                        int mode, int keep, size_t *kept) {
  size_t off = 0;
  tern_ppp_opt o;
  uint8_t *out = d;
  int worst = TERN_PPP_CONF_ACK;
  while (tern_ppp_opt_next(d, n, &off, &o) > 0) {
    uint8_t len = o.len;
    uint8_t *val = (uint8_t *)o.val;
    int v = ops->opt(p, o.type, val, &len, mode);
    worst = v > worst ? v : worst;
    if (v == keep) {
      out = tern_ppp_opt_put(out, o.type, val, len);
    }
  }
  *kept = (size_t)(out - d);
  return worst;
}

/* Answers the peer's Configure-Request (n option bytes at d), judged
 * already (p->verdict: the worst verdict on its options), in place: Ack
 * when every option is acceptable, else Nak when we would change some,
 * else Reject (RFC 1661 5.2-5.4); after Max-Failure Naks without an Ack,
 * Naks turn into Rejects (section 4.6). An Ack takes the values; a Nak
 * or Reject keeps just the options of the worst verdict (with our values
 * in a Nak). Returns the answer's code; *kept: its option bytes. */
static unsigned answer_request(tern_ppp *p, tern_ppp_fsm *f, uint8_t *d,
                               size_t n, size_t *kept) {
  const cp_ops *ops = ops_of(f);
  int worst = p->verdict;
  int code = worst == TERN_PPP_CONF_NAK && f->naks >= p->cfg.max_failure
                 ? TERN_PPP_CONF_REJ
                 : worst;
  if (code == TERN_PPP_CONF_ACK) {
    /* What the acked request leaves out is the default again (the peer
     * may have asked for more in an earlier request). */
    ops->reset(p);
  }
  (void)walk_request(p, ops, d, n,
                     code == TERN_PPP_CONF_ACK   ? APPLY
                     : code == TERN_PPP_CONF_NAK ? WRITE_NAK
                                                 : JUDGE,
                     worst, kept);
  /* Max-Failure counts Naks sent without an Ack (RFC 1661 4.6): a Reject
   * leaves the count as it is. */
  if (code == TERN_PPP_CONF_ACK) {
    f->naks = 0;
  } else if (code == TERN_PPP_CONF_NAK) {
    f->naks++;
  }
  return (unsigned)code;
}

/* Runs event ev on f. pkt (or NULL) is the received packet that caused
 * it, whose data is the control packet: the answer is built in it, or it
 * is freed. */
static void fsm_event(tern_ppp *p, tern_ppp_fsm *f, int ev, tern_pkt *pkt) {
  const cp_ops *ops = ops_of(f);
  if (ops == NULL) {
    return; /* an optional protocol not linked (IPV6CP) stays Initial */
  }
  unsigned entry = fsm_table[ev][f->state];
  unsigned t = action_list[entry >> 4];
  if (ev == E_RXJ_M) {
    /* The peer refused the protocol itself (a Configure or Terminate
     * code, or the whole NCP): all of our options, until negotiation
     * starts afresh; and the reason when the automaton finishes, at once
     * or from Stopping when its Terminate-Requests run out. */
    f->rejected = ~0u;
  }
  uint8_t from = f->state; /* tells why it finishes (tlf, below) */
  if (t & TLD) {
    ops->down(p);
  }
  if (t & IRC) {
    f->restart = (t & STR) ? p->cfg.max_terminate : p->cfg.max_configure;
  }
  if (t & ZRC) {
    /* The peer's Terminate-Request in Opened: Stopping lasts one restart
     * period. LCP's: the link's reason from now on. */
    f->restart = 0;
    if (is_lcp(p, f)) {
      p->fail = TERN_PPP_FAIL_TERMINATED;
    }
  }
  if ((t & SCR) && (t & (IRC | TLD)) && ev != E_RCN) {
    /* A request that starts the count (irc) or follows this-layer-down
     * (tld) starts a negotiation afresh (ours, or the peer's restart):
     * what the peer rejected last time is offered again (a Reject answers
     * one negotiation; the peer may now be configured otherwise). Not
     * after a Nak or Reject in Opened (RCN): the new request heeds it. */
    f->rejected = 0;
    f->naks = 0;
    if (is_lcp(p, f)) {
      /* So are the MRU and ACCM the peer naked us with: an answer to one
       * negotiation too. */
      p->mru = p->cfg.mru;
      p->accm = p->cfg.accm;
      if (p->magic == 0) {
        p->magic = new_magic(p);
      }
    }
  }
  if (t & (SCR | STR)) {
    if (f->restart > 0) {
      f->restart--;
    }
    ctl_build(p, ops, (t & SCR) != 0, ++f->id);
  }
  if (t & (ZRC | SCR | STR)) {
    restart_on(p, f);
  }
  if ((t & SND) && pkt != NULL) {
    uint8_t *d = tern_pkt_data(pkt);
    size_t n = 0;
    unsigned code = TERN_PPP_TERM_ACK;
    if ((ev == E_RCR_P || ev == E_RCR_M) && f->state != S_CLOSED) {
      code = answer_request(p, f, d + 4, tern_pkt_len(pkt) - 4, &n);
    }
    ctl_send(p, pkt, ops->proto, code, d[1], 4 + n);
    pkt = NULL;
  }
  if ((entry & 15) != K) {
    f->state = (uint8_t)(entry & 15);
  }
  if (f->state < S_CLOSING || f->state == S_OPENED) {
    f->timer.on = 0; /* the timer runs in Closing..Ack-Sent only */
  } else if (is_lcp(p, f)) {
    /* Negotiating: Establish; Closing or Stopping, whatever took LCP
     * there (our close, the peer's Terminate-Request, RXJ-): Terminate
     * (RFC 1661 3.2; set after this-layer-down, which goes back to
     * Establish). */
    p->phase = f->state >= S_REQ_SENT ? TERN_PPP_ESTABLISH : TERN_PPP_TERMINATE;
  }
  if (t & TLU) {
    ops->up(p);
  }
  if (t & TLF) {
    /* Why: the peer's refusal (RXJ-, above); else from Stopping, the
     * peer's termination (Stopping comes from Opened only, by the peer's
     * Terminate-Request or RXJ-); else Max-Configure or Max-Terminate
     * spent. An NCP's reason becomes the link's only if the link ends
     * with it (tern__ppp_ncp_finished); LCP's is the link's already
     * (lcp_finished). */
    ops->finished(p, f->rejected == ~0u   ? TERN_PPP_FAIL_REJECTED
                     : from == S_STOPPING ? TERN_PPP_FAIL_TERMINATED
                                          : TERN_PPP_FAIL_TIMEOUT);
  }
  tern_pkt_free(pkt); /* not answered in it (NULL: a no-op) */
}

/* Whether the options of a Configure-Ack or -Reject (from d to d_end) are
 * our last request's: an Ack's exactly (RFC 1661 5.2), a Reject's a
 * subset, in its order and unchanged (5.4). Our options are written again
 * to compare: what ops->add writes changes with a Nak or Reject taken or a
 * fresh start, each of which sends a new request under a new identifier,
 * and (LCP) when loop detection picks a new magic number: an Ack or
 * Reject of the one we sent before is then discarded, and the restart
 * timer sends the new one. */
static bool opts_are_ours(tern_ppp *p, const cp_ops *ops, const uint8_t *d,
                          const uint8_t *d_end, bool all) {
  /* Each add() asserts its longest list fits (LCP's 20 bytes, IPCP's
   * 18, IPV6CP's 10). */
  uint8_t ours[TERN__PPP_OPTS_MAX];
  const uint8_t *end = ops->add(p, ours);
  if (all && d_end - d != end - ours) {
    return false; /* an Ack names all of ours: a subset as long is all */
  }
  /* Both lists are well formed (cp_input checked the peer's): each
   * option's length field counts its header and is at least 2. Each of
   * ours is passed over, or matched by the peer's next option. */
  for (const uint8_t *o = ours; d < d_end; o += o[1]) {
    if (o + d[1] > end) {
      return false; /* none of ours left can be it */
    }
    if (memcmp(o, d, d[1]) == 0) {
      d += d[1];
    }
  }
  return true;
}

/* A control packet for the automaton f (the packet's data at the code).
 * Takes the packet. */
static void cp_input(tern_ppp *p, tern_ppp_fsm *f, tern_pkt *pkt) {
  tern_ppp_cp cp;
  bool lcp = is_lcp(p, f);
  if (tern_ppp_cp_parse(tern_pkt_data(pkt), tern_pkt_len(pkt), &cp) != 0 ||
      (cp.code <= TERN_PPP_CONF_REJ &&
       tern_ppp_opts_check(cp.data, cp.data_len) != 0) ||
      (cp.code >= TERN_PPP_CONF_ACK && cp.code <= TERN_PPP_CONF_REJ &&
       (cp.id != f->id ||
        /* A Nak may name options we did not send (RFC 1661 5.3); an Ack
         * must name all of ours (5.2), a Reject some (5.4). */
        (cp.code != TERN_PPP_CONF_NAK &&
         !opts_are_ours(p, ops_of(f), cp.data, cp.data + cp.data_len,
                        cp.code == TERN_PPP_CONF_ACK))))) {
    p->ppp_stats.bad_packet++;
    tern_pkt_free(pkt);
    return;
  }
  (void)tern_pkt_trim(pkt, cp.len); /* padding goes */
  int ev = -1;
  uint32_t *drop = NULL; /* where a packet not acted on is counted */
  size_t kept;
  tern_ppp_fsm *n;
  unsigned rp;
  switch (cp.code) {
    case TERN_PPP_CONF_REQ:
      /* Judged (nothing changes); answered by the automaton's action. */
      p->verdict = (uint8_t)walk_request(p, ops_of(f), (uint8_t *)cp.data,
                                         cp.data_len, JUDGE, -1, &kept);
      ev = p->verdict == TERN_PPP_CONF_ACK ? E_RCR_P : E_RCR_M;
      break;
    case TERN_PPP_CONF_ACK:
      /* Our IPCP request for an address (0.0.0.0) acked, where RFC 1332
       * 3.3 has the peer Nak it with one: we would run IPv4 with none,
       * so the Ack is one we cannot take (nor one of any 0.x.x.x, which
       * no host may have, RFC 1122 3.2.1.3). Our requests go on until
       * Max-Configure ends IPCP. (A peer that rejects the option has no
       * address to give: IPCP opens without one, the IPv4 glue sets
       * none.) Only while negotiating: in Closed or Stopped the Ack is
       * RCA, answered with a Terminate-Ack (RFC 1661 4.1). */
      if (f == &p->cp[CP_IPCP] && f->state >= S_REQ_SENT &&
          p->v4.local[0] == 0 && !(f->rejected & bit(TERN_IPCP_ADDR))) {
        drop = &p->ppp_stats.bad_packet;
        break;
      }
      ev = E_RCA;
      break;
    case TERN_PPP_CONF_NAK:
    case TERN_PPP_CONF_REJ:
      if (f->state >= S_REQ_SENT) {
        size_t off = 0;
        tern_ppp_opt o;
        while (tern_ppp_opt_next(cp.data, cp.data_len, &off, &o) > 0) {
          if (cp.code == TERN_PPP_CONF_REJ) {
            f->rejected |= bit(o.type); /* not asked for again */
          }
          ops_of(f)->nak(p, &o, cp.code == TERN_PPP_CONF_REJ);
        }
      }
      /* While negotiating with the count spent: as the timeout would. */
      ev = f->restart == 0 && f->state >= S_REQ_SENT && f->state != S_OPENED
               ? E_TO_M
               : E_RCN;
      break;
    case TERN_PPP_TERM_REQ: ev = E_RTR; break;
    case TERN_PPP_TERM_ACK: ev = E_RTA; break;
    case TERN_PPP_CODE_REJ:
      /* RXJ- when the rejected code is one the automaton cannot do
       * without, Configure-* or Terminate-* (RFC 1661 5.6); RXJ+
       * otherwise: of our Echo-Request, the peer does not do echo and
       * the keepalive stops until LCP is opened again; of an Echo-Reply
       * or a Discard-Request, nothing to do. No rejected packet: dropped. */
      if (cp.data_len == 0) {
        drop = &p->ppp_stats.bad_packet;
      } else if (cp.data[0] >= TERN_PPP_CONF_REQ &&
                 cp.data[0] <= TERN_PPP_TERM_ACK) {
        ev = E_RXJ_M;
      } else {
        if (lcp && cp.data[0] == TERN_PPP_ECHO_REQ) {
          p->echo.on = 0;
        }
        /* RXJ+'s one transition (RFC 1661 4.1): Ack-Rcvd to Req-Sent,
         * the timer running on. */
        if (f->state == S_ACK_RCVD) {
          f->state = S_REQ_SENT;
        }
      }
      break;
    case TERN_PPP_PROTO_REJ:
      if (!lcp) {
        goto code_reject;
      }
      /* Of a network protocol we sent: in the network phase only. An
       * NCP's number is its network protocol's with the top bit set (RFC
       * 1661 2): IPv4 or IPv6 rejected is its NCP rejected (RFC 1661 5.7:
       * we stop sending it). Of LCP itself, LCP opened: RXJ- on LCP
       * (4.3's example, unrecoverable), authenticating too. Of the
       * authentication protocol we run, while we authenticate: it will
       * never be answered, authentication fails (as pppd's). */
      rp = cp.data_len >= 2 ? tern_be16(cp.data) : 0;
      n = cp_of(p, rp | 0x8000);
      /* Not acted on before the network phase, but LCP's own while we
       * authenticate (LCP is opened then). (Written as one sum of the
       * phase and n == f it was 12 bytes fewer on Cortex-M0.) */
      if (p->phase < TERN_PPP_NETWORK &&
          !(n == f && p->phase == TERN_PPP_AUTHENTICATE)) {
        if (p->phase == TERN_PPP_AUTHENTICATE &&
            rp == (p->auth == TERN__PPP_AUTH_CHAP ? TERN_PPP_PROTO_CHAP
                                                  : TERN_PPP_PROTO_PAP)) {
          lcp_fail(p, TERN_PPP_FAIL_AUTH);
        } else {
          drop = &p->ppp_stats.not_open;
        }
      } else if (n == NULL) {
        drop = &p->ppp_stats.bad_packet;
      } else {
        fsm_event(p, n, E_RXJ_M, NULL);
      }
      break;
    case TERN_PPP_ECHO_REQ:
    case TERN_PPP_ECHO_REPLY:
      if (!lcp) {
        goto code_reject;
      }
      if (f->state != S_OPENED) {
        drop = &p->ppp_stats.not_open; /* RFC 1661 5.8: Opened only */
      } else if (cp.data_len < 4) {
        drop = &p->ppp_stats.bad_packet; /* no room for a magic number */
      } else if (cp.code == TERN_PPP_ECHO_REQ) {
        /* Answered in place, with our magic number (RFC 1661 5.8). */
        tern_put_be32(tern_pkt_data(pkt) + 4, p->magic);
        ctl_send(p, pkt, TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REPLY, cp.id,
                 cp.len);
        return;
      } else if (p->magic != 0 && tern_be32(cp.data) == p->magic) {
        drop = &p->ppp_stats.bad_packet; /* our own echo looped back */
      } else {
        /* An answer to one of our echoes still unanswered (the last
         * echo_out identifiers) shows the peer alive; another is counted
         * only. */
        if ((uint8_t)(p->echo_id - cp.id) < p->echo_out) {
          p->echo_out = 0;
        }
        p->ppp_stats.echo_replies++;
      }
      break;
    case TERN_PPP_DISCARD_REQ:
      if (!lcp) {
        goto code_reject;
      }
      break;
    default:
    code_reject:
      /* RFC 1661 5.6: the whole packet, after a header of our own. The
       * table's RUC sends it in every state from Closed on, and a packet
       * reaches an automaton only there: LCP's lower layer is up from
       * tern_ppp_init on, and an NCP's packets come in the network phase,
       * after its Up. */
      p->ppp_stats.code_rej++;
      tern_pkt_push(pkt, 4);
      ctl_send(p, pkt, ops_of(f)->proto, TERN_PPP_CODE_REJ, ++p->rej_id,
               tern_pkt_len(pkt));
      return;
  }
  if (ev < 0) {
    if (drop != NULL) {
      (*drop)++;
    }
    tern_pkt_free(pkt);
    return;
  }
  fsm_event(p, f, ev, pkt);
  if (lcp && p->loops >= p->cfg.max_failure) {
    /* Our magic number keeps coming back: the line is looped. */
    p->loops = 0;
    lcp_fail(p, TERN_PPP_FAIL_LOOPBACK);
  }
}

/* ---- LCP (RFC 1661 section 6) ---- */

static uint32_t new_magic(tern_ppp *p) {
  uint32_t m = 0;
  while (m == 0 || m == p->magic) {
    if (tern_rng_fill(&p->rng, &m, sizeof m) != 0) {
      m = (p->magic * 1103515245u + 12345u) ^ tern_now();
    }
  }
  return m;
}

/* Our longest request: MRU (4 bytes), ACCM (6), magic number (6), PFC
 * (2), ACFC (2). */
_Static_assert(4 + 6 + 6 + 2 + 2 <= TERN__PPP_OPTS_MAX,
               "lcp_add writes more than TERN__PPP_OPTS_MAX: raise it");

static uint8_t *lcp_add(tern_ppp *p, uint8_t *o) {
  uint32_t rej = p->cp[CP_LCP].rejected;
  uint8_t v[4];
  if (p->mru != 1500 && !(rej & bit(TERN_LCP_MRU))) {
    tern_put_be16(v, p->mru);
    o = tern_ppp_opt_put(o, TERN_LCP_MRU, v, 2);
  }
  if (!(rej & bit(TERN_LCP_ACCM))) {
    tern_put_be32(v, p->accm);
    o = tern_ppp_opt_put(o, TERN_LCP_ACCM, v, 4);
  }
  if (p->magic != 0) {
    tern_put_be32(v, p->magic);
    o = tern_ppp_opt_put(o, TERN_LCP_MAGIC, v, 4);
  }
  if (!(rej & bit(TERN_LCP_PFC))) {
    o = tern_ppp_opt_put(o, TERN_LCP_PFC, NULL, 0);
  }
  if (!(rej & bit(TERN_LCP_ACFC))) {
    o = tern_ppp_opt_put(o, TERN_LCP_ACFC, NULL, 0);
  }
  return o;
}

static int lcp_opt(tern_ppp *p, uint8_t type, uint8_t *val, uint8_t *len,
                   int mode) {
  switch (type) {
    case TERN_LCP_MRU:
      if (*len != 2) {
        break;
      }
      if (tern_be16(val) < p->min_mru) {
        /* Below what IP must be able to send whole: ours instead. */
        if (mode == WRITE_NAK) {
          tern_put_be16(val, p->cfg.mru);
        }
        return TERN_PPP_CONF_NAK;
      }
      if (mode == APPLY) {
        p->peer_mru = (uint16_t)tern_be16(val);
      }
      return TERN_PPP_CONF_ACK;
    case TERN_LCP_ACCM:
      if (*len != 4) {
        break;
      }
      if (mode == APPLY) {
        p->tx_accm = tern_be32(val);
      }
      return TERN_PPP_CONF_ACK;
    case TERN_LCP_AUTH: {
      if (*len < 2 || p->cfg.user == NULL) {
        break; /* nothing to authenticate with: refuse */
      }
      unsigned proto = tern_be16(val);
      /* PAP, or CHAP with MD5 (RFC 1994) when it is linked. */
      uint8_t auth = 0;
      if (*len == 2 && proto == TERN_PPP_PROTO_PAP) {
        auth = TERN__PPP_AUTH_PAP;
      } else if (*len == 3 && proto == TERN_PPP_PROTO_CHAP && val[2] == 5 &&
                 p->chap_input != NULL) {
        auth = TERN__PPP_AUTH_CHAP;
      }
      if (auth != 0) {
        if (mode == APPLY) {
          p->auth = auth;
        }
        return TERN_PPP_CONF_ACK;
      }
      if (mode == WRITE_NAK) {
        tern_put_be16(val, TERN_PPP_PROTO_PAP); /* what we can do */
        *len = 2;
      }
      return TERN_PPP_CONF_NAK;
    }
    case TERN_LCP_MAGIC: {
      if (*len != 4) {
        break;
      }
      uint32_t m = tern_be32(val);
      if (m == 0 || m == p->magic) {
        /* Our own number back: maybe a looped line (RFC 1661 6.4). Both
         * sides pick new numbers; if it keeps coming back, it is one.
         * (Ours is 0 only when rejected: then m == 0 is all it tests.) */
        if (mode == WRITE_NAK) {
          if (m != 0) {
            p->loops++;
            p->magic = new_magic(p);
          }
          tern_put_be32(val, new_magic(p));
        }
        return TERN_PPP_CONF_NAK;
      }
      if (mode == APPLY) {
        p->peer_magic = m;
        p->loops = 0;
      }
      return TERN_PPP_CONF_ACK;
    }
    case TERN_LCP_PFC:
    case TERN_LCP_ACFC:
      if (*len != 0) {
        break;
      }
      if (mode == APPLY) {
        if (type == TERN_LCP_PFC) {
          p->tx_pfc = true;
        } else {
          p->tx_acfc = true;
        }
      }
      return TERN_PPP_CONF_ACK;
    default: break;
  }
  return TERN_PPP_CONF_REJ;
}

static void lcp_nak(tern_ppp *p, const tern_ppp_opt *o, bool rej) {
  if (o->type == TERN_LCP_MAGIC) {
    /* Rejected: no loop detection; Nak'd: another number. */
    p->magic = rej ? 0 : new_magic(p);
  } else if (rej) {
    /* Recorded by cp_input, not asked for again (MRU: 1500, RFC 1661
     * 6.1). */
  } else if (o->type == TERN_LCP_MRU && o->len == 2) {
    /* The peer's suggestion when our buffers hold it and IPv4 can use
     * it (the MTU is capped by our MRU), as pppd takes an acceptable
     * one; else ours is asked for again, until the peer rejects it. */
    uint16_t mru = (uint16_t)tern_be16(o->val);
    if (mru >= p->min_mru && mru <= p->cfg.mru) {
      p->mru = mru;
    }
  } else if (o->type == TERN_LCP_ACCM && o->len == 4) {
    p->accm |= tern_be32(o->val); /* escape what the peer wants too */
  }
}

static void pap_send(tern_ppp *p);

/* Runs ev on both network control protocols (IPV6CP's automaton, when
 * not linked, has no ops and ignores it). */
static void ncp_event(tern_ppp *p, int ev) {
  fsm_event(p, &p->cp[CP_IPCP], ev, NULL);
  fsm_event(p, &p->cp[CP_IPV6CP], ev, NULL);
}

/* RFC 1661 3.5: after LCP, the network phase (IPCP: Starting -> Up). */
static void network_phase(tern_ppp *p) {
  p->phase = TERN_PPP_NETWORK;
  ncp_event(p, E_UP);
}

void tern__ppp_start_ncp(tern_ppp *p, tern_ppp_fsm *f) {
  fsm_event(p, f, E_OPEN, NULL);
  if (p->phase == TERN_PPP_NETWORK) {
    fsm_event(p, f, E_UP, NULL);
  }
}

static void lcp_up(tern_ppp *p) {
  p->fail = TERN_PPP_OK;
  p->loops = 0;
  tern_ppp_hdlc_decoder_config(
      &p->dec,
      (p->cp[CP_LCP].rejected & bit(TERN_LCP_ACCM)) ? 0xffffffffu : p->accm,
      TERN_PPP_FCS16);
  if (p->echo_tick != NULL) {
    p->echo_tick(p, true); /* the keepalive starts */
  }
  if (p->auth) {
    p->phase = TERN_PPP_AUTHENTICATE;
    p->pap_tries = 0;
    p->auth_sent = 0; /* no answer before our request or Response */
    pap_send(p);
  } else {
    network_phase(p);
  }
}

/* Back to RFC 1662's defaults until LCP is opened again. */
static void lcp_reset(tern_ppp *p) {
  p->tx_accm = 0xffffffffu;
  p->tx_pfc = false;
  p->tx_acfc = false;
  p->auth = 0;
  p->peer_mru = 1500;
  tern_ppp_hdlc_decoder_config(&p->dec, 0xffffffffu, TERN_PPP_FCS16);
}

static void lcp_down(tern_ppp *p) {
  ncp_event(p, E_DOWN);
  p->echo.on = 0;
  p->phase = TERN_PPP_ESTABLISH;
  lcp_reset(p);
}

/* The link ends. Its reason was set when it came, by a local failure
 * (lcp_fail) or the peer's Terminate-Request; else it is the automaton's:
 * the peer's refusal (RXJ-, which may finish LCP only later, from
 * Stopping), or Configure- or Terminate-Requests run out. */
static void lcp_finished(tern_ppp *p, uint8_t why) {
  if (p->fail == TERN_PPP_OK) {
    p->fail = why;
  }
  p->phase = TERN_PPP_DEAD;
}

static const cp_ops lcp_ops = {
    TERN_PPP_PROTO_LCP, lcp_add,      lcp_opt,   lcp_nak, lcp_up,
    lcp_down,           lcp_finished, lcp_reset,
};

/* The link failed for a reason: LCP terminates. */
static void lcp_fail(tern_ppp *p, uint8_t why) {
  p->fail = why;
  fsm_event(p, &p->cp[CP_LCP], E_CLOSE, NULL);
}

/* ---- PAP client (RFC 1334 section 2) ---- */

/* The authentication phase's restart timer: PAP sends its request again;
 * with CHAP the peer asks, and we wait as long as PAP would retry. */
static void pap_send(tern_ppp *p) {
  if (p->phase != TERN_PPP_AUTHENTICATE) {
    return; /* authenticated: LCP's timer is idle again */
  }
  if (p->pap_tries >= p->cfg.max_configure) {
    lcp_fail(p, TERN_PPP_FAIL_AUTH);
    return;
  }
  p->pap_tries++;
  restart_on(p, &p->cp[CP_LCP]);
  if (p->auth != TERN__PPP_AUTH_PAP) {
    return;
  }
  tern_pkt *pkt;
  uint8_t *d = ctl_begin(p, &pkt);
  if (d == NULL) {
    return;
  }
  /* Peer-ID and Password, each after its length (RFC 1334 2.2.1). */
  const char *field[2] = {p->cfg.user, p->cfg.password};
  for (int i = 0; i < 2; i++) {
    size_t n = strlen(field[i]);
    *d++ = (uint8_t)n;
    memcpy(d, field[i], n);
    d += n;
  }
  ctl_end(p, pkt, TERN_PPP_PROTO_PAP, TERN_PAP_AUTH_REQ, ++p->pap_id, d);
  p->auth_sent = 1; /* what an Ack or Nak answers (RFC 1334 2.2.2) */
}

void tern__ppp_auth_done(tern_ppp *p, bool ok) {
  p->cp[CP_LCP].timer.on = 0; /* the authentication phase's retries end */
  if (ok) {
    network_phase(p);
  } else {
    lcp_fail(p, TERN_PPP_FAIL_AUTH);
  }
}

static void pap_input(tern_ppp *p, tern_pkt *pkt) {
  tern_ppp_cp cp;
  /* We are never the authenticator: Authenticate-Ack and -Nak only, to
   * our request (its identifier, one sent in this phase). */
  if (tern_ppp_cp_parse(tern_pkt_data(pkt), tern_pkt_len(pkt), &cp) != 0 ||
      !p->auth_sent || cp.id != p->pap_id ||
      p->phase != TERN_PPP_AUTHENTICATE || p->auth != TERN__PPP_AUTH_PAP ||
      (cp.code != TERN_PAP_AUTH_ACK && cp.code != TERN_PAP_AUTH_NAK)) {
    p->ppp_stats.bad_packet++;
  } else {
    tern__ppp_auth_done(p, cp.code == TERN_PAP_AUTH_ACK);
  }
  tern_pkt_free(pkt);
}

/* ---- IPCP (RFC 1332, RFC 1877) ---- */

/* Our longest request: the address and two DNS servers (6 bytes each). */
_Static_assert(3 * 6 <= TERN__PPP_OPTS_MAX,
               "ipcp_add writes more than TERN__PPP_OPTS_MAX: raise it");

static uint8_t *ipcp_add(tern_ppp *p, uint8_t *o) {
  uint32_t rej = p->cp[CP_IPCP].rejected;
  if (!(rej & bit(TERN_IPCP_ADDR))) {
    o = tern_ppp_opt_put(o, TERN_IPCP_ADDR, p->v4.local, 4);
  }
  if (p->cfg.want_dns) {
    if (!(rej & bit(TERN_IPCP_DNS1))) {
      o = tern_ppp_opt_put(o, TERN_IPCP_DNS1, p->v4.dns1, 4);
    }
    if (p->cfg.want_dns > 1 && !(rej & bit(TERN_IPCP_DNS2))) {
      o = tern_ppp_opt_put(o, TERN_IPCP_DNS2, p->v4.dns2, 4);
    }
  }
  return o;
}

/* An address a host can have, by its first byte: not 0/8, multicast,
 * 240/4 or broadcast, nor loopback unless loopback_ok (pppd's
 * bad_ip_adrs refuses all of these for either end). */
static bool ipcp_usable(uint8_t a, bool loopback_ok) {
  return a != 0 && a < 224 && (a != 127 || loopback_ok);
}

static int ipcp_opt(tern_ppp *p, uint8_t type, uint8_t *val, uint8_t *len,
                    int mode) {
  if (type != TERN_IPCP_ADDR || *len != 4) {
    return TERN_PPP_CONF_REJ; /* VJ compression, and what we do not know */
  }
  uint32_t ours = tern_ld32(p->v4.local);
  if (!ipcp_usable(val[0], false) || tern_ld32(val) == ours) {
    /* The peer asks for an address (0.0.0.0, RFC 1332 3.3), or proposes
     * one no host can have, or ours (two ends with one address cannot
     * reach each other): ours to give, or none. peer_addr is none when
     * it is our own address (a Nak gave it to us, or both were set
     * alike): offered, it would be claimed and naked again. */
    uint32_t give = tern_ld32(p->cfg.peer_addr);
    if (give == 0 || give == ours) {
      return TERN_PPP_CONF_REJ;
    }
    if (mode == WRITE_NAK) {
      memcpy(val, p->cfg.peer_addr, 4);
    }
    return TERN_PPP_CONF_NAK;
  }
  if (mode == APPLY) {
    memcpy(p->v4.peer, val, 4);
  }
  return TERN_PPP_CONF_ACK;
}

static void ipcp_nak(tern_ppp *p, const tern_ppp_opt *o, bool rej) {
  bool ours = o->type == TERN_IPCP_ADDR;
  uint8_t *to = ours                        ? p->v4.local
                : o->type == TERN_IPCP_DNS1 ? p->v4.dns1
                : o->type == TERN_IPCP_DNS2 ? p->v4.dns2
                                            : NULL;
  /* The peer's suggestion: ours now (a Reject is recorded by cp_input).
   * 0.0.0.0 suggests nothing (it asks for an address, RFC 1332 3.3):
   * ignored, as pppd does; so is what no host can be (0/8, multicast,
   * 240/4, broadcast) and loopback as our address (pppd's bad_ip_adrs),
   * not as a DNS server's: slirp gives 127.0.0.1. Nor is the peer's
   * address, as we acked it, ours (ipcp_opt refuses the other order). */
  if (to != NULL && !rej && o->len == 4 && ipcp_usable(o->val[0], !ours) &&
      !(ours && memcmp(o->val, p->v4.peer, 4) == 0)) {
    memcpy(to, o->val, 4);
  }
}

void tern__ppp_link_changed(tern_ppp *p) {
  wake_events(p, TERN_NETDEV_EV_LINK);
}

static void ipcp_up(tern_ppp *p) {
  p->up |= TERN__PPP_UP_V4;
  tern__ppp_link_changed(p);
}

/* An NCP leaves Opened (IPCP's or IPV6CP's This-Layer-Down): its family
 * stops, a restart is counted when it was the last one (the link, up
 * while any family is, goes down: once however many NCPs LCP's down takes
 * with it), and a held packet of that family is dropped; one of the
 * other family stays, its NCP is still open. */
void tern__ppp_ncp_down(tern_ppp *p, uint8_t up_bit) {
  if (p->up & up_bit) {
    p->up &= (uint8_t)~up_bit;
    p->ppp_stats.restarts += p->up == 0;
    tern__ppp_link_changed(p);
  }
  if (p->tx_data != NULL && p->tx_data_up == up_bit) {
    p->stats.tx_drop_down++;
    tern_pkt_free(p->tx_data);
    p->tx_data = NULL;
    tern_waker_slot_wake(&p->tx_waiter);
  }
}

static void ipcp_down(tern_ppp *p) {
  tern__ppp_ncp_down(p, TERN__PPP_UP_V4);
}

void tern__ppp_ncp_finished(tern_ppp *p, const tern_ppp_fsm *other,
                            uint8_t why) {
  /* An NCP not linked (IPV6CP) stays Initial (fsm_event). */
  if (p->cp[CP_LCP].state == S_OPENED && other->state <= S_STOPPED) {
    lcp_fail(p, why);
  }
}

static void ipcp_finished(tern_ppp *p, uint8_t why) {
  tern__ppp_ncp_finished(p, &p->cp[CP_IPV6CP], why);
}

static void ipcp_reset(tern_ppp *p) {
  memset(p->v4.peer, 0, 4);
}

static const cp_ops ipcp_ops = {
    TERN_PPP_PROTO_IPCP, ipcp_add,      ipcp_opt,   ipcp_nak, ipcp_up,
    ipcp_down,           ipcp_finished, ipcp_reset,
};

/* ---- timers ---- */

/* The keepalive found the peer dead: the link goes down and LCP starts
 * again, bounded by Max-Configure. */
void tern__ppp_peer_dead(tern_ppp *p) {
  p->fail = TERN_PPP_FAIL_PEER_DEAD;
  fsm_event(p, &p->cp[CP_LCP], E_DOWN, NULL);
  fsm_event(p, &p->cp[CP_LCP], E_UP, NULL);
}

/* Runs what is due (each automaton's restart timer, LCP's going to PAP
 * while LCP is opened; the keepalive) and arms the adapter's timer at
 * the earliest deadline left, in one walk over the deadlines. */
static void run_timers(tern_ppp *p, tern_cx *cx) {
  /* The automata's restart timers (as p->cp), then the keepalive's. */
  tern_ppp_deadline *ds[4] = {&p->cp[0].timer, &p->cp[1].timer, &p->cp[2].timer,
                              &p->echo};
  for (;;) {
    tern_time now = tern_now();
    tern_ppp_deadline *next = NULL;
    int i;
    for (i = 0; i < 4; i++) {
      tern_ppp_deadline *d = ds[i];
      if (!d->on) {
        continue;
      }
      if (!tern_time_before(now, d->at)) {
        break; /* due */
      }
      if (next == NULL || tern_time_before(d->at, next->at)) {
        next = d;
      }
    }
    if (i < 4) {
      ds[i]->on = 0;
      if (i == 3) {
        p->echo_tick(p, false);
      } else if (i == CP_LCP && p->cp[CP_LCP].state == S_OPENED) {
        pap_send(p);
      } else {
        tern_ppp_fsm *f = &p->cp[i];
        fsm_event(p, f, f->restart > 0 ? E_TO_P : E_TO_M, NULL);
      }
      continue; /* what it did may have moved any deadline */
    }
    if (next == NULL) {
      tern_timer_cancel(&p->timer);
      return;
    }
    if (tern_sleep_until(&p->timer, cx, next->at) == TERN_PENDING) {
      return;
    }
  }
}

/* ---- send ---- */

/* Wakes the tasks in poll_send and poll_recv: the stream's waker (room
 * to write: either may be pushing bytes out), and the adapter closing. */
static void wake_polls(void *ctx) {
  tern_ppp *p = ctx;
  tern_waker_slot_wake(&p->tx_waiter);
  tern_waker_slot_wake(&p->rx_waiter);
}

static void release(tern_ppp *p) {
  if (p->tx_data != NULL) {
    p->stats.tx_drop_down++;
  }
  /* tern_pkt_free takes NULL as a no-op. */
  tern_pkt_free(p->rx_pkt);
  tern_pkt_free(p->tx_pkt);
  tern_pkt_free(p->tx_data);
  p->rx_pkt = p->tx_pkt = p->tx_data = NULL;
  while (p->ctl != NULL) {
    tern_pkt *next = p->ctl->next;
    tern_pkt_free(p->ctl);
    p->ctl = next;
  }
  p->ctl_len = 0;
  tern_ppp_hdlc_decoder_set_buffer(&p->dec, NULL, 0);
}

static void close_adapter(tern_ppp *p) {
  if (p->closed) {
    return;
  }
  p->closed = 1;
  p->fail = TERN_PPP_FAIL_CLOSED;
  p->phase = TERN_PPP_DEAD;
  release(p);
  tern_timer_cancel(&p->timer); /* and nothing runs once closed */
  /* Every waiting task wakes to fail; a link that was up reports going
   * down. */
  wake_polls(p);
  wake_events(p, p->up ? TERN_NETDEV_EV_LINK : 0);
  p->up = 0;
}

/* Moves queued frames towards the stream: control packets first, then the
 * accepted IP packet, encoded a bufferful at a time. READY when all is
 * written (or the adapter is closed: *err TERN_ECLOSED); PENDING with the
 * adapter's waker held by the stream and cx's in `waiter`. */
static tern_poll pump_bytes(tern_ppp *p, tern_cx *cx, tern_waker_slot *waiter,
                            int *err) {
  for (;;) {
    if (p->closed) {
      *err = TERN_ECLOSED;
      return TERN_READY;
    }
    if (p->tx_pos == p->tx_len) {
      if (p->tx_pkt == NULL) {
        uint32_t accm = 0xffffffffu;
        if (p->ctl != NULL) {
          p->tx_pkt = p->ctl;
          p->ctl = p->ctl->next;
          p->ctl_len--;
        } else if (p->tx_data != NULL) {
          p->tx_pkt = p->tx_data;
          p->tx_data = NULL;
          accm = p->tx_accm;
          tern_waker_slot_wake(&p->tx_waiter); /* room for the next */
        } else {
          *err = 0;
          return TERN_READY;
        }
        tern_ppp_hdlc_encoder_start(&p->enc, tern_pkt_data(p->tx_pkt),
                                    tern_pkt_len(p->tx_pkt), accm,
                                    TERN_PPP_FCS16);
      }
      p->tx_pos = 0;
      p->tx_len = tern_ppp_hdlc_encoder_fill(&p->enc, p->tx_buf, p->tx_cap);
      if (tern_ppp_hdlc_encoder_done(&p->enc)) {
        tern_pkt_free(p->tx_pkt);
        p->tx_pkt = NULL;
      }
      continue;
    }
    tern_cx own = tern_cx_make((tern_waker){wake_polls, p}, cx->timers);
    const uint8_t *out = p->tx_buf + p->tx_pos;
    size_t left = p->tx_len - p->tx_pos; /* not 0 (above) */
    ptrdiff_t n;
    tern_waker_slot_register(waiter, cx);
    if (tern_stream_poll_write(&p->stream, &own, out, left, &n) ==
        TERN_PENDING) {
      return TERN_PENDING;
    }
    if (n <= 0) {
      close_adapter(p);
      continue;
    }
    p->tx_pos += (size_t)n;
  }
}

static tern_poll pump(tern_ppp *p, tern_cx *cx, tern_waker_slot *waiter,
                      int *err) {
  tern_poll r = pump_bytes(p, cx, waiter, err);
  if (r == TERN_READY) {
    tern_waker_slot_clear(waiter);
  }
  return r;
}

static uint16_t mtu(const tern_ppp *p) {
  return p->up && p->peer_mru < p->mru ? p->peer_mru : p->mru;
}

static tern_poll ppp_send(void *self, tern_cx *cx, tern_pkt *pkt, int *err) {
  tern_ppp *p = self;
  int e = 0;
  uint32_t *drops = &p->stats.tx_drop_down; /* where a refusal counts */
  uint8_t fam = 0;                          /* the packet's NCP bit in p->up */
  if (p->closed) {
    e = TERN_ECLOSED;
  } else if (!p->up) {
    e = TERN_ENETDOWN;
  } else if (tern_pkt_len(pkt) > mtu(p)) {
    e = TERN_EMSGSIZE;
    drops = &p->stats.tx_drop_too_long;
  } else if (tern_pkt_headroom(pkt) < 4) {
    e = TERN_ENOSPC;
    drops = &p->stats.tx_drop_no_room;
  } else {
    unsigned version = tern_pkt_len(pkt) ? tern_pkt_data(pkt)[0] >> 4 : 0;
    fam = version == 4 ? TERN__PPP_UP_V4 : version == 6 ? TERN__PPP_UP_V6 : 0;
    if (!(p->up & fam)) {
      /* Neither IPv4 with IPCP opened nor IPv6 with IPV6CP opened. */
      e = TERN_EAFNOSUPPORT;
      drops = &p->stats.tx_drop_error;
    }
  }
  int perr;
  if (e == 0) {
    (void)pump(p, cx, &p->tx_waiter, &perr);
    if (p->tx_data != NULL) {
      return TERN_PENDING; /* one accepted packet waits already */
    }
    if (p->closed) {
      e = TERN_ECLOSED; /* the stream ended while we pushed */
    }
  }
  if (e != 0) {
    (*drops)++;
    tern_pkt_free(pkt);
    *err = e;
    return TERN_READY;
  }
  p->stats.tx_packets++;
  p->stats.tx_bytes += tern_pkt_len(pkt);
  uint8_t h[4];
  size_t hl = tern_ppp_hdlc_header_put(
      h, fam == TERN__PPP_UP_V6 ? TERN_PPP_PROTO_IPV6 : TERN_PPP_PROTO_IPV4,
      p->tx_acfc, p->tx_pfc);
  memcpy(tern_pkt_push(pkt, hl), h, hl);
  p->tx_data = pkt;
  p->tx_data_up = fam;
  (void)pump(p, cx, &p->tx_waiter, &perr);
  *err = 0;
  return TERN_READY;
}

tern_poll tern_ppp_poll_flush(tern_ppp *ppp, tern_cx *cx, int *err) {
  return pump(ppp, cx, &ppp->tx_waiter, err);
}

/* ---- receive ---- */

/* A good frame of len bytes in rx_pkt's buffer: dispatched by protocol.
 * Returns the packet when it is an IP packet to hand up, else NULL (it
 * was answered, consumed or dropped). */
static tern_pkt *frame_in(tern_ppp *p, size_t len) {
  tern_pkt *pkt = p->rx_pkt;
  p->rx_pkt = NULL;
  tern_ppp_hdlc_decoder_set_buffer(&p->dec, NULL, 0);
  (void)tern_pkt_put(pkt, len);
  uint16_t proto;
  int hl = tern_ppp_hdlc_header_parse(tern_pkt_data(pkt), len, &proto);
  if (hl < 0) {
    p->ppp_stats.bad_header++;
    tern_pkt_free(pkt);
    return NULL;
  }
  tern_pkt_pull(pkt, (size_t)hl);
  tern_ppp_fsm *ncp;
  if (proto == TERN_PPP_PROTO_LCP) {
    cp_input(p, &p->cp[CP_LCP], pkt);
  } else if (p->cp[CP_LCP].state != S_OPENED) {
    p->ppp_stats.not_open++; /* RFC 1661 3.4: only LCP until it is opened */
    tern_pkt_free(pkt);
  } else if (proto == TERN_PPP_PROTO_PAP) {
    pap_input(p, pkt);
  } else if (proto == TERN_PPP_PROTO_CHAP && p->chap_input != NULL) {
    p->chap_input(p, pkt);
  } else if (p->phase != TERN_PPP_NETWORK) {
    /* 3.5: then only LCP and authentication until the network phase,
     * the rest silently discarded. */
    p->ppp_stats.not_open++;
    tern_pkt_free(pkt);
  } else if (proto == TERN_PPP_PROTO_IPV4 || proto == TERN_PPP_PROTO_IPV6) {
    if (p->up &
        (proto == TERN_PPP_PROTO_IPV4 ? TERN__PPP_UP_V4 : TERN__PPP_UP_V6)) {
      p->stats.rx_packets++;
      p->stats.rx_bytes += tern_pkt_len(pkt);
      return pkt;
    }
    p->ppp_stats.not_open++;
    tern_pkt_free(pkt);
  } else if ((ncp = cp_of(p, proto)) != NULL) {
    cp_input(p, ncp, pkt);
  } else {
    /* RFC 1661 5.7: Protocol-Reject, the protocol and the information,
     * after the header ctl_send writes (one push for both). */
    p->ppp_stats.proto_rej++;
    tern_put_be16(tern_pkt_push(pkt, 6) + 4, proto);
    /* Only with LCP opened, when no request of LCP's waits: its next
     * identifier, as the captured peer numbers it too. */
    ctl_send(p, pkt, TERN_PPP_PROTO_LCP, TERN_PPP_PROTO_REJ, ++p->cp[CP_LCP].id,
             tern_pkt_len(pkt));
  }
  return NULL;
}

static tern_poll ppp_recv(void *self, tern_cx *cx, tern_pkt **pkt, int *err) {
  tern_ppp *p = self;
  *pkt = NULL;
  size_t budget = TERN_PPP_RX_BUDGET;
  for (;;) {
    int perr;
    if (!p->closed) {
      run_timers(p, cx);
      (void)pump(p, cx, &p->rx_waiter, &perr);
    }
    if (p->closed) {
      *err = TERN_ECLOSED;
      return TERN_READY;
    }
    if (p->rx_pos == p->rx_len) {
      if (budget == 0) {
        tern_cx_wake_now(cx);
        return TERN_PENDING;
      }
      ptrdiff_t n;
      if (tern_stream_poll_read(&p->stream, cx, p->rx_buf, sizeof p->rx_buf,
                                &n) == TERN_PENDING) {
        /* The timer is armed (run_timers); rx_waiter is for what the
         * application's calls start (tern_ppp_close, _open, _shutdown),
         * which this poll must send or time. */
        tern_waker_slot_register(&p->rx_waiter, cx);
        return TERN_PENDING;
      }
      if (n <= 0) {
        if (p->rx_pkt != NULL && tern_ppp_hdlc_decoder_in_frame(&p->dec)) {
          p->rx_cut = 1; /* cut short: counted by get_stats */
        }
        close_adapter(p);
        continue;
      }
      p->rx_pos = 0;
      p->rx_len = (uint16_t)n;
    }
    const uint8_t *in = p->rx_buf + p->rx_pos;
    size_t avail = (size_t)(p->rx_len - p->rx_pos);
    size_t frame_len;
    size_t used = tern_ppp_hdlc_feed(&p->dec, in, avail, &frame_len);
    if (used == 0 && frame_len == 0) {
      /* A frame begins: a buffer only now, so idle flags hold none. */
      p->rx_pkt = tern_pkt_pool_try_alloc(p->pool);
      if (p->rx_pkt == NULL) {
        p->stats.rx_drop_nobuf++;
        tern_ppp_hdlc_decoder_skip(&p->dec); /* to its closing flag */
      } else {
        (void)tern_pkt_reserve(p->rx_pkt, TERN_PPP_RX_HEADROOM);
        tern_ppp_hdlc_decoder_set_buffer(&p->dec, tern_pkt_data(p->rx_pkt),
                                         tern_pkt_tailroom(p->rx_pkt));
      }
      continue;
    }
    p->rx_pos = (uint16_t)(p->rx_pos + used);
    budget = used < budget ? budget - used : 0;
    if (frame_len > 0) {
      tern_pkt *up = frame_in(p, frame_len);
      if (up != NULL) {
        (void)pump(p, cx, &p->rx_waiter, &perr);
        *pkt = up;
        *err = 0;
        return TERN_READY;
      }
    }
  }
}

/* ---- the rest of the netdev ---- */

static void ppp_info(void *self, tern_netdev_info *info) {
  tern_ppp *p = self;
  memset(info, 0, sizeof *info);
  info->mtu = mtu(p);
  info->headroom = 4;
  info->medium = TERN_MEDIUM_IP;
  info->flags = p->up ? TERN_NETDEV_UP : 0;
}

static tern_poll ppp_event(void *self, tern_cx *cx, uint32_t *events) {
  tern_ppp *p = self;
  if (p->events == 0) {
    tern_waker_slot_register(&p->ev_waiter, cx);
    return TERN_PENDING;
  }
  *events = p->events;
  p->events = 0;
  return TERN_READY;
}

static const tern_netdev_stats *ppp_stats(void *self) {
  tern_ppp *p = self;
  const tern_ppp_hdlc_stats *h = &p->dec.stats;
  p->stats.rx_drop_too_long = h->too_long;
  p->stats.rx_drop_malformed = h->bad_fcs + h->too_short + h->aborted +
                               p->ppp_stats.bad_header + p->rx_cut;
  return &p->stats;
}

static const tern_netdev_ops ppp_ops = {
    .poll_recv = ppp_recv,
    .poll_send = ppp_send,
    .get_info = ppp_info,
    .get_stats = ppp_stats,
    .poll_event = ppp_event,
    .set_addr = NULL,
    .mcast = NULL,
};

tern_netdev tern_ppp_netdev(tern_ppp *ppp) {
  tern_netdev d = {&ppp_ops, ppp};
  return d;
}

int tern_ppp_init(tern_ppp *ppp, tern_stream stream, tern_pkt_pool *pool,
                  uint8_t *tx_buf, size_t tx_cap, const tern_ppp_config *cfg,
                  const tern_rng *rng) {
  if (ppp == NULL || stream.ops == NULL || pool == NULL || tx_buf == NULL ||
      tx_cap == 0 || rng == NULL) {
    return TERN_EINVAL;
  }
  /* The configuration is resolved in place (ppp is cleared even when it
   * is refused). */
  memset(ppp, 0, sizeof *ppp);
  tern_ppp_config *c = &ppp->cfg;
  if (cfg != NULL) {
    *c = *cfg;
  }
  c->mru = c->mru ? c->mru : 1500;
  c->restart_ms = c->restart_ms ? c->restart_ms : 3000;
  c->max_configure = c->max_configure ? c->max_configure : 10;
  c->max_terminate = c->max_terminate ? c->max_terminate : 2;
  c->max_failure = c->max_failure ? c->max_failure : 5;
  if (c->mru < 128 || (size_t)c->mru + TERN_PPP_OVERHEAD > pool->buf_size ||
      (c->user != NULL &&
       (c->password == NULL || strlen(c->user) > 255 ||
        strlen(c->password) > 255 ||
        6 + strlen(c->user) + strlen(c->password) > 4u + c->mru))) {
    return TERN_EINVAL;
  }
  ppp->stream = stream;
  ppp->pool = pool;
  ppp->rng = *rng;
  ppp->tx_buf = tx_buf;
  ppp->tx_cap = tx_cap;
  ppp->cp[CP_LCP].ops = &lcp_ops;
  ppp->cp[CP_IPCP].ops = &ipcp_ops;
  memcpy(ppp->v4.local, c->local_addr, 4);
  ppp->min_mru = TERN_PPP_MIN_MRU; /* IPV6CP raises it */
  lcp_reset(ppp); /* configures the zeroed decoder (RFC 1662's defaults) */
  /* The stream is there: LCP's lower layer is up and it is opened; IPCP
   * is opened and waits for LCP (Starting). LCP's first request picks
   * our magic number and sets the phase (Establish). */
  fsm_event(ppp, &ppp->cp[CP_IPCP], E_OPEN, NULL);
  fsm_event(ppp, &ppp->cp[CP_LCP], E_OPEN, NULL);
  fsm_event(ppp, &ppp->cp[CP_LCP], E_UP, NULL);
  return 0;
}

tern_ppp_ipv4 tern_ppp_get_ipv4(const tern_ppp *ppp) {
  return (ppp->up & TERN__PPP_UP_V4) ? ppp->v4 : (tern_ppp_ipv4){.local = {0}};
}

tern_ppp_phase tern_ppp_get_phase(const tern_ppp *ppp) {
  return (tern_ppp_phase)ppp->phase;
}

tern_ppp_fail tern_ppp_get_fail(const tern_ppp *ppp) {
  return (tern_ppp_fail)ppp->fail;
}

const tern_ppp_stats *tern_ppp_get_stats(const tern_ppp *ppp) {
  return &ppp->ppp_stats;
}

const tern_ppp_hdlc_stats *tern_ppp_get_hdlc_stats(const tern_ppp *ppp) {
  return &ppp->dec.stats;
}

/* tern_ppp_close and tern_ppp_open queue a request and set its restart
 * deadline outside the polls: the task polling the link sends it and arms
 * the timer, so it is woken. */
void tern_ppp_close(tern_ppp *ppp) {
  if (!ppp->closed) {
    lcp_fail(ppp, TERN_PPP_FAIL_TERMINATED);
    tern_waker_slot_wake(&ppp->rx_waiter);
  }
}

void tern_ppp_open(tern_ppp *ppp) {
  tern_ppp_fsm *lcp = &ppp->cp[CP_LCP];
  /* Open in Opened changes nothing (RFC 1661 4.3): the phase and PAP's
   * retries go on. Elsewhere the automaton sets the phase. */
  if (!ppp->closed && lcp->state != S_OPENED) {
    ppp->fail = TERN_PPP_OK;
    if (lcp->state == S_CLOSING || lcp->state == S_STOPPING) {
      /* A close not finished yet: Open alone would end Stopped, never
       * asking again, while the peer our Terminate-Request stopped waits
       * for us. RFC 1661 4.3 (Open) suggests a Down then an Up, which
       * negotiate afresh from Starting. */
      fsm_event(ppp, lcp, E_DOWN, NULL);
      fsm_event(ppp, lcp, E_UP, NULL);
    }
    fsm_event(ppp, lcp, E_OPEN, NULL);
    tern_waker_slot_wake(&ppp->rx_waiter);
  }
}

void tern_ppp_shutdown(tern_ppp *ppp) {
  close_adapter(ppp);
}
