// The DHCPv4 wire format against dnsmasq's and dhclient's messages
// (captures/dhcp_dora.pcap, copied into capture_vectors.h), and malformed
// options of every kind.
#include "tern/dhcpv4_wire.h"

#include <gtest/gtest.h>
#include <algorithm>

#include <cstring>
#include <vector>

#include "ip/dhcpv4/capture_vectors.h"
#include "ip/dhcpv4/opt_find.h"
#include "tern/bytes.h"
#include "tern/err.h"

namespace {

using Bytes = std::vector<uint8_t>;

// The DHCP message of a captured IPv4 datagram (after 28 bytes of headers).
template <size_t N>
Bytes Msg(const uint8_t (&d)[N]) {
  return Bytes(d + 28, d + N);
}

bool Eq(tern_ipv4_addr a, tern_ipv4_addr b) {
  return memcmp(a.b, b.b, 4) == 0;
}

// A message with the fixed header of a BOOTREPLY and the given options
// bytes after the cookie.
Bytes WithOptions(const Bytes &opts) {
  // Sized once and copied into (gcc 12 at -O2 wrongly warns about an
  // insert at the end of a vector of a constant size).
  Bytes m(TERN_DHCPV4_HDR_LEN + opts.size(), 0);
  m[0] = TERN_DHCPV4_BOOTREPLY;
  m[236] = 99;
  m[237] = 130;
  m[238] = 83;
  m[239] = 99;
  std::copy(opts.begin(), opts.end(), m.begin() + TERN_DHCPV4_HDR_LEN);
  return m;
}

// Re-emits a parsed message: the header from its repr, every option the
// walk yields in order, the end option and the zero padding up to the
// captured length.
Bytes Reemit(const Bytes &m) {
  tern_dhcpv4_hdr h;
  tern_dhcpv4_hdr_parse(&h, m.data());
  Bytes out(m.size(), 0xee);
  EXPECT_EQ(tern_dhcpv4_hdr_emit(&h, out.data(), out.size()),
            int(TERN_DHCPV4_HDR_LEN));
  size_t off = TERN_DHCPV4_HDR_LEN;
  tern_dhcpv4_opt_iter it;
  tern_dhcpv4_opt_begin(&it, m.data(), m.size());
  uint8_t code, len;
  const uint8_t *data;
  while (tern_dhcpv4_opt_next(&it, &code, &data, &len) == 1) {
    EXPECT_EQ(
        tern_dhcpv4_put_opt(out.data(), out.size(), &off, code, data, len), 0);
  }
  int n = tern_dhcpv4_put_end(out.data(), out.size(), off);
  EXPECT_GE(n, int(TERN_DHCPV4_MIN_LEN));
  // put_end pads to 300; the capture pads to its own length.
  for (size_t i = static_cast<size_t>(n); i < out.size(); i++) {
    out[i] = 0;
  }
  return out;
}

TEST(Dhcpv4Wire, DiscoverFromDhclient) {
  Bytes m = Msg(tern_test::kDhcpDiscover);
  ASSERT_EQ(m.size(), 300u);
  ASSERT_EQ(tern_dhcpv4_check(m.data(), m.size()), 0);
  tern_dhcpv4_hdr h;
  tern_dhcpv4_hdr_parse(&h, m.data());
  EXPECT_EQ(h.op, TERN_DHCPV4_BOOTREQUEST);
  EXPECT_EQ(h.htype, 1);
  EXPECT_EQ(h.hlen, 6);
  EXPECT_EQ(h.hops, 0);
  EXPECT_EQ(h.xid, 0x2cef904du);
  EXPECT_EQ(h.flags, 0);
  EXPECT_TRUE(Eq(h.ciaddr, tern_ipv4(0, 0, 0, 0)));
  const uint8_t mac[6] = {2, 0, 0, 0, 0, 0x0a};
  EXPECT_EQ(memcmp(h.chaddr, mac, 6), 0);
  tern_dhcpv4_opts o;
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()), 0);
  EXPECT_EQ(o.msg_type, TERN_DHCPV4_DISCOVER);
  // The host name and parameter list: walked over by the parse (a client
  // does not act on them), found by the walk.
  EXPECT_EQ(o.present, TERN_DHCPV4_HAVE_MSG_TYPE);
  EXPECT_EQ(o.ignored, 0);
  EXPECT_EQ(tern_test::OptData(m, TERN_DHCPV4_OPT_HOSTNAME), Bytes({'v', 'm'}));
  EXPECT_EQ(tern_test::OptData(m, TERN_DHCPV4_OPT_PARAM_LIST),
            Bytes({1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42}));
  EXPECT_EQ(Reemit(m), m);
}

