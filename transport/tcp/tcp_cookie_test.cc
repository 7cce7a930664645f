// SYN cookies (RFC 4987 3.6): a cookie made for a SYN checks for the ACK
// that brings it back, grants the MSS the table allows, and fails when
// forged (random, a bit flipped, other endpoints, another ISN or key),
// stale (two periods on, or round the 5-bit counter) or from the future.
#include "tern/tcp_cookie.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tern/err.h"

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

const tern_hsiphash_key kKey = {{0x11223344u, 0x55667788u}};
const tern_endpoint kServer = Ep4(2, 5001);
const tern_endpoint kClient = Ep4(1, 34698);
const uint32_t kPeerIsn = 0x2f581fe3u;  // the SYN of tcp_linux.pcap
const tern_time kNow = 1000000;         // in period 15

int Check(uint32_t cookie, tern_time now, uint16_t *mss,
          const tern_endpoint &local = kServer,
          const tern_endpoint &remote = kClient, uint32_t isn = kPeerIsn,
          const tern_hsiphash_key &key = kKey) {
  return tern_tcp_cookie_check(&key, &local, &remote, isn, cookie, now, mss);
}

TEST(TcpCookie, ChecksAndGrantsTheMss) {
  const struct {
    uint16_t peer, granted;
  } cases[] = {{1460, 1460}, {65535, 1460}, {1459, 1440}, {1440, 1440},
               {1400, 1380}, {1220, 1220},  {1000, 966},  {536, 536},
               {535, 256},   {100, 48},     {0, 48}};
  for (const auto &c : cases) {
    uint32_t cookie =
        tern_tcp_cookie_make(&kKey, &kServer, &kClient, kPeerIsn, c.peer, kNow);
    uint16_t mss = 0;
    EXPECT_EQ(Check(cookie, kNow, &mss), 0) << c.peer;
    EXPECT_EQ(mss, c.granted) << c.peer;
  }
}

TEST(TcpCookie, TheLayoutIsPeriodMssHash) {
  uint32_t cookie =
      tern_tcp_cookie_make(&kKey, &kServer, &kClient, kPeerIsn, 1460, kNow);
  EXPECT_EQ(cookie >> 27, (kNow / TERN_TCP_COOKIE_PERIOD_MS) & 31u);
  EXPECT_EQ((cookie >> 24) & 7u, 7u);  // 1460, the table's last
}

TEST(TcpCookie, ValidForTheCurrentPeriodAndTheOneBefore) {
  // Made at the last millisecond of a period.
  const tern_time made = 3 * TERN_TCP_COOKIE_PERIOD_MS - 1;
  uint32_t cookie =
      tern_tcp_cookie_make(&kKey, &kServer, &kClient, kPeerIsn, 1460, made);
  uint16_t mss;
  EXPECT_EQ(Check(cookie, made, &mss), 0);
  EXPECT_EQ(Check(cookie, made + 1, &mss), 0);  // the next period
  EXPECT_EQ(Check(cookie, made + TERN_TCP_COOKIE_PERIOD_MS, &mss), 0);
  EXPECT_EQ(Check(cookie, made + TERN_TCP_COOKIE_PERIOD_MS + 1, &mss),
            TERN_ETIMEDOUT);  // two periods on
  EXPECT_EQ(Check(cookie, made - TERN_TCP_COOKIE_PERIOD_MS, &mss),
            TERN_ETIMEDOUT);  // from the future
  // When t mod 32 comes round the hash (over all of t) refuses it.
  EXPECT_EQ(Check(cookie, made + 32 * TERN_TCP_COOKIE_PERIOD_MS, &mss),
            TERN_EINVAL);
  EXPECT_EQ(Check(cookie, made + 33 * TERN_TCP_COOKIE_PERIOD_MS, &mss),
            TERN_EINVAL);
}

TEST(TcpCookie, AcrossTheClocksWrap) {
  // Made in the clock's last period, checked in its first after the wrap:
  // one period on.
  const tern_time made = 0xffffff00u;
  uint32_t cookie =
      tern_tcp_cookie_make(&kKey, &kServer, &kClient, kPeerIsn, 536, made);
  uint16_t mss = 0;
  EXPECT_EQ(Check(cookie, made + 0x200, &mss), 0);
  EXPECT_EQ(mss, 536);
  EXPECT_EQ(Check(cookie, made + 0x100 + TERN_TCP_COOKIE_PERIOD_MS, &mss),
            TERN_ETIMEDOUT);
}

TEST(TcpCookie, ForgedCookiesFail) {
  uint32_t cookie =
      tern_tcp_cookie_make(&kKey, &kServer, &kClient, kPeerIsn, 1460, kNow);
  uint16_t mss = 0xbeef;
  // Every single flipped bit: the period bits make it stale or not match,
  // the MSS bits are in the hash, the hash bits are the hash.
  for (int bit = 0; bit < 32; bit++) {
    EXPECT_NE(Check(cookie ^ (1u << bit), kNow, &mss), 0) << bit;
  }
  EXPECT_EQ(mss, 0xbeef);  // untouched by a refusal
  // Other endpoints, another ISN, another key.
  EXPECT_EQ(Check(cookie, kNow, &mss, Ep4(3, 5001)), TERN_EINVAL);
  EXPECT_EQ(Check(cookie, kNow, &mss, kServer, Ep4(1, 34699)), TERN_EINVAL);
  EXPECT_EQ(Check(cookie, kNow, &mss, kClient, kServer), TERN_EINVAL);
  EXPECT_EQ(Check(cookie, kNow, &mss, kServer, kClient, kPeerIsn + 1),
            TERN_EINVAL);
  tern_hsiphash_key other = {{0x11223344u, 0x55667789u}};
  EXPECT_EQ(Check(cookie, kNow, &mss, kServer, kClient, kPeerIsn, other),
            TERN_EINVAL);
  // A blind attacker's guesses with the right period: 2^24 hash values,
  // so of 100,000 guesses about 0.006 should pass; none does here.
  uint32_t x = 12345;
  int accepted = 0;
  for (int i = 0; i < 100000; i++) {
    x = x * 1664525u + 1013904223u;
    uint32_t guess = (cookie & 0xff000000u) | (x >> 8);
    accepted += Check(guess, kNow, &mss) == 0 && guess != cookie;
  }
  EXPECT_EQ(accepted, 0);
}

#if TERN_CONFIG_IPV6  // IPv6 by nature: not in the IPv4-only build
TEST(TcpCookie, Ipv6) {
  tern_endpoint s = Ep6("2001:db8::2", 7), c = Ep6("2001:db8::1", 40000);
  uint32_t cookie = tern_tcp_cookie_make(&kKey, &s, &c, 1, 1440, kNow);
  uint16_t mss = 0;
  EXPECT_EQ(Check(cookie, kNow, &mss, s, c, 1), 0);
  EXPECT_EQ(mss, 1440);
  tern_endpoint c2 = Ep6("2001:db8::1:0:0:1", 40000);
  EXPECT_EQ(Check(cookie, kNow, &mss, s, c2, 1), TERN_EINVAL);
}
#endif

}  // namespace
