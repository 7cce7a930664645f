// The DNS codec: queries against dig's bytes, dnsmasq's captured answers,
// hand-built CNAME chains and negative answers, and one case per RFC 9267
// class of bad packet. Every message is parsed from a heap copy of exactly
// its length, so that under --config=asan a read past the end fails.
#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/dns_wire.h"
#include "tern/err.h"
#include "testdata/capture_vectors.h"

namespace {

using Bytes = std::vector<uint8_t>;
using namespace tern_test;

// An RNG that hands out the two bytes of a chosen ID.
struct IdRng {
  uint8_t id[2];
  int calls = 0;
  int fail = 0;
  tern_rng rng() {
    return tern_rng{Fill, this};
  }
  static int Fill(void *self, void *buf, size_t len) {
    IdRng *r = static_cast<IdRng *>(self);
    r->calls++;
    if (r->fail != 0) {
      return r->fail;
    }
    EXPECT_EQ(len, 2u);
    memcpy(buf, r->id, 2);
    return 0;
  }
};

Bytes Query(const char *name, unsigned qtype, uint16_t id) {
  IdRng r{{uint8_t(id >> 8), uint8_t(id)}};
  tern_rng rng = r.rng();
  Bytes q(TERN_DNS_QUERY_MAX);
  int n = tern_dns_query_build(q.data(), q.size(), name, qtype, &rng);
  EXPECT_GT(n, 0) << name;
  q.resize(n > 0 ? size_t(n) : 0);
  return q;
}

template <size_t N>
Bytes Of(const uint8_t (&a)[N]) {
  return Bytes(a, a + N);
}

struct Parsed {
  int rc;
  tern_dns_answer ans;
  std::vector<tern_ip_addr> addrs;
};

Parsed Parse(const Bytes &q, const Bytes &msg, size_t cap = 4) {
  // Exactly len bytes on the heap: ASan sees any read past them.
  std::vector<uint8_t> exact(msg.begin(), msg.end());
  exact.shrink_to_fit();
  Parsed p;
  memset(&p.ans, 0xee, sizeof p.ans);
  p.addrs.resize(cap);
  p.rc =
      tern_dns_parse(q.data(), q.size(), exact.empty() ? nullptr : exact.data(),
                     exact.size(), &p.ans, p.addrs.data(), cap);
  if (p.rc >= 0) {
    EXPECT_LE(p.ans.n_addrs, cap);
    EXPECT_LE(p.ans.n_addrs, p.ans.n_found);
    p.addrs.resize(p.ans.n_addrs);
  }
  return p;
}

std::string V4(const tern_ip_addr &a) {
  EXPECT_EQ(a.family, TERN_IP_V4);
  char s[20];
  snprintf(s, sizeof s, "%u.%u.%u.%u", a.u.v4.b[0], a.u.v4.b[1], a.u.v4.b[2],
           a.u.v4.b[3]);
  return s;
}

// Builds a message by hand.
struct Msg {
  Bytes b;
  Msg(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
      uint16_t ar) {
    U16(id).U16(flags).U16(qd).U16(an).U16(ns).U16(ar);
  }
  Msg &U8(unsigned v) {
    b.push_back(uint8_t(v));
    return *this;
  }
  Msg &U16(unsigned v) {
    return U8(v >> 8).U8(v);
  }
  Msg &U32(uint32_t v) {
    return U16(v >> 16).U16(v & 0xffff);
  }
  // Labels of a dotted name, then the root unless ptr >= 0, then a
  // pointer to ptr.
  Msg &Name(const std::string &name, int ptr = -1) {
    size_t i = 0;
    while (i < name.size()) {
      size_t j = name.find('.', i);
      if (j == std::string::npos) {
        j = name.size();
      }
      U8(j - i);
      b.insert(b.end(), name.begin() + i, name.begin() + j);
      i = j + 1;
    }
    return ptr >= 0 ? U16(0xc000u | unsigned(ptr)) : U8(0);
  }
  Msg &Question(const std::string &name, unsigned type) {
    return Name(name).U16(type).U16(TERN_DNS_CLASS_IN);
  }
  // Type, class IN, TTL, RDLENGTH (the owner name written before).
  Msg &Rr(unsigned type, uint32_t ttl, unsigned rdlen) {
    return U16(type).U16(TERN_DNS_CLASS_IN).U32(ttl).U16(rdlen);
  }
  Msg &A(uint8_t a, uint8_t b_, uint8_t c, uint8_t d, uint32_t ttl = 300) {
    return Rr(TERN_DNS_TYPE_A, ttl, 4).U8(a).U8(b_).U8(c).U8(d);
  }
  size_t Here() const {
    return b.size();
  }
};

constexpr uint16_t kId = 0x4242;
constexpr unsigned kResp = 0x8180;  // QR, RD, RA, NOERROR
constexpr unsigned kNx = 0x8183;    // ... NXDOMAIN

// --- Queries ----------------------------------------------------------

#if TERN_CONFIG_IPV6  // AAAA: an IPv4-only build has no AAAA queries
TEST(DnsQuery, SameBytesAsDigButTheAdBit) {
  // dig sets AD (0x0020) in its queries; a stub resolver does not.
  Bytes want = Of(kQueryAaaa);
  want[3] = 0x00;
  EXPECT_EQ(Query("peer.test", TERN_DNS_TYPE_AAAA, 0x86eb), want);
  EXPECT_EQ(Query("peer.test.", TERN_DNS_TYPE_AAAA, 0x86eb), want);
}
#endif

TEST(DnsQuery, IdComesFromTheRng) {
  IdRng r{{0xab, 0xcd}};
  tern_rng rng = r.rng();
  uint8_t q[64];
  ASSERT_GT(tern_dns_query_build(q, sizeof q, "a.b", TERN_DNS_TYPE_A, &rng), 0);
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(q[0], 0xab);
  EXPECT_EQ(q[1], 0xcd);
  r.fail = TERN_EIO;
  EXPECT_EQ(tern_dns_query_build(q, sizeof q, "a.b", TERN_DNS_TYPE_A, &rng),
            TERN_EIO);
}

TEST(DnsQuery, NameLimits) {
  const std::string l63(63, 'x');
  // 137 characters, two 63-byte labels: as dig sent it (captured).
  std::string longname =
      "this-label-is-exactly-sixty-three-characters-long-for-dns-tests";
  longname = longname + "." + longname + ".long.test";
  Bytes q = Query(longname.c_str(), TERN_DNS_TYPE_A, 0x78f6);
  Bytes answer = Of(kAnswerLong);
  ASSERT_EQ(q.size(), 12u + 139u + 4u);
  EXPECT_EQ(Bytes(q.begin() + 12, q.end()),
            Bytes(answer.begin() + 12, answer.begin() + 12 + 139 + 4));

  // 253 characters of text is 255 bytes on the wire: the most.
  std::string n253 = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'y');
  ASSERT_EQ(n253.size(), 253u);
  uint8_t q2[TERN_DNS_QUERY_MAX];
  IdRng r{{1, 2}};
  tern_rng rng = r.rng();
  EXPECT_EQ(
      tern_dns_query_build(q2, sizeof q2, n253.c_str(), TERN_DNS_TYPE_A, &rng),
      int(TERN_DNS_QUERY_MAX));
  EXPECT_EQ(tern_dns_query_build(q2, sizeof q2, (n253 + ".").c_str(),
                                 TERN_DNS_TYPE_A, &rng),
            int(TERN_DNS_QUERY_MAX));
  const char *bad[] = {
      "", ".", "..", "a..b", ".a", "a.b..", "a.b.c..",
  };
  for (const char *n : bad) {
    EXPECT_EQ(tern_dns_query_build(q2, sizeof q2, n, TERN_DNS_TYPE_A, &rng),
              TERN_EINVAL)
        << '"' << n << '"';
  }
  EXPECT_EQ(tern_dns_query_build(q2, sizeof q2, (l63 + "x.test").c_str(),
                                 TERN_DNS_TYPE_A, &rng),
            TERN_EINVAL);
  EXPECT_EQ(tern_dns_query_build(q2, sizeof q2, (n253 + "z").c_str(),
                                 TERN_DNS_TYPE_A, &rng),
            TERN_EINVAL);
  EXPECT_EQ(tern_dns_query_build(q2, sizeof q2, ("a." + n253).c_str(),
                                 TERN_DNS_TYPE_A, &rng),
            TERN_EINVAL);
  // Bytes are taken as they come: no escapes, no character rules.
  EXPECT_GT(tern_dns_query_build(q2, sizeof q2, "_x\\y*.t\xc3\xa9st",
                                 TERN_DNS_TYPE_A, &rng),
            0);
  EXPECT_EQ(memcmp(q2 + 12, "\x05_x\\y*\x05t\xc3\xa9st\x00", 13), 0);
}

