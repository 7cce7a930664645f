/* SACK-based loss recovery (RFC 6675) for a sender whose peer permitted
 * SACK (RFC 2018): a scoreboard of what the peer reported holding, and
 * the recovery that runs on it beside NewReno's congestion window
 * (tern/tcp_cc.h).
 *
 * The scoreboard keeps at most TERN_TCP_SACK_RANGES disjoint SACKed
 * ranges inside the caller's struct, in ascending order, none touching
 * another, all within [SND.UNA, SND.NXT]. Everything between them (and
 * from the highest to SND.NXT) is a hole: data sent and not reported.
 *
 * RFC 6675's names, and how they are kept here (sequence numbers wrap,
 * tern/tcp_seq.h):
 *
 *   HighACK       SND.UNA - 1 (the caller passes SND.UNA)
 *   HighData      SND.NXT - 1 (the caller passes SND.NXT)
 *   HighRxt       high_rxt - 1 (one past the highest octet retransmitted)
 *   RescueRxt     rescue_rxt - 1
 *   RecoveryPoint tern_tcp_cc.recover (already RFC 6582's highest
 *                 sequence sent, the same number)
 *   DupAcks       tern_tcp_cc.dupacks
 *   DupThresh     TERN_TCP_DUPTHRESH (3)
 *
 * IsLost(S): DupThresh or more SACKed ranges lie above S, or more than
 * (DupThresh - 1) * SMSS SACKed bytes do. A range counts as one of the
 * RFC's "discontiguous SACKed sequences": with at most four ranges the
 * bytes rule decides most cases. Both are the same for every octet of a
 * hole, so Pipe and NextSeg walk holes, not octets.
 *
 * Pure arithmetic over caller storage: no heap, no clock, no executor. */
#ifndef TERN_TCP_SACK_H
#define TERN_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/tcp_cc.h"
#include "tern/tcp_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How many SACKed ranges the scoreboard remembers. A fifth disjoint
 * range forgets the highest one (counted in `forgotten`): its data then
 * looks unreported, which costs at most a needless retransmission, never
 * a lost byte. Merging two ranges instead would mark the hole between
 * them as received and never resend it. */
#ifndef TERN_TCP_SACK_RANGES
#define TERN_TCP_SACK_RANGES 4
#endif
#if TERN_TCP_SACK_RANGES < 1 || TERN_TCP_SACK_RANGES > 255
#error "TERN_TCP_SACK_RANGES must be 1..255"
#endif

/* RFC 6675 2 (DupThresh), RFC 5681 3.2: three duplicate ACKs. */
#define TERN_TCP_DUPTHRESH 3

typedef struct tern_tcp_scoreboard {
  tern_tcp_sack_block range[TERN_TCP_SACK_RANGES]; /* [left, right) */
  uint32_t high_rxt;                               /* HighRxt + 1 */
  uint32_t rescue_rxt;                             /* RescueRxt + 1 */
  uint8_t count;                                   /* ranges in use */
  uint8_t forgotten; /* ranges forgotten for lack of room (saturates) */
  uint16_t invalid;  /* SACK blocks refused (saturates): empty, reversed,
                        below SND.UNA (and D-SACK, RFC 2883, unused) or
                        past SND.NXT */
} tern_tcp_scoreboard;

/* Empty, counters zero; high_rxt and rescue_rxt 0 until tern_tcp_sack_ack
 * sets them (a caller of pipe or next_seg alone sets them itself). */
void tern_tcp_sack_init(tern_tcp_scoreboard *sb);

/* RFC 6675's Update(): forget what SND.UNA una has cumulatively
 * acknowledged, then record each of the n blocks (as parsed from the
 * segment, tern_tcp_opts.sack) that lies within [una, snd_nxt]; a block
 * outside is refused whole and counted in `invalid` (RFC 2018 and RFC
 * 5961's spirit: a peer cannot make us believe it holds what we never
 * sent). Returns the bytes the ACK newly SACKed: >0 makes it a duplicate
 * ACK for RFC 6675. blocks may be NULL when n is 0. */
uint32_t tern_tcp_sack_update(tern_tcp_scoreboard *sb, uint32_t una,
                              uint32_t snd_nxt,
                              const tern_tcp_sack_block *blocks, unsigned n);

/* Whether the octet seq is inside a SACKed range. */
bool tern_tcp_sack_is_sacked(const tern_tcp_scoreboard *sb, uint32_t seq);

/* Bytes in all SACKed ranges. */
uint32_t tern_tcp_sack_sacked_bytes(const tern_tcp_scoreboard *sb);

/* RFC 6675's IsLost(seq) for segments of smss bytes. */
bool tern_tcp_sack_is_lost(const tern_tcp_scoreboard *sb, uint32_t seq,
                           uint16_t smss);

/* RFC 6675's SetPipe(): the octets of [una, snd_nxt) thought to be in
 * the network: each octet not SACKed and not lost counts once, each
 * retransmitted one (below high_rxt) once more. */
uint32_t tern_tcp_sack_pipe(const tern_tcp_scoreboard *sb, uint32_t una,
                            uint32_t snd_nxt, uint16_t smss);

/* Which of RFC 6675 4's NextSeg() rules chose a segment. */
typedef enum tern_tcp_sack_rule {
  TERN_TCP_SACK_NONE = 0,
  TERN_TCP_SACK_LOST = 1,   /* rule 1: the first lost hole above HighRxt */
  TERN_TCP_SACK_NEW = 2,    /* rule 2: new data at SND.NXT */
  TERN_TCP_SACK_UNSURE = 3, /* rule 3: a hole not yet thought lost */
  TERN_TCP_SACK_RESCUE = 4, /* rule 4: the rescue retransmission */
  TERN_TCP_SACK_FIRST = 5,  /* step (4.3): the segment at SND.UNA that
                               starts recovery */
} tern_tcp_sack_rule;

