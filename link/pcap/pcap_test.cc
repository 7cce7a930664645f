// Tests of the pcap adapter: it wraps one end of a memory netdev pair,
// packets go both ways, and the file is read back and compared byte for
// byte with what the classic pcap format says it must hold; tshark then
// reads a capture of real frames (from the arp_icmp capture) to prove a
// real reader accepts it.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "executor/test_waker.h"
#include "gtest/gtest.h"
#include "tern/err.h"
#include "tern/memnetdev.h"
#include "tern/netdev.h"
#include "tern/pcap.h"
#include "tern/pkt.h"

namespace {

using Bytes = std::vector<uint8_t>;

// Frames 1-4 of /work/shared/captures/arp_icmp.pcap (Linux, iputils
// ping): ARP request, ARP reply, ICMP echo request, echo reply.
const Bytes kArpRequest = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00,
                           0x00, 0x00, 0x0a, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00,
                           0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
                           0x0a, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0xc0, 0x00, 0x02, 0x02};
const Bytes kArpReply = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00,
                         0x00, 0x00, 0x0b, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00,
                         0x06, 0x04, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00,
                         0x0b, 0xc0, 0x00, 0x02, 0x02, 0x02, 0x00, 0x00, 0x00,
                         0x00, 0x0a, 0xc0, 0x00, 0x02, 0x01};
const Bytes kEchoRequest = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0a, 0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0x44, 0x0a, 0x40, 0x00,
    0x40, 0x01, 0x72, 0x9b, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02,
    0x02, 0x08, 0x00, 0xd8, 0x08, 0x07, 0xbf, 0x00, 0x01, 0x02, 0x74,
    0x07, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x44, 0x85, 0x0b, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22,
    0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
    0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37};
const Bytes kEchoReply = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x0b, 0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0x4b, 0xe4, 0x00, 0x00,
    0x40, 0x01, 0xaa, 0xc1, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02,
    0x01, 0x00, 0x00, 0xe0, 0x08, 0x07, 0xbf, 0x00, 0x01, 0x02, 0x74,
    0x07, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x44, 0x85, 0x0b, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22,
    0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
    0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37};

