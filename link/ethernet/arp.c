/* ARP (RFC 826) for the Ethernet adapter: the IPv4 neighbour cache's
 * solicitations, the answers to requests for our address, RFC 5227
 * announcements and conflict detection. Received packets are checked with
 * the wire library's tern_arp_valid (one compare of the fixed fields
 * against the bytes every packet sent starts with) and read with its
 * accessors; every
 * packet sent is written by its tern_arp_write_target and
 * tern_arp_write_sender, in place. */
#include <string.h>

#include "ethernet_internal.h"
#include "tern/arp_wire.h"
#include "tern/bytes.h"
#include "tern/err.h"
#include "tern/ethernet_wire.h"
#include "tern/timer.h"

static const uint8_t zero[6] = {0, 0, 0, 0, 0, 0};

/* Writes the 28-byte ARP packet at p's data, operation op from us (our
 * MAC and address: 0.0.0.0 without one) to (tha, tpa), and sends it: a
 * request to broadcast, a reply to tha. tha and tpa may be the packet's
 * own sender fields (a reply built over its request). Never waits: a
 * frame the lower device cannot take now is dropped and counted (ARP's
 * retries recover), as is one it refuses and a request the pool had no
 * buffer for (p NULL). */
static int arp_send(tern_eth *eth, tern_pkt *p, uint16_t op, const uint8_t *tha,
                    const uint8_t *tpa) {
  int rc = TERN_ENOBUFS;
  if (p != NULL) {
    uint8_t *a = tern_pkt_data(p);
    tern_arp_write_target(a, tha, tpa);
    tern_arp_write_sender(a, op, eth->mac, (const uint8_t *)&eth->ip);
    rc = tern__eth_out(
        eth, p,
        op == TERN_ARP_OP_REQUEST ? tern__eth_broadcast : tern_arp_tha(a),
        TERN_ETHERTYPE_ARP);
    if (rc == TERN__ETH_BUSY) {
      tern_pkt_free(p);
      rc = TERN_EAGAIN;
    }
  }
  if (rc != 0) {
    eth->stats.arp_tx_fail++;
  }
  return rc;
}

/* A broadcast request for tpa (in RFC 5227 probe form while we have no
 * address), in a buffer from the pool: the IPv4 cache's solicitation, and
 * with tpa our own address an RFC 5227 announcement (section 3: sender
 * and target both us). */
int tern__eth_arp_solicit(void *self, const uint8_t *tpa) {
  tern_eth *eth = self;
  tern_pkt *p = tern_pkt_pool_try_alloc(eth->pool);
  if (p != NULL) {
    /* At the end of the buffer, pushed as a header is: all the room in
     * front, then the packet. Init checked that the lower headroom and
     * both headers fit. */
    TERN_MUST(tern_pkt_reserve(p, tern_pkt_capacity(p)) == 0);
    TERN_MUST(tern_pkt_push(p, TERN_ARP_LEN) != NULL);
  }
  return arp_send(eth, p, TERN_ARP_OP_REQUEST, zero, tpa);
}

/* RFC 826 "Packet Reception", with the sender checks a neighbour cache
 * needs and RFC 5227's conflict detection. Addresses are compared as
 * words (tern_ld32: any alignment), ours being one (eth->ip). */
int tern__eth_arp_input(tern_eth *eth, tern_pkt *p) {
  uint8_t *a = tern_pkt_data(p);
  if (!tern_arp_valid(a, tern_pkt_len(p))) {
    return TERN_ETH_RX_ARP_MALFORMED;
  }
  const uint8_t *sha = tern_arp_sha(a), *spa = tern_arp_spa(a);
  uint32_t sender = tern_ld32(spa);
  /* Not a station that could be a neighbour (a group or zero MAC, or our
   * own frame looped back): never let it into the cache. */
  if ((sha[0] & 1) != 0 || (tern_ld32(sha) | sha[4] | sha[5]) == 0 ||
      memcmp(sha, eth->mac, 6) == 0 || spa[0] >= 224) {
    return TERN_ETH_RX_ARP_BAD_SENDER;
  }
  /* Another station uses our address (RFC 5227 section 2.4), or, while
   * we have none, has or probes the address we probe (section 2.1.1):
   * reported to the layer above, which decides; the cache and our
   * answers are left alone. */
  uint32_t target = tern_ld32(tern_arp_tpa(a)), ip = eth->ip;
  uint32_t mine = ip != 0 ? ip : eth->probe;
  /* What the packet claims: its sender's address, or while we have none
   * and it is a probe (sender 0.0.0.0), the address it probes. */
  uint32_t claimed = (sender | ip) != 0 ? sender : target;
  if (mine != 0 && claimed == mine) {
    tern__eth_raise(eth, TERN_NETDEV_EV_ADDR_CONFLICT);
    return TERN_ETH_RX_ARP_CONFLICT;
  }
  eth->stats.rx_arp++;
  /* Without an address nothing is answered or added. */
  bool request =
      ip != 0 && target == ip && tern_arp_op(a) == TERN_ARP_OP_REQUEST;
  /* Merge: an entry for the sender is updated (completing a resolution);
   * the sender of a request for us may be added (we are about to answer
   * it). A reply creates no entry: with none, we never asked, and an
   * unsolicited reply would let any station plant an address. 0.0.0.0,
   * the sender of an RFC 5227 probe, is never a neighbour. */
  if (sender != 0) {
    (void)tern_neigh_confirm(&eth->arp, spa, sha, tern_now(), request);
  }
  if (!request) {
    tern_pkt_free(p);
  } else {
    /* The request becomes its reply in the same buffer (padding dropped),
     * sent back to the requester, now its target. */
    TERN_MUST(tern_pkt_trim(p, TERN_ARP_LEN) == 0);
    (void)arp_send(eth, p, TERN_ARP_OP_REPLY, sha, spa);
  }
  return TERN__ETH_CONSUMED;
}

int tern_eth_probe(tern_eth *eth, const tern_ipv4_addr *addr) {
  if (eth == NULL || addr == NULL) {
    return TERN_EINVAL;
  }
  /* No host's address (0.0.0.0 but stop watching): 0/8 ("this network"),
   * 127/8 (loopback) and 224.0.0.0 up (multicast, reserved, broadcast),
   * as the IPv4 layer refuses them. */
  uint8_t first = addr->b[0];
  uint32_t a = tern_ld32(addr->b);
  if (a != 0 && (first == 0 || first == 127 || first >= 224)) {
    return TERN_EINVAL;
  }
  if (eth->ip != 0) {
    /* Our own address: RFC 5227 2.4 (b)'s defence, one announcement, as
     * service() sends them. Another: a probe comes from 0.0.0.0. */
    return a == eth->ip ? tern__eth_arp_solicit(eth, addr->b) : TERN_EBUSY;
  }
  /* Nothing goes onto a link that is down (as no announcement does):
   * refused, nothing watched; the caller probes again once it is up. The
   * state is the lower device's now, not the last event's. */
  if (a != 0 &&
      (tern_netdev_get_info(&eth->lower).flags & TERN_NETDEV_UP) == 0) {
    return TERN_ENETDOWN;
  }
  eth->probe = a;
  return a == 0 ? 0 : tern__eth_arp_solicit(eth, addr->b);
}
