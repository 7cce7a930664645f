// TAP and TUN against the Linux kernel, for real. Each test moves the test
// process into a network namespace of its own (unshare(CLONE_NEWNET)), so
// the only traffic is between the kernel's stack in that namespace and the
// driver; it creates the interface, configures it with `ip` and makes the
// kernel talk (ping). Needs root (CAP_NET_ADMIN) and /dev/net/tun: the
// tests skip, saying why, without them.
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "executor/test_waker.h"
#include "gtest/gtest.h"
#include "platforms/host/run_task_test_util.h"
#include "tern/err.h"
#include "tern/host_netdev.h"
#include "tern/netdev.h"
#include "tern/pkt.h"

extern "C" char **environ;

namespace {

using tern_test::RunTask;

const char kPath[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

// Runs a shell command in the test's namespace; returns its output and
// fails the test if it exits non-zero.
std::string Sh(const std::string &cmd) {
  std::string full = std::string(kPath) + " " + cmd + " 2>&1";
  FILE *p = popen(full.c_str(), "r");
  EXPECT_NE(p, nullptr);
  if (p == nullptr) {
    return "";
  }
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
    out.append(buf, n);
  }
  int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << cmd << " failed: " << out;
  return out;
}

// Starts a program in the background (argv[0] looked up in kPath).
pid_t Spawn(std::vector<std::string> args) {
  std::vector<char *> argv;
  for (auto &a : args) {
    argv.push_back(&a[0]);
  }
  argv.push_back(nullptr);
  std::string path = kPath;
  char *envp[] = {&path[0], nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  std::string bin = "/usr/bin/" + args[0];
  if (access(bin.c_str(), X_OK) != 0) {
    bin = "/bin/" + args[0];
  }
  pid_t pid = -1;
  int r = posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&fa);
  EXPECT_EQ(r, 0) << "spawn " << bin << ": " << strerror(r);
  return r == 0 ? pid : -1;
}

int WaitExit(pid_t pid) {
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) {
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string MacString(const uint8_t *m) {
  char s[18];
  snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
           m[4], m[5]);
  return s;
}

uint16_t Be16(const uint8_t *p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// The Internet checksum (RFC 1071) of len bytes.
uint16_t InetSum(const uint8_t *p, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) {
    sum += Be16(p + i);
  }
  if (len & 1) {
    sum += static_cast<uint32_t>(p[len - 1]) << 8;
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum);
}

const uint8_t kKernelIp[4] = {192, 0, 2, 1};
const uint8_t kOurIp[4] = {192, 0, 2, 2};

// Turns an IPv4 ICMP echo request (starting at ip) into the echo reply a
// host at its destination would send: swap the addresses (the IPv4
// checksum is a sum, so it stays right), type 8 -> 0, new ICMP checksum.
void MakeEchoReply(uint8_t *ip, size_t len) {
  size_t ihl = (ip[0] & 0x0f) * 4u;
  uint8_t tmp[4];
  memcpy(tmp, ip + 12, 4);
  memcpy(ip + 12, ip + 16, 4);
  memcpy(ip + 16, tmp, 4);
  uint8_t *icmp = ip + ihl;
  icmp[0] = 0;
  icmp[2] = icmp[3] = 0;
  uint16_t c = InetSum(icmp, len - ihl);
  icmp[2] = static_cast<uint8_t>(c >> 8);
  icmp[3] = static_cast<uint8_t>(c);
}

// Checks an IPv4 ICMP echo request from the kernel to us.
void ExpectEchoRequest(const uint8_t *ip, size_t len) {
  ASSERT_GE(len, 28u);
  EXPECT_EQ(ip[0], 0x45);  // IPv4, 20-byte header
  EXPECT_EQ(Be16(ip + 2), len);
  EXPECT_EQ(ip[9], 1);  // ICMP
  EXPECT_EQ(InetSum(ip, 20), 0) << "bad IPv4 header checksum";
  EXPECT_EQ(memcmp(ip + 12, kKernelIp, 4), 0);
  EXPECT_EQ(memcmp(ip + 16, kOurIp, 4), 0);
  EXPECT_EQ(ip[20], 8);  // echo request
  EXPECT_EQ(ip[21], 0);
  EXPECT_EQ(InetSum(ip + 20, len - 20), 0) << "bad ICMP checksum";
}

TERN_PKT_POOL_DEFINE(rx_pool, 8, 1600);
TERN_PKT_POOL_DEFINE(tx_pool, 4, 1600);
TERN_PKT_POOL_DEFINE(tiny_pool, 2, 64);

tern_host_netdev MakeClosed() {
  tern_host_netdev d = {};
  d.fd = -1;
  return d;
}

// Each test runs in a fresh network namespace and returns to the original
// one afterwards.
class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root (CAP_NET_ADMIN) for TAP/TUN and netns";
    }
    if (access("/dev/net/tun", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "/dev/net/tun: " << strerror(errno);
    }
    if (access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0 &&
        access("/usr/bin/ip", X_OK) != 0) {
      GTEST_SKIP() << "no `ip` (iproute2)";
    }
    orig_ns_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(orig_ns_, 0) << strerror(errno);
    if (unshare(CLONE_NEWNET) != 0) {
      GTEST_SKIP() << "unshare(CLONE_NEWNET): " << strerror(errno);
    }
    in_ns_ = true;
  }
  void TearDown() override {
    tern_host_netdev_close(&dev_);
    if (in_ns_) {
      EXPECT_EQ(setns(orig_ns_, CLONE_NEWNET), 0) << strerror(errno);
    }
    if (orig_ns_ >= 0) {
      close(orig_ns_);
    }
    EXPECT_EQ(tern_pkt_pool_available(&rx_pool), 8u) << "rx packet leaked";
    EXPECT_EQ(tern_pkt_pool_available(&tx_pool), 4u) << "tx packet leaked";
  }

  // Opens the device (TAP or TUN) and configures the kernel's side.
  void Open(bool tap, const char *name, tern_pkt_pool *pool = &rx_pool) {
    tern_host_netdev_config cfg = TERN_HOST_NETDEV_CONFIG_INIT;
    cfg.ifname = name;
    cfg.rx_pool = pool;
    int err =
        tap ? tern_host_tap_open(&dev_, &cfg) : tern_host_tun_open(&dev_, &cfg);
    ASSERT_EQ(err, 0) << tern_strerror(err) << ": " << strerror(dev_.os_errno);
    nd_ = tern_host_netdev_get(&dev_);
    ASSERT_STREQ(tern_host_netdev_ifname(&dev_), name);
    // No IPv6 on the link: no MLD or router solicitations to skip over.
    std::string sys =
        std::string("/proc/sys/net/ipv6/conf/") + name + "/disable_ipv6";
    FILE *f = fopen(sys.c_str(), "w");
    if (f != nullptr) {
      fputs("1", f);
      fclose(f);
    }
    std::string n = name;
    if (tap) {
      Sh("ip addr add 192.0.2.1/24 dev " + n);
    } else {
      Sh("ip addr add 192.0.2.1 peer 192.0.2.2 dev " + n);
    }
    Sh("ip link set " + n + " up");
  }

  // The kernel side's Ethernet address.
  void KernelMac(uint8_t mac[6]) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(s, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", dev_.ifname);
    ASSERT_EQ(ioctl(s, SIOCGIFHWADDR, &ifr), 0) << strerror(errno);
    close(s);
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
  }

  // Receives packets until accept() takes one (returns true) or 5 s pass.
  // Packets not accepted are freed and counted in skipped_.
  tern_pkt *RecvUntil(std::function<bool(const uint8_t *, size_t)> accept) {
    tern_pkt *got = nullptr;
    int err = 0;
    bool done = RunTask([&](tern_cx *cx) {
      for (;;) {
        tern_pkt *p = nullptr;
        if (tern_netdev_poll_recv(&nd_, cx, &p, &err) == TERN_PENDING) {
          return TERN_PENDING;
        }
        if (err != 0) {
          return TERN_READY;
        }
        if (accept(tern_pkt_data(p), tern_pkt_len(p))) {
          got = p;
          return TERN_READY;
        }
        skipped_++;
        tern_pkt_free(p);
      }
    });
    EXPECT_TRUE(done) << "timed out";
    EXPECT_EQ(err, 0) << tern_strerror(err);
    return got;
  }

  // Sends len bytes in a fresh packet; returns the device's *err.
  int Send(const uint8_t *data, size_t len) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&tx_pool);
    EXPECT_NE(p, nullptr);
    if (p == nullptr) {
      return TERN_ENOBUFS;
    }
    memcpy(tern_pkt_put(p, len), data, len);
    int err = 1;
    EXPECT_TRUE(RunTask(
        [&](tern_cx *cx) { return tern_netdev_poll_send(&nd_, cx, p, &err); }));
    return err;
  }

  tern_host_netdev dev_ = MakeClosed();
  tern_netdev nd_;
  int orig_ns_ = -1;
  bool in_ns_ = false;
  int skipped_ = 0;
};

