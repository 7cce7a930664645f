/* SACK scoreboard and RFC 6675 loss recovery. See tcp_sack.h. */
#include "tern/tcp_sack.h"

#include <string.h>

#include "tern/tcp_seq.h"

void tern_tcp_sack_init(tern_tcp_scoreboard *sb) {
  memset(sb, 0, sizeof *sb);
}

void tern_tcp_sack_timeout(tern_tcp_scoreboard *sb, uint32_t una) {
  sb->count = 0;
  sb->high_rxt = una; /* nothing resent since the timer fired */
}

static void count_invalid(tern_tcp_scoreboard *sb) {
  if (sb->invalid < UINT16_MAX) {
    sb->invalid++;
  }
}

/* Drops what una acknowledged: whole ranges below it, the part of one
 * that straddles it. */
static void prune(tern_tcp_scoreboard *sb, uint32_t una) {
  unsigned keep = 0;
  for (unsigned i = 0; i < sb->count; i++) {
    tern_tcp_sack_block r = sb->range[i];
    if (tern_seq_le(r.right, una)) {
      continue;
    }
    if (tern_seq_lt(r.left, una)) {
      r.left = una;
    }
    sb->range[keep++] = r;
  }
  sb->count = (uint8_t)keep;
}

/* The octets of [a, b) not SACKed (a, b inside the window). */
static uint32_t unsacked(const tern_tcp_scoreboard *sb, uint32_t a,
                         uint32_t b) {
  uint32_t n = b - a;
  for (unsigned i = 0; i < sb->count; i++) {
    uint32_t lo = tern_seq_max(sb->range[i].left, a);
    uint32_t hi = tern_seq_min(sb->range[i].right, b);
    if (tern_seq_lt(lo, hi)) {
      n -= hi - lo;
    }
  }
  return n;
}

/* Records [left, right), already inside [una, snd_nxt]; returns the bytes
 * of it not SACKed before. The ranges it overlaps or touches (adjacent in
 * the ordered array) merge with it into one. */
static uint32_t insert(tern_tcp_scoreboard *sb, uint32_t left, uint32_t right) {
  uint32_t newly = unsacked(sb, left, right);
  unsigned i = 0;
  while (i < sb->count && tern_seq_lt(sb->range[i].right, left)) {
    i++; /* wholly below, not touching */
  }
  unsigned j = i;
  uint32_t l = left, r = right;
  while (j < sb->count && !tern_seq_gt(sb->range[j].left, right)) {
    const tern_tcp_sack_block *e = &sb->range[j++];
    l = tern_seq_min(l, e->left);
    r = tern_seq_max(r, e->right);
  }
  /* Ranges [i, j) become one at i, the n above move to follow it. */
  unsigned n = sb->count - j;
  if (i == j && sb->count == TERN_TCP_SACK_RANGES) {
    /* A new range and no room: forget the highest (see
     * TERN_TCP_SACK_RANGES), which may be this one. */
    if (sb->forgotten < UINT8_MAX) {
      sb->forgotten++;
    }
    if (n == 0) {
      return 0;
    }
    n--;
  }
  memmove(&sb->range[i + 1], &sb->range[j], n * sizeof sb->range[0]);
  sb->range[i].left = l;
  sb->range[i].right = r;
  sb->count = (uint8_t)(i + 1 + n);
  return newly;
}

uint32_t tern_tcp_sack_update(tern_tcp_scoreboard *sb, uint32_t una,
                              uint32_t snd_nxt,
                              const tern_tcp_sack_block *blocks, unsigned n) {
  prune(sb, una);
  uint32_t newly = 0;
  for (unsigned i = 0; i < n; i++) {
    uint32_t left = blocks[i].left, right = blocks[i].right;
    /* una <= left < right <= snd_nxt, each measured from una so that
     * nothing 2^31 away can pass. */
    if (!(left - una < right - una && right - una <= snd_nxt - una)) {
      count_invalid(sb);
      continue;
    }
    newly += insert(sb, left, right);
  }
  return newly;
}

bool tern_tcp_sack_is_sacked(const tern_tcp_scoreboard *sb, uint32_t seq) {
  for (unsigned i = 0; i < sb->count; i++) {
    const tern_tcp_sack_block *r = &sb->range[i];
    if (tern_seq_in_window(seq, r->left, r->right - r->left)) {
      return true;
    }
  }
  return false;
}

