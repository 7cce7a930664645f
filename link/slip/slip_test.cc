// The SLIP adapter over a memory stream pair: the adapter is end A, the
// test plays the peer on end B (what a UART's other side would see).
#include "tern/slip.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include "executor/test_waker.h"
#include "link/slip/slip_test_vectors.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/memstream.h"
#include "tern/pkt.h"

namespace {

using tern_slip_test::B;
using tern_slip_test::Bytes;
using tern_slip_test::kFrameRx;
using tern_slip_test::kFrameTx;
using tern_slip_test::kPeerTx;
using tern_slip_test::kSlirpRx;
using tern_test::CountingWaker;

Bytes Cat(Bytes a, const Bytes &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// RFC 1055 framing, written out here independently of the codec: END,
// the packet with C0 -> DB DC and DB -> DB DD, END.
Bytes Frame(const Bytes &pkt) {
  Bytes out = {0xc0};
  for (uint8_t b : pkt) {
    if (b == 0xc0) {
      out.push_back(0xdb);
      out.push_back(0xdc);
    } else if (b == 0xdb) {
      out.push_back(0xdb);
      out.push_back(0xdd);
    } else {
      out.push_back(b);
    }
  }
  out.push_back(0xc0);
  return out;
}

// A packet body, heavy in the bytes SLIP escapes, reproducible from
// (seed, index).
Bytes RandomPacket(uint32_t seed, uint32_t index, size_t max_len) {
  std::mt19937 rng(seed * 1000003u + index);
  size_t len = 1 + rng() % max_len;
  Bytes p(len);
  static const uint8_t kSpecial[4] = {0xc0, 0xdb, 0xdc, 0xdd};
  for (auto &b : p) {
    uint32_t r = rng();
    b = (r & 3) == 0 ? kSpecial[(r >> 2) & 3] : (uint8_t)(r >> 8);
  }
  return p;
}

class Slip : public ::testing::Test {
 protected:
  void TearDown() override {
    tern_slip_shutdown(&slip_);
    EXPECT_EQ(tern_pkt_pool_available(&pool_), pool_.count) << "packets leaked";
  }

  // The adapter on end A over rings of `ring` bytes each way; a pool of
  // `pkts` buffers of `buf` bytes; a transmit buffer of `txb` bytes.
  void Init(size_t mtu = 1500, size_t ring = 4096, size_t pkts = 4,
            size_t buf = 1500, size_t txb = 32) {
    ab_.assign(ring, 0);
    ba_.assign(ring, 0);
    tern_memstream_init(&pair_, ab_.data(), ab_.size(), ba_.data(), ba_.size());
    a_ = tern_memstream_a(&pair_);
    b_ = tern_memstream_b(&pair_);
    storage_.assign(TERN_PKT_POOL_STORAGE_SIZE(pkts, buf) / 8 + 1, 0);
    ASSERT_EQ(
        tern_pkt_pool_init(&pool_, storage_.data(), storage_.size() * 8, buf),
        (int)pkts);
    tx_.assign(txb, 0);
    ASSERT_EQ(tern_slip_init(&slip_, a_, &pool_, tx_.data(), tx_.size(), mtu),
              0);
    dev_ = tern_slip_netdev(&slip_);
  }

  // The peer writes every byte (the ring must have room).
  void PeerWrite(const Bytes &bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      tern_cx cx = peer_.Cx();
      ptrdiff_t n = 0;
      ASSERT_EQ(tern_stream_poll_write(&b_, &cx, bytes.data() + off,
                                       bytes.size() - off, &n),
                TERN_READY);
      ASSERT_GT(n, 0);
      off += (size_t)n;
    }
  }

  // The peer reads what is there, at most `max` bytes.
  Bytes PeerRead(size_t max = SIZE_MAX) {
    Bytes got;
    uint8_t buf[256];
    while (got.size() < max) {
      tern_cx cx = peer_.Cx();
      ptrdiff_t n = 0;
      size_t want = std::min(sizeof buf, max - got.size());
      if (tern_stream_poll_read(&b_, &cx, buf, want, &n) == TERN_PENDING)
        break;
      EXPECT_GT(n, 0);
      if (n <= 0)
        break;
      got.insert(got.end(), buf, buf + n);
    }
    return got;
  }

  // A packet from the pool holding `body`, with `headroom` in front.
  tern_pkt *Make(const Bytes &body, size_t headroom = 0) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&pool_);
    EXPECT_NE(p, nullptr);
    if (p == nullptr)
      return nullptr;
    EXPECT_EQ(tern_pkt_reserve(p, headroom), 0);
    uint8_t *d = tern_pkt_put(p, body.size());
    EXPECT_NE(d, nullptr);
    if (!body.empty())
      memcpy(d, body.data(), body.size());
    return p;
  }

  // One poll_send: its *err when READY, 1 when PENDING.
  int Send(tern_pkt *p, CountingWaker &w) {
    tern_cx cx = w.Cx();
    int err = 12345;
    if (tern_netdev_poll_send(&dev_, &cx, p, &err) == TERN_PENDING) {
#ifndef NDEBUG
      EXPECT_GT(cx.waker_uses, 0u) << "PENDING without a waker";
#endif
      return 1;
    }
    return err;
  }

  // One poll_recv: READY (packet or *err) or PENDING.
  tern_poll RecvOnce(CountingWaker &w, tern_pkt **p, int *err) {
    tern_cx cx = w.Cx();
    *p = nullptr;
    *err = 12345;
    tern_poll r = tern_netdev_poll_recv(&dev_, &cx, p, err);
    if (r == TERN_PENDING) {
#ifndef NDEBUG
      EXPECT_GT(cx.waker_uses, 0u) << "PENDING without a waker";
#endif
      EXPECT_EQ(*p, nullptr);
    }
    return r;
  }

  // Receives until the adapter waits for the stream (PENDING without
  // waking itself); returns the packets' bytes and frees them.
  std::vector<Bytes> RecvAll(int *last_err = nullptr) {
    std::vector<Bytes> out;
    // The fixture's: the stream keeps the waker after RecvAll returns, and
    // a later wake (the peer closing) must not reach a dead stack object.
    CountingWaker &w = recv_waker_;
    for (int guard = 0; guard < 100000; guard++) {
      tern_pkt *p;
      int err;
      w.Take();
      if (RecvOnce(w, &p, &err) == TERN_PENDING) {
        if (w.Take() > 0)
          continue;  // it used up its budget and woke itself
        return out;
      }
      if (err != 0) {
        if (last_err != nullptr)
          *last_err = err;
        return out;
      }
      EXPECT_EQ(tern_pkt_headroom(p), 0u);
      EXPECT_LE(tern_pkt_len(p), slip_.mtu);
      out.push_back(B(tern_pkt_data(p), tern_pkt_len(p)));
      tern_pkt_free(p);
    }
    ADD_FAILURE() << "poll_recv never settled";
    return out;
  }

  const tern_netdev_stats &Stats() {
    return *tern_netdev_get_stats(&dev_);
  }

  std::vector<uint8_t> ab_, ba_, tx_;
  std::vector<uint64_t> storage_;
  tern_memstream_pair pair_;
  tern_stream a_, b_;
  tern_pkt_pool pool_;
  tern_slip slip_;
  tern_netdev dev_;
  CountingWaker peer_;
  CountingWaker recv_waker_;
  // The tests' wakers: they live as long as the fixture, since a waiting
  // receiver's stays registered with the adapter (and the stream) until
  // TearDown's shutdown wakes it.
  std::deque<CountingWaker> wakers_;
  CountingWaker &Waker() {
    return wakers_.emplace_back();
  }
};

