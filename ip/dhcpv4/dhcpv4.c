/* The DHCPv4 client (RFC 2131): the state machine of dhcpv4.h. Messages
 * are built and read with the wire library (tern/dhcpv4_wire.h).
 *
 * Every state has one deadline (c->deadline); tern_dhcpv4_poll_run sends
 * what is queued in buf, reads replies (input), device events (event),
 * and calls timeout when the deadline comes. A state that sends on entry
 * (REQUESTING, the retransmissions) is entered with a deadline of now, so
 * that one place, timeout, sends every DISCOVER and REQUEST. */
#include "tern/dhcpv4.h"

#include <string.h>

#include "tern/bytes.h"
#include "tern/err.h"
#include "tern/ipv4.h"

#define RETRY_MS 4000u         /* the first retransmission (RFC 2131 4.1) */
#define RETRY_MAX_SHIFT 4      /* 4 s doubled up to 64 s */
#define JITTER_MS 1000u        /* +-1 s on each */
#define REQUEST_TRIES 4        /* REQUESTs before starting over */
#define REBOOT_TRIES 2         /* INIT-REBOOT REQUESTs before a DISCOVER */
#define DECLINE_WAIT_MS 10000u /* RFC 2131 3.1.5 */
#define MAX_CONFLICTS 10u      /* RFC 5227 2.1.1: after this many conflicts, */
#define RATE_LIMIT_MS 60000u   /* one new address per RATE_LIMIT_INTERVAL */
#define DEFEND_MS 10000u       /* RFC 5227 2.4: DEFEND_INTERVAL */
#define RENEW_MIN_MS 60000u    /* RFC 2131 4.4.5 */
#define ALL_ONES 0xffffffffu
_Static_assert(REQUEST_TRIES <= RETRY_MAX_SHIFT &&
                   REBOOT_TRIES <= RETRY_MAX_SHIFT,
               "timeout counts tries up to RETRY_MAX_SHIFT only");
_Static_assert(TERN_DHCPV4_PROBE_WAIT_MS > 0 &&
                   TERN_DHCPV4_PROBE_MAX_MS > TERN_DHCPV4_PROBE_MIN_MS,
               "the probes' random waits need TERN_DHCPV4_PROBE_WAIT_MS > 0 "
               "and TERN_DHCPV4_PROBE_MAX_MS > TERN_DHCPV4_PROBE_MIN_MS");

/* State sets: IN(s, BIT(BOUND) | BIT(RENEWING)). */
#define BIT(state) (1u << TERN_DHCPV4_##state)
#define IN(s, set) (((1u << (s)) & (set)) != 0)

static const uint8_t param_list[] = {
    TERN_DHCPV4_OPT_SUBNET_MASK, TERN_DHCPV4_OPT_ROUTER, TERN_DHCPV4_OPT_DNS};

static uint32_t random32(tern_dhcpv4 *c) {
  uint32_t v = c->xid * 2654435761u + 1; /* if the RNG fails: still moves */
  (void)tern_rng_fill(&c->iface->stack->rng, &v, sizeof v);
  return v;
}

/* A random number in 0..n-1. */
static uint32_t random_below(tern_dhcpv4 *c, uint32_t n) {
  return random32(c) % n;
}

static void enter(tern_dhcpv4 *c, tern_dhcpv4_state s, uint32_t delay_ms) {
  c->state = (uint8_t)s;
  c->tries = 0;
  c->deadline = tern_now() + delay_ms;
}

static void lease_changed(tern_dhcpv4 *c) {
  c->gen++;
  tern_waker_slot_wake(&c->lease_waker);
}

/* Forgets the lease; takes the address off the interface, if it is on. */
static void unapply(tern_dhcpv4 *c) {
  memset(&c->lease, 0, sizeof c->lease);
  if (c->applied) {
    c->applied = 0;
    c->defended = 0; /* a new address has had no conflict */
    (void)tern_ipv4_set_addr(c->iface, NULL, 0, NULL);
    lease_changed(c);
  }
}

/* INIT delay_ms from now: a DISCOVER then, or with a lease an INIT-REBOOT.
 * Leaving PROBING, the device stops watching the address. */
