/* SYN cookies, RFC 4987 3.6. See tcp_cookie.h. */
#include "tern/tcp_cookie.h"

#include <string.h>

#include "tern/bytes.h"
#include "tern/err.h"

/* 48: Linux's least; 256, 536 (IPv4's default), 966 (SLIP's 1006-byte
 * MTU), 1220 (IPv6's default), 1380 (tunnels), 1440 (Ethernet, IPv6),
 * 1460 (Ethernet, IPv4). */
const uint16_t tern_tcp_cookie_mss[TERN_TCP_COOKIE_MSS_COUNT] = {
    48, 256, 536, 966, 1220, 1380, 1440, 1460,
};

/* The 24-bit hash of the cookie for period t and MSS index m. */
static uint32_t cookie_hash(const tern_hsiphash_key *key,
                            const tern_endpoint *local,
                            const tern_endpoint *remote, uint32_t peer_isn,
                            uint32_t t, unsigned m) {
  uint8_t in[2 * TERN_IP_ADDR_MAX_LEN + 2 + 2 + 4 + 4 + 1];
  size_t alen = tern_ip_addr_len(local->addr.family);
  uint8_t *p = in;
  memcpy(p, local->addr.u.b, alen);
  memcpy(p + alen, remote->addr.u.b, alen);
  p += 2 * alen;
  tern_put_be16(p, local->port);
  tern_put_be16(p + 2, remote->port);
  tern_put_be32(p + 4, peer_isn);
  tern_put_be32(p + 8, t);
  p[12] = (uint8_t)m;
  return tern_hsiphash(key, in, (size_t)(p + 13 - in)) & 0xffffffu;
}

uint32_t tern_tcp_cookie_make(const tern_hsiphash_key *key,
                              const tern_endpoint *local,
                              const tern_endpoint *remote, uint32_t peer_isn,
                              uint16_t peer_mss, tern_time now_ms) {
  unsigned m = 0;
  while (m + 1 < TERN_TCP_COOKIE_MSS_COUNT &&
         tern_tcp_cookie_mss[m + 1] <= peer_mss) {
    m++;
  }
  uint32_t t = now_ms >> TERN_TCP_COOKIE_PERIOD_SHIFT;
  return (t & 31u) << 27 | (uint32_t)m << 24 |
         cookie_hash(key, local, remote, peer_isn, t, m);
}

int tern_tcp_cookie_check(const tern_hsiphash_key *key,
                          const tern_endpoint *local,
                          const tern_endpoint *remote, uint32_t peer_isn,
                          uint32_t cookie, tern_time now_ms, uint16_t *mss) {
  uint32_t now_t = now_ms >> TERN_TCP_COOKIE_PERIOD_SHIFT;
  uint32_t age = (now_t - (cookie >> 27)) & 31u;
  if (age > 1) {
    return TERN_ETIMEDOUT;
  }
  unsigned m = (cookie >> 24) & 7u;
  /* The period it was made in; the clock's wrap is one more period (t is
   * the clock's top 16 bits). */
  uint32_t t = (now_t - age) & 0xffffu;
  if (cookie_hash(key, local, remote, peer_isn, t, m) != (cookie & 0xffffffu)) {
    return TERN_EINVAL;
  }
  *mss = tern_tcp_cookie_mss[m];
  return 0;
}
