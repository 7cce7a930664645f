/* The posix backend of the socket API: see tern/socket_posix.h. */
#define _GNU_SOURCE
#include "tern/socket_posix.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tern/err.h"

/* tern_socket_posix_sock.kind */
enum {
  KIND_FREE = 0,
  KIND_STREAM,   /* opened (maybe bound), neither connecting nor listening */
  KIND_LISTENER, /* listen(2) done */
  KIND_CONN,     /* connecting or connected, or accepted */
  KIND_DGRAM,
};

int tern_socket_posix_err(int e) {
  switch (e) {
    case ECONNREFUSED: return TERN_ECONNREFUSED;
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED: return TERN_ECONNRESET; /* killed on this host */
    case ETIMEDOUT: return TERN_ETIMEDOUT;
    case EADDRINUSE: return TERN_EADDRINUSE;
    case EADDRNOTAVAIL: return TERN_EADDRNOTAVAIL;
    case ENETUNREACH: return TERN_ENETUNREACH;
    /* ICMP errors, in Linux's names (icmp_err_convert), as ip/ipv4 maps
     * them: host unknown and host isolated are host unreachables;
     * protocol unreachable (ENOPROTOOPT: every option this backend sets
     * exists, so it means nothing else here) and a parameter problem are
     * EPROTO. ICMPv4's administratively prohibited is already
     * ENETUNREACH or EHOSTUNREACH; ICMPv6's is EACCES, which cannot be
     * told from this host's refusals (a privileged port, a broadcast):
     * TERN_EINVAL below. */
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENONET: return TERN_EHOSTUNREACH;
    case ENOPROTOOPT:
    case EPROTO: return TERN_EPROTO;
    case ENETDOWN: return TERN_ENETDOWN;
    case EMSGSIZE: return TERN_EMSGSIZE;
    case ENOBUFS: return TERN_ENOBUFS;
    case ENOMEM:
    case EMFILE:
    case ENFILE: return TERN_ENOMEM;
    case EAFNOSUPPORT: return TERN_EAFNOSUPPORT;
    case ENOTCONN: return TERN_ENOTCONN;
    case EISCONN:
    case EALREADY: return TERN_EALREADY;
    case EINVAL:
    case EACCES:
    case EPERM: return TERN_EINVAL;
    case EOPNOTSUPP: return TERN_ENOTSUP;
    default: return TERN_EIO;
  }
}

static tern_socket_posix_sock *sock_of(void *s) {
  return (tern_socket_posix_sock *)s;
}

/* The sockaddr for e (NULL or family NONE: IPv4's any address, port 0
 * or e's). Returns its length, or 0 for an unknown family. */
static socklen_t to_sa(const tern_endpoint *e, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
#if TERN_CONFIG_IPV6
  if (e != NULL && e->addr.family == TERN_IP_V6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(e->port);
    memcpy(&s6->sin6_addr, e->addr.u.v6.b, 16);
    s6->sin6_scope_id = e->scope;
    return sizeof *s6;
  }
#endif
  if (e != NULL && e->addr.family != TERN_IP_V4 &&
      e->addr.family != TERN_IP_NONE) {
    return 0;
  }
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  s4->sin_family = AF_INET;
  if (e != NULL) {
    s4->sin_port = htons(e->port);
    if (e->addr.family == TERN_IP_V4) {
      memcpy(&s4->sin_addr, e->addr.u.v4.b, 4);
    }
  }
  return sizeof *s4;
}

/* The endpoint for ss. Returns 0, or TERN_ERANGE (e zeroed) for an IPv6
 * scope, an interface index, above 255: Linux's indices grow past it,
 * tern_endpoint's scope has 8 bits, and cut it would name another
 * interface. */
static int from_sa(const struct sockaddr_storage *ss, tern_endpoint *e) {
  memset(e, 0, sizeof *e);
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    e->addr.family = TERN_IP_V4;
    memcpy(e->addr.u.v4.b, &s4->sin_addr, 4);
    e->port = ntohs(s4->sin_port);
  }
