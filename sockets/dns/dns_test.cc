// The resolver over a scripted socket backend (dns_fake_net.h) on the sim
// port's virtual time: what goes on the wire, when, and what the caller
// gets back.
#include "tern/dns.h"

#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "executor/test_waker.h"
#include "gtest/gtest.h"
#include "sockets/dns/dns_fake_net.h"
#include "sockets/dns/dns_test_msgs.h"
#include "tern/err.h"
#include "tern/sim.h"

namespace {

using tern_test::A;
using tern_test::Answer;
using tern_test::FakeDnsNet;
using tern_test::Framed;
using tern_test::kQname;
using tern_test::Name;
using tern_test::Rr;
using tern_test::Soa;

tern_endpoint Ep(uint8_t last, uint16_t port = 53) {
  tern_endpoint e;
  memset(&e, 0, sizeof e);
  e.addr.family = TERN_IP_V4;
  e.addr.u.v4.b[0] = 10;
  e.addr.u.v4.b[3] = last;
  e.port = port;
  return e;
}

int Fill(void *self, void *buf, size_t len) {
  uint32_t *x = static_cast<uint32_t *>(self);
  uint8_t *b = static_cast<uint8_t *>(buf);
  for (size_t i = 0; i < len; i++) {
    *x = *x * 1103515245u + 12345u;
    b[i] = uint8_t(*x >> 16);
  }
  return 0;
}

class Resolver : public ::testing::Test {
 protected:
  void SetUp() override {
    tern_sim_set_time(start_);
    servers_[0] = Ep(1);
    servers_[1] = Ep(2);
    ASSERT_EQ(tern_dns_cache_init(&cache_, slots_, 4), 0);
    Init(2, 2, 1000, true);
  }
  void TearDown() override {
    tern_dns_resolver_cancel(&res_);
  }

  void Init(uint8_t nserv, uint8_t rounds, uint16_t ms, bool cache,
            size_t cap = sizeof buf_) {
    tern_dns_config cfg = {servers_, nserv, rounds, ms};
    ASSERT_EQ(
        tern_dns_resolver_init(&res_, fake_.Net(), &rng_,
                               cache ? &cache_ : nullptr, &cfg, buf_, cap),
        0);
  }

  // Polls until READY, moving virtual time to each deadline when nothing
  // woke the resolver. Returns *n; the time taken is in elapsed_.
  int Resolve(const char *name, unsigned type = TERN_DNS_TYPE_A) {
    tern_time t0 = tern_now();
    for (int i = 0; i < 5000; i++) {
      tern_cx cx = w_.Cx();
      int n = 12345;
      tern_poll p =
          tern_dns_poll_resolve(&res_, &cx, name, type, addrs_, 4, &n);
      if (p == TERN_READY) {
        elapsed_ = tern_now() - t0;
        return n;
      }
      EXPECT_GT(cx.waker_uses, 0u) << "PENDING without storing the waker";
      if (w_.Take() == 0) {
        tern_time d;
        if (!tern_timer_queue_next(&w_.timers, &d)) {
          ADD_FAILURE() << "PENDING with no timer and no wake";
          return 99;
        }
        tern_sim_set_time(d);
        w_.FireTimers(d);
        w_.Take();
      }
    }
    ADD_FAILURE() << "never READY";
    return 99;
  }

  uint8_t Last(int i) {
    return addrs_[i].u.v4.b[3];
  }
  uint16_t Id(size_t i) {
    return uint16_t(fake_.sent[i].bytes[0] << 8 | fake_.sent[i].bytes[1]);
  }

