/* The AT-modem backend: see socket_at.h and README.md. */
#include "tern/socket_at.h"

#include <string.h>

enum { K_FREE = 0, K_STREAM, K_DGRAM };

/* A socket's link, as the modem has it. */
enum {
  S_IDLE = 0, /* no link (fresh, bound, or a datagram socket not sent yet) */
  S_START,    /* a link reserved: AT+CIPSTART wanted, or no CONNECT yet */
  S_STATUS,   /* the link is up (its CONNECT): AT+CIPSTATUS wanted next */
  S_OPEN,     /* connected */
  S_GONE,     /* the link ended without our close (peer, failure) */
  S_CLOSED,   /* our AT+CIPCLOSE is done */
  S_LISTEN,   /* the listener (no link; the modem's one server) */
};

/* The modem's server (AT+CIPSERVER), as the backend has asked for it. The
 * want states are commands to send: one server at a time, so a listener
 * that closes while its AT+CIPSERVER=1 is in flight leaves SRV_STOP, and
 * a new listener then waits for the old server's AT+CIPSERVER=0. */
enum {
  SRV_OFF = 0,
  SRV_ON,   /* 1: socket_at_test.cc waits for it */
  SRV_WANT, /* AT+CIPSERVER=1,<port> wanted or in flight */
  SRV_STO,  /* AT+CIPSTO=0 wanted or in flight */
  SRV_STOP, /* AT+CIPSERVER=0 wanted or in flight */
};

enum {
  F_BOUND = 1,
  F_PEER = 2,       /* the peer is fixed (connect) */
  F_WR_CLOSED = 4,  /* the stream's close was called */
  F_CLOSING = 8,    /* AT+CIPCLOSE wanted once tx is sent */
  F_HELD = 16,      /* passive mode: the modem may hold bytes of the link */
  F_NOTE = 32,      /* ... and said so since the last AT+CIPRECVDATA */
  F_PICKED = 64,    /* the local port is pick_port's, not the application's */
  F_REPICKED = 128, /* ... and its first pick was refused */
};

/* The command in flight. */
enum {
  OP_NONE = 0,
  OP_SYNC, /* AT+CIPMUX? after a timeout, instead of AT: see op_timeout */
  OP_AT,
  OP_ATE0,
  OP_MUX,
  OP_DINFO,
  OP_RECVMODE,
  OP_CIFSR,
  OP_START, /* AT+CIPSTART */
  OP_STATUS,
  OP_SEND,
  OP_RECV, /* AT+CIPRECVDATA */
  OP_CLOSE,
  OP_SERVER,   /* AT+CIPSERVER=1,<port> (SRV_WANT) */
  OP_STO,      /* AT+CIPSTO=0 (SRV_STO) */
  OP_UNSERVER, /* AT+CIPSERVER=0 (SRV_STOP) */
};
/* The start sequence is OP_AT..OP_CIFSR, after a timeout OP_SYNC, then
 * OP_ATE0..OP_CIFSR. */
#define STARTUP_DONE OP_START

enum {
  PH_RESULT = 0,
  PH_ACK,    /* OP_SEND: its OK, which comes before the prompt */
  PH_PROMPT, /* OP_SEND: the prompt */
  PH_PAYLOAD,
  PH_SEND_OK,
  PH_SYNCED, /* OP_SYNC: its +CIPMUX: line came */
  PH_GOT,    /* OP_RECV: its +CIPRECVDATA came */
  PH_LINKED, /* OP_START: its link's CONNECT came */
};

#define NO_SOCK 0xFF
#define LINK_FREE 0xFF
#define LINK_ORPHAN 0xFE  /* held by the modem: no socket owns it */
#define LINK_PENDING 0xFD /* an incoming connection not accepted yet */

/* What the modem said of the command's link before its final result
 * (link_said): the latest of these counts, but a CLOSED does not undo
 * FAILED or TAKEN. */
enum {
  SAID_NOTHING = 0,
  SAID_FAILED,   /* OP_START: CONNECT FAIL (ERROR follows): refused */
  SAID_TAKEN,    /* OP_START: ALREADY CONNECTED: the modem holds the link */
  SAID_CLOSED,   /* OP_START, OP_CLOSE: the link's CLOSED came */
  SAID_REOPENED, /* OP_CLOSE: after its CLOSED, a CONNECT: a new connection */
};
#define CONNECT_MS 10000u
/* Bytes of frames read while a command waits that renew its deadline:
 * two of the largest a push can be (one skipped as too long, with its
 * header). Past them its answer must come within timeout_ms, so pushes
 * that keep coming do not keep a lost answer's command alive for ever. */
#define RENEW_MAX (2u * (TERN_AT_IPD_LEN_MAX + 1u))

/* Each op's command when it has no arguments (NULL: formatted in cmd). */
static const char *const op_cmds[] = {
    [OP_SYNC] =
        /* CR LF first: it ends a command line cut short, or the zeros
         * owed to a given-up AT+CIPSEND (op_give_up), as a line of its
         * own. */
    "\r\n" TERN_AT_CMD_MUX_QUERY,
    [OP_AT] = TERN_AT_CMD_AT,
    [OP_ATE0] = TERN_AT_CMD_ECHO_OFF,
    [OP_MUX] = TERN_AT_CMD_MUX_ON,
    [OP_DINFO] = TERN_AT_CMD_DINFO_ON,
    [OP_RECVMODE] = TERN_AT_CMD_RECV_PASSIVE,
    [OP_CIFSR] = "AT+CIFSR\r\n",
    [OP_STATUS] = "AT+CIPSTATUS\r\n",
    [OP_STO] = TERN_AT_CMD_STO_OFF,
    [OP_UNSERVER] = TERN_AT_CMD_SERVER_OFF,
};

static size_t ip_len(const tern_ip_addr *a) {
  return tern_ip_family_supported(a->family) ? tern_ip_addr_len(a->family) : 0;
}

static bool same_ip(const tern_ip_addr *a, const tern_ip_addr *b) {
  return a->family == b->family && memcmp(a->u.b, b->u.b, ip_len(a)) == 0;
}

/* Everything from kind on zero (no endpoints, empty rings, no wakers:
 * TERN_WAKER_SLOT_INIT), then the kind, and no link. */
static void sock_reset(tern_socket_at_sock *s, uint8_t kind) {
  memset(&s->kind, 0, sizeof *s - offsetof(tern_socket_at_sock, kind));
  s->kind = kind;
  s->link = NO_SOCK;
}

static tern_socket_at_sock *sock_of(tern_socket *s) {
  return (tern_socket_at_sock *)(void *)s;
}

static uint8_t index_of(const tern_socket_at_sock *s) {
  return (uint8_t)(s - s->m->socks);
}

static void wake_runner(tern_socket_at *m) {
  tern_waker_slot_wake(&m->runner);
}

static void wake_both(tern_socket_at_sock *s) {
  tern_waker_slot_wake(&s->rd);
  tern_waker_slot_wake(&s->wr);
}

/* ---- rings ---- */

static size_t ring_free(const tern_socket_at_sock *s) {
  return s->rx_cap - s->rx_len;
}

static void ring_put(tern_socket_at_sock *s, const void *p, size_t n) {
  const uint8_t *b = (const uint8_t *)p;
  for (size_t i = 0; i < n; i++) {
    s->rx[(s->rx_head + s->rx_len + i) % s->rx_cap] = b[i];
  }
  s->rx_len += n;
}

/* Takes n bytes from the ring into p (NULL: drops them). */
static void ring_get(tern_socket_at_sock *s, void *p, size_t n) {
  uint8_t *b = (uint8_t *)p;
  for (size_t i = 0; i < n; i++) {
    if (b != NULL) {
      b[i] = s->rx[(s->rx_head + i) % s->rx_cap];
    }
  }
  s->rx_head = (s->rx_head + n) % s->rx_cap;
  s->rx_len -= n;
}

/* The reader took bytes: room for what the modem holds. */
static void rx_taken(tern_socket_at_sock *s) {
  if (s->flags & F_HELD) {
    wake_runner(s->m);
  }
}

/* ---- links ---- */

static int link_take(tern_socket_at_sock *s) {
  tern_socket_at *m = s->m;
  for (uint8_t l = 0; l < TERN_SOCKET_AT_LINKS; l++) {
    if (m->link_sock[l] == LINK_FREE) {
      m->link_sock[l] = index_of(s);
      s->link = l;
      s->state = S_START;
      wake_runner(m); /* for its AT+CIPSTART */
      return 0;
    }
  }
  return TERN_ENOMEM;
}

static void link_free(tern_socket_at *m, uint8_t l) {
  if (l < TERN_SOCKET_AT_LINKS) {
    m->link_sock[l] = LINK_FREE;
    m->orphan = (uint8_t)(m->orphan & ~(1u << l));
    m->pend_held = (uint8_t)(m->pend_held & ~(1u << l));
  }
}