#if TERN_CONFIG_IPV6
  else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    if (s6->sin6_scope_id > UINT8_MAX) {
      return TERN_ERANGE;
    }
    e->addr.family = TERN_IP_V6;
    memcpy(e->addr.u.v6.b, &s6->sin6_addr, 16);
    e->port = ntohs(s6->sin6_port);
    e->scope = (uint8_t)s6->sin6_scope_id;
  }
#endif
  return 0;
}

/* Makes k's descriptor for family (AF_INET or AF_INET6) and registers
 * it. Returns 0 or a tern_err. */
static int make_fd(tern_socket_posix_sock *k, int family) {
  int type = k->kind == KIND_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
  int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return tern_socket_posix_err(errno);
  }
  int one = 1;
  /* A datagram socket sends broadcasts, as tern's UDP does (the API has
   * no option for them): without SO_BROADCAST Linux refuses each with
   * EACCES. */
  (void)setsockopt(fd, SOL_SOCKET,
                   type == SOCK_STREAM ? SO_REUSEADDR : SO_BROADCAST, &one,
                   sizeof one);
  /* An IPv6 socket takes IPv6 only, as tern's (:: takes every address of
   * its family), not IPv4 too as ::ffff:a.b.c.d, which Linux's default
   * would. Buffer sizes the application set before there was a
   * descriptor. */
  int rc = 0;
  if ((family == AF_INET6 &&
       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
      (k->sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &k->sndbuf,
                                   sizeof k->sndbuf) != 0) ||
      (k->rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &k->rcvbuf,
                                   sizeof k->rcvbuf) != 0)) {
    rc = tern_socket_posix_err(errno);
  }
  if (rc == 0) {
    rc = tern_host_fd_register(&k->reg, fd);
  }
  if (rc != 0) {
    close(fd);
    return rc;
  }
  k->fd = fd;
  return 0;
}

static void drop_fd(tern_socket_posix_sock *k) {
  if (k->fd >= 0) {
    (void)tern_host_fd_unregister(&k->reg);
    close(k->fd);
    k->fd = -1;
  }
}

/* Gives k's slot back. A task still waiting on it (another task's read,
 * accept or receive) is woken and finds it gone (TERN_EINVAL), as tern's
 * backend wakes its waiters at a close: the unregistration alone would
 * forget its waker unwoken (tern/host_port.h). */
static void release(tern_socket_posix_sock *k) {
  k->kind = KIND_FREE;
  if (k->fd >= 0) {
    (void)tern_host_fd_wake(&k->reg);
  }
  drop_fd(k);
}

static tern_socket_posix_sock *free_sock(tern_socket_posix *net) {
  for (uint16_t i = 0; i < net->nsocks; i++) {
    if (net->socks[i].kind == KIND_FREE) {
      return &net->socks[i];
    }
  }
  return NULL;
}

static void reset_sock(tern_socket_posix_sock *k, uint8_t kind) {
  k->kind = kind;
  k->fd = -1;
  k->err = 0;
  k->connecting = 0;
  k->wr_closed = 0;
  k->udp_peer = 0;
  k->bound = 0;
  k->abandoned = 0;
  k->sndbuf = 0;
  k->rcvbuf = 0;
  memset(&k->peer, 0, sizeof k->peer);
  memset(&k->local, 0, sizeof k->local);
  tern_host_fd init = TERN_HOST_FD_INIT;
  k->reg = init;
}

static int p_open(tern_net *n, tern_socket_type type, tern_socket **out) {
  tern_socket_posix *net = (tern_socket_posix *)n;
  if (type != TERN_SOCK_STREAM && type != TERN_SOCK_DGRAM) {
    return TERN_EINVAL;
  }
  tern_socket_posix_sock *k = free_sock(net);
  if (k == NULL) {
    return TERN_ENOMEM;
  }
  reset_sock(k, type == TERN_SOCK_STREAM ? KIND_STREAM : KIND_DGRAM);
  *out = &k->base;
  return 0;
}

