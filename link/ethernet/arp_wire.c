#include "tern/arp_wire.h"

#include <string.h>

#include "tern/bytes.h"

enum {
  OFF_HTYPE = 0,
  OFF_PTYPE = 2,
  OFF_HLEN = 4,
  OFF_PLEN = 5,
  OFF_OP = 6,
  OFF_SHA = 8,
  OFF_SPA = 14,
  OFF_THA = 18,
  OFF_TPA = 24,
};

#define HTYPE_ETHERNET 1u

int tern_arp_check(const uint8_t *buf, size_t len) {
  if (len < TERN_ARP_LEN) {
    return TERN_ARP_DROP_TRUNCATED;
  }
  if (tern_be16(buf + OFF_HTYPE) != HTYPE_ETHERNET) {
    return TERN_ARP_DROP_HTYPE;
  }
  if (tern_be16(buf + OFF_PTYPE) != TERN_ETHERTYPE_IPV4) {
    return TERN_ARP_DROP_PTYPE;
  }
  if (buf[OFF_HLEN] != 6 || buf[OFF_PLEN] != 4) {
    return TERN_ARP_DROP_ADDR_LEN;
  }
  uint16_t op = tern_be16(buf + OFF_OP);
  if (op != TERN_ARP_OP_REQUEST && op != TERN_ARP_OP_REPLY) {
    return TERN_ARP_DROP_OP;
  }
  return 0;
}

int tern_arp_repr_parse(tern_arp_repr *out, const uint8_t *buf, size_t len) {
  int rc = tern_arp_check(buf, len);
  if (rc != 0) {
    return rc;
  }
  out->op = tern_be16(buf + OFF_OP);
  memcpy(out->sha.b, buf + OFF_SHA, 6);
  memcpy(out->spa.b, buf + OFF_SPA, 4);
  memcpy(out->tha.b, buf + OFF_THA, 6);
  memcpy(out->tpa.b, buf + OFF_TPA, 4);
  return 0;
}

int tern_arp_repr_emit(const tern_arp_repr *r, uint8_t *buf, size_t cap) {
  if (r->op != TERN_ARP_OP_REQUEST && r->op != TERN_ARP_OP_REPLY) {
    return TERN_EINVAL;
  }
  if (cap < TERN_ARP_LEN) {
    return TERN_ENOSPC;
  }
  tern_put_be16(buf + OFF_HTYPE, HTYPE_ETHERNET);
  tern_put_be16(buf + OFF_PTYPE, TERN_ETHERTYPE_IPV4);
  buf[OFF_HLEN] = 6;
  buf[OFF_PLEN] = 4;
  tern_put_be16(buf + OFF_OP, r->op);
  memcpy(buf + OFF_SHA, r->sha.b, 6);
  memcpy(buf + OFF_SPA, r->spa.b, 4);
  memcpy(buf + OFF_THA, r->tha.b, 6);
  memcpy(buf + OFF_TPA, r->tpa.b, 4);
  return TERN_ARP_LEN;
}

void tern_arp_request(tern_arp_repr *out, const tern_mac_addr *sha,
                      const tern_ipv4_addr *spa, const tern_ipv4_addr *tpa) {
  /* Built aside so the arguments may point into *out. */
  tern_arp_repr r;
  memset(&r, 0, sizeof r);
  r.op = TERN_ARP_OP_REQUEST;
  r.sha = *sha;
  r.spa = *spa;
  r.tpa = *tpa;
  *out = r;
}

void tern_arp_reply(tern_arp_repr *out, const tern_arp_repr *req,
                    const tern_mac_addr *our_mac) {
  /* Copy first: out may be req (answering in place). */
  tern_arp_repr r;
  r.op = TERN_ARP_OP_REPLY;
  r.sha = *our_mac;
  r.spa = req->tpa;
  r.tha = req->sha;
  r.tpa = req->spa;
  *out = r;
}

void tern_arp_announce(tern_arp_repr *out, const tern_mac_addr *mac,
                       const tern_ipv4_addr *ip) {
  tern_arp_request(out, mac, ip, ip);
}

const char *tern_arp_drop_name(int reason) {
  switch (reason) {
    case TERN_ARP_DROP_NONE: return "none";
    case TERN_ARP_DROP_TRUNCATED: return "truncated";
    case TERN_ARP_DROP_HTYPE: return "hardware type not Ethernet";
    case TERN_ARP_DROP_PTYPE: return "protocol type not IPv4";
    case TERN_ARP_DROP_ADDR_LEN: return "address length";
    case TERN_ARP_DROP_OP: return "operation not request/reply";
    default: return "unknown";
  }
}