TEST_F(Slip, InfoAndInit) {
  Init(0);
  tern_netdev_info info = tern_netdev_get_info(&dev_);
  EXPECT_EQ(info.mtu, 1006);  // RFC 1055
  EXPECT_EQ(info.headroom, 0);
  EXPECT_EQ(info.tailroom, 0);
  EXPECT_EQ(info.medium, TERN_MEDIUM_IP);
  for (uint8_t m : info.mac)
    EXPECT_EQ(m, 0);

  tern_slip other;
  uint8_t tx[8];
  EXPECT_EQ(tern_slip_init(&other, a_, &pool_, tx, sizeof tx, 1501),
            TERN_EINVAL);  // the pool's 1500-byte buffers are too small
  EXPECT_EQ(tern_slip_init(&other, a_, &pool_, tx, 0, 1500), TERN_EINVAL);
  EXPECT_EQ(tern_slip_init(&other, a_, &pool_, nullptr, 8, 1500), TERN_EINVAL);
  EXPECT_EQ(tern_slip_init(&other, a_, nullptr, tx, 8, 1500), TERN_EINVAL);
  EXPECT_EQ(tern_slip_init(&other, a_, &pool_, tx, sizeof tx, 1500), 0);
  EXPECT_EQ(tern_netdev_get_info(&dev_).mtu, 1006);
}

// The netdev contract: an IP device carries 68 bytes at least (RFC 791),
// what IPv4 and TCP take for granted. A smaller MTU is refused at init, as
// PPP refuses an MRU below its floor, not left for the IP layer to catch.
TEST_F(Slip, InitRefusesAnMtuBelow68) {
  Init(1500);
  tern_slip other;
  uint8_t tx[8];
  EXPECT_EQ(tern_slip_init(&other, a_, &pool_, tx, sizeof tx, 67), TERN_EINVAL);
  EXPECT_EQ(tern_slip_init(&other, a_, &pool_, tx, sizeof tx, 1), TERN_EINVAL);
  ASSERT_EQ(tern_slip_init(&other, a_, &pool_, tx, sizeof tx, 68), 0);
  EXPECT_EQ(tern_netdev_get_info(&dev_).mtu, 1500);
  tern_netdev dev = tern_slip_netdev(&other);
  EXPECT_EQ(tern_netdev_get_info(&dev).mtu, 68);
}

// slirp's bytes and the peer's bytes come out as the captured IP packets,
// whatever size the stream's reads are.
TEST_F(Slip, ReceivesTheSlirpCapture) {
  for (size_t max_io : {0, 1, 2, 3, 7, 31, 33}) {
    Init(1500);
    tern_memstream_set_max_io(&pair_.a, max_io);
    PeerWrite(B(kSlirpRx, sizeof kSlirpRx));
    auto got = RecvAll();
    ASSERT_EQ(got.size(), 1u) << max_io;
    EXPECT_EQ(got[0], B(kFrameRx, sizeof kFrameRx));
    PeerWrite(B(kPeerTx, sizeof kPeerTx));
    got = RecvAll();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], B(kFrameTx, sizeof kFrameTx));
    EXPECT_EQ(Stats().rx_packets, 2u);
    EXPECT_EQ(Stats().rx_bytes, 110u);
    EXPECT_EQ(Stats().rx_drop_nobuf + Stats().rx_drop_too_long +
                  Stats().rx_drop_malformed,
              0u);
    EXPECT_EQ(tern_slip_codec_stats(&slip_)->empty, 1u);  // peer's lead END
    EXPECT_EQ(tern_memstream_pending_ba(&pair_), 0u);
    tern_slip_shutdown(&slip_);
    EXPECT_EQ(tern_pkt_pool_available(&pool_), 4u) << max_io;
  }
}

TEST_F(Slip, RecvWaitsForBytesAndIsWoken) {
  Init(1500);
  CountingWaker &w = Waker();
  tern_pkt *p;
  int err;
  EXPECT_EQ(RecvOnce(w, &p, &err), TERN_PENDING);
  EXPECT_EQ(w.Take(), 0);
  PeerWrite(B(kSlirpRx, 20));
  EXPECT_EQ(w.Take(), 1);  // the stream woke the receiver
  EXPECT_EQ(RecvOnce(w, &p, &err), TERN_PENDING);
  PeerWrite(B(kSlirpRx + 20, sizeof kSlirpRx - 20));
  EXPECT_EQ(w.Take(), 1);
  ASSERT_EQ(RecvOnce(w, &p, &err), TERN_READY);
  ASSERT_EQ(err, 0);
  EXPECT_EQ(B(tern_pkt_data(p), tern_pkt_len(p)), B(kFrameRx, sizeof kFrameRx));
  tern_pkt_free(p);
  EXPECT_EQ(RecvOnce(w, &p, &err), TERN_PENDING);
}

