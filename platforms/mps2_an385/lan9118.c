/* SMSC LAN9118 driver (see lan9118.h).
 *
 * Register map (LAN9118 datasheet, "System Control and Status
 * Registers"), offsets from 0x40200000 on the AN385: RX data FIFO 0x00,
 * TX data FIFO 0x20, RX status FIFO 0x40, TX status FIFO 0x48, ID_REV
 * 0x50, IRQ_CFG 0x54, INT_STS 0x58, INT_EN 0x5C, BYTE_TEST 0x64 (reads
 * 0x87654321), FIFO_INT 0x68, RX_CFG 0x6C, TX_CFG 0x70, HW_CFG 0x74,
 * RX_FIFO_INF 0x7C, TX_FIFO_INF 0x80, PMT_CTRL 0x84, FREE_RUN 0x9C,
 * RX_DROP 0xA0, MAC_CSR_CMD 0xA4, MAC_CSR_DATA 0xA8. The MAC's own
 * registers (MAC_CR 1, ADDRH 2, ADDRL 3, HASHH 4, HASHL 5, MII_ACC 6,
 * MII_DATA 7) are reached through MAC_CSR_CMD/DATA, and the internal PHY
 * (address 1: basic control 0, basic status 1, interrupt source 29,
 * interrupt mask 30) through MII_ACC/MII_DATA. */
#include "tern/mps2_an385/lan9118.h"

#include <string.h>

#include "tern/cortex_m/nvic.h"
#include "tern/err.h"
#include "tern/port.h"

#define BASE 0x40200000u
#define REG(off) (*(volatile uint32_t *)(BASE + (off)))
#define RX_DATA REG(0x00)
#define TX_DATA REG(0x20)
#define RX_STATUS REG(0x40)
#define TX_STATUS REG(0x48)
#define ID_REV REG(0x50)
#define IRQ_CFG REG(0x54)
#define INT_STS REG(0x58)
#define INT_EN REG(0x5c)
#define BYTE_TEST REG(0x64)
#define FIFO_INT REG(0x68)
#define RX_CFG REG(0x6c)
#define TX_CFG REG(0x70)
#define HW_CFG REG(0x74)
#define RX_FIFO_INF REG(0x7c)
#define TX_FIFO_INF REG(0x80)
#define PMT_CTRL REG(0x84)
#define FREE_RUN REG(0x9c)
#define RX_DROP REG(0xa0)
#define MAC_CSR_CMD REG(0xa4)
#define MAC_CSR_DATA REG(0xa8)

enum {
  ETH_IRQ = 13,
  BYTE_TEST_VALUE = 0x87654321,
  SPIN_LIMIT = 100000,
  /* INT_STS / INT_EN */
  INT_RSFL = 1u << 3, /* RX status FIFO above its FIFO_INT level */
  INT_TSFL = 1u << 7, /* TX status FIFO above its FIFO_INT level */
  INT_PHY = 1u << 18, /* the PHY's interrupt source register is not 0 */
  /* IRQ_CFG: enabled, active high, push-pull */
  IRQ_CFG_TYPE = 1u << 0,
  IRQ_CFG_POL = 1u << 4,
  IRQ_CFG_EN = 1u << 8,
  HW_CFG_SRST = 1u << 0,
  PMT_CTRL_READY = 1u << 0,
  TX_CFG_TX_ON = 1u << 1,
  TX_CFG_TXSAO = 1u << 2, /* a full TX status FIFO does not stop TX */
  /* FIFO_INT: TX data available level 0x48 (reset value); RX and TX
   * status levels 0, so one status raises RSFL/TSFL. */
  FIFO_INT_VALUE = 0x48000000,
  /* MAC CSRs */
  CSR_BUSY = 1u << 31,
  CSR_READ = 1u << 30,
  MAC_CR = 1,
  MAC_ADDRH = 2,
  MAC_ADDRL = 3,
  MAC_HASHH = 4,
  MAC_HASHL = 5,
  MAC_MII_ACC = 6,
  MAC_MII_DATA = 7,
  MAC_CR_RXEN = 1u << 2,
  MAC_CR_TXEN = 1u << 3,
  MAC_CR_HPFILT = 1u << 13, /* multicast through the 64-bin hash filter */
  MII_BUSY = 1u << 0,
  MII_WRITE = 1u << 1,
  PHY_ADDR = 1,
  PHY_BCR = 0,
  PHY_BSR = 1,
  PHY_ISR = 29, /* interrupt source: read to clear */
  PHY_IMR = 30, /* interrupt mask */
  PHY_BCR_LOOPBACK = 1u << 14,
  PHY_BCR_AN_ENABLE = 1u << 12,
  PHY_BCR_AN_RESTART = 1u << 9,
  PHY_BSR_LINK = 1u << 2,
  PHY_INT_AN_COMPLETE = 1u << 6, /* the link (re)negotiated: came up */
  PHY_INT_LINK_DOWN = 1u << 4,
  /* TX command words */
  TXA_FIRST = 1u << 13,
  TXA_LAST = 1u << 12,
  /* RX and TX status words */
  STATUS_ERROR = 1u << 15,
  FCS_LEN = 4,
};

