// Fuzz target for the SACK scoreboard and RFC 6675 recovery: the input is
// a script of sender events against one connection. Byte 0 picks the SMSS
// (100 + 8 * byte), byte 1..4 SND.UNA's start; then operations, each a
// byte and its arguments:
//
//   0 a a          ACK a (16 bits) bytes more, no SACK option
//   1 n n          send n (16 bits) new bytes (at most 4 KiB outstanding)
//   2 a k (l l m m)*k  ACK a more with k (0..7) SACK blocks, each at
//                  SND.UNA + l - 512 and m long (so some fall outside)
//   3              the retransmission timer fires
//   4 n            send what tern_tcp_sack_next allows of n * 64 new bytes
//   5              a duplicate ACK with no SACK option
//
// After each: the ranges are ordered, disjoint, inside the window; every
// SACKed octet was reported by a valid block, and with nothing forgotten
// every reported octet is SACKed; pipe equals RFC 6675's octet-by-octet
// SetPipe(); every segment chosen lies inside the window, never covers a
// SACKed octet unless it is the rescue (or, once the scoreboard forgot a
// range for lack of room, an octet of that range), is at most an SMSS; cwnd is
// at least an SMSS; the send loop ends.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tcp_sack_model.h"
#include "tern/tcp_cc.h"
#include "tern/tcp_sack.h"
#include "tern/tcp_seq.h"

namespace {

constexpr uint32_t kMaxOutstanding = 4096;

void Fail(const char *what) {
  fprintf(stderr, "sack_fuzz: %s\n", what);
  abort();
}

struct Reader {
  const uint8_t *p;
  size_t n;
  bool Byte(uint8_t *b) {
    if (n == 0)
      return false;
    *b = *p++;
    n--;
    return true;
  }
  bool U16(uint16_t *v) {
    uint8_t a, b;
    if (!Byte(&a) || !Byte(&b))
      return false;
    *v = (uint16_t)(a << 8 | b);
    return true;
  }
};

struct Sender {
  tern_tcp_cc cc;
  tern_tcp_scoreboard sb;
  sack_model::Window w;
  uint16_t smss;

  void Ack(uint32_t ack, const tern_tcp_sack_block *b, unsigned n,
           bool dup_shape) {
    uint32_t una = w.una, nxt = w.Next();
    tern_tcp_sack_ack_info a = {una, ack, nxt, b, (uint8_t)n, dup_shape};
    tern_tcp_sack_seg first;
    tern_tcp_cc_action r = tern_tcp_sack_ack(&cc, &sb, &a, &first);
    w.Ack(ack);
    for (unsigned i = 0; i < n; i++) {
      if (b[i].left - w.una < b[i].right - w.una &&
          b[i].right - w.una <= nxt - w.una)
        w.Sack(b[i].left, b[i].right);
    }
    if (r == TERN_TCP_CC_RETRANSMIT) {
      if (first.seq != w.una || first.len == 0 || first.len > smss ||
          first.len > nxt - w.una)
        Fail("recovery's first segment");
      if (!cc.in_recovery)
        Fail("retransmit without recovery");
    }
  }

  void SendLoop(uint32_t avail) {
    tern_tcp_sack_seg seg;
    for (int i = 0;; i++) {
      if (i > 1000)
        Fail("send loop does not end");
      if (!tern_tcp_sack_next(&cc, &sb, w.una, w.Next(), avail, &seg))
        return;
      if (seg.len == 0 || seg.len > smss)
        Fail("segment length");
      if (seg.rule == TERN_TCP_SACK_NEW) {
        if (seg.seq != w.Next() || seg.len > avail)
          Fail("new data");
        if (w.sacked.size() + seg.len > kMaxOutstanding)
          return;
        tern_tcp_sack_sent(&sb, &cc, &seg);
        w.Send(seg.len);
        avail -= seg.len;
        continue;
      }
      if (seg.seq - w.una + seg.len > w.sacked.size())
        Fail("retransmission outside the window");
      // Never an octet the scoreboard holds as SACKed; with no range
      // forgotten for lack of room, never one the peer reported either
      // (a forgotten range's data is sent again: tcp_sack.h).
      if (seg.rule != TERN_TCP_SACK_RESCUE) {
        for (uint32_t o = 0; o < seg.len; o++) {
          if (tern_tcp_sack_is_sacked(&sb, seg.seq + o))
            Fail("retransmission of data the scoreboard holds SACKed");
          if (sb.forgotten == 0 && w.sacked[seg.seq - w.una + o])
            Fail("retransmission of SACKed data");
        }
      }
      tern_tcp_sack_sent(&sb, &cc, &seg);
    }
  }