  const tern_time start_ = 0xfffff000u;  // wraps during the tests
  FakeDnsNet fake_;
  uint32_t seed_ = 7;
  tern_rng rng_ = {Fill, &seed_};
  tern_endpoint servers_[2];
  tern_dns_cache_entry slots_[4];
  tern_dns_cache cache_;
  uint8_t buf_[600];
  tern_dns_resolver res_;
  tern_test::CountingWaker w_;
  tern_ip_addr addrs_[4];
  uint32_t elapsed_ = 0;
};

TEST_F(Resolver, AnswersAndCachesThenHitsWithoutAQuery) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {A(kQname, 7), A(kQname, 8)}));
  };
  ASSERT_EQ(Resolve("peer.test"), 2);
  EXPECT_EQ(Last(0), 7);
  EXPECT_EQ(Last(1), 8);
  ASSERT_EQ(fake_.sent.size(), 1u);
  EXPECT_EQ(fake_.sent[0].peer.addr.u.v4.b[3], 1);
  EXPECT_EQ(fake_.sent[0].bytes.size(), 12u + 11u + 4u);
  EXPECT_EQ(fake_.open_now, 0) << "the socket is given back";
  EXPECT_EQ(res_.stats.queries, 1u);

  memset(addrs_, 0, sizeof addrs_);
  ASSERT_EQ(Resolve("PEER.test."), 2);
  EXPECT_EQ(Last(0), 7);
  EXPECT_EQ(fake_.sent.size(), 1u) << "answered from the cache";
  EXPECT_EQ(res_.stats.cache_hits, 1u);
  EXPECT_EQ(elapsed_, 0u);

  // After the TTL it asks again.
  tern_sim_advance(301 * 1000);
  ASSERT_EQ(Resolve("peer.test"), 2);
  EXPECT_EQ(fake_.sent.size(), 2u);
}

TEST_F(Resolver, SilentFirstServerThenTheSecond) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    if (to.addr.u.v4.b[3] == 2) {
      fake_.Reply(to, Answer(q, 0, {A(kQname, 9)}));
    }
  };
  ASSERT_EQ(Resolve("peer.test"), 1);
  EXPECT_EQ(Last(0), 9);
  ASSERT_EQ(fake_.sent.size(), 2u);
  EXPECT_EQ(fake_.sent[0].peer.addr.u.v4.b[3], 1);
  EXPECT_EQ(fake_.sent[1].peer.addr.u.v4.b[3], 2);
  EXPECT_NE(Id(0), Id(1)) << "each attempt a new ID";
  EXPECT_EQ(elapsed_, 1000u);
  EXPECT_EQ(res_.stats.timeouts, 1u);
  EXPECT_EQ(fake_.open_now, 0);
}

TEST_F(Resolver, AllSilentBacksOffThenTimesOut) {
  std::vector<tern_time> at;
  fake_.on_udp = [&](const tern_endpoint &, const std::vector<uint8_t> &) {
    at.push_back(tern_now() - start_);
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_ETIMEDOUT);
  // Two servers, two rounds: 1 s each, then 2 s each.
  ASSERT_EQ(at.size(), 4u);
  EXPECT_EQ(at[0], 0u);
  EXPECT_EQ(at[1], 1000u);
  EXPECT_EQ(at[2], 2000u);
  EXPECT_EQ(at[3], 4000u);
  EXPECT_EQ(elapsed_, 6000u);
  EXPECT_EQ(res_.stats.timeouts, 4u);
  EXPECT_EQ(fake_.open_now, 0);
}

TEST_F(Resolver, ManyServersAndRoundsCountPastAByte) {
  // 255 servers (all the same silent one), 2 rounds: 510 attempts.
  static tern_endpoint many[255];
  for (auto &e : many)
    e = servers_[0];
  tern_dns_config cfg = {many, 255, 2, 1};
  ASSERT_EQ(tern_dns_resolver_init(&res_, fake_.Net(), &rng_, nullptr, &cfg,
                                   buf_, sizeof buf_),
            0);
  EXPECT_EQ(Resolve("peer.test"), TERN_ETIMEDOUT);
  EXPECT_EQ(fake_.sent.size(), 510u);
  EXPECT_EQ(elapsed_, 255u * 1 + 255u * 2);
}

// A send_to that is PENDING (no room yet; on the modem backend, until the
// datagram socket's link is open) is polled again until it takes the
// query, as the socket API asks. Before, the resolver took PENDING for a
// lost attempt and waited out the deadline for the answer to a query it
// never sent: over the modem backend, whose first send_to on a socket is
// always PENDING, every attempt was lost.
TEST_F(Resolver, PendingSendIsPolledAgain) {
  fake_.send_pending = 2;
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {A(kQname, 7)}));
  };
  ASSERT_EQ(Resolve("peer.test"), 1);
  EXPECT_EQ(Last(0), 7);
  EXPECT_EQ(elapsed_, 0u);
  ASSERT_EQ(fake_.sent.size(), 1u);
  EXPECT_EQ(fake_.sent[0].peer.addr.u.v4.b[3], 1);  // the first server
  EXPECT_EQ(res_.stats.timeouts, 0u);
  EXPECT_EQ(res_.stats.sock_errors, 0u);
  EXPECT_EQ(fake_.open_now, 0);
}

