/* The AT-modem backend of the socket API (tern/socket.h): sockets carried
 * by a modem that runs TCP/IP itself (ESP-AT's TCP/UDP subset), driven
 * with AT commands over a tern_stream (the UART; on the host a pty).
 *
 *   static tern_socket_at_sock socks[5];
 *   static uint8_t bufs[5 * (2048 + 2048)];
 *   static tern_socket_at modem;
 *   tern_socket_at_storage st = {socks, 5, bufs, 2048, 2048};
 *   tern_socket_at_init(&modem, uart, &st, 2000);
 *   my_app_start(&app, tern_socket_at_net(&modem));
 *   ... a task of the composition: tern_socket_at_poll_run(&modem, cx) ...
 *
 * One runner (tern_socket_at_poll_run) owns the UART: it feeds the
 * response parser, routes received payload into the sockets' receive
 * rings and link events to their sockets, and runs one command at a time
 * (ESP-AT answers "busy" otherwise), in order: the start sequence (AT,
 * ATE0, AT+CIPMUX=1, AT+CIPDINFO=1, AT+CIPRECVMODE=1, AT+CIFSR), closes
 * of links nobody owns any more, then each socket's next need
 * (AT+CIPSTART and AT+CIPSTATUS for its local port, AT+CIPRECVDATA of
 * what the modem holds, AT+CIPSEND of its buffered bytes, AT+CIPCLOSE).
 * Socket calls only change the socket and wake the runner.
 *
 * Storage: nsocks slots, each with rx_cap bytes of receive ring and
 * tx_cap of send buffer from bufs (socket i's at bufs + i * (rx_cap +
 * tx_cap)). A stream write is READY once its bytes are in the send
 * buffer; a datagram takes the whole send buffer until the modem has it.
 * Received data: in ESP-AT's passive receive mode (AT+CIPRECVMODE=1) the
 * modem holds it and says how much ("+IPD,<link>,<len>"); the runner
 * fetches no more than the ring has room for (AT+CIPRECVDATA), so no
 * byte is dropped and the modem's TCP window holds the peer back. A
 * modem without passive mode (AT+CIPRECVMODE answered ERROR) pushes its
 * data ("+IPD,<link>,<len>:<data>", active mode): bytes that find a full
 * ring are then dropped and counted, as are datagrams that do not fit in
 * either mode.
 *
 * Listen is the modem's server (AT+CIPSERVER=1,<port>, then AT+CIPSTO=0:
 * no idle timeout). ESP-AT has one server: one listener at a time, on a
 * port (a second listener, or port 0, is TERN_ENOTSUP); a refusal of the
 * modem is accept's TERN_EADDRINUSE. Each "<link>,CONNECT" for a link no
 * socket opened waits for accept, up to the backlog (at most the five
 * links); beyond it, or with no listener, the link is closed and counted
 * (stats.refused). Accept takes a free socket for it (TERN_ENOMEM when
 * none: the connection waits) and learns its endpoints with AT+CIPSTATUS.
 * Closing the listener closes the connections not accepted yet, then
 * AT+CIPSERVER=0; accepted ones stay open.
 *
 * What ESP-AT cannot do, and what the backend answers then (README.md):
 *  - half-close: the stream's close closes the link (no FIN-only close);
 *  - abort: AT+CIPCLOSE without waiting (the peer reads end of stream;
 *    ESP-AT has no reset);
 *  - a peer's reset: "<link>,CLOSED" says the same for FIN and RST, so it
 *    reads as end of stream; a write after it is TERN_ECONNRESET;
 *  - ICMP errors on datagram sockets are never reported;
 *  - options: TERN_ENOTSUP; a stream socket cannot bind before connect
 *    (TERN_ENOTSUP, the TCP form of AT+CIPSTART has no local port);
 *  - a datagram socket receives once its link is open (connect or a first
 *    send_to open it): recv_from on a bound socket that never sent and
 *    has no peer is TERN_ENOTSUP (AT+CIPSTART wants a remote).
 * A command with no final result within timeout_ms (AT+CIPSTART: the
 * larger of it and 10 s, the modem's own connect timeout) fails its
 * socket with TERN_ETIMEDOUT (and a stream whose +IPD payload the reset
 * cuts), resets the parser and runs the start sequence again, beginning with
 * AT+CIPMUX? instead of AT: final results before its "+CIPMUX:" line are late
 * answers of the command that timed out, discarded (stats.stray), never taken
 * for a later command's. An AT+CIPSEND given up before its payload was taken
 * (timeout, or an answer other than the prompt) may still be prompted for: its
 * count of zeros goes out before anything else, so the modem never takes a
 * command for payload, then the same resync. A prompt nobody awaits (a send
 * awaits it after the OK to its AT+CIPSEND) is no result. "ready" (the modem
 * restarted) ends every link with TERN_ECONNRESET. */
