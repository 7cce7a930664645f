/* The public structs as a build with NDEBUG lays them out. */
#ifndef NDEBUG
#define NDEBUG 1
#endif
#define TERN_LAYOUT(x) tern_layout_ndebug_##x
#include "toolchains/layout/layout_probe.inc"