static void enter_init(tern_dhcpv4 *c, uint32_t delay_ms) {
  if (c->state == TERN_DHCPV4_PROBING) {
    (void)c->cfg.probe(c->cfg.probe_ctx, &(tern_ipv4_addr){{0, 0, 0, 0}});
  }
  enter(c, TERN_DHCPV4_INIT, delay_ms);
}

/* Forgets the lease and sends a DISCOVER delay_ms from now. */
static void restart(tern_dhcpv4 *c, uint32_t delay_ms) {
  unapply(c);
  enter_init(c, delay_ms);
}

/* Starts over after the random initial wait (RFC 2131 4.4.1): after a
 * NAK, an expiry or unanswered requests, so that a server that NAKs every
 * request cannot make the client loop at the link's speed. */
static void start_over(tern_dhcpv4 *c) {
  restart(c, random_below(c, TERN_DHCPV4_INIT_DELAY_MS + 1));
}

/* The messages the client sends, and what each carries (RFC 2131 table
 * 5, section 4.4): one row each, read by build. */
enum msg {
  MSG_DISCOVER,
  MSG_REQUEST_SELECTED, /* REQUESTING: the offer taken */
  MSG_REQUEST_REBOOT,   /* REBOOTING: INIT-REBOOT */
  MSG_REQUEST_RENEW,    /* RENEWING: unicast to the server */
  MSG_REQUEST_REBIND,   /* REBINDING: broadcast */
  MSG_DECLINE,
  MSG_RELEASE,
};

enum {
  F_CIADDR = 1u << 0,    /* ciaddr is the lease's address */
  F_REQUESTED = 1u << 1, /* option 50: the lease's address */
  F_SERVER_ID = 1u << 2, /* option 54: the lease's server */
  F_ACQUIRE = 1u << 3,   /* a DISCOVER or REQUEST: secs counts from the start
                            of the exchange; host name (when configured) and
                            parameter list */
  F_TO_SERVER = 1u << 4, /* unicast to the server, else broadcast */
};

static const struct {
  uint8_t type;  /* option 53 */
  uint8_t flags; /* F_* */
} msgs[] = {
    [MSG_DISCOVER] = {TERN_DHCPV4_DISCOVER, F_ACQUIRE},
    [MSG_REQUEST_SELECTED] = {TERN_DHCPV4_REQUEST,
                              F_REQUESTED | F_SERVER_ID | F_ACQUIRE},
    [MSG_REQUEST_REBOOT] = {TERN_DHCPV4_REQUEST, F_REQUESTED | F_ACQUIRE},
    [MSG_REQUEST_RENEW] = {TERN_DHCPV4_REQUEST,
                           F_CIADDR | F_ACQUIRE | F_TO_SERVER},
    [MSG_REQUEST_REBIND] = {TERN_DHCPV4_REQUEST, F_CIADDR | F_ACQUIRE},
    /* secs 0 in both; ciaddr 0 in a DECLINE (table 5). */
    [MSG_DECLINE] = {TERN_DHCPV4_DECLINE, F_REQUESTED | F_SERVER_ID},
    [MSG_RELEASE] = {TERN_DHCPV4_RELEASE, F_CIADDR | F_SERVER_ID | F_TO_SERVER},
};

/* The bytes of the largest message (a REQUEST in REQUESTING) besides the
 * client id's and host name's values: the header, options 53, 50, 54 and
 * 55 whole, the two options' code and length bytes, the end option.
 * tern_dhcpv4_start refuses a configuration whose client id and host name
 * do not fit in the rest of buf. */
#define LARGEST_FIXED (TERN_DHCPV4_HDR_LEN + 3 + 6 + 6 + 5 + 2 + 2 + 1)
_Static_assert(TERN_DHCPV4_MIN_LEN <= TERN_DHCPV4_MAX_LEN,
               "build pads every message to TERN_DHCPV4_MIN_LEN in buf");

/* Appends one option to the message in buf, whose length so far is
 * tx_len. Every option fits: tern_dhcpv4_start checked the client id's and
 * host name's lengths, which build uses as they were then, against
 * LARGEST_FIXED. */
static void put(tern_dhcpv4 *c, uint8_t code, const void *data, uint8_t len) {
  c->tx_len =
      (uint16_t)tern_dhcpv4_put_opt_at(c->buf, c->tx_len, code, data, len);
}

