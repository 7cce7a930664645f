/* The DNS message format for a stub resolver (RFC 1035 section 4): build a
 * query for one A or AAAA question, and read the answer to it safely. No
 * state, no heap: the caller owns every buffer.
 *
 *   uint8_t q[TERN_DNS_QUERY_MAX];
 *   int qlen = tern_dns_query_build(q, sizeof q, "peer.test",
 *                                   TERN_DNS_TYPE_A, &rng);
 *   ...send q, receive msg...
 *   tern_dns_answer ans;
 *   tern_ip_addr addrs[4];
 *   int r = tern_dns_parse(q, qlen, msg, len, &ans, addrs, 4);
 *   // r >= -TERN_DNS_DROP_QUESTION (< 0): not the answer to q: ignore it,
 *   //   keep waiting; r below that: q's answer, malformed: another server
 *   // r == TERN_DNS_OK: ans.n_addrs addresses in addrs, ans.ttl seconds
 *   // r == TERN_DNS_NXDOMAIN / _NODATA: ans.ttl is the negative TTL
 *   // r == TERN_DNS_TRUNCATED: ask again over TCP
 *   // r == TERN_DNS_SERVER_ERROR: ans.rcode says which; try another server
 *
 * The query is the key: tern_dns_parse takes the ID, the name and the type
 * to match from the bytes that were sent, so a resolver keeps nothing but
 * its query buffer.
 *
 * Safety (RFC 9267): every read is checked against len before it is made.
 * The question is compared with the query's byte for byte (ASCII case
 * aside), never walked: as the message's first name it can hold no valid
 * compression pointer, so a valid one is the query's bytes. Every other
 * name is walked label by label; a compression pointer must point
 * strictly before the first byte of the run of labels it ends (so it
 * points backwards, can never loop, and never lands at or past the end of
 * the message) and not into the 12-byte header; label lengths above 63
 * (including the reserved 0x40 and 0x80 forms) and names longer than 255
 * bytes in their uncompressed wire form are refused. Every record of every
 * section is walked before any is used, so counts that claim more records
 * than the message holds, and records cut short, refuse the whole message;
 * each RDATA must lie inside the message and be exactly the size of its
 * type (A 4, AAAA 16, CNAME one name, SOA two names and 20 bytes). Bytes
 * after the last counted record are ignored. */
#ifndef TERN_DNS_WIRE_H
#define TERN_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/hal_rng.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_DNS_PORT 53
#define TERN_DNS_HDR_LEN 12u
/* Label and name limits (RFC 1035 2.3.4): a name's uncompressed wire form
 * (length bytes, labels and the root's zero) is at most 255 bytes. */
#define TERN_DNS_MAX_LABEL 63u
#define TERN_DNS_MAX_NAME 255u
/* The most compression pointers one name may take: a name of 255 bytes has
 * at most 127 labels, and a compressor points once to each suffix at most.
 * Without a bound a chain of pointers to pointers, each two bytes below the
 * last, walks a step per two bytes of the message for every name through
 * it (quadratic in a long TCP answer). */
#define TERN_DNS_MAX_JUMPS 128u
/* The largest query tern_dns_query_build writes: header, name, type and
 * class. */
#define TERN_DNS_QUERY_MAX (TERN_DNS_HDR_LEN + TERN_DNS_MAX_NAME + 4u)
/* What a UDP answer may be without EDNS (RFC 1035 4.2.1); longer ones come
 * with TC set. */
#define TERN_DNS_UDP_MAX 512u

/* The CNAMEs followed from the question's name before an answer is
 * refused as a loop (TERN_DNS_DROP_CHAIN). */
#ifndef TERN_DNS_MAX_CNAME
#define TERN_DNS_MAX_CNAME 8
#endif

/* Record types and the class used (RFC 1035 3.2.2, RFC 3596). */
enum {
  TERN_DNS_TYPE_A = 1,
  TERN_DNS_TYPE_NS = 2,
  TERN_DNS_TYPE_CNAME = 5,
  TERN_DNS_TYPE_SOA = 6,
  TERN_DNS_TYPE_AAAA = 28,
  TERN_DNS_CLASS_IN = 1,
};