/* The port the kernel picks for a stream bind of ss (port 0), written
 * into ss, taken by a throwaway socket whose descriptor is returned (or a
 * negative tern_err). The bind that follows names it, because Linux keeps
 * a port the bind named through the end of a connection (a refusal, a
 * reset, an abandoned connect) until the close, but lets its own pick go
 * there while getsockname(2) still names it. Both sockets have
 * SO_REUSEADDR and neither listens, so Linux lets them share the port
 * until the caller closes the throwaway one. */
static int pick_port(struct sockaddr_storage *ss, socklen_t len) {
  int t = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  struct sockaddr_storage got;
  socklen_t glen = sizeof got;
  if (t < 0 || setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(t, (struct sockaddr *)ss, len) != 0 ||
      getsockname(t, (struct sockaddr *)&got, &glen) != 0) {
    int rc = tern_socket_posix_err(errno);
    if (t >= 0) {
      close(t);
    }
    return rc;
  }
  _Static_assert(offsetof(struct sockaddr_in, sin_port) ==
                     offsetof(struct sockaddr_in6, sin6_port),
                 "pick_port writes either family's port as sin_port");
  ((struct sockaddr_in *)ss)->sin_port = ((struct sockaddr_in *)&got)->sin_port;
  return t;
}

static int p_bind(tern_socket *s, const tern_endpoint *local) {
  tern_socket_posix_sock *k = sock_of(s);
  if ((k->kind != KIND_STREAM && k->kind != KIND_DGRAM) || k->fd >= 0 ||
      (local == NULL && k->kind == KIND_STREAM)) {
    return TERN_EINVAL;
  }
  /* An unknown family is no family (TERN_EINVAL); IPv6 in an IPv4-only
   * build one the build lacks. */
  int rc = local != NULL ? tern_endpoint_local_check(local) : 0;
  if (rc != 0) {
    return rc;
  }
  struct sockaddr_storage ss;
  socklen_t len = to_sa(local, &ss);
  /* A stream bind to port 0 names the kernel's pick (pick_port). Between
   * the pick and this bind another program's listener may take the port
   * (SO_REUSEADDR lets it share one that sockets only bound): a bind to
   * any port never says TERN_EADDRINUSE, so it picks again. */
  bool any = k->kind == KIND_STREAM && local->port == 0;
  for (int tries = 0;; tries++) {
    int pick = -1;
    if (any) {
      ((struct sockaddr_in *)&ss)->sin_port = 0; /* either family: pick_port */
      pick = pick_port(&ss, len);
      if (pick < 0) {
        return pick;
      }
    }
    rc = make_fd(k, ss.ss_family);
    if (rc == 0 && bind(k->fd, (struct sockaddr *)&ss, len) != 0) {
      rc = tern_socket_posix_err(errno);
      drop_fd(k);
    }
    if (pick >= 0) {
      close(pick);
    }
    if (rc != TERN_EADDRINUSE || !any || tries == 7) {
      break;
    }
  }
  if (rc != 0) {
    return rc;
  }
  k->bound = 1;
  return 0;
}

static int p_listen(tern_socket *s, unsigned backlog) {
  tern_socket_posix_sock *k = sock_of(s);
  if (k->kind != KIND_STREAM || k->fd < 0 || backlog == 0 || backlog > 255) {
    return TERN_EINVAL;
  }
  if (listen(k->fd, (int)backlog) != 0) {
    return tern_socket_posix_err(errno);
  }
  k->kind = KIND_LISTENER;
  return 0;
}

