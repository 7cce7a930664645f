// Fuzz target for the client's state machine (dhcpv4_fuzz covers the
// message format): one tern_dhcpv4 on a real stack (IPv4, UDP) over a
// memory link whose far end the script plays, on the sim port's virtual
// clock, as dhcpv4_test runs it (the same device, dhcpv4_testing.h).
//
// The input's first byte configures the client (bit 0: a probe function,
// RFC 5227; bit 1: a host name; bit 2: a client id; bits 3-4: the
// remembered address: none, the address servers offer, 10.9.9.9, or
// 127.0.0.1, which start ignores; bits 5-7 seed the stack's RNG). Then a
// script; each op is one byte (op % 8) and its arguments:
//
//   0, 7  a server's reply (10 bytes, then b3 >> 4 raw bytes):
//         b0 & 7 the message type (OFFER, ACK, NAK, OFFER, ACK, ACK, no
//           type option, b0 >> 3 as the type: DISCOVER, DECLINE, ...);
//         b1 flags: 1 a wrong xid, 2 another chaddr, 4 no server id,
//           8 another server (192.0.2.9) as the id and source, 16
//           broadcast (else unicast to yiaddr), 32 from port 6767, 64
//           op BOOTREQUEST, 128 the xid of the exchange before (if any);
//         b2 & 7 yiaddr: 192.0.2.103 (twice), .104, the lease's, 0.0.0.0,
//           127.0.0.1, 224.0.0.1, 10.9.9.9; b2 >> 3 & 3 the subnet mask:
//           none, /24, 255.0.255.0 (holes), 0.0.0.0; b2 & 32 a router;
//           b2 >> 6 DNS servers (0 to 3);
//         b3: 1 a lease time, 2 T1, 4 T2, 8 the router is 224.0.0.9,
//           b3 >> 4 raw bytes from the script appended as options
//           (maybe malformed) before the end option;
//         b4-5 the lease, b6-7 T1, b8-9 T2 (Seconds() below: small,
//           minutes, near 2^32 (infinite), or relative to the lease).
//         The right xid is that of the last message the client sent.
//   1  time passes (2 bytes: b0 & 7 the unit of b1: 10 ms, 1 s, 60 s,
//      3600 s; to the client's deadline + b1 - 128 ms, or + b1 s; to
//      the lease's expiry + (b1 - 128) * 10 ms; and 7: b1 minutes in one
//      jump, past every deadline between, as a late task sees them). The
//      others move from deadline to deadline (timers fire at each, at
//      most 256 stops, then one jump).
//   2  the link (1 byte, & 3: down, up, down and up, up and down)
//   3  tern_dhcpv4_stop
//   4  start again, if stopped (1 byte: a configuration as above)
//   5  the device reports an address conflict (as tern_eth_probe would)
//   6  the last reply again (a duplicate)
//
// After every step (an op, and each stop of the clock) the harness runs
// the stack and the client until neither is woken (at most kMaxPolls
// polls: more is a busy loop), takes what the client sent, and checks:
//   - every datagram parses (IPv4, UDP 68 -> 67, tern_dhcpv4_check,
//     tern_dhcpv4_opts_parse), is a BOOTREQUEST from our MAC of a type a
//     client sends, and carries the xid in force (the client's xid around
//     the polls of that step); a REQUEST naming a server (REQUESTING)
//     carries the xid and secs of the DISCOVER whose offer it takes; at most
//     kMaxSent DHCP messages per step;
//   - the state is one of tern_dhcpv4_state; STOPPED exactly when
//     poll_run said READY;
//   - an address is on the interface only in BOUND, RENEWING, REBINDING
//     or REBOOTING (the INIT-REBOOT after a link change keeps it), only
//     the last lease reported, and only before that lease expires
//     (counted from the ACK, at most TERN_DHCPV4_MAX_LEASE_S); none
//     once stopped;
//   - a lease reported has t1 <= t2 <= its length, t1 0 only for a
//     lease of 0 (else it renews on binding, in a loop), a prefix <= 32,
//     at most TERN_DHCPV4_MAX_DNS servers;
//   - the probe function is called only in PROBING (like tern_eth_probe
//     it refuses an address with TERN_ENETDOWN while the link is down),
//     or to defend the address in use against a conflict (RFC 5227 2.4
//     (b)): in BOUND, RENEWING or REBINDING, with that address, in the
//     step that raised the conflict, at most once per 10 s for as long as
//     the address stays on;
//   - with a probe function, an address goes on the interface (another
//     than the one on it at the last check) only after
//     TERN_DHCPV4_PROBES probes of it sent in this PROBING, with no link
//     change since the first;
//   - a running client has a deadline in the future, its timer armed for
//     it (or a message waiting to be sent); the RNG and the probe are
//     called at most kMaxCalls times a step (a loop inside poll_run);
//   - no counter decreases.
// At the end the client is stopped (with the link up): the address must
// be gone and every packet back in its pool. A failed check prints its
// line; built with --copt=-DCLIENT_FUZZ_TRACE the harness prints the
// client's state after every step (to see what a seed reaches).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "executor/test_waker.h"
#include "ip/dhcpv4/dhcpv4_testing.h"
#include "tern/dhcpv4.h"
#include "tern/dhcpv4_wire.h"
#include "tern/ipv4.h"
#include "tern/ipv4_wire.h"
#include "tern/memnetdev.h"
#include "tern/pkt.h"
#include "tern/sim.h"
#include "tern/timer.h"
#include "tern/udp.h"

