// A netdev contract fixture (executor/io/netdev_contract.h) over a memory
// netdev pair: end A is the device (or what a subclass wraps around it:
// an adapter, a recorder), the suite plays end B, whose packets come from
// a pool of its own. Testonly; reused by every fixture whose device sits
// on a memory pair.
#ifndef TERN_MEMNETDEV_FIXTURE_H
#define TERN_MEMNETDEV_FIXTURE_H

#include <string.h>

#include <vector>

#include "executor/io/netdev_contract.h"
#include "executor/test_waker.h"
#include "tern/memnetdev.h"

namespace tern_test {

class MemnetdevFixture : public NetdevFixture {
 public:
  // The pair with cfg. With close, GoDown closes the pair for good
  // (TERN_ECLOSED) rather than taking its link down (TERN_ENETDOWN), and
  // the link cannot come back up nor its MTU change: such a fixture has no
  // place in NetdevLinkUpContract or NetdevMtuChangeContract.
  explicit MemnetdevFixture(tern_memnetdev_config cfg, bool close = false)
      : close_(close) {
    tern_memnetdev_init(&pair_, &cfg);
    b_ = tern_memnetdev_b(&pair_);
  }

  // End A: the device itself, or what a subclass wraps around it.
  tern_netdev Lower() {
    return tern_memnetdev_a(&pair_);
  }
  tern_memnetdev_pair *Pair() {
    return &pair_;
  }

  tern_netdev Device() override {
    return Lower();
  }
  tern_pkt_pool *TxPool() override {
    return tx_.get();
  }
  std::vector<tern_pkt_pool *> Pools() override {
    return {peer_pool_.get()};
  }
  void Release() override {
    tern_memnetdev_close(&pair_);
  }

  // End B sends pkt (in end A's medium) from its own pool.
  bool Inject(const Packet &pkt) override {
    tern_pkt *p = tern_pkt_pool_try_alloc(peer_pool_.get());
    if (p == nullptr) {
      return false;
    }
    tern_pkt_reserve(p, pair_.cfg.headroom);
    memcpy(tern_pkt_put(p, pkt.size()), pkt.data(), pkt.size());
    tern_cx cx = peer_.Cx();
    int err;
    if (tern_netdev_poll_send(&b_, &cx, p, &err) == TERN_PENDING) {
      tern_pkt_free(p);
      return false;
    }
    return err == 0;
  }

  // What end B received, in end A's medium.
  bool PeerRecv(Packet *out) override {
    tern_cx cx = peer_.Cx();
    tern_pkt *p;
    int err;
    if (tern_netdev_poll_recv(&b_, &cx, &p, &err) == TERN_PENDING || err != 0) {
      return false;
    }
    out->assign(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    tern_pkt_free(p);
    return true;
  }

  void GoDown() override {
    if (close_) {
      tern_memnetdev_close(&pair_);
    } else {
      tern_memnetdev_set_up(&pair_, false);
    }
  }
  void GoUp() override {
    tern_memnetdev_set_up(&pair_, true);
  }
  void SetMtu(uint16_t mtu) override {
    tern_memnetdev_set_mtu(&pair_, mtu);
  }
  int DownError() override {
    return close_ ? TERN_ECLOSED : TERN_ENETDOWN;
  }

 private:
  bool close_;
  TestPool tx_{8, 1600};
  TestPool peer_pool_{8, 1600};
  tern_memnetdev_pair pair_;
  tern_netdev b_;
  CountingWaker peer_;
};

}  // namespace tern_test

#endif  // TERN_MEMNETDEV_FIXTURE_H