TEST_F(Resolver, NoSocketIsTheBackendsError) {
  fake_.max_open = 0;
  EXPECT_EQ(Resolve("peer.test"), TERN_ENOMEM);
  // The first attempt waits (its timer armed), is refused, and the second
  // has no socket: ENOMEM, and the timer is not left armed.
  fake_.max_open = 4;
  fake_.refuse_while_waiting = true;
  EXPECT_EQ(Resolve("peer.test"), TERN_ENOMEM);
  EXPECT_EQ(fake_.sent.size(), 1u);
  tern_time d;
  EXPECT_FALSE(tern_timer_queue_next(&w_.timers, &d)) << "a timer left armed";
}

TEST_F(Resolver, WrongIdWrongQuestionAndStrangerIgnored) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    std::vector<uint8_t> bad_id = Answer(q, 0, {A(kQname, 66)});
    bad_id[1] ^= 1;
    fake_.Reply(to, bad_id);
    std::vector<uint8_t> bad_q = Answer(q, 0, {A(kQname, 67)});
    bad_q[13] ^= 0x20 ^ 0x01;  // a different first letter
    fake_.Reply(to, bad_q);
    std::vector<uint8_t> aaaa = Answer(q, 0, {});
    aaaa[aaaa.size() - 3] = 28;  // the question's type
    fake_.Reply(to, aaaa);
    fake_.Reply(Ep(3), Answer(q, 0, {A(kQname, 68)}));        // another host
    fake_.Reply(Ep(1, 5353), Answer(q, 0, {A(kQname, 69)}));  // port
    fake_.Reply(to, {1, 2, 3});
    fake_.Reply(to, Answer(q, 0, {A(kQname, 5)}));
  };
  ASSERT_EQ(Resolve("peer.test"), 1);
  EXPECT_EQ(Last(0), 5);
  EXPECT_EQ(fake_.sent.size(), 1u);
  EXPECT_EQ(elapsed_, 0u);
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_ID], 1u);
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_QUESTION], 2u);
  // The resolver's socket is connected to the server: the backend drops
  // the other host's and the other port's (were it not, 68 would win).
  EXPECT_EQ(fake_.strays, 2);
  EXPECT_EQ(res_.stats.drops[0], 0u);
  EXPECT_EQ(res_.stats.drops[1], 0u);  // no reason is 1 (TERN_EINVAL's)
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_SHORT], 1u);
}

TEST_F(Resolver, OnlyWrongAnswersIsATimeout) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    std::vector<uint8_t> bad = Answer(q, 0, {A(kQname, 66)});
    bad[0] ^= 0x80;
    fake_.Reply(to, bad);
  };
  Init(1, 1, 500, false);
  EXPECT_EQ(Resolve("peer.test"), TERN_ETIMEDOUT);
  EXPECT_EQ(elapsed_, 500u);
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_ID], 1u);
}

// The query's ID and question, then records the codec refuses: the
// server's own answer, broken (a spoof would need the ID and the random
// port, and could as well send a valid one). Waiting will not mend it: it
// ends the attempt as a server error does, and the next server is asked
// at once. Before, it was ignored and the attempt waited out its 1 s.
TEST_F(Resolver, MalformedAnswerFromTheServerMovesOnAtOnce) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    if (to.addr.u.v4.b[3] == 1) {
      Rr bad = A(kQname, 66);
      bad.rdata.pop_back();  // an A of 3 bytes
      fake_.Reply(to, Answer(q, 0, {bad}));
    } else {
      fake_.Reply(to, Answer(q, 0, {A(kQname, 3)}));
    }
  };
  ASSERT_EQ(Resolve("peer.test"), 1);
  EXPECT_EQ(Last(0), 3);
  EXPECT_EQ(elapsed_, 0u);
  ASSERT_EQ(fake_.sent.size(), 2u);
  EXPECT_EQ(fake_.sent[1].peer.addr.u.v4.b[3], 2);
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_RDLENGTH], 1u);
  EXPECT_EQ(res_.stats.timeouts, 0u);
  EXPECT_EQ(fake_.open_now, 0);
}

