#include "tern/ethernet_wire.h"

#include <string.h>

#include "tern/bytes.h"

int tern_eth_repr_parse(tern_eth_repr *out, const uint8_t *buf, size_t len) {
  int rc = tern_eth_check(buf, len);
  if (rc != 0) {
    return rc;
  }
  memcpy(out->dst.b, tern_eth_dst(buf), 6);
  memcpy(out->src.b, tern_eth_src(buf), 6);
  out->ethertype = tern_eth_ethertype(buf);
  return 0;
}

int tern_eth_repr_emit(const tern_eth_repr *r, uint8_t *buf, size_t cap) {
  if (r->ethertype < TERN_ETHERTYPE_MIN) {
    return TERN_EINVAL;
  }
  if (cap < TERN_ETH_HEADER_LEN) {
    return TERN_ENOSPC;
  }
  tern_eth_write_header(buf, r->dst.b, r->src.b, r->ethertype);
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
