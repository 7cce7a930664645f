/* The usage example README.md quotes, compiled for the host and the boards
 * and run by ethernet_test. */
#ifndef TERN_ETHERNET_EXAMPLE_H
#define TERN_ETHERNET_EXAMPLE_H

#include "tern/netdev.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Puts the Ethernet adapter (static storage: 4 neighbours, 2 multicast
 * groups, 2 ARP buffers) over `mac`, gives it the address 192.0.2.2 and returns
 * the netdev of IP packets for the IP layer in *ip_dev. Returns 0 or
 * TERN_EINVAL. */
int tern_eth_example_attach(tern_netdev mac, tern_netdev *ip_dev);

/* Undoes tern_eth_example_attach (frees what the adapter holds). */
void tern_eth_example_detach(void);

#ifdef __cplusplus
}
#endif

#endif /* TERN_ETHERNET_EXAMPLE_H */
