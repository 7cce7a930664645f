// The HDLC-like framing codec against slirp's captured PPP session, the
// FCS check values, and malformed input.
#include "tern/hdlc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "link/ppp/ppp_test_vectors.h"

namespace {

using Bytes = std::vector<uint8_t>;
using ppp_vectors::kFrames;

// Every frame the decoder delivers, fed in chunks of `chunk` bytes.
std::vector<Bytes> Decode(tern_ppp_hdlc_decoder *d, const uint8_t *in, size_t n,
                          size_t chunk) {
  std::vector<Bytes> out;
  size_t off = 0;
  while (off < n) {
    size_t piece = std::min(chunk, n - off);
    size_t used = 0;
    while (used < piece) {
      size_t frame_len;
      size_t u =
          tern_ppp_hdlc_feed(d, in + off + used, piece - used, &frame_len);
      used += u;
      if (frame_len > 0) {
        out.emplace_back(d->buf, d->buf + frame_len);
      }
      EXPECT_TRUE(u > 0 || frame_len > 0);
      if (u == 0 && frame_len == 0) {
        return out;
      }
    }
    off += piece;
  }
  return out;
}

Bytes Encode(const Bytes &frame, uint32_t accm, const tern_ppp_fcs *fcs,
             size_t piece = 4096) {
  tern_ppp_hdlc_encoder e;
  tern_ppp_hdlc_encoder_start(&e, frame.data(), frame.size(), accm, fcs);
  Bytes out;
  uint8_t buf[4096];
  for (;;) {
    size_t n = tern_ppp_hdlc_encoder_fill(&e, buf, piece);
    if (n == 0) {
      break;
    }
    out.insert(out.end(), buf, buf + n);
  }
  EXPECT_TRUE(tern_ppp_hdlc_encoder_done(&e));
  return out;
}

std::vector<Bytes> Captured(bool from_slirp) {
  std::vector<Bytes> out;
  for (const auto &f : kFrames) {
    if (f.from_slirp == from_slirp) {
      out.emplace_back(f.data, f.data + f.len);
    }
  }
  return out;
}

TEST(Fcs, CheckValues) {
  // The CRC catalogue's check values for "123456789": CRC-16/X-25 (PPP's
  // FCS-16) and CRC-32 (FCS-32), the FCS as sent: complemented.
  const uint8_t digits[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ((uint16_t)~tern_ppp_fcs16(TERN_PPP_FCS16_INIT, digits, 9), 0x906e);
  EXPECT_EQ(~tern_ppp_fcs32(TERN_PPP_FCS32_INIT, digits, 9), 0xcbf43926u);
}

TEST(Fcs, GoodResidueOverFrameAndFcs) {
  // RFC 1662 C.2/C.3: the FCS over a frame and its appended FCS is the
  // "good" constant. Checked on slirp's first LCP request.
  Bytes f(kFrames[1].data, kFrames[1].data + kFrames[1].len);
  uint16_t s =
      (uint16_t)~tern_ppp_fcs16(TERN_PPP_FCS16_INIT, f.data(), f.size());
  Bytes g = f;
  g.push_back((uint8_t)s);
  g.push_back((uint8_t)(s >> 8));
  EXPECT_EQ(tern_ppp_fcs16(TERN_PPP_FCS16_INIT, g.data(), g.size()),
            TERN_PPP_FCS16_GOOD);
  uint32_t l = ~tern_ppp_fcs32(TERN_PPP_FCS32_INIT, f.data(), f.size());
  for (int i = 0; i < 4; i++) {
    f.push_back((uint8_t)(l >> (8 * i)));
  }
  EXPECT_EQ(tern_ppp_fcs32(TERN_PPP_FCS32_INIT, f.data(), f.size()),
            TERN_PPP_FCS32_GOOD);
  // slirp's FCS of its first frame, as captured (64 40 on the wire).
  EXPECT_EQ(s, 0x4064);
}

TEST(HdlcDecode, SlirpStreamGivesTheCapturedFrames) {
  for (size_t chunk : {1, 2, 3, 7, 64, 100000}) {
    uint8_t buf[1600];
    tern_ppp_hdlc_decoder d;
    tern_ppp_hdlc_decoder_init(&d, buf, sizeof buf);
    // slirp escapes every control character until LCP is up, then only
    // what our ACCM (0) asks: a receive ACCM of 0 reads both.
    tern_ppp_hdlc_decoder_config(&d, 0, TERN_PPP_FCS16);
    auto got =
        Decode(&d, ppp_vectors::kSlirpRx, sizeof ppp_vectors::kSlirpRx, chunk);
    EXPECT_EQ(got, Captured(true)) << "chunk " << chunk;
    EXPECT_EQ(d.stats.frames, got.size());
    EXPECT_EQ(d.stats.bad_fcs + d.stats.too_short + d.stats.aborted +
                  d.stats.too_long,
              0u);
  }
}

TEST(HdlcDecode, ZeroedDecoderOnceConfiguredIsInitialised) {
  // tern_ppp clears its decoder and only configures it: that must decode
  // as one from tern_ppp_hdlc_decoder_init does.
  uint8_t buf[1600];
  tern_ppp_hdlc_decoder d;
  memset(&d, 0, sizeof d);
  tern_ppp_hdlc_decoder_config(&d, 0, TERN_PPP_FCS16);
  EXPECT_FALSE(tern_ppp_hdlc_decoder_in_frame(&d));
  tern_ppp_hdlc_decoder_set_buffer(&d, buf, sizeof buf);
  auto got = Decode(&d, ppp_vectors::kSlirpRx, sizeof ppp_vectors::kSlirpRx, 7);
  EXPECT_EQ(got, Captured(true));
  EXPECT_EQ(d.stats.bad_fcs, 0u);
}

TEST(HdlcDecode, SkippedFrameCountsNothingAndTheNextIsDelivered) {
  Bytes body = {0xff, 0x03, 0xc0, 0x21, 0x7e, 0x7d, 0x01, 0x02};
  Bytes e = Encode(body, 0xffffffffu, TERN_PPP_FCS16);
  Bytes two = e;
  two.insert(two.end(), e.begin(), e.end());
  uint8_t buf[64];
  tern_ppp_hdlc_decoder d;
  tern_ppp_hdlc_decoder_init(&d, nullptr, 0);
  size_t frame_len = 9;
  size_t used = tern_ppp_hdlc_feed(&d, two.data(), two.size(), &frame_len);
  // The opening flag is taken; the frame's first byte stops the feed.
  EXPECT_EQ(used, 1u);
  EXPECT_EQ(frame_len, 0u);
  tern_ppp_hdlc_decoder_skip(&d);
  EXPECT_TRUE(tern_ppp_hdlc_decoder_in_frame(&d));
  size_t more =
      tern_ppp_hdlc_feed(&d, two.data() + used, two.size() - used, &frame_len);
  used += more;
  // Skipped to its closing flag, and on through the second frame's
  // opening flag to that frame's first byte: no buffer for it either.
  EXPECT_EQ(used, e.size() + 1);
  EXPECT_EQ(frame_len, 0u);
  EXPECT_FALSE(tern_ppp_hdlc_decoder_in_frame(&d));
  tern_ppp_hdlc_decoder_set_buffer(&d, buf, sizeof buf);
  auto got = Decode(&d, two.data() + used, two.size() - used, 3);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], body);
  EXPECT_EQ(d.stats.frames, 1u);
  EXPECT_EQ(
      d.stats.bad_fcs + d.stats.too_short + d.stats.aborted + d.stats.too_long,
      0u);
}