// Packets sent come out as the captured encodings, plus our leading END
// where slirp sent none.
TEST_F(Slip, SendsTheCapturedEncodings) {
  Init(1500);
  CountingWaker &w = Waker();
  EXPECT_EQ(Send(Make(B(kFrameTx, sizeof kFrameTx)), w), 0);
  EXPECT_EQ(PeerRead(), B(kPeerTx, sizeof kPeerTx));
  // Headroom in front of the data is not sent.
  EXPECT_EQ(Send(Make(B(kFrameRx, sizeof kFrameRx), 40), w), 0);
  EXPECT_EQ(PeerRead(), Cat({0xc0}, B(kSlirpRx, sizeof kSlirpRx)));
  EXPECT_EQ(Stats().tx_packets, 2u);
  EXPECT_EQ(Stats().tx_bytes, 110u);
  EXPECT_EQ(tern_pkt_pool_available(&pool_), 4u);  // freed once encoded
  int err = 1;
  tern_cx cx = w.Cx();
  EXPECT_EQ(tern_slip_poll_flush(&slip_, &cx, &err), TERN_READY);
  EXPECT_EQ(err, 0);
}

TEST_F(Slip, SendRejectsOversizePackets) {
  Init(100, 4096, 2, 200);
  CountingWaker &w = Waker();
  EXPECT_EQ(Send(Make(Bytes(101, 0x45)), w), TERN_EMSGSIZE);
  EXPECT_EQ(Stats().tx_drop_too_long, 1u);
  EXPECT_EQ(tern_pkt_pool_available(&pool_), 2u);
  EXPECT_EQ(Send(Make(Bytes(100, 0x45)), w), 0);
  EXPECT_EQ(PeerRead(), Frame(Bytes(100, 0x45)));
  EXPECT_EQ(Stats().tx_packets, 1u);
}

// An empty packet is no IP packet (the medium is IP, and the receiving
// end drops an empty frame): poll_send frees it and answers TERN_EINVAL,
// nothing goes on the wire and nothing is counted as sent, as PPP refuses
// one (TERN_EAFNOSUPPORT: no IP version). Before, it was accepted, counted
// in tx_packets and sent as END END.
TEST_F(Slip, SendRefusesAnEmptyPacket) {
  Init(100, 4096, 2, 200);
  CountingWaker &w = Waker();
  EXPECT_EQ(Send(Make(Bytes()), w), TERN_EINVAL);
  EXPECT_EQ(Stats().tx_packets, 0u);
  EXPECT_EQ(tern_pkt_pool_available(&pool_), 2u);
  EXPECT_EQ(Send(Make(Bytes(1, 0x45)), w), 0);
  EXPECT_EQ(PeerRead(), Frame(Bytes(1, 0x45)));  // nothing before it
  EXPECT_EQ(Stats().tx_packets, 1u);
}

// Short writes (max_io 3) into an 8-byte ring through a 5-byte transmit
// buffer: the second poll_send waits while the first packet is being
// written, is woken when the peer reads, and no byte is lost or repeated.
TEST_F(Slip, PartialWritesAndAFullRingMakeSendWait) {
  Init(1500, 8, 4, 1500, 5);
  tern_memstream_set_max_io(&pair_.a, 3);
  std::vector<Bytes> pkts = {B(kFrameTx, sizeof kFrameTx),
                             B(kFrameRx, sizeof kFrameRx),
                             RandomPacket(7, 0, 300), Bytes{0xdb}};
  Bytes want;
  for (auto &p : pkts)
    want = Cat(want, Frame(p));

  Bytes got;
  CountingWaker &w = Waker();
  int pendings = 0;
  for (size_t i = 0; i < pkts.size(); i++) {
    tern_pkt *p = Make(pkts[i]);
    for (int guard = 0;; guard++) {
      ASSERT_LT(guard, 10000);
      w.Take();
      int r = Send(p, w);
      if (r != 1) {
        ASSERT_EQ(r, 0);
        break;
      }
      pendings++;
      EXPECT_EQ(w.Take(), 0) << "woken before anything changed";
      ASSERT_EQ(tern_memstream_pending_ab(&pair_), 8u) << "ring not full";
      got = Cat(got, PeerRead(4));
      EXPECT_GE(w.Take(), 1) << "reading made room but woke no one";
    }
    if (i == 0) {
      // The first packet is accepted but far from written: another one
      // must wait for it, and stays ours (PENDING does not take it).
      tern_pkt *extra = Make(pkts[1]);
      EXPECT_EQ(Send(extra, w), 1);
      EXPECT_EQ(tern_pkt_pool_available(&pool_), 2u);
      tern_pkt_free(extra);
    }
  }
  // Drain the last packet with flush.
  for (int guard = 0;; guard++) {
    ASSERT_LT(guard, 10000);
    tern_cx cx = w.Cx();
    int err = 1;
    if (tern_slip_poll_flush(&slip_, &cx, &err) == TERN_READY) {
      EXPECT_EQ(err, 0);
      break;
    }
    got = Cat(got, PeerRead(4));
  }
  got = Cat(got, PeerRead());
  EXPECT_GT(pendings, 10);
  EXPECT_EQ(got, want);
  EXPECT_EQ(Stats().tx_packets, pkts.size());
  EXPECT_EQ(Stats().tx_bytes, 55u + 55u + pkts[2].size() + 1u);
}

// After poll_send accepted a packet, nobody sends again: a task waiting in
// poll_recv is woken when the stream has room and writes the rest.
TEST_F(Slip, AWaitingReceiverWritesTheRestOfAnAcceptedPacket) {
  Init(1500, 16, 4, 1500, 8);
  Bytes pkt = RandomPacket(3, 1, 400);
  CountingWaker &sender = Waker();
  CountingWaker &receiver = Waker();
  ASSERT_EQ(Send(Make(pkt), sender), 0);
  tern_pkt *p;
  int err;
  ASSERT_EQ(RecvOnce(receiver, &p, &err), TERN_PENDING);
  Bytes got;
  const size_t total = Frame(pkt).size();
  for (int guard = 0; got.size() < total; guard++) {
    ASSERT_LT(guard, 10000);
    // Bytes the adapter has not written yet (not in the ring, not read).
    bool adapter_holds = got.size() + tern_memstream_pending_ab(&pair_) < total;
    got = Cat(got, PeerRead(5));
    if (adapter_holds) {
      ASSERT_GE(receiver.Take(), 1) << "the receiver was not woken for room";
    }
    ASSERT_EQ(RecvOnce(receiver, &p, &err), TERN_PENDING);
  }
  EXPECT_EQ(got, Frame(pkt));
  EXPECT_EQ(tern_pkt_pool_available(&pool_), 4u);
}

