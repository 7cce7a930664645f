// The posix backend under connect(2) failures that loopback does not
// produce: a TCP connect that fails at once with ECONNREFUSED (Linux
// answers a non-blocking connect with EINPROGRESS and the refusal later).
// The test links with -Wl,--wrap=connect, so the backend's connect calls
// come here first; each passes through unless a failure is armed. bind(2)
// is wrapped the same way, for another program's listener that takes a
// port between the kernel's pick and the bind that names it; recvfrom,
// accept4 and getsockname, for an IPv6 address scoped to an interface
// whose index is above 255 (a host with many interfaces has them).
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "executor/test_waker.h"
#include "sockets/posix/held_port.h"
#include "tern/socket_posix.h"

extern "C" int __real_connect(int fd, const struct sockaddr *sa, socklen_t len);
extern "C" ssize_t __real_recv(int fd, void *buf, size_t len, int flags);
extern "C" int __real_bind(int fd, const struct sockaddr *sa, socklen_t len);
extern "C" ssize_t __real_recvfrom(int fd, void *buf, size_t len, int flags,
                                   struct sockaddr *sa, socklen_t *salen);
extern "C" int __real_accept4(int fd, struct sockaddr *sa, socklen_t *salen,
                              int flags);
extern "C" int __real_getsockname(int fd, struct sockaddr *sa,
                                  socklen_t *salen);

namespace {
int g_fail_with = 0;  // the errno the next connect fails with (0: none)
// A peer that sends faster than the backend reads: while set, a recv that
// finds nothing queued gets len more bytes instead (counted in
// g_more_bytes_taken), as if they had arrived meanwhile, at most
// kEndlessCap times.
bool g_endless_peer = false;
int g_more_bytes_taken = 0;
constexpr int kEndlessCap = 100000;
// While set, the next bind of a non-blocking socket (the backend's own;
// its throwaway socket that takes the kernel's pick blocks) to a port it
// names finds another program's listener there, made just before it with
// SO_REUSEADDR, as a listener may share a port with sockets that only
// bound it: the listener's descriptor in g_squatter, its port in
// g_squatted.
bool g_squat_next_bind = false;
int g_squatter = -1;
uint16_t g_squatted = 0;
// While set, the next IPv6 address recvfrom, accept4 or getsockname gives
// is scoped to the interface of this index, as if it had come there.
uint32_t g_far_scope = 0;

void Rescope(struct sockaddr *sa) {
  if (g_far_scope != 0 && sa != nullptr && sa->sa_family == AF_INET6) {
    ((sockaddr_in6 *)sa)->sin6_scope_id = g_far_scope;
    g_far_scope = 0;
  }
}
}  // namespace

extern "C" ssize_t __wrap_recvfrom(int fd, void *buf, size_t len, int flags,
                                   struct sockaddr *sa, socklen_t *salen) {
  ssize_t r = __real_recvfrom(fd, buf, len, flags, sa, salen);
  if (r >= 0)
    Rescope(sa);
  return r;
}

extern "C" int __wrap_accept4(int fd, struct sockaddr *sa, socklen_t *salen,
                              int flags) {
  int r = __real_accept4(fd, sa, salen, flags);
  if (r >= 0)
    Rescope(sa);
  return r;
}

extern "C" int __wrap_getsockname(int fd, struct sockaddr *sa,
                                  socklen_t *salen) {
  int r = __real_getsockname(fd, sa, salen);
  if (r == 0)
    Rescope(sa);
  return r;
}

extern "C" int __wrap_bind(int fd, const struct sockaddr *sa, socklen_t len) {
  uint16_t port = ntohs(((const sockaddr_in *)sa)->sin_port);
  if (g_squat_next_bind && port != 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK)) {
    g_squat_next_bind = false;
    int t = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (t >= 0 &&
        setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
        __real_bind(t, sa, len) == 0 && listen(t, 1) == 0) {
      g_squatter = t;
      g_squatted = port;
    } else if (t >= 0) {
      close(t);
    }
  }
  return __real_bind(fd, sa, len);
}

