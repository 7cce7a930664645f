// TCP echo (echo_tcp.c) on the sim port's virtual time: a tern stack on
// one end of a simulated link runs the echo app with TCP echo, clients on
// a TCP stack at the other end. The server serves one connection at a
// time, so one client must not hold it for ever: a client that connects
// and sends nothing, or sends and never reads what is echoed (the server
// waiting in poll_write on a zero window), is reset after
// TERN_ECHO_TCP_IDLE_MS and the next client is served.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "apps/echo/echo.h"
#include "apps/echo/echo_tcp.h"
#include "platforms/sim/simnet_testing.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/sim.h"
#include "tern/simnet.h"
#include "tern/tcp.h"
#include "transport/tcp/tcp_sim_testing.h"

namespace {

using Node = tern_test::TcpSimStack;

struct Server {
  alignas(8) uint8_t pool_storage[TERN_PKT_POOL_STORAGE_SIZE(
      tern_test::kSimPkts, tern_test::kSimPktSize)];
  tern_pkt_pool pool;
  tern_simrng rng_state;
  tern_rng rng;
  tern_echo_app app;
  tern_echo_tcp tcp;
};

// A client: connects, writes `len` bytes of `data` and, if `reads`, reads
// back as many; one that does not read keeps its 64-byte window shut.
struct Client {
  tern_task task;
  tern_co co = 0;
  tern_tcp_conn conn;
  uint8_t tx[4096], rx[64];
  const uint8_t *data = nullptr;
  size_t len = 0, off = 0;
  bool reads = false, done = false;
  int err = 0;
  ptrdiff_t n = 0;
  uint8_t got[64] = {};
  size_t have = 0;
  tern_time served_at = 0;
};

tern_poll ClientPoll(tern_task *t, tern_cx *cx) {
  Client *c = TERN_CONTAINER_OF(t, Client, task);
  TERN_CO_BEGIN(&c->co);
  TERN_CO_AWAIT(&c->co, tern_tcp_poll_connect(&c->conn, cx, &c->err));
  if (c->err != 0)
    TERN_CO_RETURN(&c->co);
  for (c->off = 0; c->off < c->len; c->off += (size_t)c->n) {
    TERN_CO_AWAIT(&c->co, tern_tcp_poll_write(&c->conn, cx, c->data + c->off,
                                              c->len - c->off, &c->n));
    if (c->n < 0) {
      c->err = (int)c->n;
      TERN_CO_RETURN(&c->co);
    }
  }
  while (c->reads && c->have < c->len) {
    TERN_CO_AWAIT(&c->co, tern_tcp_poll_read(&c->conn, cx, c->got + c->have,
                                             sizeof c->got - c->have, &c->n));
    if (c->n <= 0) {
      c->err = c->n < 0 ? (int)c->n : TERN_EPROTO;
      TERN_CO_RETURN(&c->co);
    }
    c->have += (size_t)c->n;
  }
  c->served_at = tern_now();
  c->done = true;
  TERN_CO_END(&c->co);
}

void StartClient(Client *c, tern_executor *ex, Node *a) {
  ASSERT_EQ(tern_tcp_conn_init(&c->conn, &a->tcp, c->tx, sizeof c->tx, c->rx,
                               sizeof c->rx),
            0);
  tern_endpoint to = tern_test::SimEndpoint(2, 7);
  ASSERT_EQ(tern_tcp_connect(&c->conn, &to), 0);
  tern_task_init(&c->task, ClientPoll);
  ASSERT_EQ(tern_spawn(ex, &c->task), 0);
}

// A first client holds the connection (silent, or flooding without
// reading); a second one sends "hello" and must have it back once the
// first was given up, TERN_ECHO_TCP_IDLE_MS after it last moved.
void HogThenServe(bool flood) {
  tern_sim_set_time(0x10000);
  tern_executor ex;
  tern_executor_init(&ex);
  tern_simnet net;
  tern_simnet_init(&net, 1, nullptr, 0);
  tern_simlink link;
  tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
  ASSERT_EQ(tern_simlink_init(&link, &net, &cfg), 0);
  auto a = std::make_unique<Node>();
  tern_test::StartTcpSimStack(a.get(), &ex, tern_simlink_a(&link), 1, 0xa);
  auto s = std::make_unique<Server>();
  ASSERT_GT(tern_pkt_pool_init(&s->pool, s->pool_storage,
                               sizeof s->pool_storage, tern_test::kSimPktSize),
            0);
  tern_simrng_seed(&s->rng_state, 0xb);
  s->rng = tern_rng{tern_test::SimRngFill, &s->rng_state};
  tern_ipv4_addr addr = tern_ipv4(192, 0, 2, 2);
  ASSERT_EQ(tern_echo_start(&s->app, &ex, &s->pool, &s->rng,
                            tern_simlink_b(&link), &addr, 24, nullptr),
            0);
  ASSERT_EQ(tern_echo_tcp_start(&s->tcp, &ex, &s->app.ip), 0);

  static uint8_t flood_bytes[20000];
  memset(flood_bytes, 'x', sizeof flood_bytes);
  auto hog = std::make_unique<Client>();
  if (flood) {
    hog->data = flood_bytes;
    hog->len = sizeof flood_bytes;
  }
  StartClient(hog.get(), &ex, a.get());
  for (int i = 0; i < 1000; i++)
    tern_executor_run_once(&ex), tern_sim_advance(1);
  ASSERT_EQ(s->tcp.connections, 0u);

  static const uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
  auto next = std::make_unique<Client>();
  next->data = hello;
  next->len = sizeof hello;
  next->reads = true;
  StartClient(next.get(), &ex, a.get());
  tern_time start = tern_now();
  for (int i = 0; i < 300000 && !next->done && next->err == 0; i++)
    tern_executor_run_once(&ex), tern_sim_advance(1);
  EXPECT_TRUE(next->done) << "not served after " << (tern_now() - start)
                          << " ms";
  EXPECT_EQ(next->err, 0);
  EXPECT_EQ(next->have, sizeof hello);
  EXPECT_EQ(memcmp(next->got, hello, sizeof hello), 0);
  if (next->done) {
    EXPECT_LE(next->served_at - start, (tern_time)TERN_ECHO_TCP_IDLE_MS);
  }
  tern_simlink_close(&link);
}

TEST(EchoTcpSim, ASilentClientIsGivenUpAndTheNextServed) {
  HogThenServe(false);
}

TEST(EchoTcpSim, AClientThatNeverReadsIsGivenUpAndTheNextServed) {
  HogThenServe(true);
}

}  // namespace
