/* The DHCPv4 message format (RFC 2131 section 2, RFC 2132 options, RFC
 * 1542 for the BOOTP minimum length): the fixed BOOTP header, the options
 * with the "overload" of the file and sname fields, parse and emit. No
 * state, no heap.
 *
 *   int rc = tern_dhcpv4_check(msg, len);        // 0 or -tern_dhcpv4_drop
 *   tern_dhcpv4_hdr h;
 *   tern_dhcpv4_opts o;
 *   tern_dhcpv4_hdr_parse(&h, msg);               // after check: in bounds
 *   rc = tern_dhcpv4_opts_parse(&o, msg, len);   // the options it knows
 *
 * After tern_dhcpv4_check() returns 0 the fixed header (240 bytes with the
 * magic cookie) is inside the buffer. The option walk
 * (tern_dhcpv4_opt_next) then never reads outside the field it is in: an
 * option whose length runs past the end of its field makes the whole
 * message malformed (TERN_DHCPV4_DROP_OPTIONS); pad options are skipped,
 * and a field ends at its end option or at its last byte. With an
 * overload option (52) in the options field, the file field and then the
 * sname field are walked too (RFC 2131 4.1). Options the client does not
 * know are walked over. An option that comes more than once keeps its
 * first value (RFC 3396 concatenation is not done); one of a known code
 * with a length that cannot be right (a subnet mask of 3 bytes) is
 * ignored and counted in tern_dhcpv4_opts.ignored. */
#ifndef TERN_DHCPV4_WIRE_H
#define TERN_DHCPV4_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tern/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_DHCPV4_SERVER_PORT 67
#define TERN_DHCPV4_CLIENT_PORT 68

/* The fixed header: op to file (236 bytes) and the magic cookie. */
#define TERN_DHCPV4_HDR_LEN 240u
/* The smallest BOOTP message relays must take (RFC 1542 2.1): what this
 * client pads its messages to. */
#define TERN_DHCPV4_MIN_LEN 300u
/* The largest message a client must accept (RFC 2131 2: 576-byte IP
 * datagrams, less the IP and UDP headers). */
#define TERN_DHCPV4_MAX_LEN 548u

/* Offsets in the fixed header (RFC 2131 figure 1). A caller that needs
 * only a few fields reads and writes them here, after tern_dhcpv4_check
 * (reading) or tern_dhcpv4_request_init (writing). */
#define TERN_DHCPV4_OFF_XID 4u
#define TERN_DHCPV4_OFF_SECS 8u
#define TERN_DHCPV4_OFF_FLAGS 10u
#define TERN_DHCPV4_OFF_CIADDR 12u
#define TERN_DHCPV4_OFF_YIADDR 16u
#define TERN_DHCPV4_OFF_SIADDR 20u
#define TERN_DHCPV4_OFF_GIADDR 24u
#define TERN_DHCPV4_OFF_CHADDR 28u /* 16 bytes */
#define TERN_DHCPV4_OFF_SNAME 44u  /* 64 bytes */
#define TERN_DHCPV4_OFF_FILE 108u  /* 128 bytes */
#define TERN_DHCPV4_OFF_COOKIE 236u

#define TERN_DHCPV4_BOOTREQUEST 1
#define TERN_DHCPV4_BOOTREPLY 2
#define TERN_DHCPV4_FLAG_BROADCAST 0x8000u

/* Message types (option 53, RFC 2132 9.6). */
enum {
  TERN_DHCPV4_DISCOVER = 1,
  TERN_DHCPV4_OFFER = 2,
  TERN_DHCPV4_REQUEST = 3,
  TERN_DHCPV4_DECLINE = 4,
  TERN_DHCPV4_ACK = 5,
  TERN_DHCPV4_NAK = 6,
  TERN_DHCPV4_RELEASE = 7,
  TERN_DHCPV4_INFORM = 8,
};

