/* The smallest tern program: one line on the board's console, exit 0.
 * Proves the toolchain, startup code, console and exit path of a board. */
#include "tern/board.h"

int main(void) {
  tern_board_console_puts("hello from tern\r\n");
  return 0;
}
