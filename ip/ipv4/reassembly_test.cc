// IPv4 reassembly through the whole receive path: the test plays
// 192.0.2.1 on a memory link (stack_testing.h's bench) and sends
// fragments to 192.0.2.2, whose IPv4 layer has a reassembler; what is
// delivered is read by a transport of protocol 253, what is answered on
// the link.
#include "tern/reassembly.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "ip/ipv4/stack_testing.h"
#include "tern/checksum.h"
#include "tern/icmpv4_wire.h"
#include "tern/ipv4.h"
#include "tern/sim.h"

namespace tern_test {
namespace {

constexpr uint8_t kProto = 253;

// A transport that keeps every payload it is given.
struct Sink {
  tern_ip_proto proto = {};
  std::vector<Bytes> got;
  explicit Sink(tern_ip_stack *s, uint8_t protocol = kProto) {
    proto.protocol = protocol;
    proto.input = In;
    proto.ctx = this;
    EXPECT_EQ(tern_ip_register(s, &proto), 0);
  }
  static tern_ip_verdict In(void *ctx, const tern_ip_rx *, tern_pkt *p) {
    auto *s = static_cast<Sink *>(ctx);
    s->got.push_back(B(tern_pkt_data(p), tern_pkt_len(p)));
    return TERN_IP_CONSUMED;
  }
};

// n bytes that differ from one offset to the next, and between seeds.
Bytes Pattern(size_t n, uint8_t seed = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; i++) {
    b[i] = static_cast<uint8_t>(i * 7 + i / 251 + seed);
  }
  return b;
}

// The fragment [off, off + n) of payload, from 192.0.2.1 (or src) to
// 192.0.2.2, MF as given.
Bytes Frag(const Bytes &payload, size_t off, size_t n, bool more,
           uint16_t ident = 0x4242, uint8_t proto = kProto,
           tern_ipv4_addr src = tern_ipv4(192, 0, 2, 1)) {
  // Sized once and copied into (gcc 12 at -O2 wrongly warns about an
  // insert at the end of a vector of a constant size).
  size_t start = std::min(off, payload.size());
  size_t end = std::max(start, std::min(off + n, payload.size()));
  Bytes d(20 + (end - start));
  const uint8_t head[20] = {0x45,
                            0,
                            0,
                            0,
                            static_cast<uint8_t>(ident >> 8),
                            static_cast<uint8_t>(ident),
                            0,
                            0,
                            64,
                            proto,
                            0,
                            0,
                            src.b[0],
                            src.b[1],
                            src.b[2],
                            src.b[3],
                            192,
                            0,
                            2,
                            2};
  std::copy(head, head + 20, d.begin());
  std::copy(payload.begin() + static_cast<long>(start),
            payload.begin() + static_cast<long>(end), d.begin() + 20);
  d[2] = static_cast<uint8_t>(d.size() >> 8);
  d[3] = static_cast<uint8_t>(d.size());
  unsigned fo = static_cast<unsigned>(off / 8);
  d[6] = static_cast<uint8_t>((more ? 0x20 : 0) | fo >> 8);
  d[7] = static_cast<uint8_t>(fo);
  FixIpChecksum(d);
  return d;
}

// payload cut into fragments of size bytes (a multiple of 8), in order.
std::vector<Bytes> Split(const Bytes &payload, size_t size,
                         uint16_t ident = 0x4242, uint8_t proto = kProto) {
  std::vector<Bytes> v;
  for (size_t off = 0; off < payload.size(); off += size) {
    v.push_back(
        Frag(payload, off, size, off + size < payload.size(), ident, proto));
  }
  return v;
}

// An ICMP echo request with data bytes of data.
Bytes EchoRequest(size_t data, uint16_t id = 0x1234, uint16_t seq = 1) {
  Bytes m = Pattern(8 + data, 3);
  m[0] = TERN_ICMPV4_ECHO_REQUEST;
  m[1] = 0;
  m[2] = m[3] = 0;
  m[4] = static_cast<uint8_t>(id >> 8);
  m[5] = static_cast<uint8_t>(id);
  m[6] = static_cast<uint8_t>(seq >> 8);
  m[7] = static_cast<uint8_t>(seq);
  uint16_t c = tern_checksum(m.data(), m.size());
  m[2] = static_cast<uint8_t>(c >> 8);
  m[3] = static_cast<uint8_t>(c);
  return m;
}

// The bench with a reassembler of `count` buffers taking payloads of
// `payload` bytes.
struct Reasm : Bench {
  static constexpr size_t kMaxCount = 4;
  static constexpr size_t kMaxBuf = TERN_IPV4_REASM_OVERHEAD + 8192;
  alignas(16) uint8_t storage[TERN_PKT_POOL_STORAGE_SIZE(kMaxCount, kMaxBuf)];
  tern_pkt_pool rpool;
  tern_ipv4_reasm r;
  Sink sink{&stack};
  size_t count;

