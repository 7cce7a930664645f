// The tern_netdev contract (tern/netdev.h) as GoogleTest suites that any
// device runs by describing itself in a small fixture. Testonly.
//
// NetdevContract is what every device must do. To run it against a
// device, write a fixture and instantiate the suite with one line (see
// executor/io/README.md, "Contract test suites"):
//
//   class MyMacFixture : public tern_test::NetdevFixture { ... };
//   INSTANTIATE_TEST_SUITE_P(
//       MyMac, NetdevContract,
//       ::testing::Values(tern_test::MakeNetdevParam<MyMacFixture>("mac")),
//       tern_test::NetdevParamName);
//
// Each capability the device (or its fixture) has is one more line, the
// same prefix and parameter in the capability's suite:
//
//   NetdevHeadroomContract      info.headroom > 0
//   NetdevBackpressureContract  poll_send can be PENDING (the device fills)
//   NetdevLinkDownContract      the fixture's GoDown() takes the link down
//   NetdevLinkUpContract        ... and GoUp() brings it back
//   NetdevMtuChangeContract     the fixture's SetMtu() changes the MTU
//   NetdevSetAddrContract       ops->set_addr is not NULL
//   NetdevMcastContract         ops->mcast is not NULL, room for a group
//
// A case that does not apply to a device is so never instantiated for it,
// rather than skipped. The three a device shows in itself (headroom,
// set_addr, mcast) are checked both ways: a capability suite fails for a
// device without the capability, and NetdevContract fails for a device
// with one whose suite it is not instantiated in.
//
// The suites build the packets themselves from the device's info (an
// Ethernet frame with EtherType 0x88B5, or an IPv4 packet with protocol
// 253, both reserved for experiments, carrying a marker and a sequence
// number), so a fixture only moves bytes: it injects a packet from the far
// side and reports what the device sent, in the device's own medium (for
// an IP device over Ethernet, the IP packet inside the frame). Packets are
// checked byte for byte, pool counters prove who freed what, and every
// PENDING must have taken the waker and be followed by a wake when the far
// side makes progress possible.
#ifndef TERN_NETDEV_CONTRACT_H
#define TERN_NETDEV_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include <deque>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "executor/test_waker.h"
#include "gtest/gtest.h"
#include "tern/err.h"
#include "tern/netdev.h"
#include "tern/pkt.h"

namespace tern_test {

using Packet = std::vector<uint8_t>;

// The device under test and its far side. A new fixture is made for each
// test and destroyed after it.
class NetdevFixture {
 public:
  virtual ~NetdevFixture() = default;

  // Called once after each test: gives back every packet the device or
  // the far side still holds (close or shut the device down, drain its
  // queues), so the suite can then check that every pool is whole.
  virtual void Release() = 0;

  // Why the fixture cannot run here (no privilege, no device), or "" when
  // it can. Checked before anything else; a non-empty reason skips.
  virtual std::string SkipReason() {
    return "";
  }

  // The device under test, link up.
  virtual tern_netdev Device() = 0;

  // Where the suite takes the packets it sends: buffers of at least the
  // device's headroom + MTU + 1 bytes, and at least 8 of them.
  virtual tern_pkt_pool *TxPool() = 0;

  // Every pool whose packets the device or the far side use (the device's
  // receive pool, the far side's), checked whole after the fixture is
  // destroyed. TxPool is checked too; no need to list it.
  virtual std::vector<tern_pkt_pool *> Pools() {
    return {};
  }

  // The far side sends one packet (bytes in the device's medium: a frame,
  // or an IP packet) towards the device. Returns false if it cannot take
  // it now (its queue is full).
  virtual bool Inject(const Packet &pkt) = 0;

  // The next packet the device sent, as the far side received it (in the
  // device's medium), if one has arrived: returns false when none has.
  // Never blocks.
  virtual bool PeerRecv(Packet *out) = 0;

  // Lets events the device waits for reach their wakers, for at most ms
  // milliseconds (a host port sleeps in epoll here). Memory devices wake
  // synchronously and need nothing.
  virtual void Pump(int ms) {
    (void)ms;
  }

  // For a device with TERN_NETDEV_NEXT_HOP: the 4-byte IPv4 next hop the
  // suite writes at tern_pkt_next_hop() so that the packet goes to the far
  // side without resolution (default 255.255.255.255, the link broadcast).
  virtual void NextHop(uint8_t out[4]) {
    for (int i = 0; i < 4; i++) {
      out[i] = 0xff;
    }
  }

  // Link control, for the suites that need it.
  //
  // NetdevLinkDownContract: takes the link down, from the far side or by
  // closing the device.
  virtual void GoDown() {}
  // What poll_send fails with after GoDown(): TERN_ENETDOWN (the link is
  // down, the device still there) or TERN_ECLOSED (the device is gone).
  virtual int DownError() {
    return TERN_ENETDOWN;
  }
  // NetdevLinkUpContract: brings the link back up after GoDown().
  virtual void GoUp() {}
  // NetdevMtuChangeContract: changes the device's MTU (a renegotiated
  // link).
  virtual void SetMtu(uint16_t mtu) {
    (void)mtu;
  }
};

// A named way to make a fixture: the suite's parameter.
struct NetdevParam {
  std::string name;
  std::function<std::unique_ptr<NetdevFixture>()> make;
};

template <typename F>
NetdevParam MakeNetdevParam(const std::string &name) {
  return NetdevParam{name,
                     [] { return std::unique_ptr<NetdevFixture>(new F); }};
}

std::string NetdevParamName(const ::testing::TestParamInfo<NetdevParam> &info);

// GoogleTest prints a parameter by its name.
inline void PrintTo(const NetdevParam &param, std::ostream *os) {
  *os << param.name;
}

// A packet pool over storage of its own, for fixtures: count packets of
// buf_size bytes.
class TestPool {
 public:
  TestPool(size_t count, size_t buf_size)
      : storage_(TERN_PKT_POOL_STORAGE_SIZE(count, buf_size) / 8 + 1) {
    int n = tern_pkt_pool_init(&pool_, storage_.data(), storage_.size() * 8,
                               buf_size);
    EXPECT_EQ(n, static_cast<int>(count));
  }
  TestPool(const TestPool &) = delete;
  TestPool &operator=(const TestPool &) = delete;
  tern_pkt_pool *get() {
    return &pool_;
  }

