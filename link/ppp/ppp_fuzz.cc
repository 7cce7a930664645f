// Fuzz target for the whole PPP link: a hostile peer. The input's first
// byte chooses the link: its low bit set, IPV6CP is linked (the least MRU
// taken is then 1280), clear, IPv4 only (576, TERN_PPP_MIN_MRU), so one
// target covers both floors. The rest is a
// script of frames the peer sends, each as one control byte then a length
// byte and that many bytes: the control byte's low 3 bits choose the
// protocol (LCP, IPCP, PAP, CHAP, IPv4, CCP, a bad one, or raw bytes with
// no framing; bit 5 picks IPV6CP and IPv6 instead of CCP and IPCP/IPv4
// in some slots), bit 3 whether virtual time then moves on by a restart
// period, bit 4 whether the application then sends a packet (IPv6 with
// bit 5 set, else IPv4: the script picks, so a seed that opens IPCP or
// IPV6CP sends what it opened).
// Credentials and CHAP are configured so every path is reachable (our
// MRU is 1280 either way, IPV6CP's least).
// Properties: nothing reads or writes out of bounds (ASan); poll_recv always
// settles; every packet handed up is IPv4 of at most the MTU, and the MTU
// then is at least the floor of the link chosen; everything the
// adapter writes is well-formed frames of at most MRU + 4 bytes; after the
// script (and the end of the stream) the adapter says TERN_ECLOSED and every
// packet is back in the pool.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <algorithm>

#include <vector>

#include "tern/hdlc.h"
#include "tern/memstream.h"
#include "tern/ppp.h"
#include "tern/sim.h"
#include "tern/timer.h"

namespace {

using Bytes = std::vector<uint8_t>;

constexpr size_t kMru = TERN_PPP_MIN_MRU_V6;

void Check(bool ok) {
  if (!ok) {
    abort();
  }
}

void Nop(void *) {}

int Rng(void *self, void *buf, size_t len) {
  auto *n = static_cast<uint32_t *>(self);
  for (size_t i = 0; i < len; i++) {
    *n = *n * 1664525u + 1013904223u;
    static_cast<uint8_t *>(buf)[i] = (uint8_t)(*n >> 24);
  }
  return 0;
}

// Indexed by the control byte's low 3 bits and bit 5 (IPv6 variants).
const uint16_t kProtos[16] = {0xc021, 0x8021, 0xc023, 0xc223, 0x0021, 0x80fd,
                              0x0020, 0,      0xc021, 0x8057, 0xc023, 0xc223,
                              0x0057, 0x8057, 0x0057, 0};

struct Harness {
  uint8_t ab[8192], ba[8192];
  tern_memstream_pair pair;
  alignas(8) uint8_t mem[4 * TERN_PKT_STRIDE(kMru + TERN_PPP_OVERHEAD)];
  tern_pkt_pool pool;
  uint8_t tx[32];
  tern_ppp ppp;
  tern_netdev dev;
  tern_stream peer;
  tern_timer_queue timers = TERN_TIMER_QUEUE_INIT;
  tern_ppp_hdlc_decoder dec;
  uint8_t frame[kMru + 8];
  uint32_t seed = 7;
  bool closed = false;
  uint16_t min_mtu = TERN_PPP_MIN_MRU;  // the floor of the link chosen

  tern_cx Cx() {
    return tern_cx_make(tern_waker{Nop, nullptr}, &timers);
  }

  void Run() {
    for (int i = 0; i < 200; i++) {
      tern_cx cx = Cx();
      tern_pkt *p = nullptr;
      int err = 0;
      if (tern_netdev_poll_recv(&dev, &cx, &p, &err) == TERN_PENDING) {
        break;
      }
      if (err < 0) {
        Check(err == TERN_ECLOSED);
        closed = true;
        break;
      }
      uint16_t mtu = tern_netdev_get_info(&dev).mtu;
      Check(tern_pkt_len(p) <= mtu && mtu >= min_mtu);
      tern_pkt_free(p);
    }
    Drain();
  }

  // What the adapter wrote must be frames the peer can read.
  void Drain() {
    uint8_t chunk[128];
    for (;;) {
      tern_cx cx = Cx();
      ptrdiff_t n = 0;
      if (tern_stream_poll_read(&peer, &cx, chunk, sizeof chunk, &n) ==
              TERN_PENDING ||
          n <= 0) {
        return;
      }
      size_t off = 0;
      while (off < (size_t)n) {
        size_t len = 0;
        off += tern_ppp_hdlc_feed(&dec, chunk + off, (size_t)n - off, &len);
        if (len > 0) {
          uint16_t proto;
          Check(tern_ppp_hdlc_header_parse(frame, len, &proto) > 0);
          Check(len <= kMru + 4);
        }
      }
      Check(dec.stats.bad_fcs == 0 && dec.stats.too_long == 0 &&
            dec.stats.aborted == 0 && dec.stats.too_short == 0);
    }
  }

