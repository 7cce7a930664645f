// The link as a program with LCP, PAP and IPCP only composes it: this
// binary links //link/ppp:ppp without :chap, :md5, :ipv6cp and :keepalive
// (BUILD), so whatever the peer tries, the core alone must answer it:
// CHAP is Nak'd with PAP, CHAP and IPV6CP packets get a Protocol-Reject,
// IPv6 is dropped and refused, no echo goes out, and the rest of the
// link works.
#include <gtest/gtest.h>
#include <string.h>

#include "link/ppp/ppp_test_fixture.h"
#include "tern/err.h"
#include "tern/ppp.h"

namespace {

using namespace ppp_test;

class PppMin : public Ppp {
 protected:
  // LCP up with PAP asked for by the peer and accepted, then IPCP up.
  void UpWithPap() {
    tern_ppp_config c = Default();
    c.user = "u";
    c.password = "p";
    Init(c);
    LcpUp(Cat({Opt(TERN_LCP_MAGIC, Be32(kPeerMagic)),
               Opt(TERN_LCP_AUTH, {0xc0, 0x23})}));
    Frame a = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
    EXPECT_EQ(a.id(), 0x40);
    Frame pap = Expect(TERN_PPP_PROTO_PAP, TERN_PAP_AUTH_REQ);
    EXPECT_EQ(pap.data(), Bytes({1, 'u', 1, 'p'}));
    PeerSend(TERN_PPP_PROTO_PAP, Cp(TERN_PAP_AUTH_ACK, pap.id(), {0}));
    IpcpUp();
    ASSERT_TRUE(Up());
  }

  // The Protocol-Reject of proto sent in answer to info (RFC 1661 5.7:
  // the rejected protocol, then the information).
  void ExpectProtocolReject(uint16_t proto, const Bytes &info) {
    uint32_t before = tern_ppp_get_stats(&ppp_)->proto_rej;
    PeerSend(proto, info);
    Frame rej = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_PROTO_REJ);
    Bytes want = {(uint8_t)(proto >> 8), (uint8_t)proto};
    want.insert(want.end(), info.begin(), info.end());
    EXPECT_EQ(rej.data(), want);
    EXPECT_EQ(tern_ppp_get_stats(&ppp_)->proto_rej, before + 1);
  }
};

// The peer wants CHAP with MD5: without :chap we can do only PAP, and
// say so in a Nak; it then asks for PAP, which we ack and do.
TEST_F(PppMin, ChapIsNakedWithPapAndPapThenWorks) {
  tern_ppp_config c = Default();
  c.user = "u";
  c.password = "p";
  Init(c);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 3, Opt(TERN_LCP_AUTH, {0xc2, 0x23, 0x05})));
  Frame nak = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
  EXPECT_EQ(nak.id(), 3);
  EXPECT_EQ(nak.data(), Opt(TERN_LCP_AUTH, {0xc0, 0x23}));
  LcpUpWith(req, Opt(TERN_LCP_AUTH, {0xc0, 0x23}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  Frame pap = Expect(TERN_PPP_PROTO_PAP, TERN_PAP_AUTH_REQ);
  PeerSend(TERN_PPP_PROTO_PAP, Cp(TERN_PAP_AUTH_ACK, pap.id(), {0}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  IpcpUp();
  EXPECT_TRUE(Up());
}

// A CHAP challenge anyway (a peer that ignored the Nak): CHAP is not a
// protocol this build knows, so it is protocol-rejected, never answered.
TEST_F(PppMin, ChapPacketsAreProtocolRejected) {
  UpWithPap();
  ExpectProtocolReject(TERN_PPP_PROTO_CHAP,
                       Cp(TERN_CHAP_CHALLENGE, 7, {2, 0xaa, 0xbb}));
  for (const Frame &f : Sent()) {
    EXPECT_NE(f.proto, TERN_PPP_PROTO_CHAP);
  }
  EXPECT_TRUE(Up());
}

// IPV6CP from the peer: protocol-rejected (RFC 1661 5.7); IPv6 packets
// (never negotiated) are dropped and counted as IPv4 is before IPCP;
// IPv4 is unaffected, and we never send IPV6CP.
TEST_F(PppMin, Ipv6cpIsProtocolRejectedAndIpv6Dropped) {
  UpWithPap();
  ExpectProtocolReject(TERN_PPP_PROTO_IPV6CP,
                       Cp(TERN_PPP_CONF_REQ, 1,
                          Opt(TERN_IPV6CP_IFID, {2, 0, 0, 0, 0, 0, 0, 1})));
  Bytes v6 = {0x60, 0, 0, 0, 0, 0, 17, 64};
  v6.resize(40, 0);
  uint32_t not_open = tern_ppp_get_stats(&ppp_)->not_open;
  PeerSend(TERN_PPP_PROTO_IPV6, v6);
  EXPECT_TRUE(up_.empty());
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->not_open, not_open + 1);

  // An IPv4 datagram still goes up.
  Bytes v4 = {0x45, 0, 0,  20, 0, 0, 0,  0, 64, 17,
              0,    0, 10, 0,  0, 1, 10, 0, 0,  2};
  PeerSend(TERN_PPP_PROTO_IPV4, v4);
  ASSERT_EQ(up_.size(), 1u);
  EXPECT_EQ(up_[0], v4);
  for (const Frame &f : Sent()) {
    EXPECT_NE(f.proto, TERN_PPP_PROTO_IPV6CP);
  }
}

// An IPv6 packet from the application: refused (no IPV6CP), counted, and
// nothing is framed as 0x0057.
TEST_F(PppMin, Ipv6SendsAreRefused) {
  UpWithPap();
  tern_pkt *pkt = tern_pkt_pool_try_alloc(&pool_);
  ASSERT_NE(pkt, nullptr);
  tern_pkt_reserve(pkt, 4);
  uint8_t *d = tern_pkt_put(pkt, 40);
  ASSERT_NE(d, nullptr);
  memset(d, 0, 40);
  d[0] = 0x60;
  int err = 0;
  ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, pkt, &err), TERN_READY);
  EXPECT_EQ(err, TERN_EAFNOSUPPORT);
  EXPECT_EQ(tern_netdev_get_stats(&dev_)->tx_drop_error, 1u);
  for (const Frame &f : Sent()) {
    EXPECT_NE(f.proto, TERN_PPP_PROTO_IPV6);
  }
}

// IPCP protocol-rejected by the peer: with no other network protocol
// linked, LCP ends the link (nothing left to carry).
TEST_F(PppMin, IpcpProtocolRejectedEndsTheLink) {
  Init(Default());
  LcpUp();
  Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_PROTO_REJ, 9, {0x80, 0x21, 1, 1}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_REJECTED);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_TERMINATE);
  EXPECT_FALSE(Up());
}

// Without :keepalive no Echo-Request goes out however long the link is
// up, and the peer's echoes are still answered (RFC 1661 5.8).
TEST_F(PppMin, NoKeepaliveButEchoesAnswered) {
  UpWithPap();
  for (int i = 0; i < 10; i++) {
    Advance(5000);
    for (const Frame &f : Sent()) {
      EXPECT_FALSE(f.proto == TERN_PPP_PROTO_LCP &&
                   f.code() == TERN_PPP_ECHO_REQ);
    }
  }
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->echo_sent, 0u);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_ECHO_REQ, 5, Be32(kPeerMagic)));
  Frame r = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REPLY);
  EXPECT_EQ(r.id(), 5);
  EXPECT_TRUE(Up());
}

}  // namespace
