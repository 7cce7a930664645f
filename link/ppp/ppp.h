/* PPP (RFC 1661) in HDLC-like framing (RFC 1662) as a link adapter: a
 * tern_stream of bytes below (a UART, a pty, a modem's data channel, a
 * memory stream), a tern_netdev of IP packets above (medium
 * TERN_MEDIUM_IP).
 *
 *   static tern_ppp ppp;
 *   static uint8_t ppp_tx[64];
 *   TERN_PKT_POOL_DEFINE(rx_pool, 4, 1500 + TERN_PPP_OVERHEAD);
 *   tern_ppp_config cfg = {0};           // every field: 0 = the default
 *   cfg.peer_addr[0] = 10; ...           // offered to a peer that asks
 *   tern_ppp_init(&ppp, uart, &rx_pool, ppp_tx, sizeof ppp_tx, &cfg, rng);
 *   tern_netdev dev = tern_ppp_netdev(&ppp);   // hand this to IP
 *
 * The link negotiates by itself as soon as it is polled: LCP (MRU, ACCM,
 * magic number, PFC, ACFC; the peer may ask for PAP, or CHAP-MD5 after
 * tern_ppp_use_chap; a keepalive after tern_ppp_use_keepalive), then the
 * authentication as a client if the peer asked for it, then IPCP (our address,
 * the peer's, DNS servers: RFC 1332, RFC 1877) and, after tern_ppp_use_ipv6cp,
 * IPV6CP (RFC 5072). Every negotiation is the one automaton of RFC 1661 section
 * 4 with bounded retries. The netdev is up (TERN_NETDEV_UP, TERN_NETDEV_EV_LINK
 * reported) while IPCP (or IPV6CP) is opened; the negotiated addresses are read
 * with tern_ppp_get_ipv4 and given to the IPv4 layer by the application
 * (tern_ipv4_set_addr), the MTU is the peer's MRU (capped by ours) and is read
 * with get_info when the link comes up.
 *
 * Everything happens inside the netdev's polls: poll_recv reads the
 * stream, answers control packets, runs the timers (restart, keepalive)
 * and hands up IP packets; keep one poll_recv outstanding (the IP runner
 * does), with a cx that carries a timer queue. poll_send takes one packet
 * at a time, as SLIP does. One task per direction; not interrupt-safe. */
#ifndef TERN_PPP_H
#define TERN_PPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/hal_rng.h"
#include "tern/hdlc.h"
#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/poll.h"
#include "tern/stream.h"
#include "tern/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes a receive buffer needs beyond the MRU: room in front to answer a
 * control packet in place (TERN_PPP_RX_HEADROOM), the address, control
 * and protocol fields (4) and the FCS (2). */
#define TERN_PPP_RX_HEADROOM 12
/* The least MRU the peer may ask us to send within: 576, the datagram
 * every IPv4 host must take (RFC 791, RFC 1122 3.3.2), below which the
 * IPv4 layer refuses the interface; a smaller one is Nak'd. */
#define TERN_PPP_MIN_MRU 576
/* With IPV6CP: 1280, IPv6's least link MTU (RFC 8200 5, RFC 5072 2),
 * which a conformant peer always takes (it must receive 1500, RFC 1661
 * 6.1). tern_ppp_use_ipv6cp refuses a configured MRU below it. */
#define TERN_PPP_MIN_MRU_V6 1280
#define TERN_PPP_OVERHEAD (TERN_PPP_RX_HEADROOM + 4 + 2)

/* Bytes the adapter reads from the stream at a time. */
#define TERN_PPP_RX_CHUNK 32

/* Received bytes one poll_recv decodes at most before it wakes itself and
 * returns PENDING (as TERN_SLIP_RX_BUDGET). */
#define TERN_PPP_RX_BUDGET 512

/* Control packets waiting to be sent, at most. */
#define TERN_PPP_CTL_QUEUE 4