// Two buffers in the pool, both held by the application: the frames that
// arrive meanwhile are dropped and counted, the stream keeps flowing, and
// reception resumes as soon as a buffer is free.
TEST_F(Slip, PoolExhaustionDropsWithoutStalling) {
  Init(1500, 4096, 2);
  std::vector<Bytes> pkts;
  Bytes wire;
  for (uint32_t i = 0; i < 6; i++) {
    pkts.push_back(RandomPacket(11, i, 200));
    if (i < 5)
      wire = Cat(wire, Frame(pkts[i]));
  }
  PeerWrite(wire);
  CountingWaker &w = Waker();
  tern_pkt *held[2];
  int err;
  for (auto &h : held) {
    ASSERT_EQ(RecvOnce(w, &h, &err), TERN_READY);
    ASSERT_EQ(err, 0);
  }
  EXPECT_EQ(B(tern_pkt_data(held[0]), tern_pkt_len(held[0])), pkts[0]);
  EXPECT_EQ(B(tern_pkt_data(held[1]), tern_pkt_len(held[1])), pkts[1]);
  EXPECT_TRUE(RecvAll().empty());
  EXPECT_EQ(tern_memstream_pending_ba(&pair_), 0u) << "the stream stalled";
  EXPECT_EQ(Stats().rx_drop_nobuf, 3u);
  EXPECT_EQ(Stats().rx_packets, 2u);
  tern_pkt_free(held[0]);
  tern_pkt_free(held[1]);
  PeerWrite(Frame(pkts[5]));
  auto got = RecvAll();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], pkts[5]);
  EXPECT_EQ(Stats().rx_drop_nobuf, 3u);
}

// A frame whose first bytes come while no buffer is free is dropped whole,
// even if a buffer is freed before its END.
TEST_F(Slip, NoBufferAtTheStartDropsTheWholeFrame) {
  Init(1500, 4096, 1);
  CountingWaker &w = Waker();
  tern_pkt *held;
  int err;
  PeerWrite(Frame({1, 2, 3}));
  ASSERT_EQ(RecvOnce(w, &held, &err), TERN_READY);
  PeerWrite({0xc0, 4, 5});
  EXPECT_TRUE(RecvAll().empty());
  tern_pkt_free(held);
  PeerWrite({6, 0xc0, 0xc0, 7, 8, 0xc0});
  auto got = RecvAll();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (Bytes{7, 8}));
  EXPECT_EQ(Stats().rx_drop_nobuf, 1u);
}

// Line noise, a bad escape, ESC END, a frame one byte over the MTU and
// one exactly at it: only the good frames come up, the rest is counted.
TEST_F(Slip, BadInputIsDroppedAndCounted) {
  for (size_t max_io : {0, 1, 5}) {
    Init(100, 4096, 2, 128);
    tern_memstream_set_max_io(&pair_.a, max_io);
    Bytes at_mtu = RandomPacket(5, 0, 1);
    at_mtu.assign(100, 0xdb);  // 200 bytes on the wire, 100 decoded
    Bytes wire = {0x11, 0x22, 0xdb, 0x00, 0x33, 0xc0};  // noise, bad escape
    wire = Cat(wire, Frame(Bytes(101, 0x55)));          // oversize
    wire = Cat(wire, {0x44, 0xdb, 0xc0});               // ESC END
    wire = Cat(wire, Frame(at_mtu));                    // exactly the MTU
    wire = Cat(wire, {0xdb, 0xdb, 0xdb, 0xc0, 0xc0});   // bad escape
    wire = Cat(wire, B(kSlirpRx, sizeof kSlirpRx));     // slirp's frame
    PeerWrite(wire);
    auto got = RecvAll();
    ASSERT_EQ(got.size(), 2u) << max_io;
    EXPECT_EQ(got[0], at_mtu);
    EXPECT_EQ(got[1], B(kFrameRx, sizeof kFrameRx));
    EXPECT_EQ(Stats().rx_drop_too_long, 1u);
    EXPECT_EQ(Stats().rx_drop_malformed, 3u);
    EXPECT_EQ(Stats().rx_drop_nobuf, 0u);
    EXPECT_EQ(tern_slip_codec_stats(&slip_)->oversize, 1u);
    EXPECT_EQ(tern_slip_codec_stats(&slip_)->bad_escape, 3u);
    tern_slip_shutdown(&slip_);
    EXPECT_EQ(tern_pkt_pool_available(&pool_), 2u);
  }
}

// The decoder's bound under escapes: a frame whose last decoded byte is an
// escaped C0 and that is exactly the MTU comes up; one more escaped byte
// makes it one over, dropped as too long (the escape pair never writes
// past the buffer), and the frame after it is received intact.
TEST_F(Slip, AnEscapedByteAtTheMtuBoundary) {
  Init(100, 4096, 2, 100);
  Bytes at_mtu(99, 0x45);
  at_mtu.push_back(0xc0);  // the 100th byte, escaped on the wire
  Bytes over = at_mtu;
  over.push_back(0xdb);  // the 101st, escaped too
  Bytes next = {0x45, 0x01, 0x02};
  PeerWrite(Cat(Cat(Frame(at_mtu), Frame(over)), Frame(next)));
  auto got = RecvAll();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], at_mtu);
  EXPECT_EQ(got[1], next);
  EXPECT_EQ(Stats().rx_drop_too_long, 1u);
  EXPECT_EQ(Stats().rx_drop_malformed, 0u);
}

