/* The seeded simulated network. See simnet.h. */
#include "tern/simnet.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tern/err.h"
#include "tern/port.h"

/* ---- the pseudo-random sequence ---- */

void tern_simrng_seed(tern_simrng *r, uint64_t seed) {
  r->state = seed;
}

uint64_t tern_simrng_next(tern_simrng *r) {
  uint64_t z = (r->state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

uint32_t tern_simrng_below(tern_simrng *r, uint32_t bound) {
  return (uint32_t)(((tern_simrng_next(r) >> 32) * bound) >> 32);
}

bool tern_simrng_chance(tern_simrng *r, uint32_t ppm) {
  if (ppm == 0) {
    return false;
  }
  return tern_simrng_below(r, 1000000u) < ppm;
}

/* ---- events ---- */

#define FNV64_OFFSET 0xcbf29ce484222325u
#define FNV64_PRIME 0x100000001b3u

static uint64_t fnv64(uint64_t h, const void *data, size_t len) {
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) {
    h = (h ^ p[i]) * FNV64_PRIME;
  }
  return h;
}

static uint32_t digest(const tern_pkt *p) {
  uint32_t h = 0x811c9dc5u;
  const uint8_t *d = tern_pkt_data(p);
  for (size_t i = 0; i < tern_pkt_len(p); i++) {
    h = (h ^ d[i]) * 0x01000193u;
  }
  return h;
}

static const char *kind_name(unsigned kind) {
  switch (kind) {
    case TERN_SIMNET_SENT: return "sent";
    case TERN_SIMNET_QUEUE_DROP: return "queue-drop";
    case TERN_SIMNET_LOST: return "lost";
    case TERN_SIMNET_CORRUPTED: return "corrupted";
    case TERN_SIMNET_REORDERED: return "reordered";
    case TERN_SIMNET_DUPLICATED: return "duplicated";
    case TERN_SIMNET_DELIVERED: return "delivered";
    default: return "?";
  }
}

static void event(tern_simlink *link, unsigned dir, unsigned kind,
                  const tern_pkt *p) {
  tern_simnet *net = link->net;
  tern_simnet_event e;
  memset(&e, 0, sizeof e); /* no padding bytes of chance in the hash */
  e.time = tern_port_now();
  e.link = link->id;
  e.dir = (uint8_t)dir;
  e.kind = (uint8_t)kind;
  e.len = (uint16_t)tern_pkt_len(p);
  e.digest = digest(p);
  /* Field by field: the hash must not depend on the struct's layout. */
  uint64_t h = net->trace_hash;
  h = fnv64(h, &e.time, sizeof e.time);
  h = fnv64(h, &e.link, sizeof e.link);
  h = fnv64(h, &e.dir, sizeof e.dir);
  h = fnv64(h, &e.kind, sizeof e.kind);
  h = fnv64(h, &e.len, sizeof e.len);
  h = fnv64(h, &e.digest, sizeof e.digest);
  net->trace_hash = h;
  if (net->record != NULL && net->events < net->record_cap) {
    net->record[net->events] = e;
  }
  net->events++;
  if (net->log != NULL) {
    fprintf(net->log,
            "simnet t=%" PRIu32 " link %u %s %s len %u #%08" PRIx32 "\n",
            e.time, (unsigned)e.link, dir == 0 ? "a->b" : "b->a",
            kind_name(kind), (unsigned)e.len, e.digest);
  }
}

/* ---- the network ---- */

void tern_simnet_init(tern_simnet *net, uint64_t seed,
                      tern_simnet_event *record, uint32_t record_cap) {
  memset(net, 0, sizeof *net);
  tern_simrng_seed(&net->rng, seed);
  net->seed = seed;
  net->trace_hash = FNV64_OFFSET;
  net->record = record;
  net->record_cap = record != NULL ? record_cap : 0;
  net->t0 = tern_port_now();
}

void tern_simnet_set_log(tern_simnet *net, FILE *f) {
  net->log = f;
}

/* s, whole, as a decimal number or 0x hex within 64 bits: digits only (no
 * sign, no white space; a leading 0 is decimal, not octal). */
static bool parse_seed(const char *s, uint64_t *out) {
  unsigned base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  uint64_t v = 0;
  if (*s == '\0') {
    return false;
  }
  for (; *s != '\0'; s++) {
    unsigned d;
    if (*s >= '0' && *s <= '9') {
      d = (unsigned)(*s - '0');
    } else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f') {
      d = (unsigned)((*s | 0x20) - 'a' + 10);
    } else {
      return false;
    }
    if (v > (UINT64_MAX - d) / base) {
      return false; /* past 2^64 - 1 */
    }
    v = v * base + d;
  }
  *out = v;
  return true;
}

