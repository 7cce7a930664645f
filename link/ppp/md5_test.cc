// MD5 against the test suite of RFC 1321 (appendix A.5), fed whole and in
// pieces of every size up to 70 bytes.
#include "tern/md5.h"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string Hex(const uint8_t d[16]) {
  static const char x[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; i++) {
    s += x[d[i] >> 4];
    s += x[d[i] & 15];
  }
  return s;
}

std::string Md5(const std::string &in, size_t piece) {
  tern_md5 m;
  tern_md5_init(&m);
  for (size_t off = 0; off < in.size(); off += piece) {
    tern_md5_update(&m, in.data() + off, std::min(piece, in.size() - off));
  }
  uint8_t d[16];
  tern_md5_final(&m, d);
  return Hex(d);
}

TEST(Md5, Rfc1321TestSuite) {
  const struct {
    const char *in, *digest;
  } v[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"1234567890123456789012345678901234567890123456789012345678901234567"
       "8901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (const auto &t : v) {
    for (size_t piece = 1; piece <= 70; piece++) {
      EXPECT_EQ(Md5(t.in, piece), t.digest) << t.in << " piece " << piece;
    }
  }
}

TEST(Md5, LengthsAroundTheBlockPadding) {
  // 55, 56, 63, 64, 65 bytes: the padding crosses a block or not. Each
  // must equal the digest of the same bytes fed byte by byte.
  for (size_t n : {55, 56, 57, 63, 64, 65, 119, 120, 128}) {
    std::string s(n, 'x');
    EXPECT_EQ(Md5(s, 1), Md5(s, n));
  }
  EXPECT_EQ(Md5(std::string(64, 'x'), 64), "c1bb4f81d892b2d57947682aeb252456");
}

}  // namespace