static tern_poll p_poll_accept(tern_socket *s, tern_cx *cx, tern_socket **out,
                               int *err) {
  tern_socket_posix_sock *k = sock_of(s);
  if (k->kind != KIND_LISTENER || out == NULL) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  tern_socket_posix_sock *a = free_sock(k->net);
  if (a == NULL) {
    *err = TERN_ENOMEM; /* the connection waits in the kernel's backlog */
    return TERN_READY;
  }
  for (;;) {
    struct sockaddr_storage ss;
    socklen_t salen = sizeof ss;
    int fd = accept4(k->fd, (struct sockaddr *)&ss, &salen,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      if (e == EINTR || e == ECONNABORTED) {
        continue;
      }
      if (e == EAGAIN || e == EWOULDBLOCK) {
        if (tern_host_fd_poll_readable(&k->reg, cx) == TERN_PENDING) {
          return TERN_PENDING;
        }
        continue;
      }
      *err = tern_socket_posix_err(e);
      return TERN_READY;
    }
    tern_endpoint peer;
    if (from_sa(&ss, &peer) != 0) {
      /* From an interface the API cannot name: reset, and the next. */
      struct linger l = {1, 0};
      (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      close(fd);
      continue;
    }
    reset_sock(a, KIND_CONN);
    int rc = tern_host_fd_register(&a->reg, fd);
    if (rc != 0) {
      close(fd);
      a->kind = KIND_FREE;
      *err = rc;
      return TERN_READY;
    }
    a->fd = fd;
    a->peer = peer;
    *out = &a->base;
    *err = 0;
    return TERN_READY;
  }
}

/* The tern_err for errno e from connect(2) or sendto(2) to ss on k's
 * descriptor: an address of another family than the descriptor's is a
 * bad argument, TERN_EINVAL, as tern's UDP says (a family the socket is
 * not bound to), where Linux says EAFNOSUPPORT (the code for a family the
 * build lacks) or, for IPv4 from an IPv6-only socket, ENETUNREACH. Asked
 * only after a failure: the sends that succeed pay nothing. */
static int send_err(const tern_socket_posix_sock *k, int e,
                    const struct sockaddr_storage *ss) {
  int domain = 0;
  socklen_t len = sizeof domain;
  if ((e == EAFNOSUPPORT || e == ENETUNREACH) &&
      getsockopt(k->fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
      domain != ss->ss_family) {
    return TERN_EINVAL;
  }
  return tern_socket_posix_err(e);
}

static int p_connect(tern_socket *s, const tern_endpoint *remote) {
  tern_socket_posix_sock *k = sock_of(s);
  if (k->kind != KIND_STREAM && k->kind != KIND_DGRAM) {
    return TERN_EINVAL;
  }
  int bad = tern_endpoint_remote_check(remote);
  if (bad != 0) {
    return bad;
  }
  if (k->kind == KIND_DGRAM && k->udp_peer) {
    return TERN_EINVAL;
  }
  struct sockaddr_storage ss;
  socklen_t len = to_sa(remote, &ss);
  if (len == 0) {
    return TERN_EAFNOSUPPORT;
  }
  bool made = false;
  if (k->fd < 0) {
    int rc = make_fd(k, ss.ss_family);
    if (rc != 0) {
      return rc;
    }
    made = true;
  }
  int r;
  do {
    r = connect(k->fd, (struct sockaddr *)&ss, len);
  } while (r != 0 && errno == EINTR);
  int e = r == 0 ? 0 : errno;
  int rc = e != 0 ? send_err(k, e, &ss) : 0;
  /* A connect that failed gives back a descriptor made for it; one the
   * application bound stays until the close, so that the socket keeps the
   * local endpoint it was given (as Linux's own socket does). */
  if (e != 0 && e != EINPROGRESS && made) {
    drop_fd(k);
  }
  if (k->kind == KIND_DGRAM) {
    if (e != 0) {
      return rc;
    }
    k->udp_peer = 1;
    k->peer = *remote;
    return 0;
  }
  if (e == 0 || e == EINPROGRESS) {
    k->connecting = e != 0;
  } else if (e == ECONNREFUSED || e == ETIMEDOUT || e == ECONNRESET) {
    k->err = tern_socket_posix_err(e); /* the peer answered at once: */
                                       /* poll_connect reports it */
  } else {
    return rc;
  }
  k->peer = *remote;
  k->kind = KIND_CONN;
  return 0;
}

static tern_poll p_poll_connect(tern_socket *s, tern_cx *cx, int *err) {
  tern_socket_posix_sock *k = sock_of(s);
  if (k->kind == KIND_DGRAM) {
    *err = k->udp_peer ? 0 : TERN_EINVAL;
    return TERN_READY;
  }
  if (k->kind != KIND_CONN) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  if (k->connecting) {
    if (tern_host_fd_poll_writable(&k->reg, cx) == TERN_PENDING) {
      return TERN_PENDING;
    }
    int e = 0;
    socklen_t len = sizeof e;
    if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0) {
      e = errno;
    }
    k->connecting = 0;
    if (e != 0) {
      k->err = tern_socket_posix_err(e);
    }
  }
  *err = k->abandoned ? TERN_ECLOSED : k->err;
  return TERN_READY;
}

static tern_poll p_poll_send_to(tern_socket *s, tern_cx *cx,
                                const tern_endpoint *dst, const void *data,
                                size_t len, int *err) {
  tern_socket_posix_sock *k = sock_of(s);
  if (k->kind != KIND_DGRAM || (data == NULL && len > 0)) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  int bad = dst != NULL ? tern_endpoint_remote_check(dst) : 0;
  if (bad != 0) {
    *err = bad;
    return TERN_READY;
  }
  if (dst == NULL && !k->udp_peer) {
    *err = TERN_ENOTCONN;
    return TERN_READY;
  }
  struct sockaddr_storage ss;
  ss.ss_family = AF_INET;
  socklen_t salen = 0;
  if (dst != NULL) {
    salen = to_sa(dst, &ss);
    if (salen == 0) {
      *err = TERN_EAFNOSUPPORT;
      return TERN_READY;
    }
  }
  if (k->fd < 0) {
    int rc = make_fd(k, ss.ss_family); /* dst is set: udp_peer needs fd */
    if (rc != 0) {
      *err = rc;
      return TERN_READY;
    }
  }
  for (;;) {
    ssize_t r = sendto(k->fd, data, len, MSG_NOSIGNAL,
                       dst != NULL ? (struct sockaddr *)&ss : NULL, salen);
    if (r >= 0) {
      *err = 0;
      return TERN_READY;
    }
    int e = errno;
    if (e == EINTR) {
      continue;
    }
    if (e == EAGAIN || e == EWOULDBLOCK) {
      if (tern_host_fd_poll_writable(&k->reg, cx) == TERN_PENDING) {
        return TERN_PENDING;
      }
      continue;
    }
    *err = dst != NULL ? send_err(k, e, &ss) : tern_socket_posix_err(e);
    return TERN_READY;
  }
}

static tern_poll p_poll_recv_from(tern_socket *s, tern_cx *cx,
                                  tern_endpoint *src, void *buf, size_t cap,
                                  int *n) {
  tern_socket_posix_sock *k = sock_of(s);
  if (k->kind != KIND_DGRAM || k->fd < 0 || (buf == NULL && cap > 0)) {
    *n = TERN_EINVAL;
    return TERN_READY;
  }
  for (;;) {
    struct sockaddr_storage ss;
    socklen_t salen = sizeof ss;
    /* MSG_TRUNC: the datagram's full length, as tern's UDP reports it. */
    ssize_t r =
        recvfrom(k->fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&ss, &salen);
    tern_endpoint from;
    if (r >= 0 && from_sa(&ss, &from) != 0) {
      continue; /* from an interface the API cannot name: dropped */
    }
    if (r >= 0) {
      if (src != NULL) {
        *src = from;
      }
      *n = r > INT32_MAX ? INT32_MAX : (int)r;
      return TERN_READY;
    }
    int e = errno;
    if (e == EINTR) {
      continue;
    }
    if (e == EAGAIN || e == EWOULDBLOCK) {
      if (tern_host_fd_poll_readable(&k->reg, cx) == TERN_PENDING) {
        return TERN_PENDING;
      }
      continue;
    }
    *n = tern_socket_posix_err(e);
    return TERN_READY;
  }
}

static int p_endpoint(tern_socket *s, bool peer, tern_endpoint *out) {
  tern_socket_posix_sock *k = sock_of(s);
  if (out == NULL || k->kind == KIND_FREE) {
    return TERN_EINVAL;
  }
  if (peer) {
    /* Kept from connect or accept: getpeername(2) fails once the
     * connection was reset. */
    if (k->kind != KIND_CONN && !(k->kind == KIND_DGRAM && k->udp_peer)) {
      return TERN_ENOTCONN;
    }
    *out = k->peer;
    return 0;
  }
  if (k->abandoned) {
    *out = k->local; /* as tern's connection keeps its own */
    return 0;
  }
  memset(out, 0, sizeof *out);
  if (k->fd < 0) {
    return 0;
  }
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getsockname(k->fd, (struct sockaddr *)&ss, &len) != 0) {
    return tern_socket_posix_err(errno);
  }
  return from_sa(&ss, out);
}

