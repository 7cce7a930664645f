/* The host "board": the console is stdout, exit is exit(). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern/board.h"

void tern_board_init(void) {}

void tern_board_console_write(const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(STDOUT_FILENO, p, len);
    if (n < 0 && errno == EINTR) {
      continue; /* a signal came before anything was written */
    }
    if (n <= 0) {
      return;
    }
    p += n;
    len -= (size_t)n;
  }
}

void tern_board_console_puts(const char *s) {
  tern_board_console_write(s, strlen(s));
}

void tern_board_exit(int code) {
  exit(code);
}
