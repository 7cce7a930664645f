// Fuzz target for the fragment input: a stack (IPv4 with a reassembler of
// two buffers, on the sim port) over a memory link, fed a script of
// operations from the input:
//
//   op 0, 1  a fragment from 192.0.2.1 or .3 to 192.0.2.2 (5 bytes: ident,
//            source, protocol, MF and DF; offset; length): a valid
//            header, data a pattern of
//            the ident and the offset, so a datagram whole at any point is
//            the pattern of its ident;
//   op 2     the clock moves on (1 byte: seconds);
//   op 3     a raw datagram from 192.0.2.9 (2 bytes of length, then that
//            many bytes; its header checksum made right).
//
// Checked: every datagram delivered from .1 or .3 is its ident's pattern
// and no longer than a buffer; everything the stack sends is a valid
// IPv4 datagram within the MTU; the counters add up; no packet of either
// pool is lost.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/checksum.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/memnetdev.h"
#include "tern/pkt.h"
#include "tern/reassembly.h"
#include "tern/sim.h"
#include "tern/timer.h"

namespace {

constexpr uint8_t kProto = 253;
constexpr size_t kReasmBuf = TERN_IPV4_REASM_OVERHEAD + 3000;

// Pools set up afresh for every input.
alignas(16) uint8_t pool_storage[TERN_PKT_POOL_STORAGE_SIZE(8, 1600)];
alignas(16) uint8_t peer_storage[TERN_PKT_POOL_STORAGE_SIZE(8, 1600)];
alignas(16) uint8_t reasm_storage[TERN_PKT_POOL_STORAGE_SIZE(2, kReasmBuf)];
tern_pkt_pool pool, peer_pool, reasm_pool;

tern_memnetdev_pair link;
tern_ip_stack stack;
tern_ipv4_layer v4;
tern_ipv4_reasm reasm;
tern_ip_iface iface;
tern_ip_proto sink;
tern_timer_queue timers;
int wakes;

uint8_t Pattern(unsigned ident, size_t i) {
  return static_cast<uint8_t>(i * 31 + ident * 17 + (i >> 8));
}

void Check(bool ok) {
  if (!ok) {
    abort();
  }
}

tern_ip_verdict Sink(void *, const tern_ip_rx *rx, tern_pkt *p) {
  if (rx->src.u.v4.b[3] != 9) {
    // From .1 or .3: pattern fragments only, all with 20-byte headers.
    const uint8_t *d = tern_pkt_data(p);
    unsigned ident = tern_be16(d - 20 + 4);
    size_t n = tern_pkt_len(p);
    Check(n <= reasm.cap);
    for (size_t i = 0; i < n; i++) {
      Check(d[i] == Pattern(ident, i));
    }
  }
  return TERN_IP_CONSUMED;
}

int Fill(void *, void *buf, size_t len) {
  memset(buf, 0x3c, len);
  return 0;
}

void Wake(void *) {
  wakes++;
}

void Setup() {
  Check(tern_pkt_pool_init(&pool, pool_storage, sizeof pool_storage, 1600) ==
        8);
  Check(tern_pkt_pool_init(&peer_pool, peer_storage, sizeof peer_storage,
                           1600) == 8);
  Check(tern_pkt_pool_init(&reasm_pool, reasm_storage, sizeof reasm_storage,
                           kReasmBuf) == 2);
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  cfg.queue_len = 16;
  tern_memnetdev_init(&link, &cfg);
  tern_rng rng = {Fill, nullptr};
  Check(tern_ip_stack_init(&stack, &pool, &rng) == 0);
  Check(tern_ipv4_init(&v4, &stack) == 0);
  Check(tern_ipv4_reasm_init(&reasm, &v4, &reasm_pool) == 0);
  Check(tern_ip_iface_add(&stack, &iface, tern_memnetdev_a(&link)) == 0);
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2);
  Check(tern_ipv4_set_addr(&iface, &a, 24, nullptr) == 0);
  sink = tern_ip_proto{};
  sink.protocol = kProto;
  sink.input = Sink;
  Check(tern_ip_register(&stack, &sink) == 0);
  tern_timer_queue_init(&timers);
}