#ifndef TERN_SOCKET_AT_H
#define TERN_SOCKET_AT_H

#include <stddef.h>
#include <stdint.h>

#include "tern/at_cmd.h"
#include "tern/at_parser.h"
#include "tern/hal_rng.h"
#include "tern/socket.h"
#include "tern/stream.h"
#include "tern/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ESP-AT's links: 0..4. */
#define TERN_SOCKET_AT_LINKS 5
/* The line buffer of the parser: every TCP/UDP line fits. */
#define TERN_SOCKET_AT_LINE 128

struct tern_socket_at;

/* One socket slot. Fields are the backend's. */
typedef struct tern_socket_at_sock {
  tern_socket base; /* first: the API's handle */
  struct tern_socket_at *m;
  uint8_t *rx; /* receive ring: stream bytes, or datagram records */
  uint8_t *tx; /* bytes (stream) or one datagram to send */
  size_t rx_cap, tx_cap;
  /* From here on the socket's state, zeroed when it opens and when it is
   * freed (kind first). */
  uint8_t kind;  /* free, stream, datagram */
  uint8_t state; /* idle, starting, status, open, gone, closed */
  uint8_t link;  /* 0..4, or 0xFF */
  uint8_t flags; /* bound, peer fixed, write side closed, closing */
  int err;       /* what ended the connection (sticky for streams) */
  tern_endpoint local, peer;
  tern_endpoint dst; /* the datagram in tx: where it goes */
  size_t rx_head, rx_len;
  size_t rx_open; /* datagram: bytes of the last record still arriving */
  size_t tx_len;
  tern_waker_slot rd, wr;
} tern_socket_at_sock;

/* What the backend counted. */
typedef struct tern_socket_at_stats {
  uint32_t timeouts;   /* commands with no final result in time, and
                          frames cut with none in flight (quiet inside) */
  uint32_t restarts;   /* "ready" from the modem after the start */
  uint32_t rx_dropped; /* payload bytes that found no room (or no owner):
                          active mode, datagrams, a fetch nobody awaited */
  uint32_t stray;      /* final results that answered no command in flight
                          (late ones, discarded while resynchronising),
                          and prompts no send awaited */
  uint32_t refused;    /* connections to the server closed at once: beyond
                          the backlog, or with no listener (also a link
                          the modem kept for nobody: ALREADY CONNECTED) */
} tern_socket_at_stats;