  explicit Reasm(size_t count_ = 2, size_t payload = 4096, uint16_t mtu = 1500)
      : Bench(mtu), count(count_) {
    size_t buf = TERN_IPV4_REASM_OVERHEAD + payload;
    EXPECT_LE(count, kMaxCount);
    EXPECT_LE(buf, kMaxBuf);
    EXPECT_EQ(
        tern_pkt_pool_init(&rpool, storage, TERN_PKT_STRIDE(buf) * count, buf),
        static_cast<int>(count));
    EXPECT_EQ(tern_ipv4_reasm_init(&r, &v4, &rpool), 0);
    tern_sim_set_time(5000);
  }

  tern_ipv4_reasm_stats RStats() {
    return tern_ipv4_reasm_get_stats(&r);
  }

  // Sends each fragment, returns everything answered.
  std::vector<Bytes> Send(const std::vector<Bytes> &frags) {
    std::vector<Bytes> out;
    for (const Bytes &f : frags) {
      for (Bytes &b : Exchange(f)) {
        out.push_back(b);
      }
    }
    return out;
  }

  // Every counter adds up, and no packet of either pool is lost: the
  // stack's all back, the reassembler's all back but those in progress.
  void CheckAccounting() {
    tern_ipv4_reasm_stats s = RStats();
    uint32_t fragments = s.kept + s.completed + s.duplicates + s.drop_bad +
                         s.drop_tiny + s.drop_overlap + s.drop_too_big +
                         s.drop_no_buffer;
    tern_ipv4_stats v = Stats();
    uint32_t drops =
        v.rx_drop_bad_src + v.rx_drop_not_for_us + v.rx_drop_link_bcast;
    for (uint32_t d : v.rx_drop) {
      drops += d;
    }
    EXPECT_EQ(v.rx_packets, v.rx_delivered + drops + v.rx_fragments);
    EXPECT_EQ(v.rx_fragments + s.completed, fragments);
    EXPECT_EQ(tern_pkt_pool_available(&pool.pool), pool.pool.count);
    size_t busy = 0;
    for (tern_pkt *p = r.busy; p != nullptr; p = p->next) {
      busy++;
    }
    EXPECT_EQ(tern_pkt_pool_available(&rpool) + busy, count);
  }
};

TEST(Reassembly, InOrder) {
  Reasm b;
  Bytes payload = Pattern(3000);
  EXPECT_TRUE(b.Send(Split(payload, 1480)).empty());
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.sink.got[0], payload);
  tern_ipv4_reasm_stats s = b.RStats();
  EXPECT_EQ(s.kept, 2u);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(b.Stats().rx_delivered, 1u);
  EXPECT_EQ(b.Stats().rx_fragments, 2u);
  b.CheckAccounting();
}

// The smallest reassembler init takes holds a 576-byte datagram (556
// bytes after its header), the least RFC 1122 3.3.2 lets a host take; with
// room one byte short it would refuse init (InitRefusals).
TEST(Reassembly, TheSmallestTakesA576ByteDatagram) {
  Reasm b(1, TERN_IPV4_REASM_MIN_PAYLOAD);
  Bytes payload = Pattern(556, 3);
  EXPECT_TRUE(b.Send(Split(payload, 280)).empty());
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.sink.got[0], payload);
  EXPECT_EQ(b.RStats().drop_too_big, 0u);
  b.CheckAccounting();
}

TEST(Reassembly, ReversedAndShuffled) {
  Reasm b;
  Bytes payload = Pattern(4000, 9);
  std::vector<Bytes> f = Split(payload, 512);
  std::reverse(f.begin(), f.end());
  b.Send(f);
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.sink.got[0], payload);
  // Middle first, then the ends, then the rest: every hole shape.
  std::vector<Bytes> g = Split(payload, 512, 0x4343);
  std::vector<size_t> order = {3, 7, 0, 5, 1, 6, 2, 4};
  ASSERT_EQ(g.size(), order.size());
  std::vector<Bytes> s;
  for (size_t i : order) {
    s.push_back(g[i]);
  }
  b.Send(s);
  ASSERT_EQ(b.sink.got.size(), 2u);
  EXPECT_EQ(b.sink.got[1], payload);
  EXPECT_EQ(b.RStats().completed, 2u);
  b.CheckAccounting();
}

TEST(Reassembly, InterleavedDatagramsAreKeptApart) {
  Reasm b(3);
  Bytes p1 = Pattern(2000, 1), p2 = Pattern(2500, 2);
  std::vector<Bytes> a = Split(p1, 1000, 1), c = Split(p2, 1000, 2);
  // The same ident from another source is a third datagram.
  Bytes other = Frag(p1, 0, 1000, true, 1, kProto, tern_ipv4(192, 0, 2, 7));
  b.Send({a[1], c[2], other, c[0], a[0], c[1]});
  ASSERT_EQ(b.sink.got.size(), 2u);
  EXPECT_EQ(b.sink.got[0], p1);
  EXPECT_EQ(b.sink.got[1], p2);
  // The third datagram's fragment is still waiting.
  EXPECT_EQ(b.RStats().kept, 4u);
  EXPECT_EQ(b.RStats().evicted, 0u);
  ASSERT_NE(b.r.busy, nullptr);
  EXPECT_EQ(b.r.busy->next, nullptr);
  b.CheckAccounting();
}

