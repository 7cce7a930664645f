// Fuzz target for the address parsers: any input must be rejected cleanly
// or parse to a value whose formatted text parses back to the same value.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/addr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = reinterpret_cast<const char *>(data);
  char buf[TERN_ENDPOINT_STRLEN];

  tern_ipv4_addr v4, v4b;
  if (tern_ipv4_parse(&v4, s, size) == 0) {
    int n = tern_ipv4_format(&v4, buf, TERN_IPV4_STRLEN);
    if (n < 0 || tern_ipv4_parse(&v4b, buf, (size_t)n) != 0 ||
        !tern_ipv4_eq(&v4, &v4b)) {
      abort();
    }
  }
  tern_ipv6_addr v6, v6b;
  if (tern_ipv6_parse(&v6, s, size) == 0) {
    int n = tern_ipv6_format(&v6, buf, TERN_IPV6_STRLEN);
    if (n < 0 || tern_ipv6_parse(&v6b, buf, (size_t)n) != 0 ||
        !tern_ipv6_eq(&v6, &v6b)) {
      abort();
    }
  }
  tern_endpoint e, eb;
  if (tern_endpoint_parse(&e, s, size) == 0) {
    int n = tern_endpoint_format(&e, buf, TERN_ENDPOINT_STRLEN);
    if (n < 0 || tern_endpoint_parse(&eb, buf, (size_t)n) != 0 ||
        eb.port != e.port || eb.addr.family != e.addr.family) {
      abort();
    }
  }
  return 0;
}
