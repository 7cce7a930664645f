/* TCP connections (RFC 9293) over the IP core, for either address family:
 * the connection machine that drives the pieces beside it (tcp_wire.h,
 * tcp_seq.h, tcp_isn.h, tcp_cookie.h, tcp_rcvbuf.h, tcp_rtt.h, tcp_cc.h).
 *
 *   static tern_tcp_layer tcp;
 *   tern_tcp_init(&tcp, &ip, NULL);              // registers protocol 6
 *   ... a task awaits tern_tcp_poll_run(&tcp, cx) for ever (timers and
 *       every segment sent; like the IP runner) ...
 *
 *   // active open
 *   static tern_tcp_conn c;
 *   static uint8_t tx[4096], rx[4096];
 *   tern_tcp_conn_init(&c, &tcp, tx, sizeof tx, rx, sizeof rx);
 *   tern_tcp_connect(&c, &remote);
 *   TERN_CO_AWAIT(co, tern_tcp_poll_connect(&c, cx, &err));
 *   tern_stream s = tern_tcp_stream(&c);          // read, write, close
 *
 *   // passive open: the listener's backlog is an array of connections,
 *   // each with its rings, set up with tern_tcp_conn_init
 *   tern_tcp_listen(&tcp, &lst, &local, conns, 4);
 *   TERN_CO_AWAIT(co, tern_tcp_poll_accept(&lst, cx, &waiter, &conn));
 *
 * The states (RFC 9293 3.3.2; LISTEN is the listener's, not a
 * connection's):
 *
 *                           +---------+ connect: SYN
 *                           | CLOSED  |-----------------+
 *                           +---------+                 v
 *    listener: SYN / SYN,ACK     |                +----------+
 *     +--------------------------+      SYN/SYN,ACK|  SYN-    |
 *     v                          +-----------------|  SENT    |
 *  +--------+                    v (simultaneous)  +----------+
 *  |  SYN-  |<--------------------                      | SYN,ACK / ACK
 *  |  RCVD  |---- ACK of SYN -------> +-------------+ <--+
 *  +--------+                         | ESTABLISHED |
 *                   close: FIN  +-----+-------------+-----+ FIN / ACK
 *                               v                         v
 *                        +-----------+ FIN/ACK      +------------+
 *                        | FIN-WAIT-1|------+       | CLOSE-WAIT |
 *                        +-----------+      v       +------------+
 *                    ACK of FIN |     +---------+         | close: FIN
 *                               v     | CLOSING |         v
 *                        +-----------+ +---------+   +----------+
 *                        | FIN-WAIT-2|      | ACK     | LAST-ACK |
 *                        +-----------+      v         +----------+
 *                          FIN / ACK| +-----------+        | ACK of FIN
 *                                   +>| TIME-WAIT |--2MSL--> CLOSED
 *                                     +-----------+
 *
 * Segments are sent from one place, the layer's runner
 * (tern_tcp_poll_run), which also fires every connection's timers: input
 * and the application's polls change state and wake it. From the input
 * path go only resets answering a segment with no connection, a cookie's
 * SYN-ACK (best effort, as ICMP answers are) and the ACK owed for every
 * second segment, when a packet and queue room can be had at once (else
 * the runner sends it).
 *
 * Everything is caller storage; nothing allocates. Task context only. */
#ifndef TERN_TCP_H
#define TERN_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/ip.h"
#include "tern/poll.h"
#include "tern/siphash.h"
#include "tern/stream.h"
#include "tern/tcp_cc.h"
#include "tern/tcp_rcvbuf.h"
#include "tern/tcp_rtt.h"
#include "tern/tcp_sack.h"
#include "tern/tcp_wire.h"
#include "tern/timer.h"
#include "tern/waitq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 9293 3.3.2's states of a connection. */
typedef enum tern_tcp_state {
  TERN_TCP_CLOSED = 0,
  TERN_TCP_SYN_SENT,
  TERN_TCP_SYN_RCVD,
  TERN_TCP_ESTABLISHED,
  TERN_TCP_FIN_WAIT_1,
  TERN_TCP_FIN_WAIT_2,
  TERN_TCP_CLOSE_WAIT,
  TERN_TCP_CLOSING,
  TERN_TCP_LAST_ACK,
  TERN_TCP_TIME_WAIT,
} tern_tcp_state;

