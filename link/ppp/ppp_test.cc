// The PPP link against a scripted peer over an in-memory stream, in
// virtual time (the sim port): slirp's captured session replayed, and
// every negotiation path. CHAP and IPV6CP are linked here; ppp_min_test
// has the link without them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "link/ppp/ppp_test_fixture.h"
#include "link/ppp/ppp_test_vectors.h"
#include "tern/md5.h"
#include "tern/ppp.h"

namespace {

using namespace ppp_test;

// slirp's side of the captured session, fed as slirp wrote it: our
// answers are the captured peer's, byte for byte, where the captured peer
// decided as we do; the link comes up with the addresses slirp gave, and
// the datagrams cross.
TEST_F(Ppp, GoldenSlirpSession) {
  tern_ppp_config c = Default();
  memcpy(c.peer_addr, "\xc0\x00\x02\x02", 4);  // 192.0.2.2, as the peer did
  c.want_dns = 1;
  Init(c);
  // Our first LCP request: ACCM 0, a magic number, PFC, ACFC.
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.id(), 1);
  EXPECT_EQ(req.Opt(TERN_LCP_ACCM), Bytes({0, 0, 0, 0}));
  EXPECT_EQ(req.Opt(TERN_LCP_MAGIC).size(), 4u);
  EXPECT_TRUE(req.Has(TERN_LCP_PFC));
  EXPECT_TRUE(req.Has(TERN_LCP_ACFC));
  // Everything slirp sent but its final Terminate-Ack (17 bytes). slirp's
  // LCP Ack, its second frame, acks the captured peer's request (ACCM 0,
  // magic 5a5a1234), not ours (ACCM 0, our magic, PFC, ACFC): no Ack of
  // ours (RFC 1661 5.2), it is discarded and counted, and an Ack of ours
  // goes in its place.
  const uint8_t *rx = ppp_vectors::kSlirpRx;
  const size_t term_ack = 17;
  size_t two_frames = 0;  // after the fourth flag: each frame has two
  for (int flags = 0; flags < 4; two_frames++) {
    flags += rx[two_frames] == 0x7e;
  }
  PeerRaw(rx, two_frames);
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, 1u);
  AckOurs(req);
  PeerRaw(rx + two_frames,
          sizeof ppp_vectors::kSlirpRx - term_ack - two_frames);
  Sent();
  ASSERT_EQ(up_.size(), 1u);  // slirp's echoed datagram
  Bytes udp(ppp_vectors::kFrames[17].data + 4,
            ppp_vectors::kFrames[17].data + ppp_vectors::kFrames[17].len);
  EXPECT_EQ(up_[0], udp);
  // What we answered, as the captured peer did (frames 4, 5, 8, 9, 11, 13,
  // 16), in that order.
  std::vector<Bytes> want;
  for (int i : {4, 5, 8, 9, 11, 13, 16}) {
    const auto &f = ppp_vectors::kFrames[i - 1];
    want.emplace_back(f.data, f.data + f.len);
  }
  std::vector<Bytes> got(full_.begin() + 1, full_.end());
  EXPECT_EQ(got, want);
  EXPECT_TRUE(Up());
  EXPECT_EQ(Events(), (uint32_t)TERN_NETDEV_EV_LINK);
  tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&ppp_);
  EXPECT_EQ(Bytes(v4.local, v4.local + 4), Bytes({10, 0, 2, 15}));
  EXPECT_EQ(Bytes(v4.peer, v4.peer + 4), Bytes({192, 0, 2, 2}));
  EXPECT_EQ(Bytes(v4.dns1, v4.dns1 + 4), Bytes({127, 0, 0, 1}));
  EXPECT_EQ(tern_netdev_get_info(&dev_).mtu, 1500);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  // Our datagram: slirp asked for PFC and ACFC and no ACCM, so the frame
  // is "21" and the packet, every control character escaped.
  const auto &f17 = ppp_vectors::kFrames[16];
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool_);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
  memcpy(tern_pkt_put(p, f17.len - 4), f17.data + 4, f17.len - 4);
  int err = 1;
  ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, p, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  raw_.clear();
  std::vector<Frame> out = Sent();
  ASSERT_EQ(out.size(), 1u);
  Bytes want_udp = {0x21};
  want_udp.insert(want_udp.end(), f17.data + 4, f17.data + f17.len);
  EXPECT_EQ(full_.back(), want_udp);
  EXPECT_EQ(std::count(raw_.begin(), raw_.end(), 0x11), 0);
  EXPECT_EQ(std::count(raw_.begin(), raw_.end(), 0x13), 0);
  // We end it; slirp's Terminate-Ack (id 3: ours too) closes LCP.
  tern_ppp_close(&ppp_);
  Frame term = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(term.id(), 3);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_TERMINATE);
  EXPECT_FALSE(Up());
  EXPECT_EQ(Events(), (uint32_t)TERN_NETDEV_EV_LINK);
  PeerRaw(ppp_vectors::kSlirpRx + sizeof ppp_vectors::kSlirpRx - term_ack,
          term_ack);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_TERMINATED);
  Advance(10000);
  EXPECT_TRUE(Sent().empty());  // closed: nothing more
  const tern_netdev_stats *st = tern_netdev_get_stats(&dev_);
  EXPECT_EQ(st->rx_packets, 1u);
  EXPECT_EQ(st->tx_packets, 1u);
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->proto_rej, 1u);
}

TEST_F(Ppp, UpAndDatagramsBothWays) {
  Init(Default());
  LcpUp();
  Frame ack = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  EXPECT_EQ(ack.id(), 0x40);
  EXPECT_FALSE(Up());
  IpcpUp();
  EXPECT_TRUE(Up());
  EXPECT_EQ(Events(), (uint32_t)TERN_NETDEV_EV_LINK);
  EXPECT_EQ(Events(), 0u);
  tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&ppp_);
  EXPECT_EQ(Bytes(v4.local, v4.local + 4), Bytes({10, 0, 0, 2}));
  EXPECT_EQ(Bytes(v4.peer, v4.peer + 4), Bytes({10, 0, 0, 1}));
  Bytes ip = {0x45, 0, 0,  20, 0, 0, 0,  0, 64, 17,
              0,    0, 10, 0,  0, 1, 10, 0, 0,  2};
  PeerSend(TERN_PPP_PROTO_IPV4, ip);
  ASSERT_EQ(up_.size(), 1u);
  EXPECT_EQ(up_[0], ip);
  // Compressed fields are accepted too: "21" then the packet.
  Bytes f = Cat({{0x21}, ip});
  tern_ppp_hdlc_encoder e;
  tern_ppp_hdlc_encoder_start(&e, f.data(), f.size(), 0, TERN_PPP_FCS16);
  uint8_t enc[128];
  size_t n = tern_ppp_hdlc_encoder_fill(&e, enc, sizeof enc);
  PeerRaw(enc, n);
  ASSERT_EQ(up_.size(), 2u);
  EXPECT_EQ(up_[1], ip);
  // The peer did not ask for PFC/ACFC: our frames are uncompressed.
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool_);
  ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
  memcpy(tern_pkt_put(p, ip.size()), ip.data(), ip.size());
  int err;
  ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, p, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  Sent();
  EXPECT_EQ(full_.back(), Cat({{0xff, 0x03, 0x00, 0x21}, ip}));
}

TEST_F(Ppp, SendRefusedWhileDownTooLongOrWithoutHeadroom) {
  Init(Default());
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool_);
  ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
  tern_pkt_put(p, 20);
  int err = 0;
  ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ENETDOWN);
  LcpUp();
  IpcpUp();
  p = tern_pkt_pool_try_alloc(&pool_);
  tern_pkt_put(p, 20);  // no headroom
  ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_ENOSPC);
  p = tern_pkt_pool_try_alloc(&pool_);
  ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
  tern_pkt_put(p, 1501);
  ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_EMSGSIZE);
  p = tern_pkt_pool_try_alloc(&pool_);
  ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
  tern_pkt_put(p, 40)[0] = 0x60;  // IPv6: not negotiated
  ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_EAFNOSUPPORT);
  const tern_netdev_stats *st = tern_netdev_get_stats(&dev_);
  EXPECT_EQ(st->tx_drop_down, 1u);
  EXPECT_EQ(st->tx_drop_no_room, 1u);
  EXPECT_EQ(st->tx_drop_too_long, 1u);
  EXPECT_EQ(st->tx_drop_error, 1u);
  EXPECT_EQ(st->tx_packets, 0u);
}

// A later request that leaves an option out takes it back: the peer first
// asks for PFC, ACFC and a small MRU, then for none of them.
TEST_F(Ppp, OptionsLeftOutOfALaterRequestAreDefaultsAgain) {
  Init(Default());
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1,
              Cat({Opt(TERN_LCP_MRU, {0x02, 0x40}), Opt(TERN_LCP_PFC, {}),
                   Opt(TERN_LCP_ACFC, {})})));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, 2, {}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  AckOurs(req);
  IpcpUp();
  ASSERT_TRUE(Up());
  EXPECT_EQ(tern_netdev_get_info(&dev_).mtu, 1500);
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool_);
  ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
  memset(tern_pkt_put(p, 20), 0x45, 20);
  int err;
  ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, p, &err), TERN_READY);
  Sent();
  ASSERT_GE(full_.back().size(), 4u);
  EXPECT_EQ(Bytes(full_.back().begin(), full_.back().begin() + 4),
            Bytes({0xff, 0x03, 0x00, 0x21}));
}

// An unknown code (LCP Identification, 12, which some peers send first)
// is Code-Rejected without using up our Configure-Request's identifier:
// the peer's Ack of that request still opens LCP at once.
TEST_F(Ppp, ACodeRejectLeavesOurRequestCurrent) {
  Init(Default());
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(12, 0x33, {0, 0, 0, 0}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CODE_REJ);
  LcpUpWith(req);
  IpcpUp();
  EXPECT_TRUE(Up());
}

TEST_F(Ppp, PeerMruBecomesTheMtu) {
  Init(Default());
  LcpUp(Cat({Opt(TERN_LCP_MRU, {0x02, 0x40}),
             Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))}));
  IpcpUp();
  EXPECT_EQ(tern_netdev_get_info(&dev_).mtu, 576);
}

// An answer to a Configure-Request carries its options whole (RFC 1661
// 5.2-5.4), however long the request and whatever MRU it grants; a
// Code-Reject carries as much of the rejected packet as the peer's MRU
// allows (5.6).
TEST_F(Ppp, AnAckIsNeverCutToThePeersMruButACodeRejectIs) {
  Init(Default());
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  // 576 (the least we take) and 100 ACCM options: 608 bytes, all ours to
  // ack.
  Bytes opts = Cat(
      {Opt(TERN_LCP_MRU, {0x02, 0x40}), Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))});
  for (int i = 0; i < 100; i++) {
    opts = Cat({opts, Opt(TERN_LCP_ACCM, {0, 0, 0, 0})});
  }
  LcpUpWith(req, opts);
  for (int i = 0; i < 4; i++) {
    Run();  // a poll decodes TERN_PPP_RX_BUDGET bytes at most
  }
  Frame ack = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  EXPECT_EQ(ack.info.size(), 4 + opts.size());
  EXPECT_EQ(ack.data(), opts);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  Sent();
  Bytes odd = Cp(42, 3, Bytes(996, 7));
  PeerSend(TERN_PPP_PROTO_LCP, odd);
  for (int i = 0; i < 4; i++) {
    Run();
  }
  Frame cr = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CODE_REJ);
  ASSERT_EQ(cr.info.size(), 576u);
  EXPECT_EQ(cr.info[2] << 8 | cr.info[3], 576);
  EXPECT_EQ(cr.data(), Bytes(odd.begin(), odd.begin() + 572));
}

TEST_F(Ppp, WeNakATinyMruAndRejectWhatWeDoNotKnow) {
  Init(Default());
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 7, Opt(TERN_LCP_MRU, {0x00, 0x40})));
  Frame nak = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
  EXPECT_EQ(nak.id(), 7);
  EXPECT_EQ(nak.data(), Opt(TERN_LCP_MRU, {0x05, 0xdc}));
  // 575, one below what IPv4 needs: Nak'd as well.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 9, Opt(TERN_LCP_MRU, {0x02, 0x3f})));
  nak = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
  EXPECT_EQ(nak.id(), 9);
  EXPECT_EQ(nak.data(), Opt(TERN_LCP_MRU, {0x05, 0xdc}));
  // Quality protocol and an unknown option: rejected, the rest not echoed.
  Bytes q = Opt(TERN_LCP_QUALITY, {0xc0, 0x25, 0, 0, 0, 10});
  Bytes u = Opt(42, {1, 2});
  PeerSend(
      TERN_PPP_PROTO_LCP,
      Cp(TERN_PPP_CONF_REQ, 8, Cat({Opt(TERN_LCP_MRU, {0x00, 0x40}), q, u})));
  Frame rej = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REJ);
  EXPECT_EQ(rej.id(), 8);
  EXPECT_EQ(rej.data(), Cat({q, u}));
}

TEST_F(Ppp, PeerNaksAndRejectsOurOptions) {
  tern_ppp_config c = Default();
  c.mru = 1000;
  Init(c);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_LCP_MRU), Bytes({0x03, 0xe8}));
  // The peer wants a different MRU, an ACCM with XON/XOFF, another magic.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_NAK, req.id(),
              Cat({Opt(TERN_LCP_MRU, {0x05, 0xdc}),
                   Opt(TERN_LCP_ACCM, {0, 0x0a, 0, 0}),
                   Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))})));
  Frame req2 = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req2.id(), req.id() + 1);
  // 1500 does not fit our buffers: we ask for ours again.
  EXPECT_EQ(req2.Opt(TERN_LCP_MRU), Bytes({0x03, 0xe8}));
  EXPECT_EQ(req2.Opt(TERN_LCP_ACCM), Bytes({0, 0x0a, 0, 0}));
  EXPECT_NE(req2.Opt(TERN_LCP_MAGIC), req.Opt(TERN_LCP_MAGIC));
  // Then it rejects PFC and ACFC.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REJ, req2.id(),
              Cat({Opt(TERN_LCP_PFC, {}), Opt(TERN_LCP_ACFC, {})})));
  Frame req3 = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_FALSE(req3.Has(TERN_LCP_PFC));
  EXPECT_FALSE(req3.Has(TERN_LCP_ACFC));
  EXPECT_TRUE(req3.Has(TERN_LCP_MAGIC));
  // A Nak with a stale identifier is ignored.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_LCP_PFC, {})));
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, 1u);
}

