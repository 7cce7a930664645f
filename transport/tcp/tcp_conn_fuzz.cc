// Fuzz target for the connection machine: one stack (IPv4 and TCP,
// 192.0.2.2, on the sim port's clock) over a memory link, with one
// active connection to 192.0.2.1:80 and a listener on port 80 with a
// backlog of two slots (so a third handshake gets a SYN cookie). The
// input is a script; each op is one byte (op & 7) and its arguments:
//
//   0  a segment from a peer (9 bytes): b0 peer (& 3: 0 is the active
//      connection's, 1..3 clients of the listener), seq mode (b0 >> 2 & 3:
//      relative to the last ACK the stack sent that peer, to its last
//      ACK less 64 KB, raw, or relative to the peer's ISN) and ack mode
//      (b0 >> 4 & 3: relative to the highest number the stack sent that
//      peer, to that less 64 KB, raw, or zero); b1 flags; b2-3 seq
//      delta; b4-5 ack delta; b6 window (b6 << 4); b7 options (MSS,
//      window scale, SACK-permitted, timestamps, SACK blocks relative to
//      the ack, b7 >> 5 their spread); b8 payload length (b8 * 8). The
//      payload byte at sequence number s is Pattern(peer port, s).
//   1  time passes (1 byte: below 128, that many times 10 ms; above,
//      (b - 127) * 5 s)
//   2  the application writes (2 bytes: which connection, length b * 16)
//   3  the application reads (2 bytes: which, length b * 16)
//   4  the application closes (1 byte: which; odd: shutdown instead)
//   5  the application aborts (1 byte: which)
//   6  the application accepts (no argument)
//   7  the active connection connects again if it is CLOSED, and toggles
//      Nagle and keepalive (1 byte)
//
// "which" is 0 for the active connection, 1 and 2 for the connections
// accept handed out (in order). Checked after every op: every segment the
// stack sends parses (checksum included) and carries, at each sequence
// number, the byte the application wrote there; every state is valid;
// what the application reads continues where its last read stopped and
// is the peer's pattern at those sequence numbers (so in order, nothing
// skipped or invented). At the end everything is aborted and drained and
// every packet of both pools must be free again.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/checksum.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/ipv4_wire.h"
#include "tern/memnetdev.h"
#include "tern/pkt.h"
#include "tern/sim.h"
#include "tern/tcp.h"
#include "tern/tcp_wire.h"
#include "tern/timer.h"
#include "transport/tcp/tcp_conn.h"

