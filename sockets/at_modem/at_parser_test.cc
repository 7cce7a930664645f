// The AT response parser: every response kind, +IPD in all its forms, every
// split of the input, and bad input dropped by reason with resync.
#include "tern/at_parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

// One event as a comparable record; an +IPD's payload events are joined
// into the IPD record (a skipped one's into its IPD_TOO_LONG or IPD_BAD
// record), so
// records do not depend on how input was split.
struct Rec {
  int kind;
  int link;
  uint32_t value;
  std::string text;  // LINE/ECHO text, or the +IPD payload
  std::string remote;
  bool operator==(const Rec &o) const {
    return kind == o.kind && link == o.link && value == o.value &&
           text == o.text && remote == o.remote;
  }
};

std::ostream &operator<<(std::ostream &os, const Rec &r) {
  return os << "{kind " << r.kind << " link " << r.link << " value " << r.value
            << " text '" << r.text << "' remote '" << r.remote << "'}";
}

// A string literal with its NULs, all of it.
template <size_t N>
std::string B(const char (&s)[N]) {
  return std::string(s, N - 1);
}

Rec R(int kind, int link = TERN_AT_NO_LINK, uint32_t value = 0,
      std::string text = "", std::string remote = "") {
  return Rec{kind, link, value, text, remote};
}

class Parser {
 public:
  explicit Parser(size_t cap = 128, uint32_t ipd_max = 2048, unsigned links = 5)
      : buf_(cap) {
    EXPECT_EQ(0, tern_at_parser_init(&p_, buf_.data(), cap, ipd_max, links));
  }

  // Feeds one chunk; appends what came out to recs_.
  void Feed(const std::string &in) {
    const uint8_t *d = reinterpret_cast<const uint8_t *>(in.data());
    size_t off = 0;
    while (off < in.size()) {
      tern_at_event ev;
      size_t n = tern_at_parser_feed(&p_, d + off, in.size() - off, &ev);
      ASSERT_GT(n, 0u);
      ASSERT_LE(n, in.size() - off);
      if (ev.kind == TERN_AT_EV_IPD_DATA ||
          ev.kind == TERN_AT_EV_RECVDATA_DATA ||
          ev.kind == TERN_AT_EV_TOO_LONG_DATA) {
        // The payload is inside this chunk, at its end.
        ASSERT_EQ(d + off + n - ev.len, ev.data);
        ASSERT_FALSE(recs_.empty());
        int head = recs_.back().kind;
        if (head == TERN_AT_EV_IPD_BAD)
          head = TERN_AT_EV_IPD_TOO_LONG;  // a bad sender's, skipped too
        ASSERT_EQ(ev.kind == TERN_AT_EV_IPD_DATA ? TERN_AT_EV_IPD
                  : ev.kind == TERN_AT_EV_RECVDATA_DATA
                      ? TERN_AT_EV_RECVDATA
                      : TERN_AT_EV_IPD_TOO_LONG,
                  head);
        ASSERT_EQ(recs_.back().link, ev.link);
        recs_.back().text.append(reinterpret_cast<const char *>(ev.data),
                                 ev.len);
        EXPECT_EQ(recs_.back().value - recs_.back().text.size(), ev.value);
      } else if (ev.kind != TERN_AT_EV_NONE) {
        recs_.push_back(ToRec(ev));
      } else {
        ASSERT_EQ(in.size() - off, n);
      }
      off += n;
    }
  }

  // Feeds the input split as the sizes say (the rest in one last chunk).
  void FeedSplit(const std::string &in, const std::vector<size_t> &cuts) {
    size_t off = 0;
    for (size_t c : cuts) {
      Feed(in.substr(off, c - off));
      off = c;
    }
    Feed(in.substr(off));
  }

  static Rec ToRec(const tern_at_event &ev) {
    Rec r = R(ev.kind, ev.link, ev.value);
    if (ev.kind == TERN_AT_EV_LINE || ev.kind == TERN_AT_EV_ECHO) {
      r.text.assign(reinterpret_cast<const char *>(ev.data), ev.len);
    }
    if (ev.has_remote) {
      char s[TERN_ENDPOINT_STRLEN];
      EXPECT_GT(tern_endpoint_format(&ev.remote, s, sizeof s), 0);
      r.remote = s;
    }
    return r;
  }

  std::vector<Rec> recs_;
  std::vector<uint8_t> buf_;
  tern_at_parser p_;
};

std::vector<Rec> Parse(const std::string &in) {
  Parser p;
  p.Feed(in);
  return p.recs_;
}

// Parses in whole, byte by byte, and split in two at every byte; all must
// agree. Returns the records.
std::vector<Rec> ParseEverySplit(const std::string &in, unsigned links = 5) {
  const size_t cap = 128;
  const uint32_t ipd_max = 2048;
  Parser whole(cap, ipd_max, links);
  whole.Feed(in);
  Parser bytes(cap, ipd_max, links);
  for (char c : in) {
    bytes.Feed(std::string(1, c));
  }
  EXPECT_EQ(whole.recs_, bytes.recs_);
  EXPECT_EQ(0, memcmp(&whole.p_.stats, &bytes.p_.stats, sizeof(tern_at_stats)));
  for (size_t k = 1; k < in.size(); k++) {
    Parser two(cap, ipd_max, links);
    two.FeedSplit(in, {k});
    EXPECT_EQ(whole.recs_, two.recs_) << "split at " << k;
  }
  return whole.recs_;
}

TEST(AtParser, FinalResults) {
  EXPECT_EQ(ParseEverySplit("\r\nOK\r\n\r\nERROR\r\nFAIL\r\n\r\nSEND OK\r\n"
                            "\r\nSEND FAIL\r\n"),
            (std::vector<Rec>{R(TERN_AT_EV_OK), R(TERN_AT_EV_ERROR),
                              R(TERN_AT_EV_FAIL), R(TERN_AT_EV_SEND_OK),
                              R(TERN_AT_EV_SEND_FAIL)}));
}

TEST(AtParser, LineEndsAreCrOrLfOrBoth) {
  EXPECT_EQ(Parse("OK\rOK\nOK\r\n\n\r\r\nOK\n\r"),
            (std::vector<Rec>(4, R(TERN_AT_EV_OK))));
}

TEST(AtParser, BusyAndErrCode) {
  EXPECT_EQ(
      ParseEverySplit("busy p...\r\nbusy s...\r\nERR CODE:0x01090000\r\n"
                      "ERROR\r\nERR CODE:0xABCDEF\r\n"),
      (std::vector<Rec>{R(TERN_AT_EV_BUSY, TERN_AT_NO_LINK, 'p'),
                        R(TERN_AT_EV_BUSY, TERN_AT_NO_LINK, 's'),
                        R(TERN_AT_EV_ERR_CODE, TERN_AT_NO_LINK, 0x01090000),
                        R(TERN_AT_EV_ERROR),
                        R(TERN_AT_EV_ERR_CODE, TERN_AT_NO_LINK, 0xABCDEF)}));
}

TEST(AtParser, SendSequence) {
  // AT+CIPSEND=0,5 with echo off: OK, the prompt, Recv and SEND OK.
  EXPECT_EQ(
      ParseEverySplit("\r\nOK\r\n\r\n>\r\nRecv 5 bytes\r\n\r\nSEND OK\r\n"),
      (std::vector<Rec>{R(TERN_AT_EV_OK), R(TERN_AT_EV_PROMPT),
                        R(TERN_AT_EV_RECV, TERN_AT_NO_LINK, 5),
                        R(TERN_AT_EV_SEND_OK)}));
}

TEST(AtParser, PromptWithASpaceAndNoLineEnd) {
  // "> " then the next message directly: the one space is the prompt's.
  EXPECT_EQ(ParseEverySplit("OK\r\n> Recv 3 bytes\r\n>OK\r\n"),
            (std::vector<Rec>{R(TERN_AT_EV_OK), R(TERN_AT_EV_PROMPT),
                              R(TERN_AT_EV_RECV, TERN_AT_NO_LINK, 3),
                              R(TERN_AT_EV_PROMPT), R(TERN_AT_EV_OK)}));
}

