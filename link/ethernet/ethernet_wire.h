/* Ethernet II frame headers (IEEE 802.3 with an EtherType, RFC 894): parse
 * and emit, no state.
 *
 *   0      6      12         14
 *   | dst  | src  | type | payload ... (no FCS: the MAC adds and strips it)
 *
 * Usage: tern_eth_check() (or tern_eth_repr_parse(), which calls it) once on a
 * received frame. After tern_eth_check() returns 0, every accessor below
 * stays inside the buffer and the payload is buf + TERN_ETH_HEADER_LEN,
 * len - TERN_ETH_HEADER_LEN bytes (it may end in the MAC's padding; the
 * layer above finds its own length). Emission writes the 14-byte header
 * only: the payload follows it in the caller's buffer, and short frames are
 * padded to 60 bytes by the MAC, not here. */
#ifndef TERN_ETHERNET_WIRE_H
#define TERN_ETHERNET_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_ETH_HEADER_LEN 14
/* The smallest frame on the wire without its FCS; shorter ones are padded. */
#define TERN_ETH_MIN_FRAME_LEN 60

/* EtherTypes (IANA "ieee-802-numbers"). */
#define TERN_ETHERTYPE_IPV4 0x0800u
#define TERN_ETHERTYPE_ARP 0x0806u
#define TERN_ETHERTYPE_IPV6 0x86ddu
#define TERN_ETHERTYPE_VLAN 0x8100u /* IEEE 802.1Q C-tag */
#define TERN_ETHERTYPE_QINQ 0x88a8u /* IEEE 802.1ad S-tag */
/* IEEE 802.3 clause 3.2.6: type field values up to 1500 are a length,
 * 0x0600 and up an EtherType; in between is undefined. */
#define TERN_ETHERTYPE_MIN 0x0600u

/* A 48-bit MAC address, in wire order. */
typedef struct tern_mac_addr {
  uint8_t b[6];
} tern_mac_addr;

/* Why a received frame was dropped: tern_eth_check() returns one of these
 * (negative), so a stats array indexed by -reason counts them. */
typedef enum tern_eth_drop {
  TERN_ETH_DROP_NONE = 0,
  /* Shorter than the 14-byte header. */
  TERN_ETH_DROP_TRUNCATED = -1,
  /* The type field is an IEEE 802.3 length (< 0x0600): an LLC/SNAP frame,
   * not Ethernet II. */
  TERN_ETH_DROP_NOT_ETHERNET_II = -2,
  /* An 802.1Q or 802.1ad VLAN tag: VLANs are not supported. */
  TERN_ETH_DROP_VLAN = -3,
} tern_eth_drop;

/* One more than the largest -reason, for sizing stats arrays. */
#define TERN_ETH_DROP_COUNT 4

/* The parsed header. */
typedef struct tern_eth_repr {
  tern_mac_addr dst;
  tern_mac_addr src;
  uint16_t ethertype; /* TERN_ETHERTYPE_* or any other value >= 0x0600 */
} tern_eth_repr;

/* The broadcast address ff:ff:ff:ff:ff:ff. */
static inline tern_mac_addr tern_mac_broadcast(void) {
  tern_mac_addr m = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  return m;
}

/* Whether the group bit (I/G, the lowest bit of the first octet) is set:
 * multicast or broadcast. */
static inline int tern_mac_is_group(const tern_mac_addr *m) {
  return m->b[0] & 1;
}

/* Checks that buf[0..len) holds an Ethernet II header that this stack
 * handles. Returns 0 or a tern_eth_drop reason. Reads nothing outside buf.
 * Inline: the adapter's receive path is its one caller in a firmware. */
static inline int tern_eth_check(const uint8_t *buf, size_t len) {
  if (len < TERN_ETH_HEADER_LEN) {
    return TERN_ETH_DROP_TRUNCATED;
  }
  uint16_t type = tern_be16(buf + 12);
  if (type < TERN_ETHERTYPE_MIN) {
    return TERN_ETH_DROP_NOT_ETHERNET_II;
  }
  /* 0x9100 is the pre-standard QinQ tag some switches still send. */
  if (type == TERN_ETHERTYPE_VLAN || type == TERN_ETHERTYPE_QINQ ||
      type == 0x9100u) {
    return TERN_ETH_DROP_VLAN;
  }
  return 0;
}

/* tern_eth_check(), then fills *out. Returns 0 or a tern_eth_drop reason;
 * *out is untouched on failure. */
int tern_eth_repr_parse(tern_eth_repr *out, const uint8_t *buf, size_t len);

/* Writes the 14-byte header for r at buf (cap bytes available). Returns
 * TERN_ETH_HEADER_LEN, or TERN_ENOSPC when cap is smaller, or TERN_EINVAL
 * when r->ethertype is below 0x0600 (not an EtherType). */
int tern_eth_repr_emit(const tern_eth_repr *r, uint8_t *buf, size_t cap);

/* The name of a tern_eth_drop reason ("truncated"); "unknown" otherwise. */
const char *tern_eth_drop_name(int reason);

/* Writes a 14-byte header at buf: dst, src and an EtherType (>= 0x0600).
 * The caller has room for it. tern_eth_repr_emit() checks and calls it. */
static inline void tern_eth_write_header(uint8_t *buf, const uint8_t dst[6],
                                         const uint8_t src[6],
                                         uint16_t ethertype) {
  memcpy(buf, dst, 6);
  memcpy(buf + 6, src, 6);
  tern_put_be16(buf + 12, ethertype);
}

/* The group MAC an IPv4 multicast group (224.0.0.0/4) is sent to: 01-00-5E
 * and the group's low 23 bits (RFC 1112 section 6.4). */
static inline void tern_eth_mcast_ipv4(uint8_t mac[6], const uint8_t group[4]) {
  mac[0] = 0x01;
  mac[1] = 0x00;
  mac[2] = 0x5e;
  mac[3] = group[1] & 0x7f;
  mac[4] = group[2];
  mac[5] = group[3];
}

/* The group MAC an IPv6 multicast group (ff00::/8) is sent to: 33-33 and
 * the group's last four bytes (RFC 2464 section 7). */
static inline void tern_eth_mcast_ipv6(uint8_t mac[6],
                                       const uint8_t group[16]) {
  mac[0] = 0x33;
  mac[1] = 0x33;
  memcpy(mac + 2, group + 12, 4);
}

/* Accessors, valid after tern_eth_check(buf, len) returned 0. */
static inline uint16_t tern_eth_ethertype(const uint8_t *frame) {
  return tern_be16(frame + 12);
}
static inline const uint8_t *tern_eth_dst(const uint8_t *frame) {
  return frame;
}
static inline const uint8_t *tern_eth_src(const uint8_t *frame) {
  return frame + 6;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_ETHERNET_WIRE_H */