namespace {

using Bytes = std::vector<uint8_t>;

constexpr int kMaxPolls = 64;   // runner rounds in one Run
constexpr int kMaxSent = 4;     // DHCP messages in one step
constexpr int kMaxCalls = 256;  // RNG or probe calls in one step
constexpr int kMaxStops = 256;  // clock stops in one time op

const uint8_t kMac[6] = {0x02, 0, 0, 0, 0, 0x0a};
const tern_ipv4_addr kServer = tern_ipv4(192, 0, 2, 2);
const tern_ipv4_addr kOther = tern_ipv4(192, 0, 2, 9);
const tern_ipv4_addr kOffered = tern_ipv4(192, 0, 2, 103);
const tern_ipv4_addr kBcast = tern_ipv4(255, 255, 255, 255);
const tern_ipv4_addr kZero = tern_ipv4(0, 0, 0, 0);
// Near the 32-bit wrap of the clock, which a long lease then crosses.
constexpr tern_time kStartTime = 0xf0000000u;

alignas(16) uint8_t pool_storage[TERN_PKT_POOL_STORAGE_SIZE(8, 1600)];
alignas(16) uint8_t peer_storage[TERN_PKT_POOL_STORAGE_SIZE(8, 1600)];
tern_pkt_pool pool, peer_pool;
tern_memnetdev_pair link;
tern_test::EventDev *dev;
tern_ip_stack stack;
tern_ipv4_layer v4;
tern_ip_iface iface;
tern_udp_layer udp;
tern_dhcpv4 c;
tern_dhcpv4_config cfg;
tern_test::CountingWaker w;   // the runner's: the client's timer is here
tern_test::CountingWaker lw;  // the lease waiter's
bool done;                    // poll_run said READY

uint64_t rng_state;
int calls;  // RNG and probe calls this step

// What the script knows.
struct Model {
  bool leased;                     // the last lease reported has an address
  tern_dhcpv4_lease lease;         // that lease
  tern_time expire_by;             // when it must be gone at the latest
  tern_time ack_at;                // the last step an ACK was taken in
  bool have_xid;                   // the client sent something
  uint32_t xid;                    // the xid of its last message
  bool have_prev;                  // an older exchange's xid
  uint32_t prev_xid;               // that
  bool have_discover;              // a DISCOVER was sent
  uint32_t discover_xid;           // the last one's
  uint16_t discover_secs;          // and secs (RFC 2131 4.4.1)
  std::vector<uint32_t> in_force;  // the client's xids during this step
  tern_dhcpv4_stats stats;         // the counters after the last step
  Bytes last_reply;                // the last reply's datagram
  tern_ipv4_addr on;               // on the interface at the last check
  tern_ipv4_addr probed;           // the address probes were sent for
  int probes_sent;                 // those, in this PROBING, same link
  bool conflict;                   // a conflict raised, this step
  bool defended;                   // the address on was defended,
  tern_time defended_at;           // last then
} m;

// A failed check names itself (on stderr) and aborts: libFuzzer keeps the
// input.
#define Check(ok) CheckAt((ok), __LINE__, #ok)
void CheckAt(bool ok, int line, const char *what) {
  if (!ok) {
    fprintf(stderr, "client_fuzz: line %d: %s\n", line, what);
    abort();
  }
}

bool Eq(tern_ipv4_addr a, tern_ipv4_addr b) {
  return memcmp(a.b, b.b, 4) == 0;
}

int Fill(void *, void *buf, size_t len) {
  calls++;
  Check(calls <= kMaxCalls);
  uint8_t *b = static_cast<uint8_t *>(buf);
  for (size_t i = 0; i < len; i++) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    b[i] = static_cast<uint8_t>(z ^ (z >> 31));
  }
  return 0;
}