TEST(HdlcDecode, PeerStreamGivesTheCapturedFrames) {
  for (size_t chunk : {1, 5, 100000}) {
    uint8_t buf[1600];
    tern_ppp_hdlc_decoder d;
    tern_ppp_hdlc_decoder_init(&d, buf, sizeof buf);  // ACCM ffffffff
    auto got =
        Decode(&d, ppp_vectors::kPeerTx, sizeof ppp_vectors::kPeerTx, chunk);
    EXPECT_EQ(got, Captured(false));
    EXPECT_EQ(d.stats.accm_drop, 0u);
  }
}

TEST(HdlcEncode, PeerFramesGiveThePeerBytes) {
  // The peer escaped every control character (ACCM ffffffff) and opened
  // and closed each frame with a flag, as the encoder does.
  Bytes all;
  for (const Bytes &f : Captured(false)) {
    Bytes e = Encode(f, 0xffffffffu, TERN_PPP_FCS16);
    all.insert(all.end(), e.begin(), e.end());
  }
  EXPECT_EQ(all, Bytes(ppp_vectors::kPeerTx,
                       ppp_vectors::kPeerTx + sizeof ppp_vectors::kPeerTx));
}

TEST(HdlcEncode, SlirpFramesAsSlirpSentThem) {
  Bytes rx(ppp_vectors::kSlirpRx,
           ppp_vectors::kSlirpRx + sizeof ppp_vectors::kSlirpRx);
  // LCP with the default ACCM, IPCP after LCP with our ACCM 0.
  Bytes lcp(kFrames[1].data, kFrames[1].data + kFrames[1].len);
  Bytes ipcp(kFrames[5].data, kFrames[5].data + kFrames[5].len);
  Bytes e1 = Encode(lcp, 0xffffffffu, TERN_PPP_FCS16);
  Bytes e2 = Encode(ipcp, 0, TERN_PPP_FCS16);
  EXPECT_TRUE(std::search(rx.begin(), rx.end(), e1.begin(), e1.end()) ==
              rx.begin());
  EXPECT_NE(std::search(rx.begin(), rx.end(), e2.begin(), e2.end()), rx.end());
  // The UDP frame carries 7E and 7D in its payload.
  Bytes udp(kFrames[17].data, kFrames[17].data + kFrames[17].len);
  Bytes e3 = Encode(udp, 0, TERN_PPP_FCS16);
  Bytes body(e3.begin() + 1, e3.end());  // slirp shared the flag before it
  EXPECT_NE(std::search(rx.begin(), rx.end(), body.begin(), body.end()),
            rx.end());
}

