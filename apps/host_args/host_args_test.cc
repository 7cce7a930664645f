// The host programs' value checks: whole text or nothing.
#include "apps/host_args/host_args.h"

#include <gtest/gtest.h>

namespace {

TEST(HostArgs, NumberTakesDigitsOnlyAndWhole) {
  uint64_t v = 7;
  EXPECT_TRUE(tern_host_arg_number("0", 0, 10, &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(tern_host_arg_number("65535", 1, 65535, &v));
  EXPECT_EQ(v, 65535u);
  EXPECT_TRUE(tern_host_arg_number("18446744073709551615", 0, UINT64_MAX, &v));
  EXPECT_EQ(v, UINT64_MAX);
  v = 7;
  for (const char *bad : {"", "x", "5x", "-1", "+1", " 1", "1 ", "0x10",
                          "65536", "18446744073709551616"}) {
    EXPECT_FALSE(tern_host_arg_number(bad, 1, 65535, &v)) << bad;
  }
  EXPECT_FALSE(tern_host_arg_number("0", 1, 65535, &v));  // under min
  EXPECT_FALSE(tern_host_arg_number("5", 0, 0, &v));      // max 0: no wrap
  EXPECT_FALSE(tern_host_arg_number(nullptr, 0, 9, &v));
  EXPECT_EQ(v, 7u);  // untouched by a refusal
}

TEST(HostArgs, PrefixNeedsAnAddressAndALength) {
  tern_ipv4_addr a = {};
  uint8_t len = 99;
  ASSERT_TRUE(tern_host_arg_prefix("192.0.2.2/24", &a, &len));
  EXPECT_EQ(a.b[0], 192);
  EXPECT_EQ(a.b[3], 2);
  EXPECT_EQ(len, 24);
  EXPECT_TRUE(tern_host_arg_prefix("10.0.0.1/0", &a, &len));
  EXPECT_EQ(len, 0);
  EXPECT_TRUE(tern_host_arg_prefix("10.0.0.1/32", &a, &len));
  EXPECT_EQ(len, 32);
  for (const char *bad :
       {"192.0.2.2", "192.0.2.2/", "192.0.2.2/33", "192.0.2.2/+8",
        "192.0.2.2/ 8", "192.0.2.2/8x", "192.0.2/8", "/8", ""}) {
    EXPECT_FALSE(tern_host_arg_prefix(bad, &a, &len)) << bad;
  }
  EXPECT_FALSE(tern_host_arg_prefix(nullptr, &a, &len));
}

}  // namespace
