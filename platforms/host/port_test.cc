// Tests of the Linux host port: the critical section across threads,
// tern_port_wait against notifications, deadlines and registered file
// descriptors. The executor is not used: tests call tern_port_* directly,
// as the run loop does, with wakers that count their calls.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tern/fd_read_example.h"
#include "tern/host_port.h"
#include "tern/poll.h"
#include "tern/port.h"

namespace {

using std::chrono::milliseconds;

// A waker that counts its calls. If `gate` is set, a call made while the
// gate is still false is also counted as early (woken before the event).
struct Counter {
  std::atomic<int> wakes{0};
  std::atomic<int> early{0};
  const std::atomic<bool> *gate = nullptr;
};

void CountWake(void *ctx) {
  Counter *c = static_cast<Counter *>(ctx);
  if (c->gate != nullptr && !c->gate->load()) {
    c->early++;
  }
  c->wakes++;
}

tern_cx CounterCx(Counter *c) {
  tern_waker w;
  w.wake = CountWake;
  w.ctx = c;
  return tern_cx_make(w, nullptr);  // the port's polls arm no timers
}

// One sleep of the run loop: tern_port_wait inside a critical section.
void Wait(bool has_deadline, tern_time deadline) {
  tern_irqstate s = tern_port_critical_enter();
  tern_port_wait(has_deadline, deadline);
  tern_port_critical_exit(s);
}

// Consumes notifications an earlier test left pending.
void DrainNotifications() {
  Wait(true, tern_port_now());
}

// Turns a hang into a failure: if the test is still running after
// kLimit, fired() becomes true and the watchdog keeps notifying, so every
// wait ends and the test's loops (which check fired()) stop.
class Watchdog {
 public:
  static constexpr milliseconds kLimit{5000};

  Watchdog() : thread_([this] { Run(); }) {}

  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  bool fired() const {
    return fired_.load();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, kLimit, [this] { return done_; })) {
      return;
    }
    fired_ = true;
    while (!done_) {
      tern_port_notify();
      cv_.wait_for(lock, milliseconds(10));
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;  // last: starts after the members it uses
};

class HostPortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DrainNotifications();
  }
};

// --- Clock ---------------------------------------------------------------

TEST_F(HostPortTest, NowIsMonotonicMilliseconds) {
  tern_time a = tern_port_now();
  std::this_thread::sleep_for(milliseconds(20));
  tern_time b = tern_port_now();
  // Both are whole milliseconds of the same clock, truncated: at least 20
  // apart after a 20 ms sleep. No upper bound: the machine is shared.
  EXPECT_GE(static_cast<uint32_t>(b - a), 20u);
  EXPECT_FALSE(tern_time_before(b, a));

  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint32_t c =
      static_cast<uint32_t>(static_cast<uint64_t>(ts.tv_sec) * 1000u +
                            static_cast<uint64_t>(ts.tv_nsec) / 1000000u);
  tern_time d = tern_port_now();
  EXPECT_FALSE(tern_time_before(c, b));
  EXPECT_FALSE(tern_time_before(d, c));
}

// --- Critical section ----------------------------------------------------

TEST_F(HostPortTest, CriticalSectionNestsAndReturnsDepth) {
  tern_irqstate outer = tern_port_critical_enter();
  tern_irqstate inner = tern_port_critical_enter();
  EXPECT_EQ(outer, 0u);
  EXPECT_EQ(inner, 1u);
  tern_port_critical_exit(inner);
  tern_port_critical_exit(outer);
  // Fully released: another thread can enter.
  std::thread t([] {
    tern_irqstate s = tern_port_critical_enter();
    EXPECT_EQ(s, 0u);
    tern_port_critical_exit(s);
  });
  t.join();
}

// Starts a thread that enters the critical section and records that it got
// in; the caller checks whether it is held back.
class Entrant {
 public:
  Entrant()
      : thread_([this] {
          tern_irqstate s = tern_port_critical_enter();
          entered_ = true;
          tern_port_critical_exit(s);
        }) {}
  ~Entrant() {
    thread_.join();
  }
  bool entered() const {
    return entered_.load();
  }

