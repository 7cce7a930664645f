/* A stub resolver over the socket API (tern/socket.h): A or AAAA for a
 * fully qualified name, asked of a list of recursive servers. It depends
 * on //sockets, the codec (tern/dns_wire.h) and the cache
 * (tern/dns_cache.h) only, so it runs over any backend.
 *
 *   static const tern_endpoint servers[2] = {...port 53...};
 *   static uint8_t abuf[512];                 // answers (more for TCP)
 *   static tern_dns_resolver res;
 *   tern_dns_config cfg = {servers, 2, 3, 1000};
 *   tern_dns_resolver_init(&res, net, &rng, &cache, &cfg, abuf, sizeof abuf);
 *   ...in a task:
 *   TERN_CO_AWAIT(co, tern_dns_poll_resolve(&res, cx, "peer.test",
 *                                           TERN_DNS_TYPE_A, addrs, 4, &n));
 *   // n > 0: n addresses in addrs; n < 0: a tern_err (below)
 *
 * What one resolve does:
 *  1. The cache (if any) is asked first: a live entry answers at once,
 *     addresses or a negative answer, and no query is sent.
 *  2. Attempt a (0, 1, ...) goes to server a % n_servers, and waits
 *     timeout_ms << (a / n_servers): each round over the list doubles the
 *     wait (RFC 1035 4.2.1 leaves the policy to the resolver; no jitter).
 *     After rounds * n_servers attempts: the error below.
 *  3. Each attempt is a new query (a fresh random ID from the rng) from a
 *     new datagram socket that is not bound: the backend picks its port
 *     when it connects (tern's UDP: RFC 6056 algorithm 1, random; Linux:
 *     its randomised ephemeral range), so every attempt has a fresh random
 *     source port (RFC 5452 9.2) without the resolver carrying a port
 *     picker of its own.
 *  4. The socket is connected to the server, so the backend drops a
 *     datagram from any other address or port (the socket contract:
 *     RFC 5452 9.1's source check). One the codec refuses is counted in
 *     stats.drops by its tern_dns_drop reason. With a wrong ID or question
 *     the attempt goes on waiting until its deadline: a spoofed answer
 *     does not end it. With the query's ID and question but a malformed
 *     rest (a bad record, counts that lie: RFC 9267), it is the server's
 *     answer, broken, and ends the attempt as a server error does (6).
 *  5. TC set: the same query (same ID) over TCP to the same server, with
 *     the 2-byte length (RFC 7766): connect, write, read until the framed
 *     message is whole, which must fit in the answer buffer, then parse
 *     as over UDP. The connection is aborted once the answer is in (a
 *     graceful close would hold it in TIME-WAIT, the stack's connection
 *     taken from the next fallback for 2 MSL). A bad TCP answer ends the
 *     attempt (next server); so does the server's close before the whole
 *     answer is in, an answer cut short (counted as
 *     TERN_DNS_DROP_TRUNCATED, as one cut short over UDP).
 *  6. SERVFAIL, REFUSED and other RCODEs, and referrals (a server that
 *     did not recurse): the next server at once. So too a socket error
 *     (an ICMP port, host or net unreachable, a refused TCP connect), and
 *     the rounds do not wait for any of these: the doubled wait is for
 *     servers that may still answer, and a refusal has ended the exchange.
 *     Every round is still asked (SERVFAIL may pass).
 *  7. The answer (addresses, NXDOMAIN or no data, with their TTLs) goes
 *     into the cache.
 *
 * Results (*n of tern_dns_poll_resolve): the number of addresses stored
 * (at least 1), or
 *   TERN_ENOENT    NXDOMAIN: the name does not exist
 *   TERN_ENODATA   the name exists but has no record of this type
 *   TERN_ETIMEDOUT no acceptable answer from any server in time (one
 *                  attempt at least got nothing at all)
 *   a socket error no server reached: every attempt ended with one
 *                  (TERN_ECONNREFUSED, TERN_EHOSTUNREACH,
 *                  TERN_ENETUNREACH, ...), the last one returned
 *   TERN_EPROTO    servers answered, but only with errors (SERVFAIL,
 *                  REFUSED, ...; the last RCODE in last_rcode), with
 *                  malformed answers, or with TCP answers that could
 *                  not be used (too long for the buffer, cut short by
 *                  the server's close)
 *   TERN_EINVAL    a bad name (see tern_dns_query_build; NULL) or type,
 *                  addrs NULL or cap 0
 *   open's error   the backend has no socket for it (TERN_ENOMEM)
 *
 * Storage: all the caller's. The resolver holds its query (273 bytes);
 * the answer buffer is given at init. One resolve at a time per resolver;
 * a cache may be shared by several. */
