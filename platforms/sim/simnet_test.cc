// The simulated network's links, polled by hand on the sim port's virtual
// clock: each fault alone at probability 0 or 1 (so what happens is known),
// delay and bandwidth timing, the trace, the seed plumbing; and the netdev
// contract suite against a perfect link.
#include "tern/simnet.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "executor/io/netdev_contract.h"
#include "executor/test_waker.h"
#include "tern/err.h"
#include "tern/sim.h"

namespace {

using tern_test::CountingWaker;
using Bytes = std::vector<uint8_t>;

TEST(SimRng, SplitmixReferenceValues) {
  // splitmix64 from seed 0, as published with the algorithm (and checked
  // against a separate Python version when this was written).
  tern_simrng r;
  tern_simrng_seed(&r, 0);
  EXPECT_EQ(tern_simrng_next(&r), 0xe220a8397b1dcdafu);
  EXPECT_EQ(tern_simrng_next(&r), 0x6e789e6aa1b965f4u);
  EXPECT_EQ(tern_simrng_next(&r), 0x06c45d188009454fu);
}

TEST(SimRng, ChanceFollowsItsProbability) {
  tern_simrng r;
  tern_simrng_seed(&r, 42);
  for (uint32_t ppm : {0u, 10000u, 100000u, 300000u, 1000000u}) {
    int hits = 0;
    const int n = 1000000;
    for (int i = 0; i < n; i++)
      hits += tern_simrng_chance(&r, ppm);
    // Within 5 standard deviations of the binomial (at most 2,292).
    double p = ppm / 1e6;
    EXPECT_NEAR(hits, (double)ppm, 5 * std::sqrt(n * p * (1 - p)) + 1e-9)
        << ppm;
  }
  for (int i = 0; i < 1000; i++) {
    EXPECT_LT(tern_simrng_below(&r, 7), 7u);
  }
  EXPECT_EQ(tern_simrng_below(&r, 0), 0u);
}

// A link between two ends, each polled with a waker of its own.
class LinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tern_sim_set_time(1000);
    tern_simnet_init(&net_, 1, record_, 64);
    cfg_ = TERN_SIMLINK_CONFIG_DEFAULT;
  }
  void TearDown() override {
    tern_simlink_close(&link_);
    EXPECT_EQ(tern_pkt_pool_available(pool_.get()), 16u);
  }
  void Start() {
    ASSERT_EQ(tern_simlink_init(&link_, &net_, &cfg_), 0);
    a_ = tern_simlink_a(&link_);
    b_ = tern_simlink_b(&link_);
  }
  // A sends len bytes of a pattern starting at tag.
  int Send(size_t len, uint8_t tag) {
    tern_pkt *p = tern_pkt_pool_try_alloc(pool_.get());
    EXPECT_NE(p, nullptr);
    uint8_t *d = tern_pkt_put(p, len);
    for (size_t i = 0; i < len; i++)
      d[i] = (uint8_t)(tag + i);
    tern_cx cx = sender_.Cx();
    int err = 1;
    EXPECT_EQ(tern_netdev_poll_send(&a_, &cx, p, &err), TERN_READY);
    return err;
  }
  // B's next packet, if one has arrived by now.
  bool Recv(Bytes *out) {
    tern_cx cx = receiver_.Cx();
    tern_pkt *p = nullptr;
    int err = 1;
    if (tern_netdev_poll_recv(&b_, &cx, &p, &err) == TERN_PENDING) {
      return false;
    }
    EXPECT_EQ(err, 0);
    out->assign(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    tern_pkt_free(p);
    return true;
  }
  static Bytes Pattern(size_t len, uint8_t tag) {
    Bytes b;
    for (size_t i = 0; i < len; i++)
      b.push_back((uint8_t)(tag + i));
    return b;
  }

  tern_test::TestPool pool_{16, 256};
  tern_simnet_event record_[64];
  tern_simnet net_;
  tern_simlink_config cfg_;
  tern_simlink link_;
  tern_netdev a_, b_;
  CountingWaker sender_, receiver_;
};