/* What the application chooses; zero in a field means its default. */
typedef struct tern_ppp_config {
  uint16_t mru;          /* the largest packet we receive: 1500 (a
                            peer's Nak may lower it, not below 576 or
                            with IPV6CP 1280, for the negotiation it
                            answers) */
  uint16_t restart_ms;   /* RFC 1661's restart timer: 3000 */
  uint32_t accm;         /* control characters the peer must escape to us:
                            0 (none); a line with XON/XOFF wants 0x000a0000 */
  uint8_t local_addr[4]; /* the IPv4 address we ask for; 0: the peer gives */
  uint8_t peer_addr[4];  /* offered to a peer that asks for one (0.0.0.0);
                            0, or our own address: refuse (the peer's
                            address option rejected) */
  uint8_t want_dns;      /* ask the peer for DNS servers (RFC 1877): 1
                            the primary, 2 both; 0 none */
  uint8_t max_configure; /* Configure-Requests, and PAP requests, before
                            giving up: 10 */
  uint8_t max_terminate; /* Terminate-Requests before giving up: 2 */
  uint8_t max_failure;   /* Naks we send before rejecting instead, and
                            times our magic number comes back before the
                            link counts as looped back: 5 */
  /* PAP (RFC 1334) credentials, NUL-terminated, at most 255 bytes each
   * (with tern_ppp_use_chap, also CHAP's name and secret); user NULL: no
   * authentication (a peer that requires it is refused). */
  const char *user;
  const char *password;
} tern_ppp_config;

/* Why the link is not up (tern_ppp_status.fail). */
typedef enum tern_ppp_fail {
  TERN_PPP_OK = 0,
  TERN_PPP_FAIL_TIMEOUT = 1,    /* LCP or IPCP got no agreement in
                                   Max-Configure requests */
  TERN_PPP_FAIL_LOOPBACK = 2,   /* our magic number came back: looped line */
  TERN_PPP_FAIL_AUTH = 3,       /* the peer refused our credentials, or
                                   never answered them, or wanted
                                   authentication we cannot do, or
                                   Protocol-Rejected the protocol it
                                   asked us to authenticate with */
  TERN_PPP_FAIL_PEER_DEAD = 4,  /* the keepalive went unanswered */
  TERN_PPP_FAIL_TERMINATED = 5, /* the peer or tern_ppp_close ended it */
  TERN_PPP_FAIL_CLOSED = 6,     /* the stream ended or failed */
  TERN_PPP_FAIL_REJECTED = 7,   /* the peer Code-Rejected a Configure or
                                   Terminate code, or Protocol-Rejected
                                   IPCP, IPV6CP or their protocol (RFC 1661
                                   5.6, 5.7: RXJ-), and the link ended for
                                   it (an NCP rejected once opened ends
                                   after its Terminate-Requests: TIMEOUT) */
} tern_ppp_fail;

/* The link's phase (RFC 1661 section 3.2). */
typedef enum tern_ppp_phase {
  TERN_PPP_DEAD = 0,
  TERN_PPP_ESTABLISH = 1,
  TERN_PPP_AUTHENTICATE = 2,
  TERN_PPP_NETWORK = 3,
  TERN_PPP_TERMINATE = 4,
} tern_ppp_phase;

/* A deadline of the link's (a restart timer, the keepalive's period):
 * all of them wait on the adapter's one tern_timer. Private. */
typedef struct tern_ppp_deadline {
  tern_time at;
  uint8_t on;
} tern_ppp_deadline;

/* One control protocol's negotiation: RFC 1661's automaton. Private. */
struct tern__ppp_cp_ops;

typedef struct tern_ppp_fsm {
  const struct tern__ppp_cp_ops *ops; /* NULL: not linked (IPV6CP) */
  uint8_t state;                      /* RFC 1661 section 4.2's states, 0..9 */
  uint8_t id;                         /* identifier of our last request */
  uint8_t restart;                    /* the restart counter */
  uint8_t naks;            /* Naks sent since an Ack or a fresh start */
  uint32_t rejected;       /* our options the peer rejected (bits); all
                              ones: the protocol itself (RXJ-) */
  tern_ppp_deadline timer; /* the restart timer (LCP's: or PAP's) */
} tern_ppp_fsm;