uint32_t tern_tcp_sack_sacked_bytes(const tern_tcp_scoreboard *sb) {
  uint32_t total = 0;
  for (unsigned i = 0; i < sb->count; i++) {
    total += sb->range[i].right - sb->range[i].left;
  }
  return total;
}

/* IsLost's rule, given what lies above: ranges and their bytes. */
static bool lost(unsigned ranges_above, uint32_t bytes_above, uint16_t smss) {
  return ranges_above >= TERN_TCP_DUPTHRESH ||
         bytes_above > (uint32_t)(TERN_TCP_DUPTHRESH - 1) * smss;
}

bool tern_tcp_sack_is_lost(const tern_tcp_scoreboard *sb, uint32_t seq,
                           uint16_t smss) {
  unsigned ranges = 0;
  uint32_t bytes = 0;
  for (unsigned i = 0; i < sb->count; i++) {
    const tern_tcp_sack_block *r = &sb->range[i];
    if (tern_seq_gt(r->right, seq + 1u)) {
      /* SACKed octets with numbers above seq. */
      bytes += r->right - tern_seq_max(r->left, seq + 1u);
    }
    if (tern_seq_gt(r->left, seq)) {
      ranges++;
    }
  }
  return lost(ranges, bytes, smss);
}

/* HighRxt + 1, or una when it lies outside (una, snd_nxt]: left behind
 * by an earlier recovery, it must not look ahead once the numbers wrap. */
static uint32_t rxt_end(const tern_tcp_scoreboard *sb, uint32_t una,
                        uint32_t snd_nxt) {
  return tern_seq_after_upto(sb->high_rxt, una, snd_nxt) ? sb->high_rxt : una;
}

/* The octets of the hole [a, b) below hr, retransmitted in this
 * recovery. */
static uint32_t retransmitted(uint32_t hr, uint32_t a, uint32_t b) {
  if (!tern_seq_lt(a, hr)) {
    return 0;
  }
  return tern_seq_min(b, hr) - a;
}

uint32_t tern_tcp_sack_pipe(const tern_tcp_scoreboard *sb, uint32_t una,
                            uint32_t snd_nxt, uint16_t smss) {
  uint32_t hr = rxt_end(sb, una, snd_nxt);
  uint32_t pipe = 0, start = una;
  for (unsigned i = 0; i < sb->count; i++) {
    const tern_tcp_sack_block *r = &sb->range[i];
    if (tern_seq_lt(start, r->left)) {
      /* The hole [start, r->left): lost or not as its first octet. */
      if (!tern_tcp_sack_is_lost(sb, start, smss)) {
        pipe += r->left - start;
      }
      pipe += retransmitted(hr, start, r->left);
    }
    start = r->right;
  }
  /* Above the highest range nothing is SACKed: not lost. */
  if (tern_seq_lt(start, snd_nxt)) {
    pipe += snd_nxt - start + retransmitted(hr, start, snd_nxt);
  }
  return pipe;
}

static uint32_t min_u32(uint32_t a, uint32_t b) {
  return a < b ? a : b;
}

tern_tcp_sack_rule tern_tcp_sack_next_seg(const tern_tcp_scoreboard *sb,
                                          uint32_t una, uint32_t snd_nxt,
                                          uint16_t smss, bool new_data,
                                          tern_tcp_sack_seg *seg) {
  /* Rules 1 and 3 look at unSACKed octets above HighRxt and below the
   * highest SACKed octet: the holes below the highest range. Lost-ness
   * only falls going up, so the first candidate hole decides. */
  uint32_t floor = rxt_end(sb, una, snd_nxt);
  uint32_t start = una;
  for (unsigned i = 0; i < sb->count; i++) {
    const tern_tcp_sack_block *r = &sb->range[i];
    uint32_t s = tern_seq_max(start, floor);
    if (tern_seq_lt(s, r->left)) {
      seg->seq = s;
      seg->len = min_u32(smss, r->left - s);
      if (tern_tcp_sack_is_lost(sb, s, smss)) {
        return seg->rule = TERN_TCP_SACK_LOST;
      }
      if (!new_data) {
        return seg->rule = TERN_TCP_SACK_UNSURE;
      }
      break;
    }
    start = r->right;
  }
  if (new_data) {
    seg->seq = snd_nxt;
    seg->len = smss;
    return seg->rule = TERN_TCP_SACK_NEW;
  }
  /* Rule 4, once per recovery: HighACK > RescueRxt. */
  if (!tern_seq_gt(una, sb->rescue_rxt)) {
    return TERN_TCP_SACK_NONE;
  }
  /* The highest unSACKed octet is end - 1. */
  uint32_t end = snd_nxt;
  if (sb->count > 0 && sb->range[sb->count - 1].right == snd_nxt) {
    end = sb->range[sb->count - 1].left;
  }
  if (!tern_seq_gt(end, una)) {
    return TERN_TCP_SACK_NONE;
  }
  seg->len = min_u32(smss, end - una);
  seg->seq = end - seg->len;
  return seg->rule = TERN_TCP_SACK_RESCUE;
}

