// The scripted peer the PPP link's tests talk to: an in-memory stream in
// virtual time (the sim port), frames decoded and built with the codec.
// Shared by ppp_test (the full link: CHAP and IPV6CP linked) and
// ppp_min_test (LCP, PAP and IPCP alone).
#ifndef TERN_LINK_PPP_PPP_TEST_FIXTURE_H
#define TERN_LINK_PPP_PPP_TEST_FIXTURE_H

#include <gtest/gtest.h>

#include <vector>

#include "executor/test_waker.h"
#include "tern/cp_wire.h"
#include "tern/hdlc.h"
#include "tern/memstream.h"
#include "tern/ppp.h"
#include "tern/sim.h"

namespace ppp_test {

using Bytes = std::vector<uint8_t>;

struct Frame {
  uint16_t proto = 0;
  Bytes info;  // from the code on (or the IP packet)
  uint8_t code() const {
    return info.size() > 0 ? info[0] : 0;
  }
  uint8_t id() const {
    return info.size() > 1 ? info[1] : 0;
  }
  // The options (or data) after the control packet's header.
  Bytes data() const {
    return info.size() >= 4 ? Bytes(info.begin() + 4, info.end()) : Bytes();
  }
  bool Has(uint8_t type) const {
    Bytes d = data();
    size_t off = 0;
    tern_ppp_opt o;
    while (tern_ppp_opt_next(d.data(), d.size(), &off, &o) == 1) {
      if (o.type == type) {
        return true;
      }
    }
    return false;
  }
  Bytes Opt(uint8_t type) const {
    Bytes d = data();
    size_t off = 0;
    tern_ppp_opt o;
    while (tern_ppp_opt_next(d.data(), d.size(), &off, &o) == 1) {
      if (o.type == type) {
        return Bytes(o.val, o.val + o.len);
      }
    }
    return Bytes();
  }
};

// A frame as a peer puts it on the line: address and control, the
// protocol uncompressed, then the information field, every control
// character escaped (ACCM ffffffff), FCS-16.
inline Bytes PeerFrame(uint16_t proto, const Bytes &info) {
  Bytes f = {0xff, 0x03, (uint8_t)(proto >> 8), (uint8_t)proto};
  f.insert(f.end(), info.begin(), info.end());
  tern_ppp_hdlc_encoder e;
  tern_ppp_hdlc_encoder_start(&e, f.data(), f.size(), 0xffffffffu,
                              TERN_PPP_FCS16);
  Bytes out(TERN_PPP_HDLC_ENCODED_MAX(f.size(), 2));
  out.resize(tern_ppp_hdlc_encoder_fill(&e, out.data(), out.size()));
  return out;
}

inline Bytes Cp(uint8_t code, uint8_t id, const Bytes &data) {
  Bytes b = {code, id, (uint8_t)((data.size() + 4) >> 8),
             (uint8_t)(data.size() + 4)};
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

inline Bytes Opt(uint8_t type, const Bytes &v) {
  Bytes b = {type, (uint8_t)(v.size() + 2)};
  b.insert(b.end(), v.begin(), v.end());
  return b;
}

inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const Bytes &p : parts) {
    b.insert(b.end(), p.begin(), p.end());
  }
  return b;
}

// Deterministic "random" bytes for magic numbers.
inline int FakeRng(void *self, void *buf, size_t len) {
  auto *n = static_cast<uint32_t *>(self);
  auto *b = static_cast<uint8_t *>(buf);
  for (size_t i = 0; i < len; i++) {
    *n = *n * 1664525u + 1013904223u;
    b[i] = (uint8_t)(*n >> 24);
  }
  return 0;
}

const uint32_t kPeerMagic = 0x11223344;

class Ppp : public ::testing::Test {
 protected:
  void SetUp() override {
    tern_sim_set_time(5000);
  }

