// The resolver over the real tern socket backend: two tern stacks (IPv4,
// UDP, TCP) on a simulated link (platforms/sim), the resolver on one, a
// scripted DNS server written against the socket API on the other (a
// datagram socket and a listener on port 53). Virtual time: the runners
// and both tasks are polled by hand a millisecond at a time.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "executor/test_waker.h"
#include "sockets/dns/dns_test_msgs.h"
#include "sockets/tern/sim_stack.h"
#include "tern/dns.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/sim.h"
#include "tern/simnet.h"
#include "tern/socket_tern.h"
#include "tern/tcp.h"
#include "tern/udp.h"

namespace {

using tern_test::A;
using tern_test::Answer;
using tern_test::Framed;
using tern_test::kQname;
using tern_test::Rr;

using Stack = tern_test::SimSocketStack;

// A DNS server over the socket API: many.test is too long for UDP (TC)
// and has 40 addresses over TCP; every other name has one address.
struct Server {
  tern_net *net = nullptr;
  tern_socket *udp = nullptr, *lst = nullptr, *conn = nullptr;
  tern_test::CountingWaker w;
  std::vector<uint16_t> src_ports;  // the source port of each UDP query
  std::vector<uint8_t> tcp_in;
  std::vector<uint8_t> tcp_out;
  size_t tcp_sent = 0;
  int tcp_queries = 0;
  bool keep_open = false;  // TCP: wait for the client to close first

  void Start(tern_net *n) {
    net = n;
    tern_endpoint any = {};
    any.port = 53;
    ASSERT_EQ(tern_socket_open(net, TERN_SOCK_DGRAM, &udp), 0);
    ASSERT_EQ(tern_socket_bind(udp, &any), 0);
    ASSERT_EQ(tern_socket_open(net, TERN_SOCK_STREAM, &lst), 0);
    ASSERT_EQ(tern_socket_bind(lst, &any), 0);
    ASSERT_EQ(tern_socket_listen(lst, 1), 0);
  }

  static std::vector<uint8_t> Reply(const std::vector<uint8_t> &q, bool tcp) {
    bool many = q.size() > 13 && q[13] == 'm';
    if (!many)
      return Answer(q, 0, {A(kQname, 77)});
    if (!tcp)
      return Answer(q, 0, {}, {}, true);
    std::vector<Rr> an;
    for (uint8_t i = 1; i <= 40; i++)
      an.push_back(A(kQname, i));
    return Answer(q, 0, an);
  }

  void Poll() {
    tern_cx cx = w.Cx();
    uint8_t buf[600];
    tern_endpoint src;
    int n;
    while (tern_socket_poll_recv_from(udp, &cx, &src, buf, sizeof buf, &n) ==
               TERN_READY &&
           n > 0) {
      src_ports.push_back(src.port);
      std::vector<uint8_t> q(buf, buf + n);
      std::vector<uint8_t> a = Reply(q, false);
      int err;
      tern_socket_poll_send_to(udp, &cx, &src, a.data(), a.size(), &err);
    }
    int err = 0;
    if (conn == nullptr &&
        tern_socket_poll_accept(lst, &cx, &conn, &err) != TERN_READY) {
      return;
    }
    if (conn == nullptr)
      return;
    tern_stream st = tern_socket_stream(conn);
    ptrdiff_t got;
    while (tcp_out.empty() &&
           tern_stream_poll_read(&st, &cx, buf, sizeof buf, &got) ==
               TERN_READY &&
           got > 0) {
      tcp_in.insert(tcp_in.end(), buf, buf + got);
      int len = tern_dns_tcp_length(tcp_in.data(), tcp_in.size());
      if (len > 0 && tcp_in.size() >= size_t(len) + 2) {
        tcp_queries++;
        tcp_out = Framed(Reply(
            std::vector<uint8_t>(tcp_in.begin() + 2, tcp_in.end()), true));
      }
    }
    while (!tcp_out.empty() && tcp_sent < tcp_out.size() &&
           tern_stream_poll_write(&st, &cx, tcp_out.data() + tcp_sent,
                                  tcp_out.size() - tcp_sent,
                                  &got) == TERN_READY &&
           got > 0) {
      tcp_sent += size_t(got);
    }
    // A server that keeps the connection for more queries (RFC 7766 6.2.1)
    // closes once the client has: at its end of stream, or its reset.
    bool done = !tcp_out.empty() && tcp_sent == tcp_out.size();
    if (done && keep_open) {
      done = tern_stream_poll_read(&st, &cx, buf, sizeof buf, &got) ==
                 TERN_READY &&
             got <= 0;
    }
    if (done && tern_socket_poll_close(conn, &cx, &err) == TERN_READY) {
      conn = nullptr;
      tcp_in.clear();
      tcp_out.clear();
      tcp_sent = 0;
    }
  }
};

class ResolverOverTern : public ::testing::Test {
 protected:
  void SetUp() override {
    tern_sim_set_time(0x10000);
    tern_simnet_init(&simnet_, 1, nullptr, 0);
    tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
    ASSERT_EQ(tern_simlink_init(&link_, &simnet_, &cfg), 0);
    a_ = std::make_unique<Stack>();
    b_ = std::make_unique<Stack>();
    a_->Start(tern_simlink_a(&link_), 1);
    b_->Start(tern_simlink_b(&link_), 2);
    server_.Start(tern_socket_tern_net(&b_->net));
    servers_[0] = {};
    servers_[0].addr.family = TERN_IP_V4;
    servers_[0].addr.u.v4 = tern_ipv4(192, 0, 2, 9);  // nobody's
    servers_[0].port = 53;
    servers_[1] = servers_[0];
    servers_[1].addr.u.v4 = tern_ipv4(192, 0, 2, 2);
  }
  void TearDown() override {
    tern_dns_resolver_cancel(&res_);
    tern_simlink_close(&link_);
  }

