/* The Linux host port: a futex lock for the critical section, epoll for
 * sleeping (one epoll set per sleeping thread), an eventfd for
 * tern_port_notify. See tern/host_port.h. */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tern/host_port.h"
#include "tern/port.h"

/* Events taken from the kernel per epoll_wait. More ready descriptors are
 * not lost: epoll keeps them on its ready list for the next wait. */
#define PORT_MAX_EVENTS 32

/* Every registration is edge-triggered, for both directions at once.
 *
 * Why EPOLLET rather than level-triggered or EPOLLONESHOT:
 *  - Level-triggered would report a readable descriptor on every
 *    epoll_wait until someone reads it; a driver that is not reading now
 *    (its task waits for buffer space, say) would turn the run loop into a
 *    busy loop.
 *  - EPOLLONESHOT disarms the whole registration after one event, both
 *    directions together, and needs an epoll_ctl(MOD) to rearm: a syscall
 *    on every PENDING, and a reader's rearm must not drop a writer's
 *    interest.
 *  - EPOLLET reports each change to ready once and needs no rearming. The
 *    cost is that an edge is reported only once, so it must not fall
 *    between a readiness check and the waker being stored. The poll
 *    functions therefore store the waker first and check readiness with
 *    poll(2) second: if the descriptor became ready before the check, the
 *    check sees it and the poll returns READY; if it becomes ready after
 *    the check, that is a new edge, which epoll reports on a later
 *    epoll_wait, and the dispatch below finds the waker already in its
 *    slot. An edge that finds an empty slot (nobody waiting) wakes nobody
 *    and loses nothing: the next poll's check sees the readiness. */
#define PORT_FD_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

/* The critical section: one lock and this thread's nesting depth. Only
 * the thread holding the lock has a depth above zero.
 *
 * The lock is a futex word, not a pthread mutex: the executor takes it on
 * every wake and every run-queue swap, and uncontended it is one atomic
 * instruction each way instead of two calls into glibc (callgrind: the
 * mutex made a wake and poll 227 instructions). 0 is free, 1 held, 2 held
 * with perhaps a thread asleep on it ("Futexes Are Tricky", U. Drepper,
 * mutex 3): whoever sees 2 when it lets go wakes one sleeper. */
static uint32_t port_lock;
static _Thread_local uint32_t port_depth
    __attribute__((tls_model("initial-exec")));

static void port_fail(const char *what);

__attribute__((noinline, cold)) static void port_lock_wait(uint32_t c) {
  if (c != 2) {
    c = __atomic_exchange_n(&port_lock, 2, __ATOMIC_ACQUIRE);
  }
  while (c != 0) {
    /* Sleeps only while the word is still 2; EAGAIN (it changed) and
     * EINTR just retry. */
    if (syscall(SYS_futex, &port_lock, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0) !=
            0 &&
        errno != EAGAIN && errno != EINTR) {
      port_fail("futex wait");
    }
    c = __atomic_exchange_n(&port_lock, 2, __ATOMIC_ACQUIRE);
  }
}

static inline void port_lock_take(void) {
  uint32_t c = 0;
  if (!__atomic_compare_exchange_n(&port_lock, &c, 1, false, __ATOMIC_ACQUIRE,
                                   __ATOMIC_RELAXED)) {
    port_lock_wait(c);
  }
}

