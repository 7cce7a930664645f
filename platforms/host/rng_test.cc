// Tests of the getrandom() source: it fills exactly what was asked, and
// what it gives looks random (not constant, not repeated, roughly even).
#include <string.h>

#include <vector>

#include "gtest/gtest.h"
#include "tern/hal_rng.h"
#include "tern/host_rng.h"

namespace {

TEST(HostRngTest, FillsExactlyTheBuffer) {
  tern_rng rng = tern_host_rng();
  std::vector<uint8_t> buf(1000, 0xa5);
  ASSERT_EQ(tern_rng_fill(&rng, buf.data() + 10, 980), 0);
  for (int i = 0; i < 10; i++) {
    EXPECT_EQ(buf[i], 0xa5);
    EXPECT_EQ(buf[990 + i], 0xa5);
  }
  EXPECT_EQ(tern_rng_fill(&rng, buf.data(), 0), 0);
}

TEST(HostRngTest, OutputLooksRandom) {
  tern_rng rng = tern_host_rng();
  // 4 MiB in one call: more than one getrandom() may return at once on
  // some kernels, so this also exercises the loop over partial fills.
  std::vector<uint8_t> a(4u << 20), b(4u << 20);
  ASSERT_EQ(tern_rng_fill(&rng, a.data(), a.size()), 0);
  ASSERT_EQ(tern_rng_fill(&rng, b.data(), b.size()), 0);
  EXPECT_NE(memcmp(a.data(), b.data(), a.size()), 0);
  // Each bit position is set about half the time (a stuck bit, a constant
  // or a zero-filled tail would fail): 4 Mi samples, 0.5 +- 0.005 is
  // more than 20 standard deviations.
  size_t ones[8] = {0};
  for (uint8_t v : a) {
    for (int bit = 0; bit < 8; bit++) {
      ones[bit] += (v >> bit) & 1u;
    }
  }
  for (int bit = 0; bit < 8; bit++) {
    double f = static_cast<double>(ones[bit]) / static_cast<double>(a.size());
    EXPECT_NEAR(f, 0.5, 0.005) << "bit " << bit;
  }
}

}  // namespace
