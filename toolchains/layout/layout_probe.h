/* What layout_probe.inc records: one entry per public struct (its size
 * and alignment) or per checked field (its offset and size). */
#ifndef TERN_LAYOUT_PROBE_H
#define TERN_LAYOUT_PROBE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_layout_entry {
  const char *name; /* "tern_cx" or "tern_cx.timers" */
  size_t a;         /* sizeof, or offsetof for a field */
  size_t b;         /* _Alignof, or sizeof for a field */
} tern_layout_entry;

/* The table as compiled without NDEBUG (layout_debug.c) and with it
 * (layout_ndebug.c); *_ndebug says which the file really saw. */
extern const tern_layout_entry tern_layout_debug_table[];
extern const size_t tern_layout_debug_count;
extern const int tern_layout_debug_ndebug;
extern const tern_layout_entry tern_layout_ndebug_table[];
extern const size_t tern_layout_ndebug_count;
extern const int tern_layout_ndebug_ndebug;

#ifdef __cplusplus
}
#endif

#endif /* TERN_LAYOUT_PROBE_H */
