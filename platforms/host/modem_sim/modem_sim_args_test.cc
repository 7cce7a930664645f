// modem_sim's command line: each bad value ends the program at once with
// exit code 2 and one line on stderr naming the flag, before it makes a
// pty; --link replaces a symlink but never a file that is not one. Runs
// the real binary (its path is the first argument: sim_test_main.h).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "platforms/host/modem_sim/sim_test_main.h"

namespace {

using tern_test::g_modem_sim;

struct SimRun {
  bool exited = false;  // by itself within the time allowed
  int code = -1;
  std::string out, err;
};

// Runs modem_sim with args; a run still going after ms is ended (SIGTERM)
// and reported as not exited.
SimRun RunSim(const std::vector<std::string> &args, int ms = 2000) {
  int out[2], err[2];
  EXPECT_EQ(0, pipe2(out, O_CLOEXEC));
  EXPECT_EQ(0, pipe2(err, O_CLOEXEC));
  std::vector<std::string> argv = {g_modem_sim};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::vector<char *> av;
    for (auto &a : argv)
      av.push_back(const_cast<char *>(a.c_str()));
    av.push_back(nullptr);
    execv(av[0], av.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  SimRun r;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      r.exited = true;
      break;
    }
    if (std::chrono::steady_clock::now() > end) {
      kill(pid, SIGTERM);
      waitpid(pid, &status, 0);
      break;
    }
    usleep(10000);
  }
  if (WIFEXITED(status))
    r.code = WEXITSTATUS(status);
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0)
    r.out.append(buf, n);
  while ((n = read(err[0], buf, sizeof buf)) > 0)
    r.err.append(buf, n);
  close(out[0]);
  close(err[0]);
  return r;
}

// Exit code 2 and exactly one line on stderr, naming flag.
void ExpectRefused(const std::vector<std::string> &args, const char *flag) {
  SimRun r = RunSim(args);
  SCOPED_TRACE(args.back());
  EXPECT_TRUE(r.exited) << "still running: the value was taken";
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "") << "made a pty before checking its arguments";
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_NE(r.err.find(flag), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("modem_sim: ", 0), 0u) << r.err;
}

TEST(ModemSimArgs, ABadNumberIsRefusedInOneLine) {
  ExpectRefused({"--seed", "abc"}, "--seed");
  ExpectRefused({"--seed", "4294967296"}, "--seed");
  ExpectRefused({"--ipd-max", "0"}, "--ipd-max");
  ExpectRefused({"--send-max", "8193"}, "--send-max");
  ExpectRefused({"--sto", "7201"}, "--sto");
  ExpectRefused({"--drop-after", "-1"}, "--drop-after");
  ExpectRefused({"--split-pause-us", " 5"}, "--split-pause-us");
  ExpectRefused({"--sto", "+5"}, "--sto");
  ExpectRefused({"--split", "halves"}, "--split");
  ExpectRefused({"--recvdata-form", "esp31"}, "--recvdata-form");
}

// Before, any text was taken: AT+CIFSR reported it as the station's
// address and AT+CIPSERVER answered ERROR, long after the start.
TEST(ModemSimArgs, AStationAddressMustBeOne) {
  ExpectRefused({"--sta-ip", "localhost"}, "--sta-ip");
  ExpectRefused({"--sta-ip", "127.0.0.256"}, "--sta-ip");
  ExpectRefused({"--sta-ip", ""}, "--sta-ip");
}

std::string TempPath(const char *name) {
  const char *dir = getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

// Before, --link unlinked whatever PATH was (a file of the user's) and
// put its symlink there.
TEST(ModemSimArgs, LinkNeverReplacesAFile) {
  std::string path = TempPath("modem_sim_args_file");
  FILE *f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("keep me\n", f);
  fclose(f);
  ExpectRefused({"--link", path}, "--link");
  struct stat st;
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 8);
  unlink(path.c_str());
}

TEST(ModemSimArgs, LinkReplacesAStaleSymlinkAndRemovesIt) {
  std::string path = TempPath("modem_sim_args_link");
  unlink(path.c_str());
  ASSERT_EQ(symlink("/nonexistent/pts", path.c_str()), 0);
  SimRun r = RunSim({"--link", path}, 500);  // runs until ended
  EXPECT_FALSE(r.exited) << r.err;
  EXPECT_EQ(r.code, 0) << r.err;  // SIGTERM is a clean stop
  EXPECT_EQ(r.out.rfind("/dev/pts/", 0), 0u) << r.out;
  struct stat st;
  EXPECT_NE(lstat(path.c_str(), &st), 0) << "the link was left behind";
}

}  // namespace
