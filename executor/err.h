/* tern's error codes. Every fallible function returns 0 (or a count) on
 * success and one of these, always negative, on failure. */
#ifndef TERN_ERR_H
#define TERN_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tern_err {
  TERN_OK = 0,
  TERN_EINVAL = -1,         /* an argument is out of its domain */
  TERN_ENOMEM = -2,         /* caller-provided storage is exhausted */
  TERN_ENOBUFS = -3,        /* no packet buffer is free */
  TERN_EMSGSIZE = -4,       /* message too long for the path or the buffer */
  TERN_ENOSPC = -5,         /* would not fit in the space given */
  TERN_EAGAIN = -6,         /* nothing to do now; try again later */
  TERN_ETIMEDOUT = -7,      /* a deadline passed */
  TERN_ECANCELED = -8,      /* the operation was cancelled */
  TERN_ECLOSED = -9,        /* the object or the peer is closed */
  TERN_ENETUNREACH = -10,   /* no route to the destination */
  TERN_EHOSTUNREACH = -11,  /* the neighbour could not be resolved */
  TERN_ECONNREFUSED = -12,  /* the peer refused the connection */
  TERN_ECONNRESET = -13,    /* the peer reset the connection */
  TERN_ENOTCONN = -14,      /* not connected */
  TERN_EADDRINUSE = -15,    /* the address or port is already bound */
  TERN_EADDRNOTAVAIL = -16, /* the address is not one of ours */
  TERN_EBUSY = -17,         /* the object is in use */
  TERN_EALREADY = -18,      /* already in progress or done */
  TERN_EPROTO = -19,        /* the peer broke the protocol */
  TERN_ENOTSUP = -20,       /* not supported */
  TERN_EIO = -21,           /* the device failed */
  TERN_ERANGE = -22,        /* a value is out of range */
  TERN_ENOENT = -23,        /* no such name or entry */
  TERN_ENETDOWN = -24,      /* the link is down */
  TERN_EAFNOSUPPORT = -25,  /* the address family is not supported */
  TERN_ENODATA = -26,       /* the name exists but has no such data (DNS
                               no data, RFC 2308 2.2; NXDOMAIN is ENOENT) */
} tern_err;

/* A short English name of an error code ("invalid argument"); never NULL,
 * "unknown error" for values that are not tern_err codes. */
const char *tern_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* TERN_ERR_H */
