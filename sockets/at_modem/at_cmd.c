#include "tern/at_cmd.h"

#include <string.h>

/* A command being assembled in a scratch buffer of TERN_AT_CMD_MAX bytes,
 * copied to the caller's only when whole, so a short buffer is left as it
 * was. */
typedef struct cmd {
  char s[TERN_AT_CMD_MAX];
  size_t n;
} cmd;

static void put(cmd *c, const char *s, size_t n) {
  /* Callers bound every argument; this is the last line of defence. */
  if (n > sizeof c->s - c->n) {
    n = sizeof c->s - c->n;
  }
  memcpy(c->s + c->n, s, n);
  c->n += n;
}

static void put_str(cmd *c, const char *s) {
  put(c, s, strlen(s));
}

static void put_dec(cmd *c, uint32_t v) {
  char d[10];
  size_t n = 0;
  do {
    d[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  char r[10];
  for (size_t i = 0; i < n; i++) {
    r[i] = d[n - 1 - i];
  }
  put(c, r, n);
}

static int done(const cmd *c, char *buf, size_t cap) {
  if (buf == NULL || c->n > cap) {
    return buf == NULL ? TERN_EINVAL : TERN_ENOSPC;
  }
  memcpy(buf, c->s, c->n);
  return (int)c->n;
}

/* Checks a remote and writes its address, unquoted, into ip (at least
 * TERN_IPV6_STRLEN bytes). Returns the address's length, or a tern_err. */
static int remote_text(const tern_endpoint *remote, char *ip, size_t cap,
                       int *v6) {
  if (remote == NULL || remote->port == 0) {
    return TERN_EINVAL;
  }
  if (remote->addr.family == TERN_IP_V4) {
    *v6 = 0;
  } else if (remote->addr.family == TERN_IP_V6) {
    *v6 = 1;
    if (remote->scope != 0) {
      return TERN_ENOTSUP;
    }
  } else {
    return TERN_EINVAL;
  }
  int n = tern_ip_format(&remote->addr, ip, cap);
  return n < 0 ? TERN_EINVAL : n;
}

int tern_at_cmd_cipstart(char *buf, size_t cap, unsigned link,
                         tern_at_proto proto, const tern_endpoint *remote,
                         uint16_t local_port) {
  if (link > TERN_AT_CMD_LINK_MAX ||
      (proto != TERN_AT_TCP && proto != TERN_AT_UDP) ||
      (proto == TERN_AT_TCP && local_port != 0)) {
    return TERN_EINVAL;
  }
  int v6;
  char ip[TERN_IPV6_STRLEN];
  int iplen = remote_text(remote, ip, sizeof ip, &v6);
  if (iplen < 0) {
    return iplen;
  }
  cmd c = {.n = 0};
  put_str(&c, "AT+CIPSTART=");
  put_dec(&c, link);
  put_str(&c, proto == TERN_AT_TCP ? ",\"TCP" : ",\"UDP");
  put_str(&c, v6 ? "v6\",\"" : "\",\"");
  put(&c, ip, (size_t)iplen);
  put_str(&c, "\",");
  put_dec(&c, remote->port);
  if (local_port != 0) {
    put_str(&c, ",");
    put_dec(&c, local_port);
  }
  put_str(&c, "\r\n");
  return done(&c, buf, cap);
}

/* "<name><link>,<len>\r\n": AT+CIPSEND and AT+CIPRECVDATA. */
static int link_len(char *buf, size_t cap, const char *name, unsigned link,
                    size_t len) {
  if (link > TERN_AT_CMD_LINK_MAX || len == 0 || len > TERN_AT_SEND_MAX) {
    return TERN_EINVAL;
  }
  static const char sep[] = ",\r\n"; /* ",", then the line's end */
  cmd c = {.n = 0};
  put_str(&c, name);
  put_dec(&c, link);
  put(&c, sep, 1);
  put_dec(&c, (uint32_t)len);
  put(&c, sep + 1, 2);
  return done(&c, buf, cap);
}

int tern_at_cmd_cipsend(char *buf, size_t cap, unsigned link, size_t len) {
  return link_len(buf, cap, "AT+CIPSEND=", link, len);
}

int tern_at_cmd_ciprecvdata(char *buf, size_t cap, unsigned link, size_t len) {
  return link_len(buf, cap, "AT+CIPRECVDATA=", link, len);
}

int tern_at_cmd_cipsend_to(char *buf, size_t cap, unsigned link, size_t len,
                           const tern_endpoint *remote) {
  if (link > TERN_AT_CMD_LINK_MAX || len == 0 || len > TERN_AT_SEND_MAX) {
    return TERN_EINVAL;
  }
  int v6;
  char ip[TERN_IPV6_STRLEN];
  int iplen = remote_text(remote, ip, sizeof ip, &v6);
  if (iplen < 0) {
    return iplen;
  }
  cmd c = {.n = 0};
  put_str(&c, "AT+CIPSEND=");
  put_dec(&c, link);
  put_str(&c, ",");
  put_dec(&c, (uint32_t)len);
  put_str(&c, ",\"");
  put(&c, ip, (size_t)iplen);
  put_str(&c, "\",");
  put_dec(&c, remote->port);
  put_str(&c, "\r\n");
  return done(&c, buf, cap);
}

int tern_at_cmd_cipserver(char *buf, size_t cap, uint16_t port) {
  if (port == 0) {
    return TERN_EINVAL;
  }
  cmd c = {.n = 0};
  put_str(&c, "AT+CIPSERVER=1,");
  put_dec(&c, port);
  put_str(&c, "\r\n");
  return done(&c, buf, cap);
}

int tern_at_cmd_cipclose(char *buf, size_t cap, unsigned link) {
  if (link > TERN_AT_CMD_LINK_MAX) {
    return TERN_EINVAL;
  }
  cmd c = {.n = 0};
  put_str(&c, "AT+CIPCLOSE=");
  put_dec(&c, link);
  put_str(&c, "\r\n");
  return done(&c, buf, cap);
}