 private:
  std::atomic<bool> entered_{false};
  std::thread thread_;
};

TEST_F(HostPortTest, CriticalSectionExcludesOtherThreadsUntilOutermostExit) {
  tern_irqstate outer = tern_port_critical_enter();
  tern_irqstate inner = tern_port_critical_enter();
  {
    Entrant other;
    std::this_thread::sleep_for(milliseconds(30));
    EXPECT_FALSE(other.entered());
    tern_port_critical_exit(inner);
    // Still one level deep: still excluded.
    std::this_thread::sleep_for(milliseconds(30));
    EXPECT_FALSE(other.entered());
    tern_port_critical_exit(outer);
  }  // joins: the other thread got in after the outermost exit
}

TEST_F(HostPortTest, CriticalSectionMakesIncrementsAtomicAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  static long counter;  // plain, not atomic: the section must protect it
  counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([] {
      for (int i = 0; i < kRounds; i++) {
        tern_irqstate a = tern_port_critical_enter();
        tern_irqstate b = tern_port_critical_enter();  // nested
        long v = counter;
        counter = v + 1;
        tern_port_critical_exit(b);
        tern_port_critical_exit(a);
      }
    });
  }
  for (auto &t : threads) {
    t.join();
  }
  EXPECT_EQ(counter, static_cast<long>(kThreads) * kRounds);
}

// --- Wait and notify -----------------------------------------------------

TEST_F(HostPortTest, NotifyFromAnotherThreadEndsWaitWithoutDeadline) {
  Watchdog wd;
  std::atomic<bool> notified{false};
  std::thread t([&] {
    std::this_thread::sleep_for(milliseconds(20));
    notified = true;
    tern_port_notify();
  });
  Wait(false, 0);
  t.join();
  EXPECT_FALSE(wd.fired());
  EXPECT_TRUE(notified.load());  // did not return before the notify
}

TEST_F(HostPortTest, NotifyBeforeWaitIsNotLost) {
  Watchdog wd;
  tern_irqstate s = tern_port_critical_enter();
  tern_port_notify();        // e.g. a waker ran just before the loop slept
  tern_port_wait(false, 0);  // must return at once, not sleep
  tern_port_critical_exit(s);
  EXPECT_FALSE(wd.fired());
}

TEST_F(HostPortTest, NotifyFromAnotherThreadBeforeWaitIsNotLost) {
  Watchdog wd;
  tern_irqstate s = tern_port_critical_enter();
  std::thread t([] { tern_port_notify(); });
  t.join();  // the notify is done before the wait starts
  tern_port_wait(false, 0);
  tern_port_critical_exit(s);
  EXPECT_FALSE(wd.fired());
}

// Two threads, each a run loop asleep in tern_port_wait at once: one
// notification must end both sleeps (tern/port.h's notify names no loop,
// so the port cannot tell which one it is for), and neither may consume it
// for the other. With one shared, drained eventfd the second sleeper slept
// on until the watchdog.
TEST_F(HostPortTest, OneNotifyEndsTheSleepOfEveryLoop) {
  Watchdog wd;
  std::atomic<bool> notified{false};
  std::atomic<int> ready{0};
  auto loop = [&] {
    DrainNotifications();  // this thread's first wait: old news only
    ready.fetch_add(1);
    for (;;) {
      tern_irqstate s = tern_port_critical_enter();
      bool go = notified.load() || wd.fired();
      if (!go) {
        tern_port_wait(false, 0);  // spurious returns just loop
      }
      tern_port_critical_exit(s);
      if (go) {
        return;
      }
    }
  };
  std::thread a(loop);
  std::thread b(loop);
  while (ready.load() != 2) {
    std::this_thread::yield();
  }
  std::this_thread::sleep_for(milliseconds(50));  // let both fall asleep
  notified = true;
  tern_port_notify();  // once
  a.join();
  b.join();
  EXPECT_FALSE(wd.fired());
}