TEST(HdlcEncode, PiecewiseEqualsWhole) {
  Bytes udp(kFrames[16].data, kFrames[16].data + kFrames[16].len);
  Bytes whole = Encode(udp, 0xffffffffu, TERN_PPP_FCS16);
  for (size_t piece = 1; piece < 10; piece++) {
    EXPECT_EQ(Encode(udp, 0xffffffffu, TERN_PPP_FCS16, piece), whole);
  }
}

TEST(HdlcEncode, AccmChoosesWhatIsEscaped) {
  Bytes f = {0x00, 0x11, 0x13, 0x1f, 0x20, 0x7d, 0x7e, 0xff};
  Bytes e = Encode(f, (1u << 0x11) | (1u << 0x13), TERN_PPP_FCS16);
  Bytes body(e.begin() + 1, e.begin() + 1 + 12);
  Bytes want = {0x00, 0x7d, 0x31, 0x7d, 0x33, 0x1f,
                0x20, 0x7d, 0x5d, 0x7d, 0x5e, 0xff};
  EXPECT_EQ(body, want);
}

TEST(HdlcDecode, Fcs32RoundTrip) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; i++) {
    Bytes f(2 + rng() % 299);  // 4 octets at least with the FCS (RFC 1662 4.3)
    for (auto &b : f) {
      b = (uint8_t)(rng() % 4 == 0 ? 0x7d + rng() % 2 : rng());
    }
    const tern_ppp_fcs *fcs = i % 2 ? TERN_PPP_FCS32 : TERN_PPP_FCS16;
    uint32_t accm = rng();
    Bytes e = Encode(f, accm, fcs, 1 + rng() % 9);
    uint8_t buf[310];
    tern_ppp_hdlc_decoder d;
    tern_ppp_hdlc_decoder_init(&d, buf, sizeof buf);
    tern_ppp_hdlc_decoder_config(&d, accm, fcs);
    auto got = Decode(&d, e.data(), e.size(), 1 + rng() % 11);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], f);
  }
}

// Each malformed frame is dropped and counted, and the good frame after it
// still arrives.
TEST(HdlcDecode, MalformedFramesDroppedAndCounted) {
  Bytes good = {0xff, 0x03, 0xc0, 0x21, 0x09, 0x01, 0x00, 0x04};
  Bytes good_enc = Encode(good, 0xffffffffu, TERN_PPP_FCS16);
  Bytes bad_fcs = good_enc;
  bad_fcs[3] ^= 0x01;  // a data byte flipped
  Bytes aborted = {0x7e, 0xff, 0x03, 0xc0, 0x7d, 0x7e};
  Bytes short1 = {0x7e, 0x21, 0x7e};
  Bytes short2 = {0x7e, 0x21, 0x45, 0x7e};  // two bytes: only an FCS
  Bytes long1 = Encode(Bytes(40, 0x55), 0, TERN_PPP_FCS16);
  Bytes in;
  for (const Bytes *b : {&bad_fcs, &good_enc, &aborted, &good_enc, &short1,
                         &short2, &good_enc, &long1, &good_enc}) {
    in.insert(in.end(), b->begin(), b->end());
  }
  for (size_t chunk : {1, 3, 1000}) {
    uint8_t buf[32];
    tern_ppp_hdlc_decoder d;
    tern_ppp_hdlc_decoder_init(&d, buf, sizeof buf);
    auto got = Decode(&d, in.data(), in.size(), chunk);
    EXPECT_EQ(got, std::vector<Bytes>(4, good));
    EXPECT_EQ(d.stats.bad_fcs, 1u);
    EXPECT_EQ(d.stats.aborted, 1u);
    EXPECT_EQ(d.stats.too_short, 2u);
    EXPECT_EQ(d.stats.too_long, 1u);
    EXPECT_EQ(d.stats.frames, 4u);
  }
}

