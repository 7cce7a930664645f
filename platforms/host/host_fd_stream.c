/* A tern_stream over non-blocking host descriptors, and a pty opener.
 * See tern/host_fd_stream.h. */
#define _GNU_SOURCE
#include "tern/host_fd_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "tern/err.h"

static int set_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) {
    return -1;
  }
  if ((fl & O_NONBLOCK) != 0) {
    return 0;
  }
  return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int tern_host_fd_stream_open(tern_host_fd_stream *s, int rfd, int wfd) {
  if (s == NULL) {
    return TERN_EINVAL;
  }
  memset(s, 0, sizeof *s);
  s->rfd = -1;
  s->wfd = -1;
  s->rreg.fd = -1;
  s->wreg.fd = -1;
  if (rfd < 0 || wfd < 0 || fcntl(rfd, F_GETFL) < 0 ||
      fcntl(wfd, F_GETFL) < 0) {
    return TERN_EINVAL;
  }
  int err = tern_host_fd_register(&s->rreg, rfd);
  if (err != 0) {
    return err;
  }
  if (wfd != rfd) {
    err = tern_host_fd_register(&s->wreg, wfd);
    if (err != 0) {
      (void)tern_host_fd_unregister(&s->rreg);
      return err;
    }
  }
  if (set_nonblocking(rfd) != 0 || set_nonblocking(wfd) != 0) {
    s->os_errno = errno;
    (void)tern_host_fd_unregister(&s->rreg);
    if (wfd != rfd) {
      (void)tern_host_fd_unregister(&s->wreg);
    }
    return TERN_EIO;
  }
  struct stat st;
  s->is_socket = fstat(wfd, &st) == 0 && S_ISSOCK(st.st_mode);
  unsigned int ptn;
  /* Only a pty master answers TIOCGPTN (its slave's number). */
  s->is_pty_master = rfd == wfd && ioctl(rfd, TIOCGPTN, &ptn) == 0;
  s->rfd = rfd;
  s->wfd = wfd;
  return 0;
}

/* Ends the use of one descriptor: a task waiting on it is woken first (its
 * next poll meets TERN_ECLOSED), since unregistering forgets the wakers
 * without calling them. */
static void fd_drop(tern_host_fd *reg, int fd) {
  (void)tern_host_fd_wake(reg);
  (void)tern_host_fd_unregister(reg);
  close(fd);
}

int tern_host_fd_stream_release(tern_host_fd_stream *s) {
  if (s == NULL || s->rfd < 0) {
    return 0;
  }
  int rfd = s->rfd, wfd = s->wfd;
  /* Marked released before the wakes, for a woken task on another thread. */
  s->rfd = -1;
  s->wfd = -1;
  if (wfd >= 0 && wfd != rfd) {
    fd_drop(&s->wreg, wfd);
  }
  fd_drop(&s->rreg, rfd);
  return 0;
}

static tern_poll fd_poll_read(void *self, tern_cx *cx, void *buf, size_t len,
                              ptrdiff_t *n) {
  tern_host_fd_stream *s = self;
  if (s->rfd < 0) {
    *n = TERN_ECLOSED;
    return TERN_READY;
  }
  if (s->eof) {
    *n = 0;
    return TERN_READY;
  }
  for (;;) {
    ssize_t r = read(s->rfd, buf, len);
    if (r > 0) {
      *n = r;
      return TERN_READY;
    }
    if (r == 0) {
      s->eof = 1;
      *n = 0;
      return TERN_READY;
    }
    int e = errno;
    if (e == EINTR) {
      continue;
    }
    if (e == EAGAIN || e == EWOULDBLOCK) {
      if (tern_host_fd_poll_readable(&s->rreg, cx) == TERN_PENDING) {
        return TERN_PENDING;
      }
      continue;
    }
    if (e == EIO && s->is_pty_master) {
      /* Linux: every slave descriptor is closed (a hang-up). */
      s->eof = 1;
      *n = 0;
      return TERN_READY;
    }
    s->os_errno = e;
    *n = e == ECONNRESET ? TERN_ECONNRESET : TERN_EIO;
    return TERN_READY;
  }
}

