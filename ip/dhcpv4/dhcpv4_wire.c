/* DHCPv4 message parse and emit (RFC 2131 section 2 and 4.1, RFC 2132). */
#include "tern/dhcpv4_wire.h"

#include <string.h>

#include "tern/bytes.h"
#include "tern/err.h"

#define OFF_XID 4u
#define OFF_SECS 8u
#define OFF_FLAGS 10u
#define OFF_CIADDR 12u
#define OFF_CHADDR 28u
#define OFF_COOKIE 236u

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

void tern_dhcpv4_opt_begin(tern_dhcpv4_opt_iter *it, const uint8_t *msg,
                           size_t len) {
  it->msg = msg;
  it->pos = TERN_DHCPV4_HDR_LEN;
  it->end = (uint16_t)(len > 0xffffu ? 0xffffu : len);
  it->field = 0;
  it->overload = 0;
}

/* Moves the walk to the next field the overload option names, or to the
 * end. */
static void next_field(tern_dhcpv4_opt_iter *it) {
  it->field++;
  if (it->field == 1 && (it->overload & 1) != 0) {
    it->pos = TERN_DHCPV4_OFF_FILE;
    it->end = TERN_DHCPV4_OFF_FILE + 128;
  } else if (it->field <= 2 && (it->overload & 2) != 0) {
    it->field = 2;
    it->pos = TERN_DHCPV4_OFF_SNAME;
    it->end = TERN_DHCPV4_OFF_SNAME + 64;
  } else {
    it->field = 3;
  }
}

int tern_dhcpv4_opt_next(tern_dhcpv4_opt_iter *it, uint8_t *code,
                         const uint8_t **data, uint8_t *len) {
  while (it->field < 3) {
    if (it->pos >= it->end) {
      next_field(it);
      continue;
    }
    uint8_t c = it->msg[it->pos];
    if (c == TERN_DHCPV4_OPT_PAD) {
      it->pos++;
      continue;
    }
    if (c == TERN_DHCPV4_OPT_END) {
      it->pos = it->end;
      continue;
    }
    /* The length byte and the data must both be in the field. */
    if (it->end - it->pos < 2 || it->msg[it->pos + 1] > it->end - it->pos - 2) {
      it->field = 4; /* malformed: stays so */
      break;
    }
    *code = c;
    *len = it->msg[it->pos + 1];
    *data = it->msg + it->pos + 2;
    it->pos = (uint16_t)(it->pos + 2 + *len);
    if (c == TERN_DHCPV4_OPT_OVERLOAD && it->field == 0 && *len == 1) {
      it->overload = **data;
    }
    return 1;
  }
  return it->field == 3 ? 0 : -TERN_DHCPV4_DROP_OPTIONS;
}

/* Where each address option lands in tern_dhcpv4_opts, and its bit. */
typedef struct addr_opt {
  uint8_t code;
  uint8_t offset;
  uint16_t bit;
} addr_opt;

static const addr_opt fixed4[] = {
    {TERN_DHCPV4_OPT_SUBNET_MASK, offsetof(tern_dhcpv4_opts, mask),
     TERN_DHCPV4_HAVE_MASK},
    {TERN_DHCPV4_OPT_SERVER_ID, offsetof(tern_dhcpv4_opts, server_id),
     TERN_DHCPV4_HAVE_SERVER_ID},
    {TERN_DHCPV4_OPT_REQUESTED_ADDR, offsetof(tern_dhcpv4_opts, requested),
     TERN_DHCPV4_HAVE_REQUESTED},
    {TERN_DHCPV4_OPT_LEASE_TIME, offsetof(tern_dhcpv4_opts, lease),
     TERN_DHCPV4_HAVE_LEASE},
    {TERN_DHCPV4_OPT_T1, offsetof(tern_dhcpv4_opts, t1), TERN_DHCPV4_HAVE_T1},
    {TERN_DHCPV4_OPT_T2, offsetof(tern_dhcpv4_opts, t2), TERN_DHCPV4_HAVE_T2},
};

/* One option into o. Returns false when it is known but its length cannot
 * be right, or it came already. */
static bool take(tern_dhcpv4_opts *o, uint8_t code, const uint8_t *d,
                 uint8_t len) {
  uint8_t *base = (uint8_t *)o;
  for (size_t i = 0; i < sizeof fixed4 / sizeof fixed4[0]; i++) {
    if (fixed4[i].code == code) {
      if (len != 4 || (o->present & fixed4[i].bit) != 0) {
        return false;
      }
      o->present |= fixed4[i].bit;
      if (code == TERN_DHCPV4_OPT_LEASE_TIME || code == TERN_DHCPV4_OPT_T1 ||
          code == TERN_DHCPV4_OPT_T2) {
        uint32_t v = tern_be32(d);
        memcpy(base + fixed4[i].offset, &v, 4);
      } else {
        memcpy(base + fixed4[i].offset, d, 4);
      }
      return true;
    }
  }
  uint16_t bit;
  switch (code) {
    case TERN_DHCPV4_OPT_MSG_TYPE:
      bit = TERN_DHCPV4_HAVE_MSG_TYPE;
      if (len != 1 || (o->present & bit) != 0) {
        return false;
      }
      o->msg_type = d[0];
      break;
    case TERN_DHCPV4_OPT_ROUTER:
      bit = TERN_DHCPV4_HAVE_ROUTER;
      if (len < 4 || len % 4 != 0 || (o->present & bit) != 0) {
        return false;
      }
      memcpy(&o->router, d, 4);
      break;
    case TERN_DHCPV4_OPT_DNS:
      bit = TERN_DHCPV4_HAVE_DNS;
      if (len < 4 || len % 4 != 0 || (o->present & bit) != 0) {
        return false;
      }
      for (uint8_t i = 0; i < len / 4 && i < TERN_DHCPV4_MAX_DNS; i++) {
        memcpy(&o->dns[i], d + 4 * i, 4);
        o->n_dns = (uint8_t)(i + 1);
      }
      break;
    case TERN_DHCPV4_OPT_HOSTNAME:
      bit = TERN_DHCPV4_HAVE_HOSTNAME;
      if (len < 1 || (o->present & bit) != 0) {
        return false;
      }
      o->hostname = d;
      o->hostname_len = len;
      break;
    case TERN_DHCPV4_OPT_CLIENT_ID:
      bit = TERN_DHCPV4_HAVE_CLIENT_ID;
      if (len < 2 || (o->present & bit) != 0) { /* RFC 2132 9.14 */
        return false;
      }
      o->client_id = d;
      o->client_id_len = len;
      break;
    case TERN_DHCPV4_OPT_PARAM_LIST:
      bit = TERN_DHCPV4_HAVE_PARAM_LIST;
      if (len < 1 || (o->present & bit) != 0) {
        return false;
      }
      o->param_list = d;
      o->param_list_len = len;
      break;
    default: return true; /* not one we keep */
  }
  o->present |= bit;
  return true;
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
  msg[at] = code;
  msg[at + 1] = len;
  if (len > 0) {
    memcpy(msg + at + 2, data, len);
  }
  *off = at + 2 + len;
  return 0;
}

int tern_dhcpv4_put_end(uint8_t *msg, size_t cap, size_t off) {
  if (off >= cap) {
    return TERN_ENOSPC;
  }
  msg[off++] = TERN_DHCPV4_OPT_END;
  size_t pad_to = cap < TERN_DHCPV4_MIN_LEN ? cap : TERN_DHCPV4_MIN_LEN;
  if (off < pad_to) {
    memset(msg + off, 0, pad_to - off);
    off = pad_to;
  }
  return (int)off;
}