  void TearDown() override {
    tern_ppp_shutdown(&ppp_);
    EXPECT_EQ(tern_pkt_pool_available(&pool_), 6u) << "a packet leaked";
  }

  void Init(tern_ppp_config cfg) {
    tern_memstream_init(&pair_, ab_, sizeof ab_, ba_, sizeof ba_);
    ASSERT_EQ(tern_pkt_pool_init(&pool_, pool_mem_, sizeof pool_mem_,
                                 1500 + TERN_PPP_OVERHEAD),
              6);
    tern_rng rng = {FakeRng, &seed_};
    ASSERT_EQ(tern_ppp_init(&ppp_, tern_memstream_a(&pair_), &pool_, tx_,
                            sizeof tx_, &cfg, &rng),
              0);
    dev_ = tern_ppp_netdev(&ppp_);
    peer_ = tern_memstream_b(&pair_);
    uint8_t *buf = peer_buf_;
    tern_ppp_hdlc_decoder_init(&dec_, buf, sizeof peer_buf_);
    tern_ppp_hdlc_decoder_config(&dec_, 0, TERN_PPP_FCS16);
    cx_ = w_.Cx();
  }

  // Polls the adapter's receive side until it waits; IP packets handed up
  // are kept in up_.
  void Run() {
    for (int i = 0; i < 1000; i++) {
      tern_pkt *p = nullptr;
      int err = 0;
      if (tern_netdev_poll_recv(&dev_, &cx_, &p, &err) == TERN_PENDING) {
        return;
      }
      if (err < 0) {
        closed_ = true;
        return;
      }
      up_.emplace_back(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
      tern_pkt_free(p);
    }
    FAIL() << "poll_recv never waits";
  }

  // Moves virtual time on, fires what is due, and runs the adapter.
  void Advance(uint32_t ms) {
    tern_sim_advance(ms);
    w_.FireTimers(tern_now());
    Run();
  }

  // What the adapter sent and the test has not looked at yet, frame by
  // frame.
  std::vector<Frame> Sent() {
    Read();
    std::vector<Frame> out;
    out.swap(pending_);
    return out;
  }

  void Read() {
    Run();
    std::vector<Frame> &out = pending_;
    tern_cx cx = w_.Cx();
    for (;;) {
      uint8_t b[256];
      ptrdiff_t n = 0;
      if (tern_stream_poll_read(&peer_, &cx, b, sizeof b, &n) == TERN_PENDING ||
          n <= 0) {
        break;
      }
      raw_.insert(raw_.end(), b, b + n);
      size_t off = 0;
      while (off < (size_t)n) {
        size_t len;
        off += tern_ppp_hdlc_feed(&dec_, b + off, (size_t)n - off, &len);
        if (len > 0) {
          Frame f;
          uint16_t proto;
          int hl = tern_ppp_hdlc_header_parse(peer_buf_, len, &proto);
          EXPECT_GT(hl, 0);
          f.proto = proto;
          f.info.assign(peer_buf_ + hl, peer_buf_ + len);
          full_.emplace_back(peer_buf_, peer_buf_ + len);
          out.push_back(f);
        }
      }
    }
    Run();  // reading made room
  }

  // The first frame of protocol proto (and code, if not 0) sent; fails
  // the test if none.
  Frame Expect(uint16_t proto, uint8_t code = 0) {
    Read();
    for (size_t i = 0; i < pending_.size(); i++) {
      Frame f = pending_[i];
      if (f.proto == proto && (code == 0 || f.code() == code)) {
        pending_.erase(pending_.begin() + (ptrdiff_t)i);
        return f;
      }
    }
    ADD_FAILURE() << "no frame " << std::hex << proto << " code " << (int)code;
    return Frame{proto, {0, 0, 0, 4}};
  }

  void PeerRaw(const uint8_t *b, size_t n) {
    tern_cx cx = w_.Cx();
    ptrdiff_t done = 0;
    ASSERT_EQ(tern_stream_poll_write(&peer_, &cx, b, n, &done), TERN_READY);
    ASSERT_EQ((size_t)done, n);
    Run();
  }

  void PeerSend(uint16_t proto, const Bytes &info) {
    Bytes out = PeerFrame(proto, info);
    PeerRaw(out.data(), out.size());
  }

  // The peer acks our Configure-Request req (of any protocol) as it was:
  // an Ack must repeat it exactly (RFC 1661 5.2).
  void AckOurs(const Frame &req) {
    Bytes ack = req.info;
    ack[0] = TERN_PPP_CONF_ACK;
    PeerSend(req.proto, ack);
  }

  // IPCP's last steps from the peer: it acks our request req and asks
  // for 10.0.0.1 itself (identifier id), which we ack: IPv4 is up when
  // our request was one the peer may ack.
  void IpcpAckAndRequest(const Frame &req, uint8_t id = 0x50) {
    AckOurs(req);
    PeerSend(TERN_PPP_PROTO_IPCP,
             Cp(TERN_PPP_CONF_REQ, id, Opt(TERN_IPCP_ADDR, {10, 0, 0, 1})));
  }

  // A looped-back line: every byte we write comes back to us, for at most
  // `rounds` rounds (a second passes in one where nothing was written) or
  // 1000 frames. Returns how many frames we wrote in all.
  size_t LoopBack(int rounds) {
    for (int i = 0; i < rounds && full_.size() < 1000; i++) {
      Sent();
      if (!raw_.empty()) {
        Bytes back = raw_;
        raw_.clear();
        PeerRaw(back.data(), back.size());
      } else {
        Advance(1000);
      }
    }
    return full_.size();
  }

  // Once a looped line has ended the link, it stays quiet: after a minute
  // to settle, nothing more is written in the next.
  void ExpectQuietAfterALoop() {
    Advance(60000);
    Sent();
    size_t after = full_.size();
    Advance(60000);
    Sent();
    EXPECT_EQ(full_.size(), after);
  }

  static Bytes Be32(uint32_t v) {
    return {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
            (uint8_t)v};
  }

  // The opening most tests share: Init(Default()), then LCP and IPCP up
  // as LcpUp() and IpcpUp() bring them.
  void InitUp() {
    Init(Default());
    LcpUp();
    IpcpUp();
  }

  // LCP up: the peer acks our request and sends a plain one of its own,
  // which must be acked. Returns our (acked) request.
  Frame LcpUp(const Bytes &peer_opts = Opt(TERN_LCP_MAGIC, Be32(kPeerMagic))) {
    return LcpUpWith(Expect(TERN_PPP_PROTO_LCP, TERN_PPP_CONF_REQ), peer_opts);
  }

  // The same, for our request req already taken from what was sent.
  Frame LcpUpWith(Frame req, const Bytes &peer_opts = Opt(TERN_LCP_MAGIC,
                                                          Be32(kPeerMagic))) {
    AckOurs(req);
    PeerSend(TERN_PPP_PROTO_LCP, Cp(TERN_PPP_CONF_REQ, 0x40, peer_opts));
    return req;
  }

  // IPCP up after LcpUp: we are given 10.0.0.2, the peer is 10.0.0.1.
  void IpcpUp() {
    Frame req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
    PeerSend(TERN_PPP_PROTO_IPCP, Cp(TERN_PPP_CONF_NAK, req.id(),
                                     Opt(TERN_IPCP_ADDR, {10, 0, 0, 2})));
    req = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_REQ);
    EXPECT_EQ(req.Opt(TERN_IPCP_ADDR), Bytes({10, 0, 0, 2}));
    IpcpAckAndRequest(req);
    Frame a = Expect(TERN_PPP_PROTO_IPCP, TERN_PPP_CONF_ACK);
    EXPECT_EQ(a.id(), 0x50);
    Sent();  // the rest of the negotiation (our LCP Ack) is not looked at
  }

