/* An undefined instruction must end the program through the default
 * handler (exit code 0x7f, the exception named on the console) rather than
 * hang until the test times out. */
#include "tern/board.h"

int main(void) {
  tern_board_console_puts("executing an undefined instruction\r\n");
  __asm__ volatile("udf #0");
  tern_board_console_puts("still running after udf\r\n");
  return 0;
}
