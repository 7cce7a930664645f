// The netdev contract suite against the SLIP adapter over a memory stream
// pair: the suite's packets are SLIP-encoded into the far end of the
// stream and decoded from it. The far end closing its side takes the link
// down for good (TERN_ECLOSED).
#include <string.h>

#include <algorithm>
#include <deque>

#include "executor/io/netdev_contract.h"
#include "executor/test_waker.h"
#include "tern/memstream.h"
#include "tern/slip.h"
#include "tern/slip_codec.h"

namespace {

using tern_test::Packet;

class SlipFixture : public tern_test::NetdevFixture {
 public:
  SlipFixture() {
    // Rings smaller than a packet, so a send really waits for the peer.
    tern_memstream_init(&pair_, ab_, sizeof ab_, ba_, sizeof ba_);
    b_ = tern_memstream_b(&pair_);
    EXPECT_EQ(tern_slip_init(&slip_, tern_memstream_a(&pair_), rx_.get(),
                             tx_buf_, sizeof tx_buf_, TERN_SLIP_DEFAULT_MTU),
              0);
    tern_slip_decoder_init(&dec_, frame_, sizeof frame_);
  }
  tern_netdev Device() override {
    return tern_slip_netdev(&slip_);
  }
  tern_pkt_pool *TxPool() override {
    return tx_.get();
  }
  std::vector<tern_pkt_pool *> Pools() override {
    return {rx_.get()};
  }
  void Release() override {
    tern_slip_shutdown(&slip_);
  }

  // Encoded into the bytes waiting for the ring; as many as fit go now,
  // the rest with the next Pump.
  bool Inject(const Packet &pkt) override {
    std::vector<uint8_t> enc(TERN_SLIP_ENCODED_MAX(pkt.size()));
    int n = tern_slip_encode(enc.data(), enc.size(), pkt.data(), pkt.size());
    EXPECT_GT(n, 0);
    to_device_.insert(to_device_.end(), enc.begin(), enc.begin() + n);
    Flush();
    return true;
  }
  bool PeerRecv(Packet *out) override {
    Flush();
    for (;;) {
      if (pos_ == len_) {
        tern_cx cx = peer_.Cx();
        ptrdiff_t n;
        if (tern_stream_poll_read(&b_, &cx, in_, sizeof in_, &n) ==
                TERN_PENDING ||
            n <= 0) {
          return false;
        }
        pos_ = 0;
        len_ = static_cast<size_t>(n);
      }
      size_t frame_len = 0;
      pos_ +=
          tern_slip_decoder_feed(&dec_, in_ + pos_, len_ - pos_, &frame_len);
      if (frame_len > 0) {
        const uint8_t *f = tern_slip_decoder_frame(&dec_);
        out->assign(f, f + frame_len);
        return true;
      }
    }
  }
  void Pump(int ms) override {
    (void)ms;
    Flush();
  }
  // The far end closes its side: the adapter reads end of stream.
  void GoDown() override {
    tern_cx cx = peer_.Cx();
    int err;
    (void)tern_stream_poll_close(&b_, &cx, &err);
  }
  int DownError() override {
    return TERN_ECLOSED;
  }

 private:
  void Flush() {
    while (!to_device_.empty()) {
      uint8_t chunk[64];
      size_t n =
          to_device_.size() < sizeof chunk ? to_device_.size() : sizeof chunk;
      std::copy(to_device_.begin(), to_device_.begin() + n, chunk);
      tern_cx cx = peer_.Cx();
      ptrdiff_t w;
      if (tern_stream_poll_write(&b_, &cx, chunk, n, &w) == TERN_PENDING ||
          w <= 0) {
        return;
      }
      to_device_.erase(to_device_.begin(), to_device_.begin() + w);
    }
  }

  uint8_t ab_[509];
  uint8_t ba_[512];
  tern_memstream_pair pair_;
  tern_stream b_;
  tern_test::TestPool rx_{4, TERN_SLIP_DEFAULT_MTU};
  tern_test::TestPool tx_{8, 1100};
  uint8_t tx_buf_[64];
  tern_slip slip_;
  std::deque<uint8_t> to_device_;
  uint8_t in_[128];
  size_t pos_ = 0;
  size_t len_ = 0;
  uint8_t frame_[2048];
  tern_slip_decoder dec_;
  tern_test::CountingWaker peer_;
};

}  // namespace

// SLIP needs no headroom, takes no addresses and has no multicast
// filter; once its stream ends the link stays down.
const tern_test::NetdevParam kSlip =
    tern_test::MakeNetdevParam<SlipFixture>("over_memstream");

INSTANTIATE_TEST_SUITE_P(Slip, NetdevContract, ::testing::Values(kSlip),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Slip, NetdevBackpressureContract,
                         ::testing::Values(kSlip), tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Slip, NetdevLinkDownContract, ::testing::Values(kSlip),
                         tern_test::NetdevParamName);
