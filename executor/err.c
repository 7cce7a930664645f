#include "tern/err.h"

const char *tern_strerror(int err) {
  switch (err) {
    case TERN_OK: return "success";
    case TERN_EINVAL: return "invalid argument";
    case TERN_ENOMEM: return "out of storage";
    case TERN_ENOBUFS: return "no packet buffer";
    case TERN_EMSGSIZE: return "message too long";
    case TERN_ENOSPC: return "would not fit";
    case TERN_EAGAIN: return "try again";
    case TERN_ETIMEDOUT: return "timed out";
    case TERN_ECANCELED: return "cancelled";
    case TERN_ECLOSED: return "closed";
    case TERN_ENETUNREACH: return "no route to network";
    case TERN_EHOSTUNREACH: return "host unreachable";
    case TERN_ECONNREFUSED: return "connection refused";
    case TERN_ECONNRESET: return "connection reset";
    case TERN_ENOTCONN: return "not connected";
    case TERN_EADDRINUSE: return "address in use";
    case TERN_EADDRNOTAVAIL: return "address not available";
    case TERN_EBUSY: return "busy";
    case TERN_EALREADY: return "already in progress";
    case TERN_EPROTO: return "protocol error";
    case TERN_ENOTSUP: return "not supported";
    case TERN_EIO: return "I/O error";
    case TERN_ERANGE: return "out of range";
    case TERN_ENOENT: return "not found";
    case TERN_ENETDOWN: return "network down";
    case TERN_EAFNOSUPPORT: return "address family not supported";
    case TERN_ENODATA: return "no data";
  }
  return "unknown error";
}