TEST_F(NetnsTest, TapInfo) {
  ASSERT_NO_FATAL_FAILURE(Open(true, "terntap0"));
  tern_netdev_info info = tern_netdev_get_info(&nd_);
  EXPECT_EQ(info.medium, TERN_MEDIUM_ETHERNET);
  EXPECT_EQ(info.mtu, 1514);  // the interface's 1500 plus the header
  EXPECT_EQ(info.headroom, 0);
  EXPECT_EQ(info.tailroom, 0);
  // Ours is a locally administered unicast address, not the kernel's.
  EXPECT_EQ(info.mac[0] & 0x03, 0x02);
  uint8_t kmac[6];
  KernelMac(kmac);
  EXPECT_NE(memcmp(kmac, info.mac, 6), 0);
  // The kernel reports the interface as a TAP owned by us.
  std::string link = Sh("ip -d link show terntap0");
  EXPECT_NE(link.find("tun type tap"), std::string::npos) << link;
}

// The kernel resolves 192.0.2.2 with ARP: the driver must hand up its
// broadcast request exactly as the kernel built it. We answer as a real
// host would, the kernel learns our address (its neighbour table shows
// it), sends the ping to us, and our echo reply makes ping succeed.
TEST_F(NetnsTest, TapArpAndPingWithTheKernel) {
  ASSERT_NO_FATAL_FAILURE(Open(true, "terntap0"));
  uint8_t kmac[6];
  KernelMac(kmac);
  const uint8_t *our = dev_.info.mac;
  pid_t ping = Spawn({"ping", "-n", "-c1", "-W3", "192.0.2.2"});

  tern_pkt *p = RecvUntil([](const uint8_t *f, size_t len) {
    return len >= 42 && Be16(f + 12) == 0x0806 && Be16(f + 20) == 1 &&
           memcmp(f + 38, kOurIp, 4) == 0;
  });
  ASSERT_NE(p, nullptr);
  const uint8_t *f = tern_pkt_data(p);
  static const uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  static const uint8_t kZero[6] = {0};
  EXPECT_EQ(tern_pkt_len(p), 42u);  // no padding, no FCS over TAP
  EXPECT_EQ(memcmp(f, kBroadcast, 6), 0);
  EXPECT_EQ(memcmp(f + 6, kmac, 6), 0);
  EXPECT_EQ(Be16(f + 14), 1);       // hardware type Ethernet
  EXPECT_EQ(Be16(f + 16), 0x0800);  // protocol IPv4
  EXPECT_EQ(f[18], 6);
  EXPECT_EQ(f[19], 4);
  EXPECT_EQ(memcmp(f + 22, kmac, 6), 0);       // sender hardware address
  EXPECT_EQ(memcmp(f + 28, kKernelIp, 4), 0);  // sender protocol address
  EXPECT_EQ(memcmp(f + 32, kZero, 6), 0);      // target hardware: unknown
  tern_pkt_free(p);

  // Our ARP reply (RFC 826), built by hand.
  uint8_t reply[42];
  memcpy(reply, kmac, 6);
  memcpy(reply + 6, our, 6);
  const uint8_t arp_hdr[10] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2};
  memcpy(reply + 12, arp_hdr, sizeof arp_hdr);
  memcpy(reply + 22, our, 6);
  memcpy(reply + 28, kOurIp, 4);
  memcpy(reply + 32, kmac, 6);
  memcpy(reply + 38, kKernelIp, 4);
  ASSERT_EQ(Send(reply, sizeof reply), 0);

  // Having learned us, the kernel sends the echo request to our address.
  p = RecvUntil([](const uint8_t *fr, size_t len) {
    return len >= 34 && Be16(fr + 12) == 0x0800 && fr[23] == 1;
  });
  ASSERT_NE(p, nullptr);
  uint8_t *fr = tern_pkt_data(p);
  EXPECT_EQ(memcmp(fr, our, 6), 0);
  EXPECT_EQ(memcmp(fr + 6, kmac, 6), 0);
  ASSERT_NO_FATAL_FAILURE(ExpectEchoRequest(fr + 14, tern_pkt_len(p) - 14));

  std::string neigh = Sh("ip neigh show 192.0.2.2 dev terntap0");
  EXPECT_NE(neigh.find("lladdr " + MacString(our)), std::string::npos) << neigh;

  // Reply in the same buffer: swap the Ethernet addresses too.
  uint8_t echo[1600];
  size_t len = tern_pkt_len(p);
  memcpy(echo, fr, len);
  tern_pkt_free(p);
  memcpy(echo, kmac, 6);
  memcpy(echo + 6, our, 6);
  MakeEchoReply(echo + 14, len - 14);
  ASSERT_EQ(Send(echo, len), 0);
  EXPECT_EQ(WaitExit(ping), 0) << "ping did not get our echo reply";

  const tern_netdev_stats *st = tern_netdev_get_stats(&nd_);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->tx_packets, 2u);
  EXPECT_EQ(st->tx_bytes, 42u + len);
  EXPECT_EQ(st->rx_packets, 2u + static_cast<uint32_t>(skipped_));
  EXPECT_EQ(st->rx_drop_nobuf + st->rx_drop_too_long + st->rx_drop_malformed,
            0u);
}