uint64_t tern_simnet_seed_from_env(uint64_t dflt, bool *from_env) {
  const char *s = getenv("TERN_SIM_SEED");
  uint64_t v = 0;
  bool ok = s != NULL && parse_seed(s, &v);
  if (from_env != NULL) {
    *from_env = ok;
  }
  return ok ? v : dflt;
}

char *tern_simnet_replay_command(char *buf, size_t cap, const char *target,
                                 const char *filter, uint64_t seed) {
  if (cap == 0) {
    return buf;
  }
  int n = snprintf(buf, cap, "bazel test %s --test_env=TERN_SIM_SEED=%" PRIu64,
                   target, seed);
  if (filter != NULL && n >= 0 && (size_t)n < cap) {
    snprintf(buf + n, cap - (size_t)n, " --test_filter=%s", filter);
  }
  return buf;
}

/* ---- links ---- */

/* Virtual µs since the net's t0, counted in 64 bits past the 32-bit
 * clock's wrap: the clock only moves forward, by less than 2^32 ms
 * between two sends or receives. (Cut to 32 bits, "now" fell back to 0
 * after 49.7 days while busy_until_us did not, and every later packet was held
 * about 24 days.) */
static uint64_t now_us(tern_simnet *net) {
  net->elapsed_ms +=
      (uint32_t)(tern_port_now() - (tern_time)(net->t0 + net->elapsed_ms));
  return net->elapsed_ms * 1000u;
}

/* The virtual time at which a packet arriving at us is delivered: the
 * millisecond it falls in, rounded up. */
static tern_time arrival_ms(const tern_simnet *net, uint64_t us) {
  return net->t0 + (tern_time)((us + 999u) / 1000u);
}

/* The delays are summed in 64 bits: three fields near 2^32 must not wrap
 * to a small total. */
static int check_config(const tern_simlink_config *cfg) {
  uint64_t delay =
      (uint64_t)cfg->delay_ms + cfg->jitter_ms + (uint64_t)cfg->reorder_ms;
  return cfg->queue_limit > TERN_SIMLINK_MAX_INFLIGHT ||
                 delay > TERN_SIMLINK_MAX_DELAY_MS
             ? TERN_EINVAL
             : 0;
}

int tern_simlink_init(tern_simlink *link, tern_simnet *net,
                      const tern_simlink_config *cfg) {
  if (check_config(cfg) != 0) {
    return TERN_EINVAL;
  }
  memset(link, 0, sizeof *link);
  link->net = net;
  link->id = net->links++;
  for (int d = 0; d < 2; d++) {
    link->dir[d].cfg = *cfg;
    tern_timer t = TERN_TIMER_INIT;
    link->dir[d].timer = t;
  }
  link->a.link = link;
  link->a.dir_out = 0;
  link->b.link = link;
  link->b.dir_out = 1;
  return 0;
}

int tern_simlink_configure(tern_simlink *link, int dir,
                           const tern_simlink_config *cfg) {
  if ((dir != 0 && dir != 1) || check_config(cfg) != 0) {
    return TERN_EINVAL;
  }
  link->dir[dir].cfg = *cfg;
  return 0;
}

/* Puts p in flight in d to arrive at us: after every packet arriving no
 * later (ties keep sending order). The caller checked there is room. */
static void enqueue(tern_simlink_dir *d, tern_pkt *p, uint64_t us) {
  unsigned i = d->count;
  while (i > 0 && d->inflight[i - 1].arrival_us > us) {
    d->inflight[i] = d->inflight[i - 1];
    i--;
  }
  d->inflight[i].pkt = p;
  d->inflight[i].arrival_us = us;
  d->count++;
  tern_waker_slot_wake(&d->receiver);
}

static unsigned limit(const tern_simlink_dir *d) {
  return d->cfg.queue_limit != 0 ? d->cfg.queue_limit
                                 : TERN_SIMLINK_MAX_INFLIGHT;
}

