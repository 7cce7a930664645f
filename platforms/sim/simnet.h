/* A seeded simulated network for the sim port: several tern stacks in one
 * process, on the port's virtual time, joined by point-to-point links that
 * lose, corrupt, duplicate, reorder, delay and rate-limit packets. Every
 * decision comes from one pseudo-random sequence seeded by the caller, so a
 * run is reproducible from its seed: the same seed and the same program
 * give the same events at the same virtual times.
 *
 *   static tern_simnet net;
 *   static tern_simlink link;
 *   tern_simnet_init(&net, seed, NULL, 0);
 *   tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
 *   cfg.loss_ppm = 100000;                      // 10 % loss
 *   tern_simlink_init(&link, &net, &cfg);
 *   tern_netdev a = tern_simlink_a(&link);      // one stack's interface
 *   tern_netdev b = tern_simlink_b(&link);      // the other's
 *
 * Each end is a tern_netdev of IP packets (TERN_MEDIUM_IP, like a TUN or
 * SLIP device). A packet sent at one end goes through its direction's
 * faults, in this order, each drawn from the sequence:
 *
 *   1. queue: more than queue_limit packets in flight in the direction
 *      and it is dropped (a router's tail drop; the device never makes a
 *      sender wait);
 *   2. bandwidth: it occupies the direction for len * 8 / bits_per_second
 *      after the previous packet (0: no limit), counted in microseconds;
 *   3. loss: dropped with probability loss_ppm / 1e6;
 *   4. duplication: with probability duplicate_ppm / 1e6 a copy is made
 *      (from the packet's own pool, if one is free and the direction has
 *      room for both);
 *   5. then each copy on its own: corruption (one random bit of one random
 *      byte flipped, with probability corrupt_ppm / 1e6: the checksums
 *      above must catch it), a delay of delay_ms plus a uniform jitter of
 *      0..jitter_ms, and reorder_ms more with probability reorder_ppm /
 *      1e6, so that later packets overtake it.
 *
 * Packets are delivered in order of arrival time (ties in sending order)
 * once the virtual clock reaches it: poll_recv arms a timer for the
 * earliest arrival in the polling task's timer queue, so the sim port's
 * run loop jumps straight there. Packets move by ownership, never copied
 * (but a duplicate); what arrives is the buffer the sender's pool gave.
 *
 * Every event (sent, each drop, corruption, duplicate, reorder, delivery)
 * is folded into a 64-bit trace hash, counted, optionally recorded in a
 * caller's array, and optionally printed (tern_simnet_set_log), so two
 * runs can be compared event by event.
 *
 * Single-threaded, for the sim port; no heap. */
#ifndef TERN_SIMNET_H
#define TERN_SIMNET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/poll.h"
#include "tern/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most packets one direction of a link holds in flight. */
#define TERN_SIMLINK_MAX_INFLIGHT 64

/* The longest delay a packet may be given: delay_ms + jitter_ms +
 * reorder_ms of a config at most this (an hour). */
#define TERN_SIMLINK_MAX_DELAY_MS 3600000u

/* ---- the pseudo-random sequence ---- */

/* splitmix64 (Steele, Lea and Flood, 2014): a 64-bit state advanced by a
 * constant and mixed; every seed, 0 included, gives a full-period
 * sequence. */
typedef struct tern_simrng {
  uint64_t state;
} tern_simrng;

void tern_simrng_seed(tern_simrng *r, uint64_t seed);
uint64_t tern_simrng_next(tern_simrng *r);
/* Uniform in 0..bound-1 (bound > 0; 0 for bound 0), by the multiply-shift
 * of the top 32 bits. */
uint32_t tern_simrng_below(tern_simrng *r, uint32_t bound);
/* True with probability ppm / 1,000,000 (draws nothing for 0). */
bool tern_simrng_chance(tern_simrng *r, uint32_t ppm);

/* ---- events ---- */

typedef enum tern_simnet_event_kind {
  TERN_SIMNET_SENT = 1,       /* accepted by an end's poll_send */
  TERN_SIMNET_QUEUE_DROP = 2, /* the direction was full */
  TERN_SIMNET_LOST = 3,
  TERN_SIMNET_CORRUPTED = 4,
  TERN_SIMNET_REORDERED = 5, /* given the extra reorder delay */
  TERN_SIMNET_DUPLICATED = 6,
  TERN_SIMNET_DELIVERED = 7, /* handed up by the other end's poll_recv */
} tern_simnet_event_kind;

/* One event, as recorded and hashed. */
typedef struct tern_simnet_event {
  uint32_t time;   /* virtual ms */
  uint16_t link;   /* the link's number in its net, from 0 */
  uint8_t dir;     /* 0: A to B, 1: B to A */
  uint8_t kind;    /* tern_simnet_event_kind */
  uint16_t len;    /* the packet's length */
  uint32_t digest; /* FNV-1a of the packet's bytes at that moment */
} tern_simnet_event;

/* ---- the network ---- */

typedef struct tern_simnet {
  tern_simrng rng;
  uint64_t seed;
  uint64_t trace_hash;       /* FNV-1a 64 over every event's fields */
  uint32_t events;           /* events so far */
  tern_simnet_event *record; /* caller's array, or NULL */
  uint32_t record_cap;
  uint16_t links;      /* links made so far: the next link's number */
  tern_time t0;        /* the virtual time at init: bandwidth counts from it */
  uint64_t elapsed_ms; /* since t0 at the last send, past the clock's wrap */
  FILE *log;           /* each event printed here, or NULL */
} tern_simnet;

