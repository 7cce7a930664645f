// tern_test::HeldPort (held_port.h): what the tests that use it rely on.
#include "sockets/posix/held_port.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

namespace {

// A plain bind of the port is refused for TCP and UDP on either family
// until UDP is handed over; then a datagram socket binds there, and a
// stream socket with SO_REUSEADDR binds and listens beside the holder.
TEST(HeldPort, HoldsUntilHandedOver) {
  tern_test::HeldPort h;
  ASSERT_TRUE(h.Take());
  ASSERT_NE(h.port, 0);
  for (int family : {AF_INET, AF_INET6}) {
    EXPECT_FALSE(tern_test::PlainBind(family, SOCK_STREAM, h.port)) << family;
    EXPECT_FALSE(tern_test::PlainBind(family, SOCK_DGRAM, h.port)) << family;
  }
  h.HandOverUdp();
  EXPECT_TRUE(tern_test::PlainBind(AF_INET, SOCK_DGRAM, h.port));
  int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(h.port);
  ASSERT_EQ(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
  EXPECT_EQ(bind(l, (sockaddr *)&a, sizeof a), 0);
  EXPECT_EQ(listen(l, 1), 0);
  close(l);
  EXPECT_FALSE(tern_test::PlainBind(AF_INET, SOCK_STREAM, h.port));
  h.LetGo();
  EXPECT_TRUE(tern_test::PlainBind(AF_INET, SOCK_STREAM, h.port));
}

// The port lies outside the kernel's ephemeral range (where the range
// leaves room, as Linux's default 32768..60999 does), so that no
// automatic port lands on it once it is handed over: before, the tests
// held the kernel's pick, inside the range.
TEST(HeldPort, LiesOutsideTheEphemeralRange) {
  long lo = 0, hi = 0;
  FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(fscanf(f, "%ld %ld", &lo, &hi), 2);
  fclose(f);
  // A host whose range leaves no room gets the kernel's pick, held.
  bool room = lo > 1024 || hi < 65535;
  for (int i = 0; i < 20; i++) {
    tern_test::HeldPort h;
    ASSERT_TRUE(h.Take());
    EXPECT_NE(h.port, 0);
    if (room) {
      EXPECT_TRUE(h.port < lo || h.port > hi) << h.port;
    }
  }
}

}  // namespace