extern "C" ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags) {
  ssize_t r = __real_recv(fd, buf, len, flags);
  if (r < 0 && errno == EAGAIN && g_endless_peer &&
      g_more_bytes_taken < kEndlessCap) {
    g_more_bytes_taken++;
    memset(buf, 'm', len);
    return (ssize_t)len;
  }
  return r;
}

extern "C" int __wrap_connect(int fd, const struct sockaddr *sa,
                              socklen_t len) {
  if (g_fail_with != 0) {
    errno = g_fail_with;
    g_fail_with = 0;
    return -1;
  }
  return __real_connect(fd, sa, len);
}

namespace {

// A TCP port on 127.0.0.1 nobody uses now.
uint16_t FreeTcpPort() {
  int t = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(bind(t, (sockaddr *)&a, sizeof a), 0);
  EXPECT_EQ(getsockname(t, (sockaddr *)&a, &len), 0);
  close(t);
  return ntohs(a.sin_port);
}

// Whether a plain socket (no SO_REUSEADDR) can bind the TCP port now.
bool PortFree(uint16_t port) {
  int t = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = bind(t, (sockaddr *)&a, sizeof a) == 0;
  close(t);
  return ok;
}

// 127.0.0.1 at port.
tern_endpoint Loopback(uint16_t port) {
  tern_endpoint e = {};
  e.addr.family = TERN_IP_V4;
  e.addr.u.v4 = tern_ipv4(127, 0, 0, 1);
  e.port = port;
  return e;
}

// A stream socket of the posix backend, c_, whose connect a test makes
// fail at once.
class SocketPosixFault : public ::testing::Test {
 protected:
  tern_socket_posix_sock socks_[2];
  tern_socket_posix net_;
  tern_socket *c_ = nullptr;
  tern_test::CountingWaker w_;
  tern_cx cx_ = w_.Cx();

  void SetUp() override {
    ASSERT_EQ(tern_socket_posix_init(&net_, socks_, 2), 0);
    ASSERT_EQ(
        tern_socket_open(tern_socket_posix_net(&net_), TERN_SOCK_STREAM, &c_),
        0);
  }
  // A socket a test left open goes, and with it its registration with the
  // host port, which must not outlive the slot.
  void TearDown() override {
    for (auto &k : socks_)
      tern_socket_abort(&k.base);
  }

  // Binds c_ to 127.0.0.1 on a TCP port nobody used, which it then holds:
  // the port in *port. The port is held from the pick until c_ is bound
  // (the backend's stream socket binds beside the holder): picked free and
  // let go, another program's socket could take it before the bind.
  void BindToAFreePort(uint16_t *port) {
    tern_test::HeldPort held;
    ASSERT_TRUE(held.Take());
    *port = held.port;
    EXPECT_FALSE(PortFree(*port));  // held from the pick
    tern_endpoint local = Loopback(*port);
    ASSERT_EQ(tern_socket_bind(c_, &local), 0);
    held.LetGo();
    EXPECT_FALSE(PortFree(*port));  // the bound socket holds it
  }

  // c_'s connect to 127.0.0.1 on a port nobody uses (in *to), the
  // connect(2) under it failing at once with errno e: what
  // tern_socket_connect returns. That connect(2) never reaches the kernel,
  // so the port is only a name: no other program can take it from the
  // test.
  int ConnectFailingAtOnce(int e, tern_endpoint *to) {
    *to = Loopback(FreeTcpPort());
    g_fail_with = e;
    return tern_socket_connect(c_, to);
  }