// A Configure-Reject names options of our last request, in its order and
// unchanged (RFC 1661 5.4); one that does not is invalid, discarded and
// counted: a magic number of another value must not turn our loop
// detection off, nor an option we never asked for or a reordered list
// change what we ask for.
TEST_F(Ppp, ARejectThatIsNotASubsetOfOurRequestIsDiscarded) {
  Init(Default());
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  Bytes magic = req.Opt(TERN_LCP_MAGIC);
  ASSERT_EQ(magic.size(), 4u);
  Bytes other = magic;
  other[3] ^= 1;
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REJ, req.id(), Opt(TERN_LCP_MAGIC, other)));
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REJ, req.id(), Opt(TERN_LCP_MRU, {0x05, 0xdc})));
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REJ, req.id(),
              Cat({Opt(TERN_LCP_ACFC, {}), Opt(TERN_LCP_PFC, {})})));
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, 3u);
  // Our request goes again as it was.
  Advance(1000);
  Frame again = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(again.data(), req.data());
  // A subset, in order, with our values: taken.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REJ, again.id(),
              Cat({Opt(TERN_LCP_MAGIC, magic), Opt(TERN_LCP_ACFC, {})})));
  Frame req3 = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_FALSE(req3.Has(TERN_LCP_MAGIC));
  EXPECT_FALSE(req3.Has(TERN_LCP_ACFC));
  EXPECT_TRUE(req3.Has(TERN_LCP_PFC));
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, 3u);
}

// A Configure-Ack names exactly the options of our last request, in its
// order and unchanged (RFC 1661 5.2); one with our identifier that does
// not (an option left out, a value changed, one added) is discarded and
// counted, and does not open LCP.
TEST_F(Ppp, AnAckThatIsNotOurRequestIsDiscarded) {
  Init(Default());
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  ASSERT_TRUE(req.Has(TERN_LCP_ACFC));
  Bytes opts = req.data();
  Bytes shorter(opts.begin(), opts.end() - 2);  // ACFC, last, left out
  Bytes magic = req.Opt(TERN_LCP_MAGIC);
  ASSERT_EQ(magic.size(), 4u);
  Bytes changed = opts;  // the magic number's last byte flipped
  changed[(size_t)(std::search(changed.begin(), changed.end(), magic.begin(),
                               magic.end()) -
                   changed.begin()) +
          3] ^= 1;
  Bytes longer = Cat({opts, Opt(TERN_LCP_AUTH, {0xc0, 0x23})});
  for (const Bytes &o : {shorter, changed, longer}) {
    PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_ACK, req.id(), o));
  }
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, 3u);
  // The peer's request acked: we are still waiting for our Ack (Ack-Sent),
  // so LCP is not opened and IPCP does not start.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 0x40, Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  for (const Frame &f : Sent()) {
    EXPECT_NE(f.proto, TERN_PPP_PROTO_IPCP);
  }
  // Our request whole: opened.
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_ACK, req.id(), opts));
  Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, 3u);
}

// A Nak of our MRU (RFC 1661 6.1): a value our buffers hold, and at least
// what IPv4 needs (576), is asked for from then on, as pppd and lwIP take
// an acceptable suggestion; another leaves ours asked for, so the peer
// learns what we can take (until, after its Max-Failure, it rejects it:
// then we ask for none).
TEST_F(Ppp, ANakedMruIsTakenWhenOurBuffersHoldIt) {
  tern_ppp_config c = Default();
  c.mru = 1000;
  Init(c);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_LCP_MRU, {0x03, 0x20})));
  req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_LCP_MRU), Bytes({0x03, 0x20}));  // 800
  for (Bytes v : {Bytes{0x02, 0x3f}, Bytes{0x03, 0xe9}, Bytes{0x05, 0xdc}}) {
    PeerSend(TERN_PPP_PROTO_LCP,
             Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_LCP_MRU, v)));
    req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
    EXPECT_EQ(req.Opt(TERN_LCP_MRU), Bytes({0x03, 0x20}));
  }
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REJ, req.id(), Opt(TERN_LCP_MRU, {0x03, 0x20})));
  req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_FALSE(req.Has(TERN_LCP_MRU));
}

// With IPV6CP linked the link must carry 1280-byte packets (RFC 5072 2,
// RFC 8200 5): an MRU below that, the peer's or one it naks us with, is
// treated as one below 576 is without IPV6CP (Nak'd with ours; not
// taken), and a configured MRU below 1280 is refused. A conformant peer
// can always take it: it must receive 1500 whatever it asks for (RFC 1661
// 6.1). Before, 1000 was acked and IPv6 ran over an MTU of 1000.
TEST_F(Ppp, WithIpv6cpAnMruBelow1280IsNotTaken) {
  tern_ppp_config c = Default();
  c.mru = 1400;
  Init(c);
  ASSERT_EQ(tern_ppp_use_ipv6cp(&ppp_), 0);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1,
              Cat({Opt(TERN_LCP_MRU, {0x03, 0xe8}),
                   Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))})));
  Frame nak = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
  EXPECT_EQ(nak.data(), Opt(TERN_LCP_MRU, {0x05, 0x78}));  // ours, 1400
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_LCP_MRU, {0x03, 0xe8})));
  req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_LCP_MRU), Bytes({0x05, 0x78}));  // still 1400
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_LCP_MRU, {0x05, 0x00})));
  req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_LCP_MRU), Bytes({0x05, 0x00}));  // 1280 is taken
  LcpUpWith(req, Cat({Opt(TERN_LCP_MRU, {0x05, 0x00}),
                      Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  Ipv6cpUp(Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_REQ));
  ASSERT_TRUE(Up());
  EXPECT_EQ(tern_netdev_get_info(&dev_).mtu, 1280);
  tern_ppp_shutdown(&ppp_);
  c.mru = 1279;
  Init(c);
  EXPECT_EQ(tern_ppp_use_ipv6cp(&ppp_), TERN_EINVAL);
}

// Without IPV6CP, 576 is the least MRU taken (the IPv4 rule).
TEST_F(Ppp, WithoutIpv6cpAnMruOf1000IsTaken) {
  Init(Default());
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1,
              Cat({Opt(TERN_LCP_MRU, {0x03, 0xe8}),
                   Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))})));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
}

// A peer that acks our request for 0.0.0.0 (it should Nak it with an
// address, RFC 1332 3.3) leaves us without an IPv4 address: IPv4 must not
// come up. Such an Ack is discarded and counted (bad_packet), as one we
// cannot take; our requests go on until Max-Configure, then IPCP finishes
// and, with no other NCP, the link ends (TERN_PPP_FAIL_TIMEOUT). Before,
// IPCP opened and the netdev was up with address 0.0.0.0. (A peer that
// rejects the address option instead still opens IPCP without one:
// ppp_contract_test's far side does.)
TEST_F(Ppp, AnIpcpAckOfAddressZeroDoesNotBringIpv4Up) {
  Init(Default());
  LcpUp();
  bool term = false;
  for (int i = 0; i < 14 && !term; i++) {
    for (const Frame &f : Sent()) {
      if (f.proto == TERN_PPP_PROTO_IPCP && f.code() == TERN_PPP_CONF_REQ) {
        EXPECT_EQ(f.Opt(TERN_IPCP_ADDR), Bytes({0, 0, 0, 0}));
        IpcpAckAndRequest(f, (uint8_t)(0x50 + i));
      }
      term |= f.proto == TERN_PPP_PROTO_LCP && f.code() == TERN_PPP_TERM_REQ;
    }
    EXPECT_FALSE(Up());
    Advance(1000);
  }
  EXPECT_TRUE(term);
  EXPECT_GE(tern_ppp_get_stats(&ppp_)->bad_packet, 10u);
  Advance(10000);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_TIMEOUT);
}

// RFC 1661 4.1: a Configure-Ack in Closed or Stopped is answered with a
// Terminate-Ack (sta), telling a peer that is behind that the automaton
// is not negotiating. So for IPCP's late Ack of our request for 0.0.0.0,
// after Max-Configure stopped IPCP (IPV6CP keeps the link up): before,
// the check that discards such an Ack while negotiating ran first, in
// every state, and the Ack was dropped unanswered.
TEST_F(Ppp, ALateIpcpAckInStoppedIsAnsweredWithATerminateAck) {
  Init(Default());
  ASSERT_EQ(tern_ppp_use_ipv6cp(&ppp_), 0);
  LcpUp();
  Ipv6cpUp(Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_REQ));
  Frame last = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  for (int i = 0; i < 12; i++) {  // the peer never answers IPCP
    Advance(1000);
    for (const Frame &f : Sent()) {
      if (f.proto == TERN_PPP_PROTO_IPCP && f.code() == TERN_PPP_CONF_REQ) {
        last = f;
      }
    }
  }
  EXPECT_TRUE(Up());  // IPCP stopped; IPV6CP holds the link
  EXPECT_EQ(last.Opt(TERN_IPCP_ADDR), Bytes({0, 0, 0, 0}));
  uint32_t bad = tern_ppp_get_stats(&ppp_)->bad_packet;
  AckOurs(last);
  Frame ta = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_TERM_ACK);
  EXPECT_EQ(ta.id(), last.id());
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, bad);
  EXPECT_EQ(tern_ppp_get_ipv4(&ppp_).local[0], 0);  // IPv4 still down
  EXPECT_TRUE(Up());
}

// The same for LCP: its requests run out (Stopped, the link Dead), then
// the peer's Ack of the last one comes: a Terminate-Ack answers it and
// nothing opens.
TEST_F(Ppp, ALateLcpAckInStoppedIsAnsweredWithATerminateAck) {
  Init(Default());
  Frame last = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  for (int i = 0; i < 12; i++) {  // the peer never answers
    Advance(1000);
    for (const Frame &f : Sent()) {
      if (f.proto == TERN_PPP_PROTO_LCP && f.code() == TERN_PPP_CONF_REQ) {
        last = f;
      }
    }
  }
  ASSERT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  AckOurs(last);
  EXPECT_EQ(Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_ACK).id(), last.id());
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  EXPECT_FALSE(Up());
}

TEST_F(Ppp, IpcpRejectsCompressionAndGivesThePeerAnAddress) {
  tern_ppp_config c = Default();
  memcpy(c.peer_addr, "\x0a\x00\x00\x01", 4);
  Init(c);
  LcpUp();
  Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  Bytes vj = Opt(TERN_IPCP_COMPRESSION, {0x00, 0x2d, 0x0f, 0x01});
  PeerSend(
      TERN_PPP_PROTO_IPCP,
      Cp(TERN_PPP_CONF_REQ, 1, Cat({vj, Opt(TERN_IPCP_ADDR, {0, 0, 0, 0})})));
  Frame rej = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REJ);
  EXPECT_EQ(rej.data(), vj);
  PeerSend(TERN_PPP_PROTO_IPCP,
           Cp(TERN_PPP_CONF_REQ, 2, Opt(TERN_IPCP_ADDR, {0, 0, 0, 0})));
  Frame nak = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_NAK);
  EXPECT_EQ(nak.data(), Opt(TERN_IPCP_ADDR, {10, 0, 0, 1}));
}

// Without peer_addr we have no address to give: a request for one, or
// for an address no host can have (IpcpNaksOrRejectsAPeerAddressNoHostCanHave),
// is rejected.
TEST_F(Ppp, IpcpWithoutAPeerAddressRejectsTheRequest) {
  Init(Default());
  LcpUp();
  Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  const Bytes asked[] = {{0, 0, 0, 0}, {255, 255, 255, 255}};
  for (const Bytes &a : asked) {
    PeerSend(TERN_PPP_PROTO_IPCP,
             Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_IPCP_ADDR, a)));
    Frame rej = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REJ);
    EXPECT_EQ(rej.data(), Opt(TERN_IPCP_ADDR, a));
  }
}

// The peer's own address must be one a host can have (RFC 1332 3.3: an
// unacceptable IP-Address is naked with one we would take): 0/8,
// multicast, 240/4, broadcast and loopback are naked with peer_addr, as
// 0.0.0.0 is, or rejected without one (the check our side makes of a
// Nak's suggestion). They were acked, and the peer's address was
// 255.255.255.255 or a multicast group.
TEST_F(Ppp, IpcpNaksOrRejectsAPeerAddressNoHostCanHave) {
  tern_ppp_config c = Default();
  memcpy(c.peer_addr, "\x0a\x00\x00\x01", 4);
  Init(c);
  LcpUp();
  Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  // Five: a sixth Nak in a row would be a Reject (Max-Failure).
  const Bytes bad[] = {{255, 255, 255, 255},
                       {239, 1, 2, 3},
                       {240, 0, 0, 1},
                       {0, 1, 2, 3},
                       {127, 0, 0, 1}};
  uint8_t id = 1;
  for (const Bytes &b : bad) {
    PeerSend(TERN_PPP_PROTO_IPCP,
             Cp(TERN_PPP_CONF_REQ, id, Opt(TERN_IPCP_ADDR, b)));
    Frame nak = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_NAK);
    EXPECT_EQ(nak.id(), id++);
    EXPECT_EQ(nak.data(), Opt(TERN_IPCP_ADDR, {10, 0, 0, 1}));
  }
  // A usable one is acked.
  PeerSend(TERN_PPP_PROTO_IPCP,
           Cp(TERN_PPP_CONF_REQ, id, Opt(TERN_IPCP_ADDR, {10, 0, 0, 9})));
  EXPECT_EQ(Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_ACK).id(), id);
}

// The peer proposing our own address for itself: two ends with one
// address cannot route to each other, so it is naked with peer_addr as
// an address no host can have is (rejected without one to give). It was
// acked.
class PppOurAddress : public Ppp {
 protected:
  void Run(bool give) {
    tern_ppp_config c = Default();
    memcpy(c.local_addr, "\x0a\x00\x00\x02", 4);
    if (give) {
      memcpy(c.peer_addr, "\x0a\x00\x00\x01", 4);
    }
    Init(c);
    LcpUp();
    Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
    PeerSend(TERN_PPP_PROTO_IPCP,
             Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_IPCP_ADDR, {10, 0, 0, 2})));
    Frame a = Expect(TERN_PPP_PROTO_IPCP,
                     give ? TERN_PPP_CONF_NAK : TERN_PPP_CONF_REJ);
    EXPECT_EQ(a.data(),
              Opt(TERN_IPCP_ADDR, {10, 0, 0, (uint8_t)(give ? 1 : 2)}));
    // Another address is acked.
    PeerSend(TERN_PPP_PROTO_IPCP,
             Cp(TERN_PPP_CONF_REQ, 2, Opt(TERN_IPCP_ADDR, {10, 0, 0, 9})));
    Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_ACK);
  }
};