// Every server answers, always broken (counts that lie, a pointer into
// the header, a record cut short, a pointer to itself): a bad answer
// (TERN_EPROTO), at once, not a timeout after 6 s.
TEST_F(Resolver, OnlyMalformedAnswersIsProtoAtOnce) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    std::vector<uint8_t> m = Answer(q, 0, {A(kQname, 66)});
    switch (fake_.sent.size()) {
      case 1:
        m[7] = 2;  // ANCOUNT 2, one record there
        break;
      case 2:
        m[q.size()] = 0xc0;  // the owner: a pointer to offset 2
        m[q.size() + 1] = 2;
        break;
      case 3:
        m.pop_back();  // the A's last byte missing
        break;
      default:
        m[q.size() + 1] = uint8_t(q.size());  // a pointer to itself
        break;
    }
    fake_.Reply(to, m);
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_EPROTO);
  EXPECT_EQ(elapsed_, 0u);
  EXPECT_EQ(fake_.sent.size(), 4u);  // two servers, two rounds
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_TRUNCATED], 2u);
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_POINTER_HEADER], 1u);
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_POINTER], 1u);
  EXPECT_EQ(res_.stats.timeouts, 0u);
  EXPECT_EQ(fake_.open_now, 0);
}

// last_rcode is the resolve's own: a resolve that got only malformed
// answers does not report the RCODE of a resolve before it.
TEST_F(Resolver, LastRcodeIsTheResolvesOwn) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 5, {}));  // REFUSED
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_EPROTO);
  EXPECT_EQ(res_.last_rcode, 5);
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    std::vector<uint8_t> m = Answer(q, 0, {A(kQname, 66)});
    m.pop_back();  // the A's last byte missing
    fake_.Reply(to, m);
  };
  EXPECT_EQ(Resolve("other.test"), TERN_EPROTO);
  EXPECT_EQ(res_.last_rcode, 0);
}

// A datagram with the query's ID that ends inside the question does not
// carry the question: it may not be the server's answer, so it is
// ignored like a wrong question (RFC 5452), and the answer after it taken.
TEST_F(Resolver, AnswerCutInItsQuestionIsIgnored) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    std::vector<uint8_t> m = Answer(q, 0, {A(kQname, 66)});
    fake_.Reply(to, std::vector<uint8_t>(m.begin(), m.begin() + 12 + 5));
    fake_.Reply(to, std::vector<uint8_t>(m.begin(), m.begin() + q.size() - 1));
    fake_.Reply(to, Answer(q, 0, {A(kQname, 5)}));
  };
  ASSERT_EQ(Resolve("peer.test"), 1);
  EXPECT_EQ(Last(0), 5);
  EXPECT_EQ(fake_.sent.size(), 1u);
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_QUESTION], 2u);
  EXPECT_EQ(fake_.open_now, 0);
}

TEST_F(Resolver, TruncatedGoesToTcpWithTheSameQuery) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {}, {}, true));
  };
  std::vector<uint8_t> tcp_q;
  fake_.on_tcp = [&](const tern_endpoint &, const std::vector<uint8_t> &q) {
    tcp_q = q;
    std::vector<Rr> an;
    for (uint8_t i = 1; i <= 30; i++)
      an.push_back(A(kQname, i));
    return Framed(Answer(q, 0, an));
  };
  ASSERT_EQ(Resolve("many.test"), 4);
  EXPECT_EQ(Last(0), 1);
  EXPECT_EQ(Last(3), 4);
  ASSERT_EQ(fake_.sent.size(), 1u);
  EXPECT_EQ(tcp_q, fake_.sent[0].bytes) << "the same query, the same ID";
  ASSERT_EQ(fake_.conns.size(), 1u);
  EXPECT_EQ(fake_.conns[0].addr.u.v4.b[3], 1);
  EXPECT_EQ(fake_.conns[0].port, 53);
  EXPECT_EQ(res_.stats.tcp, 1u);
  EXPECT_EQ(fake_.open_now, 0);
}

TEST_F(Resolver, TcpAnswerTooLongForTheBufferTriesNextThenFails) {
  Init(2, 1, 1000, false, 512);
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {}, {}, true));
  };
  fake_.on_tcp = [&](const tern_endpoint &, const std::vector<uint8_t> &q) {
    std::vector<Rr> an;
    for (uint8_t i = 1; i <= 40; i++)
      an.push_back(A(kQname, i));
    return Framed(Answer(q, 0, an));  // 12 + 15 + 40 * 16 bytes
  };
  EXPECT_EQ(Resolve("many.test"), TERN_EPROTO);
  EXPECT_EQ(res_.stats.too_long, 2u);
  EXPECT_EQ(fake_.conns.size(), 2u);
  EXPECT_EQ(fake_.open_now, 0);
}