/* Builds message `msg` in buf, queued for poll_run to send. */
static void build(tern_dhcpv4 *c, enum msg msg) {
  uint8_t f = msgs[msg].flags;
  uint8_t *m = c->buf;
  c->tx_len = (uint16_t)tern_dhcpv4_request_init(m, c->xid, c->mac);
  if ((f & F_CIADDR) != 0) {
    memcpy(m + TERN_DHCPV4_OFF_CIADDR, &c->lease.addr, 4);
  }
  put(c, TERN_DHCPV4_OPT_MSG_TYPE, &msgs[msg].type, 1);
  if ((f & F_REQUESTED) != 0) {
    put(c, TERN_DHCPV4_OPT_REQUESTED_ADDR, &c->lease.addr, 4);
  }
  if ((f & F_SERVER_ID) != 0) {
    put(c, TERN_DHCPV4_OPT_SERVER_ID, &c->lease.server, 4);
  }
  if (c->cfg.client_id != NULL) {
    put(c, TERN_DHCPV4_OPT_CLIENT_ID, c->cfg.client_id, c->cfg.client_id_len);
  }
  if ((f & F_ACQUIRE) != 0) {
    /* Seconds since the exchange began, at most 65,535 (16 bits); a
     * REQUEST answering an OFFER repeats its DISCOVER's (RFC 2131 4.4.1). */
    if (msg != MSG_REQUEST_SELECTED) {
      uint32_t secs = (tern_now() - c->start) / 1000u;
      c->secs = (uint16_t)(secs > 0xffffu ? 0xffffu : secs);
    }
    tern_put_be16(m + TERN_DHCPV4_OFF_SECS, c->secs);
    if (c->hostname_len != 0) {
      put(c, TERN_DHCPV4_OPT_HOSTNAME, c->cfg.hostname, c->hostname_len);
    }
    put(c, TERN_DHCPV4_OPT_PARAM_LIST, param_list, sizeof param_list);
  }
  /* The end option (counted in LARGEST_FIXED), then zeros to RFC 1542's
   * 300 bytes, which buf holds. */
  c->tx_len =
      (uint16_t)tern_dhcpv4_put_end_at(m, c->tx_len, TERN_DHCPV4_MIN_LEN);
  if ((f & F_TO_SERVER) != 0) {
    c->dst.addr.u.v4 = c->lease.server;
  } else {
    c->dst.addr.u.w[0] = ALL_ONES; /* broadcast: 255.255.255.255 */
  }
}

/* Puts the granted address on the interface: BOUND until T1. */
static void bind(tern_dhcpv4 *c) {
  /* With the router as the gateway; without, if the layer refuses it. */
  const tern_ipv4_addr *gw =
      c->lease.router.b[0] != 0 ? &c->lease.router : NULL;
  while (tern_ipv4_set_addr(c->iface, &c->lease.addr, c->lease.prefix_len,
                            gw) != 0) {
    if (gw == NULL) {
      restart(c, DECLINE_WAIT_MS); /* an address the layer refuses */
      return;
    }
    gw = NULL;
  }
  c->applied = 1;
  c->state = TERN_DHCPV4_BOUND;
  c->deadline = c->t1_at;
  lease_changed(c);
}

static bool host_addr(tern_ipv4_addr a) {
  return a.b[0] != 0 && a.b[0] != 127 && a.b[0] < 224;
}

/* The prefix length of address a's subnet by o's subnet mask: 32 when the
 * mask has holes (every other host then reached through the router).
 * Without a mask (o->mask is then 0.0.0.0, which is no subnet's either),
 * a's class's: A /8, B /16, C /24 (D and E are no host's), as lwIP and
 * the clients of RFC 2131's time take it, so that the router is on the
 * subnet. */
static uint8_t prefix_of(const tern_dhcpv4_opts *o, tern_ipv4_addr a) {
  /* By the address's first two bits: 0x A, 10 B, 11 C. */
  static const uint8_t class_prefix[4] = {8, 8, 16, 24};
  uint32_t m = tern_be32(o->mask.b);
  uint8_t n = 0;
  if (m == 0) {
    return class_prefix[a.b[0] >> 6];
  }
  for (; (m & 0x80000000u) != 0; m <<= 1) {
    n++; /* the leading ones */
  }
  return m == 0 ? n : 32;
}