  // c_'s local endpoint is still 127.0.0.1's port, which it holds.
  void ExpectStillBoundTo(uint16_t port) {
    tern_endpoint mine = {};
    ASSERT_EQ(tern_socket_local(c_, &mine), 0);
    EXPECT_EQ(mine.port, port);  // still the socket's
    EXPECT_EQ(mine.addr.family, TERN_IP_V4);
    EXPECT_FALSE(PortFree(port));
  }
};

// A connect refused at once reports the refusal as one refused later
// does. A socket the connect made a descriptor for gives it back at once;
// one the application bound keeps its local endpoint (and the port) until
// it is closed.
TEST_F(SocketPosixFault, ConnectRefusedAtOnceKeepsTheBoundEndpoint) {
  uint16_t port;
  BindToAFreePort(&port);
  tern_endpoint to;
  ASSERT_EQ(ConnectFailingAtOnce(ECONNREFUSED, &to), 0);
  ExpectStillBoundTo(port);
  int err = 0;
  ASSERT_EQ(tern_socket_poll_connect(c_, &cx_, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECONNREFUSED) << tern_strerror(err);
  // Every stream call on it answers the refusal; the peer is the one asked
  // for.
  tern_stream st = tern_socket_stream(c_);
  ptrdiff_t n = 0;
  EXPECT_EQ(tern_stream_poll_write(&st, &cx_, "x", 1, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECONNREFUSED);
  char b[1];
  EXPECT_EQ(tern_stream_poll_read(&st, &cx_, b, 1, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECONNREFUSED);
  EXPECT_EQ(tern_stream_poll_flush(&st, &cx_, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECONNREFUSED);
  // An option is taken as on a live connection (tern/socket.h).
  EXPECT_EQ(tern_socket_set_option(c_, TERN_SO_NODELAY, 1), 0);
  EXPECT_EQ(tern_socket_set_option(c_, TERN_SO_RCVBUF, 4096), 0);
  tern_endpoint peer = {};
  EXPECT_EQ(tern_socket_peer(c_, &peer), 0);
  EXPECT_EQ(peer.port, to.port);
  EXPECT_EQ(w_.wakes, 0);
  ASSERT_EQ(tern_socket_poll_close(c_, &cx_, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECONNREFUSED);
  EXPECT_TRUE(PortFree(port));  // back with the close
}

// Unbound, the descriptor the connect made goes back at once (its
// ephemeral port with it): the local endpoint reads port 0 again.
TEST_F(SocketPosixFault, ConnectRefusedAtOnceUnboundReleasesTheDescriptor) {
  tern_endpoint to;
  ASSERT_EQ(ConnectFailingAtOnce(ECONNREFUSED, &to), 0);
  EXPECT_LT(socks_[0].fd, 0);
  EXPECT_LT(socks_[1].fd, 0);
  tern_endpoint mine = {};
  ASSERT_EQ(tern_socket_local(c_, &mine), 0);
  EXPECT_EQ(mine.port, 0);
  int err = 0;
  ASSERT_EQ(tern_socket_poll_connect(c_, &cx_, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECONNREFUSED);
  ASSERT_EQ(tern_socket_poll_close(c_, &cx_, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECONNREFUSED);
}

// Review (rev1): the merge keeps a bound socket's descriptor when the
// connect is refused at once, but the other branch of p_connect (any other
// error at once: ENETUNREACH, EADDRNOTAVAIL, ...) still drops it, so the
// socket the application bound silently reads port 0 again and may be
// bound a second time.
TEST_F(SocketPosixFault, ConnectFailingAtOnceKeepsTheBoundEndpoint) {
  uint16_t port;
  BindToAFreePort(&port);
  tern_endpoint to;
  ASSERT_EQ(ConnectFailingAtOnce(ENETUNREACH, &to), TERN_ENETUNREACH);
  ExpectStillBoundTo(port);
  int err = 0;
  ASSERT_EQ(tern_socket_poll_close(c_, &cx_, &err), TERN_READY);
  EXPECT_TRUE(PortFree(port));  // back with the close
}

// The close discards what the peer sent and nobody read (Linux would answer
// a close with unread bytes by a reset, which drops what is still unsent),
// but only what was queued when it began: a peer that keeps sending as fast
// as the close reads (loopback does, at times: 370 MB in 5 s in one trial)
// held poll_close, and with it every task of the run loop, for as long as
// it kept sending. What arrives after the close began causes the reset, as
// the README says.
TEST_F(SocketPosixFault, CloseDiscardsOnlyWhatWasQueuedWhenItBegan) {
  int lst = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  ASSERT_EQ(bind(lst, (sockaddr *)&a, sizeof a), 0);
  ASSERT_EQ(listen(lst, 1), 0);
  ASSERT_EQ(getsockname(lst, (sockaddr *)&a, &alen), 0);
  tern_endpoint to = Loopback(ntohs(a.sin_port));
  ASSERT_EQ(tern_socket_connect(c_, &to), 0);
  int err = 1;
  for (int i = 0;
       i < 1000 && tern_socket_poll_connect(c_, &cx_, &err) == TERN_PENDING;
       i++) {
    usleep(1000);
  }
  ASSERT_EQ(err, 0) << tern_strerror(err);
  int peer = accept(lst, nullptr, nullptr);
  ASSERT_GE(peer, 0);
  char data[3000];
  memset(data, 'p', sizeof data);
  ASSERT_EQ(send(peer, data, sizeof data, 0), (ssize_t)sizeof data);
  int queued = 0;
  for (int i = 0; i < 1000 && queued < (int)sizeof data; i++) {
    usleep(1000);
    ASSERT_EQ(ioctl(socks_[0].fd, FIONREAD, &queued), 0);
  }
  ASSERT_EQ(queued, (int)sizeof data);

  g_endless_peer = true;
  ASSERT_EQ(tern_socket_poll_close(c_, &cx_, &err), TERN_READY);
  g_endless_peer = false;
  EXPECT_EQ(err, 0) << tern_strerror(err);
  EXPECT_EQ(g_more_bytes_taken, 0);  // before: kEndlessCap, the wrapper's cap
  // The peer, which sent nothing more, gets the end of stream, no reset.
  pollfd p = {peer, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 2000), 1);
  char b[16];
  EXPECT_EQ(recv(peer, b, sizeof b, 0), 0) << strerror(errno);
  close(peer);
  close(lst);
}

// A stream socket's bind to port 0 gives a port whatever another program
// does meanwhile: the backend takes the kernel's pick on a throwaway
// socket and binds that port by number, and a listener elsewhere that
// took the port in between (SO_REUSEADDR lets it share a port that
// sockets only bound) made the bind fail with TERN_EADDRINUSE, which a
// bind to any port never says. The backend picks again.
TEST_F(SocketPosixFault, BindToAnyPortPicksAgainWhenThePickIsTakenMeanwhile) {
  tern_endpoint any = Loopback(0);
  g_squat_next_bind = true;
  int rc = tern_socket_bind(c_, &any);
  g_squat_next_bind = false;
  ASSERT_GE(g_squatter, 0) << "the wrapper made no listener";
  EXPECT_EQ(rc, 0) << tern_strerror(rc);
  tern_endpoint mine = {};
  ASSERT_EQ(tern_socket_local(c_, &mine), 0);
  EXPECT_NE(mine.port, 0);
  EXPECT_NE(mine.port, g_squatted);
  EXPECT_EQ(tern_socket_listen(c_, 1), 0);
  close(g_squatter);
  g_squatter = -1;
}

#if TERN_CONFIG_IPV6
// ::1 at port.
tern_endpoint Loopback6(uint16_t port) {
  tern_endpoint e = {};
  e.addr.family = TERN_IP_V6;
  e.addr.u.v6.b[15] = 1;
  e.port = port;
  return e;
}

// A plain socket's address ::1 at port.
sockaddr_in6 Sa6(uint16_t port) {
  sockaddr_in6 a = {};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  a.sin6_port = htons(port);
  return a;
}

// An IPv6 address's scope is an interface index, which Linux lets grow past
// 255, and tern_endpoint's scope has 8 bits: cut, 300 read 44, another
// interface. What arrives from an interface the API cannot name is
// dropped: a datagram (the next one is received), a connection (reset;
// the next one is accepted); the local endpoint's call says TERN_ERANGE.
TEST_F(SocketPosixFault, ADatagramFromAnInterfaceTernCannotNameIsDropped) {
  tern_socket *d = nullptr;
  ASSERT_EQ(tern_socket_open(tern_socket_posix_net(&net_), TERN_SOCK_DGRAM, &d),
            0);
  tern_endpoint local = Loopback6(0);
  ASSERT_EQ(tern_socket_bind(d, &local), 0);
  ASSERT_EQ(tern_socket_local(d, &local), 0);
  int u = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 to = Sa6(local.port);
  ASSERT_EQ(sendto(u, "one", 3, 0, (sockaddr *)&to, sizeof to), 3);
  ASSERT_EQ(sendto(u, "two!", 4, 0, (sockaddr *)&to, sizeof to), 4);
  g_far_scope = 300;
  char b[8] = {};
  tern_endpoint from = {};
  int n = 0;
  tern_poll p = TERN_PENDING;
  for (int i = 0; i < 1000 && p == TERN_PENDING; i++) {
    p = tern_socket_poll_recv_from(d, &cx_, &from, b, sizeof b, &n);
    if (p == TERN_PENDING)
      usleep(1000);
  }
  g_far_scope = 0;
  ASSERT_EQ(p, TERN_READY);
  EXPECT_EQ(n, 4);
  EXPECT_EQ(std::string(b, 4), "two!");
  EXPECT_EQ(from.scope, 0);
  close(u);
  ASSERT_EQ(tern_socket_poll_close(d, &cx_, &n), TERN_READY);
}

TEST_F(SocketPosixFault, AConnectionFromAnInterfaceTernCannotNameIsReset) {
  tern_endpoint local = Loopback6(0);
  ASSERT_EQ(tern_socket_bind(c_, &local), 0);
  ASSERT_EQ(tern_socket_local(c_, &local), 0);
  ASSERT_EQ(tern_socket_listen(c_, 2), 0);
  sockaddr_in6 to = Sa6(local.port);
  int far = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int near = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(connect(far, (sockaddr *)&to, sizeof to), 0);
  ASSERT_EQ(connect(near, (sockaddr *)&to, sizeof to), 0);
  sockaddr_in6 nearby = {};
  socklen_t len = sizeof nearby;
  ASSERT_EQ(getsockname(near, (sockaddr *)&nearby, &len), 0);
  g_far_scope = 300;
  tern_socket *acc = nullptr;
  int err = 1;
  ASSERT_EQ(tern_socket_poll_accept(c_, &cx_, &acc, &err), TERN_READY);
  g_far_scope = 0;
  ASSERT_EQ(err, 0) << tern_strerror(err);
  tern_endpoint peer = {};
  ASSERT_EQ(tern_socket_peer(acc, &peer), 0);
  EXPECT_EQ(peer.port, ntohs(nearby.sin6_port));
  EXPECT_EQ(peer.scope, 0);
  pollfd pf = {far, POLLIN, 0};
  ASSERT_EQ(poll(&pf, 1, 2000), 1);
  char b[4];
  EXPECT_EQ(recv(far, b, sizeof b, 0), -1);
  EXPECT_EQ(errno, ECONNRESET);
  close(far);
  close(near);
  tern_socket_abort(acc);
}

TEST_F(SocketPosixFault, ALocalEndpointTernCannotNameIsERANGE) {
  tern_endpoint local = Loopback6(0);
  ASSERT_EQ(tern_socket_bind(c_, &local), 0);
  g_far_scope = 300;
  tern_endpoint mine = {};
  EXPECT_EQ(tern_socket_local(c_, &mine), TERN_ERANGE);
  g_far_scope = 0;
  EXPECT_EQ(mine.scope, 0);
}
#endif

}  // namespace