/* A copy of p from p's pool, or NULL when none is free. */
static tern_pkt *copy_of(const tern_pkt *p) {
  tern_pkt *q = tern_pkt_pool_try_alloc(p->pool);
  if (q == NULL) {
    return NULL;
  }
  if (tern_pkt_reserve(q, tern_pkt_headroom(p)) != 0) {
    tern_pkt_free(q);
    return NULL;
  }
  uint8_t *dst = tern_pkt_put(q, tern_pkt_len(p));
  if (dst == NULL) {
    tern_pkt_free(q);
    return NULL;
  }
  memcpy(dst, tern_pkt_data(p), tern_pkt_len(p));
  q->link_cast = p->link_cast;
  return q;
}

/* One copy of a packet that made it across: its own corruption, delay,
 * jitter and reordering, then in flight. done_us: when its last bit left. */
static void land(tern_simlink *link, unsigned dir, tern_pkt *p,
                 uint64_t done_us) {
  tern_simrng *rng = &link->net->rng;
  tern_simlink_dir *d = &link->dir[dir];
  const tern_simlink_config *cfg = &d->cfg;
  if (tern_pkt_len(p) > 0 && tern_simrng_chance(rng, cfg->corrupt_ppm)) {
    uint32_t at = tern_simrng_below(rng, (uint32_t)tern_pkt_len(p));
    tern_pkt_data(p)[at] ^= (uint8_t)(1u << tern_simrng_below(rng, 8));
    d->stats.corrupted++;
    event(link, dir, TERN_SIMNET_CORRUPTED, p);
  }
  uint64_t arrival = done_us + (uint64_t)cfg->delay_ms * 1000u;
  if (cfg->jitter_ms != 0) {
    arrival += tern_simrng_below(rng, cfg->jitter_ms * 1000u + 1u);
  }
  if (tern_simrng_chance(rng, cfg->reorder_ppm)) {
    arrival += (uint64_t)cfg->reorder_ms * 1000u;
    d->stats.reordered++;
    event(link, dir, TERN_SIMNET_REORDERED, p);
  }
  enqueue(d, p, arrival);
}

/* Takes p into direction dir: the steps of simnet.h in order. */
static void transmit(tern_simlink *link, unsigned dir, tern_pkt *p) {
  tern_simnet *net = link->net;
  tern_simlink_dir *d = &link->dir[dir];
  const tern_simlink_config *cfg = &d->cfg;
  d->stats.sent++;
  event(link, dir, TERN_SIMNET_SENT, p);
  if (d->count >= limit(d)) {
    d->stats.queue_dropped++;
    event(link, dir, TERN_SIMNET_QUEUE_DROP, p);
    tern_pkt_free(p);
    return;
  }
  uint64_t now = now_us(net);
  uint64_t done = d->busy_until_us > now ? d->busy_until_us : now;
  if (cfg->bits_per_second != 0) {
    done +=
        ((uint64_t)tern_pkt_len(p) * 8u * 1000000u + cfg->bits_per_second - 1) /
        cfg->bits_per_second;
  }
  d->busy_until_us = done;
  if (tern_simrng_chance(&net->rng, cfg->loss_ppm)) {
    d->stats.lost++;
    event(link, dir, TERN_SIMNET_LOST, p);
    tern_pkt_free(p);
    return;
  }
  tern_pkt *dup = NULL;
  if (tern_simrng_chance(&net->rng, cfg->duplicate_ppm)) {
    /* Room for both, and a buffer for the copy. */
    dup = d->count + 1u < limit(d) ? copy_of(p) : NULL;
    if (dup == NULL) {
      d->stats.dup_no_buffer++;
    } else {
      d->stats.duplicated++;
      event(link, dir, TERN_SIMNET_DUPLICATED, dup);
    }
  }
  land(link, dir, p, done);
  if (dup != NULL) {
    land(link, dir, dup, done);
  }
}