// A stream that ends inside a frame, in each state the decoder can be in
// (and with no buffer for the frame): each frame lost is counted once, in
// one counter, and no buffer is kept. A run of ENDs between frames is no
// frame: nothing is counted as dropped and no buffer is taken for it.
TEST_F(Slip, AStreamEndingInsideAFrameCountsItOnce) {
  struct Case {
    Bytes wire;
    bool no_buffer;
    uint32_t too_long, malformed, nobuf;
  };
  const Case cases[] = {
      {{0xc0, 0xc0, 0xc0, 0xc0}, false, 0, 0, 0},       // END run, then the end
      {{0xc0, 0x45, 0x00}, false, 0, 1, 0},             // bytes, no END
      {{0xc0, 0x45, 0xdb}, false, 0, 1, 0},             // a dangling ESC
      {{0xc0, 0xdb}, false, 0, 1, 0},                   // only an ESC
      {Cat({0xc0}, Bytes(150, 0x55)), false, 1, 0, 0},  // over the MTU
      {{0xc0, 0x45, 0xdb, 0x01}, false, 0, 1, 0},       // bad escape
      {{0xc0, 0x45, 0x00}, true, 0, 0, 1},  // skipped: no buffer for it
  };
  for (const Case &c : cases) {
    Init(100, 4096, 2, 100);
    tern_pkt *taken[2] = {nullptr, nullptr};
    if (c.no_buffer) {
      taken[0] = tern_pkt_pool_try_alloc(&pool_);
      taken[1] = tern_pkt_pool_try_alloc(&pool_);
    }
    PeerWrite(c.wire);
    tern_cx cx = peer_.Cx();
    int err = 1;
    ASSERT_EQ(tern_stream_poll_close(&b_, &cx, &err), TERN_READY);
    int last = 0;
    EXPECT_TRUE(RecvAll(&last).empty());
    EXPECT_EQ(last, TERN_ECLOSED);
    tern_pkt_free(taken[0]);
    tern_pkt_free(taken[1]);
    EXPECT_EQ(Stats().rx_drop_too_long, c.too_long) << c.wire.size();
    EXPECT_EQ(Stats().rx_drop_malformed, c.malformed) << c.wire.size();
    EXPECT_EQ(Stats().rx_drop_nobuf, c.nobuf) << c.wire.size();
    EXPECT_EQ(Stats().rx_packets, 0u);
    EXPECT_EQ(tern_pkt_pool_available(&pool_), 2u);
  }
}

// A line full of bytes: one poll_recv decodes at most its budget, then
// wakes itself so other tasks run, and the next polls carry on.
TEST_F(Slip, RecvWorkIsBounded) {
  Init(1500, 8192);
  Bytes noise;
  for (int i = 0; i < 400; i++)
    noise = Cat(noise, {0x01, 0xdb, 0x02, 0xc0});  // 400 bad frames
  Bytes pkt = RandomPacket(9, 9, 100);
  PeerWrite(Cat(noise, Frame(pkt)));
  CountingWaker &w = Waker();
  tern_pkt *p;
  int err;
  ASSERT_EQ(RecvOnce(w, &p, &err), TERN_PENDING);
  EXPECT_EQ(w.Take(), 1) << "should have woken itself";
  size_t left = tern_memstream_pending_ba(&pair_);
  EXPECT_GE(left, noise.size() - TERN_SLIP_RX_BUDGET - TERN_SLIP_RX_CHUNK);
  int polls = 1;
  while (RecvOnce(w, &p, &err) == TERN_PENDING) {
    ASSERT_EQ(w.Take(), 1);
    ASSERT_LT(++polls, 100);
  }
  ASSERT_EQ(err, 0);
  EXPECT_EQ(B(tern_pkt_data(p), tern_pkt_len(p)), pkt);
  tern_pkt_free(p);
  EXPECT_GE(polls, (int)(noise.size() / TERN_SLIP_RX_BUDGET));
  EXPECT_EQ(Stats().rx_drop_malformed, 400u);
}