static tern_lan9118 *instance;

static bool csr_wait(void) {
  for (uint32_t i = 0; i < SPIN_LIMIT; i++) {
    if ((MAC_CSR_CMD & CSR_BUSY) == 0) {
      return true;
    }
  }
  return false;
}

static uint32_t mac_read(uint32_t reg) {
  csr_wait();
  MAC_CSR_CMD = CSR_BUSY | CSR_READ | reg;
  csr_wait();
  return MAC_CSR_DATA;
}

static void mac_write(uint32_t reg, uint32_t value) {
  csr_wait();
  MAC_CSR_DATA = value;
  MAC_CSR_CMD = CSR_BUSY | reg;
  csr_wait();
}

static void mii_wait(void) {
  for (uint32_t i = 0; i < SPIN_LIMIT; i++) {
    if ((mac_read(MAC_MII_ACC) & MII_BUSY) == 0) {
      return;
    }
  }
}

static uint32_t phy_read(uint32_t reg) {
  mii_wait();
  mac_write(MAC_MII_ACC, (PHY_ADDR << 11) | (reg << 6) | MII_BUSY);
  mii_wait();
  return mac_read(MAC_MII_DATA) & 0xffff;
}

static void phy_write(uint32_t reg, uint32_t value) {
  mii_wait();
  mac_write(MAC_MII_DATA, value);
  mac_write(MAC_MII_ACC, (PHY_ADDR << 11) | (reg << 6) | MII_WRITE | MII_BUSY);
  mii_wait();
}

/* The interrupt only says which side may go on: it masks what it saw
 * (the poll that waits unmasks it again) and wakes that side. */
void tern_irq13_handler(void) {
  tern_lan9118 *d = instance;
  uint32_t pending = INT_STS & INT_EN;
  INT_EN &= ~pending;
  if (d == NULL) {
    return;
  }
  d->irqs++;
  if (pending & INT_RSFL) {
    tern_waker_slot_wake(&d->rx_waker);
  }
  if (pending & INT_TSFL) {
    tern_waker_slot_wake(&d->tx_waker);
  }
  if (pending & INT_PHY) {
    /* The PHY is read over MII, far too slow for a handler: note it for
     * link_refresh and wake whoever waits for events. */
    d->phy_changed = 1;
    tern_waker_slot_wake(&d->ev_waker);
  }
}

/* Acknowledges and unmasks one interrupt, after the waker is stored. */
static void irq_arm(uint32_t bit) {
  tern_irqstate s = tern_port_critical_enter();
  INT_STS = bit;
  INT_EN |= bit;
  tern_port_critical_exit(s);
}

/* Reads the link state again if the PHY said it changed (the handler saw
 * its interrupt), noting TERN_NETDEV_EV_LINK when it did: called by every
 * poll that looks at the link, in task context. The interrupt is unmasked
 * before the PHY's source register is read (which clears it), so a change
 * after the read interrupts again, and one between the two is read now
 * and merely interrupts once more. */
static void link_refresh(tern_lan9118 *d) {
  if (!d->phy_changed) {
    return;
  }
  d->phy_changed = 0;
  tern_irqstate s = tern_port_critical_enter();
  INT_EN |= INT_PHY;
  tern_port_critical_exit(s);
  uint32_t src = phy_read(PHY_ISR);
  bool up = (phy_read(PHY_BSR) & PHY_BSR_LINK) != 0;
  /* Down and up again since the last look is a change too. */
  if (up != (d->up != 0) || (up && (src & PHY_INT_LINK_DOWN) != 0)) {
    d->events |= TERN_NETDEV_EV_LINK;
  }
  d->up = up;
}

static uint32_t rx_statuses(void) {
  return (RX_FIFO_INF >> 16) & 0xff;
}

static void rx_discard(uint32_t words) {
  while (words-- > 0) {
    (void)RX_DATA;
  }
}