/* A segment to send: seq, len bytes. */
typedef struct tern_tcp_sack_seg {
  uint32_t seq;
  uint32_t len;
  tern_tcp_sack_rule rule;
} tern_tcp_sack_seg;

/* RFC 6675's NextSeg(): the next segment of up to smss bytes, or
 * TERN_TCP_SACK_NONE. new_data: the caller has data not yet sent and the
 * peer's window takes it (rule 2: seg->len is then smss, the caller cuts
 * it to what it has). Retransmissions never reach into a SACKed range,
 * except the rescue, which ends at the highest unSACKed octet and may
 * start below it. */
tern_tcp_sack_rule tern_tcp_sack_next_seg(const tern_tcp_scoreboard *sb,
                                          uint32_t una, uint32_t snd_nxt,
                                          uint16_t smss, bool new_data,
                                          tern_tcp_sack_seg *seg);

/* What an ACK carried, for tern_tcp_sack_ack. */
typedef struct tern_tcp_sack_ack_info {
  uint32_t una;     /* SND.UNA before this ACK */
  uint32_t ack;     /* SEG.ACK, already found acceptable (RFC 5961 5.2) */
  uint32_t snd_nxt; /* SND.NXT */
  const tern_tcp_sack_block *blocks; /* its SACK option's blocks */
  uint8_t block_count;               /* how many: 0 without the option */
  bool dup_shape; /* RFC 5681 2's (b), (c), (e): no data, neither SYN nor
                     FIN, no window update; decides only when the ACK
                     has no SACK option */
} tern_tcp_sack_ack_info;

/* An ACK on a connection that uses SACK recovery (RFC 6675 5) in place
 * of tern_tcp_cc_ack/tern_tcp_cc_dupack. It updates the scoreboard; an
 * ACK that acknowledges new data outside recovery grows cwnd through
 * tern_tcp_cc_ack; a duplicate ACK (one that newly SACKs data, or
 * RFC 5681's duplicate when it carries no SACK option) counts in
 * cc->dupacks, and the third (or IsLost(SND.UNA) sooner) starts
 * recovery, unless SND.UNA has not passed cc->recover (RFC 6675 5.1):
 * ssthresh = cwnd = max(FlightSize / 2, 2 SMSS), recover = SND.NXT - 1,
 * and the answer is TERN_TCP_CC_RETRANSMIT with *first the segment at
 * SND.UNA to send now (recorded as retransmitted already). A cumulative
 * ACK past recover ends recovery (cwnd stays ssthresh).
 * TERN_TCP_CC_SEND_NEW means: run tern_tcp_sack_next. */
tern_tcp_cc_action tern_tcp_sack_ack(tern_tcp_cc *cc, tern_tcp_scoreboard *sb,
                                     const tern_tcp_sack_ack_info *a,
                                     tern_tcp_sack_seg *first);

/* The sender's next segment under cwnd (call it until it says false,
 * sending each and reporting it with tern_tcp_sack_sent). una, snd_nxt:
 * SND.UNA and SND.NXT now; new_avail: bytes not yet sent that the peer's
 * window takes. Outside recovery: new data while it fits in cwnd less
 * what is in flight (less pipe after duplicate ACKs: limited transmit,
 * RFC 6675 5 step 3). In recovery: while cwnd - pipe is at least an SMSS,
 * NextSeg's choice (RFC 6675 5 step C). After a timeout, until SND.UNA
 * passes recover: the data sent before it and not SACKed, from SND.UNA
 * up, then new data, while it fits in cwnd less what was sent since and
 * not SACKed (see tern_tcp_sack_timeout). */
bool tern_tcp_sack_next(const tern_tcp_cc *cc, const tern_tcp_scoreboard *sb,
                        uint32_t una, uint32_t snd_nxt, uint32_t new_avail,
                        tern_tcp_sack_seg *seg);

/* seg went out: rules 1 and 3 raise HighRxt to its end; the rescue sets
 * RescueRxt to recover (RFC 6675 4 and 5 step C.2); the first segment of
 * a recovery (TERN_TCP_SACK_FIRST) sets HighRxt and RescueRxt to its end
 * (step 4.3), so a caller that could send less than tern_tcp_sack_ack
 * planned reports what went. New data moves SND.NXT, which is the
 * caller's. */
void tern_tcp_sack_sent(tern_tcp_scoreboard *sb, const tern_tcp_cc *cc,
                        const tern_tcp_sack_seg *seg);

/* The retransmission timer expired, SND.UNA una: forget every SACKed
 * range (RFC 2018 8: the receiver may have discarded them), counters
 * kept, and nothing resent yet. Call it beside tern_tcp_cc_timeout,
 * which ends recovery, sets cwnd to one segment and recover to SND.NXT -
 * 1. Until SND.UNA passes recover no recovery starts (RFC 6675 5.1) and
 * tern_tcp_sack_next resends what was outstanding from SND.UNA in slow
 * start, skipping what the peer SACKs meanwhile (RFC 6675 5.1 asks to use
 * it): its first segment is the timer's retransmission (RFC 6298 5.4). */
void tern_tcp_sack_timeout(tern_tcp_scoreboard *sb, uint32_t una);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TCP_SACK_H */
