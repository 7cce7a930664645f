/* The Linux host port: tern/port.h on epoll, plus file-descriptor
 * readiness for host drivers (TAP, TUN, pty, sockets).
 *
 * Critical section. The host's "interrupts" are other threads (a driver
 * thread, a test thread that wakes a task) and signal handlers. The
 * critical section is one process-wide lock (a futex word) with a
 * per-thread nesting count: the outermost tern_port_critical_enter on a
 * thread takes it,
 * inner ones only count, and the matching outermost exit unlocks it. The
 * tern_irqstate it returns is the nesting depth before the call; exits
 * must come in the reverse order of the enters (as on Cortex-M).
 *
 * Signal handlers may call tern_port_notify and nothing else of tern: a
 * handler that entered the critical section could deadlock on the lock
 * or, on the thread that holds it, run inside a section it interrupted.
 * To act on a signal, record it (a volatile sig_atomic_t) and notify; a
 * task on the run loop does the rest.
 *
 * Sleeping. tern_port_wait releases the critical section completely (all
 * nesting levels), blocks in epoll_wait on one epoll set that holds an
 * eventfd (the target of tern_port_notify) and every registered file
 * descriptor, then retakes the section to the same depth, wakes the waker
 * slots of the descriptors that became ready, and returns. See port.c for
 * why no notification is lost.
 *
 * The epoll set and the eventfd are created by a constructor before main
 * (so tern_port_notify is usable from any signal handler at any time); if
 * the kernel refuses them the program stops with a message. */
#ifndef TERN_HOST_PORT_H
#define TERN_HOST_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/poll.h"
#include "tern/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A registered file descriptor: caller storage (typically inside the
 * driver's state), which must stay in place from tern_host_fd_register
 * until tern_host_fd_unregister returns. Zero-initialise it or use
 * TERN_HOST_FD_INIT. Fields are private to the port. */
typedef struct tern_host_fd {
  struct tern_host_fd *prev; /* list of registered descriptors */
  struct tern_host_fd *next;
  int fd; /* -1 when not registered */
  uint8_t registered;
  tern_waker_slot readable; /* woken when fd becomes readable */
  tern_waker_slot writable; /* woken when fd becomes writable */
} tern_host_fd;

#define TERN_HOST_FD_INIT \
  { NULL, NULL, -1, 0, TERN_WAKER_SLOT_INIT, TERN_WAKER_SLOT_INIT }

/* Adds fd to the port's epoll set (edge-triggered, for reading and
 * writing; put fd in non-blocking mode yourself). The port does not own
 * fd: unregister before closing it. Safe from any thread.
 * Returns 0, or
 *   TERN_EINVAL  reg is NULL, fd is negative or not an open descriptor;
 *   TERN_ENOTSUP fd is of a kind epoll cannot watch (a regular file or a
 *                directory: these are always ready, use plain IO);
 *   TERN_EBUSY   reg is already registered, or fd already is (through
 *                another tern_host_fd: one registration per descriptor);
 *   TERN_ENOMEM  the kernel refused (out of memory, epoll watch limit). */
int tern_host_fd_register(tern_host_fd *reg, int fd);

/* Removes the registration and forgets both stored wakers without calling
 * them; reg may then be reused or freed. Safe from any thread, also while
 * the run loop is sleeping in tern_port_wait. Returns 0, or TERN_EINVAL if
 * reg is NULL or not registered. */
int tern_host_fd_unregister(tern_host_fd *reg);

/* Wakes the tasks waiting on reg (the wakers its polls stored, for
 * reading and for writing), as an event on the descriptor would: each
 * polls again and its IO says what changed. For a driver that ends the
 * descriptor's use itself (closes it, gives up a connect) and must not
 * leave a waiter asleep: wake, then unregister, which forgets wakers
 * without calling them. Safe from any thread. Returns 0, or TERN_EINVAL
 * if reg is NULL or not registered. */
int tern_host_fd_wake(tern_host_fd *reg);

/* READY if reading fd would not block now (data, end of file, a hang-up
 * or an error to collect: the read itself tells which). Otherwise stores
 * cx's waker in the readable slot and returns PENDING; tern_port_wait
 * calls the waker once when fd becomes readable. Readiness is checked
 * with poll(2) each time, so a driver need not read until EAGAIN first.
 * An unregistered (or NULL) reg gives READY, so that the caller's IO runs
 * and reports what is wrong instead of sleeping forever. */
tern_poll tern_host_fd_poll_readable(tern_host_fd *reg, tern_cx *cx);

/* The same for writing: READY if a write would not block now. */
tern_poll tern_host_fd_poll_writable(tern_host_fd *reg, tern_cx *cx);

#ifdef __cplusplus
}
#endif

#endif /* TERN_HOST_PORT_H */
