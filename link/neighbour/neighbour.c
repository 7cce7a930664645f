/* The neighbour cache. See neighbour.h for the states and the eviction
 * rules. A cache holds a handful of entries, so every operation is one
 * walk over them. */
#include "tern/neighbour.h"

#include <string.h>

#include "tern/err.h"

int tern__neigh_cache_init(tern_neigh_cache *c, void *entries, size_t count,
                           size_t addr_len, const tern_neigh_config *cfg) {
  /* Times of 2^31 ms and more would read as the past in
   * tern_time_before (see TERN_NEIGH_MAX_MS). */
  if (c == NULL || entries == NULL || cfg == NULL ||
      cfg->proto.solicit == NULL || count == 0 || count > 0xffff ||
      cfg->max_solicit == 0 || cfg->max_pending == 0 ||
      (count > 1 && cfg->max_pending >= count) || cfg->retry_ms == 0 ||
      cfg->retry_ms > TERN_NEIGH_MAX_MS || cfg->reachable_ms == 0 ||
      cfg->reachable_ms > TERN_NEIGH_MAX_MS) {
    return TERN_EINVAL;
  }
  tern__neigh_setup(c, entries, count, addr_len, cfg);
  return 0;
}

/* Bytes from one entry to the next. */
static size_t stride(const tern_neigh_cache *c) {
  return sizeof(tern_neighbour) + c->addr_len;
}

void tern__neigh_setup(tern_neigh_cache *c, void *entries, size_t count,
                       size_t addr_len, const tern_neigh_config *cfg) {
  _Static_assert(TERN_NEIGH_FREE == 0, "zeroed entries are FREE");
  memset(c, 0, sizeof *c);
  c->entries = entries;
  c->count = (uint16_t)count;
  c->addr_len = (uint8_t)addr_len;
  c->cfg = *cfg;
  /* Every entry FREE: the other fields of a FREE entry are never read. */
  memset(entries, 0, count * stride(c));
}

void tern_neigh_flush(tern_neigh_cache *c, tern_time now) {
  /* Nothing due later than one retry from now: a REACHABLE entry (its
   * last solicitation was before its confirmation, so before now) is
   * solicited again, if in use, no sooner than the pace allows; an
   * INCOMPLETE one keeps its time (already at most that), unless it was
   * left so long that its deadline reads as the future across the wrap.
   * A FREE entry's deadline is never read. */
  tern_time latest = now + c->cfg.retry_ms;
  size_t step = stride(c);
  for (uint8_t *p = c->entries, *end = p + c->count * step; p != end;
       p += step) {
    tern_neighbour *e = (tern_neighbour *)(void *)p;
    if (tern_time_before(latest, e->deadline)) {
      e->deadline = latest;
    }
  }
}

/* What one walk over the entries finds besides the entry for an address:
 * the first free entry, the REACHABLE entry confirmed longest ago (the
 * first to expire), and how many are free and how many resolving. */
typedef struct survey {
  tern_neighbour *free;
  tern_neighbour *oldest;
  size_t nfree;
  size_t npending;
} survey;

/* The one walk every lookup makes: returns the entry for addr (or NULL)
 * and fills *s. */
static tern_neighbour *look(tern_neigh_cache *c, const uint8_t *addr,
                            survey *s) {
  tern_neighbour *match = NULL;
  memset(s, 0, sizeof *s);
  size_t step = stride(c);
  for (uint8_t *p = c->entries, *end = p + c->count * step; p != end;
       p += step) {
    tern_neighbour *e = (tern_neighbour *)(void *)p;
    if (e->state == TERN_NEIGH_FREE) {
      if (s->free == NULL) {
        s->free = e;
      }
      s->nfree++;
      continue;
    }
    if (e->state == TERN_NEIGH_INCOMPLETE) {
      s->npending++;
    } else if (s->oldest == NULL ||
               tern_time_before(e->deadline, s->oldest->deadline)) {
      s->oldest = e;
    }
    if (memcmp(tern_neigh_addr(e), addr, c->addr_len) == 0) {
      match = e;
    }
  }
  return match;
}

