/* The few NVIC and PRIMASK operations tern's Cortex-M code needs
 * (ARMv6-M and ARMv7-M alike), as inline functions over the architectural
 * System Control Space registers. */
#ifndef TERN_CORTEX_M_NVIC_H
#define TERN_CORTEX_M_NVIC_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TERN__NVIC_ISER (*(volatile uint32_t *)0xe000e100u)
#define TERN__NVIC_ICER (*(volatile uint32_t *)0xe000e180u)
#define TERN__NVIC_ISPR (*(volatile uint32_t *)0xe000e200u)
#define TERN__NVIC_ICPR (*(volatile uint32_t *)0xe000e280u)

/* Lets external interrupt `irq` (0..31) reach the core. */
static inline void tern_nvic_enable(unsigned irq) {
  TERN__NVIC_ISER = 1u << irq;
}

/* Stops external interrupt `irq` reaching the core. */
static inline void tern_nvic_disable(unsigned irq) {
  TERN__NVIC_ICER = 1u << irq;
}

/* Makes `irq` pending from software, as if its peripheral had raised it. */
static inline void tern_nvic_set_pending(unsigned irq) {
  TERN__NVIC_ISPR = 1u << irq;
}

/* Whether `irq` is pending (raised and not yet taken). */
static inline bool tern_nvic_is_pending(unsigned irq) {
  return (TERN__NVIC_ISPR & (1u << irq)) != 0;
}

/* Forgets a pending `irq`. */
static inline void tern_nvic_clear_pending(unsigned irq) {
  TERN__NVIC_ICPR = 1u << irq;
}

/* PRIMASK: 1 while interrupts are masked. */
static inline uint32_t tern_primask(void) {
  uint32_t v;
  __asm__ volatile("mrs %0, primask" : "=r"(v));
  return v;
}

/* Masks interrupts (PRIMASK = 1) and returns the previous PRIMASK, for
 * code that cannot link the port (the board's polled console). Nests with
 * tern_port_critical_enter. */
static inline uint32_t tern_cm_irq_mask(void) {
  uint32_t v;
  __asm__ volatile(
      "mrs %0, primask\n\t"
      "cpsid i"
      : "=r"(v)
      :
      : "memory");
  return v;
}

/* Restores the PRIMASK that tern_cm_irq_mask returned. */
static inline void tern_cm_irq_restore(uint32_t primask) {
  __asm__ volatile("msr primask, %0" : : "r"(primask) : "memory");
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_CORTEX_M_NVIC_H */