/* The link is the modem's and nobody's: the runner closes it. */
static void link_orphan(tern_socket_at *m, uint8_t l) {
  m->link_sock[l] = LINK_ORPHAN;
  m->orphan |= (uint8_t)(1u << l);
}

/* The socket's link ended without our close. A command of its still in
 * flight finishes for nobody (its result, its SEND OK, is no longer about
 * this socket's buffers, and the slot may be freed and opened again). */
static void sock_gone(tern_socket_at_sock *s, int err) {
  if (s->m->cur == index_of(s)) {
    s->m->cur = NO_SOCK;
  }
  s->m->link_sock[s->link] = LINK_FREE;
  s->link = NO_SOCK;
  s->state = S_GONE;
  if (err != 0 && s->err == 0) {
    s->err = err;
  }
  if (s->kind == K_DGRAM) {
    s->tx_len = 0;
  }
  wake_both(s);
}

/* The connection fails with err, and its link, which the modem may still
 * hold open, is closed by the runner. */
static void sock_fail(tern_socket_at_sock *s, int err) {
  uint8_t l = s->link;
  if (l != NO_SOCK) {
    sock_gone(s, err);
    link_orphan(s->m, l);
  }
}

static tern_socket_at_sock *link_owner(tern_socket_at *m, uint8_t link) {
  if (link >= TERN_SOCKET_AT_LINKS || m->link_sock[link] >= m->nsocks) {
    return NULL;
  }
  return &m->socks[m->link_sock[link]];
}

/* ---- the listener ---- */

/* The listener, if there is one that has not failed or begun to close. */
static tern_socket_at_sock *listener(tern_socket_at *m) {
  tern_socket_at_sock *s = m->lst < m->nsocks ? &m->socks[m->lst] : NULL;
  return s != NULL && !(s->flags & F_CLOSING) && s->err == 0 ? s : NULL;
}

/* The listener fails: its accept reports err. A closing listener is
 * woken too (its close may be done). */
static void lst_fail(tern_socket_at *m, int err) {
  tern_socket_at_sock *s = listener(m);
  if (s != NULL) {
    s->err = err;
  }
  if (m->lst < m->nsocks) {
    wake_both(&m->socks[m->lst]);
  }
}

/* "<l>,CONNECT" for a link nobody here opened: a connection to the
 * modem's server (client), or a link the modem kept for nobody (!client).
 * A client's waits for accept, up to the backlog; beyond it, with no
 * listener, or nobody's, it is closed and counted. */
static void incoming(tern_socket_at *m, uint8_t l, bool client) {
  tern_socket_at_sock *s = listener(m);
  if (client && s != NULL && m->npend < m->backlog) {
    m->pend[m->npend++] = l;
    m->link_sock[l] = LINK_PENDING;
    tern_waker_slot_wake(&s->rd);
  } else {
    m->stats.refused++;
    link_orphan(m, l);
  }
}

/* Link l, pending, is gone (its CLOSED, or taken by accept). */
static void pend_remove(tern_socket_at *m, uint8_t l) {
  uint8_t k = 0;
  for (uint8_t i = 0; i < m->npend; i++) {
    if (m->pend[i] != l) {
      m->pend[k++] = m->pend[i];
    }
  }
  m->npend = k;
}

/* ---- the command in flight ---- */

/* The command goes out: op's own (op_cmds), or len bytes of cmd. */
static void op_begin(tern_socket_at *m, uint8_t op, uint8_t cur, uint8_t link,
                     int len) {
  const char *c = op_cmds[op];
  uint32_t t = m->timeout_ms;
  m->out = c != NULL ? c : m->cmd;
  m->op = op;
  m->phase = op == OP_SEND ? PH_ACK : PH_RESULT;
  m->cur = cur;
  m->op_link = link;
  m->link_said = SAID_NOTHING;
  m->cmd_len = c != NULL ? strlen(c) : (size_t)len;
  m->cmd_off = 0;
  if (op == OP_START && t < CONNECT_MS) {
    t = CONNECT_MS; /* the modem's own connect timeout */
  }
  m->op_ms = t;
  m->deadline = tern_now() + t;
  m->renew = RENEW_MAX;
}

/* The command's payload moved (written after the prompt, or its answer's
 * read): a payload takes as long as the UART needs, so the deadline
 * counts from its latest bytes (before, one deadline covered a whole
 * AT+CIPSEND or AT+CIPRECVDATA, which at a slow baud rate timed out
 * while the modem was taking or giving every byte), by the command's own
 * period (before, timeout_ms: a push read while AT+CIPSTART waited cut
 * its 10 s to that). */
static void op_alive(tern_socket_at *m) {
  m->deadline = tern_now() + m->op_ms;
}

static void op_end(tern_socket_at *m) {
  m->op = OP_NONE;
  m->cur = NO_SOCK;
  m->op_link = LINK_FREE; /* no link is the command's */
  m->cmd_len = m->cmd_off = 0;
  m->pay_len = m->pay_off = 0;
  m->fill = 0;
  tern_timer_cancel(&m->timer);
}

/* An AT+CIPSEND is given up before its payload was taken (no prompt in
 * time, or an answer other than the prompt): if the modem prompts after
 * all, it takes the next pay_len bytes it reads as payload, whatever they
 * are (ESP-AT, README.md). So nothing goes to the modem before that many
 * zeros (never a command: payload to the dropped link at worst) and a line
 * end, then the start sequence runs again from AT+CIPMUX?, which sorts the
 * answers the zeros may get (SEND OK, ERROR) from the ones that count. */
static void op_give_up(tern_socket_at *m) {
  m->owe = m->pay_len;
  m->startup = OP_SYNC;
}

static tern_socket_at_sock *op_sock(tern_socket_at *m) {
  return m->cur < m->nsocks ? &m->socks[m->cur] : NULL;
}

/* The modem restarted, stopped answering or went away: every link is
 * gone, and the listener fails. A restarted modem has no server; one that
 * stopped answering may still have it (AT+CIPSERVER=0 once the listener
 * closes). After a restart (keep) a link taken for an AT+CIPSTART that
 * has not gone out stays its socket's: the modem never opened it, and
 * the connect goes on once the start sequence is done. */
static void all_links_gone(tern_socket_at *m, int err, bool keep) {
  for (uint16_t i = 0; i < m->nsocks; i++) {
    tern_socket_at_sock *s = &m->socks[i];
    if (s->kind != K_FREE && s->link != NO_SOCK &&
        !(keep && s->state == S_START && m->cur != i)) {
      sock_gone(s, err);
    }
  }
  for (uint8_t l = 0; l < TERN_SOCKET_AT_LINKS; l++) {
    if (m->link_sock[l] >= m->nsocks) {
      link_free(m, l);
    }
  }
  m->npend = 0;
  lst_fail(m, err);
  m->srv = err == TERN_ETIMEDOUT && m->srv != SRV_OFF ? SRV_STOP : SRV_OFF;
}

/* The modem holds link l, which s had taken for its AT+CIPSTART: s takes
 * another link. A connection to its server took l (its CONNECT came,
 * before our command or while it ran, then ALREADY CONNECTED): an
 * incoming one. Without a CONNECT the modem kept l from before (a reset
 * here, a connect that timed out here): nobody's, closed and counted as
 * with no server up (before, with a server up it waited for accept as a
 * client's: ModemTest.LinkHeldFromBeforeIsNotAcceptedByTheListener). */
static void link_stolen(tern_socket_at *m, tern_socket_at_sock *s, uint8_t l,
                        bool client) {
  m->link_sock[l] = LINK_PENDING; /* not free for s's next pick */
  if (s != NULL && link_take(s) != 0) {
    sock_gone(s, TERN_ENOMEM); /* no other link: as connect with none */
  }
  incoming(m, l, client);
}

