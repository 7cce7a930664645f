/* ARP packets for IPv4 over Ethernet (RFC 826): parse and emit, no state.
 *
 *   0      2      4    5    6    8     14    18    24    28
 *   | htype | ptype | hlen | plen | op | sha | spa | tha | tpa |
 *
 * Only htype 1 (Ethernet), ptype 0x0800 (IPv4), hlen 6, plen 4 and the
 * operations request (1) and reply (2) are accepted; anything else is
 * dropped with a named reason. After tern_arp_check(buf, len) returns 0,
 * every accessor stays inside the buffer. Bytes after the 28-byte packet
 * (the MAC's padding to 60) are ignored. */
#ifndef TERN_ARP_WIRE_H
#define TERN_ARP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tern/addr.h"
#include "tern/bytes.h"
#include "tern/err.h"
#include "tern/ethernet_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_ARP_LEN 28

#define TERN_ARP_OP_REQUEST 1
#define TERN_ARP_OP_REPLY 2

/* Why a received ARP packet was dropped (negative, index stats by -reason). */
typedef enum tern_arp_drop {
  TERN_ARP_DROP_NONE = 0,
  TERN_ARP_DROP_TRUNCATED = -1, /* shorter than 28 bytes */
  TERN_ARP_DROP_HTYPE = -2,     /* hardware type is not Ethernet (1) */
  TERN_ARP_DROP_PTYPE = -3,     /* protocol type is not IPv4 (0x0800) */
  TERN_ARP_DROP_ADDR_LEN = -4,  /* hlen != 6 or plen != 4 */
  TERN_ARP_DROP_OP = -5,        /* not a request or a reply (RARP, InARP) */
} tern_arp_drop;

#define TERN_ARP_DROP_COUNT 6

/* An Ethernet/IPv4 ARP packet. */
typedef struct tern_arp_repr {
  uint16_t op;       /* TERN_ARP_OP_REQUEST or TERN_ARP_OP_REPLY */
  tern_mac_addr sha; /* sender hardware address */
  tern_ipv4_addr spa;
  tern_mac_addr tha; /* target hardware address; zero in requests */
  tern_ipv4_addr tpa;
} tern_arp_repr;

/* The first six bytes of every packet this library accepts and writes:
 * htype 1 (Ethernet), ptype 0x0800 (IPv4), hlen 6, plen 4. */
extern const uint8_t tern_arp_eth_ipv4[6];

/* Checks buf[0..len) (the Ethernet payload). Returns 0 or a tern_arp_drop
 * reason; reads nothing outside buf. */
static inline int tern_arp_check(const uint8_t *buf, size_t len) {
  if (len < TERN_ARP_LEN) {
    return TERN_ARP_DROP_TRUNCATED;
  }
  if (tern_be16(buf) != 1) { /* htype: Ethernet */
    return TERN_ARP_DROP_HTYPE;
  }
  if (tern_be16(buf + 2) != TERN_ETHERTYPE_IPV4) {
    return TERN_ARP_DROP_PTYPE;
  }
  if (buf[4] != 6 || buf[5] != 4) {
    return TERN_ARP_DROP_ADDR_LEN;
  }
  uint16_t op = tern_be16(buf + 6);
  if (op != TERN_ARP_OP_REQUEST && op != TERN_ARP_OP_REPLY) {
    return TERN_ARP_DROP_OP;
  }
  return 0;
}

/* tern_arp_check()'s verdict without its reason: whether buf[0..len) is a
 * request or a reply that it accepts, found with one compare of the fixed
 * fields. Inline: the adapter's ARP input, which counts every refusal as
 * one reason, is its one caller in a firmware. */
static inline bool tern_arp_valid(const uint8_t *buf, size_t len) {
  uint16_t op = len >= TERN_ARP_LEN ? tern_be16(buf + 6) : 0;
  return (op == TERN_ARP_OP_REQUEST || op == TERN_ARP_OP_REPLY) &&
         memcmp(buf, tern_arp_eth_ipv4, 6) == 0;
}