TEST(Reassembly, DuplicatesAreIgnored) {
  Reasm b;
  Bytes payload = Pattern(3000);
  std::vector<Bytes> f = Split(payload, 1000);
  // A fragment inside what two fragments brought: 504..1504.
  Bytes inside = Frag(payload, 504, 1000, true);
  b.Send({f[0], f[0], f[1], inside, f[1]});
  EXPECT_TRUE(b.sink.got.empty());
  EXPECT_EQ(b.RStats().duplicates, 3u);
  b.Send({f[2], f[2]});  // the second after it is whole: a new datagram
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.sink.got[0], payload);
  EXPECT_EQ(b.RStats().duplicates, 3u);
  EXPECT_EQ(b.RStats().kept, 3u);
  b.CheckAccounting();
}

// A duplicate of fragment 0 after its datagram was completed: nothing is
// delivered twice; it starts a datagram of its own (a completed one leaves
// no trace), which expires with a time exceeded about it, as Linux's
// does. While the datagram is in progress it is an ignored duplicate.
TEST(Reassembly, ALateDuplicateOfFragmentZeroIsNeverDeliveredTwice) {
  Reasm b;
  Bytes payload = Pattern(3000);
  std::vector<Bytes> f = Split(payload, 1480);
  b.Send({f[0], f[0], f[1], f[2]});
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.RStats().duplicates, 1u);
  b.Send({f[0]});
  EXPECT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.RStats().kept, 3u);  // f[0], f[1], and the late f[0]
  tern_sim_advance(TERN_IPV4_REASM_TIMEOUT_MS);
  std::vector<Bytes> out = b.Send({Frag(payload, 0, 8, true, 9)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][20], TERN_ICMPV4_TIME_EXCEEDED);
  EXPECT_EQ(b.RStats().timeouts, 1u);
  EXPECT_EQ(b.sink.got.size(), 1u);
  b.CheckAccounting();
}