/* A final result of the command in flight. */
static void op_result(tern_socket_at *m, uint8_t kind) {
  tern_socket_at_sock *s = op_sock(m);
  switch (m->op) {
    case OP_NONE: m->stats.stray++; return;
    case OP_SYNC:
      /* Results before the +CIPMUX: line are late ones of commands that
       * timed out: not this command's. */
      if (m->phase != PH_SYNCED) {
        m->stats.stray++;
        return;
      }
      m->startup = OP_ATE0;
      break;
    case OP_DINFO:
      /* AT+CIPRECVDATA's answers then name the sender. */
      tern_at_parser_recvdata_remote(&m->parser, kind == TERN_AT_EV_OK);
      m->startup++;
      break;
    case OP_AT:
    case OP_ATE0:
    case OP_MUX:
    case OP_RECVMODE:
    case OP_CIFSR:
      /* AT until OK (the modem may still be booting); the rest go on
       * whatever they answer (no station address: the local address
       * stays unspecified; no passive mode: the modem pushes +IPD with
       * its data, as older firmware does). */
      if (m->op != OP_AT || kind == TERN_AT_EV_OK) {
        m->startup++;
      }
      break;
    case OP_START:
      if (kind == TERN_AT_EV_CONNECT_FAIL || kind == TERN_AT_EV_ALREADY) {
        /* ERROR follows. ALREADY CONNECTED: the modem holds the link
         * for someone else (a connection to the server that took it
         * first, or one left from before a reset here): see
         * link_stolen; the connect moves. */
        m->link_said = kind == TERN_AT_EV_ALREADY ? SAID_TAKEN : SAID_FAILED;
        return;
      }
      m->taken = m->link_said == SAID_TAKEN ? (uint8_t)(m->taken + 1) : 0;
      if (m->link_said == SAID_TAKEN) {
        /* Said of as many links in a row as the modem has: it holds
         * them all (it says so again of links closed here), so the
         * connect ends as with no free link; before, it went round the
         * links for ever. */
        if (m->taken >= TERN_SOCKET_AT_LINKS && s != NULL) {
          m->taken = 0;
          sock_gone(s, TERN_ENOMEM);
          s = NULL;
        }
        link_stolen(m, s, m->op_link, m->phase == PH_LINKED);
      } else if (kind == TERN_AT_EV_OK && m->link_said == SAID_NOTHING) {
        if (s != NULL) {
          s->state = S_STATUS;
        } else {
          m->orphan |= (uint8_t)(1u << m->op_link); /* aborted meanwhile */
        }
      } else if (s != NULL && kind != TERN_AT_EV_OK &&
                 (s->flags & (F_PICKED | F_REPICKED)) == F_PICKED) {
        /* A port picked here may be one the modem's own lwIP holds: one
         * other pick (next_for_sock), then the refusal below. */
        s->local.port = 0;
        s->flags |= F_REPICKED;
      } else if (s != NULL) {
        /* ESP-AT does not tell a refusal from a timeout or a taken
         * port: a datagram link with a local port the application chose
         * most likely found it taken. One whose port was picked here
         * (or by the modem) has no such port to blame: on tern and
         * posix it would not fail at all, so TERN_EIO, the modem's
         * unnamed refusal (README). OK after the link's CLOSED: it came
         * and went (the connect succeeds, then the end of stream). */
        int err = TERN_ECONNREFUSED;
        if (kind == TERN_AT_EV_OK && m->link_said == SAID_CLOSED) {
          err = 0;
        } else if (s->kind == K_DGRAM) {
          err = s->local.port != 0 && !(s->flags & F_PICKED) ? TERN_EADDRINUSE
                                                             : TERN_EIO;
        }
        sock_gone(s, err);
      } else {
        link_free(m, m->op_link);
      }
      break;
    case OP_STATUS:
      if (s != NULL && s->state == S_STATUS) {
        s->state = S_OPEN;
        wake_both(s);
      }
      break;
    case OP_SEND:
      if (m->phase <= PH_PROMPT && kind == TERN_AT_EV_OK) {
        m->phase = PH_PROMPT; /* the prompt follows: "OK\r\n\r\n>" */
        return;
      }
      if (m->phase == PH_PAYLOAD) {
        return; /* not expected now: wait for the real result */
      }
      if (m->phase <= PH_PROMPT) {
        op_give_up(m); /* refused; unless that was not its answer */
      }
      if (s != NULL) {
        if (kind == TERN_AT_EV_SEND_OK && m->phase == PH_SEND_OK) {
          s->tx_len -= m->pay_len;
          memmove(s->tx, s->tx + m->pay_len, s->tx_len);
        } else if (s->kind == K_DGRAM) {
          s->tx_len = 0; /* lost, as a datagram may be */
        } else {
          /* SEND FAIL, or ERROR ("link is not valid"): the link broke */
          sock_fail(s, TERN_ECONNRESET);
        }
        tern_waker_slot_wake(&s->wr);
      }
      break;
    case OP_RECV:
      if (kind != TERN_AT_EV_OK && kind != TERN_AT_EV_ERROR) {
        m->stats.stray++; /* not an answer AT+CIPRECVDATA gives */
        return;
      }
      /* Less than asked (or ERROR: none held) and no notice since the
       * command went out: the modem holds nothing more. */
      if (s != NULL && (kind != TERN_AT_EV_OK || m->pay_off < m->pay_len) &&
          !(s->flags & F_NOTE)) {
        s->flags &= (uint8_t)~F_HELD;
      }
      break;
    case OP_CLOSE:
      if (s != NULL && s->link == m->op_link) {
        s->link = NO_SOCK;
        s->state = S_CLOSED;
        wake_both(s);
      }
      link_free(m, m->op_link);
      if (m->link_said == SAID_REOPENED) {
        incoming(m, m->op_link, true);
      }
      break;
    case OP_SERVER:
      if (kind == TERN_AT_EV_OK) {
        /* Up; unless the listener closed meanwhile: then down again. */
        m->srv = m->srv == SRV_WANT ? SRV_STO : SRV_STOP;
      } else if (m->srv == SRV_WANT) {
        /* ESP-AT says only ERROR: most likely the port is taken. */
        m->srv = SRV_OFF;
        lst_fail(m, TERN_EADDRINUSE);
      } else {
        m->srv = listener(m) != NULL ? SRV_WANT : SRV_OFF;
      }
      break;
    case OP_STO:
      /* ERROR (firmware that refuses it) leaves the modem's idle timeout:
       * README.md. */
      if (m->srv == SRV_STO) {
        m->srv = SRV_ON;
      }
      break;
    case OP_UNSERVER:
      m->srv = listener(m) != NULL ? SRV_WANT : SRV_OFF;
      if (m->lst < m->nsocks) {
        wake_both(&m->socks[m->lst]); /* a listener's close */
      }
      break;
    default: break;
  }
  op_end(m);
}

/* ---- events ---- */

/* A +IPD (active mode) or a +CIPRECVDATA (passive mode) for socket s
 * (NULL: nobody's) begins. The bytes of one that is dropped are counted
 * as they come (on_ipd_data). */
static void on_ipd(tern_socket_at *m, tern_socket_at_sock *s,
                   const tern_at_event *ev) {
  m->ipd_sock = NO_SOCK;
  if (s == NULL || s->state == S_START) {
    /* A link a connect took that the modem has not opened for it (no
     * CONNECT yet) is nobody's: its bytes are not the connection's
     * (before, they went into its ring). Active mode: a connection
     * waiting for accept has no ring for its bytes (nor one whose header
     * did not parse: they are lost). It is closed and counted, as beyond
     * the backlog, rather than accepted with the start of its stream
     * missing. */
    if ((ev->value > 0 || ev->kind == TERN_AT_EV_IPD_BAD) &&
        ev->link < TERN_SOCKET_AT_LINKS &&
        m->link_sock[ev->link] == LINK_PENDING) {
      pend_remove(m, ev->link);
      m->stats.refused++;
      link_orphan(m, ev->link);
    }
    return;
  }
  if (s->kind == K_DGRAM) {
    /* A connected socket takes its peer's datagrams only. */
    if (((s->flags & F_PEER) && ev->has_remote &&
         (ev->remote.port != s->peer.port ||
          !same_ip(&ev->remote.addr, &s->peer.addr))) ||
        ring_free(s) < TERN_SOCKET_AT_DGRAM_HDR + ev->value) {
      return;
    }
    uint8_t hdr[2] = {(uint8_t)(ev->value >> 8), (uint8_t)ev->value};
    ring_put(s, hdr, 2);
    ring_put(s, &ev->remote, sizeof ev->remote);
    if (ev->value == 0) {
      tern_waker_slot_wake(&s->rd);
      return;
    }
    s->rx_open = TERN_SOCKET_AT_DGRAM_HDR; /* not a datagram until whole */
  }
  if (ev->value > 0) {
    m->ipd_sock = index_of(s); /* the payload's, until its last byte */
  }
}

static void on_ipd_data(tern_socket_at *m, const tern_at_event *ev) {
  if (m->ipd_sock >= m->nsocks) {
    m->stats.rx_dropped += (uint32_t)ev->len;
    return;
  }
  tern_socket_at_sock *s = &m->socks[m->ipd_sock];
  size_t n = ev->len, room = ring_free(s);
  if (n > room) {
    /* Only a stream (a datagram's room was checked), in active mode or
     * from a modem that answered more than asked: the bytes that fit go
     * in, the rest is dropped and the stream, which now has a hole,
     * fails after them (before, it went on past the hole). */
    m->stats.rx_dropped += (uint32_t)(n - room);
    ring_put(s, ev->data, room);
    m->ipd_sock = NO_SOCK; /* the rest of the payload is dropped */
    sock_fail(s, TERN_ENOBUFS);
    return;
  }
  ring_put(s, ev->data, n);
  if (s->kind == K_DGRAM) {
    s->rx_open = ev->value == 0 ? 0 : s->rx_open + n;
  }
  if (s->kind == K_STREAM || ev->value == 0) {
    tern_waker_slot_wake(&s->rd);
  }
  if (ev->value == 0) {
    m->ipd_sock = NO_SOCK;
  }
}