  void Check() {
    uint32_t una = w.una, nxt = w.Next();
    if (!sack_model::CheckShape(sb, una, nxt).empty())
      Fail("scoreboard shape");
    for (uint32_t i = 0; i < w.sacked.size(); i++) {
      bool s = tern_tcp_sack_is_sacked(&sb, una + i);
      if (s && !w.sacked[i])
        Fail("SACKed octet never reported");
      if (sb.forgotten == 0 && !s && w.sacked[i])
        Fail("reported octet not SACKed");
    }
    uint32_t hr =
        tern_seq_after_upto(sb.high_rxt, una, nxt) ? sb.high_rxt : una;
    if (tern_tcp_sack_pipe(&sb, una, nxt, smss) !=
        sack_model::OctetPipe(sb, una, nxt, smss, hr))
      Fail("pipe differs from the octet model");
    if (cc.cwnd < smss)
      Fail("cwnd below an SMSS");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Reader in = {data, size};
  uint8_t b;
  if (!in.Byte(&b))
    return 0;
  Sender s;
  s.smss = (uint16_t)(100 + 8 * b);
  uint16_t hi, lo;
  if (!in.U16(&hi) || !in.U16(&lo))
    return 0;
  uint32_t iss = (uint32_t)hi << 16 | lo;
  tern_tcp_cc_init(&s.cc, s.smss, iss);
  tern_tcp_sack_init(&s.sb);
  s.sb.high_rxt = s.sb.rescue_rxt = iss + 1;
  s.w.una = iss + 1;
  uint8_t op;
  while (in.Byte(&op)) {
    uint32_t span = (uint32_t)s.w.sacked.size();
    uint16_t v;
    switch (op % 6) {
      case 0:
        if (!in.U16(&v))
          return 0;
        s.Ack(s.w.una + v % (span + 1), nullptr, 0, false);
        break;
      case 1:
        if (!in.U16(&v))
          return 0;
        s.w.Send(v > kMaxOutstanding - span ? kMaxOutstanding - span : v);
        break;
      case 2: {
        uint8_t a, k;
        if (!in.Byte(&a) || !in.Byte(&k))
          return 0;
        tern_tcp_sack_block blocks[8];
        k %= 8;
        for (unsigned i = 0; i < k; i++) {
          uint16_t l, m;
          if (!in.U16(&l) || !in.U16(&m))
            return 0;
          blocks[i].left = s.w.una + l - 512u;
          blocks[i].right = blocks[i].left + m;
        }
        uint32_t adv = span == 0 ? 0 : (uint32_t)a * 64 % (span + 1);
        s.Ack(s.w.una + adv, blocks, k, true);
        break;
      }
      case 3:
        tern_tcp_cc_timeout(&s.cc, span, s.w.Next(), false);
        tern_tcp_sack_timeout(&s.sb, s.w.una);
        for (auto &f : s.w.sacked)
          f = 0;
        break;
      case 4:
        if (!in.Byte(&b))
          return 0;
        s.SendLoop((uint32_t)b * 64);
        break;
      case 5: s.Ack(s.w.una, nullptr, 0, true); break;
    }
    s.Check();
  }
  return 0;
}
