/* modem_sim: plays an ESP-AT modem's TCP/UDP subset on a pseudo-terminal,
 * with Linux sockets behind its links, so the AT-modem socket backend can
 * be tested end to end on the host (and from QEMU firmware whose UART is
 * the pty). README.md lists what it emulates, what it does not, and its
 * flags; test knobs add garbage between messages, split +IPD frames and
 * drop links. AT+CIPRECVMODE=1 (passive receive mode) holds a TCP link's
 * data in the simulator and stops reading its socket while the hold is
 * full, so the kernel's TCP window throttles the peer, as a real modem's
 * does. AT+CIPSERVER=1,<port> listens on the station address; each
 * connection takes the lowest free link and is announced as
 * "<link>,CONNECT"; AT+CIPSTO's idle timeout closes quiet ones.
 *
 * One thread, one poll(2) loop: the pty master and, when no command is in
 * progress, every open link. Commands run to completion (a TCP connect
 * waits up to 5 s), as ESP-AT runs one command at a time; received data is
 * reported only between commands, never inside a command's response. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define LINKS 5         /* ESP-AT's default: links 0..4 */
#define CMD_MAX 256     /* longer command lines are answered ERROR */
#define SEND_BUF 8192   /* the largest --send-max */
#define CONNECT_MS 5000 /* TCP connect timeout */
/* Passive mode: the bytes a TCP link holds (ESP-AT's documented default
 * socket receive window). */
#define HOLD 5760

enum { SPLIT_NONE, SPLIT_BYTES, SPLIT_RANDOM };

static struct {
  const char *link_path; /* --link: a symlink to the slave */
  bool garbage;          /* --garbage: a junk line before every message */
  int split;             /* --split: how +IPD frames are written */
  unsigned split_us;     /* --split-pause-us: pause between pieces */
  uint64_t seed;         /* --seed: for --garbage and --split=random */
  unsigned drop_after;   /* --drop-after: +IPD frames before a link drops */
  unsigned ipd_max;      /* --ipd-max: payload bytes per +IPD */
  unsigned send_max;     /* --send-max: bytes per AT+CIPSEND */
  const char *sta_ip;    /* --sta-ip: AT+CIFSR's station address */
  bool no_passive;       /* --no-passive: AT+CIPRECVMODE answers ERROR */
  bool rd_8266;          /* --recvdata-form=esp8266: "+CIPRECVDATA,<n>:" */
  unsigned sto;          /* --sto: AT+CIPSTO after a restart (seconds) */
} opt = {.split_us = 100,
         .sto = 180,
         .seed = 1,
         .ipd_max = 2048,
         .send_max = 2048,
         .sta_ip = "127.0.0.1"};

static struct {
  unsigned long commands, ipd_frames, ipd_bytes, sent_bytes, garbage_lines,
      drops, rd_answers, rd_bytes, accepted, turned_away, idle_closed;
} stats;

typedef struct link {
  int fd;          /* -1 when closed */
  int type;        /* SOCK_STREAM or SOCK_DGRAM */
  unsigned frames; /* +IPD frames delivered */
  /* UDP: where a send without an address goes, and how that changes (the
   * <mode> of AT+CIPSTART: 0 never, 1 to the first other sender, 2 to
   * each new sender). A UDP link takes datagrams from any sender. */
  struct sockaddr_storage remote;
  socklen_t remote_len;
  int mode;
  bool changed;
  /* Passive mode, TCP: what the peer sent and the host has not fetched.
   * "+IPD,<link>,<len>" is reported when data arrives and none was
   * reported since the last AT+CIPRECVDATA. closing: the socket is gone
   * (the peer closed, or --drop-after) but held bytes are still to be
   * read; <link>,CLOSED comes once they are. */
  uint8_t hold[HOLD];
  size_t hold_len;
  bool reported, closing;
  /* A connection to the server (AT+CIPSTATUS's tetype 1), and when it
   * last carried bytes either way (AT+CIPSTO's idle timeout). */
  bool server;
  int64_t active_ms;
} link_t;

static link_t links[LINKS];
static int mfd = -1; /* pty master */
static bool echo_on = true, mux, dinfo, passive;
static int srv_fd = -1; /* AT+CIPSERVER's listening socket */
static unsigned sto;    /* AT+CIPSTO: seconds, 0: never */
static volatile sig_atomic_t stop;
static volatile sig_atomic_t restart_asked; /* SIGUSR1 */