/* Whether the offered address y is its subnet's own address or broadcast
 * (prefix bits; /31 and /32 have neither, RFC 3021): no host's (RFC 1122
 * 3.2.1.3), one the IPv4 layer refuses; or the server id srv is one of
 * those two, where the client's renewals and RELEASE, unicast to it,
 * would go to no host (a server of another subnet, behind a relay, is
 * one whatever its address). */
static bool subnet_edge(const tern_ipv4_addr *y, const tern_ipv4_addr *srv,
                        uint8_t prefix) {
  if (prefix > 30) {
    return false;
  }
  /* Bitwise tests only, so on the addresses as their bytes are (network
   * order): no byte swap of y and srv (tern_be32 of both cost 44 bytes
   * more on Cortex-M0). */
  uint8_t hb[4];
  uint32_t h, a, s;
  tern_put_be32(hb, ALL_ONES >> prefix);
  memcpy(&h, hb, 4);
  memcpy(&a, y, 4);
  memcpy(&s, srv, 4);
  uint32_t net = a & ~h, bcast = a | h;
  return a == net || a == bcast || s == net || s == bcast;
}

/* An ACK for the lease's address and server (set by input): the lease counts
 * from the request that began the exchange (RFC 2131 4.4.1); T1 and T2 from the
 * server, or 1/2 and 7/8 of the lease. */
static void take_ack(tern_dhcpv4 *c, const tern_dhcpv4_opts *o) {
  tern_dhcpv4_lease *l = &c->lease;
  l->prefix_len = prefix_of(o, l->addr);
  l->router = o->router; /* 0.0.0.0 when there is none */
  l->n_dns = o->n_dns;
  memcpy(l->dns, o->dns, sizeof l->dns);
  /* The lease as long as the clock can count (TERN_DHCPV4_MAX_LEASE_S),
   * and T1 and T2 within it: an infinite lease is renewed at half that. */
  uint32_t lease =
      o->lease < TERN_DHCPV4_MAX_LEASE_S ? o->lease : TERN_DHCPV4_MAX_LEASE_S;
  l->lease_s = o->lease;
  /* 1/2 and 7/8 rounded up: T2 never before T1, and T1 0 only for a
   * lease of 0 (a T1 of 0 renews on binding, and each ACK binds again: a
   * loop at the link's speed). The server's need 0 < T1 <= T2 < lease;
   * an absent one is 0 (the options are cleared), so both must be there. */
  l->t1_s = lease - lease / 2;
  l->t2_s = lease - lease / 8;
  if (o->t1 != 0 && o->t1 <= o->t2 &&
      o->t2 < lease) { /* T2 at the end: never renewed nor rebound */
    l->t1_s = o->t1;
    l->t2_s = o->t2;
  }
  c->t1_at = c->start + l->t1_s * 1000u;
  c->t2_at = c->start + l->t2_s * 1000u;
  c->expire_at = c->start + lease * 1000u;
}