/* The layer's knobs, all in milliseconds (each below 2^31, the clock's
 * reach; max_rto not 0); tern_tcp_config_default() fills them. */
typedef struct tern_tcp_config {
  uint32_t min_rto;         /* RFC 6298 2.4 asks 1000; Linux uses 200 */
  uint32_t max_rto;         /* at least 60,000 (RFC 6298 2.5) */
  uint32_t time_wait;       /* TIME-WAIT's 2 MSL (RFC 9293 3.4.2) */
  uint32_t fin_wait2;       /* after the application closed, FIN-WAIT-2
                               this long with nothing heard ends the
                               connection (TERN_ETIMEDOUT to a reader),
                               as Linux's tcp_fin_timeout; 0: never */
  uint32_t delack;          /* the longest an ACK is delayed (< 500, RFC 9293
                               3.8.6.3) */
  uint32_t user_timeout;    /* data (or a SYN) unacknowledged this long
                               aborts with TERN_ETIMEDOUT (RFC 5482's knob);
                               also connect's timeout */
  uint32_t keepalive;       /* idle time before a keepalive probe, and
                               between probes, when a connection asks for
                               them (RFC 1122 4.2.3.6: at least 2 hours) */
  uint8_t keepalive_probes; /* unanswered probes before TERN_ETIMEDOUT */
  uint8_t sack;             /* 1: offer SACK (RFC 2018) and, where the peer
                               permits it, recover losses by RFC 6675; 0:
                               no SACK, NewReno alone (RFC 6582) */
} tern_tcp_config;

void tern_tcp_config_default(tern_tcp_config *cfg);

/* Counters of the layer; they wrap at 2^32. */
typedef struct tern_tcp_stats {
  uint32_t rx_no_conn;        /* no connection or listener: reset sent */
  uint32_t rx_dropped;        /* unacceptable for its connection */
  uint32_t rx_ooo_refused;    /* out-of-order data not kept: every range
                                 of the receive ring in use */
  uint32_t challenge_acks;    /* RFC 5961 3.2, 4.2, 5.2 */
  uint32_t paws_rejected;     /* an old timestamp (RFC 7323 5.3 R1) */
  uint32_t rst_sent;          /* resets sent */
  uint32_t segs_sent;         /* segments handed to the IP layer */
  uint32_t retransmits;       /* segments sent again */
  uint32_t timeouts;          /* retransmission timer expiries */
  uint32_t fast_retransmits;  /* loss recoveries begun: NewReno's fast
                                 retransmit, or RFC 6675's entry */
  uint32_t cookies_sent;      /* SYN-ACKs with a cookie (backlog full) */
  uint32_t cookies_ok;        /* connections made from a cookie */
  uint32_t cookies_bad;       /* ACKs whose cookie did not check */
  uint32_t backlog_full;      /* SYNs or cookie ACKs no slot could take */
  uint32_t half_open_dropped; /* half-open slots reset for a cookie's
                                 connection (RFC 4987 3.5) */
  uint32_t icmp_accepted;     /* ICMP errors for a connection (RFC 5927) */
  uint32_t icmp_ignored;      /* quote outside the window, or no match */
  uint32_t icmp_bad_mtu;      /* fragmentation needed with an MTU the
                                 quoted datagram fit (RFC 5927 7.2) */
  uint32_t tx_errors;         /* the IP layer refused a segment */
  tern_tcp_rx_stats rx;       /* every segment's parse result */
} tern_tcp_stats;

typedef struct tern_tcp_layer tern_tcp_layer;
typedef struct tern_tcp_listener tern_tcp_listener;

/* One connection: caller storage with its two rings, set up by
 * tern_tcp_conn_init. Fields are the layer's. */