// The little-endian encoding of v (this test runs on x86_64, where the
// adapter's host byte order is little-endian).
void Le32(Bytes *out, uint32_t v) {
  for (int i = 0; i < 4; i++) {
    out->push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
}

// What the format requires of the file header and of one record,
// written out independently of the adapter.
Bytes FileHeader(uint32_t linktype) {
  Bytes h = {0xd4, 0xc3, 0xb2, 0xa1,   // magic 0xa1b2c3d4, little-endian
             0x02, 0x00, 0x04, 0x00,   // version 2.4
             0,    0,    0,    0,      // thiszone
             0,    0,    0,    0,      // sigfigs
             0xff, 0xff, 0x00, 0x00};  // snaplen 65535
  Le32(&h, linktype);
  return h;
}

void Record(Bytes *file, uint32_t sec, uint32_t usec, const Bytes &data,
            size_t caplen) {
  Le32(file, sec);
  Le32(file, usec);
  Le32(file, static_cast<uint32_t>(caplen));
  Le32(file, static_cast<uint32_t>(data.size()));
  file->insert(file->end(), data.begin(), data.begin() + caplen);
}

// A clock that ticks: 1700000000 + n seconds, n * 1000 + 7 microseconds.
struct TickClock {
  uint32_t n = 0;
  static void Now(void *ctx, uint32_t *sec, uint32_t *usec) {
    TickClock *c = static_cast<TickClock *>(ctx);
    *sec = 1700000000u + c->n;
    *usec = c->n * 1000u + 7u;
    c->n++;
  }
};

TERN_PKT_POOL_DEFINE(pool, 8, 1600);

std::string TmpPath(const char *name) {
  const char *dir = getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

Bytes ReadFile(const std::string &path) {
  Bytes out;
  FILE *f = fopen(path.c_str(), "rb");
  EXPECT_NE(f, nullptr) << path;
  if (f == nullptr) {
    return out;
  }
  uint8_t buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    out.insert(out.end(), buf, buf + n);
  }
  fclose(f);
  return out;
}

class PcapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cx_ = waker_.Cx();
  }
  void TearDown() override {
    if (fd_ >= 0) {
      close(fd_);
    }
    EXPECT_EQ(tern_pkt_pool_available(&pool), 8u) << "packet leaked";
  }

  // Wraps end A of a memory pair in a capture written to path.
  void Start(const char *name, const tern_memnetdev_config &cfg,
             size_t scratch_len) {
    path_ = TmpPath(name);
    fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd_, 0) << strerror(errno);
    tern_memnetdev_init(&pair_, &cfg);
    b_ = tern_memnetdev_b(&pair_);
    scratch_.assign(scratch_len, 0);
    ASSERT_EQ(
        tern_pcap_init(&cap_, tern_memnetdev_a(&pair_), fd_,
                       scratch_len ? scratch_.data() : nullptr, scratch_len),
        0);
    tern_pcap_set_clock(&cap_, TickClock::Now, &clock_);
    a_ = tern_pcap_netdev(&cap_);
  }

  tern_pkt *Pkt(const Bytes &data) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&pool);
    EXPECT_NE(p, nullptr);
    memcpy(tern_pkt_put(p, data.size()), data.data(), data.size());
    return p;
  }

  // Sends through the capture (end A); returns PENDING or the *err.
  int SendA(tern_pkt *p, bool *pending = nullptr) {
    int err = 1;
    tern_poll r = tern_netdev_poll_send(&a_, &cx_, p, &err);
    if (pending != nullptr) {
      *pending = r == TERN_PENDING;
    }
    return r == TERN_PENDING ? 1 : err;
  }

  Bytes RecvB() {
    tern_pkt *p = nullptr;
    int err = 1;
    EXPECT_EQ(tern_netdev_poll_recv(&b_, &cx_, &p, &err), TERN_READY);
    EXPECT_EQ(err, 0);
    if (p == nullptr) {
      return {};
    }
    Bytes out(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    tern_pkt_free(p);
    return out;
  }

  void SendB(const Bytes &data) {
    int err = 1;
    ASSERT_EQ(tern_netdev_poll_send(&b_, &cx_, Pkt(data), &err), TERN_READY);
    ASSERT_EQ(err, 0);
  }

  Bytes RecvA() {
    tern_pkt *p = nullptr;
    int err = 1;
    EXPECT_EQ(tern_netdev_poll_recv(&a_, &cx_, &p, &err), TERN_READY);
    EXPECT_EQ(err, 0);
    if (p == nullptr) {
      return {};
    }
    Bytes out(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    tern_pkt_free(p);
    return out;
  }

  tern_test::CountingWaker waker_;
  tern_cx cx_;
  tern_memnetdev_pair pair_;
  tern_netdev a_, b_;
  tern_pcap cap_;
  TickClock clock_;
  Bytes scratch_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(PcapTest, EthernetBothWaysByteForByte) {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_ETHERNET;
  cfg.queue_len = 2;
  ASSERT_NO_FATAL_FAILURE(Start("eth.pcap", cfg, 1514));

  // A sends the request, B answers, A pings, B answers.
  ASSERT_EQ(SendA(Pkt(kArpRequest)), 0);
  EXPECT_EQ(RecvB(), kArpRequest);  // passed through unchanged
  SendB(kArpReply);
  EXPECT_EQ(RecvA(), kArpReply);
  ASSERT_EQ(SendA(Pkt(kEchoRequest)), 0);
  EXPECT_EQ(RecvB(), kEchoRequest);
  SendB(kEchoReply);
  EXPECT_EQ(RecvA(), kEchoReply);

  // Refused by the device (longer than its MTU): not recorded.
  ASSERT_EQ(SendA(Pkt(Bytes(1515, 0xee))), TERN_EMSGSIZE);
  // Made to wait (B's queue of 2 is full): not recorded until accepted.
  ASSERT_EQ(SendA(Pkt(kArpRequest)), 0);
  ASSERT_EQ(SendA(Pkt(kArpReply)), 0);
  tern_pkt *third = Pkt(kEchoReply);
  bool pending = false;
  SendA(third, &pending);
  ASSERT_TRUE(pending);
  SendA(third, &pending);
  ASSERT_TRUE(pending);
  EXPECT_EQ(RecvB(), kArpRequest);
  EXPECT_EQ(SendA(third), 0);  // now accepted
  EXPECT_EQ(RecvB(), kArpReply);
  EXPECT_EQ(RecvB(), kEchoReply);

  Bytes want = FileHeader(1);
  Record(&want, 1700000000, 7, kArpRequest, 42);
  Record(&want, 1700000001, 1007, kArpReply, 42);
  Record(&want, 1700000002, 2007, kEchoRequest, 98);
  Record(&want, 1700000003, 3007, kEchoReply, 98);
  Record(&want, 1700000004, 4007, kArpRequest, 42);
  Record(&want, 1700000005, 5007, kArpReply, 42);
  Record(&want, 1700000006, 6007, kEchoReply, 98);
  EXPECT_EQ(ReadFile(path_), want);
  const tern_pcap_stats *st = tern_pcap_get_stats(&cap_);
  EXPECT_EQ(st->records, 7u);
  EXPECT_EQ(st->rx_records, 2u);
  EXPECT_EQ(st->tx_records, 5u);
  EXPECT_EQ(st->write_errors, 0u);
}

TEST_F(PcapTest, RawIpLinkTypeAndTruncatedSends) {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  ASSERT_NO_FATAL_FAILURE(Start("ip.pcap", cfg, 40));  // a small scratch
  Bytes ip(kEchoRequest.begin() + 14, kEchoRequest.end());
  Bytes ip_reply(kEchoReply.begin() + 14, kEchoReply.end());
  ASSERT_EQ(SendA(Pkt(ip)), 0);
  EXPECT_EQ(RecvB(), ip);  // the packet itself is whole
  SendB(ip_reply);
  EXPECT_EQ(RecvA(), ip_reply);  // received ones are recorded whole

  Bytes want = FileHeader(101);
  Record(&want, 1700000000, 7, ip, 40);  // cut to the scratch buffer
  Record(&want, 1700000001, 1007, ip_reply, ip_reply.size());
  EXPECT_EQ(ReadFile(path_), want);
  EXPECT_EQ(tern_pcap_get_stats(&cap_)->truncated, 1u);
}

TEST_F(PcapTest, EverythingElsePassesThrough) {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_ETHERNET;
  cfg.mtu = 1000;
  cfg.headroom = 6;
  ASSERT_NO_FATAL_FAILURE(Start("info.pcap", cfg, 0));
  tern_netdev_info got = tern_netdev_get_info(&a_);
  tern_netdev lower = tern_memnetdev_a(&pair_);
  tern_netdev_info want = tern_netdev_get_info(&lower);
  EXPECT_EQ(got.mtu, 1000);
  EXPECT_EQ(got.headroom, 6);
  EXPECT_EQ(got.medium, TERN_MEDIUM_ETHERNET);
  const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
  EXPECT_EQ(memcmp(got.mac, mac_a, 6), 0);
  EXPECT_EQ(memcmp(&want, &got, sizeof want), 0);
  EXPECT_EQ(tern_netdev_get_stats(&a_), tern_netdev_get_stats(&lower));
  // A packet without the headroom the device wants: the device's error
  // comes back unchanged and nothing is recorded.
  EXPECT_EQ(SendA(Pkt(kArpRequest)), TERN_ENOSPC);
  EXPECT_EQ(ReadFile(path_), FileHeader(1));
  // With no pending packet, recv waits like the device does.
  tern_pkt *p = nullptr;
  int err = 1;
  EXPECT_EQ(tern_netdev_poll_recv(&a_, &cx_, &p, &err), TERN_PENDING);
  // set_addr and mcast reach the device (the memory pair keeps the
  // address and counts the joins).
  const uint8_t addr[4] = {192, 0, 2, 2};
  EXPECT_EQ(tern_netdev_set_addr(&a_, addr, 4), 0);
  EXPECT_EQ(memcmp(pair_.a.addr, addr, 4), 0);
  const uint8_t group[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
  EXPECT_EQ(tern_netdev_mcast(&a_, group, 6, true), 0);
  EXPECT_EQ(pair_.a.mcast_groups, 1);
  // Events and link state are the device's: no event yet, then the link
  // going down is reported through the recorder and info shows it.
  uint32_t ev = 0;
  EXPECT_EQ(tern_netdev_poll_event(&a_, &cx_, &ev), TERN_PENDING);
  EXPECT_NE(tern_netdev_get_info(&a_).flags & TERN_NETDEV_UP, 0);
  waker_.Take();
  tern_memnetdev_set_up(&pair_, false);
  EXPECT_GE(waker_.Take(), 1);  // the event waiter (and the receiver)
  ASSERT_EQ(tern_netdev_poll_event(&a_, &cx_, &ev), TERN_READY);
  EXPECT_EQ(ev, static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  EXPECT_EQ(tern_netdev_get_info(&a_).flags & TERN_NETDEV_UP, 0);
}

// A lower device that only remembers what is passed down to it.
struct Spy {
  uint8_t addr[16] = {0};
  size_t addr_len = 0;
  uint8_t group[16] = {0};
  size_t group_len = 0;
  bool join = false;
  int calls = 0;
  uint32_t events = 0;
};

void SpyInfo(void *, tern_netdev_info *info) {
  memset(info, 0, sizeof *info);
  info->medium = TERN_MEDIUM_IP;
  info->mtu = 1500;
  info->flags = TERN_NETDEV_UP | TERN_NETDEV_NEXT_HOP;
}

int SpySetAddr(void *self, const uint8_t *addr, size_t len) {
  Spy *s = static_cast<Spy *>(self);
  if (len != 4 && len != 16) {
    return TERN_EINVAL;
  }
  memcpy(s->addr, addr, len);
  s->addr_len = len;
  s->calls++;
  return 0;
}

int SpyMcast(void *self, const uint8_t *group, size_t len, bool join) {
  Spy *s = static_cast<Spy *>(self);
  memcpy(s->group, group, len);
  s->group_len = len;
  s->join = join;
  s->calls++;
  return join ? 0 : TERN_ENOENT;
}

tern_poll SpyEvent(void *self, tern_cx *cx, uint32_t *events) {
  Spy *s = static_cast<Spy *>(self);
  s->calls++;
  if (s->events == 0) {
    tern_cx_waker(cx);  // a real device keeps it; the spy only says so
    return TERN_PENDING;
  }
  *events = s->events;
  s->events = 0;
  return TERN_READY;
}

TEST(PcapPassThroughTest, AddrMcastEventsAndFlagsReachTheLowerDevice) {
  static const tern_netdev_ops ops = {nullptr,  nullptr,    SpyInfo, nullptr,
                                      SpyEvent, SpySetAddr, SpyMcast};
  Spy spy;
  tern_netdev lower = {&ops, &spy};
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  tern_pcap cap;
  ASSERT_EQ(tern_pcap_init(&cap, lower, fd, nullptr, 0), 0);
  tern_netdev d = tern_pcap_netdev(&cap);
  EXPECT_EQ(tern_netdev_get_info(&d).flags,
            TERN_NETDEV_UP | TERN_NETDEV_NEXT_HOP);
  const uint8_t addr6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                             0,    0,    0,    0,    0, 0, 0, 2};
  EXPECT_EQ(tern_netdev_set_addr(&d, addr6, 16), 0);
  EXPECT_EQ(spy.addr_len, 16u);
  EXPECT_EQ(memcmp(spy.addr, addr6, 16), 0);
  // The device's answer comes back unchanged.
  EXPECT_EQ(tern_netdev_set_addr(&d, addr6, 5), TERN_EINVAL);
  const uint8_t group[4] = {224, 0, 0, 251};
  EXPECT_EQ(tern_netdev_mcast(&d, group, 4, true), 0);
  EXPECT_TRUE(spy.join);
  EXPECT_EQ(tern_netdev_mcast(&d, group, 4, false), TERN_ENOENT);
  EXPECT_FALSE(spy.join);
  EXPECT_EQ(spy.group_len, 4u);
  EXPECT_EQ(memcmp(spy.group, group, 4), 0);
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  uint32_t ev = 0;
  EXPECT_EQ(tern_netdev_poll_event(&d, &cx, &ev), TERN_PENDING);
  spy.events = TERN_NETDEV_EV_ADDR_CONFLICT;
  ASSERT_EQ(tern_netdev_poll_event(&d, &cx, &ev), TERN_READY);
  EXPECT_EQ(ev, static_cast<uint32_t>(TERN_NETDEV_EV_ADDR_CONFLICT));
  EXPECT_EQ(spy.calls, 5);  // set_addr, two mcast, two poll_event
  EXPECT_EQ(tern_netdev_get_stats(&d), nullptr);
  close(fd);
}

// A lower device with none of the optional ops: through the recorder it
// behaves as it does alone (no address needed, no filter, no events).
TEST(PcapPassThroughTest, MissingOptionalOpsStayMissing) {
  static const tern_netdev_ops ops = {nullptr, nullptr, SpyInfo, nullptr,
                                      nullptr, nullptr, nullptr};
  Spy spy;
  tern_netdev lower = {&ops, &spy};
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  tern_pcap cap;
  ASSERT_EQ(tern_pcap_init(&cap, lower, fd, nullptr, 0), 0);
  tern_netdev d = tern_pcap_netdev(&cap);
  const uint8_t addr[4] = {192, 0, 2, 7};
  EXPECT_EQ(tern_netdev_set_addr(&d, addr, 4), 0);
  EXPECT_EQ(tern_netdev_mcast(&d, addr, 4, true), 0);
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  uint32_t ev = 0;
  EXPECT_EQ(tern_netdev_poll_event(&d, &cx, &ev), TERN_PENDING);
  EXPECT_EQ(spy.calls, 0);
  close(fd);
}

TEST(PcapInitTest, Errors) {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_ETHERNET;
  tern_memnetdev_pair pair;
  tern_memnetdev_init(&pair, &cfg);
  tern_netdev a = tern_memnetdev_a(&pair);
  tern_pcap cap;
  uint8_t scratch[16];
  EXPECT_EQ(tern_pcap_init(nullptr, a, 1, scratch, 16), TERN_EINVAL);
  EXPECT_EQ(tern_pcap_init(&cap, a, -1, scratch, 16), TERN_EINVAL);
  EXPECT_EQ(tern_pcap_init(&cap, a, 1, nullptr, 16), TERN_EINVAL);
  // A read-only descriptor: the header cannot be written.
  int ro = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(ro, 0);
  EXPECT_EQ(tern_pcap_init(&cap, a, ro, scratch, 16), TERN_EIO);
  EXPECT_EQ(cap.os_errno, EBADF);
  close(ro);
  // An unknown medium.
  cfg.medium = 9;
  tern_memnetdev_init(&pair, &cfg);
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  EXPECT_EQ(tern_pcap_init(&cap, tern_memnetdev_a(&pair), fd, scratch, 16),
            TERN_ENOTSUP);
  close(fd);
}

TEST_F(PcapTest, WriteErrorsAreCountedAndTrafficFlows) {
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_ETHERNET;
  ASSERT_NO_FATAL_FAILURE(Start("err.pcap", cfg, 1514));
  // Swap the file for a descriptor that refuses writes.
  int ro = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(ro, 0);
  ASSERT_GE(dup2(ro, fd_), 0);
  close(ro);
  ASSERT_EQ(SendA(Pkt(kArpRequest)), 0);
  EXPECT_EQ(RecvB(), kArpRequest);
  SendB(kArpReply);
  EXPECT_EQ(RecvA(), kArpReply);
  EXPECT_EQ(tern_pcap_get_stats(&cap_)->write_errors, 2u);
  EXPECT_EQ(tern_pcap_get_stats(&cap_)->records, 0u);
}

// Runs a command; returns its stdout and exit status.
std::string RunCommand(const std::string &cmd, int *status) {
  FILE *p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *status = -1;
    return "";
  }
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
    out.append(buf, n);
  }
  int st = pclose(p);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

// Runs tshark on a capture; returns what it printed for each frame. Its
// complaints (a damaged file, a malformed frame) fail the test; the
// warning it prints as root does not.
std::string Tshark(const std::string &path) {
  std::string err_path = TmpPath("tshark.err");
  // tshark wants a writable home for its profile.
  std::string cmd = "HOME=" + TmpPath("") + " /usr/bin/tshark -r " + path +
                    " -T fields -e frame.len -e frame.protocols"
                    " -e _ws.malformed -e _ws.expert 2>" +
                    err_path;
  int status = 0;
  std::string out = RunCommand(cmd, &status);
  Bytes err = ReadFile(err_path);
  std::string errs(err.begin(), err.end());
  EXPECT_EQ(status, 0) << errs;
  for (const char *bad : {"alformed", "damaged", "corrupt", "rror"}) {
    EXPECT_EQ(errs.find(bad), std::string::npos) << errs;
    EXPECT_EQ(out.find(bad), std::string::npos) << out;
  }
  return out;
}

TEST_F(PcapTest, TsharkReadsAnEthernetCapture) {
  if (access("/usr/bin/tshark", X_OK) != 0) {
    GTEST_SKIP() << "no /usr/bin/tshark";
  }
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_ETHERNET;
  ASSERT_NO_FATAL_FAILURE(Start("tshark_eth.pcap", cfg, 1514));
  tern_pcap_set_clock(&cap_, nullptr, nullptr);  // real time
  ASSERT_EQ(SendA(Pkt(kArpRequest)), 0);
  RecvB();
  SendB(kArpReply);
  RecvA();
  ASSERT_EQ(SendA(Pkt(kEchoRequest)), 0);
  RecvB();
  SendB(kEchoReply);
  RecvA();
  EXPECT_EQ(Tshark(path_),
            "42\teth:ethertype:arp\t\t\n"
            "42\teth:ethertype:arp\t\t\n"
            "98\teth:ethertype:ip:icmp:data\t\t\n"
            "98\teth:ethertype:ip:icmp:data\t\t\n");
}

TEST_F(PcapTest, TsharkReadsARawIpCapture) {
  if (access("/usr/bin/tshark", X_OK) != 0) {
    GTEST_SKIP() << "no /usr/bin/tshark";
  }
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  ASSERT_NO_FATAL_FAILURE(Start("tshark_ip.pcap", cfg, 1500));
  ASSERT_EQ(SendA(Pkt(Bytes(kEchoRequest.begin() + 14, kEchoRequest.end()))),
            0);
  RecvB();
  SendB(Bytes(kEchoReply.begin() + 14, kEchoReply.end()));
  RecvA();
  EXPECT_EQ(Tshark(path_),
            "84\traw:ip:icmp:data\t\t\n"
            "84\traw:ip:icmp:data\t\t\n");
}

}  // namespace
