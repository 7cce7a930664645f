/* The public structs as a build without NDEBUG lays them out, whatever -c
 * says (-c opt defines it on the command line). */
#undef NDEBUG
#define TERN_LAYOUT(x) tern_layout_debug_##x
#include "toolchains/layout/layout_probe.inc"