// Every attempt ends in the refused TCP connect: the resolve says so
// (before, TERN_ETIMEDOUT, though no attempt waited).
TEST_F(Resolver, TcpRefusedTriesTheNextServer) {
  fake_.refuse_tcp = true;
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {}, {}, true));
  };
  Init(2, 1, 1000, false);
  EXPECT_EQ(Resolve("many.test"), TERN_ECONNREFUSED);
  EXPECT_EQ(fake_.sent.size(), 2u);
  EXPECT_EQ(res_.stats.sock_errors, 2u);
  EXPECT_EQ(elapsed_, 0u);
}

TEST_F(Resolver, NxdomainAndNoDataAreDistinctAndCachedWithTheirSoa) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    bool nx = q[13] == 'n';
    fake_.Reply(to, Answer(q, nx ? 3 : 0, {}, {Soa(600, 60)}));
  };
  EXPECT_EQ(Resolve("nope.test"), TERN_ENOENT);
  EXPECT_EQ(Resolve("here.test"), TERN_ENODATA);
  EXPECT_EQ(fake_.sent.size(), 2u);
  EXPECT_EQ(Resolve("nope.test"), TERN_ENOENT);
  EXPECT_EQ(Resolve("here.test"), TERN_ENODATA);
  EXPECT_EQ(fake_.sent.size(), 2u) << "negative answers cached (60 s)";
  tern_sim_advance(61 * 1000);
  EXPECT_EQ(Resolve("nope.test"), TERN_ENOENT);
  EXPECT_EQ(fake_.sent.size(), 3u);
}

TEST_F(Resolver, NxdomainWithoutSoaIsNotCached) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 3, {}));
  };
  EXPECT_EQ(Resolve("nope.test"), TERN_ENOENT);
  EXPECT_EQ(Resolve("nope.test"), TERN_ENOENT);
  EXPECT_EQ(fake_.sent.size(), 2u);
}

TEST_F(Resolver, CnameAnswer) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to,
                Answer(q, 0,
                       {Rr{kQname, TERN_DNS_TYPE_CNAME, 100, Name("real.test")},
                        A(Name("real.test"), 42, 50)}));
  };
  ASSERT_EQ(Resolve("alias.test"), 1);
  EXPECT_EQ(Last(0), 42);
  // Cached under the name asked for, for the chain's least TTL (50 s).
  tern_sim_advance(49 * 1000);
  ASSERT_EQ(Resolve("alias.test"), 1);
  EXPECT_EQ(fake_.sent.size(), 1u);
  tern_sim_advance(2 * 1000);
  ASSERT_EQ(Resolve("alias.test"), 1);
  EXPECT_EQ(fake_.sent.size(), 2u);
}

#if TERN_CONFIG_IPV6  // IPv6 by nature: not in the IPv4-only build
TEST_F(Resolver, Aaaa) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    std::vector<uint8_t> a6(16, 0);
    a6[0] = 0x20;
    a6[1] = 0x01;
    a6[15] = 5;
    fake_.Reply(to, Answer(q, 0, {Rr{kQname, TERN_DNS_TYPE_AAAA, 60, a6}}));
  };
  ASSERT_EQ(Resolve("peer.test", TERN_DNS_TYPE_AAAA), 1);
  EXPECT_EQ(addrs_[0].family, TERN_IP_V6);
  EXPECT_EQ(addrs_[0].u.v6.b[15], 5);
  EXPECT_EQ(fake_.sent[0].bytes[fake_.sent[0].bytes.size() - 3], 28);
}
#endif

TEST_F(Resolver, ServerErrorMovesOnAtOnce) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    if (to.addr.u.v4.b[3] == 1) {
      fake_.Reply(to, Answer(q, 2, {}));  // SERVFAIL
    } else {
      fake_.Reply(to, Answer(q, 0, {A(kQname, 3)}));
    }
  };
  ASSERT_EQ(Resolve("peer.test"), 1);
  EXPECT_EQ(elapsed_, 0u);
  EXPECT_EQ(res_.stats.server_errors, 1u);
}

