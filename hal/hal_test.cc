#include <gtest/gtest.h>

#include "tern/hal_eth.h"
#include "tern/hal_rng.h"
#include "tern/hal_uart.h"

namespace {

TEST(Eth, MacValidity) {
  const uint8_t unicast[6] = {0x02, 0, 0, 0, 0, 1};
  const uint8_t multicast[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
  const uint8_t zero[6] = {};
  EXPECT_TRUE(tern_eth_mac_valid(unicast));
  EXPECT_FALSE(tern_eth_mac_valid(multicast));
  EXPECT_FALSE(tern_eth_mac_valid(zero));
}

TEST(Eth, LocalAddressFromRandomBytes) {
  uint8_t mac[6] = {0xff, 1, 2, 3, 4, 5};
  tern_eth_mac_local(mac);
  EXPECT_EQ(mac[0], 0xfe);  // unicast, locally administered
  EXPECT_TRUE(tern_eth_mac_valid(mac));
  EXPECT_EQ(mac[5], 5);
}

int CountingFill(void *self, void *buf, size_t len) {
  auto *n = static_cast<size_t *>(self);
  memset(buf, 0xa5, len);
  *n += len;
  return 0;
}

TEST(Rng, CallsTheDevice) {
  size_t n = 0;
  tern_rng rng = {CountingFill, &n};
  uint8_t buf[7];
  EXPECT_EQ(tern_rng_fill(&rng, buf, sizeof buf), 0);
  EXPECT_EQ(n, 7u);
  EXPECT_EQ(buf[6], 0xa5);
}

}  // namespace
