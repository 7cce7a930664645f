/* main()'s return value must reach QEMU's exit code through semihosting,
 * or a failing firmware test would pass. */
#include "tern/board.h"

int main(void) {
  tern_board_console_puts("returning 42\r\n");
  return 42;
}
