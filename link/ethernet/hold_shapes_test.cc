// Every queue shape over the hold bound: sequences of 1 to
// TERN_ETH_HOLD_MAX + 1 packets over four next hops (two IPv4, and in the
// default build two IPv6 ones, the first sharing its first four bytes with
// an IPv4 one, the second differing from it in its last byte only), held
// while their neighbours resolve, then released one neighbour at a time.
// Checked against a model of the documented policy: over the bound the
// oldest packet with a newer one to its next hop goes, else the oldest;
// each neighbour then gets its remaining packets, in order; nothing leaks
// or is freed twice (the fixture's TearDown).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "link/ethernet/ethernet_testing.h"
#include "tern/ethernet.h"
#include "tern/neighbour.h"

namespace tern_eth_test {
namespace {

constexpr int kHops = 4;
constexpr int kMaxLen = TERN_ETH_HOLD_MAX + 1;

const uint8_t kV4[2][4] = {{192, 0, 2, 1}, {192, 0, 2, 3}};
const uint8_t kV6[2][16] = {{192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7},
                            {192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8}};

bool IsV6(int hop) {
  return TERN_CONFIG_IPV6 && hop >= 2;
}

class HoldShapes : public EthTest, public ::testing::WithParamInterface<int> {};

TEST_P(HoldShapes, KeepTheLatestPerHopAndReleaseInOrder) {
  // The parameter: length, then the hops in base kHops.
  int code = GetParam();
  int len = 1;
  int count = kHops;
  while (code >= count) {
    code -= count;
    len++;
    count *= kHops;
  }
  std::vector<int> hops;
  for (int i = 0; i < len; i++) {
    hops.push_back(code % kHops);
    code /= kHops;
  }
  const uint8_t v4_extra[2][4] = {{192, 0, 2, 4}, {192, 0, 2, 5}};
  auto v4_of = [&](int hop) { return hop < 2 ? kV4[hop] : v4_extra[hop - 2]; };
  auto mac_of = [](int hop) {
    return Bytes{2, 0, 0, 0, 1, static_cast<uint8_t>(hop)};
  };

  StartWithIp(16, /*n_nb=*/16);  // four resolutions at once
#if TERN_CONFIG_IPV6
  ndp_.Init();
  const tern_neigh_config cfg = {1000, 30000, 3, 3, {&FakeNdp::Solicit, &ndp_}};
  ASSERT_EQ(tern_neigh_cache_init6(&ndp_.cache, ndp_.entries, 4, &cfg), 0);
  ASSERT_EQ(tern_eth_attach_ndp(&eth_, &ndp_.cache), 0);
#endif
  Bytes v4 = Tail(kEchoReplyFrame, 14);
  Bytes v6 = Tail(kEcho6ReplyFrame, 14);
  std::vector<std::pair<int, int>> model;  // (hop, number), oldest first
  uint32_t drops = 0;
  for (int i = 0; i < len; i++) {
    int hop = hops[i];
    uint8_t n = static_cast<uint8_t>(i + 1);
    if (IsV6(hop)) {
      Bytes b = v6;
      b[3] = n;
      ASSERT_EQ(Send(Ip6Packet(b, kV6[hop - 2])), 0);
    } else {
      Bytes b = v4;
      b[5] = n;
      ASSERT_EQ(Send(IpPacket(b, v4_of(hop))), 0);
    }
    model.emplace_back(hop, n);
    if (model.size() > TERN_ETH_HOLD_MAX) {
      size_t victim = 0;
      bool found = false;
      for (size_t a = 0; a < model.size() && !found; a++) {
        for (size_t b = a + 1; b < model.size(); b++) {
          if (model[a].first == model[b].first) {
            victim = a;
            found = true;
            break;
          }
        }
      }
      model.erase(model.begin() + static_cast<long>(victim));
      drops++;
    }
  }
  EXPECT_EQ(Stats().held_drop_overflow, drops);
  for (const Bytes &f : Wire()) {
    EXPECT_EQ(f[12], 0x08);  // only ARP requests so far
    EXPECT_EQ(f[13], 0x06);
  }
  for (int hop = 0; hop < kHops; hop++) {
    Bytes mac = mac_of(hop);
    if (IsV6(hop)) {
      (void)tern_neigh_confirm(&ndp_.cache, kV6[hop - 2], mac.data(),
                               tern_now(), false);
    } else {
      Inject(PeerReply(mac.data(), v4_of(hop)));
    }
    RecvAll();
    std::vector<int> want, got;
    for (const auto &m : model) {
      if (m.first == hop) {
        want.push_back(m.second);
      }
    }
    for (const Bytes &f : Wire()) {
      ASSERT_GT(f.size(), 20u);
      EXPECT_EQ(Head(f, 6), mac);
      bool six = f[12] == 0x86 && f[13] == 0xdd;
      EXPECT_EQ(six, IsV6(hop));
      got.push_back(six ? f[14 + 3] : f[14 + 5]);
    }
    EXPECT_EQ(got, want) << "hop " << hop;
  }
  EXPECT_EQ(Stats().held_drop_failed, 0u);
}

int ShapeCount() {
  int total = 0, count = 1;
  for (int len = 1; len <= kMaxLen; len++) {
    count *= kHops;
    total += count;
  }
  return total;
}

INSTANTIATE_TEST_SUITE_P(AllShapes, HoldShapes,
                         ::testing::Range(0, ShapeCount()));

}  // namespace
}  // namespace tern_eth_test
