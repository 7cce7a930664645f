/* Neighbour resolution: the cache of link addresses for the next hops of a
 * multi-access link, independent of the protocol that fills it. ARP fills
 * one for IPv4 (link/ethernet); NDP fills one for IPv6 (the IPv6 layer,
 * when it lands). The device that sends (the Ethernet adapter) asks the
 * cache of the packet's family for the next hop's link address; the
 * protocol's input tells the cache what it learnt.
 *
 *   static tern_neighbour4 entries[8];
 *   static tern_neigh_cache cache;
 *   tern_neigh_cache_init4(&cache, entries, 8, &cfg);
 *   // cfg: timing, max_pending, proto (how to solicit: an ARP request)
 *
 * Entry states (RFC 1122 2.3.2.1 for ARP; RFC 4861 7.3.2 for NDP, whose
 * STALE/DELAY/PROBE states this cache folds into REACHABLE with expiry):
 *
 *   FREE --resolve()--> INCOMPLETE (a solicitation at once, then one every
 *                       retry_ms until max_solicit are sent)
 *   INCOMPLETE --confirm()--> REACHABLE (held packets may go)
 *   INCOMPLETE --no answer--> FREE (the resolution failed)
 *   REACHABLE --confirm()--> REACHABLE (link address updated, expiry
 *                            restarted)
 *   REACHABLE --reachable_ms without a confirmation--> FREE, or, when
 *                 resolve() found it since its last confirmation (it is
 *                 in use), INCOMPLETE: solicited again in its own entry,
 *                 needing no free entry and no turn among max_pending
 *
 * Resolutions in progress are bounded on their own (max_pending) and never
 * evict a working entry: a burst of packets to unknown (spoofed) on-link
 * addresses fills at most max_pending entries, which fail after
 * max_solicit tries, and the REACHABLE entries (the gateway's) stay. A
 * router's resolution (the caller says so) needs no turn among them, so
 * such a burst cannot refuse the gateway's either when its entry is gone. A
 * REACHABLE entry is evicted only when a resolution completes (the new
 * neighbour answered) and no free entry would be left for the next one;
 * the entry confirmed longest ago goes. Unsolicited additions (the sender
 * of an ARP request for us, RFC 826) take a free entry only while more than
 * max_pending are free, so they never crowd out resolutions either.
 *
 * Task context only; no heap: the entries are the caller's. */
#ifndef TERN_NEIGHBOUR_H
#define TERN_NEIGHBOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Entry states. */
typedef enum tern_neigh_state {
  TERN_NEIGH_FREE = 0,
  TERN_NEIGH_INCOMPLETE = 1, /* solicitations going out, no answer yet */
  TERN_NEIGH_REACHABLE = 2,  /* lladdr is valid until deadline */
} tern_neigh_state;

/* The fixed part of an entry (12 bytes); its protocol address follows it.
 * Declare entries as tern_neighbour4 (IPv4) or tern_neighbour6 (IPv6). */
typedef struct tern_neighbour {
  tern_time deadline; /* INCOMPLETE: next solicitation; REACHABLE: expiry */
  uint8_t state;      /* tern_neigh_state */
  uint8_t tries;      /* INCOMPLETE: solicitations still to send;
                       * REACHABLE: non-zero once in use (resolved again
                       * when it expires) */
  uint8_t lladdr[6];  /* the link address (a MAC) once REACHABLE */
} tern_neighbour;

/* An entry for IPv4 next hops (16 bytes) and one for IPv6 (28 bytes). */
typedef struct tern_neighbour4 {
  tern_neighbour n;
  uint8_t addr[4];
} tern_neighbour4;

typedef struct tern_neighbour6 {
  tern_neighbour n;
  uint8_t addr[16];
} tern_neighbour6;

/* The protocol address of an entry (addr_len bytes after its fixed part). */
static inline uint8_t *tern_neigh_addr(tern_neighbour *e) {
  return (uint8_t *)(e + 1);
}

/* What a resolution protocol provides: how to ask the link for an
 * address. ARP sends a broadcast request; NDP a neighbour solicitation to
 * the solicited-node group. Returns 0, or a negative tern_err when it
 * could not be sent now (counted; the try counts all the same, so a
 * resolution always ends). Called from tern_neigh_resolve and
 * tern_neigh_service. */
typedef struct tern_neigh_proto {
  int (*solicit)(void *self, const uint8_t *addr);
  void *self;
} tern_neigh_proto;

/* The longest retry_ms and reachable_ms, just under 2^30 ms (12 days):
 * deadlines are compared across the clock's wrap, so a time of 2^31 ms or
 * more would read as already past, and the Ethernet adapter's timer treats
 * 2^30 ms ahead as "nothing due". */
#define TERN_NEIGH_MAX_MS 0x3fffffffu

/* What the protocol gives its cache: its timing, the bound on resolutions
 * in progress, and how to solicit. */
typedef struct tern_neigh_config {
  uint32_t retry_ms;      /* between solicitations (ARP, NDP: 1000) */
  uint32_t reachable_ms;  /* how long a confirmation holds */
  uint8_t max_solicit;    /* solicitations before failing (ARP, NDP: 3) */
  uint16_t max_pending;   /* resolutions in progress at once (at least 1) */
  tern_neigh_proto proto; /* ARP's requests, NDP's solicitations */
} tern_neigh_config;