// Each overlap drops the whole datagram: the rest of its fragments never
// make one, and no byte is written twice.
TEST(Reassembly, OverlapsDropTheDatagram) {
  Bytes payload = Pattern(3000);
  Bytes evil = Pattern(3200, 77);
  struct Case {
    const char *name;
    std::vector<Bytes> frags;
  };
  std::vector<Case> cases = {
      // Rewrites the end of the first fragment (and the hole after it).
      {"into the end",
       {Frag(payload, 0, 1480, true), Frag(evil, 1472, 1480, true)}},
      // Starts in a hole and runs into the next fragment.
      {"into the next",
       {Frag(payload, 800, 800, true), Frag(evil, 0, 808, true)}},
      // Covers a fragment and the holes on both sides of it.
      {"around one",
       {Frag(payload, 800, 400, true), Frag(evil, 0, 1480, true)}},
      // A last fragment with data received beyond it.
      {"last before data",
       {Frag(payload, 2000, 800, true), Frag(evil, 1000, 200, false)}},
      // Past the end the last fragment set.
      {"past the end",
       {Frag(payload, 2960, 40, false), Frag(evil, 2960, 80, true)}},
      {"after the end",
       {Frag(payload, 2960, 40, false), Frag(evil, 3000, 40, false)}},
      // Two last fragments that disagree.
      {"second end",
       {Frag(payload, 2960, 40, false), Frag(evil, 1480, 800, false)}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    Reasm b;
    b.Send(c.frags);
    EXPECT_EQ(b.RStats().drop_overlap, 1u);
    EXPECT_EQ(b.RStats().bad_datagrams, 1u);
    EXPECT_EQ(b.r.busy, nullptr);
    // The rest of the genuine datagram starts afresh and never completes
    // with the attacker's bytes.
    b.Send(Split(payload, 1480));
    ASSERT_EQ(b.sink.got.size(), 1u);
    EXPECT_EQ(b.sink.got[0], payload);
    b.CheckAccounting();
  }
}

// A last fragment (MF clear) says where the datagram ends. One that lies
// wholly inside what was received but ends before data already there
// (beyond it, or beyond the end another last fragment set) contradicts
// that data: it is an overlap that drops the datagram, not a duplicate.
TEST(Reassembly, AnEarlierEndInsideReceivedDataDropsTheDatagram) {
  Bytes payload = Pattern(3000);
  struct Case {
    const char *name;
    std::vector<Bytes> frags;
  };
  std::vector<Case> cases = {
      // The end is known (3000); another last fragment says 2960.
      {"two ends",
       {Frag(payload, 1480, 1480, true), Frag(payload, 2960, 40, false),
        Frag(payload, 1480, 1480, false)}},
      // No end yet, data up to 2960; a last fragment says 2280.
      {"end before data",
       {Frag(payload, 1480, 1480, true), Frag(payload, 1480, 800, false)}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    Reasm b;
    b.Send(c.frags);
    EXPECT_EQ(b.RStats().duplicates, 0u);
    EXPECT_EQ(b.RStats().drop_overlap, 1u);
    EXPECT_EQ(b.RStats().bad_datagrams, 1u);
    EXPECT_EQ(b.r.busy, nullptr);
    b.CheckAccounting();
  }
}

TEST(Reassembly, TinyFragmentsAreDropped) {
  Reasm b;
  Bytes payload = Pattern(1600);
  // RFC 1858: a TCP first fragment without its whole header.
  Bytes tcp = Frag(payload, 0, 16, true, 9, TERN_IP_PROTO_TCP);
  // RFC 3128: offset 8 (fragment offset 1).
  Bytes off1 = Frag(payload, 8, 800, true);
  b.Send({tcp, off1});
  EXPECT_EQ(b.RStats().drop_tiny, 2u);
  EXPECT_EQ(b.r.busy, nullptr);
  // 20 bytes of TCP, and 8 of anything else, are enough.
  b.Send({Frag(payload, 0, 24, true, 9, TERN_IP_PROTO_TCP),
          Frag(payload, 0, 8, true, 10)});
  EXPECT_EQ(b.RStats().kept, 2u);
  b.CheckAccounting();
}

TEST(Reassembly, MalformedFragmentsAreCounted) {
  Reasm b;
  Bytes payload = Pattern(3000);
  Bytes odd = Frag(payload, 0, 1001, true);  // MF, not a multiple of 8
  Bytes empty_last = Frag(payload, 1480, 0, false);
  Bytes empty_more = Frag(payload, 1480, 0, true);
  b.Send({odd, empty_last, empty_more});
  EXPECT_EQ(b.RStats().drop_bad, 3u);
  EXPECT_EQ(b.r.busy, nullptr);
  b.CheckAccounting();
}

TEST(Reassembly, OnlyPlainUnicastIsReassembled) {
  Reasm b;
  Bytes payload = Pattern(2000);
  // In a link broadcast: dropped by the layer, as without a reassembler.
  b.Exchange(Frag(payload, 0, 1000, true), TERN_PKT_LINK_BROADCAST);
  // To the subnet broadcast.
  Bytes bc = Frag(payload, 0, 1000, true);
  bc[19] = 255;
  FixIpChecksum(bc);
  b.Exchange(bc);
  EXPECT_EQ(b.Stats().rx_drop[-TERN_IPV4_DROP_FRAGMENT] +
                b.Stats().rx_drop_link_bcast,
            2u);
  EXPECT_EQ(b.RStats().kept, 0u);
  b.CheckAccounting();
}

TEST(Reassembly, WithoutAReassemblerFragmentsAreDropped) {
  Bench b;
  Sink sink(&b.stack);
  Bytes payload = Pattern(2000);
  for (const Bytes &f : Split(payload, 1000)) {
    b.Exchange(f);
  }
  EXPECT_TRUE(sink.got.empty());
  EXPECT_EQ(b.Stats().rx_drop[-TERN_IPV4_DROP_FRAGMENT], 2u);
  EXPECT_EQ(b.Stats().rx_fragments, 0u);
}

TEST(Reassembly, TimeoutDropsTheDatagramAndSendsTimeExceeded) {
  Reasm b(3);
  Bytes payload = Pattern(3000);
  std::vector<Bytes> f = Split(payload, 1480);
  b.Send({f[0], f[1]});
  tern_sim_advance(TERN_IPV4_REASM_TIMEOUT_MS - 1);
  // Not yet: another datagram's fragment runs the timers.
  EXPECT_TRUE(b.Send({Frag(payload, 0, 8, true, 7)}).empty());
  EXPECT_EQ(b.RStats().timeouts, 0u);
  tern_sim_advance(1);
  std::vector<Bytes> out = b.Send({Frag(payload, 8 * 100, 8, true, 8)});
  EXPECT_EQ(b.RStats().timeouts, 1u);
  EXPECT_EQ(b.RStats().time_exceeded, 1u);
  // RFC 1122 3.3.2: time exceeded, code 1, quoting the first fragment.
  ASSERT_EQ(out.size(), 1u);
  const Bytes &m = out[0];
  ASSERT_GE(m.size(), 20u + 8 + 20 + 8);
  EXPECT_EQ(tern_checksum(m.data(), 20), 0);
  EXPECT_EQ(m[9], TERN_IP_PROTO_ICMP);
  EXPECT_EQ(Bytes(m.begin() + 16, m.begin() + 20), Bytes({192, 0, 2, 1}));
  EXPECT_EQ(m[20], TERN_ICMPV4_TIME_EXCEEDED);
  EXPECT_EQ(m[21], 1);
  EXPECT_EQ(tern_checksum(m.data() + 20, m.size() - 20), 0);
  // The quote: the first fragment's header and data, 576 bytes in all.
  EXPECT_EQ(m.size(), 576u);
  Bytes quote(m.begin() + 28, m.end());
  EXPECT_EQ(quote, Bytes(f[0].begin(), f[0].begin() + 548));
  // The last fragment, late, starts a datagram of its own.
  b.Send({f[2]});
  EXPECT_TRUE(b.sink.got.empty());
  // Later still: 7 (its first fragment came) is answered, 8 and the
  // late last fragment (no first fragment) expire silently.
  tern_sim_advance(TERN_IPV4_REASM_TIMEOUT_MS);
  out = b.Send({Frag(payload, 0, 8, true, 9)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 20u + 8 + 20 + 8);
  EXPECT_EQ(out[0][20 + 8 + 5], 7);  // the quoted identification
  EXPECT_EQ(b.RStats().timeouts, 4u);
  EXPECT_EQ(b.RStats().time_exceeded, 2u);
  b.CheckAccounting();
}

// The timers run only when fragments come, so a datagram may wait far
// longer than its timeout to be looked at: on an idle host, more than the
// 24.8 days after which the 32-bit clock's wrap-safe comparison sees its
// deadline in the future again. It must still be found expired then, not
// kept for another 24.8 days and completed by the fragments of a new
// datagram that reuses its identification (its first fragment ignored as
// a duplicate, the old bytes delivered in its place).
TEST(Reassembly, ADatagramIdleForMoreThanHalfTheClockStillExpires) {
  Reasm b;
  Bytes old_payload = Pattern(3000, 1), new_payload = Pattern(3000, 2);
  b.Send({Split(old_payload, 1480)[0]});
  tern_sim_advance(0x80000000u + TERN_IPV4_REASM_TIMEOUT_MS);
  std::vector<Bytes> out = b.Send(Split(new_payload, 1480));
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.sink.got[0], new_payload);
  EXPECT_EQ(b.RStats().duplicates, 0u);
  EXPECT_EQ(b.RStats().timeouts, 1u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][20], TERN_ICMPV4_TIME_EXCEEDED);
  b.CheckAccounting();
}

TEST(Reassembly, NoTimeExceededAboutAnIcmpError) {
  Reasm b;
  Bytes err = Pattern(1200);
  err[0] = TERN_ICMPV4_DEST_UNREACH;
  b.Send({Frag(err, 0, 1000, true, 5, TERN_IP_PROTO_ICMP)});
  tern_sim_advance(TERN_IPV4_REASM_TIMEOUT_MS);
  EXPECT_TRUE(b.Send({Frag(err, 0, 8, true, 6)}).empty());
  EXPECT_EQ(b.RStats().timeouts, 1u);
  EXPECT_EQ(b.RStats().time_exceeded, 0u);
  b.CheckAccounting();
}

TEST(Reassembly, TooBigForTheBufferIsDropped) {
  Reasm b(2, 2048);
  Bytes payload = Pattern(3000);
  std::vector<Bytes> f = Split(payload, 1480);  // 0, 1480, 2960
  b.Send({f[0], f[1], f[2]});
  EXPECT_EQ(b.RStats().drop_too_big, 2u);  // [1480, 2960) and [2960, 3000)
  EXPECT_EQ(b.RStats().bad_datagrams, 1u);
  EXPECT_TRUE(b.sink.got.empty());
  // A datagram that fits, exactly: 2048 bytes.
  Bytes fits = Pattern(2048);
  b.Send(Split(fits, 1024, 3));
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.sink.got[0], fits);
  b.CheckAccounting();
}