  // The authentication phase with PAP: credentials tern/s3cret, LCP up
  // with the peer asking for PAP (peer_opts, its request), our
  // Authenticate-Request sent. Returns that request.
  Frame AuthenticatingWithPap(const Bytes &peer_opts = Opt(TERN_LCP_AUTH,
                                                           {0xc0, 0x23})) {
    tern_ppp_config c = Default();
    c.user = "tern";
    c.password = "s3cret";
    Init(c);
    LcpUp(peer_opts);
    return Expect(TERN_PPP_PROTO_PAP, TERN_PAP_AUTH_REQ);
  }

  // The same with CHAP-MD5 (ppp_test links it) asked for: LCP up, the peer's
  // challenge still to come.
  void AuthenticatingWithChap(
      const Bytes &peer_opts = Opt(TERN_LCP_AUTH, {0xc2, 0x23, 0x05})) {
    tern_ppp_config c = Default();
    c.user = "tern";
    c.password = "s3cret";
    Init(c);
    tern_ppp_use_chap(&ppp_);
    LcpUp(peer_opts);
  }

  // Opens IPV6CP after our request req: acks it, and acks the peer's
  // request for interface identifier 02:00:00:00:00:00:00:01.
  void Ipv6cpUp(const Frame &req) {
    AckOurs(req);
    PeerSend(TERN_PPP_PROTO_IPV6CP,
             Cp(TERN_PPP_CONF_REQ, 2,
                Opt(TERN_IPV6CP_IFID, {2, 0, 0, 0, 0, 0, 0, 1})));
    Expect(TERN_PPP_PROTO_IPV6CP, TERN_PPP_CONF_ACK);
  }

