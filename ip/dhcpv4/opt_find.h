// For the tests: an option of a checked DHCP message found with the wire
// library's walk (tern_dhcpv4_opt_next), for the options that
// tern_dhcpv4_opts_parse does not keep (those a client sends).
#ifndef TERN_DHCPV4_OPT_FIND_H
#define TERN_DHCPV4_OPT_FIND_H

#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "tern/dhcpv4_wire.h"

namespace tern_test {

// Whether msg (len bytes, checked) has option `code`; *out (when not
// null) the data of the first one.
inline bool FindOpt(const uint8_t *msg, size_t len, uint8_t code,
                    std::vector<uint8_t> *out = nullptr) {
  tern_dhcpv4_opt_iter it;
  tern_dhcpv4_opt_begin(&it, msg, len);
  uint8_t c, n;
  const uint8_t *d;
  while (tern_dhcpv4_opt_next(&it, &c, &d, &n) == 1) {
    if (c == code) {
      if (out != nullptr) {
        out->assign(d, d + n);
      }
      return true;
    }
  }
  return false;
}

// The data of the first option `code` in msg, or nothing.
inline std::vector<uint8_t> OptData(const std::vector<uint8_t> &msg,
                                    uint8_t code) {
  std::vector<uint8_t> v;
  FindOpt(msg.data(), msg.size(), code, &v);
  return v;
}

}  // namespace tern_test

#endif  // TERN_DHCPV4_OPT_FIND_H