/* The command line being received, or the payload of an AT+CIPSEND. */
static char line[CMD_MAX];
static size_t line_len;
static bool line_overflow;
static int send_link = -1;
static size_t send_len, send_got;
static struct sockaddr_storage send_to; /* AT+CIPSEND's UDP address */
static socklen_t send_to_len;           /* 0: the link's remote */
static uint8_t send_buf[SEND_BUF];

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what) {
  fprintf(stderr, "modem_sim: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* xorshift64*: reproducible junk and split points from --seed. */
static uint32_t rnd(void) {
  opt.seed ^= opt.seed >> 12;
  opt.seed ^= opt.seed << 25;
  opt.seed ^= opt.seed >> 27;
  return (uint32_t)((opt.seed * 0x2545F4914F6CDD1DULL) >> 32);
}

static void out_raw(const void *p, size_t n) {
  const uint8_t *b = p;
  while (n > 0) {
    ssize_t w = write(mfd, b, n);
    if (w < 0) {
      if (errno == EINTR && !stop) {
        continue;
      }
      if (errno == EINTR) {
        return; /* SIGTERM while the host is not reading: give up */
      }
      die("write to the pty");
    }
    b += w;
    n -= (size_t)w;
  }
}

/* A junk line, then CR LF: a first byte no real message starts with (a
 * control byte or punctuation), then either up to 23 random bytes other
 * than CR and LF, or (one time in four) 200 to 389 printable ones, longer
 * than a parser's line buffer would be. */
static void garbage(void) {
  if (!opt.garbage) {
    return;
  }
  static const uint8_t first[] = {0x00, 0x07, 0x1b, 0x7f, '~', '#'};
  uint8_t g[400];
  size_t n = 0;
  g[n++] = first[rnd() % sizeof first];
  bool long_line = rnd() % 4 == 0;
  size_t len = long_line ? 200 + rnd() % 190 : rnd() % 24;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = (uint8_t)rnd();
    if (long_line) {
      c = (uint8_t)(0x20 + c % 95);
    }
    g[n++] = c == '\r' || c == '\n' ? '.' : c;
  }
  g[n++] = '\r';
  g[n++] = '\n';
  out_raw(g, n);
  stats.garbage_lines++;
}

/* One message to the host, junk before it with --garbage. */
static void msg(const char *fmt, ...) {
  char b[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof b, fmt, ap);
  va_end(ap);
  garbage();
  out_raw(b, (size_t)n < sizeof b ? (size_t)n : sizeof b - 1);
}

static void ok(void) {
  msg("\r\nOK\r\n");
}

static void error(void) {
  msg("\r\nERROR\r\n");
}

static void pause_us(unsigned us) {
  struct timespec ts = {.tv_sec = us / 1000000,
                        .tv_nsec = (long)(us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop) {
  }
}

/* A +IPD frame, whole or in pieces with a pause between them. */
static void out_frame(const uint8_t *p, size_t n) {
  garbage();
  if (opt.split == SPLIT_NONE) {
    out_raw(p, n);
    return;
  }
  size_t off = 0;
  while (off < n) {
    size_t k = opt.split == SPLIT_BYTES ? 1 : 1 + rnd() % 16;
    if (k > n - off) {
      k = n - off;
    }
    out_raw(p + off, k);
    off += k;
    if (off < n) {
      pause_us(opt.split_us);
    }
  }
}

/* A link is open from AT+CIPSTART to its CLOSED: with its socket, or
 * without one while held bytes wait to be read (passive mode). */
static bool link_open(int l) {
  return links[l].fd >= 0 || links[l].closing;
}

/* Closes a link's socket; "abort" resets a TCP connection (SO_LINGER 0)
 * rather than ending it, as a modem that loses its network would. */
static void close_socket(int l, bool abort_it) {
  if (links[l].fd < 0) {
    return;
  }
  if (abort_it && links[l].type == SOCK_STREAM) {
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(links[l].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  close(links[l].fd);
  links[l].fd = -1;
}

/* Closes a link and reports it; held bytes are dropped. */
static void close_link(int l, bool abort_it) {
  close_socket(l, abort_it);
  links[l].closing = links[l].reported = false;
  links[l].hold_len = 0;
  msg("%d,CLOSED\r\n", l);
}

/* The link's socket ended (the peer, or --drop-after): in passive mode
 * with bytes held, CLOSED waits until they are read. A peer's end keeps
 * the socket for sends until then; a dropped link loses it at once. */
static void socket_ended(int l, bool abort_it) {
  if (links[l].hold_len > 0) {
    if (abort_it) {
      close_socket(l, true);
    }
    links[l].closing = true;
  } else {
    close_link(l, abort_it);
  }
}

/* ---- Commands ---- */

typedef struct arg {
  char *s;
  bool quoted;
} arg;

/* Splits "a,\"b,c\",d" at commas outside quotes, in place; quotes are
 * removed and remembered. Returns the count, or -1 (too many, or a quote
 * left open). */
static int split_args(char *s, arg *a, int max) {
  int n = 0;
  for (;;) {
    if (n == max) {
      return -1;
    }
    a[n].quoted = *s == '"';
    if (a[n].quoted) {
      a[n].s = ++s;
      char *q = strchr(s, '"');
      if (q == NULL) {
        return -1;
      }
      *q = '\0';
      s = q + 1;
      if (*s != ',' && *s != '\0') {
        return -1;
      }
    } else {
      a[n].s = s;
      s += strcspn(s, ",");
    }
    n++;
    if (*s == '\0') {
      return n;
    }
    *s++ = '\0';
  }
}

/* A decimal number, unquoted, in lo..hi. */
static bool num(const arg *a, long lo, long hi, long *out) {
  if (a->quoted || a->s[0] == '\0' || strlen(a->s) > 9 ||
      strspn(a->s, "0123456789") != strlen(a->s)) {
    return false;
  }
  long v = strtol(a->s, NULL, 10);
  if (v < lo || v > hi) {
    return false;
  }
  *out = v;
  return true;
}

/* A numeric address and a port as a sockaddr of the family. */
static bool parse_addr(int family, const char *ip, long port,
                       struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    *len = sizeof *s4;
    return inet_pton(AF_INET, ip, &s4->sin_addr) == 1;
  }
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
  s6->sin6_family = AF_INET6;
  s6->sin6_port = htons((uint16_t)port);
  *len = sizeof *s6;
  return inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1;
}

static bool same_addr(const struct sockaddr_storage *a,
                      const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) {
    return false;
  }
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port &&
           x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
  return x->sin6_port == y->sin6_port &&
         memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
}

/* A TCP socket connected to sa, or a UDP socket bound to the local port
 * (an ephemeral one when 0, so that AT+CIPSTATUS can name it at once)
 * and not connected, so it hears every sender. */
static int socket_to(int family, int type, const struct sockaddr *sa,
                     socklen_t salen, long local_port) {
  int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return -1;
  }
  if (local_port > 0 || type == SOCK_DGRAM) {
    struct sockaddr_storage ls;
    memset(&ls, 0, sizeof ls);
    ls.ss_family = (sa_family_t)family;
    if (family == AF_INET) {
      ((struct sockaddr_in *)&ls)->sin_port = htons((uint16_t)local_port);
    } else {
      ((struct sockaddr_in6 *)&ls)->sin6_port = htons((uint16_t)local_port);
    }
    /* No SO_REUSEADDR: a second UDP link on a taken local port fails
     * (ERROR), where with it Linux would let both bind and hand the
     * port's datagrams to the newer one only. */
    if (bind(fd, (struct sockaddr *)&ls, salen) != 0) {
      close(fd);
      return -1;
    }
  }
  if (type == SOCK_DGRAM) {
    return fd;
  }
  if (connect(fd, sa, salen) != 0) {
    if (errno != EINPROGRESS) {
      close(fd);
      return -1;
    }
    struct pollfd pf = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t el = sizeof err;
    if (poll(&pf, 1, CONNECT_MS) != 1 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

/* AT+CIPSTART=<link>,"TCP"|"TCPv6","addr",port[,keepalive]
 * AT+CIPSTART=<link>,"UDP"|"UDPv6","addr",port[,local port[,mode]] */
static void cipstart(char *args) {
  arg a[8];
  int n = split_args(args, a, 8);
  long l, port, extra = 0, mode = 0;
  if (!mux || n < 4 || !num(&a[0], 0, LINKS - 1, &l) || !a[1].quoted ||
      !a[2].quoted || !num(&a[3], 1, 65535, &port)) {
    error();
    return;
  }
  int type, family;
  if (strcmp(a[1].s, "TCP") == 0 || strcmp(a[1].s, "TCPv6") == 0) {
    type = SOCK_STREAM;
    if (n > 5 || (n == 5 && !num(&a[4], 0, 7200, &extra))) {
      error();
      return;
    }
    extra = 0; /* keepalive: accepted, not applied */
  } else if (strcmp(a[1].s, "UDP") == 0 || strcmp(a[1].s, "UDPv6") == 0) {
    type = SOCK_DGRAM;
    if (n > 6 || (n >= 5 && !num(&a[4], 0, 65535, &extra)) ||
        (n == 6 && !num(&a[5], 0, 2, &mode))) {
      error();
      return;
    }
  } else {
    error();
    return;
  }
  family = strchr(a[1].s, 'v') != NULL ? AF_INET6 : AF_INET;
  struct sockaddr_storage ss;
  socklen_t salen;
  if (!parse_addr(family, a[2].s, port, &ss, &salen)) {
    error();
    return;
  }
  if (link_open((int)l)) {
    msg("ALREADY CONNECTED\r\n");
    error();
    return;
  }
  int fd = socket_to(family, type, (struct sockaddr *)&ss, salen, extra);
  if (fd < 0) {
    error();
    return;
  }
  links[l] = (link_t){.fd = fd,
                      .type = type,
                      .remote = ss,
                      .remote_len = salen,
                      .mode = (int)mode};
  msg("%ld,CONNECT\r\n", l);
  ok();
}

/* AT+CIPSEND=<link>,<len>[,"<ip>",<port>] (the address: UDP only): OK
 * and the prompt; the payload follows. */
static void cipsend(char *args) {
  arg a[5];
  int n = split_args(args, a, 5);
  long l, len, port;
  if (!mux || (n != 2 && n != 4) || !num(&a[0], 0, LINKS - 1, &l) ||
      !num(&a[1], 1, (long)opt.send_max, &len)) {
    error();
    return;
  }
  if (links[l].fd < 0) {
    msg("link is not valid\r\n");
    error();
    return;
  }
  send_to_len = 0;
  if (n == 4 && (links[l].type != SOCK_DGRAM || !a[2].quoted ||
                 !num(&a[3], 1, 65535, &port) ||
                 !parse_addr(links[l].remote.ss_family, a[2].s, port, &send_to,
                             &send_to_len))) {
    error();
    return;
  }
  ok();
  msg("\r\n>");
  send_link = (int)l;
  send_len = (size_t)len;
  send_got = 0;
}

/* The payload is in: send it on the link. */
static void finish_send(void) {
  int l = send_link;
  send_link = -1;
  msg("\r\nRecv %zu bytes\r\n", send_len);
  size_t off = 0;
  while (links[l].fd >= 0 && off < send_len) {
    ssize_t w;
    if (links[l].type == SOCK_DGRAM) {
      w = sendto(links[l].fd, send_buf, send_len, MSG_NOSIGNAL,
                 (struct sockaddr *)(send_to_len ? &send_to : &links[l].remote),
                 send_to_len ? send_to_len : links[l].remote_len);
    } else {
      w = send(links[l].fd, send_buf + off, send_len - off, MSG_NOSIGNAL);
    }
    if (w < 0 && errno == EAGAIN) {
      struct pollfd pf = {.fd = links[l].fd, .events = POLLOUT};
      poll(&pf, 1, 1000);
      continue;
    }
    if (w <= 0 || links[l].type == SOCK_DGRAM) {
      if (w > 0) {
        off = send_len;
      }
      break;
    }
    off += (size_t)w;
  }
  if (off == send_len) {
    stats.sent_bytes += send_len;
    links[l].active_ms = now_ms();
    msg("\r\nSEND OK\r\n");
  } else {
    /* The socket failed (a reset the poll loop had not seen yet): bytes
     * held in passive mode are still the host's to read. */
    msg("\r\nSEND FAIL\r\n");
    if (links[l].fd >= 0) {
      socket_ended(l, true);
    }
  }
}

/* AT+CIPCLOSE=<link>; link 5 closes every link. */
static void cipclose(char *args) {
  arg a[2];
  long l;
  if (!mux || split_args(args, a, 2) != 1 || !num(&a[0], 0, LINKS, &l)) {
    error();
    return;
  }
  if (l == LINKS) {
    for (int i = 0; i < LINKS; i++) {
      if (link_open(i)) {
        close_link(i, false);
      }
    }
    ok();
    return;
  }
  if (!link_open((int)l)) {
    error();
    return;
  }
  close_link((int)l, false);
  ok();
}

static bool is(const char *s, const char *cmd) {
  return strcmp(s, cmd) == 0;
}

/* AT+CIPSERVER=1[,<port>] (default 333): a TCP listener on the station
 * address; ERROR without AT+CIPMUX=1, with a server already running (ESP-AT
 * has one), or when the port cannot be bound. AT+CIPSERVER=0[,<close all>]
 * deletes it; its connections stay open, or with 1 are closed (ESP-AT
 * 2.x's second parameter); ERROR with no server. */
static void cipserver(char *args) {
  arg a[3];
  int n = split_args(args, a, 3);
  long mode, p = 333;
  if (!mux || n < 1 || n > 2 || !num(&a[0], 0, 1, &mode) ||
      (n == 2 && !num(&a[1], mode == 1 ? 1 : 0, mode == 1 ? 65535 : 1, &p))) {
    error();
    return;
  }
  if (mode == 0) {
    if (srv_fd < 0) {
      error();
      return;
    }
    close(srv_fd);
    srv_fd = -1;
    for (int i = 0; i < LINKS && n == 2 && p == 1; i++) {
      if (link_open(i) && links[i].server) {
        close_link(i, false);
      }
    }
    ok();
    return;
  }
  struct sockaddr_storage ss;
  socklen_t len;
  int family = strchr(opt.sta_ip, ':') != NULL ? AF_INET6 : AF_INET;
  int fd = -1;
  if (srv_fd < 0 && parse_addr(family, opt.sta_ip, p, &ss, &len)) {
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  }
  int one = 1;
  if (fd < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, LINKS) != 0) {
    if (fd >= 0) {
      close(fd);
    }
    error();
    return;
  }
  srv_fd = fd;
  ok();
}

/* A connection to the server: the lowest free link, "<link>,CONNECT".
 * With every link taken it is closed at once (what ESP-AT does then is
 * not documented). */
static void server_accept(void) {
  struct sockaddr_storage ra;
  socklen_t rl = sizeof ra;
  int fd = accept4(srv_fd, (struct sockaddr *)&ra, &rl,
                   SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) {
    return;
  }
  int l = 0;
  while (l < LINKS && link_open(l)) {
    l++;
  }
  if (l == LINKS) {
    close(fd);
    stats.turned_away++;
    return;
  }
  links[l] = (link_t){.fd = fd,
                      .type = SOCK_STREAM,
                      .remote = ra,
                      .remote_len = rl,
                      .server = true,
                      .active_ms = now_ms()};
  stats.accepted++;
  msg("%d,CONNECT\r\n", l);
}

/* Whether a link has received bytes its host has not been given yet:
 * held in passive mode, or still in the socket (the poll loop reads them
 * next, which restarts the idle timer). */
static bool undelivered(int l) {
  uint8_t c;
  return links[l].hold_len > 0 ||
         recv(links[l].fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

/* AT+CIPSTO: a connection to the server quiet for sto seconds is closed
 * (sto 0: never), but not while bytes it received wait for the host
 * (closing would drop them): the host's fetch of held bytes counts as
 * traffic (ciprecvdata). Returns the milliseconds until the next one is
 * due, or -1 for none. */
static int idle_check(void) {
  int next = -1;
  int64_t now = now_ms();
  for (int i = 0; i < LINKS && sto > 0; i++) {
    if (links[i].fd < 0 || !links[i].server) {
      continue;
    }
    int64_t left = links[i].active_ms + (int64_t)sto * 1000 - now;
    if (left <= 0 && undelivered(i)) {
      continue; /* no deadline while the host owes a fetch */
    }
    if (left <= 0) {
      stats.idle_closed++;
      close_link(i, false);
    } else if (next < 0 || left < next) {
      next = (int)left;
    }
  }
  return next;
}

/* AT+CIPSTATUS: STATUS:3 with a link open (2: none), then one line per
 * open link, as ESP-AT: +CIPSTATUS:<link>,"<type>","<remote ip>",
 * <remote port>,<local port>,<tetype: 0 we are the client, 1 the
 * server>. */
static void cipstatus(void) {
  bool any = false;
  for (int i = 0; i < LINKS; i++) {
    any = any || link_open(i);
  }
  msg("STATUS:%d\r\n", any ? 3 : 2);
  for (int i = 0; i < LINKS; i++) {
    if (!link_open(i)) {
      continue;
    }
    struct sockaddr_storage la, ra;
    socklen_t ll = sizeof la, rl = sizeof ra;
    char ip[INET6_ADDRSTRLEN] = "0.0.0.0";
    unsigned lport = 0, rport = 0;
    if (getsockname(links[i].fd, (struct sockaddr *)&la, &ll) == 0) {
      lport = la.ss_family == AF_INET6
                  ? ntohs(((struct sockaddr_in6 *)&la)->sin6_port)
                  : ntohs(((struct sockaddr_in *)&la)->sin_port);
    }
    if (links[i].type == SOCK_DGRAM) {
      ra = links[i].remote;
    } else if (getpeername(links[i].fd, (struct sockaddr *)&ra, &rl) != 0) {
      ra.ss_family = AF_UNSPEC;
    }
    if (ra.ss_family == AF_INET) {
      inet_ntop(AF_INET, &((struct sockaddr_in *)&ra)->sin_addr, ip, sizeof ip);
      rport = ntohs(((struct sockaddr_in *)&ra)->sin_port);
    } else if (ra.ss_family == AF_INET6) {
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ra)->sin6_addr, ip,
                sizeof ip);
      rport = ntohs(((struct sockaddr_in6 *)&ra)->sin6_port);
    }
    msg("+CIPSTATUS:%d,\"%s\",\"%s\",%u,%u,%d\r\n", i,
        links[i].type == SOCK_DGRAM ? "UDP" : "TCP", ip, rport, lport,
        links[i].server ? 1 : 0);
  }
  ok();
}

/* A restart (AT+RST, or SIGUSR1: a module that browned out): every link
 * closed without a report, settings back to the start, "ready". A
 * payload still awaited and a command line half received are lost, as
 * with a module's restart. */
static void restart(void) {
  send_link = -1;
  line_len = 0;
  line_overflow = false;
  for (int i = 0; i < LINKS; i++) {
    close_socket(i, false);
    links[i].closing = links[i].reported = false;
    links[i].hold_len = 0;
  }
  if (srv_fd >= 0) {
    close(srv_fd);
    srv_fd = -1;
  }
  sto = opt.sto;
  echo_on = true;
  mux = dinfo = passive = false;
  msg("\r\nready\r\n");
}

/* The sender of a link's data as "ip",port (AT+CIPDINFO=1). */
static void sender(const struct sockaddr_storage *from, char *ip, size_t cap,
                   unsigned *port) {
  if (from->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const void *)from;
    inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)cap);
    *port = ntohs(s6->sin6_port);
  } else {
    const struct sockaddr_in *s4 = (const void *)from;
    inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)cap);
    *port = ntohs(s4->sin_port);
  }
}

