#include "tern/siphash.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace {

// The reference implementation's vectors (veorq/SipHash vectors.h,
// vectors_hsip32): key 00..07, input 00 01 02 ... of length 0..16, each
// 32-bit result read little-endian.
const uint32_t kVectors[] = {
    0x5b9f35a9, 0xb85a4727, 0x03a662fa, 0x04e7fe8a, 0x89466e2a, 0x69b6fac5,
    0x23fc6358, 0xc563cf8b, 0x8f84b8d0, 0x79e706f8, 0x3479b094, 0x50300808,
    0x2f87f057, 0xff63e677, 0x7cf8ffd6, 0x972bfe74, 0x84acb5d9,
};

// The reference key 00 01 .. 07 as the words it reads.
const tern_hsiphash_key kKey = {{0x03020100, 0x07060504}};

TEST(HalfSipHash, ReferenceVectors) {
  uint8_t in[64];
  for (int i = 0; i < 64; i++) {
    in[i] = static_cast<uint8_t>(i);
  }
  for (size_t n = 0; n < sizeof kVectors / sizeof kVectors[0]; n++) {
    EXPECT_EQ(tern_hsiphash(&kKey, in, n), kVectors[n]) << "length " << n;
  }
}

TEST(HalfSipHash, TheKeyChangesEveryResult) {
  tern_hsiphash_key k1 = kKey, k2 = kKey;
  k2.k[1] ^= 0x01000000;  // the last key byte 6, not 7
  const uint8_t msg[9] = {192, 0, 2, 1, 192, 0, 2, 2, 17};
  EXPECT_NE(tern_hsiphash(&k1, msg, sizeof msg),
            tern_hsiphash(&k2, msg, sizeof msg));
}

TEST(HalfSipHash, UnalignedInput) {
  uint8_t buf[20];
  for (int i = 0; i < 16; i++) {
    buf[1 + i] = static_cast<uint8_t>(i);
  }
  EXPECT_EQ(tern_hsiphash(&kKey, buf + 1, 16), kVectors[16]);
}

}  // namespace
