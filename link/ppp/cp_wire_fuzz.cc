// Fuzz target for the control packet and option parser: any bytes are
// parsed as a control packet (allocated at exactly their size, so ASan
// sees an overrun); a packet that parses must lie inside the input, its
// option walk must agree with tern_ppp_opts_check, every option must lie
// inside the data, and re-emitting the options it read must give the
// bytes they came from.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "tern/cp_wire.h"

static void Check(bool ok) {
  if (!ok) {
    abort();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<uint8_t> in(data, data + size);
  tern_ppp_cp cp;
  if (tern_ppp_cp_parse(in.data(), in.size(), &cp) != 0) {
    return 0;
  }
  Check(cp.len >= 4 && cp.len <= size);
  Check(cp.data == in.data() + 4 && cp.data_len == cp.len - 4u);
  std::vector<uint8_t> out(cp.data_len + 2);
  uint8_t *e = out.data();
  size_t off = 0;
  tern_ppp_opt o;
  int r;
  while ((r = tern_ppp_opt_next(cp.data, cp.data_len, &off, &o)) == 1) {
    Check(o.val >= cp.data && o.val + o.len <= cp.data + cp.data_len);
    e = tern_ppp_opt_put(e, o.type, o.val, o.len);
  }
  Check(r == tern_ppp_opts_check(cp.data, cp.data_len));
  size_t emitted = (size_t)(e - out.data());
  Check(emitted == off);
  Check(memcmp(out.data(), cp.data, emitted) == 0);
  return 0;
}
