#include <gtest/gtest.h>

#include <vector>

#include "executor/sync/sync_testing.h"
#include "tern/pkt.h"

namespace {
using tern_test::CountingWaker;

// The packet pool's free and its hand-over to waiters (tern/pkt.h), with
// a simulated interrupt after every critical-section exit inside
// tern_pkt_free. It lives here for sync_testing's hook on the port's
// critical section.
//
// Two packets, both out, and two waiters queued; free one, with the
// "interrupt" after the k-th exit doing `op` (take a packet with
// try_alloc or try_alloc_tx, free the other packet, cancel the first
// waiter, or alloc for a third). Then settle: poll the woken waiters and
// free what anyone took. Every waiter is served in the end, every packet
// comes back, and no promise is left over.
void RunCase(int k, int op) {
  std::vector<uint64_t> st(TERN_PKT_POOL_STORAGE_SIZE(2, 16) / 8 + 1);
  tern_pkt_pool pool;
  ASSERT_EQ(tern_pkt_pool_init(&pool, st.data(),
                               TERN_PKT_POOL_STORAGE_SIZE(2, 16), 16),
            2);
  tern_pkt *h1 = tern_pkt_pool_try_alloc(&pool);
  tern_pkt *h2 = tern_pkt_pool_try_alloc(&pool);
  CountingWaker c[3];
  tern_waiter w[3] = {TERN_WAITER_INIT, TERN_WAITER_INIT, TERN_WAITER_INIT};
  tern_pkt *got[3] = {nullptr, nullptr, nullptr};
  bool active[3] = {true, true, false};
  for (int i = 0; i < 2; i++) {
    tern_cx cx = c[i].cx();
    ASSERT_EQ(tern_pkt_pool_poll_alloc(&pool, &cx, &w[i], &got[i]),
              TERN_PENDING);
  }
  tern_pkt *isr_took = nullptr;
  tern_test::InterruptAfterExits(k, [&] {
    switch (op) {
      case 0: isr_took = tern_pkt_pool_try_alloc(&pool); break;
      case 1:
        tern_pkt_free(h2);
        h2 = nullptr;
        break;
      case 2:
        tern_pkt_pool_cancel_alloc(&pool, &w[0]);
        active[0] = false;
        break;
      case 3: isr_took = tern_pkt_pool_try_alloc_tx(&pool); break;
      case 4: {
        tern_cx cx = c[2].cx();
        active[2] = true;
        if (tern_pkt_pool_poll_alloc(&pool, &cx, &w[2], &got[2]) ==
            TERN_READY) {
          active[2] = false;
          isr_took = got[2];
        }
        break;
      }
    }
  });
  tern_pkt_free(h1);
  tern_test::DisarmInterrupt();
  for (int round = 0; round < 10; round++) {
    if (isr_took) {
      tern_pkt_free(isr_took);
      isr_took = nullptr;
    }
    if (h2 && round == 2) {
      tern_pkt_free(h2);
      h2 = nullptr;
    }
    for (int i = 0; i < 3; i++) {
      if (active[i] && c[i].wakes > 0) {
        c[i].wakes = 0;
        tern_cx cx = c[i].cx();
        if (tern_pkt_pool_poll_alloc(&pool, &cx, &w[i], &got[i]) ==
            TERN_READY) {
          active[i] = false;
          tern_pkt_free(got[i]);
        }
      }
    }
  }
  for (int i = 0; i < 3; i++) {
    EXPECT_FALSE(active[i])
        << "k=" << k << " op=" << op << " waiter " << i << " never served";
  }
  EXPECT_EQ(tern_pkt_pool_available(&pool), 2u) << "k=" << k << " op=" << op;
  EXPECT_EQ(pool.reserved, 0u) << "k=" << k << " op=" << op;
}

TEST(PktPool, NoWaiterLostWhateverInterruptsAFree) {
  for (int op = 0; op < 5; op++) {
    for (int k = 1; k < 12; k++) {
      RunCase(k, op);
    }
  }
}
}  // namespace