TEST(DnsQuery, TypeAndSpace) {
  IdRng r{{1, 2}};
  tern_rng rng = r.rng();
  uint8_t q[32];
  EXPECT_EQ(tern_dns_query_build(q, sizeof q, "a.b", 15, &rng), TERN_EINVAL);
  EXPECT_EQ(tern_dns_query_build(q, sizeof q, "a.b", TERN_DNS_TYPE_CNAME, &rng),
            TERN_EINVAL);
  // "a.b" is 5 bytes on the wire: 12 + 5 + 4 = 21.
  EXPECT_EQ(tern_dns_query_build(q, 21, "a.b", TERN_DNS_TYPE_A, &rng), 21);
  EXPECT_EQ(tern_dns_query_build(q, 20, "a.b", TERN_DNS_TYPE_A, &rng),
            TERN_ENOSPC);
  EXPECT_EQ(tern_dns_query_build(q, 13, "a.b", TERN_DNS_TYPE_A, &rng),
            TERN_ENOSPC);
  EXPECT_EQ(tern_dns_query_build(q, 0, "a.b", TERN_DNS_TYPE_A, &rng),
            TERN_ENOSPC);
  EXPECT_EQ(r.calls, 1);  // the ID is drawn only for a query that is built
}

// No name is a bad name, as the cache and the resolver take it (the
// empty one: TERN_EINVAL); before, the query's build read through NULL.
TEST(DnsQuery, NullNameIsRefused) {
  IdRng r{{1, 2}};
  tern_rng rng = r.rng();
  uint8_t q[TERN_DNS_QUERY_MAX];
  EXPECT_EQ(tern_dns_query_build(q, sizeof q, nullptr, TERN_DNS_TYPE_A, &rng),
            TERN_EINVAL);
  EXPECT_EQ(r.calls, 0);
}

// The codec's public calls refuse a NULL message or buffer they are given
// to read or write (docs/design.md 4: a bad argument gets TERN_EINVAL);
// before, the query's build wrote through a NULL buffer, the parse read
// through a NULL query or message and the TCP length through a NULL
// buffer. (The places the parse puts its results, and the TCP prefix's
// buffer, are the caller's to give valid: dns_wire.h.)
TEST(DnsArgs, NullBuffersAreRefused) {
  IdRng r{{1, 2}};
  tern_rng rng = r.rng();
  EXPECT_EQ(tern_dns_query_build(nullptr, TERN_DNS_QUERY_MAX, "peer.test",
                                 TERN_DNS_TYPE_A, &rng),
            TERN_EINVAL);
  EXPECT_EQ(r.calls, 0);
  Bytes q = Query("peer.test", TERN_DNS_TYPE_A, 0x00d6);
  Bytes m = Of(kAnswerAEdns);
  tern_dns_answer ans;
  tern_ip_addr addrs[4];
  EXPECT_EQ(
      tern_dns_parse(nullptr, q.size(), m.data(), m.size(), &ans, addrs, 4),
      TERN_EINVAL);
  EXPECT_EQ(
      tern_dns_parse(q.data(), q.size(), nullptr, m.size(), &ans, addrs, 4),
      TERN_EINVAL);
  EXPECT_EQ(tern_dns_tcp_length(nullptr, 2), TERN_EINVAL);
  // The same with the buffers is a query, an answer and a length.
  uint8_t b[TERN_DNS_QUERY_MAX];
  EXPECT_EQ(
      tern_dns_query_build(b, sizeof b, "peer.test", TERN_DNS_TYPE_A, &rng),
      static_cast<int>(q.size()));
  EXPECT_EQ(
      tern_dns_parse(q.data(), q.size(), m.data(), m.size(), &ans, addrs, 4),
      TERN_DNS_OK);
  const uint8_t len[] = {0x00, 0x0c};
  EXPECT_EQ(tern_dns_tcp_length(len, 2), 12);
}

// A query with no RNG to draw its ID from is refused before anything is
// written (docs/design.md 4); before branch dnssize33 the build called
// through the NULL pointer.
TEST(DnsArgs, NullRngIsRefused) {
  uint8_t q[TERN_DNS_QUERY_MAX];
  memset(q, 0xee, sizeof q);
  EXPECT_EQ(
      tern_dns_query_build(q, sizeof q, "peer.test", TERN_DNS_TYPE_A, nullptr),
      TERN_EINVAL);
  EXPECT_EQ(q[0], 0xee);
  EXPECT_EQ(q[12], 0xee);
}

// A bad argument (TERN_EINVAL) is told from a message that is dropped: no
// tern_dns_drop is 1, TERN_EINVAL's magnitude. Before, -TERN_DNS_DROP_SHORT
// was -1 too, so a short message and a bad query (or a NULL buffer) read
// the same from the parse and from the TCP length.
TEST(DnsArgs, BadArgumentIsToldFromADrop) {
  Bytes q = Query("peer.test", TERN_DNS_TYPE_A, 0x00d6);
  Bytes m = Of(kAnswerAEdns);
  int rc = Parse(q, Bytes(m.begin(), m.begin() + 11)).rc;
  EXPECT_EQ(rc, -TERN_DNS_DROP_SHORT);
  EXPECT_NE(rc, TERN_EINVAL);
  EXPECT_EQ(Parse(Bytes(q.begin(), q.begin() + 11), m).rc, TERN_EINVAL);
  const uint8_t shortlen[] = {0x00, 0x0b};
  rc = tern_dns_tcp_length(shortlen, 2);
  EXPECT_EQ(rc, -TERN_DNS_DROP_SHORT);
  EXPECT_NE(rc, TERN_EINVAL);
  for (int d = TERN_DNS_DROP_SHORT; d < TERN_DNS_DROP_COUNT; d++) {
    EXPECT_NE(-d, TERN_EINVAL) << d;
  }
}

// --- Captured answers (dnsmasq 2.90) -------------------------------------

TEST(DnsCaptured, AWithEdnsOpt) {
  Parsed p =
      Parse(Query("peer.test", TERN_DNS_TYPE_A, 0x00d6), Of(kAnswerAEdns));
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  ASSERT_EQ(p.addrs.size(), 1u);
  EXPECT_EQ(V4(p.addrs[0]), "203.0.113.50");
  EXPECT_EQ(p.ans.ttl, 0u);  // dnsmasq's local data: TTL 0
  EXPECT_EQ(p.ans.cnames, 0);
  EXPECT_EQ(p.ans.rcode, 0);
}

