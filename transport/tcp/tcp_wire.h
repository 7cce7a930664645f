/* TCP segments over IPv4 and IPv6 (RFC 9293 section 3.1): parse and emit
 * the header and its options, no state.
 *
 *   0       2       4               8              12    13    14     16
 *   | sport | dport | sequence      | ack number   |doff |flags|window|
 *   | checksum | urgent | options (0..40 bytes) | data ...
 *
 * doff is the header's length in 32-bit words (5..15), in the high four
 * bits of byte 12; the flags are byte 13 (CWR ECE URG ACK PSH RST SYN
 * FIN). The checksum covers the pseudo-header of the IP layer (source,
 * destination, protocol 6, TCP length: IPv4's or IPv6's by the addresses'
 * family), the header and the data.
 *
 * Options (kind, length, value; RFC 9293 3.2):
 *
 *   kind len  what                               RFC     on
 *   0    -    end of the option list             9293    any
 *   1    -    no-operation (padding)             9293    any
 *   2    4    maximum segment size, 16 bits      9293    SYN only
 *   3    3    window scale shift, 0..14          7323    SYN only
 *   4    2    SACK permitted                     2018    SYN only
 *   5    2+8n SACK blocks (left, right), n 1..4  2018    any
 *   8    10   timestamps: value, echo reply      7323    any
 *
 * Checking: tern_tcp_check(buf, len, src, dst) takes the IP payload and
 * returns the header's length (20..60) or a negative tern_tcp_drop
 * reason; after a length, every accessor stays inside the buffer and the
 * data is the bytes after the header up to len. tern_tcp_repr_parse()
 * also walks the options: an option list that cannot be walked (a length
 * of 0 or 1, or an option running past the header) drops the segment,
 * since what follows cannot be told from garbage; an option that can be
 * stepped over but is wrong (a known kind with the wrong length, a
 * SYN-only option on another segment, a second copy, a SACK block whose
 * left edge is not before its right) is ignored and reported in the
 * repr's `ignored` bits for the caller to count; an unknown kind is
 * stepped over (RFC 9293 MUST-6) and reported the same way. A window
 * scale above 14 is used as 14 (RFC 7323 2.3) and reported. */
#ifndef TERN_TCP_WIRE_H
#define TERN_TCP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/checksum.h"
#include "tern/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_TCP_HEADER_LEN 20
#define TERN_TCP_MAX_OPTIONS_LEN 40
#define TERN_TCP_MAX_HEADER_LEN (TERN_TCP_HEADER_LEN + TERN_TCP_MAX_OPTIONS_LEN)

/* The flags byte (RFC 9293 3.1; CWR and ECE from RFC 3168). */
#define TERN_TCP_FIN 0x01u
#define TERN_TCP_SYN 0x02u
#define TERN_TCP_RST 0x04u
#define TERN_TCP_PSH 0x08u
#define TERN_TCP_ACK 0x10u
#define TERN_TCP_URG 0x20u
#define TERN_TCP_ECE 0x40u
#define TERN_TCP_CWR 0x80u

/* Option kinds. */
#define TERN_TCP_OPT_EOL 0
#define TERN_TCP_OPT_NOP 1
#define TERN_TCP_OPT_MSS 2
#define TERN_TCP_OPT_WSCALE 3
#define TERN_TCP_OPT_SACK_PERM 4
#define TERN_TCP_OPT_SACK 5
#define TERN_TCP_OPT_TIMESTAMP 8

/* The largest window shift (RFC 7323 2.3). */
#define TERN_TCP_MAX_WSCALE 14
/* The most SACK blocks one option holds (2 + 8 * 4 = 34 of the 40
 * bytes; 3 beside timestamps, RFC 2018 section 3). */
#define TERN_TCP_MAX_SACK 4

/* The MSS to assume when a SYN carries none (RFC 9293 3.7.1, MUST-15):
 * 576 - 40 over IPv4, 1280 - 60 over IPv6. */
#define TERN_TCP_DEFAULT_MSS4 536
/* The least MSS a peer may make us send with (Linux's tcp_min_snd_mss):
 * a peer announcing 0 or a few bytes would make every segment tiny, or
 * empty (CVE-2019-11479). */
#define TERN_TCP_MIN_MSS 48
#define TERN_TCP_DEFAULT_MSS6 1220