static tern_poll fd_poll_write(void *self, tern_cx *cx, const void *buf,
                               size_t len, ptrdiff_t *n) {
  tern_host_fd_stream *s = self;
  if (s->rfd < 0 || s->closed || s->wfd < 0) {
    *n = TERN_ECLOSED;
    return TERN_READY;
  }
  tern_host_fd *reg = s->wfd == s->rfd ? &s->rreg : &s->wreg;
  for (;;) {
    ssize_t r = s->is_socket ? send(s->wfd, buf, len, MSG_NOSIGNAL)
                             : write(s->wfd, buf, len);
    if (r > 0) {
      *n = r;
      return TERN_READY;
    }
    int e = r == 0 ? EAGAIN : errno;
    if (e == EINTR) {
      continue;
    }
    if (e == EAGAIN || e == EWOULDBLOCK) {
      if (tern_host_fd_poll_writable(reg, cx) == TERN_PENDING) {
        return TERN_PENDING;
      }
      continue;
    }
    s->os_errno = e;
    if (e == EPIPE || e == ECONNRESET || (e == EIO && s->is_pty_master)) {
      *n = TERN_ECLOSED;
    } else {
      *n = TERN_EIO;
    }
    return TERN_READY;
  }
}

static tern_poll fd_poll_close(void *self, tern_cx *cx, int *err) {
  (void)cx; /* nothing here waits: see the header */
  tern_host_fd_stream *s = self;
  *err = 0;
  if (s->rfd < 0 || s->closed) {
    return TERN_READY;
  }
  s->closed = 1;
  if (s->is_socket) {
    if (shutdown(s->wfd, SHUT_WR) != 0 && errno != ENOTCONN) {
      s->os_errno = errno;
      *err = TERN_EIO;
    }
  } else if (s->wfd != s->rfd) {
    int wfd = s->wfd;
    s->wfd = -1;
    fd_drop(&s->wreg, wfd);
    return TERN_READY;
  }
  /* The descriptor stays (a socket, or a pty's one for both ways): a task
   * asleep in a write is woken to meet TERN_ECLOSED now, not when the peer
   * makes room (a reader waiting on the same registration is woken
   * spuriously and waits again). */
  (void)tern_host_fd_wake(s->wfd == s->rfd ? &s->rreg : &s->wreg);
  return TERN_READY;
}

static const tern_stream_ops fd_stream_ops = {
    fd_poll_read,
    fd_poll_write,
    NULL, /* flush: written bytes are already with the kernel */
    fd_poll_close,
};

tern_stream tern_host_fd_stream_get(tern_host_fd_stream *s) {
  tern_stream st;
  st.ops = &fd_stream_ops;
  st.self = s;
  return st;
}

int tern_host_pty_open(int *master, char *slave_path, size_t path_len,
                       int *slave) {
  if (master == NULL || slave_path == NULL) {
    return TERN_EINVAL;
  }
  int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) {
    return (errno == EAGAIN || errno == ENOSPC || errno == EMFILE ||
            errno == ENFILE)
               ? TERN_ENOMEM
               : TERN_EIO;
  }
  int err = TERN_EIO;
  if (grantpt(m) != 0 || unlockpt(m) != 0) {
    goto fail;
  }
  int r = ptsname_r(m, slave_path, path_len);
  if (r != 0) {
    err = r == ERANGE ? TERN_ENOSPC : TERN_EIO;
    goto fail;
  }
  /* On Linux the terminal settings of a pty belong to its slave side, and
   * tcsetattr on the master sets them: raw mode takes effect without
   * opening the slave (which would hang up the master when closed). */
  struct termios t;
  if (tcgetattr(m, &t) != 0) {
    goto fail;
  }
  cfmakeraw(&t);
  if (tcsetattr(m, TCSANOW, &t) != 0) {
    goto fail;
  }
  if (set_nonblocking(m) != 0) {
    goto fail;
  }
  if (slave != NULL) {
    int sfd = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (sfd < 0) {
      goto fail;
    }
    *slave = sfd;
  }
  *master = m;
  return 0;
fail:
  close(m);
  return err;
}