TEST_F(HostPortTest, WaitConsumesNotifications) {
  tern_port_notify();
  tern_port_notify();
  Wait(false, 0);  // takes both
  tern_time deadline = tern_port_now() + 20;
  Wait(true, deadline);  // so this one sleeps to its deadline
  EXPECT_FALSE(tern_time_before(tern_port_now(), deadline));
}

TEST_F(HostPortTest, DeadlineWaitReturnsAtOrAfterDeadline) {
  for (uint32_t ms : {1u, 2u, 5u, 17u, 40u}) {
    tern_time deadline = tern_port_now() + ms;
    Wait(true, deadline);
    tern_time now = tern_port_now();
    EXPECT_FALSE(tern_time_before(now, deadline))
        << "woke at " << now << " before deadline " << deadline;
  }
}

TEST_F(HostPortTest, PastDeadlineReturnsAtOnce) {
  Watchdog wd;
  Wait(true, tern_port_now() - 1000);
  EXPECT_FALSE(wd.fired());
}

TEST_F(HostPortTest, WaitReleasesTheWholeNestedCriticalSection) {
  Watchdog wd;
  static int shared;  // protected by the critical section
  shared = 0;
  std::thread t([] {
    std::this_thread::sleep_for(milliseconds(20));
    tern_irqstate s = tern_port_critical_enter();  // blocks if wait kept it
    shared = 1;
    tern_port_critical_exit(s);
    tern_port_notify();
  });
  tern_irqstate outer = tern_port_critical_enter();
  tern_irqstate inner = tern_port_critical_enter();
  while (shared == 0 && !wd.fired()) {
    tern_port_wait(false, 0);
  }
  tern_port_critical_exit(inner);
  tern_port_critical_exit(outer);
  t.join();
  EXPECT_FALSE(wd.fired());
  EXPECT_EQ(shared, 1);
}

TEST_F(HostPortTest, WaitRetakesTheCriticalSectionAtItsDepth) {
  tern_irqstate outer = tern_port_critical_enter();
  tern_irqstate inner = tern_port_critical_enter();
  tern_port_wait(true, tern_port_now() + 2);
  {
    Entrant other;
    std::this_thread::sleep_for(milliseconds(30));
    EXPECT_FALSE(other.entered());  // held again after the wait
    tern_port_critical_exit(inner);
    std::this_thread::sleep_for(milliseconds(30));
    EXPECT_FALSE(other.entered());  // and still one level deep
    tern_port_critical_exit(outer);
  }
}

// The run loop's pattern, many times over: check for work inside the
// critical section, sleep if there is none. Another thread publishes work
// under the section and notifies; a single lost notification hangs the
// loop (and trips the watchdog).
TEST_F(HostPortTest, NoLostWakeupsInPingPong) {
  constexpr int kRounds = 2000;
  Watchdog wd;
  static int published;  // under the critical section
  published = 0;
  std::atomic<int> acked{0};
  std::thread producer([&] {
    for (int i = 1; i <= kRounds; i++) {
      while (acked.load() != i - 1 && !wd.fired()) {
        std::this_thread::yield();
      }
      tern_irqstate s = tern_port_critical_enter();
      published = i;
      if (i % 2 == 0) {
        tern_port_notify();  // from inside the section
      }
      tern_port_critical_exit(s);
      if (i % 2 != 0) {
        tern_port_notify();  // from outside it
      }
    }
  });
  tern_irqstate s = tern_port_critical_enter();
  int seen = 0;
  while (seen < kRounds && !wd.fired()) {
    while (published == seen && !wd.fired()) {
      tern_port_wait(false, 0);
    }
    seen = published;
    acked = seen;
  }
  tern_port_critical_exit(s);
  producer.join();
  EXPECT_FALSE(wd.fired());
  EXPECT_EQ(seen, kRounds);
}

volatile sig_atomic_t g_signalled;

void NotifyingHandler(int) {
  g_signalled = 1;
  tern_port_notify();
}