// Sends d (n bytes) to the stack, runs it, checks what it sent.
void Inject(const uint8_t *d, size_t n) {
  tern_cx cx = tern_cx_make(tern_waker{Wake, nullptr}, &timers);
  tern_netdev peer = tern_memnetdev_b(&link);
  tern_pkt *p = tern_pkt_pool_try_alloc(&peer_pool);
  Check(p != nullptr);
  Check(tern_pkt_reserve(p, 64) == 0);
  uint8_t *at = tern_pkt_put(p, n);
  Check(at != nullptr);
  memcpy(at, d, n);
  int err = 0;
  Check(tern_netdev_poll_send(&peer, &cx, p, &err) == TERN_READY);
  for (int i = 0; i < 20; i++) {
    wakes = 0;
    Check(tern_ip_stack_poll_run(&stack, &cx) == TERN_PENDING);
    if (wakes == 0) {
      break;
    }
  }
  tern_pkt *out;
  while (tern_netdev_poll_recv(&peer, &cx, &out, &err) == TERN_READY &&
         out != nullptr) {
    size_t len = tern_pkt_len(out);
    Check(len <= 1500);
    Check(tern_ipv4_check(tern_pkt_data(out), len) == 0);
    tern_pkt_free(out);
  }
}

void FixChecksum(uint8_t *h) {
  size_t hlen = static_cast<size_t>(h[0] & 0x0f) * 4;
  h[10] = h[11] = 0;
  tern_put_be16(h + 10, tern_checksum(h, hlen));
}

uint8_t buf[1600];

void Fragment(const uint8_t *r) {
  unsigned ident = 0x100 + (r[0] & 3);
  uint8_t src = (r[0] & 4) != 0 ? 3 : 1;
  static const uint8_t protos[4] = {kProto, kProto, TERN_IP_PROTO_ICMP,
                                    TERN_IP_PROTO_TCP};
  uint8_t proto = protos[(r[0] >> 3) & 3];
  bool more = (r[0] & 0x20) != 0, df = (r[0] & 0x40) != 0;
  unsigned units = tern_be16(r + 1) & 0x1fff;
  size_t len = tern_be16(r + 3) % 1481;
  const uint8_t head[20] = {0x45, 0, 0,   0, 0, 0,   0,   0, 64, proto,
                            0,    0, 192, 0, 2, src, 192, 0, 2,  2};
  memcpy(buf, head, sizeof head);
  tern_put_be16(buf + 2, 20 + len);
  tern_put_be16(buf + 4, ident);
  tern_put_be16(buf + 6, (more ? 0x2000u : 0) | (df ? 0x4000u : 0) | units);
  for (size_t i = 0; i < len; i++) {
    buf[20 + i] = Pattern(ident, units * 8 + i);
  }
  FixChecksum(buf);
  Inject(buf, 20 + len);
}

void Raw(const uint8_t *d, size_t n) {
  n = n > 1500 ? 1500 : n;
  memcpy(buf, d, n);
  if (n >= 20 && (buf[0] & 0x0f) * 4u <= n) {
    buf[12] = 192;
    buf[13] = 0;
    buf[14] = 2;
    buf[15] = 9;
    FixChecksum(buf);
  }
  Inject(buf, n);
}

void CheckAccounting() {
  tern_ipv4_reasm_stats s = tern_ipv4_reasm_get_stats(&reasm);
  uint32_t fragments = s.kept + s.completed + s.duplicates + s.drop_bad +
                       s.drop_tiny + s.drop_overlap + s.drop_too_big +
                       s.drop_no_buffer;
  tern_ipv4_stats v = tern_ipv4_get_stats(&v4);
  uint32_t drops =
      v.rx_drop_bad_src + v.rx_drop_not_for_us + v.rx_drop_link_bcast;
  for (uint32_t d : v.rx_drop) {
    drops += d;
  }
  Check(v.rx_packets == v.rx_delivered + drops + v.rx_fragments);
  Check(v.rx_fragments + s.completed == fragments);
  Check(tern_pkt_pool_available(&pool) == pool.count);
  size_t busy = 0;
  for (tern_pkt *p = reasm.busy; p != nullptr; p = p->next) {
    busy++;
  }
  Check(tern_pkt_pool_available(&reasm_pool) + busy == reasm_pool.count);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Setup();
  tern_sim_set_time(1000);
  size_t i = 0;
  while (i < size) {
    uint8_t op = data[i++] & 3;
    if (op <= 1 && size - i >= 5) {
      Fragment(data + i);
      i += 5;
    } else if (op == 2 && size - i >= 1) {
      tern_sim_advance(data[i++] * 1000u);
    } else if (op == 3 && size - i >= 2) {
      size_t n = tern_be16(data + i) % 1501;
      i += 2;
      n = n < size - i ? n : size - i;
      Raw(data + i, n);
      i += n;
    } else {
      break;
    }
    CheckAccounting();
  }
  // Whatever is in progress times out at the next fragment (which may
  // find both buffers still out in time exceeded messages: the second
  // finds them back).
  tern_sim_advance(TERN_IPV4_REASM_TIMEOUT_MS);
  const uint8_t last[5] = {0x20, 0, 9, 0, 8};
  Fragment(last);
  Fragment(last);
  CheckAccounting();
  Check(reasm.busy != nullptr && reasm.busy->next == nullptr);
  return 0;
}
