/* DHCPv4 message parse and emit (RFC 2131 section 2 and 4.1, RFC 2132). */
#include "tern/dhcpv4_wire.h"

#include <string.h>

#include "tern/bytes.h"
#include "tern/err.h"

#define OFF_XID TERN_DHCPV4_OFF_XID
#define OFF_SECS TERN_DHCPV4_OFF_SECS
#define OFF_FLAGS TERN_DHCPV4_OFF_FLAGS
#define OFF_CIADDR TERN_DHCPV4_OFF_CIADDR
#define OFF_CHADDR TERN_DHCPV4_OFF_CHADDR
#define OFF_COOKIE TERN_DHCPV4_OFF_COOKIE

static const uint8_t cookie[4] = {99, 130, 83, 99};

int tern_dhcpv4_check(const uint8_t *msg, size_t len) {
  if (msg == NULL || len < TERN_DHCPV4_HDR_LEN) {
    return -TERN_DHCPV4_DROP_TRUNCATED;
  }
  if (memcmp(msg + OFF_COOKIE, cookie, 4) != 0) {
    return -TERN_DHCPV4_DROP_COOKIE;
  }
  return 0;
}

void tern_dhcpv4_hdr_parse(tern_dhcpv4_hdr *h, const uint8_t *msg) {
  h->op = msg[0];
  h->htype = msg[1];
  h->hlen = msg[2];
  h->hops = msg[3];
  h->xid = tern_be32(msg + OFF_XID);
  h->secs = (uint16_t)tern_be16(msg + OFF_SECS);
  h->flags = (uint16_t)tern_be16(msg + OFF_FLAGS);
  memcpy(&h->ciaddr, msg + OFF_CIADDR, 4);
  memcpy(&h->yiaddr, msg + OFF_CIADDR + 4, 4);
  memcpy(&h->siaddr, msg + OFF_CIADDR + 8, 4);
  memcpy(&h->giaddr, msg + OFF_CIADDR + 12, 4);
  memcpy(h->chaddr, msg + OFF_CHADDR, 16);
}

int tern_dhcpv4_hdr_emit(const tern_dhcpv4_hdr *h, uint8_t *msg, size_t cap) {
  if (cap < TERN_DHCPV4_HDR_LEN) {
    return TERN_ENOSPC;
  }
  memset(msg, 0, TERN_DHCPV4_HDR_LEN);
  msg[0] = h->op;
  msg[1] = h->htype;
  msg[2] = h->hlen;
  msg[3] = h->hops;
  tern_put_be32(msg + OFF_XID, h->xid);
  tern_put_be16(msg + OFF_SECS, h->secs);
  tern_put_be16(msg + OFF_FLAGS, h->flags);
  memcpy(msg + OFF_CIADDR, &h->ciaddr, 4);
  memcpy(msg + OFF_CIADDR + 4, &h->yiaddr, 4);
  memcpy(msg + OFF_CIADDR + 8, &h->siaddr, 4);
  memcpy(msg + OFF_CIADDR + 12, &h->giaddr, 4);
  memcpy(msg + OFF_CHADDR, h->chaddr, 16);
  memcpy(msg + OFF_COOKIE, cookie, 4);
  return (int)TERN_DHCPV4_HDR_LEN;
}

size_t tern_dhcpv4_request_init(uint8_t *msg, uint32_t xid,
                                const uint8_t mac[6]) {
  memset(msg, 0, TERN_DHCPV4_HDR_LEN);
  msg[0] = TERN_DHCPV4_BOOTREQUEST;
  msg[1] = 1; /* htype: Ethernet */
  msg[2] = 6; /* hlen */
  tern_put_be32(msg + OFF_XID, xid);
  memcpy(msg + OFF_CHADDR, mac, 6);
  memcpy(msg + OFF_COOKIE, cookie, 4);
  return TERN_DHCPV4_HDR_LEN;
}

bool tern_dhcpv4_is_reply_to(const uint8_t *msg, uint32_t xid,
                             const uint8_t mac[6]) {
  return msg[0] == TERN_DHCPV4_BOOTREPLY && tern_be32(msg + OFF_XID) == xid &&
         memcmp(msg + OFF_CHADDR, mac, 6) == 0;
}

void tern_dhcpv4_opt_begin(tern_dhcpv4_opt_iter *it, const uint8_t *msg,
                           size_t len) {
  it->msg = msg;
  it->pos = TERN_DHCPV4_HDR_LEN;
  it->end = (uint16_t)(len > 0xffffu ? 0xffffu : len);
  it->field = 0;
  it->overload = 0;
}

/* Moves the walk to the next field the overload option names (its bit 1:
 * file, bit 2: sname, RFC 2132 9.3; field 1 is file and 2 sname, so the
 * field's number is its bit), or to the end (field 3). */
static void next_field(tern_dhcpv4_opt_iter *it) {
  do {
    it->field++;
  } while (it->field < 3 && (it->overload & it->field) == 0);
  it->pos = it->field == 1 ? TERN_DHCPV4_OFF_FILE : TERN_DHCPV4_OFF_SNAME;
  it->end =
      it->field == 1 ? TERN_DHCPV4_OFF_FILE + 128 : TERN_DHCPV4_OFF_SNAME + 64;
}