static int p_set_option(tern_socket *s, tern_socket_option opt, int32_t value) {
  tern_socket_posix_sock *k = sock_of(s);
  int level, name;
  switch (opt) {
    case TERN_SO_NODELAY:
    case TERN_SO_KEEPALIVE:
      if (k->kind != KIND_CONN || (value != 0 && value != 1)) {
        return TERN_EINVAL;
      }
      level = opt == TERN_SO_NODELAY ? IPPROTO_TCP : SOL_SOCKET;
      name = opt == TERN_SO_NODELAY ? TCP_NODELAY : SO_KEEPALIVE;
      break;
    case TERN_SO_SNDBUF:
    case TERN_SO_RCVBUF:
      if ((k->kind != KIND_STREAM && k->kind != KIND_CONN &&
           k->kind != KIND_DGRAM) ||
          value <= 0) {
        return TERN_EINVAL;
      }
      if (k->fd < 0 && k->kind != KIND_CONN) {
        /* No descriptor yet, and making one now would fix its family
         * before the bind or connect that names it: make_fd applies it. */
        *(opt == TERN_SO_SNDBUF ? &k->sndbuf : &k->rcvbuf) = value;
        return 0;
      }
      level = SOL_SOCKET;
      name = opt == TERN_SO_SNDBUF ? SO_SNDBUF : SO_RCVBUF;
      break;
    default: return TERN_EINVAL;
  }
  if (k->fd < 0 || k->abandoned) {
    /* A connection left without a descriptor (its connect failed) or
     * whose connect the stream's close abandoned: nothing to set, and an
     * option on an ended connection is 0, as on tern's backend
     * (tern/socket.h). */
    return 0;
  }
  int v = value;
  if (setsockopt(k->fd, level, name, &v, sizeof v) != 0) {
    return tern_socket_posix_err(errno);
  }
  return 0;
}

