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
 * longer than the pool's buffers in rx_drop_too_long.
 *
 * Send: poll_send copies the frame into the TX data FIFO behind its two
 * command words, at once if the FIFO has room (then frees the packet and
 * returns READY), else it enables the "TX status FIFO level" interrupt
 * (a frame has left, freeing room) and waits. Statuses of sent frames
 * are read back on the next send; errors are counted in tx_drop_error.
 * The MAC pads short frames and appends the FCS.
 *
 * The handler only masks the interrupt it saw and wakes the waiting side;
 * the FIFOs are touched by the polls alone, so no lock is needed. One
 * task receives and one sends (one waker each). */
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

/* Driver state (caller storage, 84 bytes on 32-bit). Read counters with
 * tern_netdev_get_stats. */
typedef struct tern_lan9118 {
  tern_pkt_pool *rx_pool;
  tern_waker_slot rx_waker;
  tern_waker_slot tx_waker;
  tern_netdev_stats stats;
  volatile uint32_t irqs; /* interrupts handled (for tests) */
  uint32_t id_rev;        /* the chip's ID_REV: 0x0118xxxx */
  uint8_t mac[6];
} tern_lan9118;

/* Resets the chip and starts it: checks BYTE_TEST, soft reset, MAC
 * address (mac, or when NULL the address the chip loaded from its EEPROM
 * (under QEMU: -nic's macaddr) if it is a valid unicast one, else a
 * locally administered address from the chip's free-running counter),
 * broadcast and all multicast frames accepted (so IPv6 neighbour
 * discovery works without a hash filter), PHY auto-negotiation, TX and
 * RX on, interrupt line active high, NVIC IRQ 13 enabled. Received frames
 * are taken from rx_pool. Returns 0, TERN_EINVAL (NULL argument, invalid
 * mac), TERN_EIO (no LAN9118 answers, or the reset does not finish) or
 * TERN_EBUSY (already initialised). */
int tern_lan9118_init(tern_lan9118 *dev, tern_pkt_pool *rx_pool,
                      const uint8_t mac[6]);

/* The device as a tern_netdev. */
tern_netdev tern_lan9118_netdev(tern_lan9118 *dev);

/* Whether the PHY reports the link up (basic status register, bit 2). */
bool tern_lan9118_link_up(tern_lan9118 *dev);

#ifdef __cplusplus
}
#endif

#endif /* TERN_MPS2_AN385_LAN9118_H */