/* Header RCODEs (RFC 1035 4.1.1). */
enum {
  TERN_DNS_RCODE_NOERROR = 0,
  TERN_DNS_RCODE_FORMERR = 1,
  TERN_DNS_RCODE_SERVFAIL = 2,
  TERN_DNS_RCODE_NXDOMAIN = 3,
  TERN_DNS_RCODE_NOTIMP = 4,
  TERN_DNS_RCODE_REFUSED = 5,
};

/* What an answer to the query says (tern_dns_parse's non-negative
 * returns; the cache stores the first three). */
typedef enum tern_dns_result {
  TERN_DNS_OK = 0,           /* addresses of the type asked for */
  TERN_DNS_NXDOMAIN = 1,     /* the name does not exist (RFC 2308 2.1) */
  TERN_DNS_NODATA = 2,       /* it exists but has no such records (2.2) */
  TERN_DNS_TRUNCATED = 3,    /* TC set: ask again over TCP (RFC 7766) */
  TERN_DNS_SERVER_ERROR = 4, /* SERVFAIL, REFUSED, FORMERR, NOTIMP...;
                                or a referral: NOERROR, no data, NS and
                                no SOA in the authority section (RFC
                                2308 2.2), from a server that did not
                                recurse */
} tern_dns_result;

/* Why a message is not an acceptable answer to the query (negated:
 * tern_dns_parse returns -reason), counted by reason. The first four say
 * it is not the answer to this query (not an answer, another ID, another
 * question, or one the message ends in): a resolver ignores it and keeps
 * waiting (RFC 5452: it may be stray or spoofed). The others come after
 * the ID and the question matched: the server's answer, malformed, which
 * waiting will not mend; a resolver takes it as that server failing.
 * They start at 2: -1 is TERN_EINVAL, what tern_dns_parse and
 * tern_dns_tcp_length return for a bad argument, which a caller can so
 * tell from a short message (before branch dnssize33, _SHORT was 1, the
 * same value). */
typedef enum tern_dns_drop {
  TERN_DNS_DROP_SHORT = 2,      /* shorter than the header */
  TERN_DNS_DROP_NOT_ANSWER,     /* QR clear, or an opcode other than QUERY */
  TERN_DNS_DROP_ID,             /* not the query's ID */
  TERN_DNS_DROP_QUESTION,       /* not one question, or not the query's
                                   (also when the message ends in it) */
  TERN_DNS_DROP_TRUNCATED,      /* a name or record runs past the end, or
                                   the counts claim more than is there */
  TERN_DNS_DROP_LABEL,          /* a label length above 63 (or 0x40/0x80) */
  TERN_DNS_DROP_NAME_LONG,      /* a name over 255 bytes uncompressed */
  TERN_DNS_DROP_POINTER,        /* a pointer not strictly backwards: forward,
                                   to itself, a loop, past the end; or a
                                   name's pointer past TERN_DNS_MAX_JUMPS */
  TERN_DNS_DROP_POINTER_HEADER, /* a pointer into the 12-byte header */
  TERN_DNS_DROP_RDLENGTH,       /* RDATA not the size of its type */
  TERN_DNS_DROP_CHAIN,          /* more than TERN_DNS_MAX_CNAME CNAMEs */
  TERN_DNS_DROP_COUNT
} tern_dns_drop;

/* The answer, as tern_dns_parse reads it. */
typedef struct tern_dns_answer {
  /* Seconds it may be cached. TERN_DNS_OK: the least TTL of the CNAMEs
   * followed and the addresses (all of them, stored or not).
   * TERN_DNS_NXDOMAIN, _NODATA: the negative TTL, the lesser of the
   * authority section's SOA TTL and its MINIMUM field (RFC 2308 5), or 0
   * when there is no SOA (do not cache); no more than the TTL of a CNAME
   * followed to the name it is about. TTLs with the top bit set count as
   * 0 (RFC 2181 8). */
  uint32_t ttl;
  uint16_t n_found; /* address records found for the name */
  uint8_t n_addrs;  /* of them stored in addrs (at most the cap given,
                       and at most 255) */
  uint8_t cnames;   /* CNAMEs followed */
  uint8_t rcode;    /* the header's RCODE */
} tern_dns_answer;