TEST_F(PppOurAddress, NakedWithPeerAddr) {
  Run(true);
}
TEST_F(PppOurAddress, RejectedWithoutOneToGive) {
  Run(false);
}

// peer_addr is never offered to the peer when it is our own address (a
// Nak gave it to us, or both were configured alike): a peer asking for
// an address, or claiming ours, is rejected as when we have none to
// give, and IPCP opens with the peer's address unknown. It was naked
// with our own address, the peer's claim of it naked again, until
// Max-Failure made a Reject of it.
class PppPeerAddrIsOurs : public Ppp {
 protected:
  void Run(bool by_nak) {
    tern_ppp_config c = Default();
    memcpy(c.peer_addr, "\x0a\x00\x00\x01", 4);
    if (!by_nak) {
      memcpy(c.local_addr, "\x0a\x00\x00\x01", 4);
    }
    Init(c);
    LcpUp();
    const Bytes one = {10, 0, 0, 1};
    Frame req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
    if (by_nak) {
      PeerSend(TERN_PPP_PROTO_IPCP,
               Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_IPCP_ADDR, one)));
      req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
    }
    ASSERT_EQ(req.Opt(TERN_IPCP_ADDR), one);
    const Bytes asked[] = {{0, 0, 0, 0}, one};
    uint8_t id = 1;
    for (const Bytes &a : asked) {
      PeerSend(TERN_PPP_PROTO_IPCP,
               Cp(TERN_PPP_CONF_REQ, id, Opt(TERN_IPCP_ADDR, a)));
      Frame rej = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REJ);
      EXPECT_EQ(rej.id(), id++);
      EXPECT_EQ(rej.data(), Opt(TERN_IPCP_ADDR, a));
    }
    AckOurs(req);
    PeerSend(TERN_PPP_PROTO_IPCP, Cp(TERN_PPP_CONF_REQ, id, {}));
    EXPECT_EQ(Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_ACK).id(), id);
    ASSERT_TRUE(Up());
    tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&ppp_);
    EXPECT_EQ(Bytes(v4.local, v4.local + 4), one);
    EXPECT_EQ(Bytes(v4.peer, v4.peer + 4), Bytes({0, 0, 0, 0}));
  }
};

TEST_F(PppPeerAddrIsOurs, GivenByANak) {
  Run(true);
}
TEST_F(PppPeerAddrIsOurs, ConfiguredAlike) {
  Run(false);
}

// A peer that claims one address, 10.0.0.1, both for itself and for us
// (its Configure-Request and its Nak of ours), in either order: the
// address goes to whichever end it reached first and the other claim is
// refused, so IPCP never opens with the two ends on one address. If the
// Nak comes first, 10.0.0.1 is ours and the peer's request for it is
// naked with peer_addr (PppOurAddress); if our Ack of the peer's request
// comes first, the Nak's suggestion is the peer's acked address and is
// ignored, as 0.0.0.0 is (AnIpcpNakOfAnUnusableAddressIsIgnored): we ask
// for 0.0.0.0 again. A peer that insists gets our request until
// Max-Configure ends IPCP, and with it the link. The second order came
// up with 10.0.0.1 at both ends.
class PppOneAddressForBoth : public Ppp {
 protected:
  void Run(bool nak_first) {
    tern_ppp_config c = Default();
    memcpy(c.peer_addr, "\x0a\x00\x00\x09", 4);
    Init(c);
    LcpUp();
    const Bytes one = {10, 0, 0, 1};
    const Bytes claim = Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_IPCP_ADDR, one));
    Frame req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
    if (nak_first) {
      PeerSend(TERN_PPP_PROTO_IPCP,
               Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_IPCP_ADDR, one)));
      req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
      EXPECT_EQ(req.Opt(TERN_IPCP_ADDR), one);
      PeerSend(TERN_PPP_PROTO_IPCP, claim);
      Frame nak = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_NAK);
      EXPECT_EQ(nak.data(), Opt(TERN_IPCP_ADDR, {10, 0, 0, 9}));
    } else {
      PeerSend(TERN_PPP_PROTO_IPCP, claim);
      Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_ACK);
      PeerSend(TERN_PPP_PROTO_IPCP,
               Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_IPCP_ADDR, one)));
      req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
      EXPECT_EQ(req.Opt(TERN_IPCP_ADDR), Bytes({0, 0, 0, 0}));
    }
    // The peer insists: it acks a request of ours for 10.0.0.1, naks
    // any other with it, and claims it for itself again each time.
    for (int i = 0; i < 15; i++) {
      for (const Frame &f : Sent()) {
        if (f.proto == TERN_PPP_PROTO_IPCP && f.code() == TERN_PPP_CONF_REQ) {
          if (f.Opt(TERN_IPCP_ADDR) == one) {
            AckOurs(f);
            ASSERT_FALSE(Up()) << "10.0.0.1 at both ends";
          } else {
            PeerSend(TERN_PPP_PROTO_IPCP,
                     Cp(TERN_PPP_CONF_NAK, f.id(), Opt(TERN_IPCP_ADDR, one)));
          }
          PeerSend(TERN_PPP_PROTO_IPCP, claim);
          ASSERT_FALSE(Up()) << "10.0.0.1 at both ends";
        }
      }
      Advance(1000);
    }
    EXPECT_FALSE(Up());
    EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
    EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_TIMEOUT);
  }
};

TEST_F(PppOneAddressForBoth, NakFirst) {
  Run(true);
}
TEST_F(PppOneAddressForBoth, AckOfThePeersFirst) {
  Run(false);
}

TEST_F(Ppp, DnsServersAskedForAndLearnt) {
  tern_ppp_config c = Default();
  c.want_dns = 2;
  Init(c);
  LcpUp();
  Frame req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_IPCP_DNS1), Bytes({0, 0, 0, 0}));
  EXPECT_EQ(req.Opt(TERN_IPCP_DNS2), Bytes({0, 0, 0, 0}));
  PeerSend(TERN_PPP_PROTO_IPCP, Cp(TERN_PPP_CONF_NAK, req.id(),
                                   Cat({Opt(TERN_IPCP_ADDR, {10, 0, 0, 2}),
                                        Opt(TERN_IPCP_DNS1, {9, 9, 9, 9})})));
  req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_IPCP,
           Cp(TERN_PPP_CONF_REJ, req.id(), Opt(TERN_IPCP_DNS2, {0, 0, 0, 0})));
  req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  EXPECT_FALSE(req.Has(TERN_IPCP_DNS2));
  // DNS2's Reject (type 131) rejects that option only, not IP-Address.
  EXPECT_EQ(req.Opt(TERN_IPCP_ADDR), Bytes({10, 0, 0, 2}));
  IpcpAckAndRequest(req);
  EXPECT_TRUE(Up());
  tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&ppp_);
  EXPECT_EQ(Bytes(v4.dns1, v4.dns1 + 4), Bytes({9, 9, 9, 9}));
  EXPECT_EQ(Bytes(v4.dns2, v4.dns2 + 4), Bytes({0, 0, 0, 0}));
}

TEST_F(Ppp, PapClientAuthenticatesBeforeIpcp) {
  Frame auth =
      AuthenticatingWithPap(Cat({Opt(TERN_LCP_AUTH, {0xc0, 0x23}),
                                 Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  Bytes want = {4, 't', 'e', 'r', 'n', 6, 's', '3', 'c', 'r', 'e', 't'};
  EXPECT_EQ(auth.data(), want);
  // No IPCP before authentication; a retry after the restart timer.
  Advance(1000);
  std::vector<Frame> s = Sent();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].proto, TERN_PPP_PROTO_PAP);
  EXPECT_EQ(s[0].id(), auth.id() + 1);
  PeerSend(TERN_PPP_PROTO_PAP, Cp(TERN_PAP_AUTH_ACK, s[0].id(), {0}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  IpcpUp();
  EXPECT_TRUE(Up());
  ExpectNoAuthAfterwards();
}

// RFC 1661 3.5: in the authentication phase only LCP and authentication
// packets are taken, all others silently discarded (pppd too): a
// protocol we do not know (CCP here) is counted in not_open, not
// protocol-rejected (which told the peer to stop it for good before the
// network phase began); once there it is protocol-rejected.
TEST_F(Ppp, AnUnknownProtocolWhileAuthenticatingIsDiscarded) {
  Frame auth =
      AuthenticatingWithPap(Cat({Opt(TERN_LCP_AUTH, {0xc0, 0x23}),
                                 Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))}));
  Sent();
  const tern_ppp_stats *st = tern_ppp_get_stats(&ppp_);
  uint32_t not_open = st->not_open;
  Bytes ccp = Cp(TERN_PPP_CONF_REQ, 1, {});
  PeerSend(0x80fd, ccp);
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(st->not_open, not_open + 1);
  EXPECT_EQ(st->proto_rej, 0u);
  PeerSend(TERN_PPP_PROTO_PAP, Cp(TERN_PAP_AUTH_ACK, auth.id(), {0}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  PeerSend(0x80fd, ccp);
  Frame rej = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_PROTO_REJ);
  EXPECT_EQ(rej.data(), Cat({{0x80, 0xfd}, ccp}));
  EXPECT_EQ(st->proto_rej, 1u);
}

// An Authenticate-Ack is taken only after a request of ours went out in
// this authentication phase (RFC 1334 2.2.2: its identifier is the
// request's), as CHAP's Success is. With no buffer for the first request,
// an Ack carrying the identifier last used (0 here, or the previous
// session's) took us to the network phase.
TEST_F(Ppp, APapAckBeforeOurRequestIsDropped) {
  tern_ppp_config c = Default();
  c.user = "tern";
  c.password = "s3cret";
  Init(c);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 0x40,
              Cat({Opt(TERN_LCP_AUTH, {0xc0, 0x23}),
                   Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))})));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  // Every buffer taken but the one our Ack arrives in: LCP opens and PAP's
  // request finds none.
  std::vector<tern_pkt *> held;
  while (tern_pkt_pool_available(&pool_) > 1) {
    held.push_back(tern_pkt_pool_try_alloc(&pool_));
  }
  AckOurs(req);
  for (tern_pkt *p : held) {
    tern_pkt_free(p);
  }
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  EXPECT_TRUE(Sent().empty());
  uint32_t bad = tern_ppp_get_stats(&ppp_)->bad_packet;
  PeerSend(TERN_PPP_PROTO_PAP, Cp(TERN_PAP_AUTH_ACK, 0, {0}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, bad + 1);
  // The retry goes out; its Ack is taken.
  Advance(3000);
  Frame auth = Expect(TERN_PPP_PROTO_PAP, TERN_PAP_AUTH_REQ);
  PeerSend(TERN_PPP_PROTO_PAP, Cp(TERN_PAP_AUTH_ACK, auth.id(), {0}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
}

TEST_F(Ppp, PapRefusedEndsTheLink) {
  tern_ppp_config c = Default();
  c.user = "tern";
  c.password = "wrong";
  Init(c);
  LcpUp(Opt(TERN_LCP_AUTH, {0xc0, 0x23}));
  Frame auth = Expect(TERN_PPP_PROTO_PAP, TERN_PAP_AUTH_REQ);
  PeerSend(TERN_PPP_PROTO_PAP, Cp(TERN_PAP_AUTH_NAK, auth.id(), {0}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_AUTH);
  EXPECT_FALSE(Up());
}

TEST_F(Ppp, UnanswerablePapGivesUpAfterMaxConfigure) {
  tern_ppp_config c = Default();
  c.user = "u";
  c.password = "p";
  c.max_configure = 3;
  Init(c);
  LcpUp(Opt(TERN_LCP_AUTH, {0xc0, 0x23}));
  Expect(TERN_PPP_PROTO_PAP, TERN_PAP_AUTH_REQ);
  int reqs = 1;
  for (int i = 0; i < 10; i++) {
    Advance(1000);
    for (const Frame &f : Sent()) {
      reqs += f.proto == TERN_PPP_PROTO_PAP;
    }
  }
  EXPECT_EQ(reqs, 3);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_AUTH);
}

TEST_F(Ppp, AuthenticationWeCannotDoIsNakedOrRejected) {
  tern_ppp_config c = Default();
  c.user = "u";
  c.password = "p";
  Init(c);
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  // CHAP with MD5: we offer PAP instead.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 3, Opt(TERN_LCP_AUTH, {0xc2, 0x23, 0x05})));
  Frame nak = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
  EXPECT_EQ(nak.data(), Opt(TERN_LCP_AUTH, {0xc0, 0x23}));
}

// CHAP-MD5 (RFC 1994) when the application links it: the peer asks for
// it, challenges us, and our response is MD5(id, secret, challenge) and
// our name; Success starts IPCP, Failure ends the link.
TEST_F(Ppp, ChapMd5AnswersTheChallenge) {
  AuthenticatingWithChap();
  Frame ack = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  EXPECT_EQ(ack.data(), Opt(TERN_LCP_AUTH, {0xc2, 0x23, 0x05}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  Bytes challenge = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  PeerSend(TERN_PPP_PROTO_CHAP,
           Cp(TERN_CHAP_CHALLENGE, 0x21,
              Cat({{16}, challenge, {'p', 'e', 'e', 'r'}})));
  Frame resp = Expect(TERN_PPP_PROTO_CHAP, TERN_CHAP_RESPONSE);
  EXPECT_EQ(resp.id(), 0x21);
  tern_md5 m;
  tern_md5_init(&m);
  uint8_t id = 0x21;
  tern_md5_update(&m, &id, 1);
  tern_md5_update(&m, "s3cret", 6);
  tern_md5_update(&m, challenge.data(), challenge.size());
  uint8_t digest[16];
  tern_md5_final(&m, digest);
  EXPECT_EQ(resp.data(),
            Cat({{16}, Bytes(digest, digest + 16), {'t', 'e', 'r', 'n'}}));
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_SUCCESS, 0x21, {}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  IpcpUp();
  EXPECT_TRUE(Up());
  ExpectNoAuthAfterwards();
  // A challenge again with the link up (pppd's chap-interval): answered,
  // and its Success leaves the link as it was.
  PeerSend(TERN_PPP_PROTO_CHAP,
           Cp(TERN_CHAP_CHALLENGE, 0x22,
              Cat({{16}, challenge, {'p', 'e', 'e', 'r'}})));
  resp = Expect(TERN_PPP_PROTO_CHAP, TERN_CHAP_RESPONSE);
  EXPECT_EQ(resp.id(), 0x22);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_SUCCESS, 0x22, {}));
  EXPECT_TRUE(Up());
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  // A Failure of a later challenge ends the link.
  PeerSend(TERN_PPP_PROTO_CHAP,
           Cp(TERN_CHAP_CHALLENGE, 0x23,
              Cat({{16}, challenge, {'p', 'e', 'e', 'r'}})));
  EXPECT_EQ(Expect(TERN_PPP_PROTO_CHAP, TERN_CHAP_RESPONSE).id(), 0x23);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_FAILURE, 0x23, {}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_AUTH);
}

// RFC 1994 4.2: a Success or Failure carries the identifier of the
// Response it answers; another is discarded and counted. A Challenge's
// Value is one octet or more (4.1): an empty one is not answered.
TEST_F(Ppp, ChapAnswersMatchOurResponseAndAnEmptyChallengeIsDropped) {
  AuthenticatingWithChap();
  Sent();
  const tern_ppp_stats *st = tern_ppp_get_stats(&ppp_);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_CHALLENGE, 0x30, {0, 'p'}));
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(st->bad_packet, 1u);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_CHALLENGE, 0x31, {1, 9}));
  EXPECT_EQ(Expect(TERN_PPP_PROTO_CHAP, TERN_CHAP_RESPONSE).id(), 0x31);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_FAILURE, 0x30, {}));
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_SUCCESS, 0x32, {}));
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(st->bad_packet, 3u);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_SUCCESS, 0x31, {}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  EXPECT_EQ(st->bad_packet, 3u);
}

