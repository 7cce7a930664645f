// Contract suite fixtures for the host drivers (testonly): the fd stream
// over a socketpair, a pipe pair and a pty, and TAP and TUN in a network
// namespace of the test's own. Events reach their wakers through the
// host port: Pump sleeps in tern_port_wait (epoll), as the run loop would.
#ifndef TERN_HOST_CONTRACT_FIXTURES_H
#define TERN_HOST_CONTRACT_FIXTURES_H

#include <string>
#include <vector>

#include "executor/io/netdev_contract.h"
#include "executor/io/stream_contract.h"
#include "tern/host_fd_stream.h"
#include "tern/host_netdev.h"

namespace tern_test {

// One sleep of the run loop, at most ms long.
void HostPump(int ms);

// The fd stream under test owns one end; the suite's peer is the plain
// descriptor(s) at the other, non-blocking.
class FdStreamFixture : public StreamFixture {
 public:
  enum Kind { kSocketpair, kPipes, kPty };
  explicit FdStreamFixture(Kind kind);
  ~FdStreamFixture() override;
  std::string SkipReason() override {
    return skip_;
  }
  tern_stream Stream() override {
    return tern_host_fd_stream_get(&s_);
  }
  size_t PeerWrite(const uint8_t *data, size_t len) override;
  ptrdiff_t PeerRead(uint8_t *buf, size_t max) override;
  void PeerClose() override;
  void Pump(int ms) override {
    HostPump(ms);
  }

 private:
  Kind kind_;
  std::string skip_;
  tern_host_fd_stream s_;
  int peer_r_ = -1; /* the peer reads what the stream wrote here */
  int peer_w_ = -1; /* and writes what the stream reads here */
};

class SocketpairFixture : public FdStreamFixture {
 public:
  SocketpairFixture() : FdStreamFixture(kSocketpair) {}
};
class PipesFixture : public FdStreamFixture {
 public:
  PipesFixture() : FdStreamFixture(kPipes) {}
};
class PtyFixture : public FdStreamFixture {
 public:
  PtyFixture() : FdStreamFixture(kPty) {}
};

// A TAP or TUN device in a fresh network namespace, its interface up with
// no addresses and no IPv6 (so the kernel adds no traffic of its own);
// the far side is a packet socket on the interface: what it sends leaves
// the kernel towards the device, and it sees what the device wrote. Needs
// root (CAP_NET_ADMIN); SkipReason says why otherwise. GoDown closes the
// device (TERN_ECLOSED).
class HostNetdevFixture : public NetdevFixture {
 public:
  explicit HostNetdevFixture(bool tap);
  ~HostNetdevFixture() override;
  std::string SkipReason() override {
    return skip_;
  }
  tern_netdev Device() override {
    return tern_host_netdev_get(&dev_);
  }
  tern_pkt_pool *TxPool() override {
    return tx_.get();
  }
  std::vector<tern_pkt_pool *> Pools() override {
    return {rx_.get()};
  }
  void Release() override {
    tern_host_netdev_close(&dev_);
  }
  bool Inject(const Packet &pkt) override;
  bool PeerRecv(Packet *out) override;
  void Pump(int ms) override {
    HostPump(ms);
  }
  void GoDown() override {
    tern_host_netdev_close(&dev_);
  }
  int DownError() override {
    return TERN_ECLOSED;
  }

 private:
  bool tap_;
  std::string skip_;
  int orig_ns_ = -1;
  bool in_ns_ = false;
  int packet_ = -1;
  int ifindex_ = 0;
  TestPool rx_{8, 1600};
  TestPool tx_{8, 1600};
  tern_host_netdev dev_;
};

class TapFixture : public HostNetdevFixture {
 public:
  TapFixture() : HostNetdevFixture(true) {}
};
class TunFixture : public HostNetdevFixture {
 public:
  TunFixture() : HostNetdevFixture(false) {}
};

}  // namespace tern_test

#endif  // TERN_HOST_CONTRACT_FIXTURES_H
