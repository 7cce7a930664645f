// The AT command formatters: golden lines and every argument check.
#include "tern/at_cmd.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace {

tern_endpoint Ep(const char *text) {
  tern_endpoint e;
  EXPECT_EQ(0, tern_endpoint_parse(&e, text, strlen(text))) << text;
  return e;
}

std::string Out(const char *buf, int n) {
  return n < 0 ? "error " + std::to_string(n) : std::string(buf, n);
}

TEST(AtCmd, Constants) {
  EXPECT_STREQ("AT\r\n", TERN_AT_CMD_AT);
  EXPECT_STREQ("ATE0\r\n", TERN_AT_CMD_ECHO_OFF);
  EXPECT_STREQ("AT+CIPMUX=1\r\n", TERN_AT_CMD_MUX_ON);
  EXPECT_STREQ("AT+CIPDINFO=1\r\n", TERN_AT_CMD_DINFO_ON);
}

TEST(AtCmd, CipstartTcpAndUdp) {
  char b[TERN_AT_CMD_MAX];
  tern_endpoint e = Ep("1.2.3.4:80");
  EXPECT_EQ("AT+CIPSTART=0,\"TCP\",\"1.2.3.4\",80\r\n",
            Out(b, tern_at_cmd_cipstart(b, sizeof b, 0, TERN_AT_TCP, &e, 0)));
  tern_endpoint u = Ep("192.0.2.10:5353");
  EXPECT_EQ("AT+CIPSTART=4,\"UDP\",\"192.0.2.10\",5353\r\n",
            Out(b, tern_at_cmd_cipstart(b, sizeof b, 4, TERN_AT_UDP, &u, 0)));
  EXPECT_EQ(
      "AT+CIPSTART=15,\"UDP\",\"192.0.2.10\",5353,1112\r\n",
      Out(b, tern_at_cmd_cipstart(b, sizeof b, 15, TERN_AT_UDP, &u, 1112)));
}

#if TERN_CONFIG_IPV6  // IPv6 endpoints: refused in an IPv4-only build
TEST(AtCmd, CipstartIpv6) {
  char b[TERN_AT_CMD_MAX];
  tern_endpoint e = Ep("[2001:db8::1]:443");
  EXPECT_EQ("AT+CIPSTART=1,\"TCPv6\",\"2001:db8::1\",443\r\n",
            Out(b, tern_at_cmd_cipstart(b, sizeof b, 1, TERN_AT_TCP, &e, 0)));
  EXPECT_EQ("AT+CIPSTART=1,\"UDPv6\",\"2001:db8::1\",443,9\r\n",
            Out(b, tern_at_cmd_cipstart(b, sizeof b, 1, TERN_AT_UDP, &e, 9)));
  tern_endpoint z = Ep("[fe80::1%2]:443");
  EXPECT_EQ(TERN_ENOTSUP,
            tern_at_cmd_cipstart(b, sizeof b, 1, TERN_AT_TCP, &z, 0));
}
#endif

#if TERN_CONFIG_IPV6  // IPv6 endpoints: refused in an IPv4-only build
TEST(AtCmd, LongestCommandFitsTheMax) {
  char b[TERN_AT_CMD_MAX];
  tern_endpoint e = Ep("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
  int n = tern_at_cmd_cipstart(b, sizeof b, TERN_AT_CMD_LINK_MAX, TERN_AT_UDP,
                               &e, 65535);
  ASSERT_GT(n, 0);
  EXPECT_LE(n, TERN_AT_CMD_MAX);
}
#endif

TEST(AtCmd, CipstartChecksItsArguments) {
  char b[TERN_AT_CMD_MAX];
  memset(b, 'q', sizeof b);
  tern_endpoint e = Ep("1.2.3.4:80");
  EXPECT_EQ(TERN_EINVAL,
            tern_at_cmd_cipstart(b, sizeof b, 16, TERN_AT_TCP, &e, 0));
  EXPECT_EQ(TERN_EINVAL,
            tern_at_cmd_cipstart(b, sizeof b, 0, (tern_at_proto)2, &e, 0));
  EXPECT_EQ(TERN_EINVAL,
            tern_at_cmd_cipstart(b, sizeof b, 0, TERN_AT_TCP, nullptr, 0));
  EXPECT_EQ(TERN_EINVAL,
            tern_at_cmd_cipstart(b, sizeof b, 0, TERN_AT_TCP, &e, 1000));
  tern_endpoint p0 = e;
  p0.port = 0;
  EXPECT_EQ(TERN_EINVAL,
            tern_at_cmd_cipstart(b, sizeof b, 0, TERN_AT_UDP, &p0, 0));
  tern_endpoint none = e;
  none.addr.family = TERN_IP_NONE;
  EXPECT_EQ(TERN_EINVAL,
            tern_at_cmd_cipstart(b, sizeof b, 0, TERN_AT_UDP, &none, 0));
  EXPECT_EQ(TERN_EINVAL,
            tern_at_cmd_cipstart(nullptr, 64, 0, TERN_AT_TCP, &e, 0));
  for (char c : b) {
    ASSERT_EQ('q', c);  // nothing written by any of them
  }
}

TEST(AtCmd, ShortBufferIsLeftAlone) {
  tern_endpoint e = Ep("1.2.3.4:80");
  const std::string want = "AT+CIPSTART=0,\"TCP\",\"1.2.3.4\",80\r\n";
  char b[TERN_AT_CMD_MAX];
  memset(b, 'q', sizeof b);
  EXPECT_EQ(TERN_ENOSPC,
            tern_at_cmd_cipstart(b, want.size() - 1, 0, TERN_AT_TCP, &e, 0));
  EXPECT_EQ('q', b[0]);
  EXPECT_EQ(static_cast<int>(want.size()),
            tern_at_cmd_cipstart(b, want.size(), 0, TERN_AT_TCP, &e, 0));
  EXPECT_EQ(want, std::string(b, want.size()));
  EXPECT_EQ('q', b[want.size()]);  // no NUL written after it

  EXPECT_EQ(TERN_ENOSPC, tern_at_cmd_cipsend(b, 18, 0, 2048));
  EXPECT_EQ(19, tern_at_cmd_cipsend(b, 19, 0, 2048));
  EXPECT_EQ(TERN_ENOSPC, tern_at_cmd_cipclose(b, 0, 0));
}

TEST(AtCmd, Cipsend) {
  char b[TERN_AT_CMD_MAX];
  EXPECT_EQ("AT+CIPSEND=0,1\r\n",
            Out(b, tern_at_cmd_cipsend(b, sizeof b, 0, 1)));
  EXPECT_EQ("AT+CIPSEND=15,2048\r\n",
            Out(b, tern_at_cmd_cipsend(b, sizeof b, 15, TERN_AT_SEND_MAX)));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipsend(b, sizeof b, 0, 0));
  EXPECT_EQ(TERN_EINVAL,
            tern_at_cmd_cipsend(b, sizeof b, 0, TERN_AT_SEND_MAX + 1));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipsend(b, sizeof b, 16, 1));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipsend(b, sizeof b, 0, (size_t)-1));
}