TEST(Dhcpv4Wire, OfferAndAckFromDnsmasq) {
  for (int which = 0; which < 2; which++) {
    Bytes m =
        which == 0 ? Msg(tern_test::kDhcpOffer) : Msg(tern_test::kDhcpAck);
    SCOPED_TRACE(which);
    ASSERT_EQ(tern_dhcpv4_check(m.data(), m.size()), 0);
    tern_dhcpv4_hdr h;
    tern_dhcpv4_hdr_parse(&h, m.data());
    EXPECT_EQ(h.op, TERN_DHCPV4_BOOTREPLY);
    EXPECT_EQ(h.xid, 0x2cef904du);
    EXPECT_TRUE(Eq(h.yiaddr, tern_ipv4(192, 0, 2, 103)));
    EXPECT_TRUE(Eq(h.siaddr, tern_ipv4(192, 0, 2, 2)));
    EXPECT_TRUE(Eq(h.giaddr, tern_ipv4(0, 0, 0, 0)));
    tern_dhcpv4_opts o;
    ASSERT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()), 0);
    EXPECT_EQ(o.msg_type, which == 0 ? TERN_DHCPV4_OFFER : TERN_DHCPV4_ACK);
    EXPECT_TRUE(Eq(o.server_id, tern_ipv4(192, 0, 2, 2)));
    EXPECT_TRUE(Eq(o.mask, tern_ipv4(255, 255, 255, 0)));
    EXPECT_TRUE(Eq(o.router, tern_ipv4(192, 0, 2, 2)));
    ASSERT_EQ(o.n_dns, 1);
    EXPECT_TRUE(Eq(o.dns[0], tern_ipv4(192, 0, 2, 2)));
    EXPECT_EQ(o.lease, 3600u);
    EXPECT_EQ(o.t1, 1800u);
    EXPECT_EQ(o.t2, 3150u);
    uint16_t want = TERN_DHCPV4_HAVE_MSG_TYPE | TERN_DHCPV4_HAVE_SERVER_ID |
                    TERN_DHCPV4_HAVE_LEASE | TERN_DHCPV4_HAVE_T1 |
                    TERN_DHCPV4_HAVE_T2 | TERN_DHCPV4_HAVE_MASK |
                    TERN_DHCPV4_HAVE_ROUTER | TERN_DHCPV4_HAVE_DNS;
    EXPECT_EQ(tern_test::OptData(m, TERN_DHCPV4_OPT_HOSTNAME),
              which == 1 ? Bytes({'v', 'm'}) : Bytes());
    EXPECT_EQ(o.present, want);
    EXPECT_EQ(o.ignored, 0);
    EXPECT_EQ(Reemit(m), m);
  }
}

