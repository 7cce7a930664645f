// The response head parser: a head split at every byte gives the same
// result as one piece, and every refusal is its own case.
#include <gtest/gtest.h>

#include <string>

#include "tern/err.h"
#include "tern/http_head.h"

namespace {

struct Result {
  int rc;       // the last feed's
  size_t used;  // bytes of the input taken in all
  tern_http_head h;
};

// Feeds s in pieces of `piece` bytes (0: one piece) until the head ends or
// fails.
Result Feed(const std::string &s, size_t piece = 0) {
  Result r = {};
  tern_http_head_init(&r.h);
  const uint8_t *p = reinterpret_cast<const uint8_t *>(s.data());
  size_t off = 0;
  do {
    size_t n = piece == 0 ? s.size() - off : std::min(piece, s.size() - off);
    size_t used = 0;
    r.rc = tern_http_head_feed(&r.h, p + off, n, &used);
    EXPECT_LE(used, n);
    r.used = off + used;
    off += n;
  } while (r.rc == 0 && off < s.size());
  return r;
}

int Rc(const std::string &s) {
  return Feed(s).rc;
}

const std::string kHead =
    "HTTP/1.0 200 OK\r\n"
    "Server: SimpleHTTP/0.6 Python/3.11.2\r\n"
    "Date: Fri, 04 Dec 2026 18:42:09 GMT\r\n"
    "Content-type: application/octet-stream\r\n"
    "Content-Length: 1048576\r\n"
    "Last-Modified: Fri, 04 Dec 2026 18:40:00 GMT\r\n"
    "\r\n";

TEST(HttpHead, PythonHttpServerHead) {
  Result r = Feed(kHead + "body");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.used, kHead.size());
  EXPECT_EQ(r.h.status, 200);
  EXPECT_EQ(r.h.minor, 0);
  EXPECT_EQ(r.h.body, TERN_HTTP_BODY_LENGTH);
  EXPECT_EQ(r.h.content_length, 1048576u);
}

TEST(HttpHead, SplitAtEveryByteGivesTheSameHead) {
  std::string s = kHead + "body";
  for (size_t cut = 0; cut <= s.size(); cut++) {
    tern_http_head h;
    tern_http_head_init(&h);
    const uint8_t *p = reinterpret_cast<const uint8_t *>(s.data());
    size_t u1 = 0, u2 = 0;
    int rc = tern_http_head_feed(&h, p, cut, &u1);
    if (rc == 0) {
      EXPECT_EQ(u1, cut);
      rc = tern_http_head_feed(&h, p + cut, s.size() - cut, &u2);
    }
    EXPECT_EQ(rc, 1) << "cut " << cut;
    EXPECT_EQ(u1 + u2, kHead.size()) << "cut " << cut;
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.content_length, 1048576u);
  }
  Result r = Feed(s, 1);  // one byte at a time
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.used, kHead.size());
  EXPECT_EQ(r.h.content_length, 1048576u);
}

TEST(HttpHead, BareLineFeedsAndNoReason) {
  Result r = Feed("HTTP/1.1 404\nContent-Length:0\n\n");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.h.status, 404);
  EXPECT_EQ(r.h.minor, 1);
  EXPECT_EQ(r.h.body, TERN_HTTP_BODY_LENGTH);
  EXPECT_EQ(r.h.content_length, 0u);
}

TEST(HttpHead, AfterTheEndNothingIsTaken) {
  tern_http_head h;
  tern_http_head_init(&h);
  size_t used = 9;
  const std::string s = "HTTP/1.0 200 OK\r\n\r\n";
  ASSERT_EQ(tern_http_head_feed(&h, reinterpret_cast<const uint8_t *>(s.data()),
                                s.size(), &used),
            1);
  EXPECT_EQ(tern_http_head_feed(&h, reinterpret_cast<const uint8_t *>("xyz"), 3,
                                &used),
            1);
  EXPECT_EQ(used, 0u);
}

