/* The little every board provides to applications and tests: a polled
 * console for diagnostics and a way to end the program with an exit code
 * (semihosting under QEMU, exit() on the host). Drivers with interrupts and
 * the executor port come from the board's other targets. */
#ifndef TERN_BOARD_H
#define TERN_BOARD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Brings up what the console needs. Startup code calls it before main(). */
void tern_board_init(void);

/* Writes len bytes to the board's console, waiting until each is sent.
 * For diagnostics only: it busy-waits. */
void tern_board_console_write(const void *buf, size_t len);

/* Writes a NUL-terminated string to the console. */
void tern_board_console_puts(const char *s);

/* Ends the program with the given code; under QEMU, the emulator exits
 * with it. Never returns. */
void tern_board_exit(int code) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* TERN_BOARD_H */
