// Two tern stacks (IP core, IPv4, TCP) on the sim port's virtual time,
// joined by one simulated link: a client connects to a listener and each
// side sends 1 MB to the other at once, then closes; each side checks
// every byte it read and that it read end of stream. Over a perfect link
// and over lossy ones (loss, reordering, duplication, corruption), for a
// few seeds here and hundreds in tcp_sim_many_test. A failing seed prints
// the command that replays it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "platforms/sim/simnet_testing.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/sim.h"
#include "tern/simnet.h"
#include "tern/tcp.h"
#include "tern/timer.h"
#include "transport/tcp/tcp_sim_testing.h"

namespace {

constexpr size_t kRing = 16384;

uint8_t Pattern(size_t i, int dir) {
  return (uint8_t)(i * 7 + i / 251 + (size_t)dir * 13);
}

struct Node;

// The connections' user timeout (ms): the default, longer at 30 % loss.
// FIN-WAIT-2's bound is the same: at heavy loss backed-off timers leave
// silences longer than its default minute before the peer's FIN, and the
// reader, which still reads after its close, would get TERN_ETIMEDOUT
// (seed 95 at 10 % loss: resends backed off to 51 s, one lost, 77 s of
// silence).
uint32_t g_user_timeout = 120000;
// Whether the stacks offer SACK (tern_tcp_config.sack): RFC 6675 recovery
// when 1, NewReno alone when 0.
uint8_t g_sack = 1;
// Whether the applications use the zero-copy calls (tern_tcp_poll_peek
// and consume, tern_tcp_poll_reserve and commit) instead of poll_read and
// poll_write: the reader checks each byte where it lies in the receive
// ring, the writer makes each byte where it goes in the send ring.
bool g_zero_copy = false;

// One direction of the application on a connection.
struct App {
  tern_task task;
  Node *node;
  tern_co co = 0;
  tern_waiter accept_w = TERN_WAITER_INIT;
  tern_tcp_conn *conn = nullptr;
  int dir = 0;       // which pattern this side writes
  size_t total = 0;  // bytes to write
  size_t done = 0;   // written, or read
  size_t len = 0;
  ptrdiff_t n = 0;
  int err = 0;       // connect's, close's
  int read_err = 0;  // a read's error
  bool eof = false;
  size_t bad = 0;  // bytes read that differ from the pattern
  uint8_t buf[1000];
  const uint8_t *view = nullptr;  // zero-copy: the receive ring's bytes
  uint8_t *room = nullptr;        // zero-copy: the send ring's free run
};

struct Node {
  tern_test::TcpSimStack stack;
  tern_tcp_listener lst;
  tern_tcp_conn conns[2];
  uint8_t rings[2][2][kRing];
  App writer, reader;
  tern_executor *ex;
  bool reader_started;
};

void StartNode(Node *n, tern_executor *ex, tern_netdev dev, uint8_t last,
               uint64_t seed) {
  tern_tcp_config cfg;
  tern_tcp_config_default(&cfg);
  cfg.fin_wait2 = g_user_timeout;
  cfg.user_timeout = g_user_timeout;
  // TIME-WAIT lasts while the peer may still resend what it waits on (2
  // MSL's purpose; here the peer's user timeout): at 30 % loss resends
  // backed off to the 60 s cap outlived the default minute, and the last
  // was answered with a reset, which the peer in LAST-ACK or CLOSING with
  // data unacknowledged reports as TERN_ECONNRESET (it cannot tell that
  // from its bytes lost; seeds 48 and 279).
  cfg.time_wait = g_user_timeout;
  cfg.sack = g_sack;
  tern_test::StartTcpSimStack(&n->stack, ex, dev, last, seed, &cfg);
  for (int i = 0; i < 2; i++)
    ASSERT_EQ(tern_tcp_conn_init(&n->conns[i], &n->stack.tcp, n->rings[i][0],
                                 kRing, n->rings[i][1], kRing),
              0);
}

tern_poll ReadPoll(tern_task *t, tern_cx *cx) {
  App *a = TERN_CONTAINER_OF(t, App, task);
  TERN_CO_BEGIN(&a->co);
  for (;;) {
    if (g_zero_copy) {
      TERN_CO_AWAIT(&a->co, tern_tcp_poll_peek(a->conn, cx, &a->view, &a->n));
    } else {
      TERN_CO_AWAIT(&a->co, tern_tcp_poll_read(a->conn, cx, a->buf,
                                               sizeof a->buf, &a->n));
    }
    if (a->n <= 0) {
      a->eof = a->n == 0;
      a->read_err = (int)a->n;
      break;
    }
    const uint8_t *got = g_zero_copy ? a->view : a->buf;
    for (ptrdiff_t i = 0; i < a->n; i++)
      a->bad += got[i] != Pattern(a->done + (size_t)i, a->dir);
    a->done += (size_t)a->n;
    if (g_zero_copy) {
      EXPECT_EQ(tern_tcp_consume(a->conn, (size_t)a->n), 0);
    }
  }
  TERN_CO_END(&a->co);
}

// Writes total bytes, then closes. The client connects first; the
// server accepts first and then starts its reader.
tern_poll WritePoll(tern_task *t, tern_cx *cx) {
  App *a = TERN_CONTAINER_OF(t, App, task);
  Node *n = a->node;
  TERN_CO_BEGIN(&a->co);
  if (a->conn == nullptr) {
    TERN_CO_AWAIT(&a->co,
                  tern_tcp_poll_accept(&n->lst, cx, &a->accept_w, &a->conn));
  } else {
    TERN_CO_AWAIT(&a->co, tern_tcp_poll_connect(a->conn, cx, &a->err));
    if (a->err != 0) {
      TERN_CO_RETURN(&a->co);
    }
  }
  n->reader.conn = a->conn;
  n->reader.dir = 1 - a->dir;
  if (!n->reader_started) {
    n->reader_started = true;
    tern_spawn(n->ex, &n->reader.task);
  }
  while (g_zero_copy && a->done < a->total) {
    TERN_CO_AWAIT(&a->co, tern_tcp_poll_reserve(a->conn, cx, &a->room, &a->n));
    if (a->n < 0) {
      a->err = (int)a->n;
      TERN_CO_RETURN(&a->co);
    }
    a->len = a->total - a->done;
    if (a->len > (size_t)a->n)
      a->len = (size_t)a->n;
    for (size_t i = 0; i < a->len; i++)
      a->room[i] = Pattern(a->done + i, a->dir);
    EXPECT_EQ(tern_tcp_commit(a->conn, a->len), 0);
    a->done += a->len;
  }
  while (a->done < a->total) {
    for (size_t i = 0; i < sizeof a->buf; i++)
      a->buf[i] = Pattern(a->done + i, a->dir);
    a->len = a->total - a->done;
    if (a->len > sizeof a->buf)
      a->len = sizeof a->buf;
    TERN_CO_AWAIT(&a->co,
                  tern_tcp_poll_write(a->conn, cx, a->buf, a->len, &a->n));
    if (a->n < 0) {
      a->err = (int)a->n;
      TERN_CO_RETURN(&a->co);
    }
    a->done += (size_t)a->n;
  }
  TERN_CO_AWAIT(&a->co, tern_tcp_poll_close(a->conn, cx, &a->err));
  TERN_CO_END(&a->co);
}

struct World {
  tern_executor ex;
  tern_simnet net;
  tern_simlink link;
  Node a, b;
};

struct Outcome {
  size_t a_read = 0, b_read = 0, a_bad = 0, b_bad = 0;
  bool a_eof = false, b_eof = false;
  int a_err = 0, b_err = 0, a_read_err = 0, b_read_err = 0;
  uint32_t retransmits = 0;
  // Both stacks' counters, and the virtual time the whole exchange took.
  uint32_t timeouts = 0, recoveries = 0;
  uint64_t elapsed_ms = 0;
  bool sack = false;  // whether the connection settled SACK
};

Outcome Transfer(uint64_t seed, const tern_simlink_config &cfg, size_t bytes) {
  auto w = std::make_unique<World>();
  tern_sim_set_time(0x10000);
  tern_executor_init(&w->ex);
  tern_simnet_init(&w->net, seed, nullptr, 0);
  if (getenv("TERN_SIM_LOG") != nullptr)
    tern_simnet_set_log(&w->net, stderr);
  EXPECT_EQ(tern_simlink_init(&w->link, &w->net, &cfg), 0);
  StartNode(&w->a, &w->ex, tern_simlink_a(&w->link), 1, seed ^ 0xa);
  StartNode(&w->b, &w->ex, tern_simlink_b(&w->link), 2, seed ^ 0xb);
  tern_endpoint local = {};
  local.port = 5001;
  EXPECT_EQ(tern_tcp_listen(&w->b.stack.tcp, &w->b.lst, &local, w->b.conns, 2),
            0);
  tern_endpoint server = {};
  server.addr.family = TERN_IP_V4;
  server.addr.u.v4 = tern_ipv4(192, 0, 2, 2);
  server.port = 5001;
  EXPECT_EQ(tern_tcp_connect(&w->a.conns[0], &server), 0);
  for (Node *n : {&w->a, &w->b}) {
    n->writer.node = n->reader.node = n;
    n->writer.total = bytes;
    n->writer.dir = n == &w->a ? 0 : 1;
    tern_task_init(&n->writer.task, WritePoll);
    tern_task_init(&n->reader.task, ReadPoll);
  }
  w->a.writer.conn = &w->a.conns[0];
  w->a.reader.conn = &w->a.conns[0];
  w->a.reader.dir = 1;
  w->a.ex = w->b.ex = &w->ex;
  w->a.reader_started = true;
  EXPECT_EQ(tern_spawn(&w->ex, &w->a.writer.task), 0);
  EXPECT_EQ(tern_spawn(&w->ex, &w->a.reader.task), 0);
  EXPECT_EQ(tern_spawn(&w->ex, &w->b.writer.task), 0);
  tern_executor_run(&w->ex, &w->b.writer.task);
  tern_executor_run(&w->ex, &w->a.writer.task);
  tern_executor_run(&w->ex, &w->a.reader.task);
  if (w->b.reader_started)
    tern_executor_run(&w->ex, &w->b.reader.task);
  Outcome o;
  o.a_read = w->a.reader.done;
  o.b_read = w->b.reader.done;
  o.a_bad = w->a.reader.bad;
  o.b_bad = w->b.reader.bad;
  o.a_eof = w->a.reader.eof;
  o.b_eof = w->b.reader.eof;
  o.a_err = w->a.writer.err;
  o.b_err = w->b.writer.err;
  o.a_read_err = w->a.reader.read_err;
  o.b_read_err = w->b.reader.read_err;
  o.retransmits =
      w->a.stack.tcp.stats.retransmits + w->b.stack.tcp.stats.retransmits;
  o.timeouts = w->a.stack.tcp.stats.timeouts + w->b.stack.tcp.stats.timeouts;
  o.recoveries = w->a.stack.tcp.stats.fast_retransmits +
                 w->b.stack.tcp.stats.fast_retransmits;
  o.elapsed_ms = tern_now() - 0x10000;
  o.sack = (w->a.conns[0].opts & 1) != 0;  // TERN__TCP_O_SACK
  tern_simlink_close(&w->link);
  return o;
}

void ExpectWhole(const Outcome &o, size_t bytes) {
  EXPECT_EQ(o.a_err, 0);
  EXPECT_EQ(o.b_err, 0);
  EXPECT_EQ(o.a_read, bytes);
  EXPECT_EQ(o.b_read, bytes);
  EXPECT_EQ(o.a_bad, 0u);
  EXPECT_EQ(o.b_bad, 0u);
  EXPECT_TRUE(o.a_eof) << o.a_read_err;
  EXPECT_TRUE(o.b_eof) << o.b_read_err;
}

tern_simlink_config Lossy(uint32_t loss_ppm) {
  return tern_test::SimLossyLink(loss_ppm);
}

constexpr size_t kMB = 1 << 20;

TEST(TcpSim, MegabyteEachWayOverAPerfectLink) {
  tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
  Outcome o = Transfer(1, cfg, kMB);
  ExpectWhole(o, kMB);
  EXPECT_EQ(o.retransmits, 0u);
}

TEST(TcpSim, MegabyteEachWayWithoutLoss) {
  for (uint64_t seed : tern_test::SimSeeds(3)) {
    SCOPED_TRACE(tern_test::SimReplay("//transport/tcp:sim_test", seed));
    ExpectWhole(Transfer(seed, Lossy(0), kMB), kMB);
  }
}

TEST(TcpSim, MegabyteEachWayAtOnePercentLoss) {
  for (uint64_t seed : tern_test::SimSeeds(3)) {
    SCOPED_TRACE(tern_test::SimReplay("//transport/tcp:sim_test", seed));
    Outcome o = Transfer(seed, Lossy(10000), kMB);
    ExpectWhole(o, kMB);
    EXPECT_GT(o.retransmits, 0u);
  }
}

TEST(TcpSim, MegabyteEachWayAtTenPercentLoss) {
  for (uint64_t seed : tern_test::SimSeeds(3)) {
    SCOPED_TRACE(tern_test::SimReplay("//transport/tcp:sim_test", seed));
    Outcome o = Transfer(seed, Lossy(100000), kMB);
    ExpectWhole(o, kMB);
    EXPECT_GT(o.retransmits, 0u);
  }
}

// Several megabytes each way at each loss rate, on the first two seeds
// (or the one TERN_SIM_SEED replays): long enough for the sequence
// space, the windows and the RTO estimate to go through many cycles of
// loss and recovery. Not widened by TERN_SIM_SEEDS: each run moves 4 MB
// each way; the 1 MB tests above are the sweeps.
constexpr size_t kLong = 4 * kMB;

std::vector<uint64_t> LongSeeds() {
  std::vector<uint64_t> seeds = tern_test::SimSeeds(2);
  if (seeds.size() > 2)
    seeds.resize(2);
  return seeds;
}

TEST(TcpSim, FourMegabytesEachWayAtEachLossRate) {
  for (uint32_t loss_ppm : {0u, 10000u, 100000u, 300000u}) {
    for (uint64_t seed : LongSeeds()) {
      SCOPED_TRACE(tern_test::SimReplay("//transport/tcp:sim_test", seed));
      SCOPED_TRACE(loss_ppm);
      g_user_timeout = loss_ppm >= 300000u ? 1200000 : 120000;
      Outcome o = Transfer(seed, Lossy(loss_ppm), kLong);
      g_user_timeout = 120000;
      ExpectWhole(o, kLong);
      if (loss_ppm != 0) {
        EXPECT_GT(o.retransmits, 0u);
      }
    }
  }
}

// The same exchange with only the zero-copy calls: every byte made in
// the send ring and checked in the receive ring (16 KB rings: each
// wraps some 64 times), over a perfect link and at 1 % and 10 % loss.
// On the first two seeds only (LongSeeds): the sweeps are the tests
// above; this one is about the calls, not the machine.
TEST(TcpSim, MegabyteEachWayZeroCopy) {
  g_zero_copy = true;
  tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
  ExpectWhole(Transfer(1, cfg, kMB), kMB);
  for (uint32_t loss_ppm : {10000u, 100000u}) {
    for (uint64_t seed : LongSeeds()) {
      SCOPED_TRACE(tern_test::SimReplay("//transport/tcp:sim_test", seed));
      SCOPED_TRACE(loss_ppm);
      ExpectWhole(Transfer(seed, Lossy(loss_ppm), kMB), kMB);
    }
  }
  g_zero_copy = false;
}

}  // namespace
namespace {
// At 30 % loss each way a segment and its ACK both arrive half the time:
// the RTO backs off toward its 60 s cap and two expiries in a row pass
// the default 120 s user timeout (the runs time out with it), so this
// one runs with 20 minutes, as a user expecting such a link would set.
TEST(TcpSim, MegabyteEachWayAtThirtyPercentLoss) {
  for (uint64_t seed : tern_test::SimSeeds(3)) {
    SCOPED_TRACE(tern_test::SimReplay("//transport/tcp:sim_test", seed));
    g_user_timeout = 1200000;
    Outcome o = Transfer(seed, Lossy(300000), kMB);
    g_user_timeout = 120000;
    ExpectWhole(o, kMB);
  }
}
}  // namespace

