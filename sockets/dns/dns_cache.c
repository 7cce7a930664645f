/* The DNS cache: see dns_cache.h. */
#include "tern/dns_cache.h"

#include <stdbool.h>
#include <string.h>

#include "tern/dns_wire.h"
#include "tern/err.h"

_Static_assert(TERN_DNS_CACHE_NAME >= 1 && TERN_DNS_CACHE_NAME <= 253,
               "TERN_DNS_CACHE_NAME: 1 to 253 (the longest text name)");
_Static_assert(TERN_DNS_CACHE_ADDRS >= 1 && TERN_DNS_CACHE_ADDRS <= 255,
               "TERN_DNS_CACHE_ADDRS: 1 to 255");
_Static_assert(TERN_DNS_CACHE_MAX_TTL <= 0x7fffffffu / 1000u,
               "TERN_DNS_CACHE_MAX_TTL: at most 2147483 s (half the range "
               "of the millisecond clock)");

int tern_dns_cache_init(tern_dns_cache *c, tern_dns_cache_entry *e, size_t n) {
  if (c == NULL || e == NULL || n == 0) {
    return TERN_EINVAL;
  }
  c->e = e;
  c->n = n;
  tern_dns_cache_clear(c);
  return 0;
}

void tern_dns_cache_clear(tern_dns_cache *c) {
  memset(c->e, 0, c->n * sizeof *c->e);
  c->uses = 0;
}

/* The length of name without one final dot; 0 for NULL, taken as the
 * empty name is: refused by put, a miss for get (find matches no entry of
 * length 0). */
static size_t key_len(const char *name) {
  if (name == NULL) {
    return 0;
  }
  size_t n = strlen(name);
  return n > 0 && name[n - 1] == '.' ? n - 1 : n;
}

/* A live entry has 1 ms to TERN_DNS_CACHE_MAX_TTL s left. Anything else
 * on the wrapping clock is past: an entry expired long ago (up to 2^32 ms
 * less the longest TTL, 48 days) is not taken for one that has not yet
 * expired, as "now - expires < 0" would do from 24.8 days on. */
static bool expired(const tern_dns_cache_entry *e, uint32_t now) {
  return e->expires - now - 1u >= TERN_DNS_CACHE_MAX_TTL * 1000u;
}

/* The live entry for name and qtype, or NULL. Every expired entry is
 * freed on the way, also those after the one found, so that an entry
 * behind a name looked up often does not stay until the clock comes
 * round to it again. */
static tern_dns_cache_entry *find(tern_dns_cache *c, const char *name,
                                  unsigned qtype, uint32_t now) {
  size_t len = key_len(name); /* put's too: measured again, in less code
                                 than passing it (20 bytes on Cortex-M0) */
  tern_dns_cache_entry *found = NULL;
  for (tern_dns_cache_entry *e = c->e; e < c->e + c->n; e++) {
    if (e->name_len == 0) {
      continue;
    }
    if (expired(e, now)) {
      e->name_len = 0;
    } else if (e->name_len == len && e->qtype == qtype &&
               tern__dns_same_text(e->name, name, len)) {
      found = e;
    }
  }
  return found;
}

int tern_dns_cache_put(tern_dns_cache *c, const char *name, unsigned qtype,
                       int result, const tern_ip_addr *addrs, size_t n,
                       uint32_t ttl, uint32_t now) {
  size_t len = key_len(name);
  if (len == 0 || (qtype != TERN_DNS_TYPE_A && qtype != TERN_DNS_TYPE_AAAA) ||
      (result == TERN_DNS_OK
           ? n == 0 || addrs == NULL
           : result != TERN_DNS_NXDOMAIN && result != TERN_DNS_NODATA)) {
    return TERN_EINVAL;
  }
  tern_dns_cache_entry *e = find(c, name, qtype, now);
  if (ttl == 0 || len > TERN_DNS_CACHE_NAME) {
    if (e != NULL) {
      e->name_len = 0; /* what it said is no longer true */
    }
    return 0;
  }
  if (e == NULL) {
    /* find() freed the expired ones: a free entry, else the least
     * recently used. (The first entry, compared with itself, is
     * neither free nor older: no change.) */
    e = c->e;
    for (tern_dns_cache_entry *o = e; o < c->e + c->n && e->name_len != 0;
         o++) {
      if (o->name_len == 0 || (int32_t)(o->used - e->used) < 0) {
        e = o;
      }
    }
  }
  if (ttl > TERN_DNS_CACHE_MAX_TTL) {
    ttl = TERN_DNS_CACHE_MAX_TTL;
  }
  e->expires = now + ttl * 1000u;
  e->used = ++c->uses;
  e->qtype = (uint16_t)qtype;
  e->name_len = (uint8_t)len;
  e->result = (uint8_t)result;
  memcpy(e->name, name, len);
  e->n_addrs = 0;
  if (result == TERN_DNS_OK) { /* then n > 0 and addrs not NULL */
    if (n > TERN_DNS_CACHE_ADDRS) {
      n = TERN_DNS_CACHE_ADDRS;
    }
    e->n_addrs = (uint8_t)n;
    memcpy(e->addrs, addrs, n * sizeof *addrs);
  }
  return 0;
}

int tern_dns_cache_get(tern_dns_cache *c, const char *name, unsigned qtype,
                       uint32_t now, tern_ip_addr *addrs, size_t cap,
                       size_t *n) {
  if (n == NULL || (addrs == NULL && cap != 0)) {
    return TERN_EINVAL;
  }
  tern_dns_cache_entry *e = find(c, name, qtype, now);
  size_t k = 0;
  int r = TERN_ENOENT;
  if (e != NULL) {
    e->used = ++c->uses;
    k = e->n_addrs < cap ? e->n_addrs : cap;
    if (k > 0) {
      memcpy(addrs, e->addrs, k * sizeof *addrs);
    }
    r = e->result;
  }
  *n = k;
  return r;
}