/* AT+CIPRECVDATA=<link>,<len> (passive mode): up to len held bytes, as
 * "+CIPRECVDATA:<n>,[<"ip">,<port>,]<data>" (ESP-AT 2.x; the sender with
 * AT+CIPDINFO=1) or "+CIPRECVDATA,<n>:<data>" (ESP8266 AT 1.7,
 * --recvdata-form=esp8266), then OK; ERROR when none is held. The answer
 * is a frame: --split and --drop-after apply to it. */
static void ciprecvdata(char *args) {
  arg a[3];
  long l, len;
  if (!mux || !passive || split_args(args, a, 3) != 2 ||
      !num(&a[0], 0, LINKS - 1, &l) || !num(&a[1], 1, 0x7fffffff, &len) ||
      !link_open((int)l) || links[l].hold_len == 0) {
    error();
    return;
  }
  link_t *k = &links[l];
  size_t n = k->hold_len < (size_t)len ? k->hold_len : (size_t)len;
  static uint8_t frame[128 + HOLD];
  int h;
  if (opt.rd_8266) {
    h = snprintf((char *)frame, 128, "\r\n+CIPRECVDATA,%zu:", n);
  } else if (dinfo) {
    char ip[INET6_ADDRSTRLEN] = "";
    unsigned port = 0;
    sender(&k->remote, ip, sizeof ip, &port);
    h = snprintf((char *)frame, 128, "\r\n+CIPRECVDATA:%zu,\"%s\",%u,", n, ip,
                 port);
  } else {
    h = snprintf((char *)frame, 128, "\r\n+CIPRECVDATA:%zu,", n);
  }
  memcpy(frame + h, k->hold, n);
  out_frame(frame, (size_t)h + n);
  ok();
  k->hold_len -= n;
  memmove(k->hold, k->hold + n, k->hold_len);
  k->reported = false;
  k->active_ms = now_ms(); /* the link's bytes moved: AT+CIPSTO's timer */
  stats.rd_answers++;
  stats.rd_bytes += n;
  k->frames++;
  if (opt.drop_after != 0 && k->frames >= opt.drop_after && k->fd >= 0) {
    stats.drops++;
    socket_ended((int)l, true);
  } else if (k->closing && k->hold_len == 0) {
    close_link((int)l, false);
  }
}

