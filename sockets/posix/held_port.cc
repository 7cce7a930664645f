#include "sockets/posix/held_port.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <random>

namespace tern_test {
namespace {

// A socket of type on IPv6 taking IPv4 too (IPV6_V6ONLY off), or on IPv4
// where the host has no IPv6; -1 if neither.
int DualStackSocket(int type) {
  int s = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
  int off = 0;
  if (s >= 0 &&
      setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) == 0) {
    return s;
  }
  if (s >= 0)
    close(s);
  return socket(AF_INET, type | SOCK_CLOEXEC, 0);
}

// Binds s to every local address of its family at port.
bool BindAny(int s, uint16_t port) {
  sockaddr_storage ss = {};
  socklen_t len = sizeof ss;
  if (getsockname(s, (sockaddr *)&ss, &len) != 0)
    return false;
  if (ss.ss_family == AF_INET6) {
    sockaddr_in6 a6 = {};
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons(port);
    return bind(s, (sockaddr *)&a6, sizeof a6) == 0;
  }
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  return bind(s, (sockaddr *)&a, sizeof a) == 0;
}

// The port s is bound to.
uint16_t PortOf(int s) {
  sockaddr_storage ss = {};
  socklen_t len = sizeof ss;
  if (getsockname(s, (sockaddr *)&ss, &len) != 0)
    return 0;
  return ntohs(ss.ss_family == AF_INET6 ? ((sockaddr_in6 *)&ss)->sin6_port
                                        : ((sockaddr_in *)&ss)->sin_port);
}

// The number in the first line of path, or fallback.
long ReadProc(const char *path, long fallback, long *second = nullptr) {
  long a = fallback, b = fallback;
  FILE *f = fopen(path, "r");
  if (f != nullptr) {
    if (fscanf(f, "%ld %ld", &a, &b) < 1)
      a = b = fallback;
    fclose(f);
  }
  if (second != nullptr)
    *second = b;
  return a;
}

// A port at random outside the kernel's ephemeral range (and above the
// privileged ports), or 0 (the kernel's pick) when the range leaves none.
uint16_t QuietPort(std::minstd_rand &rng) {
  long hi = 0;
  long lo = ReadProc("/proc/sys/net/ipv4/ip_local_port_range", 0, &hi);
  long first = ReadProc("/proc/sys/net/ipv4/ip_unprivileged_port_start", 1024);
  if (first < 1024)
    first = 1024;
  long below = lo > first ? lo - first : 0;             // first..lo-1
  long above = hi >= 0 && hi < 65535 ? 65535 - hi : 0;  // hi+1..65535
  if (lo <= 0 || below + above <= 0)
    return 0;
  long i = (long)(rng() % (unsigned long)(below + above));
  return (uint16_t)(i < below ? first + i : hi + 1 + (i - below));
}

}  // namespace

bool HeldPort::Take() {
  LetGo();
  port = 0;
  static std::minstd_rand rng{std::random_device{}()};
  for (int tries = 0; tries < 40; tries++) {
    // A quiet port, unless 30 of them were taken: then the kernel's pick.
    uint16_t want = tries < 30 ? QuietPort(rng) : 0;
    udp = DualStackSocket(SOCK_DGRAM);
    tcp = DualStackSocket(SOCK_STREAM);
    int one = 1;
    if (udp >= 0 && tcp >= 0 && BindAny(udp, want) &&
        BindAny(tcp, PortOf(udp)) &&
        setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0) {
      port = PortOf(udp);
      return true;
    }
    LetGo();
  }
  return false;
}

void HeldPort::HandOverUdp() {
  if (udp >= 0)
    close(udp);
  udp = -1;
}

void HeldPort::LetGo() {
  HandOverUdp();
  if (tcp >= 0)
    close(tcp);
  tcp = -1;
}

bool PlainBind(int family, int type, uint16_t port) {
  int s = socket(family, type | SOCK_CLOEXEC, 0);
  int on = 1;
  bool ok = s >= 0 &&
            (family != AF_INET6 ||
             setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == 0) &&
            BindAny(s, port);
  if (s >= 0)
    close(s);
  return ok;
}

}  // namespace tern_test