  bool Up() {
    return (tern_netdev_get_info(&dev_).flags & TERN_NETDEV_UP) != 0;
  }

  // Once authenticated, the authentication phase's retries are over: the
  // link stays up for well past Max-Configure restart periods and sends
  // no PAP request and no Terminate-Request.
  void ExpectNoAuthAfterwards() {
    for (int i = 0; i < 12; i++) {
      Advance(1000);
      for (const Frame &f : Sent()) {
        EXPECT_NE(f.proto, TERN_PPP_PROTO_PAP);
        EXPECT_FALSE(f.proto == TERN_PPP_PROTO_LCP &&
                     f.code() == TERN_PPP_TERM_REQ);
      }
    }
    EXPECT_TRUE(Up());
    EXPECT_EQ(tern_ppp_get_phase(&ppp_), TERN_PPP_NETWORK);
  }

  uint32_t Events() {
    uint32_t ev = 0;
    tern_cx cx = w_.Cx();
    if (tern_netdev_poll_event(&dev_, &cx, &ev) == TERN_PENDING) {
      return 0;
    }
    return ev;
  }

  tern_ppp_config Default() {
    tern_ppp_config c = {};
    c.restart_ms = 1000;
    return c;
  }

  uint32_t seed_ = 1;
  uint8_t ab_[4096], ba_[4096];
  tern_memstream_pair pair_;
  alignas(8) uint8_t pool_mem_[6 * TERN_PKT_STRIDE(1500 + TERN_PPP_OVERHEAD)];
  tern_pkt_pool pool_;
  uint8_t tx_[48];
  tern_ppp ppp_;
  tern_netdev dev_;
  tern_stream peer_;
  tern_ppp_hdlc_decoder dec_;
  uint8_t peer_buf_[2048];
  tern_test::CountingWaker w_;
  tern_cx cx_;
  std::vector<Bytes> up_;
  std::vector<Frame> pending_;  // sent, not yet looked at
  Bytes raw_;                   // every byte the adapter wrote
  std::vector<Bytes> full_;     // every frame, with its header
  bool closed_ = false;
};

}  // namespace ppp_test

#endif  // TERN_LINK_PPP_PPP_TEST_FIXTURE_H