static char *after(char *s, const char *prefix) {
  size_t n = strlen(prefix);
  return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

static void command(char *s) {
  char *args;
  stats.commands++;
  if (is(s, "AT")) {
    ok();
  } else if (is(s, "ATE0") || is(s, "ATE1")) {
    echo_on = s[3] == '1';
    ok();
  } else if (is(s, "AT+RST")) {
    ok();
    restart();
  } else if (is(s, "AT+CIPMUX=1")) {
    mux = true;
    ok();
  } else if (is(s, "AT+CIPMUX=0")) {
    /* Single-link mode is not emulated; leaving multi-link mode is
     * refused while a link is open, as ESP-AT does. */
    bool open = srv_fd >= 0; /* the server must be deleted first */
    for (int i = 0; i < LINKS; i++) {
      open = open || link_open(i);
    }
    if (open) {
      error();
    } else {
      mux = false;
      ok();
    }
  } else if (is(s, "AT+CIPMUX?")) {
    msg("+CIPMUX:%d\r\n", mux ? 1 : 0);
    ok();
  } else if (!opt.no_passive &&
             (is(s, "AT+CIPRECVMODE=0") || is(s, "AT+CIPRECVMODE=1"))) {
    passive = s[15] == '1';
    ok();
  } else if (!opt.no_passive && is(s, "AT+CIPRECVMODE?")) {
    msg("+CIPRECVMODE:%d\r\n", passive ? 1 : 0);
    ok();
  } else if (!opt.no_passive && is(s, "AT+CIPRECVLEN?")) {
    msg("+CIPRECVLEN:%zu,%zu,%zu,%zu,%zu\r\n", links[0].hold_len,
        links[1].hold_len, links[2].hold_len, links[3].hold_len,
        links[4].hold_len);
    ok();
  } else if (!opt.no_passive && (args = after(s, "AT+CIPRECVDATA=")) != NULL) {
    ciprecvdata(args);
  } else if (is(s, "AT+CIPDINFO=0") || is(s, "AT+CIPDINFO=1")) {
    dinfo = s[12] == '1';
    ok();
  } else if ((args = after(s, "AT+CIPSTART=")) != NULL) {
    cipstart(args);
  } else if ((args = after(s, "AT+CIPSEND=")) != NULL) {
    cipsend(args);
  } else if ((args = after(s, "AT+CIPCLOSE=")) != NULL) {
    cipclose(args);
  } else if ((args = after(s, "AT+CIPSERVER=")) != NULL) {
    cipserver(args);
  } else if ((args = after(s, "AT+CIPSTO=")) != NULL) {
    arg a[2];
    long t;
    /* Refused with no server running, as an ESP8266 module was seen to
     * (README.md). */
    if (srv_fd < 0 || split_args(args, a, 2) != 1 || !num(&a[0], 0, 7200, &t)) {
      error();
    } else {
      sto = (unsigned)t;
      ok();
    }
  } else if (is(s, "AT+CIPSTO?")) {
    msg("+CIPSTO:%u\r\n", sto);
    ok();
  } else if (is(s, "AT+CIFSR")) {
    /* The station's address: the address the links' sockets go out
     * from (--sta-ip, 127.0.0.1 by default: the peers are on loopback). */
    msg("+CIFSR:STAIP,\"%s\"\r\n", opt.sta_ip);
    msg("+CIFSR:STAMAC,\"02:00:00:00:00:01\"\r\n");
    ok();
  } else if (is(s, "AT+CIPSTATUS")) {
    cipstatus();
  } else {
    error();
  }
}

/* One byte from the host: payload while an AT+CIPSEND waits for it,
 * otherwise part of a command line (ended by LF, a CR before it
 * dropped). */
static void from_host(uint8_t c) {
  if (send_link >= 0) {
    send_buf[send_got++] = c;
    if (send_got == send_len) {
      finish_send();
    }
    return;
  }
  if (c != '\n') {
    if (line_len < sizeof line - 1) {
      line[line_len++] = (char)c;
    } else {
      line_overflow = true;
    }
    return;
  }
  if (line_len > 0 && line[line_len - 1] == '\r') {
    line_len--;
  }
  line[line_len] = '\0';
  if (echo_on) {
    out_raw(line, line_len);
    out_raw("\r\n", 2);
  }
  if (line_overflow || strlen(line) != line_len) {
    error(); /* too long, or a NUL inside */
  } else if (line_len > 0) {
    command(line);
  }
  line_len = 0;
  line_overflow = false;
}

/* ---- Received data ---- */

/* Passive mode, TCP: into the hold; "+IPD,<link>,<len>" if none was
 * reported since the last AT+CIPRECVDATA. Only called while the hold has
 * room. */
static void hold_from_link(int l) {
  link_t *k = &links[l];
  ssize_t r =
      recv(k->fd, k->hold + k->hold_len, HOLD - k->hold_len, MSG_DONTWAIT);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
    return;
  }
  if (r <= 0) {
    /* The peer ended (0) or reset the connection: the held bytes stay
     * readable either way; after a reset the socket is of no more use,
     * so sends get "link is not valid". */
    socket_ended(l, r < 0);
    return;
  }
  k->hold_len += (size_t)r;
  k->active_ms = now_ms();
  if (!k->reported) {
    char note[48];
    int h = snprintf(note, sizeof note, "\r\n+IPD,%d,%zu\r\n", l, k->hold_len);
    out_frame((const uint8_t *)note, (size_t)h);
    k->reported = true;
  }
}