TEST_F(LinkTest, PerfectLinkDeliversInOrderAtOnce) {
  Start();
  tern_netdev_info info = tern_netdev_get_info(&a_);
  EXPECT_EQ(info.medium, TERN_MEDIUM_IP);
  EXPECT_EQ(info.mtu, 1500);
  EXPECT_TRUE(info.flags & TERN_NETDEV_UP);
  Bytes got;
  EXPECT_FALSE(Recv(&got));  // nothing yet: the waker is kept
  for (uint8_t i = 0; i < 5; i++)
    EXPECT_EQ(Send(20 + i, i), 0);
  EXPECT_GT(receiver_.Take(), 0);
  for (uint8_t i = 0; i < 5; i++) {
    ASSERT_TRUE(Recv(&got));
    EXPECT_EQ(got, Pattern(20 + i, i));
  }
  EXPECT_FALSE(Recv(&got));
  const tern_simlink_stats *s = tern_simlink_get_stats(&link_, 0);
  EXPECT_EQ(s->sent, 5u);
  EXPECT_EQ(s->delivered, 5u);
  EXPECT_EQ(s->lost + s->corrupted + s->duplicated + s->reordered, 0u);
  EXPECT_EQ(tern_netdev_get_stats(&b_)->rx_packets, 5u);
  EXPECT_EQ(tern_netdev_get_stats(&a_)->tx_packets, 5u);
}

TEST_F(LinkTest, DelayHoldsAPacketUntilItsArrival) {
  cfg_.delay_ms = 10;
  Start();
  ASSERT_EQ(Send(40, 0), 0);
  Bytes got;
  EXPECT_FALSE(Recv(&got));
  tern_time deadline;
  ASSERT_TRUE(tern_timer_queue_next(&receiver_.timers, &deadline));
  EXPECT_EQ(deadline, 1010u);
  EXPECT_EQ(receiver_.FireTimers(1009), 0u);
  tern_sim_set_time(1009);
  EXPECT_FALSE(Recv(&got));
  tern_sim_set_time(1010);
  EXPECT_EQ(receiver_.FireTimers(1010), 1u);
  EXPECT_GT(receiver_.Take(), 0);
  ASSERT_TRUE(Recv(&got));
  EXPECT_EQ(got, Pattern(40, 0));
}

// The net counts virtual time since its init in 64 bits: past the 32-bit
// clock's wrap (49.7 days after init) a delay is still a delay. Before,
// the elapsed time was cut to 32 bits, so the direction's "busy until"
// from before the wrap lay far ahead of the wrapped "now" and every
// packet sent afterwards was held some 24 days instead of 10 ms.
TEST_F(LinkTest, DelayHoldsPastTheClocksWrapSinceInit) {
  cfg_.delay_ms = 10;
  Start();
  Bytes got;
  const tern_time t0 = 1000;
  for (uint64_t at : {0ull, 0x80000000ull, 0x100000000ull + 100}) {
    tern_time now = (tern_time)(t0 + at);
    tern_sim_set_time(now);
    ASSERT_EQ(Send(40, (uint8_t)at), 0);
    tern_sim_set_time(now + 9);
    EXPECT_FALSE(Recv(&got)) << at;
    tern_sim_set_time(now + 10);
    ASSERT_TRUE(Recv(&got)) << at;
    EXPECT_EQ(got, Pattern(40, (uint8_t)at));
  }
}

// TERN_SIMLINK_MAX_DELAY_MS bounds a config's delays, not the bandwidth's
// queue: on a slow link every packet sent, lost ones too (they occupy
// the wire but no in-flight slot), pushes the next one's departure back,
// without bound. An arrival 2^31 ms or more ahead read as already passed
// on the wrapping clock, so the packet was delivered at once, some 26
// days early. The receiver now sleeps 2^30 ms at most and looks again.
TEST_F(LinkTest, AnArrivalPastTheClocksHalfRangeIsNotEarly) {
  cfg_.bits_per_second = 1;  // 200 bytes: 1,600 s on the wire
  cfg_.loss_ppm = 1000000;
  Start();
  const tern_time t0 = 1000;
  for (int i = 0; i < 1400; i++) {
    ASSERT_EQ(Send(200, 0), 0);
  }
  tern_simlink_config keep = cfg_;
  keep.loss_ppm = 0;
  ASSERT_EQ(tern_simlink_configure(&link_, 0, &keep), 0);
  ASSERT_EQ(Send(200, 7), 0);
  const uint32_t arrival = 1401u * 1600000u;  // ms after t0, past 2^31
  Bytes got;
  EXPECT_FALSE(Recv(&got)) << "delivered at once, 2,241,600 s early";
  for (uint32_t at : {0x40000000u, 0x80000000u, arrival - 1}) {
    tern_sim_set_time(t0 + at);
    EXPECT_FALSE(Recv(&got)) << at;
  }
  tern_sim_set_time(t0 + arrival);
  ASSERT_TRUE(Recv(&got));
  EXPECT_EQ(got, Pattern(200, 7));
}

