// Two IPv4+UDP stacks (transport/udp's example nodes: IP core, IPv4,
// ICMP, UDP, an echo task on port 7) on the sim port's virtual time,
// joined by one simulated link. A client on node A sends numbered
// datagrams to B's echo, one a millisecond, and counts the echoes. Checked
// for each seed of a fixed set (or the one seed TERN_SIM_SEED names): the
// link's statistics against the configured probabilities, every datagram
// accounted for from link to socket, the same seed giving the same event
// trace, different seeds different ones. A failing seed prints the
// command that replays it.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "platforms/sim/simnet_testing.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/hal_rng.h"
#include "tern/sim.h"
#include "tern/simnet.h"
#include "tern/timer.h"
#include "tern/udp.h"
#include "transport/udp/example.h"

namespace {

constexpr size_t kPayload = 32;

// The client: a sender task and a receiver task on one socket of node A.
struct Client {
  tern_udp_layer *udp;
  tern_endpoint server;
  int count;  // datagrams to send
  tern_udp_sock sock;
  uint8_t ring[4096];

  struct Sender {
    tern_task task;
    Client *c;
    tern_co co;
    tern_timer timer;
    int i, err, failures;
    uint8_t out[kPayload];
  } sender;

  struct Receiver {
    tern_task task;
    Client *c;
    tern_co co;
    tern_endpoint from;
    uint8_t in[kPayload + 8];
    int n;
    int got, bad, duplicates, out_of_order, last;
    std::vector<uint8_t> *seen;
  } receiver;

  static void Fill(uint8_t *out, int i) {
    for (size_t k = 0; k < kPayload; k++)
      out[k] = (uint8_t)(i * 131 + k * 7);
    out[0] = (uint8_t)(i >> 8);
    out[1] = (uint8_t)i;
  }

  static tern_poll SendPoll(tern_task *t, tern_cx *cx) {
    Sender *s = TERN_CONTAINER_OF(t, Sender, task);
    Client *c = s->c;
    TERN_CO_BEGIN(&s->co);
    for (s->i = 0; s->i < c->count; s->i++) {
      Fill(s->out, s->i);
      TERN_CO_AWAIT(&s->co, tern_udp_poll_send_to(&c->sock, cx, &c->server,
                                                  s->out, kPayload, &s->err));
      if (s->err != 0) {
        s->failures++;
      }
      TERN_CO_AWAIT(&s->co, tern_sleep_for(&s->timer, cx, 1));
    }
    // Long enough for every delay and reordering configured below.
    TERN_CO_AWAIT(&s->co, tern_sleep_for(&s->timer, cx, 2000));
    tern_udp_close(&c->sock);
    TERN_CO_END(&s->co);
  }