// Over a point-to-point TUN the kernel sends the ping as a bare IPv4
// packet; our reply makes ping succeed.
TEST_F(NetnsTest, TunPingWithTheKernel) {
  ASSERT_NO_FATAL_FAILURE(Open(false, "terntun0"));
  tern_netdev_info info = tern_netdev_get_info(&nd_);
  EXPECT_EQ(info.medium, TERN_MEDIUM_IP);
  EXPECT_EQ(info.mtu, 1500);
  static const uint8_t kZero[6] = {0};
  EXPECT_EQ(memcmp(info.mac, kZero, 6), 0);

  pid_t ping = Spawn({"ping", "-n", "-c1", "-W3", "192.0.2.2"});
  tern_pkt *p = RecvUntil([](const uint8_t *ip, size_t len) {
    return len >= 28 && (ip[0] >> 4) == 4 && ip[9] == 1;
  });
  ASSERT_NE(p, nullptr);
  ASSERT_NO_FATAL_FAILURE(ExpectEchoRequest(tern_pkt_data(p), tern_pkt_len(p)));
  EXPECT_EQ(tern_pkt_len(p), 84u);  // 20 + 8 + ping's 56 bytes of data
  EXPECT_EQ(skipped_, 0);

  uint8_t echo[1600];
  size_t len = tern_pkt_len(p);
  memcpy(echo, tern_pkt_data(p), len);
  tern_pkt_free(p);
  MakeEchoReply(echo, len);
  ASSERT_EQ(Send(echo, len), 0);
  EXPECT_EQ(WaitExit(ping), 0) << "ping did not get our echo reply";
}