#ifndef TERN_DNS_H
#define TERN_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "tern/dns_cache.h"
#include "tern/dns_wire.h"
#include "tern/hal_rng.h"
#include "tern/socket.h"
#include "tern/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where and how long to ask. */
typedef struct tern_dns_config {
  const tern_endpoint *servers; /* full endpoints (port 53 usually) */
  uint8_t n_servers;            /* 1..255 */
  uint8_t rounds;               /* passes over the list, 1..8 */
  uint16_t timeout_ms;          /* the first round's wait, > 0 */
} tern_dns_config;

/* Counters, never reset by the resolver. */
typedef struct tern_dns_stats {
  uint32_t queries;       /* UDP queries sent */
  uint32_t tcp;           /* TCP fallbacks started (TC seen) */
  uint32_t timeouts;      /* attempts that ran out of time */
  uint32_t server_errors; /* SERVFAIL, REFUSED, ... answers */
  uint32_t sock_errors;   /* a send, receive, connect or read that failed */
  uint32_t cache_hits;    /* resolves answered from the cache */
  uint32_t too_long;      /* TCP answers longer than the buffer */
  /* Messages ignored, by tern_dns_drop; [0]: a reason tern_dns_drop
   * does not name (none today); [1]: none (tern_dns_drop starts at 2; a
   * TERN_EINVAL from the codec would count here, which the resolver's own
   * query never gets). */
  uint32_t drops[TERN_DNS_DROP_COUNT];
} tern_dns_stats;

/* last_rcode's values that are no RCODE (those are 0..15): the last
 * server error was a referral (NOERROR with NS records, no SOA: a server
 * that does not recurse), or TC set again in a TCP answer. */
#define TERN_DNS_LAST_REFERRAL 16u
#define TERN_DNS_LAST_TRUNCATED 17u

/* A resolver. Fields are its own but stats and last_rcode. */
typedef struct tern_dns_resolver {
  tern_net *net;
  const tern_rng *rng;
  tern_dns_cache *cache;
  tern_dns_config cfg;
  uint8_t *buf;
  size_t cap;
  tern_socket *sock;
  tern_timer timer;
  tern_time deadline;
  const tern_endpoint *server; /* the attempt's, one of cfg.servers */
  size_t have;                 /* TCP: bytes written, then bytes read */
  uint16_t qlen;               /* the query's length (it starts at query + 2) */
  uint8_t round; /* the pass over the list: the wait is timeout << round */
  uint8_t state;
  int8_t result;      /* what to return: 0, then the last socket error until
                         an attempt times out (TERN_ETIMEDOUT), a server
                         answers with an error (TERN_EPROTO) or an answer
                         comes */
  uint8_t last_rcode; /* this resolve's last error RCODE; 0: none; or
                         one of the two below */
  tern_dns_stats stats;
  uint8_t query[2 + TERN_DNS_QUERY_MAX]; /* TCP prefix, then the query */
} tern_dns_resolver;

/* Prepares a resolver over net. rng gives query IDs; cache may be NULL
 * (no caching); cfg is copied (its server list must stay); buf (cap bytes,
 * at least TERN_DNS_UDP_MAX) receives answers: a TCP answer must fit in
 * cap - 2 bytes. Returns 0 or TERN_EINVAL. */
int tern_dns_resolver_init(tern_dns_resolver *r, tern_net *net,
                           const tern_rng *rng, tern_dns_cache *cache,
                           const tern_dns_config *cfg, uint8_t *buf,
                           size_t cap);

/* Resolves name (an FQDN as text, with or without the final dot) for
 * qtype (TERN_DNS_TYPE_A or _AAAA) into addrs (cap >= 1; at most 100
 * are stored, the first of the answer, so a count fits). PENDING with
 * cx's waker stored (a socket and the resolver's timer); poll again with
 * the same arguments (name must stay). READY with *n as above; the
 * resolver is then free for the next name. */
tern_poll tern_dns_poll_resolve(tern_dns_resolver *r, tern_cx *cx,
                                const char *name, unsigned qtype,
                                tern_ip_addr *addrs, size_t cap, int *n);

/* Abandons a resolve in progress: its socket aborted, its timer
 * cancelled. */
void tern_dns_resolver_cancel(tern_dns_resolver *r);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DNS_H */