typedef struct tern_tcp_conn {
  /* The fields read most first, bytes before halfwords before words:
   * Cortex-M0's loads reach 31 bytes, 62 for halfwords or 124 for words,
   * from the struct's start in one instruction. With its bytes at 36..47
   * (and the layer's and receive ring's fields by topic) the machine was
   * 686 bytes larger, 426 in the IPv4-only stack. */
  uint8_t state;      /* tern_tcp_state */
  uint8_t flags;      /* TERN_TCP_F_*: the application's switches */
  uint8_t pend;       /* what the runner owes the peer (tcp_conn.h) */
  int8_t err;         /* the error that ended it, reported to both sides;
                       * TERN_ECLOSED while never opened */
  uint8_t opts;       /* options in force (tcp_conn.h) */
  uint8_t retries;    /* timer expiries in a row / keepalive probes */
  uint8_t acks_owed;  /* moves of RCV.NXT (segments, a FIN) since our ACK */
  uint8_t extra_acks; /* duplicate ACKs owed beyond the one in pend */
  uint8_t rcv_shift;  /* our window shift */
  uint8_t snd_shift;  /* the peer's */
  uint16_t mss;       /* the largest segment we send */
  tern_tcp_cc cc;     /* its bytes within ldrb's reach too */
  uint32_t snd_una;   /* until the handshake ends, the ISS (nothing is
                         acknowledged before our SYN) */
  uint32_t snd_nxt;
  uint32_t snd_max; /* the highest sent (SND.NXT before a go-back) */
  tern_tcp_layer *layer;
  /* the send ring: bytes from SND.UNA on, sent or not */
  uint32_t slen; /* bytes in the ring */
  uint32_t scap;
  uint32_t shead; /* ring index of SND.UNA's byte */
  uint8_t *sbuf;
  uint32_t snd_wnd;   /* the peer's window, scaled */
  tern_time rtt_at;   /* when rtt_seq was sent; 0: none timed */
  tern_time rtx_at;   /* retransmission or persist timer; 0: off */
  tern_time idle_at;  /* TIME-WAIT's end, keepalive, user timeout;
                         CLOSED: when it closed */
  tern_time ack_at;   /* delayed ACK; 0: off */
  uint32_t rtt_seq;   /* the segment timed for an RTT sample (no TS);
                         nothing in flight: an RTO after the last data
                         was acknowledged (restart after idle) */
  uint32_t ts_recent; /* the peer's last timestamp (RFC 7323 4.3) */
  uint32_t max_snd_wnd;
  uint32_t snd_wl1;
  uint32_t snd_wl2;
  uint32_t last_adv; /* the right edge of the window last advertised */
  /* the peer's FIN's number, once one came: held past a hole until RCV.NXT
   * reaches it (TERN__TCP_F_FIN_HELD) */
  uint32_t rcv_fin;
  struct tern_tcp_conn *next;  /* the layer's list of open connections */
  tern_tcp_listener *listener; /* its backlog slot's listener, or NULL */
  tern_tcp_rcvbuf rcv;
  tern_tcp_rtt rtt;
  tern_waker_slot reader; /* a task in read (accept's wait is the listener's) */
  tern_waker_slot writer; /* a task in write, flush, close or connect */
  tern_endpoint local;
  tern_endpoint remote;
  tern_tcp_scoreboard sb; /* what the peer SACKed (when it permitted SACK) */
} tern_tcp_conn;

/* tern_tcp_conn.flags the application sets (tern_tcp_set_nodelay, ...). */
#define TERN_TCP_F_NODELAY 0x01u   /* no Nagle (RFC 9293 3.7.4) */
#define TERN_TCP_F_KEEPALIVE 0x02u /* send keepalive probes */

/* A listener: a local endpoint and a backlog of connection slots. */
struct tern_tcp_listener {
  tern_tcp_listener *next;
  tern_tcp_layer *layer;
  tern_endpoint local;
  tern_tcp_conn *slots; /* caller's array, each set up by conn_init */
  uint8_t nslots;
  uint16_t cookie_wnd;  /* a cookie's SYN-ACK's window: the smallest ring */
  tern_time cookie_at;  /* when it last sent a cookie (0: never, or seen
                           to be longer ago than a cookie lives) */
  tern_waitq acceptors; /* tasks waiting in accept, oldest first */
};