static void from_link(int l) {
  static uint8_t frame[SEND_BUF + 128];
  if (passive && links[l].type == SOCK_STREAM) {
    hold_from_link(l);
    return;
  }
  uint8_t *data = frame + 128;
  struct sockaddr_storage from;
  socklen_t fl = sizeof from;
  ssize_t r = recvfrom(links[l].fd, data, opt.ipd_max, MSG_DONTWAIT,
                       (struct sockaddr *)&from, &fl);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
    return;
  }
  if (links[l].type == SOCK_DGRAM && r < 0) {
    return; /* an ICMP error for an earlier datagram: UDP goes on */
  }
  if (links[l].type == SOCK_STREAM && r <= 0) {
    close_link(l, false); /* the peer ended or reset the connection */
    return;
  }
  links[l].active_ms = now_ms();
  if (links[l].type == SOCK_STREAM) {
    fl = sizeof from;
    getpeername(links[l].fd, (struct sockaddr *)&from, &fl);
  } else if (links[l].mode == 2 || (links[l].mode == 1 && !links[l].changed &&
                                    !same_addr(&from, &links[l].remote))) {
    links[l].remote = from;
    links[l].remote_len = fl;
    links[l].changed = true;
  }
  char hdr[128];
  int h;
  if (dinfo) {
    char ip[INET6_ADDRSTRLEN] = "";
    unsigned port = 0;
    sender(&from, ip, sizeof ip, &port);
    h = snprintf(hdr, sizeof hdr, "\r\n+IPD,%d,%zd,\"%s\",%u:", l, r, ip, port);
  } else {
    h = snprintf(hdr, sizeof hdr, "\r\n+IPD,%d,%zd:", l, r);
  }
  /* The header goes just before the data, so the frame is one buffer. */
  memcpy(data - h, hdr, (size_t)h);
  out_frame(data - h, (size_t)h + (size_t)r);
  stats.ipd_frames++;
  stats.ipd_bytes += (unsigned long)r;
  links[l].frames++;
  if (opt.drop_after != 0 && links[l].frames >= opt.drop_after) {
    stats.drops++;
    close_link(l, true);
  }
}

