// The stream and netdev contract suites against the memory doubles: the
// memory stream pair (plain, and with every transfer cut to 3 bytes) and
// the memory netdev pair (Ethernet with 2 bytes of headroom, IP; its link
// taken down and up, or closed for good).
#include <string.h>

#include "executor/io/memnetdev_fixture.h"
#include "executor/io/netdev_contract.h"
#include "executor/io/stream_contract.h"
#include "tern/memnetdev.h"
#include "tern/memstream.h"

namespace {

using tern_test::CountingWaker;
using tern_test::Packet;

// End A is the stream under test; the suite plays end B.
class MemstreamFixture : public tern_test::StreamFixture {
 public:
  explicit MemstreamFixture(size_t max_io = 0) {
    // Odd sizes, so transfers wrap around the rings' ends.
    tern_memstream_init(&pair_, ab_, sizeof ab_, ba_, sizeof ba_);
    tern_memstream_set_max_io(&pair_.a, max_io);
    b_ = tern_memstream_b(&pair_);
  }
  tern_stream Stream() override {
    return tern_memstream_a(&pair_);
  }
  size_t PeerWrite(const uint8_t *data, size_t len) override {
    size_t off = 0;
    while (off < len) {
      tern_cx cx = peer_.Cx();
      ptrdiff_t n;
      if (tern_stream_poll_write(&b_, &cx, data + off, len - off, &n) ==
              TERN_PENDING ||
          n <= 0) {
        break;
      }
      off += static_cast<size_t>(n);
    }
    return off;
  }
  ptrdiff_t PeerRead(uint8_t *buf, size_t max) override {
    tern_cx cx = peer_.Cx();
    ptrdiff_t n;
    if (tern_stream_poll_read(&b_, &cx, buf, max, &n) == TERN_PENDING) {
      return 0;
    }
    return n > 0 ? n : -1;
  }
  void PeerClose() override {
    tern_cx cx = peer_.Cx();
    int err;
    (void)tern_stream_poll_close(&b_, &cx, &err);
  }
  void InjectError() override {
    tern_memstream_set_error(&pair_.a, TERN_EIO);
  }

 private:
  uint8_t ab_[251];
  uint8_t ba_[257];
  tern_memstream_pair pair_;
  tern_stream b_;
  CountingWaker peer_;
};

class MemstreamShortIoFixture : public MemstreamFixture {
 public:
  MemstreamShortIoFixture() : MemstreamFixture(3) {}
};

tern_memnetdev_config EthernetConfig() {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_ETHERNET;
  cfg.headroom = 2; /* a MAC that wants the IP header aligned */
  return cfg;
}

class MemnetdevEthernetFixture : public tern_test::MemnetdevFixture {
 public:
  MemnetdevEthernetFixture() : MemnetdevFixture(EthernetConfig()) {}
};

class MemnetdevIpFixture : public tern_test::MemnetdevFixture {
 public:
  MemnetdevIpFixture()
      : MemnetdevFixture(tern_memnetdev_config TERN_MEMNETDEV_CONFIG_IP) {}
};

class MemnetdevClosedFixture : public tern_test::MemnetdevFixture {
 public:
  MemnetdevClosedFixture()
      : MemnetdevFixture(tern_memnetdev_config TERN_MEMNETDEV_CONFIG_IP, true) {
  }
};

}  // namespace

// The streams: every one keeps the contract, its close reaches the peer
// and it can be made to fail.
const tern_test::StreamParam kMemstream =
    tern_test::MakeStreamParam<MemstreamFixture>("memstream");
const tern_test::StreamParam kMemstreamIo3 =
    tern_test::MakeStreamParam<MemstreamShortIoFixture>("memstream_io3");

INSTANTIATE_TEST_SUITE_P(Memory, StreamContract,
                         ::testing::Values(kMemstream, kMemstreamIo3),
                         tern_test::StreamParamName);
INSTANTIATE_TEST_SUITE_P(Memory, StreamCloseReachesPeerContract,
                         ::testing::Values(kMemstream, kMemstreamIo3),
                         tern_test::StreamParamName);
INSTANTIATE_TEST_SUITE_P(Memory, StreamErrorContract,
                         ::testing::Values(kMemstream, kMemstreamIo3),
                         tern_test::StreamParamName);

// The netdevs: only the Ethernet one has headroom; the closed one goes
// down for good, so its link does not come back up nor its MTU change.
const tern_test::NetdevParam kEthernet =
    tern_test::MakeNetdevParam<MemnetdevEthernetFixture>("ethernet");
const tern_test::NetdevParam kIp =
    tern_test::MakeNetdevParam<MemnetdevIpFixture>("ip");
const tern_test::NetdevParam kIpClosed =
    tern_test::MakeNetdevParam<MemnetdevClosedFixture>("ip_closed");

INSTANTIATE_TEST_SUITE_P(Memory, NetdevContract,
                         ::testing::Values(kEthernet, kIp, kIpClosed),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Memory, NetdevHeadroomContract,
                         ::testing::Values(kEthernet),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Memory, NetdevBackpressureContract,
                         ::testing::Values(kEthernet, kIp, kIpClosed),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Memory, NetdevLinkDownContract,
                         ::testing::Values(kEthernet, kIp, kIpClosed),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Memory, NetdevLinkUpContract,
                         ::testing::Values(kEthernet, kIp),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Memory, NetdevMtuChangeContract,
                         ::testing::Values(kEthernet, kIp),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Memory, NetdevSetAddrContract,
                         ::testing::Values(kEthernet, kIp, kIpClosed),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Memory, NetdevMcastContract,
                         ::testing::Values(kEthernet, kIp, kIpClosed),
                         tern_test::NetdevParamName);
