// The tern_netdev contract suites: NetdevContract for every device, then
// one suite per capability (see netdev_contract.h). Each test states the
// clause of tern/netdev.h (or tern/pkt.h) it checks.
#include "executor/io/netdev_contract.h"

#include <string.h>

#include <chrono>
#include <string>

namespace tern_test {

std::string NetdevParamName(const ::testing::TestParamInfo<NetdevParam> &info) {
  return info.param.name;
}

namespace {

const uint8_t kMarker[4] = {'t', 'e', 'r', 'n'};
const uint8_t kSrcIp[4] = {192, 0, 2, 2};
const uint8_t kDstIp[4] = {198, 51, 100, 7};
const size_t kEthHeader = 14;
const size_t kIpHeader = 20;

size_t HeaderLen(uint8_t medium) {
  return medium == TERN_MEDIUM_ETHERNET ? kEthHeader : kIpHeader;
}

void Put16(uint8_t *p, size_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

}  // namespace

Packet SamplePacket(uint8_t medium, size_t len, uint32_t seq,
                    const uint8_t dst[6], const uint8_t src[6]) {
  size_t hdr = HeaderLen(medium);
  Packet p(len < hdr + 8 ? hdr + 8 : len, 0);
  uint8_t *h = p.data();
  if (medium == TERN_MEDIUM_ETHERNET) {
    memcpy(h, dst, 6);
    memcpy(h + 6, src, 6);
    Put16(h + 12, 0x88b5); /* IEEE 802 local experimental */
  } else {
    h[0] = 0x45;
    Put16(h + 2, p.size());
    Put16(h + 4, seq & 0xffff); /* identification */
    h[8] = 64;                  /* TTL */
    h[9] = 253;                 /* RFC 3692 experimentation */
    memcpy(h + 12, kSrcIp, 4);
    memcpy(h + 16, kDstIp, 4);
    uint32_t sum = 0;
    for (size_t i = 0; i < kIpHeader; i += 2) {
      sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
    }
    while (sum >> 16) {
      sum = (sum & 0xffff) + (sum >> 16);
    }
    Put16(h + 10, ~sum & 0xffff);
  }
  memcpy(h + hdr, kMarker, 4);
  for (int i = 0; i < 4; i++) {
    h[hdr + 4 + i] = static_cast<uint8_t>(seq >> (24 - 8 * i));
  }
  for (size_t i = hdr + 8; i < p.size(); i++) {
    p[i] = static_cast<uint8_t>(i * 7 + seq);
  }
  return p;
}

bool IsSamplePacket(uint8_t medium, const uint8_t *p, size_t len) {
  size_t hdr = HeaderLen(medium);
  if (len < hdr + 8 || memcmp(p + hdr, kMarker, 4) != 0) {
    return false;
  }
  if (medium == TERN_MEDIUM_ETHERNET) {
    return p[12] == 0x88 && p[13] == 0xb5;
  }
  return p[0] == 0x45 && p[9] == 253;
}

}  // namespace tern_test

// A test binary may link both contracts and instantiate only some of the
// suites: a device takes part in the capability suites of what it has.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NetdevContract);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NetdevHeadroomContract);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NetdevBackpressureContract);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NetdevLinkDownContract);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NetdevLinkUpContract);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NetdevMtuChangeContract);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NetdevSetAddrContract);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NetdevMcastContract);

using tern_test::CountingWaker;
using tern_test::Packet;

namespace {

#ifndef NDEBUG
#define EXPECT_WAKER_TAKEN(cx) \
  EXPECT_GT((cx).waker_uses, 0u) << "PENDING without taking the waker"
#else
#define EXPECT_WAKER_TAKEN(cx) (void)(cx)
#endif

const uint8_t kPeerMac[6] = {0x02, 0x00, 0x00, 0x00, 0xfe, 0xed};

uint32_t SeqOf(uint8_t medium, const Packet &p) {
  size_t hdr = medium == TERN_MEDIUM_ETHERNET ? 14 : 20;
  return static_cast<uint32_t>(p[hdr + 4]) << 24 |
         static_cast<uint32_t>(p[hdr + 5]) << 16 |
         static_cast<uint32_t>(p[hdr + 6]) << 8 | p[hdr + 7];
}

Packet Bytes(const tern_pkt *p) {
  return Packet(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
}

// Whether this test binary instantiates `suite` with the running test's
// prefix and parameter: "Memory/NetdevContract.X/ethernet" asks for a test
// "<anything>/ethernet" in "Memory/<suite>".
bool InstantiatedHereIn(const std::string &suite) {
  const ::testing::UnitTest *unit = ::testing::UnitTest::GetInstance();
  const ::testing::TestInfo *me = unit->current_test_info();
  std::string mine = me->test_suite_name();
  size_t slash = mine.rfind('/');
  std::string want =
      slash == std::string::npos ? suite : mine.substr(0, slash + 1) + suite;
  std::string name = me->name();
  std::string param = name.substr(name.rfind('/'));
  for (int i = 0; i < unit->total_test_suite_count(); i++) {
    const ::testing::TestSuite *ts = unit->GetTestSuite(i);
    if (want != ts->name()) {
      continue;
    }
    for (int j = 0; j < ts->total_test_count(); j++) {
      std::string test = ts->GetTestInfo(j)->name();
      if (test.size() > param.size() &&
          test.compare(test.size() - param.size(), param.size(), param) == 0) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

void NetdevContractBase::SetUp() {
  fx_ = GetParam().make();
  std::string why = fx_->SkipReason();
  if (!why.empty()) {
    GTEST_SKIP() << why;
  }
  dev_ = fx_->Device();
  info_ = tern_netdev_get_info(&dev_);
  tx_pool_ = fx_->TxPool();
  ASSERT_NE(tx_pool_, nullptr);
  ASSERT_GE(static_cast<size_t>(tx_pool_->buf_size),
            static_cast<size_t>(info_.headroom) + info_.mtu + 1)
      << "the fixture's TxPool is too small for this device";
}

void NetdevContractBase::TearDown() {
  if (fx_ == nullptr || !fx_->SkipReason().empty()) {
    return;
  }
  fx_->Release();
  std::vector<tern_pkt_pool *> pools = fx_->Pools();
  pools.push_back(tx_pool_);
  for (tern_pkt_pool *pool : pools) {
    EXPECT_EQ(tern_pkt_pool_available(pool), pool->count)
        << "a packet was not given back to its pool";
    EXPECT_EQ(tern_pkt_pool_get_stats(pool).bad_frees, 0u)
        << "a packet was freed twice";
  }
  fx_.reset();
}

Packet NetdevContractBase::Sample(size_t len, uint32_t seq) {
  return tern_test::SamplePacket(info_.medium, len, seq, kPeerMac, info_.mac);
}

tern_pkt *NetdevContractBase::Build(size_t len, uint32_t seq, long headroom) {
  tern_pkt *p = tern_pkt_pool_try_alloc(tx_pool_);
  EXPECT_NE(p, nullptr) << "the fixture's TxPool ran dry";
  if (p == nullptr) {
    return nullptr;
  }
  size_t room = headroom < 0 ? info_.headroom : static_cast<size_t>(headroom);
  EXPECT_EQ(tern_pkt_reserve(p, room), 0);
  Packet bytes = Sample(len, seq);
  uint8_t *d = tern_pkt_put(p, bytes.size());
  EXPECT_NE(d, nullptr);
  if (d != nullptr) {
    memcpy(d, bytes.data(), bytes.size());
  }
  if ((info_.flags & TERN_NETDEV_NEXT_HOP) != 0) {
    uint8_t nh[4];
    fx_->NextHop(nh);
    memcpy(tern_pkt_next_hop(p), nh, sizeof nh);
  }
  return p;
}

tern_poll NetdevContractBase::Send(CountingWaker &w, tern_pkt *p, int *err) {
  tern_cx cx = w.Cx();
  *err = 12345;
  tern_poll r = tern_netdev_poll_send(&dev_, &cx, p, err);
  if (r == TERN_PENDING) {
    EXPECT_WAKER_TAKEN(cx);
  } else {
    EXPECT_LE(*err, 0) << "poll_send READY without a result";
  }
  return r;
}

tern_poll NetdevContractBase::Recv(CountingWaker &w, tern_pkt **p, int *err) {
  tern_cx cx = w.Cx();
  *p = nullptr;
  *err = 12345;
  tern_poll r = tern_netdev_poll_recv(&dev_, &cx, p, err);
  if (r == TERN_PENDING) {
    EXPECT_WAKER_TAKEN(cx);
    EXPECT_EQ(*p, nullptr) << "PENDING handed over a packet";
  } else if (*err == 0) {
    EXPECT_NE(*p, nullptr) << "READY without a packet or an error";
  } else {
    EXPECT_LT(*err, 0);
    EXPECT_EQ(*p, nullptr) << "an error came with a packet";
  }
  return r;
}

tern_poll NetdevContractBase::Event(CountingWaker &w, uint32_t *events) {
  tern_cx cx = w.Cx();
  *events = 0;
  return tern_netdev_poll_event(&dev_, &cx, events);
}

bool NetdevContractBase::WaitForWake(CountingWaker &w, int ms) {
  return PumpUntilWoken(w, ms, 20, [this](int slice) { fx_->Pump(slice); });
}

bool NetdevContractBase::AwaitSent(Packet *out, int ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    while (fx_->PeerRecv(out)) {
      if (tern_test::IsSamplePacket(info_.medium, out->data(), out->size())) {
        return true;
      }
    }
    if (std::chrono::steady_clock::now() > end) {
      return false;
    }
    // Keep a receive going, as a runner would: it may write out the rest
    // of what was sent. Whatever it hands up here is not the point.
    tern_pkt *p;
    int err;
    driver_.Take();
    if (Recv(driver_, &p, &err) == TERN_READY) {
      tern_pkt_free(p);
      if (err != 0) {
        fx_->Pump(1);
      }
      continue;
    }
    fx_->Pump(1);
  }
}

tern_pkt *NetdevContractBase::AwaitReceived(int *err, int ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  CountingWaker &w = NewWaker();
  *err = 0;
  for (;;) {
    tern_pkt *p;
    w.Take();
    if (Recv(w, &p, err) == TERN_READY) {
      if (*err != 0) {
        return nullptr;
      }
      if (tern_test::IsSamplePacket(info_.medium, tern_pkt_data(p),
                                    tern_pkt_len(p))) {
        return p;
      }
      tern_pkt_free(p); /* not ours: a real peer's chatter */
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    end - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 || !WaitForWake(w, static_cast<int>(left))) {
      *err = 0;
      return nullptr;
    }
  }
}

bool NetdevContractBase::DriveUntilWoken(CountingWaker &w, int ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (w.wakes == 0 && std::chrono::steady_clock::now() < end) {
    tern_pkt *p;
    int err;
    driver_.Take();
    if (Recv(driver_, &p, &err) == TERN_READY) {
      tern_pkt_free(p);
    }
    fx_->Pump(5);
  }
  return w.wakes != 0;
}

uint32_t NetdevContractBase::TxDrops() {
  const tern_netdev_stats *st = tern_netdev_get_stats(&dev_);
  if (st == nullptr) {
    return 0;
  }
  return st->tx_drop_too_long + st->tx_drop_no_room + st->tx_drop_down +
         st->tx_drop_error;
}

// ---- NetdevContract: what every device must do ----

// info: "mtu ... headroom ... medium ... flags"; a device starts up, only
// an IP device resolves next hops (and then has room for one), an
// Ethernet device has a station address to send from.
TEST_P(NetdevContract, InfoDescribesTheDevice) {
  EXPECT_GT(info_.mtu, 0);
  ASSERT_TRUE(info_.medium == TERN_MEDIUM_ETHERNET ||
              info_.medium == TERN_MEDIUM_IP)
      << "medium " << int(info_.medium);
  EXPECT_NE(info_.flags & TERN_NETDEV_UP, 0) << "the fixture's link is up";
  EXPECT_EQ(info_.flags & ~(TERN_NETDEV_UP | TERN_NETDEV_NEXT_HOP), 0)
      << "unknown flags";
  if (info_.medium == TERN_MEDIUM_ETHERNET) {
    EXPECT_EQ(info_.flags & TERN_NETDEV_NEXT_HOP, 0)
        << "next hops are an IP device's";
    EXPECT_EQ(info_.mac[0] & 1, 0) << "a group address is no station address";
    EXPECT_NE(info_.mac[0] | info_.mac[1] | info_.mac[2] | info_.mac[3] |
                  info_.mac[4] | info_.mac[5],
              0);
    EXPECT_GE(info_.mtu, 14 + 8);
  } else {
    EXPECT_GE(info_.mtu, 68) << "RFC 791: every IPv4 link carries 68 bytes";
  }
  if ((info_.flags & TERN_NETDEV_NEXT_HOP) != 0) {
    EXPECT_GE(info_.headroom, TERN_PKT_NEXT_HOP4_LEN)
        << "the next hop lives in the headroom";
  }
  // The facts do not change by being read.
  tern_netdev_info again = tern_netdev_get_info(&dev_);
  EXPECT_EQ(memcmp(&again, &info_, sizeof again), 0);
}

// "poll_send READY: the device owns the packet ... With *err == 0 it was
// queued or sent and the device frees it when done", and tx counters
// count it.
TEST_P(NetdevContract, SentPacketArrivesIntactAndIsCounted) {
  const tern_netdev_stats *st = tern_netdev_get_stats(&dev_);
  uint32_t tx_packets = st != nullptr ? st->tx_packets : 0;
  uint32_t tx_bytes = st != nullptr ? st->tx_bytes : 0;
  CountingWaker &w = NewWaker();
  int err;
  ASSERT_EQ(Send(w, Build(100, 1), &err), TERN_READY);
  ASSERT_EQ(err, 0) << tern_strerror(err);
  Packet got;
  ASSERT_TRUE(AwaitSent(&got)) << "the far side never got the packet";
  EXPECT_EQ(got, Sample(100, 1));
  if (st != nullptr) {
    EXPECT_EQ(st->tx_packets, tx_packets + 1);
    EXPECT_EQ(st->tx_bytes, tx_bytes + 100);
  }
}

// "sends at most info.mtu bytes": a packet of exactly the MTU goes whole.
TEST_P(NetdevContract, PacketAtTheMtuArrivesIntact) {
  CountingWaker &w = NewWaker();
  int err;
  ASSERT_EQ(Send(w, Build(info_.mtu, 2), &err), TERN_READY);
  ASSERT_EQ(err, 0) << tern_strerror(err);
  Packet got;
  ASSERT_TRUE(AwaitSent(&got));
  EXPECT_EQ(got.size(), info_.mtu);
  EXPECT_TRUE(got == Sample(info_.mtu, 2)) << "the packet was changed";
}

// "with *err < 0 (too long ...) the device has already freed it": one
// byte over the MTU is TERN_EMSGSIZE, the packet freed exactly once and
// nothing sent.
TEST_P(NetdevContract, PacketOverTheMtuIsRefusedAndFreedOnce) {
  tern_pkt_pool_stats before = tern_pkt_pool_get_stats(tx_pool_);
  size_t available = tern_pkt_pool_available(tx_pool_);
  uint32_t drops = TxDrops();
  tern_pkt *p = Build(info_.mtu + 1u, 3);
  CountingWaker &w = NewWaker();
  int err;
  ASSERT_EQ(Send(w, p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_EMSGSIZE);
  tern_pkt_pool_stats after = tern_pkt_pool_get_stats(tx_pool_);
  EXPECT_EQ(after.frees, before.frees + 1) << "not freed exactly once";
  EXPECT_EQ(after.bad_frees, before.bad_frees);
  EXPECT_EQ(tern_pkt_pool_available(tx_pool_), available);
  if (tern_netdev_get_stats(&dev_) != nullptr) {
    EXPECT_EQ(TxDrops(), drops + 1) << "the drop was not counted";
  }
  Packet got;
  EXPECT_FALSE(AwaitSent(&got, 100)) << "an oversize packet went out";
}

// "PENDING has registered cx's waker"; "poll_recv READY with *pkt set: the
// packet is the caller's now ... The data starts at the device's own
// header"; link_cast: a packet addressed to us alone is unicast.
TEST_P(NetdevContract, PendingReceiveIsWokenByAnArrivingPacket) {
  const tern_netdev_stats *st = tern_netdev_get_stats(&dev_);
  uint32_t rx_packets = st != nullptr ? st->rx_packets : 0;
  uint32_t rx_bytes = st != nullptr ? st->rx_bytes : 0;
  CountingWaker &w = NewWaker();
  tern_pkt *p;
  int err;
  tern_poll r;
  // Anything already queued (a kernel's chatter) is not ours; wait.
  while ((r = Recv(w, &p, &err)) == TERN_READY && err == 0) {
    ASSERT_FALSE(tern_test::IsSamplePacket(info_.medium, tern_pkt_data(p),
                                           tern_pkt_len(p)));
    tern_pkt_free(p);
  }
  ASSERT_EQ(r, TERN_PENDING) << "receive failed: " << tern_strerror(err);
  fx_->Pump(10);
  w.Take();
  Packet sent =
      tern_test::SamplePacket(info_.medium, 90, 6, info_.mac, kPeerMac);
  ASSERT_TRUE(fx_->Inject(sent));
  ASSERT_TRUE(WaitForWake(w)) << "the arriving packet did not wake";
  p = AwaitReceived(&err);
  ASSERT_NE(p, nullptr) << tern_strerror(err);
  EXPECT_EQ(Bytes(p), sent);
  EXPECT_EQ(p->link_cast, TERN_PKT_LINK_UNICAST);
  // The caller's now: it may change it, reuse it, free it.
  tern_pkt_data(p)[0] ^= 0xff;
  tern_pkt_free(p);
  if (st != nullptr) {
    EXPECT_GE(st->rx_packets, rx_packets + 1);
    EXPECT_GE(st->rx_bytes, rx_bytes + 90);
  }
}

// Packets come up in the order they arrived, each its own buffer.
TEST_P(NetdevContract, PacketsAreHandedUpInOrder) {
  std::vector<Packet> sent;
  for (uint32_t seq = 10; seq < 13; seq++) {
    sent.push_back(tern_test::SamplePacket(info_.medium, 60 + seq, seq,
                                           info_.mac, kPeerMac));
    ASSERT_TRUE(fx_->Inject(sent.back()));
  }
  std::vector<tern_pkt *> got;
  for (size_t i = 0; i < sent.size(); i++) {
    int err;
    tern_pkt *p = AwaitReceived(&err);
    ASSERT_NE(p, nullptr) << "packet " << i << ": " << tern_strerror(err);
    EXPECT_EQ(Bytes(p), sent[i]) << "packet " << i;
    for (tern_pkt *q : got) {
      EXPECT_NE(q, p) << "a buffer handed up twice";
    }
    got.push_back(p);
  }
  for (tern_pkt *p : got) {
    tern_pkt_free(p);
  }
}

// Events report changes only: traffic is none.
TEST_P(NetdevContract, NoEventsWithoutAChange) {
  CountingWaker &ev = NewWaker();
  uint32_t events;
  EXPECT_EQ(Event(ev, &events), TERN_PENDING);
  CountingWaker &w = NewWaker();
  int err;
  ASSERT_EQ(Send(w, Build(64, 20), &err), TERN_READY);
  Packet got;
  EXPECT_TRUE(AwaitSent(&got));
  ASSERT_TRUE(fx_->Inject(
      tern_test::SamplePacket(info_.medium, 64, 21, info_.mac, kPeerMac)));
  tern_pkt *p = AwaitReceived(&err);
  ASSERT_NE(p, nullptr);
  tern_pkt_free(p);
  fx_->Pump(10);
  EXPECT_EQ(ev.wakes, 0) << "an event waiter woken by traffic";
  EXPECT_EQ(Event(ev, &events), TERN_PENDING) << "events " << events;
}

// What a device shows in itself it has (headroom, set_addr, mcast) is
// tested by the capability's suite: the fixture is instantiated there too,
// with this prefix and parameter name. (What only the fixture can do,
// GoDown and the like, it cannot show; its suites are its author's to add.)
TEST_P(NetdevContract, EveryCapabilityTheDeviceShowsIsTested) {
  if (info_.headroom > 0) {
    EXPECT_TRUE(InstantiatedHereIn("NetdevHeadroomContract"))
        << "the device needs " << int(info_.headroom)
        << " bytes of headroom: instantiate it in NetdevHeadroomContract too";
  }
  if (dev_.ops->set_addr != nullptr) {
    EXPECT_TRUE(InstantiatedHereIn("NetdevSetAddrContract"))
        << "the device has set_addr: instantiate it in NetdevSetAddrContract "
           "too";
  }
  if (dev_.ops->mcast != nullptr) {
    EXPECT_TRUE(InstantiatedHereIn("NetdevMcastContract"))
        << "the device has mcast: instantiate it in NetdevMcastContract too";
  }
}

// ---- NetdevHeadroomContract: a device that needs headroom ----

void NetdevHeadroomContract::SetUp() {
  NetdevContractBase::SetUp();
  if (IsSkipped() || HasFatalFailure()) {
    return;
  }
  ASSERT_GT(info_.headroom, 0) << "the device needs no headroom: instantiate "
                                  "it without NetdevHeadroomContract";
}

// "A layer that builds a packet for a device reserves info.headroom bytes
// in front": with one byte less the device may still manage, or refuse
// (TERN_ENOSPC), but either way the packet is the device's and is freed
// once, and what goes out is intact.
TEST_P(NetdevHeadroomContract, TooLittleHeadroomIsRefusedOrSentIntact) {
  tern_pkt_pool_stats before = tern_pkt_pool_get_stats(tx_pool_);
  CountingWaker &w = NewWaker();
  int err;
  ASSERT_EQ(Send(w, Build(80, 4, info_.headroom - 1), &err), TERN_READY);
  Packet got;
  if (err == 0) {
    ASSERT_TRUE(AwaitSent(&got));
    EXPECT_EQ(got, Sample(80, 4));
  } else {
    EXPECT_EQ(err, TERN_ENOSPC);
    tern_pkt_pool_stats after = tern_pkt_pool_get_stats(tx_pool_);
    EXPECT_EQ(after.frees, before.frees + 1);
    EXPECT_FALSE(AwaitSent(&got, 100));
  }
  // With the headroom it asks for, it sends.
  ASSERT_EQ(Send(w, Build(80, 5), &err), TERN_READY);
  ASSERT_EQ(err, 0);
  ASSERT_TRUE(AwaitSent(&got));
  EXPECT_EQ(got, Sample(80, 5));
}

// ---- NetdevBackpressureContract: a device that fills ----

// "poll_send PENDING (the device has no room): the caller still owns the
// packet and polls again with it"; the wake comes when the far side
// takes packets; nothing is lost or reordered.
TEST_P(NetdevBackpressureContract,
       FullDeviceKeepsThePacketWithTheCallerAndWakesOnRoom) {
  CountingWaker &w = NewWaker();
  tern_pkt *waiting = nullptr;
  uint32_t seq = 100;
  int err;
  for (; seq < 132; seq++) {
    tern_pkt *p = Build(64, seq);
    if (Send(w, p, &err) == TERN_PENDING) {
      waiting = p;
      break;
    }
    ASSERT_EQ(err, 0) << tern_strerror(err);
  }
  if (waiting == nullptr) {
    Packet got;
    while (AwaitSent(&got, 200)) {
    }
    FAIL() << "32 sends never filled the device (it always has room: "
              "instantiate it without NetdevBackpressureContract)";
  }
  // Still the caller's, as it came.
  EXPECT_EQ(Bytes(waiting), Sample(64, seq));
  // The far side takes what was sent, in order; room wakes the sender.
  std::vector<uint32_t> seqs;
  Packet got;
  ASSERT_TRUE(AwaitSent(&got));
  seqs.push_back(SeqOf(info_.medium, got));
  ASSERT_TRUE(WaitForWake(w)) << "room did not wake the waiting sender";
  for (int i = 0;; i++) {
    ASSERT_LT(i, 100) << "the waiting packet was never taken";
    w.Take();
    if (Send(w, waiting, &err) == TERN_READY) {
      ASSERT_EQ(err, 0);
      break;
    }
    if (AwaitSent(&got, 50)) {
      seqs.push_back(SeqOf(info_.medium, got));
    }
    WaitForWake(w, 100);
  }
  while (AwaitSent(&got, 200)) {
    seqs.push_back(SeqOf(info_.medium, got));
  }
  ASSERT_EQ(seqs.size(), seq - 100 + 1u) << "packets lost";
  for (size_t i = 0; i < seqs.size(); i++) {
    EXPECT_EQ(seqs[i], 100 + i) << "packets reordered";
  }
}

// ---- NetdevLinkDownContract: the fixture takes the link down ----

// TERN_NETDEV_UP: "A device that is down fails poll_send with
// TERN_ENETDOWN" (or TERN_ECLOSED once it is gone), freeing the packet;
// TERN_NETDEV_EV_LINK is reported once, waking the task in poll_event.
TEST_P(NetdevLinkDownContract, LinkDownIsReportedOnceAndSendsFailCleanly) {
  CountingWaker &ev = NewWaker();
  uint32_t events;
  ASSERT_EQ(Event(ev, &events), TERN_PENDING);
  fx_->GoDown();
  ASSERT_TRUE(DriveUntilWoken(ev))
      << "the link going down did not wake poll_event";
  ASSERT_EQ(Event(ev, &events), TERN_READY);
  EXPECT_NE(events & TERN_NETDEV_EV_LINK, 0u) << "events " << events;
  EXPECT_EQ(Event(ev, &events), TERN_PENDING) << "reported twice";
  EXPECT_EQ(tern_netdev_get_info(&dev_).flags & TERN_NETDEV_UP, 0)
      << "info still says up";

  tern_pkt_pool_stats before = tern_pkt_pool_get_stats(tx_pool_);
  uint32_t drops = TxDrops();
  CountingWaker &w = NewWaker();
  int err;
  ASSERT_EQ(Send(w, Build(64, 30), &err), TERN_READY)
      << "a down device must not make the sender wait";
  EXPECT_EQ(err, fx_->DownError()) << tern_strerror(err);
  tern_pkt_pool_stats after = tern_pkt_pool_get_stats(tx_pool_);
  EXPECT_EQ(after.frees, before.frees + 1);
  EXPECT_EQ(after.bad_frees, before.bad_frees);
  if (tern_netdev_get_stats(&dev_) != nullptr) {
    EXPECT_EQ(TxDrops(), drops + 1);
  }
  // Receiving: an error, or nothing (PENDING); never a packet.
  tern_pkt *p;
  if (Recv(w, &p, &err) == TERN_READY) {
    EXPECT_LT(err, 0);
  }
}

// A receiver waiting when the link goes down is woken (and then meets an
// error or waits on): no task sleeps for ever on a dead device.
TEST_P(NetdevLinkDownContract, WaitingReceiverIsWokenWhenTheLinkGoesDown) {
  CountingWaker &w = NewWaker();
  tern_pkt *p;
  int err;
  tern_poll r;
  while ((r = Recv(w, &p, &err)) == TERN_READY && err == 0) {
    tern_pkt_free(p);
  }
  ASSERT_EQ(r, TERN_PENDING);
  w.Take();
  fx_->GoDown();
  EXPECT_TRUE(WaitForWake(w)) << "the waiting receiver was not woken";
}

// ---- NetdevLinkUpContract: ... and brings it back up ----

// "TERN_NETDEV_EV_LINK: the link went up or down": up again is reported,
// info says so, and packets flow.
TEST_P(NetdevLinkUpContract, LinkUpAgainIsReportedAndPacketsFlow) {
  CountingWaker &ev = NewWaker();
  uint32_t events;
  ASSERT_EQ(Event(ev, &events), TERN_PENDING);
  fx_->GoDown();
  ASSERT_TRUE(DriveUntilWoken(ev)) << "the link going down did not wake";
  ASSERT_EQ(Event(ev, &events), TERN_READY);
  ASSERT_EQ(Event(ev, &events), TERN_PENDING);
  ev.Take();
  fx_->GoUp();
  ASSERT_TRUE(DriveUntilWoken(ev)) << "the link coming up did not wake";
  ASSERT_EQ(Event(ev, &events), TERN_READY);
  EXPECT_NE(events & TERN_NETDEV_EV_LINK, 0u);
  EXPECT_NE(tern_netdev_get_info(&dev_).flags & TERN_NETDEV_UP, 0);
  CountingWaker &w = NewWaker();
  int err;
  ASSERT_EQ(Send(w, Build(64, 40), &err), TERN_READY);
  ASSERT_EQ(err, 0) << tern_strerror(err);
  Packet got;
  ASSERT_TRUE(AwaitSent(&got));
  EXPECT_EQ(got, Sample(64, 40));
}

// ---- NetdevMtuChangeContract: the fixture changes the MTU ----

// "TERN_NETDEV_EV_INFO: The MTU, headroom or station address changed:
// read info again", and the new MTU is the one enforced.
TEST_P(NetdevMtuChangeContract, MtuChangeIsReportedAndEnforced) {
  CountingWaker &ev = NewWaker();
  uint32_t events;
  ASSERT_EQ(Event(ev, &events), TERN_PENDING);
  uint16_t mtu = static_cast<uint16_t>(info_.mtu - 100);
  fx_->SetMtu(mtu);
  ASSERT_TRUE(WaitForWake(ev));
  ASSERT_EQ(Event(ev, &events), TERN_READY);
  EXPECT_NE(events & TERN_NETDEV_EV_INFO, 0u);
  info_ = tern_netdev_get_info(&dev_);
  EXPECT_EQ(info_.mtu, mtu);
  CountingWaker &w = NewWaker();
  int err;
  ASSERT_EQ(Send(w, Build(mtu + 1u, 50), &err), TERN_READY);
  EXPECT_EQ(err, TERN_EMSGSIZE);
  ASSERT_EQ(Send(w, Build(mtu, 51), &err), TERN_READY);
  EXPECT_EQ(err, 0);
  Packet got;
  ASSERT_TRUE(AwaitSent(&got));
  EXPECT_EQ(got, Sample(mtu, 51));
}

// ---- NetdevSetAddrContract: a device that takes addresses ----

void NetdevSetAddrContract::SetUp() {
  NetdevContractBase::SetUp();
  if (IsSkipped() || HasFatalFailure()) {
    return;
  }
  ASSERT_NE(dev_.ops->set_addr, nullptr)
      << "the device needs no addresses (set_addr is NULL): instantiate it "
         "without NetdevSetAddrContract";
}

// set_addr: "Returns 0 or TERN_EINVAL (a length the device does not
// know)"; len 4 is an IPv4 address, len 16 an IPv6 one (which the device
// may ignore).
TEST_P(NetdevSetAddrContract, SetAddrTakesIpv4AndIpv6AndRefusesOtherLengths) {
  const uint8_t v4[4] = {192, 0, 2, 2};
  const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                          0,    0,    0,    0,    0, 0, 0, 2};
  EXPECT_EQ(tern_netdev_set_addr(&dev_, v4, 4), 0);
  EXPECT_EQ(tern_netdev_set_addr(&dev_, v6, 16), 0);
  EXPECT_EQ(tern_netdev_set_addr(&dev_, v6, 5), TERN_EINVAL);
  const uint8_t none[4] = {0, 0, 0, 0};
  EXPECT_EQ(tern_netdev_set_addr(&dev_, none, 4), 0);
}

// ---- NetdevMcastContract: a device with a multicast filter ----

void NetdevMcastContract::SetUp() {
  NetdevContractBase::SetUp();
  if (IsSkipped() || HasFatalFailure()) {
    return;
  }
  ASSERT_NE(dev_.ops->mcast, nullptr)
      << "the device has no multicast filter (mcast is NULL): instantiate it "
         "without NetdevMcastContract";
}

// mcast: "Returns 0, TERN_ENOMEM (its filter is full), TERN_ENOENT
// (leaving a group not joined) or TERN_EINVAL (not a group address).
// Joins are counted: a group joined twice is left after the second
// leave." The group is a MAC for an Ethernet device, an IP address for an
// IP device.
TEST_P(NetdevMcastContract, McastJoinsAreCountedAndGroupsChecked) {
  const uint8_t mac_group[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
  const uint8_t ip_group[4] = {224, 0, 0, 251};
  const uint8_t mac_unicast[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0xfb};
  const uint8_t ip_unicast[4] = {192, 0, 2, 1};
  bool eth = info_.medium == TERN_MEDIUM_ETHERNET;
  const uint8_t *group = eth ? mac_group : ip_group;
  const uint8_t *unicast = eth ? mac_unicast : ip_unicast;
  size_t len = eth ? 6 : 4;
  ASSERT_EQ(tern_netdev_mcast(&dev_, group, len, true), 0)
      << "a device in this suite has room for a group";
  EXPECT_EQ(tern_netdev_mcast(&dev_, group, len, true), 0);
  EXPECT_EQ(tern_netdev_mcast(&dev_, group, len, false), 0);
  EXPECT_EQ(tern_netdev_mcast(&dev_, group, len, false), 0);
  EXPECT_EQ(tern_netdev_mcast(&dev_, group, len, false), TERN_ENOENT)
      << "left more often than joined";
  EXPECT_EQ(tern_netdev_mcast(&dev_, unicast, len, true), TERN_EINVAL)
      << "a unicast address is no group";
  EXPECT_EQ(tern_netdev_mcast(&dev_, group, 3, true), TERN_EINVAL)
      << "no group is 3 bytes long";
}