TEST(Dhcpv4Wire, RequestAndReleaseFromDhclient) {
  Bytes r = Msg(tern_test::kDhcpRequest);
  tern_dhcpv4_opts o;
  ASSERT_EQ(tern_dhcpv4_check(r.data(), r.size()), 0);
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, r.data(), r.size()), 0);
  EXPECT_EQ(o.msg_type, TERN_DHCPV4_REQUEST);
  EXPECT_EQ(tern_test::OptData(r, TERN_DHCPV4_OPT_REQUESTED_ADDR),
            Bytes({192, 0, 2, 103}));
  EXPECT_TRUE(Eq(o.server_id, tern_ipv4(192, 0, 2, 2)));
  EXPECT_EQ(Reemit(r), r);

  Bytes rel = Msg(tern_test::kDhcpRelease);
  ASSERT_EQ(tern_dhcpv4_check(rel.data(), rel.size()), 0);
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, rel.data(), rel.size()), 0);
  EXPECT_EQ(o.msg_type, TERN_DHCPV4_RELEASE);
  tern_dhcpv4_hdr h;
  tern_dhcpv4_hdr_parse(&h, rel.data());
  EXPECT_TRUE(Eq(h.ciaddr, tern_ipv4(192, 0, 2, 103)));
  EXPECT_EQ(h.xid, 0x37dbca27u);
  EXPECT_EQ(Reemit(rel), rel);
}

// The light path the client uses: dhclient's DISCOVER and RELEASE headers
// rebuilt with tern_dhcpv4_request_init, secs and ciaddr at their offsets.
TEST(Dhcpv4Wire, RequestInitMatchesDhclient) {
  const uint8_t mac[6] = {2, 0, 0, 0, 0, 0x0a};
  for (int which = 0; which < 2; which++) {
    SCOPED_TRACE(which);
    Bytes m = which == 0 ? Msg(tern_test::kDhcpDiscover)
                         : Msg(tern_test::kDhcpRelease);
    Bytes out(TERN_DHCPV4_HDR_LEN + 1, 0xee);
    uint32_t xid = tern_be32(m.data() + TERN_DHCPV4_OFF_XID);
    EXPECT_EQ(tern_dhcpv4_request_init(out.data(), xid, mac),
              size_t(TERN_DHCPV4_HDR_LEN));
    EXPECT_EQ(out[TERN_DHCPV4_HDR_LEN], 0xee);  // nothing past the header
    memcpy(out.data() + TERN_DHCPV4_OFF_SECS, m.data() + TERN_DHCPV4_OFF_SECS,
           2);
    memcpy(out.data() + TERN_DHCPV4_OFF_CIADDR,
           m.data() + TERN_DHCPV4_OFF_CIADDR, 4);
    EXPECT_EQ(Bytes(out.begin(), out.begin() + TERN_DHCPV4_HDR_LEN),
              Bytes(m.begin(), m.begin() + TERN_DHCPV4_HDR_LEN));
  }
}

TEST(Dhcpv4Wire, IsReplyTo) {
  const uint8_t mac[6] = {2, 0, 0, 0, 0, 0x0a};
  Bytes m = Msg(tern_test::kDhcpOffer);
  ASSERT_EQ(tern_dhcpv4_check(m.data(), m.size()), 0);
  EXPECT_TRUE(tern_dhcpv4_is_reply_to(m.data(), 0x2cef904du, mac));
  EXPECT_FALSE(tern_dhcpv4_is_reply_to(m.data(), 0x2cef904cu, mac));
  uint8_t other[6] = {2, 0, 0, 0, 0, 0x0b};
  EXPECT_FALSE(tern_dhcpv4_is_reply_to(m.data(), 0x2cef904du, other));
  other[5] = 0x0a;
  other[0] = 3;
  EXPECT_FALSE(tern_dhcpv4_is_reply_to(m.data(), 0x2cef904du, other));
  m[0] = TERN_DHCPV4_BOOTREQUEST;  // our own DISCOVER seen again
  EXPECT_FALSE(tern_dhcpv4_is_reply_to(m.data(), 0x2cef904du, mac));
  // dhclient's DISCOVER, same xid and MAC: a request, not a reply.
  Bytes d = Msg(tern_test::kDhcpDiscover);
  EXPECT_FALSE(tern_dhcpv4_is_reply_to(d.data(), 0x2cef904du, mac));
}

