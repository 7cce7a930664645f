/* The wire format of PPP's control protocols (RFC 1661 section 5: LCP, and
 * the same packets for IPCP, RFC 1332, and IPV6CP, RFC 5072) and of PAP
 * (RFC 1334): bounds-checked parsing and emitting, no state.
 *
 *   code(1) identifier(1) length(2) data(length - 4)
 *
 * Configure-Request/Ack/Nak/Reject carry options:
 *
 *   type(1) length(1) value(length - 2)
 *
 * After tern_ppp_cp_parse returns 0, data and data_len stay inside the
 * buffer (the padding after length is ignored, RFC 1661 section 5); after
 * tern_ppp_opt_next returns 1 the option's value stays inside the data. */
#ifndef TERN_PPP_CP_WIRE_H
#define TERN_PPP_CP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* PPP protocol numbers (RFC 1661, 1332, 1334, 1994, 5072). */
enum {
  TERN_PPP_PROTO_IPV4 = 0x0021,
  TERN_PPP_PROTO_IPV6 = 0x0057,
  TERN_PPP_PROTO_IPCP = 0x8021,
  TERN_PPP_PROTO_IPV6CP = 0x8057,
  TERN_PPP_PROTO_LCP = 0xc021,
  TERN_PPP_PROTO_PAP = 0xc023,
  TERN_PPP_PROTO_CHAP = 0xc223,
};

/* Control packet codes (RFC 1661 section 5). 1-7 are every control
 * protocol's; 8-11 are LCP's only. */
enum {
  TERN_PPP_CONF_REQ = 1,
  TERN_PPP_CONF_ACK = 2,
  TERN_PPP_CONF_NAK = 3,
  TERN_PPP_CONF_REJ = 4,
  TERN_PPP_TERM_REQ = 5,
  TERN_PPP_TERM_ACK = 6,
  TERN_PPP_CODE_REJ = 7,
  TERN_PPP_PROTO_REJ = 8,
  TERN_PPP_ECHO_REQ = 9,
  TERN_PPP_ECHO_REPLY = 10,
  TERN_PPP_DISCARD_REQ = 11,
};

/* LCP options (RFC 1661 section 6). */
enum {
  TERN_LCP_MRU = 1,
  TERN_LCP_ACCM = 2,
  TERN_LCP_AUTH = 3,
  TERN_LCP_QUALITY = 4,
  TERN_LCP_MAGIC = 5,
  TERN_LCP_PFC = 7,
  TERN_LCP_ACFC = 8,
};

/* IPCP options (RFC 1332, RFC 1877) and IPV6CP's (RFC 5072). */
enum {
  TERN_IPCP_COMPRESSION = 2,
  TERN_IPCP_ADDR = 3,
  TERN_IPCP_DNS1 = 129,
  TERN_IPCP_DNS2 = 131,
  TERN_IPV6CP_IFID = 1,
};

/* PAP codes (RFC 1334 section 2.2); CHAP's (RFC 1994 section 4). */
enum {
  TERN_PAP_AUTH_REQ = 1,
  TERN_PAP_AUTH_ACK = 2,
  TERN_PAP_AUTH_NAK = 3,
  TERN_CHAP_CHALLENGE = 1,
  TERN_CHAP_RESPONSE = 2,
  TERN_CHAP_SUCCESS = 3,
  TERN_CHAP_FAILURE = 4,
};

#define TERN_PPP_CP_HDR 4

/* A control packet as parsed: its header and where its data is. */
typedef struct tern_ppp_cp {
  uint8_t code;
  uint8_t id;
  uint16_t len; /* the length field: header and data, <= the buffer */
  const uint8_t *data;
  size_t data_len; /* len - 4 */
} tern_ppp_cp;

/* Parses a control packet of n bytes. Returns 0, or -1 (malformed: shorter
 * than its header, a length field below 4 or beyond n). */
int tern_ppp_cp_parse(const uint8_t *p, size_t n, tern_ppp_cp *cp);

/* Writes a control packet header (code, id, length) at p. */
void tern_ppp_cp_put(uint8_t *p, unsigned code, unsigned id, size_t len);

/* One option as parsed: its type, the length of its value, the value. */
typedef struct tern_ppp_opt {
  uint8_t type;
  uint8_t len; /* of the value: the length field minus 2 */
  const uint8_t *val;
} tern_ppp_opt;

/* The option at *off in data[0..len): 1 with it in *opt and *off moved
 * past it, 0 at the end of the list, -1 when the list is malformed (an
 * option's length field below 2, or running past the end). */
int tern_ppp_opt_next(const uint8_t *data, size_t len, size_t *off,
                      tern_ppp_opt *opt);

/* Whether a whole option list is well formed: 0, or -1 (see
 * tern_ppp_opt_next). A receiver checks this before acting on any of it. */
int tern_ppp_opts_check(const uint8_t *data, size_t len);

/* Writes an option (type, 2 + vlen, value) at p; returns p + 2 + vlen.
 * vlen must be at most 253. */
uint8_t *tern_ppp_opt_put(uint8_t *p, unsigned type, const void *val,
                          size_t vlen);

#ifdef __cplusplus
}
#endif

#endif /* TERN_PPP_CP_WIRE_H */