/* Sets up a network whose faults follow seed. record (may be NULL) keeps
 * the first record_cap events; all of them are hashed either way. */
void tern_simnet_init(tern_simnet *net, uint64_t seed,
                      tern_simnet_event *record, uint32_t record_cap);

/* Prints every event to f (NULL: stop). */
void tern_simnet_set_log(tern_simnet *net, FILE *f);

/* The seed to run with: the environment variable TERN_SIM_SEED (decimal
 * or 0x hex, digits only: "010" is ten) when set to one, else dflt. *from_env
 * (may be NULL) says which. */
uint64_t tern_simnet_seed_from_env(uint64_t dflt, bool *from_env);

/* Writes into buf (cap bytes, NUL-terminated, cut if needed) the command
 * that replays this seed: "bazel test <target> --test_env=TERN_SIM_SEED=
 * <seed> --test_filter=<filter>" (filter NULL: none). Returns buf. */
char *tern_simnet_replay_command(char *buf, size_t cap, const char *target,
                                 const char *filter, uint64_t seed);

/* ---- links ---- */

/* One direction's faults. Probabilities are in parts per million. */
typedef struct tern_simlink_config {
  uint16_t mtu;             /* longer packets: TERN_EMSGSIZE */
  uint16_t headroom;        /* reported in info, required of sent packets */
  uint16_t queue_limit;     /* in flight at most (1..64; 0: 64) */
  uint32_t bits_per_second; /* 0: no limit */
  uint32_t delay_ms;        /* fixed one-way delay */
  uint32_t jitter_ms;       /* plus uniform 0..jitter_ms */
  uint32_t loss_ppm;
  uint32_t corrupt_ppm;
  uint32_t duplicate_ppm;
  uint32_t reorder_ppm;
  uint32_t reorder_ms; /* the extra delay of a reordered packet */
} tern_simlink_config;

/* A perfect link: MTU 1500, no headroom, 64 in flight, no faults. */
#define TERN_SIMLINK_CONFIG_DEFAULT \
  { 1500, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/* What one direction did. Every packet sent is counted once as lost,
 * queue-dropped, or (with its duplicate, if it got one) delivered or still
 * in flight: sent + duplicated = queue_dropped + lost + delivered + in
 * flight. Corrupted and reordered copies are delivered too. */
typedef struct tern_simlink_stats {
  uint32_t sent;
  uint32_t queue_dropped;
  uint32_t lost;
  uint32_t corrupted;
  uint32_t reordered;
  uint32_t duplicated;
  uint32_t dup_no_buffer; /* a duplicate drawn, but no buffer or room */
  uint32_t delivered;
  uint32_t oversize; /* refused: longer than the MTU or short of headroom */
} tern_simlink_stats;

/* A packet on its way. */
typedef struct tern_simlink_slot {
  tern_pkt *pkt;
  uint64_t arrival_us; /* since the net's t0 */
} tern_simlink_slot;

/* One direction: its faults, what is in flight (by arrival), who waits. */
typedef struct tern_simlink_dir {
  tern_simlink_config cfg;
  tern_simlink_stats stats;
  tern_simlink_slot inflight[TERN_SIMLINK_MAX_INFLIGHT];
  uint16_t count;
  uint64_t busy_until_us; /* when the direction finishes sending */
  tern_waker_slot receiver;
  tern_timer timer; /* armed for the earliest arrival */
} tern_simlink_dir;

typedef struct tern_simlink_end {
  struct tern_simlink *link;
  uint8_t dir_out; /* 0: this end is A (sends A to B) */
  tern_netdev_stats stats;
} tern_simlink_end;

typedef struct tern_simlink {
  tern_simnet *net;
  uint16_t id;
  bool closed;
  tern_simlink_dir dir[2]; /* [0]: A to B, [1]: B to A */
  tern_simlink_end a;
  tern_simlink_end b;
} tern_simlink;

/* Sets up a link in net, both directions with cfg (copied). Returns 0, or
 * TERN_EINVAL for a queue_limit above 64 or delay_ms + jitter_ms +
 * reorder_ms above TERN_SIMLINK_MAX_DELAY_MS. */
int tern_simlink_init(tern_simlink *link, tern_simnet *net,
                      const tern_simlink_config *cfg);

/* Changes one direction's faults (dir 0: A to B, 1: B to A) from now on.
 * Returns 0 or TERN_EINVAL. */
int tern_simlink_configure(tern_simlink *link, int dir,
                           const tern_simlink_config *cfg);

/* The two ends as devices. */
tern_netdev tern_simlink_a(tern_simlink *link);
tern_netdev tern_simlink_b(tern_simlink *link);

/* A direction's counters. */
const tern_simlink_stats *tern_simlink_get_stats(const tern_simlink *link,
                                                 int dir);

/* Packets in flight in a direction. */
uint16_t tern_simlink_in_flight(const tern_simlink *link, int dir);

/* Frees everything in flight, cancels the timers and wakes every waiter;
 * afterwards sends free their packet and fail with TERN_ECLOSED and
 * receives return TERN_ECLOSED. */
void tern_simlink_close(tern_simlink *link);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SIMNET_H */
