/* Shared between ethernet.c (the netdev, frame dispatch, the transmit
 * queue) and arp.c (ARP input, the neighbour cache, held packets, timers).
 * Not installed: only the adapter's own sources include it. */
#ifndef TERN_ETHERNET_INTERNAL_H
#define TERN_ETHERNET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/ethernet.h"

#define TERN__ETH_HDR 14

/* Adds a finished frame (Ethernet header included) to the transmit queue. */
void tern__eth_queue_frame(tern_eth *eth, tern_pkt *frame);

/* Pushes the transmit queue to the lower device. Returns whether it is
 * empty now; when not, the lower device holds the adapter's own waker,
 * which wakes both the receive and the send task. */
bool tern__eth_flush(tern_eth *eth);

/* Prepends the Ethernet header (dst, our MAC, IPv4) to a packet whose
 * headroom has been checked. */
void tern__eth_push_header(tern_eth *eth, tern_pkt *pkt, const uint8_t dst[6]);

/* Handles the payload of a received ARP frame. */
void tern__eth_arp_input(tern_eth *eth, const uint8_t *p, size_t n);

/* Finds the link address for pkt->next_hop. Returns 1 with *mac filled
 * (resolved), 0 when the packet is held (the adapter owns it now), or a
 * negative tern_err with a tern_eth_tx_drop reason in *reason (the caller
 * still owns the packet). */
int tern__eth_resolve(tern_eth *eth, tern_pkt *pkt, uint8_t mac[6],
                      int *reason);

/* Runs what is due (retries, failures, expiry, announcements) and arms the
 * timer for the next deadline with the adapter's own waker. */
void tern__eth_service(tern_eth *eth);

/* Frees held packets (deinit). */
void tern__eth_drop_held_all(tern_eth *eth);

/* The adapter's own waker: wakes the receive and the send task. */
tern_cx tern__eth_cx(tern_eth *eth);

#endif /* TERN_ETHERNET_INTERNAL_H */