/* The layer. Caller storage; fields are read-only to the application. */
struct tern_tcp_layer {
  /* Ordered, as tern_tcp_conn is, for Cortex-M0's short offsets: the
   * lists, the knobs and the counters (their parse results last) first. */
  tern_tcp_conn *conns; /* open connections (not CLOSED) */
  tern_ip_stack *stack;
  tern_tcp_listener *listeners;
  tern_tcp_config cfg;
  tern_tcp_stats stats;
  tern_ip_proto proto;
  struct {                    /* secrets, drawn from the RNG at init */
    tern_hsiphash_key isn;    /* RFC 6528's */
    tern_hsiphash_key cookie; /* SYN cookies' */
  } keys;
  tern_waker_slot runner;
  tern_timer timer;  /* the runner's, for the earliest deadline */
  tern_ip_sender tx; /* the runner's packet, and its wait for it or room */
};

/* Sets up the layer and registers it with the stack for protocol 6; the
 * ISN and cookie keys are drawn from the stack's RNG. cfg NULL: the
 * defaults. Returns 0, TERN_EINVAL (also for a time of 2^31 ms or more in
 * cfg, or max_rto 0), TERN_EIO (the RNG failed) or TERN_EADDRINUSE (a
 * TCP is registered already). */
int tern_tcp_init(tern_tcp_layer *layer, tern_ip_stack *stack,
                  const tern_tcp_config *cfg);

/* The runner: sends what every connection owes its peer and fires their
 * timers. PENDING for ever; poll it from one task. */
tern_poll tern_tcp_poll_run(tern_tcp_layer *layer, tern_cx *cx);

/* Prepares c (any storage) with its send ring tx[0..tx_cap) and receive
 * ring rx[0..rx_cap) (caller storage, at least 1 byte each, at most
 * TERN_TCP_RCVBUF_MAX). Returns 0, TERN_EINVAL, or TERN_EBUSY while c is
 * a connection of the layer not yet CLOSED (poll_close is READY in
 * FIN-WAIT-2 and TIME-WAIT, before the connection ends) or a slot of one
 * of its live listeners, free or not (tern_tcp_unlisten first). */
int tern_tcp_conn_init(tern_tcp_conn *c, tern_tcp_layer *layer, uint8_t *tx,
                       uint32_t tx_cap, uint8_t *rx, uint32_t rx_cap);

/* Active open to remote, from an ephemeral port (RFC 6056) and the
 * route's source address: the SYN goes out with the runner. Returns 0,
 * TERN_EINVAL (c never set up, a listener's slot, port 0, no family),
 * TERN_EAFNOSUPPORT (an IPv6 remote in an IPv4-only build; with IPv6
 * built in but no IPv6 layer, routing says the same), TERN_EALREADY (c not
 * CLOSED: opening, open or closing), a routing error (TERN_ENETUNREACH, ...),
 * TERN_EMSGSIZE (the route's MTU leaves no room for data) or TERN_EADDRINUSE
 * (no ephemeral port free). */
int tern_tcp_connect(tern_tcp_conn *c, const tern_endpoint *remote);

/* Waits for the handshake: READY with *err 0 (established), or
 * TERN_ECONNREFUSED (reset), TERN_ETIMEDOUT (no answer within the user
 * timeout), an ICMP unreachable's error, TERN_EADDRNOTAVAIL (the local
 * address is no longer the route's source, below), TERN_ECLOSED (never
 * opened). */
tern_poll tern_tcp_poll_connect(tern_tcp_conn *c, tern_cx *cx, int *err);

/* Listens on local (port required; an unspecified or families address
 * takes every local address): each SYN takes a free slot of
 * slots[0..n) (set up with tern_tcp_conn_init, 1..255; one holding a
 * connection accepted earlier is free once the application has closed
 * or aborted it); with none free,
 * a slot in TIME-WAIT that the application closed is taken (the one
 * that entered it first), else the SYN is answered with a SYN cookie
 * (RFC 4987 3.6) and a slot taken when its ACK comes. Returns 0, TERN_EINVAL,
 * TERN_EAFNOSUPPORT (an IPv6 address in an IPv4-only build), TERN_EADDRINUSE
 * (the port or lst listening already) or TERN_EBUSY (a slot is another live
 * listener's). */
