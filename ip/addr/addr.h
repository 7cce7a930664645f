/* IPv4 and IPv6 addresses and endpoints: the network types every layer and
 * application shares. Text parsing and formatting, no dependencies beyond
 * the error codes, no heap.
 *
 * Addresses are stored in network byte order as byte arrays, so they can be
 * copied straight to and from packet headers. */
#ifndef TERN_ADDR_H
#define TERN_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/err.h"

/* TERN_CONFIG_IPV6: 1 (the default) for a stack that may carry IPv6, 0 for
 * an IPv4-only build. Set by the build for every target that uses this
 * header (`--config=ipv4only`, or tern_binary's `ipv4_only`: see
 * README.md), so all of a firmware agrees on it. With 0, a tern_ip_addr
 * has room for 4 bytes only, and everything that is given an IPv6 address
 * or endpoint (parsing one, binding, connecting, sending) refuses it with
 * TERN_EAFNOSUPPORT. */
#ifndef TERN_CONFIG_IPV6
#define TERN_CONFIG_IPV6 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_ipv4_addr {
  uint8_t b[4];
} tern_ipv4_addr;

typedef struct tern_ipv6_addr {
  uint8_t b[16];
} tern_ipv6_addr;

typedef enum tern_ip_family {
  TERN_IP_NONE = 0,
  TERN_IP_V4 = 4,
  TERN_IP_V6 = 6,
} tern_ip_family;

/* Protocol numbers (IANA "protocol-numbers"): IPv4's protocol field and
 * IPv6's next header. */
#define TERN_IP_PROTO_ICMP 1
#define TERN_IP_PROTO_TCP 6
#define TERN_IP_PROTO_UDP 17
#define TERN_IP_PROTO_ICMPV6 58

/* The most bytes an address of a supported family has. */
#if TERN_CONFIG_IPV6
#define TERN_IP_ADDR_MAX_LEN 16
#else
#define TERN_IP_ADDR_MAX_LEN 4
#endif

/* An address of either family. The address is word-aligned (w), so that
 * the stack copies and compares it a word at a time: an IPv4 address is
 * w[0], an IPv6 address w[0..3], each word the address's bytes in memory
 * (network) order; b is the same bytes, for code that handles either
 * family by its length (tern_ip_addr_len). An IPv4-only build
 * (TERN_CONFIG_IPV6 0) has no v6 member and room for 4 bytes. */
typedef struct tern_ip_addr {
  uint8_t family; /* tern_ip_family */
  union {
    tern_ipv4_addr v4;
#if TERN_CONFIG_IPV6
    tern_ipv6_addr v6;
#endif
    uint8_t b[TERN_IP_ADDR_MAX_LEN];
    uint32_t w[TERN_IP_ADDR_MAX_LEN / 4];
  } u;
} tern_ip_addr;

/* Whether this build handles addresses of family: TERN_IP_V4 always,
 * TERN_IP_V6 unless the build is IPv4-only. What the layers check before
 * they take an address from the application; a family that is not
 * supported is refused with TERN_EAFNOSUPPORT. */
static inline bool tern_ip_family_supported(uint8_t family) {
  return family == TERN_IP_V4 || (TERN_CONFIG_IPV6 && family == TERN_IP_V6);
}

/* The error for an address of family that a layer is given: 0 if the
 * family is supported, TERN_EAFNOSUPPORT for IPv6 in an IPv4-only build,
 * TERN_EINVAL for no family or an unknown one. */
static inline int tern_ip_family_check(uint8_t family) {
  if (tern_ip_family_supported(family)) {
    return 0;
  }
  return !TERN_CONFIG_IPV6 && family == TERN_IP_V6 ? TERN_EAFNOSUPPORT
                                                   : TERN_EINVAL;
}

/* The bytes an address of family has in u.b: 16 for IPv6 (in a build that
 * has it), else 4. Never more than TERN_IP_ADDR_MAX_LEN, whatever family
 * says. */
static inline size_t tern_ip_addr_len(uint8_t family) {
  return TERN_CONFIG_IPV6 && family == TERN_IP_V6 ? 16u : 4u;
}

/* Whether a is unspecified: no family, or all zero (0.0.0.0, ::), what a
 * binding takes as "every address" and a peer may never be (RFC 1122
 * 3.2.1.3, RFC 4291 2.5.2). Inline, a word at a time (u.w): the one test
 * UDP's sockets, the IP core's tern_ip_addr_takes and
 * tern_endpoint_remote_check share; tern_ipv4_is_unspecified below is
 * the same question of a bare tern_ipv4_addr. */
static inline bool tern_ip_addr_is_unspecified(const tern_ip_addr *a) {
  uint32_t any = a->u.w[0];
#if TERN_CONFIG_IPV6
  if (a->family == TERN_IP_V6) {
    any |= a->u.w[1] | a->u.w[2] | a->u.w[3];
  }
#endif
  return a->family == TERN_IP_NONE || any == 0;
}

/* An address and a port (UDP or TCP), and the interface it is scoped to:
 * the zone of a link-local IPv6 address (RFC 4007 section 11), or the
 * interface a limited broadcast goes out of. The scope is an interface id
 * of the IP layer (1, 2, ... in the order interfaces were added); 0 lets
 * routing choose. */
typedef struct tern_endpoint {
  tern_ip_addr addr;
  uint16_t port;
  uint8_t scope;
} tern_endpoint;

