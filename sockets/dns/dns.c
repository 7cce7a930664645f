/* The stub resolver's state machine. See dns.h.
 *
 *   IDLE --cache hit--> READY
 *     |
 *     v
 *   UDP (new query, a datagram socket connected to the server)
 *     --> SEND (polled until the socket takes the query) --> RECV
 *   RECV --OK / NXDOMAIN / NODATA--> (cache) READY
 *        --TC--> CONNECT --> WRITE --> READ --> (cache) READY
 *        --server error, malformed answer (the query's ID and question),
 *          deadline, socket error--> next attempt (UDP)
 *        --another ID or question--> RECV (ignored)
 *   SEND, CONNECT, WRITE, READ --failure, deadline--> next attempt (UDP)
 *   no attempt left --> READY with TERN_EPROTO (a server answered with an
 *     error), TERN_ETIMEDOUT (one attempt got nothing), else the last
 *     socket error (no server could be reached: refused, unreachable)
 *
 * Every wait is bounded by the attempt's deadline (the resolver's timer,
 * armed beside the socket's poll). RECV and READ end in the same step
 * (`answer` below): the message goes to the codec against the query, and
 * what it says moves the machine on in the same way over UDP and TCP. */
#include "tern/dns.h"

#include <string.h>

enum {
  ST_IDLE = 0,
  ST_UDP,     /* build, open and connect */
  ST_SEND,    /* the query, once the socket takes it */
  ST_RECV,    /* wait for the answer */
  ST_CONNECT, /* TC: connecting to the same server */
  ST_WRITE,   /* the framed query */
  ST_READ,    /* the framed answer; then the connection is aborted */
};

/* Opens the attempt's socket (a datagram one, or a stream one for the TCP
 * fallback), sets its deadline (each round over the list doubles the
 * wait) and connects it to the server: a datagram socket then takes the
 * server's datagrams only (the socket contract), so one from another
 * address or port never reaches the codec (RFC 5452 9.1). Returns 0,
 * open's error (r->sock NULL) or connect's (r->sock open). */
