/* A tern_stream over host file descriptors: a pty master, one end of a
 * socketpair or a connected socket, or a pair of pipes (one to read, one
 * to write). For SLIP and PPP against real peers (slattach, pppd, socat on
 * a pty) and for tests.
 *
 *   static tern_host_fd_stream s;
 *   int fds[2];
 *   socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
 *   tern_host_fd_stream_open(&s, fds[0], fds[0]);  // owns fds[0] now
 *   tern_stream io = tern_host_fd_stream_get(&s);
 *   ... tern_stream_poll_read(&io, cx, buf, sizeof buf, &n) ...
 *   tern_host_fd_stream_release(&s);               // unregisters, closes
 *
 * The stream keeps the tern/stream.h contract on top of the descriptors:
 *  - read: read(2) of what is there, at least one byte; 0 (end of stream)
 *    when read(2) says end of file, and on a pty master when every slave
 *    descriptor has been closed (Linux's EIO there is a hang-up); the end
 *    is sticky. EAGAIN waits for the descriptor to become readable.
 *  - write: write(2) (send(2) with MSG_NOSIGNAL on sockets, so a closed
 *    peer is TERN_ECLOSED rather than SIGPIPE); partial writes are normal.
 *    EAGAIN waits for writable. EPIPE, ECONNRESET, and EIO on a pty master
 *    are TERN_ECLOSED; other failures TERN_EIO.
 *    Writing to a pipe whose reader has gone raises SIGPIPE, which kills
 *    the process unless the program ignores it (signal(SIGPIPE, SIG_IGN));
 *    the stream then returns TERN_ECLOSED.
 *  - flush: READY at once: a write has left this end when write(2)
 *    returns (the kernel holds the bytes for the peer).
 *  - close: a half-close where the medium has one: shutdown(SHUT_WR) on a
 *    socket, closing the write descriptor of a pipe pair; the read side
 *    stays usable. A pty (one descriptor for both ways) cannot signal end
 *    of stream to the slave in raw mode, so close only stops writing;
 *    release the stream to hang up.
 *
 * Heap-free; the stream is caller storage, in place from open to
 * release. Link //platforms/host:port and run the executor on it. */
#ifndef TERN_HOST_FD_STREAM_H
#define TERN_HOST_FD_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "tern/host_port.h"
#include "tern/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fields are private to the driver. */
typedef struct tern_host_fd_stream {
  int rfd; /* -1 when released */
  int wfd; /* == rfd for a pty or a socket; -1 after closing a pipe */
  tern_host_fd rreg;
  tern_host_fd wreg;     /* used only when wfd != rfd */
  uint8_t is_socket;     /* write with send(MSG_NOSIGNAL), shutdown on close */
  uint8_t is_pty_master; /* EIO means the slave hung up */
  uint8_t eof;           /* end of stream seen (sticky) */
  uint8_t closed;        /* poll_close done: writes fail */
  int os_errno;          /* errno of the last failure, for messages */
} tern_host_fd_stream;

/* Takes ownership of rfd and wfd (the same descriptor for a pty or a
 * socket), puts them in non-blocking mode (O_NONBLOCK is a file status
 * flag, shared with any dup), and registers them with the host port.
 * Returns 0, or TERN_EINVAL (s is NULL, a descriptor is negative or not
 * open), TERN_ENOTSUP (a regular file or directory: use plain IO),
 * TERN_EBUSY (already registered with the port) or TERN_ENOMEM; on
 * failure the descriptors are left open and still the caller's. */
int tern_host_fd_stream_open(tern_host_fd_stream *s, int rfd, int wfd);

/* The stream interface of an open stream. */
tern_stream tern_host_fd_stream_get(tern_host_fd_stream *s);

/* Unregisters and closes the descriptors, waking first a task waiting to
 * read or write (its next poll gives TERN_ECLOSED). Safe on a released
 * stream. Returns 0. */
int tern_host_fd_stream_release(tern_host_fd_stream *s);

/* Opens a new pseudo-terminal pair in raw mode (cfmakeraw: no echo, no
 * line editing, no CR/LF translation, 8-bit bytes): *master gets the
 * master descriptor (non-blocking, close-on-exec), ready for
 * tern_host_fd_stream_open(s, *master, *master), and slave_path the
 * slave's name ("/dev/pts/3") for the peer to open. path_len is the size
 * of slave_path (32 is plenty).
 *
 * A pty master reads end of stream as soon as its last slave descriptor
 * closes (and not before one was opened). If slave is not NULL the slave
 * is opened too (blocking, close-on-exec, not the controlling terminal)
 * and *slave receives it; keeping it open holds the stream open while
 * peers come and go. Returns 0, or TERN_EINVAL (NULL arguments),
 * TERN_ENOSPC (path_len too small), TERN_ENOMEM (out of ptys or
 * descriptors) or TERN_EIO; nothing stays open on failure. */
int tern_host_pty_open(int *master, char *slave_path, size_t path_len,
                       int *slave);

#ifdef __cplusplus
}
#endif

#endif /* TERN_HOST_FD_STREAM_H */