// RFC 1662 4.3: a frame of fewer than 4 octets with FCS-16 (6 with
// FCS-32) is silently discarded, whatever its FCS. One octet of content
// and a good FCS (a compressed protocol field with no information) was
// delivered: an empty IPv4 packet (0x21) went up to the IP layer.
TEST(HdlcDecode, FramesUnderFourOctetsAreTooShort) {
  const tern_ppp_fcs *kinds[] = {TERN_PPP_FCS16, TERN_PPP_FCS32};
  for (const tern_ppp_fcs *k : kinds) {
    Bytes in = Encode({0x21}, 0, k);
    Bytes two = Encode({0x00, 0x21}, 0, k);  // the shortest good frame
    in.insert(in.end(), two.begin(), two.end());
    uint8_t buf[32];
    tern_ppp_hdlc_decoder d;
    tern_ppp_hdlc_decoder_init(&d, buf, sizeof buf);
    tern_ppp_hdlc_decoder_config(&d, 0, k);
    auto got = Decode(&d, in.data(), in.size(), 1000);
    EXPECT_EQ(got, std::vector<Bytes>(1, Bytes({0x00, 0x21})));
    EXPECT_EQ(d.stats.too_short, 1u);
    EXPECT_EQ(d.stats.frames, 1u);
  }
}

// A frame dropped as too long ends at its flag whatever precedes it: 7D 7E
// there is not counted as an abort too (the frame is counted once).
TEST(HdlcDecode, TooLongFrameEndingIn7D7ECountsOnlyTooLong) {
  Bytes good = {0xff, 0x03, 0xc0, 0x21, 0x09, 0x01, 0x00, 0x04};
  Bytes in = {0x7e};
  in.insert(in.end(), 40, 0x55);
  in.push_back(0x7d);
  in.push_back(0x7e);
  Bytes good_enc = Encode(good, 0xffffffffu, TERN_PPP_FCS16);
  in.insert(in.end(), good_enc.begin(), good_enc.end());
  for (size_t chunk : {1, 1000}) {
    uint8_t buf[32];
    tern_ppp_hdlc_decoder d;
    tern_ppp_hdlc_decoder_init(&d, buf, sizeof buf);
    auto got = Decode(&d, in.data(), in.size(), chunk);
    EXPECT_EQ(got, std::vector<Bytes>(1, good));
    EXPECT_EQ(d.stats.too_long, 1u);
    EXPECT_EQ(d.stats.aborted, 0u);
  }
}

TEST(HdlcDecode, FrameOfExactlyTheBufferFits) {
  uint8_t buf[34];
  Bytes f(32, 0x41);  // + 2 bytes of FCS = 34
  Bytes e = Encode(f, 0, TERN_PPP_FCS16);
  tern_ppp_hdlc_decoder d;
  tern_ppp_hdlc_decoder_init(&d, buf, sizeof buf);
  auto got = Decode(&d, e.data(), e.size(), 1000);
  ASSERT_EQ(got.size(), 1u);
  f.push_back(0x41);
  e = Encode(f, 0, TERN_PPP_FCS16);
  got = Decode(&d, e.data(), e.size(), 1000);
  EXPECT_EQ(got.size(), 0u);
  EXPECT_EQ(d.stats.too_long, 1u);
}