static tern_poll eth_recv(void *self, tern_cx *cx, tern_pkt **pkt, int *err) {
  tern_lan9118 *d = self;
  for (uint32_t drops = 0;; drops++) {
    if (drops == TERN_LAN9118_RX_DROPS_PER_POLL) {
      /* A stream of bad frames (or a pool kept empty) must not hold the
       * run loop: let the other tasks run, and come back at once. */
      tern_cx_wake_now(cx);
      return TERN_PENDING;
    }
    if (rx_statuses() == 0) {
      /* RX_DROP counts all 32 bits (it raises RXDFH at 0x80000000) and
       * clears on read: keep every bit, or drops beyond 65535 between two
       * looks (a flood while the task is away) vanish. */
      d->stats.rx_drop_overrun += RX_DROP;
      tern_waker_slot_register(&d->rx_waker, cx);
      irq_arm(INT_RSFL);
      if (rx_statuses() == 0) {
        return TERN_PENDING;
      }
    }
    uint32_t status = RX_STATUS;
    uint32_t len = (status >> 16) & 0x3fff; /* with the FCS */
    uint32_t words = (len + 3) / 4;
    if ((status & STATUS_ERROR) != 0 || len < TERN_ETH_HEADER_LEN + FCS_LEN) {
      rx_discard(words);
      d->stats.rx_drop_malformed++;
      continue;
    }
    uint32_t frame = len - FCS_LEN;
    if (frame > TERN_ETH_MAX_FRAME || frame > d->rx_pool->buf_size) {
      rx_discard(words);
      d->stats.rx_drop_too_long++;
      continue;
    }
    tern_pkt *p = tern_pkt_pool_try_alloc(d->rx_pool);
    if (p == NULL) {
      rx_discard(words);
      d->stats.rx_drop_nobuf++;
      continue;
    }
    uint8_t *data = tern_pkt_put(p, frame); /* fits: frame <= buf_size */
    for (uint32_t i = 0; i < words; i++) {
      uint32_t w = RX_DATA;
      uint32_t at = 4 * i;
      if (at < frame) {
        memcpy(data + at, &w, frame - at < 4 ? frame - at : 4);
      }
    }
    d->stats.rx_packets++;
    d->stats.rx_bytes += frame;
    *pkt = p;
    *err = 0;
    return TERN_READY;
  }
}

/* Reads back the statuses of frames sent, counting failures. */
static void tx_collect(tern_lan9118 *d) {
  while (((TX_FIFO_INF >> 16) & 0xff) != 0) {
    if (TX_STATUS & STATUS_ERROR) {
      d->stats.tx_drop_error++;
    }
  }
}

static tern_poll eth_send(void *self, tern_cx *cx, tern_pkt *pkt, int *err) {
  tern_lan9118 *d = self;
  uint32_t len = (uint32_t)tern_pkt_len(pkt);
  tx_collect(d);
  link_refresh(d);
  if (!d->up) {
    tern_pkt_free(pkt);
    d->stats.tx_drop_down++;
    *err = TERN_ENETDOWN;
    return TERN_READY;
  }
  if (len > TERN_ETH_MAX_FRAME || len < TERN_ETH_HEADER_LEN) {
    tern_pkt_free(pkt);
    d->stats.tx_drop_too_long += len > TERN_ETH_MAX_FRAME;
    d->stats.tx_drop_error += len < TERN_ETH_HEADER_LEN;
    *err = len > TERN_ETH_MAX_FRAME ? TERN_EMSGSIZE : TERN_EINVAL;
    return TERN_READY;
  }
  /* The FIFO takes whole words: start at the word holding the first byte
   * and tell the chip to skip `off` bytes of it (command A's data start
   * offset). The words read before and after the data stay inside the
   * packet's slot: buffers start word-aligned and slots are whole words. */
  uintptr_t start = (uintptr_t)tern_pkt_data(pkt);
  uint32_t off = (uint32_t)(start & 3);
  uint32_t words = (off + len + 3) / 4;
  if ((TX_FIFO_INF & 0xffff) < 8 + 4 * words) {
    tern_waker_slot_register(&d->tx_waker, cx);
    irq_arm(INT_TSFL);
    if ((TX_FIFO_INF & 0xffff) < 8 + 4 * words) {
      return TERN_PENDING;
    }
  }
  const uint8_t *src = (const uint8_t *)(start - off);
  TX_DATA = TXA_FIRST | TXA_LAST | (off << 16) | len;
  TX_DATA = ((d->stats.tx_packets & 0xffff) << 16) | len;
  for (uint32_t i = 0; i < words; i++) {
    uint32_t w;
    memcpy(&w, src + 4 * i, 4);
    TX_DATA = w;
  }
  tern_pkt_free(pkt);
  d->stats.tx_packets++;
  d->stats.tx_bytes += len;
  *err = 0;
  return TERN_READY;
}

