// The tern_stream contract (tern/stream.h) as GoogleTest suites that any
// implementation runs by describing itself in a small fixture. Testonly.
//
// StreamContract is what every stream must do. To run it against a
// stream, write a fixture and instantiate the suite with one line (see
// executor/io/README.md, "Contract test suites"):
//
//   class MyUartFixture : public tern_test::StreamFixture { ... };
//   INSTANTIATE_TEST_SUITE_P(
//       MyUart, StreamContract,
//       ::testing::Values(tern_test::MakeStreamParam<MyUartFixture>("uart")),
//       tern_test::StreamParamName);
//
// Each capability the stream (or its fixture) has is one more line, the
// same prefix and parameter in the capability's suite:
//
//   StreamCloseReachesPeerContract  the peer reads end of stream after
//                                   poll_close (a raw pty cannot tell it)
//   StreamErrorContract             the fixture's InjectError() makes the
//                                   stream fail like a broken device
//
// A case that does not apply to a stream is so never instantiated for it,
// rather than skipped.
//
// The suites drive the stream by hand with counting wakers
// (executor/test_waker.h): each poll gets a fresh context, a PENDING must
// have taken its waker, and the wake must come when the peer makes
// progress possible. The fixture plays the peer, whose reads and writes
// never block.
#ifndef TERN_STREAM_CONTRACT_H
#define TERN_STREAM_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include <deque>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "executor/test_waker.h"
#include "gtest/gtest.h"
#include "tern/stream.h"

namespace tern_test {

// The implementation under test and its peer. A new fixture is made for
// each test and destroyed after it.
class StreamFixture {
 public:
  virtual ~StreamFixture() = default;

  // Why the fixture cannot run here (no privilege, no device), or "" when
  // it can. Checked before anything else; a non-empty reason skips.
  virtual std::string SkipReason() {
    return "";
  }

  // The stream under test, ready to use.
  virtual tern_stream Stream() = 0;

  // The peer writes up to len bytes for the stream to read; returns how
  // many it took (fewer when its buffer is full; never blocks).
  virtual size_t PeerWrite(const uint8_t *data, size_t len) = 0;

  // The peer reads up to max bytes of what the stream wrote: the count
  // (> 0), 0 when nothing is there now, or -1 at end of stream.
  virtual ptrdiff_t PeerRead(uint8_t *buf, size_t max) = 0;

  // The peer ends its side: the stream reads end of stream after the
  // bytes written before.
  virtual void PeerClose() = 0;

  // StreamErrorContract: makes the stream fail from now on with a device
  // error, waking its waiters.
  virtual void InjectError() {}

  // Lets events the stream waits for reach their wakers, for at most ms
  // milliseconds (a host port sleeps in epoll here). Memory streams wake
  // synchronously and need nothing.
  virtual void Pump(int ms) {
    (void)ms;
  }
};

// A named way to make a fixture: the suite's parameter.
struct StreamParam {
  std::string name;
  std::function<std::unique_ptr<StreamFixture>()> make;
};

template <typename F>
StreamParam MakeStreamParam(const std::string &name) {
  return StreamParam{name,
                     [] { return std::unique_ptr<StreamFixture>(new F); }};
}

// Names each instantiation after its parameter's name.
std::string StreamParamName(const ::testing::TestParamInfo<StreamParam> &info);

// GoogleTest prints a parameter by its name.
inline void PrintTo(const StreamParam &param, std::ostream *os) {
  *os << param.name;
}

}  // namespace tern_test

// What the suites share: the fixture made from the parameter and the
// helpers. The suites and their tests are in stream_contract.cc.
class StreamContractBase
    : public ::testing::TestWithParam<tern_test::StreamParam> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Polls the stream's read once with a fresh context from w.
  tern_poll Read(tern_test::CountingWaker &w, void *buf, size_t len,
                 ptrdiff_t *n);
  // Polls the stream's write once with a fresh context from w.
  tern_poll Write(tern_test::CountingWaker &w, const void *buf, size_t len,
                  ptrdiff_t *n);
  // A counting waker that lives as long as the test object: a device may
  // keep a waker after the poll that gave it returns and call it later
  // (even from the fixture's Release), so no waker given to one may be a
  // local that goes out of scope first.
  tern_test::CountingWaker &NewWaker() {
    wakers_.emplace_back();
    return wakers_.back();
  }
  // Pumps until w has been woken or ms pass; returns whether it was.
  bool WaitForWake(tern_test::CountingWaker &w, int ms = 2000);
  // Reads until exactly want bytes came (or an error or end of stream),
  // waiting for wakes in between; appends them to out.
  void ReadExactly(size_t want, std::string *out, size_t chunk = 4096);
  // Everything the peer can read now (after pumping), until it has
  // nothing for a moment; *eof set when it read end of stream.
  std::string PeerDrain(bool *eof = nullptr);
  // Polls close until READY (which must be with 0), appending what the
  // peer reads meanwhile to *peer_got.
  void Close(tern_test::CountingWaker &w, std::string *peer_got);

  // Wakers first: destroyed after the fixture, which may still call them.
  std::deque<tern_test::CountingWaker> wakers_;
  std::unique_ptr<tern_test::StreamFixture> fx_;
  tern_stream s_;
};

// What every stream must do.
class StreamContract : public StreamContractBase {};

// A stream whose close reaches the peer as end of stream.
class StreamCloseReachesPeerContract : public StreamContractBase {};

// A stream whose fixture can make it fail (InjectError).
class StreamErrorContract : public StreamContractBase {};

#endif  // TERN_STREAM_CONTRACT_H
