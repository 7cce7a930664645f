#include "tern/arp_wire.h"

#include <string.h>

#include "tern/bytes.h"

const uint8_t tern_arp_eth_ipv4[6] = {0, 1, 8, 0, 6, 4};

int tern_arp_repr_parse(tern_arp_repr *out, const uint8_t *buf, size_t len) {
  int rc = tern_arp_check(buf, len);
  if (rc != 0) {
    return rc;
  }
  out->op = tern_arp_op(buf);
  memcpy(out->sha.b, tern_arp_sha(buf), 6);
  memcpy(out->spa.b, tern_arp_spa(buf), 4);
  memcpy(out->tha.b, tern_arp_tha(buf), 6);
  memcpy(out->tpa.b, tern_arp_tpa(buf), 4);
  return 0;
}

void tern_arp_write(uint8_t *buf, uint16_t op, const uint8_t sha[6],
                    const uint8_t spa[4], const uint8_t tha[6],
                    const uint8_t tpa[4]) {
  tern_arp_write_target(buf, tha, tpa);
  tern_arp_write_sender(buf, op, sha, spa);
}

int tern_arp_repr_emit(const tern_arp_repr *r, uint8_t *buf, size_t cap) {
  if (r->op != TERN_ARP_OP_REQUEST && r->op != TERN_ARP_OP_REPLY) {
    return TERN_EINVAL;
  }
  if (cap < TERN_ARP_LEN) {
    return TERN_ENOSPC;
  }
  tern_arp_write(buf, r->op, r->sha.b, r->spa.b, r->tha.b, r->tpa.b);
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
