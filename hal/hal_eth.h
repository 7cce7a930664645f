/* An Ethernet MAC is a tern_netdev whose medium is TERN_MEDIUM_ETHERNET:
 * poll_recv hands over received frames (destination address to the end of
 * the payload, no FCS, padding left as received), poll_send takes one
 * (the MAC pads short frames to 60 bytes and appends the FCS). Its info
 * carries the station address; link/ethernet turns it into a netdev of IP
 * packets. Drivers: platforms/host (TAP), platforms/mps2_an385 (LAN9118). */
#ifndef TERN_HAL_ETH_H
#define TERN_HAL_ETH_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/netdev.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Ethernet frame limits, without the 4-byte FCS. */
#define TERN_ETH_HEADER_LEN 14
#define TERN_ETH_MIN_FRAME 60
#define TERN_ETH_MAX_FRAME 1514

/* Whether a station address may be used as a source: not multicast (the
 * I/G bit) and not all zero. */
static inline bool tern_eth_mac_valid(const uint8_t mac[6]) {
  return (mac[0] & 1) == 0 &&
         (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0;
}

/* A locally administered unicast address made from 6 random bytes. */
static inline void tern_eth_mac_local(uint8_t mac[6]) {
  mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_HAL_ETH_H */
