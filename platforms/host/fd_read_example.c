#include "tern/fd_read_example.h"

#include <errno.h>
#include <unistd.h>

#include "tern/err.h"

tern_poll example_poll_read(example_reader *r, tern_cx *cx, uint8_t *buf,
                            size_t len, int *result) {
  for (;;) {
    ssize_t n = read(r->fd, buf, len);
    if (n >= 0) {
      *result = (int)n;
      return TERN_READY;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      *result = TERN_EIO;
      return TERN_READY;
    }
    /* Nothing to read: store the waker. If data arrived since the read,
     * the poll sees it and says READY, and we read again. */
    if (tern_host_fd_poll_readable(&r->reg, cx) == TERN_PENDING) {
      return TERN_PENDING;
    }
  }
}