/* tern_arp_check(), then fills *out (untouched on failure). */
int tern_arp_repr_parse(tern_arp_repr *out, const uint8_t *buf, size_t len);

/* Writes the 28-byte packet for r. Returns TERN_ARP_LEN, TERN_ENOSPC when
 * cap is smaller, or TERN_EINVAL when r->op is not a request or a reply. */
int tern_arp_repr_emit(const tern_arp_repr *r, uint8_t *buf, size_t cap);

/* Writes a 28-byte Ethernet/IPv4 ARP packet at buf (the caller has the
 * room): operation op (request or reply) and the four addresses, with
 * tern_arp_write_target and tern_arp_write_sender (below), which the
 * Ethernet adapter calls on their own to build packets in place. */
void tern_arp_write(uint8_t *buf, uint16_t op, const uint8_t sha[6],
                    const uint8_t spa[4], const uint8_t tha[6],
                    const uint8_t tpa[4]);

/* Writes the target fields (bytes 18 to 28) of the packet at buf. They do
 * not overlap the sender fields, so a request becomes the start of its
 * reply in place with tern_arp_write_target(buf, tern_arp_sha(buf),
 * tern_arp_spa(buf)) (RFC 826: the requester becomes the target). */
static inline void tern_arp_write_target(uint8_t *buf, const uint8_t tha[6],
                                         const uint8_t tpa[4]) {
  memcpy(buf + 18, tha, 6);
  memcpy(buf + 24, tpa, 4);
}

/* Writes the rest (bytes 0 to 18): the fixed fields (tern_arp_eth_ipv4),
 * operation op and the sender fields. */
static inline void tern_arp_write_sender(uint8_t *buf, uint16_t op,
                                         const uint8_t sha[6],
                                         const uint8_t spa[4]) {
  memcpy(buf, tern_arp_eth_ipv4, 6);
  tern_put_be16(buf + 6, op);
  memcpy(buf + 8, sha, 6);
  memcpy(buf + 14, spa, 4);
}

/* A request asking who has tpa, from (sha, spa). The target hardware
 * address is zero; send it to tern_mac_broadcast(). */
void tern_arp_request(tern_arp_repr *out, const tern_mac_addr *sha,
                      const tern_ipv4_addr *spa, const tern_ipv4_addr *tpa);

/* The reply to a parsed request that asked for one of our addresses:
 * sender = (our_mac, req->tpa), target = the requester. Send it unicast to
 * req->sha (RFC 826, "Packet Reception"). */
void tern_arp_reply(tern_arp_repr *out, const tern_arp_repr *req,
                    const tern_mac_addr *our_mac);

/* A gratuitous ARP announcing (mac, ip), in the form of RFC 5227 section
 * 3 (ARP Announcement): a request whose sender and target protocol
 * addresses are both ip and whose target hardware address is zero. Send it
 * to tern_mac_broadcast(). */
void tern_arp_announce(tern_arp_repr *out, const tern_mac_addr *mac,
                       const tern_ipv4_addr *ip);

/* The name of a tern_arp_drop reason; "unknown" otherwise. */
const char *tern_arp_drop_name(int reason);

/* Accessors, valid after tern_arp_check(buf, len) returned 0. */
static inline uint16_t tern_arp_op(const uint8_t *p) {
  return tern_be16(p + 6);
}
static inline const uint8_t *tern_arp_sha(const uint8_t *p) {
  return p + 8;
}
static inline const uint8_t *tern_arp_spa(const uint8_t *p) {
  return p + 14;
}
static inline const uint8_t *tern_arp_tha(const uint8_t *p) {
  return p + 18;
}
static inline const uint8_t *tern_arp_tpa(const uint8_t *p) {
  return p + 24;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_ARP_WIRE_H */