int Probe(void *, const tern_ipv4_addr *a) {
  calls++;
  Check(calls <= kMaxCalls);
  tern_dhcpv4_state s = tern_dhcpv4_get_state(&c);
  if (s != TERN_DHCPV4_PROBING) {
    // A defence (RFC 5227 2.4 (b)): asked for by a conflict, of the
    // address in use while bound, at most one per DEFEND_INTERVAL (10 s)
    // for as long as the address stays on.
    Check(m.conflict);
    Check(s == TERN_DHCPV4_BOUND || s == TERN_DHCPV4_RENEWING ||
          s == TERN_DHCPV4_REBINDING);
    Check(Eq(*a, tern_ipv4_get_addr(&iface)) && Eq(*a, c.lease.addr));
    Check(!m.defended || tern_now() - m.defended_at >= 10000u);
    m.defended = true;
    m.defended_at = tern_now();
    return 0;
  }
  Check(Eq(*a, kZero) || Eq(*a, c.lease.addr));
  if (Eq(*a, kZero)) {
    return 0;
  }
  if (link.down) {
    return TERN_ENETDOWN;  // as tern_eth_probe: nothing sent
  }
  if (!Eq(*a, m.probed)) {
    m.probed = *a;
    m.probes_sent = 0;
  }
  m.probes_sent++;
  return 0;
}

void SampleXid() {
  if (m.in_force.empty() || m.in_force.back() != c.xid) {
    m.in_force.push_back(c.xid);
  }
}

void TakeLeases() {
  tern_cx lcx = lw.Cx(nullptr);
  tern_dhcpv4_lease l;
  while (tern_dhcpv4_poll_lease(&c, &lcx, &l) == TERN_READY) {
    Check(l.prefix_len <= 32 && l.n_dns <= TERN_DHCPV4_MAX_DNS);
    m.leased = l.addr.b[0] != 0;
    m.lease = l;
    if (m.leased) {
      uint32_t len = l.lease_s < TERN_DHCPV4_MAX_LEASE_S
                         ? l.lease_s
                         : TERN_DHCPV4_MAX_LEASE_S;
      Check(l.t1_s <= l.t2_s && l.t2_s <= len && (l.t1_s != 0 || len == 0));
      m.expire_by = m.ack_at + len * 1000u;
    }
  }
}

// Polls the stack and the client until neither is woken.
void Run() {
  tern_cx cx = w.Cx();
  for (int i = 0; i < kMaxPolls; i++) {
    w.Take();
    Check(tern_ip_stack_poll_run(&stack, &cx) == TERN_PENDING);
    if (!done) {
      SampleXid();
      done = tern_dhcpv4_poll_run(&c, &cx) == TERN_READY;
      SampleXid();
    }
    Check(tern_ip_stack_poll_run(&stack, &cx) == TERN_PENDING);
    TakeLeases();
    if (w.wakes == 0) {
      return;
    }
  }
  Check(false);  // still woken: a busy loop
}

