#include "tern/ethernet_wire.h"

#include <string.h>

#include "tern/bytes.h"

/* IEEE 802.3 clause 3.2.6: values up to 1500 are a length, 0x0600 and up
 * an EtherType; in between is undefined. */
#define ETHERTYPE_MIN 0x0600u

enum { OFF_DST = 0, OFF_SRC = 6, OFF_TYPE = 12 };

int tern_eth_check(const uint8_t *buf, size_t len) {
  if (len < TERN_ETH_HEADER_LEN) {
    return TERN_ETH_DROP_TRUNCATED;
  }
  uint16_t type = tern_be16(buf + OFF_TYPE);
  if (type < ETHERTYPE_MIN) {
    return TERN_ETH_DROP_NOT_ETHERNET_II;
  }
  /* 0x9100 is the pre-standard QinQ tag some switches still send. */
  if (type == TERN_ETHERTYPE_VLAN || type == TERN_ETHERTYPE_QINQ ||
      type == 0x9100u) {
    return TERN_ETH_DROP_VLAN;
  }
  return 0;
}

int tern_eth_repr_parse(tern_eth_repr *out, const uint8_t *buf, size_t len) {
  int rc = tern_eth_check(buf, len);
  if (rc != 0) {
    return rc;
  }
  memcpy(out->dst.b, buf + OFF_DST, 6);
  memcpy(out->src.b, buf + OFF_SRC, 6);
  out->ethertype = tern_be16(buf + OFF_TYPE);
  return 0;
}

int tern_eth_repr_emit(const tern_eth_repr *r, uint8_t *buf, size_t cap) {
  if (r->ethertype < ETHERTYPE_MIN) {
    return TERN_EINVAL;
  }
  if (cap < TERN_ETH_HEADER_LEN) {
    return TERN_ENOSPC;
  }
  memcpy(buf + OFF_DST, r->dst.b, 6);
  memcpy(buf + OFF_SRC, r->src.b, 6);
  buf[OFF_TYPE] = (uint8_t)(r->ethertype >> 8);
  buf[OFF_TYPE + 1] = (uint8_t)r->ethertype;
  return TERN_ETH_HEADER_LEN;
}

const char *tern_eth_drop_name(int reason) {
  switch (reason) {
    case TERN_ETH_DROP_NONE: return "none";
    case TERN_ETH_DROP_TRUNCATED: return "truncated";
    case TERN_ETH_DROP_NOT_ETHERNET_II: return "not Ethernet II";
    case TERN_ETH_DROP_VLAN: return "VLAN tag";
    default: return "unknown";
  }
}