void tern_tcp_sack_sent(tern_tcp_scoreboard *sb, const tern_tcp_cc *cc,
                        const tern_tcp_sack_seg *seg) {
  switch (seg->rule) {
    case TERN_TCP_SACK_LOST:
    case TERN_TCP_SACK_UNSURE:
      sb->high_rxt = tern_seq_max(sb->high_rxt, seg->seq + seg->len);
      break;
    case TERN_TCP_SACK_FIRST:
      /* Step (4.3): both at the end of what actually went, which may be
       * shorter than the segment tern_tcp_sack_ack planned (options take
       * room from the data). */
      sb->high_rxt = sb->rescue_rxt = seg->seq + seg->len;
      break;
    case TERN_TCP_SACK_RESCUE:
      sb->rescue_rxt = cc->recover + 1u; /* RescueRxt = RecoveryPoint */
      break;
    default: break;
  }
}

tern_tcp_cc_action tern_tcp_sack_ack(tern_tcp_cc *cc, tern_tcp_scoreboard *sb,
                                     const tern_tcp_sack_ack_info *a,
                                     tern_tcp_sack_seg *first) {
  bool advanced = tern_seq_gt(a->ack, a->una);
  uint32_t una = advanced ? a->ack : a->una;
  /* Nothing held and no blocks (every ACK while nothing is lost): no
   * Update(). */
  uint32_t newly =
      sb->count != 0 || a->block_count != 0
          ? tern_tcp_sack_update(sb, una, a->snd_nxt, a->blocks, a->block_count)
          : 0;
  tern_tcp_cc_action action = TERN_TCP_CC_NONE;
  if (advanced) {
    if (cc->in_recovery) {
      if (tern_seq_gt(una, cc->recover)) {
        /* (A): the end of recovery; cwnd stays at ssthresh. */
        cc->in_recovery = 0;
        cc->dupacks = 0;
        cc->acked_ca = 0;
        return TERN_TCP_CC_NONE;
      }
      return TERN_TCP_CC_SEND_NEW; /* (B), (C): pipe has shrunk */
    }
    /* Cumulative: DupAcks back to zero, cwnd grows (RFC 5681 3.1). */
    action = tern_tcp_cc_ack(cc, una, a->ack - a->una, a->snd_nxt - una);
  }
  bool dup = newly > 0 || (a->block_count == 0 && !advanced && a->dup_shape &&
                           a->snd_nxt != una);
  if (!dup) {
    return action;
  }
  if (cc->in_recovery) {
    return TERN_TCP_CC_SEND_NEW;
  }
  if (cc->dupacks < UINT8_MAX) {
    cc->dupacks++;
  }
  if (!tern_seq_gt(una, cc->recover)) {
    /* Data from before a timeout is still out: no recovery yet (RFC
     * 6675 5.1); tern_tcp_sack_next resends it, HighRxt marks how far. */
    return TERN_TCP_CC_SEND_NEW;
  }
  sb->high_rxt = una; /* step (3.1): HighRxt = HighACK */
  if (cc->dupacks < TERN_TCP_DUPTHRESH &&
      !tern_tcp_sack_is_lost(sb, una, cc->smss)) {
    return TERN_TCP_CC_SEND_NEW; /* step (3): limited transmit */
  }
  /* Step (4): fast retransmit, into recovery. */
  tern_tcp_cc_enter_recovery(cc, una, a->snd_nxt);
  uint32_t hole_end = a->snd_nxt;
  if (sb->count > 0 && sb->range[0].left != una) {
    hole_end = sb->range[0].left;
  }
  first->seq = una;
  first->len = min_u32(cc->smss, hole_end - una);
  first->rule = TERN_TCP_SACK_FIRST;
  /* (4.3): HighRxt and RescueRxt at its last octet. */
  sb->high_rxt = sb->rescue_rxt = una + first->len;
  return TERN_TCP_CC_RETRANSMIT;
}

