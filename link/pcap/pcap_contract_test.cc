// The netdev contract suite against the pcap recorder over a memory
// netdev pair (Ethernet and IP): a pass-through device must keep every
// clause its lower device keeps, events and link state included.
#include <fcntl.h>
#include <unistd.h>

#include "executor/io/memnetdev_fixture.h"
#include "executor/io/netdev_contract.h"
#include "tern/pcap.h"

namespace {

class PcapFixture : public tern_test::MemnetdevFixture {
 public:
  explicit PcapFixture(tern_memnetdev_config cfg)
      : tern_test::MemnetdevFixture(cfg) {
    fd_ = open("/dev/null", O_WRONLY | O_CLOEXEC);
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(tern_pcap_init(&cap_, Lower(), fd_, scratch_, sizeof scratch_),
              0);
  }
  ~PcapFixture() override {
    close(fd_);
  }
  tern_netdev Device() override {
    return tern_pcap_netdev(&cap_);
  }

 private:
  int fd_;
  uint8_t scratch_[1600];
  tern_pcap cap_;
};

class PcapEthernetFixture : public PcapFixture {
 public:
  PcapEthernetFixture()
      : PcapFixture(tern_memnetdev_config TERN_MEMNETDEV_CONFIG_ETHERNET) {}
};

class PcapIpFixture : public PcapFixture {
 public:
  PcapIpFixture()
      : PcapFixture(tern_memnetdev_config TERN_MEMNETDEV_CONFIG_IP) {}
};

}  // namespace

// Every capability of the memory netdevs below (which need no headroom).
const tern_test::NetdevParam kOverEthernet =
    tern_test::MakeNetdevParam<PcapEthernetFixture>("over_ethernet");
const tern_test::NetdevParam kOverIp =
    tern_test::MakeNetdevParam<PcapIpFixture>("over_ip");

INSTANTIATE_TEST_SUITE_P(Pcap, NetdevContract,
                         ::testing::Values(kOverEthernet, kOverIp),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Pcap, NetdevBackpressureContract,
                         ::testing::Values(kOverEthernet, kOverIp),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Pcap, NetdevLinkDownContract,
                         ::testing::Values(kOverEthernet, kOverIp),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Pcap, NetdevLinkUpContract,
                         ::testing::Values(kOverEthernet, kOverIp),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Pcap, NetdevMtuChangeContract,
                         ::testing::Values(kOverEthernet, kOverIp),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Pcap, NetdevSetAddrContract,
                         ::testing::Values(kOverEthernet, kOverIp),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Pcap, NetdevMcastContract,
                         ::testing::Values(kOverEthernet, kOverIp),
                         tern_test::NetdevParamName);
