#include "tern/checksum.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

// RFC 1071 section 3's example: the sum of these bytes is ddf2.
TEST(Checksum, Rfc1071Example) {
  const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(tern_checksum(data, sizeof data), (uint16_t)~0xddf2);
}

// A well-known worked example, 192.168.0.1 -> 192.168.0.199, UDP:
// checksum b861 in bytes 10-11; it verifies to 0.
TEST(Checksum, VerifiesAnIpv4Header) {
  uint8_t hdr[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(tern_checksum(hdr, sizeof hdr), 0);
  hdr[10] = hdr[11] = 0;
  EXPECT_EQ(tern_checksum(hdr, sizeof hdr), 0xb861);
}

TEST(Checksum, PiecesEqualTheWhole) {
  std::vector<uint8_t> data(1001);
  for (size_t i = 0; i < data.size(); i++)
    data[i] = (uint8_t)(i * 7 + 3);
  uint16_t whole = tern_checksum(data.data(), data.size());
  tern_csum s = tern_checksum_add(0, data.data(), 100);
  s = tern_checksum_add(s, data.data() + 100, 900);
  s = tern_checksum_add(s, data.data() + 1000, 1);
  EXPECT_EQ(tern_checksum_finish(s), whole);
}

TEST(Checksum, CopyMatchesAndCopies) {
  std::vector<uint8_t> src(333), dst(333);
  for (size_t i = 0; i < src.size(); i++)
    src[i] = (uint8_t)(i ^ 0x5a);
  tern_csum s = tern_checksum_copy(0, dst.data(), src.data(), src.size());
  EXPECT_EQ(src, dst);
  EXPECT_EQ(tern_checksum_finish(s), tern_checksum(src.data(), src.size()));
}

TEST(Checksum, OddLengthPadsWithZero) {
  const uint8_t a[] = {0x12, 0x34, 0x56};
  const uint8_t b[] = {0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(tern_checksum(a, 3), tern_checksum(b, 4));
}

TEST(Checksum, EmptyAndAllOnes) {
  EXPECT_EQ(tern_checksum(nullptr, 0), 0xffff);
  std::vector<uint8_t> ff(4096, 0xff);
  EXPECT_EQ(tern_checksum(ff.data(), ff.size()), 0);
}

}  // namespace
