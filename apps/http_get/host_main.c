/* http_get: fetches one URL with the HTTP/1.0 client (tern/http_get.h) and
 * writes the body to stdout, the status line's code and the body's length
 * to stderr. The same main for every backend (host_net.h):
 *   http_get_posix [--timeout S] http://A.B.C.D[:PORT]/path
 *   http_get_tern [--timeout S] --tap NAME --addr A.B.C.D/P [--gw G] http://...
 * --timeout (default 10): give up when the connect, the head or one body
 * read waits longer than S seconds (TERN_ETIMEDOUT); a close that waits
 * longer is reset (the body read whole still exits 0).
 * Exit: 0 for a 2xx response read whole, 3 for another status (its body is
 * still written), 1 for an error (one line on stderr), 2 for usage. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/http_get/host_net.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/host_args.h"
#include "tern/http_get.h"
#include "tern/timer.h"

typedef struct fetch {
  tern_task task;
  tern_co co;
  tern_http_get get;
  tern_timer timer; /* each wait's deadline */
  uint32_t timeout_ms;
  bool expired;
  int err;     /* the first error */
  int cerr;    /* the close's */
  ptrdiff_t n; /* the last read */
  uint8_t buf[4096];
} fetch;

static tern_executor ex;
static fetch f;

static tern_poll run(tern_task *t, tern_cx *cx) {
  fetch *s = TERN_CONTAINER_OF(t, fetch, task);
  TERN_CO_BEGIN(&s->co);
  TERN_CO_AWAIT(&s->co,
                tern_with_timeout(&s->timer, cx,
                                  tern_http_get_poll_head(&s->get, cx, &s->err),
                                  s->timeout_ms, &s->expired));
  if (s->expired) {
    s->err = TERN_ETIMEDOUT;
  }
  if (s->err == 0) {
    fprintf(stderr, "http_get: status %u\n", (unsigned)s->get.head.status);
    do {
      TERN_CO_AWAIT(&s->co, tern_with_timeout(
                                &s->timer, cx,
                                tern_http_get_poll_read(&s->get, cx, s->buf,
                                                        sizeof s->buf, &s->n),
                                s->timeout_ms, &s->expired));
      if (s->expired) {
        s->n = TERN_ETIMEDOUT;
      }
      if (s->n > 0 && fwrite(s->buf, 1, (size_t)s->n, stdout) != (size_t)s->n) {
        s->n = TERN_EIO;
      }
    } while (s->n > 0);
    if (s->n < 0) {
      s->err = (int)s->n;
    }
  }
  if (s->err != 0) {
    tern_http_get_abort(&s->get);
  }
  /* The close waits for the server to acknowledge it, which a server may
   * never do: bounded too, then reset. */
  TERN_CO_AWAIT(
      &s->co, tern_with_timeout(&s->timer, cx,
                                tern_http_get_poll_close(&s->get, cx, &s->cerr),
                                s->timeout_ms, &s->expired));
  if (s->expired) {
    tern_http_get_abort(&s->get);
  }
  TERN_CO_END(&s->co);
}

/* "http://" authority path: the authority (host[:port], an IPv6 address
 * in brackets) into host, the endpoint into ep, the path (default "/"). */
static int parse_url(const char *url, char *host, size_t host_cap,
                     tern_endpoint *ep, const char **path) {
  if (strncmp(url, "http://", 7) != 0) {
    return -1;
  }
  const char *a = url + 7;
  const char *slash = strchr(a, '/');
  size_t alen = slash != NULL ? (size_t)(slash - a) : strlen(a);
  *path = slash != NULL ? slash : "/";
  if (alen == 0 || alen + 4 > host_cap) {
    return -1;
  }
  memcpy(host, a, alen);
  host[alen] = '\0';
  char text[80];
  const char *bracket = strrchr(host, ']');
  const char *colon = strrchr(bracket != NULL ? bracket : host, ':');
  int n = snprintf(text, sizeof text, "%s%s", host, colon != NULL ? "" : ":80");
  if (n < 0 || (size_t)n >= sizeof text) {
    return -1;
  }
  return tern_endpoint_parse(ep, text, (size_t)n) == 0 ? 0 : -1;
}

static int usage(const char *prog) {
  fprintf(stderr, "usage: %s [--timeout S] %s%shttp://ADDRESS[:PORT]/PATH\n",
          prog, http_host_net_usage, http_host_net_usage[0] != '\0' ? " " : "");
  return 2;
}

int main(int argc, char **argv) {
  const char *prog = argv[0];
  char *url = NULL;
  uint64_t timeout_s = 10;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
      if (!tern_host_arg_number(argv[i + 1], 1, 86400, &timeout_s)) {
        fprintf(stderr, "%s: bad --timeout %s (want seconds, 1..86400)\n", prog,
                argv[i + 1]);
        return 2;
      }
      i++;
    } else if (strncmp(argv[i], "--", 2) == 0) {
      if (i + 1 >= argc || !http_host_net_option(argv[i], argv[i + 1])) {
        return usage(prog);
      }
      i++;
    } else if (url == NULL) {
      url = argv[i];
    } else {
      return usage(prog);
    }
  }
  char host[64];
  tern_endpoint server;
  const char *path = NULL;
  if (url == NULL) {
    return usage(prog);
  }
  char *fragment = strchr(url, '#');
  if (fragment != NULL) {
    *fragment = '\0'; /* the client's own: never sent (RFC 9110 4.2.4) */
  }
  if (parse_url(url, host, sizeof host, &server, &path) != 0) {
    fprintf(stderr, "%s: bad URL %s (want http://ADDRESS[:PORT]/PATH)\n", prog,
            url);
    return 2;
  }
  tern_executor_init(&ex);
  tern_net *net = http_host_net_open(&ex, prog);
  int rc = tern_http_get_start(&f.get, net, &server, host, path);
  if (rc != 0) {
    fprintf(stderr, "%s: %s: %s\n", prog, url, tern_strerror(rc));
    return 1;
  }
  f.timeout_ms = (uint32_t)timeout_s * 1000u;
  tern_task_init(&f.task, run);
  if (tern_spawn(&ex, &f.task) != 0) {
    return 1;
  }
  tern_executor_run(&ex, &f.task);
  fflush(stdout);
  if (f.err != 0) {
    fprintf(stderr, "%s: %s: %s after %" PRIu64 " body bytes\n", prog, url,
            tern_strerror(f.err), f.get.received);
    return 1;
  }
  fprintf(stderr, "http_get: %" PRIu64 " body bytes\n", f.get.received);
  return f.get.head.status >= 200 && f.get.head.status < 300 ? 0 : 3;
}
