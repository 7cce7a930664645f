// The tern_stream contract suites: StreamContract for every stream, then
// one suite per capability (see stream_contract.h). Each test states the
// clause of tern/stream.h it checks.
#include "executor/io/stream_contract.h"

#include <string.h>

#include <chrono>
#include <string>

#include "tern/err.h"

namespace tern_test {

std::string StreamParamName(const ::testing::TestParamInfo<StreamParam> &info) {
  return info.param.name;
}

}  // namespace tern_test

// A test binary may link both contracts and instantiate only some of the
// suites: a stream takes part in the capability suites of what it has.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StreamContract);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StreamCloseReachesPeerContract);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StreamErrorContract);

using tern_test::CountingWaker;

namespace {

// A pattern that shows a lost, repeated or reordered byte.
std::string Pattern(size_t len, uint32_t seed) {
  std::string s(len, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < len; i++) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

#ifndef NDEBUG
#define EXPECT_WAKER_TAKEN(cx) \
  EXPECT_GT((cx).waker_uses, 0u) << "PENDING without taking the waker"
#else
#define EXPECT_WAKER_TAKEN(cx) (void)(cx)
#endif

}  // namespace

void StreamContractBase::SetUp() {
  fx_ = GetParam().make();
  std::string why = fx_->SkipReason();
  if (!why.empty()) {
    GTEST_SKIP() << why;
  }
  s_ = fx_->Stream();
}

void StreamContractBase::TearDown() {
  fx_.reset();
}

tern_poll StreamContractBase::Read(CountingWaker &w, void *buf, size_t len,
                                   ptrdiff_t *n) {
  tern_cx cx = w.Cx();
  *n = 12345;
  tern_poll r = tern_stream_poll_read(&s_, &cx, buf, len, n);
  if (r == TERN_PENDING) {
    EXPECT_WAKER_TAKEN(cx);
  }
  return r;
}

tern_poll StreamContractBase::Write(CountingWaker &w, const void *buf,
                                    size_t len, ptrdiff_t *n) {
  tern_cx cx = w.Cx();
  *n = 12345;
  tern_poll r = tern_stream_poll_write(&s_, &cx, buf, len, n);
  if (r == TERN_PENDING) {
    EXPECT_WAKER_TAKEN(cx);
  }
  return r;
}

bool StreamContractBase::WaitForWake(CountingWaker &w, int ms) {
  return PumpUntilWoken(w, ms, 50, [this](int slice) { fx_->Pump(slice); });
}

void StreamContractBase::ReadExactly(size_t want, std::string *out,
                                     size_t chunk) {
  CountingWaker &w = NewWaker();
  std::string buf(chunk, '\0');
  size_t got = 0;
  while (got < want) {
    ptrdiff_t n;
    w.Take();
    size_t len = want - got < chunk ? want - got : chunk;
    if (Read(w, &buf[0], len, &n) == TERN_PENDING) {
      ASSERT_TRUE(WaitForWake(w)) << "a pending read was never woken (" << got
                                  << " of " << want << " bytes)";
      continue;
    }
    ASSERT_GT(n, 0) << "read ended after " << got << " of " << want;
    ASSERT_LE(static_cast<size_t>(n), len) << "read more than asked";
    out->append(buf, 0, static_cast<size_t>(n));
    got += static_cast<size_t>(n);
  }
}

std::string StreamContractBase::PeerDrain(bool *eof) {
  std::string out;
  uint8_t buf[4096];
  int idle = 0;
  if (eof != nullptr) {
    *eof = false;
  }
  // Two empty reads with a short pump between them: what the stream
  // wrote has arrived (a host stream's bytes are in the kernel at once).
  while (idle < 2) {
    ptrdiff_t n = fx_->PeerRead(buf, sizeof buf);
    if (n < 0) {
      if (eof != nullptr) {
        *eof = true;
      }
      break;
    }
    if (n == 0) {
      idle++;
      fx_->Pump(1);
      continue;
    }
    idle = 0;
    out.append(reinterpret_cast<char *>(buf), static_cast<size_t>(n));
  }
  return out;
}

void StreamContractBase::Close(CountingWaker &w, std::string *peer_got) {
  for (int i = 0;; i++) {
    ASSERT_LT(i, 100) << "close never completed";
    tern_cx cx = w.Cx();
    int err = 1;
    if (tern_stream_poll_close(&s_, &cx, &err) == TERN_READY) {
      ASSERT_EQ(err, 0);
      break;
    }
    EXPECT_WAKER_TAKEN(cx);
    *peer_got += PeerDrain();
    ASSERT_TRUE(WaitForWake(w));
    w.Take();
  }
}

// "Read or write of 0 bytes is READY with 0 at once; a 0-byte read says
// nothing about the end of the stream."
TEST_P(StreamContract, ZeroLengthReadAndWriteAreReadyAtOnce) {
  CountingWaker &w = NewWaker();
  ptrdiff_t n;
  char c = 'x';
  EXPECT_EQ(Read(w, &c, 0, &n), TERN_READY);
  EXPECT_EQ(n, 0);
  EXPECT_EQ(Write(w, &c, 0, &n), TERN_READY);
  EXPECT_EQ(n, 0);
  // With bytes waiting, a 0-byte read takes none of them.
  ASSERT_EQ(fx_->PeerWrite(reinterpret_cast<const uint8_t *>("ab"), 2), 2u);
  EXPECT_EQ(Read(w, &c, 0, &n), TERN_READY);
  EXPECT_EQ(n, 0);
  std::string got;
  ReadExactly(2, &got);
  EXPECT_EQ(got, "ab");
  // And after the end of the stream, a 0-byte read is still just 0.
  fx_->PeerClose();
  EXPECT_EQ(Read(w, &c, 0, &n), TERN_READY);
  EXPECT_EQ(n, 0);
  EXPECT_EQ(w.wakes, 0);
}

// "PENDING has registered cx's waker ... to be called when it can make
// progress", and "a read never returns 0 for nothing yet".
TEST_P(StreamContract, PendingReadIsWokenByArrivingBytes) {
  CountingWaker &w = NewWaker();
  char buf[16];
  ptrdiff_t n;
  ASSERT_EQ(Read(w, buf, sizeof buf, &n), TERN_PENDING)
      << "a read with nothing to read must wait, not return " << n;
  fx_->Pump(10);
  EXPECT_EQ(w.Take(), 0) << "woken with nothing to read";
  ASSERT_EQ(fx_->PeerWrite(reinterpret_cast<const uint8_t *>("hello"), 5), 5u);
  ASSERT_TRUE(WaitForWake(w)) << "the arriving bytes did not wake the reader";
  std::string got;
  ReadExactly(5, &got);
  EXPECT_EQ(got, "hello");
  // Everything read: PENDING again, not READY with 0.
  w.Take();
  EXPECT_EQ(Read(w, buf, sizeof buf, &n), TERN_PENDING);
}

// "Reads ... may be partial" and bytes come in order: 20,000 bytes read
// 7 at a time.
TEST_P(StreamContract, SmallReadsGetEveryByteInOrder) {
  std::string sent = Pattern(20000, 1);
  std::string got;
  size_t off = 0;
  CountingWaker &w = NewWaker();
  while (got.size() < sent.size()) {
    if (off < sent.size()) {
      off += fx_->PeerWrite(reinterpret_cast<const uint8_t *>(&sent[off]),
                            sent.size() - off);
    }
    char buf[7];
    ptrdiff_t n;
    w.Take();
    if (Read(w, buf, sizeof buf, &n) == TERN_PENDING) {
      ASSERT_TRUE(WaitForWake(w)) << "stalled at " << got.size();
      continue;
    }
    ASSERT_GT(n, 0);
    ASSERT_LE(n, 7);
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_TRUE(got == sent) << "bytes lost, repeated or reordered";
}

// "A write never accepts a byte it will not deliver ... a partial write
// means exactly n bytes were taken", and a full stream makes the writer
// wait until the peer makes room. 1 MiB, the peer reading only while the
// writer waits (enough to fill a socket's kernel buffer).
TEST_P(StreamContract, PartialWritesLoseNoByteAndRoomWakesTheWriter) {
  std::string sent = Pattern(1 << 20, 2);
  std::string got;
  size_t off = 0;
  int pendings = 0;
  CountingWaker &w = NewWaker();
  while (off < sent.size()) {
    ptrdiff_t n;
    w.Take();
    if (Write(w, &sent[off], sent.size() - off, &n) == TERN_PENDING) {
      pendings++;
      got += PeerDrain();
      ASSERT_TRUE(WaitForWake(w))
          << "the peer made room but the writer was not woken at " << off;
      continue;
    }
    ASSERT_GT(n, 0) << "a write of " << sent.size() - off << " bytes gave "
                    << n;
    ASSERT_LE(static_cast<size_t>(n), sent.size() - off);
    off += static_cast<size_t>(n);
  }
  for (int i = 0; i < 200 && got.size() < sent.size(); i++) {
    got += PeerDrain();
  }
  EXPECT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent) << "bytes lost, repeated or reordered";
  EXPECT_GT(pendings, 0) << "1 MiB never filled the stream";
}

// "Flush: READY with 0 once every byte written so far has left this end."
TEST_P(StreamContract, FlushCompletesOnceThePeerHasTheBytes) {
  CountingWaker &w = NewWaker();
  ptrdiff_t n;
  ASSERT_EQ(Write(w, "flush me", 8, &n), TERN_READY);
  ASSERT_GT(n, 0);
  std::string got;
  for (int i = 0; i < 100; i++) {
    tern_cx cx = w.Cx();
    int err = 1;
    if (tern_stream_poll_flush(&s_, &cx, &err) == TERN_READY) {
      EXPECT_EQ(err, 0);
      break;
    }
    EXPECT_WAKER_TAKEN(cx);
    got += PeerDrain();
    ASSERT_TRUE(WaitForWake(w)) << "flush was never woken";
    w.Take();
  }
  got += PeerDrain();
  EXPECT_EQ(got, std::string("flush me", static_cast<size_t>(n)));
}

// "Read: ... n == 0 at the end of the stream (the peer closed and every
// byte before the close has been read; later reads keep returning 0)",
// and a waiting reader is woken by the end.
TEST_P(StreamContract, EndOfStreamComesAfterTheBytesAndStays) {
  CountingWaker &w = NewWaker();
  char buf[64];
  ptrdiff_t n;
  ASSERT_EQ(Read(w, buf, sizeof buf, &n), TERN_PENDING);
  ASSERT_EQ(fx_->PeerWrite(reinterpret_cast<const uint8_t *>("last"), 4), 4u);
  ASSERT_TRUE(WaitForWake(w));
  fx_->PeerClose();
  std::string got;
  ReadExactly(4, &got);
  EXPECT_EQ(got, "last");
  for (int i = 0; i < 3; i++) {
    w.Take();
    tern_poll r = Read(w, buf, sizeof buf, &n);
    if (r == TERN_PENDING) {
      ASSERT_TRUE(WaitForWake(w)) << "the end of the stream never came";
      r = Read(w, buf, sizeof buf, &n);
    }
    ASSERT_EQ(r, TERN_READY);
    EXPECT_EQ(n, 0) << "read " << i << " after the end";
  }
}

// The peer's close wakes a reader that is already waiting.
TEST_P(StreamContract, EndOfStreamWakesAWaitingReader) {
  CountingWaker &w = NewWaker();
  char buf[8];
  ptrdiff_t n;
  ASSERT_EQ(Read(w, buf, sizeof buf, &n), TERN_PENDING);
  fx_->PeerClose();
  ASSERT_TRUE(WaitForWake(w)) << "the end of the stream did not wake";
  ASSERT_EQ(Read(w, buf, sizeof buf, &n), TERN_READY);
  EXPECT_EQ(n, 0);
}

// "Close: flushes, then signals the end of the stream to the peer (a
// half-close: the read direction stays usable ...) ... Later writes
// return TERN_ECLOSED; closing again is READY with 0." That the peer
// reads the end is StreamCloseReachesPeerContract's.
TEST_P(StreamContract, CloseEndsWritesAndKeepsReading) {
  CountingWaker &w = NewWaker();
  ptrdiff_t n;
  ASSERT_EQ(Write(w, "bye", 3, &n), TERN_READY);
  ASSERT_EQ(n, 3);
  std::string got;
  ASSERT_NO_FATAL_FAILURE(Close(w, &got));
  EXPECT_EQ(Write(w, "x", 1, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECLOSED);
  tern_cx cx = w.Cx();
  int err = 1;
  EXPECT_EQ(tern_stream_poll_close(&s_, &cx, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  got += PeerDrain();
  EXPECT_EQ(got, "bye");
  // A half-close: this end still reads.
  ASSERT_EQ(fx_->PeerWrite(reinterpret_cast<const uint8_t *>("r"), 1), 1u);
  std::string back;
  ReadExactly(1, &back);
  EXPECT_EQ(back, "r");
}

// "One task per direction: a stream stores one waker for reading and one
// for writing": a writer waiting for room does not displace a reader
// waiting for bytes.
TEST_P(StreamContract, ReaderAndWriterWakersAreKeptApart) {
  CountingWaker &reader = NewWaker();
  CountingWaker &writer = NewWaker();
  char buf[16];
  ptrdiff_t n;
  ASSERT_EQ(Read(reader, buf, sizeof buf, &n), TERN_PENDING);
  std::string fill = Pattern(65536, 3);
  size_t written = 0;
  bool waiting = false;
  for (int i = 0; i < 10000; i++) {
    if (Write(writer, fill.data(), fill.size(), &n) == TERN_PENDING) {
      waiting = true;
      break;
    }
    ASSERT_GT(n, 0);
    written += static_cast<size_t>(n);
  }
  ASSERT_TRUE(waiting) << "the stream never filled";
  ASSERT_EQ(fx_->PeerWrite(reinterpret_cast<const uint8_t *>("in"), 2), 2u);
  EXPECT_TRUE(WaitForWake(reader)) << "the reader's waker was lost";
  std::string got = PeerDrain();
  EXPECT_TRUE(WaitForWake(writer)) << "the writer's waker was lost";
  EXPECT_GT(got.size(), 0u);
  (void)written;
}

// ---- StreamCloseReachesPeerContract: close is the peer's end of stream ----

// "Close: flushes, then signals the end of the stream to the peer": the
// peer reads the bytes written before, then end of stream.
TEST_P(StreamCloseReachesPeerContract, PeerReadsEndOfStreamAfterClose) {
  CountingWaker &w = NewWaker();
  ptrdiff_t n;
  ASSERT_EQ(Write(w, "bye", 3, &n), TERN_READY);
  ASSERT_EQ(n, 3);
  std::string got;
  ASSERT_NO_FATAL_FAILURE(Close(w, &got));
  bool eof = false;
  got += PeerDrain(&eof);
  EXPECT_EQ(got, "bye");
  EXPECT_TRUE(eof) << "the peer did not read end of stream after close";
}

// ---- StreamErrorContract: the stream can be made to fail ----

// "Other codes are the implementation's device errors": a failed device
// answers every poll with its error and wakes whoever waits.
TEST_P(StreamErrorContract, DeviceErrorReachesEveryPollAndWakesWaiters) {
  CountingWaker &w = NewWaker();
  char buf[8];
  ptrdiff_t n;
  ASSERT_EQ(Read(w, buf, sizeof buf, &n), TERN_PENDING);
  fx_->InjectError();
  EXPECT_TRUE(WaitForWake(w));
  ASSERT_EQ(Read(w, buf, sizeof buf, &n), TERN_READY);
  EXPECT_LT(n, 0);
  ASSERT_EQ(Write(w, "x", 1, &n), TERN_READY);
  EXPECT_LT(n, 0);
  tern_cx cx = w.Cx();
  int err = 0;
  ASSERT_EQ(tern_stream_poll_flush(&s_, &cx, &err), TERN_READY);
  EXPECT_LT(err, 0);
}