TEST(AtParser, GreaterThanInsideALineIsNoPrompt) {
  EXPECT_EQ(Parse("a>b\r\n"),
            (std::vector<Rec>{R(TERN_AT_EV_LINE, TERN_AT_NO_LINK, 0, "a>b")}));
}

TEST(AtParser, EchoLines) {
  EXPECT_EQ(
      ParseEverySplit("AT\r\r\n\r\nOK\r\nAT+CIPSTART=0,\"TCP\",\"1.2.3.4\",80"
                      "\r\n0,CONNECT\r\n\r\nOK\r\n"),
      (std::vector<Rec>{R(TERN_AT_EV_ECHO, TERN_AT_NO_LINK, 0, "AT"),
                        R(TERN_AT_EV_OK),
                        R(TERN_AT_EV_ECHO, TERN_AT_NO_LINK, 0,
                          "AT+CIPSTART=0,\"TCP\",\"1.2.3.4\",80"),
                        R(TERN_AT_EV_CONNECT, 0), R(TERN_AT_EV_OK)}));
}

TEST(AtParser, VersionLinesAreNoEcho) {
  EXPECT_EQ(Parse("AT+GMR\r\nAT version:1.1.3.0\r\nATE0\r\n"),
            (std::vector<Rec>{
                R(TERN_AT_EV_ECHO, TERN_AT_NO_LINK, 0, "AT+GMR"),
                R(TERN_AT_EV_LINE, TERN_AT_NO_LINK, 0, "AT version:1.1.3.0"),
                R(TERN_AT_EV_ECHO, TERN_AT_NO_LINK, 0, "ATE0")}));
}

TEST(AtParser, LinkEvents) {
  EXPECT_EQ(ParseEverySplit("0,CONNECT\r\n4,CLOSED\r\n2,CONNECT FAIL\r\n"
                            "ALREADY CONNECTED\r\nALREADY CONNECT\r\n"),
            (std::vector<Rec>{R(TERN_AT_EV_CONNECT, 0), R(TERN_AT_EV_CLOSED, 4),
                              R(TERN_AT_EV_CONNECT_FAIL, 2),
                              R(TERN_AT_EV_ALREADY), R(TERN_AT_EV_ALREADY)}));
}

TEST(AtParser, LinkEventsSingleLink) {
  EXPECT_EQ(ParseEverySplit("CONNECT\r\nCLOSED\r\nCONNECT FAIL\r\n", 0),
            (std::vector<Rec>{R(TERN_AT_EV_CONNECT), R(TERN_AT_EV_CLOSED),
                              R(TERN_AT_EV_CONNECT_FAIL)}));
}

// Each mode drops the other's forms: an event's link is always one the
// caller has (an array of links is indexed safely).
TEST(AtParser, OtherModesFormsAreDropped) {
  {
    Parser multi(128, 2048, 5);
    multi.Feed(
        "CONNECT\r\nCLOSED\r\nCONNECT FAIL\r\n+IPD,3:abc\r\n"
        "+IPD,1,\"192.0.2.1\",7:x\r\nOK\r\n");
    EXPECT_EQ(multi.recs_, (std::vector<Rec>{R(TERN_AT_EV_OK)}));
    EXPECT_EQ(3u, multi.p_.stats.bad_number);
    EXPECT_EQ(2u, multi.p_.stats.bad_ipd);
  }
  {
    Parser single(128, 2048, 0);
    single.Feed(
        "0,CONNECT\r\n0,CLOSED\r\n+IPD,0,3:abc\r\n"
        "+IPD,0,1,\"192.0.2.1\",7:x\r\nOK\r\n");
    EXPECT_EQ(single.recs_, (std::vector<Rec>{R(TERN_AT_EV_OK)}));
    EXPECT_EQ(2u, single.p_.stats.bad_number);
    EXPECT_EQ(2u, single.p_.stats.bad_ipd);
  }
}

TEST(AtParser, ReadyAndWifi) {
  EXPECT_EQ(ParseEverySplit("\r\nready\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n"
                            "WIFI DISCONNECT\r\n"),
            (std::vector<Rec>{
                R(TERN_AT_EV_READY),
                R(TERN_AT_EV_WIFI, TERN_AT_NO_LINK, TERN_AT_WIFI_CONNECTED),
                R(TERN_AT_EV_WIFI, TERN_AT_NO_LINK, TERN_AT_WIFI_GOT_IP),
                R(TERN_AT_EV_WIFI, TERN_AT_NO_LINK, TERN_AT_WIFI_DISCONNECT)}));
}

TEST(AtParser, OtherLinesAreHandedOn) {
  Parser p;
  p.Feed("+CIFSR:STAIP,\"192.0.2.5\"\r\nlink is not valid\r\nSET OK\r\n");
  EXPECT_EQ(
      p.recs_,
      (std::vector<Rec>{
          R(TERN_AT_EV_LINE, TERN_AT_NO_LINK, 0, "+CIFSR:STAIP,\"192.0.2.5\""),
          R(TERN_AT_EV_LINE, TERN_AT_NO_LINK, 0, "link is not valid"),
          R(TERN_AT_EV_LINE, TERN_AT_NO_LINK, 0, "SET OK")}));
  EXPECT_EQ(3u, p.p_.stats.lines);
  EXPECT_EQ(3u, p.p_.stats.other);
}

TEST(AtParser, IpdMultiLink) {
  EXPECT_EQ(ParseEverySplit("\r\n+IPD,0,5:hello\r\n+IPD,4,3:abc"),
            (std::vector<Rec>{R(TERN_AT_EV_IPD, 0, 5, "hello"),
                              R(TERN_AT_EV_IPD, 4, 3, "abc")}));
}

TEST(AtParser, IpdPayloadIsBinaryAndNeverLines) {
  // The payload holds line ends, results, a fake +IPD, NULs and 0xFF.
  std::string payload = B("\r\nOK\r\n+IPD,1,2:xy\0\xff>\r\n");
  ASSERT_EQ(22u, payload.size());
  std::string in = "\r\n+IPD,1,22:" + payload + "\r\nOK\r\n";
  EXPECT_EQ(
      ParseEverySplit(in),
      (std::vector<Rec>{R(TERN_AT_EV_IPD, 1, 22, payload), R(TERN_AT_EV_OK)}));
}

TEST(AtParser, IpdBackToBackWithNoLineEnd) {
  // After a payload the parser is at the start of a line: a +IPD, a link
  // event or a prompt may follow directly.
  EXPECT_EQ(
      ParseEverySplit("+IPD,0,2:ab+IPD,1,1:c0,CLOSED\r\n+IPD,2,1:d>"),
      (std::vector<Rec>{R(TERN_AT_EV_IPD, 0, 2, "ab"),
                        R(TERN_AT_EV_IPD, 1, 1, "c"), R(TERN_AT_EV_CLOSED, 0),
                        R(TERN_AT_EV_IPD, 2, 1, "d"), R(TERN_AT_EV_PROMPT)}));
}

#if TERN_CONFIG_IPV6  // IPv6 addresses in the modem's lines
TEST(AtParser, IpdAllFieldForms) {
  EXPECT_EQ(ParseEverySplit("+IPD,0,2,\"192.0.2.7\",4000:hi"  // CIPDINFO=1
                            "+IPD,1,2,192.0.2.8,7:yo"         // unquoted
                            "+IPD,4,1,\"2001:db8::1\",53:z"   // IPv6
                            "+IPD,3,3:abc"),
            (std::vector<Rec>{R(TERN_AT_EV_IPD, 0, 2, "hi", "192.0.2.7:4000"),
                              R(TERN_AT_EV_IPD, 1, 2, "yo", "192.0.2.8:7"),
                              R(TERN_AT_EV_IPD, 4, 1, "z", "[2001:db8::1]:53"),
                              R(TERN_AT_EV_IPD, 3, 3, "abc")}));
}
#endif