/* A datagram of n bytes in buf, from src_port. */
static void input(tern_dhcpv4 *c, int n, uint16_t src_port) {
  const uint8_t *m = c->buf;
  tern_ipv4_addr yiaddr;
  tern_dhcpv4_opts o;
  int rc = -1; /* counted in rx_drop[0]: too long (or a socket error, which
                  an unconnected socket never has), not from port 67 */
  if ((unsigned)n <= sizeof c->buf && src_port == TERN_DHCPV4_SERVER_PORT &&
      (rc = tern_dhcpv4_check(m, (size_t)n)) == 0) {
    rc = tern_dhcpv4_opts_parse(&o, m, (size_t)n);
  }
  if (rc != 0) {
    c->stats.rx_drop[rc == -1 ? 0 : -rc]++;
    return;
  }
  memcpy(&yiaddr, m + TERN_DHCPV4_OFF_YIADDR, 4);
  uint8_t s = c->state;
  uint8_t t = o.msg_type;
  /* An ACK or NAK answers a REQUEST: from the server asked unless the
   * client asked any (REBOOTING, REBINDING). */
  bool answers = IN(s, BIT(REQUESTING) | BIT(RENEWING) | BIT(REBOOTING) |
                           BIT(REBINDING)) &&
                 (IN(s, BIT(REBOOTING) | BIT(REBINDING)) ||
                  memcmp(&o.server_id, &c->lease.server, 4) == 0);
  /* Every reply the client takes names its server (an OFFER's, an ACK's
   * and a NAK's MUST, RFC 2131 table 3), a host's address (absent, it is
   * 0.0.0.0): renewals and the RELEASE go to it. */
  if (!tern_dhcpv4_is_reply_to(m, c->xid, c->mac) || !host_addr(o.server_id)) {
    t = 0; /* not ours, or not one to take */
  }
  if (t == TERN_DHCPV4_NAK && answers) {
    c->stats.naks++;
    start_over(c);
  } else if (host_addr(yiaddr) &&
             !subnet_edge(&yiaddr, &o.server_id, prefix_of(&o, yiaddr)) &&
             ((t == TERN_DHCPV4_OFFER && s == TERN_DHCPV4_SELECTING) ||
              (t == TERN_DHCPV4_ACK && answers &&
               (o.present & TERN_DHCPV4_HAVE_LEASE) != 0))) {
    /* An offer that names its server, or an ACK (renewals are unicast to
     * its server), for a host's address (not its subnet's own address or
     * broadcast by the mask it comes with, nor is the server id). Another
     * address than the one in use (RENEWING, REBINDING, REBOOTING) must be
     * checked before use like a first one (RFC 2131 4.4.1, RFC 5227 2.1): the
     * old one goes (reported lost) and the new one is probed. (The lease is
     * forgotten too, harmlessly: what follows sets every field.) */
    uint32_t now_addr, was_addr; /* 32-bit values: 28 bytes less on
                                    Cortex-M0 than memcmp's call */
    memcpy(&now_addr, &yiaddr, 4);
    memcpy(&was_addr, &c->lease.addr, 4);
    if (c->cfg.probe != NULL && now_addr != was_addr) {
      unapply(c);
    }
    c->lease.addr = yiaddr;
    c->lease.server = o.server_id;
    if (t == TERN_DHCPV4_OFFER) {
      /* The first acceptable offer is taken (RFC 2131 4.4.1 allows it).
       * The lease counts from its REQUEST, sent now (4.4.1): from the
       * first DISCOVER, hours of search without a server cut it short,
       * and 2^31 ms of it made it read as weeks ahead. The deadline is
       * now (enter), a smaller read than tern_now's call. */
      enter(c, TERN_DHCPV4_REQUESTING, 0);
      c->start = c->deadline;
    } else {
      take_ack(c, &o);
      if (c->cfg.probe != NULL && !c->applied) {
        /* RFC 5227 2.1.1: a first probe after a random wait up to
         * PROBE_WAIT. */
        enter(c, TERN_DHCPV4_PROBING,
              random_below(c, TERN_DHCPV4_PROBE_WAIT_MS));
      } else {
        bind(c);
      }
    }
  } else {
    c->stats.rx_ignored++;
    return;
  }
  c->stats.rx_taken++;
}

/* What a state sends when its deadline comes, and how many times before
 * it starts over (0: no limit). */
static const struct {
  uint8_t msg;   /* enum msg */
  uint8_t tries; /* 0: no limit */
} on_deadline[] = {
    [TERN_DHCPV4_SELECTING] = {MSG_DISCOVER, 0},
    [TERN_DHCPV4_REQUESTING] = {MSG_REQUEST_SELECTED, REQUEST_TRIES},
    [TERN_DHCPV4_REBOOTING] = {MSG_REQUEST_REBOOT, REBOOT_TRIES},
    [TERN_DHCPV4_RENEWING] = {MSG_REQUEST_RENEW, 0},
    [TERN_DHCPV4_REBINDING] = {MSG_REQUEST_REBIND, 0},
};

