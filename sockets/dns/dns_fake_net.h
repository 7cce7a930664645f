// A scripted socket backend for the resolver's tests: every datagram sent
// and every TCP query is handed to a script (the DNS server), whose
// replies come back on the socket at once (or never: a silent server).
// Time is the sim port's; nothing here waits.
#ifndef TERN_DNS_FAKE_NET_H
#define TERN_DNS_FAKE_NET_H

#include <cstring>
#include <deque>
#include <functional>
#include <vector>

#include "tern/socket.h"

namespace tern_test {

struct Datagram {
  tern_endpoint peer;  // the destination (sent) or the source (received)
  std::vector<uint8_t> bytes;
};

class FakeDnsNet {
 public:
  // UDP: the query sent to `to`; push replies with Reply().
  std::function<void(const tern_endpoint &to, const std::vector<uint8_t> &q)>
      on_udp;
  // TCP: a whole framed query (without its prefix) on a connection to
  // `to`; returns the bytes the server writes back (framed by the script).
  std::function<std::vector<uint8_t>(const tern_endpoint &to,
                                     const std::vector<uint8_t> &q)>
      on_tcp;
  bool refuse_tcp = false;  // connect fails with TERN_ECONNREFUSED
  size_t read_chunk = 5;    // a TCP read returns at most this many bytes
  int max_open = 4;         // open fails with TERN_ENOMEM beyond this
  // The next receive that would wait gets an ICMP refusal instead, as
  // if it came while waiting (wakes the reader, returns PENDING), and then
  // open fails (max_open 0).
  bool refuse_while_waiting = false;
  // The next send_pending sends are PENDING (as a backend with no room
  // yet, or the modem's while the datagram's link opens), each waking the
  // sender at once.
  int send_pending = 0;

  std::vector<Datagram> sent;        // every UDP query, in order
  std::vector<tern_endpoint> conns;  // every TCP connect
  // Replies from another endpoint than the one the socket is connected
  // to: dropped here, as every backend drops them (the socket contract).
  int strays = 0;
  int open_now = 0;  // sockets open at the moment

  FakeDnsNet();
  tern_net *Net() {
    return &net_.base;
  }

  // Queues a datagram from `from` on the socket that sent the last query
  // (the one the resolver waits on), unless that socket is connected to
  // another endpoint (then it counts in strays).
  void Reply(const tern_endpoint &from, std::vector<uint8_t> bytes);
  // An ICMP error on that socket: port unreachable (TERN_ECONNREFUSED)
  // unless another error is given (host or net unreachable).
  void Refuse(int err = TERN_ECONNREFUSED);

  struct Sock {
    tern_socket base;
    FakeDnsNet *owner;
    bool used = false;
    tern_socket_type type = TERN_SOCK_DGRAM;
    std::deque<Datagram> rx;
    int pending_err = 0;
    tern_waker_slot reader = TERN_WAKER_SLOT_INIT;
    tern_endpoint remote{};
    std::vector<uint8_t> tx;         // TCP: bytes written
    std::vector<uint8_t> stream_rx;  // TCP: bytes to read
    size_t rx_pos = 0;
  };

 private:
  struct NetSlot {
    tern_net base;  // first
    FakeDnsNet *owner;
  } net_;
  Sock socks_[4];
  Sock *last_ = nullptr;
  friend struct FakeOps;
};

}  // namespace tern_test

#endif  // TERN_DNS_FAKE_NET_H
