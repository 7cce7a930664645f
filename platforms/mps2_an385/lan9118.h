/* SMSC LAN9118 Ethernet controller on the MPS2 AN385 (0x40200000, IRQ 13)
 * as a tern_netdev of Ethernet frames (tern/hal_eth.h, medium
 * TERN_MEDIUM_ETHERNET, MTU 1514, no headroom).
 *
 *   TERN_PKT_POOL_DEFINE(rx_pool, 4, 1514);
 *   static tern_lan9118 eth;
 *   tern_lan9118_init(&eth, &rx_pool, NULL);   // NULL: the chip's address
 *   tern_netdev dev = tern_lan9118_netdev(&eth);
 *
 * Receive: the chip keeps received frames in its RX FIFO (about 10 KB)
 * with a status word each; poll_recv takes the next one into a packet
 * from the caller's pool (tern_pkt_pool_try_alloc: with none free, the
 * frame is read out and dropped, counted in rx_drop_nobuf) and hands it
 * over without its FCS. With the FIFO empty it enables the "RX status
 * FIFO level" interrupt and waits; the handler disables it again and
 * wakes the receiver. Frames the chip had to drop because its FIFO was
 * full are counted in rx_drop_overrun (its RX_DROP counter); frames with
 * an error status (CRC, runt, too long) in rx_drop_malformed, frames
 * longer than the pool's buffers in rx_drop_too_long. One poll drops at
 * most TERN_LAN9118_RX_DROPS_PER_POLL frames, then wakes its own task and
 * returns PENDING, so a flood of bad frames (or of good ones while the
 * pool is empty) cannot keep the executor from running other tasks.
 *
 * Send: poll_send copies the frame into the TX data FIFO behind its two
 * command words, at once if the FIFO has room (then frees the packet and
 * returns READY), else it enables the "TX status FIFO level" interrupt
 * (a frame has left, freeing room) and waits. Statuses of sent frames
 * are read back on the next send; errors are counted in tx_drop_error.
 * The MAC pads short frames and appends the FCS.
 *
 * Link: info.flags has TERN_NETDEV_UP while the PHY reports the link up
 * (basic status register; in QEMU, `set_link` on the monitor). The PHY
 * interrupts on link down and on negotiation complete; the handler notes
 * it and wakes the task in poll_event, which reads the PHY and reports
 * TERN_NETDEV_EV_LINK. While the link is down poll_send frees the packet
 * and fails with TERN_ENETDOWN (tx_drop_down).
 *
 * Multicast: the MAC's 64-bin hash filter (MAC_CR.HPFILT, HASHH/HASHL),
 * which QEMU models too. mcast joins a group MAC (up to
 * TERN_LAN9118_MAX_GROUPS groups, joins counted) and sets its bin; leaving
 * the last join clears the bin unless another group shares it. Groups
 * that share a bin with a joined one get through, so the layer above
 * filters exactly (the Ethernet adapter does). Without joins only unicast
 * to us and broadcast are received.
 *
 * The handler only masks the interrupt it saw and wakes the waiting side;
 * the FIFOs and the PHY are touched by the polls alone, so no lock is
 * needed. One task receives, one sends and one waits for events (one
 * waker each). */
#ifndef TERN_MPS2_AN385_LAN9118_H
#define TERN_MPS2_AN385_LAN9118_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/hal_eth.h"
#include "tern/netdev.h"
#include "tern/pkt.h"
#include "tern/poll.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Frames one poll_recv drops (no buffer, error status, too long) before
 * it yields: wakes its own task and returns PENDING. */
#ifndef TERN_LAN9118_RX_DROPS_PER_POLL
#define TERN_LAN9118_RX_DROPS_PER_POLL 16
#endif

/* Multicast groups the hash filter is kept for (tern_netdev_mcast beyond
 * it: TERN_ENOMEM). IPv4 all-hosts, IPv6 all-nodes and a solicited-node
 * group per address, mDNS: 8 leaves room. */
#ifndef TERN_LAN9118_MAX_GROUPS
#define TERN_LAN9118_MAX_GROUPS 8
#endif

/* One joined multicast group. */
typedef struct tern_lan9118_group {
  uint8_t mac[6];
  uint8_t refs; /* joins not yet left; 0: the slot is free */
} tern_lan9118_group;

/* Driver state (caller storage, 152 bytes on 32-bit). Read counters with
 * tern_netdev_get_stats. */
typedef struct tern_lan9118 {
  tern_pkt_pool *rx_pool;
  tern_waker_slot rx_waker;
  tern_waker_slot tx_waker;
  tern_waker_slot ev_waker; /* the task polling poll_event */
  tern_netdev_stats stats;
  volatile uint32_t irqs; /* interrupts handled (for tests) */
  uint32_t id_rev;        /* the chip's ID_REV: 0x0118xxxx */
  uint8_t mac[6];
  uint8_t up;                   /* the link as last read from the PHY */
  uint8_t events;               /* TERN_NETDEV_EV_* not yet reported */
  volatile uint8_t phy_changed; /* the PHY interrupted: read it again */
  tern_lan9118_group groups[TERN_LAN9118_MAX_GROUPS];
} tern_lan9118;

/* Resets the chip and starts it: checks BYTE_TEST, soft reset, MAC
 * address (mac, or when NULL the address the chip loaded from its EEPROM
 * (under QEMU: -nic's macaddr) if it is a valid unicast one, else a
 * locally administered address from the chip's free-running counter),
 * unicast to it and broadcast accepted, multicast through the hash filter
 * (empty until mcast joins a group), PHY auto-negotiation and its link
 * interrupts, TX and RX on, interrupt line active high, NVIC IRQ 13
 * enabled. Received frames
 * are taken from rx_pool. Returns 0, TERN_EINVAL (NULL argument, invalid
 * mac), TERN_EIO (no LAN9118 answers, or the reset does not finish) or
 * TERN_EBUSY (already initialised). */
int tern_lan9118_init(tern_lan9118 *dev, tern_pkt_pool *rx_pool,
                      const uint8_t mac[6]);

/* The device as a tern_netdev. */
tern_netdev tern_lan9118_netdev(tern_lan9118 *dev);

/* Whether the PHY reports the link up (basic status register, bit 2),
 * read now over MII. */
bool tern_lan9118_link_up(tern_lan9118 *dev);

/* Turns the PHY's internal loopback on or off: while on, every frame sent
 * comes back to our own receiver (through the address filter) and none
 * reaches the wire. For self-tests and the firmware tests. */
void tern_lan9118_set_loopback(tern_lan9118 *dev, bool on);

#ifdef __cplusplus
}
#endif

#endif /* TERN_MPS2_AN385_LAN9118_H */