// One datagram the stack sent.
void Sent(const uint8_t *d, size_t len, int *dhcp) {
  Check(tern_ipv4_check(d, len) == 0);
  size_t hl = (d[0] & 15u) * 4u;
  size_t total = tern_be16(d + 2);
  if (d[9] != TERN_IP_PROTO_UDP) {
    return;  // ICMP: a port unreachable once the socket is closed
  }
  Check(total >= hl + 8 && total <= len);
  const uint8_t *u = d + hl;
  Check(tern_be16(u) == TERN_DHCPV4_CLIENT_PORT &&
        tern_be16(u + 2) == TERN_DHCPV4_SERVER_PORT);
  Check(tern_be16(u + 4) == total - hl);
  const uint8_t *msg = u + 8;
  size_t n = total - hl - 8;
  Check(n <= TERN_DHCPV4_MAX_LEN);
  Check(tern_dhcpv4_check(msg, n) == 0);
  tern_dhcpv4_opts o;
  Check(tern_dhcpv4_opts_parse(&o, msg, n) == 0);
  tern_dhcpv4_hdr h;
  tern_dhcpv4_hdr_parse(&h, msg);
  Check(h.op == TERN_DHCPV4_BOOTREQUEST && h.htype == 1 && h.hlen == 6);
  Check(memcmp(h.chaddr, kMac, 6) == 0);
  Check(o.msg_type == TERN_DHCPV4_DISCOVER ||
        o.msg_type == TERN_DHCPV4_REQUEST ||
        o.msg_type == TERN_DHCPV4_DECLINE || o.msg_type == TERN_DHCPV4_RELEASE);
  bool in_force = false;
  for (uint32_t x : m.in_force) {
    in_force = in_force || x == h.xid;
  }
  Check(in_force);
  if (o.msg_type == TERN_DHCPV4_REQUEST &&
      (o.present & TERN_DHCPV4_HAVE_SERVER_ID) != 0) {
    Check(m.have_discover && h.xid == m.discover_xid &&
          h.secs == m.discover_secs);
  }
  if (o.msg_type == TERN_DHCPV4_DISCOVER) {
    m.have_discover = true;
    m.discover_xid = h.xid;
    m.discover_secs = h.secs;
  }
  if (m.have_xid && m.xid != h.xid) {
    m.have_prev = true;
    m.prev_xid = m.xid;
  }
  m.have_xid = true;
  m.xid = h.xid;
  ++*dhcp;
  Check(*dhcp <= kMaxSent);
}

// Takes what the stack sent; returns how many packets.
int Drain(int *dhcp) {
  tern_netdev peer = tern_memnetdev_b(&link);
  tern_cx lcx = lw.Cx(nullptr);
  int k = 0;
  tern_pkt *p = nullptr;
  int err = 0;
  while (tern_netdev_poll_recv(&peer, &lcx, &p, &err) == TERN_READY &&
         p != nullptr) {
    Sent(tern_pkt_data(p), tern_pkt_len(p), dhcp);
    tern_pkt_free(p);
    k++;
  }
  return k;
}

void CheckStats() {
  tern_dhcpv4_stats s = tern_dhcpv4_get_stats(&c);
  const uint32_t *now = reinterpret_cast<const uint32_t *>(&s);
  const uint32_t *was = reinterpret_cast<const uint32_t *>(&m.stats);
  for (size_t i = 0; i < sizeof s / sizeof *now; i++) {
    Check(now[i] >= was[i]);
  }
  m.stats = s;
}

void CheckInvariants() {
  tern_dhcpv4_state s = tern_dhcpv4_get_state(&c);
  Check(s <= TERN_DHCPV4_STOPPED);
  Check(done == (s == TERN_DHCPV4_STOPPED));
  tern_ipv4_addr a = tern_ipv4_get_addr(&iface);
  if (a.b[0] != 0) {
    Check(s == TERN_DHCPV4_BOUND || s == TERN_DHCPV4_RENEWING ||
          s == TERN_DHCPV4_REBINDING || s == TERN_DHCPV4_REBOOTING);
    Check(m.leased && Eq(a, m.lease.addr));
    Check(tern_time_before(tern_now(), m.expire_by));
    if (cfg.probe != nullptr && !Eq(a, m.on)) {
      Check(Eq(a, m.probed) && m.probes_sent >= TERN_DHCPV4_PROBES);
    }
  }
  m.on = a;
  if (a.b[0] == 0) {
    m.defended = false;  // a new address has had no defence
  }
  if (s != TERN_DHCPV4_PROBING) {
    m.probes_sent = 0;
  }
  if (!done) {
    Check(c.tx_len != 0 ||
          (c.timer.queue == &w.timers && c.timer.deadline == c.deadline &&
           tern_time_before(tern_now(), c.deadline)));
  }
  CheckStats();
}