// A server that does not recurse answers with a referral (NS records, no
// SOA, no answer): that is not the name without data (RFC 2308 2.2), so
// the next server is asked. Before, the caller got TERN_ENODATA from the
// first server.
TEST_F(Resolver, ReferralMovesOnLikeAServerError) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    if (to.addr.u.v4.b[3] == 1) {
      fake_.Reply(
          to, Answer(q, 0, {}, {Rr{Name("test"), 2, 172800, Name("ns.test")}}));
    } else {
      fake_.Reply(to, Answer(q, 0, {A(kQname, 3)}));
    }
  };
  ASSERT_EQ(Resolve("peer.test"), 1);
  EXPECT_EQ(Last(0), 3);
  EXPECT_EQ(elapsed_, 0u);
  EXPECT_EQ(res_.stats.server_errors, 1u);
  EXPECT_EQ(fake_.open_now, 0);
}

TEST_F(Resolver, OnlyServerErrorsIsProtoWithTheRcode) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 5, {}));  // REFUSED
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_EPROTO);
  EXPECT_EQ(res_.last_rcode, 5);
  EXPECT_EQ(fake_.sent.size(), 4u);
}

// Every server answers at once with an error: no round waits for its
// backoff (the doubled wait is for servers that may still answer; these
// have ended the exchange), and no round is skipped either. Two servers,
// three rounds: six queries, one at a time, each sent when the answer
// before it came, all at the same instant here, then TERN_EPROTO with no
// wait and no timer left armed (the README's choice, pinned).
TEST_F(Resolver, EveryServerErroringAsksEveryRoundAtOnce) {
  Init(2, 3, 1000, false);
  std::vector<tern_time> at;
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    at.push_back(tern_now() - start_);
    fake_.Reply(to, Answer(q, to.addr.u.v4.b[3] == 1 ? 2 : 5, {}));
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_EPROTO);
  EXPECT_EQ(res_.last_rcode, 5);  // REFUSED, from the second server
  ASSERT_EQ(at.size(), 6u);
  for (size_t i = 0; i < at.size(); i++) {
    EXPECT_EQ(at[i], 0u) << i;
    EXPECT_EQ(fake_.sent[i].peer.addr.u.v4.b[3], i % 2 + 1) << i;
  }
  EXPECT_EQ(elapsed_, 0u);
  EXPECT_EQ(res_.stats.server_errors, 6u);
  EXPECT_EQ(res_.stats.timeouts, 0u);
  tern_time d;
  EXPECT_FALSE(tern_timer_queue_next(&w_.timers, &d)) << "a timer left armed";
  EXPECT_EQ(fake_.open_now, 0);
}

TEST_F(Resolver, IcmpRefusalMovesOn) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    if (to.addr.u.v4.b[3] == 1) {
      fake_.Refuse();
    } else {
      fake_.Reply(to, Answer(q, 0, {A(kQname, 3)}));
    }
  };
  ASSERT_EQ(Resolve("peer.test"), 1);
  EXPECT_EQ(elapsed_, 0u);
  EXPECT_EQ(res_.stats.sock_errors, 1u);
}

// No server answered at all: every attempt ended with a socket error (an
// ICMP port, host or net unreachable), so the resolve returns the last
// one, as glibc's "connection refused", not TERN_ETIMEDOUT (before: a
// "timed out" after no wait at all). The rounds still go on at once: a
// refusal is the end of that exchange, there is no answer to wait for.
TEST_F(Resolver, EveryAttemptRefusedIsTheLastSocketError) {
  std::vector<tern_time> at;
  fake_.on_udp = [&](const tern_endpoint &, const std::vector<uint8_t> &) {
    at.push_back(tern_now() - start_);
    fake_.Refuse(at.size() == 4 ? TERN_EHOSTUNREACH : TERN_ECONNREFUSED);
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_EHOSTUNREACH);
  ASSERT_EQ(at.size(), 4u);  // two servers, two rounds
  EXPECT_EQ(at[3], 0u);
  EXPECT_EQ(elapsed_, 0u);
  EXPECT_EQ(res_.stats.sock_errors, 4u);
  EXPECT_EQ(res_.stats.timeouts, 0u);

  fake_.on_udp = [&](const tern_endpoint &, const std::vector<uint8_t> &) {
    fake_.Refuse(TERN_ENETUNREACH);
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_ENETUNREACH);
  EXPECT_EQ(fake_.open_now, 0);
}