TEST_F(LinkTest, BandwidthSpacesThePackets) {
  cfg_.bits_per_second = 1000000;  // 125 bytes per ms
  Start();
  for (uint8_t i = 0; i < 4; i++)
    ASSERT_EQ(Send(125, i), 0);
  Bytes got;
  for (uint32_t ms = 1; ms <= 4; ms++) {
    tern_sim_set_time(1000 + ms - 1);
    EXPECT_FALSE(Recv(&got)) << ms;
    tern_sim_set_time(1000 + ms);
    ASSERT_TRUE(Recv(&got)) << ms;
    EXPECT_EQ(got, Pattern(125, (uint8_t)(ms - 1)));
  }
  // An idle link starts the next packet when it is sent, not back then.
  tern_sim_set_time(2000);
  ASSERT_EQ(Send(250, 9), 0);
  tern_sim_set_time(2001);
  EXPECT_FALSE(Recv(&got));
  tern_sim_set_time(2002);
  EXPECT_TRUE(Recv(&got));
}

TEST_F(LinkTest, AFullDirectionDropsTheTail) {
  cfg_.queue_limit = 3;
  cfg_.delay_ms = 5;
  Start();
  for (uint8_t i = 0; i < 5; i++)
    EXPECT_EQ(Send(30, i), 0);  // the device never refuses for room
  EXPECT_EQ(tern_simlink_in_flight(&link_, 0), 3u);
  EXPECT_EQ(tern_simlink_get_stats(&link_, 0)->queue_dropped, 2u);
  tern_sim_set_time(1005);
  Bytes got;
  for (uint8_t i = 0; i < 3; i++) {
    ASSERT_TRUE(Recv(&got));
    EXPECT_EQ(got, Pattern(30, i));
  }
  EXPECT_FALSE(Recv(&got));
  EXPECT_EQ(tern_pkt_pool_available(pool_.get()), 16u);
}

TEST_F(LinkTest, EveryPacketLost) {
  cfg_.loss_ppm = 1000000;
  Start();
  for (uint8_t i = 0; i < 6; i++)
    EXPECT_EQ(Send(30, i), 0);
  Bytes got;
  EXPECT_FALSE(Recv(&got));
  EXPECT_EQ(tern_simlink_get_stats(&link_, 0)->lost, 6u);
  EXPECT_EQ(tern_pkt_pool_available(pool_.get()), 16u);
}

TEST_F(LinkTest, CorruptionFlipsExactlyOneBit) {
  cfg_.corrupt_ppm = 1000000;
  Start();
  for (uint8_t i = 0; i < 20; i++) {
    ASSERT_EQ(Send(64, i), 0);
    Bytes got;
    ASSERT_TRUE(Recv(&got));
    Bytes want = Pattern(64, i);
    ASSERT_EQ(got.size(), want.size());
    int bits = 0;
    for (size_t k = 0; k < got.size(); k++)
      bits += __builtin_popcount(got[k] ^ want[k]);
    EXPECT_EQ(bits, 1) << (int)i;
  }
  EXPECT_EQ(tern_simlink_get_stats(&link_, 0)->corrupted, 20u);
}

TEST_F(LinkTest, DuplicationDeliversTwoCopies) {
  cfg_.duplicate_ppm = 1000000;
  Start();
  ASSERT_EQ(Send(50, 3), 0);
  EXPECT_EQ(tern_pkt_pool_available(pool_.get()), 14u);  // the copy's
  Bytes got;
  for (int k = 0; k < 2; k++) {
    ASSERT_TRUE(Recv(&got)) << k;
    EXPECT_EQ(got, Pattern(50, 3));
  }
  EXPECT_FALSE(Recv(&got));
  const tern_simlink_stats *s = tern_simlink_get_stats(&link_, 0);
  EXPECT_EQ(s->duplicated, 1u);
  EXPECT_EQ(s->delivered, 2u);
}

