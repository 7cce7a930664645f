/* The stub resolver's state machine. See dns.h.
 *
 *   IDLE --cache hit--> READY
 *     |
 *     v
 *   UDP (open a datagram socket, new query, send) --> RECV
 *   RECV --OK / NXDOMAIN / NODATA--> (cache) READY
 *        --TC--> CONNECT --> WRITE --> READ --> CLOSE --> READY
 *        --server error, deadline, socket error--> next attempt (UDP)
 *   CONNECT, WRITE, READ --failure, deadline--> next attempt (UDP)
 *   no attempt left --> READY with TERN_ETIMEDOUT or TERN_EPROTO
 *
 * Every wait is bounded by the attempt's deadline (the resolver's timer,
 * armed beside the socket's poll). */
#include "tern/dns.h"

#include <string.h>

enum {
  ST_IDLE = 0,
  ST_UDP,     /* open, build, send */
  ST_RECV,    /* wait for the answer */
  ST_CONNECT, /* TC: connecting to the same server */
  ST_WRITE,   /* the framed query */
  ST_READ,    /* the framed answer */
  ST_CLOSE,   /* graceful close of the TCP connection, then READY */
};

static const tern_endpoint *server(const tern_dns_resolver *r) {
  return &r->cfg.servers[r->attempt % r->cfg.n_servers];
}

static void arm(tern_dns_resolver *r) {
  tern_timer_cancel(&r->timer);
  r->deadline = tern_now() + ((uint32_t)r->cfg.timeout_ms
                              << (r->attempt / r->cfg.n_servers));
}

static void drop_sock(tern_dns_resolver *r) {
  if (r->sock != NULL) {
    tern_socket_abort(r->sock);
    r->sock = NULL;
  }
}

int tern_dns_resolver_init(tern_dns_resolver *r, tern_net *net,
                           const tern_rng *rng, tern_dns_cache *cache,
                           const tern_dns_config *cfg, uint8_t *buf,
                           size_t cap) {
  if (r == NULL || net == NULL || rng == NULL || cfg == NULL ||
      cfg->servers == NULL || cfg->n_servers == 0 || cfg->rounds == 0 ||
      cfg->rounds > 8 || cfg->timeout_ms == 0 || buf == NULL ||
      cap < TERN_DNS_UDP_MAX) {
    return TERN_EINVAL;
  }
  memset(r, 0, sizeof *r);
  r->net = net;
  r->rng = rng;
  r->cache = cache;
  r->cfg = *cfg;
  r->buf = buf;
  r->cap = cap;
  return 0;
}

void tern_dns_resolver_cancel(tern_dns_resolver *r) {
  tern_timer_cancel(&r->timer);
  drop_sock(r);
  r->state = ST_IDLE;
}

static bool from_server(const tern_endpoint *src, const tern_endpoint *s) {
  return src->port == s->port && src->addr.family == s->addr.family &&
         memcmp(&src->addr.u, &s->addr.u,
                s->addr.family == TERN_IP_V6 ? 16u : 4u) == 0;
}

/* What an answer the codec accepted means for the resolve: 1 when it is
 * done (r->result set, the cache filled), 0 to try the next server, 2 for
 * TC. */
static int take(tern_dns_resolver *r, int res, const char *name, unsigned qtype,
                const tern_ip_addr *addrs, const tern_dns_answer *ans) {
  if (res == TERN_DNS_TRUNCATED) {
    return 2;
  }
  if (res == TERN_DNS_SERVER_ERROR) {
    r->stats.server_errors++;
    r->last_rcode = ans->rcode;
    r->failed = 1;
    return 0;
  }
  if (r->cache != NULL) {
    (void)tern_dns_cache_put(r->cache, name, qtype, res, addrs, ans->n_addrs,
                             ans->ttl, tern_now());
  }
  r->result = res == TERN_DNS_OK         ? (int8_t)ans->n_addrs
              : res == TERN_DNS_NXDOMAIN ? (int8_t)TERN_ENOENT
                                         : (int8_t)TERN_ENODATA;
  return 1;
}