/* The state's deadline came. */
static void timeout(tern_dhcpv4 *c) {
  tern_time now = tern_now();
  uint8_t s = c->state;
  uint32_t wait;
  if (s == TERN_DHCPV4_PROBING) {
    tern_ipv4_addr a = c->lease.addr;
    uint8_t sent = c->tries++; /* probes before this one */
    if (sent == TERN_DHCPV4_PROBES) {
      memset(&a, 0, sizeof a); /* done: stop watching */
    }
    /* RFC 5227 2.1.1: the next probe a random PROBE_MIN to PROBE_MAX
     * later; after the last, the address used ANNOUNCE_WAIT later. */
    wait = TERN_DHCPV4_ANNOUNCE_WAIT_MS;
    if (sent + 1 < TERN_DHCPV4_PROBES) {
      wait =
          TERN_DHCPV4_PROBE_MIN_MS +
          random_below(c, TERN_DHCPV4_PROBE_MAX_MS - TERN_DHCPV4_PROBE_MIN_MS);
    }
    c->deadline = now + wait;
    if (c->cfg.probe(c->cfg.probe_ctx, &a) != 0) {
      /* Not sent (the link down, no buffer, the device busy): no probe.
       * The lease is checked again with INIT-REBOOT, and probed again
       * after its ACK, ten seconds later as after a DECLINE (RFC 2131
       * 3.1.5): at once, a server that answers at once and a probe that
       * kept failing made a REQUEST about every half second. With the
       * link down, the INIT-REBOOT then waits for it, and starts when it
       * is up (event). */
      enter_init(c, DECLINE_WAIT_MS);
    } else if (a.b[0] == 0) {
      bind(c);
    }
    return;
  }
  /* The lease's end, in BOUND, RENEWING, REBINDING, and in the INIT-REBOOT
   * after a link change, which keeps the address for the rest of its lease
   * only (RFC 2131 4.4.5): what is left of the lease whose address is on
   * the interface; with none on, no end (ALL_ONES: no wait is cut). */
  uint32_t lease_left =
      c->applied ? tern_time_until(now, c->expire_at) : ALL_ONES;
  if (lease_left == 0) {
    c->stats.expiries++;
    start_over(c);
    return;
  }
  if (IN(s, BIT(INIT) | BIT(BOUND))) {
    /* A new exchange: secs, and the lease it gets, count from now. */
    c->xid = random32(c);
    c->start = now;
  }
  if (s >= TERN_DHCPV4_BOUND) { /* BOUND, RENEWING, REBINDING */
    s = tern_time_before(now, c->t2_at) ? TERN_DHCPV4_RENEWING
                                        : TERN_DHCPV4_REBINDING;
    /* Again at half the time left to T2 (renewing) or to expiry
     * (rebinding), at least 60 s later, and never past that instant. */
    uint32_t left =
        s == TERN_DHCPV4_RENEWING ? tern_time_until(now, c->t2_at) : lease_left;
    wait = left / 2 < RENEW_MIN_MS ? RENEW_MIN_MS : left / 2;
    if (wait > left) {
      wait = left;
    }
  } else { /* INIT, SELECTING, REQUESTING, REBOOTING */
    if (s == TERN_DHCPV4_INIT) {
      /* INIT-REBOOT with an address known, else DISCOVER; no tries yet
       * (INIT is entered only through enter). */
      s = c->lease.addr.b[0] != 0 ? TERN_DHCPV4_REBOOTING
                                  : TERN_DHCPV4_SELECTING;
    }
    /* Unanswered, start over; but not while the link is down, when the
     * REQUESTs could not go: the client waits for the link as a bound one
     * does, retrying at most every 64 s, and the link's return starts the
     * INIT-REBOOT afresh (event). So an address to check (a lease whose
     * probes the link's loss stopped, one kept through a link change, a
     * remembered one) is not forgotten 12 s after the link went down. */
    uint8_t max = on_deadline[s].tries;
    if (max != 0 && c->tries >= max && tern_ip_iface_up(c->iface)) {
      start_over(c);
      return;
    }
    /* 4 s, 8 s, ... 64 s after the tries so far, +-1 s (RFC 2131 4.1);
     * tries stops at RETRY_MAX_SHIFT, which no state's limit exceeds. */
    wait =
        (RETRY_MS << c->tries) - JITTER_MS + random_below(c, 2 * JITTER_MS + 1);
    if (c->tries < RETRY_MAX_SHIFT) {
      c->tries++;
    }
  }
  if (wait > lease_left) {
    wait = lease_left; /* never past the lease */
  }
  c->state = s;
  c->deadline = now + wait;
  build(c, (enum msg)on_deadline[s].msg);
}

/* A link change and a conflict in one batch: their order is lost, so the
 * link is taken first, and the conflict as one on the link as it is now
 * (in the INIT-REBOOT that follows: no DECLINE to a server that may be
 * another network's). */
