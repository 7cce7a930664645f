// The control protocols' wire format against slirp's captured packets,
// and malformed packets and options.
#include "tern/cp_wire.h"

#include <gtest/gtest.h>

#include <vector>

#include "link/ppp/ppp_test_vectors.h"

namespace {

using Bytes = std::vector<uint8_t>;
using ppp_vectors::kFrames;

TEST(CpWire, ParsesSlirpsLcpRequest) {
  // Frame 2: slirp's LCP Configure-Request after ff 03 c0 21.
  const uint8_t *p = kFrames[1].data + 4;
  size_t n = kFrames[1].len - 4;
  tern_ppp_cp cp;
  ASSERT_EQ(tern_ppp_cp_parse(p, n, &cp), 0);
  EXPECT_EQ(cp.code, TERN_PPP_CONF_REQ);
  EXPECT_EQ(cp.id, 1);
  EXPECT_EQ(cp.len, 18);
  EXPECT_EQ(tern_ppp_opts_check(cp.data, cp.data_len), 0);
  std::vector<std::pair<int, Bytes>> opts;
  size_t off = 0;
  tern_ppp_opt o;
  while (tern_ppp_opt_next(cp.data, cp.data_len, &off, &o) == 1) {
    opts.push_back({o.type, Bytes(o.val, o.val + o.len)});
  }
  std::vector<std::pair<int, Bytes>> want = {
      {TERN_LCP_MRU, {0x05, 0xdc}},
      {TERN_LCP_MAGIC, {0x17, 0xfa, 0xab, 0x3c}},
      {TERN_LCP_PFC, {}},
      {TERN_LCP_ACFC, {}},
  };
  EXPECT_EQ(opts, want);
}

TEST(CpWire, EmitsThePeersLcpRequest) {
  // Frame 1: ACCM 0, magic 5a5a1234.
  uint8_t buf[64];
  const uint8_t accm[4] = {0, 0, 0, 0};
  const uint8_t magic[4] = {0x5a, 0x5a, 0x12, 0x34};
  uint8_t *e = tern_ppp_opt_put(buf + 4, TERN_LCP_ACCM, accm, 4);
  e = tern_ppp_opt_put(e, TERN_LCP_MAGIC, magic, 4);
  tern_ppp_cp_put(buf, TERN_PPP_CONF_REQ, 1, (size_t)(e - buf));
  EXPECT_EQ(Bytes(buf, e),
            Bytes(kFrames[0].data + 4, kFrames[0].data + kFrames[0].len));
}

TEST(CpWire, PaddingAfterTheLengthIsIgnored) {
  const uint8_t p[] = {0x09, 0x07, 0x00, 0x08, 1, 2, 3, 4, 0xee, 0xee};
  tern_ppp_cp cp;
  ASSERT_EQ(tern_ppp_cp_parse(p, sizeof p, &cp), 0);
  EXPECT_EQ(cp.data_len, 4u);
  EXPECT_EQ(cp.data, p + 4);
}

TEST(CpWire, MalformedPacketsRefused) {
  tern_ppp_cp cp;
  const uint8_t short_hdr[] = {0x01, 0x01, 0x00};
  EXPECT_EQ(tern_ppp_cp_parse(short_hdr, sizeof short_hdr, &cp), -1);
  const uint8_t len3[] = {0x01, 0x01, 0x00, 0x03};
  EXPECT_EQ(tern_ppp_cp_parse(len3, sizeof len3, &cp), -1);
  const uint8_t len_over[] = {0x01, 0x01, 0x00, 0x09, 1, 2, 3, 4};
  EXPECT_EQ(tern_ppp_cp_parse(len_over, sizeof len_over, &cp), -1);
  const uint8_t len_big[] = {0x01, 0x01, 0xff, 0xff, 1};
  EXPECT_EQ(tern_ppp_cp_parse(len_big, sizeof len_big, &cp), -1);
  const uint8_t ok[] = {0x01, 0x01, 0x00, 0x04};
  EXPECT_EQ(tern_ppp_cp_parse(ok, sizeof ok, &cp), 0);
  EXPECT_EQ(cp.data_len, 0u);
}

TEST(CpWire, MalformedOptionsRefused) {
  const uint8_t len0[] = {0x01, 0x00};
  const uint8_t len1[] = {0x07, 0x01, 0x07, 0x02};
  const uint8_t over[] = {0x01, 0x04, 0x05};
  const uint8_t lone[] = {0x07, 0x02, 0x08};
  EXPECT_EQ(tern_ppp_opts_check(len0, sizeof len0), -1);
  EXPECT_EQ(tern_ppp_opts_check(len1, sizeof len1), -1);
  EXPECT_EQ(tern_ppp_opts_check(over, sizeof over), -1);
  EXPECT_EQ(tern_ppp_opts_check(lone, sizeof lone), -1);
  EXPECT_EQ(tern_ppp_opts_check(nullptr, 0), 0);
  // A well-formed prefix is still read before the bad option.
  size_t off = 0;
  tern_ppp_opt o;
  EXPECT_EQ(tern_ppp_opt_next(lone, sizeof lone, &off, &o), 1);
  EXPECT_EQ(o.type, 7);
  EXPECT_EQ(o.len, 0);
  EXPECT_EQ(tern_ppp_opt_next(lone, sizeof lone, &off, &o), -1);
  EXPECT_EQ(off, 2u);
}

}  // namespace
