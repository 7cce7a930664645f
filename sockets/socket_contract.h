// The socket API (tern/socket.h) as one GoogleTest suite that runs
// against every backend: each describes itself in a fixture and
// instantiates the suite with one line, as the stream contract does
// (executor/io/stream_contract.h):
//
//   class MyModemFixture : public tern_test::SocketFixture { ... };
//   INSTANTIATE_TEST_SUITE_P(
//       Modem, SocketContract,
//       ::testing::Values(tern_test::MakeSocketParam<MyModemFixture>("modem")),
//       tern_test::SocketParamName);
//
// and one more line per capability it has:
//
//   SocketSilentPeerContract  the fixture names an address that never
//                             answers (a connect there times out)
//
// A capability a backend lacks is so never instantiated, rather than
// skipped; a single case its device cannot do is skipped with the reason
// the fixture gives (SocketFixture::Lacks). The suites drive the sockets by
// hand with counting wakers: each poll gets a fresh context, a PENDING must
// have taken its waker, and the wake must come when progress is possible.
// Testonly.
#ifndef TERN_SOCKET_CONTRACT_H
#define TERN_SOCKET_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include <deque>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "executor/test_waker.h"
#include "gtest/gtest.h"
#include "tern/socket.h"

namespace tern_test {

// The backend under test: a client and a server net (the same one for a
// backend with a single stack, two stacks for tern), how the client
// reaches the server, and how time passes. A new fixture is made for each
// test and destroyed after it; it must hold no open socket at the start.
class SocketFixture {
 public:
  virtual ~SocketFixture() = default;

  // Why the fixture cannot run here, or "" when it can. A non-empty
  // reason skips.
  virtual std::string SkipReason() {
    return "";
  }

  // Why the client's backend cannot do the case named (its test name
  // without the parameter, "HalfCloseLeavesTheOtherDirectionOpen"), or ""
  // when it can. For a limit of the thing a backend drives (an AT modem
  // has no half-close and cannot tell a peer's reset from its end of
  // stream), or of how the backend drives it, which the reason must then
  // say; the case is skipped with the reason.
  virtual std::string Lacks(const std::string &test_case) {
    (void)test_case;
    return "";
  }

  virtual tern_net *Client() = 0;
  virtual tern_net *Server() = 0;

  // The server's address as the client reaches it, with port.
  virtual tern_endpoint ServerAt(uint16_t port) = 0;

  // What the server binds to listen or receive on port: by default
  // every local address of any family (port only).
  virtual tern_endpoint Local(uint16_t port) {
    tern_endpoint e = {};
    e.port = port;
    return e;
  }

  // The i-th (0..7) of ports the server has free for this test: nobody
  // listens or is bound there.
  virtual uint16_t Port(int i) = 0;

  // How many sockets the client net holds open at once.
  virtual size_t Capacity() = 0;

  // Whether set_option(opt) is expected to work (else TERN_ENOTSUP).
  virtual bool Supports(tern_socket_option opt) = 0;

  // SocketSilentPeerContract: an endpoint whose host never answers.
  virtual tern_endpoint Silent() {
    return tern_endpoint{};
  }

  // Lets time pass and events reach their wakers for about ms
  // milliseconds (real or virtual).
  virtual void Pump(int ms) = 0;

  // Called after a listen on the server net succeeded, before any client
  // connects to it. A backend whose listen takes effect later (the AT
  // modem's server exists once the modem has answered AT+CIPSERVER) pumps
  // here until it has; by default nothing.
  virtual void Listening() {}
};

struct SocketParam {
  std::string name;
  std::function<std::unique_ptr<SocketFixture>()> make;
};

template <typename F>
SocketParam MakeSocketParam(const std::string &name) {
  return SocketParam{name,
                     [] { return std::unique_ptr<SocketFixture>(new F); }};
}

std::string SocketParamName(const ::testing::TestParamInfo<SocketParam> &info);

inline void PrintTo(const SocketParam &param, std::ostream *os) {
  *os << param.name;
}

}  // namespace tern_test

class SocketContractBase
    : public ::testing::TestWithParam<tern_test::SocketParam> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Polls f(cx) until READY, each time with a fresh waker, pumping until
  // that waker is woken in between; fails the test (and returns PENDING)
  // if a PENDING is not followed by a wake within ms.
  tern_poll Drive(const std::function<tern_poll(tern_cx *)> &f, int ms = 10000);

  tern_socket *Open(tern_net *net, tern_socket_type type);
  // A stream socket on the client whose connect to `to` has begun (null,
  // the test failed, if it could not).
  tern_socket *StartConnect(const tern_endpoint &to);
  // A listener on the server at Port(i).
  tern_socket *Listen(int i, unsigned backlog);
  // A client connected to the listener at Port(i), and the server's
  // accepted end.
  void Connect(tern_socket *lst, int i, tern_socket **client,
               tern_socket **server);
  // The same from a stream socket already open (options set on it, say):
  // client connected, the server's accepted end in *server.
  void ConnectFrom(tern_socket *client, tern_socket *lst, int i,
                   tern_socket **server);
  // Writes all of data to s, pumping as needed.
  void WriteAll(tern_socket *s, const std::string &data);
  // Reads from s until want bytes or end of stream or an error; returns
  // them, *end the last result (0 at end of stream, < 0 an error, > 0
  // stopped at want).
  std::string Read(tern_socket *s, size_t want, ptrdiff_t *end = nullptr);
  // Closes s (poll_close) and expects err.
  void Close(tern_socket *s, int err = 0);
  tern_test::CountingWaker &NewWaker() {
    wakers_.emplace_back();
    return wakers_.back();
  }

  std::deque<tern_test::CountingWaker> wakers_;
  std::unique_ptr<tern_test::SocketFixture> fx_;
  std::deque<tern_socket *> open_;  // aborted at the end if still open
};

// What every backend must do.
class SocketContract : public SocketContractBase {};

// A backend whose fixture has an address that never answers.
class SocketSilentPeerContract : public SocketContractBase {};

#endif  // TERN_SOCKET_CONTRACT_H