TEST(Dhcpv4Wire, CheckRefusesShortAndBootp) {
  Bytes m = Msg(tern_test::kDhcpAck);
  for (size_t n = 0; n < TERN_DHCPV4_HDR_LEN; n++) {
    EXPECT_EQ(tern_dhcpv4_check(m.data(), n), -TERN_DHCPV4_DROP_TRUNCATED);
  }
  EXPECT_EQ(tern_dhcpv4_check(nullptr, 300), -TERN_DHCPV4_DROP_TRUNCATED);
  EXPECT_EQ(tern_dhcpv4_check(m.data(), TERN_DHCPV4_HDR_LEN), 0);
  for (size_t i = 236; i < 240; i++) {
    Bytes b = m;
    b[i] ^= 1;
    EXPECT_EQ(tern_dhcpv4_check(b.data(), b.size()), -TERN_DHCPV4_DROP_COOKIE);
  }
}

TEST(Dhcpv4Wire, EveryTruncationOfTheAckParsesOrIsRefused) {
  // Cut anywhere in the options: an option cut in its data is malformed,
  // a cut between options is a message without an end option (accepted,
  // with the options before the cut).
  Bytes m = Msg(tern_test::kDhcpAck);
  for (size_t n = TERN_DHCPV4_HDR_LEN; n <= m.size(); n++) {
    Bytes b(m.begin(), m.begin() + static_cast<long>(n));
    tern_dhcpv4_opts o;
    int rc = tern_dhcpv4_opts_parse(&o, b.data(), b.size());
    EXPECT_TRUE(rc == 0 || rc == -TERN_DHCPV4_DROP_OPTIONS) << n;
    if (n == TERN_DHCPV4_HDR_LEN) {
      EXPECT_EQ(rc, 0);
      EXPECT_EQ(o.present, 0);
    }
  }
}

TEST(Dhcpv4Wire, LengthPastTheEndIsMalformed) {
  Bytes m = WithOptions({53, 1, 2, 1, 5, 255, 255, 255});  // mask of 5 bytes
  tern_dhcpv4_opts o;
  EXPECT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()),
            -TERN_DHCPV4_DROP_OPTIONS);
  m = WithOptions({53, 1, 2, 54});  // no length byte
  EXPECT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()),
            -TERN_DHCPV4_DROP_OPTIONS);
  // The iterator says so again after the first error.
  tern_dhcpv4_opt_iter it;
  tern_dhcpv4_opt_begin(&it, m.data(), m.size());
  uint8_t c, l;
  const uint8_t *d;
  EXPECT_EQ(tern_dhcpv4_opt_next(&it, &c, &d, &l), 1);
  EXPECT_EQ(tern_dhcpv4_opt_next(&it, &c, &d, &l), -TERN_DHCPV4_DROP_OPTIONS);
  EXPECT_EQ(tern_dhcpv4_opt_next(&it, &c, &d, &l), -TERN_DHCPV4_DROP_OPTIONS);
}

TEST(Dhcpv4Wire, PadEndAndWhatFollowsTheEnd) {
  // Pads anywhere, and garbage after the end option is not read.
  Bytes m = WithOptions({0, 0, 53, 1, 5, 0, 51, 4, 0, 0, 0, 60, 255, 54, 200});
  tern_dhcpv4_opts o;
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()), 0);
  EXPECT_EQ(o.msg_type, TERN_DHCPV4_ACK);
  EXPECT_EQ(o.lease, 60u);
  EXPECT_EQ(o.present, TERN_DHCPV4_HAVE_MSG_TYPE | TERN_DHCPV4_HAVE_LEASE);
}