static void eth_info(void *self, tern_netdev_info *info) {
  tern_lan9118 *d = self;
  link_refresh(d);
  memset(info, 0, sizeof *info);
  info->mtu = TERN_ETH_MAX_FRAME;
  info->medium = TERN_MEDIUM_ETHERNET;
  info->flags = d->up ? TERN_NETDEV_UP : 0;
  memcpy(info->mac, d->mac, 6);
}

static tern_poll eth_event(void *self, tern_cx *cx, uint32_t *events) {
  tern_lan9118 *d = self;
  link_refresh(d);
  if (d->events == 0) {
    tern_waker_slot_register(&d->ev_waker, cx);
    /* The interrupt may have come between the look and the register. */
    link_refresh(d);
    if (d->events == 0) {
      return TERN_PENDING;
    }
  }
  *events = d->events;
  d->events = 0;
  return TERN_READY;
}

/* The hash filter's bin for a group address: the top 6 bits of the
 * Ethernet CRC-32 of the address, fed least significant bit first, with
 * the register not reflected (the datasheet's "MAC address filtering";
 * the same bin Linux's smsc911x driver computes). Bit 5 picks HASHH or
 * HASHL, bits 4..0 the bit in it. */
static uint32_t hash_bin(const uint8_t mac[6]) {
  uint32_t crc = 0xffffffffu;
  for (int i = 0; i < 6; i++) {
    uint32_t b = mac[i];
    for (int j = 0; j < 8; j++, b >>= 1) {
      uint32_t carry = (crc >> 31) ^ (b & 1);
      crc <<= 1;
      if (carry) {
        crc ^= 0x04c11db7u;
      }
    }
  }
  return crc >> 26;
}

/* Writes the hash filter for the groups joined now. Several groups may
 * share a bin, so a bin is set while any group in it is joined; the
 * Ethernet adapter above drops what shares a bin but was not joined. */
static void hash_write(const tern_lan9118 *d) {
  uint32_t hash[2] = {0, 0};
  for (int i = 0; i < TERN_LAN9118_MAX_GROUPS; i++) {
    if (d->groups[i].refs != 0) {
      uint32_t bin = hash_bin(d->groups[i].mac);
      hash[bin >> 5] |= 1u << (bin & 31);
    }
  }
  mac_write(MAC_HASHL, hash[0]);
  mac_write(MAC_HASHH, hash[1]);
}

static int eth_mcast(void *self, const uint8_t *group, size_t len, bool join) {
  tern_lan9118 *d = self;
  if (group == NULL || len != 6 || (group[0] & 1) == 0 ||
      memcmp(group, "\xff\xff\xff\xff\xff\xff", 6) == 0) {
    return TERN_EINVAL; /* not a group; broadcast needs no join */
  }
  tern_lan9118_group *slot = NULL;
  tern_lan9118_group *free_slot = NULL;
  for (int i = 0; i < TERN_LAN9118_MAX_GROUPS; i++) {
    tern_lan9118_group *g = &d->groups[i];
    if (g->refs != 0 && memcmp(g->mac, group, 6) == 0) {
      slot = g;
    } else if (g->refs == 0 && free_slot == NULL) {
      free_slot = g;
    }
  }
  if (!join) {
    if (slot == NULL) {
      return TERN_ENOENT;
    }
    if (--slot->refs == 0) {
      hash_write(d);
    }
    return 0;
  }
  if (slot != NULL) {
    if (slot->refs == UINT8_MAX) {
      return TERN_ENOMEM;
    }
    slot->refs++;
    return 0;
  }
  if (free_slot == NULL) {
    return TERN_ENOMEM;
  }
  memcpy(free_slot->mac, group, 6);
  free_slot->refs = 1;
  hash_write(d);
  return 0;
}

static const tern_netdev_stats *eth_stats(void *self) {
  tern_lan9118 *d = self;
  return &d->stats;
}

/* No set_addr: the MAC needs no IP address (ARP is the adapter's). */
static const tern_netdev_ops eth_ops = {
    .poll_recv = eth_recv,
    .poll_send = eth_send,
    .get_info = eth_info,
    .get_stats = eth_stats,
    .poll_event = eth_event,
    .set_addr = NULL,
    .mcast = eth_mcast,
};