// One attempt that got no answer at all keeps the timeout, before or after
// the refusals; an error answer (TERN_EPROTO) outranks both.
TEST_F(Resolver, ASilentAttemptAmongRefusalsIsATimeout) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &) {
    if (to.addr.u.v4.b[3] == 2) {
      fake_.Refuse();
    }
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_ETIMEDOUT);  // silent first
  EXPECT_EQ(res_.stats.sock_errors, 2u);
  EXPECT_EQ(res_.stats.timeouts, 2u);

  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &) {
    if (to.addr.u.v4.b[3] == 1) {
      fake_.Refuse();
    }
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_ETIMEDOUT);  // refused first
  EXPECT_EQ(res_.stats.sock_errors, 4u);

  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    if (to.addr.u.v4.b[3] == 1) {
      fake_.Refuse();
    } else {
      fake_.Reply(to, Answer(q, 2, {}));  // SERVFAIL
    }
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_EPROTO);
  EXPECT_EQ(res_.last_rcode, 2);
  EXPECT_EQ(fake_.open_now, 0);
}

TEST_F(Resolver, BadArguments) {
  tern_dns_config cfg = {servers_, 0, 1, 100};
  tern_dns_resolver r;
  EXPECT_EQ(tern_dns_resolver_init(&r, fake_.Net(), &rng_, nullptr, &cfg, buf_,
                                   sizeof buf_),
            TERN_EINVAL);
  cfg.n_servers = 1;
  EXPECT_EQ(
      tern_dns_resolver_init(&r, fake_.Net(), &rng_, nullptr, &cfg, buf_, 511),
      TERN_EINVAL);
  cfg.timeout_ms = 0;
  EXPECT_EQ(tern_dns_resolver_init(&r, fake_.Net(), &rng_, nullptr, &cfg, buf_,
                                   sizeof buf_),
            TERN_EINVAL);
  EXPECT_EQ(Resolve("bad..name"), TERN_EINVAL);
  EXPECT_EQ(Resolve(nullptr), TERN_EINVAL);
  EXPECT_EQ(Resolve("peer.test", 16), TERN_EINVAL);
  EXPECT_EQ(fake_.sent.size(), 0u);
  EXPECT_EQ(fake_.open_now, 0);
}

// The framed TCP answer read a byte at a time: the length prefix split
// across two reads, then every byte of the message on its own.
TEST_F(Resolver, TcpAnswerReadAByteAtATime) {
  fake_.read_chunk = 1;
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {}, {}, true));
  };
  fake_.on_tcp = [&](const tern_endpoint &, const std::vector<uint8_t> &q) {
    return Framed(Answer(q, 0, {A(kQname, 5), A(kQname, 6)}));
  };
  ASSERT_EQ(Resolve("peer.test"), 2);
  EXPECT_EQ(Last(0), 5);
  EXPECT_EQ(Last(1), 6);
  EXPECT_EQ(fake_.open_now, 0);
}

// A TTL with the top bit set counts as 0 (RFC 2181 8): the answer is
// used, not cached.
TEST_F(Resolver, TtlWithTheTopBitSetIsNotCached) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {A(kQname, 7, 0x80000000u)}));
  };
  ASSERT_EQ(Resolve("peer.test"), 1);
  ASSERT_EQ(Resolve("peer.test"), 1);
  EXPECT_EQ(fake_.sent.size(), 2u);
  EXPECT_EQ(res_.stats.cache_hits, 0u);
}

// A TCP answer with TC set again is a server error, not a second
// fallback: each server once, then TERN_EPROTO.
TEST_F(Resolver, TruncatedAgainOverTcpIsAServerError) {
  Init(2, 1, 1000, false);
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {}, {}, true));
  };
  fake_.on_tcp = [&](const tern_endpoint &, const std::vector<uint8_t> &q) {
    return Framed(Answer(q, 0, {}, {}, true));
  };
  EXPECT_EQ(Resolve("many.test"), TERN_EPROTO);
  EXPECT_EQ(fake_.sent.size(), 2u);
  EXPECT_EQ(fake_.conns.size(), 2u);
  EXPECT_EQ(res_.stats.server_errors, 2u);
  EXPECT_EQ(fake_.open_now, 0);
}