/* Builds a recursive query (RD set, one question, class IN) for name in
 * buf: a fresh 16-bit ID from rng in its first two bytes, then the
 * header, the name and qtype (TERN_DNS_TYPE_A or _AAAA).
 *
 * name is a fully qualified name as text, with or without the final dot
 * ("peer.test", "peer.test."): no search list is applied, and its bytes
 * go on the wire as they are (no escapes, no IDNA): any byte but '.' and
 * NUL is part of a label. Returns the length written, or TERN_EINVAL for
 * a NULL buf or rng, a bad name (NULL, empty, an empty label, a label over
 * 63 bytes, over 255 bytes on the wire) or qtype, TERN_EAFNOSUPPORT for
 * AAAA in an IPv4-only build (ip/addr), TERN_ENOSPC when cap is too small
 * (TERN_DNS_QUERY_MAX always fits), or the rng's error. (A NULL rng was
 * called through before branch dnssize33.) */
int tern_dns_query_build(uint8_t *buf, size_t cap, const char *name,
                         unsigned qtype, const tern_rng *rng);

/* Reads msg (len bytes) as the answer to query (qlen bytes, as
 * tern_dns_query_build wrote it; over TCP, both without their length
 * prefix). Checks, in this order: the header (QR set, opcode QUERY), the
 * ID, the one question (name compared without regard to ASCII case,
 * type, class); then the TC bit (TERN_DNS_TRUNCATED: nothing else is
 * read); then walks every record of every section (RFC 9267, above); then
 * the RCODE, and for NOERROR follows the CNAMEs from the question's name
 * in the answer section and keeps the records of the query's type at the
 * end of the chain (for NXDOMAIN, which is about the chain's end, it
 * follows the CNAMEs only, for their TTLs).
 *
 * Returns a tern_dns_result (>= 0) with *ans filled and up to cap (at most
 * 255) addresses in addrs (family TERN_IP_V4 or TERN_IP_V6); or -tern_dns_drop
 * when msg is not an acceptable answer (then *ans is unspecified), or
 * TERN_EINVAL when query or msg is NULL or query is not a query
 * tern_dns_query_build could have written (no tern_dns_drop has its
 * value). ans and addrs, where the results go, are not
 * checked: ans must point at an answer and addrs at cap addresses. */
int tern_dns_parse(const uint8_t *query, size_t qlen, const uint8_t *msg,
                   size_t len, tern_dns_answer *ans, tern_ip_addr *addrs,
                   size_t cap);

/* DNS over TCP (RFC 1035 4.2.2, RFC 7766 8): each message is preceded by
 * its length as two bytes. tern_dns_tcp_prefix writes the length of a
 * message of len bytes (which starts at buf + 2) into buf[0..1]; returns
 * len + 2, what to send, or TERN_EMSGSIZE when len is over 65535. buf is
 * not checked: it must hold the len + 2 bytes, which no capacity given
 * here could tell (a NULL buf is one more that does not). */
int tern_dns_tcp_prefix(uint8_t *buf, size_t len);

/* Given the first have bytes received on the connection, returns the
 * length of the message they start (the bytes from buf + 2) once the
 * prefix is in, 0 while have < 2, or -TERN_DNS_DROP_SHORT when the length
 * is below a header's (the connection is then of no use); TERN_EINVAL for
 * a NULL buf. The message is complete when have >= 2 + the length. */
int tern_dns_tcp_length(const uint8_t *buf, size_t have);

/* Internal (the cache's too): whether the n bytes at a and at b are the
 * same, ASCII case aside (RFC 4343): labels and names as text. Its callers
 * have checked what they pass: a and b must each hold n readable bytes
 * (nothing is checked here; NULL only with n 0). */
bool tern__dns_same_text(const void *a, const void *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DNS_WIRE_H */
