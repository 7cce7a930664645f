/* Initial sequence numbers, RFC 6528. See tcp_isn.h. */
#include "tern/tcp_isn.h"

#include <string.h>

#include "tern/bytes.h"

uint32_t tern_tcp_isn(const tern_hsiphash_key *key, const tern_endpoint *local,
                      const tern_endpoint *remote, tern_time now_ms) {
  uint8_t in[2 * TERN_IP_ADDR_MAX_LEN + 2 + 2];
  size_t alen = tern_ip_addr_len(local->addr.family);
  memcpy(in, local->addr.u.b, alen);
  memcpy(in + alen, remote->addr.u.b, alen);
  tern_put_be16(in + 2 * alen, local->port);
  tern_put_be16(in + 2 * alen + 2, remote->port);
  return now_ms * TERN_TCP_ISN_TICKS_PER_MS +
         tern_hsiphash(key, in, 2 * alen + 4);
}