// A flood of first fragments that never complete: they evict each other,
// the pings (unfragmented) are all answered, and a fragmented datagram
// sent in one go still completes.
TEST(Reassembly, FloodEvictsButTrafficGoesOn) {
  Reasm b;
  Bytes payload = Pattern(1480 * 2);
  Bytes ping = EchoRequest(56);
  Bytes ping_dgram = Frag(ping, 0, ping.size(), false, 1, TERN_IP_PROTO_ICMP);
  unsigned replies = 0;
  for (uint16_t i = 0; i < 200; i++) {
    b.Exchange(Frag(payload, 0, 1480, true, static_cast<uint16_t>(1000 + i)));
    std::vector<Bytes> out = b.Exchange(ping_dgram);
    replies += static_cast<unsigned>(out.size());
  }
  EXPECT_EQ(replies, 200u);
  EXPECT_EQ(b.RStats().evicted, 198u);
  b.Send(Split(payload, 1480, 7));
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.sink.got[0], payload);
  b.CheckAccounting();
}

TEST(Reassembly, NoBufferWhenAllAreOut) {
  Reasm b(1);
  tern_pkt *held = tern_pkt_pool_try_alloc(&b.rpool);
  ASSERT_NE(held, nullptr);
  b.Send({Frag(Pattern(2000), 0, 1000, true)});
  EXPECT_EQ(b.RStats().drop_no_buffer, 1u);
  tern_pkt_free(held);
  b.CheckAccounting();
}