// A Success or Failure answers our Response (RFC 1994 4.2): before we
// sent one, in this authentication phase, it is dropped and counted, even
// with the identifier a Response would have carried (0 before any; the
// last session's after LCP is opened again).
TEST_F(Ppp, ChapSuccessOrFailureBeforeOurResponseIsDropped) {
  const Bytes chap = Opt(TERN_LCP_AUTH, {0xc2, 0x23, 0x05});
  AuthenticatingWithChap(Cat({chap, Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))}));
  Sent();
  const tern_ppp_stats *st = tern_ppp_get_stats(&ppp_);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_SUCCESS, 0, {}));
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_FAILURE, 0, {}));
  EXPECT_EQ(st->bad_packet, 2u);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  EXPECT_TRUE(Sent().empty());
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_CHALLENGE, 0x44, {1, 9}));
  EXPECT_EQ(Expect(TERN_PPP_PROTO_CHAP, TERN_CHAP_RESPONSE).id(), 0x44);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_SUCCESS, 0x44, {}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  // The peer restarts LCP: a new authentication phase, no Response yet.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 0x41,
              Cat({chap, Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))})));
  AckOurs(Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ));
  ASSERT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_SUCCESS, 0x44, {}));
  EXPECT_EQ(st->bad_packet, 3u);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
}

// An authenticator that never challenges, or never answers our Response,
// is given as long as PAP's retries would take: then the link ends as an
// authentication failure.
TEST_F(Ppp, ChapThatNeverConcludesGivesUp) {
  tern_ppp_config c = Default();
  c.user = "tern";
  c.password = "s3cret";
  c.max_configure = 3;
  Init(c);
  tern_ppp_use_chap(&ppp_);
  LcpUp(Opt(TERN_LCP_AUTH, {0xc2, 0x23, 0x05}));
  Sent();
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_CHALLENGE, 7, {1, 9}));
  EXPECT_EQ(Expect(TERN_PPP_PROTO_CHAP, TERN_CHAP_RESPONSE).id(), 7);
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
    Advance(3000);
  }
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_AUTH);
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
}

TEST_F(Ppp, ChapFailureEndsTheLink) {
  tern_ppp_config c = Default();
  c.user = "tern";
  c.password = "wrong";
  Init(c);
  tern_ppp_use_chap(&ppp_);
  LcpUp(Opt(TERN_LCP_AUTH, {0xc2, 0x23, 0x05}));
  // A malformed challenge (its value longer than the packet) is dropped.
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_CHALLENGE, 1, {40, 1, 2}));
  EXPECT_TRUE(Sent().size() <= 1u);  // our LCP Ack only
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_CHALLENGE, 2, {1, 9}));
  Expect(TERN_PPP_PROTO_CHAP, TERN_CHAP_RESPONSE);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_FAILURE, 2, {}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_AUTH);
}

TEST_F(Ppp, WithoutCredentialsAuthenticationIsRejected) {
  Init(Default());
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 3, Opt(TERN_LCP_AUTH, {0xc0, 0x23})));
  Frame rej = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REJ);
  EXPECT_EQ(rej.data(), Opt(TERN_LCP_AUTH, {0xc0, 0x23}));
}

// A peer that never answers: Max-Configure requests, a restart period
// apart, then the link gives up and stays quiet.
TEST_F(Ppp, SilentPeerBoundedByMaxConfigure) {
  Init(Default());
  int reqs = 0;
  for (int i = 0; i < 30; i++) {
    for (const Frame &f : Sent()) {
      reqs += f.proto == TERN_PPP_PROTO_LCP && f.code() == TERN_PPP_CONF_REQ;
    }
    Advance(1000);
  }
  EXPECT_EQ(reqs, 10);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_TIMEOUT);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  // A peer that turns up later is answered (RFC 1661: Stopped waits).
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))));
  std::vector<Frame> s = Sent();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].code(), TERN_PPP_CONF_REQ);
  EXPECT_EQ(s[1].code(), TERN_PPP_CONF_ACK);
}

// Hostile peers: one acks every request but never sends its own, one
// naks every request; both stay bounded.
TEST_F(Ppp, PeerThatAcksButNeverRequestsIsBounded) {
  Init(Default());
  int reqs = 0;
  for (int i = 0; i < 40; i++) {
    for (const Frame &f : Sent()) {
      if (f.proto == TERN_PPP_PROTO_LCP && f.code() == TERN_PPP_CONF_REQ) {
        reqs++;
        AckOurs(f);
      }
    }
    Advance(1000);
  }
  EXPECT_EQ(reqs, 10);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_TIMEOUT);
}

TEST_F(Ppp, PeerThatNaksForeverIsBounded) {
  Init(Default());
  int reqs = 0;
  for (int i = 0; i < 40; i++) {
    for (const Frame &f : Sent()) {
      if (f.proto == TERN_PPP_PROTO_LCP && f.code() == TERN_PPP_CONF_REQ) {
        reqs++;
        PeerSend(TERN_PPP_PROTO_LCP,
                 Cp(TERN_PPP_CONF_NAK, f.id(),
                    Opt(TERN_LCP_ACCM, {0xff, 0xff, 0xff, 0xff})));
      }
    }
    Advance(100);
  }
  EXPECT_EQ(reqs, 10);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_TIMEOUT);
}

// RFC 1661 4.1: a Nak (RCN) in Opened takes the link down and sends a new
// request (tld, scr, Req-Sent) even when the restart count was spent on
// the way there (Opened through Ack-Rcvd, which does not restart it): it
// is not the spent-count timeout that a Nak during negotiation counts as.
TEST_F(Ppp, ANakInOpenedRenegotiatesWithTheCountSpent) {
  tern_ppp_config c = Default();
  c.max_configure = 1;
  Init(c);
  Frame req = LcpUp();
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  Sent();
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_NAK, req.id(),
                                  Opt(TERN_LCP_ACCM, {0, 0x0a, 0, 0})));
  Frame again = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(again.Opt(TERN_LCP_ACCM), Bytes({0, 0x0a, 0, 0}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_ESTABLISH);
  // Opened again; then a Reject: the new request leaves the option out
  // (RFC 1661 5.4), the Reject is not lost to a fresh start.
  again = LcpUpWith(again);
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  Sent();
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REJ, again.id(), Opt(TERN_LCP_PFC, {})));
  Frame third = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_FALSE(third.Has(TERN_LCP_PFC));
  EXPECT_TRUE(third.Has(TERN_LCP_ACFC));
}

// A peer that keeps asking for what we Nak: after Max-Failure Naks, the
// option is rejected instead (RFC 1661 4.6).
TEST_F(Ppp, MaxFailureTurnsNaksIntoRejects) {
  Init(Default());
  Sent();
  Bytes mru = Opt(TERN_LCP_MRU, {0x00, 0x20});
  for (int i = 0; i < 5; i++) {
    PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, (uint8_t)i, mru));
    EXPECT_EQ(Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK).id(), i);
  }
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, 5, mru));
  Frame rej = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REJ);
  EXPECT_EQ(rej.data(), mru);
}

// Max-Failure counts the Naks sent without an Ack (RFC 1661 4.6): a
// Reject does not start it again, so a peer that keeps asking for what
// we would Nak is rejected from then on; an Ack, or a negotiation that
// starts afresh, starts it again.
TEST_F(Ppp, OnlyAnAckOrAFreshNegotiationRestartsTheMaxFailureCount) {
  Init(Default());
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  Bytes mru = Opt(TERN_LCP_MRU, {0x00, 0x20});
  for (int i = 0; i < 5; i++) {
    PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, (uint8_t)i, mru));
    Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
  }
  for (int i = 5; i < 8; i++) {
    PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, (uint8_t)i, mru));
    EXPECT_EQ(Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REJ).data(), mru);
  }
  // An Ack: the count starts again.
  Bytes ok = Opt(TERN_LCP_MAGIC, Be32(kPeerMagic));
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, 8, ok));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, 9, mru));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
  // Five more Naks, the count spent again; LCP opens and the peer
  // renegotiates: a fresh negotiation, Naks again.
  for (int i = 10; i < 14; i++) {
    PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, (uint8_t)i, mru));
    Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
  }
  LcpUpWith(req, ok);
  Sent();
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, 20, mru));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
}

// A looped-back line: everything we send comes back to us. Our magic
// number keeps coming back in "the peer's" requests; after Max-Failure
// times the link is declared looped and ended, in bounded traffic.
TEST_F(Ppp, LoopedBackLineDetected) {
  Init(Default());
  size_t frames = LoopBack(50);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_LOOPBACK);
  EXPECT_LT(frames, 60u);
  EXPECT_FALSE(Up());
  ExpectQuietAfterALoop();
}

// Conflicting magic numbers once (the peer happens to pick ours): both
// sides choose again and the link comes up.
TEST_F(Ppp, MagicCollisionOnceIsResolved) {
  Init(Default());
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  Bytes ours = req.Opt(TERN_LCP_MAGIC);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_LCP_MAGIC, ours)));
  std::vector<Frame> s = Sent();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].code(), TERN_PPP_CONF_NAK);
  Bytes suggested = s[0].Opt(TERN_LCP_MAGIC);
  EXPECT_NE(suggested, ours);
  // Our next request uses a new number too.
  Advance(1000);
  Frame req2 = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_NE(req2.Opt(TERN_LCP_MAGIC), ours);
  AckOurs(req2);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 2, Opt(TERN_LCP_MAGIC, suggested)));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
  IpcpUp();
  EXPECT_TRUE(Up());
}

// RFC 1661 6.4: a request carrying our magic number is naked and we take
// a new number; only that happening again and again means a looped line.
// A benign peer that picked our number once and retransmits that request
// (its copies crossing our Nak) is not a loop: the copies carry our old
// number, are acked and count for nothing, and the link comes up.
TEST_F(Ppp, CopiesOfAPeersRequestWithOurOldMagicAreNoLoop) {
  Init(Default());
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  Bytes ours = req.Opt(TERN_LCP_MAGIC);
  Bytes collide = Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_LCP_MAGIC, ours));
  PeerSend(TERN_PPP_PROTO_LCP, collide);
  EXPECT_EQ(Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK).id(), 1);
  for (int i = 0; i < 8; i++) {
    PeerSend(TERN_PPP_PROTO_LCP, collide);
    Frame a = Expect(TERN_PPP_PROTO_LCP);
    EXPECT_EQ(a.code(), TERN_PPP_CONF_ACK) << "copy " << i;
  }
  EXPECT_NE(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_LOOPBACK);
  Advance(1000);
  Frame req2 = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_NE(req2.Opt(TERN_LCP_MAGIC), ours);
  AckOurs(req2);
  IpcpUp();
  EXPECT_TRUE(Up());
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_OK);
}

// The same coincidence once per negotiation, Max-Failure (5) times over
// negotiations that each come up: each is a first occurrence, not the
// fifth in a row.
TEST_F(Ppp, OneMagicCollisionPerNegotiationIsNoLoop) {
  InitUp();
  for (int round = 0; round < 6; round++) {
    SCOPED_TRACE(round);
    // The peer restarts LCP with our current number.
    PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, 1, {}));
    Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
    Bytes ours = req.Opt(TERN_LCP_MAGIC);
    Sent();
    PeerSend(TERN_PPP_PROTO_LCP,
             Cp(TERN_PPP_CONF_REQ, 2, Opt(TERN_LCP_MAGIC, ours)));
    Frame nak = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
    Advance(1000);
    Frame req2 = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
    EXPECT_NE(req2.Opt(TERN_LCP_MAGIC), ours);
    LcpUpWith(req2, Opt(TERN_LCP_MAGIC, nak.Opt(TERN_LCP_MAGIC)));
    Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
    IpcpUp();
    EXPECT_TRUE(Up());
    EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_OK);
  }
}

// Max-Configure bounds one negotiation: opening starts the count again
// (RFC 1661 4.1's irc with tlu), whichever came last, the peer's Ack of
// ours or our Ack of the peer's request. Opened with the peer's request
// last (Ack-Rcvd, RCR+), the count was left as the negotiation had spent
// it, and each of the peer's restarts from Opened spent one more: after
// ten restarts a negotiation whose first request was lost ended the link
// as a timeout after that one request.
TEST_F(Ppp, EveryOpeningStartsTheRequestCountAgain) {
  InitUp();  // LCP: our request acked first, then the peer's: Ack-Rcvd, RCR+
  for (int round = 0; round < 12; round++) {
    SCOPED_TRACE(round);
    // The peer restarts LCP with an MRU we nak, acks our request, then
    // sends an acceptable one: opened again from Ack-Rcvd.
    PeerSend(TERN_PPP_PROTO_LCP,
             Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_LCP_MRU, {0, 100})));
    Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_NAK);
    LcpUpWith(Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ));
    Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);
    IpcpUp();
    ASSERT_TRUE(Up());
  }
  // Once more, and the peer misses our requests for a while.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_LCP_MRU, {0, 100})));
  int requests = 0;
  for (int i = 0; i < 15; i++) {
    for (const Frame &f : Sent()) {
      requests +=
          f.proto == TERN_PPP_PROTO_LCP && f.code() == TERN_PPP_CONF_REQ;
    }
    Advance(1000);
  }
  EXPECT_EQ(requests, 10);
}