int tern_tcp_listen(tern_tcp_layer *layer, tern_tcp_listener *lst,
                    const tern_endpoint *local, tern_tcp_conn *slots,
                    uint8_t n);

/* Waits for a connection whose handshake completed: READY with it in
 * *out (the application's until it closes or aborts it: then its slot
 * is free again once the connection is CLOSED, or taken from its
 * TIME-WAIT by a SYN that finds none free), or READY with *out NULL
 * once the listener is stopped (tern_tcp_unlisten wakes every task
 * waiting here). Any number of tasks may wait, each on its own waiter
 * (storage in the task's state, initialised with TERN_WAITER_INIT, as
 * tern_pkt_pool_poll_alloc's): each connection that completes wakes the
 * one waiting longest. A task that stops polling before READY calls
 * tern_tcp_cancel_accept. */
tern_poll tern_tcp_poll_accept(tern_tcp_listener *lst, tern_cx *cx,
                               tern_waiter *w, tern_tcp_conn **out);

/* Withdraws w from accept; a wake that had chosen it goes to the next
 * task waiting. A no-op for a waiter not waiting. */
static inline void tern_tcp_cancel_accept(tern_tcp_listener *lst,
                                          tern_waiter *w) {
  tern_waitq_cancel(&lst->acceptors, w);
}

/* Stops listening: pending handshakes are reset; accepted connections go
 * on; every task waiting in accept is woken (its poll is READY with
 * NULL). */
void tern_tcp_unlisten(tern_tcp_listener *lst);

/* The connection as a tern_stream: poll_read (0 at the peer's FIN after
 * every byte), poll_write (copies into the send ring), poll_flush (every
 * byte acknowledged), poll_close (flush, then FIN, READY once the FIN is
 * acknowledged; reading goes on until the peer's FIN, so unread bytes
 * draw no reset: RFC 1122 4.2.2.13's is for a close that ends reading;
 * tern_tcp_abort resets). Errors:
 * TERN_ECONNRESET, TERN_ECONNREFUSED, TERN_ETIMEDOUT, an ICMP error,
 * TERN_EADDRNOTAVAIL (the connection's local address is no longer the
 * source of its route: the interface took another, a DHCP lease renewed
 * or PPP renegotiated; a host sends only from its own addresses, RFC 1122
 * 3.2.1.3, so the connection ends at the next segment it would send,
 * sending nothing from that address), TERN_ECLOSED for writing after
 * close or using a connection never opened. */
tern_stream tern_tcp_stream(tern_tcp_conn *c);

/* The same operations by name. A buf NULL with len > 0 is READY with *n
 * TERN_EINVAL, nothing read or written; len 0 to poll_read is READY with
 * 0. */
tern_poll tern_tcp_poll_read(tern_tcp_conn *c, tern_cx *cx, void *buf,
                             size_t len, ptrdiff_t *n);
tern_poll tern_tcp_poll_write(tern_tcp_conn *c, tern_cx *cx, const void *buf,
                              size_t len, ptrdiff_t *n);
tern_poll tern_tcp_poll_flush(tern_tcp_conn *c, tern_cx *cx, int *err);
tern_poll tern_tcp_poll_close(tern_tcp_conn *c, tern_cx *cx, int *err);