TEST(HttpHead, BodyFraming) {
  EXPECT_EQ(Feed("HTTP/1.0 200 OK\r\n\r\n").h.body, TERN_HTTP_BODY_CLOSE);
  EXPECT_EQ(Feed("HTTP/1.0 200 OK\r\nX: y\r\n\r\n").h.body,
            TERN_HTTP_BODY_CLOSE);
  EXPECT_EQ(Feed("HTTP/1.1 204 No Content\r\n\r\n").h.body,
            TERN_HTTP_BODY_NONE);
  EXPECT_EQ(
      Feed("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n").h.body,
      TERN_HTTP_BODY_NONE);
  Result r = Feed("HTTP/1.0 200 OK\r\ncontent-LENGTH: \t 12 \t\r\n\r\n");
  EXPECT_EQ(r.h.body, TERN_HTTP_BODY_LENGTH);
  EXPECT_EQ(r.h.content_length, 12u);
  r = Feed("HTTP/1.0 200 OK\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.h.content_length, 7u);
  r = Feed("HTTP/1.0 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.h.content_length, 9223372036854775807u);
}

TEST(HttpHead, InterimResponsesAreSkipped) {
  Result r = Feed(
      "HTTP/1.1 100 Continue\r\nContent-Length: 3\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
      "HTTP/1.1 200 OK\r\n\r\nbody");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.h.status, 200);
  EXPECT_EQ(r.h.body, TERN_HTTP_BODY_CLOSE);  // the 100's length is not kept
}

TEST(HttpHead, BadStatusLines) {
  for (const char *line : {
           "HTTP/1.0 200 OK",  // fine: the control case
           "HTTP/2.0 200 OK",
           "HTTP/1.x 200 OK",
           "HTTP/1.0 20 OK",
           "HTTP/1.0 2000 OK",
           "HTTP/1.0 200OK",
           "HTTP/1.0  200 OK",
           "http/1.0 200 OK",
           "HTTP/1.0 099 OK",
           "HTTP/1.0 600 OK",
           "ICY 200 OK",
           "HTTP/1.0",
           "",
           "HTTP/1.0 2a0 OK",
           "HTTP/10 200 OK",
           " HTTP/1.0 200 OK",
       }) {
    int want = std::string(line) == "HTTP/1.0 200 OK" ? 1 : TERN_EPROTO;
    EXPECT_EQ(Rc(std::string(line) + "\r\n\r\n"), want) << line;
  }
}

TEST(HttpHead, BadHeaderLines) {
  for (const char *line : {
           "Content-Length: 1x",
           "Content-Length: ",
           "Content-Length: -1",
           "Content-Length: +1",
           "Content-Length: 1 2",
           "Content-Length: 1,1",
           "Content-Length: 9223372036854775808",
           "Content-Length: 99999999999999999999999",
           "Transfer-Encoding: chunked",
           "transfer-encoding: identity",
           "No-colon",
           ": no name",
           "Space : before colon",
           "Bad\x01Name: x",
           "X: a\rb",
           " folded: line",
           "\tfolded: line",
           "X(y): z",
       }) {
    std::string s = std::string("HTTP/1.0 200 OK\r\nA: b\r\n") + line;
    EXPECT_EQ(Rc(s + "\r\n\r\n"), TERN_EPROTO) << line;
  }
  EXPECT_EQ(Rc(std::string("HTTP/1.0 200 OK\r\nX: nul") + std::string(1, '\0') +
               "\r\n\r\n"),
            TERN_EPROTO);
  EXPECT_EQ(
      Rc("HTTP/1.0 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n"),
      TERN_EPROTO);
  // A folded line continuing a header.
  EXPECT_EQ(Rc("HTTP/1.0 200 OK\r\nX: a\r\n b\r\n\r\n"), TERN_EPROTO);
  // Tabs and obs-text in values are fine.
  EXPECT_EQ(Rc("HTTP/1.0 200 OK\r\nX: a\tb \xe9\r\n\r\n"), 1);
}

TEST(HttpHead, LineLengthBound) {
  const std::string status = "HTTP/1.0 200 OK\r\n";
  // "X: " and value: exactly TERN_HTTP_LINE_MAX bytes before the line end.
  std::string at_max = "X: " + std::string(TERN_HTTP_LINE_MAX - 3, 'a');
  EXPECT_EQ(Rc(status + at_max + "\r\n\r\n"), 1);
  EXPECT_EQ(Rc(status + at_max + "\n\n"), 1);
  EXPECT_EQ(Rc(status + at_max + "a\r\n\r\n"), TERN_EMSGSIZE);
  EXPECT_EQ(Rc(status + at_max + "a\n\n"), TERN_EMSGSIZE);
  // The refusal comes as soon as the line is too long, whatever follows.
  Result r = Feed(status + at_max + "aa" + std::string(10000, 'b'));
  EXPECT_EQ(r.rc, TERN_EMSGSIZE);
  EXPECT_EQ(r.used, status.size() + TERN_HTTP_LINE_MAX + 2);
  // An overlong status line too.
  EXPECT_EQ(
      Rc("HTTP/1.0 200 " + std::string(TERN_HTTP_LINE_MAX, 'k') + "\r\n\r\n"),
      TERN_EMSGSIZE);
}

TEST(HttpHead, HeaderCountBound) {
  std::string s = "HTTP/1.0 200 OK\r\n";
  for (int i = 0; i < TERN_HTTP_HEADERS_MAX; i++) {
    s += "X: y\r\n";
  }
  EXPECT_EQ(Rc(s + "\r\n"), 1);
  EXPECT_EQ(Rc(s + "X: y\r\n\r\n"), TERN_EMSGSIZE);
}

// A server sending interim heads (1xx) without end: each was skipped
// with its header lines counted, but a head with none counted nothing, so
// "HTTP/1.1 100 Continue\r\n\r\n" over and over was taken for ever and
// a client with no timeout of its own read for ever. Each interim head
// now counts as a line against TERN_HTTP_HEADERS_MAX.
TEST(HttpHead, EndlessInterimHeadsAreBounded) {
  std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  std::string s;
  for (int i = 0; i < TERN_HTTP_HEADERS_MAX; i++) {
    s += interim;
  }
  // As many as the bound, then the final head: taken.
  Result r = Feed(s + "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.h.status, 200);
  // One more: refused at the end of the interim head over the bound.
  r = Feed(s + interim + "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(r.rc, TERN_EMSGSIZE);
  EXPECT_EQ(r.used, s.size() + interim.size());
  // Interim heads and header lines share the bound.
  std::string mixed = "HTTP/1.1 103 Early Hints\r\n";
  for (int i = 1; i < TERN_HTTP_HEADERS_MAX; i++) {
    mixed += "Link: </a>\r\n";
  }
  EXPECT_EQ(Rc(mixed + "\r\nHTTP/1.1 200 OK\r\n\r\n"), 1);
  EXPECT_EQ(Rc(mixed + "\r\nHTTP/1.1 200 OK\r\nX: y\r\n\r\n"), TERN_EMSGSIZE);
}

TEST(HttpHead, RefusalIsSticky) {
  tern_http_head h;
  tern_http_head_init(&h);
  size_t used = 0;
  const std::string bad = "HTTP/9.9 200 OK\r\n";
  EXPECT_EQ(
      tern_http_head_feed(&h, reinterpret_cast<const uint8_t *>(bad.data()),
                          bad.size(), &used),
      TERN_EPROTO);
  EXPECT_EQ(used, bad.size());
  const std::string good = "HTTP/1.0 200 OK\r\n\r\n";
  EXPECT_EQ(
      tern_http_head_feed(&h, reinterpret_cast<const uint8_t *>(good.data()),
                          good.size(), &used),
      TERN_EPROTO);
  EXPECT_EQ(used, 0u);
}

TEST(HttpHead, BadArguments) {
  tern_http_head h;
  tern_http_head_init(&h);
  size_t used = 0;
  EXPECT_EQ(tern_http_head_feed(nullptr, nullptr, 0, &used), TERN_EINVAL);
  EXPECT_EQ(tern_http_head_feed(&h, nullptr, 1, &used), TERN_EINVAL);
  EXPECT_EQ(tern_http_head_feed(&h, reinterpret_cast<const uint8_t *>("H"), 1,
                                nullptr),
            TERN_EINVAL);
  EXPECT_EQ(tern_http_head_feed(&h, nullptr, 0, &used), 0);
}

}  // namespace