TEST_F(HostPortTest, NotifyFromSignalHandlerEndsWait) {
  Watchdog wd;
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = NotifyingHandler;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
  g_signalled = 0;
  pthread_t self = pthread_self();
  std::thread t([self] {
    std::this_thread::sleep_for(milliseconds(20));
    pthread_kill(self, SIGUSR1);
  });
  Wait(false, 0);  // interrupted (EINTR), then ended by the notify
  t.join();
  sigaction(SIGUSR1, &old, nullptr);
  EXPECT_FALSE(wd.fired());
  EXPECT_EQ(g_signalled, 1);
}

// --- File descriptors ----------------------------------------------------

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
      r = fds[0];
      w = fds[1];
    }
  }
  ~Pipe() {
    if (r >= 0)
      close(r);
    if (w >= 0)
      close(w);
  }
};

TEST_F(HostPortTest, PipeReadableWakesOnceWhenAnotherThreadWrites) {
  Pipe p;
  ASSERT_GE(p.r, 0);
  tern_host_fd reg = TERN_HOST_FD_INIT;
  ASSERT_EQ(tern_host_fd_register(&reg, p.r), 0);

  std::atomic<bool> written{false};
  Counter c;
  c.gate = &written;
  tern_cx cx = CounterCx(&c);
  EXPECT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_PENDING);
  EXPECT_EQ(c.wakes.load(), 0);

  Watchdog wd;
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(20));
    written = true;
    ASSERT_EQ(write(p.w, "x", 1), 1);
  });
  while (c.wakes.load() == 0 && !wd.fired()) {
    Wait(false, 0);
  }
  writer.join();
  ASSERT_FALSE(wd.fired());
  EXPECT_EQ(c.wakes.load(), 1);
  EXPECT_EQ(c.early.load(), 0);  // the wait blocked until the write

  // Once: more data while nobody polled does not wake again.
  ASSERT_EQ(write(p.w, "y", 1), 1);
  Wait(true, tern_port_now() + 20);
  EXPECT_EQ(c.wakes.load(), 1);

  // The reader polls again, finds data, reads it all, and waits again.
  EXPECT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_READY);
  char buf[8];
  EXPECT_EQ(read(p.r, buf, sizeof buf), 2);
  EXPECT_EQ(memcmp(buf, "xy", 2), 0);
  EXPECT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_PENDING);
  EXPECT_EQ(c.wakes.load(), 1);

  EXPECT_EQ(tern_host_fd_unregister(&reg), 0);
}

TEST_F(HostPortTest, ReadyPollLeavesNoWakerBehind) {
  Pipe p;
  ASSERT_GE(p.r, 0);
  tern_host_fd reg = TERN_HOST_FD_INIT;
  ASSERT_EQ(tern_host_fd_register(&reg, p.r), 0);
  ASSERT_EQ(write(p.w, "x", 1), 1);
  Counter c;
  tern_cx cx = CounterCx(&c);
  EXPECT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_READY);
  Wait(true, tern_port_now() + 10);  // delivers the write's edge
  EXPECT_EQ(c.wakes.load(), 0);      // to nobody: the READY poll took it back
  EXPECT_EQ(tern_host_fd_unregister(&reg), 0);
}

// Edge-triggered: a descriptor left readable (its driver is busy elsewhere)
// is reported once, not on every wait, so it cannot spin the run loop.
TEST_F(HostPortTest, UnreadDataDoesNotSpinTheLoop) {
  Pipe p;
  ASSERT_GE(p.r, 0);
  tern_host_fd reg = TERN_HOST_FD_INIT;
  ASSERT_EQ(tern_host_fd_register(&reg, p.r), 0);
  ASSERT_EQ(write(p.w, "x", 1), 1);
  Wait(true, tern_port_now());  // takes the one edge
  tern_time deadline = tern_port_now() + 30;
  int waits = 0;
  while (tern_time_before(tern_port_now(), deadline)) {
    Wait(true, deadline);
    waits++;
  }
  EXPECT_EQ(waits, 1);
  EXPECT_EQ(tern_host_fd_unregister(&reg), 0);
}

