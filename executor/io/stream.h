/* tern_stream: an asynchronous byte stream, the interface between a layer
 * that carries bytes (a UART, a pty, a TCP connection) and a layer that
 * uses them (SLIP, PPP, an application protocol).
 *
 * A stream is an ops table and the implementation's self pointer, two
 * words that layers store by value. Call it through the inline wrappers:
 *
 *   ptrdiff_t n;
 *   if (tern_stream_poll_read(&s->lower, cx, s->buf, sizeof s->buf, &n) ==
 *       TERN_PENDING)
 *     return TERN_PENDING;   // the stream will wake us
 *   if (n < 0)  ... error (a tern_err) ...
 *   if (n == 0) ... end of stream ...
 *
 * The contract every implementation keeps:
 *  - A poll returns TERN_READY with its result filled in, or TERN_PENDING
 *    having registered cx's waker to be called when it can make progress.
 *    PENDING does nothing else: no bytes were read or written, and the
 *    caller may poll again with the same or different arguments.
 *  - Results are a byte count (>= 0) or a negative tern_err. TERN_ECLOSED
 *    means this end was closed (writing after close) or the stream is
 *    gone; other codes are the implementation's device errors.
 *  - Reads and writes may be partial: READY with 0 < n < len is normal and
 *    the caller polls again for the rest. A write never accepts a byte it
 *    will not deliver (no accepted byte is lost), so a partial write means
 *    exactly n bytes were taken.
 *  - Read: READY with n > 0 bytes, or n == 0 at the end of the stream (the
 *    peer closed and every byte before the close has been read; later
 *    reads keep returning 0), or an error. A read never returns 0 for
 *    "nothing yet": it returns PENDING.
 *  - Read or write of 0 bytes is READY with 0 at once (the wrappers answer
 *    it without calling the implementation); a 0-byte read says nothing
 *    about the end of the stream.
 *  - Flush: READY with 0 once every byte written so far has left this end
 *    (the UART's FIFO drained, the peer has it), or an error.
 *  - Close: flushes, then signals the end of the stream to the peer (a
 *    half-close: the read direction stays usable until the peer's end of
 *    stream, where the medium allows). READY with 0, or an error. Later
 *    writes return TERN_ECLOSED; closing again is READY with 0.
 *  - One task per direction: a stream stores one waker for reading and one
 *    for writing, flushing and closing; a second task polling the same
 *    direction replaces the first's waker. */
#ifndef TERN_STREAM_H
#define TERN_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "tern/poll.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What an implementation provides. self is the stream's self pointer. The
 * wrappers never pass len == 0 to poll_read or poll_write. poll_flush and
 * poll_close may be NULL when there is nothing to do (READY with 0). */
typedef struct tern_stream_ops {
  tern_poll (*poll_read)(void *self, tern_cx *cx, void *buf, size_t len,
                         ptrdiff_t *n);
  tern_poll (*poll_write)(void *self, tern_cx *cx, const void *buf, size_t len,
                          ptrdiff_t *n);
  tern_poll (*poll_flush)(void *self, tern_cx *cx, int *err);
  tern_poll (*poll_close)(void *self, tern_cx *cx, int *err);
} tern_stream_ops;

/* A stream: an implementation's ops and its self pointer. Copy it freely;
 * the object it points at is the implementation's (caller storage). */
typedef struct tern_stream {
  const tern_stream_ops *ops;
  void *self;
} tern_stream;

/* Reads up to len bytes into buf. READY: *n is the count (> 0), 0 at the
 * end of the stream (or for len == 0), or a negative tern_err. */
static inline tern_poll tern_stream_poll_read(const tern_stream *s, tern_cx *cx,
                                              void *buf, size_t len,
                                              ptrdiff_t *n) {
  if (len == 0) {
    *n = 0;
    return TERN_READY;
  }
  return s->ops->poll_read(s->self, cx, buf, len, n);
}

/* Writes up to len bytes from buf. READY: *n is how many were taken
 * (0 < *n <= len; 0 only for len == 0) or a negative tern_err. */
static inline tern_poll tern_stream_poll_write(const tern_stream *s,
                                               tern_cx *cx, const void *buf,
                                               size_t len, ptrdiff_t *n) {
  if (len == 0) {
    *n = 0;
    return TERN_READY;
  }
  return s->ops->poll_write(s->self, cx, buf, len, n);
}

/* Waits until everything written has left this end. READY: *err is 0 or
 * a negative tern_err. */
static inline tern_poll tern_stream_poll_flush(const tern_stream *s,
                                               tern_cx *cx, int *err) {
  if (s->ops->poll_flush == NULL) {
    *err = 0;
    return TERN_READY;
  }
  return s->ops->poll_flush(s->self, cx, err);
}

/* Flushes and signals the end of the stream to the peer. READY: *err is 0
 * or a negative tern_err. */
static inline tern_poll tern_stream_poll_close(const tern_stream *s,
                                               tern_cx *cx, int *err) {
  if (s->ops->poll_close == NULL) {
    *err = 0;
    return TERN_READY;
  }
  return s->ops->poll_close(s->self, cx, err);
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_STREAM_H */
