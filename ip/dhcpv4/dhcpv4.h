/* A DHCPv4 client (RFC 2131) for one interface of the IP stack, over a
 * UDP socket on port 68, as a poll function that one task drives.
 *
 *   static tern_dhcpv4 dhcp;
 *   tern_dhcpv4_config cfg = {.hostname = "board"};
 *   tern_dhcpv4_start(&dhcp, &udp, &eth0, &cfg);  // eth0 with no address
 *   ... one task awaits tern_dhcpv4_poll_run(&dhcp, cx) (PENDING until
 *   stopped), another tern_dhcpv4_poll_lease(&dhcp, cx, &lease) for each
 *   change of the lease ...
 *
 * What it does: DISCOVER, OFFER, REQUEST, ACK with a random transaction id
 * from the stack's RNG and retransmissions at 4, 8, 16, 32, 64 s, each
 * +-1 s of random jitter (RFC 2131 4.1); INIT-REBOOT with a remembered
 * address (config.remembered, or the lease it had when the link comes up
 * again: RFC 2131 3.2); optionally an RFC 5227 probe of the address before
 * using it (config.probe; a conflict is answered with DECLINE and a new
 * DISCOVER ten seconds later, RFC 2131 3.1.5); then the address, prefix
 * and router are set on the interface (tern_ipv4_set_addr) and the lease
 * is reported. RENEW at T1 unicast to the server, REBIND at T2 broadcast
 * (retransmitted at half the remaining time, at least 60 s apart: RFC
 * 2131 4.4.5); at expiry, or on a NAK, the address is taken away and the
 * client starts over. A conflict reported while the address is in use
 * (TERN_NETDEV_EV_ADDR_CONFLICT) is defended with config.probe (RFC 5227
 * 2.4 (b): one announcement, the address kept); a second within
 * DEFEND_INTERVAL (10 s), or any without config.probe, gives it up the
 * same way, with a DECLINE unless in the INIT-REBOOT after a link change,
 * which has had no ACK for it (and is never defended). An ACK that grants
 * another address than the one in use (renewing, rebinding, INIT-REBOOT) takes
 * the old one away (reported lost) and, with config.probe, probes the new one
 * as a first one (RFC 2131 4.4.1, RFC 5227 2.1). tern_dhcpv4_stop sends RELEASE
 * and takes the address away.
 *
 * Replies are taken whether the server unicasts them to the offered
 * address (the IP layer delivers unicast on an interface with no address
 * to the socket bound to that interface) or broadcasts them.
 *
 * The client is the one waiter of its interface's events
 * (tern_ip_iface_poll_event). Task context only. */
#ifndef TERN_DHCPV4_H
#define TERN_DHCPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/dhcpv4_wire.h"
#include "tern/ip.h"
#include "tern/poll.h"
#include "tern/port.h"
#include "tern/timer.h"
#include "tern/udp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Tunables (define them for the whole build to change them). */
#ifndef TERN_DHCPV4_INIT_DELAY_MS
/* The longest random wait before the first DISCOVER (RFC 2131 4.4.1 says
 * one to ten seconds; a device that boots alone on its link need not wait
 * that long). */
#define TERN_DHCPV4_INIT_DELAY_MS 1000u
#endif
#ifndef TERN_DHCPV4_PROBES
/* RFC 5227 probes before an address is used (PROBE_NUM), when a probe
 * function is configured. */
#define TERN_DHCPV4_PROBES 3
#endif
/* RFC 5227 2.1.1's timing of those probes, in ms: the first a random 0 to
 * PROBE_WAIT after the ACK, each next one a random PROBE_MIN to PROBE_MAX
 * after the one before (both ranges drawn in whole ms, their top end
 * excluded), and the address used ANNOUNCE_WAIT after the last. The
 * announcements (2.3) are the device's, when the address is set (the
 * Ethernet adapter's TERN_ETH_ANNOUNCEMENTS). */
#ifdef TERN_DHCPV4_PROBE_MS
/* The one tunable before these (1 s between probes and after the last). */
#error "TERN_DHCPV4_PROBE_MS is gone: see the RFC 5227 tunables in dhcpv4.h"
#endif
#ifndef TERN_DHCPV4_PROBE_WAIT_MS
#define TERN_DHCPV4_PROBE_WAIT_MS 1000u
#endif
#ifndef TERN_DHCPV4_PROBE_MIN_MS
#define TERN_DHCPV4_PROBE_MIN_MS 1000u
#endif
#ifndef TERN_DHCPV4_PROBE_MAX_MS
#define TERN_DHCPV4_PROBE_MAX_MS 2000u
#endif
#ifndef TERN_DHCPV4_ANNOUNCE_WAIT_MS
#define TERN_DHCPV4_ANNOUNCE_WAIT_MS 2000u
#endif
#ifndef TERN_DHCPV4_RING_SIZE
/* The socket's receive ring: two replies of the largest size. */
#define TERN_DHCPV4_RING_SIZE (2u * (TERN_DHCPV4_MAX_LEN + 20u))
#endif
/* Lease times longer than this many seconds (about 11.5 days; infinite
 * leases too) are taken as this long, with T1 and T2 within it: the
 * clock's instants are compared within 24 days. */
