// Tests of the fd stream over a socketpair, a pty pair and a pipe pair,
// driven by the real executor on the host port. The peer is the plain
// descriptor at the other end, used with blocking system calls (from the
// test or from a thread), as a real program on the other side would.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "executor/test_waker.h"
#include "gtest/gtest.h"
#include "platforms/host/run_task_test_util.h"
#include "tern/err.h"
#include "tern/host_fd_stream.h"
#include "tern/stream.h"

namespace {

using tern_test::RunTask;

// Reads exactly len bytes from a blocking descriptor (or fewer at EOF).
std::string ReadExactly(int fd, size_t len) {
  std::string out;
  while (out.size() < len) {
    char buf[4096];
    size_t want = std::min(sizeof buf, len - out.size());
    ssize_t n = read(fd, buf, want);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void WriteAll(int fd, const std::string &s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    ASSERT_GT(n, 0) << strerror(errno);
    off += static_cast<size_t>(n);
  }
}

// Reads from the stream until READY: returns the count or error.
ptrdiff_t StreamRead(tern_stream *io, void *buf, size_t len) {
  ptrdiff_t n = -100;
  EXPECT_TRUE(RunTask([&](tern_cx *cx) {
    return tern_stream_poll_read(io, cx, buf, len, &n);
  }));
  return n;
}

// Writes every byte of s through the stream (partial writes looped).
void StreamWriteAll(tern_stream *io, const std::string &s) {
  size_t off = 0;
  ptrdiff_t err = 0;
  ASSERT_TRUE(RunTask([&](tern_cx *cx) {
    while (off < s.size()) {
      ptrdiff_t n;
      if (tern_stream_poll_write(io, cx, s.data() + off, s.size() - off, &n) ==
          TERN_PENDING) {
        return TERN_PENDING;
      }
      if (n <= 0) {
        err = n;
        return TERN_READY;
      }
      off += static_cast<size_t>(n);
    }
    return TERN_READY;
  }));
  ASSERT_EQ(err, 0);
  ASSERT_EQ(off, s.size());
}

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; i++) {
    s.push_back(static_cast<char>(i));
  }
  return s;
}

class SocketPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    peer_ = fds[1];
    ASSERT_EQ(tern_host_fd_stream_open(&s_, fds[0], fds[0]), 0);
    io_ = tern_host_fd_stream_get(&s_);
  }
  void TearDown() override {
    tern_host_fd_stream_release(&s_);
    if (peer_ >= 0) {
      close(peer_);
    }
  }
  tern_host_fd_stream s_;
  tern_stream io_;
  int peer_ = -1;
};