TEST(AtParser, IpdSingleLinkForms) {
  EXPECT_EQ(ParseEverySplit("+IPD,3:abc+IPD,2,\"198.51.100.1\",65535:xy", 0),
            (std::vector<Rec>{R(TERN_AT_EV_IPD, TERN_AT_NO_LINK, 3, "abc"),
                              R(TERN_AT_EV_IPD, TERN_AT_NO_LINK, 2, "xy",
                                "198.51.100.1:65535")}));
}

TEST(AtParser, IpdOfZeroBytes) {
  Parser p;
  p.Feed("+IPD,0,0:OK\r\n");
  EXPECT_EQ(p.recs_,
            (std::vector<Rec>{R(TERN_AT_EV_IPD, 0, 0), R(TERN_AT_EV_OK)}));
}

TEST(AtParser, IpdAtTheLimitAndOverIt) {
  std::string big(64, 'x');
  {
    Parser p(128, 64);
    p.Feed("+IPD,0,64:" + big + "OK\r\n");
    EXPECT_EQ(p.recs_, (std::vector<Rec>{R(TERN_AT_EV_IPD, 0, 64, big),
                                         R(TERN_AT_EV_OK)}));
  }
  {
    // Over the limit: said, with its link and length, so that the link's
    // stream is known to have a hole (before, nothing was said), and its
    // payload skipped (TOO_LONG_DATA, joined into its record here).
    Parser p(128, 63);
    p.Feed("+IPD,2,64:" + big + "\r\nOK\r\n");
    EXPECT_EQ(p.recs_, (std::vector<Rec>{R(TERN_AT_EV_IPD_TOO_LONG, 2, 64, big),
                                         R(TERN_AT_EV_OK)}));
    EXPECT_EQ(1u, p.p_.stats.ipd_too_long);
    EXPECT_EQ(0u, p.p_.stats.ipd);
  }
}

// A header over ipd_max is said in every form it takes, split anywhere:
// +IPD in both modes, with and without the sender (a datagram's), and
// each +CIPRECVDATA form; with its link (none for +CIPRECVDATA), length
// and sender, once, and its payload skipped to its last byte: what the
// payload holds (results, link events, a +IPD, a prompt) is the network's
// and never read as the modem's. Before, the payload was read as lines.
TEST(AtParser, TooLongIsSaidInEveryFormAndSplit) {
  const std::string big = "xx,yy:zz\r\n0,CLOSED\r\nERROR\r\n+IPD,0,2:hi\r\n>" +
                          std::string(23, 'x');  // 64 bytes
  ASSERT_EQ(64u, big.size());
  const std::string from = "192.0.2.1:7";
  struct Case {
    std::string hdr;
    unsigned links;
    bool rd_remote;
    Rec want;
  } cases[] = {
      {"+IPD,4,64:", 5, false, R(TERN_AT_EV_IPD_TOO_LONG, 4, 64, big)},
      {"+IPD,4,64,\"192.0.2.1\",7:", 5, false,
       R(TERN_AT_EV_IPD_TOO_LONG, 4, 64, big, from)},
      {"+IPD,64:", 0, false,
       R(TERN_AT_EV_IPD_TOO_LONG, TERN_AT_NO_LINK, 64, big)},
      {"+IPD,64,192.0.2.1,7:", 0, false,
       R(TERN_AT_EV_IPD_TOO_LONG, TERN_AT_NO_LINK, 64, big, from)},
      {"+CIPRECVDATA:64,", 5, false,
       R(TERN_AT_EV_IPD_TOO_LONG, TERN_AT_NO_LINK, 64, big)},
      {"+CIPRECVDATA:64,\"192.0.2.1\",7,", 5, true,
       R(TERN_AT_EV_IPD_TOO_LONG, TERN_AT_NO_LINK, 64, big, from)},
      {"+CIPRECVDATA,64:", 5, false,
       R(TERN_AT_EV_IPD_TOO_LONG, TERN_AT_NO_LINK, 64, big)},
      {"+CIPRECVDATA,64,\"192.0.2.1\",7:", 5, false,
       R(TERN_AT_EV_IPD_TOO_LONG, TERN_AT_NO_LINK, 64, big, from)},
  };
  for (const Case &c : cases) {
    const std::string in = c.hdr + big + "OK\r\n";
    for (size_t cut = 0; cut <= in.size(); cut++) {
      Parser p(128, 63, c.links);
      tern_at_parser_recvdata_remote(&p.p_, c.rd_remote);
      if (cut == 0) {
        for (char ch : in)
          p.Feed(std::string(1, ch));
      } else {
        p.FeedSplit(in, {cut});
      }
      EXPECT_EQ(p.recs_, (std::vector<Rec>{c.want, R(TERN_AT_EV_OK)}))
          << c.hdr << " cut at " << cut;
      EXPECT_EQ(1u, p.p_.stats.ipd_too_long) << c.hdr;
      EXPECT_EQ(0u, p.p_.stats.ipd + p.p_.stats.bad_ipd) << c.hdr;
    }
  }
}

// The reviewer's injection: a peer sends more than ipd_max (2048, the
// backend's) in one datagram or TCP segment, its text lines the modem
// says. None of them is taken for the modem's: no link 0 closed, no bytes
// injected into link 0's stream, no result, no prompt, no restart; the
// payload is skipped to its last byte and what follows is the modem's
// again. Before, the payload was read as lines: every one of them was.
// Whole, byte by byte and split in two at every byte, in each header form.
TEST(AtParser, TooLongPayloadIsNeverReadAsTheModemsLines) {
  std::string payload = std::string(1000, 'a') +
                        "\r\n0,CLOSED\r\n\r\n+IPD,0,5:hello\r\nERROR\r\n"
                        "\r\nSEND OK\r\nready\r\n>" +
                        "\r\n+CIPRECVDATA:5,world\r\n0,CONNECT\r\n";
  payload += std::string(3000 - payload.size(), 'z');
  ASSERT_EQ(3000u, payload.size());
  const std::string after = "\r\n+IPD,0,3:abc\r\nOK\r\n";
  EXPECT_EQ(
      ParseEverySplit("\r\n+IPD,1,3000:" + payload + after),
      (std::vector<Rec>{R(TERN_AT_EV_IPD_TOO_LONG, 1, 3000, payload),
                        R(TERN_AT_EV_IPD, 0, 3, "abc"), R(TERN_AT_EV_OK)}));
  EXPECT_EQ(
      ParseEverySplit("\r\n+IPD,1,3000,\"192.0.2.9\",53:" + payload + after),
      (std::vector<Rec>{
          R(TERN_AT_EV_IPD_TOO_LONG, 1, 3000, payload, "192.0.2.9:53"),
          R(TERN_AT_EV_IPD, 0, 3, "abc"), R(TERN_AT_EV_OK)}));
  EXPECT_EQ(ParseEverySplit("+IPD,3000:" + payload + "+IPD,3:abc\r\n", 0),
            (std::vector<Rec>{
                R(TERN_AT_EV_IPD_TOO_LONG, TERN_AT_NO_LINK, 3000, payload),
                R(TERN_AT_EV_IPD, TERN_AT_NO_LINK, 3, "abc")}));
  EXPECT_EQ(ParseEverySplit("+CIPRECVDATA:3000," + payload + "\r\nOK\r\n"),
            (std::vector<Rec>{
                R(TERN_AT_EV_IPD_TOO_LONG, TERN_AT_NO_LINK, 3000, payload),
                R(TERN_AT_EV_OK)}));
  Parser p;
  p.Feed("\r\n+IPD,1,3000:" + payload + after);
  EXPECT_EQ(1u, p.p_.stats.ipd_too_long);
  EXPECT_EQ(1u, p.p_.stats.ipd);
  EXPECT_EQ(1u, p.p_.stats.lines);  // the OK, and no line of the payload
  EXPECT_EQ(0u, p.p_.stats.prompts);
  EXPECT_EQ(3003u, p.p_.stats.ipd_bytes);
}