/* What IPCP negotiated: addresses as the four bytes on the wire; 0.0.0.0
 * when not (yet) known. */
typedef struct tern_ppp_ipv4 {
  uint8_t local[4];
  uint8_t peer[4];
  uint8_t dns1[4];
  uint8_t dns2[4];
} tern_ppp_ipv4;

/* Counters beyond the netdev's and the framing's; they wrap at 2^32. */
typedef struct tern_ppp_stats {
  uint32_t bad_header; /* frames with a malformed address/control or
                          protocol field */
  uint32_t bad_packet; /* control packets malformed, with a wrong
                          identifier, or at odds with what we sent (a
                          Configure-Ack or -Reject not of our request, an
                          Echo-Reply with our magic number, a
                          Protocol-Reject of a protocol we never sent, a
                          PAP request) */
  uint32_t not_open;   /* IP, IPCP or PAP packets before their time, and
                          LCP's Echo-Requests and -Replies while LCP is
                          not opened and Protocol-Rejects before the
                          network phase */
  uint32_t proto_rej;  /* unknown protocols we sent Protocol-Reject for */
  uint32_t code_rej;   /* unknown codes we sent Code-Reject for */
  uint32_t ctl_nobuf;  /* control packets not sent: no buffer or queue */
  uint32_t echo_sent;
  uint32_t echo_replies;
  uint32_t restarts; /* the link went down after being up */
} tern_ppp_stats;

/* The adapter: caller storage, set up by tern_ppp_init. Fields are
 * private. Their order is for Cortex-M0's short loads and stores (an
 * offset of at most 31 for a byte, 62 for a halfword, 124 for a word;
 * further ones take an instruction more): first the bytes the code
 * touches most, then the configuration (its byte counters at 28..31),
 * then the receive and send paths' words; the rest, and what the optional
 * libraries use, after the automata. Ordered by topic it was 206 bytes
 * larger (link/ppp/README.md). */
