// The example application under the executor: against a peer played by
// the test with captured datagrams, and two example nodes in one process
// exchanging UDP echo over a memory netdev pair.
#include "transport/udp/example.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "ip/ipv4/stack_testing.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/memnetdev.h"
#include "tern/sim.h"
#include "transport/udp/capture_vectors.h"

namespace {

using tern_test::B;
using tern_test::Bytes;

TEST(Example, EchoNodeAnswersTheCapturedDatagramLikeSocat) {
  static tern_example_node node;
  static tern_executor ex;
  tern_test::Link link;
  tern_test::TestRng rng;
  tern_rng r = rng.Rng();
  tern_executor_init(&ex);
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2);
  ASSERT_EQ(tern_example_node_start(&node, &ex, &r, link.A(), &a, 24, nullptr),
            0);
  while (tern_executor_run_once(&ex) > 0) {
  }
  link.Inject(B(kUdpEchoRequest, sizeof kUdpEchoRequest));
  while (tern_executor_run_once(&ex) > 0) {
  }
  auto out = link.TakeAll();
  ASSERT_EQ(out.size(), 1u);
  // socat's but for the IP identification (RFC 7739: ours is hashed).
  EXPECT_TRUE(
      tern_test::SameButIdent(out[0], B(kUdpEchoReply, sizeof kUdpEchoReply)));
  EXPECT_EQ(node.echo.fails, 0);
}

// A client on node A: sends count datagrams of growing size to B's port
// 7 and checks each echo.
struct Client {
  tern_task task;
  tern_udp_layer *udp;
  tern_endpoint server;
  tern_co co;
  tern_udp_sock sock;
  uint8_t ring[4096];
  uint8_t out[1472], in[1472];
  tern_endpoint from;
  int i, n, err, count, good;
  size_t len;

  static tern_poll Poll(tern_task *t, tern_cx *cx) {
    Client *c = TERN_CONTAINER_OF(t, Client, task);
    TERN_CO_BEGIN(&c->co);
    if (tern_udp_bind(c->udp, &c->sock, nullptr, c->ring, sizeof c->ring) !=
        0) {
      TERN_CO_RETURN(&c->co);
    }
    for (c->i = 0; c->i < c->count; c->i++) {
      c->len = static_cast<size_t>(c->i * 97) % sizeof c->out;
      for (size_t k = 0; k < c->len; k++) {
        c->out[k] = static_cast<uint8_t>(k * 7 + c->i);
      }
      TERN_CO_AWAIT(&c->co, tern_udp_poll_send_to(&c->sock, cx, &c->server,
                                                  c->out, c->len, &c->err));
      if (c->err != 0) {
        TERN_CO_RETURN(&c->co);
      }
      TERN_CO_AWAIT(&c->co,
                    tern_udp_poll_recv_from(&c->sock, cx, &c->from, c->in,
                                            sizeof c->in, &c->n));
      if (c->n == static_cast<int>(c->len) &&
          memcmp(c->in, c->out, c->len) == 0 &&
          c->from.port == c->server.port) {
        c->good++;
      }
    }
    tern_udp_close(&c->sock);
    TERN_CO_END(&c->co);
  }
};

TEST(Example, TwoStacksExchangeUdpEchoUnderTheExecutor) {
  static tern_example_node na, nb;
  static tern_executor ex;
  static tern_memnetdev_pair pair;
  static Client client;
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  cfg.headroom = 14;
  tern_memnetdev_init(&pair, &cfg);
  tern_executor_init(&ex);
  tern_test::TestRng rng_a(1), rng_b(2);
  tern_rng ra = rng_a.Rng(), rb = rng_b.Rng();
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 1), b = tern_ipv4(192, 0, 2, 2);
  ASSERT_EQ(tern_example_node_start(&na, &ex, &ra, tern_memnetdev_a(&pair), &a,
                                    24, nullptr),
            0);
  ASSERT_EQ(tern_example_node_start(&nb, &ex, &rb, tern_memnetdev_b(&pair), &b,
                                    24, nullptr),
            0);
  client = Client{};
  client.udp = &na.udp;
  client.server.addr.family = TERN_IP_V4;
  client.server.addr.u.v4 = b;
  client.server.port = 7;
  client.count = 40;
  tern_task_init(&client.task, Client::Poll);
  ASSERT_EQ(tern_spawn(&ex, &client.task), 0);
  tern_executor_run(&ex, &client.task);
  EXPECT_EQ(client.err, 0);
  EXPECT_EQ(client.good, 40);
  EXPECT_EQ(nb.echo.fails, 0);
  EXPECT_EQ(nb.echo.sock.stats.rx_dropped, 0u);
  EXPECT_EQ(na.ip.stats.tx_packets, 40u);
  EXPECT_EQ(nb.ip.stats.tx_packets, 40u);
  // Let the runners finish what they hold; every packet is home.
  while (tern_executor_run_once(&ex) > 0) {
  }
  EXPECT_EQ(tern_pkt_pool_available(&na.pool), TERN_EXAMPLE_PKTS + 0u);
  EXPECT_EQ(tern_pkt_pool_available(&nb.pool), TERN_EXAMPLE_PKTS + 0u);
}

}  // namespace
