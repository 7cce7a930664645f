// Fuzz target for the Ethernet II and ARP parsers: any frame must be
// rejected cleanly or parse to headers that emit and parse back to the
// same values (and, for ARP, to the same 28 bytes).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/arp_wire.h"
#include "tern/ethernet_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Zeroed so that memcmp on the reprs never sees stray padding.
  tern_eth_repr eth, eth2;
  memset(&eth, 0, sizeof eth);
  memset(&eth2, 0, sizeof eth2);
  if (tern_eth_repr_parse(&eth, data, size) != 0) {
    return 0;
  }
  uint8_t out[TERN_ETH_HEADER_LEN + TERN_ARP_LEN];
  if (tern_eth_repr_emit(&eth, out, sizeof out) != TERN_ETH_HEADER_LEN ||
      memcmp(out, data, TERN_ETH_HEADER_LEN) != 0 ||
      tern_eth_repr_parse(&eth2, out, TERN_ETH_HEADER_LEN) != 0 ||
      memcmp(&eth, &eth2, sizeof eth) != 0) {
    abort();
  }
  // The adapter writes headers with tern_eth_write_header: the same bytes.
  uint8_t w[TERN_ETH_HEADER_LEN];
  tern_eth_write_header(w, eth.dst.b, eth.src.b, eth.ethertype);
  if (memcmp(w, data, TERN_ETH_HEADER_LEN) != 0) {
    abort();
  }
  // Group MACs from any bytes: the fixed prefixes, and the low 23 bits
  // (IPv4) or last four bytes (IPv6) of the group.
  if (size >= 16) {
    uint8_t m4[6], m6[6];
    tern_eth_mcast_ipv4(m4, data);
    tern_eth_mcast_ipv6(m6, data);
    if (m4[0] != 0x01 || m4[1] != 0x00 || m4[2] != 0x5e ||
        m4[3] != (data[1] & 0x7f) || memcmp(m4 + 4, data + 2, 2) != 0 ||
        m6[0] != 0x33 || m6[1] != 0x33 || memcmp(m6 + 2, data + 12, 4) != 0) {
      abort();
    }
  }
  // Every frame's payload goes through the ARP parser, whatever its type,
  // so the fuzzer need not find the EtherType first.
  const uint8_t *p = data + TERN_ETH_HEADER_LEN;
  size_t n = size - TERN_ETH_HEADER_LEN;
  tern_arp_repr arp, arp2;
  memset(&arp, 0, sizeof arp);
  memset(&arp2, 0, sizeof arp2);
  // The adapter's check is the parser's verdict without the reason.
  if (tern_arp_valid(p, n) != (tern_arp_check(p, n) == 0)) {
    abort();
  }
  if (tern_arp_repr_parse(&arp, p, n) != 0) {
    return 0;
  }
  uint8_t *a = out + TERN_ETH_HEADER_LEN;
  if (tern_arp_repr_emit(&arp, a, TERN_ARP_LEN) != TERN_ARP_LEN ||
      memcmp(a, p, TERN_ARP_LEN) != 0 ||
      tern_arp_repr_parse(&arp2, a, TERN_ARP_LEN) != 0 ||
      memcmp(&arp, &arp2, sizeof arp) != 0) {
    abort();
  }
  // The adapter builds packets in place with the two halves of
  // tern_arp_write: the same bytes, over whatever the buffer held.
  uint8_t h[TERN_ARP_LEN];
  memset(h, 0xa5, sizeof h);
  tern_arp_write_target(h, arp.tha.b, arp.tpa.b);
  tern_arp_write_sender(h, arp.op, arp.sha.b, arp.spa.b);
  if (memcmp(h, p, TERN_ARP_LEN) != 0) {
    abort();
  }
  return 0;
}