/* Option codes (RFC 2132). */
enum {
  TERN_DHCPV4_OPT_PAD = 0,
  TERN_DHCPV4_OPT_SUBNET_MASK = 1,
  TERN_DHCPV4_OPT_ROUTER = 3,
  TERN_DHCPV4_OPT_DNS = 6,
  TERN_DHCPV4_OPT_HOSTNAME = 12,
  TERN_DHCPV4_OPT_REQUESTED_ADDR = 50,
  TERN_DHCPV4_OPT_LEASE_TIME = 51,
  TERN_DHCPV4_OPT_OVERLOAD = 52,
  TERN_DHCPV4_OPT_MSG_TYPE = 53,
  TERN_DHCPV4_OPT_SERVER_ID = 54,
  TERN_DHCPV4_OPT_PARAM_LIST = 55,
  TERN_DHCPV4_OPT_T1 = 58,
  TERN_DHCPV4_OPT_T2 = 59,
  TERN_DHCPV4_OPT_CLIENT_ID = 61,
  TERN_DHCPV4_OPT_END = 255,
};

/* Why a message was refused (negated: tern_dhcpv4_check and _opts_parse
 * return -reason). */
typedef enum tern_dhcpv4_drop {
  TERN_DHCPV4_DROP_TRUNCATED = 1, /* shorter than the 240-byte header */
  TERN_DHCPV4_DROP_COOKIE = 2,    /* not 99.130.83.99: BOOTP, not DHCP */
  TERN_DHCPV4_DROP_OPTIONS = 3,   /* an option runs past its field */
  TERN_DHCPV4_DROP_COUNT
} tern_dhcpv4_drop;

/* The fixed header. sname and file are not kept (they may hold options:
 * the option walk reads them). */
typedef struct tern_dhcpv4_hdr {
  uint8_t op; /* TERN_DHCPV4_BOOTREQUEST or _BOOTREPLY */
  uint8_t htype;
  uint8_t hlen;
  uint8_t hops;
  uint32_t xid;
  uint16_t secs;
  uint16_t flags; /* TERN_DHCPV4_FLAG_BROADCAST */
  tern_ipv4_addr ciaddr;
  tern_ipv4_addr yiaddr;
  tern_ipv4_addr siaddr;
  tern_ipv4_addr giaddr;
  uint8_t chaddr[16];
} tern_dhcpv4_hdr;

/* Checks that msg holds the fixed header and the magic cookie. Returns 0
 * or -TERN_DHCPV4_DROP_TRUNCATED, -TERN_DHCPV4_DROP_COOKIE. */
int tern_dhcpv4_check(const uint8_t *msg, size_t len);

/* Reads the fixed header of a message tern_dhcpv4_check accepted. */
void tern_dhcpv4_hdr_parse(tern_dhcpv4_hdr *h, const uint8_t *msg);

/* Writes the fixed header (sname and file zero) and the magic cookie:
 * TERN_DHCPV4_HDR_LEN bytes. Returns that, or TERN_ENOSPC when cap is
 * less. */
int tern_dhcpv4_hdr_emit(const tern_dhcpv4_hdr *h, uint8_t *msg, size_t cap);

/* The light path, for a client that needs a handful of fields (the
 * state machine uses these, not the repr above):
 *
 * Writes the fixed header of a client's BOOTREQUEST at msg (which must
 * hold TERN_DHCPV4_HDR_LEN bytes): every byte zero but op, htype 1
 * (Ethernet), hlen 6, xid, the 6-byte MAC in chaddr and the magic
 * cookie. secs and ciaddr are then written at their offsets. Returns
 * TERN_DHCPV4_HDR_LEN, where the options start. */
size_t tern_dhcpv4_request_init(uint8_t *msg, uint32_t xid,
                                const uint8_t mac[6]);

/* Whether a checked message is a BOOTREPLY with this xid and this 6-byte
 * MAC in chaddr: an answer to this client. */
bool tern_dhcpv4_is_reply_to(const uint8_t *msg, uint32_t xid,
                             const uint8_t mac[6]);

/* Walks the options of a checked message: the options field, then the
 * file and sname fields if an overload option asked for them. */
typedef struct tern_dhcpv4_opt_iter {
  const uint8_t *msg;
  uint16_t pos;     /* the next byte of the current field */
  uint16_t end;     /* the end of the current field */
  uint8_t field;    /* 0 options, 1 file, 2 sname, 3 done */
  uint8_t overload; /* option 52's value, from the options field */
} tern_dhcpv4_opt_iter;

/* Starts a walk over msg (len bytes, checked). */
void tern_dhcpv4_opt_begin(tern_dhcpv4_opt_iter *it, const uint8_t *msg,
                           size_t len);