// A ping too long for one frame, in fragments: answered, the reply cut
// to the MTU (RFC 1122 3.2.2.6), built in the reassembled buffer.
TEST(Reassembly, FragmentedPingIsAnsweredTruncated) {
  Reasm b;
  Bytes req = EchoRequest(4000);  // ping -s 4000: 4008 bytes of ICMP
  std::vector<Bytes> out = b.Send(Split(req, 1480, 0x77, TERN_IP_PROTO_ICMP));
  ASSERT_EQ(out.size(), 1u);
  const Bytes &r = out[0];
  ASSERT_EQ(r.size(), 1500u);
  EXPECT_EQ(tern_checksum(r.data(), 20), 0);
  EXPECT_EQ(r[2] << 8 | r[3], 1500);
  EXPECT_EQ(Bytes(r.begin() + 16, r.begin() + 20), Bytes({192, 0, 2, 1}));
  EXPECT_EQ(r[20], TERN_ICMPV4_ECHO_REPLY);
  EXPECT_EQ(tern_checksum(r.data() + 20, 1480), 0);
  // Identifier, sequence and data as in the request, cut.
  EXPECT_EQ(Bytes(r.begin() + 24, r.end()),
            Bytes(req.begin() + 4, req.begin() + 1480));
  EXPECT_EQ(b.Stats().icmp_echo_replies, 1u);
  EXPECT_EQ(b.Stats().tx_too_big, 0u);
  b.CheckAccounting();
  // One that fits the MTU once whole is answered whole.
  Bytes small = EchoRequest(1000, 0x1234, 2);
  out = b.Send(Split(small, 512, 0x78, TERN_IP_PROTO_ICMP));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 20 + small.size());
  EXPECT_EQ(Bytes(out[0].begin() + 24, out[0].end()),
            Bytes(small.begin() + 4, small.end()));
}

// Reassembly changes nothing on the way out: datagrams go whole with DF,
// and what does not fit the MTU is refused, not fragmented.
TEST(Reassembly, SendingStaysUnfragmented) {
  Reasm b;
  EXPECT_EQ(SendRaw(&b.stack, tern_ipv4(192, 0, 2, 1), 1480), 0);
  EXPECT_EQ(SendRaw(&b.stack, tern_ipv4(192, 0, 2, 1), 1481), TERN_EMSGSIZE);
  b.Run();
  std::vector<Bytes> out = b.link.TakeAll();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 1500u);
  EXPECT_EQ(out[0][6], 0x40);  // DF, no MF, offset 0
  EXPECT_EQ(out[0][7], 0);
  EXPECT_EQ(b.Stats().tx_too_big, 1u);
}

// A reassembled datagram nobody takes is answered port unreachable, the
// quote its whole header: the first fragment's, MF cleared, the
// datagram's length, its checksum right.
TEST(Reassembly, ReassembledHeaderIsWhole) {
  Reasm b;
  Bytes udp = Pattern(2000);
  std::vector<Bytes> f = Split(udp, 1000, 0x99, 200);  // nobody's protocol
  std::vector<Bytes> out = b.Send(f);
  ASSERT_EQ(out.size(), 1u);
  const Bytes &m = out[0];
  EXPECT_EQ(m[20], TERN_ICMPV4_DEST_UNREACH);
  EXPECT_EQ(m[21], TERN_ICMPV4_PROTO_UNREACH);
  Bytes q(m.begin() + 28, m.begin() + 48);
  EXPECT_EQ(tern_checksum(q.data(), 20), 0);
  EXPECT_EQ(q[2] << 8 | q[3], 2020);
  EXPECT_EQ(q[6], 0);
  EXPECT_EQ(q[7], 0);
  EXPECT_EQ(Bytes(q.begin() + 12, q.end()),
            Bytes(f[0].begin() + 12, f[0].begin() + 20));
  EXPECT_EQ(Bytes(m.begin() + 48, m.end()),
            Bytes(udp.begin(), udp.begin() + static_cast<long>(m.size() - 48)));
  b.CheckAccounting();
}