// Runs the client and takes what it sends until it sends nothing more,
// then checks.
void Settle() {
  int dhcp = 0;
  for (int i = 0; i < 8; i++) {
    Run();
    if (Drain(&dhcp) == 0) {
      break;
    }
  }
  CheckInvariants();
#ifdef CLIENT_FUZZ_TRACE
  fprintf(stderr,
          "t=%u state=%d addr=%d.%d.%d.%d sent=%d taken=%u naks=%u dec=%u "
          "exp=%u def=%u\n",
          (unsigned)(tern_now() - kStartTime), tern_dhcpv4_get_state(&c),
          tern_ipv4_get_addr(&iface).b[0], tern_ipv4_get_addr(&iface).b[1],
          tern_ipv4_get_addr(&iface).b[2], tern_ipv4_get_addr(&iface).b[3],
          dhcp, m.stats.rx_taken, m.stats.naks, m.stats.declines,
          m.stats.expiries, m.stats.defences);
#endif
  m.in_force.clear();
  calls = 0;
}

// The link up or down; a change voids the probes sent so far (their
// answers may be lost, the link another network's).
void SetLink(bool up) {
  if (link.down == up) {
    m.probes_sent = 0;
  }
  tern_memnetdev_set_up(&link, up);
  Settle();
}

void FireAndSettle() {
  w.FireTimers(tern_now());
  Settle();
}

// Lets ms pass: from timer to timer (stops), or in one jump.
void Pass(uint32_t ms, bool stops) {
  tern_time target = tern_now() + ms;
  for (int k = 0; stops && k < kMaxStops; k++) {
    tern_time next;
    tern_time now = tern_now();
    if (!tern_timer_queue_next(&w.timers, &next) ||
        !tern_time_before(next, target)) {
      break;
    }
    if (tern_time_before(now, next)) {
      tern_sim_advance(next - now);
    }
    FireAndSettle();
  }
  tern_time now = tern_now();
  if (tern_time_before(now, target)) {
    tern_sim_advance(target - now);
  }
  FireAndSettle();
}

void Time(const uint8_t *b) {
  uint32_t v = b[1];
  tern_time now = tern_now();
  switch (b[0] & 7) {
    case 0: Pass(v * 10u, true); break;
    case 1: Pass(v * 1000u, true); break;
    case 2: Pass(v * 60000u, true); break;
    case 3: Pass(v * 3600000u, true); break;
    case 4:
    case 5: {
      tern_time t = c.deadline + ((b[0] & 7) == 4 ? v - 128u : v * 1000u);
      Pass(done || !tern_time_before(now, t) ? 0 : t - now, true);
      break;
    }
    case 6: {
      tern_time t = m.expire_by + (v - 128u) * 10u;
      Pass(!m.leased || !tern_time_before(now, t) ? 0 : t - now, true);
      break;
    }
    default: Pass(v * 60000u, false); break;
  }
}

// Seconds for a lease, T1 or T2 from two bytes.
uint32_t Seconds(const uint8_t *b, uint32_t lease) {
  uint32_t v = tern_be16(b) & 0x3fffu;
  switch (b[0] >> 6) {
    case 0: return v;
    case 1: return v * 64u;
    case 2: return 0xffffffffu - v;
    default:
      return lease == 0xffffffffu
                 ? TERN_DHCPV4_MAX_LEASE_S - 128u + (v & 0xffu)
                 : static_cast<uint32_t>(uint64_t{lease} * (v & 0xffu) / 64u);
  }
}

tern_ipv4_addr YourAddr(uint8_t k) {
  switch (k & 7) {
    case 0:
    case 1: return kOffered;
    case 2: return tern_ipv4(192, 0, 2, 104);
    case 3: return m.leased ? m.lease.addr : c.lease.addr;
    case 4: return kZero;
    case 5: return tern_ipv4(127, 0, 0, 1);
    case 6: return tern_ipv4(224, 0, 0, 1);
    default: return tern_ipv4(10, 9, 9, 9);
  }
}

void Inject(const Bytes &d) {
  tern_pkt *p = tern_pkt_pool_try_alloc(&peer_pool);
  if (p == nullptr) {
    return;  // the stack holds every peer packet: lost on the way
  }
  Check(tern_pkt_reserve(p, 64) == 0);
  uint8_t *at = tern_pkt_put(p, d.size());
  Check(at != nullptr);
  memcpy(at, d.data(), d.size());
  tern_netdev peer = tern_memnetdev_b(&link);
  tern_cx lcx = lw.Cx(nullptr);
  int err = 0;
  if (tern_netdev_poll_send(&peer, &lcx, p, &err) != TERN_READY) {
    tern_pkt_free(p);  // the queue is full: lost
  }
}

