// Fuzz target for the SLIP adapter: arbitrary bytes arrive on the stream.
//
// Input: byte 0 chooses the MTU (16..1036), byte 1 the pool size (1..4),
// the stream's largest read (0 = unlimited, 1..15) and how many received
// packets the "application" holds before letting go of one (0..3); the
// rest is what the peer sends, after which it closes.
//
// Every packet handed up is echoed back through poll_send; the peer reads
// the wire and decodes it with a reference decoder. Properties:
//  - poll_recv settles: READY with TERN_ECLOSED after the input ends;
//  - every packet handed up is 1..MTU bytes;
//  - every echoed packet comes out on the wire as the same frame, in order;
//  - with nothing held (and so a buffer always free), the packets handed
//    up are exactly what a plain decoder with an MTU-sized buffer yields;
//  - the pool is full again at the end (no leaks, no double frees).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <deque>
#include <vector>

#include "tern/memstream.h"
#include "tern/slip.h"
#include "tern/slip_codec.h"

namespace {

using Bytes = std::vector<uint8_t>;

void Nop(void *) {}

tern_cx Cx() {
  return tern_cx_make(tern_waker{Nop, nullptr}, nullptr);  // no timers here
}

void Check(bool ok) {
  if (!ok) {
    abort();
  }
}

// The peer's side of the adapter's output: reads what is there and
// decodes it.
struct Wire {
  tern_stream peer;
  tern_slip_decoder dec;
  Bytes buf;
  std::vector<Bytes> frames;

  void Drain() {
    uint8_t chunk[64];
    for (;;) {
      tern_cx cx = Cx();
      ptrdiff_t n;
      if (tern_stream_poll_read(&peer, &cx, chunk, sizeof chunk, &n) ==
          TERN_PENDING) {
        return;
      }
      Check(n > 0);
      size_t off = 0;
      while (off < (size_t)n) {
        size_t len = 0;
        off += tern_slip_decoder_feed(&dec, chunk + off, (size_t)n - off, &len);
        if (len > 0) {
          frames.emplace_back(buf.data(), buf.data() + len);
        }
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) {
    return 0;
  }
  const size_t mtu = TERN_SLIP_MIN_MTU + (size_t)data[0] * 4;
  const size_t pkts = 1 + (data[1] & 3);
  const size_t max_io = (data[1] >> 2) & 15;
  const size_t hold = data[1] >> 6;
  data += 2;
  size -= 2;

  // The peer's bytes sit in the ring before the adapter starts, then end.
  Bytes ab(64), ba(size > 0 ? size : 1);
  tern_memstream_pair pair;
  tern_memstream_init(&pair, ab.data(), ab.size(), ba.data(), ba.size());
  tern_stream a = tern_memstream_a(&pair), b = tern_memstream_b(&pair);
  tern_memstream_set_max_io(&pair.a, max_io);
  tern_cx cx = Cx();
  ptrdiff_t n = 0;
  if (size > 0) {
    Check(tern_stream_poll_write(&b, &cx, data, size, &n) == TERN_READY &&
          (size_t)n == size);
  }
  int err = 0;
  Check(tern_stream_poll_close(&b, &cx, &err) == TERN_READY && err == 0);

  std::vector<uint64_t> storage(TERN_PKT_POOL_STORAGE_SIZE(pkts, mtu) / 8 + 1);
  tern_pkt_pool pool;
  Check(tern_pkt_pool_init(&pool, storage.data(), storage.size() * 8, mtu) ==
        (int)pkts);
  uint8_t tx[16];
  tern_slip slip;
  Check(tern_slip_init(&slip, a, &pool, tx, sizeof tx, mtu) == 0);
  tern_netdev dev = tern_slip_netdev(&slip);

  Wire wire;
  wire.peer = b;
  wire.buf.resize(mtu);
  tern_slip_decoder_init(&wire.dec, wire.buf.data(), mtu);

  std::vector<Bytes> got;   // every packet handed up
  std::vector<Bytes> sent;  // those echoed and accepted
  std::deque<tern_pkt *> held;
  bool closed = false;
  auto echo = [&](tern_pkt *p) {
    Bytes body(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    for (int guard = 0;; guard++) {
      Check(guard < 100000);
      tern_cx scx = Cx();
      int serr = 1;
      if (tern_netdev_poll_send(&dev, &scx, p, &serr) == TERN_READY) {
        if (serr == 0) {
          sent.push_back(body);
        } else {
          Check(serr == TERN_ECLOSED);
        }
        break;
      }
      wire.Drain();
    }
    for (int guard = 0;; guard++) {
      Check(guard < 100000);
      tern_cx fcx = Cx();
      int ferr = 1;
      if (tern_slip_poll_flush(&slip, &fcx, &ferr) == TERN_READY) {
        break;
      }
      wire.Drain();
    }
  };

  for (int guard = 0; !closed; guard++) {
    Check(guard < 1000000);  // it must settle
    tern_cx rcx = Cx();
    tern_pkt *p = nullptr;
    int rerr = 1;
    if (tern_netdev_poll_recv(&dev, &rcx, &p, &rerr) == TERN_PENDING) {
      Check(p == nullptr);
      continue;  // only its budget can stop it: the input is all there
    }
    if (rerr != 0) {
      Check(rerr == TERN_ECLOSED && p == nullptr);
      closed = true;
      break;
    }
    Check(p != nullptr && tern_pkt_len(p) >= 1 && tern_pkt_len(p) <= mtu);
    got.emplace_back(tern_pkt_data(p), tern_pkt_data(p) + tern_pkt_len(p));
    held.push_back(p);
    while (held.size() > hold) {
      tern_pkt *q = held.front();
      held.pop_front();
      echo(q);
    }
  }
  for (tern_pkt *q : held) {
    tern_pkt_free(q);  // the adapter is closed: just let go
  }
  wire.Drain();
  Check(wire.frames == sent);

  if (hold == 0) {
    Bytes ref_buf(mtu);
    tern_slip_decoder ref;
    tern_slip_decoder_init(&ref, ref_buf.data(), mtu);
    std::vector<Bytes> want;
    size_t off = 0;
    while (off < size) {
      size_t len = 0;
      off += tern_slip_decoder_feed(&ref, data + off, size - off, &len);
      if (len > 0) {
        want.emplace_back(ref_buf.data(), ref_buf.data() + len);
      }
    }
    Check(got == want);
    const tern_slip_stats *st = tern_slip_codec_stats(&slip);
    Check(st->frames == ref.stats.frames &&
          st->oversize == ref.stats.oversize &&
          st->bad_escape == ref.stats.bad_escape);
    Check(tern_netdev_get_stats(&dev)->rx_drop_nobuf == 0);
  }
  const tern_netdev_stats *ns = tern_netdev_get_stats(&dev);
  Check(ns->rx_packets == got.size());
  tern_slip_shutdown(&slip);
  Check(tern_pkt_pool_available(&pool) == pkts);
  Check(tern_pkt_pool_get_stats(&pool).bad_frees == 0);
  return 0;
}