TEST_F(HostPortTest, PipeHangupWakesReader) {
  Pipe p;
  ASSERT_GE(p.r, 0);
  tern_host_fd reg = TERN_HOST_FD_INIT;
  ASSERT_EQ(tern_host_fd_register(&reg, p.r), 0);
  Counter c;
  tern_cx cx = CounterCx(&c);
  ASSERT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_PENDING);
  Watchdog wd;
  int w = p.w;
  p.w = -1;
  std::thread closer([w] {
    std::this_thread::sleep_for(milliseconds(20));
    close(w);
  });
  while (c.wakes.load() == 0 && !wd.fired()) {
    Wait(false, 0);
  }
  closer.join();
  ASSERT_FALSE(wd.fired());
  EXPECT_EQ(c.wakes.load(), 1);
  EXPECT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_READY);
  char b;
  EXPECT_EQ(read(p.r, &b, 1), 0);  // end of file
  EXPECT_EQ(tern_host_fd_unregister(&reg), 0);
}

TEST_F(HostPortTest, SocketWritableWakesWhenPeerDrainsFullBuffer) {
  int sv[2];
  ASSERT_EQ(
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
      0);
  tern_host_fd reg = TERN_HOST_FD_INIT;
  ASSERT_EQ(tern_host_fd_register(&reg, sv[0]), 0);
  Counter c;
  std::atomic<bool> drained{false};
  c.gate = &drained;
  tern_cx cx = CounterCx(&c);
  EXPECT_EQ(tern_host_fd_poll_writable(&reg, &cx), TERN_READY);

  // Fill the send buffer until the kernel refuses more.
  static char chunk[4096];
  size_t filled = 0;
  for (;;) {
    ssize_t n = write(sv[0], chunk, sizeof chunk);
    if (n < 0) {
      ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
      break;
    }
    filled += static_cast<size_t>(n);
  }
  ASSERT_GT(filled, 0u);
  EXPECT_EQ(tern_host_fd_poll_writable(&reg, &cx), TERN_PENDING);

  Watchdog wd;
  std::thread reader([&] {
    std::this_thread::sleep_for(milliseconds(20));
    drained = true;
    static char sink[65536];
    size_t got = 0;
    while (got < filled) {
      ssize_t n = read(sv[1], sink, sizeof sink);
      if (n > 0) {
        got += static_cast<size_t>(n);
      } else if (n < 0 && errno != EAGAIN) {
        break;
      }
    }
  });
  while (c.wakes.load() == 0 && !wd.fired()) {
    Wait(false, 0);
  }
  reader.join();
  ASSERT_FALSE(wd.fired());
  EXPECT_EQ(c.wakes.load(), 1);
  EXPECT_EQ(c.early.load(), 0);
  EXPECT_EQ(tern_host_fd_poll_writable(&reg, &cx), TERN_READY);
  EXPECT_EQ(write(sv[0], "z", 1), 1);

  EXPECT_EQ(tern_host_fd_unregister(&reg), 0);
  close(sv[0]);
  close(sv[1]);
}

TEST_F(HostPortTest, ReadableAndWritableSlotsAreIndependent) {
  int sv[2];
  ASSERT_EQ(
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
      0);
  tern_host_fd reg = TERN_HOST_FD_INIT;
  ASSERT_EQ(tern_host_fd_register(&reg, sv[0]), 0);
  Counter rd, wr;
  tern_cx rcx = CounterCx(&rd);
  tern_cx wcx = CounterCx(&wr);
  EXPECT_EQ(tern_host_fd_poll_readable(&reg, &rcx), TERN_PENDING);
  EXPECT_EQ(tern_host_fd_poll_writable(&reg, &wcx), TERN_READY);
  Watchdog wd;
  ASSERT_EQ(write(sv[1], "d", 1), 1);
  while (rd.wakes.load() == 0 && !wd.fired()) {
    Wait(false, 0);
  }
  ASSERT_FALSE(wd.fired());
  EXPECT_EQ(rd.wakes.load(), 1);
  EXPECT_EQ(wr.wakes.load(), 0);
  EXPECT_EQ(tern_host_fd_unregister(&reg), 0);
  close(sv[0]);
  close(sv[1]);
}