/* Why a received segment was dropped (negative; index stats by -reason). */
typedef enum tern_tcp_drop {
  TERN_TCP_DROP_NONE = 0,
  /* Shorter than the 20-byte header. */
  TERN_TCP_DROP_TRUNCATED = -1,
  /* Data offset below 5 words, or beyond the bytes received. */
  TERN_TCP_DROP_DATA_OFFSET = -2,
  /* The checksum does not verify. */
  TERN_TCP_DROP_CHECKSUM = -3,
  /* An option length of 0 or 1, or an option running past the header:
   * the rest of the list cannot be walked. */
  TERN_TCP_DROP_OPTION_LENGTH = -4,
  /* Source or destination port 0, which is no port (RFC 6335 6; RFC 9293
   * 3.1): nothing can answer it or be answered from it. */
  TERN_TCP_DROP_PORT = -5,
} tern_tcp_drop;

#define TERN_TCP_DROP_COUNT 6

/* Options stepped over or corrected in a segment that was accepted: bit
 * (1 << reason) of tern_tcp_opts.ignored; index stats by reason. */
typedef enum tern_tcp_opt_anomaly {
  /* A kind this layer does not know (stepped over by its length). */
  TERN_TCP_OPT_UNKNOWN = 0,
  /* A known kind with the wrong length for it (ignored). */
  TERN_TCP_OPT_BAD_LENGTH = 1,
  /* MSS, window scale or SACK-permitted on a segment without SYN
   * (ignored: RFC 9293 3.7.1, RFC 7323 2.2, RFC 2018 section 2). */
  TERN_TCP_OPT_NOT_SYN = 2,
  /* A second copy of a kind (ignored; the first counts). */
  TERN_TCP_OPT_DUPLICATE = 3,
  /* A SACK block whose left edge is not before its right edge (the
   * whole SACK option ignored). */
  TERN_TCP_OPT_BAD_SACK = 4,
  /* A window scale above 14, used as 14 (RFC 7323 2.3). */
  TERN_TCP_OPT_WSCALE_CLAMPED = 5,
} tern_tcp_opt_anomaly;

#define TERN_TCP_OPT_ANOMALY_COUNT 6

/* Which options a segment carries (tern_tcp_opts.present). */
#define TERN_TCP_HAS_MSS 0x01u
#define TERN_TCP_HAS_WSCALE 0x02u
#define TERN_TCP_HAS_SACK_PERM 0x04u
#define TERN_TCP_HAS_TIMESTAMP 0x08u
#define TERN_TCP_HAS_SACK 0x10u

/* One SACK block: the received bytes [left, right) (RFC 2018 section 3). */
typedef struct tern_tcp_sack_block {
  uint32_t left;
  uint32_t right;
} tern_tcp_sack_block;

/* The options of one segment, host order. Only the fields whose
 * TERN_TCP_HAS_* bit is set in `present` mean anything. */
typedef struct tern_tcp_opts {
  uint8_t present;    /* TERN_TCP_HAS_* */
  uint8_t ignored;    /* parse: 1 << tern_tcp_opt_anomaly, per kind seen */
  uint8_t wscale;     /* 0..14 */
  uint8_t sack_count; /* 1..4 with TERN_TCP_HAS_SACK */
  uint16_t mss;
  uint32_t ts_val;
  uint32_t ts_ecr;
  tern_tcp_sack_block sack[TERN_TCP_MAX_SACK];
} tern_tcp_opts;

/* A segment: its header fields, options and data. */
typedef struct tern_tcp_repr {
  uint16_t src_port;
  uint16_t dst_port;
  uint32_t seq;
  uint32_t ack;
  uint8_t flags;   /* TERN_TCP_* */
  uint16_t window; /* as on the wire: not scaled */
  uint16_t urgent;
  tern_tcp_opts opts;
  const uint8_t *payload; /* parse: points into the checked buffer */
  size_t payload_len;
} tern_tcp_repr;

/* The finished checksum over the pseudo-header of src's family (src, dst,
 * protocol 6, len) and the len bytes of the segment at buf. A received
 * segment verifies when it returns 0; a sender computes it with the
 * checksum field zeroed and stores it. */
uint16_t tern_tcp_sum(const uint8_t *buf, size_t len, const tern_ip_addr *src,
                      const tern_ip_addr *dst);