#if TERN_CONFIG_IPV6  // IPv6 by nature: not in the IPv4-only build
TEST(DnsCaptured, Aaaa) {
  Parsed p =
      Parse(Query("peer.test", TERN_DNS_TYPE_AAAA, 0x86eb), Of(kAnswerAaaa));
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  ASSERT_EQ(p.addrs.size(), 1u);
  EXPECT_EQ(p.addrs[0].family, TERN_IP_V6);
  const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                            0,    0,    0,    0,    0, 0, 0, 0x50};
  EXPECT_EQ(memcmp(p.addrs[0].u.v6.b, want, 16), 0);
}
#endif

TEST(DnsCaptured, CnameThenA) {
  Parsed p =
      Parse(Query("alias.test", TERN_DNS_TYPE_A, 0x6cd5), Of(kAnswerCname));
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  EXPECT_EQ(p.ans.cnames, 1);
  ASSERT_EQ(p.addrs.size(), 1u);
  EXPECT_EQ(V4(p.addrs[0]), "203.0.113.50");
}

TEST(DnsCaptured, Nxdomain) {
  Parsed p =
      Parse(Query("nope.test", TERN_DNS_TYPE_A, 0x35ca), Of(kAnswerNxdomain));
  EXPECT_EQ(p.rc, TERN_DNS_NXDOMAIN);
  EXPECT_EQ(p.ans.rcode, TERN_DNS_RCODE_NXDOMAIN);
  EXPECT_EQ(p.ans.ttl, 0u);  // no SOA: not to be cached
  EXPECT_EQ(p.ans.n_addrs, 0);
}

TEST(DnsCaptured, LongNames) {
  std::string l =
      "this-label-is-exactly-sixty-three-characters-long-for-dns-tests";
  std::string name = l + "." + l + ".long.test";
  Parsed p =
      Parse(Query(name.c_str(), TERN_DNS_TYPE_A, 0x78f6), Of(kAnswerLong));
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  EXPECT_EQ(V4(p.addrs[0]), "203.0.113.51");
  name = "nope." + name;
  p = Parse(Query(name.c_str(), TERN_DNS_TYPE_A, 0x595b),
            Of(kAnswerLongNxdomain));
  EXPECT_EQ(p.rc, TERN_DNS_NXDOMAIN);
}

TEST(DnsCaptured, OverTcp) {
  Bytes tcp = Of(kTcpAnswer);
  EXPECT_EQ(tern_dns_tcp_length(tcp.data(), 0), 0);
  EXPECT_EQ(tern_dns_tcp_length(tcp.data(), 1), 0);
  int n = tern_dns_tcp_length(tcp.data(), tcp.size());
  ASSERT_EQ(n, 43);
  ASSERT_EQ(tcp.size(), 2u + 43u);
  Parsed p = Parse(Query("peer.test", TERN_DNS_TYPE_A, 0xe7bf),
                   Bytes(tcp.begin() + 2, tcp.end()));
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  EXPECT_EQ(V4(p.addrs[0]), "203.0.113.50");

  // The query dig sent over TCP, framed the same way (AD bit aside).
  Bytes q = Query("peer.test", TERN_DNS_TYPE_A, 0xe7bf);
  Bytes framed(2 + q.size());
  memcpy(framed.data() + 2, q.data(), q.size());
  EXPECT_EQ(tern_dns_tcp_prefix(framed.data(), q.size()), int(framed.size()));
  Bytes want = Of(kTcpQuery);
  want[5] = 0x00;
  EXPECT_EQ(framed, want);
}

TEST(DnsCaptured, TcpLengthBelowAHeader) {
  const uint8_t shortlen[] = {0x00, 0x0b};
  EXPECT_EQ(tern_dns_tcp_length(shortlen, 2), -TERN_DNS_DROP_SHORT);
  const uint8_t zero[] = {0x00, 0x00};
  EXPECT_EQ(tern_dns_tcp_length(zero, 2), -TERN_DNS_DROP_SHORT);
  uint8_t b[2];
  EXPECT_EQ(tern_dns_tcp_prefix(b, 65535), 65537);
  EXPECT_EQ(b[0], 0xff);
  EXPECT_EQ(tern_dns_tcp_prefix(b, 65536), TERN_EMSGSIZE);
}

// --- Question matching --------------------------------------------------

TEST(DnsMatch, NameCaseDoesNotMatter) {
  Parsed p =
      Parse(Query("PEER.Test", TERN_DNS_TYPE_A, 0x00d6), Of(kAnswerAEdns));
  EXPECT_EQ(p.rc, TERN_DNS_OK);
}

TEST(DnsMatch, WrongIdDropped) {
  EXPECT_EQ(
      Parse(Query("peer.test", TERN_DNS_TYPE_A, 0x00d7), Of(kAnswerAEdns)).rc,
      -TERN_DNS_DROP_ID);
}

TEST(DnsMatch, OtherNameDropped) {
  EXPECT_EQ(
      Parse(Query("peer.tes", TERN_DNS_TYPE_A, 0x00d6), Of(kAnswerAEdns)).rc,
      -TERN_DNS_DROP_QUESTION);
  EXPECT_EQ(
      Parse(Query("peer.test.x", TERN_DNS_TYPE_A, 0x00d6), Of(kAnswerAEdns)).rc,
      -TERN_DNS_DROP_QUESTION);
  EXPECT_EQ(
      Parse(Query("peeq.test", TERN_DNS_TYPE_A, 0x00d6), Of(kAnswerAEdns)).rc,
      -TERN_DNS_DROP_QUESTION);
}

#if TERN_CONFIG_IPV6  // AAAA: an IPv4-only build has no AAAA queries
TEST(DnsMatch, OtherTypeOrClassDropped) {
  // The captured answer to dig's CNAME query for alias.test.
  EXPECT_EQ(
      Parse(Query("alias.test", TERN_DNS_TYPE_A, 0xd6a1), Of(kAnswerCnameOnly))
          .rc,
      -TERN_DNS_DROP_QUESTION);
  EXPECT_EQ(
      Parse(Query("peer.test", TERN_DNS_TYPE_AAAA, 0x00d6), Of(kAnswerAEdns))
          .rc,
      -TERN_DNS_DROP_QUESTION);
  Bytes m = Of(kAnswerAEdns);
  m[12 + 11 + 3] = 3;  // class CH
  EXPECT_EQ(Parse(Query("peer.test", TERN_DNS_TYPE_A, 0x00d6), m).rc,
            -TERN_DNS_DROP_QUESTION);
}
#endif

TEST(DnsMatch, QueriesAndOtherOpcodesDropped) {
  Bytes q = Query("peer.test", TERN_DNS_TYPE_A, 0x00d6);
  EXPECT_EQ(Parse(q, q).rc, -TERN_DNS_DROP_NOT_ANSWER);  // QR clear
  Bytes m = Of(kAnswerAEdns);
  m[2] |= 0x10;  // opcode 2 (STATUS)
  EXPECT_EQ(Parse(q, m).rc, -TERN_DNS_DROP_NOT_ANSWER);
}