/* The next option: 1 with *code, *data (inside the message) and *len; 0
 * at the end of the options; -TERN_DHCPV4_DROP_OPTIONS when an option runs
 * past its field (then every later call says so too). Pad and end are
 * never returned. */
int tern_dhcpv4_opt_next(tern_dhcpv4_opt_iter *it, uint8_t *code,
                         const uint8_t **data, uint8_t *len);

/* DNS servers kept from option 6. */
#ifndef TERN_DHCPV4_MAX_DNS
#define TERN_DHCPV4_MAX_DNS 2
#endif

/* tern_dhcpv4_opts.present bits. */
enum {
  TERN_DHCPV4_HAVE_MSG_TYPE = 1u << 0,
  TERN_DHCPV4_HAVE_MASK = 1u << 1,
  TERN_DHCPV4_HAVE_ROUTER = 1u << 2,
  TERN_DHCPV4_HAVE_DNS = 1u << 3,
  TERN_DHCPV4_HAVE_LEASE = 1u << 4,
  TERN_DHCPV4_HAVE_T1 = 1u << 5,
  TERN_DHCPV4_HAVE_T2 = 1u << 6,
  TERN_DHCPV4_HAVE_SERVER_ID = 1u << 7,
};

/* The options a client acts on in a server's reply, parsed. Others (those
 * a client sends: requested address, parameter list, host name, client id)
 * are walked over; tern_dhcpv4_opt_next reads any option. */
typedef struct tern_dhcpv4_opts {
  uint8_t present;  /* TERN_DHCPV4_HAVE_* */
  uint8_t msg_type; /* TERN_DHCPV4_DISCOVER... */
  uint8_t n_dns;    /* servers in dns (the rest of the option's dropped) */
  uint8_t ignored;  /* known options with an impossible length, and
                       duplicates (the first kept), saturating at 255 */
  tern_ipv4_addr mask;
  tern_ipv4_addr router; /* the first of the list (RFC 2132 3.5: in order
                            of preference) */
  tern_ipv4_addr server_id;
  tern_ipv4_addr dns[TERN_DHCPV4_MAX_DNS];
  uint32_t lease; /* seconds; 0xffffffff: infinite */
  uint32_t t1;
  uint32_t t2;
} tern_dhcpv4_opts;

/* Parses the options of a checked message into o (cleared first).
 * Returns 0 or -TERN_DHCPV4_DROP_OPTIONS. */
int tern_dhcpv4_opts_parse(tern_dhcpv4_opts *o, const uint8_t *msg, size_t len);

/* Appends option code with len bytes of data at msg[*off], keeping one
 * byte free for the end option. Returns 0 (*off moved past it) or
 * TERN_ENOSPC (nothing written). */
int tern_dhcpv4_put_opt(uint8_t *msg, size_t cap, size_t *off, uint8_t code,
                        const void *data, uint8_t len);

/* tern_dhcpv4_put_opt's writing without its check, for a caller that has
 * proved the option fits (len + 2 bytes at msg[off], and one more for the
 * end option): code, len, the data. Returns the offset past it. */
static inline size_t tern_dhcpv4_put_opt_at(uint8_t *msg, size_t off,
                                            uint8_t code, const void *data,
                                            uint8_t len) {
  msg[off] = code;
  msg[off + 1] = len;
  if (len > 0) { /* data may be NULL then */
    memcpy(msg + off + 2, data, len);
  }
  return off + 2u + len;
}

/* Writes the end option at msg[off] and zeroes what follows up to
 * TERN_DHCPV4_MIN_LEN (as far as cap allows). Returns the message's
 * length, or TERN_ENOSPC when not even the end option fits. */
int tern_dhcpv4_put_end(uint8_t *msg, size_t cap, size_t off);

/* tern_dhcpv4_put_end's writing without its check, for a caller that has
 * proved the end option fits at msg[off] and that msg holds pad_to bytes:
 * the end option, then zeros up to pad_to. Returns the message's length. */
static inline size_t tern_dhcpv4_put_end_at(uint8_t *msg, size_t off,
                                            size_t pad_to) {
  msg[off++] = TERN_DHCPV4_OPT_END;
  if (off < pad_to) {
    memset(msg + off, 0, pad_to - off);
    off = pad_to;
  }
  return off;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_DHCPV4_WIRE_H */
