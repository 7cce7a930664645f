/* A small DNS cache in caller storage: a fixed array of entries, each a
 * name and type with its addresses (or a negative answer: NXDOMAIN, no
 * data) and the time it expires. The clock is passed in (milliseconds, any
 * origin, wrapping), so the cache has no dependency on a port.
 *
 *   static tern_dns_cache_entry slots[4];
 *   static tern_dns_cache cache;
 *   tern_dns_cache_init(&cache, slots, 4);
 *   ...
 *   int r = tern_dns_cache_get(&cache, "peer.test", TERN_DNS_TYPE_A, now,
 *                              addrs, 4, &n);
 *   if (r == TERN_ENOENT) { ...ask a server, then: }
 *   tern_dns_cache_put(&cache, "peer.test", TERN_DNS_TYPE_A, result,
 *                      addrs, ans.n_addrs, ans.ttl, now);
 *
 * Names are compared as text, without regard to ASCII case and to one
 * final dot. A full cache replaces an expired entry if it has one, else
 * the one used least recently. A TTL of 0 is not cached (RFC 1035 3.2.1);
 * longer TTLs are cut to TERN_DNS_CACHE_MAX_TTL, which also keeps expiry
 * times within half the clock's range. */
#ifndef TERN_DNS_CACHE_H
#define TERN_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The longest name kept (text, without the final dot); a longer one is
 * not cached. Each entry holds this many bytes. */
#ifndef TERN_DNS_CACHE_NAME
#define TERN_DNS_CACHE_NAME 40
#endif

/* Addresses kept per entry (the first ones of the answer). */
#ifndef TERN_DNS_CACHE_ADDRS
#define TERN_DNS_CACHE_ADDRS 2
#endif

/* The longest time an entry is kept, in seconds (a day). */
#ifndef TERN_DNS_CACHE_MAX_TTL
#define TERN_DNS_CACHE_MAX_TTL 86400u
#endif

/* One entry. Opaque: its fields are the cache's. */
typedef struct tern_dns_cache_entry {
  uint32_t expires; /* ms, the clock's value when it expires */
  uint32_t used;    /* the cache's use count when last put or got */
  uint16_t qtype;   /* TERN_DNS_TYPE_A or _AAAA */
  uint8_t name_len; /* 0: a free entry */
  uint8_t result;   /* TERN_DNS_OK, _NXDOMAIN or _NODATA */
  uint8_t n_addrs;
  char name[TERN_DNS_CACHE_NAME];
  tern_ip_addr addrs[TERN_DNS_CACHE_ADDRS];
} tern_dns_cache_entry;

typedef struct tern_dns_cache {
  tern_dns_cache_entry *e;
  size_t n;
  uint32_t uses;
} tern_dns_cache;

/* Makes an empty cache of the n entries at e (caller storage, kept until
 * the cache is no longer used). TERN_EINVAL when c or e is NULL or n is
 * 0. */
int tern_dns_cache_init(tern_dns_cache *c, tern_dns_cache_entry *e, size_t n);

/* Records what a server said about name and qtype at time now (ms):
 * result TERN_DNS_OK with n addresses (the first TERN_DNS_CACHE_ADDRS
 * kept), or TERN_DNS_NXDOMAIN / _NODATA (addrs unused) for ttl seconds.
 * Replaces an entry for the same name and type. Returns 0; 0 too, and
 * nothing kept, when ttl is 0 or the name is longer than
 * TERN_DNS_CACHE_NAME; TERN_EINVAL for another result, a NULL or empty
 * name, an OK without addresses (n 0 or addrs NULL) or a qtype that is
 * not A or AAAA. */
int tern_dns_cache_put(tern_dns_cache *c, const char *name, unsigned qtype,
                       int result, const tern_ip_addr *addrs, size_t n,
                       uint32_t ttl, uint32_t now);

/* Looks name and qtype up at time now (ms). Returns TERN_ENOENT when the
 * cache has no live entry; else the entry's result: TERN_DNS_OK with
 * *n addresses copied to addrs (at most cap), or TERN_DNS_NXDOMAIN /
 * _NODATA (*n = 0). A NULL or empty name is a miss. An entry found
 * expired is freed. TERN_EINVAL when n is NULL, or addrs is NULL and cap
 * is not 0 (NULL with cap 0 asks for the result alone). */
int tern_dns_cache_get(tern_dns_cache *c, const char *name, unsigned qtype,
                       uint32_t now, tern_ip_addr *addrs, size_t cap,
                       size_t *n);

/* Forgets every entry. */
void tern_dns_cache_clear(tern_dns_cache *c);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DNS_CACHE_H */
