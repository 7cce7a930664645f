// Fuzz target for the receive ring: the input is a script of segment
// inserts and reads against one ring, checked against a reference model of
// the byte stream. Bytes 0..1 pick the ring's size (1 + v % 2048), bytes
// 2..5 the peer's ISN (so sequence numbers wrap anywhere); then
// operations, each a byte and its arguments:
//
//   0 o o l l   a segment at stream offset RCV.NXT + (int16)o, (l % 4096)
//               bytes long (so some are old, some past the window)
//   1 n         read up to n + 1 bytes
//   2           ask for the SACK blocks
//
// Stream byte k (k counted from the ISN + 1) is a function of k, so every
// byte read can be checked. The model marks which stream offsets the ring
// has accepted (inside the window, in a put that was not refused). After
// each operation: bytes read are exactly the stream's next bytes; unread
// never exceeds the ring, the window is the free space; a put moves
// RCV.NXT by exactly the run of accepted bytes that now follows it; held
// ranges and SACK blocks are exactly maximal runs of accepted bytes past
// RCV.NXT, inside the window, at most TERN_TCP_RCVBUF_RANGES of them.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <vector>

#include "tern/tcp_rcvbuf.h"

namespace {

void Fail(const char *what) {
  fprintf(stderr, "rcvbuf_fuzz: %s\n", what);
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

// Stream byte at offset k (k may be negative: bytes before the ISN + 1,
// which the ring must treat as old).
uint8_t StreamByte(int64_t k) {
  uint64_t u = (uint64_t)k;
  return (uint8_t)(u * 167u + (u >> 8) * 13u + 5u);
}

struct Model {
  uint32_t isn1;                  // sequence number of stream offset 0
  uint32_t cap;                   // ring size
  int64_t read_off = 0;           // offset of the next byte to read
  int64_t nxt_off = 0;            // offset RCV.NXT names
  std::vector<uint8_t> accepted;  // per offset >= nxt_off (index off)

  bool Accepted(int64_t off) const {
    return off >= 0 && (uint64_t)off < accepted.size() && accepted[off];
  }
  void Accept(int64_t off) {
    if ((uint64_t)off >= accepted.size())
      accepted.resize(off + 1, 0);
    accepted[off] = 1;
  }
};

void CheckState(const tern_tcp_rcvbuf &rb, const Model &m) {
  if (rb.unread > rb.cap || rb.cap != m.cap)
    Fail("more unread than the ring holds");
  if ((int64_t)rb.unread != m.nxt_off - m.read_off)
    Fail("unread is not RCV.NXT minus what was read");
  if (rb.rcv_nxt != (uint32_t)(m.isn1 + (uint32_t)m.nxt_off))
    Fail("RCV.NXT");
  if (tern_tcp_rcvbuf_window(&rb) != rb.cap - rb.unread)
    Fail("window");
  if (rb.nranges > TERN_TCP_RCVBUF_RANGES)
    Fail("too many ranges");
  int64_t right_edge = m.read_off + m.cap;
  for (unsigned i = 0; i < rb.nranges; i++) {
    int64_t l = m.nxt_off + (int64_t)(uint32_t)(rb.ranges[i].left - rb.rcv_nxt);
    int64_t r =
        m.nxt_off + (int64_t)(uint32_t)(rb.ranges[i].right - rb.rcv_nxt);
    if (!(m.nxt_off < l && l < r && r <= right_edge))
      Fail("a held range outside (RCV.NXT, window]");
    for (int64_t k = l; k < r; k++)
      if (!m.Accepted(k))
        Fail("a held range covers a byte never accepted");
    if (m.Accepted(l - 1) || m.Accepted(r))
      Fail("a held range is not a maximal run of accepted bytes");
    for (unsigned j = 0; j < i; j++) {
      uint32_t a = rb.ranges[j].left - rb.rcv_nxt;
      uint32_t b = rb.ranges[j].right - rb.rcv_nxt;
      uint32_t c = rb.ranges[i].left - rb.rcv_nxt;
      uint32_t d = rb.ranges[i].right - rb.rcv_nxt;
      if (c < b && a < d)
        Fail("held ranges overlap");
    }
  }
  // Every accepted byte past RCV.NXT lies in a held range.
  for (int64_t k = m.nxt_off; (uint64_t)k < m.accepted.size(); k++) {
    if (!m.accepted[k])
      continue;
    bool in = false;
    for (unsigned i = 0; i < rb.nranges; i++) {
      uint32_t off = (uint32_t)(m.isn1 + (uint32_t)k) - rb.ranges[i].left;
      if (off < rb.ranges[i].right - rb.ranges[i].left)
        in = true;
    }
    if (!in)
      Fail("an accepted byte was forgotten");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Reader in{data, size};
  uint16_t capsel, isn_hi, isn_lo;
  if (!in.U16(&capsel) || !in.U16(&isn_hi) || !in.U16(&isn_lo))
    return 0;
  Model m;
  m.cap = 1u + capsel % 2048u;
  uint32_t irs = (uint32_t)isn_hi << 16 | isn_lo;
  m.isn1 = irs + 1u;
  std::vector<uint8_t> ring(m.cap + 1, 0xA5);  // one guard byte
  tern_tcp_rcvbuf rb;
  if (tern_tcp_rcvbuf_init(&rb, ring.data(), m.cap, irs) != 0)
    Fail("init refused a valid ring");
  std::vector<uint8_t> seg, out;
  uint8_t op;
  while (in.Byte(&op)) {
    switch (op % 3) {
      case 0: {
        uint16_t o, l;
        if (!in.U16(&o) || !in.U16(&l))
          return 0;
        int64_t start = m.nxt_off + (int16_t)o;
        size_t len = l % 4096u;
        seg.resize(len);
        for (size_t i = 0; i < len; i++)
          seg[i] = StreamByte(start + (int64_t)i);
        uint32_t seq = m.isn1 + (uint32_t)start;
        int r = tern_tcp_rcvbuf_put(&rb, seq, seg.data(), len);
        if (r == TERN_ENOMEM)
          break;  // refused whole: nothing accepted
        if (r < 0)
          Fail("put failed other than ENOMEM");
        int64_t lo = start > m.nxt_off ? start : m.nxt_off;
        int64_t hi = start + (int64_t)len;
        if (hi > m.read_off + m.cap)
          hi = m.read_off + m.cap;
        for (int64_t k = lo; k < hi; k++)
          m.Accept(k);
        int64_t nxt = m.nxt_off;
        while (m.Accepted(nxt))
          nxt++;
        if ((int64_t)r != nxt - m.nxt_off)
          Fail("put moved RCV.NXT by other than the accepted run");
        m.nxt_off = nxt;
        break;
      }
      case 1: {
        uint8_t n;
        if (!in.Byte(&n))
          return 0;
        int64_t avail = m.nxt_off - m.read_off;
        if (n & 0x80) {
          // In place: the first contiguous run, then consume part of it.
          uint32_t len;
          const uint8_t *at = tern_tcp_rcvbuf_peek(&rb, &len);
          const uint8_t *end = ring.data() + m.cap;
          if ((int64_t)len > avail || (len == 0) != (avail == 0))
            Fail("peek showed other than a run of the unread bytes");
          if (at < ring.data() || at > end || len > (size_t)(end - at))
            Fail("peek's run leaves the ring");
          if ((int64_t)len < avail && at + len != end)
            Fail(
                "peek stopped short of the unread bytes before the ring's end");
          for (uint32_t i = 0; i < len; i++)
            if (at[i] != StreamByte(m.read_off + (int64_t)i))
              Fail("a byte peeked is not the stream's");
          if (tern_tcp_rcvbuf_consume(&rb, (uint32_t)avail + 1) != TERN_ERANGE)
            Fail("consume took more than is unread");
          uint32_t k = (uint32_t)(n & 0x7f) < len ? (uint32_t)(n & 0x7f) : len;
          if (tern_tcp_rcvbuf_consume(&rb, k) != 0)
            Fail("consume refused what peek showed");
          m.read_off += k;
          break;
        }
        size_t want = (size_t)n + 1;
        out.assign(want + 1, 0x5A);
        size_t got = tern_tcp_rcvbuf_read(&rb, out.data(), want);
        if ((int64_t)got != (avail < (int64_t)want ? avail : (int64_t)want))
          Fail("read returned other than min(unread, asked)");
        for (size_t i = 0; i < got; i++)
          if (out[i] != StreamByte(m.read_off + (int64_t)i))
            Fail("a byte read is not the stream's");
        if (out[want] != 0x5A)
          Fail("read wrote past the caller's buffer");
        m.read_off += (int64_t)got;
        break;
      }
      default: {
        tern_tcp_sack_block blocks[TERN_TCP_RCVBUF_RANGES + 1];
        unsigned n = tern_tcp_rcvbuf_sack(&rb, blocks, 3);
        if (n > 3 || n > rb.nranges)
          Fail("more SACK blocks than asked or held");
        for (unsigned i = 0; i < n; i++)
          if (blocks[i].left != rb.ranges[i].left ||
              blocks[i].right != rb.ranges[i].right)
            Fail("SACK blocks are not the held ranges in order");
        break;
      }
    }
    if (ring[m.cap] != 0xA5)
      Fail("the ring was written past its end");
    CheckState(rb, m);
  }
  return 0;
}