/* NextSeg()'s rule 2 (new data), with room bytes that cwnd - pipe
 * allows: false when there is no new data or its segment does not fit. */
static bool new_seg(const tern_tcp_cc *cc, uint32_t snd_nxt, uint32_t new_avail,
                    uint32_t room, tern_tcp_sack_seg *seg) {
  if (new_avail == 0) {
    return false;
  }
  seg->seq = snd_nxt;
  seg->len = min_u32(cc->smss, new_avail);
  seg->rule = TERN_TCP_SACK_NEW;
  return seg->len <= room;
}

/* After a timeout (RFC 5681 3.1, RFC 6675 5.1): everything sent before
 * it (up to recover) and not SACKed since is taken as lost and resent
 * from SND.UNA in slow start, HighRxt marking how far; what is in the
 * network is what was resent or sent since and not SACKed. */
static bool next_after_timeout(const tern_tcp_cc *cc,
                               const tern_tcp_scoreboard *sb, uint32_t una,
                               uint32_t snd_nxt, uint32_t new_avail,
                               tern_tcp_sack_seg *seg) {
  uint32_t old_end = cc->recover + 1u; /* SND.NXT when the timer fired */
  uint32_t hr =
      tern_seq_after_upto(sb->high_rxt, una, old_end) ? sb->high_rxt : una;
  uint32_t pipe = unsacked(sb, una, hr) + unsacked(sb, old_end, snd_nxt);
  uint32_t room = cc->cwnd > pipe ? cc->cwnd - pipe : 0;
  /* The first octet at or above hr not SACKed, s, and the end of its hole
   * below old_end: the next range's left edge (the ranges are in order). */
  uint32_t s = hr, end = old_end;
  for (unsigned i = 0; i < sb->count; i++) {
    const tern_tcp_sack_block *r = &sb->range[i];
    if (tern_seq_lt(s, r->left)) {
      end = tern_seq_min(end, r->left);
      break;
    }
    s = tern_seq_max(s, r->right);
  }
  if (tern_seq_lt(s, old_end)) {
    seg->seq = s;
    seg->len = min_u32(cc->smss, end - s);
    seg->rule = TERN_TCP_SACK_LOST;
    return seg->len <= room;
  }
  return new_seg(cc, snd_nxt, new_avail, room, seg);
}

bool tern_tcp_sack_next(const tern_tcp_cc *cc, const tern_tcp_scoreboard *sb,
                        uint32_t una, uint32_t snd_nxt, uint32_t new_avail,
                        tern_tcp_sack_seg *seg) {
  if (!cc->in_recovery && !tern_seq_gt(una, cc->recover)) {
    return next_after_timeout(cc, sb, una, snd_nxt, new_avail, seg);
  }
  uint32_t pipe = (cc->in_recovery || cc->dupacks > 0)
                      ? tern_tcp_sack_pipe(sb, una, snd_nxt, cc->smss)
                      : snd_nxt - una;
  uint32_t room = cc->cwnd > pipe ? cc->cwnd - pipe : 0;
  if (!cc->in_recovery) {
    return new_seg(cc, snd_nxt, new_avail, room, seg);
  }
  if (room < cc->smss) {
    return false;
  }
  if (tern_tcp_sack_next_seg(sb, una, snd_nxt, cc->smss, new_avail > 0, seg) ==
      TERN_TCP_SACK_NONE) {
    return false;
  }
  if (seg->rule == TERN_TCP_SACK_NEW) {
    seg->len = min_u32(seg->len, new_avail);
  }
  return true;
}
