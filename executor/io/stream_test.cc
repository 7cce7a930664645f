#include "tern/stream.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "executor/test_waker.h"
#include "tern/memstream.h"

namespace {

using tern_test::CountingWaker;

// ---- the wrappers ----

int calls = 0;

tern_poll CountRead(void *, tern_cx *, void *, size_t, ptrdiff_t *n) {
  calls++;
  *n = 1;
  return TERN_READY;
}
tern_poll CountWrite(void *, tern_cx *, const void *, size_t, ptrdiff_t *n) {
  calls++;
  *n = 1;
  return TERN_READY;
}

TEST(Stream, ZeroLengthIsReadyWithZeroWithoutCallingTheImplementation) {
  static const tern_stream_ops ops = {CountRead, CountWrite, nullptr, nullptr};
  tern_stream s = {&ops, nullptr};
  CountingWaker w;
  tern_cx cx = w.Cx();
  ptrdiff_t n = -1;
  calls = 0;
  EXPECT_EQ(tern_stream_poll_write(&s, &cx, "x", 0, &n), TERN_READY);
  EXPECT_EQ(n, 0);
  n = -1;
  EXPECT_EQ(tern_stream_poll_read(&s, &cx, nullptr, 0, &n), TERN_READY);
  EXPECT_EQ(n, 0);
  EXPECT_EQ(calls, 0);
  // Non-zero lengths do reach it.
  char c;
  EXPECT_EQ(tern_stream_poll_read(&s, &cx, &c, 1, &n), TERN_READY);
  EXPECT_EQ(calls, 1);
}

TEST(Stream, MissingFlushAndCloseAreReadyWithZero) {
  static const tern_stream_ops ops = {CountRead, CountWrite, nullptr, nullptr};
  tern_stream s = {&ops, nullptr};
  CountingWaker w;
  tern_cx cx = w.Cx();
  int err = -1;
  EXPECT_EQ(tern_stream_poll_flush(&s, &cx, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  err = -1;
  EXPECT_EQ(tern_stream_poll_close(&s, &cx, &err), TERN_READY);
  EXPECT_EQ(err, 0);
}

// ---- the memory stream pair ----

class MemStream : public ::testing::Test {
 protected:
  void SetUp() override {
    tern_memstream_init(&pair_, ab_, sizeof ab_, ba_, sizeof ba_);
    a_ = tern_memstream_a(&pair_);
    b_ = tern_memstream_b(&pair_);
  }

  // Polls a write once; returns n, or INT32_MIN for PENDING.
  ptrdiff_t Write(const tern_stream &s, CountingWaker &w,
                  const std::string &data) {
    tern_cx cx = w.Cx();
    ptrdiff_t n = 0;
    if (tern_stream_poll_write(&s, &cx, data.data(), data.size(), &n) ==
        TERN_PENDING) {
#ifndef NDEBUG
      EXPECT_GT(cx.waker_uses, 0u);
#endif
      return INT32_MIN;
    }
    return n;
  }

  // Polls a read of up to max bytes once; returns the bytes, or "PENDING",
  // "EOF" or "ERR<code>".
  std::string Read(const tern_stream &s, CountingWaker &w, size_t max) {
    tern_cx cx = w.Cx();
    std::vector<char> buf(max);
    ptrdiff_t n = 0;
    if (tern_stream_poll_read(&s, &cx, buf.data(), max, &n) == TERN_PENDING) {
#ifndef NDEBUG
      EXPECT_GT(cx.waker_uses, 0u);
#endif
      return "PENDING";
    }
    if (n == 0)
      return "EOF";
    if (n < 0)
      return "ERR" + std::to_string(n);
    EXPECT_LE(static_cast<size_t>(n), max);
    return std::string(buf.data(), static_cast<size_t>(n));
  }

  uint8_t ab_[8];
  uint8_t ba_[16];
  tern_memstream_pair pair_;
  tern_stream a_, b_;
  CountingWaker wa_, wb_;
};

TEST_F(MemStream, WhatOneEndWritesTheOtherReads) {
  EXPECT_EQ(Write(a_, wa_, "hello"), 5);
  EXPECT_EQ(Read(b_, wb_, 64), "hello");
  EXPECT_EQ(Write(b_, wb_, "world!"), 6);
  EXPECT_EQ(Read(a_, wa_, 64), "world!");
  // Nothing leaks into the writer's own read side.
  EXPECT_EQ(Read(a_, wa_, 64), "PENDING");
  EXPECT_EQ(Read(b_, wb_, 64), "PENDING");
}

TEST_F(MemStream, EmptyReadWaitsAndAWriteWakesTheReader) {
  EXPECT_EQ(Read(b_, wb_, 4), "PENDING");
  EXPECT_EQ(wb_.wakes, 0);
  EXPECT_EQ(Write(a_, wa_, "x"), 1);
  EXPECT_EQ(wb_.Take(), 1);
  EXPECT_EQ(wa_.wakes, 0);
  EXPECT_EQ(Read(b_, wb_, 4), "x");
}

TEST_F(MemStream, FullRingTakesPartOfAWriteThenMakesTheWriterWait) {
  // The A->B ring holds 8 bytes.
  EXPECT_EQ(Write(a_, wa_, "0123456789"), 8);
  EXPECT_EQ(tern_memstream_pending_ab(&pair_), 8u);
  EXPECT_EQ(Write(a_, wa_, "89"), INT32_MIN);
  EXPECT_EQ(wa_.wakes, 0);
  EXPECT_EQ(Read(b_, wb_, 3), "012");
  EXPECT_EQ(wa_.Take(), 1);  // room again
  EXPECT_EQ(Write(a_, wa_, "89ab"), 3);
  // Everything arrives in order across the ring's wrap.
  EXPECT_EQ(Read(b_, wb_, 64), "3456789a");
  EXPECT_EQ(Read(b_, wb_, 64), "PENDING");
}

TEST_F(MemStream, BytesSurviveManyWrapsInOrder) {
  std::string sent, got;
  uint32_t x = 12345;
  auto next = [&x] {
    x = x * 1103515245u + 12345u;
    return (x >> 16) % 7 + 1;
  };
  char c = 0;
  for (int round = 0; round < 500; round++) {
    std::string chunk;
    for (size_t i = next(); i > 0; i--)
      chunk.push_back(c++);
    ptrdiff_t n = Write(a_, wa_, chunk);
    if (n > 0)
      sent.append(chunk, 0, static_cast<size_t>(n));
    std::string r = Read(b_, wb_, next());
    if (r != "PENDING")
      got += r;
  }
  for (std::string r; (r = Read(b_, wb_, 64)) != "PENDING";)
    got += r;
  EXPECT_GT(sent.size(), 1000u);
  EXPECT_EQ(got, sent);
}

TEST_F(MemStream, MaxIoSplitsReadsAndWrites) {
  tern_memstream_set_max_io(&pair_.a, 3);
  EXPECT_EQ(Write(a_, wa_, "abcdefg"), 3);
  EXPECT_EQ(Write(a_, wa_, "defg"), 3);
  tern_memstream_set_max_io(&pair_.b, 2);
  EXPECT_EQ(Read(b_, wb_, 64), "ab");
  EXPECT_EQ(Read(b_, wb_, 64), "cd");
  EXPECT_EQ(Read(b_, wb_, 64), "ef");
  EXPECT_EQ(Read(b_, wb_, 64), "PENDING");
}

TEST_F(MemStream, CloseIsEndOfStreamAfterTheLastByte) {
  EXPECT_EQ(Read(b_, wb_, 64), "PENDING");
  EXPECT_EQ(Write(a_, wa_, "bye"), 3);
  EXPECT_EQ(wb_.Take(), 1);
  tern_cx cx = wa_.Cx();
  int err = -1;
  ASSERT_EQ(tern_stream_poll_close(&a_, &cx, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  // Writing after close fails; closing again is fine.
  EXPECT_EQ(Write(a_, wa_, "more"), TERN_ECLOSED);
  ASSERT_EQ(tern_stream_poll_close(&a_, &cx, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  // The reader gets every byte, then end of stream, repeatedly.
  EXPECT_EQ(Read(b_, wb_, 64), "bye");
  EXPECT_EQ(Read(b_, wb_, 64), "EOF");
  EXPECT_EQ(Read(b_, wb_, 64), "EOF");
  // Half-close: B can still talk to A.
  EXPECT_EQ(Write(b_, wb_, "ok"), 2);
  EXPECT_EQ(Read(a_, wa_, 64), "ok");
}

TEST_F(MemStream, CloseWakesAWaitingReader) {
  EXPECT_EQ(Read(b_, wb_, 64), "PENDING");
  tern_cx cx = wa_.Cx();
  int err = -1;
  ASSERT_EQ(tern_stream_poll_close(&a_, &cx, &err), TERN_READY);
  EXPECT_EQ(wb_.Take(), 1);
  EXPECT_EQ(Read(b_, wb_, 64), "EOF");
}

TEST_F(MemStream, FlushWaitsUntilThePeerHasReadEverything) {
  EXPECT_EQ(Write(a_, wa_, "abcd"), 4);
  tern_cx cx = wa_.Cx();
  int err = -1;
  EXPECT_EQ(tern_stream_poll_flush(&a_, &cx, &err), TERN_PENDING);
#ifndef NDEBUG
  EXPECT_GT(cx.waker_uses, 0u);
#endif
  EXPECT_EQ(Read(b_, wb_, 2), "ab");
  EXPECT_EQ(wa_.Take(), 1);
  cx = wa_.Cx();
  EXPECT_EQ(tern_stream_poll_flush(&a_, &cx, &err), TERN_PENDING);
  EXPECT_EQ(Read(b_, wb_, 2), "cd");
  EXPECT_EQ(wa_.Take(), 1);
  ASSERT_EQ(tern_stream_poll_flush(&a_, &cx, &err), TERN_READY);
  EXPECT_EQ(err, 0);
}

TEST_F(MemStream, DeviceErrorCompletesEveryPollAndWakesWaiters) {
  EXPECT_EQ(Read(a_, wa_, 64), "PENDING");
  tern_memstream_set_error(&pair_.a, TERN_EIO);
  EXPECT_EQ(wa_.Take(), 1);
  EXPECT_EQ(Read(a_, wa_, 64), "ERR" + std::to_string(TERN_EIO));
  EXPECT_EQ(Write(a_, wa_, "x"), TERN_EIO);
  tern_cx cx = wa_.Cx();
  int err = 0;
  ASSERT_EQ(tern_stream_poll_flush(&a_, &cx, &err), TERN_READY);
  EXPECT_EQ(err, TERN_EIO);
  // The other end is unaffected.
  EXPECT_EQ(Write(b_, wb_, "y"), 1);
  tern_memstream_set_error(&pair_.a, 0);
  EXPECT_EQ(Read(a_, wa_, 64), "y");
}

// A positive "error" is a byte count to the caller: before, a read then
// reported 100 bytes it never wrote into a 4-byte buffer, more than asked.
TEST_F(MemStream, SetErrorRefusesAPositiveValueAndLeavesTheEndWorking) {
  EXPECT_EQ(tern_memstream_set_error(&pair_.a, 100), TERN_EINVAL);
  EXPECT_EQ(Read(a_, wa_, 4), "PENDING");
  EXPECT_EQ(Write(a_, wa_, "x"), 1);
  EXPECT_EQ(Read(b_, wb_, 4), "x");
}

// Storage the rings cannot use: before, init took it, and the first write
// into a NULL ring copied through the NULL pointer (a zero-sized ring made
// every write wait for ever).
TEST(MemStreamInit, RefusesMissingOrEmptyStorage) {
  static tern_memstream_pair pair;
  static uint8_t ab[4], ba[4];
  ASSERT_EQ(tern_memstream_init(&pair, ab, sizeof ab, ba, sizeof ba), 0);
  // A refused init leaves a working pair as it was.
  EXPECT_EQ(tern_memstream_init(&pair, nullptr, 4, ba, sizeof ba), TERN_EINVAL);
  EXPECT_EQ(tern_memstream_init(&pair, ab, sizeof ab, nullptr, 4), TERN_EINVAL);
  EXPECT_EQ(tern_memstream_init(&pair, ab, 0, ba, sizeof ba), TERN_EINVAL);
  EXPECT_EQ(tern_memstream_init(&pair, ab, sizeof ab, ba, 0), TERN_EINVAL);
  EXPECT_EQ(tern_memstream_init(nullptr, ab, sizeof ab, ba, sizeof ba),
            TERN_EINVAL);
  tern_stream a = tern_memstream_a(&pair), b = tern_memstream_b(&pair);
  CountingWaker w;
  tern_cx cx = w.Cx();
  ptrdiff_t n = 0;
  ASSERT_EQ(tern_stream_poll_write(&a, &cx, "ok", 2, &n), TERN_READY);
  EXPECT_EQ(n, 2);
  char buf[4];
  ASSERT_EQ(tern_stream_poll_read(&b, &cx, buf, sizeof buf, &n), TERN_READY);
  ASSERT_EQ(n, 2);
  EXPECT_EQ(std::string(buf, 2), "ok");
}

}  // namespace
