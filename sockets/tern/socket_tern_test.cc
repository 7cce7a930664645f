// The socket API contract (sockets/socket_contract.h) against the tern
// backend: two stacks (IPv4, UDP, TCP) on a perfect simulated link
// (platforms/sim), the client's sockets on one, the server's on the
// other. Pump polls every runner by hand and moves the virtual clock on,
// so timers (retransmissions, the connect timeout) fire as they would.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "executor/test_waker.h"
#include "sockets/socket_contract.h"
#include "sockets/socket_stream_fixture.h"
#include "sockets/tern/sim_stack.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/sim.h"
#include "tern/simnet.h"
#include "tern/socket_tern.h"
#include "tern/tcp.h"
#include "tern/timer.h"
#include "tern/udp.h"

namespace {

using Stack = tern_test::SimSocketStack;
constexpr int kSocks = Stack::kSocks;
constexpr int kConns = Stack::kConns;

class TernFixture : public tern_test::SocketFixture {
 public:
  TernFixture() {
    tern_sim_set_time(0x10000);
    tern_simnet_init(&net_, 1, nullptr, 0);
    tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
    EXPECT_EQ(tern_simlink_init(&link_, &net_, &cfg), 0);
    a_ = std::make_unique<Stack>();
    b_ = std::make_unique<Stack>();
    // The silent peer's connect gives up soon: a 3 s user timeout.
    a_->Start(tern_simlink_a(&link_), 1, 3000);
    b_->Start(tern_simlink_b(&link_), 2, 3000);
  }
  ~TernFixture() override {
    tern_simlink_close(&link_);
  }

  tern_net *Client() override {
    return tern_socket_tern_net(&a_->net);
  }
  tern_net *Server() override {
    return tern_socket_tern_net(&b_->net);
  }
  tern_endpoint ServerAt(uint16_t port) override {
    tern_endpoint e = {};
    e.addr.family = TERN_IP_V4;
    e.addr.u.v4 = tern_ipv4(192, 0, 2, 2);
    e.port = port;
    return e;
  }
  uint16_t Port(int i) override {
    return (uint16_t)(7000 + i);
  }
  size_t Capacity() override {
    return kSocks;
  }
  bool Supports(tern_socket_option opt) override {
    return opt == TERN_SO_NODELAY || opt == TERN_SO_KEEPALIVE;
  }
  tern_endpoint Silent() override {
    tern_endpoint e = ServerAt(7);
    e.addr.u.v4 = tern_ipv4(192, 0, 2, 9); /* on the link, nobody's */
    return e;
  }
  // Polls every runner until nothing moves, then moves the clock on a
  // millisecond at a time for ms milliseconds, polling again.
  void Pump(int ms) override {
    for (int t = 0; t <= ms; t++) {
      for (int i = 0; i < 8; i++) {
        a_->Poll();
        b_->Poll();
      }
      if (t < ms)
        tern_sim_advance(1);
    }
  }