/* ---- Setup ---- */

static void on_usr1(int sig) {
  (void)sig;
  restart_asked = 1;
}

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static void usage(void) {
  fprintf(stderr,
          "usage: modem_sim [--link PATH] [--garbage] [--split bytes|random]\n"
          "                 [--split-pause-us N] [--seed N] [--drop-after N]\n"
          "                 [--ipd-max N] [--send-max N] [--sta-ip A]\n"
          "                 [--no-passive] [--recvdata-form esp32|esp8266]\n"
          "                 [--sto SECONDS]\n"
          "Prints the pty's slave path on stdout and plays an ESP-AT modem\n"
          "on it until SIGTERM or SIGINT. See README.md.\n");
  exit(2);
}

/* A bad value: one line naming the flag and what it takes, exit 2. */
static void bad_value(const char *flag, const char *value, const char *want) {
  fprintf(stderr, "modem_sim: --%s '%s': %s\n", flag, value, want);
  exit(2);
}

/* A decimal number in lo..hi written as digits only (strtoul alone also
 * takes leading blanks and a sign). */
static unsigned long arg_num(const char *flag, const char *s, unsigned long lo,
                             unsigned long hi) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (s[0] < '0' || s[0] > '9' || errno != 0 || *end != '\0' || v < lo ||
      v > hi) {
    char want[64];
    snprintf(want, sizeof want, "want a number from %lu to %lu", lo, hi);
    bad_value(flag, s, want);
  }
  return v;
}