TEST_F(SocketPairTest, BytesBothWays) {
  StreamWriteAll(&io_, "hello, peer");
  EXPECT_EQ(ReadExactly(peer_, 11), "hello, peer");

  WriteAll(peer_, AllBytes());
  std::string got;
  while (got.size() < 256) {
    char buf[300];
    ptrdiff_t n = StreamRead(&io_, buf, sizeof buf);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(got, AllBytes());
}

TEST_F(SocketPairTest, PartialReads) {
  WriteAll(peer_, "abcde");
  char buf[8];
  ASSERT_EQ(StreamRead(&io_, buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "ab");
  ASSERT_EQ(StreamRead(&io_, buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "cd");
  ASSERT_EQ(StreamRead(&io_, buf, sizeof buf), 1);
  EXPECT_EQ(buf[0], 'e');
}

TEST_F(SocketPairTest, ReadWaitsForThePeer) {
  // Nothing there: PENDING with the waker stored, no bytes.
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  char buf[16];
  ptrdiff_t n = -100;
  EXPECT_EQ(tern_stream_poll_read(&io_, &cx, buf, sizeof buf, &n),
            TERN_PENDING);
  EXPECT_EQ(n, -100);

  // The executor sleeps in epoll until a thread writes 100 ms later.
  auto start = std::chrono::steady_clock::now();
  std::thread writer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    WriteAll(peer_, "late");
  });
  int polls = 0;
  ASSERT_TRUE(RunTask(
      [&](tern_cx *c) {
        return tern_stream_poll_read(&io_, c, buf, sizeof buf, &n);
      },
      5000, &polls));
  auto waited = std::chrono::steady_clock::now() - start;
  writer.join();
  ASSERT_EQ(n, 4);
  EXPECT_EQ(std::string(buf, 4), "late");
  EXPECT_GE(waited, std::chrono::milliseconds(100));
  EXPECT_LE(polls, 3);  // slept, was woken by the edge: no busy loop
}

TEST_F(SocketPairTest, WriteWaitsWhileThePeerIsFull) {
  // Fill the socket buffer until a write is PENDING.
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  std::string chunk(65536, 'x');
  size_t written = 0;
  for (;;) {
    ptrdiff_t n;
    if (tern_stream_poll_write(&io_, &cx, chunk.data(), chunk.size(), &n) ==
        TERN_PENDING) {
      break;
    }
    ASSERT_GT(n, 0);
    written += static_cast<size_t>(n);
    ASSERT_LT(written, 64u << 20) << "the socket never filled";
  }
  // A reader drains it; the writer is woken and sends a marked tail.
  std::string tail = "<end>";
  std::thread reader([&] {
    std::string got = ReadExactly(peer_, written + tail.size());
    EXPECT_EQ(got.size(), written + tail.size());
    EXPECT_EQ(got.substr(written), tail);
  });
  StreamWriteAll(&io_, tail);
  reader.join();
}

TEST_F(SocketPairTest, EndOfStreamIsSticky) {
  WriteAll(peer_, "last");
  ASSERT_EQ(shutdown(peer_, SHUT_WR), 0);
  char buf[16];
  ASSERT_EQ(StreamRead(&io_, buf, sizeof buf), 4);
  EXPECT_EQ(StreamRead(&io_, buf, sizeof buf), 0);
  EXPECT_EQ(StreamRead(&io_, buf, sizeof buf), 0);
  // Our direction still works: a half-close.
  StreamWriteAll(&io_, "still here");
  EXPECT_EQ(ReadExactly(peer_, 10), "still here");
}

TEST_F(SocketPairTest, CloseIsAHalfClose) {
  StreamWriteAll(&io_, "bye");
  int err = -100;
  ASSERT_TRUE(RunTask(
      [&](tern_cx *cx) { return tern_stream_poll_close(&io_, cx, &err); }));
  EXPECT_EQ(err, 0);
  char buf[8];
  EXPECT_EQ(read(peer_, buf, sizeof buf), 3);
  EXPECT_EQ(read(peer_, buf, sizeof buf), 0);  // the peer sees the end
  // Writing after close fails; reading still works.
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  ptrdiff_t n;
  EXPECT_EQ(tern_stream_poll_write(&io_, &cx, "x", 1, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECLOSED);
  WriteAll(peer_, "reply");
  ASSERT_EQ(StreamRead(&io_, buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "reply");
}

TEST_F(SocketPairTest, WriteToAClosedPeerIsClosedNotSigpipe) {
  close(peer_);
  peer_ = -1;
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  ptrdiff_t n = 0;
  ASSERT_EQ(tern_stream_poll_write(&io_, &cx, "x", 1, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECLOSED);
  char buf[4];
  EXPECT_EQ(StreamRead(&io_, buf, sizeof buf), 0);
}

class PtyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int master = -1;
    ASSERT_EQ(tern_host_pty_open(&master, path_, sizeof path_, nullptr), 0);
    ASSERT_EQ(strncmp(path_, "/dev/pts/", 9), 0) << path_;
    ASSERT_EQ(tern_host_fd_stream_open(&s_, master, master), 0);
    io_ = tern_host_fd_stream_get(&s_);
  }
  void TearDown() override {
    tern_host_fd_stream_release(&s_);
    if (slave_ >= 0) {
      close(slave_);
    }
  }
  void OpenSlave() {
    slave_ = open(path_, O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(slave_, 0) << strerror(errno);
  }
  char path_[64];
  tern_host_fd_stream s_;
  tern_stream io_;
  int slave_ = -1;
};

TEST_F(PtyTest, NoPeerYetMeansWaitNotEnd) {
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  char buf[4];
  ptrdiff_t n = -100;
  EXPECT_EQ(tern_stream_poll_read(&io_, &cx, buf, sizeof buf, &n),
            TERN_PENDING);
  // Released while w waits (and is alive): w is woken, once.
  tern_host_fd_stream_release(&s_);
  EXPECT_EQ(w.Take(), 1);
}

TEST_F(PtyTest, RawBytesBothWays) {
  OpenSlave();
  // Every byte value crosses unchanged: no echo, no CR/LF mapping, no
  // signals for ^C, no line buffering.
  StreamWriteAll(&io_, AllBytes());
  EXPECT_EQ(ReadExactly(slave_, 256), AllBytes());

  WriteAll(slave_, AllBytes() + "\r\n");
  std::string got;
  while (got.size() < 258) {
    char buf[100];
    ptrdiff_t n = StreamRead(&io_, buf, sizeof buf);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(got, AllBytes() + "\r\n");
  // And nothing else came back (no echo of what we wrote).
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  char buf[4];
  ptrdiff_t n;
  EXPECT_EQ(tern_stream_poll_read(&io_, &cx, buf, sizeof buf, &n),
            TERN_PENDING);
}

TEST_F(PtyTest, PartialReadsAndWaiting) {
  OpenSlave();
  std::thread peer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    WriteAll(slave_, "0123456789");
  });
  std::string got;
  ASSERT_TRUE(RunTask([&](tern_cx *cx) {
    while (got.size() < 10) {
      char c;
      ptrdiff_t n;
      if (tern_stream_poll_read(&io_, cx, &c, 1, &n) == TERN_PENDING) {
        return TERN_PENDING;
      }
      if (n != 1) {
        ADD_FAILURE() << "read returned " << n;
        return TERN_READY;
      }
      got.push_back(c);
    }
    return TERN_READY;
  }));
  peer.join();
  EXPECT_EQ(got, "0123456789");
}

TEST_F(PtyTest, SlaveHangUpIsEndOfStream) {
  OpenSlave();
  WriteAll(slave_, "ab");
  std::thread peer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    close(slave_);
    slave_ = -1;
  });
  char buf[8];
  ASSERT_EQ(StreamRead(&io_, buf, sizeof buf), 2);
  EXPECT_EQ(StreamRead(&io_, buf, sizeof buf), 0);  // waited for the hang-up
  peer.join();
  EXPECT_EQ(StreamRead(&io_, buf, sizeof buf), 0);
}