/* Zero-copy access to the two rings (as smoltcp's TcpSocket::recv and
 * send closures give): the application reads received bytes where they
 * lie in the receive ring and writes what it sends straight into the send
 * ring, so that neither the copy of poll_read/poll_write nor a buffer of
 * the application's own is needed (a parser can work in the ring).
 *
 *   const uint8_t *p; ptrdiff_t n;
 *   TERN_CO_AWAIT(co, tern_tcp_poll_peek(c, cx, &p, &n));
 *   if (n <= 0) ...                       // 0: end of stream; < 0: error
 *   used = parse(p, n);                   // any part of the view
 *   tern_tcp_consume(c, used);            // frees it, opens the window
 *
 *   uint8_t *w;
 *   TERN_CO_AWAIT(co, tern_tcp_poll_reserve(c, cx, &w, &n));
 *   if (n < 0) ...                        // error
 *   len = format(w, n);                   // at most n bytes
 *   tern_tcp_commit(c, len);              // queued and sent as written
 *
 * A view is the first contiguous run only: it stops at the ring's end,
 * and the bytes after the wrap are the next view. Views stay valid until
 * consumed or committed, or until the connection is aborted, closed
 * (poll_close returned: a listener may give the slot to a new connection)
 * or set up again; input never writes into a receive view nor output into
 * a send view. */

/* Waits for received bytes and shows the first contiguous run of them in
 * the receive ring: READY with *data at it and *n its length (> 0, never
 * past the ring's end nor past what is readable); READY with *data NULL
 * and *n 0 at the peer's FIN after every byte, or *n negative, the error
 * poll_read would report; PENDING while nothing is unread. The bytes stay
 * until tern_tcp_consume frees them. */
tern_poll tern_tcp_poll_peek(tern_tcp_conn *c, tern_cx *cx,
                             const uint8_t **data, ptrdiff_t *n);

/* Frees the first n bytes of the view tern_tcp_poll_peek showed (0..its
 * length; the rest stays for the next peek) and, as poll_read does,
 * offers the window that opens. Returns 0; TERN_ERANGE, nothing freed,
 * for n past the contiguous run readable now (which holds the view: data
 * arriving goes after it); the connection's error when it is closed with
 * nothing left (TERN_ECLOSED after an abort, which drops unread bytes);
 * TERN_EINVAL for c NULL. */
int tern_tcp_consume(tern_tcp_conn *c, size_t n);

/* Waits for room in the send ring and shows the first contiguous run of
 * it after the bytes queued: READY with *buf at it and *n its length
 * (> 0, never past the ring's end); READY with *buf NULL and *n the
 * error poll_write would report (closed, TERN_ECLOSED after shutdown or
 * close); PENDING during the handshake or while the ring is full, as
 * poll_write waits. Nothing is queued until tern_tcp_commit. */
tern_poll tern_tcp_poll_reserve(tern_tcp_conn *c, tern_cx *cx, uint8_t **buf,
                                ptrdiff_t *n);

/* Queues the first n bytes of the run tern_tcp_poll_reserve showed (the
 * application wrote them there) and has them sent, as poll_write does.
 * Returns 0; TERN_ERANGE, nothing queued, for n past the free run at the
 * ring's tail now (which holds the run shown; during the handshake it is
 * 0); poll_write's errors (TERN_ECLOSED after shutdown, close or abort,
 * the error that closed it); TERN_EINVAL for c NULL. */
int tern_tcp_commit(tern_tcp_conn *c, size_t n);

/* Half-close without waiting: queues the FIN after the bytes written. */
void tern_tcp_shutdown(tern_tcp_conn *c);

/* Abort (RFC 9293 3.10.5): a reset to the peer, queued data dropped, the
 * connection CLOSED with TERN_ECLOSED for later polls. */
void tern_tcp_abort(tern_tcp_conn *c);

/* Switches: no Nagle; keepalive probes. Any time after
 * tern_tcp_conn_init. They are the storage's: every connection made in
 * it has them until they are changed (each connect, and each connection
 * a SYN makes of a listener's slot). Return 0, or TERN_EINVAL for
 * c NULL or never set up (zeroed storage). */
int tern_tcp_set_nodelay(tern_tcp_conn *c, bool on);
int tern_tcp_set_keepalive(tern_tcp_conn *c, bool on);

static inline tern_tcp_state tern_tcp_get_state(const tern_tcp_conn *c) {
  return (tern_tcp_state)c->state;
}

/* The state's name ("ESTABLISHED", ...). */
const char *tern_tcp_state_name(int state);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TCP_H */