namespace {
// SACK recovery (RFC 6675) against NewReno (RFC 6582) on the same seeds:
// run by hand (DISABLED_: a GTEST_SKIP would count as a skip in
// tools/test.sh), it prints the sums (no assertion on them; both must still
// deliver every byte). TERN_SIM_COMPARE=N sets the seeds, 1..N:
// bazel test -c opt //transport/tcp:sim_compare --test_output=all
TEST(TcpSim, DISABLED_SackAgainstNewReno) {
  const char *env = getenv("TERN_SIM_COMPARE");
  if (env == nullptr || atoi(env) <= 0) {
    GTEST_SKIP() << "set TERN_SIM_COMPARE=seeds (//transport/tcp:sim_compare)";
  }
  int seeds = atoi(env);
  printf("%d seeds, 1 MB each way, per loss rate; sums over the seeds\n",
         seeds);
  printf("loss  recovery  virtual s  retransmits  timeouts  recoveries\n");
  for (uint32_t loss : {10u, 30u}) {
    for (uint8_t sack : {0, 1}) {
      Outcome sum;
      g_sack = sack;
      g_user_timeout = 1200000;
      for (int seed = 1; seed <= seeds; seed++) {
        SCOPED_TRACE(seed);
        Outcome o = Transfer((uint64_t)seed, Lossy(loss * 10000), kMB);
        ExpectWhole(o, kMB);
        EXPECT_EQ(o.sack, sack != 0);
        sum.elapsed_ms += o.elapsed_ms;
        sum.retransmits += o.retransmits;
        sum.timeouts += o.timeouts;
        sum.recoveries += o.recoveries;
      }
      g_sack = 1;
      g_user_timeout = 120000;
      printf("%3u %%  %-8s  %9.1f  %11u  %8u  %10u\n", loss,
             sack ? "SACK" : "NewReno", (double)sum.elapsed_ms / 1000.0,
             sum.retransmits, sum.timeouts, sum.recoveries);
    }
  }
}
}  // namespace