// Builds a reply from the 10 bytes at b and n raw option bytes.
void Reply(const uint8_t *b, const uint8_t *raw, size_t n) {
  static const uint8_t types[8] = {TERN_DHCPV4_OFFER,
                                   TERN_DHCPV4_ACK,
                                   TERN_DHCPV4_NAK,
                                   TERN_DHCPV4_OFFER,
                                   TERN_DHCPV4_ACK,
                                   TERN_DHCPV4_ACK,
                                   0,
                                   0};
  uint8_t type =
      (b[0] & 7) == 7 ? static_cast<uint8_t>(b[0] >> 3) : types[b[0] & 7];
  bool has_type = (b[0] & 7) != 6;
  uint8_t f = b[1];
  tern_ipv4_addr server = (f & 8) != 0 ? kOther : kServer;
  tern_ipv4_addr yi = YourAddr(b[2]);
  uint8_t buf[TERN_DHCPV4_MAX_LEN];
  tern_dhcpv4_hdr h = {};
  h.op = (f & 64) != 0 ? TERN_DHCPV4_BOOTREQUEST : TERN_DHCPV4_BOOTREPLY;
  h.htype = 1;
  h.hlen = 6;
  h.xid = (f & 128) != 0 && m.have_prev ? m.prev_xid : m.xid;
  h.xid ^= (f & 1);
  memcpy(h.chaddr, kMac, 6);
  h.chaddr[5] ^= (f & 2);
  h.yiaddr = yi;
  h.siaddr = server;
  Check(tern_dhcpv4_hdr_emit(&h, buf, sizeof buf) == TERN_DHCPV4_HDR_LEN);
  size_t off = TERN_DHCPV4_HDR_LEN;
  auto put = [&](uint8_t code, const void *d, size_t len) {
    (void)tern_dhcpv4_put_opt(buf, sizeof buf, &off, code, d,
                              static_cast<uint8_t>(len));
  };
  auto put32 = [&](uint8_t code, uint32_t v) {
    uint8_t be[4];
    tern_put_be32(be, v);
    put(code, be, 4);
  };
  if (has_type) {
    put(TERN_DHCPV4_OPT_MSG_TYPE, &type, 1);
  }
  if ((f & 4) == 0) {
    put(TERN_DHCPV4_OPT_SERVER_ID, server.b, 4);
  }
  uint32_t lease = Seconds(b + 4, 0);
  if ((b[3] & 1) != 0) {
    put32(TERN_DHCPV4_OPT_LEASE_TIME, lease);
  }
  if ((b[3] & 2) != 0) {
    put32(TERN_DHCPV4_OPT_T1, Seconds(b + 6, lease));
  }
  if ((b[3] & 4) != 0) {
    put32(TERN_DHCPV4_OPT_T2, Seconds(b + 8, lease));
  }
  static const uint8_t masks[4][4] = {
      {0}, {255, 255, 255, 0}, {255, 0, 255, 0}, {0, 0, 0, 0}};
  if ((b[2] >> 3 & 3) != 0) {
    put(TERN_DHCPV4_OPT_SUBNET_MASK, masks[b[2] >> 3 & 3], 4);
  }
  if ((b[2] & 32) != 0) {
    tern_ipv4_addr r =
        (b[3] & 8) != 0 ? tern_ipv4(224, 0, 0, 9) : tern_ipv4(192, 0, 2, 1);
    put(TERN_DHCPV4_OPT_ROUTER, r.b, 4);
  }
  static const uint8_t dns[12] = {192, 0, 2, 2, 192, 0, 2, 53, 8, 8, 8, 8};
  if ((b[2] >> 6) != 0) {
    put(TERN_DHCPV4_OPT_DNS, dns, 4u * (b[2] >> 6));
  }
  if (n > 0 && off + n < sizeof buf) {
    memcpy(buf + off, raw, n);
    off += n;
  }
  int len = tern_dhcpv4_put_end(buf, sizeof buf, off);
  if (len <= 0) {
    len = static_cast<int>(off);
  }
  bool bcast = (f & 16) != 0 || yi.b[0] == 0;
  m.last_reply =
      tern_test::Datagram(server, bcast ? kBcast : yi, Bytes(buf, buf + len),
                          (f & 32) != 0 ? 6767 : 67);
  Inject(m.last_reply);
  if (has_type && type == TERN_DHCPV4_ACK) {
    m.ack_at = tern_now();
  }
  Settle();
}