  static tern_poll RecvPoll(tern_task *t, tern_cx *cx) {
    Receiver *r = TERN_CONTAINER_OF(t, Receiver, task);
    Client *c = r->c;
    TERN_CO_BEGIN(&r->co);
    for (;;) {
      TERN_CO_AWAIT(&r->co,
                    tern_udp_poll_recv_from(&c->sock, cx, &r->from, r->in,
                                            sizeof r->in, &r->n));
      if (r->n < 0) {
        break;  // closed
      }
      int i = r->in[0] * 256 + r->in[1];
      uint8_t want[kPayload];
      Fill(want, i);
      if (r->n != (int)kPayload || i >= c->count ||
          memcmp(r->in, want, kPayload) != 0 || r->from.port != 7) {
        r->bad++;
        continue;
      }
      r->got++;
      if ((*r->seen)[i]++ != 0) {
        r->duplicates++;
      }
      if (i < r->last) {
        r->out_of_order++;
      }
      r->last = i;
    }
    TERN_CO_END(&r->co);
  }
};

// Fills from a splitmix64 sequence of the stack's own, so that ports and
// IP identifications follow the seed too.
int RngFill(void *self, void *buf, size_t len) {
  auto *r = static_cast<tern_simrng *>(self);
  auto *p = static_cast<uint8_t *>(buf);
  for (size_t i = 0; i < len; i++)
    p[i] = (uint8_t)tern_simrng_next(r);
  return 0;
}

// Two stacks joined by one link, and the client on the first.
struct Pair {
  tern_example_node na, nb;
  tern_simrng rng_a, rng_b;
  tern_rng ra, rb;
  tern_simlink link;
  Client client;
  std::vector<uint8_t> seen;
};

// Everything one run needs, fresh each time: pairs of stacks on links of
// one net, all on one executor.
struct World {
  tern_executor ex;
  tern_simnet net;
  Pair pairs[2];
};

struct Result {
  uint64_t trace_hash = 0;  // of the whole net
  uint32_t events = 0;
  tern_simlink_stats ab = {}, ba = {};
  int sent = 0, send_failures = 0;
  int echoes = 0, bad = 0, duplicates = 0, out_of_order = 0, distinct = 0;
  uint32_t a_dropped_corrupt = 0;  // dropped by A's IPv4 or UDP checks
  uint32_t b_dropped_corrupt = 0;
  uint32_t a_ring_drops = 0, b_ring_drops = 0;
  bool pools_whole = false;
};

// The checks a flipped bit can fail: the version nibble (the core finds
// no family), the IPv4 header check, UDP's. (The IPv4 layer counts UDP's
// drops once more as rx_drop_transport: not added.)
uint32_t CorruptDrops(const tern_example_node &n) {
  uint32_t d = n.ip.stats.rx_drop_family;
  for (uint32_t v : n.v4.stats.rx_drop)
    d += v;
  for (uint32_t v : n.udp.stats.rx_drop)
    d += v;
  return d;
}

void StartPair(World *w, Pair *p, uint64_t seed, unsigned index,
               const tern_simlink_config &cfg, int count) {
  EXPECT_EQ(tern_simlink_init(&p->link, &w->net, &cfg), 0);
  tern_simrng_seed(&p->rng_a, seed ^ (0xa + 16 * index));
  tern_simrng_seed(&p->rng_b, seed ^ (0xb + 16 * index));
  p->ra = tern_rng{RngFill, &p->rng_a};
  p->rb = tern_rng{RngFill, &p->rng_b};
  // 192.0.2.0/24 on the first link, 198.51.100.0/24 on the second.
  uint8_t net3[2][3] = {{192, 0, 2}, {198, 51, 100}};
  const uint8_t *n3 = net3[index];
  tern_ipv4_addr a = tern_ipv4(n3[0], n3[1], n3[2], 1);
  tern_ipv4_addr b = tern_ipv4(n3[0], n3[1], n3[2], 2);
  EXPECT_EQ(tern_example_node_start(&p->na, &w->ex, &p->ra,
                                    tern_simlink_a(&p->link), &a, 24, nullptr),
            0);
  EXPECT_EQ(tern_example_node_start(&p->nb, &w->ex, &p->rb,
                                    tern_simlink_b(&p->link), &b, 24, nullptr),
            0);
  Client &c = p->client;
  c.udp = &p->na.udp;
  c.server.addr.family = TERN_IP_V4;
  c.server.addr.u.v4 = b;
  c.server.port = 7;
  c.count = count;
  p->seen.assign(count, 0);
  EXPECT_EQ(tern_udp_bind(c.udp, &c.sock, nullptr, c.ring, sizeof c.ring), 0);
  c.sender.c = &c;
  c.sender.timer = TERN_TIMER_INIT;
  c.receiver.c = &c;
  c.receiver.seen = &p->seen;
  tern_task_init(&c.sender.task, Client::SendPoll);
  tern_task_init(&c.receiver.task, Client::RecvPoll);
  EXPECT_EQ(tern_spawn(&w->ex, &c.receiver.task), 0);
  EXPECT_EQ(tern_spawn(&w->ex, &c.sender.task), 0);
}

Result Collect(const World &w, Pair *p) {
  Client &c = p->client;
  EXPECT_TRUE(tern_task_done(&c.receiver.task));
  EXPECT_EQ(tern_simlink_in_flight(&p->link, 0), 0u);
  EXPECT_EQ(tern_simlink_in_flight(&p->link, 1), 0u);
  Result r;
  r.trace_hash = w.net.trace_hash;
  r.events = w.net.events;
  r.ab = *tern_simlink_get_stats(&p->link, 0);
  r.ba = *tern_simlink_get_stats(&p->link, 1);
  r.sent = c.sender.i;
  r.send_failures = c.sender.failures;
  r.echoes = c.receiver.got;
  r.bad = c.receiver.bad;
  r.duplicates = c.receiver.duplicates;
  r.out_of_order = c.receiver.out_of_order;
  for (uint8_t s : p->seen)
    r.distinct += s != 0;
  r.a_dropped_corrupt = CorruptDrops(p->na);
  r.b_dropped_corrupt = CorruptDrops(p->nb);
  r.a_ring_drops = c.sock.stats.rx_dropped;
  r.b_ring_drops = p->nb.echo.sock.stats.rx_dropped;
  tern_simlink_close(&p->link);
  r.pools_whole = tern_pkt_pool_available(&p->na.pool) == TERN_EXAMPLE_PKTS &&
                  tern_pkt_pool_available(&p->nb.pool) == TERN_EXAMPLE_PKTS;
  return r;
}

// One run from seed: a pair per config in cfgs (1 or 2), each client
// sending count datagrams; the net's events in *record if asked.
std::vector<Result> RunPairs(uint64_t seed,
                             const std::vector<tern_simlink_config> &cfgs,
                             int count,
                             std::vector<tern_simnet_event> *record) {
  auto w = std::make_unique<World>();
  tern_sim_set_time(0x10000);
  tern_executor_init(&w->ex);
  if (record != nullptr) {
    record->assign(100000, tern_simnet_event{});
  }
  tern_simnet_init(&w->net, seed, record ? record->data() : nullptr,
                   record ? (uint32_t)record->size() : 0);
  if (getenv("TERN_SIM_LOG") != nullptr) {
    tern_simnet_set_log(&w->net, stderr);  // every event, for a replay
  }
  for (unsigned i = 0; i < cfgs.size(); i++)
    StartPair(w.get(), &w->pairs[i], seed, i, cfgs[i], count);
  for (unsigned i = 0; i < cfgs.size(); i++)
    tern_executor_run(&w->ex, &w->pairs[i].client.sender.task);
  while (tern_executor_run_once(&w->ex) > 0) {
  }
  std::vector<Result> results;
  for (unsigned i = 0; i < cfgs.size(); i++)
    results.push_back(Collect(*w, &w->pairs[i]));
  if (record != nullptr) {
    record->resize(std::min<size_t>(w->net.events, record->size()));
  }
  return results;
}

Result RunNet(uint64_t seed, const tern_simlink_config &cfg, int count,
              std::vector<tern_simnet_event> *record = nullptr) {
  return RunPairs(seed, {cfg}, count, record)[0];
}

std::vector<uint64_t> Seeds(int n) {
  return tern_test::SimSeeds(n);
}

std::string Replay(uint64_t seed) {
  return tern_test::SimReplay("//platforms/sim:simnet_udp_test", seed);
}

// Within 5 standard deviations of the binomial(n, p) mean.
void ExpectBinomial(uint32_t hits, uint32_t n, uint32_t ppm, const char *what) {
  double p = ppm / 1e6;
  double sd = std::sqrt(n * p * (1 - p));
  EXPECT_NEAR((double)hits, n * p, 5 * sd + 1e-9)
      << what << ": " << hits << " of " << n;
}

tern_simlink_config Faulty() {
  tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
  cfg.delay_ms = 3;
  cfg.jitter_ms = 2;
  cfg.bits_per_second = 2000000;
  cfg.loss_ppm = 100000;      // 10 %
  cfg.corrupt_ppm = 20000;    // 2 %
  cfg.duplicate_ppm = 20000;  // 2 %
  cfg.reorder_ppm = 50000;    // 5 %
  cfg.reorder_ms = 7;
  return cfg;
}

TEST(SimnetUdp, APerfectLinkEchoesEverything) {
  for (uint64_t seed : Seeds(3)) {
    SCOPED_TRACE(Replay(seed));
    Result r = RunNet(seed, TERN_SIMLINK_CONFIG_DEFAULT, 300);
    EXPECT_EQ(r.sent, 300);
    EXPECT_EQ(r.send_failures, 0);
    EXPECT_EQ(r.echoes, 300);
    EXPECT_EQ(r.distinct, 300);
    EXPECT_EQ(r.out_of_order + r.duplicates + r.bad, 0);
    EXPECT_EQ(r.ab.sent, 300u);
    EXPECT_EQ(r.ba.sent, 300u);
    EXPECT_TRUE(r.pools_whole);
  }
}

TEST(SimnetUdp, LossyLinkStatisticsMatchTheConfiguration) {
  const tern_simlink_config cfg = Faulty();
  const int n = 2000;
  for (uint64_t seed : Seeds(20)) {
    SCOPED_TRACE(Replay(seed));
    Result r = RunNet(seed, cfg, n);
    EXPECT_EQ(r.sent, n);
    EXPECT_EQ(r.send_failures, 0);
    EXPECT_TRUE(r.pools_whole);
    for (const tern_simlink_stats *s : {&r.ab, &r.ba}) {
      ExpectBinomial(s->lost, s->sent, cfg.loss_ppm, "lost");
      uint32_t survived = s->sent - s->lost - s->queue_dropped;
      ExpectBinomial(s->duplicated + s->dup_no_buffer, survived,
                     cfg.duplicate_ppm, "duplicated");
      uint32_t copies = survived + s->duplicated;
      ExpectBinomial(s->corrupted, copies, cfg.corrupt_ppm, "corrupted");
      ExpectBinomial(s->reordered, copies, cfg.reorder_ppm, "reordered");
      // Nothing vanished: everything that survived arrived.
      EXPECT_EQ(s->delivered, copies);
    }
    EXPECT_EQ(r.ab.sent, (uint32_t)n);
    // Every corrupted copy failed a checksum at its receiver (one flipped
    // bit always changes the RFC 1071 sum); every other copy reached the
    // socket: B echoed each one, A received each echo.
    EXPECT_EQ(r.b_dropped_corrupt, r.ab.corrupted);
    EXPECT_EQ(r.a_dropped_corrupt, r.ba.corrupted);
    EXPECT_EQ(r.ba.sent, r.ab.delivered - r.ab.corrupted - r.b_ring_drops);
    EXPECT_EQ((uint32_t)(r.echoes + r.bad),
              r.ba.delivered - r.ba.corrupted - r.a_ring_drops);
    EXPECT_EQ(r.bad, 0);
    // Reordering and duplication reached the application.
    EXPECT_GT(r.out_of_order, 0);
    EXPECT_GT(r.duplicates, 0);
    // A datagram comes back when neither it nor its echo was lost or
    // corrupted: (0.9 * 0.98)^2 of them, 0.778 (duplicates add a little),
    // within 5 standard deviations (93).
    EXPECT_NEAR(r.distinct, n * 0.778, 95);
  }
}

TEST(SimnetUdp, TheSameSeedGivesTheSameTrace) {
  const tern_simlink_config cfg = Faulty();
  for (uint64_t seed : Seeds(5)) {
    SCOPED_TRACE(Replay(seed));
    std::vector<tern_simnet_event> t1, t2;
    Result r1 = RunNet(seed, cfg, 500, &t1);
    Result r2 = RunNet(seed, cfg, 500, &t2);
    EXPECT_EQ(r1.trace_hash, r2.trace_hash);
    ASSERT_EQ(r1.events, r2.events);
    ASSERT_EQ(t1.size(), t2.size());
    ASSERT_GT(t1.size(), 1000u);
    for (size_t i = 0; i < t1.size(); i++) {
      const tern_simnet_event &a = t1[i], &b = t2[i];
      ASSERT_TRUE(a.time == b.time && a.link == b.link && a.dir == b.dir &&
                  a.kind == b.kind && a.len == b.len && a.digest == b.digest)
          << "event " << i;
    }
    EXPECT_EQ(r1.echoes, r2.echoes);
    EXPECT_EQ(r1.out_of_order, r2.out_of_order);
  }
}

TEST(SimnetUdp, DifferentSeedsGiveDifferentTraces) {
  const tern_simlink_config cfg = Faulty();
  std::vector<uint64_t> hashes;
  for (uint64_t seed = 1; seed <= 10; seed++) {
    Result r = RunNet(seed, cfg, 300);
    for (uint64_t h : hashes)
      EXPECT_NE(h, r.trace_hash) << "seed " << seed;
    hashes.push_back(r.trace_hash);
  }
}

TEST(SimnetUdp, BandwidthSpacesTheDatagrams) {
  // Datagrams of 60 bytes (32 + UDP 8 + IPv4 20) at 48 kbit/s: 10 ms each
  // on the wire, though the client offers one a millisecond. The link
  // holds the sender's packets while they wait, so the client's pool (4
  // packets) makes it wait too: nothing is dropped, everything is paced.
  tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
  cfg.bits_per_second = 48000;
  for (uint64_t seed : Seeds(2)) {
    SCOPED_TRACE(Replay(seed));
    std::vector<tern_simnet_event> trace;
    Result r = RunNet(seed, cfg, 100, &trace);
    EXPECT_EQ(r.ab.delivered, 100u);
    EXPECT_EQ(r.ab.queue_dropped, 0u);
    EXPECT_EQ(r.echoes, 100);
    EXPECT_TRUE(r.pools_whole);
    std::vector<uint32_t> times[2];
    for (const tern_simnet_event &e : trace)
      if (e.kind == TERN_SIMNET_DELIVERED)
        times[e.dir].push_back(e.time);
    for (const std::vector<uint32_t> &t : times) {
      ASSERT_EQ(t.size(), 100u);
      for (size_t i = 1; i < t.size(); i++)
        EXPECT_GE(t[i] - t[i - 1], 10u) << i;
      EXPECT_GE(t.back() - t.front(), 990u);
    }
  }
}

TEST(SimnetUdp, TwoPairsOfStacksShareOneNet) {
  // Four stacks, two links of different faults, one net, one executor.
  tern_simlink_config lossy = Faulty();
  tern_simlink_config slow = TERN_SIMLINK_CONFIG_DEFAULT;
  slow.delay_ms = 20;
  slow.bits_per_second = 500000;
  for (uint64_t seed : Seeds(5)) {
    SCOPED_TRACE(Replay(seed));
    std::vector<tern_simnet_event> trace;
    std::vector<Result> r = RunPairs(seed, {lossy, slow}, 500, &trace);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_GT(r[0].ab.lost, 0u);
    EXPECT_EQ(r[0].bad, 0);
    EXPECT_EQ(r[1].echoes, 500);  // the slow link loses nothing
    EXPECT_EQ(r[1].out_of_order + r[1].duplicates, 0);
    EXPECT_TRUE(r[0].pools_whole && r[1].pools_whole);
    // Both links' events are in the one trace.
    uint32_t per_link[2] = {0, 0};
    for (const tern_simnet_event &e : trace) {
      ASSERT_LT(e.link, 2u);
      per_link[e.link]++;
    }
    EXPECT_GT(per_link[0], 1000u);
    EXPECT_EQ(per_link[1], 4u * 500);  // sent and delivered, both ways
    // The same seed again: the same trace for the whole net.
    std::vector<Result> again = RunPairs(seed, {lossy, slow}, 500, nullptr);
    EXPECT_EQ(again[0].trace_hash, r[0].trace_hash);
    EXPECT_EQ(again[1].echoes, r[1].echoes);
  }
}

// Sets one environment variable (nullptr: unsets it) for a scope, and puts
// back what was there, so a replay's or a sweep's own settings survive.
class ScopedEnv {
 public:
  ScopedEnv(const char *name, const char *value) : name_(name) {
    const char *old = getenv(name);
    had_ = old != nullptr;
    if (had_)
      old_ = old;
    if (value != nullptr)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_)
      setenv(name_, old_.c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char *name_;
  bool had_ = false;
  std::string old_;
};

TEST(SimnetTesting, SeedBaseShiftsTheSeedsAndReplayNamesTheWholeSeed) {
  ScopedEnv one("TERN_SIM_SEED", nullptr);
  ScopedEnv count("TERN_SIM_SEEDS", "3");
  {
    ScopedEnv base("TERN_SIM_SEED_BASE", nullptr);
    EXPECT_EQ(tern_test::SimSeeds(5), (std::vector<uint64_t>{1, 2, 3}));
  }
  {
    ScopedEnv base("TERN_SIM_SEED_BASE", "100000");
    std::vector<uint64_t> seeds = tern_test::SimSeeds(5);
    EXPECT_EQ(seeds, (std::vector<uint64_t>{100001, 100002, 100003}));
    EXPECT_NE(Replay(seeds[1]).find("--test_env=TERN_SIM_SEED=100002 "),
              std::string::npos)
        << Replay(seeds[1]);
    // The one seed TERN_SIM_SEED names is whole: the base does not move it.
    ScopedEnv replay("TERN_SIM_SEED", "100002");
    EXPECT_EQ(tern_test::SimSeeds(5), (std::vector<uint64_t>{100002}));
  }
}

// The replay names the target that ran (Bazel's TEST_TARGET), not the one
// the source file names: a test built from the same source in another
// target (sim_v4_only_test, IPv4-only; the *_many_test sweeps) replays in
// its own build. Before, it always named the target written in the source.
TEST(SimnetTesting, ReplayNamesTheTargetThatRan) {
  ScopedEnv ran("TEST_TARGET", "//transport/tcp:sim_v4_only_test");
  EXPECT_EQ(Replay(3).rfind("replay: bazel test "
                            "//transport/tcp:sim_v4_only_test "
                            "--test_env=TERN_SIM_SEED=3 ",
                            0),
            0u)
      << Replay(3);
  ScopedEnv none("TEST_TARGET", nullptr);  // outside Bazel: the one given
  EXPECT_EQ(Replay(3).rfind("replay: bazel test "
                            "//platforms/sim:simnet_udp_test ",
                            0),
            0u)
      << Replay(3);
}

// A variable set to something that is not a number fails the test that
// asked for seeds: before, a mistyped replay (TERN_SIM_SEED=12x) or sweep
// (TERN_SIM_SEEDS=3k, TERN_SIM_SEED_BASE=-5) ran the default seeds and
// passed on seeds nobody asked for.
std::vector<uint64_t> g_seeds;

TEST(SimnetTesting, AVariableThatIsNotANumberFails) {
  {
    ScopedEnv replay("TERN_SIM_SEED", "12x");
    EXPECT_NONFATAL_FAILURE(g_seeds = tern_test::SimSeeds(5), "not a seed");
    EXPECT_TRUE(g_seeds.empty());
  }
  {
    ScopedEnv count("TERN_SIM_SEEDS", "3k");
    EXPECT_NONFATAL_FAILURE(g_seeds = tern_test::SimSeeds(2),
                            "not a decimal number");
  }
  {
    ScopedEnv base("TERN_SIM_SEED_BASE", "-5");
    EXPECT_NONFATAL_FAILURE(g_seeds = tern_test::SimSeeds(2),
                            "not a decimal number");
  }
  {
    ScopedEnv count("TERN_SIM_SEEDS", "3");
    ScopedEnv base("TERN_SIM_SEED_BASE", "100");
    EXPECT_EQ(tern_test::SimSeeds(2), (std::vector<uint64_t>{101, 102, 103}));
  }
}

// A sweep that runs no seed, or seeds past 2^64 - 1, is no sweep: with
// TERN_SIM_SEEDS=0 every seeded test ran nothing and passed (before
// branch dc40ae3 it ran the default seeds), and a base near 2^64 wrapped
// to seeds 0, 1, ... that nobody asked for.
TEST(SimnetTesting, ASweepOfNoSeedOrPastTheLastSeedFails) {
  {
    ScopedEnv count("TERN_SIM_SEEDS", "0");
    EXPECT_NONFATAL_FAILURE(g_seeds = tern_test::SimSeeds(2), "no seed");
    EXPECT_TRUE(g_seeds.empty());
  }
  {
    ScopedEnv count("TERN_SIM_SEEDS", "3");
    ScopedEnv base("TERN_SIM_SEED_BASE", "18446744073709551614");
    EXPECT_NONFATAL_FAILURE(g_seeds = tern_test::SimSeeds(2), "past 2^64");
    EXPECT_TRUE(g_seeds.empty());
  }
  {
    ScopedEnv count("TERN_SIM_SEEDS", "1");
    ScopedEnv base("TERN_SIM_SEED_BASE", "18446744073709551614");
    EXPECT_EQ(tern_test::SimSeeds(2), (std::vector<uint64_t>{UINT64_MAX}));
  }
}

// A sweep is capped at a million seeds: TERN_SIM_SEEDS up to 10^8 was
// taken, a vector of 800 MB made before the first seed ran (a typo of a
// few zeros, and the test died out of memory or ran for days).
TEST(SimnetTesting, ASweepPastAMillionSeedsFails) {
  {
    ScopedEnv count("TERN_SIM_SEEDS", "1000001");
    EXPECT_NONFATAL_FAILURE(g_seeds = tern_test::SimSeeds(2), "past 1000000");
    EXPECT_TRUE(g_seeds.empty());
  }
  {
    ScopedEnv count("TERN_SIM_SEEDS", "1000000");
    g_seeds = tern_test::SimSeeds(2);
    ASSERT_EQ(g_seeds.size(), 1000000u);
    EXPECT_EQ(g_seeds.back(), 1000000u);
    g_seeds.clear();
    g_seeds.shrink_to_fit();
  }
}

}  // namespace