/* Whether e can be the remote end of a connection or a datagram's
 * destination, tern_ip_family_check's question for an endpoint: 0,
 * TERN_EINVAL (e NULL, port 0, no family or an unknown one, the
 * unspecified address 0.0.0.0 or ::) or TERN_EAFNOSUPPORT (IPv6 in an
 * IPv4-only build). What every socket backend checks at connect and
 * send_to, so that they answer alike. */
int tern_endpoint_remote_check(const tern_endpoint *e);

/* Whether e's family can be a local endpoint (what a bind takes): 0 for
 * no family (every local address) or a supported one, TERN_EINVAL for an
 * unknown one or e NULL, TERN_EAFNOSUPPORT for IPv6 in an IPv4-only
 * build. The port and the address are the binder's to judge (port 0:
 * ephemeral). */
int tern_endpoint_local_check(const tern_endpoint *e);

/* Buffer sizes that always fit a formatted value and its NUL. */
#define TERN_IPV4_STRLEN 16     /* "255.255.255.255" */
#define TERN_IPV6_STRLEN 46     /* "ffff:...:255.255.255.255" */
#define TERN_ENDPOINT_STRLEN 58 /* "[" IPv6 "%255]:65535" */

/* An IPv4 address from four octets, a.b.c.d. */
static inline tern_ipv4_addr tern_ipv4(uint8_t a, uint8_t b, uint8_t c,
                                       uint8_t d) {
  tern_ipv4_addr r = {{a, b, c, d}};
  return r;
}

/* Whether a is 0.0.0.0, the unspecified address (RFC 1122 3.2.1.3): what
 * a protocol gives for "no address" (IPCP's peer that has none, a DHCP
 * field left empty). Inline, byte by byte: a tern_ipv4_addr may sit at
 * any byte, and four loads cost less than a call to memcmp on Cortex-M0. */
static inline bool tern_ipv4_is_unspecified(const tern_ipv4_addr *a) {
  return (a->b[0] | a->b[1] | a->b[2] | a->b[3]) == 0;
}

bool tern_ipv4_eq(const tern_ipv4_addr *a, const tern_ipv4_addr *b);
bool tern_ipv6_eq(const tern_ipv6_addr *a, const tern_ipv6_addr *b);

/* Whether a and b share their first prefix_len bits (0..32). */
bool tern_ipv4_same_subnet(const tern_ipv4_addr *a, const tern_ipv4_addr *b,
                           unsigned prefix_len);

/* Parses dotted-quad text ("192.0.2.1") of exactly len bytes; s need not be
 * NUL-terminated. Rejects leading zeros ("01"), since inet_aton would read
 * them as octal, and anything but four decimal octets.
 * Returns 0, or TERN_EINVAL and leaves *out unchanged. */
int tern_ipv4_parse(tern_ipv4_addr *out, const char *s, size_t len);

/* Parses RFC 4291 section 2.2 text: hex groups, one "::" at most, and an
 * optional dotted IPv4 tail ("::ffff:192.0.2.1"). Zone indices ("%eth0")
 * are not accepted. Returns 0, or TERN_EINVAL and leaves *out unchanged. */
int tern_ipv6_parse(tern_ipv6_addr *out, const char *s, size_t len);

/* Parses either family; the family is taken from the text. Returns 0, or
 * TERN_EINVAL, or, in an IPv4-only build, TERN_EAFNOSUPPORT for text with
 * a colon (an IPv6 address, well formed or not); *out is unchanged on
 * failure. */
int tern_ip_parse(tern_ip_addr *out, const char *s, size_t len);

/* Parses "192.0.2.1:7", "[2001:db8::1]:7" or, with a scope (zone) id,
 * "[fe80::1%2]:7" (RFC 4007 section 11.2, numeric zones 1..255 only).
 * The port is required. Returns 0, or TERN_EINVAL, or, in an IPv4-only
 * build, TERN_EAFNOSUPPORT for a bracketed (IPv6) endpoint; *out is
 * unchanged on failure. */
int tern_endpoint_parse(tern_endpoint *out, const char *s, size_t len);

/* Formatters write text and a NUL into buf (cap bytes) and return the
 * length without the NUL, or TERN_ENOSPC (buf untouched beyond cap) when
 * cap is too small; a cap of the matching TERN_*_STRLEN always suffices.
 * IPv6 follows RFC 5952: lowercase, no leading zeros, the longest run of
 * two or more zero groups shortened to "::", IPv4-mapped addresses with a
 * dotted tail. An IPv6 endpoint's scope is written as "%N" after the
 * address; an IPv4 endpoint's has no text form and is not written. */
/* tern_ip_format and tern_endpoint_format return TERN_EINVAL for an
 * address of no family, and TERN_EAFNOSUPPORT for an IPv6 one in an
 * IPv4-only build. (tern_ipv6_parse and tern_ipv6_format work on a
 * tern_ipv6_addr in every build.) */
int tern_ipv4_format(const tern_ipv4_addr *a, char *buf, size_t cap);
int tern_ipv6_format(const tern_ipv6_addr *a, char *buf, size_t cap);
int tern_ip_format(const tern_ip_addr *a, char *buf, size_t cap);
int tern_endpoint_format(const tern_endpoint *e, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* TERN_ADDR_H */
