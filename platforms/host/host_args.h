/* Checks of command-line values for host programs (apps/, sockets/dns's
 * resolve): each takes the whole text or refuses it, so that "--bytes
 * 5x", "--addr 192.0.2.2/" or "--listen 80x" ends the program with a
 * message instead of running with a value nobody typed. */
#ifndef TERN_HOST_ARGS_H
#define TERN_HOST_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A decimal number from min to max: digits only (no sign, no space, no
 * other base, no leading zero: "010" is octal to inet_aton and ip(8)),
 * nothing after them. True and *out, or false. */
bool tern_host_arg_number(const char *s, uint64_t min, uint64_t max,
                          uint64_t *out);

/* "A.B.C.D/P" with P a number 0..32. True with *addr and *prefix_len, or
 * false. */
bool tern_host_arg_prefix(const char *s, tern_ipv4_addr *addr,
                          uint8_t *prefix_len);

#ifdef __cplusplus
}
#endif

#endif /* TERN_HOST_ARGS_H */