TEST_F(HostPortTest, UnregisterStopsWakes) {
  Pipe p;
  ASSERT_GE(p.r, 0);
  tern_host_fd reg = TERN_HOST_FD_INIT;
  ASSERT_EQ(tern_host_fd_register(&reg, p.r), 0);
  Counter c;
  tern_cx cx = CounterCx(&c);
  ASSERT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_PENDING);
  ASSERT_EQ(tern_host_fd_unregister(&reg), 0);
  ASSERT_EQ(write(p.w, "x", 1), 1);
  Wait(true, tern_port_now() + 30);
  EXPECT_EQ(c.wakes.load(), 0);
  // An unregistered reg never leaves a poller asleep.
  EXPECT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_READY);
  // It can be registered again, and then works as before.
  char b;
  ASSERT_EQ(read(p.r, &b, 1), 1);
  ASSERT_EQ(tern_host_fd_register(&reg, p.r), 0);
  EXPECT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_PENDING);
  Watchdog wd;
  ASSERT_EQ(write(p.w, "x", 1), 1);
  while (c.wakes.load() == 0 && !wd.fired()) {
    Wait(false, 0);
  }
  EXPECT_FALSE(wd.fired());
  EXPECT_EQ(c.wakes.load(), 1);
  EXPECT_EQ(tern_host_fd_unregister(&reg), 0);
}

// A driver that ends a descriptor's use itself (a socket backend giving up
// a connect, a netdev closing) wakes its waiters through the port before
// it unregisters: each stored waker is called once, with no event on the
// descriptor, and taken out of its slot.
TEST_F(HostPortTest, WakeCallsTheWaitersOnceWithoutAnEvent) {
  int sv[2];
  ASSERT_EQ(
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
      0);
  tern_host_fd reg = TERN_HOST_FD_INIT;
  EXPECT_EQ(tern_host_fd_wake(&reg), TERN_EINVAL);  // not registered
  EXPECT_EQ(tern_host_fd_wake(nullptr), TERN_EINVAL);
  ASSERT_EQ(tern_host_fd_register(&reg, sv[0]), 0);
  EXPECT_EQ(tern_host_fd_wake(&reg), 0);  // nobody waits: nothing to call
  Counter rd, wr;
  tern_cx rcx = CounterCx(&rd);
  tern_cx wcx = CounterCx(&wr);
  ASSERT_EQ(tern_host_fd_poll_readable(&reg, &rcx), TERN_PENDING);
  // Fill the socket so that a writer waits too.
  char buf[4096] = {};
  while (write(sv[0], buf, sizeof buf) > 0) {
  }
  ASSERT_EQ(tern_host_fd_poll_writable(&reg, &wcx), TERN_PENDING);
  EXPECT_EQ(tern_host_fd_wake(&reg), 0);
  EXPECT_EQ(rd.wakes.load(), 1);
  EXPECT_EQ(wr.wakes.load(), 1);
  // Taken out: a second wake, or a later event, calls neither again.
  EXPECT_EQ(tern_host_fd_wake(&reg), 0);
  ASSERT_EQ(write(sv[1], "x", 1), 1);
  Wait(true, tern_port_now() + 20);
  EXPECT_EQ(rd.wakes.load(), 1);
  EXPECT_EQ(wr.wakes.load(), 1);
  EXPECT_EQ(tern_host_fd_unregister(&reg), 0);
  EXPECT_EQ(tern_host_fd_wake(&reg), TERN_EINVAL);
  close(sv[0]);
  close(sv[1]);
}

TEST_F(HostPortTest, UnregisterFromAnotherThreadWhileWaiting) {
  Pipe p;
  ASSERT_GE(p.r, 0);
  tern_host_fd reg = TERN_HOST_FD_INIT;
  ASSERT_EQ(tern_host_fd_register(&reg, p.r), 0);
  Counter c;
  tern_cx cx = CounterCx(&c);
  ASSERT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_PENDING);
  Watchdog wd;
  std::atomic<bool> done{false};
  std::thread t([&] {
    std::this_thread::sleep_for(milliseconds(20));
    EXPECT_EQ(tern_host_fd_unregister(&reg), 0);
    EXPECT_EQ(write(p.w, "x", 1), 1);
    done = true;
    tern_port_notify();
  });
  while (!done.load() && !wd.fired()) {
    Wait(false, 0);
  }
  t.join();
  Wait(true, tern_port_now() + 10);
  EXPECT_FALSE(wd.fired());
  EXPECT_EQ(c.wakes.load(), 0);
}