TEST(PtyOpenTest, KeepsTheSlaveWhenAsked) {
  int master = -1, slave = -1;
  char path[64];
  ASSERT_EQ(tern_host_pty_open(&master, path, sizeof path, &slave), 0);
  ASSERT_GE(slave, 0);
  EXPECT_TRUE(isatty(slave));
  EXPECT_NE(fcntl(master, F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(fcntl(master, F_GETFD) & FD_CLOEXEC, 0);
  close(slave);
  close(master);
}

TEST(PtyOpenTest, Errors) {
  int master = -1;
  char path[4];
  EXPECT_EQ(tern_host_pty_open(&master, path, sizeof path, nullptr),
            TERN_ENOSPC);
  EXPECT_EQ(tern_host_pty_open(nullptr, path, sizeof path, nullptr),
            TERN_EINVAL);
  EXPECT_EQ(tern_host_pty_open(&master, nullptr, 0, nullptr), TERN_EINVAL);
}

TEST(PipePairTest, BytesAndHalfClose) {
  int down[2], up[2];  // down: peer -> stream, up: stream -> peer
  ASSERT_EQ(pipe2(down, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(up, O_CLOEXEC), 0);
  tern_host_fd_stream s;
  ASSERT_EQ(tern_host_fd_stream_open(&s, down[0], up[1]), 0);
  tern_stream io = tern_host_fd_stream_get(&s);

  StreamWriteAll(&io, "to peer");
  EXPECT_EQ(ReadExactly(up[0], 7), "to peer");
  WriteAll(down[1], "to stream");
  char buf[16];
  ASSERT_EQ(StreamRead(&io, buf, sizeof buf), 9);
  EXPECT_EQ(std::string(buf, 9), "to stream");

  int err = -100;
  ASSERT_TRUE(RunTask(
      [&](tern_cx *cx) { return tern_stream_poll_close(&io, cx, &err); }));
  EXPECT_EQ(err, 0);
  EXPECT_EQ(read(up[0], buf, sizeof buf), 0);  // end of stream at the peer
  WriteAll(down[1], "more");                   // reading still works
  ASSERT_EQ(StreamRead(&io, buf, sizeof buf), 4);
  close(down[1]);
  EXPECT_EQ(StreamRead(&io, buf, sizeof buf), 0);

  tern_host_fd_stream_release(&s);
  close(up[0]);
}

// Fills the stream's way out until a write waits (PENDING, with w's
// waker stored).
void FillUntilWriteWaits(tern_stream *io, tern_test::CountingWaker *w) {
  static const char chunk[65536] = {};
  tern_cx cx = w->Cx();
  for (int i = 0; i < 1000; i++) {
    ptrdiff_t n = 0;
    if (tern_stream_poll_write(io, &cx, chunk, sizeof chunk, &n) ==
        TERN_PENDING) {
      return;
    }
    ASSERT_GT(n, 0);
  }
  FAIL() << "the write never waited";
}

// A task asleep in a read or a write when the stream is released, or when
// the write end of a pipe pair is closed, must be woken to meet
// TERN_ECLOSED (as the TAP/TUN driver's close does). Before, release and
// close unregistered the descriptors, which forgets the stored wakers
// without calling them: the task slept for ever.
TEST(FdStreamReleaseTest, ReleaseWakesAWaitingReaderAndWriter) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  tern_host_fd_stream s;
  ASSERT_EQ(tern_host_fd_stream_open(&s, fds[0], fds[0]), 0);
  tern_stream io = tern_host_fd_stream_get(&s);
  tern_test::CountingWaker reader, writer;
  tern_cx rcx = reader.Cx();
  char buf[16];
  ptrdiff_t n = 0;
  ASSERT_EQ(tern_stream_poll_read(&io, &rcx, buf, sizeof buf, &n),
            TERN_PENDING);
  FillUntilWriteWaits(&io, &writer);
  ASSERT_EQ(reader.Take() + writer.Take(), 0);

  tern_host_fd_stream_release(&s);
  EXPECT_EQ(reader.Take(), 1);
  EXPECT_EQ(writer.Take(), 1);
  EXPECT_EQ(tern_stream_poll_read(&io, &rcx, buf, sizeof buf, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECLOSED);
  tern_cx wcx = writer.Cx();
  EXPECT_EQ(tern_stream_poll_write(&io, &wcx, "x", 1, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECLOSED);
  close(fds[1]);
}

TEST(FdStreamReleaseTest, ClosingAPipePairWakesAWaitingWriter) {
  int down[2], up[2];
  ASSERT_EQ(pipe2(down, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(up, O_CLOEXEC), 0);
  tern_host_fd_stream s;
  ASSERT_EQ(tern_host_fd_stream_open(&s, down[0], up[1]), 0);
  tern_stream io = tern_host_fd_stream_get(&s);
  tern_test::CountingWaker writer, closer;
  FillUntilWriteWaits(&io, &writer);
  ASSERT_EQ(writer.Take(), 0);

  tern_cx ccx = closer.Cx();
  int err = -100;
  ASSERT_EQ(tern_stream_poll_close(&io, &ccx, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  EXPECT_EQ(writer.Take(), 1);
  tern_cx wcx = writer.Cx();
  ptrdiff_t n = 0;
  EXPECT_EQ(tern_stream_poll_write(&io, &wcx, "x", 1, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECLOSED);

  tern_host_fd_stream_release(&s);
  close(down[1]);
  close(up[0]);
}

// A socket's or a pty's close stops writes on the one descriptor both
// directions share: a task asleep in a write must be woken to meet
// TERN_ECLOSED. Before, only a pipe pair's close (which drops its write
// descriptor) woke it; on a socket or pty the writer slept until the peer
// made room (never, if the peer had gone quiet).
// The stream is released by the caller while writer still lives.
void ExpectCloseWakesAWaitingWriter(tern_stream *io,
                                    tern_test::CountingWaker &writer) {
  tern_test::CountingWaker closer;
  FillUntilWriteWaits(io, &writer);
  ASSERT_EQ(writer.Take(), 0);
  tern_cx ccx = closer.Cx();
  int err = -100;
  ASSERT_EQ(tern_stream_poll_close(io, &ccx, &err), TERN_READY);
  EXPECT_EQ(err, 0);
  EXPECT_EQ(writer.Take(), 1);
  tern_cx wcx = writer.Cx();
  ptrdiff_t n = 0;
  EXPECT_EQ(tern_stream_poll_write(io, &wcx, "x", 1, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECLOSED);
}

TEST(FdStreamReleaseTest, ClosingASocketWakesAWaitingWriter) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  tern_host_fd_stream s;
  ASSERT_EQ(tern_host_fd_stream_open(&s, fds[0], fds[0]), 0);
  tern_stream io = tern_host_fd_stream_get(&s);
  tern_test::CountingWaker writer;
  ExpectCloseWakesAWaitingWriter(&io, writer);
  tern_host_fd_stream_release(&s);
  close(fds[1]);
}

TEST(FdStreamReleaseTest, ClosingAPtyWakesAWaitingWriter) {
  int master = -1, slave = -1;
  char path[64];
  ASSERT_EQ(tern_host_pty_open(&master, path, sizeof path, &slave), 0);
  tern_host_fd_stream s;
  ASSERT_EQ(tern_host_fd_stream_open(&s, master, master), 0);
  tern_stream io = tern_host_fd_stream_get(&s);
  tern_test::CountingWaker writer;
  ExpectCloseWakesAWaitingWriter(&io, writer);
  tern_host_fd_stream_release(&s);
  close(slave);
}

TEST(FdStreamOpenTest, Errors) {
  tern_host_fd_stream s;
  EXPECT_EQ(tern_host_fd_stream_open(nullptr, 0, 0), TERN_EINVAL);
  EXPECT_EQ(tern_host_fd_stream_open(&s, -1, -1), TERN_EINVAL);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[1]);
  EXPECT_EQ(tern_host_fd_stream_open(&s, fds[0], fds[1]), TERN_EINVAL);
  close(fds[0]);

  const char *dir = getenv("TEST_TMPDIR");
  std::string path =
      std::string(dir != nullptr ? dir : "/tmp") + "/tern_fd_stream_XXXXXX";
  std::vector<char> p(path.begin(), path.end());
  p.push_back('\0');
  int f = mkstemp(p.data());
  ASSERT_GE(f, 0);
  EXPECT_EQ(tern_host_fd_stream_open(&s, f, f), TERN_ENOTSUP);
  close(f);
  unlink(p.data());

  // After release, polls report a closed stream instead of sleeping.
  int sp[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  ASSERT_EQ(tern_host_fd_stream_open(&s, sp[0], sp[0]), 0);
  tern_stream io = tern_host_fd_stream_get(&s);
  EXPECT_EQ(tern_host_fd_stream_release(&s), 0);
  EXPECT_EQ(tern_host_fd_stream_release(&s), 0);
  tern_test::CountingWaker w;
  tern_cx cx = w.Cx();
  char buf[2];
  ptrdiff_t n;
  EXPECT_EQ(tern_stream_poll_read(&io, &cx, buf, 1, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECLOSED);
  EXPECT_EQ(tern_stream_poll_write(&io, &cx, buf, 1, &n), TERN_READY);
  EXPECT_EQ(n, TERN_ECLOSED);
  close(sp[1]);
}

}  // namespace
