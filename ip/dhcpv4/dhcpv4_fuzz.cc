// Fuzz target for the DHCPv4 option parser: any message must be refused
// cleanly or walk to options that lie inside it; the options it yields
// (but the overload), emitted again into a plain message, must parse back
// to the same values.
#include <stdint.h>
#include <string.h>

#include <vector>

#include "tern/dhcpv4_wire.h"

static void Same(const tern_dhcpv4_opts &a, const tern_dhcpv4_opts &b) {
  if (a.present != b.present || a.msg_type != b.msg_type ||
      a.n_dns != b.n_dns || a.ignored != b.ignored ||
      memcmp(&a.mask, &b.mask, 4) != 0 ||
      memcmp(&a.router, &b.router, 4) != 0 ||
      memcmp(&a.server_id, &b.server_id, 4) != 0 ||
      memcmp(a.dns, b.dns, 4u * a.n_dns) != 0 || a.lease != b.lease ||
      a.t1 != b.t1 || a.t2 != b.t2) {
    __builtin_trap();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int rc = tern_dhcpv4_check(data, size);
  if (rc != 0) {
    if (rc != -TERN_DHCPV4_DROP_TRUNCATED && rc != -TERN_DHCPV4_DROP_COOKIE) {
      __builtin_trap();
    }
    return 0;
  }
  if (size > 0xffff) {
    size = 0xffff;
  }
  tern_dhcpv4_hdr h;
  tern_dhcpv4_hdr_parse(&h, data);
  tern_dhcpv4_opts o;
  rc = tern_dhcpv4_opts_parse(&o, data, size);
  if (rc != 0) {
    if (rc != -TERN_DHCPV4_DROP_OPTIONS) {
      __builtin_trap();
    }
    return 0;
  }
  std::vector<uint8_t> out(TERN_DHCPV4_HDR_LEN + size + 1);
  if (tern_dhcpv4_hdr_emit(&h, out.data(), out.size()) !=
      int(TERN_DHCPV4_HDR_LEN)) {
    __builtin_trap();
  }
  size_t off = TERN_DHCPV4_HDR_LEN;
  tern_dhcpv4_opt_iter it;
  tern_dhcpv4_opt_begin(&it, data, size);
  uint8_t code, len;
  const uint8_t *d;
  size_t steps = 0;
  while ((rc = tern_dhcpv4_opt_next(&it, &code, &d, &len)) == 1) {
    if (d < data || d + len > data + size || ++steps > size) {
      __builtin_trap();
    }
    if (code == TERN_DHCPV4_OPT_OVERLOAD) {
      continue;
    }
    if (tern_dhcpv4_put_opt(out.data(), out.size(), &off, code, d, len) != 0) {
      __builtin_trap();
    }
  }
  if (rc != 0) {
    __builtin_trap();
  }
  int n = tern_dhcpv4_put_end(out.data(), out.size(), off);
  if (n <= 0) {
    __builtin_trap();
  }
  tern_dhcpv4_opts o2;
  if (tern_dhcpv4_check(out.data(), size_t(n)) != 0 ||
      tern_dhcpv4_opts_parse(&o2, out.data(), size_t(n)) != 0) {
    __builtin_trap();
  }
  Same(o, o2);
  return 0;
}
