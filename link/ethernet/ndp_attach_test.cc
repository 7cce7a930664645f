// An NDP cache is taken only where IPv6 is built: an IPv4-only build
// (ip/addr/README.md; this test runs so as ndp_attach_v4_only_test) has
// no IPv6 layer to attach one, so tern_eth_attach_ndp refuses it and IPv6
// frames are dropped as any unknown EtherType.
#include <gtest/gtest.h>

#include "link/ethernet/ethernet_testing.h"
#include "tern/addr.h"
#include "tern/ethernet.h"

namespace tern_eth_test {
namespace {

TEST_F(EthTest, NdpIsTakenOnlyWhereIpv6IsBuilt) {
  StartWithIp();
  ndp_.Init();
  int rc = tern_eth_attach_ndp(&eth_, &ndp_.cache);
  Inject(kEcho6RequestFrame);
  size_t up = RecvAll().size();
#if TERN_CONFIG_IPV6
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(up, 1u);
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_ETHERTYPE], 0u);
#else
  EXPECT_EQ(rc, TERN_EAFNOSUPPORT);
  EXPECT_EQ(up, 0u);
  EXPECT_EQ(Stats().rx_drop[TERN_ETH_RX_ETHERTYPE], 1u);
#endif
}

}  // namespace
}  // namespace tern_eth_test