// The peer closes: frames before the close come up, then TERN_ECLOSED for
// good; a frame cut short is counted; sending fails and frees.
TEST_F(Slip, EndOfStreamCloses) {
  Init(1500);
  PeerWrite(Cat(B(kSlirpRx, sizeof kSlirpRx), {0xc0, 0x45, 0x00}));
  tern_cx cx = peer_.Cx();
  int err = 1;
  ASSERT_EQ(tern_stream_poll_close(&b_, &cx, &err), TERN_READY);
  int last = 0;
  auto got = RecvAll(&last);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], B(kFrameRx, sizeof kFrameRx));
  EXPECT_EQ(last, TERN_ECLOSED);
  EXPECT_EQ(Stats().rx_drop_malformed, 1u);  // 45 00 never ended
  CountingWaker &w = Waker();
  tern_pkt *p;
  ASSERT_EQ(RecvOnce(w, &p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(Send(Make({0x45}), w), TERN_ECLOSED);
  EXPECT_EQ(Stats().tx_drop_down, 1u);
  EXPECT_EQ(Stats().tx_packets, 0u);
  EXPECT_EQ(tern_pkt_pool_available(&pool_), 4u);
}

// The link is up while the stream is open; its end takes it down for good,
// reported once through poll_event, which had kept the waiting task's
// waker.
TEST_F(Slip, LinkIsUpUntilTheStreamEnds) {
  Init(1500);
  EXPECT_EQ(tern_netdev_get_info(&dev_).flags,
            static_cast<uint8_t>(TERN_NETDEV_UP));
  CountingWaker &events = Waker();
  tern_cx cx = events.Cx();
  uint32_t ev = 0;
  ASSERT_EQ(tern_netdev_poll_event(&dev_, &cx, &ev), TERN_PENDING);
  EXPECT_EQ(events.Take(), 0);
  // Traffic is no event.
  PeerWrite(B(kSlirpRx, sizeof kSlirpRx));
  ASSERT_EQ(RecvAll().size(), 1u);
  EXPECT_EQ(events.Take(), 0);
  int err = 1;
  tern_cx peer = peer_.Cx();
  ASSERT_EQ(tern_stream_poll_close(&b_, &peer, &err), TERN_READY);
  int last = 0;
  EXPECT_TRUE(RecvAll(&last).empty());
  EXPECT_EQ(last, TERN_ECLOSED);
  EXPECT_EQ(events.Take(), 1);
  EXPECT_EQ(tern_netdev_get_info(&dev_).flags, 0);
  cx = events.Cx();
  ASSERT_EQ(tern_netdev_poll_event(&dev_, &cx, &ev), TERN_READY);
  EXPECT_EQ(ev, static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  cx = events.Cx();
  EXPECT_EQ(tern_netdev_poll_event(&dev_, &cx, &ev), TERN_PENDING);
  // Shutting down a closed adapter reports nothing new.
  tern_slip_shutdown(&slip_);
  EXPECT_EQ(events.Take(), 0);
  cx = events.Cx();
  EXPECT_EQ(tern_netdev_poll_event(&dev_, &cx, &ev), TERN_PENDING);
  // No addresses, no filter: the wrappers answer 0 for SLIP.
  const uint8_t addr[4] = {10, 0, 2, 15};
  EXPECT_EQ(dev_.ops->set_addr, nullptr);
  EXPECT_EQ(dev_.ops->mcast, nullptr);
  EXPECT_EQ(tern_netdev_set_addr(&dev_, addr, 4), 0);
}

// A stream error and tern_slip_shutdown take the link down too.
TEST_F(Slip, StreamErrorAndShutdownTakeTheLinkDown) {
  Init(1500);
  tern_memstream_set_error(&pair_.a, TERN_EIO);
  int last = 0;
  EXPECT_TRUE(RecvAll(&last).empty());
  EXPECT_EQ(last, TERN_ECLOSED);
  EXPECT_EQ(tern_netdev_get_info(&dev_).flags, 0);
  CountingWaker &events = Waker();
  tern_cx cx = events.Cx();
  uint32_t ev = 0;
  ASSERT_EQ(tern_netdev_poll_event(&dev_, &cx, &ev), TERN_READY);
  EXPECT_EQ(ev, static_cast<uint32_t>(TERN_NETDEV_EV_LINK));

  Init(1500);
  cx = events.Cx();
  ASSERT_EQ(tern_netdev_poll_event(&dev_, &cx, &ev), TERN_PENDING);
  tern_slip_shutdown(&slip_);
  EXPECT_EQ(events.Take(), 1);
  EXPECT_EQ(tern_netdev_get_info(&dev_).flags, 0);
  cx = events.Cx();
  ASSERT_EQ(tern_netdev_poll_event(&dev_, &cx, &ev), TERN_READY);
  EXPECT_EQ(ev, static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
}

// The stream fails under a waiting sender: it is woken, the packet in
// flight and the waiting one are freed, everything reports TERN_ECLOSED.
TEST_F(Slip, StreamErrorWakesAndFailsEveryone) {
  Init(1500, 8, 4, 1500, 4);
  CountingWaker &sender = Waker();
  CountingWaker &receiver = Waker();
  tern_pkt *first = Make(RandomPacket(1, 2, 300));
  ASSERT_EQ(Send(first, sender), 0);
  tern_pkt *second = Make({0x45, 0x00});
  ASSERT_EQ(Send(second, sender), 1);
  tern_pkt *p;
  int err;
  PeerWrite({0xc0, 0x45});  // the receiver holds a buffer mid-frame
  ASSERT_EQ(RecvOnce(receiver, &p, &err), TERN_PENDING);
  EXPECT_EQ(tern_pkt_pool_available(&pool_), 1u);
  sender.Take();
  receiver.Take();
  tern_memstream_set_error(&pair_.a, TERN_EIO);
  EXPECT_GE(sender.Take(), 1);
  EXPECT_GE(receiver.Take(), 1);
  EXPECT_EQ(Send(second, sender), TERN_ECLOSED);
  EXPECT_EQ(Stats().tx_drop_down, 2u);  // the one in flight and this one
  ASSERT_EQ(RecvOnce(receiver, &p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
  EXPECT_EQ(slip_.stream_err, TERN_EIO);
  EXPECT_EQ(tern_pkt_pool_available(&pool_), 4u);
  tern_cx cx = sender.Cx();
  EXPECT_EQ(tern_slip_poll_flush(&slip_, &cx, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
}

// A packet lost in flight when the adapter closes is counted in
// tx_drop_down, however far its encoding got. It was counted only while
// the packet itself was held (still being encoded): once its last byte
// was in the transmit buffer the packet was freed, and a close before the
// stream took the rest lost the frame without a count. With a 4-byte
// transmit buffer the loss below was counted; with the default 32 bytes,
// which hold the whole frame, it was not.
TEST_F(Slip, PacketWhoseTailIsStillBufferedWhenTheAdapterClosesIsCounted) {
  for (size_t txb : {4u, 32u}) {
    SCOPED_TRACE(txb);
    Init(1500, 8, 4, 1500, txb);
    CountingWaker &sender = Waker();
    ASSERT_EQ(Send(Make(Bytes(20, 0x45)), sender), 0);
    EXPECT_EQ(PeerRead().size(), 8u);  // the ring's worth; the rest waits
    EXPECT_EQ(Stats().tx_packets, 1u);
    tern_memstream_set_error(&pair_.a, TERN_EIO);
    tern_pkt *p;
    int err;
    ASSERT_EQ(RecvOnce(sender, &p, &err), TERN_READY);
    EXPECT_EQ(err, TERN_ECLOSED);
    EXPECT_EQ(Stats().tx_drop_down, 1u) << "the frame never went out whole";
    tern_slip_shutdown(&slip_);
  }
  // The next packet is accepted while the last one's tail waits in the
  // transmit buffer: both are lost, and both counted.
  Init(1500, 8, 4, 1500, 32);
  CountingWaker &sender = Waker();
  ASSERT_EQ(Send(Make(Bytes(20, 0x45)), sender), 0);
  ASSERT_EQ(Send(Make(Bytes(20, 0x45)), sender), 0);
  EXPECT_EQ(Stats().tx_packets, 2u);
  tern_slip_shutdown(&slip_);
  EXPECT_EQ(Stats().tx_drop_down, 2u);
  // A packet written out whole before the close is not counted.
  Init(1500, 64, 4, 1500, 32);
  ASSERT_EQ(Send(Make(Bytes(20, 0x45)), sender), 0);
  tern_slip_shutdown(&slip_);
  EXPECT_EQ(Stats().tx_drop_down, 0u);
}

// Shutdown gives back what the adapter holds.
TEST_F(Slip, ShutdownFreesHeldPackets) {
  Init(1500, 8, 4, 1500, 4);
  CountingWaker &w = Waker();
  ASSERT_EQ(Send(Make(RandomPacket(2, 2, 300)), w), 0);
  PeerWrite({0x45, 0x00, 0x01});
  tern_pkt *p;
  int err;
  ASSERT_EQ(RecvOnce(w, &p, &err), TERN_PENDING);
  EXPECT_EQ(tern_pkt_pool_available(&pool_), 2u);
  tern_slip_shutdown(&slip_);
  EXPECT_EQ(tern_pkt_pool_available(&pool_), 4u);
  ASSERT_EQ(RecvOnce(w, &p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
}

// A receiver waiting for bytes on an idle line (nothing to send) is
// woken by tern_slip_shutdown, and its next poll fails with
// TERN_ECLOSED: the stream would never wake it, it holds no bytes.
TEST_F(Slip, ShutdownWakesAnIdleReceiver) {
  Init(1500);
  CountingWaker &receiver = Waker();
  tern_pkt *p;
  int err;
  ASSERT_EQ(RecvOnce(receiver, &p, &err), TERN_PENDING);
  receiver.Take();
  tern_slip_shutdown(&slip_);
  EXPECT_GE(receiver.Take(), 1) << "the receiver would sleep for ever";
  ASSERT_EQ(RecvOnce(receiver, &p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
}

// A UART whose writes fail (TERN_EIO) and whose reads wait for ever,
// keeping the reader's waker: the way a line that breaks on the way out
// looks to the adapter.
struct BrokenTxUart {
  tern_waker reader{nullptr, nullptr};
  static tern_poll Read(void *self, tern_cx *cx, void *, size_t, ptrdiff_t *) {
    static_cast<BrokenTxUart *>(self)->reader = tern_cx_waker(cx);
    return TERN_PENDING;
  }
  static tern_poll Write(void *, tern_cx *, const void *, size_t,
                         ptrdiff_t *n) {
    *n = TERN_EIO;
    return TERN_READY;
  }
};

// A write that fails closes the adapter; the receiver waiting on the
// (still silent) read side is woken to hear TERN_ECLOSED.
TEST(SlipClose, AFailedWriteWakesAnIdleReceiver) {
  static const tern_stream_ops kOps = {BrokenTxUart::Read, BrokenTxUart::Write,
                                       nullptr, nullptr};
  BrokenTxUart uart;
  alignas(8) static uint8_t storage[TERN_PKT_POOL_STORAGE_SIZE(2, 1006)];
  tern_pkt_pool pool;
  ASSERT_EQ(tern_pkt_pool_init(&pool, storage, sizeof storage, 1006), 2);
  uint8_t tx[16];
  tern_slip slip;
  ASSERT_EQ(
      tern_slip_init(&slip, tern_stream{&kOps, &uart}, &pool, tx, sizeof tx, 0),
      0);
  tern_netdev dev = tern_slip_netdev(&slip);
  CountingWaker receiver, sender;
  tern_cx cx = receiver.Cx();
  tern_pkt *p = nullptr;
  int err = 1;
  ASSERT_EQ(tern_netdev_poll_recv(&dev, &cx, &p, &err), TERN_PENDING);
  receiver.Take();
  tern_pkt *out = tern_pkt_pool_try_alloc(&pool);
  ASSERT_NE(out, nullptr);
  ASSERT_NE(tern_pkt_put(out, 20), nullptr);
  memset(tern_pkt_data(out), 0x45, 20);
  cx = sender.Cx();
  ASSERT_EQ(tern_netdev_poll_send(&dev, &cx, out, &err), TERN_READY);
  EXPECT_EQ(slip.stream_err, TERN_EIO);
  EXPECT_EQ(tern_netdev_get_info(&dev).flags, 0);
  EXPECT_GE(receiver.Take(), 1) << "the receiver would sleep for ever";
  cx = receiver.Cx();
  ASSERT_EQ(tern_netdev_poll_recv(&dev, &cx, &p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
  EXPECT_EQ(tern_pkt_pool_available(&pool), 2u);
}

// The README's example: echo every packet back over the line.
struct EchoState {
  tern_co co;
  tern_netdev dev;
  tern_pkt *pkt;
  int err;
};

tern_poll EchoPoll(EchoState *s, tern_cx *cx) {
  TERN_CO_BEGIN(&s->co);
  for (;;) {
    TERN_CO_AWAIT(&s->co, tern_netdev_poll_recv(&s->dev, cx, &s->pkt, &s->err));
    if (s->err < 0) {
      break; /* TERN_ECLOSED: the line is gone */
    }
    /* The adapter owns the packet from here, sent or not. */
    TERN_CO_AWAIT(&s->co, tern_netdev_poll_send(&s->dev, cx, s->pkt, &s->err));
  }
  TERN_CO_END(&s->co);
}

TEST_F(Slip, ReadmeEcho) {
  Init(1500);
  EchoState echo = {0, dev_, nullptr, 0};
  CountingWaker &w = Waker();
  tern_cx cx = w.Cx();
  EXPECT_EQ(EchoPoll(&echo, &cx), TERN_PENDING);
  PeerWrite(B(kSlirpRx, sizeof kSlirpRx));
  cx = w.Cx();
  EXPECT_EQ(EchoPoll(&echo, &cx), TERN_PENDING);
  EXPECT_EQ(PeerRead(), Cat({0xc0}, B(kSlirpRx, sizeof kSlirpRx)));
  tern_cx pcx = peer_.Cx();
  int err;
  ASSERT_EQ(tern_stream_poll_close(&b_, &pcx, &err), TERN_READY);
  cx = w.Cx();
  EXPECT_EQ(EchoPoll(&echo, &cx), TERN_READY);
  EXPECT_EQ(echo.err, TERN_ECLOSED);
}

// ---- two adapters back to back under the executor ----

constexpr int kPackets = 1000;
constexpr size_t kMtu = 1006;

struct Sender {
  tern_co co;
  tern_netdev dev;
  tern_slip *slip;
  tern_pkt_pool *pool;
  tern_waiter waiter;
  tern_pkt *pkt;
  uint32_t seed;
  int i;
  int err;
};

struct Receiver {
  tern_co co;
  tern_netdev dev;
  tern_pkt *pkt;
  uint32_t seed;
  int i;
  int err;
  int mismatches;
};

void FillPacket(tern_pkt *p, uint32_t seed, int i) {
  Bytes body = RandomPacket(seed, (uint32_t)i, kMtu);
  memcpy(tern_pkt_put(p, body.size()), body.data(), body.size());
}

tern_poll SenderPoll(void *state, tern_cx *cx) {
  Sender *s = static_cast<Sender *>(state);
  TERN_CO_BEGIN(&s->co);
  for (s->i = 0; s->i < kPackets; s->i++) {
    TERN_CO_AWAIT(&s->co,
                  tern_pkt_pool_poll_alloc(s->pool, cx, &s->waiter, &s->pkt));
    FillPacket(s->pkt, s->seed, s->i);
    TERN_CO_AWAIT(&s->co, tern_netdev_poll_send(&s->dev, cx, s->pkt, &s->err));
    if (s->err != 0) {
      TERN_CO_RETURN(&s->co);
    }
  }
  TERN_CO_AWAIT(&s->co, tern_slip_poll_flush(s->slip, cx, &s->err));
  TERN_CO_END(&s->co);
}

tern_poll ReceiverPoll(void *state, tern_cx *cx) {
  Receiver *r = static_cast<Receiver *>(state);
  TERN_CO_BEGIN(&r->co);
  for (r->i = 0; r->i < kPackets; r->i++) {
    TERN_CO_AWAIT(&r->co, tern_netdev_poll_recv(&r->dev, cx, &r->pkt, &r->err));
    if (r->err != 0) {
      TERN_CO_RETURN(&r->co);
    }
    if (B(tern_pkt_data(r->pkt), tern_pkt_len(r->pkt)) !=
        RandomPacket(r->seed, (uint32_t)r->i, kMtu)) {
      r->mismatches++;
    }
    tern_pkt_free(r->pkt);
  }
  TERN_CO_END(&r->co);
}

struct Root {
  tern_task task;
  tern_future kids[4];
  uint32_t done;
};

tern_poll RootPoll(tern_task *t, tern_cx *cx) {
  Root *r = TERN_CONTAINER_OF(t, Root, task);
  return tern_join(r->kids, 4, &r->done, cx);
}

TERN_PKT_POOL_DEFINE(tx_pool_a, 3, kMtu);
TERN_PKT_POOL_DEFINE(tx_pool_b, 3, kMtu);
TERN_PKT_POOL_DEFINE(rx_pool_a, 2, kMtu);
TERN_PKT_POOL_DEFINE(rx_pool_b, 2, kMtu);

// A and B exchange 1000 random packets each way (up to the MTU, heavy in
// C0/DB) over 64-byte rings with short reads and writes on one end.
TEST(SlipBackToBack, ThousandRandomPacketsEachWayInOrder) {
  static uint8_t ab[64], ba[64], txa[32], txb[48];
  static tern_memstream_pair pair;
  tern_memstream_init(&pair, ab, sizeof ab, ba, sizeof ba);
  tern_memstream_set_max_io(&pair.b, 7);
  static tern_slip a, b;
  ASSERT_EQ(tern_slip_init(&a, tern_memstream_a(&pair), &rx_pool_a, txa,
                           sizeof txa, kMtu),
            0);
  ASSERT_EQ(tern_slip_init(&b, tern_memstream_b(&pair), &rx_pool_b, txb,
                           sizeof txb, 0),
            0);
  static Sender send_a, send_b;
  static Receiver recv_a, recv_b;
  send_a = Sender{0,
                  tern_slip_netdev(&a),
                  &a,
                  &tx_pool_a,
                  TERN_WAITER_INIT,
                  nullptr,
                  100,
                  0,
                  0};
  send_b = Sender{0,
                  tern_slip_netdev(&b),
                  &b,
                  &tx_pool_b,
                  TERN_WAITER_INIT,
                  nullptr,
                  200,
                  0,
                  0};
  recv_b = Receiver{0, tern_slip_netdev(&b), nullptr, 100, 0, 0, 0};
  recv_a = Receiver{0, tern_slip_netdev(&a), nullptr, 200, 0, 0, 0};
  static Root root;
  root = Root{};
  tern_task_init(&root.task, RootPoll);
  root.kids[0] = tern_future{SenderPoll, &send_a};
  root.kids[1] = tern_future{ReceiverPoll, &recv_b};
  root.kids[2] = tern_future{SenderPoll, &send_b};
  root.kids[3] = tern_future{ReceiverPoll, &recv_a};
  tern_executor ex;
  tern_executor_init(&ex);
  tern_block_on(&ex, &root.task);

  EXPECT_EQ(send_a.err, 0);
  EXPECT_EQ(send_b.err, 0);
  EXPECT_EQ(recv_a.err, 0);
  EXPECT_EQ(recv_b.err, 0);
  EXPECT_EQ(recv_a.i, kPackets);
  EXPECT_EQ(recv_b.i, kPackets);
  EXPECT_EQ(recv_a.mismatches, 0);
  EXPECT_EQ(recv_b.mismatches, 0);
  for (tern_slip *s : {&a, &b}) {
    tern_netdev d = tern_slip_netdev(s);
    const tern_netdev_stats *st = tern_netdev_get_stats(&d);
    EXPECT_EQ(st->tx_packets, (uint32_t)kPackets);
    EXPECT_EQ(st->rx_packets, (uint32_t)kPackets);
    EXPECT_EQ(st->rx_drop_nobuf + st->rx_drop_too_long + st->rx_drop_malformed,
              0u);
  }
  EXPECT_EQ(tern_memstream_pending_ab(&pair), 0u);
  EXPECT_EQ(tern_memstream_pending_ba(&pair), 0u);
  tern_slip_shutdown(&a);
  tern_slip_shutdown(&b);
  for (tern_pkt_pool *p : {&tx_pool_a, &tx_pool_b, &rx_pool_a, &rx_pool_b})
    EXPECT_EQ(tern_pkt_pool_available(p), p->count);
}

}  // namespace