TEST(Reassembly, InitRefusals) {
  Bench b;
  alignas(16) static uint8_t st[TERN_PKT_POOL_STORAGE_SIZE(1, 2000)];
  tern_pkt_pool small, ok;
  // One byte short of a 576-byte datagram's payload, rounded up to 8
  // (RFC 1122 3.3.2: every host reassembles 576 bytes).
  const size_t short_buf =
      TERN_IPV4_REASM_OVERHEAD + TERN_IPV4_REASM_MIN_PAYLOAD - 1;
  ASSERT_EQ(
      tern_pkt_pool_init(&small, st, TERN_PKT_STRIDE(short_buf), short_buf), 1);
  tern_ipv4_reasm r, r2;
  EXPECT_EQ(tern_ipv4_reasm_init(&r, &b.v4, &small), TERN_EINVAL);
  EXPECT_EQ(tern_ipv4_reasm_init(nullptr, &b.v4, &small), TERN_EINVAL);
  EXPECT_EQ(tern_ipv4_reasm_init(&r, nullptr, &small), TERN_EINVAL);
  EXPECT_EQ(tern_ipv4_reasm_init(&r, &b.v4, nullptr), TERN_EINVAL);
  ASSERT_EQ(tern_pkt_pool_init(&ok, st, sizeof st, 2000), 1);
  EXPECT_EQ(tern_ipv4_reasm_init(&r, &b.v4, &ok), 0);
  EXPECT_EQ(r.cap, (2000 - TERN_IPV4_REASM_OVERHEAD) & ~7u);
  EXPECT_EQ(tern_ipv4_reasm_init(&r2, &b.v4, &ok), TERN_EALREADY);
}

// d with n bytes of options (NOPs, then an end of options) after its
// 20-byte header.
Bytes WithOptions(const Bytes &d, size_t n) {
  Bytes o(d.begin(), d.begin() + 20);
  for (size_t i = 0; i < n; i++) {
    o.push_back(i + 1 < n ? 1 : 0);
  }
  o.insert(o.end(), d.begin() + 20, d.end());
  o[0] = static_cast<uint8_t>(0x40 | (20 + n) / 4);
  o[2] = static_cast<uint8_t>(o.size() >> 8);
  o[3] = static_cast<uint8_t>(o.size());
  FixIpChecksum(o);
  return o;
}

// RFC 791 copies only some options into every fragment, so fragments'
// headers differ in length: each one's data starts after its own header,
// and the datagram gets fragment 0's (here with an option, its length in
// the quote of the protocol unreachable about it).
TEST(Reassembly, HeadersOfDifferentLengths) {
  Reasm b;
  Bytes payload = Pattern(3000, 5);
  std::vector<Bytes> f = Split(payload, 1000, 0x55, 200);  // nobody's
  f[0] = WithOptions(f[0], 4);
  f[1] = WithOptions(f[1], 40);
  std::vector<Bytes> out = b.Send({f[2], f[1], f[0]});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_GT(out[0].size(), 28u + 24u);
  EXPECT_EQ(out[0][20], TERN_ICMPV4_DEST_UNREACH);
  Bytes q(out[0].begin() + 28, out[0].end());
  EXPECT_EQ(q[0], 0x46);
  EXPECT_EQ(q[2] << 8 | q[3], 24 + 3000);
  EXPECT_EQ(tern_checksum(q.data(), 24), 0);
  EXPECT_EQ(Bytes(q.begin() + 24, q.end()),
            Bytes(payload.begin(),
                  payload.begin() + static_cast<long>(q.size() - 24)));
  // Fragment 0 with the largest header, the last with options too.
  std::vector<Bytes> g = Split(payload, 1000, 0x56);
  g[0] = WithOptions(g[0], 40);
  g[2] = WithOptions(g[2], 8);
  b.Send({g[1], g[0], g[2]});
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.sink.got[0], payload);
  b.CheckAccounting();
}

// A duplicate is ignored whatever its bytes: what came first stays, and
// the datagram completes with it.
TEST(Reassembly, ADuplicateWithOtherBytesLeavesTheFirst) {
  Reasm b;
  Bytes payload = Pattern(3000), evil = Pattern(3000, 99);
  std::vector<Bytes> f = Split(payload, 1000), e = Split(evil, 1000);
  b.Send({f[0], e[0], f[1], e[1], Frag(evil, 504, 1000, true), f[2]});
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.sink.got[0], payload);
  EXPECT_EQ(b.RStats().duplicates, 3u);
  b.CheckAccounting();
}

// RFC 791's key: fragments that differ in the protocol or the
// identification (the source: InterleavedDatagramsAreKeptApart) belong to
// other datagrams.
TEST(Reassembly, ProtocolAndIdentificationAreInTheKey) {
  Reasm b(4);
  Bytes payload = Pattern(2000);
  Sink other(&b.stack, 252);
  b.Send({Frag(payload, 0, 1000, true, 1),
          Frag(payload, 1000, 1000, false, 1, 252),
          Frag(payload, 1000, 1000, false, 2)});
  EXPECT_TRUE(b.sink.got.empty());
  EXPECT_TRUE(other.got.empty());
  EXPECT_EQ(b.RStats().kept, 3u);
  b.Send({Frag(payload, 1000, 1000, false, 1)});
  ASSERT_EQ(b.sink.got.size(), 1u);
  EXPECT_EQ(b.sink.got[0], payload);
  b.CheckAccounting();
}

