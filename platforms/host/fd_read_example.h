/* An example host driver operation, compiled and tested so that the code
 * in README.md stays true: an async read from a non-blocking descriptor
 * registered with the host port. */
#ifndef TERN_FD_READ_EXAMPLE_H
#define TERN_FD_READ_EXAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "tern/host_port.h"
#include "tern/poll.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct example_reader {
  int fd;           /* non-blocking; the caller opens and closes it */
  tern_host_fd reg; /* registered with tern_host_fd_register(&reg, fd) */
} example_reader;

/* READY with *result = bytes read (0 at end of file) or TERN_EIO; PENDING
 * with the caller's waker stored until fd becomes readable. */
tern_poll example_poll_read(example_reader *r, tern_cx *cx, uint8_t *buf,
                            size_t len, int *result);

#ifdef __cplusplus
}
#endif

#endif /* TERN_FD_READ_EXAMPLE_H */