typedef struct tern_ppp {
  uint8_t closed; /* the stream ended or failed */
  uint8_t phase;
  uint8_t fail;
  uint8_t up; /* opened: IPCP (1), IPV6CP (2); TERN_NETDEV_UP while any */
  /* LCP's results (more below). */
  bool tx_pfc;     /* the peer takes compressed protocol fields */
  bool tx_acfc;    /* ... and compressed address/control */
  uint8_t auth;    /* the peer asked for PAP (1) or CHAP-MD5 (2) */
  uint8_t loops;   /* our magic number seen back in a row */
  uint8_t verdict; /* the worst verdict on the request being answered */
  /* The identifier of our Code-Rejects: apart from the automata's, so
   * that one sent while our Configure-Request waits does not make the
   * peer's Ack of it look stale. */
  uint8_t rej_id;
  /* PAP: our request's identifier (with CHAP: our last Response's). */
  uint8_t pap_id;
  uint8_t pap_tries;
  tern_ppp_config cfg;
  tern_stream stream;
  tern_pkt_pool *pool;
  tern_rng rng;
  /* Our MRU and ACCM as asked for in this negotiation: the configured
   * ones at its start, then as the peer's Naks move them. */
  uint16_t mru;
  /* The least MRU taken, the peer's or one it naks us with:
   * TERN_PPP_MIN_MRU, or TERN_PPP_MIN_MRU_V6 once IPV6CP is linked. A
   * field (in padding) costs the core no code, where deriving it from
   * IPV6CP's automaton cost 36 bytes on Cortex-M0. */
  uint16_t min_mru;
  uint32_t accm;
  uint32_t magic; /* ours, or 0 when the peer rejected it */
  uint32_t peer_magic;
  uint32_t tx_accm;  /* what the peer asked us to escape */
  uint16_t peer_mru; /* the largest packet we send */
  /* Send: control packets first, then the one IP packet accepted. */
  uint8_t ctl_len;
  uint8_t tx_data_up; /* tx_data's family: its NCP's bit in `up` */
  /* Receive (the decoder and read buffer below). */
  tern_pkt *rx_pkt;
  uint16_t rx_pos;
  uint16_t rx_len;
  tern_pkt *ctl; /* the queue's head (linked through next), and tail */
  tern_pkt *ctl_tail;
  tern_pkt *tx_data; /* accepted from poll_send, not yet started */
  tern_pkt *tx_pkt;  /* being encoded (the encoder below) */
  uint8_t *tx_buf;
  size_t tx_cap;
  size_t tx_pos;
  size_t tx_len;
  /* The automata, by protocol: LCP, IPCP, IPV6CP (ppp_internal.h's
   * TERN__PPP_CP_*). */
  tern_ppp_fsm cp[3];
  /* CHAP's input, set by tern_ppp_use_chap (NULL: no CHAP linked). */
  void (*chap_input)(struct tern_ppp *p, tern_pkt *pkt);
  uint8_t auth_sent; /* a PAP request or CHAP Response went out since LCP
                      * was opened */
  /* The keepalive, set by tern_ppp_use_keepalive (echo_tick NULL and
   * echo_ms 0: none linked), and its timer (the restart timers are the
   * automata's). echo_tick runs when LCP is opened (opened true: it arms
   * the timer) and each time the timer expires. */
  void (*echo_tick)(struct tern_ppp *p, bool opened);
  uint16_t echo_ms;
  uint8_t echo_fails; /* unanswered echoes before the peer counts as dead */
  tern_ppp_deadline echo;
  uint8_t echo_id;
  uint8_t echo_out; /* echoes sent and not answered */
  /* IPCP's results. */
  tern_ppp_ipv4 v4;
  /* IPV6CP's (RFC 5072), when linked: interface identifiers. */
  uint8_t ifid[8];
  uint8_t peer_ifid[8];
  /* Receive's decoder and read buffer; send's encoder. */
  tern_ppp_hdlc_decoder dec;
  uint8_t rx_buf[TERN_PPP_RX_CHUNK];
  tern_ppp_hdlc_encoder enc;
  tern_timer timer; /* armed at the earliest deadline */
  tern_waker_slot tx_waiter;
  tern_waker_slot rx_waiter;
  tern_waker_slot ev_waiter;
  uint8_t events;
  /* The stream ended in the middle of a frame (0 or 1: the adapter closes
   * then); get_stats adds it to rx_drop_malformed with the codec's drops. */
  uint8_t rx_cut;
  tern_netdev_stats stats;
  tern_ppp_stats ppp_stats;
} tern_ppp;

/* Sets up the adapter over `stream` and starts negotiating (the first
 * Configure-Request goes out on the first poll).
 * - pool: receive buffers, and buffers for control packets; each must
 *   hold the MRU plus TERN_PPP_OVERHEAD.
 * - tx_buf, tx_cap: caller storage for encoded bytes on their way to the
 *   stream (at least 1 byte; 32 to 64 is plenty).
 * - cfg: copied; NULL for every default.
 * - rng: magic numbers come from it (copied).
 * Returns 0 or TERN_EINVAL (a NULL argument, tx_cap 0, an MRU below 128 or
 * above what the pool's buffers hold, credentials over 255 bytes; a
 * refused configuration leaves *ppp cleared). */
int tern_ppp_init(tern_ppp *ppp, tern_stream stream, tern_pkt_pool *pool,
                  uint8_t *tx_buf, size_t tx_cap, const tern_ppp_config *cfg,
                  const tern_rng *rng);

/* The adapter as a netdev of IP packets: medium TERN_MEDIUM_IP, MTU the
 * peer's MRU (at most ours), headroom 4 (the address, control and
 * protocol fields are pushed in place), TERN_NETDEV_UP while IPCP or
 * IPV6CP is opened. poll_send takes IPv4 packets while IPCP is opened
 * and IPv6 ones while IPV6CP is (anything else: TERN_EAFNOSUPPORT,
 * counted in tx_drop_error). No set_addr, no mcast. */
tern_netdev tern_ppp_netdev(tern_ppp *ppp);