static int open_sock(tern_dns_resolver *r, tern_socket_type type) {
  int rc = tern_socket_open(r->net, type, &r->sock);
  if (rc < 0) {
    r->sock = NULL;
    return rc;
  }
  r->deadline = tern_now() + ((uint32_t)r->cfg.timeout_ms << r->round);
  return tern_socket_connect(r->sock, r->server);
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

tern_poll tern_dns_poll_resolve(tern_dns_resolver *r, tern_cx *cx,
                                const char *name, unsigned qtype,
                                tern_ip_addr *addrs, size_t cap, int *n) {
  tern_dns_answer ans;
  const uint8_t *msg; /* a whole message for the codec, len bytes */
  size_t len;
  int res; /* what the last call returned, as its contract says: a tern_err
              or a length (query_build's, recv_from's), or a tern_dns_result
              (from the cache or the codec) or -tern_dns_drop */

  if (cap > 100) {
    cap = 100; /* result counts fit an int8_t */
  }
  for (;;) {
    tern_poll p;
    ptrdiff_t got;
    size_t found;
    switch (r->state) {
      case ST_IDLE:
        r->result = TERN_EINVAL;
        if (addrs == NULL || cap == 0) {
          goto done;
        }
        /* (A NULL name misses in the cache and is refused by the query's
         * build, before any socket is opened: TERN_EINVAL.) */
        if (r->cache != NULL) {
          res = tern_dns_cache_get(r->cache, name, qtype, tern_now(), addrs,
                                   cap, &found);
          if (res >= 0) {
            r->stats.cache_hits++;
            goto take;
          }
        }
        r->server = r->cfg.servers;
        r->round = 0;
        r->result = 0;     /* set by the first attempt that ends */
        r->last_rcode = 0; /* none yet in this resolve */
        r->state = ST_UDP;
        continue;

      default: /* ST_UDP */
        res = tern_dns_query_build(r->query + 2, TERN_DNS_QUERY_MAX, name,
                                   qtype, r->rng);
        if (res >= 0) {
          r->qlen = (uint16_t)res;
          res = open_sock(r, TERN_SOCK_DGRAM);
        }
        r->state = ST_SEND;
        if (res < 0) {
          if (r->sock != NULL) {
            goto sock_error; /* connect failed: the next server */
          }
          r->result = (int8_t)res; /* a bad name, or no socket */
          goto done;
        }
        continue;

      case ST_SEND:
        /* PENDING: no room yet (the modem backend: until the socket's
         * link is open); polled again until the deadline, as the socket
         * API asks. */
        p = tern_socket_poll_send_to(r->sock, cx, NULL, r->query + 2, r->qlen,
                                     &res);
        if (p == TERN_PENDING) {
          break;
        }
        if (res != 0) {
          goto sock_error;
        }
        r->stats.queries++;
        r->state = ST_RECV;
        continue;

      case ST_RECV:
        p = tern_socket_poll_recv_from(r->sock, cx, NULL, r->buf, r->cap, &res);
        if (p == TERN_PENDING) {
          break;
        }
        if (res < 0) {
          goto sock_error; /* an ICMP error: refused, unreachable */
        }
        msg = r->buf;
        len = (size_t)res > r->cap ? r->cap : (size_t)res;
        goto answer;

      case ST_CONNECT:
        p = tern_socket_poll_connect(r->sock, cx, &res);
        if (p == TERN_PENDING) {
          break;
        }
        if (res != 0) {
          goto sock_error;
        }
        (void)tern_dns_tcp_prefix(r->query, r->qlen);
        r->have = 0;
        r->state = ST_WRITE;
        continue;

      case ST_WRITE:
      case ST_READ: {
        /* TCP: the framed query out, then the framed answer in, as much
         * as fits (its prefix then says how much is the answer). */
        tern_stream st = tern_socket_stream(r->sock);
        bool writing = r->state == ST_WRITE;
        p = writing ? tern_stream_poll_write(&st, cx, r->query + r->have,
                                             2u + r->qlen - r->have, &got)
                    : tern_stream_poll_read(&st, cx, r->buf + r->have,
                                            r->cap - r->have, &got);
        if (p == TERN_PENDING) {
          break;
        }
        if (got < 0) {
          res = (int)got;
          goto sock_error;
        }
        r->have += (size_t)got;
        if (writing) {
          if (r->have == 2u + r->qlen) {
            r->have = 0;
            r->state = ST_READ;
          }
          continue;
        }
        /* The end of the stream (a write is never READY with 0) before
         * the whole framed answer: the server's answer cut short, taken
         * as a truncated one over UDP is (next server, TERN_EPROTO).
         * Over TCP every byte is the server's: nobody off-path spoofs into
         * the connection, so there is no stray to wait past. */
        res = got == 0 ? -TERN_DNS_DROP_TRUNCATED
                       : tern_dns_tcp_length(r->buf, r->have);
        if (res < 0) {
          goto parsed; /* counted as the parse's drops are */
        }
        len = (size_t)res; /* 0 until the prefix is in */
        if (2u + len > r->cap) {
          r->stats.too_long++;
          goto failed;
        }
        if (len == 0 || r->have < 2u + len) {
          continue;
        }
        msg = r->buf + 2;
        goto answer;
      }
    }

    /* The socket's poll is PENDING: wait for it or the deadline. */
    if (tern_sleep_until(&r->timer, cx, r->deadline) == TERN_PENDING) {
      return TERN_PENDING;
    }
    r->stats.timeouts++;
    res = TERN_ETIMEDOUT;
    goto ended;

  sock_error: /* res: the socket's error */
    r->stats.sock_errors++;
  ended:
    /* An error answer (TERN_EPROTO) outranks no answer (TERN_ETIMEDOUT),
     * which outranks a socket error: the resolve ends with the last one
     * only when every attempt ended so, no server reached (refused,
     * unreachable), as glibc's "connection refused" (before,
     * TERN_ETIMEDOUT, though no attempt had waited). */
    if (r->result != TERN_EPROTO && r->result != TERN_ETIMEDOUT) {
      r->result = (int8_t)res;
    }
    goto next;
  failed: /* the server answered, but not usefully */
    r->result = TERN_EPROTO;
  next:
    drop_sock(r);
    if (++r->server == r->cfg.servers + r->cfg.n_servers) {
      r->server = r->cfg.servers;
      r->round++;
    }
    if (r->round == r->cfg.rounds) {
      goto done; /* TERN_EPROTO, TERN_ETIMEDOUT or a socket error */
    }
    r->state = ST_UDP;
    continue;

  answer:
    /* A message from the server asked, over UDP (RECV) or TCP (READ). */
    res = tern_dns_parse(r->query + 2, r->qlen, msg, len, &ans, addrs, cap);
  parsed: /* res: the codec's (a framing error over TCP too) */
    if (res < 0) {
      r->stats.drops[-res < TERN_DNS_DROP_COUNT ? -res : 0]++;
      if (res >= -TERN_DNS_DROP_QUESTION && r->state == ST_RECV) {
        continue; /* not this query's answer (stray, spoofed): keep waiting */
      }
      goto failed; /* the server's answer, broken: waiting will not mend it */
    }
    if (res == TERN_DNS_TRUNCATED && r->state == ST_RECV) {
      drop_sock(r); /* a datagram socket closes at once */
      r->stats.tcp++;
      res = open_sock(r, TERN_SOCK_STREAM);
      if (res < 0) {
        goto sock_error;
      }
      r->state = ST_CONNECT;
      continue;
    }
    if (res >= TERN_DNS_TRUNCATED) {
      /* SERVFAIL, REFUSED, ...: the next server at once. (TC again over
       * TCP would loop: a server error too.) */
      r->stats.server_errors++;
      /* A referral, and TC, with RCODE 0 (before, read as "none"), get
       * values of their own past the RCODEs. */
      r->last_rcode = ans.rcode != 0              ? ans.rcode
                      : res == TERN_DNS_TRUNCATED ? TERN_DNS_LAST_TRUNCATED
                                                  : TERN_DNS_LAST_REFERRAL;
      goto failed;
    }
    if (r->cache != NULL) {
      (void)tern_dns_cache_put(r->cache, name, qtype, res, addrs, ans.n_addrs,
                               ans.ttl, tern_now());
    }
    found = ans.n_addrs;
  take:
    /* An answer, from a server or the cache: OK, NXDOMAIN or no data. */
    r->result = res == TERN_DNS_OK         ? (int8_t)found
                : res == TERN_DNS_NXDOMAIN ? (int8_t)TERN_ENOENT
                                           : (int8_t)TERN_ENODATA;
    goto done;
  }

done:
  /* The socket and the timer are done with. A TCP connection is aborted
   * once its answer is in, not closed: the end that closes first holds
   * its connection in TIME-WAIT for 2 MSL (a minute by default), and a
   * server keeps the connection for more queries until the client closes
   * it (RFC 7766 6.2.1), so a graceful close took one of the stack's few
   * connections from every fallback after it for that long. */
  tern_dns_resolver_cancel(r);
  *n = r->result;
  return TERN_READY;
}