/* The parser is reset: a +IPD in progress will not finish. A datagram's
 * partial record is taken back out of the ring; a stream has a hole (and
 * what the modem said meanwhile, if its length lied), so it fails and
 * its link is closed. ipd_sock names a socket only inside its payload. */
static void ipd_cut(tern_socket_at *m) {
  tern_socket_at_sock *s =
      m->ipd_sock < m->nsocks ? &m->socks[m->ipd_sock] : NULL;
  if (s != NULL) {
    if (s->kind == K_DGRAM) {
      s->rx_len -= s->rx_open;
      s->rx_open = 0;
    } else {
      sock_fail(s, TERN_ETIMEDOUT);
    }
  }
  m->ipd_sock = NO_SOCK;
  tern_at_parser_reset(&m->parser);
}

/* A line that is no result. Returns whether it says that the modem
 * restarted unheard. */
static bool on_line(tern_socket_at *m, const tern_at_event *ev) {
  if (m->op == OP_SYNC && ev->len > 8 && memcmp(ev->data, "+CIPMUX:", 8) == 0) {
    m->phase = PH_SYNCED;
    m->owe = 0; /* the modem reads commands again */
    /* Single-link mode, which only a restart gives once AT+CIPMUX=1 was
     * sent: one whose "ready" was not heard (read as a payload's bytes,
     * whose count the restart cut short). */
    return ev->data[8] == '0';
  } else if (m->op == OP_CIFSR) {
    tern_ip_addr ip;
    if (tern_at_info_staip(ev->data, ev->len, &ip) == 0) {
      m->sta_ip = ip;
    }
  } else if (m->op == OP_STATUS) {
    unsigned link;
    tern_endpoint remote;
    uint16_t port;
    if (tern_at_info_cipstatus(ev->data, ev->len, &link, &remote, &port) == 0) {
      tern_socket_at_sock *s = link_owner(m, (uint8_t)link);
      if (s != NULL && s->state == S_STATUS) {
        s->local.addr = m->sta_ip;
        s->local.port = port;
        if (m->link_sock[link] == m->acc) {
          s->peer = remote; /* being accepted: who connected */
        }
      }
    }
  }
  return false;
}

static void on_event(tern_socket_at *m, const tern_at_event *ev) {
  switch (ev->kind) {
    case TERN_AT_EV_OK:
    case TERN_AT_EV_ERROR:
    case TERN_AT_EV_FAIL:
    case TERN_AT_EV_SEND_OK:
    case TERN_AT_EV_SEND_FAIL:
    case TERN_AT_EV_ALREADY: op_result(m, ev->kind); break;
    case TERN_AT_EV_PROMPT:
      /* The payload's turn, once AT+CIPSEND's OK came (ESP-AT answers
       * "OK" then ">"); any other prompt (a given-up send's, whose zeros
       * are owed or sent already, or junk, also one before the OK) is no
       * result. */
      if (m->op == OP_SEND && m->phase == PH_PROMPT) {
        m->phase = PH_PAYLOAD;
      } else {
        m->stats.stray++;
      }
      break;
    case TERN_AT_EV_CONNECT_FAIL:
      if (m->op == OP_START && ev->link == m->op_link) {
        op_result(m, ev->kind);
      }
      break;
    case TERN_AT_EV_CLOSED: {
      if (ev->link == m->op_link && (m->op == OP_CLOSE || m->op == OP_START)) {
        /* The command's own result settles the link; AT+CIPSTART's OK
         * after it is a connection that is gone already. After
         * AT+CIPCLOSE's link was taken again (SAID_REOPENED): that
         * connection came and went. */
        if (m->link_said == SAID_NOTHING || m->link_said == SAID_REOPENED) {
          m->link_said = SAID_CLOSED;
        }
        break;
      }
      tern_socket_at_sock *s = link_owner(m, ev->link);
      if (s != NULL) {
        /* FIN and RST alike: end of stream. Not of a link whose
         * AT+CIPSTART has not gone out: the modem has not opened it. */
        if (s->state != S_START) {
          sock_gone(s, 0);
        }
      } else if (ev->link < TERN_SOCKET_AT_LINKS && ev->link != m->op_link) {
        uint8_t o = m->link_sock[ev->link];
        if (o == LINK_PENDING) {
          pend_remove(m, ev->link); /* came and went before accept */
        }
        if (o == LINK_PENDING || o == LINK_ORPHAN) {
          link_free(m, ev->link);
        }
      }
      break;
    }
    case TERN_AT_EV_CONNECT: {
      /* Ours after AT+CIPSTART, or a connection to the server. */
      if (ev->link >= TERN_SOCKET_AT_LINKS) {
        break;
      }
      tern_socket_at_sock *s = link_owner(m, ev->link);
      if (m->op == OP_CLOSE && ev->link == m->op_link) {
        /* Once AT+CIPCLOSE's CLOSED came, the modem may give the link
         * to a connection to its server before the OK: it waits for
         * accept once the close is done. */
        if (m->link_said == SAID_CLOSED) {
          m->link_said = SAID_REOPENED;
        }
      } else if (m->link_sock[ev->link] == LINK_FREE) {
        incoming(m, ev->link, true);
      } else if (m->op == OP_START && m->op_link == ev->link) {
        m->phase = PH_LINKED; /* ours, or a client's if ALREADY CONNECTED */
        if (s != NULL) {
          s->state = S_STATUS; /* the link is up (AT+CIPSTART's OK next) */
        }
      } else if (s != NULL && s->state == S_START) {
        link_stolen(m, s, ev->link, true); /* before AT+CIPSTART went out */
      }
      break;
    }
    case TERN_AT_EV_LINE:
      if (!on_line(m, ev)) {
        break;
      }
      /* A restart unheard, found by the resync (+CIPMUX:0): as a
       * "ready" (before, the links lived on here while the modem had
       * dropped them: a reader waited for ever). */
      /* fall through */
    case TERN_AT_EV_READY:
      /* The modem restarted, unless this is its boot while AT waits for
       * its first OK: later, also while the start sequence runs again
       * after a timeout, links and settings were lost with it. */
      if (m->startup != OP_AT) {
        /* A connect not sent yet waits through one restart; one more
         * before the start sequence is done again is a modem restarting
         * in a loop: it ends too (before, it waited for ever). */
        bool keep = !m->rebooted;
        m->rebooted = 1;
        m->stats.restarts++;
        all_links_gone(m, TERN_ECONNRESET, keep);
        if (m->op != OP_NONE) {
          tern_socket_at_sock *s = op_sock(m);
          if (s != NULL && s->kind == K_DGRAM) {
            s->tx_len = 0;
          }
          op_end(m);
        }
        m->startup = OP_AT;
        m->owe = 0;
      }
      break;
    case TERN_AT_EV_IPD: on_ipd(m, link_owner(m, ev->link), ev); break;
    case TERN_AT_EV_IPD_HELD: {
      tern_socket_at_sock *s = link_owner(m, ev->link);
      if (s != NULL && ev->value > 0) {
        s->flags |= F_HELD | F_NOTE;
      } else if (ev->link < TERN_SOCKET_AT_LINKS &&
                 m->link_sock[ev->link] == LINK_PENDING) {
        m->pend_held |= (uint8_t)(1u << ev->link); /* for its accept */
      }
      break;
    }
    case TERN_AT_EV_RECVDATA: {
      /* The answer to the AT+CIPRECVDATA in flight, once. */
      tern_socket_at_sock *s = NULL;
      if (m->op == OP_RECV && m->phase == PH_RESULT) {
        s = op_sock(m);
        m->phase = PH_GOT;
        m->pay_off = ev->value;
      }
      on_ipd(m, s, ev);
      break;
    }
    case TERN_AT_EV_IPD_DATA:
    case TERN_AT_EV_RECVDATA_DATA:
    case TERN_AT_EV_TOO_LONG_DATA: on_ipd_data(m, ev); break;
    case TERN_AT_EV_IPD_TOO_LONG:
    case TERN_AT_EV_IPD_BAD: {
      /* Longer than the parser takes (its payload skipped, and counted
       * as dropped as it comes), or a header that did not parse (its
       * payload lost: before, without a word): a stream it was for has
       * a hole and fails (a datagram is lost, as one may be). on_ipd
       * makes the skipped bytes nobody's, even after a +IPD of 0 bytes
       * left its socket as the payload's. Not a link whose connect has
       * had no CONNECT yet (S_START): the modem has not opened it for
       * us, so the header is only counted (before, the connect failed
       * with TERN_ENOBUFS). */
      tern_socket_at_sock *s = ev->link == TERN_AT_NO_LINK && m->op == OP_RECV
                                   ? op_sock(m)
                                   : link_owner(m, ev->link);
      on_ipd(m, NULL, ev); /* nobody's; one waiting for accept: closed */
      if (s != NULL && s->kind == K_STREAM && s->state != S_START) {
        sock_fail(s, TERN_ENOBUFS);
      }
      break;
    }
    default: break; /* echo, busy, Recv, WIFI: nothing to do */
  }
}