TEST(Dhcpv4Wire, ImpossibleLengthsAndDuplicatesAreIgnored) {
  Bytes m = WithOptions({
      53,  1,  2,                        // offer
      53,  1,  5,                        // a second type: ignored
      53,  2,  5,   5,                   // wrong length
      1,   3,  255, 255, 255,            // mask of 3 bytes
      1,   4,  255, 255, 0,   0,         // the mask
      3,   6,  1,   2,   3,   4, 5,  6,  // router list not a multiple of 4
      3,   8,  10,  0,   0,   1, 10, 0, 0, 2,  // two routers: the first kept
      6,   12, 9,   9,   9,   1, 9,  9, 9, 2,
      9,   9,  9,   3,       // three DNS, two kept
      51,  0,                // empty lease
      54,  1,  1,            // server id of 1 byte
      59,  0,                // empty T2
      99,  3,  1,   2,   3,  // unknown: walked over
      255,
  });
  tern_dhcpv4_opts o;
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()), 0);
  EXPECT_EQ(o.msg_type, TERN_DHCPV4_OFFER);
  EXPECT_TRUE(Eq(o.mask, tern_ipv4(255, 255, 0, 0)));
  EXPECT_TRUE(Eq(o.router, tern_ipv4(10, 0, 0, 1)));
  ASSERT_EQ(o.n_dns, TERN_DHCPV4_MAX_DNS);
  EXPECT_TRUE(Eq(o.dns[0], tern_ipv4(9, 9, 9, 1)));
  EXPECT_TRUE(Eq(o.dns[1], tern_ipv4(9, 9, 9, 2)));
  EXPECT_EQ(o.present, TERN_DHCPV4_HAVE_MSG_TYPE | TERN_DHCPV4_HAVE_MASK |
                           TERN_DHCPV4_HAVE_ROUTER | TERN_DHCPV4_HAVE_DNS);
  EXPECT_EQ(o.ignored, 7);
}

TEST(Dhcpv4Wire, OverloadWalksFileThenSname) {
  Bytes m = WithOptions({53, 1, 5, 52, 1, 3, 255});
  // file: the server id and an end; sname: the lease.
  const uint8_t file[] = {54, 4, 192, 0, 2, 1, 255};
  const uint8_t sname[] = {0, 51, 4, 0, 0, 1, 0};
  memcpy(m.data() + TERN_DHCPV4_OFF_FILE, file, sizeof file);
  memcpy(m.data() + TERN_DHCPV4_OFF_SNAME, sname, sizeof sname);
  tern_dhcpv4_opts o;
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()), 0);
  EXPECT_TRUE(Eq(o.server_id, tern_ipv4(192, 0, 2, 1)));
  EXPECT_EQ(o.lease, 256u);
  // Overload 1: the file only; 2: sname only.
  m[TERN_DHCPV4_HDR_LEN + 5] = 1;
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()), 0);
  EXPECT_EQ(o.present & TERN_DHCPV4_HAVE_LEASE, 0);
  EXPECT_NE(o.present & TERN_DHCPV4_HAVE_SERVER_ID, 0);
  m[TERN_DHCPV4_HDR_LEN + 5] = 2;
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()), 0);
  EXPECT_NE(o.present & TERN_DHCPV4_HAVE_LEASE, 0);
  EXPECT_EQ(o.present & TERN_DHCPV4_HAVE_SERVER_ID, 0);
  // Without the overload option the fields are not options.
  m[TERN_DHCPV4_HDR_LEN + 3] = 99;
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()), 0);
  EXPECT_EQ(o.present, TERN_DHCPV4_HAVE_MSG_TYPE);
}

TEST(Dhcpv4Wire, OverloadInsideTheFileIsNotFollowed) {
  Bytes m = WithOptions({52, 1, 1, 255});
  const uint8_t file[] = {52, 1, 2, 255};  // would name sname
  const uint8_t sname[] = {53, 1, 6, 255};
  memcpy(m.data() + TERN_DHCPV4_OFF_FILE, file, sizeof file);
  memcpy(m.data() + TERN_DHCPV4_OFF_SNAME, sname, sizeof sname);
  tern_dhcpv4_opts o;
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()), 0);
  EXPECT_EQ(o.present & TERN_DHCPV4_HAVE_MSG_TYPE, 0);
}