namespace {

constexpr uint16_t kPort = 80;
constexpr uint16_t kClientPort = 40000;
constexpr uint32_t kRing = 2048;
constexpr int kPeers = 4;

alignas(16) uint8_t pool_storage[TERN_PKT_POOL_STORAGE_SIZE(8, 1600)];
alignas(16) uint8_t peer_storage[TERN_PKT_POOL_STORAGE_SIZE(8, 1600)];
tern_pkt_pool pool, peer_pool;
tern_memnetdev_pair link;
tern_ip_stack stack;
tern_ipv4_layer v4;
tern_ip_iface iface;
tern_timer_queue timers;
tern_tcp_layer tcp;
tern_tcp_listener lst;
tern_waiter accept_w;  // unlisten at the end of each input wakes it off
tern_tcp_conn conn, slots[2];
uint8_t tx[3][kRing], rx[3][kRing];
int wakes;

// What the script knows of each peer: its ports and ISN, the last ACK
// the stack sent it and the highest sequence number the stack sent it.
struct Peer {
  uint16_t port;  // the peer's
  uint32_t iss;
  uint32_t acked;
  uint32_t sent;
} peers[kPeers];

// The application's side of each connection it holds.
struct App {
  tern_tcp_conn *c;
  uint32_t written;    // bytes the application wrote
  bool reading;        // a read happened on this incarnation
  uint32_t read_next;  // the sequence number the next read starts at
  bool done;           // the application closed or aborted it
  uint32_t iss;        // the connection's ISS
} apps[3];

void Check(bool ok) {
  if (!ok) {
    abort();
  }
}

uint8_t Pattern(uint16_t port, uint32_t seq) {
  uint32_t x = seq * 2654435761u + port;
  return static_cast<uint8_t>(x >> 24 ^ x);
}

// What the application writes: byte i of the stream.
uint8_t Written(uint32_t i) {
  return static_cast<uint8_t>(i * 7 + (i >> 9));
}

int Fill(void *, void *buf, size_t len) {
  static uint8_t n;
  uint8_t *b = static_cast<uint8_t *>(buf);
  for (size_t i = 0; i < len; i++) {
    b[i] = static_cast<uint8_t>(n++ * 29 + 3);
  }
  return 0;
}

void Wake(void *) {
  wakes++;
}

tern_cx Cx() {
  return tern_cx_make(tern_waker{Wake, nullptr}, &timers);
}

tern_ip_addr Ip(uint8_t last) {
  tern_ip_addr a = {};
  a.family = TERN_IP_V4;
  a.u.v4 = tern_ipv4(192, 0, 2, last);
  return a;
}

int PeerOf(uint16_t port) {
  for (int i = 0; i < kPeers; i++) {
    if (peers[i].port == port) {
      return i;
    }
  }
  return -1;
}

App *AppFor(uint16_t local_port, uint16_t remote_port) {
  for (App &a : apps) {
    if (a.c != nullptr && a.c->state != TERN_TCP_CLOSED &&
        a.c->local.port == local_port && a.c->remote.port == remote_port) {
      return &a;
    }
  }
  return nullptr;
}

// A segment the stack sent: it must parse, and its data must be what the
// application wrote at those sequence numbers.
void Sent(tern_pkt *p) {
  const uint8_t *d = tern_pkt_data(p);
  size_t len = tern_pkt_len(p);
  Check(len >= 40 && len <= 1500);
  Check(tern_ipv4_check(d, len) == 0);
  Check(d[9] == TERN_IP_PROTO_TCP);
  tern_ip_addr src = Ip(2), dst = Ip(1);
  tern_tcp_repr r;
  Check(tern_tcp_repr_parse(&r, d + 20, len - 20, &src, &dst) == 0);
  int i = PeerOf(r.dst_port);
  if (i < 0) {
    return;  // a reset to a port the script never used (a raw segment)
  }
  Peer &pe = peers[i];
  if ((r.flags & TERN_TCP_ACK) != 0) {
    pe.acked = r.ack;
  }
  uint32_t end = r.seq + static_cast<uint32_t>(r.payload_len) +
                 ((r.flags & TERN_TCP_SYN) != 0) +
                 ((r.flags & TERN_TCP_FIN) != 0);
  if (pe.sent == 0 || (r.flags & TERN_TCP_SYN) != 0 ||
      static_cast<int32_t>(end - pe.sent) > 0) {
    pe.sent = end;
  }
  App *a = AppFor(r.src_port, r.dst_port);
  if (a == nullptr || (r.flags & TERN_TCP_RST) != 0) {
    return;
  }
  uint32_t first = r.seq + ((r.flags & TERN_TCP_SYN) != 0) - a->iss - 1;
  for (size_t k = 0; k < r.payload_len; k++) {
    uint32_t off = first + static_cast<uint32_t>(k);
    Check(off < a->written);
    Check(r.payload[k] == Written(off));
  }
}

void CheckStates() {
  Check(conn.state <= TERN_TCP_TIME_WAIT);
  for (tern_tcp_conn &s : slots) {
    Check(s.state <= TERN_TCP_TIME_WAIT);
  }
  // A slot the application closed or aborted is the listener's again
  // once CLOSED: the application forgets it. Or once the listener has
  // taken it for a new connection within the op (no longer accepted): a
  // SYN that ended its TIME-WAIT (RFC 6191), or one that found no free
  // slot, goes from TIME-WAIT to SYN-RECEIVED at once.
  for (int k = 1; k < 3; k++) {
    if (apps[k].c != nullptr && apps[k].done &&
        (apps[k].c->state == TERN_TCP_CLOSED ||
         (apps[k].c->flags & TERN__TCP_F_ACCEPTED) == 0)) {
      apps[k] = App{};
    }
  }
}

// Runs the stack and TCP until both are idle, then takes what was sent.
void Run() {
  tern_cx cx = Cx();
  for (int i = 0; i < 20; i++) {
    wakes = 0;
    Check(tern_ip_stack_poll_run(&stack, &cx) == TERN_PENDING);
    Check(tern_tcp_poll_run(&tcp, &cx) == TERN_PENDING);
    Check(tern_ip_stack_poll_run(&stack, &cx) == TERN_PENDING);
    if (wakes == 0) {
      break;
    }
  }
  tern_netdev peer = tern_memnetdev_b(&link);
  tern_pkt *out;
  int err = 0;
  while (tern_netdev_poll_recv(&peer, &cx, &out, &err) == TERN_READY &&
         out != nullptr) {
    Sent(out);
    tern_pkt_free(out);
  }
  CheckStates();
}

void Setup() {
  Check(tern_pkt_pool_init(&pool, pool_storage, sizeof pool_storage, 1600) ==
        8);
  Check(tern_pkt_pool_init(&peer_pool, peer_storage, sizeof peer_storage,
                           1600) == 8);
  tern_memnetdev_config cfg = TERN_MEMNETDEV_CONFIG_IP;
  cfg.queue_len = 16;
  tern_memnetdev_init(&link, &cfg);
  tern_rng rng = {Fill, nullptr};
  Check(tern_ip_stack_init(&stack, &pool, &rng) == 0);
  Check(tern_ipv4_init(&v4, &stack) == 0);
  Check(tern_ip_iface_add(&stack, &iface, tern_memnetdev_a(&link)) == 0);
  tern_ipv4_addr a = tern_ipv4(192, 0, 2, 2), gw = tern_ipv4(192, 0, 2, 1);
  Check(tern_ipv4_set_addr(&iface, &a, 24, &gw) == 0);
  tern_timer_queue_init(&timers);
  Check(tern_tcp_init(&tcp, &stack, nullptr) == 0);
  Check(tern_tcp_conn_init(&conn, &tcp, tx[0], kRing, rx[0], kRing) == 0);
  for (int i = 0; i < 2; i++) {
    Check(tern_tcp_conn_init(&slots[i], &tcp, tx[i + 1], kRing, rx[i + 1],
                             kRing) == 0);
  }
  tern_endpoint local = {};
  local.addr = Ip(2);
  local.port = kPort;
  Check(tern_tcp_listen(&tcp, &lst, &local, slots, 2) == 0);
  for (App &a : apps) {
    a = App{};
  }
  apps[0].c = &conn;
  tern_endpoint remote = {};
  remote.addr = Ip(1);
  remote.port = kPort;
  Check(tern_tcp_connect(&conn, &remote) == 0);
  apps[0].iss = conn.snd_una;  // the ISS until the handshake ends
  peers[0] = Peer{kPort, 0xfffffff0u, 0, 0};
  for (int i = 1; i < kPeers; i++) {
    peers[i] = Peer{static_cast<uint16_t>(kClientPort + i),
                    0x7ffff000u * static_cast<uint32_t>(i), 0, 0};
  }
  Run();
}

uint8_t seg[1600];
uint8_t payload[1600];

void Segment(const uint8_t *b) {
  int i = b[0] & 3;
  Peer &pe = peers[i];
  tern_tcp_repr r = {};
  r.src_port = pe.port;
  r.dst_port = i == 0 ? conn.local.port : kPort;
  int16_t sd = static_cast<int16_t>(tern_be16(b + 2));
  int16_t ad = static_cast<int16_t>(tern_be16(b + 4));
  switch (b[0] >> 2 & 3) {
    case 0: r.seq = pe.acked + static_cast<uint32_t>(sd); break;
    case 1: r.seq = pe.acked - 65536 + static_cast<uint32_t>(sd); break;
    case 2: r.seq = static_cast<uint32_t>(sd) * 65537u; break;
    default: r.seq = pe.iss + static_cast<uint32_t>(sd); break;
  }
  switch (b[0] >> 4 & 3) {
    case 0: r.ack = pe.sent + static_cast<uint32_t>(ad); break;
    case 1: r.ack = pe.sent - 65536 + static_cast<uint32_t>(ad); break;
    case 2: r.ack = static_cast<uint32_t>(ad) * 65537u; break;
    default: r.ack = 0; break;
  }
  r.flags = b[1];
  r.window = static_cast<uint16_t>(b[6] << 4);
  uint8_t o = b[7];
  if ((o & 1) != 0) {
    r.opts.present |= TERN_TCP_HAS_MSS;
    r.opts.mss = static_cast<uint16_t>(64 + (o >> 5) * 200);
  }
  if ((o & 2) != 0) {
    r.opts.present |= TERN_TCP_HAS_WSCALE;
    r.opts.wscale = static_cast<uint8_t>((o >> 4) * 2);  // up to 14
  }
  if ((o & 4) != 0) {
    r.opts.present |= TERN_TCP_HAS_SACK_PERM;
  }
  if ((o & 8) != 0) {
    r.opts.present |= TERN_TCP_HAS_TIMESTAMP;
    r.opts.ts_val = tern_now() / 4 + static_cast<uint32_t>(sd);
    r.opts.ts_ecr = static_cast<uint32_t>(ad) * 257u;
  }
  if ((o & 16) != 0) {
    r.opts.present |= TERN_TCP_HAS_SACK;
    unsigned spread = (o >> 5) + 1u;
    r.opts.sack_count = (o & 8) != 0 ? 2 : 3;
    for (unsigned k = 0; k < r.opts.sack_count; k++) {
      r.opts.sack[k].left = r.ack + spread * 300u * (k + 1);
      r.opts.sack[k].right = r.opts.sack[k].left + spread * 150u;
    }
  }
  size_t n = b[8] * 8u;
  n = n > 1400 ? 1400 : n;
  uint32_t data_seq = r.seq + ((r.flags & TERN_TCP_SYN) != 0);
  for (size_t k = 0; k < n; k++) {
    payload[k] = Pattern(pe.port, data_seq + static_cast<uint32_t>(k));
  }
  r.payload = payload;
  r.payload_len = n;
  tern_ip_addr src = Ip(1), dst = Ip(2);
  int len = tern_tcp_repr_emit(&r, &src, &dst, seg + 20, sizeof seg - 20);
  if (len <= 0) {
    return;
  }
  const uint8_t head[20] = {0x45, 0, 0,   0, 0, 1, 0,   0, 64, 6,
                            0,    0, 192, 0, 2, 1, 192, 0, 2,  2};
  memcpy(seg, head, sizeof head);
  tern_put_be16(seg + 2, static_cast<uint16_t>(20 + len));
  tern_put_be16(seg + 10, tern_checksum(seg, 20));
  tern_pkt *p = tern_pkt_pool_try_alloc(&peer_pool);
  Check(p != nullptr);
  Check(tern_pkt_reserve(p, 64) == 0);
  uint8_t *at = tern_pkt_put(p, 20 + static_cast<size_t>(len));
  Check(at != nullptr);
  memcpy(at, seg, 20 + static_cast<size_t>(len));
  tern_cx cx = Cx();
  tern_netdev peer = tern_memnetdev_b(&link);
  int err = 0;
  Check(tern_netdev_poll_send(&peer, &cx, p, &err) == TERN_READY);
}

App *Which(uint8_t b) {
  App *a = &apps[b % 3];
  return a->c != nullptr ? a : nullptr;
}

void Write(App *a, size_t n) {
  uint8_t buf[4096];
  for (size_t k = 0; k < n; k++) {
    buf[k] = Written(a->written + static_cast<uint32_t>(k));
  }
  tern_cx cx = Cx();
  ptrdiff_t got = 0;
  if (tern_tcp_poll_write(a->c, &cx, buf, n, &got) == TERN_READY && got > 0) {
    Check(static_cast<size_t>(got) <= n);
    a->written += static_cast<uint32_t>(got);
  }
}

// The same through the zero-copy calls: at most n bytes written into the
// send ring where they lie, and committed.
void WriteInPlace(App *a, size_t n) {
  tern_cx cx = Cx();
  uint8_t *w = nullptr;
  ptrdiff_t room = 0;
  if (tern_tcp_poll_reserve(a->c, &cx, &w, &room) != TERN_READY || room <= 0) {
    return;
  }
  Check(w != nullptr);
  size_t k = n < static_cast<size_t>(room) ? n : static_cast<size_t>(room);
  // Past the run shown is refused, nothing queued.
  Check(tern_tcp_commit(a->c, static_cast<size_t>(room) + 1) == TERN_ERANGE);
  for (size_t j = 0; j < k; j++) {
    w[j] = Written(a->written + static_cast<uint32_t>(j));
  }
  Check(tern_tcp_commit(a->c, k) == 0);
  a->written += static_cast<uint32_t>(k);
}

void Read(App *a, size_t n, bool in_place) {
  uint8_t buf[4096];
  tern_tcp_conn *c = a->c;
  // The unread bytes end at RCV.NXT, or before the peer's FIN.
  uint32_t from = c->rcv.rcv_nxt - c->rcv.unread -
                  ((c->flags & TERN__TCP_F_RCVD_FIN) != 0 ? 1 : 0);
  uint32_t unread = c->rcv.unread;
  tern_tcp_state st = tern_tcp_get_state(c);
  tern_cx cx = Cx();
  ptrdiff_t got = 0;
  const uint8_t *at = buf;
  if (in_place) {
    // The view: the first contiguous run of unread bytes, in the ring.
    if (tern_tcp_poll_peek(c, &cx, &at, &got) != TERN_READY || got <= 0) {
      return;
    }
    Check(at == c->rcv.ring + c->rcv.read &&
          at + got <= c->rcv.ring + c->rcv.cap);
    Check(tern_tcp_consume(c, static_cast<size_t>(got) + 1) == TERN_ERANGE);
    if (static_cast<size_t>(got) > n) {
      got = static_cast<ptrdiff_t>(n);
    }
  } else if (tern_tcp_poll_read(c, &cx, buf, n, &got) != TERN_READY ||
             got <= 0) {
    return;
  }
  // Bytes received stay readable after the connection ended.
  Check(st != TERN_TCP_SYN_SENT);
  Check(static_cast<size_t>(got) <= n && static_cast<uint32_t>(got) <= unread);
  if (a->reading) {
    Check(from == a->read_next);
  }
  for (ptrdiff_t k = 0; k < got; k++) {
    Check(at[k] == Pattern(c->remote.port, from + static_cast<uint32_t>(k)));
  }
  if (in_place) {
    Check(tern_tcp_consume(c, static_cast<size_t>(got)) == 0);
  }
  a->reading = true;
  a->read_next = from + static_cast<uint32_t>(got);
}

void Accept() {
  tern_cx cx = Cx();
  tern_tcp_conn *c = nullptr;
  if (tern_tcp_poll_accept(&lst, &cx, &accept_w, &c) != TERN_READY) {
    return;
  }
  Check(c == &slots[0] || c == &slots[1]);
  Check(c->state != TERN_TCP_CLOSED && c->state != TERN_TCP_SYN_RCVD &&
        c->state != TERN_TCP_SYN_SENT);
  for (int k = 1; k < 3; k++) {
    Check(apps[k].c != c);  // accept hands out a slot once
  }
  for (int k = 1; k < 3; k++) {
    if (apps[k].c == nullptr) {
      // Nothing of ours is acknowledged but the SYN yet: SND.UNA is
      // ISS + 1.
      apps[k] = App{c, 0, false, 0, false, c->snd_una - 1};
      return;
    }
  }
  Check(false);  // two slots, two holders at most
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tern_sim_set_time(100000);
  Setup();
  size_t i = 0;
  while (i < size) {
    uint8_t op = data[i++] & 7;
    size_t left = size - i;
    const uint8_t *b = data + i;
    if (op == 0 && left >= 9) {
      Segment(b);
      i += 9;
    } else if (op == 1 && left >= 1) {
      tern_sim_advance(b[0] < 128 ? b[0] * 10u : (b[0] - 127u) * 5000u);
      i += 1;
    } else if ((op == 2 || op == 3) && left >= 2) {
      App *a = Which(b[0]);
      // b[0] / 3 (the part Which does not use): its low bit picks the
      // zero-copy calls.
      bool in_place = (b[0] / 3 & 1) != 0;
      if (a != nullptr && op == 2 && in_place) {
        WriteInPlace(a, b[1] * 16u);
      } else if (a != nullptr && op == 2) {
        Write(a, b[1] * 16u);
      } else if (a != nullptr) {
        Read(a, b[1] * 16u, in_place);
      }
      i += 2;
    } else if ((op == 4 || op == 5) && left >= 1) {
      App *a = Which(b[0] >> 1);
      if (a != nullptr) {
        a->done = true;
      }
      if (a != nullptr && op == 5) {
        tern_tcp_abort(a->c);
      } else if (a != nullptr && (b[0] & 1) != 0) {
        tern_tcp_shutdown(a->c);
      } else if (a != nullptr) {
        tern_cx cx = Cx();
        int err = 0;
        (void)tern_tcp_poll_close(a->c, &cx, &err);
      }
      i += 1;
    } else if (op == 6) {
      Accept();
    } else if (op == 7 && left >= 1) {
      if (conn.state == TERN_TCP_CLOSED) {
        tern_endpoint remote = {};
        remote.addr = Ip(1);
        remote.port = kPort;
        if (tern_tcp_connect(&conn, &remote) == 0) {
          apps[0] = App{&conn, 0, false, 0, false, conn.snd_una};
          peers[0].acked = peers[0].sent = 0;
        }
      }
      tern_tcp_set_nodelay(&conn, (b[0] & 1) != 0);
      tern_tcp_set_keepalive(&conn, (b[0] & 2) != 0);
      i += 1;
    } else {
      break;
    }
    Run();
  }
  // Everything ends: no packet may be left anywhere.
  tern_tcp_unlisten(&lst);
  tern_tcp_abort(&conn);
  for (tern_tcp_conn &s : slots) {
    if (s.state != TERN_TCP_CLOSED) {
      tern_tcp_abort(&s);
    }
  }
  Run();
  tern_sim_advance(600000);
  Run();
  Check(conn.state == TERN_TCP_CLOSED);
  Check(tcp.conns == nullptr);
  Check(tcp.tx.pkt == nullptr);
  Check(tern_pkt_pool_available(&pool) == pool.count);
  Check(tern_pkt_pool_available(&peer_pool) == peer_pool.count);
  return 0;
}