static void event(tern_dhcpv4 *c, uint32_t ev) {
  uint8_t s = c->state;
  if ((ev & TERN_NETDEV_EV_LINK) != 0 &&
      (tern_ip_iface_up(c->iface) || s == TERN_DHCPV4_PROBING)) {
    /* The link up again: maybe another network now. With a lease (or
     * while checking one, or in INIT before an INIT-REBOOT: a remembered
     * address, a lease whose probe could not go), check it with
     * INIT-REBOOT (RFC 2131 3.2; an address in use stays meanwhile, as
     * RFC 4436 keeps it); with an offer at most, start over. While
     * probing, up or down: probes or answers may have been lost, so
     * nothing was checked; the address, not yet in use, is probed again
     * after the INIT-REBOOT's ACK (with the link down, that INIT-REBOOT
     * waits for it: timeout). In INIT with no address, the DISCOVER's
     * wait goes on: after a conflict, the ten seconds RFC 2131 3.1.5
     * asks for. */
    if (s != TERN_DHCPV4_REQUESTING && c->lease.addr.b[0] != 0) {
      enter_init(c, 0);
    } else if (s != TERN_DHCPV4_INIT) {
      start_over(c);
    }
    s = c->state;
  }
  if ((ev & TERN_NETDEV_EV_ADDR_CONFLICT) != 0 &&
      (s == TERN_DHCPV4_PROBING || c->applied)) {
    /* Another host has the address probed or in use (BOUND to REBINDING,
     * and the INIT-REBOOT after a link change). In use and bound, with a
     * probe function to announce it through, it is defended (RFC 5227
     * 2.4 (b)): unless another conflict came within DEFEND_INTERVAL, the
     * time is noted, the device sends one announcement of it, and it is
     * kept; so one forged ARP packet cannot take the address away. (The
     * clock wraps every 49.7 days: a conflict within 10 s of a multiple
     * of that after the last one defended reads as recent, and gives the
     * address up, as every conflict did before.) */
    tern_time now = tern_now();
    if (s >= TERN_DHCPV4_BOUND && c->cfg.probe != NULL &&
        (!c->defended || now - c->defended_at >= DEFEND_MS)) {
      c->defended = 1;
      c->defended_at = now;
      c->stats.defences++;
      (void)c->cfg.probe(c->cfg.probe_ctx, &c->lease.addr);
      return;
    }
    /* Else it is given up (RFC 5227 2.4 (a), and (b)'s second conflict:
     * the host MUST cease using it and tell the configuring agent), and a
     * DISCOVER follows ten seconds later, as after a DECLINE (RFC 2131
     * 3.1.5). The DECLINE tells the server (RFC 2131 3.1: the address is
     * in use) and the lease is forgotten: the server sets the address
     * aside (4.3.3), so the client asks for a new one rather than
     * INIT-REBOOT. A DECLINE answers an ACK (RFC 2131 3.1.5, 4.4.1): not
     * sent in the INIT-REBOOT after a link change, which has had none,
     * and whose server may be another network's. Counted either way.
     * From the tenth conflict on, the wait is a minute: a host that has
     * had MAX_CONFLICTS MUST try at most one new address per
     * RATE_LIMIT_INTERVAL (RFC 5227 2.1.1). */
    if (s >= TERN_DHCPV4_PROBING) {
      c->stats.declines++;
      build(c, MSG_DECLINE);
    }
    restart(c, ++c->stats.conflicts < MAX_CONFLICTS ? DECLINE_WAIT_MS
                                                    : RATE_LIMIT_MS);
  }
}