 private:
  tern_simnet net_;
  tern_simlink link_;
  std::unique_ptr<Stack> a_, b_;
};

const tern_test::SocketParam kTern =
    tern_test::MakeSocketParam<TernFixture>("tern");

INSTANTIATE_TEST_SUITE_P(Tern, SocketContract, ::testing::Values(kTern),
                         tern_test::SocketParamName);

// Each connection keeps the tern_stream contract, opened and driven
// through the socket API.
const tern_test::StreamParam kTernStream =
    tern_test::MakeSocketStreamParam<TernFixture>("tern");
INSTANTIATE_TEST_SUITE_P(Tern, StreamContract, ::testing::Values(kTernStream),
                         tern_test::StreamParamName);
INSTANTIATE_TEST_SUITE_P(Tern, StreamCloseReachesPeerContract,
                         ::testing::Values(kTernStream),
                         tern_test::StreamParamName);
INSTANTIATE_TEST_SUITE_P(Tern, SocketSilentPeerContract,
                         ::testing::Values(kTern), tern_test::SocketParamName);

// ---- the tern backend's own storage rules (tern/socket_tern.h) ----

class TernStorage : public ::testing::Test {
 protected:
  TernFixture fx_;
};

// A listener takes backlog neighbouring connections; what is left is
// for connecting sockets; more than there are is TERN_ENOMEM.
TEST_F(TernStorage, ListenerAndConnectsShareTheConnections) {
  tern_net *net = fx_.Client();
  tern_socket *l, *big, *c1, *c2;
  ASSERT_EQ(tern_socket_open(net, TERN_SOCK_STREAM, &big), 0);
  tern_endpoint local = {};
  local.port = 80;
  ASSERT_EQ(tern_socket_bind(big, &local), 0);
  EXPECT_EQ(tern_socket_listen(big, kConns + 1), TERN_ENOMEM);
  EXPECT_EQ(tern_socket_listen(big, 256), TERN_EINVAL);
  tern_socket_abort(big);
  ASSERT_EQ(tern_socket_open(net, TERN_SOCK_STREAM, &l), 0);
  ASSERT_EQ(tern_socket_bind(l, &local), 0);
  ASSERT_EQ(tern_socket_listen(l, kConns - 1), 0);
  tern_endpoint to = fx_.ServerAt(7);
  ASSERT_EQ(tern_socket_open(net, TERN_SOCK_STREAM, &c1), 0);
  ASSERT_EQ(tern_socket_open(net, TERN_SOCK_STREAM, &c2), 0);
  EXPECT_EQ(tern_socket_connect(c1, &to), 0);
  EXPECT_EQ(tern_socket_connect(c2, &to), TERN_ENOMEM);
  // The listener's connections come back when it closes.
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  int err = 1;
  ASSERT_EQ(tern_socket_poll_close(l, &cx, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  EXPECT_EQ(tern_socket_connect(c2, &to), 0);
  tern_socket_abort(c1);
  tern_socket_abort(c2);
}

// A stream socket binds only to listen, and only to a port.
TEST_F(TernStorage, StreamBindIsForListening) {
  tern_socket *s;
  ASSERT_EQ(tern_socket_open(fx_.Client(), TERN_SOCK_STREAM, &s), 0);
  tern_endpoint any = {};
  EXPECT_EQ(tern_socket_bind(s, &any), TERN_ENOTSUP);
  any.port = 81;
  ASSERT_EQ(tern_socket_bind(s, &any), 0);
  tern_endpoint to = fx_.ServerAt(7);
  EXPECT_EQ(tern_socket_connect(s, &to), TERN_ENOTSUP);
  tern_socket_abort(s);
}

// A storage whose connection rings tern_tcp_conn_init refuses is
// TERN_EINVAL, and the backend and its sockets are left as they were: the
// connections are set up before anything else is written (before the
// sock33 branch the backend and every socket were cleared first).
TEST(TernInit, ARefusedStorageLeavesTheBackendAsItWas) {
  tern_tcp_layer tcp;
  memset(&tcp, 0, sizeof tcp);  // no connection or listener on it
  tern_socket_tern_sock socks[2];
  tern_tcp_conn conns[1];
  static uint8_t bufs[128];
  tern_socket_tern net;
  memset(&net, 0xA5, sizeof net);
  memset(socks, 0x5A, sizeof socks);
  tern_socket_tern net_before = net;
  tern_socket_tern_sock socks_before[2];
  memcpy(socks_before, socks, sizeof socks);
  // A transmit ring over tern_tcp_conn_init's limit.
  tern_socket_tern_storage st = {
      socks, 2, conns, 1, bufs, TERN_TCP_RCVBUF_MAX + 1u, 64, nullptr, 0};
  EXPECT_EQ(tern_socket_tern_init(&net, &tcp, nullptr, &st), TERN_EINVAL);
  EXPECT_EQ(memcmp(&net, &net_before, sizeof net), 0);
  EXPECT_EQ(memcmp(socks, socks_before, sizeof socks), 0);
}

// ---- what a close leaves behind ----
// (That a close or an abort wakes the tasks waiting on the socket is the
// contract's: SocketContract.CloseWakesTheTasksWaitingOnTheSocket and
// AbortWakesTheTasksWaitingOnTheSocket.)

class TernAfterClose : public SocketContractBase {};

INSTANTIATE_TEST_SUITE_P(Tern, TernAfterClose, ::testing::Values(kTern),
                         tern_test::SocketParamName);

// A datagram port is free again once its socket is closed: a new socket
// binds it and takes the datagrams sent to it, none of the old socket's
// (those queued unread, an ICMP error) among them.
TEST_P(TernAfterClose, DatagramPortIsFreeAgainAfterClose) {
  tern_socket *srv = Open(fx_->Server(), TERN_SOCK_DGRAM);
  tern_socket *cli = Open(fx_->Client(), TERN_SOCK_DGRAM);
  ASSERT_NE(srv, nullptr);
  ASSERT_NE(cli, nullptr);
  tern_endpoint local = fx_->Local(fx_->Port(4));
  ASSERT_EQ(tern_socket_bind(srv, &local), 0);
  tern_endpoint to = fx_->ServerAt(fx_->Port(4));
  int err = 1;
  ASSERT_EQ(Drive([&](tern_cx *cx) {
              return tern_socket_poll_send_to(cli, cx, &to, "old", 3, &err);
            }),
            TERN_READY);
  ASSERT_EQ(err, 0);
  fx_->Pump(10);  // "old" waits unread in srv's ring
  Close(srv, 0);
  tern_socket *again = Open(fx_->Server(), TERN_SOCK_DGRAM);
  ASSERT_NE(again, nullptr);
  ASSERT_EQ(tern_socket_bind(again, &local), 0);
  ASSERT_EQ(Drive([&](tern_cx *cx) {
              return tern_socket_poll_send_to(cli, cx, &to, "new!", 4, &err);
            }),
            TERN_READY);
  char buf[8];
  int n = 0;
  ASSERT_EQ(Drive([&](tern_cx *cx) {
              return tern_socket_poll_recv_from(again, cx, nullptr, buf,
                                                sizeof buf, &n);
            }),
            TERN_READY);
  ASSERT_EQ(n, 4);
  EXPECT_EQ(std::string(buf, 4), "new!");
}

// A listener's port listens again after its close, while the connection
// it accepted, closed first by the server, waits in TIME-WAIT; and the
// client, which keeps no TIME-WAIT, connects again from another port.
TEST_P(TernAfterClose, ListenerPortListensAgainAfterClose) {
  tern_socket *lst = Listen(0, 1);
  ASSERT_NE(lst, nullptr);
  tern_socket *c, *s;
  ASSERT_NO_FATAL_FAILURE(Connect(lst, 0, &c, &s));
  tern_endpoint first = {};
  ASSERT_EQ(tern_socket_local(c, &first), 0);
  Close(s, 0);  // the server closes first: its end waits in TIME-WAIT
  ptrdiff_t end = 1;
  Read(c, 1, &end);
  EXPECT_EQ(end, 0);
  Close(c, 0);
  Close(lst, 0);
  tern_socket *again = Listen(0, 1);
  ASSERT_NE(again, nullptr);
  tern_socket *c2, *s2;
  ASSERT_NO_FATAL_FAILURE(Connect(again, 0, &c2, &s2));
  tern_endpoint second = {};
  ASSERT_EQ(tern_socket_local(c2, &second), 0);
  EXPECT_NE(second.port, first.port);
  WriteAll(c2, "ping");
  EXPECT_EQ(Read(s2, 4), "ping");
}

}  // namespace
