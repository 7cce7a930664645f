#include "tern/host_args.h"

#include <string.h>

bool tern_host_arg_number(const char *s, uint64_t min, uint64_t max,
                          uint64_t *out) {
  /* Empty, or a leading zero: "010" is 8 to inet_aton and to ip(8)'s
   * prefix lengths, so it is refused as tern_ipv4_parse refuses it. */
  if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0')) {
    return false;
  }
  uint64_t v = 0;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9') {
      return false;
    }
    uint64_t d = (uint64_t)(*s - '0');
    if (v > max / 10 || (v == max / 10 && d > max % 10)) {
      return false; /* past max (so never wrapping either) */
    }
    v = v * 10 + d;
  }
  if (v < min) {
    return false;
  }
  *out = v;
  return true;
}

bool tern_host_arg_prefix(const char *s, tern_ipv4_addr *addr,
                          uint8_t *prefix_len) {
  const char *slash = s != NULL ? strchr(s, '/') : NULL;
  uint64_t p;
  if (slash == NULL || !tern_host_arg_number(slash + 1, 0, 32, &p) ||
      tern_ipv4_parse(addr, s, (size_t)(slash - s)) != 0) {
    return false;
  }
  *prefix_len = (uint8_t)p;
  return true;
}