 private:
  std::vector<uint64_t> storage_;
  tern_pkt_pool pool_;
};

// The sample packets the suite sends and injects, for fixtures and other
// tests that want them: len bytes in `medium`, a valid header (Ethernet
// II to dst with EtherType 0x88B5; IPv4 with protocol 253 from 192.0.2.2 to
// 198.51.100.7 and a correct header checksum), then "tern", the 4-byte
// sequence number and a pattern. len is at least 22 (Ethernet) or 28 (IP).
Packet SamplePacket(uint8_t medium, size_t len, uint32_t seq,
                    const uint8_t dst[6], const uint8_t src[6]);

// Whether bytes are one of the suite's sample packets (any sequence
// number): what the suite takes from a device and what it skips (a real
// kernel's chatter).
bool IsSamplePacket(uint8_t medium, const uint8_t *p, size_t len);

}  // namespace tern_test

// What the suites share: the fixture made from the parameter, the device's
// info and the helpers. The suites and their tests are in
// netdev_contract.cc.
class NetdevContractBase
    : public ::testing::TestWithParam<tern_test::NetdevParam> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A packet from the fixture's TxPool holding SamplePacket(len, seq) with
  // `headroom` bytes in front (the device's info.headroom unless given),
  // the next hop written when the device wants one.
  tern_pkt *Build(size_t len, uint32_t seq, long headroom = -1);
  // The bytes Build(len, seq) puts in the packet.
  tern_test::Packet Sample(size_t len, uint32_t seq);
  // One poll_send with a fresh context from w: READY with *err, or PENDING.
  tern_poll Send(tern_test::CountingWaker &w, tern_pkt *p, int *err);
  // One poll_recv with a fresh context from w.
  tern_poll Recv(tern_test::CountingWaker &w, tern_pkt **p, int *err);
  // One poll_event with a fresh context from w.
  tern_poll Event(tern_test::CountingWaker &w, uint32_t *events);
  // A counting waker that lives as long as the test object: a device may
  // keep a waker after the poll that gave it returns and call it later
  // (even from the fixture's Release), so no waker given to one may be a
  // local that goes out of scope first.
  tern_test::CountingWaker &NewWaker() {
    wakers_.emplace_back();
    return wakers_.back();
  }
  // Pumps until w has been woken or ms pass; returns whether it was.
  bool WaitForWake(tern_test::CountingWaker &w, int ms = 2000);
  // The next sample packet the far side received, keeping a poll_recv of
  // the device going meanwhile (a device may write out the rest of a sent
  // packet from there, as the IP layer's runner keeps one going); other
  // packets are skipped. False if none came within ms.
  bool AwaitSent(tern_test::Packet *out, int ms = 2000);
  // The next sample packet the device hands up, within ms: READY packets
  // that are not samples are freed and skipped. Returns nullptr (and *err
  // the device's error, if it gave one) when none came.
  tern_pkt *AwaitReceived(int *err, int ms = 2000);
  // Keeps a poll_recv of the device going (the task that drives a device
  // does; a device may learn of its link's end there, as SLIP does from
  // its stream) and pumps until w has been woken or ms pass.
  bool DriveUntilWoken(tern_test::CountingWaker &w, int ms = 2000);
  // Sum of the send drop counters, or 0 without stats.
  uint32_t TxDrops();

  // Wakers first: destroyed after the fixture, which may still call them.
  std::deque<tern_test::CountingWaker> wakers_;
  tern_test::CountingWaker driver_;  // the receiver AwaitSent keeps going
  std::unique_ptr<tern_test::NetdevFixture> fx_;
  tern_netdev dev_;
  tern_netdev_info info_;
  tern_pkt_pool *tx_pool_ = nullptr;
};

// What every device must do.
class NetdevContract : public NetdevContractBase {};

// A device that needs headroom (info.headroom > 0): too little of it.
class NetdevHeadroomContract : public NetdevContractBase {
 protected:
  void SetUp() override;
};

// A device whose poll_send can be PENDING: it fills while the far side
// takes nothing (a host device cannot: the kernel queues or drops).
class NetdevBackpressureContract : public NetdevContractBase {};

// A device whose fixture can take the link down (GoDown, DownError).
class NetdevLinkDownContract : public NetdevContractBase {};

// A device whose fixture can also bring the link back up (GoUp).
class NetdevLinkUpContract : public NetdevContractBase {};

// A device whose fixture can change its MTU (SetMtu).
class NetdevMtuChangeContract : public NetdevContractBase {};

// A device that takes addresses (ops->set_addr is not NULL).
class NetdevSetAddrContract : public NetdevContractBase {
 protected:
  void SetUp() override;
};

// A device with a multicast filter (ops->mcast is not NULL) that has room
// for a group.
class NetdevMcastContract : public NetdevContractBase {
 protected:
  void SetUp() override;
};

#endif  // TERN_NETDEV_CONTRACT_H
