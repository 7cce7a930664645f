// The netdev contract suite against the Ethernet adapter over a memory
// netdev pair of frames. To the suite the adapter is a netdev of IP
// packets with TERN_NETDEV_NEXT_HOP: it writes the next hop at
// tern_pkt_next_hop() (255.255.255.255, so no ARP is needed) and the far
// side wraps and unwraps the Ethernet header.
#include <string.h>

#include "executor/io/memnetdev_fixture.h"
#include "executor/io/netdev_contract.h"
#include "tern/ethernet.h"

namespace {

using tern_test::Packet;

const size_t kHeader = 14;

class EthernetFixture : public tern_test::MemnetdevFixture {
 public:
  EthernetFixture()
      : tern_test::MemnetdevFixture(
            tern_memnetdev_config TERN_MEMNETDEV_CONFIG_ETHERNET) {
    EXPECT_EQ(tern_eth_init(&eth_, Lower(), arp_.get(), neighbours_, 4), 0);
    EXPECT_EQ(tern_eth_set_groups(&eth_, groups_, 4), 0);
  }
  tern_netdev Device() override {
    return tern_eth_netdev(&eth_);
  }
  std::vector<tern_pkt_pool *> Pools() override {
    std::vector<tern_pkt_pool *> pools = MemnetdevFixture::Pools();
    pools.push_back(arp_.get());
    return pools;
  }
  void Release() override {
    tern_eth_deinit(&eth_);
    MemnetdevFixture::Release();
  }
  // An IPv4 packet in a frame from the far side to the adapter's MAC.
  bool Inject(const Packet &ip) override {
    Packet frame(kHeader + ip.size());
    memcpy(frame.data(), Pair()->cfg.mac_a, 6);
    memcpy(frame.data() + 6, Pair()->cfg.mac_b, 6);
    frame[12] = 0x08;
    frame[13] = 0x00;
    memcpy(frame.data() + kHeader, ip.data(), ip.size());
    return MemnetdevFixture::Inject(frame);
  }
  // The IPv4 packets the far side got, their frames checked: to the
  // broadcast address (the next hop the suite gives), from the adapter's
  // MAC. ARP (announcements after set_addr) is skipped.
  bool PeerRecv(Packet *out) override {
    Packet frame;
    while (MemnetdevFixture::PeerRecv(&frame)) {
      if (frame.size() < kHeader || frame[12] != 0x08 || frame[13] != 0x00) {
        continue;
      }
      static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
      EXPECT_EQ(memcmp(frame.data(), broadcast, 6), 0);
      EXPECT_EQ(memcmp(frame.data() + 6, Pair()->cfg.mac_a, 6), 0);
      out->assign(frame.begin() + kHeader, frame.end());
      return true;
    }
    return false;
  }
  // The lower device's MTU counts the header.
  void SetMtu(uint16_t mtu) override {
    MemnetdevFixture::SetMtu(static_cast<uint16_t>(mtu + kHeader));
  }

 private:
  tern_test::TestPool arp_{2, 64};
  tern_neighbour4 neighbours_[4];
  tern_eth_group groups_[4];
  tern_eth eth_;
};

}  // namespace

// The adapter has every capability: headroom for its header and the next
// hop, and the lower device's link and MTU changes passed up.
const tern_test::NetdevParam kEthernet =
    tern_test::MakeNetdevParam<EthernetFixture>("over_memnetdev");

INSTANTIATE_TEST_SUITE_P(Ethernet, NetdevContract, ::testing::Values(kEthernet),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Ethernet, NetdevHeadroomContract,
                         ::testing::Values(kEthernet),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Ethernet, NetdevBackpressureContract,
                         ::testing::Values(kEthernet),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Ethernet, NetdevLinkDownContract,
                         ::testing::Values(kEthernet),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Ethernet, NetdevLinkUpContract,
                         ::testing::Values(kEthernet),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Ethernet, NetdevMtuChangeContract,
                         ::testing::Values(kEthernet),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Ethernet, NetdevSetAddrContract,
                         ::testing::Values(kEthernet),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Ethernet, NetdevMcastContract,
                         ::testing::Values(kEthernet),
                         tern_test::NetdevParamName);