/* The backend. Caller storage; fields are the backend's but stats. */
typedef struct tern_socket_at {
  tern_net base; /* first: what the application is given */
  /* The fields read most first, bytes before halfwords before words:
   * Cortex-M0's loads reach 31 bytes, 62 for halfwords and 124 for words
   * from the struct's start in one instruction; the buffers last. With
   * the parser and buffers first the backend was 906 bytes larger. */
  uint8_t op;        /* the command in flight */
  uint8_t phase;     /* its progress (waiting for the prompt, ...) */
  uint8_t cur;       /* its socket index, 0xFF: none (or aborted) */
  uint8_t op_link;   /* its link */
  uint8_t srv;       /* the modem's server: off, on, or a command wanted */
  uint8_t ipd_sock;  /* the socket of the current +IPD, 0xFF: dropped */
  uint8_t startup;   /* the next step of the start sequence */
  uint8_t lst;       /* the listener's socket index, 0xFF: none */
  uint8_t acc;       /* the socket accept is preparing, 0xFF: none */
  uint8_t orphan;    /* links that need AT+CIPCLOSE and have no socket */
  uint8_t npend;     /* connections waiting for accept: their links */
  uint8_t pend_held; /* pending links whose data the modem holds */
  uint8_t taken;     /* ALREADY CONNECTED answers to AT+CIPSTART in a row */
  uint8_t rebooted;  /* "ready" came since the start sequence was done */
  uint8_t backlog;   /* the listener's, at most TERN_SOCKET_AT_LINKS */
  /* What the modem said of the command's link before its result (CONNECT
   * FAIL, ALREADY CONNECTED, its CLOSED, ...). */
  uint8_t link_said;
  uint8_t link_sock[TERN_SOCKET_AT_LINKS]; /* socket index, or free/orphan */
  uint8_t pend[TERN_SOCKET_AT_LINKS];
  uint16_t nsocks;
  uint16_t next; /* where the scan for work starts (round robin) */
  tern_socket_at_sock *socks;
  size_t pay_len, pay_off; /* AT+CIPSEND's payload after the prompt */
  size_t in_off, in_len;
  size_t cmd_len, cmd_off;
  const char *out; /* the command in flight: cmd or a constant */
  size_t owe;      /* an AT+CIPSEND given up: what its late prompt would take */
  size_t fill;     /* of it, zeros still to write before the command line */
  tern_socket_at_stats stats;
  uint32_t renew; /* frame bytes that may still renew the deadline */
  uint32_t timeout_ms;
  uint32_t op_ms; /* the command's: timeout_ms, AT+CIPSTART's 10 s */
  tern_time deadline;
  tern_stream uart;
  const tern_rng *rng; /* the storage's */
  tern_waker_slot runner;
  tern_ip_addr sta_ip; /* AT+CIFSR's station address */
  tern_timer timer;
  tern_at_parser parser;
  char cmd[TERN_AT_CMD_MAX]; /* a formatted command */
  uint8_t line[TERN_SOCKET_AT_LINE];
  uint8_t in[256]; /* UART bytes read, not yet fed */
} tern_socket_at;

/* The caller's storage for the sockets. */
typedef struct tern_socket_at_storage {
  tern_socket_at_sock *socks;
  uint16_t nsocks;
  uint8_t *bufs; /* nsocks * (rx_cap + tx_cap) bytes */
  size_t rx_cap; /* receive ring per socket (a datagram needs its length
                    plus TERN_SOCKET_AT_DGRAM_HDR) */
  size_t tx_cap; /* send buffer per socket: the largest datagram */
  /* Picks an unbound datagram socket's local port (RFC 6056); NULL: the
     modem picks (lwIP's: the next in its range, guessable). */
  const tern_rng *rng;
} tern_socket_at_storage;

/* Bytes of ring a received datagram takes beyond its payload. */
#define TERN_SOCKET_AT_DGRAM_HDR (2 + sizeof(tern_endpoint))

/* Sets up the backend over uart (the modem's UART, which it then owns)
 * with st's sockets; timeout_ms bounds each command's answer (0: 2000).
 * Nothing is sent until the runner first runs. Returns 0 or TERN_EINVAL
 * (NULL arguments, a uart without ops, nsocks 0 or over 253, a send
 * capacity of 0, a receive ring that cannot hold a datagram of one byte:
 * rx_cap at most TERN_SOCKET_AT_DGRAM_HDR, timeout_ms over
 * TERN_SLEEP_MAX_MS). */
int tern_socket_at_init(tern_socket_at *m, tern_stream uart,
                        const tern_socket_at_storage *st, uint32_t timeout_ms);

/* The runner: a task of the composition polls it for as long as the
 * backend is used. It never returns READY while the UART works; READY
 * when the UART ended (every socket then fails with TERN_ECONNRESET).
 * Its waker is called when a socket wants work done, when the UART has
 * bytes or room, and at a command's deadline (a timer in cx's queue). */
tern_poll tern_socket_at_poll_run(tern_socket_at *m, tern_cx *cx);

/* What the application is given. */
static inline tern_net *tern_socket_at_net(tern_socket_at *m) {
  return &m->base;
}

/* The backend's table. */
extern const tern_socket_ops tern_socket_at_ops;

#ifdef __cplusplus
}
#endif

#endif /* TERN_SOCKET_AT_H */