TEST_F(HostPortTest, BadArgumentsGiveErrors) {
  Pipe p;
  ASSERT_GE(p.r, 0);
  tern_host_fd reg = TERN_HOST_FD_INIT;
  EXPECT_EQ(tern_host_fd_register(nullptr, p.r), TERN_EINVAL);
  EXPECT_EQ(tern_host_fd_register(&reg, -1), TERN_EINVAL);

  // A descriptor number that is not open.
  int closed = dup(p.r);
  ASSERT_GE(closed, 0);
  close(closed);
  EXPECT_EQ(tern_host_fd_register(&reg, closed), TERN_EINVAL);

  // A regular file: epoll cannot watch it.
  FILE *f = tmpfile();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(tern_host_fd_register(&reg, fileno(f)), TERN_ENOTSUP);
  fclose(f);

  // None of the failures left reg registered.
  EXPECT_EQ(tern_host_fd_unregister(&reg), TERN_EINVAL);
  EXPECT_EQ(tern_host_fd_unregister(nullptr), TERN_EINVAL);

  // Double registration: the same object twice, or the same fd twice.
  ASSERT_EQ(tern_host_fd_register(&reg, p.r), 0);
  EXPECT_EQ(tern_host_fd_register(&reg, p.w), TERN_EBUSY);
  tern_host_fd other = TERN_HOST_FD_INIT;
  EXPECT_EQ(tern_host_fd_register(&other, p.r), TERN_EBUSY);
  EXPECT_EQ(tern_host_fd_unregister(&other), TERN_EINVAL);

  // The first registration is intact.
  Counter c;
  tern_cx cx = CounterCx(&c);
  EXPECT_EQ(tern_host_fd_poll_readable(&reg, &cx), TERN_PENDING);
  Watchdog wd;
  ASSERT_EQ(write(p.w, "x", 1), 1);
  while (c.wakes.load() == 0 && !wd.fired()) {
    Wait(false, 0);
  }
  EXPECT_EQ(c.wakes.load(), 1);
  EXPECT_EQ(tern_host_fd_unregister(&reg), 0);
  EXPECT_EQ(tern_host_fd_unregister(&reg), TERN_EINVAL);

  // NULL to the polls: READY, never a sleep without a waker.
  EXPECT_EQ(tern_host_fd_poll_readable(nullptr, &cx), TERN_READY);
  EXPECT_EQ(tern_host_fd_poll_writable(nullptr, &cx), TERN_READY);
}

// The README's driver pattern: try the read, store the waker on EAGAIN.
TEST_F(HostPortTest, ExampleReaderReadsWhatAnotherThreadWrites) {
  Pipe p;
  ASSERT_GE(p.r, 0);
  example_reader r;
  r.fd = p.r;
  r.reg = TERN_HOST_FD_INIT;
  ASSERT_EQ(tern_host_fd_register(&r.reg, r.fd), 0);
  Counter c;
  tern_cx cx = CounterCx(&c);
  uint8_t buf[16];
  int result = 1234;
  EXPECT_EQ(example_poll_read(&r, &cx, buf, sizeof buf, &result), TERN_PENDING);
  Watchdog wd;
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(20));
    EXPECT_EQ(write(p.w, "hello", 5), 5);
  });
  while (c.wakes.load() == 0 && !wd.fired()) {
    Wait(false, 0);
  }
  writer.join();
  ASSERT_FALSE(wd.fired());
  EXPECT_EQ(example_poll_read(&r, &cx, buf, sizeof buf, &result), TERN_READY);
  ASSERT_EQ(result, 5);
  EXPECT_EQ(memcmp(buf, "hello", 5), 0);
  EXPECT_EQ(tern_host_fd_unregister(&r.reg), 0);
}

}  // namespace