/* A connection's error, also one no call has seen yet: a reset, a
 * refusal or a timeout the kernel took while nobody read or wrote. The
 * kernel keeps it in SO_ERROR once the connection is CLOSED; before that
 * SO_ERROR can only hold a soft error (an ICMP unreachable while TCP
 * retransmits) of a connection that lives on, so it is read only then.
 * 0 while the connection lives, is still connecting (SYN-SENT), or ended
 * gracefully (an abandoned connect among them). */
static int conn_err(tern_socket_posix_sock *k) {
  if (k->err != 0 || k->fd < 0 || k->abandoned) {
    return k->err;
  }
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  if (getsockopt(k->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
      ti.tcpi_state != TCP_CLOSE) {
    return 0;
  }
  int e = 0;
  len = sizeof e;
  if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e != 0) {
    k->err = tern_socket_posix_err(e);
    k->connecting = 0;
  }
  return k->err;
}

static tern_poll p_poll_close(tern_socket *s, tern_cx *cx, int *err) {
  (void)cx; /* the kernel finishes the close in the background */
  tern_socket_posix_sock *k = sock_of(s);
  if (k->kind == KIND_FREE) {
    *err = TERN_EINVAL;
    return TERN_READY;
  }
  *err = 0;
  if (k->kind == KIND_CONN) {
    /* Before the shutdown: on a connection in SYN-SENT it aborts the
     * attempt and leaves ECONNRESET in SO_ERROR, an error that closing a
     * connection nobody answered yet does not have. */
    if (conn_err(k) == 0 && !k->wr_closed && k->fd >= 0) {
      (void)shutdown(k->fd, SHUT_WR);
    }
    /* Linux answers a close with unread bytes by a reset, which drops
     * what is still unsent or in flight: the close promises the peer
     * every byte, so what arrived unread is discarded first, as much as
     * was queued now: reading until none is left could go on for as long
     * as a fast peer keeps sending, the whole run loop waiting. (Bytes
     * that arrive after this still cause the reset.) */
    uint8_t sink[256];
    int left = 0;
    if (k->fd >= 0 && ioctl(k->fd, FIONREAD, &left) != 0) {
      left = 0;
    }
    while (left > 0) {
      ssize_t r = recv(k->fd, sink,
                       (size_t)left < sizeof sink ? (size_t)left : sizeof sink,
                       MSG_DONTWAIT);
      if (r <= 0) {
        break;
      }
      left -= (int)r;
    }
    *err = k->err;
  }
  release(k);
  return TERN_READY;
}