tern_poll tern_dns_poll_resolve(tern_dns_resolver *r, tern_cx *cx,
                                const char *name, unsigned qtype,
                                tern_ip_addr *addrs, size_t cap, int *n) {
  tern_dns_answer ans;
  tern_poll p;
  int err = 0;
  ptrdiff_t got;
  int res;

  if (cap > 100) {
    cap = 100; /* result counts fit an int8_t */
  }
  if (r->state == ST_IDLE) {
    size_t hit;
    if (addrs == NULL || cap == 0) {
      *n = TERN_EINVAL;
      return TERN_READY;
    }
    if (r->cache != NULL) {
      res = tern_dns_cache_get(r->cache, name, qtype, tern_now(), addrs, cap,
                               &hit);
      if (res >= 0) {
        r->stats.cache_hits++;
        *n = res == TERN_DNS_OK         ? (int)hit
             : res == TERN_DNS_NXDOMAIN ? TERN_ENOENT
                                        : TERN_ENODATA;
        return TERN_READY;
      }
    }
    r->attempt = 0;
    r->failed = 0;
    r->state = ST_UDP;
  }

  for (;;) {
    switch (r->state) {
      case ST_UDP:
        if (r->attempt >= r->cfg.rounds * r->cfg.n_servers) {
          r->state = ST_IDLE;
          tern_timer_cancel(&r->timer);
          *n = r->failed ? TERN_EPROTO : TERN_ETIMEDOUT;
          return TERN_READY;
        }
        res = tern_dns_query_build(r->query + 2, TERN_DNS_QUERY_MAX, name,
                                   qtype, r->rng);
        if (res >= 0) {
          r->qlen = (uint16_t)res;
          res = tern_socket_open(r->net, TERN_SOCK_DGRAM, &r->sock);
        }
        if (res < 0) {
          r->sock = NULL;
          r->state = ST_IDLE;
          tern_timer_cancel(&r->timer);
          *n = res;
          return TERN_READY;
        }
        arm(r);
        r->state = ST_RECV;
        p = tern_socket_poll_send_to(r->sock, cx, server(r), r->query + 2,
                                     r->qlen, &err);
        if (p == TERN_PENDING) {
          /* no room in the stack: this attempt is lost, the next one
           * (after the deadline) tries again */
          r->stats.sock_errors++;
        } else if (err != 0) {
          r->stats.sock_errors++;
          goto next;
        } else {
          r->stats.queries++;
          continue;
        }
        break;

      case ST_RECV: {
        tern_endpoint src;
        int len;
        p = tern_socket_poll_recv_from(r->sock, cx, &src, r->buf, r->cap, &len);
        if (p == TERN_PENDING) {
          break;
        }
        if (len < 0) {
          r->stats.sock_errors++; /* ICMP refusal */
          goto next;
        }
        if (!from_server(&src, server(r))) {
          r->stats.drops[0]++;
          continue;
        }
        res = tern_dns_parse(r->query + 2, r->qlen, r->buf,
                             (size_t)len > r->cap ? r->cap : (size_t)len, &ans,
                             addrs, cap);
        if (res < 0) {
          r->stats.drops[-res < TERN_DNS_DROP_COUNT ? -res : 0]++;
          continue;
        }
        res = take(r, res, name, qtype, addrs, &ans);
        if (res == 0) {
          goto next;
        }
        drop_sock(r); /* a datagram socket closes at once */
        if (res == 1) {
          goto done;
        }
        r->stats.tcp++;
        if (tern_socket_open(r->net, TERN_SOCK_STREAM, &r->sock) < 0 ||
            tern_socket_connect(r->sock, server(r)) < 0) {
          r->stats.sock_errors++;
          goto next;
        }
        arm(r);
        r->have = 0;
        r->state = ST_CONNECT;
        continue;
      }

      case ST_CONNECT:
        p = tern_socket_poll_connect(r->sock, cx, &err);
        if (p == TERN_PENDING) {
          break;
        }
        if (err != 0) {
          r->stats.sock_errors++;
          goto next;
        }
        (void)tern_dns_tcp_prefix(r->query, r->qlen);
        r->state = ST_WRITE;
        continue;

      case ST_WRITE: {
        tern_stream st = tern_socket_stream(r->sock);
        p = tern_stream_poll_write(&st, cx, r->query + r->have,
                                   2u + r->qlen - r->have, &got);
        if (p == TERN_PENDING) {
          break;
        }
        if (got <= 0) {
          r->stats.sock_errors++;
          goto next;
        }
        r->have += (size_t)got;
        if (r->have == 2u + r->qlen) {
          r->have = 0;
          r->state = ST_READ;
        }
        continue;
      }

      case ST_READ: {
        tern_stream st = tern_socket_stream(r->sock);
        int mlen = tern_dns_tcp_length(r->buf, r->have);
        size_t want = mlen > 0 ? 2u + (size_t)mlen : 2u;
        if (mlen < 0) {
          r->stats.drops[-mlen]++;
          r->failed = 1;
          goto next;
        }
        if (want > r->cap) {
          r->stats.too_long++;
          r->failed = 1;
          goto next;
        }
        if (mlen > 0 && r->have >= want) {
          res = tern_dns_parse(r->query + 2, r->qlen, r->buf + 2, (size_t)mlen,
                               &ans, addrs, cap);
          if (res < 0) {
            r->stats.drops[-res < TERN_DNS_DROP_COUNT ? -res : 0]++;
            r->failed = 1;
            goto next;
          }
          /* TC again over TCP would loop: take it as a server error */
          if (res == TERN_DNS_TRUNCATED) {
            res = TERN_DNS_SERVER_ERROR;
          }
          if (take(r, res, name, qtype, addrs, &ans) == 0) {
            goto next;
          }
          r->state = ST_CLOSE;
          continue;
        }
        p = tern_stream_poll_read(&st, cx, r->buf + r->have, want - r->have,
                                  &got);
        if (p == TERN_PENDING) {
          break;
        }
        if (got <= 0) {
          r->stats.sock_errors++; /* the end of stream or an error */
          goto next;
        }
        r->have += (size_t)got;
        continue;
      }

      case ST_CLOSE:
        p = tern_socket_poll_close(r->sock, cx, &err);
        if (p == TERN_PENDING) {
          break;
        }
        r->sock = NULL; /* the slot is back */
        goto done;

      default:
        r->state = ST_IDLE;
        *n = TERN_EINVAL;
        return TERN_READY;
    }

    /* The socket's poll is PENDING: wait for it or the deadline. */
    if (tern_sleep_until(&r->timer, cx, r->deadline) == TERN_PENDING) {
      return TERN_PENDING;
    }
    if (r->state == ST_CLOSE) {
      goto done; /* the answer is in: do not wait for the FIN's ack */
    }
    r->stats.timeouts++;
  next:
    drop_sock(r);
    r->attempt++;
    r->state = ST_UDP;
    continue;
  done:
    drop_sock(r);
    tern_timer_cancel(&r->timer);
    r->state = ST_IDLE;
    *n = r->result;
    return TERN_READY;
  }
}