TEST_F(Ppp, FrameWithoutABufferIsSkippedToItsFlagAndCounted) {
  Init(Default());
  LcpUp();
  Sent();
  // Every buffer taken: the peer's echo (its data holding escaped flags,
  // escapes and control characters) finds none and is skipped whole.
  std::vector<tern_pkt *> held;
  while (tern_pkt *b = tern_pkt_pool_try_alloc(&pool_)) {
    held.push_back(b);
  }
  Bytes echo = Cp(TERN_PPP_ECHO_REQ, 9,
                  Cat({Be32(kPeerMagic), {0x7e, 0x7d, 0x01, 0x7e, 0x11}}));
  PeerSend(TERN_PPP_PROTO_LCP, echo);
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(tern_netdev_get_stats(&dev_)->rx_drop_nobuf, 1u);
  const tern_ppp_hdlc_stats *h = tern_ppp_get_hdlc_stats(&ppp_);
  EXPECT_EQ(h->bad_fcs + h->aborted + h->too_short + h->too_long, 0u);
  for (tern_pkt *b : held) {
    tern_pkt_free(b);
  }
  // The next frame has a buffer and is answered.
  PeerSend(TERN_PPP_PROTO_LCP, echo);
  EXPECT_EQ(Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REPLY).id(), 9);
  EXPECT_EQ(tern_netdev_get_stats(&dev_)->rx_drop_nobuf, 1u);
}

TEST_F(Ppp, ControlQueueKeepsOrderAndDropsWhenFull) {
  Init(Default());
  LcpUp();
  Sent();
  // Echoes of 200 bytes while the peer reads nothing: the line (4 KiB)
  // fills, the answers queue up to TERN_PPP_CTL_QUEUE, the rest are
  // dropped and counted.
  Bytes big(200, 0x41);
  for (uint8_t id = 1; id <= 30; id++) {
    PeerSend(TERN_PPP_PROTO_LCP,
             Cp(TERN_PPP_ECHO_REQ, id, Cat({Be32(kPeerMagic), big})));
  }
  uint32_t dropped = tern_ppp_get_stats(&ppp_)->ctl_nobuf;
  uint32_t nobuf = tern_netdev_get_stats(&dev_)->rx_drop_nobuf;
  EXPECT_GE(dropped, 1u);
  std::vector<Frame> sent = Sent();
  std::vector<Frame> rest = Sent();  // what reading made room for
  sent.insert(sent.end(), rest.begin(), rest.end());
  EXPECT_EQ(sent.size(), 30u - dropped - nobuf);
  // Answered in the order asked.
  int last = 0;
  for (const Frame &f : sent) {
    EXPECT_EQ(f.code(), TERN_PPP_ECHO_REPLY);
    EXPECT_GT(f.id(), last);
    last = f.id();
  }
}

TEST_F(Ppp, EchoAnsweredWithOurMagicAndUnknownCodesRejected) {
  Init(Default());
  Frame req = LcpUp();
  Sent();
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_ECHO_REQ, 9, Cat({Be32(kPeerMagic), {1, 2, 3}})));
  Frame reply = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REPLY);
  EXPECT_EQ(reply.id(), 9);
  EXPECT_EQ(reply.data(), Cat({req.Opt(TERN_LCP_MAGIC), {1, 2, 3}}));
  Bytes odd = Cp(42, 3, {7, 7});
  PeerSend(TERN_PPP_PROTO_LCP, odd);
  Frame cr = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CODE_REJ);
  EXPECT_EQ(cr.data(), odd);
  // An unknown protocol once LCP is open: Protocol-Reject.
  PeerSend(0x8057, {1, 1, 0, 4});
  Frame pr = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_PROTO_REJ);
  EXPECT_EQ(pr.data(), Bytes({0x80, 0x57, 1, 1, 0, 4}));
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_DISCARD_REQ, 1, {1, 2}));
  EXPECT_TRUE(Sent().empty());
}

// Control packets we do not act on are dropped and counted, never just
// freed: an Echo-Request before LCP is opened (RFC 1661 5.8) and a
// Protocol-Reject before the network phase (5.7) in not_open; an
// Echo-Request too short for a magic number, an Echo-Reply carrying our
// own (our echo looped back), a Protocol-Reject of a protocol we never
// sent, a PAP packet other than Authenticate-Ack or -Nak in bad_packet.
// An unknown code is Code-Rejected in every state the peer can reach us
// in, Closed too (RFC 1661 4.1's RUC: scj).
TEST_F(Ppp, ControlPacketsNotActedOnAreCounted) {
  tern_ppp_config c = Default();
  c.user = "u";
  c.password = "p";
  Init(c);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  const tern_ppp_stats *st = tern_ppp_get_stats(&ppp_);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_ECHO_REQ, 1, Be32(kPeerMagic)));
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_PROTO_REJ, 2, {0x80, 0x21}));
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(st->not_open, 2u);
  EXPECT_EQ(st->bad_packet, 0u);
  LcpUpWith(req, Cat({Opt(TERN_LCP_AUTH, {0xc0, 0x23}),
                      Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))}));
  Frame pap = Expect(TERN_PPP_PROTO_PAP, TERN_PAP_AUTH_REQ);
  Sent();
  // Authenticating: LCP is opened, the network phase not begun.
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_PROTO_REJ, 3, {0x80, 0x21}));
  EXPECT_EQ(st->not_open, 3u);
  PeerSend(TERN_PPP_PROTO_PAP, Cp(TERN_PAP_AUTH_REQ, pap.id(), {0, 0}));
  EXPECT_EQ(st->bad_packet, 1u);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  PeerSend(TERN_PPP_PROTO_PAP, Cp(TERN_PAP_AUTH_ACK, pap.id(), {0}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_ECHO_REQ, 4, {1, 2, 3}));
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_ECHO_REPLY, 5, req.Opt(TERN_LCP_MAGIC)));
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_PROTO_REJ, 6, {0x12, 0x34}));
  for (const Frame &f : Sent()) {
    EXPECT_EQ(f.proto, TERN_PPP_PROTO_IPCP);  // our request, nothing else
  }
  EXPECT_EQ(st->bad_packet, 4u);
  EXPECT_EQ(st->echo_replies, 0u);
  EXPECT_EQ(st->not_open, 3u);

  // LCP closed (Closed, once the Terminate-Requests are spent): an unknown
  // code is still Code-Rejected.
  tern_ppp_close(&ppp_);
  for (int i = 0; i < 5; i++) {
    Advance(1000);
  }
  Sent();
  Bytes odd = Cp(42, 7, {1});
  PeerSend(TERN_PPP_PROTO_LCP, odd);
  EXPECT_EQ(Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CODE_REJ).data(), odd);
}

// A Code-Reject of a code the automaton needs (Configure-*, Terminate-*)
// is RFC 1661's RXJ- (5.6, 4.1): while negotiating, this-layer-finished
// and Stopped (no more requests); in Opened, the link goes down and
// Terminate-Requests go out. Of an Echo-Request it is RXJ+: the link
// stays up (the keepalive stops: ACodeRejectOfOurEchoStopsTheKeepalive).
TEST_F(Ppp, ACodeRejectOfAConfigureOrTerminateCodeEndsTheAutomaton) {
  Init(Default());
  tern_ppp_use_keepalive(&ppp_, 2000, 0);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CODE_REJ, 1, req.info));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  for (int i = 0; i < 12; i++) {
    Advance(1000);
  }
  EXPECT_TRUE(Sent().empty());  // Stopped: no more requests
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_REJECTED);

  // Negotiated again and opened (the keepalive running).
  tern_ppp_open(&ppp_);
  LcpUp();
  IpcpUp();
  ASSERT_TRUE(Up());
  Advance(2000);
  Frame echo = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REQ);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CODE_REJ, 2, echo.info));
  EXPECT_TRUE(Up());
  EXPECT_TRUE(Sent().empty());
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CODE_REJ, 3, Cp(TERN_PPP_TERM_ACK, 9, {})));
  EXPECT_FALSE(Up());
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  // The reason outlives the Terminate-Requests running out unanswered.
  for (int i = 0; i < 12; i++) {
    Advance(1000);
  }
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_REJECTED);
}

// RXJ+ (a Code-Reject of a code we can do without) in Ack-Rcvd goes back
// to Req-Sent (RFC 1661 4.1's table, as pppd does): the peer's Ack no
// longer counts, so its request is acked without opening LCP, and our
// next request, acked, opens it. In other states RXJ+ changes nothing.
TEST_F(Ppp, ACodeRejectInAckRcvdGoesBackToReqSent) {
  Init(Default());
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  AckOurs(req);  // Ack-Rcvd
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CODE_REJ, 1, Cp(TERN_PPP_CODE_REJ, 1, {42, 1, 0, 4})));
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 0x40, Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_ACK);  // Ack-Sent
  EXPECT_TRUE(Sent().empty());                    // not opened: no IPCP request
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_ESTABLISH);
  Advance(1000);
  req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  AckOurs(req);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
}

// LCP leaving Opened for Closing or Stopping, whatever the cause, is RFC
// 1661's Terminate phase (3.2) until it finishes: the peer's
// Terminate-Request (Stopping, our Terminate-Ack) and RXJ- (Stopping, our
// Terminate-Requests) as well as our close.
TEST_F(Ppp, LeavingOpenedForClosingOrStoppingIsTheTerminatePhase) {
  InitUp();
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_TERM_REQ, 4, {}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_ACK);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_TERMINATE);
  Advance(3000);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);

  Sent();
  tern_ppp_open(&ppp_);
  LcpUp();
  IpcpUp();
  ASSERT_TRUE(Up());
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CODE_REJ, 5, Cp(TERN_PPP_TERM_REQ, 9, {})));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_TERMINATE);
  Advance(3000);
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_TERMINATE);
  Advance(3000);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
}

// A Code-Reject of our Echo-Request is RXJ+ (RFC 1661 5.6): the link stays
// up, and the peer does not do echo, so the keepalive stops for this LCP
// session instead of counting the peer dead; it runs again once LCP is
// opened anew.
TEST_F(Ppp, ACodeRejectOfOurEchoStopsTheKeepalive) {
  Init(Default());
  tern_ppp_use_keepalive(&ppp_, 2000, 3);
  LcpUp();
  IpcpUp();
  Advance(2000);
  Frame echo = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REQ);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CODE_REJ, 2, echo.info));
  for (int i = 0; i < 10; i++) {
    Advance(2000);
    EXPECT_TRUE(Sent().empty());
  }
  EXPECT_TRUE(Up());
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_OK);
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->echo_sent, 1u);
  // An IPCP Code-Reject naming an Echo-Request's code is not about ours.
  tern_ppp_close(&ppp_);
  Advance(3000);
  Advance(3000);
  Sent();
  tern_ppp_open(&ppp_);
  LcpUp();
  IpcpUp();
  PeerSend(TERN_PPP_PROTO_IPCP,
           Cp(TERN_PPP_CODE_REJ, 3, Cp(TERN_PPP_ECHO_REQ, 1, {0, 0, 0, 0})));
  Advance(2000);
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REQ);
}

// A Code-Reject must carry the packet it rejects (RFC 1661 5.6): one
// with none is dropped and counted.
TEST_F(Ppp, ACodeRejectWithoutARejectedPacketIsCounted) {
  InitUp();
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CODE_REJ, 2, {}));
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, 1u);
  EXPECT_TRUE(Up());
  EXPECT_TRUE(Sent().empty());
}

// The same for an NCP: IPCP's request Code-Rejected finishes IPCP, and
// with no other network protocol LCP ends the link.
TEST_F(Ppp, ACodeRejectOfIpcpsRequestEndsIpcp) {
  Init(Default());
  LcpUp();
  Frame req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  Sent();
  PeerSend(TERN_PPP_PROTO_IPCP, Cp(TERN_PPP_CODE_REJ, 1, req.info));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_REJECTED);
}

// Echo packets are processed in Opened only (RFC 1661 5.8): an
// Echo-Reply before LCP is opened, or while it negotiates again, is no
// answer to our echo; dropped and counted in not_open.
TEST_F(Ppp, AnEchoReplyOutsideOpenedIsNotCounted) {
  Init(Default());
  const tern_ppp_stats *st = tern_ppp_get_stats(&ppp_);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_ECHO_REPLY, 1, Be32(kPeerMagic)));
  EXPECT_EQ(st->echo_replies, 0u);
  EXPECT_EQ(st->not_open, 1u);
  LcpUp();
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_ECHO_REPLY, 2, Be32(kPeerMagic)));
  EXPECT_EQ(st->echo_replies, 1u);  // opened: counted
  // The peer negotiates again (Ack-Sent until our new request is acked).
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 0x41, Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))));
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_ECHO_REPLY, 3, Be32(kPeerMagic)));
  EXPECT_EQ(st->echo_replies, 1u);
  EXPECT_EQ(st->not_open, 2u);
}

TEST_F(Ppp, KeepaliveAnsweredKeepsTheLinkUp) {
  Init(Default());
  tern_ppp_use_keepalive(&ppp_, 2000, 0);
  LcpUp();
  IpcpUp();
  for (int i = 0; i < 10; i++) {
    Advance(2000);
    Frame e = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REQ);
    PeerSend(TERN_PPP_PROTO_LCP,
             Cp(TERN_PPP_ECHO_REPLY, e.id(), Be32(kPeerMagic)));
  }
  EXPECT_TRUE(Up());
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->echo_replies, 10u);
}

// Only an Echo-Reply to an Echo-Request of ours still unanswered (its
// identifier, RFC 1661 5) shows the peer alive: one with another
// identifier is counted but no answer. Any reply kept the keepalive
// content, so a peer or line replaying an old reply never counted dead.
TEST_F(Ppp, AnEchoReplyToNoEchoOfOursIsNoAnswer) {
  Init(Default());
  tern_ppp_use_keepalive(&ppp_, 2000, 3);
  LcpUp();
  IpcpUp();
  for (int i = 0; i < 3; i++) {
    Advance(2000);
    Frame e = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REQ);
    PeerSend(TERN_PPP_PROTO_LCP,
             Cp(TERN_PPP_ECHO_REPLY, (uint8_t)(e.id() + 1), Be32(kPeerMagic)));
    EXPECT_TRUE(Up());
  }
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->echo_replies, 3u);
  Advance(2000);
  EXPECT_FALSE(Up());
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_PEER_DEAD);
}