TEST(DnsMatch, NotOneQuestionDropped) {
  Bytes q = Query("peer.test", TERN_DNS_TYPE_A, 0x00d6);
  Bytes m = Of(kAnswerAEdns);
  m[5] = 0;
  EXPECT_EQ(Parse(q, m).rc, -TERN_DNS_DROP_QUESTION);
  m[5] = 2;
  EXPECT_EQ(Parse(q, m).rc, -TERN_DNS_DROP_QUESTION);
  // A FORMERR with no question (as some servers send) cannot be matched.
  Msg f(0x00d6, 0x8181, 0, 0, 0, 0);
  EXPECT_EQ(Parse(q, f.b).rc, -TERN_DNS_DROP_QUESTION);
}

TEST(DnsMatch, BadQueryIsAnArgumentError) {
  Bytes m = Of(kAnswerAEdns);
  Bytes q = Query("peer.test", TERN_DNS_TYPE_A, 0x00d6);
  EXPECT_EQ(Parse(Bytes(q.begin(), q.end() - 1), m).rc, TERN_EINVAL);
  EXPECT_EQ(Parse(Bytes(q.begin(), q.begin() + 11), m).rc, TERN_EINVAL);
  Bytes mx = q;
  mx[mx.size() - 3] = 15;  // MX: a type whose RDATA is not checked
  EXPECT_EQ(Parse(mx, m).rc, TERN_EINVAL);
}

// --- TC, RCODEs and negative answers -----------------------------------

TEST(DnsResult, TruncatedIsReportedBeforeTheRecords) {
  Bytes m = Of(kAnswerAEdns);
  m[2] |= 0x02;             // TC
  m.resize(m.size() - 20);  // and the records cut, as a server may
  Parsed p = Parse(Query("peer.test", TERN_DNS_TYPE_A, 0x00d6), m);
  EXPECT_EQ(p.rc, TERN_DNS_TRUNCATED);
}

TEST(DnsResult, ServfailAndRefusedAreServerErrors) {
  Bytes q = Query("nope.test", TERN_DNS_TYPE_A, 0x35ca);
  for (int rcode :
       std::vector<int>{TERN_DNS_RCODE_SERVFAIL, TERN_DNS_RCODE_REFUSED,
                        TERN_DNS_RCODE_FORMERR, TERN_DNS_RCODE_NOTIMP, 9}) {
    Bytes m = Of(kAnswerNxdomain);
    m[3] = uint8_t((m[3] & 0xf0) | rcode);
    Parsed p = Parse(q, m);
    EXPECT_EQ(p.rc, TERN_DNS_SERVER_ERROR) << int(rcode);
    EXPECT_EQ(p.ans.rcode, rcode);
  }
}

// A SOA for the zone whose name is at zone_ptr, in the authority
// section: MNAME ns.<zone>, RNAME host.<zone>, TTL ttl, MINIMUM min.
Msg &Soa(Msg &m, int zone_ptr, uint32_t ttl, uint32_t min) {
  m.U16(0xc000u | unsigned(zone_ptr));
  m.Rr(TERN_DNS_TYPE_SOA, ttl, 5 + 7 + 20);
  m.Name("ns", zone_ptr).Name("host", zone_ptr);
  return m.U32(1).U32(2).U32(3).U32(4).U32(min);
}

#if TERN_CONFIG_IPV6  // AAAA: an IPv4-only build has no AAAA queries
TEST(DnsResult, NodataWithSoaMinimum) {
  // NOERROR, no answer, SOA in the authority section (RFC 2308 2.2).
  Msg m(kId, kResp, 1, 0, 1, 0);
  m.Question("peer.test", TERN_DNS_TYPE_AAAA);
  Soa(m, 17, 3600, 60);  // "test" is at 12 + 5
  Parsed p = Parse(Query("peer.test", TERN_DNS_TYPE_AAAA, kId), m.b);
  ASSERT_EQ(p.rc, TERN_DNS_NODATA);
  EXPECT_EQ(p.ans.ttl, 60u);
  EXPECT_EQ(p.ans.n_found, 0);
}
#endif

TEST(DnsResult, NxdomainTtlIsTheLesserOfSoaTtlAndMinimum) {
  Msg m(kId, kNx, 1, 0, 1, 0);
  m.Question("nope.test", TERN_DNS_TYPE_A);
  Soa(m, 17, 30, 900);
  Parsed p = Parse(Query("nope.test", TERN_DNS_TYPE_A, kId), m.b);
  ASSERT_EQ(p.rc, TERN_DNS_NXDOMAIN);
  EXPECT_EQ(p.ans.ttl, 30u);
}

TEST(DnsResult, SoaOutsideTheAuthoritySectionSetsNoTtl) {
  // RFC 2308 5 takes the SOA of the authority section only.
  Msg m(kId, kResp, 1, 1, 0, 1);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  Soa(m, 17, 3600, 60);  // in the answer section
  Soa(m, 17, 3600, 60);  // in the additional section
  Parsed p = Parse(Query("peer.test", TERN_DNS_TYPE_A, kId), m.b);
  ASSERT_EQ(p.rc, TERN_DNS_NODATA);
  EXPECT_EQ(p.ans.ttl, 0u);
  m.b[7] = 0;  // the first now in the authority section
  m.b[9] = 1;
  p = Parse(Query("peer.test", TERN_DNS_TYPE_A, kId), m.b);
  ASSERT_EQ(p.rc, TERN_DNS_NODATA);
  EXPECT_EQ(p.ans.ttl, 60u);
}