void Configure(uint8_t b) {
  static const uint8_t id[7] = {1, 2, 0, 0, 0, 0, 0x0a};
  cfg = tern_dhcpv4_config{};
  if ((b & 1) != 0) {
    cfg.probe = Probe;
  }
  if ((b & 2) != 0) {
    cfg.hostname = "tern-fuzz";
  }
  if ((b & 4) != 0) {
    cfg.client_id = id;
    cfg.client_id_len = sizeof id;
  }
  static const tern_ipv4_addr remembered[4] = {
      tern_ipv4(0, 0, 0, 0), tern_ipv4(192, 0, 2, 103), tern_ipv4(10, 9, 9, 9),
      tern_ipv4(127, 0, 0, 1)};
  cfg.remembered = remembered[b >> 3 & 3];
}

void Start() {
  Check(tern_dhcpv4_start(&c, &udp, &iface, &cfg) == 0);
  done = false;
  m.stats = tern_dhcpv4_get_stats(&c);  // a new client counts from 0
  Settle();
}

void Setup(uint8_t config) {
  tern_sim_set_time(kStartTime);
  rng_state = config >> 5;
  calls = 0;
  m = Model{};
  Check(tern_pkt_pool_init(&pool, pool_storage, sizeof pool_storage, 1600) ==
        8);
  Check(tern_pkt_pool_init(&peer_pool, peer_storage, sizeof peer_storage,
                           1600) == 8);
  tern_memnetdev_config mc = TERN_MEMNETDEV_CONFIG_IP;
  mc.queue_len = 16;
  tern_memnetdev_init(&link, &mc);
  dev = new tern_test::EventDev(tern_memnetdev_a(&link), kMac);
  tern_rng rng = {Fill, nullptr};
  Check(tern_ip_stack_init(&stack, &pool, &rng) == 0);
  Check(tern_ipv4_init(&v4, &stack) == 0);
  Check(tern_ip_iface_add(&stack, &iface, dev->Dev()) == 0);
  Check(tern_udp_init(&udp, &stack) == 0);
  Configure(config);
  Start();
}

void Teardown() {
  tern_memnetdev_set_up(&link, true);
  Settle();
  if (!done) {
    tern_dhcpv4_stop(&c);
    Settle();
  }
  Check(done);
  Check(tern_ipv4_get_addr(&iface).b[0] == 0);
  Pass(600000, true);  // anything the stack still holds goes
  while (w.timers.head != nullptr) {
    tern_timer_cancel(w.timers.head);
  }
  Check(tern_pkt_pool_available(&pool) == pool.count);
  Check(tern_pkt_pool_available(&peer_pool) == peer_pool.count);
  delete dev;
  dev = nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) {
    return 0;
  }
  Setup(data[0]);
  size_t i = 1;
  while (i < size) {
    uint8_t op = data[i++] % 8;
    size_t left = size - i;
    const uint8_t *b = data + i;
    if ((op == 0 || op == 7) && left >= 10) {
      size_t n = b[3] >> 4;
      n = n < left - 10 ? n : left - 10;
      Reply(b, b + 10, n);
      i += 10 + n;
    } else if (op == 1 && left >= 2) {
      Time(b);
      i += 2;
    } else if (op == 2 && left >= 1) {
      static const uint8_t seq[4][2] = {{0, 0}, {1, 1}, {0, 1}, {1, 0}};
      SetLink(seq[b[0] & 3][0] != 0);
      if ((b[0] & 3) >= 2) {
        SetLink(seq[b[0] & 3][1] != 0);
      }
      i += 1;
    } else if (op == 3) {
      tern_dhcpv4_stop(&c);
      Settle();
    } else if (op == 4 && left >= 1) {
      if (done) {
        Configure(b[0]);
        Start();
      }
      i += 1;
    } else if (op == 5) {
      dev->Raise(TERN_NETDEV_EV_ADDR_CONFLICT);
      m.conflict = true;
      Settle();
      m.conflict = false;
    } else if (op == 6) {
      if (!m.last_reply.empty()) {
        Inject(m.last_reply);
        Settle();
      }
    } else {
      break;
    }
  }
  Teardown();
  return 0;
}