#define TERN_DHCPV4_MAX_LEASE_S 1000000u

/* The client's states (RFC 2131 figure 5):
 *
 *   INIT --DISCOVER--> SELECTING --OFFER/REQUEST--> REQUESTING
 *   REBOOTING (INIT-REBOOT: REQUEST for a remembered address)
 *   REQUESTING, REBOOTING --ACK--> PROBING (if probing) --> BOUND
 *   BOUND --T1: REQUEST unicast--> RENEWING --T2: broadcast--> REBINDING
 *   RENEWING, REBINDING --ACK--> BOUND
 *   REQUESTING, REBOOTING, RENEWING, REBINDING --NAK--> INIT
 *   REBINDING --lease expires--> INIT
 *   PROBING, BOUND... --conflict: DECLINE--> INIT (10 s later); BOUND to
 *     REBINDING with a probe function: the first conflict in 10 s is
 *     defended (one announcement), the address kept
 *   REBOOTING after a link change --conflict--> INIT (10 s later)
 *   any --stop: RELEASE if bound--> STOPPED */
typedef enum tern_dhcpv4_state {
  TERN_DHCPV4_INIT = 0,
  TERN_DHCPV4_SELECTING,
  TERN_DHCPV4_REQUESTING,
  TERN_DHCPV4_REBOOTING,
  TERN_DHCPV4_PROBING,
  TERN_DHCPV4_BOUND,
  TERN_DHCPV4_RENEWING,
  TERN_DHCPV4_REBINDING,
  TERN_DHCPV4_STOPPED,
} tern_dhcpv4_state;

/* A lease as the application sees it. addr 0.0.0.0: none. */
typedef struct tern_dhcpv4_lease {
  tern_ipv4_addr addr;
  tern_ipv4_addr router; /* 0.0.0.0: none */
  tern_ipv4_addr server;
  tern_ipv4_addr dns[TERN_DHCPV4_MAX_DNS];
  uint8_t prefix_len;
  uint8_t n_dns;
  uint32_t lease_s; /* as granted (before TERN_DHCPV4_MAX_LEASE_S) */
  uint32_t t1_s;    /* when it renews, from the grant */
  uint32_t t2_s;    /* when it rebinds */
} tern_dhcpv4_lease;

/* Probes addr (RFC 5227: an ARP request from 0.0.0.0); a station that
 * answers, or probes it too, must be reported as the interface's
 * TERN_NETDEV_EV_ADDR_CONFLICT. Called TERN_DHCPV4_PROBES times, then once
 * with 0.0.0.0 (stop watching). The Ethernet adapter's tern_eth_probe
 * does this. Returns 0, or a negative tern_err when the probe was not sent
 * (TERN_ENETDOWN: the link is down): then nothing was checked, and the
 * client stops watching and checks the lease again with INIT-REBOOT ten
 * seconds later, whose ACK is probed afresh (as after a link change while
 * probing, there at once). With the link down, that INIT-REBOOT waits for
 * it, keeping the lease, and starts again when it is up.
 * Also called, in BOUND, RENEWING or REBINDING, with the address in use
 * (the interface's) when another host claims it: then it must send one
 * ARP announcement of it (RFC 5227 2.4 (b)'s defence), as
 * tern_eth_probe does for the adapter's own address; what it returns is
 * not looked at. */
typedef int (*tern_dhcpv4_probe_fn)(void *ctx, const tern_ipv4_addr *addr);

typedef struct tern_dhcpv4_config {
  const char *hostname;       /* option 12, or NULL */
  const uint8_t *client_id;   /* option 61 (type byte first), or NULL */
  uint8_t client_id_len;      /* 2..255 */
  tern_ipv4_addr remembered;  /* INIT-REBOOT with it, or 0.0.0.0 */
  tern_dhcpv4_probe_fn probe; /* NULL: no probing */
  void *probe_ctx;
} tern_dhcpv4_config;

/* Counters; they wrap at 2^32. Every datagram read from the socket is in
 * exactly one of rx_drop[], rx_ignored or rx_taken. */