static inline void port_lock_give(void) {
  if (__atomic_exchange_n(&port_lock, 0, __ATOMIC_RELEASE) == 2) {
    syscall(SYS_futex, &port_lock, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  }
}

/* The descriptors, and the notification.
 *
 * port_epfd holds the registered descriptors (tern_host_fd). port_evfd is
 * the eventfd tern_port_notify writes to.
 *
 * Several run loops (executors on several threads) may sleep at once, and
 * tern_port_notify cannot say which one it is for. So every notification
 * must end every sleep in progress (or about to start), and no loop may
 * consume it for the others. Each thread that sleeps therefore has an
 * epoll set of its own, its "loop set" (port_loop_epfd), made by its first
 * tern_port_wait, holding two things:
 *  - the eventfd, edge-triggered and never drained: every write(2) to an
 *    eventfd runs the wake-up callback of every epoll set watching it,
 *    which puts the eventfd on each set's ready list, and the set reports
 *    it once (edge-triggered) to its own next epoll_wait, since the
 *    counter, never read, stays readable. One write thus reaches every
 *    loop, and a loop that takes it takes it from nobody else. (Draining
 *    it would break this: epoll re-checks readiness when it reports, so a
 *    drained counter would hide the event from the sets not yet woken.
 *    Undrained, the counter reaches its 2^64 - 2 limit after that many
 *    notifications: never.)
 *  - port_epfd, level-triggered: readable while a registered descriptor
 *    has an event; the woken loop fetches the events from port_epfd with a
 *    zero timeout and dispatches them. Every sleeping loop wakes; one gets
 *    the events, the others return with none (a spurious return, which
 *    tern/port.h allows). A waker that the dispatch calls for a task of
 *    another loop queues the task there and, that loop being asleep, the
 *    executor notifies, which reaches it as above.
 * A thread's loop set is closed when the thread exits (port_loop_key). */
static int port_epfd = -1;
static int port_evfd = -1;
static pthread_key_t port_loop_key;
static _Thread_local int port_loop_epfd
    __attribute__((tls_model("initial-exec"))) = -1;

/* data.u32 of the two members of a loop set. */
#define PORT_LOOP_NOTIFY 0u
#define PORT_LOOP_FDS 1u

/* Under port_lock: the registered descriptors, and a count of
 * unregistrations that lets tern_port_wait spot events it fetched for a
 * registration that went away while it slept. */
static tern_host_fd *port_fds;
static uint32_t port_unregistrations;

static void port_fail(const char *what) {
  fprintf(stderr, "tern host port: %s: %s\n", what, strerror(errno));
  abort();
}

/* Runs before main, so that tern_port_notify never has to create anything
 * (it may run in a signal handler, where pthread_once is not allowed). */
/* Thread exit: close the thread's loop set (stored as fd + 1, so that a
 * set numbered 0 is not mistaken for none). */
static void port_loop_close(void *value) {
  close((int)((intptr_t)value - 1));
}

__attribute__((constructor)) static void port_init(void) {
  port_epfd = epoll_create1(EPOLL_CLOEXEC);
  if (port_epfd < 0) {
    port_fail("epoll_create1");
  }
  port_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (port_evfd < 0) {
    port_fail("eventfd");
  }
  errno = pthread_key_create(&port_loop_key, port_loop_close);
  if (errno != 0) {
    port_fail("pthread_key_create");
  }
}

static void port_loop_add(int loop, int fd, uint32_t events, uint32_t tag) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = events;
  ev.data.u32 = tag;
  if (epoll_ctl(loop, EPOLL_CTL_ADD, fd, &ev) != 0) {
    port_fail("epoll_ctl(loop set)");
  }
}

/* The calling thread's loop set, made on its first wait (in the critical
 * section, before it is released: a notification from then on reaches
 * it). */
static int port_loop_set(void) {
  int loop = port_loop_epfd;
  if (loop >= 0) {
    return loop;
  }
  loop = epoll_create1(EPOLL_CLOEXEC);
  if (loop < 0) {
    port_fail("epoll_create1(loop set)");
  }
  port_loop_add(loop, port_evfd, EPOLLIN | EPOLLET, PORT_LOOP_NOTIFY);
  port_loop_add(loop, port_epfd, EPOLLIN, PORT_LOOP_FDS);
  errno = pthread_setspecific(port_loop_key, (void *)(intptr_t)(loop + 1));
  if (errno != 0) {
    port_fail("pthread_setspecific");
  }
  port_loop_epfd = loop;
  return loop;
}

tern_irqstate tern_port_critical_enter(void) {
  uint32_t depth = port_depth;
  if (depth == 0) {
    port_lock_take();
  }
  port_depth = depth + 1;
  return depth;
}

void tern_port_critical_exit(tern_irqstate state) {
  assert(port_depth == state + 1 && "critical sections exited out of order");
  port_depth = state;
  if (state == 0) {
    port_lock_give();
  }
}

tern_time tern_port_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  return (tern_time)ms; /* wraps every 2^32 ms, as tern_time does */
}

void tern_port_notify(void) {
  /* write(2) is async-signal-safe; keep the interrupted code's errno. With
   * EFD_NONBLOCK the write fails (EAGAIN) only when the counter is already
   * at its maximum, which is a pending notification too. */
  int saved = errno;
  uint64_t one = 1;
  ssize_t r;
  do {
    r = write(port_evfd, &one, sizeof one);
  } while (r < 0 && errno == EINTR);
  errno = saved;
}

/* Under port_lock. */
static bool port_fd_listed(const tern_host_fd *reg) {
  for (const tern_host_fd *r = port_fds; r != NULL; r = r->next) {
    if (r == reg) {
      return true;
    }
  }
  return false;
}

