/* ARM semihosting, as QEMU implements it with -semihosting. Used to end a
 * firmware test with an exit code; a board without a debugger attached
 * would hard-fault on it, so product firmware should not call it. */
#ifndef TERN_CORTEX_M_SEMIHOSTING_H
#define TERN_CORTEX_M_SEMIHOSTING_H

#ifdef __cplusplus
extern "C" {
#endif

/* Writes a NUL-terminated string to the debugger's console (QEMU's
 * standard output): diagnostics for firmware whose UART carries a link
 * protocol (SLIP), where console text would be line noise. */
void tern_semihosting_puts(const char *s);

/* Ends the emulation; QEMU exits with `code` (0..255). */
void tern_semihosting_exit(int code) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* TERN_CORTEX_M_SEMIHOSTING_H */