TEST_F(LinkTest, NoCopyWithoutABuffer) {
  cfg_.duplicate_ppm = 1000000;
  Start();
  std::vector<tern_pkt *> held;
  while (tern_pkt_pool_available(pool_.get()) > 1)
    held.push_back(tern_pkt_pool_try_alloc(pool_.get()));
  ASSERT_EQ(Send(50, 3), 0);
  Bytes got;
  EXPECT_TRUE(Recv(&got));
  EXPECT_FALSE(Recv(&got));
  EXPECT_EQ(tern_simlink_get_stats(&link_, 0)->dup_no_buffer, 1u);
  for (tern_pkt *p : held)
    tern_pkt_free(p);
}

TEST_F(LinkTest, AReorderedPacketIsOvertaken) {
  cfg_.reorder_ppm = 1000000;
  cfg_.reorder_ms = 5;
  Start();
  ASSERT_EQ(Send(30, 1), 0);
  tern_simlink_config plain = TERN_SIMLINK_CONFIG_DEFAULT;
  ASSERT_EQ(tern_simlink_configure(&link_, 0, &plain), 0);
  ASSERT_EQ(Send(30, 2), 0);
  Bytes got;
  ASSERT_TRUE(Recv(&got));
  EXPECT_EQ(got, Pattern(30, 2));
  EXPECT_FALSE(Recv(&got));
  tern_sim_set_time(1005);
  ASSERT_TRUE(Recv(&got));
  EXPECT_EQ(got, Pattern(30, 1));
  EXPECT_EQ(tern_simlink_get_stats(&link_, 0)->reordered, 1u);
}