/* What IPCP negotiated (all zero until it has). */
tern_ppp_ipv4 tern_ppp_get_ipv4(const tern_ppp *ppp);

/* The phase, and why the link last failed (TERN_PPP_OK until it does,
 * and again once LCP is opened anew). */
tern_ppp_phase tern_ppp_get_phase(const tern_ppp *ppp);
tern_ppp_fail tern_ppp_get_fail(const tern_ppp *ppp);

/* The adapter's own counters and the framing's. */
const tern_ppp_stats *tern_ppp_get_stats(const tern_ppp *ppp);
const tern_ppp_hdlc_stats *tern_ppp_get_hdlc_stats(const tern_ppp *ppp);

/* Ends the link politely: LCP Terminate-Request (Max-Terminate tries),
 * then the link stays down until the peer sends a Configure-Request or
 * tern_ppp_open is called. */
void tern_ppp_close(tern_ppp *ppp);

/* Negotiates IPv6 too: IPV6CP (RFC 5072) with an interface identifier
 * from the RNG, beside IPCP. The netdev is up while either is opened;
 * poll_send frames IPv6 packets as protocol 0x0057 and IPv6 packets are
 * handed up. In //link/ppp:ipv6cp (linked only by a program that calls
 * it). Call it after tern_ppp_init, before the first poll. Returns 0 (if
 * the RNG fails, the identifier is still neither zero nor repeated);
 * TERN_EINVAL when the configured MRU is below TERN_PPP_MIN_MRU_V6. From
 * then on an MRU below that, the peer's or one it naks us with, is not
 * taken (the peer's is Nak'd with ours). */
int tern_ppp_use_ipv6cp(tern_ppp *ppp);

/* Whether IPV6CP is opened; then our and the peer's interface
 * identifiers (the low 64 bits of the link-local addresses, RFC 5072
 * section 5). */
bool tern_ppp_get_ipv6(const tern_ppp *ppp, uint8_t local[8], uint8_t peer[8]);

/* Accepts CHAP with MD5 (RFC 1994) as well as PAP when the peer asks for
 * it, answering its challenges with cfg.user and cfg.password (the
 * secret). In //link/ppp:chap, so a program that never calls it links
 * neither CHAP nor MD5. Call it after tern_ppp_init, before the first
 * poll. */
void tern_ppp_use_chap(tern_ppp *ppp);

/* Sends an LCP Echo-Request every echo_ms while LCP is opened; after
 * echo_fails (0: 3) unanswered in a row the peer counts as dead: the link
 * goes down (TERN_PPP_FAIL_PEER_DEAD) and LCP starts again. A peer that
 * Code-Rejects an Echo-Request does not do echo (RFC 1661 5.6: RXJ+, the
 * link stays up): no more echoes until LCP is opened again. In
 * //link/ppp:keepalive (linked only by a program that calls it; without
 * it the link still answers the peer's echoes). Call it after
 * tern_ppp_init, before the first poll; echo_ms 0: no keepalive. */
void tern_ppp_use_keepalive(tern_ppp *ppp, uint16_t echo_ms,
                            uint8_t echo_fails);

/* Negotiates again after tern_ppp_close or a failure, also while the
 * close is still going on (before the peer's Terminate-Ack: LCP starts
 * afresh, RFC 1661 4.3's Down then Up). With LCP opened (authenticating
 * or in the network phase) it changes nothing. */
void tern_ppp_open(tern_ppp *ppp);

/* Writes out everything accepted and queued (see tern_slip_poll_flush):
 * READY with *err 0, or TERN_ECLOSED; PENDING otherwise. */
tern_poll tern_ppp_poll_flush(tern_ppp *ppp, tern_cx *cx, int *err);

/* Closes the adapter without touching the stream: frees every packet it
 * holds, cancels its timer, wakes waiting tasks (whose polls then fail
 * with TERN_ECLOSED). Call it before the adapter's storage goes away. */
void tern_ppp_shutdown(tern_ppp *ppp);

#ifdef __cplusplus
}
#endif

#endif /* TERN_PPP_H */