  // Polls everything a millisecond at a time until the resolve is READY.
  int Resolve(const tern_dns_config &cfg, const char *name, int *ms) {
    EXPECT_EQ(
        tern_dns_resolver_init(&res_, tern_socket_tern_net(&a_->net), &a_->rng,
                               nullptr, &cfg, answer_, sizeof answer_),
        0);
    tern_time t0 = tern_now();
    for (int t = 0; t < 20000; t++) {
      for (int i = 0; i < 4; i++) {
        a_->Poll();
        b_->Poll();
        server_.Poll();
        tern_cx cx = w_.Cx();
        int n;
        if (tern_dns_poll_resolve(&res_, &cx, name, TERN_DNS_TYPE_A, addrs_, 64,
                                  &n) == TERN_READY) {
          *ms = int(tern_now() - t0);
          return n;
        }
        w_.FireTimers(tern_now());
      }
      tern_sim_advance(1);
    }
    ADD_FAILURE() << "never READY";
    return 99;
  }

  tern_simnet simnet_;
  tern_simlink link_;
  std::unique_ptr<Stack> a_, b_;
  Server server_;
  tern_endpoint servers_[2];
  uint8_t answer_[1024];
  tern_dns_resolver res_;
  tern_test::CountingWaker w_;
  tern_ip_addr addrs_[64];
};

TEST_F(ResolverOverTern, UdpAnswerFromTheServer) {
  tern_dns_config cfg = {&servers_[1], 1, 1, 1000};
  int ms = 0;
  ASSERT_EQ(Resolve(cfg, "peer.test", &ms), 1);
  EXPECT_EQ(addrs_[0].u.v4.b[3], 77);
  EXPECT_LT(ms, 100);
  EXPECT_EQ(server_.src_ports.size(), 1u);
}

TEST_F(ResolverOverTern, SilentServerThenTheRealOneFromAnotherPort) {
  // Two rounds over [nobody, the server]: the first attempt waits 300 ms,
  // the second gets the answer; again, for a second source port.
  tern_dns_config cfg = {servers_, 2, 2, 300};
  int ms = 0;
  ASSERT_EQ(Resolve(cfg, "peer.test", &ms), 1);
  EXPECT_EQ(addrs_[0].u.v4.b[3], 77);
  EXPECT_GE(ms, 300);
  EXPECT_LT(ms, 400);
  EXPECT_EQ(res_.stats.timeouts, 1u);
  ASSERT_EQ(Resolve(cfg, "peer.test", &ms), 1);
  ASSERT_EQ(server_.src_ports.size(), 2u);
  EXPECT_NE(server_.src_ports[0], server_.src_ports[1])
      << "each attempt from a fresh ephemeral port";
  EXPECT_GE(server_.src_ports[0], 49152);
}

TEST_F(ResolverOverTern, TruncatedThenTcp) {
  tern_dns_config cfg = {&servers_[1], 1, 1, 2000};
  int ms = 0;
  ASSERT_EQ(Resolve(cfg, "many.test", &ms), 40);
  std::set<int> seen;
  for (int i = 0; i < 40; i++)
    seen.insert(addrs_[i].u.v4.b[3]);
  EXPECT_EQ(seen.size(), 40u);
  EXPECT_EQ(server_.tcp_queries, 1);
  EXPECT_EQ(res_.stats.tcp, 1u);
  EXPECT_EQ(server_.src_ports.size(), 1u);
}

// A server that leaves the closing to the client, as RFC 7766 6.2.1 has
// it (dnsmasq, Unbound): the resolver's connection is the one that ends
// first. Closed gracefully, each sat in TIME-WAIT (1 s here, 60 s by
// default) holding one of the stack's connections, so with four of them
// the fifth fallback in a row found none: TERN_ENOMEM from the connect,
// the next server, and a failed resolve at once (the MPS2 firmware has one
// connection: its second fallback within a minute failed so).
TEST_F(ResolverOverTern, TcpFallbackAgainAndAgainWithAServerThatWaits) {
  server_.keep_open = true;
  tern_dns_config cfg = {&servers_[1], 1, 1, 2000};
  for (int i = 0; i < 2 * Stack::kConns; i++) {
    int ms = 0;
    ASSERT_EQ(Resolve(cfg, "many.test", &ms), 40) << "fallback " << i;
    EXPECT_LT(ms, 100);
  }
  EXPECT_EQ(server_.tcp_queries, 2 * Stack::kConns);
  EXPECT_EQ(res_.stats.sock_errors, 0u);
}

// Every server refuses: the server's host is there, nothing listens on
// the port asked, and its stack answers each query with an ICMP port
// unreachable, which the tern backend hands the connected datagram socket.
TEST_F(ResolverOverTern, EveryServerRefusing) {
  tern_endpoint closed[2] = {servers_[1], servers_[1]};
  closed[0].port = 5353;
  closed[1].port = 5354;
  tern_dns_config cfg = {closed, 2, 2, 300};
  int ms = 0;
  // Each refusal moves on at once (README: server errors): four queries,
  // no wait, and no answer; the resolve says the servers refused (before,
  // TERN_ETIMEDOUT, though nothing was waited for).
  EXPECT_EQ(Resolve(cfg, "peer.test", &ms), TERN_ECONNREFUSED);
  EXPECT_LT(ms, 50);
  EXPECT_EQ(res_.stats.queries, 4u);
  EXPECT_EQ(res_.stats.sock_errors, 4u);
  EXPECT_EQ(res_.stats.timeouts, 0u);
}

}  // namespace
