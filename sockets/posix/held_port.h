// Ports for tests on the host's sockets (Linux), held from the pick until
// the test binds them, so that no other program's socket takes one in
// between. Picking a free port and letting it go before the bind (what the
// tests did) let another program's socket take it at times: a listener's
// bind then said EADDRINUSE. Testonly.
#ifndef TERN_HELD_PORT_H
#define TERN_HELD_PORT_H

#include <stdint.h>

namespace tern_test {

// A port held for TCP and UDP on every local address of IPv4 and IPv6 (or
// IPv4 alone on a host without IPv6). The kernel gives a held port to no
// other bind to port 0 and no connect, and refuses it to a plain bind.
// The port lies outside the kernel's ephemeral range when that leaves
// room, so that a socket's automatic port (a bind to port 0, a connect)
// never lands on it in the moment after UDP is handed over (or after the
// test's own socket let it go again): only a bind by number could.
struct HeldPort {
  uint16_t port = 0;
  // TCP: bound plainly (no socket of any kind had the port), then
  // SO_REUSEADDR, never listening: stream sockets that set SO_REUSEADDR too
  // (the posix backend's, modem_sim's server) bind and listen beside it
  // (Linux refuses that only beside a listener), so it holds the port until
  // LetGo.
  int tcp = -1;
  // UDP: held until HandOverUdp: two datagram sockets on one port would
  // share its datagrams, and a plain bind (modem_sim's) is refused beside
  // it.
  int udp = -1;

  HeldPort() = default;
  HeldPort(const HeldPort &) = delete;
  HeldPort &operator=(const HeldPort &) = delete;
  ~HeldPort() {
    LetGo();
  }

  // Takes a port: false if none could be held.
  bool Take();
  // Stops holding UDP, just before the test's datagram socket binds there.
  void HandOverUdp();
  // Stops holding the port at all.
  void LetGo();
};

// Whether a plain socket (no SO_REUSEADDR) of type could bind port on every
// address of family now (IPv6 alone: IPV6_V6ONLY): whether no socket holds
// it.
bool PlainBind(int family, int type, uint16_t port);

}  // namespace tern_test

#endif  // TERN_HELD_PORT_H