static tern_poll end_send(void *self, tern_cx *cx, tern_pkt *pkt, int *err) {
  (void)cx;
  tern_simlink_end *e = self;
  tern_simlink *link = e->link;
  const tern_simlink_config *cfg = &link->dir[e->dir_out].cfg;
  if (link->closed) {
    e->stats.tx_drop_down++;
    tern_pkt_free(pkt);
    *err = TERN_ECLOSED;
    return TERN_READY;
  }
  if (tern_pkt_len(pkt) > cfg->mtu) {
    e->stats.tx_drop_too_long++;
    link->dir[e->dir_out].stats.oversize++;
    tern_pkt_free(pkt);
    *err = TERN_EMSGSIZE;
    return TERN_READY;
  }
  if (tern_pkt_headroom(pkt) < cfg->headroom) {
    e->stats.tx_drop_no_room++;
    link->dir[e->dir_out].stats.oversize++;
    tern_pkt_free(pkt);
    *err = TERN_ENOSPC;
    return TERN_READY;
  }
  e->stats.tx_packets++;
  e->stats.tx_bytes += (uint32_t)tern_pkt_len(pkt);
  transmit(link, e->dir_out, pkt);
  *err = 0;
  return TERN_READY;
}

static tern_poll end_recv(void *self, tern_cx *cx, tern_pkt **pkt, int *err) {
  tern_simlink_end *e = self;
  tern_simlink *link = e->link;
  unsigned dir = e->dir_out ^ 1u;
  tern_simlink_dir *d = &link->dir[dir];
  if (link->closed) {
    *pkt = NULL;
    *err = TERN_ECLOSED;
    return TERN_READY;
  }
  if (d->count == 0) {
    tern_timer_cancel(&d->timer);
    tern_waker_slot_register(&d->receiver, cx);
    return TERN_PENDING;
  }
  /* A new packet may arrive earlier than the head: the slot wakes us for
   * it; the timer wakes us for the head, or in 2^30 ms to look again: the
   * bandwidth's queue has no bound (lost packets occupy the wire but no
   * slot), and an arrival 2^31 ms ahead or more would read as passed on
   * the wrapping clock. */
  uint64_t at = d->inflight[0].arrival_us;
  uint64_t far = now_us(link->net) + 0x40000000ull * 1000u;
  if (tern_sleep_until(&d->timer, cx,
                       arrival_ms(link->net, at < far ? at : far)) ==
      TERN_PENDING) {
    tern_waker_slot_register(&d->receiver, cx);
    return TERN_PENDING;
  }
  tern_pkt *p = d->inflight[0].pkt;
  d->count--;
  memmove(&d->inflight[0], &d->inflight[1], d->count * sizeof d->inflight[0]);
  p->next = NULL;
  p->link_cast = TERN_PKT_LINK_UNICAST; /* a point-to-point link */
  d->stats.delivered++;
  event(link, dir, TERN_SIMNET_DELIVERED, p);
  e->stats.rx_packets++;
  e->stats.rx_bytes += (uint32_t)tern_pkt_len(p);
  *pkt = p;
  *err = 0;
  return TERN_READY;
}

static void end_info(void *self, tern_netdev_info *info) {
  tern_simlink_end *e = self;
  const tern_simlink_config *cfg = &e->link->dir[e->dir_out].cfg;
  memset(info, 0, sizeof *info);
  info->mtu = cfg->mtu;
  info->headroom = cfg->headroom;
  info->medium = TERN_MEDIUM_IP;
  info->flags = e->link->closed ? 0 : TERN_NETDEV_UP;
}

static const tern_netdev_stats *end_stats(void *self) {
  tern_simlink_end *e = self;
  return &e->stats;
}

static const tern_netdev_ops end_ops = {
    .poll_recv = end_recv,
    .poll_send = end_send,
    .get_info = end_info,
    .get_stats = end_stats,
};

tern_netdev tern_simlink_a(tern_simlink *link) {
  tern_netdev d = {&end_ops, &link->a};
  return d;
}

tern_netdev tern_simlink_b(tern_simlink *link) {
  tern_netdev d = {&end_ops, &link->b};
  return d;
}

const tern_simlink_stats *tern_simlink_get_stats(const tern_simlink *link,
                                                 int dir) {
  return &link->dir[dir != 0].stats;
}

uint16_t tern_simlink_in_flight(const tern_simlink *link, int dir) {
  return link->dir[dir != 0].count;
}

void tern_simlink_close(tern_simlink *link) {
  link->closed = true;
  for (int i = 0; i < 2; i++) {
    tern_simlink_dir *d = &link->dir[i];
    for (unsigned k = 0; k < d->count; k++) {
      tern_pkt_free(d->inflight[k].pkt);
    }
    d->count = 0;
    tern_timer_cancel(&d->timer);
    tern_waker_slot_wake(&d->receiver);
  }
}