// The skip is bounded by what the modem can send in one (65535: a UDP
// datagram is at most 65507 bytes, 65527 over IPv6): a length up to that
// is well formed and skipped, one over it is a corrupted header whose
// bytes are read as lines (a 10-digit length would have the parser skip
// 4 GiB of the UART). Before, any length over ipd_max was read as lines.
TEST(AtParser, SkipIsBoundedByWhatTheModemCanSend) {
  std::string all(TERN_AT_IPD_LEN_MAX, '\n');
  {
    Parser p;
    p.Feed("+IPD,2,65535:" + all + "\r\nOK\r\n");
    EXPECT_EQ(p.recs_,
              (std::vector<Rec>{R(TERN_AT_EV_IPD_TOO_LONG, 2, 65535, all),
                                R(TERN_AT_EV_OK)}));
  }
  {
    Parser p;
    p.Feed("+IPD,2,65536:x\r\nOK\r\n");
    EXPECT_EQ(p.recs_,
              (std::vector<Rec>{R(TERN_AT_EV_IPD_BAD, 2), R(TERN_AT_EV_OK)}));
    EXPECT_EQ(1u, p.p_.stats.bad_ipd);
    EXPECT_EQ(0u, p.p_.stats.ipd_too_long);
  }
  {
    // ipd_max may be the bound itself, not more.
    Parser p(128, TERN_AT_IPD_LEN_MAX);
    p.Feed("+IPD,2,65535:" + all + "OK\r\n");
    EXPECT_EQ(p.recs_, (std::vector<Rec>{R(TERN_AT_EV_IPD, 2, 65535, all),
                                         R(TERN_AT_EV_OK)}));
  }
}

// A sender the parser does not take (port 0: RFC 768 lets a UDP peer
// send from it, "if not used, a value of zero is inserted") after a
// length that parsed: the payload is the peer's, so it is skipped byte
// for byte (IPD_BAD, its length, then TOO_LONG_DATA), never read as
// lines. Before, the header was dropped as malformed and the bytes after
// it read as lines: a datagram from port 0 could close link 0, put
// "hello" into its stream or fail a command. In each form that carries
// the sender, whole, byte by byte and split in two at every byte. A
// passive notice's sender is not needed (the fetch's answer names it):
// its notice is taken.
TEST(AtParser, BadSendersPayloadIsSkippedNotReadAsLines) {
  const std::string pay =
      "a\r\n0,CLOSED\r\n\r\n+IPD,0,5:hello\r\nERROR\r\nready\r\n>z";
  const std::string n = std::to_string(pay.size());
  struct Case {
    std::string hdr;
    unsigned links;
    bool rd_remote;
    int link;
  } cases[] = {
      {"+IPD,1," + n + ",\"192.0.2.1\",0:", 5, false, 1},
      {"+IPD,1," + n + ",192.0.2.1,0:", 5, false, 1},
      {"+IPD,1," + n + ",\"192.0.2.1\",65536:", 5, false, 1},
      {"+IPD,1," + n + ",\"192.0.2\",7:", 5, false, 1},
      {"+IPD," + n + ",\"192.0.2.1\",0:", 0, false, TERN_AT_NO_LINK},
      {"+CIPRECVDATA:" + n + ",\"192.0.2.1\",0,", 5, true, TERN_AT_NO_LINK},
      {"+CIPRECVDATA:" + n + ",192.0.2.1,0,", 5, true, TERN_AT_NO_LINK},
      {"+CIPRECVDATA," + n + ",\"192.0.2.1\",0:", 5, false, TERN_AT_NO_LINK},
  };
  for (const Case &c : cases) {
    // Then the modem's next +IPD, of link 0 (or the single link), and OK.
    const std::string in = "\r\n" + c.hdr + pay + "\r\n+IPD," +
                           (c.links ? "0," : "") + "2:ok\r\nOK\r\n";
    std::vector<Rec> want = {
        R(TERN_AT_EV_IPD_BAD, c.link, (uint32_t)pay.size(), pay),
        R(TERN_AT_EV_IPD, c.links ? 0 : TERN_AT_NO_LINK, 2, "ok"),
        R(TERN_AT_EV_OK)};
    for (size_t cut = 0; cut <= in.size(); cut++) {
      Parser p(128, 2048, c.links);
      tern_at_parser_recvdata_remote(&p.p_, c.rd_remote);
      if (cut == 0) {
        for (char ch : in)
          p.Feed(std::string(1, ch));
      } else {
        p.FeedSplit(in, {cut});
      }
      EXPECT_EQ(p.recs_, want) << c.hdr << " cut at " << cut;
      EXPECT_EQ(1u, p.p_.stats.bad_ipd) << c.hdr;
      EXPECT_EQ(1u, p.p_.stats.ipd) << c.hdr;
      EXPECT_EQ(1u, p.p_.stats.lines) << c.hdr;  // the OK only
      EXPECT_EQ(0u, p.p_.stats.prompts) << c.hdr;
    }
  }
  Parser held;
  held.Feed("+IPD,2,40,\"192.0.2.1\",0\r\nOK\r\n");
  EXPECT_EQ(held.recs_, (std::vector<Rec>{R(TERN_AT_EV_IPD_HELD, 2, 40),
                                          R(TERN_AT_EV_OK)}));
}

// A header dropped as malformed (bad_ipd) whose stream is known is said
// (IPD_BAD), so that its owner can fail that stream: its payload, if it
// had one, is lost. A +IPD of the mode's form whose link parsed: that
// link (none in single-link mode); any +CIPRECVDATA: no link (it is the
// command's). A +IPD whose link does not parse (or not of the mode's
// form) is only counted: nobody can say whose bytes went. The bytes after
// it are lines (a length that did not parse cannot be trusted), unless
// only its sender did not parse: then its payload is skipped
// (BadSendersPayloadIsSkippedNotReadAsLines). Before, none was said.
// Split at every byte.
TEST(AtParser, MalformedHeaderOfAKnownStreamIsSaid) {
  struct Case {
    std::string in;
    unsigned links;
    bool said;
    int link;
    uint32_t skipped = 0;  // a bad sender's payload: its length
  } cases[] = {
      {"+IPD,0,1x:ab", 5, true, 0},
      {"+IPD,3,00000000001:ab", 5, true, 3},  // 11 digits
      {"+IPD,4,2,\"1.2.3\",7:ab", 5, true, 4, 2},
      {"+IPD,1,2,\"1.2.3.4\",0:ab", 5, true, 1, 2},
      {"+IPD,1,\"1.2:3", 5, true, 1},  // cut by the line end
      {"+IPD,1x:ab", 0, true, TERN_AT_NO_LINK},
      {"+CIPRECVDATA:5x,ab", 5, true, TERN_AT_NO_LINK},
      {"+CIPRECVDATA,5,1:ab", 5, true, TERN_AT_NO_LINK},
      {"+CIPRECVDATA:5", 5, true, TERN_AT_NO_LINK},  // cut by the line end
      {"+IPD,7,5:ab", 5, false, 0},                  // link out of range
      {"+IPD,x,5:ab", 5, false, 0},
      {"+IPD,99999999999,1:ab", 5, false, 0},
      {"+IPD,0,1,2,3,4:ab", 5, false, 0},  // five fields
      {"+IPD,3:ab", 5, false, 0},          // the other mode's form
      {"+IPD,0,3:ab", 0, false, 0},        // the other mode's form
  };
  for (const Case &c : cases) {
    std::vector<Rec> want;
    if (c.said)
      want.push_back(
          R(TERN_AT_EV_IPD_BAD, c.link, c.skipped, c.skipped ? "ab" : ""));
    want.push_back(R(TERN_AT_EV_OK));
    EXPECT_EQ(ParseEverySplit(c.in + "\r\nOK\r\n", c.links), want) << c.in;
    Parser p(128, 2048, c.links);
    p.Feed(c.in + "\r\nOK\r\n");
    EXPECT_EQ(1u, p.p_.stats.bad_ipd) << c.in;
    EXPECT_FALSE(tern_at_parser_in_payload(&p.p_)) << c.in;
  }
}