// A reply to an earlier echo still unanswered is an answer: the peer is
// slow, not dead.
TEST_F(Ppp, AnEchoReplyToAnEarlierEchoIsAnAnswer) {
  Init(Default());
  tern_ppp_use_keepalive(&ppp_, 2000, 3);
  LcpUp();
  IpcpUp();
  for (int i = 0; i < 6; i++) {
    Advance(2000);
    Frame e = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REQ);
    Advance(2000);
    Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REQ);
    PeerSend(TERN_PPP_PROTO_LCP,
             Cp(TERN_PPP_ECHO_REPLY, e.id(), Be32(kPeerMagic)));
  }
  EXPECT_TRUE(Up());
}

// An echo that could not be sent (no buffer: ctl_nobuf) is not one the
// peer left unanswered: a pool running short for echo_fails periods does
// not count a live peer dead. It did: the count went up before the
// buffer was asked for.
TEST_F(Ppp, AnEchoLostToAnEmptyPoolIsNotUnanswered) {
  Init(Default());
  tern_ppp_use_keepalive(&ppp_, 2000, 3);
  LcpUp();
  IpcpUp();
  std::vector<tern_pkt *> held;
  while (tern_pkt *b = tern_pkt_pool_try_alloc(&pool_)) {
    held.push_back(b);
  }
  uint32_t nobuf = tern_ppp_get_stats(&ppp_)->ctl_nobuf;
  for (int i = 0; i < 5; i++) {
    Advance(2000);
    EXPECT_TRUE(Sent().empty());
    EXPECT_TRUE(Up());
  }
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->ctl_nobuf, nobuf + 5);
  for (tern_pkt *b : held) {
    tern_pkt_free(b);
  }
  // Echoes go out again, and the peer answering them keeps the link.
  for (int i = 0; i < 5; i++) {
    Advance(2000);
    Frame e = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_ECHO_REQ);
    PeerSend(TERN_PPP_PROTO_LCP,
             Cp(TERN_PPP_ECHO_REPLY, e.id(), Be32(kPeerMagic)));
    EXPECT_TRUE(Up());
  }
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), 0);
}

// The peer goes silent: echo_fails unanswered echoes, then the link goes
// down and LCP starts again, bounded by Max-Configure.
TEST_F(Ppp, KeepaliveLossTakesTheLinkDown) {
  Init(Default());
  tern_ppp_use_keepalive(&ppp_, 2000, 3);
  LcpUp();
  IpcpUp();
  EXPECT_EQ(Events(), (uint32_t)TERN_NETDEV_EV_LINK);
  int echoes = 0;
  for (int i = 0; i < 3; i++) {
    Advance(2000);
    echoes += (int)Sent().size();
    EXPECT_TRUE(Up());
  }
  EXPECT_EQ(echoes, 3);
  Advance(2000);
  EXPECT_FALSE(Up());
  EXPECT_EQ(Events(), (uint32_t)TERN_NETDEV_EV_LINK);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_PEER_DEAD);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  (void)req;
  int reqs = 1;
  for (int i = 0; i < 30; i++) {
    Advance(1000);
    reqs += (int)Sent().size();
  }
  EXPECT_EQ(reqs, 10);
}

// The line loops back once the link is up (a modem's loopback, say):
// our Echo-Requests come back with our magic number, are answered (as
// pppd does) and their Replies, ours, are not taken as answers; the
// keepalive counts the peer dead, LCP starts again, and its
// Configure-Requests coming back name the line looped (RFC 1661 6.4).
TEST_F(Ppp, ALineLoopedBackOnceOpenedEndsAsLooped) {
  Init(Default());
  tern_ppp_use_keepalive(&ppp_, 2000, 3);
  LcpUp();
  IpcpUp();
  ASSERT_TRUE(Up());
  size_t frames = LoopBack(200);
  EXPECT_FALSE(Up());
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_LOOPBACK);
  EXPECT_LT(frames, 80u);
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->echo_replies, 0u);
  ExpectQuietAfterALoop();
}

// The peer restarts: a new Configure-Request while opened takes the link
// down and renegotiates; it comes up again.
TEST_F(Ppp, PeerRestartRenegotiates) {
  InitUp();
  EXPECT_EQ(Events(), (uint32_t)TERN_NETDEV_EV_LINK);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_LCP_MAGIC, Be32(0x55667788))));
  EXPECT_FALSE(Up());
  EXPECT_EQ(Events(), (uint32_t)TERN_NETDEV_EV_LINK);
  std::vector<Frame> s = Sent();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].code(), TERN_PPP_CONF_REQ);
  EXPECT_EQ(s[1].code(), TERN_PPP_CONF_ACK);
  AckOurs(s[0]);
  IpcpUp();
  EXPECT_TRUE(Up());
  EXPECT_EQ(Events(), (uint32_t)TERN_NETDEV_EV_LINK);
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->restarts, 1u);
}

// What the peer rejected is asked for again when negotiation starts
// afresh (RFC 1661 6: a Configure-Reject holds for the negotiation it
// answers; the peer that restarts may be another configuration).
TEST_F(Ppp, PeerRestartForgetsRejectedOptions) {
  Init(Default());
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  ASSERT_TRUE(req.Has(TERN_LCP_PFC));
  ASSERT_TRUE(req.Has(TERN_LCP_MAGIC));
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REJ, req.id(),
              Cat({Opt(TERN_LCP_MAGIC, req.Opt(TERN_LCP_MAGIC)),
                   Opt(TERN_LCP_PFC, {}), Opt(TERN_LCP_ACFC, {})})));
  Frame req2 = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_FALSE(req2.Has(TERN_LCP_PFC));
  EXPECT_FALSE(req2.Has(TERN_LCP_ACFC));
  EXPECT_FALSE(req2.Has(TERN_LCP_MAGIC));
  LcpUpWith(req2);
  IpcpUp();
  ASSERT_TRUE(Up());
  // The peer restarts: our new request offers everything again.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_LCP_MAGIC, Be32(0x55667788))));
  std::vector<Frame> s = Sent();
  ASSERT_GE(s.size(), 1u);
  EXPECT_EQ(s[0].code(), TERN_PPP_CONF_REQ);
  EXPECT_TRUE(s[0].Has(TERN_LCP_PFC));
  EXPECT_TRUE(s[0].Has(TERN_LCP_ACFC));
  ASSERT_TRUE(s[0].Has(TERN_LCP_MAGIC));
  EXPECT_NE(s[0].Opt(TERN_LCP_MAGIC), Be32(0));
  // A retransmission after a Reject keeps the Reject.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REJ, s[0].id(), Opt(TERN_LCP_PFC, {})));
  Frame again = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_FALSE(again.Has(TERN_LCP_PFC));
  EXPECT_TRUE(again.Has(TERN_LCP_ACFC));
  Advance(3000);  // the restart timer's resend
  Frame resent = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_FALSE(resent.Has(TERN_LCP_PFC));
}

// tern_ppp_close and tern_ppp_open come from the application's task,
// while the task that polls the link waits on an idle stream with no
// deadline armed (a quiet peer, no keepalive): they must wake it, or the
// Terminate-Request (the Configure-Request) and its restart timer wait
// for the peer's next byte. Likewise tern_ppp_shutdown, whose polls then
// fail with TERN_ECLOSED.
TEST_F(Ppp, CloseOpenAndShutdownWakeTheTaskPollingTheLink) {
  InitUp();
  Run();
  ASSERT_TRUE(Up());
  w_.Take();
  tern_ppp_close(&ppp_);
  EXPECT_GT(w_.Take(), 0);
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  // Unanswered: Max-Terminate requests, then Closed and quiet.
  Advance(1000);
  Advance(1000);
  Sent();
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  w_.Take();
  tern_ppp_open(&ppp_);
  EXPECT_GT(w_.Take(), 0);
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  w_.Take();
  tern_ppp_shutdown(&ppp_);
  EXPECT_GT(w_.Take(), 0);
  Run();
  EXPECT_TRUE(closed_);
}

// tern_ppp_open right after tern_ppp_close, before the peer's
// Terminate-Ack (an application bouncing the link): RFC 1661 4.3's Open
// delays the negotiation until the close has finished, it does not drop
// it. Before, Open in Closing went to Stopping, the Terminate-Ack to
// Stopped, and nothing more was sent: both ends waited for the other for
// ever (the peer Stopped after our Terminate-Request).
TEST_F(Ppp, OpenRightAfterCloseNegotiatesAgain) {
  InitUp();
  ASSERT_TRUE(Up());
  tern_ppp_close(&ppp_);
  Frame term = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  tern_ppp_open(&ppp_);
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_TERM_ACK, term.id(), {}));
  bool asked = false;
  for (int i = 0; i < 4 && !asked; i++) {
    for (const Frame &f : Sent()) {
      asked |= f.proto == TERN_PPP_PROTO_LCP && f.code() == TERN_PPP_CONF_REQ;
    }
    if (!asked) {
      Advance(3000);
    }
  }
  ASSERT_TRUE(asked);
  Advance(3000);  // our request again, now that the peer listens
  LcpUp();
  IpcpUp();
  EXPECT_TRUE(Up());
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_OK);
}

TEST_F(Ppp, PeerTerminates) {
  InitUp();
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_TERM_REQ, 4, {}));
  Frame ta = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_ACK);
  EXPECT_EQ(ta.id(), 4);
  EXPECT_FALSE(Up());
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_TERMINATED);
  Advance(1000);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  EXPECT_TRUE(Sent().empty());
}

TEST_F(Ppp, IpcpRejectedByThePeerEndsTheLink) {
  Init(Default());
  LcpUp();
  Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 5, {0x80, 0x21, 1, 1, 0, 4}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_FALSE(Up());
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_REJECTED);
}

// A Protocol-Reject of LCP itself is RFC 1661's example of RXJ- (4.3:
// "a Protocol-Reject of LCP!", unrecoverable): in Opened the link goes
// down, Terminate-Requests go out and it ends as rejected. It was
// counted in bad_packet and the link stayed up.
TEST_F(Ppp, AProtocolRejectOfLcpEndsTheLink) {
  InitUp();
  ASSERT_TRUE(Up());
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 6,
              Cat({{0xc0, 0x21}, Cp(TERN_PPP_ECHO_REQ, 1, Be32(kPeerMagic))})));
  EXPECT_FALSE(Up());
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_TERMINATE);
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, 0u);
  for (int i = 0; i < 3; i++) {
    Advance(1000);
  }
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_REJECTED);
}

// The same while we authenticate: LCP is opened, and a Protocol-Reject of
// LCP is unrecoverable whatever the phase (RFC 1661 4.3). It was counted
// in not_open and the link stayed up. A Protocol-Reject of a network
// protocol then is still not acted on (we sent none before the network
// phase).
TEST_F(Ppp, AProtocolRejectOfLcpWhileAuthenticatingEndsTheLink) {
  AuthenticatingWithPap();
  ASSERT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  const tern_ppp_stats *st = tern_ppp_get_stats(&ppp_);
  uint32_t not_open = st->not_open;
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 6, {0x80, 0x21, 1, 1, 0, 4}));
  EXPECT_EQ(st->not_open, not_open + 1);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 7,
              Cat({{0xc0, 0x21}, Cp(TERN_PPP_ECHO_REQ, 1, Be32(kPeerMagic))})));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(st->not_open, not_open + 1);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_TERMINATE);
  for (int i = 0; i < 3; i++) {
    Advance(1000);
  }
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_REJECTED);
}

// A Protocol-Reject of the authentication protocol we run (PAP, or CHAP)
// while we authenticate: the peer will never answer it, so the link ends
// at once as an authentication failure (pppd: "PAP authentication failed
// due to protocol-reject"). Our PAP requests went on until Max-Configure
// (30 s by default) and CHAP waited as long.
TEST_F(Ppp, AProtocolRejectOfPapEndsTheLinkAtOnce) {
  Frame auth = AuthenticatingWithPap();
  PeerSend(
      TERN_PPP_PROTO_LCP,
      Cp(TERN_PPP_PROTO_REJ, 6,
         Cat({{0xc0, 0x23}, Cp(TERN_PAP_AUTH_REQ, auth.id(), auth.data())})));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_AUTH);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_TERMINATE);
}

TEST_F(Ppp, AProtocolRejectOfChapEndsTheLinkAtOnce) {
  AuthenticatingWithChap();
  Sent();
  // A Protocol-Reject of PAP, which we do not run, changes nothing.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 6, {0xc0, 0x23, 1, 1, 0, 4}));
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  PeerSend(TERN_PPP_PROTO_CHAP, Cp(TERN_CHAP_CHALLENGE, 2, {1, 9}));
  Expect(TERN_PPP_PROTO_CHAP, TERN_CHAP_RESPONSE);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 7, {0xc2, 0x23, 2, 2, 0, 4}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_AUTH);
}

// IPCP protocol-rejected once opened: IPCP's own Terminate-Request (on
// 0x8021, not LCP's), then LCP ends the link (nothing left to carry).
TEST_F(Ppp, IpcpProtocolRejectedWhileOpened) {
  InitUp();
  ASSERT_TRUE(Up());
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 6, {0x80, 0x21, 1, 1, 0, 4}));
  EXPECT_FALSE(Up());
  Frame tr = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tr.code(), TERN_PPP_TERM_REQ);
  EXPECT_TRUE(Sent().empty());  // LCP stays until IPCP is finished
  // No Terminate-Ack for IPCP (the peer rejects the protocol): IPCP's
  // Max-Terminate runs out, then LCP terminates.
  for (int i = 0; i < 3; i++) {
    Advance(1000);
  }
  bool lcp_term = false;
  for (const Frame &f : Sent()) {
    lcp_term |= f.proto == TERN_PPP_PROTO_LCP && f.code() == TERN_PPP_TERM_REQ;
  }
  EXPECT_TRUE(lcp_term);
}