static void p_abort(tern_socket *s) {
  tern_socket_posix_sock *k = sock_of(s);
  if (k->kind == KIND_FREE) {
    return;
  }
  if (k->kind == KIND_CONN && k->fd >= 0) {
    /* A zero linger time makes close(2) send a reset. */
    struct linger l = {1, 0};
    (void)setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  release(k);
}

/* ---- a connection's stream ---- */

/* The error of a stream call on k, or 0 if it may go on. A connect the
 * stream's close abandoned (p_shut) is closed, as tern's TCP answers
 * then. */
static int stream_check(const tern_socket_posix_sock *k) {
  if (k->kind != KIND_CONN) {
    return TERN_EINVAL;
  }
  return k->abandoned ? TERN_ECLOSED : k->err;
}

/* Whether k's connection is still in SYN-SENT: nobody answered yet. */
static bool syn_sent(const tern_socket_posix_sock *k) {
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  return k->connecting && k->fd >= 0 &&
         getsockopt(k->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
         ti.tcpi_state == TCP_SYN_SENT;
}

static tern_poll p_read(void *self, tern_cx *cx, void *buf, size_t len,
                        ptrdiff_t *n) {
  tern_socket_posix_sock *k = sock_of(self);
  int bad = stream_check(k);
  if (bad != 0) {
    *n = bad;
    return TERN_READY;
  }
  for (;;) {
    ssize_t r = recv(k->fd, buf, len, 0);
    if (r >= 0) {
      *n = r;
      return TERN_READY;
    }
    int e = errno;
    if (e == EINTR) {
      continue;
    }
    if (e == EAGAIN || e == EWOULDBLOCK) {
      if (tern_host_fd_poll_readable(&k->reg, cx) == TERN_PENDING) {
        return TERN_PENDING;
      }
      continue;
    }
    k->err = tern_socket_posix_err(e);
    *n = k->err;
    return TERN_READY;
  }
}

static tern_poll p_write(void *self, tern_cx *cx, const void *buf, size_t len,
                         ptrdiff_t *n) {
  tern_socket_posix_sock *k = sock_of(self);
  int bad = stream_check(k);
  if (bad == 0 && k->wr_closed) {
    bad = TERN_ECLOSED;
  }
  if (bad != 0) {
    *n = bad;
    return TERN_READY;
  }
  for (;;) {
    ssize_t r = send(k->fd, buf, len, MSG_NOSIGNAL);
    if (r > 0) {
      *n = r;
      return TERN_READY;
    }
    int e = r == 0 ? EAGAIN : errno;
    if (e == EINTR) {
      continue;
    }
    if (e == EAGAIN || e == EWOULDBLOCK || e == ENOTCONN) {
      /* ENOTCONN: the handshake is still going on. */
      if (tern_host_fd_poll_writable(&k->reg, cx) == TERN_PENDING) {
        return TERN_PENDING;
      }
      if (e == ENOTCONN) {
        int se = 0;
        socklen_t sl = sizeof se;
        (void)getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &se, &sl);
        k->connecting = 0;
        k->err = tern_socket_posix_err(se != 0 ? se : ENOTCONN);
        *n = k->err;
        return TERN_READY;
      }
      continue;
    }
    k->err = tern_socket_posix_err(e);
    *n = k->err;
    return TERN_READY;
  }
}

/* The flush's and the close's error: what stream_check and conn_err
 * say, but 0 on a connect the close abandoned, which has nothing left to
 * send (tern's TCP answers those with the connection's error, none). */
static int shut_err(tern_socket_posix_sock *k) {
  int e = stream_check(k);
  if (e == 0) {
    e = conn_err(k);
  }
  return e == TERN_ECLOSED ? 0 : e;
}

static tern_poll p_flush(void *self, tern_cx *cx, int *err) {
  (void)cx; /* written bytes are the kernel's; a reset is reported */
  *err = shut_err(sock_of(self));
  return TERN_READY;
}

/* Gives up k's connect, which nobody answered yet (SYN-SENT), as tern's
 * TCP does: quietly, later calls say TERN_ECLOSED, and the socket keeps
 * the local endpoint it had. In SYN-SENT shutdown(2) disconnects the
 * socket (no segment sent) and leaves ECONNRESET in SO_ERROR, an error
 * the peer never sent, read away here. A descriptor the application
 * bound stays, with its port, until the close (as when a connect is
 * refused at once); one the connect made goes back now, its ephemeral
 * port already let go by the disconnect. A task waiting on the
 * descriptor is told. */
static void abandon(tern_socket_posix_sock *k) {
  tern_endpoint mine;
  if (p_endpoint(&k->base, false, &mine) != 0) {
    memset(&mine, 0, sizeof mine);
  }
  (void)shutdown(k->fd, SHUT_WR);
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  if (getsockopt(k->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
      ti.tcpi_state != TCP_CLOSE) {
    return; /* answered meanwhile: the shutdown was a half-close */
  }
  int e = 0;
  len = sizeof e;
  (void)getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &e, &len);
  k->local = mine;
  k->abandoned = 1;
  k->connecting = 0;
  (void)tern_host_fd_wake(&k->reg);
  if (!k->bound) {
    drop_fd(k);
  }
}

static tern_poll p_shut(void *self, tern_cx *cx, int *err) {
  (void)cx;
  tern_socket_posix_sock *k = sock_of(self);
  *err = shut_err(k); /* conn_err: shutdown(2) would say ENOTCONN */
  if (*err == 0 && !k->wr_closed) {
    if (syn_sent(k)) {
      abandon(k);
    } else if (shutdown(k->fd, SHUT_WR) != 0) {
      *err = tern_socket_posix_err(errno);
    }
    k->wr_closed = 1;
  }
  return TERN_READY;
}

const tern_socket_ops tern_socket_posix_ops = {
    .open = p_open,
    .bind = p_bind,
    .listen = p_listen,
    .poll_accept = p_poll_accept,
    .connect = p_connect,
    .poll_connect = p_poll_connect,
    .poll_send_to = p_poll_send_to,
    .poll_recv_from = p_poll_recv_from,
    .endpoint = p_endpoint,
    .set_option = p_set_option,
    .poll_close = p_poll_close,
    .abort = p_abort,
    .stream = {p_read, p_write, p_flush, p_shut},
};

int tern_socket_posix_init(tern_socket_posix *net,
                           tern_socket_posix_sock *socks, uint16_t nsocks) {
  if (net == NULL || socks == NULL || nsocks == 0) {
    return TERN_EINVAL;
  }
  net->base.ops = &tern_socket_posix_ops;
  net->socks = socks;
  net->nsocks = nsocks;
  for (uint16_t i = 0; i < nsocks; i++) {
    memset(&socks[i], 0, sizeof socks[i]);
    socks[i].base.ops = &tern_socket_posix_ops;
    socks[i].net = net;
    reset_sock(&socks[i], KIND_FREE);
  }
  return 0;
}