/* --link's path: absent, or a symlink (ours from an earlier run), which is
 * replaced; anything else is the user's and is left alone. */
static void check_link_path(const char *path) {
  struct stat st;
  if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) {
    bad_value("link", path, "exists and is not a symlink (not replaced)");
  }
}

/* --sta-ip: a numeric IPv4 or IPv6 address (AT+CIFSR reports it, and
 * AT+CIPSERVER listens on it). */
static void check_sta_ip(const char *ip) {
  uint8_t a[16];
  if (inet_pton(strchr(ip, ':') != NULL ? AF_INET6 : AF_INET, ip, a) != 1) {
    bad_value("sta-ip", ip, "want a numeric IPv4 or IPv6 address");
  }
}

static void parse_options(int argc, char **argv) {
  static const struct option longs[] = {
      {"link", required_argument, NULL, 'l'},
      {"garbage", no_argument, NULL, 'g'},
      {"split", required_argument, NULL, 's'},
      {"split-pause-us", required_argument, NULL, 'p'},
      {"seed", required_argument, NULL, 'r'},
      {"drop-after", required_argument, NULL, 'd'},
      {"ipd-max", required_argument, NULL, 'i'},
      {"send-max", required_argument, NULL, 'm'},
      {"sta-ip", required_argument, NULL, 'a'},
      {"no-passive", no_argument, NULL, 'n'},
      {"recvdata-form", required_argument, NULL, 'f'},
      {"sto", required_argument, NULL, 't'},
      {NULL, 0, NULL, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    switch (c) {
      case 'l': opt.link_path = optarg; break;
      case 'g': opt.garbage = true; break;
      case 's':
        if (strcmp(optarg, "bytes") == 0) {
          opt.split = SPLIT_BYTES;
        } else if (strcmp(optarg, "random") == 0) {
          opt.split = SPLIT_RANDOM;
        } else {
          bad_value("split", optarg, "want bytes or random");
        }
        break;
      case 'p':
        opt.split_us = (unsigned)arg_num("split-pause-us", optarg, 0, 1000000);
        break;
      case 'r': opt.seed = arg_num("seed", optarg, 0, 0xFFFFFFFFUL) + 1; break;
      case 'd':
        opt.drop_after = (unsigned)arg_num("drop-after", optarg, 0, 1000000);
        break;
      case 'i':
        opt.ipd_max = (unsigned)arg_num("ipd-max", optarg, 1, SEND_BUF);
        break;
      case 'm':
        opt.send_max = (unsigned)arg_num("send-max", optarg, 1, SEND_BUF);
        break;
      case 'a':
        check_sta_ip(optarg);
        opt.sta_ip = optarg;
        break;
      case 'n': opt.no_passive = true; break;
      case 't': opt.sto = (unsigned)arg_num("sto", optarg, 0, 7200); break;
      case 'f':
        if (strcmp(optarg, "esp8266") == 0) {
          opt.rd_8266 = true;
        } else if (strcmp(optarg, "esp32") != 0) {
          bad_value("recvdata-form", optarg, "want esp32 or esp8266");
        }
        break;
      default: usage();
    }
  }
  if (optind != argc) {
    usage();
  }
  if (opt.link_path != NULL) {
    check_link_path(opt.link_path);
  }
}

int main(int argc, char **argv) {
  parse_options(argc, argv);
  for (int i = 0; i < LINKS; i++) {
    links[i].fd = -1;
  }
  sto = opt.sto;
  /* The slave stays open here too, so the master never sees a hang-up
   * and hosts may open and close the slave as they like. */
  int sfd;
  char name[64];
  struct termios raw;
  if (openpty(&mfd, &sfd, name, NULL, NULL) != 0) {
    die("openpty");
  }
  if (tcgetattr(sfd, &raw) != 0) {
    die("tcgetattr");
  }
  cfmakeraw(&raw);
  if (tcsetattr(sfd, TCSANOW, &raw) != 0) {
    die("tcsetattr");
  }
  fcntl(mfd, F_SETFD, FD_CLOEXEC);
  fcntl(sfd, F_SETFD, FD_CLOEXEC);
  if (opt.link_path != NULL) {
    unlink(opt.link_path);
    if (symlink(name, opt.link_path) != 0) {
      die("symlink");
    }
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  printf("%s\n", name);
  fflush(stdout);

  msg("\r\nready\r\n");
  while (!stop) {
    if (restart_asked) {
      restart_asked = 0;
      restart();
    }
    int wait_ms = send_link < 0 ? idle_check() : -1;
    struct pollfd pf[2 + LINKS];
    int ids[2 + LINKS];
    int n = 0;
    pf[n] = (struct pollfd){.fd = mfd, .events = POLLIN};
    ids[n++] = -1;
    if (srv_fd >= 0 && send_link < 0) {
      pf[n] = (struct pollfd){.fd = srv_fd, .events = POLLIN};
      ids[n++] = -2;
    }
    for (int i = 0; i < LINKS && send_link < 0; i++) {
      /* Passive mode: a TCP link with a full hold is not read, so its
       * socket's buffer fills and TCP's window closes on the peer. */
      if (links[i].fd >= 0 && !links[i].closing &&
          !(passive && links[i].type == SOCK_STREAM &&
            links[i].hold_len == HOLD)) {
        pf[n] = (struct pollfd){.fd = links[i].fd, .events = POLLIN};
        ids[n++] = i;
      }
    }
    if (poll(pf, (nfds_t)n, wait_ms) < 0) {
      if (errno == EINTR) {
        continue;
      }
      die("poll");
    }
    if (pf[0].revents & POLLIN) {
      uint8_t buf[4096];
      ssize_t r = read(mfd, buf, sizeof buf);
      if (r < 0 && errno != EINTR && errno != EAGAIN) {
        die("read from the pty");
      }
      for (ssize_t i = 0; i < r; i++) {
        from_host(buf[i]);
      }
      continue; /* links may have changed: poll again */
    }
    for (int i = 1; i < n; i++) {
      if (ids[i] == -2) {
        if (pf[i].revents != 0 && srv_fd == pf[i].fd) {
          server_accept();
        }
      } else if (pf[i].revents != 0 && links[ids[i]].fd == pf[i].fd) {
        from_link(ids[i]);
      }
    }
  }
  if (opt.link_path != NULL) {
    unlink(opt.link_path);
  }
  fprintf(stderr,
          "modem_sim: %lu commands, %lu bytes sent, %lu +IPD frames of %lu "
          "bytes, %lu +CIPRECVDATA of %lu bytes, %lu garbage lines, %lu "
          "links dropped, %lu connections accepted, %lu turned away, %lu "
          "closed idle\n",
          stats.commands, stats.sent_bytes, stats.ipd_frames, stats.ipd_bytes,
          stats.rd_answers, stats.rd_bytes, stats.garbage_lines, stats.drops,
          stats.accepted, stats.turned_away, stats.idle_closed);
  return 0;
}