// IPV6CP (RFC 5072) beside IPCP: interface identifiers negotiated (a
// peer that proposes ours is naked with another, a Nak of ours is taken),
// IPv6 packets cross as protocol 0x0057, and IPv6 alone keeps the link
// when IPCP is protocol-rejected.
TEST_F(Ppp, Ipv6cpNegotiatesIdentifiersAndCarriesIpv6) {
  Init(Default());
  ASSERT_EQ(tern_ppp_use_ipv6cp(&ppp_), 0);
  LcpUp();
  Frame req = Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_REQ);
  Bytes ours = req.Opt(TERN_IPV6CP_IFID);
  ASSERT_EQ(ours.size(), 8u);
  EXPECT_NE(ours, Bytes(8, 0));
  // The peer proposes our identifier: naked with another.
  PeerSend(TERN_PPP_PROTO_IPV6CP,
           Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_IPV6CP_IFID, ours)));
  Frame nak = Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_NAK);
  Bytes suggested = nak.Opt(TERN_IPV6CP_IFID);
  EXPECT_EQ(suggested.size(), 8u);
  EXPECT_NE(suggested, ours);
  EXPECT_NE(suggested, Bytes(8, 0));
  // The peer naks ours with its choice: our next request uses it.
  Bytes theirs_for_us = {2, 0, 0, 0, 0, 0, 0, 0x42};
  PeerSend(TERN_PPP_PROTO_IPV6CP, Cp(TERN_PPP_CONF_NAK, req.id(),
                                     Opt(TERN_IPV6CP_IFID, theirs_for_us)));
  req = Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_IPV6CP_IFID), theirs_for_us);
  AckOurs(req);
  Bytes peer_id = {2, 0, 0, 0, 0, 0, 0, 0x01};
  PeerSend(TERN_PPP_PROTO_IPV6CP,
           Cp(TERN_PPP_CONF_REQ, 2, Opt(TERN_IPV6CP_IFID, peer_id)));
  Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_ACK);
  EXPECT_TRUE(Up());
  EXPECT_EQ(Events(), (uint32_t)TERN_NETDEV_EV_LINK);
  uint8_t l[8], r[8];
  ASSERT_TRUE(tern_ppp_get_ipv6(&ppp_, l, r));
  EXPECT_EQ(Bytes(l, l + 8), theirs_for_us);
  EXPECT_EQ(Bytes(r, r + 8), peer_id);
  // IPv6 both ways; IPv4 is not up (IPCP still negotiating): refused.
  Bytes ip6(40, 0);
  ip6[0] = 0x60;
  PeerSend(TERN_PPP_PROTO_IPV6, ip6);
  ASSERT_EQ(up_.size(), 1u);
  EXPECT_EQ(up_[0], ip6);
  tern_pkt *p = tern_pkt_pool_try_alloc(&pool_);
  ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
  memcpy(tern_pkt_put(p, ip6.size()), ip6.data(), ip6.size());
  int err = 1;
  ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, p, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  Sent();
  EXPECT_EQ(full_.back(), Cat({{0xff, 0x03, 0x00, 0x57}, ip6}));
  p = tern_pkt_pool_try_alloc(&pool_);
  ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
  memset(tern_pkt_put(p, 20), 0x45, 20);
  ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, p, &err), TERN_READY);
  EXPECT_EQ(err, TERN_EAFNOSUPPORT);
  // IPCP rejected by the peer: IPv6 alone keeps the link.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 7, {0x80, 0x21, 1, 1, 0, 4}));
  Advance(10000);
  EXPECT_TRUE(Up());
  for (const Frame &f : Sent()) {
    EXPECT_FALSE(f.proto == TERN_PPP_PROTO_LCP &&
                 f.code() == TERN_PPP_TERM_REQ);
  }
}

// With both NCPs open, one of them going down (the peer's
// Terminate-Request) stops only its own family: the link stays up (no
// restart counted) until the last one goes, IPV6CP as IPCP, and a packet
// held for the stream is dropped only when it is of the family that
// stopped.
// A Protocol-Reject of IPv4 (0x0021) or IPv6 (0x0057) is one of its NCP
// (RFC 1661 5.7: we must stop sending it): that NCP is closed (RXJ-, its
// Terminate-Request) and its family goes down, as for 0x8021 and 0x8057.
TEST_F(Ppp, AProtocolRejectOfIpv4OrIpv6ClosesItsNcp) {
  Init(Default());
  ASSERT_EQ(tern_ppp_use_ipv6cp(&ppp_), 0);
  LcpUp();
  Ipv6cpUp(Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_REQ));
  IpcpUp();
  uint8_t local[8], peer[8];
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 7, {0x00, 0x21, 0x45, 0, 0, 20}));
  Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_ipv4(&ppp_).local[0], 0);  // IPv4 down
  EXPECT_TRUE(tern_ppp_get_ipv6(&ppp_, local, peer));
  EXPECT_TRUE(Up());
  for (int i = 0; i < 3; i++) {
    Advance(1000);  // IPCP's Terminate-Requests run out: IPCP finished
  }
  Sent();
  EXPECT_TRUE(Up());
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_OK);  // the link has not failed
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 8, {0x00, 0x57, 0x60, 0, 0, 0}));
  Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_TERM_REQ);
  EXPECT_FALSE(tern_ppp_get_ipv6(&ppp_, local, peer));
  EXPECT_FALSE(Up());
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->bad_packet, 0u);
}

TEST_F(Ppp, AnNcpGoingDownDropsOnlyItsOwnFamilysHeldPacket) {
  Init(Default());
  ASSERT_EQ(tern_ppp_use_ipv6cp(&ppp_), 0);
  LcpUp();
  Ipv6cpUp(Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_REQ));
  IpcpUp();
  // Sends packets of one IP version until the stream toward the peer is
  // full and one accepted packet waits in the adapter; returns how many
  // were accepted.
  auto fill = [&](uint8_t version) {
    int accepted = 0;
    for (int i = 0; i < 10; i++) {
      tern_pkt *p = tern_pkt_pool_try_alloc(&pool_);
      EXPECT_NE(p, nullptr);
      if (p == nullptr) {
        break;
      }
      EXPECT_EQ(tern_pkt_reserve(p, 4), 0);
      uint8_t *d = tern_pkt_put(p, 1000);
      memset(d, 0x41, 1000);
      d[0] = (uint8_t)(version << 4);
      int err = 1;
      if (tern_netdev_poll_send(&dev_, &cx_, p, &err) == TERN_PENDING) {
        tern_pkt_free(p);  // not taken: one waits already
        return accepted;
      }
      EXPECT_EQ(err, 0);
      accepted++;
    }
    ADD_FAILURE() << "the stream never filled";
    return accepted;
  };
  // Drains the stream toward the peer; counts the IP frames of proto.
  auto drain = [&](uint16_t proto) {
    int n = 0;
    for (int i = 0; i < 20; i++) {
      for (const Frame &f : Sent()) {
        n += f.proto == proto;
      }
    }
    return n;
  };
  const tern_netdev_stats *st = tern_netdev_get_stats(&dev_);
  const tern_ppp_stats *ps = tern_ppp_get_stats(&ppp_);
  int v6 = fill(6);
  EXPECT_GE(v6, 2);
  PeerSend(TERN_PPP_PROTO_IPCP, Cp(TERN_PPP_TERM_REQ, 9, {}));
  EXPECT_EQ(ps->restarts, 0u) << "the link is still up";
  EXPECT_EQ(st->tx_drop_down, 0u);
  EXPECT_EQ(drain(TERN_PPP_PROTO_IPV6), v6);  // the held one included
  EXPECT_TRUE(Up());                          // IPv6 still carried
  // IPV6CP goes down with an IPv6 packet held: that one is dropped.
  v6 = fill(6);
  PeerSend(TERN_PPP_PROTO_IPV6CP, Cp(TERN_PPP_TERM_REQ, 10, {}));
  EXPECT_FALSE(Up());
  EXPECT_EQ(ps->restarts, 1u) << "the link went down";
  EXPECT_EQ(st->tx_drop_down, 1u);
  EXPECT_EQ(drain(TERN_PPP_PROTO_IPV6), v6 - 1);
}

// Found reviewing tern__ppp_ncp_down: with both NCPs open, the peer's
// LCP restart takes the link down once, but each NCP's down counted a
// restart (2; ppp_stats.restarts is "the link went down after being
// up", and an IPCP-only link counts 1 for the same restart).
TEST_F(Ppp, AnLcpRestartWithBothNcpsOpenCountsOneRestart) {
  Init(Default());
  ASSERT_EQ(tern_ppp_use_ipv6cp(&ppp_), 0);
  LcpUp();
  Ipv6cpUp(Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_REQ));
  IpcpUp();
  ASSERT_TRUE(Up());
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_LCP_MAGIC, Be32(0x55667788))));
  EXPECT_FALSE(Up());
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->restarts, 1u);
}

// An IPv6-only peer protocol-rejects IPCP while IPV6CP still negotiates:
// the link stays for IPv6; when IPV6CP is rejected as well, LCP ends.
TEST_F(Ppp, IpcpRejectedWhileIpv6cpNegotiatesKeepsTheLink) {
  Init(Default());
  ASSERT_EQ(tern_ppp_use_ipv6cp(&ppp_), 0);
  LcpUp();
  Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  Frame req = Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 7, {0x80, 0x21, 1, 1, 0, 4}));
  for (const Frame &f : Sent()) {
    EXPECT_FALSE(f.proto == TERN_PPP_PROTO_LCP &&
                 f.code() == TERN_PPP_TERM_REQ);
  }
  Ipv6cpUp(req);
  EXPECT_TRUE(Up());
  // IPV6CP rejected too: nothing left to carry.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 8, {0x80, 0x57, 1, 1, 0, 4}));
  bool lcp_term = false;
  for (int i = 0; i < 4 && !lcp_term; i++) {
    for (const Frame &f : Sent()) {
      lcp_term |=
          f.proto == TERN_PPP_PROTO_LCP && f.code() == TERN_PPP_TERM_REQ;
    }
    Advance(1000);
  }
  EXPECT_TRUE(lcp_term);
  EXPECT_FALSE(Up());
}

// One NCP giving up while the other is opened (RFC 1661 4.1: its
// Max-Configure spent, unanswered or Nak'd every time, leaves it
// Stopped): the link stays up for the other family, LCP sends no
// Terminate-Request, nothing counts as failed, and that family's packets
// still cross both ways.
class PppOneNcpGivesUp : public Ppp {
 protected:
  void Check(bool ipv6_stays, bool nak) {
    Init(Default());
    ASSERT_EQ(tern_ppp_use_ipv6cp(&ppp_), 0);
    LcpUp();
    if (ipv6_stays) {
      Ipv6cpUp(Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_REQ));
    } else {
      IpcpUp();
    }
    ASSERT_TRUE(Up());
    uint16_t other = ipv6_stays ? TERN_PPP_PROTO_IPCP : TERN_PPP_PROTO_IPV6CP;
    int requests = 0;
    for (int i = 0; i < 15; i++) {
      for (const Frame &f : Sent()) {
        EXPECT_FALSE(f.proto == TERN_PPP_PROTO_LCP &&
                     f.code() == TERN_PPP_TERM_REQ);
        if (f.proto == other && f.code() == TERN_PPP_CONF_REQ) {
          requests++;
          if (nak) {
            Bytes n = f.info;
            n[0] = TERN_PPP_CONF_NAK;
            PeerSend(other, n);
          }
        }
      }
      Advance(1000);
    }
    Sent();
    Advance(5000);
    EXPECT_TRUE(Sent().empty()) << "the NCP gave up";
    EXPECT_GE(requests, 9);  // IpcpUp took the first IPV6CP request
    EXPECT_TRUE(Up());
    EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
    EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_OK);
    EXPECT_EQ(tern_ppp_get_stats(&ppp_)->restarts, 0u);
    uint8_t l[8], r[8];
    EXPECT_EQ(tern_ppp_get_ipv6(&ppp_, l, r), ipv6_stays);
    EXPECT_EQ(tern_ppp_get_ipv4(&ppp_).local[0], ipv6_stays ? 0 : 10);
    Bytes ip(40, 0);
    ip[0] = ipv6_stays ? 0x60 : 0x45;
    uint16_t proto = ipv6_stays ? TERN_PPP_PROTO_IPV6 : TERN_PPP_PROTO_IPV4;
    up_.clear();
    PeerSend(proto, ip);
    ASSERT_EQ(up_.size(), 1u);
    EXPECT_EQ(up_[0], ip);
    tern_pkt *p = tern_pkt_pool_try_alloc(&pool_);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(tern_pkt_reserve(p, 4), 0);
    memcpy(tern_pkt_put(p, ip.size()), ip.data(), ip.size());
    int err = 1;
    ASSERT_EQ(tern_netdev_poll_send(&dev_, &cx_, p, &err), TERN_READY);
    EXPECT_EQ(err, 0);
    std::vector<Frame> s = Sent();
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].proto, proto);
  }
};

TEST_F(PppOneNcpGivesUp, IpcpUnansweredKeepsTheIpv6Link) {
  Check(true, false);
}
TEST_F(PppOneNcpGivesUp, IpcpNakedForEverKeepsTheIpv6Link) {
  Check(true, true);
}
TEST_F(PppOneNcpGivesUp, Ipv6cpUnansweredKeepsTheIpv4Link) {
  Check(false, false);
}
TEST_F(PppOneNcpGivesUp, Ipv6cpNakedForEverKeepsTheIpv4Link) {
  Check(false, true);
}

TEST_F(Ppp, MalformedInputDroppedAndCounted) {
  Init(Default());
  Sent();
  // A control packet whose length runs past the frame; a bad option list;
  // a bad address/control field; IP and IPCP before LCP is open.
  PeerSend(TERN_PPP_PROTO_LCP, {1, 1, 0, 40, 1, 4});
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, 2, {1, 9, 0}));
  Bytes f = {0xff, 0x07, 0xc0, 0x21, 1, 1, 0, 4};
  tern_ppp_hdlc_encoder e;
  tern_ppp_hdlc_encoder_start(&e, f.data(), f.size(), 0xffffffffu,
                              TERN_PPP_FCS16);
  uint8_t enc[64];
  size_t n = tern_ppp_hdlc_encoder_fill(&e, enc, sizeof enc);
  PeerRaw(enc, n);
  PeerSend(TERN_PPP_PROTO_IPV4, {0x45, 0, 0, 20});
  PeerSend(TERN_PPP_PROTO_IPCP, Cp(TERN_PPP_CONF_REQ, 1, {}));
  // A frame with a bad FCS.
  enc[3] ^= 1;
  PeerRaw(enc, n);
  EXPECT_TRUE(Sent().empty());
  const tern_ppp_stats *st = tern_ppp_get_stats(&ppp_);
  EXPECT_EQ(st->bad_packet, 2u);
  EXPECT_EQ(st->bad_header, 1u);
  EXPECT_EQ(st->not_open, 2u);
  EXPECT_EQ(tern_ppp_get_hdlc_stats(&ppp_)->bad_fcs, 1u);
  EXPECT_EQ(tern_netdev_get_stats(&dev_)->rx_drop_malformed, 2u);
}

