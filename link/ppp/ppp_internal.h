/* What link/ppp's optional parts (CHAP, IPV6CP, the keepalive) use of
 * the link. Not public. */
#ifndef TERN_PPP_INTERNAL_H
#define TERN_PPP_INTERNAL_H

#include <stdbool.h>

#include "tern/cp_wire.h"
#include "tern/ppp.h"

enum {
  TERN__PPP_AUTH_PAP = 1,
  TERN__PPP_AUTH_CHAP = 2,
};

/* tern_ppp.cp: each control protocol's automaton. */
enum {
  TERN__PPP_CP_LCP = 0,
  TERN__PPP_CP_IPCP = 1,
  TERN__PPP_CP_IPV6CP = 2,
};

/* tern_ppp.up: which network protocols are opened (the netdev is up
 * while any is). */
enum {
  TERN__PPP_UP_V4 = 1, /* IPCP */
  TERN__PPP_UP_V6 = 2, /* IPV6CP */
};

/* How an option handler is asked: judge it, write the value a Nak
 * suggests in place, or take the value (the request is acked). */
enum { JUDGE, WRITE_NAK, APPLY };

/* The longest option list an add() below writes: the room ppp.c gives
 * it to write our request again (opts_are_ours). Each add() asserts its
 * longest list fits: raise this when one asks for more. */
#define TERN__PPP_OPTS_MAX 24

/* What one control protocol adds to the automaton (RFC 1661's
 * this-layer-up/down/finished and its options). */
struct tern__ppp_cp_ops {
  uint16_t proto;
  /* Writes our Configure-Request's options at out; returns their end. */
  uint8_t *(*add)(tern_ppp *p, uint8_t *out);
  /* One option of the peer's request: TERN_PPP_CONF_ACK, _NAK or _REJ.
   * WRITE_NAK also rewrites val (and *len, never longer) to what we
   * suggest, only when the verdict is Nak: the answer is built in one
   * pass. */
  int (*opt)(tern_ppp *p, uint8_t type, uint8_t *val, uint8_t *len, int mode);
  /* One of our options the peer Nak'd (rej false) or rejected. The core
   * has recorded a rejected one in the automaton's rejected bits already
   * (add() leaves it out from then on). */
  void (*nak)(tern_ppp *p, const tern_ppp_opt *o, bool rej);
  void (*up)(tern_ppp *p);
  void (*down)(tern_ppp *p);
  /* why: TERN_PPP_FAIL_REJECTED (RXJ-, now or before Stopping),
   * _TERMINATED (from Stopping otherwise) or _TIMEOUT */
  void (*finished)(tern_ppp *p, uint8_t why);
  /* What the peer negotiated back to the defaults, before the options of
   * a request we ack are taken. */
  void (*reset)(tern_ppp *p);
};
typedef struct tern__ppp_cp_ops tern__ppp_cp_ops;

/* Runs the automaton's Open (and Up, if the network phase has begun) for
 * an optional control protocol that has just set f->ops. */
void tern__ppp_start_ncp(tern_ppp *p, tern_ppp_fsm *f);

/* Up or down changed for a network protocol: reports the link event. */
void tern__ppp_link_changed(tern_ppp *p);

/* An NCP's This-Layer-Down: clears up_bit (TERN__PPP_UP_V4 or _V6) in
 * p->up, counts a restart if that took the link down (no family left),
 * reports the link event, and drops a held outgoing packet of that
 * family only. */
void tern__ppp_ncp_down(tern_ppp *p, uint8_t up_bit);

/* Queues the control packet built in pkt (its data from the code on, len
 * bytes) with this code, id and length. Takes pkt. */
void tern__ppp_ctl_send(tern_ppp *p, tern_pkt *pkt, uint16_t proto,
                        unsigned code, unsigned id, size_t len);

/* A buffer for a control packet of our own (NULL when the pool is empty:
 * counted): returns where the data after the code, identifier and length
 * goes; send it with tern__ppp_ctl_send. */
uint8_t *tern__ppp_ctl_begin(tern_ppp *p, tern_pkt **pkt);

/* The keepalive went unanswered: the link goes down and LCP starts again
 * (TERN_PPP_FAIL_PEER_DEAD). */
void tern__ppp_peer_dead(tern_ppp *p);

/* The peer accepted (network phase) or refused (LCP ends) us. */
void tern__ppp_auth_done(tern_ppp *p, bool ok);

/* An NCP (IPCP or IPV6CP) finished, for why: LCP ends the link too, with
 * that reason, when the other NCP is neither opened nor still negotiating
 * (nothing left to carry). */
void tern__ppp_ncp_finished(tern_ppp *p, const tern_ppp_fsm *other,
                            uint8_t why);

#endif /* TERN_PPP_INTERNAL_H */
