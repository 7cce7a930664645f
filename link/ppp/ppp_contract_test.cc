// The netdev contract suite against the PPP link over a memory stream
// pair. The far side is a second PPP link on the other end of the stream:
// the fixture negotiates the two (LCP, IPCP) before each test, then the
// suite's IPv4 packets go through B's netdev into the stream and come out
// of A's, and back. The far end closing its side takes A's link down for
// good (TERN_ECLOSED).
#include <string.h>

#include <deque>

#include "executor/io/netdev_contract.h"
#include "executor/test_waker.h"
#include "tern/memstream.h"
#include "tern/ppp.h"
#include "tern/sim.h"

namespace {

using tern_test::Packet;

int Rng(void *self, void *buf, size_t len) {
  auto *n = static_cast<uint32_t *>(self);
  for (size_t i = 0; i < len; i++) {
    *n = *n * 1664525u + 1013904223u;
    static_cast<uint8_t *>(buf)[i] = (uint8_t)(*n >> 24);
  }
  return 0;
}

class PppFixture : public tern_test::NetdevFixture {
 public:
  PppFixture() {
    // Rings smaller than a packet, so a send really waits for the peer.
    tern_memstream_init(&pair_, ab_, sizeof ab_, ba_, sizeof ba_);
    tern_ppp_config ca = {}, cb = {};
    ca.peer_addr[0] = 10;
    ca.peer_addr[3] = 1;
    cb.local_addr[0] = 10;
    cb.local_addr[3] = 2;
    tern_rng ra = {Rng, &seed_a_}, rb = {Rng, &seed_b_};
    EXPECT_EQ(tern_ppp_init(&a_, tern_memstream_a(&pair_), rx_.get(), tx_a_,
                            sizeof tx_a_, &ca, &ra),
              0);
    EXPECT_EQ(tern_ppp_init(&b_, tern_memstream_b(&pair_), far_.get(), tx_b_,
                            sizeof tx_b_, &cb, &rb),
              0);
    dev_ = tern_ppp_netdev(&a_);
    far_dev_ = tern_ppp_netdev(&b_);
    // Negotiate: poll both receive sides until both links are up.
    for (int i = 0; i < 200 && !(Up(&dev_) && Up(&far_dev_)); i++) {
      Service();
      PollA();
    }
    EXPECT_TRUE(Up(&dev_) && Up(&far_dev_)) << "the links never came up";
    uint32_t ev;
    tern_cx cx = waker_.Cx();
    (void)tern_netdev_poll_event(&dev_, &cx, &ev);  // the suite starts clean
  }
  tern_netdev Device() override {
    return dev_;
  }
  tern_pkt_pool *TxPool() override {
    return tx_.get();
  }
  std::vector<tern_pkt_pool *> Pools() override {
    return {rx_.get(), far_.get(), inject_.get()};
  }
  void Release() override {
    while (!to_device_.empty()) {
      tern_pkt_free(to_device_.front());
      to_device_.pop_front();
    }
    tern_ppp_shutdown(&a_);
    tern_ppp_shutdown(&b_);
  }
  bool Inject(const Packet &pkt) override {
    tern_pkt *p = tern_pkt_pool_try_alloc(inject_.get());
    if (p == nullptr) {
      return false;
    }
    EXPECT_EQ(tern_pkt_reserve(p, 4), 0);
    memcpy(tern_pkt_put(p, pkt.size()), pkt.data(), pkt.size());
    to_device_.push_back(p);
    Service();
    return true;
  }
  bool PeerRecv(Packet *out) override {
    Service();
    if (from_device_.empty()) {
      return false;
    }
    *out = from_device_.front();
    from_device_.pop_front();
    return true;
  }
  void Pump(int ms) override {
    (void)ms;
    Service();
  }
  // The far end closes its side of the stream: A reads end of stream.
  void GoDown() override {
    tern_ppp_shutdown(&b_);
    tern_cx cx = peer_.Cx();
    int err;
    tern_stream b = tern_memstream_b(&pair_);
    (void)tern_stream_poll_close(&b, &cx, &err);
  }
  int DownError() override {
    return TERN_ECLOSED;
  }

 private:
  static bool Up(const tern_netdev *d) {
    return (tern_netdev_get_info(d).flags & TERN_NETDEV_UP) != 0;
  }
  // The far side's work: sends what was injected, receives what A sent
  // (its polls also write its own output).
  void Service() {
    for (int i = 0; i < 100; i++) {
      bool progress = false;
      tern_cx cx = peer_.Cx();
      if (!to_device_.empty()) {
        int err = 0;
        if (tern_netdev_poll_send(&far_dev_, &cx, to_device_.front(), &err) ==
            TERN_READY) {
          to_device_.pop_front();
          progress = true;
        }
      }
      tern_pkt *p = nullptr;
      int err = 0;
      cx = peer_.Cx();
      if (tern_netdev_poll_recv(&far_dev_, &cx, &p, &err) == TERN_READY &&
          err == 0) {
        from_device_.emplace_back(tern_pkt_data(p),
                                  tern_pkt_data(p) + tern_pkt_len(p));
        tern_pkt_free(p);
        progress = true;
      }
      if (!progress) {
        return;
      }
    }
  }
  // A's receive side during negotiation (the suite drives it after).
  void PollA() {
    tern_cx cx = waker_.Cx();
    tern_pkt *p = nullptr;
    int err;
    if (tern_netdev_poll_recv(&dev_, &cx, &p, &err) == TERN_READY && p) {
      tern_pkt_free(p);
    }
  }

  uint32_t seed_a_ = 1, seed_b_ = 2;
  uint8_t ab_[509];
  uint8_t ba_[512];
  tern_memstream_pair pair_;
  tern_test::TestPool rx_{4, 1500 + TERN_PPP_OVERHEAD};
  tern_test::TestPool far_{4, 1500 + TERN_PPP_OVERHEAD};
  tern_test::TestPool inject_{8, 1500 + 4};
  tern_test::TestPool tx_{8, 1600};
  uint8_t tx_a_[64], tx_b_[64];
  tern_ppp a_, b_;
  tern_netdev dev_, far_dev_;
  std::deque<tern_pkt *> to_device_;
  std::deque<Packet> from_device_;
  tern_test::CountingWaker peer_, waker_;
};

}  // namespace

// PPP pushes its header in the headroom (4), takes no addresses and has
// no multicast filter; once its stream ends the link stays down.
const tern_test::NetdevParam kPpp =
    tern_test::MakeNetdevParam<PppFixture>("over_memstream");

INSTANTIATE_TEST_SUITE_P(Ppp, NetdevContract, ::testing::Values(kPpp),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Ppp, NetdevHeadroomContract, ::testing::Values(kPpp),
                         tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Ppp, NetdevBackpressureContract,
                         ::testing::Values(kPpp), tern_test::NetdevParamName);
INSTANTIATE_TEST_SUITE_P(Ppp, NetdevLinkDownContract, ::testing::Values(kPpp),
                         tern_test::NetdevParamName);
