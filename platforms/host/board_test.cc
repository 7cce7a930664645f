// The host board's console: every byte reaches stdout, also when a signal
// interrupts a write that is waiting for room.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "tern/board.h"

namespace {

void OnAlarm(int) {}

// stdout is a full pipe when the console writes; SIGALRM (no SA_RESTART)
// interrupts the blocked write(2) with EINTR before it wrote anything.
// Before, the console gave up there and the message was lost.
TEST(HostBoard, ConsoleWriteGoesOnAfterASignal) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);

  // Fill the pipe.
  int fl = fcntl(p[1], F_GETFL);
  fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK);
  size_t filled = 0;
  char junk[4096] = {};
  for (;;) {
    ssize_t n = write(STDOUT_FILENO, junk, sizeof junk);
    if (n <= 0)
      break;
    filled += (size_t)n;
  }
  fcntl(STDOUT_FILENO, F_SETFL, fl);

  struct sigaction sa = {}, old = {};
  sa.sa_handler = OnAlarm;  // no SA_RESTART: the write fails with EINTR
  ASSERT_EQ(sigaction(SIGALRM, &sa, &old), 0);

  // The reader starts draining 300 ms in, long after the signal (50 ms);
  // it runs with SIGALRM blocked, so the signal hits the writer.
  sigset_t alrm, prev;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &alrm, &prev);
  std::string got;
  std::thread reader([&] {
    usleep(300000);
    char buf[4096];
    struct pollfd pf = {p[0], POLLIN, 0};
    while (poll(&pf, 1, 1000) > 0) {
      ssize_t n = read(p[0], buf, sizeof buf);
      if (n <= 0)
        break;
      got.append(buf, (size_t)n);
    }
  });
  pthread_sigmask(SIG_SETMASK, &prev, nullptr);

  struct itimerval it = {};
  it.it_value.tv_usec = 50000;
  setitimer(ITIMER_REAL, &it, nullptr);
  std::string msg(1000, 'm');
  tern_board_console_write(msg.data(), msg.size());
  tern_board_console_puts("end\n");

  dup2(saved, STDOUT_FILENO);
  close(saved);
  close(p[1]);
  reader.join();
  close(p[0]);
  sigaction(SIGALRM, &old, nullptr);
  ASSERT_EQ(got.size(), filled + msg.size() + 4);
  EXPECT_EQ(got.substr(filled), msg + "end\n");
}

}  // namespace
