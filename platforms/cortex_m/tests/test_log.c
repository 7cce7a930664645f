#include "test_log.h"

#include <stddef.h>
#include <string.h>

#include "tern/board.h"
#include "tern/port.h"

static char order[512];
static size_t order_len;
static int failures;

void test_print_u32(const char *s, uint32_t v, const char *rest) {
  char digits[11];
  size_t n = sizeof digits;
  do {
    digits[--n] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  tern_board_console_puts(s);
  tern_board_console_write(digits + n, sizeof digits - n);
  tern_board_console_puts(rest);
}

void test_event(const char *name) {
  tern_irqstate s = tern_port_critical_enter();
  size_t len = strlen(name);
  if (order_len + len + 1 < sizeof order) {
    if (order_len > 0) {
      order[order_len++] = ' ';
    }
    memcpy(order + order_len, name, len);
    order_len += len;
  }
  tern_port_critical_exit(s);
}

void test_print_order(void) {
  tern_board_console_puts("order: ");
  tern_board_console_write(order, order_len);
  tern_board_console_puts("\r\n");
}

void test_check(bool ok, const char *what) {
  if (!ok) {
    failures++;
    tern_board_console_puts("FAIL: ");
    tern_board_console_puts(what);
    tern_board_console_puts("\r\n");
  }
}

int test_failures(void) {
  return failures;
}
