// Initial sequence numbers (RFC 6528): the clock part moves at 250 a
// millisecond, the hash part depends on every field of the 4-tuple and on
// the key, and is the documented composition.
#include "tern/tcp_isn.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

namespace {

tern_endpoint Ep4(uint8_t last, uint16_t port) {
  tern_endpoint e = {};
  e.addr.family = TERN_IP_V4;
  e.addr.u.v4 = tern_ipv4(192, 0, 2, last);
  e.port = port;
  return e;
}

#if TERN_CONFIG_IPV6  // IPv6 by nature: not in the IPv4-only build
tern_endpoint Ep6(const char *text, uint16_t port) {
  tern_endpoint e = {};
  e.addr.family = TERN_IP_V6;
  EXPECT_EQ(tern_ipv6_parse(&e.addr.u.v6, text, strlen(text)), 0);
  e.port = port;
  return e;
}
#endif

const tern_hsiphash_key kKey = {{0x03020100u, 0x07060504u}};

TEST(TcpIsn, IsTheClockPlusTheHashOfTheTuple) {
  tern_endpoint l = Ep4(1, 34698), r = Ep4(2, 5001);
  // The documented input: local address, remote address, local port,
  // remote port, big-endian.
  const uint8_t in[12] = {192, 0, 2, 1, 192, 0, 2, 2, 0x87, 0x8a, 0x13, 0x89};
  uint32_t f = tern_hsiphash(&kKey, in, sizeof in);
  EXPECT_EQ(tern_tcp_isn(&kKey, &l, &r, 0), f);
  EXPECT_EQ(tern_tcp_isn(&kKey, &l, &r, 1000), f + 250000u);
  // The clock wraps with the sequence space.
  EXPECT_EQ(tern_tcp_isn(&kKey, &l, &r, 0xffffffffu), f - 250u);
}

TEST(TcpIsn, LaterConnectionsStartLater) {
  tern_endpoint l = Ep4(1, 40000), r = Ep4(2, 7);
  uint32_t prev = tern_tcp_isn(&kKey, &l, &r, 5000);
  for (uint32_t t = 5001; t < 5100; t++) {
    uint32_t isn = tern_tcp_isn(&kKey, &l, &r, t);
    EXPECT_EQ(isn - prev, 250u);
    prev = isn;
  }
}

TEST(TcpIsn, EveryFieldAndTheKeyChangeIt) {
  tern_endpoint l = Ep4(1, 40000), r = Ep4(2, 7);
  std::set<uint32_t> seen;
  seen.insert(tern_tcp_isn(&kKey, &l, &r, 0));
  seen.insert(tern_tcp_isn(&kKey, &r, &l, 0));  // the other direction
  tern_endpoint l2 = Ep4(3, 40000), r2 = Ep4(2, 8), l3 = Ep4(1, 40001);
  seen.insert(tern_tcp_isn(&kKey, &l2, &r, 0));
  seen.insert(tern_tcp_isn(&kKey, &l, &r2, 0));
  seen.insert(tern_tcp_isn(&kKey, &l3, &r, 0));
  tern_hsiphash_key other = {{0x03020100u, 0x07060505u}};
  seen.insert(tern_tcp_isn(&other, &l, &r, 0));
  EXPECT_EQ(seen.size(), 6u);
  // 10,000 ports from one client: no two ISNs the same under this key (the
  // hash spreads them over the space rather than counting).
  std::set<uint32_t> ports;
  for (uint16_t p = 40000; p < 50000; p++) {
    tern_endpoint lp = Ep4(1, p);
    ports.insert(tern_tcp_isn(&kKey, &lp, &r, 0));
  }
  EXPECT_EQ(ports.size(), 10000u);
}

#if TERN_CONFIG_IPV6  // IPv6 by nature: not in the IPv4-only build
TEST(TcpIsn, Ipv6HashesAllSixteenBytes) {
  tern_endpoint l = Ep6("2001:db8::1", 40000), r = Ep6("2001:db8::2", 7);
  uint8_t in[36];
  memcpy(in, l.addr.u.v6.b, 16);
  memcpy(in + 16, r.addr.u.v6.b, 16);
  const uint8_t ports[4] = {0x9c, 0x40, 0x00, 0x07};
  memcpy(in + 32, ports, 4);
  EXPECT_EQ(tern_tcp_isn(&kKey, &l, &r, 0), tern_hsiphash(&kKey, in, 36));
  tern_endpoint l2 = Ep6("2001:db8::1:0:0:1", 40000);  // differs in byte 9
  EXPECT_NE(tern_tcp_isn(&kKey, &l2, &r, 0), tern_tcp_isn(&kKey, &l, &r, 0));
}
#endif

}  // namespace