  void Write(const uint8_t *b, size_t n) {
    while (n > 0) {
      tern_cx cx = Cx();
      ptrdiff_t done = 0;
      if (tern_stream_poll_write(&peer, &cx, b, n, &done) == TERN_PENDING) {
        Run();  // the adapter reads and makes room
        continue;
      }
      Check(done > 0);
      b += done;
      n -= (size_t)done;
    }
    Run();
  }

  void Frame(uint16_t proto, const uint8_t *b, size_t n) {
    // Sized once and copied into (gcc 12 at -O2 wrongly warns about an
    // insert at the end of a vector of a constant size).
    Bytes f(4 + n);
    f[0] = 0xff;
    f[1] = 0x03;
    f[2] = (uint8_t)(proto >> 8);
    f[3] = (uint8_t)proto;
    std::copy(b, b + n, f.begin() + 4);
    tern_ppp_hdlc_encoder e;
    tern_ppp_hdlc_encoder_start(&e, f.data(), f.size(), 0xffffffffu,
                                TERN_PPP_FCS16);
    Bytes out(TERN_PPP_HDLC_ENCODED_MAX(f.size(), 2));
    size_t len = tern_ppp_hdlc_encoder_fill(&e, out.data(), out.size());
    Write(out.data(), len);
  }

  void AppSend(bool v6) {
    tern_pkt *p = tern_pkt_pool_try_alloc(&pool);
    if (p == nullptr) {
      return;
    }
    tern_pkt_reserve(p, 4);
    memset(tern_pkt_put(p, 40), 0x45, 40);
    tern_pkt_data(p)[0] = v6 ? 0x60 : 0x45;
    tern_cx cx = Cx();
    int err;
    if (tern_netdev_poll_send(&dev, &cx, p, &err) == TERN_PENDING) {
      tern_pkt_free(p);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static Harness *h = new Harness;
  memset(h->ab, 0, sizeof h->ab);
  h->closed = false;
  h->seed = 7;
  h->timers = TERN_TIMER_QUEUE_INIT;
  tern_sim_set_time(1000);
  tern_memstream_init(&h->pair, h->ab, sizeof h->ab, h->ba, sizeof h->ba);
  Check(tern_pkt_pool_init(&h->pool, h->mem, sizeof h->mem,
                           kMru + TERN_PPP_OVERHEAD) == 4);
  tern_rng rng = {Rng, &h->seed};
  tern_ppp_config cfg = {};
  cfg.mru = kMru;
  cfg.user = "u";
  cfg.password = "p";
  cfg.want_dns = 2;
  cfg.peer_addr[0] = 10;
  cfg.peer_addr[3] = 1;
  Check(tern_ppp_init(&h->ppp, tern_memstream_a(&h->pair), &h->pool, h->tx,
                      sizeof h->tx, &cfg, &rng) == 0);
  tern_ppp_use_chap(&h->ppp);
  tern_ppp_use_keepalive(&h->ppp, 2000, 0);
  h->min_mtu = TERN_PPP_MIN_MRU;
  if (size > 0 && (data[0] & 1) != 0) {
    Check(tern_ppp_use_ipv6cp(&h->ppp) == 0);
    h->min_mtu = TERN_PPP_MIN_MRU_V6;
  }
  h->dev = tern_ppp_netdev(&h->ppp);
  h->peer = tern_memstream_b(&h->pair);
  tern_ppp_hdlc_decoder_init(&h->dec, h->frame, sizeof h->frame);
  tern_ppp_hdlc_decoder_config(&h->dec, 0, TERN_PPP_FCS16);
  h->Run();
  size_t off = 1;  // after the byte that chose IPV6CP
  while (off + 2 <= size) {
    uint8_t ctl = data[off];
    size_t n = data[off + 1];
    off += 2;
    if (n > size - off) {
      n = size - off;
    }
    if ((ctl & 7) == 7) {
      h->Write(data + off, n);
    } else {
      h->Frame(kProtos[(ctl & 7) | ((ctl & 0x20) >> 2)], data + off, n);
    }
    off += n;
    if (ctl & 0x10) {
      h->AppSend((ctl & 0x20) != 0);
      h->Run();
    }
    if (ctl & 0x08) {
      tern_sim_advance(3000);
      tern_timer_queue_fire(&h->timers, tern_now());
      h->Run();
    }
  }
  tern_cx cx = h->Cx();
  int err;
  tern_stream_poll_close(&h->peer, &cx, &err);
  h->Run();
  Check(h->closed);
  tern_ppp_shutdown(&h->ppp);
  Check(tern_pkt_pool_available(&h->pool) == 4);
  return 0;
}