TEST(Dhcpv4Wire, AnOptionMayNotCrossFromItsField) {
  // An option in the file field whose length runs into sname.
  Bytes m = WithOptions({52, 1, 1, 255});
  m[TERN_DHCPV4_OFF_FILE + 120] = 12;
  m[TERN_DHCPV4_OFF_FILE + 121] = 10;
  tern_dhcpv4_opts o;
  EXPECT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()),
            -TERN_DHCPV4_DROP_OPTIONS);
  // The same in the options field, at the end of the message.
  m = WithOptions({12, 10, 'a'});
  EXPECT_EQ(tern_dhcpv4_opts_parse(&o, m.data(), m.size()),
            -TERN_DHCPV4_DROP_OPTIONS);
}

TEST(Dhcpv4Wire, EmitRefusesWhatDoesNotFit) {
  uint8_t buf[TERN_DHCPV4_MIN_LEN];
  tern_dhcpv4_hdr h = {};
  EXPECT_EQ(tern_dhcpv4_hdr_emit(&h, buf, TERN_DHCPV4_HDR_LEN - 1),
            TERN_ENOSPC);
  size_t off = sizeof buf - 5;
  const uint8_t four[4] = {1, 2, 3, 4};
  // 6 bytes, and the end option's byte must stay free.
  EXPECT_EQ(tern_dhcpv4_put_opt(buf, sizeof buf, &off, 50, four, 4),
            TERN_ENOSPC);
  EXPECT_EQ(off, sizeof buf - 5);
  off = sizeof buf - 7;
  EXPECT_EQ(tern_dhcpv4_put_opt(buf, sizeof buf, &off, 50, four, 4), 0);
  EXPECT_EQ(off, sizeof buf - 1);
  EXPECT_EQ(tern_dhcpv4_put_end(buf, sizeof buf, off), int(sizeof buf));
  EXPECT_EQ(buf[sizeof buf - 1], 255);
  EXPECT_EQ(tern_dhcpv4_put_end(buf, sizeof buf, sizeof buf), TERN_ENOSPC);
  off = sizeof buf + 3;  // past cap: refused, not wrapped
  EXPECT_EQ(tern_dhcpv4_put_opt(buf, sizeof buf, &off, 50, four, 4),
            TERN_ENOSPC);
}

TEST(Dhcpv4Wire, EmittedMessagePadsTo300AndParsesBack) {
  uint8_t buf[TERN_DHCPV4_MAX_LEN];
  memset(buf, 0xee, sizeof buf);
  tern_dhcpv4_hdr h = {};
  h.op = TERN_DHCPV4_BOOTREQUEST;
  h.htype = 1;
  h.hlen = 6;
  h.xid = 0x01020304;
  h.flags = TERN_DHCPV4_FLAG_BROADCAST;
  h.ciaddr = tern_ipv4(10, 1, 2, 3);
  ASSERT_EQ(tern_dhcpv4_hdr_emit(&h, buf, sizeof buf), 240);
  size_t off = 240;
  uint8_t t = TERN_DHCPV4_REQUEST;
  ASSERT_EQ(tern_dhcpv4_put_opt(buf, sizeof buf, &off, 53, &t, 1), 0);
  tern_ipv4_addr a = tern_ipv4(10, 1, 2, 3);
  ASSERT_EQ(tern_dhcpv4_put_opt(buf, sizeof buf, &off, 50, &a, 4), 0);
  int n = tern_dhcpv4_put_end(buf, sizeof buf, off);
  ASSERT_EQ(n, 300);
  EXPECT_EQ(buf[300], 0xee);  // nothing written past the message
  ASSERT_EQ(tern_dhcpv4_check(buf, 300), 0);
  tern_dhcpv4_hdr h2;
  tern_dhcpv4_hdr_parse(&h2, buf);
  EXPECT_EQ(memcmp(&h, &h2, sizeof h), 0);
  tern_dhcpv4_opts o;
  ASSERT_EQ(tern_dhcpv4_opts_parse(&o, buf, 300), 0);
  EXPECT_EQ(o.msg_type, TERN_DHCPV4_REQUEST);
  EXPECT_EQ(
      tern_test::OptData(Bytes(buf, buf + 300), TERN_DHCPV4_OPT_REQUESTED_ADDR),
      Bytes(a.b, a.b + 4));
}

}  // namespace