/* No final result in time: the socket fails, the parser and the modem's
 * state are started again. With no command (OP_NONE): a frame the UART
 * went quiet in, whose length lied (a restart inside it, lost bytes), is
 * cut, and the resync finds what became of the modem. */
static void op_timeout(tern_socket_at *m) {
  tern_socket_at_sock *s = op_sock(m);
  m->stats.timeouts++;
  ipd_cut(m);
  if (m->op != OP_NONE && m->op < STARTUP_DONE) {
    /* The modem does not answer: nothing waiting on it can complete. */
    all_links_gone(m, TERN_ETIMEDOUT, false);
  } else if (m->op == OP_SERVER || m->op == OP_STO) {
    /* The server may be up or not: the listener fails, and the server is
     * deleted once the listener closes. */
    lst_fail(m, TERN_ETIMEDOUT);
    m->srv = SRV_STOP;
  } else if (m->op_link < TERN_SOCKET_AT_LINKS) {
    uint8_t l = m->op_link;
    if (s != NULL && s->link == l) {
      sock_gone(s, TERN_ETIMEDOUT);
    }
    link_orphan(m, l); /* it may be open: close it */
  }
  /* The command may still be answered, late: the next command must not
   * take that answer for its own. So the start sequence begins with
   * AT+CIPMUX?, which nothing else sends: results before its "+CIPMUX:"
   * line are late ones, discarded (stray). A send may still be
   * prompted, even once its payload went out (the modem may have lost
   * bytes of it): zeros first. */
  m->startup = OP_SYNC;
  if (m->op == OP_SEND) {
    op_give_up(m);
  }
  op_end(m);
}

/* ---- choosing the next command ---- */

/* Whether another socket of s's kind holds port: any datagram socket; of
 * streams, a bound one (a listener), not the connections it accepted. */
static bool port_taken(tern_socket_at *m, tern_socket_at_sock *s,
                       uint16_t port) {
  for (tern_socket_at_sock *t = m->socks; t < m->socks + m->nsocks; t++) {
    if (t != s && t->kind == s->kind && t->local.port == port &&
        (s->kind == K_DGRAM || (t->flags & F_BOUND))) {
      return true;
    }
  }
  return false;
}

/* An unbound datagram socket's local port, named in its AT+CIPSTART: RFC
 * 6056 3.3.1 (a random start in 49152..65535, then the next free one;
 * fewer than 254 sockets cannot fill the range). 0 or TERN_EIO. */
static int pick_port(tern_socket_at *m, tern_socket_at_sock *s) {
  uint16_t r;
  if (tern_rng_fill(m->rng, &r, sizeof r) != 0) {
    return TERN_EIO;
  }
  uint16_t port;
  do {
    port = (uint16_t)(r++ | 0xC000u); /* 49152 + r % 16384 */
  } while (port_taken(m, s, port));
  s->local.port = port;
  s->flags |= F_PICKED;
  return 0;
}

static bool next_for_sock(tern_socket_at *m, tern_socket_at_sock *s) {
  int n = 0;
  uint8_t i = index_of(s);
  if (s->kind == K_FREE || s->link == NO_SOCK) {
    return false;
  }
  if (s->state == S_START) {
    if (s->flags & F_CLOSING) {
      /* Closed while its AT+CIPSTART ran, which moved it to this link
       * (ALREADY CONNECTED): not opened, so freed (close_link). */
      sock_gone(s, 0);
      return false;
    }
    tern_at_proto p = s->kind == K_STREAM ? TERN_AT_TCP : TERN_AT_UDP;
    const tern_endpoint *to = (s->flags & F_PEER) ? &s->peer : &s->dst;
    uint16_t lp = 0;
    if (s->kind == K_DGRAM) {
      if (s->local.port == 0 && m->rng != NULL) {
        n = pick_port(m, s); /* before, the modem's (lwIP: the next) */
      }
      lp = s->local.port;
    }
    if (n == 0) {
      n = tern_at_cmd_cipstart(m->cmd, sizeof m->cmd, s->link, p, to, lp);
    }
    if (n < 0) {
      sock_gone(s, n);
      return false;
    }
    op_begin(m, OP_START, i, s->link, n);
    return true;
  }
  /* Being closed, the link needs no AT+CIPSTATUS: AT+CIPCLOSE next, as
   * after an abort (before, the status went out first). */
  if (s->state == S_STATUS && !(s->flags & F_CLOSING)) {
    op_begin(m, OP_STATUS, i, s->link, 0);
    return true;
  }
  if (s->state != S_OPEN && s->state != S_STATUS) {
    return false;
  }
  if ((s->flags & (F_HELD | F_CLOSING)) == F_HELD) {
    /* Passive mode: fetch what the modem holds, no more than the ring
     * takes (a datagram: only once its largest fits). */
    size_t room = ring_free(s), want = 1;
    if (s->kind == K_DGRAM) {
      room =
          room > TERN_SOCKET_AT_DGRAM_HDR ? room - TERN_SOCKET_AT_DGRAM_HDR : 0;
      want = s->rx_cap - TERN_SOCKET_AT_DGRAM_HDR;
      want = want < TERN_AT_SEND_MAX ? want : TERN_AT_SEND_MAX;
    }
    room = room < TERN_AT_SEND_MAX ? room : TERN_AT_SEND_MAX;
    if (room >= want) {
      n = tern_at_cmd_ciprecvdata(m->cmd, sizeof m->cmd, s->link, room);
      op_begin(m, OP_RECV, i, s->link, n);
      m->pay_len = room;
      s->flags &= (uint8_t)~F_NOTE;
      return true;
    }
  }
  if (s->tx_len > 0) {
    size_t len = s->tx_len < TERN_AT_SEND_MAX ? s->tx_len : TERN_AT_SEND_MAX;
    n = s->kind == K_DGRAM
            ? tern_at_cmd_cipsend_to(m->cmd, sizeof m->cmd, s->link, len,
                                     &s->dst)
            : tern_at_cmd_cipsend(m->cmd, sizeof m->cmd, s->link, len);
    if (n < 0) {
      s->tx_len = 0;
      s->err = n;
      tern_waker_slot_wake(&s->wr);
      return false;
    }
    op_begin(m, OP_SEND, i, s->link, n);
    m->pay_len = len;
    m->pay_off = 0;
    return true;
  }
  if (s->flags & F_CLOSING) {
    n = tern_at_cmd_cipclose(m->cmd, sizeof m->cmd, s->link);
    op_begin(m, OP_CLOSE, i, s->link, n);
    return true;
  }
  return false;
}

static void next_command(tern_socket_at *m) {
  if (m->startup < STARTUP_DONE) {
    op_begin(m, m->startup, NO_SOCK, LINK_FREE, 0);
    if (m->startup == OP_SYNC) {
      m->fill = m->owe;
    }
    return;
  }
  m->rebooted = 0; /* the start sequence is done */
  for (uint8_t l = 0; l < TERN_SOCKET_AT_LINKS; l++) {
    if (m->orphan & (1u << l)) {
      m->orphan = (uint8_t)(m->orphan & ~(1u << l));
      int n = tern_at_cmd_cipclose(m->cmd, sizeof m->cmd, l);
      op_begin(m, OP_CLOSE, NO_SOCK, l, n);
      return;
    }
  }
  if (m->srv >= SRV_WANT) {
    /* The server's commands: ops OP_SERVER.. in the order of SRV_WANT.. */
    int n = 0;
    if (m->srv == SRV_WANT) {
      tern_socket_at_sock *l = listener(m);
      n = l != NULL
              ? tern_at_cmd_cipserver(m->cmd, sizeof m->cmd, l->local.port)
              : TERN_EINVAL;
      if (n < 0) {
        m->srv = SRV_OFF; /* not reached: WANT comes with a listener */
        return;
      }
    }
    op_begin(m, (uint8_t)(OP_SERVER + m->srv - SRV_WANT), NO_SOCK, LINK_FREE,
             n);
    return;
  }
  for (uint16_t k = 0; k < m->nsocks; k++) {
    uint16_t i = (uint16_t)((m->next + k) % m->nsocks);
    if (next_for_sock(m, &m->socks[i])) {
      m->next = (uint16_t)((i + 1) % m->nsocks);
      return;
    }
  }
}

/* ---- the runner ---- */