#if TERN_CONFIG_IPV6  // IPv6 endpoints: refused in an IPv4-only build
TEST(AtCmd, CipsendTo) {
  char b[TERN_AT_CMD_MAX];
  tern_endpoint e = Ep("192.0.2.9:53");
  EXPECT_EQ("AT+CIPSEND=4,12,\"192.0.2.9\",53\r\n",
            Out(b, tern_at_cmd_cipsend_to(b, sizeof b, 4, 12, &e)));
  tern_endpoint v6 = Ep("[2001:db8::53]:5353");
  EXPECT_EQ("AT+CIPSEND=0,2048,\"2001:db8::53\",5353\r\n",
            Out(b, tern_at_cmd_cipsend_to(b, sizeof b, 0, 2048, &v6)));
  // The longest fits.
  tern_endpoint f = Ep("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
  EXPECT_GT(tern_at_cmd_cipsend_to(b, sizeof b, 15, 2048, &f), 0);
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipsend_to(b, sizeof b, 16, 1, &e));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipsend_to(b, sizeof b, 0, 0, &e));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipsend_to(b, sizeof b, 0, 2049, &e));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipsend_to(b, sizeof b, 0, 1, nullptr));
  tern_endpoint p0 = e;
  p0.port = 0;
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipsend_to(b, sizeof b, 0, 1, &p0));
  tern_endpoint none = e;
  none.addr.family = TERN_IP_NONE;
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipsend_to(b, sizeof b, 0, 1, &none));
  tern_endpoint z = Ep("[fe80::1%2]:53");
  EXPECT_EQ(TERN_ENOTSUP, tern_at_cmd_cipsend_to(b, sizeof b, 0, 1, &z));
  EXPECT_EQ(TERN_ENOSPC, tern_at_cmd_cipsend_to(b, 10, 4, 12, &e));
}
#endif

TEST(AtCmd, Ciprecvdata) {
  char b[TERN_AT_CMD_MAX];
  EXPECT_EQ("AT+CIPRECVDATA=0,512\r\n",
            Out(b, tern_at_cmd_ciprecvdata(b, sizeof b, 0, 512)));
  EXPECT_EQ("AT+CIPRECVDATA=15,2048\r\n",
            Out(b, tern_at_cmd_ciprecvdata(b, sizeof b, 15, 2048)));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_ciprecvdata(b, sizeof b, 0, 0));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_ciprecvdata(b, sizeof b, 0, 2049));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_ciprecvdata(b, sizeof b, 16, 1));
  b[0] = 'q';
  EXPECT_EQ(TERN_ENOSPC, tern_at_cmd_ciprecvdata(b, 22, 0, 2048));
  EXPECT_EQ('q', b[0]);
  EXPECT_EQ(23, tern_at_cmd_ciprecvdata(b, 23, 0, 2048));
}

TEST(AtCmd, Cipclose) {
  char b[TERN_AT_CMD_MAX];
  EXPECT_EQ("AT+CIPCLOSE=3\r\n", Out(b, tern_at_cmd_cipclose(b, sizeof b, 3)));
  EXPECT_EQ("AT+CIPCLOSE=10\r\n",
            Out(b, tern_at_cmd_cipclose(b, sizeof b, 10)));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipclose(b, sizeof b, 16));
}

TEST(AtCmd, Cipserver) {
  char b[TERN_AT_CMD_MAX];
  EXPECT_EQ("AT+CIPSERVER=1,80\r\n",
            Out(b, tern_at_cmd_cipserver(b, sizeof b, 80)));
  EXPECT_EQ("AT+CIPSERVER=1,65535\r\n",
            Out(b, tern_at_cmd_cipserver(b, sizeof b, 65535)));
  EXPECT_EQ(TERN_EINVAL, tern_at_cmd_cipserver(b, sizeof b, 0));
  b[0] = 'q';
  EXPECT_EQ(TERN_ENOSPC, tern_at_cmd_cipserver(b, 21, 65535));
  EXPECT_EQ('q', b[0]);
  EXPECT_STREQ("AT+CIPSERVER=0\r\n", TERN_AT_CMD_SERVER_OFF);
  EXPECT_STREQ("AT+CIPSTO=0\r\n", TERN_AT_CMD_STO_OFF);
}

}  // namespace