/* Counters; they wrap at 2^32. */
typedef struct tern_neigh_stats {
  uint32_t resolved;     /* resolutions completed */
  uint32_t failed;       /* resolutions that got no answer */
  uint32_t refused;      /* resolutions not started: max_pending are in
                            progress, or no entry is free */
  uint32_t evicted;      /* REACHABLE entries freed for a completed
                            resolution */
  uint32_t expired;      /* REACHABLE entries that timed out */
  uint32_t added;        /* unsolicited additions (the sender of a request
                            for us) */
  uint32_t solicit_fail; /* solicitations that could not be sent */
} tern_neigh_stats;

/* A cache over caller storage. Fields are private. */
typedef struct tern_neigh_cache {
  uint8_t *entries; /* count entries of sizeof(tern_neighbour) + addr_len */
  uint16_t count;
  uint8_t addr_len; /* 4 (tern_neighbour4) or 16 (tern_neighbour6) */
  tern_neigh_config cfg;
  tern_neigh_stats stats;
} tern_neigh_cache;

/* What tern_neigh_cache_init4 and _init6 call with their entries' address
 * length: checks the arguments, then tern__neigh_setup. */
int tern__neigh_cache_init(tern_neigh_cache *c, void *entries, size_t count,
                           size_t addr_len, const tern_neigh_config *cfg);

/* Sets up a cache over count entries for IPv4 (4-byte) or IPv6 (16-byte)
 * addresses: the entries' type says which. Returns 0, or TERN_EINVAL:
 * c, entries or cfg NULL, count 0 or above 65535, no cfg->proto.solicit,
 * max_solicit or max_pending 0, max_pending not below count when count
 * is above 1, or retry_ms or reachable_ms 0 or above TERN_NEIGH_MAX_MS. */
static inline int tern_neigh_cache_init4(tern_neigh_cache *c,
                                         tern_neighbour4 *entries, size_t count,
                                         const tern_neigh_config *cfg) {
  return tern__neigh_cache_init(c, entries, count, 4, cfg);
}
static inline int tern_neigh_cache_init6(tern_neigh_cache *c,
                                         tern_neighbour6 *entries, size_t count,
                                         const tern_neigh_config *cfg) {
  return tern__neigh_cache_init(c, entries, count, 16, cfg);
}

/* The set-up without the checks, for a caller whose arguments cannot be
 * wrong (the Ethernet adapter's IPv4 cache: its own configuration, and
 * the entries it checked). */
void tern__neigh_setup(tern_neigh_cache *c, void *entries, size_t count,
                       size_t addr_len, const tern_neigh_config *cfg);

/* The entry for addr (INCOMPLETE or REACHABLE), or NULL. */
tern_neighbour *tern_neigh_find(tern_neigh_cache *c, const uint8_t *addr);

/* Looks up addr for sending at now: 0 and *lladdr its link address when
 * it is REACHABLE (it is then in use: resolved again in place when it
 * expires); TERN_EAGAIN while it is resolving (a new resolution is
 * started: INCOMPLETE, its first solicitation sent now); TERN_ENOMEM
 * when a new one cannot start (counted in stats.refused): no free entry,
 * or, unless router is set, max_pending resolutions in progress. Set
 * router when addr is a router's (the next hop of a packet to another
 * address): the routers are the host's own configuration, which packets
 * from made-up on-link sources (whose answers start resolutions that
 * never complete) cannot add to, so a router's resolution needs no turn
 * among max_pending. */
int tern_neigh_resolve(tern_neigh_cache *c, const uint8_t *addr, tern_time now,
                       bool router, const uint8_t **lladdr);

/* What a protocol's input learnt: addr is at lladdr (an ARP packet's
 * sender, an NDP advertisement's target). An entry for addr is updated
 * and made REACHABLE until now + reachable_ms (a resolution completes);
 * with no entry, one is added only if add is set (RFC 826: we are the
 * target of the packet) and more than max_pending entries are free.
 * Returns true when addr now has an entry (held packets to it may go). */
bool tern_neigh_confirm(tern_neigh_cache *c, const uint8_t *addr,
                        const uint8_t lladdr[6], tern_time now, bool add);

/* Runs what is due at now: solicitations, failed resolutions (FREE),
 * expired entries (FREE), and sets *next to the earliest deadline still
 * pending if it is before *next. Packets held for an entry that became
 * FREE find no entry with tern_neigh_find (the Ethernet adapter drops
 * them then). */
void tern_neigh_service(tern_neigh_cache *c, tern_time now, tern_time *next);

/* The link went down, came up or bounced (a change of our own address
 * does not call for it: a neighbour's link address does not depend on
 * it). Every entry is kept, but nothing stays due later than retry_ms
 * after now: a REACHABLE entry's link address is trusted until then at
 * most (the link may be another one now), and then it is solicited again
 * if it was used, or freed. So on a link that keeps bouncing no address
 * is solicited more often than every retry_ms (RFC 1122 2.3.2.1: one
 * ARP request a second), whether its neighbour answers or not, and a
 * neighbour that does answer keeps its entry. An INCOMPLETE entry keeps
 * its next solicitation's time and the count left. Call it at each link
 * event; while the link is down, do not run tern_neigh_service (the
 * solicitations would be lost and spend the resolution's tries). */
void tern_neigh_flush(tern_neigh_cache *c, tern_time now);

/* The i-th entry (i < count), for walking the cache: tests, a shell's
 * "arp -a". */
static inline tern_neighbour *tern_neigh_entry(const tern_neigh_cache *c,
                                               size_t i) {
  return (tern_neighbour *)(void *)(c->entries +
                                    i * (sizeof(tern_neighbour) + c->addr_len));
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_NEIGHBOUR_H */
