// Fuzz target for the response head parser. The input is fed three ways:
// in one piece, one byte at a time, and cut in two at a point its first
// byte picks. All three must agree on the result (return, bytes used,
// status, framing) and every result must be one the header names.
#include <stdint.h>
#include <stdlib.h>

#include <vector>

#include "tern/err.h"
#include "tern/http_head.h"

struct Outcome {
  int rc;
  size_t used;
  tern_http_head h;
};

static Outcome Run(const uint8_t *data, size_t len, size_t piece) {
  Outcome o = {};
  tern_http_head_init(&o.h);
  size_t off = 0;
  do {
    size_t n = len - off < piece ? len - off : piece;
    // Exactly n bytes on the heap: ASan sees any read past them.
    std::vector<uint8_t> exact(data + off, data + off + n);
    size_t used = 0;
    o.rc = tern_http_head_feed(&o.h, exact.data(), n, &used);
    if (used > n) {
      abort();
    }
    o.used = off + used;
    off += n;
  } while (o.rc == 0 && off < len);
  return o;
}

static void Same(const Outcome &a, const Outcome &b) {
  if (a.rc != b.rc || a.used != b.used) {
    abort();
  }
  if (a.rc == 1 &&
      (a.h.status != b.h.status || a.h.body != b.h.body ||
       a.h.content_length != b.h.content_length || a.h.minor != b.h.minor)) {
    abort();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  Outcome whole = Run(data, len, len > 0 ? len : 1);
  if (whole.rc != 0 && whole.rc != 1 && whole.rc != TERN_EPROTO &&
      whole.rc != TERN_EMSGSIZE) {
    abort();
  }
  if (whole.rc == 1 && (whole.h.status < 200 || whole.h.status > 599 ||
                        whole.h.body > TERN_HTTP_BODY_CLOSE)) {
    abort();
  }
  Same(whole, Run(data, len, 1));
  if (len > 1) {
    Same(whole, Run(data, len, 1 + data[0] % (len - 1)));
  }
  return 0;
}