tern_poll tern_socket_at_poll_run(tern_socket_at *m, tern_cx *cx) {
  /* Owed zeros (a given-up send's, an aborted send's payload) are rare:
   * written 32 at a time, half the constant that 64 took. */
  static const uint8_t zeros[32];
  bool progress = false;
  for (int round = 0; round < 64; round++) {
    progress = false;
    /* Input: everything the UART has, event by event. */
    if (m->in_off == m->in_len) {
      ptrdiff_t n = 0;
      if (tern_stream_poll_read(&m->uart, cx, m->in, sizeof m->in, &n) ==
          TERN_READY) {
        if (n <= 0) {
          all_links_gone(m, TERN_ECONNRESET, false);
          op_end(m);
          return TERN_READY;
        }
        m->in_off = 0;
        m->in_len = (size_t)n;
        progress = true;
      }
    }
    while (m->in_off < m->in_len) {
      tern_at_event ev;
      m->in_off += tern_at_parser_feed(&m->parser, m->in + m->in_off,
                                       m->in_len - m->in_off, &ev);
      on_event(m, &ev);
    }
    bool framed = tern_at_parser_in_payload(&m->parser);
    if (progress && framed && m->op == OP_NONE) {
      /* A frame with no command in flight has a deadline of its own, from
       * its latest bytes (before, none: a push whose length lied left its
       * reader, and every other, waiting for ever). */
      m->op_ms = m->timeout_ms;
      m->renew = RENEW_MAX;
    }
    if (progress && framed && m->renew >= m->in_len) {
      /* Bytes came and a +IPD or +CIPRECVDATA is not done (a fetch's
       * answer, also one dropped for an aborted socket, a push or one
       * skipped): it delays the answer of the command in flight, and a
       * timeout inside it would cut it (the parser's reset reads the
       * rest, the peer's bytes, as the modem's lines). So the deadline
       * counts from the latest bytes of a frame not done, its header's
       * included. Before, only its payload's counted, as they were
       * handed on: a deadline that passed in a header, or between a
       * header and its payload, cut it there. Up to RENEW_MAX bytes: a
       * command's life has a ceiling (before, pushes that kept coming
       * kept a command whose answer was lost alive for ever). */
      m->renew -= (uint32_t)m->in_len;
      op_alive(m);
    }
    if (m->op == OP_NONE) {
      next_command(m);
    }
    /* Output: zeros owed to a given-up send, the command line, then the
     * payload after the prompt. */
    const uint8_t *p = zeros;
    size_t len = 0, *off = NULL;
    if (m->op == OP_NONE) {
      /* nothing to write */
    } else if (m->fill > 0) {
      len = m->fill;
    } else if (m->cmd_off < m->cmd_len) {
      p = (const uint8_t *)m->out + m->cmd_off;
      len = m->cmd_len - m->cmd_off;
      off = &m->cmd_off;
    } else if (m->op == OP_SEND && m->phase == PH_PAYLOAD) {
      /* An aborted socket's payload is still owed: zeros, then the link
       * is closed. */
      tern_socket_at_sock *s = op_sock(m);
      p = s != NULL ? s->tx + m->pay_off : zeros;
      len = m->pay_len - m->pay_off;
      off = &m->pay_off;
    }
    if (p == zeros && len > sizeof zeros) {
      len = sizeof zeros;
    }
    ptrdiff_t n = 0;
    if (len > 0 &&
        tern_stream_poll_write(&m->uart, cx, p, len, &n) == TERN_READY) {
      if (n < 0) {
        all_links_gone(m, TERN_ECONNRESET, false);
        op_end(m);
        return TERN_READY;
      }
      if (off != NULL) {
        *off += (size_t)n;
      } else {
        m->fill -= (size_t)n;
      }
      progress = true;
      if (m->op == OP_SEND && m->phase == PH_PAYLOAD) {
        op_alive(m);
        if (m->pay_off == m->pay_len) {
          m->phase = PH_SEND_OK;
        }
      }
    }
    if (m->op != OP_NONE || tern_at_parser_in_payload(&m->parser)) {
      if ((int32_t)(tern_now() - m->deadline) >= 0) {
        op_timeout(m);
        progress = true;
      } else {
        (void)tern_sleep_until(&m->timer, cx, m->deadline);
      }
    }
    if (!progress) {
      break;
    }
  }
  tern_waker_slot_register(&m->runner, cx);
  if (progress) {
    tern_cx_wake_now(cx); /* stopped for fairness with work left: again */
  }
  return TERN_PENDING;
}

/* ---- the socket operations ---- */

static int at_open(tern_net *net, tern_socket_type type, tern_socket **out) {
  tern_socket_at *m = (tern_socket_at *)(void *)net;
  if (type != TERN_SOCK_STREAM && type != TERN_SOCK_DGRAM) {
    return TERN_EINVAL;
  }
  for (uint16_t i = 0; i < m->nsocks; i++) {
    tern_socket_at_sock *s = &m->socks[i];
    if (s->kind == K_FREE) {
      sock_reset(s, type == TERN_SOCK_STREAM ? K_STREAM : K_DGRAM);
      *out = &s->base;
      return 0;
    }
  }
  return TERN_ENOMEM;
}

static int at_bind(tern_socket *so, const tern_endpoint *local) {
  tern_socket_at_sock *s = sock_of(so);
  tern_socket_at *m = s->m;
  uint16_t port = 0; /* a datagram socket's NULL: ephemeral */
  uint8_t fam = TERN_IP_NONE;
  if (s->kind == K_FREE || (s->flags & (F_BOUND | F_PEER)) ||
      s->state != S_IDLE) {
    return TERN_EINVAL;
  }
  if (local != NULL || s->kind == K_STREAM) {
    int rc = tern_endpoint_local_check(local); /* a stream's NULL: EINVAL */
    if (rc != 0) {
      return rc; /* an unknown family read as the any address before */
    }
    /* (local_check took its family: ip/addr's word-wise test holds) */
    if (!tern_ip_addr_is_unspecified(&local->addr) &&
        !same_ip(&local->addr, &m->sta_ip)) {
      return TERN_EADDRNOTAVAIL;
    }
    port = local->port;
    fam = local->addr.family;
  }
  if (port != 0 && port_taken(m, s, port)) {
    return TERN_EADDRINUSE;
  }
  s->local.port = port;
  s->local.addr.family = fam; /* remote_check's */
  s->flags |= F_BOUND;
  return 0;
}

/* The modem's server: AT+CIPSERVER=1,<port> (then AT+CIPSTO=0, so that
 * the modem does not close idle connections). ESP-AT has one server, on
 * one port, and wants a port: a second listener and port 0 are
 * TERN_ENOTSUP. The modem's refusal comes later, as accept's
 * TERN_EADDRINUSE. */
static int at_listen(tern_socket *so, unsigned backlog) {
  tern_socket_at_sock *s = sock_of(so);
  tern_socket_at *m = s->m;
  if (s->kind != K_STREAM || !(s->flags & F_BOUND) || s->state != S_IDLE ||
      backlog == 0 || backlog > 255) {
    return TERN_EINVAL;
  }
  if (s->local.port == 0 || m->lst != NO_SOCK) {
    return TERN_ENOTSUP;
  }
  s->state = S_LISTEN;
  m->lst = index_of(s);
  /* At most one pending connection a link. */
  m->backlog = (uint8_t)(backlog < TERN_SOCKET_AT_LINKS ? backlog
                                                        : TERN_SOCKET_AT_LINKS);
  if (m->srv == SRV_OFF) {
    m->srv = SRV_WANT; /* else AT+CIPSERVER=0 of an old one first */
  }
  wake_runner(m);
  return 0;
}

static void at_abort(tern_socket *so);

/* The listener closes: connections not accepted are closed, as is the one
 * being accepted, and the server is deleted (AT+CIPSERVER=0, which keeps
 * the connections already accepted). */
static void lst_stop(tern_socket_at *m) {
  while (m->npend > 0) {
    link_orphan(m, m->pend[--m->npend]);
  }
  m->pend_held = 0;
  if (m->acc < m->nsocks) {
    at_abort(&m->socks[m->acc].base);
    m->acc = NO_SOCK;
  }
  if (m->srv == SRV_WANT && m->op != OP_SERVER) {
    m->srv = SRV_OFF; /* never asked for */
  } else if (m->srv != SRV_OFF) {
    m->srv = SRV_STOP;
  }
  wake_runner(m);
}

/* The next connection: a pending link takes a free socket, which is
 * handed out once AT+CIPSTATUS has named its endpoints. */
