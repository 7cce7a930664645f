// The drivers' byte ring on the host: capacity rules, order, full and
// empty, partial bulk transfers, and counters wrapping past 2^32.
#include "tern/cortex_m/byte_ring.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

TEST(ByteRing, InitTakesPowersOfTwoOnly) {
  uint8_t buf[64];
  tern_cm_ring r;
  EXPECT_EQ(tern_cm_ring_init(&r, buf, 0), TERN_EINVAL);
  EXPECT_EQ(tern_cm_ring_init(&r, buf, 1), TERN_EINVAL);
  EXPECT_EQ(tern_cm_ring_init(&r, buf, 3), TERN_EINVAL);
  EXPECT_EQ(tern_cm_ring_init(&r, buf, 48), TERN_EINVAL);
  EXPECT_EQ(tern_cm_ring_init(&r, nullptr, 16), TERN_EINVAL);
  EXPECT_EQ(tern_cm_ring_init(&r, buf, 2), 0);
  EXPECT_EQ(tern_cm_ring_init(&r, buf, 64), 0);
  EXPECT_EQ(tern_cm_ring_used(&r), 0u);
}

TEST(ByteRing, FullAndEmpty) {
  uint8_t buf[4];
  tern_cm_ring r;
  ASSERT_EQ(tern_cm_ring_init(&r, buf, sizeof buf), 0);
  uint8_t b = 0;
  EXPECT_FALSE(tern_cm_ring_get(&r, &b));
  for (uint8_t i = 0; i < 4; i++) {
    EXPECT_TRUE(tern_cm_ring_put(&r, i));
  }
  EXPECT_FALSE(tern_cm_ring_put(&r, 9));  // full: nothing stored
  EXPECT_EQ(tern_cm_ring_used(&r), 4u);
  for (uint8_t i = 0; i < 4; i++) {
    ASSERT_TRUE(tern_cm_ring_get(&r, &b));
    EXPECT_EQ(b, i);
  }
  EXPECT_FALSE(tern_cm_ring_get(&r, &b));
}

TEST(ByteRing, BulkTransfersArePartialAtTheEdges) {
  uint8_t buf[8];
  tern_cm_ring r;
  ASSERT_EQ(tern_cm_ring_init(&r, buf, sizeof buf), 0);
  const char text[] = "abcdefghijkl";
  EXPECT_EQ(tern_cm_ring_write(&r, text, 5), 5u);
  char out[16] = {};
  EXPECT_EQ(tern_cm_ring_read(&r, out, 3), 3u);
  EXPECT_EQ(std::memcmp(out, "abc", 3), 0);
  // 2 held, 6 free: a write of 10 takes 6 and wraps around the storage.
  EXPECT_EQ(tern_cm_ring_write(&r, text + 5, 7), 6u);
  EXPECT_EQ(tern_cm_ring_write(&r, "z", 1), 0u);
  EXPECT_EQ(tern_cm_ring_read(&r, out, sizeof out), 8u);
  EXPECT_EQ(std::memcmp(out, "defghijk", 8), 0);
  EXPECT_EQ(tern_cm_ring_read(&r, out, sizeof out), 0u);
}

TEST(ByteRing, CountersWrapPast32Bits) {
  uint8_t buf[16];
  tern_cm_ring r;
  ASSERT_EQ(tern_cm_ring_init(&r, buf, sizeof buf), 0);
  r.head = r.tail = 0xfffffffau;
  std::vector<uint8_t> seen;
  for (int round = 0; round < 5; round++) {
    uint8_t in[11];
    for (int i = 0; i < 11; i++) {
      in[i] = static_cast<uint8_t>(round * 11 + i);
    }
    ASSERT_EQ(tern_cm_ring_write(&r, in, sizeof in), sizeof in);
    EXPECT_EQ(tern_cm_ring_used(&r), 11u);
    uint8_t out[11];
    ASSERT_EQ(tern_cm_ring_read(&r, out, sizeof out), sizeof out);
    seen.insert(seen.end(), out, out + sizeof out);
  }
  for (size_t i = 0; i < seen.size(); i++) {
    EXPECT_EQ(seen[i], i);
  }
}

}  // namespace