/* Why a notification is never lost, with one loop or several.
 *
 * The caller's loop set exists before the critical section is released
 * (port_loop_set). Every write to the eventfd from then on puts it on the
 * set's ready list, whatever other loops do (see port_epfd), and it stays
 * there until an epoll_wait on this set reports it. Take a notify that
 * happens after the caller entered the critical section (the executor's
 * waker queues the task, then notifies):
 *  - if its write lands before our epoll_wait, epoll_wait returns at once;
 *  - if it lands while epoll_wait sleeps, the eventfd wakes it;
 *  - if it lands after epoll_wait returned, it stays on the ready list and
 *    ends the next wait at once (a spurious return); we are returning
 *    anyway, and the caller re-examines its run queue after we return
 *    (under the critical section we retook, which orders it after the
 *    waker's queueing).
 * In no case does the caller sleep while a notify it has not seen is
 * outstanding, and no other loop's wait can take it from this one. The
 * critical section itself is released while we sleep, so that other
 * threads can queue work and notify at all. */
void tern_port_wait(bool has_deadline, tern_time deadline) {
  uint32_t depth = port_depth;
  assert(depth > 0 && "tern_port_wait must be called in a critical section");
  uint32_t unregistrations = port_unregistrations;
  int loop = port_loop_set();
  struct epoll_event events[PORT_MAX_EVENTS];
  int n = 0;

  /* Release every nesting level, not just one: otherwise a caller nested
   * twice would sleep holding the lock and no other thread could notify
   * through a waker. */
  port_depth = 0;
  port_lock_give();
  for (;;) {
    int timeout = -1;
    if (has_deadline) {
      /* tern_port_now truncates to whole milliseconds, so the true time
       * left is at most this many: sleeping this long (epoll_wait never
       * sleeps less than its timeout, it rounds up to the clock's
       * granularity) ends at or after the deadline. Interval below
       * 2^31 ms, so it fits an int. */
      uint32_t left = tern_time_until(tern_port_now(), deadline);
      timeout = left > (uint32_t)INT_MAX ? INT_MAX : (int)left;
    }
    struct epoll_event woke[2];
    int w = epoll_wait(loop, woke, 2, timeout);
    if (w > 0) {
      /* A notification, or descriptors with events: fetch those (none if
       * another loop fetched them first; a spurious return, then). */
      for (int i = 0; i < w; i++) {
        if (woke[i].data.u32 == PORT_LOOP_FDS) {
          do {
            n = epoll_wait(port_epfd, events, PORT_MAX_EVENTS, 0);
          } while (n < 0 && errno == EINTR);
          if (n < 0) {
            port_fail("epoll_wait(descriptors)");
          }
        }
      }
      break;
    }
    if (w < 0 && errno != EINTR) {
      port_fail("epoll_wait");
    }
    /* A timeout, or a signal (whose handler may have notified: the next
     * epoll_wait sees the eventfd). Sleep again unless the deadline has
     * passed, so that a deadline wait never returns early. */
    if (has_deadline && !tern_time_before(tern_port_now(), deadline)) {
      break;
    }
  }
  port_lock_take();
  port_depth = depth;

  /* Dispatch under the critical section, so that tern_host_fd_unregister
   * (which takes it) cannot pull a registration out from under us. A
   * registration that was unregistered while we slept may still be named
   * by an event fetched before it left the epoll set: check those against
   * the list (registrations made meanwhile are listed, and at worst get a
   * spurious wake). */
  bool check = port_unregistrations != unregistrations;
  for (int i = 0; i < n; i++) {
    tern_host_fd *reg = events[i].data.ptr;
    uint32_t ev = events[i].events;
    if (check && !port_fd_listed(reg)) {
      continue;
    }
    /* A hang-up or an error is news for both directions: the read or
     * write the woken task makes will report it. */
    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      tern_waker_slot_wake(&reg->readable);
    }
    if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
      tern_waker_slot_wake(&reg->writable);
    }
  }
}

static int port_map_epoll_error(int e) {
  switch (e) {
    case EBADF:
    case EINVAL: /* fd is the port's own epoll descriptor */ return TERN_EINVAL;
    case EPERM: /* regular files and directories */ return TERN_ENOTSUP;
    case EEXIST: return TERN_EBUSY;
    case ENOMEM:
    case ENOSPC: return TERN_ENOMEM;
    default: return TERN_EIO;
  }
}