TEST_F(Ppp, EndOfStreamClosesTheAdapter) {
  InitUp();
  Events();
  tern_cx cx = w_.Cx();
  int err;
  tern_stream_poll_close(&peer_, &cx, &err);
  Run();
  EXPECT_TRUE(closed_);
  EXPECT_FALSE(Up());
  EXPECT_EQ(Events(), (uint32_t)TERN_NETDEV_EV_LINK);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_CLOSED);
}

// A frame the end of the stream cuts short is dropped and counted as
// malformed in the netdev's stats (it used to be counted in a field that
// get_stats then overwrote with the codec's sums).
TEST_F(Ppp, AFrameCutShortByTheEndOfStreamIsCounted) {
  InitUp();
  Events();
  const uint8_t part[] = {0x7e, 0xff, 0x7d, 0x23, 0x00, 0x21, 0x45, 0x00};
  PeerRaw(part, sizeof part);
  tern_cx cx = w_.Cx();
  int err;
  tern_stream_poll_close(&peer_, &cx, &err);
  Run();
  EXPECT_TRUE(closed_);
  EXPECT_EQ(tern_netdev_get_stats(&dev_)->rx_drop_malformed, 1u);
  EXPECT_EQ(tern_netdev_get_stats(&dev_)->rx_packets, 0u);
}

TEST_F(Ppp, InitRefusesBadArguments) {
  tern_memstream_init(&pair_, ab_, sizeof ab_, ba_, sizeof ba_);
  ASSERT_EQ(tern_pkt_pool_init(&pool_, pool_mem_, sizeof pool_mem_,
                               1500 + TERN_PPP_OVERHEAD),
            6);
  tern_rng rng = {FakeRng, &seed_};
  tern_stream s = tern_memstream_a(&pair_);
  tern_ppp_config c = {};
  EXPECT_EQ(tern_ppp_init(nullptr, s, &pool_, tx_, sizeof tx_, &c, &rng),
            TERN_EINVAL);
  EXPECT_EQ(tern_ppp_init(&ppp_, s, &pool_, tx_, 0, &c, &rng), TERN_EINVAL);
  EXPECT_EQ(tern_ppp_init(&ppp_, s, &pool_, tx_, sizeof tx_, &c, nullptr),
            TERN_EINVAL);
  c.mru = 1600;  // more than the pool holds
  EXPECT_EQ(tern_ppp_init(&ppp_, s, &pool_, tx_, sizeof tx_, &c, &rng),
            TERN_EINVAL);
  c.mru = 0;
  c.user = "u";  // no password
  EXPECT_EQ(tern_ppp_init(&ppp_, s, &pool_, tx_, sizeof tx_, &c, &rng),
            TERN_EINVAL);
  c.user = nullptr;
  ASSERT_EQ(tern_ppp_init(&ppp_, s, &pool_, tx_, sizeof tx_, &c, &rng), 0);
}

// tern_ppp_open on a link that is open already changes nothing (RFC 1661
// 4.3: Open in Opened). It set the phase back to Establish while LCP and
// IPCP stayed opened, so the peer's IPCP packets were dropped as
// not_open, and in the authentication phase it stopped PAP's retries
// (the restart timer is off in Opened): a lost request waited for ever.
TEST_F(Ppp, OpenOnAnOpenLinkChangesNothing) {
  InitUp();
  ASSERT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  tern_ppp_open(&ppp_);
  Run();
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  EXPECT_TRUE(Up());
  uint32_t not_open = tern_ppp_get_stats(&ppp_)->not_open;
  PeerSend(TERN_PPP_PROTO_IPCP, Cp(TERN_PPP_TERM_REQ, 7, {}));
  EXPECT_EQ(Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_TERM_ACK).id(), 7);
  EXPECT_EQ(tern_ppp_get_stats(&ppp_)->not_open, not_open);
}

TEST_F(Ppp, OpenDuringAuthenticationKeepsPapRetrying) {
  tern_ppp_config c = Default();
  c.user = "u";
  c.password = "p";
  Init(c);
  LcpUp(Opt(TERN_LCP_AUTH, {0xc0, 0x23}));
  Frame auth = Expect(TERN_PPP_PROTO_PAP, TERN_PAP_AUTH_REQ);
  tern_ppp_open(&ppp_);
  Run();
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_AUTHENTICATE);
  Advance(1000);  // the request was lost: sent again
  Frame again = Expect(TERN_PPP_PROTO_PAP, TERN_PAP_AUTH_REQ);
  EXPECT_EQ(again.id(), auth.id() + 1);
  PeerSend(TERN_PPP_PROTO_PAP, Cp(TERN_PAP_AUTH_ACK, again.id(), {0}));
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
}

// A Nak suggesting 0.0.0.0 for our address suggests none (RFC 1332 3.3:
// zero asks the peer for one): our address stays, as pppd ignores such a
// Nak. It was taken, and the link could come up without the address
// configured.
TEST_F(Ppp, AnIpcpNakOfAddressZeroKeepsOurAddress) {
  tern_ppp_config c = Default();
  memcpy(c.local_addr, "\x0a\x00\x00\x05", 4);
  Init(c);
  LcpUp();
  Frame req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  ASSERT_EQ(req.Opt(TERN_IPCP_ADDR), Bytes({10, 0, 0, 5}));
  PeerSend(TERN_PPP_PROTO_IPCP,
           Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_IPCP_ADDR, {0, 0, 0, 0})));
  req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_IPCP_ADDR), Bytes({10, 0, 0, 5}));
  IpcpAckAndRequest(req);
  ASSERT_TRUE(Up());
  tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&ppp_);
  EXPECT_EQ(Bytes(v4.local, v4.local + 4), Bytes({10, 0, 0, 5}));
}

// A Nak may suggest only a usable unicast address for us or for a DNS
// server (RFC 1332 3.3, RFC 1877 1): one in 0/8, of multicast (224/4),
// 240/4 or broadcast is ignored as 0.0.0.0 is, and so is loopback as our
// address (pppd's bad_ip_adrs refuses these). Loopback as a DNS server is
// still taken: slirp gives 127.0.0.1 (GoldenSlirpSession). They were all
// taken: the link came up as 255.255.255.255 with a multicast DNS server.
TEST_F(Ppp, AnIpcpNakOfAnUnusableAddressIsIgnored) {
  tern_ppp_config c = Default();
  memcpy(c.local_addr, "\x0a\x00\x00\x05", 4);
  c.want_dns = 2;
  Init(c);
  LcpUp();
  const Bytes bad[] = {{255, 255, 255, 255}, {224, 0, 0, 1}, {239, 1, 2, 3},
                       {240, 0, 0, 1},       {0, 1, 2, 3},   {127, 0, 0, 1}};
  for (const Bytes &b : bad) {
    Frame req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
    Bytes dns = b[0] == 127 ? Bytes({9, 9, 9, 9}) : b;
    Bytes dns2 = b[0] == 127 ? Bytes({255, 255, 255, 255}) : b;
    PeerSend(TERN_PPP_PROTO_IPCP,
             Cp(TERN_PPP_CONF_NAK, req.id(),
                Cat({Opt(TERN_IPCP_ADDR, b), Opt(TERN_IPCP_DNS1, dns),
                     Opt(TERN_IPCP_DNS2, dns2)})));
  }
  Frame req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_IPCP_ADDR), Bytes({10, 0, 0, 5}));
  EXPECT_EQ(req.Opt(TERN_IPCP_DNS1), Bytes({9, 9, 9, 9}));
  EXPECT_EQ(req.Opt(TERN_IPCP_DNS2), Bytes({0, 0, 0, 0}));
  // Loopback is a DNS server's address still.
  PeerSend(TERN_PPP_PROTO_IPCP, Cp(TERN_PPP_CONF_NAK, req.id(),
                                   Opt(TERN_IPCP_DNS2, {127, 0, 0, 1})));
  req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_IPCP_DNS2), Bytes({127, 0, 0, 1}));
  IpcpAckAndRequest(req);
  ASSERT_TRUE(Up());
  tern_ppp_ipv4 v4 = tern_ppp_get_ipv4(&ppp_);
  EXPECT_EQ(Bytes(v4.local, v4.local + 4), Bytes({10, 0, 0, 5}));
  EXPECT_EQ(Bytes(v4.dns1, v4.dns1 + 4), Bytes({9, 9, 9, 9}));
}

// An MRU (or ACCM) the peer naks us with answers that negotiation, as a
// Reject does: when negotiation starts afresh (the peer restarts, or
// tern_ppp_open) we ask for the configured MRU and ACCM again, and the MTU
// is no longer capped by the old suggestion. The Nak'd values were kept
// for good: the MTU stayed 800 against a peer that takes 1000.
TEST_F(Ppp, AFreshNegotiationAsksForTheConfiguredMruAgain) {
  tern_ppp_config c = Default();
  c.mru = 1000;
  Init(c);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_NAK, req.id(),
              Cat({Opt(TERN_LCP_MRU, {0x03, 0x20}),
                   Opt(TERN_LCP_ACCM, {0x00, 0x0a, 0x00, 0x00})})));
  req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  ASSERT_EQ(req.Opt(TERN_LCP_MRU), Bytes({0x03, 0x20}));  // 800
  ASSERT_EQ(req.Opt(TERN_LCP_ACCM), Bytes({0x00, 0x0a, 0x00, 0x00}));
  LcpUpWith(req);
  IpcpUp();
  ASSERT_TRUE(Up());
  EXPECT_EQ(tern_netdev_get_info(&dev_).mtu, 800);
  // The peer restarts, and takes what we ask for now.
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_LCP_MAGIC, Be32(0x55667788))));
  EXPECT_FALSE(Up());
  req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_LCP_MRU), Bytes({0x03, 0xe8}));  // 1000
  EXPECT_EQ(req.Opt(TERN_LCP_ACCM), Bytes({0, 0, 0, 0}));
  AckOurs(req);
  IpcpUp();
  ASSERT_TRUE(Up());
  EXPECT_EQ(tern_netdev_get_info(&dev_).mtu, 1000);
}

// The link's reason when an opened IPCP, the only NCP, ends it: the
// peer's Terminate-Request of IPCP is TERN_PPP_FAIL_TERMINATED, its
// Protocol-Reject TERN_PPP_FAIL_REJECTED, as when IPCP is refused while
// negotiating. Both read TERN_PPP_FAIL_TIMEOUT: IPCP finished from
// Stopping on its restart timer, and the timeout was taken as the reason.
TEST_F(Ppp, AnOpenedIpcpEndedByThePeerGivesTheLinkItsReason) {
  InitUp();
  ASSERT_TRUE(Up());
  PeerSend(TERN_PPP_PROTO_IPCP, Cp(TERN_PPP_TERM_REQ, 3, {}));
  Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_TERM_ACK);
  Advance(1000);  // IPCP's Stopping lasts a restart period
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_TERMINATED);
}

TEST_F(Ppp, AnOpenedIpcpProtocolRejectedEndsTheLinkAsRejected) {
  InitUp();
  ASSERT_TRUE(Up());
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 6, {0x80, 0x21, 1, 1, 0, 4}));
  for (int i = 0; i < 3; i++) {
    Advance(1000);  // IPCP's Terminate-Requests go unanswered
  }
  bool lcp_term = false;
  for (const Frame &f : Sent()) {
    lcp_term |= f.proto == TERN_PPP_PROTO_LCP && f.code() == TERN_PPP_TERM_REQ;
  }
  EXPECT_TRUE(lcp_term);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_REJECTED);
}

// The same when the peer acks IPCP's Terminate-Request (RTA in Stopping):
// the refusal is still the reason.
TEST_F(Ppp, AnOpenedIpcpProtocolRejectedThenTerminateAckedIsRejected) {
  InitUp();
  ASSERT_TRUE(Up());
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_PROTO_REJ, 6, {0x80, 0x21, 1, 1, 0, 4}));
  Frame tr = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_TERM_REQ);
  PeerSend(TERN_PPP_PROTO_IPCP, Cp(TERN_PPP_TERM_ACK, tr.id(), {}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_REQ);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_FAIL_REJECTED);
}

// tern_ppp_open while LCP is Stopping (the peer's Terminate-Request acked,
// the restart period not over) negotiates afresh (RFC 1661 4.3's Open
// with a Down then an Up), with the configured MRU again.
TEST_F(Ppp, OpenWhileStoppingNegotiatesAfresh) {
  tern_ppp_config c = Default();
  c.mru = 1000;
  Init(c);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_LCP_MRU, {0x03, 0x20})));
  LcpUpWith(Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ));
  IpcpUp();
  ASSERT_TRUE(Up());
  PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_TERM_REQ, 4, {}));
  Expect(TERN_PPP_PROTO_LCP, TERN_PPP_TERM_ACK);
  ASSERT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_TERMINATE);
  tern_ppp_open(&ppp_);
  EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_ESTABLISH);
  EXPECT_EQ(tern_ppp_get_fail(&ppp_), TERN_PPP_OK);
  req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_LCP_MRU), Bytes({0x03, 0xe8}));  // 1000
  LcpUpWith(req);
  IpcpUp();
  EXPECT_TRUE(Up());
}

// The same when our Configure-Requests ran out (Stopped) and the peer's
// request starts the negotiation again.
TEST_F(Ppp, APeerRequestInStoppedAsksForTheConfiguredMruAgain) {
  tern_ppp_config c = Default();
  c.mru = 1000;
  Init(c);
  Frame req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_NAK, req.id(), Opt(TERN_LCP_MRU, {0x03, 0x20})));
  req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  ASSERT_EQ(req.Opt(TERN_LCP_MRU), Bytes({0x03, 0x20}));  // 800
  for (int i = 0; i < 40; i++) {
    Advance(1000);  // unanswered: Max-Configure runs out
  }
  ASSERT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_DEAD);
  Sent();
  PeerSend(TERN_PPP_PROTO_LCP,
           Cp(TERN_PPP_CONF_REQ, 1, Opt(TERN_LCP_MAGIC, Be32(0x55667788))));
  req = Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ);
  EXPECT_EQ(req.Opt(TERN_LCP_MRU), Bytes({0x03, 0xe8}));  // 1000
}

}  // namespace
