// The host programs' value checks: whole text or nothing.
#include "tern/host_args.h"

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

// A leading zero: tern_ipv4_parse refuses "010" in an address, since
// inet_aton reads it as octal 8, and so does ip(8) in a prefix length
// ("10.0.0.1/010" is a /8 to `ip addr add`). Here it was read as 10, so
// one --addr meant two things; such a number is refused ("0" is taken).
TEST(HostArgs, ALeadingZeroIsRefused) {
  uint64_t v = 7;
  for (const char *bad : {"00", "010", "08", "0065535"}) {
    EXPECT_FALSE(tern_host_arg_number(bad, 0, 65535, &v)) << bad;
  }
  EXPECT_EQ(v, 7u);
  EXPECT_TRUE(tern_host_arg_number("0", 0, 65535, &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(tern_host_arg_number("10", 0, 65535, &v));
  EXPECT_EQ(v, 10u);
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 9);
  uint8_t len = 99;
  EXPECT_FALSE(tern_host_arg_prefix("10.0.0.1/010", &a, &len));
  EXPECT_FALSE(tern_host_arg_prefix("10.0.0.1/00", &a, &len));
  EXPECT_EQ(len, 99);
  EXPECT_EQ(a.b[3], 9);  // untouched
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
