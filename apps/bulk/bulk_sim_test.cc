// Two tern stacks on the sim port's virtual time, joined by a simulated
// link: the bulk source sends to the discard service (which must count
// every byte and see the FIN), the bulk source listens and a client reads
// and checks its pattern to the end, and UDP datagrams to discard are
// counted. Over a perfect link and over lossy ones, for a few seeds; a
// failing seed prints the command that replays it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "apps/bulk/bulk.h"
#include "apps/discard/discard.h"
#include "platforms/sim/simnet_testing.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/sim.h"
#include "tern/simnet.h"
#include "tern/tcp.h"
#include "tern/udp.h"
#include "transport/tcp/tcp_sim_testing.h"

namespace {

using Node = tern_test::TcpSimStack;

// A stack with UDP beside TCP.
void StartNode(Node *n, tern_executor *ex, tern_netdev dev, uint8_t last,
               uint64_t seed, tern_udp_layer *udp) {
  tern_test::StartTcpSimStack(n, ex, dev, last, seed);
  ASSERT_EQ(tern_udp_init(udp, &n->ip), 0);
}

struct World {
  tern_executor ex;
  tern_simnet net;
  tern_simlink link;
  Node a, b;  // 192.0.2.1 and 192.0.2.2
  tern_udp_layer udp_a, udp_b;
  tern_discard discard;
  tern_bulk bulk;
};

std::unique_ptr<World> MakeWorld(uint64_t seed,
                                 const tern_simlink_config &cfg) {
  auto w = std::make_unique<World>();
  tern_sim_set_time(0x10000);
  tern_executor_init(&w->ex);
  tern_simnet_init(&w->net, seed, nullptr, 0);
  EXPECT_EQ(tern_simlink_init(&w->link, &w->net, &cfg), 0);
  StartNode(&w->a, &w->ex, tern_simlink_a(&w->link), 1, seed ^ 0xa, &w->udp_a);
  StartNode(&w->b, &w->ex, tern_simlink_b(&w->link), 2, seed ^ 0xb, &w->udp_b);
  return w;
}

tern_endpoint B(uint16_t port) {
  return tern_test::SimEndpoint(2, port);
}

tern_simlink_config Lossy(uint32_t loss_ppm) {
  return tern_test::SimLossyLink(loss_ppm);
}

constexpr uint64_t kBytes = 300000;

// The bulk source on A connects to discard on B.
void BulkToDiscard(uint64_t seed, const tern_simlink_config &cfg) {
  auto w = MakeWorld(seed, cfg);
  ASSERT_EQ(tern_discard_start(&w->discard, &w->ex, &w->b.tcp, &w->udp_b), 0);
  tern_endpoint to = B(TERN_DISCARD_PORT);
  ASSERT_EQ(tern_bulk_connect(&w->bulk, &w->ex, &w->a.tcp, &to, kBytes), 0);
  tern_executor_run(&w->ex, &w->bulk.w.task);
  // Discard has the FIN by the time ours is acknowledged, or soon after:
  // run until it closed its side too.
  for (int i = 0; i < 100000 && w->discard.stats.tcp_conns == 0; i++)
    tern_executor_run_once(&w->ex), tern_sim_advance(1);
  EXPECT_TRUE(w->bulk.done);
  EXPECT_EQ(w->bulk.err, 0);
  EXPECT_EQ(w->bulk.sent, kBytes);
  EXPECT_EQ(w->bulk.runs, 1u);
  EXPECT_EQ(w->discard.stats.tcp_conns, 1u);
  EXPECT_EQ(w->discard.stats.tcp_errors, 0u);
  EXPECT_EQ(w->discard.stats.tcp_bytes, kBytes);
  EXPECT_EQ(w->discard.stats.last_conn_bytes, kBytes);
  tern_simlink_close(&w->link);
}

TEST(BulkSim, ToDiscardOverAPerfectLink) {
  BulkToDiscard(1, TERN_SIMLINK_CONFIG_DEFAULT);
}

TEST(BulkSim, ToDiscardAtOnePercentLoss) {
  for (uint64_t seed : tern_test::SimSeeds(3)) {
    SCOPED_TRACE(tern_test::SimReplay("//apps/bulk:bulk_sim_test", seed));
    BulkToDiscard(seed, Lossy(10000));
  }
}

// Discard serves one connection at a time: a client that connects and
// sends nothing is given up after TERN_DISCARD_TCP_IDLE_MS (counted in
// tcp_errors) and the next one served. Until branch rev30d it held the
// service for ever and the bulk source behind it never got in.
TEST(BulkSim, ASilentClientDoesNotHoldDiscardForEver) {
  auto w = MakeWorld(1, TERN_SIMLINK_CONFIG_DEFAULT);
  ASSERT_EQ(tern_discard_start(&w->discard, &w->ex, &w->b.tcp, nullptr), 0);
  struct Silent {
    tern_tcp_conn conn;
    uint8_t tx[64], rx[64];
  };
  auto silent = std::make_unique<Silent>();
  ASSERT_EQ(
      tern_tcp_conn_init(&silent->conn, &w->a.tcp, silent->tx,
                         sizeof silent->tx, silent->rx, sizeof silent->rx),
      0);
  tern_endpoint to = B(TERN_DISCARD_PORT);
  ASSERT_EQ(tern_tcp_connect(&silent->conn, &to), 0);
  for (int i = 0; i < 1000; i++)
    tern_executor_run_once(&w->ex), tern_sim_advance(1);
  ASSERT_EQ(tern_bulk_connect(&w->bulk, &w->ex, &w->a.tcp, &to, 1000), 0);
  tern_time start = tern_now();
  for (int i = 0; i < 300000 && w->discard.stats.tcp_conns == 0; i++)
    tern_executor_run_once(&w->ex), tern_sim_advance(1);
  EXPECT_EQ(w->discard.stats.tcp_conns, 1u)
      << "not served after " << (tern_now() - start) << " ms";
  EXPECT_EQ(w->discard.stats.tcp_errors, 1u);  // the silent one
  EXPECT_EQ(w->discard.stats.tcp_bytes, 1000u);
  EXPECT_LE(tern_now() - start, (tern_time)TERN_DISCARD_TCP_IDLE_MS);
  tern_simlink_close(&w->link);
}

// A peer that takes the connection and never reads: bulk's writes wait
// on a shut window, so each is bounded by TERN_BULK_IDLE_MS and the
// connection then ends with TERN_ETIMEDOUT (in listen mode the next one
// is served). Until branch rev30d bulk waited for ever: TCP probes a zero
// window for as long as the peer answers.
TEST(BulkSim, APeerThatNeverReadsEndsTheConnectionAfterTheIdleTimeout) {
  auto w = MakeWorld(1, TERN_SIMLINK_CONFIG_DEFAULT);
  struct Sink {
    tern_tcp_listener lst;
    tern_tcp_conn conn;
    uint8_t tx[64], rx[64];
  };
  auto sink = std::make_unique<Sink>();
  ASSERT_EQ(tern_tcp_conn_init(&sink->conn, &w->b.tcp, sink->tx,
                               sizeof sink->tx, sink->rx, sizeof sink->rx),
            0);
  tern_endpoint local = {};
  local.port = 5002;
  ASSERT_EQ(tern_tcp_listen(&w->b.tcp, &sink->lst, &local, &sink->conn, 1), 0);
  tern_endpoint to = B(5002);
  ASSERT_EQ(tern_bulk_connect(&w->bulk, &w->ex, &w->a.tcp, &to, kBytes), 0);
  tern_time start = tern_now();
  for (int i = 0; i < 300000 && !w->bulk.done; i++)
    tern_executor_run_once(&w->ex), tern_sim_advance(1);
  EXPECT_TRUE(w->bulk.done)
      << "still sending after " << (tern_now() - start) << " ms";
  EXPECT_EQ(w->bulk.err, TERN_ETIMEDOUT);
  EXPECT_LT(w->bulk.sent, kBytes);
  EXPECT_LE(tern_now() - start, (tern_time)TERN_BULK_IDLE_MS + 1000);
  tern_simlink_close(&w->link);
}

// A client that reads to the end and checks the pattern.
struct Reader {
  tern_task task;
  tern_co co = 0;
  tern_tcp_conn conn;
  uint8_t tx[64], rx[8192];
  int err = 0;
  ptrdiff_t n = 0;
  uint64_t got = 0, bad = 0;
  bool eof = false;
  uint8_t buf[700];
};

tern_poll ReaderPoll(tern_task *t, tern_cx *cx) {
  Reader *r = TERN_CONTAINER_OF(t, Reader, task);
  TERN_CO_BEGIN(&r->co);
  TERN_CO_AWAIT(&r->co, tern_tcp_poll_connect(&r->conn, cx, &r->err));
  if (r->err != 0)
    TERN_CO_RETURN(&r->co);
  for (;;) {
    TERN_CO_AWAIT(
        &r->co, tern_tcp_poll_read(&r->conn, cx, r->buf, sizeof r->buf, &r->n));
    if (r->n <= 0)
      break;
    for (ptrdiff_t i = 0; i < r->n; i++)
      r->bad += r->buf[i] != tern_bulk_pattern(r->got + (uint64_t)i);
    r->got += (uint64_t)r->n;
  }
  r->eof = r->n == 0;
  TERN_CO_AWAIT(&r->co, tern_tcp_poll_close(&r->conn, cx, &r->err));
  TERN_CO_END(&r->co);
}

void ReadFromListener(uint64_t seed, const tern_simlink_config &cfg) {
  auto w = MakeWorld(seed, cfg);
  tern_endpoint local = {};
  local.port = 5001;
  ASSERT_EQ(tern_bulk_listen(&w->bulk, &w->ex, &w->b.tcp, &local, kBytes), 0);
  auto r = std::make_unique<Reader>();
  ASSERT_EQ(tern_tcp_conn_init(&r->conn, &w->a.tcp, r->tx, sizeof r->tx, r->rx,
                               sizeof r->rx),
            0);
  tern_endpoint to = B(5001);
  ASSERT_EQ(tern_tcp_connect(&r->conn, &to), 0);
  tern_task_init(&r->task, ReaderPoll);
  ASSERT_EQ(tern_spawn(&w->ex, &r->task), 0);
  tern_executor_run(&w->ex, &r->task);
  for (int i = 0; i < 100000 && w->bulk.runs == 0; i++)
    tern_executor_run_once(&w->ex), tern_sim_advance(1);
  EXPECT_EQ(r->err, 0);
  EXPECT_TRUE(r->eof);
  EXPECT_EQ(r->got, kBytes);
  EXPECT_EQ(r->bad, 0u);
  EXPECT_EQ(w->bulk.runs, 1u);
  EXPECT_EQ(w->bulk.err, 0);
  EXPECT_EQ(w->bulk.sent, kBytes);
  tern_simlink_close(&w->link);
}

TEST(BulkSim, ListenerSendsThePatternOverAPerfectLink) {
  ReadFromListener(1, TERN_SIMLINK_CONFIG_DEFAULT);
}

TEST(BulkSim, ListenerSendsThePatternAtOnePercentLoss) {
  for (uint64_t seed : tern_test::SimSeeds(3)) {
    SCOPED_TRACE(tern_test::SimReplay("//apps/bulk:bulk_sim_test", seed));
    ReadFromListener(seed, Lossy(10000));
  }
}

TEST(BulkSim, ConnectToAClosedPortReportsTheReset) {
  auto w = MakeWorld(1, TERN_SIMLINK_CONFIG_DEFAULT);
  tern_endpoint to = B(4444);
  ASSERT_EQ(tern_bulk_connect(&w->bulk, &w->ex, &w->a.tcp, &to, kBytes), 0);
  tern_executor_run(&w->ex, &w->bulk.w.task);
  EXPECT_TRUE(w->bulk.done);
  EXPECT_EQ(w->bulk.err, TERN_ECONNREFUSED);
  EXPECT_EQ(w->bulk.sent, 0u);
  tern_simlink_close(&w->link);
}

// UDP datagrams to discard are counted whole, longer than its buffer too.
struct Sender {
  tern_task task;
  tern_co co = 0;
  tern_udp_sock sock = {};
  uint8_t ring[64];
  int i = 0, err = 0;
  uint8_t data[1000] = {};
};

constexpr int kDatagrams = 5;
constexpr size_t kLens[kDatagrams] = {0, 1, 63, 64, 1000};

tern_poll SenderPoll(tern_task *t, tern_cx *cx) {
  Sender *s = TERN_CONTAINER_OF(t, Sender, task);
  static const tern_endpoint to = B(TERN_DISCARD_PORT);
  TERN_CO_BEGIN(&s->co);
  for (s->i = 0; s->i < kDatagrams; s->i++) {
    TERN_CO_AWAIT(&s->co, tern_udp_poll_send_to(&s->sock, cx, &to, s->data,
                                                kLens[s->i], &s->err));
    if (s->err != 0)
      break;
  }
  TERN_CO_END(&s->co);
}

TEST(DiscardSim, CountsUdpDatagramsWhole) {
  auto w = MakeWorld(1, TERN_SIMLINK_CONFIG_DEFAULT);
  ASSERT_EQ(tern_discard_start(&w->discard, &w->ex, nullptr, &w->udp_b), 0);
  auto s = std::make_unique<Sender>();
  tern_endpoint any = {};
  ASSERT_EQ(tern_udp_bind(&w->udp_a, &s->sock, &any, s->ring, sizeof s->ring),
            0);
  tern_task_init(&s->task, SenderPoll);
  ASSERT_EQ(tern_spawn(&w->ex, &s->task), 0);
  tern_executor_run(&w->ex, &s->task);
  EXPECT_EQ(s->err, 0);
  for (int i = 0; i < 1000 && w->discard.stats.udp_datagrams < kDatagrams; i++)
    tern_executor_run_once(&w->ex), tern_sim_advance(1);
  EXPECT_EQ(w->discard.stats.udp_datagrams, (uint32_t)kDatagrams);
  EXPECT_EQ(w->discard.stats.udp_bytes, 0u + 1 + 63 + 64 + 1000);
  EXPECT_EQ(w->discard.stats.tcp_bytes, 0u);
  tern_simlink_close(&w->link);
}

TEST(DiscardSim, StartRefusesNoLayers) {
  tern_executor ex;
  tern_executor_init(&ex);
  auto d = std::make_unique<tern_discard>();
  EXPECT_EQ(tern_discard_start(d.get(), &ex, nullptr, nullptr), TERN_EINVAL);
}

}  // namespace