int tern_dhcpv4_start(tern_dhcpv4 *c, tern_udp_layer *udp, tern_ip_iface *iface,
                      const tern_dhcpv4_config *cfg) {
  if (c == NULL || udp == NULL || iface == NULL || cfg == NULL ||
      (cfg->client_id != NULL && cfg->client_id_len < 2)) {
    return TERN_EINVAL;
  }
  /* A host name of 1 to 255 bytes (RFC 2132 3.14), which with the client
   * id fits in the largest message. */
  size_t name = cfg->hostname != NULL ? strlen(cfg->hostname) : 0;
  size_t id = cfg->client_id != NULL ? cfg->client_id_len : 0;
  if ((cfg->hostname != NULL && name - 1 > 254) ||
      LARGEST_FIXED + name + id > sizeof c->buf) {
    return TERN_EINVAL;
  }
  if (tern_udp_is_bound(udp, &c->sock)) {
    return TERN_EBUSY; /* running: its socket and timer are live */
  }
  memset(c, 0, sizeof *c);
  c->hostname_len = (uint8_t)name; /* 0 (none) or 1..255 */
  tern_netdev_info info = tern_netdev_get_info(&iface->dev);
  memcpy(c->mac, info.mac, 6);
  if (memcmp(c->mac, (const uint8_t[6]){0}, 6) == 0) { /* no MAC */
    return TERN_EINVAL;
  }
  c->iface = iface;
  c->cfg = *cfg;
  /* IPv4 on the interface, any address: bound to port 68, then where
   * messages go (port 67, build sets the address). */
  c->dst.addr.family = TERN_IP_V4;
  c->dst.scope = iface->id;
  c->dst.port = TERN_DHCPV4_CLIENT_PORT;
  int rc = tern_udp_bind(udp, &c->sock, &c->dst, c->ring, sizeof c->ring);
  c->dst.port = TERN_DHCPV4_SERVER_PORT;
  if (rc == 0) {
    c->xid = (uint32_t)(uintptr_t)c; /* random32 mixes it if the RNG fails */
    start_over(c);
    if (host_addr(cfg->remembered)) {
      c->lease.addr = cfg->remembered; /* INIT-REBOOT, at once */
      c->deadline = tern_now();
    }
  }
  return rc;
}

tern_poll tern_dhcpv4_poll_run(tern_dhcpv4 *c, tern_cx *cx) {
  tern_waker_slot_register(&c->run_waker, cx);
  for (;;) {
    if (c->stop == 1) {
      c->stop = 2;
      if (c->applied) {
        build(c, MSG_RELEASE);
      }
    }
    if (c->tx_len != 0) {
      int err;
      if (tern_udp_poll_send_to(&c->sock, cx, &c->dst, c->buf, c->tx_len,
                                &err) == TERN_PENDING) {
        return TERN_PENDING;
      }
      c->tx_len = 0;
      if (err == 0) {
        c->stats.tx_msgs++;
      } else {
        c->stats.tx_errors++;
      }
    }
    if (c->stop != 0) {
      /* The address taken away and, while probing, the device told to
       * stop watching (enter_init), as on every way out of PROBING: it
       * went on watching an address no one was to use. start_over does
       * both (its wait and state are then moot), as small a call as
       * unapply's. */
      start_over(c);
      tern_timer_cancel(&c->timer);
      tern_udp_close(&c->sock);
      c->state = TERN_DHCPV4_STOPPED;
      return TERN_READY;
    }
    tern_udp_msg msg;
    int n;
    uint32_t ev;
    /* Events first: the device raised them about the interface as it is
     * now (a conflict names no address: it is the one in use, or the one
     * probed), so before a reply read with them can change the address. */
    if (tern_ip_iface_poll_event(c->iface, cx, &ev) == TERN_READY) {
      event(c, ev);
    } else if (tern_udp_poll_recv_msg(&c->sock, cx, &msg, c->buf, sizeof c->buf,
                                      &n) == TERN_READY) {
      input(c, n, msg.src.port);
    } else if (tern_sleep_until(&c->timer, cx, c->deadline) == TERN_PENDING) {
      return TERN_PENDING;
    } else {
      timeout(c);
    }
  }
}

tern_poll tern_dhcpv4_poll_lease(tern_dhcpv4 *c, tern_cx *cx,
                                 tern_dhcpv4_lease *out) {
  if (c->gen == c->seen) {
    tern_waker_slot_register(&c->lease_waker, cx);
    return TERN_PENDING;
  }
  c->seen = c->gen;
  *out = c->lease;
  if (!c->applied) {
    /* Lost: the lease may already hold a new address not yet in use
     * (probed after an ACK that changed it). */
    memset(out, 0, sizeof *out);
  }
  return TERN_READY;
}

void tern_dhcpv4_stop(tern_dhcpv4 *c) {
  if (c->stop == 0) {
    c->stop = 1;
  }
  tern_waker_slot_wake(&c->run_waker);
}

tern_dhcpv4_state tern_dhcpv4_get_state(const tern_dhcpv4 *c) {
  return (tern_dhcpv4_state)c->state;
}

tern_dhcpv4_stats tern_dhcpv4_get_stats(const tern_dhcpv4 *c) {
  return c->stats;
}