// last_rcode says what ended a resolve that got a referral, or TC again
// over TCP, from every server: those answers carry RCODE 0, and before it
// was left at 0, so `resolve` printed "bad answer (malformed)".
TEST_F(Resolver, ReferralAndTruncatedAgainSayWhatHappened) {
  Init(2, 1, 1000, false);
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(
        to, Answer(q, 0, {}, {Rr{Name("test"), 2, 172800, Name("ns.test")}}));
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_EPROTO);
  EXPECT_EQ(res_.last_rcode, TERN_DNS_LAST_REFERRAL);
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {}, {}, true));
  };
  fake_.on_tcp = [&](const tern_endpoint &, const std::vector<uint8_t> &q) {
    return Framed(Answer(q, 0, {}, {}, true));
  };
  EXPECT_EQ(Resolve("many.test"), TERN_EPROTO);
  EXPECT_EQ(res_.last_rcode, TERN_DNS_LAST_TRUNCATED);
  EXPECT_EQ(res_.stats.server_errors, 4u);
}

// A TCP answer framed with a length below a header's (0, 5), or a server
// that closes before the whole message (or the whole prefix) is in, ends
// the attempt at once and moves on to the next server; a length of 0
// is not taken as "nothing yet" (it would wait out the deadline). The
// closes count as answers cut short (_TRUNCATED; socket errors before).
TEST_F(Resolver, BadTcpFramingAndEarlyCloseMoveOnAtOnce) {
  Init(2, 1, 1000, false);
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {}, {}, true));
  };
  std::vector<uint8_t> first;
  fake_.on_tcp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    if (to.addr.u.v4.b[3] == 1) {
      return first;
    }
    return Framed(Answer(q, 0, {A(kQname, 9)}));
  };
  const std::vector<uint8_t> cases[] = {
      {0, 0}, {0, 5, 1, 2, 3, 4, 5}, {0, 40, 0x12, 0x34}, {0}};
  for (const std::vector<uint8_t> &c : cases) {
    first = c;
    ASSERT_EQ(Resolve("peer.test"), 1) << c.size();
    EXPECT_EQ(Last(0), 9);
    EXPECT_EQ(elapsed_, 0u) << c.size();
  }
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_SHORT], 2u);
  // Closed in the message, in the prefix: answers cut short.
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_TRUNCATED], 2u);
  EXPECT_EQ(res_.stats.sock_errors, 0u);
  EXPECT_EQ(fake_.conns.size(), 8u);
  EXPECT_EQ(fake_.open_now, 0);
}

// A server that closes the TCP connection before the whole framed answer
// is in (inside the message, inside the prefix, before its first byte)
// has answered, cut short: taken as an answer cut short over UDP is (a
// record past the end, OnlyMalformedAnswersIsProtoAtOnce), the next
// server at once, counted as _TRUNCATED, and when every attempt ends so
// the resolve is a bad answer, TERN_EPROTO. Before, the end of the stream
// was a socket error, and the resolve returned the stream's TERN_ECLOSED,
// which is none of its results.
TEST_F(Resolver, TcpAnswersCutShortByEveryServerAreProtoAtOnce) {
  fake_.on_udp = [&](const tern_endpoint &to, const std::vector<uint8_t> &q) {
    fake_.Reply(to, Answer(q, 0, {}, {}, true));
  };
  fake_.on_tcp = [&](const tern_endpoint &, const std::vector<uint8_t> &q) {
    std::vector<uint8_t> m = Framed(Answer(q, 0, {A(kQname, 9)}));
    switch (fake_.conns.size()) {
      case 1:
        m.pop_back();  // the A's last byte missing
        return m;
      case 2: return std::vector<uint8_t>{0};  // half the prefix
      case 3: return std::vector<uint8_t>{};   // nothing
      default:
        return std::vector<uint8_t>(m.begin(), m.begin() + 14);  // a header
    }
  };
  EXPECT_EQ(Resolve("peer.test"), TERN_EPROTO);
  EXPECT_EQ(elapsed_, 0u);
  EXPECT_EQ(fake_.sent.size(), 4u);  // two servers, two rounds
  EXPECT_EQ(fake_.conns.size(), 4u);
  EXPECT_EQ(res_.stats.drops[TERN_DNS_DROP_TRUNCATED], 4u);
  EXPECT_EQ(res_.stats.sock_errors, 0u);
  EXPECT_EQ(res_.stats.timeouts, 0u);
  EXPECT_EQ(res_.last_rcode, 0);
  EXPECT_EQ(fake_.open_now, 0);
}

}  // namespace