TEST_F(LinkTest, TooLongOrShortOfHeadroomIsRefused) {
  cfg_.mtu = 100;
  cfg_.headroom = 8;
  Start();
  tern_pkt *p = tern_pkt_pool_try_alloc(pool_.get());
  tern_pkt_reserve(p, 8);
  tern_pkt_put(p, 101);
  tern_cx cx = sender_.Cx();
  int err = 0;
  EXPECT_EQ(tern_netdev_poll_send(&a_, &cx, p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_EMSGSIZE);
  p = tern_pkt_pool_try_alloc(pool_.get());
  tern_pkt_reserve(p, 7);
  tern_pkt_put(p, 10);
  EXPECT_EQ(tern_netdev_poll_send(&a_, &cx, p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ENOSPC);
  EXPECT_EQ(tern_simlink_get_stats(&link_, 0)->oversize, 2u);
  EXPECT_EQ(tern_simlink_get_stats(&link_, 0)->sent, 0u);
  EXPECT_EQ(tern_pkt_pool_available(pool_.get()), 16u);
}

TEST_F(LinkTest, CloseFreesWhatIsInFlightAndWakes) {
  cfg_.delay_ms = 50;
  Start();
  for (uint8_t i = 0; i < 4; i++)
    ASSERT_EQ(Send(30, i), 0);
  Bytes got;
  EXPECT_FALSE(Recv(&got));
  receiver_.Take();
  tern_simlink_close(&link_);
  EXPECT_GT(receiver_.Take(), 0);
  EXPECT_EQ(tern_pkt_pool_available(pool_.get()), 16u);
  EXPECT_FALSE(receiver_.FireTimers(2000));  // the timer was cancelled
  tern_cx cx = receiver_.Cx();
  tern_pkt *p = nullptr;
  int err = 0;
  EXPECT_EQ(tern_netdev_poll_recv(&b_, &cx, &p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
  EXPECT_EQ(Send(30, 0), TERN_ECLOSED);
  EXPECT_FALSE(tern_netdev_get_info(&a_).flags & TERN_NETDEV_UP);
}

TEST_F(LinkTest, TheTraceRecordsEachEvent) {
  cfg_.duplicate_ppm = 1000000;
  Start();
  ASSERT_EQ(Send(30, 0), 0);
  Bytes got;
  ASSERT_TRUE(Recv(&got));
  ASSERT_TRUE(Recv(&got));
  ASSERT_EQ(net_.events, 4u);
  const uint8_t kinds[] = {TERN_SIMNET_SENT, TERN_SIMNET_DUPLICATED,
                           TERN_SIMNET_DELIVERED, TERN_SIMNET_DELIVERED};
  for (int i = 0; i < 4; i++) {
    EXPECT_EQ(record_[i].kind, kinds[i]) << i;
    EXPECT_EQ(record_[i].len, 30u);
    EXPECT_EQ(record_[i].time, 1000u);
    EXPECT_EQ(record_[i].dir, 0u);
    EXPECT_EQ(record_[i].link, 0u);
    EXPECT_EQ(record_[i].digest, record_[0].digest);  // the same bytes
  }
}

TEST_F(LinkTest, BadConfigurations) {
  cfg_.queue_limit = TERN_SIMLINK_MAX_INFLIGHT + 1;
  tern_simlink scratch;
  EXPECT_EQ(tern_simlink_init(&scratch, &net_, &cfg_), TERN_EINVAL);
  cfg_.queue_limit = 0;
  Start();
  tern_simlink_config bad = cfg_;
  bad.queue_limit = 65;
  EXPECT_EQ(tern_simlink_configure(&link_, 0, &bad), TERN_EINVAL);
  EXPECT_EQ(tern_simlink_configure(&link_, 2, &cfg_), TERN_EINVAL);
}

// A packet's delay (delay, jitter and reordering together) is at most
// TERN_SIMLINK_MAX_DELAY_MS. Before, any was taken: a jitter over 4,294,967
// ms wrapped its draw (jitter_ms * 1000 in 32 bits) to a shorter one, and
// a delay of 2^31 ms or more put the arrival "before" now on the wrapping
// clock, so the packet was delivered at once.
TEST_F(LinkTest, DelaysPastTheLimitAreRefused) {
  Start();
  tern_simlink_config ok = cfg_;
  ok.delay_ms = TERN_SIMLINK_MAX_DELAY_MS / 2;
  ok.jitter_ms = TERN_SIMLINK_MAX_DELAY_MS / 4;
  ok.reorder_ms = TERN_SIMLINK_MAX_DELAY_MS / 4;
  EXPECT_EQ(tern_simlink_configure(&link_, 0, &ok), 0);
  for (int field = 0; field < 3; field++) {
    tern_simlink_config bad = ok;
    uint32_t *f = field == 0   ? &bad.delay_ms
                  : field == 1 ? &bad.jitter_ms
                               : &bad.reorder_ms;
    *f += 1;
    EXPECT_EQ(tern_simlink_configure(&link_, 1, &bad), TERN_EINVAL) << field;
    tern_simlink scratch;
    EXPECT_EQ(tern_simlink_init(&scratch, &net_, &bad), TERN_EINVAL) << field;
  }
  // Each alone far past the limit (sums that wrap 32 bits included).
  for (uint32_t big : {5000000u, 0x80000000u, 0xffffffffu}) {
    tern_simlink_config bad = cfg_;
    bad.jitter_ms = big;
    EXPECT_EQ(tern_simlink_configure(&link_, 0, &bad), TERN_EINVAL) << big;
    bad = cfg_;
    bad.delay_ms = big;
    bad.reorder_ms = big;
    EXPECT_EQ(tern_simlink_configure(&link_, 0, &bad), TERN_EINVAL) << big;
  }
}

TEST(SimnetSeed, FromTheEnvironmentAndTheReplayCommand) {
  unsetenv("TERN_SIM_SEED");
  bool env = true;
  EXPECT_EQ(tern_simnet_seed_from_env(7, &env), 7u);
  EXPECT_FALSE(env);
  setenv("TERN_SIM_SEED", "0x10", 1);
  EXPECT_EQ(tern_simnet_seed_from_env(7, &env), 16u);
  EXPECT_TRUE(env);
  setenv("TERN_SIM_SEED", "12345678901234", 1);
  EXPECT_EQ(tern_simnet_seed_from_env(7, nullptr), 12345678901234u);
  setenv("TERN_SIM_SEED", "12x", 1);
  EXPECT_EQ(tern_simnet_seed_from_env(7, &env), 7u);
  EXPECT_FALSE(env);
  // Decimal means decimal: a leading zero is not octal (strtoull's base 0
  // made "010" seed 8 and refused "08"). No sign, no white space, nothing
  // past 2^64 - 1 (strtoull took "-1" as 2^64 - 1 and clamped overflow).
  setenv("TERN_SIM_SEED", "010", 1);
  EXPECT_EQ(tern_simnet_seed_from_env(7, &env), 10u);
  EXPECT_TRUE(env);
  setenv("TERN_SIM_SEED", "08", 1);
  EXPECT_EQ(tern_simnet_seed_from_env(7, &env), 8u);
  EXPECT_TRUE(env);
  setenv("TERN_SIM_SEED", "0X1f", 1);
  EXPECT_EQ(tern_simnet_seed_from_env(7, &env), 31u);
  setenv("TERN_SIM_SEED", "18446744073709551615", 1);
  EXPECT_EQ(tern_simnet_seed_from_env(7, &env), UINT64_MAX);
  EXPECT_TRUE(env);
  for (const char *bad : {"-1", "+5", " 5", "18446744073709551616", "0x",
                          "0x10000000000000000", "0x-1"}) {
    setenv("TERN_SIM_SEED", bad, 1);
    env = true;
    EXPECT_EQ(tern_simnet_seed_from_env(7, &env), 7u) << bad;
    EXPECT_FALSE(env) << bad;
  }
  unsetenv("TERN_SIM_SEED");
  char buf[160];
  EXPECT_STREQ(tern_simnet_replay_command(buf, sizeof buf, "//a:b", "S.T", 9),
               "bazel test //a:b --test_env=TERN_SIM_SEED=9 --test_filter=S.T");
  EXPECT_STREQ(tern_simnet_replay_command(buf, sizeof buf, "//a:b", nullptr, 9),
               "bazel test //a:b --test_env=TERN_SIM_SEED=9");
  EXPECT_STREQ(tern_simnet_replay_command(buf, 11, "//a:b", nullptr, 9),
               "bazel test");
}

// The netdev contract against end A of a perfect link, end B the far side.
class SimlinkFixture : public tern_test::NetdevFixture {
 public:
  SimlinkFixture() {
    tern_simnet_init(&net_, 5, nullptr, 0);
    tern_simlink_config cfg = TERN_SIMLINK_CONFIG_DEFAULT;
    tern_simlink_init(&link_, &net_, &cfg);
    b_ = tern_simlink_b(&link_);
  }
  tern_netdev Device() override {
    return tern_simlink_a(&link_);
  }
  tern_pkt_pool *TxPool() override {
    return tx_.get();
  }
  std::vector<tern_pkt_pool *> Pools() override {
    return {peer_.get()};
  }
  void Release() override {
    tern_simlink_close(&link_);
  }
  bool Inject(const tern_test::Packet &pkt) override {
    tern_pkt *p = tern_pkt_pool_try_alloc(peer_.get());
    if (p == nullptr) {
      return false;
    }
    memcpy(tern_pkt_put(p, pkt.size()), pkt.data(), pkt.size());
    tern_cx cx = waker_.Cx();
    int err;
    return tern_netdev_poll_send(&b_, &cx, p, &err) == TERN_READY && err == 0;
  }
  bool PeerRecv(tern_test::Packet *out) override {
    tern_cx cx = waker_.Cx();
    tern_pkt *p;
    int err;
    if (tern_netdev_poll_recv(&b_, &cx, &p, &err) == TERN_PENDING || err != 0) {
      return false;
    }
    out->assign(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    tern_pkt_free(p);
    return true;
  }

 private:
  tern_simnet net_;
  tern_simlink link_;
  tern_netdev b_;
  tern_test::TestPool tx_{16, 1600};
  tern_test::TestPool peer_{16, 1600};
  CountingWaker waker_;
};

INSTANTIATE_TEST_SUITE_P(
    Simlink, NetdevContract,
    ::testing::Values(tern_test::MakeNetdevParam<SimlinkFixture>("simlink")),
    tern_test::NetdevParamName);

}  // namespace
