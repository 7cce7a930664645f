// Fuzz target for the command-line value checks: any text must be refused
// cleanly or accepted as exactly the value it spells, and within bounds.
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "tern/host_args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A command line's value is a C string: the text up to the first NUL.
  std::string s(reinterpret_cast<const char *>(data), size);
  s = s.c_str();
  char buf[48];

  // Bounds from the text's length, so the fuzzer meets both sides of them.
  const uint64_t min = s.size() % 3 == 0 ? 0 : 10;
  const uint64_t max = s.size() % 2 == 0 ? UINT64_MAX : 65535;
  uint64_t v = 0;
  if (tern_host_arg_number(s.c_str(), min, max, &v)) {
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    if (v < min || v > max || s != buf) {
      abort();  // out of bounds, or not the number the text spells
    }
  }

  tern_ipv4_addr a;
  uint8_t len = 0;
  if (tern_host_arg_prefix(s.c_str(), &a, &len)) {
    int n = tern_ipv4_format(&a, buf, TERN_IPV4_STRLEN);
    if (n < 0 || len > 32) {
      abort();
    }
    snprintf(buf + n, sizeof buf - (size_t)n, "/%u", len);
    if (s != buf) {
      abort();  // accepted text that is not the canonical A.B.C.D/P
    }
  }
  return 0;
}