TEST_F(NetnsTest, RecvWaitsThenWakes) {
  ASSERT_NO_FATAL_FAILURE(Open(false, "terntun0"));
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  tern_pkt *p = nullptr;
  int err = 1;
  EXPECT_EQ(tern_netdev_poll_recv(&nd_, &cx, &p, &err), TERN_PENDING);
  EXPECT_EQ(p, nullptr);
  // The executor sleeps in epoll until the kernel sends the request.
  pid_t ping = Spawn({"ping", "-n", "-c1", "-W1", "192.0.2.2"});
  int polls = 0;
  ASSERT_TRUE(RunTask(
      [&](tern_cx *c) { return tern_netdev_poll_recv(&nd_, c, &p, &err); },
      5000, &polls));
  ASSERT_EQ(err, 0);
  ASSERT_NE(p, nullptr);
  EXPECT_LE(polls, 3);
  tern_pkt_free(p);
  EXPECT_EQ(WaitExit(ping), 1);  // no reply: ping says so
}

// With no buffer free, frames are read and dropped (counted), so the
// kernel's queue does not stall; frames longer than the buffers are
// dropped as too long.
TEST_F(NetnsTest, DropsWithoutBufferAndTooLong) {
  ASSERT_NO_FATAL_FAILURE(Open(false, "terntun0", &tiny_pool));
  tern_pkt *a = tern_pkt_pool_try_alloc(&tiny_pool);
  tern_pkt *b = tern_pkt_pool_try_alloc(&tiny_pool);
  ASSERT_NE(b, nullptr);
  pid_t ping = Spawn({"ping", "-n", "-c1", "-W1", "192.0.2.2"});
  tern_test::CountingWaker w;
  const tern_netdev_stats *st = tern_netdev_get_stats(&nd_);
  // Poll until the request has come and gone.
  for (int i = 0; i < 200 && st->rx_drop_nobuf == 0; i++) {
    tern_cx cx = w.Cx();
    tern_pkt *p = nullptr;
    int err = 1;
    EXPECT_EQ(tern_netdev_poll_recv(&nd_, &cx, &p, &err), TERN_PENDING);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(st->rx_drop_nobuf, 1u);
  struct pollfd pfd = {dev_.fd, POLLIN, 0};
  EXPECT_EQ(poll(&pfd, 1, 0), 0) << "the frame was not taken from the kernel";
  EXPECT_EQ(WaitExit(ping), 1);
  tern_pkt_free(a);
  tern_pkt_free(b);

  // 64-byte buffers, an 84-byte echo request.
  ping = Spawn({"ping", "-n", "-c1", "-W1", "192.0.2.2"});
  for (int i = 0; i < 200 && st->rx_drop_too_long == 0; i++) {
    tern_cx cx = w.Cx();
    tern_pkt *p = nullptr;
    int err = 1;
    EXPECT_EQ(tern_netdev_poll_recv(&nd_, &cx, &p, &err), TERN_PENDING);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(st->rx_drop_too_long, 1u);
  EXPECT_EQ(st->rx_packets, 0u);
  EXPECT_EQ(tern_pkt_pool_available(&tiny_pool), 2u);
  EXPECT_EQ(WaitExit(ping), 1);
}

TEST_F(NetnsTest, SendErrors) {
  ASSERT_NO_FATAL_FAILURE(Open(false, "terntun0"));
  const tern_netdev_stats *st = tern_netdev_get_stats(&nd_);
  // Longer than the MTU: refused, and freed (TearDown checks the pool).
  std::vector<uint8_t> big(1501, 0x45);
  EXPECT_EQ(Send(big.data(), big.size()), TERN_EMSGSIZE);
  EXPECT_EQ(st->tx_drop_too_long, 1u);
  // Not an IP packet: the kernel refuses it.
  uint8_t junk[20] = {0x00};
  EXPECT_EQ(Send(junk, sizeof junk), TERN_EINVAL);
  EXPECT_EQ(st->tx_drop_error, 1u);
  EXPECT_EQ(st->tx_packets, 0u);
}

// The kernel's side of the interface is down: the packet cannot go now
// (TERN_ENETDOWN, counted as tx_drop_down), but our end stays attached
// and the next send after `ip link set up` goes.
TEST_F(NetnsTest, SendWhileTheKernelSideIsDownIsNetDown) {
  ASSERT_NO_FATAL_FAILURE(Open(false, "terntun0"));
  Sh("ip link set terntun0 down");
  uint8_t ip[28] = {0x45, 0, 0,   28, 0, 0, 0, 0, 64,   1,    0, 0, 192, 0,
                    2,    2, 192, 0,  2, 1, 8, 0, 0xf7, 0xff, 0, 0, 0,   0};
  EXPECT_EQ(Send(ip, sizeof ip), TERN_ENETDOWN);
  EXPECT_EQ(tern_netdev_get_stats(&nd_)->tx_drop_down, 1u);
  EXPECT_NE(tern_netdev_get_info(&nd_).flags & TERN_NETDEV_UP, 0);
  Sh("ip link set terntun0 up");
  EXPECT_EQ(Send(ip, sizeof ip), 0);
  EXPECT_EQ(tern_netdev_get_stats(&nd_)->tx_packets, 1u);
}

// UP while attached; closing wakes the receiver and the event waiter, and
// the link going down is reported once.
TEST_F(NetnsTest, CloseTakesTheLinkDownAndWakesWaiters) {
  ASSERT_NO_FATAL_FAILURE(Open(true, "terntap0"));
  tern_netdev_info info = tern_netdev_get_info(&nd_);
  EXPECT_EQ(info.flags, static_cast<uint8_t>(TERN_NETDEV_UP));
  tern_test::CountingWaker rx, ev;
  tern_cx rx_cx = rx.Cx();
  tern_cx ev_cx = ev.Cx();
  uint32_t events = 0;
  EXPECT_EQ(tern_netdev_poll_event(&nd_, &ev_cx, &events), TERN_PENDING);
  // Drain whatever the kernel sent on bringing the link up, then wait.
  tern_pkt *p = nullptr;
  int err = 1;
  while (tern_netdev_poll_recv(&nd_, &rx_cx, &p, &err) == TERN_READY) {
    ASSERT_EQ(err, 0);
    tern_pkt_free(p);
  }
  rx.Take();
  EXPECT_EQ(tern_host_netdev_close(&dev_), 0);
  EXPECT_EQ(rx.Take(), 1);
  EXPECT_EQ(ev.Take(), 1);
  EXPECT_EQ(tern_netdev_get_info(&nd_).flags, 0);
  ASSERT_EQ(tern_netdev_poll_event(&nd_, &ev_cx, &events), TERN_READY);
  EXPECT_EQ(events, static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
  EXPECT_EQ(tern_netdev_poll_event(&nd_, &ev_cx, &events), TERN_PENDING);
  EXPECT_EQ(tern_netdev_poll_recv(&nd_, &rx_cx, &p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
  // Closing again reports nothing new.
  EXPECT_EQ(tern_host_netdev_close(&dev_), 0);
  EXPECT_EQ(ev.Take(), 0);
}

// A task woken by the close may poll at once (on another thread it runs
// while close is still going). Before, close woke it before marking the
// device closed: the poll read EAGAIN, stored its waker in the
// registration and returned PENDING, and the unregister that followed
// forgot that waker, so the task slept for ever. The woken poll must see
// the device closed.
struct RepollingWaker {
  tern_netdev *nd = nullptr;
  tern_test::CountingWaker again;  // the waker of the poll made when woken
  int repolls = 0;
  tern_poll last = TERN_PENDING;
  int err = 1;
  static void Wake(void *ctx) {
    auto *self = static_cast<RepollingWaker *>(ctx);
    self->repolls++;
    tern_cx cx = self->again.Cx();
    tern_pkt *p = nullptr;
    self->last = tern_netdev_poll_recv(self->nd, &cx, &p, &self->err);
  }
};

TEST_F(NetnsTest, CloseMarksClosedBeforeWaking) {
  ASSERT_NO_FATAL_FAILURE(Open(true, "terntap0"));
  tern_test::CountingWaker drain;
  tern_cx drain_cx = drain.Cx();
  tern_pkt *p = nullptr;
  int err = 1;
  while (tern_netdev_poll_recv(&nd_, &drain_cx, &p, &err) == TERN_READY) {
    ASSERT_EQ(err, 0);
    tern_pkt_free(p);
  }
  RepollingWaker rw;
  rw.nd = &nd_;
  tern_cx cx = tern_cx_make(tern_waker{&RepollingWaker::Wake, &rw}, nullptr);
  ASSERT_EQ(tern_netdev_poll_recv(&nd_, &cx, &p, &err), TERN_PENDING);
  EXPECT_EQ(tern_host_netdev_close(&dev_), 0);
  EXPECT_EQ(rw.repolls, 1);
  EXPECT_EQ(rw.last, TERN_READY);  // not a waker stored and then forgotten
  EXPECT_EQ(rw.err, TERN_ECLOSED);
}

// The interface deleted under us (`ip link del`): the next poll meets the
// kernel's EBADFD, the device detaches and reports the link down.
TEST_F(NetnsTest, DeletedInterfaceTakesTheLinkDown) {
  ASSERT_NO_FATAL_FAILURE(Open(true, "terntap0"));
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  uint32_t events = 0;
  EXPECT_EQ(tern_netdev_poll_event(&nd_, &cx, &events), TERN_PENDING);
  Sh("ip link del terntap0");
  tern_pkt *p = nullptr;
  int err = 1;
  tern_poll r;
  // Frames the kernel queued before the deletion may come first.
  while ((r = tern_netdev_poll_recv(&nd_, &cx, &p, &err)) == TERN_READY &&
         err == 0) {
    tern_pkt_free(p);
  }
  ASSERT_EQ(r, TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
  EXPECT_EQ(dev_.os_errno, EBADFD);
  EXPECT_EQ(tern_netdev_get_info(&nd_).flags, 0);
  ASSERT_EQ(tern_netdev_poll_event(&nd_, &cx, &events), TERN_READY);
  EXPECT_EQ(events, static_cast<uint32_t>(TERN_NETDEV_EV_LINK));
}

// A TAP gets every frame anyway: joins are checked and counted. A TUN has
// no filter (the wrapper answers 0).
TEST_F(NetnsTest, TapMulticastJoinsAreCheckedAndCounted) {
  ASSERT_NO_FATAL_FAILURE(Open(true, "terntap0"));
  const uint8_t mdns[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
  const uint8_t unicast[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0xfb};
  EXPECT_EQ(tern_netdev_mcast(&nd_, mdns, 6, false), TERN_ENOENT);
  EXPECT_EQ(tern_netdev_mcast(&nd_, mdns, 6, true), 0);
  EXPECT_EQ(tern_netdev_mcast(&nd_, mdns, 6, true), 0);
  EXPECT_EQ(tern_netdev_mcast(&nd_, unicast, 6, true), TERN_EINVAL);
  EXPECT_EQ(tern_netdev_mcast(&nd_, mdns, 4, true), TERN_EINVAL);
  EXPECT_EQ(tern_netdev_mcast(&nd_, mdns, 6, false), 0);
  EXPECT_EQ(tern_netdev_mcast(&nd_, mdns, 6, false), 0);
  EXPECT_EQ(tern_netdev_mcast(&nd_, mdns, 6, false), TERN_ENOENT);
  EXPECT_EQ(nd_.ops->set_addr, nullptr);
  tern_host_netdev_close(&dev_);

  ASSERT_NO_FATAL_FAILURE(Open(false, "terntun0"));
  EXPECT_EQ(nd_.ops->mcast, nullptr);
  const uint8_t group[4] = {224, 0, 0, 251};
  EXPECT_EQ(tern_netdev_mcast(&nd_, group, 4, true), 0);
}

TEST_F(NetnsTest, CloseRemovesTheInterface) {
  ASSERT_NO_FATAL_FAILURE(Open(true, "terntap0"));
  EXPECT_NE(if_nametoindex("terntap0"), 0u);
  EXPECT_EQ(tern_host_netdev_close(&dev_), 0);
  EXPECT_EQ(if_nametoindex("terntap0"), 0u);
  EXPECT_EQ(tern_host_netdev_close(&dev_), 0);
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  tern_pkt *p = nullptr;
  int err = 0;
  EXPECT_EQ(tern_netdev_poll_recv(&nd_, &cx, &p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ECLOSED);
  EXPECT_EQ(Send(reinterpret_cast<const uint8_t *>("x"), 1), TERN_ECLOSED);
}

TEST_F(NetnsTest, OpenErrors) {
  tern_host_netdev other;
  tern_host_netdev_config cfg = TERN_HOST_NETDEV_CONFIG_INIT;
  EXPECT_EQ(tern_host_tap_open(&other, &cfg), TERN_EINVAL);  // no pool
  EXPECT_EQ(tern_host_tap_open(nullptr, &cfg), TERN_EINVAL);
  EXPECT_EQ(tern_host_tap_open(&other, nullptr), TERN_EINVAL);
  cfg.rx_pool = &rx_pool;
  cfg.ifname = "a-name-much-too-long";
  EXPECT_EQ(tern_host_tap_open(&other, &cfg), TERN_EINVAL);
  cfg.ifname = "terntap1";
  cfg.use_mac = true;  // all-zero address
  EXPECT_EQ(tern_host_tap_open(&other, &cfg), TERN_EINVAL);
  cfg.mac[0] = 0x01;  // multicast
  EXPECT_EQ(tern_host_tap_open(&other, &cfg), TERN_EINVAL);

  // A caller's address is used as given; the kernel picks a free name.
  const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
  memcpy(cfg.mac, mac, 6);
  cfg.ifname = nullptr;
  ASSERT_EQ(tern_host_tap_open(&dev_, &cfg), 0);
  nd_ = tern_host_netdev_get(&dev_);
  EXPECT_EQ(memcmp(tern_netdev_get_info(&nd_).mac, mac, 6), 0);
  EXPECT_EQ(strncmp(tern_host_netdev_ifname(&dev_), "tap", 3), 0);

  // The interface is taken: attaching a second device is refused.
  cfg.ifname = dev_.ifname;
  EXPECT_EQ(tern_host_tap_open(&other, &cfg), TERN_EBUSY);
}

int OpenTapUnprivileged() {
  tern_host_netdev dev;
  tern_host_netdev_config cfg = TERN_HOST_NETDEV_CONFIG_INIT;
  cfg.rx_pool = &rx_pool;
  return tern_host_tap_open(&dev, &cfg);
}

TEST(HostNetdevNoNamespaceTest, OpenFailsCleanlyWithoutPrivilege) {
  // Without CAP_NET_ADMIN the error is ENOTSUP, not a crash. Root checks
  // it in a child that gives up root for nobody (65534), so this test
  // runs (rather than skips) for everyone.
  if (geteuid() != 0) {
    int err = OpenTapUnprivileged();
    EXPECT_TRUE(err == TERN_ENOTSUP || err == TERN_ENOENT) << err;
    return;
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0) << strerror(errno);
  if (pid == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 ||
        setuid(65534) != 0) {
      _exit(2);
    }
    int err = OpenTapUnprivileged();
    _exit(err == TERN_ENOTSUP || err == TERN_ENOENT ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid) << strerror(errno);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_NE(WEXITSTATUS(status), 2) << "could not drop root";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "open as nobody did not fail cleanly";
}

}  // namespace