TEST(DnsResult, NodataWithoutSoaHasNoTtl) {
  Msg m(kId, kResp, 1, 0, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  Parsed p = Parse(Query("peer.test", TERN_DNS_TYPE_A, kId), m.b);
  EXPECT_EQ(p.rc, TERN_DNS_NODATA);
  EXPECT_EQ(p.ans.ttl, 0u);
}

// A referral (NOERROR, no answer, NS records and no SOA in the authority
// section) is a server that did not recurse, not a name without data:
// RFC 2308 2.2 tells the two apart by the SOA, or by the absence of NS.
// Before, it read as NODATA and the resolver told its caller the name had
// no such record instead of asking the next server.
TEST(DnsResult, ReferralIsAServerErrorNotNoData) {
  Msg m(kId, 0x8100, 1, 0, 2, 0);  // QR, RD; no RA, no AA
  m.Question("peer.test", TERN_DNS_TYPE_A);
  for (const char *ns : {"a", "b"}) {
    m.U16(0xc000u | 17).Rr(2 /* NS */, 172800, unsigned(strlen(ns)) + 3);
    m.Name(ns, 17);
  }
  Parsed p = Parse(Query("peer.test", TERN_DNS_TYPE_A, kId), m.b);
  EXPECT_EQ(p.rc, TERN_DNS_SERVER_ERROR);
  EXPECT_EQ(p.ans.rcode, 0);
  // Through a CNAME too: the chain ends at a name the server did not
  // resolve.
  Msg c(kId, 0x8100, 1, 1, 1, 0);
  c.Question("alias.test", TERN_DNS_TYPE_A);
  c.U16(0xc00c).Rr(TERN_DNS_TYPE_CNAME, 60, 2).U16(0xc000u | 18);
  c.U16(0xc000u | 18).Rr(2 /* NS */, 172800, 5).Name("ns", 18);
  EXPECT_EQ(Parse(Query("alias.test", TERN_DNS_TYPE_A, kId), c.b).rc,
            TERN_DNS_SERVER_ERROR);
  // NS records beside the SOA, or NS with NXDOMAIN: negative answers still.
  Msg n(kId, kResp, 1, 0, 2, 0);
  n.Question("peer.test", TERN_DNS_TYPE_A);
  n.U16(0xc000u | 17).Rr(2 /* NS */, 172800, 4).Name("a", 17);
  Soa(n, 17, 3600, 60);
  Parsed q = Parse(Query("peer.test", TERN_DNS_TYPE_A, kId), n.b);
  EXPECT_EQ(q.rc, TERN_DNS_NODATA);
  EXPECT_EQ(q.ans.ttl, 60u);
  n.b[3] = 0x83;
  EXPECT_EQ(Parse(Query("peer.test", TERN_DNS_TYPE_A, kId), n.b).rc,
            TERN_DNS_NXDOMAIN);
  // An NS record in the answer or additional section is no referral.
  Msg o(kId, kResp, 1, 1, 0, 1);
  o.Question("peer.test", TERN_DNS_TYPE_A);
  o.U16(0xc000u | 17).Rr(2 /* NS */, 172800, 4).Name("a", 17);
  o.U16(0xc000u | 17).Rr(2 /* NS */, 172800, 4).Name("b", 17);
  EXPECT_EQ(Parse(Query("peer.test", TERN_DNS_TYPE_A, kId), o.b).rc,
            TERN_DNS_NODATA);
}

#if TERN_CONFIG_IPV6  // AAAA: an IPv4-only build has no AAAA queries
TEST(DnsResult, RecordsOfOtherTypesOrNamesAreNoData) {
  // An A answer to an AAAA question, and an AAAA of another name.
  Msg m(kId, kResp, 1, 2, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_AAAA);
  m.U16(0xc00c).A(192, 0, 2, 1);
  m.Name("other", 17).Rr(TERN_DNS_TYPE_AAAA, 5, 16);
  for (int i = 0; i < 16; i++)
    m.U8(i);
  EXPECT_EQ(Parse(Query("peer.test", TERN_DNS_TYPE_AAAA, kId), m.b).rc,
            TERN_DNS_NODATA);
}
#endif

TEST(DnsResult, SeveralAddressesAndTheLeastTtl) {
  Msg m(kId, kResp, 1, 3, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  m.U16(0xc00c).A(192, 0, 2, 1, 300);
  m.U16(0xc00c).A(192, 0, 2, 2, 100);
  m.U16(0xc00c).A(192, 0, 2, 3, 0x80000000u);  // top bit: 0 (RFC 2181 8)
  Bytes q = Query("peer.test", TERN_DNS_TYPE_A, kId);
  Parsed p = Parse(q, m.b, 2);
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  EXPECT_EQ(p.ans.n_found, 3);
  ASSERT_EQ(p.ans.n_addrs, 2);
  EXPECT_EQ(V4(p.addrs[0]), "192.0.2.1");
  EXPECT_EQ(V4(p.addrs[1]), "192.0.2.2");
  EXPECT_EQ(p.ans.ttl, 0u);
  m.b.resize(m.b.size() - 16);  // without the third
  m.b[7] = 2;
  p = Parse(q, m.b, 0);
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  EXPECT_EQ(p.ans.n_found, 2);
  EXPECT_EQ(p.ans.n_addrs, 0);
  EXPECT_EQ(p.ans.ttl, 100u);
}

// More than 255 addresses (a TCP answer can hold thousands) with room for
// them all: the count of those stored is a byte, so at most 255 are
// stored, the first ones. Before, the count wrapped: 300 addresses read
// as 44, the last 44 written over the first.
TEST(DnsResult, AtMost255AddressesAreStored) {
  Msg m(kId, kResp, 1, 300, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  for (int i = 0; i < 300; i++)
    m.U16(0xc00c).A(10, 0, uint8_t(i >> 8), uint8_t(i));
  Parsed p = Parse(Query("peer.test", TERN_DNS_TYPE_A, kId), m.b, 300);
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  EXPECT_EQ(p.ans.n_found, 300);
  ASSERT_EQ(p.ans.n_addrs, 255);
  EXPECT_EQ(V4(p.addrs[0]), "10.0.0.0");
  EXPECT_EQ(V4(p.addrs[254]), "10.0.0.254");
}

TEST(DnsResult, OtherClassesAreNotAnswers) {
  Msg m(kId, kResp, 1, 1, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  // Class CH, with an RDATA length an IN A could not have.
  m.U16(0xc00c).U16(TERN_DNS_TYPE_A).U16(3).U32(60).U16(3).U8(1).U8(2).U8(3);
  EXPECT_EQ(Parse(Query("peer.test", TERN_DNS_TYPE_A, kId), m.b).rc,
            TERN_DNS_NODATA);
}

// --- CNAME chains --------------------------------------------------------

// a.test -> b.test -> c.test -> A, records in the order given by `order`.
Bytes Chain(const std::vector<int> &order) {
  Msg m(kId, kResp, 1, 4, 0, 0);
  m.Question("a.test", TERN_DNS_TYPE_A);  // "test" at 14
  for (int r : order) {
    switch (r) {
      case 0:
        m.U16(0xc00c).Rr(TERN_DNS_TYPE_CNAME, 500, 4).Name("b", 14);
        break;
      case 1:
        m.Name("b", 14).Rr(TERN_DNS_TYPE_CNAME, 50, 4).Name("c", 14);
        break;
      case 2:
        m.Name("c", 14).Rr(TERN_DNS_TYPE_CNAME, 400, 4).Name("d", 14);
        break;
      case 3: m.Name("d", 14).A(198, 51, 100, 7, 200); break;
    }
  }
  return m.b;
}

TEST(DnsChain, InOrder) {
  Parsed p = Parse(Query("a.test", TERN_DNS_TYPE_A, kId), Chain({0, 1, 2, 3}));
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  EXPECT_EQ(p.ans.cnames, 3);
  EXPECT_EQ(p.ans.ttl, 50u);  // the least along the chain
  EXPECT_EQ(V4(p.addrs[0]), "198.51.100.7");
}

TEST(DnsChain, AnyOrder) {
  for (const std::vector<int> &o :
       {std::vector<int>{3, 2, 1, 0}, {2, 0, 3, 1}, {1, 3, 0, 2}}) {
    Parsed p = Parse(Query("a.test", TERN_DNS_TYPE_A, kId), Chain(o));
    ASSERT_EQ(p.rc, TERN_DNS_OK);
    EXPECT_EQ(p.ans.cnames, 3);
    EXPECT_EQ(p.ans.ttl, 50u);
  }
}

TEST(DnsChain, EndingWithoutAddressIsNoData) {
  Bytes m = Chain({0, 1, 2});
  m[7] = 3;
  Parsed p = Parse(Query("a.test", TERN_DNS_TYPE_A, kId), m);
  EXPECT_EQ(p.rc, TERN_DNS_NODATA);
  EXPECT_EQ(p.ans.cnames, 3);
}

// A negative answer reached through a CNAME is about the chain's end: it
// holds as long as the chain does. Cached under the question's name, it
// must not outlive the CNAME's TTL (here 50 s against the SOA's 600).
// Before, NODATA and NXDOMAIN took the SOA's alone.
TEST(DnsChain, NegativeAnswerLivesNoLongerThanItsChain) {
  for (unsigned flags : {kResp, kNx}) {
    SCOPED_TRACE(flags == kNx ? "NXDOMAIN" : "NODATA");
    Msg m(kId, flags, 1, 1, 1, 0);
    m.Question("a.test", TERN_DNS_TYPE_A);  // "test" at 14
    m.U16(0xc00c).Rr(TERN_DNS_TYPE_CNAME, 50, 4).Name("b", 14);
    Soa(m, 14, 3600, 600);
    Parsed p = Parse(Query("a.test", TERN_DNS_TYPE_A, kId), m.b);
    EXPECT_EQ(p.rc, flags == kNx ? TERN_DNS_NXDOMAIN : TERN_DNS_NODATA);
    EXPECT_EQ(p.ans.ttl, 50u);
    EXPECT_EQ(p.ans.cnames, 1);
    EXPECT_EQ(p.ans.n_addrs, 0);
  }
}

TEST(DnsChain, UnrelatedCnameIgnored) {
  // A CNAME of another owner does not lead anywhere.
  Msg m(kId, kResp, 1, 2, 0, 0);
  m.Question("a.test", TERN_DNS_TYPE_A);
  m.Name("x", 14).Rr(TERN_DNS_TYPE_CNAME, 9, 4).Name("d", 14);
  m.Name("d", 14).A(198, 51, 100, 7);
  EXPECT_EQ(Parse(Query("a.test", TERN_DNS_TYPE_A, kId), m.b).rc,
            TERN_DNS_NODATA);
}

TEST(DnsChain, LoopRefused) {
  Msg m(kId, kResp, 1, 2, 0, 0);
  m.Question("a.test", TERN_DNS_TYPE_A);
  m.U16(0xc00c).Rr(TERN_DNS_TYPE_CNAME, 9, 4).Name("b", 14);
  m.Name("b", 14).Rr(TERN_DNS_TYPE_CNAME, 9, 2).U16(0xc00c);
  EXPECT_EQ(Parse(Query("a.test", TERN_DNS_TYPE_A, kId), m.b).rc,
            -TERN_DNS_DROP_CHAIN);
}

// n CNAMEs: c0.test -> c1.test -> ... -> cn.test, then cn's A.
Bytes LongChain(int n) {
  Msg m(kId, kResp, 1, uint16_t(n + 1), 0, 0);
  m.Question("c0.test", TERN_DNS_TYPE_A);  // "test" at 15
  for (int i = 0; i < n; i++) {
    std::string from = "c" + std::to_string(i);
    std::string to = "c" + std::to_string(i + 1);
    m.Name(from, 15)
        .Rr(TERN_DNS_TYPE_CNAME, 60, 1 + to.size() + 2)
        .Name(to, 15);
  }
  m.Name("c" + std::to_string(n), 15).A(192, 0, 2, 9);
  return m.b;
}

TEST(DnsChain, LengthBounded) {
  Bytes q = Query("c0.test", TERN_DNS_TYPE_A, kId);
  Parsed p = Parse(q, LongChain(TERN_DNS_MAX_CNAME));
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  EXPECT_EQ(p.ans.cnames, TERN_DNS_MAX_CNAME);
  EXPECT_EQ(Parse(q, LongChain(TERN_DNS_MAX_CNAME + 1)).rc,
            -TERN_DNS_DROP_CHAIN);
}

TEST(DnsChain, CnameCaseInsensitive) {
  Msg m(kId, kResp, 1, 2, 0, 0);
  m.Question("a.test", TERN_DNS_TYPE_A);
  m.U16(0xc00c).Rr(TERN_DNS_TYPE_CNAME, 9, 8).Name("B.TeSt");
  m.Name("b.test").A(198, 51, 100, 8);
  Parsed p = Parse(Query("a.test", TERN_DNS_TYPE_A, kId), m.b);
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  EXPECT_EQ(V4(p.addrs[0]), "198.51.100.8");
}

// --- RFC 9267: one case per class of bad packet --------------------------

// A well-formed answer "peer.test A 192.0.2.1" whose one answer record's
// owner name is replaced by `owner` (raw bytes).
Bytes WithOwner(const Bytes &owner) {
  Msg m(kId, kResp, 1, 1, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  m.b.insert(m.b.end(), owner.begin(), owner.end());
  m.A(192, 0, 2, 1);
  return m.b;
}

Bytes Q() {
  return Query("peer.test", TERN_DNS_TYPE_A, kId);
}

TEST(Rfc9267, WellFormedBaseline) {
  Parsed p = Parse(Q(), WithOwner({0xc0, 0x0c}));
  ASSERT_EQ(p.rc, TERN_DNS_OK);
  EXPECT_EQ(V4(p.addrs[0]), "192.0.2.1");
}

TEST(Rfc9267, PointerToItself) {
  // The owner is at 12 + 15 = 27: a pointer to 27.
  EXPECT_EQ(Parse(Q(), WithOwner({0xc0, 27})).rc, -TERN_DNS_DROP_POINTER);
}

TEST(Rfc9267, PointerLoopBetweenTwoNames) {
  // At 27: label "x" then a pointer back to 27 (backwards from where it
  // stands, but into the run it ends: a loop).
  EXPECT_EQ(Parse(Q(), WithOwner({1, 'x', 0xc0, 27})).rc,
            -TERN_DNS_DROP_POINTER);
  // Two names that send each other back and forth: the first answer's
  // owner ends with a pointer to the second's, which points back.
  Msg m(kId, kResp, 1, 2, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);  // 12..26
  m.Name("x", 45).A(192, 0, 2, 1);           // owner at 27: x -> 45
  ASSERT_EQ(m.Here(), 45u);
  m.U16(0xc000 | 27).A(192, 0, 2, 2);  // owner at 45: -> 27 -> 45 ...
  EXPECT_EQ(Parse(Q(), m.b).rc, -TERN_DNS_DROP_POINTER);
}

TEST(Rfc9267, ForwardPointer) {
  // A pointer to the A record's RDATA, after it.
  Bytes m = WithOwner({0xc0, 40});
  ASSERT_GT(m.size(), 40u);
  EXPECT_EQ(Parse(Q(), m).rc, -TERN_DNS_DROP_POINTER);
}

TEST(Rfc9267, PointerChainThatIsNotStrictlyBackwards) {
  // Pointers may lead into the middle of an earlier name as long as each
  // jump goes below the run of labels it ends; one that goes back up to a
  // later name (which leads back again) is refused.
  Msg m(kId, kResp, 1, 2, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  m.Name("x", 12).A(192, 0, 2, 1);     // owner at 27: x.peer.test
  m.U16(0xc000 | 29).A(192, 0, 2, 2);  // owner at 45: -> 29 -> 12
  Parsed p = Parse(Q(), m.b);
  ASSERT_EQ(p.rc, TERN_DNS_OK);  // legal: each jump goes lower
  EXPECT_EQ(V4(p.addrs[0]), "192.0.2.2");
  m.b[29] = 0xc0;
  m.b[30] = 45;  // 27: x, -> 45 -> 29 -> 45 ...
  EXPECT_EQ(Parse(Q(), m.b).rc, -TERN_DNS_DROP_POINTER);
}

// Each jump going lower ends every walk, but a chain of pointers to
// pointers, each two bytes below the last, takes a step per pair of bytes
// and adds nothing to the name's length: with many owner names through
// one long chain (a TCP answer of kilobytes) the parse is quadratic. A
// name's jumps are bounded: a name of 255 bytes has at most 127 labels,
// so no compressor needs more jumps than TERN_DNS_MAX_JUMPS.
static Bytes PointerChain(unsigned jumps) {
  Msg m(kId, kResp, 1, 2, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  // An RR of a type nobody asked for whose data is the chain: the first
  // pointer goes to the question's name, each next one to the one before.
  m.U16(0xc00c).Rr(0xff00u, 300, 2 * (jumps - 1));
  size_t at = m.Here();
  if (jumps > 1) {
    m.U16(0xc00c);
  }
  for (unsigned k = 1; k + 1 < jumps; k++) {
    m.U16(0xc000u | unsigned(at + 2 * (k - 1)));
  }
  // The answer's owner name: the last link (or, for one jump, the name).
  m.U16(jumps > 1 ? 0xc000u | unsigned(at + 2 * (jumps - 2)) : 0xc00c);
  m.A(192, 0, 2, 7);
  return m.b;
}

TEST(Rfc9267, PointerChainsAreBounded) {
  Parsed ok = Parse(Q(), PointerChain(TERN_DNS_MAX_JUMPS));
  ASSERT_EQ(ok.rc, TERN_DNS_OK);
  EXPECT_EQ(V4(ok.addrs[0]), "192.0.2.7");
  EXPECT_EQ(Parse(Q(), PointerChain(TERN_DNS_MAX_JUMPS + 1)).rc,
            -TERN_DNS_DROP_POINTER);
  EXPECT_EQ(Parse(Q(), PointerChain(1000)).rc, -TERN_DNS_DROP_POINTER);
}

TEST(Rfc9267, PointerIntoHeader) {
  for (uint8_t to : {0, 2, 6, 11}) {
    EXPECT_EQ(Parse(Q(), WithOwner({0xc0, to})).rc,
              -TERN_DNS_DROP_POINTER_HEADER)
        << int(to);
  }
  // (In the question: QuestionIsComparedNotWalked.)
}

TEST(Rfc9267, PointerOutOfRange) {
  EXPECT_EQ(Parse(Q(), WithOwner({0xff, 0xff})).rc, -TERN_DNS_DROP_POINTER);
  EXPECT_EQ(Parse(Q(), WithOwner({0xc1, 0x00})).rc, -TERN_DNS_DROP_POINTER);
}

TEST(Rfc9267, PointerCutInHalf) {
  Msg m(kId, kResp, 1, 1, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  m.U8(0xc0);
  EXPECT_EQ(Parse(Q(), m.b).rc, -TERN_DNS_DROP_TRUNCATED);
}

TEST(Rfc9267, LabelLongerThan63) {
  Bytes owner{64};
  owner.insert(owner.end(), 64, 'x');
  owner.push_back(0);
  EXPECT_EQ(Parse(Q(), WithOwner(owner)).rc, -TERN_DNS_DROP_LABEL);
  // The reserved label types 01 and 10 (RFC 1035 4.1.4, RFC 6891 5).
  EXPECT_EQ(Parse(Q(), WithOwner({0x41, 0x00, 0x00})).rc, -TERN_DNS_DROP_LABEL);
  EXPECT_EQ(Parse(Q(), WithOwner({0x80, 0x0c})).rc, -TERN_DNS_DROP_LABEL);
}

TEST(Rfc9267, NameLongerThan255) {
  // Plain: four 63-byte labels are 4 * 64 + 1 = 257 bytes.
  Bytes plain;
  for (int i = 0; i < 4; i++) {
    plain.push_back(63);
    plain.insert(plain.end(), 63, 'z');
  }
  plain.push_back(0);
  EXPECT_EQ(Parse(Q(), WithOwner(plain)).rc, -TERN_DNS_DROP_NAME_LONG);
  // Through compression: 3 labels of 63 in the answer's owner, then a
  // pointer to peer.test (11 bytes): 192 + 11 = 203, fine; with a fourth
  // label of 52 it is 256.
  Bytes owner;
  for (int i = 0; i < 3; i++) {
    owner.push_back(63);
    owner.insert(owner.end(), 63, 'w');
  }
  Bytes ok = owner;
  ok.push_back(0xc0);
  ok.push_back(12);
  EXPECT_EQ(Parse(Q(), WithOwner(ok)).rc, TERN_DNS_NODATA);
  owner.push_back(52);
  owner.insert(owner.end(), 52, 'v');
  owner.push_back(0xc0);
  owner.push_back(12);
  EXPECT_EQ(Parse(Q(), WithOwner(owner)).rc, -TERN_DNS_DROP_NAME_LONG);
  // With a label of 51: 3 * 64 + 52 + 11 = 255 exactly: accepted.
  owner[192] = 51;
  owner.erase(owner.begin() + 193);
  EXPECT_EQ(Parse(Q(), WithOwner(owner)).rc, TERN_DNS_NODATA);
}

TEST(Rfc9267, QuestionIsComparedNotWalked) {
  // The question must be the query's bytes but for ASCII case: it is the
  // message's first name, where any pointer would go into the header or
  // forward. So a bad name there is a question that is not the query's,
  // and it is never walked. Each message holds at least as many bytes as
  // the query's question (27), so none of these is short.
  auto with_question = [](const Bytes &name) {
    Msg m(kId, kResp, 1, 0, 0, 0);
    m.b.insert(m.b.end(), name.begin(), name.end());
    m.U16(TERN_DNS_TYPE_A).U16(TERN_DNS_CLASS_IN);
    m.b.resize(m.b.size() < 40 ? 40 : m.b.size(), 0);
    return m.b;
  };
  Bytes long_name;
  for (int i = 0; i < 4; i++) {
    long_name.push_back(63);
    long_name.insert(long_name.end(), 63, 'z');
  }
  long_name.push_back(0);
  Bytes long_label{0x7f};
  long_label.insert(long_label.end(), 0x7f, 'y');
  long_label.push_back(0);
  const Bytes bad[] = {
      {0xc0, 0x04},                        // into the header
      {0xc0, 12},                          // to itself
      {4, 'p', 'e', 'e', 'r', 0xc0, 12},   // back into its own run
      {4, 'p', 'e', 'e', 'r', 0xc0, 30},   // forward
      {4, 'p', 'e', 'e', 'r', 0x44, 't'},  // a reserved label type
      long_label,                          // a label over 63
      long_name,                           // a name over 255
  };
  for (const Bytes &name : bad) {
    EXPECT_EQ(Parse(Q(), with_question(name)).rc, -TERN_DNS_DROP_QUESTION)
        << name.size();
  }
  // The same bytes as the query's (a control), and in upper case.
  Bytes same{4, 'p', 'e', 'e', 'r', 4, 't', 'e', 's', 't', 0};
  EXPECT_EQ(Parse(Q(), with_question(same)).rc, TERN_DNS_NODATA);
  Bytes upper{4, 'P', 'E', 'E', 'R', 4, 'T', 'e', 'S', 't', 0};
  EXPECT_EQ(Parse(Q(), with_question(upper)).rc, TERN_DNS_NODATA);
}

TEST(Rfc9267, NameNotTerminated) {
  // The message ends inside a name, after a label or at its length byte.
  Msg m(kId, kResp, 1, 1, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  m.U8(3).U8('a').U8('b').U8('c');
  EXPECT_EQ(Parse(Q(), m.b).rc, -TERN_DNS_DROP_TRUNCATED);
  m.U8(5).U8('a');
  EXPECT_EQ(Parse(Q(), m.b).rc, -TERN_DNS_DROP_TRUNCATED);
  // And in the question: it does not carry the query's question, so it is
  // not the answer to the query (a resolver keeps waiting), as a wrong
  // question is not (before, _TRUNCATED, as for a broken record).
  Msg q(kId, kResp, 1, 0, 0, 0);
  q.U8(4).U8('p').U8('e').U8('e').U8('r');
  EXPECT_EQ(Parse(Q(), q.b).rc, -TERN_DNS_DROP_QUESTION);
}

TEST(Rfc9267, CountsThatLie) {
  Bytes q = Query("peer.test", TERN_DNS_TYPE_A, 0x00d6);
  for (int field : {6, 8, 10}) {  // ANCOUNT, NSCOUNT, ARCOUNT
    Bytes m = Of(kAnswerAEdns);
    m[field] = 0x12;  // 4,609 or more records claimed
    EXPECT_EQ(Parse(q, m).rc, -TERN_DNS_DROP_TRUNCATED) << field;
  }
  Bytes m = Of(kAnswerAEdns);
  m[7] = 2;  // one answer more than there is: the OPT is read as it
  m[11] = 0;
  EXPECT_EQ(Parse(q, m).rc, TERN_DNS_OK);  // (honestly: a valid record)
  m[7] = 3;
  EXPECT_EQ(Parse(q, m).rc, -TERN_DNS_DROP_TRUNCATED);
  m = Of(kAnswerAEdns);
  m[7] = 0xff;
  m[6] = 0xff;
  EXPECT_EQ(Parse(q, m).rc, -TERN_DNS_DROP_TRUNCATED);
}

TEST(Rfc9267, TruncatedRecord) {
  Bytes q = Query("peer.test", TERN_DNS_TYPE_A, 0x00d6);
  const Bytes full = Of(kAnswerAEdns);
  // Every cut of the message is refused (none is a valid shorter answer
  // because ARCOUNT says 1), and none reads past the cut: inside the
  // question as not the query's, after it as a record cut short.
  for (size_t len = 0; len < full.size(); len++) {
    int rc = Parse(q, Bytes(full.begin(), full.begin() + len)).rc;
    // (Parse passes the empty message as NULL: a bad argument. Before
    // branch dnssize33 that was -1, the value of -TERN_DNS_DROP_SHORT.)
    int want = len == 0         ? TERN_EINVAL
               : len < 12       ? -TERN_DNS_DROP_SHORT
               : len < q.size() ? -TERN_DNS_DROP_QUESTION
                                : -TERN_DNS_DROP_TRUNCATED;
    EXPECT_EQ(rc, want) << len;
  }
}

TEST(Rfc9267, RdlengthPastTheEnd) {
  Msg m(kId, kResp, 1, 1, 0, 0);
  m.Question("peer.test", TERN_DNS_TYPE_A);
  m.U16(0xc00c).Rr(TERN_DNS_TYPE_A, 60, 4).U8(1).U8(2).U8(3);
  EXPECT_EQ(Parse(Q(), m.b).rc, -TERN_DNS_DROP_TRUNCATED);
  Msg big(kId, kResp, 1, 1, 0, 0);
  big.Question("peer.test", TERN_DNS_TYPE_A);
  big.U16(0xc00c).Rr(16, 60, 0xffff).U8(1);  // TXT claiming 65535 bytes
  EXPECT_EQ(Parse(Q(), big.b).rc, -TERN_DNS_DROP_TRUNCATED);
}

TEST(Rfc9267, RdlengthNotTheSizeOfAnA) {
  for (unsigned rdlen : {0u, 3u, 5u, 16u}) {
    Msg m(kId, kResp, 1, 1, 0, 0);
    m.Question("peer.test", TERN_DNS_TYPE_A);
    m.U16(0xc00c).Rr(TERN_DNS_TYPE_A, 60, rdlen);
    for (unsigned i = 0; i < rdlen; i++)
      m.U8(i);
    EXPECT_EQ(Parse(Q(), m.b).rc, -TERN_DNS_DROP_RDLENGTH) << rdlen;
  }
}

#if TERN_CONFIG_IPV6  // AAAA: an IPv4-only build has no AAAA queries
TEST(Rfc9267, RdlengthNotTheSizeOfAnAaaa) {
  Bytes q = Query("peer.test", TERN_DNS_TYPE_AAAA, kId);
  for (unsigned rdlen : {4u, 15u, 17u}) {
    Msg m(kId, kResp, 1, 1, 0, 0);
    m.Question("peer.test", TERN_DNS_TYPE_AAAA);
    m.U16(0xc00c).Rr(TERN_DNS_TYPE_AAAA, 60, rdlen);
    for (unsigned i = 0; i < rdlen; i++)
      m.U8(i);
    EXPECT_EQ(Parse(q, m.b).rc, -TERN_DNS_DROP_RDLENGTH) << rdlen;
  }
  // Also in a section the resolver does not use.
  Msg m(kId, kResp, 1, 0, 0, 1);
  m.Question("peer.test", TERN_DNS_TYPE_AAAA);
  m.U16(0xc00c).Rr(TERN_DNS_TYPE_AAAA, 60, 4).U32(0);
  EXPECT_EQ(Parse(q, m.b).rc, -TERN_DNS_DROP_RDLENGTH);
}
#endif

TEST(Rfc9267, CnameRdataAndItsNameDisagree) {
  // The name is shorter than RDLENGTH...
  Msg m(kId, kResp, 1, 1, 0, 0);
  m.Question("a.test", TERN_DNS_TYPE_A);
  m.U16(0xc00c).Rr(TERN_DNS_TYPE_CNAME, 9, 6).Name("b", 14).U16(0);
  EXPECT_EQ(Parse(Query("a.test", TERN_DNS_TYPE_A, kId), m.b).rc,
            -TERN_DNS_DROP_RDLENGTH);
  // ...or runs past it (into the next record).
  Msg n(kId, kResp, 1, 2, 0, 0);
  n.Question("a.test", TERN_DNS_TYPE_A);
  n.U16(0xc00c).Rr(TERN_DNS_TYPE_CNAME, 9, 2).Name("b", 14);
  n.U16(0xc00c).A(1, 2, 3, 4);
  EXPECT_EQ(Parse(Query("a.test", TERN_DNS_TYPE_A, kId), n.b).rc,
            -TERN_DNS_DROP_RDLENGTH);
  // A bad pointer inside the RDATA is a bad pointer.
  Msg p(kId, kResp, 1, 1, 0, 0);
  p.Question("a.test", TERN_DNS_TYPE_A);
  p.U16(0xc00c).Rr(TERN_DNS_TYPE_CNAME, 9, 2).U16(0xc000 | 40);
  EXPECT_EQ(Parse(Query("a.test", TERN_DNS_TYPE_A, kId), p.b).rc,
            -TERN_DNS_DROP_POINTER);
}

TEST(Rfc9267, SoaRdataTooShort) {
  Msg m(kId, kNx, 1, 0, 1, 0);
  m.Question("nope.test", TERN_DNS_TYPE_A);
  m.U16(0xc000 | 17).Rr(TERN_DNS_TYPE_SOA, 60, 4 + 20 - 1);
  m.U16(0xc000 | 17).U16(0xc000 | 17);
  for (int i = 0; i < 19; i++)
    m.U8(0);
  EXPECT_EQ(Parse(Query("nope.test", TERN_DNS_TYPE_A, kId), m.b).rc,
            -TERN_DNS_DROP_RDLENGTH);
}

TEST(Rfc9267, ShorterThanAHeader) {
  Bytes q = Q();
  for (size_t n = 1; n < 12; n++) {
    EXPECT_EQ(Parse(q, Bytes(n, 0x81)).rc, -TERN_DNS_DROP_SHORT) << n;
  }
  const uint8_t none = 0;  // (Parse passes an empty message as NULL)
  tern_dns_answer ans;
  tern_ip_addr addrs[1];
  EXPECT_EQ(tern_dns_parse(q.data(), q.size(), &none, 0, &ans, addrs, 1),
            -TERN_DNS_DROP_SHORT);
}

}  // namespace
