// The beacon on tern's simulation port: what a receiver sees, and when.
#include "beacon.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tern/sim.h"
#include "tern/slip_codec.h"

namespace {

TEST(BeaconTest, PayloadParsesBack) {
  for (uint32_t seq : {0u, 1u, 7u, 10u, 4294967295u}) {
    uint8_t p[BEACON_PAYLOAD_MAX];
    size_t len = beacon_payload(p, seq);
    uint32_t got = 1234;
    ASSERT_EQ(beacon_parse(p, len, &got), 0) << seq;
    EXPECT_EQ(got, seq);
  }
}

TEST(BeaconTest, PayloadBytes) {
  // "beacon 1" and its RFC 1071 checksum.
  uint8_t p[BEACON_PAYLOAD_MAX];
  ASSERT_EQ(beacon_payload(p, 1), 10u);
  EXPECT_EQ(std::memcmp(p, "beacon 1", 8), 0);
  uint32_t sum = 0x6265 + 0x6163 + 0x6f6e + 0x2031;
  sum = (sum & 0xffff) + (sum >> 16);
  uint16_t want = static_cast<uint16_t>(~sum);
  EXPECT_EQ(p[8], want >> 8);
  EXPECT_EQ(p[9], want & 0xff);
}

TEST(BeaconTest, ParseRejectsDamage) {
  uint8_t p[BEACON_PAYLOAD_MAX];
  size_t len = beacon_payload(p, 42);
  uint32_t seq = 0;
  for (size_t i = 0; i < len; i++) {
    p[i] ^= 0x01;
    EXPECT_EQ(beacon_parse(p, len, &seq), -1) << i;
    p[i] ^= 0x01;
  }
  EXPECT_EQ(beacon_parse(p, len - 1, &seq), -1);
  EXPECT_EQ(beacon_parse(p, 0, &seq), -1);
}

struct Received {
  std::vector<std::vector<uint8_t>> frames;
  std::vector<tern_time> at;
};

void Record(void *arg, const uint8_t *frame, size_t len) {
  auto *r = static_cast<Received *>(arg);
  r->frames.emplace_back(frame, frame + len);
  r->at.push_back(tern_now());
}

TEST(BeaconTest, ThreeFramesTenMillisecondsApart) {
  tern_sim_set_time(1000);
  tern_executor ex;
  tern_executor_init(&ex);
  beacon_task b;
  Received r;
  beacon_init(&b, 3, Record, &r);
  tern_block_on(&ex, &b.task);

  ASSERT_EQ(r.frames.size(), 3u);
  for (uint32_t i = 0; i < 3; i++) {
    EXPECT_EQ(r.at[i], 1010u + 10u * i);
    // Decode with tern's SLIP decoder: one frame, the beacon's payload.
    uint8_t buf[BEACON_PAYLOAD_MAX];
    tern_slip_decoder dec;
    tern_slip_decoder_init(&dec, buf, sizeof buf);
    size_t len = 0;
    tern_slip_decoder_feed(&dec, r.frames[i].data(), r.frames[i].size(), &len);
    uint32_t seq = 0;
    ASSERT_EQ(beacon_parse(buf, len, &seq), 0);
    EXPECT_EQ(seq, i + 1);
  }
}

}  // namespace