tern_neighbour *tern_neigh_find(tern_neigh_cache *c, const uint8_t *addr) {
  survey s;
  return look(c, addr, &s);
}

/* Sends the next solicitation of an entry, INCOMPLETE from then on, and
 * schedules the one after. A solicitation that cannot go out counts as a
 * try. */
static void solicit(tern_neigh_cache *c, tern_neighbour *e, tern_time now) {
  e->state = TERN_NEIGH_INCOMPLETE;
  e->tries--;
  e->deadline = now + c->cfg.retry_ms;
  if (c->cfg.proto.solicit(c->cfg.proto.self, tern_neigh_addr(e)) != 0) {
    c->stats.solicit_fail++;
  }
}

int tern_neigh_resolve(tern_neigh_cache *c, const uint8_t *addr, tern_time now,
                       bool router, const uint8_t **lladdr) {
  survey s;
  tern_neighbour *e = look(c, addr, &s);
  if (e != NULL) {
    if (e->state != TERN_NEIGH_REACHABLE) {
      return TERN_EAGAIN;
    }
    /* In use: resolved again in place when it expires (service). */
    e->tries = c->cfg.max_solicit;
    *lladdr = e->lladdr;
    return 0;
  }
  /* A new resolution takes a free entry and never a working one, and waits
   * for a turn among max_pending unless addr is a router's: packets to
   * unknown on-link addresses (answers to spoofed sources) can keep every
   * turn taken, but cannot make a router of them. */
  e = s.free;
  if (e == NULL || (!router && s.npending >= c->cfg.max_pending)) {
    c->stats.refused++;
    return TERN_ENOMEM;
  }
  memcpy(tern_neigh_addr(e), addr, c->addr_len);
  e->tries = c->cfg.max_solicit;
  solicit(c, e, now);
  return TERN_EAGAIN;
}

bool tern_neigh_confirm(tern_neigh_cache *c, const uint8_t *addr,
                        const uint8_t lladdr[6], tern_time now, bool add) {
  survey s;
  tern_neighbour *e = look(c, addr, &s);
  if (e == NULL) {
    /* Unsolicited: only into a free entry, leaving max_pending free for
     * resolutions. */
    if (!add || s.nfree <= c->cfg.max_pending) {
      return false;
    }
    e = s.free;
    memcpy(tern_neigh_addr(e), addr, c->addr_len);
    c->stats.added++;
  } else if (e->state == TERN_NEIGH_INCOMPLETE) {
    c->stats.resolved++;
    /* The next resolution needs a free entry: the neighbour that answered
     * may take the place of the working entry confirmed longest ago, an
     * unanswered one never does. */
    if (s.nfree == 0 && s.oldest != NULL) {
      s.oldest->state = TERN_NEIGH_FREE;
      c->stats.evicted++;
    }
  }
  memcpy(e->lladdr, lladdr, 6);
  e->state = TERN_NEIGH_REACHABLE;
  e->tries = 0;
  e->deadline = now + c->cfg.reachable_ms;
  return true;
}

void tern_neigh_service(tern_neigh_cache *c, tern_time now, tern_time *next) {
  size_t step = stride(c);
  for (uint8_t *p = c->entries, *end = p + c->count * step; p != end;
       p += step) {
    tern_neighbour *e = (tern_neighbour *)(void *)p;
    if (e->state == TERN_NEIGH_FREE) {
      continue;
    }
    if (!tern_time_before(now, e->deadline)) {
      if (e->tries == 0) {
        /* Expired unused since its last confirmation, or the last
         * solicitation got no answer in time. */
        if (e->state == TERN_NEIGH_REACHABLE) {
          c->stats.expired++;
        } else {
          c->stats.failed++;
        }
        e->state = TERN_NEIGH_FREE;
        continue;
      }
      /* Resolving, or expired after use (tries set by resolve): solicited
       * again in its own entry, so an address in use never waits for a
       * free entry or a resolution's turn (max_pending), which a flood of
       * new next hops can keep taken. */
      solicit(c, e, now);
    }
    if (tern_time_before(e->deadline, *next)) {
      *next = e->deadline;
    }
  }
}