static tern_poll at_poll_accept(tern_socket *so, tern_cx *cx, tern_socket **out,
                                int *err) {
  tern_socket_at_sock *s = sock_of(so), *t;
  tern_socket_at *m = s->m;
  if (out == NULL || s->state != S_LISTEN || (s->flags & F_CLOSING)) {
    *err = TERN_EINVAL; /* out NULL: as on tern and posix (it was written) */
    return TERN_READY;
  }
  *out = NULL;
  *err = 0;
  if (m->acc < m->nsocks) {
    t = &m->socks[m->acc];
    if (t->state == S_STATUS) {
      tern_waker_slot_register(&t->rd, cx); /* woken at the status's end */
      return TERN_PENDING;
    }
    m->acc = NO_SOCK;
    *out = &t->base; /* open, or gone already: reads then say so */
    return TERN_READY;
  }
  if (s->err != 0) {
    *err = s->err;
    return TERN_READY;
  }
  /* No free socket: said at once, as posix says it (a connection waits
   * meanwhile). */
  tern_socket *o;
  if (at_open(&m->base, TERN_SOCK_STREAM, &o) != 0) {
    *err = TERN_ENOMEM;
    return TERN_READY;
  }
  t = sock_of(o);
  if (m->npend == 0) {
    t->kind = K_FREE; /* not needed yet */
    tern_waker_slot_register(&s->rd, cx);
    return TERN_PENDING;
  }
  uint8_t l = m->pend[0];
  pend_remove(m, l);
  m->link_sock[l] = index_of(t);
  t->link = l;
  t->state = S_STATUS;
  t->flags = F_PEER;
  if (m->pend_held & (1u << l)) {
    t->flags |= F_HELD | F_NOTE;
    m->pend_held = (uint8_t)(m->pend_held & ~(1u << l));
  }
  m->acc = index_of(t);
  wake_runner(m);
  tern_waker_slot_register(&t->rd, cx);
  return TERN_PENDING;
}

/* A remote as every backend checks it (tern_endpoint_remote_check), and
 * of the family of the socket's local endpoint if it has one (bound to
 * one, or its link's station address once open): TERN_EINVAL for the
 * other, as on tern and posix (before the sock32 branch it went to the
 * modem, which has no IPv6 here anyway). */
static int remote_check(const tern_socket_at_sock *s, const tern_endpoint *e) {
  int rc = tern_endpoint_remote_check(e);
  uint8_t fam = s->local.addr.family;
  if (rc == 0 && fam != TERN_IP_NONE && fam != e->addr.family) {
    rc = TERN_EINVAL;
  }
  return rc;
}

static int at_connect(tern_socket *so, const tern_endpoint *remote) {
  tern_socket_at_sock *s = sock_of(so);
  if (s->kind == K_FREE || (s->flags & F_PEER)) {
    return TERN_EINVAL;
  }
  int bad = remote_check(s, remote);
  if (bad != 0) {
    return bad;
  }
  /* A datagram socket's link opens at its first send or receive. */
  if (s->kind == K_STREAM) {
    if (s->state != S_IDLE) {
      return TERN_EINVAL;
    }
    if (s->flags & F_BOUND) {
      return TERN_ENOTSUP; /* the TCP form of AT+CIPSTART has no local port */
    }
    int rc = link_take(s);
    if (rc != 0) {
      return rc;
    }
  }
  s->peer = *remote;
  s->flags |= F_PEER;
  return 0;
}

static tern_poll at_poll_connect(tern_socket *so, tern_cx *cx, int *err) {
  tern_socket_at_sock *s = sock_of(so);
  if (s->kind == K_FREE || !(s->flags & F_PEER)) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  if (s->kind == K_STREAM && (s->state == S_START || s->state == S_STATUS)) {
    tern_waker_slot_register(&s->wr, cx);
    return TERN_PENDING;
  }
  /* After the stream's close, TERN_ECLOSED, as on tern (before, 0 for a
   * connect whose AT+CIPSTART never went out: drop_unopened). */
  *err = s->kind != K_STREAM                       ? 0
         : s->err == 0 && (s->flags & F_WR_CLOSED) ? TERN_ECLOSED
                                                   : s->err;
  return TERN_READY;
}

static tern_poll at_poll_send_to(tern_socket *so, tern_cx *cx,
                                 const tern_endpoint *dst, const void *data,
                                 size_t len, int *err) {
  tern_socket_at_sock *s = sock_of(so);
  int e = TERN_EINVAL;
  if (s->kind != K_DGRAM || (data == NULL && len > 0)) {
    goto out;
  }
  if (dst == NULL) {
    e = TERN_ENOTCONN;
    if (!(s->flags & F_PEER)) {
      goto out;
    }
    dst = &s->peer;
  }
  e = remote_check(s, dst);
  if (e != 0) {
    goto out;
  }
  e = s->err;
  if (e != 0) {
    s->err = 0; /* a datagram socket reports an error once */
    goto out;
  }
  e = TERN_EMSGSIZE;
  if (len > TERN_AT_SEND_MAX || len > s->tx_cap) {
    goto out;
  }
  e = TERN_ENOTSUP; /* AT+CIPSEND cannot send 0 bytes */
  if (len == 0) {
    goto out;
  }
  e = 0;
  if (s->link == NO_SOCK) {
    /* The first send opens the link (and learns the local port): the
     * datagram is taken once it is open. */
    s->dst = *dst;
    e = link_take(s);
    if (e != 0) {
      goto out;
    }
  }
  if (s->tx_len > 0 || s->state != S_OPEN) {
    tern_waker_slot_register(&s->wr, cx);
    return TERN_PENDING;
  }
  memcpy(s->tx, data, len);
  s->tx_len = len;
  s->dst = *dst;
  wake_runner(s->m);
out:
  *err = e;
  return TERN_READY;
}

static tern_poll at_poll_recv_from(tern_socket *so, tern_cx *cx,
                                   tern_endpoint *src, void *buf, size_t cap,
                                   int *n) {
  tern_socket_at_sock *s = sock_of(so);
  int r = TERN_EINVAL;
  if (s->kind != K_DGRAM || (buf == NULL && cap > 0)) {
    goto out;
  }
  if (s->rx_len - s->rx_open >= TERN_SOCKET_AT_DGRAM_HDR) {
    uint8_t hdr[2];
    ring_get(s, hdr, 2);
    ring_get(s, src, sizeof *src); /* NULL: skipped */
    size_t len = (size_t)hdr[0] << 8 | hdr[1];
    size_t take = len < cap ? len : cap;
    ring_get(s, buf, take);
    ring_get(s, NULL, len - take);
    rx_taken(s);
    r = (int)len;
    goto out;
  }
  r = s->err;
  if (r != 0) {
    s->err = 0;
    goto out;
  }
  if (s->link == NO_SOCK) {
    if (!(s->flags & F_PEER)) {
      /* Nothing can arrive without a link, and AT+CIPSTART wants a
       * remote: a bound socket that never sent cannot receive, and one
       * never bound either has nothing to receive on (TERN_EINVAL, as
       * on the other backends). */
      if (s->state == S_IDLE) {
        r = (s->flags & F_BOUND) ? TERN_ENOTSUP : TERN_EINVAL;
        goto out;
      }
    } else {
      s->dst = s->peer;
      r = TERN_ENOMEM;
      if (link_take(s) != 0) {
        goto out;
      }
    }
  }
  tern_waker_slot_register(&s->rd, cx);
  return TERN_PENDING;
out:
  *n = r;
  return TERN_READY;
}

static int at_endpoint(tern_socket *so, bool peer, tern_endpoint *out) {
  tern_socket_at_sock *s = sock_of(so);
  if (s->kind == K_FREE || out == NULL) {
    return TERN_EINVAL;
  }
  if (peer) {
    if (!(s->flags & F_PEER)) {
      return TERN_ENOTCONN;
    }
    *out = s->peer;
    return 0;
  }
  *out = s->local;
  return 0;
}

static int at_set_option(tern_socket *so, tern_socket_option opt,
                         int32_t value) {
  tern_socket_at_sock *s = sock_of(so);
  if (s->kind == K_FREE || s->state == S_LISTEN) {
    return TERN_EINVAL;
  }
  switch (opt) {
    case TERN_SO_NODELAY:
    case TERN_SO_KEEPALIVE:
      /* A connection's (from its connect or accept), as on every
       * backend. */
      if (s->kind != K_STREAM || !(s->flags & F_PEER) || value < 0 ||
          value > 1) {
        return TERN_EINVAL;
      }
      break;
    case TERN_SO_SNDBUF:
    case TERN_SO_RCVBUF:
      if (value <= 0) {
        return TERN_EINVAL;
      }
      break;
    default: return TERN_EINVAL;
  }
  return TERN_ENOTSUP;
}

static void sock_free(tern_socket_at_sock *s) {
  if (s->m->ipd_sock == index_of(s)) {
    s->m->ipd_sock = NO_SOCK; /* the rest of its +IPD is dropped */
  }
  wake_both(s); /* tasks waiting on it (an abort) find it gone */
  sock_reset(s, K_FREE);
}

/* What a connection's close reports: its error; or, when its link ended
 * with bytes the application wrote that the modem never confirmed
 * sending (a CLOSED while they waited or before their SEND OK), a reset:
 * the peer will not get them, and ESP-AT has no half-close. */
