#include "tern/at_cmd.h"

#include <string.h>

/* A command being assembled in a scratch buffer of TERN_AT_CMD_MAX bytes,
 * copied to the caller's only when whole, so a short buffer is left as it
 * was. */
typedef struct cmd {
  char s[TERN_AT_CMD_MAX];
  size_t n; /* bytes written; only those are read (the rest is not set) */
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
  char d[10]; /* written from the end: the last digit first */
  size_t i = sizeof d;
  do {
    d[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  put(c, d + i, sizeof d - i);
}

/* Ends the line and copies the command out whole. */
static int done(cmd *c, char *buf, size_t cap) {
  put(c, "\r\n", 2);
  if (buf == NULL || c->n > cap) {
    return buf == NULL ? TERN_EINVAL : TERN_ENOSPC;
  }
  memcpy(buf, c->s, c->n);
  return (int)c->n;
}

/* "<name><a>", then ",<b>" unless b is 0. */
static void put_nums(cmd *c, const char *name, uint32_t a, uint32_t b) {
  put_str(c, name);
  put_dec(c, a);
  if (b != 0) {
    put(c, ",", 1);
    put_dec(c, b);
  }
}

/* Checks a remote and writes it: "<ip>",<port> (the address by
 * tern_ip_format, so never a quote or comma of the caller's). Returns 0
 * or a tern_err. */
static int put_remote(cmd *c, const tern_endpoint *remote) {
  char ip[TERN_IPV6_STRLEN];
  if (remote == NULL || remote->port == 0) {
    return TERN_EINVAL;
  }
  int rc = tern_ip_family_check(remote->addr.family);
  if (rc != 0) {
    return rc;
  }
  if (remote->addr.family == TERN_IP_V6 && remote->scope != 0) {
    return TERN_ENOTSUP; /* the command has no zone */
  }
  int n = tern_ip_format(&remote->addr, ip, sizeof ip);
  if (n < 0) {
    return TERN_EINVAL;
  }
  put(c, "\"", 1);
  put(c, ip, (size_t)n);
  put(c, "\",", 2);
  put_dec(c, remote->port);
  return 0;
}

int tern_at_cmd_cipstart(char *buf, size_t cap, unsigned link,
                         tern_at_proto proto, const tern_endpoint *remote,
                         uint16_t local_port) {
  if (link > TERN_AT_CMD_LINK_MAX ||
      (proto != TERN_AT_TCP && proto != TERN_AT_UDP) ||
      (proto == TERN_AT_TCP && local_port != 0)) {
    return TERN_EINVAL;
  }
  bool v6 = remote != NULL && remote->addr.family == TERN_IP_V6;
  cmd c;
  c.n = 0;
  put_nums(&c, "AT+CIPSTART=", link, 0);
  put_str(&c, proto == TERN_AT_TCP ? ",\"TCP" : ",\"UDP");
  put_str(&c, v6 ? "v6\"," : "\",");
  int rc = put_remote(&c, remote);
  if (rc < 0) {
    return rc;
  }
  if (local_port != 0) {
    put_nums(&c, ",", local_port, 0);
  }
  return done(&c, buf, cap);
}

static bool bad_link_len(unsigned link, size_t len) {
  return link > TERN_AT_CMD_LINK_MAX || len == 0 || len > TERN_AT_SEND_MAX;
}

/* A whole command of numbers: "<name><a>[,<b>]\r\n". */
static int nums(char *buf, size_t cap, const char *name, uint32_t a,
                uint32_t b) {
  cmd c;
  c.n = 0;
  put_nums(&c, name, a, b);
  return done(&c, buf, cap);
}

int tern_at_cmd_cipsend(char *buf, size_t cap, unsigned link, size_t len) {
  return bad_link_len(link, len)
             ? TERN_EINVAL
             : nums(buf, cap, "AT+CIPSEND=", link, (uint32_t)len);
}

int tern_at_cmd_ciprecvdata(char *buf, size_t cap, unsigned link, size_t len) {
  return bad_link_len(link, len)
             ? TERN_EINVAL
             : nums(buf, cap, "AT+CIPRECVDATA=", link, (uint32_t)len);
}

int tern_at_cmd_cipsend_to(char *buf, size_t cap, unsigned link, size_t len,
                           const tern_endpoint *remote) {
  if (bad_link_len(link, len)) {
    return TERN_EINVAL;
  }
  cmd c;
  c.n = 0;
  put_nums(&c, "AT+CIPSEND=", link, (uint32_t)len);
  put(&c, ",", 1);
  int rc = put_remote(&c, remote);
  return rc < 0 ? rc : done(&c, buf, cap);
}

int tern_at_cmd_cipserver(char *buf, size_t cap, uint16_t port) {
  return port == 0 ? TERN_EINVAL : nums(buf, cap, "AT+CIPSERVER=1,", port, 0);
}

int tern_at_cmd_cipclose(char *buf, size_t cap, unsigned link) {
  return link > TERN_AT_CMD_LINK_MAX ? TERN_EINVAL
                                     : nums(buf, cap, "AT+CIPCLOSE=", link, 0);
}