// Each dropped and counted, the OK after it still seen; said (IPD_BAD,
// link 0) when link 0 parsed and the header had the mode's form
// (MalformedHeaderOfAKnownStreamIsSaid), its one byte of payload skipped
// when only the sender did not parse.
TEST(AtParser, BadIpdHeadersAreDroppedAndResync) {
  const struct {
    const char *hdr;
    bool said;
    bool skipped = false;  // the length parsed, the sender did not
  } bad[] = {
      {"+IPD,:x", false},                            // empty length
      {"+IPD,0,:x", true},                           // empty length
      {"+IPD,0,abc:x", true},                        // not a number
      {"+IPD,0,-1:x", true},                         // a sign
      {"+IPD,0,+1:x", true},                         // a sign
      {"+IPD,5,1:x", false},                         // link 5 of 0..4
      {"+IPD,99999999999,1:x", false},               // link too long
      {"+IPD,0,1,2,3,4:x", false},                   // five fields
      {"+IPD,0,1,\"1.2.3\",80:x", true, true},       // bad address
      {"+IPD,0,1,\"1.2.3.4\",0:x", true, true},      // port 0
      {"+IPD,0,1,\"1.2.3.4\",65536:x", true, true},  // port too big
      {"+IPD,0,1,\"1.2.3.4\",:x", true, true},       // no port
      {"+IPD,0,1,2001:db8::1,53:x", false},  // unquoted IPv6: ':' ends it
      {"+IPD,0,1,\"\",80:x", true, true},    // empty address
      {"+IPD,0,00000000001:x", true},        // 11 digits
      {"+IPD,0,65536:x", true},              // over TERN_AT_IPD_LEN_MAX
  };
  for (const auto &b : bad) {
    Parser p;
    p.Feed(std::string(b.hdr) + "\r\nOK\r\n");
    std::vector<Rec> want = {R(TERN_AT_EV_OK)};
    if (b.said)
      want.insert(want.begin(), R(TERN_AT_EV_IPD_BAD, 0, b.skipped ? 1 : 0,
                                  b.skipped ? "x" : ""));
    EXPECT_EQ(p.recs_, want) << b.hdr;
    EXPECT_EQ(1u, p.p_.stats.bad_ipd) << b.hdr;
    EXPECT_EQ(0u, p.p_.stats.ipd) << b.hdr;
  }
}

TEST(AtParser, IpdHeaderCutByALineEnd) {
  // "+IPD,0,5" as a line is passive mode's notice (below); a header that
  // is not one of its forms, cut by a line end, is dropped.
  Parser p;
  p.Feed(
      "+IPD,0,\"1.2:3\r\nOK\r\n+IPD,0,5,\"1.2.3.4\"\r\nOK\r\n+IPD,9,5\r\n"
      "+IPD,5\r\nOK\r\n");
  EXPECT_EQ(p.recs_,
            (std::vector<Rec>{R(TERN_AT_EV_IPD_BAD, 0), R(TERN_AT_EV_OK),
                              R(TERN_AT_EV_OK), R(TERN_AT_EV_OK)}));
  EXPECT_EQ(4u, p.p_.stats.bad_ipd);
}

// Passive receive mode (AT+CIPRECVMODE=1): "+IPD,<link>,<len>" is a line
// without payload; the length is what the modem holds (no ipd_max: the
// modem's window may be larger than one read).
TEST(AtParser, PassiveIpdNotice) {
  Parser multi(128, 16, 5);
  multi.Feed("\r\n+IPD,4,5760\r\n+IPD,0,1\r\nOK\r\n");
  EXPECT_EQ(multi.recs_,
            (std::vector<Rec>{R(TERN_AT_EV_IPD_HELD, 4, 5760),
                              R(TERN_AT_EV_IPD_HELD, 0, 1), R(TERN_AT_EV_OK)}));
  EXPECT_EQ(0u, multi.p_.stats.ipd);
  EXPECT_EQ(3u, multi.p_.stats.lines);
  EXPECT_FALSE(tern_at_parser_in_payload(&multi.p_));
  Parser single(128, 2048, 0);
  single.Feed("+IPD,7\r\n+IPD,0,7\r\n");
  EXPECT_EQ(single.recs_,
            (std::vector<Rec>{R(TERN_AT_EV_IPD_HELD, TERN_AT_NO_LINK, 7)}));
  EXPECT_EQ(1u, single.p_.stats.bad_ipd);
}

// AT+CIPRECVDATA's answer in each form the documents and firmware give:
// ESP-AT 2.x "+CIPRECVDATA:<len>,<data>", the same with the sender after
// AT+CIPDINFO=1 (quoted as the English document shows, or not as the
// Chinese one), and ESP8266 AT 1.7's "+CIPRECVDATA,<len>:<data>" (which
// the mbed and WiFiEspAT drivers read); each followed by OK. The payload
// may hold anything, line ends and commas included.
TEST(AtParser, RecvdataForms) {
  const std::string data = B("a,b\r\nOK\r\n\0:\"x");
  const std::string n = std::to_string(data.size());
  std::vector<Rec> want = {
      R(TERN_AT_EV_RECVDATA, TERN_AT_NO_LINK, (uint32_t)data.size(), data),
      R(TERN_AT_EV_OK)};
  std::vector<Rec> want_remote = want;
  want_remote[0].remote = "192.0.2.1:7";
  struct Case {
    std::string in;
    bool remote_on;
    const std::vector<Rec> *want;
  } cases[] = {
      {"\r\n+CIPRECVDATA:" + n + "," + data + "\r\nOK\r\n", false, &want},
      {"+CIPRECVDATA:" + n + ",\"192.0.2.1\",7," + data + "\r\nOK\r\n", true,
       &want_remote},
      {"+CIPRECVDATA:" + n + ",192.0.2.1,7," + data + "\r\nOK\r\n", true,
       &want_remote},
      {"+CIPRECVDATA," + n + ":" + data + "\r\nOK\r\n", false, &want},
      {"+CIPRECVDATA," + n + ":" + data + "\r\nOK\r\n", true, &want},
      {"+CIPRECVDATA," + n + ",\"192.0.2.1\",7:" + data + "\r\nOK\r\n", false,
       &want_remote},
  };
  for (const Case &c : cases) {
    // Whole, then split at every byte: the same events.
    for (size_t cut = 0; cut <= c.in.size(); cut++) {
      Parser p;
      tern_at_parser_recvdata_remote(&p.p_, c.remote_on);
      if (cut == 0) {
        p.Feed(c.in);
      } else {
        p.FeedSplit(c.in, {cut});
      }
      EXPECT_EQ(p.recs_, *c.want) << c.in << " cut at " << cut;
      EXPECT_EQ(1u, p.p_.stats.ipd);
      EXPECT_EQ(data.size(), p.p_.stats.ipd_bytes);
    }
    // One byte at a time.
    Parser p;
    tern_at_parser_recvdata_remote(&p.p_, c.remote_on);
    for (char ch : c.in) {
      p.Feed(std::string(1, ch));
    }
    EXPECT_EQ(p.recs_, *c.want) << c.in << " byte by byte";
  }
  // Zero bytes: a header and no payload.
  EXPECT_EQ(Parse("+CIPRECVDATA:0,\r\nOK\r\n"),
            (std::vector<Rec>{R(TERN_AT_EV_RECVDATA), R(TERN_AT_EV_OK)}));
}

