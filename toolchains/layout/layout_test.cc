// Every public struct has one layout whether or not NDEBUG is defined (see
// BUILD): the tables of layout_debug.c and layout_ndebug.c must agree.
#include <gtest/gtest.h>

#include <string>

#include "toolchains/layout/layout_probe.h"

namespace {

TEST(LayoutTest, TheTwoProbesSawDifferentNdebug) {
  // Otherwise the comparison below would compare a build with itself.
  EXPECT_EQ(tern_layout_debug_ndebug, 0);
  EXPECT_EQ(tern_layout_ndebug_ndebug, 1);
}

TEST(LayoutTest, PublicStructsDoNotDependOnNdebug) {
  ASSERT_EQ(tern_layout_debug_count, tern_layout_ndebug_count);
  for (size_t i = 0; i < tern_layout_debug_count; i++) {
    const tern_layout_entry &d = tern_layout_debug_table[i];
    const tern_layout_entry &n = tern_layout_ndebug_table[i];
    ASSERT_EQ(std::string(d.name), std::string(n.name));
    EXPECT_EQ(d.a, n.a) << d.name << ": size (offset) differs with NDEBUG";
    EXPECT_EQ(d.b, n.b) << d.name << ": alignment (size) differs with NDEBUG";
  }
}

}  // namespace