typedef struct tern_dhcpv4_stats {
  uint32_t rx_drop[TERN_DHCPV4_DROP_COUNT]; /* malformed, by reason ([0]:
                                               longer than the buffer, or
                                               not from port 67) */
  uint32_t rx_ignored; /* not a reply to us (op, xid, chaddr), or not one
                          the state expects, or without what it needs */
  uint32_t rx_taken;   /* offers, acks and naks acted on */
  uint32_t naks;
  uint32_t declines;  /* DECLINEs sent */
  uint32_t conflicts; /* addresses given up because another host has
                         them (probed or in use), with a DECLINE or not */
  uint32_t defences;  /* conflicts answered by an announcement, the
                         address kept (RFC 5227 2.4 (b)) */
  uint32_t expiries;
  uint32_t tx_msgs;   /* messages handed to UDP */
  uint32_t tx_errors; /* UDP refused a send (no route, link down) */
} tern_dhcpv4_stats;

/* The client. Caller storage; fields are private. */
typedef struct tern_dhcpv4 {
  /* The fields read most first, bytes before words: Cortex-M0's loads
   * reach 31 bytes, or 124 for words, from the struct's start in one
   * instruction. Ordered by topic (the socket, timer and wakers first)
   * the client was 210 bytes larger (README.md, "Size"). */
  tern_ip_iface *iface;
  uint8_t state;        /* tern_dhcpv4_state */
  uint8_t tries;        /* retransmissions in this state; probes sent */
  uint8_t applied;      /* the lease's address is set on the interface */
  uint8_t stop;         /* 1: stop asked; 2: the RELEASE is queued */
  uint8_t gen;          /* bumped on each change of the lease */
  uint8_t seen;         /* gen at the last poll_lease READY */
  uint8_t hostname_len; /* cfg.hostname's, taken at start (0: none) */
  uint8_t defended;     /* the address in use was defended, at defended_at */
  uint8_t mac[6];
  uint16_t tx_len;    /* a message waiting in buf to be sent */
  uint16_t secs;      /* the last DISCOVER's, for its REQUEST */
  tern_time deadline; /* the state's next timeout */
  tern_time start;    /* when this exchange began (secs), or its REQUEST
                         after an OFFER (the lease) */
  tern_time t1_at, t2_at, expire_at;
  tern_time defended_at; /* the last conflict answered by an announcement */
  uint32_t xid;
  tern_dhcpv4_lease lease; /* what was offered, then granted */
  tern_dhcpv4_config cfg;
  tern_udp_sock sock;
  tern_timer timer;
  tern_waker_slot run_waker;   /* the task in poll_run */
  tern_waker_slot lease_waker; /* the task in poll_lease */
  tern_endpoint dst;           /* where to: port 67 on iface, the address set
                                  with the message */
  tern_dhcpv4_stats stats;
  uint8_t buf[TERN_DHCPV4_MAX_LEN];
  uint8_t ring[TERN_DHCPV4_RING_SIZE];
} tern_dhcpv4;

/* Starts the client on iface (through udp's layer, whose stack has the
 * IPv4 layer): binds port 68 on that interface, copies cfg (the strings it
 * points to must outlive the client; the host name's length is read here,
 * checked, and the messages carry that many of its bytes) and reads the
 * interface's MAC. The
 * first DISCOVER (or the REQUEST of an INIT-REBOOT) goes out from
 * tern_dhcpv4_poll_run. Returns 0, TERN_EINVAL (NULL arguments, a client
 * id of 1 byte, a host name empty or over 255 bytes, a host name and client
 * id together over 283 bytes, which the largest message cannot carry, a
 * device without a MAC), TERN_EBUSY (c is running: stop it first), or
 * the bind's error (TERN_EADDRINUSE: port 68 taken). */
int tern_dhcpv4_start(tern_dhcpv4 *c, tern_udp_layer *udp, tern_ip_iface *iface,
                      const tern_dhcpv4_config *cfg);

/* Runs the client: PENDING for as long as it runs, READY once stopped
 * (after the RELEASE is handed to UDP and the address taken away). Poll
 * it from one task. */
tern_poll tern_dhcpv4_poll_run(tern_dhcpv4 *c, tern_cx *cx);

/* READY with the lease each time it changed since the last READY (an
 * address got, renewed, or lost: then addr is 0.0.0.0); PENDING with
 * cx's waker kept. One waiter. */
tern_poll tern_dhcpv4_poll_lease(tern_dhcpv4 *c, tern_cx *cx,
                                 tern_dhcpv4_lease *out);

/* Asks the client to stop: the running poll sends RELEASE when it holds
 * a lease, takes the address away (while probing, stops the probe's
 * watch), closes its socket and returns READY. */
void tern_dhcpv4_stop(tern_dhcpv4 *c);

/* The client's state (tern_dhcpv4_state). */
tern_dhcpv4_state tern_dhcpv4_get_state(const tern_dhcpv4 *c);

/* A copy of the counters. */
tern_dhcpv4_stats tern_dhcpv4_get_stats(const tern_dhcpv4 *c);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DHCPV4_H */
