// 10,000 virtual seconds of timers on the sim port: the run loop jumps the
// virtual clock from deadline to deadline, so it takes a small fraction of
// a real second, and the same seed gives the same order of events.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "tern/co.h"
#include "tern/executor.h"
#include "tern/sim.h"
#include "tern/timer.h"

namespace {

constexpr uint32_t kHorizonMs = 10000u * 1000u;
constexpr int kTasks = 8;

struct Event {
  int task;
  tern_time at;
  bool operator==(const Event &o) const {
    return task == o.task && at == o.at;
  }
};

std::vector<Event> *g_events;

struct Ticker {
  tern_task task;
  tern_timer timer;
  tern_co co;
  int id;
};

tern_poll TickerPoll(tern_task *t, tern_cx *cx) {
  Ticker *k = TERN_CONTAINER_OF(t, Ticker, task);
  TERN_CO_BEGIN(&k->co);
  while (tern_time_before(tern_now(), kHorizonMs)) {
    // 1 ms .. 2 s, drawn from the seeded sequence.
    TERN_CO_AWAIT(&k->co,
                  tern_sleep_for(&k->timer, cx, 1 + tern_sim_random() % 2000));
    g_events->push_back({k->id, tern_now()});
  }
  TERN_CO_END(&k->co);
}

struct Root {
  tern_task task;
  Ticker tickers[kTasks];
  tern_future kids[kTasks];
  uint32_t done;
};

tern_poll TickerChild(void *state, tern_cx *cx) {
  return TickerPoll(&static_cast<Ticker *>(state)->task, cx);
}

tern_poll RootPoll(tern_task *t, tern_cx *cx) {
  Root *r = TERN_CONTAINER_OF(t, Root, task);
  return tern_join(r->kids, kTasks, &r->done, cx);
}

std::vector<Event> RunSim(uint64_t seed, tern_executor *ex) {
  std::vector<Event> events;
  g_events = &events;
  tern_sim_seed(seed);
  tern_sim_set_time(0);
  tern_executor_init(ex);
  static Root root;
  root = Root{};
  tern_task_init(&root.task, RootPoll);
  for (int i = 0; i < kTasks; i++) {
    root.tickers[i].id = i;
    root.kids[i] = tern_future{TickerChild, &root.tickers[i]};
  }
  tern_block_on(ex, &root.task);
  return events;
}

TEST(Sim, TenThousandVirtualSecondsDeterministically) {
  tern_executor ex;
  auto start = std::chrono::steady_clock::now();
  std::vector<Event> first = RunSim(42, &ex);
  double real_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_FALSE(tern_time_before(tern_now(), kHorizonMs));
  // About 8 tasks * 10,000 s / 1 s mean sleep = 80,000 events.
  EXPECT_GT(first.size(), 70000u);
  EXPECT_LT(first.size(), 90000u);
  // Events come out in time order: the clock never runs backwards.
  for (size_t i = 1; i < first.size(); i++) {
    ASSERT_FALSE(tern_time_before(first[i].at, first[i - 1].at)) << i;
  }
  // Virtual time jumped: nothing like real sleeping happened. (A generous
  // bound on a noisy machine: 10 real seconds for 10,000 virtual ones.)
  EXPECT_LT(real_s, 10.0);
  std::printf(
      "sim: %zu timer events over 10000 virtual s in %.3f real s, "
      "%u sleeps in the port\n",
      first.size(), real_s, (unsigned)ex.sleeps);
  RecordProperty("real_ms", (int)(real_s * 1000));

  std::vector<Event> again = RunSim(42, &ex);
  EXPECT_TRUE(first == again) << "same seed, different order of events";
  std::vector<Event> other = RunSim(7, &ex);
  EXPECT_FALSE(first == other) << "the seed made no difference";
}

}  // namespace