/* Checks buf[0..len), the payload of an IP datagram from src to dst (one
 * family): the length, the data offset, then the checksum. Returns the
 * header's length (20..60, options included) or a negative tern_tcp_drop
 * reason; reads nothing outside buf. Does not look at the options. */
int tern_tcp_check(const uint8_t *buf, size_t len, const tern_ip_addr *src,
                   const tern_ip_addr *dst);

/* Walks the options at p[0..len) (the header after its 20 bytes) into
 * *out, which it clears first. syn: whether the segment has SYN (the
 * SYN-only kinds are ignored otherwise). Returns 0, with anything stepped
 * over in out->ignored, or TERN_TCP_DROP_OPTION_LENGTH. */
int tern_tcp_options_parse(tern_tcp_opts *out, const uint8_t *p, size_t len,
                           bool syn);

/* tern_tcp_check(), then the header fields and tern_tcp_options_parse()
 * into *out; out->payload points into buf. Returns 0 or a tern_tcp_drop
 * reason (*out is then unspecified). */
int tern_tcp_repr_parse(tern_tcp_repr *out, const uint8_t *buf, size_t len,
                        const tern_ip_addr *src, const tern_ip_addr *dst);

/* The bytes tern_tcp_options_emit() writes for o (a multiple of 4), or
 * TERN_EINVAL when they would not fit in 40 bytes or a value is out of
 * its range (a window scale above 14, a SACK count above 4). */
int tern_tcp_options_len(const tern_tcp_opts *o);

/* Writes the options o->present names at p, in the order and with the
 * padding Linux uses, every option on a 4-byte boundary:
 *   MSS; SACK-permitted with timestamps (4,2,8,10,...) or NOP NOP and
 *   timestamps; NOP NOP and SACK-permitted when there are no timestamps;
 *   NOP and window scale; NOP NOP and the SACK blocks.
 * p must have tern_tcp_options_len(o) bytes, which is what it returns
 * (or that function's TERN_EINVAL, writing nothing). `ignored` is not
 * used. */
int tern_tcp_options_emit(const tern_tcp_opts *o, uint8_t *p);

/* tern_tcp_options_emit() for options tern_tcp_options_len() has already
 * accepted: the same bytes, not measured again (tern_tcp_repr_emit needs
 * the length before it writes anything). */
void tern__tcp_options_put(const tern_tcp_opts *o, uint8_t *p);

/* Writes the segment for r, from src to dst, at buf: the header with its
 * options, the data after it (moved with memmove unless r->payload already
 * is where it goes, as when the caller wrote it in place), and the
 * checksum. Returns the segment's length, TERN_EINVAL for options that do
 * not fit (see tern_tcp_options_len), TERN_ENOSPC when the segment would
 * not fit in cap, or TERN_EMSGSIZE when it would not fit in an IPv4
 * datagram. */
int tern_tcp_repr_emit(const tern_tcp_repr *r, const tern_ip_addr *src,
                       const tern_ip_addr *dst, uint8_t *buf, size_t cap);

/* tern_tcp_repr_emit() for r whose options tern_tcp_options_len() has
 * already measured: olen is what it returned (a negative one is returned
 * as is). The same bytes and results, without measuring them again (TCP
 * output measures its header's options once for every segment it
 * builds). */
int tern__tcp_repr_put(const tern_tcp_repr *r, int olen,
                       const tern_ip_addr *src, const tern_ip_addr *dst,
                       uint8_t *buf, size_t cap);

/* What a handshake settled (RFC 9293 3.7.1, RFC 7323 2.2 and 3.2, RFC
 * 2018 2): each side's SYN offers options and an option is in force only
 * when both offered it. */
typedef struct tern_tcp_negotiated {
  uint16_t mss;       /* the largest segment to send: the peer's MSS (or the
                         family's default) capped by our own, and at least
                         TERN_TCP_MIN_MSS */
  uint8_t snd_shift;  /* scales the windows the peer sends: its shift */
  uint8_t rcv_shift;  /* scales the windows we send: ours */
  uint8_t sack;       /* both sent SACK-permitted */
  uint8_t timestamps; /* both sent timestamps */
} tern_tcp_negotiated;