TEST(HdlcDecode, UnescapedControlCharactersInTheAccmAreDropped) {
  Bytes good = {0xff, 0x03, 0x00, 0x21, 0x45, 0x00};
  Bytes e = Encode(good, 0xffffffffu, TERN_PPP_FCS16);
  // A modem inserts XON/XOFF: with the default receive ACCM they go.
  Bytes noisy = e;
  noisy.insert(noisy.begin() + 3, 0x11);
  noisy.insert(noisy.begin() + 6, 0x13);
  uint8_t buf[64];
  tern_ppp_hdlc_decoder d;
  tern_ppp_hdlc_decoder_init(&d, buf, sizeof buf);
  auto got = Decode(&d, noisy.data(), noisy.size(), 2);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], good);
  EXPECT_EQ(d.stats.accm_drop, 2u);
  // With ACCM 0 they are data, and the FCS catches them.
  tern_ppp_hdlc_decoder_config(&d, 0, TERN_PPP_FCS16);
  got = Decode(&d, noisy.data(), noisy.size(), 2);
  EXPECT_EQ(got.size(), 0u);
  EXPECT_EQ(d.stats.bad_fcs, 1u);
}

TEST(HdlcDecode, NoBufferStopsAtAFramesFirstByte) {
  tern_ppp_hdlc_decoder d;
  tern_ppp_hdlc_decoder_init(&d, nullptr, 0);
  Bytes e = Encode({0xff, 0x03, 0xc0, 0x21}, 0xffffffffu, TERN_PPP_FCS16);
  size_t frame_len;
  EXPECT_EQ(tern_ppp_hdlc_feed(&d, e.data(), e.size(), &frame_len), 1u);
  EXPECT_EQ(frame_len, 0u);
  EXPECT_FALSE(tern_ppp_hdlc_decoder_in_frame(&d));
  uint8_t buf[16];
  tern_ppp_hdlc_decoder_set_buffer(&d, buf, sizeof buf);
  auto got = Decode(&d, e.data() + 1, e.size() - 1, 100);
  ASSERT_EQ(got.size(), 1u);
}

TEST(HdlcHeader, ParseFullAndCompressed) {
  uint16_t p = 0;
  const uint8_t full[] = {0xff, 0x03, 0xc0, 0x21, 0x01};
  EXPECT_EQ(tern_ppp_hdlc_header_parse(full, sizeof full, &p), 4);
  EXPECT_EQ(p, 0xc021);
  const uint8_t acfc[] = {0x00, 0x21, 0x45};
  EXPECT_EQ(tern_ppp_hdlc_header_parse(acfc, sizeof acfc, &p), 2);
  EXPECT_EQ(p, 0x0021);
  const uint8_t both[] = {0x21, 0x45};
  EXPECT_EQ(tern_ppp_hdlc_header_parse(both, sizeof both, &p), 1);
  EXPECT_EQ(p, 0x21);
  const uint8_t pfc[] = {0xff, 0x03, 0x21, 0x45};
  EXPECT_EQ(tern_ppp_hdlc_header_parse(pfc, sizeof pfc, &p), 3);
  EXPECT_EQ(p, 0x21);
  const uint8_t bad_ctl[] = {0xff, 0x05, 0x00, 0x21};
  EXPECT_EQ(tern_ppp_hdlc_header_parse(bad_ctl, sizeof bad_ctl, &p), -1);
  const uint8_t even[] = {0xff, 0x03, 0x00, 0x20};
  EXPECT_EQ(tern_ppp_hdlc_header_parse(even, sizeof even, &p), -1);
  const uint8_t cut[] = {0xff, 0x03, 0xc0};
  EXPECT_EQ(tern_ppp_hdlc_header_parse(cut, sizeof cut, &p), -1);
  EXPECT_EQ(tern_ppp_hdlc_header_parse(full, 2, &p), -1);
  EXPECT_EQ(tern_ppp_hdlc_header_parse(full, 0, &p), -1);
}

TEST(HdlcHeader, PutEachForm) {
  uint8_t h[4];
  EXPECT_EQ(tern_ppp_hdlc_header_put(h, 0xc021, false, false), 4u);
  EXPECT_EQ(Bytes(h, h + 4), Bytes({0xff, 0x03, 0xc0, 0x21}));
  EXPECT_EQ(tern_ppp_hdlc_header_put(h, 0x0021, true, true), 1u);
  EXPECT_EQ(h[0], 0x21);
  EXPECT_EQ(tern_ppp_hdlc_header_put(h, 0x0021, false, true), 3u);
  EXPECT_EQ(Bytes(h, h + 3), Bytes({0xff, 0x03, 0x21}));
  EXPECT_EQ(tern_ppp_hdlc_header_put(h, 0x8021, true, true), 2u);
  EXPECT_EQ(Bytes(h, h + 2), Bytes({0x80, 0x21}));
}

}  // namespace