// Malformed answers are dropped (bad_ipd, said as IPD_BAD: the fetch's
// bytes are lost), a length over ipd_max is said and skipped
// (ipd_too_long), and the OK after them is still seen; junk lines around
// a good one change nothing.
TEST(AtParser, RecvdataMalformedAndJunkAround) {
  const char *bad[] = {
      "+CIPRECVDATA:,x",               // no length
      "+CIPRECVDATA:-1,x",             // signed
      "+CIPRECVDATA:1x,x",             // not a number
      "+CIPRECVDATA:5",                // cut by the line end
      "+CIPRECVDATA,5",                // the same, ESP8266 form
      "+CIPRECVDATA,5,\"1.2.3.4\":x",  // an address and no port
      "+CIPRECVDATA,1,2,3,4:x",        // too many fields
  };
  for (const char *b : bad) {
    Parser p;
    p.Feed(std::string(b) + "\r\nOK\r\n");
    EXPECT_EQ(p.recs_,
              (std::vector<Rec>{R(TERN_AT_EV_IPD_BAD), R(TERN_AT_EV_OK)}))
        << b;
    EXPECT_EQ(1u, p.p_.stats.bad_ipd) << b;
    EXPECT_EQ(0u, p.p_.stats.ipd) << b;
  }
  Parser over(128, 4, 5);
  over.Feed("+CIPRECVDATA:5,abcde\r\nOK\r\n");
  EXPECT_EQ(
      over.recs_,
      (std::vector<Rec>{R(TERN_AT_EV_IPD_TOO_LONG, TERN_AT_NO_LINK, 5, "abcde"),
                        R(TERN_AT_EV_OK)}));
  EXPECT_EQ(1u, over.p_.stats.ipd_too_long);
  // The sender's fields asked for and missing: the header runs into the
  // line end and is dropped, not read past.
  Parser remote;
  tern_at_parser_recvdata_remote(&remote.p_, 1);
  remote.Feed("+CIPRECVDATA:3,abc\r\nOK\r\n");
  EXPECT_EQ(remote.recs_,
            (std::vector<Rec>{R(TERN_AT_EV_IPD_BAD), R(TERN_AT_EV_OK)}));
  EXPECT_EQ(1u, remote.p_.stats.bad_ipd);
  // Junk lines before, between and after: dropped or handed on, the
  // answer whole.
  Parser junk;
  junk.Feed(
      B("\x07\x01junk\r\n+IPD,1,3\r\n~~~\r\n+CIPRECVDATA:3,xyz"
        "\r\n\x1b[0m\r\nOK\r\n"));
  EXPECT_EQ(junk.recs_,
            (std::vector<Rec>{R(TERN_AT_EV_IPD_HELD, 1, 3),
                              R(TERN_AT_EV_LINE, TERN_AT_NO_LINK, 0, "~~~"),
                              R(TERN_AT_EV_RECVDATA, TERN_AT_NO_LINK, 3, "xyz"),
                              R(TERN_AT_EV_OK)}));
  EXPECT_EQ(2u, junk.p_.stats.bad_char);
}

// The sender asked for (AT+CIPDINFO=1 answered OK) and a modem that
// sends none after all (firmware whose +CIPRECVDATA: form has no sender):
// the payload is read as the header's sender fields, and a line end, a
// control byte, an open quote or the buffer's end in it drops the header
// after its length parsed. The rest of the payload is the network's: it is
// skipped (said as IPD_BAD with the bytes still to come), never read as
// the modem's lines. Before, it was: a peer's "1,CLOSED", "+IPD,2,4:evil"
// or "ready" in its data ended, fed or reset the other links. Split at
// every byte.
TEST(AtParser, RecvdataWithoutTheSenderAskedForIsNeverReadAsLines) {
  const std::string tail = "1,CLOSED\r\n+IPD,2,4:evil\r\nready\r\n>z";
  const std::string hdr_max(128, 'x');
  struct Case {
    std::string pay;
    size_t used;  // payload bytes the header took, the one ending it too
  } cases[] = {
      {"ab\r\n" + tail, 3},
      {B("a\0b,\r\n") + tail, 2},
      {"\"q,\r\n" + tail, 4},
      {hdr_max + "\r\n" + tail, 0},  // set below: the buffer's end
  };
  for (Case &c : cases) {
    const std::string n = std::to_string(c.pay.size());
    const std::string hdr = "+CIPRECVDATA:" + n + ",";
    if (c.used == 0)
      c.used = 128 - hdr.size() + 1;
    const std::string in = "\r\n" + hdr + c.pay + "\r\nOK\r\n";
    std::vector<Rec> want = {
        R(TERN_AT_EV_IPD_BAD, TERN_AT_NO_LINK,
          (uint32_t)(c.pay.size() - c.used), c.pay.substr(c.used)),
        R(TERN_AT_EV_OK)};
    for (size_t cut = 0; cut <= in.size(); cut++) {
      Parser p;
      tern_at_parser_recvdata_remote(&p.p_, 1);
      if (cut == 0) {
        for (char ch : in)
          p.Feed(std::string(1, ch));
      } else {
        p.FeedSplit(in, {cut});
      }
      ASSERT_EQ(p.recs_, want) << c.pay.substr(0, 8) << " cut at " << cut;
      EXPECT_EQ(1u, p.p_.stats.bad_ipd);
      EXPECT_EQ(1u, p.p_.stats.lines);  // the OK only
      EXPECT_EQ(0u, p.p_.stats.prompts);
    }
  }
}

TEST(AtParser, NotAnIpd) {
  // "+IPD" without the comma, or later in a line, is an ordinary line.
  EXPECT_EQ(Parse("+IPD\r\nx+IPD,0,1:y\r\n"),
            (std::vector<Rec>{
                R(TERN_AT_EV_LINE, TERN_AT_NO_LINK, 0, "+IPD"),
                R(TERN_AT_EV_LINE, TERN_AT_NO_LINK, 0, "x+IPD,0,1:y")}));
}

TEST(AtParser, BadNumbersAreDropped) {
  Parser p;
  p.Feed(
      "5,CONNECT\r\n123456789012,CLOSED\r\nERR CODE:0xZZ\r\n"
      "ERR CODE:0x123456789\r\nERR CODE:12\r\nRecv x bytes\r\n"
      "Recv 99999999999 bytes\r\nOK\r\n");
  EXPECT_EQ(p.recs_, (std::vector<Rec>{R(TERN_AT_EV_OK)}));
  EXPECT_EQ(7u, p.p_.stats.bad_number);
  EXPECT_EQ(1u, p.p_.stats.lines);
}

TEST(AtParser, LinksAreTheConfiguredCount) {
  std::vector<uint8_t> buf(128);
  tern_at_parser p;
  ASSERT_EQ(0, tern_at_parser_init(&p, buf.data(), buf.size(), 100,
                                   TERN_AT_MAX_LINKS));
  const std::string in = "15,CONNECT\r\n+IPD,15,1:x16,CONNECT\r\n";
  const uint8_t *d = reinterpret_cast<const uint8_t *>(in.data());
  std::vector<int> kinds;
  size_t off = 0;
  while (off < in.size()) {
    tern_at_event ev;
    off += tern_at_parser_feed(&p, d + off, in.size() - off, &ev);
    if (ev.kind != TERN_AT_EV_NONE) {
      kinds.push_back(ev.kind);
      EXPECT_EQ(15, ev.link);
    }
  }
  EXPECT_EQ(kinds, (std::vector<int>{TERN_AT_EV_CONNECT, TERN_AT_EV_IPD,
                                     TERN_AT_EV_IPD_DATA}));
  EXPECT_EQ(1u, p.stats.bad_number);
}

TEST(AtParser, ControlBytesDropTheLine) {
  Parser p;
  p.Feed(B("O\0K\r\nOK\x01\r\n\x1b[0m\r\n\x7f\r\nOK\r\n"));
  EXPECT_EQ(p.recs_, (std::vector<Rec>{R(TERN_AT_EV_OK)}));
  EXPECT_EQ(4u, p.p_.stats.bad_char);
  // Bytes from 0x80 up pass (an SSID in UTF-8).
  p.recs_.clear();
  p.Feed("caf\xc3\xa9\r\n");
  EXPECT_EQ(p.recs_, (std::vector<Rec>{R(TERN_AT_EV_LINE, TERN_AT_NO_LINK, 0,
                                         "caf\xc3\xa9")}));
}

TEST(AtParser, OverlongLinesAreDropped) {
  Parser p(TERN_AT_LINE_MIN);
  std::string fits(TERN_AT_LINE_MIN, 'a');
  std::string over(TERN_AT_LINE_MIN + 1, 'b');
  p.Feed(fits + "\r\n" + over + "\r\n" + std::string(5000, 'c') + "\r\nOK\r\n");
  EXPECT_EQ(p.recs_,
            (std::vector<Rec>{R(TERN_AT_EV_LINE, TERN_AT_NO_LINK, 0, fits),
                              R(TERN_AT_EV_OK)}));
  EXPECT_EQ(2u, p.p_.stats.overlong);
}

