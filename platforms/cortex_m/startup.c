/* Reset handler and vector table shared by the Cortex-M boards.
 *
 * The linker script places .vectors at the start of flash and provides
 * __stack_top, the .data load/run addresses and the .bss bounds. Every
 * handler is a weak alias of tern_default_handler, so a driver overrides
 * one by defining a function of the same name. */
#include <stdint.h>
#include <string.h>

#include "tern/board.h"

extern uint32_t __stack_top;
extern uint32_t __data_load;
extern uint32_t __data_start;
extern uint32_t __data_end;
extern uint32_t __bss_start;
extern uint32_t __bss_end;

int main(void);
void tern_reset_handler(void);

/* An unexpected exception ends the program with code 0x7f (0x70 + the
 * exception number would not fit every board's exit path) after saying
 * which one it was, so a firmware test fails at once instead of hanging. */
void tern_default_handler(void) {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  static const char hex[] = "0123456789abcdef";
  char msg[] = "\r\ntern: unhandled exception 0x00\r\n";
  msg[sizeof msg - 5] = hex[(ipsr >> 4) & 0xf];
  msg[sizeof msg - 4] = hex[ipsr & 0xf];
  tern_board_console_write(msg, sizeof msg - 1);
  tern_board_exit(0x7f);
}

#define WEAK_HANDLER(name) \
  void name(void) __attribute__((weak, alias("tern_default_handler")))

WEAK_HANDLER(NMI_Handler);
WEAK_HANDLER(HardFault_Handler);
WEAK_HANDLER(MemManage_Handler);
WEAK_HANDLER(BusFault_Handler);
WEAK_HANDLER(UsageFault_Handler);
WEAK_HANDLER(SVC_Handler);
WEAK_HANDLER(DebugMon_Handler);
WEAK_HANDLER(PendSV_Handler);
WEAK_HANDLER(SysTick_Handler);
WEAK_HANDLER(tern_irq0_handler);
WEAK_HANDLER(tern_irq1_handler);
WEAK_HANDLER(tern_irq2_handler);
WEAK_HANDLER(tern_irq3_handler);
WEAK_HANDLER(tern_irq4_handler);
WEAK_HANDLER(tern_irq5_handler);
WEAK_HANDLER(tern_irq6_handler);
WEAK_HANDLER(tern_irq7_handler);
WEAK_HANDLER(tern_irq8_handler);
WEAK_HANDLER(tern_irq9_handler);
WEAK_HANDLER(tern_irq10_handler);
WEAK_HANDLER(tern_irq11_handler);
WEAK_HANDLER(tern_irq12_handler);
WEAK_HANDLER(tern_irq13_handler);
WEAK_HANDLER(tern_irq14_handler);
WEAK_HANDLER(tern_irq15_handler);
WEAK_HANDLER(tern_irq16_handler);
WEAK_HANDLER(tern_irq17_handler);
WEAK_HANDLER(tern_irq18_handler);
WEAK_HANDLER(tern_irq19_handler);
WEAK_HANDLER(tern_irq20_handler);
WEAK_HANDLER(tern_irq21_handler);
WEAK_HANDLER(tern_irq22_handler);
WEAK_HANDLER(tern_irq23_handler);
WEAK_HANDLER(tern_irq24_handler);
WEAK_HANDLER(tern_irq25_handler);
WEAK_HANDLER(tern_irq26_handler);
WEAK_HANDLER(tern_irq27_handler);
WEAK_HANDLER(tern_irq28_handler);
WEAK_HANDLER(tern_irq29_handler);
WEAK_HANDLER(tern_irq30_handler);
WEAK_HANDLER(tern_irq31_handler);

typedef void (*tern_vector)(void);

/* 16 system vectors and 32 external interrupts: enough for the nRF51 and
 * the CMSDK boards. */
__attribute__((section(".vectors"), used))
const tern_vector tern_vectors[48] = {
    (tern_vector)(uintptr_t)&__stack_top,
    tern_reset_handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0,
    0,
    0,
    0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
    tern_irq0_handler,
    tern_irq1_handler,
    tern_irq2_handler,
    tern_irq3_handler,
    tern_irq4_handler,
    tern_irq5_handler,
    tern_irq6_handler,
    tern_irq7_handler,
    tern_irq8_handler,
    tern_irq9_handler,
    tern_irq10_handler,
    tern_irq11_handler,
    tern_irq12_handler,
    tern_irq13_handler,
    tern_irq14_handler,
    tern_irq15_handler,
    tern_irq16_handler,
    tern_irq17_handler,
    tern_irq18_handler,
    tern_irq19_handler,
    tern_irq20_handler,
    tern_irq21_handler,
    tern_irq22_handler,
    tern_irq23_handler,
    tern_irq24_handler,
    tern_irq25_handler,
    tern_irq26_handler,
    tern_irq27_handler,
    tern_irq28_handler,
    tern_irq29_handler,
    tern_irq30_handler,
    tern_irq31_handler,
};

void tern_reset_handler(void) {
  size_t data_len = (size_t)((uintptr_t)&__data_end - (uintptr_t)&__data_start);
  size_t bss_len = (size_t)((uintptr_t)&__bss_end - (uintptr_t)&__bss_start);
  memcpy(&__data_start, &__data_load, data_len);
  memset(&__bss_start, 0, bss_len);
  tern_board_init();
  tern_board_exit(main());
}

void tern_board_console_puts(const char *s) {
  tern_board_console_write(s, strlen(s));
}
