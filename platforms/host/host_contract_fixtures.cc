// Contract suite fixtures for the host drivers. See
// host_contract_fixtures.h.
#include "platforms/host/host_contract_fixtures.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tern/port.h"

namespace tern_test {

void HostPump(int ms) {
  tern_irqstate s = tern_port_critical_enter();
  tern_port_wait(true, tern_port_now() + static_cast<tern_time>(ms));
  tern_port_critical_exit(s);
}

namespace {

void SetNonblock(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

}  // namespace

// ---- fd streams ----

FdStreamFixture::FdStreamFixture(Kind kind) : kind_(kind) {
  memset(&s_, 0, sizeof s_);
  s_.rfd = s_.wfd = -1;
  int rfd = -1, wfd = -1;
  if (kind == kSocketpair) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      skip_ = std::string("socketpair: ") + strerror(errno);
      return;
    }
    rfd = wfd = fds[0];
    peer_r_ = peer_w_ = fds[1];
  } else if (kind == kPipes) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
      skip_ = std::string("pipe2: ") + strerror(errno);
      return;
    }
    rfd = in[0];
    peer_w_ = in[1];
    wfd = out[1];
    peer_r_ = out[0];
  } else {
    char path[32];
    int slave = -1;
    int err = tern_host_pty_open(&rfd, path, sizeof path, &slave);
    if (err != 0) {
      skip_ = std::string("no pty: ") + tern_strerror(err);
      return;
    }
    wfd = rfd;
    peer_r_ = peer_w_ = slave;
  }
  SetNonblock(peer_r_);
  SetNonblock(peer_w_);
  int err = tern_host_fd_stream_open(&s_, rfd, wfd);
  EXPECT_EQ(err, 0) << tern_strerror(err);
}

FdStreamFixture::~FdStreamFixture() {
  tern_host_fd_stream_release(&s_);
  if (peer_r_ >= 0) {
    close(peer_r_);
  }
  if (peer_w_ >= 0 && peer_w_ != peer_r_) {
    close(peer_w_);
  }
}

size_t FdStreamFixture::PeerWrite(const uint8_t *data, size_t len) {
  size_t off = 0;
  while (off < len && peer_w_ >= 0) {
    ssize_t n = write(peer_w_, data + off, len - off);
    if (n <= 0) {
      break;
    }
    off += static_cast<size_t>(n);
  }
  return off;
}

ptrdiff_t FdStreamFixture::PeerRead(uint8_t *buf, size_t max) {
  ssize_t n = read(peer_r_, buf, max);
  if (n > 0) {
    return n;
  }
  if (n == 0) {
    return -1; /* end of file: the stream closed its writing side */
  }
  return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
}

void FdStreamFixture::PeerClose() {
  if (kind_ == kSocketpair) {
    shutdown(peer_w_, SHUT_WR);
  } else if (kind_ == kPipes) {
    close(peer_w_);
    peer_w_ = -1;
  } else {
    /* The last slave descriptor closing is the pty's hang-up: the master
     * reads end of stream. The peer can read no more either. */
    close(peer_w_);
    peer_r_ = peer_w_ = -1;
  }
}

// ---- TAP and TUN ----

HostNetdevFixture::HostNetdevFixture(bool tap) : tap_(tap) {
  memset(&dev_, 0, sizeof dev_);
  dev_.fd = -1;
  if (geteuid() != 0) {
    skip_ = "needs root (CAP_NET_ADMIN) for TAP/TUN and a network namespace";
    return;
  }
  if (access("/dev/net/tun", R_OK | W_OK) != 0) {
    skip_ = std::string("/dev/net/tun: ") + strerror(errno);
    return;
  }
  orig_ns_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (orig_ns_ < 0 || unshare(CLONE_NEWNET) != 0) {
    skip_ = std::string("no network namespace: ") + strerror(errno);
    return;
  }
  in_ns_ = true;
  const char *name = tap ? "terncontap" : "terncontun";
  tern_host_netdev_config cfg = TERN_HOST_NETDEV_CONFIG_INIT;
  cfg.ifname = name;
  cfg.rx_pool = rx_.get();
  int err =
      tap ? tern_host_tap_open(&dev_, &cfg) : tern_host_tun_open(&dev_, &cfg);
  if (err != 0) {
    skip_ = std::string("open: ") + tern_strerror(err) + ": " +
            strerror(dev_.os_errno);
    return;
  }
  /* No IPv6 (no MLD, no router solicitations) and no addresses: the
   * kernel sends nothing of its own. */
  std::string sys =
      std::string("/proc/sys/net/ipv6/conf/") + name + "/disable_ipv6";
  FILE *f = fopen(sys.c_str(), "w");
  if (f != nullptr) {
    fputs("1", f);
    fclose(f);
  }
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
  bool up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  up = up && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  if (s >= 0) {
    close(s);
  }
  ifindex_ = static_cast<int>(if_nametoindex(name));
  EXPECT_TRUE(up && ifindex_ != 0) << "bringing " << name << " up";
  packet_ = socket(AF_PACKET, (tap ? SOCK_RAW : SOCK_DGRAM) | SOCK_CLOEXEC,
                   htons(ETH_P_ALL));
  EXPECT_GE(packet_, 0) << strerror(errno);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifindex_;
  EXPECT_EQ(bind(packet_, reinterpret_cast<sockaddr *>(&sll), sizeof sll), 0)
      << strerror(errno);
}

HostNetdevFixture::~HostNetdevFixture() {
  tern_host_netdev_close(&dev_);
  if (packet_ >= 0) {
    close(packet_);
  }
  if (in_ns_) {
    EXPECT_EQ(setns(orig_ns_, CLONE_NEWNET), 0) << strerror(errno);
  }
  if (orig_ns_ >= 0) {
    close(orig_ns_);
  }
}

bool HostNetdevFixture::Inject(const Packet &pkt) {
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifindex_;
  sll.sll_protocol = htons(tap_ ? ETH_P_ALL : ETH_P_IP);
  ssize_t n = sendto(packet_, pkt.data(), pkt.size(), 0,
                     reinterpret_cast<sockaddr *>(&sll), sizeof sll);
  EXPECT_EQ(n, static_cast<ssize_t>(pkt.size())) << strerror(errno);
  return n == static_cast<ssize_t>(pkt.size());
}

bool HostNetdevFixture::PeerRecv(Packet *out) {
  uint8_t buf[2048];
  for (;;) {
    struct sockaddr_ll from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(packet_, buf, sizeof buf, MSG_DONTWAIT,
                         reinterpret_cast<sockaddr *>(&from), &len);
    if (n < 0) {
      return false;
    }
    if (from.sll_pkttype == PACKET_OUTGOING) {
      continue; /* the kernel's own (what Inject sent towards the device) */
    }
    out->assign(buf, buf + n);
    return true;
  }
}

}  // namespace tern_test