static int close_err(const tern_socket_at_sock *s) {
  return s->err == 0 && s->tx_len > 0 ? TERN_ECONNRESET : s->err;
}

/* A link whose AT+CIPSTART has not gone out (none in flight for it) is
 * freed at once by a close as by an abort: the modem never opened it.
 * Before, a close still sent the connect, then AT+CIPSTATUS and
 * AT+CIPCLOSE. */
static void drop_unopened(tern_socket_at_sock *s) {
  if (s->state == S_START && s->m->op_link != s->link) {
    sock_gone(s, 0);
  }
}

/* Starts closing the link (once tx is sent); whether it is done. */
static bool close_link(tern_socket_at_sock *s) {
  drop_unopened(s);
  if (s->link == NO_SOCK) {
    return true;
  }
  if (!(s->flags & F_CLOSING)) {
    s->flags |= F_CLOSING;
    wake_runner(s->m);
  }
  return false;
}

static tern_poll at_poll_close(tern_socket *so, tern_cx *cx, int *err) {
  tern_socket_at_sock *s = sock_of(so);
  tern_socket_at *m = s->m;
  if (s->kind == K_FREE) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  if (s->state == S_LISTEN) {
    /* Done once the modem's server is deleted. */
    if (!(s->flags & F_CLOSING)) {
      s->flags |= F_CLOSING;
      lst_stop(m);
    }
    if (m->srv != SRV_OFF) {
      tern_waker_slot_register(&s->wr, cx);
      return TERN_PENDING;
    }
    m->lst = NO_SOCK;
    *err = 0;
    sock_free(s);
    return TERN_READY;
  }
  if (!close_link(s)) {
    tern_waker_slot_register(&s->wr, cx);
    return TERN_PENDING;
  }
  *err = s->kind == K_STREAM ? close_err(s) : 0;
  sock_free(s);
  return TERN_READY;
}

static void at_abort(tern_socket *so) {
  tern_socket_at_sock *s = sock_of(so);
  tern_socket_at *m = s->m;
  if (s->kind == K_FREE) {
    return;
  }
  if (s->state == S_LISTEN) {
    if (!(s->flags & F_CLOSING)) {
      lst_stop(m); /* the runner deletes the server */
    }
    m->lst = NO_SOCK;
  }
  drop_unopened(s);
  if (s->link != NO_SOCK) {
    uint8_t l = s->link;
    bool in_flight = m->cur == index_of(s); /* op_end clears cur */
    if (in_flight) {
      m->cur = NO_SOCK; /* the command finishes for nobody */
    }
    m->link_sock[l] = LINK_ORPHAN;
    if (!(in_flight && (m->op == OP_START || m->op == OP_CLOSE))) {
      m->orphan |= (uint8_t)(1u << l);
    }
    wake_runner(m);
  }
  sock_free(s);
}

/* ---- the stream of a connection ---- */

static tern_poll st_read(void *self, tern_cx *cx, void *buf, size_t len,
                         ptrdiff_t *n) {
  tern_socket_at_sock *s = sock_of((tern_socket *)self);
  /* buf NULL (len is never 0 here): before, the bytes were dropped as
   * ring_get drops them for NULL, and said read. */
  if (s->kind != K_STREAM || !(s->flags & F_PEER) || buf == NULL) {
    *n = TERN_EINVAL;
    return TERN_READY;
  }
  if (s->rx_len > 0) {
    size_t k = s->rx_len < len ? s->rx_len : len;
    ring_get(s, buf, k);
    rx_taken(s);
    *n = (ptrdiff_t)k;
    return TERN_READY;
  }
  if (s->err != 0) {
    *n = s->err;
    return TERN_READY;
  }
  if (s->state == S_GONE || s->state == S_CLOSED) {
    *n = 0;
    return TERN_READY;
  }
  tern_waker_slot_register(&s->rd, cx);
  return TERN_PENDING;
}

/* Why a connection cannot take bytes now, 0 if it can. */
static int st_write_err(const tern_socket_at_sock *s) {
  if (s->kind != K_STREAM || !(s->flags & F_PEER)) {
    return TERN_EINVAL;
  }
  if (s->flags & F_WR_CLOSED) {
    return TERN_ECLOSED;
  }
  if (s->err != 0) {
    return s->err;
  }
  if (s->state == S_GONE || s->state == S_CLOSED) {
    return TERN_ECONNRESET; /* the link is gone: the peer reset or left */
  }
  return 0;
}

static tern_poll st_write(void *self, tern_cx *cx, const void *buf, size_t len,
                          ptrdiff_t *n) {
  tern_socket_at_sock *s = sock_of((tern_socket *)self);
  int e = buf != NULL ? st_write_err(s) : TERN_EINVAL;
  if (e != 0) {
    *n = e;
    return TERN_READY;
  }
  size_t room = s->tx_cap - s->tx_len;
  if (s->state != S_OPEN || room == 0) {
    tern_waker_slot_register(&s->wr, cx);
    return TERN_PENDING;
  }
  size_t k = len < room ? len : room;
  memcpy(s->tx + s->tx_len, buf, k);
  s->tx_len += k;
  wake_runner(s->m);
  *n = (ptrdiff_t)k;
  return TERN_READY;
}

/* After the link ended (the peer's CLOSED), the flush says what the close
 * would (close_err): 0 with nothing of ours left unsent, as tern and posix
 * say after the peer's FIN; a reset if written bytes were not confirmed
 * sent. With tx empty, st_write_err's TERN_ECONNRESET is either the
 * connection's error (s->err) or the ended link's (s->err 0). */
static tern_poll st_flush(void *self, tern_cx *cx, int *err) {
  tern_socket_at_sock *s = sock_of((tern_socket *)self);
  int e = st_write_err(s);
  if (s->tx_len == 0) {
    *err = e == TERN_ECONNRESET ? s->err : e;
    return TERN_READY;
  }
  if (e != 0) {
    *err = e;
    return TERN_READY;
  }
  tern_waker_slot_register(&s->wr, cx);
  return TERN_PENDING;
}

/* ESP-AT has no half-close: the stream's close sends what is buffered and
 * closes the link; reads then give what had arrived, then the end. */
static tern_poll st_close(void *self, tern_cx *cx, int *err) {
  tern_socket_at_sock *s = sock_of((tern_socket *)self);
  if (s->kind != K_STREAM || !(s->flags & F_PEER)) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  s->flags |= F_WR_CLOSED;
  if (!close_link(s)) {
    tern_waker_slot_register(&s->wr, cx);
    return TERN_PENDING;
  }
  *err = close_err(s);
  return TERN_READY;
}

const tern_socket_ops tern_socket_at_ops = {
    at_open,
    at_bind,
    at_listen,
    at_poll_accept,
    at_connect,
    at_poll_connect,
    at_poll_send_to,
    at_poll_recv_from,
    at_endpoint,
    at_set_option,
    at_poll_close,
    at_abort,
    {st_read, st_write, st_flush, st_close},
};

int tern_socket_at_init(tern_socket_at *m, tern_stream uart,
                        const tern_socket_at_storage *st, uint32_t timeout_ms) {
  if (m == NULL || uart.ops == NULL || st == NULL || st->socks == NULL ||
      st->bufs == NULL || st->nsocks == 0 || st->nsocks > 253 ||
      st->rx_cap <= TERN_SOCKET_AT_DGRAM_HDR || st->tx_cap == 0 ||
      timeout_ms > TERN_SLEEP_MAX_MS) {
    return TERN_EINVAL;
  }
  memset(m, 0, sizeof *m); /* the timer too: timer.h resets one so */
  m->base.ops = &tern_socket_at_ops;
  m->uart = uart;
  if (tern_at_parser_init(&m->parser, m->line, sizeof m->line, TERN_AT_SEND_MAX,
                          TERN_SOCKET_AT_LINKS) != 0) {
    return TERN_EINVAL;
  }
  m->socks = st->socks;
  m->nsocks = st->nsocks;
  m->rng = st->rng;
  memset(m->link_sock, LINK_FREE, sizeof m->link_sock);
  m->startup = OP_AT;
  m->cur = NO_SOCK;
  m->op_link = LINK_FREE;
  m->ipd_sock = NO_SOCK;
  m->lst = NO_SOCK;
  m->acc = NO_SOCK;
  m->timeout_ms = timeout_ms != 0 ? timeout_ms : 2000;
  for (uint16_t i = 0; i < st->nsocks; i++) {
    tern_socket_at_sock *s = &st->socks[i];
    sock_reset(s, K_FREE); /* what comes before its kind is set here */
    s->base.ops = &tern_socket_at_ops;
    s->m = m;
    s->rx = st->bufs + i * (st->rx_cap + st->tx_cap);
    s->rx_cap = st->rx_cap;
    s->tx = s->rx + st->rx_cap;
    s->tx_cap = st->tx_cap;
  }
  return 0;
}