/* The outcome of a handshake in which we sent ours and the peer sent
 * theirs (the options of the two SYNs, as parsed or as emitted). Window
 * scaling is in force only when both sent the option (else both shifts
 * are 0); our_mss caps the MSS (0: no cap). */
void tern_tcp_negotiate(const tern_tcp_opts *ours, const tern_tcp_opts *theirs,
                        tern_ip_family family, uint16_t our_mss,
                        tern_tcp_negotiated *out);

/* The options of a SYN-ACK answering a SYN with options syn, when we would
 * offer want: MSS always (RFC 9293 3.7.1, MUST-14 asks it be sent);
 * window scale, SACK-permitted and timestamps only if the SYN carried
 * them (RFC 7323 2.2 and 3.2, RFC 2018 2); the timestamp echo is the
 * SYN's value. */
void tern_tcp_synack_opts(const tern_tcp_opts *want, const tern_tcp_opts *syn,
                          tern_tcp_opts *out);

/* The sequence numbers a segment occupies, RFC 9293's SEG.LEN (3.4): its
 * data, plus one for SYN and one for FIN. */
static inline uint32_t tern_tcp_seg_len(unsigned flags, size_t payload_len) {
  return (uint32_t)payload_len + ((flags & TERN_TCP_SYN) != 0) +
         ((flags & TERN_TCP_FIN) != 0);
}

/* The MSS to announce on an interface with this MTU (RFC 9293 3.7.1, RFC
 * 6691): the MTU less the fixed IP and TCP headers (20 + 20 for IPv4, 40
 * + 20 for IPv6); 0 for an MTU too small for the headers. */
static inline uint16_t tern_tcp_mss_for_mtu(unsigned mtu,
                                            tern_ip_family family) {
  unsigned headers = (family == TERN_IP_V6 ? 40u : 20u) + TERN_TCP_HEADER_LEN;
  if (mtu <= headers) {
    return 0;
  }
  return (uint16_t)(mtu - headers > 0xffffu ? 0xffffu : mtu - headers);
}

/* What the receive path saw, by outcome: every segment lands in exactly
 * one of accepted and drop[-reason] (drop[0] stays 0), and each accepted
 * segment adds one to option[a] for each anomaly a it had. */
typedef struct tern_tcp_rx_stats {
  uint32_t accepted;
  uint32_t drop[TERN_TCP_DROP_COUNT];
  uint32_t option[TERN_TCP_OPT_ANOMALY_COUNT];
} tern_tcp_rx_stats;

/* Counts one result of tern_tcp_repr_parse(): rc and, when it is 0, the
 * options' anomalies (o may be NULL then). */
void tern_tcp_rx_count(tern_tcp_rx_stats *s, int rc, const tern_tcp_opts *o);

/* The name of a tern_tcp_drop reason, or of a tern_tcp_opt_anomaly;
 * "unknown" otherwise. */
const char *tern_tcp_drop_name(int reason);
const char *tern_tcp_opt_anomaly_name(int anomaly);

/* Accessors, valid after tern_tcp_check(buf, len, ...) returned a length.
 * (p[0] * 256 + p[1], as udp_wire.h explains.) */
static inline uint16_t tern_tcp_src_port(const uint8_t *p) {
  return (uint16_t)(p[0] * 256u + p[1]);
}
static inline uint16_t tern_tcp_dst_port(const uint8_t *p) {
  return (uint16_t)(p[2] * 256u + p[3]);
}
static inline uint32_t tern_tcp_seq(const uint8_t *p) {
  return (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 |
         p[7];
}
static inline uint32_t tern_tcp_ack(const uint8_t *p) {
  return (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 |
         p[11];
}
/* The header's length in bytes: the data offset times 4. */
static inline unsigned tern_tcp_header_len(const uint8_t *p) {
  return (p[12] >> 4) * 4u;
}
static inline uint8_t tern_tcp_flags(const uint8_t *p) {
  return p[13];
}
static inline uint16_t tern_tcp_window(const uint8_t *p) {
  return (uint16_t)(p[14] * 256u + p[15]);
}
static inline uint16_t tern_tcp_checksum(const uint8_t *p) {
  return (uint16_t)(p[16] * 256u + p[17]);
}
static inline uint16_t tern_tcp_urgent(const uint8_t *p) {
  return (uint16_t)(p[18] * 256u + p[19]);
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_TCP_WIRE_H */