int tern_dhcpv4_opt_next(tern_dhcpv4_opt_iter *it, uint8_t *code,
                         const uint8_t **data, uint8_t *len) {
  while (it->field < 3) {
    unsigned pos = it->pos;
    unsigned room = (unsigned)it->end - pos; /* left in the field */
    const uint8_t *p = it->msg + pos;
    if (pos >= it->end) {
      next_field(it);
    } else if (p[0] == TERN_DHCPV4_OPT_PAD) {
      it->pos = (uint16_t)(pos + 1);
    } else if (p[0] == TERN_DHCPV4_OPT_END) {
      it->pos = it->end;
    } else if (room < 2 || p[1] > room - 2) {
      /* The length byte or the data past the field. */
      it->field = 4; /* malformed: stays so */
      break;
    } else {
      uint8_t c = p[0], n = p[1];
      it->pos = (uint16_t)(pos + 2 + n);
      if (c == TERN_DHCPV4_OPT_OVERLOAD && it->field == 0 && n == 1) {
        it->overload = p[2];
      }
      *code = c;
      *len = n;
      *data = p + 2;
      return 1;
    }
  }
  return it->field == 3 ? 0 : -TERN_DHCPV4_DROP_OPTIONS;
}

/* How each option the client keeps is stored in tern_dhcpv4_opts. */
enum {
  FIXED, /* exactly size bytes, copied (a byte, an address) */
  U32,   /* 4 bytes, big-endian, kept as a number */
  LIST,  /* one or more addresses; the first `size` kept, their count at
            count_at (0: not kept) */
};

typedef struct opt_rule {
  uint8_t code;
  uint8_t kind;
  uint8_t size;
  uint8_t at;       /* offsetof the value in tern_dhcpv4_opts */
  uint8_t count_at; /* offsetof the count, for LIST */
} opt_rule;

#define AT(f) ((uint8_t)offsetof(tern_dhcpv4_opts, f))

/* In the order of the TERN_DHCPV4_HAVE_* bits: rule i sets bit i. */
static const opt_rule rules[] = {
    {TERN_DHCPV4_OPT_MSG_TYPE, FIXED, 1, AT(msg_type), 0},
    {TERN_DHCPV4_OPT_SUBNET_MASK, FIXED, 4, AT(mask), 0},
    {TERN_DHCPV4_OPT_ROUTER, LIST, 1, AT(router), 0},
    {TERN_DHCPV4_OPT_DNS, LIST, TERN_DHCPV4_MAX_DNS, AT(dns), AT(n_dns)},
    {TERN_DHCPV4_OPT_LEASE_TIME, U32, 4, AT(lease), 0},
    {TERN_DHCPV4_OPT_T1, U32, 4, AT(t1), 0},
    {TERN_DHCPV4_OPT_T2, U32, 4, AT(t2), 0},
    {TERN_DHCPV4_OPT_SERVER_ID, FIXED, 4, AT(server_id), 0},
};

/* One option into o. Returns false when it is one we keep but its length
 * cannot be right, or it came already. */
static bool take(tern_dhcpv4_opts *o, uint8_t code, const uint8_t *d,
                 uint8_t len) {
  uint8_t *base = (uint8_t *)o;
  uint8_t bit = 1; /* rule r sets this bit */
  for (const opt_rule *r = rules; r < rules + sizeof rules / sizeof rules[0];
       r++, bit = (uint8_t)(bit << 1)) {
    if (r->code != code) {
      continue;
    }
    uint8_t n = r->size;
    if ((o->present & bit) != 0) {
      return false;
    }
    if (r->kind == LIST) {
      if (len < 4 || len % 4 != 0) {
        return false;
      }
      if (len / 4 < n) {
        n = (uint8_t)(len / 4);
      }
      memcpy(base + r->at, d, 4u * n);
    } else {
      if (len != n) {
        return false;
      }
      uint32_t v;
      const void *src = d;
      if (r->kind == U32) {
        v = tern_be32(d);
        src = &v;
      }
      memcpy(base + r->at, src, n);
    }
    if (r->count_at != 0) {
      base[r->count_at] = n;
    }
    o->present |= bit;
    return true;
  }
  return true; /* not one we keep */
}

int tern_dhcpv4_opts_parse(tern_dhcpv4_opts *o, const uint8_t *msg,
                           size_t len) {
  memset(o, 0, sizeof *o);
  tern_dhcpv4_opt_iter it;
  tern_dhcpv4_opt_begin(&it, msg, len);
  uint8_t code, n;
  const uint8_t *d;
  int rc;
  while ((rc = tern_dhcpv4_opt_next(&it, &code, &d, &n)) > 0) {
    if (!take(o, code, d, n) && o->ignored < 255) {
      o->ignored++;
    }
  }
  return rc;
}

int tern_dhcpv4_put_opt(uint8_t *msg, size_t cap, size_t *off, uint8_t code,
                        const void *data, uint8_t len) {
  size_t at = *off;
  if (at > cap || cap - at < (size_t)len + 3) {
    return TERN_ENOSPC;
  }
  *off = tern_dhcpv4_put_opt_at(msg, at, code, data, len);
  return 0;
}

int tern_dhcpv4_put_end(uint8_t *msg, size_t cap, size_t off) {
  if (off >= cap) {
    return TERN_ENOSPC;
  }
  return (int)tern_dhcpv4_put_end_at(
      msg, off, cap < TERN_DHCPV4_MIN_LEN ? cap : TERN_DHCPV4_MIN_LEN);
}
