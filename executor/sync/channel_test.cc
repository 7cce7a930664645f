#include "tern/channel.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "sync_testing.h"

namespace {

using tern_test::CountingWaker;

// A 12-byte element, so copies are checked beyond one word.
struct Msg {
  uint32_t from;
  uint32_t seq;
  uint32_t check;
};

Msg MakeMsg(uint32_t from, uint32_t seq) {
  return Msg{from, seq, from * 1000003u ^ seq};
}

// A task using the channel: its waker, context and queue node.
struct Party {
  CountingWaker w;
  tern_cx cx = w.cx();
  tern_waiter waiter = TERN_WAITER_INIT;
  int result = 1;
  tern_poll Send(tern_channel *ch, const Msg &m) {
    return tern_channel_poll_send(ch, &cx, &waiter, &m, &result);
  }
  tern_poll Recv(tern_channel *ch, Msg *out) {
    return tern_channel_poll_recv(ch, &cx, &waiter, out, &result);
  }
};

// Storage with guard bytes either side, to see that the ring stays inside.
struct Storage {
  uint8_t before[16];
  Msg slots[3];
  uint8_t after[16];
  Storage() {
    memset(this, 0xa5, sizeof *this);
  }
  bool GuardsIntact() const {
    for (size_t i = 0; i < sizeof before; i++) {
      if (before[i] != 0xa5 || after[i] != 0xa5)
        return false;
    }
    return true;
  }
};

TEST(Channel, InitRejectsBadArguments) {
  tern_channel ch;
  Msg slots[2];
  EXPECT_EQ(tern_channel_init(nullptr, slots, sizeof slots, sizeof(Msg)),
            TERN_EINVAL);
  EXPECT_EQ(tern_channel_init(&ch, nullptr, sizeof slots, sizeof(Msg)),
            TERN_EINVAL);
  EXPECT_EQ(tern_channel_init(&ch, slots, sizeof slots, 0), TERN_EINVAL);
  EXPECT_EQ(tern_channel_init(&ch, slots, 0, sizeof(Msg)), TERN_EINVAL);
  // Room for less than one element is zero capacity.
  EXPECT_EQ(tern_channel_init(&ch, slots, sizeof(Msg) - 1, sizeof(Msg)),
            TERN_EINVAL);
  EXPECT_EQ(tern_channel_init(&ch, slots, sizeof slots, sizeof(Msg)), 0);
  EXPECT_EQ(tern_channel_capacity(&ch), 2u);
  // A remainder is not used.
  EXPECT_EQ(tern_channel_init(&ch, slots, sizeof slots - 1, sizeof(Msg)), 0);
  EXPECT_EQ(tern_channel_capacity(&ch), 1u);
}

TEST(Channel, ElementsComeOutInOrder) {
  Storage st;
  tern_channel ch;
  ASSERT_EQ(tern_channel_init(&ch, st.slots, sizeof st.slots, sizeof(Msg)), 0);
  Party p;
  for (uint32_t i = 0; i < 3; i++) {
    ASSERT_EQ(p.Send(&ch, MakeMsg(1, i)), TERN_READY);
    EXPECT_EQ(p.result, 0);
  }
  EXPECT_EQ(tern_channel_len(&ch), 3u);
  for (uint32_t i = 0; i < 3; i++) {
    Msg m{};
    ASSERT_EQ(p.Recv(&ch, &m), TERN_READY);
    EXPECT_EQ(p.result, 0);
    EXPECT_EQ(m.seq, i);
    EXPECT_EQ(m.check, MakeMsg(1, i).check);
  }
  EXPECT_EQ(tern_channel_len(&ch), 0u);
  EXPECT_EQ(p.w.wakes, 0);
  EXPECT_TRUE(st.GuardsIntact());
}

// Every fill level at every ring position: the ring wraps many times and
// order and bytes survive, with nothing written outside the storage.
TEST(Channel, RingWrapsAround) {
  Storage st;
  tern_channel ch;
  ASSERT_EQ(tern_channel_init(&ch, st.slots, sizeof st.slots, sizeof(Msg)), 0);
  uint32_t sent = 0, received = 0;
  for (int round = 0; round < 50; round++) {
    size_t burst = 1 + (size_t)round % 3;
    for (size_t i = 0; i < burst; i++) {
      Msg m = MakeMsg(2, sent++);
      ASSERT_EQ(tern_channel_try_send(&ch, &m), 0);
    }
    Msg extra = MakeMsg(2, 999);
    if (burst == 3) {
      EXPECT_EQ(tern_channel_try_send(&ch, &extra), TERN_EAGAIN);
    }
    for (size_t i = 0; i < burst; i++) {
      Msg m{};
      ASSERT_EQ(tern_channel_try_recv(&ch, &m), 0);
      EXPECT_EQ(m.seq, received);
      EXPECT_EQ(m.check, MakeMsg(2, received).check);
      received++;
    }
    Msg none{};
    EXPECT_EQ(tern_channel_try_recv(&ch, &none), TERN_EAGAIN);
  }
  EXPECT_EQ(received, sent);
  EXPECT_TRUE(st.GuardsIntact());
}

// A full channel makes senders wait; each receive wakes exactly one, the
// longest waiting.
TEST(Channel, FullChannelPushesBack) {
  Msg slots[2];
  tern_channel ch;
  ASSERT_EQ(tern_channel_init(&ch, slots, sizeof slots, sizeof(Msg)), 0);
  Party s[3], r;
  ASSERT_EQ(s[0].Send(&ch, MakeMsg(0, 0)), TERN_READY);
  ASSERT_EQ(s[0].Send(&ch, MakeMsg(0, 1)), TERN_READY);
  for (uint32_t i = 0; i < 3; i++) {
    EXPECT_EQ(s[i].Send(&ch, MakeMsg(i, 10)), TERN_PENDING);
  }
  EXPECT_EQ(s[0].Send(&ch, MakeMsg(0, 10)), TERN_PENDING);  // re-poll
  Msg m{};
  ASSERT_EQ(r.Recv(&ch, &m), TERN_READY);
  EXPECT_EQ(m.seq, 0u);
  EXPECT_EQ(s[0].w.wakes, 1);
  EXPECT_EQ(s[1].w.wakes, 0);
  EXPECT_EQ(s[2].w.wakes, 0);
  // A woken sender that has not run yet holds no slot: a second receive
  // wakes the next one.
  ASSERT_EQ(r.Recv(&ch, &m), TERN_READY);
  EXPECT_EQ(m.seq, 1u);
  EXPECT_EQ(s[1].w.wakes, 1);
  EXPECT_EQ(s[2].w.wakes, 0);
  EXPECT_EQ(s[0].Send(&ch, MakeMsg(0, 10)), TERN_READY);
  EXPECT_EQ(s[1].Send(&ch, MakeMsg(1, 10)), TERN_READY);
  EXPECT_EQ(s[2].Send(&ch, MakeMsg(2, 10)), TERN_PENDING);
  ASSERT_EQ(r.Recv(&ch, &m), TERN_READY);
  EXPECT_EQ(m.from, 0u);
  EXPECT_EQ(s[2].w.wakes, 1);
  EXPECT_EQ(s[2].Send(&ch, MakeMsg(2, 10)), TERN_READY);
  for (uint32_t from : {1u, 2u}) {
    ASSERT_EQ(r.Recv(&ch, &m), TERN_READY);
    EXPECT_EQ(m.from, from);
  }
  EXPECT_EQ(r.w.wakes, 0);
  EXPECT_EQ(s[0].w.wakes + s[1].w.wakes + s[2].w.wakes, 3);
}

// An empty channel makes receivers wait; each element wakes one.
TEST(Channel, EmptyChannelMakesReceiversWait) {
  Msg slots[4];
  tern_channel ch;
  ASSERT_EQ(tern_channel_init(&ch, slots, sizeof slots, sizeof(Msg)), 0);
  Party r[2];
  Msg m0{}, m1{};
  EXPECT_EQ(r[0].Recv(&ch, &m0), TERN_PENDING);
  EXPECT_EQ(r[1].Recv(&ch, &m1), TERN_PENDING);
  Msg in = MakeMsg(5, 1);
  ASSERT_EQ(tern_channel_try_send(&ch, &in), 0);
  EXPECT_EQ(r[0].w.wakes, 1);
  EXPECT_EQ(r[1].w.wakes, 0);
  ASSERT_EQ(r[0].Recv(&ch, &m0), TERN_READY);
  EXPECT_EQ(m0.seq, 1u);
  EXPECT_EQ(r[1].Recv(&ch, &m1), TERN_PENDING);
  EXPECT_EQ(r[1].w.wakes, 0);
}

// A woken sender that gives up passes its wake to the next sender.
TEST(Channel, CancelledWakeIsPassedOn) {
  Msg slots[1];
  tern_channel ch;
  ASSERT_EQ(tern_channel_init(&ch, slots, sizeof slots, sizeof(Msg)), 0);
  Party s[3], r;
  ASSERT_EQ(s[0].Send(&ch, MakeMsg(0, 0)), TERN_READY);
  ASSERT_EQ(s[1].Send(&ch, MakeMsg(1, 0)), TERN_PENDING);
  ASSERT_EQ(s[2].Send(&ch, MakeMsg(2, 0)), TERN_PENDING);
  Msg m{};
  ASSERT_EQ(r.Recv(&ch, &m), TERN_READY);
  ASSERT_EQ(s[1].w.wakes, 1);
  tern_channel_cancel_send(&ch, &s[1].waiter);
  EXPECT_EQ(s[2].w.wakes, 1);
  EXPECT_EQ(s[2].Send(&ch, MakeMsg(2, 0)), TERN_READY);
  // A receiver still queued cancels: no wake is passed.
  Party r2, r3;
  ASSERT_EQ(r.Recv(&ch, &m), TERN_READY);
  EXPECT_EQ(m.from, 2u);
  ASSERT_EQ(r2.Recv(&ch, &m), TERN_PENDING);
  ASSERT_EQ(r3.Recv(&ch, &m), TERN_PENDING);
  tern_channel_cancel_recv(&ch, &r2.waiter);
  EXPECT_EQ(r3.w.wakes, 0);
  Msg in = MakeMsg(7, 7);
  ASSERT_EQ(tern_channel_try_send(&ch, &in), 0);
  EXPECT_EQ(r2.w.wakes, 0);
  EXPECT_EQ(r3.w.wakes, 1);
}

TEST(Channel, CloseWakesEveryoneAndDrains) {
  Msg slots[2];
  tern_channel ch;
  ASSERT_EQ(tern_channel_init(&ch, slots, sizeof slots, sizeof(Msg)), 0);
  // Receivers waiting on an empty channel are woken and see it closed.
  Party r[2];
  Msg m{};
  ASSERT_EQ(r[0].Recv(&ch, &m), TERN_PENDING);
  ASSERT_EQ(r[1].Recv(&ch, &m), TERN_PENDING);
  tern_channel_close(&ch);
  EXPECT_TRUE(tern_channel_is_closed(&ch));
  for (auto &x : r) {
    EXPECT_EQ(x.w.wakes, 1);
    EXPECT_EQ(x.Recv(&ch, &m), TERN_READY);
    EXPECT_EQ(x.result, TERN_ECLOSED);
  }
  Msg in = MakeMsg(1, 1);
  EXPECT_EQ(tern_channel_try_send(&ch, &in), TERN_ECLOSED);
  EXPECT_EQ(tern_channel_try_recv(&ch, &m), TERN_ECLOSED);
  tern_channel_close(&ch);  // idempotent
  EXPECT_EQ(r[0].w.wakes, 1);

  // Senders waiting on a full channel are woken and fail; what was sent
  // before the close is still received, in order, then ECLOSED.
  ASSERT_EQ(tern_channel_init(&ch, slots, sizeof slots, sizeof(Msg)), 0);
  Party s[3];
  ASSERT_EQ(s[0].Send(&ch, MakeMsg(0, 1)), TERN_READY);
  ASSERT_EQ(s[0].Send(&ch, MakeMsg(0, 2)), TERN_READY);
  ASSERT_EQ(s[1].Send(&ch, MakeMsg(1, 3)), TERN_PENDING);
  ASSERT_EQ(s[2].Send(&ch, MakeMsg(2, 4)), TERN_PENDING);
  tern_channel_close(&ch);
  for (int i = 1; i <= 2; i++) {
    EXPECT_EQ(s[i].w.wakes, 1);
    EXPECT_EQ(s[i].Send(&ch, MakeMsg(i, 5)), TERN_READY);
    EXPECT_EQ(s[i].result, TERN_ECLOSED);
  }
  EXPECT_EQ(tern_channel_len(&ch), 2u);
  Party rr;
  ASSERT_EQ(rr.Recv(&ch, &m), TERN_READY);
  EXPECT_EQ(rr.result, 0);
  EXPECT_EQ(m.seq, 1u);
  ASSERT_EQ(tern_channel_try_recv(&ch, &m), 0);
  EXPECT_EQ(m.seq, 2u);
  ASSERT_EQ(rr.Recv(&ch, &m), TERN_READY);
  EXPECT_EQ(rr.result, TERN_ECLOSED);
  EXPECT_EQ(s[0].Send(&ch, MakeMsg(0, 9)), TERN_READY);
  EXPECT_EQ(s[0].result, TERN_ECLOSED);
}

// Three senders and two receivers driven like an executor would: a task
// is polled only after its waker was called. Every message arrives once,
// each sender's in its own order, and nobody is left waiting (a lost wake
// would leave the loop with work undone).
TEST(Channel, SeveralSendersAndReceivers) {
  Msg slots[2];
  tern_channel ch;
  ASSERT_EQ(tern_channel_init(&ch, slots, sizeof slots, sizeof(Msg)), 0);
  const uint32_t kPerSender = 200;
  struct Sender {
    Party p;
    uint32_t next = 0;
    bool runnable = true;
    int seen_wakes = 0;
  } senders[3];
  struct Receiver {
    Party p;
    std::vector<Msg> got;
    bool done = false;
    bool runnable = true;
    int seen_wakes = 0;
  } receivers[2];
  bool closed = false;
  uint32_t expected_next[3] = {0, 0, 0};
  for (int step = 0; step < 100000; step++) {
    bool ran = false;
    for (uint32_t i = 0; i < 3; i++) {
      Sender &s = senders[i];
      if (s.p.w.wakes != s.seen_wakes) {
        s.seen_wakes = s.p.w.wakes;
        s.runnable = true;
      }
      // Vary who runs first so the interleavings differ.
      if (!s.runnable || s.next == kPerSender || (step + i) % 3 == 0) {
        continue;
      }
      s.runnable = false;
      ran = true;
      while (s.next < kPerSender &&
             s.p.Send(&ch, MakeMsg(i, s.next)) == TERN_READY) {
        ASSERT_EQ(s.p.result, 0);
        s.next++;
        if (s.next % 5 == 0) {
          s.runnable = true;  // yield now and then
          break;
        }
      }
    }
    if (!closed && senders[0].next == kPerSender &&
        senders[1].next == kPerSender && senders[2].next == kPerSender) {
      tern_channel_close(&ch);
      closed = true;
    }
    for (uint32_t j = 0; j < 2; j++) {
      Receiver &r = receivers[j];
      if (r.p.w.wakes != r.seen_wakes) {
        r.seen_wakes = r.p.w.wakes;
        r.runnable = true;
      }
      if (!r.runnable || r.done || (step + j) % 2 == 0)
        continue;
      r.runnable = false;
      ran = true;
      Msg m{};
      while (r.p.Recv(&ch, &m) == TERN_READY) {
        if (r.p.result == TERN_ECLOSED) {
          r.done = true;
          break;
        }
        ASSERT_LT(m.from, 3u);
        EXPECT_EQ(m.seq, expected_next[m.from]);
        EXPECT_EQ(m.check, MakeMsg(m.from, m.seq).check);
        expected_next[m.from] = m.seq + 1;
        r.got.push_back(m);
        if (r.got.size() % 3 == 0) {
          r.runnable = true;  // yield
          break;
        }
      }
    }
    if (receivers[0].done && receivers[1].done)
      break;
    // Skipped tasks stay runnable, so "nothing ran" only means a stall
    // when nothing is runnable either.
    bool any_runnable = false;
    for (auto &s : senders)
      any_runnable |= s.runnable && s.next < kPerSender;
    for (auto &r : receivers)
      any_runnable |= r.runnable && !r.done;
    for (auto &s : senders)
      any_runnable |= s.p.w.wakes != s.seen_wakes;
    for (auto &r : receivers)
      any_runnable |= r.p.w.wakes != r.seen_wakes;
    ASSERT_TRUE(ran || any_runnable) << "stalled at step " << step;
  }
  ASSERT_TRUE(receivers[0].done && receivers[1].done);
  EXPECT_EQ(receivers[0].got.size() + receivers[1].got.size(), 3 * kPerSender);
  for (uint32_t i = 0; i < 3; i++)
    EXPECT_EQ(expected_next[i], kPerSender);
  // Both receivers took part.
  EXPECT_GT(receivers[0].got.size(), 0u);
  EXPECT_GT(receivers[1].got.size(), 0u);
}

// An interrupt handler sends with try_send: it never waits, fails with
// EAGAIN when full, and wakes the waiting receiver (outside the critical
// section: the counting waker checks).
TEST(Channel, TrySendFromAnInterrupt) {
  uint32_t slots[2];
  tern_channel ch;
  ASSERT_EQ(tern_channel_init(&ch, slots, sizeof slots, sizeof slots[0]), 0);
  CountingWaker w;
  tern_cx cx = w.cx();
  tern_waiter waiter = TERN_WAITER_INIT;
  int result = 1;
  uint32_t v = 0;
  ASSERT_EQ(tern_channel_poll_recv(&ch, &cx, &waiter, &v, &result),
            TERN_PENDING);
  std::vector<int> isr_results;
  auto isr = [&] {
    EXPECT_TRUE(tern_test::InInterrupt());
    for (uint32_t x = 1; x <= 3; x++) {
      isr_results.push_back(tern_channel_try_send(&ch, &x));
    }
  };
  // The interrupt arrives at the next unmasking in task code.
  tern_test::InterruptAfterExits(1, isr);
  EXPECT_EQ(tern_channel_len(&ch), 0u);  // unmasks: the interrupt runs
  ASSERT_TRUE(tern_test::InterruptFired());
  EXPECT_EQ(isr_results, (std::vector<int>{0, 0, TERN_EAGAIN}));
  EXPECT_EQ(w.wakes, 1);
  EXPECT_EQ(w.wakes_in_critical, 0);
  ASSERT_EQ(tern_channel_poll_recv(&ch, &cx, &waiter, &v, &result), TERN_READY);
  EXPECT_EQ(v, 1u);
  ASSERT_EQ(tern_channel_try_recv(&ch, &v), 0);
  EXPECT_EQ(v, 2u);
}

// The interrupt lands at every unmasking inside a receive (first poll and
// re-poll): the element is either received at once or its wake arrives.
TEST(Channel, SendFromAnInterruptDuringReceiveIsNeverLost) {
  for (int n = 1; n <= 8; n++) {
    for (int waited_before = 0; waited_before < 2; waited_before++) {
      SCOPED_TRACE(testing::Message()
                   << "exit " << n << " waited_before " << waited_before);
      uint32_t slots[1];
      tern_channel ch;
      ASSERT_EQ(tern_channel_init(&ch, slots, sizeof slots, sizeof(uint32_t)),
                0);
      CountingWaker w;
      tern_cx cx = w.cx();
      tern_waiter waiter = TERN_WAITER_INIT;
      int result = 1;
      uint32_t v = 0;
      if (waited_before) {
        ASSERT_EQ(tern_channel_poll_recv(&ch, &cx, &waiter, &v, &result),
                  TERN_PENDING);
      }
      uint32_t x = 77;
      tern_test::InterruptAfterExits(
          n, [&] { EXPECT_EQ(tern_channel_try_send(&ch, &x), 0); });
      tern_poll r = tern_channel_poll_recv(&ch, &cx, &waiter, &v, &result);
      if (!tern_test::InterruptFired()) {
        EXPECT_EQ(tern_channel_try_send(&ch, &x), 0);
      }
      if (r == TERN_PENDING) {
        EXPECT_EQ(w.wakes, 1);
        ASSERT_EQ(tern_channel_poll_recv(&ch, &cx, &waiter, &v, &result),
                  TERN_READY);
      }
      EXPECT_EQ(result, 0);
      EXPECT_EQ(v, 77u);
      EXPECT_EQ(w.wakes_in_critical, 0);
      // The waiter is left clean: a later wait queues normally.
      ASSERT_EQ(tern_channel_poll_recv(&ch, &cx, &waiter, &v, &result),
                TERN_PENDING);
      int wakes = w.wakes;
      ASSERT_EQ(tern_channel_try_send(&ch, &x), 0);
      EXPECT_EQ(w.wakes, wakes + 1);
    }
  }
}

#ifndef NDEBUG
// The poll contract: PENDING only after taking the context's waker.
TEST(Channel, PendingTakesTheWaker) {
  uint32_t slot[1];
  tern_channel ch;
  ASSERT_EQ(tern_channel_init(&ch, slot, sizeof slot, sizeof slot[0]), 0);
  Party r, s;
  Msg m{};
  ASSERT_EQ(tern_channel_poll_recv(&ch, &r.cx, &r.waiter, &m, &r.result),
            TERN_PENDING);
  EXPECT_GT(r.cx.waker_uses, 0u);
  uint32_t x = 1;
  ASSERT_EQ(tern_channel_try_send(&ch, &x), 0);
  ASSERT_EQ(tern_channel_try_send(&ch, &x), TERN_EAGAIN);
  ASSERT_EQ(tern_channel_poll_send(&ch, &s.cx, &s.waiter, &x, &s.result),
            TERN_PENDING);
  EXPECT_GT(s.cx.waker_uses, 0u);
}
#endif

}  // namespace