#if TERN_CONFIG_IPV6  // IPv6 addresses in the modem's lines
// The longest header the parser reads (a 10-digit length: a malformed
// one, over TERN_AT_IPD_LEN_MAX, said for its link) fits the smallest
// buffer, and so does the longest it takes.
TEST(AtParser, LongestIpdHeaderFitsTheSmallestBuffer) {
  std::string hdr =
      "+IPD,15,4294967295,\"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255\","
      "65535:";
  ASSERT_LE(hdr.size() - 1, static_cast<size_t>(TERN_AT_LINE_MIN));
  std::vector<uint8_t> buf(TERN_AT_LINE_MIN);
  tern_at_parser p;
  ASSERT_EQ(0, tern_at_parser_init(&p, buf.data(), buf.size(),
                                   TERN_AT_IPD_LEN_MAX, 16));
  tern_at_event ev;
  const uint8_t *d = reinterpret_cast<const uint8_t *>(hdr.data());
  EXPECT_EQ(hdr.size(), tern_at_parser_feed(&p, d, hdr.size(), &ev));
  EXPECT_EQ(TERN_AT_EV_IPD_BAD, ev.kind);
  EXPECT_EQ(15, ev.link);
  EXPECT_FALSE(tern_at_parser_in_payload(&p));
  EXPECT_EQ(1u, p.stats.bad_ipd);
  hdr =
      "+IPD,15,65535,\"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255\","
      "65535:";
  tern_at_parser_reset(&p);
  d = reinterpret_cast<const uint8_t *>(hdr.data());
  EXPECT_EQ(hdr.size(), tern_at_parser_feed(&p, d, hdr.size(), &ev));
  EXPECT_EQ(TERN_AT_EV_IPD, ev.kind);
  EXPECT_EQ(65535u, ev.value);
  EXPECT_EQ(15, ev.link);
  EXPECT_EQ(1, ev.has_remote);
  EXPECT_EQ(65535, ev.remote.port);
  EXPECT_TRUE(tern_at_parser_in_payload(&p));
}
#endif

TEST(AtParser, StatsCountEachInputOnce) {
  Parser p;
  p.Feed("OK\r\n>\r\n+IPD,0,3:abc\r\nfoo\r\n\x01\r\n+IPD,x:\r\n9,CLOSED\r\n" +
         std::string(200, 'z') + "\r\n+IPD,0,9999:");
  const tern_at_stats &s = p.p_.stats;
  EXPECT_EQ(2u, s.lines);  // OK, foo
  EXPECT_EQ(1u, s.other);
  EXPECT_EQ(1u, s.prompts);
  EXPECT_EQ(1u, s.ipd);
  EXPECT_EQ(3u, s.ipd_bytes);
  EXPECT_EQ(1u, s.bad_char);
  EXPECT_EQ(1u, s.bad_ipd);
  EXPECT_EQ(1u, s.bad_number);
  EXPECT_EQ(1u, s.overlong);
  EXPECT_EQ(1u, s.ipd_too_long);
}

TEST(AtParser, ResetLeavesAPayload) {
  Parser p;
  p.Feed("+IPD,0,10:abc");
  EXPECT_TRUE(tern_at_parser_in_payload(&p.p_));
  tern_at_parser_reset(&p.p_);
  EXPECT_FALSE(tern_at_parser_in_payload(&p.p_));
  p.Feed("\r\nOK\r\n");
  EXPECT_EQ(TERN_AT_EV_OK, p.recs_.back().kind);
  EXPECT_EQ(3u, p.p_.stats.ipd_bytes);
  // And one being skipped.
  p.Feed("+IPD,0,3000:abc");
  EXPECT_TRUE(tern_at_parser_in_payload(&p.p_));
  tern_at_parser_reset(&p.p_);
  EXPECT_FALSE(tern_at_parser_in_payload(&p.p_));
  p.Feed("\r\nOK\r\n");
  EXPECT_EQ(TERN_AT_EV_OK, p.recs_.back().kind);
}

// A +IPD or +CIPRECVDATA is "in payload" from its header's first bytes
// on (its owner must not reset the parser there after a timeout: the
// rest of the header and the peer's payload would be read as lines), to
// its payload's last byte; a passive notice, a line of its own, until
// its line end; a malformed header not once dropped. Before, a header
// half read was not: the backend let a deadline pass in it.
TEST(AtParser, InPayloadCoversTheHeader) {
  Parser p;
  const struct {
    const char *in;
    bool inside;
  } steps[] = {
      {"\r\n+IPD", false},
      {",", true},  // "+IPD," is a header
      {"1,4", true},
      {"0,\"192.0.2.1\",7", true},
      {":", true},  // the payload's turn
      {"0123456789012345678901234567890123456789", false},
      {"+CIPRECVDATA:", true},
      {"3", true},
      {",", true},
      {"abc", false},
      {"\r\nOK\r\n+IPD,2,5", true},  // a notice, until its line end
      {"\r\n", false},
      {"+IPD,0,1x:", false},  // malformed: dropped, the rest a line
  };
  for (const auto &st : steps) {
    p.Feed(st.in);
    EXPECT_EQ(st.inside, tern_at_parser_in_payload(&p.p_) != 0) << st.in;
  }
  EXPECT_EQ(p.recs_.size(), 5u);  // IPD, RECVDATA, OK, IPD_HELD, IPD_BAD
}

TEST(AtParser, InitChecksItsArguments) {
  uint8_t buf[TERN_AT_LINE_MIN];
  tern_at_parser p;
  EXPECT_EQ(TERN_EINVAL, tern_at_parser_init(nullptr, buf, sizeof buf, 1, 5));
  EXPECT_EQ(TERN_EINVAL, tern_at_parser_init(&p, nullptr, sizeof buf, 1, 5));
  EXPECT_EQ(TERN_EINVAL, tern_at_parser_init(&p, buf, sizeof buf - 1, 1, 5));
  EXPECT_EQ(TERN_EINVAL, tern_at_parser_init(&p, buf, sizeof buf, 0, 5));
  EXPECT_EQ(TERN_EINVAL,
            tern_at_parser_init(&p, buf, sizeof buf, 1, TERN_AT_MAX_LINKS + 1));
  EXPECT_EQ(TERN_EINVAL, tern_at_parser_init(&p, buf, sizeof buf,
                                             TERN_AT_IPD_LEN_MAX + 1, 5));
  EXPECT_EQ(0,
            tern_at_parser_init(&p, buf, sizeof buf, TERN_AT_IPD_LEN_MAX, 5));
  EXPECT_EQ(0, tern_at_parser_init(&p, buf, sizeof buf, 1, 0));
  EXPECT_EQ(0, tern_at_parser_init(&p, buf, sizeof buf, 1, 1));
}

TEST(AtParser, FeedOfNothing) {
  Parser p;
  tern_at_event ev;
  EXPECT_EQ(0u, tern_at_parser_feed(&p.p_, nullptr, 0, &ev));
  EXPECT_EQ(TERN_AT_EV_NONE, ev.kind);
}

