#include "link/ethernet/example.h"

#include "tern/ethernet.h"

/* All the adapter's storage, sized here by the application. */
static tern_eth eth;
static tern_neighbour4 neighbours[4];  /* 16 bytes each */
static tern_eth_group groups[2];       /* multicast groups the IP layer joins */
TERN_PKT_POOL_DEFINE(arp_pool, 2, 64); /* ARP frames: 42 bytes + headroom */

int tern_eth_example_attach(tern_netdev mac, tern_netdev *ip_dev) {
  int rc = tern_eth_init(&eth, mac, &arp_pool, neighbours, 4);
  if (rc == 0) {
    rc = tern_eth_set_groups(&eth, groups, 2);
  }
  if (rc != 0) {
    return rc;
  }
  *ip_dev = tern_eth_netdev(&eth);
  /* What the IP layer does when the interface gets its address: ARP now
   * answers for it, and two announcements go out 2 s apart. */
  static const uint8_t addr[4] = {192, 0, 2, 2};
  tern_netdev_set_addr(ip_dev, addr, sizeof addr);
  return 0;
}

void tern_eth_example_detach(void) {
  tern_eth_deinit(&eth);
}