// A source that fragments may set DF on each fragment (so no router
// fragments them again): they are reassembled, and DF stays in the
// datagram's header.
TEST(Reassembly, FragmentsWithDontFragment) {
  Reasm b;
  Bytes payload = Pattern(2000);
  std::vector<Bytes> f = Split(payload, 1000, 0x57, 200);  // nobody's
  for (Bytes &x : f) {
    x[6] |= 0x40;
    FixIpChecksum(x);
  }
  std::vector<Bytes> out = b.Send(f);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_GT(out[0].size(), 28u + 20u);
  EXPECT_EQ(out[0][28 + 6], 0x40);  // DF, no MF, offset 0
  EXPECT_EQ(out[0][28 + 7], 0);
  EXPECT_EQ(b.RStats().completed, 1u);
  b.CheckAccounting();
}

// With the largest buffers a pool has, the largest datagram (65,184
// bytes of payload after a 60-byte header: 65,244) comes whole, and a
// "ping of death", a fragment ending past 65,535 bytes, is refused with
// its datagram: a buffer's room after the 96 bytes in front is less
// than the total length allows, whatever the header's length.
TEST(Reassembly, TheLargestDatagramAndAPingOfDeath) {
  Bench b;
  Sink sink(&b.stack);
  alignas(
      16) static uint8_t st[TERN_PKT_POOL_STORAGE_SIZE(1, TERN_PKT_MAX_BUF)];
  tern_pkt_pool rp;
  ASSERT_EQ(tern_pkt_pool_init(&rp, st, sizeof st, TERN_PKT_MAX_BUF), 1);
  tern_ipv4_reasm r;
  ASSERT_EQ(tern_ipv4_reasm_init(&r, &b.v4, &rp), 0);
  ASSERT_EQ(r.cap, 65184u);
  Bytes payload = Pattern(r.cap, 4);
  std::vector<Bytes> f = Split(payload, 1440, 0x58, 200);  // nobody's
  f[0] = WithOptions(f[0], 40);
  std::vector<Bytes> out;
  for (const Bytes &x : f) {
    out = b.Exchange(x);
  }
  ASSERT_EQ(out.size(), 1u);  // protocol unreachable about it
  ASSERT_GT(out[0].size(), 28u + 60u);
  EXPECT_EQ(out[0][28] & 0x0f, 15);
  EXPECT_EQ(out[0][28 + 2] << 8 | out[0][28 + 3], 60 + 65184);
  EXPECT_EQ(tern_ipv4_reasm_get_stats(&r).completed, 1u);
  // Ping of death: 1472 bytes at 0, and 100 at 65,528 (offset 8191).
  Bytes big = Pattern(65528 + 100, 1);
  b.Exchange(Frag(big, 0, 1472, true, 9));
  b.Exchange(Frag(big, 65528, 100, false, 9));
  EXPECT_TRUE(sink.got.empty());
  tern_ipv4_reasm_stats s = tern_ipv4_reasm_get_stats(&r);
  EXPECT_EQ(s.drop_too_big, 1u);
  EXPECT_EQ(s.bad_datagrams, 1u);
  EXPECT_EQ(s.kept, f.size() - 1 + 1);  // and the first of the two
  EXPECT_EQ(r.busy, nullptr);
  EXPECT_EQ(tern_pkt_pool_available(&rp), 1u);
}

// RFC 3128's tiny overlapping fragment attack: a first fragment with a
// harmless TCP header, the rest at offset 16, then one at offset 8 that
// would rewrite the flags (a later fragment winning). The last is tiny;
// the second overlaps the first, so the datagram is dropped and no TCP
// segment is ever delivered.
TEST(Reassembly, Rfc3128TinyOverlappingFragments) {
  Reasm b;
  Sink tcp(&b.stack, TERN_IP_PROTO_TCP);
  Bytes seg = Pattern(64), evil = Pattern(64, 1);
  b.Send({Frag(seg, 0, 24, true, 3, TERN_IP_PROTO_TCP),
          Frag(seg, 16, 48, false, 3, TERN_IP_PROTO_TCP),
          Frag(evil, 8, 8, true, 3, TERN_IP_PROTO_TCP)});
  EXPECT_TRUE(tcp.got.empty());
  EXPECT_EQ(b.RStats().drop_overlap, 1u);
  EXPECT_EQ(b.RStats().drop_tiny, 1u);
  EXPECT_EQ(b.r.busy, nullptr);
  b.CheckAccounting();
}

// The transport checks the whole datagram: a byte changed in its
// middle fragment fails ICMP's checksum over all of it: no reply.
TEST(Reassembly, TheChecksumCoversEveryFragment) {
  Reasm b;
  Bytes req = EchoRequest(2000);
  std::vector<Bytes> f = Split(req, 1000, 0x59, TERN_IP_PROTO_ICMP);
  ASSERT_EQ(f.size(), 3u);
  f[1][30] ^= 1;  // a data byte: the header's checksum still holds
  EXPECT_TRUE(b.Send(f).empty());
  EXPECT_EQ(b.Stats().icmp_rx_drop[-TERN_ICMPV4_DROP_CHECKSUM], 1u);
  EXPECT_EQ(b.RStats().completed, 1u);
  b.CheckAccounting();
}

}  // namespace
}  // namespace tern_test