static bool wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t want) {
  for (uint32_t i = 0; i < SPIN_LIMIT; i++) {
    if ((*reg & mask) == want) {
      return true;
    }
  }
  return false;
}

int tern_lan9118_init(tern_lan9118 *d, tern_pkt_pool *rx_pool,
                      const uint8_t mac[6]) {
  if (d == NULL || rx_pool == NULL ||
      (mac != NULL && !tern_eth_mac_valid(mac))) {
    return TERN_EINVAL;
  }
  if (instance != NULL) {
    return TERN_EBUSY;
  }
  if (BYTE_TEST != BYTE_TEST_VALUE) {
    return TERN_EIO;
  }
  tern_nvic_disable(ETH_IRQ);
  HW_CFG = HW_CFG_SRST;
  if (!wait_bits(&HW_CFG, HW_CFG_SRST, 0) ||
      !wait_bits(&PMT_CTRL, PMT_CTRL_READY, PMT_CTRL_READY)) {
    return TERN_EIO;
  }
  memset(d, 0, sizeof *d);
  d->rx_pool = rx_pool;
  d->id_rev = ID_REV;

  INT_EN = 0;
  INT_STS = 0xffffffffu;
  IRQ_CFG = IRQ_CFG_EN | IRQ_CFG_POL | IRQ_CFG_TYPE;
  FIFO_INT = FIFO_INT_VALUE;

  if (mac != NULL) {
    memcpy(d->mac, mac, 6);
  } else {
    uint32_t lo = mac_read(MAC_ADDRL);
    uint32_t hi = mac_read(MAC_ADDRH);
    for (int i = 0; i < 4; i++) {
      d->mac[i] = (uint8_t)(lo >> (8 * i));
    }
    d->mac[4] = (uint8_t)hi;
    d->mac[5] = (uint8_t)(hi >> 8);
    bool all_ones = (lo == 0xffffffffu && (hi & 0xffff) == 0xffff);
    if (!tern_eth_mac_valid(d->mac) || all_ones) {
      uint32_t r = FREE_RUN ^ ID_REV;
      d->mac[0] = 0;
      d->mac[1] = 0x54;
      for (int i = 0; i < 4; i++) {
        d->mac[2 + i] = (uint8_t)(r >> (8 * i));
      }
      tern_eth_mac_local(d->mac);
    }
  }
  mac_write(MAC_ADDRL, (uint32_t)d->mac[0] | (uint32_t)d->mac[1] << 8 |
                           (uint32_t)d->mac[2] << 16 |
                           (uint32_t)d->mac[3] << 24);
  mac_write(MAC_ADDRH, (uint32_t)d->mac[4] | (uint32_t)d->mac[5] << 8);

  phy_write(PHY_BCR, PHY_BCR_AN_ENABLE | PHY_BCR_AN_RESTART);
  /* Unicast to us and broadcast always; multicast only to groups joined
   * through mcast (the hash filter starts empty). */
  mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN | MAC_CR_HPFILT);
  TX_CFG = TX_CFG_TX_ON | TX_CFG_TXSAO;
  RX_CFG = 0;

  /* The link: as the PHY has it now, then followed through its interrupt
   * (link down, negotiation complete). Reading the source register first
   * drops what the reset left there. */
  (void)phy_read(PHY_ISR);
  phy_write(PHY_IMR, PHY_INT_LINK_DOWN | PHY_INT_AN_COMPLETE);
  d->up = (phy_read(PHY_BSR) & PHY_BSR_LINK) != 0;
  INT_EN = INT_PHY;

  instance = d;
  tern_nvic_clear_pending(ETH_IRQ);
  tern_nvic_enable(ETH_IRQ);
  return 0;
}

tern_netdev tern_lan9118_netdev(tern_lan9118 *d) {
  tern_netdev n = {&eth_ops, d};
  return n;
}

bool tern_lan9118_link_up(tern_lan9118 *d) {
  (void)d;
  return (phy_read(PHY_BSR) & PHY_BSR_LINK) != 0;
}

void tern_lan9118_set_loopback(tern_lan9118 *d, bool on) {
  (void)d;
  uint32_t bcr = phy_read(PHY_BCR);
  phy_write(PHY_BCR,
            on ? bcr | PHY_BCR_LOOPBACK : bcr & ~(uint32_t)PHY_BCR_LOOPBACK);
}