int tern_host_fd_register(tern_host_fd *reg, int fd) {
  if (reg == NULL || fd < 0) {
    return TERN_EINVAL;
  }
  tern_irqstate s = tern_port_critical_enter();
  if (reg->registered) {
    tern_port_critical_exit(s);
    return TERN_EBUSY;
  }
  reg->fd = fd;
  reg->readable.waker.wake = NULL;
  reg->readable.waker.ctx = NULL;
  reg->writable.waker.wake = NULL;
  reg->writable.waker.ctx = NULL;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = PORT_FD_EVENTS;
  ev.data.ptr = reg;
  if (epoll_ctl(port_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int err = port_map_epoll_error(errno);
    reg->fd = -1;
    tern_port_critical_exit(s);
    return err;
  }
  reg->registered = 1;
  reg->prev = NULL;
  reg->next = port_fds;
  if (port_fds != NULL) {
    port_fds->prev = reg;
  }
  port_fds = reg;
  tern_port_critical_exit(s);
  return 0;
}

int tern_host_fd_unregister(tern_host_fd *reg) {
  if (reg == NULL) {
    return TERN_EINVAL;
  }
  tern_irqstate s = tern_port_critical_enter();
  if (!reg->registered) {
    tern_port_critical_exit(s);
    return TERN_EINVAL;
  }
  /* Fails only if fd was closed already (which removed it from the set if
   * it was the last reference); nothing to undo either way. */
  (void)epoll_ctl(port_epfd, EPOLL_CTL_DEL, reg->fd, NULL);
  if (reg->prev != NULL) {
    reg->prev->next = reg->next;
  } else {
    port_fds = reg->next;
  }
  if (reg->next != NULL) {
    reg->next->prev = reg->prev;
  }
  reg->prev = NULL;
  reg->next = NULL;
  reg->registered = 0;
  reg->fd = -1;
  reg->readable.waker.wake = NULL;
  reg->readable.waker.ctx = NULL;
  reg->writable.waker.wake = NULL;
  reg->writable.waker.ctx = NULL;
  port_unregistrations++;
  tern_port_critical_exit(s);
  return 0;
}

int tern_host_fd_wake(tern_host_fd *reg) {
  if (reg == NULL) {
    return TERN_EINVAL;
  }
  tern_irqstate s = tern_port_critical_enter();
  bool registered = reg->registered != 0;
  tern_port_critical_exit(s);
  if (!registered) {
    return TERN_EINVAL;
  }
  /* Each slot takes its waker out in the critical section and calls it
   * outside, as for any wake from another thread. */
  tern_waker_slot_wake(&reg->readable);
  tern_waker_slot_wake(&reg->writable);
  return 0;
}

/* Stores the waker, then checks: see PORT_FD_EVENTS for why this order. */
static tern_poll port_fd_poll(tern_host_fd *reg, tern_cx *cx, bool write) {
  if (reg == NULL) {
    return TERN_READY; /* as for an unregistered one */
  }
  tern_waker_slot *slot = write ? &reg->writable : &reg->readable;
  short events = write ? POLLOUT : (POLLIN | POLLRDHUP);
  tern_irqstate s = tern_port_critical_enter();
  if (!reg->registered) {
    tern_port_critical_exit(s);
    return TERN_READY;
  }
  int fd = reg->fd;
  tern_waker w = tern_cx_waker(cx);
  slot->waker = w;
  tern_port_critical_exit(s);

  struct pollfd p;
  p.fd = fd;
  p.events = events;
  p.revents = 0;
  int r;
  do {
    r = poll(&p, 1, 0);
  } while (r < 0 && errno == EINTR);
  if (r == 0) {
    return TERN_PENDING;
  }
  /* Ready (or hung up, in error, or closed under us: POLLHUP, POLLERR,
   * POLLNVAL, all of which the caller's IO reports). The caller polls
   * again before it needs a wake, so take the waker back to spare it a
   * spurious one, unless someone replaced it meanwhile. */
  s = tern_port_critical_enter();
  if (tern_waker_same(slot->waker, w)) {
    slot->waker.wake = NULL;
    slot->waker.ctx = NULL;
  }
  tern_port_critical_exit(s);
  return TERN_READY;
}

tern_poll tern_host_fd_poll_readable(tern_host_fd *reg, tern_cx *cx) {
  return port_fd_poll(reg, cx, false);
}

tern_poll tern_host_fd_poll_writable(tern_host_fd *reg, tern_cx *cx) {
  return port_fd_poll(reg, cx, true);
}