// A whole session as an ESP-AT modem with echo on would send it, split at
// every byte.
TEST(AtParser, SessionSplitAtEveryByte) {
  std::string s =
      "\r\nready\r\n"
      "AT+CIPMUX=1\r\r\n\r\nOK\r\n"
      "AT+CIPSTART=0,\"TCP\",\"192.0.2.1\",7\r\r\n0,CONNECT\r\n\r\nOK\r\n"
      "AT+CIPSEND=0,4\r\r\n\r\nOK\r\n\r\n>"
      "\r\nRecv 4 bytes\r\n\r\nSEND OK\r\n"
      "\r\n+IPD,0,4:ping"
      "\r\n+IPD,0,6,\"192.0.2.1\",7:\r\nOK\r\n"
      "busy p...\r\n"
      "AT+CIPCLOSE=0\r\r\n0,CLOSED\r\n\r\nOK\r\n";
  std::vector<Rec> want = {
      R(TERN_AT_EV_READY),
      R(TERN_AT_EV_ECHO, TERN_AT_NO_LINK, 0, "AT+CIPMUX=1"),
      R(TERN_AT_EV_OK),
      R(TERN_AT_EV_ECHO, TERN_AT_NO_LINK, 0,
        "AT+CIPSTART=0,\"TCP\",\"192.0.2.1\",7"),
      R(TERN_AT_EV_CONNECT, 0),
      R(TERN_AT_EV_OK),
      R(TERN_AT_EV_ECHO, TERN_AT_NO_LINK, 0, "AT+CIPSEND=0,4"),
      R(TERN_AT_EV_OK),
      R(TERN_AT_EV_PROMPT),
      R(TERN_AT_EV_RECV, TERN_AT_NO_LINK, 4),
      R(TERN_AT_EV_SEND_OK),
      R(TERN_AT_EV_IPD, 0, 4, "ping"),
      R(TERN_AT_EV_IPD, 0, 6, "\r\nOK\r\n", "192.0.2.1:7"),
      R(TERN_AT_EV_BUSY, TERN_AT_NO_LINK, 'p'),
      R(TERN_AT_EV_ECHO, TERN_AT_NO_LINK, 0, "AT+CIPCLOSE=0"),
      R(TERN_AT_EV_CLOSED, 0),
      R(TERN_AT_EV_OK),
  };
  EXPECT_EQ(ParseEverySplit(s), want);
  // And cut in three at a sample of places.
  for (size_t a = 1; a < s.size(); a += 7) {
    for (size_t b = a + 1; b < s.size(); b += 13) {
      Parser p;
      p.FeedSplit(s, {a, b});
      ASSERT_EQ(want, p.recs_) << a << "," << b;
    }
  }
}

// Random bytes, then a clean line end and a result: the parser must still
// be there (whatever the garbage did, a payload it started is over once
// its length has passed, and TERN_AT_IPD_LEN_MAX bounds that: a payload
// over ipd_max is skipped to its end).
TEST(AtParser, SurvivesRandomBytes) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 200; round++) {
    Parser p(TERN_AT_LINE_MIN, 16);
    std::string junk(1 + rng() % 400, '\0');
    for (char &c : junk) {
      // Mostly text an AT parser likes, to reach deep states.
      static const char alpha[] = "+IPD,0123:\"\r\n>OK .abcfx";
      c = rng() % 4 == 0 ? static_cast<char>(rng())
                         : alpha[rng() % (sizeof alpha - 1)];
    }
    p.Feed(junk);
    p.Feed(std::string(TERN_AT_IPD_LEN_MAX, '-') + "\r\nOK\r\n");
    ASSERT_FALSE(p.recs_.empty());
    EXPECT_EQ(TERN_AT_EV_OK, p.recs_.back().kind) << round;
  }
}

// The loop README.md shows: what a backend's reader does with each chunk
// the UART gives it.
struct Link {
  std::string rx;
  bool closed = false;
};

void OnUartBytes(tern_at_parser *at, Link links[5], int *result,
                 const uint8_t *buf, size_t n) {
  size_t off = 0;
  while (off < n) {
    tern_at_event ev;
    off += tern_at_parser_feed(at, buf + off, n - off, &ev);
    switch (ev.kind) {
      case TERN_AT_EV_IPD_DATA: /* ev.len payload bytes for link ev.link */
        links[ev.link].rx.append((const char *)ev.data, ev.len);
        break;
      case TERN_AT_EV_CLOSED: links[ev.link].closed = true; break;
      case TERN_AT_EV_OK:
      case TERN_AT_EV_ERROR:
      case TERN_AT_EV_SEND_OK:
      case TERN_AT_EV_SEND_FAIL:
      case TERN_AT_EV_PROMPT: *result = ev.kind; break; /* the command's */
      default: break; /* the rest: counted in at->stats, or ignored */
    }
  }
}

TEST(AtParser, ReadmeExample) {
  static uint8_t line[128];
  static tern_at_parser at;
  ASSERT_EQ(0, tern_at_parser_init(&at, line, sizeof line, 2048, 5));
  Link links[5];
  int result = 0;
  std::string in = "\r\n+IPD,3,5:hello\r\nSEND OK\r\n3,CLOSED\r\n";
  for (size_t i = 0; i < in.size(); i += 4) {  // as a UART might deliver it
    std::string chunk = in.substr(i, 4);
    OnUartBytes(&at, links, &result,
                reinterpret_cast<const uint8_t *>(chunk.data()), chunk.size());
  }
  EXPECT_EQ("hello", links[3].rx);
  EXPECT_TRUE(links[3].closed);
  EXPECT_EQ(TERN_AT_EV_SEND_OK, result);
}

// The information lines the backend reads: AT+CIPSTATUS's and AT+CIFSR's
// station address, and lines that only look like them.
#if TERN_CONFIG_IPV6  // IPv6 addresses in the modem's lines
TEST(AtInfo, CipstatusAndStaip) {
  auto cs = [](const std::string &l, unsigned *link, tern_endpoint *r,
               uint16_t *lp) {
    return tern_at_info_cipstatus(reinterpret_cast<const uint8_t *>(l.data()),
                                  l.size(), link, r, lp);
  };
  unsigned link = 0;
  tern_endpoint r;
  uint16_t lp = 0;
  ASSERT_EQ(0,
            cs("+CIPSTATUS:3,\"TCP\",\"192.0.2.1\",7,50123,0", &link, &r, &lp));
  EXPECT_EQ(3u, link);
  EXPECT_EQ(TERN_IP_V4, r.addr.family);
  EXPECT_EQ(192, r.addr.u.v4.b[0]);
  EXPECT_EQ(7, r.port);
  EXPECT_EQ(50123, lp);
  ASSERT_EQ(
      0, cs("+CIPSTATUS:0,\"UDPv6\",\"2001:db8::1\",53,1,1", &link, &r, &lp));
  EXPECT_EQ(TERN_IP_V6, r.addr.family);
  for (const char *bad : {
           "+CIPSTATUS:3,\"TCP\",\"192.0.2.1\",7,50123",      // 5 fields
           "+CIPSTATUS:3,\"TCP\",\"192.0.2.1\",7,50123,0,1",  // 7
           "+CIPSTATUS:16,\"TCP\",\"192.0.2.1\",7,1,0",       // link
           "+CIPSTATUS:3,\"TCP\",\"192.0.2.1\",65536,1,0",    // port
           "+CIPSTATUS:3,\"TCP\",\"192.0.2.1\",7,-1,0",       // sign
           "+CIPSTATUS:3,\"TCP\",\"192.0.2\",7,1,0",          // address
           "+CIPSTATUS:3,\"TCP\",\"192.0.2.1,7,1,0",          // quote open
           "+CIPSTATUS:",
           "STATUS:3",
       }) {
    EXPECT_EQ(TERN_EINVAL, cs(bad, &link, &r, &lp)) << bad;
  }
  auto sta = [](const std::string &l, tern_ip_addr *ip) {
    return tern_at_info_staip(reinterpret_cast<const uint8_t *>(l.data()),
                              l.size(), ip);
  };
  tern_ip_addr ip;
  ASSERT_EQ(0, sta("+CIFSR:STAIP,\"10.0.0.7\"", &ip));
  EXPECT_EQ(7, ip.u.v4.b[3]);
  for (const char *bad :
       {"+CIFSR:APIP,\"10.0.0.7\"", "+CIFSR:STAMAC,\"02:00:00:00:00:01\"",
        "+CIFSR:STAIP,10.0.0.7", "+CIFSR:STAIP,\"10.0.0.7",
        "+CIFSR:STAIP,\"10.0.0.7\",x", "+CIFSR:STAIP,"}) {
    EXPECT_EQ(TERN_EINVAL, sta(bad, &ip)) << bad;
  }
}
#endif

}  // namespace
